/*
 * monitor.c - mipc monitor: a running kernel's events, as they happen.
 *
 *   mipc monitor [--json] [--match RULE]...
 *
 * Connects to the kernel's socket and sends one line, the console verb
 * `monitor RULE...` (the rules checked here first, then sent in the form
 * evrules_parse reads back); the kernel answers `OK monitoring`, then sends
 * `* event JSON` for each event that matches.  Each is printed: as the JSON
 * it came as (--json, the same objects as events.jsonl), or as one readable
 * line (event_render), coloured on a terminal unless NO_COLOR is set.  An
 * ERR answer is printed on stderr, exit 2.  The kernel closing the
 * connection, or ^C, ends it with 0.
 */
#include <sys/select.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "event.h"
#include "listen.h"

#define MONITOR_LINE_MAX	(64 * 1024)	/* an event line is far shorter */
#define EVENT_PREFIX		"* event "

static const char monitor_usage[] =
"usage: mipc monitor [--json] [--match RULE]...\n"
"\n"
"Attaches to a running kernel (see --socket) and prints every event as it\n"
"happens, one readable line each, until the kernel stops or ^C.\n"
"\n"
"  --json          print the JSON objects as events.jsonl holds them\n"
"  --match RULE    print only events matching RULE: key=value[,key=value]...\n"
"                  (all pairs hold); given again, an event matching any RULE\n"
"                  is printed.  Keys: seq ev name pid how line re text msg from\n"
"                  to port code reason cycle.  pid= and name= match an event\n"
"                  about that process; from=, to= and pid= take a NAME too.\n"
"                  A backslash makes the next character part of a value.\n"
"  --no-time       leave the time column out\n"
"  --socket PATH   the kernel's socket (default $XDG_RUNTIME_DIR/microipc/\n"
"                  kernel.sock, else /tmp/microipc-UID/kernel.sock)\n"
"  -h, --help      this text\n";

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct mon {
	int		 sock;
	int		 json;
	int		 flags;		/* EVR_ */
	int		 answered;	/* "OK monitoring" came */
	char		*buf;
	size_t		 len, cap;
	int		 skipping;	/* in a line too long, up to its newline */
	struct evbook	 book;
	struct json_doc	 doc;
	struct jbuf	 line;
};

/* Writes all of s to fd.  Returns 0, or -1 with errno. */
static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * One line from the kernel.  Returns 0 to go on, or an exit status + 1
 * when the monitor is to end.
 */
static int
mon_line(struct mon *m, const char *s, size_t n)
{
	char err[256];
	struct event e;

	if (!m->answered) {
		if (n >= 3 && memcmp(s, "ERR", 3) == 0) {
			fprintf(stderr, "mipc: the kernel refused: %.*s\n", (int)n, s);
			return 2 + 1;
		}
		if (n >= 2 && memcmp(s, "OK", 2) == 0 && (n == 2 || s[2] == ' ')) {
			m->answered = 1;
			return 0;
		}
		fprintf(stderr, "mipc: the kernel answered '%.*s', not OK monitoring: is "
		    "it a microipc kernel of this version?\n", (int)(n < 200 ? n : 200), s);
		return 1 + 1;
	}
	if (n < sizeof EVENT_PREFIX - 1 || memcmp(s, EVENT_PREFIX, sizeof EVENT_PREFIX - 1) != 0) {
		/* Not an event: the kernel's to say, not ours to print as one. */
		fprintf(stderr, "mipc: kernel: %.*s\n", (int)n, s);
		return 0;
	}
	s += sizeof EVENT_PREFIX - 1;
	n -= sizeof EVENT_PREFIX - 1;
	if (m->json) {
		fwrite(s, 1, n, stdout);
		fputc('\n', stdout);
		return 0;
	}
	if (event_parse(&e, &m->doc, s, n, err, sizeof err) == -1) {
		fprintf(stderr, "mipc: the kernel sent an event that is not one: %s\n", err);
		return 0;
	}
	if (evbook_learn(&m->book, &e) == -1) {
		fprintf(stderr, "mipc: out of memory\n");
		return 1 + 1;
	}
	struct evnames nm = evbook_names(&m->book);
	jbuf_reset(&m->line);
	event_render(&m->line, &e, &nm, m->flags);
	jbuf_addc(&m->line, '\n');
	if (m->line.failed) {
		fprintf(stderr, "mipc: out of memory\n");
		return 1 + 1;
	}
	fwrite(m->line.p, 1, m->line.len, stdout);
	return 0;
}

/* Hands out every whole line read; returns as mon_line does. */
static int
mon_lines(struct mon *m)
{
	size_t start = 0;
	int r = 0;

	while (r == 0) {
		char *nl = memchr(m->buf + start, '\n', m->len - start);
		if (nl == NULL)
			break;
		size_t n = (size_t)(nl - (m->buf + start));
		if (m->skipping)
			m->skipping = 0;
		else
			r = mon_line(m, m->buf + start, n > 0 && nl[-1] == '\r' ? n - 1 : n);
		start += n + 1;
	}
	memmove(m->buf, m->buf + start, m->len - start);
	m->len -= start;
	if (m->len == m->cap) {
		if (!m->skipping)
			fprintf(stderr, "mipc: a line over %d bytes from the kernel "
			    "was skipped\n", MONITOR_LINE_MAX);
		m->len = 0;
		m->skipping = 1;
	}
	return r;
}

/* Parses monitor's own options (main left them in o->args) into rules.
   Returns 0, or the exit status. */
static int
mon_options(struct options *o, struct mon *m, struct evrules *rules)
{
	char err[300];

	for (int i = 0; i < o->nargs; i++) {
		const char *a = o->args[i], *v = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(monitor_usage, stdout);
			return -1;
		}
		if (strcmp(a, "--json") == 0) {
			m->json = 1;
			continue;
		}
		if (strncmp(a, "--match=", 8) == 0)
			v = a + 8;
		else if (strcmp(a, "--match") == 0 && i + 1 < o->nargs)
			v = o->args[++i];
		else if (strcmp(a, "--match") == 0)
			v = "";
		if (v == NULL) {
			fprintf(stderr, "mipc: monitor takes no argument ('%s'); "
			    "pick events with --match RULE\nTry 'mipc monitor --help' "
			    "for more.\n", a);
			return 2;
		}
		if (evrules_add(rules, v, strlen(v), err, sizeof err) == -1) {
			fprintf(stderr, "mipc: monitor: --match %s: %s\n", v, err);
			return 2;
		}
	}
	return 0;
}

int
cmd_monitor(struct options *o)
{
	static struct mon m;		/* its book is big: not on the stack */
	static struct evrules rules;
	struct jbuf req;
	int status;

	memset(&m, 0, sizeof m);
	evrules_init(&rules);
	if ((status = mon_options(o, &m, &rules)) != 0)
		return status == -1 ? 0 : status;
	const char *nc = getenv("NO_COLOR");
	if (isatty(1) && (nc == NULL || nc[0] == '\0'))
		m.flags |= EVR_COLOR;
	if (o->k.no_time)
		m.flags |= EVR_NOTIME;

	if ((m.sock = cli_connect(o)) == -1)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	jbuf_init(&req);
	jbuf_adds(&req, "monitor");
	if (rules.n > 0) {
		jbuf_addc(&req, ' ');
		evrules_format(&rules, &req);
	}
	jbuf_addc(&req, '\n');
	if (req.failed || write_all(m.sock, req.p, req.len) == -1) {
		fprintf(stderr, "mipc: cannot write to the kernel: %s\n",
		    req.failed ? "out of memory" : strerror(errno));
		jbuf_free(&req);
		close(m.sock);
		return 1;
	}
	jbuf_free(&req);

	m.cap = MONITOR_LINE_MAX;
	if ((m.buf = malloc(m.cap)) == NULL) {
		fprintf(stderr, "mipc: out of memory\n");
		close(m.sock);
		return 1;
	}
	evbook_init(&m.book);
	json_doc_init(&m.doc);
	jbuf_init(&m.line);
	/* ^C is let in only while waiting, in pselect: a signal that came
	   just before a blocking read would not end that read. */
	sigset_t block, before, waiting;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	(void)sigprocmask(SIG_BLOCK, &block, &before);
	waiting = before;
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGTERM);
	status = 0;
	while (!interrupted) {
		fd_set rd;
		if (m.sock >= FD_SETSIZE) {
			fprintf(stderr, "mipc: descriptor %d is too high to wait on\n", m.sock);
			status = 1;
			break;
		}
		FD_ZERO(&rd);
		FD_SET(m.sock, &rd);
		if (pselect(m.sock + 1, &rd, NULL, NULL, NULL, &waiting) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mipc: pselect: %s\n", strerror(errno));
			status = 1;
			break;
		}
		ssize_t n = read(m.sock, m.buf + m.len, m.cap - m.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "mipc: cannot read from the kernel: %s\n",
			    strerror(errno));
			status = 1;
			break;
		}
		if (n == 0) {
			/* Closed: the kernel stopped.  Before the answer, it
			   refused us without a word. */
			if (!m.answered) {
				fprintf(stderr, "mipc: the kernel closed the connection "
				    "before it answered\n");
				status = 1;
			}
			break;
		}
		m.len += (size_t)n;
		int r = mon_lines(&m);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			/* Nobody reads any more (`mipc monitor | head`): done. */
			if (errno != EPIPE) {
				fprintf(stderr, "mipc: standard output: %s\n", strerror(errno));
				status = 1;
			}
			break;
		}
		if (r != 0) {
			status = r - 1;
			break;
		}
	}
	(void)sigprocmask(SIG_SETMASK, &before, NULL);
	close(m.sock);
	free(m.buf);
	evbook_free(&m.book);
	json_doc_free(&m.doc);
	jbuf_free(&m.line);
	return status;
}
