/*
 * embedding.c — every asset's summary vector placed by PCA for the
 * feature explorer (grym/view_embedding.h): the summaries read in one
 * query per feature (grym_catalog_foreach_summary), joined per asset,
 * fitted by grym_pca_new, written as JSON with each point's name and
 * labels and, for a model, whether it got the point right.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog_page.h"
#include "grym/ml_pca.h"
#include "grym/view_embedding.h"

#define MAX_FEATURES 16

/* Per asset, in catalog order: its name, labels and, per feature, the
 * newest summary seen. */
typedef struct point {
	char id[GRYM_ID_LEN + 1];
	char *name, *labels;
	float *vec[MAX_FEATURES];
	int len[MAX_FEATURES];
} point;

typedef struct gather {
	point *p;
	size_t n, cap;
	json_t *index;  /* asset id -> position in p */
	size_t feature; /* the feature being read */
} gather;

static int take(void *ud, const grym_summary_row *r)
{
	gather *g = ud;
	json_t *at = json_object_get(g->index, r->asset);
	point *pt;
	if (!at) {
		if (g->feature > 0)
			return 0; /* lacks an earlier feature: left out anyway */
		if (g->n == g->cap) {
			size_t nc = g->cap ? 2 * g->cap : 256;
			point *np = realloc(g->p, nc * sizeof *np);
			if (!np)
				return GRYM_ERR_NOMEM;
			g->p = np;
			g->cap = nc;
		}
		pt = &g->p[g->n];
		memset(pt, 0, sizeof *pt);
		snprintf(pt->id, sizeof pt->id, "%s", r->asset);
		pt->name = strdup(r->name);
		pt->labels = strdup(r->labels ? r->labels : "[]");
		if (!pt->name || !pt->labels ||
		    json_object_set_new(g->index, r->asset, json_integer((json_int_t)g->n))) {
			free(pt->name);
			free(pt->labels);
			return GRYM_ERR_NOMEM;
		}
		g->n++;
	} else {
		pt = &g->p[json_integer_value(at)];
	}
	float *v = malloc((size_t)r->len * sizeof *v);
	if (!v)
		return GRYM_ERR_NOMEM;
	memcpy(v, r->summary, (size_t)r->len * sizeof *v);
	free(pt->vec[g->feature]); /* a newer set of the same feature wins */
	pt->vec[g->feature] = v;
	pt->len[g->feature] = r->len;
	return 0;
}

static void gather_free(gather *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->p[i].name);
		free(g->p[i].labels);
		for (int f = 0; f < MAX_FEATURES; f++)
			free(g->p[i].vec[f]);
	}
	free(g->p);
	json_decref(g->index);
}

/* The most common length of feature f's summaries among the points that
 * have it (0 when none has). */
static int common_len(const gather *g, size_t f)
{
	int best = 0;
	size_t best_n = 0;
	for (size_t i = 0; i < g->n; i++) {
		size_t c = 0;
		if (!g->p[i].vec[f])
			continue;
		for (size_t k = 0; k < g->n; k++)
			c += g->p[k].vec[f] && g->p[k].len[f] == g->p[i].len[f];
		if (c > best_n || (c == best_n && g->p[i].len[f] < best)) {
			best_n = c;
			best = g->p[i].len[f];
		}
		if (best_n * 2 > g->n)
			break; /* a majority: nothing can beat it */
	}
	return best;
}

/* asset id -> {"true","predicted","correct"} from the model's out-of-fold
 * predictions. */
static int model_map(grym_catalog *cat, const char *model, json_t **map, grym_error *err)
{
	char *text = NULL;
	json_t *m, *it;
	size_t i;
	int rc = grym_catalog_model_json(cat, model, &text, err);
	*map = NULL;
	if (rc != GRYM_OK)
		return rc;
	m = json_loads(text, 0, NULL);
	free(text);
	*map = json_object();
	if (!m || !*map) {
		json_decref(m);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	json_array_foreach(json_object_get(m, "predictions"), i, it)
		json_object_set_new(*map, json_string_value(json_object_get(it, "key")),
				    json_pack("{s:O,s:O,s:O}", "true", json_object_get(it, "true"),
					      "predicted", json_object_get(it, "predicted"),
					      "correct", json_object_get(it, "correct")));
	json_decref(m);
	return GRYM_OK;
}

int grym_view_embedding(grym_catalog *cat, const grym_embedding_query *q, char **json,
			grym_error *err)
{
	gather g = { 0 };
	json_t *out = NULL, *items = NULL, *explained = NULL, *names = NULL, *preds = NULL;
	int lens[MAX_FEATURES], dims, rc = GRYM_OK;
	size_t d = 0, n = 0, skipped = 0, *rows = NULL;
	float *x = NULL;
	grym_pca *pca = NULL;

	*json = NULL;
	if (!q)
		return grym_error_set(err, GRYM_ERR_INVALID, "features: no query");
	dims = q->dims ? q->dims : 3;
	if (q->nfeatures == 0 || q->nfeatures > MAX_FEATURES || !q->features)
		return grym_error_set(err, GRYM_ERR_INVALID, "features: name 1 to %d features",
				      MAX_FEATURES);
	if (dims != 2 && dims != 3)
		return grym_error_set(err, GRYM_ERR_INVALID, "dims: %d is not 2 or 3", dims);
	if (q->model && (rc = model_map(cat, q->model, &preds, err)) != GRYM_OK)
		return rc;
	if (!(g.index = json_object())) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (g.feature = 0; g.feature < q->nfeatures; g.feature++) {
		rc = grym_catalog_foreach_summary(cat, q->features[g.feature], take, &g, err);
		if (rc == GRYM_ERR_NOMEM && (!err || !err->code))
			rc = grym_error_set(err, rc, "out of memory");
		if (rc != GRYM_OK)
			goto out;
		lens[g.feature] = common_len(&g, g.feature);
		d += (size_t)lens[g.feature];
	}
	/* the points with every feature at its common length, in order */
	rows = malloc((g.n ? g.n : 1) * sizeof *rows);
	x = malloc((g.n ? g.n : 1) * (d ? d : 1) * sizeof *x);
	if (!rows || !x) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < g.n; i++) {
		int ok = 1;
		for (size_t f = 0; f < q->nfeatures; f++)
			ok &= g.p[i].vec[f] && g.p[i].len[f] == lens[f];
		if (!ok) {
			skipped++;
			continue;
		}
		float *row = x + n * d;
		for (size_t f = 0; f < q->nfeatures; f++) {
			memcpy(row, g.p[i].vec[f], (size_t)lens[f] * sizeof *row);
			row += lens[f];
		}
		rows[n++] = i;
	}
	if (n >= 2) {
		grym_pca_opts o = { .components = dims, .standardize = q->standardize };
		if (!(pca = grym_pca_new(x, n, d, &o, err))) {
			rc = err ? err->code : GRYM_ERR_INTERNAL;
			goto out;
		}
	}
	items = json_array();
	explained = json_array();
	names = json_array();
	if (!items || !explained || !names) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (int k = 0; pca && k < pca->k; k++)
		json_array_append_new(explained, json_real(pca->ratio[k]));
	for (size_t f = 0; f < q->nfeatures; f++)
		json_array_append_new(names, json_string(q->features[f]));
	for (size_t r = 0; r < n; r++) {
		const point *pt = &g.p[rows[r]];
		double c[3] = { 0, 0, 0 };
		for (int k = 0; pca && k < pca->k; k++)
			c[k] = pca->scores[r * (size_t)pca->k + (size_t)k];
		json_t *lab = json_loads(pt->labels, 0, NULL);
		json_t *it = json_pack("{s:s,s:s,s:o,s:f,s:f}", "id", pt->id, "name", pt->name,
				       "labels", lab ? lab : json_array(), "x", c[0], "y", c[1]);
		if (it && dims == 3)
			json_object_set_new(it, "z", json_real(c[2]));
		if (it && preds) {
			json_t *pr = json_object_get(preds, pt->id);
			json_object_set_new(it, "true", pr ? json_incref(json_object_get(pr, "true")) : json_null());
			json_object_set_new(it, "predicted",
					    pr ? json_incref(json_object_get(pr, "predicted")) : json_null());
			json_object_set_new(it, "correct",
					    pr ? json_incref(json_object_get(pr, "correct")) : json_null());
		}
		if (!it || json_array_append_new(items, it)) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	out = json_pack("{s:O,s:O,s:O,s:I,s:b,s:I}", "items", items, "explained", explained,
			"features", names, "dims", (json_int_t)d, "standardized", q->standardize != 0,
			"skipped", (json_int_t)skipped);
	if (!out || !(*json = json_dumps(out, JSON_COMPACT)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
out:
	json_decref(out);
	json_decref(items);
	json_decref(explained);
	json_decref(names);
	json_decref(preds);
	grym_pca_free(pca);
	gather_free(&g);
	free(rows);
	free(x);
	return rc;
}
