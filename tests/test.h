/*
 * test.h - a small unit test harness.
 *
 * A test file defines its cases with TEST(name), lists them in a table and
 * ends with TEST_MAIN(table).  Every case runs in a forked child with a time
 * limit, so a crash or a hang fails that case alone.  The binary prints one
 * "PASS suite.case" or "FAIL suite.case" line per case and exits with the
 * number of failures.  An argument runs only the cases whose name contains it.
 */
#ifndef MIPC_TEST_H
#define MIPC_TEST_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void name(void)
#define TEST_CASE(name) { #name, name }

#define TEST_FAIL_(...) do { \
	fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fprintf(stderr, "\n"); \
	exit(1); \
} while (0)

#define ASSERT(cond) do { \
	if (!(cond)) \
		TEST_FAIL_("assertion failed: %s", #cond); \
} while (0)

#define ASSERT_EQ(a, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) \
		TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_); \
} while (0)

#define ASSERT_STR_EQ(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) \
		TEST_FAIL_("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", \
		    #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
} while (0)

/* a starts with the prefix b */
#define ASSERT_PREFIX(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || strncmp(a_, b_, strlen(b_)) != 0) \
		TEST_FAIL_("%s starts with %s:\n    got      \"%s\"\n    expected \"%s...\"", \
		    #a, #b, a_ ? a_ : "(null)", b_); \
} while (0)

/* Where a test makes its temporary files: $TMPDIR, else /tmp. */
static inline const char *
test_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && t[0] != '\0' ? t : "/tmp";
}

#ifndef TEST_TIMEOUT
#define TEST_TIMEOUT 30 /* seconds one case may take */
#endif

static inline int
test_run_all_(const char *suite, const struct test_case *t, size_t n, const char *filter)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		char full[256];
		snprintf(full, sizeof full, "%s.%s", suite, t[i].name);
		if (filter != NULL && strstr(full, filter) == NULL)
			continue;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		fflush(NULL);
		pid_t pid = fork();
		if (pid == -1) {
			perror("fork");
			exit(2);
		}
		if (pid == 0) {
			setpgid(0, 0);
			alarm(TEST_TIMEOUT);
			t[i].fn();
			fflush(NULL);
			_exit(0);
		}
		int status;
		(void)setpgid(pid, pid);	/* whichever of the two runs first */
		while (waitpid(pid, &status, 0) == -1)
			;
		(void)kill(-pid, SIGKILL);	/* anything the case left behind */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!ok)
			failed++;
		if (WIFSIGNALED(status))
			fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(status),
			    WTERMSIG(status) == SIGALRM ? " (time limit)" : "");
		printf("%s %s (%ld ms)\n", ok ? "PASS" : "FAIL", full, ms);
		fflush(stdout);
	}
	return failed;
}

#define TEST_MAIN(suite, table) \
int main(int argc, char **argv) \
{ \
	int f = test_run_all_(suite, table, sizeof(table) / sizeof(table[0]), \
	    argc > 1 ? argv[1] : NULL); \
	return f > 100 ? 100 : f; \
}

#endif
