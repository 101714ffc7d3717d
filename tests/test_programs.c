/*
 * test_programs.c - programs of one's own that misbehave, servers that call
 * servers, deaths in the middle of a call, and deadlocks, in a live kernel.
 *
 * The programs are the sh scripts of tests/progs/, each a way to get the
 * child protocol wrong (or right, and then die).  Every case starts a kernel
 * on each backend (live.h) and drives it as the user would: console verbs
 * on one attached client, requests on others (a client's console line is
 * answered in turn with its requests, so the two never share a socket when
 * a request waits).  What the kernel did is read from its trace (its
 * standard output), its logs and its event record, each waited on with a
 * deadline.
 */
#include "live.h"

#define PROG(s)	"program=\"sh tests/progs/" s "\""

/* a OP b, as numbers; both are printed if not. */
#define ASSERT_CMP(a, op, b) do { \
	long long a_ = (long long)(a), b_ = (long long)(b); \
	if (!(a_ op b_)) \
		TEST_FAIL_("%s %s %s: %lld, %lld", #a, #op, #b, a_, b_); \
} while (0)

/* text holds no s; it is printed if it does. */
#define ASSERT_LACKS(text, s) do { \
	if (strstr((text), (s)) != NULL) \
		TEST_FAIL_("%s holds \"%s\":\n%s", #text, (s), (text)); \
} while (0)

/* ----- what the kernel shows ----- */

/* The whole of a file, however long, NUL-terminated; free it. */
static char *
read_all(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	size_t got = 0;
	ssize_t r;
	char *text;

	ASSERT(fd != -1 && fstat(fd, &st) == 0);
	ASSERT((text = malloc((size_t)st.st_size + 1)) != NULL);
	while (got < (size_t)st.st_size &&
	    (r = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	text[got] = '\0';
	close(fd);
	return text;
}

/* The end of kernel.log, on standard error: what a failed wait was up to. */
static void
show_klog(void)
{
	char path[400];

	snprintf(path, sizeof path, "%s/logs/kernel.log", dir);
	if (access(path, R_OK) == -1)
		return;
	char *text = read_all(path);
	size_t n = strlen(text);
	if (n > 0) {
		const char *from = text + n;
		for (int lines = 0; from > text && lines <= 25; from--)
			lines += from[-1] == '\n';
		fprintf(stderr, "  the end of kernel.log:\n%s", from);
	}
	free(text);
}

/* Reads the trace until a line holds needle; returns that line, without
   its time of day. */
static const char *
trace_wait(const char *needle)
{
	static char line[4096];
	int64_t deadline = now_ms() + DEADLINE_MS;

	for (;;) {
		int n = read_line(kout, line, sizeof line, deadline);
		if (n < 0) {
			show_klog();
			TEST_FAIL_("no trace line with \"%s\" within %d ms", needle,
			    DEADLINE_MS);
		}
		if (strstr(line, needle) != NULL) {
			/* "12:34:56.789 LINE" */
			char *sp = strchr(line, ' ');
			return sp != NULL && sp - line == 12 ? sp + 1 : line;
		}
	}
}

/* The next trace line, without its time of day. */
static const char *
trace_next(void)
{
	return trace_wait("");
}

static const char *
path_of(const char *file)
{
	static char path[4][400];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof path[i], "%s/logs/%s", dir, file);
	return path[i];
}

/* NAME's log. */
static const char *
log_of(const char *name)
{
	char file[64];

	snprintf(file, sizeof file, "%s.log", name);
	return path_of(file);
}

#define KLOG	path_of("kernel.log")
#define EVENTS	path_of("events.jsonl")

/* Waits until the file holds needle. */
static void
wait_file(const char *path, const char *needle)
{
	if (!file_has(path, needle, DEADLINE_MS)) {
		show_klog();
		TEST_FAIL_("%s has no \"%s\" within %d ms", path, needle, DEADLINE_MS);
	}
}

/* The event record of a kernel that has stopped holds needle: a running
   kernel writes it as it fills, not line by line. */
static void
record_has(const char *needle)
{
	if (!file_has(EVENTS, needle, 0))
		TEST_FAIL_("%s has no \"%s\"", EVENTS, needle);
}

/* Waits until the file holds needle n times. */
static void
wait_count(const char *path, const char *needle, int n)
{
	int64_t deadline = now_ms() + DEADLINE_MS;
	int got;

	while ((got = count_in_file(path, needle)) < n) {
		if (now_ms() >= deadline)
			TEST_FAIL_("%s has \"%s\" %d times, not %d, after %d ms", path,
			    needle, got, n, DEADLINE_MS);
		(void)poll(NULL, 0, 10);
	}
	ASSERT_EQ(got, n);
}

/* ----- talking to it ----- */

/* Sends line and checks its answer is exactly want. */
static void
ask_is(int fd, const char *line, const char *want)
{
	say(fd, line);
	ASSERT_STR_EQ(answer(fd), want);
}

/* A console line whose output is a listing: the "| " lines go to buf,
   one a line without the "| "; returns the answer. */
static const char *
listing(int fd, const char *line, char *buf, size_t size)
{
	size_t n = 0;
	char *l;

	buf[0] = '\0';
	say(fd, line);
	for (;;) {
		l = next_line(fd);
		if (strncmp(l, "* ", 2) == 0)
			continue;
		if (strncmp(l, "| ", 2) != 0)
			return l;
		n += (size_t)snprintf(buf + n, size - n, "%s\n", l + 2);
		ASSERT(n < size);
	}
}

/* NAME's state as ps shows it. */
static const char *
ps_state(int fd, const char *name)
{
	static char list[16384], state[256];
	size_t k = strlen(name);

	ASSERT_STR_EQ(listing(fd, "ps", list, sizeof list), "OK");
	for (char *l = list; *l != '\0'; l = strchr(l, '\n') + 1) {
		char *end = strchr(l, '\n');
		if (strncmp(l, name, k) != 0 || l[k] != ' ')
			continue;
		/* NAME, PID and OS PID, then the state */
		char *s = l;
		for (int field = 0; field < 3; field++) {
			s += strcspn(s, " \n");
			s += strspn(s, " ");
		}
		snprintf(state, sizeof state, "%.*s", (int)(end - s), s);
		return state;
	}
	TEST_FAIL_("ps lists no %s:\n%s", name, list);
}

/* ps shows no process blocked on another. */
static void
no_one_blocked(int fd)
{
	char list[16384];

	ASSERT_STR_EQ(listing(fd, "ps", list, sizeof list), "OK");
	ASSERT_LACKS(list, "blocked on");
}

/* The built-in process NAME, registered on port. */
static void
spawn_server(int con, const char *name, unsigned pid, const char *how, unsigned port)
{
	char line[256], want[128];

	snprintf(line, sizeof line, "spawn %s pid=%u %s", name, pid, how);
	snprintf(want, sizeof want, "OK spawned %s as pid %u", name, pid);
	say(con, line);
	ASSERT_PREFIX(answer(con), want);
	snprintf(line, sizeof line, "%s: c {.message=x,.pid=%u,.port=%u}", name, pid, port);
	snprintf(want, sizeof want, "OK port %u ", port);
	say(con, line);
	ASSERT_PREFIX(answer(con), want);
}

/* A client connection that has claimed pid and linked to port. */
static int
client_on(unsigned pid, unsigned port)
{
	int fd = connect_kernel();
	char line[128], want[64];

	snprintf(line, sizeof line, "{.message=x,.pid=%u,.port=%u}", pid, port);
	snprintf(want, sizeof want, "OK linked %u<-%u ", port, pid);
	say(fd, line);
	ASSERT_PREFIX(answer(fd), want);
	return fd;
}

/* ----- programs that cannot run, or end at once ----- */

TEST(program_that_cannot_run)
{
	char want[512], line[512], path[400], list[4096];
	int64_t t0;
	int con;

	start_kernel(NULL);
	con = connect_kernel();
	t0 = now_ms();
	snprintf(want, sizeof want, "ERR ENOENT cannot run tests/progs/no-such-program: "
	    "%s", strerror(ENOENT));
	ask_is(con, "spawn gone program=\"tests/progs/no-such-program x\"", want);

	/* A file without the x bit, and a directory: not programs either. */
	snprintf(path, sizeof path, "%s/plain.sh", dir);
	write_file(path, "#!/bin/sh\nexit 0\n");
	snprintf(line, sizeof line, "spawn plain program=\"%s\"", path);
	snprintf(want, sizeof want, "ERR ENOENT cannot run %s: %s", path, strerror(EACCES));
	ask_is(con, line, want);
	snprintf(want, sizeof want, "ERR ENOENT cannot run tests/progs: %s",
	    strerror(EACCES));
	ask_is(con, "spawn folder program=\"tests/progs\"", want);
	/* At once: nothing waited for a timeout. */
	ASSERT_CMP(now_ms() - t0, <, 1000);

	/* Each one's log says why. */
	snprintf(want, sizeof want, "cannot run tests/progs/no-such-program: %s\n",
	    strerror(ENOENT));
	wait_file(log_of("gone"), want);
	wait_file(log_of("gone"), "started: gone, pid 1000, program "
	    "tests/progs/no-such-program x\n");
	snprintf(want, sizeof want, "cannot run %s: %s\n", path, strerror(EACCES));
	wait_file(log_of("plain"), want);
	/* And so does kernel.log, though the answer went only to this client. */
	snprintf(want, sizeof want, "spawn gone: ERR ENOENT cannot run "
	    "tests/progs/no-such-program: %s\n", strerror(ENOENT));
	wait_file(KLOG, want);

	/* None of them is a process, and the kernel serves on. */
	ASSERT_STR_EQ(listing(con, "ps", list, sizeof list), "OK");
	ASSERT_LACKS(list, "gone");
	ASSERT_LACKS(list, "plain");
	ASSERT_LACKS(list, "folder");
	say(con, "expect dead gone");
	ASSERT_PREFIX(answer(con), "ERR EINVAL expect failed: ");
	spawn_server(con, "fine", 1000, "reply=echo", 5);
	int cl = client_on(77, 5);
	ask_is(cl, "{.message=still here,.pid=77,.port=5}", "OK still here");
	ASSERT_EQ(stop_kernel(), 0);
}

TEST(program_that_exits_at_once)
{
	char list[4096];
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	say(con, "spawn quick pid=50 " PROG("exit.sh 9 3"));
	ASSERT_PREFIX(answer(con), "OK spawned quick as pid 50 (OS pid ");
	trace_wait("* quick (pid 50) exited with status 3");
	/* What it sent before it went was handled, then released with it. */
	wait_file(KLOG, "answer to quick (pid 50): OK port 9 registered in slot 0\n");
	wait_file(KLOG, "quick (pid 50) exited with status 3\n");
	ask_is(con, "expect dead quick", "OK");
	ASSERT_STR_EQ(ps_state(con, "quick"), "dead: exited with status 3");
	cl = connect_kernel();
	ask_is(cl, "{.message=x,.pid=77,.port=9}", "ERR ENOENT port 9 is not registered");
	ASSERT_STR_EQ(listing(con, "dump", list, sizeof list), "OK");
	ASSERT_LACKS(list, "port 9");

	/* Killed by a signal at once: the same, said so. */
	say(con, "spawn shot pid=51 " PROG("exit.sh 8 KILL"));
	ASSERT_PREFIX(answer(con), "OK spawned shot as pid 51 (OS pid ");
	trace_wait("* shot (pid 51) was killed by SIGKILL");
	ask_is(con, "expect dead shot", "OK");
	ASSERT_STR_EQ(ps_state(con, "shot"), "dead: was killed by SIGKILL");
	ask_is(cl, "{.message=x,.pid=77,.port=8}", "ERR ENOENT port 8 is not registered");

	/* Its name can be used again, by a process that stays. */
	spawn_server(con, "quick", 52, "reply=echo", 9);
	ask_is(con, "expect alive quick", "OK");
	ASSERT_EQ(stop_kernel(), 0);
	record_has("\"ev\":\"exit\",");
	record_has("\"name\":\"quick\",\"pid\":50,\"how\":\"exited with status 3\"}");
	record_has("\"name\":\"shot\",\"pid\":51,\"how\":\"was killed by SIGKILL\"}");
}

/* ----- programs that break the protocol ----- */

TEST(program_that_writes_garbage)
{
	/* The answers, in the order of the lines of tests/progs/garbage.sh. */
	static const char *want[] = {
		("ERR EINVAL not a line of the child protocol: expected '+ ', '? ', "
		    "'= ', '> ' or '~ synced'"),
		"ERR EINVAL not a line of the child protocol",
		"ERR EINVAL not a line of the child protocol",
		"ERR EINVAL not a line of the child protocol",
		"ERR EINVAL not a line of the child protocol",
		"ERR EINVAL not a line of the child protocol",
		"ERR EINVAL not a line of the child protocol",
		"ERR EINVAL expected '}' at column 19",
		"ERR EINVAL expected '{' at column 1",
		"ERR EPERM pid 1 is not yours (you are pid 60)",
		"ERR EMSGSIZE line longer than 1024 bytes",
		"ERR EINVAL a reply, but no delivery waits for one",
		"ERR EINVAL a '> ' line, but no console line waits for one",
		"OK port 12 registered in slot 0",
	};
	char *text, *l;
	unsigned i = 0;
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	say(con, "spawn g pid=60 " PROG("garbage.sh 12"));
	ASSERT_PREFIX(answer(con), "OK spawned g as pid 60 ");
	wait_file(log_of("g"), "garbage.sh: done\n");
	text = slurp(log_of("g"));
	for (l = text; (l = strstr(l, "\ngot: ")) != NULL && i < 14; l++, i++) {
		char got[512];
		snprintf(got, sizeof got, "%.*s", (int)strcspn(l + 6, "\n"), l + 6);
		ASSERT_PREFIX(got, want[i]);
	}
	ASSERT_EQ(i, 14);
	/* The lines it sent that no console line asked for (the over-long one,
	   the unasked "> ") did not count as the console's: the console's next
	   line is answered its own answer. */
	ask_is(con, "g: c {.message=,.pid=60,.port=13}", "OK port 13 registered in slot 1");

	/* It is served on like any process. */
	cl = client_on(77, 12);
	ask_is(cl, "{.message=still there?,.pid=77,.port=12}", "OK still there?");
	ask_is(con, "expect alive g", "OK");
	ASSERT_STR_EQ(ps_state(con, "g"), "running");
	/* kernel.log says who broke the protocol, and with what. */
	wait_file(KLOG, "g broke the protocol: hello\n");
	wait_file(KLOG, "g broke the protocol: * received \"x\" from pid 1 via port 2\n");
	wait_file(KLOG, "g answered nothing: = nobody asked\n");
	wait_file(KLOG, "g sent a console line no console line asked for: c {");
	ASSERT_EQ(stop_kernel(), 0);
}

TEST(server_that_answers_nothing)
{
	int con, a, b;
	int64_t t0;

	start_kernel("--timeout", "2000", NULL);
	con = connect_kernel();
	say(con, "spawn s pid=61 " PROG("silent.sh 14"));
	ASSERT_PREFIX(answer(con), "OK spawned s as pid 61 ");
	/* Sent back after its own registration: once answered, port 14 is
	   registered. */
	ask_is(con, "s: c {.message=,.pid=61,.port=14}", "OK port 14 already registered "
	    "in slot 0");
	spawn_server(con, "e", 62, "reply=echo", 15);
	a = client_on(77, 14);
	b = client_on(78, 15);

	t0 = now_ms();
	say(a, "{.message=hello?,.pid=77,.port=14}");
	/* Meanwhile everyone else is served. */
	for (int i = 0; i < 5; i++) {
		char line[64], want[32];
		snprintf(line, sizeof line, "{.message=ping %d,.pid=78,.port=15}", i);
		snprintf(want, sizeof want, "OK ping %d", i);
		ask_is(b, line, want);
	}
	struct pollfd p = { a, POLLIN, 0 };
	ASSERT_EQ(poll(&p, 1, 0), 0);
	ASSERT_CMP(now_ms() - t0, <, 2000);

	ASSERT_STR_EQ(answer(a), "ERR ETIMEDOUT server pid 61 did not answer within 2000 ms");
	ASSERT_CMP(now_ms() - t0, >=, 2000);
	/* It had the message; it said nothing, and it is not dead for that. */
	wait_file(log_of("s"), "got: * received \"hello?\" from pid 77 via port 14\n");
	ask_is(con, "expect alive s", "OK");
	ASSERT_STR_EQ(ps_state(con, "s"), "running");
	ask_is(b, "{.message=after,.pid=78,.port=15}", "OK after");
	ASSERT_EQ(stop_kernel(), 0);
}

TEST(server_that_answers_twice)
{
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	say(con, "spawn t pid=63 " PROG("twice.sh 16"));
	ASSERT_PREFIX(answer(con), "OK spawned t as pid 63 ");
	ask_is(con, "t: c {.message=,.pid=63,.port=16}", "OK port 16 already registered "
	    "in slot 0");
	cl = client_on(77, 16);
	ask_is(cl, "{.message=one,.pid=77,.port=16}", "OK one");
	/* The extra reply answered nothing, and is not kept for the next. */
	ask_is(cl, "{.message=two,.pid=77,.port=16}", "OK two");
	wait_count(log_of("t"), "got: ERR EINVAL a reply, but no delivery waits for one "
	    "(each is answered once)\n", 2);
	wait_file(KLOG, "t answered nothing: = one, again\n");
	wait_file(KLOG, "t answered nothing: = two, again\n");
	ASSERT_STR_EQ(ps_state(con, "t"), "running");
	ASSERT_EQ(stop_kernel(), 0);
}

TEST(program_that_calls_twice)
{
	int con;
	char *text;

	start_kernel("--timeout", "1000", NULL);
	con = connect_kernel();
	say(con, "spawn s pid=61 " PROG("silent.sh 14"));
	ASSERT_PREFIX(answer(con), "OK spawned s as pid 61 ");
	ask_is(con, "s: c {.message=,.pid=61,.port=14}", "OK port 14 already registered "
	    "in slot 0");
	say(con, "spawn k pid=66 " PROG("calls.sh 14"));
	ASSERT_PREFIX(answer(con), "OK spawned k as pid 66 ");
	/* Sent back after its calls: once the kernel has it, it has them. */
	ask_is(con, "k: c {.message=,.pid=66,.port=15} &", "OK sent; its answer comes "
	    "later (wait NAME)");
	ASSERT_STR_EQ(ps_state(con, "k"), "blocked on 14 (s)");
	wait_file(log_of("k"), "got: OK port 15 registered");
	/* In the order sent: the link, the first call (s never answers), the
	   second call, refused, then the console's line. */
	text = slurp(log_of("k"));
	const char *want[] = {
		"got: OK linked 14<-66 in mailbox slot 0\n",
		"got: ERR ETIMEDOUT server pid 61 did not answer within 1000 ms\n",
		("got: ERR EINVAL pid 66 is blocked in a call already (message 1): one "
		    "call at a time\n"),
		"got: OK port 15 registered",
	};
	const char *at = text;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *next = strstr(at, want[i]);
		if (next == NULL)
			TEST_FAIL_("k.log has no \"%s\" after what came before:\n%s",
			    want[i], text);
		at = next + strlen(want[i]);
	}
	/* The refused call delivered nothing. */
	ASSERT_EQ(count_in_file(log_of("s"), "got: * received"), 1);
	ASSERT_STR_EQ(ps_state(con, "k"), "running");
	ASSERT_EQ(stop_kernel(), 0);
}

/* The bytes kernel.log says were queued for NAME when it was cut off. */
static long
cut_at(const char *label)
{
	char needle[128];
	const char *at;

	snprintf(needle, sizeof needle, "%s stopped reading: ", label);
	wait_file(KLOG, needle);
	char *text = read_all(KLOG), *end;
	ASSERT((at = strstr(text, needle)) != NULL);
	long n = strtol(at + strlen(needle), &end, 10);
	ASSERT_PREFIX(end, " bytes queued, cut off\n");
	free(text);
	return n;
}

TEST(program_that_floods)
{
	int con, cl;
	long n;

	start_kernel(NULL);
	con = connect_kernel();
	spawn_server(con, "e", 62, "reply=echo", 15);
	cl = client_on(77, 15);
	say(con, "spawn f pid=64 " PROG("flood.sh"));
	ASSERT_PREFIX(answer(con), "OK spawned f as pid 64 ");
	/* Others are served while it floods. */
	for (int i = 0; i < 20; i++) {
		char line[64], want[32];
		snprintf(line, sizeof line, "{.message=ping %d,.pid=77,.port=15}", i);
		snprintf(want, sizeof want, "OK ping %d", i);
		ask_is(cl, line, want);
	}
	/* Once what it does not read passes the bound, it is cut off there,
	   said so, and killed. */
	trace_wait("* f (pid 64) was killed by SIGKILL");
	n = cut_at("f (pid 64)");
	ASSERT_CMP(n, >, MIPC_OUTPUT_MAX);
	ASSERT_CMP(n, <=, MIPC_OUTPUT_MAX + MIPC_ANSWER_MAX);
	ASSERT_STR_EQ(ps_state(con, "f"), "dead: was killed by SIGKILL");
	ask_is(cl, "{.message=after,.pid=77,.port=15}", "OK after");
	ASSERT_EQ(stop_kernel(), 0);
}

/* Sends n messages of a 250-byte text from pid to port, in one go. */
static void
send_many(int fd, unsigned pid, unsigned port, int n)
{
	char text[251], line[400];
	size_t len, size = 0;
	char *buf;

	memset(text, 'x', 250);
	text[250] = '\0';
	len = (size_t)snprintf(line, sizeof line, "{.message=%s,.pid=%u,.port=%u}\n", text,
	    pid, port);
	ASSERT((buf = malloc(len * (size_t)n)) != NULL);
	for (int i = 0; i < n; i++, size += len)
		memcpy(buf + size, line, len);
	send_all(fd, buf, size);
	free(buf);
}

/* Waits until `dump` lists a line holding needle. */
static void
wait_dump(int con, const char *needle)
{
	static char list[16384];
	int64_t deadline = now_ms() + DEADLINE_MS;

	for (;;) {
		ASSERT_STR_EQ(listing(con, "dump", list, sizeof list), "OK");
		if (strstr(list, needle) != NULL)
			return;
		if (now_ms() >= deadline)
			TEST_FAIL_("dump has no \"%s\" after %d ms:\n%s", needle,
			    DEADLINE_MS, list);
		(void)poll(NULL, 0, 10);
	}
}

TEST(program_that_never_reads)
{
	int con, a, b, e;

	/* Room for the thousands of messages it will not read, and time. */
	start_kernel("--queue", "65536", "--timeout", "60000", NULL);
	con = connect_kernel();
	spawn_server(con, "e", 62, "reply=echo", 15);
	e = client_on(78, 15);
	say(con, "spawn d pid=65 " PROG("deaf.sh 17 18"));
	ASSERT_PREFIX(answer(con), "OK spawned d as pid 65 ");
	wait_file(KLOG, "answer to d (pid 65): OK port 18 registered in slot 1\n");
	a = client_on(81, 17);
	b = client_on(82, 18);

	/* 2000 messages: over half a megabyte it does not read, under the
	   bound.  Meanwhile others are served, and it is left alone. */
	send_many(a, 81, 17, 2000);
	wait_dump(con, "second 81  in flight 2000/65536");
	ask_is(e, "{.message=ping,.pid=78,.port=15}", "OK ping");
	ask_is(con, "expect alive d", "OK");
	/* 4000 more: past the bound, it is cut off and killed. */
	send_many(b, 82, 18, 4000);
	/* (Its trace, every delivery, is more than this test reads: the
	   kernel drops what the trace cannot take, not kernel.log.) */
	wait_file(KLOG, "* d (pid 65) was killed by SIGKILL\n");
	ASSERT_CMP(cut_at("d (pid 65)"), >, MIPC_OUTPUT_MAX);
	/* Every message is answered: ESRCH, it was delivered to a process
	   that died; or, sent after, ENOENT. */
	for (int i = 0; i < 2000; i++)
		ASSERT_STR_EQ(answer(a), "ERR ESRCH server pid 65 was killed by SIGKILL");
	for (int i = 0; i < 4000; i++) {
		const char *ans = answer(b);
		if (strcmp(ans, "ERR ENOENT port 18 is not registered") != 0)
			ASSERT_STR_EQ(ans, "ERR ESRCH server pid 65 was killed by SIGKILL");
	}
	ask_is(e, "{.message=after,.pid=78,.port=15}", "OK after");
	ASSERT_EQ(stop_kernel(), 0);
}

/* ----- forwarders and error replies ----- */

TEST(forwarder_to_a_port_not_registered)
{
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	spawn_server(con, "f", 10, "forward=99", 10);
	cl = client_on(77, 10);
	/* Each delivery is answered with the ERR line its call got. */
	ask_is(cl, "{.message=hi,.pid=77,.port=10}", "ERR ENOENT port 99 is not registered");
	ask_is(cl, "{.message=again,.pid=77,.port=10}", "ERR ENOENT port 99 is not registered");
	wait_count(log_of("f"), "answered: ERR ENOENT port 99 is not registered\n", 2);
	ASSERT_STR_EQ(ps_state(con, "f"), "running");
	/* Once 99 is served, the same forwarder links and gets through. */
	spawn_server(con, "e", 20, "reply=echo", 99);
	ask_is(cl, "{.message=third,.pid=77,.port=10}", "OK third");
	ASSERT_EQ(stop_kernel(), 0);
}

TEST(error_replies)
{
	/* What a server replies, and what its sender is answered. */
	static const char *cases[][2] = {
		{ "ERR ENOENT no such file", "ERR ENOENT no such file" },
		{ "ERR EDEADLK x", "ERR EDEADLK x" },
		{ "ERR ETIMEDOUT", "ERR ETIMEDOUT" },
		{ "ERR NOTACODE x", "OK ERR NOTACODE x" },
		{ "ERR enoent x", "OK ERR enoent x" },
		{ "ERR", "OK ERR" },
		{ "ERRENOENT x", "OK ERRENOENT x" },
		{ "OK", "OK OK" },
	};
	char line[256];
	int con, direct, via;

	start_kernel(NULL);
	con = connect_kernel();
	spawn_server(con, "e", 20, "reply=echo", 7);
	spawn_server(con, "front", 10, "forward=7", 10);
	direct = client_on(77, 7);
	/* 7 in the table again, for front to link to. */
	ask_is(con, "e: c {.message=x,.pid=20,.port=7}", "OK port 7 registered in slot 0");
	via = client_on(78, 10);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(line, sizeof line, "{.message=%s,.pid=77,.port=7}", cases[i][0]);
		ask_is(direct, line, cases[i][1]);
		/* Through a forwarder: it replies the words after OK, or the
		   whole ERR line, and its sender is answered the same. */
		snprintf(line, sizeof line, "{.message=%s,.pid=78,.port=10}", cases[i][0]);
		ask_is(via, line, cases[i][1]);
	}
	/* The same from a program of one's own (examples/echo.sh). */
	say(con, "spawn p pid=30 program=\"/bin/sh examples/echo.sh 8\"");
	ASSERT_PREFIX(answer(con), "OK spawned p as pid 30 ");
	ask_is(con, "p: c {.message=,.pid=30,.port=8}", "OK port 8 already registered "
	    "in slot 0");
	int prog = client_on(79, 8);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(line, sizeof line, "{.message=%s,.pid=79,.port=8}", cases[i][0]);
		ask_is(prog, line, cases[i][1]);
	}
	ASSERT_EQ(stop_kernel(), 0);
}

/* ----- deadlocks ----- */

/*
 * a serves port 10 by calling 20, b serves 20 by calling 30, c serves 30 by
 * calling 10; the client (pid 9) is linked to 10, and 10 is in the table
 * again for c to link to.  Returns the client.
 */
static int
three_forwarders(int con)
{
	spawn_server(con, "a", 1, "forward=20", 10);
	spawn_server(con, "b", 2, "forward=30", 20);
	spawn_server(con, "c", 3, "forward=10", 30);
	int cl = client_on(9, 10);
	ask_is(con, "a: c {.message=x,.pid=1,.port=10}", "OK port 10 registered in slot 0");
	return cl;
}

/*
 * The client's "ping" goes to a, and each forwarder in turn up to `upto`
 * makes its call: once the kernel has the line the console gives it right
 * after its delivery, it has its call.
 */
static void
set_off(int con, int cl, char upto)
{
	char line[128], want[128];

	say(cl, "{.message=ping,.pid=9,.port=10}");
	trace_wait("a <- * received \"ping\" from pid 9 via port 10");
	for (char f = 'a'; f <= upto; f++) {
		int pid = f - 'a' + 1;
		snprintf(line, sizeof line, "%c: c {.message=again,.pid=%d,.port=%d} &", f,
		    pid, pid * 10);
		ask_is(con, line, "OK sent; its answer comes later (wait NAME)");
		if (f < 'c') {
			snprintf(want, sizeof want, "%c <- * received \"ping\" from pid %d "
			    "via port %d", f + 1, pid, (pid + 1) * 10);
			trace_wait(want);
		}
	}
}

/* Checks a line of the report: "| WHO waits for ..., for N ms". */
static void
report_line(const char *line, const char *want)
{
	char *end;

	ASSERT_PREFIX(line, want);
	const char *ms = line + strlen(want);
	ASSERT_PREFIX(ms, ", for ");
	(void)strtol(ms + 6, &end, 10);
	if (end == ms + 6)
		TEST_FAIL_("no number of ms in \"%s\"", line);
	ASSERT_STR_EQ(end, " ms");
}

TEST(deadlock_report)
{
	int con, cl;
	const char *l;

	start_kernel(NULL);
	con = connect_kernel();
	cl = three_forwarders(con);
	say(con, "expect deadlock a b c");
	ASSERT_STR_EQ(answer(con), "ERR EINVAL expect failed: no deadlock has been found");
	set_off(con, cl, 'c');

	/* c's call closed the cycle: the trace says so, then who waits for
	   what, in wait order from the call that closed it. */
	ASSERT_STR_EQ(trace_wait("* deadlock:"), "* deadlock: c -> a -> b -> c");
	l = trace_next();
	report_line(l, "| c (pid 3) waits for a (pid 1) on port 10: message 4 \"ping\"");
	l = trace_next();
	report_line(l, "| a (pid 1) waits for b (pid 2) on port 20: message 2 \"ping\"");
	l = trace_next();
	report_line(l, "| b (pid 2) waits for c (pid 3) on port 30: message 3 \"ping\"");
	/* kernel.log has it too (and the record, below). */
	wait_file(KLOG, "* deadlock: c -> a -> b -> c\n");
	wait_file(KLOG, "| a (pid 1) waits for b (pid 2) on port 20: message 2 \"ping\", for ");

	/* expect deadlock: the same processes, in any order, and no others. */
	ask_is(con, "expect deadlock a b c", "OK");
	ask_is(con, "expect deadlock c b a", "OK");
	static const char *wrong[] = { "a b", "a b c client", "a a b", "a b c c", "a b x" };
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		char line[64];
		snprintf(line, sizeof line, "expect deadlock %s", wrong[i]);
		say(con, line);
		ASSERT_STR_EQ(answer(con), "ERR EINVAL expect failed: the last deadlock "
		    "found was: c a b");
	}
	ASSERT_STR_EQ(ps_state(con, "a"), "blocked on 20 (b)");
	ASSERT_STR_EQ(ps_state(con, "b"), "blocked on 30 (c)");
	ASSERT_STR_EQ(ps_state(con, "c"), "blocked on 10 (a)");
	ASSERT_EQ(stop_kernel(), 0);
	/* The record has its cycle, in wait order. */
	ASSERT_EQ(count_in_file(EVENTS, "\"ev\":\"deadlock\""), 1);
	record_has("\"ev\":\"deadlock\",");
	record_has("\"cycle\":[3,1,2]}");
}

TEST(deadlock_refused)
{
	const char *want = "ERR EDEADLK the call to port 10 would close a cycle of "
	    "blocked processes: pid 3 -> pid 1 -> pid 2 -> pid 3";
	int con, cl;

	start_kernel("--deadlock", "refuse", NULL);
	con = connect_kernel();
	cl = three_forwarders(con);
	set_off(con, cl, 'c');
	ASSERT_STR_EQ(trace_wait("* deadlock:"), "* deadlock: c -> a -> b -> c");
	/* c's call is refused; c replies with the error, and it comes back
	   down the chain to the client. */
	ASSERT_STR_EQ(answer(cl), want);
	ask_is(con, "expect deadlock b c a", "OK");
	no_one_blocked(con);
	ASSERT_EQ(stop_kernel(), 0);
	record_has("\"cycle\":[3,1,2]}");
	record_has("\"code\":\"EDEADLK\"");
}

/* ----- deaths in the middle of a call ----- */

/* The cycle a -> b -> c is about to close, but c is stopped: its call is
   not made.  b leaves (how), and c is let go: its call goes through a,
   which waits for nobody now, and there is no deadlock. */
static void
no_deadlock_after(int con, int cl, const char *answer_of_a)
{
	ASSERT_STR_EQ(answer(cl), answer_of_a);
	no_one_blocked(con);
	ASSERT_STR_EQ(ps_state(con, "a"), "running");
	ASSERT_STR_EQ(ps_state(con, "c"), "stopped");
	ask_is(con, "kill c CONT", "OK SIGCONT sent to c");
	/* c calls 10; a passes it on to 20, which is gone; c replies to b's
	   message with that, late: b is gone too. */
	wait_file(log_of("c"), "got: ERR ENOENT port 20 is not registered\n");
	wait_file(KLOG, "late answer from pid 3 to message 3 dropped\n");
	say(con, "expect deadlock a b c");
	ASSERT_STR_EQ(answer(con), "ERR EINVAL expect failed: no deadlock has been found");
	no_one_blocked(con);
	ASSERT_EQ(stop_kernel(), 0);
	ASSERT_EQ(count_in_file(EVENTS, "\"ev\":\"deadlock\""), 0);
}

TEST(blocked_process_killed)
{
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	cl = three_forwarders(con);
	ask_is(con, "kill c STOP", "OK c stopped by SIGSTOP");
	set_off(con, cl, 'b');
	ASSERT_STR_EQ(ps_state(con, "a"), "blocked on 20 (b)");
	ASSERT_STR_EQ(ps_state(con, "b"), "blocked on 30 (c)");
	ask_is(con, "kill b", "OK b was killed by SIGTERM");
	ASSERT_STR_EQ(ps_state(con, "b"), "dead: was killed by SIGTERM");
	/* What b had sent is answered to nobody, and said so. */
	wait_file(KLOG, "message 3 from pid 2 to port 30 dropped: its sender is gone\n");
	no_deadlock_after(con, cl, "ERR ESRCH server pid 2 was killed by SIGTERM");
}

TEST(blocked_process_dies)
{
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	spawn_server(con, "a", 1, "forward=20", 10);
	spawn_server(con, "c", 3, "forward=10", 30);
	/* b is a program: it dies while its call waits. */
	say(con, "spawn b pid=2 " PROG("dies.sh 20 30 7"));
	ASSERT_PREFIX(answer(con), "OK spawned b as pid 2 ");
	ask_is(con, "b: c {.message=,.pid=2,.port=20}", "OK port 20 already registered "
	    "in slot 2");
	cl = client_on(9, 10);
	ask_is(con, "a: c {.message=x,.pid=1,.port=10}", "OK port 10 registered in slot 0");
	ask_is(con, "kill c STOP", "OK c stopped by SIGSTOP");
	set_off(con, cl, 'b');
	trace_wait("* b (pid 2) exited with status 7");
	ASSERT_STR_EQ(ps_state(con, "b"), "dead: exited with status 7");
	no_deadlock_after(con, cl, "ERR ESRCH server pid 2 exited with status 7");
}

TEST(blocked_process_stopped)
{
	int con, cl;

	start_kernel("--timeout", "1500", NULL);
	con = connect_kernel();
	cl = three_forwarders(con);
	ask_is(con, "kill c STOP", "OK c stopped by SIGSTOP");
	set_off(con, cl, 'b');
	/* Stopped, b shows so, blocked or not; and its callers wait on it
	   until they time out. */
	ask_is(con, "kill b STOP", "OK b stopped by SIGSTOP");
	ASSERT_STR_EQ(ps_state(con, "b"), "stopped");
	ASSERT_STR_EQ(ps_state(con, "a"), "blocked on 20 (b)");
	ASSERT_STR_EQ(answer(cl), "ERR ETIMEDOUT server pid 1 did not answer within "
	    "1500 ms");
	wait_file(log_of("a"), "got: ERR ETIMEDOUT server pid 2 did not answer within "
	    "1500 ms\n");
	no_one_blocked(con);
	ASSERT_STR_EQ(ps_state(con, "b"), "stopped");
	/* Killed while stopped, it dies; c goes on, and nothing waits. */
	ask_is(con, "kill b", "OK b was killed by SIGTERM");
	ask_is(con, "kill c CONT", "OK SIGCONT sent to c");
	wait_file(log_of("c"), "got: ERR ENOENT port 20 is not registered\n");
	no_one_blocked(con);
	say(con, "expect deadlock a b c");
	ASSERT_STR_EQ(answer(con), "ERR EINVAL expect failed: no deadlock has been found");
	ASSERT_EQ(stop_kernel(), 0);
}

TEST(far_end_dies)
{
	int con, cl;

	start_kernel(NULL);
	con = connect_kernel();
	spawn_server(con, "end", 30, "reply=echo", 30);
	spawn_server(con, "mid", 20, "forward=30", 20);
	spawn_server(con, "front", 10, "forward=20", 10);
	cl = client_on(9, 10);
	ask_is(cl, "{.message=hello,.pid=9,.port=10}", "OK hello");
	ask_is(con, "kill end STOP", "OK end stopped by SIGSTOP");
	say(cl, "{.message=anyone?,.pid=9,.port=10}");
	trace_wait("end <- * received \"anyone?\" from pid 20 via port 30");
	ASSERT_STR_EQ(ps_state(con, "front"), "blocked on 20 (mid)");
	ASSERT_STR_EQ(ps_state(con, "mid"), "blocked on 30 (end)");
	/* The end of the chain dies: mid's call is answered ESRCH, mid
	   replies with it, and so does front. */
	ask_is(con, "kill end", "OK end was killed by SIGTERM");
	ASSERT_STR_EQ(answer(cl), "ERR ESRCH server pid 30 was killed by SIGTERM");
	no_one_blocked(con);
	ASSERT_STR_EQ(ps_state(con, "front"), "running");
	ASSERT_STR_EQ(ps_state(con, "mid"), "running");
	ask_is(cl, "{.message=and now?,.pid=9,.port=10}", "ERR ENOENT port 30 is not "
	    "registered");
	ASSERT_EQ(stop_kernel(), 0);
}

/* ----- a long cycle ----- */

#define RING	150	/* forwarders in the cycle */

/*
 * f0 serves port 1000 by calling 1001, ... f149 serves 1149 by calling
 * 1000.  A message to f0 goes round, each forwarder linking and calling on
 * its own, until f149's call closes the cycle: it is found then, and the
 * report names all 150 in wait order.  (That the check at each call costs
 * one walk of the chain, not a scan of every process, cannot be seen from
 * outside in so short a time: test_route's deadlock_found_in_one_walk
 * counts the steps, 1000 for a cycle of 1000.)
 */
TEST(deadlock_of_a_long_cycle)
{
	char line[128], want[128];
	int con, cl;
	int64_t t0;

	start_kernel("--slots", "200", "--timeout", "60000", NULL);
	con = connect_kernel();
	/* Every line at once: the console runs them in turn. */
	for (int i = 0; i < RING; i++) {
		snprintf(line, sizeof line, "spawn f%d pid=%d forward=%d", i, 100 + i,
		    1000 + (i + 1) % RING);
		say(con, line);
		snprintf(line, sizeof line, "f%d: c {.message=x,.pid=%d,.port=%d}", i,
		    100 + i, 1000 + i);
		say(con, line);
	}
	for (int i = 0; i < RING; i++) {
		snprintf(want, sizeof want, "OK spawned f%d as pid %d ", i, 100 + i);
		ASSERT_PREFIX(answer(con), want);
		snprintf(want, sizeof want, "OK port %d registered in slot %d", 1000 + i, i);
		ASSERT_STR_EQ(answer(con), want);
	}
	cl = client_on(9, 1000);
	ask_is(con, "f0: c {.message=x,.pid=100,.port=1000}", "OK port 1000 registered "
	    "in slot 0");

	t0 = now_ms();
	say(cl, "{.message=round,.pid=9,.port=1000}");
	const char *l = trace_wait("* deadlock:");
	int64_t took = now_ms() - t0;
	/* The cycle, from the call that closed it, in one line: as far as it
	   fits, then how many more (the lines below name each). */
	char *whole = malloc(RING * 16 + 64);
	size_t w = (size_t)sprintf(whole, "* deadlock: f%d", RING - 1);
	int shown = 0;
	for (; shown < RING - 1; shown++) {
		size_t k = (size_t)sprintf(whole + w, " -> f%d", shown);
		if (strncmp(l, whole, w + k) != 0 || l[w + k] != ' ')
			break;
		w += k;
	}
	ASSERT_CMP(shown, >, 50);
	sprintf(whole + w, " -> ... (%d more, each below) -> f%d", RING - 1 - shown,
	    RING - 1);
	ASSERT_STR_EQ(l, whole);
	ASSERT_CMP(strlen(l), <, MIPC_ANSWER_MAX * 2 - 16);
	for (int i = 0; i < RING; i++) {
		int p = (RING - 1 + i) % RING, q = (p + 1) % RING;
		snprintf(want, sizeof want, "| f%d (pid %d) waits for f%d (pid %d) on port "
		    "%d: message ", p, 100 + p, q, 100 + q, 1000 + q);
		ASSERT_PREFIX(trace_next(), want);
	}
	/* 150 hops, each a delivery, a link and a call, with a check for a
	   cycle at each call: well within a deadline. */
	if (took > 5000)
		TEST_FAIL_("the cycle of %d was found after %lld ms", RING, (long long)took);
	ASSERT_STR_EQ(ps_state(con, "f0"), "blocked on 1001 (f1)");
	ASSERT_STR_EQ(ps_state(con, "f149"), "blocked on 1000 (f0)");

	/* f0 dies: the client's message to it is answered ESRCH, and so is
	   f149's call; f149 replies with that, and so on back round to f1,
	   whose reply to f0's message goes to nobody.  Nothing waits on a
	   process that is gone. */
	ask_is(con, "kill f0 KILL", "OK f0 was killed by SIGKILL");
	ASSERT_STR_EQ(answer(cl), "ERR ESRCH server pid 100 was killed by SIGKILL");
	wait_file(KLOG, "late answer from pid 101 to message ");
	no_one_blocked(con);
	/* The rest go too, all at once, by SIGKILL: an exit of their own is a
	   leak check in a sanitized build, 150 of them one after the other at
	   the kernel's stop, longer than a case may take. */
	for (int i = 1; i < RING; i++) {
		snprintf(line, sizeof line, "kill f%d KILL", i);
		say(con, line);
	}
	for (int i = 1; i < RING; i++) {
		snprintf(want, sizeof want, "OK f%d was killed by SIGKILL", i);
		ASSERT_STR_EQ(answer(con), want);
	}
	ASSERT_EQ(stop_kernel(), 0);
	/* The record has the cycle, in wait order. */
	w = (size_t)sprintf(whole, "\"cycle\":[%d", 100 + RING - 1);
	for (int i = 0; i < RING - 1; i++)
		w += (size_t)sprintf(whole + w, ",%d", 100 + i);
	sprintf(whole + w, "]}");
	record_has(whole);
	free(whole);
}

static const struct test_case cases[] = {
	TEST_CASE(program_that_cannot_run),
	TEST_CASE(program_that_exits_at_once),
	TEST_CASE(program_that_writes_garbage),
	TEST_CASE(server_that_answers_nothing),
	TEST_CASE(server_that_answers_twice),
	TEST_CASE(program_that_calls_twice),
	TEST_CASE(program_that_floods),
	TEST_CASE(program_that_never_reads),
	TEST_CASE(forwarder_to_a_port_not_registered),
	TEST_CASE(error_replies),
	TEST_CASE(deadlock_report),
	TEST_CASE(deadlock_refused),
	TEST_CASE(blocked_process_killed),
	TEST_CASE(blocked_process_dies),
	TEST_CASE(blocked_process_stopped),
	TEST_CASE(far_end_dies),
	TEST_CASE(deadlock_of_a_long_cycle),
};

LIVE_MAIN("programs", cases)
