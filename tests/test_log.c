/*
 * test_log.c - whole, timestamped log lines (common/log.c), read back from
 * the file they were written to.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

static int rd = -1;		/* the log file, read from where it was left */

/* A log writing to a fresh file, unlinked at once; rd reads it. */
static void
open_log(struct logw *l, int stamp)
{
	char path[512];
	int fd;

	snprintf(path, sizeof path, "%s/mipc-log.XXXXXX", test_tmpdir());
	ASSERT((fd = mkstemp(path)) != -1);
	ASSERT((rd = open(path, O_RDONLY)) != -1);
	ASSERT(unlink(path) == 0);
	logw_fd(l, fd, stamp);
}

/* What was written since the last call. */
static char *
written(void)
{
	static char buf[80000];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof buf - 1 && (n = read(rd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

/* "2026-11-23 23:40:01.123 " */
static int
is_stamp(const char *s)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd.ddd ";

	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return 0;
	return 1;
}

TEST(parts_make_one_stamped_line)
{
	struct logw l;
	struct logw_part parts[] = { LOGW_PART("answer to "), { "load0 (pid 1)xyz", 13 },
	    LOGW_PART(": "), { "OK", 2 } };

	open_log(&l, 1);
	logw_parts(&l, parts, 4);
	ASSERT_EQ(strlen(written()), 0);	/* held until the owner flushes */
	logw_flush(&l);
	const char *s = written();
	ASSERT(is_stamp(s));
	ASSERT_STR_EQ(s + 24, "answer to load0 (pid 1): OK\n");
	logw_close(&l);
}

TEST(lines_of_one_tick_share_its_stamp)
{
	struct logw l;
	struct logw_part a = { "a", 1 };

	open_log(&l, 1);
	logw_tick(&l);
	logw_parts(&l, &a, 1);
	logw_printf(&l, "b %d", 2);
	logw_flush(&l);
	const char *s = written();
	ASSERT(is_stamp(s) && is_stamp(s + 26));
	ASSERT(memcmp(s, s + 26, 24) == 0);
	ASSERT(strncmp(s + 24, "a\n", 2) == 0);
	ASSERT_STR_EQ(s + 50, "b 2\n");
	char stamp[32];
	ASSERT_EQ(logw_stamp(&l, stamp, sizeof stamp), 23);
	ASSERT(memcmp(stamp, s, 23) == 0);
	ASSERT_EQ(logw_stamp(&l, stamp, 10), 0);	/* no room: nothing, not cut */
	ASSERT_STR_EQ(stamp, "");
	logw_close(&l);
}

TEST(no_stamp_when_asked)
{
	struct logw l;

	open_log(&l, 0);
	logw_printf(&l, "plain %s", "line");
	logw_flush(&l);
	ASSERT_STR_EQ(written(), "plain line\n");
	logw_close(&l);
}

TEST(long_printf_line_is_not_cut)
{
	struct logw l;
	static char text[5001];

	memset(text, 'x', sizeof text - 1);
	open_log(&l, 0);
	logw_printf(&l, "short");
	logw_printf(&l, "[%s]", text);	/* longer than the room a line is given */
	logw_printf(&l, "after");
	logw_flush(&l);
	const char *s = written();
	ASSERT_EQ(strlen(s), 6 + 5003 + 6);
	ASSERT(strncmp(s, "short\n[", 7) == 0);
	ASSERT(strspn(s + 7, "x") == 5000);
	ASSERT_STR_EQ(s + 5007, "]\nafter\n");
	logw_close(&l);
}

TEST(flood_is_written_without_a_flush)
{
	struct logw l;
	struct logw_part line = { "0123456789012345678901234567890123456789", 40 };
	size_t total = 0;

	open_log(&l, 0);
	for (int i = 0; i < 1700; i++)		/* 69,700 bytes, over 64 KiB */
		logw_parts(&l, &line, 1);
	total = strlen(written());
	ASSERT(total > 64 * 1024 - 41 && total % 41 == 0);	/* whole lines */
	logw_close(&l);
}

/* A log that is off (fd -1) writes nothing anywhere, holds nothing, and
   closes no descriptor of anyone's. */
TEST(log_off_writes_nothing)
{
	struct logw l;
	struct logw_part a = { "a", 1 };
	int p[2], saved[3];
	char buf[64];
	static char big[5000];

	/* Anything written to 0, 1 or 2 while it is off lands in the pipe. */
	ASSERT(pipe(p) == 0);
	for (int fd = 0; fd <= 2; fd++)
		ASSERT((saved[fd] = dup(fd)) != -1 && dup2(p[1], fd) == fd);
	memset(big, 'x', sizeof big - 1);
	logw_fd(&l, -1, 1);
	logw_tick(&l);
	logw_parts(&l, &a, 1);
	logw_printf(&l, "b %s", big);
	for (int i = 0; i < 2000; i++)		/* past the size that flushes */
		logw_parts(&l, &a, 1);
	size_t held = l.len;
	char *buffer = l.buf;
	logw_flush(&l);
	logw_close(&l);
	for (int fd = 0; fd <= 2; fd++)
		ASSERT(dup2(saved[fd], fd) == fd);
	ASSERT_EQ(held, 0);
	ASSERT(buffer == NULL);
	ASSERT_EQ(l.fd, -1);
	/* Nothing in the pipe, and both its ends still open. */
	ASSERT(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
	ASSERT_EQ(read(p[0], buf, sizeof buf), -1);
	ASSERT(fcntl(p[1], F_GETFD) != -1);
}

/* A directory for a case's files, removed at its end. */
static char tdir[512];
static pid_t tdir_maker;

static void
tdir_remove(void)
{
	char path[700];
	static const char *const names[] = { "k.log", "k.log.1", "k.log.1/x", "x" };

	if (getpid() != tdir_maker)
		return;
	for (int i = 3; i >= 0; i--) {
		snprintf(path, sizeof path, "%s/%s", tdir, names[i]);
		(void)remove(path);
	}
	(void)rmdir(tdir);
}

/* tdir/NAME */
static char *
tpath(const char *name)
{
	static char buf[2][700];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof buf[i], "%s/%s", tdir, name);
	return buf[i];
}

static void
tdir_make(void)
{
	snprintf(tdir, sizeof tdir, "%s/mipc-log.XXXXXX", test_tmpdir());
	ASSERT(mkdtemp(tdir) != NULL);
	tdir_maker = getpid();
	atexit(tdir_remove);
}

/* The whole of a file. */
static char *
file(const char *path)
{
	static char buf[200000];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	ASSERT(fd != -1);
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

TEST(open_makes_0600_and_refuses_a_link)
{
	struct logw l;
	struct stat st;
	char why[600];

	tdir_make();
	umask(022);
	ASSERT_EQ(logw_open(&l, tpath("k.log"), 0), 0);
	ASSERT(stat(tpath("k.log"), &st) == 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	logw_close(&l);
	ASSERT(symlink(tpath("k.log"), tpath("x")) == 0);
	ASSERT_EQ(logw_open(&l, tpath("x"), 0), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(l.fd, -1);
	ASSERT_EQ(log_open(tpath("x"), 0, NULL, why, sizeof why), -1);
	ASSERT(strstr(why, "/x is a symbolic link, and a log is never written "
	    "through one: remove it") != NULL);
}

/* Logs count lines "line NNNNN", from *next on; with each, a flush if
   one_by_one (a loop's turns), else one at the end (a burst). */
static void
log_lines(struct logw *l, int *next, int count, int one_by_one)
{
	for (int i = 0; i < count; i++) {
		logw_printf(l, "line %05d", (*next)++);
		if (one_by_one)
			logw_flush(l);
	}
	logw_flush(l);
}

/* The numbers of the "line NNNNN" lines of s (stamped or not) follow on
   from *next. */
static void
lines_follow(const char *s, int *next)
{
	int n;

	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		ASSERT(nl != NULL);			/* whole lines only */
		if (sscanf(is_stamp(s) ? s + 24 : s, "line %d", &n) == 1) {
			ASSERT_EQ(n, *next);
			(*next)++;
		}
		s = nl + 1;
	}
}

TEST(rotates_at_its_cap)
{
	struct logw l;
	struct stat st;
	int next = 0, check = 0;

	tdir_make();
	ASSERT_EQ(logw_open(&l, tpath("k.log"), 1), 0);
	logw_printf(&l, "kernel started: backend poll");
	logw_flush(&l);
	ASSERT_EQ(logw_rotate_at(&l, tpath("k.log"), 1000), 0);
	log_lines(&l, &next, 30, 1);		/* 30 * 35 bytes: rotated once */
	ASSERT(stat(tpath("k.log.1"), &st) == 0);
	ASSERT(st.st_size <= 1000);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	ASSERT(stat(tpath("k.log"), &st) == 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	/* The new file says where the log went on from; both are whole. */
	const char *s = file(tpath("k.log"));
	ASSERT(is_stamp(s));
	ASSERT_PREFIX(s + 24, "continued from k.log.1 (rotated at 1000 bytes)\n");
	lines_follow(file(tpath("k.log.1")), &check);
	ASSERT(check > 0);
	lines_follow(file(tpath("k.log")), &check);
	ASSERT_EQ(check, next);
	ASSERT(log_is_ours(tpath("k.log"), "k"));
	ASSERT(log_is_ours(tpath("k.log.1"), "k") == 0);	/* kernel's first line */

	/* Again: k.log.1 is replaced, and what went before is gone. */
	log_lines(&l, &next, 60, 1);
	s = file(tpath("k.log.1"));
	ASSERT_PREFIX(s + 24, "continued from k.log.1 ");
	ASSERT(sscanf(strchr(s, '\n') + 1 + 24, "line %d", &check) == 1);
	ASSERT(check > 30);
	lines_follow(s, &check);
	lines_follow(file(tpath("k.log")), &check);
	ASSERT_EQ(check, next);
	logw_close(&l);
}

TEST(cannot_rotate_goes_on_and_says_why)
{
	struct logw l;
	int next = 0, check = 0;

	tdir_make();
	ASSERT(mkdir(tpath("k.log.1"), 0700) == 0);	/* rename cannot replace it */
	ASSERT(close(open(tpath("k.log.1/x"), O_WRONLY | O_CREAT, 0600)) == 0);
	ASSERT_EQ(logw_open(&l, tpath("k.log"), 0), 0);
	ASSERT_EQ(logw_rotate_at(&l, tpath("k.log"), 500), 0);
	log_lines(&l, &next, 100, 1);
	const char *s = file(tpath("k.log"));
	const char *note = strstr(s, "cannot rotate this log: cannot rename ");
	ASSERT(note != NULL);
	ASSERT(strstr(note, "; it goes on past its cap of 500 bytes\n") != NULL);
	lines_follow(s, &check);
	ASSERT_EQ(check, next);			/* nothing lost */
	logw_close(&l);
}

/* A pipe whose write end is non-blocking and full: a file that does not
   take what is written to it.  p[0] reads it. */
static size_t
full_pipe(int p[2])
{
	static char junk[4096];
	size_t filled = 0;
	ssize_t n;

	ASSERT(pipe(p) == 0);
	ASSERT(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	while ((n = write(p[1], junk, sizeof junk)) > 0)
		filled += (size_t)n;
	ASSERT(n == -1 && errno == EAGAIN);
	return filled;
}

/* Everything the pipe has, from the log, after the junk: read while the
   log flushes what it held. */
static char *
drain(struct logw *l, int rd, size_t junk)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;

	ASSERT(fcntl(rd, F_SETFL, O_NONBLOCK) == 0);
	for (;;) {
		char chunk[8192];
		while ((n = read(rd, chunk, sizeof chunk)) > 0) {
			size_t skip = junk < (size_t)n ? junk : (size_t)n;
			junk -= skip;
			ASSERT(len + (size_t)n - skip < sizeof buf);
			memcpy(buf + len, chunk + skip, (size_t)n - skip);
			len += (size_t)n - skip;
		}
		if (l->len == 0)
			break;
		logw_flush(l);
	}
	buf[len] = '\0';
	return buf;
}

TEST(a_file_that_does_not_take_it_is_not_waited_for)
{
	struct logw l;
	int p[2], next = 0, check = 0;

	alarm(5);				/* it would block otherwise */
	size_t junk = full_pipe(p);
	logw_fd(&l, p[1], 0);
	log_lines(&l, &next, 100, 1);
	ASSERT_EQ(l.len, 100 * 11);		/* held, for the next flush */
	log_lines(&l, &next, 6000, 0);		/* floods, held: 67 KB */
	ASSERT_EQ(l.len, 6100 * 11);
	lines_follow(drain(&l, p[0], junk), &check);
	ASSERT_EQ(check, next);
	logw_close(&l);
}

TEST(past_the_bound_lines_are_dropped_and_counted)
{
	struct logw l;
	int p[2], next = 0, check;
	unsigned long dropped;

	alarm(5);
	size_t junk = full_pipe(p);
	logw_fd(&l, p[1], 0);
	log_lines(&l, &next, 60000, 0);		/* 660 KB, past LOGW_HOLD_MAX */
	ASSERT(l.len <= LOGW_HOLD_MAX + 64 * 1024 + 100);
	const char *s = drain(&l, p[0], junk);
	ASSERT_EQ(sscanf(s, "%lu lines dropped here: the log could not be written",
	    &dropped), 1);
	ASSERT(strstr(s, strerror(EAGAIN)) != NULL);
	s = strchr(s, '\n') + 1;
	check = (int)dropped;			/* the first lines went */
	lines_follow(s, &check);
	ASSERT_EQ(check, next);
	ASSERT(dropped > 0);
	logw_close(&l);
}

static const struct test_case cases[] = {
	TEST_CASE(parts_make_one_stamped_line),
	TEST_CASE(lines_of_one_tick_share_its_stamp),
	TEST_CASE(no_stamp_when_asked),
	TEST_CASE(long_printf_line_is_not_cut),
	TEST_CASE(flood_is_written_without_a_flush),
	TEST_CASE(log_off_writes_nothing),
	TEST_CASE(open_makes_0600_and_refuses_a_link),
	TEST_CASE(rotates_at_its_cap),
	TEST_CASE(cannot_rotate_goes_on_and_says_why),
	TEST_CASE(a_file_that_does_not_take_it_is_not_waited_for),
	TEST_CASE(past_the_bound_lines_are_dropped_and_counted),
};

TEST_MAIN("log", cases)
