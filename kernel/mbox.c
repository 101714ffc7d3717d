/*
 * mbox.c - the mailbox queues: one link per slot, kept without gaps.
 *
 * Links are appended at the end of the used part of the array, so the array
 * reads in the order the links were made.  Destroying a link copies every
 * later link down by one slot (copy and compact): the order is kept and no
 * hole is ever left, so slot[0..n) is always the
 * whole story.  Removal is O(n), which for a handful of slots is nothing and
 * keeps the picture simple.  A process that leaves may hold every link at
 * once: those are dropped one by one and the array compacted once, so that
 * the teardown stays O(n) rather than O(n) per link.
 *
 * Finding the link a message travels on happens twice per message, so that
 * lookup goes through a small hash index rather than a scan of the array:
 * with 1024 links a scan costs more than the rest of the routing.  The index
 * maps (port, client) to a slot by open addressing; a removal, which moves
 * the later links down anyway, rebuilds it.
 */
#include <stdlib.h>
#include <string.h>

#include "mbox.h"

static unsigned
hash(uint16_t port, uint32_t client)
{
	uint32_t h = ((uint32_t)port << 16 ^ client) * 2654435761u;

	return h ^ h >> 15;
}

/* The index position holding (port, client), or the empty one ending its run. */
static unsigned
probe(const struct mbox *m, uint16_t port, uint32_t client)
{
	unsigned i = hash(port, client) & m->mask;

	while (m->index[i] != -1) {
		const struct link *l = &m->slot[m->index[i]];
		if (l->port == port && l->client == client)
			break;
		i = (i + 1) & m->mask;
	}
	return i;
}

static void
reindex(struct mbox *m)
{
	memset(m->index, -1, (m->mask + 1) * sizeof *m->index);
	for (unsigned s = 0; s < m->n; s++)
		m->index[probe(m, m->slot[s].port, m->slot[s].client)] = (int)s;
}

int
mbox_init(struct mbox *m, unsigned nslots)
{
	unsigned size = 4;

	memset(m, 0, sizeof *m);
	while (size < 2 * nslots)
		size *= 2;
	m->slot = calloc(nslots, sizeof *m->slot);
	m->index = malloc(size * sizeof *m->index);
	if (m->slot == NULL || m->index == NULL) {
		mbox_free(m);
		return -1;
	}
	m->nslots = nslots;
	m->mask = size - 1;
	reindex(m);
	return 0;
}

void
mbox_free(struct mbox *m)
{
	free(m->slot);
	free(m->index);
	memset(m, 0, sizeof *m);
}

int
mbox_find(const struct mbox *m, uint16_t port, uint32_t client)
{
	return m->index[probe(m, port, client)];
}

int
mbox_find_port(const struct mbox *m, uint16_t port, unsigned from)
{
	for (unsigned i = from; i < m->n; i++)
		if (m->slot[i].port == port)
			return (int)i;
	return -1;
}

int
mbox_add(struct mbox *m, uint16_t port, uint32_t server, uint32_t client)
{
	if (m->n == m->nslots)
		return -1;
	struct link *l = &m->slot[m->n];
	l->port = port;
	l->server = server;
	l->client = client;
	l->qlen = 0;
	m->index[probe(m, port, client)] = (int)m->n;
	return (int)m->n++;
}

void
mbox_remove(struct mbox *m, unsigned i)
{
	mbox_drop(m, i);
	mbox_compact(m);
}

void
mbox_drop(struct mbox *m, unsigned i)
{
	/* Its index entry stays until mbox_compact: a probe passes over it,
	   as it passes over any link that is not the one it looks for. */
	m->slot[i].port = 0;
}

void
mbox_compact(struct mbox *m)
{
	unsigned w = 0;

	for (unsigned i = 0; i < m->n; i++)
		if (m->slot[i].port != 0)
			m->slot[w++] = m->slot[i];
	if (w == m->n)
		return;
	memset(&m->slot[w], 0, (m->n - w) * sizeof m->slot[0]);
	m->n = w;
	reindex(m);
}
