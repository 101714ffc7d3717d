/* bench.c - placeholder until the command is written. */
#include <stdio.h>
#include "cli.h"
int
cmd_bench(struct options *o)
{
	(void)o;
	fprintf(stderr, "mipc: bench is not available yet\n");
	return 2;
}
