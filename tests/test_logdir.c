/*
 * test_logdir.c - the log directory (kernel/logdir.c): its modes, what it
 * refuses to write to, its lock, and what it removes of the last run.
 *
 * Each case works in a directory of its own, removed at its end.  A case
 * that could hang (a FIFO, a lock) has a deadline of a few seconds, set by
 * alarm(): the harness reports the SIGALRM as a time limit.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logdir.h"
#include "test.h"

#define DEADLINE	5	/* seconds a case that could hang may take */

static char top[512];		/* this case's directory */
static char logs[600];		/* top/logs */
static pid_t maker;		/* the process that made top, and removes it */
static char why[4400];

/* Removes path and, if it is a directory, everything in it. */
static void
remove_tree(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char sub[1024];
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
			remove_tree(sub);
		}
		closedir(d);
	}
	(void)remove(path);
}

static void
cleanup(void)
{
	if (getpid() == maker)
		remove_tree(top);
}

/* A fresh directory for the case: top, with logs named (not made). */
static void
fresh(void)
{
	snprintf(top, sizeof top, "%s/mipc-logdir.XXXXXX", test_tmpdir());
	ASSERT(mkdtemp(top) != NULL);
	snprintf(logs, sizeof logs, "%s/logs", top);
	maker = getpid();
	atexit(cleanup);
	umask(022);		/* what a user has: the modes are not the umask's */
}

/* top/logs/NAME into buf. */
static char *
in_logs(const char *name)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", logs, name);
	return buf[i];
}

/* Writes text into path, made 0644. */
static void
put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ASSERT(fd != -1);
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ASSERT(close(fd) == 0);
}

/* The whole of path ("" if it is not there). */
static char *
slurp(const char *path)
{
	static char buf[8192];
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	buf[0] = '\0';
	if (fd == -1)
		return buf;
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static unsigned
mode_of(const char *path)
{
	struct stat st;

	ASSERT(lstat(path, &st) == 0);
	return st.st_mode & 07777;
}

/* why contains s */
#define ASSERT_WHY_HAS(s) do { \
	if (strstr(why, (s)) == NULL) \
		TEST_FAIL_("why has \"%s\":\n    got \"%s\"", (s), why); \
} while (0)

/* What a kernel does that starts a new run in dir: takes it, and clears
   it of the last run's logs.  0, or -1 having given it up. */
static int
open_clear(struct logdir *d, const char *dir)
{
	if (logdir_open(d, dir, why, sizeof why) == -1)
		return -1;
	if (logdir_clear(d, why, sizeof why) == -1) {
		logdir_close(d);
		return -1;
	}
	return 0;
}

/* Forks a process that runs fn(arg) and exits with its result. */
static pid_t
in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	ASSERT(pid != -1);
	if (pid == 0) {
		alarm(DEADLINE);
		fflush(NULL);
		_exit(fn(arg));
	}
	return pid;
}

/* The exit status of pid, waited for. */
static int
status_of(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		ASSERT(errno == EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* In another process: logdir_open on logs must fail EBUSY naming pid *arg
   and --log-dir, and kernel.pid must hold that pid.  0 if so; 1 to 4 say
   how not.  (Only another process may read kernel.pid: the holder's own
   close of it would let go of its lock.) */
static int
refused_naming(void *arg)
{
	struct logdir d;
	char pid[32];

	if (logdir_open(&d, logs, why, sizeof why) == 0)
		return 1;
	if (errno != EBUSY)
		return 2;
	snprintf(pid, sizeof pid, "(pid %ld)", (long)*(pid_t *)arg);
	if (strstr(why, pid) == NULL || strstr(why, "choose another --log-dir") == NULL) {
		fprintf(stderr, "  refused with \"%s\"\n", why);
		return 3;
	}
	snprintf(pid, sizeof pid, "%ld\n", (long)*(pid_t *)arg);
	if (strcmp(slurp(in_logs("kernel.pid")), pid) != 0)
		return 4;
	return 0;
}

/* In another process: logdir_open on logs succeeds.  0 if it does. */
static int
taken(void *arg)
{
	struct logdir d;

	(void)arg;
	if (logdir_open(&d, logs, why, sizeof why) == -1) {
		fprintf(stderr, "  refused with \"%s\"\n", why);
		return 1;
	}
	logdir_close(&d);
	return 0;
}

TEST(made_dir_is_0700_and_logs_0600)
{
	struct logdir d;
	char deep[800];
	int fd;

	fresh();
	snprintf(deep, sizeof deep, "%s/a/b/logs", top);
	ASSERT_EQ(logdir_open(&d, deep, why, sizeof why), 0);
	ASSERT_EQ(mode_of(deep), 0700);
	snprintf(deep, sizeof deep, "%s/a", top);
	ASSERT_EQ(mode_of(deep), 0700);		/* the parents it made too */
	snprintf(deep, sizeof deep, "%s/a/b/logs/kernel.pid", top);
	ASSERT_EQ(mode_of(deep), 0600);
	ASSERT((fd = logdir_open_log(&d, "server", why, sizeof why)) != -1);
	ASSERT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ASSERT_EQ(fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK), O_APPEND);
	close(fd);
	snprintf(deep, sizeof deep, "%s/a/b/logs/server.log", top);
	ASSERT_EQ(mode_of(deep), 0600);
	logdir_close(&d);
}

TEST(existing_dir_is_used_as_it_is)
{
	struct logdir d;

	fresh();
	ASSERT(mkdir(logs, 0755) == 0);
	ASSERT(chmod(logs, 0751) == 0);
	put(in_logs("old.log"), "kept\n");
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT_EQ(mode_of(logs), 0751);
	ASSERT_EQ(mode_of(in_logs("old.log")), 0644);
	logdir_close(&d);
	/* A file where the directory goes is not one. */
	put(in_logs("file"), "x\n");
	ASSERT_EQ(logdir_open(&d, in_logs("file"), why, sizeof why), -1);
	ASSERT_EQ(errno, ENOTDIR);
	ASSERT_WHY_HAS("is not a directory: choose another --log-dir");
}

TEST(symlink_is_refused_and_not_written_through)
{
	struct logdir d;
	char target[700];

	fresh();
	snprintf(target, sizeof target, "%s/precious", top);
	put(target, "mine\n");
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT(symlink(target, in_logs("x.log")) == 0);
	ASSERT_EQ(logdir_open_log(&d, "x", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("/logs/x.log is a symbolic link");
	ASSERT_WHY_HAS("remove it, or choose another --log-dir");
	ASSERT_STR_EQ(slurp(target), "mine\n");
	ASSERT_EQ(mode_of(target), 0644);
	/* A dangling one is not made either. */
	ASSERT(symlink(in_logs("nowhere"), in_logs("y.log")) == 0);
	ASSERT_EQ(logdir_open_log(&d, "y", why, sizeof why), -1);
	ASSERT(!exists(in_logs("nowhere")));
	/* Nor a device, through a link. */
	ASSERT(symlink("/dev/null", in_logs("z.log")) == 0);
	ASSERT_EQ(logdir_open_log(&d, "z", why, sizeof why), -1);
	ASSERT_WHY_HAS("z.log is a symbolic link");
	logdir_close(&d);
}

TEST(fifo_without_reader_is_refused_at_once)
{
	struct logdir d;

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT(mkfifo(in_logs("x.log"), 0600) == 0);
	ASSERT_EQ(logdir_open_log(&d, "x", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("/logs/x.log is a FIFO, not a regular file: remove it, "
	    "or choose another --log-dir");
	logdir_close(&d);
}

TEST(fifo_with_reader_is_refused)
{
	struct logdir d;
	char c;
	int rd;

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT(mkfifo(in_logs("x.log"), 0600) == 0);
	ASSERT((rd = open(in_logs("x.log"), O_RDONLY | O_NONBLOCK)) != -1);
	ASSERT_EQ(logdir_open_log(&d, "x", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("x.log is a FIFO, not a regular file");
	ASSERT_EQ(read(rd, &c, 1), 0);		/* nothing was written to it */
	close(rd);
	logdir_close(&d);
}

TEST(kernel_log_fifo_stops_the_kernel_at_once)
{
	struct logdir d;

	alarm(DEADLINE);
	fresh();
	ASSERT(mkdir(logs, 0700) == 0);
	ASSERT(mkfifo(in_logs("kernel.log"), 0600) == 0);
	put(in_logs("a.log"), "started: a, pid 5, reply default\n");
	ASSERT_EQ(logdir_open(&d, logs, why, sizeof why), 0);
	ASSERT_EQ(logdir_clear(&d, why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("kernel.log is a FIFO, not a regular file");
	ASSERT(exists(in_logs("a.log")));	/* the last run's logs stay */
	logdir_close(&d);
	ASSERT_STR_EQ(slurp(in_logs("kernel.pid")), "");	/* given back */
	/* and the lock with it: once the FIFO goes, the directory is free */
	ASSERT(unlink(in_logs("kernel.log")) == 0);
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT(!exists(in_logs("a.log")));
	logdir_close(&d);
}

TEST(socket_directory_and_device_are_refused)
{
	struct logdir d;
	struct sockaddr_un sun;
	int s;

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ASSERT(strlen(in_logs("s.log")) < sizeof sun.sun_path);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", in_logs("s.log"));
	ASSERT((s = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	ASSERT(bind(s, (struct sockaddr *)&sun, sizeof sun) == 0);
	ASSERT_EQ(logdir_open_log(&d, "s", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("s.log is a socket, not a regular file");
	close(s);

	ASSERT(mkdir(in_logs("dir.log"), 0700) == 0);
	ASSERT_EQ(logdir_open_log(&d, "dir", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("dir.log is a directory, not a regular file");

	/* --events /dev/null: a device, named straight. */
	ASSERT_EQ(logdir_open_file(&d, "/dev/null", 0, "--events", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_STR_EQ(why, "/dev/null is a character device, not a regular file: "
	    "remove it, or choose another --events");
	logdir_close(&d);
}

TEST(hard_link_is_refused)
{
	struct logdir d;
	char other[700];

	fresh();
	snprintf(other, sizeof other, "%s/other", top);
	put(other, "mine\n");
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT(link(other, in_logs("x.log")) == 0);
	ASSERT_EQ(logdir_open_log(&d, "x", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_WHY_HAS("x.log has 2 names (hard links)");
	ASSERT_STR_EQ(slurp(other), "mine\n");
	logdir_close(&d);
}

TEST(zeroed_logdir_closes_harmlessly)
{
	struct logdir d;
	int null = open("/dev/null", O_RDONLY);

	ASSERT(null != -1 && dup2(null, 0) == 0);
	memset(&d, 0, sizeof d);	/* a kernel whose start failed earlier */
	logdir_close(&d);
	ASSERT(fcntl(0, F_GETFD) != -1);	/* fd 0 (lockfd 0) was not closed */
}

TEST(bad_name_is_refused)
{
	struct logdir d;

	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT_EQ(logdir_open_log(&d, "../x", why, sizeof why), -1);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_STR_EQ(why, "'../x' cannot name a log");
	logdir_close(&d);
}

TEST(events_file_is_emptied_and_appended)
{
	struct logdir d;
	char path[700];
	int fd;

	fresh();
	snprintf(path, sizeof path, "%s/events.jsonl", top);	/* outside logs */
	put(path, "{\"seq\":1}\n");
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT((fd = logdir_open_file(&d, path, LOG_EMPTY, "--events", why,
	    sizeof why)) != -1);
	ASSERT_STR_EQ(slurp(path), "");
	ASSERT_EQ(write(fd, "a\n", 2), 2);
	close(fd);
	ASSERT((fd = logdir_open_file(&d, path, 0, "--events", why, sizeof why)) != -1);
	ASSERT_EQ(write(fd, "b\n", 2), 2);
	close(fd);
	ASSERT_STR_EQ(slurp(path), "a\nb\n");
	logdir_close(&d);
}

TEST(second_kernel_is_refused_with_the_first_ones_pid)
{
	struct logdir d;
	pid_t me = getpid();

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT_EQ(status_of(in_child(refused_naming, &me)), 0);
	logdir_close(&d);
	ASSERT_STR_EQ(slurp(in_logs("kernel.pid")), "");
	ASSERT_EQ(status_of(in_child(taken, NULL)), 0);	/* free once closed */
}

/* The names, inodes, sizes, modes and contents of the files in logs (not
   of kernel.pid: see refused_naming). */
static void
listing(char *out, size_t size)
{
	struct dirent *de;
	struct stat st;
	DIR *dir = opendir(logs);
	size_t n = 0;

	ASSERT(dir != NULL);
	out[0] = '\0';
	while ((de = readdir(dir)) != NULL) {
		ASSERT(lstat(in_logs(de->d_name), &st) == 0);
		n += (size_t)snprintf(out + n, size - n, "%s %llu %lld %o [%s]\n",
		    de->d_name, (unsigned long long)st.st_ino, (long long)st.st_size,
		    (unsigned)st.st_mode,
		    S_ISREG(st.st_mode) && strcmp(de->d_name, "kernel.pid") != 0 ?
		    slurp(in_logs(de->d_name)) : "");
		ASSERT(n < size);
	}
	closedir(dir);
}

TEST(refused_kernel_touches_nothing)
{
	struct logdir d;
	char before[16384], after[16384];
	pid_t me = getpid();

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	put(in_logs("kernel.log"), "kernel started: backend poll\n");
	put(in_logs("a.log"), "started: a, pid 5, reply default\n");
	put(in_logs("notes.log"), "my notes\n");
	listing(before, sizeof before);
	ASSERT_EQ(status_of(in_child(refused_naming, &me)), 0);
	listing(after, sizeof after);
	ASSERT_STR_EQ(after, before);
	logdir_close(&d);
}

/* In another process: takes logs, says so on the pipe *arg, and waits to
   be killed. */
static int
hold_until_killed(void *arg)
{
	struct logdir d;
	int fd = *(int *)arg;

	if (logdir_open(&d, logs, why, sizeof why) == -1)
		return 1;
	if (write(fd, "y", 1) != 1)
		return 2;
	for (;;)
		pause();
}

TEST(lock_dies_with_its_kernel_killed)
{
	struct logdir d;
	int p[2];
	char c;

	alarm(DEADLINE);
	fresh();
	ASSERT(pipe(p) == 0);
	pid_t holder = in_child(hold_until_killed, &p[1]);
	ASSERT_EQ(read(p[0], &c, 1), 1);
	ASSERT_EQ(status_of(in_child(refused_naming, &holder)), 0);
	ASSERT_EQ(logdir_open(&d, logs, why, sizeof why), -1);
	ASSERT_EQ(errno, EBUSY);
	ASSERT(kill(holder, SIGKILL) == 0);
	ASSERT_EQ(status_of(holder), 128 + SIGKILL);
	/* Its pid is still in the file; the lock is what counts. */
	ASSERT_EQ(open_clear(&d, logs), 0);
	logdir_close(&d);
}

/* In another process: waits on the pipe *arg (a kernel's forked child, with
   the lock file's fd inherited), then exits. */
static int
linger(void *arg)
{
	char c;

	return read(*(int *)arg, &c, 1) == 1 ? 0 : 1;
}

TEST(forked_children_do_not_hold_the_lock)
{
	struct logdir d;
	int p[2];

	alarm(DEADLINE);
	fresh();
	ASSERT(pipe(p) == 0);
	ASSERT_EQ(open_clear(&d, logs), 0);
	pid_t child = in_child(linger, &p[0]);
	logdir_close(&d);
	/* The kernel is gone; its child, still running, keeps nothing. */
	ASSERT_EQ(status_of(in_child(taken, NULL)), 0);
	ASSERT_EQ(write(p[1], "x", 1), 1);
	ASSERT_EQ(status_of(child), 0);
}

TEST(same_process_takes_it_again_after_close)
{
	struct logdir d, e;
	pid_t me = getpid();

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	logdir_close(&d);
	logdir_close(&d);			/* twice: harmless */
	ASSERT_EQ(logdir_open(&d, logs, why, sizeof why), 0);	/* mipc run's next file */
	/* Not twice at once, even in one process... */
	ASSERT_EQ(logdir_open(&e, logs, why, sizeof why), -1);
	ASSERT_EQ(errno, EBUSY);
	char pid[32];
	snprintf(pid, sizeof pid, "(pid %ld)", (long)me);
	ASSERT_WHY_HAS(pid);
	logdir_close(&e);
	/* ...and the refusal did not let go of the lock. */
	ASSERT_EQ(status_of(in_child(refused_naming, &me)), 0);
	logdir_close(&d);
}

TEST(lock_file_is_never_a_log)
{
	struct logdir d;
	pid_t me = getpid();

	alarm(DEADLINE);
	fresh();
	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT_EQ(logdir_open_file(&d, in_logs("kernel.pid"), 0, "--events", why,
	    sizeof why), -1);
	ASSERT_WHY_HAS("kernel.pid is the lock of log directory");
	/* Another name for it is not looked into either, nor removed. */
	ASSERT(link(in_logs("kernel.pid"), in_logs("x.log")) == 0);
	ASSERT_EQ(logdir_open_log(&d, "x", why, sizeof why), -1);
	ASSERT_WHY_HAS("x.log is the lock of log directory");
	ASSERT(unlink(in_logs("x.log")) == 0);
	ASSERT_EQ(status_of(in_child(refused_naming, &me)), 0);	/* still held */
	logdir_close(&d);
}

TEST(last_runs_logs_are_removed_ours_only)
{
	struct logdir d;

	fresh();
	ASSERT(mkdir(logs, 0700) == 0);
	put(in_logs("kernel.log"), "whatever is there\n");
	put(in_logs("kernel.log.1"), "2026-01-02 03:04:05.678 kernel started: backend epoll\n");
	put(in_logs("a.log"), "started: a, pid 5, reply default\n");
	put(in_logs("b.log"), "2026-01-02 03:04:05.678 started: b, pid 6, OS pid 7\n");
	put(in_logs("c.log"), "continued from c.log.1 (rotated at 100 bytes)\n");
	put(in_logs("notes.log"), "my notes\n");
	put(in_logs("x.log"), "started: y, pid 5\n");		/* not x's */
	put(in_logs("other.log.1"), "started: other, pid 5\n");
	put(in_logs("events.jsonl"), "{}\n");
	ASSERT(mkdir(in_logs("d.log"), 0700) == 0);
	ASSERT(symlink(in_logs("a.log"), in_logs("e.log")) == 0);

	/* keep: the second file of a run leaves them all */
	ASSERT_EQ(logdir_open(&d, logs, why, sizeof why), 0);
	logdir_close(&d);
	ASSERT(exists(in_logs("a.log")) && exists(in_logs("kernel.log.1")));
	ASSERT_STR_EQ(slurp(in_logs("kernel.log")), "whatever is there\n");

	ASSERT_EQ(open_clear(&d, logs), 0);
	ASSERT(!exists(in_logs("kernel.log")));
	ASSERT(!exists(in_logs("kernel.log.1")));
	ASSERT(!exists(in_logs("a.log")));
	ASSERT(!exists(in_logs("b.log")));
	ASSERT(!exists(in_logs("c.log")));
	ASSERT_STR_EQ(slurp(in_logs("notes.log")), "my notes\n");
	ASSERT_STR_EQ(slurp(in_logs("x.log")), "started: y, pid 5\n");
	ASSERT(exists(in_logs("other.log.1")));
	ASSERT(exists(in_logs("events.jsonl")));
	ASSERT(exists(in_logs("d.log")));
	ASSERT(exists(in_logs("e.log")));
	ASSERT(exists(in_logs("kernel.pid")));
	logdir_close(&d);
}

TEST(unusable_directory_says_what_to_do)
{
	struct logdir d;

	fresh();
	ASSERT_EQ(logdir_open(&d, "", why, sizeof why), -1);
	ASSERT_WHY_HAS("choose another --log-dir");
	if (geteuid() == 0)
		return;			/* root makes directories anywhere */
	ASSERT(chmod(top, 0500) == 0);
	ASSERT_EQ(logdir_open(&d, logs, why, sizeof why), -1);
	ASSERT_EQ(errno, EACCES);
	ASSERT_WHY_HAS("cannot make log directory ");
	ASSERT_WHY_HAS("(choose another --log-dir)");
	ASSERT(chmod(top, 0700) == 0);
}

static const struct test_case cases[] = {
	TEST_CASE(made_dir_is_0700_and_logs_0600),
	TEST_CASE(existing_dir_is_used_as_it_is),
	TEST_CASE(symlink_is_refused_and_not_written_through),
	TEST_CASE(fifo_without_reader_is_refused_at_once),
	TEST_CASE(fifo_with_reader_is_refused),
	TEST_CASE(kernel_log_fifo_stops_the_kernel_at_once),
	TEST_CASE(socket_directory_and_device_are_refused),
	TEST_CASE(hard_link_is_refused),
	TEST_CASE(zeroed_logdir_closes_harmlessly),
	TEST_CASE(bad_name_is_refused),
	TEST_CASE(events_file_is_emptied_and_appended),
	TEST_CASE(second_kernel_is_refused_with_the_first_ones_pid),
	TEST_CASE(refused_kernel_touches_nothing),
	TEST_CASE(lock_dies_with_its_kernel_killed),
	TEST_CASE(forked_children_do_not_hold_the_lock),
	TEST_CASE(same_process_takes_it_again_after_close),
	TEST_CASE(lock_file_is_never_a_log),
	TEST_CASE(last_runs_logs_are_removed_ours_only),
	TEST_CASE(unusable_directory_says_what_to_do),
};

TEST_MAIN("logdir", cases)
