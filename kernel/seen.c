/*
 * seen.c - the texts delivered to a child, each kept once.
 *
 * A child may be sent thousands of different texts, and every delivery asks
 * whether its text is new, so the set is a hash table (linear probing) kept
 * at most half full.  The hash takes sixteen bytes a step: a text may be
 * 254 bytes long and is hashed on every delivery.  Running out of memory,
 * or past MIPC_RECEIVED_MAX texts, a text is not kept and s->full says so.
 */
#include <stdlib.h>
#include <string.h>

#include "param.h"
#include "seen.h"

static uint64_t
mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdu;
	return h ^ h >> 32;
}

static uint32_t
hash(const char *s, size_t n)
{
	uint64_t a = n * 0x9e3779b97f4a7c15u, b = 0xc4ceb9fe1a85ec53u, w, v;

	/* Two chains, sixteen bytes a step: a step waits on its multiply, and
	   the chains wait side by side. */
	for (; n >= 16; s += 16, n -= 16) {
		memcpy(&w, s, 8);
		memcpy(&v, s + 8, 8);
		a = mix(a, w);
		b = mix(b, v);
	}
	if (n >= 8) {
		memcpy(&w, s, 8);
		a = mix(a, w);
		s += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, s, n);
	return (uint32_t)mix(a ^ b, w);
}

/* The place of text, or the empty place where it would go. */
static struct seen_text *
place(const struct seen *s, const char *text, size_t n, uint32_t h)
{
	unsigned i = h & (s->size - 1);

	while (s->tab[i].text != NULL && !(s->tab[i].hash == h &&
	    s->tab[i].len == n && memcmp(s->tab[i].text, text, n) == 0))
		i = (i + 1) & (s->size - 1);
	return &s->tab[i];
}

/* Doubles the table.  Returns 0 or -1. */
static int
grow(struct seen *s)
{
	unsigned size = s->size ? s->size * 2 : 16;
	struct seen_text *old = s->tab, *tab = calloc(size, sizeof *tab);
	unsigned oldsize = s->size;

	if (tab == NULL)
		return -1;
	s->tab = tab;
	s->size = size;
	for (unsigned i = 0; i < oldsize; i++)
		if (old[i].text != NULL)
			*place(s, old[i].text, old[i].len, old[i].hash) = old[i];
	free(old);
	return 0;
}

void
seen_add(struct seen *s, const char *text, size_t n)
{
	uint32_t h = hash(text, n);
	struct seen_text *t;

	if (s->size > 0 && place(s, text, n, h)->text != NULL)
		return;
	if (s->n == MIPC_RECEIVED_MAX ||
	    ((s->n + 1) * 2 > s->size && grow(s) == -1)) {
		s->full = 1;
		return;
	}
	t = place(s, text, n, h);
	if ((t->text = malloc(n + 1)) == NULL) {
		s->full = 1;
		return;
	}
	memcpy(t->text, text, n);
	t->text[n] = '\0';
	t->len = n;
	t->hash = h;
	s->n++;
}

int
seen_has(const struct seen *s, const char *text, size_t n)
{
	return s->size > 0 && place(s, text, n, hash(text, n))->text != NULL;
}

void
seen_free(struct seen *s)
{
	for (unsigned i = 0; i < s->size; i++)
		free(s->tab[i].text);
	free(s->tab);
	memset(s, 0, sizeof *s);
}
