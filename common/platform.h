/*
 * platform.h - the few things that differ between macOS, the BSDs and Linux.
 *
 * Everything system-specific outside the event backends lives in platform.c;
 * the rest of microipc is plain POSIX.
 */
#ifndef MIPC_PLATFORM_H
#define MIPC_PLATFORM_H

#include <stdint.h>
#include <sys/types.h>

/* Milliseconds on a clock that never jumps. */
int64_t	plat_now_ms(void);
/* Microseconds on the same clock. */
int64_t	plat_now_us(void);
/* Makes fd non-blocking and close-on-exec.  Returns 0 or -1. */
int	plat_nonblock(int fd);
/* A pipe whose two ends are non-blocking and close-on-exec.  Returns 0 or -1. */
int	plat_pipe(int fds[2]);
/* The effective uid of the process at the other end of a Unix socket. */
int	plat_peer_uid(int fd, uid_t *uid);
/* Keeps this process (and the children it forks) on one CPU.  Returns 0, or
   -1 where the system cannot. */
int	plat_pin_cpu(int cpu);
/* How many CPUs this process may run on (its affinity, where the system
   says; else the CPUs online), at least 1. */
int	plat_cpus(void);
/* The peak resident memory of this process, in KiB. */
long	plat_peak_rss_kib(void);
/* Closes every descriptor from 3 up, except the n listed in keep. */
void	plat_close_from3(const int *keep, int n);

/*
 * Process titles, as ps shows them.  main() calls plat_save_argv() first
 * thing, before anything reads argv: it moves the arguments (argv[i] then
 * points at copies) and the environment elsewhere, so that the memory they
 * were in, which ps reads, can hold a title.  plat_set_title() then writes
 * one there ("mipc: server (pid 5678)"), cut to the room there is (the
 * length of the original command line and environment).  On Linux it sets
 * the short name that ps, ps -e, top and pgrep show as well: the title's
 * first word after its first ": " ("server"), at most 15 bytes.  Without
 * plat_save_argv(), plat_set_title() sets only that short name.
 */
void	plat_save_argv(int argc, char **argv);
void	plat_set_title(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
