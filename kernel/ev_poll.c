/*
 * ev_poll.c - the portable event backend: poll(2), on any POSIX system.
 *
 * poll() takes the whole interest set on every call, so this file keeps it
 * as a dense array of struct pollfd, ready to hand over.  Beside it, index[]
 * maps an fd to its entry, so that changing or removing an fd's interest is
 * O(1) instead of a search: a new fd goes at the end, and a removed one is
 * overwritten by the last entry (whose index is updated), so the array never
 * has holes.  The order of the entries is therefore arbitrary, which is fine:
 * poll does not care, and neither does the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>

#include "ev.h"

struct ev_poll {
	struct pollfd	*fds;		/* the interest set, dense */
	int		 n;		/* entries in use */
	int		 cap;		/* entries allocated */
	int		*index;		/* index[fd]: its entry in fds, or -1 */
	int		 nindex;	/* entries in index */
	int		 next;		/* where the next wait starts reporting */
};

/* Returns a new, empty state, or NULL with errno ENOMEM. */
static void *
poll_be_create(void)
{
	return calloc(1, sizeof(struct ev_poll));
}

/* Frees the state; there is no descriptor to close. */
static void
poll_be_free(void *state)
{
	struct ev_poll *p = state;

	free(p->fds);
	free(p->index);
	free(p);
}

/* Makes room in fds[] for one more entry.  Returns 0 or -1. */
static int
poll_grow_fds(struct ev_poll *p)
{
	struct pollfd *fds;
	int cap;

	if (p->n < p->cap)
		return 0;
	if (p->cap > INT_MAX / 2) {
		errno = ENOMEM;
		return -1;
	}
	cap = p->cap != 0 ? p->cap * 2 : 64;
	if ((fds = realloc(p->fds, (size_t)cap * sizeof *fds)) == NULL)
		return -1;
	p->fds = fds;
	p->cap = cap;
	return 0;
}

/* Returns poll's events for an EV_ mask. */
static short
poll_events(int mask)
{
	short events = 0;

	if (mask & EV_READ)
		events |= POLLIN;
	if (mask & EV_WRITE)
		events |= POLLOUT;
	return events;
}

/*
 * Moves fd from oldmask to newmask.  Returns 0, or -1 with errno: ENOMEM, or
 * EBADF for an fd that is not open, which epoll and kqueue refuse as well
 * (poll itself would take it and report POLLNVAL on every wait).
 */
static int
poll_be_set(void *state, int fd, int oldmask, int newmask)
{
	struct ev_poll *p = state;
	int i;

	if (oldmask == 0) {
		if (fcntl(fd, F_GETFD) == -1)
			return -1;
		if (ev_fd_table(&p->index, &p->nindex, fd) == -1 ||
		    poll_grow_fds(p) == -1)
			return -1;
		i = p->n++;
		p->index[fd] = i;
		p->fds[i].fd = fd;
		p->fds[i].events = poll_events(newmask);
		p->fds[i].revents = 0;
		return 0;
	}
	/* ev.c only tells us of fds it gave us, so fd has an entry. */
	i = p->index[fd];
	if (newmask != 0) {
		p->fds[i].events = poll_events(newmask);
		return 0;
	}
	/* The last entry fills the hole; when fd is the last, this is a no-op. */
	p->fds[i] = p->fds[--p->n];
	p->index[p->fds[i].fd] = i;
	p->index[fd] = -1;
	return 0;
}

/* Returns the EV_ mask for one entry's revents: 0 when it is not ready. */
static int
poll_mask(const struct pollfd *pfd)
{
	int watched = 0, mask = 0;

	if (pfd->events & POLLIN)
		watched |= EV_READ;
	if (pfd->events & POLLOUT)
		watched |= EV_WRITE;
	if (pfd->revents & POLLIN)
		mask |= EV_READ;
	if (pfd->revents & POLLOUT)
		mask |= EV_WRITE;
	/* Always reported, asked or not: the caller's read or write will say. */
	if (pfd->revents & (POLLHUP | POLLERR | POLLNVAL))
		mask |= watched;
	return mask & watched;
}

/*
 * Waits up to timeout_ms and fills out[0..n) with at most max ready fds.
 * When more are ready than fit, the next wait starts after the last one
 * reported, so the ones at the end of the array are not starved by busy ones
 * at the start.  Returns n, or -1 with errno (EINTR included).
 */
static int
poll_be_wait(void *state, struct ev_event *out, int max, int timeout_ms)
{
	struct ev_poll *p = state;
	int ready, seen = 0, n = 0, i;

	if ((ready = poll(p->fds, (nfds_t)p->n, timeout_ms)) <= 0)
		return ready;
	if (p->next >= p->n)
		p->next = 0;
	i = p->next;
	/* poll said how many entries have revents: stop once all are seen. */
	for (int k = 0; k < p->n && seen < ready && n < max; k++) {
		const struct pollfd *pfd = &p->fds[i];
		int mask;

		if (pfd->revents != 0) {
			seen++;
			if ((mask = poll_mask(pfd)) != 0) {
				out[n].fd = pfd->fd;
				out[n].mask = mask;
				n++;
			}
		}
		if (++i == p->n)
			i = 0;
	}
	p->next = i;
	return n;
}

const struct ev_backend ev_backend_poll = {
	.name = "poll",
	.create = poll_be_create,
	.free = poll_be_free,
	.set = poll_be_set,
	.wait = poll_be_wait,
};
