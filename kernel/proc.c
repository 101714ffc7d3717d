/*
 * proc.c - the life of a simulated process, seen from the kernel.
 *
 * spawn.c makes the process; from then on every change of a child's state
 * is written here.  The kernel reaps every change of state as soon as
 * SIGCHLD says (looping on EINTR), logs why a child ended, and queues its
 * departure: what it held is released at the end of the loop's turn.  Its
 * record stays for ps and expect; the last PROC_DEAD_KEPT reaped ones are
 * remembered, so a kernel that spawns and kills all day does not grow.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "logdir.h"
#include "log.h"
#include "platform.h"
#include "proc.h"
#include "proto.h"
#include "signame.h"
#include "spawn.h"
#include "trace.h"

static void kill_phase(struct procs *ps, struct child *c, enum kill_phase phase);


void
proc_init(struct procs *ps, struct serve *sv, struct trace *trace,
    struct logdir *logdir, unsigned slots, int no_time, int sigfd,
    const struct sproc_ops *ops)
{
	memset(ps, 0, sizeof *ps);
	ps->ops = ops;
	ps->sv = sv;
	ps->trace = trace;
	ps->log = sv->log;
	ps->logdir = logdir;
	ps->slots = slots;
	ps->no_time = no_time;
	ps->now = sv->now;
	ps->sigfd = sigfd;
}

static void
fwaits_free(struct child *c)
{
	while (c->fwaits != NULL) {
		struct fwait *w = c->fwaits;
		c->fwaits = w->next;
		free(w);
	}
}

/* Frees what the record holds, not the record. */
static void
child_release(struct child *c)
{
	peer_free(&c->sp.peer);
	seen_free(&c->seen);
	fwaits_free(c);
}

void
proc_free(struct procs *ps)
{
	while (ps->list != NULL) {
		struct child *c = ps->list;
		ps->list = c->next;
		serve_forget(ps->sv, &c->sp);
		child_release(c);
		free(c);
	}
}

/* ----- signals ----- */

/* "was killed by SIGKILL" / "exited with status 3" */
static void
describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by %s", sig_name(WTERMSIG(status)));
	else
		snprintf(buf, size, "ended (status %#x)", (unsigned)status);
}

/* A signal that ends a child.  SIGPIPE does not: a child ignores it, and
   takes a kernel gone as the error of its write. */
static int
ending_signal(int sig)
{
	return sig != SIGCONT && sig != SIGCHLD && sig != SIGSTOP &&
	    sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU && sig != SIGPIPE;
}

/* ----- spawning ----- */

struct child *
proc_find(struct procs *ps, const char *name)
{
	for (struct child *c = ps->list; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct child *
proc_find_gen(struct procs *ps, const char *name, uint64_t gen)
{
	struct child *c = proc_find(ps, name);

	return c != NULL && c->gen == gen ? c : NULL;
}

/* Whether pid is taken: by a live process, or a dead child ps still lists. */
static int
pid_taken(struct procs *ps, uint32_t pid)
{
	if (route_proc_find(&ps->sv->route, pid) != NULL)
		return 1;
	for (struct child *c = ps->list; c != NULL; c = c->next)
		if (c->state == CHILD_DEAD && c->sp.rp.pid == pid)
			return 1;
	return 0;
}

/* The smallest pid from MIPC_PID_FIRST up that is not taken. */
static uint32_t
free_pid(struct procs *ps)
{
	uint32_t pid = MIPC_PID_FIRST;

	while (pid_taken(ps, pid))
		pid++;
	return pid;
}

/* The record for a child of this name: a dead one's, or a new one. */
static struct child *
child_record(struct procs *ps, const char *name)
{
	struct child *c = proc_find(ps, name), **cc;

	if (c != NULL) {
		/* A dead child's name is used again: its record starts afresh,
		   in its place in the list. */
		struct child *next = c->next;
		struct sproc *snext = c->sp.next;
		kill_phase(ps, c, KILL_NONE);
		child_release(c);
		memset(c, 0, sizeof *c);
		c->next = next;
		c->sp.next = snext;	/* still in the list of processes */
		ps->ndead--;
		return c;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	for (cc = &ps->list; *cc != NULL; cc = &(*cc)->next)
		;
	*cc = c;
	return c;
}

struct child *
proc_spawn(struct procs *ps, const struct child_config *ccfg, char *ans, size_t anssz)
{
	const char *name = ccfg->name;
	struct child *c = proc_find(ps, name);
	char path[4096], why[MIPC_ANSWER_MAX - 32];
	int sock, logfd;
	pid_t ospid;
	uint32_t pid = ccfg->pid;

	if (c != NULL && c->state != CHILD_DEAD) {
		snprintf(ans, anssz, "ERR EADDRINUSE a process named %s is running", name);
		return NULL;
	}
	if (ps->nalive >= ps->slots) {
		snprintf(ans, anssz, "ERR ENOSPC all %u process slots are in use "
		    "(--slots)", ps->slots);
		return NULL;
	}
	if (pid == 0)
		pid = free_pid(ps);
	else if (route_proc_find(&ps->sv->route, pid) != NULL) {
		snprintf(ans, anssz, "ERR EADDRINUSE pid %u is in use", (unsigned)pid);
		return NULL;
	}
	/* Its log: a FIFO, a link or anything but a file there is refused. */
	if ((logfd = logdir_open_log(ps->logdir, name, why, sizeof why)) == -1) {
		snprintf(ans, anssz, "ERR %s %s", errno == EINVAL ? "EINVAL" : "ENOSPC",
		    why);
		return NULL;
	}
	(void)logdir_path(ps->logdir, name, path, sizeof path);
	struct child_config cfg = *ccfg;
	cfg.pid = pid;
	cfg.no_time = ps->no_time;
	/* What is buffered goes out before the fork, or the child would
	   write it again. */
	logw_flush(ps->log);
	trace_flush(ps->trace);
	fflush(stdout);
	fflush(stderr);
	sock = spawn_fork(&cfg, logfd, &ospid, ans, anssz);
	close(logfd);
	if (sock == -1) {
		/* A process was forked and is gone (a program that cannot be
		   run): kernel.log says so, as it says when one starts; the
		   answer goes only to whoever asked. */
		logw_printf(ps->log, "spawn %s: %s", name, ans);
		return NULL;
	}

	if ((c = child_record(ps, name)) == NULL) {
		mipc_warn("proc_spawn: out of memory");
		abort();
	}
	c->ps = ps;
	c->gen = ++ps->ngen;
	c->ospid = ospid;
	c->state = CHILD_RUNNING;
	c->cfg = cfg;
	snprintf(c->name, sizeof c->name, "%s", name);
	if (serve_add(ps->sv, &c->sp, sock, pid, c->name, ps->ops) == -1) {
		mipc_warn("proc_spawn: out of memory");
		abort();
	}
	ps->nalive++;
	struct event e;
	record_begin(&ps->sv->record, &e, EV_SPAWN);
	event_add_str(&e, "name", c->name, strlen(c->name));
	event_add_uint(&e, "pid", pid);
	record_emit(&ps->sv->record, &e);
	/* --no-time: what differs from run to run stays out of the log too. */
	if (ps->no_time) {
		logw_printf(ps->log, "spawned %s: pid %u, log %s", name, (unsigned)pid,
		    path);
		snprintf(ans, anssz, "OK spawned %s as pid %u", name, (unsigned)pid);
	} else {
		logw_printf(ps->log, "spawned %s: pid %u, OS pid %ld, log %s", name,
		    (unsigned)pid, (long)ospid, path);
		snprintf(ans, anssz, "OK spawned %s as pid %u (OS pid %ld)", name,
		    (unsigned)pid, (long)ospid);
	}
	return c;
}

/* ----- what the console asks ----- */

uint64_t
proc_run(struct procs *ps, struct child *c, const char *line, size_t n, int want)
{
	char buf[MIPC_LINE_MAX + 8];
	int len;

	(void)ps;
	if (c->state == CHILD_DEAD || c->sp.peer.cut != NULL)
		return 0;
	len = snprintf(buf, sizeof buf, "%s%.*s", proto_marker(PROTO_RUN), (int)n, line);
	(void)peer_send(&c->sp.peer, buf, (size_t)len);
	c->nforward++;
	if (want) {
		struct fwait *w = calloc(1, sizeof *w);
		if (w == NULL) {
			mipc_warn("proc_run: out of memory");
			abort();
		}
		w->seq = c->nforward;
		w->next = c->fwaits;
		c->fwaits = w;
	}
	return c->nforward;
}

const char *
proc_answer(struct child *c, uint64_t seq)
{
	for (struct fwait *w = c->fwaits; w != NULL; w = w->next)
		if (w->seq == seq)
			return w->done ? w->text : NULL;
	return NULL;
}

void
proc_unwait(struct child *c, uint64_t seq)
{
	for (struct fwait **ww = &c->fwaits; *ww != NULL; ww = &(*ww)->next)
		if ((*ww)->seq == seq) {
			struct fwait *w = *ww;
			*ww = w->next;
			free(w);
			return;
		}
}

void
proc_forsake(struct child *c, uint64_t seq)
{
	if (c->nforsaken < seq)
		c->nforsaken = seq;
}

/* Moves c's kill to phase, keeping count of those syncing. */
static void
kill_phase(struct procs *ps, struct child *c, enum kill_phase phase)
{
	ps->nsyncing -= c->kill == KILL_SYNCING;
	ps->nsyncing += phase == KILL_SYNCING;
	c->kill = phase;
}

/* Sends the signal of a kill in progress. */
static void
kill_now(struct procs *ps, struct child *c)
{
	if (c->state == CHILD_DEAD) {
		kill_phase(ps, c, KILL_SENT);	/* it ended by itself meanwhile */
		c->kill_sent_at = *ps->now;
		return;
	}
	if (kill(c->ospid, c->kill_sig) == -1) {
		snprintf(c->kill_err, sizeof c->kill_err, "kill %s: %s", c->name,
		    strerror(errno));
		kill_phase(ps, c, KILL_FAILED);
		return;
	}
	logw_printf(ps->log, "console: %s sent to %s", sig_name(c->kill_sig), c->name);
	if (ending_signal(c->kill_sig) && c->state == CHILD_STOPPED)
		(void)kill(c->ospid, SIGCONT);
	/* A stopped process runs again the moment SIGCONT is sent, not when
	   its report is reaped: a line right after must not find it stopped
	   (a kill would skip the sync that lets it write its log first). */
	if (c->kill_sig == SIGCONT)
		c->state = CHILD_RUNNING;
	kill_phase(ps, c, KILL_SENT);
	c->kill_sent_at = *ps->now;
}

void
proc_kill(struct procs *ps, struct child *c, int sig)
{
	c->kill_sig = sig;
	c->kill_err[0] = '\0';
	if (c->state == CHILD_RUNNING && c->sp.peer.fd != -1 && c->sp.peer.cut == NULL) {
		/* First the child writes its log, so that what it was sent
		   before the signal is in it. */
		(void)peer_send(&c->sp.peer, PROTO_SYNC_LINE, sizeof PROTO_SYNC_LINE - 1);
		kill_phase(ps, c, KILL_SYNCING);
		c->kill_sync = ++c->nsync;
		c->kill_deadline = *ps->now + MIPC_SYNC_MS;
		return;
	}
	kill_now(ps, c);
}

int64_t
proc_deadline(const struct procs *ps)
{
	int64_t d = -1;

	if (ps->nsyncing == 0)
		return -1;	/* each turn asks: most often there is none */
	for (struct child *c = ps->list; c != NULL; c = c->next)
		if (c->kill == KILL_SYNCING && (d == -1 || c->kill_deadline < d))
			d = c->kill_deadline;
	return d;
}

/* A child that cannot answer its sync (stuck, stopped, gone) is signalled
   once its time is up, log written or not. */
void
proc_tick(struct procs *ps)
{
	if (ps->nsyncing == 0)
		return;
	for (struct child *c = ps->list; c != NULL; c = c->next)
		if (c->kill == KILL_SYNCING && (c->nsynced >= c->kill_sync ||
		    c->state != CHILD_RUNNING || *ps->now >= c->kill_deadline))
			kill_now(ps, c);
}

/* ----- what the child protocol reports ----- */

void
proc_synced(struct procs *ps, struct child *c)
{
	c->nsynced++;		/* its log is written: the kill may go */
	if (c->kill == KILL_SYNCING && c->nsynced >= c->kill_sync)
		kill_now(ps, c);
}

void
proc_departed(struct child *c)
{
	struct procs *ps = c->ps;

	/* Its record stays for ps and expect (what it received too), not its
	   buffers. */
	peer_free(&c->sp.peer);
	fwaits_free(c);
	if (ps->exited != NULL)
		ps->exited(ps->exited_arg, c);
}

/* ----- reaping ----- */

/* Forgets the reaped child reaped longest ago, once there are too many. */
static void
forget_oldest_dead(struct procs *ps)
{
	struct child *old = NULL, **cc;

	if (ps->ndead <= PROC_DEAD_KEPT)
		return;
	for (struct child *c = ps->list; c != NULL; c = c->next)
		if (c->state == CHILD_DEAD && !c->sp.alive &&
		    (old == NULL || c->reaped < old->reaped))
			old = c;
	if (old == NULL)
		return;
	for (cc = &ps->list; *cc != old; cc = &(*cc)->next)
		;
	*cc = old->next;
	serve_forget(ps->sv, &old->sp);
	kill_phase(ps, old, KILL_NONE);
	child_release(old);
	free(old);
	ps->ndead--;
}

/* c has been reaped with status. */
static void
ended(struct procs *ps, struct child *c, int status)
{
	/* What it sent before it died is still in its socket: handle it. */
	for (int i = 0; i < 64 && c->sp.peer.fd != -1 && !c->sp.peer.eof &&
	    c->sp.peer.cut == NULL && !c->sp.peer.hold; i++)
		peer_read(&c->sp.peer, 1);
	describe(status, c->why, sizeof c->why);
	c->state = CHILD_DEAD;
	c->reaped = ++ps->nreaped;
	ps->nalive--;
	ps->ndead++;
	trace_log(ps->trace, "  * %s (pid %u) %s", c->name, (unsigned)c->sp.rp.pid,
	    c->why);
	struct event e;
	record_begin(&ps->sv->record, &e, EV_EXIT);
	event_add_str(&e, "name", c->name, strlen(c->name));
	event_add_uint(&e, "pid", c->sp.rp.pid);
	event_add_str(&e, "how", c->why, strlen(c->why));
	record_emit(&ps->sv->record, &e);
	serve_leave(ps->sv, &c->sp, c->why);
}

static struct child *
child_by_ospid(struct procs *ps, pid_t ospid)
{
	for (struct child *c = ps->list; c != NULL; c = c->next)
		if (c->ospid == ospid && c->state != CHILD_DEAD)
			return c;
	return NULL;
}

void
proc_reap(struct procs *ps)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED);

		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		struct child *c = child_by_ospid(ps, pid);
		if (c == NULL)
			continue;
		if (WIFSTOPPED(status)) {
			c->state = CHILD_STOPPED;
			logw_printf(ps->log, "%s stopped by %s", c->name,
			    sig_name(WSTOPSIG(status)));
		} else if (WIFCONTINUED(status)) {
			c->state = CHILD_RUNNING;
			logw_printf(ps->log, "%s continued", c->name);
		} else {
			ended(ps, c, status);
		}
	}
	forget_oldest_dead(ps);
}

const char *
proc_state(const struct child *c, char *buf, size_t size)
{
	const struct msg *call = c->sp.rp.call;

	switch (c->state) {
	case CHILD_STOPPED:
		return "stopped";
	case CHILD_DEAD:
		snprintf(buf, size, "dead: %s", c->why);
		return buf;
	default:
		if (call == NULL)
			return "running";
		/* As QNX's pidin says what a thread is blocked on. */
		struct sproc *srv = call->srv->owner;
		snprintf(buf, size, "blocked on %u (%s)", call->port,
		    srv->name != NULL ? srv->name : serve_label(srv));
		return buf;
	}
}

/* ----- stopping them all ----- */

/* Writes what is queued for c, waiting for room until end (ms). */
static void
flush_until(struct child *c, int64_t end)
{
	struct peer *p = &c->sp.peer;

	while (p->fd != -1 && outq_flush(&p->out, p->fd) == 1) {
		struct pollfd pfd = { p->fd, POLLOUT, 0 };
		int64_t left = end - plat_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return;
	}
}

/*
 * Waits until c has been reaped, or end (ms) has passed, handling what it
 * sends meanwhile (a child blocked writing to a kernel that no longer reads
 * would never get to its end of file).  Returns 0 once it is reaped.
 */
static int
reap_one(struct procs *ps, struct child *c, int64_t end)
{
	struct ev_event evs[2];
	unsigned char buf[64];
	struct peer *p = &c->sp.peer;

	p->hold = 0;
	if (p->fd != -1 && !p->eof && p->cut == NULL &&
	    ev_add(ps->sv->peers.ev, p->fd, EV_READ, p) == 0)
		p->reading = 1;
	for (;;) {
		int status;
		pid_t pid = waitpid(c->ospid, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid == c->ospid || pid == -1) {
			if (pid == -1)	/* reaped by someone else: say so */
				status = 0xffff;
			ended(ps, c, status);
			serve_departures(ps->sv);
			return 0;
		}
		int64_t left = end - plat_now_ms();
		if (left <= 0)
			return -1;
		int n = ev_wait(ps->sv->peers.ev, evs, 2, (int)left);
		for (int i = 0; i < n; i++) {
			if (evs[i].udata == p)
				peer_read(p, 0);
			else if (evs[i].fd == ps->sigfd)
				while (read(ps->sigfd, buf, sizeof buf) > 0)
					;
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
proc_stop_all(struct procs *ps)
{
	serve_departures(ps->sv);
	for (struct child *c = ps->list; c != NULL; c = c->next) {
		if (c->state == CHILD_DEAD)
			continue;
		int64_t end = plat_now_ms() + 1000;
		/* Continued before it can see its end of file: a SIGCONT
		   discards a pending stop, and one that came while the child
		   exits could cancel a stop its exit is waiting for. */
		(void)kill(c->ospid, SIGCONT);
		flush_until(c, end);
		if (c->sp.peer.fd != -1)
			(void)shutdown(c->sp.peer.fd, SHUT_WR);
		if (reap_one(ps, c, end) == -1) {
			logw_printf(ps->log, "%s did not exit within a second of its "
			    "end of file: killed", c->name);
			(void)kill(c->ospid, SIGKILL);
			(void)reap_one(ps, c, plat_now_ms() + 5000);
		}
	}
}
