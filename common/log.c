/*
 * log.c - whole, timestamped log lines, and the command's own messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOGW_FLUSH_AT	(64 * 1024)	/* a flood is written, not held */

int
logw_open(struct logw *l, const char *path, int stamp)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	logw_fd(l, fd, stamp);
	if (fd != -1 && fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		close(fd);
		l->fd = -1;
		return -1;
	}
	return fd == -1 ? -1 : 0;
}

void
logw_fd(struct logw *l, int fd, int stamp)
{
	memset(l, 0, sizeof *l);
	l->fd = fd;
	l->stamp = stamp;
}

/* "2026-11-23 23:40:01.123" for the time ts. */
static size_t
stamp_at(const struct timespec *ts, char *buf, size_t size)
{
	/* The date and time to the second change once a second: format them
	   then, not for every line (localtime_r and strftime cost more than the
	   rest of a log line). */
	static time_t cached = -1;
	static char second[24];
	static size_t slen;
	struct tm tm;

	if (ts->tv_sec != cached) {
		localtime_r(&ts->tv_sec, &tm);
		slen = strftime(second, sizeof second, "%Y-%m-%d %H:%M:%S", &tm);
		cached = ts->tv_sec;
	}
	if (size < slen + 5) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, second, slen);
	long ms = ts->tv_nsec / 1000000;
	buf[slen] = '.';
	buf[slen + 1] = (char)('0' + ms / 100);
	buf[slen + 2] = (char)('0' + ms / 10 % 10);
	buf[slen + 3] = (char)('0' + ms % 10);
	buf[slen + 4] = '\0';
	return slen + 4;
}

size_t
log_stamp(char *buf, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return stamp_at(&ts, buf, size);
}

void
logw_tick(struct logw *l)
{
	clock_gettime(CLOCK_REALTIME, &l->clock);
	l->ticked = 1;
}

size_t
logw_stamp(const struct logw *l, char *buf, size_t size)
{
	return l->ticked ? stamp_at(&l->clock, buf, size) : log_stamp(buf, size);
}

/* Makes room for n more bytes.  Returns 0 or -1. */
static int
logw_room(struct logw *l, size_t n)
{
	if (l->len + n <= l->cap)
		return 0;
	size_t cap = l->cap ? l->cap : 4096;
	while (cap < l->len + n)
		cap *= 2;
	char *b = realloc(l->buf, cap);
	if (b == NULL)
		return -1;
	l->buf = b;
	l->cap = cap;
	return 0;
}

void
logw_begin(struct logw *l)
{
	l->mark = l->len;
	l->broken = l->fd == -1 || logw_room(l, 32) == -1;
	if (!l->broken && l->stamp) {
		l->len += logw_stamp(l, l->buf + l->len, l->cap - l->len);
		l->buf[l->len++] = ' ';
	}
}

void
logw_put(struct logw *l, const char *s, size_t n)
{
	n = strnlen(s, n);
	if (l->broken || logw_room(l, n + 1) == -1) {
		l->broken = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void
logw_end(struct logw *l)
{
	if (l->broken || logw_room(l, 1) == -1) {
		l->len = l->mark;
		return;
	}
	l->buf[l->len++] = '\n';
	/* A burst of lines is flushed by the owner; a flood is not held. */
	if (l->len > LOGW_FLUSH_AT)
		logw_flush(l);
}

void
logw_vprintf(struct logw *l, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	logw_begin(l);
	/* Most lines fit in what is spare: format once, straight in. */
	if (l->broken || logw_room(l, 1024) == -1) {
		l->broken = 1;
		logw_end(l);
		return;
	}
	va_copy(copy, ap);
	n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, copy);
	va_end(copy);
	if (n >= 0 && (size_t)n + 1 >= l->cap - l->len) {
		/* Longer than the room: grow and format again, never cut. */
		if (logw_room(l, (size_t)n + 2) == -1)
			n = -1;
		else
			vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
	}
	if (n < 0)
		l->broken = 1;
	else
		l->len += (size_t)n;
	logw_end(l);
}

void
logw_printf(struct logw *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logw_vprintf(l, fmt, ap);
	va_end(ap);
}

void
logw_flush(struct logw *l)
{
	size_t off = 0;

	while (l->fd != -1 && off < l->len) {
		ssize_t n = write(l->fd, l->buf + off, l->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* a log that cannot be written is not fatal */
		off += (size_t)n;
	}
	l->len = 0;
}

void
logw_close(struct logw *l)
{
	logw_flush(l);
	if (l->fd != -1)
		close(l->fd);
	free(l->buf);
	memset(l, 0, sizeof *l);
	l->fd = -1;
}

static void
vwarn(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("mipc: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
mipc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
mipc_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}
