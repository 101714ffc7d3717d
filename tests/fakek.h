/*
 * fakek.h - a fake kernel, for the tests of the user library (test_lib.c)
 * and of its example programs (test_examples.c).
 *
 * It starts a program the way the kernel will: the program's end of a
 * socketpair as its descriptor 3, MIPC_FD=3, MIPC_NAME=prog, MIPC_PID=42,
 * and a log file as its standard output and error.  The program is a
 * function run in a forked child, or a file run with execv.  Then the test
 * plays the kernel's side line by line: every line it waits for has a
 * deadline, and a mismatch prints the program's log with both lines.
 */
#ifndef MIPC_FAKEK_H
#define MIPC_FAKEK_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define FK_DEADLINE_MS	10000	/* how long a line from the program may take */
#define FK_PID		"42"	/* the program's simulated pid */

struct fakek {
	int	 fd;		/* the kernel's end of the socketpair */
	pid_t	 pid;		/* the program */
	char	 log[512];	/* its standard output and error */
	char	 in[16384];	/* read from it, not yet taken as lines */
	size_t	 len;
};

static inline long long
fk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The program's log so far, into buf (NUL-terminated). */
static inline void
fk_read_log(const struct fakek *k, char *buf, size_t size)
{
	FILE *f = fopen(k->log, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/* Fails the case, after printing the program's log. */
#define FK_FAIL(k, ...) do { \
	static char log_[65536]; \
	fk_read_log((k), log_, sizeof log_); \
	fprintf(stderr, "  --- the program's log:\n%s  ---\n", log_); \
	TEST_FAIL_(__VA_ARGS__); \
} while (0)

/*
 * Starts the program: fn() in a child if fn is not NULL, else argv[0] run
 * with argv.  with_env 0 leaves the MIPC_* variables out.
 */
static inline void
fk_start_env(struct fakek *k, void (*fn)(void), char *const argv[], int with_env)
{
	int sv[2], logfd;

	memset(k, 0, sizeof *k);
	snprintf(k->log, sizeof k->log, "%s/fakek-log.XXXXXX", test_tmpdir());
	ASSERT((logfd = mkstemp(k->log)) != -1);
	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	/* A program that has ended is a failed write, not a dead test. */
	signal(SIGPIPE, SIG_IGN);
	fflush(NULL);
	ASSERT((k->pid = fork()) != -1);
	if (k->pid == 0) {
		/* Out of the way first: either may be 1, 2 or 3. */
		int s = fcntl(sv[1], F_DUPFD, 100), l = fcntl(logfd, F_DUPFD, 100);
		if (s == -1 || l == -1 || dup2(s, 3) == -1 || dup2(l, 1) == -1 ||
		    dup2(l, 2) == -1)
			_exit(126);
		for (int fd = 4; fd < 128; fd++)
			(void)close(fd);
		signal(SIGPIPE, SIG_DFL);
		if (with_env) {
			setenv("MIPC_FD", "3", 1);
			setenv("MIPC_NAME", "prog", 1);
			setenv("MIPC_PID", FK_PID, 1);
		} else {
			unsetenv("MIPC_FD");
			unsetenv("MIPC_NAME");
			unsetenv("MIPC_PID");
		}
		if (fn != NULL) {
			fn();
			exit(0);	/* exit: its standard output is flushed */
		}
		if (argv != NULL)
			execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv ? argv[0] : "nothing",
		    strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	close(logfd);
	k->fd = sv[0];
	/* The program must never make the test wait on a write. */
	ASSERT(fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) | O_NONBLOCK) == 0);
}

static inline void
fk_start(struct fakek *k, void (*fn)(void), char *const argv[])
{
	fk_start_env(k, fn, argv, 1);
}

/* Sends bytes as they are. */
static inline void
fk_raw(struct fakek *k, const char *s, size_t n)
{
	long long deadline = fk_now_ms() + FK_DEADLINE_MS;

	while (n > 0) {
		ssize_t w = write(k->fd, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd p = { k->fd, POLLOUT, 0 };
			if (fk_now_ms() > deadline)
				FK_FAIL(k, "the program read nothing for %d ms", FK_DEADLINE_MS);
			(void)poll(&p, 1, 100);
			continue;
		}
		FK_FAIL(k, "cannot write to the program: %s", strerror(errno));
	}
}

/* Sends one line (a printf format), with its newline. */
static inline void __attribute__((format(printf, 2, 3)))
fk_say(struct fakek *k, const char *fmt, ...)
{
	static char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	ASSERT(n >= 0 && (size_t)n < sizeof line - 1);
	line[n++] = '\n';
	fk_raw(k, line, (size_t)n);
}

/*
 * The next line from the program, without its newline, into buf.  Returns
 * its length, or -1 at the program's end of file; fails the case if none
 * comes in time.
 */
static inline int
fk_line(struct fakek *k, char *buf, size_t size)
{
	long long deadline = fk_now_ms() + FK_DEADLINE_MS;

	for (;;) {
		char *nl = memchr(k->in, '\n', k->len);
		if (nl != NULL) {
			size_t n = (size_t)(nl - k->in);
			if (n >= size)
				FK_FAIL(k, "a line of %zu bytes from the program, "
				    "longer than the test expects", n);
			memcpy(buf, k->in, n);
			buf[n] = '\0';
			memmove(k->in, nl + 1, k->len - n - 1);
			k->len -= n + 1;
			return (int)n;
		}
		if (k->len == sizeof k->in)
			FK_FAIL(k, "a line over %zu bytes from the program", sizeof k->in);
		struct pollfd p = { k->fd, POLLIN, 0 };
		long long left = deadline - fk_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) == 0)
			FK_FAIL(k, "no line from the program within %d ms", FK_DEADLINE_MS);
		ssize_t r = read(k->fd, k->in + k->len, sizeof k->in - k->len);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == 0 || (r == -1 && errno == ECONNRESET)) {
			if (k->len > 0)
				FK_FAIL(k, "the program closed after a partial line: "
				    "%.*s", (int)k->len, k->in);
			return -1;
		}
		if (r == -1)
			FK_FAIL(k, "cannot read from the program: %s", strerror(errno));
		k->len += (size_t)r;
	}
}

/* The next line from the program is exactly want. */
static inline void
fk_expect(struct fakek *k, const char *want)
{
	static char got[16384];

	if (fk_line(k, got, sizeof got) == -1)
		FK_FAIL(k, "the program closed its socket; expected \"%s\"", want);
	if (strcmp(got, want) != 0)
		FK_FAIL(k, "the program sent:\n    got      \"%s\"\n    expected \"%s\"",
		    got, want);
}

/* The program closes its socket (ends) without sending anything more. */
static inline void
fk_expect_eof(struct fakek *k)
{
	static char got[16384];

	if (fk_line(k, got, sizeof got) != -1)
		FK_FAIL(k, "the program sent \"%s\"; expected its end", got);
}

/* Closes the kernel's end: the kernel has stopped. */
static inline void
fk_close(struct fakek *k)
{
	if (k->fd != -1)
		close(k->fd);
	k->fd = -1;
}

/* Waits for the program to end (the case's time limit is the deadline) and
   checks its exit status. */
static inline void
fk_exit(struct fakek *k, int want)
{
	int st;

	while (waitpid(k->pid, &st, 0) == -1)
		if (errno != EINTR)
			FK_FAIL(k, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(st))
		FK_FAIL(k, "the program was killed by signal %d", WTERMSIG(st));
	if (WEXITSTATUS(st) != want)
		FK_FAIL(k, "the program exited %d, expected %d", WEXITSTATUS(st), want);
}

/* The program's log holds s. */
static inline void
fk_log_has(struct fakek *k, const char *s)
{
	static char log[65536];

	fk_read_log(k, log, sizeof log);
	if (strstr(log, s) == NULL)
		FK_FAIL(k, "the program's log lacks \"%s\"", s);
}

static inline void
fk_log_hasnt(struct fakek *k, const char *s)
{
	static char log[65536];

	fk_read_log(k, log, sizeof log);
	if (strstr(log, s) != NULL)
		FK_FAIL(k, "the program's log has \"%s\"", s);
}

/* Ends the case's use of k: the log file goes. */
static inline void
fk_done(struct fakek *k)
{
	fk_close(k);
	(void)unlink(k->log);
}

#endif
