/*
 * idset.h — a set of content ids (64 hex characters), for "have I seen
 * this asset already in this run" questions over any number of inputs.
 */
#ifndef GRYM_IDSET_H
#define GRYM_IDSET_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_idset grym_idset;

/* A new, empty set owned by the caller (grym_idset_free; NULL is fine),
 * or NULL when out of memory. Ids are copied in. */
grym_idset *grym_idset_new(void) GRYM_MUST_CHECK;
void grym_idset_free(grym_idset *s);
/* 1 if added, 0 if it was there already, -1 out of memory (or an id that
 * is empty or longer than GRYM_ID_LEN). */
int grym_idset_add(grym_idset *s, const char *id) GRYM_MUST_CHECK;
/* 1 if id is in s, 0 if not (or s is NULL). */
int grym_idset_has(const grym_idset *s, const char *id);
/* The number of ids added. */
size_t grym_idset_count(const grym_idset *s);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
