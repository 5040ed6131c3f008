/*
 * page_int.h — what the paged readers of lib/catalog/ share (asset_page.c,
 * model_page.c): the keyset cursor and the page limit.
 */
#ifndef GRYM_CATALOG_PAGE_INT_H
#define GRYM_CATALOG_PAGE_INT_H

#include <jansson.h>
#include "grym/catalog_page.h"

/* The type a cursor's sort key has: text (name, id), a number
 * (duration), an integer (created, size). */
typedef enum cat_key_type { CAT_KEY_TEXT, CAT_KEY_REAL, CAT_KEY_INT } cat_key_type;

/* A decoded cursor: the last row's sort key (owned) and id. A text key
 * whose bytes are not UTF-8 is {"b64": their base64}; bytes then holds
 * them (owned, nbytes long). */
typedef struct cat_cursor {
	json_t *key;
	char id[GRYM_ID_LEN + 1];
	char *bytes;
	size_t nbytes;
} cat_cursor;

/* The cursor after a row: base64url (no padding) of {"s": sort, "o":
 * "a"|"d", "k": key, "i": id}; malloc'ed, NULL when out of memory. key
 * is borrowed. */
char *cat_cursor_encode(const char *sort, int desc, const json_t *key, const char *id);
/* Read text back into c (c->key owned by the caller: json_decref) for
 * the list sorted by sort in order desc whose keys have type t.
 * GRYM_ERR_INVALID with a message starting "cursor: " when text is not
 * base64url of such an object, names another sort or order, or its key
 * or id has the wrong form. */
int cat_cursor_decode(const char *text, const char *sort, int desc, cat_key_type t,
		      cat_cursor *c, grym_error *err);
void cat_cursor_clear(cat_cursor *c);

/* limit 0 means the default; else it must be 1..GRYM_PAGE_LIMIT_MAX
 * (GRYM_ERR_INVALID, "limit: ..."). */
int cat_page_limit(int limit, int *out, grym_error *err);

/* {"items": items, "next_cursor": next or null, "total": total} as
 * compact JSON into *json; steals items, frees next. */
int cat_page_text(json_t *items, char *next, long long total, char **json, grym_error *err);

#endif
