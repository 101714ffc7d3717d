/*
 * child.h - the simulated process: the program each forked child runs.
 *
 * The child's only channel is its socketpair to the kernel.  What travels on
 * it, one line each:
 *
 *   kernel -> child
 *     ! LINE          send LINE to the kernel as yourself (the console's NAME: LINE)
 *     OK ... / ERR ...  the answer to a line the child sent, in order
 *     * received "TEXT" from pid PID via port PORT
 *                     a delivery: log it, then answer it with "= REPLY"
 *     * ...           any other notice: log it
 *     ~ sync          write your log now (a kill is coming): answer "~ synced"
 *
 *   child -> kernel
 *     > LINE          a line the console asked the child to send (exactly as given)
 *     + LINE          a line the child sends of its own accord (the load
 *                     generator of `mipc bench`); routed the same way
 *     = TEXT          its answer to the oldest delivery it has not answered
 *     ~ synced        its log is written
 *
 * Every line the child sends, every answer, every delivery, what it answered
 * and every notice go to its log (stdout, which the kernel has pointed at
 * LOGDIR/NAME.log), one whole timestamped line each.
 */
#ifndef MIPC_CHILD_H
#define MIPC_CHILD_H

#include <stdint.h>

#include "param.h"

struct load_config;

enum reply_kind {
	REPLY_DEFAULT,	/* the seed's "response written to port: PORT" */
	REPLY_ECHO,	/* the message's own TEXT */
	REPLY_FIXED,	/* a fixed text */
};

struct child_config {
	char		 name[MIPC_NAME_MAX + 1];
	uint32_t	 pid;		/* simulated pid */
	enum reply_kind	 reply;
	char		 reply_text[MIPC_TEXT_MAX + 1];	/* REPLY_FIXED */
	int		 no_time;	/* no timestamps and no OS pids in the log */
	const struct load_config *load;	/* non-NULL: run the load generator */
};

/* Runs the simulated process on fd until the kernel closes it; then exits. */
void	child_main(int fd, const struct child_config *cfg);

#endif
