/*
 * peer.c - the transport to one simulated process or client: its socket.
 *
 * Answers keep the order of the lines they answer.  Each peer has a ring of
 * slots, one per line still owed an answer, taken when the line is handled
 * and before anything can answer it.  A slot is filled when its answer
 * comes, and slots leave the ring only from its head: an answer that is
 * next in line goes out at once; one that comes before those ahead of it
 * is kept (copied) until they have gone.  A client with thousands of lines
 * in flight costs a few words a line.
 *
 * A peer that stops reading is cut off once MIPC_OUTPUT_MAX bytes wait for
 * it, rather than let it hold the kernel or its memory.  The cut-off only
 * marks the peer and tells its owner, who carries out what it means (a
 * departure, a kill) at the end of the loop's turn, never in the middle of
 * the operation that happened to send the last line.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "param.h"
#include "peer.h"

#define READ_BUDGET	(64 * 1024)	/* bytes read from one peer per turn */

void
peer_open(struct peerset *set, struct peer *p, int fd, const struct peer_ops *ops,
    void *arg)
{
	memset(p, 0, sizeof *p);
	p->set = set;
	p->fd = fd;
	p->ops = ops;
	p->arg = arg;
	linebuf_init(&p->in);
	outq_init(&p->out);
	p->next = set->list;
	set->list = p;
	peer_watch(p);
}

/* Sets what the loop watches fd for. */
static void
watch(struct peer *p, int reading, int writing)
{
	if (p->fd == -1)
		return;
	if (reading != p->reading) {
		if ((reading ? ev_add(p->set->ev, p->fd, EV_READ, p) :
		    ev_del(p->set->ev, p->fd, EV_READ)) == -1)
			logw_printf(p->set->log, "peer_watch: fd %d: %s", p->fd,
			    strerror(errno));
		p->reading = reading;
	}
	if (writing != p->writing) {
		if ((writing ? ev_add(p->set->ev, p->fd, EV_WRITE, p) :
		    ev_del(p->set->ev, p->fd, EV_WRITE)) == -1)
			logw_printf(p->set->log, "peer_watch: fd %d: %s", p->fd,
			    strerror(errno));
		p->writing = writing;
	}
}

void
peer_watch(struct peer *p)
{
	watch(p, !p->hold && !p->eof && p->cut == NULL &&
	    p->slot_n < MIPC_PENDING_MAX, p->cut == NULL && outq_size(&p->out) > 0);
}

void
peer_close(struct peer *p)
{
	if (p->fd == -1)
		return;
	watch(p, 0, 0);
	if (close(p->fd) == -1)
		logw_printf(p->set->log, "peer_close: fd %d: %s", p->fd, strerror(errno));
	p->fd = -1;
	for (struct peer **pp = &p->set->list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->next = NULL;
}

void
peer_free(struct peer *p)
{
	peer_close(p);
	linebuf_free(&p->in);
	outq_free(&p->out);
	for (unsigned i = 0; i < p->slot_n; i++)
		free(p->slots[(p->slot_head + i) % p->slot_cap].text);
	free(p->slots);
	free(p->marks);
	p->slots = NULL;
	p->marks = NULL;
	p->slot_n = p->slot_cap = p->mark_n = p->mark_cap = 0;
}

/* ----- output ----- */

/* Cuts p off: it gets and gives nothing more; its owner is told. */
static void
cut(struct peer *p, const char *why)
{
	if (p->cut != NULL)
		return;
	p->cut = why;
	watch(p, 0, 0);
	p->ops->cut(p->arg, why);
}

int
peer_send(struct peer *p, const char *s, size_t n)
{
	if (p->fd == -1 || p->cut != NULL)
		return -1;
	if (outq_line(&p->out, s, n) == -1 || outq_size(&p->out) > MIPC_OUTPUT_MAX) {
		logw_printf(p->set->log, "fd %d: %zu bytes queued and not read", p->fd,
		    outq_size(&p->out));
		cut(p, "stopped reading");
		return -1;
	}
	return 0;
}

void
peer_mark(struct peer *p)
{
	if (p->mark_n == p->mark_cap && ring_grow((void **)&p->marks, &p->mark_head,
	    p->mark_n, &p->mark_cap, sizeof *p->marks) == -1) {
		mipc_warn("peer_mark: out of memory");
		abort();	/* an answer owed cannot be dropped */
	}
	p->marks[(p->mark_head + p->mark_n++) % p->mark_cap] = p->out.queued;
}

int
peer_flush(struct peer *p)
{
	if (p->fd == -1 || p->cut != NULL)
		return 0;
	if (outq_size(&p->out) > 0 && outq_flush(&p->out, p->fd) == -1) {
		logw_printf(p->set->log, "fd %d: write: %s", p->fd, strerror(errno));
		cut(p, "lost its connection");
		return -1;
	}
	watch(p, p->reading, outq_size(&p->out) > 0);
	while (p->mark_n > 0 && p->marks[p->mark_head] <= p->out.written &&
	    p->cut == NULL) {
		p->mark_head = (p->mark_head + 1) % p->mark_cap;
		p->mark_n--;
		p->ops->written(p->arg);
	}
	return 0;
}

/* ----- the answer ring ----- */

static struct slot *
slot_at(struct peer *p, uint64_t slot)
{
	if (slot < p->slot_first || slot - p->slot_first >= p->slot_n)
		return NULL;
	return &p->slots[(p->slot_head + (unsigned)(slot - p->slot_first)) % p->slot_cap];
}

uint64_t
peer_slot(struct peer *p, uint64_t re, uint64_t tag)
{
	/* Out of memory is fatal: an answer owed cannot be dropped. */
	if (p->slot_n == p->slot_cap && ring_grow((void **)&p->slots, &p->slot_head,
	    p->slot_n, &p->slot_cap, sizeof *p->slots) == -1) {
		mipc_warn("peer_slot: out of memory");
		abort();
	}
	struct slot *s = &p->slots[(p->slot_head + p->slot_n++) % p->slot_cap];
	s->id = UINT64_MAX;	/* open: neither waiting nor answered */
	s->waited = 0;
	s->text = NULL;
	s->re = re;
	s->tag = tag;
	return p->slot_first + p->slot_n - 1;
}

/* Sends every answered slot at the head of the ring, in order. */
static void
slots_out(struct peer *p)
{
	while (p->slot_n > 0) {
		struct slot s = p->slots[p->slot_head];
		if (s.id != 0)
			break;
		p->slot_head = (p->slot_head + 1) % p->slot_cap;
		p->slot_n--;
		p->slot_first++;
		size_t n = strlen(s.text);
		p->ops->answer(p->arg, s.text, n, s.re, s.tag, s.waited);
		(void)peer_send(p, s.text, n);
		free(s.text);
	}
}

void
peer_slot_answer(struct peer *p, uint64_t slot, const char *text, size_t n)
{
	struct slot *s = slot_at(p, slot);

	if (s == NULL)
		return;		/* its peer's answers were dropped with it */
	if (slot == p->slot_first) {
		/* Next in line: out at once, no copy. */
		p->slot_head = (p->slot_head + 1) % p->slot_cap;
		p->slot_n--;
		p->slot_first++;
		p->ops->answer(p->arg, text, n, s->re, s->tag, s->waited);
		(void)peer_send(p, text, n);
		slots_out(p);
		return;
	}
	if ((s->text = malloc(n + 1)) == NULL) {
		mipc_warn("peer_slot_answer: out of memory");
		abort();
	}
	memcpy(s->text, text, n);
	s->text[n] = '\0';
	s->id = 0;
}

void
peer_slot_wait(struct peer *p, uint64_t slot, uint64_t id)
{
	struct slot *s = slot_at(p, slot);

	if (s != NULL) {
		s->id = id;
		s->waited = 1;
	}
}

int
peer_answer_id(struct peer *p, uint64_t id, const char *text, size_t n)
{
	for (unsigned i = 0; i < p->slot_n; i++)
		if (p->slots[(p->slot_head + i) % p->slot_cap].id == id) {
			peer_slot_answer(p, p->slot_first + i, text, n);
			return 0;
		}
	return -1;
}

void
peer_answer(struct peer *p, const char *text, size_t n, uint64_t re, uint64_t tag)
{
	if (p->slot_n == 0) {
		p->ops->answer(p->arg, text, n, re, tag, 0);
		(void)peer_send(p, text, n);
		return;
	}
	peer_slot_answer(p, peer_slot(p, re, tag), text, n);
}

unsigned
peer_owed(const struct peer *p)
{
	return p->slot_n;
}

void
peer_owed_each(const struct peer *p, void (*fn)(void *arg, uint64_t re), void *arg)
{
	for (unsigned i = 0; i < p->slot_n; i++)
		fn(arg, p->slots[(p->slot_head + i) % p->slot_cap].re);
}

/* ----- input ----- */

/* Hands over every complete line read, until the owner holds. */
static void
lines(struct peer *p)
{
	const char *line;
	size_t len;
	enum linebuf_status st;

	while (p->fd != -1 && p->cut == NULL && !p->hold &&
	    (st = linebuf_next(&p->in, &line, &len)) != LB_NONE) {
		if (st == LB_TOOLONG)
			p->ops->toolong(p->arg);
		else if (p->ops->line(p->arg, line, len) == -1)
			p->hold = 1;
	}
}

void
peer_resume(struct peer *p)
{
	p->hold = 0;
	lines(p);
}

void
peer_read(struct peer *p, int to_end)
{
	size_t budget = READ_BUDGET;

	while (p->fd != -1 && !p->eof && p->cut == NULL && !p->hold &&
	    p->slot_n < MIPC_PENDING_MAX && budget > 0) {
		ssize_t n = linebuf_read(&p->in, p->fd);
		if (n > 0) {
			budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
			lines(p);
			/* Nothing more was there: the loop will say when there is,
			   a read now would only say EAGAIN. */
			if (p->in.drained && !to_end)
				return;
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			return;
		p->eof = 1;
		watch(p, 0, p->writing);
		p->ops->eof(p->arg, n == -1 ? errno : 0);
		return;
	}
}
