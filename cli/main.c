/*
 * main.c - the mipc command: which command, which options, then its work.
 *
 * Each command is one entry of the table below: its function, the options
 * it takes, how many arguments, and its usage.  The options are read here,
 * once, for every command; an option that a command does not take is
 * refused, never ignored, and every usage error has one shape:
 *
 *     mipc: MESSAGE
 *     Try 'mipc COMMAND --help'.
 *
 * with exit status 2.  A command's --help lists exactly the options it
 * takes, from the same table that decides what it accepts.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "cli.h"
#include "help.h"
#include "kernel.h"
#include "listen.h"
#include "platform.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* Every option, as a bit of a command's `takes`. */
enum {
	OPT_SOCKET	= 1u << 0,
	OPT_LOG_DIR	= 1u << 1,
	OPT_SLOTS	= 1u << 2,
	OPT_QUEUE	= 1u << 3,
	OPT_TIMEOUT	= 1u << 4,
	OPT_BACKEND	= 1u << 5,
	OPT_NO_TIME	= 1u << 6,
	OPT_SCENARIO	= 1u << 7,
	OPT_FOLLOW	= 1u << 8,
	OPT_COUNT	= 1u << 9,
	OPT_ROUNDS	= 1u << 10,
	OPT_PIN		= 1u << 11,
	OPT_JSON	= 1u << 12,
	OPT_HELP	= 1u << 13,
	OPT_VERSION	= 1u << 14,	/* alone: mipc --version */
	OPT_BACKENDS	= 1u << 15,	/* alone: mipc --backends */
	OPT_EVENTS	= 1u << 16,
	OPT_DEADLOCK	= 1u << 17,
	OPT_CHART	= 1u << 18,
};
#define OPT_ALONE	(OPT_HELP | OPT_VERSION | OPT_BACKENDS)
/* What a kernel is built with. */
#define OPT_KERNEL	(OPT_LOG_DIR | OPT_SLOTS | OPT_QUEUE | OPT_TIMEOUT | \
			 OPT_BACKEND | OPT_NO_TIME | OPT_EVENTS | OPT_DEADLOCK)

/*
 * The options, in the order a usage lists them.  help is what a command's
 * usage says of it, unless the command says it otherwise (overrides).
 */
static const struct optdef {
	const char	*name;
	const char	*alias;		/* a short form, or NULL */
	unsigned	 bit;
	const char	*value;		/* what its value is called; NULL: none */
	const char	*help;		/* lines after the first indented */
} optdefs[] = {
	{ "--socket", NULL, OPT_SOCKET, "PATH",
	  "the kernel's socket (default $XDG_RUNTIME_DIR/microipc/\n"
	  "kernel.sock, else /tmp/microipc-UID/kernel.sock)" },
	{ "--log-dir", NULL, OPT_LOG_DIR, "DIR",
	  "where the logs go (default ./logs); a new run replaces\n"
	  "the last run's logs there, and leaves other files alone" },
	{ "--slots", NULL, OPT_SLOTS, "N",
	  "process table and mailbox slots, 1 to " STR(MIPC_SLOTS_MAX)
	  " (default " STR(MIPC_SLOTS_DEFAULT) ")" },
	{ "--queue", NULL, OPT_QUEUE, "N",
	  "messages in flight per link, 1 to " STR(MIPC_QUEUE_MAX)
	  " (default " STR(MIPC_QUEUE_DEFAULT) ")" },
	{ "--timeout", NULL, OPT_TIMEOUT, "MS",
	  "how long a server has to answer, 1 to " STR(MIPC_TIMEOUT_MAX)
	  " ms\n(default " STR(MIPC_TIMEOUT_DEFAULT) ")" },
	{ "--backend", NULL, OPT_BACKEND, "NAME",
	  "the event loop: kqueue, epoll or poll (default: the best\n"
	  "built in; mipc --backends lists them, best first)" },
	{ "--no-time", NULL, OPT_NO_TIME, NULL,
	  "leave timestamps and OS pids out of the trace and logs" },
	{ "--events", NULL, OPT_EVENTS, "FILE",
	  "the event record (default LOGDIR/events.jsonl)" },
	{ "--deadlock", NULL, OPT_DEADLOCK, "MODE",
	  "report (the default: the calls wait, and end in\n"
	  "ETIMEDOUT) or refuse (the call that would close the\n"
	  "cycle is answered ERR EDEADLK)" },
	{ "--chart", NULL, OPT_CHART, "FILE",
	  "after the last file, draw the run into FILE: .svg, .json\n"
	  "(Perfetto), .mmd or .md (Mermaid; in a .md, fenced as\n"
	  "GitHub draws it); as mipc chart -o FILE draws the record" },
	{ "--scenario", NULL, OPT_SCENARIO, "FILE",
	  "run a scenario first, then stay up" },
	{ "--follow", "-f", OPT_FOLLOW, NULL,
	  "go on printing what is added to the log, until ^C" },
	{ "--count", NULL, OPT_COUNT, "N",
	  "round trips per latency figure, all runs together;\n"
	  "twice as many in each throughput run (default 100000)" },
	{ "--rounds", NULL, OPT_ROUNDS, "N",
	  "runs of every case, 1 to " STR(BENCH_ROUNDS_MAX) " (default 5): rt/s is\n"
	  "the median run, latency pools the runs' round trips" },
	{ "--pin", NULL, OPT_PIN, NULL, "run every process on one CPU" },
	{ "--json", NULL, OPT_JSON, NULL, "the figures as JSON" },
	{ "--help", "-h", OPT_HELP, NULL, "this text" },
	{ "--version", NULL, OPT_VERSION, NULL, NULL },
	{ "--backends", NULL, OPT_BACKENDS, NULL, NULL },
};

static int	cmd_run(struct options *);
static int	cmd_kernel(struct options *);
static int	cmd_help(struct options *);

#define CMD_DEFAULT_SOCKET	0x1	/* no --socket: the default path */

/*
 * The commands.  Adding one is an entry here: its function, the options
 * it takes, its arguments, a line for mipc --help and its own usage.
 */
static const struct command {
	const char	*name;
	int		(*run)(struct options *);
	unsigned	 takes;		/* OPT_ bits */
	unsigned	 flags;		/* CMD_ bits */
	int		 min_args, max_args;	/* max -1: any number */
	const char	*args;		/* as the usage line writes them */
	const char	*said;		/* the arguments as a message says them */
	const char	*summary;	/* its line in mipc --help */
	const char	*about;		/* its usage, after the usage line */
} commands[] = {
	{ "run", cmd_run, OPT_KERNEL | OPT_SOCKET | OPT_CHART | OPT_HELP, 0, 1, -1,
	  "FILE...", "a scenario FILE",
	  "run each scenario file in a fresh kernel, with its trace",
	  "Runs each scenario file in a fresh kernel, in order, and prints the\n"
	  "trace.  Every file is read and checked before anything runs.\n"
	  "Exit status: 0 if every expect held, 1 if one failed (the trace names\n"
	  "its file and line), 2 on a usage or syntax error, or a --chart that\n"
	  "cannot be drawn.\n" },
	{ "kernel", cmd_kernel, OPT_KERNEL | OPT_SOCKET | OPT_SCENARIO | OPT_HELP,
	  CMD_DEFAULT_SOCKET, 0, 0, "", NULL,
	  "serve manual clients on a socket until ^C or shutdown",
	  "Starts a kernel that serves manual clients (mipc attach, nc -U,\n"
	  "socat) on its socket until SIGINT, SIGTERM or the shutdown verb.\n" },
	{ "attach", cmd_attach, OPT_SOCKET | OPT_HELP, CMD_DEFAULT_SOCKET, 0, 0,
	  "", NULL,
	  "a manual client of a running kernel (a prompt, or a pipe)",
	  "Connects to a running kernel as a simulated process of its own.  On\n"
	  "a terminal it is a prompt; from a pipe it sends each line once the\n"
	  "one before is answered.  Type help for the verbs, quit to leave.\n" },
	{ "logs", cmd_logs, OPT_LOG_DIR | OPT_FOLLOW | OPT_HELP, 0, 0, 1,
	  "[NAME]", "one NAME",
	  "list the logs of the last run, or print (-f: follow) one",
	  "Without NAME, lists the logs of the last run; with NAME, prints that\n"
	  "process's log (kernel: the kernel's own).  With -f it waits for a log\n"
	  "that is not there yet (it says so), and follows a new run's.\n" },
	{ "bench", cmd_bench, OPT_LOG_DIR | OPT_QUEUE | OPT_TIMEOUT | OPT_BACKEND |
	  OPT_NO_TIME | OPT_COUNT | OPT_ROUNDS | OPT_PIN | OPT_JSON | OPT_HELP,
	  0, 0, 0, "", NULL,
	  "measure routing against a bare relay and a socketpair",
	  "Times round trips through a kernel with 6 and 1024 slots, beside the\n"
	  "floors: a socketpair ping-pong and a relay that only forwards.\n" },
	{ "chart", cmd_chart, OPT_LOG_DIR | OPT_NO_TIME | OPT_HELP, 0, 0, -1,
	  "[EVENTS]", NULL,
	  "draw a run's event record as a sequence chart",
	  NULL /* cli/chart.c has its own usage */ },
	{ "monitor", cmd_monitor, OPT_SOCKET | OPT_NO_TIME | OPT_HELP,
	  CMD_DEFAULT_SOCKET, 0, -1, "", NULL,
	  "print a running kernel's events as they happen",
	  NULL /* cli/monitor.c has its own usage */ },
	{ "help", cmd_help, OPT_HELP, 0, 0, 1, "[TOPIC]", "one TOPIC",
	  "this text; mipc help scenario, or a verb: the console language",
	  "Without TOPIC, this text.  mipc help scenario says what the console\n"
	  "and scenario language is, with every verb; mipc help VERB (spawn,\n"
	  "kill, expect, monitor, ...) says more of one.  No kernel is needed.\n" },
};

/* What a command's usage says of an option, where the option's own help
   does not fit it. */
static const struct {
	const char	*command;
	unsigned	 bit;
	const char	*help;
} overrides[] = {
	{ "run", OPT_SOCKET, "also serve manual clients on PATH while it runs\n"
	  "(by default a run listens on no socket)" },
	{ "kernel", OPT_SOCKET, "serve on PATH (default $XDG_RUNTIME_DIR/microipc/\n"
	  "kernel.sock, else /tmp/microipc-UID/kernel.sock).  Its\n"
	  "directory must be yours, and no one else may write to it\n"
	  "or enter it; one that does not exist is made 0700" },
	{ "logs", OPT_LOG_DIR, "where the logs are (default ./logs)" },
	{ "bench", OPT_LOG_DIR, "keep the kernels' logs in DIR (default: a\n"
	  "directory of its own under $TMPDIR, removed at the end)" },
};

/* Why an option a command does not take makes no sense there, where the
   plain "does not apply" would leave the user guessing. */
static const struct {
	const char	*command;
	unsigned	 bit;
	const char	*why;
} refusals[] = {
	{ "bench", OPT_SLOTS, "it measures 6 and 1024 slots" },
};

static const char usage_text[] =
"usage: mipc COMMAND [OPTION]... [ARG]...\n"
"\n"
"A user-space simulation of a microkernel's message-passing IPC: a kernel\n"
"process forks simulated processes and routes their requests.\n"
"\n"
"Commands:\n";

static const char usage_tail[] =
"\n"
"  mipc COMMAND --help  a command's own options\n"
"  mipc --backends      the event backends built in, best first\n"
"  mipc --version\n"
"\n"
"Scenario and console lines: run `mipc attach` and type help, or see README.md.\n";

static const struct command *command;	/* the one on the line, once known */
static const char *chart_path;		/* run --chart FILE */

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mipc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (command != NULL)
		fprintf(stderr, "\nTry 'mipc %s --help'.\n", command->name);
	else
		fputs("\nTry 'mipc --help'.\n", stderr);
	exit(2);
}

/* The option a word names, with or without its "=VALUE", or NULL. */
static const struct optdef *
optdef_named(const char *word)
{
	size_t n = strcspn(word, "=");

	for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++) {
		const struct optdef *d = &optdefs[i];
		if ((strlen(d->name) == n && strncmp(word, d->name, n) == 0) ||
		    (d->alias != NULL && strcmp(word, d->alias) == 0))
			return d;
	}
	return NULL;
}

static const struct command *
command_named(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Prints help with every line after the first indented to column col. */
static void
indented(FILE *f, const char *help, int col)
{
	for (const char *p = help; *p != '\0'; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "%*s", col, "");
	}
	fputc('\n', f);
}

static void
global_usage(FILE *f)
{
	fputs(usage_text, f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		char head[64];
		snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].args);
		fprintf(f, "  %-18s ", head);
		indented(f, commands[i].summary, 21);
	}
	fputs(usage_tail, f);
}

/* mipc COMMAND --help: its usage line, what it does, and its options. */
static void
command_usage(const struct command *c)
{
	printf("usage: mipc %s%s%s%s\n\n", c->name,
	    (c->takes & ~OPT_HELP) != 0 ? " [OPTION]..." : "",
	    c->args[0] != '\0' ? " " : "", c->args);
	if (c->about != NULL)
		printf("%s\n", c->about);
	printf("Options:\n");
	for (size_t i = 0; i < sizeof optdefs / sizeof optdefs[0]; i++) {
		const struct optdef *d = &optdefs[i];
		const char *help = d->help;
		char head[64];
		if ((c->takes & d->bit) == 0 || help == NULL)
			continue;
		for (size_t j = 0; j < sizeof overrides / sizeof overrides[0]; j++)
			if (overrides[j].bit == d->bit &&
			    strcmp(overrides[j].command, c->name) == 0)
				help = overrides[j].help;
		snprintf(head, sizeof head, "%s%s%s%s%s", d->alias ? d->alias : "",
		    d->alias ? ", " : "", d->name, d->value ? " " : "",
		    d->value ? d->value : "");
		printf("  %-18s ", head);
		indented(stdout, help, 21);
	}
}

/* "run, kernel and bench": the commands that take the option, into buf.
   Returns how many. */
static int
takers(unsigned bit, char *buf, size_t size)
{
	int n = 0, k = 0;

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		n += (commands[i].takes & bit) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		size_t len = strlen(buf);
		if ((commands[i].takes & bit) == 0)
			continue;
		k++;
		snprintf(buf + len, size - len, "%s%s", k == 1 ? "" : k == n ?
		    " and " : ", ", commands[i].name);
	}
	return n;
}

/* Refuses an option the command does not take, saying which take it. */
static void
not_taken(const struct optdef *d, const char *as)
{
	char list[256];
	int n = takers(d->bit, list, sizeof list);

	if (d->bit & (OPT_VERSION | OPT_BACKENDS))
		cli_usage_error("%s goes alone: mipc %s", as, d->name);
	if (command == NULL && n == 1)
		cli_usage_error("%s goes with a command: mipc %s %s", as, list, as);
	if (command == NULL)
		cli_usage_error("%s goes with a command (%s): mipc COMMAND %s", as,
		    list, as);
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
		if (refusals[i].bit == d->bit &&
		    strcmp(refusals[i].command, command->name) == 0)
			cli_usage_error("%s does not apply to mipc %s: %s", as,
			    command->name, refusals[i].why);
	if (n == 1)
		cli_usage_error("%s applies to mipc %s only", as, list);
	cli_usage_error("%s does not apply to mipc %s (only to %s)", as,
	    command->name, list);
}

static unsigned
number_option(const char *name, const char *v, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n < lo || n > hi)
		cli_usage_error("%s takes a number from %lu to %lu, not '%s'", name,
		    lo, hi, v);
	return (unsigned)n;
}

/*
 * The command is the first word that is neither an option nor the value of
 * one, before any "--".  Found first, so that every error about an option
 * can point at the command's usage.
 */
static const char *
find_command(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct optdef *d;
		if (strcmp(a, "--") == 0)
			return NULL;
		if (a[0] != '-' || a[1] == '\0')
			return a;
		if ((d = optdef_named(a)) != NULL && d->value != NULL &&
		    strchr(a, '=') == NULL)
			i++;
	}
	return NULL;
}

/* Reads the options, anywhere on the line; the rest goes to args. */
static void
parse_options(int argc, char **argv, struct options *o)
{
	static char sockbuf[PATH_MAX];
	int seen_command = 0;
	unsigned given = 0;

	memset(o, 0, sizeof *o);
	o->k.slots = MIPC_SLOTS_DEFAULT;
	o->k.queue = MIPC_QUEUE_DEFAULT;
	o->k.timeout_ms = MIPC_TIMEOUT_DEFAULT;
	o->k.log_dir = "logs";
	o->k.trace_fd = -1;
	o->args = calloc((size_t)argc + 1, sizeof *o->args);
	if (o->args == NULL)
		mipc_die(1, "out of memory");

	if ((o->command = find_command(argc, argv)) != NULL &&
	    (command = command_named(o->command)) == NULL)
		cli_usage_error("unknown command '%s'", o->command);

	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *v = NULL, *eq;
		const struct optdef *d;

		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				o->args[o->nargs++] = argv[i];
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (seen_command++ > 0)
				o->args[o->nargs++] = a;
			continue;
		}
		/* chart and monitor read their own options (cli/chart.c). */
		int own = seen_command > 0 ? cli_own_option(o->command, argv + i,
		    argc - i) : 0;
		if (own > 0) {
			for (int k = 0; k < own; k++)
				o->args[o->nargs++] = argv[i + k];
			i += own - 1;
			continue;
		}
		if ((d = optdef_named(a)) == NULL)
			cli_usage_error("unknown option '%.*s'", (int)strcspn(a, "="), a);
		if ((eq = strchr(a, '=')) != NULL) {
			*eq = '\0';
			v = eq + 1;
		}
		if (command == NULL ? (d->bit & OPT_ALONE) == 0 :
		    (command->takes & d->bit) == 0)
			not_taken(d, a);
		if (d->value != NULL && v == NULL) {
			if (i + 1 >= argc)
				cli_usage_error("%s needs a value: %s %s", a, d->name,
				    d->value);
			v = argv[++i];
		} else if (d->value == NULL && v != NULL) {
			cli_usage_error("%s takes no value", a);
		}
		if (v != NULL && v[0] == '\0')
			cli_usage_error("%s needs a value, not an empty one", a);
		given |= d->bit;
		switch (d->bit) {
		case OPT_SOCKET:
			o->k.socket_path = v;
			break;
		case OPT_LOG_DIR:
			o->k.log_dir = v;
			o->log_dir_given = 1;
			break;
		case OPT_SLOTS:
			o->k.slots = number_option(a, v, 1, MIPC_SLOTS_MAX);
			o->slots_given = 1;
			break;
		case OPT_QUEUE:
			o->k.queue = number_option(a, v, 1, MIPC_QUEUE_MAX);
			break;
		case OPT_TIMEOUT:
			o->k.timeout_ms = number_option(a, v, 1, MIPC_TIMEOUT_MAX);
			break;
		case OPT_BACKEND:
			o->k.backend = v;
			break;
		case OPT_NO_TIME:
			o->k.no_time = 1;
			break;
		case OPT_SCENARIO:
			o->scenario = v;
			break;
		case OPT_EVENTS:
			o->k.events_path = v;
			break;
		case OPT_CHART:
			chart_path = v;
			break;
		case OPT_DEADLOCK:
			if (strcmp(v, "report") != 0 && strcmp(v, "refuse") != 0)
				cli_usage_error("--deadlock takes report or refuse, not '%s'", v);
			o->k.refuse_deadlock = strcmp(v, "refuse") == 0;
			break;
		case OPT_FOLLOW:
			o->follow = 1;
			break;
		case OPT_COUNT:
			o->count = number_option(a, v, 1, 100000000);
			break;
		case OPT_ROUNDS:
			o->rounds = number_option(a, v, 1, BENCH_ROUNDS_MAX);
			break;
		case OPT_PIN:
			o->pin = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_HELP:
			o->help = 1;
			break;
		case OPT_VERSION:
			o->version = 1;
			break;
		case OPT_BACKENDS:
			o->backends = 1;
			break;
		}
	}
	if (command == NULL || o->help)
		return;
	if (o->nargs < command->min_args)
		cli_usage_error("%s needs %s", command->name, command->said);
	if (command->max_args == 0 && o->nargs > 0)
		cli_usage_error("%s takes no argument ('%s')", command->name, o->args[0]);
	if (command->max_args > 0 && o->nargs > command->max_args)
		cli_usage_error("%s takes %s at most ('%s' is one too many)",
		    command->name, command->said, o->args[command->max_args]);
	if (o->k.backend != NULL) {
		int found = 0;
		for (const char *const *b = ev_backends(); *b != NULL; b++)
			found |= strcmp(*b, o->k.backend) == 0;
		if (!found)
			cli_usage_error("backend '%s' is not built in (see mipc "
			    "--backends)", o->k.backend);
	}
	o->socket_given = (given & OPT_SOCKET) != 0;
	if (o->socket_given && strlen(o->k.socket_path) > listen_path_max())
		cli_usage_error("--socket %s is too long for a Unix socket (%zu bytes, "
		    "at most %zu): choose a shorter one", o->k.socket_path,
		    strlen(o->k.socket_path), listen_path_max());
	if (!o->socket_given && (command->flags & CMD_DEFAULT_SOCKET)) {
		if (listen_default_path(sockbuf, sizeof sockbuf) == -1 ||
		    strlen(sockbuf) > listen_path_max())
			cli_usage_error("the default socket path is too long (from "
			    "$XDG_RUNTIME_DIR): give one with --socket");
		o->k.socket_path = sockbuf;
	}
}

/*
 * run --chart FILE: the run drawn from its record once the last file is
 * done (not when it was interrupted), as mipc chart -o FILE draws it.
 * Returns 0, or 2 after the chart's own message and a line saying where
 * the record is: the chart asked for is not there.
 */
static int
run_chart(const struct options *o)
{
	struct chart_opts co;
	char events[4096];

	memset(&co, 0, sizeof co);
	co.format = chart_format_of(chart_path);
	co.no_time = o->k.no_time;
	if (o->k.events_path != NULL)
		snprintf(events, sizeof events, "%s", o->k.events_path);
	else
		snprintf(events, sizeof events, "%s/events.jsonl", o->k.log_dir);
	fflush(stdout);
	if (chart_draw(events, chart_path, &co) == 0)
		return 0;
	fprintf(stderr, "mipc: --chart %s was not drawn; draw the run's record (%s) "
	    "with mipc chart\n", chart_path, events);
	return 2;
}

/* mipc run FILE...: each file in a fresh kernel. */
static int
cmd_run(struct options *o)
{
	struct script *loaded;
	int bad = 0, failed = 0, status = 0;

	/* The format is the file's: known before anything runs. */
	if (chart_path != NULL && chart_format_of(chart_path) == CHART_AUTO)
		cli_usage_error("--chart %s: the file's name says the format: .svg, "
		    ".json (Perfetto), .mmd or .md (Mermaid)", chart_path);
	/* Every file is read and checked before anything runs, and runs as
	   it was read then (a pipe or /dev/stdin could not be read again). */
	if ((loaded = calloc((size_t)o->nargs, sizeof *loaded)) == NULL)
		mipc_die(1, "out of memory");
	for (int i = 0; i < o->nargs; i++)
		if (script_load(&loaded[i], o->args[i], stderr) == -1)
			bad = 1;
	if (bad) {
		status = 2;
		goto out;
	}

	struct kconfig cfg = o->k;
	cfg.trace = stdout;
	cfg.trace_fd = -1;
	if (!o->socket_given)
		cfg.socket_path = NULL;
	for (int i = 0; i < o->nargs; i++) {
		struct kernel k;
		unsigned held, nfail;

		cfg.keep_logs = i > 0;
		if (kernel_init(&k, &cfg) == -1) {
			kernel_free(&k);
			status = 2;
			goto out;
		}
		struct console *c = kernel_scenario(&k, &loaded[i], 1);
		if (c == NULL)
			mipc_die(1, "out of memory");
		trace_log(&k.trace, "microipc %s: %s on backend %s, %u slots, queue %u, "
		    "timeout %u ms", MIPC_VERSION, o->args[i], ev_name(k.ev),
		    cfg.slots, cfg.queue, cfg.timeout_ms);
		kernel_loop(&k);
		int interrupted = k.stopping == KSTOP_SIGNAL;
		console_counts(c, &held, &nfail);
		kernel_free(&k);
		/* The next file's kernel goes on with the same record. */
		cfg.events_seq = k.sv.record.seq;
		cfg.events_t0_us = k.sv.record.t0_us;
		printf("== %s: %u expect%s held, %u failed%s\n", o->args[i], held,
		    held == 1 ? "" : "s", nfail, interrupted ? " (interrupted)" : "");
		fflush(stdout);
		if (nfail > 0) {
			fprintf(stderr, "mipc: %s: %u expect%s failed (see the trace)\n",
			    o->args[i], nfail, nfail == 1 ? "" : "s");
			failed = 1;
		}
		if (interrupted) {
			fprintf(stderr, "mipc: interrupted\n");
			status = 1;
			goto out;
		}
	}
	status = failed;
	if (chart_path != NULL && run_chart(o) != 0)
		status = 2;
out:
	for (int i = 0; i < o->nargs; i++)
		script_free(&loaded[i]);
	free(loaded);
	return status;
}

/* mipc kernel: serve clients until a signal or shutdown. */
static int
cmd_kernel(struct options *o)
{
	struct kernel k;
	struct kconfig cfg = o->k;
	struct script loaded = { 0 };

	if (o->scenario != NULL && script_load(&loaded, o->scenario, stderr) == -1)
		return 2;
	/* Served, the kernel never waits for its trace's reader. */
	cfg.trace = NULL;
	cfg.trace_fd = 1;
	if (kernel_init(&k, &cfg) == -1) {
		int status = k.status == 2 ? 2 : 1;
		kernel_free(&k);
		script_free(&loaded);
		return status;
	}
	trace_log(&k.trace, "microipc %s: kernel on %s, backend %s, %u slots, queue %u, "
	    "timeout %u ms; stop with ^C or shutdown", MIPC_VERSION, cfg.socket_path,
	    ev_name(k.ev), cfg.slots, cfg.queue, cfg.timeout_ms);
	/* What this terminal shows, and where the rest is. */
	trace_out(&k.trace, "this terminal shows what children are sent, their exits, "
	    "deadlocks and scenario lines; every request and answer: mipc monitor, "
	    "or mipc logs kernel -f (logs in %s)", cfg.log_dir);
	if (o->scenario != NULL && kernel_scenario(&k, &loaded, 0) == NULL)
		mipc_die(1, "out of memory");
	int status = kernel_loop(&k);
	kernel_free(&k);
	return status;
}

/* mipc help: the commands.  (Help on a console verb: mipc attach, help.) */
/* One line of the console's help, on f. */
static void
help_line(void *f, const char *s)
{
	fprintf(f, "%s\n", s);
}

static int
cmd_help(struct options *o)
{
	if (o->nargs == 0) {
		global_usage(stdout);
		return 0;
	}
	/* A console verb, or the scenario language as a whole: from the
	   table the console's own help prints, no kernel needed. */
	if (o->nargs > 1)
		cli_usage_error("help takes one TOPIC ('%s' is one too many)", o->args[1]);
	/* monitor and help are verbs as well as commands: the verb's help,
	   and where the command's is. */
	if (gram_help_topic(o->args[0], help_line, stdout) == 0) {
		if (command_named(o->args[0]) != NULL)
			printf("\n(mipc %s is also a command: mipc %s --help)\n",
			    o->args[0], o->args[0]);
		return 0;
	}
	if (command_named(o->args[0]) != NULL) {
		fprintf(stderr, "mipc: %s is a command: mipc %s --help\n", o->args[0],
		    o->args[0]);
		return 2;
	}
	fprintf(stderr, "mipc: no help on '%s': try mipc help scenario, or one of its "
	    "verbs (spawn, kill, expect, ...)\n", o->args[0]);
	return 2;
}

int
main(int argc, char **argv)
{
	static struct options o;	/* static: reachable until exit */
	int status;

	/* Before anything reads argv: the arguments are moved elsewhere, so
	   that a child can write its title over them. */
	plat_save_argv(argc, argv);
	parse_options(argc, argv, &o);
	if (o.version) {
		printf("mipc %s\n", MIPC_VERSION);
		status = 0;
	} else if (o.backends) {
		for (const char *const *b = ev_backends(); *b != NULL; b++)
			printf("%s\n", *b);
		status = 0;
	} else if (command == NULL) {
		/* mipc alone, or mipc --help */
		global_usage(o.help ? stdout : stderr);
		status = o.help ? 0 : 2;
	} else if (o.help) {
		command_usage(command);
		status = 0;
	} else {
		status = command->run(&o);
	}
	free(o.args);
	return status;
}
