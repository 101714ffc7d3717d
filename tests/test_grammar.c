/*
 * test_grammar.c - the console and scenario language, without a kernel.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "grammar.h"
#include "help.h"
#include "script.h"
#include "test.h"

static struct cmd cmd;
static char why[512];

static int
parse(const char *line)
{
	why[0] = '\0';
	return gram_parse(line, strlen(line), &cmd, why, sizeof why);
}

/* The line is refused, and the reason says `needle`. */
#define REFUSED(line, needle) do { \
	ASSERT_EQ(parse(line), -1); \
	if (strstr(why, needle) == NULL) \
		TEST_FAIL_("\"%s\": the reason \"%s\" does not say \"%s\"", line, why, needle); \
} while (0)

TEST(lines_classified)
{
	ASSERT_EQ(gram_kind("", 0), LINE_BLANK);
	ASSERT_EQ(gram_kind(" \t\r", 3), LINE_BLANK);
	ASSERT_EQ(gram_kind("  # hi", 6), LINE_COMMENT);
	ASSERT_EQ(gram_kind("{.message=x,.pid=1,.port=2}", 27), LINE_REQUEST);
	ASSERT_EQ(gram_kind("c  {", 4), LINE_REQUEST);
	ASSERT_EQ(gram_kind("r\t{", 3), LINE_REQUEST);
	ASSERT_EQ(gram_kind("cat {", 5), LINE_VERB);
	ASSERT_EQ(gram_kind("dump", 4), LINE_VERB);
}

TEST(send_lines)
{
	ASSERT_EQ(parse("  server: c {.message=a,.pid=1,.port=2}  "), 0);
	ASSERT_EQ(cmd.verb, V_SEND);
	ASSERT_STR_EQ(cmd.name, "server");
	ASSERT_EQ(cmd.amp, 0);
	ASSERT_EQ(cmd.arglen, strlen("c {.message=a,.pid=1,.port=2}"));
	ASSERT_EQ(parse("a: {.message=x,.pid=1,.port=2} &"), 0);
	ASSERT_EQ(cmd.amp, 1);
	ASSERT(memcmp(cmd.arg, "{.message=x,.pid=1,.port=2}", cmd.arglen) == 0);
	/* An & that is part of the line is not the verb's. */
	ASSERT_EQ(parse("a: {.message=x&,.pid=1,.port=2}"), 0);
	ASSERT_EQ(cmd.amp, 0);
	ASSERT_EQ(parse("a: garbage sent as is"), 0);
	ASSERT_EQ(cmd.verb, V_SEND);
	REFUSED("Server: x", "is not a NAME");
	REFUSED("kernel: x", "not kernel");
}

TEST(spawn_options)
{
	ASSERT_EQ(parse("spawn a"), 0);
	ASSERT_EQ(cmd.verb, V_SPAWN);
	ASSERT_EQ(cmd.ccfg.pid, 0);
	ASSERT_EQ(cmd.ccfg.reply, REPLY_DEFAULT);
	ASSERT_EQ(parse("spawn a reply=echo pid=7"), 0);
	ASSERT_EQ(cmd.ccfg.pid, 7);
	ASSERT_EQ(cmd.ccfg.reply, REPLY_ECHO);
	ASSERT_EQ(parse("spawn a reply=\"say \"hi\" now\" pid=9"), 0);
	ASSERT_STR_EQ(cmd.ccfg.reply_text, "say \"hi\" now");
	ASSERT_EQ(cmd.ccfg.pid, 9);
	ASSERT_EQ(parse("spawn a pid=7 forward=20"), 0);
	ASSERT_EQ(cmd.ccfg.forward, 20);
	ASSERT_EQ(parse("spawn p program=\"/bin/prog a  b\" pid=3"), 0);
	ASSERT_STR_EQ(cmd.ccfg.program, "/bin/prog a  b");
	ASSERT_EQ(cmd.ccfg.pid, 3);
	REFUSED("spawn a pid=0", "pid=N");
	REFUSED("spawn a pid=1 pid=2", "given twice");
	REFUSED("spawn a reply=\"x", "closing");
	REFUSED("spawn a forward=65536", "forward=PORT");
	REFUSED("spawn a program=\"\"", "PATH");
	REFUSED("spawn a reply=echo forward=3", "give one of them");
	REFUSED("spawn a colour=red", "got 'colour=red'");
	REFUSED("spawn kernel", "not kernel");
	REFUSED("spawn", "expected a NAME");
}

TEST(kill_signals)
{
	ASSERT_EQ(parse("kill a"), 0);
	ASSERT_EQ(cmd.sig, SIGTERM);
	ASSERT_EQ(parse("kill a STOP"), 0);
	ASSERT_EQ(cmd.sig, SIGSTOP);
	ASSERT_EQ(parse("kill a sigkill"), 0);
	ASSERT_EQ(cmd.sig, SIGKILL);
	ASSERT_EQ(parse("kill a Cont"), 0);
	ASSERT_EQ(cmd.sig, SIGCONT);
	ASSERT_EQ(parse("kill a 9"), 0);
	ASSERT_EQ(cmd.sig, SIGKILL);
	REFUSED("kill a 0", "unknown signal");
	REFUSED("kill a 999", "unknown signal");
	REFUSED("kill a WINCHX", "unknown signal");
	REFUSED("kill a TERM now", "unexpected 'now'");
}

TEST(expects)
{
	ASSERT_EQ(parse("expect ok"), 0);
	ASSERT_EQ(cmd.verb, V_EXPECT_OK);
	ASSERT_EQ(parse("expect err ENOENT"), 0);
	ASSERT_EQ(cmd.code, E_ENOENT);
	ASSERT_EQ(parse("expect a got err EAGAIN"), 0);
	ASSERT_EQ(cmd.verb, V_EXPECT_GOT);
	ASSERT_EQ(parse("expect a received \"say \"hi\"\""), 0);
	ASSERT_EQ(cmd.verb, V_EXPECT_RECEIVED);
	ASSERT_EQ(cmd.arglen, 8);	/* say "hi" */
	ASSERT_EQ(parse("expect table 8080 - -"), 0);
	ASSERT_EQ(parse("expect mailboxes 8080<-1234 -"), 0);
	ASSERT_EQ(parse("expect deadlock a b c"), 0);
	ASSERT_EQ(cmd.verb, V_EXPECT_DEADLOCK);
	ASSERT(gram_is_expect(cmd.verb));
	REFUSED("expect err NOPE", "error code");
	REFUSED("expect a received hi", "\"TEXT\"");
	REFUSED("expect table 0", "PORT (1 to 65535)");
	REFUSED("expect mailboxes 1<2", "PORT<-PID");
	REFUSED("expect table", "one entry per slot");
	REFUSED("expect deadlock", "NAMEs");
	REFUSED("expect deadlock a B", "got 'B'");
	REFUSED("expect soon", "malformed expect");
}

TEST(other_verbs)
{
	ASSERT_EQ(parse("sleep 0"), 0);
	ASSERT_EQ(cmd.ms, 0);
	REFUSED("sleep -1", "MS from 0");
	REFUSED("sleep 01", "MS from 0");
	ASSERT_EQ(parse("monitor name=server ev=deliver,to=5"), 0);
	ASSERT_EQ(cmd.verb, V_MONITOR);
	ASSERT_EQ(cmd.arglen, strlen("name=server ev=deliver,to=5"));
	ASSERT_EQ(parse("dump"), 0);
	ASSERT_EQ(cmd.verb, V_DUMP);
	REFUSED("dump now", "unexpected 'now'");
	REFUSED("frobnicate", "unknown verb 'frobnicate'");
	ASSERT_EQ(parse("   # a comment"), 0);
	ASSERT_EQ(cmd.verb, V_NONE);
	ASSERT_EQ(gram_parse("dump\0x", 6, &cmd, why, sizeof why), -1);
}

/* Collects the names a line uses. */
static char used[256];

static void
collect(void *arg, const char *name, size_t n)
{
	(void)arg;
	strncat(used, name, n);
	strcat(used, ",");
}

TEST(names_a_line_uses)
{
	static const struct { const char *line, *names; } t[] = {
		{ "a: dump", "a," }, { "wait b", "b," }, { "kill c STOP", "c," },
		{ "expect d got ok", "d," }, { "expect e received \"x\"", "e," },
		{ "expect dead f", "f," }, { "expect deadlock g h i", "g,h,i," },
		{ "spawn j", "" }, { "dump", "" }, { "expect ok", "" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		used[0] = '\0';
		ASSERT_EQ(parse(t[i].line), 0);
		gram_names(&cmd, collect, NULL);
		ASSERT_STR_EQ(used, t[i].names);
	}
}

static char path[256];
static char errs[4096];

/* Loads text as a scenario file; the errors it printed go to errs. */
static int
load(const char *text, size_t n, struct script *s)
{
	FILE *f, *e;
	int r;

	snprintf(path, sizeof path, "%s/mipc-grammar-%d.mipc", test_tmpdir(), (int)getpid());
	ASSERT((f = fopen(path, "w")) != NULL);
	ASSERT_EQ(fwrite(text, 1, n, f), n);
	fclose(f);
	ASSERT((e = fmemopen(errs, sizeof errs, "w")) != NULL);
	r = script_load(s, path, e);
	fclose(e);
	unlink(path);
	return r;
}

#define LOAD(text, s) load(text, sizeof text - 1, s)

TEST(file_loaded_whole)
{
	struct script s;
	static const char text[] = "\xef\xbb\xbfspawn a\r\na: dump\n# " "x\n\nexpect ok";

	ASSERT_EQ(LOAD(text, &s), 0);
	ASSERT_EQ(s.n, 5);
	ASSERT_STR_EQ(s.lines[0], "spawn a");	/* the byte order mark and the CR go */
	ASSERT_STR_EQ(s.lines[1], "a: dump");
	ASSERT_STR_EQ(s.lines[4], "expect ok");
	script_free(&s);
}

/* A typo in a name fails before anything runs, every one of them named. */
TEST(typo_in_a_name)
{
	struct script s;

	ASSERT_EQ(LOAD("spawn server\nserer: dump\nwait clinet\nkill sever\n"
	    "server: dump\n", &s), -1);
	ASSERT(strstr(errs, ":2: no spawn line of this file names 'serer'") != NULL);
	ASSERT(strstr(errs, ":3: no spawn line of this file names 'clinet'") != NULL);
	ASSERT(strstr(errs, ":4: no spawn line of this file names 'sever'") != NULL);
	ASSERT(strstr(errs, ":5:") == NULL);
	/* A spawn later in the file counts: the name is the file's. */
	ASSERT_EQ(LOAD("wait a\nspawn a\n", &s), 0);
	script_free(&s);
}

TEST(file_errors_each_named)
{
	struct script s;
	char big[MIPC_LINE_MAX + 40];

	ASSERT_EQ(LOAD("spawn a\nfrobnicate\n{.message=x,.pid=1,.port=2}\n", &s), -1);
	ASSERT(strstr(errs, ":2: unknown verb 'frobnicate'") != NULL);
	ASSERT(strstr(errs, ":3: a scenario has no pid of its own") != NULL);
	/* A long comment is fine; a long line that runs is not. */
	memset(big, 'x', sizeof big);
	memcpy(big, "# ", 2);
	big[sizeof big - 1] = '\n';
	ASSERT_EQ(load(big, sizeof big, &s), 0);
	script_free(&s);
	memcpy(big, "a: ", 3);
	ASSERT_EQ(load(big, sizeof big, &s), -1);
	ASSERT(strstr(errs, ":1: line longer than 1024 bytes") != NULL);
}

/* A file that cannot be read to its end is an error, not a short file. */
TEST(read_error_is_an_error)
{
	struct script s;
	FILE *e = fmemopen(errs, sizeof errs, "w");

	ASSERT(e != NULL);
	ASSERT_EQ(script_load(&s, test_tmpdir(), e), -1);	/* a directory */
	fclose(e);
	ASSERT(strstr(errs, "cannot be read") != NULL);
	e = fmemopen(errs, sizeof errs, "w");
	ASSERT_EQ(script_load(&s, "/nonexistent/x.mipc", e), -1);
	fclose(e);
	ASSERT(strstr(errs, "No such file") != NULL);
}

static unsigned nhelp;
static char helped[8192];

static void
help_line(void *arg, const char *s)
{
	(void)arg;
	nhelp++;
	strncat(helped, s, sizeof helped - strlen(helped) - 2);
	strcat(helped, "\n");
}

TEST(help_from_one_table)
{
	nhelp = 0;
	helped[0] = '\0';
	gram_help(help_line, NULL);
	ASSERT(nhelp >= 18);
	ASSERT(strstr(helped, "expect deadlock NAME...") != NULL);
	helped[0] = '\0';
	ASSERT_EQ(gram_help_topic("kill", help_line, NULL), 0);
	ASSERT_PREFIX(helped, "kill NAME [SIGNAL]\n");
	ASSERT(strstr(helped, "a number (9)") != NULL);
	helped[0] = '\0';
	ASSERT_EQ(gram_help_topic("scenario", help_line, NULL), 0);
	ASSERT(strstr(helped, "spawn NAME") != NULL);
	ASSERT_EQ(gram_help_topic("frobnicate", help_line, NULL), -1);
}

static const struct test_case cases[] = {
	TEST_CASE(lines_classified),
	TEST_CASE(send_lines),
	TEST_CASE(spawn_options),
	TEST_CASE(kill_signals),
	TEST_CASE(expects),
	TEST_CASE(other_verbs),
	TEST_CASE(names_a_line_uses),
	TEST_CASE(file_loaded_whole),
	TEST_CASE(typo_in_a_name),
	TEST_CASE(file_errors_each_named),
	TEST_CASE(read_error_is_an_error),
	TEST_CASE(help_from_one_table),
};

TEST_MAIN("grammar", cases)
