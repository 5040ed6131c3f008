/*
 * route_models.c — GET /api/models (a page), GET /api/models/{id} (in
 * full: metrics, per-class table, confusion, out-of-fold predictions) and
 * POST /api/models/{id}/infer on an asset: the infer stage
 * (grym/stage_infer.h) run on the request's thread with the catalog, its
 * predictions (every label, most probable first) collected as JSON;
 * with ?window, scores per window (route_infer_windows.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/catalog_page.h"
#include "grym/stage_infer.h"

enum MHD_Result serve_h_models_list(serve_req *r)
{
	long limit = 0;
	char *json = NULL;
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	int rc;

	if (serve_arg_int(r, "limit", 1, GRYM_PAGE_LIMIT_MAX, &limit) < 0)
		return serve_error(r, 400, "bad_request", "limit", "limit: must be 1..%d",
				   GRYM_PAGE_LIMIT_MAX);
	if (!(cat = serve_cat(r, &ret)))
		return ret;
	rc = grym_catalog_model_page(cat, (int)limit, serve_arg(r, "cursor"), &json, &err);
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK)
		return serve_lib_error(r, &err, NULL);
	return serve_json_text(r, 200, json);
}

enum MHD_Result serve_h_model_get(serve_req *r)
{
	char *json = NULL;
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat = serve_cat(r, &ret);
	int rc;

	if (!cat)
		return ret;
	rc = grym_catalog_model_json(cat, r->param, &json, &err);
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK)
		return serve_lib_error(r, &err, NULL);
	return serve_json_text(r, 200, json);
}

/* ---- infer ---- */

typedef struct infer_out {
	json_t *items;          /* one object per prediction */
	char model[GRYM_ID_LEN + 1];
	grym_error failed;      /* the input's failure, if any */
} infer_out;

static int on_begin(void *ud, const grym_model *m, const char *model_id, grym_error *err)
{
	infer_out *o = ud;
	(void)m;
	(void)err;
	snprintf(o->model, sizeof o->model, "%s", model_id ? model_id : "");
	return GRYM_OK;
}

static int on_write(void *ud, const grym_infer_result *res, grym_error *err)
{
	infer_out *o = ud;
	json_t *labels = json_array(), *it;
	for (size_t i = 0; labels && i < res->n; i++)
		json_array_append_new(labels, json_pack("{s:s, s:f}", "label", res->labels[i],
							"probability", (double)res->probs[i]));
	it = labels ? json_pack("{s:o}", "labels", labels) : NULL;
	if (!it)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	json_object_set_new(it, "start", isnan(res->start) ? json_null() : json_real(res->start));
	json_object_set_new(it, "end", isnan(res->end) ? json_null() : json_real(res->end));
	json_array_append_new(o->items, it);
	return GRYM_OK;
}

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	infer_out *o = ud;
	(void)input;
	if (!o->failed.code)
		o->failed = *err;
}

/* The upload of {"upload": ID}: its staged file (malloc'ed), or NULL
 * after answering (404: none of this principal's; 409: incomplete). */
static char *upload_file(serve_req *r, const char *upload, enum MHD_Result *ret)
{
	grym_error err = { 0 };
	char *path = grym_uploads_path(r->s->uploads, upload, r->who.owner, &err);
	if (!path) {
		if (err.code == GRYM_ERR_NOMEM)
			*ret = MHD_NO;
		else if (err.code == GRYM_ERR_NOTFOUND)
			*ret = serve_error(r, 404, "not_found", "upload", "upload: %s", err.msg);
		else
			*ret = serve_error(r, 409, "conflict", "upload", "upload: %s", err.msg);
	}
	return path;
}

enum MHD_Result serve_h_model_infer(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = serve_body_object(r, &ret), *res;
	const char *asset, *upload;
	char id[GRYM_ID_LEN + 1] = "", up[64] = "", *file = NULL;
	infer_out o = { 0 };
	grym_infer_sink sink = { .ud = &o, .begin = on_begin, .write = on_write, .name = "answer" };
	grym_stage_env env = { 0 };
	grym_sources_opts so = { 0 };
	grym_infer_params p = { 0 };
	grym_sources *in = NULL;
	grym_error err = { 0 };
	grym_catalog *cat;
	double window = 0, hop = 0;
	int rc, hw, hh;

	if (!j)
		return ret;
	hw = serve_arg_double(r, "window", &window);
	hh = serve_arg_double(r, "hop", &hop);
	asset = json_string_value(json_object_get(j, "asset"));
	upload = json_string_value(json_object_get(j, "upload"));
	if (hw < 0 || (hw && !(window > 0 && window <= 3600)))
		ret = serve_error(r, 400, "bad_request", "window",
				  "window: must be seconds in (0, 3600]");
	else if (hh < 0 || (hh && !(hop > 0 && hop <= 3600)) || (hh && !hw))
		ret = serve_error(r, 400, "bad_request", "hop",
				  "hop: must be seconds in (0, 3600], with window");
	else if ((!asset || !*asset) == (!upload || !*upload))
		ret = serve_error(r, 400, "bad_request", asset ? "upload" : "asset",
				  "asset: one of an asset id or an upload id is needed");
	else
		ret = MHD_YES;
	if (ret != MHD_YES || r->replied) {
		json_decref(j);
		return ret;
	}
	if (!hh)
		hop = window;
	if (upload) {
		snprintf(up, sizeof up, "%s", upload);   /* j goes below */
		upload = up;
		file = upload_file(r, upload, &ret);
		json_decref(j);
		if (!file)
			return ret;
	} else {
		if (!(cat = serve_cat(r, &ret))) {
			json_decref(j);
			return ret;
		}
		rc = grym_catalog_resolve(cat, asset, id, &err);
		serve_catpool_put(&r->s->cats, cat);
		json_decref(j);
		if (rc != GRYM_OK) {
			if (err.code == GRYM_ERR_NOTFOUND || err.code == GRYM_ERR_AMBIGUOUS)
				return serve_error(r, err.code == GRYM_ERR_NOTFOUND ? 404 : 409,
						   err.code == GRYM_ERR_NOTFOUND ? "not_found"
										 : "ambiguous",
						   "asset", "%s", err.msg);
			return serve_lib_error(r, &err, NULL);
		}
	}
	if (hw) {
		ret = serve_infer_windows(r, file ? upload : id, file, window, hop);
		free(file);
		return ret;
	}
	if (!(o.items = json_array())) {
		free(file);
		return MHD_NO;
	}
	env.catalog_dir = r->s->catalog_dir;
	env.jobs = 1;
	env.failed = on_failed;
	env.ud = &o;
	p.jobs = 1;
	so.flags = GRYM_SOURCES_RECORDS;
	/* an asset: its prediction is stored; a staged file: only answered */
	if (!(in = grym_sources_new(&so, &err)) ||
	    (file ? grym_sources_add(in, file, &err) : grym_sources_add_ref(in, id, &err)) != GRYM_OK)
		rc = err.code ? err.code : GRYM_ERR_NOMEM;
	else
		rc = grym_stage_infer(&env, r->param, in, &p, &sink, &err);
	grym_sources_free(in);
	free(file);
	if (rc != GRYM_OK) {
		json_decref(o.items);
		if (err.code == GRYM_ERR_NOTFOUND || err.code == GRYM_ERR_AMBIGUOUS)
			return serve_error(r, err.code == GRYM_ERR_NOTFOUND ? 404 : 409,
					   err.code == GRYM_ERR_NOTFOUND ? "not_found" : "ambiguous",
					   NULL, "%s", err.msg);
		return serve_lib_error(r, &err, NULL);
	}
	if (o.failed.code) {
		json_decref(o.items);
		/* the message names the input: never the staging folder's path */
		if (upload)
			return serve_error(r, 422, "unprocessable", "upload",
					   "upload: it cannot be scored (not audio the model's recipe "
					   "reads)");
		return serve_error(r, 422, "unprocessable", "asset", "%s", o.failed.msg);
	}
	res = upload ? json_pack("{s:s, s:s, s:o}", "model", o.model, "upload", upload, "items",
				 o.items)
		     : json_pack("{s:s, s:s, s:o}", "model", o.model, "asset", id, "items", o.items);
	return res ? serve_json(r, 200, res) : MHD_NO;
}
