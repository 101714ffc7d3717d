/*
 * test_seen.c - the set of texts a child was delivered.
 */
#include <stdio.h>

#include "param.h"
#include "seen.h"
#include "test.h"

TEST(kept_once_and_found)
{
	struct seen s = { 0 };

	ASSERT(!seen_has(&s, "hello", 5));
	seen_add(&s, "hello", 5);
	seen_add(&s, "hello", 5);
	seen_add(&s, "hello world", 11);
	ASSERT_EQ(s.n, 2);
	ASSERT(seen_has(&s, "hello", 5));
	ASSERT(seen_has(&s, "hello world", 11));
	ASSERT(!seen_has(&s, "hello worl", 10));	/* a prefix is not the text */
	ASSERT(!seen_has(&s, "hell", 4));
	ASSERT(!s.full);
	seen_free(&s);
	ASSERT(!seen_has(&s, "hello", 5));
	seen_add(&s, "again", 5);			/* usable after free */
	ASSERT(seen_has(&s, "again", 5));
	seen_free(&s);
}

/* Lengths count, not NULs: the empty text and texts holding NUL bytes. */
TEST(lengths_not_terminators)
{
	struct seen s = { 0 };

	seen_add(&s, "", 0);
	seen_add(&s, "a\0b", 3);
	ASSERT(seen_has(&s, "", 0));
	ASSERT(seen_has(&s, "a\0b", 3));
	ASSERT(!seen_has(&s, "a", 1));
	ASSERT(!seen_has(&s, "a\0c", 3));
	seen_free(&s);
}

/* Every text up to the bound is kept and found after the table has grown
   many times; past it, new texts are not kept and the set says so. */
TEST(bounded_and_says_so)
{
	struct seen s = { 0 };
	char text[32];

	for (int i = 0; i < MIPC_RECEIVED_MAX; i++) {
		int n = snprintf(text, sizeof text, "message %d", i);
		seen_add(&s, text, (size_t)n);
	}
	ASSERT_EQ(s.n, MIPC_RECEIVED_MAX);
	ASSERT(!s.full);
	for (int i = 0; i < MIPC_RECEIVED_MAX; i++) {
		int n = snprintf(text, sizeof text, "message %d", i);
		ASSERT(seen_has(&s, text, (size_t)n));
	}
	seen_add(&s, "message 0", 9);			/* kept already: not new */
	ASSERT(!s.full);
	seen_add(&s, "one too many", 12);
	ASSERT(s.full);
	ASSERT(!seen_has(&s, "one too many", 12));
	ASSERT_EQ(s.n, MIPC_RECEIVED_MAX);
	seen_free(&s);
}

static const struct test_case cases[] = {
	TEST_CASE(kept_once_and_found),
	TEST_CASE(lengths_not_terminators),
	TEST_CASE(bounded_and_says_so),
};

TEST_MAIN("seen", cases)
