/*
 * record.h - the event record: every decision of the kernel, as it happens.
 *
 * Each event is one JSON object, one line of LOGDIR/events.jsonl (or
 * --events FILE), written by the same never-blocking writer as the logs,
 * and sent as `* event JSON` to every monitor whose rules it matches.  The
 * kinds and their fields are common/event.h's.
 */
#ifndef MIPC_RECORD_H
#define MIPC_RECORD_H

#include <stdint.h>

#include "event.h"
#include "json.h"
#include "log.h"

struct peer;

#define RECORD_ENDS	4096	/* messages whose ends the monitors' rules know */

/* The ends of a message delivered, for a rule about a later event of it. */
struct record_ends {
	uint64_t	 msg, from, to;
};

struct monitor {
	struct peer	*peer;		/* a client that asked with `monitor` */
	struct evrules	 rules;
	struct monitor	*next;
};

struct record {
	struct logw	 w;		/* the file; fd -1: none */
	uint64_t	 seq;		/* of the last event */
	int		 no_time;	/* no t_us */
	int64_t		 t0_us;		/* when the record started */
	int64_t		 now_us;	/* the loop's clock, read once a turn */
	struct jbuf	 line;
	uint64_t	 msg_base;	/* added to this kernel's message ids */
	struct monitor	*monitors;
	struct evnames	 names;		/* pid -> name, for the monitors' rules */
	struct record_ends *ends;	/* the last RECORD_ENDS delivered, by
					   msg % RECORD_ENDS; NULL before the first */
};

/*
 * Starts a record into fd (-1: none), its first event numbered seq + 1,
 * its time counted from t0_us (0: from now).  One `mipc run` of several
 * files makes one record: each file's kernel goes on from the last.
 */
void	record_init(struct record *rc, int fd, int no_time, uint64_t seq,
	    int64_t t0_us);
void	record_close(struct record *rc);

/* The time of the events of this turn. */
void	record_tick(struct record *rc);
/* Writes the file's lines buffered so far (never waiting): called with
   the peers' output, so the file is as far on as any monitor. */
void	record_flush(struct record *rc);

/* A delivery's sender and server, for monitors' rules on its later
   events (a reply names only its message). */
void	record_ends(struct record *rc, uint64_t msg, uint64_t from, uint64_t to);
/* Numbers, stamps and writes e, and sends it to the monitors that want it.
   Returns its seq.  A rule about a process holds for the later events of
   a message it sent or served (a reply, a drop): the record remembers the
   ends of the last RECORD_ENDS messages delivered. */
uint64_t record_emit(struct record *rc, struct event *e);
/* Starts an event of kind, to be filled and emitted. */
void	record_begin(struct record *rc, struct event *e, enum ev_kind kind);
/*
 * The id that this kernel's message id has in the record.  A message's id
 * is unique in the run, and the kernel of each file of a run numbers its
 * messages from 1: so the record counts them from the seq it went on from.
 * Each message has a request event of its own before it, so no id of a
 * file reaches the seq the next one goes on from.
 */
uint64_t record_msg(const struct record *rc, uint64_t id);

/* p watches the events its rules (the console line's arguments) match.
   Returns 0, or -1 with err saying what is wrong with a rule. */
int	record_watch(struct record *rc, struct peer *p, const char *rules, size_t n,
	    char *err, size_t errsize);
/* p watches no more (it leaves). */
void	record_unwatch(struct record *rc, struct peer *p);

#endif
