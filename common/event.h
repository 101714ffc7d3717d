/*
 * event.h - the event record: what the kernel did, one JSON object a line.
 *
 * The kernel writes LOGDIR/events.jsonl and feeds `monitor` connections; mipc
 * chart and mipc monitor read it back.  All of them go through this one
 * model, so the line written and the line read are the same thing:
 *
 *   {"seq":12,"ev":"deliver","t_us":3456,"msg":4,"from":1234,"to":5678,
 *    "port":8080,"text":"hello world"}
 *
 * An event is seq, ev (its kind), an optional t_us, then its fields in the
 * order given: a key and a string (any bytes), an unsigned number, or an
 * array of unsigned numbers.  A struct event holds no memory of its own: the
 * kernel builds one on its stack with pointers to its own data and writes it
 * into a reused buffer (nothing allocated, no format string parsed); a reader
 * fills one with pointers into a reused json_doc.
 *
 * Rules (`--match`, the console verb `monitor RULE...`) pick events:
 * key=value[,key=value]..., all pairs of a rule must hold, any rule of a set
 * may.  The matcher and the readable rendering ask the caller for names
 * through a struct evnames, so that the kernel answers from its process table
 * and the command line tools from what they have read.
 */
#ifndef MIPC_EVENT_H
#define MIPC_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

enum ev_kind {
	EV_OTHER = 0,	/* a kind this version does not know: more may be added */
	EV_SPAWN,	/* name, pid */
	EV_EXIT,	/* name, pid, how */
	EV_REQUEST,	/* pid, [name], line */
	EV_ANSWER,	/* pid, re, text */
	EV_DELIVER,	/* msg, from, to, port, text */
	EV_REPLY,	/* msg, text */
	EV_DROP,	/* msg, from, port, code, reason */
	EV_NOTICE,	/* to, text */
	EV_DEADLOCK,	/* cycle */
	EV_STOP,	/* the kernel stopped cleanly: the record is whole */
	EV_NKINDS
};

enum evf_type {
	EVF_STR,	/* s, n: any bytes */
	EVF_UINT,	/* u */
	EVF_UINTS,	/* v, n */
};

struct evfield {
	const char	*key;		/* NUL-terminated */
	size_t		 keylen;	/* strlen(key), once */
	int		 plain;		/* key needs no escaping (the kernel's) */
	enum evf_type	 type;
	const char	*s;
	size_t		 n;
	uint64_t	 u;
	const uint64_t	*v;
};

#define EVENT_FIELDS_MAX 16	/* fields of one event (the known keys are 13) */

struct event {
	uint64_t	 seq;
	enum ev_kind	 kind;
	const char	*ev;		/* the kind's name, evlen bytes */
	size_t		 evlen;
	int		 has_time;
	uint64_t	 t_us;
	int		 nfields;
	struct evfield	 f[EVENT_FIELDS_MAX];
};

/* The name of a kind ("deliver"); "" for EV_OTHER. */
const char *event_kind_name(enum ev_kind kind);
/* The kind named s (n bytes); EV_OTHER if none is. */
enum ev_kind event_kind(const char *s, size_t n);

/*
 * Building an event: init, then the time if there is one, then the fields in
 * the order they are to be written.  The event points at what it is given.
 * More than EVENT_FIELDS_MAX fields is a bug, and fatal.
 */
void	event_init(struct event *e, uint64_t seq, enum ev_kind kind);
void	event_set_time(struct event *e, uint64_t t_us);
void	event_add_uints(struct event *e, const char *key, const uint64_t *v, size_t n);

/* The next field, keyed by a word of the kernel's.  Inline, as are the two
   below, for the kernel builds four events a message: a key's length is
   then known where the key is named. */
void	event_too_many(const struct event *e) __attribute__((noreturn));

static inline struct evfield *
event_add(struct event *e, const char *key, enum evf_type type)
{
	if (e->nfields >= EVENT_FIELDS_MAX)
		event_too_many(e);
	struct evfield *f = &e->f[e->nfields++];
	f->key = key;
	f->keylen = strlen(key);
	f->plain = 1;		/* the kernel's own: a plain word */
	f->type = type;
	return f;
}

static inline void
event_add_str(struct event *e, const char *key, const char *s, size_t n)
{
	struct evfield *f = event_add(e, key, EVF_STR);

	f->s = s;
	f->n = n;
}

static inline void
event_add_uint(struct event *e, const char *key, uint64_t u)
{
	event_add(e, key, EVF_UINT)->u = u;
}

/* The field named key, or NULL. */
const struct evfield *event_get(const struct event *e, const char *key);
/* The value of a number field key: 1 and *v, or 0 if there is none. */
int	event_uint(const struct event *e, const char *key, uint64_t *v);
/* The value of a string field key: 1 and *s, *n, or 0 if there is none. */
int	event_str(const struct event *e, const char *key, const char **s, size_t *n);

/*
 * Appends the event's JSON object (without a newline) to b: the exact line
 * of events.jsonl, and of `* event JSON`.  Keys: seq, ev, t_us, then the
 * fields in their order.  Memory running out shows as b->failed.
 */
void	event_json(struct jbuf *b, const struct event *e);
/* The same line written at o, which has room for event_json_size(e)
   bytes; returns its end. */
size_t	event_json_size(const struct event *e);
char	*event_json_at(char *o, const struct event *e);

/*
 * Reads one line back.  The event points into d until d's next parse.
 * Checks the shape as well as the JSON: seq (a number from 1) and ev (a
 * string) must be there, t_us is a number if there, and a known key has its
 * known type; other members that are not a string, a number or an array of
 * numbers are skipped, as are unknown keys past EVENT_FIELDS_MAX.  A key
 * given twice is an error.  Returns 0, or -1 with err saying what is wrong
 * (and at which column, for a JSON error).
 */
int	event_parse(struct event *e, struct json_doc *d, const char *line,
	    size_t n, char *err, size_t errsize);

/* The first field that e's kind requires and e lacks, or NULL. */
const char *event_missing(const struct event *e);
/* The type a known key has; -1 for a key section 9 of the brief does not list. */
int	event_key_type(const char *key);

/*
 * What a matcher or a renderer may ask its caller.  Either callback may be
 * NULL.  name: the name of the process pid, or NULL if it has none (an
 * attached client) or is not known.  msg_ends: the sender and the server of
 * message msg; 0, or -1 if not known.
 */
struct evnames {
	const char	*(*name)(void *ctx, uint64_t pid);
	int		 (*msg_ends)(void *ctx, uint64_t msg, uint64_t *from, uint64_t *to);
	void		*ctx;
};

#define EVRULES_MAX		16	/* rules in one set */
#define EVRULE_PAIRS_MAX	8	/* key=value pairs in one rule */
#define EVRULES_TEXT_MAX	1024	/* bytes of values in one set */

struct evpair {
	uint8_t		 key;		/* an index in the table of keys */
	uint8_t		 isnum;		/* the value is a decimal number: num */
	uint16_t	 off, len;	/* the value, in the set's text */
	uint64_t	 num;
};

struct evrule {
	unsigned	 npairs;
	struct evpair	 p[EVRULE_PAIRS_MAX];
};

/* A set of rules; it holds no pointer, so it may be copied as it is. */
struct evrules {
	unsigned	 n;
	unsigned	 used;		/* bytes of text */
	struct evrule	 r[EVRULES_MAX];
	char		 text[EVRULES_TEXT_MAX];
};

void	evrules_init(struct evrules *rs);
/*
 * Adds one rule, key=value[,key=value]... (a --match argument).  A backslash
 * makes the byte after it part of the value, so a value may hold ',', a
 * blank or a backslash.  Returns 0, or -1 with a one-line err: an unknown
 * key, a missing '=', an empty value, a number expected, too many.
 */
int	evrules_add(struct evrules *rs, const char *rule, size_t n, char *err,
	    size_t errsize);
/* Adds the rules of a console line's arguments: rules separated by blanks
   (an escaped blank belongs to its value).  Returns 0, or -1 with err. */
int	evrules_parse(struct evrules *rs, const char *s, size_t n, char *err,
	    size_t errsize);
/* Appends the rules as evrules_parse reads them back (escaped, blank-
   separated): what `mipc monitor` sends after the verb. */
void	evrules_format(const struct evrules *rs, struct jbuf *b);
/*
 * Whether e matches: any rule all of whose pairs hold; every event if the
 * set is empty.  A pair compares against the field's value, numbers in
 * decimal.  pid= and name= are about processes: they hold if any process of
 * the event (pid, from, to, a member of cycle, or the ends of its msg) is
 * that process, by number or by name, or its name field is the value.
 * from=, to= and cycle= take a NAME as well as a pid; an event with a msg
 * and no from or to field is asked about through msg_ends.
 */
int	evrules_match(const struct evrules *rs, const struct event *e,
	    const struct evnames *nm);
/* The keys a rule may use, blank-separated, for messages. */
const char *evrules_keys(void);

#define EVR_COLOR	1	/* ANSI colours (the caller decides: a terminal, NO_COLOR unset) */
#define EVR_NOTIME	2	/* no time column */

/*
 * Appends the readable line of an event (no newline): aligned columns seq,
 * time in ms, kind, then what happened, with names where nm knows them:
 *
 *       12     3.456  deliver   #4 client(1234) -> server(5678) port 8080 "hello world"
 */
void	event_render(struct jbuf *b, const struct event *e, const struct evnames *nm,
	    int flags);
/*
 * Appends s[0..n) as a reader may see it on a terminal or in a chart:
 * valid UTF-8 as it is, but control bytes (C0, DEL, C1) as \n, \t, \xNN
 * and invalid bytes as \xNN; quoted adds the quotes and escapes '"' and '\'.
 */
void	event_show_text(struct jbuf *b, const char *s, size_t n, int quoted);

/*
 * What a reader of events has learned: the names of processes (from spawn,
 * exit and request events) and the ends of messages (from deliver and drop
 * events), for an evnames.  The messages remembered are the last
 * EVBOOK_MSGS, enough for those in flight.
 */
#define EVBOOK_MSGS	4096

struct evbook_proc {
	uint64_t	 pid;
	char		*name;
};

struct evbook_msg {
	uint64_t	 msg, from, to;
};

struct evbook {
	struct evbook_proc *p;
	size_t		 n, cap;
	struct evbook_msg msgs[EVBOOK_MSGS];
	size_t		 nmsgs;		/* ever learned; the ring holds the last */
};

void	evbook_init(struct evbook *bk);
void	evbook_free(struct evbook *bk);
/* Learns what e tells.  Returns 0, or -1 if memory ran out. */
int	evbook_learn(struct evbook *bk, const struct event *e);
/* An evnames that asks bk. */
struct evnames evbook_names(struct evbook *bk);
/* Names a process: bk's name for it, or NULL. */
const char *evbook_name(const struct evbook *bk, uint64_t pid);

#endif
