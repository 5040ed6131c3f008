/*
 * json.c — JSON values at the interface (grym/json.h): parse, text, free.
 * A grym_json is a jansson value; these three let a caller without
 * jansson make, read and release one.
 */
#include "grym/json.h"

#include <jansson.h>

grym_json *grym_json_parse(const char *text, grym_error *err)
{
	json_error_t je;
	json_t *v;
	if (!text) {
		grym_error_set(err, GRYM_ERR_INVALID, "JSON text: none given");
		return NULL;
	}
	/* JSON_DECODE_ANY: a bare string or number is a JSON text too */
	v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (!v)
		grym_error_set(err, GRYM_ERR_FORMAT, "JSON text: line %d, column %d: %s", je.line,
			       je.column, je.text);
	return v;
}

char *grym_json_text(const grym_json *v)
{
	if (!v)
		return NULL;
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

void grym_json_free(grym_json *v)
{
	json_decref(v);
}
