/*
 * show.c - what the console shows of the processes: ps.
 */
#include <stdio.h>

#include "param.h"
#include "proc.h"
#include "serve.h"
#include "show.h"

void
show_ps(struct serve *sv, const struct sproc *self, int no_time,
    void (*line)(void *arg, const char *s), void *arg)
{
	char buf[MIPC_ANSWER_MAX], state[160];
	unsigned nclients = 0;

	line(arg, "NAME              PID         OS PID  STATE");
	for (struct sproc *sp = sv->procs; sp != NULL; sp = sp->next) {
		char name[32], pid[16] = "-", ospid[16] = "-";
		const char *st;
		if (sp->rp.pid != 0)
			snprintf(pid, sizeof pid, "%u", (unsigned)sp->rp.pid);
		if (sp->name == NULL) {
			if (!sp->alive)
				continue;
			nclients++;
			snprintf(name, sizeof name, "client fd %d", sp->peer.fd);
			st = sp == self ? "attached (asking)" : "attached";
		} else {
			const struct child *t = (const struct child *)sp;
			snprintf(name, sizeof name, "%s", t->name);
			if (!no_time)
				snprintf(ospid, sizeof ospid, "%ld", (long)t->ospid);
			st = proc_state(t, state, sizeof state);
		}
		snprintf(buf, sizeof buf, "%-16s  %-11s %-7s %s", name, pid, ospid, st);
		line(arg, buf);
	}
	snprintf(buf, sizeof buf, "%u attached client%s", nclients,
	    nclients == 1 ? "" : "s");
	line(arg, buf);
}
