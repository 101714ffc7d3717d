/*
 * console.h - runs console lines: a scenario's, or an attached client's.
 *
 * A line either finishes at once or leaves a wait behind (an answer a child
 * gets, a child's exit, a timer).  The kernel runs the consoles once per
 * turn of its loop (console_run), after the turn's reads and departures:
 * waits whose event has happened finish, and a scenario goes on to its next
 * line.  Nothing calls into a console from a read or a reap; what a waiting
 * line needs to see is recorded where it happens (proc.c keeps the answer
 * to each line a console had a child send).
 */
#ifndef MIPC_CONSOLE_H
#define MIPC_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "grammar.h"
#include "script.h"

struct procs;
struct serve;
struct sproc;
struct trace;
struct logw;
struct console;

struct consoles {
	struct procs	*ps;
	struct serve	*sv;
	struct trace	*trace;
	struct logw	*log;
	unsigned	 timeout_ms;	/* --timeout */
	int		 no_time;
	const int64_t	*now;
	struct console	*list;
	int		 shutdown;	/* a line said shutdown */
	int		 finished;	/* a scenario of mipc run is over */
};

/* Where a client's console writes its output and answers. */
typedef void console_out_fn(void *arg, const char *line, size_t n);

void	console_init(struct consoles *cs, struct procs *ps, struct serve *sv,
	    struct trace *trace, unsigned timeout_ms, int no_time);
/* Frees every console. */
void	console_free_all(struct consoles *cs);

/* A client's session: output through out(arg, ...); self is the client. */
struct console *console_new(struct consoles *cs, console_out_fn *out, void *arg,
	    struct sproc *self);
/* A scenario, taken over from s (s is left empty); it traces to the
   trace.  With stop_when_done, its end ends the run (mipc run). */
struct console *console_scenario(struct consoles *cs, struct script *s,
	    int stop_when_done);
void	console_free(struct consoles *cs, struct console *c);

/* Runs one line of a client's. */
void	console_line(struct console *c, const char *line, size_t len);
/* A line is in progress. */
int	console_busy(const struct console *c);
/* The last line was quit: the client goes once its output is written. */
int	console_quit(const struct console *c);
/* The client's request was answered: `expect ok` looks at it. */
void	console_note_answer(struct console *c, const char *text, size_t n);

/* Finishes every line whose wait is over, and runs scenarios on.
   Returns whether any line finished or ran. */
int	console_run(struct consoles *cs);
/* The earliest deadline of a line in progress, or -1. */
int64_t	console_deadline(const struct consoles *cs);
/* The kernel is stopping: every client's line in progress is answered
   that it was cut short. */
void	console_stop(struct consoles *cs);
/* How many expects held and failed in c. */
void	console_counts(const struct console *c, unsigned *held, unsigned *failed);

#endif
