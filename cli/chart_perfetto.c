/*
 * chart_perfetto.c - a run as Chrome trace-event JSON, which ui.perfetto.dev
 * (and chrome://tracing) opens.
 *
 *   {"traceEvents":[
 *   {"name":"process_name","ph":"M","pid":5678,"args":{"name":"server (5678)"}},
 *   {"name":"#1 hello world","ph":"X","pid":5678,"tid":2,"ts":2131,"dur":267,...},
 *   {"name":"message","cat":"msg","ph":"f","bp":"e","id":1,"pid":5678,...},
 *   ...]}
 *
 * A simulated process is a Perfetto process (its pid is the simulated pid),
 * with two kinds of thread track: "serves", where an X slice runs from a
 * message's deliver to its reply (or its drop), and "sends", where an X
 * slice runs from a request to its answer.  A flow arrow goes from each send
 * slice ('s') to the serve slice of its message ('f', bound to the slice
 * that encloses it: "bp":"e"); each drop is an 'i' instant on its sender.
 *
 * Slices on one thread must nest, and two round trips of one process may
 * overlap without nesting (a pipelined send, a server with two messages
 * queued).  So each kind of track has as many lanes as it needs, a slice
 * going on the first lane free at its start.  Perfetto keeps pids and tids
 * in 32 bits: tids are numbered here, from 1, skipping every simulated pid.
 *
 * Times are microseconds, as the format has them: t_us, or without times
 * the seq (one event, one microsecond).
 */
#include <stdlib.h>
#include <string.h>

#include "chart_run.h"
#include "event.h"

enum role { SERVES, SENDS };

/* One X slice to write. */
struct slice {
	int		 proc;
	enum role	 role;
	uint64_t	 start, end;
	const struct chart_item *it;
	uint32_t	 tid;		/* its lane's thread */
};

/* A lane: a thread of one process for one role. */
struct lane {
	int		 proc;
	enum role	 role;
	int		 nth;		/* 0 for the first lane of its kind */
	uint64_t	 free_at;	/* the end of its last slice */
	uint32_t	 tid;
};

struct pf {
	struct jbuf		*out;
	const struct chart_run	*run;
	struct slice		*slices;
	size_t			 nslices;
	struct lane		*lanes;
	size_t			 nlanes;
	uint32_t		 next_tid;
	int			 first;		/* no event written yet */
};

static int
by_start(const void *x, const void *y)
{
	const struct slice *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->it < b->it ? -1 : a->it > b->it ? 1 : (int)a->role - (int)b->role;
}

static int
pid_used(const struct chart_run *run, uint64_t v)
{
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i].pid == v)
			return 1;
	return 0;
}

/* The thread for a slice of proc in role from start: the first lane of its
   kind that is free by then, or a new one. */
static uint32_t
lane_for(struct pf *p, int proc, enum role role, uint64_t start, uint64_t end)
{
	int nth = 0;

	for (size_t i = 0; i < p->nlanes; i++) {
		struct lane *l = &p->lanes[i];
		if (l->proc != proc || l->role != role)
			continue;
		if (l->free_at <= start) {
			l->free_at = end;
			return l->tid;
		}
		nth++;
	}
	struct lane *l = &p->lanes[p->nlanes++];
	l->proc = proc;
	l->role = role;
	l->nth = nth;
	l->free_at = end;
	do
		l->tid = ++p->next_tid;
	while (pid_used(p->run, l->tid));
	return l->tid;
}

/* Starts an event object: a comma and a newline after the one before. */
static void
pf_begin(struct pf *p, const char *name, size_t n, const char *ph)
{
	struct jbuf *o = p->out;

	/* The array around the events is written by hand, and so are its
	   commas: each object starts its own bookkeeping. */
	if (!p->first)
		jbuf_addc(o, ',');
	jbuf_addc(o, '\n');
	p->first = 0;
	o->depth = 0;
	o->keyed = 0;
	json_object_begin(o);
	json_key(o, "name");
	json_string(o, name, n);
	json_key(o, "ph");
	json_string(o, ph, strlen(ph));
}

static void
pf_where(struct pf *p, int proc, uint32_t tid, uint64_t ts)
{
	json_key(p->out, "pid");
	json_uint(p->out, p->run->procs[proc].pid);
	json_key(p->out, "tid");
	json_uint(p->out, tid);
	json_key(p->out, "ts");
	json_uint(p->out, ts);
}

static void
pf_arg_str(struct pf *p, const char *key, const char *s, size_t n)
{
	json_key(p->out, key);
	json_string(p->out, s, n);
}

static void
pf_arg_uint(struct pf *p, const char *key, uint64_t v)
{
	json_key(p->out, key);
	json_uint(p->out, v);
}

/* The metadata: names and places of the processes and their threads. */
static void
pf_names(struct pf *p)
{
	const struct chart_run *run = p->run;
	struct jbuf label;

	jbuf_init(&label);
	for (size_t i = 0; i < run->nprocs; i++) {
		if (run->procs[i].col < 0)
			continue;
		label.len = 0;
		chart_proc_label(run, (int)i, &label);
		pf_begin(p, "process_name", 12, "M");
		json_key(p->out, "pid");
		json_uint(p->out, run->procs[i].pid);
		json_key(p->out, "args");
		json_object_begin(p->out);
		pf_arg_str(p, "name", label.p, label.len);
		json_object_end(p->out);
		json_object_end(p->out);
		pf_begin(p, "process_sort_index", 18, "M");
		json_key(p->out, "pid");
		json_uint(p->out, run->procs[i].pid);
		json_key(p->out, "args");
		json_object_begin(p->out);
		pf_arg_uint(p, "sort_index", (uint64_t)run->procs[i].col);
		json_object_end(p->out);
		json_object_end(p->out);
	}
	for (size_t i = 0; i < p->nlanes; i++) {
		const struct lane *l = &p->lanes[i];
		label.len = 0;
		jbuf_adds(&label, l->role == SERVES ? "serves" : "sends");
		if (l->nth > 0) {
			jbuf_addc(&label, ' ');
			jbuf_uint(&label, (uint64_t)l->nth + 1);
		}
		for (int k = 0; k < 2; k++) {
			pf_begin(p, k == 0 ? "thread_name" : "thread_sort_index",
			    k == 0 ? 11 : 17, "M");
			json_key(p->out, "pid");
			json_uint(p->out, run->procs[l->proc].pid);
			json_key(p->out, "tid");
			json_uint(p->out, l->tid);
			json_key(p->out, "args");
			json_object_begin(p->out);
			if (k == 0)
				pf_arg_str(p, "name", label.p, label.len);
			else
				pf_arg_uint(p, "sort_index",
				    (uint64_t)l->role * 100 + (uint64_t)l->nth);
			json_object_end(p->out);
			json_object_end(p->out);
		}
	}
	jbuf_free(&label);
}

static void
pf_slice(struct pf *p, const struct slice *s)
{
	const struct chart_item *it = s->it;
	const struct chart_run *run = p->run;
	struct jbuf name;

	jbuf_init(&name);
	if (s->role == SERVES) {
		jbuf_addc(&name, '#');
		jbuf_uint(&name, it->msg);
		jbuf_addc(&name, ' ');
		jbuf_add(&name, it->text, it->n);
	} else if (it->what == CI_MSG || it->what == CI_DROP) {
		jbuf_adds(&name, "send #");
		jbuf_uint(&name, it->msg);
		if (it->b >= 0) {
			jbuf_adds(&name, " to ");
			chart_proc_name(run, it->b, &name);
		} else {
			jbuf_adds(&name, " to port ");
			jbuf_uint(&name, it->port);
		}
	} else {
		chart_request_words(it, &name);
		jbuf_add(&name, ": ", 2);
		if (it->what == CI_WAIT)
			jbuf_adds(&name, "no answer");
		else
			jbuf_add(&name, it->text, it->n);
	}
	pf_begin(p, name.p, name.len, "X");
	json_key(p->out, "cat");
	json_string(p->out, s->role == SERVES ? "serve" : "send", s->role == SERVES ? 5 : 4);
	pf_where(p, s->proc, s->tid, s->start);
	json_key(p->out, "dur");
	json_uint(p->out, s->end - s->start);
	json_key(p->out, "args");
	json_object_begin(p->out);
	pf_arg_uint(p, "seq", s->role == SERVES ? it->seq : it->s_req);
	if (it->what == CI_MSG || it->what == CI_DROP)
		pf_arg_uint(p, "msg", it->msg);
	if (it->nline > 0)
		pf_arg_str(p, "line", it->line, it->nline);
	if (it->what == CI_MSG) {
		pf_arg_str(p, "text", it->text, it->n);
		pf_arg_uint(p, "port", it->port);
		if (it->nreply > 0 || it->has_end)
			pf_arg_str(p, "reply", it->reply, it->nreply);
	}
	if (it->what == CI_NOTE || it->what == CI_FAIL)
		pf_arg_str(p, "answer", it->text, it->n);
	if (!it->has_ans && s->role == SENDS)
		pf_arg_str(p, "answer", "(none in the record)", 20);
	json_object_end(p->out);
	json_object_end(p->out);
	jbuf_free(&name);
}

/* A flow's end ('s' or 'f') inside the slice s. */
static void
pf_flow(struct pf *p, const struct slice *s, const char *ph)
{
	pf_begin(p, "message", 7, ph);
	json_key(p->out, "cat");
	json_string(p->out, "msg", 3);
	json_key(p->out, "id");
	json_uint(p->out, s->it->msg);
	if (ph[0] == 'f') {
		json_key(p->out, "bp");
		json_string(p->out, "e", 1);
	}
	/* Inside the slice, not on its edge, so that it is the enclosing one
	   whichever way a reader orders events of the same time. */
	pf_where(p, s->proc, s->tid, s->start + (s->end - s->start) / 2);
	json_object_end(p->out);
}

/* An instant: scope "t" (its thread), "p" (its process) or "g" (all). */
static void
pf_instant(struct pf *p, const char *name, size_t n, int proc, uint32_t tid,
    uint64_t ts, const char *scope, const struct chart_item *it)
{
	pf_begin(p, name, n, "i");
	json_key(p->out, "s");
	json_string(p->out, scope, 1);
	if (proc >= 0) {
		pf_where(p, proc, tid, ts);
	} else {
		json_key(p->out, "pid");
		json_uint(p->out, 0);
		json_key(p->out, "ts");
		json_uint(p->out, ts);
	}
	if (it != NULL) {
		json_key(p->out, "args");
		json_object_begin(p->out);
		pf_arg_uint(p, "seq", it->seq);
		if (it->what == CI_DROP) {
			pf_arg_uint(p, "msg", it->msg);
			pf_arg_uint(p, "port", it->port);
			pf_arg_str(p, "reason", it->reason, strlen(it->reason));
		}
		json_object_end(p->out);
	}
	json_object_end(p->out);
}

/* The thread an instant of proc goes on: its first sends lane, or a new one. */
static uint32_t
pf_any_lane(struct pf *p, int proc)
{
	for (size_t i = 0; i < p->nlanes; i++)
		if (p->lanes[i].proc == proc && p->lanes[i].role == SENDS)
			return p->lanes[i].tid;
	return lane_for(p, proc, SENDS, 0, 0);
}

int
chart_perfetto(const struct chart_run *run, struct jbuf *out)
{
	struct pf p;
	struct jbuf w;

	memset(&p, 0, sizeof p);
	p.out = out;
	p.run = run;
	p.first = 1;
	/* At most two slices an item, and a lane for each at worst, plus one
	   lane a process for its instants. */
	p.slices = calloc(2 * run->nitems + 1, sizeof *p.slices);
	p.lanes = calloc(2 * run->nitems + run->nprocs + 1, sizeof *p.lanes);
	if (p.slices == NULL || p.lanes == NULL) {
		free(p.slices);
		free(p.lanes);
		out->failed = 1;
		return 0;
	}
	for (size_t i = 0; i < run->nitems; i++) {
		const struct chart_item *it = &run->items[i];
		if (!it->shown)
			continue;
		if (it->what == CI_MSG) {
			struct slice *s = &p.slices[p.nslices++];
			s->proc = it->b;
			s->role = SERVES;
			s->start = it->t;
			s->end = it->has_end ? it->t_end : run->last_t;
			s->it = it;
		}
		if ((it->what == CI_MSG || it->what == CI_DROP) && !it->has_req)
			continue;	/* no request of its in the record */
		if (it->what == CI_MSG || it->what == CI_DROP || it->what == CI_NOTE ||
		    it->what == CI_FAIL || it->what == CI_WAIT) {
			struct slice *s = &p.slices[p.nslices++];
			s->proc = it->a;
			s->role = SENDS;
			s->start = it->t_req;
			s->end = it->has_ans ? it->t_ans : it->has_end ? it->t_end :
			    run->last_t;
			if (s->end < s->start)
				s->end = s->start;
			s->it = it;
		}
	}
	qsort(p.slices, p.nslices, sizeof *p.slices, by_start);
	for (size_t i = 0; i < p.nslices; i++) {
		struct slice *s = &p.slices[i];
		s->tid = lane_for(&p, s->proc, s->role, s->start, s->end);
	}
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i].col >= 0)
			(void)pf_any_lane(&p, (int)i);

	jbuf_adds(out, "{\"traceEvents\":[");
	pf_names(&p);
	for (size_t i = 0; i < p.nslices; i++)
		pf_slice(&p, &p.slices[i]);
	/* The flows: a message's send slice to its serve slice. */
	const struct slice **send = calloc(run->nitems + 1, sizeof *send);
	if (send == NULL)
		out->failed = 1;
	for (size_t i = 0; send != NULL && i < p.nslices; i++)
		if (p.slices[i].role == SENDS)
			send[p.slices[i].it - run->items] = &p.slices[i];
	for (size_t i = 0; send != NULL && i < p.nslices; i++) {
		const struct slice *s = &p.slices[i];
		if (s->role == SERVES && send[s->it - run->items] != NULL) {
			pf_flow(&p, send[s->it - run->items], "s");
			pf_flow(&p, s, "f");
		}
	}
	free(send);
	jbuf_init(&w);
	for (size_t i = 0; i < run->nitems; i++) {
		const struct chart_item *it = &run->items[i];
		if (!it->shown)
			continue;
		w.len = 0;
		switch (it->what) {
		case CI_DROP:
			jbuf_adds(&w, "drop #");
			jbuf_uint(&w, it->msg);
			jbuf_addc(&w, ' ');
			jbuf_adds(&w, it->code);
			pf_instant(&p, w.p, w.len, it->a, pf_any_lane(&p, it->a), it->t,
			    "t", it);
			break;
		case CI_SPAWN:
		case CI_EXIT:
			if (it->what == CI_SPAWN)
				jbuf_adds(&w, "spawned");
			else
				jbuf_add(&w, it->text, it->n);
			pf_instant(&p, w.p, w.len, it->a, pf_any_lane(&p, it->a), it->t,
			    "p", it);
			break;
		case CI_DEADLOCK:
			pf_instant(&p, it->text, it->n, -1, 0, it->t, "g", it);
			break;
		default:
			break;
		}
	}
	if (run->cut_short) {
		static const char says[] = "the record ends here, with no stop event";
		pf_instant(&p, says, sizeof says - 1, -1, 0, run->last_t, "g", NULL);
	}
	jbuf_adds(out, "\n]}\n");
	if (w.failed)
		out->failed = 1;
	jbuf_free(&w);
	free(p.slices);
	free(p.lanes);
	return 0;
}
