/*
 * test_proto.c - the child protocol: markers, and the delivery line written
 * and read back.
 */
#include <stdio.h>
#include <string.h>

#include "param.h"
#include "proto.h"
#include "test.h"

static enum proto_kind
kind_of(const char *s, const char **rest, size_t *restlen)
{
	return proto_kind(s, strlen(s), rest, restlen);
}

TEST(every_marker_classified)
{
	static const struct {
		const char *line;
		enum proto_kind kind;
		const char *rest;
	} t[] = {
		{ "OK", PROTO_ANSWER, "OK" },
		{ "OK port 7 registered", PROTO_ANSWER, "OK port 7 registered" },
		{ "ERR ENOENT no", PROTO_ANSWER, "ERR ENOENT no" },
		{ "OKAY", PROTO_OTHER, "OKAY" },
		{ "* received \"x\" from pid 1 via port 2", PROTO_DELIVERY,
		  "* received \"x\" from pid 1 via port 2" },
		{ "* link 7<-1 destroyed: x", PROTO_NOTICE, "link 7<-1 destroyed: x" },
		{ "! c {.message=x,.pid=1,.port=2}", PROTO_RUN,
		  "c {.message=x,.pid=1,.port=2}" },
		{ "+ {x}", PROTO_SEND, "{x}" },
		{ "? {x}", PROTO_CALL, "{x}" },
		{ "= hi there", PROTO_REPLY, "hi there" },
		{ "= ", PROTO_REPLY, "" },
		{ "> dump", PROTO_RAN, "dump" },
		{ "~ sync", PROTO_SYNC, "~ sync" },
		{ "~ synced", PROTO_SYNCED, "~ synced" },
		{ "~ syncing", PROTO_OTHER, "~ syncing" },
		{ "hello", PROTO_OTHER, "hello" },
		{ "", PROTO_OTHER, "" },
		{ "+x", PROTO_OTHER, "+x" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *rest;
		size_t n;
		enum proto_kind k = kind_of(t[i].line, &rest, &n);
		if (k != t[i].kind)
			TEST_FAIL_("\"%s\": kind %d, expected %d", t[i].line, k, t[i].kind);
		if (n != strlen(t[i].rest) || memcmp(rest, t[i].rest, n) != 0)
			TEST_FAIL_("\"%s\": rest \"%.*s\", expected \"%s\"", t[i].line,
			    (int)n, rest, t[i].rest);
	}
}

TEST(markers_read_back)
{
	static const enum proto_kind k[] = { PROTO_RUN, PROTO_SEND, PROTO_CALL,
	    PROTO_REPLY, PROTO_RAN };

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		char line[16];
		const char *rest;
		size_t n;
		snprintf(line, sizeof line, "%sabc", proto_marker(k[i]));
		ASSERT_EQ(kind_of(line, &rest, &n), k[i]);
		ASSERT_EQ(n, 3);
	}
}

/* Whatever TEXT holds, even the tail's own words, it reads back whole. */
TEST(delivery_round_trip)
{
	static const char *const texts[] = { "", "hello world", "\"", "a\" from pid 5",
	    "x\" from pid 1 via port 2", "\" from pid 9 via port 9\" from pid 1" };
	static const uint32_t pids[] = { 1, 1234, 4294967295u };
	static const uint16_t ports[] = { 1, 8080, 65535 };
	char buf[PROTO_DELIVERY_MAX + 1], big[MIPC_TEXT_MAX];

	for (size_t t = 0; t < sizeof texts / sizeof texts[0] + 1; t++) {
		const char *text = t < sizeof texts / sizeof texts[0] ? texts[t] : big;
		size_t tn = text == big ? sizeof big : strlen(text);
		memset(big, '"', sizeof big);
		for (size_t p = 0; p < 3; p++) {
			struct proto_delivery d;
			size_t n = proto_delivery(buf, text, tn, pids[p], ports[p]);
			ASSERT_EQ(n, strlen(buf));
			ASSERT(n <= PROTO_DELIVERY_MAX);
			ASSERT_EQ(proto_parse_delivery(buf, n, &d), 0);
			ASSERT_EQ(d.textlen, tn);
			ASSERT(memcmp(d.text, text, tn) == 0);
			ASSERT_EQ(d.from, pids[p]);
			ASSERT_EQ(d.port, ports[p]);
		}
	}
	proto_delivery(buf, "hello world", 11, 1234, 8080);
	ASSERT_STR_EQ(buf, "* received \"hello world\" from pid 1234 via port 8080");
}

TEST(bad_deliveries_refused)
{
	static const char *const bad[] = {
		"* received \"x\" from pid 1 via port",
		"* received \"x\" from pid 1 via port 0",
		"* received \"x\" from pid 1 via port 65536",
		"* received \"x\" from pid 0 via port 1",
		"* received \"x\" from pid 01 via port 1",
		"* received \"x\" from pid 4294967296 via port 1",
		"* received \"x\" from pid 1 via port 1 ",
		"* received \"x\" from pid  1 via port 1",
		"* received x from pid 1 via port 1",
		"* link 1<-2 destroyed",
		"received \"x\" from pid 1 via port 1",
	};
	struct proto_delivery d;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (proto_parse_delivery(bad[i], strlen(bad[i]), &d) != -1)
			TEST_FAIL_("\"%s\" was taken for a delivery", bad[i]);
}

static const struct test_case cases[] = {
	TEST_CASE(every_marker_classified),
	TEST_CASE(markers_read_back),
	TEST_CASE(delivery_round_trip),
	TEST_CASE(bad_deliveries_refused),
};

TEST_MAIN("proto", cases)
