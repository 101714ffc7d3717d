/*
 * main.c - the mipc command: options, then run, kernel, attach, logs or bench.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kernel.h"
#include "listen.h"

static const char usage_text[] =
"usage: mipc COMMAND [OPTION]... [ARG]...\n"
"\n"
"A user-space simulation of a microkernel's message-passing IPC: a kernel\n"
"process forks simulated processes and routes their requests.\n"
"\n"
"Commands:\n"
"  run FILE...        run each scenario file in a fresh kernel, printing the trace;\n"
"                     exit 0 if every expect held, 1 if one failed, 2 on a usage\n"
"                     or syntax error\n"
"  kernel             serve manual clients on the socket until ^C or shutdown\n"
"  attach             a manual client of a running kernel (a prompt, or a pipe)\n"
"  logs [NAME] [-f]   list the logs of the last run, or print (follow) one\n"
"  bench              measure routing against a bare relay and a socketpair\n"
"  chart [EVENTS]     draw a run's events as a sequence chart (mipc chart --help)\n"
"  monitor            print a running kernel's events as they happen\n"
"\n"
"Options:\n"
"  --socket PATH      the kernel's socket (default $XDG_RUNTIME_DIR/microipc/\n"
"                     kernel.sock, else /tmp/microipc-UID/kernel.sock)\n"
"  --log-dir DIR      where the logs go (default ./logs)\n"
"  --slots N          process table and mailbox slots, 1 to 1024 (default 6;\n"
"                     the bench measures 6 and 1024)\n"
"  --queue N          messages in flight per link, 1 to 65536 (default 128)\n"
"  --timeout MS       how long a server has to answer (default 5000)\n"
"  --backend NAME     the event loop: kqueue, epoll or poll (see --backends)\n"
"  --scenario FILE    (kernel) run a scenario first, then stay up\n"
"  --no-time          leave timestamps and OS pids out of traces and logs\n"
"  --count N          (bench) round trips per latency figure, all runs together;\n"
"                     twice as many in each throughput run (default 100000)\n"
"  --rounds N         (bench) runs of every case, 1 to 25 (default 5): rt/s is\n"
"                     the median run, latency pools the runs' round trips\n"
"  --pin              (bench) run every process on one CPU\n"
"  --json             (bench) the figures as JSON\n"
"  --backends         list the event backends built in, best first\n"
"  --help, --version\n"
"\n"
"Scenario and console lines: run `mipc attach` and type help, or see README.md.\n";

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "mipc: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'mipc --help' for more.\n");
	exit(2);
}

static unsigned
number_option(const char *name, const char *v, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n < lo || n > hi) {
		fprintf(stderr, "mipc: %s takes a number from %lu to %lu, not '%s'\n",
		    name, lo, hi, v);
		exit(2);
	}
	return (unsigned)n;
}

/* Parses the options anywhere on the line; what is left goes to args. */
static void
parse_options(int argc, char **argv, struct options *o)
{
	static char sockbuf[PATH_MAX];

	memset(o, 0, sizeof *o);
	o->k.slots = MIPC_SLOTS_DEFAULT;
	o->k.queue = MIPC_QUEUE_DEFAULT;
	o->k.timeout_ms = MIPC_TIMEOUT_DEFAULT;
	o->k.log_dir = "logs";
	o->k.trace_fd = -1;
	o->args = calloc((size_t)argc + 1, sizeof *o->args);
	if (o->args == NULL)
		mipc_die(1, "out of memory");

	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *v = NULL, *eq;
		if (strcmp(a, "--") == 0) {
			while (++i < argc)
				o->args[o->nargs++] = argv[i];
			break;
		}
		/* chart and monitor read their own options (cli/chart.c). */
		int own = o->command != NULL ?
		    cli_own_option(o->command, argv + i, argc - i) : 0;
		for (int k = 0; k < own; k++)
			o->args[o->nargs++] = argv[i + k];
		if (own > 0) {
			i += own - 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (strcmp(a, "-f") == 0)
				o->follow = 1;
			else if (strcmp(a, "-h") == 0)
				o->help = 1;
			else if (a[0] == '-' && a[1] != '\0')
				usage_error("unknown option '%s'", a);
			else if (o->command == NULL)
				o->command = a;
			else
				o->args[o->nargs++] = a;
			continue;
		}
		static const char *const valued[] = { "--socket", "--log-dir",
		    "--slots", "--queue", "--timeout", "--backend", "--scenario",
		    "--count", "--rounds", NULL };
		int takes = 0;
		if ((eq = strchr(a, '=')) != NULL) {
			*eq = '\0';
			v = eq + 1;
		}
		for (int j = 0; valued[j] != NULL; j++)
			if (strcmp(a, valued[j]) == 0)
				takes = 1;
		if (takes && v == NULL) {
			if (i + 1 >= argc)
				usage_error("%s needs a value", a);
			v = argv[++i];
		} else if (!takes && v != NULL) {
			usage_error("%s takes no value", a);
		}
		if (takes && v[0] == '\0')
			usage_error("%s needs a value, not an empty one", a);
		if (strcmp(a, "--socket") == 0)
			o->k.socket_path = v;
		else if (strcmp(a, "--log-dir") == 0) {
			o->k.log_dir = v;
			o->log_dir_given = 1;
		} else if (strcmp(a, "--slots") == 0) {
			o->k.slots = number_option(a, v, 1, MIPC_SLOTS_MAX);
			o->slots_given = 1;
		}
		else if (strcmp(a, "--queue") == 0)
			o->k.queue = number_option(a, v, 1, MIPC_QUEUE_MAX);
		else if (strcmp(a, "--timeout") == 0)
			o->k.timeout_ms = number_option(a, v, 1, MIPC_TIMEOUT_MAX);
		else if (strcmp(a, "--backend") == 0)
			o->k.backend = v;
		else if (strcmp(a, "--scenario") == 0)
			o->scenario = v;
		else if (strcmp(a, "--count") == 0)
			o->count = number_option(a, v, 1, 100000000);
		else if (strcmp(a, "--rounds") == 0)
			o->rounds = number_option(a, v, 1, BENCH_ROUNDS_MAX);
		else if (strcmp(a, "--no-time") == 0)
			o->k.no_time = 1;
		else if (strcmp(a, "--help") == 0)
			o->help = 1;
		else if (strcmp(a, "--version") == 0)
			o->version = 1;
		else if (strcmp(a, "--backends") == 0)
			o->backends = 1;
		else if (strcmp(a, "--json") == 0)
			o->json = 1;
		else if (strcmp(a, "--pin") == 0)
			o->pin = 1;
		else
			usage_error("unknown option '%s'", a);
	}
	if (o->k.log_dir[0] == '\0')
		usage_error("--log-dir needs a directory%s", "");
	if (o->k.backend != NULL) {
		int found = 0;
		for (const char *const *b = ev_backends(); *b != NULL; b++)
			found |= strcmp(*b, o->k.backend) == 0;
		if (!found)
			usage_error("backend '%s' is not built in (see mipc --backends)",
			    o->k.backend);
	}
	o->socket_given = o->k.socket_path != NULL;
	if (o->k.socket_path == NULL) {
		if (listen_default_path(sockbuf, sizeof sockbuf) == -1)
			mipc_die(2, "the default socket path is too long: use --socket");
		o->k.socket_path = sockbuf;
	}
}

/* mipc run FILE...: each file in a fresh kernel. */
static int
cmd_run(struct options *o)
{
	struct kernel check;
	struct console **loaded;
	int bad = 0, failed = 0, status = 0;

	if (o->nargs == 0)
		usage_error("run needs a scenario FILE%s", "");
	/* Every file is read and checked before anything runs, and runs as
	   it was read then. */
	memset(&check, 0, sizeof check);
	if ((loaded = calloc((size_t)o->nargs, sizeof *loaded)) == NULL)
		mipc_die(1, "out of memory");
	for (int i = 0; i < o->nargs; i++) {
		if ((loaded[i] = console_new(&check, NULL)) == NULL)
			mipc_die(1, "out of memory");
		if (console_load(loaded[i], o->args[i], 1) == -1)
			bad = 1;
	}
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
		struct console *c = console_new(&k, NULL);
		if (c == NULL)
			mipc_die(1, "out of memory");
		console_take(c, loaded[i]);
		kernel_trace(&k, "microipc %s: %s on backend %s, %u slots, queue %u, "
		    "timeout %u ms", MIPC_VERSION, o->args[i], ev_name(k.ev),
		    cfg.slots, cfg.queue, cfg.timeout_ms);
		kernel_loop(&k);
		int interrupted = k.stopping == 2;
		console_counts(c, &held, &nfail);
		kernel_free(&k);
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
out:
	for (int i = 0; i < o->nargs; i++)
		if (loaded[i] != NULL)
			console_free(&check, loaded[i]);
	free(loaded);
	return status;
}

/* mipc kernel: serve clients until a signal or shutdown. */
static int
cmd_kernel(struct options *o)
{
	struct kernel k;
	struct kconfig cfg = o->k;

	if (o->nargs > 0)
		usage_error("kernel takes no argument ('%s')", o->args[0]);
	struct kernel check;
	struct console *loaded = NULL;
	memset(&check, 0, sizeof check);
	if (o->scenario != NULL) {
		if ((loaded = console_new(&check, NULL)) == NULL)
			mipc_die(1, "out of memory");
		if (console_load(loaded, o->scenario, 0) == -1) {
			console_free(&check, loaded);
			return 2;
		}
	}
	/* Served, the kernel never waits for its trace's reader. */
	cfg.trace = NULL;
	cfg.trace_fd = 1;
	if (kernel_init(&k, &cfg) == -1) {
		kernel_free(&k);
		if (loaded != NULL)
			console_free(&check, loaded);
		return 1;
	}
	kernel_trace(&k, "microipc %s: kernel on %s, backend %s, %u slots, queue %u, "
	    "timeout %u ms; stop with ^C or shutdown", MIPC_VERSION, cfg.socket_path,
	    ev_name(k.ev), cfg.slots, cfg.queue, cfg.timeout_ms);
	if (loaded != NULL) {
		struct console *c = console_new(&k, NULL);
		if (c == NULL)
			mipc_die(1, "out of memory");
		console_take(c, loaded);
		console_free(&check, loaded);
	}
	int status = kernel_loop(&k);
	kernel_free(&k);
	return status;
}

static int
dispatch(struct options *o)
{
	if (o->version) {
		printf("mipc %s\n", MIPC_VERSION);
		return 0;
	}
	if (o->backends) {
		for (const char *const *b = ev_backends(); *b != NULL; b++)
			printf("%s\n", *b);
		return 0;
	}
	if (o->help || o->command == NULL || strcmp(o->command, "help") == 0) {
		int asked = o->help || o->command != NULL;
		fputs(usage_text, asked ? stdout : stderr);
		return asked ? 0 : 2;
	}
	static const struct {
		const char *name;
		int (*run)(struct options *);
	} commands[] = { { "run", cmd_run }, { "kernel", cmd_kernel },
	    { "attach", cmd_attach }, { "logs", cmd_logs }, { "bench", cmd_bench },
	    { "chart", cmd_chart }, { "monitor", cmd_monitor } };
	const char *cmd = o->command;
	/* The first option only the bench takes, if any (each sets its field). */
	const char *bench_opt = o->count ? "--count" : o->rounds ? "--rounds" :
	    o->json ? "--json" : o->pin ? "--pin" : NULL;

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(cmd, commands[i].name) != 0)
			continue;
		/* An option another command takes is refused, not ignored. */
		if (bench_opt != NULL && strcmp(cmd, "bench") != 0)
			usage_error("%s applies to mipc bench only", bench_opt);
		if (o->scenario != NULL && strcmp(cmd, "kernel") != 0)
			usage_error("--scenario applies to mipc kernel only%s", "");
		if (o->follow && strcmp(cmd, "logs") != 0)
			usage_error("-f applies to mipc logs only%s", "");
		if (o->slots_given && strcmp(cmd, "bench") == 0)
			usage_error("--slots does not apply to mipc bench: it measures "
			    "6 and 1024 slots%s", "");
		return commands[i].run(o);
	}
	usage_error("unknown command '%s'", cmd);
	return 2;
}

int
main(int argc, char **argv)
{
	static struct options o;	/* static: reachable until exit */
	int status;

	parse_options(argc, argv, &o);
	status = dispatch(&o);
	free(o.args);
	return status;
}
