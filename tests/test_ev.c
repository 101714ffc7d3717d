/*
 * test_ev.c - every event backend built in behaves the same.
 */
#include <sys/socket.h>

#include <errno.h>

#include "ev.h"
#include "test.h"

static const char *backend;
static struct ev *ev;
static struct ev_event evs[64];

static void
open_loop(void)
{
	ev = ev_create(backend);
	ASSERT(ev != NULL);
	ASSERT_STR_EQ(ev_name(ev), backend);
}

static int
mask_of(int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (evs[i].fd == fd)
			return evs[i].mask;
	return 0;
}

TEST(readable_pipe)
{
	int p[2];
	open_loop();
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ), 0);
	ASSERT_EQ(ev_wait(ev, evs, 64, 0), 0);		/* nothing yet */
	ASSERT_EQ(write(p[1], "x", 1), 1);
	int n = ev_wait(ev, evs, 64, 1000);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(evs[0].fd, p[0]);
	ASSERT(evs[0].mask & EV_READ);
	ev_free(ev);
	close(p[0]);
	close(p[1]);
}

TEST(timeout_with_nothing_ready)
{
	int p[2];
	open_loop();
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ), 0);
	ASSERT_EQ(ev_wait(ev, evs, 64, 20), 0);
	ev_free(ev);
	close(p[0]);
	close(p[1]);
}

TEST(write_only_while_asked)
{
	int sv[2];
	open_loop();
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ), 0);
	ASSERT_EQ(ev_wait(ev, evs, 64, 0), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_WRITE), 0);
	ASSERT_EQ(ev_wait(ev, evs, 64, 1000), 1);
	ASSERT_EQ(evs[0].mask, EV_WRITE);
	ASSERT_EQ(ev_del(ev, sv[0], EV_WRITE), 0);	/* read stays */
	ASSERT_EQ(ev_wait(ev, evs, 64, 0), 0);
	ASSERT_EQ(write(sv[1], "x", 1), 1);
	ASSERT_EQ(ev_wait(ev, evs, 64, 1000), 1);
	ASSERT_EQ(evs[0].mask, EV_READ);
	ev_free(ev);
	close(sv[0]);
	close(sv[1]);
}

TEST(read_and_write_in_one_event)
{
	int sv[2];
	open_loop();
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(write(sv[1], "x", 1), 1);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ | EV_WRITE), 0);
	int n = ev_wait(ev, evs, 64, 1000);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(evs[0].mask, EV_READ | EV_WRITE);
	ev_free(ev);
	close(sv[0]);
	close(sv[1]);
}

TEST(hangup_is_readable)
{
	int sv[2];
	char c;
	open_loop();
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(ev_add(ev, sv[0], EV_READ), 0);
	close(sv[1]);
	ASSERT_EQ(ev_wait(ev, evs, 64, 1000), 1);
	ASSERT(evs[0].mask & EV_READ);
	ASSERT_EQ(read(sv[0], &c, 1), 0);
	ev_free(ev);
	close(sv[0]);
}

TEST(three_hundred_fds)
{
	int sv[300][2];
	open_loop();
	for (int i = 0; i < 300; i++) {
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
		ASSERT_EQ(ev_add(ev, sv[i][0], EV_READ), 0);
	}
	for (int i = 0; i < 300; i += 3)
		ASSERT_EQ(write(sv[i][1], "x", 1), 1);
	int seen = 0;
	struct ev_event many[400];
	int n = ev_wait(ev, many, 400, 1000);
	for (int i = 0; i < n; i++) {
		char c;
		ASSERT_EQ(read(many[i].fd, &c, 1), 1);
		seen++;
	}
	ASSERT_EQ(seen, 100);
	for (int i = 0; i < 300; i++) {
		ASSERT_EQ(ev_del(ev, sv[i][0], EV_READ), 0);
		close(sv[i][0]);
		close(sv[i][1]);
	}
	ev_free(ev);
}

TEST(delete_and_add_again)
{
	int p[2];
	open_loop();
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(write(p[1], "x", 1), 1);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ), 0);
	ASSERT_EQ(ev_del(ev, p[0], EV_READ), 0);
	ASSERT_EQ(ev_wait(ev, evs, 64, 0), 0);
	ASSERT_EQ(ev_add(ev, p[0], EV_READ), 0);
	ASSERT_EQ(mask_of(ev_wait(ev, evs, 64, 1000), p[0]), EV_READ);
	ev_free(ev);
	close(p[0]);
	close(p[1]);
}

TEST(unknown_backend)
{
	errno = 0;
	ASSERT(ev_create("select") == NULL);
	ASSERT_EQ(errno, ENOENT);
}

static const struct test_case cases[] = {
	TEST_CASE(readable_pipe),
	TEST_CASE(timeout_with_nothing_ready),
	TEST_CASE(write_only_while_asked),
	TEST_CASE(read_and_write_in_one_event),
	TEST_CASE(hangup_is_readable),
	TEST_CASE(three_hundred_fds),
	TEST_CASE(delete_and_add_again),
	TEST_CASE(unknown_backend),
};

int
main(int argc, char **argv)
{
	int failed = 0;

	for (const char *const *b = ev_backends(); *b != NULL; b++) {
		char suite[32];
		backend = *b;
		snprintf(suite, sizeof suite, "ev.%s", *b);
		failed += test_run_all_(suite, cases, sizeof cases / sizeof cases[0],
		    argc > 1 ? argv[1] : NULL);
	}
	return failed > 100 ? 100 : failed;
}
