/*
 * signame.c - signal names, as a user writes them and as a log says them.
 *
 * Numbers differ between systems (SIGUSR1 is 10 on Linux, 30 on macOS), so
 * the table is built from the macros and a number is taken only when it is
 * the number of a signal listed here.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "signame.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "ABRT", SIGABRT }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "SEGV", SIGSEGV }, { "PIPE", SIGPIPE },
	{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "BUS", SIGBUS }, { "TRAP", SIGTRAP },
};

#define NSIGNALS (sizeof signals / sizeof signals[0])

/* Whether s (n bytes) is lit in any case. */
static int
same_word(const char *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
		if (c != lit[i])
			return 0;
	}
	return 1;
}

int
sig_from_name(const char *s, size_t n)
{
	if (n > 0 && s[0] >= '0' && s[0] <= '9') {
		int v = 0;
		if (s[0] == '0' || n > 3)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		for (size_t i = 0; i < NSIGNALS; i++)
			if (signals[i].sig == v)
				return v;
		return -1;
	}
	if (n > 3 && same_word(s, 3, "SIG")) {
		s += 3;
		n -= 3;
	}
	for (size_t i = 0; i < NSIGNALS; i++)
		if (same_word(s, n, signals[i].name))
			return signals[i].sig;
	return -1;
}

const char *
sig_name(int sig)
{
	static char buf[24];

	for (size_t i = 0; i < NSIGNALS; i++)
		if (signals[i].sig == sig) {
			snprintf(buf, sizeof buf, "SIG%s", signals[i].name);
			return buf;
		}
	snprintf(buf, sizeof buf, "signal %d", sig);
	return buf;
}
