/*
 * logdir.h - the log directory, which belongs to one kernel at a time.
 *
 * A kernel takes its log directory before it writes anything there: it
 * makes the directory if need be (0700, with any missing parents) and
 * locks the file kernel.pid in it (logdir_open); only once it is sure to
 * start does it remove the last run's logs (logdir_clear).  A second
 * kernel on the same directory finds the lock held and goes, having
 * touched nothing.  The lock is an fcntl() record lock: the system drops it
 * when the kernel exits or is killed, even by SIGKILL, and a forked child
 * never holds it.  Every log is then opened through here (log_open): 0600,
 * never through a link, never waiting, a regular file or refused.
 */
#ifndef MIPC_LOGDIR_H
#define MIPC_LOGDIR_H

#include <stddef.h>
#include <sys/types.h>

#define LOGDIR_LOCK	"kernel.pid"	/* the lock, holding its kernel's pid */
#define LOGDIR_LOG_MAX	(16 * 1024 * 1024)	/* kernel.log is renamed
						   kernel.log.1 past this */

struct logdir {
	char		*dir;		/* as given */
	int		 lockfd;	/* DIR/kernel.pid, locked; -1: not held */
	dev_t		 lock_dev;	/* which file that is */
	ino_t		 lock_ino;
	pid_t		 owner;		/* the process that took it */
	struct logdir	*next;		/* the directories this process holds */
};

/*
 * Takes the log directory dir for this process: makes it 0700 (and its
 * missing parents) if it is not there, uses it as it is if it is; locks
 * DIR/kernel.pid and writes this process's pid in it.  Nothing else in
 * the directory is touched.  Returns 0, or -1 with errno and a one-line
 * why that says what to do: EBUSY when another kernel holds dir ("log
 * directory DIR is in use by a running kernel (pid N): choose another
 * --log-dir"), having touched nothing in it; EINVAL when something other
 * than a file is where kernel.pid goes; else the system's error.  One
 * struct logdir per directory and process.
 */
int	logdir_open(struct logdir *d, const char *dir, char *why, size_t whysz);
/*
 * A new run begins in d: checks that DIR/kernel.log can be opened, then
 * removes the last run's logs: kernel.log, and each kernel.log.1 and
 * NAME.log whose first line is one a run starts a log with (log_is_ours);
 * never anything else, never a link or anything but a regular file.  The
 * second file of a `mipc run` keeps the first one's logs: no call.
 * Returns 0, or -1 with errno (EINVAL: kernel.log is not a file) and why,
 * having removed nothing.
 */
int	logdir_clear(struct logdir *d, char *why, size_t whysz);
/*
 * Opens DIR/NAME.log (NAME as log_name_ok, or "kernel") for appending, as
 * log_open does: 0600 when made, never through a link, never waiting, a
 * regular file with one name or refused.  Returns the fd (close-on-exec),
 * or -1 with errno (EINVAL: refused, or a bad NAME) and a one-line why.
 */
int	logdir_open_log(struct logdir *d, const char *name, char *why,
	    size_t whysz);
/*
 * The same for any file: path is the whole name (DIR/events.jsonl, or what
 * --events names, outside DIR maybe); option is what the user can change
 * instead ("--events"); flags as log_open's (LOG_EMPTY).  The directory's
 * own lock file is refused.  Returns the fd, or -1 with errno and why.
 */
int	logdir_open_file(struct logdir *d, const char *path, int flags,
	    const char *option, char *why, size_t whysz);
/* DIR/NAME.log into buf (NAME NULL: DIR/kernel.pid).  Returns buf, or NULL
   if it does not fit. */
char	*logdir_path(const struct logdir *d, const char *name, char *buf,
	    size_t size);
/* Gives the directory up: empties kernel.pid and unlocks it.  Harmless on a
   struct logdir that logdir_open failed on, one already closed, or one
   all zeros (never opened). */
void	logdir_close(struct logdir *d);

#endif
