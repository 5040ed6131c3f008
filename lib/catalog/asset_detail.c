/*
 * asset_detail.c — one asset as GET /api/assets/ID shows it
 * (grym_catalog_asset_json: its row, lineage, feature sets and
 * predictions) and the edits of PATCH: the whole label set replaced, a
 * metadata patch, each in one transaction built from the single edits of
 * catalog.c (add_label, remove_label, set_meta), so their rules (labels
 * reach derivatives) hold here too.
 */
#include "catalog_int.h"
#include "grym/catalog_page.h"
#include "grym/pathname.h"

#include <stdlib.h>
#include <string.h>

/* Run fn in one write transaction; the single edits it calls nest in it
 * as savepoints (cat_wbegin sees a transaction open), so either all of
 * them hold or none. */
static int in_one_tx(grym_catalog *cat, int (*fn)(grym_catalog *, const void *, grym_error *),
		     const void *ud, grym_error *err)
{
	int outer = cat->in_tx, rc;
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	cat->in_tx = 1;
	rc = fn(cat, ud, err);
	cat->in_tx = outer;
	return cat_wend(cat, rc, err);
}

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	char *fixed;
	json_t *j;
	if (!s)
		return json_null();
	/* names come from file names (not always UTF-8) */
	if (!(fixed = grym_utf8_repair((const char *)s, (size_t)sqlite3_column_bytes(st, i))))
		return NULL;
	j = json_string(fixed);
	free(fixed);
	return j;
}

static json_t *json_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	json_t *j = s ? json_loads((const char *)s, JSON_DECODE_ANY, NULL) : NULL;
	return j ? j : json_null();
}

/* What made a derived asset, in one word: its recipe's "stage" (every
 * stage writes one), else its "kind". */
static json_t *recipe_kind(const json_t *recipe)
{
	const json_t *k = json_object_get(recipe, "stage");
	if (!json_is_string(k))
		k = json_object_get(recipe, "kind");
	return json_is_string(k) ? json_string(json_string_value(k)) : json_null();
}

/* Run sql (bound to id) and append one value per row made by row_fn. */
static int rows_into(grym_catalog *cat, const char *sql, const char *id, json_t *arr,
		     json_t *(*row_fn)(sqlite3_stmt *), grym_error *err)
{
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *v = row_fn(st);
		if (!v || json_array_append_new(arr, v)) {
			cat_done(st);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	}
	cat_done(st);
	return rc == SQLITE_DONE ? GRYM_OK : cat_db_error(cat, err, "reading an asset");
}

static json_t *child_row(sqlite3_stmt *st)
{
	json_t *r = json_col(st, 2);
	json_t *o = json_pack("{s:o,s:o,s:o}", "id", text_or_null(st, 0), "name",
			      text_or_null(st, 1), "recipe_kind", recipe_kind(r));
	json_decref(r);
	return o;
}

static json_t *feature_row(sqlite3_stmt *st)
{
	json_t *x = json_col(st, 1);
	const json_t *f = json_object_get(x, "feature");
	json_t *o = json_pack("{s:o,s:o,s:i,s:i,s:i}", "id", text_or_null(st, 0), "extractor",
			      json_is_string(f) ? json_string(json_string_value(f)) : json_null(),
			      "dims", sqlite3_column_int(st, 2), "frames", sqlite3_column_int(st, 3),
			      "summary_len", sqlite3_column_bytes(st, 4) / (int)sizeof(float));
	json_decref(x);
	return o;
}

static json_t *prediction_row(sqlite3_stmt *st)
{
	return json_pack("{s:o,s:o,s:o,s:f,s:I,s:o}", "model", text_or_null(st, 0), "model_name",
			 text_or_null(st, 1), "label", text_or_null(st, 2),
			 "probability", sqlite3_column_double(st, 3),
			 "created", (json_int_t)sqlite3_column_int64(st, 4), "scores", json_col(st, 5));
}

/* The parent as the lineage shows it, or null. */
static int parent_of(grym_catalog *cat, const char *parent, json_t **out, grym_error *err)
{
	static const char sql[] = "SELECT id, name, kind, recipe FROM assets WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;
	*out = json_null();
	if (!parent[0])
		return GRYM_OK;
	if (!(st = cat_prep(cat, sql, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, parent);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = json_pack("{s:o,s:o,s:o,s:o}", "id", text_or_null(st, 0), "name",
				 text_or_null(st, 1), "kind", text_or_null(st, 2), "recipe",
				 json_col(st, 3));
	cat_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cat_db_error(cat, err, "reading the parent");
	return *out ? GRYM_OK : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

/* The row's own columns the grym_asset struct has no place for. */
static int name_created(grym_catalog *cat, const char *id, json_t *j, grym_error *err)
{
	static const char sql[] = "SELECT name, created FROM assets WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		json_object_set_new(j, "name", text_or_null(st, 0));
		json_object_set_new(j, "created", json_integer(sqlite3_column_int64(st, 1)));
	}
	cat_done(st);
	return rc == SQLITE_ROW ? GRYM_OK : cat_db_error(cat, err, "reading an asset");
}

int grym_catalog_asset_json(grym_catalog *cat, const char *id, char **json, grym_error *err)
{
	static const char children_sql[] =
		"SELECT id, name, recipe FROM assets WHERE parent = ?1 ORDER BY created, id";
	static const char features_sql[] =
		"SELECT id, extractor, dims, frames, summary FROM features WHERE asset = ?1"
		" ORDER BY created, id";
	static const char predictions_sql[] =
		"SELECT p.model, m.name, p.label, p.probability, p.created, p.scores"
		" FROM predictions p JOIN models m ON m.id = p.model WHERE p.asset = ?1"
		" ORDER BY p.created DESC, p.model";
	grym_asset a;
	json_t *j = NULL, *lineage = NULL, *children = json_array(), *features = json_array(),
	       *preds = json_array(), *parent = NULL;
	int rc;

	*json = NULL;
	if ((rc = grym_catalog_get_asset(cat, id, &a, err)) != GRYM_OK)
		goto out;
	if (!(j = grym_asset_to_json(&a)) || !children || !features || !preds) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = name_created(cat, a.id, j, err)) != GRYM_OK ||
	    (rc = parent_of(cat, a.parent, &parent, err)) != GRYM_OK ||
	    (rc = rows_into(cat, children_sql, a.id, children, child_row, err)) != GRYM_OK ||
	    (rc = rows_into(cat, features_sql, a.id, features, feature_row, err)) != GRYM_OK ||
	    (rc = rows_into(cat, predictions_sql, a.id, preds, prediction_row, err)) != GRYM_OK)
		goto out;
	lineage = json_pack("{s:o,s:O,s:o}", "parent", parent, "recipe",
			    json_object_get(j, "recipe"), "children", children);
	parent = children = NULL;
	if (!lineage || json_object_set_new(j, "lineage", lineage) ||
	    json_object_set_new(j, "features", features) ||
	    json_object_set_new(j, "predictions", preds)) {
		features = preds = NULL;
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	features = preds = NULL;
	if (!(*json = json_dumps(j, JSON_COMPACT)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
out:
	grym_asset_clear(&a);
	json_decref(j);
	json_decref(parent);
	json_decref(children);
	json_decref(features);
	json_decref(preds);
	return rc;
}

/* ---- PATCH ---- */

typedef struct label_set {
	const char *id;
	const char *const *labels;
	size_t n;
} label_set;

static int in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, v[i]))
			return 1;
	return 0;
}

static int set_labels_tx(grym_catalog *cat, const void *ud, grym_error *err)
{
	static const char sql[] = "SELECT label FROM asset_labels WHERE asset = ?1 ORDER BY rowid";
	const label_set *ls = ud;
	json_t *have = json_array();
	sqlite3_stmt *st;
	size_t i;
	json_t *v;
	int rc;

	if (!have)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if ((rc = cat_asset_exists(cat, ls->id, err)) <= 0) {
		json_decref(have);
		return rc < 0 ? rc : grym_error_set(err, GRYM_ERR_NOTFOUND, "no asset %s", ls->id);
	}
	if (!(st = cat_prep(cat, sql, err))) {
		json_decref(have);
		return GRYM_ERR_DB;
	}
	cat_bind_text(st, 1, ls->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(have, json_string((const char *)sqlite3_column_text(st, 0)));
	cat_done(st);
	rc = rc == SQLITE_DONE ? GRYM_OK : cat_db_error(cat, err, "reading labels");
	/* what it loses, then what it gains (add_label skips what it has) */
	json_array_foreach(have, i, v)
		if (rc == GRYM_OK && json_string_value(v) &&
		    !in_list(json_string_value(v), ls->labels, ls->n))
			rc = grym_catalog_remove_label(cat, ls->id, json_string_value(v), err);
	for (i = 0; rc == GRYM_OK && i < ls->n; i++) {
		int kept = 0;
		for (size_t k = 0; k < json_array_size(have); k++)
			kept |= !strcmp(ls->labels[i], json_string_value(json_array_get(have, k)));
		/* a label kept is left as it is below the asset too */
		if (!kept)
			rc = grym_catalog_add_label(cat, ls->id, ls->labels[i], err);
	}
	json_decref(have);
	return rc;
}

int grym_catalog_set_labels(grym_catalog *cat, const char *id, const char *const *labels,
			    size_t n, grym_error *err)
{
	label_set ls = { id, labels, n };
	for (size_t i = 0; i < n; i++)
		if (!labels[i] || !*labels[i])
			return grym_error_set(err, GRYM_ERR_INVALID, "labels: an empty label");
	return in_one_tx(cat, set_labels_tx, &ls, err);
}

typedef struct meta_patch {
	const char *id;
	const json_t *patch;
} meta_patch;

static int patch_meta_tx(grym_catalog *cat, const void *ud, grym_error *err)
{
	const meta_patch *mp = ud;
	const char *k;
	json_t *v;
	int rc = cat_asset_exists(cat, mp->id, err);
	if (rc <= 0)
		return rc < 0 ? rc : grym_error_set(err, GRYM_ERR_NOTFOUND, "no asset %s", mp->id);
	rc = GRYM_OK;
	json_object_foreach((json_t *)mp->patch, k, v) {
		if (rc == GRYM_OK)
			rc = grym_catalog_set_meta(cat, mp->id, k, json_is_null(v) ? NULL : v, err);
	}
	return rc;
}

int grym_catalog_patch_meta(grym_catalog *cat, const char *id, const char *patch_json,
			    grym_error *err)
{
	json_error_t je;
	json_t *p = patch_json ? json_loads(patch_json, 0, &je) : NULL;
	const char *k;
	json_t *v;
	int rc;
	if (!json_is_object(p)) {
		json_decref(p);
		return grym_error_set(err, GRYM_ERR_INVALID, "meta: not a JSON object");
	}
	json_object_foreach(p, k, v) {
		if (!*k) {
			json_decref(p);
			return grym_error_set(err, GRYM_ERR_INVALID, "meta: an empty key");
		}
	}
	meta_patch mp = { id, p };
	rc = in_one_tx(cat, patch_meta_tx, &mp, err);
	json_decref(p);
	return rc;
}
