/*
 * kernel.c - the running kernel: one thread, one loop.
 *
 * The loop watches the signal self-pipe, the listening socket, every child's
 * socketpair and every attached client.  Each turn it reads what is ready,
 * hands every complete line to route.c (requests) or console.c (console
 * verbs), carries out the effects route.c reports, expires messages whose
 * server did not answer in time, and only then writes: every peer's output
 * is flushed once per turn, so a burst of answers costs one write().
 *
 * Answers keep the order of the lines they answer.  Each peer has a ring of
 * slots, one per line still owed an answer: a slot is filled when the
 * message it waits for is answered, and slots leave the ring only from its
 * head.  An answer that is next in line is written at once and takes no
 * slot; only one that comes before those ahead of it is kept (copied), so a
 * client with thousands of lines in flight costs 16 bytes a line.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "listen.h"
#include "platform.h"
#include "proto.h"
#include "request.h"

#define READ_BUDGET	(64 * 1024)	/* bytes read from one peer per turn */

static int signal_fd = -1;		/* write end of the self-pipe */

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	(void)write(signal_fd, &c, 1);
	errno = saved;
}

/* What the kernel catches: its children's news, and what stops it (a
   closed terminal as ^C does). */
static const int caught[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP };

static int
catch_signals(struct kernel *k)
{
	struct sigaction sa;

	if (plat_pipe(k->sigpipe) == -1)
		return -1;
	signal_fd = k->sigpipe[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		if (sigaction(caught[i], &sa, NULL) == -1)
			return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

void
kernel_restore_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		(void)sigaction(caught[i], &sa, NULL);
	signal_fd = -1;
}

/* Makes dir and its missing parents, like mkdir -p.  Returns 0 or -1. */
static int
make_dirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			return -1;
		path[i] = c;
	}
	return 0;
}

int
kernel_prepare_logs(const char *dir, int keep, char *why, size_t whysz)
{
	DIR *d;
	struct dirent *de;
	char klog[4096];
	int fd;

	if (make_dirs(dir) == -1 || (d = opendir(dir)) == NULL) {
		snprintf(why, whysz, "log directory %s: %s", dir, strerror(errno));
		return -1;
	}
	/* Nothing goes before it is sure the kernel's own log can be written. */
	snprintf(klog, sizeof klog, "%s/kernel.log", dir);
	if ((fd = open(klog, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1) {
		snprintf(why, whysz, "%s: %s", klog, strerror(errno));
		closedir(d);
		return -1;
	}
	close(fd);
	if (keep) {
		closedir(d);
		return 0;
	}
	/* The last run's logs go: its kernel.log, and each NAME.log that
	   starts as a child's log does. */
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char path[4096], name[MIPC_NAME_MAX + 1];
		struct stat st;

		if (n < 5 || n - 4 > MIPC_NAME_MAX || strcmp(de->d_name + n - 4, ".log") != 0)
			continue;
		memcpy(name, de->d_name, n - 4);
		name[n - 4] = '\0';
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (strcmp(name, "kernel") == 0 || log_is_ours(path, name)))
			(void)unlink(path);
	}
	closedir(d);
	return 0;
}

static void emit(void *ctx, const struct fx *fx);

int
kernel_init(struct kernel *k, const struct kconfig *cfg)
{
	struct route_config rc = { cfg->slots, cfg->queue, cfg->timeout_ms };
	char path[4096];

	memset(k, 0, sizeof *k);
	k->cfg = *cfg;
	k->listen_fd = -1;
	k->sigpipe[0] = k->sigpipe[1] = -1;
	k->log.fd = -1;
	outq_init(&k->trace_q);
	k->now = plat_now_ms();
	if ((k->ev = ev_create(cfg->backend)) == NULL) {
		if (errno == ENOENT)
			mipc_warn("backend %s is not built in (try --backends)",
			    cfg->backend);
		else
			mipc_warn("cannot create the event loop: %s", strerror(errno));
		return -1;
	}
	if (route_init(&k->route, &rc, emit, k) == -1) {
		mipc_warn("out of memory");
		return -1;
	}
	if (cfg->socket_path != NULL &&
	    (k->listen_fd = listen_open(cfg->socket_path)) == -1)
		return -1;
	char why[4200];
	if (kernel_prepare_logs(cfg->log_dir, cfg->keep_logs, why, sizeof why) == -1) {
		mipc_warn("%s (choose another with --log-dir)", why);
		return -1;
	}
	snprintf(path, sizeof path, "%s/kernel.log", cfg->log_dir);
	if (logw_open(&k->log, path, !cfg->no_time) == -1) {
		mipc_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if (catch_signals(k) == -1 || ev_add(k->ev, k->sigpipe[0], EV_READ) == -1) {
		mipc_warn("cannot set up signals: %s", strerror(errno));
		return -1;
	}
	if (k->listen_fd != -1 && ev_add(k->ev, k->listen_fd, EV_READ) == -1) {
		mipc_warn("cannot watch the socket: %s", strerror(errno));
		return -1;
	}
	logw_printf(&k->log, "kernel started: backend %s, %u slots, queue %u, "
	    "timeout %u ms", ev_name(k->ev), cfg->slots, cfg->queue, cfg->timeout_ms);
	return 0;
}

/* Is there a trace to write to (mipc run's stdout, a served kernel's fd)? */
static int
tracing(const struct kernel *k)
{
	return k->cfg.trace_fd >= 0 || k->cfg.trace != NULL;
}

/* A line to the trace (the served kernel's fd, or mipc run's file), if any. */
static void
trace_vout(struct kernel *k, const char *fmt, va_list ap)
{
	char stamp[32];

	if (k->cfg.trace_fd >= 0) {
		/* A served kernel must not wait for whoever reads its trace:
		   past the bound lines are dropped (kernel.log has them all). */
		char line[MIPC_ANSWER_MAX * 2];
		size_t n = 0;
		if (!k->cfg.no_time) {
			logw_stamp(&k->log, stamp, sizeof stamp);
			n = (size_t)snprintf(line, sizeof line, "%s ", stamp + 11);
		}
		vsnprintf(line + n, sizeof line - n, fmt, ap);
		if (outq_size(&k->trace_q) < MIPC_OUTPUT_MAX)
			(void)outq_line(&k->trace_q, line, strlen(line));
		else
			k->trace_dropped++;
		return;
	}
	if (!tracing(k))
		return;
	if (!k->cfg.no_time) {
		logw_stamp(&k->log, stamp, sizeof stamp);
		fprintf(k->cfg.trace, "%s ", stamp + 11);	/* time of day only */
	}
	vfprintf(k->cfg.trace, fmt, ap);
	fputc('\n', k->cfg.trace);
}

static void __attribute__((format(printf, 2, 3)))
trace_out(struct kernel *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	trace_vout(k, fmt, ap);
	va_end(ap);
}

void
kernel_trace(struct kernel *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logw_vprintf(&k->log, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	trace_vout(k, fmt, ap);
	va_end(ap);
}

struct peer *
kernel_child(struct kernel *k, const char *name)
{
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->kind == PEER_CHILD && strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static struct peer *
peer_by_fd(struct kernel *k, int fd)
{
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->fd == fd)
			return p;
	return NULL;
}

/* Watches or stops watching fd for reading, as p->reading says it should. */
static void
peer_watch(struct kernel *k, struct peer *p, int reading, int writing)
{
	if (p->fd == -1)
		return;
	if (reading != p->reading) {
		if ((reading ? ev_add : ev_del)(k->ev, p->fd, EV_READ) == -1)
			logw_printf(&k->log, "peer_watch: fd %d: %s", p->fd,
			    strerror(errno));
		p->reading = reading;
	}
	if (writing != p->writing) {
		if ((writing ? ev_add : ev_del)(k->ev, p->fd, EV_WRITE) == -1)
			logw_printf(&k->log, "peer_watch: fd %d: %s", p->fd,
			    strerror(errno));
		p->writing = writing;
	}
}

/* Closes the peer's socket; the record stays until peer_free. */
static void
peer_close(struct kernel *k, struct peer *p)
{
	if (p->fd == -1)
		return;
	peer_watch(k, p, 0, 0);
	if (close(p->fd) == -1)
		logw_printf(&k->log, "peer_close: fd %d: %s", p->fd, strerror(errno));
	p->fd = -1;
}

/*
 * Names a peer for the log: "server (pid 5678)" or "client fd 3 (pid 1234)".
 * Most log lines carry one, so it is made once, and again when a client
 * claims its pid.
 */
static const char *
peer_label(struct peer *p)
{
	size_t size = sizeof p->label;

	if (p->label[0] != '\0' && p->label_pid == p->rp.pid)
		return p->label;
	if (p->kind == PEER_CHILD)
		snprintf(p->label, size, "%s (pid %u)", p->name, (unsigned)p->rp.pid);
	else if (p->rp.pid != 0)
		snprintf(p->label, size, "client fd %d (pid %u)", p->fd,
		    (unsigned)p->rp.pid);
	else
		snprintf(p->label, size, "client fd %d", p->fd);
	p->label_pid = p->rp.pid;
	p->label_len = strlen(p->label);
	return p->label;
}

/* The same, as a piece of a log line. */
static struct logw_part
label_part(struct peer *p)
{
	const char *label = peer_label(p);

	return (struct logw_part){ label, p->label_len };
}

/*
 * A process leaves: route.c releases what it held.  A client's record goes at
 * once; a child's stays, dead, for `ps` and `expect dead`.  Returns 0, or -1
 * if it was gone already.
 */
static int
peer_leave(struct kernel *k, struct peer *p, const char *why)
{
	if (p->rp.owner == NULL)
		return -1;
	logw_printf(&k->log, "%s %s", peer_label(p), why);
	route_proc_gone(&k->route, &p->rp, why);
	p->rp.owner = NULL;
	peer_close(k, p);
	if (p->kind == PEER_CLIENT) {
		k->nclients--;
		p->quitting = 2;	/* freed at the end of the turn */
	}
	return 0;
}

/* A process leaves, and the console goes on with what waited for that. */
static void
peer_gone(struct kernel *k, struct peer *p, const char *why)
{
	if (peer_leave(k, p, why) == 0)
		console_poke(k);
}

void
peer_send(struct kernel *k, struct peer *p, const char *s, size_t n)
{

	/* A child being killed for not reading is sent nothing more (nor cut
	   off, and logged, again for every line). */
	if (p->fd == -1 || p->quitting == 2 ||
	    (p->kind == PEER_CHILD && p->quitting))
		return;
	if (outq_line(&p->out, s, n) == -1 || outq_size(&p->out) > MIPC_OUTPUT_MAX) {
		/* It stopped reading: cut it off rather than hold the kernel. */
		logw_printf(&k->log, "%s stopped reading: %zu bytes queued, cut off",
		    peer_label(p), outq_size(&p->out));
		if (p->kind == PEER_CHILD) {
			if (kill(p->ospid, SIGKILL) == -1)
				logw_printf(&k->log, "kill %ld: %s", (long)p->ospid,
				    strerror(errno));
			peer_watch(k, p, 0, 0);
			p->quitting = 1;
		} else {
			peer_gone(k, p, "was cut off: it stopped reading");
		}
		return;
	}
}

/*
 * "  NAME <- LINE", a line a child is sent (a delivery, a notice), to the log
 * and the trace.  Deliveries come with every message, so the log line is
 * put together without a format.
 */
static void
trace_to_child(struct kernel *k, struct peer *p, const char *text, size_t n)
{
	struct logw_part line[] = { LOGW_PART("  "), { p->name, strlen(p->name) },
	    LOGW_PART(" <- "), { text, n } };

	logw_parts(&k->log, line, 4);
	if (tracing(k))
		trace_out(k, "  %s <- %s", p->name, text);
}

/* A process got an answer: write it and note it for the console. */
static void
answer_out(struct kernel *k, struct peer *p, const char *text)
{
	size_t n = strlen(text);
	struct logw_part line[] = { LOGW_PART("answer to "), label_part(p),
	    LOGW_PART(": "), { text, n } };

	logw_parts(&k->log, line, 4);
	if (p->kind == PEER_CHILD) {
		int code = E_OK;
		if (strncmp(text, "ERR ", 4) == 0) {
			const char *e = text + 4;
			code = err_from_name(e, strcspn(e, " "));
			if (code < 0)
				code = E_EINVAL;
		}
		p->nanswered++;
		p->got |= 1u << code;
		memcpy(p->last, text, n + 1);
		peer_send(k, p, text, n);
		console_child_answer(k, p, text);
	} else {
		if (p->con != NULL)
			console_note_answer(p->con, text);
		peer_send(k, p, text, n);
	}
}

/* Writes text as the answer of the head slot, and drops the slot. */
static void
slot_answer_head(struct kernel *k, struct peer *p, const char *text)
{
	struct slot *s;

	answer_out(k, p, text);
	s = &p->slots[p->slot_head];	/* after: the ring may have moved */
	free(s->text);
	s->id = 0;
	s->text = NULL;
	p->slot_head = (p->slot_head + 1) % p->slot_cap;
	p->slot_n--;
}

/* Moves every filled slot at the head of the ring out to the peer. */
static void
slots_flush(struct kernel *k, struct peer *p)
{
	while (p->slot_n > 0 && p->slots[p->slot_head].id == 0)
		slot_answer_head(k, p, p->slots[p->slot_head].text);
}

/* Fills slot s with a copy of text.  Out of memory is fatal: an answer owed
   cannot be dropped. */
static void
slot_fill(struct slot *s, const char *text)
{
	if ((s->text = strdup(text)) == NULL) {
		mipc_warn("slot_fill: out of memory");
		abort();
	}
	s->id = 0;
}

/*
 * Doubles a ring of n elements of size sz (head at *head, capacity *cap),
 * unrolling it to start at 0.  Running out of memory here is fatal: an
 * answer owed cannot be dropped.
 */
static void
ring_grow(void **ring, unsigned *head, unsigned n, unsigned *cap, size_t sz)
{
	unsigned ncap = *cap ? *cap * 2 : 8;
	char *r = malloc(ncap * sz);

	if (r == NULL) {
		mipc_warn("ring_grow: out of memory");
		abort();
	}
	for (unsigned i = 0; i < n; i++)
		memcpy(r + i * sz, (char *)*ring + ((*head + i) % *cap) * sz, sz);
	free(*ring);
	*ring = r;
	*cap = ncap;
	*head = 0;
}

/* Takes a slot at the tail of the ring. */
static struct slot *
slot_push(struct peer *p)
{
	if (p->slot_n == p->slot_cap)
		ring_grow((void **)&p->slots, &p->slot_head, p->slot_n, &p->slot_cap,
		    sizeof *p->slots);
	return &p->slots[(p->slot_head + p->slot_n++) % p->slot_cap];
}

/* Remembers where a delivery to a client ends in its output. */
static void
mark_push(struct peer *p, uint64_t end)
{
	if (p->mark_n == p->mark_cap)
		ring_grow((void **)&p->marks, &p->mark_head, p->mark_n, &p->mark_cap,
		    sizeof *p->marks);
	p->marks[(p->mark_head + p->mark_n++) % p->mark_cap] = end;
}

/* Answers p's next line with text (at once, or after the answers before it). */
static void
answer(struct kernel *k, struct peer *p, const char *text)
{
	if (p->slot_n == 0)
		answer_out(k, p, text);
	else
		slot_fill(slot_push(p), text);
}

/* Carries out what route.c decided. */
static void
emit(void *ctx, const struct fx *fx)
{
	struct kernel *k = ctx;
	struct peer *p = fx->to ? fx->to->owner : NULL;

	switch (fx->kind) {
	case FX_DELIVER:
		if (p == NULL)
			break;
		if (p->kind == PEER_CHILD) {
			seen_add(&p->seen, fx->msg, fx->msglen);
			trace_to_child(k, p, fx->text, fx->textlen);
		} else {
			logw_printf(&k->log, "deliver to %s: %s",
			    peer_label(p), fx->text);
		}
		peer_send(k, p, fx->text, fx->textlen);
		/* A client is answered for once the line is written. */
		if (p->kind == PEER_CLIENT && p->fd != -1)
			mark_push(p, p->out.queued);
		break;
	case FX_ANSWER:
		if (p == NULL)
			break;
		for (unsigned i = 0; i < p->slot_n; i++) {
			struct slot *s = &p->slots[(p->slot_head + i) % p->slot_cap];
			if (s->id != fx->id)
				continue;
			if (i == 0)	/* next in line: out at once */
				slot_answer_head(k, p, fx->text);
			else
				slot_fill(s, fx->text);
			break;
		}
		slots_flush(k, p);
		break;
	case FX_NOTICE:
		if (p == NULL)
			break;
		if (p->kind == PEER_CHILD)
			trace_to_child(k, p, fx->text, fx->textlen);
		else
			logw_printf(&k->log, "notice to %s: %s",
			    peer_label(p), fx->text);
		peer_send(k, p, fx->text, fx->textlen);
		break;
	case FX_LOG:
		logw_printf(&k->log, "%s", fx->text);
		break;
	}
}

/* A request line from p. */
static void
request(struct kernel *k, struct peer *p, const char *line, size_t len)
{
	struct route_result res;
	/* A NUL cuts the line in the log, as "%.*s" would (it is refused). */
	const char *nul = memchr(line, '\0', len);
	struct logw_part logged[] = { label_part(p), LOGW_PART(" sent: "),
	    { line, nul != NULL ? (size_t)(nul - line) : len } };

	logw_parts(&k->log, logged, 3);
	route_line(&k->route, &p->rp, line, len, k->now, &res);
	if (res.pending != 0) {
		struct slot *s = slot_push(p);
		s->id = res.pending;
		s->text = NULL;
	} else {
		answer(k, p, res.text);
	}
}

static int
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

static int
is_comment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && s[i] == '#';
}

/* One line from a child: a line it was asked to send, or an answer. */
static void
child_line(struct kernel *k, struct peer *p, const char *line, size_t len)
{
	const char *rest;
	size_t n;

	switch (proto_kind(line, len, &rest, &n)) {
	case PROTO_RAN:
		if (++p->nrecv <= p->nforsaken) {
			/* Stopped, it sends only now a line the console has
			   answered ETIMEDOUT: it does not run late. */
			logw_printf(&k->log, "%s sent, too late: %.*s: dropped", p->name,
			    (int)n, rest);
			answer(k, p, "ERR ETIMEDOUT sent after the console had given "
			    "up on this line");
		} else {
			request(k, p, rest, n);
		}
		console_poke(k);
		break;
	case PROTO_SEND:
		request(k, p, rest, n);
		break;
	case PROTO_REPLY:
		if (route_answered(&k->route, &p->rp, rest, n) == -1)
			logw_printf(&k->log, "%s answered nothing: %.*s", p->name,
			    (int)len, line);
		break;
	case PROTO_SYNCED:
		p->nsynced++;		/* its log is written: the kill may go */
		console_poke(k);
		break;
	default:
		logw_printf(&k->log, "%s broke the protocol: %.*s", p->name,
		    (int)(len > 200 ? 200 : len), line);
		break;
	}
}

/*
 * One line from a client.  Requests go straight to routing and may be
 * pipelined; a console verb waits until every line before it is answered,
 * and the lines after it wait until it is done.  Returns 0 to go on, -1 when
 * the line has to wait (it is kept in p->held).
 */
static int
client_line(struct kernel *k, struct peer *p, const char *line, size_t len)
{
	if (req_is_request(line, len)) {
		request(k, p, line, len);
		return 0;
	}
	if (is_comment(line, len)) {
		answer(k, p, "OK");
		return 0;
	}
	if (is_blank(line, len)) {
		answer(k, p, "ERR EINVAL empty line: expected a request or a verb (try help)");
		return 0;
	}
	if (p->slot_n > 0) {
		if (p->held == NULL && (p->held = malloc(MIPC_LINE_MAX + 1)) == NULL)
			abort();
		memcpy(p->held, line, len);
		p->held_len = len;
		return -1;
	}
	console_line(k, p->con, line, len);
	return console_busy(p->con) ? -1 : 0;
}

/* Handles every complete line p has sent, unless a console line must wait. */
static void
peer_lines(struct kernel *k, struct peer *p)
{
	const char *line;
	size_t len;
	enum linebuf_status st;

	if (p->kind == PEER_CLIENT && p->held != NULL) {
		if (p->slot_n > 0 || console_busy(p->con))
			return;
		char *held = p->held;
		p->held = NULL;
		console_line(k, p->con, held, p->held_len);
		free(held);
		if (console_busy(p->con))
			return;
	}
	/* A console line that is not done holds back every line after it,
	   requests too: each line finishes before the next one runs.  Once
	   the kernel is stopping, a client's lines no longer run. */
	while (p->fd != -1 && p->quitting == 0 &&
	    !(p->kind == PEER_CLIENT && (k->stopping || console_busy(p->con))) &&
	    (st = linebuf_next(&p->in, &line, &len)) != LB_NONE) {
		if (st == LB_TOOLONG) {
			if (p->kind == PEER_CHILD)
				p->nrecv++;
			answer(k, p, "ERR EMSGSIZE line longer than 1024 bytes, "
			    "skipped up to the next newline");
			continue;
		}
		if (p->kind == PEER_CHILD)
			child_line(k, p, line, len);
		else if (client_line(k, p, line, len) == -1)
			return;
	}
}

/* Whether p has closed its socket (not only its sending half): a zero-byte
   send says EPIPE then, and costs nothing otherwise. */
static int
peer_closed(const struct peer *p)
{
	return send(p->fd, "", 0, 0) == -1 && errno == EPIPE;
}

/*
 * A client whose lines wait behind a console line in progress is not read,
 * so its end of file would be seen only once that line is done, and a
 * `sleep` may take an hour: meanwhile its pid, its ports and its place among
 * the clients stay taken.  Whether it has closed its socket is asked
 * instead, each time the loop wakes, before what woke it is handled.
 */
static void
notice_departures(struct kernel *k)
{
	if (k->nclients == 0)
		return;		/* none to look at: the bench's loop, a scenario's */
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->kind == PEER_CLIENT && p->fd != -1 && p->rp.owner != NULL &&
		    (p->held != NULL || console_busy(p->con)) && peer_closed(p))
			peer_gone(k, p, "disconnected");
}

/*
 * A client's end of file.  A client that closed its socket is gone.  One
 * that only closed its sending half (shutdown(), as `socat` does at the end
 * of its input) still reads: its last line counts even without a newline,
 * and it goes once every line it sent is answered (client_done).  A send of
 * no bytes tells the two apart: it fails with EPIPE only on a closed socket.
 */
static void
client_eof(struct kernel *k, struct peer *p)
{
	size_t partial = linebuf_pending(&p->in);

	if (peer_closed(p)) {
		if (partial > 0)
			logw_printf(&k->log, "%s closed in the middle of a line: "
			    "%zu bytes dropped", peer_label(p), partial);
		peer_gone(k, p, "disconnected");
		return;
	}
	peer_watch(k, p, 0, p->writing);
	if (partial > 0 && linebuf_feed(&p->in, "\n", 1) == -1)
		logw_printf(&k->log, "%s: its last line (%zu bytes) could not be "
		    "kept: dropped", peer_label(p), partial);
	peer_lines(k, p);
}

/* Has a client that sent its end of file had every answer it is owed? */
static int
client_done(struct peer *p)
{
	return p->eof && p->slot_n == 0 && p->held == NULL &&
	    !console_busy(p->con) && linebuf_pending(&p->in) == 0 &&
	    outq_size(&p->out) == 0;
}

/*
 * Reads from p (up to a budget) and handles every line.  A read that took
 * less than there was room for normally ends it: the next would say EAGAIN.
 * With to_end it reads on, to find an end of file behind the last bytes.
 */
static void
peer_read_(struct kernel *k, struct peer *p, int to_end)
{
	size_t budget = READ_BUDGET;

	while (p->fd != -1 && !p->eof && p->quitting == 0 && p->held == NULL &&
	    !(p->kind == PEER_CLIENT && console_busy(p->con)) &&
	    p->slot_n < MIPC_PENDING_MAX && budget > 0) {
		ssize_t n = linebuf_read(&p->in, p->fd);
		if (n > 0) {
			budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
			peer_lines(k, p);
			/* Nothing more was there: the loop will say when there is,
			   a read now would only say EAGAIN. */
			if (p->in.drained && !to_end)
				return;
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			return;
		p->eof = 1;
		if (p->kind == PEER_CHILD) {
			/* The reaper finishes a child off when it is reaped. */
			peer_watch(k, p, 0, p->writing);
		} else if (n == -1) {
			peer_gone(k, p, "lost its connection");
		} else {
			client_eof(k, p);
		}
		return;
	}
}

/* p's socket is readable. */
void
peer_read(struct kernel *k, struct peer *p)
{
	peer_read_(k, p, 0);
}

/* Frees what a peer needs only while it is connected: its buffers and the
   answers it was owed. */
static void
peer_release_io(struct peer *p)
{
	linebuf_free(&p->in);
	outq_free(&p->out);
	for (unsigned i = 0; i < p->slot_n; i++)
		free(p->slots[(p->slot_head + i) % p->slot_cap].text);
	free(p->slots);
	free(p->marks);
	free(p->held);
	p->slots = NULL;
	p->slot_n = p->slot_cap = p->slot_head = 0;
	p->marks = NULL;
	p->mark_n = p->mark_cap = p->mark_head = 0;
	p->held = NULL;
}

void
kernel_child_ended(struct kernel *k, struct peer *p, int status)
{
	/* What it sent before it died is still in its socket: handle it. */
	if (p->fd != -1 && !p->eof) {
		for (int i = 0; i < 64 && p->fd != -1 && !p->eof; i++) {
			ssize_t n = linebuf_read(&p->in, p->fd);
			if (n <= 0)
				break;
			peer_lines(k, p);
		}
	}
	spawn_describe(status, p->why, sizeof p->why);
	p->state = CHILD_DEAD;
	k->nchildren--;
	kernel_trace(k, "  * %s (pid %u) %s", p->name, (unsigned)p->rp.pid, p->why);
	peer_leave(k, p, p->why);
	/* Its record stays for ps and expect (what it received too), not its
	   buffers: a kernel that spawns and kills all day must not grow. */
	peer_release_io(p);
	if (k->child_exit != NULL)
		k->child_exit(k, p);
	/* Only now: the console may spawn a child by the same name at once,
	   into this record. */
	console_poke(k);
}

/*
 * Before a client is refused for want of room (a descriptor, a place among
 * the clients): some may have left without our noticing yet, so read what
 * they sent, and their end of file, which gives their room back.
 */
static void
sweep_clients(struct kernel *k)
{
	notice_departures(k);
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->kind == PEER_CLIENT && p->reading)
			peer_read_(k, p, 1);
}

/* Accepts every pending connection on the listening socket. */
static void
accept_clients(struct kernel *k)
{
	int swept = 0;	/* for the connection waiting now */

	for (;;) {
		int fd = listen_accept(k->listen_fd, &k->log);
		if (fd == -1 && (errno == EMFILE || errno == ENFILE)) {
			int err = errno;
			if (!swept) {
				sweep_clients(k);
				swept = 1;
				continue;
			}
			swept = 0;
			if (listen_refuse(k->listen_fd, &k->log, err) == 0)
				continue;
			return;
		}
		if (fd == -1)
			return;
		if (k->nclients >= MIPC_CLIENTS_MAX && !swept)
			sweep_clients(k);
		swept = 0;
		if (k->nclients >= MIPC_CLIENTS_MAX) {
			static const char full[] = LISTEN_REFUSED "too many clients "
			    "attached (64); try again later\n";
			(void)write(fd, full, sizeof full - 1);
			logw_printf(&k->log, "client refused: %d attached already",
			    k->nclients);
			close(fd);
			continue;
		}
		struct peer *p = calloc(1, sizeof *p);
		if (p == NULL) {
			close(fd);
			return;
		}
		p->kind = PEER_CLIENT;
		p->fd = fd;
		p->rp.owner = p;
		linebuf_init(&p->in);
		outq_init(&p->out);
		if ((p->con = console_new(k, p)) == NULL ||
		    route_proc_add(&k->route, &p->rp) == -1) {
			close(fd);
			free(p);
			return;
		}
		p->next = k->peers;
		k->peers = p;
		k->nclients++;
		peer_watch(k, p, 1, 0);
		logw_printf(&k->log, "client fd %d attached", fd);
	}
}

void
peer_release(struct peer *p)
{
	peer_release_io(p);
	seen_free(&p->seen);
}

void
peer_free(struct kernel *k, struct peer *p)
{
	peer_close(k, p);
	peer_release(p);
	if (p->con != NULL)
		console_free(k, p->con);
	free(p);
}

/*
 * Writes what every peer has queued, asks for writability only where
 * something is left, and answers for clients the deliveries that have now
 * reached their socket (which queues more output: hence the loop).
 */
static void
flush_all(struct kernel *k)
{
	int again = 1;

	for (int round = 0; again && round < 8; round++) {
		again = 0;
		for (struct peer *p = k->peers; p != NULL; p = p->next) {
			if (p->fd == -1 || p->quitting == 2)
				continue;
			if (outq_size(&p->out) > 0) {
				int r = outq_flush(&p->out, p->fd);
				if (r == -1) {
					if (p->kind == PEER_CLIENT)
						peer_gone(k, p, "lost its connection");
					else
						peer_watch(k, p, p->reading, 0);
					continue;
				}
				peer_watch(k, p, p->reading, r == 1);
			} else if (p->writing) {
				peer_watch(k, p, p->reading, 0);
			}
			while (p->mark_n > 0 && p->marks[p->mark_head] <= p->out.written &&
			    p->rp.owner != NULL) {
				p->mark_head = (p->mark_head + 1) % p->mark_cap;
				p->mark_n--;
				(void)route_answered(&k->route, &p->rp, NULL, 0);
				again = 1;
			}
			if (p->quitting == 1 && p->kind == PEER_CLIENT &&
			    outq_size(&p->out) == 0)
				peer_gone(k, p, "quit");
			else if (p->kind == PEER_CLIENT && client_done(p))
				peer_gone(k, p, "disconnected");
		}
	}
}

/* Lets clients whose console line waited go on, and watches the right fds. */
static void
resume_all(struct kernel *k)
{
	for (struct peer *p = k->peers; p != NULL; p = p->next) {
		if (p->fd == -1 || p->quitting)
			continue;
		if (p->kind == PEER_CLIENT) {
			peer_lines(k, p);
			int stalled = p->held != NULL || console_busy(p->con);
			peer_watch(k, p, !stalled && !p->eof &&
			    p->slot_n < MIPC_PENDING_MAX, p->writing);
		} else if (!p->eof) {
			peer_watch(k, p, p->slot_n < MIPC_PENDING_MAX, p->writing);
		}
	}
}

/* Frees the clients that left during this turn. */
static void
reap_clients(struct kernel *k)
{
	struct peer **pp = &k->peers;

	while (*pp != NULL) {
		struct peer *p = *pp;
		if (p->kind == PEER_CLIENT && p->quitting == 2) {
			*pp = p->next;
			peer_free(k, p);
		} else {
			pp = &p->next;
		}
	}
}

static void
handle_signals(struct kernel *k)
{
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(k->sigpipe[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == SIGCHLD) {
				spawn_reap(k);
			} else if (!k->stopping) {
				logw_printf(&k->log, "kernel: %s received, stopping",
				    spawn_signame(buf[i]));
				k->stopping = 2;
			}
		}
	}
}

/* Writes what the trace fd can take now, a pipe's atomic chunk at a time,
   so the write never blocks. */
static void
trace_flush(struct kernel *k)
{
	struct pollfd pfd = { k->cfg.trace_fd, POLLOUT, 0 };

	if (k->cfg.trace_fd < 0)
		return;
	while (outq_size(&k->trace_q) > 0 && poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & POLLOUT)) {
		size_t n = outq_size(&k->trace_q);
		ssize_t w = write(k->cfg.trace_fd, k->trace_q.data + k->trace_q.start,
		    n > 512 ? 512 : n);
		if (w <= 0)
			break;
		k->trace_q.start += (size_t)w;
		k->trace_q.written += (uint64_t)w;
	}
	if (outq_size(&k->trace_q) == 0) {
		k->trace_q.start = k->trace_q.len = 0;
		if (k->trace_dropped > 0) {
			char note[96];
			int n = snprintf(note, sizeof note, "(%lu trace lines dropped: "
			    "nobody read them; kernel.log has them all)", k->trace_dropped);
			logw_printf(&k->log, "%s", note);
			k->trace_dropped = 0;
			(void)outq_line(&k->trace_q, note, (size_t)n);
		}
	}
}

static int
next_timeout(struct kernel *k)
{
	int64_t d = route_next_deadline(&k->route);
	int64_t c = console_deadline(k);

	if (d == -1 || (c != -1 && c < d))
		d = c;
	if (d == -1)
		return -1;
	return d <= k->now ? 0 : (int)(d - k->now);
}

int
kernel_loop(struct kernel *k)
{
	struct ev_event evs[64];

	console_poke(k);
	while (!k->stopping) {
		flush_all(k);
		resume_all(k);
		flush_all(k);
		reap_clients(k);
		trace_flush(k);
		logw_flush(&k->log);
		if (k->cfg.trace != NULL)
			fflush(k->cfg.trace);
		if (k->stopping)
			break;

		int n = ev_wait(k->ev, evs, 64, next_timeout(k));
		if (n == -1 && errno != EINTR) {
			logw_printf(&k->log, "kernel_loop: wait: %s", strerror(errno));
			k->status = 1;
			break;
		}
		k->now = plat_now_ms();
		logw_tick(&k->log);
		notice_departures(k);
		/* New clients come last: a client that left in this batch
		   has then given its descriptor back for one that arrives. */
		int arrivals = 0;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].fd;
			if (fd == k->sigpipe[0]) {
				handle_signals(k);
			} else if (fd == k->listen_fd) {
				arrivals = 1;
			} else {
				struct peer *p = peer_by_fd(k, fd);
				if (p != NULL && (evs[i].mask & EV_READ))
					peer_read(k, p);
			}
		}
		if (arrivals)
			accept_clients(k);
		route_expire(&k->route, k->now);
		console_poke(k);
	}
	flush_all(k);
	logw_flush(&k->log);
	k->log.ticked = 0;	/* from now on each line reads the clock */
	return k->status;
}

void
kernel_free(struct kernel *k)
{
	/* Only the self-pipe is watched now: the reaper waits on SIGCHLD. */
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		peer_watch(k, p, 0, 0);
	if (k->listen_fd != -1 && ev_del(k->ev, k->listen_fd, EV_READ) == -1)
		logw_printf(&k->log, "kernel_free: %s", strerror(errno));
	spawn_stop_all(k);
	/* The clients are told what the stop settled (answers its children's
	   end gave, a console line cut short) before they are closed; what
	   does not fit in their sockets now is lost with them. */
	console_stop(k);
	flush_all(k);
	while (k->peers != NULL) {
		struct peer *p = k->peers;
		k->peers = p->next;
		if (p->rp.owner != NULL)
			route_proc_gone(&k->route, &p->rp, "was stopped with the kernel");
		peer_free(k, p);
	}
	while (k->consoles != NULL)
		console_free(k, k->consoles);
	route_free(&k->route);
	if (k->listen_fd != -1)
		listen_close(k->listen_fd, k->cfg.socket_path);
	trace_flush(k);
	outq_free(&k->trace_q);
	logw_printf(&k->log, "kernel stopped");
	logw_close(&k->log);
	if (k->ev != NULL)
		ev_free(k->ev);
	kernel_restore_signals();
	if (k->sigpipe[0] != -1) {
		close(k->sigpipe[0]);
		close(k->sigpipe[1]);
	}
}
