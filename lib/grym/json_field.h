/*
 * json_field.h — typed reads of one key of a JSON object, for the parsers
 * of recipes and headers (normalize and features recipes...). Each fails
 * with GRYM_ERR_FORMAT and a message naming the document and the key:
 *   normalize recipe: "bits" missing or not an integer
 * and writes *out only on success.
 */
#ifndef GRYM_JSON_FIELD_H
#define GRYM_JSON_FIELD_H
#pragma GCC visibility push(default)

#include "grym/error.h"
#include "grym/json.h"

#ifdef __cplusplus
extern "C" {
#endif


/* A number (integer or real) at obj[key]; `what` names the document in
 * the message. obj is only read, never kept. */
int grym_json_number(const grym_json *obj, const char *key, const char *what, double *out,
		     grym_error *err) GRYM_MUST_CHECK;
/* The string (owned by obj), or NULL after filling err. */
const char *grym_json_string(const grym_json *obj, const char *key, const char *what,
			     grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
