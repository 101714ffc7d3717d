/*
 * child.h - the simulated process: the program each forked child runs.
 *
 * The child's only channel is its socketpair to the kernel, on which it
 * speaks the child protocol (proto.h).  It sends "> LINE" when the console
 * asks ("! LINE"), answers every delivery at once by its reply policy, and
 * the load generator of `mipc bench` sends "+ LINE" of its own accord.
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
	REPLY_DEFAULT,	/* "response written to port: PORT" */
	REPLY_ECHO,	/* the message's own TEXT */
	REPLY_FIXED,	/* a fixed text */
};

struct child_config {
	char		 name[MIPC_NAME_MAX + 1];
	uint32_t	 pid;		/* simulated pid */
	enum reply_kind	 reply;
	char		 reply_text[MIPC_TEXT_MAX + 1];	/* REPLY_FIXED */
	char		 program[MIPC_LINE_MAX + 1];	/* "PATH ARG...": run it instead */
	uint16_t	 forward;	/* non-zero: serve by calling this port */
	int		 no_time;	/* no timestamps and no OS pids in the log */
	const struct load_config *load;	/* non-NULL: run the load generator */
};

/* Runs the simulated process on fd until the kernel closes it; then exits. */
void	child_main(int fd, const struct child_config *cfg);

#endif
