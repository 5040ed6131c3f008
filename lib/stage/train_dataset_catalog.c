/*
 * train_dataset_catalog.c — filling a grym_dataset from feature sets already in
 * the catalog (grym-train --features NAME): the catalog's side of the
 * records route. grym-features in catalog mode stores, per asset, one
 * feature set per feature under its extractor recipe, with the clip
 * summary (mean then std per dimension). This file selects assets (label,
 * split), picks the feature sets named, and rebuilds exactly what
 * `grym-features --features NAMES --summary` would have put on the pipe
 * for the same asset: the vector, its names and the "pipeline" (the
 * asset's recipe chain, then the features stage), so that a model trained
 * either way is the same model and grym-infer can replay it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/features.h"
#include "grym/hash.h"
#include "train_dataset.h"

typedef struct ids {
	char (*id)[GRYM_ID_LEN + 1];
	size_t n, cap;
	const grym_ml_catalog_sel *s;
} ids;

static int collect(void *ud, const grym_asset *a)
{
	ids *v = ud;
	int want = v->s->nlabels == 0;
	for (size_t i = 0; !want && i < v->s->nlabels; i++)
		for (size_t k = 0; !want && a->labels && k < json_array_size(a->labels); k++) {
			const char *l = json_string_value(json_array_get(a->labels, k));
			want = l && !strcmp(l, v->s->labels[i]);
		}
	if (!want)
		return 0;
	if (v->n == v->cap) {
		size_t nc = v->cap ? 2 * v->cap : 64;
		void *p = realloc(v->id, nc * sizeof *v->id);
		if (!p)
			return GRYM_ERR_NOMEM;
		v->id = p;
		v->cap = nc;
	}
	memcpy(v->id[v->n++], a->id, GRYM_ID_LEN + 1);
	return 0;
}

static int count_one(void *ud, const grym_asset *a)
{
	(void)a;
	*(int *)ud = 1;
	return 1;
}

/* The feature sets of one asset for the wanted features. */
typedef struct pick {
	const grym_feature *want;
	int nwant;
	grym_feature_set got[GRYM_FEAT_COUNT];
	int have[GRYM_FEAT_COUNT];
	const char *asset;
	grym_error *err;
} pick;

static int take(void *ud, const grym_feature_set *f)
{
	pick *p = ud;
	json_t *x = json_loads(f->extractor, 0, NULL);
	const char *name = json_string_value(json_object_get(x, "feature"));
	int rc = 0;
	for (int i = 0; name && i < p->nwant; i++) {
		if (strcmp(name, grym_feature_name(p->want[i])))
			continue;
		if (p->have[i]) {
			rc = grym_error_set(p->err, GRYM_ERR_AMBIGUOUS,
					    "asset %s has %s under two extractor recipes (feature sets %.12s and %.12s): "
					    "keep the one meant (grym-catalog rm the other asset's derivative or re-extract)",
					    p->asset, name, p->got[i].id, f->id);
			break;
		}
		grym_feature_set *g = &p->got[i];
		*g = *f;
		g->extractor = strdup(f->extractor);
		g->summary = malloc((size_t)(f->summary_len > 0 ? f->summary_len : 1) * sizeof(float));
		if (!g->extractor || !g->summary) {
			free(g->extractor);
			free(g->summary);
			memset(g, 0, sizeof *g);
			rc = grym_error_set(p->err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		if (f->summary_len > 0)
			memcpy(g->summary, f->summary, (size_t)f->summary_len * sizeof(float));
		p->have[i] = 1;
	}
	json_decref(x);
	return rc;
}

static void pick_clear(pick *p)
{
	for (int i = 0; i < p->nwant; i++)
		if (p->have[i])
			grym_feature_set_clear(&p->got[i]);
}

/* The recipes that made asset `id` from its source, oldest first. */
static int chain_of(grym_catalog *cat, const grym_asset *a, json_t *out, grym_error *err)
{
	grym_asset cur;
	int rc = GRYM_OK, depth = 0;
	if (!a->recipe)
		return GRYM_OK;
	json_t *r = json_loads(a->recipe, 0, NULL);
	if (!r)
		return grym_error_set(err, GRYM_ERR_FORMAT, "asset %s: recipe is not JSON", a->id);
	json_array_insert_new(out, 0, r);
	char parent[GRYM_ID_LEN + 1];
	memcpy(parent, a->parent, sizeof parent);
	while (parent[0] && depth++ < 64) {
		if ((rc = grym_catalog_get_asset(cat, parent, &cur, err)))
			return rc;
		if (cur.recipe) {
			if (!(r = json_loads(cur.recipe, 0, NULL)))
				rc = grym_error_set(err, GRYM_ERR_FORMAT, "asset %s: recipe is not JSON", cur.id);
			else
				json_array_insert_new(out, 0, r);
		}
		memcpy(parent, cur.parent, sizeof parent);
		grym_asset_clear(&cur);
		if (rc)
			return rc;
	}
	return GRYM_OK;
}

/* The names of the source that asset a was derived from (its root),
 * tab-separated, into *out (NULL when it has none). */
static int source_paths(grym_catalog *cat, const grym_asset *a, char **out, grym_error *err)
{
	grym_asset cur;
	int rc = GRYM_OK, depth = 0, have = 0;
	char parent[GRYM_ID_LEN + 1];
	const json_t *paths = a->paths;
	*out = NULL;
	memcpy(parent, a->parent, sizeof parent);
	grym_asset_init(&cur);
	while (parent[0] && depth++ < 64) {
		if (have)
			grym_asset_clear(&cur);
		if ((rc = grym_catalog_get_asset(cat, parent, &cur, err)))
			return rc;
		have = 1;
		paths = cur.paths;
		memcpy(parent, cur.parent, sizeof parent);
	}
	size_t len = 1, i;
	json_t *v;
	json_array_foreach(paths, i, v)
		len += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	if (json_array_size(paths) && (*out = calloc(len, 1)))
		json_array_foreach(paths, i, v) {
			if (i)
				strcat(*out, "\t");
			strcat(*out, json_string_value(v) ? json_string_value(v) : "");
		}
	if (json_array_size(paths) && !*out)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (have)
		grym_asset_clear(&cur);
	return rc;
}

/* The features stage, in summary form, that made these feature sets. */
static json_t *stage_of(const pick *p, const char *asset, grym_features_plan *plan, grym_error *err)
{
	char *first = NULL;
	json_t *st = NULL;
	for (int i = 0; i < p->nwant; i++) {
		json_t *x = json_loads(p->got[i].extractor, 0, NULL);
		if (!x) {
			grym_error_set(err, GRYM_ERR_FORMAT, "asset %s: extractor recipe is not JSON", asset);
			goto fail;
		}
		json_object_del(x, "feature");
		char *c = grym_recipe_canonical(x);
		if (i == 0) {
			st = x;
			first = c;
			continue;
		}
		json_decref(x);
		int same = c && first && !strcmp(c, first);
		free(c);
		if (!same) {
			grym_error_set(err, GRYM_ERR_INVALID,
				       "asset %s: %s and %s were extracted with different parameters",
				       asset, grym_feature_name(p->want[0]), grym_feature_name(p->want[i]));
			goto fail;
		}
	}
	json_t *names = json_array();
	for (int i = 0; i < p->nwant; i++)
		json_array_append_new(names, json_string(grym_feature_name(p->want[i])));
	json_object_set_new(st, "features", names);
	int rc = grym_features_plan_from_recipe(st, plan, err);
	if (rc) {
		grym_error_prefix(err, rc, "asset %s", asset);
		goto fail;
	}
	plan->summary = 1;
	json_decref(st);
	free(first);
	return grym_features_recipe(plan, -1);
fail:
	json_decref(st);
	free(first);
	return NULL;
}

/* One asset to one row of ds. Returns 1 (skipped, message in err) when
 * it lacks a feature. */
static int add_asset(grym_catalog *cat, const char *id, const grym_feature *want, int nwant,
		     const grym_ml_read_opts *o, grym_dataset **dsp, json_t **pipeline,
		     char **pcanon, char first[GRYM_ID_LEN + 1], grym_error *err)
{
	grym_asset a;
	pick p;
	grym_features_plan plan;
	json_t *pl = NULL, *meta = NULL, *stage = NULL;
	float *vec = NULL;
	char *canon = NULL;
	int rc;

	memset(&p, 0, sizeof p);
	p.want = want;
	p.nwant = nwant;
	p.asset = id;
	p.err = err;
	if ((rc = grym_catalog_get_asset(cat, id, &a, err)))
		return rc;
	if ((rc = grym_catalog_foreach_features(cat, id, take, &p, err)))
		goto out;
	for (int i = 0; i < nwant; i++)
		if (!p.have[i]) {
			rc = 1;
			grym_error_set(err, GRYM_ERR_NOTFOUND, "asset %s has no stored %s features: skipped",
				       id, grym_feature_name(want[i]));
			goto out;
		}
	if (!(pl = json_array()) || (rc = chain_of(cat, &a, pl, err)))
		goto nomem;
	if (!(stage = stage_of(&p, id, &plan, err))) {
		rc = err ? err->code : GRYM_ERR_NOMEM;
		goto out;
	}
	json_array_append(pl, stage);
	canon = json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	if (!canon)
		goto nomem;
	if (!*pcanon) {
		*pcanon = canon;
		canon = NULL;
		snprintf(first, GRYM_ID_LEN + 1, "%s", id);
	} else if (strcmp(*pcanon, canon)) {
		char why[256];
		json_t *fp = json_loads(*pcanon, 0, NULL);
		grym__recipe_diff(pl, fp, why, sizeof why);
		json_decref(fp);
		rc = grym_error_set(err, GRYM_ERR_INVALID,
				    "asset %s was made by another recipe than asset %s (%s): "
				    "select one recipe (--label, --split, or grym-catalog rm the others)",
				    id, first, why);
		goto out;
	}
	/* the vector: per feature, mean then std per dimension */
	grym_fmat m[GRYM_FEAT_COUNT];
	memset(m, 0, sizeof m);
	size_t d = 0;
	for (int i = 0; i < plan.nlist; i++) {
		int k = 0;
		while (k < nwant && want[k] != plan.list[i])
			k++;
		grym_feature_set *f = &p.got[k];
		if (f->summary_len != 2 * f->dims || f->dims <= 0) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "asset %s: %s summary has %d values for %d dimensions",
					    id, grym_feature_name(want[k]), f->summary_len, f->dims);
			goto out;
		}
		m[plan.list[i]].dims = f->dims;
		d += (size_t)f->summary_len;
	}
	if (!(vec = malloc(d * sizeof *vec)))
		goto nomem;
	size_t off = 0;
	for (int i = 0; i < plan.nlist; i++) {
		int k = 0;
		while (k < nwant && want[k] != plan.list[i])
			k++;
		memcpy(vec + off, p.got[k].summary, (size_t)p.got[k].summary_len * sizeof *vec);
		off += (size_t)p.got[k].summary_len;
	}
	if (!*dsp) {
		json_t *names = grym_features_names(&plan, m, 1);
		const char **nv = calloc(d, sizeof *nv);
		if (!names || !nv || json_array_size(names) != d) {
			json_decref(names);
			free(nv);
			goto nomem;
		}
		for (size_t j = 0; j < d; j++)
			nv[j] = json_string_value(json_array_get(names, j));
		if ((*dsp = grym_dataset_new(d, err)))
			rc = grym_dataset_set_names(*dsp, nv, err);
		else
			rc = err ? err->code : GRYM_ERR_NOMEM;
		json_decref(names);
		free(nv);
		if (rc)
			goto out;
		if (pipeline && !*pipeline)
			*pipeline = json_incref(pl);
	}
	grym_dataset *ds = *dsp;
	if (d != ds->d) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "asset %s has %zu dimensions, the first asset had %zu",
				    id, d, ds->d);
		goto out;
	}
	if (!(meta = grym_asset_to_json(&a)))
		goto nomem;
	char lb[64], gb[64], sb[64];
	const char *label, *group = NULL;
	const json_t *cands;
	if ((rc = grym__train_label_of(meta, id, o, lb, sizeof lb, &label, &cands, err)))
		goto out;
	if (o->rates)   /* features at the recipe's rate, or the asset's own */
		grym_rate_tally_add(o->rates, plan.rate > 0 ? plan.rate : a.sample_rate);
	if (o->group_by && !(group = grym__train_field(meta, o->group_by, gb, sizeof gb))) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "asset %s has no '%s' (--group-by)", id, o->group_by);
		goto out;
	}
	if ((rc = grym_dataset_add(ds, id, vec, label, group, err))) {
		grym_error_prefix(err, rc, "asset %s", id);
		goto out;
	}
	/* the files it came from, named if its labels conflict */
	char *files = NULL;
	if ((rc = source_paths(cat, &a, &files, err)))
		goto out;
	rc = grym_dataset_set_origin(ds, ds->n - 1, id, -1, files, cands, err);
	free(files);
	if (rc)
		goto out;
	if (!ds->recipe_item && !(ds->recipe_item = strdup(id)))
		goto nomem;
	const char *sp = grym__train_field(meta, "split", sb, sizeof sb);
	if (sp)
		rc = grym_dataset_set_split(ds, ds->n - 1, grym__train_split_of(sp), err);
	goto out;
nomem:
	if (!rc)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
out:
	pick_clear(&p);
	grym_asset_clear(&a);
	json_decref(pl);
	json_decref(stage);
	json_decref(meta);
	free(vec);
	free(canon);
	return rc;
}

int grym_dataset_read_catalog(grym_catalog *cat, const grym_ml_catalog_sel *s,
			      const grym_ml_read_opts *o, grym_dataset **dsp, json_t **pipeline,
			      void (*skip)(void *ud, const char *msg), void *ud,
			      size_t *nskipped, grym_error *err)
{
	grym_feature want[GRYM_FEAT_COUNT];
	int nwant = 0, rc = GRYM_OK;
	char *list = strdup(s->features ? s->features : ""), *save = NULL, *canon = NULL;
	char first[GRYM_ID_LEN + 1] = "";
	ids v = { 0 };
	v.s = s;

	if (nskipped)
		*nskipped = 0;
	if (!list)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		grym_feature f;
		if ((rc = grym_feature_lookup(t, &f, err)))
			goto out;
		for (int i = 0; i < nwant; i++)
			if (want[i] == f) {
				rc = grym_error_set(err, GRYM_ERR_INVALID, "feature %s listed twice", t);
				goto out;
			}
		if (nwant == GRYM_FEAT_COUNT)
			break;
		want[nwant++] = f;
	}
	if (!nwant) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "no feature named");
		goto out;
	}
	grym_asset_query q = { 0 };
	if (s->nlabels == 1)
		q.label = s->labels[0];
	if (s->split) {
		q.meta_key = "split";
		q.meta_value = s->split;
	}
	rc = grym_catalog_foreach_asset(cat, &q, collect, &v, err);
	if (rc == GRYM_ERR_NOMEM)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc)
		goto out;
	for (size_t i = 0; i < v.n; i++) {
		int child = 0;
		grym_asset_query cq = { 0 };
		cq.parent = v.id[i];
		cq.limit = 1;
		rc = grym_catalog_foreach_asset(cat, &cq, count_one, &child, err);
		if (rc < 0)
			goto out;
		if (child)
			continue;
		rc = add_asset(cat, v.id[i], want, nwant, o, dsp, pipeline, &canon, first, err);
		if (rc == 1) {
			if (skip)
				skip(ud, err ? err->msg : "an asset has no stored features");
			if (nskipped)
				(*nskipped)++;
			rc = GRYM_OK;
		} else if (rc) {
			goto out;
		}
	}
out:
	free(list);
	free(v.id);
	free(canon);
	return rc;
}
