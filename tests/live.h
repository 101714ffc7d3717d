/*
 * live.h - the harness of the tests that drive a live kernel.
 *
 * Every case starts `mipc kernel` ($MIPC, default bin/mipc) on a socket of
 * its own, in a private temporary directory, on each backend the binary has,
 * and waits on events with deadlines, never on sleeps.  The directories are
 * made in one under $TMPDIR (default /tmp), removed when every case is done.
 * A test file includes this, defines its cases and ends with LIVE_MAIN.
 */
#ifndef MIPC_LIVE_H
#define MIPC_LIVE_H

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "param.h"
#include "test.h"

#define DEADLINE_MS 10000	/* how long any expected event may take */

static const char *backend;	/* the backend of this round */
static char top[200];		/* the directories of every case */
static char dir[256];		/* this case's private directory */
static char sockpath[300];
static pid_t kpid = -1;		/* the kernel under test */
static int kout = -1;		/* its standard output */

static inline const char *
mipc(void)
{
	const char *m = getenv("MIPC");
	return m ? m : "bin/mipc";
}

static inline int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one line from fd into buf (without '\n') by the deadline.
   Returns its length, or -1 on timeout or end of file. */
static inline int
read_line(int fd, char *buf, size_t size, int64_t deadline)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		char c;
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		ssize_t r = read(fd, &c, 1);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n') {
			buf[n] = '\0';
			return (int)n;
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
}

/* A private directory for this case: dir. */
static inline void
make_dir(void)
{
	snprintf(dir, sizeof dir, "%s/case.XXXXXX", top);
	ASSERT(mkdtemp(dir) != NULL);
}

/* Removes path and, if it is a directory, everything in it. */
static inline void
remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char sub[1024];
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
				snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
				remove_tree(sub);
			}
		}
		closedir(d);
	}
	if (remove(path) == -1 && errno != ENOENT)
		perror(path);
}

/* Starts `mipc kernel` on sockpath with logs in dir/logs and extra
   arguments (NULL-terminated); waits for its first trace line. */
static inline void
launch(const char *extra, va_list ap)
{
	int out[2];
	char line[1024];
	const char *argv[32];
	int argc = 0;
	static char logs[300];

	snprintf(logs, sizeof logs, "%s/logs", dir);
	ASSERT(pipe(out) == 0);
	argv[argc++] = mipc();
	argv[argc++] = "kernel";
	argv[argc++] = "--socket";
	argv[argc++] = sockpath;
	argv[argc++] = "--log-dir";
	argv[argc++] = logs;
	argv[argc++] = "--backend";
	argv[argc++] = backend;
	for (const char *a = extra; a != NULL && argc < 30; a = va_arg(ap, const char *))
		argv[argc++] = a;
	argv[argc] = NULL;
	kpid = fork();
	ASSERT(kpid != -1);
	if (kpid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(out[1]);
	if (kout != -1)
		close(kout);
	kout = out[0];
	ASSERT(read_line(kout, line, sizeof line, now_ms() + DEADLINE_MS) > 0);
	ASSERT(strstr(line, "kernel on") != NULL);
}

/* A private directory for this case, and a kernel in it. */
static inline void
start_kernel(const char *extra, ...)
{
	va_list ap;

	make_dir();
	snprintf(sockpath, sizeof sockpath, "%s/k.sock", dir);
	va_start(ap, extra);
	launch(extra, ap);
	va_end(ap);
}

/* Another kernel in the same directory, on the same socket path. */
static inline void
restart_kernel(const char *extra, ...)
{
	va_list ap;

	va_start(ap, extra);
	launch(extra, ap);
	va_end(ap);
}

/* Runs mipc with the arguments and returns its exit status; its standard
   error goes to errbuf. */
static inline int
run_mipc(char *errbuf, size_t size, const char *arg, ...)
{
	const char *argv[32];
	int argc = 0, err[2], status;
	va_list ap;

	argv[argc++] = mipc();
	va_start(ap, arg);
	for (const char *a = arg; a != NULL && argc < 30; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	ASSERT(pipe(err) == 0);
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		dup2(err[1], 2);
		close(err[0]);
		close(err[1]);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(err[1]);
	if (read_line(err[0], errbuf, size, now_ms() + DEADLINE_MS) < 0)
		errbuf[0] = '\0';
	close(err[0]);
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Stops the kernel with sig and checks it cleaned up; returns its status. */
static inline int
stop_kernel_with(int sig)
{
	int status;
	struct stat st;

	ASSERT(kill(kpid, sig) == 0);
	ASSERT(waitpid(kpid, &status, 0) == kpid);
	kpid = -1;
	ASSERT(WIFEXITED(status));
	ASSERT(lstat(sockpath, &st) == -1 && errno == ENOENT);
	return WEXITSTATUS(status);
}

static inline int
stop_kernel(void)
{
	return stop_kernel_with(SIGTERM);
}

static inline int
connect_kernel(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ASSERT(fd != -1);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	ASSERT(strlen(sockpath) < sizeof sa.sun_path);
	memcpy(sa.sun_path, sockpath, strlen(sockpath) + 1);
	ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	return fd;
}

static inline void
send_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w == -1 && errno == EINTR)
			continue;
		ASSERT(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

static inline void
say(int fd, const char *line)
{
	send_all(fd, line, strlen(line));
	send_all(fd, "\n", 1);
}

/* The next line that is not a "| " listing or a "* " event. */
static inline char *
answer(int fd)
{
	static char buf[4096];

	do {
		if (read_line(fd, buf, sizeof buf, now_ms() + DEADLINE_MS) < 0)
			TEST_FAIL_("no answer within %d ms", DEADLINE_MS);
	} while (strncmp(buf, "| ", 2) == 0 || strncmp(buf, "* ", 2) == 0);
	return buf;
}

/* The next line, whatever it is. */
static inline char *
next_line(int fd)
{
	static char buf[4096];

	if (read_line(fd, buf, sizeof buf, now_ms() + DEADLINE_MS) < 0)
		TEST_FAIL_("no line within %d ms", DEADLINE_MS);
	return buf;
}

static inline void
ask(int fd, const char *line, const char *want_prefix)
{
	say(fd, line);
	ASSERT_PREFIX(answer(fd), want_prefix);
}

/* Runs mipc with stdin from the file `in` (or /dev/null) and stdout into
   the file `out`; returns its exit status. */
static inline int
run_mipc_io(const char *in, const char *out, const char *arg, ...)
{
	const char *argv[32];
	int argc = 0, status;
	va_list ap;

	argv[argc++] = mipc();
	va_start(ap, arg);
	for (const char *a = arg; a != NULL && argc < 30; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		int i = open(in ? in : "/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (i == -1 || o == -1)
			_exit(126);
		dup2(i, 0);
		dup2(o, 1);
		dup2(o, 2);	/* the error messages are part of what is checked */
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The whole of a small file, NUL-terminated. */
static inline char *
slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ASSERT(fd != -1);
	n = read(fd, buf, sizeof buf - 1);
	ASSERT(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Whether the file at path holds needle, read again until it does or
   ms have passed: the kernel writes its log when it has nothing to do. */
static inline int
file_has(const char *path, const char *needle, int ms)
{
	int64_t deadline = now_ms() + ms;

	for (;;) {
		int fd = open(path, O_RDONLY);
		struct stat st;
		char *text = NULL;
		int found = 0;
		if (fd != -1 && fstat(fd, &st) == 0 &&
		    (text = malloc((size_t)st.st_size + 1)) != NULL) {
			size_t got = 0;
			ssize_t r;
			while (got < (size_t)st.st_size &&
			    (r = read(fd, text + got, (size_t)st.st_size - got)) > 0)
				got += (size_t)r;
			text[got] = '\0';
			found = strstr(text, needle) != NULL;
		}
		free(text);
		if (fd != -1)
			close(fd);
		if (found || now_ms() >= deadline)
			return found;
		(void)poll(NULL, 0, 10);
	}
}

/* How many times needle occurs in the file at path. */
static inline int
count_in_file(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	ASSERT(f != NULL);
	while (getline(&line, &cap, f) != -1)
		for (char *at = line; (at = strstr(at, needle)) != NULL; at++)
			n++;
	free(line);
	fclose(f);
	return n;
}

static inline void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT(fd != -1);
	ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* Runs the cases once per backend the binary has, as suite PREFIX.BACKEND. */
static inline int
live_main(int argc, char **argv, const char *prefix, const struct test_case *cases,
    size_t n)
{
	char cmd[1024], name[64];
	int failed = 0;
	FILE *p;

	signal(SIGPIPE, SIG_IGN);
	snprintf(top, sizeof top, "%s/mipc-live.XXXXXX", test_tmpdir());
	if (mkdtemp(top) == NULL) {
		perror(top);
		return 1;
	}
	snprintf(cmd, sizeof cmd, "%s --backends", mipc());
	if ((p = popen(cmd, "r")) == NULL)
		return 1;
	while (fgets(name, sizeof name, p) != NULL) {
		char suite[80];
		name[strcspn(name, "\n")] = '\0';
		backend = name;
		snprintf(suite, sizeof suite, "%s.%s", prefix, name);
		failed += test_run_all_(suite, cases, n, argc > 1 ? argv[1] : NULL);
	}
	pclose(p);
	remove_tree(top);
	return failed > 100 ? 100 : failed;
}

#define LIVE_MAIN(prefix, table) \
int main(int argc, char **argv) \
{ \
	return live_main(argc, argv, prefix, table, sizeof(table) / sizeof(table[0])); \
}

#endif
