/*
 * spawn.c - the life of a simulated process, seen from the kernel.
 *
 * Everything about children is here: the socketpair is made before the fork
 * and each side closes the other's end; the child gets its log on stdout and
 * stderr and runs child_main() from proc/; the kernel reaps every change of
 * state at once (looping on EINTR), logs why a child ended, and stops and
 * reaps them all when it stops itself.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "load.h"
#include "platform.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "ABRT", SIGABRT }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "BUS", SIGBUS }, { "TRAP", SIGTRAP },
};

int
spawn_signal(const char *name)
{
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		if (strcmp(signals[i].name, name) == 0)
			return signals[i].sig;
	return -1;
}

const char *
spawn_signame(int sig)
{
	static char buf[16];

	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		if (signals[i].sig == sig) {
			snprintf(buf, sizeof buf, "SIG%s", signals[i].name);
			return buf;
		}
	snprintf(buf, sizeof buf, "signal %d", sig);
	return buf;
}

void
spawn_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by %s", spawn_signame(WTERMSIG(status)));
	else
		snprintf(buf, size, "ended (status %#x)", (unsigned)status);
}

/* The smallest pid from MIPC_PID_FIRST up that no live process holds. */
static uint32_t
free_pid(struct kernel *k)
{
	uint32_t pid = MIPC_PID_FIRST;

	while (route_proc_find(&k->route, pid) != NULL)
		pid++;
	return pid;
}

/* In the forked child: set up its fds and signals, then become the process. */
static void
child_start(struct kernel *k, int sock, int logfd, const struct child_config *cfg)
{
	int keep[2] = { sock, logfd };
	int null;

	/* Its own process group: a ^C at the terminal is the kernel's to handle. */
	(void)setpgid(0, 0);
	kernel_restore_signals();
	plat_close_from3(keep, 2);
	(void)k;
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
	} else {
		child_main(sock, cfg);
	}
	_exit(0);
}

int
spawn_child(struct kernel *k, const char *name, uint32_t pid,
    const struct child_config *ccfg, char *ans, size_t anssz)
{
	struct peer *p = kernel_child(k, name);
	char path[4096];
	int sv[2], logfd;
	pid_t ospid;

	if (p != NULL && p->state != CHILD_DEAD) {
		snprintf(ans, anssz, "ERR EADDRINUSE a process named %s is running", name);
		return -1;
	}
	if (k->nchildren >= k->cfg.slots) {
		snprintf(ans, anssz, "ERR ENOSPC all %u process slots are in use "
		    "(--slots)", k->cfg.slots);
		return -1;
	}
	if (pid == 0)
		pid = free_pid(k);
	else if (route_proc_find(&k->route, pid) != NULL) {
		snprintf(ans, anssz, "ERR EADDRINUSE pid %u is in use", (unsigned)pid);
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s.log", k->cfg.log_dir, name);
	if ((logfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		snprintf(ans, anssz, "ERR ENOSPC socketpair: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	logw_flush(&k->log);
	if (k->cfg.trace != NULL)
		fflush(k->cfg.trace);
	fflush(stdout);
	fflush(stderr);

	struct child_config cfg = *ccfg;
	snprintf(cfg.name, sizeof cfg.name, "%s", name);
	cfg.pid = pid;
	cfg.no_time = k->cfg.no_time;

	switch (ospid = fork()) {
	case -1:
		snprintf(ans, anssz, "ERR ENOSPC fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(logfd);
		return -1;
	case 0:
		close(sv[0]);
		child_start(k, sv[1], logfd, &cfg);
		_exit(0);
	}
	close(sv[1]);
	close(logfd);
	if (plat_nonblock(sv[0]) == -1)
		logw_printf(&k->log, "spawn_child: fcntl: %s", strerror(errno));

	if (p == NULL) {
		if ((p = calloc(1, sizeof *p)) == NULL)
			abort();
		p->next = k->peers;
		k->peers = p;
	} else {
		/* A dead child's name is used again: start its record afresh. */
		struct peer *next = p->next;
		peer_release(p);
		memset(p, 0, sizeof *p);
		p->next = next;
	}
	p->kind = PEER_CHILD;
	p->fd = sv[0];
	p->ospid = ospid;
	p->state = CHILD_RUNNING;
	p->ccfg = cfg;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->rp.pid = pid;
	p->rp.owner = p;
	linebuf_init(&p->in);
	outq_init(&p->out);
	if (route_proc_add(&k->route, &p->rp) == -1)
		abort();
	k->nchildren++;
	if (ev_add(k->ev, p->fd, EV_READ) == -1)
		logw_printf(&k->log, "spawn_child: watch: %s", strerror(errno));
	p->reading = 1;
	/* --no-time: what differs from run to run stays out of the log too. */
	if (k->cfg.no_time) {
		logw_printf(&k->log, "spawned %s: pid %u, log %s", name,
		    (unsigned)pid, path);
		snprintf(ans, anssz, "OK spawned %s as pid %u", name, (unsigned)pid);
	} else {
		logw_printf(&k->log, "spawned %s: pid %u, OS pid %ld, log %s", name,
		    (unsigned)pid, (long)ospid, path);
		snprintf(ans, anssz, "OK spawned %s as pid %u (OS pid %ld)", name,
		    (unsigned)pid, (long)ospid);
	}
	return 0;
}

static struct peer *
child_by_ospid(struct kernel *k, pid_t ospid)
{
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->kind == PEER_CHILD && p->ospid == ospid && p->state != CHILD_DEAD)
			return p;
	return NULL;
}

void
spawn_reap(struct kernel *k)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED);

		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		struct peer *p = child_by_ospid(k, pid);
		if (p == NULL)
			continue;
		if (WIFSTOPPED(status)) {
			p->state = CHILD_STOPPED;
			logw_printf(&k->log, "%s stopped by %s", p->name,
			    spawn_signame(WSTOPSIG(status)));
		} else if (WIFCONTINUED(status)) {
			p->state = CHILD_RUNNING;
			logw_printf(&k->log, "%s continued", p->name);
		} else {
			kernel_child_ended(k, p, status);
		}
		console_poke(k);
	}
}

/* Writes what is queued for p, waiting for room until end (ms). */
static void
flush_until(struct peer *p, int64_t end)
{
	while (p->fd != -1 && outq_flush(&p->out, p->fd) == 1) {
		struct pollfd pfd = { p->fd, POLLOUT, 0 };
		int64_t left = end - plat_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return;
	}
}

/*
 * Waits until p has been reaped, or end (ms) has passed, handling what it
 * sends meanwhile (a child blocked writing to a kernel that no longer reads
 * would never get to its end of file).  Returns 0 once it is reaped.
 */
static int
reap_child(struct kernel *k, struct peer *p, int64_t end)
{
	struct ev_event evs[2];
	unsigned char buf[64];

	if (p->fd != -1 && !p->eof && ev_add(k->ev, p->fd, EV_READ) == 0)
		p->reading = 1;
	for (;;) {
		int status;
		pid_t pid = waitpid(p->ospid, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == p->ospid || pid == -1) {
			if (pid == -1)	/* reaped by someone else: say so */
				status = 0xffff;
			kernel_child_ended(k, p, status);
			return 0;
		}
		int64_t left = end - plat_now_ms();
		if (left <= 0)
			return -1;
		int n = ev_wait(k->ev, evs, 2, (int)left);
		for (int i = 0; i < n; i++) {
			if (evs[i].fd == k->sigpipe[0])
				while (read(k->sigpipe[0], buf, sizeof buf) > 0)
					;
			else if (evs[i].fd == p->fd)
				peer_read(k, p);
		}
	}
}

/*
 * Stops the children one at a time, in the order they were spawned, so the
 * trace of the end of a run is the same every time.  A child's socket is
 * shut for writing (after what is queued for it is written): it reads the
 * rest, logs it, and exits by itself at end of file, so its log is whole.
 * A stopped child is continued first; one that has not exited within a
 * second is killed.  The children still running see each one go.
 */
void
spawn_stop_all(struct kernel *k)
{
	unsigned n = 0, i = 0;
	struct peer **order;

	for (struct peer *p = k->peers; p != NULL; p = p->next)
		n += p->kind == PEER_CHILD;
	if (k->nchildren == 0 || (order = malloc(n * sizeof *order)) == NULL) {
		if (k->nchildren > 0)	/* no memory: the blunt way */
			for (struct peer *p = k->peers; p != NULL; p = p->next)
				if (p->kind == PEER_CHILD && p->state != CHILD_DEAD)
					(void)kill(p->ospid, SIGKILL);
		return;
	}
	/* The list has the newest first. */
	for (struct peer *p = k->peers; p != NULL; p = p->next)
		if (p->kind == PEER_CHILD)
			order[n - ++i] = p;
	for (i = 0; i < n; i++) {
		struct peer *p = order[i];
		if (p->state == CHILD_DEAD)
			continue;
		int64_t end = plat_now_ms() + 1000;
		/* Continued before it can see its end of file: a SIGCONT
		   discards a pending stop, and one that came while the child
		   exits could cancel a stop its exit is waiting for. */
		(void)kill(p->ospid, SIGCONT);
		flush_until(p, end);
		if (p->fd != -1)
			(void)shutdown(p->fd, SHUT_WR);
		if (reap_child(k, p, end) == -1) {
			logw_printf(&k->log, "%s did not exit within a second of its "
			    "end of file: killed", p->name);
			(void)kill(p->ospid, SIGKILL);
			(void)reap_child(k, p, plat_now_ms() + 5000);
		}
	}
	free(order);
}
