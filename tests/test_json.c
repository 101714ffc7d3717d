/*
 * test_json.c - the JSON writer and reader: escapes, UTF-8 kept and
 * replaced, the grammar accepted and refused, and the round trip.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "test.h"

/* What json_escape makes of n bytes, NUL-terminated in a static buffer. */
static const char *
escaped(const char *s, size_t n)
{
	static struct jbuf b;

	jbuf_reset(&b);
	json_escape(&b, s, n);
	return jbuf_str(&b);
}

TEST(every_control_byte_escaped)
{
	static const char *const want[32] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
		"\\u0006", "\\u0007", "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r",
		"\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
		"\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
		"\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};

	for (int c = 0; c < 32; c++) {
		char in = (char)c;
		ASSERT_STR_EQ(escaped(&in, 1), want[c]);
	}
	ASSERT_STR_EQ(escaped("\x7f", 1), "\\u007f");
	ASSERT_STR_EQ(escaped("\"", 1), "\\\"");
	ASSERT_STR_EQ(escaped("\\", 1), "\\\\");
	ASSERT_STR_EQ(escaped("a\nb\"c", 5), "a\\nb\\\"c");
}

TEST(printable_ascii_kept)
{
	char all[95 + 1];

	for (int c = 0x20; c < 0x7f; c++)
		all[c - 0x20] = (char)c;
	all[95] = '\0';
	const char *got = escaped(all, 95);
	/* Only the quote and the backslash change. */
	ASSERT_EQ(strlen(got), 97);
	ASSERT(strstr(got, "!\\\"#") != NULL);
	ASSERT(strstr(got, "[\\\\]") != NULL);
	ASSERT_STR_EQ(escaped("/", 1), "/");
}

TEST(valid_utf8_kept)
{
	static const char *const ok[] = {
		"\xc3\xa9",		/* U+00E9 */
		"\xc2\x80",		/* U+0080, the first two-byte one */
		"\xdf\xbf",		/* U+07FF */
		"\xe0\xa0\x80",		/* U+0800 */
		"\xe2\x82\xac",		/* U+20AC */
		"\xed\x9f\xbf",		/* U+D7FF, just below the surrogates */
		"\xee\x80\x80",		/* U+E000, just above them */
		"\xef\xbf\xbf",		/* U+FFFF */
		"\xf0\x90\x80\x80",	/* U+10000 */
		"\xf0\x9d\x84\x9e",	/* U+1D11E */
		"\xf4\x8f\xbf\xbf",	/* U+10FFFF, the last */
		"h\xc3\xa9llo w\xc3\xb6rld",
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		ASSERT_STR_EQ(escaped(ok[i], strlen(ok[i])), ok[i]);
}

#define FFFD "\xef\xbf\xbd"

TEST(invalid_utf8_becomes_fffd)
{
	static const struct {
		const char *in;
		const char *out;
	} t[] = {
		{ "\x80", FFFD },			/* a lone continuation */
		{ "\xbf", FFFD },
		{ "\xc0\x80", FFFD FFFD },		/* an overlong NUL */
		{ "\xc1\xbf", FFFD FFFD },		/* overlong */
		{ "\xe0\x80\x80", FFFD FFFD FFFD },	/* overlong */
		{ "\xe0\x9f\xbf", FFFD FFFD FFFD },	/* overlong U+07FF */
		{ "\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD },	/* overlong U+FFFF */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },	/* U+D800 */
		{ "\xed\xbf\xbf", FFFD FFFD FFFD },	/* U+DFFF */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },	/* U+110000 */
		{ "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD },
		{ "\xfe", FFFD }, { "\xff", FFFD },
		{ "\xe2\x82", FFFD FFFD },		/* cut short at the end */
		{ "\xe2\x82" "A", FFFD FFFD "A" },	/* cut short by ASCII */
		{ "\xf0\x9d\x84", FFFD FFFD FFFD },
		{ "a\xc3", "a" FFFD },
		{ "\xc3\xa9\xa9", "\xc3\xa9" FFFD },	/* one continuation too many */
		{ "\xc3\n", FFFD "\\n" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = escaped(t[i].in, strlen(t[i].in));
		if (strcmp(got, t[i].out) != 0)
			TEST_FAIL_("case %zu: got \"%s\", expected \"%s\"", i, got, t[i].out);
	}
}

TEST(writer_puts_commas_where_they_go)
{
	struct jbuf b;
	static const uint64_t v[] = { 1, 22, 18446744073709551615ULL };

	jbuf_init(&b);
	json_object_begin(&b);
	json_key(&b, "a");
	json_uint(&b, 0);
	json_key(&b, "b");
	json_array_begin(&b);
	json_int(&b, -1);
	json_int(&b, INT64_MIN);
	json_object_begin(&b);
	json_object_end(&b);
	json_array_begin(&b);
	json_array_end(&b);
	json_string(&b, "x", 1);
	json_array_end(&b);
	json_key(&b, "c\"");
	json_uints(&b, v, 3);
	json_key(&b, "d");
	json_uints(&b, v, 0);
	json_object_end(&b);
	ASSERT(!b.failed);
	ASSERT_STR_EQ(jbuf_str(&b), "{\"a\":0,\"b\":[-1,-9223372036854775808,{},[],\"x\"],"
	    "\"c\\\"\":[1,22,18446744073709551615],\"d\":[]}");
	jbuf_reset(&b);
	json_object_begin(&b);
	json_key(&b, "k");
	json_string(&b, "", 0);
	json_object_end(&b);
	ASSERT_STR_EQ(jbuf_str(&b), "{\"k\":\"\"}");
	jbuf_free(&b);
}

/* The reference: what a writer must make of s, decided byte by byte from
   the code point each sequence would encode (not with utf8_seq_len). */
static size_t
reference(const unsigned char *s, size_t n, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; ) {
		unsigned c = s[i], len = c < 0x80 ? 1 : c >= 0xc0 && c < 0xe0 ? 2 :
		    c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf8 ? 4 : 0;
		unsigned long cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ?
		    c & 0x0f : c & 0x07;
		int ok = len > 0 && i + len <= n;
		for (unsigned j = 1; ok && j < len; j++) {
			ok = (s[i + j] & 0xc0) == 0x80;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		static const unsigned long least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (ok && (cp < least[len] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)))
			ok = 0;
		if (!ok) {
			memcpy(out + o, FFFD, 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		}
	}
	return o;
}

static uint64_t rng = 88172645463325252ULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

TEST(round_trip_random_bytes)
{
	struct jbuf b;
	struct json_doc d;
	unsigned char in[300], want[900];

	jbuf_init(&b);
	json_doc_init(&d);
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = rnd() % sizeof in;
		for (size_t i = 0; i < n; i++) {
			/* Mostly bytes near the edges of the encoding. */
			switch (rnd() % 4) {
			case 0: in[i] = (unsigned char)(rnd() % 256); break;
			case 1: in[i] = (unsigned char)(0x80 + rnd() % 64); break;
			case 2: in[i] = (unsigned char)(0xc0 + rnd() % 64); break;
			default: in[i] = (unsigned char)(rnd() % 128); break;
			}
		}
		jbuf_reset(&b);
		json_object_begin(&b);
		json_key(&b, "s");
		json_string(&b, (const char *)in, n);
		json_key(&b, "n");
		json_uint(&b, n);
		json_object_end(&b);
		ASSERT(!b.failed);
		if (json_parse(&d, b.p, b.len) == -1)
			TEST_FAIL_("iteration %d: %s in %.*s", iter, d.err, (int)b.len, b.p);
		size_t wn = reference(in, n, want);
		ASSERT_EQ(d.n, 2);
		ASSERT_EQ(d.m[0].type, JSON_STRING);
		if (d.m[0].n != wn || memcmp(d.m[0].s, want, wn) != 0)
			TEST_FAIL_("iteration %d: %zu bytes back, %zu expected", iter,
			    d.m[0].n, wn);
		ASSERT_EQ(d.m[1].u, n);
	}
	jbuf_free(&b);
	json_doc_free(&d);
}

/*
 * One byte that is not plain, at every place in plain texts of 0 to 40
 * bytes: the writer copies plain text a block at a time, and a byte to
 * escape must be seen wherever it falls in or after a block.
 */
TEST(odd_byte_at_every_place)
{
	static const unsigned char odd[] = { 0x00, 0x1f, '"', '\\', 0x7f, 0x80,
	    0xc3, 0xff };
	char in[41], out[41 * 6 + 1], want[41 * 6 + 1];

	for (size_t n = 1; n <= 40; n++)
		for (size_t at = 0; at < n; at++)
			for (size_t k = 0; k < sizeof odd; k++) {
				for (size_t i = 0; i < n; i++)
					in[i] = (char)('a' + i % 26);
				in[at] = (char)odd[k];
				char *end = json_escape_at(out, in, n);
				/* What the one byte becomes, between the same
				   plain bytes around it. */
				char mid[8];
				size_t m = (size_t)(json_escape_at(mid, in + at, 1) - mid);
				memcpy(want, in, at);
				memcpy(want + at, mid, m);
				memcpy(want + at + m, in + at + 1, n - at - 1);
				ASSERT_EQ((size_t)(end - out), n - 1 + m);
				if (memcmp(out, want, n - 1 + m) != 0)
					TEST_FAIL_("byte 0x%02x at %zu of %zu", odd[k], at, n);
			}
	/* And the odd byte means what it should alone. */
	ASSERT_STR_EQ(escaped("\x80", 1), FFFD);
	ASSERT_STR_EQ(escaped("\\", 1), "\\\\");
}

TEST(numbers_at_every_length)
{
	char got[24], want[24];

	for (uint64_t p = 1; ; p *= 10) {
		const uint64_t v[] = { p - 1, p, p + 1, p * 9 + p - 1 };
		for (size_t i = 0; i < 4; i++) {
			char *end = json_uint_at(got, v[i]);
			*end = '\0';
			snprintf(want, sizeof want, "%llu", (unsigned long long)v[i]);
			ASSERT_STR_EQ(got, want);
		}
		if (p > UINT64_MAX / 10)
			break;
	}
	*json_uint_at(got, UINT64_MAX) = '\0';
	ASSERT_STR_EQ(got, "18446744073709551615");
}

/* Texts the reader must take; each holds one object. */
static const char *const valid[] = {
	"{}",
	" \t\r\n{ } \n",
	"{\"a\":1}",
	"{\"a\":\"\"}",
	"{\"\":0}",
	"{\"a\":-0}",
	"{\"a\":0.5,\"b\":1e10,\"c\":1E-2,\"d\":-1.25e+3}",
	"{\"a\":true,\"b\":false,\"c\":null}",
	"{\"a\":{\"b\":{\"c\":[1,{\"d\":[]}]}}}",
	"{\"a\":[]}",
	"{\"a\":[ 1 , 2 ]}",
	"{\"a\":[\"x\",1,null,[true]]}",
	"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\uD834\\uDD1E\"}",
	"{\"a\":\"\xf4\x8f\xbf\xbf\"}",
	"{\"a\":18446744073709551615,\"b\":18446744073709551616}",
	"{\"a\":-9223372036854775808,\"b\":-9223372036854775809}",
	"{\"a\":1,\"a\":2}",		/* names SHOULD be unique: the grammar allows it */
	"{\"seq\":1,\"ev\":\"spawn\",\"t_us\":12,\"name\":\"a\",\"pid\":5}",
};

/* Texts it must refuse, and how the error starts. */
static const struct {
	const char *text;
	const char *err;
} invalid[] = {
	{ "", "column 1: expected '{'" },
	{ "   ", "column 4: expected '{'" },
	{ "[]", "column 1: expected '{'" },
	{ "\"a\"", "column 1: expected '{'" },
	{ "{", "column 2: expected a key" },
	{ "{\"a\":1", "column 7: expected ',' or '}'" },
	{ "{\"a\":1,}", "column 8: expected a key" },
	{ "{,}", "column 2: expected a key" },
	{ "{\"a\" 1}", "column 6: expected ':'" },
	{ "{a:1}", "column 2: expected a key" },
	{ "{'a':1}", "column 2: expected a key" },
	{ "{\"a\":}", "column 6: expected a value" },
	{ "{\"a\":[1,]}", "column 9: expected a value" },
	{ "{\"a\":[1 2]}", "column 9: expected ',' or ']'" },
	{ "{\"a\":[1}", "column 8: expected ',' or ']'" },
	{ "{\"a\":01}", "column 7: expected no digit after a leading 0" },
	{ "{\"a\":-01}", "column 8: expected no digit after a leading 0" },
	{ "{\"a\":+1}", "column 6: expected a value" },
	{ "{\"a\":-}", "column 7: expected a digit" },
	{ "{\"a\":1.}", "column 8: expected a digit after '.'" },
	{ "{\"a\":.5}", "column 6: expected a value" },
	{ "{\"a\":1e}", "column 8: expected a digit in the exponent" },
	{ "{\"a\":1e+}", "column 9: expected a digit in the exponent" },
	{ "{\"a\":0x10}", "column 7: expected ',' or '}'" },
	{ "{\"a\":NaN}", "column 6: expected a value" },
	{ "{\"a\":tru}", "column 6: expected a value" },
	{ "{\"a\":True}", "column 6: expected a value" },
	{ "{\"a\":nul}", "column 6: expected a value" },
	{ "{\"a\":\"x}", "column 9: expected '\"' to close the string of column 6" },
	{ "{\"a\":\"\\x\"}", "column 8: expected an escape" },
	{ "{\"a\":\"\\'\"}", "column 8: expected an escape" },
	{ "{\"a\":\"\\u12\"}", "column 9: expected 4 hex digits" },
	{ "{\"a\":\"\\u12G4\"}", "column 9: expected 4 hex digits" },
	{ "{\"a\":\"\\uD834\"}", "column 13: expected a low surrogate" },
	{ "{\"a\":\"\\uD834\\u0041\"}", "column 13: expected a low surrogate" },
	{ "{\"a\":\"\\uD834\\uD834\"}", "column 13: expected a low surrogate" },
	{ "{\"a\":\"\\uDD1E\"}", "column 7: expected a high surrogate" },
	{ "{\"a\":\"tab\there\"}", "column 10: expected an escape" },
	{ "{\"a\":\"nl\nhere\"}", "column 9: expected an escape" },
	{ "{\"a\":\"\x7f\"}", NULL },	/* DEL is no control to JSON: valid */
	{ "{\"a\":\"\xc3\"}", "column 7: expected valid UTF-8" },
	{ "{\"a\":\"\xed\xa0\x80\"}", "column 7: expected valid UTF-8" },
	{ "{\"a\":\"\xc0\xae\"}", "column 7: expected valid UTF-8" },
	{ "{\"\xff\":1}", "column 3: expected valid UTF-8" },
	{ "{\"a\":1}x", "column 8: expected nothing after the object" },
	{ "{\"a\":1}{}", "column 8: expected nothing after the object" },
	{ "{\"a\":1}\n{\"b\":2}", "column 9: expected nothing after the object" },
	{ "\xef\xbb\xbf{}", "column 1: expected '{'" },	/* no byte order mark */
	{ "{\"a\":1}\v", "column 8: expected nothing after the object" },
	{ "{\"a\":[1,2]]}", "column 11: expected ',' or '}'" },
	{ "{\"a\":{\"b\":1,}}", "column 13: expected a key" },
};

TEST(grammar_valid_texts)
{
	struct json_doc d;

	json_doc_init(&d);
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
		if (json_parse(&d, valid[i], strlen(valid[i])) == -1)
			TEST_FAIL_("refused %s: %s", valid[i], d.err);
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		if (invalid[i].err == NULL &&
		    json_parse(&d, invalid[i].text, strlen(invalid[i].text)) == -1)
			TEST_FAIL_("refused %s: %s", invalid[i].text, d.err);
	json_doc_free(&d);
}

TEST(grammar_invalid_texts)
{
	struct json_doc d;

	json_doc_init(&d);
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
		if (invalid[i].err == NULL)
			continue;
		if (json_parse(&d, invalid[i].text, strlen(invalid[i].text)) == 0)
			TEST_FAIL_("took %s", invalid[i].text);
		if (strncmp(d.err, invalid[i].err, strlen(invalid[i].err)) != 0)
			TEST_FAIL_("%s:\n    got      \"%s\"\n    expected \"%s...\"",
			    invalid[i].text, d.err, invalid[i].err);
	}
	json_doc_free(&d);
}

TEST(error_says_what_was_found)
{
	struct json_doc d;

	json_doc_init(&d);
	ASSERT_EQ(json_parse(&d, "{\"a\" 1}", 7), -1);
	ASSERT_STR_EQ(d.err, "column 6: expected ':' after the key, found '1'");
	ASSERT_EQ(d.errcol, 6);
	ASSERT_EQ(json_parse(&d, "{\"a\":1", 6), -1);
	ASSERT_STR_EQ(d.err, "column 7: expected ',' or '}', found the end of the line");
	ASSERT_EQ(json_parse(&d, "\x01", 1), -1);
	ASSERT_STR_EQ(d.err, "column 1: expected '{' (a line is one JSON object), "
	    "found byte 0x01");
	json_doc_free(&d);
}

TEST(escapes_decode_to_utf8)
{
	struct json_doc d;
	static const char text[] = "{\"a\":\"\\u0000x\\u00e9\\u20ac\\ud834\\udd1e\\/\","
	    "\"k\\n\":\"\"}";

	json_doc_init(&d);
	ASSERT_EQ(json_parse(&d, text, sizeof text - 1), 0);
	ASSERT_EQ(d.n, 2);
	ASSERT_EQ(d.m[0].type, JSON_STRING);
	ASSERT_EQ(d.m[0].n, 1 + 1 + 2 + 3 + 4 + 1);
	ASSERT(memcmp(d.m[0].s, "\0x\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e/", 12) == 0);
	ASSERT_STR_EQ(d.m[1].key, "k\n");
	ASSERT_EQ(d.m[1].n, 0);
	json_doc_free(&d);
}

TEST(numbers_and_arrays_typed)
{
	struct json_doc d;
	static const char text[] = "{\"u\":18446744073709551615,\"big\":18446744073709551616,"
	    "\"neg\":-9223372036854775808,\"z\":-0,\"f\":1.5,\"e\":1e3,"
	    "\"v\":[1,2,3],\"none\":[],\"mixed\":[1,\"a\"],\"nested\":[1,[2]],"
	    "\"minus\":[-1],\"w\":[4,5],\"o\":{\"x\":[9]}}";

	json_doc_init(&d);
	ASSERT_EQ(json_parse(&d, text, sizeof text - 1), 0);
	ASSERT_EQ(d.n, 13);
	ASSERT_EQ(d.m[0].type, JSON_UINT);
	ASSERT(d.m[0].u == UINT64_MAX);
	ASSERT_EQ(d.m[1].type, JSON_OTHER);
	ASSERT_EQ(d.m[2].type, JSON_INT);
	ASSERT(d.m[2].i == INT64_MIN);
	ASSERT_EQ(d.m[3].type, JSON_INT);
	ASSERT_EQ(d.m[3].i, 0);
	ASSERT_EQ(d.m[4].type, JSON_OTHER);
	ASSERT_EQ(d.m[5].type, JSON_OTHER);
	ASSERT_EQ(d.m[6].type, JSON_UINTS);
	ASSERT_EQ(d.m[6].n, 3);
	ASSERT_EQ(d.m[6].v[2], 3);
	ASSERT_EQ(d.m[7].type, JSON_UINTS);
	ASSERT_EQ(d.m[7].n, 0);
	ASSERT_EQ(d.m[8].type, JSON_OTHER);
	ASSERT_EQ(d.m[9].type, JSON_OTHER);
	ASSERT_EQ(d.m[10].type, JSON_OTHER);
	/* The arrays refused in between left the ones kept alone. */
	ASSERT_EQ(d.m[11].type, JSON_UINTS);
	ASSERT_EQ(d.m[11].n, 2);
	ASSERT_EQ(d.m[11].v[0], 4);
	ASSERT_EQ(d.m[11].v[1], 5);
	ASSERT_EQ(d.m[6].v[0], 1);
	ASSERT_EQ(d.m[12].type, JSON_OTHER);
	ASSERT_EQ(d.m[6].col, 108);	/* where its [ is */
	json_doc_free(&d);
}

TEST(nesting_limited_to_64)
{
	struct json_doc d;
	char text[300];
	size_t n;

	json_doc_init(&d);
	/* The top object is level 1: 63 arrays inside it is 64 levels. */
	n = (size_t)snprintf(text, sizeof text, "{\"a\":");
	for (int i = 0; i < 63; i++)
		text[n++] = '[';
	for (int i = 0; i < 63; i++)
		text[n++] = ']';
	text[n++] = '}';
	ASSERT_EQ(json_parse(&d, text, n), 0);
	n = (size_t)snprintf(text, sizeof text, "{\"a\":");
	for (int i = 0; i < 64; i++)
		text[n++] = '[';
	for (int i = 0; i < 64; i++)
		text[n++] = ']';
	text[n++] = '}';
	ASSERT_EQ(json_parse(&d, text, n), -1);
	ASSERT_PREFIX(d.err, "column 69: expected no more than 64 levels");
	json_doc_free(&d);
}

TEST(doc_reused_for_longer_and_shorter_lines)
{
	struct json_doc d;
	char big[5000];

	json_doc_init(&d);
	ASSERT_EQ(json_parse(&d, "{\"a\":\"x\"}", 9), 0);
	memset(big, 'y', sizeof big);
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + sizeof big - 2, "\"}", 2);
	ASSERT_EQ(json_parse(&d, big, sizeof big), 0);
	ASSERT_EQ(d.m[0].n, sizeof big - 8);
	ASSERT_EQ(json_parse(&d, "{\"b\":[7]}", 9), 0);
	ASSERT_STR_EQ(d.m[0].key, "b");
	ASSERT_EQ(d.m[0].v[0], 7);
	json_doc_free(&d);
}

/* Mangled texts: each is taken or refused, never read past its end (the
   sanitizers watch), and a refusal names a column inside the text. */
TEST(parser_survives_mangled_texts)
{
	struct json_doc d;
	char buf[512];

	json_doc_init(&d);
	for (int iter = 0; iter < 50000; iter++) {
		const char *src = valid[rnd() % (sizeof valid / sizeof valid[0])];
		size_t n = strlen(src);
		memcpy(buf, src, n);
		for (int k = 1 + (int)(rnd() % 3); k > 0; k--) {
			size_t at = n > 0 ? rnd() % n : 0;
			switch (rnd() % 3) {
			case 0:		/* change a byte */
				if (n > 0)
					buf[at] = "{}[]\",:\\u0-9eE.tfn \x80\xff"[rnd() % 22];
				break;
			case 1:		/* drop one */
				if (n > 0) {
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
				}
				break;
			default:	/* cut the text short */
				n = at;
			}
		}
		/* The text ends exactly at n: a copy of its own, with nothing
		   after it, so a read past the end is caught. */
		char *text = malloc(n ? n : 1);
		ASSERT(text != NULL);
		memcpy(text, buf, n);
		if (json_parse(&d, text, n) == -1) {
			ASSERT(d.errcol >= 1);
			ASSERT(d.errcol <= n + 1);
			ASSERT_PREFIX(d.err, "column ");
		}
		free(text);
	}
	json_doc_free(&d);
}

static const struct test_case tests[] = {
	TEST_CASE(every_control_byte_escaped),
	TEST_CASE(printable_ascii_kept),
	TEST_CASE(valid_utf8_kept),
	TEST_CASE(invalid_utf8_becomes_fffd),
	TEST_CASE(writer_puts_commas_where_they_go),
	TEST_CASE(round_trip_random_bytes),
	TEST_CASE(odd_byte_at_every_place),
	TEST_CASE(numbers_at_every_length),
	TEST_CASE(grammar_valid_texts),
	TEST_CASE(grammar_invalid_texts),
	TEST_CASE(error_says_what_was_found),
	TEST_CASE(escapes_decode_to_utf8),
	TEST_CASE(numbers_and_arrays_typed),
	TEST_CASE(nesting_limited_to_64),
	TEST_CASE(doc_reused_for_longer_and_shorter_lines),
	TEST_CASE(parser_survives_mangled_texts),
};

TEST_MAIN("json", tests)
