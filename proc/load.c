/*
 * load.c - the load generator of `mipc bench`, and the echo it is measured
 * against.
 *
 * The generator keeps `window` messages in flight: it writes that many, and
 * for each answer that comes back it notes the round trip and sends the next.
 * Reads and writes are batched (one read of everything there, one write of
 * everything due), the same way the kernel batches, so the figures compare
 * like with like.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "load.h"
#include "platform.h"

static int
by_value(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Sorts the round-trip times v[0..n) and puts their median, 99th and 99.9th
   percentiles in p (0 if n is 0). */
static void
percentiles(int32_t *v, size_t n, int p[3])
{
	if (n == 0) {		/* v may be NULL: qsort must not see it */
		p[0] = p[1] = p[2] = 0;
		return;
	}
	qsort(v, n, sizeof *v, by_value);
	p[0] = v[n / 2];
	p[1] = v[n * 99 / 100];
	p[2] = v[n * 999 / 1000];
}

static void __attribute__((noreturn))
fail(const char *what)
{
	dprintf(2, "load: %s: %s\n", what, strerror(errno));
	_exit(1);
}

/* Writes all of q, blocking. */
static void
flush_all(struct outq *q, int fd)
{
	int r;

	while ((r = outq_flush(q, fd)) == 1)
		;	/* the socket blocks: this only loops on a signal */
	if (r == -1)
		fail("write");
}

/* The next answer line (skipping "* " notices); -1 at end of file. */
static int
next_answer(struct linebuf *in, int fd, const char **line, size_t *len)
{
	for (;;) {
		enum linebuf_status st = linebuf_next(in, line, len);
		if (st == LB_LINE && !(*len >= 2 && (*line)[0] == '*'))
			return 0;
		if (st != LB_NONE)
			continue;
		ssize_t n = linebuf_read(in, fd);
		if (n == 0)
			return -1;
		if (n == -1 && errno != EINTR)
			fail("read");
	}
}

/*
 * The sorted round-trip times v[0..n) as one line, each distinct time once
 * with its count: "rtt 23*5 24*17 31*1\n".  Runs of one load can then be
 * pooled into one set of percentiles.
 */
static void
write_samples(int fd, const int32_t *v, unsigned n)
{
	struct outq q;
	char pair[32];

	outq_init(&q);
	if (outq_append(&q, "rtt", 3) == -1)
		fail("rtt line");
	for (unsigned i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[j] == v[i]; j++)
			;
		int k = snprintf(pair, sizeof pair, " %ld*%u", (long)v[i], j - i);
		if (outq_append(&q, pair, (size_t)k) == -1)
			fail("rtt line");
	}
	if (outq_append(&q, "\n", 1) == -1)
		fail("rtt line");
	flush_all(&q, fd);
	outq_free(&q);
}

void
load_main(int fd, const struct load_config *cfg)
{
	struct linebuf in;
	struct outq out;
	char text[512], msg[700];
	const char *line;
	size_t len;
	unsigned total = cfg->warmup + cfg->count, sent = 0, done = 0, errors = 0;
	int64_t *sent_at = calloc(cfg->window, sizeof *sent_at);
	int32_t *rtt = calloc(cfg->count ? cfg->count : 1, sizeof *rtt);
	int64_t start = 0;

	if (sent_at == NULL || rtt == NULL)
		fail("calloc");
	linebuf_init(&in);
	outq_init(&out);
	/* The socket blocks in this process: a write waits for room. */
	memset(text, 'm', cfg->size);
	text[cfg->size] = '\0';
	int mlen = snprintf(msg, sizeof msg, "%s{.message=%s,.pid=%u,.port=%u}",
	    cfg->via_kernel ? "+ " : "", text, (unsigned)cfg->pid, cfg->port);

	while (done < total) {
		/* Fill the window, then wait for what comes back. */
		while (sent < total && sent - done < cfg->window) {
			sent_at[sent % cfg->window] = plat_now_us();
			if (sent == cfg->warmup)
				start = sent_at[sent % cfg->window];
			outq_line(&out, msg, (size_t)mlen);
			sent++;
		}
		flush_all(&out, fd);
		if (next_answer(&in, fd, &line, &len) == -1)
			break;
		int64_t now = plat_now_us();
		if (len < 2 || memcmp(line, "OK", 2) != 0)
			errors++;
		if (done >= cfg->warmup)
			rtt[done - cfg->warmup] = (int32_t)(now - sent_at[done % cfg->window]);
		done++;
		/* Take every answer already here before writing again. */
		while (done < total && linebuf_next(&in, &line, &len) == LB_LINE) {
			if (len >= 2 && line[0] == '*')
				continue;
			if (len < 2 || memcmp(line, "OK", 2) != 0)
				errors++;
			if (done >= cfg->warmup)
				rtt[done - cfg->warmup] =
				    (int32_t)(plat_now_us() - sent_at[done % cfg->window]);
			done++;
		}
	}
	int64_t elapsed = plat_now_us() - start;
	unsigned n = done > cfg->warmup ? done - cfg->warmup : 0;
	int p[3];
	percentiles(rtt, n, p);
	dprintf(cfg->result_fd, "result n=%u errors=%u elapsed_us=%lld p50=%d p99=%d "
	    "p999=%d all=%u\n", n, errors + (total - done), (long long)elapsed,
	    p[0], p[1], p[2], done);
	write_samples(cfg->result_fd, rtt, n);
	free(sent_at);
	free(rtt);
	_exit(0);
}

void
load_echo(int fd)
{
	static const char answer[] = "OK response written to port: 1";
	struct linebuf in;
	struct outq out;
	const char *line;
	size_t len;

	linebuf_init(&in);
	outq_init(&out);
	for (;;) {
		ssize_t n = linebuf_read(&in, fd);
		if (n == 0)
			_exit(0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fail("read");
		}
		while (linebuf_next(&in, &line, &len) == LB_LINE)
			outq_line(&out, answer, sizeof answer - 1);
		if (linebuf_more(&in, fd))
			continue;	/* one write for the whole burst */
		flush_all(&out, fd);
	}
}
