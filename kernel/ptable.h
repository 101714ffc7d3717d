/*
 * ptable.h - the process table: registered ports and the process owning each.
 */
#ifndef MIPC_PTABLE_H
#define MIPC_PTABLE_H

#include <stdint.h>

struct pt_entry {
	uint16_t port;		/* 0: the slot is free */
	uint32_t owner;		/* simulated pid */
};

struct ptable {
	struct pt_entry	*slot;
	unsigned	 nslots;
	unsigned	 high;		/* slots [high, nslots) have never been used */
	unsigned	*freed;		/* stack of freed slot indices, most recent on top */
	unsigned	 nfreed;
	unsigned	 used;		/* slots holding an entry */
};

/* Returns 0, or -1 if memory ran out. */
int	ptable_init(struct ptable *t, unsigned nslots);
void	ptable_free(struct ptable *t);
/* Returns the slot holding port, or -1. */
int	ptable_find(const struct ptable *t, uint16_t port);
/* Puts (port, owner) in the slot ptable.c's rule chooses (freed slots first).
 * Returns the slot, or -1 if the table is full.  The port must not be in it. */
int	ptable_insert(struct ptable *t, uint16_t port, uint32_t owner);
/* Frees slot i, which must hold an entry. */
void	ptable_remove(struct ptable *t, unsigned i);

#endif
