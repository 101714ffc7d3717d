/*
 * serve.c - the simulated processes as the kernel serves them.
 *
 * route.c decides and reports its decisions as effects; this file carries
 * them out on the processes' peers: a delivery is written to its server, an
 * answer into the slot its sender's line took, a notice to whom it
 * concerns; and each decision goes into the event record.  Nothing here can
 * reach back into routing while routing is at work: a peer cut off by the
 * line that overflowed it is only queued to leave, and serve_departures()
 * releases it later, on consistent state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "request.h"
#include "serve.h"
#include "trace.h"

static void emit(void *ctx, const struct fx *fx);

/* ----- the peer's operations, for every kind of process ----- */

static int
on_line(void *arg, const char *line, size_t len)
{
	struct sproc *sp = arg;

	return sp->ops->line(sp, line, len);
}

static void
on_toolong(void *arg)
{
	struct sproc *sp = arg;

	sp->ops->toolong(sp);
}

static void
on_eof(void *arg, int err)
{
	struct sproc *sp = arg;

	sp->ops->eof(sp, err);
}

static void
on_cut(void *arg, const char *why)
{
	struct sproc *sp = arg;

	logw_printf(sp->sv->log, "%s %s: %zu bytes queued, cut off", serve_label(sp),
	    why, outq_size(&sp->peer.out));
	sp->ops->cut(sp, why);
}

static void
on_answer(void *arg, const char *text, size_t n, uint64_t re, uint64_t tag,
    int waited)
{
	struct sproc *sp = arg;
	struct logw_part line[] = { LOGW_PART("answer to "), { NULL, 0 },
	    LOGW_PART(": "), { text, n } };

	/* A server's OK to a delivered message is in the record (its reply
	   and its answer); kernel.log, which has the delivery, says only
	   what went wrong with one. */
	if (!waited || n < 2 || memcmp(text, "OK", 2) != 0) {
		serve_label(sp);
		line[1].s = sp->label;
		line[1].n = sp->label_len;
		logw_parts(sp->sv->log, line, 4);
	}
	if (re != 0) {
		struct event e;
		record_begin(&sp->sv->record, &e, EV_ANSWER);
		event_add_uint(&e, "pid", sp->rp.pid);
		event_add_uint(&e, "re", re);
		event_add_str(&e, "text", text, n);
		record_emit(&sp->sv->record, &e);
	}
	sp->ops->answered(sp, text, n, tag);
}

/* A delivery to a client has reached its socket: that is its answer. */
static void
on_written(void *arg)
{
	struct sproc *sp = arg;

	if (sp->alive)
		(void)route_answered(&sp->sv->route, &sp->rp, NULL, 0);
}

static const struct peer_ops sproc_peer_ops = {
	on_line, on_toolong, on_eof, on_cut, on_answer, on_written,
};

/* The record asks for names to match rules by. */
static const char *
name_of(void *ctx, uint64_t pid)
{
	return pid <= UINT32_MAX ? serve_name(ctx, (uint32_t)pid) : NULL;
}

/* ----- processes ----- */

int
serve_init(struct serve *sv, const struct route_config *rc, struct ev *ev,
    struct logw *log, struct trace *trace, const int64_t *now)
{
	memset(sv, 0, sizeof *sv);
	sv->peers.ev = ev;
	sv->peers.log = log;
	sv->log = log;
	sv->trace = trace;
	sv->now = now;
	sv->leaving_tail = &sv->leaving;
	record_init(&sv->record, -1, 1, 0, 0);
	return route_init(&sv->route, rc, emit, sv);
}

void
serve_free(struct serve *sv)
{
	route_free(&sv->route);
	record_close(&sv->record);
	free(sv->deadlock);
}

int
serve_add(struct serve *sv, struct sproc *sp, int fd, uint32_t pid, const char *name,
    const struct sproc_ops *ops)
{
	sp->sv = sv;
	sp->ops = ops;
	sp->name = name;
	sp->rp.pid = pid;
	sp->rp.owner = sp;
	sp->label[0] = '\0';
	sp->leaving = 0;
	sp->why[0] = '\0';
	if (route_proc_add(&sv->route, &sp->rp) == -1)
		return -1;
	sp->alive = 1;
	peer_open(&sv->peers, &sp->peer, fd, &sproc_peer_ops, sp);
	/* Appended: the list is in the order processes came (ps). */
	struct sproc **pp = &sv->procs;
	while (*pp != NULL && *pp != sp)
		pp = &(*pp)->next;
	if (*pp == NULL) {
		sp->next = NULL;
		*pp = sp;
	}
	sv->record.names.name = name_of;
	sv->record.names.ctx = sv;
	return 0;
}

void
serve_forget(struct serve *sv, struct sproc *sp)
{
	for (struct sproc **pp = &sv->procs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sp) {
			*pp = sp->next;
			break;
		}
	sp->next = NULL;
}

const char *
serve_label(struct sproc *sp)
{
	size_t size = sizeof sp->label;

	if (sp->label[0] != '\0' && sp->label_pid == sp->rp.pid)
		return sp->label;
	if (sp->name != NULL)
		snprintf(sp->label, size, "%s (pid %u)", sp->name, (unsigned)sp->rp.pid);
	else if (sp->rp.pid != 0)
		snprintf(sp->label, size, "client fd %d (pid %u)", sp->peer.fd,
		    (unsigned)sp->rp.pid);
	else
		snprintf(sp->label, size, "client fd %d", sp->peer.fd);
	sp->label_pid = sp->rp.pid;
	sp->label_len = strlen(sp->label);
	return sp->label;
}

const char *
serve_name(const struct serve *sv, uint32_t pid)
{
	struct rproc *rp = route_proc_find(&sv->route, pid);

	return rp != NULL ? ((struct sproc *)rp->owner)->name : NULL;
}

/* ----- lines ----- */

/* The `request` event of a line from sp; returns its seq. */
static uint64_t
request_event(struct serve *sv, struct sproc *sp, const char *line, size_t len)
{
	struct event e;
	uint32_t pid = sp->rp.pid;

	if (pid == 0 && line != NULL) {
		/* A client's first request claims its pid: name it so. */
		struct request req;
		char why[8];
		if (req_parse(line, len, &req, why, sizeof why) == E_OK &&
		    route_proc_find(&sv->route, req.pid) == NULL)
			pid = req.pid;
	}
	record_begin(&sv->record, &e, EV_REQUEST);
	event_add_uint(&e, "pid", pid);
	if (sp->name != NULL)
		event_add_str(&e, "name", sp->name, strlen(sp->name));
	if (line != NULL) {
		event_add_str(&e, "line", line, len);
	} else {
		event_add_str(&e, "line", "", 0);
		event_add_uint(&e, "toolong", 1);
	}
	return record_emit(&sv->record, &e);
}

/*
 * The "NAME sent: LINE" line of the request being routed, written before
 * anything else routing logs, or after it; a request delivered at once
 * has none: its delivery's line says who sent what to whom.
 */
static void
sent_line(struct serve *sv)
{
	struct sproc *sp = sv->sender;
	/* A NUL cuts the line in the log, as "%.*s" would (it is refused). */
	const char *nul = memchr(sv->sent, '\0', sv->sentlen);
	struct logw_part logged[] = { { NULL, 0 }, LOGW_PART(" sent: "),
	    { sv->sent, nul != NULL ? (size_t)(nul - sv->sent) : sv->sentlen } };

	if (sp == NULL)
		return;
	sv->sender = NULL;
	serve_label(sp);
	logged[0].s = sp->label;
	logged[0].n = sp->label_len;
	logw_parts(sv->log, logged, 3);
}

void
serve_request(struct serve *sv, struct sproc *sp, const char *line, size_t len,
    uint64_t tag, unsigned flags)
{
	struct route_result res;

	sv->sender = sp;
	sv->sent = line;
	sv->sentlen = len;
	/* The slot is there before routing can answer into it. */
	uint64_t slot = peer_slot(&sp->peer, request_event(sv, sp, line, len), tag);
	route_line(&sv->route, &sp->rp, line, len, *sv->now, flags, &res);
	sent_line(sv);
	if (res.pending != 0)
		peer_slot_wait(&sp->peer, slot, res.pending);
	else
		peer_slot_answer(&sp->peer, slot, res.text, strlen(res.text));
}

void
serve_refuse(struct serve *sv, struct sproc *sp, const char *line, size_t len,
    const char *text, uint64_t tag)
{
	peer_answer(&sp->peer, text, strlen(text), request_event(sv, sp, line, len), tag);
}

int
serve_reply(struct serve *sv, struct sproc *sp, const char *text, size_t n)
{
	return route_answered(&sv->route, &sp->rp, text, n);
}

/* ----- what routing decided ----- */

/* The name of rp for a report: a child's NAME, a client's label. */
static const char *
report_name(struct rproc *rp)
{
	struct sproc *sp = rp->owner;

	return sp->name != NULL ? sp->name : serve_label(sp);
}

/*
 * A deadlock: the trace and kernel.log say who waits for whom, as a thread
 * dump does, one line per process with the port, the message and how long
 * it has waited; the record has its cycle; `expect deadlock` its names.
 */
static void
deadlock(struct serve *sv, const struct fx *fx)
{
	char line[MIPC_ANSWER_MAX * 2];
	uint64_t pids[MIPC_SLOTS_MAX + 1];
	unsigned n = fx->nring, shown = n < MIPC_SLOTS_MAX ? n : MIPC_SLOTS_MAX, k;
	const char *first = report_name(fx->ring[0]);
	/* What the names may take: the rest of the line, a time of day in
	   front of it in the trace, and room for the end. */
	size_t room = sizeof line - 96 - strlen(first);
	size_t w = (size_t)snprintf(line, sizeof line, "* deadlock: %s", first);
	struct event e;

	for (k = 1; k < n; k++) {
		const char *name = report_name(fx->ring[k]);
		if (w + 4 + strlen(name) > room)
			break;
		w += (size_t)snprintf(line + w, sizeof line - w, " -> %s", name);
	}
	/* A cycle too long for a line is cut where the line says so: the
	   lines below name every process. */
	if (k < n)
		w += (size_t)snprintf(line + w, sizeof line - w, " -> ... (%u more, "
		    "each below)", n - k);
	snprintf(line + w, sizeof line - w, " -> %s", first);
	trace_log(sv->trace, "%s", line);
	for (unsigned i = 0; i < n; i++) {
		struct rproc *p = fx->ring[i], *next = fx->ring[(i + 1) % n];
		const struct msg *m = p->call;
		/* The first waits in the call that closed the cycle: not yet
		   its call, the effect has it. */
		uint64_t id = record_msg(&sv->record, i == 0 ? fx->id : m->id);
		uint16_t port = i == 0 ? fx->port : m->port;
		const char *text = i == 0 ? fx->msg : m->text;
		size_t tn = i == 0 ? fx->msglen : m->textlen;
		w = (size_t)snprintf(line, sizeof line, "| %s (pid %lu) waits for %s "
		    "(pid %lu) on port %u: message %llu \"%.*s\"", report_name(p),
		    (unsigned long)p->pid, report_name(next), (unsigned long)next->pid,
		    port, (unsigned long long)id, (int)tn, text);
		if (!sv->trace->no_time && w < sizeof line)
			snprintf(line + w, sizeof line - w, ", for %lld ms",
			    (long long)(i == 0 ? 0 : *sv->now - m->sent));
		trace_log(sv->trace, "%s", line);
	}
	for (unsigned i = 0; i < shown; i++)
		pids[i] = fx->ring[i]->pid;
	record_begin(&sv->record, &e, EV_DEADLOCK);
	event_add_uints(&e, "cycle", pids, shown);
	record_emit(&sv->record, &e);
	free(sv->deadlock);
	sv->ndeadlock = 0;
	if ((sv->deadlock = calloc(n, sizeof *sv->deadlock)) == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		snprintf(sv->deadlock[sv->ndeadlock++], sizeof *sv->deadlock, "%s",
		    report_name(fx->ring[i]));
}

/* Carries out one effect of route.c. */
static void
emit(void *ctx, const struct fx *fx)
{
	struct serve *sv = ctx;
	struct sproc *sp = fx->to != NULL ? fx->to->owner : NULL;
	struct event e;

	if (sv->sender != NULL) {
		if (fx->kind == FX_DELIVER && fx->from == sv->sender->rp.pid)
			sv->sender = NULL;	/* the delivery says it */
		else
			sent_line(sv);		/* first, in the order it came */
	}
	switch (fx->kind) {
	case FX_DELIVER:
		record_begin(&sv->record, &e, EV_DELIVER);
		event_add_uint(&e, "msg", record_msg(&sv->record, fx->id));
		event_add_uint(&e, "from", fx->from);
		event_add_uint(&e, "to", fx->to->pid);
		event_add_uint(&e, "port", fx->port);
		event_add_str(&e, "text", fx->msg, fx->msglen);
		record_emit(&sv->record, &e);
		record_ends(&sv->record, record_msg(&sv->record, fx->id), fx->from,
		    fx->to->pid);
		sp->ops->told(sp, fx);
		if (peer_send(&sp->peer, fx->text, fx->textlen) == 0 && sp->name == NULL)
			peer_mark(&sp->peer);	/* a client's answer: once written */
		break;
	case FX_NOTICE:
		record_begin(&sv->record, &e, EV_NOTICE);
		event_add_uint(&e, "to", fx->to->pid);
		event_add_str(&e, "text", fx->text, fx->textlen);
		record_emit(&sv->record, &e);
		sp->ops->told(sp, fx);
		(void)peer_send(&sp->peer, fx->text, fx->textlen);
		break;
	case FX_ANSWER:
		(void)peer_answer_id(&sp->peer, fx->id, fx->text, fx->textlen);
		break;
	case FX_REPLY:
		record_begin(&sv->record, &e, EV_REPLY);
		event_add_uint(&e, "msg", record_msg(&sv->record, fx->id));
		event_add_str(&e, "text", fx->text, fx->textlen);
		record_emit(&sv->record, &e);
		break;
	case FX_DROP: {
		const char *code = err_name(fx->code);
		record_begin(&sv->record, &e, EV_DROP);
		event_add_uint(&e, "msg", record_msg(&sv->record, fx->id));
		event_add_uint(&e, "from", fx->from);
		event_add_uint(&e, "port", fx->port);
		event_add_str(&e, "code", code, strlen(code));
		event_add_str(&e, "reason", fx->text, fx->textlen);
		record_emit(&sv->record, &e);
		break;
	}
	case FX_DEADLOCK:
		deadlock(sv, fx);
		break;
	case FX_LOG:
		logw_printf(sv->log, "%s", fx->text);
		break;
	}
}

/* ----- departures ----- */

void
serve_leave(struct serve *sv, struct sproc *sp, const char *why)
{
	if (!sp->alive || sp->leaving)
		return;
	sp->leaving = 1;
	snprintf(sp->why, sizeof sp->why, "%s", why);
	sp->next_leaving = NULL;
	*sv->leaving_tail = sp;
	sv->leaving_tail = &sp->next_leaving;
}

int
serve_leaving(const struct serve *sv)
{
	return sv->leaving != NULL;
}

/* A request of a process that left is answered in the record, for nobody:
   every request has its answer, the last word on what became of it. */
static void
unanswered(void *arg, uint64_t re)
{
	struct sproc *sp = arg;
	struct event e;
	char text[160];
	int n;

	if (re == 0)
		return;
	n = snprintf(text, sizeof text, "ERR ESRCH pid %lu %s before its answer",
	    (unsigned long)sp->rp.pid, sp->why);
	record_begin(&sp->sv->record, &e, EV_ANSWER);
	event_add_uint(&e, "pid", sp->rp.pid);
	event_add_uint(&e, "re", re);
	event_add_str(&e, "text", text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
	event_add_uint(&e, "gone", 1);
	record_emit(&sp->sv->record, &e);
}

/*
 * Each process that left releases what it held, as if it had removed its
 * ports and links, its peer is closed, and its owner has the last word.
 * Releasing one can cut off others (the notices it sends); they join the
 * queue and go after it, each on a state that is whole.
 */
void
serve_departures(struct serve *sv)
{
	struct sproc *sp;

	while ((sp = sv->leaving) != NULL) {
		if ((sv->leaving = sp->next_leaving) == NULL)
			sv->leaving_tail = &sv->leaving;
		sp->next_leaving = NULL;
		logw_printf(sv->log, "%s %s", serve_label(sp), sp->why);
		route_proc_gone(&sv->route, &sp->rp, sp->why);
		peer_owed_each(&sp->peer, unanswered, sp);
		sp->alive = 0;
		sp->leaving = 0;
		record_unwatch(&sv->record, &sp->peer);
		peer_close(&sp->peer);
		sp->ops->departed(sp);
	}
}

/* ----- output ----- */

/*
 * Writes what every peer has queued, and the event record's new lines.  A
 * delivery that reaches a client's socket answers its sender, which queues
 * more output (hence the rounds).
 */
void
serve_flush(struct serve *sv)
{
	int again = 1;

	for (int round = 0; again && round < 8; round++) {
		again = 0;
		for (struct peer *p = sv->peers.list; p != NULL; p = p->next) {
			unsigned marks = p->mark_n;
			(void)peer_flush(p);
			if (p->mark_n != marks)
				again = 1;
		}
	}
	record_flush(&sv->record);
}
