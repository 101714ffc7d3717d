/*
 * test_buf.c - framing: partial lines, many lines per read, the line cap,
 * and an output queue drained by what write() really takes.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>

#include "buf.h"
#include "param.h"
#include "test.h"

static struct linebuf lb;
static const char *line;
static size_t len;

static void
next_is(const char *want)
{
	enum linebuf_status st = linebuf_next(&lb, &line, &len);
	if (st != LB_LINE)
		TEST_FAIL_("expected the line \"%s\", got status %d", want, st);
	if (len != strlen(want) || memcmp(line, want, len) != 0)
		TEST_FAIL_("got \"%.*s\", expected \"%s\"", (int)len, line, want);
}

static void
feed(const char *s)
{
	ASSERT_EQ(linebuf_feed(&lb, s, strlen(s)), 0);
}

TEST(partial_lines)
{
	linebuf_init(&lb);
	feed("hel");
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_NONE);
	feed("lo wor");
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_NONE);
	feed("ld\nne");
	next_is("hello world");
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_NONE);
	ASSERT_EQ(linebuf_pending(&lb), 2);
	feed("xt\n");
	next_is("next");
	linebuf_free(&lb);
}

TEST(many_lines_at_once)
{
	linebuf_init(&lb);
	feed("a\nbb\n\nccc\n");
	next_is("a");
	next_is("bb");
	next_is("");
	next_is("ccc");
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_NONE);
	linebuf_free(&lb);
}

TEST(crlf_and_inner_cr)
{
	linebuf_init(&lb);
	feed("one\r\ntw\ro\r\n");
	next_is("one");
	next_is("tw\ro");
	linebuf_free(&lb);
}

TEST(nul_inside_a_line)
{
	linebuf_init(&lb);
	ASSERT_EQ(linebuf_feed(&lb, "a\0b\n", 4), 0);
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_LINE);
	ASSERT_EQ(len, 3);
	ASSERT(memcmp(line, "a\0b", 3) == 0);
	linebuf_free(&lb);
}

TEST(line_cap_and_resync)
{
	char big[MIPC_LINE_MAX + 2];

	linebuf_init(&lb);
	memset(big, 'x', MIPC_LINE_MAX);
	big[MIPC_LINE_MAX] = '\n';
	ASSERT_EQ(linebuf_feed(&lb, big, MIPC_LINE_MAX + 1), 0);
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_LINE);	/* exactly the cap */
	ASSERT_EQ(len, MIPC_LINE_MAX);
	memset(big, 'y', MIPC_LINE_MAX + 1);
	big[MIPC_LINE_MAX + 1] = '\n';
	ASSERT_EQ(linebuf_feed(&lb, big, MIPC_LINE_MAX + 2), 0);
	ASSERT_EQ(linebuf_next(&lb, &line, &len), LB_TOOLONG);	/* one over */
	feed("after\n");
	next_is("after");
	linebuf_free(&lb);
}

TEST(hundred_kb_line_reported_once)
{
	char chunk[1000];
	int toolong = 0;

	linebuf_init(&lb);
	memset(chunk, 'z', sizeof chunk);
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(linebuf_feed(&lb, chunk, sizeof chunk), 0);
		enum linebuf_status st;
		while ((st = linebuf_next(&lb, &line, &len)) != LB_NONE) {
			ASSERT_EQ(st, LB_TOOLONG);
			toolong++;
		}
	}
	feed("\nok\n");
	next_is("ok");
	ASSERT_EQ(toolong, 1);
	linebuf_free(&lb);
}

TEST(read_eof_and_eagain)
{
	int sv[2];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	linebuf_init(&lb);
	ASSERT_EQ(linebuf_read(&lb, sv[0]), -1);
	ASSERT_EQ(errno, EAGAIN);
	ASSERT_EQ(write(sv[1], "hi\n", 3), 3);
	ASSERT_EQ(linebuf_read(&lb, sv[0]), 3);
	next_is("hi");
	close(sv[1]);
	ASSERT_EQ(linebuf_read(&lb, sv[0]), 0);
	close(sv[0]);
	linebuf_free(&lb);
}

/* A read that filled the buffer: more is there, or the burst is over. */
TEST(more_after_a_full_read)
{
	int sv[2];
	char burst[20000];

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(burst, 'a', sizeof burst);
	for (size_t i = 99; i < sizeof burst; i += 100)
		burst[i] = '\n';
	linebuf_init(&lb);
	ASSERT_EQ(write(sv[1], "short\n", 6), 6);
	ASSERT_EQ(linebuf_read(&lb, sv[0]), 6);
	next_is("short");
	ASSERT_EQ(linebuf_more(&lb, sv[0]), 0);	/* a short read ends it */
	ASSERT_EQ(write(sv[1], burst, sizeof burst), (ssize_t)sizeof burst);
	ssize_t cap = linebuf_read(&lb, sv[0]);	/* the whole buffer */
	ASSERT(cap > 0 && (size_t)cap < sizeof burst);
	ASSERT_EQ(linebuf_more(&lb, sv[0]), 1);	/* full, and more behind */
	ssize_t n = cap;
	while (n < (ssize_t)sizeof burst) {
		while (linebuf_next(&lb, &line, &len) == LB_LINE)
			;
		n += linebuf_read(&lb, sv[0]);
	}
	while (linebuf_next(&lb, &line, &len) == LB_LINE)
		;
	/* A burst that fills the empty buffer exactly, with nothing behind
	   it: the read is full, and linebuf_more says no without blocking. */
	burst[cap - 1] = '\n';
	ASSERT_EQ(write(sv[1], burst, (size_t)cap), cap);
	ASSERT_EQ(linebuf_read(&lb, sv[0]), cap);
	ASSERT_EQ(lb.drained, 0);
	ASSERT_EQ(linebuf_more(&lb, sv[0]), 0);
	close(sv[0]);
	close(sv[1]);
	linebuf_free(&lb);
}

TEST(outq_partial_writes)
{
	int sv[2];
	struct outq q;
	char chunk[4096];
	size_t total = 4 * 1024 * 1024;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ASSERT_EQ(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	outq_init(&q);
	for (size_t i = 0; i < total / sizeof chunk; i++) {
		memset(chunk, (int)('a' + i % 26), sizeof chunk);
		ASSERT_EQ(outq_append(&q, chunk, sizeof chunk), 0);
	}
	ASSERT_EQ(outq_flush(&q, sv[0]), 1);	/* the peer is not reading */
	ASSERT(q.written < q.queued);
	ASSERT_EQ(outq_size(&q), q.queued - q.written);
	/* Read everything while flushing what is left, and check the order. */
	size_t got = 0;
	while (got < total) {
		(void)outq_flush(&q, sv[0]);
		ssize_t n = read(sv[1], chunk, sizeof chunk);
		ASSERT(n > 0);
		for (ssize_t j = 0; j < n; j++, got++)
			if (chunk[j] != (char)('a' + (got / 4096) % 26))
				TEST_FAIL_("byte %zu out of order", got);
	}
	ASSERT_EQ(outq_flush(&q, sv[0]), 0);
	ASSERT_EQ(q.written, total);
	outq_free(&q);
	close(sv[0]);
	close(sv[1]);
}

TEST(outq_to_a_closed_peer)
{
	int sv[2];
	struct outq q;

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	outq_init(&q);
	ASSERT_EQ(outq_line(&q, "x", 1), 0);
	ASSERT_EQ(outq_flush(&q, sv[0]), -1);
	ASSERT_EQ(errno, EPIPE);
	outq_free(&q);
	close(sv[0]);
}

static const struct test_case cases[] = {
	TEST_CASE(partial_lines),
	TEST_CASE(many_lines_at_once),
	TEST_CASE(crlf_and_inner_cr),
	TEST_CASE(nul_inside_a_line),
	TEST_CASE(line_cap_and_resync),
	TEST_CASE(hundred_kb_line_reported_once),
	TEST_CASE(read_eof_and_eagain),
	TEST_CASE(more_after_a_full_read),
	TEST_CASE(outq_partial_writes),
	TEST_CASE(outq_to_a_closed_peer),
};

TEST_MAIN("buf", cases)
