/*
 * test_live.c - a live kernel driven over its socket, the way a user's own
 * program would drive it (the harness is live.h).
 */
#define _XOPEN_SOURCE 700	/* posix_openpt(): attach on a terminal */

#include <pwd.h>

#include "live.h"

/* The walk-through's session, typed by one client. */
TEST(seed_session)
{
	start_kernel(NULL);
	int c = connect_kernel();
	ask(c, "c {.message=hello world,.pid=1234,.port=8080}", "OK");
	ask(c, "{.message=hello world,.pid=1234,.port=8080}", "OK linked 8080<-1234");
	say(c, "{.message=hello world,.pid=1234,.port=8080}");
	/* A self-link: the delivery comes first, then the answer. */
	ASSERT_STR_EQ(next_line(c),
	    "* received \"hello world\" from pid 1234 via port 8080");
	ASSERT_STR_EQ(next_line(c), "OK response written to port: 8080");
	ask(c, "r {.message=hello world,.pid=1234,.port=8080}", "OK");
	ask(c, "{.message=x,.pid=999,.port=8080}", "ERR EPERM");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Two clients: one serves, the other sends. */
TEST(two_clients)
{
	start_kernel(NULL);
	int srv = connect_kernel(), cli = connect_kernel();
	ask(srv, "c {.message=x,.pid=10,.port=80}", "OK");
	ask(cli, "{.message=x,.pid=20,.port=80}", "OK linked 80<-20");
	say(cli, "{.message=ping, {with} commas,.pid=20,.port=80}");
	ASSERT_STR_EQ(next_line(srv),
	    "* received \"ping, {with} commas\" from pid 20 via port 80");
	ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
	/* The second client claimed pid 20: nobody else may. */
	int third = connect_kernel();
	ask(third, "c {.message=x,.pid=20,.port=81}", "ERR EPERM");
	/* The server leaves: the client is told and its port is gone. */
	close(srv);
	ASSERT_PREFIX(next_line(cli), "* link 80<-20 destroyed");
	ask(cli, "{.message=x,.pid=20,.port=80}", "ERR ENOENT");
	close(cli);
	close(third);
	ASSERT_EQ(stop_kernel(), 0);
}

/* 100 lines in one write come back answered in their order. */
TEST(pipelined_in_order)
{
	start_kernel(NULL);
	int srv = connect_kernel(), cli = connect_kernel();
	char buf[64 * 1024];
	size_t n = 0;

	ask(srv, "c {.message=x,.pid=10,.port=80}", "OK");
	ask(cli, "{.message=x,.pid=20,.port=80}", "OK");
	/* Sends (answered once the server's line is written) mixed with lines
	   answered at once: the order must hold all the same. */
	for (int i = 0; i < 100; i++) {
		if (i % 3 == 2)
			n += (size_t)snprintf(buf + n, sizeof buf - n,
			    "{.message=x,.pid=20,.port=%d}\n", 9000 + i);
		else
			n += (size_t)snprintf(buf + n, sizeof buf - n,
			    "{.message=m%d,.pid=20,.port=80}\n", i);
	}
	send_all(cli, buf, n);
	for (int i = 0; i < 100; i++) {
		char *a = answer(cli);
		if (i % 3 == 2)
			ASSERT_PREFIX(a, "ERR ENOENT port ");
		else
			ASSERT_STR_EQ(a, "OK response written to port: 80");
	}
	for (int i = 0; i < 100; i++) {
		if (i % 3 == 2)
			continue;
		char want[64];
		snprintf(want, sizeof want,
		    "* received \"m%d\" from pid 20 via port 80", i);
		ASSERT_STR_EQ(next_line(srv), want);
	}
	close(srv);
	close(cli);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * A console line that takes time (a round trip to a child, a timer) holds
 * back every line after it, requests, comments and blank lines too: the
 * request below needs the port the line before it registers.
 */
TEST(console_line_holds_back_what_follows)
{
	static const char burst[] = "spawn q1 pid=1000\n"
	    "q1: c {.message=x,.pid=1000,.port=91}\n"
	    "{.message=x,.pid=902,.port=91}\n"
	    "# a comment\n"
	    "\n"
	    "sleep 50\n"
	    "{.message=x,.pid=902,.port=999}\n";

	start_kernel(NULL);
	int c = connect_kernel();
	send_all(c, burst, sizeof burst - 1);
	ASSERT_PREFIX(answer(c), "OK spawned q1");
	ASSERT_PREFIX(answer(c), "OK port 91 registered");
	ASSERT_PREFIX(answer(c), "OK linked 91<-902");
	ASSERT_STR_EQ(answer(c), "OK");
	ASSERT_PREFIX(answer(c), "ERR EINVAL empty line");
	ASSERT_STR_EQ(answer(c), "OK");
	ASSERT_PREFIX(answer(c), "ERR ENOENT port 999");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Whether the kernel closes fd (after any lines still unread) in time. */
static int
closed_by_kernel(int fd)
{
	char buf[4096];
	struct pollfd p = { fd, POLLIN, 0 };

	for (;;) {
		if (poll(&p, 1, DEADLINE_MS) != 1)
			return 0;
		ssize_t r = read(fd, buf, sizeof buf);
		if (r == 0)
			return 1;
		if (r == -1 && errno != EINTR)
			return 0;
	}
}

/*
 * A client that closes only its sending half at the end of its input, as
 * `socat` does, still reads: its last line counts without a newline, every
 * line is answered (a message in flight to a child too), and then the
 * kernel closes it.  One that closes its socket in the middle of a line is
 * gone at once, and the log says what was dropped.
 */
TEST(half_closed_client_answered)
{
	static const char all[] = "spawn srv pid=300\n"
	    "srv: c {.message=x,.pid=300,.port=30}\n"
	    "{.message=x,.pid=40,.port=30}\n"
	    "{.message=hello,.pid=40,.port=30}\n"
	    "ps";
	char log[400];

	start_kernel(NULL);
	int c = connect_kernel();
	send_all(c, all, sizeof all - 1);
	ASSERT_EQ(shutdown(c, SHUT_WR), 0);
	ASSERT_PREFIX(answer(c), "OK spawned srv");
	ASSERT_PREFIX(answer(c), "OK port 30 registered");
	ASSERT_PREFIX(answer(c), "OK linked 30<-40");
	ASSERT_STR_EQ(answer(c), "OK response written to port: 30");
	ASSERT_STR_EQ(answer(c), "OK");		/* the ps */
	ASSERT(closed_by_kernel(c));
	close(c);

	c = connect_kernel();
	send_all(c, "c {.message=cut", 15);
	close(c);
	snprintf(log, sizeof log, "%s/logs/kernel.log", dir);
	ASSERT(file_has(log, "client fd ", DEADLINE_MS));
	ASSERT(file_has(log, " closed in the middle of a line: 15 bytes dropped",
	    DEADLINE_MS));
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * A child reads a burst to its end before it answers: 64 deliveries of 256
 * bytes fill its 16 KiB read exactly, with nothing behind them.  It must see
 * that nothing more is there and answer, not wait for more with the
 * answers held back (they would come as ETIMEDOUT).
 */
TEST(child_answers_a_full_buffer)
{
	start_kernel(NULL);
	int c = connect_kernel(), cli = connect_kernel();
	char text[219], buf[64 * 300];

	ask(c, "spawn server pid=10", "OK spawned server");
	ask(c, "server: c {.message=x,.pid=10,.port=80}", "OK");
	ask(cli, "{.message=x,.pid=20,.port=80}", "OK linked");
	/* `* received "TEXT" from pid 20 via port 80` and its newline: 256 */
	memset(text, 'b', 218);
	text[218] = '\0';
	for (int round = 0; round < 5; round++) {
		size_t n = 0;
		for (int i = 0; i < 64; i++)
			n += (size_t)snprintf(buf + n, sizeof buf - n,
			    "{.message=%s,.pid=20,.port=80}\n", text);
		send_all(cli, buf, n);
		for (int i = 0; i < 64; i++)
			ASSERT_STR_EQ(answer(cli), "OK response written to port: 80");
	}
	close(cli);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Answers that come before those ahead of them wait their turn: a stopped
   server holds the first line, a running one answers the next two. */
TEST(overtaken_answers_keep_order)
{
	start_kernel("--timeout", "60000", NULL);
	int c = connect_kernel(), other = connect_kernel();

	ask(c, "spawn slow pid=501", "OK spawned slow");
	ask(c, "spawn fast pid=502", "OK spawned fast");
	ask(c, "slow: c {.message=x,.pid=501,.port=1}", "OK");
	ask(c, "fast: c {.message=x,.pid=502,.port=2}", "OK");
	ask(c, "{.message=x,.pid=20,.port=1}", "OK linked");
	ask(c, "{.message=x,.pid=20,.port=2}", "OK linked");
	ask(c, "kill slow STOP", "OK slow stopped");
	say(c, "{.message=first,.pid=20,.port=1}");
	say(c, "{.message=second,.pid=20,.port=2}");
	say(c, "{.message=third,.pid=20,.port=2}");
	say(c, "{.message=x,.pid=20,.port=3}");	/* answered at once */
	/* Once fast has been sent "third" and has answered both (its link has
	   nothing in flight), slow may go on: ask until so, for 5 s at most. */
	int64_t deadline = now_ms() + 5000;
	for (;;) {
		ASSERT(now_ms() < deadline);
		say(other, "expect fast received \"third\"");
		if (strncmp(answer(other), "OK", 2) == 0)
			break;
		(void)poll(NULL, 0, 5);
	}
	for (int done = 0; !done;) {
		ASSERT(now_ms() < deadline);
		say(other, "dump");
		for (char *l = next_line(other); strncmp(l, "| ", 2) == 0;
		    l = next_line(other))
			if (strstr(l, "first 2 (pid 502)  second 20  in flight 0/") != NULL)
				done = 1;
		if (!done)
			(void)poll(NULL, 0, 5);
	}
	ask(other, "kill slow CONT", "OK");
	ASSERT_STR_EQ(answer(c), "OK response written to port: 1");
	ASSERT_STR_EQ(answer(c), "OK response written to port: 2");
	ASSERT_STR_EQ(answer(c), "OK response written to port: 2");
	ASSERT_PREFIX(answer(c), "ERR ENOENT port 3");
	close(other);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Past MIPC_RECEIVED_MAX distinct texts a child's later texts are not kept,
   and an expect that looks for one says so rather than "received no". */
TEST(expect_received_past_the_bound)
{
	start_kernel("--queue", "65536", NULL);
	int c = connect_kernel();
	char line[128];
	size_t cap = (MIPC_RECEIVED_MAX + 1) * 48, n = 0;
	char *buf = malloc(cap);

	ASSERT(buf != NULL);
	ask(c, "spawn server pid=500", "OK spawned server");
	ask(c, "server: c {.message=x,.pid=500,.port=80}", "OK");
	ask(c, "{.message=x,.pid=1,.port=80}", "OK linked");
	for (int i = 0; i <= MIPC_RECEIVED_MAX; i++)
		n += (size_t)snprintf(buf + n, cap - n,
		    "{.message=m%d,.pid=1,.port=80}\n", i);
	send_all(c, buf, n);
	for (int i = 0; i <= MIPC_RECEIVED_MAX; i++)
		ASSERT_STR_EQ(answer(c), "OK response written to port: 80");
	snprintf(line, sizeof line, "expect server received \"m%d\"",
	    MIPC_RECEIVED_MAX - 1);
	ask(c, line, "OK");
	snprintf(line, sizeof line, "expect server received \"m%d\"",
	    MIPC_RECEIVED_MAX);
	say(c, line);
	char *a = answer(c);
	ASSERT_PREFIX(a, "ERR EINVAL expect failed");
	ASSERT(strstr(a, "among the 4096 distinct texts kept; later ones are "
	    "not") != NULL);
	free(buf);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Garbage gets one answer a line, and the connection stays usable. */
TEST(garbage_answered)
{
	start_kernel(NULL);
	int c = connect_kernel();
	char *big = malloc(100 * 1024 + 1);
	unsigned seed = 7;

	ASSERT(big != NULL);
	say(c, "");
	ASSERT_PREFIX(answer(c), "ERR EINVAL");
	say(c, "# a comment");
	ASSERT_STR_EQ(answer(c), "OK");
	send_all(c, "{.message=a\0b,.pid=1,.port=2}\n", 30);
	ASSERT_PREFIX(answer(c), "ERR EINVAL");
	memset(big, 'x', 100 * 1024);
	big[100 * 1024] = '\n';
	send_all(c, big, 100 * 1024 + 1);
	ASSERT_PREFIX(answer(c), "ERR EMSGSIZE");
	/* 200 lines of random bytes (no newline inside). */
	for (int i = 0; i < 200; i++) {
		char line[120];
		int len = 1 + (int)(rand_r(&seed) % 100);
		for (int j = 0; j < len; j++) {
			line[j] = (char)(rand_r(&seed) % 256);
			if (line[j] == '\n')
				line[j] = ' ';
		}
		line[len] = '\n';
		send_all(c, line, (size_t)len + 1);
	}
	for (int i = 0; i < 200; i++) {
		char *a = next_line(c);
		/* A random line may even end up a console listing's prefix: what
		   counts is that each gets one answer line. */
		if (strncmp(a, "| ", 2) == 0) {
			i--;
			continue;
		}
		ASSERT(strncmp(a, "OK", 2) == 0 || strncmp(a, "ERR ", 4) == 0);
	}
	ask(c, "c {.message=still fine,.pid=77,.port=7}", "OK port 7");
	free(big);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A request trickled one byte at a time is still one request. */
TEST(trickled)
{
	start_kernel(NULL);
	int c = connect_kernel();
	const char *line = "c {.message=slowly,.pid=5,.port=55}\n";

	for (const char *p = line; *p != '\0'; p++) {
		send_all(c, p, 1);
		if (p[1] != '\0') {
			struct pollfd pfd = { c, POLLIN, 0 };
			ASSERT_EQ(poll(&pfd, 1, 2), 0);	/* nothing answered early */
		}
	}
	ASSERT_STR_EQ(answer(c), "OK port 55 registered in slot 0");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A client that closes while a console line of its own is in progress (a
   long sleep) leaves at once: its pid is free for the next client. */
TEST(client_gone_during_its_sleep)
{
	start_kernel(NULL);
	int a = connect_kernel();
	ask(a, "c {.message=x,.pid=7,.port=7}", "OK port 7 registered");
	say(a, "sleep 60000");
	close(a);
	int b = connect_kernel();
	ask(b, "c {.message=x,.pid=7,.port=8}", "OK port 8 registered");
	ask(b, "{.message=x,.pid=7,.port=7}", "ERR ENOENT port 7 is not registered");
	close(b);
	ASSERT_EQ(stop_kernel(), 0);
}

/* 200 clients vanish in the middle of a line; the kernel serves on. */
TEST(vanishing_clients)
{
	start_kernel(NULL);
	for (int i = 0; i < 200; i++) {
		int c = connect_kernel();
		char line[64];
		int n = snprintf(line, sizeof line, "c {.message=half,.pid=%d,.po", i + 1);
		send_all(c, line, (size_t)n);
		close(c);
	}
	int c = connect_kernel();
	ask(c, "c {.message=x,.pid=1,.port=1}", "OK port 1 registered");
	ask(c, "ps", "OK");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* The same, made certain: a full house of clients comes and goes while the
   kernel is stopped, so it meets them, with their last bytes and their end
   of file, only when the next one finds the limit reached.  It must see
   they left, and let that one in. */
TEST(vanished_clients_make_room)
{
	int status;

	start_kernel(NULL);
	ASSERT_EQ(kill(kpid, SIGSTOP), 0);
	ASSERT_EQ(waitpid(kpid, &status, WUNTRACED), kpid);
	ASSERT(WIFSTOPPED(status));
	for (int i = 0; i < MIPC_CLIENTS_MAX; i++) {
		int c = connect_kernel();
		send_all(c, "c {.message=half", 16);
		close(c);
	}
	int c = connect_kernel();
	say(c, "c {.message=x,.pid=1,.port=1}");
	ASSERT_EQ(kill(kpid, SIGCONT), 0);
	ASSERT_PREFIX(answer(c), "OK port 1 registered");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A client that never reads is cut off; everyone else is served meanwhile. */
TEST(client_never_reads)
{
	start_kernel(NULL);
	int lazy = connect_kernel(), good = connect_kernel();
	char buf[8192];
	size_t n = 0;

	/* Each `help` asks for ~1.5 KB of output: queue far more than the
	   bound without reading any of it. */
	while (n + 6 < sizeof buf)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "help\n");
	fcntl(lazy, F_SETFL, O_NONBLOCK);
	int64_t end = now_ms() + DEADLINE_MS;
	int cut = 0;
	while (!cut && now_ms() < end) {
		ssize_t w = write(lazy, buf, n);
		if (w == -1 && errno == EPIPE)
			cut = 1;
		else if (w == -1 && errno == ECONNRESET)
			cut = 1;
		/* the good client is answered all along */
		ask(good, "ps", "OK");
	}
	ASSERT(cut);
	close(lazy);
	ask(good, "c {.message=x,.pid=3,.port=3}", "OK");
	close(good);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A stopped, then killed server with a message in flight: ESRCH. */
TEST(stopped_then_killed_server)
{
	start_kernel("--timeout", "60000", NULL);
	int c = connect_kernel();
	ask(c, "spawn server pid=500", "OK spawned server");
	ask(c, "server: c {.message=x,.pid=500,.port=80}", "OK");
	ask(c, "{.message=x,.pid=1,.port=80}", "OK linked");
	ask(c, "kill server STOP", "OK server stopped");
	say(c, "{.message=in flight,.pid=1,.port=80}");
	int other = connect_kernel();
	ask(other, "kill server KILL", "OK server was killed by SIGKILL");
	ASSERT_PREFIX(answer(c), "ERR ESRCH");
	ask(other, "expect dead server", "OK");
	close(other);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A user who is not us is refused alone; the kernel runs on. */
TEST(other_uid_refused)
{
	if (getuid() != 0) {
		printf("  (skipped the other uid: not root)\n");
		return;
	}
	start_kernel(NULL);
	chmod(top, 0711);	/* let the stranger reach the socket itself */
	chmod(dir, 0755);
	chmod(sockpath, 0777);
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(3);
		int c = connect_kernel();
		char buf[64];
		const char req[] = "c {.message=x,.pid=1,.port=1}\n";
		/* The kernel may have closed it already (EPIPE): that is the
		   refusal too. */
		(void)!write(c, req, sizeof req - 1);
		/* refused: the connection is closed without an answer */
		_exit(read_line(c, buf, sizeof buf, now_ms() + DEADLINE_MS) == -1 ? 0 : 1);
	}
	int status;
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	int c = connect_kernel();
	ask(c, "c {.message=x,.pid=1,.port=1}", "OK");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A socket file left by a dead kernel is replaced. */
TEST(stale_socket_replaced)
{
	struct stat st;

	start_kernel(NULL);
	ASSERT(kill(kpid, SIGKILL) == 0);
	ASSERT(waitpid(kpid, NULL, 0) == kpid);
	ASSERT(lstat(sockpath, &st) == 0 && S_ISSOCK(st.st_mode));	/* left behind */
	restart_kernel(NULL);
	int c = connect_kernel();
	ask(c, "c {.message=x,.pid=1,.port=1}", "OK");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A second kernel on a live socket is refused, touches nothing (not even
   the logs of the last run) and leaves the first alone. */
TEST(second_kernel_refused)
{
	char err[512], logdir[300], old[320];

	start_kernel(NULL);
	snprintf(logdir, sizeof logdir, "%s/other-logs", dir);
	snprintf(old, sizeof old, "%s/old.log", logdir);
	ASSERT(mkdir(logdir, 0755) == 0);
	int fd = open(old, O_WRONLY | O_CREAT, 0644);
	ASSERT(fd != -1);
	close(fd);
	ASSERT(run_mipc(err, sizeof err, "kernel", "--socket", sockpath, "--log-dir",
	    logdir, "--backend", backend, (char *)NULL) != 0);
	ASSERT(strstr(err, "already running") != NULL);
	ASSERT(access(old, F_OK) == 0);
	int c = connect_kernel();
	ask(c, "c {.message=x,.pid=1,.port=1}", "OK");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * A kernel removes its socket file when it stops, but not one another
 * kernel put there after the first one's file was deleted (by a cleaner of
 * /tmp, say): that kernel must stay reachable.
 */
TEST(other_kernels_socket_kept)
{
	int status;

	start_kernel(NULL);
	pid_t first = kpid;
	int first_out = kout;
	kout = -1;		/* launch would close it */
	ASSERT_EQ(unlink(sockpath), 0);
	/* Its own logs: one log directory is one kernel's at a time. */
	char logs2[300];
	snprintf(logs2, sizeof logs2, "%s/logs2", dir);
	restart_kernel("--log-dir", logs2, NULL);
	ASSERT(kill(first, SIGTERM) == 0);
	ASSERT(waitpid(first, &status, 0) == first);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(first_out);
	int c = connect_kernel();
	ask(c, "ps", "OK");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * Out of file descriptors, a kernel refuses a new client with an ERR line
 * rather than leave it waiting (the connection would stay queued, and the
 * loop wake for it over and over); once a client leaves, a new one is in.
 */
TEST(out_of_descriptors_refused)
{
	struct rlimit old, low;
	int c[64], n = 0, refused = 0;
	char line[512];

	ASSERT(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = 24;	/* the kernel inherits it */
	ASSERT(setrlimit(RLIMIT_NOFILE, &low) == 0);
	start_kernel(NULL);
	ASSERT(setrlimit(RLIMIT_NOFILE, &old) == 0);
	while (!refused) {
		ASSERT(n < 64);
		c[n] = connect_kernel();
		/* A refused client may find the socket closed: no assert. */
		(void)write(c[n], "ps\n", 3);
		do
			ASSERT(read_line(c[n], line, sizeof line,
			    now_ms() + DEADLINE_MS) >= 0);
		while (strncmp(line, "| ", 2) == 0);
		if (strncmp(line, "ERR ENOSPC refused: the kernel is out of file "
		    "descriptors", 57) == 0)
			refused = 1;
		else
			ASSERT_STR_EQ(line, "OK");
		n++;
	}
	ASSERT(n > 2);
	/* One client leaves and another comes in the same batch of events
	   (the kernel is stopped meanwhile): the leaver's descriptor is the
	   newcomer's. */
	int st;
	ASSERT(kill(kpid, SIGSTOP) == 0);
	ASSERT(waitpid(kpid, &st, WUNTRACED) == kpid && WIFSTOPPED(st));
	close(c[--n]);
	close(c[--n]);
	c[n] = connect_kernel();
	say(c[n], "ps");
	ASSERT(kill(kpid, SIGCONT) == 0);
	do
		ASSERT(read_line(c[n], line, sizeof line, now_ms() + DEADLINE_MS) >= 0);
	while (strncmp(line, "| ", 2) == 0);
	ASSERT_STR_EQ(line, "OK");
	for (int i = 0; i <= n; i++)
		close(c[i]);
	ASSERT_EQ(stop_kernel(), 0);
}

/* An unsafe socket directory is refused with a clear message. */
TEST(unsafe_directory_refused)
{
	char err[512], open_dir[300], path[320];

	make_dir();
	snprintf(open_dir, sizeof open_dir, "%s/shared", dir);
	ASSERT(mkdir(open_dir, 0777) == 0);
	ASSERT(chmod(open_dir, 0777) == 0);
	snprintf(path, sizeof path, "%s/k.sock", open_dir);
	ASSERT(run_mipc(err, sizeof err, "kernel", "--socket", path, "--backend",
	    backend, (char *)NULL) != 0);
	ASSERT(strstr(err, "not private") != NULL);
	ASSERT(access(path, F_OK) == -1);
	/* and a path too long for a Unix socket */
	char longpath[400];
	memset(longpath, 'a', sizeof longpath);
	memcpy(longpath, dir, strlen(dir));
	longpath[strlen(dir)] = '/';
	longpath[sizeof longpath - 1] = '\0';
	ASSERT(run_mipc(err, sizeof err, "kernel", "--socket", longpath, (char *)NULL) != 0);
	ASSERT(strstr(err, "too long") != NULL);
	/* and one whose directory's parent is missing: only the socket's own
	   directory is made, and the message says what to do */
	snprintf(path, sizeof path, "%s/no/such/k.sock", dir);
	ASSERT(run_mipc(err, sizeof err, "kernel", "--socket", path, (char *)NULL) != 0);
	ASSERT(strstr(err, "make its parent first, or choose another --socket") != NULL);
}

/* attach with no kernel: a clear message and a non-zero status. */
TEST(attach_without_kernel)
{
	char err[512], path[320];

	make_dir();
	snprintf(path, sizeof path, "%s/none.sock", dir);
	ASSERT_EQ(run_mipc(err, sizeof err, "attach", "--socket", path, (char *)NULL), 1);
	ASSERT(strstr(err, "no kernel is running") != NULL);
	/* What to do, with the same socket. */
	char advice[400];
	snprintf(advice, sizeof advice, "start one with `mipc kernel --socket %s`",
	    path);
	ASSERT(strstr(err, advice) != NULL);
	/* A path that cannot be a socket at all is not "no kernel running". */
	snprintf(path, sizeof path, "%s/afile", dir);
	write_file(path, "x");
	snprintf(path, sizeof path, "%s/afile/k.sock", dir);
	ASSERT_EQ(run_mipc(err, sizeof err, "attach", "--socket", path, (char *)NULL), 1);
	ASSERT(strstr(err, "cannot connect to") != NULL);
	ASSERT(strstr(err, "Not a directory") != NULL);
}

/* SIGTERM: children stopped and reaped, socket removed, exit 0. */
TEST(sigterm_cleanup)
{
	start_kernel(NULL);
	int c = connect_kernel();
	pid_t os[3];
	ask(c, "spawn a", "OK spawned a");
	ask(c, "spawn b", "OK spawned b");
	ask(c, "spawn c", "OK spawned c");
	say(c, "ps");
	for (int i = 0; i < 3;) {
		char *l = next_line(c);
		char name[32];
		unsigned pid;
		long ospid;
		if (sscanf(l, "| %31s %u %ld", name, &pid, &ospid) == 3)
			os[i++] = (pid_t)ospid;
	}
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
	for (int i = 0; i < 3; i++)
		ASSERT(kill(os[i], 0) == -1 && errno == ESRCH);
}

/* A closed terminal (SIGHUP) stops the kernel as cleanly as SIGTERM. */
TEST(sighup_cleanup)
{
	start_kernel(NULL);
	int c = connect_kernel();
	ask(c, "spawn a", "OK spawned a");
	close(c);
	ASSERT_EQ(stop_kernel_with(SIGHUP), 0);
}

/* A child that dies between two lines: the kernel reaps it and serves on. */
TEST(child_dies_between_lines)
{
	start_kernel(NULL);
	int c = connect_kernel();
	ask(c, "spawn a pid=300", "OK");
	ask(c, "a: c {.message=x,.pid=300,.port=30}", "OK");
	ask(c, "kill a KILL", "OK a was killed by SIGKILL");
	ask(c, "a: c {.message=x,.pid=300,.port=31}", "ERR ESRCH");
	ask(c, "expect dead a", "OK");
	ask(c, "{.message=x,.pid=1,.port=30}", "ERR ENOENT");
	ask(c, "spawn a pid=300", "OK");
	ask(c, "a: c {.message=x,.pid=300,.port=30}", "OK");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* mipc attach < file: one line at a time, each after the last one's
   answer, comments and blank lines skipped, exit 0. */
/*
 * `mipc attach` on a terminal (a pseudo-terminal here): a prompt, and after
 * `quit` is answered, nothing more, no prompt that nobody would answer.
 */
TEST(attach_on_a_terminal)
{
	char out[4096];
	size_t n = 0;
	int status;

	start_kernel(NULL);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT(m != -1);
	ASSERT(grantpt(m) == 0 && unlockpt(m) == 0 && ptsname(m) != NULL);
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		int t;
		setsid();
		if ((t = open(ptsname(m), O_RDWR)) == -1)
			_exit(126);
		dup2(t, 0);
		dup2(t, 1);
		dup2(t, 2);
		close(m);
		execl(mipc(), mipc(), "attach", "--socket", sockpath, (char *)NULL);
		_exit(127);
	}
	/* Everything it writes, until it has closed the terminal. */
	int64_t deadline = now_ms() + DEADLINE_MS;
	int asked = 0;
	for (;;) {
		struct pollfd p = { m, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ASSERT(left > 0 && poll(&p, 1, (int)left) == 1);
		ssize_t r = read(m, out + n, sizeof out - 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;		/* EIO (Linux) or end of file: it is gone */
		n += (size_t)r;
		out[n] = '\0';
		/* An empty line and a comment send nothing, and each gets a
		   new prompt; then quit. */
		static const char *const typed[] = { "\n", "  # a note\n", "quit\n" };
		int prompts = 0;
		for (const char *q = strstr(out, "mipc> "); q != NULL;
		    q = strstr(q + 1, "mipc> "))
			prompts++;
		if (prompts > asked && asked < 3) {
			ASSERT(write(m, typed[asked], strlen(typed[asked])) ==
			    (ssize_t)strlen(typed[asked]));
			asked++;
		}
		ASSERT(n < sizeof out - 1);
	}
	close(m);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	const char *bye = strstr(out, "OK bye");
	if (bye == NULL || strcmp(bye, "OK bye\r\n") != 0)
		TEST_FAIL_("the output does not end at OK bye:\n%s", out);
	ASSERT_EQ(stop_kernel(), 0);
}

/* `yes ps | mipc attach | head -1`: once nobody reads its output, attach
   ends, rather than ask the kernel for ever. */
TEST(attach_stops_when_nobody_reads)
{
	int in[2], out[2], status;
	char line[512];

	start_kernel(NULL);
	ASSERT(pipe(in) == 0 && pipe(out) == 0);
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(mipc(), mipc(), "attach", "--socket", sockpath, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	for (int i = 0; i < 20; i++)
		send_all(in[1], "ps\n", 3);
	ASSERT(read_line(out[0], line, sizeof line, now_ms() + DEADLINE_MS) >= 0);
	close(out[0]);
	/* One more line, sent now that nobody reads: it may have answered all
	   twenty before the close, and a line it has yet to print is the
	   point. */
	send_all(in[1], "ps\n", 3);
	/* It ends by itself: its stdin stays open, with lines left to send. */
	int64_t deadline = now_ms() + DEADLINE_MS;
	pid_t r;
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		(void)poll(NULL, 0, 10);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		TEST_FAIL_("attach went on with nobody reading its output");
	}
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	close(in[1]);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Output that cannot be written (a full disk: /dev/full, where there is
   one) ends attach with the reason. */
TEST(attach_output_error_said)
{
	int err[2], status;
	char line[512];

	if (access("/dev/full", W_OK) != 0)
		return;		/* not on this system */
	start_kernel(NULL);
	ASSERT(pipe(err) == 0);
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		int in[2];
		if (pipe(in) == -1 || write(in[1], "ps\n", 3) != 3)
			_exit(126);
		close(in[1]);
		int full = open("/dev/full", O_WRONLY);
		dup2(in[0], 0);
		dup2(full, 1);
		dup2(err[1], 2);
		close(err[0]);
		execl(mipc(), mipc(), "attach", "--socket", sockpath, (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	ASSERT(read_line(err[0], line, sizeof line, now_ms() + DEADLINE_MS) >= 0);
	ASSERT_STR_EQ(line, "mipc: standard output: No space left on device");
	close(err[0]);
	ASSERT(waitpid(pid, &status, 0) == pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Runs `mipc attach` on the lines of session; returns its exit status, and
   what it printed (both streams) in *output. */
static int
attach_with(const char *session, char **output)
{
	char in[300], out[300];

	snprintf(in, sizeof in, "%s/session.txt", dir);
	snprintf(out, sizeof out, "%s/attach.out", dir);
	write_file(in, session);
	int status = run_mipc_io(in, out, "attach", "--socket", sockpath, (char *)NULL);
	*output = slurp(out);
	return status;
}

TEST(attach_from_a_pipe)
{
	char out[300], logs[300], *o;

	start_kernel(NULL);
	snprintf(out, sizeof out, "%s/out.txt", dir);
	ASSERT_EQ(attach_with(
	    "# a session typed into a file\n"
	    "spawn server pid=5678\n"
	    "\n"
	    "server: c {.message=hello world,.pid=5678,.port=8080}\n"
	    "{.message=hello world,.pid=1234,.port=8080}\n"
	    "{.message=hello world,.pid=1234,.port=8080}\n"
	    "expect ok\n"
	    "expect server received \"hello world\"\n"
	    "dump\n"
	    "{.message=no newline at the end,.pid=1234,.port=8080}", &o), 0);
	const char *want[] = {
		"OK spawned server as pid 5678",
		"OK port 8080 registered in slot 0",
		"OK linked 8080<-1234 in mailbox slot 0",
		"OK response written to port: 8080\nOK\nOK\n| process table",
		"| mailbox queues: 6 slots, 1 used",
		"OK response written to port: 8080\n",
	};
	const char *at = o;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *f = strstr(at, want[i]);
		if (f == NULL)
			TEST_FAIL_("attach output lacks, in order: %s\n--- output:\n%s",
			    want[i], o);
		at = f + strlen(want[i]);
	}
	ASSERT(strstr(o, "ERR") == NULL);
	/* and the logs of that run */
	snprintf(logs, sizeof logs, "%s/logs", dir);
	ASSERT_EQ(run_mipc_io(NULL, out, "logs", "--log-dir", logs, (char *)NULL), 0);
	o = slurp(out);
	ASSERT(strstr(o, "kernel ") != NULL);
	ASSERT(strstr(o, "server ") != NULL);
	ASSERT_EQ(run_mipc_io(NULL, out, "logs", "server", "--log-dir", logs,
	    (char *)NULL), 0);
	o = slurp(out);
	ASSERT(strstr(o, "received \"hello world\" from pid 1234 via port 8080") != NULL);
	ASSERT(strstr(o, "answered: response written to port: 8080") != NULL);
	ASSERT_EQ(run_mipc_io(NULL, out, "logs", "nobody", "--log-dir", logs,
	    (char *)NULL), 1);
	ASSERT_EQ(run_mipc_io(NULL, out, "logs", "../etc", "--log-dir", logs,
	    (char *)NULL), 2);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A session with a failed expect ends with status 1, as `mipc run` does,
   after running to its end. */
TEST(attach_failed_expect_exits_1)
{
	char *o;

	start_kernel(NULL);
	ASSERT_EQ(attach_with(
	    "{.message=x,.pid=1234,.port=8080}\n"
	    "expect ok\n"
	    "expect err ENOENT\n"
	    "expect ok\n"
	    "ps\n", &o), 1);
	ASSERT(strstr(o, "ERR EINVAL expect failed") != NULL);
	ASSERT(strstr(o, "| NAME") != NULL);	/* the line after them ran */
	ASSERT(strstr(o, "mipc: 2 expects failed\n") != NULL);
	/* and with every expect held, 0 */
	ASSERT_EQ(attach_with("{.message=x,.pid=1234,.port=8080}\nexpect err ENOENT\n",
	    &o), 0);
	ASSERT(strstr(o, "expects failed") == NULL);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Nothing is sent after quit: the lines after it in the input are left,
   and attach ends well. */
TEST(attach_quit_ends_the_session)
{
	char *o;

	start_kernel(NULL);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(attach_with("ps\nquit\nps\n", &o), 0);
		ASSERT(strstr(o, "OK bye\n") != NULL);
		ASSERT(strstr(o, "mipc:") == NULL);
		ASSERT(strstr(strstr(o, "| NAME") + 1, "| NAME") == NULL);
	}
	ASSERT_EQ(stop_kernel(), 0);
}

/* A kernel with every client place taken refuses attach: the user sees
   its ERR line, that alone, and the status is 1, every time. */
TEST(attach_refused_when_full)
{
	int c[MIPC_CLIENTS_MAX];
	char *o;

	start_kernel(NULL);
	for (int i = 0; i < MIPC_CLIENTS_MAX; i++) {
		c[i] = connect_kernel();
		ask(c[i], "ps", "OK");
	}
	for (int i = 0; i < 10; i++) {
		/* quit too: refused, it did not leave of its own accord */
		ASSERT_EQ(attach_with(i % 2 ? "c {.message=x,.pid=1,.port=1}\n" :
		    "quit\n", &o), 1);
		ASSERT_STR_EQ(o, "ERR ENOSPC refused: too many clients attached (64); "
		    "try again later\n");
	}
	for (int i = 0; i < MIPC_CLIENTS_MAX; i++)
		close(c[i]);
	ASSERT_EQ(stop_kernel(), 0);
}

/* help lists the verbs, one line each, before its answer. */
TEST(help_lists_the_verbs)
{
	start_kernel(NULL);
	int c = connect_kernel();
	say(c, "help");
	int listed = 0;
	char *l;
	while (strncmp(l = next_line(c), "| ", 2) == 0)
		listed++;
	ASSERT_STR_EQ(l, "OK");
	ASSERT(listed >= 15);
	ask(c, "frobnicate", "ERR EINVAL unknown verb 'frobnicate'");
	ask(c, "expect nonsense here", "ERR EINVAL malformed expect");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A child that stops reading while output floods towards it is killed
   once its bound is passed, with the reason logged; the others are served
   all along, and every message on it is answered.  Two senders, because
   the kernel stops reading one client that has 4096 lines awaiting answers
   (and its blocking writes would then wait). */
TEST(flooded_child_cut_off)
{
	char logs[300], *big = malloc(2 * 1024 * 1024);
	const int count = 3000;
	int c[2];

	ASSERT(big != NULL);
	start_kernel("--queue", "65536", "--timeout", "60000", NULL);
	int other = connect_kernel();
	ask(other, "spawn server pid=500", "OK");
	ask(other, "server: c {.message=x,.pid=500,.port=80}", "OK");
	for (int k = 0; k < 2; k++) {
		char line[80];
		c[k] = connect_kernel();
		ask(other, "server: c {.message=x,.pid=500,.port=80}", "OK");
		snprintf(line, sizeof line, "{.message=x,.pid=%d,.port=80}", k + 1);
		ask(c[k], line, "OK linked");
	}
	ask(other, "kill server STOP", "OK server stopped");
	char text[251];
	memset(text, 'f', 250);
	text[250] = '\0';
	for (int k = 0; k < 2; k++) {
		size_t n = 0;
		for (int i = 0; i < count; i++)
			n += (size_t)snprintf(big + n, 2 * 1024 * 1024 - n,
			    "{.message=%s,.pid=%d,.port=80}\n", text, k + 1);
		send_all(c[k], big, n);	/* 870 KB each for a process that reads none */
	}
	ask(other, "c {.message=x,.pid=3,.port=3}", "OK");	/* served meanwhile */
	/* Every line answered once: ESRCH while the server lived, ENOENT for
	   what came after it died (its port went with it). */
	int esrch = 0;
	for (int k = 0; k < 2; k++) {
		int gone = 0;
		for (int i = 0; i < count; i++) {
			char *a = answer(c[k]);
			if (!gone && strncmp(a, "ERR ESRCH", 9) == 0)
				esrch++;
			else if (strncmp(a, "ERR ENOENT port 80", 18) == 0)
				gone = 1;
			else
				TEST_FAIL_("client %d, answer %d: %s", k, i, a);
		}
	}
	ASSERT(esrch > 0);
	ask(other, "expect dead server", "OK");
	snprintf(logs, sizeof logs, "%s/logs/kernel.log", dir);
	ASSERT(file_has(logs, "server (pid 500) stopped reading", 5000));
	ASSERT_EQ(count_in_file(logs, "stopped reading"), 1);	/* said once */
	free(big);
	close(c[0]);
	close(c[1]);
	close(other);
	ASSERT_EQ(stop_kernel(), 0);
}

/* kernel --scenario: the scenario runs first, then the kernel stays up
   and clients see its state. */
TEST(scenario_then_serve)
{
	char line[1024];

	start_kernel("--scenario", "scenarios/walkthrough.mipc", NULL);
	int c = connect_kernel();
	/* The scenario is the kernel's own console, and its trace says how it
	   went when it is done; a client's lines run beside it. */
	do
		ASSERT(read_line(kout, line, sizeof line, now_ms() + DEADLINE_MS) >= 0);
	while (strncmp(line, "== ", 3) != 0 && strstr(line, " == ") == NULL);
	ASSERT(strstr(line, "scenarios/walkthrough.mipc: 15 expects held, 0 failed; "
	    "serving on") != NULL);
	ask(c, "expect server received \"hello world\"", "OK");
	ask(c, "expect alive client", "OK");
	ask(c, "spawn late", "OK spawned late as pid 1000");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* `shutdown` from a client stops the kernel like SIGTERM does. */
TEST(shutdown_verb)
{
	start_kernel(NULL);
	int c = connect_kernel();
	ask(c, "spawn a", "OK");
	ask(c, "shutdown", "OK");
	int status;
	ASSERT(waitpid(kpid, &status, 0) == kpid);
	kpid = -1;
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	ASSERT(lstat(sockpath, &st) == -1);
	close(c);
}

/* A `wait` that times out gives up on no line but its own console's: b's
   line, given to the stopped s after a's wait began, runs when s goes on
   (c resumes it between a's deadline and b's; the kernel's own sleeps keep
   the time). */
TEST(wait_gives_up_only_on_its_own)
{
	start_kernel("--timeout", "300", NULL);
	int a = connect_kernel(), b = connect_kernel(), c = connect_kernel();
	ask(a, "spawn s pid=5", "OK");
	ask(a, "kill s STOP", "OK s stopped");
	ask(a, "s: c {.message=a,.pid=5,.port=50} &", "ERR ETIMEDOUT");
	say(a, "wait s");
	say(b, "sleep 200");
	say(b, "s: c {.message=b,.pid=5,.port=52}");
	say(c, "sleep 350");
	say(c, "kill s CONT");
	ASSERT_PREFIX(answer(a), "ERR ETIMEDOUT s did not send its lines");
	ASSERT_STR_EQ(answer(b), "OK");
	ASSERT_STR_EQ(answer(b), "OK port 52 registered in slot 0");
	ASSERT_STR_EQ(answer(c), "OK");
	ASSERT_STR_EQ(answer(c), "OK SIGCONT sent to s");
	close(a);
	close(b);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* ps lists the attached clients too, each with its pid once it has one;
   the one asking is marked. */
TEST(ps_lists_clients)
{
	char l1[4096], l2[4096];

	start_kernel(NULL);
	int c = connect_kernel(), d = connect_kernel();
	ask(c, "{.message=x,.pid=1234,.port=1}", "ERR ENOENT");
	ask(d, "ps", "OK");		/* d is surely attached */
	say(c, "ps");
	ASSERT_PREFIX(next_line(c), "| NAME              PID");
	snprintf(l1, sizeof l1, "%s", next_line(c));
	snprintf(l2, sizeof l2, "%s", next_line(c));
	ASSERT_PREFIX(l1, "| client fd ");
	ASSERT(strstr(l1, "  1234 ") != NULL);
	ASSERT(strcmp(l1 + strlen(l1) - 17, "attached (asking)") == 0);
	ASSERT_PREFIX(l2, "| client fd ");
	ASSERT(strstr(l2, "  -   ") != NULL);
	ASSERT(strcmp(l2 + strlen(l2) - 9, " attached") == 0);
	ASSERT_STR_EQ(next_line(c), "| 2 attached clients");
	ASSERT_STR_EQ(next_line(c), "OK");
	close(c);
	close(d);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A shutdown answers what it cuts short: a message in flight to a stopped
   server, a sleep in progress; and lines sent after it do not run. */
TEST(shutdown_answers_what_waits)
{
	char line[4096];
	int status;

	start_kernel(NULL);
	int c = connect_kernel(), a = connect_kernel(), d = connect_kernel();
	ask(c, "spawn s pid=5", "OK");
	ask(c, "s: c {.message=x,.pid=5,.port=80}", "OK port 80 registered");
	ask(a, "{.message=x,.pid=1,.port=80}", "OK linked 80<-1");
	ask(c, "kill s STOP", "OK s stopped");
	say(a, "{.message=pending,.pid=1,.port=80}");
	say(c, "sleep 60000");
	char klog[400];
	snprintf(klog, sizeof klog, "%s/logs/kernel.log", dir);
	ASSERT(file_has(klog, "s <- * received \"pending\"", DEADLINE_MS));
	ASSERT(file_has(klog, "console: sleep 60000", DEADLINE_MS));
	send_all(d, "shutdown\nspawn late\n", 20);
	ASSERT_STR_EQ(answer(d), "OK shutting down");
	ASSERT(waitpid(kpid, &status, 0) == kpid);
	kpid = -1;
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Every client is told why it is cut off, then the line after the
	   shutdown has no answer: it did not run. */
	ASSERT_STR_EQ(next_line(d), "* kernel stopping: a console line said shutdown");
	ASSERT(read_line(d, line, sizeof line, now_ms() + DEADLINE_MS) == -1);
	ASSERT_STR_EQ(answer(c), "ERR ECONNRESET the kernel stopped before this "
	    "line was done");
	char *got = answer(a);
	ASSERT(strncmp(got, "OK", 2) == 0 || strncmp(got, "ERR ESRCH", 9) == 0);
	ASSERT(strstr(slurp(klog), "spawned late") == NULL);
	close(a);
	close(c);
	close(d);
}

/*
 * attach on a pseudo-terminal, for the cases below: its pid, and the
 * terminal's other end in *master.  Its output piles up in the buffer of
 * a struct term.
 */
struct term {
	int	 m;		/* the terminal's other end */
	pid_t	 pid;		/* mipc attach */
	char	 out[16384];	/* everything it wrote */
	size_t	 n;
	int	 closed;	/* it has closed the terminal */
};

static void
term_attach(struct term *t)
{
	memset(t, 0, sizeof *t);
	t->m = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT(t->m != -1);
	ASSERT(grantpt(t->m) == 0 && unlockpt(t->m) == 0 && ptsname(t->m) != NULL);
	t->pid = fork();
	ASSERT(t->pid != -1);
	if (t->pid == 0) {
		int fd;
		setsid();
		if ((fd = open(ptsname(t->m), O_RDWR)) == -1)
			_exit(126);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(t->m);
		/* Nobody's own key bindings. */
		setenv("INPUTRC", "/dev/null", 1);
		execl(mipc(), mipc(), "attach", "--socket", sockpath, (char *)NULL);
		_exit(127);
	}
}

/* How many times needle is in s. */
static int
count_of(const char *s, const char *needle)
{
	int k = 0;

	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		k++;
	return k;
}

/* Reads what attach writes until needle is in it `times` times, after the
   first `from` bytes, or it closed the terminal; fails at the deadline. */
static void
term_until(struct term *t, size_t from, const char *needle, int times)
{
	int64_t deadline = now_ms() + DEADLINE_MS;

	while (!t->closed && (needle == NULL || count_of(t->out + from, needle) < times)) {
		struct pollfd p = { t->m, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			TEST_FAIL_("no %d x \"%s\" from attach within %d ms; it wrote:\n%s",
			    times, needle ? needle : "end", DEADLINE_MS, t->out);
		ssize_t r = read(t->m, t->out + t->n, sizeof t->out - 1 - t->n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			t->closed = 1;	/* EIO (Linux) or end of file */
			break;
		}
		t->n += (size_t)r;
		t->out[t->n] = '\0';
		ASSERT(t->n < sizeof t->out - 1);
	}
	if (needle != NULL && count_of(t->out + from, needle) < times)
		TEST_FAIL_("attach closed the terminal before %d x \"%s\":\n%s",
		    times, needle, t->out);
}

static void
term_type(struct term *t, const char *keys)
{
	send_all(t->m, keys, strlen(keys));
}

/* Types quit, and checks that attach ended well. */
static void
term_quit(struct term *t)
{
	int status;

	term_type(t, "quit\r");
	term_until(t, 0, NULL, 0);
	close(t->m);
	ASSERT_EQ(waitpid(t->pid, &status, 0), t->pid);
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * Whether attach edits lines, as the build says it should (the Makefile
 * gives this file MIPC_EDITLINE when it found libedit or readline).
 * Without, it ends the session and says there is nothing to check.
 */
static int
term_edits(struct term *t)
{
	int on = strstr(t->out, "the arrow keys edit and recall lines") != NULL;

#ifdef MIPC_EDITLINE
	if (!on)
		TEST_FAIL_("built with line editing, attach does not say it is "
		    "on:\n%s", t->out);
#else
	if (on)
		TEST_FAIL_("built without line editing, attach says it is on");
	printf("  note: built without line editing (no libedit or readline "
	    "found): nothing to check\n");
	term_quit(t);
	ASSERT_EQ(stop_kernel(), 0);
#endif
	return on;
}

/* Built with line editing, the up arrow brings back the last line, and
   Enter sends it again (without, the arrow's bytes went to the kernel, as
   a line of their own: ERR EINVAL). */
TEST(attach_up_arrow_recalls_a_line)
{
	struct term t;

	start_kernel(NULL);
	term_attach(&t);
	term_until(&t, 0, "mipc> ", 1);
	if (!term_edits(&t))
		return;
	term_type(&t, "{.message=x,.pid=77,.port=9}\r");
	term_until(&t, 0, "ERR ENOENT port 9 is not registered", 1);
	/* Once the prompt is back after the answer: */
	term_until(&t, (size_t)(strstr(t.out, "ERR ENOENT") - t.out), "mipc> ", 1);
	term_type(&t, "\033[A");
	term_type(&t, "\r");
	term_until(&t, 0, "ERR ENOENT port 9 is not registered", 2);
	if (strstr(t.out, "ERR EINVAL") != NULL)
		TEST_FAIL_("the arrow was sent as a line:\n%s", t.out);
	term_quit(&t);
	ASSERT(strstr(t.out, "OK bye") != NULL);
	ASSERT_EQ(stop_kernel(), 0);
}

/* An event that comes while a line is half typed is printed below it, and
   the line is there again to finish: nothing typed is lost. */
TEST(attach_event_while_typing)
{
	struct term t;
	int c;

	start_kernel(NULL);
	term_attach(&t);
	term_until(&t, 0, "mipc> ", 1);
	if (!term_edits(&t))
		return;
	term_type(&t, "c {.message=x,.pid=77,.port=9}\r");
	term_until(&t, 0, "OK port 9 registered", 1);
	term_type(&t, "c {.message=half,.pid=77,.p");
	term_until(&t, 0, "{.message=half,.pid=77,.p", 1);
	/* Someone else sends us a message meanwhile. */
	c = connect_kernel();
	ask(c, "{.message=x,.pid=88,.port=9}", "OK linked 9<-88");
	ask(c, "{.message=hi,.pid=88,.port=9}", "OK");
	term_until(&t, 0, "* received \"hi\" from pid 88 via port 9", 1);
	/* The half line is shown again below the event, and finished. */
	size_t at = (size_t)(strstr(t.out, "* received") - t.out);
	term_until(&t, at, "mipc> c {.message=half,.pid=77,.p", 1);
	term_type(&t, "ort=10}\r");
	term_until(&t, at, "OK port 10 registered", 1);
	close(c);
	term_quit(&t);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * The socket's directory: yours, and no one else may write to it or enter
 * it (reading it is harmless).  One that is not is refused with a path to
 * use instead, a new directory in it, which then works: it is made 0700.
 */
TEST(socket_directory_rule)
{
	char err[1024], shared[280], want[1200], *p;
	const struct passwd *pw = getpwuid(getuid());
	struct stat st;

	make_dir();
	snprintf(shared, sizeof shared, "%s/shared", dir);
	ASSERT(mkdir(shared, 0700) == 0 && chmod(shared, 01777) == 0);
	snprintf(sockpath, sizeof sockpath, "%s/k.sock", shared);
	ASSERT_EQ(run_mipc(err, sizeof err, "kernel", "--socket", sockpath,
	    "--backend", backend, (char *)NULL), 1);
	snprintf(want, sizeof want, "mipc: %s is not private (owner uid %u, mode "
	    "1777): the socket's directory must be yours, and no one else may "
	    "write to it or enter it; choose a new one, such as --socket "
	    "%s/mipc-%s/k.sock (a directory that does not exist is made 0700)",
	    shared, (unsigned)getuid(), shared, pw != NULL ? pw->pw_name : "?");
	ASSERT_STR_EQ(err, want);
	/* The suggestion works. */
	p = strstr(err, "--socket ") + 9;
	*strchr(p, ' ') = '\0';
	snprintf(sockpath, sizeof sockpath, "%s", p);
	restart_kernel(NULL);
	*strrchr(p, '/') = '\0';
	ASSERT(lstat(p, &st) == 0 && S_ISDIR(st.st_mode));
	ASSERT_EQ(st.st_mode & 07777, 0700);
	ASSERT_EQ(stop_kernel(), 0);

	/* Others may read it, but not enter or write to it: it will do. */
	snprintf(shared, sizeof shared, "%s/readable", dir);
	ASSERT(mkdir(shared, 0700) == 0 && chmod(shared, 0744) == 0);
	snprintf(sockpath, sizeof sockpath, "%s/k.sock", shared);
	restart_kernel(NULL);
	ASSERT_EQ(stop_kernel(), 0);
	/* The group may enter: not private. */
	ASSERT(chmod(shared, 0710) == 0);
	ASSERT_EQ(run_mipc(err, sizeof err, "kernel", "--socket", sockpath,
	    "--backend", backend, (char *)NULL), 1);
	ASSERT(strstr(err, "is not private (owner uid") != NULL);
	ASSERT(strstr(err, "mode 0710") != NULL);
}

static const struct test_case cases[] = {
	TEST_CASE(seed_session),
	TEST_CASE(two_clients),
	TEST_CASE(pipelined_in_order),
	TEST_CASE(child_answers_a_full_buffer),
	TEST_CASE(overtaken_answers_keep_order),
	TEST_CASE(expect_received_past_the_bound),
	TEST_CASE(garbage_answered),
	TEST_CASE(trickled),
	TEST_CASE(client_gone_during_its_sleep),
	TEST_CASE(vanishing_clients),
	TEST_CASE(vanished_clients_make_room),
	TEST_CASE(client_never_reads),
	TEST_CASE(console_line_holds_back_what_follows),
	TEST_CASE(half_closed_client_answered),
	TEST_CASE(stopped_then_killed_server),
	TEST_CASE(other_uid_refused),
	TEST_CASE(stale_socket_replaced),
	TEST_CASE(second_kernel_refused),
	TEST_CASE(other_kernels_socket_kept),
	TEST_CASE(out_of_descriptors_refused),
	TEST_CASE(unsafe_directory_refused),
	TEST_CASE(attach_without_kernel),
	TEST_CASE(sigterm_cleanup),
	TEST_CASE(sighup_cleanup),
	TEST_CASE(child_dies_between_lines),
	TEST_CASE(wait_gives_up_only_on_its_own),
	TEST_CASE(ps_lists_clients),
	TEST_CASE(shutdown_verb),
	TEST_CASE(shutdown_answers_what_waits),
	TEST_CASE(attach_on_a_terminal),
	TEST_CASE(attach_stops_when_nobody_reads),
	TEST_CASE(attach_output_error_said),
	TEST_CASE(attach_from_a_pipe),
	TEST_CASE(attach_failed_expect_exits_1),
	TEST_CASE(attach_quit_ends_the_session),
	TEST_CASE(attach_refused_when_full),
	TEST_CASE(scenario_then_serve),
	TEST_CASE(flooded_child_cut_off),
	TEST_CASE(help_lists_the_verbs),
	TEST_CASE(attach_up_arrow_recalls_a_line),
	TEST_CASE(attach_event_while_typing),
	TEST_CASE(socket_directory_rule),
};

LIVE_MAIN("live", cases)
