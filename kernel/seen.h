/*
 * seen.h - the texts delivered to a child, each kept once, for
 * `expect NAME received "TEXT"`.
 *
 * A set of strings with O(1) adds and lookups, bounded: past
 * MIPC_RECEIVED_MAX distinct texts new ones are not kept, and the set says
 * so, so an expect can tell "not received" from "not remembered".
 */
#ifndef MIPC_SEEN_H
#define MIPC_SEEN_H

#include <stddef.h>
#include <stdint.h>

struct seen_text {
	char		*text;		/* NULL: the place is empty */
	size_t		 len;
	uint32_t	 hash;
};

struct seen {
	struct seen_text *tab;		/* open addressing, size a power of two */
	unsigned	 size;
	unsigned	 n;
	int		 full;		/* a text was not kept */
};

/* Keeps text (n bytes) unless it is kept already. */
void	seen_add(struct seen *s, const char *text, size_t n);
/* Whether text (n bytes) is kept. */
int	seen_has(const struct seen *s, const char *text, size_t n);
/* Frees every text; the set is empty and usable again. */
void	seen_free(struct seen *s);

#endif
