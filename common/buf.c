/*
 * buf.c - framing of newline-terminated lines over non-blocking sockets.
 *
 * A linebuf never holds more than one line's worth of bytes that are not yet
 * a line: when a line grows past MIPC_LINE_MAX without its newline, it is
 * reported once (LB_TOOLONG) and dropped up to its newline, so a peer cannot
 * make the kernel hold more than a line's worth for it.  An outq is a plain
 * byte queue, written out by what write() really takes.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "param.h"

#define LB_CAP	(16 * 1024)	/* room for a burst of lines in one read */

void
linebuf_init(struct linebuf *lb)
{
	memset(lb, 0, sizeof *lb);
}

void
linebuf_free(struct linebuf *lb)
{
	free(lb->data);
	memset(lb, 0, sizeof *lb);
}

/* Moves what is not handed out yet to the front; allocates on first use. */
static int
linebuf_room(struct linebuf *lb)
{
	if (lb->data == NULL) {
		if ((lb->data = malloc(LB_CAP)) == NULL)
			return -1;
		lb->cap = LB_CAP;
	}
	if (lb->start > 0) {
		memmove(lb->data, lb->data + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	return 0;
}

ssize_t
linebuf_read(struct linebuf *lb, int fd)
{
	ssize_t n;

	if (linebuf_room(lb) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (lb->len == lb->cap) {
		/* Cannot happen: linebuf_next never leaves a full buffer behind. */
		errno = ENOBUFS;
		return -1;
	}
	size_t room = lb->cap - lb->len;
	do
		n = read(fd, lb->data + lb->len, room);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EWOULDBLOCK)
		errno = EAGAIN;
	if (n > 0)
		lb->len += (size_t)n;
	lb->drained = n >= 0 && (size_t)n < room;
	return n;
}

int
linebuf_more(const struct linebuf *lb, int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return !lb->drained && poll(&p, 1, 0) == 1;
}

int
linebuf_feed(struct linebuf *lb, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		if (linebuf_room(lb) == -1)
			return -1;
		size_t k = lb->cap - lb->len < n ? lb->cap - lb->len : n;
		if (k == 0)
			return -1;	/* the caller must take lines out first */
		memcpy(lb->data + lb->len, s, k);
		lb->len += k;
		s += k;
		n -= k;
	}
	return 0;
}

enum linebuf_status
linebuf_next(struct linebuf *lb, const char **line, size_t *len)
{
	if (lb->data == NULL)
		return LB_NONE;		/* nothing read yet */
	for (;;) {
		char *p = lb->data + lb->start;
		size_t avail = lb->len - lb->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;

		if (lb->skipping) {
			if (nl == NULL) {
				lb->start = lb->len = 0;	/* drop it all */
				return LB_NONE;
			}
			lb->start += (size_t)(nl - p) + 1;
			lb->skipping = 0;
			continue;
		}
		if (nl == NULL) {
			if (avail > MIPC_LINE_MAX + 1) {
				/* Longer than any line may be: drop it up to its
				   newline, and say so once. */
				lb->skipping = 1;
				lb->start = lb->len = 0;
				return LB_TOOLONG;
			}
			if (lb->start > 0 && lb->len == lb->cap)
				(void)linebuf_room(lb);
			return LB_NONE;
		}
		size_t n = (size_t)(nl - p);
		lb->start += n + 1;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > MIPC_LINE_MAX)
			return LB_TOOLONG;
		*line = p;
		*len = n;
		return LB_LINE;
	}
}

size_t
linebuf_pending(const struct linebuf *lb)
{
	return lb->len - lb->start;
}

void
outq_init(struct outq *q)
{
	memset(q, 0, sizeof *q);
}

void
outq_free(struct outq *q)
{
	free(q->data);
	memset(q, 0, sizeof *q);
}

/* Makes room for n more bytes.  Returns 0, or -1 if memory ran out. */
static int
outq_room(struct outq *q, size_t n)
{
	if (q->start > 0 && q->start == q->len)
		q->start = q->len = 0;
	if (q->len + n > q->cap) {
		/* Reclaim what was written before growing. */
		if (q->start > 0) {
			memmove(q->data, q->data + q->start, q->len - q->start);
			q->len -= q->start;
			q->start = 0;
		}
		if (q->len + n > q->cap) {
			size_t cap = q->cap ? q->cap : 4096;
			while (cap < q->len + n)
				cap *= 2;
			char *d = realloc(q->data, cap);
			if (d == NULL)
				return -1;
			q->data = d;
			q->cap = cap;
		}
	}
	return 0;
}

/* Queues n bytes where outq_room() has made room for them. */
static void
outq_put(struct outq *q, const void *p, size_t n)
{
	if (n == 0)
		return;		/* an empty queue may have no buffer yet */
	memcpy(q->data + q->len, p, n);
	q->len += n;
	q->queued += n;
}

int
outq_append(struct outq *q, const void *p, size_t n)
{
	if (outq_room(q, n) == -1)
		return -1;
	outq_put(q, p, n);
	return 0;
}

int
outq_line(struct outq *q, const char *s, size_t n)
{
	/* A line for every message: one look for room, not two. */
	if (outq_room(q, n + 1) == -1)
		return -1;
	outq_put(q, s, n);
	outq_put(q, "\n", 1);
	return 0;
}

size_t
outq_size(const struct outq *q)
{
	return q->len - q->start;
}

int
outq_flush(struct outq *q, int fd)
{
	while (q->start < q->len) {
		ssize_t n = write(fd, q->data + q->start, q->len - q->start);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n == -1)
			return -1;
		q->start += (size_t)n;
		q->written += (uint64_t)n;
	}
	q->start = q->len = 0;
	return 0;
}

int
ring_grow(void **ring, unsigned *head, unsigned n, unsigned *cap, size_t sz)
{
	unsigned ncap = *cap ? *cap * 2 : 8;
	char *r = malloc(ncap * sz);

	if (r == NULL)
		return -1;
	for (unsigned i = 0; i < n; i++)
		memcpy(r + i * sz, (char *)*ring + ((*head + i) % *cap) * sz, sz);
	free(*ring);
	*ring = r;
	*cap = ncap;
	*head = 0;
	return 0;
}
