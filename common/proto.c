/*
 * proto.c - the child protocol's markers and its delivery line.
 */
#include <string.h>

#include "param.h"
#include "proto.h"

_Static_assert(PROTO_DELIVERY_MAX == 12 + MIPC_TEXT_MAX + 11 + 10 + 10 + 5,
    "PROTO_DELIVERY_MAX follows MIPC_TEXT_MAX");

static const char received[] = "* received \"";
static const char from_pid[] = "\" from pid ";
static const char via_port[] = " via port ";

#define LIT(s) (sizeof s - 1)

const char *
proto_marker(enum proto_kind kind)
{
	switch (kind) {
	case PROTO_RUN:		return "! ";
	case PROTO_SEND:	return "+ ";
	case PROTO_CALL:	return "? ";
	case PROTO_REPLY:	return "= ";
	case PROTO_RAN:		return "> ";
	case PROTO_SYNC:
	case PROTO_SYNCED:	return "~ ";
	case PROTO_DELIVERY:
	case PROTO_NOTICE:	return "* ";
	default:		return "";
	}
}

enum proto_kind
proto_kind(const char *s, size_t n, const char **rest, size_t *restlen)
{
	*rest = s;
	*restlen = n;
	if ((n >= 2 && memcmp(s, "OK", 2) == 0 && (n == 2 || s[2] == ' ')) ||
	    (n >= 4 && memcmp(s, "ERR ", 4) == 0))
		return PROTO_ANSWER;
	if (n < 2 || s[1] != ' ')
		return PROTO_OTHER;
	if (s[0] == '~') {
		if (n == LIT(PROTO_SYNC_LINE) && memcmp(s, PROTO_SYNC_LINE, n) == 0)
			return PROTO_SYNC;
		if (n == LIT(PROTO_SYNCED_LINE) && memcmp(s, PROTO_SYNCED_LINE, n) == 0)
			return PROTO_SYNCED;
		return PROTO_OTHER;
	}
	if (s[0] == '*') {
		if (n >= LIT(received) && memcmp(s, received, LIT(received)) == 0)
			return PROTO_DELIVERY;
		*rest = s + 2;
		*restlen = n - 2;
		return PROTO_NOTICE;
	}
	*rest = s + 2;
	*restlen = n - 2;
	switch (s[0]) {
	case '!':	return PROTO_RUN;
	case '+':	return PROTO_SEND;
	case '?':	return PROTO_CALL;
	case '=':	return PROTO_REPLY;
	case '>':	return PROTO_RAN;
	}
	*rest = s;
	*restlen = n;
	return PROTO_OTHER;
}

/* p advanced past s (n bytes), or past v in decimal. */
static char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static char *
put_u(char *p, unsigned long v)
{
	char d[24];
	size_t n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

size_t
proto_delivery(char *buf, const char *text, size_t n, uint32_t from, uint16_t port)
{
	char *e = buf;

	/* Made for every message: put together without a format. */
	e = put(e, received, LIT(received));
	e = put(e, text, n);
	e = put(e, from_pid, LIT(from_pid));
	e = put_u(e, from);
	e = put(e, via_port, LIT(via_port));
	e = put_u(e, port);
	*e = '\0';
	return (size_t)(e - buf);
}

/* A decimal number of s[0..n), no sign or leading zero, from 1 to max.
   Returns 0, or -1. */
static int
number(const char *s, size_t n, unsigned long max, unsigned long *v)
{
	*v = 0;
	if (n == 0 || n > 10 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return *v <= max ? 0 : -1;
}

int
proto_parse_delivery(const char *s, size_t n, struct proto_delivery *d)
{
	unsigned long from, port;

	if (n < LIT(received) || memcmp(s, received, LIT(received)) != 0)
		return -1;
	/* The last `" from pid ` of the line starts the tail: what TEXT holds
	   comes before it. */
	for (size_t i = n; i-- > LIT(received);) {
		if (s[i] != '"' || i + LIT(from_pid) > n ||
		    memcmp(s + i, from_pid, LIT(from_pid)) != 0)
			continue;
		const char *p = s + i + LIT(from_pid), *end = s + n;
		const char *digits = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (number(digits, (size_t)(p - digits), 4294967295UL, &from) == -1 ||
		    (size_t)(end - p) < LIT(via_port) ||
		    memcmp(p, via_port, LIT(via_port)) != 0)
			return -1;
		p += LIT(via_port);
		if (number(p, (size_t)(end - p), 65535, &port) == -1)
			return -1;
		d->text = s + LIT(received);
		d->textlen = i - LIT(received);
		d->from = (uint32_t)from;
		d->port = (uint16_t)port;
		return 0;
	}
	return -1;
}
