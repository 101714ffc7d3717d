/*
 * peer.h - the transport to one simulated process or client: its socket.
 *
 * A peer owns a socket's two buffers, how much it reads a turn, the ring of
 * answers it is owed (in the order of its lines), and the cut-off of a peer
 * that stops reading.  It knows nothing of what the lines mean: it calls up
 * through a small table of operations given by its owner, as tmux's peers
 * carry a dispatch callback.  Nothing here tears anything down: a cut-off
 * is a mark, which the owner acts on at a safe point.
 */
#ifndef MIPC_PEER_H
#define MIPC_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct ev;
struct logw;

struct peer_ops {
	/* A complete line.  Returns 0 to go on, -1 to read no more for now
	   (the owner holds what follows; it calls peer_resume later). */
	int	(*line)(void *arg, const char *line, size_t len);
	/* A line over MIPC_LINE_MAX was skipped up to its newline. */
	void	(*toolong)(void *arg);
	/* The other end closed (err 0), or reading failed (err: errno). */
	void	(*eof)(void *arg, int err);
	/* The peer is cut off (why: "stopped reading"...): nothing more is
	   read or sent.  Only mark; act at a safe point. */
	void	(*cut)(void *arg, const char *why);
	/* An answer is about to be queued, in order: slot's tags and text;
	   waited: the slot waited for a message (its server's reply). */
	void	(*answer)(void *arg, const char *text, size_t n, uint64_t re,
		    uint64_t tag, int waited);
	/* A mark (peer_mark) has been written to the socket. */
	void	(*written)(void *arg);
};

/* An answer owed, in the order of the lines. */
struct slot {
	uint64_t	 id;		/* the message whose answer this is; 0: none */
	char		*text;		/* filled out of turn: the answer, kept */
	uint64_t	 re;		/* the owner's tags, handed back with it */
	uint64_t	 tag;
	int		 waited;	/* it waited for a message's reply */
};

struct peerset {
	struct ev	*ev;
	struct logw	*log;
	struct peer	*list;		/* every peer with an open socket */
};

struct peer {
	struct peerset	*set;
	int		 fd;		/* -1 once closed */
	struct linebuf	 in;
	struct outq	 out;
	int		 reading;	/* EV_READ is watched */
	int		 writing;	/* EV_WRITE is watched */
	int		 eof;		/* the other end closed its sending half */
	int		 hold;		/* the owner takes no lines now */
	const char	*cut;		/* non-NULL: cut off, and why */

	struct slot	*slots;		/* a ring: answers owed, oldest first */
	unsigned	 slot_head, slot_n, slot_cap;
	uint64_t	 slot_first;	/* the number of the head slot */

	uint64_t	*marks;		/* a ring: ends of marked lines in out */
	unsigned	 mark_head, mark_n, mark_cap;

	const struct peer_ops *ops;
	void		*arg;
	struct peer	*next;		/* in set->list */
};

/* Starts p on fd (non-blocking), reading.  ops and arg stay p's. */
void	peer_open(struct peerset *set, struct peer *p, int fd,
	    const struct peer_ops *ops, void *arg);
/* Stops watching and closes the socket; the buffers stay until peer_free. */
void	peer_close(struct peer *p);
/* Closes, and frees the buffers and the answers owed. */
void	peer_free(struct peer *p);

/* Watches fd as p's state says: reading unless it is held, closed, at its
   end of file or owed too many answers; writing while output is queued. */
void	peer_watch(struct peer *p);

/* Reads (up to a budget) and hands over every complete line.  With to_end,
   reads on to find an end of file behind the last bytes. */
void	peer_read(struct peer *p, int to_end);
/* Hands over the lines already read (after the owner held them). */
void	peer_resume(struct peer *p);

/* Queues a line.  Past MIPC_OUTPUT_MAX the peer is cut off instead.
   Returns 0, or -1 if nothing was queued (cut off, or closed). */
int	peer_send(struct peer *p, const char *s, size_t n);
/* Writes what is queued.  Returns 0, or -1 if the socket failed (the peer
   is cut off).  Marks written past are reported through ops->written. */
int	peer_flush(struct peer *p);
/* Remembers the end of what is queued now: ops->written says when it has
   been written to the socket. */
void	peer_mark(struct peer *p);

/*
 * The answer ring.  Every line owed an answer takes a slot before anything
 * can answer it: peer_slot() takes the next one and returns its number.
 * A slot is then answered by text (peer_slot_answer), or set to wait for
 * message id (peer_slot_wait), answered when peer_answer_id() names it.
 * Answers leave in slot order: through ops->answer, then the socket.
 */
uint64_t peer_slot(struct peer *p, uint64_t re, uint64_t tag);
void	peer_slot_answer(struct peer *p, uint64_t slot, const char *text, size_t n);
void	peer_slot_wait(struct peer *p, uint64_t slot, uint64_t id);
/* Answers the slot waiting for message id.  Returns 0, or -1 if none does. */
int	peer_answer_id(struct peer *p, uint64_t id, const char *text, size_t n);
/* The next line's answer: a slot taken and answered at once. */
void	peer_answer(struct peer *p, const char *text, size_t n, uint64_t re,
	    uint64_t tag);
/* Answers owed. */
unsigned peer_owed(const struct peer *p);
/* Calls fn with the re of every slot still owed, oldest first. */
void	peer_owed_each(const struct peer *p, void (*fn)(void *arg, uint64_t re),
	    void *arg);

#endif
