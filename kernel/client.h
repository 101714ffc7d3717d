/*
 * client.h - the clients attached to the kernel's socket: their sessions.
 *
 * A client is a simulated process of its own (its first request claims its
 * pid) with a console: its requests are routed as they come and may be
 * pipelined; a console line waits until every line before it is answered,
 * and the lines after it wait until it is done.  Here are accepting and
 * refusing, the lines a client holds back, its end of file (a closed socket
 * or only its sending half), and noticing one that left while it waited.
 */
#ifndef MIPC_CLIENT_H
#define MIPC_CLIENT_H

#include <stddef.h>

#include "serve.h"

struct consoles;
struct console;

struct client {
	struct sproc	 sp;		/* first: a client is a process */
	struct clients	*cls;
	struct console	*con;
	char		*held;		/* a console line waiting for its turn */
	size_t		 held_len;
	int		 quitting;	/* leave once the output is written */
	struct client	*next;
};

struct clients {
	struct serve	*sv;
	struct consoles	*cs;
	struct logw	*log;
	int		 listen_fd;	/* -1: none */
	const int	*stopping;	/* the kernel is stopping: lines run no more */
	struct client	*list;
	unsigned	 n;
};

void	clients_init(struct clients *cls, struct serve *sv, struct consoles *cs,
	    int listen_fd, const int *stopping);
/* Every client leaves, for why (the kernel stops); carried out at once. */
void	clients_free(struct clients *cls, const char *why);

/* The listening socket is readable: takes every client waiting. */
void	clients_accept(struct clients *cls);
/* A client whose lines wait behind a console line is not read, so its
   leaving would go unseen: asked directly, each time the loop wakes. */
void	clients_notice(struct clients *cls);
/* Runs the console lines clients hold, and what follows them.  Returns
   whether any ran. */
int	clients_run(struct clients *cls);
/* Clients that quit or sent their end of file and have had every answer
   leave. */
void	clients_done(struct clients *cls);
/* Whether a client waits on a console line (the loop then looks for
   departures at least once a second). */
int	clients_waiting(const struct clients *cls);
/* Tells every client a line (the kernel stopping, and why). */
void	clients_tell(struct clients *cls, const char *line);

#endif
