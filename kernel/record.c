/*
 * record.c - the event record: every decision of the kernel, as it happens.
 *
 * An event is written as it is made: a line of the file, buffered with the
 * turn's other lines and written once a turn by the log writer, which never
 * waits; and a line for each monitor whose rules match it, queued on its
 * socket like any output, so a monitor that stops reading is cut off as any
 * client is, and never slows the kernel.  Four events come with every
 * message (request, deliver, reply, answer): they are built on the stack
 * and written without a format, straight into the file's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"
#include "platform.h"
#include "record.h"

void
record_init(struct record *rc, int fd, int no_time, uint64_t seq, int64_t t0_us)
{
	memset(rc, 0, sizeof *rc);
	logw_fd(&rc->w, fd, 0);
	rc->no_time = no_time;
	rc->seq = seq;
	rc->msg_base = seq;
	rc->now_us = plat_now_us();
	rc->t0_us = t0_us != 0 ? t0_us : rc->now_us;
	jbuf_init(&rc->line);
}

void
record_close(struct record *rc)
{
	while (rc->monitors != NULL) {
		struct monitor *m = rc->monitors;
		rc->monitors = m->next;
		free(m);
	}
	logw_close(&rc->w);
	jbuf_free(&rc->line);
	free(rc->ends);
	rc->ends = NULL;
}

void
record_tick(struct record *rc)
{
	rc->now_us = plat_now_us();
}

void
record_flush(struct record *rc)
{
	logw_flush(&rc->w);
}

void
record_begin(struct record *rc, struct event *e, enum ev_kind kind)
{
	event_init(e, 0, kind);
	if (!rc->no_time)
		event_set_time(e, (uint64_t)(rc->now_us - rc->t0_us));
}

uint64_t
record_msg(const struct record *rc, uint64_t id)
{
	return rc->msg_base + id;
}

/* What the monitors' rules ask: names from the kernel, a message's ends
   from the deliveries remembered. */
static const char *
match_name(void *ctx, uint64_t pid)
{
	struct record *rc = ctx;

	return rc->names.name != NULL ? rc->names.name(rc->names.ctx, pid) : NULL;
}

static int
match_ends(void *ctx, uint64_t msg, uint64_t *from, uint64_t *to)
{
	struct record *rc = ctx;
	const struct record_ends *m;

	if (rc->ends == NULL)
		return -1;
	m = &rc->ends[msg % RECORD_ENDS];
	if (m->msg != msg)
		return -1;
	*from = m->from;
	*to = m->to;
	return 0;
}

void
record_ends(struct record *rc, uint64_t msg, uint64_t from, uint64_t to)
{
	/* Without memory for them, rules only miss the replies and drops
	   that name no process. */
	if (rc->ends == NULL &&
	    (rc->ends = calloc(RECORD_ENDS, sizeof *rc->ends)) == NULL)
		return;
	rc->ends[msg % RECORD_ENDS] = (struct record_ends){ msg, from, to };
}

uint64_t
record_emit(struct record *rc, struct event *e)
{
	struct evnames nm = { match_name, match_ends, rc };
	char *p;

	e->seq = ++rc->seq;
	/* Straight into the file's buffer: no copy of a line made elsewhere.
	   Out of memory, the line is lost, said by the gap in seq. */
	if (rc->w.fd != -1 && (p = logw_begin(&rc->w, event_json_size(e))) != NULL)
		logw_end(&rc->w, event_json_at(p, e));
	if (rc->monitors == NULL)
		return e->seq;
	jbuf_reset(&rc->line);
	jbuf_add(&rc->line, "* event ", 8);
	event_json(&rc->line, e);
	if (rc->line.failed)
		return e->seq;
	for (struct monitor *m = rc->monitors; m != NULL; m = m->next)
		if (evrules_match(&m->rules, e, &nm))
			(void)peer_send(m->peer, rc->line.p, rc->line.len);
	return e->seq;
}

int
record_watch(struct record *rc, struct peer *p, const char *rules, size_t n,
    char *err, size_t errsize)
{
	struct monitor *m = calloc(1, sizeof *m);

	if (m == NULL) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	evrules_init(&m->rules);
	if (evrules_parse(&m->rules, rules, n, err, errsize) == -1) {
		free(m);
		return -1;
	}
	record_unwatch(rc, p);	/* a second monitor line replaces the first */
	m->peer = p;
	m->next = rc->monitors;
	rc->monitors = m;
	return 0;
}

void
record_unwatch(struct record *rc, struct peer *p)
{
	for (struct monitor **mm = &rc->monitors; *mm != NULL; mm = &(*mm)->next)
		if ((*mm)->peer == p) {
			struct monitor *m = *mm;
			*mm = m->next;
			free(m);
			return;
		}
}
