/*
 * event.c - the event record's model: kinds and keys, the JSON line written
 * and read, rules that pick events, and the readable line of the monitor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"

/*
 * The keys a rule may name: section 9's fields, plus seq and ev.  The order
 * is the K_ constants'.  t_us is left out: a microsecond is no thing to
 * pick events by.
 */
enum {
	K_SEQ, K_EV, K_NAME, K_PID, K_HOW, K_LINE, K_RE, K_TEXT, K_MSG, K_FROM,
	K_TO, K_PORT, K_CODE, K_REASON, K_CYCLE, K_NKEYS
};

static const struct {
	const char	*key;
	int		 type;
} keys[K_NKEYS] = {
	{ "seq", EVF_UINT }, { "ev", EVF_STR }, { "name", EVF_STR },
	{ "pid", EVF_UINT }, { "how", EVF_STR }, { "line", EVF_STR },
	{ "re", EVF_UINT }, { "text", EVF_STR }, { "msg", EVF_UINT },
	{ "from", EVF_UINT }, { "to", EVF_UINT }, { "port", EVF_UINT },
	{ "code", EVF_STR }, { "reason", EVF_STR }, { "cycle", EVF_UINTS },
};

/* A kind: its name and that name's length, then the fields it requires. */
#define KIND(name, ...)	{ name, sizeof name - 1, { __VA_ARGS__, NULL } }

static const struct {
	const char	*name;
	size_t		 len;
	const char	*need[6];
} kinds[EV_NKINDS] = {
	[EV_OTHER] =	{ "", 0, { NULL } },
	[EV_SPAWN] =	KIND("spawn", "name", "pid"),
	[EV_EXIT] =	KIND("exit", "name", "pid", "how"),
	[EV_REQUEST] =	KIND("request", "pid", "line"),
	[EV_ANSWER] =	KIND("answer", "pid", "re", "text"),
	[EV_DELIVER] =	KIND("deliver", "msg", "from", "to", "port", "text"),
	[EV_REPLY] =	KIND("reply", "msg", "text"),
	[EV_DROP] =	KIND("drop", "msg", "from", "port", "code", "reason"),
	[EV_NOTICE] =	KIND("notice", "to", "text"),
	[EV_DEADLOCK] =	KIND("deadlock", "cycle"),
	[EV_STOP] =	{ "stop", sizeof "stop" - 1, { NULL } },
};

const char *
event_kind_name(enum ev_kind kind)
{
	return kind > EV_OTHER && kind < EV_NKINDS ? kinds[kind].name : "";
}

enum ev_kind
event_kind(const char *s, size_t n)
{
	for (int k = EV_OTHER + 1; k < EV_NKINDS; k++)
		if (kinds[k].len == n && memcmp(kinds[k].name, s, n) == 0)
			return (enum ev_kind)k;
	return EV_OTHER;
}

void
event_init(struct event *e, uint64_t seq, enum ev_kind kind)
{
	e->seq = seq;
	e->kind = kind;
	if (kind <= EV_OTHER || kind >= EV_NKINDS)
		kind = EV_OTHER;
	e->ev = kinds[kind].name;
	e->evlen = kinds[kind].len;
	e->has_time = 0;
	e->t_us = 0;
	e->nfields = 0;
}

void
event_set_time(struct event *e, uint64_t t_us)
{
	e->has_time = 1;
	e->t_us = t_us;
}

void
event_too_many(const struct event *e)
{
	fprintf(stderr, "event_add: more than %d fields in a %s event\n",
	    EVENT_FIELDS_MAX, e->ev);
	abort();
}

void
event_add_uints(struct event *e, const char *key, const uint64_t *v, size_t n)
{
	struct evfield *f = event_add(e, key, EVF_UINTS);

	f->v = v;
	f->n = n;
}

const struct evfield *
event_get(const struct event *e, const char *key)
{
	for (int i = 0; i < e->nfields; i++)
		if (strcmp(e->f[i].key, key) == 0)
			return &e->f[i];
	return NULL;
}

int
event_uint(const struct event *e, const char *key, uint64_t *v)
{
	const struct evfield *f = event_get(e, key);

	if (f == NULL || f->type != EVF_UINT)
		return 0;
	*v = f->u;
	return 1;
}

int
event_str(const struct event *e, const char *key, const char **s, size_t *n)
{
	const struct evfield *f = event_get(e, key);

	if (f == NULL || f->type != EVF_STR)
		return 0;
	*s = f->s;
	*n = f->n;
	return 1;
}

int
event_key_type(const char *key)
{
	for (int k = K_NAME; k < K_NKEYS; k++)
		if (strcmp(keys[k].key, key) == 0)
			return keys[k].type;
	return -1;
}

const char *
event_missing(const struct event *e)
{
	if (e->kind <= EV_OTHER || e->kind >= EV_NKINDS)
		return NULL;
	for (const char *const *k = kinds[e->kind].need; *k != NULL; k++)
		if (event_get(e, *k) == NULL)
			return *k;
	return NULL;
}

/* The longest the line of e can be: every byte of every string escaped. */
size_t
event_json_size(const struct event *e)
{
	size_t need = 48 + 6 * e->evlen;

	for (int i = 0; i < e->nfields; i++) {
		const struct evfield *f = &e->f[i];
		need += 6 * f->keylen + 8;
		need += f->type == EVF_STR ? 6 * f->n + 2 : f->type == EVF_UINT ? 20 :
		    21 * f->n + 2;
	}
	return need;
}

/*
 * Writes the line by hand at o, which has room for event_json_size(e)
 * bytes, and returns its end: its shape is known, and this runs four times
 * a message.  A key the kernel gave (event_add_*) is a plain word and is
 * copied; a key read from somebody's file goes through the escaper.
 */
char *
event_json_at(char *o, const struct event *e)
{
	memcpy(o, "{\"seq\":", 7);
	o = json_uint_at(o + 7, e->seq);
	memcpy(o, ",\"ev\":\"", 7);
	if (e->kind != EV_OTHER) {
		memcpy(o + 7, e->ev, e->evlen);	/* a kind's own name: plain */
		o += 7 + e->evlen;
	} else {
		o = json_escape_at(o + 7, e->ev, e->evlen);
	}
	*o++ = '"';
	if (e->has_time) {
		memcpy(o, ",\"t_us\":", 8);
		o = json_uint_at(o + 8, e->t_us);
	}
	for (int i = 0; i < e->nfields; i++) {
		const struct evfield *f = &e->f[i];
		*o++ = ',';
		*o++ = '"';
		if (f->plain) {
			memcpy(o, f->key, f->keylen);
			o += f->keylen;
		} else {
			o = json_escape_at(o, f->key, f->keylen);
		}
		*o++ = '"';
		*o++ = ':';
		switch (f->type) {
		case EVF_STR:
			*o++ = '"';
			o = json_escape_at(o, f->s, f->n);
			*o++ = '"';
			break;
		case EVF_UINT:
			o = json_uint_at(o, f->u);
			break;
		case EVF_UINTS:
			*o++ = '[';
			for (size_t j = 0; j < f->n; j++) {
				if (j > 0)
					*o++ = ',';
				o = json_uint_at(o, f->v[j]);
			}
			*o++ = ']';
			break;
		}
	}
	*o++ = '}';
	return o;
}

void
event_json(struct jbuf *b, const struct event *e)
{
	if (jbuf_reserve(b, event_json_size(e)) == -1)
		return;
	b->len = (size_t)(event_json_at(b->p + b->len, e) - b->p);
}

static const char *
json_type_says(int type)
{
	switch (type) {
	case EVF_STR:	return "a string";
	case EVF_UINT:	return "a number from 0";
	default:	return "an array of numbers";
	}
}

static int
member_is(const struct json_member *m, int type)
{
	return (type == EVF_STR && m->type == JSON_STRING) ||
	    (type == EVF_UINT && m->type == JSON_UINT) ||
	    (type == EVF_UINTS && m->type == JSON_UINTS);
}

int
event_parse(struct event *e, struct json_doc *d, const char *line, size_t n,
    char *err, size_t errsize)
{
	int have_seq = 0, have_ev = 0;

	e->nfields = 0;
	e->has_time = 0;
	e->t_us = 0;
	e->seq = 0;
	e->kind = EV_OTHER;
	e->ev = "";
	e->evlen = 0;
	if (json_parse(d, line, n) == -1) {
		snprintf(err, errsize, "%s", d->err);
		return -1;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct json_member *m = &d->m[i];
		for (size_t j = 0; j < i; j++)
			if (d->m[j].keylen == m->keylen &&
			    memcmp(d->m[j].key, m->key, m->keylen) == 0) {
				/* The key is the line's: shown, never obeyed, and
				   kept to one short line. */
				struct jbuf k;
				jbuf_init(&k);
				event_show_text(&k, m->key, m->keylen > 40 ? 40 : m->keylen, 1);
				snprintf(err, errsize, "column %zu: %s%s is given twice", m->col,
				    jbuf_str(&k), m->keylen > 40 ? "..." : "");
				jbuf_free(&k);
				return -1;
			}
		if (strlen(m->key) != m->keylen)
			continue;	/* a key with a NUL in it is nobody's we know */
		int type = event_key_type(m->key);
		if (strcmp(m->key, "seq") == 0 || strcmp(m->key, "t_us") == 0) {
			if (m->type != JSON_UINT || (m->key[0] == 's' && m->u == 0)) {
				snprintf(err, errsize, "column %zu: \"%s\" must be a whole "
				    "number from %d", m->col, m->key, m->key[0] == 's');
				return -1;
			}
			if (m->key[0] == 's') {
				e->seq = m->u;
				have_seq = 1;
			} else {
				e->t_us = m->u;
				e->has_time = 1;
			}
			continue;
		}
		if (strcmp(m->key, "ev") == 0) {
			if (m->type != JSON_STRING || m->n == 0) {
				snprintf(err, errsize, "column %zu: \"ev\" must be a kind's "
				    "name (a string)", m->col);
				return -1;
			}
			e->ev = m->s;
			e->evlen = m->n;
			e->kind = event_kind(m->s, m->n);
			have_ev = 1;
			continue;
		}
		if (type >= 0 && !member_is(m, type)) {
			snprintf(err, errsize, "column %zu: \"%s\" must be %s", m->col,
			    m->key, json_type_says(type));
			return -1;
		}
		if (m->type == JSON_OTHER || m->type == JSON_INT)
			continue;	/* a value this version has no use for */
		if (e->nfields >= EVENT_FIELDS_MAX) {
			if (type < 0)
				continue;	/* somebody's extra, past our room */
			snprintf(err, errsize, "column %zu: more than %d fields",
			    m->col, EVENT_FIELDS_MAX);
			return -1;
		}
		struct evfield *f = &e->f[e->nfields++];
		f->key = m->key;
		f->keylen = m->keylen;
		f->plain = 0;		/* somebody's: escaped when written */
		f->s = m->s;
		f->n = m->n;
		f->u = m->u;
		f->v = m->v;
		f->type = m->type == JSON_STRING ? EVF_STR :
		    m->type == JSON_UINT ? EVF_UINT : EVF_UINTS;
	}
	if (!have_seq || !have_ev) {
		snprintf(err, errsize, "no \"%s\": a JSON object, but not an event",
		    have_seq ? "ev" : "seq");
		return -1;
	}
	return 0;
}

/* Rules. */

const char *
evrules_keys(void)
{
	return "seq ev name pid how line re text msg from to port code reason cycle";
}

void
evrules_init(struct evrules *rs)
{
	memset(rs, 0, sizeof *rs);
}

/* A decimal number with no sign and no leading zero that fits 64 bits. */
static int
parse_num(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return 0;
		x = x * 10 + d;
	}
	*v = x;
	return 1;
}

/* Whether a pair's value suits its key.  Returns 0, or -1 with err. */
static int
pair_check(const struct evpair *p, const char *v, char *err, size_t errsize)
{
	switch (p->key) {
	case K_SEQ: case K_RE: case K_MSG: case K_PORT:
		if (p->isnum)
			return 0;
		snprintf(err, errsize, "%s takes a number, not '%s'", keys[p->key].key, v);
		return -1;
	case K_PID: case K_FROM: case K_TO: case K_CYCLE:
		if (p->isnum || log_name_ok(v, p->len))
			return 0;
		snprintf(err, errsize, "%s takes a pid or a process NAME, not '%s'",
		    keys[p->key].key, v);
		return -1;
	case K_NAME:
		if (log_name_ok(v, p->len))
			return 0;
		snprintf(err, errsize, "name takes a process NAME (1 to 16 of a-z, "
		    "0-9, _ and -, starting with a letter), not '%s'", v);
		return -1;
	case K_EV:
		if (event_kind(v, p->len) != EV_OTHER)
			return 0;
		snprintf(err, errsize, "ev takes a kind: spawn exit request answer "
		    "deliver reply drop notice deadlock stop; not '%s'", v);
		return -1;
	}
	return 0;
}

int
evrules_add(struct evrules *rs, const char *s, size_t n, char *err, size_t errsize)
{
	struct evrule r;
	unsigned used = rs->used;
	size_t i = 0;

	memset(&r, 0, sizeof r);
	if (rs->n >= EVRULES_MAX) {
		snprintf(err, errsize, "more than %d rules", EVRULES_MAX);
		return -1;
	}
	if (n == 0) {
		snprintf(err, errsize, "an empty rule: expected key=value");
		return -1;
	}
	for (;;) {
		size_t k = i;
		while (i < n && s[i] != '=' && s[i] != ',')
			i++;
		if (i == n || s[i] == ',') {
			snprintf(err, errsize, "'%.*s' needs '=' and a value "
			    "(key=value)", (int)(i - k), s + k);
			return -1;
		}
		if (i == k) {
			snprintf(err, errsize, "expected a key before '='");
			return -1;
		}
		int key = -1;
		for (int j = 0; j < K_NKEYS; j++)
			if (strlen(keys[j].key) == i - k &&
			    memcmp(keys[j].key, s + k, i - k) == 0)
				key = j;
		if (key < 0) {
			snprintf(err, errsize, "unknown key '%.*s' (the keys: %s)",
			    (int)(i - k), s + k, evrules_keys());
			return -1;
		}
		if (r.npairs == EVRULE_PAIRS_MAX) {
			snprintf(err, errsize, "more than %d pairs in a rule",
			    EVRULE_PAIRS_MAX);
			return -1;
		}
		struct evpair *p = &r.p[r.npairs++];
		p->key = (uint8_t)key;
		p->off = (uint16_t)used;
		i++;
		for (; i < n && s[i] != ','; i++) {
			char c = s[i];
			if (c == '\\') {
				if (++i == n) {
					snprintf(err, errsize, "a '\\' ends the rule: "
					    "nothing after it to take as it is");
					return -1;
				}
				c = s[i];
			}
			if (c == '\0' || c == '\n' || c == '\r') {
				snprintf(err, errsize, "a value may not hold a NUL, CR "
				    "or newline");
				return -1;
			}
			if (used + 1 >= EVRULES_TEXT_MAX) {
				snprintf(err, errsize, "the rules are too long (over %d "
				    "bytes of values)", EVRULES_TEXT_MAX - 1);
				return -1;
			}
			rs->text[used++] = c;
		}
		p->len = (uint16_t)(used - p->off);
		if (p->len == 0) {
			snprintf(err, errsize, "'%s=' needs a value", keys[key].key);
			return -1;
		}
		rs->text[used++] = '\0';	/* room was kept for it */
		p->isnum = (uint8_t)parse_num(rs->text + p->off, p->len, &p->num);
		if (pair_check(p, rs->text + p->off, err, errsize) == -1)
			return -1;
		if (i == n)
			break;
		i++;		/* the ',' */
		if (i == n) {
			snprintf(err, errsize, "expected key=value after the last ','");
			return -1;
		}
	}
	rs->r[rs->n++] = r;
	rs->used = used;
	return 0;
}

int
evrules_parse(struct evrules *rs, const char *s, size_t n, char *err, size_t errsize)
{
	size_t i = 0;

	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			return 0;
		size_t start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i += s[i] == '\\' && i + 1 < n ? 2 : 1;
		if (evrules_add(rs, s + start, i - start, err, errsize) == -1)
			return -1;
	}
}

void
evrules_format(const struct evrules *rs, struct jbuf *b)
{
	for (unsigned i = 0; i < rs->n; i++) {
		if (i > 0)
			jbuf_addc(b, ' ');
		for (unsigned j = 0; j < rs->r[i].npairs; j++) {
			const struct evpair *p = &rs->r[i].p[j];
			if (j > 0)
				jbuf_addc(b, ',');
			jbuf_adds(b, keys[p->key].key);
			jbuf_addc(b, '=');
			for (unsigned k = 0; k < p->len; k++) {
				char c = rs->text[p->off + k];
				if (c == '\\' || c == ',' || c == ' ' || c == '\t')
					jbuf_addc(b, '\\');
				jbuf_addc(b, c);
			}
		}
	}
}

/* Whether process pid is the pair's value: by number, or (if by_name, or
   the value is no number) by the name nm gives it. */
static int
pid_is(const struct evrules *rs, const struct evpair *p, uint64_t pid,
    const struct evnames *nm, int names_only)
{
	const char *v = rs->text + p->off;

	if (pid == 0)
		return 0;
	if (p->isnum && !names_only)
		return pid == p->num;
	if (nm == NULL || nm->name == NULL)
		return 0;
	const char *name = nm->name(nm->ctx, pid);
	return name != NULL && strlen(name) == p->len && memcmp(name, v, p->len) == 0;
}

/* The ends of e's message, when e has a msg and lacks from or to. */
static void
msg_ends(const struct event *e, const struct evnames *nm, uint64_t *from,
    uint64_t *to)
{
	uint64_t msg, f = 0, t = 0;

	*from = *to = 0;
	if (!event_uint(e, "msg", &msg) || nm == NULL || nm->msg_ends == NULL)
		return;
	if (event_get(e, "from") != NULL && event_get(e, "to") != NULL)
		return;
	if (nm->msg_ends(nm->ctx, msg, &f, &t) == 0) {
		*from = f;
		*to = t;
	}
}

static int
pair_holds(const struct evrules *rs, const struct evpair *p, const struct event *e,
    const struct evnames *nm)
{
	const char *v = rs->text + p->off;
	const struct evfield *f;
	uint64_t x, mf, mt;

	switch (p->key) {
	case K_SEQ:
		return p->isnum && e->seq == p->num;
	case K_EV:
		return e->evlen == p->len && memcmp(e->ev, v, p->len) == 0;
	case K_PID:
	case K_NAME: {
		int names_only = p->key == K_NAME;
		static const char *const procs[] = { "pid", "from", "to" };
		for (int i = 0; i < 3; i++)
			if (event_uint(e, procs[i], &x) && pid_is(rs, p, x, nm, names_only))
				return 1;
		if ((f = event_get(e, "cycle")) != NULL && f->type == EVF_UINTS)
			for (size_t i = 0; i < f->n; i++)
				if (pid_is(rs, p, f->v[i], nm, names_only))
					return 1;
		msg_ends(e, nm, &mf, &mt);
		if (pid_is(rs, p, mf, nm, names_only) || pid_is(rs, p, mt, nm, names_only))
			return 1;
		const char *s;
		size_t n;
		return !p->isnum && event_str(e, "name", &s, &n) && n == p->len &&
		    memcmp(s, v, n) == 0;
	}
	case K_FROM:
	case K_TO:
		if (event_uint(e, keys[p->key].key, &x))
			return pid_is(rs, p, x, nm, 0);
		if (event_get(e, keys[p->key].key) != NULL)
			return 0;
		msg_ends(e, nm, &mf, &mt);
		return pid_is(rs, p, p->key == K_FROM ? mf : mt, nm, 0);
	case K_CYCLE:
		if ((f = event_get(e, "cycle")) == NULL || f->type != EVF_UINTS)
			return 0;
		for (size_t i = 0; i < f->n; i++)
			if (pid_is(rs, p, f->v[i], nm, 0))
				return 1;
		return 0;
	}
	if ((f = event_get(e, keys[p->key].key)) == NULL)
		return 0;
	switch (f->type) {
	case EVF_STR:
		return f->n == p->len && memcmp(f->s, v, p->len) == 0;
	case EVF_UINT:
		return p->isnum && f->u == p->num;
	case EVF_UINTS:
		for (size_t i = 0; i < f->n; i++)
			if (p->isnum && f->v[i] == p->num)
				return 1;
	}
	return 0;
}

int
evrules_match(const struct evrules *rs, const struct event *e,
    const struct evnames *nm)
{
	if (rs == NULL || rs->n == 0)
		return 1;
	for (unsigned i = 0; i < rs->n; i++) {
		unsigned j;
		for (j = 0; j < rs->r[i].npairs; j++)
			if (!pair_holds(rs, &rs->r[i].p[j], e, nm))
				break;
		if (j == rs->r[i].npairs)
			return 1;
	}
	return 0;
}

/* The readable line. */

void
event_show_text(struct jbuf *b, const char *str, size_t n, int quoted)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	if (quoted)
		jbuf_addc(b, '"');
	for (size_t i = 0; i < n; ) {
		unsigned c = s[i];
		size_t k = utf8_seq_len(s + i, n - i);
		int c1 = k == 2 && c == 0xc2 && s[i + 1] < 0xa0;	/* U+0080-009F */
		if (k > 1 && !c1) {
			jbuf_add(b, s + i, k);
			i += k;
			continue;
		}
		if (k == 1 && c >= 0x20 && c < 0x7f) {
			if (quoted && (c == '"' || c == '\\'))
				jbuf_addc(b, '\\');
			jbuf_addc(b, (char)c);
			i++;
			continue;
		}
		/* A control byte, or bytes that are no UTF-8: seen, not obeyed. */
		size_t m = c1 ? 2 : 1;
		for (size_t j = 0; j < m; j++, i++) {
			c = s[i];
			jbuf_addc(b, '\\');
			if (c == '\n')
				jbuf_addc(b, 'n');
			else if (c == '\t')
				jbuf_addc(b, 't');
			else if (c == '\r')
				jbuf_addc(b, 'r');
			else {
				char x[3] = { 'x', hex[c >> 4], hex[c & 15] };
				jbuf_add(b, x, 3);
			}
		}
	}
	if (quoted)
		jbuf_addc(b, '"');
}

/* "server(5678)", or "5678" for a process with no name known. */
static void
show_proc(struct jbuf *b, const struct evnames *nm, uint64_t pid)
{
	const char *name = nm != NULL && nm->name != NULL ? nm->name(nm->ctx, pid) : NULL;

	if (name != NULL) {
		event_show_text(b, name, strlen(name), 0);
		jbuf_addc(b, '(');
		jbuf_uint(b, pid);
		jbuf_addc(b, ')');
	} else {
		jbuf_uint(b, pid);
	}
}

static const char *
kind_color(const struct event *e)
{
	const char *s;
	size_t n;

	switch (e->kind) {
	case EV_SPAWN:		return "\033[34m";	/* blue */
	case EV_EXIT:
		return event_str(e, "how", &s, &n) && n >= 11 &&
		    memcmp(s, "exited with", 11) == 0 ? "\033[34m" : "\033[31m";
	case EV_ANSWER:
		return event_str(e, "text", &s, &n) && n >= 3 &&
		    memcmp(s, "ERR", 3) == 0 ? "\033[31m" : "\033[32m";
	case EV_DELIVER:	return "\033[36m";	/* cyan */
	case EV_REPLY:		return "\033[35m";	/* magenta */
	case EV_DROP:		return "\033[31m";	/* red */
	case EV_NOTICE:		return "\033[33m";	/* yellow */
	case EV_DEADLOCK:	return "\033[1;31m";
	default:		return "";
	}
}

/* What the event says, after its kind. */
static void
render_what(struct jbuf *b, const struct event *e, const struct evnames *nm)
{
	const char *s;
	size_t n;
	uint64_t pid = 0, msg = 0, from = 0, to = 0, port = 0, re = 0;
	int has_pid = event_uint(e, "pid", &pid), has_msg = event_uint(e, "msg", &msg);
	const struct evfield *f;

	(void)event_uint(e, "from", &from);
	(void)event_uint(e, "to", &to);
	(void)event_uint(e, "port", &port);
	switch (e->kind) {
	case EV_SPAWN:
	case EV_EXIT:
		if (has_pid)
			show_proc(b, nm, pid);
		else if (event_str(e, "name", &s, &n))
			event_show_text(b, s, n, 0);
		if (event_str(e, "how", &s, &n)) {
			jbuf_addc(b, ' ');
			event_show_text(b, s, n, 0);
		}
		return;
	case EV_REQUEST:
		show_proc(b, nm, pid);
		jbuf_add(b, ": ", 2);
		if (event_str(e, "line", &s, &n))
			event_show_text(b, s, n, 0);
		return;
	case EV_ANSWER:
	case EV_NOTICE:
		show_proc(b, nm, e->kind == EV_ANSWER ? pid : to);
		jbuf_add(b, " <- ", 4);
		if (event_str(e, "text", &s, &n))
			event_show_text(b, s, n, 0);
		if (event_uint(e, "re", &re)) {
			jbuf_add(b, " (re ", 5);
			jbuf_uint(b, re);
			jbuf_addc(b, ')');
		}
		return;
	case EV_DELIVER:
	case EV_REPLY:
	case EV_DROP:
		if (has_msg) {
			jbuf_addc(b, '#');
			jbuf_uint(b, msg);
			jbuf_addc(b, ' ');
		}
		if (e->kind == EV_REPLY && nm != NULL && nm->msg_ends != NULL &&
		    has_msg && nm->msg_ends(nm->ctx, msg, &from, &to) == 0 && to != 0) {
			show_proc(b, nm, to);
			jbuf_add(b, " -> ", 4);
			show_proc(b, nm, from);
			jbuf_addc(b, ' ');
		} else if (e->kind != EV_REPLY) {
			show_proc(b, nm, from);
			jbuf_add(b, " -> ", 4);
			if (e->kind == EV_DELIVER) {
				show_proc(b, nm, to);
				jbuf_addc(b, ' ');
			}
			jbuf_add(b, "port ", 5);
			jbuf_uint(b, port);
			jbuf_addc(b, ' ');
		}
		if (e->kind == EV_DROP) {
			jbuf_add(b, "dropped ", 8);
			if (event_str(e, "code", &s, &n))
				event_show_text(b, s, n, 0);
			if (event_str(e, "reason", &s, &n)) {
				jbuf_add(b, ": ", 2);
				event_show_text(b, s, n, 0);
			}
		} else if (event_str(e, "text", &s, &n)) {
			event_show_text(b, s, n, 1);
		}
		return;
	case EV_DEADLOCK:
		if ((f = event_get(e, "cycle")) != NULL && f->type == EVF_UINTS) {
			for (size_t i = 0; i < f->n; i++) {
				show_proc(b, nm, f->v[i]);
				jbuf_add(b, " -> ", 4);
			}
			if (f->n > 0)
				show_proc(b, nm, f->v[0]);
		}
		return;
	default:
		break;
	}
	/* A stop, or a kind of a later version: every field as it is. */
	for (int i = 0; i < e->nfields; i++) {
		f = &e->f[i];
		if (i > 0)
			jbuf_addc(b, ' ');
		event_show_text(b, f->key, strlen(f->key), 0);
		jbuf_addc(b, '=');
		if (f->type == EVF_STR)
			event_show_text(b, f->s, f->n, 1);
		else if (f->type == EVF_UINT)
			jbuf_uint(b, f->u);
		else
			for (size_t j = 0; j < f->n; j++) {
				jbuf_addc(b, j > 0 ? ',' : '[');
				jbuf_uint(b, f->v[j]);
			}
		if (f->type == EVF_UINTS)
			jbuf_add(b, f->n > 0 ? "]" : "[]", f->n > 0 ? 1 : 2);
	}
}

void
event_render(struct jbuf *b, const struct event *e, const struct evnames *nm,
    int flags)
{
	const char *col = flags & EVR_COLOR ? kind_color(e) : "";
	char num[40];

	snprintf(num, sizeof num, "%6llu", (unsigned long long)e->seq);
	if (flags & EVR_COLOR)
		jbuf_adds(b, "\033[2m");
	jbuf_adds(b, num);
	if (!(flags & EVR_NOTIME)) {
		if (e->has_time)
			snprintf(num, sizeof num, "  %6llu.%03u",
			    (unsigned long long)(e->t_us / 1000),
			    (unsigned)(e->t_us % 1000));
		else
			snprintf(num, sizeof num, "  %10s", "");
		jbuf_adds(b, num);
	}
	if (flags & EVR_COLOR)
		jbuf_adds(b, "\033[0m");
	jbuf_add(b, "  ", 2);
	jbuf_adds(b, col);
	size_t at = b->len;
	event_show_text(b, e->ev, e->evlen, 0);
	size_t shown = b->len - at;
	if (col[0] != '\0')
		jbuf_adds(b, "\033[0m");
	while (shown++ < 8)
		jbuf_addc(b, ' ');
	jbuf_add(b, "  ", 2);
	render_what(b, e, nm);
}

/* The book of names. */

void
evbook_init(struct evbook *bk)
{
	memset(bk, 0, sizeof *bk);
}

void
evbook_free(struct evbook *bk)
{
	for (size_t i = 0; i < bk->n; i++)
		free(bk->p[i].name);
	free(bk->p);
	memset(bk, 0, sizeof *bk);
}

static int
evbook_set(struct evbook *bk, uint64_t pid, const char *name, size_t n)
{
	struct evbook_proc *p = NULL;

	for (size_t i = 0; i < bk->n; i++)
		if (bk->p[i].pid == pid)
			p = &bk->p[i];
	if (p != NULL && strlen(p->name) == n && memcmp(p->name, name, n) == 0)
		return 0;
	char *copy = malloc(n + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, name, n);
	copy[n] = '\0';
	if (p == NULL) {
		if (bk->n == bk->cap) {
			size_t cap = bk->cap ? bk->cap * 2 : 16;
			struct evbook_proc *more = realloc(bk->p, cap * sizeof *more);
			if (more == NULL) {
				free(copy);
				return -1;
			}
			bk->p = more;
			bk->cap = cap;
		}
		p = &bk->p[bk->n++];
		p->pid = pid;
		p->name = NULL;
	}
	free(p->name);
	p->name = copy;
	return 0;
}

int
evbook_learn(struct evbook *bk, const struct event *e)
{
	uint64_t pid, msg, from = 0, to = 0;
	const char *s;
	size_t n;

	switch (e->kind) {
	case EV_SPAWN:
	case EV_EXIT:
	case EV_REQUEST:
		/* A name with a NUL in it is nobody's: not a C string. */
		if (event_uint(e, "pid", &pid) && event_str(e, "name", &s, &n) &&
		    memchr(s, '\0', n) == NULL)
			return evbook_set(bk, pid, s, n);
		return 0;
	case EV_DELIVER:
	case EV_DROP:
		if (!event_uint(e, "msg", &msg))
			return 0;
		(void)event_uint(e, "from", &from);
		(void)event_uint(e, "to", &to);
		if (e->kind == EV_DROP) {
			uint64_t f0, t0;
			struct evnames nm = evbook_names(bk);
			if (nm.msg_ends(bk, msg, &f0, &t0) == 0)
				return 0;	/* delivered first: it knows more */
		}
		struct evbook_msg *m = &bk->msgs[bk->nmsgs++ % EVBOOK_MSGS];
		m->msg = msg;
		m->from = from;
		m->to = to;
		return 0;
	default:
		return 0;
	}
}

const char *
evbook_name(const struct evbook *bk, uint64_t pid)
{
	for (size_t i = 0; i < bk->n; i++)
		if (bk->p[i].pid == pid)
			return bk->p[i].name;
	return NULL;
}

static const char *
book_name(void *ctx, uint64_t pid)
{
	return evbook_name(ctx, pid);
}

static int
book_msg_ends(void *ctx, uint64_t msg, uint64_t *from, uint64_t *to)
{
	const struct evbook *bk = ctx;
	size_t held = bk->nmsgs < EVBOOK_MSGS ? bk->nmsgs : EVBOOK_MSGS;

	/* The newest first: a reply follows its deliver closely. */
	for (size_t i = 0; i < held; i++) {
		const struct evbook_msg *m = &bk->msgs[(bk->nmsgs - 1 - i) % EVBOOK_MSGS];
		if (m->msg == msg) {
			*from = m->from;
			*to = m->to;
			return 0;
		}
	}
	return -1;
}

struct evnames
evbook_names(struct evbook *bk)
{
	struct evnames nm = { book_name, book_msg_ends, bk };

	return nm;
}
