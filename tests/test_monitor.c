/*
 * test_monitor.c - mipc monitor against a fake kernel: a socket this test
 * listens on, which checks the line the monitor sends and answers with the
 * lines a kernel would.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "listen.h"
#include "test.h"

#define DEADLINE_MS 10000	/* for anything the other side should do at once */

struct fake {
	char	 dir[256], path[300];
	int	 lfd;		/* listening */
	int	 conn;		/* the monitor's connection */
	pid_t	 child;		/* running cmd_monitor */
	int	 out;		/* its stdout, read here */
	char	 err_path[300];	/* its stderr */
};

static void
fake_listen(struct fake *f)
{
	snprintf(f->dir, sizeof f->dir, "%s/mipc-mon-%ld", test_tmpdir(), (long)getpid());
	snprintf(f->path, sizeof f->path, "%s/kernel.sock", f->dir);
	snprintf(f->err_path, sizeof f->err_path, "%s/mipc-mon-%ld.err", test_tmpdir(),
	    (long)getpid());
	f->lfd = listen_open(f->path);
	ASSERT(f->lfd != -1);
	f->conn = -1;
}

/* Runs cmd_monitor with args in a child; its stdout comes to f->out. */
static void
fake_run(struct fake *f, const char *const *args, int no_time)
{
	int p[2];

	ASSERT_EQ(pipe(p), 0);
	fflush(NULL);
	f->child = fork();
	ASSERT(f->child != -1);
	if (f->child == 0) {
		static char *argv[16];
		struct options o;
		int n = 0;
		memset(&o, 0, sizeof o);
		while (args[n] != NULL) {
			argv[n] = (char *)args[n];
			n++;
		}
		o.args = argv;
		o.nargs = n;
		o.k.socket_path = f->path;
		o.k.no_time = no_time;
		close(p[0]);
		close(f->lfd);
		dup2(p[1], 1);
		int e = open(f->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(e, 2);
		_exit(cmd_monitor(&o));
	}
	close(p[1]);
	f->out = p[0];
}

/* Waits for fd to be readable, up to the deadline. */
static void
wait_readable(int fd, const char *what)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int r;

	while ((r = poll(&pfd, 1, DEADLINE_MS)) == -1 && errno == EINTR)
		;
	if (r != 1)
		TEST_FAIL_("%s: nothing within %d ms", what, DEADLINE_MS);
}

/* Takes the monitor's connection and reads its line. */
static void
fake_accept(struct fake *f, const char *want_line)
{
	char line[2048];
	size_t n = 0;

	wait_readable(f->lfd, "the monitor's connect");
	f->conn = accept(f->lfd, NULL, NULL);
	ASSERT(f->conn != -1);
	ASSERT_EQ(fcntl(f->conn, F_SETFL, 0), 0);	/* blocking, on every system */
	while (n == 0 || line[n - 1] != '\n') {
		wait_readable(f->conn, "the monitor's line");
		ssize_t r = read(f->conn, line + n, sizeof line - 1 - n);
		ASSERT(r > 0);
		n += (size_t)r;
	}
	line[n - 1] = '\0';
	ASSERT_STR_EQ(line, want_line);
}

static void
fake_send(struct fake *f, const char *s)
{
	ASSERT_EQ(write(f->conn, s, strlen(s)), (ssize_t)strlen(s));
}

/* Reads the monitor's stdout up to its end (it exits). */
static char *
fake_output(struct fake *f)
{
	static char buf[16384];
	size_t n = 0;

	for (;;) {
		wait_readable(f->out, "the monitor's output");
		ssize_t r = read(f->out, buf + n, sizeof buf - 1 - n);
		ASSERT(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return buf;
}

/* Reaps the monitor (within the deadline: it must end by itself). */
static int
fake_status(struct fake *f)
{
	int status;

	for (int waited = 0; waitpid(f->child, &status, WNOHANG) == 0; waited += 10) {
		if (waited > DEADLINE_MS) {
			kill(f->child, SIGKILL);
			TEST_FAIL_("the monitor did not end");
		}
		struct pollfd none;
		(void)poll(&none, 0, 10);
	}
	if (!WIFEXITED(status))
		TEST_FAIL_("the monitor died of signal %d", WTERMSIG(status));
	return WEXITSTATUS(status);
}

static char *
fake_stderr(struct fake *f)
{
	static char buf[4096];
	FILE *fp = fopen(f->err_path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static void
fake_close(struct fake *f)
{
	if (f->conn != -1)
		close(f->conn);
	close(f->out);
	listen_close(f->lfd, f->path);
	unlink(f->err_path);
	rmdir(f->dir);
}

static const char spawn_server[] =
    "* event {\"seq\":1,\"ev\":\"spawn\",\"t_us\":412,\"name\":\"server\",\"pid\":5678}\n";
static const char deliver[] =
    "* event {\"seq\":8,\"ev\":\"deliver\",\"t_us\":2131,\"msg\":1,\"from\":1234,"
    "\"to\":5678,\"port\":8080,\"text\":\"hello world\"}\n";

TEST(readable_lines_for_the_rules_sent)
{
	static const char *const args[] = { "--match", "ev=deliver,to=server",
	    "--match=name=client", NULL };
	struct fake f;

	fake_listen(&f);
	fake_run(&f, args, 0);
	fake_accept(&f, "monitor ev=deliver,to=server name=client");
	fake_send(&f, "OK monitoring\n");
	fake_send(&f, spawn_server);
	fake_send(&f, "* something else\n");
	fake_send(&f, deliver);
	fake_send(&f, "* event {\"seq\":9,\"ev\":\"reply\",\"t_us\":2398,\"msg\":1,"
	    "\"text\":\"ok\\u001b[2J\"}\r\n");
	fake_send(&f, "* event {\"seq\":10,\"ev\":\"nonsense\n");
	close(f.conn);
	f.conn = -1;
	ASSERT_STR_EQ(fake_output(&f),
	    "     1       0.412  spawn     server(5678)\n"
	    "     8       2.131  deliver   #1 1234 -> server(5678) port 8080 \"hello world\"\n"
	    "     9       2.398  reply     #1 server(5678) -> 1234 \"ok\\x1b[2J\"\n");
	ASSERT_EQ(fake_status(&f), 0);
	ASSERT_STR_EQ(fake_stderr(&f), "mipc: kernel: * something else\n"
	    "mipc: the kernel sent an event that is not one: column 25: expected '\"' "
	    "to close the string of column 16, found the end of the line\n");
	fake_close(&f);
}

TEST(json_printed_as_received)
{
	static const char *const args[] = { "--json", NULL };
	struct fake f;

	fake_listen(&f);
	fake_run(&f, args, 1);
	fake_accept(&f, "monitor");
	fake_send(&f, "OK monitoring\n");
	fake_send(&f, spawn_server);
	fake_send(&f, "* event { \"seq\" : 2, \"ev\":\"later\" }\n");
	close(f.conn);
	f.conn = -1;
	ASSERT_STR_EQ(fake_output(&f),
	    "{\"seq\":1,\"ev\":\"spawn\",\"t_us\":412,\"name\":\"server\",\"pid\":5678}\n"
	    "{ \"seq\" : 2, \"ev\":\"later\" }\n");
	ASSERT_EQ(fake_status(&f), 0);
	fake_close(&f);
}

TEST(no_time_leaves_the_time_out)
{
	static const char *const args[] = { NULL };
	struct fake f;

	fake_listen(&f);
	fake_run(&f, args, 1);
	fake_accept(&f, "monitor");
	fake_send(&f, "OK monitoring\n");
	fake_send(&f, deliver);
	close(f.conn);
	f.conn = -1;
	ASSERT_STR_EQ(fake_output(&f),
	    "     8  deliver   #1 1234 -> 5678 port 8080 \"hello world\"\n");
	ASSERT_EQ(fake_status(&f), 0);
	fake_close(&f);
}

TEST(values_with_blanks_escaped_on_the_line)
{
	static const char *const args[] = { "--match", "text=hello world,from=client",
	    "--match", "reason=a\\,b", NULL };
	struct fake f;

	fake_listen(&f);
	fake_run(&f, args, 0);
	fake_accept(&f, "monitor text=hello\\ world,from=client reason=a\\,b");
	close(f.conn);
	f.conn = -1;
	(void)fake_output(&f);
	/* Closed before it answered: said, and not 0. */
	ASSERT_EQ(fake_status(&f), 1);
	ASSERT_STR_EQ(fake_stderr(&f), "mipc: the kernel closed the connection before "
	    "it answered\n");
	fake_close(&f);
}

TEST(err_answer_printed_exit_2)
{
	static const char *const args[] = { "--match", "port=8080", NULL };
	struct fake f;

	fake_listen(&f);
	fake_run(&f, args, 0);
	fake_accept(&f, "monitor port=8080");
	fake_send(&f, "ERR EINVAL unknown verb 'monitor'\n");
	ASSERT_STR_EQ(fake_output(&f), "");
	ASSERT_EQ(fake_status(&f), 2);
	ASSERT_STR_EQ(fake_stderr(&f), "mipc: the kernel refused: ERR EINVAL unknown "
	    "verb 'monitor'\n");
	fake_close(&f);
}

TEST(interrupt_ends_it_with_0)
{
	static const char *const args[] = { NULL };
	struct fake f;
	char buf[512];
	size_t n = 0;

	fake_listen(&f);
	fake_run(&f, args, 1);
	fake_accept(&f, "monitor");
	fake_send(&f, "OK monitoring\n");
	fake_send(&f, spawn_server);
	/* Its line is out: it is reading, when ^C comes. */
	while (n == 0 || buf[n - 1] != '\n') {
		wait_readable(f.out, "the monitor's line");
		ssize_t r = read(f.out, buf + n, sizeof buf - 1 - n);
		ASSERT(r > 0);
		n += (size_t)r;
	}
	buf[n] = '\0';
	ASSERT_STR_EQ(buf, "     1  spawn     server(5678)\n");
	ASSERT_EQ(kill(f.child, SIGINT), 0);
	ASSERT_EQ(fake_status(&f), 0);
	ASSERT_STR_EQ(fake_stderr(&f), "");
	fake_close(&f);
}

TEST(bad_rule_refused_before_connecting)
{
	static const char *const args[] = { "--match", "colour=red", NULL };
	struct fake f;

	fake_listen(&f);
	fake_run(&f, args, 0);
	ASSERT_STR_EQ(fake_output(&f), "");
	ASSERT_EQ(fake_status(&f), 2);
	ASSERT_PREFIX(fake_stderr(&f), "mipc: monitor: --match colour=red: unknown key "
	    "'colour' (the keys: seq ev name pid");
	struct pollfd pfd = { f.lfd, POLLIN, 0 };
	ASSERT_EQ(poll(&pfd, 1, 0), 0);		/* nobody connected */
	fake_close(&f);
}

TEST(no_kernel_said)
{
	static const char *const args[] = { NULL };
	struct fake f;

	fake_listen(&f);
	listen_close(f.lfd, f.path);
	f.lfd = -1;
	fake_run(&f, args, 0);
	ASSERT_STR_EQ(fake_output(&f), "");
	ASSERT_EQ(fake_status(&f), 1);
	ASSERT_PREFIX(fake_stderr(&f), "mipc: no kernel is running on ");
	close(f.out);
	unlink(f.err_path);
	rmdir(f.dir);
}

static const struct test_case tests[] = {
	TEST_CASE(readable_lines_for_the_rules_sent),
	TEST_CASE(json_printed_as_received),
	TEST_CASE(no_time_leaves_the_time_out),
	TEST_CASE(values_with_blanks_escaped_on_the_line),
	TEST_CASE(err_answer_printed_exit_2),
	TEST_CASE(interrupt_ends_it_with_0),
	TEST_CASE(bad_rule_refused_before_connecting),
	TEST_CASE(no_kernel_said),
};

TEST_MAIN("monitor", tests)
