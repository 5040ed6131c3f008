/*
 * route_assets.c — GET /api/assets (a page), GET, PATCH and DELETE
 * /api/assets/{id}: grym/catalog_page.h's calls behind HTTP. Changes and
 * deletions are published as "asset" events; deletions are audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/catalog_page.h"

#define MAX_LABELS 64

typedef struct labels_arg {
	const char *v[MAX_LABELS];
	size_t n;
	int over;
} labels_arg;

static enum MHD_Result collect_label(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	labels_arg *l = cls;
	(void)kind;
	if (strcmp(key, "label"))
		return MHD_YES;
	if (l->n == MAX_LABELS) {
		l->over = 1;
		return MHD_NO;
	}
	l->v[l->n++] = value ? value : "";
	return MHD_YES;
}

enum MHD_Result serve_h_assets_list(serve_req *r)
{
	grym_asset_page_query q = { 0 };
	labels_arg labels = { 0 };
	const char *order = serve_arg(r, "order");
	long limit = 0;
	char *json = NULL;
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	int rc;

	MHD_get_connection_values(r->c, MHD_GET_ARGUMENT_KIND, collect_label, &labels);
	if (labels.over)
		return serve_error(r, 400, "bad_request", "label", "label: at most %d labels",
				   MAX_LABELS);
	if (serve_arg_int(r, "limit", 1, GRYM_PAGE_LIMIT_MAX, &limit) < 0)
		return serve_error(r, 400, "bad_request", "limit", "limit: must be 1..%d",
				   GRYM_PAGE_LIMIT_MAX);
	if (order && strcmp(order, "asc") && strcmp(order, "desc"))
		return serve_error(r, 400, "bad_request", "order", "order: must be asc or desc");
	q.labels = labels.v;
	q.nlabels = labels.n;
	q.kind = serve_arg(r, "kind");
	q.search = serve_arg(r, "q");
	q.sort = serve_arg(r, "sort");
	q.descending = order && !strcmp(order, "desc");
	q.limit = (int)limit;
	q.cursor = serve_arg(r, "cursor");
	if (!(cat = serve_cat(r, &ret)))
		return ret;
	rc = grym_catalog_asset_page(cat, &q, &json, &err);
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK)
		return serve_lib_error(r, &err, NULL);
	return serve_json_text(r, 200, json);
}

enum MHD_Result serve_h_asset_get(serve_req *r)
{
	char id[GRYM_ID_LEN + 1], *json = NULL;
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat = serve_cat(r, &ret);
	int rc;

	if (!cat)
		return ret;
	if (serve_resolve_asset(r, cat, id, &ret) < 0) {
		serve_catpool_put(&r->s->cats, cat);
		return ret;
	}
	rc = grym_catalog_asset_json(cat, id, &json, &err);
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK)
		return serve_lib_error(r, &err, NULL);
	return serve_json_text(r, 200, json);
}

/* An "asset" event {"asset": ID, "change": "changed" or "deleted"} (a
 * job's new assets are {"asset","job","created"}). */
static void publish_asset(serve_req *r, const char *what, const char *id)
{
	json_t *j = json_pack("{s:s, s:s}", "asset", id, "change", what);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text)
		(void)grym_serve_events_publish(r->s->bus, "asset", text);
	free(text);
	json_decref(j);
}

/* The body's "labels" as strings: n, or -1 when it is not an array of
 * strings. */
static long body_labels(json_t *a, const char **v, size_t max)
{
	size_t i;
	json_t *x;
	if (!json_is_array(a) || json_array_size(a) > max)
		return -1;
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			return -1;
		v[i] = json_string_value(x);
	}
	return (long)json_array_size(a);
}

enum MHD_Result serve_h_asset_patch(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = serve_body_object(r, &ret), *labels, *meta;
	const char *v[MAX_LABELS * 16];
	long n = 0;
	char id[GRYM_ID_LEN + 1], *json = NULL, *mtext = NULL;
	grym_error err = { 0 };
	grym_catalog *cat;
	int rc = GRYM_OK;
	const char *key;
	json_t *val;

	if (!j)
		return ret;
	json_object_foreach(j, key, val)
		if (strcmp(key, "labels") && strcmp(key, "meta")) {
			ret = serve_error(r, 400, "bad_request", key,
					  "%s: not a field of an asset's PATCH (labels, meta)", key);
			json_decref(j);
			return ret;
		}
	labels = json_object_get(j, "labels");
	meta = json_object_get(j, "meta");
	if (labels && (n = body_labels(labels, v, sizeof v / sizeof v[0])) < 0) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "labels",
				   "labels: must be an array of strings");
	}
	if (meta && !json_is_object(meta)) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "meta", "meta: must be an object");
	}
	if (meta && !(mtext = json_dumps(meta, JSON_COMPACT))) {
		json_decref(j);
		return MHD_NO;
	}
	if (!(cat = serve_cat(r, &ret))) {
		free(mtext);
		json_decref(j);
		return ret;
	}
	if (serve_resolve_asset(r, cat, id, &ret) < 0) {
		serve_catpool_put(&r->s->cats, cat);
		free(mtext);
		json_decref(j);
		return ret;
	}
	/* both edits or neither */
	rc = grym_catalog_begin(cat, &err);
	if (rc == GRYM_OK && labels)
		rc = grym_catalog_set_labels(cat, id, v, (size_t)n, &err);
	if (rc == GRYM_OK && mtext)
		rc = grym_catalog_patch_meta(cat, id, mtext, &err);
	if (rc == GRYM_OK)
		rc = grym_catalog_commit(cat, &err);
	else
		grym_catalog_rollback(cat);
	if (rc == GRYM_OK)
		rc = grym_catalog_asset_json(cat, id, &json, &err);
	serve_catpool_put(&r->s->cats, cat);
	free(mtext);
	json_decref(j);
	if (rc != GRYM_OK)
		return serve_lib_error(r, &err, NULL);
	publish_asset(r, "changed", id);
	return serve_json_text(r, 200, json);
}

enum MHD_Result serve_h_asset_delete(serve_req *r)
{
	const char *f = serve_arg(r, "force");
	int force = f && (!*f || !strcmp(f, "1") || !strcmp(f, "true"));
	char id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_catalog *cat;
	int rc;

	if (f && !force && strcmp(f, "0") && strcmp(f, "false"))
		return serve_error(r, 400, "bad_request", "force", "force: must be 1, true, 0 or false");
	if (!(cat = serve_cat(r, &ret)))
		return ret;
	if (serve_resolve_asset(r, cat, id, &ret) < 0) {
		serve_catpool_put(&r->s->cats, cat);
		return ret;
	}
	rc = grym_catalog_rm_asset(cat, id, force, &err);
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK) {
		serve_audit(r, "asset.delete", "failed", id);
		return serve_lib_error(r, &err, NULL);
	}
	serve_audit(r, "asset.delete", "ok", id);
	publish_asset(r, "deleted", id);
	return serve_empty(r, 204);
}
