/*
 * proc.h - the life of a simulated process, seen from the kernel.
 *
 * Everything about a child is here, and only here: the fork, the child
 * protocol on its socket, the signals sent to it and the sync that lets it
 * write its log first, reaping, and stopping them all.  Every change of a
 * child's state is written in proc.c.  The console asks (proc_spawn,
 * proc_run, proc_kill) and reads what happened (the state, the answers a
 * line got); the kernel hears of exits through a callback.
 */
#ifndef MIPC_PROC_H
#define MIPC_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "child.h"
#include "param.h"
#include "seen.h"
#include "serve.h"

#define PROC_DEAD_KEPT	64	/* reaped children remembered for ps and expect */

enum child_state {
	CHILD_UNUSED = 0,
	CHILD_RUNNING,
	CHILD_STOPPED,
	CHILD_DEAD,		/* reaped */
};

enum kill_phase {
	KILL_NONE = 0,
	KILL_SYNCING,		/* "~ sync" sent: the signal waits for "~ synced" */
	KILL_SENT,		/* the signal was sent (kill_sent_at) */
	KILL_FAILED,		/* kill() failed: kill_err says why */
};

/* A console line waiting for the answer to the line it had a child send. */
struct fwait {
	uint64_t	 seq;		/* the child's forwarded line number */
	int		 done;
	char		 text[MIPC_ANSWER_MAX];
	struct fwait	*next;
};

struct procs;
struct logdir;

struct child {
	struct sproc	 sp;		/* first: a child is a process */
	struct procs	*ps;
	char		 name[MIPC_NAME_MAX + 1];
	uint64_t	 gen;		/* which spawn of this name the record holds */
	pid_t		 ospid;
	enum child_state state;
	char		 why[96];	/* how it ended: "was killed by SIGKILL" */
	struct child_config cfg;
	uint64_t	 reaped;	/* when it was reaped, in reaps */

	uint64_t	 nforward;	/* lines the console had it send ("! ") */
	uint64_t	 nrecv;		/* of those, sent back ("> ") */
	uint64_t	 nforsaken;	/* up to this one the console gave up on:
					   if they come, they do not run */
	uint64_t	 nanswered;	/* of those, answered */
	uint64_t	 nsync, nsynced;	/* "~ sync" lines sent, answered */
	char		 last[MIPC_ANSWER_MAX];	/* the last answer to a line of
						   the console's */
	unsigned	 got;		/* codes of every answer since spawn or the
					   last `expect NAME got`: bit per code */
	struct seen	 seen;		/* the texts delivered to it */
	struct fwait	*fwaits;

	int		 kill_sig;
	enum kill_phase	 kill;
	uint64_t	 kill_sync;	/* the sync it waits for */
	int64_t		 kill_deadline;	/* the sync's, ms */
	int64_t		 kill_sent_at;	/* ms */
	char		 kill_err[128];

	struct child	*next;		/* in procs.list, first spawned first */
};

struct procs {
	struct serve	*sv;
	struct trace	*trace;
	struct logw	*log;
	struct logdir	*logdir;	/* where the children's logs go */
	unsigned	 slots;		/* children alive at most */
	int		 no_time;
	const int64_t	*now;
	int		 sigfd;		/* the signal self-pipe, drained while stopping */
	struct child	*list;
	unsigned	 nalive;	/* not reaped */
	unsigned	 ndead;		/* reaped and remembered */
	unsigned	 nsyncing;	/* children whose kill waits for a sync */
	const struct sproc_ops *ops;	/* a child's, for serve.c */
	uint64_t	 nreaped, ngen;
	/* A child has been reaped and has left (mipc bench stops the loop). */
	void		(*exited)(void *arg, struct child *c);
	void		*exited_arg;
};

/* ops: what a child's lines mean (protocol.c's child_protocol). */
void	proc_init(struct procs *ps, struct serve *sv, struct trace *trace,
	    struct logdir *logdir, unsigned slots, int no_time, int sigfd,
	    const struct sproc_ops *ops);
/* Forgets every record (proc_stop_all first). */
void	proc_free(struct procs *ps);

/*
 * Forks a child as cfg says (its name, pid 0: the smallest free one).
 * Writes the answer ("OK spawned ..." or "ERR ...") into ans.  Returns the
 * child, or NULL.
 */
struct child *proc_spawn(struct procs *ps, const struct child_config *cfg,
	    char *ans, size_t anssz);
/* The child of that name, alive or remembered dead, or NULL. */
struct child *proc_find(struct procs *ps, const char *name);
/* The same, only if it still holds the spawn gen. */
struct child *proc_find_gen(struct procs *ps, const char *name, uint64_t gen);

/*
 * Has c send line as its own ("! LINE").  Returns the line's number; with
 * want, its answer is kept for proc_answer.  0 if c cannot be sent to.
 */
uint64_t proc_run(struct procs *ps, struct child *c, const char *line, size_t n,
	    int want);
/* The answer to line seq of c, or NULL if it has not come. */
const char *proc_answer(struct child *c, uint64_t seq);
/* The answer to seq is no longer awaited. */
void	proc_unwait(struct child *c, uint64_t seq);
/* The console gave up on line seq: if it comes, it does not run. */
void	proc_forsake(struct child *c, uint64_t seq);

/*
 * Signals c, after it has written its log ("~ sync", up to MIPC_SYNC_MS) if
 * it is running.  c->kill says how far it has gone.
 */
void	proc_kill(struct procs *ps, struct child *c, int sig);

/* What the child protocol reports: c's log is written ("~ synced"), and
   c has left routing (its record stays). */
void	proc_synced(struct procs *ps, struct child *c);
void	proc_departed(struct child *c);

/* Reaps every child that changed state. */
void	proc_reap(struct procs *ps);
/* The earliest deadline of a sync, or -1; and what is due at now. */
int64_t	proc_deadline(const struct procs *ps);
void	proc_tick(struct procs *ps);

/* Stops every child, one at a time in the order they were spawned, and
   reaps them all (see proc.c). */
void	proc_stop_all(struct procs *ps);

/* The state as ps shows it: "running", "stopped", "dead: ...". */
const char *proc_state(const struct child *c, char *buf, size_t size);

#endif
