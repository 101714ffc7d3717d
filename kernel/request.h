/*
 * request.h - the request format, parsed and written.
 *
 *     [c |r ]{.message=TEXT,.pid=PID,.port=PORT}
 *
 * TEXT is 0 to MIPC_TEXT_MAX bytes of anything but NUL, CR and LF; commas,
 * braces and '=' are allowed in it, so the numeric tail is parsed from the
 * right.  PID is 1..4294967295 and PORT 1..65535, in decimal with no sign,
 * no blanks and no leading zeros.
 */
#ifndef MIPC_REQUEST_H
#define MIPC_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "param.h"

enum req_op {
	REQ_SEND,	/* bare: link if no link exists, else send */
	REQ_CREATE,	/* "c ": register the port */
	REQ_REMOVE,	/* "r ": remove the port or its links */
};

struct request {
	enum req_op op;
	uint32_t pid;
	uint16_t port;
	uint16_t len;				/* bytes of text */
	char text[MIPC_TEXT_MAX + 1];		/* NUL-terminated; holds no NUL */
};

/*
 * Parses one line (without its newline; surrounding blanks and one trailing CR
 * are ignored).  Returns E_OK and fills *req, or E_EINVAL / E_EMSGSIZE and
 * writes into why (at most whysz bytes, NUL-terminated) what was expected and
 * where, without the code:  "expected ',.port=' at column 31".
 * Columns count bytes of the line as given, from 1.
 */
enum mipc_err req_parse(const char *line, size_t len, struct request *req,
    char *why, size_t whysz);

/*
 * Returns 1 if the line is meant as a request: its first non-blank byte is
 * '{', or it is 'c' or 'r' followed by one or more blanks and '{'.
 */
int req_is_request(const char *line, size_t len);

/*
 * Writes the request, with its "c " or "r " prefix, NUL-terminated.  Returns
 * the length written (without the NUL), or -1 if size is too small; nothing
 * is ever truncated.  MIPC_LINE_MAX + 1 bytes are always enough.
 */
int req_serialise(const struct request *req, char *buf, size_t size);

#endif
