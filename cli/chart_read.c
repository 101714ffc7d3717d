/*
 * chart_read.c - a run's event record read into the run mipc chart draws.
 *
 * The record is read whole into a struct chart_run (chart_run.h): one
 * lifeline per process in the order they appeared, and the items a chart
 * shows, each at the event it is drawn at.  A delivered message is matched
 * with the request that sent it (the oldest unanswered plain send of its
 * sender to its port with its text), so that the request's answer is not
 * drawn twice and Perfetto can draw the whole round trip.  --from, --to and
 * --match pick items by that event.
 *
 * A record that is not one (another program's file, a line that is not an
 * event, a last line cut short) is refused with its file and line.  A record
 * that just stops, with no stop event (the run was killed, or still runs),
 * is read as far as it goes, and marked so.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_run.h"
#include "log.h"
#include "request.h"

#define CHART_LINE_MAX	(64 * 1024)	/* longer is no line of an event record */

/* Texts the items point to, in blocks freed together. */
struct chart_arena {
	struct chart_arena *next;
	size_t		 used, cap;
	char		 data[];
};

static void *
arena_alloc(struct chart_run *run, size_t n)
{
	struct chart_arena *a = run->arena;

	n = (n + 7) & ~(size_t)7;
	if (a == NULL || a->cap - a->used < n) {
		size_t cap = n > 60000 ? n : 60000;
		if ((a = malloc(sizeof *a + cap)) == NULL)
			mipc_die(1, "out of memory");
		a->next = run->arena;
		a->used = 0;
		a->cap = cap;
		run->arena = a;
	}
	void *p = a->data + a->used;
	a->used += n;
	return p;
}

/* A NUL-terminated copy of s[0..n) that lives as long as the run. */
static const char *
keep(struct chart_run *run, const char *s, size_t n)
{
	char *p = arena_alloc(run, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A map from numbers to indexes: message ids, ports. */
struct u64map {
	uint64_t	*key;
	long		*val;
	size_t		 n, cap;
};

static size_t
map_slot(const struct u64map *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (m->cap - 1);

	while (m->val[i] != -1 && m->key[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static long
map_get(const struct u64map *m, uint64_t key)
{
	return m->cap == 0 ? -1 : m->val[map_slot(m, key)];
}

static void
map_put(struct u64map *m, uint64_t key, long val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct u64map big = { NULL, NULL, 0, m->cap ? m->cap * 2 : 256 };
		big.key = malloc(big.cap * sizeof *big.key);
		big.val = malloc(big.cap * sizeof *big.val);
		if (big.key == NULL || big.val == NULL)
			mipc_die(1, "out of memory");
		for (size_t i = 0; i < big.cap; i++)
			big.val[i] = -1;
		for (size_t i = 0; i < m->cap; i++)
			if (m->val[i] != -1)
				map_put(&big, m->key[i], m->val[i]);
		free(m->key);
		free(m->val);
		*m = big;
	}
	size_t i = map_slot(m, key);
	if (m->val[i] == -1)
		m->n++;
	m->key[i] = key;
	m->val[i] = val;
}

static void
map_free(struct u64map *m)
{
	free(m->key);
	free(m->val);
}

/* A request line, and what became of it. */
struct req {
	uint64_t	 seq, t;
	int		 proc;
	enum req_op	 op;
	int		 is_request;	/* a request, not a console verb */
	uint16_t	 port;
	const char	*line, *text;
	size_t		 nline, ntext;
	long		 item;		/* the message or drop it became, or -1 */
	int		 answered;
	int		 shown;		/* its event is picked */
};

/* What reading needs on the way, and throws away after. */
struct reading {
	struct chart_run *run;
	const struct chart_opts *o;
	struct evbook	 book;
	struct req	*reqs;
	size_t		 nreqs, capreqs;
	size_t		 oldest_open;	/* no request before it is unanswered */
	struct u64map	 msgs;		/* msg -> its CI_MSG or CI_DROP item */
	struct u64map	 owners;	/* port -> the proc that holds it */
	struct u64map	 procs;		/* pid -> proc */
	size_t		 capitems, capprocs;
	unsigned long	 orphans;	/* replies and drops of messages not in it */
	unsigned long	 timed;
};

void
chart_request_words(const struct chart_item *it, struct jbuf *b)
{
	switch (it->op) {
	case REQ_CREATE:	jbuf_adds(b, "register "); break;
	case REQ_REMOVE:	jbuf_adds(b, "remove "); break;
	case REQ_SEND:		jbuf_adds(b, "send to "); break;
	default:
		jbuf_add(b, it->line, it->nline);
		return;
	}
	jbuf_uint(b, it->port);
}

void
chart_proc_name(const struct chart_run *run, int proc, struct jbuf *b)
{
	const struct chart_proc *p = &run->procs[proc];

	if (p->name != NULL) {
		jbuf_adds(b, p->name);
	} else {
		jbuf_adds(b, "pid ");
		jbuf_uint(b, p->pid);
	}
}

void
chart_proc_label(const struct chart_run *run, int proc, struct jbuf *b)
{
	const struct chart_proc *p = &run->procs[proc];

	chart_proc_name(run, proc, b);
	if (p->name != NULL) {
		jbuf_add(b, " (", 2);
		jbuf_uint(b, p->pid);
		jbuf_addc(b, ')');
	}
}

/* The proc of pid, added (with its name, if given) the first time. */
static int
proc_of(struct reading *rd, uint64_t pid, const char *name, size_t n)
{
	struct chart_run *run = rd->run;
	long i = map_get(&rd->procs, pid);

	if (i == -1) {
		if (run->nprocs == rd->capprocs) {
			rd->capprocs = rd->capprocs ? rd->capprocs * 2 : 16;
			run->procs = realloc(run->procs, rd->capprocs * sizeof *run->procs);
			if (run->procs == NULL)
				mipc_die(1, "out of memory");
		}
		i = (long)run->nprocs++;
		run->procs[i].pid = pid;
		run->procs[i].name = NULL;
		run->procs[i].col = -1;
		map_put(&rd->procs, pid, i);
	}
	/* A name with a NUL in it is no name: it would not print whole. */
	if (name != NULL && run->procs[i].name == NULL && n > 0 &&
	    memchr(name, '\0', n) == NULL)
		run->procs[i].name = (char *)keep(run, name, n);
	return (int)i;
}

static struct chart_item *
add_item(struct reading *rd, enum chart_what what, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;

	if (run->nitems == rd->capitems) {
		rd->capitems = rd->capitems ? rd->capitems * 2 : 256;
		run->items = realloc(run->items, rd->capitems * sizeof *run->items);
		if (run->items == NULL)
			mipc_die(1, "out of memory");
	}
	struct chart_item *it = &run->items[run->nitems++];
	memset(it, 0, sizeof *it);
	it->what = what;
	it->seq = e->seq;
	it->t = e->has_time ? e->t_us : e->seq;
	it->a = it->b = -1;
	it->shown = shown;
	it->text = it->line = it->code = it->reason = it->reply = "";
	it->op = -1;
	return it;
}

/* The request seq, or NULL: they are in seq order. */
static struct req *
req_by_seq(struct reading *rd, uint64_t seq)
{
	size_t lo = 0, hi = rd->nreqs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rd->reqs[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rd->nreqs && rd->reqs[lo].seq == seq ? &rd->reqs[lo] : NULL;
}

/* The oldest unanswered send of proc to port (with that text, if text is
   not NULL) that is no message yet. */
static struct req *
req_open_send(struct reading *rd, int proc, uint64_t port, const char *text,
    size_t n)
{
	while (rd->oldest_open < rd->nreqs && rd->reqs[rd->oldest_open].answered)
		rd->oldest_open++;
	for (size_t i = rd->oldest_open; i < rd->nreqs; i++) {
		struct req *q = &rd->reqs[i];
		if (q->answered || q->item != -1 || q->op != REQ_SEND ||
		    !q->is_request || q->proc != proc || q->port != port)
			continue;
		if (text == NULL || (q->ntext == n && memcmp(q->text, text, n) == 0))
			return q;
	}
	return NULL;
}

static void
on_request(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	const char *line = "", *name = NULL;
	size_t nline = 0, nname = 0;
	uint64_t pid = 0;
	struct request rq;
	char why[128];

	(void)event_uint(e, "pid", &pid);
	(void)event_str(e, "line", &line, &nline);
	(void)event_str(e, "name", &name, &nname);
	if (rd->nreqs == rd->capreqs) {
		rd->capreqs = rd->capreqs ? rd->capreqs * 2 : 64;
		if ((rd->reqs = realloc(rd->reqs, rd->capreqs * sizeof *rd->reqs)) == NULL)
			mipc_die(1, "out of memory");
	}
	struct req *q = &rd->reqs[rd->nreqs++];
	memset(q, 0, sizeof *q);
	q->seq = e->seq;
	q->t = e->has_time ? e->t_us : e->seq;
	q->proc = proc_of(rd, pid, name, nname);
	q->line = keep(run, line, nline);
	q->nline = nline;
	q->text = "";
	q->item = -1;
	q->shown = shown;
	q->is_request = req_is_request(line, nline) &&
	    req_parse(line, nline, &rq, why, sizeof why) == E_OK;
	if (q->is_request) {
		q->op = rq.op;
		q->port = rq.port;
		q->text = keep(run, rq.text, rq.len);
		q->ntext = rq.len;
	}
}

/* Whether s (n bytes) starts with the word w. */
static int
starts(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && memcmp(s, w, k) == 0 && (n == k || s[k] == ' ');
}

static void
on_answer(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	const char *text = "";
	size_t n = 0;
	uint64_t re = 0;

	(void)event_uint(e, "re", &re);
	(void)event_str(e, "text", &text, &n);
	struct req *q = req_by_seq(rd, re);
	if (q == NULL || q->answered)
		return;		/* its request is not in this record */
	q->answered = 1;
	uint64_t t = e->has_time ? e->t_us : e->seq;
	if (q->item != -1) {
		/* A message (or a drop): its answer is part of its round trip. */
		struct chart_item *m = &run->items[q->item];
		m->t_ans = t;
		m->s_ans = e->seq;
		m->has_ans = 1;
		return;
	}
	int err = starts(text, n, "ERR");
	int linked = starts(text, n, "OK") && n > 10 && memcmp(text, "OK linked ", 10) == 0;
	if (!err && !(q->is_request && (q->op != REQ_SEND || linked)))
		return;		/* a console verb's OK, or a send seen elsewhere */
	struct chart_item *it = add_item(rd, err ? CI_FAIL : CI_NOTE, e, shown || q->shown);
	it->a = q->proc;
	it->port = q->port;
	it->op = q->is_request ? (int)q->op : -1;
	it->t_req = q->t;
	it->s_req = q->seq;
	it->has_req = 1;
	it->t_ans = t;
	it->s_ans = e->seq;
	it->has_ans = 1;
	it->line = q->line;
	it->nline = q->nline;
	it->bad = err;
	if (!err && n > 3) {
		text += 3;	/* "OK " */
		n -= 3;
	}
	it->text = keep(run, text, n);
	it->n = n;
	if (!err && q->op == REQ_CREATE)
		map_put(&rd->owners, q->port, q->proc);
	if (linked) {
		long owner = map_get(&rd->owners, q->port);
		if (owner != -1 && owner != q->proc)
			it->b = (int)owner;
	}
}

static void
on_deliver(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	uint64_t msg = 0, from = 0, to = 0, port = 0;
	const char *text = "";
	size_t n = 0;

	(void)event_uint(e, "msg", &msg);
	(void)event_uint(e, "from", &from);
	(void)event_uint(e, "to", &to);
	(void)event_uint(e, "port", &port);
	(void)event_str(e, "text", &text, &n);
	int a = proc_of(rd, from, NULL, 0), b = proc_of(rd, to, NULL, 0);
	struct req *q = req_open_send(rd, a, port, text, n);
	struct chart_item *it = add_item(rd, CI_MSG, e, shown);
	it->a = a;
	it->b = b;
	it->msg = msg;
	it->port = port;
	it->text = keep(run, text, n);
	it->n = n;
	it->t_req = it->t;
	it->s_req = it->seq;
	it->op = REQ_SEND;
	if (q != NULL) {
		q->item = (long)(it - run->items);
		it->t_req = q->t;
		it->s_req = q->seq;
		it->has_req = 1;
		it->line = q->line;
		it->nline = q->nline;
	}
	map_put(&rd->msgs, msg, (long)(it - run->items));
	map_put(&rd->owners, port, b);
}

static void
on_reply(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	uint64_t msg = 0;
	const char *text = "";
	size_t n = 0;

	(void)event_uint(e, "msg", &msg);
	(void)event_str(e, "text", &text, &n);
	long m = map_get(&rd->msgs, msg);
	if (m == -1 || run->items[m].what != CI_MSG || run->items[m].has_end) {
		rd->orphans++;
		return;
	}
	struct chart_item *it = add_item(rd, CI_REPLY, e, shown);
	struct chart_item *mi = &run->items[m];	/* after add_item: it may move */
	it->a = mi->a;
	it->b = mi->b;
	it->msg = msg;
	it->port = mi->port;
	it->text = keep(run, text, n);
	it->n = n;
	it->bad = starts(text, n, "ERR");	/* an error reply: the sender's answer */
	mi->t_end = it->t;
	mi->s_end = it->seq;
	mi->has_end = 1;
	mi->reply = it->text;
	mi->nreply = n;
}

static void
on_drop(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	uint64_t msg = 0, from = 0, port = 0;
	const char *code = "", *reason = "";
	size_t ncode = 0, nreason = 0;

	(void)event_uint(e, "msg", &msg);
	(void)event_uint(e, "from", &from);
	(void)event_uint(e, "port", &port);
	(void)event_str(e, "code", &code, &ncode);
	(void)event_str(e, "reason", &reason, &nreason);
	int a = proc_of(rd, from, NULL, 0);
	long m = map_get(&rd->msgs, msg);
	if (m != -1 && (run->items[m].what != CI_MSG || run->items[m].has_end)) {
		rd->orphans++;	/* a second end: the record is not the kernel's */
		return;
	}
	struct chart_item *it = add_item(rd, CI_DROP, e, shown);
	it->a = a;
	it->msg = msg;
	it->port = port;
	it->op = REQ_SEND;
	it->code = keep(run, code, ncode);
	it->reason = keep(run, reason, nreason);
	it->bad = 1;
	it->t_req = it->t;
	it->s_req = it->seq;
	if (m != -1) {
		/* Delivered, and then its server died or did not answer. */
		struct chart_item *mi = &run->items[m];
		it->b = mi->b;
		it->text = mi->text;
		it->n = mi->n;
		mi->t_end = it->t;
		mi->s_end = it->seq;
		mi->has_end = 1;
		return;
	}
	long owner = map_get(&rd->owners, port);
	it->b = owner == -1 ? -1 : (int)owner;
	struct req *q = req_open_send(rd, a, port, NULL, 0);
	if (q != NULL) {
		q->item = (long)(it - run->items);
		it->t_req = q->t;
		it->s_req = q->seq;
		it->has_req = 1;
		it->line = q->line;
		it->nline = q->nline;
		it->text = q->text;
		it->n = q->ntext;
	}
	map_put(&rd->msgs, msg, (long)(it - run->items));
}

static void
on_deadlock(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	const struct evfield *f = event_get(e, "cycle");
	struct jbuf b;

	if (f == NULL || f->type != EVF_UINTS || f->n == 0)
		return;
	int *cycle = arena_alloc(run, f->n * sizeof *cycle);
	for (size_t i = 0; i < f->n; i++)
		cycle[i] = proc_of(rd, f->v[i], NULL, 0);
	struct chart_item *it = add_item(rd, CI_DEADLOCK, e, shown);
	it->cycle = cycle;
	it->ncycle = f->n;
	it->a = cycle[0];
	it->bad = 1;
	jbuf_init(&b);
	jbuf_adds(&b, "deadlock: ");
	for (size_t i = 0; i <= f->n; i++) {
		if (i > 0)
			jbuf_add(&b, " -> ", 4);
		chart_proc_name(run, cycle[i % f->n], &b);
	}
	if (b.failed)
		mipc_die(1, "out of memory");
	it->text = keep(run, b.p, b.len);
	it->n = b.len;
	jbuf_free(&b);
}

static void
on_event(struct reading *rd, const struct event *e, int shown)
{
	struct chart_run *run = rd->run;
	struct chart_item *it;
	const char *s = "";
	size_t n = 0;
	uint64_t pid = 0;

	switch (e->kind) {
	case EV_SPAWN:
	case EV_EXIT:
		(void)event_uint(e, "pid", &pid);
		(void)event_str(e, "name", &s, &n);
		int p = proc_of(rd, pid, s, n);
		it = add_item(rd, e->kind == EV_SPAWN ? CI_SPAWN : CI_EXIT, e, shown);
		it->a = p;
		if (e->kind == EV_EXIT && event_str(e, "how", &s, &n)) {
			it->text = keep(run, s, n);
			it->n = n;
			it->bad = !(n == 20 && memcmp(s, "exited with status 0", 20) == 0);
		}
		break;
	case EV_REQUEST:	on_request(rd, e, shown); break;
	case EV_ANSWER:		on_answer(rd, e, shown); break;
	case EV_DELIVER:	on_deliver(rd, e, shown); break;
	case EV_REPLY:		on_reply(rd, e, shown); break;
	case EV_DROP:		on_drop(rd, e, shown); break;
	case EV_DEADLOCK:	on_deadlock(rd, e, shown); break;
	case EV_STOP:		break;
	default:		break;	/* notices, and kinds of later versions */
	}
	/* Whole if it ends with a stop: a run of several files has a stop
	   after each, and one killed in its second file is cut short. */
	run->whole = e->kind == EV_STOP;
}

/* Items in the order of the events they are drawn at; those made at the
   same event keep the order they were made in. */
static int
by_seq(const void *x, const void *y)
{
	const struct chart_item *a = x, *b = y;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Reads lines of at most CHART_LINE_MAX bytes, whatever bytes they hold. */
struct lines {
	FILE		*f;
	char		*buf;
	size_t		 start, len, cap;
	int		 eof;
};

/* The next line: 1 (whole: it ended in a newline), 0 at the end, -1 on a
   read error (errno), -2 for a line too long. */
static int
next_line(struct lines *l, const char **line, size_t *n, int *whole)
{
	for (;;) {
		char *nl = l->len > l->start ?
		    memchr(l->buf + l->start, '\n', l->len - l->start) : NULL;
		if (nl != NULL) {
			*line = l->buf + l->start;
			*n = (size_t)(nl - *line);
			*whole = 1;
			l->start += *n + 1;
			return 1;
		}
		if (l->len - l->start > CHART_LINE_MAX)
			return -2;
		if (l->eof) {
			if (l->len == l->start)
				return 0;
			*line = l->buf + l->start;
			*n = l->len - l->start;
			*whole = 0;
			l->start = l->len;
			return 1;
		}
		memmove(l->buf, l->buf + l->start, l->len - l->start);
		l->len -= l->start;
		l->start = 0;
		size_t got = fread(l->buf + l->len, 1, l->cap - l->len, l->f);
		l->len += got;
		if (got == 0) {
			if (ferror(l->f))
				return -1;
			l->eof = 1;
		}
	}
}

void
chart_free(struct chart_run *run)
{
	while (run->arena != NULL) {
		struct chart_arena *next = run->arena->next;
		free(run->arena);
		run->arena = next;
	}
	free(run->procs);
	free(run->items);
	memset(run, 0, sizeof *run);
}

int
chart_read(struct chart_run *run, const char *path, const struct chart_opts *o)
{
	static struct reading rd;	/* its book is big: not on the stack */
	struct lines l;
	struct json_doc d;
	struct event e;
	char err[256];
	const char *line;
	size_t n;
	int whole, r, status = 0;
	unsigned long lineno = 0;
	struct stat st;

	memset(run, 0, sizeof *run);
	run->path = path;
	memset(&rd, 0, sizeof rd);
	rd.run = run;
	rd.o = o;
	evbook_init(&rd.book);
	memset(&l, 0, sizeof l);
	if (strcmp(path, "-") == 0)
		l.f = stdin;
	else if ((l.f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "mipc: cannot read %s: %s%s\n", path, strerror(errno),
		    errno == ENOENT ? " (run a scenario first, or name the record: "
		    "mipc chart FILE)" : "");
		return 2;
	}
	if (fstat(fileno(l.f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mipc: %s is a directory, not an event record\n", path);
		fclose(l.f);
		return 2;
	}
	l.cap = 2 * CHART_LINE_MAX + 2;
	if ((l.buf = malloc(l.cap)) == NULL)
		mipc_die(1, "out of memory");
	json_doc_init(&d);
	struct evnames nm = evbook_names(&rd.book);
	uint64_t prev = 0;
	while ((r = next_line(&l, &line, &n, &whole)) == 1) {
		lineno++;
		if (n == 0 && whole) {
			fprintf(stderr, "mipc: %s:%lu: an empty line, not an event\n",
			    path, lineno);
			status = 2;
			break;
		}
		if (event_parse(&e, &d, line, n, err, sizeof err) == -1) {
			if (!whole)
				fprintf(stderr, "mipc: %s:%lu: the last line is cut short "
				    "(the file ends in the middle of it): %s\n", path,
				    lineno, err);
			else if (lineno == 1)
				fprintf(stderr, "mipc: %s:1: not an event record (one "
				    "JSON event a line): %s\n", path, err);
			else
				fprintf(stderr, "mipc: %s:%lu: not an event: %s\n", path,
				    lineno, err);
			status = 2;
			break;
		}
		const char *missing = event_missing(&e);
		if (missing != NULL) {
			fprintf(stderr, "mipc: %s:%lu: a %s event without \"%s\"\n", path,
			    lineno, e.ev, missing);
			status = 2;
			break;
		}
		if (run->nevents > 0 && e.seq <= prev) {
			fprintf(stderr, "mipc: %s:%lu: seq %llu after seq %llu: the "
			    "events are out of order\n", path, lineno,
			    (unsigned long long)e.seq, (unsigned long long)prev);
			status = 2;
			break;
		}
		if (run->nevents++ == 0)
			run->first_seq = e.seq;
		prev = run->last_seq = e.seq;
		run->last_t = e.has_time ? e.t_us : e.seq;
		rd.timed += e.has_time;
		if (evbook_learn(&rd.book, &e) == -1)
			mipc_die(1, "out of memory");
		int shown = (o->from == 0 || e.seq >= o->from) &&
		    (o->to == 0 || e.seq <= o->to) && evrules_match(o->match, &e, &nm);
		on_event(&rd, &e, shown);
	}
	if (r == -1) {
		fprintf(stderr, "mipc: cannot read %s: %s\n", path, strerror(errno));
		status = 2;
	} else if (r == -2) {
		fprintf(stderr, "mipc: %s:%lu: a line longer than %d bytes: not an "
		    "event record\n", path, lineno + 1, CHART_LINE_MAX);
		status = 2;
	}
	if (l.f != stdin)
		fclose(l.f);
	free(l.buf);
	json_doc_free(&d);
	if (status == 0) {
		/* Requests the record never answers: drawn where they were sent. */
		for (size_t i = 0; i < rd.nreqs; i++) {
			struct req *q = &rd.reqs[i];
			if (q->answered || q->item != -1)
				continue;
			struct event at;
			event_init(&at, q->seq, EV_REQUEST);
			struct chart_item *it = add_item(&rd, CI_WAIT, &at, q->shown);
			it->t = q->t;
			it->a = q->proc;
			it->port = q->port;
			it->op = q->is_request ? (int)q->op : -1;
			it->line = q->line;
			it->nline = q->nline;
			it->t_req = q->t;
			it->s_req = q->seq;
			it->has_req = 1;
		}
		if (run->nitems > 1)
			qsort(run->items, run->nitems, sizeof *run->items, by_seq);
		run->timed = rd.timed == run->nevents && run->nevents > 0 && !o->no_time;
		if (!run->timed) {
			/* The order of events is the time. */
			for (size_t i = 0; i < run->nitems; i++) {
				struct chart_item *it = &run->items[i];
				it->t = it->seq;
				it->t_req = it->s_req;
				it->t_ans = it->s_ans;
				it->t_end = it->s_end;
			}
			run->last_t = run->last_seq;
		}
		if (rd.orphans > 0)
			fprintf(stderr, "mipc: %s: %lu repl%s or drops name messages "
			    "whose delivery is not in the record; they are left out\n",
			    path, rd.orphans, rd.orphans == 1 ? "y" : "ies");
	}
	free(rd.reqs);
	map_free(&rd.msgs);
	map_free(&rd.owners);
	map_free(&rd.procs);
	evbook_free(&rd.book);
	if (status != 0 || run->nevents == 0) {
		if (status == 0) {
			fprintf(stderr, "mipc: %s is empty: no event was recorded\n", path);
			status = 1;
		}
		return status;
	}
	return 0;
}

int
chart_pick(struct chart_run *run, const struct chart_opts *o)
{
	for (size_t i = 0; i < run->nitems; i++) {
		struct chart_item *it = &run->items[i];
		if (!it->shown)
			continue;
		run->nshown++;
		int p[2] = { it->a, it->b };
		for (int k = 0; k < 2; k++)
			if (p[k] >= 0)
				run->procs[p[k]].col = 0;
		for (size_t k = 0; k < it->ncycle; k++)
			run->procs[it->cycle[k]].col = 0;
	}
	for (size_t i = 0; i < run->nprocs; i++)
		if (run->procs[i].col == 0)
			run->procs[i].col = run->ncols++;
	/* The range drawn, as asked: what the record has of it. */
	run->shown_from = o->from > run->first_seq ? o->from : run->first_seq;
	run->shown_to = o->to != 0 && o->to < run->last_seq ? o->to : run->last_seq;
	/* The end of the record drawn with no stop there: the run was killed. */
	run->cut_short = !run->whole && (o->to == 0 || o->to >= run->last_seq);
	if (run->nshown > 0)
		return 0;
	fprintf(stderr, "mipc: nothing to draw: no event of %s (seq %llu to %llu) is "
	    "picked by the --from, --to and --match given\n", run->path,
	    (unsigned long long)run->first_seq, (unsigned long long)run->last_seq);
	return 1;
}
