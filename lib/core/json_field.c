/*
 * json_field.c — typed reads of JSON object keys (see grym/json_field.h),
 * one place for the checks and messages every recipe parser needs.
 */
#include "grym/json_field.h"

#include <jansson.h>

int grym_json_number(const json_t *obj, const char *key, const char *what, double *out,
		     grym_error *err)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_number(v))
		return grym_error_set(err, GRYM_ERR_FORMAT, "%s: \"%s\" missing or not a number",
				      what, key);
	*out = json_number_value(v);
	return GRYM_OK;
}

const char *grym_json_string(const json_t *obj, const char *key, const char *what,
			     grym_error *err)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (!s)
		grym_error_set(err, GRYM_ERR_FORMAT, "%s: \"%s\" missing or not a string", what, key);
	return s;
}
