/*
 * load.h - the load generator of `mipc bench`.
 *
 * A child that sends messages as fast as its window allows and times each
 * round trip.  It speaks to the kernel (as a simulated process, sending "+ "
 * lines) or, for the floors it is compared with, to a bare relay or straight
 * to an echoing process (plain lines).
 */
#ifndef MIPC_LOAD_H
#define MIPC_LOAD_H

#include <stdint.h>

struct load_config {
	unsigned	 count;		/* round trips timed */
	unsigned	 warmup;	/* round trips before the timing starts */
	unsigned	 window;	/* messages in flight at once */
	unsigned	 size;		/* bytes of TEXT per message */
	int		 via_kernel;	/* send "+ REQ" lines (the link is made already) */
	uint32_t	 pid;		/* its simulated pid */
	uint16_t	 port;		/* the server's port */
	int		 result_fd;	/* where the result line goes */
};

/*
 * Runs the load on fd, then writes two lines to cfg->result_fd and exits:
 *   result n=N errors=E elapsed_us=T p50=A p99=B p999=C all=D
 *   rtt US*COUNT US*COUNT ...
 * (round-trip times in microseconds; D counts the warm-up too; the second
 * line is every timed round trip, in order of time, equal times counted).
 */
void	load_main(int fd, const struct load_config *cfg)
	    __attribute__((noreturn));

/* Answers every line on fd with one short line, until end of file. */
void	load_echo(int fd) __attribute__((noreturn));

#endif
