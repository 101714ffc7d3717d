/*
 * bench.c - mipc bench: how fast the kernel routes, against the bare floor.
 *
 * Every figure is measured in the same run as the floors it is compared with,
 * so the ratios hold on a noisy machine:
 *
 *   direct   the load generator and an echoing process on one socketpair;
 *   relay    the same two, with a middle process between them that forwards
 *            newline-framed lines on the same event backend as the kernel:
 *            no table, no parsing, no logs.  The floor for a kernel in the
 *            middle;
 *   kernel   a kernel built and run as `mipc run` runs one (proc_spawn, its
 *            logs on), a server child with the default reply, and load
 *            children linked to it that send "+ REQ" lines.
 *
 * Each case runs in processes of its own; the CPU time of all of them comes
 * from getrusage(RUSAGE_CHILDREN) around the case.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "load.h"
#include "platform.h"

struct figures {
	unsigned	 n;		/* round trips timed, all load children */
	unsigned	 all;		/* round trips run, the warm-up included */
	unsigned	 errors;
	long long	 elapsed_us;	/* the longest of the load children */
	int		 p50, p99, p999;	/* round trip, microseconds (first child) */
	double		 cpu_us;	/* user + system of every process, per round trip */
	double		 mid_cpu_us;	/* the same, of the middle process alone */
	long		 rss_kib;	/* the middle process's peak (kernel cases) */
	double		 rates[BENCH_ROUNDS_MAX];	/* rt/s of every run, in run order */
	int		 nrates;
	int		 p50s[BENCH_ROUNDS_MAX];	/* p50 of every run (latency) */
	int		 np50s;
};

/*
 * The round-trip times of every run of a latency case, pooled: each
 * distinct time once, with how many round trips took it.  A few thousand
 * entries at most, where the times themselves would be megabytes that every
 * case forked after would carry, and count as the kernel's memory.
 */
struct samples {
	struct time_count {
		int32_t	 us;
		uint32_t n;
	}		*v;
	size_t		 len, cap;
	uint64_t	 total;
};

static int failures;	/* cases that gave no result: their logs are kept */

static double
rate(const struct figures *f)
{
	return f->elapsed_us > 0 ? f->n * 1e6 / (double)f->elapsed_us : 0;
}

/* User + system time of this process (RUSAGE_SELF) or its reaped children. */
static int64_t
cpu_us(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Per round trip run; the CPU time covers the warm-up too. */
static double
per_trip(int64_t us, const struct figures *f)
{
	return f->all ? (double)us / f->all : 0;
}

/* The middle process's "mid cpu_us=N" line, if out has one. */
static void
add_mid(struct figures *f, const char *out)
{
	const char *mid = out ? strstr(out, "mid cpu_us=") : NULL;

	if (mid != NULL)
		f->mid_cpu_us = per_trip(atoll(mid + strlen("mid cpu_us=")), f);
}

/* Adds one "result ..." line to f. */
static int
add_result(struct figures *f, const char *line, int first)
{
	unsigned n, errors, all;
	long long us;
	int p50, p99, p999;

	if (line == NULL || sscanf(line, "result n=%u errors=%u elapsed_us=%lld p50=%d "
	    "p99=%d p999=%d all=%u", &n, &errors, &us, &p50, &p99, &p999, &all) != 7)
		return -1;
	f->n += n;
	f->all += all;
	f->errors += errors;
	if (us > f->elapsed_us)
		f->elapsed_us = us;
	if (first) {
		f->p50 = p50;
		f->p99 = p99;
		f->p999 = p999;
	}
	return 0;
}

/* Everything in a file or pipe, to its end, in memory the caller frees. */
static char *
read_all(int fd)
{
	size_t len = 0, cap = 64 * 1024;
	char *buf = malloc(cap);
	ssize_t n;

	for (;;) {
		if (buf == NULL)
			mipc_die(1, "bench: out of memory for a case's output");
		if ((n = read(fd, buf + len, cap - 1 - len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((len += (size_t)n) == cap - 1) {
			char *more = realloc(buf, cap *= 2);
			if (more == NULL)
				free(buf);
			buf = more;
		}
	}
	buf[len] = '\0';
	return buf;
}

/* The line of buf that starts with word and a blank, or NULL. */
static const char *
find_line(const char *buf, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = buf; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\n'))
			return p;
	return NULL;
}

/* Adds the times of out's "rtt US*COUNT ..." line to s.  Returns 0, or -1
   if there is no such line or it is malformed. */
static int
add_samples(struct samples *s, const char *out)
{
	const char *p = find_line(out, "rtt");

	if (p == NULL)
		return -1;
	for (p += 3; *p == ' '; ) {
		char *e;
		long us = strtol(p + 1, &e, 10);
		if (*e != '*')
			return -1;
		unsigned long k = strtoul(e + 1, &e, 10);
		if (s->len == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 1024;
			struct time_count *v = realloc(s->v, cap * sizeof *v);
			if (v == NULL)
				mipc_die(1, "bench: out of memory for round-trip times");
			s->v = v;
			s->cap = cap;
		}
		s->v[s->len].us = (int32_t)us;
		s->v[s->len++].n = (uint32_t)k;
		s->total += k;
		p = e;
	}
	return *p == '\n' || *p == '\0' ? 0 : -1;
}

/* The last "result" line of what read_all read. */
static const char *
last_result(const char *buf)
{
	const char *r = NULL;

	for (const char *p = strstr(buf, "result n="); p != NULL;
	    p = strstr(p + 1, "result n="))
		r = p;
	return r;
}

/* The processes of the case running now: a stopped bench ends them, with
   SIGKILL for a floor's (they hold nothing) or SIGTERM for a kernel. */
static volatile pid_t case_pids[3];
static volatile sig_atomic_t ncase_pids, case_stop_sig;

/* The signals that stop the bench (on_stop). */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void
stop_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
		sigaddset(set, stop_signals[i]);
}

/* Forks a process of the case; no stop signal comes between the fork and
   its pid being noted. */
static pid_t
fork_or_die(void)
{
	sigset_t stop, old;
	pid_t pid;

	stop_set(&stop);
	sigprocmask(SIG_BLOCK, &stop, &old);
	fflush(NULL);
	if ((pid = fork()) == -1)
		mipc_die(1, "fork: %s", strerror(errno));
	if (pid > 0 && ncase_pids < 3)
		case_pids[ncase_pids++] = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* Waits until process i of the case has ended (or, with WUNTRACED, has
   stopped).  It is struck off once reaped: its pid may be another
   process's soon.  Async-signal-safe. */
static void
wait_case_pid(int i, int flags)
{
	pid_t r;
	int st;

	if (case_pids[i] <= 0)
		return;
	while ((r = waitpid(case_pids[i], &st, flags)) == -1 && errno == EINTR)
		;
	if (r == -1 || !WIFSTOPPED(st))
		case_pids[i] = -1;
}

/* Waits for the processes of the case, which is then over. */
static void
wait_case(void)
{
	for (int i = 0; i < ncase_pids; i++)
		wait_case_pid(i, 0);
	ncase_pids = 0;
}

/*
 * Forwards lines between a and b until either closes: the relay floor.  Then
 * writes its CPU time to result.
 */
static void __attribute__((noreturn))
relay_main(const char *backend, int a, int b, int result)
{
	struct ev *ev = ev_create(backend);
	struct linebuf in[2];
	struct outq out[2];	/* out[0] goes to a, out[1] to b */
	int fds[2] = { a, b };
	struct ev_event evs[4];

	if (ev == NULL || plat_nonblock(a) == -1 || plat_nonblock(b) == -1)
		_exit(1);
	for (int i = 0; i < 2; i++) {
		linebuf_init(&in[i]);
		outq_init(&out[i]);
		if (ev_add(ev, fds[i], EV_READ, NULL) == -1)
			_exit(1);
	}
	for (;;) {
		int n = ev_wait(ev, evs, 4, -1);
		if (n == -1 && errno != EINTR)
			_exit(1);
		for (int e = 0; e < n; e++) {
			int i = evs[e].fd == a ? 0 : 1;
			const char *line;
			size_t len;
			ssize_t r;
			while ((r = linebuf_read(&in[i], fds[i])) > 0)
				while (linebuf_next(&in[i], &line, &len) == LB_LINE)
					outq_line(&out[1 - i], line, len);
			if (r == 0) {
				dprintf(result, "mid cpu_us=%lld\n",
				    (long long)cpu_us(RUSAGE_SELF));
				_exit(0);
			}
		}
		for (int i = 0; i < 2; i++) {
			int r = outq_flush(&out[i], fds[i]);
			if (r == -1)
				_exit(0);
			if ((r == 1 ? ev_add(ev, fds[i], EV_WRITE, NULL) :
			    ev_del(ev, fds[i], EV_WRITE)) == -1)
				_exit(1);
		}
	}
}

/* The floors: the load straight to an echo, or through a relay.  With
   samples, the round-trip times go there too. */
static void
run_floor(const char *backend, int relay, struct load_config lc, struct figures *f,
    struct samples *samples)
{
	int ab[2], bc[2], res[2];

	memset(f, 0, sizeof *f);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ab) == -1 || pipe(res) == -1 ||
	    (relay && socketpair(AF_UNIX, SOCK_STREAM, 0, bc) == -1))
		mipc_die(1, "socketpair: %s", strerror(errno));
	int64_t cpu0 = cpu_us(RUSAGE_CHILDREN);
	case_stop_sig = SIGKILL;
	if (fork_or_die() == 0) {
		close(ab[1]);
		close(res[0]);
		if (relay) {
			close(bc[0]);
			close(bc[1]);
		}
		lc.result_fd = res[1];
		load_main(ab[0], &lc);
	}
	if (relay && fork_or_die() == 0) {
		close(ab[0]);
		close(bc[0]);
		close(res[0]);
		relay_main(backend, ab[1], bc[1], res[1]);
	}
	if (fork_or_die() == 0) {
		close(ab[0]);
		close(res[0]);
		close(res[1]);
		if (relay) {
			close(ab[1]);
			close(bc[1]);
			load_echo(bc[0]);
		}
		load_echo(ab[1]);
	}
	close(ab[0]);
	close(ab[1]);
	if (relay) {
		close(bc[0]);
		close(bc[1]);
	}
	close(res[1]);
	char *out = read_all(res[0]);
	if (add_result(f, last_result(out), 1) == -1 ||
	    (samples != NULL && add_samples(samples, out) == -1)) {
		mipc_warn("bench: a floor run gave no result");
		failures++;
	}
	if (relay)
		add_mid(f, out);
	free(out);
	close(res[0]);
	wait_case();
	f->cpu_us = per_trip(cpu_us(RUSAGE_CHILDREN) - cpu0, f);
}

static unsigned loads_left;

static void
on_child_exit(void *arg, struct child *c)
{
	struct kernel *k = arg;

	if (c->cfg.load != NULL && --loads_left == 0)
		k->stopping = KSTOP_DONE;
}

/* Routes a request as child c would send it, to set the state up. */
static void
setup_line(struct kernel *k, struct child *c, const char *fmt, unsigned port)
{
	struct route_result res;
	char line[128];
	int n = snprintf(line, sizeof line, fmt, (unsigned)c->sp.rp.pid, port);

	route_line(&k->sv.route, &c->sp.rp, line, (size_t)n, k->now, 0, &res);
	if (strncmp(res.text, "OK", 2) != 0)
		mipc_die(1, "bench: setting up: %s: %s", line, res.text);
}

/*
 * In its own process: a kernel, a server, `clients` load children; with
 * fill, every table and mailbox slot in use, the loads' links last.
 * Writes "result ...", "rss KIB" and "mid cpu_us=N" to out, and with
 * times the first load's "rtt ..." line.
 */
static void __attribute__((noreturn))
kernel_case(const struct options *o, const char *logdir, unsigned slots,
    unsigned clients, int fill, struct load_config lc, int times_wanted, int out)
{
	struct kconfig cfg = o->k;
	struct kernel k;
	struct child_config server = { .name = "server", .pid = 1,
	    .reply = REPLY_DEFAULT };
	struct figures f;
	char ans[MIPC_ANSWER_MAX];

	cfg.slots = slots;
	cfg.log_dir = logdir;
	cfg.socket_path = NULL;
	cfg.trace = NULL;
	cfg.trace_fd = -1;
	if (kernel_init(&k, &cfg) == -1)
		_exit(1);
	k.procs.exited = on_child_exit;
	k.procs.exited_arg = &k;
	struct child *srv = proc_spawn(&k.procs, &server, ans, sizeof ans);
	if (srv == NULL)
		mipc_die(1, "bench: %s", ans);
	setup_line(&k, srv, "c {.message=x,.pid=%u,.port=%u}", lc.port);
	if (fill) {
		/* Self-links fill the mailboxes but for the loads' links, then
		   the table fills up behind them. */
		unsigned port = 1000;
		for (unsigned i = 0; i + clients < slots; i++, port++) {
			setup_line(&k, srv, "c {.message=x,.pid=%u,.port=%u}", port);
			setup_line(&k, srv, "{.message=x,.pid=%u,.port=%u}", port);
		}
		while (k.sv.route.pt.used < slots - 1)
			setup_line(&k, srv, "c {.message=x,.pid=%u,.port=%u}", port++);
	}
	loads_left = clients;
	for (unsigned c = 0; c < clients; c++) {
		struct child_config lcfg = { .reply = REPLY_DEFAULT };
		struct load_config *l = malloc(sizeof *l);
		if (l == NULL)
			_exit(1);
		*l = lc;
		l->pid = 100 + c;
		l->result_fd = 1;	/* its log */
		lcfg.load = l;
		snprintf(lcfg.name, sizeof lcfg.name, "load%u", c);
		lcfg.pid = l->pid;
		/* The loads link in turn: port 1 goes back into the table for
		   each. */
		if (c > 0)
			setup_line(&k, srv, "c {.message=x,.pid=%u,.port=%u}", lc.port);
		struct child *ld = proc_spawn(&k.procs, &lcfg, ans, sizeof ans);
		if (ld == NULL)
			mipc_die(1, "bench: %s", ans);
		/* Its link, made as its own first request would make it. */
		setup_line(&k, ld, "{.message=x,.pid=%u,.port=%u}", lc.port);
	}
	/* The kernel's CPU time is what its loop took: filling 1024 slots
	   above is no part of routing. */
	int64_t loop_us = cpu_us(RUSAGE_SELF);
	kernel_loop(&k);
	loop_us = cpu_us(RUSAGE_SELF) - loop_us;
	if (k.stopping == KSTOP_SIGNAL) {
		kernel_free(&k);	/* the bench is stopping: no figures */
		_exit(1);
	}
	long rss = plat_peak_rss_kib();
	memset(&f, 0, sizeof f);
	char *times = NULL;	/* the first load's "rtt" line */
	for (unsigned c = 0; c < clients; c++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/load%u.log", logdir, c);
		int fd = open(path, O_RDONLY);
		char *log = fd != -1 ? read_all(fd) : NULL;
		if (log == NULL || add_result(&f, last_result(log), c == 0) == -1)
			mipc_warn("bench: load%u gave no result (see %s)", c, path);
		const char *line = log != NULL && c == 0 && times_wanted ?
		    find_line(log, "rtt") : NULL;
		if (line != NULL)
			times = strndup(line, strcspn(line, "\n"));
		free(log);
		if (fd != -1)
			close(fd);
	}
	kernel_free(&k);
	dprintf(out, "result n=%u errors=%u elapsed_us=%lld p50=%d p99=%d p999=%d "
	    "all=%u\nrss %ld\nmid cpu_us=%lld\nrest cpu_us=%lld\n%s\n", f.n, f.errors,
	    f.elapsed_us, f.p50, f.p99, f.p999, f.all, rss, (long long)loop_us,
	    (long long)(cpu_us(RUSAGE_SELF) - loop_us), times != NULL ? times : "");
	free(times);
	_exit(0);
}

static void
run_kernel(const struct options *o, const char *logdir, unsigned slots,
    unsigned clients, int fill, struct load_config lc, struct figures *f,
    struct samples *samples)
{
	int res[2];

	memset(f, 0, sizeof *f);
	if (pipe(res) == -1)
		mipc_die(1, "pipe: %s", strerror(errno));
	int64_t cpu0 = cpu_us(RUSAGE_CHILDREN);
	case_stop_sig = SIGTERM;
	if (fork_or_die() == 0) {
		close(res[0]);
		kernel_case(o, logdir, slots, clients, fill, lc, samples != NULL,
		    res[1]);
	}
	close(res[1]);
	char *buf = read_all(res[0]);
	close(res[0]);
	wait_case();
	if (add_result(f, strstr(buf, "result n="), 1) == -1 ||
	    (samples != NULL && add_samples(samples, buf) == -1)) {
		mipc_warn("bench: the kernel run gave no result (logs in %s)", logdir);
		failures++;
	}
	char *rss = strstr(buf, "rss ");
	f->rss_kib = rss ? atol(rss + 4) : -1;
	add_mid(f, buf);
	/* Every process's time, but for the kernel's outside its loop. */
	char *rest = strstr(buf, "rest cpu_us=");
	f->cpu_us = per_trip(cpu_us(RUSAGE_CHILDREN) - cpu0 -
	    (rest ? atoll(rest + strlen("rest cpu_us=")) : 0), f);
	free(buf);
}

/*
 * One line of the table: the latency of rtt (if any), the throughput and CPU
 * time of pipe, and their ratios to the floors (if any), then a note.
 */
static void
row(const char *name, const struct figures *rtt, const struct figures *pipe,
    const struct figures *floor_rtt, const struct figures *floor_pipe,
    const char *note)
{
	unsigned errors = pipe->errors;

	printf("  %-28s", name);
	if (rtt != NULL) {
		printf(" %7d %5d %6d", rtt->p50, rtt->p99, rtt->p999);
		errors += rtt->errors;
	} else {
		printf(" %7s %5s %6s", "", "", "");
	}
	printf(" %10.0f %9.2f", rate(pipe), pipe->cpu_us);
	if (pipe->mid_cpu_us > 0)
		printf(" %7.2f", pipe->mid_cpu_us);
	else
		printf(" %7s", "-");
	if (rtt != NULL && floor_rtt != NULL && floor_rtt->p50 > 0)
		printf(" %10.2fx", (double)rtt->p50 / floor_rtt->p50);
	else if (floor_pipe != NULL)
		printf(" %11s", "");
	if (floor_pipe != NULL && rate(floor_pipe) > 0)
		printf(" %10.2fx", rate(pipe) / rate(floor_pipe));
	if (note != NULL)
		printf(" %s", note);
	if (errors > 0)
		printf("   (%u errors)", errors);
	putchar('\n');
}

static void
json_figures(const char *name, const struct figures *f, int last)
{
	printf("    \"%s\": {\"round_trips\": %u, \"errors\": %u, \"p50_us\": %d, "
	    "\"p99_us\": %d, \"p999_us\": %d, \"round_trips_per_s\": %.0f, "
	    "\"cpu_us_per_round_trip\": %.2f, \"middle_cpu_us_per_round_trip\": %.2f, "
	    "\"peak_rss_kib\": %ld", name, f->n, f->errors, f->p50, f->p99, f->p999,
	    rate(f), f->cpu_us, f->mid_cpu_us, f->rss_kib);
	if (f->nrates > 0) {
		printf(", \"round_trips_per_s_runs\": [");
		for (int i = 0; i < f->nrates; i++)
			printf("%s%.0f", i ? ", " : "", f->rates[i]);
		printf("]");
	}
	if (f->np50s > 0) {
		printf(", \"p50_us_runs\": [");
		for (int i = 0; i < f->np50s; i++)
			printf("%s%d", i ? ", " : "", f->p50s[i]);
		printf("]");
	}
	printf("}%s\n", last ? "" : ",");
}

static pid_t bench_pid;
static char own_logdir[4096];	/* the directory of this run's own, while it is */

/* Appends s to p (at most end); async-signal-safe. */
static char *
append(char *p, const char *end, const char *s)
{
	while (*s != '\0' && p < end)
		*p++ = *s++;
	*p = '\0';
	return p;
}

/*
 * ^C or a kill: the bench goes, and the case it was running (a kernel stops
 * its children on SIGTERM) and the logs of its own directory with it (what
 * a case writes: kernel.log, kernel.pid, events.jsonl, server.log, load0.log
 * to load4.log).  In a process of a case, before it has its own way to stop,
 * it only goes.
 */
static void
on_stop(int sig)
{
	static const char *const logs[] = { "kernel.log", "kernel.log.1", "kernel.pid",
	    "events.jsonl", "server.log", "load0.log", "load1.log", "load2.log",
	    "load3.log", "load4.log" };

	if (getpid() != bench_pid)
		_exit(128 + sig);
	/* A floor's are all stopped first: one left running while another
	   dies would complain of its end. */
	if (case_stop_sig == SIGKILL) {
		for (int i = 0; i < ncase_pids; i++)
			if (case_pids[i] > 0)
				(void)kill(case_pids[i], SIGSTOP);
		for (int i = 0; i < ncase_pids; i++)
			wait_case_pid(i, WUNTRACED);
	}
	for (int i = 0; i < ncase_pids; i++)
		if (case_pids[i] > 0)
			(void)kill(case_pids[i], case_stop_sig);
	for (int i = 0; i < ncase_pids; i++)
		wait_case_pid(i, 0);
	if (own_logdir[0] != '\0') {
		char path[sizeof own_logdir + 16];
		for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
			char *p = append(path, path + sizeof path - 1, own_logdir);
			p = append(p, path + sizeof path - 1, "/");
			append(p, path + sizeof path - 1, logs[i]);
			(void)unlink(path);
		}
		(void)rmdir(own_logdir);
	}
	_exit(128 + sig);
}

/* Finds out now, not in every kernel case, whether the cases can write
   their logs to dir.  Returns 0, or -1 having said why. */
static int
usable_log_dir(const char *dir, int keep)
{
	struct logdir d;
	char why[4200];

	/* Taken and given back: each case's kernel takes it in turn. */
	memset(&d, 0, sizeof d);
	if (logdir_open(&d, dir, why, sizeof why) == -1 ||
	    (!keep && logdir_clear(&d, why, sizeof why) == -1)) {
		fprintf(stderr, "mipc: %s\n", why);
		logdir_close(&d);
		return -1;
	}
	logdir_close(&d);
	return 0;
}

/* Empties the private log directory dir and removes it. */
static void
remove_logs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char path[4096 + 260];	/* the directory, /, a name */
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		(void)unlink(path);
	}
	if (d != NULL)
		closedir(d);
	if (rmdir(dir) == -1)
		mipc_warn("bench: cannot remove %s: %s", dir, strerror(errno));
}

enum { D_RTT, D_PIPE, R_RTT, R_PIPE, K_RTT, K_PIPE, K_FIVE, K_BIG, NCASES };

static int
by_rate(const void *a, const void *b)
{
	double x = rate(a), y = rate(b);

	return (x > y) - (x < y);
}

/* Adds run r of a latency case to f, whose times are pooled elsewhere. */
static void
pool_run(struct figures *f, const struct figures *r)
{
	unsigned all = f->all + r->all;

	if (all > 0) {
		f->cpu_us = (f->cpu_us * f->all + r->cpu_us * r->all) / all;
		f->mid_cpu_us = (f->mid_cpu_us * f->all + r->mid_cpu_us * r->all) / all;
	}
	f->n += r->n;
	f->all = all;
	f->errors += r->errors;
	f->elapsed_us += r->elapsed_us;
	f->p50s[f->np50s++] = r->p50;
}

static int
by_time(const void *a, const void *b)
{
	int32_t x = ((const struct time_count *)a)->us;
	int32_t y = ((const struct time_count *)b)->us;

	return (x > y) - (x < y);
}

/* The time of the round trip at index i (0-based) of the pooled times s,
   in order of time; s is sorted. */
static int
time_at(const struct samples *s, uint64_t i)
{
	uint64_t seen = 0;

	for (size_t j = 0; j < s->len; j++)
		if ((seen += s->v[j].n) > i)
			return s->v[j].us;
	return 0;
}

/* The percentiles of the pooled times s, into f, picked as a load picks
   its own. */
static void
percentiles(struct figures *f, struct samples *s)
{
	uint64_t n = s->total;

	if (n == 0)
		return;
	qsort(s->v, s->len, sizeof s->v[0], by_time);
	f->p50 = time_at(s, n / 2);
	f->p99 = time_at(s, n * 99 / 100);
	f->p999 = time_at(s, n * 999 / 1000);
}

/*
 * Every case, run in rounds: each round runs every case once, the floors
 * beside the kernel, so a slow spell of the machine hits them alike.  A
 * latency figure pools the round trips of all its runs (one, a round's
 * share of them); a throughput figure is the run with the median rate (its
 * CPU time and memory come with it).  Every run's p50 or rate is kept for
 * --json.
 */
static void
run_rounds(const struct options *o, const char *backend, const char *logdir,
    unsigned rounds, struct load_config one, struct load_config win,
    struct figures *f)
{
	static struct figures runs[NCASES][BENCH_ROUNDS_MAX];
	struct samples times[NCASES];
	struct load_config five = win;

	memset(f, 0, NCASES * sizeof *f);
	memset(times, 0, sizeof times);
	five.count = win.count / 2;
	for (unsigned r = 0; r < rounds; r++) {
		one.via_kernel = win.via_kernel = five.via_kernel = 0;
		run_floor(backend, 0, one, &runs[D_RTT][r], &times[D_RTT]);
		run_floor(backend, 1, one, &runs[R_RTT][r], &times[R_RTT]);
		run_floor(backend, 0, win, &runs[D_PIPE][r], NULL);
		run_floor(backend, 1, win, &runs[R_PIPE][r], NULL);
		one.via_kernel = win.via_kernel = five.via_kernel = 1;
		run_kernel(o, logdir, 6, 1, 0, one, &runs[K_RTT][r], &times[K_RTT]);
		run_kernel(o, logdir, 6, 1, 0, win, &runs[K_PIPE][r], NULL);
		run_kernel(o, logdir, 6, 5, 0, five, &runs[K_FIVE][r], NULL);
		run_kernel(o, logdir, MIPC_SLOTS_MAX, 1, 1, win, &runs[K_BIG][r], NULL);
	}
	for (int c = 0; c < NCASES; c++) {
		if (c == D_RTT || c == R_RTT || c == K_RTT) {
			for (unsigned r = 0; r < rounds; r++)
				pool_run(&f[c], &runs[c][r]);
			percentiles(&f[c], &times[c]);
			free(times[c].v);
			continue;
		}
		double rates[BENCH_ROUNDS_MAX];
		for (unsigned r = 0; r < rounds; r++)
			rates[r] = rate(&runs[c][r]);
		qsort(runs[c], rounds, sizeof runs[c][0], by_rate);
		f[c] = runs[c][rounds / 2];
		memcpy(f[c].rates, rates, rounds * sizeof rates[0]);
		f[c].nrates = (int)rounds;
	}
}

int
cmd_bench(struct options *o)
{
	unsigned count = o->count ? o->count : 100000;
	const char *backend = o->k.backend ? o->k.backend : ev_backends()[0];
	const char *tmp = getenv("TMPDIR");
	char logdir[4096];
	static const unsigned sizes[] = { 64, 254 };
	unsigned rounds = o->rounds ? o->rounds : 5;
	struct figures f[2][NCASES];

	if (o->nargs > 0) {
		fprintf(stderr, "mipc: bench takes no argument ('%s')\n", o->args[0]);
		return 2;
	}
	int cpus = plat_cpus();	/* the CPUs it may use, before --pin */

	if (o->pin && plat_pin_cpu(0) == -1) {
		fprintf(stderr, "mipc: --pin: cannot pin to one CPU here (%s)\n",
		    strerror(errno));
		return 1;
	}
	/* The logs go where --log-dir says and stay; by default to a
	   directory of this run's own, removed at the end if all went well. */
	if (o->log_dir_given) {
		snprintf(logdir, sizeof logdir, "%s", o->k.log_dir);
		if (usable_log_dir(logdir, o->k.keep_logs) == -1)
			return 2;
	} else {
		snprintf(logdir, sizeof logdir, "%s/mipc-bench.XXXXXX",
		    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		if (mkdtemp(logdir) == NULL)
			mipc_die(1, "%s: %s", logdir, strerror(errno));
		memcpy(own_logdir, logdir, sizeof own_logdir);
	}
	bench_pid = getpid();
	/* sigaction, not signal(): with strict POSIX headers signal() resets
	   the handler as it runs, and a second stop signal (timeout(1) sends
	   one to the bench and one to its group) would kill the bench half way
	   through cleaning up.  Each stop signal waits while one is handled. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	stop_set(&sa.sa_mask);
	for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++)
		sigaction(stop_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A latency figure's round trips are shared out over the rounds. */
	unsigned share = (count + rounds - 1) / rounds;
	if (!o->json) {
		printf("mipc bench: backend %s, %d CPU%s%s, every case run %u time%s, "
		    "the floors beside\nthe kernel in each round.  RTT in microseconds, "
		    "one message in flight: the\nround trips of all runs (%u each, after "
		    "%u warm-up) pooled.  rt/s with a window\nof 64: the median run (%u "
		    "round trips each).  CPU us/rt: user + system time\nof every process "
		    "per round trip at window 64, and of the middle process alone\n",
		    backend, cpus, cpus > 1 ? "s" : "", o->pin ? ", all pinned to CPU 0" : "",
		    rounds, rounds > 1 ? "s" : "", share, share / 10 < 10 ? 10 : share / 10,
		    count * 2);
		fflush(stdout);
	}
	for (int s = 0; s < 2; s++) {
		struct load_config one = {
			.count = share, .warmup = share / 10 < 10 ? 10 : share / 10,
			.window = 1, .size = sizes[s], .port = 1, .pid = 100,
		};
		struct load_config win = one;
		win.window = 64;
		win.count = count * 2;
		win.warmup = count / 10 < 10 ? 10 : count / 10;
		run_rounds(o, backend, logdir, rounds, one, win, f[s]);
		if (o->json)
			continue;
		printf("\n%-30s RTT p50   p99  p99.9       rt/s CPU us/rt  middle"
		    "  RTT/relay  rt/s/relay\n", sizes[s] == 64 ? "64-byte messages" :
		    "254-byte messages");
		row("direct socketpair", &f[s][D_RTT], &f[s][D_PIPE], NULL, NULL, NULL);
		char name[64], note[64];
		snprintf(name, sizeof name, "bare relay (%s)", backend);
		row(name, &f[s][R_RTT], &f[s][R_PIPE], NULL, NULL, NULL);
		snprintf(name, sizeof name, "microipc kernel (%s)", backend);
		row(name, &f[s][K_RTT], &f[s][K_PIPE], &f[s][R_RTT], &f[s][R_PIPE], NULL);
		row("  5 clients -> 1 server", NULL, &f[s][K_FIVE], NULL, &f[s][R_PIPE],
		    NULL);
		snprintf(note, sizeof note, "(%.2fx of 6 slots)",
		    rate(&f[s][K_PIPE]) > 0 ? rate(&f[s][K_BIG]) / rate(&f[s][K_PIPE]) : 0);
		row("  1024 slots, all in use", NULL, &f[s][K_BIG], NULL, &f[s][R_PIPE],
		    note);
		printf("  kernel peak RSS: %ld KiB with 6 children, %ld KiB with 1024 "
		    "slots\n", f[s][K_FIVE].rss_kib, f[s][K_BIG].rss_kib);
		fflush(stdout);
	}
	if (o->json) {
		static const char *const names[] = { "direct_rtt", "direct_window64",
		    "relay_rtt", "relay_window64", "kernel_rtt", "kernel_window64",
		    "kernel_5_clients", "kernel_1024_slots" };
		printf("{\n  \"backend\": \"%s\",\n  \"pinned\": %s,\n  \"round_trips\": %u,\n"
		    "  \"rounds\": %u,\n", backend, o->pin ? "true" : "false", count, rounds);
		for (int s = 0; s < 2; s++) {
			printf("  \"size_%u\": {\n", sizes[s]);
			for (int i = 0; i < 8; i++)
				json_figures(names[i], &f[s][i], i == 7);
			printf("  }%s\n", s == 0 ? "," : "");
		}
		printf("}\n");
	}
	if (failures > 0)
		mipc_warn("bench: %d case%s gave no result; the logs are in %s",
		    failures, failures > 1 ? "s" : "", logdir);
	else if (!o->log_dir_given)
		remove_logs(logdir);
	return failures > 0;
}
