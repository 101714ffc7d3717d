/*
 * json.c - a small JSON writer and a strict JSON reader, for the event record.
 *
 * The writer is on the kernel's hot path (four events per message), so it
 * formats numbers by hand, reserves the worst case of a string once and then
 * writes without looking again, and copies runs of plain ASCII whole.
 *
 * The reader is a recursive descent over RFC 8259's grammar.  A string never
 * decodes to more bytes than it takes in the text (an escape is longer than
 * what it stands for), so the doc sizes its storage from the text's length
 * once, and whatever it hands out stays put while the parse goes on.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void
jbuf_init(struct jbuf *b)
{
	memset(b, 0, sizeof *b);
}

void
jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void
jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->failed = 0;
	b->depth = 0;
	b->used = 0;
	b->keyed = 0;
}

int
jbuf_reserve(struct jbuf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
jbuf_add(struct jbuf *b, const void *p, size_t n)
{
	if (n == 0 || jbuf_reserve(b, n) == -1)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
jbuf_addc(struct jbuf *b, char c)
{
	if (jbuf_reserve(b, 1) == -1)
		return;
	b->p[b->len++] = c;
}

void
jbuf_adds(struct jbuf *b, const char *s)
{
	jbuf_add(b, s, strlen(s));
}

void
jbuf_uint(struct jbuf *b, uint64_t v)
{
	if (jbuf_reserve(b, 20) == -1)
		return;
	b->len = (size_t)(json_uint_at(b->p + b->len, v) - b->p);
}

const char *
jbuf_str(struct jbuf *b)
{
	if (jbuf_reserve(b, 1) == -1)
		return "";
	b->p[b->len] = '\0';
	return b->p;
}

/* The comma before a value, unless it is the first of its container or
   follows its key. */
static void
json_sep(struct jbuf *b)
{
	if (b->keyed) {
		b->keyed = 0;
		return;
	}
	if (b->depth == 0)
		return;
	uint64_t bit = UINT64_C(1) << (b->depth - 1);
	if (b->used & bit)
		jbuf_addc(b, ',');
	b->used |= bit;
}

/* Opens a container.  Deeper than 64 is more than a line of ours ever
   needs, and the bookkeeping has no bit for it: a failure, not a guess. */
static void
json_open(struct jbuf *b, char c)
{
	json_sep(b);
	if (b->depth >= 64) {
		b->failed = 1;
		return;
	}
	jbuf_addc(b, c);
	b->used &= ~(UINT64_C(1) << b->depth);
	b->depth++;
}

static void
json_close(struct jbuf *b, char c)
{
	if (b->depth == 0) {
		b->failed = 1;
		return;
	}
	jbuf_addc(b, c);
	b->depth--;
	b->keyed = 0;
}

void
json_object_begin(struct jbuf *b)
{
	json_open(b, '{');
}

void
json_object_end(struct jbuf *b)
{
	json_close(b, '}');
}

void
json_array_begin(struct jbuf *b)
{
	json_open(b, '[');
}

void
json_array_end(struct jbuf *b)
{
	json_close(b, ']');
}

void
json_key(struct jbuf *b, const char *key)
{
	json_sep(b);
	jbuf_addc(b, '"');
	json_escape(b, key, strlen(key));
	jbuf_add(b, "\":", 2);
	b->keyed = 1;
}

size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)		/* a continuation byte, or an overlong C0/C1 lead */
		return 0;
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (c == 0xe0)
			lo = 0xa0;	/* below: overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* above: a surrogate */
		return n >= 3 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c < 0xf5) {
		if (c == 0xf0)
			lo = 0x90;	/* below: overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above: past U+10FFFF */
		return n >= 4 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/*
 * Whether the sixteen bytes at p go out as they are: none of them is a
 * control, DEL, a quote, a backslash or one with the high bit (UTF-8, to be
 * checked).  GCC and clang compile the vector compares to SSE2 on x86-64
 * and to NEON on arm64; elsewhere to plain code that gives the same answer.
 */
typedef signed char bytes16 __attribute__((vector_size(16)));

static int
plain16(const unsigned char *p)
{
	bytes16 v, bad;
	uint64_t lo, hi;

	memcpy(&v, p, 16);
	/* Signed: 0x80 and up are below 0x20 as well as the controls. */
	bad = (v < 0x20) | (v == 0x7f) | (v == '"') | (v == '\\');
	memcpy(&lo, &bad, 8);
	memcpy(&hi, (const char *)&bad + 8, 8);
	return (lo | hi) == 0;
}

/* The bytes copied as they are: 0x20 to 0x7e but '"' and '\\'. */
static const unsigned char plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
};

char *
json_escape_at(char *o, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)str, *end = p + n;

	while (p < end) {
		/* Plain text, whole blocks and then byte by byte: most texts
		   are nothing else.  A run of plain blocks that ends short of
		   a block from the end takes the last sixteen bytes as a block
		   too: those it shares with the run went out as they are. */
		const unsigned char *run = p;

		while (end - p >= 16 && plain16(p)) {
			memcpy(o, p, 16);
			o += 16;
			p += 16;
		}
		size_t rest = (size_t)(end - p);
		if (p - run >= 16 && rest < 16 && plain16(end - 16)) {
			memcpy(o + rest - 16, end - 16, 16);
			o += rest;
			break;
		}
		while (p < end && plain[*p])
			*o++ = (char)*p++;
		if (p == end)
			break;
		unsigned c = *p;
		if (c < 0x80) {
			*o++ = '\\';
			switch (c) {
			case '"':	*o++ = '"'; break;
			case '\\':	*o++ = '\\'; break;
			case '\n':	*o++ = 'n'; break;
			case '\r':	*o++ = 'r'; break;
			case '\t':	*o++ = 't'; break;
			case '\b':	*o++ = 'b'; break;
			case '\f':	*o++ = 'f'; break;
			default:	/* the other controls, and DEL */
				memcpy(o, "u00", 3);
				o[3] = hex[c >> 4];
				o[4] = hex[c & 15];
				o += 5;
			}
			p++;
			continue;
		}
		size_t k = utf8_seq_len(p, (size_t)(end - p));
		if (k == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			p++;
		} else {
			memcpy(o, p, k);
			o += k;
			p += k;
		}
	}
	return o;
}

/* How many digits v has. */
static unsigned
digits(uint64_t v)
{
#if defined(__GNUC__)
	/* From the bit length: log10(2) is about 1233 / 4096, which is one
	   less than the count or the count itself; one compare says which.
	   v | 1 has as many digits as v, and is never 0. */
	static const uint64_t pow10[20] = {
		1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u,
		100000000u, 1000000000u, 10000000000u, 100000000000u,
		1000000000000u, 10000000000000u, 100000000000000u,
		1000000000000000u, 10000000000000000u, 100000000000000000u,
		1000000000000000000u, 10000000000000000000u,
	};
	uint64_t w = v | 1;
	unsigned t = (unsigned)(64 - __builtin_clzll(w)) * 1233 >> 12;

	return t + (w >= pow10[t]);
#else
	unsigned n = 1;

	for (uint64_t p = 10; n < 20 && v >= p; p *= 10)
		n++;
	return n;
#endif
}

char *
json_uint_at(char *o, uint64_t v)
{
	/* Two digits a step, written in place from the last: numbers come
	   four or five to an event. */
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	unsigned n = digits(v);
	char *t = o + n;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);
		v /= 100;
		t -= 2;
		memcpy(t, pairs + 2 * d, 2);
	}
	if (v >= 10)
		memcpy(t - 2, pairs + 2 * v, 2);
	else
		t[-1] = (char)('0' + v);
	return o + n;
}

void
json_escape(struct jbuf *b, const char *str, size_t n)
{
	/* The worst case is six bytes out for one in (\u00XX); U+FFFD takes
	   three for one.  Reserve it once, then write without checking. */
	if (n > (SIZE_MAX - 16) / 6 || jbuf_reserve(b, n * 6) == -1) {
		b->failed = 1;
		return;
	}
	b->len = (size_t)(json_escape_at(b->p + b->len, str, n) - b->p);
}

void
json_string(struct jbuf *b, const char *s, size_t n)
{
	json_sep(b);
	jbuf_addc(b, '"');
	json_escape(b, s, n);
	jbuf_addc(b, '"');
}

void
json_uint(struct jbuf *b, uint64_t v)
{
	json_sep(b);
	jbuf_uint(b, v);
}

void
json_int(struct jbuf *b, int64_t v)
{
	json_sep(b);
	if (v < 0) {
		jbuf_addc(b, '-');
		jbuf_uint(b, (uint64_t)(-(v + 1)) + 1);	/* INT64_MIN too */
	} else {
		jbuf_uint(b, (uint64_t)v);
	}
}

void
json_uints(struct jbuf *b, const uint64_t *v, size_t n)
{
	json_sep(b);
	jbuf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			jbuf_addc(b, ',');
		jbuf_uint(b, v[i]);
	}
	jbuf_addc(b, ']');
}

/* The reader. */

struct jp {
	const char	*s;
	size_t		 len, pos;
	struct json_doc	*d;
};

void
json_doc_init(struct json_doc *d)
{
	memset(d, 0, sizeof *d);
}

void
json_doc_free(struct json_doc *d)
{
	free(d->m);
	free(d->str);
	free(d->num);
	memset(d, 0, sizeof *d);
}

/* Says what is at pos, for an error: "'x'", "byte 0x0a", "the end". */
static void
jp_found(const struct jp *p, size_t pos, char *buf, size_t size)
{
	if (pos >= p->len)
		snprintf(buf, size, "the end of the line");
	else if ((unsigned char)p->s[pos] >= 0x20 && (unsigned char)p->s[pos] < 0x7f)
		snprintf(buf, size, "'%c'", p->s[pos]);
	else
		snprintf(buf, size, "byte 0x%02x", (unsigned char)p->s[pos]);
}

/* "column N: expected WHAT, found X" into the doc.  Returns -1. */
static int
jp_expected(struct jp *p, size_t pos, const char *what)
{
	char found[32];

	jp_found(p, pos, found, sizeof found);
	p->d->errcol = pos + 1;
	snprintf(p->d->err, sizeof p->d->err, "column %zu: expected %s, found %s",
	    pos + 1, what, found);
	return -1;
}

static void
jp_blank(struct jp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	    p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int
jp_is(const struct jp *p, char c)
{
	return p->pos < p->len && p->s[p->pos] == c;
}

/* Four hex digits at pos.  Returns the value, or -1. */
static long
jp_hex4(const struct jp *p, size_t pos)
{
	long v = 0;

	if (pos > p->len || p->len - pos < 4)
		return -1;
	for (size_t i = pos; i < pos + 4; i++) {
		char c = p->s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static char *
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* A string at pos (its opening quote), decoded into the doc's storage. */
static int
jp_string(struct jp *p, const char **out, size_t *outlen)
{
	struct json_doc *d = p->d;
	char *start = d->str + d->strlen, *o = start;
	size_t open = p->pos;

	p->pos++;
	for (;;) {
		const char *s = p->s;
		size_t i = p->pos;
		while (i < p->len && (unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		memcpy(o, s + p->pos, i - p->pos);
		o += i - p->pos;
		p->pos = i;
		if (i >= p->len) {
			char what[64];
			snprintf(what, sizeof what, "'\"' to close the string of "
			    "column %zu", open + 1);
			return jp_expected(p, i, what);
		}
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return jp_expected(p, i, "an escape (\\n, \\u0001, ...) for a "
			    "control byte in a string");
		if (c >= 0x80) {
			size_t k = utf8_seq_len((const unsigned char *)s + i, p->len - i);
			if (k == 0)
				return jp_expected(p, i, "valid UTF-8");
			memcpy(o, s + i, k);
			o += k;
			p->pos += k;
			continue;
		}
		/* A backslash. */
		char e = i + 1 < p->len ? s[i + 1] : '\0';
		const char *plain = strchr("\"\\/bfnrt", e);
		if (e != '\0' && plain != NULL) {
			static const char is[] = "\"\\/\b\f\n\r\t";
			*o++ = is[plain - "\"\\/bfnrt"];
			p->pos += 2;
			continue;
		}
		if (e != 'u')
			return jp_expected(p, i + 1, "an escape: \\\" \\\\ \\/ \\b \\f "
			    "\\n \\r \\t or \\uXXXX");
		long cp = jp_hex4(p, i + 2);
		if (cp == -1)
			return jp_expected(p, i + 2, "4 hex digits after \\u");
		p->pos += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			p->pos -= 6;
			return jp_expected(p, i, "a high surrogate (\\uD800-\\uDBFF) "
			    "before a low one");
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			long lo = -1;
			if (p->pos + 1 < p->len && s[p->pos] == '\\' &&
			    s[p->pos + 1] == 'u')
				lo = jp_hex4(p, p->pos + 2);
			if (lo < 0xdc00 || lo > 0xdfff)
				return jp_expected(p, p->pos, "a low surrogate "
				    "(\\uDC00-\\uDFFF) after a high one");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p->pos += 6;
		}
		o = put_utf8(o, (unsigned long)cp);
	}
	*o = '\0';
	*out = start;
	*outlen = (size_t)(o - start);
	d->strlen += *outlen + 1;
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number at pos: an integer that fits 64 bits is JSON_UINT or JSON_INT,
   anything else that is a number is JSON_OTHER. */
static int
jp_number(struct jp *p, struct json_member *m)
{
	const char *s = p->s;
	int neg = 0, whole = 1, over = 0;
	uint64_t v = 0;

	if (jp_is(p, '-')) {
		neg = 1;
		p->pos++;
	}
	if (p->pos >= p->len || !is_digit(s[p->pos]))
		return jp_expected(p, p->pos, "a digit");
	if (s[p->pos] == '0') {
		p->pos++;
		if (p->pos < p->len && is_digit(s[p->pos]))
			return jp_expected(p, p->pos, "no digit after a leading 0");
	} else {
		while (p->pos < p->len && is_digit(s[p->pos])) {
			unsigned dgt = (unsigned)(s[p->pos++] - '0');
			if (v > (UINT64_MAX - dgt) / 10)
				over = 1;
			else
				v = v * 10 + dgt;
		}
	}
	if (jp_is(p, '.')) {
		p->pos++;
		if (p->pos >= p->len || !is_digit(s[p->pos]))
			return jp_expected(p, p->pos, "a digit after '.'");
		while (p->pos < p->len && is_digit(s[p->pos]))
			p->pos++;
		whole = 0;
	}
	if (jp_is(p, 'e') || jp_is(p, 'E')) {
		p->pos++;
		if (jp_is(p, '+') || jp_is(p, '-'))
			p->pos++;
		if (p->pos >= p->len || !is_digit(s[p->pos]))
			return jp_expected(p, p->pos, "a digit in the exponent");
		while (p->pos < p->len && is_digit(s[p->pos]))
			p->pos++;
		whole = 0;
	}
	m->type = JSON_OTHER;
	if (whole && !over && !neg) {
		m->type = JSON_UINT;
		m->u = v;
	} else if (whole && !over && v <= (uint64_t)INT64_MAX + 1) {
		m->type = JSON_INT;
		m->i = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	}
	return 0;
}

static int jp_value(struct jp *p, struct json_member *m, unsigned depth);

/* An array at pos; JSON_UINTS if every member is a JSON_UINT. */
static int
jp_array(struct jp *p, struct json_member *m, unsigned depth)
{
	struct json_doc *d = p->d;
	size_t first = d->numlen, n = 0;
	int uints = 1;

	p->pos++;
	jp_blank(p);
	if (jp_is(p, ']')) {
		p->pos++;
	} else {
		for (;;) {
			struct json_member e;
			if (jp_value(p, &e, depth + 1) == -1)
				return -1;
			if (e.type != JSON_UINT)
				uints = 0;
			else if (uints)
				d->num[first + n++] = e.u;
			if (uints)
				d->numlen = first + n;
			jp_blank(p);
			if (jp_is(p, ']')) {
				p->pos++;
				break;
			}
			if (!jp_is(p, ','))
				return jp_expected(p, p->pos, "',' or ']'");
			p->pos++;
			jp_blank(p);
		}
	}
	if (uints) {
		m->type = JSON_UINTS;
		m->v = d->num + first;
		m->n = n;
	} else {
		m->type = JSON_OTHER;
		d->numlen = first;
	}
	return 0;
}

/*
 * The members of an object at pos.  At the top (depth 0) they are kept in
 * the doc; deeper, they are only checked.
 */
static int
jp_object(struct jp *p, unsigned depth)
{
	struct json_doc *d = p->d;

	p->pos++;
	jp_blank(p);
	if (jp_is(p, '}')) {
		p->pos++;
		return 0;
	}
	for (;;) {
		struct json_member m;
		memset(&m, 0, sizeof m);
		if (!jp_is(p, '"'))
			return jp_expected(p, p->pos, "a key (a string in double quotes)");
		if (jp_string(p, &m.key, &m.keylen) == -1)
			return -1;
		jp_blank(p);
		if (!jp_is(p, ':'))
			return jp_expected(p, p->pos, "':' after the key");
		p->pos++;
		jp_blank(p);
		m.col = p->pos + 1;
		if (jp_value(p, &m, depth + 1) == -1)
			return -1;
		if (depth == 0) {
			if (d->n == d->mcap) {
				size_t cap = d->mcap ? d->mcap * 2 : 16;
				struct json_member *more = realloc(d->m, cap * sizeof *more);
				if (more == NULL) {
					snprintf(d->err, sizeof d->err, "out of memory");
					return -1;
				}
				d->m = more;
				d->mcap = cap;
			}
			d->m[d->n++] = m;
		}
		jp_blank(p);
		if (jp_is(p, '}')) {
			p->pos++;
			return 0;
		}
		if (!jp_is(p, ','))
			return jp_expected(p, p->pos, "',' or '}'");
		p->pos++;
		jp_blank(p);
	}
}

static int
jp_literal(struct jp *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return -1;
	p->pos += n;
	return 0;
}

static int
jp_value(struct jp *p, struct json_member *m, unsigned depth)
{
	static const char value[] = "a value (a string, a number, an object, "
	    "an array, true, false or null)";

	if (p->pos >= p->len)
		return jp_expected(p, p->pos, value);
	m->type = JSON_OTHER;
	switch (p->s[p->pos]) {
	case '"':
		m->type = JSON_STRING;
		return jp_string(p, &m->s, &m->n);
	case '[':
		if (depth >= JSON_DEPTH_MAX)
			return jp_expected(p, p->pos, "no more than 64 levels of nesting");
		return jp_array(p, m, depth);
	case '{':
		if (depth >= JSON_DEPTH_MAX)
			return jp_expected(p, p->pos, "no more than 64 levels of nesting");
		return jp_object(p, depth);
	case 't':
		if (jp_literal(p, "true") == 0)
			return 0;
		break;
	case 'f':
		if (jp_literal(p, "false") == 0)
			return 0;
		break;
	case 'n':
		if (jp_literal(p, "null") == 0)
			return 0;
		break;
	default:
		if (p->s[p->pos] == '-' || is_digit(p->s[p->pos]))
			return jp_number(p, m);
	}
	return jp_expected(p, p->pos, value);
}

int
json_parse(struct json_doc *d, const char *text, size_t len)
{
	struct jp p = { text, len, 0, d };

	d->n = 0;
	d->strlen = 0;
	d->numlen = 0;
	d->errcol = 0;
	d->err[0] = '\0';
	/* Room for the worst case, decided once: every string decodes to no
	   more than it takes (quotes included, so a NUL after each fits), and
	   every array member takes at least two bytes with its separator. */
	if (d->strcap < len + 1) {
		char *s = realloc(d->str, len + 1);
		if (s == NULL)
			goto oom;
		d->str = s;
		d->strcap = len + 1;
	}
	if (d->numcap < len / 2 + 1) {
		uint64_t *v = realloc(d->num, (len / 2 + 1) * sizeof *v);
		if (v == NULL)
			goto oom;
		d->num = v;
		d->numcap = len / 2 + 1;
	}
	jp_blank(&p);
	if (!jp_is(&p, '{'))
		return jp_expected(&p, p.pos, "'{' (a line is one JSON object)");
	if (jp_object(&p, 0) == -1)
		return -1;
	jp_blank(&p);
	if (p.pos != len)
		return jp_expected(&p, p.pos, "nothing after the object");
	return 0;
oom:
	snprintf(d->err, sizeof d->err, "out of memory");
	return -1;
}
