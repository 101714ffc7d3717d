/*
 * spawn.c - making a simulated process: the socketpair, the fork, and what
 * the child starts with.
 *
 * The socketpair is made before the fork and each side closes the other's
 * end.  The child gets its log on stdout and stderr, /dev/null on stdin,
 * every other descriptor closed, the signals the kernel catches back at
 * their defaults, and a process group of its own, so that a ^C at the
 * terminal is the kernel's to handle.  It then runs the built-in process
 * (proc/child.c), or execs a program of the user's with the socket as fd 3.
 *
 * For a program, everything the child needs is made before the fork (its
 * argv, its environment, its first log line): between fork and exec it
 * only moves descriptors, as a process with threads (libkqueue has some)
 * may.  Whether the exec worked comes back on a close-on-exec pipe: end of
 * file, it did; an errno, it did not, and the spawn is answered with it.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "log.h"
#include "platform.h"
#include "proto.h"
#include "spawn.h"

#define ARGS_MAX	64	/* words of a program="..." */

extern char **environ;

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

/* What a program is started with, made before the fork. */
struct exec_plan {
	char	*argv[ARGS_MAX + 1];
	char	 words[MIPC_LINE_MAX + 1];
	char	**envp;
	char	 env[3][MIPC_NAME_MAX + 32];
	char	 started[MIPC_LINE_MAX + 128];	/* its log's first line */
	size_t	 startedlen;
};

/* Splits cfg->program on blanks into p->argv.  Returns 0, or -1 with ans. */
static int
plan(struct exec_plan *p, const struct child_config *cfg, char *ans, size_t anssz)
{
	char stamp[32] = "";
	int n = 0;
	size_t envn = 0;

	snprintf(p->words, sizeof p->words, "%s", cfg->program);
	for (char *s = p->words; *s != '\0';) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (n == ARGS_MAX) {
			snprintf(ans, anssz, "ERR EINVAL program= has more than %d words",
			    ARGS_MAX);
			return -1;
		}
		p->argv[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
	}
	p->argv[n] = NULL;
	while (environ[envn] != NULL)
		envn++;
	if ((p->envp = calloc(envn + 4, sizeof *p->envp)) == NULL) {
		snprintf(ans, anssz, "ERR ENOSPC out of memory");
		return -1;
	}
	envn = 0;
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "MIPC_FD=", 8) != 0 && strncmp(*e, "MIPC_NAME=", 10) != 0 &&
		    strncmp(*e, "MIPC_PID=", 9) != 0)
			p->envp[envn++] = *e;
	snprintf(p->env[0], sizeof p->env[0], PROTO_ENV_FD "=%d", PROTO_FD);
	snprintf(p->env[1], sizeof p->env[1], PROTO_ENV_NAME "=%s", cfg->name);
	snprintf(p->env[2], sizeof p->env[2], PROTO_ENV_PID "=%lu",
	    (unsigned long)cfg->pid);
	for (int i = 0; i < 3; i++)
		p->envp[envn++] = p->env[i];
	p->envp[envn] = NULL;
	/* The first line of every child's log (see log_is_ours). */
	if (!cfg->no_time) {
		size_t k = log_stamp(stamp, sizeof stamp - 1);
		stamp[k] = ' ';
		stamp[k + 1] = '\0';
	}
	p->startedlen = (size_t)snprintf(p->started, sizeof p->started,
	    "%sstarted: %s, pid %lu, program %s\n", stamp, cfg->name,
	    (unsigned long)cfg->pid, cfg->program);
	if (p->startedlen >= sizeof p->started)
		p->startedlen = sizeof p->started - 1;
	return 0;
}

/* Moves fd to a number of at least 10, out of the way of 0 to 3, keeping
   it across exec or not. */
static int
move_up(int fd, int cloexec)
{
	int up = fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 10);

	if (up != -1)
		close(fd);
	return up;
}

/* In the forked child: a program of the user's, on fd 3.  Never returns. */
static void __attribute__((noreturn))
exec_program(int sock, int logfd, int errfd, struct exec_plan *p)
{
	int null, e;

	/* The pipe must close at the exec: that is how the kernel knows. */
	if ((sock = move_up(sock, 0)) == -1 || (logfd = move_up(logfd, 0)) == -1 ||
	    (errfd = move_up(errfd, 1)) == -1)
		_exit(127);
	(void)write(logfd, p->started, p->startedlen);
	if ((null = open("/dev/null", O_RDONLY)) != -1 && null != 0) {
		(void)dup2(null, 0);
		close(null);
	}
	if (dup2(logfd, 1) == -1 || dup2(logfd, 2) == -1 ||
	    dup2(sock, PROTO_FD) == -1)
		_exit(127);
	close(logfd);
	close(sock);
	/* The program's end blocks, as any program expects of its fds. */
	(void)fcntl(PROTO_FD, F_SETFL, fcntl(PROTO_FD, F_GETFL) & ~O_NONBLOCK);
	environ = p->envp;
	execvp(p->argv[0], p->argv);
	e = errno;
	(void)write(errfd, &e, sizeof e);
	_exit(127);
}

/* In the forked child: set up its fds and signals, then become the process. */
static void
child_start(int sock, int logfd, int errfd, const struct child_config *cfg,
    struct exec_plan *p)
{
	int keep[3] = { sock, logfd, errfd };
	int null;

	/* Its own process group: a ^C at the terminal is the kernel's to handle. */
	(void)setpgid(0, 0);
	spawn_default_signals();
	plat_close_from3(keep, errfd != -1 ? 3 : 2);
	if (p != NULL)
		exec_program(sock, logfd, errfd, p);
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

/*
 * After the fork of a program: waits for its exec, which closes the pipe,
 * or for the errno it failed with.  Returns 0, or -1 with ans.
 */
static int
exec_result(int errfd, pid_t pid, const struct exec_plan *p, char *ans, size_t anssz)
{
	int e = 0, status;
	ssize_t n;

	while ((n = read(errfd, &e, sizeof e)) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof e)
		return 0;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	snprintf(ans, anssz, "ERR ENOENT cannot run %s: %s", p->argv[0], strerror(e));
	return -1;
}

int
spawn_fork(const struct child_config *cfg, int logfd, pid_t *ospid, char *ans,
    size_t anssz)
{
	struct exec_plan *p = NULL;
	int sv[2], ep[2] = { -1, -1 }, r = -1;

	if (cfg->program[0] != '\0') {
		if ((p = calloc(1, sizeof *p)) == NULL) {
			snprintf(ans, anssz, "ERR ENOSPC out of memory");
			return -1;
		}
		if (plan(p, cfg, ans, anssz) == -1)
			goto out;
		/* Close-on-exec both: the exec closes it, which says it worked.
		   The kernel waits on its end for that, and nothing else. */
		if (plat_pipe(ep) == -1 ||
		    fcntl(ep[0], F_SETFL, fcntl(ep[0], F_GETFL) & ~O_NONBLOCK) == -1) {
			snprintf(ans, anssz, "ERR ENOSPC pipe: %s", strerror(errno));
			goto out;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC socketpair: %s", strerror(errno));
		goto out;
	}
	switch (*ospid = fork()) {
	case -1:
		snprintf(ans, anssz, "ERR ENOSPC fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto out;
	case 0:
		close(sv[0]);
		if (ep[0] != -1)
			close(ep[0]);
		child_start(sv[1], logfd, ep[1], cfg, p);
		_exit(0);
	}
	close(sv[1]);
	if (ep[1] != -1) {
		close(ep[1]);
		ep[1] = -1;
	}
	if (p != NULL && exec_result(ep[0], *ospid, p, ans, anssz) == -1) {
		/* Its log says why too, after the line it started with. */
		dprintf(logfd, "%s\n", ans + 11);
		close(sv[0]);
		goto out;
	}
	if (plat_nonblock(sv[0]) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC fcntl: %s", strerror(errno));
		close(sv[0]);
		(void)kill(*ospid, SIGKILL);
		goto out;
	}
	r = sv[0];
out:
	if (ep[0] != -1)
		close(ep[0]);
	if (ep[1] != -1)
		close(ep[1]);
	if (p != NULL)
		free(p->envp);
	free(p);
	return r;
}
