/*
 * test_route.c - the routing rules of BRIEF §2, one case per rule.
 *
 * Every effect route.c reports is recorded, so each case checks what was
 * delivered, answered and told to whom, in order.
 */
#include <stdarg.h>

#include "route.h"
#include "test.h"

#define MAXFX 512

static struct {
	enum fx_kind kind;
	uint32_t to;
	uint64_t id;
	char text[MIPC_ANSWER_MAX];
} fx[MAXFX];
static int nfx;

static void
record(void *ctx, const struct fx *f)
{
	(void)ctx;
	if (nfx == MAXFX)
		TEST_FAIL_("too many effects");
	if (f->textlen != strlen(f->text))
		TEST_FAIL_("an effect's textlen is not its text's length");
	fx[nfx].kind = f->kind;
	fx[nfx].to = f->to ? f->to->pid : 0;
	fx[nfx].id = f->id;
	snprintf(fx[nfx].text, sizeof fx[nfx].text, "%s", f->text);
	nfx++;
}

static struct route r;
static struct rproc P[8];	/* P[i] has pid 1000 + i */
static struct route_result res;
static int64_t now;

static void
setup(unsigned slots, unsigned queue)
{
	struct route_config cfg = { slots, queue, 5000 };

	ASSERT_EQ(route_init(&r, &cfg, record, NULL), 0);
	for (int i = 0; i < 8; i++) {
		memset(&P[i], 0, sizeof P[i]);
		P[i].pid = 1000 + (uint32_t)i;
		ASSERT_EQ(route_proc_add(&r, &P[i]), 0);
	}
	nfx = 0;
	now = 0;
}

/* Sends a line from p; returns the immediate answer ("" if pending). */
static const char *
line(struct rproc *p, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	route_line(&r, p, buf, strlen(buf), now, &res);
	return res.pending ? "" : res.text;
}

#define REQ(op, text, pid, port) op "{.message=" text ",.pid=" #pid ",.port=" #port "}"

static void
expect_fx(int i, enum fx_kind kind, uint32_t to, const char *text)
{
	if (i >= nfx)
		TEST_FAIL_("effect %d missing (have %d), expected \"%s\"", i, nfx, text);
	if (fx[i].kind != kind || fx[i].to != to || strcmp(fx[i].text, text) != 0)
		TEST_FAIL_("effect %d:\n    got      kind %d to %u \"%s\"\n"
		    "    expected kind %d to %u \"%s\"", i, fx[i].kind, fx[i].to,
		    fx[i].text, kind, to, text);
}

/* Server P0 owns 8080 and client P1 is linked to it. */
static void
linked(void)
{
	ASSERT_PREFIX(line(&P[0], REQ("c ", "x", 1000, 8080)), "OK");
	ASSERT_PREFIX(line(&P[1], REQ("", "x", 1001, 8080)), "OK linked");
	nfx = 0;
}

TEST(seed_walkthrough)
{
	setup(6, 128);
	ASSERT_STR_EQ(line(&P[0], REQ("c ", "hello world", 1000, 8080)),
	    "OK port 8080 registered in slot 0");
	ASSERT_STR_EQ(line(&P[1], REQ("", "hello world", 1001, 8080)),
	    "OK linked 8080<-1001 in mailbox slot 0");
	ASSERT_EQ(r.pt.used, 0);			/* the entry moved */
	ASSERT_EQ(r.mb.n, 1);
	ASSERT_STR_EQ(line(&P[1], REQ("", "hello world", 1001, 8080)), "");
	uint64_t id = res.pending;
	ASSERT(id != 0);
	ASSERT_EQ(nfx, 1);
	expect_fx(0, FX_DELIVER, 1000,
	    "* received \"hello world\" from pid 1001 via port 8080");
	ASSERT_EQ(fx[0].id, id);
	ASSERT_EQ(route_answered(&r, &P[0], NULL, 0), 0);
	expect_fx(1, FX_ANSWER, 1001, "OK response written to port: 8080");
	ASSERT_EQ(fx[1].id, id);
	ASSERT_EQ(r.inflight, 0);
	ASSERT_STR_EQ(line(&P[0], REQ("r ", "x", 1000, 8080)), "OK link 8080<-1001 destroyed");
	expect_fx(2, FX_NOTICE, 1000, "* link 8080<-1001 destroyed: removed by pid 1000");
	expect_fx(3, FX_NOTICE, 1001, "* link 8080<-1001 destroyed: removed by pid 1000");
	ASSERT_EQ(r.mb.n, 0);
	route_free(&r);
}

TEST(malformed_lines)
{
	setup(6, 128);
	ASSERT_PREFIX(line(&P[0], "{.message=x,.pid=1000}"), "ERR EINVAL expected ',.port='");
	ASSERT_EQ(res.code, E_EINVAL);
	char big[400] = "{.message=";
	memset(big + 10, 'm', 255);
	strcpy(big + 265, ",.pid=1000,.port=1}");
	ASSERT_PREFIX(line(&P[0], "%s", big), "ERR EMSGSIZE message is 255 bytes");
	ASSERT_EQ(nfx, 0);
	route_free(&r);
}

TEST(create_twice_by_owner)
{
	setup(6, 128);
	line(&P[0], REQ("c ", "x", 1000, 80));
	ASSERT_STR_EQ(line(&P[0], REQ("c ", "x", 1000, 80)),
	    "OK port 80 already registered in slot 0");
	ASSERT_EQ(r.pt.used, 1);
	route_free(&r);
}

TEST(create_held_by_another)
{
	setup(6, 128);
	line(&P[0], REQ("c ", "x", 1000, 80));
	ASSERT_STR_EQ(line(&P[1], REQ("c ", "x", 1001, 80)),
	    "ERR EADDRINUSE port 80 is held by pid 1000");
	/* held only through a link: still the server's */
	line(&P[1], REQ("", "x", 1001, 80));
	ASSERT_STR_EQ(line(&P[2], REQ("c ", "x", 1002, 80)),
	    "ERR EADDRINUSE port 80 is held by pid 1000");
	route_free(&r);
}

TEST(create_again_of_linked_port)
{
	setup(6, 128);
	linked();
	ASSERT_STR_EQ(line(&P[0], REQ("c ", "x", 1000, 8080)),
	    "OK port 8080 registered in slot 0");
	ASSERT_STR_EQ(line(&P[2], REQ("", "x", 1002, 8080)),
	    "OK linked 8080<-1002 in mailbox slot 1");
	ASSERT_EQ(r.mb.slot[1].server, 1000);
	route_free(&r);
}

TEST(full_table)
{
	setup(6, 128);
	for (int i = 1; i <= 6; i++)
		ASSERT_PREFIX(line(&P[0], "c {.message=x,.pid=1000,.port=%d}", i), "OK");
	ASSERT_STR_EQ(line(&P[0], REQ("c ", "x", 1000, 7)),
	    "ERR ENOSPC process table is full (6 slots)");
	ASSERT_EQ(res.code, E_ENOSPC);
	route_free(&r);
}

TEST(link_to_unregistered_port)
{
	setup(6, 128);
	ASSERT_STR_EQ(line(&P[1], REQ("", "x", 1001, 9)), "ERR ENOENT port 9 is not registered");
	linked();
	ASSERT_STR_EQ(line(&P[2], REQ("", "x", 1002, 8080)),
	    "ERR ENOENT port 8080 is not registered (it is linked; its owner must "
	    "register it again with c)");
	route_free(&r);
}

TEST(full_mailbox_array)
{
	setup(2, 128);
	line(&P[0], REQ("c ", "x", 1000, 1));
	line(&P[0], REQ("c ", "x", 1000, 2));
	line(&P[1], REQ("", "x", 1001, 1));
	line(&P[1], REQ("", "x", 1001, 2));
	line(&P[0], REQ("c ", "x", 1000, 3));
	ASSERT_STR_EQ(line(&P[1], REQ("", "x", 1001, 3)),
	    "ERR ENOSPC mailbox array is full (2 slots)");
	ASSERT_EQ(ptable_find(&r.pt, 3), 1);	/* still in the table, in slot 1 */
	route_free(&r);
}

TEST(queue_of_one_said_in_the_singular)
{
	setup(6, 1);
	linked();
	ASSERT_STR_EQ(line(&P[1], REQ("", "a", 1001, 8080)), "");
	ASSERT_STR_EQ(line(&P[1], REQ("", "b", 1001, 8080)),
	    "ERR EAGAIN queue of link 8080<-1001 is full (1 message)");
	route_free(&r);
}

TEST(full_queue_then_room_again)
{
	setup(6, 2);
	linked();
	ASSERT_STR_EQ(line(&P[1], REQ("", "a", 1001, 8080)), "");
	ASSERT_STR_EQ(line(&P[1], REQ("", "b", 1001, 8080)), "");
	ASSERT_STR_EQ(line(&P[1], REQ("", "c", 1001, 8080)),
	    "ERR EAGAIN queue of link 8080<-1001 is full (2 messages)");
	ASSERT_EQ(r.mb.slot[0].qlen, 2);
	route_answered(&r, &P[0], "ok", 2);
	ASSERT_STR_EQ(line(&P[1], REQ("", "c", 1001, 8080)), "");
	route_free(&r);
}

TEST(self_link)
{
	setup(6, 128);
	line(&P[0], REQ("c ", "x", 1000, 5));
	ASSERT_STR_EQ(line(&P[0], REQ("", "x", 1000, 5)), "OK linked 5<-1000 in mailbox slot 0");
	nfx = 0;
	ASSERT_STR_EQ(line(&P[0], REQ("", "me", 1000, 5)), "");
	expect_fx(0, FX_DELIVER, 1000, "* received \"me\" from pid 1000 via port 5");
	route_answered(&r, &P[0], "me", 2);
	expect_fx(1, FX_ANSWER, 1000, "OK me");
	route_free(&r);
}

TEST(pid_not_the_senders)
{
	setup(6, 128);
	ASSERT_STR_EQ(line(&P[1], REQ("c ", "x", 1000, 5)),
	    "ERR EPERM pid 1000 is not yours (you are pid 1001)");
	ASSERT_EQ(r.pt.used, 0);
	route_free(&r);
}

TEST(client_claims_its_pid)
{
	struct rproc c1, c2;

	setup(6, 128);
	memset(&c1, 0, sizeof c1);
	memset(&c2, 0, sizeof c2);
	route_proc_add(&r, &c1);
	route_proc_add(&r, &c2);
	/* a malformed first line claims nothing */
	ASSERT_PREFIX(line(&c1, "junk"), "ERR EINVAL");
	ASSERT_EQ(c1.pid, 0);
	ASSERT_STR_EQ(line(&c1, REQ("c ", "x", 77, 5)), "OK port 5 registered in slot 0");
	ASSERT_EQ(c1.pid, 77);
	ASSERT_STR_EQ(line(&c2, REQ("c ", "x", 77, 6)), "ERR EPERM pid 77 is held by another process");
	ASSERT_EQ(c2.pid, 0);
	ASSERT_STR_EQ(line(&c2, REQ("c ", "x", 1000, 6)), "ERR EPERM pid 1000 is held by another process");
	ASSERT_STR_EQ(line(&c1, REQ("c ", "x", 78, 6)), "ERR EPERM pid 78 is not yours (you are pid 77)");
	route_free(&r);
}

TEST(remove_by_owner_keeps_links)
{
	setup(6, 128);
	linked();
	line(&P[0], REQ("c ", "x", 1000, 8080));
	ASSERT_STR_EQ(line(&P[0], REQ("r ", "x", 1000, 8080)), "OK port 8080 removed from slot 0");
	ASSERT_EQ(r.mb.n, 1);
	ASSERT_EQ(nfx, 0);
	route_free(&r);
}

TEST(remove_by_server_destroys_all_links)
{
	setup(6, 128);
	line(&P[0], REQ("c ", "x", 1000, 9));
	line(&P[3], REQ("", "x", 1003, 9));		/* another port first */
	line(&P[0], REQ("c ", "x", 1000, 80));
	line(&P[1], REQ("", "x", 1001, 80));
	line(&P[0], REQ("c ", "x", 1000, 80));
	line(&P[2], REQ("", "x", 1002, 80));
	line(&P[1], REQ("", "in flight", 1001, 80));
	uint64_t id = res.pending;
	nfx = 0;
	ASSERT_STR_EQ(line(&P[0], REQ("r ", "x", 1000, 80)), "OK 2 links on port 80 destroyed");
	expect_fx(0, FX_ANSWER, 1001, "ERR ECONNRESET link 80<-1001 destroyed: removed by pid 1000");
	ASSERT_EQ(fx[0].id, id);
	expect_fx(1, FX_NOTICE, 1000, "* link 80<-1001 destroyed: removed by pid 1000");
	expect_fx(2, FX_NOTICE, 1001, "* link 80<-1001 destroyed: removed by pid 1000");
	expect_fx(3, FX_NOTICE, 1000, "* link 80<-1002 destroyed: removed by pid 1000");
	expect_fx(4, FX_NOTICE, 1002, "* link 80<-1002 destroyed: removed by pid 1000");
	ASSERT_EQ(r.mb.n, 1);
	ASSERT_EQ(r.mb.slot[0].port, 9);
	ASSERT_EQ(r.inflight, 0);
	/* the server's late answer to the reset message is dropped */
	ASSERT_EQ(route_answered(&r, &P[0], NULL, 0), 0);
	ASSERT_EQ(fx[5].kind, FX_LOG);
	ASSERT_PREFIX(fx[5].text, "late answer from pid 1000");
	route_free(&r);
}

TEST(remove_by_client_destroys_its_own)
{
	setup(6, 128);
	linked();
	line(&P[0], REQ("c ", "x", 1000, 8080));
	line(&P[2], REQ("", "x", 1002, 8080));
	nfx = 0;
	ASSERT_STR_EQ(line(&P[1], REQ("r ", "x", 1001, 8080)), "OK link 8080<-1001 destroyed");
	ASSERT_EQ(r.mb.n, 1);
	ASSERT_EQ(r.mb.slot[0].client, 1002);
	expect_fx(0, FX_NOTICE, 1000, "* link 8080<-1001 destroyed: removed by pid 1001");
	expect_fx(1, FX_NOTICE, 1001, "* link 8080<-1001 destroyed: removed by pid 1001");
	route_free(&r);
}

TEST(remove_by_stranger_and_unknown)
{
	setup(6, 128);
	linked();
	ASSERT_STR_EQ(line(&P[2], REQ("r ", "x", 1002, 8080)),
	    "ERR EPERM pid 1002 neither owns port 8080 nor is an end of a link on it");
	line(&P[0], REQ("c ", "x", 1000, 90));
	ASSERT_PREFIX(line(&P[2], REQ("r ", "x", 1002, 90)), "ERR EPERM");
	ASSERT_STR_EQ(line(&P[2], REQ("r ", "x", 1002, 91)),
	    "ERR ENOENT port 91 is not held by any process");
	route_free(&r);
}

TEST(timeout_then_late_answer_dropped)
{
	setup(6, 128);
	linked();
	line(&P[1], REQ("", "first", 1001, 8080));
	uint64_t first = res.pending;
	now = 1000;
	line(&P[1], REQ("", "second", 1001, 8080));
	uint64_t second = res.pending;
	ASSERT_EQ(route_next_deadline(&r), 5000);
	nfx = 0;
	route_expire(&r, 5000);
	expect_fx(0, FX_ANSWER, 1001, "ERR ETIMEDOUT server pid 1000 did not answer within 5000 ms");
	ASSERT_EQ(fx[0].id, first);
	ASSERT_EQ(nfx, 1);
	ASSERT_EQ(r.mb.slot[0].qlen, 1);
	ASSERT_EQ(route_next_deadline(&r), 6000);
	/* The server answers the first (late: dropped), then the second. */
	route_answered(&r, &P[0], "one", 3);
	ASSERT_EQ(fx[1].kind, FX_LOG);
	route_answered(&r, &P[0], "two", 3);
	expect_fx(2, FX_ANSWER, 1001, "OK two");
	ASSERT_EQ(fx[2].id, second);
	ASSERT_EQ(route_next_deadline(&r), -1);
	ASSERT_EQ(route_answered(&r, &P[0], "three", 5), -1);	/* nothing owed */
	route_free(&r);
}

TEST(server_dies_with_messages_in_flight)
{
	setup(6, 128);
	linked();
	line(&P[0], REQ("c ", "x", 1000, 9000));
	line(&P[1], REQ("", "a", 1001, 8080));
	line(&P[1], REQ("", "b", 1001, 8080));
	nfx = 0;
	route_proc_gone(&r, &P[0], "was killed by SIGKILL");
	expect_fx(0, FX_ANSWER, 1001, "ERR ESRCH server pid 1000 was killed by SIGKILL");
	expect_fx(1, FX_ANSWER, 1001, "ERR ESRCH server pid 1000 was killed by SIGKILL");
	expect_fx(2, FX_NOTICE, 1001, "* link 8080<-1001 destroyed: pid 1000 was killed by SIGKILL");
	ASSERT_EQ(r.pt.used, 0);
	ASSERT_EQ(r.mb.n, 0);
	ASSERT_EQ(r.inflight, 0);
	ASSERT(route_proc_find(&r, 1000) == NULL);
	/* its ports are simply gone: another may take them */
	ASSERT_PREFIX(line(&P[2], REQ("c ", "x", 1002, 9000)), "OK");
	route_free(&r);
}

TEST(client_dies_with_messages_in_flight)
{
	setup(6, 128);
	linked();
	line(&P[1], REQ("", "orphan", 1001, 8080));
	nfx = 0;
	route_proc_gone(&r, &P[1], "exited with status 0");
	ASSERT_EQ(fx[0].kind, FX_LOG);
	ASSERT_PREFIX(fx[0].text, "message 1 from pid 1001 to port 8080 dropped");
	expect_fx(1, FX_NOTICE, 1000, "* link 8080<-1001 destroyed: pid 1001 exited with status 0");
	ASSERT_EQ(r.inflight, 0);
	/* The server still answers it: dropped, not given to anyone. */
	ASSERT_EQ(route_answered(&r, &P[0], NULL, 0), 0);
	ASSERT_EQ(fx[2].kind, FX_LOG);
	ASSERT_EQ(nfx, 3);
	route_free(&r);
}

TEST(answers_matched_in_delivery_order)
{
	setup(6, 128);
	line(&P[0], REQ("c ", "x", 1000, 80));
	line(&P[1], REQ("", "x", 1001, 80));
	line(&P[0], REQ("c ", "x", 1000, 80));
	line(&P[2], REQ("", "x", 1002, 80));
	line(&P[1], REQ("", "from 1", 1001, 80));
	uint64_t a = res.pending;
	line(&P[2], REQ("", "from 2", 1002, 80));
	uint64_t b = res.pending;
	ASSERT(a != b);
	nfx = 0;
	route_answered(&r, &P[0], "A", 1);
	route_answered(&r, &P[0], "B", 1);
	expect_fx(0, FX_ANSWER, 1001, "OK A");
	ASSERT_EQ(fx[0].id, a);
	expect_fx(1, FX_ANSWER, 1002, "OK B");
	ASSERT_EQ(fx[1].id, b);
	route_free(&r);
}

static char dumped[4096];

static void
dump_line(void *arg, const char *s)
{
	(void)arg;
	strcat(dumped, s);
	strcat(dumped, "\n");
}

TEST(dump_every_slot)
{
	setup(3, 128);
	linked();
	line(&P[0], REQ("c ", "x", 1000, 9));
	line(&P[0], REQ("c ", "x", 1000, 10));
	line(&P[0], REQ("r ", "x", 1000, 9));
	dumped[0] = '\0';
	route_dump(&r, dump_line, NULL);
	ASSERT_STR_EQ(dumped,
	    "process table: 3 slots, 1 used, freed slots (reused first): 0\n"
	    "  [0] -\n"
	    "  [1] port 10  owner pid 1000\n"
	    "  [2] -\n"
	    "mailbox queues: 3 slots, 1 used\n"
	    "  [0] first 8080 (pid 1000)  second 1001  in flight 0/128\n"
	    "  [1] -\n"
	    "  [2] -\n");
	route_free(&r);
}

/* Thousands of random steps; the counters and slots must stay consistent. */
TEST(random_stress_keeps_invariants)
{
	unsigned seed = 99;
	char buf[128];

	setup(4, 3);
	for (int step = 0; step < 20000; step++) {
		int who = rand_r(&seed) % 4, what = rand_r(&seed) % 10;
		int port = 1 + rand_r(&seed) % 5;
		struct rproc *p = &P[who];
		if (what < 6) {
			const char *op = what < 2 ? "c " : what < 3 ? "r " : "";
			snprintf(buf, sizeof buf, "%s{.message=m%d,.pid=%u,.port=%d}", op,
			    step, (unsigned)p->pid, port);
			route_line(&r, p, buf, strlen(buf), now, &res);
		} else if (what < 8) {
			(void)route_answered(&r, p, "ok", 2);
		} else if (what < 9) {
			now += rand_r(&seed) % 3000;
			route_expire(&r, now);
		} else {
			uint32_t pid = p->pid;
			route_proc_gone(&r, p, "died");
			memset(p, 0, sizeof *p);
			p->pid = pid;
			route_proc_add(&r, p);
		}
		unsigned sum = 0, live = 0;
		for (unsigned i = 0; i < r.mb.n; i++) {
			sum += r.mb.slot[i].qlen;
			ASSERT(route_proc_find(&r, r.mb.slot[i].server) != NULL);
			ASSERT(route_proc_find(&r, r.mb.slot[i].client) != NULL);
			int t = ptable_find(&r.pt, r.mb.slot[i].port);
			ASSERT(t < 0 || r.pt.slot[t].owner == r.mb.slot[i].server);
		}
		for (const struct msg *m = r.thead; m != NULL; m = m->tnext)
			live++;
		ASSERT_EQ(sum, r.inflight);
		ASSERT_EQ(live, r.inflight);
		nfx = 0;
	}
	route_free(&r);
}

static const struct test_case cases[] = {
	TEST_CASE(seed_walkthrough),
	TEST_CASE(malformed_lines),
	TEST_CASE(create_twice_by_owner),
	TEST_CASE(create_held_by_another),
	TEST_CASE(create_again_of_linked_port),
	TEST_CASE(full_table),
	TEST_CASE(link_to_unregistered_port),
	TEST_CASE(full_mailbox_array),
	TEST_CASE(full_queue_then_room_again),
	TEST_CASE(queue_of_one_said_in_the_singular),
	TEST_CASE(self_link),
	TEST_CASE(pid_not_the_senders),
	TEST_CASE(client_claims_its_pid),
	TEST_CASE(remove_by_owner_keeps_links),
	TEST_CASE(remove_by_server_destroys_all_links),
	TEST_CASE(remove_by_client_destroys_its_own),
	TEST_CASE(remove_by_stranger_and_unknown),
	TEST_CASE(timeout_then_late_answer_dropped),
	TEST_CASE(server_dies_with_messages_in_flight),
	TEST_CASE(client_dies_with_messages_in_flight),
	TEST_CASE(answers_matched_in_delivery_order),
	TEST_CASE(dump_every_slot),
	TEST_CASE(random_stress_keeps_invariants),
};

TEST_MAIN("route", cases)
