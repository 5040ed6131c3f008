/*
 * route_infer_windows.c — POST /api/models/{id}/infer?window=S&hop=S:
 * scores per window over a long recording. The model's own recipe
 * (grym/replay.h) is replayed on the asset's audio with its features
 * stage cut into windows of S seconds every hop seconds — the "segment"
 * and "segment_hop" of grym-features --segment, which the infer stage
 * accepts for a model of whole clips (grym-infer(1)) — and each window's
 * vector is scored by the model. Window scores are not stored: the
 * catalog keeps one prediction per asset and model.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/ml.h"
#include "grym/replay.h"
#include "grym/store.h"

/* The model's pipeline with its features stage cut into windows. */
static json_t *windowed(const grym_model *m, double window, double hop, grym_error *err)
{
	const json_t *p = grym_model_pipeline(m);
	json_t *c, *st = NULL;
	size_t i;
	if (!json_is_array(p)) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "the model has no recipe to replay");
		return NULL;
	}
	if (!(c = json_deep_copy(p))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < json_array_size(c); i++) {
		json_t *s = json_array_get(c, i);
		const char *name = json_string_value(json_object_get(s, "stage"));
		if (name && !strcmp(name, "features"))
			st = s;
	}
	if (!st) {
		json_decref(c);
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "the model's recipe has no features stage");
		return NULL;
	}
	json_object_set_new(st, "segment", json_real(window));
	json_object_set_new(st, "segment_hop", json_real(hop));
	return c;
}

/* Labels of one window, the predicted first, then by probability. */
static json_t *window_labels(const grym_model *m, const float *p, int pred)
{
	size_t nc = grym_model_nclasses(m);
	json_t *a = json_array();
	int *used = calloc(nc, sizeof *used);
	if (!a || !used) {
		free(used);
		json_decref(a);
		return NULL;
	}
	for (size_t k = 0; k < nc; k++) {
		size_t best = nc;
		if (k == 0 && pred >= 0 && (size_t)pred < nc) {
			best = (size_t)pred;
		} else {
			for (size_t c = 0; c < nc; c++)
				if (!used[c] && (best == nc || p[c] > p[best]))
					best = c;
		}
		used[best] = 1;
		json_array_append_new(a, json_pack("{s:s, s:f}", "label", grym_model_label(m, best),
						   "probability", (double)p[best]));
	}
	free(used);
	return a;
}

enum MHD_Result serve_infer_windows(serve_req *r, const char *asset, const char *file,
				    double window, double hop)
{
	grym_model_row row = { 0 };
	grym_asset a;
	grym_error err = { 0 };
	grym_model *m = NULL;
	grym_replay *rp = NULL;
	grym_replay_result res = { 0 };
	grym_store_reader *rd = NULL;
	grym_catalog *cat;
	json_t *pipe = NULL, *items = NULL, *out;
	void *bytes = NULL;
	size_t len = 0;
	float *proba = NULL;
	int *pred = NULL;
	char path[PATH_MAX];
	enum MHD_Result ret;
	int status = 0;

	if (!(cat = serve_cat(r, &ret)))
		return ret;
	grym_asset_init(&a);
	if (grym_catalog_get_model(cat, r->param, &row, &err) != GRYM_OK ||
	    grym_catalog_model_bytes(cat, &row, &bytes, &len, &err) != GRYM_OK ||
	    !(m = grym_model_load(bytes, len, &err))) {
		serve_catpool_put(&r->s->cats, cat);
		ret = serve_lib_error(r, &err, NULL);
		goto out;
	}
	if (file)
		snprintf(path, sizeof path, "%s", file);
	else if (grym_catalog_get_asset(cat, asset, &a, &err) != GRYM_OK ||
		 !(rd = grym_catalog_open_asset_object(cat, &a, path, sizeof path, &err))) {
		serve_catpool_put(&r->s->cats, cat);
		ret = serve_lib_error(r, &err, NULL);
		goto out;
	}
	serve_catpool_put(&r->s->cats, cat);
	if (!(pipe = windowed(m, window, hop, &err)) || !(rp = grym_replay_new(pipe, NULL, &err)) ||
	    grym_replay_set_rate(rp, grym_model_rate(m), &err) != GRYM_OK ||
	    grym_replay_file(rp, path, &res, &err) != GRYM_OK)
		status = 422;
	else if (res.dims != grym_model_dims(m)) {
		status = 422;
		grym_error_set(&err, GRYM_ERR_INVALID,
			       "the replay made %zu dimensions, the model takes %zu", res.dims,
			       grym_model_dims(m));
	}
	if (status) {
		/* a staged file's messages would name the staging folder */
		ret = err.code == GRYM_ERR_NOMEM ? MHD_NO
		      : file ? serve_error(r, 422, "unprocessable", "upload",
					   "upload: it cannot be scored (not audio the model's "
					   "recipe reads)")
			     : serve_error(r, 422, "unprocessable", "asset", "%s", err.msg);
		goto out;
	}
	proba = malloc(sizeof *proba * (res.n ? res.n : 1) * grym_model_nclasses(m));
	pred = malloc(sizeof *pred * (res.n ? res.n : 1));
	items = json_array();
	if (!proba || !pred || !items) {
		ret = MHD_NO;
		goto out;
	}
	if (res.n && grym_model_predict(m, res.x, res.n, proba, pred, &err) != GRYM_OK) {
		ret = serve_lib_error(r, &err, NULL);
		goto out;
	}
	for (size_t i = 0; i < res.n; i++) {
		json_t *l = window_labels(m, proba + i * grym_model_nclasses(m), pred[i]);
		json_t *it = l ? json_pack("{s:f, s:f, s:o}", "start", res.start[i], "end", res.end[i],
					   "labels", l) : NULL;
		if (!it || json_array_append_new(items, it)) {
			ret = MHD_NO;
			goto out;
		}
	}
	out = json_pack("{s:s, s:s, s:f, s:f, s:O}", "model", row.id, file ? "upload" : "asset",
			asset, "window", window, "hop", hop, "items",
			items);
	ret = out ? serve_json(r, 200, out) : MHD_NO;
out:
	json_decref(items);
	json_decref(pipe);
	free(proba);
	free(pred);
	grym_replay_result_clear(&res);
	grym_replay_free(rp);
	grym_store_reader_close(rd);
	grym_asset_clear(&a);
	grym_model_free(m);
	free(bytes);
	grym_model_row_clear(&row);
	return ret;
}
