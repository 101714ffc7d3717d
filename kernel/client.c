/*
 * client.c - the clients attached to the kernel's socket: their sessions.
 *
 * A client's requests go straight to routing as they are read.  A console
 * line is held (with everything after it) until every line before it is
 * answered; clients_run(), once per turn of the loop, hands it to its
 * console, and takes up the lines after it once it is done.  A client
 * leaves through serve_leave(): when it disconnects, is cut off, quits, or
 * has sent its end of file and had every answer; its record goes when the
 * departure has been carried out.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "console.h"
#include "grammar.h"
#include "listen.h"
#include "log.h"

static const struct sproc_ops client_ops;

static struct client *
client_of(struct sproc *sp)
{
	return (struct client *)sp;	/* sp is a client's first member */
}

void
clients_init(struct clients *cls, struct serve *sv, struct consoles *cs,
    int listen_fd, const int *stopping)
{
	memset(cls, 0, sizeof *cls);
	cls->sv = sv;
	cls->cs = cs;
	cls->log = sv->log;
	cls->listen_fd = listen_fd;
	cls->stopping = stopping;
}

/* Once the kernel is stopping (a signal, or a console line of anyone's
   said shutdown), no client's line runs any more. */
static int
halted(const struct clients *cls)
{
	return *cls->stopping || cls->cs->shutdown;
}

/* Whether the client has closed its socket (not only its sending half): a
   zero-byte send says EPIPE then, and costs nothing otherwise. */
static int
closed(const struct client *cl)
{
	return cl->sp.peer.fd != -1 && send(cl->sp.peer.fd, "", 0, 0) == -1 &&
	    errno == EPIPE;
}

/* ----- a client's lines ----- */

static int
client_line(struct sproc *sp, const char *line, size_t len)
{
	struct client *cl = client_of(sp);

	if (halted(cl->cls))
		return -1;
	switch (gram_kind(line, len)) {
	case LINE_REQUEST:
		serve_request(cl->cls->sv, sp, line, len, 0, 0);
		return 0;
	case LINE_COMMENT:
		peer_answer(&sp->peer, "OK", 2, 0, 0);
		return 0;
	case LINE_BLANK: {
		static const char blank[] = "ERR EINVAL empty line: expected a request "
		    "or a verb (try help)";
		peer_answer(&sp->peer, blank, sizeof blank - 1, 0, 0);
		return 0;
	}
	case LINE_VERB:
		break;
	}
	/* A console line: held, with what follows it, for clients_run. */
	if (cl->held == NULL && (cl->held = malloc(MIPC_LINE_MAX + 1)) == NULL) {
		mipc_warn("client_line: out of memory");
		abort();
	}
	memcpy(cl->held, line, len);
	cl->held_len = len;
	return -1;
}

static void
client_toolong(struct sproc *sp)
{
	static const char msg[] = "ERR EMSGSIZE line longer than 1024 bytes, "
	    "skipped up to the next newline";

	peer_answer(&sp->peer, msg, sizeof msg - 1, 0, 0);
}

/* Takes up the lines read after a console line, once it is done. */
static void
resume(struct client *cl)
{
	if (cl->held == NULL && !console_busy(cl->con) && !halted(cl->cls) &&
	    cl->sp.peer.hold)
		peer_resume(&cl->sp.peer);
}

/*
 * Its end of file.  A client that closed its socket is gone.  One that only
 * closed its sending half (shutdown(), as `socat` does at the end of its
 * input) still reads: its last line counts even without a newline, and it
 * goes once every line it sent is answered (clients_done).
 */
static void
client_eof(struct sproc *sp, int err)
{
	struct client *cl = client_of(sp);
	size_t partial = linebuf_pending(&sp->peer.in);

	if (err != 0) {
		serve_leave(cl->cls->sv, sp, "lost its connection");
		return;
	}
	if (closed(cl)) {
		if (partial > 0)
			logw_printf(cl->cls->log, "%s closed in the middle of a line: "
			    "%zu bytes dropped", serve_label(sp), partial);
		serve_leave(cl->cls->sv, sp, "disconnected");
		return;
	}
	if (partial > 0 && linebuf_feed(&sp->peer.in, "\n", 1) == -1)
		logw_printf(cl->cls->log, "%s: its last line (%zu bytes) could not be "
		    "kept: dropped", serve_label(sp), partial);
	sp->peer.hold = 1;	/* its last lines are taken up by resume() */
	resume(cl);
}

static void
client_cut(struct sproc *sp, const char *why)
{
	struct client *cl = client_of(sp);

	serve_leave(cl->cls->sv, sp, strcmp(why, "stopped reading") == 0 ?
	    "was cut off: it stopped reading" : why);
}

static void
client_told(struct sproc *sp, const struct fx *fx)
{
	logw_printf(client_of(sp)->cls->log, "%s to %s: %s",
	    fx->kind == FX_DELIVER ? "deliver" : "notice", serve_label(sp), fx->text);
}

static void
client_answered(struct sproc *sp, const char *text, size_t n, uint64_t tag)
{
	struct client *cl = client_of(sp);

	(void)tag;
	if (cl->con != NULL)
		console_note_answer(cl->con, text, n);
}

/* Its departure is carried out: the record goes. */
static void
client_departed(struct sproc *sp)
{
	struct client *cl = client_of(sp);
	struct clients *cls = cl->cls;

	for (struct client **cc = &cls->list; *cc != NULL; cc = &(*cc)->next)
		if (*cc == cl) {
			*cc = cl->next;
			break;
		}
	cls->n--;
	if (cl->con != NULL)
		console_free(cls->cs, cl->con);
	serve_forget(cls->sv, sp);
	peer_free(&sp->peer);
	free(cl->held);
	free(cl);
}

static const struct sproc_ops client_ops = {
	client_line, client_toolong, client_eof, client_cut, client_told,
	client_answered, client_departed,
};

/* A console's output: straight to the client's socket.  While a console
   line runs, no other answer is owed, so the order holds. */
static void
console_out(void *arg, const char *line, size_t n)
{
	struct client *cl = arg;

	(void)peer_send(&cl->sp.peer, line, n);
}

/* ----- the turn's work ----- */

int
clients_run(struct clients *cls)
{
	int ran = 0;

	for (struct client *cl = cls->list; cl != NULL; cl = cl->next) {
		struct peer *p = &cl->sp.peer;
		while (cl->held != NULL && peer_owed(p) == 0 && !console_busy(cl->con) &&
		    !halted(cls) && cl->sp.alive && !cl->sp.leaving && !cl->quitting) {
			char line[MIPC_LINE_MAX + 1];
			size_t len = cl->held_len;
			memcpy(line, cl->held, len);
			free(cl->held);
			cl->held = NULL;
			console_line(cl->con, line, len);
			ran = 1;
			if (console_quit(cl->con)) {
				cl->quitting = 1;
				break;
			}
			resume(cl);
		}
		if (!cl->quitting)
			resume(cl);
		peer_watch(p);
	}
	return ran;
}

void
clients_done(struct clients *cls)
{
	for (struct client *cl = cls->list; cl != NULL; cl = cl->next) {
		struct peer *p = &cl->sp.peer;
		if (!cl->sp.alive || cl->sp.leaving)
			continue;
		if (cl->quitting && outq_size(&p->out) == 0)
			serve_leave(cls->sv, &cl->sp, "quit");
		else if (p->eof && peer_owed(p) == 0 && cl->held == NULL &&
		    !console_busy(cl->con) && linebuf_pending(&p->in) == 0 &&
		    outq_size(&p->out) == 0)
			serve_leave(cls->sv, &cl->sp, "disconnected");
	}
}

int
clients_waiting(const struct clients *cls)
{
	for (const struct client *cl = cls->list; cl != NULL; cl = cl->next)
		if (cl->held != NULL || console_busy(cl->con))
			return 1;
	return 0;
}

void
clients_notice(struct clients *cls)
{
	for (struct client *cl = cls->list; cl != NULL; cl = cl->next)
		if (cl->sp.alive && !cl->sp.leaving &&
		    (cl->held != NULL || console_busy(cl->con)) && closed(cl))
			serve_leave(cls->sv, &cl->sp, "disconnected");
}

void
clients_tell(struct clients *cls, const char *line)
{
	for (struct client *cl = cls->list; cl != NULL; cl = cl->next)
		if (cl->sp.alive && !cl->sp.leaving)
			(void)peer_send(&cl->sp.peer, line, strlen(line));
}

/* ----- coming and going ----- */

/*
 * Before a client is refused for want of room (a descriptor, a place among
 * the clients): some may have left without our noticing yet, so read what
 * they sent, and their end of file, and carry out their departures, which
 * give their room back.  The accept runs at the top of the loop's turn,
 * where a departure is safe.
 */
static void
sweep(struct clients *cls)
{
	clients_notice(cls);
	for (struct client *cl = cls->list; cl != NULL; cl = cl->next)
		if (cl->sp.peer.reading)
			peer_read(&cl->sp.peer, 1);
	serve_departures(cls->sv);
}

void
clients_accept(struct clients *cls)
{
	int swept = 0;	/* for the connection waiting now */

	for (;;) {
		int fd = listen_accept(cls->listen_fd, cls->log);
		if (fd == -1 && (errno == EMFILE || errno == ENFILE)) {
			int err = errno;
			if (!swept) {
				sweep(cls);
				swept = 1;
				continue;
			}
			swept = 0;
			if (listen_refuse(cls->listen_fd, cls->log, err) == 0)
				continue;
			return;
		}
		if (fd == -1)
			return;
		if (cls->n >= MIPC_CLIENTS_MAX && !swept)
			sweep(cls);
		swept = 0;
		if (cls->n >= MIPC_CLIENTS_MAX) {
			static const char full[] = LISTEN_REFUSED "too many clients "
			    "attached (64); try again later\n";
			(void)write(fd, full, sizeof full - 1);
			logw_printf(cls->log, "client refused: %u attached already", cls->n);
			close(fd);
			continue;
		}
		struct client *cl = calloc(1, sizeof *cl);
		if (cl == NULL) {
			close(fd);
			return;
		}
		cl->cls = cls;
		if ((cl->con = console_new(cls->cs, console_out, cl, &cl->sp)) == NULL ||
		    serve_add(cls->sv, &cl->sp, fd, 0, NULL, &client_ops) == -1) {
			if (cl->con != NULL)
				console_free(cls->cs, cl->con);
			close(fd);
			free(cl);
			return;
		}
		cl->next = cls->list;
		cls->list = cl;
		cls->n++;
		logw_printf(cls->log, "client fd %d attached", fd);
	}
}

void
clients_free(struct clients *cls, const char *why)
{
	for (struct client *cl = cls->list; cl != NULL; cl = cl->next)
		serve_leave(cls->sv, &cl->sp, why);
	serve_departures(cls->sv);
}
