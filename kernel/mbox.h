/*
 * mbox.h - the mailbox queues: one link per slot, kept without gaps.
 *
 * A link joins a server port (first, with the process owning it) and a client
 * pid (second).  qlen counts the messages in flight on the link; the messages
 * themselves are kept by route.c, in the order they were delivered.
 */
#ifndef MIPC_MBOX_H
#define MIPC_MBOX_H

#include <stdint.h>

struct link {
	uint16_t port;		/* first: the server's port */
	uint32_t server;	/* the pid owning port */
	uint32_t client;	/* second: the client's pid */
	unsigned qlen;		/* messages in flight on this link */
};

struct mbox {
	struct link	*slot;	/* slot[0..n) in use, in the order they were made */
	unsigned	 nslots;
	unsigned	 n;
	int		*index;	/* (port, client) -> slot, open addressing; -1 empty */
	unsigned	 mask;	/* index size - 1, a power of two over 2 * nslots */
};

int	mbox_init(struct mbox *m, unsigned nslots);
void	mbox_free(struct mbox *m);
/* Returns the slot of link (port, client), or -1.  O(1). */
int	mbox_find(const struct mbox *m, uint16_t port, uint32_t client);
/* Returns the first slot whose link has this port, from slot `from` on, or -1. */
int	mbox_find_port(const struct mbox *m, uint16_t port, unsigned from);
/* Appends a link; returns its slot, or -1 if the array is full.  The link
   must not be in it. */
int	mbox_add(struct mbox *m, uint16_t port, uint32_t server, uint32_t client);
/* Removes slot i and moves every later link down by one, keeping their order. */
void	mbox_remove(struct mbox *m, unsigned i);
/* Destroys the link in slot i but leaves the slot in place (port 0, which no
   link has), so that the other slots keep theirs while a caller goes through
   the array; no lookup finds it.  mbox_compact then removes every such slot
   at once, as that many mbox_remove calls would have, in O(n). */
void	mbox_drop(struct mbox *m, unsigned i);
void	mbox_compact(struct mbox *m);

#endif
