/*
 * trace.c - the trace: what a run shows its user as it happens.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "param.h"
#include "trace.h"

void
trace_init(struct trace *t, struct logw *log, FILE *file, int fd, int no_time)
{
	memset(t, 0, sizeof *t);
	t->log = log;
	t->file = file;
	t->fd = fd;
	t->no_time = no_time;
	outq_init(&t->q);
}

void
trace_free(struct trace *t)
{
	trace_flush(t);
	outq_free(&t->q);
}

int
trace_on(const struct trace *t)
{
	return t->fd >= 0 || t->file != NULL;
}

static void
vout(struct trace *t, const char *fmt, va_list ap)
{
	char stamp[32];

	if (t->fd >= 0) {
		/* A served kernel must not wait for whoever reads its trace:
		   past the bound lines are dropped (kernel.log has them all). */
		char line[MIPC_ANSWER_MAX * 2];
		size_t n = 0;
		if (!t->no_time) {
			logw_stamp(t->log, stamp, sizeof stamp);
			n = (size_t)snprintf(line, sizeof line, "%s ", stamp + 11);
		}
		vsnprintf(line + n, sizeof line - n, fmt, ap);
		if (outq_size(&t->q) < MIPC_OUTPUT_MAX)
			(void)outq_line(&t->q, line, strlen(line));
		else
			t->dropped++;
		return;
	}
	if (t->file == NULL)
		return;
	if (!t->no_time) {
		logw_stamp(t->log, stamp, sizeof stamp);
		fprintf(t->file, "%s ", stamp + 11);	/* time of day only */
	}
	vfprintf(t->file, fmt, ap);
	fputc('\n', t->file);
}

void
trace_out(struct trace *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(t, fmt, ap);
	va_end(ap);
}

void
trace_log(struct trace *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logw_vprintf(t->log, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vout(t, fmt, ap);
	va_end(ap);
}

void
trace_flush(struct trace *t)
{
	struct pollfd pfd = { t->fd, POLLOUT, 0 };

	if (t->file != NULL)
		fflush(t->file);
	if (t->fd < 0 || (outq_size(&t->q) == 0 && t->dropped == 0))
		return;		/* each turn asks: most often nothing waits */
	/* What the fd can take now, a pipe's atomic chunk at a time, so the
	   write never blocks. */
	while (outq_size(&t->q) > 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT)) {
		size_t n = outq_size(&t->q);
		ssize_t w = write(t->fd, t->q.data + t->q.start, n > 512 ? 512 : n);
		if (w <= 0)
			break;
		t->q.start += (size_t)w;
		t->q.written += (uint64_t)w;
	}
	if (outq_size(&t->q) == 0) {
		t->q.start = t->q.len = 0;
		if (t->dropped > 0) {
			char note[96];
			int n = snprintf(note, sizeof note, "(%lu trace lines dropped: "
			    "nobody read them; kernel.log has them all)", t->dropped);
			logw_printf(t->log, "%s", note);
			t->dropped = 0;
			(void)outq_line(&t->q, note, (size_t)n);
		}
	}
}
