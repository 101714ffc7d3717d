/*
 * help.c - the help of the console language, from one table: the console's
 * `help` and `mipc help TOPIC` both print it.
 */
#include <stdio.h>
#include <string.h>

#include "help.h"
#include "param.h"

static const struct topic {
	const char *topic;	/* what `mipc help TOPIC` takes */
	const char *synopsis;
	const char *what;	/* one line, for `help` */
	const char *more;	/* for `mipc help TOPIC`: lines split on '\n' */
} topics[] = {
	{ "c", "c {.message=TEXT,.pid=PID,.port=PORT}", "register PORT as yours",
	  "The port goes into the first free slot of the process table: freed\n"
	  "slots are reused, the most recently freed first.  A port held by\n"
	  "another process is ERR EADDRINUSE; a full table is ERR ENOSPC." },
	{ "send", "{.message=TEXT,.pid=PID,.port=PORT}", "link to PORT, then send TEXT to it",
	  "The first send links you to PORT: its table entry moves into a mailbox\n"
	  "queue.  Each send after that delivers TEXT into PORT's owner, and the\n"
	  "answer comes once the owner has answered (ERR ETIMEDOUT after\n"
	  "--timeout, ERR EAGAIN when the link's queue is full)." },
	{ "r", "r {.message=TEXT,.pid=PID,.port=PORT}", "remove PORT, or your links on it",
	  "The owner of PORT's table entry removes it.  Otherwise your links on\n"
	  "PORT are destroyed: all of them if you are their server, your own if\n"
	  "you are a client.  Messages still on a destroyed link are answered\n"
	  "ERR ECONNRESET." },
	{ "spawn", "spawn NAME [pid=N] [reply=echo|\"TEXT\"|program=\"PATH ARG...\"|forward=PORT]",
	  "fork a simulated process",
	  "NAME is 1 to 16 of a-z 0-9 _ -, starting with a letter, not kernel.\n"
	  "pid= gives its simulated pid (else the smallest free from 1000).\n"
	  "reply= says how it answers a delivery: the default text, echo, or a\n"
	  "fixed text.  program= runs a program of yours instead (see README),\n"
	  "forward= makes it serve each delivery by a blocking call to PORT.\n"
	  "Its log is LOGDIR/NAME.log." },
	{ "name", "NAME: LINE [&]", "NAME sends LINE as itself (& : don't wait)",
	  "LINE goes exactly as written, even when it is not a valid request.\n"
	  "The line is done when NAME has its answer; with & as soon as the\n"
	  "kernel has received LINE from NAME (its answer shows in the trace\n"
	  "when it comes; `wait NAME` waits for it)." },
	{ "wait", "wait NAME", "until NAME's requests are all answered",
	  "Its answer is the last answer NAME got." },
	{ "kill", "kill NAME [SIGNAL]", "signal NAME (default TERM)",
	  "SIGNAL is a name in any case (TERM, sigkill, stop) or a number (9).\n"
	  "NAME first writes its log; the line is done when NAME has exited, or\n"
	  "has stopped (STOP), or at once for other signals." },
	{ "dump", "dump", "the process table and mailbox queues",
	  "Every slot of both arrays, in order, with the messages in flight." },
	{ "ps", "ps", "the processes and their state",
	  "Name, pid, OS pid and state (running, blocked on PORT (NAME),\n"
	  "stopped, dead) of every process, the last 64 reaped ones included." },
	{ "sleep", "sleep MS", "wait MS milliseconds",
	  "Rarely needed: every line already waits for what it caused." },
	{ "monitor", "monitor [RULE]...", "watch every event as it happens",
	  "Answered OK monitoring, then one `* event JSON` line per event that\n"
	  "matches a RULE (key=value[,key=value]...), or every event." },
	{ "expect", "expect ok | expect err CODE", "the last answer was that",
	  "Checks the answer to the last line that was not an expect.  A failed\n"
	  "expect is reported with its file and line, and the run goes on.\n"
	  "The other expects have topics of their own: expect NAME got (got),\n"
	  "expect NAME received (received), expect table, expect mailboxes,\n"
	  "expect alive | dead (alive, dead), expect deadlock (deadlock)." },
	{ "got", "expect NAME got ok | err CODE", "NAME got such an answer",
	  "Some answer NAME received since its spawn (or its last expect NAME\n"
	  "got) was that." },
	{ "received", "expect NAME received \"TEXT\"", "TEXT was delivered to NAME",
	  "TEXT is everything between the first and the last quote." },
	{ "table", "expect table PORT|- ...", "every table slot, in order", NULL },
	{ "mailboxes", "expect mailboxes PORT<-PID|- ...", "every mailbox slot, in order",
	  NULL },
	{ "alive", "expect alive NAME | expect dead NAME", "NAME is running / has been reaped",
	  NULL },
	{ "deadlock", "expect deadlock NAME...", "the last deadlock found was these",
	  "The processes of the last deadlock the kernel found, in any order." },
	{ "help", "help | quit | shutdown", "this text / detach / stop the kernel", NULL },
};

#define NTOPICS (sizeof topics / sizeof topics[0])

/* The verbs a synopsis names after its first word, and the topic of each:
   `mipc help quit` is the help of help | quit | shutdown. */
static const struct {
	const char *verb, *topic;
} others[] = {
	{ "dead", "alive" }, { "quit", "help" }, { "shutdown", "help" },
};

void
gram_help(void (*line)(void *arg, const char *s), void *arg)
{
	char buf[MIPC_ANSWER_MAX];

	for (size_t i = 0; i < NTOPICS; i++) {
		snprintf(buf, sizeof buf, "%-40s %s", topics[i].synopsis, topics[i].what);
		line(arg, buf);
	}
}

static const char scenario_text[] =
    "A scenario file is a console session written down: the lines below work\n"
    "in a file (mipc run FILE) and typed into mipc attach alike.  A line whose\n"
    "first non-blank character is # is a comment; blank lines are skipped.\n"
    "Each line finishes (its answer has come, and what it caused has been\n"
    "served) before the next one runs, unless it ends in &.  A NAME that no\n"
    "spawn line of the file names is a syntax error, reported before anything\n"
    "runs.  mipc run exits 0 if every expect held, 1 if one failed, 2 for a\n"
    "usage or syntax error.  The lines:";

/* Calls line for each line of text (split on '\n'), indented by indent. */
static void
lines_of(const char *text, const char *indent, void (*line)(void *arg, const char *s),
    void *arg)
{
	char buf[MIPC_ANSWER_MAX];

	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		snprintf(buf, sizeof buf, "%s%.*s", indent, (int)n, text);
		line(arg, buf);
		text += n + (text[n] == '\n');
	}
}

int
gram_help_topic(const char *topic, void (*line)(void *arg, const char *s), void *arg)
{
	if (strcmp(topic, "scenario") == 0 || strcmp(topic, "console") == 0) {
		lines_of(scenario_text, "", line, arg);
		gram_help(line, arg);
		return 0;
	}
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		if (strcmp(topic, others[i].verb) == 0)
			topic = others[i].topic;
	for (size_t i = 0; i < NTOPICS; i++) {
		const char *sp = topics[i].synopsis;
		/* A topic is its key, or the first word of its synopsis. */
		if (strcmp(topic, topics[i].topic) != 0 &&
		    !(strncmp(sp, topic, strlen(topic)) == 0 &&
		    (sp[strlen(topic)] == ' ' || sp[strlen(topic)] == '\0')))
			continue;
		line(arg, topics[i].synopsis);
		lines_of(topics[i].what, "    ", line, arg);
		if (topics[i].more != NULL) {
			line(arg, "");
			lines_of(topics[i].more, "    ", line, arg);
		}
		return 0;
	}
	return -1;
}
