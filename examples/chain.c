/*
 * chain.c - a client of blocking calls: it links to PORT, then calls it
 * COUNT times, the first time with TEXT and each time after with the text of
 * the answer before, and logs every step.
 *
 *	spawn e program="bin/examples/echo 7"
 *	spawn c program="bin/examples/chain 7 hello 3"
 *
 * While a call waits, the kernel delivers it nothing: a call to a server
 * that is itself calling back is a deadlock, which the kernel reports.
 *
 * Done, it stays until the kernel stops, and answers any message sent to it
 * with the text the chain ended on: so a scenario can wait for the end of
 * the chain (give it a port first, `c: c {.message=,.pid=PID,.port=9}`).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mipc.h"

/* s as a number from 1 to max, or 0 if it is not one. */
static long
number(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v >= 1 && v <= max ? v : 0;
}

/* The chain of calls; text holds TEXT, then each answer.  0 or -1. */
static int
chain(struct mipc *m, unsigned port, char *text, long count)
{
	char line[MIPC_REQUEST_SIZE];
	struct mipc_answer ans;
	size_t len;
	int r;

	/* The first message to a port links to it; the next ones are sent. */
	r = mipc_request(m, line, sizeof line, MIPC_MESSAGE, text, port);
	if (r >= 0)
		r = mipc_send(m, line, &ans);
	if (r != MIPC_OK) {
		fprintf(stderr, "chain: cannot link to port %u: %s\n", port,
		    r == MIPC_ERR ? ans.line : mipc_error(m));
		return -1;
	}

	for (long i = 1; i <= count; i++) {
		r = mipc_request(m, line, sizeof line, MIPC_MESSAGE, text, port);
		if (r >= 0)
			r = mipc_call(m, line, &ans);
		if (r != MIPC_OK) {
			fprintf(stderr, "chain: call %ld of %ld: %s\n", i, count,
			    r == MIPC_ERR ? ans.line : mipc_error(m));
			return -1;
		}
		printf("chain: call %ld of %ld: sent \"%s\", got \"%s\"\n", i, count,
		    text, ans.text);
		if ((len = strlen(ans.text)) > MIPC_MESSAGE_MAX) {
			fprintf(stderr, "chain: the answer is %zu bytes, too long to "
			    "send on (at most %d)\n", len, MIPC_MESSAGE_MAX);
			return -1;
		}
		memcpy(text, ans.text, len + 1);
	}
	printf("chain: done: \"%s\"\n", text);
	return 0;
}

int
main(int argc, char **argv)
{
	char why[256], text[MIPC_MESSAGE_MAX + 1];
	struct mipc_message msg;
	struct mipc *m;
	long port, count;
	int r;

	if (argc != 4 || (port = number(argv[1], 65535)) == 0 ||
	    (count = number(argv[3], LONG_MAX)) == 0 ||
	    strlen(argv[2]) > MIPC_MESSAGE_MAX) {
		fprintf(stderr, "usage: chain PORT TEXT COUNT (PORT 1 to 65535, "
		    "TEXT at most %d bytes, COUNT 1 or more)\n", MIPC_MESSAGE_MAX);
		return 2;
	}
	if ((m = mipc_open(why, sizeof why)) == NULL) {
		fprintf(stderr, "chain: %s\n", why);
		return 1;
	}
	strcpy(text, argv[2]);
	if (chain(m, (unsigned)port, text, count) == -1) {
		mipc_close(m);
		return 1;
	}

	/* Whoever asks is told where the chain ended, until the kernel stops. */
	while ((r = mipc_receive(m, &msg)) == MIPC_OK)
		if ((r = mipc_reply(m, text)) != MIPC_OK)
			break;
	if (r != MIPC_EOF)
		fprintf(stderr, "chain: %s\n", mipc_error(m));
	mipc_close(m);
	return r == MIPC_EOF ? 0 : 1;
}
