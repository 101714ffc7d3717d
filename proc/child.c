/*
 * child.c - the simulated process: the program each forked child runs.
 *
 * It only reacts: the kernel tells it what to send ("! LINE"), delivers
 * messages to it ("* received ..."), which it answers by its reply policy,
 * and answers what it sent.  It never waits for an answer, so it can serve a
 * delivery, even one on its own self-link, while a line of its own is in
 * flight.  Everything goes to its log, one whole timestamped line each,
 * written after every batch it reads, and when the kernel asks ("~ sync",
 * answered "~ synced" once the log is written): the console asks before it
 * signals a child, so a `kill` loses nothing of what the child was sent.
 *
 * A forwarder (forward=PORT) serves its deliveries one at a time: for each
 * it makes a blocking call to PORT with the message's TEXT (linking just
 * before when it has no link there), and replies with the call's answer: the
 * words after OK, or the whole ERR line, which the kernel hands back to
 * the sender as its answer.  Answers come in the order of the lines sent,
 * the console's among them, so the child remembers what each line was.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "child.h"
#include "log.h"
#include "platform.h"
#include "proto.h"

#define ANSWER_BURST	(64 * 1024)	/* answers held while a burst is read */

/* What a line sent to the kernel was, for the answer it will get. */
enum sent {
	SENT_CONSOLE,	/* "> LINE": the console's */
	SENT_LINK,	/* "+ {...}": a forwarder's link */
	SENT_CALL,	/* "? {...}": a forwarder's call */
};

/* A delivery a forwarder has yet to serve. */
struct pending {
	char		 text[MIPC_TEXT_MAX];
	size_t		 n;
};

struct child {
	const struct child_config *cfg;
	int		 fd;
	struct logw	 log;
	struct outq	 out;
	unsigned char	*sent;		/* a ring of enum sent, oldest first */
	unsigned	 sent_head, sent_n, sent_cap;
	struct pending	*q;		/* a forwarder's deliveries, the head served */
	unsigned	 q_head, q_n, q_cap;
	int		 linked;	/* a forwarder has its link to cfg->forward */
};

static void
send_line(struct child *c, const char *prefix, const char *s, size_t n)
{
	if (outq_append(&c->out, prefix, strlen(prefix)) == -1 ||
	    outq_line(&c->out, s, n) == -1) {
		logw_printf(&c->log, "out of memory, exiting");
		logw_flush(&c->log);
		exit(1);
	}
}

static void __attribute__((noreturn))
out_of_memory(struct child *c)
{
	logw_printf(&c->log, "out of memory, exiting");
	logw_close(&c->log);
	exit(1);
}

/* Sends a line that will be answered, remembering what it was. */
static void
send_asked(struct child *c, enum sent kind, enum proto_kind marker, const char *s,
    size_t n)
{
	if (c->sent_n == c->sent_cap && ring_grow((void **)&c->sent, &c->sent_head,
	    c->sent_n, &c->sent_cap, 1) == -1)
		out_of_memory(c);
	c->sent[(c->sent_head + c->sent_n++) % c->sent_cap] = (unsigned char)kind;
	send_line(c, proto_marker(marker), s, n);
}

/* ----- a forwarder ----- */

/* Links to, or calls, cfg->forward with the TEXT of the delivery served. */
static void
forward(struct child *c, enum sent kind)
{
	const struct pending *d = &c->q[c->q_head];
	char line[MIPC_LINE_MAX];
	int n = snprintf(line, sizeof line, "{.message=%.*s,.pid=%lu,.port=%u}",
	    (int)d->n, d->text, (unsigned long)c->cfg->pid, c->cfg->forward);

	logw_printf(&c->log, "%s: %s", kind == SENT_LINK ? "sent" : "called", line);
	send_asked(c, kind, kind == SENT_LINK ? PROTO_SEND : PROTO_CALL, line,
	    (size_t)n);
}

/*
 * Serves the next delivery waiting.  Without a link yet, it links and calls
 * in one go: the call is answered after the link, and if the link failed,
 * the call (a link again, then) fails the same way: its answer is the one
 * the delivery is answered with either way.
 */
static void
serve_next(struct child *c)
{
	if (c->q_n == 0)
		return;
	if (!c->linked)
		forward(c, SENT_LINK);
	forward(c, SENT_CALL);
}

/* The delivery served is answered with the answer a (n bytes): its words
   after OK, or the whole ERR line; then the next is served. */
static void
served(struct child *c, const char *a, size_t n)
{
	const char *r = a;
	size_t rn = n;

	if (n >= 2 && memcmp(a, "OK", 2) == 0) {
		r = n > 3 ? a + 3 : a + 2;
		rn = n > 3 ? n - 3 : 0;
	}
	send_line(c, proto_marker(PROTO_REPLY), r, rn);
	logw_printf(&c->log, "answered: %.*s", (int)rn, r);
	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_n--;
	serve_next(c);
}

/* A delivery for a forwarder: served now, or once those before it are. */
static void
forward_later(struct child *c, const struct proto_delivery *d)
{
	if (c->q_n == c->q_cap && ring_grow((void **)&c->q, &c->q_head, c->q_n,
	    &c->q_cap, sizeof *c->q) == -1)
		out_of_memory(c);
	struct pending *p = &c->q[(c->q_head + c->q_n++) % c->q_cap];
	memcpy(p->text, d->text, d->textlen);
	p->n = d->textlen;
	if (c->q_n == 1)
		serve_next(c);
}

/* An answer to a line of a forwarder's own. */
static void
forward_answer(struct child *c, enum sent kind, const char *a, size_t n)
{
	if (kind == SENT_LINK)
		c->linked = n >= 2 && memcmp(a, "OK", 2) == 0;
	else
		served(c, a, n);
}

/* A notice: a forwarder whose link is destroyed links again next time. */
static void
forward_notice(struct child *c, const char *s, size_t n)
{
	char mine[64];
	int k = snprintf(mine, sizeof mine, "link %u<-%lu destroyed", c->cfg->forward,
	    (unsigned long)c->cfg->pid);

	if (n >= (size_t)k && memcmp(s, mine, (size_t)k) == 0)
		c->linked = 0;
}

/* A delivery (the line s, taken apart in d): logged, and answered by the
   reply policy.  Every message comes here: no format is parsed. */
static void
reply(struct child *c, const char *s, size_t n, const struct proto_delivery *d)
{
	static const char dflt[] = "response written to port: ";
	const char *text = d->text;
	size_t tn = d->textlen;
	char buf[sizeof dflt + 8];
	struct logw_part got = { s + 2, n - 2 };

	logw_parts(&c->log, &got, 1);
	if (c->cfg->reply == REPLY_FIXED) {
		text = c->cfg->reply_text;
		tn = strlen(text);
	} else if (c->cfg->reply != REPLY_ECHO) {
		char digits[8];
		size_t nd = 0;
		unsigned port = d->port;
		do
			digits[nd++] = (char)('0' + port % 10);
		while ((port /= 10) != 0);
		memcpy(buf, dflt, sizeof dflt - 1);
		tn = sizeof dflt - 1;
		while (nd > 0)
			buf[tn++] = digits[--nd];
		text = buf;
	}
	send_line(c, proto_marker(PROTO_REPLY), text, tn);
	struct logw_part answered[] = { LOGW_PART("answered: "), { text, tn } };
	logw_parts(&c->log, answered, 2);
}

static void
handle(struct child *c, const char *s, size_t n)
{
	struct proto_delivery d;
	const char *rest;
	size_t rn;

	switch (proto_kind(s, n, &rest, &rn)) {
	case PROTO_RUN:
		send_asked(c, SENT_CONSOLE, PROTO_RAN, rest, rn);
		logw_printf(&c->log, "sent: %.*s", (int)rn, rest);
		break;
	case PROTO_ANSWER:
		logw_printf(&c->log, "got: %.*s", (int)n, s);
		if (c->sent_n == 0)
			break;		/* not asked for: said by the log line */
		enum sent kind = c->sent[c->sent_head];
		c->sent_head = (c->sent_head + 1) % c->sent_cap;
		c->sent_n--;
		if (kind != SENT_CONSOLE)
			forward_answer(c, kind, s, n);
		break;
	case PROTO_DELIVERY:
		if (proto_parse_delivery(s, n, &d) == -1) {
			logw_printf(&c->log, "notice: %.*s", (int)(n - 2), s + 2);
			break;
		}
		if (c->cfg->forward != 0) {
			struct logw_part got = { s + 2, n - 2 };
			logw_parts(&c->log, &got, 1);
			forward_later(c, &d);
			break;
		}
		reply(c, s, n, &d);
		break;
	case PROTO_SYNC:
		logw_flush(&c->log);
		send_line(c, "", PROTO_SYNCED_LINE, sizeof PROTO_SYNCED_LINE - 1);
		break;
	case PROTO_NOTICE:
		logw_printf(&c->log, "notice: %.*s", (int)rn, rest);
		if (c->cfg->forward != 0)
			forward_notice(c, rest, rn);
		break;
	default:
		logw_printf(&c->log, "unexpected line from kernel (%zu bytes): %.*s",
		    n, (int)(n > 200 ? 200 : n), s);
		break;
	}
}

/* Writes everything queued, waiting for room if the socket is full. */
static void
drain(struct child *c)
{
	int r;

	while ((r = outq_flush(&c->out, c->fd)) == 1) {
		struct pollfd p = { c->fd, POLLOUT, 0 };
		if (poll(&p, 1, -1) == -1 && errno != EINTR)
			break;
	}
	if (r == -1) {
		logw_printf(&c->log, "cannot write to the kernel: %s, exiting",
		    strerror(errno));
		logw_close(&c->log);
		exit(1);
	}
}

void
child_main(int fd, const struct child_config *cfg)
{
	struct child c;
	struct linebuf in;
	char reply[MIPC_TEXT_MAX + 8];

	signal(SIGPIPE, SIG_IGN);
	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	c.fd = fd;
	logw_fd(&c.log, 1, !cfg->no_time);
	outq_init(&c.out);
	linebuf_init(&in);

	/* Its name, where `ps` shows what a process is. */
	plat_set_title("mipc: %s (pid %lu)", cfg->name, (unsigned long)cfg->pid);
	if (cfg->forward != 0)
		snprintf(reply, sizeof reply, "by calling port %u", cfg->forward);
	else if (cfg->reply == REPLY_ECHO)
		snprintf(reply, sizeof reply, "echo");
	else if (cfg->reply == REPLY_FIXED)
		snprintf(reply, sizeof reply, "\"%s\"", cfg->reply_text);
	else
		snprintf(reply, sizeof reply, "default");
	if (cfg->no_time)
		logw_printf(&c.log, "started: %s, pid %lu, reply %s", cfg->name,
		    (unsigned long)cfg->pid, reply);
	else
		logw_printf(&c.log, "started: %s, pid %lu, OS pid %ld, reply %s",
		    cfg->name, (unsigned long)cfg->pid, (long)getpid(), reply);
	logw_flush(&c.log);

	for (;;) {
		const char *line;
		size_t len;
		enum linebuf_status st;
		ssize_t n = linebuf_read(&in, fd);

		logw_tick(&c.log);
		if (n == 0) {
			logw_printf(&c.log, "kernel closed the connection, exiting");
			logw_close(&c.log);
			exit(0);
		}
		if (n == -1) {
			if (errno == EAGAIN) {
				struct pollfd p = { fd, POLLIN, 0 };
				(void)poll(&p, 1, -1);
				continue;
			}
			logw_printf(&c.log, "cannot read from the kernel: %s, exiting",
			    strerror(errno));
			logw_close(&c.log);
			exit(1);
		}
		while ((st = linebuf_next(&in, &line, &len)) != LB_NONE) {
			if (st == LB_TOOLONG)
				logw_printf(&c.log, "unexpected line from kernel: over "
				    "%d bytes, skipped", MIPC_LINE_MAX);
			else
				handle(&c, line, len);
		}
		/* The burst goes on: answer all of it in one write, unless
		   that is already a lot. */
		if (outq_size(&c.out) < ANSWER_BURST && linebuf_more(&in, fd))
			continue;
		drain(&c);
		logw_flush(&c.log);
	}
}
