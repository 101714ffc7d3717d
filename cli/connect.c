/*
 * connect.c - a command's connection to a running kernel (attach, monitor).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "listen.h"

int
cli_connect(const struct options *o)
{
	int fd = listen_connect(o->k.socket_path);

	if (fd != -1)
		return fd;
	if (errno != ENOENT && errno != ECONNREFUSED)
		fprintf(stderr, "mipc: cannot connect to %s: %s\n", o->k.socket_path,
		    strerror(errno));
	else
		fprintf(stderr, "mipc: no kernel is running on %s (%s): start one "
		    "with `mipc kernel%s%s`\n", o->k.socket_path, strerror(errno),
		    o->socket_given ? " --socket " : "",
		    o->socket_given ? o->k.socket_path : "");
	return -1;
}
