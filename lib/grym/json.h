/*
 * json.h — JSON values at libgrym's interface.
 *
 * Metadata, tags, labels, recipes and metrics are JSON. Where the
 * interface hands one over as a value rather than as text, its type is
 * grym_json: an opaque handle, read and made by the functions below, so
 * a C user needs no JSON library to use libgrym and no JSON library's
 * header is included from here.
 *
 * For code that does use a JSON library: libgrym keeps these values as
 * jansson's, so a grym_json * is a jansson json_t * (the typedef below
 * names jansson's struct tag without including jansson). Code that
 * includes <jansson.h> may pass one for the other; that is how lib/ and
 * the programs use them. Reference counts follow jansson's rules: a
 * function that returns a new value (grym_json_parse, the *_json and
 * *_recipe makers) gives the caller one reference, released with
 * grym_json_free (or json_decref); a value returned as const is borrowed
 * from its owner and lives as long as the owner does.
 */
#ifndef GRYM_JSON_H
#define GRYM_JSON_H
#pragma GCC visibility push(default)

#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct json_t grym_json;

/* Parse JSON text (one value: object, array, string, number, true,
 * false or null) into a new value owned by the caller, or NULL with err
 * set: GRYM_ERR_FORMAT naming the line and column of the first error. */
grym_json *grym_json_parse(const char *text, grym_error *err) GRYM_MUST_CHECK;

/* The value as compact JSON text with object keys in the value's order,
 * malloc'ed and owned by the caller (free()), or NULL when v is NULL or
 * memory runs out. Numbers are written independently of the locale. */
char *grym_json_text(const grym_json *v) GRYM_MUST_CHECK;

/* Release the caller's reference to v (NULL is allowed). */
void grym_json_free(grym_json *v);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
