/*
 * signame.h - signal names, as a user writes them and as a log says them.
 */
#ifndef MIPC_SIGNAME_H
#define MIPC_SIGNAME_H

#include <stddef.h>

/*
 * The signal that s (n bytes) names: "TERM", "term", "SIGTERM", "sigterm" or
 * its number, "15".  Returns -1 for anything else, a number of a signal this
 * table does not know included.
 */
int	sig_from_name(const char *s, size_t n);

/* "SIGTERM", or "signal 99" for one the table does not know.  The string is
   static: it is good until the next call. */
const char *sig_name(int sig);

#endif
