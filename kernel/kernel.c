/*
 * kernel.c - the running kernel: one thread, one loop.
 *
 * The loop watches the signal self-pipe, the listening socket, every child's
 * socketpair and every attached client.  A turn reads what is ready (each
 * line is handled as it is read: a request is routed, a child's answer is
 * matched to its message), reaps children, accepts clients and expires
 * messages whose server did not answer in time.  Then, at the end of the
 * turn and only there, it carries out every departure, runs the consoles,
 * and writes: every peer's output is flushed once per turn, so a burst of
 * answers costs one write().  Nothing of that end of turn ever runs inside
 * the reads, reaps or routing that came before it.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "listen.h"
#include "platform.h"
#include "protocol.h"
#include "signame.h"
#include "spawn.h"

#define TURN_ROUNDS	8	/* end-of-turn rounds before the loop looks again */
#define NOTICE_MS	1000	/* how soon a waiting client's leaving is seen */

/* The tags of the two fds that are not peers. */
static char sig_tag, listen_tag;

static int signal_fd = -1;		/* write end of the self-pipe */

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	(void)write(signal_fd, &c, 1);
	errno = saved;
}

/* What the kernel catches: its children's news, and what stops it (a
   closed terminal as ^C does). */
static const int caught[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP };

static int
catch_signals(struct kernel *k)
{
	struct sigaction sa;

	if (plat_pipe(k->sigpipe) == -1)
		return -1;
	signal_fd = k->sigpipe[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
		if (sigaction(caught[i], &sa, NULL) == -1)
			return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/*
 * The event record: LOGDIR/events.jsonl or --events FILE, opened (for a
 * check that it can be) before anything of the last run is removed, and
 * emptied only once the kernel is sure to start; the next file of the same
 * run goes on with it.  Returns the fd, or -1 having said why.
 */
static int
open_record(struct kernel *k)
{
	char path[4096], why[4200];
	int fd;

	if (k->cfg.events_path != NULL)
		snprintf(path, sizeof path, "%s", k->cfg.events_path);
	else
		snprintf(path, sizeof path, "%s/events.jsonl", k->cfg.log_dir);
	if ((fd = logdir_open_file(&k->logdir, path, 0, k->cfg.events_path != NULL ?
	    "--events" : "--log-dir", why, sizeof why)) == -1)
		mipc_warn("%s", why);
	return fd;
}

int
kernel_init(struct kernel *k, const struct kconfig *cfg)
{
	struct route_config rc = { cfg->slots, cfg->queue, cfg->timeout_ms,
	    cfg->refuse_deadlock };
	char path[4096], why[4200];
	int fd;

	memset(k, 0, sizeof *k);
	k->cfg = *cfg;
	k->listen_fd = -1;
	k->sigpipe[0] = k->sigpipe[1] = -1;
	k->log.fd = -1;
	k->now = plat_now_ms();
	trace_init(&k->trace, &k->log, cfg->trace, cfg->trace_fd, cfg->no_time);
	if ((k->ev = ev_create(cfg->backend)) == NULL) {
		if (errno == ENOENT)
			mipc_warn("backend %s is not built in (try --backends)",
			    cfg->backend);
		else
			mipc_warn("cannot create the event loop: %s", strerror(errno));
		return -1;
	}
	if (serve_init(&k->sv, &rc, k->ev, &k->log, &k->trace, &k->now) == -1) {
		mipc_warn("out of memory");
		return -1;
	}
	proc_init(&k->procs, &k->sv, &k->trace, &k->logdir, cfg->slots,
	    cfg->no_time, -1, &child_protocol);
	console_init(&k->cons, &k->procs, &k->sv, &k->trace, cfg->timeout_ms,
	    cfg->no_time);
	clients_init(&k->clients, &k->sv, &k->cons, -1, &k->stopping);
	/* The log directory first: a kernel that cannot have it (another
	   kernel's) touches nothing, its socket included. */
	if (logdir_open(&k->logdir, cfg->log_dir, why, sizeof why) == -1) {
		k->status = errno == EBUSY ? 2 : 1;
		mipc_warn("%s", why);
		return -1;
	}
	/* What can refuse the kernel comes before anything of the last run
	   is removed: a kernel that does not start leaves it all. */
	if ((fd = open_record(k)) == -1)
		return -1;
	record_init(&k->sv.record, fd, cfg->no_time, cfg->keep_logs ? cfg->events_seq : 0,
	    cfg->keep_logs ? cfg->events_t0_us : 0);
	if (cfg->socket_path != NULL &&
	    (k->listen_fd = listen_open(cfg->socket_path)) == -1)
		return -1;
	k->clients.listen_fd = k->listen_fd;
	if (!cfg->keep_logs && logdir_clear(&k->logdir, why, sizeof why) == -1) {
		mipc_warn("%s", why);
		return -1;
	}
	if (!cfg->keep_logs && ftruncate(fd, 0) == -1) {
		mipc_warn("cannot empty the event record: %s", strerror(errno));
		return -1;
	}
	if ((fd = logdir_open_log(&k->logdir, "kernel", why, sizeof why)) == -1) {
		mipc_warn("%s", why);
		return -1;
	}
	logw_fd(&k->log, fd, !cfg->no_time);
	/* A kernel that runs for days keeps its log to a size: the older
	   half goes to kernel.log.1. */
	if (logdir_path(&k->logdir, "kernel", path, sizeof path) == NULL ||
	    logw_rotate_at(&k->log, path, LOGDIR_LOG_MAX) == -1)
		mipc_warn("%s: the log will not be rotated: %s", path, strerror(errno));
	if (catch_signals(k) == -1 || ev_add(k->ev, k->sigpipe[0], EV_READ, &sig_tag) == -1) {
		mipc_warn("cannot set up signals: %s", strerror(errno));
		return -1;
	}
	k->procs.sigfd = k->sigpipe[0];
	if (k->listen_fd != -1 && ev_add(k->ev, k->listen_fd, EV_READ, &listen_tag) == -1) {
		mipc_warn("cannot watch the socket: %s", strerror(errno));
		return -1;
	}
	logw_printf(&k->log, "kernel started: backend %s, %u slots, queue %u, "
	    "timeout %u ms", ev_name(k->ev), cfg->slots, cfg->queue, cfg->timeout_ms);
	k->started = 1;
	return 0;
}

struct console *
kernel_scenario(struct kernel *k, struct script *s, int stop_when_done)
{
	return console_scenario(&k->cons, s, stop_when_done);
}

static void
handle_signals(struct kernel *k)
{
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(k->sigpipe[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == SIGCHLD) {
				proc_reap(&k->procs);
			} else if (!k->stopping) {
				logw_printf(&k->log, "kernel: %s received, stopping",
				    sig_name(buf[i]));
				k->stopping = KSTOP_SIGNAL;
			}
		}
	}
}

/*
 * The end of a turn, where what the reads found is carried out, on state
 * that no operation is in the middle of: the processes that left release
 * what they held; the consoles take their next step; clients' held lines
 * run; every peer's output is written.  Each of these can make work for
 * the others (a departure ends a console's wait, a written delivery answers
 * its sender), so they take turns until nothing is left, or the loop looks
 * at its fds again and comes back at once.
 */
static void
turn_end(struct kernel *k)
{
	int more = 1;

	/* A turn can take a while (a fork, a flood): the deadlines its lines
	   set count from when they run. */
	k->now = plat_now_ms();

	for (int round = 0; more && round < TURN_ROUNDS; round++) {
		serve_departures(&k->sv);
		more = console_run(&k->cons);
		more |= clients_run(&k->clients);
		serve_flush(&k->sv);
		clients_done(&k->clients);
		more |= serve_leaving(&k->sv);
	}
	k->busy = more;
	if (k->cons.shutdown && !k->stopping)
		k->stopping = KSTOP_SHUTDOWN;
	if (k->cons.finished && !k->stopping)
		k->stopping = KSTOP_DONE;
	trace_flush(&k->trace);
	logw_flush(&k->log);
}

static int
next_timeout(struct kernel *k)
{
	int64_t d = route_next_deadline(&k->sv.route), e;

	if (k->busy)
		return 0;
	if ((e = console_deadline(&k->cons)) != -1 && (d == -1 || e < d))
		d = e;
	if ((e = proc_deadline(&k->procs)) != -1 && (d == -1 || e < d))
		d = e;
	if (clients_waiting(&k->clients) && (d == -1 || k->now + NOTICE_MS < d))
		d = k->now + NOTICE_MS;
	if (d == -1)
		return -1;
	return d <= k->now ? 0 : (int)(d - k->now);
}

int
kernel_loop(struct kernel *k)
{
	struct ev_event evs[64];

	turn_end(k);
	while (!k->stopping) {
		int n = ev_wait(k->ev, evs, 64, next_timeout(k));
		if (n == -1 && errno != EINTR) {
			logw_printf(&k->log, "kernel_loop: wait: %s", strerror(errno));
			k->status = 1;
			break;
		}
		k->now = plat_now_ms();
		logw_tick(&k->log);
		record_tick(&k->sv.record);
		/* Departures first, at the top of the turn where no operation
		   is in progress: a client that left while its console line ran
		   gives its pid back before the lines read now are routed. */
		clients_notice(&k->clients);
		serve_departures(&k->sv);
		/* New clients come last: a client that left in this batch
		   has then given its descriptor back for one that arrives. */
		int arrivals = 0;
		for (int i = 0; i < n; i++) {
			if (evs[i].udata == &sig_tag)
				handle_signals(k);
			else if (evs[i].udata == &listen_tag)
				arrivals = 1;
			else if (evs[i].mask & EV_READ)
				peer_read(evs[i].udata, 0);
		}
		if (arrivals)
			clients_accept(&k->clients);
		route_expire(&k->sv.route, k->now);
		proc_tick(&k->procs);
		turn_end(k);
	}
	serve_flush(&k->sv);
	logw_flush(&k->log);
	k->log.ticked = 0;	/* from now on each line reads the clock */
	return k->status;
}

/* What the clients are told when the kernel stops. */
static const char *
stop_reason(const struct kernel *k)
{
	switch (k->stopping) {
	case KSTOP_SHUTDOWN:
		return "* kernel stopping: a console line said shutdown";
	case KSTOP_SIGNAL:
		return "* kernel stopping: it was signalled";
	default:
		return "* kernel stopping";
	}
}

void
kernel_free(struct kernel *k)
{
	if (k->ev != NULL) {
		/* Only the self-pipe is watched now: the reaper waits on SIGCHLD. */
		for (struct peer *p = k->sv.peers.list; p != NULL; p = p->next) {
			p->hold = 1;
			peer_watch(p);
		}
		if (k->listen_fd != -1 && ev_del(k->ev, k->listen_fd, EV_READ) == -1)
			logw_printf(&k->log, "kernel_free: %s", strerror(errno));
		record_tick(&k->sv.record);	/* the exits' time is now */
		proc_stop_all(&k->procs);
		/* The clients are told what the stop settled (answers its
		   children's end gave, a console line cut short) and why they
		   are cut off, before they are closed; what does not fit in
		   their sockets now is lost with them. */
		console_stop(&k->cons);
		clients_tell(&k->clients, stop_reason(k));
		serve_flush(&k->sv);
		clients_free(&k->clients, "was stopped with the kernel");
		console_free_all(&k->cons);
		struct event e;
		static const char *const how[] = { [KSTOP_NONE] = "it ended",
		    [KSTOP_DONE] = "the scenario was over", [KSTOP_SIGNAL] = "it was signalled",
		    [KSTOP_SHUTDOWN] = "a console line said shutdown" };
		/* A kernel that did not start wrote nothing: not even this. */
		if (k->started) {
			record_tick(&k->sv.record);
			record_begin(&k->sv.record, &e, EV_STOP);
			event_add_str(&e, "how", how[k->stopping], strlen(how[k->stopping]));
			record_emit(&k->sv.record, &e);
		}
		proc_free(&k->procs);
		serve_free(&k->sv);
	}
	if (k->listen_fd != -1)
		listen_close(k->listen_fd, k->cfg.socket_path);
	trace_free(&k->trace);
	logw_printf(&k->log, "kernel stopped");
	logw_close(&k->log);
	logdir_close(&k->logdir);
	if (k->ev != NULL)
		ev_free(k->ev);
	spawn_default_signals();
	signal_fd = -1;
	if (k->sigpipe[0] != -1) {
		close(k->sigpipe[0]);
		close(k->sigpipe[1]);
	}
}
