/* test_synth_params.c — the synth stage's parameter table against
 * lib/synth: its words are the library's generators, dataset and
 * transformations; every default --help shows is the library's for each
 * word that takes the parameter (those that differ by word named in its
 * def_text); the recipe of every generator holds only the table's keys
 * for that generator, with values the table takes; the API refuses a
 * parameter of another word; the JSON Schema names every option. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "core/schema_int.h"
#include "grym/synth_params.h"

static const char *word_name(int w)
{
	if (w < GRYM_SYNTH_NKINDS)
		return grym_synth_kind_name((grym_synth_kind)w);
	if (w == GRYM_SYNTH_WORD_DATASET)
		return "dataset";
	return grym_xform_name((grym_xform_kind)(w - GRYM_SYNTH_WORD_XFORM(0)));
}

/* The default def_text gives word w: "D; a: X, b: Y" is X for a, else D. */
static int default_for(const char *def_text, const char *word, char *out, size_t len)
{
	char key[64];
	const char *at;
	snprintf(key, sizeof key, "%s: ", word);
	if ((at = strstr(def_text, key)))
		at += strlen(key);
	else
		at = def_text;
	snprintf(out, len, "%.*s", (int)strcspn(at, ";,"), at);
	return 1;
}

int main(void)
{
	tap_plan(9);
	const grym_schema *s = grym_synth_schema();
	const grym_param *gen = grym_schema_find(s, "generator");
	grym_error err = { 0 };

	int n = 0, named = 1;
	for (; gen->choices[n]; n++)
		named &= n < GRYM_SYNTH_WORDS && !strcmp(gen->choices[n], word_name(n));
	TAP_OK(n == GRYM_SYNTH_WORDS && named,
	       "the words are lib/synth's generators, dataset and transformations, in order");

	/* defaults, word by word */
	grym_synth_stage_params table;
	memset(&table, 0, sizeof table);
	TAP_SETUP(grym_schema_defaults(s, &table, &err));
	int bad = 0, checked = 0;
	for (int w = 0; w < GRYM_SYNTH_WORDS; w++) {
		grym_synth_stage_params lib;
		TAP_SETUP(grym_synth_stage_defaults(&lib, w, &err));
		for (const grym_param *p = s->params; p->name; p++) {
			if (!grym_param_applies(s, p, w) || grym_synth_param_global(p) ||
			    p->type == GRYM_PARAM_STRING || p == gen || !strcmp(p->name, "then"))
				continue;
			char *a = grym_param_text(p, &lib), *b = grym_param_text(p, &table), want[64];
			if (p->def_text)
				default_for(p->def_text, word_name(w), want, sizeof want);
			else
				snprintf(want, sizeof want, "%s", b ? b : "?");
			checked++;
			if (!a || strcmp(a, want)) {
				tap_diag("%s --%s: the library's %s, the table's %s", word_name(w), p->name,
					 a ? a : "?", want);
				bad++;
			}
			free(a);
			free(b);
		}
		grym_schema_clear(s, &lib);
	}
	TAP_OK(bad == 0 && checked > 60, "--help's defaults are the library's, for every word (%d)", checked);

	/* recipes: the table's keys for the generator, values it takes */
	int bad_keys = 0, keys = 0;
	for (int k = 0; k < GRYM_SYNTH_NKINDS; k++)
		for (int variant = 0; variant < 2; variant++) {
			grym_synth_stage_params sp, scratch;
			grym_synth_params seg;
			TAP_SETUP(grym_synth_stage_defaults(&sp, k, &err));
			if (variant) {   /* the keys written only sometimes */
				sp.seg.sieve = "3@0|4@1";
				sp.seg.cloud.onset_sieve = "2@0";
			}
			grym_synth_stage_segment(&sp, &seg);
			seg.seed = 7;
			json_t *r = grym_synth_recipe(&seg, 1, 48000, 2), *v;
			const char *key;
			json_object_foreach(r, key, v) {
				const grym_param *p = grym_schema_find(s, key);
				if (!strcmp(key, "stage") || !strcmp(key, "segments"))
					continue;
				TAP_SETUP(grym_synth_stage_defaults(&scratch, k, &err));
				keys++;
				if (!p || grym__param_set_json(p, &scratch, v, key, &err) != GRYM_OK) {
					tap_diag("%s: \"%s\": %s", word_name(k), key, p ? err.msg : "no such parameter");
					bad_keys++;
				}
				grym_schema_clear(s, &scratch);
			}
			json_object_foreach(json_array_get(json_object_get(r, "segments"), 0), key, v) {
				const grym_param *p = grym_schema_find(s, key);
				char k2[64];
				TAP_SETUP(grym_synth_stage_defaults(&scratch, k, &err));
				keys++;
				if (!p || strcmp(grym_param_key(p, k2, sizeof k2), key) ||
				    !grym_param_applies(s, p, k) ||
				    grym__param_set_json(p, &scratch, v, key, &err) != GRYM_OK) {
					tap_diag("%s: \"%s\": %s", word_name(k), key,
						 p ? err.msg : "no such parameter");
					bad_keys++;
				}
				grym_schema_clear(s, &scratch);
			}
			json_decref(r);
			sp.seg.sieve = NULL;
			sp.seg.cloud.onset_sieve = NULL;
			grym_schema_clear(s, &sp);
		}
	TAP_OK(bad_keys == 0 && keys > 80,
	       "every generator's recipe: the table's keys for it, values in its ranges (%d)", keys);

	/* the API */
	grym_synth_stage_params a;
	TAP_SETUP(grym_synth_stage_defaults(&a, GRYM_SYNTH_SINE, &err));
	TAP_EQ_INT(grym_schema_set_json(s, &a, "{\"generator\": \"sine\", \"color\": \"pink\"}", &err),
		   GRYM_ERR_INVALID, "--color with sine");
	TAP_EQ_STR(err.msg, "synth parameters: \"color\" does not apply to sine", "named, with the word");
	TAP_OK(grym_schema_set_json(s, &a, "{\"generator\": \"noise\", \"color\": \"pink\", "
				    "\"duration\": 2}", &err) == GRYM_OK &&
	       a.word == GRYM_SYNTH_NOISE && a.seg.color == GRYM_NOISE_PINK && a.seg.duration == 2,
	       "noise, pink, 2 s");
	TAP_EQ_INT(grym_schema_set_json(s, &a, "{\"generator\": \"cloud\", \"sieve\": \"3@\"}", &err),
		   GRYM_ERR_INVALID, "a sieve that does not parse");
	grym_schema_clear(s, &a);

	/* the JSON Schema */
	char *js = grym_schema_json(s, 1);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL, *props = json_object_get(j, "properties");
	int missing = 0, count = 0;
	for (const grym_param *p = s->params; p->name; p++, count++) {
		char k[64];
		missing += !json_object_get(props, grym_param_key(p, k, sizeof k));
	}
	TAP_OK(props && !missing && json_object_size(props) == (size_t)count,
	       "--schema describes every option and the word (%d)", count);
	json_t *ap = json_object_get(json_object_get(props, "amount"), "x-grym-applies");
	TAP_OK(json_array_size(ap) == 2 && !strcmp(json_string_value(json_array_get(ap, 0)), "randphase") &&
	       !strcmp(json_string_value(json_object_get(json_object_get(props, "generator"), "x-grym-cli")),
		       "GENERATOR"), "amount applies to randphase and smear; the word is GENERATOR");
	free(js);
	json_decref(j);
	return tap_done();
}
