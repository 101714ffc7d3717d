/*
 * route.h - the routing rules of the simulated kernel, with no I/O.
 *
 * Given the state, the process a line came from and the line, route_line()
 * answers it, updates the process table and the mailbox queues, and reports
 * what the running kernel must carry out (deliver a message, tell a process
 * something, answer a message later) through the effect callback.  The
 * running kernel owns the sockets; this module never sees one.
 *
 * route.c holds the state and the requests; flight.c the messages in
 * flight: their records, the order they are answered in, blocking calls,
 * the deliveries a blocked process is not handed yet, and deadlocks.
 */
#ifndef MIPC_ROUTE_H
#define MIPC_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mbox.h"
#include "param.h"
#include "ptable.h"

struct rproc;

/* A message in flight: sent, awaiting its server's answer. */
struct msg {
	struct msg	*snext;		/* next in its server's delivered or withheld list */
	struct msg	*tprev, *tnext;	/* live messages, oldest (first deadline) first */
	uint64_t	 id;		/* unique in this route, from 1 */
	struct rproc	*sender;	/* NULL once the message is abandoned */
	struct rproc	*srv;		/* its server, while it lives */
	uint32_t	 from;		/* the sender's pid */
	uint32_t	 server;	/* the server's pid */
	uint16_t	 port;
	uint8_t		 withheld;	/* not delivered: its server is blocked */
	uint8_t		 call;		/* a blocking call */
	int64_t		 sent;		/* ms, on the caller's clock */
	int64_t		 deadline;
	char		*text;		/* kept for a withheld message or a call */
	uint16_t	 textlen;
};

/* A simulated process as routing sees it; embedded in the kernel's own record. */
struct rproc {
	uint32_t	 pid;		/* 0: an attached client that has not claimed one */
	struct msg	*dhead, *dtail;	/* delivered, awaiting this process's answer */
	struct msg	*whead, *wtail;	/* sent to it while it is blocked: withheld */
	struct msg	*call;		/* its blocking call in progress, or NULL */
	struct rproc	*relnext;	/* in route.relq */
	int		 relq;		/* unblocked, its withheld deliveries due */
	void		*owner;		/* the kernel's; route never touches it */
};

enum fx_kind {
	FX_DELIVER,	/* write text ("* received ...") to `to`; it answers later */
	FX_ANSWER,	/* text ("OK ..." / "ERR ...") answers message id, sent by `to` */
	FX_NOTICE,	/* write text ("* link ... destroyed: ...") to `to` */
	FX_REPLY,	/* message id was answered by its server with text */
	FX_DROP,	/* message id (from, port) will never be served: code, text why */
	FX_DEADLOCK,	/* the processes ring[0..nring) wait each on the next */
	FX_LOG,		/* text is for the kernel's log only; `to` is NULL */
};

struct fx {
	enum fx_kind	 kind;
	struct rproc	*to;
	uint64_t	 id;		/* the message */
	const char	*text;		/* NUL-terminated, no newline; valid during the call */
	size_t		 textlen;	/* strlen(text) */
	const char	*msg;		/* FX_DELIVER: the TEXT delivered, msglen bytes */
	size_t		 msglen;
	uint32_t	 from;		/* FX_DELIVER, FX_DROP: the sender's pid */
	uint16_t	 port;		/* and the port */
	enum mipc_err	 code;		/* FX_DROP */
	struct rproc *const *ring;	/* FX_DEADLOCK, in wait order */
	unsigned	 nring;
};

typedef void route_emit_fn(void *ctx, const struct fx *fx);

struct route_config {
	unsigned slots;		/* table and mailbox slots */
	unsigned queue;		/* messages in flight per link */
	unsigned timeout_ms;	/* how long a server has to answer */
	int	 refuse_deadlock;	/* a call that closes a cycle: ERR EDEADLK */
};

struct route {
	struct route_config cfg;
	struct ptable	 pt;
	struct mbox	 mb;
	struct rproc	**procs;	/* every live process, claimed or not */
	unsigned	 nprocs, procs_cap;
	struct rproc	**ring;		/* room for a deadlock's processes */
	struct rproc	*relq;		/* unblocked processes, deliveries due */
	struct msg	*thead, *ttail;	/* live messages, oldest first */
	struct msg	*free_msgs;	/* recycled message records */
	void		*chunks;	/* memory the records came from */
	uint64_t	 next_id;
	unsigned	 inflight;	/* messages on links (sum of every qlen) */
	unsigned	 walked;	/* steps the last deadlock check took */
	route_emit_fn	*emit;
	void		*ctx;
};

/* The answer to one line. */
struct route_result {
	enum mipc_err	code;
	uint64_t	pending;	/* non-zero: text is unset; the answer comes as
					   FX_ANSWER with this id */
	char		text[MIPC_ANSWER_MAX];	/* "OK ..." or "ERR CODE ..." */
};

/* Returns 0, or -1 if memory ran out. */
int	route_init(struct route *r, const struct route_config *cfg,
	    route_emit_fn *emit, void *ctx);
void	route_free(struct route *r);

/* A process joins (rp->pid may be 0 for a client); rp must stay put until
 * route_proc_gone(). */
int	route_proc_add(struct route *r, struct rproc *rp);
/* The live process with this pid, or NULL. */
struct rproc *route_proc_find(const struct route *r, uint32_t pid);
/*
 * The process died or disconnected: it releases everything it held exactly as
 * if it had removed its ports and links.  Messages awaiting its answer are
 * answered ERR ESRCH; messages it sent are dropped; peers on its links get
 * FX_NOTICE "* link PORT<-PID destroyed: pid PID <why>".
 */
void	route_proc_gone(struct route *r, struct rproc *rp, const char *why);

#define ROUTE_CALL	1	/* the line is a blocking call */

/*
 * A line of the request language from rp.  Fills *res.  For a send,
 * FX_DELIVER is emitted to the server before this returns (unless the server
 * is blocked: then when it is not), and res->pending names the message
 * whose answer will come later.  With ROUTE_CALL a send makes rp blocked on
 * the server until its answer.
 */
void	route_line(struct route *r, struct rproc *rp, const char *line, size_t len,
	    int64_t now_ms, unsigned flags, struct route_result *res);

/*
 * rp answered its oldest delivery with text (NULL: the default answer,
 * "response written to port: PORT").  An `ERR CODE ...` text with a known
 * CODE is an error reply, the sender's answer as it is; any other text R
 * gives the sender "OK R".  The answer goes as FX_ANSWER, unless the message
 * was abandoned (then FX_LOG).  Returns 0, or -1 if rp had no delivery
 * awaiting an answer.
 */
int	route_answered(struct route *r, struct rproc *rp, const char *text, size_t len);

/* The earliest deadline of a message in flight, or -1 if there is none. */
int64_t	route_next_deadline(const struct route *r);
/* Answers ERR ETIMEDOUT for every message whose deadline is <= now_ms. */
void	route_expire(struct route *r, int64_t now_ms);

/* Writes the state, every slot of both arrays, as lines (no "| ", no newline). */
void	route_dump(const struct route *r, void (*line)(void *arg, const char *s), void *arg);

#endif
