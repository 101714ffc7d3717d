/*
 * ev_kqueue.c - the event backend for macOS and the BSDs: kqueue(2).
 *
 * kqueue watches reading and writing on one fd as two separate filters,
 * EVFILT_READ and EVFILT_WRITE, and reports each on its own.  set() adds or
 * deletes one filter per bit that changes; wait() folds the two reports of
 * one fd back into a single struct ev_event with both bits.
 *
 * A hangup or an error comes back on the filter that was watched, with
 * EV_EOF set, so it already reads as EV_READ or EV_WRITE for what the caller
 * asked; the caller's read() or write() then meets the error.
 *
 * The same file builds on Linux against libkqueue, which provides the same
 * <sys/event.h> over epoll.
 */
#if !defined(__linux__)
/*
 * <sys/event.h> is a BSD header, outside POSIX, and on the BSDs and macOS it
 * uses types (u_short, u_int) that -D_POSIX_C_SOURCE hides.  Without the
 * macro each of these systems shows its whole namespace.
 */
#undef _POSIX_C_SOURCE
#endif

#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"

struct ev_kqueue {
	int		 kq;
	struct kevent	*events;	/* room for one wait's results */
	int		 cap;		/* entries in events */
	int		*slot;		/* slot[fd]: its entry in out[], or stale */
	int		 nslot;		/* entries in slot */
};

/* Reports a broken invariant and stops: the kqueue no longer matches ev.c. */
static void
kqueue_fatal(const char *func, const char *what, int fd)
{
	fprintf(stderr, "%s: %s %d: %s\n", func, what, fd, strerror(errno));
	abort();
}

/* Returns a new state, or NULL with errno. */
static void *
kqueue_be_create(void)
{
	struct ev_kqueue *k;
	int saved;

	if ((k = calloc(1, sizeof *k)) == NULL)
		return NULL;
	if ((k->kq = kqueue()) == -1) {
		saved = errno;
		free(k);
		errno = saved;
		return NULL;
	}
	/*
	 * A fork does not pass a kqueue on, but an exec without one would:
	 * the children the kernel spawns must not inherit it.
	 */
	if (fcntl(k->kq, F_SETFD, FD_CLOEXEC) == -1) {
		saved = errno;
		if (close(k->kq) == -1)
			kqueue_fatal("kqueue_be_create", "close", k->kq);
		free(k);
		errno = saved;
		return NULL;
	}
	return k;
}

/*
 * Closes the kqueue and frees the state.  The fd is ours alone, so close can
 * only fail if someone else closed it: a broken invariant, and fatal.
 */
static void
kqueue_be_free(void *state)
{
	struct ev_kqueue *k = state;

	if (close(k->kq) == -1)
		kqueue_fatal("kqueue_be_free", "close", k->kq);
	free(k->events);
	free(k->slot);
	free(k);
}

/* Adds (on) or deletes (!on) one filter of fd.  Returns 0, or -1 with errno. */
static int
kqueue_change(struct ev_kqueue *k, int fd, int filter, int on)
{
	struct kevent kev;

	EV_SET(&kev, fd, filter, on ? EV_ADD : EV_DELETE, 0, 0, 0);
	return kevent(k->kq, &kev, 1, NULL, 0, NULL) == -1 ? -1 : 0;
}

/*
 * Moves fd from oldmask to newmask, one kevent call per filter that changes.
 * One call per filter, not one for both, because a call that fails part way
 * does not say which change it made.  If the second change fails the first
 * is undone, so the kqueue still matches oldmask, as ev.c will believe.
 * Adds go first: a failing delete then only has an add to undo, which is a
 * delete and cannot run out of memory.  Returns 0, or -1 with errno.
 */
static int
kqueue_be_set(void *state, int fd, int oldmask, int newmask)
{
	struct ev_kqueue *k = state;
	int added = newmask & ~oldmask, removed = oldmask & ~newmask;
	int filter[2], on[2], n = 0, saved;

	if (newmask != 0 && ev_fd_table(&k->slot, &k->nslot, fd) == -1)
		return -1;
	if (added & EV_READ) {
		filter[n] = EVFILT_READ;
		on[n++] = 1;
	}
	if (added & EV_WRITE) {
		filter[n] = EVFILT_WRITE;
		on[n++] = 1;
	}
	if (removed & EV_READ) {
		filter[n] = EVFILT_READ;
		on[n++] = 0;
	}
	if (removed & EV_WRITE) {
		filter[n] = EVFILT_WRITE;
		on[n++] = 0;
	}

	for (int i = 0; i < n; i++) {
		if (kqueue_change(k, fd, filter[i], on[i]) == 0)
			continue;
		saved = errno;
		while (i-- > 0)
			if (kqueue_change(k, fd, filter[i], !on[i]) == -1)
				kqueue_fatal("kqueue_be_set", "undo on fd", fd);
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * Waits up to timeout_ms and fills out[0..n) with at most max ready fds, one
 * entry each.  It asks the kernel for max reports, so at most max fds come
 * back; an fd ready both ways takes two of them, which only makes this turn
 * shorter (its other half, if cut off, is reported next time: the filters
 * are level-triggered).  slot[] finds an fd's entry in out[] in O(1) when
 * its second filter comes.  Returns n, or -1 with errno (EINTR included).
 */
static int
kqueue_be_wait(void *state, struct ev_event *out, int max, int timeout_ms)
{
	struct ev_kqueue *k = state;
	struct timespec ts, *tsp = NULL;
	struct kevent *kev;
	int got, n = 0;

	if (max > k->cap) {
		if ((kev = realloc(k->events, (size_t)max * sizeof *kev)) == NULL)
			return -1;
		k->events = kev;
		k->cap = max;
	}
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	if ((got = kevent(k->kq, NULL, 0, k->events, max, tsp)) == -1)
		return -1;
	for (int i = 0; i < got; i++) {
		int fd = (int)k->events[i].ident;
		int bit, j;

		if (k->events[i].filter == EVFILT_READ)
			bit = EV_READ;
		else if (k->events[i].filter == EVFILT_WRITE)
			bit = EV_WRITE;
		else
			continue;	/* no other filter is ever added */
		if (fd < 0 || fd >= k->nslot)
			continue;	/* nor any fd that set() has not seen */
		j = k->slot[fd];
		if (j >= 0 && j < n && out[j].fd == fd) {
			out[j].mask |= bit;
			continue;
		}
		k->slot[fd] = n;
		out[n].fd = fd;
		out[n].mask = bit;
		n++;
	}
	return n;
}

const struct ev_backend ev_backend_kqueue = {
	.name = "kqueue",
	.create = kqueue_be_create,
	.free = kqueue_be_free,
	.set = kqueue_be_set,
	.wait = kqueue_be_wait,
};
