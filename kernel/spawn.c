/*
 * spawn.c - making a simulated process: the socketpair, the fork, and what
 * the child starts with.
 *
 * The socketpair is made before the fork and each side closes the other's
 * end.  The child gets its log on stdout and stderr, /dev/null on stdin,
 * every other descriptor closed, the signals the kernel catches back at
 * their defaults, and a process group of its own, so that a ^C at the
 * terminal is the kernel's to handle.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "platform.h"
#include "spawn.h"

void
spawn_default_signals(void)
{
	static const int caught[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		(void)sigaction(caught[i], &sa, NULL);
}

/* In the forked child: set up its fds and signals, then become the process. */
static void
child_start(int sock, int logfd, const struct child_config *cfg)
{
	int keep[2] = { sock, logfd };
	int null;

	/* Its own process group: a ^C at the terminal is the kernel's to handle. */
	(void)setpgid(0, 0);
	spawn_default_signals();
	plat_close_from3(keep, 2);
	if ((null = open("/dev/null", O_RDONLY)) != -1) {
		(void)dup2(null, 0);
		if (null != 0)
			close(null);
	}
	if (dup2(logfd, 1) == -1 || dup2(logfd, 2) == -1)
		_exit(127);
	close(logfd);
	/* The kernel's end is non-blocking; the child's own end blocks. */
	(void)fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
	if (cfg->load != NULL) {
		/* The first line of every child's log (see log_is_ours). */
		dprintf(1, "started: %s, pid %lu, load generator\n", cfg->name,
		    (unsigned long)cfg->pid);
		load_main(sock, cfg->load);
	}
	child_main(sock, cfg);
	_exit(0);
}

int
spawn_fork(const struct child_config *cfg, const char *logpath, pid_t *ospid,
    char *ans, size_t anssz)
{
	int sv[2], logfd;

	if ((logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC cannot open %s: %s", logpath,
		    strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC socketpair: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	switch (*ospid = fork()) {
	case -1:
		snprintf(ans, anssz, "ERR ENOSPC fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(logfd);
		return -1;
	case 0:
		close(sv[0]);
		child_start(sv[1], logfd, cfg);
		_exit(0);
	}
	close(sv[1]);
	close(logfd);
	if (plat_nonblock(sv[0]) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC fcntl: %s", strerror(errno));
		close(sv[0]);
		(void)kill(*ospid, SIGKILL);
		return -1;
	}
	return sv[0];
}
