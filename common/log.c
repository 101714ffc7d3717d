/*
 * log.c - whole, timestamped log lines, and the command's own messages.
 */
#include <sys/stat.h>
#include <sys/types.h>

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

/* What a file that is not a log is, for a message: "a FIFO". */
static const char *
file_kind(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* "PATH is a FIFO, not a regular file: remove it, or choose another --log-dir"
   into why; errno is EINVAL. */
static void
refuse(const char *path, mode_t mode, const char *remedy, char *why, size_t whysz)
{
	if (S_ISLNK(mode))
		snprintf(why, whysz, "%s is a symbolic link, and a log is never "
		    "written through one: %s", path, remedy);
	else
		snprintf(why, whysz, "%s is %s, not a regular file: %s", path,
		    file_kind(mode), remedy);
	errno = EINVAL;
}

int
log_open(const char *path, int flags, const char *option, char *why, size_t whysz)
{
	char remedy[64] = "remove it", hint[64] = "";
	struct stat st;
	int fd, fl, e;

	if (option != NULL) {
		snprintf(remedy, sizeof remedy, "remove it, or choose another %s", option);
		snprintf(hint, sizeof hint, " (choose another %s)", option);
	}
	/* O_NONBLOCK: a FIFO with no reader fails at once (ENXIO) instead of
	   holding the kernel in open() until someone reads it. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		e = errno;
		/* Whatever the error says (ELOOP or EMLINK for a link, ENXIO for
		   a FIFO or a socket, EISDIR), what is there says it better. */
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			refuse(path, st.st_mode, remedy, why, whysz);
			return -1;
		}
		snprintf(why, whysz, "cannot open %s: %s%s", path, strerror(e), hint);
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO that has a reader, a device. */
		close(fd);
		refuse(path, st.st_mode, remedy, why, whysz);
		return -1;
	}
	if (st.st_nlink > 1) {
		/* Another name for the file is another file written to: the
		   same as a link, by other means. */
		close(fd);
		snprintf(why, whysz, "%s has %lu names (hard links), and a log is "
		    "written through one only: %s", path,
		    (unsigned long)st.st_nlink, remedy);
		errno = EINVAL;
		return -1;
	}
	if ((flags & LOG_EMPTY) && ftruncate(fd, 0) == -1)
		goto fail;
	/* Only the open had to be non-blocking: the fd becomes a child's
	   stdout, and stays a regular file's. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	snprintf(why, whysz, "cannot open %s: %s%s", path, strerror(e), hint);
	errno = e;
	return -1;
}

int
logw_open(struct logw *l, const char *path, int stamp)
{
	char why[64];
	int fd = log_open(path, 0, NULL, why, sizeof why);

	logw_fd(l, fd, stamp);
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
	char head[128], first[64], cont[64];
	const char *s = head;
	ssize_t n;
	int fd;

	if (!log_name_ok(name, strlen(name)))
		return 0;
	/* Not blocking on a FIFO that somebody named x.log; a link is never
	   a log of ours. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) == -1)
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
	/* A log that passed its cap goes on in a file of the same name. */
	snprintf(cont, sizeof cont, "continued from %s.log.1 ", name);
	return strncmp(s, first, strlen(first)) == 0 ||
	    strncmp(s, cont, strlen(cont)) == 0;
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

char *
logw_begin(struct logw *l, size_t n)
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

void
logw_end(struct logw *l, char *p)
{
	*p++ = '\n';
	l->len = (size_t)(p - l->buf);
	/* A burst of lines is flushed by the owner; a flood is not held.
	   What the file would not take last time waits for the next flood,
	   not for the next line. */
	if (l->len > l->held + LOGW_FLUSH_AT)
		logw_flush(l);
}

/*
 * Puts a line of the log's own (a note) at offset at of the buffer, ahead
 * of what is there; it never flushes.  Returns 0, or -1 out of memory.
 */
static int __attribute__((format(printf, 3, 4)))
put_note(struct logw *l, size_t at, const char *fmt, ...)
{
	char line[600];		/* a stamp, its own words, a path */
	size_t n = 0;
	va_list ap;
	int k;

	if (l->stamp) {
		n = logw_stamp(l, line, sizeof l->ticked_stamp);
		line[n++] = ' ';
	}
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -1;
	n += (size_t)k < sizeof line - n - 1 ? (size_t)k : sizeof line - n - 2;
	line[n++] = '\n';
	if (logw_room(l, n) == -1)
		return -1;
	memmove(l->buf + at + n, l->buf + at, l->len - at);
	memcpy(l->buf + at, line, n);
	l->len += n;
	return 0;
}

void
logw_parts(struct logw *l, const struct logw_part *parts, int n)
{
	size_t len = 0;
	char *p;

	for (int i = 0; i < n; i++)
		len += parts[i].n;
	if ((p = logw_begin(l, len)) == NULL)
		return;
	for (int i = 0; i < n; i++) {
		memcpy(p, parts[i].s, parts[i].n);
		p += parts[i].n;
	}
	logw_end(l, p);
}

void
logw_vprintf(struct logw *l, const char *fmt, va_list ap)
{
	va_list copy;
	char *p;
	int n;

	/* Most lines fit in what is spare: format once, straight in. */
	if ((p = logw_begin(l, 1024)) == NULL)
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
	logw_end(l, p + n);
}

void
logw_printf(struct logw *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logw_vprintf(l, fmt, ap);
	va_end(ap);
}

/*
 * Past LOGW_HOLD_MAX held: the whole lines held go, and one line counting
 * them takes their place.  The rest of a line the file ends in the middle
 * of stays, to finish it; a note already there is counted on, not doubled.
 */
static void
drop_held(struct logw *l)
{
	unsigned long lines = 0;
	size_t from = 0;

	if (l->dropped > 0) {
		from = l->note_at;
	} else if (l->torn) {
		char *nl = memchr(l->buf, '\n', l->len);
		from = nl != NULL ? (size_t)(nl - l->buf) + 1 : l->len;
	}
	for (size_t i = from; i < l->len; i++)
		lines += l->buf[i] == '\n';
	if (l->dropped > 0)
		lines--;		/* the note itself */
	if (lines == 0)
		return;			/* one line, longer than the bound: kept */
	l->len = from;
	l->note_at = from;
	l->dropped += lines;
	if (put_note(l, from, "%lu lines dropped here: the log could not be "
	    "written (%s)", l->dropped, strerror(l->werr)) == -1)
		l->dropped = 0;		/* out of memory: the count goes too */
	l->held = l->len;
}

/*
 * Renames the file path.1 and goes on in a new file at path, which starts
 * with a line saying so.  If it cannot, the file goes on, with a line
 * saying why, and the next try is max bytes later.
 */
static void
rotate(struct logw *l)
{
	char old[4096], why[4200];
	const char *base = strrchr(l->path, '/');
	int fd;

	base = base != NULL ? base + 1 : l->path;
	if ((size_t)snprintf(old, sizeof old, "%s.1", l->path) >= sizeof old) {
		snprintf(why, sizeof why, "%s.1: %s", l->path, strerror(ENAMETOOLONG));
		goto fail;
	}
	if (rename(l->path, old) == -1) {
		snprintf(why, sizeof why, "cannot rename %s to %s: %s", l->path, old,
		    strerror(errno));
		goto fail;
	}
	/* The old file is kept until the new one is sure: if path cannot be
	   opened, the log goes on in what is now path.1. */
	if ((fd = log_open(l->path, 0, NULL, why, sizeof why)) == -1)
		goto fail;
	int closed = close(l->fd) == 0 ? 0 : errno;
	l->fd = fd;
	l->size = 0;
	l->limit = l->max;
	l->torn = 0;
	/* Its first line goes ahead of what is waiting. */
	size_t before = l->len;
	if (put_note(l, 0, "continued from %s.1 (rotated at %lld bytes)", base,
	    (long long)l->max) == 0 && l->dropped > 0)
		l->note_at += l->len - before;
	if (closed != 0 && closed != EINTR)
		(void)put_note(l, l->len, "closing %s: %s: its last lines may be "
		    "lost", old, strerror(closed));
	return;
fail:
	l->limit = l->size + (off_t)l->len + l->max;
	(void)put_note(l, l->len, "cannot rotate this log: %s; it goes on past its cap "
	    "of %lld bytes", why, (long long)l->max);
}

void
logw_flush(struct logw *l)
{
	size_t off = 0;

	if (l->fd == -1) {
		l->len = l->held = 0;
		l->dropped = 0;
		return;
	}
	if (l->len == 0)
		return;
	/* A file is rotated between lines, never inside one. */
	if (l->path != NULL && !l->torn && l->size > 0 &&
	    l->size + (off_t)l->len > l->limit)
		rotate(l);
	while (off < l->len) {
		ssize_t n = write(l->fd, l->buf + off, l->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Not waited for, not fatal: kept for the next flush. */
			l->werr = n == 0 ? EIO : errno;
			break;
		}
		off += (size_t)n;
	}
	if (off > 0) {
		l->size += (off_t)off;
		l->torn = l->buf[off - 1] != '\n';
		if (l->dropped > 0) {
			if (off > l->note_at)
				l->dropped = 0;		/* the note went out */
			else
				l->note_at -= off;
		}
		memmove(l->buf, l->buf + off, l->len - off);
		l->len -= off;
	}
	l->held = l->len;
	if (l->held > LOGW_HOLD_MAX)
		drop_held(l);
}

int
logw_rotate_at(struct logw *l, const char *path, off_t max)
{
	struct stat st;
	char *p;

	if (fstat(l->fd, &st) == -1 || (p = strdup(path)) == NULL)
		return -1;
	free(l->path);
	l->path = p;
	l->max = max;
	l->size = st.st_size;
	l->limit = max;
	return 0;
}

void
logw_close(struct logw *l)
{
	logw_flush(l);
	if (l->fd != -1)
		close(l->fd);
	free(l->buf);
	free(l->path);
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
