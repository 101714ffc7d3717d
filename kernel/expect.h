/*
 * expect.h - the expect verbs: whether what a scenario expects holds.
 */
#ifndef MIPC_EXPECT_H
#define MIPC_EXPECT_H

#include <stddef.h>

#include "grammar.h"

struct procs;
struct route;

/*
 * Checks the expect cmd against the state: last is the answer to the last
 * line that was not an expect ("" if none).  Returns 1 if it holds, else 0
 * with why (at most whysz bytes) saying what was found instead.  `expect
 * NAME got` starts NAME's record of answers afresh.
 */
int	expect_check(const struct cmd *cmd, const char *last, struct procs *ps,
	    const struct route *r, char *why, size_t whysz);

#endif
