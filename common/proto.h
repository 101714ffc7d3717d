/*
 * proto.h - the child protocol: the lines between the kernel and a simulated
 * process on its socket (fd 3 of a program of the user's).
 *
 *   kernel -> process
 *     OK ... / ERR ...     the answer to a line the process sent, in order
 *     * received "TEXT" from pid PID via port PORT
 *                          a delivery: answer it with "= REPLY"
 *     * ...                any other notice (a link destroyed, ...)
 *     ! LINE               send LINE as yourself (the console's NAME: LINE):
 *                          answer "> LINE"
 *     ~ sync               write your log now (a kill is coming): "~ synced"
 *
 *   process -> kernel
 *     + LINE               a request of its own
 *     ? LINE               a blocking call: until its answer the process is
 *                          handed no delivery
 *     = REPLY              its answer to the oldest delivery not yet answered
 *     > LINE               the line "! LINE" asked for, exactly as given
 *     ~ synced             its log is written
 *
 * Every marker is one byte and a blank.  This file and proto.c are the one
 * place that knows them and the form of a delivery line.
 */
#ifndef MIPC_PROTO_H
#define MIPC_PROTO_H

#include <stddef.h>
#include <stdint.h>

enum proto_kind {
	PROTO_OTHER = 0,	/* none of the below: a broken line */
	PROTO_ANSWER,		/* "OK ..." or "ERR ..." (rest: the whole line) */
	PROTO_DELIVERY,		/* "* received ..." (rest: the whole line) */
	PROTO_NOTICE,		/* any other "* ..." (rest: after "* ") */
	PROTO_RUN,		/* "! LINE" */
	PROTO_SYNC,		/* "~ sync" */
	PROTO_SEND,		/* "+ LINE" */
	PROTO_CALL,		/* "? LINE" */
	PROTO_REPLY,		/* "= REPLY" */
	PROTO_RAN,		/* "> LINE" */
	PROTO_SYNCED,		/* "~ synced" */
};

/* A program of the user's finds its socket and itself so. */
#define PROTO_FD		3		/* the socket's descriptor */
#define PROTO_ENV_FD		"MIPC_FD"	/* "3" */
#define PROTO_ENV_NAME		"MIPC_NAME"	/* its NAME */
#define PROTO_ENV_PID		"MIPC_PID"	/* its simulated pid */

#define PROTO_SYNC_LINE		"~ sync"
#define PROTO_SYNCED_LINE	"~ synced"

/* The two bytes that start a line of this kind ("! ", "+ ", ...). */
const char *proto_marker(enum proto_kind kind);

/*
 * What kind of line s (n bytes, no newline) is, and where its payload
 * starts: *rest and *restlen as the comments of enum proto_kind say.
 */
enum proto_kind proto_kind(const char *s, size_t n, const char **rest, size_t *restlen);

/* The longest delivery line, for a TEXT of up to MIPC_TEXT_MAX bytes. */
#define PROTO_DELIVERY_MAX	(12 + 254 + 11 + 10 + 10 + 5)

/*
 * Writes `* received "TEXT" from pid PID via port PORT` into buf (no newline,
 * NUL-terminated) and returns its length.  buf holds at least
 * PROTO_DELIVERY_MAX + 1 bytes, and n is at most MIPC_TEXT_MAX.
 */
size_t	proto_delivery(char *buf, const char *text, size_t n, uint32_t from,
	    uint16_t port);

struct proto_delivery {
	const char	*text;		/* into the line, textlen bytes */
	size_t		 textlen;
	uint32_t	 from;
	uint16_t	 port;
};

/*
 * Takes a delivery line apart.  TEXT may hold quotes and even `" from pid `,
 * so the tail is read from the right.  Returns 0, or -1 if s is not a
 * delivery line.
 */
int	proto_parse_delivery(const char *s, size_t n, struct proto_delivery *d);

#endif
