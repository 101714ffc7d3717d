/*
 * mipc.h - write a program of your own that runs as a simulated process of
 * a microipc kernel.
 *
 * The kernel starts the program with `spawn NAME program="PATH ARG..."`.  It
 * gets the socket to the kernel as file descriptor 3, its log as standard
 * output and standard error, and the environment MIPC_FD=3, MIPC_NAME and
 * MIPC_PID (its simulated pid).  On the socket, kernel and program speak the
 * child protocol, in lines of text; this library speaks it for you.  A
 * program that only serves messages is this small:
 *
 *	char why[200], line[MIPC_REQUEST_SIZE];
 *	struct mipc *m = mipc_open(why, sizeof why);
 *	struct mipc_message msg;
 *
 *	if (m == NULL) {
 *		fprintf(stderr, "%s\n", why);
 *		return 1;
 *	}
 *	mipc_request(m, line, sizeof line, MIPC_REGISTER, "", 7);
 *	if (mipc_send(m, line, NULL) != MIPC_OK) {
 *		fprintf(stderr, "cannot register port 7: %s\n", mipc_error(m));
 *		return 1;
 *	}
 *	while (mipc_receive(m, &msg) == MIPC_OK)
 *		mipc_reply(m, msg.text);
 *	mipc_close(m);
 *
 * What a program sends is a line of the request format (mipc_request builds
 * one):
 *
 *	c {.message=TEXT,.pid=PID,.port=PORT}    register PORT as yours
 *	{.message=TEXT,.pid=PID,.port=PORT}      link to PORT if you have no
 *	                                         link there, else send TEXT
 *	r {.message=TEXT,.pid=PID,.port=PORT}    remove PORT, or your links on it
 *
 * and every line gets one answer, "OK ..." or "ERR CODE ..." (ENOENT,
 * EADDRINUSE, ...).  A message sent on a link is answered only once its
 * server has replied: the reply R becomes the sender's answer "OK R", or, if
 * R is itself "ERR CODE ..." with a code the kernel knows, that error.
 *
 * Two ways to send.  mipc_send() is a plain send: while it waits, messages
 * for you are still delivered, and the library keeps them for your next
 * mipc_receive().  mipc_call() is a blocking call, MINIX's sendrec: until
 * its answer the kernel hands you no message at all, and a cycle of
 * processes each calling the next is a deadlock the kernel reports.
 *
 * A send to your own port (a link to yourself) must not wait for its answer
 * with mipc_send() or mipc_call(): the answer comes only once you have
 * replied, and you cannot reply while you wait.  It ends, after the kernel's
 * --timeout, with ERR ETIMEDOUT.  Post it with mipc_post() (a call would
 * block you: no message for you until its answer), then take the message
 * and the answer from mipc_next().
 *
 * The library does the kernel's own business for you, inside whatever call
 * of the library your program is in: it sends back the lines the console has
 * you send (`NAME: LINE` in a scenario), and flushes your standard I/O when
 * the kernel asks before a `kill`.  A program that stays away from the
 * library for long (a long computation, a sleep) holds those up until its
 * next call; mipc_next(m, &ev, 0) does them and returns at once (with an
 * event, if one was waiting).
 *
 * The library writes its own log lines on standard output, in the words of
 * the kernel's built-in processes ("sent: ...", "got: OK ...", `received
 * "TEXT" from pid P via port Q`, "answered: ...", "notice: ..."), and a
 * line starting with "mipc: " on standard error when the kernel sends
 * something it cannot read.  mipc_set_log() sends the first elsewhere.
 *
 * Link with the library: cc -Ilib prog.c build/default/lib/libmipc.a
 * It needs nothing beyond libc.  One handle is used by one thread at a time.
 */
#ifndef MIPC_LIB_H
#define MIPC_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Limits of the protocol.  Nothing longer is cut short: it is refused. */
#define MIPC_MESSAGE_MAX	254	/* bytes of a message's TEXT */
#define MIPC_REPLY_MAX		508	/* bytes of a reply to a message */
#define MIPC_SEND_MAX		1022	/* bytes of a line for mipc_send and friends */
#define MIPC_LINE_LEN		1024	/* bytes of any line the kernel sends */
#define MIPC_REQUEST_SIZE	300	/* a buffer for any line mipc_request builds */

/*
 * What the calls return.  A failure leaves a one-line message that says what
 * went wrong in mipc_error().
 */
enum {
	MIPC_OK = 0,		/* done; for a send or a call: the answer is "OK ..." */
	MIPC_ERR = 1,		/* the answer is "ERR CODE ...": see the answer */
	MIPC_NONE = 2,		/* mipc_next: nothing happened in the time given */
	MIPC_EOF = -1,		/* the kernel has closed the connection: it is gone */
	MIPC_ESYS = -2,		/* a system call failed (errno says why) */
	MIPC_EUSAGE = -3,	/* the call was wrong: a text too long, no message
				   to reply to, ...; nothing was sent */
	MIPC_EPROTO = -4,	/* the kernel sent what the protocol does not allow */
};

/* The connection to the kernel: made by mipc_open(), freed by mipc_close(). */
struct mipc;

/*
 * Opens the connection described by the environment (MIPC_FD, MIPC_PID,
 * MIPC_NAME).  Returns the handle, or NULL with the reason written into why
 * (at most whysz bytes): above all, that the program was not started by a
 * microipc kernel.  The descriptor is made close-on-exec, and SIGPIPE is
 * ignored unless the program has chosen otherwise, so that a kernel that has
 * gone away is MIPC_EOF, not a signal.
 */
struct mipc	*mipc_open(char *why, size_t whysz);

/* Closes the socket (the kernel takes it as your end) and frees m. */
void		 mipc_close(struct mipc *m);

/* Your simulated pid (MIPC_PID), your NAME (MIPC_NAME), your socket. */
uint32_t	 mipc_pid(const struct mipc *m);
const char	*mipc_name(const struct mipc *m);
int		 mipc_fd(const struct mipc *m);

/* What the last failure was, in one line ("" if nothing failed yet). */
const char	*mipc_error(const struct mipc *m);

/*
 * Where the library writes its log lines: standard output by default, NULL
 * for nowhere.  Problems with the kernel still go to standard error.
 */
void		 mipc_set_log(struct mipc *m, FILE *log);

enum mipc_op {
	MIPC_MESSAGE,		/* {...}: link to PORT, or send TEXT on the link */
	MIPC_REGISTER,		/* c {...}: register PORT */
	MIPC_REMOVE,		/* r {...}: remove PORT, or your links on it */
};

/*
 * Builds a request line from your own pid into buf (size bytes; a buffer of
 * MIPC_REQUEST_SIZE always has room), NUL-terminated, without a newline.
 * Returns its length, or MIPC_EUSAGE if TEXT is over MIPC_MESSAGE_MAX bytes
 * or holds a CR or LF, if port is not 1 to 65535, or if buf is too small;
 * buf is then empty.
 */
int		 mipc_request(struct mipc *m, char *buf, size_t size, enum mipc_op op,
		    const char *text, unsigned port);

/* An answer to a line you sent. */
struct mipc_answer {
	int	 ok;			/* 1 for "OK ...", 0 for "ERR CODE ..." */
	char	 code[16];		/* an error's code ("ENOENT"); "" for OK */
	char	 text[MIPC_LINE_LEN + 1];	/* what follows "OK " or the code */
	char	 line[MIPC_LINE_LEN + 1];	/* the whole answer line */
};

/*
 * Sends line (a request, or anything: the kernel answers what it cannot
 * read with ERR EINVAL) and waits for its answer.  Messages delivered
 * meanwhile are kept for mipc_receive().  Returns MIPC_OK or MIPC_ERR with
 * the answer in *ans (ans may be NULL), or a failure: MIPC_EUSAGE for a
 * line over MIPC_SEND_MAX bytes or one holding a newline (nothing is sent),
 * MIPC_EOF, MIPC_ESYS, or MIPC_EPROTO for an answer longer than
 * MIPC_LINE_LEN (*ans then reads "ERR EPROTO ...").
 */
int		 mipc_send(struct mipc *m, const char *line, struct mipc_answer *ans);

/*
 * The same as a blocking call: until its answer the kernel delivers you
 * nothing, and you are "blocked on" the port's owner.
 */
int		 mipc_call(struct mipc *m, const char *line, struct mipc_answer *ans);

/* A message delivered to you. */
struct mipc_message {
	char	 text[MIPC_MESSAGE_MAX + 1];	/* NUL-terminated */
	size_t	 len;				/* bytes of text */
	uint32_t from;				/* the sender's pid */
	uint16_t port;				/* your port it came to */
};

/*
 * Waits for the next message delivered to you and fills *msg.  Every
 * message you receive must be answered with mipc_reply(), in the order
 * received; its sender waits for that (up to the kernel's --timeout).
 * Messages that came while the kernel was still up are handed out even
 * after it has gone; then MIPC_EOF.
 */
int		 mipc_receive(struct mipc *m, struct mipc_message *msg);

/*
 * Answers the oldest message you have received and not yet answered.  The
 * sender's answer is "OK text", or, if text is "ERR CODE why" with a code
 * the kernel knows (ENOENT, EPERM, ...), that line itself: an error reply.
 * MIPC_EUSAGE if there is no message to answer, or if text is over
 * MIPC_REPLY_MAX bytes or holds a newline.
 */
int		 mipc_reply(struct mipc *m, const char *text);

/*
 * The event API, for programs that do several things at once: send without
 * waiting, and take whatever happens next, in the order it happened.
 */
enum mipc_event_kind {
	MIPC_DELIVERY = 1,	/* msg: a message for you; mipc_reply() it */
	MIPC_ANSWER,		/* answer: the answer to the line of ticket */
	MIPC_NOTICE,		/* notice: any other "* " line from the kernel, such
				   as "link 7<-42 destroyed: ..." */
	MIPC_CONSOLE,		/* answer: the answer to a line the console had
				   you send (already in your log) */
};

struct mipc_event {
	enum mipc_event_kind kind;
	long	 ticket;		/* MIPC_ANSWER: what mipc_post returned */
	union {
		struct mipc_message msg;
		struct mipc_answer answer;
		char	 notice[MIPC_LINE_LEN + 1];	/* after "* " */
	};
};

/*
 * Sends line as mipc_send() does (mipc_post_call(): as mipc_call() does),
 * but does not wait: returns a ticket (1, 2, 3, ...) that the MIPC_ANSWER
 * event of its answer carries, or a failure as mipc_send().
 */
long		 mipc_post(struct mipc *m, const char *line);
long		 mipc_post_call(struct mipc *m, const char *line);

/*
 * Takes the next event, waiting up to timeout_ms milliseconds (-1: as long
 * as it takes; 0: not at all).  Returns MIPC_OK with *ev filled, MIPC_NONE
 * if nothing happened in time, or a failure.  Notices and the console's
 * answers are kept for mipc_next() from the first call of mipc_next() or
 * mipc_post() on; mipc_receive() passes over them.  Before you poll(2)
 * mipc_fd() yourself, take events until MIPC_NONE: the library may hold
 * lines it has already read.
 */
int		 mipc_next(struct mipc *m, struct mipc_event *ev, int timeout_ms);

#endif
