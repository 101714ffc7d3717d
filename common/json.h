/*
 * json.h - a small JSON writer and a strict JSON reader, for the event record.
 *
 * The writer appends to a growable buffer (struct jbuf) that the caller keeps
 * and reuses, so writing a line allocates nothing once the buffer has grown to
 * the longest line.  Commas go in by themselves: the buffer remembers, for
 * each open object or array, whether it has a member yet.  Strings may hold
 * any byte: valid UTF-8 is kept, control bytes are escaped, and every byte
 * that is not part of a valid UTF-8 sequence becomes U+FFFD.
 *
 * The reader takes one JSON text that is an object (one line of events.jsonl)
 * and hands out its members whose values are strings, integers or arrays of
 * unsigned integers.  It accepts every other JSON value (nested objects,
 * true, false, null, fractions) and marks it JSON_OTHER.  It is strict RFC
 * 8259: no trailing comma, no leading zero, no bad escape, no unpaired
 * surrogate, no raw control byte in a string, no invalid UTF-8, nothing after
 * the object but blanks.
 */
#ifndef MIPC_JSON_H
#define MIPC_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH_MAX	64	/* nesting the reader accepts (RFC 8259 s. 9 allows a limit) */

/* A growable byte buffer, and the state of the JSON being written into it. */
struct jbuf {
	char		*p;
	size_t		 len, cap;
	int		 failed;	/* memory ran out: later appends are dropped */
	unsigned	 depth;		/* objects and arrays open */
	uint64_t	 used;		/* bit d: the container at depth d has a member */
	int		 keyed;		/* a key was written: its value needs no comma */
};

void	jbuf_init(struct jbuf *b);
void	jbuf_free(struct jbuf *b);
/* Empties the buffer for the next line, keeping its memory. */
void	jbuf_reset(struct jbuf *b);
/* Makes room for n more bytes.  Returns 0, or -1 (and sets failed). */
int	jbuf_reserve(struct jbuf *b, size_t n);
/* Plain appends, outside the JSON bookkeeping. */
void	jbuf_add(struct jbuf *b, const void *p, size_t n);
void	jbuf_addc(struct jbuf *b, char c);
void	jbuf_adds(struct jbuf *b, const char *s);
void	jbuf_uint(struct jbuf *b, uint64_t v);		/* decimal */
/* NUL-terminates what is there (not counted in len), for printing.  Returns
   b->p, or "" if memory ran out. */
const char *jbuf_str(struct jbuf *b);

/* JSON values.  Each writes the comma before it where one is needed. */
void	json_object_begin(struct jbuf *b);
void	json_object_end(struct jbuf *b);
void	json_array_begin(struct jbuf *b);
void	json_array_end(struct jbuf *b);
void	json_key(struct jbuf *b, const char *key);	/* NUL-terminated */
void	json_string(struct jbuf *b, const char *s, size_t n);
void	json_uint(struct jbuf *b, uint64_t v);
void	json_int(struct jbuf *b, int64_t v);
void	json_uints(struct jbuf *b, const uint64_t *v, size_t n);

/*
 * Appends the escaped form of s[0..n) without the quotes: what json_string
 * writes between them.  Exposed for the tests and for writers that build a
 * line from pieces.
 */
void	json_escape(struct jbuf *b, const char *s, size_t n);
/*
 * The same two written at o, which must have room (6n bytes for an escape,
 * 20 for a number); they return the end.  For writers of a known shape that
 * reserve a whole line once (event_json).
 */
char	*json_escape_at(char *o, const char *s, size_t n);
char	*json_uint_at(char *o, uint64_t v);

/*
 * The length (1 to 4) of the valid UTF-8 sequence at s (n bytes left), or 0
 * if s[0] does not start one: a stray continuation byte, an overlong form, a
 * surrogate (U+D800-DFFF), a code point over U+10FFFF, or a sequence cut
 * short.  Shared by everything that must keep valid UTF-8 and nothing else.
 */
size_t	utf8_seq_len(const unsigned char *s, size_t n);

enum json_type {
	JSON_STRING,	/* s, n: the decoded bytes (NUL-terminated as well) */
	JSON_UINT,	/* u: an integer from 0 to 2^64-1 */
	JSON_INT,	/* i: a negative integer down to -2^63 */
	JSON_UINTS,	/* v, n: an array whose members are all JSON_UINT (or none) */
	JSON_OTHER,	/* anything else: accepted, not handed out */
};

struct json_member {
	const char	*key;		/* decoded, NUL-terminated */
	size_t		 keylen;
	enum json_type	 type;
	const char	*s;
	size_t		 n;
	uint64_t	 u;
	int64_t		 i;
	const uint64_t	*v;
	size_t		 col;		/* the column where the value starts, from 1 */
};

/*
 * What json_parse read.  Everything it points to lives in the doc until the
 * next json_parse on it or json_doc_free; a doc reused line after line stops
 * allocating once it has seen the longest line.
 */
struct json_doc {
	struct json_member *m;
	size_t		 n, mcap;
	char		*str;		/* the decoded strings */
	size_t		 strcap, strlen;
	uint64_t	*num;		/* the arrays' members */
	size_t		 numcap, numlen;
	size_t		 errcol;	/* where the text went wrong, from 1 */
	char		 err[128];	/* "column 12: expected ':' after the key" */
};

void	json_doc_init(struct json_doc *d);
void	json_doc_free(struct json_doc *d);

/*
 * Parses text[0..len): one object, with blanks (space, tab, CR, LF) around
 * it allowed.  Returns 0, or -1 with d->err saying what was expected at which
 * column (bytes from 1); "out of memory" if it ran out.
 */
int	json_parse(struct json_doc *d, const char *text, size_t len);

#endif
