/*
 * test_lib.c - the user library (lib/mipc.h) against a fake kernel.
 *
 * Most cases run the program's side in a forked child, on fd 3 of a
 * socketpair, and play the kernel's side line by line (fakek.h): answers in
 * order with the console's lines and "~ sync" in between, messages that
 * come while a send waits, error replies, over-long lines, the kernel
 * going away.  A few run the library in the case itself, against bytes
 * written into the socket beforehand.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakek.h"
#include "mipc.h"
#include "request.h"
#include "test.h"

/* A call returned want; if not, say what mipc_error says. */
#define ASSERT_CALL(m, call, want) do { \
	long r_ = (call); \
	if (r_ != (want)) \
		TEST_FAIL_("%s: %ld, expected %ld (%s)", #call, r_, (long)(want), \
		    mipc_error(m)); \
} while (0)

static struct mipc *
open_prog(void)
{
	char why[256];
	struct mipc *m = mipc_open(why, sizeof why);

	if (m == NULL)
		TEST_FAIL_("mipc_open: %s", why);
	return m;
}

/* The library in this process, on a socketpair whose other end is *kfd;
   its log lines go nowhere. */
static struct mipc *
open_here(int *kfd, const char *pid)
{
	int sv[2];
	char fd[16];
	struct mipc *m;

	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	snprintf(fd, sizeof fd, "%d", sv[1]);
	setenv("MIPC_FD", fd, 1);
	setenv("MIPC_PID", pid, 1);
	setenv("MIPC_NAME", "here", 1);
	*kfd = sv[0];
	m = open_prog();
	mipc_set_log(m, NULL);
	return m;
}

static void
say_here(int fd, const char *s)
{
	ASSERT_EQ(write(fd, s, strlen(s)), strlen(s));
}

static void
on_pipe(int sig)
{
	(void)sig;
}

TEST(open_needs_the_kernel)
{
	char why[256];
	int sv[2];
	struct mipc *m;
	struct sigaction sa;

	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	unsetenv("MIPC_FD");
	unsetenv("MIPC_PID");
	unsetenv("MIPC_NAME");
	ASSERT(mipc_open(why, sizeof why) == NULL);
	ASSERT_STR_EQ(why, "MIPC_FD is not set: this program runs as a simulated "
	    "process, started by a microipc kernel with spawn NAME "
	    "program=\"PATH ARG...\"");

	setenv("MIPC_FD", "3x", 1);
	ASSERT(mipc_open(why, sizeof why) == NULL);
	ASSERT_STR_EQ(why, "MIPC_FD=3x is not an open file descriptor");
	(void)close(99);
	setenv("MIPC_FD", "99", 1);
	ASSERT(mipc_open(why, sizeof why) == NULL);
	ASSERT_STR_EQ(why, "MIPC_FD=99 is not an open file descriptor");

	snprintf(why, sizeof why, "%d", sv[1]);
	setenv("MIPC_FD", why, 1);
	ASSERT(mipc_open(why, sizeof why) == NULL);
	ASSERT_STR_EQ(why, "MIPC_PID=(not set) is not a pid (1 to 4294967295)");
	static const char *const badpids[] = { "0", "4294967296", "-1", "", "7 " };
	for (size_t i = 0; i < sizeof badpids / sizeof badpids[0]; i++) {
		setenv("MIPC_PID", badpids[i], 1);
		ASSERT(mipc_open(why, sizeof why) == NULL);
		ASSERT_PREFIX(why, "MIPC_PID=");
	}
	setenv("MIPC_PID", "4294967295", 1);
	ASSERT(mipc_open(why, sizeof why) == NULL);
	ASSERT_STR_EQ(why, "MIPC_NAME=(not set) is not a process name (1 to 16 characters)");
	setenv("MIPC_NAME", "abcdefghijklmnopq", 1);
	ASSERT(mipc_open(why, sizeof why) == NULL);
	ASSERT_PREFIX(why, "MIPC_NAME=abcdefghijklmnopq is not");
	/* A short buffer gets the start of the reason, NUL-terminated. */
	ASSERT(mipc_open(why, 9) == NULL);
	ASSERT_STR_EQ(why, "MIPC_NAM");

	setenv("MIPC_NAME", "abcdefghijklmnop", 1);
	ASSERT((m = mipc_open(why, sizeof why)) != NULL);
	ASSERT_EQ(mipc_pid(m), 4294967295u);
	ASSERT_STR_EQ(mipc_name(m), "abcdefghijklmnop");
	ASSERT_EQ(mipc_fd(m), sv[1]);
	ASSERT_STR_EQ(mipc_error(m), "");
	/* A program it runs does not inherit the socket; a kernel gone is
	   an error, not SIGPIPE. */
	ASSERT(fcntl(sv[1], F_GETFD) & FD_CLOEXEC);
	ASSERT(sigaction(SIGPIPE, NULL, &sa) == 0);
	ASSERT(sa.sa_handler == SIG_IGN);
	mipc_close(m);
	ASSERT(fcntl(sv[1], F_GETFD) == -1);

	/* A program's own choice for SIGPIPE stays. */
	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	snprintf(why, sizeof why, "%d", sv[1]);
	setenv("MIPC_FD", why, 1);
	sa.sa_handler = on_pipe;
	ASSERT(sigaction(SIGPIPE, &sa, NULL) == 0);
	ASSERT((m = mipc_open(why, sizeof why)) != NULL);
	ASSERT(sigaction(SIGPIPE, NULL, &sa) == 0);
	ASSERT(sa.sa_handler == on_pipe);
	mipc_close(m);
}

TEST(request_lines_are_built_or_refused)
{
	char buf[MIPC_REQUEST_SIZE], text[MIPC_MESSAGE_MAX + 2], why[128];
	struct request req;
	int kfd;
	struct mipc *m = open_here(&kfd, "42");

	ASSERT_EQ(mipc_request(m, buf, sizeof buf, MIPC_REGISTER, "", 7), 29);
	ASSERT_STR_EQ(buf, "c {.message=,.pid=42,.port=7}");
	ASSERT(mipc_request(m, buf, sizeof buf, MIPC_MESSAGE, "a, {b}=c \"d\"", 65535) > 0);
	ASSERT_STR_EQ(buf, "{.message=a, {b}=c \"d\",.pid=42,.port=65535}");
	ASSERT(mipc_request(m, buf, sizeof buf, MIPC_REMOVE, "x", 1) > 0);
	ASSERT_STR_EQ(buf, "r {.message=x,.pid=42,.port=1}");

	/* The longest request fits MIPC_REQUEST_SIZE and reads back whole. */
	mipc_close(m);
	m = open_here(&kfd, "4294967295");
	memset(text, '=', MIPC_MESSAGE_MAX);
	text[MIPC_MESSAGE_MAX] = '\0';
	int n = mipc_request(m, buf, sizeof buf, MIPC_REGISTER, text, 65535);
	ASSERT_EQ(n, (int)strlen(buf));
	ASSERT_EQ(req_parse(buf, (size_t)n, &req, why, sizeof why), E_OK);
	ASSERT_EQ(req.op, REQ_CREATE);
	ASSERT_EQ(req.pid, 4294967295u);
	ASSERT_EQ(req.port, 65535);
	ASSERT_STR_EQ(req.text, text);

	/* Everything else is refused, and buf is left empty. */
	text[MIPC_MESSAGE_MAX] = 'x';
	text[MIPC_MESSAGE_MAX + 1] = '\0';
	ASSERT_CALL(m, mipc_request(m, buf, sizeof buf, MIPC_MESSAGE, text, 7), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "the message is 255 bytes, at most 254 are allowed");
	ASSERT_STR_EQ(buf, "");
	ASSERT_CALL(m, mipc_request(m, buf, sizeof buf, MIPC_MESSAGE, "a\nb", 7), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "a message cannot hold a CR or LF byte");
	ASSERT_CALL(m, mipc_request(m, buf, sizeof buf, MIPC_MESSAGE, "a\rb", 7), MIPC_EUSAGE);
	ASSERT_CALL(m, mipc_request(m, buf, sizeof buf, MIPC_MESSAGE, "a", 0), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "port 0: a port is 1 to 65535");
	ASSERT_CALL(m, mipc_request(m, buf, sizeof buf, MIPC_MESSAGE, "a", 65536), MIPC_EUSAGE);
	ASSERT_CALL(m, mipc_request(m, buf, sizeof buf, (enum mipc_op)7, "a", 7), MIPC_EUSAGE);
	ASSERT_CALL(m, mipc_request(m, buf, 20, MIPC_MESSAGE, "a", 7), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "a buffer of 20 bytes is too small for the "
	    "request: MIPC_REQUEST_SIZE bytes hold any");
	ASSERT_STR_EQ(buf, "");
	mipc_close(m);
}

static void
prog_answers(void)
{
	struct mipc *m = open_prog();
	struct mipc_answer a;

	ASSERT_CALL(m, mipc_send(m, "c {.message=,.pid=42,.port=7}", &a), MIPC_OK);
	ASSERT_EQ(a.ok, 1);
	ASSERT_STR_EQ(a.code, "");
	ASSERT_STR_EQ(a.text, "port 7 registered in slot 0");
	ASSERT_STR_EQ(a.line, "OK port 7 registered in slot 0");
	ASSERT_CALL(m, mipc_send(m, "{.message=x,.pid=42,.port=8", &a), MIPC_ERR);
	ASSERT_EQ(a.ok, 0);
	ASSERT_STR_EQ(a.code, "EINVAL");
	ASSERT_STR_EQ(a.text, "expected '}' at column 28");
	ASSERT_CALL(m, mipc_call(m, "{.message=hi,.pid=42,.port=8}", &a), MIPC_OK);
	ASSERT_STR_EQ(a.text, "");
	ASSERT_STR_EQ(a.line, "OK");
	ASSERT_CALL(m, mipc_call(m, "garbage", NULL), MIPC_ERR);
	ASSERT_CALL(m, mipc_call(m, "more", &a), MIPC_ERR);
	ASSERT_STR_EQ(a.code, "ETIMEDOUT");
	ASSERT_STR_EQ(a.text, "");
	mipc_close(m);
}

TEST(send_and_call_get_their_answers)
{
	struct fakek k;

	fk_start(&k, prog_answers, NULL);
	fk_expect(&k, "+ c {.message=,.pid=42,.port=7}");
	fk_say(&k, "OK port 7 registered in slot 0");
	fk_expect(&k, "+ {.message=x,.pid=42,.port=8");
	fk_say(&k, "ERR EINVAL expected '}' at column 28");
	fk_expect(&k, "? {.message=hi,.pid=42,.port=8}");
	fk_say(&k, "OK");
	fk_expect(&k, "? garbage");
	fk_say(&k, "ERR EINVAL expected a request");
	fk_expect(&k, "? more");
	fk_say(&k, "ERR ETIMEDOUT");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "sent: c {.message=,.pid=42,.port=7}\n"
	    "got: OK port 7 registered in slot 0\n");
	fk_log_has(&k, "called: garbage\ngot: ERR EINVAL expected a request\n");
	fk_done(&k);
}

static void
prog_console(void)
{
	struct mipc *m = open_prog();
	struct mipc_answer a;
	FILE *f = fdopen(dup(1), "w");	/* a file: stdio holds what it is given */

	ASSERT(f != NULL);
	fprintf(f, "written before the sync\n");
	ASSERT_CALL(m, mipc_send(m, "A", &a), MIPC_OK);
	ASSERT_STR_EQ(a.line, "OK a");
	ASSERT_CALL(m, mipc_send(m, "B", &a), MIPC_OK);
	ASSERT_STR_EQ(a.line, "OK b");
	ASSERT_CALL(m, mipc_call(m, "C", &a), MIPC_ERR);
	ASSERT_STR_EQ(a.line, "ERR ENOENT c");
	mipc_close(m);
	fclose(f);
}

/*
 * The console's lines are sent back, and their answers, which come in turn
 * with the program's own, go to the log and to no call.  "~ sync" is
 * answered once all the program has written through stdio is in its log.
 */
TEST(console_lines_are_answered_in_turn)
{
	struct fakek k;

	fk_start(&k, prog_console, NULL);
	fk_expect(&k, "+ A");
	fk_say(&k, "! dump");
	fk_expect(&k, "> dump");
	fk_log_hasnt(&k, "written before the sync");
	fk_say(&k, "~ sync");
	fk_expect(&k, "~ synced");
	fk_log_has(&k, "written before the sync\n");
	fk_log_has(&k, "sent: dump\n");
	fk_say(&k, "OK a");
	/* Lines awaiting answers: the console's, then B. */
	fk_expect(&k, "+ B");
	fk_say(&k, "ERR EINVAL unknown verb dump");
	fk_say(&k, "! r {.message=,.pid=42,.port=7}");
	fk_expect(&k, "> r {.message=,.pid=42,.port=7}");
	fk_say(&k, "OK b");
	/* The console's, then C. */
	fk_expect(&k, "? C");
	fk_say(&k, "OK port 7 removed from slot 0");
	fk_say(&k, "ERR ENOENT c");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "got: OK a\nsent: B\ngot: ERR EINVAL unknown verb dump\n"
	    "sent: r {.message=,.pid=42,.port=7}\ngot: OK b\n");
	fk_log_has(&k, "got: OK port 7 removed from slot 0\ngot: ERR ENOENT c\n");
	fk_done(&k);
}

static void
prog_deliveries(void)
{
	struct mipc *m = open_prog();
	struct mipc_answer a;
	struct mipc_message msg;
	char reply[MIPC_REPLY_MAX + 2];

	ASSERT_CALL(m, mipc_reply(m, "too soon"), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "no message to reply to: every message "
	    "received has had its reply");
	/* A send to one's own port waits until the kernel gives up. */
	ASSERT_CALL(m, mipc_send(m, "{.message=to myself,.pid=42,.port=7}", &a), MIPC_ERR);
	ASSERT_STR_EQ(a.code, "ETIMEDOUT");
	/* What came meanwhile is received in order. */
	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_OK);
	ASSERT_STR_EQ(msg.text, "to myself");
	ASSERT_EQ(msg.len, 9);
	ASSERT_EQ(msg.from, 42);
	ASSERT_EQ(msg.port, 7);
	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_OK);
	ASSERT_STR_EQ(msg.text, "x\" from pid 5\" via port 6, {y}=z");
	ASSERT_EQ(msg.from, 4294967295u);
	ASSERT_EQ(msg.port, 65535);
	ASSERT_CALL(m, mipc_reply(m, "first"), MIPC_OK);
	ASSERT_CALL(m, mipc_reply(m, "ERR ENOENT no such file"), MIPC_OK);
	ASSERT_CALL(m, mipc_reply(m, "third"), MIPC_EUSAGE);

	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_OK);
	ASSERT_STR_EQ(msg.text, "");
	ASSERT_EQ(msg.len, 0);
	ASSERT_CALL(m, mipc_reply(m, "two\nlines"), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "a reply cannot hold a newline");
	memset(reply, 'r', MIPC_REPLY_MAX + 1);
	reply[MIPC_REPLY_MAX + 1] = '\0';
	ASSERT_CALL(m, mipc_reply(m, reply), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "the reply is 509 bytes, at most 508 are allowed");
	reply[MIPC_REPLY_MAX] = '\0';
	ASSERT_CALL(m, mipc_reply(m, reply), MIPC_OK);
	mipc_close(m);
}

TEST(messages_that_come_while_a_send_waits_are_kept)
{
	struct fakek k;
	char want[MIPC_REPLY_MAX + 3];

	fk_start(&k, prog_deliveries, NULL);
	fk_expect(&k, "+ {.message=to myself,.pid=42,.port=7}");
	fk_say(&k, "* received \"to myself\" from pid 42 via port 7");
	fk_say(&k, "* link 7<-9 destroyed: removed by pid 9");
	fk_say(&k, "* received \"x\" from pid 5\" via port 6, {y}=z\" from pid "
	    "4294967295 via port 65535");
	fk_say(&k, "ERR ETIMEDOUT server pid 42 did not answer within 5000 ms");
	fk_expect(&k, "= first");
	fk_expect(&k, "= ERR ENOENT no such file");
	fk_say(&k, "* received \"\" from pid 9 via port 7");
	memset(want, 'r', sizeof want);
	memcpy(want, "= ", 2);
	want[MIPC_REPLY_MAX + 2] = '\0';
	fk_expect(&k, want);
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "received \"to myself\" from pid 42 via port 7\n"
	    "notice: link 7<-9 destroyed: removed by pid 9\n");
	fk_log_has(&k, "got: ERR ETIMEDOUT server pid 42 did not answer within 5000 ms\n"
	    "answered: first\nanswered: ERR ENOENT no such file\n");
	fk_done(&k);
}

static void
prog_closed(void)
{
	struct mipc *m = open_prog();
	struct mipc_event ev;

	ASSERT_CALL(m, mipc_send(m, "A", NULL), MIPC_EOF);
	ASSERT_STR_EQ(mipc_error(m), "the kernel has closed the connection");
	ASSERT_CALL(m, mipc_send(m, "B", NULL), MIPC_EOF);
	ASSERT_CALL(m, mipc_post(m, "B"), MIPC_EOF);
	ASSERT_CALL(m, mipc_next(m, &ev, 0), MIPC_EOF);
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_EOF);
	mipc_close(m);
}

TEST(a_kernel_that_closes_ends_a_send)
{
	struct fakek k;

	fk_start(&k, prog_closed, NULL);
	fk_expect(&k, "+ A");
	fk_close(&k);
	fk_exit(&k, 0);
	fk_done(&k);
}

/* Messages read before the kernel went are still handed out; a reply to
   one is MIPC_EOF, and SIGPIPE kills nobody. */
TEST(messages_outlive_the_kernel)
{
	int kfd;
	struct mipc *m = open_here(&kfd, "42");
	struct mipc_message msg;

	say_here(kfd, "* received \"last words\" from pid 9 via port 7\n");
	ASSERT(close(kfd) == 0);
	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_OK);
	ASSERT_STR_EQ(msg.text, "last words");
	ASSERT_CALL(m, mipc_reply(m, "too late"), MIPC_EOF);
	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_EOF);
	mipc_close(m);
}

static void
prog_cut(void)
{
	struct mipc *m = open_prog();
	struct mipc_answer a;

	ASSERT_CALL(m, mipc_send(m, "A", &a), MIPC_EOF);
	mipc_close(m);
}

TEST(a_line_cut_by_the_end_is_no_answer)
{
	struct fakek k;

	fk_start(&k, prog_cut, NULL);
	fk_expect(&k, "+ A");
	fk_raw(&k, "OK not the whole", 16);
	fk_close(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "mipc: the kernel closed the connection in the middle of a "
	    "line: OK not the whole\n");
	fk_done(&k);
}

static void
prog_long(void)
{
	struct mipc *m = open_prog();
	struct mipc_answer a;
	struct mipc_event ev;
	char big[MIPC_SEND_MAX + 2];

	memset(big, 'x', MIPC_SEND_MAX + 1);
	big[MIPC_SEND_MAX + 1] = '\0';
	ASSERT_CALL(m, mipc_send(m, big, &a), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "the line is 1023 bytes, at most 1022 can be sent");
	ASSERT_CALL(m, mipc_post(m, big), MIPC_EUSAGE);
	ASSERT_CALL(m, mipc_send(m, "a\nb", &a), MIPC_EUSAGE);
	ASSERT_STR_EQ(mipc_error(m), "the line holds a newline: send one line at a time");
	big[MIPC_SEND_MAX] = '\0';
	ASSERT_CALL(m, mipc_send(m, big, &a), MIPC_OK);
	ASSERT_STR_EQ(a.text, "fine");
	/* An answer too long to read still answers its line. */
	ASSERT_CALL(m, mipc_send(m, "long answer", &a), MIPC_EPROTO);
	ASSERT_STR_EQ(mipc_error(m), "the kernel's answer was over 1024 bytes");
	ASSERT_EQ(a.ok, 0);
	ASSERT_STR_EQ(a.code, "EPROTO");
	ASSERT_STR_EQ(a.line, "ERR EPROTO the kernel's answer was over 1024 bytes: not read");
	ASSERT_CALL(m, mipc_send(m, "after", &a), MIPC_OK);
	ASSERT_STR_EQ(a.text, "after it");
	/* A line of MIPC_LINE_LEN bytes is whole. */
	ASSERT_CALL(m, mipc_post(m, "ready"), 4);
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_NOTICE);
	ASSERT_EQ(strlen(ev.notice), MIPC_LINE_LEN - 2);
	ASSERT_EQ(ev.notice[MIPC_LINE_LEN - 3], 'z');
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_ANSWER);
	ASSERT_EQ(ev.ticket, 4);
	mipc_close(m);
}

/* Sends s in pieces of 500 bytes: lines over many reads. */
static void
say_in_pieces(struct fakek *k, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 500)
		fk_raw(k, s + i, n - i < 500 ? n - i : 500);
}

TEST(over_long_lines_are_refused_or_skipped)
{
	static char buf[20001];
	struct fakek k;

	fk_start(&k, prog_long, NULL);
	buf[0] = '+';
	buf[1] = ' ';
	memset(buf + 2, 'x', MIPC_SEND_MAX);
	buf[MIPC_SEND_MAX + 2] = '\0';
	fk_expect(&k, buf);		/* the first line the program sends */
	buf[0] = '*';
	memset(buf + 2, 'n', 19998);
	buf[20000] = '\n';
	say_in_pieces(&k, buf, 20001);
	fk_say(&k, "OK fine");
	fk_expect(&k, "+ long answer");
	memcpy(buf, "OK ", 3);
	memset(buf + 3, 'y', 1997);
	buf[2000] = '\n';
	say_in_pieces(&k, buf, 2001);
	fk_expect(&k, "+ after");
	fk_say(&k, "OK after it");
	fk_expect(&k, "+ ready");
	buf[0] = '*';
	buf[1] = ' ';
	memset(buf + 2, 'z', MIPC_LINE_LEN - 2);
	buf[MIPC_LINE_LEN] = '\n';
	say_in_pieces(&k, buf, MIPC_LINE_LEN + 1);
	fk_say(&k, "OK ready");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "mipc: a line from the kernel over 1024 bytes, skipped: * nnn");
	fk_log_has(&k, "mipc: an answer over 1024 bytes, not read: OK yyy");
	fk_done(&k);
}

static void
prog_events(void)
{
	struct mipc *m = open_prog();
	struct mipc_event ev;

	ASSERT_CALL(m, mipc_post(m, "A"), 1);
	ASSERT_CALL(m, mipc_post_call(m, "B"), 2);
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_NOTICE);
	ASSERT_STR_EQ(ev.notice, "link 7<-9 destroyed: removed by pid 7");
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_ANSWER);
	ASSERT_EQ(ev.ticket, 1);
	ASSERT_EQ(ev.answer.ok, 1);
	ASSERT_STR_EQ(ev.answer.text, "a");
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_ANSWER);
	ASSERT_EQ(ev.ticket, 2);
	ASSERT_EQ(ev.answer.ok, 0);
	ASSERT_STR_EQ(ev.answer.code, "ENOENT");
	ASSERT_STR_EQ(ev.answer.text, "port 8 is not registered");
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_CONSOLE);
	ASSERT_STR_EQ(ev.answer.line, "OK port 9 registered in slot 1");
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_DELIVERY);
	ASSERT_STR_EQ(ev.msg.text, "hi");
	ASSERT_EQ(ev.msg.from, 9);
	ASSERT_CALL(m, mipc_reply(m, "ho"), MIPC_OK);
	/* Nothing more: a wait of 0 ms, and one of 30 ms that runs out. */
	ASSERT_CALL(m, mipc_next(m, &ev, 0), MIPC_NONE);
	long long t0 = fk_now_ms();
	ASSERT_CALL(m, mipc_next(m, &ev, 30), MIPC_NONE);
	ASSERT(fk_now_ms() - t0 >= 29);
	ASSERT_CALL(m, mipc_post(m, "C"), 3);
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.ticket, 3);
	ASSERT_STR_EQ(ev.answer.line, "OK c");	/* its CR is gone */
	mipc_close(m);
}

TEST(events_come_in_the_order_they_happened)
{
	struct fakek k;

	fk_start(&k, prog_events, NULL);
	fk_expect(&k, "+ A");
	fk_expect(&k, "? B");
	fk_say(&k, "* link 7<-9 destroyed: removed by pid 7");
	fk_say(&k, "! c {.message=,.pid=42,.port=9}");
	fk_expect(&k, "> c {.message=,.pid=42,.port=9}");
	fk_say(&k, "OK a");
	fk_say(&k, "ERR ENOENT port 8 is not registered");
	fk_say(&k, "OK port 9 registered in slot 1");
	fk_say(&k, "* received \"hi\" from pid 9 via port 7");
	fk_expect(&k, "= ho");
	fk_expect(&k, "+ C");
	fk_raw(&k, "OK c\r\n", 6);
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_done(&k);
}

static void
prog_self(void)
{
	struct mipc *m = open_prog();
	struct mipc_event ev;
	long t;

	/* The way to send to oneself: post, serve, then take the answer. */
	ASSERT((t = mipc_post(m, "{.message=hello me,.pid=42,.port=7}")) > 0);
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_DELIVERY);
	ASSERT_STR_EQ(ev.msg.text, "hello me");
	ASSERT_CALL(m, mipc_reply(m, "hello you"), MIPC_OK);
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_ANSWER);
	ASSERT_EQ(ev.ticket, t);
	ASSERT_STR_EQ(ev.answer.text, "hello you");
	mipc_close(m);
}

TEST(a_send_to_oneself_through_events)
{
	struct fakek k;

	fk_start(&k, prog_self, NULL);
	fk_expect(&k, "+ {.message=hello me,.pid=42,.port=7}");
	fk_say(&k, "* received \"hello me\" from pid 42 via port 7");
	fk_expect(&k, "= hello you");
	fk_say(&k, "OK hello you");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_done(&k);
}

static void
prog_receive_passes(void)
{
	struct mipc *m = open_prog();
	struct mipc_message msg;
	struct mipc_event ev;

	ASSERT_CALL(m, mipc_post(m, "A"), 1);
	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_OK);
	ASSERT_STR_EQ(msg.text, "m1");
	ASSERT_CALL(m, mipc_reply(m, "m1"), MIPC_OK);
	/* The notice and the console's answer were passed over; the answer
	   to A was kept. */
	ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
	ASSERT_EQ(ev.kind, MIPC_ANSWER);
	ASSERT_STR_EQ(ev.answer.line, "OK a");
	ASSERT_CALL(m, mipc_next(m, &ev, 0), MIPC_NONE);
	mipc_close(m);
}

TEST(receive_passes_over_notices_but_keeps_answers)
{
	struct fakek k;

	fk_start(&k, prog_receive_passes, NULL);
	fk_expect(&k, "+ A");
	fk_say(&k, "* link 7<-9 destroyed: x");
	fk_say(&k, "! X");
	fk_expect(&k, "> X");
	fk_say(&k, "OK a");
	fk_say(&k, "ERR EINVAL expected '{' at column 1");
	fk_say(&k, "* received \"m1\" from pid 9 via port 7");
	fk_expect(&k, "= m1");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "notice: link 7<-9 destroyed: x\n");
	fk_log_has(&k, "got: ERR EINVAL expected '{' at column 1\n");
	fk_done(&k);
}

static void
prog_no_events(void)
{
	struct mipc *m = open_prog();
	struct mipc_event ev;

	ASSERT_CALL(m, mipc_send(m, "A", NULL), MIPC_OK);
	ASSERT_CALL(m, mipc_send(m, "B", NULL), MIPC_OK);
	ASSERT_CALL(m, mipc_next(m, &ev, 0), MIPC_NONE);
	mipc_close(m);
}

/* A program of plain calls does not pile up notices it never takes. */
TEST(notices_are_kept_only_for_mipc_next)
{
	struct fakek k;

	fk_start(&k, prog_no_events, NULL);
	fk_expect(&k, "+ A");
	fk_say(&k, "! X");
	fk_expect(&k, "> X");
	fk_say(&k, "* link 7<-9 destroyed: x");
	fk_say(&k, "OK a");
	/* The console's line went before B: its answer comes first. */
	fk_expect(&k, "+ B");
	fk_say(&k, "OK x");
	fk_say(&k, "OK b");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "notice: link 7<-9 destroyed: x\n");
	fk_log_has(&k, "got: OK x\n");
	fk_done(&k);
}

static void
prog_strange(void)
{
	struct mipc *m = open_prog();
	struct mipc_message msg;

	mipc_set_log(m, NULL);
	ASSERT_CALL(m, mipc_receive(m, &msg), MIPC_OK);
	ASSERT_STR_EQ(msg.text, "after");
	ASSERT_CALL(m, mipc_reply(m, "after"), MIPC_OK);
	mipc_close(m);
}

/* Lines the library cannot use are told on standard error and skipped. */
TEST(strange_lines_are_told_and_skipped)
{
	struct fakek k;

	fk_start(&k, prog_strange, NULL);
	fk_say(&k, "OK stray");
	fk_say(&k, "hello there");
	fk_say(&k, "* received \"bad\" from pid 0 via port 7");
	fk_say(&k, "* received \"after\" from pid 9 via port 7");
	fk_expect(&k, "= after");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "mipc: an answer to no line, ignored: OK stray\n");
	fk_log_has(&k, "mipc: unexpected line from the kernel (11 bytes), ignored: "
	    "hello there\n");
	/* With no log, the library writes none of its lines. */
	fk_log_hasnt(&k, "notice:");
	fk_log_hasnt(&k, "answered:");
	fk_done(&k);
}

#define NLINES	200

static volatile sig_atomic_t nsignals;

static void
on_alarm(int sig)
{
	(void)sig;
	nsignals++;
}

/* A signal every 200 us, without SA_RESTART: reads and writes that wait
   are cut short with EINTR, or after part of what they were given. */
static void
start_ticking(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 200 }, { 0, 200 } };

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	ASSERT(sigaction(SIGALRM, &sa, NULL) == 0);
	ASSERT(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

static void
prog_signals(void)
{
	struct mipc *m = open_prog();
	struct mipc_event ev;
	struct mipc_answer a;
	char line[1001], want[16];
	int small = 2048;

	start_ticking();
	(void)setsockopt(3, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	for (int i = 0; i < NLINES; i++) {
		int n = snprintf(line, sizeof line, "%d:", i);
		memset(line + n, 'x', sizeof line - 1 - (size_t)n);
		line[sizeof line - 1] = '\0';
		ASSERT_CALL(m, mipc_post(m, line), i + 1);
	}
	for (int i = 0; i < NLINES; i++) {
		ASSERT_CALL(m, mipc_next(m, &ev, -1), MIPC_OK);
		ASSERT_EQ(ev.kind, MIPC_ANSWER);
		ASSERT_EQ(ev.ticket, i + 1);
		snprintf(want, sizeof want, "%d", i);
		ASSERT_STR_EQ(ev.answer.text, want);
	}
	/* Round trips: each answer is waited for. */
	for (int i = 0; i < NLINES; i++) {
		snprintf(line, sizeof line, "ping %d", i);
		ASSERT_CALL(m, mipc_send(m, line, &a), MIPC_OK);
		snprintf(want, sizeof want, "pong %d", i);
		ASSERT_STR_EQ(a.text, want);
	}
	ASSERT(nsignals > 0);
	mipc_close(m);
}

/* Signals in the middle of reads and writes lose and garble nothing. */
TEST(signals_interrupt_nothing)
{
	struct fakek k;
	char want[1100];

	fk_start(&k, prog_signals, NULL);
	for (int i = 0; i < NLINES; i++) {
		int n = snprintf(want, sizeof want, "+ %d:", i);
		memset(want + n, 'x', 1002 - (size_t)n);
		want[1002] = '\0';
		fk_expect(&k, want);
	}
	for (int i = 0; i < NLINES; i++)
		fk_say(&k, "OK %d", i);
	for (int i = 0; i < NLINES; i++) {
		snprintf(want, sizeof want, "+ ping %d", i);
		fk_expect(&k, want);
		fk_say(&k, "OK pong %d", i);
	}
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_done(&k);
}

static const struct test_case cases[] = {
	TEST_CASE(open_needs_the_kernel),
	TEST_CASE(request_lines_are_built_or_refused),
	TEST_CASE(send_and_call_get_their_answers),
	TEST_CASE(console_lines_are_answered_in_turn),
	TEST_CASE(messages_that_come_while_a_send_waits_are_kept),
	TEST_CASE(a_kernel_that_closes_ends_a_send),
	TEST_CASE(messages_outlive_the_kernel),
	TEST_CASE(a_line_cut_by_the_end_is_no_answer),
	TEST_CASE(over_long_lines_are_refused_or_skipped),
	TEST_CASE(events_come_in_the_order_they_happened),
	TEST_CASE(a_send_to_oneself_through_events),
	TEST_CASE(receive_passes_over_notices_but_keeps_answers),
	TEST_CASE(notices_are_kept_only_for_mipc_next),
	TEST_CASE(strange_lines_are_told_and_skipped),
	TEST_CASE(signals_interrupt_nothing),
};

TEST_MAIN("lib", cases)
