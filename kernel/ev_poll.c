/*
 * ev_poll.c - the portable event backend: poll(2), on any POSIX system.
 *
 * The pollfd array is kept dense; an fd-indexed map finds an fd's entry, so
 * adding, changing and removing are O(1) (removal moves the last entry into
 * the hole).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"

struct ev_poll {
	struct pollfd	*fds;
	int		 n, cap;
	int		*index;		/* index[fd]: its entry in fds, or -1 */
	int		 nindex;
};

static void *
poll_create(void)
{
	return calloc(1, sizeof(struct ev_poll));
}

static void
poll_free(void *state)
{
	struct ev_poll *p = state;

	free(p->fds);
	free(p->index);
	free(p);
}

static short
poll_events(int mask)
{
	return (short)(((mask & EV_READ) ? POLLIN : 0) | ((mask & EV_WRITE) ? POLLOUT : 0));
}

static int
poll_set(void *state, int fd, int oldmask, int newmask)
{
	struct ev_poll *p = state;

	(void)oldmask;
	if (fd >= p->nindex) {
		int n = p->nindex ? p->nindex : 64;
		while (n <= fd)
			n *= 2;
		int *index = realloc(p->index, (size_t)n * sizeof *index);
		if (index == NULL)
			return -1;
		for (int i = p->nindex; i < n; i++)
			index[i] = -1;
		p->index = index;
		p->nindex = n;
	}
	int i = p->index[fd];
	if (newmask == 0) {
		if (i == -1)
			return 0;
		p->fds[i] = p->fds[--p->n];
		p->index[p->fds[i].fd] = i;
		p->index[fd] = -1;
		return 0;
	}
	if (i == -1) {
		if (p->n == p->cap) {
			int cap = p->cap ? p->cap * 2 : 64;
			struct pollfd *fds = realloc(p->fds, (size_t)cap * sizeof *fds);
			if (fds == NULL)
				return -1;
			p->fds = fds;
			p->cap = cap;
		}
		i = p->n++;
		p->index[fd] = i;
		p->fds[i].fd = fd;
	}
	p->fds[i].events = poll_events(newmask);
	p->fds[i].revents = 0;
	return 0;
}

static int
poll_wait(void *state, struct ev_event *out, int max, int timeout_ms)
{
	struct ev_poll *p = state;
	int r = poll(p->fds, (nfds_t)p->n, timeout_ms);
	int n = 0;

	if (r <= 0)
		return r;
	for (int i = 0; i < p->n && n < max; i++) {
		short got = p->fds[i].revents;
		if (got == 0)
			continue;
		out[n].fd = p->fds[i].fd;
		out[n].mask = 0;
		if (got & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			out[n].mask |= EV_READ;
		if (got & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
			out[n].mask |= EV_WRITE;
		n++;
	}
	return n;
}

const struct ev_backend ev_backend_poll = {
	"poll", poll_create, poll_free, poll_set, poll_wait,
};
