/*
 * script.h - a scenario file, read whole and checked before anything runs.
 */
#ifndef MIPC_SCRIPT_H
#define MIPC_SCRIPT_H

#include <stddef.h>
#include <stdio.h>

/* A scenario file, read whole. */
struct script {
	char		*path;
	char		**lines;	/* as read, without newline or trailing CR */
	size_t		*lens;
	unsigned	 n;
};

/*
 * Reads the scenario file path whole and checks every line: a syntax error,
 * a request without a NAME:, a line longer than MIPC_LINE_MAX (comments may
 * be as long as they like), a NAME that no spawn line of the file names, a
 * file that cannot be read to its end.  Each error goes to errs as
 * "PATH:LINE: message".  Returns 0, or -1 after at least one error (s is
 * then freed).  A UTF-8 byte order mark at the start is skipped.
 */
int	script_load(struct script *s, const char *path, FILE *errs);
void	script_free(struct script *s);

#endif
