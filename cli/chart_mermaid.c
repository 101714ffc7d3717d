/*
 * chart_mermaid.c - a run as a Mermaid sequenceDiagram, which GitHub draws.
 *
 *   sequenceDiagram
 *       participant p0 as server (5678)
 *       participant p1 as client (1234)
 *       Note over p1,p0: linked 8080<-1234 in mailbox slot 0
 *       p1->>p0: hello world
 *       p0-->>p1: response written to port#58; 8080
 *
 * How texts are escaped.  Mermaid's sequence grammar ends a message, a note
 * or a participant's name at '#' (a comment starts there) and at ';' (a new
 * statement does), drops what follows "%%", reads "wrap:" or "nowrap:" at a
 * text's start as an instruction, and its pre-pass cuts the ';' off a line
 * that holds "style...:...#...;".  What it draws lands in HTML, where '<',
 * '>', '&' and '"' mean something.  Before it parses, Mermaid turns "#N;"
 * (N a decimal number) into the character N.  So each of # ; : % < > & "
 * in a text is written as its code (#35; #59; #58; #37; #60; #62; #38;
 * #34;), and the codes hold none of those characters but their own '#' and
 * ';', which Mermaid takes out first.  Blanks at a text's ends, which Mermaid
 * trims, are #32;.  Control bytes are shown as \n, \t or \xNN first
 * (event_show_text), so no text can end its line.  A text is broken with
 * <br/> every 40 characters or so, which Mermaid draws as separate lines: a
 * 254-byte message stays readable and nothing of it is left out.  (<br/>,
 * not <br>: mermaid.run rewrites the one into the other before it measures
 * a text, and a chart must not grow past the limit after we counted it.)
 *
 * A chart longer than CHART_MERMAID_MAX characters is refused: Mermaid draws
 * "Maximum text size in diagram exceeded" instead of it.  The refusal says
 * up to which event a chart would fit.
 */
#include <stdio.h>
#include <string.h>

#include "chart_run.h"
#include "event.h"

#define WRAP	40	/* characters on one line of a text */

/* Writes one line of a shown text, each character Mermaid could misread as
   its code; blanks at the ends of the whole text too. */
static void
mmd_escape(struct jbuf *out, const char *s, size_t n, int first, int last)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int edge = (first && i == 0) || (last && i == n - 1);
		if (strchr("#;:%<>&\"", c) != NULL || (c == ' ' && edge)) {
			jbuf_addc(out, '#');
			jbuf_uint(out, c);
			jbuf_addc(out, ';');
		} else {
			jbuf_addc(out, (char)c);
		}
	}
}

/* Appends the text s[0..n) as Mermaid draws it back: escaped, wrapped. */
static void
mmd_text(struct jbuf *out, const char *s, size_t n)
{
	struct jbuf shown;
	size_t start = 0, i = 0, chars = 0, space = 0;

	if (n == 0) {
		jbuf_adds(out, "#34;#34;");	/* "": an empty text */
		return;
	}
	jbuf_init(&shown);
	event_show_text(&shown, s, n, 0);
	while (i < shown.len) {
		size_t k = utf8_seq_len((const unsigned char *)shown.p + i, shown.len - i);
		if (k == 0)
			k = 1;
		if (shown.p[i] == ' ')
			space = i;
		i += k;
		if (++chars < WRAP || i >= shown.len)
			continue;
		/* Break at the last blank of the line if it is not too far
		   back, else here. */
		size_t cut = space > start + WRAP / 2 ? space : i;
		mmd_escape(out, shown.p + start, cut - start, start == 0, 0);
		jbuf_adds(out, "<br/>");
		start = cut == space ? cut + 1 : cut;
		i = start;
		chars = 0;
		space = 0;
	}
	mmd_escape(out, shown.p + start, shown.len - start, start == 0, 1);
	if (shown.failed)
		out->failed = 1;
	jbuf_free(&shown);
}

static void
mmd_id(struct jbuf *out, const struct chart_run *run, int proc)
{
	jbuf_addc(out, 'p');
	jbuf_uint(out, (uint64_t)run->procs[proc].col);
}

/* "    Note over pA[,pB]: " */
static void
mmd_note(struct jbuf *out, const struct chart_run *run, int a, int b)
{
	jbuf_adds(out, "    Note over ");
	mmd_id(out, run, a);
	if (b >= 0 && b != a) {
		jbuf_addc(out, ',');
		mmd_id(out, run, b);
	}
	jbuf_add(out, ": ", 2);
}

/* A red background behind what goes in between (Mermaid's rect). */
static void
mmd_red(struct jbuf *out, int on)
{
	jbuf_adds(out, on ? "    rect rgb(255, 221, 221)\n" : "    end\n");
}

static void
mmd_item(struct jbuf *out, const struct chart_run *run, const struct chart_item *it,
    int *started)
{
	struct jbuf words;
	int lo, hi;

	jbuf_init(&words);
	if (it->bad)
		mmd_red(out, 1);
	switch (it->what) {
	case CI_SPAWN:
		/* The first spawns are the participants; a later one is news. */
		if (*started) {
			mmd_note(out, run, it->a, -1);
			jbuf_adds(out, "spawned");
		}
		break;
	case CI_EXIT:
		mmd_note(out, run, it->a, -1);
		mmd_text(out, it->text, it->n);
		break;
	case CI_MSG:
	case CI_REPLY:
		jbuf_adds(out, "    ");
		mmd_id(out, run, it->what == CI_MSG ? it->a : it->b);
		jbuf_adds(out, it->what == CI_MSG ? "->>" : "-->>");
		mmd_id(out, run, it->what == CI_MSG ? it->b : it->a);
		jbuf_add(out, ": ", 2);
		mmd_text(out, it->text, it->n);
		break;
	case CI_DROP:
		if (it->b >= 0) {
			jbuf_adds(out, "    ");
			mmd_id(out, run, it->a);
			jbuf_adds(out, "-x");
			mmd_id(out, run, it->b);
			jbuf_add(out, ": ", 2);
			mmd_text(out, it->code, strlen(it->code));
			break;
		}
		mmd_note(out, run, it->a, -1);
		jbuf_adds(&words, "dropped, to port ");
		jbuf_uint(&words, it->port);
		jbuf_add(&words, ": ", 2);
		jbuf_adds(&words, it->code);
		mmd_text(out, words.p, words.len);
		break;
	case CI_NOTE:
		mmd_note(out, run, it->a, it->b);
		mmd_text(out, it->text, it->n);
		break;
	case CI_FAIL:
	case CI_WAIT:
		mmd_note(out, run, it->a, -1);
		chart_request_words(it, &words);
		jbuf_add(&words, ": ", 2);
		if (it->what == CI_FAIL)
			jbuf_add(&words, it->text, it->n);
		else
			jbuf_adds(&words, "no answer (the record ends first)");
		mmd_text(out, words.p, words.len);
		break;
	case CI_DEADLOCK:
		lo = hi = run->procs[it->cycle[0]].col;
		for (size_t k = 0; k < it->ncycle; k++) {
			int c = run->procs[it->cycle[k]].col;
			if (c < lo)
				lo = c;
			if (c > hi)
				hi = c;
		}
		jbuf_adds(out, "    Note over p");
		jbuf_uint(out, (uint64_t)lo);
		if (hi != lo) {
			jbuf_add(out, ",p", 2);
			jbuf_uint(out, (uint64_t)hi);
		}
		jbuf_add(out, ": ", 2);
		mmd_text(out, it->text, it->n);
		break;
	}
	if (out->len > 0 && out->p[out->len - 1] != '\n')
		jbuf_addc(out, '\n');
	if (it->bad)
		mmd_red(out, 0);
	if (it->what != CI_SPAWN)
		*started = 1;
	if (words.failed)
		out->failed = 1;
	jbuf_free(&words);
}

/* The mark where a record with no stop event ends. */
static void
mmd_end_mark(struct jbuf *out, const struct chart_run *run)
{
	static const char says[] = "the record ends here, with no stop event: the "
	    "run was killed, or is still running";

	mmd_red(out, 1);
	jbuf_adds(out, "    Note over p0");
	if (run->ncols > 1) {
		jbuf_add(out, ",p", 2);
		jbuf_uint(out, (uint64_t)run->ncols - 1);
	}
	jbuf_add(out, ": ", 2);
	mmd_text(out, says, sizeof says - 1);
	jbuf_addc(out, '\n');
	mmd_red(out, 0);
}

int
chart_mermaid(const struct chart_run *run, struct jbuf *out)
{
	struct jbuf name;
	size_t begin = out->len;
	uint64_t fits = 0;
	int started = 0;

	jbuf_init(&name);
	jbuf_adds(out, "%% mipc chart of ");
	event_show_text(out, run->path, strlen(run->path), 0);
	jbuf_adds(out, ": events ");
	jbuf_uint(out, run->shown_from);
	jbuf_adds(out, " to ");
	jbuf_uint(out, run->shown_to);
	jbuf_adds(out, run->cut_short ? " (the record stops without a stop event)\n" : "\n");
	jbuf_adds(out, "%% Texts are escaped with Mermaid's codes: #35; is '#', #59; "
	    "';', #58; ':', and broken with <br/>.\n");
	jbuf_adds(out, "sequenceDiagram\n");
	for (size_t i = 0; i < run->nprocs; i++) {
		if (run->procs[i].col < 0)
			continue;
		jbuf_adds(out, "    participant ");
		mmd_id(out, run, (int)i);
		jbuf_adds(out, " as ");
		name.len = 0;
		chart_proc_label(run, (int)i, &name);
		mmd_text(out, name.p, name.len);
		jbuf_addc(out, '\n');
	}
	/* Room for the end mark, so that the --to we suggest fits with it. */
	size_t tail = 300;
	for (size_t i = 0; i < run->nitems; i++) {
		if (!run->items[i].shown)
			continue;
		mmd_item(out, run, &run->items[i], &started);
		if (out->len - begin + tail <= CHART_MERMAID_MAX)
			fits = run->items[i].seq;
	}
	if (run->cut_short)
		mmd_end_mark(out, run);
	if (name.failed)
		out->failed = 1;
	jbuf_free(&name);
	size_t size = out->len - begin;
	if (size <= CHART_MERMAID_MAX)
		return 0;
	out->len = begin;
	fprintf(stderr, "mipc: the Mermaid chart of %s is %zu characters long, over "
	    "the %d that Mermaid draws (its default maxTextSize, which GitHub "
	    "keeps): cut it with --from SEQ and --to SEQ", run->path, size,
	    CHART_MERMAID_MAX);
	if (fits >= run->shown_from)
		fprintf(stderr, " (--from %llu --to %llu fits)",
		    (unsigned long long)run->shown_from, (unsigned long long)fits);
	fprintf(stderr, ", or with --match RULE, or draw it with --format svg\n");
	return 2;
}
