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
#include "proto.h"

#define ANSWER_BURST	(64 * 1024)	/* answers held while a burst is read */

struct child {
	const struct child_config *cfg;
	int		 fd;
	struct logw	 log;
	struct outq	 out;
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
		send_line(c, proto_marker(PROTO_RAN), rest, rn);
		logw_printf(&c->log, "sent: %.*s", (int)rn, rest);
		break;
	case PROTO_ANSWER:
		logw_printf(&c->log, "got: %.*s", (int)n, s);
		break;
	case PROTO_DELIVERY:
		if (proto_parse_delivery(s, n, &d) == -1) {
			logw_printf(&c->log, "notice: %.*s", (int)(n - 2), s + 2);
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

	if (cfg->reply == REPLY_ECHO)
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
