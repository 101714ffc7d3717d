/*
 * trace.h - the trace: what a run shows its user as it happens.
 *
 * `mipc run` writes it to its standard output; a served kernel to its
 * terminal (an fd), never waiting for whoever reads it.  Every trace line
 * is also a line of kernel.log, which has them all.
 */
#ifndef MIPC_TRACE_H
#define MIPC_TRACE_H

#include <stdarg.h>
#include <stdio.h>

#include "buf.h"

struct logw;

struct trace {
	struct logw	*log;		/* kernel.log */
	FILE		*file;		/* mipc run's stdout; NULL: none */
	int		 fd;		/* a served kernel's; -1: none */
	int		 no_time;	/* no timestamps */
	struct outq	 q;		/* lines waiting for fd */
	unsigned long	 dropped;	/* lines dropped while nobody read fd */
};

void	trace_init(struct trace *t, struct logw *log, FILE *file, int fd, int no_time);
void	trace_free(struct trace *t);
/* Whether there is a trace at all. */
int	trace_on(const struct trace *t);
/* A line for the trace only. */
void	trace_out(struct trace *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A line for the trace and kernel.log. */
void	trace_log(struct trace *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Writes what the trace can take now, without waiting. */
void	trace_flush(struct trace *t);

#endif
