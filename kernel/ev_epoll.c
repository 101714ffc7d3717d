/*
 * ev_epoll.c - the event backend for Linux: epoll(7).
 *
 * The kernel keeps the interest set, so set() is one epoll_ctl and wait() is
 * one epoll_wait.  Each registration carries the fd and the mask it watches
 * in its data word: epoll reports a hangup or an error whether or not it was
 * asked for, and wait() needs the mask to turn that into EV_READ and/or
 * EV_WRITE for what the caller is waiting on, so that its read() or write()
 * meets the error.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"

struct ev_epoll {
	int			 epfd;
	struct epoll_event	*events;	/* room for one wait's results */
	int			 cap;		/* entries in events */
};

/* Packs fd and its watched mask into epoll's data word, and back. */
static uint64_t
epoll_pack(int fd, int mask)
{
	return (uint64_t)(uint32_t)fd << 32 | (uint32_t)mask;
}

static int
epoll_unpack_fd(uint64_t u)
{
	return (int)(uint32_t)(u >> 32);
}

static int
epoll_unpack_mask(uint64_t u)
{
	return (int)(u & (EV_READ | EV_WRITE));
}

/* Returns a new state, or NULL with errno. */
static void *
epoll_be_create(void)
{
	struct ev_epoll *e;
	int saved;

	if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	/* Close-on-exec: the children the kernel spawns must not inherit it. */
	if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		saved = errno;
		free(e);
		errno = saved;
		return NULL;
	}
	return e;
}

/*
 * Closes the epoll fd and frees the state.  The fd is ours alone, so close
 * can only fail if someone else closed it: a broken invariant, and fatal.
 */
static void
epoll_be_free(void *state)
{
	struct ev_epoll *e = state;

	if (close(e->epfd) == -1) {
		fprintf(stderr, "epoll_be_free: close %d: %s\n", e->epfd,
		    strerror(errno));
		abort();
	}
	free(e->events);
	free(e);
}

/*
 * Moves fd from oldmask to newmask: added when nothing was watched, deleted
 * when nothing will be, modified otherwise.  Returns 0, or -1 with the errno
 * of epoll_ctl (EBADF for a closed fd, EPERM for a regular file).
 */
static int
epoll_be_set(void *state, int fd, int oldmask, int newmask)
{
	struct ev_epoll *e = state;
	struct epoll_event ee;
	int op;

	if (newmask == 0)
		op = EPOLL_CTL_DEL;
	else if (oldmask == 0)
		op = EPOLL_CTL_ADD;
	else
		op = EPOLL_CTL_MOD;
	/* Old kernels want a non-NULL event even for a delete. */
	memset(&ee, 0, sizeof ee);
	if (newmask & EV_READ)
		ee.events |= EPOLLIN;
	if (newmask & EV_WRITE)
		ee.events |= EPOLLOUT;
	ee.data.u64 = epoll_pack(fd, newmask);
	if (epoll_ctl(e->epfd, op, fd, &ee) == -1)
		return -1;
	return 0;
}

/*
 * Waits up to timeout_ms and fills out[0..n) with at most max ready fds;
 * epoll never reports one fd twice in one wait.  Returns n, or -1 with errno
 * (EINTR included, for the caller to retry).
 */
static int
epoll_be_wait(void *state, struct ev_event *out, int max, int timeout_ms)
{
	struct ev_epoll *e = state;
	struct epoll_event *ee;
	int got, n = 0;

	if (max > e->cap) {
		if ((ee = realloc(e->events, (size_t)max * sizeof *ee)) == NULL)
			return -1;
		e->events = ee;
		e->cap = max;
	}
	if ((got = epoll_wait(e->epfd, e->events, max, timeout_ms)) == -1)
		return -1;
	for (int i = 0; i < got; i++) {
		uint32_t what = e->events[i].events;
		int watched = epoll_unpack_mask(e->events[i].data.u64);
		int mask = 0;

		if (what & EPOLLIN)
			mask |= EV_READ;
		if (what & EPOLLOUT)
			mask |= EV_WRITE;
		if (what & (EPOLLHUP | EPOLLERR))
			mask |= watched;
		if ((mask &= watched) == 0)
			continue;
		out[n].fd = epoll_unpack_fd(e->events[i].data.u64);
		out[n].mask = mask;
		n++;
	}
	return n;
}

const struct ev_backend ev_backend_epoll = {
	.name = "epoll",
	.create = epoll_be_create,
	.free = epoll_be_free,
	.set = epoll_be_set,
	.wait = epoll_be_wait,
};
