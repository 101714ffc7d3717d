/*
 * log.h - whole, timestamped log lines, and the command's own messages.
 *
 * A struct logw buffers lines and writes them with one write() per flush, so a
 * line is never split and a burst of lines costs one system call.  Owners
 * flush at the end of each turn of their loop.
 */
#ifndef MIPC_LOG_H
#define MIPC_LOG_H

#include <stdarg.h>
#include <stddef.h>

struct logw {
	int		 fd;		/* -1: logging is off */
	int		 stamp;		/* prefix each line with a timestamp */
	char		*buf;
	size_t		 len, cap;
	int		 ticked;	/* stamp lines with the last tick's time */
	char		 ticked_stamp[32];	/* that time, formatted once */
	size_t		 ticked_len;
};

/* A piece of a log line: n bytes at s. */
struct logw_part {
	const char	*s;
	size_t		 n;
};
#define LOGW_PART(literal) { literal, sizeof literal - 1 }

/* Opens (creating, appending to) path.  Returns 0, or -1 with errno. */
int	logw_open(struct logw *l, const char *path, int stamp);
/* Logs to an fd already open (a child's stdout). */
void	logw_fd(struct logw *l, int fd, int stamp);
/* Appends one line (a '\n' is added); the line is cut at no length. */
void	logw_printf(struct logw *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	logw_vprintf(struct logw *l, const char *fmt, va_list ap);
/*
 * A line put together from n pieces, for the lines logged for every message,
 * where parsing a format costs more than the copying.  The lengths are
 * exact: a piece holding a NUL or a newline is the caller's to cut.
 */
void	logw_parts(struct logw *l, const struct logw_part *parts, int n);
/* Writes what is buffered. */
void	logw_flush(struct logw *l);
/*
 * Reads the clock for the lines logged until the next call.  An owner whose
 * loop logs several lines a turn calls it once a turn; without it, each line
 * reads the clock.
 */
void	logw_tick(struct logw *l);
/* The timestamp a line logged to l now would get; as log_stamp. */
size_t	logw_stamp(const struct logw *l, char *buf, size_t size);
/* Flushes and closes. */
void	logw_close(struct logw *l);

/*
 * Whether path, the file NAME.log of a log directory, is a log that a run
 * wrote: its first line (after its timestamp, if any) is the one the kernel
 * or a child starts its log with.  Any other file there is somebody else's,
 * and a new run neither removes nor lists it.
 */
int	log_is_ours(const char *path, const char *name);
/* Whether s[0..n) may name a log, or a process: 1 to 16 of a-z 0-9 _ -,
   starting with a letter. */
int	log_name_ok(const char *s, size_t n);

/* "2026-11-23 23:40:01.123" into buf (at least 24 bytes); returns its length. */
size_t	log_stamp(char *buf, size_t size);

/* "mipc: MESSAGE" on stderr. */
void	mipc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "mipc: MESSAGE" on stderr, then exit(status). */
void	mipc_die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
