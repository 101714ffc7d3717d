/*
 * script.c - a scenario file, read whole and checked before anything runs.
 *
 * Every line is parsed when the file is loaded, so that a syntax error, a
 * request with no NAME: before it, or a NAME that no spawn line of the file
 * names (a typo) stops the run before its first line, with every error
 * named by file and line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "script.h"

/* The names a file's spawn lines name, and the first line naming each. */
struct names {
	char		(*name)[MIPC_NAME_MAX + 1];
	unsigned	*line;
	unsigned	 n, cap;
	int		 oom;
};

static int
names_find(const struct names *ns, const char *name, size_t n)
{
	for (unsigned i = 0; i < ns->n; i++)
		if (strlen(ns->name[i]) == n && memcmp(ns->name[i], name, n) == 0)
			return (int)i;
	return -1;
}

static void
names_add(struct names *ns, const char *name, size_t n, unsigned line)
{
	if (names_find(ns, name, n) >= 0)
		return;
	if (ns->n == ns->cap) {
		unsigned cap = ns->cap ? ns->cap * 2 : 16;
		void *a = realloc(ns->name, cap * sizeof *ns->name);
		if (a != NULL)
			ns->name = a;
		void *b = realloc(ns->line, cap * sizeof *ns->line);
		if (b != NULL)
			ns->line = b;
		if (a == NULL || b == NULL) {
			ns->oom = 1;
			return;
		}
		ns->cap = cap;
	}
	memcpy(ns->name[ns->n], name, n);
	ns->name[ns->n][n] = '\0';
	ns->line[ns->n++] = line;
}

/* A line's use of a name no spawn line names. */
struct use {
	const struct names *spawned;
	const char	*path;
	unsigned	 lineno;
	FILE		*errs;
	int		 errors;
};

static void
check_name(void *arg, const char *name, size_t n)
{
	struct use *u = arg;

	if (names_find(u->spawned, name, n) >= 0)
		return;
	fprintf(u->errs, "%s:%u: no spawn line of this file names '%.*s' (a typo?)\n",
	    u->path, u->lineno, (int)n, name);
	u->errors++;
}

static int
script_add(struct script *s, const char *line, size_t n)
{
	char **lines = realloc(s->lines, (s->n + 1) * sizeof *lines);
	if (lines != NULL)
		s->lines = lines;
	size_t *lens = realloc(s->lens, (s->n + 1) * sizeof *lens);
	if (lens != NULL)
		s->lens = lens;
	if (lines == NULL || lens == NULL || (s->lines[s->n] = malloc(n + 1)) == NULL)
		return -1;
	memcpy(s->lines[s->n], line, n);
	s->lines[s->n][n] = '\0';
	s->lens[s->n++] = n;
	return 0;
}

int
script_load(struct script *s, const char *path, FILE *errs)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	int errors = 0;
	struct names spawned = { 0 };

	memset(s, 0, sizeof *s);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(errs, "mipc: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((s->path = strdup(path)) == NULL)
		goto oom;
	errno = 0;
	while ((got = getline(&buf, &cap, f)) != -1) {
		size_t n = (size_t)got;
		char *line = buf;
		struct cmd cmd;
		char why[320];
		unsigned lineno = s->n + 1;

		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;	/* a file from Windows: the trace shows no ^M */
		if (lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3;	/* a byte order mark, as some editors write */
			n -= 3;
		}
		enum line_kind kind = gram_kind(line, n);
		if (n > MIPC_LINE_MAX && kind != LINE_COMMENT) {
			fprintf(errs, "%s:%u: line longer than %d bytes\n", path, lineno,
			    MIPC_LINE_MAX);
			errors++;
		} else if (gram_parse(line, n, &cmd, why, sizeof why) == -1) {
			fprintf(errs, "%s:%u: %s\n", path, lineno, why);
			errors++;
		} else if (cmd.verb == V_REQUEST) {
			fprintf(errs, "%s:%u: a scenario has no pid of its own: write "
			    "NAME: %.*s\n", path, lineno, (int)cmd.arglen, cmd.arg);
			errors++;
		} else if (cmd.verb == V_SPAWN) {
			names_add(&spawned, cmd.name, strlen(cmd.name), lineno);
		}
		if (script_add(s, line, n) == -1)
			goto oom;
		errno = 0;
	}
	/* getline says -1 at the end of the file and on an error alike: a file
	   that could not be read whole is an error, never its end. */
	if (ferror(f) || !feof(f)) {
		fprintf(errs, "mipc: %s: cannot be read to its end after line %u: %s\n",
		    path, s->n, strerror(errno ? errno : EIO));
		errors++;
	}
	if (spawned.oom)
		goto oom;
	/* A name no spawn line names is a typo: `serer: ...` must not pass. */
	for (unsigned i = 0; i < s->n; i++) {
		struct cmd cmd;
		char why[320];
		struct use u = { &spawned, path, i + 1, errs, 0 };
		if (s->lens[i] <= MIPC_LINE_MAX &&
		    gram_parse(s->lines[i], s->lens[i], &cmd, why, sizeof why) == 0)
			gram_names(&cmd, check_name, &u);
		errors += u.errors;
	}
	free(buf);
	free(spawned.name);
	free(spawned.line);
	fclose(f);
	if (errors > 0) {
		script_free(s);
		return -1;
	}
	return 0;
oom:
	fprintf(errs, "mipc: %s: out of memory\n", path);
	free(buf);
	free(spawned.name);
	free(spawned.line);
	fclose(f);
	script_free(s);
	return -1;
}

void
script_free(struct script *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->lines[i]);
	free(s->lines);
	free(s->lens);
	free(s->path);
	memset(s, 0, sizeof *s);
}

