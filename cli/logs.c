/*
 * logs.c - mipc logs: the logs of the last run.
 *
 *   mipc logs            the processes of the last run, one line each
 *   mipc logs NAME       NAME's log (kernel for the kernel's own)
 *   mipc logs NAME -f    the same, then what is added, until ^C
 *
 * -f is tail -F: a log that is not there yet is waited for (a run that
 * spawns NAME later writes it), and a log that a new run replaces is
 * followed into the new file.  Waiting is said on stderr, with the logs
 * that are there, so that a misspelt NAME does not wait in silence.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Counts the lines of a file; -1 if it cannot be read. */
static long
count_lines(const char *path)
{
	char buf[8192];
	long lines = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/*
 * The names of the run's logs in dir, sorted, into *names (the caller frees
 * each and the array).  Returns how many, or -1 if dir cannot be read.
 */
static int
run_logs(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	*names = NULL;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char **more;
		char path[4096], name[256];
		if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(len - 4), de->d_name);
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (!log_is_ours(path, name))
			continue;	/* not a log of a run */
		if ((more = realloc(*names, (n + 1) * sizeof **names)) == NULL)
			break;
		*names = more;
		if (((*names)[n] = strndup(de->d_name, len - 4)) != NULL)
			n++;
	}
	closedir(d);
	qsort(*names, n, sizeof **names, by_name);
	return (int)n;
}

static int
list_logs(const char *dir)
{
	char **names;
	int n = run_logs(dir, &names);

	if (n == -1) {
		fprintf(stderr, "mipc: no logs in %s (%s): run a scenario or a kernel "
		    "first, or name the directory with --log-dir\n", dir,
		    strerror(errno));
		return 1;
	}
	if (n == 0)
		printf("no logs in %s\n", dir);
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.log", dir, names[i]);
		printf("%-16s %6ld lines  %s\n", names[i], count_lines(path), path);
		free(names[i]);
	}
	free(names);
	return 0;
}

/*
 * logs NAME -f for a log that is not there: says what it waits for, and
 * what is there instead, then waits until the log can be opened.  Returns
 * its fd, or -1 (with the reason said) if it cannot be opened for another
 * reason than not being there.
 */
static int
wait_for_log(const char *dir, const char *name, const char *path)
{
	char **names, there[512] = "";
	int n = run_logs(dir, &names), fd;

	if (n == -1)
		snprintf(there, sizeof there, "%s does not exist yet", dir);
	else if (n == 0)
		snprintf(there, sizeof there, "%s holds no run's logs", dir);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(there);
		if (i < 8)
			snprintf(there + len, sizeof there - len, "%s%s", i == 0 ?
			    "the logs there: " : ", ", names[i]);
		else if (i == 8)
			snprintf(there + len, sizeof there - len, " and %d more",
			    n - 8);
		free(names[i]);
	}
	free(names);
	fprintf(stderr, "mipc: no log for %s in %s yet (%s): waiting for a run to "
	    "write %s, ^C to stop\n", name, dir, there, path);
	/* As the follow loop below: POSIX has no event for a file that
	   appears, so look five times a second. */
	while ((fd = open(path, O_RDONLY)) == -1 && errno == ENOENT) {
		struct timespec tick = { 0, 200 * 1000 * 1000 };
		nanosleep(&tick, NULL);
	}
	if (fd == -1)
		fprintf(stderr, "mipc: %s: %s\n", path, strerror(errno));
	return fd;
}

/* Copies what fd has from where it is to stdout.  Returns -1 on error. */
static int
copy_out(int fd)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return -1;
	fflush(stdout);
	return n == -1 ? -1 : 0;
}

static int
show_log(const char *dir, const char *name, int follow)
{
	char path[4096];
	struct stat st;
	int fd;

	/* A NAME is a-z 0-9 _ -: nothing that could leave the directory. */
	if (!log_name_ok(name, strlen(name)))
		cli_usage_error("'%s' is not a process name (1 to %d of a-z 0-9 _ -, "
		    "starting with a letter)", name, MIPC_NAME_MAX);
	snprintf(path, sizeof path, "%s/%s.log", dir, name);
	if ((fd = open(path, O_RDONLY)) == -1 && (!follow || errno != ENOENT)) {
		fprintf(stderr, "mipc: no log for %s in %s (%s); `mipc logs` lists "
		    "them\n", name, dir, strerror(errno));
		return 1;
	}
	if (fd == -1 && (fd = wait_for_log(dir, name, path)) == -1)
		return 1;
	if (copy_out(fd) == -1) {
		perror("mipc: read");
		close(fd);
		return 1;
	}
	while (follow) {
		struct timespec tick = { 0, 200 * 1000 * 1000 };
		struct stat now;
		/* A file has no "more was written" event in POSIX: look again
		   five times a second, and start over if a new run replaced it. */
		nanosleep(&tick, NULL);
		if (fstat(fd, &st) == 0 && stat(path, &now) == 0 &&
		    (now.st_ino != st.st_ino || now.st_size < st.st_size)) {
			int nfd = open(path, O_RDONLY);
			if (nfd != -1) {
				close(fd);
				fd = nfd;
				printf("== %s was replaced by a new run\n", path);
			}
		}
		if (copy_out(fd) == -1)
			break;
	}
	close(fd);
	return 0;
}

int
cmd_logs(struct options *o)
{
	if (o->nargs == 0) {
		if (o->follow)
			cli_usage_error("-f follows one log: mipc logs NAME -f");
		return list_logs(o->k.log_dir);
	}
	return show_log(o->k.log_dir, o->args[0], o->follow);
}
