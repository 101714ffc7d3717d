/*
 * fuzz_event.c - libFuzzer harness for the event record's model (event.c,
 * json.c): reading a line of events.jsonl, writing it back, rules.
 *
 * The input is a set of rules (a `monitor` line's arguments), a newline, and
 * one line of the record.  Whatever the bytes:
 *
 *   - a line event_parse() accepts, written by event_json() and read again,
 *     is the same event, and written again is the same bytes;
 *   - a refusal says why in one line, and a short buffer is cut, not overrun;
 *   - rules evrules_parse() accepts, written by evrules_format() and read
 *     again, are the same rules, match the same events, and write the same;
 *   - the readable rendering of an event holds no control byte a terminal
 *     would obey (event_show_text's promise), unless colours are asked for.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"

static void __attribute__((noreturn))
fail(const char *what)
{
	fprintf(stderr, "fuzz_event: %s\n", what);
	abort();
}

/* Whether two buffers hold the same bytes (an empty one may have none). */
static int
same_buf(const struct jbuf *a, const struct jbuf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static int
one_line(const char *s, size_t size)
{
	return s[0] != '\0' && memchr(s, '\0', size) != NULL &&
	    strchr(s, '\n') == NULL;
}

/* Names and message ends a reader might know, for the matcher and the
   renderer: pids under 100 have a name, even messages known ends. */
static const char *
fake_name(void *ctx, uint64_t pid)
{
	static const char *const names[] = { "ann", "bob", "cat", "dan", "eve" };

	(void)ctx;
	return pid < 100 ? names[pid % 5] : NULL;
}

static int
fake_ends(void *ctx, uint64_t msg, uint64_t *from, uint64_t *to)
{
	(void)ctx;
	if (msg % 2 != 0)
		return -1;
	*from = msg + 1;
	*to = msg + 2;
	return 0;
}

static int
same_event(const struct event *a, const struct event *b)
{
	if (a->seq != b->seq || a->kind != b->kind || a->evlen != b->evlen ||
	    memcmp(a->ev, b->ev, a->evlen) != 0 || a->has_time != b->has_time ||
	    a->t_us != b->t_us || a->nfields != b->nfields)
		return 0;
	for (int i = 0; i < a->nfields; i++) {
		const struct evfield *f = &a->f[i], *g = &b->f[i];
		if (strcmp(f->key, g->key) != 0 || f->type != g->type)
			return 0;
		switch (f->type) {
		case EVF_STR:
			if (f->n != g->n || memcmp(f->s, g->s, f->n) != 0)
				return 0;
			break;
		case EVF_UINT:
			if (f->u != g->u)
				return 0;
			break;
		case EVF_UINTS:
			if (f->n != g->n || (f->n > 0 && memcmp(f->v, g->v,
			    f->n * sizeof *f->v) != 0))
				return 0;
			break;
		}
	}
	return 1;
}

/* What event_parse promises of an event it accepted. */
static void
check_event(const struct event *e)
{
	if (e->seq == 0 || e->evlen == 0 || e->nfields < 0 ||
	    e->nfields > EVENT_FIELDS_MAX)
		fail("accepted event without seq or ev, or with too many fields");
	if (e->kind != event_kind(e->ev, e->evlen))
		fail("the event's kind is not the kind its ev names");
	for (int i = 0; i < e->nfields; i++) {
		const struct evfield *f = &e->f[i];
		int t = event_key_type(f->key);
		if (t >= 0 && t != (int)f->type)
			fail("a known key with another type");
		for (int j = 0; j < i; j++)
			if (strcmp(e->f[j].key, f->key) == 0)
				fail("a key given twice accepted");
		if (event_get(e, f->key) != f)
			fail("event_get does not find a field");
	}
}

/*
 * The rendering holds no C0 or C1 control byte and no DEL, and is valid
 * UTF-8: what a file says is shown, never obeyed by the terminal.
 */
static void
check_render(struct jbuf *b)
{
	const unsigned char *s = (const unsigned char *)b->p;

	for (size_t i = 0; i < b->len; ) {
		size_t k = utf8_seq_len(s + i, b->len - i);
		if (k == 0)
			fail("rendered event holds invalid UTF-8");
		if ((k == 1 && (s[i] < 0x20 || s[i] == 0x7f)) ||
		    (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0))
			fail("rendered event holds a control byte");
		i += k;
	}
}

static int
same_rules(const struct evrules *a, const struct evrules *b)
{
	if (a->n != b->n || a->used != b->used)
		return 0;
	for (unsigned i = 0; i < a->n; i++) {
		if (a->r[i].npairs != b->r[i].npairs)
			return 0;
		for (unsigned j = 0; j < a->r[i].npairs; j++) {
			const struct evpair *p = &a->r[i].p[j], *q = &b->r[i].p[j];
			if (p->key != q->key || p->isnum != q->isnum || p->len != q->len ||
			    (p->isnum && p->num != q->num) ||
			    memcmp(a->text + p->off, b->text + q->off, p->len) != 0)
				return 0;
		}
	}
	return 1;
}

/* What evrules_parse promises of rules it accepted. */
static void
check_rules(const struct evrules *rs)
{
	/* used may reach EVRULES_TEXT_MAX: the last value's NUL in the last byte */
	if (rs->n > EVRULES_MAX || rs->used > EVRULES_TEXT_MAX)
		fail("too many rules, or too much text");
	for (unsigned i = 0; i < rs->n; i++) {
		const struct evrule *r = &rs->r[i];
		if (r->npairs == 0 || r->npairs > EVRULE_PAIRS_MAX)
			fail("a rule with no pair or too many");
		for (unsigned j = 0; j < r->npairs; j++) {
			const struct evpair *p = &r->p[j];
			if (p->len == 0 || (unsigned)p->off + p->len >= rs->used ||
			    rs->text[p->off + p->len] != '\0' ||
			    memchr(rs->text + p->off, '\0', p->len) != NULL)
				fail("a pair's value is empty, outside the text or holds a NUL");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_doc d1, d2, d3;
	static struct jbuf b1, b2, b3;
	static struct evrules rs, rs2;
	static struct evbook *bk;
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	const char *rules = in, *line = nl != NULL ? nl + 1 : in + size;
	size_t nrules = nl != NULL ? (size_t)(nl - in) : size;
	size_t nline = (size_t)(in + size - line);
	struct evnames fake = { fake_name, fake_ends, NULL };
	struct event e, e2, e3;
	char err[160], tiny[8];
	int ok_rules, ok_event;

	if (bk == NULL && (bk = malloc(sizeof *bk)) == NULL)
		return 0;

	/* The rules. */
	evrules_init(&rs);
	ok_rules = evrules_parse(&rs, rules, nrules, err, sizeof err) == 0;
	if (!ok_rules && !one_line(err, sizeof err))
		fail("refused rules without a one-line reason");
	if (ok_rules) {
		check_rules(&rs);
		jbuf_reset(&b1);
		evrules_format(&rs, &b1);
		evrules_init(&rs2);
		if (b1.failed || evrules_parse(&rs2, b1.p, b1.len, err, sizeof err) != 0)
			fail("rules written by evrules_format are refused");
		if (!same_rules(&rs, &rs2))
			fail("rules written and read again differ");
		jbuf_reset(&b2);
		evrules_format(&rs2, &b2);
		if (!same_buf(&b1, &b2))
			fail("rules written twice differ");
	}

	/* The event. */
	ok_event = event_parse(&e, &d1, line, nline, err, sizeof err) == 0;
	memset(tiny, 'x', sizeof tiny);
	if ((event_parse(&e3, &d3, line, nline, tiny, sizeof tiny) == 0) != ok_event)
		fail("the reason buffer's size changes the answer");
	if (!ok_event) {
		if (!one_line(err, sizeof err) || !one_line(tiny, sizeof tiny))
			fail("a refused line without a one-line reason, or overrun");
		return 0;
	}
	check_event(&e);
	jbuf_reset(&b1);
	event_json(&b1, &e);
	if (b1.failed)
		fail("event_json ran out of memory");
	if (event_parse(&e2, &d2, b1.p, b1.len, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_event: %s: %.*s\n", err, (int)b1.len, b1.p);
		fail("the line event_json wrote is refused");
	}
	if (!same_event(&e, &e2))
		fail("an event written and read again differs");
	jbuf_reset(&b2);
	event_json(&b2, &e2);
	if (!same_buf(&b1, &b2))
		fail("an event written twice differs");
	const char *m1 = event_missing(&e), *m2 = event_missing(&e2);
	if ((m1 == NULL) != (m2 == NULL) || (m1 != NULL && strcmp(m1, m2) != 0))
		fail("event_missing differs for the same event");

	/* Rules match an event and its copy alike, and as written again. */
	if (ok_rules) {
		int a = evrules_match(&rs, &e, &fake);
		if (a != evrules_match(&rs, &e2, &fake) ||
		    a != evrules_match(&rs2, &e, &fake))
			fail("the same rules match the same event differently");
		(void)evrules_match(&rs, &e, NULL);
	}
	if (!evrules_match(NULL, &e, NULL))
		fail("no rules must match every event");

	/* Rendered, with the names a reader knows or learned. */
	evbook_init(bk);
	(void)evbook_learn(bk, &e);
	struct evnames learned = evbook_names(bk);
	const struct evnames *nms[3] = { NULL, &fake, &learned };
	for (int i = 0; i < 3; i++) {
		for (int flags = 0; flags < 4; flags++) {
			jbuf_reset(&b3);
			event_render(&b3, &e, nms[i], flags);
			if (!(flags & EVR_COLOR))
				check_render(&b3);
		}
	}
	evbook_free(bk);
	return 0;
}
