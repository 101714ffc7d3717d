/*
 * mbox.c - the mailbox queues: one link per slot, kept without gaps.
 *
 * Links are appended at the end of the used part of the array, so the array
 * reads in the order the links were made.  Destroying a link copies every
 * later link down by one slot, as the seed program's copy-and-compact did:
 * the order is kept and no hole is ever left, so slot[0..n) is always the
 * whole story.  Removal is O(n), which for a handful of slots is nothing and
 * keeps the picture simple.
 */
#include <stdlib.h>
#include <string.h>

#include "mbox.h"

int
mbox_init(struct mbox *m, unsigned nslots)
{
	memset(m, 0, sizeof *m);
	if ((m->slot = calloc(nslots, sizeof *m->slot)) == NULL)
		return -1;
	m->nslots = nslots;
	return 0;
}

void
mbox_free(struct mbox *m)
{
	free(m->slot);
	memset(m, 0, sizeof *m);
}

int
mbox_find(const struct mbox *m, uint16_t port, uint32_t client)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->slot[i].port == port && m->slot[i].client == client)
			return (int)i;
	return -1;
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
	return (int)m->n++;
}

void
mbox_remove(struct mbox *m, unsigned i)
{
	memmove(&m->slot[i], &m->slot[i + 1], (m->n - i - 1) * sizeof m->slot[0]);
	m->n--;
	memset(&m->slot[m->n], 0, sizeof m->slot[0]);
}
