/* test_infer_params.c — the infer stage's parameter table: defaults (one
 * label, one job, no model), ranges, --model required and not empty,
 * nothing a recipe key, and the JSON Schema naming every option, --model
 * as required, the command line's own matters left out of the API's. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "core/schema_int.h"
#include "grym/infer_params.h"

int main(void)
{
	tap_plan(11);
	const grym_schema *s = grym_infer_schema();
	grym_error err = { 0 };
	grym_infer_params p;

	memset(&p, 0x55, sizeof p);
	TAP_EQ_INT(grym_schema_defaults(s, &p, &err), GRYM_OK, "defaults");
	TAP_OK(p.top == 1 && p.jobs == 1 && !p.model && !p.output && !p.jsonl && !p.tsv && !p.verify,
	       "one label, one job, no model: grym-infer -m MODEL alone");
	TAP_EQ_INT(grym_schema_set(s, &p, "model", "", &err), GRYM_ERR_INVALID, "an empty model name");
	TAP_EQ_INT(grym_schema_set(s, &p, "m", "x", &err), GRYM_ERR_INVALID, "short names are the command line's");
	TAP_EQ_INT(grym_schema_set(s, &p, "top", "0", &err), GRYM_ERR_INVALID, "--top 0");
	TAP_EQ_STR(err.msg, "--top: 0 is out of range (1 to 1000000)", "named, with its range");
	TAP_EQ_INT(grym_schema_set(s, &p, "jobs", "257", &err), GRYM_ERR_INVALID, "-j 257");
	TAP_EQ_INT(grym_schema_set_json(s, &p, "{\"model\": \"sounds\", \"top\": 3, \"verify\": true}", &err),
		   GRYM_OK, "an API body");
	TAP_OK(p.model && !strcmp(p.model, "sounds") && p.top == 3 && p.verify, "applied");

	char *js = grym_schema_json(s, 0);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL, *props = json_object_get(j, "properties");
	TAP_OK(props && json_object_size(props) == 4 && json_object_get(props, "model") &&
	       !json_object_get(props, "jsonl") && !json_object_get(props, "output"),
	       "the API's schema: model, top, jobs, verify");
	free(js);
	json_decref(j);
	js = grym_schema_json(s, 1);
	j = js ? json_loads(js, 0, NULL) : NULL;
	props = json_object_get(j, "properties");
	int bad = 0, n = 0;
	for (const grym_param *q = s->params; q->name; q++, n++) {
		char k[64];
		json_t *e = json_object_get(props, grym_param_key(q, k, sizeof k));
		bad += !e || !json_is_false(json_object_get(e, "x-grym-recipe"));
	}
	TAP_OK(bad == 0 && n == 7 && json_object_size(props) == 7 &&
	       !strcmp(json_string_value(json_array_get(json_object_get(j, "required"), 0)), "model"),
	       "--schema: every option, none a recipe key, the model required");
	free(js);
	json_decref(j);
	grym_schema_clear(s, &p);
	return tap_done();
}
