/*
 * test_tables.c - the process table's slot reuse and the mailbox array's
 * order-preserving compaction.
 */
#include "mbox.h"
#include "ptable.h"
#include "test.h"

TEST(table_fills_in_order)
{
	struct ptable t;
	ASSERT_EQ(ptable_init(&t, 3), 0);
	ASSERT_EQ(ptable_insert(&t, 10, 1), 0);
	ASSERT_EQ(ptable_insert(&t, 11, 1), 1);
	ASSERT_EQ(ptable_insert(&t, 12, 2), 2);
	ASSERT_EQ(ptable_insert(&t, 13, 2), -1);	/* full */
	ASSERT_EQ(ptable_find(&t, 12), 2);
	ASSERT_EQ(t.slot[2].owner, 2);
	ASSERT_EQ(ptable_find(&t, 99), -1);
	ASSERT_EQ(t.used, 3);
	ptable_free(&t);
}

/* Two removals in a row: a single "last removed index", instead of a
   stack of them, would put the next two entries in the same slot. */
TEST(table_two_holes)
{
	struct ptable t;
	ASSERT_EQ(ptable_init(&t, 6), 0);
	ptable_insert(&t, 'A', 1);
	ptable_insert(&t, 'B', 1);
	ptable_insert(&t, 'C', 1);
	ptable_remove(&t, 0);
	ptable_remove(&t, 1);
	ASSERT_EQ(ptable_insert(&t, 'D', 1), 1);	/* most recently freed */
	ASSERT_EQ(ptable_insert(&t, 'E', 1), 0);	/* then the one before */
	ASSERT_EQ(ptable_insert(&t, 'F', 1), 3);	/* then the end grows */
	ASSERT_EQ(t.slot[0].port, 'E');
	ASSERT_EQ(t.slot[1].port, 'D');
	ASSERT_EQ(t.slot[2].port, 'C');
	ASSERT_EQ(t.slot[3].port, 'F');
	ptable_free(&t);
}

TEST(table_reuse_before_extending)
{
	struct ptable t;
	ASSERT_EQ(ptable_init(&t, 6), 0);
	ptable_insert(&t, 1, 1);
	ptable_insert(&t, 2, 1);
	ptable_remove(&t, 0);
	ASSERT_EQ(ptable_insert(&t, 3, 1), 0);
	ASSERT_EQ(ptable_insert(&t, 4, 1), 2);
	/* a removed entry is no longer found; its slot is free */
	ptable_remove(&t, 2);
	ASSERT_EQ(ptable_find(&t, 4), -1);
	ASSERT_EQ(t.slot[2].port, 0);
	ASSERT_EQ(t.used, 2);
	ptable_free(&t);
}

TEST(table_full_after_holes_refilled)
{
	struct ptable t;
	ASSERT_EQ(ptable_init(&t, 2), 0);
	ptable_insert(&t, 1, 1);
	ptable_insert(&t, 2, 1);
	ptable_remove(&t, 1);
	ptable_remove(&t, 0);
	ASSERT_EQ(ptable_insert(&t, 3, 1), 0);
	ASSERT_EQ(ptable_insert(&t, 4, 1), 1);
	ASSERT_EQ(ptable_insert(&t, 5, 1), -1);
	ptable_free(&t);
}

static void
links_are(const struct mbox *m, const uint16_t *ports, unsigned n)
{
	ASSERT_EQ(m->n, n);
	for (unsigned i = 0; i < n; i++)
		if (m->slot[i].port != ports[i])
			TEST_FAIL_("slot %u holds port %u, expected %u", i,
			    m->slot[i].port, ports[i]);
}

TEST(mbox_compacts_in_order)
{
	struct mbox m;
	ASSERT_EQ(mbox_init(&m, 6), 0);
	for (uint16_t p = 1; p <= 5; p++)
		ASSERT_EQ(mbox_add(&m, p, 100, 200 + p), p - 1);
	mbox_remove(&m, 0);				/* the first */
	links_are(&m, (uint16_t[]){ 2, 3, 4, 5 }, 4);
	mbox_remove(&m, 1);				/* a middle one */
	links_are(&m, (uint16_t[]){ 2, 4, 5 }, 3);
	mbox_remove(&m, 2);				/* the last */
	links_are(&m, (uint16_t[]){ 2, 4 }, 2);
	ASSERT_EQ(m.slot[1].client, 204);		/* the whole link moved */
	ASSERT_EQ(mbox_add(&m, 9, 100, 209), 2);	/* appended after them */
	mbox_free(&m);
}

/* Links dropped while going through the array keep the others in their
   slots, and are found by no lookup; one compaction then leaves what
   removing them one by one would have. */
TEST(mbox_drops_then_compacts_once)
{
	struct mbox m;
	ASSERT_EQ(mbox_init(&m, 8), 0);
	for (uint16_t p = 1; p <= 7; p++)
		ASSERT_EQ(mbox_add(&m, p, 100, p % 2 ? 300 : 200), p - 1);
	for (unsigned i = 0; i < m.n; i++)
		if (m.slot[i].client == 300)
			mbox_drop(&m, i);
	ASSERT_EQ(m.n, 7);
	ASSERT_EQ(mbox_find(&m, 1, 300), -1);
	ASSERT_EQ(mbox_find(&m, 7, 300), -1);
	ASSERT_EQ(mbox_find(&m, 4, 200), 3);
	ASSERT_EQ(mbox_find_port(&m, 3, 0), -1);
	mbox_compact(&m);
	links_are(&m, (uint16_t[]){ 2, 4, 6 }, 3);
	ASSERT_EQ(mbox_find(&m, 6, 200), 2);
	ASSERT_EQ(mbox_find(&m, 5, 300), -1);
	ASSERT_EQ(m.slot[3].port, 0);			/* nothing left behind */
	ASSERT_EQ(mbox_add(&m, 9, 100, 209), 3);
	mbox_compact(&m);				/* nothing dropped: no change */
	links_are(&m, (uint16_t[]){ 2, 4, 6, 9 }, 4);
	mbox_free(&m);
}

TEST(mbox_full)
{
	struct mbox m;
	ASSERT_EQ(mbox_init(&m, 2), 0);
	ASSERT_EQ(mbox_add(&m, 1, 1, 2), 0);
	ASSERT_EQ(mbox_add(&m, 1, 1, 3), 1);
	ASSERT_EQ(mbox_add(&m, 2, 1, 3), -1);
	mbox_free(&m);
}

TEST(mbox_find_by_link_and_port)
{
	struct mbox m;
	ASSERT_EQ(mbox_init(&m, 6), 0);
	mbox_add(&m, 80, 1, 10);
	mbox_add(&m, 81, 1, 10);
	mbox_add(&m, 80, 1, 11);
	ASSERT_EQ(mbox_find(&m, 80, 11), 2);
	ASSERT_EQ(mbox_find(&m, 81, 11), -1);
	ASSERT_EQ(mbox_find_port(&m, 80, 0), 0);
	ASSERT_EQ(mbox_find_port(&m, 80, 1), 2);
	ASSERT_EQ(mbox_find_port(&m, 82, 0), -1);
	mbox_free(&m);
}

/* The slot a scan of the array finds: what the index must agree with. */
static int
scan(const struct mbox *m, uint16_t port, uint32_t client)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->slot[i].port == port && m->slot[i].client == client)
			return (int)i;
	return -1;
}

/* 1024 links made and destroyed at random, many sharing a port or a client
   (so their hashes collide); after every change the index finds each link
   where the array has it, and nothing that is not there. */
TEST(mbox_index_agrees_with_the_array)
{
	struct mbox m;
	unsigned seed = 12345;

	ASSERT_EQ(mbox_init(&m, 1024), 0);
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245 + 12345;
		uint16_t port = (uint16_t)(1 + (seed >> 8) % 40);
		uint32_t client = 1000 + (seed >> 16) % 40;
		int at = scan(&m, port, client);
		if (at >= 0 && (seed & 3) != 0)
			mbox_remove(&m, (unsigned)at);
		else if (at < 0) {
			int full = m.n == m.nslots;
			int slot = mbox_add(&m, port, 1, client);
			ASSERT_EQ(slot, full ? -1 : (int)m.n - 1);
		}
		for (unsigned i = 0; i < m.n; i++)
			ASSERT_EQ(mbox_find(&m, m.slot[i].port, m.slot[i].client), (int)i);
		ASSERT_EQ(mbox_find(&m, port, client), scan(&m, port, client));
		ASSERT_EQ(mbox_find(&m, 999, client), -1);
	}
	mbox_free(&m);
}

/* Every slot in use: the index still ends every probe. */
TEST(mbox_index_full)
{
	struct mbox m;

	ASSERT_EQ(mbox_init(&m, 1024), 0);
	for (uint32_t c = 0; c < 1024; c++)
		ASSERT_EQ(mbox_add(&m, 7, 1, c), (int)c);
	ASSERT_EQ(mbox_add(&m, 8, 1, 0), -1);
	for (uint32_t c = 0; c < 1024; c++)
		ASSERT_EQ(mbox_find(&m, 7, c), (int)c);
	ASSERT_EQ(mbox_find(&m, 7, 1024), -1);
	mbox_remove(&m, 0);
	ASSERT_EQ(mbox_find(&m, 7, 0), -1);
	ASSERT_EQ(mbox_find(&m, 7, 1023), 1022);
	mbox_free(&m);
}

static const struct test_case cases[] = {
	TEST_CASE(table_fills_in_order),
	TEST_CASE(table_two_holes),
	TEST_CASE(table_reuse_before_extending),
	TEST_CASE(table_full_after_holes_refilled),
	TEST_CASE(mbox_compacts_in_order),
	TEST_CASE(mbox_drops_then_compacts_once),
	TEST_CASE(mbox_full),
	TEST_CASE(mbox_find_by_link_and_port),
	TEST_CASE(mbox_index_agrees_with_the_array),
	TEST_CASE(mbox_index_full),
};

TEST_MAIN("tables", cases)
