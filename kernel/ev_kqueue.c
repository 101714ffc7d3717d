/*
 * ev_kqueue.c - the event backend for macOS and the BSDs (and Linux with
 * libkqueue).
 *
 * kqueue watches reading and writing as two filters; set() adds or deletes
 * each as the mask changes, and wait() folds the two filters of one fd back
 * into one event.
 */
#if defined(__APPLE__)
#define _DARWIN_C_SOURCE	/* <sys/event.h> needs the BSD types */
#elif !defined(__linux__)
#define __BSD_VISIBLE 1
#endif

#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "ev.h"

struct ev_kqueue {
	int		 kq;
	struct kevent	*events;	/* room for what one wait may return */
	int		 cap;
};

static void *
kqueue_create(void)
{
	struct ev_kqueue *k = calloc(1, sizeof *k);

	if (k == NULL)
		return NULL;
	if ((k->kq = kqueue()) == -1) {
		free(k);
		return NULL;
	}
	return k;
}

static void
kqueue_free(void *state)
{
	struct ev_kqueue *k = state;

	(void)close(k->kq);
	free(k->events);
	free(k);
}

static int
kqueue_set(void *state, int fd, int oldmask, int newmask)
{
	struct ev_kqueue *k = state;
	struct kevent ch[2];
	int n = 0;

	if ((oldmask ^ newmask) & EV_READ) {
		EV_SET(&ch[n], fd, EVFILT_READ, (newmask & EV_READ) ? EV_ADD : EV_DELETE,
		    0, 0, NULL);
		n++;
	}
	if ((oldmask ^ newmask) & EV_WRITE) {
		EV_SET(&ch[n], fd, EVFILT_WRITE, (newmask & EV_WRITE) ? EV_ADD : EV_DELETE,
		    0, 0, NULL);
		n++;
	}
	return n == 0 ? 0 : kevent(k->kq, ch, n, NULL, 0, NULL);
}

static int
kqueue_wait(void *state, struct ev_event *out, int max, int timeout_ms)
{
	struct ev_kqueue *k = state;
	struct timespec ts, *tp = NULL;
	int got, n = 0;

	/* Each fd may come back twice (read and write): room for both. */
	if (2 * max > k->cap) {
		struct kevent *ev = realloc(k->events, (size_t)(2 * max) * sizeof *ev);
		if (ev == NULL)
			return -1;
		k->events = ev;
		k->cap = 2 * max;
	}
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	if ((got = kevent(k->kq, NULL, 0, k->events, k->cap, tp)) == -1)
		return -1;
	for (int i = 0; i < got; i++) {
		int fd = (int)k->events[i].ident;
		int mask = k->events[i].filter == EVFILT_WRITE ? EV_WRITE : EV_READ;
		int j;
		for (j = 0; j < n && out[j].fd != fd; j++)
			;
		if (j == n) {
			if (n == max)
				continue;	/* reported again next time */
			out[n].fd = fd;
			out[n].mask = 0;
			n++;
		}
		out[j].mask |= mask;
	}
	return n;
}

const struct ev_backend ev_backend_kqueue = {
	"kqueue", kqueue_create, kqueue_free, kqueue_set, kqueue_wait,
};
