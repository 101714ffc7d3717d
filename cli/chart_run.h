/*
 * chart_run.h - a run as mipc chart draws it, read from its event record
 * (chart_read.c), for the three formats (chart_mermaid.c, chart_svg.c,
 * chart_perfetto.c).
 *
 * The record is turned into items, each a thing a chart shows at one event:
 * a message delivered, its reply, a drop, the result of a register, link or
 * remove, a failed request, a spawn, an exit, a deadlock.  The formats only
 * lay the items out; what counts as what is decided once, here.
 */
#ifndef MIPC_CHART_RUN_H
#define MIPC_CHART_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "chart.h"
#include "json.h"

struct chart_proc {
	uint64_t	 pid;
	char		*name;		/* NULL: an attached client, which has none */
	int		 col;		/* its lifeline among those drawn, or -1 */
};

enum chart_what {
	CI_SPAWN,	/* a is running */
	CI_EXIT,	/* a was reaped: text is how; bad unless status 0 */
	CI_MSG,		/* a -> b: a message delivered (msg, port, text) */
	CI_REPLY,	/* b -> a: the reply to message msg (a sent it, b served it) */
	CI_DROP,	/* a -> b: message msg never served (code, reason); b -1 if
			   its server is not known */
	CI_NOTE,	/* over a (and b): the words of an OK answer to a register,
			   a link or a remove */
	CI_FAIL,	/* over a: an ERR answer (text) to a request (line) */
	CI_WAIT,	/* over a: a request (line) the record never answers */
	CI_DEADLOCK,	/* over the cycle: text "a -> b -> a" */
};

struct chart_item {
	enum chart_what	 what;
	uint64_t	 seq;		/* the event it is drawn at */
	uint64_t	 t;		/* its time: t_us, or the seq without times */
	int		 a, b;		/* indexes in procs; b is -1 for none */
	uint64_t	 msg, port;
	const char	*text;		/* what it says; any bytes */
	size_t		 n;
	const char	*line;		/* the request line, for CI_FAIL, CI_WAIT */
	size_t		 nline;
	int		 op;		/* its enum req_op, or -1 for a console verb */
	const char	*code, *reason;	/* a drop's, NUL-terminated */
	int		 bad;		/* drawn in red */
	int		 shown;		/* kept by --from, --to and --match */
	/* The life of a request or message, for Perfetto.  t_req: the request
	   (or the deliver, if no request is known); t_ans: its answer; t_end:
	   a message's reply or drop. */
	uint64_t	 t_req, t_ans, t_end;
	uint64_t	 s_req, s_ans, s_end;	/* the seqs of those events */
	int		 has_req, has_ans, has_end;
	const char	*reply;		/* a message's reply text, for Perfetto */
	size_t		 nreply;
	const int	*cycle;		/* a deadlock's procs, in wait order */
	size_t		 ncycle;
};

struct chart_run {
	const char	*path;		/* the record */
	int		 timed;		/* every event has t_us, and --no-time is off */
	int		 whole;		/* a stop event says the kernel stopped cleanly */
	int		 cut_short;	/* drawn to its last event, with no stop there */
	uint64_t	 first_seq, last_seq;	/* of the record */
	uint64_t	 last_t;	/* the time of its last event */
	unsigned long	 nevents;
	struct chart_proc *procs;
	size_t		 nprocs;
	int		 ncols;		/* procs drawn */
	struct chart_item *items;
	size_t		 nitems;
	size_t		 nshown;
	uint64_t	 shown_from, shown_to;	/* the seqs drawn: --from, --to, within the record */
	struct chart_arena *arena;	/* the texts items point to */
};

/*
 * Reads the record at path into run (chart_read.c) and picks what o asks
 * for.  Returns 0, or the exit status after saying why on stderr.
 */
int	chart_read(struct chart_run *run, const char *path, const struct chart_opts *o);
/* Picks the items to draw and the lifelines they need.  Returns 0, or 1
   after saying that nothing is left to draw. */
int	chart_pick(struct chart_run *run, const struct chart_opts *o);
void	chart_free(struct chart_run *run);

/* What a request was, for a note: "register 8080", "send to 8080",
   "remove 8080", or its line (a console verb). */
void	chart_request_words(const struct chart_item *it, struct jbuf *b);
/* What a process is called in a chart: "server (5678)", or "pid 4242". */
void	chart_proc_label(const struct chart_run *run, int proc, struct jbuf *b);
/* Its name, or "pid N". */
void	chart_proc_name(const struct chart_run *run, int proc, struct jbuf *b);

/* The formats.  Each appends the whole chart to out and returns 0, or
   returns 2 after saying on stderr why it cannot be drawn. */
int	chart_mermaid(const struct chart_run *run, struct jbuf *out);
int	chart_svg(const struct chart_run *run, struct jbuf *out);
int	chart_perfetto(const struct chart_run *run, struct jbuf *out);

#endif
