/*
 * route.c - the routing rules of the simulated kernel, with no I/O.
 *
 * The state is the process table (ptable.c), the mailbox queues (mbox.c) and
 * the messages in flight.  A message is delivered to its server the moment
 * it is sent and stays "in flight" until the server answers it; meanwhile it
 * sits in two lists:
 *
 *   - its server's delivery list (rproc.dhead), in delivery order, because a
 *     server answers its deliveries in the order it got them: the answer
 *     that comes in belongs to the head of that list;
 *   - the route's live list (thead), in the order messages were sent, which
 *     is also the order of their deadlines, since every message gets the
 *     same --timeout: the head is always the next to expire.
 *
 * A message whose sender has had its answer some other way (a timeout, its
 * link destroyed, its sender dead) is "abandoned": it leaves the live list
 * and its link's count, but stays in its server's delivery list, because the
 * server will still answer it, and that late answer must be matched to it
 * and dropped rather than given to the next message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "request.h"
#include "route.h"

#define MSG_CHUNK 64	/* message records allocated at a time */

struct msg_chunk {
	struct msg_chunk *next;
	struct msg	  m[MSG_CHUNK];
};

static void __attribute__((noreturn))
broken(const char *fn, const char *what)
{
	fprintf(stderr, "mipc: %s: internal error: %s\n", fn, what);
	abort();
}

/* Reports an effect whose text is formatted here. */
static void __attribute__((format(printf, 5, 6)))
emitf(struct route *r, enum fx_kind kind, struct rproc *to, uint64_t id,
    const char *fmt, ...)
{
	char text[MIPC_ANSWER_MAX];
	struct fx fx = { .kind = kind, .to = to, .id = id, .text = text };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fx.textlen = strlen(text);
	r->emit(r->ctx, &fx);
}

static void __attribute__((format(printf, 3, 4)))
answer(struct route_result *res, enum mipc_err code, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	res->code = code;
	res->pending = 0;
	if (code == E_OK)
		n = (size_t)snprintf(res->text, sizeof res->text, "OK ");
	else
		n = (size_t)snprintf(res->text, sizeof res->text, "ERR %s ",
		    err_name(code));
	va_start(ap, fmt);
	vsnprintf(res->text + n, sizeof res->text - n, fmt, ap);
	va_end(ap);
}

/*
 * For the texts made for every message: p advanced past s (n bytes).  The
 * caller sizes the buffer.
 */
static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* ----- message records ----- */

static struct msg *
msg_new(struct route *r)
{
	struct msg *m;

	if (r->free_msgs == NULL) {
		struct msg_chunk *c = malloc(sizeof *c);
		if (c == NULL)
			return NULL;
		c->next = r->chunks;
		r->chunks = c;
		for (int i = 0; i < MSG_CHUNK; i++) {
			c->m[i].snext = r->free_msgs;
			r->free_msgs = &c->m[i];
		}
	}
	m = r->free_msgs;
	r->free_msgs = m->snext;
	memset(m, 0, sizeof *m);
	return m;
}

static void
msg_free(struct route *r, struct msg *m)
{
	m->snext = r->free_msgs;
	r->free_msgs = m;
}

static void
live_unlink(struct route *r, struct msg *m)
{
	if (m->tprev != NULL)
		m->tprev->tnext = m->tnext;
	else
		r->thead = m->tnext;
	if (m->tnext != NULL)
		m->tnext->tprev = m->tprev;
	else
		r->ttail = m->tprev;
	m->tprev = m->tnext = NULL;
}

/* The message no longer counts as in flight (answered or abandoned). */
static void
settle(struct route *r, struct msg *m)
{
	int l = mbox_find(&r->mb, m->port, m->from);

	if (l >= 0 && r->mb.slot[l].qlen > 0)
		r->mb.slot[l].qlen--;
	if (r->inflight == 0)
		broken(__func__, "no message in flight");
	r->inflight--;
	live_unlink(r, m);
}

/* Its sender got its answer some other way; only the server's is awaited. */
static void
abandon(struct route *r, struct msg *m)
{
	settle(r, m);
	m->sender = NULL;
}

/* ----- processes ----- */

int
route_proc_add(struct route *r, struct rproc *rp)
{
	if (r->nprocs == r->procs_cap) {
		unsigned cap = r->procs_cap ? r->procs_cap * 2 : 16;
		struct rproc **p = realloc(r->procs, cap * sizeof *p);
		if (p == NULL)
			return -1;
		r->procs = p;
		r->procs_cap = cap;
	}
	rp->dhead = rp->dtail = NULL;
	r->procs[r->nprocs++] = rp;
	return 0;
}

struct rproc *
route_proc_find(const struct route *r, uint32_t pid)
{
	if (pid == 0)
		return NULL;
	for (unsigned i = 0; i < r->nprocs; i++)
		if (r->procs[i]->pid == pid)
			return r->procs[i];
	return NULL;
}

int
route_init(struct route *r, const struct route_config *cfg, route_emit_fn *emit,
    void *ctx)
{
	memset(r, 0, sizeof *r);
	r->cfg = *cfg;
	r->emit = emit;
	r->ctx = ctx;
	r->next_id = 1;
	if (ptable_init(&r->pt, cfg->slots) == -1 ||
	    mbox_init(&r->mb, cfg->slots) == -1) {
		route_free(r);
		return -1;
	}
	return 0;
}

void
route_free(struct route *r)
{
	struct msg_chunk *c = r->chunks;

	while (c != NULL) {
		struct msg_chunk *next = c->next;
		free(c);
		c = next;
	}
	ptable_free(&r->pt);
	mbox_free(&r->mb);
	free(r->procs);
	memset(r, 0, sizeof *r);
}

/*
 * Destroys link i: its messages in flight are answered ERR code (why) and
 * both ends are told.  The slot is only dropped: the caller compacts.
 */
static void
destroy_link(struct route *r, unsigned i, enum mipc_err code, const char *why)
{
	struct link lk = r->mb.slot[i];
	struct rproc *srv = route_proc_find(r, lk.server);
	struct rproc *cli = route_proc_find(r, lk.client);

	for (struct msg *m = srv ? srv->dhead : NULL; m != NULL; m = m->snext) {
		if (m->sender == NULL || m->port != lk.port || m->from != lk.client)
			continue;
		struct rproc *to = m->sender;
		uint64_t id = m->id;
		abandon(r, m);
		emitf(r, FX_ANSWER, to, id, "ERR %s link %u<-%lu destroyed: %s",
		    err_name(code), lk.port, (unsigned long)lk.client, why);
	}
	if (srv != NULL)
		emitf(r, FX_NOTICE, srv, 0, "* link %u<-%lu destroyed: %s", lk.port,
		    (unsigned long)lk.client, why);
	if (cli != NULL && cli != srv)
		emitf(r, FX_NOTICE, cli, 0, "* link %u<-%lu destroyed: %s", lk.port,
		    (unsigned long)lk.client, why);
	mbox_drop(&r->mb, i);
}

void
route_proc_gone(struct route *r, struct rproc *rp, const char *why)
{
	uint32_t pid = rp->pid;
	char reason[160];

	snprintf(reason, sizeof reason, "pid %lu %s", (unsigned long)pid, why);

	/* Its table entries go, as if it had removed them. */
	for (unsigned i = 0; pid != 0 && i < r->pt.high; i++)
		if (r->pt.slot[i].port != 0 && r->pt.slot[i].owner == pid)
			ptable_remove(&r->pt, i);

	/* What waited for its answer: answered ESRCH, then forgotten. */
	struct msg *m = rp->dhead;
	while (m != NULL) {
		struct msg *next = m->snext;
		if (m->sender != NULL) {
			struct rproc *to = m->sender;
			uint64_t id = m->id;
			abandon(r, m);
			if (to != rp)
				emitf(r, FX_ANSWER, to, id, "ERR ESRCH server %s", reason);
		}
		msg_free(r, m);
		m = next;
	}
	rp->dhead = rp->dtail = NULL;

	/* Its links, as server or client, in order. */
	for (unsigned i = 0; pid != 0 && i < r->mb.n; i++) {
		struct link lk = r->mb.slot[i];
		if (lk.server != pid && lk.client != pid)
			continue;
		struct rproc *srv = route_proc_find(r, lk.server);
		if (lk.server != pid && srv != NULL) {
			/* It was the client: what it sent is answered to nobody. */
			for (m = srv->dhead; m != NULL; m = m->snext) {
				if (m->sender == NULL || m->port != lk.port ||
				    m->from != pid)
					continue;
				abandon(r, m);
				emitf(r, FX_LOG, NULL, m->id, "message %llu from pid %lu "
				    "to port %u dropped: its sender is gone",
				    (unsigned long long)m->id, (unsigned long)pid, lk.port);
			}
		}
		uint32_t other = lk.server == pid ? lk.client : lk.server;
		struct rproc *o = other != pid ? route_proc_find(r, other) : NULL;
		if (o != NULL)
			emitf(r, FX_NOTICE, o, 0, "* link %u<-%lu destroyed: %s", lk.port,
			    (unsigned long)lk.client, reason);
		mbox_drop(&r->mb, i);
	}
	mbox_compact(&r->mb);

	for (unsigned i = 0; i < r->nprocs; i++)
		if (r->procs[i] == rp) {
			r->procs[i] = r->procs[--r->nprocs];
			break;
		}
}

/* ----- the requests ----- */

/* c: the sender registers port. */
static void
create(struct route *r, struct rproc *rp, uint16_t port, struct route_result *res)
{
	int t = ptable_find(&r->pt, port);
	int l = mbox_find_port(&r->mb, port, 0);

	if (t >= 0) {
		if (r->pt.slot[t].owner == rp->pid)
			answer(res, E_OK, "port %u already registered in slot %d", port, t);
		else
			answer(res, E_EADDRINUSE, "port %u is held by pid %lu", port,
			    (unsigned long)r->pt.slot[t].owner);
		return;
	}
	if (l >= 0 && r->mb.slot[l].server != rp->pid) {
		answer(res, E_EADDRINUSE, "port %u is held by pid %lu", port,
		    (unsigned long)r->mb.slot[l].server);
		return;
	}
	/* New, or held only through links: (again) in the table, to accept
	   another client. */
	if ((t = ptable_insert(&r->pt, port, rp->pid)) < 0) {
		answer(res, E_ENOSPC, "process table is full (%u slots)", r->pt.nslots);
		return;
	}
	answer(res, E_OK, "port %u registered in slot %d", port, t);
}

/* A send on an existing link: deliver it to the server now. */
static void
deliver(struct route *r, struct rproc *rp, unsigned l, const struct request *req,
    int64_t now, struct route_result *res)
{
	struct link *lk = &r->mb.slot[l];
	struct rproc *srv = route_proc_find(r, lk->server);
	struct msg *m;

	if (lk->qlen >= r->cfg.queue) {
		answer(res, E_EAGAIN, "queue of link %u<-%lu is full (%u message%s)",
		    lk->port, (unsigned long)lk->client, r->cfg.queue,
		    r->cfg.queue == 1 ? "" : "s");
		return;
	}
	if (srv == NULL)
		broken(__func__, "a link's server is not alive");
	if ((m = msg_new(r)) == NULL) {
		answer(res, E_EAGAIN, "out of memory for messages; try again");
		return;
	}
	m->id = r->next_id++;
	m->sender = rp;
	m->from = rp->pid;
	m->server = srv->pid;
	m->port = req->port;
	m->deadline = now + r->cfg.timeout_ms;
	if (srv->dtail != NULL)
		srv->dtail->snext = m;
	else
		srv->dhead = m;
	srv->dtail = m;
	m->tprev = r->ttail;
	if (r->ttail != NULL)
		r->ttail->tnext = m;
	else
		r->thead = m;
	r->ttail = m;
	lk->qlen++;
	r->inflight++;
	char text[PROTO_DELIVERY_MAX + 1];
	struct fx fx = { .kind = FX_DELIVER, .to = srv, .id = m->id, .text = text,
	    .msg = req->text, .msglen = req->len };
	fx.textlen = proto_delivery(text, req->text, req->len, rp->pid, req->port);
	r->emit(r->ctx, &fx);
	res->code = E_OK;
	res->pending = m->id;
	res->text[0] = '\0';
}

/* A plain request: link if there is no link yet, else send. */
static void
send_or_link(struct route *r, struct rproc *rp, const struct request *req,
    int64_t now, struct route_result *res)
{
	int l = mbox_find(&r->mb, req->port, rp->pid);
	int t;

	if (l >= 0) {
		deliver(r, rp, (unsigned)l, req, now, res);
		return;
	}
	if ((t = ptable_find(&r->pt, req->port)) < 0) {
		if (mbox_find_port(&r->mb, req->port, 0) >= 0)
			answer(res, E_ENOENT, "port %u is not registered (it is linked; its "
			    "owner must register it again with c)", req->port);
		else
			answer(res, E_ENOENT, "port %u is not registered", req->port);
		return;
	}
	if (r->mb.n == r->mb.nslots) {
		answer(res, E_ENOSPC, "mailbox array is full (%u slots)", r->mb.nslots);
		return;
	}
	/* The entry moves out of the table into the mailbox array. */
	uint32_t owner = r->pt.slot[t].owner;
	ptable_remove(&r->pt, (unsigned)t);
	l = mbox_add(&r->mb, req->port, owner, rp->pid);
	answer(res, E_OK, "linked %u<-%lu in mailbox slot %d", req->port,
	    (unsigned long)rp->pid, l);
}

/* r: the owner removes its entry; a server all its links, a client its own. */
static void
remove_port(struct route *r, struct rproc *rp, uint16_t port, struct route_result *res)
{
	int t = ptable_find(&r->pt, port);
	int first = mbox_find_port(&r->mb, port, 0);
	char why[64];

	if (t >= 0 && r->pt.slot[t].owner == rp->pid) {
		ptable_remove(&r->pt, (unsigned)t);
		answer(res, E_OK, "port %u removed from slot %d", port, t);
		return;
	}
	if (t < 0 && first < 0) {
		answer(res, E_ENOENT, "port %u is not held by any process", port);
		return;
	}
	snprintf(why, sizeof why, "removed by pid %lu", (unsigned long)rp->pid);
	if (first >= 0 && r->mb.slot[first].server == rp->pid) {
		unsigned n = 0;
		uint32_t client = r->mb.slot[first].client;
		for (int i = first; i >= 0; i = mbox_find_port(&r->mb, port, (unsigned)i)) {
			destroy_link(r, (unsigned)i, E_ECONNRESET, why);
			n++;
		}
		mbox_compact(&r->mb);
		if (n == 1)
			answer(res, E_OK, "link %u<-%lu destroyed", port,
			    (unsigned long)client);
		else
			answer(res, E_OK, "%u links on port %u destroyed", n, port);
		return;
	}
	int l = mbox_find(&r->mb, port, rp->pid);
	if (l >= 0) {
		destroy_link(r, (unsigned)l, E_ECONNRESET, why);
		mbox_compact(&r->mb);
		answer(res, E_OK, "link %u<-%lu destroyed", port, (unsigned long)rp->pid);
		return;
	}
	answer(res, E_EPERM, "pid %lu neither owns port %u nor is an end of a link "
	    "on it", (unsigned long)rp->pid, port);
}

void
route_line(struct route *r, struct rproc *rp, const char *line, size_t len,
    int64_t now_ms, struct route_result *res)
{
	struct request req;
	char why[160];
	enum mipc_err e;

	/* Not memset: this runs for every message, and text is long. */
	res->code = E_OK;
	res->pending = 0;
	res->text[0] = '\0';
	if ((e = req_parse(line, len, &req, why, sizeof why)) != E_OK) {
		answer(res, e, "%s", why);
		return;
	}
	/* Identity: a client's first request claims its pid; after that the
	   kernel knows who is talking and stamps the sender. */
	if (rp->pid == 0) {
		if (route_proc_find(r, req.pid) != NULL) {
			answer(res, E_EPERM, "pid %lu is held by another process",
			    (unsigned long)req.pid);
			return;
		}
		rp->pid = req.pid;
	}
	if (req.pid != rp->pid) {
		answer(res, E_EPERM, "pid %lu is not yours (you are pid %lu)",
		    (unsigned long)req.pid, (unsigned long)rp->pid);
		return;
	}
	switch (req.op) {
	case REQ_CREATE:
		create(r, rp, req.port, res);
		break;
	case REQ_SEND:
		send_or_link(r, rp, &req, now_ms, res);
		break;
	case REQ_REMOVE:
		remove_port(r, rp, req.port, res);
		break;
	}
}

int
route_answered(struct route *r, struct rproc *rp, const char *text, size_t len)
{
	struct msg *m = rp->dhead;

	if (m == NULL)
		return -1;
	rp->dhead = m->snext;
	if (rp->dhead == NULL)
		rp->dtail = NULL;
	if (m->sender == NULL) {
		emitf(r, FX_LOG, NULL, m->id, "late answer from pid %lu to message %llu "
		    "dropped", (unsigned long)rp->pid, (unsigned long long)m->id);
		msg_free(r, m);
		return 0;
	}
	struct rproc *to = m->sender;
	uint64_t id = m->id;
	uint16_t port = m->port;
	settle(r, m);
	msg_free(r, m);
	if (text == NULL)
		emitf(r, FX_ANSWER, to, id, "OK response written to port: %u", port);
	else if (len == 0)
		emitf(r, FX_ANSWER, to, id, "OK");
	else {
		char ok[MIPC_ANSWER_MAX], *e = ok;
		struct fx fx = { .kind = FX_ANSWER, .to = to, .id = id, .text = ok };
		e = put(e, "OK ", 3);
		e = put(e, text, len > sizeof ok - 4 ? sizeof ok - 4 : len);
		*e = '\0';
		fx.textlen = (size_t)(e - ok);
		r->emit(r->ctx, &fx);
	}
	return 0;
}

int64_t
route_next_deadline(const struct route *r)
{
	return r->thead != NULL ? r->thead->deadline : -1;
}

void
route_expire(struct route *r, int64_t now_ms)
{
	while (r->thead != NULL && r->thead->deadline <= now_ms) {
		struct msg *m = r->thead;
		struct rproc *to = m->sender;
		uint64_t id = m->id;
		abandon(r, m);
		emitf(r, FX_ANSWER, to, id, "ERR ETIMEDOUT server pid %lu did not answer "
		    "within %u ms", (unsigned long)m->server, r->cfg.timeout_ms);
	}
}

void
route_dump(const struct route *r, void (*line)(void *arg, const char *s), void *arg)
{
	char buf[MIPC_ANSWER_MAX];
	size_t n;

	n = (size_t)snprintf(buf, sizeof buf, "process table: %u slots, %u used, "
	    "freed slots (reused first):", r->pt.nslots, r->pt.used);
	if (r->pt.nfreed == 0)
		snprintf(buf + n, sizeof buf - n, " -");
	for (unsigned i = r->pt.nfreed; i-- > 0 && n < sizeof buf - 16;)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " %u", r->pt.freed[i]);
	line(arg, buf);
	for (unsigned i = 0; i < r->pt.nslots; i++) {
		if (r->pt.slot[i].port == 0)
			snprintf(buf, sizeof buf, "  [%u] -", i);
		else
			snprintf(buf, sizeof buf, "  [%u] port %u  owner pid %lu", i,
			    r->pt.slot[i].port, (unsigned long)r->pt.slot[i].owner);
		line(arg, buf);
	}
	snprintf(buf, sizeof buf, "mailbox queues: %u slots, %u used", r->mb.nslots,
	    r->mb.n);
	line(arg, buf);
	for (unsigned i = 0; i < r->mb.nslots; i++) {
		const struct link *l = &r->mb.slot[i];
		if (i >= r->mb.n)
			snprintf(buf, sizeof buf, "  [%u] -", i);
		else
			snprintf(buf, sizeof buf, "  [%u] first %u (pid %lu)  second %lu  "
			    "in flight %u/%u", i, l->port, (unsigned long)l->server,
			    (unsigned long)l->client, l->qlen, r->cfg.queue);
		line(arg, buf);
	}
}
