/*
 * kernel.h - the running kernel: its peers, its children and its loop.
 *
 * kernel.c owns the event loop and carries out what route.c decides;
 * spawn.c forks, signals and reaps the simulated processes; console.c runs
 * the console and scenario language.  They share the structures below.
 */
#ifndef MIPC_KERNEL_H
#define MIPC_KERNEL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "buf.h"
#include "child.h"
#include "ev.h"
#include "log.h"
#include "param.h"
#include "route.h"
#include "seen.h"

struct kconfig {
	unsigned	 slots;		/* --slots */
	unsigned	 queue;		/* --queue */
	unsigned	 timeout_ms;	/* --timeout */
	const char	*backend;	/* --backend, NULL: the platform's best */
	const char	*log_dir;	/* --log-dir */
	const char	*socket_path;	/* --socket, NULL: listen on nothing */
	int		 no_time;	/* --no-time */
	int		 keep_logs;	/* leave the last run's logs (a second file of a run) */
	FILE		*trace;		/* where a scenario's trace goes (stdout) */
	int		 trace_fd;	/* a served kernel's trace: written only when
					   the fd can take it, never blocking (-1: none) */
};

enum peer_kind { PEER_CHILD, PEER_CLIENT };

enum child_state {
	CHILD_UNUSED = 0,
	CHILD_RUNNING,
	CHILD_STOPPED,
	CHILD_DEAD,		/* reaped */
};

/* An answer a peer is owed, in the order of its lines. */
struct slot {
	uint64_t	 id;		/* the message awaited; 0: text is the answer */
	char		*text;		/* an answer that came before those ahead of it */
};

struct console;

struct peer {
	enum peer_kind	 kind;
	int		 fd;		/* -1 once closed */
	struct rproc	 rp;
	struct linebuf	 in;
	struct outq	 out;
	int		 reading;	/* EV_READ is watched */
	int		 writing;	/* EV_WRITE is watched */
	int		 eof;		/* the other end closed */
	char		 label[48];	/* its name in the log (peer_label) */
	uint32_t	 label_pid;	/* the pid label was made with */
	size_t		 label_len;

	/* answers owed, oldest first: a ring */
	struct slot	*slots;
	unsigned	 slot_head, slot_n, slot_cap;

	/* deliveries written to a client, answered for it once out.written
	   passes the mark */
	uint64_t	*marks;
	unsigned	 mark_head, mark_n, mark_cap;

	/* a child */
	char		 name[MIPC_NAME_MAX + 1];
	pid_t		 ospid;
	enum child_state state;
	char		 why[96];	/* how it ended: "was killed by SIGKILL" */
	struct child_config ccfg;
	uint64_t	 nforward;	/* lines the console asked it to send */
	uint64_t	 nforsaken;	/* of those, the last the console gave up
					   on: if they come, they do not run */
	uint64_t	 nrecv;		/* lines received from it */
	uint64_t	 nanswered;	/* answers written to it */
	uint64_t	 nsync;		/* "~ sync" lines sent to it */
	uint64_t	 nsynced;	/* and answered: its log was written */
	char		 last[MIPC_ANSWER_MAX];	/* the last answer it got */
	unsigned	 got;		/* codes of answers since spawn or the last
					   `expect NAME got`: bit per enum mipc_err */
	struct seen	 seen;

	/* a client */
	struct console	*con;		/* its console session */
	char		*held;		/* a console line waiting for its turn */
	size_t		 held_len;
	int		 quitting;	/* close once the output is written */

	struct peer	*next;		/* in the kernel's list */
};

struct kernel {
	struct kconfig	 cfg;
	struct ev	*ev;
	struct route	 route;
	struct logw	 log;		/* LOGDIR/kernel.log */
	struct peer	*peers;		/* children and clients */
	unsigned	 nchildren;	/* children alive (not reaped) */
	unsigned	 nclients;
	int		 sigpipe[2];	/* the self-pipe signal handlers write to */
	struct outq	 trace_q;	/* trace lines waiting for cfg.trace_fd */
	unsigned long	 trace_dropped;	/* lines dropped while nobody read it */
	int		 listen_fd;	/* -1: not listening */
	struct console	*consoles;	/* every console session */
	int		 stopping;	/* leave the loop: 1 run over, 2 signal, 3 shutdown */
	int		 status;	/* exit status to report */
	int64_t		 now;		/* ms, refreshed each turn */
	/* called once a child has been reaped (mipc bench stops the loop) */
	void		(*child_exit)(struct kernel *k, struct peer *p);
	void		*arg;
};

/* kernel.c */
/* Puts back the default action of the signals a kernel catches: a kernel
   does at its end, and a child it forks at its start. */
void	kernel_restore_signals(void);
/* Makes the log directory if need be, checks kernel.log can be written
   there, and then (unless keep) removes the logs of the last run (see
   log_is_ours), as kernel_init does.  Returns 0, or -1 having touched no
   log and written what failed into why ("PATH: reason"). */
int	kernel_prepare_logs(const char *dir, int keep, char *why, size_t whysz);
int	kernel_init(struct kernel *k, const struct kconfig *cfg);
/* Serves until k->stopping is set.  Returns k->status. */
int	kernel_loop(struct kernel *k);
/* Stops every child, reaps it and frees everything. */
void	kernel_free(struct kernel *k);
struct peer *kernel_child(struct kernel *k, const char *name);
/* Queues a line for a peer; cuts the peer off past MIPC_OUTPUT_MAX. */
void	peer_send(struct kernel *k, struct peer *p, const char *s, size_t n);
/* Closes the peer's socket and frees its record. */
void	peer_free(struct kernel *k, struct peer *p);
/* Frees what the record holds (buffers, answers owed), not the record. */
void	peer_release(struct peer *p);
/* Reads what p sent, as far as it may now, and handles every line. */
void	peer_read(struct kernel *k, struct peer *p);
/* A line for the trace and the kernel log. */
void	kernel_trace(struct kernel *k, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* spawn.c */
/* Forks a child; answers into ans.  Returns 0 or -1 (ans says why). */
int	spawn_child(struct kernel *k, const char *name, uint32_t pid,
	    const struct child_config *ccfg, char *ans, size_t anssz);
/* Reaps every child that changed state; calls kernel_child_ended/stopped. */
void	spawn_reap(struct kernel *k);
/* Stops every child, one at a time in the order they were spawned, and
   reaps them all (see spawn.c). */
void	spawn_stop_all(struct kernel *k);
/* "was killed by SIGKILL" / "exited with status 3" */
void	spawn_describe(int status, char *buf, size_t size);
/* Signal number of "TERM", "SIGTERM" or "15"; -1 if unknown. */
int	spawn_signal(const char *name);
const char *spawn_signame(int sig);
void	kernel_child_ended(struct kernel *k, struct peer *p, int status);

/* console.c */
/* A session attached to a client, or (client NULL) a scenario writing its
   trace to cfg.trace. */
struct console *console_new(struct kernel *k, struct peer *client);
void	console_free(struct kernel *k, struct console *c);
/* Loads and checks a scenario file: returns 0, or -1 after printing every
   syntax error as FILE:LINE: message.  stop_when_done: the kernel stops when
   the file has run (mipc run). */
int	console_load(struct console *c, const char *path, int stop_when_done);
/* Moves the scenario loaded into `from` into `to`, a console of the kernel
   that will run it: a file is read once, checked and run as read (a pipe
   or /dev/stdin could not be read again). */
void	console_take(struct console *to, struct console *from);
/* Runs the loaded lines until one has to wait. */
void	console_step(struct kernel *k, struct console *c);
/* A client's console line (not a request). */
void	console_line(struct kernel *k, struct console *c, const char *line, size_t len);
int	console_busy(const struct console *c);
/* The kernel is stopping: every client's console line still in progress
   (a sleep, say) is answered that it was cut short. */
void	console_stop(struct kernel *k);
int	console_done(const struct console *c);
/* How many expects held and failed. */
void	console_counts(const struct console *c, unsigned *held, unsigned *failed);
/* A client's request was answered: the answer `expect ok` looks at. */
void	console_note_answer(struct console *c, const char *text);
/* Something happened that a waiting console line may be waiting for. */
void	console_poke(struct kernel *k);
/* The earliest deadline of a waiting console line, or -1. */
int64_t	console_deadline(struct kernel *k);
/* What a child got, for `wait` and `NAME: LINE` */
void	console_child_answer(struct kernel *k, struct peer *p, const char *text);

#endif
