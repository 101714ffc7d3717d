/*
 * fuzz_route.c - libFuzzer harness for the routing rules.
 *
 * The input is a script for four processes (pids 1 to 4) on a table and a
 * mailbox array of 3 slots and queues of 2, so the edges come quickly.  Each
 * step is one byte of operation and, for a line, the bytes up to the next
 * newline:
 *
 *   0x00-0x3f  process (b & 3) sends the following line
 *   0x40-0x7f  process (b & 3) answers its oldest delivery
 *   0x80-0xbf  the clock moves on by (b & 0x3f) * 100 ms, messages expire
 *   0xc0-0xff  process (b & 3) dies and a new one takes its pid
 *
 * After every step the state must be consistent: the counters agree with the
 * messages, no slot names a dead process, and a port is held by one process.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

static unsigned answers_seen;

static void
sink(void *ctx, const struct fx *fx)
{
	(void)ctx;
	if (fx->text == NULL || fx->text[0] == '\0' || fx->textlen != strlen(fx->text))
		abort();
	if (fx->kind == FX_ANSWER && strncmp(fx->text, "OK", 2) != 0 &&
	    strncmp(fx->text, "ERR ", 4) != 0)
		abort();
	answers_seen++;
}

static void
check(const struct route *r, struct rproc *procs)
{
	unsigned sum = 0, live = 0;

	for (unsigned i = 0; i < r->mb.n; i++) {
		const struct link *l = &r->mb.slot[i];
		sum += l->qlen;
		/* no dropped link left behind, and the index finds each */
		if (l->port == 0 || mbox_find(&r->mb, l->port, l->client) != (int)i)
			abort();
		if (route_proc_find(r, l->server) == NULL ||
		    route_proc_find(r, l->client) == NULL)
			abort();
		/* one server per port */
		for (unsigned j = 0; j < r->mb.n; j++)
			if (r->mb.slot[j].port == l->port && r->mb.slot[j].server != l->server)
				abort();
		int t = ptable_find(&r->pt, l->port);
		if (t >= 0 && r->pt.slot[t].owner != l->server)
			abort();
	}
	for (unsigned i = 0; i < r->pt.nslots; i++)
		if (r->pt.slot[i].port != 0 &&
		    route_proc_find(r, r->pt.slot[i].owner) == NULL)
			abort();
	for (const struct msg *m = r->thead; m != NULL; m = m->tnext)
		live++;
	if (sum != r->inflight || live != r->inflight)
		abort();
	(void)procs;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route r;
	struct route_config cfg = { 3, 2, 1000 };
	struct rproc procs[4];
	struct route_result res;
	int64_t now = 0;

	if (route_init(&r, &cfg, sink, NULL) == -1)
		return 0;
	memset(procs, 0, sizeof procs);
	for (int i = 0; i < 4; i++) {
		procs[i].pid = (uint32_t)i + 1;
		route_proc_add(&r, &procs[i]);
	}
	size_t i = 0;
	while (i < size) {
		uint8_t op = data[i++];
		struct rproc *p = &procs[op & 3];
		if (op < 0x40) {
			size_t start = i;
			while (i < size && data[i] != '\n')
				i++;
			route_line(&r, p, (const char *)data + start, i - start, now, &res);
			if (res.pending == 0 && strncmp(res.text, "OK", 2) != 0 &&
			    strncmp(res.text, "ERR ", 4) != 0)
				abort();
			if (i < size)
				i++;
		} else if (op < 0x80) {
			(void)route_answered(&r, p, (op & 8) ? "fine" : NULL, (op & 8) ? 4 : 0);
		} else if (op < 0xc0) {
			now += (op & 0x3f) * 100;
			route_expire(&r, now);
		} else {
			uint32_t pid = p->pid;
			route_proc_gone(&r, p, "was killed by SIGKILL");
			memset(p, 0, sizeof *p);
			p->pid = pid;
			route_proc_add(&r, p);
		}
		check(&r, procs);
	}
	route_free(&r);
	return 0;
}
