/*
 * merge.c — merging another catalog into this one (grym_catalog_merge) and
 * the asset merge rule that import shares.
 *
 * Objects are copied first, through the store writer (so each is hashed
 * again on the way in and a corrupt object in the other catalog is never
 * copied under its claimed name); then all rows go in one transaction.
 * For each row of the other catalog:
 *   - absent here: inserted;
 *   - present with the same content: nothing changes, except that an
 *     asset's labels and paths are united and its meta keys added where
 *     absent (annotations, not content);
 *   - present with different content: ours is kept and every differing
 *     field is reported as "conflict: asset ID: FIELD differs".
 * Content is every column except the creation time, so merging twice, or
 * merging catalogs filled at different times, changes nothing.
 */
#include "catalog_int.h"
#include "core/error_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int str_differs(const char *a, const char *b)
{
	if (!a || !*a)
		return b && *b;
	if (!b || !*b)
		return 1;
	return strcmp(a, b) != 0;
}

static int json_differs(const json_t *a, const json_t *b)
{
	int ea = !a || (json_is_object(a) && json_object_size(a) == 0);
	int eb = !b || (json_is_object(b) && json_object_size(b) == 0);
	if (ea || eb)
		return ea != eb;
	return !json_equal((json_t *)a, (json_t *)b);
}

/* Report each differing content field; returns how many differ. */
static int asset_conflicts(const grym_asset *ours, const grym_asset *theirs,
			   grym_report_fn report, void *ud)
{
	struct { const char *name; int differs; } f[] = {
		{ "kind", strcmp(ours->kind, theirs->kind) != 0 },
		{ "parent", strcmp(ours->parent, theirs->parent) != 0 },
		{ "object", strcmp(ours->object, theirs->object) != 0 },
		{ "recipe", str_differs(ours->recipe, theirs->recipe) },
		{ "format", str_differs(ours->format, theirs->format) },
		{ "codec", str_differs(ours->codec, theirs->codec) },
		{ "sample_rate", ours->sample_rate != theirs->sample_rate },
		{ "channels", ours->channels != theirs->channels },
		{ "bits", ours->bits != theirs->bits },
		{ "frames", ours->frames != theirs->frames },
		{ "duration", ours->duration != theirs->duration },
		{ "bytes", ours->bytes != theirs->bytes },
		{ "tags", json_differs(ours->tags, theirs->tags) },
	};
	int n = 0;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i].differs) {
			cat_reportf(report, ud, "conflict: asset %s: %s differs", ours->id, f[i].name);
			n++;
		}
	return n;
}

int cat_merge_asset(grym_catalog *cat, const grym_asset *theirs, int64_t *added,
		    int64_t *conflicts, grym_report_fn report, void *ud,
		    grym_error *err)
{
	grym_asset ours;
	int exists = cat_asset_exists(cat, theirs->id, err);
	int rc, created = 0;

	if (exists < 0)
		return exists;
	if (exists) {
		if ((rc = grym_catalog_get_asset(cat, theirs->id, &ours, err)) != GRYM_OK)
			return rc;
		rc = asset_conflicts(&ours, theirs, report, ud);
		grym_asset_clear(&ours);
		if (rc > 0) {
			if (conflicts)
				(*conflicts)++;
			return GRYM_OK;
		}
	}
	rc = grym_catalog_put_asset(cat, theirs, &created, err);
	if (rc == GRYM_OK && created && added)
		(*added)++;
	return rc;
}

int cat_merge_assets(grym_catalog *cat, grym_asset *list, size_t n, int64_t *added,
		     int64_t *conflicts, grym_report_fn report, void *ud,
		     grym_error *err)
{
	/* Parents before children whatever the order of the list: repeat
	 * passes while some asset whose parent is now present is merged. */
	char *done = calloc(n ? n : 1, 1);
	size_t left = n, failed = 0;
	int progress = 1;

	if (!done)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	while (left && progress) {
		progress = 0;
		for (size_t i = 0; i < n; i++) {
			grym_error e = { 0 };
			if (done[i])
				continue;
			if (list[i].parent[0]) {
				int p = cat_asset_exists(cat, list[i].parent, &e);
				if (p == 0)
					continue; /* maybe in a later pass */
			}
			done[i] = 1;
			left--;
			progress = 1;
			if (cat_merge_asset(cat, &list[i], added, conflicts, report, ud, &e) != GRYM_OK) {
				cat_reportf(report, ud, "%s", e.msg);
				failed++;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!done[i]) {
			cat_reportf(report, ud, "asset %s: parent %s is not in the catalog",
				    list[i].id, list[i].parent);
			failed++;
		}
	free(done);
	if (failed)
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "%zu asset%s could not be merged",
				      failed, failed == 1 ? "" : "s");
	return GRYM_OK;
}

/* ---- merge of a whole catalog ---- */

/* Copy one object from the other store into ours through a reader of its
 * store and a writer of ours, which hashes the bytes as they come: an
 * object damaged in the other catalog is refused, never published under
 * its id. */
static int copy_object(grym_catalog *cat, grym_catalog *other, const char *id,
		       grym_error *err)
{
	unsigned char buf[1 << 16];
	char got[GRYM_ID_LEN + 1];
	grym_store_reader *r;
	grym_store_writer *w;
	int64_t n;
	int rc;

	if (grym_store_has(cat->store, id))
		return GRYM_OK;
	if (!(r = grym_store_open_read(other->store, id, err)))
		return grym__status(err);
	if (!(w = grym_store_writer_new(cat->store, err))) {
		grym_store_reader_close(r);
		return err && err->code ? err->code : GRYM_ERR_IO;
	}
	while ((n = grym_store_reader_read(r, buf, sizeof buf, err)) > 0)
		if ((rc = grym_store_writer_write(w, buf, (size_t)n, err)) != GRYM_OK)
			break;
	grym_store_reader_close(r);
	if (n < 0)
		rc = (int)n;
	if (rc != GRYM_OK) {
		grym_store_writer_abort(w);
		return rc;
	}
	/* the writer's own hash: abort rather than publish a mismatch */
	grym_store_writer_peek_id(w, got);
	if (strcmp(got, id) != 0) {
		grym_store_writer_abort(w);
		return grym_error_set(err, GRYM_ERR_CORRUPT, "object %s: content hashes to %s", id,
				      got);
	}
	return grym_store_writer_commit(w, NULL, err);
}

static const char SQL_OTHER_OBJECTS[] =
	"SELECT object FROM assets UNION SELECT object FROM features WHERE object IS NOT NULL"
	" UNION SELECT object FROM models"
	/* a model's out-of-fold predictions (grym-train --cv/--holdout) */
	" UNION SELECT json_extract(training, '$.predictions') FROM models"
	" WHERE json_valid(training) AND json_type(training, '$.predictions') = 'text'";

/* The columns of the tables merged row by row (import uses them too);
 * the key first, the creation time last. */
const char *const cat_feature_cols[] = {
	"id", "asset", "extractor", "frames", "dims", "summary", "object", "created" };
const char *const cat_model_cols[] = {
	"id", "name", "type", "params", "training", "metrics", "object", "created" };
const char *const cat_prediction_cols[] = {
	"model", "asset", "label", "probability", "scores", "created" };

struct merge_ctx {
	grym_catalog *cat;
	int64_t *added, *conflicts;
	grym_report_fn report;
	void *ud;
	int64_t failed;
};

static int merge_visit(void *ud, const grym_asset *a)
{
	struct merge_ctx *m = ud;
	grym_error e = { 0 };
	if (cat_merge_asset(m->cat, a, m->added, m->conflicts, m->report, m->ud, &e) != GRYM_OK) {
		cat_reportf(m->report, m->ud, "%s", e.msg);
		m->failed++;
	}
	return 0;
}

/* Rows of a table without asset-style annotations: insert when absent,
 * report differing columns when present. cols[0..nkey-1] are the key;
 * the last column is the creation time, not compared. */
static int merge_table(grym_catalog *cat, grym_catalog *other, const char *table,
		       const char *src_table, const char *const *cols, int ncols, int nkey, int64_t *added,
		       int64_t *conflicts, struct merge_ctx *m, grym_error *err)
{
	char list[512] = "", where[256] = "", qs[128] = "", sql[1024];
	sqlite3_stmt *src = NULL, *get = NULL, *ins = NULL;
	int rc = GRYM_OK, step;

	for (int i = 0; i < ncols; i++) {
		char buf[64];
		strcat(list, i ? ", " : "");
		strcat(list, cols[i]);
		strcat(qs, i ? ",?" : "?");
		if (i < nkey) {
			snprintf(buf, sizeof buf, "%s%s = ?%d", i ? " AND " : "", cols[i], i + 1);
			strcat(where, buf);
		}
	}
	snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY rowid", list, src_table);
	if (sqlite3_prepare_v2(other->db, sql, -1, &src, NULL) != SQLITE_OK) {
		rc = cat_db_error(other, err, table);
		goto out;
	}
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s", list, table, where);
	if (sqlite3_prepare_v2(cat->db, sql, -1, &get, NULL) != SQLITE_OK) {
		rc = cat_db_error(cat, err, table);
		goto out;
	}
	snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES (%s)", table, list, qs);
	if (sqlite3_prepare_v2(cat->db, sql, -1, &ins, NULL) != SQLITE_OK) {
		rc = cat_db_error(cat, err, table);
		goto out;
	}
	while ((step = sqlite3_step(src)) == SQLITE_ROW) {
		char key[GRYM_ID_LEN * 2 + 8];
		snprintf(key, sizeof key, "%s", sqlite3_column_text(src, 0));
		if (nkey > 1) {
			strcat(key, "/");
			strncat(key, (const char *)sqlite3_column_text(src, 1), GRYM_ID_LEN);
		}
		for (int i = 0; i < nkey; i++)
			sqlite3_bind_value(get, i + 1, sqlite3_column_value(src, i));
		step = sqlite3_step(get);
		if (step == SQLITE_ROW) {
			int diff = 0;
			for (int i = nkey; i < ncols - 1; i++) {
				sqlite3_value *a = sqlite3_column_value(get, i);
				sqlite3_value *b = sqlite3_column_value(src, i);
				int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
				int same = ta == tb;
				if (same && ta == SQLITE_INTEGER)
					same = sqlite3_value_int64(a) == sqlite3_value_int64(b);
				else if (same && ta == SQLITE_FLOAT)
					same = sqlite3_value_double(a) == sqlite3_value_double(b);
				else if (same && ta != SQLITE_NULL)
					same = sqlite3_value_bytes(a) == sqlite3_value_bytes(b) &&
					       memcmp(sqlite3_value_blob(a), sqlite3_value_blob(b),
						      (size_t)sqlite3_value_bytes(a)) == 0;
				if (!same) {
					cat_reportf(m->report, m->ud, "conflict: %s %s: %s differs",
						    table, key, cols[i]);
					diff = 1;
				}
			}
			if (diff)
				(*conflicts)++;
		}
		sqlite3_reset(get);
		if (step == SQLITE_ROW)
			continue;
		if (step != SQLITE_DONE) {
			rc = cat_db_error(cat, err, table);
			goto out;
		}
		for (int i = 0; i < ncols; i++)
			sqlite3_bind_value(ins, i + 1, sqlite3_column_value(src, i));
		step = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (step == SQLITE_DONE) {
			(*added)++;
		} else {
			/* e.g. its asset could not be merged: one row fails, the
			 * others go on. */
			cat_reportf(m->report, m->ud, "%s %s: %s", table, key, sqlite3_errmsg(cat->db));
			m->failed++;
		}
	}
	if (step != SQLITE_DONE)
		rc = cat_db_error(other, err, table);
out:
	sqlite3_finalize(src);
	sqlite3_finalize(get);
	sqlite3_finalize(ins);
	return rc;
}

int cat_merge_extra(grym_catalog *cat, grym_catalog *other, const char *src_prefix,
		    int64_t *added, int64_t *conflicts, int64_t *failed,
		    grym_report_fn report, void *ud, grym_error *err)
{
	static const struct {
		const char *table;
		const char *const *cols;
		int ncols, nkey;
	} tables[] = {
		{ "features", cat_feature_cols, 8, 1 },
		{ "models", cat_model_cols, 8, 1 },
		{ "predictions", cat_prediction_cols, 6, 2 },
	};
	struct merge_ctx m = { cat, added, conflicts, report, ud, 0 };
	int rc = GRYM_OK;

	for (size_t i = 0; rc == GRYM_OK && i < sizeof tables / sizeof tables[0]; i++) {
		char src[128];
		snprintf(src, sizeof src, "%s%s", src_prefix, tables[i].table);
		rc = merge_table(cat, other, tables[i].table, src, tables[i].cols, tables[i].ncols,
				 tables[i].nkey, added, conflicts, &m, err);
	}
	if (failed)
		*failed += m.failed;
	return rc;
}

int grym_catalog_merge(grym_catalog *cat, const char *other_dir,
		       int64_t *added, int64_t *conflicts, grym_report_fn report,
		       void *ud, grym_error *err)
{
	char a[PATH_MAX], b[PATH_MAX];
	int64_t nadded = 0, nconf = 0, other_rows = 0;
	struct merge_ctx m = { cat, &nadded, &nconf, report, ud, 0 };
	grym_catalog *other;
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (added)
		*added = 0;
	if (conflicts)
		*conflicts = 0;
	if (realpath(cat->dir, a) && realpath(other_dir, b) && strcmp(a, b) == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "cannot merge a catalog into itself");
	if (!realpath(other_dir, b))
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "%s: no such catalog", other_dir);
	other = grym_catalog_open(other_dir, err);
	if (!other)
		return err ? err->code : GRYM_ERR_DB;

	/* 1. Objects, each re-hashed on its way in. */
	if (sqlite3_prepare_v2(other->db, SQL_OTHER_OBJECTS, -1, &st, NULL) != SQLITE_OK) {
		rc = cat_db_error(other, err, "listing objects");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		grym_error e = { 0 };
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (copy_object(cat, other, id, &e) != GRYM_OK) {
			cat_reportf(report, ud, "%s: %s", other_dir, e.msg);
			m.failed++;
		}
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		rc = cat_db_error(other, err, "listing objects");
		goto out;
	}

	/* 2. Rows, all in one transaction (each asset in its own savepoint). */
	if ((rc = grym_catalog_begin(cat, err)) != GRYM_OK)
		goto out;
	rc = grym_catalog_foreach_asset(other, NULL, merge_visit, &m, err);
	if (rc == GRYM_OK)
		rc = cat_merge_extra(cat, other, "main.", &other_rows, &nconf, &m.failed,
				     report, ud, err);
	if (rc == GRYM_OK)
		rc = grym_catalog_commit(cat, err);
	else
		grym_catalog_rollback(cat);
	if (rc == GRYM_OK && m.failed)
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%lld item%s of %s could not be merged",
				    (long long)m.failed, m.failed == 1 ? "" : "s", other_dir);
out:
	grym_catalog_close(other);
	if (added)
		*added = nadded;
	if (conflicts)
		*conflicts = nconf;
	return rc;
}
