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
 * Opens logpath for the child's stdout and stderr, makes the socketpair and
 * forks a child that runs as cfg says.  Returns the kernel's end of the
 * socket (non-blocking) and the child's OS pid in *ospid, or -1 with an
 * "ERR ..." answer in ans.
 */
int	spawn_fork(const struct child_config *cfg, const char *logpath,
	    pid_t *ospid, char *ans, size_t anssz);

/* Puts back the default action of the signals a kernel catches: a kernel
   does at its end, and a child at its start. */
void	spawn_default_signals(void);

#endif
