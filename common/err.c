/*
 * err.c - names of the protocol's error codes.
 */
#include <string.h>

#include "err.h"

static const char *const names[E_NCODES] = {
	[E_OK] = "OK",
	[E_EINVAL] = "EINVAL",
	[E_EMSGSIZE] = "EMSGSIZE",
	[E_ENOENT] = "ENOENT",
	[E_EADDRINUSE] = "EADDRINUSE",
	[E_ENOSPC] = "ENOSPC",
	[E_EPERM] = "EPERM",
	[E_EAGAIN] = "EAGAIN",
	[E_ECONNRESET] = "ECONNRESET",
	[E_ETIMEDOUT] = "ETIMEDOUT",
	[E_ESRCH] = "ESRCH",
	[E_EDEADLK] = "EDEADLK",
};

const char *
err_name(enum mipc_err e)
{
	if ((unsigned)e >= E_NCODES)
		return "EINVAL";
	return names[e];
}

int
err_from_name(const char *s, unsigned long len)
{
	for (int i = 0; i < E_NCODES; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}
