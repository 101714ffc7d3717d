/*
 * mipc.c - the library for programs that run as simulated processes.
 *
 * Everything the kernel sends is read here, a line at a time, and sorted.
 * An answer belongs to the oldest line still awaiting one (the kernel
 * answers in order), so a FIFO of those lines says whose it is: a blocking
 * call of the program's, a posted line (its answer becomes an event), or a
 * line the console asked for (its answer is only logged).  A delivery or a
 * notice becomes an event, kept until the program takes it.  The kernel's
 * own business, "! LINE" and "~ sync", is done at once, inside whatever call
 * the program is in, and the program never sees it.
 *
 * I/O on the socket is blocking, as a program expects: reads and writes
 * retry on EINTR, a write goes on until every byte is taken, and a socket
 * the program made non-blocking is waited on with poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mipc.h"
#include "param.h"
#include "proto.h"
#include "request.h"

_Static_assert(MIPC_MESSAGE_MAX == MIPC_TEXT_MAX, "a message is a request's TEXT");
_Static_assert(MIPC_LINE_LEN == MIPC_LINE_MAX, "one limit on a line for both sides");
_Static_assert(MIPC_SEND_MAX + 2 == MIPC_LINE_MAX, "a marker and a line make a line");
/* The kernel makes "OK " and the reply into an answer of MIPC_ANSWER_MAX
   bytes with its NUL. */
_Static_assert(MIPC_REPLY_MAX + 4 == MIPC_ANSWER_MAX, "a reply fits an answer");
_Static_assert(MIPC_REQUEST_SIZE >= sizeof "c {.message=,.pid=4294967295,.port=65535}" +
    MIPC_TEXT_MAX, "MIPC_REQUEST_SIZE holds any request");

#define IN_CAP		(4 * MIPC_LINE_MAX)	/* bytes read at once */
#define CONSOLE		0			/* in the FIFO: the console's line */
#define SHOWN		200			/* bytes of a bad line a message shows */

/* Lines out of the input buffer. */
enum { NO_LINE, LINE, LONG_LINE };

struct node {
	struct node	*next;
	struct mipc_event ev;
};

struct mipc {
	int		 fd;
	uint32_t	 pid;
	char		 name[MIPC_NAME_MAX + 1];
	FILE		*log;
	int		 eof;		/* the kernel has gone: nothing more to read */
	int		 events;	/* mipc_next is used: keep notices for it */
	char		 why[256];	/* the last failure */

	char		 in[IN_CAP];	/* what was read, from start to len */
	size_t		 start, len;
	int		 skipping;	/* inside an over-long line, up to its '\n' */

	long		*fifo;		/* lines awaiting their answer: a ticket,
					   or CONSOLE; a ring, oldest first */
	size_t		 fhead, fn, fcap;
	long		 tickets;	/* the last ticket given out */

	long		 want;		/* the ticket a blocking wait is for, or 0 */
	struct mipc_answer *want_ans;
	int		 want_status;	/* once its answer has come */

	struct node	*head, *tail;	/* events not yet taken, oldest first */
	unsigned long	 held;		/* messages handed out, not yet answered */

	char		 out[MIPC_LINE_MAX + 2];
};

/* ----- failures and logs ----- */

static int __attribute__((format(printf, 3, 4)))
fail(struct mipc *m, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof m->why, fmt, ap);
	va_end(ap);
	return code;
}

/* A failed system call: what was being done, and errno's words. */
static int
fail_sys(struct mipc *m, const char *doing)
{
	int e = errno;

	snprintf(m->why, sizeof m->why, "%s: %s", doing, strerror(e));
	errno = e;
	return MIPC_ESYS;
}

static int
gone(struct mipc *m)
{
	m->eof = 1;
	return fail(m, MIPC_EOF, "the kernel has closed the connection");
}

static void __attribute__((format(printf, 2, 3)))
logline(struct mipc *m, const char *fmt, ...)
{
	va_list ap;

	if (m->log == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(m->log, fmt, ap);
	va_end(ap);
	fputc('\n', m->log);
}

/* Something from the kernel the library cannot use: on standard error,
   after the log lines before it. */
static void __attribute__((format(printf, 2, 3)))
complain(struct mipc *m, const char *fmt, ...)
{
	va_list ap;

	if (m->log != NULL)
		fflush(m->log);
	fputs("mipc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ----- opening ----- */

/* A decimal number with no sign or blank, at most max.  0 or -1. */
static int
decimal(const char *s, unsigned long long max, unsigned long long *v)
{
	*v = 0;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || *v > max / 10)
			return -1;
		*v = *v * 10 + (unsigned long long)(*s - '0');
	}
	return *v <= max ? 0 : -1;
}

struct mipc *
mipc_open(char *why, size_t whysz)
{
	const char *fds = getenv("MIPC_FD"), *pids = getenv("MIPC_PID");
	const char *name = getenv("MIPC_NAME");
	unsigned long long fd, pid;
	struct sigaction sa;
	struct mipc *m;

	if (fds == NULL) {
		snprintf(why, whysz, "MIPC_FD is not set: this program runs as a "
		    "simulated process, started by a microipc kernel with "
		    "spawn NAME program=\"PATH ARG...\"");
		return NULL;
	}
	if (decimal(fds, INT_MAX, &fd) == -1 || fcntl((int)fd, F_GETFD) == -1) {
		snprintf(why, whysz, "MIPC_FD=%s is not an open file descriptor", fds);
		return NULL;
	}
	if (pids == NULL || decimal(pids, 4294967295ULL, &pid) == -1 || pid == 0) {
		snprintf(why, whysz, "MIPC_PID=%s is not a pid (1 to 4294967295)",
		    pids != NULL ? pids : "(not set)");
		return NULL;
	}
	if (name == NULL || name[0] == '\0' || strlen(name) > MIPC_NAME_MAX) {
		snprintf(why, whysz, "MIPC_NAME=%s is not a process name (1 to %d "
		    "characters)", name != NULL ? name : "(not set)", MIPC_NAME_MAX);
		return NULL;
	}
	if ((m = calloc(1, sizeof *m)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	m->fd = (int)fd;
	m->pid = (uint32_t)pid;
	snprintf(m->name, sizeof m->name, "%s", name);
	m->log = stdout;
	/* A program it runs must not hold the kernel's socket open. */
	(void)fcntl(m->fd, F_SETFD, FD_CLOEXEC);
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		(void)sigaction(SIGPIPE, &sa, NULL);
	}
	return m;
}

void
mipc_close(struct mipc *m)
{
	struct node *n;

	if (m == NULL)
		return;
	if (m->log != NULL)
		fflush(m->log);
	(void)close(m->fd);
	while ((n = m->head) != NULL) {
		m->head = n->next;
		free(n);
	}
	free(m->fifo);
	free(m);
}

uint32_t
mipc_pid(const struct mipc *m)
{
	return m->pid;
}

const char *
mipc_name(const struct mipc *m)
{
	return m->name;
}

int
mipc_fd(const struct mipc *m)
{
	return m->fd;
}

const char *
mipc_error(const struct mipc *m)
{
	return m->why;
}

void
mipc_set_log(struct mipc *m, FILE *log)
{
	m->log = log;
}

int
mipc_request(struct mipc *m, char *buf, size_t size, enum mipc_op op,
    const char *text, unsigned port)
{
	struct request req;
	size_t n = strlen(text);
	int len;

	if (size > 0)
		buf[0] = '\0';	/* nothing, unless all of it fits */
	if (n > MIPC_MESSAGE_MAX)
		return fail(m, MIPC_EUSAGE, "the message is %zu bytes, at most %d "
		    "are allowed", n, MIPC_MESSAGE_MAX);
	if (strpbrk(text, "\r\n") != NULL)
		return fail(m, MIPC_EUSAGE, "a message cannot hold a CR or LF byte");
	if (port < 1 || port > 65535)
		return fail(m, MIPC_EUSAGE, "port %u: a port is 1 to 65535", port);
	switch (op) {
	case MIPC_MESSAGE:	req.op = REQ_SEND; break;
	case MIPC_REGISTER:	req.op = REQ_CREATE; break;
	case MIPC_REMOVE:	req.op = REQ_REMOVE; break;
	default:
		return fail(m, MIPC_EUSAGE, "op %d is none of MIPC_MESSAGE, "
		    "MIPC_REGISTER, MIPC_REMOVE", (int)op);
	}
	req.pid = m->pid;
	req.port = (uint16_t)port;
	req.len = (uint16_t)n;
	memcpy(req.text, text, n + 1);
	if ((len = req_serialise(&req, buf, size)) == -1) {
		if (size > 0)
			buf[0] = '\0';
		return fail(m, MIPC_EUSAGE, "a buffer of %zu bytes is too small for "
		    "the request: MIPC_REQUEST_SIZE bytes hold any", size);
	}
	return len;
}

/* ----- the events not yet taken ----- */

static struct mipc_event *
push_event(struct mipc *m, enum mipc_event_kind kind)
{
	struct node *n = malloc(sizeof *n);

	if (n == NULL)
		return NULL;
	n->next = NULL;
	n->ev.kind = kind;
	n->ev.ticket = 0;
	if (m->tail != NULL)
		m->tail->next = n;
	else
		m->head = n;
	m->tail = n;
	return &n->ev;
}

/* Takes the event *pp out of the list into *ev (if ev is not NULL). */
static void
take_event(struct mipc *m, struct node **pp, struct mipc_event *ev)
{
	struct node *n = *pp;

	if (ev != NULL)
		*ev = n->ev;
	*pp = n->next;
	if (m->tail == n) {
		m->tail = NULL;
		for (struct node *t = m->head; t != NULL; t = t->next)
			m->tail = t;
	}
	if (n->ev.kind == MIPC_DELIVERY && ev != NULL)
		m->held++;
	free(n);
}

/* ----- the lines awaiting their answer ----- */

static int
fifo_push(struct mipc *m, long ticket)
{
	if (m->fn == m->fcap) {
		size_t cap = m->fcap ? 2 * m->fcap : 16;
		long *f = malloc(cap * sizeof *f);
		if (f == NULL)
			return -1;
		for (size_t i = 0; i < m->fn; i++)
			f[i] = m->fifo[(m->fhead + i) % m->fcap];
		free(m->fifo);
		m->fifo = f;
		m->fcap = cap;
		m->fhead = 0;
	}
	m->fifo[(m->fhead + m->fn++) % m->fcap] = ticket;
	return 0;
}

static long
fifo_pop(struct mipc *m)
{
	long t = m->fifo[m->fhead];

	m->fhead = (m->fhead + 1) % m->fcap;
	m->fn--;
	return t;
}

/* ----- writing ----- */

/* Writes all n bytes of s, however many writes that takes. */
static int
write_all(struct mipc *m, const char *s, size_t n)
{
	if (m->eof)
		return gone(m);
	while (n > 0) {
		ssize_t w = write(m->fd, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		} else if (w == -1 && errno == EINTR) {
			continue;
		} else if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { m->fd, POLLOUT, 0 };
			(void)poll(&p, 1, -1);
		} else if (w == -1 && (errno == EPIPE || errno == ECONNRESET)) {
			return gone(m);
		} else {
			return fail_sys(m, "cannot write to the kernel");
		}
	}
	return MIPC_OK;
}

/* Sends one line: its marker ("+ ", "= ", ...) and s, n bytes, which the
   caller has checked fit. */
static int
put_line(struct mipc *m, const char *marker, const char *s, size_t n)
{
	size_t k = strlen(marker);

	memcpy(m->out, marker, k);
	memcpy(m->out + k, s, n);
	m->out[k + n] = '\n';
	return write_all(m, m->out, k + n + 1);
}

/* ----- reading ----- */

/*
 * Takes the next complete line out of the input: LINE with *s and *n (no
 * '\n', no trailing CR), LONG_LINE for one over MIPC_LINE_MAX bytes (*s and
 * *n: its first MIPC_LINE_MAX bytes; the rest is dropped up to its newline,
 * however long it goes on), or NO_LINE.  *s is good until the next read.
 */
static int
take_line(struct mipc *m, const char **s, size_t *n)
{
	for (;;) {
		char *p = m->in + m->start;
		size_t avail = m->len - m->start;
		char *nl = avail > 0 ? memchr(p, '\n', avail) : NULL;

		if (m->skipping) {
			m->start = nl != NULL ? m->start + (size_t)(nl - p) + 1 : m->len;
			if (nl == NULL)
				return NO_LINE;
			m->skipping = 0;
			continue;
		}
		if (nl == NULL) {
			/* One byte more than a line may have: a CR before its
			   newline. */
			if (avail <= MIPC_LINE_MAX + 1)
				return NO_LINE;
			m->skipping = 1;
			m->start = m->len;
			*s = p;
			*n = MIPC_LINE_MAX;
			return LONG_LINE;
		}
		*s = p;
		*n = (size_t)(nl - p);
		m->start += *n + 1;
		if (*n > 0 && p[*n - 1] == '\r')
			(*n)--;
		if (*n > MIPC_LINE_MAX) {
			*n = MIPC_LINE_MAX;
			return LONG_LINE;
		}
		return LINE;
	}
}

/* Fills *a from an answer line, s (n bytes); one too long to read becomes
   an answer of the library's own.  Returns MIPC_OK, MIPC_ERR or MIPC_EPROTO. */
static int
read_answer(struct mipc_answer *a, const char *s, size_t n, int toolong)
{
	const char *code, *text;

	if (toolong) {
		snprintf(a->line, sizeof a->line, "ERR EPROTO the kernel's answer was "
		    "over %d bytes: not read", MIPC_LINE_MAX);
		s = a->line;
		n = strlen(s);
	} else {
		memcpy(a->line, s, n);
		a->line[n] = '\0';
	}
	a->ok = a->line[0] == 'O';
	a->code[0] = '\0';
	if (a->ok) {
		text = n > 3 ? a->line + 3 : "";
	} else {
		/* "ERR CODE why": a CODE longer than a code is no code. */
		code = a->line + 4;
		size_t cn = strcspn(code, " ");
		if (cn < sizeof a->code) {
			memcpy(a->code, code, cn);
			a->code[cn] = '\0';
		}
		text = code[cn] == ' ' ? code + cn + 1 : "";
	}
	memmove(a->text, text, strlen(text) + 1);
	return toolong ? MIPC_EPROTO : a->ok ? MIPC_OK : MIPC_ERR;
}

/* An answer: to the oldest line awaiting one. */
static int
answered(struct mipc *m, const char *s, size_t n, int toolong)
{
	struct mipc_event *ev;
	long t;

	if (m->fn == 0) {
		complain(m, "an answer to no line, ignored: %.*s",
		    (int)(n > SHOWN ? SHOWN : n), s);
		return MIPC_OK;
	}
	t = fifo_pop(m);
	if (toolong)
		complain(m, "an answer over %d bytes, not read: %.*s...", MIPC_LINE_MAX,
		    SHOWN, s);
	else
		logline(m, "got: %.*s", (int)n, s);
	if (t != CONSOLE && t == m->want) {
		/* What a blocking send or call waits for. */
		m->want = 0;
		m->want_status = read_answer(m->want_ans, s, n, toolong);
		if (m->want_status == MIPC_EPROTO)
			fail(m, MIPC_EPROTO, "the kernel's answer was over %d bytes",
			    MIPC_LINE_MAX);
		return MIPC_OK;
	}
	if (t == CONSOLE && !m->events)
		return MIPC_OK;		/* the console's, and only in the log */
	if ((ev = push_event(m, t == CONSOLE ? MIPC_CONSOLE : MIPC_ANSWER)) == NULL)
		return fail_sys(m, "cannot keep an answer");
	ev->ticket = t;
	(void)read_answer(&ev->answer, s, n, toolong);
	return MIPC_OK;
}

/* A notice, rest being what follows "* ". */
static int
noticed(struct mipc *m, const char *rest, size_t n)
{
	struct mipc_event *ev;

	logline(m, "notice: %.*s", (int)n, rest);
	if (!m->events)
		return MIPC_OK;
	if ((ev = push_event(m, MIPC_NOTICE)) == NULL)
		return fail_sys(m, "cannot keep a notice");
	memcpy(ev->notice, rest, n);
	ev->notice[n] = '\0';
	return MIPC_OK;
}

/* One line from the kernel, s (n bytes). */
static int
handle(struct mipc *m, const char *s, size_t n)
{
	struct proto_delivery d;
	struct mipc_event *ev;
	const char *rest;
	size_t rn;

	switch (proto_kind(s, n, &rest, &rn)) {
	case PROTO_ANSWER:
		return answered(m, s, n, 0);
	case PROTO_DELIVERY:
		/* One that cannot be read is a notice, as for the kernel's own
		   processes. */
		if (proto_parse_delivery(s, n, &d) == -1 ||
		    d.textlen > MIPC_MESSAGE_MAX)
			return noticed(m, s + 2, n - 2);
		logline(m, "%.*s", (int)n - 2, s + 2);
		if ((ev = push_event(m, MIPC_DELIVERY)) == NULL)
			return fail_sys(m, "cannot keep a message");
		memcpy(ev->msg.text, d.text, d.textlen);
		ev->msg.text[d.textlen] = '\0';
		ev->msg.len = d.textlen;
		ev->msg.from = d.from;
		ev->msg.port = d.port;
		return MIPC_OK;
	case PROTO_NOTICE:
		return noticed(m, rest, rn);
	case PROTO_RUN:
		/* The console's line: sent back as it is, answered in turn. */
		logline(m, "sent: %.*s", (int)rn, rest);
		if (fifo_push(m, CONSOLE) == -1)
			return fail_sys(m, "cannot keep the console's line");
		return put_line(m, proto_marker(PROTO_RAN), rest, rn);
	case PROTO_SYNC:
		/* A kill may follow: everything the program has written goes
		   into its log first. */
		fflush(NULL);
		return put_line(m, "", PROTO_SYNCED_LINE, sizeof PROTO_SYNCED_LINE - 1);
	default:
		complain(m, "unexpected line from the kernel (%zu bytes), ignored: %.*s", n,
		    (int)(n > SHOWN ? SHOWN : n), s);
		return MIPC_OK;
	}
}

/*
 * One line over MIPC_LINE_MAX bytes, of which s holds the first n.  An
 * answer still answers its line, or the answers after it would go to the
 * wrong lines; anything else is told and dropped.
 */
static int
handle_long(struct mipc *m, const char *s, size_t n)
{
	const char *rest;
	size_t rn;

	if (proto_kind(s, n, &rest, &rn) == PROTO_ANSWER)
		return answered(m, s, n, 1);
	complain(m, "a line from the kernel over %d bytes, skipped: %.*s...",
	    MIPC_LINE_MAX, SHOWN, s);
	return MIPC_OK;
}

/* Handles every complete line in the buffer.  Returns how many, or a
   failure. */
static int
handle_lines(struct mipc *m)
{
	const char *s;
	size_t n;
	int st, k, count = 0;

	while ((st = take_line(m, &s, &n)) != NO_LINE) {
		k = st == LONG_LINE ? handle_long(m, s, n) : handle(m, s, n);
		if (k < 0)
			return k;
		count++;
	}
	return count;
}

/*
 * Reads what the kernel has sent, waiting up to timeout_ms (-1: as long as
 * it takes), and handles every complete line.  Returns MIPC_OK (perhaps
 * having read nothing useful: callers loop), MIPC_NONE if the time ran out
 * or a signal came, or a failure.
 */
static int
pump(struct mipc *m, int timeout_ms)
{
	ssize_t r;
	int k;

	if (m->eof)
		return gone(m);
	/* Lines left by a call that failed half-way are not kept waiting. */
	if ((k = handle_lines(m)) != 0)
		return k < 0 ? k : MIPC_OK;
	if (m->log != NULL)
		fflush(m->log);		/* about to wait: the log is up to date */
	if (timeout_ms >= 0) {
		struct pollfd p = { m->fd, POLLIN, 0 };
		int ready = poll(&p, 1, timeout_ms);
		if (ready == 0 || (ready == -1 && errno == EINTR))
			return MIPC_NONE;
		if (ready == -1)
			return fail_sys(m, "cannot wait for the kernel");
	}
	if (m->start > 0) {
		memmove(m->in, m->in + m->start, m->len - m->start);
		m->len -= m->start;
		m->start = 0;
	}
	do
		r = read(m->fd, m->in + m->len, sizeof m->in - m->len);
	while (r == -1 && errno == EINTR);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		struct pollfd p = { m->fd, POLLIN, 0 };
		(void)poll(&p, 1, timeout_ms);
		return MIPC_OK;
	}
	if (r == 0 || (r == -1 && errno == ECONNRESET)) {
		if (m->len > m->start && !m->skipping)
			complain(m, "the kernel closed the connection in the middle of a "
			    "line: %.*s", (int)(m->len - m->start > SHOWN ? SHOWN :
			    m->len - m->start), m->in + m->start);
		return gone(m);
	}
	if (r == -1)
		return fail_sys(m, "cannot read from the kernel");
	m->len += (size_t)r;
	return (k = handle_lines(m)) < 0 ? k : MIPC_OK;
}

/* ----- the calls ----- */

/* Sends a line of the program's own with its marker.  Returns its ticket. */
static long
post(struct mipc *m, enum proto_kind kind, const char *line)
{
	size_t n = strlen(line);
	int r;

	if (m->eof)
		return gone(m);
	if (n > MIPC_SEND_MAX)
		return fail(m, MIPC_EUSAGE, "the line is %zu bytes, at most %d can be "
		    "sent", n, MIPC_SEND_MAX);
	if (memchr(line, '\n', n) != NULL)
		return fail(m, MIPC_EUSAGE, "the line holds a newline: send one line "
		    "at a time");
	if (fifo_push(m, m->tickets + 1) == -1)
		return fail_sys(m, "cannot keep the line");
	logline(m, "%s: %s", kind == PROTO_CALL ? "called" : "sent", line);
	if ((r = put_line(m, proto_marker(kind), line, n)) != MIPC_OK)
		return r;
	return ++m->tickets;
}

/* Sends a line and waits for its answer. */
static int
send_wait(struct mipc *m, enum proto_kind kind, const char *line,
    struct mipc_answer *ans)
{
	struct mipc_answer scratch;
	long t;
	int r;

	if ((t = post(m, kind, line)) < 0)
		return (int)t;
	m->want = t;
	m->want_ans = ans != NULL ? ans : &scratch;
	while (m->want != 0)
		if ((r = pump(m, -1)) < 0) {
			/* An answer that comes after all is an event. */
			m->want = 0;
			return r;
		}
	return m->want_status;
}

int
mipc_send(struct mipc *m, const char *line, struct mipc_answer *ans)
{
	return send_wait(m, PROTO_SEND, line, ans);
}

int
mipc_call(struct mipc *m, const char *line, struct mipc_answer *ans)
{
	return send_wait(m, PROTO_CALL, line, ans);
}

long
mipc_post(struct mipc *m, const char *line)
{
	m->events = 1;
	return post(m, PROTO_SEND, line);
}

long
mipc_post_call(struct mipc *m, const char *line)
{
	m->events = 1;
	return post(m, PROTO_CALL, line);
}

int
mipc_receive(struct mipc *m, struct mipc_message *msg)
{
	struct mipc_event ev;
	int r;

	for (;;) {
		/* Notices and the console's answers before the first message
		   are in the log already; answers to posted lines stay. */
		struct node **pp = &m->head;
		while (*pp != NULL) {
			enum mipc_event_kind k = (*pp)->ev.kind;
			if (k == MIPC_DELIVERY) {
				take_event(m, pp, &ev);
				*msg = ev.msg;
				return MIPC_OK;
			}
			if (k == MIPC_NOTICE || k == MIPC_CONSOLE)
				take_event(m, pp, NULL);
			else
				pp = &(*pp)->next;
		}
		if ((r = pump(m, -1)) < 0)
			return r;
	}
}

int
mipc_reply(struct mipc *m, const char *text)
{
	size_t n = strlen(text);
	int r;

	if (m->held == 0)
		return fail(m, MIPC_EUSAGE, "no message to reply to: every message "
		    "received has had its reply");
	if (n > MIPC_REPLY_MAX)
		return fail(m, MIPC_EUSAGE, "the reply is %zu bytes, at most %d are "
		    "allowed", n, MIPC_REPLY_MAX);
	if (memchr(text, '\n', n) != NULL)
		return fail(m, MIPC_EUSAGE, "a reply cannot hold a newline");
	if ((r = put_line(m, proto_marker(PROTO_REPLY), text, n)) != MIPC_OK)
		return r;
	m->held--;
	logline(m, "answered: %s", text);
	return MIPC_OK;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
mipc_next(struct mipc *m, struct mipc_event *ev, int timeout_ms)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int r;

	m->events = 1;
	for (;;) {
		if (m->head != NULL) {
			take_event(m, &m->head, ev);
			return MIPC_OK;
		}
		long long left = timeout_ms < 0 ? -1 : deadline - now_ms();
		r = pump(m, left < 0 && timeout_ms >= 0 ? 0 : (int)left);
		if (r < 0)
			return r;
		if (r == MIPC_NONE && m->head == NULL && timeout_ms >= 0 &&
		    now_ms() >= deadline)
			return MIPC_NONE;
	}
}
