/*
 * console.c - the console and scenario language (BRIEF §6).
 *
 * A scenario file is a console session written down, so one parser serves
 * both: console_load() checks a whole file before anything runs, and
 * console_line() takes one line from an attached client.  A line either
 * finishes at once or sets a wait (an answer from a child, a child's exit, a
 * timer); console_poke() is called whenever something happens that a wait
 * may be waiting for, and finishes the line when it has.  A scenario goes on
 * to its next line only when the current one has finished.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "platform.h"
#include "proto.h"
#include "request.h"

enum verb {
	V_NONE,		/* a comment or a blank line */
	V_REQUEST,	/* a request, sent as the client itself */
	V_SPAWN, V_SEND, V_WAIT, V_KILL, V_DUMP, V_PS, V_SLEEP,
	V_EXPECT_OK, V_EXPECT_ERR, V_EXPECT_GOT, V_EXPECT_RECEIVED,
	V_EXPECT_TABLE, V_EXPECT_MAILBOXES, V_EXPECT_ALIVE, V_EXPECT_DEAD,
	V_HELP, V_QUIT, V_SHUTDOWN,
};

/* One console line, taken apart.  Pointers point into the line. */
struct cmd {
	enum verb	 verb;
	char		 name[MIPC_NAME_MAX + 1];
	const char	*arg;		/* V_SEND: LINE; V_EXPECT_*: the rest */
	size_t		 arglen;
	int		 amp;		/* V_SEND ending in '&' */
	uint32_t	 pid;		/* V_SPAWN */
	struct child_config ccfg;	/* V_SPAWN */
	int		 sig;		/* V_KILL */
	long		 ms;		/* V_SLEEP */
	int		 code;		/* V_EXPECT_ERR, V_EXPECT_GOT */
};

enum wait {
	W_NONE,		/* no line is in progress */
	W_SEND,		/* NAME: LINE, until its answer (or, with '&', its arrival) */
	W_WAIT,		/* wait NAME */
	W_SYNC,		/* kill NAME, until the child has written its log */
	W_KILL,		/* kill NAME, until it has exited or stopped */
	W_SLEEP,
};

struct console {
	struct kernel	*k;
	struct peer	*client;	/* NULL: a scenario, tracing to cfg.trace */
	struct console	*next;

	char		*path;		/* the scenario file */
	char		**lines;
	size_t		*lens;
	unsigned	 nlines, pos, lineno;
	int		 stop_when_done;
	int		 done;

	enum wait	 wait;
	struct peer	*target;
	uint64_t	 seq;		/* W_SEND: the target's line number; W_SYNC:
					   the number of its sync */
	int		 amp;
	int		 stopping;	/* W_KILL: wait for a stop, not an exit */
	int		 sig;
	int64_t		 deadline;	/* W_SEND, W_WAIT: when --timeout is up */
	int		 is_expect;	/* the line in progress is an expect */

	char		 last[MIPC_ANSWER_MAX];	/* answer to the last non-expect line */
	unsigned	 held, failed;		/* expects */
};

static const char help_text[] =
    "c {.message=TEXT,.pid=PID,.port=PORT}   register PORT as yours\n"
    "{.message=TEXT,.pid=PID,.port=PORT}     link to PORT, then send TEXT to it\n"
    "r {.message=TEXT,.pid=PID,.port=PORT}   remove PORT, or your links on it\n"
    "spawn NAME [pid=N] [reply=echo|\"TEXT\"]  fork a simulated process\n"
    "NAME: LINE [&]                          NAME sends LINE as itself (& : don't wait)\n"
    "wait NAME                               until NAME's requests are all answered\n"
    "kill NAME [SIGNAL]                      signal NAME (default TERM)\n"
    "dump                                    the process table and mailbox queues\n"
    "ps                                      the processes and their state\n"
    "sleep MS                                wait MS milliseconds\n"
    "expect ok | expect err CODE             the last answer was that\n"
    "expect NAME got ok | err CODE           NAME got such an answer\n"
    "expect NAME received \"TEXT\"             TEXT was delivered to NAME\n"
    "expect table PORT|- ...                 every table slot, in order\n"
    "expect mailboxes PORT<-PID|- ...        every mailbox slot, in order\n"
    "expect alive NAME | expect dead NAME    NAME is running / has been reaped\n"
    "help | quit | shutdown                  this text / detach / stop the kernel\n";

/* ----- taking a line apart ----- */

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Cuts the next blank-separated word off *s; returns its length (0: none). */
static size_t
word(const char **s, const char *end, const char **w)
{
	while (*s < end && blank(**s))
		(*s)++;
	*w = *s;
	while (*s < end && !blank(**s))
		(*s)++;
	return (size_t)(*s - *w);
}

static int
is_word(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* A NAME: 1 to 16 of a-z 0-9 _ -, starting with a letter, not "kernel". */
static int
valid_name(const char *s, size_t n)
{
	return log_name_ok(s, n) && !is_word(s, n, "kernel");
}

/* A decimal number from lo to hi, no sign or leading zero.  -1 if not. */
static long long
number(const char *s, size_t n, long long lo, long long hi)
{
	long long v = 0;

	if (n == 0 || n > 12 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

static int
take_name(const char **s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w;
	size_t n = word(s, end, &w);

	if (!valid_name(w, n)) {
		snprintf(why, whysz, "expected a NAME (1 to 16 of a-z 0-9 _ -, "
		    "starting with a letter, not kernel), got '%.*s'", (int)n, w);
		return -1;
	}
	memcpy(c->name, w, n);
	c->name[n] = '\0';
	return 0;
}

static int
no_more(const char *s, const char *end, char *why, size_t whysz)
{
	const char *w;
	size_t n = word(&s, end, &w);

	if (n == 0)
		return 0;
	snprintf(why, whysz, "unexpected '%.*s' at the end of the line", (int)n, w);
	return -1;
}

/* "ok" or "err CODE" */
static int
take_outcome(const char *s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w;
	size_t n = word(&s, end, &w);

	if (is_word(w, n, "ok")) {
		c->code = E_OK;
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "err")) {
		n = word(&s, end, &w);
		c->code = err_from_name(w, n);
		if (c->code <= 0) {
			snprintf(why, whysz, "expected an error code (EINVAL, ENOENT, ...) "
			    "after 'err', got '%.*s'", (int)n, w);
			return -1;
		}
		return no_more(s, end, why, whysz);
	}
	snprintf(why, whysz, "expected 'ok' or 'err CODE', got '%.*s'", (int)n, w);
	return -1;
}

/*
 * "TEXT" at *s (after blanks), TEXT running to the last '"' of the line, so
 * that it may hold quotes itself.  *s is left after that quote.
 */
static int
take_quoted(const char **s, const char *end, const char **t, size_t *n)
{
	const char *a = *s, *b = end;

	while (a < end && blank(*a))
		a++;
	if (a == end || *a != '"')
		return -1;
	while (b > a + 1 && b[-1] != '"')
		b--;
	if (b <= a + 1)
		return -1;
	*t = a + 1;
	*n = (size_t)(b - 1 - (a + 1));
	*s = b;
	return 0;
}

static int
parse_expect(const char *s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w, *w2, *p = s;
	size_t n = word(&p, end, &w);
	const char *q = p;
	size_t n2 = word(&q, end, &w2);

	if (is_word(w2, n2, "got") || is_word(w2, n2, "received")) {
		const char *r = s;
		if (take_name(&r, end, c, why, whysz) == -1)
			return -1;
		if (is_word(w2, n2, "got")) {
			c->verb = V_EXPECT_GOT;
			return take_outcome(q, end, c, why, whysz);
		}
		c->verb = V_EXPECT_RECEIVED;
		if (take_quoted(&q, end, &c->arg, &c->arglen) == -1) {
			snprintf(why, whysz, "expected \"TEXT\" after 'received'");
			return -1;
		}
		return no_more(q, end, why, whysz);
	}
	if (is_word(w, n, "ok") || is_word(w, n, "err")) {
		c->verb = is_word(w, n, "ok") ? V_EXPECT_OK : V_EXPECT_ERR;
		return take_outcome(s, end, c, why, whysz);
	}
	if (is_word(w, n, "alive") || is_word(w, n, "dead")) {
		c->verb = is_word(w, n, "alive") ? V_EXPECT_ALIVE : V_EXPECT_DEAD;
		if (take_name(&p, end, c, why, whysz) == -1)
			return -1;
		return no_more(p, end, why, whysz);
	}
	if (is_word(w, n, "table") || is_word(w, n, "mailboxes")) {
		int table = is_word(w, n, "table");
		unsigned count = 0;
		c->verb = table ? V_EXPECT_TABLE : V_EXPECT_MAILBOXES;
		c->arg = p;
		c->arglen = (size_t)(end - p);
		while ((n = word(&p, end, &w)) > 0) {
			const char *arrow = NULL;
			count++;
			if (is_word(w, n, "-"))
				continue;
			if (!table) {
				for (size_t i = 0; i + 1 < n; i++)
					if (w[i] == '<' && w[i + 1] == '-')
						arrow = w + i;
				if (arrow == NULL || number(w, (size_t)(arrow - w), 1, 65535) < 0 ||
				    number(arrow + 2, n - (size_t)(arrow + 2 - w), 1,
				    4294967295LL) < 0) {
					snprintf(why, whysz, "expected PORT<-PID or - for a "
					    "mailbox slot, got '%.*s'", (int)n, w);
					return -1;
				}
			} else if (number(w, n, 1, 65535) < 0) {
				snprintf(why, whysz, "expected a PORT (1 to 65535) or - for "
				    "a table slot, got '%.*s'", (int)n, w);
				return -1;
			}
		}
		if (count == 0) {
			snprintf(why, whysz, "expected one entry per slot after '%s'",
			    table ? "table" : "mailboxes");
			return -1;
		}
		return 0;
	}
	snprintf(why, whysz, "malformed expect: expected ok, err CODE, NAME got, NAME "
	    "received, table, mailboxes, alive or dead");
	return -1;
}

static int
parse_spawn(const char *s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w;
	size_t n;
	int pid_given = 0, reply_given = 0;

	if (take_name(&s, end, c, why, whysz) == -1)
		return -1;
	c->ccfg.reply = REPLY_DEFAULT;
	while ((n = word(&s, end, &w)) > 0) {
		int is_pid = n > 4 && memcmp(w, "pid=", 4) == 0;
		int *given = is_pid ? &pid_given :
		    n > 6 && memcmp(w, "reply=", 6) == 0 ? &reply_given : NULL;
		if (given != NULL && (*given)++) {
			snprintf(why, whysz, "%s given twice: give it once",
			    is_pid ? "pid=" : "reply=");
			return -1;
		}
		if (is_pid) {
			long long v = number(w + 4, n - 4, 1, 4294967295LL);
			if (v < 0) {
				snprintf(why, whysz, "expected pid=N with N from 1 to "
				    "4294967295, got '%.*s'", (int)n, w);
				return -1;
			}
			c->pid = (uint32_t)v;
		} else if (is_word(w, n, "reply=echo")) {
			c->ccfg.reply = REPLY_ECHO;
		} else if (n > 6 && memcmp(w, "reply=\"", 7) == 0) {
			const char *t;
			size_t tl;
			s = w + 6;
			if (take_quoted(&s, end, &t, &tl) == -1) {
				snprintf(why, whysz, "expected reply=\"TEXT\": the closing "
				    "'\"' is missing");
				return -1;
			}
			if (tl > MIPC_TEXT_MAX || memchr(t, '\0', tl) != NULL) {
				snprintf(why, whysz, "expected reply=\"TEXT\" with at most "
				    "%d bytes of TEXT and no NUL", MIPC_TEXT_MAX);
				return -1;
			}
			c->ccfg.reply = REPLY_FIXED;
			memcpy(c->ccfg.reply_text, t, tl);
			c->ccfg.reply_text[tl] = '\0';
		} else {
			snprintf(why, whysz, "expected pid=N or reply=echo|\"TEXT\", "
			    "got '%.*s'", (int)n, w);
			return -1;
		}
	}
	return 0;
}

/*
 * Takes one console line apart.  Returns 0, or -1 with why set.  Surrounding
 * blanks and a trailing CR are ignored.
 */
static int
parse_cmd(const char *line, size_t len, struct cmd *c, char *why, size_t whysz)
{
	const char *s = line, *end = line + len, *w;
	size_t n;

	memset(c, 0, sizeof *c);
	if (end > s && end[-1] == '\r')
		end--;
	while (s < end && blank(*s))
		s++;
	while (end > s && blank(end[-1]))
		end--;
	if (memchr(line, '\0', len) != NULL) {
		snprintf(why, whysz, "NUL byte in the line");
		return -1;
	}
	if (s == end || *s == '#') {
		c->verb = V_NONE;
		return 0;
	}
	if (req_is_request(s, (size_t)(end - s))) {
		c->verb = V_REQUEST;
		c->arg = s;
		c->arglen = (size_t)(end - s);
		return 0;
	}
	n = word(&s, end, &w);
	if (n > 1 && w[n - 1] == ':') {
		if (!valid_name(w, n - 1)) {
			snprintf(why, whysz, "'%.*s' is not a NAME (1 to 16 of a-z 0-9 "
			    "_ -, starting with a letter, not kernel)", (int)(n - 1), w);
			return -1;
		}
		c->verb = V_SEND;
		memcpy(c->name, w, n - 1);
		c->name[n - 1] = '\0';
		while (s < end && blank(*s))
			s++;
		if (end > s && end[-1] == '&' && (end - 1 == s || blank(end[-2]))) {
			c->amp = 1;
			end--;
			while (end > s && blank(end[-1]))
				end--;
		}
		c->arg = s;
		c->arglen = (size_t)(end - s);
		return 0;
	}
	if (is_word(w, n, "spawn")) {
		c->verb = V_SPAWN;
		return parse_spawn(s, end, c, why, whysz);
	}
	if (is_word(w, n, "wait")) {
		c->verb = V_WAIT;
		if (take_name(&s, end, c, why, whysz) == -1)
			return -1;
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "kill")) {
		c->verb = V_KILL;
		c->sig = SIGTERM;
		if (take_name(&s, end, c, why, whysz) == -1)
			return -1;
		if ((n = word(&s, end, &w)) > 0) {
			char sig[16];
			snprintf(sig, sizeof sig, "%.*s", (int)(n < 15 ? n : 15), w);
			if ((c->sig = spawn_signal(sig)) == -1) {
				snprintf(why, whysz, "unknown signal '%.*s' (try TERM, "
				    "KILL, STOP, CONT, INT, HUP, USR1)", (int)n, w);
				return -1;
			}
		}
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "sleep")) {
		c->verb = V_SLEEP;
		n = word(&s, end, &w);
		if ((c->ms = (long)number(w, n, 0, MIPC_TIMEOUT_MAX)) < 0 &&
		    !is_word(w, n, "0")) {
			snprintf(why, whysz, "expected sleep MS, MS from 0 to %d",
			    MIPC_TIMEOUT_MAX);
			return -1;
		}
		if (c->ms < 0)
			c->ms = 0;
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "expect"))
		return parse_expect(s, end, c, why, whysz);
	static const struct { const char *w; enum verb v; } plain[] = {
		{ "dump", V_DUMP }, { "ps", V_PS }, { "help", V_HELP },
		{ "quit", V_QUIT }, { "shutdown", V_SHUTDOWN },
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (is_word(w, n, plain[i].w)) {
			c->verb = plain[i].v;
			return no_more(s, end, why, whysz);
		}
	snprintf(why, whysz, "unknown verb '%.*s' (try help)", (int)(n > 40 ? 40 : n), w);
	return -1;
}

/* A scenario is over: `mipc run` goes on to its next file, a kernel started
   with --scenario serves on. */
static void
scenario_end(struct kernel *k, struct console *c)
{
	c->done = 1;
	if (c->stop_when_done) {
		k->stopping = 1;	/* mipc run sums it up itself */
		return;
	}
	kernel_trace(k, "== %s: %u expect%s held, %u failed; serving on", c->path,
	    c->held, c->held == 1 ? "" : "s", c->failed);
}

/* ----- output ----- */

/* A line of output of the line in progress ("| ..." or its answer). */
static void
out(struct kernel *k, struct console *c, const char *s)
{
	if (c->client != NULL)
		peer_send(k, c->client, s, strlen(s));
	else
		kernel_trace(k, "%s", s);
}

static void
out_listing(void *arg, const char *s)
{
	struct console *c = arg;
	char line[MIPC_ANSWER_MAX];

	snprintf(line, sizeof line, "| %s", s);
	out(c->k, c, line);
}

/* The line in progress is over: answer it. */
static void
finish(struct kernel *k, struct console *c, const char *answer)
{
	if (!c->is_expect)
		snprintf(c->last, sizeof c->last, "%s", answer);
	c->wait = W_NONE;
	c->target = NULL;
	out(k, c, answer);
}

static void
expect_result(struct kernel *k, struct console *c, int held, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void signal_child(struct kernel *k, struct console *c);

static void
expect_result(struct kernel *k, struct console *c, int held, const char *fmt, ...)
{
	char what[MIPC_ANSWER_MAX], ans[MIPC_ANSWER_MAX + 64];
	va_list ap;

	if (held) {
		c->held++;
		finish(k, c, "OK");
		return;
	}
	c->failed++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->path != NULL)
		snprintf(ans, sizeof ans, "ERR EINVAL expect failed at %s:%u: %s",
		    c->path, c->lineno, what);
	else
		snprintf(ans, sizeof ans, "ERR EINVAL expect failed: %s", what);
	finish(k, c, ans);
}

/* ----- the verbs ----- */

/* Lists the processes, children and attached clients, in the order they
   came (the newest is at the head of k->peers); a dead child with why it
   died. */
static void
do_ps(struct kernel *k, struct console *c)
{
	char line[MIPC_ANSWER_MAX];
	struct peer **procs = NULL;
	size_t n = 0;

	for (struct peer *p = k->peers; p != NULL; p = p->next)
		n++;
	if (n > 0 && (procs = malloc(n * sizeof *procs)) == NULL) {
		finish(k, c, "ERR EAGAIN out of memory for the list; try again");
		return;
	}
	n = 0;
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->kind == PEER_CHILD || p->rp.owner != NULL)
			procs[n++] = p;
	out_listing(c, "NAME              PID         OS PID  STATE");
	while (n > 0) {
		struct peer *p = procs[--n];
		char name[32], pid[16] = "-", ospid[16] = "-";
		const char *state = "running", *dead = "";
		if (p->rp.pid != 0)
			snprintf(pid, sizeof pid, "%u", (unsigned)p->rp.pid);
		if (p->kind == PEER_CLIENT) {
			snprintf(name, sizeof name, "client fd %d", p->fd);
			state = p == c->client ? "attached (asking)" : "attached";
		} else {
			snprintf(name, sizeof name, "%s", p->name);
			if (!k->cfg.no_time)
				snprintf(ospid, sizeof ospid, "%ld", (long)p->ospid);
			if (p->state == CHILD_STOPPED) {
				state = "stopped";
			} else if (p->state == CHILD_DEAD) {
				state = p->why;
				dead = "dead: ";
			}
		}
		snprintf(line, sizeof line, "%-16s  %-11s %-7s %s%s", name, pid, ospid,
		    dead, state);
		out_listing(c, line);
	}
	free(procs);
	snprintf(line, sizeof line, "%u attached client%s", k->nclients,
	    k->nclients == 1 ? "" : "s");
	out_listing(c, line);
	finish(k, c, "OK");
}

static void
do_expect_slots(struct kernel *k, struct console *c, const struct cmd *cmd)
{
	const struct route *r = &k->route;
	int table = cmd->verb == V_EXPECT_TABLE;
	unsigned nslots = table ? r->pt.nslots : r->mb.nslots;
	const char *s = cmd->arg, *end = cmd->arg + cmd->arglen, *w;
	unsigned i = 0, listed = 0;
	size_t n;

	/* A line for another number of slots is told as such, not by the
	   first slot where it goes wrong. */
	while (word(&s, end, &w) > 0)
		listed++;
	if (listed != nslots) {
		expect_result(k, c, 0, "the %s has %u slots, the line lists %u",
		    table ? "table" : "mailbox array", nslots, listed);
		return;
	}
	s = cmd->arg;
	while ((n = word(&s, end, &w)) > 0) {
		char want[32], have[32] = "-";
		snprintf(want, sizeof want, "%.*s", (int)(n < 31 ? n : 31), w);
		if (table && r->pt.slot[i].port != 0)
			snprintf(have, sizeof have, "%u", r->pt.slot[i].port);
		else if (!table && i < r->mb.n)
			snprintf(have, sizeof have, "%u<-%u", r->mb.slot[i].port,
			    (unsigned)r->mb.slot[i].client);
		if (strcmp(want, have) != 0) {
			expect_result(k, c, 0, "%s slot %u holds %s, expected %s",
			    table ? "table" : "mailbox", i, have, want);
			return;
		}
		i++;
	}
	expect_result(k, c, 1, "held");
}

/*
 * How long a line waits for a process to do its part: to send the line it
 * was given, to exit or stop on a signal.  --timeout is a server's time to
 * answer; a short one, to see ETIMEDOUT sooner, must not make a running
 * process look stuck on a busy machine, so this is never under the time a
 * child has to write its log before a kill.
 */
static unsigned
proc_wait_ms(const struct kernel *k)
{
	return k->cfg.timeout_ms > MIPC_SYNC_MS ? k->cfg.timeout_ms : MIPC_SYNC_MS;
}

/*
 * How long a line waits for its child to send what it was given.  A stopped
 * child never will: --timeout, as for a server.  A running one will unless
 * the machine is very busy, so it has proc_wait_ms.
 */
static unsigned
send_wait_ms(const struct kernel *k, const struct console *c)
{
	return c->target->state == CHILD_STOPPED ? k->cfg.timeout_ms : proc_wait_ms(k);
}

/* When that wait is over: c->deadline is when --timeout is. */
static int64_t
send_deadline(const struct kernel *k, const struct console *c)
{
	return c->deadline - k->cfg.timeout_ms + send_wait_ms(k, c);
}

/* A signal that ends a child.  SIGPIPE does not: a child ignores it, and
   takes a kernel gone as the error of its write. */
static int
ending_signal(int sig)
{
	return sig != SIGCONT && sig != SIGCHLD && sig != SIGSTOP &&
	    sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU && sig != SIGPIPE;
}

static int
stopping_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* A scenario ends at its line verb: the trace says how many lines after it
   (not counting comments and blank lines) do not run. */
static void
say_unrun(struct kernel *k, const struct console *c, const char *verb)
{
	unsigned n = 0;

	for (unsigned i = c->pos; i < c->nlines; i++) {
		struct cmd rest;
		char why[256];
		if (parse_cmd(c->lines[i], c->lens[i], &rest, why, sizeof why) == 0 &&
		    rest.verb != V_NONE)
			n++;
	}
	if (n > 0)
		kernel_trace(k, "== %s at line %u: the %u line%s after it do%s not run",
		    verb, c->lineno, n, n == 1 ? "" : "s", n == 1 ? "es" : "");
}

/* Runs one line.  It finishes at once or leaves a wait behind. */
static void
exec_cmd(struct kernel *k, struct console *c, const struct cmd *cmd)
{
	char ans[MIPC_ANSWER_MAX];
	struct peer *p = NULL;

	c->is_expect = cmd->verb >= V_EXPECT_OK && cmd->verb <= V_EXPECT_DEAD;
	switch (cmd->verb) {
	case V_SEND: case V_WAIT: case V_KILL: case V_EXPECT_GOT:
	case V_EXPECT_RECEIVED:
		p = kernel_child(k, cmd->name);
		if (p == NULL) {
			snprintf(ans, sizeof ans, "ERR ENOENT no process named %s", cmd->name);
			if (c->is_expect)
				expect_result(k, c, 0, "no process named %s", cmd->name);
			else
				finish(k, c, ans);
			return;
		}
		break;
	case V_EXPECT_OK: case V_EXPECT_ERR:
		if (c->last[0] == '\0') {
			expect_result(k, c, 0, "no line before it has been answered");
			return;
		}
		break;
	default:
		break;
	}

	switch (cmd->verb) {
	case V_NONE:
		return;
	case V_REQUEST:
		/* Only reached for a scenario: a client's requests are routed
		   before they get here. */
		finish(k, c, "ERR EINVAL a scenario has no pid of its own: "
		    "write NAME: LINE");
		return;
	case V_SPAWN:
		(void)spawn_child(k, cmd->name, cmd->pid, &cmd->ccfg, ans, sizeof ans);
		finish(k, c, ans);
		return;
	case V_SEND:
		if (p->state == CHILD_DEAD || p->quitting) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s is not running (it %s)",
			    p->name, p->why[0] ? p->why : "was cut off");
			finish(k, c, ans);
			return;
		}
		{
			char line[MIPC_LINE_MAX + 8];
			int n = snprintf(line, sizeof line, "%s%.*s",
			    proto_marker(PROTO_RUN), (int)cmd->arglen, cmd->arg);
			peer_send(k, p, line, (size_t)n);
		}
		p->nforward++;
		c->wait = W_SEND;
		c->target = p;
		c->seq = p->nforward;
		c->amp = cmd->amp;
		c->deadline = k->now + k->cfg.timeout_ms;
		return;
	case V_WAIT:
		c->wait = W_WAIT;
		c->target = p;
		c->deadline = k->now + k->cfg.timeout_ms;
		return;
	case V_KILL:
		if (p->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s is not running (it %s)",
			    p->name, p->why);
			finish(k, c, ans);
			return;
		}
		c->target = p;
		c->sig = cmd->sig;
		if (p->state == CHILD_RUNNING && p->fd != -1) {
			/* First the child writes its log, so that what it was
			   sent before the signal is in it. */
			peer_send(k, p, PROTO_SYNC_LINE, sizeof PROTO_SYNC_LINE - 1);
			c->wait = W_SYNC;
			c->seq = ++p->nsync;
			c->deadline = k->now + MIPC_SYNC_MS;
			return;
		}
		signal_child(k, c);
		return;
	case V_DUMP:
		route_dump(&k->route, out_listing, c);
		finish(k, c, "OK");
		return;
	case V_PS:
		do_ps(k, c);
		return;
	case V_SLEEP:
		c->wait = W_SLEEP;
		c->deadline = k->now + cmd->ms;
		return;
	case V_EXPECT_OK:
		expect_result(k, c, strncmp(c->last, "OK", 2) == 0 &&
		    (c->last[2] == '\0' || c->last[2] == ' '),
		    "expected ok, the answer was: %s", c->last);
		return;
	case V_EXPECT_ERR: {
		const char *code = err_name(cmd->code);
		size_t n = strlen(code);
		expect_result(k, c, strncmp(c->last, "ERR ", 4) == 0 &&
		    strncmp(c->last + 4, code, n) == 0 &&
		    (c->last[4 + n] == '\0' || c->last[4 + n] == ' '),
		    "expected err %s, the answer was: %s", code, c->last);
		return;
	}
	case V_EXPECT_GOT: {
		int held = (p->got & (1u << cmd->code)) != 0;
		p->got = 0;
		expect_result(k, c, held, "%s got no %s%s answer", p->name,
		    cmd->code == E_OK ? "" : "ERR ", err_name(cmd->code));
		return;
	}
	case V_EXPECT_RECEIVED: {
		int held = seen_has(&p->seen, cmd->arg, cmd->arglen);
		if (!held && p->seen.full)
			expect_result(k, c, 0, "%s received no \"%.*s\" among the %u "
			    "distinct texts kept; later ones are not", p->name,
			    (int)cmd->arglen, cmd->arg, p->seen.n);
		else
			expect_result(k, c, held, "%s received no \"%.*s\"", p->name,
			    (int)cmd->arglen, cmd->arg);
		return;
	}
	case V_EXPECT_TABLE:
	case V_EXPECT_MAILBOXES:
		do_expect_slots(k, c, cmd);
		return;
	case V_EXPECT_ALIVE:
	case V_EXPECT_DEAD:
		p = kernel_child(k, cmd->name);
		if (p == NULL)
			expect_result(k, c, 0, "no process named %s was spawned", cmd->name);
		else if (cmd->verb == V_EXPECT_ALIVE)
			expect_result(k, c, p->state != CHILD_DEAD, "%s %s", p->name, p->why);
		else
			expect_result(k, c, p->state == CHILD_DEAD, "%s is %s", p->name,
			    p->state == CHILD_STOPPED ? "stopped" : "running");
		return;
	case V_HELP: {
		const char *s = help_text;
		while (*s != '\0') {
			char line[MIPC_ANSWER_MAX];
			size_t n = strcspn(s, "\n");
			snprintf(line, sizeof line, "%.*s", (int)n, s);
			out_listing(c, line);
			s += n + (s[n] == '\n');
		}
		finish(k, c, "OK");
		return;
	}
	case V_QUIT:
		finish(k, c, "OK bye");
		if (c->client != NULL) {
			c->client->quitting = 1;
			return;
		}
		say_unrun(k, c, "quit");
		scenario_end(k, c);	/* as if the file ended here */
		return;
	case V_SHUTDOWN:
		finish(k, c, "OK shutting down");
		if (c->client == NULL)
			say_unrun(k, c, "shutdown");
		k->stopping = 3;
		c->done = 1;
		return;
	}
}

/* ----- waiting ----- */

/* kill NAME: sends the signal, then waits for its effect if it has one. */
static void
signal_child(struct kernel *k, struct console *c)
{
	struct peer *p = c->target;
	char ans[MIPC_ANSWER_MAX];

	if (p->state == CHILD_DEAD) {
		snprintf(ans, sizeof ans, "OK %s %s", p->name, p->why);
		finish(k, c, ans);
		return;
	}
	if (kill(p->ospid, c->sig) == -1) {
		snprintf(ans, sizeof ans, "ERR ESRCH kill %s: %s", p->name,
		    strerror(errno));
		finish(k, c, ans);
		return;
	}
	logw_printf(&k->log, "console: %s sent to %s", spawn_signame(c->sig),
	    p->name);
	if (ending_signal(c->sig) && p->state == CHILD_STOPPED)
		(void)kill(p->ospid, SIGCONT);
	/* A stopped process runs again the moment SIGCONT is sent, not when
	   its report is reaped: a line right after must not find it stopped
	   (a kill would skip the sync that lets it write its log first). */
	if (c->sig == SIGCONT)
		p->state = CHILD_RUNNING;
	if (!ending_signal(c->sig) && !stopping_signal(c->sig)) {
		snprintf(ans, sizeof ans, "OK %s sent to %s", spawn_signame(c->sig),
		    p->name);
		finish(k, c, ans);
		return;
	}
	c->wait = W_KILL;
	c->stopping = stopping_signal(c->sig);
	c->deadline = k->now + proc_wait_ms(k);
}

/* Finishes the line in progress if what it waits for has happened. */
static void
check(struct kernel *k, struct console *c)
{
	struct peer *p = c->target;
	char ans[MIPC_ANSWER_MAX];

	switch (c->wait) {
	case W_NONE:
		return;
	case W_SEND:
		if (c->amp && p->nrecv >= c->seq) {
			finish(k, c, "OK sent; its answer comes later (wait NAME)");
		} else if (p->nanswered >= c->seq) {
			finish(k, c, p->last);
		} else if (p->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s %s before it was answered",
			    p->name, p->why);
			finish(k, c, ans);
		} else if (p->nrecv < c->seq && k->now >= send_deadline(k, c)) {
			snprintf(ans, sizeof ans, "ERR ETIMEDOUT %s did not send the line "
			    "within %u ms (is it stopped?)", p->name, send_wait_ms(k, c));
			/* Answered so, the line must not run if it comes later. */
			if (p->nforsaken < c->seq)
				p->nforsaken = c->seq;
			finish(k, c, ans);
		}
		return;
	case W_WAIT:
		if (p->nanswered >= p->nforward) {
			finish(k, c, p->nanswered > 0 ? p->last : "OK nothing was sent");
		} else if (p->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s %s before its answers came",
			    p->name, p->why);
			finish(k, c, ans);
		} else if (p->nrecv < p->nforward && k->now >= send_deadline(k, c)) {
			snprintf(ans, sizeof ans, "ERR ETIMEDOUT %s did not send its lines "
			    "within %u ms (is it stopped?)", p->name, send_wait_ms(k, c));
			/* The lines not sent yet are other consoles': each
			   gives up on its own when its time is up. */
			finish(k, c, ans);
		}
		return;
	case W_SYNC:
		/* A child that cannot answer (stuck, stopped, gone) is
		   signalled once the time is up, log written or not. */
		if (p->nsynced >= c->seq || p->state != CHILD_RUNNING ||
		    k->now >= c->deadline)
			signal_child(k, c);
		return;
	case W_KILL:
		if (p->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "OK %s %s", p->name, p->why);
			finish(k, c, ans);
		} else if (c->stopping && p->state == CHILD_STOPPED) {
			snprintf(ans, sizeof ans, "OK %s stopped by %s", p->name,
			    spawn_signame(c->sig));
			finish(k, c, ans);
		} else if (k->now >= c->deadline) {
			snprintf(ans, sizeof ans, "ERR ETIMEDOUT %s did not %s within %u ms",
			    p->name, c->stopping ? "stop" : "exit", proc_wait_ms(k));
			finish(k, c, ans);
		}
		return;
	case W_SLEEP:
		if (k->now >= c->deadline)
			finish(k, c, "OK");
		return;
	}
}

void
console_child_answer(struct kernel *k, struct peer *p, const char *text)
{
	for (struct console *c = k->consoles; c != NULL; c = c->next)
		if (c->wait == W_SEND && c->target == p && !c->amp &&
		    p->nanswered == c->seq)
			finish(k, c, text);
}

void
console_note_answer(struct console *c, const char *text)
{
	snprintf(c->last, sizeof c->last, "%s", text);
}

int64_t
console_deadline(struct kernel *k)
{
	int64_t d = -1;

	for (struct console *c = k->consoles; c != NULL; c = c->next) {
		int timed = c->wait == W_SLEEP || c->wait == W_KILL ||
		    c->wait == W_SYNC ||
		    (c->wait == W_SEND && c->target->nrecv < c->seq) ||
		    (c->wait == W_WAIT && c->target->nrecv < c->target->nforward);
		int64_t cd = c->wait == W_SEND || c->wait == W_WAIT ?
		    send_deadline(k, c) : c->deadline;
		if (timed && (d == -1 || cd < d))
			d = cd;
	}
	return d;
}

void
console_poke(struct kernel *k)
{
	static int busy, again;

	/* Finishing a line can poke again (a spawn, a kill): run once more
	   instead of recursing. */
	if (busy) {
		again = 1;
		return;
	}
	busy = 1;
	do {
		again = 0;
		k->now = plat_now_ms();
		for (struct console *c = k->consoles; c != NULL; c = c->next) {
			check(k, c);
			if (c->client == NULL)
				console_step(k, c);
		}
	} while (again);
	busy = 0;
}

/* ----- sessions ----- */

struct console *
console_new(struct kernel *k, struct peer *client)
{
	struct console *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->k = k;
	c->client = client;
	c->last[0] = '\0';	/* no line answered yet */
	c->next = k->consoles;
	k->consoles = c;
	return c;
}

void
console_free(struct kernel *k, struct console *c)
{
	for (struct console **cc = &k->consoles; *cc != NULL; cc = &(*cc)->next)
		if (*cc == c) {
			*cc = c->next;
			break;
		}
	if (c->client != NULL)
		c->client->con = NULL;
	for (unsigned i = 0; i < c->nlines; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->lens);
	free(c->path);
	free(c);
}

void
console_take(struct console *to, struct console *from)
{
	to->path = from->path;
	to->lines = from->lines;
	to->lens = from->lens;
	to->nlines = from->nlines;
	to->stop_when_done = from->stop_when_done;
	from->path = NULL;
	from->lines = NULL;
	from->lens = NULL;
	from->nlines = 0;
}

int
console_load(struct console *c, const char *path, int stop_when_done)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int errors = 0;
	unsigned lineno = 0;

	if (f == NULL) {
		mipc_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	c->path = strdup(path);
	c->stop_when_done = stop_when_done;
	while ((n = getline(&buf, &cap, f)) != -1) {
		struct cmd cmd;
		char why[256];
		lineno++;
		if (n > 0 && buf[n - 1] == '\n')
			n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;	/* a file from Windows: the trace shows no ^M */
		size_t lead = strspn(buf, " \t");
		if ((size_t)n > MIPC_LINE_MAX && !((size_t)n > lead && buf[lead] == '#')) {
			/* (a comment runs nothing: it may be as long as it likes) */
			fprintf(stderr, "%s:%u: line longer than %d bytes\n", path, lineno,
			    MIPC_LINE_MAX);
			errors++;
			n = 0;
		} else if (parse_cmd(buf, (size_t)n, &cmd, why, sizeof why) == -1) {
			fprintf(stderr, "%s:%u: %s\n", path, lineno, why);
			errors++;
		} else if (cmd.verb == V_REQUEST) {
			fprintf(stderr, "%s:%u: a scenario has no pid of its own: write "
			    "NAME: %.*s\n", path, lineno, (int)cmd.arglen, cmd.arg);
			errors++;
		}
		char **lines = realloc(c->lines, (lineno) * sizeof *lines);
		size_t *lens = realloc(c->lens, (lineno) * sizeof *lens);
		if (lines != NULL)
			c->lines = lines;
		if (lens != NULL)
			c->lens = lens;
		if (lines == NULL || lens == NULL ||
		    (c->lines[lineno - 1] = malloc((size_t)n + 1)) == NULL) {
			mipc_warn("out of memory");
			errors++;
			break;
		}
		memcpy(c->lines[lineno - 1], buf, (size_t)n);
		c->lines[lineno - 1][n] = '\0';
		c->lens[lineno - 1] = (size_t)n;
		c->nlines = lineno;
	}
	free(buf);
	if (ferror(f)) {
		mipc_warn("%s: %s", path, strerror(errno));
		errors++;
	}
	fclose(f);
	return errors ? -1 : 0;
}

void
console_step(struct kernel *k, struct console *c)
{
	while (!c->done && c->wait == W_NONE && !k->stopping) {
		struct cmd cmd;
		char why[256];

		if (c->pos >= c->nlines) {
			scenario_end(k, c);
			return;
		}
		c->lineno = c->pos + 1;
		const char *line = c->lines[c->pos];
		size_t len = c->lens[c->pos++];
		if (parse_cmd(line, len, &cmd, why, sizeof why) == -1)
			continue;	/* console_load reported it already */
		if (cmd.verb == V_NONE) {
			if (memchr(line, '#', len) != NULL)
				kernel_trace(k, "%s", line);
			continue;
		}
		kernel_trace(k, "> %s", line);
		exec_cmd(k, c, &cmd);
		check(k, c);
	}
}

void
console_line(struct kernel *k, struct console *c, const char *line, size_t len)
{
	struct cmd cmd;
	char why[256], ans[MIPC_ANSWER_MAX];

	logw_printf(&k->log, "console: %.*s", (int)len, line);
	if (parse_cmd(line, len, &cmd, why, sizeof why) == -1) {
		snprintf(ans, sizeof ans, "ERR EINVAL %s", why);
		c->is_expect = 0;
		finish(k, c, ans);
		return;
	}
	exec_cmd(k, c, &cmd);
	check(k, c);
}

void
console_stop(struct kernel *k)
{
	for (struct console *c = k->consoles; c != NULL; c = c->next)
		if (c->client != NULL && c->wait != W_NONE)
			finish(k, c, "ERR ECONNRESET the kernel stopped before this "
			    "line was done");
}

int
console_busy(const struct console *c)
{
	return c != NULL && c->wait != W_NONE;
}

int
console_done(const struct console *c)
{
	return c->done;
}

void
console_counts(const struct console *c, unsigned *held, unsigned *failed)
{
	*held = c->held;
	*failed = c->failed;
}
