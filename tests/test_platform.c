/*
 * test_platform.c - process titles (common/platform.c): what ps shows of a
 * process that set one, and that its arguments and environment survive.
 *
 * main() hands argv to plat_save_argv() first, as mipc's main() does; each
 * case runs in a forked child of this process, as a simulated process is a
 * forked child of the kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "test.h"

static char **args;		/* main's argv, as plat_save_argv() left it */
static int nargs;
static char first_arg[256];	/* argv[0] before */
static char path_before[4096];	/* $PATH before */

/* What ps says this process's command line is, or NULL if there is no ps. */
static char *
ps_args(void)
{
	static char out[8192];
	char cmd[64];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof cmd, "ps -o args= -p %ld 2>/dev/null", (long)getpid());
	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	if (pclose(p) != 0 || n == 0)
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	return out;
}

TEST(ps_shows_the_title)
{
	char *shown;

	plat_set_title("mipc: server (pid %d)", 5678);
	if ((shown = ps_args()) == NULL) {
		printf("  note: no ps here: nothing to check\n");
		return;
	}
	/* The whole title, and nothing of the arguments after it. */
	if (strncmp(shown, "mipc: server (pid 5678)", 23) != 0 ||
	    strspn(shown + 23, " ") != strlen(shown + 23))
		TEST_FAIL_("ps shows \"%s\"", shown);
#if defined(__linux__)
	/* The short name, which ps -e and top show. */
	FILE *f = fopen("/proc/self/comm", "r");
	char comm[64] = "";
	ASSERT(f != NULL && fgets(comm, sizeof comm, f) != NULL);
	fclose(f);
	ASSERT_STR_EQ(comm, "server\n");
#endif
}

/* A second title replaces the first whole, even a longer one. */
TEST(a_shorter_title_leaves_nothing_behind)
{
	char *shown;

	plat_set_title("mipc: a-rather-long-name (pid 4294967295)");
	plat_set_title("mipc: b (pid 1)");
	if ((shown = ps_args()) == NULL)
		return;
	if (strncmp(shown, "mipc: b (pid 1)", 15) != 0 ||
	    strspn(shown + 15, " ") != strlen(shown + 15))
		TEST_FAIL_("ps shows \"%s\"", shown);
}

/* The arguments and the environment were moved before the title went
   over them: they read as they did, and the environment still works. */
TEST(arguments_and_environment_survive)
{
	static char huge[4000];

	memset(huge, 'a', sizeof huge - 1);
	plat_set_title("mipc: %s", huge);	/* more than there is room for */
	ASSERT_STR_EQ(args[0], first_arg);
	ASSERT(nargs >= 1);
	ASSERT_STR_EQ(getenv("PATH") ? getenv("PATH") : "", path_before);
	ASSERT(setenv("MIPC_TITLE_TEST", "yes", 1) == 0);
	ASSERT_STR_EQ(getenv("MIPC_TITLE_TEST"), "yes");
	FILE *p = popen("echo $MIPC_TITLE_TEST", "r");
	char line[64] = "";
	ASSERT(p != NULL && fgets(line, sizeof line, p) != NULL);
	pclose(p);
	ASSERT_STR_EQ(line, "yes\n");
	char *shown = ps_args();
	if (shown != NULL && strncmp(shown, "mipc: aaaaaaaa", 14) != 0)
		TEST_FAIL_("ps shows \"%s\"", shown);
}

static const struct test_case cases[] = {
	TEST_CASE(ps_shows_the_title),
	TEST_CASE(a_shorter_title_leaves_nothing_behind),
	TEST_CASE(arguments_and_environment_survive),
};

int
main(int argc, char **argv)
{
	const char *path = getenv("PATH");

	snprintf(first_arg, sizeof first_arg, "%s", argv[0]);
	snprintf(path_before, sizeof path_before, "%s", path ? path : "");
	plat_save_argv(argc, argv);
	args = argv;
	nargs = argc;
	int f = test_run_all_("platform", cases, sizeof cases / sizeof cases[0],
	    argc > 1 ? argv[1] : NULL);
	return f > 100 ? 100 : f;
}
