/*
 * test_route.c - the routing rules (route.h), one case per rule.
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

/* The effects only the event record cares for, kept apart. */
static struct {
	enum fx_kind kind;
	uint64_t id;
	enum mipc_err code;
	unsigned nring;
	uint32_t ring[16];
	char text[MIPC_ANSWER_MAX];
} ev[MAXFX];
static int nev;

static void
record(void *ctx, const struct fx *f)
{
	(void)ctx;
	if (f->kind == FX_REPLY || f->kind == FX_DROP || f->kind == FX_DEADLOCK) {
		if (nev == MAXFX)
			TEST_FAIL_("too many record effects");
		ev[nev].kind = f->kind;
		ev[nev].id = f->id;
		ev[nev].code = f->code;
		ev[nev].nring = f->nring;
		for (unsigned i = 0; i < f->nring && i < 16; i++)
			ev[nev].ring[i] = f->ring[i]->pid;
		snprintf(ev[nev].text, sizeof ev[nev].text, "%s", f->text);
		nev++;
		return;
	}
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
static int refuse;	/* --deadlock refuse for the next setup */

static void
setup(unsigned slots, unsigned queue)
{
	struct route_config cfg = { .slots = slots, .queue = queue, .timeout_ms = 5000,
	    .refuse_deadlock = refuse };

	ASSERT_EQ(route_init(&r, &cfg, record, NULL), 0);
	for (int i = 0; i < 8; i++) {
		memset(&P[i], 0, sizeof P[i]);
		P[i].pid = 1000 + (uint32_t)i;
		ASSERT_EQ(route_proc_add(&r, &P[i]), 0);
	}
	nfx = 0;
	nev = 0;
	now = 0;
}

static const char *
vline(struct rproc *p, unsigned flags, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof buf, fmt, ap);
	route_line(&r, p, buf, strlen(buf), now, flags, &res);
	return res.pending ? "" : res.text;
}

/* Sends a line from p; returns the immediate answer ("" if pending). */
static const char *
line(struct rproc *p, const char *fmt, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, fmt);
	a = vline(p, 0, fmt, ap);
	va_end(ap);
	return a;
}

/* The same as a blocking call ("? LINE"). */
static const char *
call(struct rproc *p, const char *fmt, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, fmt);
	a = vline(p, ROUTE_CALL, fmt, ap);
	va_end(ap);
	return a;
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
	ASSERT_EQ(r.fl.inflight, 0);
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
	ASSERT_EQ(r.fl.inflight, 0);
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
	ASSERT_EQ(r.fl.inflight, 0);
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
	ASSERT_EQ(r.fl.inflight, 0);
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
/* Effect i of the record's own is kind, with a text that starts so. */
static void
expect_ev(int i, enum fx_kind kind, const char *text)
{
	if (i >= nev)
		TEST_FAIL_("record effect %d missing (have %d), expected \"%s\"", i, nev,
		    text);
	if (ev[i].kind != kind || strncmp(ev[i].text, text, strlen(text)) != 0)
		TEST_FAIL_("record effect %d:\n    got      kind %d \"%s\"\n"
		    "    expected kind %d \"%s...\"", i, ev[i].kind, ev[i].text, kind,
		    text);
}

/* Every message is replied to or dropped, and says which. */
TEST(replies_and_drops_recorded)
{
	setup(6, 128);
	linked();
	ASSERT_STR_EQ(line(&P[1], REQ("", "a", 1001, 8080)), "");
	ASSERT_EQ(route_answered(&r, &P[0], "fine", 4), 0);
	expect_ev(0, FX_REPLY, "fine");
	ASSERT_STR_EQ(line(&P[1], REQ("", "b", 1001, 8080)), "");
	now = 5000;
	route_expire(&r, now);
	expect_ev(1, FX_DROP, "server pid 1000 did not answer within 5000 ms");
	ASSERT_EQ(ev[1].code, E_ETIMEDOUT);
	ASSERT_EQ(route_answered(&r, &P[0], "late", 4), 0);	/* no second word */
	ASSERT_EQ(nev, 2);
	route_free(&r);
}

/* An ERR reply with a code the kernel knows is the sender's answer; any
   other reply R is OK R. */
TEST(error_replies)
{
	setup(6, 128);
	linked();
	ASSERT_STR_EQ(line(&P[1], REQ("", "a", 1001, 8080)), "");
	ASSERT_STR_EQ(line(&P[1], REQ("", "b", 1001, 8080)), "");
	ASSERT_STR_EQ(line(&P[1], REQ("", "c", 1001, 8080)), "");
	route_answered(&r, &P[0], "ERR EPERM not for you", 21);
	route_answered(&r, &P[0], "ERR NOPE x", 10);
	route_answered(&r, &P[0], "", 0);
	expect_fx(3, FX_ANSWER, 1001, "ERR EPERM not for you");
	expect_fx(4, FX_ANSWER, 1001, "OK ERR NOPE x");
	expect_fx(5, FX_ANSWER, 1001, "OK");
	route_free(&r);
}

/*
 * P1 serves port 10 and calls P2's port 20: until its answer it is handed
 * nothing.  P3's message to 10 waits on its link, and is delivered once
 * the call is answered.
 */
TEST(blocked_caller_is_handed_nothing)
{
	setup(6, 128);
	line(&P[2], REQ("c ", "x", 1002, 20));
	line(&P[1], REQ("c ", "x", 1001, 10));
	line(&P[1], REQ("", "x", 1001, 20));
	line(&P[3], REQ("", "x", 1003, 10));
	nfx = 0;
	ASSERT_STR_EQ(call(&P[1], REQ("", "q", 1001, 20)), "");
	ASSERT(P[1].call != NULL);
	expect_fx(0, FX_DELIVER, 1002, "* received \"q\" from pid 1001 via port 20");
	ASSERT_STR_EQ(line(&P[3], REQ("", "w", 1003, 10)), "");
	ASSERT_EQ(nfx, 1);			/* withheld */
	ASSERT(P[1].whead != NULL);
	ASSERT_EQ(r.mb.slot[mbox_find(&r.mb, 10, 1003)].qlen, 1);
	ASSERT_EQ(route_answered(&r, &P[2], "a", 1), 0);
	expect_fx(1, FX_ANSWER, 1001, "OK a");
	expect_fx(2, FX_DELIVER, 1001, "* received \"w\" from pid 1003 via port 10");
	ASSERT(P[1].call == NULL && P[1].whead == NULL);
	/* A second call while one is in progress is refused. */
	ASSERT_STR_EQ(call(&P[1], REQ("", "q", 1001, 20)), "");
	ASSERT_PREFIX(call(&P[1], REQ("", "q", 1001, 20)), "ERR EINVAL pid 1001 is blocked");
	route_free(&r);
}

/* Three processes, each serving a port and calling the next one's. */
static void
ring_of_three(void)
{
	for (int i = 1; i <= 3; i++)
		line(&P[i], "c {.message=x,.pid=%d,.port=%d}", 1000 + i, 10 * i);
	for (int i = 1; i <= 3; i++)
		line(&P[i], "{.message=x,.pid=%d,.port=%d}", 1000 + i, 10 * (i % 3 + 1));
	ASSERT_STR_EQ(call(&P[1], "{.message=m1,.pid=1001,.port=20}"), "");
	ASSERT_STR_EQ(call(&P[2], "{.message=m2,.pid=1002,.port=30}"), "");
	ASSERT_EQ(nev, 0);
	nfx = 0;
}

TEST(deadlock_reported_then_timed_out)
{
	setup(6, 128);
	ring_of_three();
	ASSERT_STR_EQ(call(&P[3], "{.message=m3,.pid=1003,.port=10}"), "");
	ASSERT_EQ(nev, 1);
	ASSERT_EQ(ev[0].kind, FX_DEADLOCK);
	ASSERT_EQ(ev[0].nring, 3);
	ASSERT_EQ(ev[0].ring[0], 1003);	/* in wait order, from the closing call */
	ASSERT_EQ(ev[0].ring[1], 1001);
	ASSERT_EQ(ev[0].ring[2], 1002);
	ASSERT_EQ(nfx, 0);			/* P1 is blocked: m3 is withheld */
	now = 5000;
	route_expire(&r, now);
	/* m1 expires first: P1 is free and is handed m3 at last. */
	expect_fx(0, FX_ANSWER, 1001, "ERR ETIMEDOUT server pid 1002 did not answer "
	    "within 5000 ms");
	for (unsigned i = 0; i < r.fl.nprocs; i++)
		ASSERT(r.fl.procs[i]->call == NULL);
	route_free(&r);
}

TEST(deadlock_refused)
{
	refuse = 1;
	setup(6, 128);
	refuse = 0;
	ring_of_three();
	ASSERT_STR_EQ(call(&P[3], "{.message=m3,.pid=1003,.port=10}"),
	    "ERR EDEADLK the call to port 10 would close a cycle of blocked processes: "
	    "pid 1003 -> pid 1001 -> pid 1002 -> pid 1003");
	ASSERT_EQ(nfx, 0);			/* nothing delivered */
	expect_ev(0, FX_DEADLOCK, "");
	expect_ev(1, FX_DROP, "the call to port 10");
	ASSERT_EQ(ev[1].code, E_EDEADLK);
	ASSERT(P[3].call == NULL);
	ASSERT_EQ(r.mb.slot[mbox_find(&r.mb, 10, 1003)].qlen, 0);
	route_free(&r);
}

/* A server that calls its own port: the smallest deadlock. */
TEST(self_call_deadlock)
{
	setup(6, 128);
	line(&P[0], REQ("c ", "x", 1000, 10));
	line(&P[0], REQ("", "x", 1000, 10));
	nfx = 0;
	ASSERT_STR_EQ(call(&P[0], REQ("", "me", 1000, 10)), "");
	ASSERT_EQ(ev[0].kind, FX_DEADLOCK);
	ASSERT_EQ(ev[0].nring, 1);
	ASSERT_EQ(nfx, 0);
	now = 5000;
	route_expire(&r, now);
	expect_fx(0, FX_ANSWER, 1000, "ERR ETIMEDOUT server pid 1000 did not answer "
	    "within 5000 ms");
	ASSERT_EQ(nfx, 1);			/* never delivered, even then */
	ASSERT(P[0].call == NULL && P[0].whead == NULL);
	ASSERT_EQ(r.fl.inflight, 0);
	route_free(&r);
}

/* The server a process waits on dies: its call is answered ESRCH, and what
   was withheld from it is handed over; no edge to the dead is kept. */
TEST(blocked_on_a_dying_server)
{
	setup(6, 128);
	line(&P[2], REQ("c ", "x", 1002, 20));
	line(&P[1], REQ("c ", "x", 1001, 10));
	line(&P[1], REQ("", "x", 1001, 20));
	line(&P[3], REQ("", "x", 1003, 10));
	call(&P[1], REQ("", "q", 1001, 20));
	line(&P[3], REQ("", "w", 1003, 10));
	nfx = 0;
	route_proc_gone(&r, &P[2], "was killed by SIGKILL");
	expect_fx(0, FX_ANSWER, 1001, "ERR ESRCH server pid 1002 was killed by SIGKILL");
	ASSERT(P[1].call == NULL);
	int delivered = 0;
	for (int i = 0; i < nfx; i++)
		delivered += fx[i].kind == FX_DELIVER && fx[i].to == 1001;
	ASSERT_EQ(delivered, 1);
	route_free(&r);
}

/* A blocked process dies: its call is dropped, the messages withheld from
   it are answered ESRCH, and nobody waits on it. */
TEST(blocked_process_dies)
{
	setup(6, 128);
	line(&P[2], REQ("c ", "x", 1002, 20));
	line(&P[1], REQ("c ", "x", 1001, 10));
	line(&P[1], REQ("", "x", 1001, 20));
	line(&P[3], REQ("", "x", 1003, 10));
	call(&P[1], REQ("", "q", 1001, 20));
	line(&P[3], REQ("", "w", 1003, 10));
	nfx = 0;
	route_proc_gone(&r, &P[1], "exited with status 0");
	int esrch = 0;
	for (int i = 0; i < nfx; i++)
		esrch += fx[i].kind == FX_ANSWER && fx[i].to == 1003 &&
		    strncmp(fx[i].text, "ERR ESRCH", 9) == 0;
	ASSERT_EQ(esrch, 1);
	ASSERT_EQ(r.fl.inflight, 0);
	ASSERT_EQ(route_answered(&r, &P[2], NULL, 0), 0);	/* late: dropped */
	for (unsigned i = 0; i < r.fl.nprocs; i++)
		ASSERT(r.fl.procs[i]->call == NULL && r.fl.procs[i]->whead == NULL);
	route_free(&r);
}

/* A chain of 1000 processes each blocked on the next: the call that closes
   it is found in one walk of the chain, and every other call in one step. */
TEST(deadlock_found_in_one_walk)
{
	enum { N = 1000 };
	static struct rproc C[N];
	struct route_config cfg = { .slots = 1024, .queue = 4, .timeout_ms = 5000 };

	ASSERT_EQ(route_init(&r, &cfg, record, NULL), 0);
	nfx = nev = 0;
	for (int i = 0; i < N; i++) {
		memset(&C[i], 0, sizeof C[i]);
		C[i].pid = 10000 + (uint32_t)i;
		ASSERT_EQ(route_proc_add(&r, &C[i]), 0);
		ASSERT_PREFIX(line(&C[i], "c {.message=x,.pid=%d,.port=%d}", 10000 + i,
		    1 + i), "OK");
		nfx = 0;
	}
	for (int i = 0; i < N; i++)
		ASSERT_PREFIX(line(&C[i], "{.message=x,.pid=%d,.port=%d}", 10000 + i,
		    1 + (i + 1) % N), "OK linked");
	nfx = 0;
	for (int i = 0; i < N - 1; i++) {
		ASSERT_STR_EQ(call(&C[i], "{.message=x,.pid=%d,.port=%d}", 10000 + i,
		    2 + i), "");
		ASSERT_EQ(r.fl.walked, 1);
		nfx = 0;
	}
	ASSERT_EQ(nev, 0);
	ASSERT_STR_EQ(call(&C[N - 1], "{.message=x,.pid=%d,.port=1}", 10000 + N - 1), "");
	ASSERT_EQ(r.fl.walked, N);
	ASSERT_EQ(nev, 1);
	ASSERT_EQ(ev[0].nring, N);
	route_free(&r);
}

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
			route_line(&r, p, buf, strlen(buf), now, what == 5 ? ROUTE_CALL : 0,
			    &res);
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
		for (const struct msg *m = r.fl.thead; m != NULL; m = m->tnext)
			live++;
		ASSERT_EQ(sum, r.fl.inflight);
		ASSERT_EQ(live, r.fl.inflight);
		/* Waits only on the living, withholding only while blocked. */
		for (unsigned i = 0; i < r.fl.nprocs; i++) {
			const struct rproc *q = r.fl.procs[i];
			if (q->call != NULL) {
				ASSERT(q->call->sender == q);
				ASSERT(route_proc_find(&r, q->call->srv->pid) == q->call->srv);
			}
			ASSERT(q->call != NULL || q->whead == NULL);
			for (const struct msg *m = q->whead; m != NULL; m = m->snext)
				ASSERT(m->withheld && m->sender != NULL && m->srv == q);
		}
		nfx = 0;
		nev = 0;
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
	TEST_CASE(replies_and_drops_recorded),
	TEST_CASE(error_replies),
	TEST_CASE(blocked_caller_is_handed_nothing),
	TEST_CASE(deadlock_reported_then_timed_out),
	TEST_CASE(deadlock_refused),
	TEST_CASE(self_call_deadlock),
	TEST_CASE(blocked_on_a_dying_server),
	TEST_CASE(blocked_process_dies),
	TEST_CASE(deadlock_found_in_one_walk),
	TEST_CASE(random_stress_keeps_invariants),
};

TEST_MAIN("route", cases)
