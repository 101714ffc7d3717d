/*
 * ev_epoll.c - the event backend for Linux.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ev.h"

struct ev_epoll {
	int epfd;
	struct epoll_event *events;	/* room for what one wait may return */
	int cap;
};

static void *
epoll_state_create(void)
{
	struct ev_epoll *e = calloc(1, sizeof *e);

	if (e == NULL)
		return NULL;
	if ((e->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(e);
		return NULL;
	}
	return e;
}

static void
epoll_state_free(void *state)
{
	struct ev_epoll *e = state;

	(void)close(e->epfd);
	free(e->events);
	free(e);
}

static int
epoll_set(void *state, int fd, int oldmask, int newmask)
{
	struct ev_epoll *e = state;
	struct epoll_event ee = { 0 };
	int op;

	if (newmask == 0)
		op = EPOLL_CTL_DEL;
	else
		op = oldmask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	ee.data.fd = fd;
	if (newmask & EV_READ)
		ee.events |= EPOLLIN;
	if (newmask & EV_WRITE)
		ee.events |= EPOLLOUT;
	return epoll_ctl(e->epfd, op, fd, &ee);
}

static int
epoll_state_wait(void *state, struct ev_event *out, int max, int timeout_ms)
{
	struct ev_epoll *e = state;
	int n;

	if (max > e->cap) {
		struct epoll_event *ee = realloc(e->events, (size_t)max * sizeof *ee);
		if (ee == NULL)
			return -1;
		e->events = ee;
		e->cap = max;
	}
	n = epoll_wait(e->epfd, e->events, max, timeout_ms);

	for (int i = 0; i < n; i++) {
		uint32_t got = e->events[i].events;
		out[i].fd = e->events[i].data.fd;
		out[i].mask = 0;
		if (got & (EPOLLIN | EPOLLHUP | EPOLLERR))
			out[i].mask |= EV_READ;
		if (got & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			out[i].mask |= EV_WRITE;
	}
	return n;
}

const struct ev_backend ev_backend_epoll = {
	"epoll", epoll_state_create, epoll_state_free, epoll_set, epoll_state_wait,
};
