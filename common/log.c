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
#include "param.h"

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

int
log_name_ok(const char *s, size_t n)
{
	if (n < 1 || n > MIPC_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
log_is_ours(const char *path, const char *name)
{
	static const char stamp[] = "dddd-dd-dd dd:dd:dd.ddd ";
	char head[128], first[64];
	const char *s = head;
	ssize_t n;
	int fd;

	if (!log_name_ok(name, strlen(name)))
		return 0;
	/* Not blocking on a FIFO that somebody named x.log. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1)
		return 0;
	n = read(fd, head, sizeof head - 1);
	close(fd);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	size_t i = 0;
	while (i < sizeof stamp - 1 && (stamp[i] == 'd' ?
	    s[i] >= '0' && s[i] <= '9' : s[i] == stamp[i]))
		i++;
	if (i == sizeof stamp - 1)
		s += i;
	if (strcmp(name, "kernel") == 0)
		snprintf(first, sizeof first, "kernel started: ");
	else
		snprintf(first, sizeof first, "started: %s, pid ", name);
	return strncmp(s, first, strlen(first)) == 0;
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
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	l->ticked = 1;
	/* Every line until the next tick has this stamp: format it once. */
	l->ticked_len = stamp_at(&ts, l->ticked_stamp, sizeof l->ticked_stamp);
}

size_t
logw_stamp(const struct logw *l, char *buf, size_t size)
{
	if (!l->ticked)
		return log_stamp(buf, size);
	if (size <= l->ticked_len) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	memcpy(buf, l->ticked_stamp, l->ticked_len + 1);
	return l->ticked_len;
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

/*
 * Starts a line with its stamp, with room for n more bytes and the newline.
 * Returns where the line goes on, or NULL if it cannot be logged.
 */
static char *
line_begin(struct logw *l, size_t n)
{
	char *p;

	if (l->fd == -1 || logw_room(l, sizeof l->ticked_stamp + n + 2) == -1)
		return NULL;
	p = l->buf + l->len;
	if (l->stamp) {
		if (l->ticked) {
			/* The room is there: a copy of fixed size is a move or two. */
			memcpy(p, l->ticked_stamp, sizeof l->ticked_stamp);
			p += l->ticked_len;
		} else {
			p += log_stamp(p, sizeof l->ticked_stamp);
		}
		*p++ = ' ';
	}
	return p;
}

/* Ends the line that goes on at p. */
static void
line_end(struct logw *l, char *p)
{
	*p++ = '\n';
	l->len = (size_t)(p - l->buf);
	/* A burst of lines is flushed by the owner; a flood is not held. */
	if (l->len > LOGW_FLUSH_AT)
		logw_flush(l);
}

void
logw_parts(struct logw *l, const struct logw_part *parts, int n)
{
	size_t len = 0;
	char *p;

	for (int i = 0; i < n; i++)
		len += parts[i].n;
	if ((p = line_begin(l, len)) == NULL)
		return;
	for (int i = 0; i < n; i++) {
		memcpy(p, parts[i].s, parts[i].n);
		p += parts[i].n;
	}
	line_end(l, p);
}

void
logw_vprintf(struct logw *l, const char *fmt, va_list ap)
{
	va_list copy;
	char *p;
	int n;

	/* Most lines fit in what is spare: format once, straight in. */
	if ((p = line_begin(l, 1024)) == NULL)
		return;
	size_t at = (size_t)(p - l->buf), room = l->cap - at - 1;	/* '\n' */
	va_copy(copy, ap);
	n = vsnprintf(p, room, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		/* Longer than the room: grow and format again, never cut. */
		if (logw_room(l, at - l->len + (size_t)n + 2) == -1)
			return;
		p = l->buf + at;
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	}
	line_end(l, p + n);
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
