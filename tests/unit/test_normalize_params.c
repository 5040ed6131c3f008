/* test_normalize_params.c — the normalize stage's parameter table against
 * the library: its defaults, made into a run's options, are
 * grym_normalize_opts_init's; every recipe key round-trips through
 * grym_normalize_recipe and back; a recipe's ranges are the options'
 * ranges (the target's that of the option its mode names); the gain
 * options exclude each other; and the JSON Schema names every option. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "param_check.h"
#include "core/schema_int.h"
#include "grym/hash.h"
#include "grym/normalize_params.h"

/* A value other than the default, inside the range (1 when set). */
static int other_value(const grym_param *p, void *params)
{
	switch (p->type) {
	case GRYM_PARAM_FLAG:
		*grym__param_int(p, params) = !*grym__param_int(p, params);
		return 1;
	case GRYM_PARAM_INT:
		/* bits takes 16, 24, 32: the range's ends */
		*grym__param_int(p, params) = (int)(p->min == 16 ? 24 : p->min + 1 < p->max ? p->min + 1 : p->min);
		return 1;
	case GRYM_PARAM_REAL:
		*grym__param_real(p, params) = p->max - p->min > 2 ? p->min + 1.5 : (p->min + p->max) / 2;
		return 1;
	case GRYM_PARAM_ENUM:
		*grym__param_int(p, params) = 2;
		return 1;
	case GRYM_PARAM_U64:
		*grym__param_u64(p, params) = 0x7edcba9876543210ull;
		return 1;
	default:
		return 0;
	}
}

int main(void)
{
	tap_plan(19);
	const grym_schema *s = grym_normalize_schema();
	grym_error err = { 0 };
	grym_normalize_params table, a, b;
	grym_normalize_opts lib, o;

	/* the defaults: the table's, made into a run's options, are the
	 * library's (the gain, the ceiling, the type included) */
	memset(&table, 0, sizeof table);
	TAP_EQ_INT(grym_schema_defaults(s, &table, &err), GRYM_OK, "the table's defaults");
	TAP_EQ_INT(grym_normalize_params_opts(&table, &o, &err), GRYM_OK, "made into options");
	grym_normalize_opts_init(&lib);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.o = lib;
	b.o = o;
	int diff = 0, n = 0;
	for (const grym_param *p = s->params; p->name; p++)
		if ((p->flags & GRYM_PARAM_RECIPE) && !(p->flags & GRYM_PARAM_OWN_KEY)) {
			n++;
			diff += !param_same_text(p, &a, &b);
		}
	TAP_OK(n == 15 && diff == 0, "every recipe parameter's default is the library's (%d checked)", n);
	TAP_OK(o.mode == lib.mode && o.target == lib.target && o.true_peak == -1 && o.type == GRYM_FILE_WAV,
	       "--lufs -23, the -1 dBTP ceiling, WAV");
	json_t *ro = grym_normalize_recipe(&o), *rl = grym_normalize_recipe(&lib);
	char *js = grym_recipe_canonical(ro), *jl = grym_recipe_canonical(rl);
	TAP_EQ_STR(js, jl, "the default recipe is the library's, byte for byte");
	free(js);
	free(jl);
	json_decref(ro);
	json_decref(rl);

	/* every recipe key round-trips, each set away from its default */
	int keys = 0, bad = 0;
	for (const grym_param *p = s->params; p->name; p++) {
		json_t *r;
		if (!(p->flags & GRYM_PARAM_RECIPE) || (p->flags & GRYM_PARAM_OWN_KEY))
			continue;
		memset(&a, 0, sizeof a);
		grym_normalize_opts_init(&a.o);
		if (!other_value(p, &a))
			continue;
		keys++;
		r = grym_normalize_recipe(&a.o);
		memset(&b, 0, sizeof b);
		if (!r || grym_normalize_opts_from_recipe(r, &b.o, &err) != GRYM_OK) {
			tap_diag("--%s: %s", p->name, err.msg);
			bad++;
		} else {
			bad += !param_same_text(p, &a, &b);
		}
		json_decref(r);
	}
	TAP_OK(keys == 15 && bad == 0, "every recipe key round-trips (%d keys)", keys);

	/* the gain: four options, two keys; each mode comes back */
	bad = 0;
	for (int m = GRYM_GAIN_LUFS; m <= GRYM_GAIN_FIXED; m++) {
		grym_normalize_opts_init(&lib);
		lib.mode = (grym_gain_mode)m;
		lib.target = m == GRYM_GAIN_FIXED ? 6 : -7;
		json_t *r = grym_normalize_recipe(&lib);
		bad += !r || grym_normalize_opts_from_recipe(r, &o, &err) != GRYM_OK || o.mode != lib.mode ||
		       o.target != lib.target;
		json_decref(r);
	}
	TAP_EQ_INT(bad, 0, "lufs, peak, rms and gain come back as mode and target");

	/* a recipe's ranges are the options' */
	grym_normalize_opts_init(&lib);
	json_t *r = grym_normalize_recipe(&lib);
	json_object_set_new(r, "rate", json_integer(2000));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT, "rate 2000 in a recipe is refused");
	TAP_OK(strstr(err.msg, "\"rate\"") && strstr(err.msg, "4000 to 768000"), "with the option's range: %s", err.msg);
	json_object_set_new(r, "rate", json_integer(0));
	json_object_set_new(r, "order", json_integer(1000));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT,
		   "order 1000: the recipe's range was 0..1000, the option's 1..31");
	json_object_set_new(r, "order", json_integer(2));
	json_object_set_new(r, "mode", json_string("peak"));
	json_object_set_new(r, "target", json_real(3));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT, "a peak above 0 dBFS is refused");
	TAP_OK(strstr(err.msg, "-100 to 0") != NULL, "in --peak's range: %s", err.msg);
	json_object_set_new(r, "mode", json_string("gain"));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_OK, "the same target as a gain is taken");
	json_object_set_new(r, "lufs", json_real(-16));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT,
		   "an option's name is no recipe key when the recipe spells it otherwise");
	json_decref(r);

	/* the gain options exclude each other; the API sets them by name */
	TAP_SETUP(grym_schema_defaults(s, &a, &err));
	TAP_EQ_INT(grym_schema_set_json(s, &a, "{\"peak\": -1, \"rms\": -20}", &err), GRYM_OK, "set");
	TAP_EQ_INT(grym_normalize_params_opts(&a, &o, &err), GRYM_ERR_INVALID, "--peak and --rms refused");
	grym_schema_clear(s, &a);
	TAP_SETUP(grym_schema_defaults(s, &a, &err));
	TAP_OK(grym_schema_set_json(s, &a, "{\"rms\": -20, \"limit\": true, \"bits\": \"32f\"}", &err) == GRYM_OK &&
	       grym_normalize_params_opts(&a, &o, &err) == GRYM_OK && o.mode == GRYM_GAIN_RMS &&
	       o.target == -20 && o.true_peak == -1 && o.bits == 32,
	       "rms alone: its mode; --limit brings the -1 dBTP ceiling; bits by word");
	grym_schema_clear(s, &a);

	/* the JSON Schema: every option, recipe keys marked */
	js = grym_schema_json(s, 1);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL;
	json_t *props = json_object_get(j, "properties");
	int missing = 0;
	for (const grym_param *p = s->params; p->name; p++) {
		char k[64];
		json_t *e = json_object_get(props, grym_param_key(p, k, sizeof k));
		if (!e || json_is_true(json_object_get(e, "x-grym-recipe")) != !!(p->flags & GRYM_PARAM_RECIPE)) {
			tap_diag("missing or wrong: %s", k);
			missing++;
		}
	}
	TAP_OK(props && missing == 0 && json_object_size(props) == 28, "--schema describes every option");
	free(js);
	json_decref(j);
	js = grym_schema_json(s, 0);
	j = js ? json_loads(js, 0, NULL) : NULL;
	props = json_object_get(j, "properties");
	TAP_OK(props && !json_object_get(props, "output") && !json_object_get(props, "mono") &&
	       json_object_get(props, "true_peak") && json_object_get(props, "jobs"),
	       "the API's schema leaves out command-line matters (-o, --mono) and keeps the rest");
	free(js);
	json_decref(j);
	return tap_done();
}
