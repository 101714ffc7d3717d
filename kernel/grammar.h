/*
 * grammar.h - the console and scenario language, as pure code.
 *
 * One grammar serves a scenario file, a line typed into `mipc attach` and a
 * line a raw client sends: a line is classified (blank, comment, request,
 * verb) and a verb line is taken apart into a struct cmd.  Nothing here runs
 * a line (console.c does); script.c loads a file with it, help.c says it.
 */
#ifndef MIPC_GRAMMAR_H
#define MIPC_GRAMMAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "child.h"
#include "param.h"

enum line_kind {
	LINE_BLANK,	/* nothing but blanks */
	LINE_COMMENT,	/* its first non-blank byte is '#' */
	LINE_REQUEST,	/* {...}, c {...} or r {...} */
	LINE_VERB,	/* anything else: a verb or NAME: */
};

/* Cuts the next blank-separated word off *s (up to end) into *w; returns
   its length, 0 when there is none. */
size_t	gram_word(const char **s, const char *end, const char **w);

/* What a line is.  A trailing CR counts as a blank. */
enum line_kind gram_kind(const char *line, size_t len);

enum verb {
	V_NONE,		/* a comment or a blank line */
	V_REQUEST,	/* a request, sent as the client itself */
	V_SPAWN, V_SEND, V_WAIT, V_KILL, V_DUMP, V_PS, V_SLEEP, V_MONITOR,
	V_EXPECT_OK, V_EXPECT_ERR, V_EXPECT_GOT, V_EXPECT_RECEIVED,
	V_EXPECT_TABLE, V_EXPECT_MAILBOXES, V_EXPECT_ALIVE, V_EXPECT_DEAD,
	V_EXPECT_DEADLOCK,
	V_HELP, V_QUIT, V_SHUTDOWN,
};

#define GRAM_NAMES_MAX	MIPC_SLOTS_MAX	/* names on one `expect deadlock` line */

/* One console line, taken apart.  Pointers point into the line. */
struct cmd {
	enum verb	 verb;
	char		 name[MIPC_NAME_MAX + 1];
	const char	*arg;		/* V_SEND: LINE; V_EXPECT_RECEIVED: TEXT;
					   V_EXPECT_TABLE/MAILBOXES: the slots;
					   V_MONITOR: the rules; V_EXPECT_DEADLOCK:
					   the names; V_REQUEST: the request */
	size_t		 arglen;
	int		 amp;		/* V_SEND ending in '&' */
	struct child_config ccfg;	/* V_SPAWN: pid (0: any), reply, program,
					   forward */
	int		 sig;		/* V_KILL */
	long		 ms;		/* V_SLEEP */
	int		 code;		/* V_EXPECT_ERR, V_EXPECT_GOT: enum mipc_err */
};

/*
 * Takes one console line apart.  Returns 0, or -1 with why (at most whysz
 * bytes) saying what was expected.  Surrounding blanks and a trailing CR are
 * ignored; a comment or a blank line is V_NONE.
 */
int	gram_parse(const char *line, size_t len, struct cmd *c, char *why, size_t whysz);

/* Whether verb is an expect: its answer is not the "last answer". */
int	gram_is_expect(enum verb verb);

/*
 * Calls fn for each NAME a line names (the NAME of NAME:, wait, kill,
 * expect NAME ..., each name of expect deadlock), with its length.
 */
void	gram_names(const struct cmd *c, void (*fn)(void *arg, const char *name,
	    size_t n), void *arg);

#endif
