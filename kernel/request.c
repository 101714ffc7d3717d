/*
 * request.c - the request format, parsed and written.
 *
 *     [c |r ]{.message=TEXT,.pid=PID,.port=PORT}
 *
 * TEXT may hold commas, braces and '=', even ",.pid=", so the parser reads
 * the numeric tail from the right: the closing brace, the port, ",.port=",
 * the pid, ",.pid=", and what is left between "{.message=" and there is TEXT.
 * Every rejection says what is wrong and the column (from 1, counting bytes
 * of the line as given) where it is: what was expected there, and what was
 * found instead.  A request written with C's spacing, blanks after its
 * commas, is common enough to get a message of its own, with the request
 * written as it should be.
 */
#include <stdio.h>
#include <string.h>

#include "request.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A numeric field: its key, what it is called, its largest value. */
struct key {
	const char	*s;
	size_t		 n;
	const char	*what;
	unsigned long long max;
};

#define KEY(lit, what, max)	{ lit, sizeof lit - 1, what, max }
static const struct key port_key = KEY(",.port=", "port", 65535);
static const struct key pid_key = KEY(",.pid=", "pid", 4294967295ULL);

/* Does s[lo..at) end with the key?  Keys are a few bytes: no call for them. */
static int
ends_with(const char *s, size_t lo, size_t at, const struct key *k)
{
	if (at - lo < k->n)
		return 0;
	for (size_t i = 0; i < k->n; i++)
		if (s[at - k->n + i] != k->s[i])
			return 0;
	return 1;
}

/* Does s[lo..at) hold the key anywhere? */
static int
has_key(const char *s, size_t lo, size_t at, const struct key *k)
{
	for (size_t i = lo; i + k->n <= at; i++)
		if (ends_with(s, lo, i + k->n, k))
			return 1;
	return 0;
}

/*
 * Where the value after the key starts, if the key is there with a value
 * that holds no comma (".port=abc}"): what follows is then meant as the
 * value, not as more TEXT.  0 if there is no such key.
 */
static size_t
value_start(const char *s, size_t lo, size_t end, const struct key *k)
{
	for (size_t v = end; v > lo; v--) {
		if (ends_with(s, lo, v, k))
			return v;
		if (s[v - 1] == ',')
			return 0;	/* a comma in it: TEXT, or another field */
	}
	return 0;
}

/* Appends ", not 'BYTES'" to why, if the bytes can be shown on a line as
   they are; a long run is shown cut, and says so. */
static void
not_these(char *why, size_t whysz, const char *p, size_t n)
{
	size_t len;

	if (whysz == 0)
		return;
	len = strlen(why);
	for (size_t i = 0; i < n; i++)
		if (p[i] < ' ' || p[i] > '~')
			return;
	if (n > 24)
		snprintf(why + len, whysz - len, ", not '%.24s...'", p);
	else
		snprintf(why + len, whysz - len, ", not '%.*s'", (int)n, p);
}

/*
 * Reads one numeric field from the right: the digits ending just before
 * s[end], and its key before them; `before` is the key of the field before
 * it, whose presence means this field is missing altogether.  Returns 0 with
 * the value and where the key starts, or -1 with why filled.
 */
static int
field(const char *s, size_t lo, size_t end, const struct key *k,
    const struct key *before, unsigned long long *v, size_t *keystart,
    char *why, size_t whysz)
{
	size_t b = end, vs;
	unsigned long long n = 0;

	while (b > lo && s[b - 1] >= '0' && s[b - 1] <= '9')
		b--;
	if (!ends_with(s, lo, b, k) && (vs = value_start(s, lo, end, k)) != 0) {
		/* The key is there; what follows it is no number. */
		if (is_blank(s[end - 1]))
			snprintf(why, whysz, "unexpected blank at column %zu", end);
		else {
			snprintf(why, whysz, "expected a %s (1 to %llu) at column %zu",
			    k->what, k->max, vs + 1);
			not_these(why, whysz, s + vs, end - vs);
		}
		return -1;
	}
	if (b == end) {
		if (end > lo && s[end - 1] == '=')
			snprintf(why, whysz, "expected a %s (1 to %llu) at column %zu",
			    k->what, k->max, end + 1);
		else if (end > lo && is_blank(s[end - 1]))
			snprintf(why, whysz, "unexpected blank at column %zu", end);
		else
			snprintf(why, whysz, "expected '%s' at column %zu", k->s,
			    end + 1);
		return -1;
	}
	if (s[b] == '0') {
		if (end - b == 1)
			snprintf(why, whysz, "expected a %s (1 to %llu) at column %zu, "
			    "not 0", k->what, k->max, b + 1);
		else
			snprintf(why, whysz, "expected a %s without leading zeros at "
			    "column %zu", k->what, b + 1);
		return -1;
	}
	for (size_t i = b; i < end && i < b + 11; i++)
		n = n * 10 + (unsigned long long)(s[i] - '0');
	if (end - b > 10 || n > k->max) {
		if (end - b > 20)
			snprintf(why, whysz, "expected a %s (1 to %llu) at column %zu, "
			    "not a number of %zu digits", k->what, k->max, b + 1,
			    end - b);
		else
			snprintf(why, whysz, "expected a %s (1 to %llu) at column %zu, "
			    "not %.*s", k->what, k->max, b + 1, (int)(end - b), s + b);
		return -1;
	}
	if (!ends_with(s, lo, b, k)) {
		if (b == lo || s[b - 1] != '=')		/* a sign, a blank, a letter */
			snprintf(why, whysz, "expected a %s (1 to %llu) at column %zu",
			    k->what, k->max, b);
		else if (before != NULL && ends_with(s, lo, b, before))
			snprintf(why, whysz, has_key(s, lo, b, k) ? "expected the fields "
			    "in the order .message, .pid, .port" : "expected '%s' at "
			    "column %zu", k->s, end + 1);
		else {
			/* A misspelt key: point at the comma that starts it, or,
			   if the field before runs into it, where it starts. */
			size_t c = b - 1;
			while (c > lo && s[c - 1] != ',' && s[c - 1] != '=')
				c--;
			if (c > lo && s[c - 1] == '=') {
				while (c < b && s[c] >= '0' && s[c] <= '9')
					c++;
				c++;
			}
			snprintf(why, whysz, "expected '%s' at column %zu", k->s,
			    c > lo ? c : lo + 1);
		}
		return -1;
	}
	*v = n;
	*keystart = b - k->n;
	return 0;
}

/*
 * Appends ": write FIXED" to why, if the n bytes of fixed are a request the
 * parser takes and all of them fit; otherwise leaves why as it is.
 */
static void
write_instead(char *why, size_t whysz, const char *fixed, int n)
{
	struct request r;
	char unused[8];
	size_t len = whysz > 0 ? strlen(why) : 0;

	if (whysz > 0 && n > 0 && (size_t)n < MIPC_LINE_MAX + 1 &&
	    req_parse(fixed, (size_t)n, &r, unused, sizeof unused) == E_OK &&
	    len + sizeof ": write " + (size_t)n <= whysz)
		snprintf(why + len, whysz - len, ": write %s", fixed);
}

/*
 * A request written with blanks after its commas, C's way:
 *
 *     {.message=x, .pid=1234, .port=85}
 *
 * The tail is read from the right as the parser reads it, but with blanks
 * let in after each of its two commas.  If there were some, why says where
 * the first is, and how the request is written (if that parses, and fits).
 * line[b..e) is the request, from its "c "/"r " if any; text is where TEXT
 * starts.  Returns 1 if it said so, 0 if the blanks are not what is wrong.
 */
static int
blanks_after_commas(const char *line, size_t b, size_t text, size_t e,
    char *why, size_t whysz)
{
	static const char *const keys[] = { ".port=", ".pid=" };
	size_t comma[2], digits[2], ndigits[2], at = e - 1, first = 0;
	char fixed[MIPC_LINE_MAX + 1];
	int n;

	for (int f = 0; f < 2; f++) {
		size_t klen = strlen(keys[f]), d = at;
		while (d > text && line[d - 1] >= '0' && line[d - 1] <= '9')
			d--;
		if (d == at || d - text < klen ||
		    memcmp(line + d - klen, keys[f], klen) != 0)
			return 0;
		digits[f] = d;
		ndigits[f] = at - d;
		at = d - klen;
		while (at > text && is_blank(line[at - 1]))
			at--;
		if (at == text || line[at - 1] != ',')
			return 0;
		if (at < d - klen)
			first = at;		/* the pid's comma, if both */
		comma[f] = --at;
	}
	if (first == 0)
		return 0;
	n = snprintf(fixed, sizeof fixed, "%.*s,.pid=%.*s,.port=%.*s}",
	    (int)(comma[1] - b), line + b, (int)ndigits[1], line + digits[1],
	    (int)ndigits[0], line + digits[0]);
	snprintf(why, whysz, "no blank allowed after ',' at column %zu", first);
	write_instead(why, whysz, fixed, n);
	return 1;
}

/* "{ .message=": the blanks in line[brace + 1..m) are what is wrong; says
   so, and how the request is written, as blanks_after_commas() does. */
static void
blank_after_brace(const char *line, size_t start, size_t brace, size_t m,
    size_t e, char *why, size_t whysz)
{
	char fixed[MIPC_LINE_MAX + 1];
	int n = snprintf(fixed, sizeof fixed, "%.*s%.*s", (int)(brace + 1 - start),
	    line + start, (int)(e - m), line + m);

	snprintf(why, whysz, "no blank allowed after '{' at column %zu", brace + 1);
	write_instead(why, whysz, fixed, n);
}

enum mipc_err
req_parse(const char *line, size_t len, struct request *req, char *why, size_t whysz)
{
	static const char head[] = "{.message=";
	size_t b = 0, e = len, at;
	unsigned long long v;

	/* Not memset: this runs for every message, and text is long. */
	req->op = REQ_SEND;
	req->pid = 0;
	req->port = 0;
	req->len = 0;
	req->text[0] = '\0';
	if (whysz > 0)
		why[0] = '\0';
	/* Surrounding blanks and one trailing CR are not part of the request. */
	if (e > 0 && line[e - 1] == '\r')
		e--;
	while (e > b && is_blank(line[e - 1]))
		e--;
	while (b < e && is_blank(line[b]))
		b++;
	size_t start = b;
	if (b == e) {
		snprintf(why, whysz, "expected a request '{.message=TEXT,.pid=PID,"
		    ".port=PORT}' at column %zu", b + 1);
		return E_EINVAL;
	}

	req->op = REQ_SEND;
	if ((line[b] == 'c' || line[b] == 'r') && b + 1 < e && is_blank(line[b + 1])) {
		req->op = line[b] == 'c' ? REQ_CREATE : REQ_REMOVE;
		b++;
		while (b < e && is_blank(line[b]))
			b++;
	}
	if (b >= e || line[b] != '{') {
		snprintf(why, whysz, "expected '{' at column %zu", b + 1);
		return E_EINVAL;
	}
	if (e - b < sizeof head - 1 || memcmp(line + b, head, sizeof head - 1) != 0) {
		size_t m = b + 1;
		while (m < e && is_blank(line[m]))
			m++;
		if (m > b + 1 && e - m >= sizeof head - 2 &&
		    memcmp(line + m, head + 1, sizeof head - 2) == 0)
			blank_after_brace(line, start, b, m, e, why, whysz);
		else
			snprintf(why, whysz, "expected '.message=' at column %zu",
			    b + 2);
		return E_EINVAL;
	}
	size_t text = b + sizeof head - 1;

	/* From the right: '}' PORT ',.port=' PID ',.pid=' */
	if (line[e - 1] != '}') {
		/* A request with junk after its brace is better told as such. */
		size_t brace = e - 1;
		while (brace > text && line[brace] != '}')
			brace--;
		size_t junk = brace + 1;
		while (junk < e && is_blank(line[junk]))
			junk++;
		if (line[brace] == '}' && line[brace - 1] >= '0' && line[brace - 1] <= '9')
			snprintf(why, whysz, "unexpected '%c' after '}' at column %zu",
			    line[junk], junk + 1);
		else
			snprintf(why, whysz, "expected '}' at column %zu", e + 1);
		return E_EINVAL;
	}
	if (field(line, text, e - 1, &port_key, &pid_key, &v, &at, why, whysz) == -1)
		goto bad_tail;
	req->port = (uint16_t)v;
	if (field(line, text, at, &pid_key, NULL, &v, &at, why, whysz) == -1)
		goto bad_tail;
	req->pid = (uint32_t)v;

	/* What is left is TEXT: none of NUL, CR, LF in it (the first, if any,
	   is reported).  memchr looks at many bytes a step. */
	static const char stop[] = { '\0', '\r', '\n' };
	const char *bad = NULL;
	for (size_t k = 0; k < sizeof stop; k++) {
		const char *q = memchr(line + text, stop[k], at - text);
		if (q != NULL && (bad == NULL || q < bad))
			bad = q;
	}
	if (bad != NULL) {
		snprintf(why, whysz, "%s byte in message at column %zu",
		    *bad == '\0' ? "NUL" : *bad == '\r' ? "CR" : "LF",
		    (size_t)(bad - line) + 1);
		return E_EINVAL;
	}
	if (at - text > MIPC_TEXT_MAX) {
		snprintf(why, whysz, "message is %zu bytes, at most %d allowed",
		    at - text, MIPC_TEXT_MAX);
		return E_EMSGSIZE;
	}
	req->len = (uint16_t)(at - text);
	memcpy(req->text, line + text, req->len);
	req->text[req->len] = '\0';
	return E_OK;

bad_tail:
	/* Blanks after the commas are what to fix first, if there are any. */
	(void)blanks_after_commas(line, start, text, e, why, whysz);
	return E_EINVAL;
}

int
req_is_request(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && is_blank(line[i]))
		i++;
	if (i < len && line[i] == '{')
		return 1;
	if (i + 1 < len && (line[i] == 'c' || line[i] == 'r') && is_blank(line[i + 1])) {
		i++;
		while (i < len && is_blank(line[i]))
			i++;
		return i < len && line[i] == '{';
	}
	return 0;
}

int
req_serialise(const struct request *req, char *buf, size_t size)
{
	const char *prefix = req->op == REQ_CREATE ? "c " :
	    req->op == REQ_REMOVE ? "r " : "";
	int n = snprintf(buf, size, "%s{.message=%.*s,.pid=%lu,.port=%u}", prefix,
	    (int)req->len, req->text, (unsigned long)req->pid, (unsigned)req->port);

	return n < 0 || (size_t)n >= size ? -1 : n;
}
