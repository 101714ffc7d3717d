/*
 * check_events.c - the event record's invariants, for the test suite.
 *
 *   check_events FILE
 *
 * Reads an events.jsonl and prints every line that breaks a rule of the
 * record, as FILE:LINE: what; exits 1 if there was one, else prints
 * "ok N events" and exits 0.  Exit 2: the file cannot be read.
 *
 * The rules: every line is an event (a JSON object with seq and ev); seq
 * runs 1, 2, 3, ... with no gap; t_us is on every line or on none, and
 * never goes back; each kind has its fields, with their types; every request
 * has exactly one answer, whose re is its seq, after it and to its pid; every
 * msg has a deliver or a drop, a delivered one a reply or a drop and not
 * both; nothing names a msg after its drop; nothing after a stop answers a
 * request or ends a message from before it.
 *
 * A stop ends one kernel.  The files of one `mipc run` make one record, a
 * kernel each, so a stop may be followed by the next file's events: they
 * go on with its seq and its msg ids, but the kernel before is gone, and
 * what it left open stays open.
 *
 * Why nothing may follow a drop: a drop says the message "will never be
 * served", so it is the last word on it.  The one case that could tempt a
 * kernel to write more is a server that answers after its ETIMEDOUT: that
 * late answer is no reply (the sender has had its answer), so it may go in
 * kernel.log but never into the record as a reply.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

/* What the checks remember of an event they may hear of again. */
struct seen {
	uint64_t	 key;		/* seq of a request, msg of a message */
	unsigned long	 line;		/* where it was */
	uint64_t	 pid;		/* a request's sender */
	unsigned long	 answered;	/* the line of its answer, or 0 */
	unsigned long	 delivered, replied, dropped;	/* a message's lines */
	int		 used;
};

/* A small open-addressed table: the keys are numbers, never removed. */
struct table {
	struct seen	*s;
	size_t		 n, cap;
};

static struct seen *
table_get(struct table *t, uint64_t key, int add)
{
	if (add && (t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct seen *s = calloc(cap, sizeof *s);
		if (s == NULL) {
			fprintf(stderr, "check_events: out of memory\n");
			exit(2);
		}
		for (size_t i = 0; i < t->cap; i++)
			if (t->s[i].used) {
				size_t j = (size_t)(t->s[i].key * 0x9e3779b97f4a7c15ULL) & (cap - 1);
				while (s[j].used)
					j = (j + 1) & (cap - 1);
				s[j] = t->s[i];
			}
		free(t->s);
		t->s = s;
		t->cap = cap;
	}
	if (t->cap == 0)
		return NULL;
	size_t j = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (t->cap - 1);
	while (t->s[j].used) {
		if (t->s[j].key == key)
			return &t->s[j];
		j = (j + 1) & (t->cap - 1);
	}
	if (!add)
		return NULL;
	memset(&t->s[j], 0, sizeof t->s[j]);
	t->s[j].used = 1;
	t->s[j].key = key;
	t->n++;
	return &t->s[j];
}

static const char *path;
static unsigned long violations;

static void
bad(unsigned long line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
bad(unsigned long line, const char *fmt, ...)
{
	va_list ap;

	printf("%s:%lu: ", path, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	violations++;
}

/* A line still waiting at the end: a request, or a delivered message. */
struct late {
	unsigned long	 line;
	int		 request;
};

static int
by_line(const void *a, const void *b)
{
	unsigned long x = ((const struct late *)a)->line;
	unsigned long y = ((const struct late *)b)->line;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct table requests = { 0 }, msgs = { 0 };
	struct json_doc d;
	struct event e;
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0, events = 0, timed = 0, stop_line = 0;
	unsigned long *untimed = NULL, nuntimed = 0;
	uint64_t next_seq = 1, last_t = 0;
	int seq_ok = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: check_events FILE\n");
		return 2;
	}
	path = argv[1];
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "check_events: %s: %s\n", path, strerror(errno));
		return 2;
	}
	json_doc_init(&d);
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		int whole = len > 0 && line[len - 1] == '\n';
		if (whole)
			len--;
		if (event_parse(&e, &d, line, (size_t)len, err, sizeof err) == -1) {
			bad(lineno, "%s%s", err, whole ? "" :
			    " (the last line has no newline: cut short?)");
			continue;
		}
		if (!whole)
			bad(lineno, "the last line has no newline");
		events++;
		if (e.seq != next_seq && seq_ok) {
			bad(lineno, "seq %llu, expected %llu", (unsigned long long)e.seq,
			    (unsigned long long)next_seq);
			seq_ok = 0;	/* one report, not one a line after it */
		} else if (e.seq == next_seq) {
			seq_ok = 1;
		}
		next_seq = e.seq + 1;
		if (e.has_time) {
			if (timed > 0 && e.t_us < last_t)
				bad(lineno, "t_us %llu is before the %llu of the line before",
				    (unsigned long long)e.t_us, (unsigned long long)last_t);
			last_t = e.t_us;
			timed++;
		} else {
			unsigned long *more = realloc(untimed, (nuntimed + 1) * sizeof *more);
			if (more == NULL) {
				fprintf(stderr, "check_events: out of memory\n");
				return 2;
			}
			untimed = more;
			untimed[nuntimed++] = lineno;
		}
		const char *missing = event_missing(&e);
		if (missing != NULL) {
			bad(lineno, "a %s without \"%s\"", e.ev, missing);
			continue;
		}

		uint64_t pid = 0, re = 0, msg = 0;
		struct seen *s;
		(void)event_uint(&e, "pid", &pid);
		(void)event_uint(&e, "re", &re);
		(void)event_uint(&e, "msg", &msg);
		switch (e.kind) {
		case EV_REQUEST:
			if (table_get(&requests, e.seq, 0) != NULL)
				break;	/* a repeated seq, reported above */
			s = table_get(&requests, e.seq, 1);
			s->line = lineno;
			s->pid = pid;
			break;
		case EV_ANSWER:
			s = table_get(&requests, re, 0);
			if (s == NULL) {
				bad(lineno, "an answer to %llu, which is no request before it",
				    (unsigned long long)re);
			} else if (s->answered != 0) {
				bad(lineno, "request %llu is answered again (first on line %lu)",
				    (unsigned long long)re, s->answered);
			} else if (s->line < stop_line) {
				bad(lineno, "an answer to request %llu, of the kernel that "
				    "stopped on line %lu", (unsigned long long)re, stop_line);
			} else {
				s->answered = lineno;
				if (s->pid != pid)
					bad(lineno, "the answer to request %llu goes to pid %llu, "
					    "the request came from pid %llu", (unsigned long long)re,
					    (unsigned long long)pid, (unsigned long long)s->pid);
			}
			break;
		case EV_DELIVER:
			s = table_get(&msgs, msg, 1);
			if (s->dropped)
				bad(lineno, "msg %llu delivered after its drop on line %lu",
				    (unsigned long long)msg, s->dropped);
			else if (s->delivered)
				bad(lineno, "msg %llu delivered again (first on line %lu)",
				    (unsigned long long)msg, s->delivered);
			else
				s->delivered = lineno;
			break;
		case EV_REPLY:
			s = table_get(&msgs, msg, 1);
			if (s->delivered && s->delivered < stop_line)
				bad(lineno, "a reply to msg %llu, of the kernel that stopped "
				    "on line %lu", (unsigned long long)msg, stop_line);
			else if (s->dropped)
				bad(lineno, "a reply to msg %llu after its drop on line %lu",
				    (unsigned long long)msg, s->dropped);
			else if (!s->delivered)
				bad(lineno, "a reply to msg %llu, which was never delivered",
				    (unsigned long long)msg);
			else if (s->replied)
				bad(lineno, "msg %llu replied again (first on line %lu)",
				    (unsigned long long)msg, s->replied);
			else
				s->replied = lineno;
			break;
		case EV_DROP:
			s = table_get(&msgs, msg, 1);
			if (s->delivered && s->delivered < stop_line)
				bad(lineno, "a drop of msg %llu, of the kernel that stopped "
				    "on line %lu", (unsigned long long)msg, stop_line);
			else if (s->dropped)
				bad(lineno, "msg %llu dropped again (first on line %lu)",
				    (unsigned long long)msg, s->dropped);
			else if (s->replied)
				bad(lineno, "msg %llu dropped after its reply on line %lu",
				    (unsigned long long)msg, s->replied);
			else
				s->dropped = lineno;
			break;
		case EV_STOP:
			stop_line = lineno;
			break;
		default:
			break;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "check_events: %s: %s\n", path, strerror(errno));
		return 2;
	}
	fclose(f);
	if (timed > 0)
		for (unsigned long i = 0; i < nuntimed; i++)
			bad(untimed[i], "no t_us, when other lines have one");

	/* What never came, in the order of the lines that wait for it. */
	struct late *late = calloc(requests.n + msgs.n + 1, sizeof *late);
	size_t nlate = 0;
	if (late == NULL)
		return 2;
	for (size_t i = 0; i < requests.cap; i++)
		if (requests.s[i].used && requests.s[i].answered == 0)
			late[nlate++] = (struct late){ requests.s[i].line, 1 };
	for (size_t i = 0; i < msgs.cap; i++)
		if (msgs.s[i].used && msgs.s[i].delivered && !msgs.s[i].replied &&
		    !msgs.s[i].dropped)
			late[nlate++] = (struct late){ msgs.s[i].delivered, 0 };
	qsort(late, nlate, sizeof *late, by_line);
	for (size_t i = 0; i < nlate; i++)
		bad(late[i].line, late[i].request ? "this request has no answer" :
		    "this message was delivered, and neither replied nor dropped");
	free(late);
	free(untimed);
	free(requests.s);
	free(msgs.s);
	free(line);
	json_doc_free(&d);
	if (violations > 0) {
		printf("%lu violation%s in %lu lines\n", violations,
		    violations == 1 ? "" : "s", lineno);
		return 1;
	}
	printf("ok %lu events\n", events);
	return 0;
}
