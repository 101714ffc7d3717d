/*
 * platform.c - the system-specific corner of microipc.
 *
 * Peer credentials come from getpeereid() on macOS and the BSDs and from
 * SO_PEERCRED on Linux; a child's inherited descriptors are closed with
 * close_range() where the system has it; the CPUs a process may use come
 * from its affinity on Linux; a process's title is written over its
 * arguments, where ps reads it on Linux and macOS alike, and its short name
 * comes from prctl() on Linux; everything else here is POSIX, kept here so
 * callers need no #ifdef.
 */
#if defined(__linux__)
#define _GNU_SOURCE		/* struct ucred, SO_PEERCRED */
#elif defined(__APPLE__)
#define _DARWIN_C_SOURCE	/* getpeereid() */
#else
#define _BSD_SOURCE
#endif

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#if defined(__linux__)
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

int64_t
plat_now_ms(void)
{
	return plat_now_us() / 1000;
}

int64_t
plat_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
plat_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	fl = fcntl(fd, F_GETFD);
	if (fl == -1 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

int
plat_pipe(int fds[2])
{
	if (pipe(fds) == -1)
		return -1;
	if (plat_nonblock(fds[0]) == -1 || plat_nonblock(fds[1]) == -1) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	return 0;
}

int
plat_peer_uid(int fd, uid_t *uid)
{
#if defined(__linux__)
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	return 0;
#else
	gid_t gid;

	return getpeereid(fd, uid, &gid);
#endif
}

/* Closes every fd in [lo, hi]: one system call where there is one for it. */
static int
close_range_of(unsigned lo, unsigned hi)
{
#if defined(__linux__) && defined(SYS_close_range)
	return (int)syscall(SYS_close_range, lo, hi, 0);
#else
	(void)lo;
	(void)hi;
	errno = ENOSYS;
	return -1;
#endif
}

void
plat_close_from3(const int *keep, int n)
{
	struct rlimit rl;
	int max = 1024;
	unsigned lo = 3;
	int k, done = 1;

	/* The gaps between the kept fds, in increasing order. */
	for (;;) {
		int next = -1;
		for (k = 0; k < n; k++)
			if (keep[k] >= (int)lo && (next == -1 || keep[k] < next))
				next = keep[k];
		if (next == -1)
			break;
		if ((unsigned)next > lo && close_range_of(lo, (unsigned)next - 1) == -1) {
			done = 0;
			break;
		}
		lo = (unsigned)next + 1;
	}
	if (done && close_range_of(lo, ~0u) == 0)
		return;
	/* Without close_range (an older kernel, macOS): one at a time, up to
	   the limit on open files. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	for (int fd = 3; fd < max; fd++) {
		int kept = 0;
		for (int i = 0; i < n; i++)
			if (keep[i] == fd)
				kept = 1;
		if (!kept)
			(void)close(fd);
	}
}

int
plat_pin_cpu(int cpu)
{
#if defined(__linux__)
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
#else
	(void)cpu;
	errno = ENOTSUP;
	return -1;
#endif
}

int
plat_cpus(void)
{
	long n;
#if defined(__linux__)
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
#endif
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

long
plat_peak_rss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
#if defined(__APPLE__)
	return ru.ru_maxrss / 1024;	/* bytes there */
#else
	return ru.ru_maxrss;		/* KiB on Linux and the BSDs */
#endif
}

/*
 * Process titles.  ps shows a process's command line from the memory its
 * arguments were placed in at exec (Linux reads it through
 * /proc/PID/cmdline, macOS through sysctl KERN_PROCARGS2), so a title is
 * written there.  The environment's strings follow the arguments'; once
 * both are copied elsewhere, their whole span is free for a title.  This is
 * how sendmail, PostgreSQL and nginx do it where there is no setproctitle().
 */
extern char **environ;

static char *title_at;		/* argv[0]'s memory, once it is free */
static size_t title_room;	/* bytes there, the last kept for a NUL */
static char **kept;		/* the copies, argv's then the environment's */

void
plat_save_argv(int argc, char **argv)
{
	char *start, *end;
	int nenv = 0, i;

	if (argc < 1 || argv[0] == NULL || title_at != NULL)
		return;
	/* The span: the strings that follow each other without a gap. */
	start = argv[0];
	end = start + strlen(start) + 1;
	for (i = 1; i < argc && argv[i] == end; i++)
		end += strlen(argv[i]) + 1;
	while (environ[nenv] != NULL)
		nenv++;
	for (int e = 0; i == argc && e < nenv && environ[e] == end; e++)
		end += strlen(environ[e]) + 1;

	/* Copies of every string, pointed at from where the originals were
	   (environ's array itself is not in the span). */
	if ((kept = calloc((size_t)(argc + nenv) + 1, sizeof *kept)) == NULL)
		return;
	for (i = 0; i < argc + nenv; i++) {
		const char *s = i < argc ? argv[i] : environ[i - argc];
		if ((kept[i] = strdup(s)) == NULL) {
			while (i-- > 0)
				free(kept[i]);
			free(kept);
			kept = NULL;
			return;
		}
	}
	for (i = 0; i < argc + nenv; i++)
		*(i < argc ? &argv[i] : &environ[i - argc]) = kept[i];
	title_at = start;
	title_room = (size_t)(end - start);
}

void
plat_set_title(const char *fmt, ...)
{
	char title[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(title, sizeof title, fmt, ap);
	va_end(ap);
	if (title_at != NULL) {
		size_t n = strlen(title);
		if (n > title_room - 1)
			n = title_room - 1;
		memcpy(title_at, title, n);
		/* The rest zeroed: ps shows no leftover of the arguments. */
		memset(title_at + n, '\0', title_room - n);
	}
#if defined(__linux__)
	{
		char name[16];
		const char *w = strstr(title, ": ");
		w = w != NULL ? w + 2 : title;
		snprintf(name, sizeof name, "%.*s", (int)strcspn(w, " "), w);
		(void)prctl(PR_SET_NAME, name, 0, 0, 0);
	}
#endif
}
