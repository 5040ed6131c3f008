/*
 * idset.c — a set of content ids (see grym/idset.h): open addressing on
 * the id's own leading bits, which are already uniformly distributed
 * (SHA-256), so no further hashing is needed.
 */
#include "grym/idset.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct grym_idset {
	char (*slot)[GRYM_ID_LEN + 1];   /* "" marks an empty slot */
	size_t cap, n;                   /* cap: a power of two */
};

grym_idset *grym_idset_new(void)
{
	return calloc(1, sizeof(grym_idset));
}

void grym_idset_free(grym_idset *s)
{
	if (s)
		free(s->slot);
	free(s);
}

static size_t home(const char *id, size_t cap)
{
	size_t h = 0;
	for (int i = 0; i < 16 && id[i]; i++)
		h = h * 31 + (unsigned char)id[i];
	return h & (cap - 1);
}

static size_t find(const grym_idset *s, const char *id)
{
	/* a power of two, and never full (load under one half): the probe ends */
	assert(s->cap && (s->cap & (s->cap - 1)) == 0 && s->n < s->cap);
	size_t i = home(id, s->cap);
	while (s->slot[i][0] && strcmp(s->slot[i], id) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

int grym_idset_has(const grym_idset *s, const char *id)
{
	return s && s->cap && s->slot[find(s, id)][0] != '\0';
}

int grym_idset_add(grym_idset *s, const char *id)
{
	if (strlen(id) > GRYM_ID_LEN || !*id)
		return -1;
	if ((s->n + 1) * 2 > s->cap) {   /* keep the load under one half */
		size_t cap = s->cap ? s->cap * 2 : 64;
		grym_idset bigger = { calloc(cap, sizeof *s->slot), cap, 0 };
		if (!bigger.slot)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i][0]) {
				strcpy(bigger.slot[find(&bigger, s->slot[i])], s->slot[i]);
				bigger.n++;
			}
		assert(bigger.n == s->n);   /* every id moved, none merged */
		free(s->slot);
		*s = bigger;
	}
	size_t i = find(s, id);
	if (s->slot[i][0])
		return 0;
	strcpy(s->slot[i], id);
	s->n++;
	assert(s->n * 2 <= s->cap);
	return 1;
}

size_t grym_idset_count(const grym_idset *s)
{
	return s ? s->n : 0;
}
