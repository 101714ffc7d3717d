/*
 * flight.c - messages in flight: sent, not yet answered.
 *
 * A message is delivered to its server the moment it is sent, unless the
 * server is blocked in a call of its own (MINIX's sendrec): then it is
 * withheld, in its server's withheld list, and delivered when the call is
 * answered.  Until its server answers, a message sits in two lists:
 *
 *   - its server's delivered list (rproc.dhead), in delivery order, because
 *     a server answers its deliveries in the order it got them: the answer
 *     that comes in belongs to the head of that list (or, while withheld,
 *     its server's withheld list, in the order sent);
 *   - the route's live list (thead), in the order messages were sent, which
 *     is also the order of their deadlines, since every message gets the
 *     same --timeout: the head is always the next to expire.
 *
 * A message whose sender has had its answer some other way (a timeout, its
 * link destroyed, a process gone) is "abandoned": it leaves the live list
 * and its link's count.  A delivered one stays in its server's list,
 * because the server will still answer it, and that late answer must be
 * matched to it and dropped rather than given to the next message; a
 * withheld one goes, never delivered.
 *
 * A blocking call waits on one process, the call's server, which may itself
 * wait in a call: the waits form chains.  A call that would close a chain
 * into a cycle is a deadlock.  It is found when that call is made, by a walk
 * along the one chain from the call's server (MINIX's deadlock() walks the
 * same way), never by a scan of every process.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flight.h"
#include "proto.h"

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

void
flight_emitf(struct flight *f, enum fx_kind kind, struct rproc *to, uint64_t id,
    const char *fmt, ...)
{
	char text[MIPC_ANSWER_MAX];
	struct fx fx = { .kind = kind, .to = to, .id = id, .text = text };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fx.textlen = strlen(text);
	f->emit(f->ctx, &fx);
}

/* FX_DROP: m will never be served, for code (why). */
static void
emit_drop(struct flight *f, const struct msg *m, enum mipc_err code, const char *why)
{
	struct fx fx = { .kind = FX_DROP, .id = m->id, .text = why,
	    .textlen = strlen(why), .from = m->from, .port = m->port, .code = code };

	f->emit(f->ctx, &fx);
}

/* ----- records ----- */

static struct msg *
msg_new(struct flight *f)
{
	struct msg *m;

	if (f->free_msgs == NULL) {
		struct msg_chunk *c = malloc(sizeof *c);
		if (c == NULL)
			return NULL;
		c->next = f->chunks;
		f->chunks = c;
		for (int i = 0; i < MSG_CHUNK; i++) {
			c->m[i].snext = f->free_msgs;
			f->free_msgs = &c->m[i];
		}
	}
	m = f->free_msgs;
	f->free_msgs = m->snext;
	memset(m, 0, sizeof *m);
	return m;
}

static void
msg_free(struct flight *f, struct msg *m)
{
	free(m->text);
	m->text = NULL;
	m->snext = f->free_msgs;
	f->free_msgs = m;
}

void
flight_init(struct flight *f, struct mbox *mb, unsigned queue, unsigned timeout_ms,
    int refuse_deadlock, flight_emit_fn *emit, void *ctx)
{
	memset(f, 0, sizeof *f);
	f->mb = mb;
	f->queue = queue;
	f->timeout_ms = timeout_ms;
	f->refuse_deadlock = refuse_deadlock;
	f->emit = emit;
	f->ctx = ctx;
	f->next_id = 1;
}

/* ----- processes ----- */

int
flight_proc_add(struct flight *f, struct rproc *rp)
{
	if (f->nprocs == f->procs_cap) {
		unsigned cap = f->procs_cap ? f->procs_cap * 2 : 16;
		struct rproc **p = realloc(f->procs, cap * sizeof *p);
		if (p == NULL)
			return -1;
		f->procs = p;
		/* A deadlock's ring holds each process once, and the first again. */
		if ((p = realloc(f->ring, (cap + 1) * sizeof *p)) == NULL)
			return -1;
		f->ring = p;
		f->procs_cap = cap;
	}
	rp->dhead = rp->dtail = NULL;
	rp->whead = rp->wtail = NULL;
	rp->call = NULL;
	rp->relq = 0;
	f->procs[f->nprocs++] = rp;
	return 0;
}

void
flight_proc_remove(struct flight *f, struct rproc *rp)
{
	for (unsigned i = 0; i < f->nprocs; i++)
		if (f->procs[i] == rp) {
			f->procs[i] = f->procs[--f->nprocs];
			return;
		}
}

struct rproc *
flight_proc_find(const struct flight *f, uint32_t pid)
{
	if (pid == 0)
		return NULL;
	for (unsigned i = 0; i < f->nprocs; i++)
		if (f->procs[i]->pid == pid)
			return f->procs[i];
	return NULL;
}

void
flight_free(struct flight *f)
{
	struct msg_chunk *c = f->chunks;

	/* The texts of messages still held go with them. */
	for (struct msg *m = f->thead; m != NULL; m = m->tnext)
		free(m->text);
	for (unsigned i = 0; i < f->nprocs; i++)
		for (struct msg *m = f->procs[i]->dhead; m != NULL; m = m->snext)
			if (m->sender == NULL)
				free(m->text);
	while (c != NULL) {
		struct msg_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(f->procs);
	free(f->ring);
	memset(f, 0, sizeof *f);
}

static void
live_unlink(struct flight *f, struct msg *m)
{
	if (m->tprev != NULL)
		m->tprev->tnext = m->tnext;
	else
		f->thead = m->tnext;
	if (m->tnext != NULL)
		m->tnext->tprev = m->tprev;
	else
		f->ttail = m->tprev;
	m->tprev = m->tnext = NULL;
}

/* Appends m to a list whose head and tail are *h and *t. */
static void
list_append(struct msg **h, struct msg **t, struct msg *m)
{
	m->snext = NULL;
	if (*t != NULL)
		(*t)->snext = m;
	else
		*h = m;
	*t = m;
}

/* Takes m out of the list *h, *t. */
static void
list_remove(struct msg **h, struct msg **t, struct msg *m)
{
	struct msg *prev = NULL;

	for (struct msg *x = *h; x != NULL; prev = x, x = x->snext) {
		if (x != m)
			continue;
		if (prev != NULL)
			prev->snext = x->snext;
		else
			*h = x->snext;
		if (*t == x)
			*t = prev;
		x->snext = NULL;
		return;
	}
}

/* ----- blocking ----- */

/* p's call is over: what was withheld from it is handed over by
   flight_release, once the operation under way is done. */
static void
unblock(struct flight *f, struct rproc *p)
{
	p->call = NULL;
	if (p->whead != NULL && !p->relq) {
		p->relq = 1;
		p->relnext = f->relq;
		f->relq = p;
	}
}

/* Delivers m to its server now. */
static void
deliver_now(struct flight *f, struct msg *m)
{
	char line[PROTO_DELIVERY_MAX + 1];
	struct fx fx = { .kind = FX_DELIVER, .to = m->srv, .id = m->id, .text = line,
	    .msg = m->text, .msglen = m->textlen, .from = m->from, .port = m->port };

	m->withheld = 0;
	list_append(&m->srv->dhead, &m->srv->dtail, m);
	fx.textlen = proto_delivery(line, m->text, m->textlen, m->from, m->port);
	f->emit(f->ctx, &fx);
	if (!m->call) {
		free(m->text);	/* the deadlock report names a call's text only */
		m->text = NULL;
	}
}

void
flight_release(struct flight *f)
{
	while (f->relq != NULL) {
		struct rproc *p = f->relq;
		f->relq = p->relnext;
		p->relq = 0;
		/* Blocked again meanwhile (a call it made since): it waits on. */
		while (p->call == NULL && p->whead != NULL) {
			struct msg *m = p->whead;
			if ((p->whead = m->snext) == NULL)
				p->wtail = NULL;
			deliver_now(f, m);
		}
	}
}

/* ----- settling ----- */

/* m no longer counts as in flight (answered or abandoned). */
static void
settle(struct flight *f, struct msg *m)
{
	int l = mbox_find(f->mb, m->port, m->from);

	if (l >= 0 && f->mb->slot[l].qlen > 0)
		f->mb->slot[l].qlen--;
	if (f->inflight == 0)
		broken(__func__, "no message in flight");
	f->inflight--;
	live_unlink(f, m);
	if (m->call && m->sender != NULL && m->sender->call == m)
		unblock(f, m->sender);
}

/*
 * m's sender gets its answer some other way (or none, it is gone): m is
 * dropped, for code (why).  A withheld m is freed, never delivered; a
 * delivered one waits for its server's late answer.  Returns the sender.
 */
static struct rproc *
abandon(struct flight *f, struct msg *m, enum mipc_err code, const char *why)
{
	struct rproc *to = m->sender;

	settle(f, m);
	m->sender = NULL;
	emit_drop(f, m, code, why);
	if (m->withheld) {
		list_remove(&m->srv->whead, &m->srv->wtail, m);
		msg_free(f, m);
	}
	return to;
}

/* ----- sending ----- */

/*
 * Whether a call from p to srv closes a cycle of waits: the walk from srv
 * along each process's call comes back to p.  The ring, in wait order from
 * p, goes to f->ring.  A chain is walked once, to its end or back to p; a
 * cycle that p is not part of (one left to wait, --deadlock report) ends
 * the walk after as many steps as there are processes.
 */
static unsigned
closes_cycle(struct flight *f, struct rproc *p, struct rproc *srv)
{
	unsigned n = 0;

	f->ring[n++] = p;
	for (struct rproc *x = srv; n <= f->nprocs; x = x->call->srv) {
		f->walked = n;
		if (x == p)
			return n;
		f->ring[n++] = x;
		if (x->call == NULL)
			return 0;
	}
	return 0;
}

void
flight_send(struct flight *f, struct rproc *rp, struct rproc *srv, unsigned l,
    const struct request *req, int64_t now, int call, struct route_result *res)
{
	struct link *lk = &f->mb->slot[l];
	struct msg *m;
	unsigned n = 0;

	if (lk->qlen >= f->queue) {
		res->code = E_EAGAIN;
		snprintf(res->text, sizeof res->text, "ERR EAGAIN queue of link %u<-%lu "
		    "is full (%u message%s)", lk->port, (unsigned long)lk->client,
		    f->queue, f->queue == 1 ? "" : "s");
		return;
	}
	if (call && rp->call != NULL) {
		res->code = E_EINVAL;
		snprintf(res->text, sizeof res->text, "ERR EINVAL pid %lu is blocked in "
		    "a call already (message %llu): one call at a time",
		    (unsigned long)rp->pid, (unsigned long long)rp->call->id);
		return;
	}
	if ((m = msg_new(f)) == NULL) {
		res->code = E_EAGAIN;
		snprintf(res->text, sizeof res->text, "ERR EAGAIN out of memory for "
		    "messages; try again");
		return;
	}
	m->id = f->next_id++;
	m->sender = rp;
	m->srv = srv;
	m->from = rp->pid;
	m->server = srv->pid;
	m->port = req->port;
	m->call = call != 0;
	m->sent = now;
	m->deadline = now + f->timeout_ms;
	if ((call || srv->call != NULL) &&
	    (m->text = malloc(req->len > 0 ? req->len : 1)) != NULL) {
		memcpy(m->text, req->text, req->len);
		m->textlen = req->len;
	}
	if ((call || srv->call != NULL) && m->text == NULL) {
		msg_free(f, m);
		res->code = E_EAGAIN;
		snprintf(res->text, sizeof res->text, "ERR EAGAIN out of memory for "
		    "messages; try again");
		return;
	}
	if (call && (n = closes_cycle(f, rp, srv)) > 0) {
		struct fx fx = { .kind = FX_DEADLOCK, .id = m->id, .ring = f->ring,
		    .nring = n, .text = "", .msg = req->text, .msglen = req->len,
		    .from = rp->pid, .port = req->port };
		/* The closing call is rp's own, not yet in rp->call: the report
		   finds it in the effect. */
		f->emit(f->ctx, &fx);
		if (f->refuse_deadlock) {
			char why[MIPC_ANSWER_MAX - 64];
			size_t w = (size_t)snprintf(why, sizeof why, "the call to port %u "
			    "would close a cycle of blocked processes: pid %lu", req->port,
			    (unsigned long)rp->pid);
			for (unsigned i = 1; i < n && w < sizeof why - 16; i++)
				w += (size_t)snprintf(why + w, sizeof why - w, " -> pid %lu",
				    (unsigned long)f->ring[i]->pid);
			if (w < sizeof why - 16)
				snprintf(why + w, sizeof why - w, " -> pid %lu",
				    (unsigned long)rp->pid);
			emit_drop(f, m, E_EDEADLK, why);
			res->code = E_EDEADLK;
			snprintf(res->text, sizeof res->text, "ERR EDEADLK %s", why);
			msg_free(f, m);
			return;
		}
	}
	m->tprev = f->ttail;
	if (f->ttail != NULL)
		f->ttail->tnext = m;
	else
		f->thead = m;
	f->ttail = m;
	lk->qlen++;
	f->inflight++;
	if (call)
		rp->call = m;
	if (srv->call != NULL) {
		/* Blocked in a call of its own: it is handed nothing until the
		   call is answered; the message waits on its link. */
		m->withheld = 1;
		list_append(&srv->whead, &srv->wtail, m);
	} else {
		char line[PROTO_DELIVERY_MAX + 1];
		struct fx fx = { .kind = FX_DELIVER, .to = srv, .id = m->id, .text = line,
		    .msg = req->text, .msglen = req->len, .from = rp->pid,
		    .port = req->port };
		list_append(&srv->dhead, &srv->dtail, m);
		fx.textlen = proto_delivery(line, req->text, req->len, rp->pid, req->port);
		f->emit(f->ctx, &fx);
	}
	res->code = E_OK;
	res->pending = m->id;
	res->text[0] = '\0';
}

/* ----- answering ----- */

/* Whether text (n bytes) is an error reply: ERR and a code this kernel knows. */
static int
error_reply(const char *text, size_t n)
{
	if (n < 5 || memcmp(text, "ERR ", 4) != 0)
		return 0;
	size_t w = 4;
	while (w < n && text[w] != ' ')
		w++;
	return err_from_name(text + 4, w - 4) > 0;
}

int
flight_answered(struct flight *f, struct rproc *rp, const char *text, size_t len)
{
	struct msg *m = rp->dhead;

	if (m == NULL)
		return -1;
	if ((rp->dhead = m->snext) == NULL)
		rp->dtail = NULL;
	if (m->sender == NULL) {
		flight_emitf(f, FX_LOG, NULL, m->id, "late answer from pid %lu to message "
		    "%llu dropped", (unsigned long)rp->pid, (unsigned long long)m->id);
		msg_free(f, m);
		return 0;
	}
	struct rproc *to = m->sender;
	uint64_t id = m->id;
	uint16_t port = m->port;
	char ok[MIPC_ANSWER_MAX];
	struct fx fx = { .kind = FX_REPLY, .id = id, .text = ok };

	settle(f, m);
	msg_free(f, m);
	if (text == NULL) {
		fx.textlen = (size_t)snprintf(ok, sizeof ok, "response written to port: %u",
		    port);
	} else {
		fx.textlen = len > sizeof ok - 4 ? sizeof ok - 4 : len;
		memcpy(ok, text, fx.textlen);
		ok[fx.textlen] = '\0';
	}
	f->emit(f->ctx, &fx);
	fx.kind = FX_ANSWER;
	fx.to = to;
	if (!error_reply(ok, fx.textlen)) {
		/* "OK " and the reply, written in place: it came with every
		   message, and formatting costs more than the copy. */
		size_t n = fx.textlen > sizeof ok - 4 ? sizeof ok - 4 : fx.textlen;
		memmove(ok + 3, ok, n);
		memcpy(ok, "OK ", 3);
		ok[3 + n] = '\0';
		fx.textlen = n + 3;
		if (n == 0)
			ok[fx.textlen = 2] = '\0';	/* an empty reply: "OK" */
	}
	f->emit(f->ctx, &fx);
	flight_release(f);
	return 0;
}

int64_t
flight_deadline(const struct flight *f)
{
	return f->thead != NULL ? f->thead->deadline : -1;
}

void
flight_expire(struct flight *f, int64_t now_ms)
{
	while (f->thead != NULL && f->thead->deadline <= now_ms) {
		struct msg *m = f->thead;
		uint64_t id = m->id;
		char why[MIPC_ANSWER_MAX - 32];
		snprintf(why, sizeof why, "server pid %lu did not answer within %u ms",
		    (unsigned long)m->server, f->timeout_ms);
		struct rproc *to = abandon(f, m, E_ETIMEDOUT, why);
		flight_emitf(f, FX_ANSWER, to, id, "ERR ETIMEDOUT %s", why);
	}
	flight_release(f);
}

/* ----- links and processes going ----- */

/* Abandons every message of list *h from client on port (any port and
   client if 0), answering each sender ERR code and text, but for skip. */
static void
abandon_list(struct flight *f, struct msg **h, uint16_t port, uint32_t client,
    enum mipc_err code, const char *text, const struct rproc *skip)
{
	struct msg *m = *h;

	while (m != NULL) {
		struct msg *next = m->snext;
		if (m->sender != NULL && (port == 0 || (m->port == port &&
		    m->from == client))) {
			uint64_t id = m->id;
			struct rproc *to = abandon(f, m, code, text);
			if (to != skip)
				flight_emitf(f, FX_ANSWER, to, id, "ERR %s %s",
				    err_name(code), text);
		}
		m = next;
	}
}

void
flight_link_gone(struct flight *f, const struct link *lk, enum mipc_err code,
    const char *why)
{
	struct rproc *srv = flight_proc_find(f, lk->server);
	char text[MIPC_ANSWER_MAX - 32];

	if (srv == NULL)
		return;
	snprintf(text, sizeof text, "link %u<-%lu destroyed: %s", lk->port,
	    (unsigned long)lk->client, why);
	abandon_list(f, &srv->dhead, lk->port, lk->client, code, text, NULL);
	abandon_list(f, &srv->whead, lk->port, lk->client, code, text, NULL);
}

void
flight_proc_gone(struct flight *f, struct rproc *rp, const char *reason)
{
	char text[MIPC_ANSWER_MAX - 32];
	struct msg *m;

	/* It waits for nothing now, and nothing is handed to it. */
	rp->call = NULL;
	snprintf(text, sizeof text, "server %s", reason);
	abandon_list(f, &rp->whead, 0, 0, E_ESRCH, text, rp);
	abandon_list(f, &rp->dhead, 0, 0, E_ESRCH, text, rp);
	/* What it was delivered is forgotten with it. */
	while ((m = rp->dhead) != NULL) {
		rp->dhead = m->snext;
		msg_free(f, m);
	}
	rp->dtail = NULL;
	/* What it sent is answered to nobody. */
	snprintf(text, sizeof text, "its sender %s", reason);
	for (unsigned i = 0; rp->pid != 0 && i < f->mb->n; i++) {
		const struct link *lk = &f->mb->slot[i];
		struct rproc *srv;
		if (lk->client != rp->pid || lk->server == rp->pid ||
		    (srv = flight_proc_find(f, lk->server)) == NULL)
			continue;
		for (unsigned pass = 0; pass < 2; pass++) {
			m = pass == 0 ? srv->dhead : srv->whead;
			while (m != NULL) {
				struct msg *next = m->snext;
				if (m->sender == rp && m->port == lk->port) {
					uint64_t id = m->id;
					uint32_t from = m->from;
					(void)abandon(f, m, E_ECONNRESET, text);
					flight_emitf(f, FX_LOG, NULL, id, "message %llu from "
					    "pid %lu to port %u dropped: its sender is gone",
					    (unsigned long long)id, (unsigned long)from,
					    lk->port);
				}
				m = next;
			}
		}
	}
}

unsigned
flight_withheld(const struct flight *f, uint16_t port, uint32_t client, uint32_t server)
{
	struct rproc *srv = flight_proc_find(f, server);
	unsigned n = 0;

	for (const struct msg *m = srv != NULL ? srv->whead : NULL; m != NULL; m = m->snext)
		n += m->port == port && m->from == client && m->sender != NULL;
	return n;
}
