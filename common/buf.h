/*
 * buf.h - framing of newline-terminated lines over non-blocking sockets.
 *
 * All framing lives here.  A struct linebuf collects what a peer sent and hands
 * out every complete line; a line longer than MIPC_LINE_MAX is reported once
 * and skipped up to the next newline.  A struct outq queues what is to be sent
 * and is drained by what write() really took.  EINTR is retried and EAGAIN
 * means "later" in exactly these two places: linebuf_read() and outq_flush().
 */
#ifndef MIPC_BUF_H
#define MIPC_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct linebuf {
	char	*data;
	size_t	 start;		/* first byte not yet handed out */
	size_t	 len;		/* bytes held, from data[0] */
	size_t	 cap;
	int	 skipping;	/* inside an over-long line, dropping up to '\n' */
	int	 drained;	/* the last read took less than there was room for */
};

enum linebuf_status {
	LB_NONE = 0,	/* no complete line yet */
	LB_LINE,	/* *line, *len: a complete line, without '\n' or a trailing '\r' */
	LB_TOOLONG,	/* a line over MIPC_LINE_MAX bytes was dropped: answer it */
};

void	linebuf_init(struct linebuf *lb);
void	linebuf_free(struct linebuf *lb);

/*
 * Reads what fd has (one read of up to the free space).  Returns the number of
 * bytes read, 0 at end of file, or -1: errno EAGAIN means nothing to read now,
 * anything else is a real error.  lb->drained tells whether the read took
 * less than there was room for: the socket had nothing more, so another read
 * would only say EAGAIN.
 */
ssize_t	linebuf_read(struct linebuf *lb, int fd);

/*
 * Did the last read fill the buffer, with more on fd right now?  Then a
 * burst is not over: read on before answering it.  Never blocks.
 */
int	linebuf_more(const struct linebuf *lb, int fd);

/* Appends n bytes as if they had been read (tests, and in-memory sources). */
int	linebuf_feed(struct linebuf *lb, const void *p, size_t n);

/*
 * Takes out the next line.  The pointer is valid until the next call of any
 * linebuf function on lb.  A line may contain NUL bytes: use *len.
 */
enum linebuf_status linebuf_next(struct linebuf *lb, const char **line, size_t *len);

/* Bytes held that are not yet a complete line. */
size_t	linebuf_pending(const struct linebuf *lb);

struct outq {
	char	*data;
	size_t	 start;		/* first byte not yet written */
	size_t	 len;		/* bytes held, from data[0] */
	size_t	 cap;
	uint64_t written;	/* bytes written since init, ever */
	uint64_t queued;	/* bytes queued since init, ever */
};

void	outq_init(struct outq *q);
void	outq_free(struct outq *q);
/* Queues n bytes.  Returns 0, or -1 if memory ran out. */
int	outq_append(struct outq *q, const void *p, size_t n);
/* Queues s and a '\n'. */
int	outq_line(struct outq *q, const char *s, size_t n);
/* Bytes queued and not yet written. */
size_t	outq_size(const struct outq *q);
/*
 * Writes as much as fd takes.  Returns 0 when everything was written, 1 when
 * something is left (wait for writability), -1 on a real error (errno).
 */
int	outq_flush(struct outq *q, int fd);

/*
 * Doubles a ring of n elements of size sz (its storage *ring, head at *head,
 * capacity *cap), unrolled to start at 0.  Returns 0, or -1 if memory ran
 * out (the ring is as it was).
 */
int	ring_grow(void **ring, unsigned *head, unsigned n, unsigned *cap, size_t sz);

#endif
