/*
 * test_data.c - logs are the user's data, typos fail, the trace tells all:
 * the promises of the brief's sections 5, 6 and 8, kept by the real binary
 * on every backend (the harness is live.h).  What a shell says more simply
 * (help, scenario files that cannot be read, the trace of a scenario) is in
 * t_data.sh.
 */
#include "live.h"
#include "logdir.h"
#include "proc.h"

#define AT_ONCE_MS	3000	/* what "at once" may take: nothing to wait on */
#define LONG_AGO	946684800	/* 2000-01-01: times no write leaves */
#define PATHSZ		400	/* a path in this case's directory */

static rlim_t as_limit;		/* run_within: the address space it gives, if not 0 */

/* s holds needle; both are printed if not. */
#define ASSERT_HAS(s, needle) do { \
	const char *s_ = (s), *n_ = (needle); \
	if (s_ == NULL || strstr(s_, n_) == NULL) \
		TEST_FAIL_("%s holds %s:\n    got      \"%s\"\n    expected \"...%s...\"", \
		    #s, #needle, s_ ? s_ : "(null)", n_); \
} while (0)

/* The permission bits of path are want. */
#define ASSERT_MODE(path, want) do { \
	struct stat st_; \
	const char *p_ = (path); \
	if (lstat(p_, &st_) == -1) \
		TEST_FAIL_("%s: %s", p_, strerror(errno)); \
	if ((unsigned)(st_.st_mode & 07777) != (unsigned)(want)) \
		TEST_FAIL_("%s is mode %04o, not %04o", p_, \
		    (unsigned)(st_.st_mode & 07777), (unsigned)(want)); \
} while (0)

/* The next answer on fd, which must come within ms. */
static char *
answer_within(int fd, int ms)
{
	static char buf[4096];
	int64_t deadline = now_ms() + ms;

	do {
		if (read_line(fd, buf, sizeof buf, deadline) < 0)
			TEST_FAIL_("no answer within %d ms", ms);
	} while (strncmp(buf, "| ", 2) == 0 || strncmp(buf, "* ", 2) == 0);
	return buf;
}

/*
 * Runs mipc with the arguments (NULL-terminated), its standard output
 * thrown away and its standard error kept in err.  Returns its exit status,
 * or -1 if it had not ended after ms: it is then killed, so that a refusal
 * that waits fails the case instead of holding it.  Its address space is
 * as_limit bytes, if that is not 0.
 */
static int
run_within(int ms, char *err, size_t size, const char *arg, ...)
{
	const char *argv[32];
	int argc = 0, fds[2], status;
	int64_t deadline = now_ms() + ms;
	size_t n = 0;
	va_list ap;

	argv[argc++] = mipc();
	va_start(ap, arg);
	for (const char *a = arg; a != NULL && argc < 30; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	ASSERT(pipe(fds) == 0);
	pid_t pid = fork();
	ASSERT(pid != -1);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null == -1)
			_exit(126);
		dup2(null, 0);
		dup2(null, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (as_limit != 0) {
			struct rlimit rl = { as_limit, as_limit };
			if (setrlimit(RLIMIT_AS, &rl) == -1)
				_exit(126);
		}
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(fds[1]);
	ASSERT(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	err[0] = '\0';
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		char scrap[512];
		pid_t w;

		(void)poll(&p, 1, 10);
		for (;;) {
			ssize_t r = n + 1 < size ? read(fds[0], err + n, size - 1 - n) :
			    read(fds[0], scrap, sizeof scrap);
			if (r <= 0)
				break;
			if (n + 1 < size)
				n += (size_t)r;
		}
		err[n] = '\0';
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		ASSERT(w == 0);
		if (now_ms() >= deadline) {
			(void)kill(pid, SIGKILL);
			ASSERT(waitpid(pid, &status, 0) == pid);
			close(fds[0]);
			return -1;
		}
	}
	/* What it wrote last is still in the pipe. */
	for (;;) {
		ssize_t r = n + 1 < size ? read(fds[0], err + n, size - 1 - n) : 0;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	err[n] = '\0';
	close(fds[0]);
	ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* How many lines s holds. */
static int
lines_in(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* A checksum of the bytes of the regular file path (FNV-1a). */
static unsigned long
checksum(const char *path)
{
	unsigned long h = 2166136261UL;
	unsigned char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	ASSERT(fd != -1);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = ((h ^ buf[i]) * 16777619UL) & 0xffffffffUL;
	close(fd);
	return h;
}

static int
not_dotdot(const struct dirent *de)
{
	return strcmp(de->d_name, "..") != 0;
}

/*
 * The directory d, one entry a line in name order ("." included: it
 * changes when an entry comes or goes): name, type and mode, size, inode,
 * modification time and, for a regular file, a checksum of its bytes.
 */
static void
listing(const char *d, char *out, size_t size)
{
	struct dirent **ents;
	int n = scandir(d, &ents, not_dotdot, alphasort);
	size_t len = 0;

	ASSERT(n >= 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		char path[1024];
		struct stat st;

		snprintf(path, sizeof path, "%s/%s", d, ents[i]->d_name);
		ASSERT(lstat(path, &st) == 0);
		len += (size_t)snprintf(out + len, size - len, "%s %o %lld %llu %lld %08lx\n",
		    ents[i]->d_name, (unsigned)st.st_mode, (long long)st.st_size,
		    (unsigned long long)st.st_ino, (long long)st.st_mtime,
		    S_ISREG(st.st_mode) ? checksum(path) : 0UL);
		ASSERT(len < size);
		free(ents[i]);
	}
	free(ents);
}

/*
 * Sets the times of d and of every entry in it to long ago: a write from
 * now on, or an entry made or removed, then shows in a time, however soon
 * it comes (mtime is compared to the second, the way every system has it).
 */
static void
age(const char *d)
{
	const struct timespec ts[2] = { { LONG_AGO, 0 }, { LONG_AGO, 0 } };
	struct dirent **ents;
	int n = scandir(d, &ents, not_dotdot, alphasort);

	ASSERT(n >= 0);
	for (int i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", d, ents[i]->d_name);
		ASSERT(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) == 0);
		free(ents[i]);
	}
	free(ents);
}

/* dir/name in buf, of PATHSZ bytes. */
static char *
at(char *buf, const char *name)
{
	snprintf(buf, PATHSZ, "%s/%s", dir, name);
	return buf;
}

/* The same in a buffer of its own, for a path used at once. */
static const char *
in_dir(const char *name)
{
	static char path[8][PATHSZ];
	static int next;

	next = (next + 1) % 8;
	return at(path[next], name);
}

/* A small scenario that spawns a child, at dir/NAME. */
static const char *
scenario(const char *name)
{
	static char path[PATHSZ];

	write_file(at(path, name), "spawn a\nexpect alive a\n");
	return path;
}

/*
 * One log directory, one kernel.  While a kernel runs on D, a `mipc run`
 * and a second `mipc kernel` on D exit 2, naming its pid and the way out,
 * and touch nothing there: not a byte, not a time, no new file (the second
 * kernel's socket, elsewhere, is not made either).  A log of an earlier
 * run, which a new run would remove, stays.  The lock goes with its kernel,
 * under SIGKILL too: a new kernel then starts on D.
 */
TEST(one_kernel_per_log_dir)
{
	char before[8192], after[8192], err[1024], pid[64];
	char logs[PATHSZ], sock2[PATHSZ], old[PATHSZ];
	struct stat st;

	start_kernel(NULL);
	at(logs, "logs");
	at(sock2, "k2.sock");
	at(old, "logs/old.log");
	write_file(old, "2026-01-01 00:00:00.000 started: old, pid 1000, OS pid 1\n");
	ASSERT(file_has(in_dir("logs/kernel.log"), "stop with ^C or shutdown",
	    DEADLINE_MS));
	age(logs);
	listing(logs, before, sizeof before);
	snprintf(pid, sizeof pid, "(pid %ld)", (long)kpid);

	ASSERT_EQ(run_within(DEADLINE_MS, err, sizeof err, "run", "--log-dir", logs,
	    "--backend", backend, scenario("s.mipc"), (char *)NULL), 2);
	ASSERT_HAS(err, pid);
	ASSERT_HAS(err, "choose another --log-dir");
	ASSERT_EQ(lines_in(err), 1);
	listing(logs, after, sizeof after);
	ASSERT_STR_EQ(after, before);

	ASSERT_EQ(run_within(DEADLINE_MS, err, sizeof err, "kernel", "--socket", sock2,
	    "--log-dir", logs, "--backend", backend, (char *)NULL), 2);
	ASSERT_HAS(err, pid);
	ASSERT_HAS(err, "choose another --log-dir");
	ASSERT_EQ(lines_in(err), 1);
	ASSERT(lstat(sock2, &st) == -1 && errno == ENOENT);
	listing(logs, after, sizeof after);
	ASSERT_STR_EQ(after, before);

	/* The first one never noticed. */
	int c = connect_kernel();
	ask(c, "spawn a", "OK spawned a");
	close(c);

	/* Killed, it leaves its lock to the system, which lets go of it. */
	ASSERT(kill(kpid, SIGKILL) == 0);
	ASSERT(waitpid(kpid, NULL, 0) == kpid);
	restart_kernel(NULL);
	snprintf(pid, sizeof pid, "%ld\n", (long)kpid);
	ASSERT_STR_EQ(slurp(in_dir("logs/kernel.pid")), pid);
	ASSERT(lstat(old, &st) == -1 && errno == ENOENT);	/* a new run, whole */
	c = connect_kernel();
	ask(c, "spawn b", "OK spawned b");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A FIFO where a child's log goes: its spawn is refused at once (no reader
   would ever come), and the kernel serves the next line. */
TEST(fifo_for_a_childs_log)
{
	char a[1024];
	struct stat st;

	start_kernel(NULL);
	ASSERT(mkfifo(in_dir("logs/x.log"), 0600) == 0);
	int c = connect_kernel();
	say(c, "spawn x");
	snprintf(a, sizeof a, "%s", answer_within(c, AT_ONCE_MS));
	ASSERT_PREFIX(a, "ERR EINVAL ");
	ASSERT_HAS(a, "x.log is a FIFO");
	ask(c, "spawn y", "OK spawned y");
	ASSERT(lstat(in_dir("logs/x.log"), &st) == 0 && S_ISFIFO(st.st_mode));
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A FIFO where the kernel's own log goes: `mipc run` and `mipc kernel` end
   at once with one line that says what is there, and no socket is made. */
TEST(fifo_for_the_kernels_log)
{
	char err[1024], logs[PATHSZ], sock[PATHSZ];
	struct stat st;

	make_dir();
	at(logs, "logs");
	at(sock, "k.sock");
	ASSERT(mkdir(logs, 0700) == 0);
	ASSERT(mkfifo(in_dir("logs/kernel.log"), 0600) == 0);

	int status = run_within(AT_ONCE_MS, err, sizeof err, "run", "--log-dir", logs,
	    "--backend", backend, scenario("s.mipc"), (char *)NULL);
	if (status <= 0)
		TEST_FAIL_("mipc run on a FIFO kernel.log: status %d (-1: still running "
		    "after %d ms)", status, AT_ONCE_MS);
	ASSERT_HAS(err, "kernel.log is a FIFO");
	ASSERT_EQ(lines_in(err), 1);

	status = run_within(AT_ONCE_MS, err, sizeof err, "kernel", "--socket", sock,
	    "--log-dir", logs, "--backend", backend, (char *)NULL);
	if (status <= 0)
		TEST_FAIL_("mipc kernel on a FIFO kernel.log: status %d (-1: still "
		    "running after %d ms)", status, AT_ONCE_MS);
	ASSERT_HAS(err, "kernel.log is a FIFO");
	ASSERT_EQ(lines_in(err), 1);
	ASSERT(lstat(sock, &st) == -1 && errno == ENOENT);
	ASSERT(lstat(in_dir("logs/kernel.log"), &st) == 0 && S_ISFIFO(st.st_mode));
}

/*
 * A symbolic link where a log goes: the spawn is refused, and nothing is
 * written where the link points, to a file that is there or one that is
 * not (which is not made).
 */
TEST(symlink_for_a_log_is_refused)
{
	char a[1024], target[PATHSZ], absent[PATHSZ];
	struct stat st;

	start_kernel(NULL);
	at(target, "target");
	at(absent, "absent");
	write_file(target, "mine\n");
	ASSERT(symlink(target, in_dir("logs/server.log")) == 0);
	ASSERT(symlink(absent, in_dir("logs/client.log")) == 0);
	int c = connect_kernel();
	say(c, "spawn server");
	snprintf(a, sizeof a, "%s", answer_within(c, AT_ONCE_MS));
	ASSERT_PREFIX(a, "ERR EINVAL ");
	ASSERT_HAS(a, "server.log is a symbolic link");
	say(c, "spawn client");
	snprintf(a, sizeof a, "%s", answer_within(c, AT_ONCE_MS));
	ASSERT_PREFIX(a, "ERR EINVAL ");
	ask(c, "spawn other", "OK spawned other");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
	ASSERT_STR_EQ(slurp(target), "mine\n");
	ASSERT(lstat(absent, &st) == -1 && errno == ENOENT);
	ASSERT(lstat(in_dir("logs/server.log"), &st) == 0 && S_ISLNK(st.st_mode));
}

/*
 * What microipc makes is private whatever the umask (0 here, the most
 * open): a log directory 0700, with the parents it had to make, and every
 * log 0600.  A directory that was there keeps its mode, and so does a file
 * of the user's in it.
 */
TEST(modes_of_what_it_makes)
{
	char err[1024];

	umask(0);
	start_kernel(NULL);
	ASSERT_MODE(in_dir("logs"), 0700);
	ASSERT_MODE(in_dir("logs/kernel.log"), 0600);
	ASSERT_MODE(in_dir("logs/events.jsonl"), 0600);
	ASSERT_MODE(in_dir("logs/" LOGDIR_LOCK), 0600);
	int c = connect_kernel();
	ask(c, "spawn a", "OK spawned a");
	ASSERT_MODE(in_dir("logs/a.log"), 0600);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);

	ASSERT_EQ(run_within(DEADLINE_MS, err, sizeof err, "run", "--log-dir",
	    in_dir("p/q"), "--backend", backend, scenario("s.mipc"), (char *)NULL), 0);
	ASSERT_MODE(in_dir("p"), 0700);
	ASSERT_MODE(in_dir("p/q"), 0700);
	ASSERT_MODE(in_dir("p/q/kernel.log"), 0600);
	ASSERT_MODE(in_dir("p/q/a.log"), 0600);

	ASSERT(mkdir(in_dir("mine"), 0755) == 0);
	write_file(in_dir("mine/notes.txt"), "mine\n");	/* 0644 */
	ASSERT_EQ(run_within(DEADLINE_MS, err, sizeof err, "run", "--log-dir",
	    in_dir("mine"), "--backend", backend, scenario("s.mipc"), (char *)NULL), 0);
	ASSERT_MODE(in_dir("mine"), 0755);
	ASSERT_MODE(in_dir("mine/notes.txt"), 0644);
	ASSERT_MODE(in_dir("mine/kernel.log"), 0600);
	ASSERT_MODE(in_dir("mine/a.log"), 0600);
}

/* The kernel's resident size in KiB (/proc/PID/status), or -1 where the
   system has no /proc. */
static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Spawns and kills the children u<from> to u<to - 1>, sent all at once
   (in the kernel each line waits for the one before it). */
static void
spawn_and_kill(int fd, int from, int to)
{
	char *buf = malloc((size_t)(to - from) * 40), *p = buf;

	ASSERT(buf != NULL);
	for (int i = from; i < to; i++)
		p += sprintf(p, "spawn u%d\nkill u%d KILL\n", i, i);
	send_all(fd, buf, (size_t)(p - buf));
	free(buf);
	for (int i = from; i < to; i++) {
		char *a = answer(fd);
		if (strncmp(a, "OK spawned ", 11) != 0)
			TEST_FAIL_("spawn u%d: \"%s\"", i, a);
		a = answer(fd);
		if (strncmp(a, "OK u", 4) != 0)
			TEST_FAIL_("kill u%d KILL: \"%s\"", i, a);
	}
}

/* What ps listed: its processes, by state. */
struct ps_count {
	int	dead, running, others;
	char	first_dead[32];
};

/*
 * Asks ps on fd and counts what it lists; fails if two processes share a
 * pid.  The whole listing is printed if so.
 */
static void
ps_listing(int fd, struct ps_count *pc)
{
	static char text[65536];
	char pids[512][16];
	int npids = 0;
	size_t len = 0;

	memset(pc, 0, sizeof *pc);
	text[0] = '\0';
	say(fd, "ps");
	for (;;) {
		char *l = next_line(fd), name[32], pid[16];

		if (len + strlen(l) + 2 < sizeof text)
			len += (size_t)snprintf(text + len, sizeof text - len, "%s\n", l);
		if (strncmp(l, "* ", 2) == 0)
			continue;
		if (strncmp(l, "| ", 2) != 0) {
			ASSERT_STR_EQ(l, "OK");
			break;
		}
		if (strncmp(l, "| NAME ", 7) == 0 || strncmp(l, "| client fd ", 12) == 0 ||
		    sscanf(l, "| %31s %15s", name, pid) != 2 ||
		    strstr(l, " attached client") != NULL)
			continue;
		if (strstr(l, " dead") != NULL) {
			if (pc->dead++ == 0)
				snprintf(pc->first_dead, sizeof pc->first_dead, "%s", name);
		} else if (strstr(l, " running") != NULL) {
			pc->running++;
		} else {
			pc->others++;
		}
		for (int i = 0; i < npids; i++)
			if (strcmp(pids[i], pid) == 0)
				TEST_FAIL_("two processes have pid %s:\n%s", pid, text);
		if (npids < 512)
			snprintf(pids[npids++], sizeof pids[0], "%s", pid);
	}
}

/*
 * A kernel that spawns and kills all day does not grow.  600 children come
 * and go (one client, its lines sent all at once); ps lists the last 64 of
 * them and the two that live, no more, and no pid twice.
 *
 * The memory: the resident size after 200 of them (well past the 64
 * remembered, and every path taken) and after 400 more.  Were the kernel to
 * keep the records of only a quarter of those 400, it would grow by 100
 * times sizeof(struct child) (some 270 KiB); it must grow by less.  Under
 * AddressSanitizer the freed records wait in its quarantine, which would
 * look like growth: this kernel runs without one.
 */
TEST(dead_children_bounded)
{
	enum { WARM = 200, MORE = 400 };
	char opts[1024];
	const char *was = getenv("ASAN_OPTIONS");
	struct ps_count pc;

	snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0:"
	    "thread_local_quarantine_size_kb=0", was ? was : "", was ? ":" : "");
	ASSERT(setenv("ASAN_OPTIONS", opts, 1) == 0);
	start_kernel(NULL);
	int c = connect_kernel();
	ask(c, "spawn live1", "OK spawned live1");
	spawn_and_kill(c, 0, WARM);
	ask(c, "spawn live2", "OK spawned live2");
	long rss0 = rss_kib(kpid);
	spawn_and_kill(c, WARM, WARM + MORE);
	long rss1 = rss_kib(kpid);

	ps_listing(c, &pc);
	ASSERT_EQ(pc.dead, PROC_DEAD_KEPT);
	ASSERT_EQ(pc.running, 2);
	ASSERT_EQ(pc.others, 0);
	char want[32];
	snprintf(want, sizeof want, "u%d", WARM + MORE - PROC_DEAD_KEPT);
	ASSERT_STR_EQ(pc.first_dead, want);	/* the last 64, in order */
	ask(c, "expect dead u599", "OK");
	/* One forgotten is not said never to have been. */
	say(c, "expect dead u0");
	ASSERT_HAS(answer(c), "no process named u0 was spawned, or it is not among "
	    "the last 64 reaped");
	ask(c, "expect alive live1", "OK");

	if (rss0 == -1) {
		printf("  (no /proc here: the kernel's size is not checked)\n");
	} else {
		long bound = (long)(MORE / 4 * sizeof(struct child) / 1024);
		if (rss1 - rss0 >= bound)
			TEST_FAIL_("the kernel grew from %ld to %ld KiB over %d children "
			    "(bound: %ld KiB)", rss0, rss1, MORE, bound);
		printf("  (resident: %ld KiB after %d children, %ld after %d more; "
		    "bound %ld KiB of growth)\n", rss0, WARM, rss1, MORE, bound);
	}
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* A pid a dead child had is not given to a new one while ps still lists
   the dead one. */
TEST(no_two_processes_share_a_pid)
{
	struct ps_count pc;

	start_kernel(NULL);
	int c = connect_kernel();
	ask(c, "spawn a", "OK spawned a as pid 1000");
	ask(c, "spawn b", "OK spawned b");
	ask(c, "kill a", "OK a was killed by SIGTERM");
	ask(c, "spawn g", "OK spawned g");
	ps_listing(c, &pc);
	ASSERT_EQ(pc.dead, 1);
	ASSERT_EQ(pc.running, 2);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * A client that closes while its own line runs (a sleep of an hour) is
 * seen to have gone within a second or so, though nothing else wakes the
 * kernel: no other client, no child.  Its pid is then free.
 */
TEST(client_gone_in_its_own_long_line)
{
	char klog[PATHSZ];

	start_kernel(NULL);
	at(klog, "logs/kernel.log");
	int c = connect_kernel();
	ask(c, "c {.message=x,.pid=7,.port=7}", "OK port 7 registered");
	say(c, "sleep 3600000");
	ASSERT(file_has(klog, "sleep 3600000", DEADLINE_MS));
	int64_t t0 = now_ms();
	close(c);
	if (!file_has(klog, "(pid 7) disconnected", 3000))
		TEST_FAIL_("no \"(pid 7) disconnected\" in kernel.log %lld ms after the "
		    "close", (long long)(now_ms() - t0));
	printf("  (seen gone after %lld ms)\n", (long long)(now_ms() - t0));
	c = connect_kernel();
	ask(c, "c {.message=x,.pid=7,.port=8}", "OK port 8 registered");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/* Reads fd to its end of file, which must come in time, after no line. */
static void
closed_after(int fd, const char *who)
{
	char buf[4096];

	if (read_line(fd, buf, sizeof buf, now_ms() + DEADLINE_MS) != -1)
		TEST_FAIL_("%s got \"%s\" where its connection should end", who, buf);
}

/*
 * `shutdown` tells every attached client why it is cut off, the one that
 * said it and one that said nothing since; so does a SIGTERM.
 */
TEST(clients_told_why_the_kernel_stops)
{
	int status;

	start_kernel(NULL);
	int a = connect_kernel(), b = connect_kernel();
	ask(b, "c {.message=x,.pid=8,.port=8}", "OK port 8 registered");
	ask(a, "spawn s", "OK spawned s");
	say(a, "shutdown");
	ASSERT_PREFIX(next_line(a), "OK");
	ASSERT_STR_EQ(next_line(a), "* kernel stopping: a console line said shutdown");
	closed_after(a, "the client that said shutdown");
	ASSERT_STR_EQ(next_line(b), "* kernel stopping: a console line said shutdown");
	closed_after(b, "the other client");
	ASSERT(waitpid(kpid, &status, 0) == kpid);
	kpid = -1;
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(a);
	close(b);

	restart_kernel(NULL);
	a = connect_kernel();
	ask(a, "ps", "OK");
	ASSERT(kill(kpid, SIGTERM) == 0);
	ASSERT_STR_EQ(next_line(a), "* kernel stopping: it was signalled");
	closed_after(a, "the client");
	ASSERT(waitpid(kpid, &status, 0) == kpid);
	kpid = -1;
	ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(a);
}

/* Runs `ps -o args= -p PID`: the process's title as the system shows it. */
static char *
ps_args(long pid)
{
	static char out[1024];
	char cmd[128];
	FILE *p;

	snprintf(cmd, sizeof cmd, "ps -o args= -p %ld", pid);
	ASSERT((p = popen(cmd, "r")) != NULL);
	if (fgets(out, sizeof out, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(p);
	return out;
}

/* A child shows its NAME and pid in the system's ps (and, where there is
   /proc, its command name is its NAME, for pgrep and top). */
TEST(children_named_in_ps)
{
	char a[512], comm[64];
	long ospid = 0;

	start_kernel(NULL);
	int c = connect_kernel();
	say(c, "spawn server pid=77");
	snprintf(a, sizeof a, "%s", answer(c));
	if (sscanf(a, "OK spawned server as pid 77 (OS pid %ld)", &ospid) != 1)
		TEST_FAIL_("no OS pid in \"%s\"", a);
	ASSERT_STR_EQ(ps_args(ospid), "mipc: server (pid 77)");
	snprintf(comm, sizeof comm, "/proc/%ld/comm", ospid);
	if (access(comm, R_OK) == 0)
		ASSERT_STR_EQ(slurp(comm), "server\n");
	close(c);
	ASSERT_EQ(stop_kernel(), 0);
}

/*
 * Counts, in the log at path, each numbered line a client sent (its
 * "zzzz lineNNNNNN " and len bytes in all); fails on one that is not
 * whole.  Returns the lines that are.
 */
static int
tally(const char *path, unsigned char *seen, int n, size_t len)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *at;
	size_t cap = 0;
	ssize_t got;
	int k, whole = 0;

	ASSERT(f != NULL);
	while ((got = getline(&line, &cap, f)) != -1) {
		if ((at = strstr(line, "zzzz line")) == NULL)
			continue;
		if (sscanf(at, "zzzz line%d ", &k) != 1 || k < 0 || k >= n)
			TEST_FAIL_("%s: a line that was not sent: %.60s", path, line);
		if (line[got - 1] != '\n' || (size_t)(line + got - 1 - at) != len)
			TEST_FAIL_("%s: line %d is not whole (%zu bytes of %zu)", path, k,
			    (size_t)(line + got - 1 - at), len);
		seen[k]++;
		whole++;
	}
	free(line);
	fclose(f);
	return whole;
}

/*
 * kernel.log is renamed kernel.log.1 past LOGDIR_LOG_MAX, between two
 * lines, and goes on in a new kernel.log that says so first.  What fills
 * it: a client's unknown verbs, a KiB each and numbered.  Each is logged
 * once, whole, in one file or the other.
 */
TEST(kernel_log_rotates)
{
	enum { LEN = 1000, BATCH = 256, MOST = 2 * LOGDIR_LOG_MAX / LEN };
	char *buf = malloc(BATCH * (LEN + 1)), first[256], want[128];
	char klog[PATHSZ], klog1[PATHSZ];
	unsigned char *seen = calloc(MOST + BATCH, 1);
	struct stat st;
	int n = 0;

	ASSERT(buf != NULL && seen != NULL);
	start_kernel(NULL);
	at(klog, "logs/kernel.log");
	at(klog1, "logs/kernel.log.1");
	int c = connect_kernel();
	/* Until it has rotated, or has been sent twice what that takes. */
	while (lstat(klog1, &st) == -1 && n < MOST) {
		char *p = buf;
		for (int i = 0; i < BATCH; i++, n++) {
			int k = sprintf(p, "zzzz line%06d ", n);
			memset(p + k, 'x', LEN - (size_t)k);
			p[LEN] = '\n';
			p += LEN + 1;
		}
		send_all(c, buf, (size_t)(p - buf));
		for (int i = 0; i < BATCH; i++)
			ASSERT_PREFIX(answer(c), "ERR EINVAL unknown verb 'zzzz'");
	}
	free(buf);
	if (lstat(klog1, &st) == -1)
		TEST_FAIL_("no kernel.log.1 after %d lines of %d bytes", n, LEN + 1);
	if (st.st_size > LOGDIR_LOG_MAX)
		TEST_FAIL_("kernel.log.1 has %lld bytes, past its cap of %d",
		    (long long)st.st_size, LOGDIR_LOG_MAX);
	close(c);
	ASSERT_EQ(stop_kernel(), 0);	/* every line is written by then */

	FILE *f = fopen(klog, "r");
	ASSERT(f != NULL);
	ASSERT(fgets(first, sizeof first, f) != NULL);
	fclose(f);
	/* after its time stamp, "2026-11-23 23:40:01.123 " */
	ASSERT(strlen(first) > 24);
	snprintf(want, sizeof want, "continued from kernel.log.1 (rotated at %d bytes)",
	    LOGDIR_LOG_MAX);
	ASSERT_PREFIX(first + 24, want);
	int whole = tally(klog1, seen, n, LEN) + tally(klog, seen, n, LEN);
	for (int i = 0; i < n; i++)
		if (seen[i] != 1)
			TEST_FAIL_("line %d is logged %d times", i, seen[i]);
	ASSERT_EQ(whole, n);
	free(seen);
	printf("  (%d lines of %d bytes; kernel.log.1 has %lld bytes)\n", n, LEN + 1,
	    (long long)st.st_size);
}

static void *volatile probe;	/* kept, so that the allocation is made */

/* Whether this system holds a process to RLIMIT_AS: one limited to limit
   bytes cannot allocate four times that. */
static int
as_limit_holds(rlim_t limit)
{
	int status;
	pid_t pid = fork();

	ASSERT(pid != -1);
	if (pid == 0) {
		struct rlimit rl = { limit, limit };
		if (setrlimit(RLIMIT_AS, &rl) == -1)
			_exit(1);
		probe = malloc(4 * limit);
		_exit(probe == NULL ? 0 : 1);
	}
	ASSERT(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * A scenario whose read fails half way is an error (exit 2, the file and
 * why said), not a file that ends there.  The read fails for want of
 * memory: a 32 MiB comment line in an address space of 24 MiB.  The line
 * before it spawns, and the line after it would fail the run.
 *
 * AddressSanitizer cannot start in such a space (it reserves terabytes of
 * shadow): a sanitized binary is given its own cap on one allocation
 * instead, which fails the same read, and says so on a line of its own.
 * Where the system does not hold a process to the limit, the case says so
 * and checks nothing.
 */
TEST(scenario_read_failing_half_way)
{
	enum { LIMIT = 24 << 20, COMMENT = 32 << 20 };
	char err[1024], path[PATHSZ], logs[PATHSZ], chunk[65536], opts[1024];
	const char *was = getenv("ASAN_OPTIONS");
	int sanitized = 0;
	struct stat st;

	/* mipc first: in a sanitized build, the probe would fail too, with a
	   complaint on its standard error. */
	as_limit = LIMIT;
	if (run_within(DEADLINE_MS, err, sizeof err, "--version", (char *)NULL) != 0) {
		if (strstr(err, "AddressSanitizer") == NULL) {
			printf("  (%s cannot start in %d MiB: not checked)\n", mipc(),
			    LIMIT >> 20);
			return;
		}
		as_limit = 0;
		sanitized = 1;
		snprintf(opts, sizeof opts, "%s%smax_allocation_size_mb=%d:"
		    "allocator_may_return_null=1", was ? was : "", was ? ":" : "",
		    LIMIT >> 20);
		ASSERT(setenv("ASAN_OPTIONS", opts, 1) == 0);
	} else if (!as_limit_holds(LIMIT)) {
		printf("  (this system does not enforce RLIMIT_AS: not checked)\n");
		return;
	}

	make_dir();
	at(path, "big.mipc");
	at(logs, "logs");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd != -1);
	memset(chunk, 'x', sizeof chunk);
	ASSERT(write(fd, "spawn a\n#", 9) == 9);
	for (int i = 0; i < COMMENT / (int)sizeof chunk; i++)
		ASSERT(write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk);
	ASSERT(write(fd, "\nexpect dead a\n", 15) == 15);
	close(fd);

	int status = run_within(DEADLINE_MS, err, sizeof err, "run", "--log-dir", logs,
	    "--backend", backend, path, (char *)NULL);
	if (status != 2)
		TEST_FAIL_("a scenario read in part: exit status %d, not 2 (\"%s\")",
		    status, err);
	ASSERT_HAS(err, "big.mipc: cannot be read to its end after line 1");
	ASSERT_EQ(lines_in(err), sanitized ? 2 : 1);
	ASSERT(lstat(in_dir("logs/a.log"), &st) == -1 && errno == ENOENT);
}

static const struct test_case cases[] = {
	TEST_CASE(one_kernel_per_log_dir),
	TEST_CASE(fifo_for_a_childs_log),
	TEST_CASE(fifo_for_the_kernels_log),
	TEST_CASE(symlink_for_a_log_is_refused),
	TEST_CASE(modes_of_what_it_makes),
	TEST_CASE(dead_children_bounded),
	TEST_CASE(no_two_processes_share_a_pid),
	TEST_CASE(client_gone_in_its_own_long_line),
	TEST_CASE(clients_told_why_the_kernel_stops),
	TEST_CASE(children_named_in_ps),
	TEST_CASE(kernel_log_rotates),
	TEST_CASE(scenario_read_failing_half_way),
};

LIVE_MAIN("data", cases)
