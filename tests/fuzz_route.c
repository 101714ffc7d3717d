/*
 * fuzz_route.c - libFuzzer harness for the routing rules (route.c, flight.c).
 *
 * The harness plays the running kernel (serve.c) around the routing core:
 * four processes, each a slot that a process fills and leaves, send lines,
 * blocking calls among them, answer their deliveries, die, and the clock
 * moves on.  Its effect sink carries out what routing decides as the kernel
 * does, and in particular the kernel's cut-off: an effect may overflow a
 * peer's output, and that peer is then only *marked* to leave.  After every
 * routing operation every marked process is released with route_proc_gone(),
 * one at a time, each on a state that is whole, until none is left, those
 * marked by the releases themselves included (serve_departures()).  A
 * departed process's record is freed, so a pointer routing kept to it is a
 * use after free that AddressSanitizer names.
 *
 * Input: the first byte is the configuration:
 *
 *   bits 0-1  slots - 1 (table and mailbox slots, 1 to 4)
 *   bits 2-3  queue - 1 (messages in flight per link, 1 to 4)
 *   bit  4    refuse_deadlock (--deadlock refuse)
 *   bit  5    process 3 starts as an attached client that has no pid yet
 *   bit  6    at the end the kernel stops with what is in flight, instead
 *             of letting every message time out and every process leave
 *
 * then steps, each an operation byte (kind in bits 5-7, process P = bits
 * 0-1, argument A = bits 2-4) and, for a raw line, its bytes up to a
 * newline:
 *
 *   0  P sends the raw line that follows
 *   1  P calls (ROUTE_CALL) with the raw line that follows
 *   2  P answers its oldest delivery with answer text A (see texts[])
 *   3  the clock moves on by (op & 0x1f) * 100 ms; messages expire
 *   4  P leaves (disconnects, is killed)
 *   5  P leaves if it lives, and a new process takes its slot: pid P+1,
 *      or an unclaimed client if A is odd (or pid P+1 is taken)
 *   6  arms a cut-off: the ((A & 3) + 1)-th effect from now marks P to
 *      leave, or the effect's recipient if A & 4
 *   7  P sends a well-formed line, A choosing which (see templated())
 *
 * The invariants are checked after every step and after every departure
 * (route_dump() included); the sink checks every effect as it comes.  A broken one aborts with a line
 * saying which, so a crash file names the rule it breaks.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

#define NPROC	4	/* process slots */
#define NTRAP	4	/* cut-offs armed at once */
#define TIMEOUT	1000	/* ms a server has to answer */

/* What became of a message id, as the effects told it. */
#define ID_PENDING	0x01	/* route_line said its answer comes later */
#define ID_ANSWERED	0x02	/* its sender had its FX_ANSWER */
#define ID_DELIVERED	0x04
#define ID_DROPPED	0x08
#define ID_REPLIED	0x10

struct idstate {
	uint8_t		 flags;
	uint8_t		 slot;		/* the sender's slot, once pending */
	unsigned	 gen;		/* and which process in it */
};

struct slot {
	struct rproc	*rp;		/* malloc'd; freed when the process departs */
	int		 alive;		/* added to routing, not yet released */
	int		 leaving;	/* marked to leave (serve_leave) */
	int		 going;		/* route_proc_gone() on it is under way */
	unsigned	 gen;		/* processes the slot has had */
	struct slot	*next_leaving;
	uint64_t	*fifo;		/* ids delivered to it, unanswered, in order */
	size_t		 fhead, flen, fcap;
};

enum op { OP_NONE, OP_LINE, OP_ANSWERED, OP_EXPIRE, OP_GONE };

struct harness {
	struct route	 r;
	int		 trace;		/* FUZZ_ROUTE_TRACE set: say each step */
	struct slot	 s[NPROC];
	struct slot	*leave_head, **leave_tail;
	struct {
		unsigned count;		/* effects to go; 0: not armed */
		int	 victim;	/* a slot, or -1: the effect's recipient */
	} trap[NTRAP];
	unsigned	 next_trap;
	struct idstate	*ids;
	size_t		 idcap;
	unsigned	 npending;	/* ids pending whose sender lives */
	/* The operation under way. */
	enum op		 op;
	struct slot	*caller;	/* OP_LINE, OP_ANSWERED */
	uint64_t	 expect;	/* OP_ANSWERED: the delivery being answered */
	int		 replied, late, deadlocks;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_route: invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fprintf(stderr, "fuzz_route: out of memory\n");
		abort();
	}
	return p;
}

/* The slot rp is the live record of, or NULL (a stale pointer is only
   compared, never followed). */
static struct slot *
slot_of(struct harness *h, const struct rproc *rp)
{
	for (int i = 0; i < NPROC; i++)
		if (h->s[i].alive && h->s[i].rp == rp)
			return &h->s[i];
	return NULL;
}

static int
slot_index(const struct harness *h, const struct slot *sp)
{
	return (int)(sp - h->s);
}

static struct idstate *
id_get(struct harness *h, uint64_t id, const char *what)
{
	if (id == 0 || id >= h->r.fl.next_id)
		fail("%s names message %llu, which was never made (next id %llu)", what,
		    (unsigned long long)id, (unsigned long long)h->r.fl.next_id);
	if (id >= h->idcap) {
		size_t cap = h->idcap ? h->idcap : 64;
		while (cap <= id)
			cap *= 2;
		h->ids = xrealloc(h->ids, cap * sizeof *h->ids);
		memset(h->ids + h->idcap, 0, (cap - h->idcap) * sizeof *h->ids);
		h->idcap = cap;
	}
	return &h->ids[id];
}

/* ----- the deliveries a process is to answer, oldest first ----- */

static void
fifo_push(struct slot *sp, uint64_t id)
{
	if (sp->fhead + sp->flen == sp->fcap) {
		if (sp->fhead > 0) {
			memmove(sp->fifo, sp->fifo + sp->fhead, sp->flen * sizeof *sp->fifo);
			sp->fhead = 0;
		} else {
			sp->fcap = sp->fcap ? sp->fcap * 2 : 16;
			sp->fifo = xrealloc(sp->fifo, sp->fcap * sizeof *sp->fifo);
		}
	}
	sp->fifo[sp->fhead + sp->flen++] = id;
}

/* ----- effects ----- */

static const char *
kind_name(enum fx_kind k)
{
	static const char *names[] = { "FX_DELIVER", "FX_ANSWER", "FX_NOTICE",
	    "FX_REPLY", "FX_DROP", "FX_DEADLOCK", "FX_LOG" };

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "FX_?";
}

/* serve_leave(): a process is marked once, and only while it lives. */
static void
mark_leaving(struct harness *h, struct slot *sp)
{
	if (sp == NULL || !sp->alive || sp->leaving)
		return;
	sp->leaving = 1;
	sp->next_leaving = NULL;
	*h->leave_tail = sp;
	h->leave_tail = &sp->next_leaving;
}

/* A deadlock's ring: live processes, each waiting in a call on the next,
   the last on the first; the first is the caller, whose closing call is
   not yet its call. */
static void
check_ring(struct harness *h, const struct fx *fx)
{
	if (h->op != OP_LINE || fx->nring == 0 || fx->nring > h->r.fl.nprocs)
		fail("FX_DEADLOCK of %u processes outside a call or too long", fx->nring);
	if (fx->ring[0] != h->caller->rp)
		fail("FX_DEADLOCK ring does not start at the caller");
	for (unsigned i = 0; i < fx->nring; i++) {
		const struct rproc *p = fx->ring[i], *next = fx->ring[(i + 1) % fx->nring];
		if (slot_of(h, p) == NULL)
			fail("FX_DEADLOCK ring member %u is not a live process", i);
		for (unsigned j = 0; j < i; j++)
			if (fx->ring[j] == p)
				fail("FX_DEADLOCK ring holds a process twice");
		if (i == 0)
			continue;
		if (p->call == NULL || p->call->srv != next)
			fail("FX_DEADLOCK ring member %u (pid %lu) does not wait on the "
			    "next", i, (unsigned long)p->pid);
	}
}

/* The kernel's cut-off: each armed trap counts effects down, and marks its
   victim (or this effect's recipient) to leave when it reaches zero. */
static void
spring_traps(struct harness *h, struct slot *to)
{
	for (int i = 0; i < NTRAP; i++) {
		if (h->trap[i].count == 0 || --h->trap[i].count > 0)
			continue;
		mark_leaving(h, h->trap[i].victim < 0 ? to : &h->s[h->trap[i].victim]);
	}
}

static void
sink(void *ctx, const struct fx *fx)
{
	struct harness *h = ctx;
	struct slot *to = NULL;
	struct idstate *st;

	if (fx->text == NULL || fx->textlen != strlen(fx->text))
		fail("%s text is not NUL-terminated at textlen", kind_name(fx->kind));
	if (h->trace)
		fprintf(stderr, "  %s to pid %ld id %llu: %s\n", kind_name(fx->kind),
		    fx->to != NULL ? (long)fx->to->pid : -1L, (unsigned long long)fx->id,
		    fx->text);
	if (fx->to != NULL) {
		if ((to = slot_of(h, fx->to)) == NULL)
			fail("%s to a process that is gone", kind_name(fx->kind));
		if (to->going)
			fail("%s to pid %lu while it is being released", kind_name(fx->kind),
			    (unsigned long)to->rp->pid);
	}
	switch (fx->kind) {
	case FX_DELIVER:
		if (to == NULL || fx->textlen == 0 || (fx->msglen > 0 && fx->msg == NULL))
			fail("FX_DELIVER without a recipient or a text");
		if (fx->to->call != NULL)
			fail("FX_DELIVER of message %llu to pid %lu, blocked in a call",
			    (unsigned long long)fx->id, (unsigned long)fx->to->pid);
		st = id_get(h, fx->id, "FX_DELIVER");
		if (st->flags & (ID_DELIVERED | ID_DROPPED | ID_REPLIED))
			fail("FX_DELIVER of message %llu after it was delivered, dropped or "
			    "replied to (flags %#x)", (unsigned long long)fx->id, st->flags);
		st->flags |= ID_DELIVERED;
		fifo_push(to, fx->id);
		break;
	case FX_ANSWER:
		if (to == NULL || (strncmp(fx->text, "OK", 2) != 0 &&
		    strncmp(fx->text, "ERR ", 4) != 0))
			fail("FX_ANSWER without a recipient, or not OK/ERR: \"%s\"", fx->text);
		st = id_get(h, fx->id, "FX_ANSWER");
		if (!(st->flags & ID_PENDING))
			fail("FX_ANSWER for message %llu, which is not pending (flags %#x)",
			    (unsigned long long)fx->id, st->flags);
		if (&h->s[st->slot] != to || to->gen != st->gen)
			fail("FX_ANSWER for message %llu goes to pid %lu, not its sender",
			    (unsigned long long)fx->id, (unsigned long)fx->to->pid);
		if (!(st->flags & (ID_DROPPED | ID_REPLIED)))
			fail("FX_ANSWER for message %llu, neither replied to nor dropped",
			    (unsigned long long)fx->id);
		st->flags = (uint8_t)((st->flags & ~ID_PENDING) | ID_ANSWERED);
		h->npending--;
		break;
	case FX_NOTICE:
		if (to == NULL || strncmp(fx->text, "* link ", 7) != 0)
			fail("FX_NOTICE without a recipient or not a link's: \"%s\"", fx->text);
		break;
	case FX_REPLY:
		st = id_get(h, fx->id, "FX_REPLY");
		if ((st->flags & (ID_DELIVERED | ID_DROPPED | ID_REPLIED)) != ID_DELIVERED)
			fail("FX_REPLY for message %llu: a reply only to a delivered message, "
			    "once, never dropped (flags %#x)", (unsigned long long)fx->id,
			    st->flags);
		if (h->op != OP_ANSWERED || fx->id != h->expect || h->replied)
			fail("FX_REPLY for message %llu, not the oldest delivery of the "
			    "process answering (%llu)", (unsigned long long)fx->id,
			    (unsigned long long)h->expect);
		st->flags |= ID_REPLIED;
		h->replied = 1;
		break;
	case FX_DROP:
		st = id_get(h, fx->id, "FX_DROP");
		if (st->flags & (ID_DROPPED | ID_REPLIED))
			fail("FX_DROP of message %llu, already dropped or replied to "
			    "(flags %#x)", (unsigned long long)fx->id, st->flags);
		if (fx->code == E_OK || fx->textlen == 0)
			fail("FX_DROP of message %llu without a code or a reason",
			    (unsigned long long)fx->id);
		st->flags |= ID_DROPPED;
		break;
	case FX_DEADLOCK:
		(void)id_get(h, fx->id, "FX_DEADLOCK");
		check_ring(h, fx);
		h->deadlocks++;
		break;
	case FX_LOG:
		if (fx->to != NULL || fx->textlen == 0)
			fail("FX_LOG with a recipient or no text");
		if (h->op == OP_ANSWERED && fx->id == h->expect && fx->id != 0)
			h->late = 1;
		break;
	default:
		fail("effect of unknown kind %d", (int)fx->kind);
	}
	spring_traps(h, to);
}

/* ----- invariants ----- */

/* Whether message m is on its link: the link (port, from) exists, to m's
   server. */
static int
on_link(const struct route *r, const struct msg *m)
{
	int l = mbox_find(&r->mb, m->port, m->from);

	return l >= 0 && r->mb.slot[l].server == m->server;
}

static void
check_procs(struct harness *h)
{
	struct route *r = &h->r;
	unsigned nalive = 0;

	for (int i = 0; i < NPROC; i++) {
		struct slot *sp = &h->s[i];
		struct rproc *p = sp->rp;
		unsigned found = 0;

		if (!sp->alive)
			continue;
		nalive++;
		for (unsigned j = 0; j < r->fl.nprocs; j++)
			found += r->fl.procs[j] == p;
		if (found != 1)
			fail("live pid %lu is %u times in the process list",
			    (unsigned long)p->pid, found);
		for (int j = 0; j < i; j++)
			if (p->pid != 0 && h->s[j].alive && h->s[j].rp->pid == p->pid)
				fail("two live processes have pid %lu", (unsigned long)p->pid);
		if (p->relq)
			fail("pid %lu still queued for release after the operation",
			    (unsigned long)p->pid);
		/* A call in progress is its own, to a live server, on the live
		   list. */
		if (p->call != NULL) {
			const struct msg *c = p->call;
			if (c->sender != p || !c->call)
				fail("pid %lu: its call %llu is not its own (sender %p)",
				    (unsigned long)p->pid, (unsigned long long)c->id,
				    (void *)c->sender);
			if (slot_of(h, c->srv) == NULL)
				fail("pid %lu waits in call %llu on a server that is gone",
				    (unsigned long)p->pid, (unsigned long long)c->id);
		}
		/* Withheld: only while blocked, each from a live sender to it. */
		if (p->call == NULL && p->whead != NULL)
			fail("pid %lu is not blocked and has withheld message %llu",
			    (unsigned long)p->pid, (unsigned long long)p->whead->id);
		const struct msg *last = NULL;
		for (const struct msg *m = p->whead; m != NULL; last = m, m = m->snext) {
			if (!m->withheld || m->srv != p || m->server != p->pid)
				fail("withheld message %llu in pid %lu's list: withheld %d, "
				    "server %lu", (unsigned long long)m->id,
				    (unsigned long)p->pid, m->withheld,
				    (unsigned long)m->server);
			if (m->sender == NULL || slot_of(h, m->sender) == NULL)
				fail("withheld message %llu has no live sender",
				    (unsigned long long)m->id);
		}
		if (last != p->wtail)
			fail("pid %lu: withheld list tail is not its last message",
			    (unsigned long)p->pid);
		/* Delivered: exactly the deliveries it has not answered, in the
		   order they came. */
		size_t k = 0;
		last = NULL;
		for (const struct msg *m = p->dhead; m != NULL; last = m, m = m->snext, k++) {
			if (k >= sp->flen || sp->fifo[sp->fhead + k] != m->id)
				fail("pid %lu: delivery %zu in its list is message %llu, "
				    "expected %llu", (unsigned long)p->pid, k,
				    (unsigned long long)m->id, k < sp->flen ?
				    (unsigned long long)sp->fifo[sp->fhead + k] : 0ULL);
			if (m->withheld || m->srv != p)
				fail("delivered message %llu in pid %lu's list is withheld "
				    "or another's", (unsigned long long)m->id,
				    (unsigned long)p->pid);
			if (m->sender != NULL && slot_of(h, m->sender) == NULL)
				fail("delivered message %llu names a sender that is gone",
				    (unsigned long long)m->id);
		}
		if (k != sp->flen)
			fail("pid %lu has %zu deliveries to answer, it was delivered %zu",
			    (unsigned long)p->pid, k, sp->flen);
		if (last != p->dtail)
			fail("pid %lu: delivered list tail is not its last message",
			    (unsigned long)p->pid);
	}
	if (r->fl.nprocs != nalive)
		fail("routing has %u processes, %u live", r->fl.nprocs, nalive);
	if (r->fl.relq != NULL)
		fail("release queue not empty after the operation");
}

/* With --deadlock refuse, no process waits, through calls, on itself. */
static void
check_acyclic(struct harness *h)
{
	for (int i = 0; i < NPROC; i++) {
		const struct rproc *p = h->s[i].alive ? h->s[i].rp : NULL;
		const struct rproc *x = p != NULL && p->call != NULL ? p->call->srv : NULL;
		for (unsigned n = 0; x != NULL && n <= h->r.fl.nprocs; n++) {
			if (x == p)
				fail("pid %lu waits on itself through calls, and deadlocks are "
				    "refused", (unsigned long)p->pid);
			x = x->call != NULL ? x->call->srv : NULL;
		}
	}
}

/* route_dump(): one line per slot of each array and a heading for each,
   and a link's line says how many of its messages are withheld. */
struct dump {
	struct harness	*h;
	unsigned	 n;
};

static void
dump_line(void *arg, const char *s)
{
	struct dump *d = arg;
	const struct route *r = &d->h->r;
	unsigned i = d->n++, held = 0;
	const char *w;

	if (s == NULL || s[0] == '\0' || strlen(s) >= MIPC_ANSWER_MAX ||
	    strchr(s, '\n') != NULL)
		fail("route_dump line %u empty, too long or not one line", i);
	if (i < 2 + r->pt.nslots || i - 2 - r->pt.nslots >= r->mb.n)
		return;
	const struct link *l = &r->mb.slot[i - 2 - r->pt.nslots];
	const struct rproc *srv = route_proc_find(r, l->server);
	for (const struct msg *m = srv != NULL ? srv->whead : NULL; m != NULL; m = m->snext)
		held += m->port == l->port && m->from == l->client;
	w = strstr(s, " withheld: ");
	if ((held == 0) != (w == NULL))
		fail("route_dump of link %u<-%lu: %u withheld, the line says \"%s\"",
		    l->port, (unsigned long)l->client, held, s);
	if (held > 0) {
		char want[32];
		snprintf(want, sizeof want, " (%u withheld: ", held);
		if (strstr(s, want) == NULL)
			fail("route_dump of link %u<-%lu: %u withheld, the line says "
			    "\"%s\"", l->port, (unsigned long)l->client, held, s);
	}
}

static void
check(struct harness *h)
{
	struct route *r = &h->r;
	unsigned sum = 0, live = 0;

	check_procs(h);
	for (unsigned i = 0; i < r->mb.n; i++) {
		const struct link *l = &r->mb.slot[i];
		unsigned n = 0;
		sum += l->qlen;
		/* no dropped link left behind, and the index finds each */
		if (l->port == 0 || mbox_find(&r->mb, l->port, l->client) != (int)i)
			fail("mailbox slot %u: dropped, or not found by its index", i);
		if (slot_of(h, route_proc_find(r, l->server)) == NULL ||
		    slot_of(h, route_proc_find(r, l->client)) == NULL)
			fail("link %u<-%lu: an end is not a live process", l->port,
			    (unsigned long)l->client);
		/* one server per port */
		for (unsigned j = 0; j < r->mb.n; j++)
			if (r->mb.slot[j].port == l->port && r->mb.slot[j].server != l->server)
				fail("port %u has two servers", l->port);
		int t = ptable_find(&r->pt, l->port);
		if (t >= 0 && r->pt.slot[t].owner != l->server)
			fail("port %u: table owner and link server differ", l->port);
		/* qlen counts exactly the live messages on the link */
		for (const struct msg *m = r->fl.thead; m != NULL; m = m->tnext)
			n += m->port == l->port && m->from == l->client;
		if (n != l->qlen)
			fail("link %u<-%lu: qlen %u, %u live messages on it", l->port,
			    (unsigned long)l->client, l->qlen, n);
	}
	for (unsigned i = 0; i < r->pt.nslots; i++)
		if (r->pt.slot[i].port != 0 &&
		    slot_of(h, route_proc_find(r, r->pt.slot[i].owner)) == NULL)
			fail("table slot %u: its owner is not a live process", i);
	/* The live list: pending messages of live senders, oldest first. */
	const struct msg *prev = NULL;
	for (const struct msg *m = r->fl.thead; m != NULL; prev = m, m = m->tnext) {
		live++;
		if (m->tprev != prev || (prev != NULL && prev->deadline > m->deadline))
			fail("live list broken or out of deadline order at message %llu",
			    (unsigned long long)m->id);
		if (m->id >= h->idcap || !(h->ids[m->id].flags & ID_PENDING))
			fail("live message %llu is not pending", (unsigned long long)m->id);
		if (m->sender == NULL || slot_of(h, m->sender) == NULL ||
		    slot_of(h, m->srv) == NULL)
			fail("live message %llu: sender or server is not a live process",
			    (unsigned long long)m->id);
		if (!on_link(r, m))
			fail("live message %llu (%u<-%lu) is on no link",
			    (unsigned long long)m->id, m->port, (unsigned long)m->from);
		if (live > r->fl.inflight)
			fail("live list longer than inflight %u (a loop?)", r->fl.inflight);
	}
	if (prev != r->fl.ttail)
		fail("live list tail is not its last message");
	if (sum != r->fl.inflight || live != r->fl.inflight || h->npending != live)
		fail("in flight: qlen sum %u, inflight %u, live list %u, pending %u", sum,
		    r->fl.inflight, live, h->npending);
	if (r->cfg.refuse_deadlock)
		check_acyclic(h);
	if (route_next_deadline(r) != (r->fl.thead != NULL ? r->fl.thead->deadline : -1))
		fail("route_next_deadline is not the oldest message's deadline");
	struct dump d = { h, 0 };
	route_dump(r, dump_line, &d);
	if (d.n != 2 + r->pt.nslots + r->mb.nslots)
		fail("route_dump wrote %u lines for %u + %u slots", d.n, r->pt.nslots,
		    r->mb.nslots);
}

/* ----- processes ----- */

static void
spawn(struct harness *h, struct slot *sp, uint32_t pid)
{
	for (int i = 0; i < NPROC; i++)
		if (pid != 0 && h->s[i].alive && h->s[i].rp->pid == pid)
			pid = 0;	/* taken: an unclaimed client instead */
	if ((sp->rp = calloc(1, sizeof *sp->rp)) == NULL)
		abort();
	sp->rp->pid = pid;
	if (route_proc_add(&h->r, sp->rp) == -1)
		abort();
	sp->alive = 1;
	sp->leaving = 0;
	sp->gen++;
	sp->fhead = sp->flen = 0;
}

/*
 * serve_departures(): every process marked to leave is released, in the
 * order marked, those its release marks included; each release is a whole
 * operation, after which the state must be consistent.
 */
static void
departures(struct harness *h)
{
	struct slot *sp;

	while ((sp = h->leave_head) != NULL) {
		if ((h->leave_head = sp->next_leaving) == NULL)
			h->leave_tail = &h->leave_head;
		sp->next_leaving = NULL;
		h->op = OP_GONE;
		sp->going = 1;
		if (h->trace)
			fprintf(stderr, " departs: pid %lu\n", (unsigned long)sp->rp->pid);
		route_proc_gone(&h->r, sp->rp, "was cut off");
		sp->going = 0;
		sp->alive = 0;
		sp->leaving = 0;
		free(sp->rp);
		sp->rp = NULL;
		sp->fhead = sp->flen = 0;
		/* What it sent and was not answered is answered to nobody. */
		for (size_t id = 1; id < h->idcap; id++) {
			struct idstate *st = &h->ids[id];
			if ((st->flags & ID_PENDING) && &h->s[st->slot] == sp &&
			    st->gen == sp->gen) {
				st->flags &= (uint8_t)~ID_PENDING;
				h->npending--;
			}
		}
		h->op = OP_NONE;
		check(h);
	}
}

/* ----- operations ----- */

static void
line(struct harness *h, struct slot *sp, const char *text, size_t len, unsigned flags,
    int64_t now)
{
	struct route_result res;
	struct rproc *p = sp->rp;

	h->op = OP_LINE;
	h->caller = sp;
	h->deadlocks = 0;
	route_line(&h->r, p, text, len, now, flags, &res);
	h->op = OP_NONE;
	if (h->trace)
		fprintf(stderr, " %s \"%.*s\": %s (pending %llu)\n",
		    (flags & ROUTE_CALL) ? "call" : "line", (int)len, text, res.text,
		    (unsigned long long)res.pending);
	if (res.pending == 0) {
		if (strncmp(res.text, "OK", 2) != 0 && strncmp(res.text, "ERR ", 4) != 0)
			fail("route_line answered neither OK nor ERR: \"%s\"", res.text);
		if ((res.code == E_OK) != (strncmp(res.text, "OK", 2) == 0))
			fail("route_line's code %d and answer \"%s\" disagree",
			    (int)res.code, res.text);
		if (res.code == E_EDEADLK && (!h->r.cfg.refuse_deadlock ||
		    !(flags & ROUTE_CALL) || h->deadlocks == 0))
			fail("EDEADLK without a refused call that closed a cycle");
		return;
	}
	struct idstate *st = id_get(h, res.pending, "route_line's pending");
	if (st->flags & (ID_PENDING | ID_ANSWERED | ID_DROPPED | ID_REPLIED))
		fail("route_line's pending message %llu already had an end (flags %#x)",
		    (unsigned long long)res.pending, st->flags);
	st->flags |= ID_PENDING;
	st->slot = (uint8_t)slot_index(h, sp);
	st->gen = sp->gen;
	h->npending++;
	if (flags & ROUTE_CALL) {
		if (p->call == NULL || p->call->id != res.pending)
			fail("pid %lu called (message %llu) and is not blocked in it",
			    (unsigned long)p->pid, (unsigned long long)res.pending);
		/* A call that closes a cycle of waits is reported. */
		const struct rproc *x = p->call->srv;
		for (unsigned n = 0; x != NULL && n <= h->r.fl.nprocs; n++) {
			if (x == p && h->deadlocks == 0)
				fail("pid %lu's call %llu closes a cycle, no FX_DEADLOCK",
				    (unsigned long)p->pid, (unsigned long long)res.pending);
			if (x == p)
				break;
			x = x->call != NULL ? x->call->srv : NULL;
		}
	}
}

/* What a server answers with (op 2's A). */
static const char *const texts[8] = {
	NULL,			/* the default answer */
	"fine",
	"",			/* an empty reply: "OK" */
	"ERR EPERM not for you",	/* an error reply, passed on as it is */
	"ERR NOPE unknown code",	/* not one: "OK ERR NOPE ..." */
	"ERR ",
	"OK already",
	"a reply long enough to be cut when OK is put before it: "
	"0123456789012345678901234567890123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789",
};

static void
answered(struct harness *h, struct slot *sp, unsigned a)
{
	const char *t = texts[a & 7];
	int had = sp->flen > 0, rc;
	uint64_t id = had ? sp->fifo[sp->fhead] : 0;
	int pending = had && id < h->idcap && (h->ids[id].flags & ID_PENDING);

	h->op = OP_ANSWERED;
	h->caller = sp;
	h->expect = id;
	h->replied = h->late = 0;
	if (had) {
		sp->fhead++;
		sp->flen--;
	}
	rc = route_answered(&h->r, sp->rp, t, t != NULL ? strlen(t) : 0);
	h->op = OP_NONE;
	if (rc != (had ? 0 : -1))
		fail("route_answered returned %d with %d deliveries to answer", rc, had);
	if (had && pending && (!h->replied || !(h->ids[id].flags & ID_ANSWERED)))
		fail("answer to pending message %llu: no FX_REPLY or no FX_ANSWER",
		    (unsigned long long)id);
	if (had && !pending && (h->replied || !h->late))
		fail("late answer to abandoned message %llu not dropped to the log",
		    (unsigned long long)id);
}

/* A well-formed line for P: sends, creates, removes, calls on port 80/81. */
static void
templated(struct harness *h, struct slot *sp, unsigned a, int64_t now)
{
	static const char *verb[4] = { "", "c ", "r ", "" };
	char buf[96];
	uint32_t pid = sp->rp->pid != 0 ? sp->rp->pid : (uint32_t)slot_index(h, sp) + 1;
	int n = snprintf(buf, sizeof buf, "%s{.message=m%u,.pid=%lu,.port=%u}",
	    verb[a >> 1], a, (unsigned long)pid, 80 + (a & 1));

	line(h, sp, buf, (size_t)n, (a >> 1) == 3 ? ROUTE_CALL : 0, now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	struct route_config cfg;
	int64_t now = 0;
	size_t i = 1;

	if (size == 0)
		return 0;
	memset(&h, 0, sizeof h);
	h.leave_tail = &h.leave_head;
	h.trace = getenv("FUZZ_ROUTE_TRACE") != NULL;
	cfg.slots = (data[0] & 3) + 1;
	cfg.queue = ((data[0] >> 2) & 3) + 1;
	cfg.timeout_ms = TIMEOUT;
	cfg.refuse_deadlock = (data[0] >> 4) & 1;
	if (route_init(&h.r, &cfg, sink, &h) == -1)
		return 0;
	for (int k = 0; k < NPROC; k++)
		spawn(&h, &h.s[k], k == 3 && (data[0] & 0x20) ? 0 : (uint32_t)k + 1);
	check(&h);
	while (i < size) {
		uint8_t op = data[i++];
		unsigned kind = op >> 5, a = (op >> 2) & 7;
		struct slot *sp = &h.s[op & 3];

		if (h.trace)
			fprintf(stderr, "step %#04x: kind %u, process %d (pid %ld), A %u\n",
			    op, kind, op & 3, sp->alive ? (long)sp->rp->pid : -1L, a);
		switch (kind) {
		case 0:
		case 1: {
			size_t start = i;
			while (i < size && data[i] != '\n')
				i++;
			if (sp->alive)
				line(&h, sp, (const char *)data + start, i - start,
				    kind == 1 ? ROUTE_CALL : 0, now);
			if (i < size)
				i++;
			break;
		}
		case 2:
			if (sp->alive)
				answered(&h, sp, a);
			break;
		case 3:
			now += (op & 0x1f) * 100;
			h.op = OP_EXPIRE;
			route_expire(&h.r, now);
			h.op = OP_NONE;
			break;
		case 4:
			mark_leaving(&h, sp);
			break;
		case 5:
			mark_leaving(&h, sp);
			departures(&h);
			spawn(&h, sp, (a & 1) ? 0 : (uint32_t)slot_index(&h, sp) + 1);
			break;
		case 6: {
			unsigned t = h.next_trap++ % NTRAP;
			h.trap[t].count = (a & 3) + 1;
			h.trap[t].victim = (a & 4) ? -1 : slot_index(&h, sp);
			break;
		}
		case 7:
			if (sp->alive)
				templated(&h, sp, a, now);
			break;
		}
		departures(&h);
		check(&h);
	}
	/* The end: every message still in flight times out, so each pending
	   one has had exactly one answer; then every process leaves, and
	   nothing is left held.  Or the kernel stops as it is, and route_free
	   must free what is still in flight (the leak checker sees). */
	if (data[0] & 0x40)
		goto stop;
	now += TIMEOUT;
	h.op = OP_EXPIRE;
	route_expire(&h.r, now);
	h.op = OP_NONE;
	departures(&h);
	check(&h);
	if (h.npending != 0 || h.r.fl.inflight != 0)
		fail("after every deadline: %u pending, %u in flight", h.npending,
		    h.r.fl.inflight);
	for (int k = 0; k < NPROC; k++)
		mark_leaving(&h, &h.s[k]);
	departures(&h);
	if (h.r.fl.nprocs != 0 || h.r.mb.n != 0 || h.r.pt.used != 0)
		fail("all gone, and %u processes, %u links, %u table entries left",
		    h.r.fl.nprocs, h.r.mb.n, h.r.pt.used);
stop:
	route_free(&h.r);
	for (int k = 0; k < NPROC; k++) {
		free(h.s[k].rp);
		free(h.s[k].fifo);
	}
	free(h.ids);
	return 0;
}
