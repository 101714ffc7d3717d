/*
 * test_reentry.c - a kernel that never re-enters itself: a client cut off in
 * the middle of another process's departure, or by its own delivery, leaves
 * only once that operation is over, and every line sent is answered once.
 *
 * Both cases need a client whose queued output stands just under the
 * cut-off (MIPC_OUTPUT_MAX).  What the kernel holds for a client that does
 * not read is what it was sent less what its socket took, and the socket
 * says what it took (FIONREAD), so the queue can be filled to the byte.
 */
#include <sys/ioctl.h>

#include "live.h"

/* The length (newline included) of the answer fd gets to line. */
static size_t
answer_len(int fd, const char *line)
{
	say(fd, line);
	return strlen(answer(fd)) + 1;
}

/* Sends n copies of line (its answer len bytes each) without reading. */
static void
pump(int fd, const char *line, size_t n)
{
	size_t ln = strlen(line), per = 65536 / (ln + 1);
	char *buf = malloc(per * (ln + 1));

	ASSERT(buf != NULL);
	for (size_t i = 0; i < per; i++) {
		memcpy(buf + i * (ln + 1), line, ln);
		buf[i * (ln + 1) + ln] = '\n';
	}
	while (n > 0) {
		size_t k = n < per ? n : per;
		send_all(fd, buf, k * (ln + 1));
		n -= k;
	}
	free(buf);
}

/* Waits until the kernel has handled everything fd sent so far: a line of
   its own, named in the kernel's log, which is written after the turn's
   output. */
static void
settle(int fd, unsigned pid, unsigned *mark)
{
	char line[128], klog[400];

	snprintf(line, sizeof line, "{.message=mark,.pid=%u,.port=%u}", pid, ++*mark);
	say(fd, line);
	snprintf(klog, sizeof klog, "%s/logs/kernel.log", dir);
	ASSERT(file_has(klog, line, DEADLINE_MS));
}

/*
 * Fills what the kernel holds for fd (a client of pid that reads nothing
 * from now on) to target bytes, within one answer's length under it.
 */
static void
fill_to(int fd, unsigned pid, size_t target)
{
	static const char bad[] = "{.message=x,.pid=1,.port=0}";	/* EPERM or EINVAL */
	char markline[128];
	unsigned mark = 60000;
	int inq = 0;

	/* The sizes of the two answers used, while fd still reads. */
	snprintf(markline, sizeof markline, "{.message=mark,.pid=%u,.port=%u}", pid,
	    mark + 1);
	size_t badlen = answer_len(fd, bad);
	size_t marklen = answer_len(fd, markline);
	mark++;
	/* Enough to fill the socket, whatever it holds. */
	size_t sent = 0, n = (512 * 1024) / badlen;
	pump(fd, bad, n);
	sent += n * badlen;
	settle(fd, pid, &mark);
	sent += marklen;
	ASSERT(ioctl(fd, FIONREAD, &inq) == 0);
	ASSERT((size_t)inq < sent);	/* the socket is full: the kernel holds the rest */
	size_t held = sent - (size_t)inq;
	ASSERT(held + marklen < target);
	n = (target - held - marklen) / badlen;
	pump(fd, bad, n);
	settle(fd, pid, &mark);
	held += n * badlen + marklen;
	ASSERT(held <= target && held + badlen + marklen > target);
}

/* Reads fd to its end of file; returns 0, or -1 if it stays open. */
static int
read_to_eof(int fd)
{
	char buf[65536];
	int64_t end = now_ms() + DEADLINE_MS;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (now_ms() < end) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return 0;
		if (n == -1 && errno == EAGAIN) {
			struct pollfd p = { fd, POLLIN, 0 };
			(void)poll(&p, 1, 100);
		}
	}
	return -1;
}

/*
 * A departs while its links are torn down; one of the notices it causes
 * pushes O over the cut-off.  O leaves after A, not inside A's departure:
 * every link of A's goes (B's on A's port 70 too), and the kernel serves on.
 */
TEST(cut_off_inside_a_departure)
{
	char line[128];

	start_kernel("--slots", "64", NULL);
	int e = connect_kernel(), o = connect_kernel(), a = connect_kernel(),
	    b = connect_kernel();
	ask(e, "c {.message=x,.pid=50,.port=50}", "OK port 50 registered");
	ask(o, "{.message=x,.pid=60,.port=50}", "OK linked 50<-60");
	for (unsigned port = 10; port < 50; port++) {
		snprintf(line, sizeof line, "c {.message=x,.pid=60,.port=%u}", port);
		ask(o, line, "OK port");
		snprintf(line, sizeof line, "{.message=x,.pid=70,.port=%u}", port);
		ask(a, line, "OK linked");
	}
	ask(a, "c {.message=x,.pid=70,.port=70}", "OK port 70 registered");
	ask(b, "{.message=x,.pid=80,.port=70}", "OK linked 70<-80");
	/* A's 40 notices to O are some 2 KB: O stands half of that under. */
	fill_to(o, 60, MIPC_OUTPUT_MAX - 1000);
	close(a);
	/* B hears that its link went with A, and A's port with it. */
	ASSERT_STR_EQ(next_line(b), "* link 70<-80 destroyed: pid 70 disconnected");
	ask(b, "{.message=after,.pid=80,.port=70}", "ERR ENOENT port 70 is not registered");
	ask(e, "ps", "OK");
	ask(e, "c {.message=x,.pid=50,.port=51}", "OK port 51 registered");
	char klog[400];
	snprintf(klog, sizeof klog, "%s/logs/kernel.log", dir);
	ASSERT(file_has(klog, "(pid 60) was cut off: it stopped reading", DEADLINE_MS));
	ASSERT_EQ(read_to_eof(o), 0);
	close(b);
	close(e);
	close(o);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * A server that reads nothing is cut off by a delivery in the middle of a
 * burst from six clients.  Every message sent is answered, the one that
 * overflowed it too, in order, and each client's next line after them.
 */
TEST(cut_off_by_its_own_delivery)
{
	enum { NCLIENTS = 6, NSENT = 128 };
	char text[201], line[400];
	int cl[NCLIENTS];

	memset(text, 't', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	start_kernel(NULL);
	int s = connect_kernel();
	ask(s, "c {.message=x,.pid=90,.port=90}", "OK port 90 registered");
	for (int i = 0; i < NCLIENTS; i++) {
		cl[i] = connect_kernel();
		if (i > 0)
			ask(s, "c {.message=x,.pid=90,.port=90}", "OK port 90 registered");
		snprintf(line, sizeof line, "{.message=x,.pid=%d,.port=90}", 91 + i);
		ask(cl[i], line, "OK linked 90<-");
	}
	/* Some 180 KB of deliveries are coming: it overflows among them. */
	fill_to(s, 90, MIPC_OUTPUT_MAX - 20000);
	for (int i = 0; i < NCLIENTS; i++) {
		char *burst = malloc(NSENT * 300 + 16), *p = burst;
		ASSERT(burst != NULL);
		for (int j = 0; j < NSENT; j++)
			p += sprintf(p, "{.message=%s,.pid=%d,.port=90}\n", text, 91 + i);
		p += sprintf(p, "# ping\n");
		send_all(cl[i], burst, (size_t)(p - burst));
		free(burst);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		for (int j = 0; j < NSENT; j++) {
			char *a = answer(cl[i]);
			if (strncmp(a, "OK", 2) != 0 && strncmp(a, "ERR ", 4) != 0)
				TEST_FAIL_("client %d, answer %d: \"%s\"", i, j, a);
		}
		ASSERT_STR_EQ(answer(cl[i]), "OK");	/* the ping: nothing was lost */
	}
	char klog[400];
	snprintf(klog, sizeof klog, "%s/logs/kernel.log", dir);
	ASSERT(file_has(klog, "(pid 90) was cut off: it stopped reading", DEADLINE_MS));
	ASSERT_EQ(read_to_eof(s), 0);
	int e = connect_kernel();
	ask(e, "ps", "OK");
	close(e);
	for (int i = 0; i < NCLIENTS; i++)
		close(cl[i]);
	close(s);
	ASSERT_EQ(stop_kernel(), 0);
}

static const struct test_case cases[] = {
	TEST_CASE(cut_off_inside_a_departure),
	TEST_CASE(cut_off_by_its_own_delivery),
};

LIVE_MAIN("reentry", cases)
