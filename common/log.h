/*
 * log.h - whole, timestamped log lines, and the command's own messages.
 *
 * A struct logw buffers lines and writes them with one write() per flush, so a
 * line is never split and a burst of lines costs one system call.  Owners
 * flush at the end of each turn of their loop.  A log can be given a size
 * cap, past which its file is renamed PATH.1 and a new one started; and a
 * write the file does not take is held for the next flush, never waited for.
 */
#ifndef MIPC_LOG_H
#define MIPC_LOG_H

#include <sys/types.h>

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

	/* what a write did not take */
	size_t		 held;		/* bytes at the start of buf kept by the
					   last flush, waiting for the next */
	int		 torn;		/* the file ends in the middle of a line */
	int		 werr;		/* errno of the write that failed */
	unsigned long	 dropped;	/* lines dropped for the note in buf */
	size_t		 note_at;	/* where that note starts in buf */

	/* rotation (logw_rotate_at) */
	char		*path;		/* NULL: the file is never rotated */
	off_t		 max;		/* the cap, in bytes */
	off_t		 size;		/* bytes in the file */
	off_t		 limit;		/* rotate before the file passes this */
};

/* A piece of a log line: n bytes at s. */
struct logw_part {
	const char	*s;
	size_t		 n;
};
#define LOGW_PART(literal) { literal, sizeof literal - 1 }

#define LOGW_HOLD_MAX	(256 * 1024)	/* bytes a log holds for a file that does
					   not take them, before dropping lines */

/*
 * Opens path for appending, as every log is opened: created 0600, never
 * through a symbolic link, without waiting (a FIFO with no reader fails at
 * once, one with a reader opens), close-on-exec; then it must be a regular
 * file with no other name (hard link), or it is refused.  With LOG_EMPTY
 * it is emptied, once it is known to be a log.  Returns the fd (its writes
 * blocking again, as a regular file's are), or -1 with errno (EINVAL:
 * something other than a log is there) and why set to one line that names
 * path and says what to do: "remove it, or choose another OPTION" (option
 * may be NULL: "remove it").
 */
#define LOG_EMPTY	1
int	log_open(const char *path, int flags, const char *option, char *why,
	    size_t whysz);
/* Opens path as log_open does, for l.  Returns 0, or -1 with errno. */
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
/*
 * A line written in place, for those made for every message: logw_begin
 * starts it (its stamp, if any) with room for n more bytes and returns where
 * it goes on, or NULL if it cannot be logged; logw_end ends it at p, adding
 * the newline.
 */
char	*logw_begin(struct logw *l, size_t n);
void	logw_end(struct logw *l, char *p);
/*
 * Writes what is buffered.  It never waits: what the file does not take
 * (EAGAIN, or an error such as ENOSPC) is kept for the next flush, up to
 * LOGW_HOLD_MAX bytes; past that the whole lines kept are dropped, and a
 * line "N lines dropped here: ..." takes their place.
 */
void	logw_flush(struct logw *l);
/*
 * Reads the clock for the lines logged until the next call.  An owner whose
 * loop logs several lines a turn calls it once a turn; without it, each line
 * reads the clock.
 */
void	logw_tick(struct logw *l);
/* The timestamp a line logged to l now would get; as log_stamp. */
size_t	logw_stamp(const struct logw *l, char *buf, size_t size);
/*
 * Caps l's file, which is at path: a flush that would take it past max
 * bytes first renames it path.1 (replacing the one before), opens path
 * afresh as log_open does, and starts it with the line "continued from
 * NAME.1 (rotated at MAX bytes)".  A file that cannot be rotated is written
 * on, with a line saying why, and tried again max bytes later.  A single
 * flush is never split: a file passes max by at most one flush.  Returns 0,
 * or -1 with errno (out of memory, or fstat failed).
 */
int	logw_rotate_at(struct logw *l, const char *path, off_t max);
/* Flushes and closes. */
void	logw_close(struct logw *l);

/*
 * Whether path, the file NAME.log of a log directory, is a log that a run
 * wrote: its first line (after its timestamp, if any) is the one the kernel
 * or a child starts its log with, or the one a rotated log starts with
 * ("continued from NAME.log.1"); path may also be a NAME.log.1.  Any other
 * file there is somebody else's, and a new run neither removes nor lists it.
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
