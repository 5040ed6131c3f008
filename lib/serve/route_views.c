/*
 * route_views.c — the UI's views of one asset (/peaks, /spectrogram,
 * /features, /loudness) and GET /api/embedding: query arguments checked
 * here (400 naming the field), the work and its cache in grym/view.h and
 * grym/view_embedding.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "serve_int.h"
#include "grym/view.h"
#include "grym/view_embedding.h"

/* A bad argument: 400 naming it. */
static enum MHD_Result bad(serve_req *r, const char *field, const char *what)
{
	return serve_error(r, 400, "bad_request", field, "%s: %s", field, what);
}

/* The catalog and the asset of the path, or an answer queued. */
static grym_catalog *open_asset(serve_req *r, char id[GRYM_ID_LEN + 1], enum MHD_Result *ret)
{
	grym_catalog *cat = serve_cat(r, ret);
	if (cat && serve_resolve_asset(r, cat, id, ret) < 0) {
		serve_catpool_put(&r->s->cats, cat);
		return NULL;
	}
	return cat;
}

/* start and end (seconds): 0 read, or an answer queued. */
static int range_args(serve_req *r, double *start, double *end, enum MHD_Result *ret)
{
	int hs, he;
	if ((hs = serve_arg_double(r, "start", start)) < 0 || *start < 0) {
		*ret = bad(r, "start", "must be a number of seconds >= 0");
		return -1;
	}
	if ((he = serve_arg_double(r, "end", end)) < 0 || (he && *end < 0)) {
		*ret = bad(r, "end", "must be a number of seconds >= 0");
		return -1;
	}
	if (he && *end <= *start) {
		*ret = bad(r, "start", "must be before end");
		return -1;
	}
	if (!he)
		*end = -1;
	return 0;
}

static const char *const view_fields[] = { "points", "start", "end", "width", "height",
					   "scale", "names", "features", "dims", "model", NULL };

static enum MHD_Result view_text(serve_req *r, grym_catalog *cat, char *text, grym_error *err)
{
	serve_catpool_put(&r->s->cats, cat);
	if (!text)
		return serve_lib_error(r, err, view_fields);
	return serve_json_text(r, 200, text);
}

enum MHD_Result serve_h_asset_peaks(serve_req *r)
{
	grym_peaks_query q = { .points = 1000, .start = 0, .end = -1 };
	char id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	long points = 1000;

	if (serve_arg_int(r, "points", 1, GRYM_PEAKS_POINTS_MAX, &points) < 0)
		return bad(r, "points", "must be 1..100000");
	q.points = (int)points;
	if (range_args(r, &q.start, &q.end, &ret) < 0)
		return ret;
	if (!(cat = open_asset(r, id, &ret)))
		return ret;
	return view_text(r, cat, grym_view_peaks(cat, id, &q, NULL, NULL, &err), &err);
}

enum MHD_Result serve_h_asset_loudness(serve_req *r)
{
	char id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	long points = 0;

	if (serve_arg_int(r, "points", 0, 1000000, &points) < 0)
		return bad(r, "points", "must be 0..1000000 (0: every value)");
	if (!(cat = open_asset(r, id, &ret)))
		return ret;
	return view_text(r, cat, grym_view_loudness(cat, id, (int)points, NULL, NULL, &err), &err);
}

enum MHD_Result serve_h_asset_features(serve_req *r)
{
	char id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	long points = 200;
	char *text;

	if (serve_arg_int(r, "points", 1, 100000, &points) < 0)
		return bad(r, "points", "must be 1..100000");
	if (!(cat = open_asset(r, id, &ret)))
		return ret;
	text = grym_view_features(cat, id, serve_arg(r, "names"), (int)points, NULL, NULL, &err);
	/* the one thing it refuses by name is a feature of names */
	if (!text && err.code == GRYM_ERR_INVALID) {
		serve_catpool_put(&r->s->cats, cat);
		return serve_error(r, 400, "bad_request", "names", "%s", err.msg);
	}
	return view_text(r, cat, text, &err);
}

enum MHD_Result serve_h_asset_spectrogram(serve_req *r)
{
	grym_spectrogram_query q = { 0 };
	const char *scale = serve_arg(r, "scale"), *format = serve_arg(r, "format");
	char id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	grym_spectrogram_view *v;
	long width = 0, height = 0;
	unsigned char *png = NULL;
	size_t len = 0;
	json_t *j;

	if (serve_arg_int(r, "width", 1, 8192, &width) < 0)
		return bad(r, "width", "must be 1..8192");
	if (serve_arg_int(r, "height", 1, 1024, &height) < 0)
		return bad(r, "height", "must be 1..1024");
	if (scale && strcmp(scale, "mel") && strcmp(scale, "linear"))
		return bad(r, "scale", "must be mel or linear");
	if (format && strcmp(format, "json") && strcmp(format, "png"))
		return bad(r, "format", "must be json or png");
	if (range_args(r, &q.start, &q.end, &ret) < 0)
		return ret;
	q.width = (int)width;
	q.height = (int)height;
	q.scale = scale && !strcmp(scale, "linear") ? GRYM_SPEC_SCALE_LINEAR : GRYM_SPEC_SCALE_MEL;
	if (!(cat = open_asset(r, id, &ret)))
		return ret;
	v = grym_view_spectrogram(cat, id, &q, NULL, NULL, &err);
	serve_catpool_put(&r->s->cats, cat);
	if (!v)
		return serve_lib_error(r, &err, view_fields);
	if (format && !strcmp(format, "png")) {
		struct MHD_Response *resp;
		int rc = grym_spectrogram_png(v, &png, &len, &err);
		grym_spectrogram_view_free(v);
		if (rc != GRYM_OK)
			return serve_lib_error(r, &err, NULL);
		resp = MHD_create_response_from_buffer(len, png, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(png);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", "image/png");
		return serve_queue(r, 200, resp);
	}
	/* JSON: the header's fields and "data", the matrix as base64 of
	 * width x height bytes (row 0 the highest band) */
	j = json_loads(v->header, 0, NULL);
	if (j) {
		size_t n = (size_t)v->width * (size_t)v->height;
		size_t blen = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(blen);
		if (b64)
			sodium_bin2base64(b64, blen, v->data, n, sodium_base64_VARIANT_ORIGINAL);
		if (b64)
			json_object_set_new(j, "data", json_string(b64));
		free(b64);
		if (!b64) {
			json_decref(j);
			j = NULL;
		}
	}
	grym_spectrogram_view_free(v);
	return j ? serve_json(r, 200, j) : MHD_NO;
}

/* features=a,b split in place into v (at most max). */
static size_t split(char *s, const char **v, size_t max)
{
	size_t n = 0;
	for (char *p = strtok(s, ","); p && n < max; p = strtok(NULL, ","))
		v[n++] = p;
	return n;
}

enum MHD_Result serve_h_embedding(serve_req *r)
{
	grym_embedding_query q = { 0 };
	const char *f = serve_arg(r, "features"), *std = serve_arg(r, "standardize");
	const char *names[32];
	char *fs = strdup(f ? f : "mfcc"), *json = NULL;
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	long dims = 2;
	int rc;

	if (!fs)
		return MHD_NO;
	if (serve_arg_int(r, "dims", 2, 3, &dims) < 0) {
		free(fs);
		return bad(r, "dims", "must be 2 or 3");
	}
	q.features = names;
	q.nfeatures = split(fs, names, 32);
	q.dims = (int)dims;
	q.standardize = std && (!strcmp(std, "1") || !strcmp(std, "true"));
	q.model = serve_arg(r, "model");
	if (!q.nfeatures) {
		free(fs);
		return bad(r, "features", "names no feature");
	}
	if (!(cat = serve_cat(r, &ret))) {
		free(fs);
		return ret;
	}
	rc = grym_view_embedding(cat, &q, &json, &err);
	serve_catpool_put(&r->s->cats, cat);
	free(fs);
	if (rc != GRYM_OK) {
		/* the model's errors are the model argument's */
		if (err.code == GRYM_ERR_NOTFOUND || err.code == GRYM_ERR_AMBIGUOUS)
			return serve_error(r, err.code == GRYM_ERR_NOTFOUND ? 404 : 409,
					   err.code == GRYM_ERR_NOTFOUND ? "not_found" : "ambiguous",
					   "model", "%s", err.msg);
		return serve_lib_error(r, &err, view_fields);
	}
	return serve_json_text(r, 200, json);
}
