/* test_ingest_params.c — the ingest stage's parameter table: its defaults
 * are the library's (the archive cap, one job), --help shows them, sizes
 * and labels are read as the options read them and through the API's
 * JSON, nothing is a recipe key, and the JSON Schema names every option
 * (the command line's own matters left out of the API's). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "core/schema_int.h"
#include "grym/ingest.h"
#include "grym/ingest_params.h"
#include "grym/pool.h"

int main(void)
{
	tap_plan(16);
	const grym_schema *s = grym_ingest_schema();
	grym_error err = { 0 };
	grym_ingest_params p;

	memset(&p, 0x55, sizeof p);
	TAP_EQ_INT(grym_schema_defaults(s, &p, &err), GRYM_OK, "defaults");
	TAP_OK(p.max_bytes == GRYM_INGEST_MAX_BYTES_DEFAULT && p.jobs == 1 && p.label.n == 0 &&
	       !p.manifest && !p.match && !p.output && !p.label_from_dir && !p.probe,
	       "the library's archive cap, one job, no labels, nothing else");
	char *t = grym_param_text(grym_schema_find(s, "max-bytes"), &p);
	TAP_EQ_STR(t, "4294967296", "4G is 2^32 bytes");
	free(t);
	TAP_EQ_STR(grym_schema_find(s, "max-bytes")->def_text, "4G", "--help shows it as 4G");

	/* sizes */
	TAP_EQ_INT(grym_schema_set(s, &p, "max-bytes", "500M", &err), GRYM_OK, "500M");
	TAP_OK(p.max_bytes == 500ull << 20, "powers of 1024");
	TAP_EQ_INT(grym_schema_set(s, &p, "max-bytes", "1TiB", &err), GRYM_OK, "1TiB");
	TAP_OK(p.max_bytes == 1ull << 40, "a tebibyte");
	TAP_EQ_INT(grym_schema_set(s, &p, "max-bytes", "lots", &err), GRYM_ERR_INVALID, "not a size");
	TAP_EQ_STR(err.msg, "--max-bytes: 'lots' is not a size (like 500M or 4G)", "said so");
	TAP_EQ_INT(grym_schema_set(s, &p, "max-bytes", "0", &err), GRYM_ERR_INVALID, "0 bytes is no cap");
	TAP_EQ_INT(grym_schema_set(s, &p, "jobs", "257", &err), GRYM_ERR_INVALID, "-j above GRYM_JOBS_MAX");

	/* the API: labels as a list, sizes as numbers or text */
	TAP_EQ_INT(grym_schema_set_json(s, &p, "{\"label\": [\"dog\", \"noisy\"], \"max_bytes\": \"2G\", "
					"\"label_from_dir\": true}", &err), GRYM_OK, "an API body");
	TAP_OK(p.label.n == 2 && !strcmp(p.label.v[1], "noisy") && p.max_bytes == 2ull << 30 &&
	       p.label_from_dir, "applied");
	TAP_EQ_INT(grym_schema_set_json(s, &p, "{\"output\": \"x\"}", &err), GRYM_ERR_INVALID,
		   "-o is the command line's");

	/* the JSON Schema: every option, none a recipe key */
	char *js = grym_schema_json(s, 1);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL, *props = json_object_get(j, "properties");
	int bad = 0, n = 0;
	for (const grym_param *q = s->params; q->name; q++) {
		char k[64];
		json_t *e = json_object_get(props, grym_param_key(q, k, sizeof k));
		n++;
		if (!e || !json_is_false(json_object_get(e, "x-grym-recipe")) || (q->flags & GRYM_PARAM_RECIPE)) {
			tap_diag("missing or wrong: %s", k);
			bad++;
		}
	}
	TAP_OK(props && bad == 0 && json_object_size(props) == (size_t)n && n == 13,
	       "--schema describes every option (%d), none a recipe key", n);
	free(js);
	json_decref(j);
	grym_schema_clear(s, &p);
	return tap_done();
}
