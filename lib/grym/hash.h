/*
 * hash.h — SHA-256 and grym's content ids.
 *
 * An id is 64 lowercase hex characters of a SHA-256:
 *   - a source asset's id is the SHA-256 of its original bytes;
 *   - a derived asset's id is the SHA-256 of
 *         PARENT_ID "\n" CANONICAL_RECIPE
 *     where CANONICAL_RECIPE is the recipe JSON with sorted keys, compact
 *     separators and no trailing newline (jansson JSON_COMPACT|JSON_SORT_KEYS
 *     |JSON_ENSURE_ASCII, reals printed with 17 significant digits), so the
 *     same parent and recipe give the same id on every machine.
 * Humans may type a unique prefix; streams and exports carry full ids.
 */
#ifndef GRYM_HASH_H
#define GRYM_HASH_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"
#include "grym/json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRYM_ID_LEN 64          /* hex characters, without the NUL */

typedef struct grym_sha256 grym_sha256;

/* Incremental hashing. new returns NULL on allocation failure; the caller
 * owns the result (grym_sha256_free). */
grym_sha256 *grym_sha256_new(void) GRYM_MUST_CHECK;
void grym_sha256_update(grym_sha256 *h, const void *data, size_t len);
/* Write the hex digest (65 bytes with NUL) and reset h for reuse. */
void grym_sha256_final_hex(grym_sha256 *h, char hex[GRYM_ID_LEN + 1]);
void grym_sha256_free(grym_sha256 *h);

/* One-shot hash of a buffer. */
void grym_sha256_hex(const void *data, size_t len, char hex[GRYM_ID_LEN + 1]);
/* Hash a whole file by path. */
int grym_sha256_file(const char *path, char hex[GRYM_ID_LEN + 1], grym_error *err)
	GRYM_MUST_CHECK;

/* Canonical text of a recipe (see above); caller frees with free(). */
char *grym_recipe_canonical(const grym_json *recipe) GRYM_MUST_CHECK;
/* Id of the asset derived from parent_id by recipe. */
int grym_id_derived(const char *parent_id, const grym_json *recipe,
		    char hex[GRYM_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;

/* 1 if s is a full id (64 lowercase hex), 0 otherwise. */
int grym_id_is_full(const char *s);
/* 1 if s could be an id prefix (4..64 hex characters), 0 otherwise. */
int grym_id_is_prefix(const char *s);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
