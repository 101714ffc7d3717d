/*
 * protocol.c - the kernel's side of the child protocol: what a child's
 * lines mean, and what it is told.
 *
 * A child sends "> LINE" (a line the console had it send), "+ LINE" (a
 * request of its own), "? LINE" (a blocking call), "= REPLY" (its answer to
 * its oldest delivery) and "~ synced"; anything else breaks the protocol
 * and is answered ERR EINVAL.  What it is told (a delivery, a notice, an
 * answer no console line waits for) goes to the log and the trace as
 * "  NAME <- LINE".  These are the operations serve.c calls a child's by;
 * its life (state, signals, reaping) is proc.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "proc.h"
#include "protocol.h"
#include "proto.h"
#include "trace.h"

static struct child *
child_of(struct sproc *sp)
{
	return (struct child *)sp;	/* sp is a child's first member */
}

static int
child_line(struct sproc *sp, const char *line, size_t len)
{
	struct child *c = child_of(sp);
	struct procs *ps = c->ps;
	const char *rest;
	size_t n;

	switch (proto_kind(line, len, &rest, &n)) {
	case PROTO_RAN:
		if (c->nrecv >= c->nforward) {
			/* No console line waits for it.  Counted as one, it
			   would put the console's lines one off: the next would
			   wait for the answer this one had. */
			logw_printf(ps->log, "%s sent a console line no console line "
			    "asked for: %.*s", c->name, (int)(n > 200 ? 200 : n), rest);
			serve_refuse(ps->sv, sp, line, len, "ERR EINVAL a '> ' line, but "
			    "no console line waits for one (a request of your own is "
			    "'+ LINE')", 0);
			break;
		}
		if (++c->nrecv <= c->nforsaken) {
			/* Stopped, it sends only now a line the console has
			   answered ETIMEDOUT: it does not run late. */
			logw_printf(ps->log, "%s sent, too late: %.*s: dropped", c->name,
			    (int)n, rest);
			serve_refuse(ps->sv, sp, rest, n, "ERR ETIMEDOUT sent after the "
			    "console had given up on this line", c->nrecv);
		} else {
			serve_request(ps->sv, sp, rest, n, c->nrecv, 0);
		}
		break;
	case PROTO_SEND:
		serve_request(ps->sv, sp, rest, n, 0, 0);
		break;
	case PROTO_CALL:
		serve_request(ps->sv, sp, rest, n, 0, ROUTE_CALL);
		break;
	case PROTO_REPLY:
		if (n > MIPC_ANSWER_MAX - 4) {
			/* Its sender's answer, OK and the reply, would not fit in
			   an answer line: refused whole, never cut.  The delivery
			   waits for a reply that fits. */
			char why[96];
			snprintf(why, sizeof why, "ERR EMSGSIZE reply is %zu bytes, at most "
			    "%d allowed", n, MIPC_ANSWER_MAX - 4);
			serve_refuse(ps->sv, sp, line, len, why, 0);
			break;
		}
		if (serve_reply(ps->sv, sp, rest, n) == -1) {
			logw_printf(ps->log, "%s answered nothing: %.*s", c->name,
			    (int)len, line);
			serve_refuse(ps->sv, sp, line, len, "ERR EINVAL a reply, but no "
			    "delivery waits for one (each is answered once)", 0);
		}
		break;
	case PROTO_SYNCED:
		proc_synced(ps, c);
		break;
	default:
		logw_printf(ps->log, "%s broke the protocol: %.*s", c->name,
		    (int)(len > 200 ? 200 : len), line);
		serve_refuse(ps->sv, sp, line, len, "ERR EINVAL not a line of the child "
		    "protocol: expected '+ ', '? ', '= ', '> ' or '~ synced'", 0);
		break;
	}
	return 0;
}

static void
child_toolong(struct sproc *sp)
{
	struct child *c = child_of(sp);

	/* Not in the console's count: a line the console gives a process is
	   at most MIPC_LINE_MAX bytes with its "! ", and as long sent back,
	   so an over-long line is the process's own.  Counted, it would
	   put the console's lines one off: the next would wait for the
	   answer this one had. */
	serve_refuse(c->ps->sv, sp, NULL, 0, "ERR EMSGSIZE line longer than 1024 "
	    "bytes, skipped up to the next newline", 0);
}

/* Its end of file: it is exiting; the reaper finishes it off. */
static void
child_eof(struct sproc *sp, int err)
{
	(void)sp;
	(void)err;
}

/* It stopped reading: it is killed, and leaves when it is reaped. */
static void
child_cut(struct sproc *sp, const char *why)
{
	struct child *c = child_of(sp);

	(void)why;
	if (kill(c->ospid, SIGKILL) == -1)
		logw_printf(c->ps->log, "kill %ld: %s", (long)c->ospid, strerror(errno));
}

/* "  NAME <- LINE", a line a child is sent (a delivery, a notice, an answer
   no console line waits for), to the log and the trace. */
static void
told_line(struct child *c, const char *text, size_t n)
{
	struct logw_part line[] = { LOGW_PART("  "), { c->name, strlen(c->name) },
	    LOGW_PART(" <- "), { text, n } };

	logw_parts(c->ps->log, line, 4);
	if (trace_on(c->ps->trace))
		trace_out(c->ps->trace, "  %s <- %.*s", c->name, (int)n, text);
}

static void
child_told(struct sproc *sp, const struct fx *fx)
{
	struct child *c = child_of(sp);

	if (fx->kind == FX_DELIVER)
		seen_add(&c->seen, fx->msg, fx->msglen);
	told_line(c, fx->text, fx->textlen);
}

static void
child_answered(struct sproc *sp, const char *text, size_t n, uint64_t tag)
{
	struct child *c = child_of(sp);
	int code = 0;

	if (n >= 4 && memcmp(text, "ERR ", 4) == 0) {
		code = err_from_name(text + 4, strcspn(text + 4, " "));
		if (code < 0)
			code = E_EINVAL;
	}
	c->got |= 1u << code;
	if (tag == 0)
		return;		/* a line of its own */
	c->nanswered++;
	snprintf(c->last, sizeof c->last, "%.*s", (int)n, text);
	for (struct fwait *w = c->fwaits; w != NULL; w = w->next)
		if (w->seq == tag) {
			snprintf(w->text, sizeof w->text, "%.*s", (int)n, text);
			w->done = 1;
			return;
		}
	/* No console line waits for it (it ended in &, or was given up on):
	   the trace shows it as it comes. */
	told_line(c, text, n);
}

static void
child_departed(struct sproc *sp)
{
	proc_departed(child_of(sp));
}

const struct sproc_ops child_protocol = {
	child_line, child_toolong, child_eof, child_cut, child_told, child_answered,
	child_departed,
};
