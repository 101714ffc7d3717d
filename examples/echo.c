/*
 * echo.c - an echo server: registers a port and answers every message sent
 * to it with the message's own text.  A message "quit" is answered too, and
 * then the server ends.
 *
 *	spawn e program="bin/examples/echo 7"
 *
 * A message "ERR ENOENT no such file" goes back to its sender as that error,
 * not as OK: that is how a server refuses a request.
 */
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

int
main(int argc, char **argv)
{
	char why[256], line[MIPC_REQUEST_SIZE];
	struct mipc_answer ans;
	struct mipc_message msg;
	struct mipc *m;
	long port;
	int r;

	if (argc != 2 || (port = number(argv[1], 65535)) == 0) {
		fprintf(stderr, "usage: echo PORT (1 to 65535)\n");
		return 2;
	}
	if ((m = mipc_open(why, sizeof why)) == NULL) {
		fprintf(stderr, "echo: %s\n", why);
		return 1;
	}

	/* c {.message=,.pid=PID,.port=PORT}: the port is ours. */
	r = mipc_request(m, line, sizeof line, MIPC_REGISTER, "", (unsigned)port);
	if (r >= 0)
		r = mipc_send(m, line, &ans);
	if (r != MIPC_OK) {
		fprintf(stderr, "echo: cannot register port %ld: %s\n", port,
		    r == MIPC_ERR ? ans.line : mipc_error(m));
		mipc_close(m);
		return 1;
	}
	printf("echo: %s serves port %ld\n", mipc_name(m), port);

	while ((r = mipc_receive(m, &msg)) == MIPC_OK) {
		if ((r = mipc_reply(m, msg.text)) != MIPC_OK)
			break;
		if (strcmp(msg.text, "quit") == 0) {
			printf("echo: asked to quit by pid %lu\n", (unsigned long)msg.from);
			break;
		}
	}
	if (r == MIPC_EOF)
		printf("echo: the kernel has gone, exiting\n");
	else if (r != MIPC_OK)
		fprintf(stderr, "echo: %s\n", mipc_error(m));
	mipc_close(m);
	return r == MIPC_OK || r == MIPC_EOF ? 0 : 1;
}
