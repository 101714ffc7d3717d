/*
 * ptable.c - the process table: registered ports and the process owning each.
 *
 * Where a new entry goes.  The table is never re-sorted: an entry stays in
 * its slot until it is removed, so a student can follow it.  A new entry
 * takes a slot that was freed before, if there is one, and only otherwise
 * the next slot at the end of the part of the array ever used ("high").  Of
 * the freed slots, the most recently freed is taken first.
 *
 * A table that remembered only the last removed index would go wrong after
 * two removals in a row (A, B, C in slots 0, 1, 2; remove 0, then 1): it
 * would have forgotten slot 0, and put the next two entries both into slot
 * 1, the second overwriting the first.  Here every freed slot is kept, on a
 * stack: the next two entries go to slot 1, then slot 0, and the end of the
 * array grows only after that.
 */
#include <stdlib.h>
#include <string.h>

#include "ptable.h"

int
ptable_init(struct ptable *t, unsigned nslots)
{
	memset(t, 0, sizeof *t);
	t->slot = calloc(nslots, sizeof *t->slot);
	t->freed = calloc(nslots, sizeof *t->freed);
	if (t->slot == NULL || t->freed == NULL) {
		ptable_free(t);
		return -1;
	}
	t->nslots = nslots;
	return 0;
}

void
ptable_free(struct ptable *t)
{
	free(t->slot);
	free(t->freed);
	memset(t, 0, sizeof *t);
}

int
ptable_find(const struct ptable *t, uint16_t port)
{
	for (unsigned i = 0; i < t->high; i++)
		if (t->slot[i].port == port)
			return (int)i;
	return -1;
}

int
ptable_insert(struct ptable *t, uint16_t port, uint32_t owner)
{
	unsigned i;

	if (t->nfreed > 0)
		i = t->freed[--t->nfreed];	/* the most recently freed slot */
	else if (t->high < t->nslots)
		i = t->high++;			/* extend the used part */
	else
		return -1;			/* full */
	t->slot[i].port = port;
	t->slot[i].owner = owner;
	t->used++;
	return (int)i;
}

void
ptable_remove(struct ptable *t, unsigned i)
{
	t->slot[i].port = 0;
	t->slot[i].owner = 0;
	t->freed[t->nfreed++] = i;
	t->used--;
}
