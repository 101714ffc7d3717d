/*
 * test_ev.c - every event backend built in behaves the same.
 *
 * Each case runs once per backend that ev_backends() lists, as
 * "ev.<backend>.<case>", so a difference between epoll, kqueue and poll
 * shows up as one failing line.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>

#include "ev.h"
#include "test.h"

#define NMANY 300	/* fds watched at once in three_hundred_fds */

static const char *backend;	/* the backend the cases run on */

/* Returns a loop on the backend under test; fails the case otherwise. */
static struct ev *
loop_open(void)
{
	struct ev *ev = ev_create(backend);

	ASSERT(ev != NULL);
	ASSERT_STR_EQ(ev_name(ev), backend);
	return ev;
}

/* Returns fd's mask in out[0..n), 0 when absent; fails on a second entry. */
static int
mask_of(const struct ev_event *out, int n, int fd)
{
	int mask = 0, found = 0;

	for (int i = 0; i < n; i++) {
		if (out[i].fd != fd)
			continue;
		ASSERT_EQ(found, 0);	/* at most one entry per fd */
		found = 1;
		mask = out[i].mask;
	}
	return mask;
}

/* A pointer equal to another; fails showing both. */
#define ASSERT_PTR_EQ(a, b) do { \
	const void *a_ = (a), *b_ = (b); \
	if (a_ != b_) \
		TEST_FAIL_("%s == %s: %p != %p", #a, #b, (void *)a_, (void *)b_); \
} while (0)

static char tags[1024];		/* tag(fd) points into this */

/*
 * The user pointer the cases give fd, one distinct address per fd number,
 * so that wait_on can tell an event that came back with another's.
 */
static void *
tag(int fd)
{
	ASSERT(fd >= 0 && fd < (int)sizeof tags);
	return &tags[fd];
}

/* ev_wait, checking that each event carries its fd's tag. */
static int
wait_on(struct ev *ev, struct ev_event *out, int max, int timeout_ms)
{
	int n = ev_wait(ev, out, max, timeout_ms);

	for (int i = 0; i < n; i++)
		ASSERT_PTR_EQ(out[i].udata, tag(out[i].fd));
	return n;
}

/* Returns the milliseconds since *t0. */
static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
close_pair(int fds[2])
{
	ASSERT_EQ(close(fds[0]), 0);
	ASSERT_EQ(close(fds[1]), 0);
}

TEST(pipe_becomes_readable)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	char c;
	int p[2];

	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* nothing written yet */
	ASSERT_EQ(write(p[1], "x", 1), 1);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, p[0]);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_EQ(read(p[0], &c, 1), 1);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* drained */
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ev_free(ev);
	close_pair(p);
}

TEST(nothing_ready_times_out)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	struct timespec t0;
	int p[2];

	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(wait_on(ev, out, 8, 100), 0);
	ASSERT(ms_since(&t0) >= 90);			/* it did wait */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);
	ASSERT(ms_since(&t0) < 50);			/* 0 means do not wait */
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ev_free(ev);
	close_pair(p);
}

TEST(writable_only_while_asked)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int sv[2];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, tag(sv[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* writable, not asked */
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE, tag(sv[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, sv[0]);
	ASSERT_EQ(out[0].mask, EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_WRITE), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* asked no longer */
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE, tag(sv[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);	/* and again */
	ASSERT_EQ(out[0].mask, EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ | EV_WRITE), 0);
	ev_free(ev);
	close_pair(sv);
}

TEST(del_keeps_the_other_bit)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int sv[2];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], "x", 1), 1);	/* sv[0]: readable and writable */
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ | EV_WRITE, tag(sv[0])), 0);
	ASSERT_EQ(mask_of(out, wait_on(ev, out, 8, 1000), sv[0]), EV_READ | EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_WRITE), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE, tag(sv[0])), 0);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].mask, EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ), 0);	/* not watched: no error */
	ASSERT_EQ(ev_del(ev, sv[0], EV_WRITE), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* both gone */
	ev_free(ev);
	close_pair(sv);
}

TEST(read_and_write_in_one_event)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int sv[2];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], "x", 1), 1);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, tag(sv[0])), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE, tag(sv[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, sv[0]);
	ASSERT_EQ(out[0].mask, EV_READ | EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ | EV_WRITE), 0);
	ev_free(ev);
	close_pair(sv);
}

TEST(peer_close_is_readable)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	char c;
	int sv[2], p[2];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, tag(sv[0])), 0);
	ASSERT_EQ(close(sv[1]), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, sv[0]);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_EQ(read(sv[0], &c, 1), 0);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ), 0);
	ASSERT_EQ(close(sv[0]), 0);

	/* The same for a pipe whose writer goes. */
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);
	ASSERT_EQ(close(p[1]), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_EQ(read(p[0], &c, 1), 0);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ASSERT_EQ(close(p[0]), 0);
	ev_free(ev);
}

TEST(peer_close_on_a_writer_is_writable)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int sv[2], p[2];

	/* A write would raise SIGPIPE: the error is what the case wants. */
	ASSERT(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(close(sv[1]), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE, tag(sv[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, sv[0]);
	ASSERT_EQ(out[0].mask, EV_WRITE);		/* only what was watched */
	ASSERT_EQ(write(sv[0], "x", 1), -1);
	ASSERT_EQ(errno, EPIPE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_WRITE), 0);
	ASSERT_EQ(close(sv[0]), 0);

	/* A pipe whose reader goes: an error condition, not a hangup. */
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[1], EV_WRITE, tag(p[1])), 0);
	ASSERT_EQ(close(p[0]), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, p[1]);
	ASSERT_EQ(out[0].mask, EV_WRITE);
	ASSERT_EQ(write(p[1], "x", 1), -1);
	ASSERT_EQ(errno, EPIPE);
	ASSERT_EQ(ev_del(ev, p[1], EV_WRITE), 0);
	ASSERT_EQ(close(p[1]), 0);
	ev_free(ev);
}

/*
 * NMANY fds watched at once, from NMANY/2 socketpairs, both ends watched.
 * It grows every fd-indexed array past its first size.  The fd limit is not
 * raised: where it is lower (macOS starts at 256) the case uses what fits.
 */
TEST(three_hundred_fds)
{
	struct ev *ev = loop_open();
	struct ev_event out[NMANY + 16];
	struct rlimit rl;
	int fds[NMANY], nfds = NMANY, want = 0, seen = 0;

	ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < NMANY + 32) {
		nfds = ((int)rl.rlim_cur - 32) & ~1;
		fprintf(stderr, "  note: %d fds, not %d (RLIMIT_NOFILE)\n",
		    nfds, NMANY);
	}
	for (int i = 0; i < nfds; i += 2) {
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[i]), 0);
		ASSERT_EQ(ev_add(ev, fds[i], EV_READ, tag(fds[i])), 0);
		ASSERT_EQ(ev_add(ev, fds[i + 1], EV_READ, tag(fds[i + 1])), 0);
	}
	ASSERT_EQ(wait_on(ev, out, NMANY + 16, 0), 0);

	/* Make every third fd readable, by writing to its peer (i ^ 1). */
	for (int i = 0; i < nfds; i += 3) {
		ASSERT_EQ(write(fds[i ^ 1], "x", 1), 1);
		want++;
	}
	for (int tries = 0; seen < want && tries < 10; tries++) {
		int n = wait_on(ev, out, NMANY + 16, 1000);
		ASSERT(n > 0);
		for (int j = 0; j < n; j++) {
			int i;
			char c;
			for (i = 0; i < nfds && fds[i] != out[j].fd; i++)
				;
			ASSERT(i < nfds);			/* one of ours */
			ASSERT_EQ(i % 3, 0);			/* and written to */
			ASSERT_EQ(out[j].mask, EV_READ);
			ASSERT_EQ(read(fds[i], &c, 1), 1);	/* so not seen again */
			seen++;
		}
	}
	ASSERT_EQ(seen, want);
	ASSERT_EQ(wait_on(ev, out, NMANY + 16, 0), 0);
	for (int i = 0; i < nfds; i++) {
		ASSERT_EQ(ev_del(ev, fds[i], EV_READ), 0);
		ASSERT_EQ(close(fds[i]), 0);
	}
	ev_free(ev);
}

/*
 * More ready fds than out[] holds: each wait returns at most max, one entry
 * per fd, and every fd gets its turn however many waits it takes.
 */
TEST(small_out_array_takes_turns)
{
	struct ev *ev = loop_open();
	struct ev_event out[3];
	int sv[10][2], seen[10] = { 0 }, left = 10;

	for (int i = 0; i < 10; i++) {
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		ASSERT_EQ(write(sv[i][1], "x", 1), 1);
		ASSERT_EQ(ev_add(ev, sv[i][0], EV_READ | EV_WRITE, tag(sv[i][0])), 0);
	}
	/* Both ways ready on all ten, for good: nobody reads. */
	for (int tries = 0; left > 0 && tries < 50; tries++) {
		int n = wait_on(ev, out, 3, 1000);
		ASSERT(n >= 1 && n <= 3);
		for (int j = 0; j < n; j++) {
			int i;
			for (i = 0; i < 10 && sv[i][0] != out[j].fd; i++)
				;
			ASSERT(i < 10);
			ASSERT(mask_of(out, n, out[j].fd) != 0);  /* once each */
			if (seen[i] != (EV_READ | EV_WRITE) &&
			    (seen[i] |= out[j].mask) == (EV_READ | EV_WRITE))
				left--;
		}
	}
	ASSERT_EQ(left, 0);
	for (int i = 0; i < 10; i++) {
		ASSERT_EQ(ev_del(ev, sv[i][0], EV_READ | EV_WRITE), 0);
		close_pair(sv[i]);
	}
	ev_free(ev);
}

TEST(delete_and_add_again)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int p[2], q[2];

	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(write(p[1], "x", 1), 1);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* readable, forgotten */
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);	/* twice is once */
	ASSERT_EQ(mask_of(out, wait_on(ev, out, 8, 1000), p[0]), EV_READ);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);	/* and so is this */
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);

	/* Closed after ev_del, the number comes back for another pipe. */
	close_pair(p);
	ASSERT_EQ(pipe(q), 0);
	ASSERT_EQ(ev_add(ev, q[0], EV_READ, tag(q[0])), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* the old data is gone */
	ASSERT_EQ(write(q[1], "y", 1), 1);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, q[0]);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_EQ(ev_del(ev, q[0], EV_READ), 0);
	ev_free(ev);
	close_pair(q);
}

/*
 * Forgetting fds at the front and in the middle leaves the rest watched as
 * they were, and they can still be changed and forgotten.
 */
TEST(deleting_some_keeps_the_others)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int sv[4][2], n;

	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		ASSERT_EQ(write(sv[i][1], "x", 1), 1);
		ASSERT_EQ(ev_add(ev, sv[i][0], EV_READ, tag(sv[i][0])), 0);
	}
	ASSERT_EQ(ev_del(ev, sv[0][0], EV_READ), 0);	/* the first added */
	ASSERT_EQ(ev_del(ev, sv[2][0], EV_READ), 0);	/* one in the middle */
	n = wait_on(ev, out, 8, 1000);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(mask_of(out, n, sv[1][0]), EV_READ);
	ASSERT_EQ(mask_of(out, n, sv[3][0]), EV_READ);
	ASSERT_EQ(ev_add(ev, sv[3][0], EV_WRITE, tag(sv[3][0])), 0);
	n = wait_on(ev, out, 8, 1000);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(mask_of(out, n, sv[1][0]), EV_READ);
	ASSERT_EQ(mask_of(out, n, sv[3][0]), EV_READ | EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[3][0], EV_READ | EV_WRITE), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, sv[1][0]);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_EQ(ev_del(ev, sv[1][0], EV_READ), 0);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);
	for (int i = 0; i < 4; i++)
		close_pair(sv[i]);
	ev_free(ev);
}

/* Two fds, two pointers: each event brings back its own fd's. */
TEST(pointer_comes_back)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	static char a, b;
	int sv[2], n;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[0], "x", 1), 1);
	ASSERT_EQ(write(sv[1], "x", 1), 1);	/* both ends readable */
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, &a), 0);
	ASSERT_EQ(ev_add(ev, sv[1], EV_READ | EV_WRITE, &b), 0);
	n = ev_wait(ev, out, 8, 1000);
	ASSERT_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		if (out[i].fd == sv[0]) {
			ASSERT_EQ(out[i].mask, EV_READ);
			ASSERT_PTR_EQ(out[i].udata, &a);
		} else {
			ASSERT_EQ(out[i].fd, sv[1]);
			ASSERT_EQ(out[i].mask, EV_READ | EV_WRITE);
			ASSERT_PTR_EQ(out[i].udata, &b);
		}
	}
	/* And a NULL pointer comes back as NULL. */
	ASSERT_EQ(ev_del(ev, sv[1], EV_READ | EV_WRITE), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, NULL), 0);
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, sv[0]);
	ASSERT_PTR_EQ(out[0].udata, NULL);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ), 0);
	ev_free(ev);
	close_pair(sv);
}

/*
 * One pointer per fd, whatever the mask: each ev_add replaces it, even one
 * that changes no bit, and an ev_del that leaves a bit keeps it.
 */
TEST(later_add_replaces_pointer)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	static char a, b, c;
	int sv[2];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], "x", 1), 1);	/* sv[0]: readable and writable */
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, &a), 0);
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_PTR_EQ(out[0].udata, &a);
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE, &b), 0);	/* both bits: b */
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].mask, EV_READ | EV_WRITE);
	ASSERT_PTR_EQ(out[0].udata, &b);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ, &c), 0);	/* watched already */
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_PTR_EQ(out[0].udata, &c);
	ASSERT_EQ(ev_add(ev, sv[0], 0, &a), 0);		/* the pointer alone */
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].mask, EV_READ | EV_WRITE);
	ASSERT_PTR_EQ(out[0].udata, &a);
	ASSERT_EQ(ev_del(ev, sv[0], EV_WRITE), 0);	/* READ left: kept */
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].mask, EV_READ);
	ASSERT_PTR_EQ(out[0].udata, &a);
	errno = 0;
	ASSERT_EQ(ev_add(ev, sv[0], 4, &b), -1);	/* refused: unchanged */
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_PTR_EQ(out[0].udata, &a);
	ASSERT_EQ(ev_del(ev, sv[0], EV_READ), 0);
	ev_free(ev);
	close_pair(sv);
}

/*
 * The last ev_del forgets the fd and its pointer: the number, closed and
 * reused for another pipe, comes back with the new pointer only.
 */
TEST(last_del_forgets_pointer)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	static char a, b;
	int p[2], q[2];

	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(write(p[1], "x", 1), 1);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, &a), 0);
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_PTR_EQ(out[0].udata, &a);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ASSERT_EQ(ev_add(ev, p[0], 0, &b), 0);		/* not watched: not kept */
	ASSERT_EQ(ev_wait(ev, out, 8, 0), 0);
	close_pair(p);
	ASSERT_EQ(pipe(q), 0);
	ASSERT_EQ(q[0], p[0]);		/* the lowest free number, again */
	ASSERT_EQ(write(q[1], "y", 1), 1);
	ASSERT_EQ(ev_add(ev, q[0], EV_READ, &b), 0);
	ASSERT_EQ(ev_wait(ev, out, 8, 1000), 1);
	ASSERT_EQ(out[0].fd, q[0]);
	ASSERT_PTR_EQ(out[0].udata, &b);
	ASSERT_EQ(ev_del(ev, q[0], EV_READ), 0);
	ev_free(ev);
	close_pair(q);
}

TEST(bad_arguments)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	int p[2];

	errno = 0;
	ASSERT_EQ(ev_add(ev, -1, EV_READ, NULL), -1);
	ASSERT_EQ(errno, EBADF);
	ASSERT_EQ(pipe(p), 0);
	close_pair(p);
	errno = 0;
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), -1); /* not open */
	ASSERT_EQ(errno, EBADF);
	ASSERT_EQ(wait_on(ev, out, 8, 0), 0);		/* and not watched */
	ASSERT_EQ(pipe(p), 0);
	errno = 0;
	ASSERT_EQ(ev_add(ev, p[0], 4, tag(p[0])), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(ev_add(ev, p[0], 0, tag(p[0])), 0);	/* nothing to add */
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);	/* nothing to delete */
	errno = 0;
	ASSERT_EQ(ev_wait(ev, out, 0, 0), -1);
	ASSERT_EQ(errno, EINVAL);
	ev_free(ev);
	close_pair(p);
}

static volatile sig_atomic_t signals;

static void
on_signal(int sig)
{
	(void)sig;
	signals++;
}

/*
 * A signal ends the wait with EINTR.  A helper sends one every 20 ms, so one
 * is sure to land while ev_wait is waiting, not just before.
 */
TEST(signal_interrupts_wait)
{
	struct ev *ev = loop_open();
	struct ev_event out[8];
	struct sigaction sa;
	struct timespec t0;
	pid_t parent = getpid(), helper;
	int p[2], status;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;			/* no SA_RESTART */
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ, tag(p[0])), 0);
	ASSERT((helper = fork()) != -1);
	if (helper == 0) {
		struct timespec tick = { 0, 20 * 1000000 };
		for (;;) {
			nanosleep(&tick, NULL);
			if (kill(parent, SIGUSR1) == -1)
				_exit(0);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	ASSERT_EQ(wait_on(ev, out, 8, 5000), -1);
	ASSERT_EQ(errno, EINTR);
	ASSERT(ms_since(&t0) < 4000);
	ASSERT(signals > 0);
	ASSERT_EQ(kill(helper, SIGKILL), 0);
	ASSERT_EQ(waitpid(helper, &status, 0), helper);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ev_free(ev);
	close_pair(p);
}

TEST(unknown_backend_is_enoent)
{
	errno = 0;
	ASSERT(ev_create("select") == NULL);
	ASSERT_EQ(errno, ENOENT);
	errno = 0;
	ASSERT(ev_create("") == NULL);
	ASSERT_EQ(errno, ENOENT);
}

TEST(name_is_the_one_asked_for)
{
	const char *const *names = ev_backends();
	struct ev *ev;

	ASSERT((ev = ev_create(backend)) != NULL);
	ASSERT_STR_EQ(ev_name(ev), backend);
	ev_free(ev);
	/* No name: the first of the list, the best one built in. */
	ASSERT((ev = ev_create(NULL)) != NULL);
	ASSERT_STR_EQ(ev_name(ev), names[0]);
	ev_free(ev);
}

static const struct test_case cases[] = {
	TEST_CASE(pipe_becomes_readable),
	TEST_CASE(nothing_ready_times_out),
	TEST_CASE(writable_only_while_asked),
	TEST_CASE(del_keeps_the_other_bit),
	TEST_CASE(read_and_write_in_one_event),
	TEST_CASE(peer_close_is_readable),
	TEST_CASE(peer_close_on_a_writer_is_writable),
	TEST_CASE(three_hundred_fds),
	TEST_CASE(small_out_array_takes_turns),
	TEST_CASE(delete_and_add_again),
	TEST_CASE(deleting_some_keeps_the_others),
	TEST_CASE(pointer_comes_back),
	TEST_CASE(later_add_replaces_pointer),
	TEST_CASE(last_del_forgets_pointer),
	TEST_CASE(bad_arguments),
	TEST_CASE(signal_interrupts_wait),
	TEST_CASE(unknown_backend_is_enoent),
	TEST_CASE(name_is_the_one_asked_for),
};

/* Runs every case on every backend; exits with the number of failures. */
int
main(int argc, char **argv)
{
	const char *const *names = ev_backends();
	int failed = 0;

	if (names[0] == NULL) {
		printf("FAIL ev: no backend built in\n");
		return 1;
	}
	for (const char *const *b = names; *b != NULL; b++) {
		char suite[32];

		backend = *b;
		snprintf(suite, sizeof suite, "ev.%s", *b);
		failed += test_run_all_(suite, cases, sizeof cases / sizeof cases[0],
		    argc > 1 ? argv[1] : NULL);
	}
	return failed > 100 ? 100 : failed;
}
