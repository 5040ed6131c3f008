/*
 * test_json.c — JSON values at the interface (grym/json.h), used the way
 * a C user without jansson uses them: this file includes no JSON header.
 * Parse, text, free; a value handed to a function of the interface
 * (grym_recipe_canonical); errors naming line and column.
 */
#include <stdlib.h>
#include <string.h>

#include "grym/grym.h"
#include "tap.h"

#ifdef JANSSON_H
#error "test_json.c must build without jansson"
#endif

int main(void)
{
	grym_error err = { 0 };
	grym_json *v;
	char *t;

	tap_plan(11);

	v = grym_json_parse("{\"b\": [1, 2.5, \"x\"], \"a\": null}", &err);
	TAP_OK(v != NULL, "an object parses: %s", err.msg);
	t = grym_json_text(v);
	TAP_EQ_STR(t, "{\"b\":[1,2.5,\"x\"],\"a\":null}", "text is compact and keeps the key order");
	free(t);
	t = grym_recipe_canonical(v);
	TAP_EQ_STR(t, "{\"a\":null,\"b\":[1,2.5,\"x\"]}",
		   "the value is accepted where the interface takes a grym_json (canonical recipe)");
	free(t);
	grym_json_free(v);

	v = grym_json_parse("\"just a string\"", &err);
	t = grym_json_text(v);
	TAP_EQ_STR(t, "\"just a string\"", "a bare string is a JSON text too");
	free(t);
	grym_json_free(v);

	v = grym_json_parse("0.1", &err);
	t = grym_json_text(v);
	TAP_EQ_STR(t, "0.10000000000000001", "a real is written with every digit that round-trips");
	free(t);
	grym_json_free(v);

	v = grym_json_parse("{\"a\": 1,\n \"b\": }", &err);
	TAP_OK(v == NULL, "broken JSON is refused");
	TAP_EQ_INT(err.code, GRYM_ERR_FORMAT, "as a format error");
	TAP_OK(strstr(err.msg, "line 2") != NULL, "naming the line: %s", err.msg);

	v = grym_json_parse("{\"a\": 1, \"a\": 2}", &err);
	TAP_OK(v == NULL && strstr(err.msg, "duplicate"), "a key given twice is refused: %s",
	       err.msg);

	TAP_OK(grym_json_text(NULL) == NULL, "no value, no text");
	grym_json_free(NULL);
	v = grym_json_parse(NULL, &err);
	TAP_OK(v == NULL && err.code == GRYM_ERR_INVALID, "no text is invalid: %s", err.msg);
	return tap_done();
}
