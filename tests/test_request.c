/*
 * test_request.c - the request format (request.h): every edge of it.
 */
#include "request.h"
#include "test.h"

static struct request req;
static char why[256];

/* Parses a NUL-terminated line. */
static enum mipc_err
parse(const char *line)
{
	return req_parse(line, strlen(line), &req, why, sizeof why);
}

static void
parse_fails(const char *line, enum mipc_err code, const char *reason)
{
	enum mipc_err e = parse(line);
	if (e != code)
		TEST_FAIL_("\"%s\": got %s (%s), expected %s", line, err_name(e), why,
		    err_name(code));
	if (reason != NULL && strcmp(why, reason) != 0)
		TEST_FAIL_("\"%s\":\n    got      \"%s\"\n    expected \"%s\"", line,
		    why, reason);
}

TEST(parses_each_prefix)
{
	ASSERT_EQ(parse("{.message=hello world,.pid=1234,.port=8080}"), E_OK);
	ASSERT_EQ(req.op, REQ_SEND);
	ASSERT_STR_EQ(req.text, "hello world");
	ASSERT_EQ(req.len, 11);
	ASSERT_EQ(req.pid, 1234);
	ASSERT_EQ(req.port, 8080);
	ASSERT_EQ(parse("c {.message=x,.pid=1,.port=2}"), E_OK);
	ASSERT_EQ(req.op, REQ_CREATE);
	ASSERT_EQ(parse("r \t {.message=x,.pid=1,.port=2}"), E_OK);
	ASSERT_EQ(req.op, REQ_REMOVE);
}

TEST(blanks_around_and_trailing_cr_ignored)
{
	ASSERT_EQ(parse("  \t{.message=x,.pid=1,.port=2} \t"), E_OK);
	ASSERT_EQ(parse("{.message=x,.pid=1,.port=2}\r"), E_OK);
	ASSERT_EQ(req.port, 2);
	ASSERT_EQ(parse("c {.message= x ,.pid=1,.port=2}  \r"), E_OK);
	ASSERT_STR_EQ(req.text, " x ");
}

TEST(cr_inside_is_refused)
{
	parse_fails("{.message=a\rb,.pid=1,.port=2}", E_EINVAL,
	    "CR byte in message at column 12");
	parse_fails("{.message=x,.pid=1,.port=2}\r\r", E_EINVAL, NULL);
}

TEST(text_254_ok_255_too_long)
{
	char line[400];
	memset(line, 0, sizeof line);
	strcpy(line, "{.message=");
	memset(line + 10, 'a', 254);
	strcat(line, ",.pid=1,.port=2}");
	ASSERT_EQ(parse(line), E_OK);
	ASSERT_EQ(req.len, 254);
	strcpy(line, "{.message=");
	memset(line + 10, 'a', 255);
	strcpy(line + 265, ",.pid=1,.port=2}");
	parse_fails(line, E_EMSGSIZE, "message is 255 bytes, at most 254 allowed");
}

TEST(empty_text)
{
	ASSERT_EQ(parse("{.message=,.pid=1,.port=2}"), E_OK);
	ASSERT_EQ(req.len, 0);
	ASSERT_STR_EQ(req.text, "");
}

TEST(commas_braces_and_equals_in_text)
{
	ASSERT_EQ(parse("{.message=a,b{c}d=e,.pid=7,.port=9}"), E_OK);
	ASSERT_STR_EQ(req.text, "a,b{c}d=e");
	/* A whole fake tail inside TEXT: the real one is the rightmost. */
	ASSERT_EQ(parse("{.message=x,.pid=1,.port=2},.pid=3,.port=4}"), E_OK);
	ASSERT_STR_EQ(req.text, "x,.pid=1,.port=2}");
	ASSERT_EQ(req.pid, 3);
	ASSERT_EQ(req.port, 4);
}

TEST(leading_zeros_refused)
{
	parse_fails("{.message=x,.pid=01,.port=2}", E_EINVAL,
	    "expected a pid without leading zeros at column 18");
	parse_fails("{.message=x,.pid=1,.port=08080}", E_EINVAL,
	    "expected a port without leading zeros at column 26");
}

TEST(pid_range)
{
	parse_fails("{.message=x,.pid=0,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not 0");
	ASSERT_EQ(parse("{.message=x,.pid=4294967295,.port=2}"), E_OK);
	ASSERT_EQ(req.pid, 4294967295u);
	parse_fails("{.message=x,.pid=4294967296,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not 4294967296");
	parse_fails("{.message=x,.pid=99999999999999999999,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not "
	    "99999999999999999999");
	parse_fails("{.message=x,.pid=999999999999999999999,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not a number of 21 "
	    "digits");
}

TEST(port_range)
{
	parse_fails("{.message=x,.pid=1,.port=0}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26, not 0");
	ASSERT_EQ(parse("{.message=x,.pid=1,.port=65535}"), E_OK);
	parse_fails("{.message=x,.pid=1,.port=65536}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26, not 65536");
	ASSERT_EQ(parse("{.message=x,.pid=1,.port=1}"), E_OK);
}

TEST(signs_and_spaces_in_numbers)
{
	parse_fails("{.message=x,.pid=+1,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not '+1'");
	parse_fails("{.message=x,.pid=-1,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not '-1'");
	parse_fails("{.message=x,.pid=1,.port= 2}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26, not ' 2'");
	parse_fails("{.message=x,.pid=1 ,.port=2}", E_EINVAL,
	    "unexpected blank at column 19");
	parse_fails("{.message=x,.pid=1,.port=8 }", E_EINVAL,
	    "unexpected blank at column 27");
}

TEST(missing_fields)
{
	parse_fails("{.message=hello world,.pid=1234}", E_EINVAL,
	    "expected ',.port=' at column 32");
	parse_fails("{.message=hello world,.pid=1234,.port=}", E_EINVAL,
	    "expected a port (1 to 65535) at column 39");
	parse_fails("{.message=hello world,.pid=1234,.prt=80}", E_EINVAL,
	    "expected ',.port=' at column 32");
	/* The comma left out: where the key starts, not the field before. */
	parse_fails("{.message=x,.pid=1.port=8}", E_EINVAL,
	    "expected ',.port=' at column 19");
	parse_fails("{.message=x,.port=2}", E_EINVAL, NULL);
	parse_fails("{.pid=1,.port=2}", E_EINVAL, "expected '.message=' at column 2");
	parse_fails("{.message=x,.pid=1,.port=2", E_EINVAL, "expected '}' at column 27");
	parse_fails(".message=x,.pid=1,.port=2}", E_EINVAL, "expected '{' at column 1");
	parse_fails("", E_EINVAL, "expected a request '{.message=TEXT,.pid=PID,"
	    ".port=PORT}' at column 1");
	parse_fails("   ", E_EINVAL, NULL);
}

/* A value that is no number is named where it starts, and shown. */
TEST(value_not_a_number)
{
	parse_fails("{.message=hello world,.pid=1234,.port=abc}", E_EINVAL,
	    "expected a port (1 to 65535) at column 39, not 'abc'");
	parse_fails("{.message=x,.pid=1,.port=85x}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26, not '85x'");
	parse_fails("{.message=x,.pid=1,.port=2 3}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26, not '2 3'");
	parse_fails("{.message=x,.pid=abc,.port=2}", E_EINVAL,
	    "expected a pid (1 to 4294967295) at column 18, not 'abc'");
	/* Shown cut if long, and not at all if it holds what a line cannot. */
	parse_fails("{.message=x,.pid=1,.port=abcdefghijklmnopqrstuvwxyz}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26, not "
	    "'abcdefghijklmnopqrstuvwx...'");
	parse_fails("{.message=x,.pid=1,.port=a\tb}", E_EINVAL,
	    "expected a port (1 to 65535) at column 26");
	/* A key inside TEXT, with a comma after it, is TEXT: the field is
	   missing, not its value wrong. */
	parse_fails("{.message=a,.port=b,.pid=1,.prt=2}", E_EINVAL,
	    "expected ',.port=' at column 27");
}

/* C's spacing, blanks after the commas: said where the first is, with the
   request as it is written. */
TEST(blanks_after_commas)
{
	parse_fails("{.message=x, .pid=1234, .port=85}", E_EINVAL,
	    "no blank allowed after ',' at column 12: write "
	    "{.message=x,.pid=1234,.port=85}");
	parse_fails("{.message=x,.pid=1234,\t.port=85}", E_EINVAL,
	    "no blank allowed after ',' at column 22: write "
	    "{.message=x,.pid=1234,.port=85}");
	parse_fails("c  {.message=x, .pid=1234,.port=85}", E_EINVAL,
	    "no blank allowed after ',' at column 15: write "
	    "c  {.message=x,.pid=1234,.port=85}");
	/* No "write" for a request that would still be wrong. */
	parse_fails("{.message=x, .pid=0, .port=85}", E_EINVAL,
	    "no blank allowed after ',' at column 12");
	/* TEXT may hold ", .pid=": only the tail's commas are looked at. */
	parse_fails("{.message=a, .pid=1, .pid=2, .port=3}", E_EINVAL,
	    "no blank allowed after ',' at column 20: write "
	    "{.message=a, .pid=1,.pid=2,.port=3}");
	ASSERT_EQ(parse("{.message=a, .pid=1,.pid=2,.port=3}"), E_OK);
	ASSERT_STR_EQ(req.text, "a, .pid=1");
	ASSERT_EQ(req.pid, 2);
	/* A "write" that does not fit the answer is left out, not cut. */
	char line[300], small[100];
	snprintf(line, sizeof line, "{.message=%080d, .pid=1,.port=2}", 0);
	ASSERT_EQ(req_parse(line, strlen(line), &req, small, sizeof small), E_EINVAL);
	ASSERT_STR_EQ(small, "no blank allowed after ',' at column 91");
	parse_fails("{ .message=x,.pid=1,.port=2}", E_EINVAL,
	    "no blank allowed after '{' at column 1: write "
	    "{.message=x,.pid=1,.port=2}");
}

TEST(reordered_fields)
{
	parse_fails("{.pid=1,.message=x,.port=2}", E_EINVAL, "expected '.message=' at column 2");
	parse_fails("{.message=x,.port=2,.pid=1}", E_EINVAL,
	    "expected the fields in the order .message, .pid, .port");
}

TEST(junk_after_brace)
{
	parse_fails("{.message=x,.pid=1,.port=2}x", E_EINVAL,
	    "unexpected 'x' after '}' at column 28");
	parse_fails("c {.message=x,.pid=1,.port=1} &", E_EINVAL,
	    "unexpected '&' after '}' at column 31");
}

TEST(nul_bytes)
{
	const char line[] = "{.message=a\0b,.pid=1,.port=2}";
	ASSERT_EQ(req_parse(line, sizeof line - 1, &req, why, sizeof why), E_EINVAL);
	ASSERT_STR_EQ(why, "NUL byte in message at column 12");
	const char num[] = "{.message=ab,.pid=1\0,.port=2}";
	ASSERT_EQ(req_parse(num, sizeof num - 1, &req, why, sizeof why), E_EINVAL);
	/* Several bad bytes: the first is the one reported. */
	const char three[] = "{.message=ab\r\0\nc\r,.pid=1,.port=2}";
	ASSERT_EQ(req_parse(three, sizeof three - 1, &req, why, sizeof why), E_EINVAL);
	ASSERT_STR_EQ(why, "CR byte in message at column 13");
	const char lf[] = "{.message=abc\n\0,.pid=1,.port=2}";
	ASSERT_EQ(req_parse(lf, sizeof lf - 1, &req, why, sizeof why), E_EINVAL);
	ASSERT_STR_EQ(why, "LF byte in message at column 14");
}

TEST(c_without_blank_is_not_a_create)
{
	ASSERT_EQ(req_is_request("c{.message=x,.pid=1,.port=2}", 28), 0);
	parse_fails("c{.message=x,.pid=1,.port=2}", E_EINVAL, "expected '{' at column 1");
}

TEST(is_request)
{
	ASSERT(req_is_request("{", 1));
	ASSERT(req_is_request("  {x", 4));
	ASSERT(req_is_request("c {", 3));
	ASSERT(req_is_request("r\t\t{", 4));
	ASSERT(!req_is_request("c", 1));
	ASSERT(!req_is_request("c x", 3));
	ASSERT(!req_is_request("dump", 4));
	ASSERT(!req_is_request("", 0));
	ASSERT(!req_is_request("x {", 3));
}

TEST(small_why_buffer_is_cut_not_overrun)
{
	char small[8];
	ASSERT_EQ(req_parse("junk", 4, &req, small, sizeof small), E_EINVAL);
	ASSERT_EQ(strlen(small), 7);
}

TEST(serialise_each_prefix)
{
	char buf[MIPC_LINE_MAX + 1];
	struct request r = { REQ_CREATE, 1234, 8080, 11, "hello world" };
	ASSERT_EQ(req_serialise(&r, buf, sizeof buf),
	    strlen("c {.message=hello world,.pid=1234,.port=8080}"));
	ASSERT_STR_EQ(buf, "c {.message=hello world,.pid=1234,.port=8080}");
	r.op = REQ_REMOVE;
	req_serialise(&r, buf, sizeof buf);
	ASSERT_STR_EQ(buf, "r {.message=hello world,.pid=1234,.port=8080}");
	r.op = REQ_SEND;
	req_serialise(&r, buf, sizeof buf);
	ASSERT_STR_EQ(buf, "{.message=hello world,.pid=1234,.port=8080}");
}

TEST(serialise_too_small_buffer)
{
	char buf[16], edge[27], ok[28];
	struct request r = { REQ_SEND, 1, 2, 1, "x" };
	ASSERT_EQ(req_serialise(&r, buf, sizeof buf), -1);
	ASSERT_EQ(req_serialise(&r, edge, sizeof edge), -1);	/* no room for the NUL */
	ASSERT_EQ(req_serialise(&r, ok, sizeof ok), 27);
}

/* parse(serialise(x)) == x, on many random valid requests. */
TEST(round_trip)
{
	unsigned seed = 12345;
	char buf[MIPC_LINE_MAX + 1];

	for (int i = 0; i < 20000; i++) {
		struct request a, b;
		memset(&a, 0, sizeof a);
		a.op = (enum req_op)(rand_r(&seed) % 3);
		a.pid = 1 + (uint32_t)rand_r(&seed) * 2654435761u % 4294967295u;
		a.port = (uint16_t)(1 + rand_r(&seed) % 65535);
		a.len = (uint16_t)(i % 7 == 0 ? MIPC_TEXT_MAX : rand_r(&seed) % 40);
		for (int j = 0; j < a.len; j++) {
			char c;
			do
				c = (char)(rand_r(&seed) % 256);
			while (c == '\0' || c == '\r' || c == '\n');
			a.text[j] = c;
		}
		int n = req_serialise(&a, buf, sizeof buf);
		ASSERT(n > 0);
		if (req_parse(buf, (size_t)n, &b, why, sizeof why) != E_OK)
			TEST_FAIL_("round trip %d: %s", i, why);
		ASSERT_EQ(b.op, a.op);
		ASSERT_EQ(b.pid, a.pid);
		ASSERT_EQ(b.port, a.port);
		ASSERT_EQ(b.len, a.len);
		ASSERT(memcmp(a.text, b.text, a.len) == 0);
	}
}

static const struct test_case cases[] = {
	TEST_CASE(parses_each_prefix),
	TEST_CASE(blanks_around_and_trailing_cr_ignored),
	TEST_CASE(cr_inside_is_refused),
	TEST_CASE(text_254_ok_255_too_long),
	TEST_CASE(empty_text),
	TEST_CASE(commas_braces_and_equals_in_text),
	TEST_CASE(leading_zeros_refused),
	TEST_CASE(pid_range),
	TEST_CASE(port_range),
	TEST_CASE(signs_and_spaces_in_numbers),
	TEST_CASE(missing_fields),
	TEST_CASE(value_not_a_number),
	TEST_CASE(blanks_after_commas),
	TEST_CASE(reordered_fields),
	TEST_CASE(junk_after_brace),
	TEST_CASE(nul_bytes),
	TEST_CASE(c_without_blank_is_not_a_create),
	TEST_CASE(is_request),
	TEST_CASE(small_why_buffer_is_cut_not_overrun),
	TEST_CASE(serialise_each_prefix),
	TEST_CASE(serialise_too_small_buffer),
	TEST_CASE(round_trip),
};

TEST_MAIN("request", cases)
