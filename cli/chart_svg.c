/*
 * chart_svg.c - a run as a self-contained SVG sequence chart.
 *
 * One row per item, top to bottom in the order of events, a lifeline per
 * process, and at the left the time axis: each row's time in ms since the
 * kernel started (or, for a record with no times, its seq, and the axis
 * says so).  A row per item rather than a scale of time keeps a burst of
 * messages in a microsecond as readable as a five-second timeout; the axis
 * gives the times, and the gaps are where the numbers jump.
 *
 * Messages are blue arrows, replies dashed grey ones back, drops and failed
 * requests red; registers, links and removes are yellow notes.  A text too
 * long for its place is cut with "..." and given whole as the element's
 * <title>, which viewers show on hover.  Under the chart: the sends the
 * record never answers, then a legend.  No script, no external font or
 * image: a generic monospace family, and shapes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_run.h"
#include "event.h"

#define LEFT	132	/* the time axis */
#define AXIS_X	120
#define TOP	126	/* the first row */
#define ROW_H	28
#define HEAD_Y	54
#define HEAD_H	30
#define CHAR_W	7.2	/* a character of the 12px monospace font, about */

struct svg {
	struct jbuf		*out;
	const struct chart_run	*run;
	int			 colw;
	int			 width;
	int			 rows;
	int			*row;		/* each item's row, or -1 */
};

static void
put(struct svg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct svg *g, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		jbuf_add(g->out, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/*
 * Appends s[0..n) as text of an SVG element: shown (control bytes as \n,
 * \xNN), cut to max characters with "..." if longer (max 0: whole), and
 * escaped for XML.  U+FFFE and U+FFFF are UTF-8 that XML does not allow:
 * they become U+FFFD.  Returns 1 if the text was cut.
 */
static int
svg_text(struct jbuf *out, const char *s, size_t n, size_t max)
{
	struct jbuf shown;
	size_t chars = 0, i = 0;
	int cut = 0;

	jbuf_init(&shown);
	event_show_text(&shown, s, n, 0);
	while (i < shown.len) {
		const unsigned char *p = (const unsigned char *)shown.p + i;
		size_t k = utf8_seq_len(p, shown.len - i);
		if (k == 0)
			k = 1;
		if (max > 0 && chars == max - 1 && i + k < shown.len) {
			jbuf_adds(out, "\xe2\x80\xa6");	/* ... */
			cut = 1;
			break;
		}
		switch (*p) {
		case '&':	jbuf_adds(out, "&amp;"); break;
		case '<':	jbuf_adds(out, "&lt;"); break;
		case '>':	jbuf_adds(out, "&gt;"); break;
		case '"':	jbuf_adds(out, "&quot;"); break;
		default:
			if (k == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
				jbuf_adds(out, "\xef\xbf\xbd");
			else
				jbuf_add(out, p, k);
		}
		i += k;
		chars++;
	}
	if (shown.failed)
		out->failed = 1;
	jbuf_free(&shown);
	return cut;
}

/* A text element; the whole text as its title if it had to be cut. */
static void
svg_label(struct svg *g, int x, int y, const char *anchor, const char *cls,
    const char *s, size_t n, int width)
{
	size_t max = width > 0 ? (size_t)(width / CHAR_W) : 0;
	size_t mark = g->out->len;

	if (max < 4 && width > 0)
		max = 4;
	put(g, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"%s\">", x, y,
	    anchor, cls);
	if (svg_text(g->out, s, n, max)) {
		/* Cut: say it again whole, as a title.  The text goes in
		   front of it, as SVG wants the title first. */
		struct jbuf tail;
		jbuf_init(&tail);
		jbuf_add(&tail, g->out->p + mark, g->out->len - mark);
		g->out->len = mark;
		jbuf_adds(g->out, "<g><title>");
		(void)svg_text(g->out, s, n, 0);
		jbuf_adds(g->out, "</title>");
		jbuf_add(g->out, tail.p, tail.len);
		jbuf_adds(g->out, "</text></g>\n");
		if (tail.failed)
			g->out->failed = 1;
		jbuf_free(&tail);
		return;
	}
	jbuf_adds(g->out, "</text>\n");
}

/* About how wide s[0..n) is drawn, in pixels. */
static int
text_w(const char *s, size_t n)
{
	struct jbuf shown;
	size_t chars = 0;

	jbuf_init(&shown);
	event_show_text(&shown, s, n, 0);
	for (size_t i = 0; i < shown.len; i++)
		chars += ((unsigned char)shown.p[i] & 0xc0) != 0x80;
	jbuf_free(&shown);
	return (int)(chars * CHAR_W) + 1;
}

/* Moves a span of width w centred at *c inside the chart, right of the
   axis: a row holds one item, so its text may cross other lifelines. */
static void
inside(const struct svg *g, int *c, int w)
{
	if (*c + w / 2 > g->width - 8)
		*c = g->width - 8 - w / 2;
	if (*c - w / 2 < LEFT)
		*c = LEFT + w / 2;
}

static int
col_x(const struct svg *g, int proc)
{
	return LEFT + g->colw / 2 + g->run->procs[proc].col * g->colw;
}

static int
row_y(int row)
{
	return TOP + row * ROW_H;
}

/* A box over the lifelines of cols lo to hi, with a text in it: wider
   than its lifelines if the text needs it, up to the chart's width. */
static void
svg_box(struct svg *g, int y, int lo, int hi, const char *cls, const char *s, size_t n)
{
	int x0 = LEFT + lo * g->colw + 8, x1 = LEFT + (hi + 1) * g->colw - 8;
	int w = x1 - x0, c = (x0 + x1) / 2, need = text_w(s, n) + 16;

	if (need > w)
		w = need < g->width - 8 - LEFT ? need : g->width - 8 - LEFT;
	inside(g, &c, w);
	put(g, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" rx=\"3\" class=\"%s\"/>\n",
	    c - w / 2, y - 13, w, cls);
	svg_label(g, c, y + 1, "middle", cls, s, n, w - 10);
}

/* An arrow from proc a to proc b at y, with its text above: as wide as
   the arrow, or as two columns if the text needs more. */
static void
svg_arrow(struct svg *g, int y, int a, int b, const char *cls, const char *s, size_t n)
{
	int xa = col_x(g, a), xb = col_x(g, b);

	if (a == b) {
		/* To itself: a loop to the right. */
		put(g, "<path d=\"M%d,%d h34 v12 h-30\" class=\"%s\" fill=\"none\"/>\n",
		    xa, y - 4, cls);
		int w = g->width - 8 - (xa + 40);
		svg_label(g, xa + 40, y + 6, "start", cls, s, n, w < 2 * g->colw ? w :
		    2 * g->colw);
		return;
	}
	int dir = xb > xa ? 1 : -1, span = (xb - xa) * dir - 16;
	int w = text_w(s, n), c = (xa + xb) / 2;
	if (w < span)
		w = span;
	int most = 2 * g->colw > 420 ? 2 * g->colw : 420;
	if (w > span && w > most)
		w = span > most ? span : most;
	inside(g, &c, w);
	put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"%s\"/>\n",
	    xa, y + 4, xb - dir * 2, y + 4, cls);
	svg_label(g, c, y - 1, "middle", cls, s, n, w);
}

/* A label beside a lifeline at x: to its right, or to its left on the
   last lifeline. */
static void
svg_aside(struct svg *g, int x, int y, const char *cls, const char *s, size_t n)
{
	if (x + 8 + text_w(s, n) > g->width - 8 && x - 8 - LEFT > g->width - 16 - x)
		svg_label(g, x - 8, y, "end", cls, s, n, x - 8 - LEFT);
	else
		svg_label(g, x + 8, y, "start", cls, s, n, g->width - 16 - x);
}

/* A cross at (x, y): where a drop ends. */
static void
svg_cross(struct svg *g, int x, int y)
{
	put(g, "<path d=\"M%d,%d l10,10 m0,-10 l-10,10\" class=\"drop\"/>\n",
	    x - 5, y - 5);
}

static void
svg_item(struct svg *g, const struct chart_item *it, int row)
{
	const struct chart_run *run = g->run;
	int y = row_y(row), x;
	struct jbuf w;

	jbuf_init(&w);
	switch (it->what) {
	case CI_SPAWN:
		x = col_x(g, it->a);
		put(g, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" class=\"spawn\"/>\n", x, y);
		svg_aside(g, x, y + 4, "small", "spawned", 7);
		break;
	case CI_EXIT:
		x = col_x(g, it->a);
		put(g, "<path d=\"M%d,%d l8,8 m0,-8 l-8,8\" class=\"%s\"/>\n", x - 4,
		    y - 4, it->bad ? "drop" : "exit");
		svg_aside(g, x, y + 4, it->bad ? "bad" : "small", it->text, it->n);
		break;
	case CI_MSG:
		jbuf_addc(&w, '#');
		jbuf_uint(&w, it->msg);
		jbuf_addc(&w, ' ');
		jbuf_add(&w, it->text, it->n);
		svg_arrow(g, y, it->a, it->b, "msg", w.p, w.len);
		break;
	case CI_REPLY:
		/* An empty reply says so, as an empty message would. */
		svg_arrow(g, y, it->b, it->a, it->bad ? "errreply" : "reply",
		    it->n > 0 ? it->text : "\"\"",
		    it->n > 0 ? it->n : 2);
		break;
	case CI_DROP:
		jbuf_addc(&w, '#');
		jbuf_uint(&w, it->msg);
		jbuf_addc(&w, ' ');
		jbuf_adds(&w, it->code);
		jbuf_add(&w, ": ", 2);
		jbuf_adds(&w, it->reason);
		if (it->b >= 0) {
			svg_arrow(g, y, it->a, it->b, "drop", w.p, w.len);
			svg_cross(g, col_x(g, it->b), y + 4);
		} else {
			struct jbuf note;
			jbuf_init(&note);
			jbuf_adds(&note, "dropped, to port ");
			jbuf_uint(&note, it->port);
			jbuf_add(&note, ": ", 2);
			jbuf_add(&note, w.p, w.len);
			svg_box(g, y, run->procs[it->a].col, run->procs[it->a].col,
			    "fail", note.p, note.len);
			jbuf_free(&note);
		}
		break;
	case CI_NOTE: {
		int lo = run->procs[it->a].col, hi = lo;
		if (it->b >= 0) {
			int c = run->procs[it->b].col;
			lo = c < lo ? c : lo;
			hi = c > hi ? c : hi;
		}
		svg_box(g, y, lo, hi, "note", it->text, it->n);
		break;
	}
	case CI_FAIL:
	case CI_WAIT:
		chart_request_words(it, &w);
		jbuf_add(&w, ": ", 2);
		if (it->what == CI_FAIL)
			jbuf_add(&w, it->text, it->n);
		else
			jbuf_adds(&w, "no answer");
		svg_box(g, y, run->procs[it->a].col, run->procs[it->a].col,
		    it->what == CI_FAIL ? "fail" : "wait", w.p, w.len);
		break;
	case CI_DEADLOCK: {
		int lo = run->procs[it->cycle[0]].col, hi = lo;
		for (size_t k = 0; k < it->ncycle; k++) {
			int c = run->procs[it->cycle[k]].col;
			lo = c < lo ? c : lo;
			hi = c > hi ? c : hi;
		}
		svg_box(g, y, lo, hi, "deadlock", it->text, it->n);
		break;
	}
	}
	if (w.failed)
		g->out->failed = 1;
	jbuf_free(&w);
}

/* The time (or seq) of a row, on the axis; its seq at the far left. */
static void
svg_axis_label(struct svg *g, const struct chart_item *it, int row)
{
	int y = row_y(row) + 4;

	put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"tick\"/>\n",
	    AXIS_X, y - 4, AXIS_X + 5, y - 4);
	if (g->run->timed) {
		put(g, "<text x=\"6\" y=\"%d\" class=\"seq\">#%llu</text>\n", y,
		    (unsigned long long)it->seq);
		put(g, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"time\">"
		    "%llu.%03u</text>\n", AXIS_X - 6, y,
		    (unsigned long long)(it->t / 1000), (unsigned)(it->t % 1000));
	} else {
		put(g, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"time\">"
		    "#%llu</text>\n", AXIS_X - 6, y, (unsigned long long)it->seq);
	}
}

/*
 * A pause: rows are evenly spaced whatever the time between them, so where
 * the time jumps (a second or more, or a hundred times the usual step) the
 * axis is broken and says by how much.
 */
static void
svg_pause(struct svg *g, int row, uint64_t from, uint64_t to, uint64_t step)
{
	uint64_t d = to - from;
	int y = row_y(row) - ROW_H / 2 + 4;

	if (!g->run->timed || d < 1000 || (d < 1000000 && d < 100 * step))
		return;
	put(g, "<path d=\"M%d,%d l10,-4 m-10,8 l10,-4\" class=\"pause\"/>\n",
	    AXIS_X - 5, y - 2);
	put(g, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"pause\">"
	    "+%llu.%03u ms</text>\n", AXIS_X - 8, y + 2,
	    (unsigned long long)(d / 1000), (unsigned)(d % 1000));
}

/* The typical time between two rows: the median step. */
static uint64_t
usual_step(const struct svg *g)
{
	const struct chart_run *run = g->run;
	uint64_t *d = calloc(run->nitems + 1, sizeof *d), prev = 0, med = 0;
	size_t n = 0;
	int first = 1;

	if (d == NULL)
		return 0;
	for (size_t i = 0; i < run->nitems; i++) {
		if (g->row[i] < 0)
			continue;
		if (!first && run->items[i].t >= prev)
			d[n++] = run->items[i].t - prev;
		prev = run->items[i].t;
		first = 0;
	}
	/* A partial selection sort to the middle is enough for a few
	   thousand rows. */
	for (size_t i = 0; i <= n / 2 && i < n; i++) {
		size_t m = i;
		for (size_t j = i + 1; j < n; j++)
			if (d[j] < d[m])
				m = j;
		uint64_t t = d[i];
		d[i] = d[m];
		d[m] = t;
		med = d[i];
	}
	free(d);
	return med;
}

/* The heads of the lifelines, at y. */
static void
svg_heads(struct svg *g, int y)
{
	const struct chart_run *run = g->run;
	struct jbuf label;

	jbuf_init(&label);
	for (size_t i = 0; i < run->nprocs; i++) {
		if (run->procs[i].col < 0)
			continue;
		int x = col_x(g, (int)i);
		put(g, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" "
		    "class=\"head\"/>\n", x - g->colw / 2 + 10, y, g->colw - 20, HEAD_H);
		label.len = 0;
		chart_proc_label(run, (int)i, &label);
		svg_label(g, x, y + 19, "middle", "name", label.p, label.len, g->colw - 28);
	}
	jbuf_free(&label);
}

/* The lifelines: solid while the process runs (from its spawn, or the top,
   to its exit, or the bottom). */
static void
svg_lifelines(struct svg *g, int bottom)
{
	const struct chart_run *run = g->run;

	for (size_t p = 0; p < run->nprocs; p++) {
		if (run->procs[p].col < 0)
			continue;
		int x = col_x(g, (int)p), from = HEAD_Y + HEAD_H, alive = 1, seen = 0;
		for (size_t i = 0; i < run->nitems; i++) {
			const struct chart_item *it = &run->items[i];
			if (g->row[i] < 0 || it->a != (int)p ||
			    (it->what != CI_SPAWN && it->what != CI_EXIT)) {
				if (g->row[i] >= 0 && (it->a == (int)p || it->b == (int)p))
					seen = 1;
				continue;
			}
			int y = row_y(g->row[i]);
			if (it->what == CI_SPAWN && (!alive || !seen)) {
				if (alive && from < y)
					put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
					    "class=\"before\"/>\n", x, from, x, y);
				from = y;
				alive = 1;
			} else if (it->what == CI_EXIT && alive) {
				put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				    "class=\"life\"/>\n", x, from, x, y);
				alive = 0;
			}
			seen = 1;
		}
		if (alive)
			put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"life\"/>\n",
			    x, from, x, bottom);
	}
}

/* The sends the record never answers, under the chart.  Returns the y
   below the list. */
static int
svg_unanswered(struct svg *g, int y)
{
	const struct chart_run *run = g->run;
	struct jbuf w;
	int listed = 0;

	jbuf_init(&w);
	put(g, "<text x=\"12\" y=\"%d\" class=\"heading\">Sends never answered</text>\n", y);
	y += 22;
	for (size_t i = 0; i < run->nitems; i++) {
		const struct chart_item *it = &run->items[i];
		if (!it->shown || !it->has_req || it->has_ans ||
		    (it->what != CI_WAIT && it->what != CI_MSG && it->what != CI_DROP))
			continue;
		w.len = 0;
		jbuf_addc(&w, '#');
		jbuf_uint(&w, it->s_req);
		jbuf_add(&w, "  ", 2);
		chart_proc_label(run, it->a, &w);
		jbuf_add(&w, ": ", 2);
		jbuf_add(&w, it->line, it->nline);
		if (it->what == CI_MSG) {
			jbuf_adds(&w, "  (delivered as message #");
			jbuf_uint(&w, it->msg);
			jbuf_adds(&w, it->has_end ? ", replied; no answer)" : ", never replied)");
		} else if (it->what == CI_DROP) {
			jbuf_adds(&w, "  (dropped: ");
			jbuf_adds(&w, it->code);
			jbuf_addc(&w, ')');
		}
		svg_label(g, 12, y, "start", it->what == CI_WAIT ? "waitline" : "line",
		    w.p, w.len, g->width - 24);
		y += 18;
		listed++;
	}
	if (listed == 0) {
		put(g, "<text x=\"12\" y=\"%d\" class=\"line\">Every send drawn here "
		    "was answered.</text>\n", y);
		y += 18;
	}
	jbuf_free(&w);
	return y;
}

/* What the marks mean. */
static int
svg_legend(struct svg *g, int y)
{
	int x = 12;

	y += 16;
	put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"msg\"/>\n", x, y, x + 40, y);
	put(g, "<text x=\"%d\" y=\"%d\" class=\"small\">message delivered</text>\n",
	    x + 48, y + 4);
	x += 180;
	put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"reply\"/>\n", x + 40, y, x, y);
	put(g, "<text x=\"%d\" y=\"%d\" class=\"small\">its reply</text>\n", x + 48, y + 4);
	x += 120;
	put(g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"drop\"/>\n", x, y, x + 38, y);
	svg_cross(g, x + 40, y);
	put(g, "<text x=\"%d\" y=\"%d\" class=\"small\">dropped</text>\n", x + 52, y + 4);
	x += 120;
	put(g, "<rect x=\"%d\" y=\"%d\" width=\"30\" height=\"14\" rx=\"3\" class=\"note\"/>\n",
	    x, y - 7);
	put(g, "<text x=\"%d\" y=\"%d\" class=\"small\">register, link, remove</text>\n",
	    x + 38, y + 4);
	x += 220;
	put(g, "<rect x=\"%d\" y=\"%d\" width=\"30\" height=\"14\" rx=\"3\" class=\"fail\"/>\n",
	    x, y - 7);
	put(g, "<text x=\"%d\" y=\"%d\" class=\"small\">failed request</text>\n", x + 38, y + 4);
	return y + 24;
}

static const char svg_style[] =
"<style>\n"
"text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;fill:#222}\n"
".title{font-size:15px;font-weight:bold}.sub{fill:#555}\n"
".heading{font-size:13px;font-weight:bold}\n"
".head{fill:#eef3fa;stroke:#5b7fb0}.name{font-weight:bold;fill:#1d3557}\n"
".life{stroke:#9aa;stroke-width:1.5}.before{stroke:#ccc;stroke-dasharray:2 4}\n"
".axis{stroke:#888}.tick{stroke:#888}.time{fill:#444}.seq{fill:#aaa;font-size:10px}\n"
"line.msg,path.msg{stroke:#1f5fa8;stroke-width:1.5;marker-end:url(#to-msg)}\n"
"text.msg{fill:#1f3f6f}\n"
"text.msg,text.reply,text.errreply,text.drop,text.bad,text.small{paint-order:stroke;stroke:#fff;"
"stroke-width:4px;stroke-linejoin:round}\n"
"line.reply,path.reply{stroke:#777;stroke-width:1.2;stroke-dasharray:6 3;"
"marker-end:url(#to-reply)}\n"
"text.reply{fill:#555}\n"
"line.errreply,path.errreply{stroke:#c62828;stroke-width:1.2;stroke-dasharray:6 3;"
"marker-end:url(#to-errreply)}\n"
"text.errreply{fill:#c62828}\n"
"line.drop,path.drop{stroke:#c62828;stroke-width:1.8}text.drop,text.bad{fill:#c62828}\n"
"path.exit{stroke:#666;stroke-width:1.5}.spawn{fill:#4a7}.small{fill:#666;font-size:11px}\n"
"rect.note{fill:#fff4cc;stroke:#d9b54a}text.note{fill:#5a4500}\n"
"rect.fail{fill:#ffe1e1;stroke:#c62828}text.fail{fill:#b71c1c}\n"
"rect.wait{fill:#ffefd6;stroke:#e08a1e}text.wait{fill:#8a4b00}\n"
"rect.deadlock{fill:#ffc9c9;stroke:#b71c1c;stroke-width:2}"
"text.deadlock{fill:#b71c1c;font-weight:bold}\n"
"line.end{stroke:#c62828;stroke-width:2;stroke-dasharray:8 4}"
"text.end{fill:#c62828;font-weight:bold}\n"
".line{fill:#333}.waitline{fill:#8a4b00}\n"
"path.pause{stroke:#e08a1e;stroke-width:2;fill:none}"
"text.pause{fill:#c06000;font-size:10px;font-weight:bold}\n"
"</style>\n"
"<defs>\n"
"<marker id=\"to-msg\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
"markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f5fa8\"/>"
"</marker>\n"
"<marker id=\"to-reply\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
"markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10\" fill=\"none\" "
"stroke=\"#777\" stroke-width=\"1.5\"/></marker>\n"
"<marker id=\"to-errreply\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
"markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10\" "
"fill=\"none\" stroke=\"#c62828\" stroke-width=\"1.5\"/></marker>\n"
"</defs>\n";

int
chart_svg(const struct chart_run *run, struct jbuf *out)
{
	struct svg g;
	struct jbuf w;
	int msgs = 0, drops = 0, fails = 0;

	memset(&g, 0, sizeof g);
	g.out = out;
	g.run = run;
	g.colw = run->ncols > 0 ? 960 / run->ncols : 300;
	g.colw = g.colw < 170 ? 170 : g.colw > 300 ? 300 : g.colw;
	g.width = LEFT + run->ncols * g.colw + 24;
	if (g.width < 880)
		g.width = 880;	/* room for the title and the legend */
	if ((g.row = calloc(run->nitems + 1, sizeof *g.row)) == NULL) {
		out->failed = 1;
		return 0;
	}
	for (size_t i = 0; i < run->nitems; i++) {
		const struct chart_item *it = &run->items[i];
		g.row[i] = it->shown ? g.rows++ : -1;
		if (!it->shown)
			continue;
		msgs += it->what == CI_MSG;
		drops += it->what == CI_DROP;
		fails += it->what == CI_FAIL;
	}
	int bottom = row_y(g.rows) + (run->cut_short ? ROW_H : 0);
	/* The height is known only at the end: write the rest first. */
	struct jbuf body;
	jbuf_init(&body);
	jbuf_init(&w);
	g.out = &body;

	jbuf_adds(&w, "mipc chart of ");
	jbuf_adds(&w, run->path);
	svg_label(&g, 12, 24, "start", "title", w.p, w.len, g.width - 24);
	w.len = 0;
	jbuf_adds(&w, "events ");
	jbuf_uint(&w, run->shown_from);
	jbuf_adds(&w, " to ");
	jbuf_uint(&w, run->shown_to);
	jbuf_adds(&w, ", ");
	jbuf_uint(&w, (uint64_t)run->ncols);
	jbuf_adds(&w, run->ncols == 1 ? " process, " : " processes, ");
	jbuf_uint(&w, (uint64_t)msgs);
	jbuf_adds(&w, msgs == 1 ? " message" : " messages");
	if (drops > 0) {
		jbuf_adds(&w, ", ");
		jbuf_uint(&w, (uint64_t)drops);
		jbuf_adds(&w, drops == 1 ? " dropped" : " dropped");
	}
	if (fails > 0) {
		jbuf_adds(&w, ", ");
		jbuf_uint(&w, (uint64_t)fails);
		jbuf_adds(&w, fails == 1 ? " failed request" : " failed requests");
	}
	jbuf_adds(&w, run->timed ? "; time in ms since the kernel started" :
	    "; no times recorded: rows in event order");
	svg_label(&g, 12, 42, "start", "sub", w.p, w.len, g.width - 24);
	svg_heads(&g, HEAD_Y);
	put(&g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>\n",
	    AXIS_X, TOP - 14, AXIS_X, bottom);
	put(&g, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"sub\">%s</text>\n",
	    AXIS_X - 6, TOP - 20, run->timed ? "t (ms)" : "event order");
	svg_lifelines(&g, bottom);
	uint64_t step = usual_step(&g), prev_t = 0;
	int any = 0;
	for (size_t i = 0; i < run->nitems; i++) {
		if (g.row[i] < 0)
			continue;
		if (any && run->items[i].t > prev_t)
			svg_pause(&g, g.row[i], prev_t, run->items[i].t, step);
		prev_t = run->items[i].t;
		any = 1;
		svg_axis_label(&g, &run->items[i], g.row[i]);
		svg_item(&g, &run->items[i], g.row[i]);
	}
	int y = bottom;
	if (run->cut_short) {
		static const char says[] = "the record ends here, with no stop event: "
		    "the run was killed, or is still running";
		y = row_y(g.rows);
		put(&g, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"end\"/>\n",
		    AXIS_X, y - 6, g.width - 12, y - 6);
		svg_label(&g, LEFT, y + 12, "start", "end", says, sizeof says - 1,
		    g.width - LEFT - 12);
		y += ROW_H;
	}
	y += 8;
	svg_heads(&g, y);
	y = svg_unanswered(&g, y + HEAD_H + 34);
	y = svg_legend(&g, y);

	int height = y + 8;
	g.out = out;
	put(&g, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\">\n", g.width, height, g.width, height);
	jbuf_adds(out, "<title>mipc chart of ");
	(void)svg_text(out, run->path, strlen(run->path), 0);
	jbuf_adds(out, "</title>\n");
	jbuf_adds(out, svg_style);
	put(&g, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", g.width, height);
	jbuf_add(out, body.p, body.len);
	jbuf_adds(out, "</svg>\n");
	if (body.failed || w.failed)
		out->failed = 1;
	jbuf_free(&body);
	jbuf_free(&w);
	free(g.row);
	return 0;
}
