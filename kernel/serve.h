/*
 * serve.h - the simulated processes as the kernel serves them.
 *
 * A process (a child or an attached client) is a struct sproc: routing's
 * view of it, its peer, and a few operations for what differs by kind.
 * serve.c owns the routing state, hands each request line to route.c and
 * carries out what route.c decides (deliveries, answers, notices) on the
 * processes' peers.  A process that leaves is queued, and its departure is
 * carried out by serve_departures() at the end of the loop's turn, one at a
 * time, never inside the operation that found it gone.
 */
#ifndef MIPC_SERVE_H
#define MIPC_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "peer.h"
#include "record.h"
#include "route.h"

struct sproc;
struct trace;

/* What differs between a child and a client. */
struct sproc_ops {
	/* A line from its peer (see peer_ops.line), and its end of file. */
	int	(*line)(struct sproc *sp, const char *line, size_t len);
	/* A line over MIPC_LINE_MAX was skipped: it is owed its answer. */
	void	(*toolong)(struct sproc *sp);
	void	(*eof)(struct sproc *sp, int err);
	/* Its peer was cut off: a child is killed, a client leaves. */
	void	(*cut)(struct sproc *sp, const char *why);
	/* fx (a delivery or a notice) is about to be sent to it. */
	void	(*told)(struct sproc *sp, const struct fx *fx);
	/* An answer is leaving for it; tag is what serve_request was given. */
	void	(*answered)(struct sproc *sp, const char *text, size_t n, uint64_t tag);
	/* route.c has released it; the record is the owner's again. */
	void	(*departed)(struct sproc *sp);
};

struct sproc {
	struct rproc	 rp;		/* routing's view; rp.owner is this */
	struct peer	 peer;
	const struct sproc_ops *ops;
	struct serve	*sv;
	const char	*name;		/* a child's NAME; NULL: a client */
	int		 alive;		/* in routing: not departed */
	int		 leaving;	/* queued to depart */
	char		 why[96];	/* why it leaves */
	struct sproc	*next_leaving;
	struct sproc	*next;		/* in sv->procs, oldest first */
	char		 label[48];	/* its name in the log (serve_label) */
	uint32_t	 label_pid;
	size_t		 label_len;
};

struct serve {
	struct route	 route;
	struct peerset	 peers;
	struct record	 record;	/* the event record */
	struct logw	*log;
	struct trace	*trace;
	const int64_t	*now;		/* the loop's clock, ms */
	struct sproc	*procs;		/* every process, oldest first */
	struct sproc	*leaving, **leaving_tail;
	struct sproc	*sender;	/* whose request is being routed, its */
	const char	*sent;		/* "sent:" line not yet logged */
	size_t		 sentlen;
	char		(*deadlock)[MIPC_NAME_MAX + 1];	/* the last one found */
	unsigned	 ndeadlock;
};

/* Returns 0, or -1 if memory ran out.  The record (sv->record) is the
   caller's to start before the first process comes. */
int	serve_init(struct serve *sv, const struct route_config *rc, struct ev *ev,
	    struct logw *log, struct trace *trace, const int64_t *now);
void	serve_free(struct serve *sv);

/*
 * Adds sp (zeroed by the caller but for what it set) as a process with
 * simulated pid (0: a client that has not claimed one yet) on socket fd.
 * Returns 0, or -1 if memory ran out (nothing added).
 */
int	serve_add(struct serve *sv, struct sproc *sp, int fd, uint32_t pid,
	    const char *name, const struct sproc_ops *ops);
/* Drops sp from the list of processes (a record forgotten). */
void	serve_forget(struct serve *sv, struct sproc *sp);

/* A request line from sp, answered in order; tag comes back with it.
   flags: ROUTE_CALL for a blocking call. */
void	serve_request(struct serve *sv, struct sproc *sp, const char *line,
	    size_t len, uint64_t tag, unsigned flags);
/* A line from sp (NULL: one too long to keep) answered by the kernel
   itself, text, without routing. */
void	serve_refuse(struct serve *sv, struct sproc *sp, const char *line,
	    size_t len, const char *text, uint64_t tag);
/* sp answered its oldest delivery with text (NULL: the default answer).
   Returns 0, or -1 if it had none. */
int	serve_reply(struct serve *sv, struct sproc *sp, const char *text, size_t n);

/* sp leaves, for why: carried out by serve_departures. */
void	serve_leave(struct serve *sv, struct sproc *sp, const char *why);
/* Whether any departure is waiting. */
int	serve_leaving(const struct serve *sv);
/* Carries out every departure queued, one at a time, until none is left. */
void	serve_departures(struct serve *sv);

/* Writes every peer's output.  Returns whether anything was written. */
void	serve_flush(struct serve *sv);

/* "server (pid 5678)" or "client fd 3 (pid 1234)", for the log. */
const char *serve_label(struct sproc *sp);
/* The name of the live process pid (a child's NAME), or NULL. */
const char *serve_name(const struct serve *sv, uint32_t pid);


#endif
