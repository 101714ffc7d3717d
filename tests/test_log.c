/*
 * test_log.c - whole, timestamped log lines (common/log.c), read back from
 * the file they were written to.
 */
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

static const struct test_case cases[] = {
	TEST_CASE(parts_make_one_stamped_line),
	TEST_CASE(lines_of_one_tick_share_its_stamp),
	TEST_CASE(no_stamp_when_asked),
	TEST_CASE(long_printf_line_is_not_cut),
	TEST_CASE(flood_is_written_without_a_flush),
	TEST_CASE(log_off_writes_nothing),
};

TEST_MAIN("log", cases)
