/*
 * spawn.h - making a simulated process: the socketpair, the fork, and what
 * the child starts with.
 */
#ifndef MIPC_SPAWN_H
#define MIPC_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "child.h"

/*
 * Makes the socketpair and forks a child that runs as cfg says, with logfd
 * (the caller's, still open after) as its stdout and stderr: the built-in
 * process, or cfg->program exec'd with the socket as fd 3.  Returns the
 * kernel's end of the socket (non-blocking) and the child's OS pid in
 * *ospid, or -1 with an "ERR ..." answer in ans (ERR ENOENT and the reason
 * for a program that cannot be run).
 */
int	spawn_fork(const struct child_config *cfg, int logfd, pid_t *ospid,
	    char *ans, size_t anssz);

/* Puts back the default action of the signals a kernel catches: a kernel
   does at its end, and a child at its start. */
void	spawn_default_signals(void);

#endif
