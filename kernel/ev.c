/*
 * ev.c - the event loop's front: picks a backend and keeps the interest set.
 *
 * This is the one place that knows which backends exist: the Makefile says
 * which were built with HAVE_KQUEUE, HAVE_EPOLL and HAVE_POLL, and the table
 * below lists them best first.  ev.c also remembers what is watched on each
 * fd, so that a backend never has to: it only hears "fd goes from mask A to
 * mask B" and can pick the cheapest native call for that step.
 *
 * The user pointer of each fd lives in the same table, beside its mask, and
 * ev_wait copies it into each event the backend reports: one indexed load per
 * event, the same for every backend, and replacing a pointer is one store,
 * never a system call.  (kqueue could carry it in a kevent's udata, but epoll
 * has room for the fd or a pointer, not both, and poll for neither; and the
 * table is here anyway, for the masks.)
 *
 * Contract for callers: forget an fd (ev_del of everything watched) before
 * closing it.  epoll and kqueue drop a closed fd by themselves, poll and
 * libkqueue do not, and none of them can tell ev.c, so a closed but still
 * watched fd leaves the record here out of date for whoever reuses the number.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"

/*
 * The backends built in, best first.  epoll and kqueue are each native to
 * their systems and are never built together there; both are present only on
 * Linux with libkqueue, which is itself written over epoll, so epoll goes
 * first.  poll works everywhere and is the fallback.
 */
static const struct ev_backend *const backends[] = {
#ifdef HAVE_EPOLL
	&ev_backend_epoll,
#endif
#ifdef HAVE_KQUEUE
	&ev_backend_kqueue,
#endif
#ifdef HAVE_POLL
	&ev_backend_poll,
#endif
	NULL
};

#define NBACKENDS (sizeof backends / sizeof backends[0])

/* What ev.c knows of one fd; all zero for an fd not watched. */
struct ev_fd {
	void	*udata;		/* handed back in each of its events */
	int	 mask;		/* EV_READ and/or EV_WRITE */
};

struct ev {
	const struct ev_backend *be;
	void		*state;		/* the backend's, opaque here */
	struct ev_fd	*fds;		/* fds[fd]: fd's mask and pointer */
	size_t		 nfds;		/* entries in fds */
};

/* Returns the names of the backends built in, best first, NULL-terminated. */
const char *const *
ev_backends(void)
{
	static const char *names[NBACKENDS];

	/* The table is constant, so filling this again gives the same array. */
	for (size_t i = 0; backends[i] != NULL; i++)
		names[i] = backends[i]->name;
	names[NBACKENDS - 1] = NULL;
	return names;
}

/*
 * Creates a loop with the named backend, or the first of the table when name
 * is NULL.  Returns NULL with errno ENOENT for a backend that is not built in,
 * or with the errno of whatever failed.
 */
struct ev *
ev_create(const char *name)
{
	const struct ev_backend *be = NULL;
	struct ev *ev;
	int saved;

	for (size_t i = 0; backends[i] != NULL; i++) {
		if (name == NULL || strcmp(name, backends[i]->name) == 0) {
			be = backends[i];
			break;
		}
	}
	if (be == NULL) {
		errno = ENOENT;
		return NULL;
	}
	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->be = be;
	if ((ev->state = be->create()) == NULL) {
		saved = errno;
		free(ev);
		errno = saved;
		return NULL;
	}
	return ev;
}

/* Frees the loop; the fds it watched stay open.  ev may be NULL. */
void
ev_free(struct ev *ev)
{
	if (ev == NULL)
		return;
	ev->be->free(ev->state);
	free(ev->fds);
	free(ev);
}

/* Returns what is watched on fd: 0 for an fd never seen. */
static int
ev_watched(const struct ev *ev, int fd)
{
	if (fd < 0 || (size_t)fd >= ev->nfds)
		return 0;
	return ev->fds[fd].mask;
}

/*
 * Makes fds[] long enough to hold fd.  It doubles, so an fd number costs
 * O(1) amortised however high it is.  Returns 0, or -1 with errno ENOMEM.
 */
static int
ev_grow(struct ev *ev, int fd)
{
	struct ev_fd *fds;
	size_t n;

	if ((size_t)fd < ev->nfds)
		return 0;
	n = ev->nfds != 0 ? ev->nfds : 64;
	while (n <= (size_t)fd)
		n *= 2;
	if (n > SIZE_MAX / sizeof *fds) {
		errno = ENOMEM;
		return -1;
	}
	if ((fds = realloc(ev->fds, n * sizeof *fds)) == NULL)
		return -1;
	for (size_t i = ev->nfds; i < n; i++) {
		fds[i].udata = NULL;
		fds[i].mask = 0;
	}
	ev->fds = fds;
	ev->nfds = n;
	return 0;
}

int
ev_fd_table(int **map, int *n, int fd)
{
	int *m;
	int size;

	if (fd < *n)
		return 0;
	size = *n != 0 ? *n : 64;
	while (size <= fd) {
		if (size > INT_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		size *= 2;
	}
	if ((m = realloc(*map, (size_t)size * sizeof *m)) == NULL)
		return -1;
	for (int i = *n; i < size; i++)
		m[i] = -1;
	*map = m;
	*n = size;
	return 0;
}

/*
 * Moves fd to watching newmask for udata, telling the backend only when the
 * mask changes: a new pointer alone is one store.  An fd left watching
 * nothing is forgotten, pointer and all.  The record changes only once the
 * backend has agreed, so after a failure both still say what they said
 * before.  Returns 0, or -1 with errno.
 */
static int
ev_change(struct ev *ev, int fd, int newmask, void *udata)
{
	int old = ev_watched(ev, fd);

	if (old == newmask && old == 0)
		return 0;	/* not watched, nor to be: nothing to keep */
	if (old != newmask) {
		if (newmask != 0 && ev_grow(ev, fd) == -1)
			return -1;
		if (ev->be->set(ev->state, fd, old, newmask) == -1)
			return -1;
	}
	ev->fds[fd].mask = newmask;
	ev->fds[fd].udata = newmask != 0 ? udata : NULL;
	return 0;
}

/*
 * Checks the arguments both ev_add and ev_del take: EBADF for a negative fd,
 * EINVAL for bits other than EV_READ and EV_WRITE.  Returns 0 or -1.
 */
static int
ev_check(int fd, int mask)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((mask & ~(EV_READ | EV_WRITE)) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/*
 * Watches fd for mask as well as what it watched before, and makes udata its
 * pointer (whatever it was).  Returns 0 or -1.
 */
int
ev_add(struct ev *ev, int fd, int mask, void *udata)
{
	if (ev_check(fd, mask) == -1)
		return -1;
	return ev_change(ev, fd, ev_watched(ev, fd) | mask, udata);
}

/*
 * Stops watching fd for mask, keeping its pointer while anything is left;
 * asking to stop what is not watched is not an error.  Returns 0 or -1.
 */
int
ev_del(struct ev *ev, int fd, int mask)
{
	int old;

	if (ev_check(fd, mask) == -1)
		return -1;
	if ((old = ev_watched(ev, fd)) == 0)
		return 0;
	return ev_change(ev, fd, old & ~mask, ev->fds[fd].udata);
}

/*
 * Waits up to timeout_ms (-1: forever) and fills out[0..n) with the ready
 * fds, one entry each, and their pointers.  A backend reports only fds that
 * set() gave it, all of them in fds[]; anything else is a broken invariant,
 * and fatal.  Returns n, 0 on timeout, or -1 with errno (EINTR when a signal
 * came: the caller handles it and waits again).
 */
int
ev_wait(struct ev *ev, struct ev_event *out, int max, int timeout_ms)
{
	int n;

	if (out == NULL || max <= 0) {
		errno = EINVAL;
		return -1;
	}
	if ((n = ev->be->wait(ev->state, out, max, timeout_ms)) <= 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (out[i].fd < 0 || (size_t)out[i].fd >= ev->nfds) {
			fprintf(stderr, "ev_wait: %s reported fd %d, "
			    "never added\n", ev->be->name, out[i].fd);
			abort();
		}
		out[i].udata = ev->fds[out[i].fd].udata;
	}
	return n;
}

/* Returns the backend's name, for the log and for tests. */
const char *
ev_name(const struct ev *ev)
{
	return ev->be->name;
}
