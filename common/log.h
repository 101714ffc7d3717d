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
#include <time.h>

struct logw {
	int		 fd;		/* -1: logging is off */
	int		 stamp;		/* prefix each line with a timestamp */
	char		*buf;
	size_t		 len, cap;
	int		 ticked;	/* stamp lines with clock, not the time now */
	struct timespec	 clock;
	size_t		 mark;		/* where the line being put together starts */
	int		 broken;	/* it could not be: it is dropped */
};

/* Opens (creating, appending to) path.  Returns 0, or -1 with errno. */
int	logw_open(struct logw *l, const char *path, int stamp);
/* Logs to an fd already open (a child's stdout). */
void	logw_fd(struct logw *l, int fd, int stamp);
/* Appends one line (a '\n' is added); the line is cut at no length. */
void	logw_printf(struct logw *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	logw_vprintf(struct logw *l, const char *fmt, va_list ap);
/*
 * A line put together from pieces, for the lines logged for every message,
 * where parsing a format costs more than the copying: logw_begin, then
 * logw_put for each piece (cut at a NUL, as "%.*s" would), then logw_end.
 */
void	logw_begin(struct logw *l);
void	logw_put(struct logw *l, const char *s, size_t n);
void	logw_end(struct logw *l);
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

/* "2026-11-23 23:40:01.123" into buf (at least 24 bytes); returns its length. */
size_t	log_stamp(char *buf, size_t size);

/* "mipc: MESSAGE" on stderr. */
void	mipc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "mipc: MESSAGE" on stderr, then exit(status). */
void	mipc_die(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
