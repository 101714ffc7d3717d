/*
 * console.c - runs console lines: a scenario's, or an attached client's.
 *
 * The grammar is grammar.c's; this file is the executor.  A line runs in
 * exec(): it finishes at once (dump, expect, a spawn) or sets a wait on a
 * child (its answer, its exit) or a timer.  check() finishes a line whose
 * wait is over.  console_run() does both for every console once per turn
 * of the kernel's loop, and a scenario goes to its next line only when the
 * current one has finished, so a run needs no sleeps and traces the same
 * every time.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "err.h"
#include "expect.h"
#include "help.h"
#include "log.h"
#include "proc.h"
#include "serve.h"
#include "show.h"
#include "signame.h"
#include "trace.h"

enum wait {
	W_NONE,		/* no line is in progress */
	W_SEND,		/* NAME: LINE, until its answer (or, with '&', its arrival) */
	W_WAIT,		/* wait NAME */
	W_KILL,		/* kill NAME, until it has exited or stopped */
	W_SLEEP,
};

struct console {
	struct consoles	*cs;
	console_out_fn	*out;		/* NULL: a scenario, tracing */
	void		*arg;
	struct sproc	*self;		/* the client it serves */
	struct console	*next;

	struct script	 script;
	unsigned	 pos, lineno;
	int		 stop_when_done;
	int		 done;
	int		 quit;

	enum wait	 wait;
	char		 target[MIPC_NAME_MAX + 1];	/* the child waited on */
	uint64_t	 gen;		/* and which spawn of that name */
	uint64_t	 seq;		/* W_SEND: its line number at the child */
	int		 amp;
	int64_t		 deadline;	/* W_SEND, W_WAIT: when --timeout is up;
					   W_SLEEP: when it is over */
	int		 is_expect;	/* the line in progress is an expect */

	char		 last[2 * MIPC_ANSWER_MAX];	/* answer to the last non-expect line */
	unsigned	 held, failed;		/* expects */
};

void
console_init(struct consoles *cs, struct procs *ps, struct serve *sv,
    struct trace *trace, unsigned timeout_ms, int no_time)
{
	memset(cs, 0, sizeof *cs);
	cs->ps = ps;
	cs->sv = sv;
	cs->trace = trace;
	cs->log = sv->log;
	cs->timeout_ms = timeout_ms;
	cs->no_time = no_time;
	cs->now = sv->now;
}

/* ----- output ----- */

/* A line of output of the line in progress ("| ..." or its answer). */
static void
out(struct console *c, const char *s)
{
	if (c->out != NULL)
		c->out(c->arg, s, strlen(s));
	else
		trace_log(c->cs->trace, "%s", s);
}

static void
out_listing(void *arg, const char *s)
{
	struct console *c = arg;
	char line[MIPC_ANSWER_MAX + 4];

	snprintf(line, sizeof line, "| %s", s);
	out(c, line);
}

/* The line in progress is over: answer it. */
static void
finish(struct console *c, const char *answer)
{
	if (!c->is_expect)
		snprintf(c->last, sizeof c->last, "%s", answer);
	c->wait = W_NONE;
	c->target[0] = '\0';
	out(c, answer);
}

static void __attribute__((format(printf, 3, 4)))
expect_result(struct console *c, int held, const char *fmt, ...)
{
	char what[MIPC_ANSWER_MAX], ans[2 * MIPC_ANSWER_MAX];
	va_list ap;

	if (held) {
		c->held++;
		finish(c, "OK");
		return;
	}
	c->failed++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->out == NULL)
		snprintf(ans, sizeof ans, "ERR EINVAL expect failed at %s:%u: %s",
		    c->script.path, c->lineno, what);
	else
		snprintf(ans, sizeof ans, "ERR EINVAL expect failed: %s", what);
	finish(c, ans);
}

/* ----- times ----- */

/*
 * How long a line waits for a process to do its part: to send the line it
 * was given, to exit or stop on a signal.  --timeout is a server's time to
 * answer; a short one, to see ETIMEDOUT sooner, must not make a running
 * process look stuck on a busy machine, so this is never under the time a
 * child has to write its log before a kill.
 */
static unsigned
proc_wait_ms(const struct consoles *cs)
{
	return cs->timeout_ms > MIPC_SYNC_MS ? cs->timeout_ms : MIPC_SYNC_MS;
}

/*
 * How long a line waits for its child to send what it was given.  A stopped
 * child never will: --timeout, as for a server.  A running one will unless
 * the machine is very busy, so it has proc_wait_ms.
 */
static unsigned
send_wait_ms(const struct consoles *cs, const struct child *t)
{
	return t->state == CHILD_STOPPED ? cs->timeout_ms : proc_wait_ms(cs);
}

/* When that wait is over: c->deadline is when --timeout is. */
static int64_t
send_deadline(const struct console *c, const struct child *t)
{
	return c->deadline - c->cs->timeout_ms + send_wait_ms(c->cs, t);
}

static int
stopping_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static int
ending_signal(int sig)
{
	return sig != SIGCONT && sig != SIGCHLD && !stopping_signal(sig) &&
	    sig != SIGPIPE;
}

/* ----- the verbs ----- */

/* A scenario is over: `mipc run` goes on to its next file, a kernel started
   with --scenario serves on. */
static void
scenario_end(struct console *c)
{
	c->done = 1;
	if (c->stop_when_done) {
		c->cs->finished = 1;	/* mipc run sums it up itself */
		return;
	}
	trace_log(c->cs->trace, "== %s: %u expect%s held, %u failed; serving on",
	    c->script.path, c->held, c->held == 1 ? "" : "s", c->failed);
}

/* A scenario ends at its line verb: the trace says how many lines after it
   (not counting comments and blank lines) do not run. */
static void
say_unrun(struct console *c, const char *verb)
{
	unsigned n = 0;

	for (unsigned i = c->pos; i < c->script.n; i++) {
		enum line_kind k = gram_kind(c->script.lines[i], c->script.lens[i]);
		n += k != LINE_BLANK && k != LINE_COMMENT;
	}
	if (n > 0)
		trace_log(c->cs->trace, "== %s at line %u: the %u line%s after it do%s "
		    "not run", verb, c->lineno, n, n == 1 ? "" : "s", n == 1 ? "es" : "");
}

/*
 * A spawn in a scenario that fails, with no `expect err` right after it, fails
 * the run: the rest of the file would run without the process it needs, and
 * pass by mistake.
 */
static void
check_spawn(struct console *c, const char *ans)
{
	struct cmd next;
	char why[320];

	if (c->out != NULL || strncmp(ans, "ERR ", 4) != 0)
		return;
	for (unsigned i = c->pos; i < c->script.n; i++) {
		if (gram_parse(c->script.lines[i], c->script.lens[i], &next, why,
		    sizeof why) == -1 || next.verb == V_NONE)
			continue;
		if (next.verb == V_EXPECT_ERR)
			return;
		break;
	}
	c->failed++;
	trace_log(c->cs->trace, "== %s:%u: the spawn failed and no expect err follows "
	    "it: the run fails", c->script.path, c->lineno);
}

/* Runs one line.  It finishes at once or leaves a wait behind. */
static void
exec(struct console *c, const struct cmd *cmd)
{
	struct consoles *cs = c->cs;
	char ans[MIPC_ANSWER_MAX];
	struct child *t = NULL;

	c->is_expect = gram_is_expect(cmd->verb);
	if (c->is_expect) {
		char why[2 * MIPC_ANSWER_MAX];
		int held = expect_check(cmd, c->last, cs->ps, &cs->sv->route, why,
		    sizeof why);
		expect_result(c, held, "%s", why);
		return;
	}
	switch (cmd->verb) {
	case V_SEND: case V_WAIT: case V_KILL:
		if ((t = proc_find(cs->ps, cmd->name)) == NULL) {
			snprintf(ans, sizeof ans, "ERR ENOENT no process named %s", cmd->name);
			finish(c, ans);
			return;
		}
		snprintf(c->target, sizeof c->target, "%s", t->name);
		c->gen = t->gen;
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
		finish(c, "ERR EINVAL a scenario has no pid of its own: write NAME: LINE");
		return;
	case V_SPAWN:
		(void)proc_spawn(cs->ps, &cmd->ccfg, ans, sizeof ans);
		finish(c, ans);
		check_spawn(c, ans);
		return;
	case V_SEND:
		if (t->state == CHILD_DEAD || t->sp.peer.cut != NULL) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s is not running (it %s)",
			    t->name, t->why[0] ? t->why : "was cut off");
			finish(c, ans);
			return;
		}
		c->seq = proc_run(cs->ps, t, cmd->arg, cmd->arglen, !cmd->amp);
		c->wait = W_SEND;
		c->amp = cmd->amp;
		c->deadline = *cs->now + cs->timeout_ms;
		return;
	case V_WAIT:
		c->wait = W_WAIT;
		c->deadline = *cs->now + cs->timeout_ms;
		return;
	case V_KILL:
		if (t->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s is not running (it %s)",
			    t->name, t->why);
			finish(c, ans);
			return;
		}
		proc_kill(cs->ps, t, cmd->sig);
		c->wait = W_KILL;
		return;
	case V_DUMP:
		route_dump(&cs->sv->route, out_listing, c);
		finish(c, "OK");
		return;
	case V_SLEEP:
		c->wait = W_SLEEP;
		c->deadline = *cs->now + cmd->ms;
		return;
	case V_MONITOR: {
		char err[256];
		if (c->self == NULL) {
			finish(c, "ERR EINVAL monitor is for a client of a running kernel: "
			    "use mipc monitor, or mipc chart after the run");
			return;
		}
		if (record_watch(&cs->sv->record, &c->self->peer, cmd->arg, cmd->arglen,
		    err, sizeof err) == -1) {
			snprintf(ans, sizeof ans, "ERR EINVAL %s", err);
			finish(c, ans);
			return;
		}
		finish(c, "OK monitoring");
		return;
	}
	case V_PS:
		show_ps(cs->sv, c->self, cs->no_time, out_listing, c);
		finish(c, "OK");
		return;
	default:	/* the expects, above */
		return;
	case V_HELP:
		gram_help(out_listing, c);
		finish(c, "OK");
		return;
	case V_QUIT:
		finish(c, "OK bye");
		if (c->out != NULL) {
			c->quit = 1;
			return;
		}
		say_unrun(c, "quit");
		scenario_end(c);	/* as if the file ended here */
		return;
	case V_SHUTDOWN:
		finish(c, "OK shutting down");
		if (c->out == NULL)
			say_unrun(c, "shutdown");
		cs->shutdown = 1;
		c->done = 1;
		return;
	}
}

/* ----- waiting ----- */

/* Finishes the line in progress if what it waits for has happened. */
static void
check(struct console *c)
{
	struct consoles *cs = c->cs;
	struct child *t = NULL;
	const char *a;
	char ans[MIPC_ANSWER_MAX];

	if (c->wait == W_NONE || c->wait == W_SLEEP) {
		if (c->wait == W_SLEEP && *cs->now >= c->deadline)
			finish(c, "OK");
		return;
	}
	if ((t = proc_find_gen(cs->ps, c->target, c->gen)) == NULL) {
		snprintf(ans, sizeof ans, "ERR ESRCH %s is gone", c->target);
		finish(c, ans);
		return;
	}
	switch (c->wait) {
	case W_SEND:
		if (c->amp && t->nrecv >= c->seq) {
			finish(c, "OK sent; its answer comes later (wait NAME)");
		} else if (!c->amp && (a = proc_answer(t, c->seq)) != NULL) {
			snprintf(ans, sizeof ans, "%s", a);
			proc_unwait(t, c->seq);
			finish(c, ans);
		} else if (t->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s %s before it was answered",
			    t->name, t->why);
			proc_unwait(t, c->seq);
			finish(c, ans);
		} else if (t->nrecv < c->seq && *cs->now >= send_deadline(c, t)) {
			snprintf(ans, sizeof ans, "ERR ETIMEDOUT %s did not send the line "
			    "within %u ms (is it stopped?)", t->name, send_wait_ms(cs, t));
			/* Answered so, the line must not run if it comes later. */
			proc_forsake(t, c->seq);
			proc_unwait(t, c->seq);
			finish(c, ans);
		}
		return;
	case W_WAIT:
		if (t->nanswered >= t->nforward) {
			finish(c, t->nanswered > 0 ? t->last : "OK nothing was sent");
		} else if (t->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "ERR ESRCH %s %s before its answers came",
			    t->name, t->why);
			finish(c, ans);
		} else if (t->nrecv < t->nforward && *cs->now >= send_deadline(c, t)) {
			snprintf(ans, sizeof ans, "ERR ETIMEDOUT %s did not send its lines "
			    "within %u ms (is it stopped?)", t->name, send_wait_ms(cs, t));
			/* The lines not sent yet are other consoles': each
			   gives up on its own when its time is up. */
			finish(c, ans);
		}
		return;
	case W_KILL:
		switch (t->kill) {
		case KILL_SYNCING:
		case KILL_NONE:
			return;		/* proc.c sends the signal */
		case KILL_FAILED:
			snprintf(ans, sizeof ans, "ERR ESRCH %s", t->kill_err);
			finish(c, ans);
			return;
		case KILL_SENT:
			break;
		}
		if (t->state == CHILD_DEAD) {
			snprintf(ans, sizeof ans, "OK %s %s", t->name, t->why);
			finish(c, ans);
		} else if (!ending_signal(t->kill_sig) && !stopping_signal(t->kill_sig)) {
			snprintf(ans, sizeof ans, "OK %s sent to %s", sig_name(t->kill_sig),
			    t->name);
			finish(c, ans);
		} else if (stopping_signal(t->kill_sig) && t->state == CHILD_STOPPED) {
			snprintf(ans, sizeof ans, "OK %s stopped by %s", t->name,
			    sig_name(t->kill_sig));
			finish(c, ans);
		} else if (*cs->now >= t->kill_sent_at + proc_wait_ms(cs)) {
			snprintf(ans, sizeof ans, "ERR ETIMEDOUT %s did not %s within %u ms",
			    t->name, stopping_signal(t->kill_sig) ? "stop" : "exit",
			    proc_wait_ms(cs));
			finish(c, ans);
		}
		return;
	default:
		return;
	}
}

/* Runs a scenario's lines until one has to wait. */
static void
step(struct console *c)
{
	struct consoles *cs = c->cs;

	while (!c->done && c->wait == W_NONE && !cs->shutdown) {
		struct cmd cmd;
		char why[320];

		if (c->pos >= c->script.n) {
			scenario_end(c);
			return;
		}
		c->lineno = c->pos + 1;
		const char *line = c->script.lines[c->pos];
		size_t len = c->script.lens[c->pos++];
		if (gram_parse(line, len, &cmd, why, sizeof why) == -1)
			continue;	/* script_load reported it already */
		if (cmd.verb == V_NONE) {
			if (memchr(line, '#', len) != NULL)
				trace_log(cs->trace, "%s", line);
			continue;
		}
		trace_log(cs->trace, "> %s", line);
		exec(c, &cmd);
		check(c);
	}
}

int
console_run(struct consoles *cs)
{
	int ran = 0;

	for (struct console *c = cs->list; c != NULL; c = c->next) {
		enum wait was = c->wait;
		unsigned pos = c->pos;
		check(c);
		if (c->out == NULL)
			step(c);
		ran |= c->wait != was || c->pos != pos;
	}
	return ran;
}

int64_t
console_deadline(const struct consoles *cs)
{
	int64_t d = -1;

	for (const struct console *c = cs->list; c != NULL; c = c->next) {
		struct child *t = NULL;
		int64_t cd = -1;
		if (c->wait == W_SLEEP)
			cd = c->deadline;
		else if (c->wait != W_NONE &&
		    (t = proc_find_gen(cs->ps, c->target, c->gen)) != NULL) {
			if (c->wait == W_SEND && t->nrecv < c->seq)
				cd = send_deadline(c, t);
			else if (c->wait == W_WAIT && t->nrecv < t->nforward)
				cd = send_deadline(c, t);
			else if (c->wait == W_KILL && t->kill == KILL_SENT)
				cd = t->kill_sent_at + proc_wait_ms(cs);
		}
		if (cd != -1 && (d == -1 || cd < d))
			d = cd;
	}
	return d;
}

/* ----- sessions ----- */

static struct console *
console_add(struct consoles *cs)
{
	struct console *c = calloc(1, sizeof *c), **cc;

	if (c == NULL)
		return NULL;
	c->cs = cs;
	/* Appended: scenarios and clients run in the order they came. */
	for (cc = &cs->list; *cc != NULL; cc = &(*cc)->next)
		;
	*cc = c;
	return c;
}

struct console *
console_new(struct consoles *cs, console_out_fn *outfn, void *arg, struct sproc *self)
{
	struct console *c = console_add(cs);

	if (c != NULL) {
		c->out = outfn;
		c->arg = arg;
		c->self = self;
	}
	return c;
}

struct console *
console_scenario(struct consoles *cs, struct script *s, int stop_when_done)
{
	struct console *c = console_add(cs);

	if (c != NULL) {
		c->script = *s;
		memset(s, 0, sizeof *s);
		c->stop_when_done = stop_when_done;
	}
	return c;
}

void
console_free(struct consoles *cs, struct console *c)
{
	struct child *t;

	for (struct console **cc = &cs->list; *cc != NULL; cc = &(*cc)->next)
		if (*cc == c) {
			*cc = c->next;
			break;
		}
	if (c->wait == W_SEND && (t = proc_find_gen(cs->ps, c->target, c->gen)) != NULL)
		proc_unwait(t, c->seq);
	script_free(&c->script);
	free(c);
}

void
console_free_all(struct consoles *cs)
{
	while (cs->list != NULL)
		console_free(cs, cs->list);
}

void
console_line(struct console *c, const char *line, size_t len)
{
	struct cmd cmd;
	char why[320], ans[MIPC_ANSWER_MAX];

	logw_printf(c->cs->log, "console: %.*s", (int)len, line);
	if (gram_parse(line, len, &cmd, why, sizeof why) == -1) {
		snprintf(ans, sizeof ans, "ERR EINVAL %s", why);
		c->is_expect = 0;
		finish(c, ans);
		return;
	}
	exec(c, &cmd);
	check(c);
}

void
console_stop(struct consoles *cs)
{
	for (struct console *c = cs->list; c != NULL; c = c->next)
		if (c->out != NULL && c->wait != W_NONE)
			finish(c, "ERR ECONNRESET the kernel stopped before this line "
			    "was done");
}

int
console_busy(const struct console *c)
{
	return c != NULL && c->wait != W_NONE;
}

int
console_quit(const struct console *c)
{
	return c->quit;
}

void
console_note_answer(struct console *c, const char *text, size_t n)
{
	snprintf(c->last, sizeof c->last, "%.*s", (int)n, text);
}

void
console_counts(const struct console *c, unsigned *held, unsigned *failed)
{
	*held = c->held;
	*failed = c->failed;
}
