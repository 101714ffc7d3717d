/*
 * chart.c - mipc chart: its options, and a record drawn into a file.
 *
 *   mipc chart [--format mermaid|svg|perfetto] [--from SEQ] [--to SEQ]
 *              [--match RULE]... [-o FILE] [EVENTS]
 *
 * chart_read.c reads the record into a run, chart_mermaid.c, chart_svg.c
 * and chart_perfetto.c draw it; the chart is made whole in memory and
 * written only then, so that a refused one leaves nothing behind.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "chart_run.h"
#include "cli.h"
#include "log.h"

static const char chart_usage[] =
"usage: mipc chart [--format mermaid|svg|perfetto] [--from SEQ] [--to SEQ]\n"
"                  [--match RULE]... [-o FILE] [EVENTS]\n"
"\n"
"Draws a run's event record as a message sequence chart: one lifeline per\n"
"process in the order they appeared, each message delivered and its reply,\n"
"drops and failed requests in red, and registers, links and removes as notes.\n"
"\n"
"  EVENTS          the record (default LOGDIR/events.jsonl; LOGDIR is\n"
"                  --log-dir, default ./logs)\n"
"  --format F      mermaid: a sequenceDiagram that GitHub renders (in a\n"
"                  ```mermaid fence when -o names a .md file)\n"
"                  svg: a self-contained picture with a time axis\n"
"                  perfetto: Chrome trace-event JSON for ui.perfetto.dev\n"
"                  (default: from -o's extension, .svg .json .mmd .md; else mermaid)\n"
"  --from SEQ      draw from event SEQ on\n"
"  --to SEQ        draw up to event SEQ\n"
"  --match RULE    draw what the events matching RULE show; RULE is\n"
"                  key=value[,key=value]... (all pairs hold); given again, an\n"
"                  event matching any RULE is drawn.  Keys: seq ev name pid how\n"
"                  line re text msg from to port code reason cycle\n"
"  -o FILE         write to FILE (default: standard output)\n"
"  --no-time       rows in event order, even where times were recorded\n"
"  --log-dir DIR   where the last run's record is (default ./logs)\n"
"  -h, --help      this text\n"
"\n"
"Mermaid draws no text over 50000 characters (its maxTextSize, which GitHub\n"
"keeps): a longer chart is refused with where to cut it, never cut silently.\n";

enum chart_format
chart_format_of(const char *path)
{
	const char *dot = path != NULL ? strrchr(path, '.') : NULL;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return CHART_AUTO;
	if (strcmp(dot, ".svg") == 0)
		return CHART_SVG;
	if (strcmp(dot, ".json") == 0)
		return CHART_PERFETTO;
	if (strcmp(dot, ".mmd") == 0 || strcmp(dot, ".md") == 0)
		return CHART_MERMAID;
	return CHART_AUTO;
}

/* Writes out to path (NULL or "-": standard output).  Returns 0, or 1
   after saying why; a file left half written is removed. */
static int
write_out(const char *path, const struct jbuf *out)
{
	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(out->p, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
			fprintf(stderr, "mipc: cannot write the chart: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	/* 0600 before the umask: the texts of messages are as private as
	   the logs they come from. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1) {
		fprintf(stderr, "mipc: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t done = 0;
	while (done < out->len) {
		ssize_t w = write(fd, out->p + done, out->len - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int saved = errno;
	struct stat st;
	if (close(fd) == -1 && done == out->len) {
		saved = errno;
		done = 0;
	}
	if (done < out->len) {
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			(void)unlink(path);
		fprintf(stderr, "mipc: cannot write %s: %s\n", path, strerror(saved));
		return 1;
	}
	return 0;
}

int
chart_draw(const char *events_path, const char *out_path, const struct chart_opts *o)
{
	struct chart_run run;
	struct jbuf out;
	int status;

	if ((status = chart_read(&run, events_path, o)) != 0 ||
	    (status = chart_pick(&run, o)) != 0) {
		chart_free(&run);
		return status;
	}
	enum chart_format f = o->format;
	if (f == CHART_AUTO)
		f = chart_format_of(out_path);
	jbuf_init(&out);
	/* Into a Markdown file, Mermaid goes in the fence GitHub draws. */
	size_t len = out_path != NULL ? strlen(out_path) : 0;
	int md = f != CHART_SVG && f != CHART_PERFETTO && len > 3 &&
	    strcmp(out_path + len - 3, ".md") == 0;
	if (md)
		jbuf_adds(&out, "```mermaid\n");
	switch (f) {
	case CHART_SVG:		status = chart_svg(&run, &out); break;
	case CHART_PERFETTO:	status = chart_perfetto(&run, &out); break;
	default:		status = chart_mermaid(&run, &out); break;
	}
	if (md)
		jbuf_adds(&out, "```\n");
	if (out.failed)
		mipc_die(1, "out of memory");
	if (status == 0)
		status = write_out(out_path, &out);
	jbuf_free(&out);
	chart_free(&run);
	return status;
}

/* The options: chart's own are in o->args, as main left them. */

static int
chart_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "mipc: chart: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'mipc chart --help' for more.\n");
	return 2;
}

static int
seq_value(const char *name, const char *v, uint64_t *seq)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '1' || v[0] > '9' || *end != '\0' || errno != 0) {
		fprintf(stderr, "mipc: chart: %s takes an event's seq (1, 2, ...), not "
		    "'%s'\n", name, v);
		return -1;
	}
	*seq = n;
	return 0;
}

/*
 * Which words at argv[0] are an option that chart or monitor reads itself:
 * the number of words (2 for an option and its value), or 0.
 */
int
cli_own_option(const char *command, char *const *argv, int argc)
{
	static const char *const chart_valued[] = { "--format", "--from", "--to",
	    "--match", "-o", NULL };
	static const char *const monitor_valued[] = { "--match", NULL };
	static const char *const flags[] = { "--help", "-h", NULL };
	const char *const *valued;
	const char *a = argv[0];
	size_t k;

	if (strcmp(command, "chart") == 0)
		valued = chart_valued;
	else if (strcmp(command, "monitor") == 0)
		valued = monitor_valued;
	else
		return 0;
	for (int i = 0; flags[i] != NULL; i++)
		if (strcmp(a, flags[i]) == 0)
			return 1;
	if (valued == monitor_valued && strcmp(a, "--json") == 0)
		return 1;
	for (int i = 0; valued[i] != NULL; i++) {
		k = strlen(valued[i]);
		if (strncmp(a, valued[i], k) == 0 && a[k] == '=')
			return 1;
		if (strcmp(a, valued[i]) == 0)
			return argc > 1 ? 2 : 1;
	}
	return 0;
}

int
cmd_chart(struct options *o)
{
	static struct evrules rules;
	struct chart_opts co;
	const char *events = NULL, *out = NULL;
	char deflt[4096], err[300];

	memset(&co, 0, sizeof co);
	evrules_init(&rules);
	co.match = &rules;
	co.no_time = o->k.no_time;
	for (int i = 0; i < o->nargs; i++) {
		char *a = o->args[i];
		const char *v = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(chart_usage, stdout);
			return 0;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			if (events != NULL)
				return chart_usage_error("one EVENTS file at most ('%s')", a);
			events = a;
			continue;
		}
		char name[16];
		const char *eq = strchr(a, '=');
		size_t k = eq != NULL ? (size_t)(eq - a) : strlen(a);
		snprintf(name, sizeof name, "%.*s", (int)(k < 15 ? k : 15), a);
		if (eq != NULL)
			v = eq + 1;
		else if (i + 1 < o->nargs)
			v = o->args[++i];
		else
			return chart_usage_error("%s needs a value", name);
		if (v[0] == '\0')
			return chart_usage_error("%s needs a value, not an empty one", name);
		if (strcmp(name, "--format") == 0) {
			if (strcmp(v, "mermaid") == 0)
				co.format = CHART_MERMAID;
			else if (strcmp(v, "svg") == 0)
				co.format = CHART_SVG;
			else if (strcmp(v, "perfetto") == 0)
				co.format = CHART_PERFETTO;
			else
				return chart_usage_error("--format is mermaid, svg or "
				    "perfetto, not '%s'", v);
		} else if (strcmp(name, "--from") == 0) {
			if (seq_value(name, v, &co.from) == -1)
				return 2;
		} else if (strcmp(name, "--to") == 0) {
			if (seq_value(name, v, &co.to) == -1)
				return 2;
		} else if (strcmp(name, "--match") == 0) {
			if (evrules_add(&rules, v, strlen(v), err, sizeof err) == -1) {
				fprintf(stderr, "mipc: chart: --match %s: %s\n", v, err);
				return 2;
			}
		} else if (strcmp(name, "-o") == 0) {
			out = v;
		} else {
			return chart_usage_error("unknown option '%s'", a);
		}
	}
	if (co.from != 0 && co.to != 0 && co.from > co.to) {
		fprintf(stderr, "mipc: chart: --from %llu is after --to %llu\n",
		    (unsigned long long)co.from, (unsigned long long)co.to);
		return 2;
	}
	if (events == NULL) {
		snprintf(deflt, sizeof deflt, "%s/events.jsonl", o->k.log_dir);
		events = deflt;
	}
	return chart_draw(events, out, &co);
}
