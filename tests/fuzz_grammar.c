/*
 * fuzz_grammar.c - libFuzzer harness for the console and scenario grammar.
 *
 * The input is one line (up to a newline, if there is one), as a scenario
 * file, `mipc attach` or a raw client gives it.  Whatever its bytes, gram_kind() and gram_parse() must not crash
 * or read past it, and:
 *
 *   - they agree on what the line is: blank or comment, request, verb;
 *   - a refusal says why, in one line, and a short reason buffer is cut,
 *     never overrun;
 *   - blanks around the line change nothing (the grammar says they are
 *     ignored), so the line with blanks added parses to the same command;
 *   - what is accepted holds together: the argument lies in the line, a
 *     NAME is a valid name, numbers are in their ranges, texts end in NUL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "grammar.h"
#include "log.h"
#include "request.h"

static void __attribute__((noreturn))
fail(const char *what, const char *line, size_t len)
{
	fprintf(stderr, "fuzz_grammar: %s: \"%.*s\"\n", what,
	    (int)(len > 200 ? 200 : len), line);
	abort();
}

/* A NAME as the grammar defines it: log_name_ok() and not "kernel". */
static int
name_ok(const char *s, size_t n)
{
	return log_name_ok(s, n) && !(n == 6 && memcmp(s, "kernel", 6) == 0);
}

/* Whether s ends in a NUL within size bytes. */
static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

struct names {
	const char	*line;
	size_t		 len;
	unsigned	 n;
};

static void
on_name(void *arg, const char *name, size_t n)
{
	struct names *nm = arg;

	if (!name_ok(name, n))
		fail("gram_names gave an invalid NAME", nm->line, nm->len);
	nm->n++;
}

/* What an accepted line must hold to. */
static void
check_cmd(const struct cmd *c, const char *line, size_t len)
{
	struct names nm = { line, len, 0 };

	if (c->arg != NULL && (c->arg < line || c->arg + c->arglen > line + len))
		fail("the argument is not within the line", line, len);
	if (c->arg == NULL && c->arglen != 0)
		fail("an argument length without an argument", line, len);
	if (!terminated(c->name, sizeof c->name))
		fail("NAME not NUL-terminated", line, len);
	if (gram_is_expect(c->verb) != (c->verb >= V_EXPECT_OK &&
	    c->verb <= V_EXPECT_DEADLOCK))
		fail("gram_is_expect disagrees with the verb", line, len);
	switch (c->verb) {
	case V_SEND: case V_WAIT: case V_KILL: case V_SPAWN: case V_EXPECT_GOT:
	case V_EXPECT_RECEIVED: case V_EXPECT_ALIVE: case V_EXPECT_DEAD:
		if (!name_ok(c->name, strlen(c->name)))
			fail("a verb's NAME is not a valid name", line, len);
		break;
	case V_NONE: case V_REQUEST: case V_DUMP: case V_PS: case V_SLEEP:
	case V_MONITOR: case V_EXPECT_OK: case V_EXPECT_ERR: case V_EXPECT_TABLE:
	case V_EXPECT_MAILBOXES: case V_EXPECT_DEADLOCK: case V_HELP: case V_QUIT:
	case V_SHUTDOWN:
		if (c->name[0] != '\0')
			fail("a NAME on a verb that has none", line, len);
		break;
	}
	switch (c->verb) {
	case V_REQUEST:
		if (c->arg == NULL || !req_is_request(c->arg, c->arglen))
			fail("V_REQUEST whose argument is not a request", line, len);
		break;
	case V_SEND:
		if (c->amp != 0 && c->amp != 1)
			fail("amp neither 0 nor 1", line, len);
		break;
	case V_SPAWN:
		if (!terminated(c->ccfg.reply_text, sizeof c->ccfg.reply_text) ||
		    !terminated(c->ccfg.program, sizeof c->ccfg.program) ||
		    !terminated(c->ccfg.name, sizeof c->ccfg.name) ||
		    strcmp(c->ccfg.name, c->name) != 0)
			fail("spawn: a text not NUL-terminated, or names differ", line, len);
		if (c->ccfg.reply != REPLY_DEFAULT && c->ccfg.reply != REPLY_ECHO &&
		    c->ccfg.reply != REPLY_FIXED)
			fail("spawn: reply of no known kind", line, len);
		if (strlen(c->ccfg.reply_text) > MIPC_TEXT_MAX)
			fail("spawn: reply text over MIPC_TEXT_MAX", line, len);
		break;
	case V_KILL:
		if (c->sig <= 0)
			fail("kill without a signal", line, len);
		break;
	case V_SLEEP:
		if (c->ms < 0 || c->ms > MIPC_TIMEOUT_MAX)
			fail("sleep out of range", line, len);
		break;
	case V_EXPECT_OK:
		if (c->code != E_OK)
			fail("expect ok with an error code", line, len);
		break;
	case V_EXPECT_ERR:
		if (c->code <= 0 || err_name(c->code) == NULL)
			fail("expect err without a known code", line, len);
		break;
	case V_EXPECT_GOT:
		if (c->code < 0 || err_name(c->code) == NULL)
			fail("expect got without an outcome", line, len);
		break;
	default:
		break;
	}
	gram_names(c, on_name, &nm);
	if (c->verb == V_EXPECT_DEADLOCK && (nm.n == 0 || nm.n > GRAM_NAMES_MAX))
		fail("expect deadlock with no NAME or too many", line, len);
}

/* Two parses of the same line, one with blanks around it, agree. */
static void
same(const struct cmd *a, const char *la, const struct cmd *b, const char *lb,
    const char *line, size_t len)
{
	if (a->verb != b->verb || strcmp(a->name, b->name) != 0 ||
	    a->arglen != b->arglen || a->amp != b->amp || a->sig != b->sig ||
	    a->ms != b->ms || a->code != b->code ||
	    (a->arg == NULL) != (b->arg == NULL) ||
	    (a->arg != NULL && a->arg - la != b->arg - lb) ||
	    memcmp(&a->ccfg, &b->ccfg, sizeof a->ccfg) != 0)
		fail("blanks around the line change what it parses to", line, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	const char *nl = memchr(line, '\n', size);
	struct cmd c, c2;
	char why[160], why2[160], tiny[8];

	/* One line: what a reader of a file or a socket hands on. */
	if (nl != NULL)
		size = (size_t)(nl - line);
	enum line_kind kind = gram_kind(line, size);
	int rc, nul = memchr(line, '\0', size) != NULL;

	if (kind != LINE_BLANK && kind != LINE_COMMENT && kind != LINE_REQUEST &&
	    kind != LINE_VERB)
		fail("gram_kind gave no kind", line, size);
	memset(why, 'x', sizeof why);
	rc = gram_parse(line, size, &c, why, sizeof why);
	if (rc != 0 && rc != -1)
		fail("gram_parse returned neither 0 nor -1", line, size);
	if (rc == -1 && (why[0] == '\0' || !terminated(why, sizeof why) ||
	    strchr(why, '\n') != NULL))
		fail("a refusal without a one-line reason", line, size);
	/* A short reason buffer is cut, and the answer is the same. */
	memset(tiny, 'x', sizeof tiny);
	if (gram_parse(line, size, &c2, tiny, sizeof tiny) != rc)
		fail("the reason buffer's size changes the answer", line, size);
	if (rc == -1 && !terminated(tiny, sizeof tiny))
		fail("a short reason buffer is not NUL-terminated", line, size);
	if (nul && rc == 0)
		fail("a line with a NUL byte accepted", line, size);
	if (!nul) {
		int none = rc == 0 && c.verb == V_NONE;
		int req = rc == 0 && c.verb == V_REQUEST;
		if (none != (kind == LINE_BLANK || kind == LINE_COMMENT))
			fail("gram_kind and gram_parse disagree on blank or comment", line,
			    size);
		if (req != (kind == LINE_REQUEST))
			fail("gram_kind and gram_parse disagree on a request", line, size);
	}
	if (rc == 0)
		check_cmd(&c, line, size);

	/* Blanks before and after (a trailing CR must stay last to be one). */
	if (size > 0 && line[size - 1] == '\r')
		return 0;
	char *padded = malloc(size + 4);
	if (padded == NULL)
		return 0;
	memcpy(padded, " \t", 2);
	memcpy(padded + 2, line, size);
	memcpy(padded + 2 + size, "\t ", 2);
	if (gram_parse(padded, size + 4, &c2, why2, sizeof why2) != rc)
		fail("blanks around the line change whether it parses", line, size);
	if (rc == 0)
		same(&c, line, &c2, padded + 2, line, size);
	else if (strcmp(why, why2) != 0)
		fail("blanks around the line change the reason", line, size);
	if (gram_kind(padded, size + 4) != kind)
		fail("blanks around the line change its kind", line, size);
	free(padded);
	return 0;
}
