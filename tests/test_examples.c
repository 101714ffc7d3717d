/*
 * test_examples.c - the example programs (examples/) against a fake kernel.
 *
 * Each example is run as the kernel will run it (fakek.h: fd 3, MIPC_*,
 * its log as standard output), and the test plays the kernel: it checks
 * every line the program sends, and what it writes in its log.  echo.sh
 * runs under /bin/sh and must pass what echo passes.  EXAMPLES is where
 * make put the C examples; the tests run from the top of the tree.
 */
#include <stdio.h>
#include <string.h>

#include "fakek.h"
#include "test.h"

#ifndef EXAMPLES
#define EXAMPLES "bin/examples"
#endif

static char *echo_argv[] = { EXAMPLES "/echo", "7", NULL };
static char *echo_sh_argv[] = { "/bin/sh", "examples/echo.sh", "7", NULL };

/* Registers port 7, serves whatever comes, and stops at "quit". */
static void
serves(char *const argv[], const char *started)
{
	struct fakek k;

	fk_start(&k, NULL, argv);
	fk_expect(&k, "+ c {.message=,.pid=" FK_PID ",.port=7}");
	/* The console's line is sent back after the program's own; the
	   answers come in that order. */
	fk_say(&k, "! dump");
	fk_expect(&k, "> dump");
	fk_say(&k, "OK port 7 registered in slot 0");
	fk_say(&k, "ERR EINVAL expected '{' at column 1");
	/* The tail of a delivery is read from the right; TEXT is sent back
	   as it is, backslashes and percent signs too. */
	fk_say(&k, "* received \"say \"hi\" from pid 5, {x}=1 \\n %%s\" from pid 9 via port 7");
	fk_expect(&k, "= say \"hi\" from pid 5, {x}=1 \\n %s");
	fk_say(&k, "* link 7<-9 destroyed: removed by pid 9");
	fk_say(&k, "* received \"\" from pid 9 via port 7");
	fk_expect(&k, "= ");
	fk_say(&k, "~ sync");
	fk_expect(&k, "~ synced");
	fk_log_has(&k, started);
	/* A server refuses by replying with an error line. */
	fk_say(&k, "* received \"ERR ENOENT no such file\" from pid 9 via port 7");
	fk_expect(&k, "= ERR ENOENT no such file");
	fk_say(&k, "* received \"quit\" from pid 9 via port 7");
	fk_expect(&k, "= quit");
	fk_expect_eof(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "link 7<-9 destroyed: removed by pid 9\n");
	fk_done(&k);
}

/* A kernel that stops ends it, with status 0. */
static void
ends_with_the_kernel(char *const argv[])
{
	struct fakek k;

	fk_start(&k, NULL, argv);
	fk_expect(&k, "+ c {.message=,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "OK port 7 registered in slot 0");
	fk_close(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "the kernel has gone, exiting");
	fk_done(&k);
}

TEST(echo_serves_until_quit)
{
	serves(echo_argv, "echo: prog serves port 7\n");
}

TEST(echo_ends_with_the_kernel)
{
	ends_with_the_kernel(echo_argv);
}

TEST(echo_sh_serves_until_quit)
{
	serves(echo_sh_argv, "echo.sh: prog serves port 7\n");
}

TEST(echo_sh_ends_with_the_kernel)
{
	ends_with_the_kernel(echo_sh_argv);
}

TEST(echo_says_why_it_cannot_serve)
{
	struct fakek k;
	char *noport[] = { EXAMPLES "/echo", NULL };
	char *badport[] = { EXAMPLES "/echo", "7x", NULL };

	fk_start(&k, NULL, echo_argv);
	fk_expect(&k, "+ c {.message=,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "ERR EADDRINUSE port 7 is held by pid 5");
	fk_expect_eof(&k);
	fk_exit(&k, 1);
	fk_log_has(&k, "echo: cannot register port 7: ERR EADDRINUSE port 7 is held by pid 5\n");
	fk_done(&k);

	fk_start(&k, NULL, noport);
	fk_exit(&k, 2);
	fk_log_has(&k, "usage: echo PORT (1 to 65535)\n");
	fk_done(&k);
	fk_start(&k, NULL, badport);
	fk_exit(&k, 2);
	fk_done(&k);

	/* Run by hand, not by a kernel. */
	fk_start_env(&k, NULL, echo_argv, 0);
	fk_exit(&k, 1);
	fk_log_has(&k, "echo: MIPC_FD is not set: this program runs as a simulated process");
	fk_done(&k);
}

TEST(chain_calls_with_each_answer)
{
	struct fakek k;
	char *argv[] = { EXAMPLES "/chain", "7", "hello", "3", NULL };

	fk_start(&k, NULL, argv);
	/* The first message links; the calls follow. */
	fk_expect(&k, "+ {.message=hello,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "OK linked 7<-42 in mailbox slot 0");
	fk_expect(&k, "? {.message=hello,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "! c {.message=,.pid=" FK_PID ",.port=9}");
	fk_expect(&k, "> c {.message=,.pid=" FK_PID ",.port=9}");
	fk_say(&k, "OK hello, world");
	fk_say(&k, "OK port 9 registered in slot 0");
	fk_expect(&k, "? {.message=hello, world,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "~ sync");
	fk_expect(&k, "~ synced");
	fk_log_has(&k, "chain: call 1 of 3: sent \"hello\", got \"hello, world\"\n");
	fk_say(&k, "OK {.message=x}");
	fk_expect(&k, "? {.message={.message=x},.pid=" FK_PID ",.port=7}");
	fk_say(&k, "OK the end");
	/* Done, it answers whoever asks with where the chain ended. */
	fk_say(&k, "* received \"done?\" from pid 9 via port 9");
	fk_expect(&k, "= the end");
	fk_close(&k);
	fk_exit(&k, 0);
	fk_log_has(&k, "chain: call 3 of 3: sent \"{.message=x}\", got \"the end\"\n"
	    "chain: done: \"the end\"\n");
	fk_done(&k);
}

TEST(chain_stops_at_an_error)
{
	struct fakek k;
	char *argv[] = { EXAMPLES "/chain", "7", "hello", "3", NULL };
	char *bad[] = { EXAMPLES "/chain", "7", "hello", "0", NULL };

	fk_start(&k, NULL, argv);
	fk_expect(&k, "+ {.message=hello,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "OK linked 7<-42 in mailbox slot 0");
	fk_expect(&k, "? {.message=hello,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "ERR ESRCH server pid 5 died");
	fk_expect_eof(&k);
	fk_exit(&k, 1);
	fk_log_has(&k, "chain: call 1 of 3: ERR ESRCH server pid 5 died\n");
	fk_done(&k);

	fk_start(&k, NULL, argv);
	fk_expect(&k, "+ {.message=hello,.pid=" FK_PID ",.port=7}");
	fk_say(&k, "ERR ENOENT port 7 is not registered");
	fk_expect_eof(&k);
	fk_exit(&k, 1);
	fk_log_has(&k, "chain: cannot link to port 7: ERR ENOENT port 7 is not registered\n");
	fk_done(&k);

	fk_start(&k, NULL, bad);
	fk_exit(&k, 2);
	fk_log_has(&k, "usage: chain PORT TEXT COUNT");
	fk_done(&k);
}

static const struct test_case cases[] = {
	TEST_CASE(echo_serves_until_quit),
	TEST_CASE(echo_ends_with_the_kernel),
	TEST_CASE(echo_sh_serves_until_quit),
	TEST_CASE(echo_sh_ends_with_the_kernel),
	TEST_CASE(echo_says_why_it_cannot_serve),
	TEST_CASE(chain_calls_with_each_answer),
	TEST_CASE(chain_stops_at_an_error),
};

TEST_MAIN("examples", cases)
