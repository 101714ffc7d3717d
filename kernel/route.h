/*
 * route.h - the routing rules of the simulated kernel, with no I/O.
 *
 * Given the state, the process a line came from and the line, route_line()
 * answers it, updates the process table and the mailbox queues, and reports
 * what the running kernel must carry out (deliver a message, tell a process
 * something, answer a message later) through the effect callback.  The
 * running kernel owns the sockets; this module never sees one.
 *
 * route.c holds the state and the requests; flight.c (flight.h) the
 * messages in flight and the processes they go between.
 */
#ifndef MIPC_ROUTE_H
#define MIPC_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "flight.h"
#include "mbox.h"
#include "param.h"
#include "ptable.h"

typedef flight_emit_fn route_emit_fn;

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
	struct flight	 fl;		/* the messages in flight, the processes */
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
