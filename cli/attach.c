/*
 * attach.c - mipc attach: a manual client of a running kernel.
 *
 * On a terminal it is a prompt: each line typed goes to the kernel, and
 * whatever the kernel writes (answers, "| " listings, "* " events) is printed
 * as it arrives.  From a pipe it runs the lines like a scenario: one at a
 * time, each waiting for its answer before the next is sent, so
 * `mipc attach < session.txt` gives the same trace every time.  Blank lines
 * and comments are skipped, as `mipc run` skips them.
 *
 * Built with libedit or GNU readline (MIPC_EDITLINE, which the Makefile
 * finds), a terminal gets line editing and history: readline's callback
 * interface reads the keys while the loop below goes on serving the
 * kernel, and each line it completes is fed to the same line buffer that
 * a pipe's bytes go to.  Everything else is the same either way.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(MIPC_EDITLINE) && MIPC_EDITLINE == 1
#include <editline/readline.h>
#elif defined(MIPC_EDITLINE)
#include <readline/readline.h>
#include <readline/history.h>
#endif

#include "buf.h"
#include "cli.h"
#include "listen.h"

#define PROMPT	"mipc> "

struct attach {
	int	 sock;
	int	 tty;		/* stdin is a terminal */
	int	 editing;	/* readline reads the terminal */
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

/* Whether the user is asked for a line: nothing is awaited. */
static int
prompt_due(const struct attach *a)
{
	return a->tty && a->stdin_open && a->waiting == 0 && !a->leaving;
}

static void
prompt(struct attach *a)
{
	if (prompt_due(a) && !a->prompted && !a->editing) {
		fputs(PROMPT, stdout);
		fflush(stdout);
		a->prompted = 1;
	}
}

static int	user_lines(struct attach *);

#ifdef MIPC_EDITLINE
/*
 * Line editing.  readline owns the terminal while its handler is installed
 * (no echo, keys one at a time), so the signals that end attach are caught
 * here and acted on in the loop, after the terminal is given back; without
 * that, ^C at a quiet moment would leave the shell with no echo.
 */
static struct attach *edited;		/* the session the handler feeds */
static volatile sig_atomic_t edit_signal, edit_resized, edit_suspended;
static const int edit_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP };

static void
edit_caught(int sig)
{
	if (sig == SIGWINCH)
		edit_resized = 1;
	else if (sig == SIGTSTP)
		edit_suspended = 1;
	else
		edit_signal = sig;
}

static void
edit_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = edit_caught;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof edit_sigs / sizeof edit_sigs[0]; i++)
		(void)sigaction(edit_sigs[i], &sa, NULL);
}

/* Gives the terminal back; a signal caught meanwhile now does what it
   would have done. */
static void
edit_stop(struct attach *a)
{
	if (!a->editing)
		return;
	rl_callback_handler_remove();
	a->editing = 0;
	for (size_t i = 0; i < sizeof edit_sigs / sizeof edit_sigs[0]; i++)
		signal(edit_sigs[i], SIG_DFL);
	if (edit_signal != 0) {
		fputc('\n', stdout);
		fflush(stdout);
		raise(edit_signal);
	}
}

/* A line readline has completed (NULL: ^D on an empty line).  It goes
   where a pipe's bytes go, and user_lines() sends it. */
static void
edit_line(char *line)
{
	struct attach *a = edited;
	size_t len;
	int sends;

	if (line == NULL) {
		a->stdin_open = 0;
		a->prompted = 1;	/* the cursor is still after the prompt */
		edit_stop(a);
		return;
	}
	a->prompted = 0;		/* Enter moved to a new line */
	len = strlen(line);
	sends = len <= MIPC_LINE_MAX && !skipped(line, len);
	if (len > MIPC_LINE_MAX) {
		printf("ERR EMSGSIZE line longer than %d bytes, not sent\n",
		    MIPC_LINE_MAX);
	} else {
		if (sends)
			add_history(line);
		if (leaving_word(line, len))
			edit_stop(a);	/* nothing is read after quit */
		if (linebuf_feed(&a->from_user, line, len) == -1 ||
		    linebuf_feed(&a->from_user, "\n", 1) == -1)
			printf("(out of memory: the line was not sent)\n");
	}
	free(line);
	/* Once this returns, readline shows the prompt set here: none while
	   an answer is awaited, as without line editing. */
	if (a->editing) {
		a->prompted = !sends && prompt_due(a);
		rl_set_prompt(a->prompted ? PROMPT : "");
	}
}

/* Starts line editing: readline shows the prompt. */
static void
edit_start(struct attach *a)
{
	edit_catch();
	edited = a;
	a->editing = 1;
	a->prompted = 1;
	rl_callback_handler_install(PROMPT, edit_line);
}

/* Reads what the terminal has, key by key; each line completed is sent
   at once, as a terminal's lines are.  Returns 0, or -1 if sending
   failed. */
static int
edit_read(struct attach *a)
{
	struct pollfd pfd = { 0, POLLIN, 0 };

	do {
		rl_callback_read_char();
		if (user_lines(a) == -1)
			return -1;
	} while (a->editing && poll(&pfd, 1, 0) == 1);
	return 0;
}

/* Kernel lines are about to be printed: leaves what is on the screen on
   its line (a prompt, what was typed) and goes below it. */
static void
edit_before_output(struct attach *a)
{
	if (a->editing && (a->prompted || rl_end > 0)) {
		fputc('\n', stdout);
		a->prompted = 0;
	}
}

/* They were printed: shows the prompt again if it is due, and the line
   being typed. */
static void
edit_after_output(struct attach *a)
{
	if (!a->editing)
		return;
	a->prompted = prompt_due(a);
	rl_set_prompt(a->prompted ? PROMPT : "");
	fflush(stdout);
	rl_forced_update_display();
}

/* What the loop does about a signal caught while editing. */
static void
edit_signals(struct attach *a)
{
	if (edit_resized) {
		edit_resized = 0;
		if (a->editing)
			rl_resize_terminal();
	}
	if (edit_suspended) {
		/* ^Z: the terminal goes back to the shell as it was, and
		   after fg it is readline's again, with a fresh prompt. */
		edit_suspended = 0;
		if (a->editing) {
			rl_callback_handler_remove();
			fputc('\n', stdout);
			fflush(stdout);
			signal(SIGTSTP, SIG_DFL);
			raise(SIGTSTP);		/* stopped here until fg */
			edit_catch();
			a->prompted = prompt_due(a);
			rl_callback_handler_install(a->prompted ? PROMPT : "",
			    edit_line);
		}
	}
	if (edit_signal != 0)
		edit_stop(a);		/* and acts on it */
}
#define EDIT_BUILT	1
#else
#define EDIT_BUILT	0
static void edit_start(struct attach *a) { (void)a; }
static int edit_read(struct attach *a) { (void)a; return 0; }
static void edit_stop(struct attach *a) { (void)a; }
static void edit_before_output(struct attach *a) { (void)a; }
static void edit_after_output(struct attach *a) { (void)a; }
static void edit_signals(struct attach *a) { (void)a; }
#endif

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
	int printed = 0;

	while ((st = linebuf_next(&a->from_kernel, &line, &len)) != LB_NONE) {
		if (printed++ == 0)
			edit_before_output(a);
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
	if (printed)
		edit_after_output(a);
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
		/* Enter was pressed: the line is done (readline keeps
		   track of its own prompt). */
		if (!a->editing)
			a->prompted = 0;
		if (skipped(line, len))
			continue;	/* and prompt again */
		if (leaving_word(line, len))
			a->leaving = 1;
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

/* A line could not be sent: says why, and returns the status to end with. */
static int
send_failed(struct attach *a)
{
	/* The kernel closed first: what it said before, a refusal say, is
	   worth more than our write's error. */
	if (errno == EPIPE || errno == ECONNRESET)
		return kernel_closed(a);
	fprintf(stderr, "mipc: cannot write to the kernel: %s\n", strerror(errno));
	return 1;
}

int
cmd_attach(struct options *o)
{
	struct attach a;

	memset(&a, 0, sizeof a);
	if ((a.sock = cli_connect(o)) == -1)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	a.tty = isatty(0);
	a.stdin_open = 1;
	linebuf_init(&a.from_kernel);
	linebuf_init(&a.from_user);
	/* Line editing only where a person types and reads: a terminal on
	   both ends. */
	int edit = EDIT_BUILT && a.tty && isatty(1);
	if (a.tty)
		printf("attached to %s: type help for the verbs, quit to leave%s\n",
		    o->k.socket_path, edit ? "; the arrow keys edit and recall lines" :
		    "");
	fflush(stdout);
	if (edit)
		edit_start(&a);
	else
		prompt(&a);

	int status = 0;
	for (;;) {
		struct pollfd pfd[2] = {
			{ a.sock, POLLIN, 0 },
			{ 0, POLLIN, 0 },
		};
		int nfds = a.stdin_open && (a.tty || a.waiting == 0) ? 2 : 1;

		edit_signals(&a);
		if (a.refused) {	/* it said why, and closes */
			status = 1;
			break;
		}
		if (user_lines(&a) == -1) {
			status = send_failed(&a);
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
		if (nfds == 2 && pfd[1].revents != 0 && a.editing) {
			if (edit_read(&a) == -1) {
				status = send_failed(&a);
				break;
			}
		} else if (nfds == 2 && pfd[1].revents != 0) {
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
	edit_stop(&a);
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
