/*
 * route.c - the routing rules of the simulated kernel, with no I/O.
 *
 * The state is the process table (ptable.c), the mailbox queues (mbox.c)
 * and the messages in flight (flight.c).  Each request is answered here:
 * create, link-or-send, remove; and a process that goes releases what it
 * held as if it had removed it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flight.h"
#include "request.h"
#include "route.h"

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

/* ----- processes ----- */

int
route_proc_add(struct route *r, struct rproc *rp)
{
	return flight_proc_add(&r->fl, rp);
}

struct rproc *
route_proc_find(const struct route *r, uint32_t pid)
{
	return flight_proc_find(&r->fl, pid);
}

int
route_init(struct route *r, const struct route_config *cfg, route_emit_fn *emit,
    void *ctx)
{
	memset(r, 0, sizeof *r);
	r->cfg = *cfg;
	if (ptable_init(&r->pt, cfg->slots) == -1 ||
	    mbox_init(&r->mb, cfg->slots) == -1) {
		route_free(r);
		return -1;
	}
	flight_init(&r->fl, &r->mb, cfg->queue, cfg->timeout_ms, cfg->refuse_deadlock,
	    emit, ctx);
	return 0;
}

void
route_free(struct route *r)
{
	flight_free(&r->fl);
	ptable_free(&r->pt);
	mbox_free(&r->mb);
	memset(r, 0, sizeof *r);
}

int
route_answered(struct route *r, struct rproc *rp, const char *text, size_t len)
{
	return flight_answered(&r->fl, rp, text, len);
}

int64_t
route_next_deadline(const struct route *r)
{
	return flight_deadline(&r->fl);
}

void
route_expire(struct route *r, int64_t now_ms)
{
	flight_expire(&r->fl, now_ms);
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

	flight_link_gone(&r->fl, &lk, code, why);
	if (srv != NULL)
		flight_emitf(&r->fl, FX_NOTICE, srv, 0, "* link %u<-%lu destroyed: %s", lk.port,
		    (unsigned long)lk.client, why);
	if (cli != NULL && cli != srv)
		flight_emitf(&r->fl, FX_NOTICE, cli, 0, "* link %u<-%lu destroyed: %s", lk.port,
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

	/* What waited for its answer is answered ESRCH; what it sent, to
	   nobody. */
	flight_proc_gone(&r->fl, rp, reason);

	/* Its links, as server or client, in order. */
	for (unsigned i = 0; pid != 0 && i < r->mb.n; i++) {
		struct link lk = r->mb.slot[i];
		if (lk.server != pid && lk.client != pid)
			continue;
		uint32_t other = lk.server == pid ? lk.client : lk.server;
		struct rproc *o = other != pid ? route_proc_find(r, other) : NULL;
		if (o != NULL)
			flight_emitf(&r->fl, FX_NOTICE, o, 0, "* link %u<-%lu destroyed: %s",
			    lk.port, (unsigned long)lk.client, reason);
		mbox_drop(&r->mb, i);
	}
	mbox_compact(&r->mb);

	flight_proc_remove(&r->fl, rp);
	flight_release(&r->fl);
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

/* A plain request: link if there is no link yet, else send. */
static void
send_or_link(struct route *r, struct rproc *rp, const struct request *req,
    int64_t now, int call, struct route_result *res)
{
	int l = mbox_find(&r->mb, req->port, rp->pid);
	int t;

	if (l >= 0) {
		struct rproc *srv = route_proc_find(r, r->mb.slot[l].server);
		if (srv == NULL) {
			fprintf(stderr, "mipc: send_or_link: internal error: a link's "
			    "server is not alive\n");
			abort();
		}
		flight_send(&r->fl, rp, srv, (unsigned)l, req, now, call, res);
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
    int64_t now_ms, unsigned flags, struct route_result *res)
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
		send_or_link(r, rp, &req, now_ms, (flags & ROUTE_CALL) != 0, res);
		break;
	case REQ_REMOVE:
		remove_port(r, rp, req.port, res);
		break;
	}
	flight_release(&r->fl);
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
		else {
			unsigned held = flight_withheld(&r->fl, l->port, l->client, l->server);
			n = (size_t)snprintf(buf, sizeof buf, "  [%u] first %u (pid %lu)  "
			    "second %lu  in flight %u/%u", i, l->port,
			    (unsigned long)l->server, (unsigned long)l->client, l->qlen,
			    r->cfg.queue);
			if (held > 0 && n < sizeof buf)
				snprintf(buf + n, sizeof buf - n, " (%u withheld: pid %lu "
				    "is blocked in a call)", held, (unsigned long)l->server);
		}
		line(arg, buf);
	}
}
