/*
 * expect.c - the expect verbs: whether what a scenario expects holds.
 *
 * Each expect reads what the kernel recorded (the last answer, the answers
 * and deliveries a child got, the arrays, who is alive) and says, when it
 * does not hold, what it found instead: that line is what a student reads
 * when a scenario fails.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "expect.h"
#include "proc.h"
#include "route.h"

/* Whether name (n bytes) is one of the blank-separated words of s[0..len). */
static int
among(const char *s, size_t len, const char *name, size_t n)
{
	const char *end = s + len, *w;
	size_t k;

	while ((k = gram_word(&s, end, &w)) > 0)
		if (k == n && memcmp(w, name, n) == 0)
			return 1;
	return 0;
}

/*
 * expect deadlock: whether the words of s[0..len) are the names of the
 * cycle, in any order: each a name of it, and each of its names among
 * them ("a a b" for the cycle a, b, c is not it).
 */
static int
same_names(const char *s, size_t len, const char (*names)[MIPC_NAME_MAX + 1],
    unsigned n)
{
	const char *p = s, *end = s + len, *w;
	size_t k;
	unsigned count = 0;

	while ((k = gram_word(&p, end, &w)) > 0) {
		int found = 0;
		for (unsigned i = 0; i < n && !found; i++)
			found = strlen(names[i]) == k && memcmp(names[i], w, k) == 0;
		if (!found)
			return 0;
		count++;
	}
	for (unsigned i = 0; i < n; i++)
		if (!among(s, len, names[i], strlen(names[i])))
			return 0;
	return count == n && n > 0;
}

/* expect table / expect mailboxes: every slot, in order. */
static int
slots(const struct cmd *cmd, const struct route *r, char *why, size_t whysz)
{
	int table = cmd->verb == V_EXPECT_TABLE;
	unsigned nslots = table ? r->pt.nslots : r->mb.nslots;
	const char *s = cmd->arg, *end = cmd->arg + cmd->arglen, *w;
	unsigned i = 0, listed = 0;
	size_t n;

	/* A line for another number of slots is told as such, not by the
	   first slot where it goes wrong. */
	while (gram_word(&s, end, &w) > 0)
		listed++;
	if (listed != nslots) {
		snprintf(why, whysz, "the %s has %u slots, the line lists %u",
		    table ? "table" : "mailbox array", nslots, listed);
		return 0;
	}
	s = cmd->arg;
	while ((n = gram_word(&s, end, &w)) > 0) {
		char want[32], have[32] = "-";
		snprintf(want, sizeof want, "%.*s", (int)(n < 31 ? n : 31), w);
		if (table && r->pt.slot[i].port != 0)
			snprintf(have, sizeof have, "%u", r->pt.slot[i].port);
		else if (!table && i < r->mb.n)
			snprintf(have, sizeof have, "%u<-%u", r->mb.slot[i].port,
			    (unsigned)r->mb.slot[i].client);
		if (strcmp(want, have) != 0) {
			snprintf(why, whysz, "%s slot %u holds %s, expected %s",
			    table ? "table" : "mailbox", i, have, want);
			return 0;
		}
		i++;
	}
	return 1;
}

/* Whether the answer text is `ok`, or `err` with code. */
static int
answer_is(const char *text, int code)
{
	if (code == E_OK)
		return strncmp(text, "OK", 2) == 0 && (text[2] == '\0' || text[2] == ' ');
	const char *name = err_name(code);
	size_t n = strlen(name);
	return strncmp(text, "ERR ", 4) == 0 && strncmp(text + 4, name, n) == 0 &&
	    (text[4 + n] == '\0' || text[4 + n] == ' ');
}

int
expect_check(const struct cmd *cmd, const char *last, struct procs *ps,
    const struct route *r, char *why, size_t whysz)
{
	struct child *t = NULL;
	int held;

	switch (cmd->verb) {
	case V_EXPECT_GOT: case V_EXPECT_RECEIVED: case V_EXPECT_ALIVE:
	case V_EXPECT_DEAD:
		/* With PROC_DEAD_KEPT reaped ones remembered, older ones may
		   have been forgotten: NAME may be one of them. */
		if ((t = proc_find(ps, cmd->name)) == NULL && ps->ndead >= PROC_DEAD_KEPT) {
			snprintf(why, whysz, "no process named %s was spawned, or it is not "
			    "among the last %d reaped, which alone are remembered",
			    cmd->name, PROC_DEAD_KEPT);
			return 0;
		}
		if (t == NULL) {
			snprintf(why, whysz, "no process named %s was spawned", cmd->name);
			return 0;
		}
		break;
	default:
		break;
	}
	switch (cmd->verb) {
	case V_EXPECT_OK:
	case V_EXPECT_ERR:
		if (last[0] == '\0') {
			snprintf(why, whysz, "no line before it has been answered");
			return 0;
		}
		if (cmd->verb == V_EXPECT_OK)
			snprintf(why, whysz, "expected ok, the answer was: %s", last);
		else
			snprintf(why, whysz, "expected err %s, the answer was: %s",
			    err_name(cmd->code), last);
		return answer_is(last, cmd->verb == V_EXPECT_OK ? E_OK : cmd->code);
	case V_EXPECT_GOT:
		held = (t->got & (1u << cmd->code)) != 0;
		t->got = 0;
		snprintf(why, whysz, "%s got no %s%s answer", t->name,
		    cmd->code == E_OK ? "" : "ERR ", err_name(cmd->code));
		return held;
	case V_EXPECT_RECEIVED:
		held = seen_has(&t->seen, cmd->arg, cmd->arglen);
		if (!held && t->seen.full)
			snprintf(why, whysz, "%s received no \"%.*s\" among the %u distinct "
			    "texts kept; later ones are not", t->name, (int)cmd->arglen,
			    cmd->arg, t->seen.n);
		else
			snprintf(why, whysz, "%s received no \"%.*s\"", t->name,
			    (int)cmd->arglen, cmd->arg);
		return held;
	case V_EXPECT_TABLE:
	case V_EXPECT_MAILBOXES:
		return slots(cmd, r, why, whysz);
	case V_EXPECT_ALIVE:
		snprintf(why, whysz, "%s %s", t->name, t->why);
		return t->state != CHILD_DEAD;
	case V_EXPECT_DEAD:
		snprintf(why, whysz, "%s is %s", t->name,
		    t->state == CHILD_STOPPED ? "stopped" : "running");
		return t->state == CHILD_DEAD;
	case V_EXPECT_DEADLOCK: {
		const struct serve *sv = ps->sv;
		size_t w;
		if (sv->ndeadlock == 0) {
			snprintf(why, whysz, "no deadlock has been found");
			return 0;
		}
		w = (size_t)snprintf(why, whysz, "the last deadlock found was:");
		for (unsigned i = 0; i < sv->ndeadlock && w < whysz; i++)
			w += (size_t)snprintf(why + w, whysz - w, " %s", sv->deadlock[i]);
		return same_names(cmd->arg, cmd->arglen, sv->deadlock, sv->ndeadlock);
	}
	default:
		snprintf(why, whysz, "not an expect");
		return 0;
	}
}
