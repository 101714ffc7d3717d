/*
 * grammar.c - the console and scenario language, as pure code.
 *
 * A line is a request if it starts with '{', or with 'c' or 'r', blanks and
 * '{'; otherwise its first word is a verb or NAME:.  gram_parse() takes a
 * verb line apart without running anything, so that a whole scenario file
 * can be checked before its first line runs, and so that the grammar can be
 * tested without a kernel.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grammar.h"
#include "log.h"
#include "request.h"
#include "signame.h"

/* ----- words ----- */

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

size_t
gram_word(const char **s, const char *end, const char **w)
{
	while (*s < end && blank(**s))
		(*s)++;
	*w = *s;
	while (*s < end && !blank(**s))
		(*s)++;
	return (size_t)(*s - *w);
}

static int
is_word(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* A NAME: 1 to 16 of a-z 0-9 _ -, starting with a letter, not "kernel". */
static int
valid_name(const char *s, size_t n)
{
	return log_name_ok(s, n) && !is_word(s, n, "kernel");
}

static const char name_rule[] = "1 to 16 of a-z 0-9 _ -, starting with a letter, "
    "not kernel";

/* A decimal number from lo to hi, no sign or leading zero.  -1 if not. */
static long long
number(const char *s, size_t n, long long lo, long long hi)
{
	long long v = 0;

	if (n == 0 || n > 12 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < lo || v > hi ? -1 : v;
}

static int
take_name(const char **s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w;
	size_t n = gram_word(s, end, &w);

	if (n == 0) {
		snprintf(why, whysz, "expected a NAME (%s)", name_rule);
		return -1;
	}
	if (!valid_name(w, n)) {
		snprintf(why, whysz, "expected a NAME (%s), got '%.*s'", name_rule,
		    (int)(n > 40 ? 40 : n), w);
		return -1;
	}
	memcpy(c->name, w, n);
	c->name[n] = '\0';
	return 0;
}

static int
no_more(const char *s, const char *end, char *why, size_t whysz)
{
	const char *w;
	size_t n = gram_word(&s, end, &w);

	if (n == 0)
		return 0;
	snprintf(why, whysz, "unexpected '%.*s' at the end of the line",
	    (int)(n > 40 ? 40 : n), w);
	return -1;
}

/* "ok" or "err CODE" */
static int
take_outcome(const char *s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w;
	size_t n = gram_word(&s, end, &w);

	if (is_word(w, n, "ok")) {
		c->code = E_OK;
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "err")) {
		n = gram_word(&s, end, &w);
		c->code = err_from_name(w, n);
		if (c->code <= 0) {
			snprintf(why, whysz, "expected an error code (EINVAL, ENOENT, ...) "
			    "after 'err', got '%.*s'", (int)(n > 40 ? 40 : n), w);
			return -1;
		}
		return no_more(s, end, why, whysz);
	}
	snprintf(why, whysz, "expected 'ok' or 'err CODE', got '%.*s'",
	    (int)(n > 40 ? 40 : n), w);
	return -1;
}

/*
 * "TEXT" at *s (after blanks), TEXT running to the last '"' before `stop`
 * (end of the line if NULL), so that it may hold quotes itself.  *s is left
 * after that quote.
 */
static int
take_quoted(const char **s, const char *end, const char *stop, const char **t,
    size_t *n)
{
	const char *a = *s, *b = stop != NULL ? stop : end;

	while (a < end && blank(*a))
		a++;
	if (a == end || *a != '"')
		return -1;
	while (b > a + 1 && b[-1] != '"')
		b--;
	if (b <= a + 1)
		return -1;
	*t = a + 1;
	*n = (size_t)(b - 1 - (a + 1));
	*s = b;
	return 0;
}

/* ----- expect ----- */

static int
parse_slots(const char *p, const char *end, int table, char *why, size_t whysz)
{
	const char *w;
	size_t n;
	unsigned count = 0;

	while ((n = gram_word(&p, end, &w)) > 0) {
		const char *arrow = NULL;
		count++;
		if (is_word(w, n, "-"))
			continue;
		if (!table) {
			for (size_t i = 0; i + 1 < n; i++)
				if (w[i] == '<' && w[i + 1] == '-')
					arrow = w + i;
			if (arrow == NULL || number(w, (size_t)(arrow - w), 1, 65535) < 0 ||
			    number(arrow + 2, n - (size_t)(arrow + 2 - w), 1,
			    4294967295LL) < 0) {
				snprintf(why, whysz, "expected PORT<-PID or - for a mailbox "
				    "slot, got '%.*s'", (int)(n > 40 ? 40 : n), w);
				return -1;
			}
		} else if (number(w, n, 1, 65535) < 0) {
			snprintf(why, whysz, "expected a PORT (1 to 65535) or - for a "
			    "table slot, got '%.*s'", (int)(n > 40 ? 40 : n), w);
			return -1;
		}
	}
	if (count == 0) {
		snprintf(why, whysz, "expected one entry per slot after '%s'",
		    table ? "table" : "mailboxes");
		return -1;
	}
	return 0;
}

static int
parse_expect(const char *s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	const char *w, *w2, *p = s;
	size_t n = gram_word(&p, end, &w);
	const char *q = p;
	size_t n2 = gram_word(&q, end, &w2);

	if (is_word(w2, n2, "got") || is_word(w2, n2, "received")) {
		const char *r = s;
		if (take_name(&r, end, c, why, whysz) == -1)
			return -1;
		if (is_word(w2, n2, "got")) {
			c->verb = V_EXPECT_GOT;
			return take_outcome(q, end, c, why, whysz);
		}
		c->verb = V_EXPECT_RECEIVED;
		if (take_quoted(&q, end, NULL, &c->arg, &c->arglen) == -1) {
			snprintf(why, whysz, "expected \"TEXT\" after 'received'");
			return -1;
		}
		return no_more(q, end, why, whysz);
	}
	if (is_word(w, n, "ok") || is_word(w, n, "err")) {
		c->verb = is_word(w, n, "ok") ? V_EXPECT_OK : V_EXPECT_ERR;
		return take_outcome(s, end, c, why, whysz);
	}
	if (is_word(w, n, "alive") || is_word(w, n, "dead")) {
		c->verb = is_word(w, n, "alive") ? V_EXPECT_ALIVE : V_EXPECT_DEAD;
		if (take_name(&p, end, c, why, whysz) == -1)
			return -1;
		return no_more(p, end, why, whysz);
	}
	if (is_word(w, n, "table") || is_word(w, n, "mailboxes")) {
		int table = is_word(w, n, "table");
		c->verb = table ? V_EXPECT_TABLE : V_EXPECT_MAILBOXES;
		c->arg = p;
		c->arglen = (size_t)(end - p);
		return parse_slots(p, end, table, why, whysz);
	}
	if (is_word(w, n, "deadlock")) {
		unsigned count = 0;
		c->verb = V_EXPECT_DEADLOCK;
		c->arg = p;
		c->arglen = (size_t)(end - p);
		while ((n = gram_word(&p, end, &w)) > 0) {
			if (!valid_name(w, n)) {
				snprintf(why, whysz, "expected NAMEs after 'deadlock' (%s), "
				    "got '%.*s'", name_rule, (int)(n > 40 ? 40 : n), w);
				return -1;
			}
			if (++count > GRAM_NAMES_MAX) {
				snprintf(why, whysz, "more than %d NAMEs after 'deadlock'",
				    GRAM_NAMES_MAX);
				return -1;
			}
		}
		if (count == 0) {
			snprintf(why, whysz, "expected the NAMEs of the processes in the "
			    "deadlock after 'deadlock'");
			return -1;
		}
		return 0;
	}
	snprintf(why, whysz, "malformed expect: expected ok, err CODE, NAME got, NAME "
	    "received, table, mailboxes, alive, dead or deadlock");
	return -1;
}

/* ----- spawn ----- */

static const char *const spawn_keys[] = { "pid=", "reply=", "program=", "forward=" };
#define NKEYS (sizeof spawn_keys / sizeof spawn_keys[0])

/* Which option word w starts with, or -1. */
static int
spawn_key(const char *w, size_t n)
{
	for (size_t i = 0; i < NKEYS; i++) {
		size_t kn = strlen(spawn_keys[i]);
		if (n >= kn && memcmp(w, spawn_keys[i], kn) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Where the quoted value that starts at q ends: at the first `"` followed by
 * blanks and another option (reply="a "b"" program="x" has two values);
 * else at the last `"` of the line.  Returns the byte after that quote's
 * stretch, for take_quoted.
 */
static const char *
quoted_stop(const char *q, const char *end)
{
	for (const char *p = q + 1; p < end; p++) {
		if (*p != '"' || p + 1 >= end || !blank(p[1]))
			continue;
		const char *r = p + 1, *w;
		size_t n = gram_word(&r, end, &w);
		if (n > 0 && spawn_key(w, n) >= 0)
			return p + 1;
	}
	return end;
}

static int
parse_spawn(const char *s, const char *end, struct cmd *c, char *why, size_t whysz)
{
	struct child_config *cc = &c->ccfg;
	const char *w;
	size_t n;
	int given[NKEYS] = { 0 };

	if (take_name(&s, end, c, why, whysz) == -1)
		return -1;
	memcpy(cc->name, c->name, sizeof cc->name);
	cc->reply = REPLY_DEFAULT;
	while ((n = gram_word(&s, end, &w)) > 0) {
		int key = spawn_key(w, n);
		if (key < 0) {
			snprintf(why, whysz, "expected pid=N, reply=echo|\"TEXT\", "
			    "program=\"PATH ARG...\" or forward=PORT, got '%.*s'",
			    (int)(n > 40 ? 40 : n), w);
			return -1;
		}
		if (given[key]++) {
			snprintf(why, whysz, "%s given twice: give it once", spawn_keys[key]);
			return -1;
		}
		const char *v = w + strlen(spawn_keys[key]);
		size_t vn = n - strlen(spawn_keys[key]);
		const char *t;
		size_t tl;
		switch (key) {
		case 0: {
			long long pid = number(v, vn, 1, 4294967295LL);
			if (pid < 0) {
				snprintf(why, whysz, "expected pid=N with N from 1 to "
				    "4294967295, got '%.*s'", (int)(n > 40 ? 40 : n), w);
				return -1;
			}
			cc->pid = (uint32_t)pid;
			break;
		}
		case 1:
			if (is_word(v, vn, "echo")) {
				cc->reply = REPLY_ECHO;
				break;
			}
			s = v;
			if (vn == 0 || *v != '"' ||
			    take_quoted(&s, end, quoted_stop(v, end), &t, &tl) == -1) {
				if (vn > 0 && *v == '"')
					snprintf(why, whysz, "expected reply=\"TEXT\": the "
					    "closing '\"' is missing");
				else
					snprintf(why, whysz, "expected reply=echo or "
					    "reply=\"TEXT\", got '%.*s'",
					    (int)(n > 40 ? 40 : n), w);
				return -1;
			}
			if (tl > MIPC_TEXT_MAX || memchr(t, '\0', tl) != NULL) {
				snprintf(why, whysz, "expected reply=\"TEXT\" with at most "
				    "%d bytes of TEXT and no NUL", MIPC_TEXT_MAX);
				return -1;
			}
			cc->reply = REPLY_FIXED;
			memcpy(cc->reply_text, t, tl);
			cc->reply_text[tl] = '\0';
			break;
		case 2: {
			const char *pw;
			s = v;
			if (vn == 0 || *v != '"' ||
			    take_quoted(&s, end, quoted_stop(v, end), &t, &tl) == -1) {
				snprintf(why, whysz, "expected program=\"PATH ARG...\"%s",
				    vn > 0 && *v == '"' ? ": the closing '\"' is missing" : "");
				return -1;
			}
			const char *ts = t;
			if (gram_word(&ts, t + tl, &pw) == 0) {
				snprintf(why, whysz, "expected a PATH in program=\"PATH ARG...\"");
				return -1;
			}
			if (tl > MIPC_LINE_MAX || memchr(t, '\0', tl) != NULL) {
				snprintf(why, whysz, "expected program=\"PATH ARG...\" of at "
				    "most %d bytes and no NUL", MIPC_LINE_MAX);
				return -1;
			}
			memcpy(cc->program, t, tl);
			cc->program[tl] = '\0';
			break;
		}
		case 3: {
			long long port = number(v, vn, 1, 65535);
			if (port < 0) {
				snprintf(why, whysz, "expected forward=PORT with PORT from 1 "
				    "to 65535, got '%.*s'", (int)(n > 40 ? 40 : n), w);
				return -1;
			}
			cc->forward = (uint16_t)port;
			break;
		}
		}
	}
	if (given[2] + given[3] + (given[1] && cc->reply != REPLY_DEFAULT) > 1) {
		snprintf(why, whysz, "reply=, program= and forward= each say how the "
		    "process answers: give one of them");
		return -1;
	}
	return 0;
}

/* ----- a line ----- */

enum line_kind
gram_kind(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (blank(line[i]) || (line[i] == '\r' && i + 1 == len)))
		i++;
	if (i == len)
		return LINE_BLANK;
	if (line[i] == '#')
		return LINE_COMMENT;
	if (req_is_request(line, len))
		return LINE_REQUEST;
	return LINE_VERB;
}

int
gram_is_expect(enum verb verb)
{
	return verb >= V_EXPECT_OK && verb <= V_EXPECT_DEADLOCK;
}

int
gram_parse(const char *line, size_t len, struct cmd *c, char *why, size_t whysz)
{
	const char *s = line, *end = line + len, *w;
	size_t n;

	memset(c, 0, sizeof *c);
	if (end > s && end[-1] == '\r')
		end--;
	while (s < end && blank(*s))
		s++;
	while (end > s && blank(end[-1]))
		end--;
	if (memchr(line, '\0', len) != NULL) {
		snprintf(why, whysz, "NUL byte in the line");
		return -1;
	}
	if (s == end || *s == '#') {
		c->verb = V_NONE;
		return 0;
	}
	if (req_is_request(s, (size_t)(end - s))) {
		c->verb = V_REQUEST;
		c->arg = s;
		c->arglen = (size_t)(end - s);
		return 0;
	}
	n = gram_word(&s, end, &w);
	if (n > 1 && w[n - 1] == ':') {
		if (!valid_name(w, n - 1)) {
			snprintf(why, whysz, "'%.*s' is not a NAME (%s)",
			    (int)(n - 1 > 40 ? 40 : n - 1), w, name_rule);
			return -1;
		}
		c->verb = V_SEND;
		memcpy(c->name, w, n - 1);
		c->name[n - 1] = '\0';
		while (s < end && blank(*s))
			s++;
		if (end > s && end[-1] == '&' && (end - 1 == s || blank(end[-2]))) {
			c->amp = 1;
			end--;
			while (end > s && blank(end[-1]))
				end--;
		}
		c->arg = s;
		c->arglen = (size_t)(end - s);
		return 0;
	}
	if (is_word(w, n, "spawn")) {
		c->verb = V_SPAWN;
		return parse_spawn(s, end, c, why, whysz);
	}
	if (is_word(w, n, "wait")) {
		c->verb = V_WAIT;
		if (take_name(&s, end, c, why, whysz) == -1)
			return -1;
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "kill")) {
		c->verb = V_KILL;
		c->sig = SIGTERM;
		if (take_name(&s, end, c, why, whysz) == -1)
			return -1;
		if ((n = gram_word(&s, end, &w)) > 0 && (c->sig = sig_from_name(w, n)) == -1) {
			snprintf(why, whysz, "unknown signal '%.*s' (try TERM, KILL, STOP, "
			    "CONT, INT, HUP, USR1, or a number such as 9)",
			    (int)(n > 20 ? 20 : n), w);
			return -1;
		}
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "sleep")) {
		c->verb = V_SLEEP;
		n = gram_word(&s, end, &w);
		if ((c->ms = (long)number(w, n, 0, MIPC_TIMEOUT_MAX)) < 0) {
			snprintf(why, whysz, "expected sleep MS, MS from 0 to %d",
			    MIPC_TIMEOUT_MAX);
			return -1;
		}
		return no_more(s, end, why, whysz);
	}
	if (is_word(w, n, "monitor")) {
		c->verb = V_MONITOR;
		while (s < end && blank(*s))
			s++;
		c->arg = s;
		c->arglen = (size_t)(end - s);
		return 0;
	}
	if (is_word(w, n, "expect"))
		return parse_expect(s, end, c, why, whysz);
	static const struct { const char *w; enum verb v; } plain[] = {
		{ "dump", V_DUMP }, { "ps", V_PS }, { "help", V_HELP },
		{ "quit", V_QUIT }, { "shutdown", V_SHUTDOWN },
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (is_word(w, n, plain[i].w)) {
			c->verb = plain[i].v;
			return no_more(s, end, why, whysz);
		}
	snprintf(why, whysz, "unknown verb '%.*s' (try help)", (int)(n > 40 ? 40 : n), w);
	return -1;
}

void
gram_names(const struct cmd *c, void (*fn)(void *arg, const char *name, size_t n),
    void *arg)
{
	switch (c->verb) {
	case V_SEND: case V_WAIT: case V_KILL: case V_EXPECT_GOT:
	case V_EXPECT_RECEIVED: case V_EXPECT_ALIVE: case V_EXPECT_DEAD:
		fn(arg, c->name, strlen(c->name));
		break;
	case V_EXPECT_DEADLOCK: {
		const char *s = c->arg, *end = c->arg + c->arglen, *w;
		size_t n;
		while ((n = gram_word(&s, end, &w)) > 0)
			fn(arg, w, n);
		break;
	}
	default:
		break;
	}
}
