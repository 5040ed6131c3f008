/* test_train_params.c — the train stage's parameter table against lib/ml:
 * --model's choices are the registry's kinds in order; for every kind the
 * table's defaults, made into hyper-parameters, are the kind's own (so
 * --help's defaults are the library's); every hyper-parameter a kind
 * takes round-trips through the model file's "params", whose keys are the
 * table's for that kind; the kinds a parameter applies to are those lib/ml
 * says use it (x-grym-applies); the API refuses a parameter of another
 * kind; and the JSON Schema names every option. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "core/schema_int.h"
#include "grym/train_params.h"
#include "ml/kind.h"

static int is_hyper(const grym_param *p)
{
	return grym_model_type_uses(GRYM_MODEL_LOGREG, p->name) >= 0;
}

/* A value other than the table's default and the kinds', in range. */
static void other_value(const grym_param *p, grym_train_params *tp)
{
	switch (p->type) {
	case GRYM_PARAM_INT:
		*grym__param_int(p, tp) = (int)p->min + 2;
		break;
	case GRYM_PARAM_REAL:
		*grym__param_real(p, tp) = p->max > 1 ? p->min + 0.25 : (p->min + p->max) / 3;
		break;
	case GRYM_PARAM_ENUM:
		*grym__param_int(p, tp) = 1;
		break;
	case GRYM_PARAM_CUSTOM:
		TAP_SETUP(grym_param_set(p, tp, "32,16", NULL));
		break;
	default:
		break;
	}
}

static int same_text(const grym_param *p, const void *a, const void *b, const char *kind)
{
	char *x = grym_param_text(p, a), *y = grym_param_text(p, b);
	int same = x && y && !strcmp(x, y);
	if (!same)
		tap_diag("%s --%s: %s vs %s", kind, p->name, x ? x : "?", y ? y : "?");
	free(x);
	free(y);
	return same;
}

int main(void)
{
	tap_plan(10);
	const grym_schema *s = grym_train_schema();
	const grym_param *model = grym_schema_find(s, "model");
	int nk = grym_model_type_count();
	grym_error err = { 0 };

	/* the kinds */
	int n = 0, named = 1;
	for (; model->choices[n]; n++)
		named &= n < nk && !strcmp(model->choices[n], grym_model_type_name((grym_model_type)n));
	TAP_OK(n == nk && named, "--model's choices are lib/ml's kinds, in grym_model_type order");

	/* defaults, kind by kind */
	int bad_def = 0, bad_rt = 0, bad_keys = 0, rt = 0;
	for (int k = 0; k < nk; k++) {
		const char *kn = grym_model_type_name((grym_model_type)k);
		grym_train_params tp, a, b;
		grym_ml_params lib;
		memset(&tp, 0, sizeof tp);
		TAP_SETUP(grym_schema_defaults(s, &tp, &err));
		tp.ml.type = (grym_model_type)k;
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		grym_train_params_ml(&tp, &a.ml);
		grym_ml_params_default(&lib, (grym_model_type)k);
		b.ml = lib;
		json_t *ja = ml_params_json(&a.ml), *jb = ml_params_json(&b.ml);
		if (!json_equal(ja, jb)) {
			char *x = json_dumps(ja, JSON_SORT_KEYS), *y = json_dumps(jb, JSON_SORT_KEYS);
			tap_diag("%s: %s vs %s", kn, x, y);
			free(x);
			free(y);
			bad_def++;
		}
		json_decref(ja);
		json_decref(jb);

		/* every hyper-parameter it takes, away from its default, through
		 * the model file's params and back */
		for (const grym_param *p = s->params; p->name; p++) {
			if (!is_hyper(p) || grym_model_type_uses((grym_model_type)k, p->name) != 1)
				continue;
			grym_train_params t2 = tp, back;
			other_value(p, &t2);
			memset(&a, 0, sizeof a);
			grym_train_params_ml(&t2, &a.ml);
			json_t *j = ml_params_json(&a.ml);
			memset(&back, 0, sizeof back);
			grym_ml_params_default(&back.ml, (grym_model_type)k);
			rt++;
			if (ml_params_parse(j, &back.ml, &err) != GRYM_OK || !same_text(p, &t2, &back, kn) ||
			    !same_text(p, &a, &back, kn))
				bad_rt++;
			json_decref(j);
		}
		/* the file's keys are the table's for this kind */
		json_t *j = ml_params_json(&lib);
		size_t want = 0;
		for (const grym_param *p = s->params; p->name; p++) {
			char key[64];
			if (!is_hyper(p) || !grym_param_applies(s, p, k))
				continue;
			want++;
			if (!json_object_get(j, grym_param_key(p, key, sizeof key))) {
				tap_diag("%s: no \"%s\" in the model file", kn, key);
				bad_keys++;
			}
		}
		bad_keys += json_object_size(j) != want;
		json_decref(j);
	}
	TAP_EQ_INT(bad_def, 0, "every kind: the table's defaults are lib/ml's");
	TAP_OK(bad_rt == 0 && rt >= 25, "every hyper-parameter of every kind round-trips (%d)", rt);
	TAP_EQ_INT(bad_keys, 0, "the model file's params are the table's keys for its kind");

	/* applies: lib/ml's word */
	int bad_ap = 0;
	for (const grym_param *p = s->params; p->name; p++)
		for (int k = 0; k < nk; k++) {
			int want = is_hyper(p) ? grym_model_type_uses((grym_model_type)k, p->name) == 1
				 : (!strcmp(p->name, "cv") || !strcmp(p->name, "holdout") ||
				    !strcmp(p->name, "group-by")) ? grym_model_type_supervised((grym_model_type)k)
				 : 1;
			bad_ap += grym_param_applies(s, p, k) != want;
		}
	TAP_EQ_INT(bad_ap, 0, "a parameter applies to the kinds lib/ml says use it");

	/* the API */
	grym_train_params tp;
	memset(&tp, 0, sizeof tp);
	TAP_SETUP(grym_schema_defaults(s, &tp, &err));
	TAP_EQ_INT(grym_schema_set_json(s, &tp, "{\"model\": \"logreg\", \"k\": 3}", &err), GRYM_ERR_INVALID,
		   "k with logreg");
	TAP_EQ_STR(err.msg, "train parameters: \"k\" does not apply to logreg", "named, with the kind");
	TAP_OK(grym_schema_set_json(s, &tp, "{\"model\": \"mlp\", \"hidden\": [64, 32], \"tol\": 0.001}",
				    &err) == GRYM_OK && tp.ml.type == GRYM_MODEL_MLP && tp.ml.nhidden == 2 &&
	       tp.ml.hidden[1] == 32 && tp.ml.tol == 0.001, "mlp with two layers, as numbers");

	/* the JSON Schema */
	char *js = grym_schema_json(s, 1);
	json_t *j = js ? json_loads(js, 0, NULL) : NULL, *props = json_object_get(j, "properties");
	int missing = 0, count = 0;
	for (const grym_param *p = s->params; p->name; p++, count++) {
		char k[64];
		json_t *e = json_object_get(props, grym_param_key(p, k, sizeof k));
		if (!e || json_is_true(json_object_get(e, "x-grym-recipe")) != !!(p->flags & GRYM_PARAM_RECIPE)) {
			tap_diag("missing or wrong: %s", k);
			missing++;
		}
	}
	TAP_OK(props && missing == 0 && json_object_size(props) == (size_t)count,
	       "--schema describes every option (%d)", count);
	json_t *ap = json_object_get(json_object_get(props, "max_iter"), "x-grym-applies");
	TAP_OK(json_array_size(ap) == 2 && !strcmp(json_string_value(json_array_get(ap, 0)), "logreg") &&
	       !strcmp(json_string_value(json_array_get(ap, 1)), "kmeans"),
	       "max_iter applies to logreg and kmeans");
	free(js);
	json_decref(j);
	grym_schema_clear(s, &tp);
	return tap_done();
}
