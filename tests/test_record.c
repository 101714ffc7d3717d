/*
 * test_record.c - the event record of a live kernel: the console verb
 * `monitor` and its rules, mipc monitor itself, a monitor that never reads,
 * and the record's file (--events, written as it happens, the files of one
 * run in one record, a run killed mid-way).  The harness is live.h; every
 * record made here must also hold the record's invariants (check_events).
 */
#include "event.h"
#include "live.h"

#define BURST		100	/* messages a client sends in one write */
#define BURST_MS	5000	/* the most a burst may take to be answered */

/* ----- reading events ----- */

/* An event as a monitor got it: its JSON, and what it says. */
struct got {
	char		 json[2048];
	uint64_t	 seq;
	enum ev_kind	 kind;
	uint64_t	 pid, from, to, msg;	/* 0: not in it */
	char		 name[32], text[512];
};

/* Parses an event's JSON into g; fails the case if it is not one. */
static void
parse_event(const char *json, struct got *g)
{
	static struct json_doc d;
	static int ready;
	struct event e;
	char err[256];
	const char *s;
	size_t n;

	if (!ready) {
		json_doc_init(&d);
		ready = 1;
	}
	if (event_parse(&e, &d, json, strlen(json), err, sizeof err) == -1)
		TEST_FAIL_("not an event (%s): %s", err, json);
	if (event_missing(&e) != NULL)
		TEST_FAIL_("a %s without \"%s\": %s", e.ev, event_missing(&e), json);
	memset(g, 0, sizeof *g);
	snprintf(g->json, sizeof g->json, "%s", json);
	g->seq = e.seq;
	g->kind = e.kind;
	(void)event_uint(&e, "pid", &g->pid);
	(void)event_uint(&e, "from", &g->from);
	(void)event_uint(&e, "to", &g->to);
	(void)event_uint(&e, "msg", &g->msg);
	if (event_str(&e, "name", &s, &n))
		snprintf(g->name, sizeof g->name, "%.*s", (int)n, s);
	if (event_str(&e, "text", &s, &n))
		snprintf(g->text, sizeof g->text, "%.*s", (int)n, s);
}

/* The next line of a monitor's connection, which must be an event. */
static void
next_event(int fd, struct got *g)
{
	char *line = next_line(fd);

	if (strncmp(line, "* event ", 8) != 0)
		TEST_FAIL_("not an event line: \"%s\"", line);
	parse_event(line + 8, g);
}

/* The events a monitor got, up to and with the first whose text is `last`;
   each seq after the one before it.  Returns how many. */
static size_t
events_until(int fd, const char *last, struct got *g, size_t max)
{
	size_t n = 0;

	for (;;) {
		ASSERT(n < max);
		next_event(fd, &g[n]);
		if (n > 0 && g[n].seq <= g[n - 1].seq)
			TEST_FAIL_("seq %llu after seq %llu", (unsigned long long)g[n].seq,
			    (unsigned long long)g[n - 1].seq);
		if (strcmp(g[++n - 1].text, last) == 0)
			return n;
	}
}

/* The events of a record file, each line one; returns how many. */
static size_t
events_of_file(const char *path, struct got *g, size_t max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if (f == NULL)
		TEST_FAIL_("%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) != -1) {
		ASSERT(n < max);
		if (len == 0 || line[len - 1] != '\n')
			TEST_FAIL_("%s: line %zu has no newline", path, n + 1);
		line[len - 1] = '\0';
		parse_event(line, &g[n++]);
	}
	free(line);
	fclose(f);
	return n;
}

/* ----- other programs ----- */

/* The path of tests/check_events in this build. */
static const char *
check_events_path(void)
{
	static char path[512];
	const char *build = getenv("BUILD");

	snprintf(path, sizeof path, "%s/tests/check_events",
	    build != NULL && build[0] != '\0' ? build : "build/default");
	return path;
}

/* Runs argv (NULL-terminated) with stdout and stderr into the file out;
   returns its exit status. */
static int
run_into(const char *out, const char *const *argv)
{
	int status;
	pid_t pid = fork();

	ASSERT(pid != -1);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o == -1)
			_exit(126);
		dup2(o, 1);
		dup2(o, 2);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The record at path holds every invariant of a record. */
static void
record_holds(const char *path)
{
	char out[400];
	const char *argv[] = { check_events_path(), path, NULL };

	snprintf(out, sizeof out, "%s/check.out", dir);
	if (run_into(out, argv) != 0)
		TEST_FAIL_("%s breaks the record's rules:\n%s", path, slurp(out));
}

/* A file of this case's log directory (the last two asked stay good). */
static const char *
case_file(const char *name)
{
	static char path[2][400];
	static int k;

	k = !k;
	snprintf(path[k], sizeof path[k], "%s/logs/%s", dir, name);
	return path[k];
}

/* Sends line from fd and waits until the kernel has run it (kernel.log
   says so): a console line that is answered only once it is done. */
static void
console_sent(int fd, const char *line)
{
	char logged[300];

	say(fd, line);
	snprintf(logged, sizeof logged, "console: %s", line);
	ASSERT(file_has(case_file("kernel.log"), logged, DEADLINE_MS));
}

/* ----- the console verb ----- */

/*
 * The exchange of the raw verb's case: two clients, one serving port 80,
 * a failed send, and a child that registers and is killed.
 */
static void
exchange(int srv, int cli, int con)
{
	ask(srv, "c {.message=x,.pid=10,.port=80}", "OK port 80 registered");
	ask(cli, "{.message=x,.pid=20,.port=80}", "OK linked 80<-20");
	say(cli, "{.message=hello,.pid=20,.port=80}");
	ASSERT_STR_EQ(next_line(srv), "* received \"hello\" from pid 20 via port 80");
	ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
	ask(cli, "{.message=x,.pid=20,.port=81}", "ERR ENOENT");
	ask(con, "spawn child pid=30", "OK spawned child");
	ask(con, "child: c {.message=x,.pid=30,.port=90}", "OK port 90 registered");
	ask(con, "kill child KILL", "OK");
}

/* What a monitor of every event sees of exchange(), under --no-time. */
static const char *const exchange_events[] = {
	"{\"seq\":1,\"ev\":\"request\",\"pid\":10,"
	    "\"line\":\"c {.message=x,.pid=10,.port=80}\"}",
	"{\"seq\":2,\"ev\":\"answer\",\"pid\":10,\"re\":1,"
	    "\"text\":\"OK port 80 registered in slot 0\"}",
	"{\"seq\":3,\"ev\":\"request\",\"pid\":20,"
	    "\"line\":\"{.message=x,.pid=20,.port=80}\"}",
	"{\"seq\":4,\"ev\":\"answer\",\"pid\":20,\"re\":3,"
	    "\"text\":\"OK linked 80<-20 in mailbox slot 0\"}",
	"{\"seq\":5,\"ev\":\"request\",\"pid\":20,"
	    "\"line\":\"{.message=hello,.pid=20,.port=80}\"}",
	"{\"seq\":6,\"ev\":\"deliver\",\"msg\":1,\"from\":20,\"to\":10,\"port\":80,"
	    "\"text\":\"hello\"}",
	"{\"seq\":7,\"ev\":\"reply\",\"msg\":1,"
	    "\"text\":\"response written to port: 80\"}",
	"{\"seq\":8,\"ev\":\"answer\",\"pid\":20,\"re\":5,"
	    "\"text\":\"OK response written to port: 80\"}",
	"{\"seq\":9,\"ev\":\"request\",\"pid\":20,"
	    "\"line\":\"{.message=x,.pid=20,.port=81}\"}",
	"{\"seq\":10,\"ev\":\"answer\",\"pid\":20,\"re\":9,"
	    "\"text\":\"ERR ENOENT port 81 is not registered\"}",
	"{\"seq\":11,\"ev\":\"spawn\",\"name\":\"child\",\"pid\":30}",
	"{\"seq\":12,\"ev\":\"request\",\"pid\":30,\"name\":\"child\","
	    "\"line\":\"c {.message=x,.pid=30,.port=90}\"}",
	"{\"seq\":13,\"ev\":\"answer\",\"pid\":30,\"re\":12,"
	    "\"text\":\"OK port 90 registered in slot 0\"}",
	"{\"seq\":14,\"ev\":\"exit\",\"name\":\"child\",\"pid\":30,"
	    "\"how\":\"was killed by SIGKILL\"}",
};
#define NEXCHANGE (sizeof exchange_events / sizeof exchange_events[0])

/*
 * A client that says `monitor` is answered OK monitoring, then gets every
 * event of the others as `* event JSON`, from seq 1 on, each once, in
 * order: the same lines as the record's file.
 */
TEST(raw_verb_sees_every_event)
{
	struct got g;

	start_kernel("--no-time", NULL);
	int mon = connect_kernel();
	ask(mon, "monitor", "OK monitoring");
	int srv = connect_kernel(), cli = connect_kernel(), con = connect_kernel();
	exchange(srv, cli, con);
	for (size_t i = 0; i < NEXCHANGE; i++) {
		next_event(mon, &g);
		ASSERT_EQ(g.seq, i + 1);
		ASSERT_STR_EQ(g.json, exchange_events[i]);
	}
	close(srv);
	close(cli);
	close(con);
	ask(mon, "ps", "OK");	/* a monitor may still send lines */
	close(mon);
	ASSERT_EQ(stop_kernel(), 0);
	/* The file has the same lines, and a stop. */
	struct got file[64];
	size_t n = events_of_file(case_file("events.jsonl"), file, 64);
	for (size_t i = 0; i < NEXCHANGE; i++)
		ASSERT_STR_EQ(file[i].json, exchange_events[i]);
	ASSERT_EQ(file[n - 1].kind, EV_STOP);
	record_holds(case_file("events.jsonl"));
}

/*
 * The events carry a time unless --no-time: t_us, microseconds since the
 * kernel started, never going back.
 */
TEST(raw_verb_events_timed)
{
	struct got g;
	uint64_t last = 0;
	static struct json_doc d;
	struct event e;
	char err[256];

	start_kernel(NULL);
	int mon = connect_kernel();
	ask(mon, "monitor", "OK monitoring");
	int srv = connect_kernel(), cli = connect_kernel(), con = connect_kernel();
	exchange(srv, cli, con);
	json_doc_init(&d);
	for (size_t i = 0; i < NEXCHANGE; i++) {
		next_event(mon, &g);
		ASSERT_EQ(g.seq, i + 1);
		ASSERT(event_parse(&e, &d, g.json, strlen(g.json), err, sizeof err) == 0);
		ASSERT(e.has_time);
		ASSERT(e.t_us >= last);
		ASSERT(e.t_us < 600u * 1000 * 1000);	/* since the kernel started */
		last = e.t_us;
	}
	json_doc_free(&d);
	close(mon);
	ASSERT_EQ(stop_kernel(), 0);
	record_holds(case_file("events.jsonl"));
}

/*
 * The exchange the rules pick from: a child named server serves port 80
 * and is killed; a client (pid 10) serves port 70; a client (pid 20)
 * sends to both; the last message of all says END.
 */
static void
rules_exchange(int con, int c10, int c20)
{
	ask(con, "spawn server pid=5", "OK spawned server");
	ask(con, "server: c {.message=x,.pid=5,.port=80}", "OK port 80 registered");
	ask(c20, "{.message=x,.pid=20,.port=80}", "OK linked 80<-20");
	ask(c20, "{.message=to the server,.pid=20,.port=80}",
	    "OK response written to port: 80");
	ask(c20, "{.message=x,.pid=20,.port=81}", "ERR ENOENT");
	ask(c10, "c {.message=x,.pid=10,.port=70}", "OK port 70 registered");
	ask(c20, "{.message=x,.pid=20,.port=70}", "OK linked 70<-20");
	say(c20, "{.message=to pid 10,.pid=20,.port=70}");
	ASSERT_STR_EQ(next_line(c10), "* received \"to pid 10\" from pid 20 via port 70");
	ASSERT_STR_EQ(answer(c20), "OK response written to port: 70");
	ask(con, "kill server", "OK");
	ASSERT_PREFIX(next_line(c20), "* link 80<-20 destroyed");
	say(c20, "{.message=END,.pid=20,.port=70}");
	ASSERT_STR_EQ(next_line(c10), "* received \"END\" from pid 20 via port 70");
	ASSERT_STR_EQ(answer(c20), "OK response written to port: 70");
}

/* Whether process pid takes part in g, by the test's own reading of the
   rules: as its pid, from or to, or as an end of its message (the ends a
   deliver of the same msg named). */
static int
involves(const struct got *all, size_t n, const struct got *g, uint64_t pid)
{
	if (g->pid == pid || g->from == pid || g->to == pid)
		return 1;
	if (g->msg != 0)
		for (size_t i = 0; i < n; i++)
			if (all[i].kind == EV_DELIVER && all[i].msg == g->msg)
				return all[i].from == pid || all[i].to == pid;
	return 0;
}

/* The monitors of monitor_rules_pick_events, and what each should get of
   the events all[0..n); server is pid 5. */
static const char *const rule_lines[] = {
	"monitor ev=deliver",
	"monitor name=server text=END",
	"monitor ev=spawn ev=exit text=END",
	"monitor to=server,ev=deliver text=END",
	"monitor pid=10",
};
#define NRULES (sizeof rule_lines / sizeof rule_lines[0])

static int
wanted_by(size_t monitor, const struct got *all, size_t n, const struct got *g)
{
	int end = strcmp(g->text, "END") == 0;

	switch (monitor) {
	case 0:
		return g->kind == EV_DELIVER;
	case 1:
		return involves(all, n, g, 5) || strcmp(g->name, "server") == 0 || end;
	case 2:
		return g->kind == EV_SPAWN || g->kind == EV_EXIT || end;
	case 3:
		return (g->kind == EV_DELIVER && g->to == 5) || end;
	case 4:
		return involves(all, n, g, 10);
	}
	return 0;
}

/*
 * `monitor RULE...`: one rule, a rule of several pairs, several rules (any
 * may match); name=, to= and pid= are about processes, by pid or by name,
 * and a reply is about the ends of its message.  Each monitor gets exactly
 * the events its rules pick, in order, and nothing more.
 */
TEST(monitor_rules_pick_events)
{
	static struct got all[128], got;
	int mon[NRULES];
	size_t n;

	start_kernel("--no-time", NULL);
	int every = connect_kernel();
	ask(every, "monitor", "OK monitoring");
	for (size_t i = 0; i < NRULES; i++) {
		mon[i] = connect_kernel();
		ask(mon[i], rule_lines[i], "OK monitoring");
	}
	int con = connect_kernel(), c10 = connect_kernel(), c20 = connect_kernel();
	rules_exchange(con, c10, c20);
	/* Every event, up to the END message's answer. */
	n = events_until(every, "END", all, 126);
	next_event(every, &all[n++]);
	ASSERT_EQ(all[n - 1].kind, EV_REPLY);
	next_event(every, &all[n++]);
	ASSERT_EQ(all[n - 1].kind, EV_ANSWER);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(all[i].seq, i + 1);
	for (size_t m = 0; m < NRULES; m++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (!wanted_by(m, all, n, &all[i]))
				continue;
			next_event(mon[m], &got);
			if (got.seq != all[i].seq)
				TEST_FAIL_("%s: got seq %llu (%s), expected seq %llu (%s)",
				    rule_lines[m], (unsigned long long)got.seq, got.json,
				    (unsigned long long)all[i].seq, all[i].json);
			ASSERT_STR_EQ(got.json, all[i].json);
			k++;
		}
		ASSERT(k > 1);
		/* Nothing more: the next line is the answer to one of its own. */
		say(mon[m], "# done");
		ASSERT_STR_EQ(next_line(mon[m]), "OK");
		close(mon[m]);
	}
	close(every);
	close(con);
	close(c10);
	close(c20);
	ASSERT_EQ(stop_kernel(), 0);
	record_holds(case_file("events.jsonl"));
}

/*
 * A rule the kernel cannot read is answered ERR EINVAL saying why, and the
 * connection is as it was: not a monitor, and still served.
 */
TEST(monitor_bad_rule_answered)
{
	start_kernel(NULL);
	int c = connect_kernel(), other = connect_kernel();
	say(c, "monitor colour=red");
	ASSERT_STR_EQ(next_line(c), "ERR EINVAL unknown key 'colour' (the keys: "
	    "seq ev name pid how line re text msg from to port code reason cycle)");
	ask(c, "monitor pid", "ERR EINVAL 'pid' needs '=' and a value");
	ask(c, "monitor port=eighty", "ERR EINVAL");
	ask(c, "monitor ev=deliver seq=", "ERR EINVAL");
	/* Not a monitor: another's request makes no event line here. */
	ask(other, "c {.message=x,.pid=7,.port=70}", "OK port 70 registered");
	ask(c, "ps", "OK");
	say(c, "c {.message=x,.pid=8,.port=80}");
	ASSERT_STR_EQ(next_line(c), "OK port 80 registered in slot 1");
	/* And it may still become one. */
	ask(c, "monitor ev=request", "OK monitoring");
	say(other, "c {.message=x,.pid=7,.port=71}");
	ASSERT_PREFIX(answer(other), "OK port 71 registered");
	struct got g;
	next_event(c, &g);
	ASSERT_EQ(g.kind, EV_REQUEST);
	ASSERT_EQ(g.pid, 7);
	close(c);
	close(other);
	ASSERT_EQ(stop_kernel(), 0);
	record_holds(case_file("events.jsonl"));
}

/*
 * A second `monitor` line of the same client replaces its rules: each
 * event comes once, picked by the new rules only.
 */
TEST(monitor_again_replaces_its_rules)
{
	struct got g;

	start_kernel("--no-time", NULL);
	int mon = connect_kernel(), c = connect_kernel();
	ask(mon, "monitor", "OK monitoring");
	ask(mon, "monitor ev=answer", "OK monitoring");
	ask(c, "c {.message=x,.pid=7,.port=70}", "OK port 70 registered");
	ask(c, "c {.message=x,.pid=7,.port=71}", "OK port 71 registered");
	next_event(mon, &g);
	ASSERT_STR_EQ(g.json, "{\"seq\":2,\"ev\":\"answer\",\"pid\":7,\"re\":1,"
	    "\"text\":\"OK port 70 registered in slot 0\"}");
	next_event(mon, &g);
	ASSERT_EQ(g.seq, 4);
	say(mon, "# done");
	ASSERT_STR_EQ(next_line(mon), "OK");
	close(mon);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
	record_holds(case_file("events.jsonl"));
}

/*
 * Texts are JSON strings in the record and on a monitor alike: valid UTF-8
 * kept, control bytes escaped, a byte that is not UTF-8 made U+FFFD; the
 * server's log keeps the bytes.
 */
TEST(texts_escaped_as_json)
{
	static const char sent[] = "{.message=tab\there \x01 caf\xc3\xa9 \xff\"q\"\\,"
	    ".pid=20,.port=80}";
	struct got g;

	start_kernel("--no-time", NULL);
	int mon = connect_kernel(), srv = connect_kernel(), cli = connect_kernel();
	ask(mon, "monitor ev=deliver", "OK monitoring");
	ask(srv, "c {.message=x,.pid=10,.port=80}", "OK port 80 registered");
	ask(cli, "{.message=x,.pid=20,.port=80}", "OK linked");
	say(cli, sent);
	ASSERT_PREFIX(next_line(srv), "* received \"tab\there \x01 caf\xc3\xa9 \xff");
	ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
	next_event(mon, &g);
	ASSERT_STR_EQ(g.json, "{\"seq\":6,\"ev\":\"deliver\",\"msg\":1,\"from\":20,"
	    "\"to\":10,\"port\":80,\"text\":\"tab\\there \\u0001 caf\xc3\xa9 "
	    "\xef\xbf\xbd\\\"q\\\"\\\\\"}");
	close(mon);
	close(srv);
	close(cli);
	ASSERT_EQ(stop_kernel(), 0);
	ASSERT(file_has(case_file("events.jsonl"), "\"line\":\"{.message=tab\\there "
	    "\\u0001 caf\xc3\xa9 \xef\xbf\xbd\\\"q\\\"\\\\,.pid=20,.port=80}\"", 0));
	record_holds(case_file("events.jsonl"));
}

/* ----- mipc monitor ----- */

/* Starts mipc monitor on this case's kernel with more arguments
   (NULL-terminated), its output into the file out, its errors into
   out.err. */
static pid_t
start_monitor(const char *out, ...)
{
	const char *argv[16];
	int argc = 0;
	va_list ap;

	argv[argc++] = mipc();
	argv[argc++] = "monitor";
	argv[argc++] = "--socket";
	argv[argc++] = sockpath;
	va_start(ap, out);
	for (const char *a = va_arg(ap, const char *); a != NULL && argc < 15;
	    a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o == -1)
			_exit(126);
		char errpath[420];
		snprintf(errpath, sizeof errpath, "%s.err", out);
		int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (e == -1)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

/* Waits for a monitor to end by itself; returns its exit status. */
static int
monitor_status(pid_t pid)
{
	int status;

	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * mipc monitor against a live kernel: the readable lines (names learned
 * from the events), the JSON lines as the record has them, and --match;
 * each ends by itself, with 0, when the kernel stops.
 */
TEST(mipc_monitor_prints_an_exchange)
{
	char readable[400], json[400], match[400];

	start_kernel("--no-time", NULL);
	snprintf(readable, sizeof readable, "%s/readable.out", dir);
	snprintf(json, sizeof json, "%s/json.out", dir);
	snprintf(match, sizeof match, "%s/match.out", dir);
	pid_t m1 = start_monitor(readable, "--no-time", NULL);
	pid_t m2 = start_monitor(json, "--json", NULL);
	pid_t m3 = start_monitor(match, "--no-time", "--match", "ev=deliver",
	    "--match", "name=server,ev=answer", NULL);
	int con = connect_kernel(), cli = connect_kernel();
	/* Each is a monitor once its line has run. */
	for (int64_t end = now_ms() + DEADLINE_MS;
	    count_in_file(case_file("kernel.log"), "console: monitor") < 3;)
		ASSERT(now_ms() < end && poll(NULL, 0, 10) == 0);
	ask(con, "spawn server pid=5678", "OK spawned server");
	ask(con, "server: c {.message=x,.pid=5678,.port=8080}", "OK port 8080 registered");
	ask(cli, "{.message=x,.pid=1234,.port=8080}", "OK linked 8080<-1234");
	ask(cli, "{.message=hello world,.pid=1234,.port=8080}",
	    "OK response written to port: 8080");
	close(cli);
	close(con);
	ASSERT_EQ(stop_kernel(), 0);
	ASSERT_EQ(monitor_status(m1), 0);
	ASSERT_EQ(monitor_status(m2), 0);
	ASSERT_EQ(monitor_status(m3), 0);

	ASSERT_STR_EQ(slurp(readable),
	    "     1  spawn     server(5678)\n"
	    "     2  request   server(5678): c {.message=x,.pid=5678,.port=8080}\n"
	    "     3  answer    server(5678) <- OK port 8080 registered in slot 0 (re 2)\n"
	    "     4  request   1234: {.message=x,.pid=1234,.port=8080}\n"
	    "     5  answer    1234 <- OK linked 8080<-1234 in mailbox slot 0 (re 4)\n"
	    "     6  request   1234: {.message=hello world,.pid=1234,.port=8080}\n"
	    "     7  deliver   #1 1234 -> server(5678) port 8080 \"hello world\"\n"
	    "     8  reply     #1 server(5678) -> 1234 \"response written to port: 8080\"\n"
	    "     9  answer    1234 <- OK response written to port: 8080 (re 6)\n"
	    "    10  notice    server(5678) <- * link 8080<-1234 destroyed: pid 1234 "
	    "disconnected\n"
	    "    11  exit      server(5678) exited with status 0\n");
	/* --json: the record's own lines (less its stop, which comes after
	   the monitors are gone). */
	struct got file[32];
	size_t n = events_of_file(case_file("events.jsonl"), file, 32);
	char want[8192] = "";
	for (size_t i = 0; i < n && file[i].kind != EV_STOP; i++) {
		strcat(want, file[i].json);
		strcat(want, "\n");
	}
	ASSERT_EQ(n, 12);
	ASSERT_STR_EQ(slurp(json), want);
	/* With --match, the names it learns are those of what it is shown:
	   here it never sees server's spawn (and shows its pid). */
	const char *m = slurp(match);
	ASSERT_EQ(count_in_file(match, "\n"), 2);
	ASSERT_PREFIX(m, "     3  answer    ");
	ASSERT(strstr(m, " <- OK port 8080 registered in slot 0 (re 2)\n     7  deliver   "
	    "#1 1234 -> ") != NULL);
	ASSERT(strstr(m, "5678) port 8080 \"hello world\"\n") != NULL ||
	    strstr(m, " 5678 port 8080 \"hello world\"\n") != NULL);
	/* What the kernel said that is no event goes to standard error. */
	char errpath[420];
	snprintf(errpath, sizeof errpath, "%s.err", readable);
	ASSERT_STR_EQ(slurp(errpath), "mipc: kernel: * kernel stopping: it was signalled\n");
	record_holds(case_file("events.jsonl"));
}

/* mipc monitor with a rule the kernel refuses (none of mipc's own checks
   lets one through), and with a kernel that goes: its exit statuses. */
TEST(mipc_monitor_exit_statuses)
{
	char out[400], err[400];

	start_kernel(NULL);
	snprintf(out, sizeof out, "%s/out", dir);
	/* Refused by mipc itself, before it connects: exit 2. */
	ASSERT_EQ(run_mipc(err, sizeof err, "monitor", "--socket", sockpath,
	    "--match", "colour=red", NULL), 2);
	ASSERT(strstr(err, "unknown key 'colour'") != NULL);
	/* The kernel going ends a monitor with 0. */
	pid_t m = start_monitor(out, "--json", NULL);
	ASSERT(file_has(case_file("kernel.log"), "console: monitor", DEADLINE_MS));
	ASSERT_EQ(stop_kernel(), 0);
	ASSERT_EQ(monitor_status(m), 0);
	ASSERT_STR_EQ(slurp(out), "");
}

/* ----- a monitor that never reads ----- */

/*
 * A monitor that reads nothing is cut off like any client once its output
 * passes the bound, and its socket closed; meanwhile, and after, the others
 * are answered without waiting for it: every burst of BURST messages is
 * answered within BURST_MS.
 */
TEST(monitor_that_never_reads_is_cut_off)
{
	char text[201], line[300], *burst = malloc(BURST * 300);
	int small = 4096, cut = 0;

	ASSERT(burst != NULL);
	memset(text, 'm', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	start_kernel(NULL);
	int lazy = connect_kernel();
	(void)setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	console_sent(lazy, "monitor");
	int srv = connect_kernel(), cli = connect_kernel();
	ask(srv, "c {.message=x,.pid=10,.port=80}", "OK port 80 registered");
	ask(cli, "{.message=x,.pid=20,.port=80}", "OK linked 80<-20");
	size_t len = 0;
	for (int i = 0; i < BURST; i++)
		len += (size_t)snprintf(burst + len, 300, "{.message=%s,.pid=20,.port=80}\n",
		    text);
	/* Some 700 bytes of events a message: the bound is passed within
	   some 2000 messages, 20 bursts; 100 is far more than enough. */
	for (int round = 0; round < 100 && !cut; round++) {
		int64_t t0 = now_ms();
		send_all(cli, burst, len);
		for (int i = 0; i < BURST; i++)
			ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
		for (int i = 0; i < BURST; i++)
			ASSERT_PREFIX(next_line(srv), "* received \"mmm");
		int64_t took = now_ms() - t0;
		if (took > BURST_MS)
			TEST_FAIL_("burst %d took %lld ms", round, (long long)took);
		cut = file_has(case_file("kernel.log"), "was cut off: it stopped reading", 0);
	}
	ASSERT(cut || file_has(case_file("kernel.log"), "was cut off: it stopped reading",
	    DEADLINE_MS));
	/* Its socket is closed: what it has not read, then the end. */
	char buf[65536];
	int64_t end = now_ms() + DEADLINE_MS;
	fcntl(lazy, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r = read(lazy, buf, sizeof buf);
		if (r == 0 || (r == -1 && errno == ECONNRESET))
			break;
		if (r == -1 && errno == EAGAIN) {
			struct pollfd p = { lazy, POLLIN, 0 };
			ASSERT(now_ms() < end);
			(void)poll(&p, 1, 100);
		}
	}
	close(lazy);
	/* The others go on. */
	send_all(cli, burst, len);
	for (int i = 0; i < BURST; i++)
		ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
	snprintf(line, sizeof line, "{.message=after,.pid=20,.port=80}");
	say(cli, line);
	ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
	ask(srv, "ps", "OK");
	free(burst);
	close(srv);
	close(cli);
	ASSERT_EQ(stop_kernel(), 0);
	record_holds(case_file("events.jsonl"));
}

/* ----- the record's file ----- */

/*
 * --events FILE: the record goes there, not into the log directory, and
 * it is written as it happens: each event is in the file by the time the
 * line that made it is answered (give or take the end of that turn), not
 * only when the kernel stops.
 */
TEST(events_file_elsewhere_written_as_it_happens)
{
	char events[400];

	make_dir();
	snprintf(sockpath, sizeof sockpath, "%s/k.sock", dir);
	snprintf(events, sizeof events, "%s/elsewhere.jsonl", dir);
	restart_kernel("--events", events, NULL);
	int c = connect_kernel();
	ask(c, "c {.message=x,.pid=10,.port=80}", "OK port 80 registered");
	ASSERT(file_has(events, "\"ev\":\"answer\"", DEADLINE_MS));
	ask(c, "{.message=x,.pid=10,.port=80}", "OK linked");
	say(c, "{.message=first,.pid=10,.port=80}");
	ASSERT_STR_EQ(next_line(c), "* received \"first\" from pid 10 via port 80");
	ASSERT_STR_EQ(answer(c), "OK response written to port: 80");
	ASSERT(file_has(events, "\"ev\":\"reply\"", DEADLINE_MS));
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
	struct stat st;
	ASSERT(lstat(case_file("events.jsonl"), &st) == -1 && errno == ENOENT);
	struct got file[32];
	size_t n = events_of_file(events, file, 32);
	ASSERT_EQ(n, 9);
	ASSERT_EQ(file[n - 1].kind, EV_STOP);
	ASSERT(strstr(file[n - 1].json, "\"how\":\"it was signalled\"") != NULL);
	record_holds(events);
}

/*
 * The files of one mipc run make one record: its seq goes on from file to
 * file, each file's kernel ends with a stop, and a message's id is unique
 * in the whole run (the same scenario twice: its messages are not the
 * same ones).
 */
TEST(files_of_a_run_make_one_record)
{
	char logs[400], out[400];
	static struct got ev[256];

	make_dir();
	snprintf(logs, sizeof logs, "%s/logs", dir);
	snprintf(out, sizeof out, "%s/trace", dir);
	const char *argv[] = { mipc(), "run", "--no-time", "--backend", backend,
	    "--log-dir", logs, "scenarios/walkthrough.mipc", "scenarios/six-processes.mipc",
	    "scenarios/walkthrough.mipc", NULL };
	ASSERT_EQ(run_into(out, argv), 0);
	size_t n = events_of_file(case_file("events.jsonl"), ev, 256);
	size_t stops = 0, delivers = 0;
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(ev[i].seq, i + 1);
		if (ev[i].kind == EV_STOP)
			stops++;
		if (ev[i].kind != EV_DELIVER)
			continue;
		delivers++;
		for (size_t j = 0; j < i; j++)
			if (ev[j].kind == EV_DELIVER && ev[j].msg == ev[i].msg)
				TEST_FAIL_("msg %llu delivered at seq %llu and again at "
				    "seq %llu", (unsigned long long)ev[i].msg,
				    (unsigned long long)ev[j].seq, (unsigned long long)ev[i].seq);
	}
	ASSERT_EQ(stops, 3);
	ASSERT_EQ(ev[n - 1].kind, EV_STOP);
	ASSERT(delivers > 2);
	/* The first file's events, and nothing more, before its stop. */
	ASSERT_EQ(ev[18].kind, EV_STOP);
	ASSERT_EQ(ev[19].kind, EV_SPAWN);
	record_holds(case_file("events.jsonl"));
}

/*
 * A run killed mid-way (SIGKILL: no stop written) leaves a record that
 * ends where the kernel did: mipc chart draws it with its end marked, and
 * check_events says what never finished.  A server that calls its own port
 * holds a message and two requests open for as long as --timeout.
 */
TEST(killed_run_record_drawn_and_checked)
{
	char logs[400], scen[400], out[400], chart[400];
	int status;

	make_dir();
	snprintf(logs, sizeof logs, "%s/logs", dir);
	snprintf(scen, sizeof scen, "%s/stuck.mipc", dir);
	snprintf(out, sizeof out, "%s/trace", dir);
	write_file(scen, "spawn a pid=1 forward=10\n"
	    "spawn client pid=9\n"
	    "a: c {.message=x,.pid=1,.port=10}\n"
	    "client: {.message=x,.pid=9,.port=10}\n"
	    "a: c {.message=x,.pid=1,.port=10}\n"
	    "client: {.message=stuck,.pid=9,.port=10} &\n"
	    "a: c {.message=again,.pid=1,.port=10} &\n"
	    "sleep 600000\n");
	pid_t run = fork();
	ASSERT(run != -1);
	if (run == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o == -1)
			_exit(126);
		dup2(o, 1);
		dup2(o, 2);
		execl(mipc(), mipc(), "run", "--backend", backend, "--log-dir", logs,
		    "--timeout", "600000", scen, (char *)NULL);
		_exit(127);
	}
	/* The deadlock is in the file while the run goes on. */
	ASSERT(file_has(case_file("events.jsonl"), "\"ev\":\"deadlock\"", DEADLINE_MS));
	ASSERT_EQ(kill(run, SIGKILL), 0);
	ASSERT(waitpid(run, &status, 0) == run);
	ASSERT(WIFSIGNALED(status));

	snprintf(out, sizeof out, "%s/check", dir);
	const char *check[] = { check_events_path(), case_file("events.jsonl"), NULL };
	ASSERT_EQ(run_into(out, check), 1);
	const char *said = slurp(out);
	ASSERT(strstr(said, ": this request has no answer") != NULL);
	ASSERT(strstr(said, ": this message was delivered, and neither replied nor "
	    "dropped") != NULL);
	ASSERT(strstr(said, "violations in") != NULL);

	for (int f = 0; f < 3; f++) {
		static const char *const ext[] = { "mmd", "svg", "json" };
		static const char *const mark[] = {
			"(the record stops without a stop event)",
			"the record ends here, with no stop event",
			"the record ends here, with no stop event",
		};
		char err[400];
		snprintf(chart, sizeof chart, "%s/chart.%s", dir, ext[f]);
		ASSERT_EQ(run_mipc(err, sizeof err, "chart", "-o", chart,
		    case_file("events.jsonl"), NULL), 0);
		if (strstr(slurp(chart), mark[f]) == NULL)
			TEST_FAIL_("%s lacks \"%s\"", chart, mark[f]);
	}
}

/*
 * An --events FILE where no record can go is refused before the run, with
 * one line that names it and says what to do; nothing is written through
 * a symbolic link, or into a FIFO.
 */
TEST(events_file_refused)
{
	static const struct {
		const char *name;	/* in the case's directory */
		const char *says;	/* after the path */
	} bad[] = {
		{ "nodir/x.jsonl", ": No such file or directory (choose another --events)" },
		{ "adir", " is a directory, not a regular file: remove it, or choose "
		  "another --events" },
		{ "fifo", " is a FIFO, not a regular file: remove it, or choose "
		  "another --events" },
		{ "link", " is a symbolic link, and a log is never written through one: "
		  "remove it, or choose another --events" },
	};
	char path[400], logs[400], target[400], err[600], want[900];
	struct stat st;

	make_dir();
	snprintf(logs, sizeof logs, "%s/logs", dir);
	snprintf(path, sizeof path, "%s/adir", dir);
	ASSERT_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/fifo", dir);
	ASSERT_EQ(mkfifo(path, 0600), 0);
	snprintf(path, sizeof path, "%s/link", dir);
	snprintf(target, sizeof target, "%s/target", dir);
	ASSERT_EQ(symlink(target, path), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, bad[i].name);
		ASSERT_EQ(run_mipc(err, sizeof err, "run", "--backend", backend,
		    "--log-dir", logs, "--events", path, "scenarios/walkthrough.mipc",
		    NULL), 2);
		if (i == 0)
			snprintf(want, sizeof want, "mipc: cannot open %s%s", path, bad[i].says);
		else
			snprintf(want, sizeof want, "mipc: %s%s", path, bad[i].says);
		ASSERT_STR_EQ(err, want);
	}
	ASSERT(lstat(target, &st) == -1 && errno == ENOENT);
}

static const struct test_case cases[] = {
	TEST_CASE(raw_verb_sees_every_event),
	TEST_CASE(raw_verb_events_timed),
	TEST_CASE(monitor_rules_pick_events),
	TEST_CASE(monitor_bad_rule_answered),
	TEST_CASE(monitor_again_replaces_its_rules),
	TEST_CASE(texts_escaped_as_json),
	TEST_CASE(mipc_monitor_prints_an_exchange),
	TEST_CASE(mipc_monitor_exit_statuses),
	TEST_CASE(monitor_that_never_reads_is_cut_off),
	TEST_CASE(events_file_elsewhere_written_as_it_happens),
	TEST_CASE(files_of_a_run_make_one_record),
	TEST_CASE(killed_run_record_drawn_and_checked),
	TEST_CASE(events_file_refused),
};

LIVE_MAIN("record", cases)
