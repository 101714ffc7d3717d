/*
 * ev.c - the event loop's front: picks a backend and keeps the interest set.
 *
 * The backends are listed here, best first, as the build found them; this is
 * the one place that knows which exist.  ev.c remembers what is watched on
 * each fd, so a backend only ever hears "fd goes from mask A to mask B".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"

/* kqueue is the native best on macOS and the BSDs; on Linux (through
   libkqueue) it is an emulation, and epoll stays the default. */
static const struct ev_backend *const backends[] = {
#if defined(HAVE_KQUEUE) && !defined(__linux__)
	&ev_backend_kqueue,
#endif
#ifdef HAVE_EPOLL
	&ev_backend_epoll,
#endif
#if defined(HAVE_KQUEUE) && defined(__linux__)
	&ev_backend_kqueue,
#endif
#ifdef HAVE_POLL
	&ev_backend_poll,
#endif
	NULL
};

struct ev {
	const struct ev_backend *be;
	void		*state;
	unsigned char	*mask;		/* what is watched, by fd */
	int		 nmask;
};

const char *const *
ev_backends(void)
{
	static const char *names[sizeof backends / sizeof backends[0]];

	for (size_t i = 0; backends[i] != NULL; i++)
		names[i] = backends[i]->name;
	return names;
}

struct ev *
ev_create(const char *name)
{
	const struct ev_backend *be = NULL;
	struct ev *ev;

	for (size_t i = 0; backends[i] != NULL && be == NULL; i++)
		if (name == NULL || strcmp(name, backends[i]->name) == 0)
			be = backends[i];
	if (be == NULL) {
		errno = ENOENT;
		return NULL;
	}
	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return NULL;
	ev->be = be;
	if ((ev->state = be->create()) == NULL) {
		int e = errno;
		free(ev);
		errno = e;
		return NULL;
	}
	return ev;
}

void
ev_free(struct ev *ev)
{
	if (ev == NULL)
		return;
	ev->be->free(ev->state);
	free(ev->mask);
	free(ev);
}

/* Sets fd's mask to m, telling the backend. */
static int
ev_set(struct ev *ev, int fd, int m)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (fd >= ev->nmask) {
		int n = ev->nmask ? ev->nmask : 64;
		while (n <= fd)
			n *= 2;
		unsigned char *mask = realloc(ev->mask, (size_t)n);
		if (mask == NULL)
			return -1;
		memset(mask + ev->nmask, 0, (size_t)(n - ev->nmask));
		ev->mask = mask;
		ev->nmask = n;
	}
	int old = ev->mask[fd];
	if (old == m)
		return 0;
	if (ev->be->set(ev->state, fd, old, m) == -1)
		return -1;
	ev->mask[fd] = (unsigned char)m;
	return 0;
}

int
ev_add(struct ev *ev, int fd, int mask)
{
	int old = fd >= 0 && fd < ev->nmask ? ev->mask[fd] : 0;

	return ev_set(ev, fd, old | mask);
}

int
ev_del(struct ev *ev, int fd, int mask)
{
	int old = fd >= 0 && fd < ev->nmask ? ev->mask[fd] : 0;

	return ev_set(ev, fd, old & ~mask);
}

int
ev_wait(struct ev *ev, struct ev_event *out, int max, int timeout_ms)
{
	return ev->be->wait(ev->state, out, max, timeout_ms);
}

const char *
ev_name(const struct ev *ev)
{
	return ev->be->name;
}
