/* test_features_params.c — the features stage's parameter table against
 * the library: its defaults are the extractor's defaults, every recipe key
 * round-trips through grym_features_recipe and back, a recipe's ranges are
 * the options' ranges, and the JSON Schema names every option. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "param_check.h"
#include "core/schema_int.h"
#include "grym/features_params.h"

/* A value other than the default, inside the range. */
static int other_value(const grym_param *p, void *params)
{
	switch (p->type) {
	case GRYM_PARAM_FLAG:
		*grym__param_int(p, params) = !*grym__param_int(p, params);
		return 1;
	case GRYM_PARAM_INT:
		*grym__param_int(p, params) = (int)(p->min + 1 < p->max ? p->min + 1 : p->min);
		return 1;
	case GRYM_PARAM_REAL: {
		double lo = p->min, hi = p->max;
		*grym__param_real(p, params) = hi - lo > 2 ? lo + 1.5 : (lo + hi) / 2;
		return 1;
	}
	case GRYM_PARAM_ENUM:
		*grym__param_int(p, params) = p->choices[1] ? 1 : 0;
		return 1;
	default:
		return 0;
	}
}

int main(void)
{
	tap_plan(8);
	const grym_schema *s = grym_features_schema();
	grym_error err = { 0 };
	grym_features_params lib, table;

	/* the library's defaults, as the extractor has them (plan.fo is at
	 * offset 0: every field before its end is the extractor's) */
	memset(&lib, 0, sizeof lib);
	grym_features_opts_default(&lib.plan.fo);
	memset(&table, 0, sizeof table);
	grym_features_opts_default(&table.plan.fo);
	TAP_EQ_INT(grym_schema_defaults(s, &table, &err), GRYM_OK, "the table's defaults");
	int diff = 0, n = 0;
	for (const grym_param *p = s->params; p->name; p++)
		if ((p->flags & GRYM_PARAM_RECIPE) && !(p->flags & GRYM_PARAM_OWN_KEY) &&
		    p->offset < offsetof(grym_features_params, plan.fo) + sizeof lib.plan.fo) {
			n++;
			diff += !param_same_text(p, &lib, &table);
		}
	TAP_OK(n >= 20 && diff == 0, "every extractor parameter's default in the table is the library's (%d checked)", n);

	/* every scalar recipe key round-trips, each set away from its default */
	int keys = 0, bad = 0;
	for (const grym_param *p = s->params; p->name; p++) {
		grym_features_params a, b;
		json_t *r;
		if (!(p->flags & GRYM_PARAM_RECIPE) || (p->flags & GRYM_PARAM_OWN_KEY))
			continue;
		memset(&a, 0, sizeof a);
		grym_features_plan_default(&a.plan);
		a.plan.list[a.plan.nlist++] = GRYM_FEAT_MFCC;
		if (!other_value(p, &a))
			continue;
		if (!strcmp(p->name, "win-length"))   /* written as the number it stands for */
			a.plan.fo.stft.n_fft = 4096;
		r = grym_features_recipe(&a.plan, -1);
		memset(&b, 0, sizeof b);
		keys++;
		if (!r || grym_features_plan_from_recipe(r, &b.plan, &err) != GRYM_OK) {
			tap_diag("--%s: %s", p->name, err.msg);
			bad++;
		} else {
			bad += !param_same_text(p, &a, &b);
		}
		json_decref(r);
	}
	TAP_OK(keys >= 25 && bad == 0, "every recipe key round-trips (%d keys)", keys);

	/* a recipe value outside the option's range is refused */
	grym_features_plan pl;
	grym_features_plan_default(&pl);
	pl.list[pl.nlist++] = GRYM_FEAT_MEL;
	json_t *r = grym_features_recipe(&pl, -1);
	json_object_set_new(r, "n_fft", json_integer(1 << 30));
	TAP_EQ_INT(grym_features_plan_from_recipe(r, &pl, &err), GRYM_ERR_FORMAT,
		   "n_fft 2^30 in a recipe: the option's range holds there too");
	TAP_OK(strstr(err.msg, "n_fft") && strstr(err.msg, "16777216"), "named, with the range: %s", err.msg);
	json_object_del(r, "hop");
	json_object_set_new(r, "n_fft", json_integer(1024));
	TAP_EQ_INT(grym_features_plan_from_recipe(r, &pl, &err), GRYM_ERR_FORMAT, "a missing key is refused");
	json_decref(r);

	/* the JSON Schema: every option, recipe keys marked */
	char *js = grym_schema_json(s, 1);
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
	TAP_OK(props && missing == 0, "--schema describes every option");
	free(js);
	json_decref(j);
	js = grym_schema_json(s, 0);
	j = js ? json_loads(js, 0, NULL) : NULL;
	TAP_OK(j && !json_object_get(json_object_get(j, "properties"), "output") &&
	       json_object_get(json_object_get(j, "properties"), "n_mels"),
	       "the API's schema leaves out command-line matters (-o) and keeps the rest");
	free(js);
	json_decref(j);
	return tap_done();
}
