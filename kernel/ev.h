/*
 * ev.h - the kernel's event loop: one small interface, one backend per file.
 *
 * ev.c chooses a backend (kqueue on macOS and the BSDs, epoll on Linux, poll
 * anywhere) and forwards to it; ev_kqueue.c, ev_epoll.c and ev_poll.c each
 * keep their own state behind an opaque pointer and turn native events into
 * struct ev_event.  Nothing outside these files sees a native event type.
 *
 * Each watched fd carries one user pointer, given to ev_add and handed back
 * in every event for that fd, so that the caller finds what an event is about
 * without a search.
 */
#ifndef MIPC_EV_H
#define MIPC_EV_H

#define EV_READ  1	/* readable, or hung up / in error: read() will say */
#define EV_WRITE 2	/* writable, or hung up / in error */

struct ev_event {
	int	 fd;
	int	 mask;	/* EV_READ and/or EV_WRITE */
	void	*udata;	/* what the last ev_add on fd gave */
};

struct ev;

/*
 * Creates a loop with the named backend, or the platform's best one when name
 * is NULL.  Returns NULL with errno ENOENT when that backend is not built in,
 * or the backend's own errno.
 */
struct ev	*ev_create(const char *name);
void		 ev_free(struct ev *ev);

/*
 * Starts watching fd for mask, in addition to what is watched already, and
 * makes udata fd's user pointer: one per fd whatever the mask, replaced by
 * each ev_add (mask 0 replaces only the pointer of an fd already watched).
 */
int		 ev_add(struct ev *ev, int fd, int mask, void *udata);
/*
 * Stops watching fd for mask; when nothing is left, fd and its pointer are
 * forgotten.
 */
int		 ev_del(struct ev *ev, int fd, int mask);

/*
 * Waits up to timeout_ms (-1: no limit) and fills out[0..n) with what is
 * ready, at most one entry per fd, each with its user pointer.  Returns n
 * (0 on timeout), or -1 (errno; EINTR when a signal came).
 */
int		 ev_wait(struct ev *ev, struct ev_event *out, int max, int timeout_ms);

/* The backend's name: "kqueue", "epoll" or "poll". */
const char	*ev_name(const struct ev *ev);

/* The backends built in, best first, as a NULL-terminated array. */
const char *const *ev_backends(void);

/* What each backend file provides (not for callers). */
struct ev_backend {
	const char *name;
	void	*(*create)(void);
	void	 (*free)(void *state);
	/* set the interest for fd from old mask to new mask (either may be 0) */
	int	 (*set)(void *state, int fd, int oldmask, int newmask);
	/* fill in fd and mask of each entry; ev.c adds the user pointers */
	int	 (*wait)(void *state, struct ev_event *out, int max, int timeout_ms);
};

/*
 * For the backends: makes a table indexed by fd (*map, *n entries) long
 * enough to hold fd, the new entries -1.  It doubles, so however high fd is
 * growing costs O(1) amortised.  Returns 0, or -1 with errno ENOMEM.
 */
int	ev_fd_table(int **map, int *n, int fd);

extern const struct ev_backend ev_backend_kqueue;
extern const struct ev_backend ev_backend_epoll;
extern const struct ev_backend ev_backend_poll;

#endif
