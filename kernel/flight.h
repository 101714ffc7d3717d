/*
 * flight.h - messages in flight, for route.c only: not an interface of
 * routing (that is route.h), but the part of it that lives in flight.c.
 */
#ifndef MIPC_FLIGHT_H
#define MIPC_FLIGHT_H

#include "request.h"
#include "route.h"

/* Reports an effect whose text is formatted here. */
void	flight_emitf(struct route *r, enum fx_kind kind, struct rproc *to,
	    uint64_t id, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Frees every message record. */
void	flight_free_all(struct route *r);

/*
 * A send from rp on link l, whose server is srv: the message is delivered
 * (or withheld while srv is blocked), and res->pending names it.  With
 * call, rp is blocked on srv until its answer, unless the call would close
 * a cycle of waits that --deadlock refuse refuses.
 */
void	flight_send(struct route *r, struct rproc *rp, struct rproc *srv, unsigned l,
	    const struct request *req, int64_t now, int call, struct route_result *res);

/* Every message still in flight on link lk is answered ERR code (why). */
void	flight_link_gone(struct route *r, const struct link *lk, enum mipc_err code,
	    const char *why);

/* rp leaves: what waited for its answer is answered ERR ESRCH (reason),
   what it sent is dropped, and it is blocked on nothing. */
void	flight_proc_gone(struct route *r, struct rproc *rp, const char *reason);

/* Hands the processes unblocked meanwhile what was withheld from them.
   Called at the end of every operation, on consistent state. */
void	flight_release(struct route *r);

/* Messages withheld on the link of port from client. */
unsigned flight_withheld(const struct route *r, uint16_t port, uint32_t client,
	    uint32_t server);

#endif
