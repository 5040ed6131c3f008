/*
 * features_recipe.c — the features stage as data: a grym_features_plan to
 * its recipe object and back.
 *
 * The recipe's scalar keys, their types and ranges are the parameter
 * table's (features_params.c), so an option and its recipe key cannot
 * disagree. What is written here by hand is what the table cannot say:
 * "stage", the features list (or the one "feature" of a stored matrix),
 * and the statistics and segments, present only when the plan makes
 * vectors. The command writes the recipe into every record's "pipeline"
 * and the catalog names feature sets by it; a model's pipeline is replayed
 * (lib/pipeline) by reading it back with grym_features_plan_from_recipe.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "core/schema_int.h"
#include "grym/features_params.h"
#include "grym/json_field.h"

void grym_features_plan_default(grym_features_plan *p)
{
	grym_features_params fp;
	memset(&fp, 0, sizeof fp);
	grym_features_opts_default(&fp.plan.fo);   /* the fields no option sets */
	/* the table's defaults cannot fail: no custom parse runs on them but
	 * stats' "mean,std" */
	(void)!grym_schema_defaults(grym_features_schema(), &fp, NULL);
	grym_schema_clear(grym_features_schema(), &fp);
	*p = fp.plan;
}

json_t *grym_features_recipe(const grym_features_plan *p, int feature)
{
	grym_features_params fp;
	json_t *r = json_object();
	if (!r)
		return NULL;
	memset(&fp, 0, sizeof fp);
	fp.plan = *p;
	if (!fp.plan.fo.stft.win_length)   /* "n-fft": the recipe says the number */
		fp.plan.fo.stft.win_length = fp.plan.fo.stft.n_fft;
	json_object_set_new(r, "stage", json_string("features"));
	if (feature >= 0) {
		json_object_set_new(r, "feature", json_string(grym_feature_name((grym_feature)feature)));
	} else {
		json_t *a = json_array();
		for (int i = 0; i < p->nlist; i++)
			json_array_append_new(a, json_string(grym_feature_name(p->list[i])));
		json_object_set_new(r, "features", a);
	}
	if (grym__schema_recipe_add(grym_features_schema(), &fp, r, NULL) != GRYM_OK) {
		json_decref(r);
		return NULL;
	}
	if (feature < 0 && (p->summary || p->segment > 0)) {
		json_t *a = json_array();
		for (int i = 0; i < p->nstats; i++)
			json_array_append_new(a, json_string(grym_stat_name(p->stats[i])));
		json_object_set_new(r, "stats", a);
		if (p->segment > 0) {
			json_object_set_new(r, "segment", json_real(p->segment));
			json_object_set_new(r, "segment_hop", json_real(p->segment_hop));
		}
	}
	return r;
}

/* ---- the inverse ---- */

static int get_num(const json_t *r, const char *key, double *out, grym_error *err)
{
	return grym_json_number(r, key, "features recipe", out, err);
}

int grym_features_plan_from_recipe(const json_t *recipe, grym_features_plan *out, grym_error *err)
{
	/* the keys read here; the table reads the rest */
	static const char *const own[] = { "stage", "features", "stats", "segment", "segment_hop", NULL };
	grym_features_params fp;
	grym_features_plan *p = &fp.plan;
	const char *s;
	const json_t *v, *a;
	size_t i;
	int rc;

	if (!json_is_object(recipe))
		return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: not a JSON object");
	s = json_string_value(json_object_get(recipe, "stage"));
	if (!s || strcmp(s, "features"))
		return grym_error_set(err, GRYM_ERR_FORMAT, "not a features recipe (stage \"%s\")",
				      s ? s : "(none)");
	if (json_object_get(recipe, "feature"))
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "features recipe of one stored feature, not of a features stage");
	memset(&fp, 0, sizeof fp);
	grym_features_plan_default(p);
	/* every scalar key must be there: a recipe names what it made, and a
	 * default filled in for a missing key could name something else */
	if ((rc = grym__schema_recipe_read(grym_features_schema(), &fp, recipe, own, 1,
					   "features recipe", err)) != GRYM_OK)
		return rc;
	a = json_object_get(recipe, "features");
	if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > GRYM_FEAT_COUNT)
		return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: \"features\" missing or not a list");
	json_array_foreach(a, i, v) {
		grym_feature f;
		if (!json_is_string(v))
			return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: a feature name is not a string");
		if ((rc = grym_feature_lookup(json_string_value(v), &f, err)) != GRYM_OK)
			return grym_error_prefix(err, rc, "features recipe");
		for (int j = 0; j < p->nlist; j++)
			if (p->list[j] == f)
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: %s listed twice",
						      json_string_value(v));
		p->list[p->nlist++] = f;
	}
	a = json_object_get(recipe, "stats");
	if (a) {
		if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > GRYM_STAT_COUNT)
			return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: \"stats\" is not a list");
		p->nstats = 0;
		json_array_foreach(a, i, v) {
			grym_stat st[GRYM_STAT_COUNT];
			int n = 0;
			if (!json_is_string(v) || strchr(json_string_value(v), ','))
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: a stat is not a name");
			if ((rc = grym_stats_parse(json_string_value(v), st, &n, err)) != GRYM_OK)
				return grym_error_prefix(err, rc, "features recipe");
			if (n != 1)
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: a stat is not a name");
			p->stats[p->nstats++] = st[0];
		}
		if (json_object_get(recipe, "segment")) {
			if ((rc = get_num(recipe, "segment", &p->segment, err)) ||
			    (rc = get_num(recipe, "segment_hop", &p->segment_hop, err)))
				return rc;
			if (!(p->segment > 0))
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: segment %g", p->segment);
		} else {
			p->summary = 1;
		}
	} else if (json_object_get(recipe, "segment")) {
		return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: \"segment\" without \"stats\"");
	}
	*out = *p;
	return GRYM_OK;
}
