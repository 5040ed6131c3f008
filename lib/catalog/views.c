/*
 * views.c — the views table (schema step 4): derived data the UI looks at,
 * each an object of the store named by (asset, kind, params). The view
 * layer (lib/view/) decides what a view holds; this file only keeps the
 * rows, so all SQL stays in lib/catalog/.
 */
#include "catalog_int.h"
#include "core/error_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

grym_store_reader *grym_catalog_open_view(grym_catalog *cat, const char *asset,
					  const char *kind, const char *params, grym_error *err)
{
	static const char sql[] =
		"SELECT object, bytes FROM views WHERE asset = ?1 AND kind = ?2 AND params = ?3";
	char obj[GRYM_ID_LEN + 1] = "", what[CAT_OBJ_WHAT_MAX];
	int64_t bytes = -1;
	grym_store_reader *r = NULL;
	sqlite3_stmt *st;
	int rc;

	if (!(st = cat_prep(cat, sql, err)))
		return grym__failed(err, GRYM_ERR_DB);
	cat_bind_text(st, 1, asset);
	cat_bind_text(st, 2, kind);
	cat_bind_text(st, 3, params);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(st, 0);
		snprintf(obj, sizeof obj, "%s", o ? o : "");
		bytes = sqlite3_column_int64(st, 1);
	}
	cat_done(st);
	if (rc == SQLITE_DONE)
		return grym__failed(err, grym_error_set(err, GRYM_ERR_NOTFOUND, "no %s view of %s",
							 kind, asset));
	if (rc != SQLITE_ROW)
		return grym__failed(err, cat_db_error(cat, err, "looking up a view"));
	snprintf(what, sizeof what, "object %s of the %s view of %s", obj, kind, asset);
	rc = cat->verify ? cat_check_object(cat, what, obj, bytes, 1, err) : GRYM_OK;
	if (rc == GRYM_OK)
		rc = cat_open_object(cat, what, obj, bytes, &r, err);
	return rc == GRYM_OK ? r : grym__failed(err, rc);
}

int grym_catalog_put_view(grym_catalog *cat, const char *asset, const char *kind,
			  const char *params, const char *object, uint64_t bytes,
			  grym_error *err)
{
	static const char sql[] =
		"INSERT INTO views(asset, kind, params, object, bytes, created)"
		" VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(asset, kind, params) DO UPDATE SET"
		" object = excluded.object, bytes = excluded.bytes, created = excluded.created";
	sqlite3_stmt *st;
	int rc;

	if (!asset || !object || !grym_id_is_full(asset) || !grym_id_is_full(object))
		return grym_error_set(err, GRYM_ERR_INVALID, "a view needs full asset and object ids");
	if (!kind || !*kind || !params)
		return grym_error_set(err, GRYM_ERR_INVALID, "view of %s: no kind or no params", asset);
	if (!grym_store_has(cat->store, object))
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "%s view of %s: object %s is not in the store",
				      kind, asset, object);
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	int exists = cat_asset_exists(cat, asset, err);
	if (exists < 0)
		rc = exists;
	else if (!exists)
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "asset %s not found", asset);
	if (rc == GRYM_OK && !(st = cat_prep(cat, sql, err)))
		rc = GRYM_ERR_DB;
	if (rc == GRYM_OK) {
		cat_bind_text(st, 1, asset);
		cat_bind_text(st, 2, kind);
		cat_bind_text(st, 3, params);
		cat_bind_text(st, 4, object);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)bytes);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "storing a view");
		cat_done(st);
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_drop_views(grym_catalog *cat, const char *asset, int64_t *dropped,
			    grym_error *err)
{
	static const char one[] = "DELETE FROM views WHERE asset = ?1";
	static const char all[] = "DELETE FROM views";
	sqlite3_stmt *st;
	int rc;

	if (dropped)
		*dropped = 0;
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	if (!(st = cat_prep(cat, asset ? one : all, err)))
		rc = GRYM_ERR_DB;
	if (rc == GRYM_OK) {
		if (asset)
			cat_bind_text(st, 1, asset);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "dropping views");
		else if (dropped)
			*dropped = sqlite3_changes(cat->db);
		cat_done(st);
	}
	return cat_wend(cat, rc, err);
}
