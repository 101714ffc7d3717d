/*
 * show.h - what the console shows of the processes: ps.
 */
#ifndef MIPC_SHOW_H
#define MIPC_SHOW_H

struct serve;
struct sproc;

/*
 * Lists the processes, children and attached clients, in the order they
 * came, a dead child with why it died, then how many clients are attached:
 * one call of line per line.  self, the client asking, is marked.
 */
void	show_ps(struct serve *sv, const struct sproc *self, int no_time,
	    void (*line)(void *arg, const char *s), void *arg);

#endif
