/*
 * fuzz_request.c - libFuzzer harness for the request parser.
 *
 * Whatever the bytes, parsing must not crash, must say why when it refuses,
 * and whatever it accepts must come back identical through the serialiser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request a, b;
	char why[160], tiny[8], line[MIPC_LINE_MAX + 1];
	enum mipc_err e;

	(void)req_is_request((const char *)data, size);
	/* A small reason buffer is cut, never overrun. */
	(void)req_parse((const char *)data, size, &a, tiny, sizeof tiny);
	if (memchr(tiny, '\0', sizeof tiny) == NULL)
		abort();
	e = req_parse((const char *)data, size, &a, why, sizeof why);
	if (e != E_OK) {
		if (e != E_EINVAL && e != E_EMSGSIZE)
			abort();
		if (why[0] == '\0' || memchr(why, '\0', sizeof why) == NULL)
			abort();
		return 0;
	}
	if (a.pid == 0 || a.port == 0 || a.len > MIPC_TEXT_MAX ||
	    memchr(a.text, '\0', a.len) != NULL)
		abort();
	int n = req_serialise(&a, line, sizeof line);
	if (n < 0)
		abort();
	if (req_parse(line, (size_t)n, &b, why, sizeof why) != E_OK)
		abort();
	if (a.op != b.op || a.pid != b.pid || a.port != b.port || a.len != b.len ||
	    memcmp(a.text, b.text, a.len) != 0)
		abort();
	if (!req_is_request(line, (size_t)n))
		abort();
	return 0;
}
