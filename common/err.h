/*
 * err.h - the error codes of the microipc protocol.
 *
 * An answer line is "OK ..." or "ERR CODE ..."; these are the codes.
 */
#ifndef MIPC_ERR_H
#define MIPC_ERR_H

enum mipc_err {
	E_OK = 0,
	E_EINVAL,	/* malformed request or console line */
	E_EMSGSIZE,	/* TEXT or line too long */
	E_ENOENT,	/* no such port */
	E_EADDRINUSE,	/* port or pid held by another process */
	E_ENOSPC,	/* table, mailbox array or process slots full */
	E_EPERM,	/* not the sender's pid, or not the sender's to remove */
	E_EAGAIN,	/* the link's queue is full */
	E_ECONNRESET,	/* the link was destroyed with the message on it */
	E_ETIMEDOUT,	/* the server did not answer in time */
	E_ESRCH,	/* the server died */
	E_EDEADLK,	/* the blocking call would close a cycle of waits */
	E_NCODES
};

/* Returns the code's name, e.g. "ENOENT"; "OK" for E_OK. */
const char *err_name(enum mipc_err e);

/* Returns the code named s (len bytes), or -1 if there is none. */
int err_from_name(const char *s, unsigned long len);

#endif
