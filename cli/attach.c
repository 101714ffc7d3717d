/*
 * attach.c - mipc attach: a manual client of a running kernel.
 *
 * On a terminal it is a prompt: each line typed goes to the kernel, and
 * whatever the kernel writes (answers, "| " listings, "* " events) is printed
 * as it arrives.  From a pipe it runs the lines like a scenario: one at a
 * time, each waiting for its answer before the next is sent, so
 * `mipc attach < session.txt` gives the same trace every time.  Blank lines
 * and comments are skipped, as `mipc run` skips them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "listen.h"

struct attach {
	int	 sock;
	int	 tty;		/* stdin is a terminal */
	int	 waiting;	/* answers still owed for lines sent */
	int	 stdin_open;
	int	 leaving;	/* quit or shutdown was sent */
	int	 prompted;	/* a prompt is on the screen, maybe half typed after */
	unsigned failed;	/* expects that failed */
	int	 refused;	/* the kernel would not take us */
	struct linebuf from_kernel, from_user;
};

/* Blank, or a comment: not sent. */
static int
skipped(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i == n || s[i] == '#';
}

/* "quit" or "shutdown", alone on the line. */
static int
leaving_word(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return (n == 4 && memcmp(s, "quit", 4) == 0) ||
	    (n == 8 && memcmp(s, "shutdown", 8) == 0);
}

static void
prompt(struct attach *a)
{
	if (a->tty && a->stdin_open && a->waiting == 0 && !a->prompted &&
	    !a->leaving) {
		fputs("mipc> ", stdout);
		fflush(stdout);
		a->prompted = 1;
	}
}

/* Writes all of s and a newline to the kernel.  Returns 0 or -1. */
static int
send_line(struct attach *a, const char *s, size_t n)
{
	struct outq q;
	int r;

	outq_init(&q);
	if (outq_line(&q, s, n) == -1) {
		outq_free(&q);
		return -1;
	}
	while ((r = outq_flush(&q, a->sock)) == 1) {
		struct pollfd pfd = { a->sock, POLLOUT, 0 };
		(void)poll(&pfd, 1, -1);
	}
	outq_free(&q);
	return r;
}

/* The lines the kernel sent; an answer settles one line sent. */
static void
kernel_lines(struct attach *a)
{
	static const char failed[] = "ERR EINVAL expect failed";
	const char *line;
	size_t len;
	enum linebuf_status st;

	while ((st = linebuf_next(&a->from_kernel, &line, &len)) != LB_NONE) {
		if (st == LB_TOOLONG) {
			printf("(a line over %d bytes from the kernel was skipped)\n",
			    MIPC_LINE_MAX);
			continue;
		}
		/* An event while the user may be typing: leave what was typed
		   on its line (the terminal still holds it) and print below. */
		if (a->prompted) {
			fputc('\n', stdout);
			a->prompted = 0;
		}
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
		if (len >= sizeof LISTEN_REFUSED - 1 &&
		    memcmp(line, LISTEN_REFUSED, sizeof LISTEN_REFUSED - 1) == 0)
			a->refused = 1;
		if ((len >= 2 && memcmp(line, "OK", 2) == 0 &&
		    (len == 2 || line[2] == ' ')) ||
		    (len >= 4 && memcmp(line, "ERR ", 4) == 0)) {
			if (a->waiting > 0)
				a->waiting--;
			if (len >= sizeof failed - 1 &&
			    memcmp(line, failed, sizeof failed - 1) == 0)
				a->failed++;
		}
	}
	fflush(stdout);
}

/* Sends the next line the user gave, if it is time to. */
static int
user_lines(struct attach *a)
{
	const char *line;
	size_t len;
	enum linebuf_status st;

	/* From a pipe, one line at a time: the next waits for the answer.
	   Nothing goes after quit or shutdown. */
	while (!a->leaving && (a->tty || a->waiting == 0) &&
	    (st = linebuf_next(&a->from_user, &line, &len)) != LB_NONE) {
		if (st == LB_TOOLONG) {
			printf("ERR EMSGSIZE line longer than %d bytes, not sent\n",
			    MIPC_LINE_MAX);
			continue;
		}
		if (skipped(line, len)) {
			a->prompted = 0;	/* Enter was pressed: prompt again */
			continue;
		}
		if (leaving_word(line, len))
			a->leaving = 1;
		a->prompted = 0;	/* the user pressed Enter: the line is done */
		if (send_line(a, line, len) == -1)
			return -1;
		a->waiting++;
	}
	return 0;
}

/*
 * The kernel has closed the connection: prints what it sent before, and
 * says so unless the user asked for it.  Returns the exit status.
 */
static int
kernel_closed(struct attach *a)
{
	struct pollfd pfd = { a->sock, POLLIN, 0 };

	while (poll(&pfd, 1, 0) == 1 && linebuf_read(&a->from_kernel, a->sock) > 0)
		kernel_lines(a);
	kernel_lines(a);
	if (a->refused)		/* it says why itself */
		return 1;
	if (a->leaving)
		return 0;
	fprintf(stderr, "mipc: the kernel closed the connection\n");
	return 1;
}

int
cmd_attach(struct options *o)
{
	struct attach a;

	memset(&a, 0, sizeof a);
	if ((a.sock = listen_connect(o->k.socket_path)) == -1) {
		if (errno != ENOENT && errno != ECONNREFUSED)
			fprintf(stderr, "mipc: cannot connect to %s: %s\n",
			    o->k.socket_path, strerror(errno));
		else
			fprintf(stderr, "mipc: no kernel is running on %s (%s): start "
			    "one with `mipc kernel%s%s`\n", o->k.socket_path,
			    strerror(errno), o->socket_given ? " --socket " : "",
			    o->socket_given ? o->k.socket_path : "");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	a.tty = isatty(0);
	a.stdin_open = 1;
	linebuf_init(&a.from_kernel);
	linebuf_init(&a.from_user);
	if (a.tty)
		printf("attached to %s: type help for the verbs, quit to leave\n",
		    o->k.socket_path);
	prompt(&a);

	int status = 0;
	for (;;) {
		struct pollfd pfd[2] = {
			{ a.sock, POLLIN, 0 },
			{ 0, POLLIN, 0 },
		};
		int nfds = a.stdin_open && (a.tty || a.waiting == 0) ? 2 : 1;

		if (a.refused) {	/* it said why, and closes */
			status = 1;
			break;
		}
		if (user_lines(&a) == -1) {
			if (errno == EPIPE || errno == ECONNRESET) {
				/* It closed first: what it said before, a
				   refusal say, is worth more than our write's
				   error. */
				status = kernel_closed(&a);
				break;
			}
			fprintf(stderr, "mipc: cannot write to the kernel: %s\n",
			    strerror(errno));
			status = 1;
			break;
		}
		if (!a.stdin_open && a.waiting == 0)
			break;		/* everything sent has been answered */
		prompt(&a);		/* after a line that sent nothing */
		nfds = a.stdin_open && (a.tty || a.waiting == 0) ? 2 : 1;
		if (poll(pfd, (nfds_t)nfds, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("mipc: poll");
			status = 1;
			break;
		}
		if (pfd[0].revents != 0) {
			ssize_t n = linebuf_read(&a.from_kernel, a.sock);
			if (n == 0 || (n == -1 && errno != EAGAIN)) {
				status = kernel_closed(&a);
				break;
			}
			kernel_lines(&a);
			prompt(&a);
			if (ferror(stdout)) {
				/* Nobody reads what we print (`mipc attach |
				   head -1`): stop, as a reader's end closed. */
				if (errno != EPIPE)
					fprintf(stderr, "mipc: standard output: %s\n",
					    strerror(errno));
				status = 1;
				break;
			}
		}
		if (nfds == 2 && pfd[1].revents != 0) {
			ssize_t n = linebuf_read(&a.from_user, 0);
			if (n == 0) {
				/* A last line without a newline still counts. */
				if (linebuf_pending(&a.from_user) > 0)
					(void)linebuf_feed(&a.from_user, "\n", 1);
				a.stdin_open = 0;
			} else if (n == -1 && errno != EAGAIN) {
				a.stdin_open = 0;
			}
		}
	}
	if (a.prompted)
		fputc('\n', stdout);	/* end the prompt's line */
	if (a.failed > 0) {
		/* As `mipc run` would: a session of expects is a test. */
		fflush(stdout);
		fprintf(stderr, "mipc: %u expect%s failed\n", a.failed,
		    a.failed == 1 ? "" : "s");
		if (status == 0)
			status = 1;
	}
	linebuf_free(&a.from_kernel);
	linebuf_free(&a.from_user);
	close(a.sock);
	return status;
}
