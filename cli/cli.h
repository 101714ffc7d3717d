/*
 * cli.h - the mipc command's options and subcommands.
 */
#ifndef MIPC_CLI_H
#define MIPC_CLI_H

#include "kernel.h"

struct options {
	struct kconfig	 k;		/* the kernel's settings */
	const char	*command;
	char		**args;		/* what is left after the options */
	int		 nargs;
	const char	*scenario;	/* kernel --scenario FILE */
	int		 socket_given;	/* --socket was on the command line */
	int		 log_dir_given;	/* and --log-dir */
	int		 slots_given;	/* and --slots */
	int		 follow;	/* logs -f */
	int		 help, version, backends;
	int		 json, pin;	/* bench --json, --pin */
	unsigned	 count;		/* bench --count N */
	unsigned	 rounds;	/* bench --rounds N */
};

#define BENCH_ROUNDS_MAX 25	/* --rounds */

/*
 * A usage error: "mipc: MESSAGE" and "Try 'mipc COMMAND --help'." (or
 * 'mipc --help' before a command is known) on stderr, then exit status 2.
 */
void	cli_usage_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* Connects to the kernel on o's socket.  Returns the fd, or -1 having said
   why on stderr (with how to start one, when none runs there). */
int	cli_connect(const struct options *o);

int	cmd_attach(struct options *o);	/* attach.c */
int	cmd_logs(struct options *o);	/* logs.c */
int	cmd_bench(struct options *o);	/* bench.c */
int	cmd_chart(struct options *o);	/* chart.c */
int	cmd_monitor(struct options *o);	/* monitor.c */
/* chart.c: how many words at argv[0] are an option of chart's or monitor's
   own (2: with its value), which main leaves in o->args for them; or 0. */
int	cli_own_option(const char *command, char *const *argv, int argc);

#endif
