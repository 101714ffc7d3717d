/*
 * logdir.c - the log directory, which belongs to one kernel at a time.
 *
 * Why fcntl() locks: the system lets go of them when their process ends,
 * however it ends, and a fork does not hand them on, so a child that
 * outlives its kernel for a moment holds nothing.  Their one trap is that
 * closing any descriptor of the file, anywhere in the process, lets go of
 * the lock: so this file is the only one to open kernel.pid, never opens
 * it twice in one process, and never opens (to read, to check) another
 * name that is the same file.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logdir.h"
#include "param.h"

static struct logdir *held;	/* the directories this process holds */

/* Makes dir 0700, and the parents it lacks.  Returns 0 or -1 with errno. */
static int
make_dir(const char *dir)
{
	char parent[4096];
	const char *slash;
	size_t n;

	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT || (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return -1;
	/* "a//b": the parent is "a" */
	for (n = (size_t)(slash - dir); n > 1 && dir[n - 1] == '/'; n--)
		;
	if (n >= sizeof parent) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(parent, dir, n);
	parent[n] = '\0';
	if (make_dir(parent) == -1)
		return -1;
	return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Whether path is, or was when looked at, the file d is locked on. */
static int
is_lock(const struct logdir *d, const char *path)
{
	struct stat st;

	return d->lockfd != -1 && lstat(path, &st) == 0 &&
	    st.st_dev == d->lock_dev && st.st_ino == d->lock_ino;
}

/* The pid a refused kernel reads in kernel.pid; 0 if there is none. */
static long
pid_in(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * Locks DIR/kernel.pid for d.  Returns 0, or -1 with errno (EBUSY: another
 * kernel has it) and why; the file is then as it was.
 */
static int
lock_take(struct logdir *d, char *why, size_t whysz)
{
	char path[4200], pid[32];
	struct flock fl;
	struct stat st;
	long holder = 0;
	int fd, n;

	if (logdir_path(d, NULL, path, sizeof path) == NULL) {
		snprintf(why, whysz, "log directory %s: %s", d->dir,
		    strerror(ENAMETOOLONG));
		errno = ENAMETOOLONG;
		return -1;
	}
	/* This process has it already: opening it again, to find out, would
	   let go of the lock when closed. */
	if (lstat(path, &st) == 0)
		for (struct logdir *h = held; h != NULL; h = h->next)
			if (h->owner == getpid() && h->lock_dev == st.st_dev &&
			    h->lock_ino == st.st_ino) {
				holder = (long)getpid();
				goto busy;
			}
	if ((fd = log_open(path, 0, "--log-dir", why, whysz)) == -1)
		return -1;
	for (int tries = 0;; tries++) {
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;		/* the whole file */
		if (fcntl(fd, F_SETLK, &fl) == 0)
			break;
		if (errno != EACCES && errno != EAGAIN)
			goto fail;
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_GETLK, &fl) == -1)
			goto fail;
		/* Unlocked by now: its kernel has just gone.  Again, but not
		   for ever against kernels that come and go. */
		if (fl.l_type == F_UNLCK && tries < 3)
			continue;
		holder = fl.l_type != F_UNLCK ? (long)fl.l_pid : 0;
		if (holder <= 0)
			holder = pid_in(path);	/* a lock on another machine */
		close(fd);
		goto busy;
	}
	if (fstat(fd, &st) == -1)
		goto fail;
	/* The pid is for people (kill $(cat logs/kernel.pid)); the lock is
	   what keeps a second kernel out. */
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, pid, (size_t)n) != n)
		goto fail;
	d->lockfd = fd;
	d->lock_dev = st.st_dev;
	d->lock_ino = st.st_ino;
	d->owner = getpid();
	d->next = held;
	held = d;
	return 0;
fail:
	n = errno;
	snprintf(why, whysz, "cannot lock %s: %s (choose another --log-dir)", path,
	    strerror(n));
	close(fd);
	errno = n;
	return -1;
busy:
	if (holder > 0)
		snprintf(why, whysz, "log directory %s is in use by a running kernel "
		    "(pid %ld): choose another --log-dir", d->dir, holder);
	else
		snprintf(why, whysz, "log directory %s is in use by another running "
		    "kernel: choose another --log-dir", d->dir);
	errno = EBUSY;
	return -1;
}

/*
 * Removes the last run's logs from the directory: kernel.log, and each
 * kernel.log.1 and NAME.log that starts as a run's log does; only regular
 * files, never the lock.  Returns 0, or -1 with errno and why.
 */
static int
remove_last_run(struct logdir *d, char *why, size_t whysz)
{
	struct dirent *de;
	DIR *dir;

	if ((dir = opendir(d->dir)) == NULL) {
		snprintf(why, whysz, "log directory %s: %s (choose another --log-dir)",
		    d->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		const char *s = de->d_name;
		size_t n = strlen(s);
		char path[4096 + 256], name[MIPC_NAME_MAX + 1];
		struct stat st;

		if (strcmp(s, "kernel.log.1") == 0)
			n -= 2;			/* a rotated kernel.log */
		else if (n < 5 || strcmp(s + n - 4, ".log") != 0)
			continue;
		if (n - 4 > MIPC_NAME_MAX)
			continue;
		memcpy(name, s, n - 4);
		name[n - 4] = '\0';
		snprintf(path, sizeof path, "%s/%s", d->dir, s);
		/* kernel.log is the run's own name; any other file is looked
		   into (opened) first, and never if it is the lock. */
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && !is_lock(d, path) &&
		    (strcmp(s, "kernel.log") == 0 || log_is_ours(path, name)))
			(void)unlink(path);
	}
	closedir(dir);
	return 0;
}

int
logdir_open(struct logdir *d, const char *dir, char *why, size_t whysz)
{
	struct stat st;
	int e;

	memset(d, 0, sizeof *d);
	d->lockfd = -1;
	if (dir[0] == '\0') {
		snprintf(why, whysz, "the log directory cannot be \"\": "
		    "choose another --log-dir");
		errno = EINVAL;
		return -1;
	}
	if ((d->dir = strdup(dir)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	if (make_dir(dir) == -1) {
		e = errno;
		snprintf(why, whysz, "cannot make log directory %s: %s (choose another "
		    "--log-dir)", dir, strerror(e));
		goto fail;
	}
	/* What is there is used as it is, a link to a directory included. */
	if (stat(dir, &st) == -1) {
		e = errno;
		snprintf(why, whysz, "log directory %s: %s (choose another --log-dir)",
		    dir, strerror(e));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		e = ENOTDIR;
		snprintf(why, whysz, "%s is not a directory: choose another --log-dir",
		    dir);
		goto fail;
	}
	if (lock_take(d, why, whysz) == -1) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	logdir_close(d);
	errno = e;
	return -1;
}

int
logdir_clear(struct logdir *d, char *why, size_t whysz)
{
	int fd;

	/* Nothing goes before it is sure the kernel's own log can be written. */
	if ((fd = logdir_open_log(d, "kernel", why, whysz)) == -1)
		return -1;
	close(fd);
	return remove_last_run(d, why, whysz);
}

char *
logdir_path(const struct logdir *d, const char *name, char *buf, size_t size)
{
	int n;

	if (name == NULL)
		n = snprintf(buf, size, "%s/%s", d->dir, LOGDIR_LOCK);
	else
		n = snprintf(buf, size, "%s/%s.log", d->dir, name);
	return n < 0 || (size_t)n >= size ? NULL : buf;
}

int
logdir_open_log(struct logdir *d, const char *name, char *why, size_t whysz)
{
	char path[4200];

	if (!log_name_ok(name, strlen(name))) {
		snprintf(why, whysz, "'%s' cannot name a log", name);
		errno = EINVAL;
		return -1;
	}
	if (logdir_path(d, name, path, sizeof path) == NULL) {
		snprintf(why, whysz, "log directory %s: %s", d->dir,
		    strerror(ENAMETOOLONG));
		errno = ENAMETOOLONG;
		return -1;
	}
	return logdir_open_file(d, path, 0, "--log-dir", why, whysz);
}

int
logdir_open_file(struct logdir *d, const char *path, int flags,
    const char *option, char *why, size_t whysz)
{
	/* Checked before the open: an open and close of the lock's file, by
	   whatever name, would let go of the lock. */
	if (d != NULL && is_lock(d, path)) {
		snprintf(why, whysz, "%s is the lock of log directory %s, not a log: "
		    "remove it, or choose another %s", path, d->dir,
		    option != NULL ? option : "file");
		errno = EINVAL;
		return -1;
	}
	return log_open(path, flags, option, why, whysz);
}

void
logdir_close(struct logdir *d)
{
	if (d->dir == NULL)
		return;		/* never opened, or closed */
	if (d->lockfd != -1) {
		/* The pid goes with the kernel; if it cannot, the lock being
		   free says the same to the next kernel. */
		if (ftruncate(d->lockfd, 0) == -1) {
			/* a stale pid, in a file nobody holds: harmless */
		}
		close(d->lockfd);
		for (struct logdir **h = &held; *h != NULL; h = &(*h)->next)
			if (*h == d) {
				*h = d->next;
				break;
			}
	}
	free(d->dir);
	memset(d, 0, sizeof *d);
	d->lockfd = -1;
}
