/*
 * flight.h - messages in flight: sent, not yet answered; and the processes
 * they go between.
 *
 * route.c decides what a request means; flight.c carries a message from its
 * sending to its answer, over the links of the mailbox array: its record,
 * the order it is delivered and answered in, blocking calls and what is
 * withheld from a blocked process, deadlocks, timeouts, and what becomes
 * of messages when a link or a process goes.  Its effects (struct fx) are
 * routing's effects.
 */
#ifndef MIPC_FLIGHT_H
#define MIPC_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mbox.h"
#include "param.h"
#include "request.h"

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

typedef void flight_emit_fn(void *ctx, const struct fx *fx);

/* The answer to one line. */
struct route_result {
	enum mipc_err	code;
	uint64_t	pending;	/* non-zero: text is unset; the answer comes as
					   FX_ANSWER with this id */
	char		text[MIPC_ANSWER_MAX];	/* "OK ..." or "ERR CODE ..." */
};

struct flight {
	struct mbox	*mb;		/* the links messages travel on */
	unsigned	 queue;		/* messages in flight per link */
	unsigned	 timeout_ms;	/* how long a server has to answer */
	int		 refuse_deadlock;	/* a call that closes a cycle: ERR EDEADLK */
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
	flight_emit_fn	*emit;
	void		*ctx;
};

void	flight_init(struct flight *f, struct mbox *mb, unsigned queue,
	    unsigned timeout_ms, int refuse_deadlock, flight_emit_fn *emit, void *ctx);
/* Frees every message record and the process list. */
void	flight_free(struct flight *f);

/* Reports an effect whose text is formatted here. */
void	flight_emitf(struct flight *f, enum fx_kind kind, struct rproc *to,
	    uint64_t id, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A process joins; one leaves the list (flight_proc_gone first). */
int	flight_proc_add(struct flight *f, struct rproc *rp);
void	flight_proc_remove(struct flight *f, struct rproc *rp);
/* The live process with this pid, or NULL. */
struct rproc *flight_proc_find(const struct flight *f, uint32_t pid);

/*
 * A send from rp on link l, whose server is srv: the message is delivered
 * (or withheld while srv is blocked), and res->pending names it.  With
 * call, rp is blocked on srv until its answer, unless the call would close
 * a cycle of waits that --deadlock refuse refuses.
 */
void	flight_send(struct flight *f, struct rproc *rp, struct rproc *srv, unsigned l,
	    const struct request *req, int64_t now, int call, struct route_result *res);

/* rp answered its oldest delivery (see route_answered).  0, or -1. */
int	flight_answered(struct flight *f, struct rproc *rp, const char *text, size_t len);
/* The earliest deadline, or -1; and every message past it answered
   ERR ETIMEDOUT. */
int64_t	flight_deadline(const struct flight *f);
void	flight_expire(struct flight *f, int64_t now_ms);

/* Every message still in flight on link lk is answered ERR code (why). */
void	flight_link_gone(struct flight *f, const struct link *lk, enum mipc_err code,
	    const char *why);

/* rp leaves: what waited for its answer is answered ERR ESRCH (reason),
   what it sent is dropped, and it is blocked on nothing. */
void	flight_proc_gone(struct flight *f, struct rproc *rp, const char *reason);

/* Hands the processes unblocked meanwhile what was withheld from them.
   Called at the end of every operation, on consistent state. */
void	flight_release(struct flight *f);

/* Messages withheld on the link of port from client. */
unsigned flight_withheld(const struct flight *f, uint16_t port, uint32_t client,
	    uint32_t server);

#endif
