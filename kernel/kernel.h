/*
 * kernel.h - the running kernel: its parts and its loop.
 *
 * The kernel is a handful of parts, each with one owner: serve.c (the
 * processes and their routing), proc.c (the children), client.c (the
 * attached clients), console.c (the console lines), trace.c.  kernel.c
 * owns the loop that drives them and the order of a turn.
 */
#ifndef MIPC_KERNEL_H
#define MIPC_KERNEL_H

#include <stdint.h>
#include <stdio.h>

#include "client.h"
#include "console.h"
#include "ev.h"
#include "grammar.h"
#include "log.h"
#include "logdir.h"
#include "param.h"
#include "proc.h"
#include "serve.h"
#include "trace.h"

struct kconfig {
	unsigned	 slots;		/* --slots */
	unsigned	 queue;		/* --queue */
	unsigned	 timeout_ms;	/* --timeout */
	const char	*backend;	/* --backend, NULL: the platform's best */
	const char	*log_dir;	/* --log-dir */
	const char	*socket_path;	/* --socket, NULL: listen on nothing */
	int		 no_time;	/* --no-time */
	int		 refuse_deadlock;	/* --deadlock refuse */
	const char	*events_path;	/* --events, NULL: LOGDIR/events.jsonl */
	uint64_t	 events_seq;	/* the record goes on from this seq (the
					   second file of a run) */
	int64_t		 events_t0_us;	/* and from this start (0: now) */
	int		 keep_logs;	/* leave the last run's logs (a second file of a run) */
	FILE		*trace;		/* where a scenario's trace goes (stdout) */
	int		 trace_fd;	/* a served kernel's trace: written only when
					   the fd can take it, never blocking (-1: none) */
};

/* Why the loop ends. */
enum kernel_stop {
	KSTOP_NONE = 0,		/* it does not */
	KSTOP_DONE,		/* mipc run's scenario is over */
	KSTOP_SIGNAL,		/* SIGINT, SIGTERM or SIGHUP */
	KSTOP_SHUTDOWN,		/* a console line said shutdown */
};

struct kernel {
	struct kconfig	 cfg;
	struct ev	*ev;
	struct logdir	 logdir;	/* LOGDIR, held while the kernel runs */
	struct logw	 log;		/* LOGDIR/kernel.log */
	struct trace	 trace;
	struct serve	 sv;
	struct procs	 procs;
	struct consoles	 cons;
	struct clients	 clients;
	int		 sigpipe[2];	/* the self-pipe signal handlers write to */
	int		 listen_fd;	/* -1: not listening */
	int		 stopping;	/* enum kernel_stop */
	int		 status;	/* exit status to report */
	int		 busy;		/* a turn ended with work left: do not wait */
	int		 started;	/* kernel_init went to its end */
	int64_t		 now;		/* ms, refreshed each turn */
};

/* Returns 0, or -1 after saying why (then kernel_free it all the same);
   k->status is then 2 if the log directory is another kernel's. */
int	kernel_init(struct kernel *k, const struct kconfig *cfg);
/* Runs the scenario s (taken over) in k; with stop_when_done the loop ends
   with it.  Returns its console, or NULL if memory ran out. */
struct console *kernel_scenario(struct kernel *k, struct script *s, int stop_when_done);
/* Serves until k->stopping is set.  Returns k->status. */
int	kernel_loop(struct kernel *k);
/* Stops every child, reaps it, and frees everything. */
void	kernel_free(struct kernel *k);

#endif
