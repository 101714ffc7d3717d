/*
 * chart.h - mipc chart: a run's event record drawn as a message sequence
 * chart, in Mermaid, SVG or Chrome trace-event JSON (Perfetto).
 */
#ifndef MIPC_CHART_H
#define MIPC_CHART_H

#include <stdint.h>

#include "event.h"

enum chart_format {
	CHART_AUTO = 0,		/* from the output's extension, else Mermaid */
	CHART_MERMAID,
	CHART_SVG,
	CHART_PERFETTO,
};

struct chart_opts {
	enum chart_format format;
	uint64_t	 from, to;	/* the seqs to draw; 0: from the first, to the last */
	const struct evrules *match;	/* NULL or empty: every event */
	int		 no_time;	/* in event order, even where t_us was recorded */
};

/*
 * Draws the record at events_path into out_path (NULL or "-": standard
 * output), as `mipc chart` and `mipc run --chart FILE` do.  Mermaid into a
 * FILE.md goes in a ```mermaid fence, which GitHub draws.  Returns 0, or
 * the exit status after saying why on stderr: 2 for a record that cannot be
 * read or is not one (naming the file and line), or a chart too long for
 * Mermaid; 1 when there is nothing to draw or the output cannot be written.
 * Nothing is written unless the whole chart is.
 */
int	chart_draw(const char *events_path, const char *out_path,
	    const struct chart_opts *o);

/* The format a file name asks for: .svg, .json (Perfetto), .mmd or .md
   (Mermaid); CHART_AUTO for any other. */
enum chart_format chart_format_of(const char *path);

/*
 * The Mermaid text GitHub draws at most: Mermaid's default maxTextSize,
 * 50000 (mermaid.js.org/config/schema-docs/config-properties-maxtextsize;
 * 5e4 in mermaid 11.17's bundle).  Mermaid measures a text in UTF-16 units
 * after taking its comments out; a count of the bytes of the whole text is
 * never below that.
 */
#define CHART_MERMAID_MAX	50000

#endif
