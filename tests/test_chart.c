/*
 * test_chart.c - mipc chart: the hand-made records in tests/events drawn in
 * each format and compared with tests/golden; records that are not ones
 * refused with their file and line; what --from, --to and --match pick;
 * Mermaid's size limit.
 *
 * After a change meant to change the pictures, look at them, then
 * CHART_GOLDEN_UPDATE=1 make test TESTS=chart writes the new goldens.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "cli.h"
#include "json.h"
#include "test.h"

/* A file's whole text, NUL-terminated; NULL if it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *p = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				TEST_FAIL_("out of memory");
		}
		size_t got = fread(p + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	p[n] = '\0';
	if (len != NULL)
		*len = n;
	return p;
}

static void
spit(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(s, f) == EOF || fclose(f) != 0)
		TEST_FAIL_("cannot write %s", path);
}

static char tmp_path[512];

/* A fresh temporary file name ending in suffix. */
static const char *
tmp(const char *suffix)
{
	static int n;

	snprintf(tmp_path, sizeof tmp_path, "%s/mipc-chart-%ld-%d%s", test_tmpdir(),
	    (long)getpid(), n++, suffix);
	(void)unlink(tmp_path);
	return tmp_path;
}

/* stderr goes to a file while a call runs; what it said, after. */
static int saved_err = -1;
static char err_path[512];

static void
catch_stderr(void)
{
	snprintf(err_path, sizeof err_path, "%s/mipc-chart-err-%ld", test_tmpdir(),
	    (long)getpid());
	fflush(stderr);
	saved_err = dup(2);
	int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd != -1 && saved_err != -1);
	dup2(fd, 2);
	close(fd);
}

static char *
caught(void)
{
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	char *s = slurp(err_path, NULL);
	unlink(err_path);
	ASSERT(s != NULL);
	return s;
}

/* Compares a file drawn with its golden; a difference names the first
   line that differs, both ways. */
static void
same_as_golden(const char *got_path, const char *golden)
{
	char *got = slurp(got_path, NULL), *want;

	ASSERT(got != NULL);
	if (getenv("CHART_GOLDEN_UPDATE") != NULL)
		spit(golden, got);
	if ((want = slurp(golden, NULL)) == NULL)
		TEST_FAIL_("no golden %s (CHART_GOLDEN_UPDATE=1 writes it)", golden);
	if (strcmp(got, want) != 0) {
		const char *g = got, *w = want;
		int line = 1;
		while (*g == *w) {
			if (*g == '\n')
				line++;
			g++, w++;
		}
		const char *gl = g, *wl = w;
		while (gl > got && gl[-1] != '\n')
			gl--;
		while (wl > want && wl[-1] != '\n')
			wl--;
		TEST_FAIL_("%s differs from %s at line %d:\n    got      %.*s\n"
		    "    expected %.*s", got_path, golden, line,
		    (int)strcspn(gl, "\n"), gl, (int)strcspn(wl, "\n"), wl);
	}
	free(got);
	free(want);
	unlink(got_path);
}

static void
golden(const char *record, enum chart_format f, const char *name)
{
	static const char *const ext[] = { "", ".mmd", ".svg", ".json" };
	struct chart_opts o;
	char events[256], gold[256];

	memset(&o, 0, sizeof o);
	o.format = f;
	snprintf(events, sizeof events, "tests/events/%s.jsonl", record);
	snprintf(gold, sizeof gold, "tests/golden/%s%s", name, ext[f]);
	const char *out = tmp(ext[f]);
	char keep[512];
	snprintf(keep, sizeof keep, "%s", out);
	ASSERT_EQ(chart_draw(events, keep, &o), 0);
	same_as_golden(keep, gold);
}

TEST(walkthrough_goldens)
{
	golden("walkthrough", CHART_MERMAID, "walkthrough");
	golden("walkthrough", CHART_SVG, "walkthrough");
	golden("walkthrough", CHART_PERFETTO, "walkthrough");
	golden("walkthrough-no-time", CHART_MERMAID, "walkthrough-no-time");
	golden("walkthrough-no-time", CHART_SVG, "walkthrough-no-time");
	golden("walkthrough-no-time", CHART_PERFETTO, "walkthrough-no-time");
}

TEST(six_process_goldens)
{
	golden("six", CHART_MERMAID, "six");
	golden("six", CHART_SVG, "six");
	golden("six", CHART_PERFETTO, "six");
}

TEST(killed_midway_goldens)
{
	golden("killed", CHART_MERMAID, "killed");
	golden("killed", CHART_SVG, "killed");
	golden("killed", CHART_PERFETTO, "killed");
}

TEST(texts_and_deadlock_goldens)
{
	golden("texts", CHART_MERMAID, "texts");
	golden("texts", CHART_SVG, "texts");
	golden("texts", CHART_PERFETTO, "texts");
	golden("deadlock", CHART_MERMAID, "deadlock");
	golden("deadlock", CHART_SVG, "deadlock");
	golden("deadlock", CHART_PERFETTO, "deadlock");
}

/* Draws record (a file's text) with o; returns the status and what was
   drawn (or NULL), and what stderr said in *said. */
static int
draw_text(const char *record, const struct chart_opts *o, char **drawn, char **said)
{
	char in[512], out[512];

	snprintf(in, sizeof in, "%s", tmp(".jsonl"));
	snprintf(out, sizeof out, "%s", tmp(".out"));
	spit(in, record);
	catch_stderr();
	int st = chart_draw(in, out, o);
	*said = caught();
	*drawn = slurp(out, NULL);
	unlink(in);
	unlink(out);
	return st;
}

static const struct chart_opts plain;

TEST(not_a_record_refused_with_file_and_line)
{
	static const struct {
		const char *text;
		const char *says;	/* after "mipc: FILE:" */
	} t[] = {
		{ "{\"seq\":1,\"ev\":\"spawn\",\"name\":\"a\",\"pid\":1}\n{\"seq\":2,\"ev\":\"sp",
		  "2: the last line is cut short (the file ends in the middle of it): "
		  "column 18: expected '\"' to close the string of column 15, found the "
		  "end of the line" },
		{ "2026-01-01 12:00:00.000 kernel started: backend epoll\n",
		  "1: not an event record (one JSON event a line): column 1: expected "
		  "'{' (a line is one JSON object), found '2'" },
		{ "\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
		  "1: not an event record (one JSON event a line): column 1: expected "
		  "'{' (a line is one JSON object), found byte 0x89" },
		{ "{\"name\":\"x\",\"version\":3}\n",
		  "1: not an event record (one JSON event a line): no \"seq\": a JSON "
		  "object, but not an event" },
		{ "{\"seq\":1,\"ev\":\"spawn\",\"name\":\"a\",\"pid\":1}\nhello\n",
		  "2: not an event: column 1: expected '{' (a line is one JSON object), "
		  "found 'h'" },
		{ "{\"seq\":1,\"ev\":\"spawn\",\"name\":\"a\",\"pid\":1}\n\n",
		  "2: an empty line, not an event" },
		{ "{\"seq\":1,\"ev\":\"deliver\",\"msg\":1,\"from\":2,\"port\":3,\"text\":\"\"}\n",
		  "1: a deliver event without \"to\"" },
		{ "{\"seq\":2,\"ev\":\"stop\"}\n{\"seq\":2,\"ev\":\"stop\"}\n",
		  "2: seq 2 after seq 2: the events are out of order" },
		{ "{\"seq\":1,\"ev\":\"spawn\",\"name\":\"a\",\"pid\":\"1\"}\n",
		  "1: not an event record (one JSON event a line): column 40: \"pid\" "
		  "must be a number from 0" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *drawn, *said, want[512];
		int st = draw_text(t[i].text, &plain, &drawn, &said);
		if (st != 2)
			TEST_FAIL_("case %zu: status %d, expected 2", i, st);
		ASSERT(drawn == NULL);		/* nothing written */
		/* The file's name is a temporary one: compare from its ':'. */
		const char *colon = strstr(said, ".jsonl:");
		snprintf(want, sizeof want, "%s\n", t[i].says);
		if (colon == NULL || strncmp(said, "mipc: ", 6) != 0 ||
		    strcmp(colon + 7, want) != 0)
			TEST_FAIL_("case %zu:\n    got      %s    expected mipc: FILE:%s",
			    i, said, want);
		free(said);
	}
}

TEST(missing_file_and_empty_file)
{
	char *said;
	struct chart_opts o;

	memset(&o, 0, sizeof o);
	catch_stderr();
	ASSERT_EQ(chart_draw("tests/events/no-such.jsonl", NULL, &o), 2);
	said = caught();
	ASSERT_STR_EQ(said, "mipc: cannot read tests/events/no-such.jsonl: No such "
	    "file or directory (run a scenario first, or name the record: mipc "
	    "chart FILE)\n");
	free(said);
	catch_stderr();
	ASSERT_EQ(chart_draw("tests/events", NULL, &o), 2);
	said = caught();
	ASSERT_STR_EQ(said, "mipc: tests/events is a directory, not an event record\n");
	free(said);
	char *drawn;
	ASSERT_EQ(draw_text("", &o, &drawn, &said), 1);
	ASSERT_PREFIX(strstr(said, ".jsonl is empty"), ".jsonl is empty: no event was recorded");
	free(said);
}

/* Draws a fixture with o into memory: the status, the chart or NULL. */
static int
draw(const char *record, const struct chart_opts *o, char **drawn, char **said)
{
	char out[512];

	snprintf(out, sizeof out, "%s", tmp(".out"));
	catch_stderr();
	int st = chart_draw(record, out, o);
	*said = caught();
	*drawn = slurp(out, NULL);
	unlink(out);
	return st;
}

static struct evrules *
rules(const char *a, const char *b)
{
	static struct evrules rs;
	char err[200];

	evrules_init(&rs);
	if (a != NULL && evrules_add(&rs, a, strlen(a), err, sizeof err) == -1)
		TEST_FAIL_("%s: %s", a, err);
	if (b != NULL && evrules_add(&rs, b, strlen(b), err, sizeof err) == -1)
		TEST_FAIL_("%s: %s", b, err);
	return &rs;
}

TEST(from_to_and_match_pick_what_is_drawn)
{
	struct chart_opts o;
	char *c, *said;

	memset(&o, 0, sizeof o);
	o.format = CHART_MERMAID;
	o.from = 7;
	o.to = 10;
	ASSERT_EQ(draw("tests/events/walkthrough.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, ": events 7 to 10\n") != NULL);
	ASSERT(strstr(c, "    p1->>p0: hello world\n") != NULL);
	ASSERT(strstr(c, "    p0-->>p1: response written to port#58; 8080\n") != NULL);
	ASSERT(strstr(c, "Note") == NULL);	/* the link came before, the rest after */
	ASSERT(strstr(c, "no stop event") == NULL);	/* cut by --to, not killed */
	free(c);
	free(said);

	/* The client's side: its link, message and reply, its failure, its
	   exit; the server's register and remove are not about it. */
	memset(&o, 0, sizeof o);
	o.match = rules("name=client", NULL);
	ASSERT_EQ(draw("tests/events/walkthrough.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, "linked 8080") != NULL);
	ASSERT(strstr(c, "p1->>p0: hello world") != NULL);
	ASSERT(strstr(c, "p0-->>p1") != NULL);	/* the reply: by its message */
	ASSERT(strstr(c, "ERR ENOENT") != NULL);
	ASSERT(strstr(c, "port 8080 registered in slot 0") == NULL);
	ASSERT(strstr(c, "link 8080#60;-1234 destroyed") == NULL);
	free(c);
	free(said);

	/* Only drops, in the six: two, and their processes' lifelines. */
	o.match = rules("ev=drop", NULL);
	ASSERT_EQ(draw("tests/events/six.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, "participant p0 as bob (202)\n    participant p1 as cat (203)\n"
	    "    participant p2 as dan (204)\n    participant p3 as eve (205)\n"
	    "    rect") != NULL);
	ASSERT(strstr(c, "p0-xp1: ETIMEDOUT") != NULL);
	ASSERT(strstr(c, "p2-xp3: ESRCH") != NULL);
	free(c);
	free(said);

	/* Two rules: either. */
	o.match = rules("ev=drop,code=ESRCH", "ev=exit,name=eve");
	ASSERT_EQ(draw("tests/events/six.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, "ETIMEDOUT") == NULL);
	ASSERT(strstr(c, "ESRCH") != NULL);
	ASSERT(strstr(c, "was killed by SIGKILL") != NULL);
	free(c);
	free(said);

	/* Nothing picked: said, status 1, nothing written. */
	o.match = rules("name=nobody", NULL);
	ASSERT_EQ(draw("tests/events/six.jsonl", &o, &c, &said), 1);
	ASSERT(c == NULL);
	ASSERT_STR_EQ(said, "mipc: nothing to draw: no event of tests/events/six.jsonl "
	    "(seq 1 to 269) is picked by the --from, --to and --match given\n");
	free(said);
}

TEST(no_time_draws_in_event_order)
{
	struct chart_opts o;
	char *c, *said;

	memset(&o, 0, sizeof o);
	o.format = CHART_SVG;
	ASSERT_EQ(draw("tests/events/walkthrough.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, ">t (ms)<") != NULL);
	ASSERT(strstr(c, ">2.131<") != NULL);
	free(c);
	free(said);
	o.no_time = 1;
	ASSERT_EQ(draw("tests/events/walkthrough.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, ">event order<") != NULL);
	ASSERT(strstr(c, ">2.131<") == NULL);
	ASSERT(strstr(c, "no times recorded: rows in event order") != NULL);
	free(c);
	free(said);
	/* Perfetto: the seq as the time. */
	o.format = CHART_PERFETTO;
	ASSERT_EQ(draw("tests/events/walkthrough.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, "\"name\":\"#1 hello world\",\"ph\":\"X\",\"cat\":\"serve\","
	    "\"pid\":5678,\"tid\":3,\"ts\":8,\"dur\":1,") != NULL);
	free(c);
	free(said);
}

TEST(killed_record_drawn_with_a_mark_where_it_ends)
{
	struct chart_opts o;
	char *c, *said;

	memset(&o, 0, sizeof o);
	o.format = CHART_MERMAID;
	ASSERT_EQ(draw("tests/events/killed.jsonl", &o, &c, &said), 0);
	ASSERT_STR_EQ(said, "");
	const char *end = strstr(c, "    Note over p0,p5: the record ends here, with no "
	    "stop<br/>event#58; the run was killed, or is still<br/>running\n    end\n");
	ASSERT(end != NULL);
	ASSERT_EQ(end[strlen(end) - 1], '\n');
	ASSERT(strstr(end + 10, "Note") == NULL);	/* the last thing drawn */
	free(c);
	free(said);
	o.format = CHART_SVG;
	ASSERT_EQ(draw("tests/events/killed.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, "the record ends here") != NULL);
	ASSERT(strstr(c, "#105  ann (201): {.message=round 3 from ann,.pid=201,"
	    ".port=7002}  (delivered as message #19, never replied)") != NULL);
	free(c);
	free(said);
	/* A whole record has no such mark. */
	o.format = CHART_MERMAID;
	ASSERT_EQ(draw("tests/events/six.jsonl", &o, &c, &said), 0);
	ASSERT(strstr(c, "the record ends here") == NULL);
	free(c);
	free(said);
}

/* The byte count of a line, as Mermaid's length counts it: bytes are at
   least its UTF-16 units. */
TEST(mermaid_over_its_limit_refused_with_where_to_cut)
{
	char path[512];
	FILE *f;
	uint64_t seq = 1, t = 10;

	snprintf(path, sizeof path, "%s", tmp(".jsonl"));
	ASSERT((f = fopen(path, "w")) != NULL);
	fprintf(f, "{\"seq\":%llu,\"ev\":\"spawn\",\"t_us\":%llu,\"name\":\"s\",\"pid\":2}\n",
	    (unsigned long long)seq++, (unsigned long long)t++);
	fprintf(f, "{\"seq\":%llu,\"ev\":\"spawn\",\"t_us\":%llu,\"name\":\"c\",\"pid\":3}\n",
	    (unsigned long long)seq++, (unsigned long long)t++);
	for (int m = 1; m <= 1500; m++) {
		fprintf(f, "{\"seq\":%llu,\"ev\":\"deliver\",\"t_us\":%llu,\"msg\":%d,"
		    "\"from\":3,\"to\":2,\"port\":9,\"text\":\"message %d\"}\n",
		    (unsigned long long)seq, (unsigned long long)t, m, m);
		seq++, t++;
		fprintf(f, "{\"seq\":%llu,\"ev\":\"reply\",\"t_us\":%llu,\"msg\":%d,"
		    "\"text\":\"ok\"}\n", (unsigned long long)seq, (unsigned long long)t, m);
		seq++, t++;
	}
	fprintf(f, "{\"seq\":%llu,\"ev\":\"stop\",\"t_us\":%llu}\n",
	    (unsigned long long)seq, (unsigned long long)t);
	ASSERT_EQ(fclose(f), 0);

	struct chart_opts o;
	char *c, *said;
	memset(&o, 0, sizeof o);
	ASSERT_EQ(draw(path, &o, &c, &said), 2);
	ASSERT(c == NULL);
	ASSERT(strstr(said, "characters long, over the 50000 that Mermaid draws") != NULL);
	ASSERT(strstr(said, "--format svg") != NULL);
	const char *fits = strstr(said, "(--from 1 --to ");
	ASSERT(fits != NULL);
	o.to = strtoull(fits + 15, NULL, 10);
	ASSERT(o.to > 100 && o.to < seq);
	free(said);
	/* What it says fits does, and is near the limit. */
	ASSERT_EQ(draw(path, &o, &c, &said), 0);
	ASSERT(strlen(c) <= CHART_MERMAID_MAX);
	ASSERT(strlen(c) > CHART_MERMAID_MAX - 400);
	free(c);
	free(said);
	/* SVG has no such limit. */
	o.to = 0;
	o.format = CHART_SVG;
	ASSERT_EQ(draw(path, &o, &c, &said), 0);
	ASSERT(strlen(c) > CHART_MERMAID_MAX);
	free(c);
	free(said);
	unlink(path);
}

TEST(perfetto_is_json_with_a_flow_per_message)
{
	struct chart_opts o;
	struct json_doc d;
	char *c, *said;
	size_t n = 0;

	memset(&o, 0, sizeof o);
	o.format = CHART_PERFETTO;
	ASSERT_EQ(draw("tests/events/six.jsonl", &o, &c, &said), 0);
	json_doc_init(&d);
	if (json_parse(&d, c, strlen(c)) == -1)
		TEST_FAIL_("not JSON: %s", d.err);
	ASSERT_EQ(d.n, 1);
	ASSERT_STR_EQ(d.m[0].key, "traceEvents");
	/* 56 messages delivered: 56 flows, each an s and an f. */
	const char *p = c;
	int s = 0, fl = 0, inst = 0, names = 0;
	while ((p = strstr(p, "\"ph\":\"")) != NULL) {
		p += 6;
		s += *p == 's';
		fl += *p == 'f';
		inst += *p == 'i';
		n++;
	}
	ASSERT_EQ(s, 56);
	ASSERT_EQ(fl, 56);
	for (p = c; (p = strstr(p, "\"name\":\"process_name\"")) != NULL; p++)
		names++;
	ASSERT_EQ(names, 6);
	ASSERT(strstr(c, "{\"name\":\"drop #26 ETIMEDOUT\",\"ph\":\"i\",\"s\":\"t\",") != NULL);
	ASSERT(inst >= 2 + 6 + 6);	/* the drops, spawns and exits */
	json_doc_free(&d);
	free(c);
	free(said);
}

TEST(format_from_the_extension)
{
	ASSERT_EQ(chart_format_of("a/b.svg"), CHART_SVG);
	ASSERT_EQ(chart_format_of("trace.json"), CHART_PERFETTO);
	ASSERT_EQ(chart_format_of("x.mmd"), CHART_MERMAID);
	ASSERT_EQ(chart_format_of("README.md"), CHART_MERMAID);
	ASSERT_EQ(chart_format_of("chart"), CHART_AUTO);
	ASSERT_EQ(chart_format_of("dir.svg/chart"), CHART_AUTO);
	ASSERT_EQ(chart_format_of(NULL), CHART_AUTO);

	struct chart_opts o;
	memset(&o, 0, sizeof o);
	char out[512];
	snprintf(out, sizeof out, "%s", tmp(".svg"));
	ASSERT_EQ(chart_draw("tests/events/walkthrough.jsonl", out, &o), 0);
	char *c = slurp(out, NULL);
	ASSERT_PREFIX(c, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ");
	struct stat st;
	ASSERT_EQ(stat(out, &st), 0);
	ASSERT_EQ(st.st_mode & 077, 0);		/* message texts stay private */
	free(c);
	unlink(out);
	snprintf(out, sizeof out, "%s", tmp(".json"));
	ASSERT_EQ(chart_draw("tests/events/walkthrough.jsonl", out, &o), 0);
	c = slurp(out, NULL);
	ASSERT_PREFIX(c, "{\"traceEvents\":[");
	free(c);
	unlink(out);
	snprintf(out, sizeof out, "%s", tmp(".md"));
	ASSERT_EQ(chart_draw("tests/events/walkthrough.jsonl", out, &o), 0);
	c = slurp(out, NULL);
	ASSERT_PREFIX(c, "```mermaid\n%% mipc chart of tests/events/walkthrough.jsonl");
	ASSERT(strcmp(c + strlen(c) - 4, "```\n") == 0);
	free(c);
	unlink(out);
	snprintf(out, sizeof out, "%s", tmp(".txt"));
	ASSERT_EQ(chart_draw("tests/events/walkthrough.jsonl", out, &o), 0);
	c = slurp(out, NULL);
	ASSERT_PREFIX(c, "%% mipc chart of tests/events/walkthrough.jsonl");
	free(c);
	unlink(out);
}

/* mipc chart ARGS, as main leaves them; its status and what stderr said. */
static int
chart_cmd(const char *const *args, char **said)
{
	struct options o;
	char *argv[16];
	int n = 0;

	memset(&o, 0, sizeof o);
	o.k.log_dir = "tests/events-none";
	while (args[n] != NULL) {
		argv[n] = (char *)args[n];
		n++;
	}
	o.args = argv;
	o.nargs = n;
	catch_stderr();
	int fd = dup(1);
	int null = open("/dev/null", O_WRONLY);
	fflush(stdout);
	dup2(null, 1);
	close(null);
	int st = cmd_chart(&o);
	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	*said = caught();
	return st;
}

TEST(command_line_errors)
{
	static const struct {
		const char *args[6];
		int status;
		const char *says;
	} t[] = {
		{ { "--match", "colour=red", "tests/events/six.jsonl" }, 2,
		  "mipc: chart: --match colour=red: unknown key 'colour' (the keys: seq ev "
		  "name pid how line re text msg from to port code reason cycle)\n" },
		{ { "--match=pid", NULL }, 2,
		  "mipc: chart: --match pid: 'pid' needs '=' and a value (key=value)\n" },
		{ { "--format", "png" }, 2, "mipc: chart: --format is mermaid, svg or "
		  "perfetto, not 'png'\nTry 'mipc chart --help' for more.\n" },
		{ { "--from", "0" }, 2, "mipc: chart: --from takes an event's seq (1, 2, "
		  "...), not '0'\n" },
		{ { "--to", "12x" }, 2, "mipc: chart: --to takes an event's seq (1, 2, "
		  "...), not '12x'\n" },
		{ { "--from", "9", "--to=3" }, 2, "mipc: chart: --from 9 is after --to 3\n" },
		{ { "-o" }, 2, "mipc: chart: -o needs a value\nTry 'mipc chart --help' "
		  "for more.\n" },
		{ { "a.jsonl", "b.jsonl" }, 2, "mipc: chart: one EVENTS file at most "
		  "('b.jsonl')\nTry 'mipc chart --help' for more.\n" },
		{ { "--bogus=1" }, 2, "mipc: chart: unknown option '--bogus=1'\nTry 'mipc "
		  "chart --help' for more.\n" },
		{ { NULL }, 2, "mipc: cannot read tests/events-none/events.jsonl: No such "
		  "file or directory (run a scenario first, or name the record: mipc "
		  "chart FILE)\n" },
		{ { "--help" }, 0, "" },
		{ { "--from=7", "--to", "10", "tests/events/walkthrough.jsonl" }, 0, "" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *said;
		int st = chart_cmd(t[i].args, &said);
		if (st != t[i].status || strcmp(said, t[i].says) != 0)
			TEST_FAIL_("case %zu: status %d, expected %d\n    got      %s"
			    "    expected %s", i, st, t[i].status, said, t[i].says);
		free(said);
	}
}

TEST(own_options_left_for_the_command)
{
	char *a1[] = { "--format", "svg", "x" }, *a2[] = { "--format=svg" },
	    *a3[] = { "-o" }, *a4[] = { "--json" }, *a5[] = { "--socket", "x" },
	    *a6[] = { "--match", "pid=1" }, *a7[] = { "--help" };

	ASSERT_EQ(cli_own_option("chart", a1, 3), 2);
	ASSERT_EQ(cli_own_option("chart", a2, 1), 1);
	ASSERT_EQ(cli_own_option("chart", a3, 1), 1);	/* its value is missing: said later */
	ASSERT_EQ(cli_own_option("chart", a4, 1), 0);	/* --json is monitor's */
	ASSERT_EQ(cli_own_option("monitor", a4, 1), 1);
	ASSERT_EQ(cli_own_option("chart", a5, 2), 0);	/* common: main's */
	ASSERT_EQ(cli_own_option("monitor", a6, 2), 2);
	ASSERT_EQ(cli_own_option("monitor", a7, 1), 1);
	ASSERT_EQ(cli_own_option("run", a7, 1), 0);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

/*
 * Records that are well formed but make no sense (answers to nothing,
 * replies before delivers, pids from nowhere, cycles of one): every format
 * draws them or says why, and nothing is read or written out of bounds
 * (the sanitizers watch).
 */
TEST(nonsense_records_drawn_without_harm)
{
	static const char *const kinds[] = { "spawn", "exit", "request", "answer",
	    "deliver", "reply", "drop", "notice", "deadlock", "stop", "later" };
	static const char *const lines[] = { "c {.message=x,.pid=1,.port=2}",
	    "{.message=x,.pid=2,.port=2}", "r {.message=x,.pid=3,.port=1}", "dump",
	    "{.message=,.pid=1,.port=3}" };
	static const char *const texts[] = { "OK", "OK linked 2<-1 in mailbox slot 0",
	    "ERR ENOENT x", "x", "", "OK port 2 registered in slot 0" };
	char path[512];

	snprintf(path, sizeof path, "%s", tmp(".jsonl"));
	for (int round = 0; round < 60; round++) {
		FILE *f = fopen(path, "w");
		ASSERT(f != NULL);
		int n = 1 + (int)(rnd() % 60);
		for (int seq = 1; seq <= n; seq++) {
			const char *k = kinds[rnd() % 11];
			unsigned pid = 1 + rnd() % 4, msg = 1 + rnd() % 5, re = 1 + rnd() % 60;
			fprintf(f, "{\"seq\":%d,\"ev\":\"%s\"", seq, k);
			if (rnd() % 2)
				fprintf(f, ",\"t_us\":%u", seq * 10 + rnd() % 10);
			fprintf(f, ",\"name\":\"p%u\",\"pid\":%u,\"how\":\"%s\","
			    "\"line\":\"%s\",\"re\":%u,\"text\":\"%s\",\"msg\":%u,"
			    "\"from\":%u,\"to\":%u,\"port\":%u,\"code\":\"E\","
			    "\"reason\":\"r\",\"cycle\":[%u,%u]}\n", pid, pid,
			    rnd() % 2 ? "exited with status 0" : "was killed by SIGKILL",
			    lines[rnd() % 5], re, texts[rnd() % 6], msg, 1 + rnd() % 4,
			    1 + rnd() % 4, 1 + rnd() % 3, pid, 1 + rnd() % 4);
		}
		ASSERT_EQ(fclose(f), 0);
		for (int fmt = CHART_MERMAID; fmt <= CHART_PERFETTO; fmt++) {
			struct chart_opts o;
			char *c, *said;
			memset(&o, 0, sizeof o);
			o.format = (enum chart_format)fmt;
			if (rnd() % 3 == 0)
				o.from = 1 + rnd() % 30;
			if (rnd() % 3 == 0)
				o.match = rules(rnd() % 2 ? "pid=2" : "ev=deliver", NULL);
			int st = draw(path, &o, &c, &said);
			if (st != 0 && st != 1)
				TEST_FAIL_("round %d, format %d: status %d: %s", round, fmt,
				    st, said);
			if (st == 0 && fmt == CHART_PERFETTO) {
				struct json_doc d;
				json_doc_init(&d);
				if (json_parse(&d, c, strlen(c)) == -1)
					TEST_FAIL_("round %d: not JSON: %s", round, d.err);
				json_doc_free(&d);
			}
			free(c);
			free(said);
		}
	}
	unlink(path);
}

static const struct test_case tests[] = {
	TEST_CASE(walkthrough_goldens),
	TEST_CASE(six_process_goldens),
	TEST_CASE(killed_midway_goldens),
	TEST_CASE(texts_and_deadlock_goldens),
	TEST_CASE(not_a_record_refused_with_file_and_line),
	TEST_CASE(missing_file_and_empty_file),
	TEST_CASE(from_to_and_match_pick_what_is_drawn),
	TEST_CASE(no_time_draws_in_event_order),
	TEST_CASE(killed_record_drawn_with_a_mark_where_it_ends),
	TEST_CASE(mermaid_over_its_limit_refused_with_where_to_cut),
	TEST_CASE(perfetto_is_json_with_a_flow_per_message),
	TEST_CASE(format_from_the_extension),
	TEST_CASE(command_line_errors),
	TEST_CASE(own_options_left_for_the_command),
	TEST_CASE(nonsense_records_drawn_without_harm),
};

TEST_MAIN("chart", tests)
