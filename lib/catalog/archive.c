/*
 * archive.c — exporting selected assets to a tar/zip archive and importing
 * such an archive (libarchive).
 *
 * An export holds exactly:
 *     catalog.json      {"format":"grym-catalog-export","version":1,
 *                        "assets":[asset JSON...],
 *                        "features":[row...], "models":[row...],
 *                        "predictions":[row...]} — the selected assets
 *                        and the ancestors of derived ones (so they can be
 *                        re-made), parents before children; the feature
 *                        sets and predictions of those assets; the models
 *                        those predictions name (every model when the
 *                        whole catalog is exported);
 *     objects/<id>      each asset's, feature set's and model's object,
 *                        named by its SHA-256.
 * Entries carry no timestamps, so the same selection exports the same
 * bytes. Each object is checked against the size its row implies, and
 * hashed as it is copied when the catalog verifies (or, for a model,
 * always): a damaged object fails the export before the archive is
 * committed, rather than being found by the import at the other end. Import streams every object member into the store writer and
 * checks that its bytes hash to its name; a member whose name is not one
 * of the two forms above (absolute, "..", anything else) rejects the
 * archive before any row is written. Rows then merge as in merge.c: the
 * feature, model and prediction rows are loaded into temporary tables
 * and merged by the same code that merges another catalog's, so import
 * and merge cannot drift apart again (they once did: an export carried
 * the assets only).
 *
 * Feature, model and prediction rows are JSON objects keyed by column
 * name; a BLOB column (a feature set's summary) is {"hex": "..."}.
 * Archives without those keys (older exports) import as before.
 */
#include "catalog_int.h"
#include "grym/io.h"
#include "grym/progress.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT_FORMAT "grym-catalog-export"
#define EXPORT_VERSION 1
#define CATALOG_JSON_MAX (256u << 20)

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int arch_error(struct archive *ar, grym_error *err, const char *what)
{
	const char *msg = archive_error_string(ar);
	return grym_error_set(err, GRYM_ERR_IO, "%s: %s", what, msg ? msg : "archive error");
}

/* ---- export ---- */

/* libarchive writes through grym_output: a file is written under a
 * temporary name, fsynced and renamed on commit; stdout errors (EPIPE,
 * disk full) come back as errors. */
struct out_ctx {
	grym_output *o;
	grym_error err;
};

void grym_catalog_set_cancel(grym_catalog *cat, const volatile sig_atomic_t *cancel)
{
	cat->cancel = cancel;
}

static la_ssize_t out_write(struct archive *ar, void *ud, const void *buf, size_t len)
{
	struct out_ctx *c = ud;
	if (grym_output_write(c->o, buf, len, &c->err) != GRYM_OK) {
		archive_set_error(ar, EIO, "%s", c->err.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

struct sel_ctx {
	sqlite3_stmt *ins;
	int failed;
};

static int select_visit(void *ud, const grym_asset *a)
{
	struct sel_ctx *s = ud;
	sqlite3_bind_text(s->ins, 1, a->id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s->ins) != SQLITE_DONE)
		s->failed = 1;
	sqlite3_reset(s->ins);
	return s->failed;
}

static const char SQL_SEL_CREATE[] =
	"CREATE TEMP TABLE IF NOT EXISTS grym_export_sel(id TEXT PRIMARY KEY)";
static const char SQL_SEL_CLEAR[] = "DELETE FROM temp.grym_export_sel";

/* The selected ids plus their ancestors, parents first (a parent is always
 * inserted before its children, so rowid order is a topological order). */
static int export_ids(grym_catalog *cat, const grym_asset_query *q,
		      char (**ids)[GRYM_ID_LEN + 1], size_t *n, grym_error *err)
{
	static const char closure[] =
		"WITH RECURSIVE anc(id) AS (SELECT id FROM temp.grym_export_sel"
		" UNION SELECT a.parent FROM assets a JOIN anc ON a.id = anc.id"
		" WHERE a.parent IS NOT NULL)"
		" SELECT a.id FROM assets a WHERE a.id IN anc ORDER BY a.rowid";
	struct sel_ctx s = { 0 };
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = cat_exec(cat, SQL_SEL_CREATE, err)) != GRYM_OK ||
	    (rc = cat_exec(cat, SQL_SEL_CLEAR, err)) != GRYM_OK)
		return rc;
	if (sqlite3_prepare_v2(cat->db, "INSERT OR IGNORE INTO temp.grym_export_sel(id) VALUES (?1)",
			       -1, &s.ins, NULL) != SQLITE_OK) {
		sqlite3_finalize(s.ins);
		return cat_db_error(cat, err, "export");
	}
	rc = grym_catalog_foreach_asset(cat, q, select_visit, &s, err);
	sqlite3_finalize(s.ins);
	if (rc > 0 || s.failed)
		return cat_db_error(cat, err, "export selection");
	if (rc != GRYM_OK)
		return rc;
	if (sqlite3_prepare_v2(cat->db, closure, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cat_db_error(cat, err, "export");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 64;
			void *p = realloc(*ids, c * sizeof **ids);
			if (!p) {
				sqlite3_finalize(st);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
			*ids = p;
			cap = c;
		}
		snprintf((*ids)[(*n)++], GRYM_ID_LEN + 1, "%s", sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "export");
	/* The ancestors join the selection: their rows go out too. */
	if (sqlite3_prepare_v2(cat->db, "INSERT OR IGNORE INTO temp.grym_export_sel(id) VALUES (?1)",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cat_db_error(cat, err, "export");
	}
	for (size_t i = 0; i < *n; i++) {
		sqlite3_bind_text(st, 1, (*ids)[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(st);
			return cat_db_error(cat, err, "export selection");
		}
	}
	sqlite3_finalize(st);
	return GRYM_OK;
}

/* ---- feature, model and prediction rows as JSON ---- */

static json_t *value_to_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer((json_int_t)sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return json_stringn((const char *)sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
	case SQLITE_BLOB: {
		static const char hexd[] = "0123456789abcdef";
		const unsigned char *b = sqlite3_column_blob(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		char *h = malloc(2 * n + 1);
		json_t *j;
		if (!h)
			return NULL;
		for (size_t k = 0; k < n; k++) {
			h[2 * k] = hexd[b[k] >> 4];
			h[2 * k + 1] = hexd[b[k] & 15];
		}
		h[2 * n] = '\0';
		j = json_pack("{s:s}", "hex", h);
		free(h);
		return j;
	}
	default:
		return json_null();
	}
}

/* Append the rows of sql (no parameters but ?1 = all) to arr. */
static int rows_to_json(grym_catalog *cat, const char *sql, int all, json_t *arr,
			grym_error *err)
{
	sqlite3_stmt *st = NULL;
	int step;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cat_db_error(cat, err, "export");
	}
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int(st, 1, all);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();
		if (!row) {
			sqlite3_finalize(st);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			json_t *v = value_to_json(st, i);
			if (!v || json_object_set_new(row, sqlite3_column_name(st, i), v) != 0) {
				json_decref(row);
				sqlite3_finalize(st);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
		}
		json_array_append_new(arr, row);
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return cat_db_error(cat, err, "export");
	return GRYM_OK;
}

/* The feature sets and predictions of the selected assets, and the
 * models those predictions name (all models when all is set). */
static int export_rows(grym_catalog *cat, json_t *doc, int all, grym_error *err)
{
	static const char SQL_FEATURES[] =
		"SELECT id, asset, extractor, frames, dims, summary, object, created"
		" FROM features WHERE asset IN (SELECT id FROM temp.grym_export_sel) ORDER BY id";
	static const char SQL_MODELS[] =
		"SELECT id, name, type, params, training, metrics, object, created FROM models"
		" WHERE ?1 OR id IN (SELECT model FROM predictions"
		" WHERE asset IN (SELECT id FROM temp.grym_export_sel)) ORDER BY id";
	static const char SQL_PREDICTIONS[] =
		"SELECT model, asset, label, probability, scores, created FROM predictions"
		" WHERE asset IN (SELECT id FROM temp.grym_export_sel) ORDER BY model, asset";
	json_t *f = json_array(), *m = json_array(), *p = json_array();
	int rc;

	if (!f || !m || !p || json_object_set_new(doc, "features", f) != 0 ||
	    json_object_set_new(doc, "models", m) != 0 ||
	    json_object_set_new(doc, "predictions", p) != 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if ((rc = rows_to_json(cat, SQL_FEATURES, all, f, err)) != GRYM_OK ||
	    (rc = rows_to_json(cat, SQL_MODELS, all, m, err)) != GRYM_OK ||
	    (rc = rows_to_json(cat, SQL_PREDICTIONS, all, p, err)) != GRYM_OK)
		return rc;
	return GRYM_OK;
}

/* An object to export: its id, the size its row implies (-1: none
 * recorded, a model's), and the row and its kind ('a' asset, 'f' feature
 * set, 'm' model, 'p' a model's predictions) to name it in messages
 * (cat_*_object_what). */
typedef struct exp_obj {
	char id[GRYM_ID_LEN + 1];
	char kind;
	int64_t want;
	const json_t *row;
} exp_obj;

static int cmp_obj(const void *a, const void *b)
{
	return strcmp(((const exp_obj *)a)->id, ((const exp_obj *)b)->id);
}

static int64_t row_int(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* The out-of-fold predictions object a model's training record names
 * (grym-train --cv/--holdout), or NULL: merge carries it, so export does. */
static const char *model_predictions(const json_t *row, char id[GRYM_ID_LEN + 1])
{
	const json_t *t = json_object_get(row, "training");
	json_t *parsed = json_is_string(t) ? json_loads(json_string_value(t), 0, NULL) : NULL;
	const char *p = json_string_value(json_object_get(parsed ? parsed : t, "predictions"));
	int ok = p && grym_id_is_full(p);
	if (ok)
		snprintf(id, GRYM_ID_LEN + 1, "%s", p);
	json_decref(parsed);
	return ok ? id : NULL;
}

/* Append the "object" of every row of arr that has one to objs (and a
 * model's predictions object: objs holds two entries per model row). */
static void add_objects(const json_t *arr, char kind, exp_obj *objs, size_t *n)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *row = json_array_get(arr, i);
		const char *o = json_string_value(json_object_get(row, "object"));
		exp_obj *e = &objs[*n];
		char pred[GRYM_ID_LEN + 1];
		if (kind == 'm' && model_predictions(row, pred)) {
			snprintf(e->id, sizeof e->id, "%s", pred);
			e->kind = 'p';
			e->row = row;
			e->want = -1;   /* no size recorded: hashed as it is copied */
			e = &objs[++*n];
		}
		if (!o || !grym_id_is_full(o))
			continue;
		snprintf(e->id, sizeof e->id, "%s", o);
		e->kind = kind;
		e->row = row;
		e->want = -1;
		if (kind == 'a') {
			e->want = row_int(row, "bytes");
		} else if (kind == 'f') {
			int64_t frames = row_int(row, "frames"), dims = row_int(row, "dims");
			if (frames >= 0 && dims > 0)
				e->want = frames * dims * (int64_t)sizeof(float);
		}
		(*n)++;
	}
}

/* How messages name o: "object of ID", "object OBJ of feature set ID"... */
static void obj_what(const exp_obj *o, char *buf, size_t len)
{
	const char *id = json_string_value(json_object_get(o->row, "id"));
	if (!id)
		id = "?";
	if (o->kind == 'a')
		cat_asset_object_what(id, o->id, buf, len);
	else if (o->kind == 'f')
		cat_feature_object_what(id, o->id, buf, len);
	else if (o->kind == 'p')
		snprintf(buf, len, "predictions object %.12s of model %.12s", o->id, id);
	else
		cat_model_object_what(id, o->id, json_string_value(json_object_get(o->row, "name")),
				      buf, len);
}

static int write_member(struct archive *ar, const char *name, int64_t size,
			grym_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc;
	if (!e)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, 0, 0);
	rc = archive_write_header(ar, e);
	archive_entry_free(e);
	if (rc != ARCHIVE_OK)
		return arch_error(ar, err, name);
	return GRYM_OK;
}

/* Copy one object into the archive. Its size is checked against its row
 * first; its bytes are hashed as they are copied when the catalog
 * verifies, and always when no size is recorded (a model). A damaged
 * object fails the export before the archive is committed. */
static int write_object(grym_catalog *cat, struct archive *ar, const exp_obj *o,
			grym_error *err)
{
	char name[GRYM_ID_LEN + 16], hex[GRYM_ID_LEN + 1];
	char what[CAT_OBJ_WHAT_MAX];
	unsigned char buf[1 << 16];
	grym_store_reader *r;
	grym_sha256 *h = NULL;
	int rc;

	obj_what(o, what, sizeof what);
	if ((rc = cat_open_object(cat, what, o->id, o->want, &r, err)) != GRYM_OK)
		return rc;
	if ((cat->verify || o->want < 0) && !(h = grym_sha256_new())) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(name, sizeof name, "objects/%s", o->id);
	if ((rc = write_member(ar, name, (int64_t)grym_store_reader_size(r), err)) != GRYM_OK)
		goto out;
	for (;;) {
		int64_t n;
		if (grym_cancelled(cat->cancel)) {
			rc = grym_error_cancelled(err);
			goto out;
		}
		/* the reader checks the object ends at the size the member
		 * header just announced */
		n = grym_store_reader_read(r, buf, sizeof buf, err);
		if (n == GRYM_ERR_CORRUPT) {
			rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s changed while exported", what);
			goto out;
		}
		if (n < 0) {
			rc = grym_error_prefix(err, (int)n, "%s", what);
			goto out;
		}
		if (n == 0)
			break;
		if (h)
			grym_sha256_update(h, buf, (size_t)n);
		if (archive_write_data(ar, buf, (size_t)n) != n) {
			rc = arch_error(ar, err, name);
			goto out;
		}
	}
	if (h) {
		grym_sha256_final_hex(h, hex);
		if (strcmp(hex, o->id) != 0)
			rc = cat_object_damaged(err, what, hex);
	}
out:
	grym_sha256_free(h);
	grym_store_reader_close(r);
	return rc;
}

int grym_catalog_export(grym_catalog *cat, const grym_asset_query *q,
			const char *archive_path, grym_error *err)
{
	char (*ids)[GRYM_ID_LEN + 1] = NULL;
	exp_obj *objs = NULL;
	char *text = NULL;
	struct out_ctx out = { 0 };
	json_t *doc = NULL, *arr;
	struct archive *ar = NULL;
	size_t n = 0, nobj = 0;
	int rc, to_stdout = strcmp(archive_path, "-") == 0;

	ar = archive_write_new();
	if (!ar)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (to_stdout || ends_with(archive_path, ".tar")) {
		archive_write_set_format_pax_restricted(ar);
	} else if (ends_with(archive_path, ".tar.gz") || ends_with(archive_path, ".tgz")) {
		archive_write_set_format_pax_restricted(ar);
		archive_write_add_filter_gzip(ar);
		/* the gzip header would carry the time of the export */
		archive_write_set_filter_option(ar, "gzip", "timestamp", NULL);
	} else if (ends_with(archive_path, ".zip")) {
		archive_write_set_format_zip(ar);
	} else {
		archive_write_free(ar);
		return grym_error_set(err, GRYM_ERR_INVALID, "unknown archive type "
				      "(use .tar, .tar.gz, .tgz or .zip)");
	}
	/* libarchive pads the last block to 10 KiB by default: after a
	 * compression filter that padding is zero bytes behind the gzip
	 * stream ("trailing zero bytes ignored"); the tar format's own end
	 * blocks are written either way */
	archive_write_set_bytes_in_last_block(ar, 1);
	if ((rc = export_ids(cat, q, &ids, &n, err)) != GRYM_OK)
		goto out;

	doc = json_pack("{s:s, s:i, s:[]}", "format", EXPORT_FORMAT, "version", EXPORT_VERSION,
			"assets");
	if (!doc) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	arr = json_object_get(doc, "assets");
	for (size_t i = 0; i < n; i++) {
		grym_asset a;
		if ((rc = grym_catalog_get_asset(cat, ids[i], &a, err)) != GRYM_OK)
			goto out;
		json_array_append_new(arr, grym_asset_to_json(&a));
		grym_asset_clear(&a);
	}
	{
		int64_t total = 0;
		sqlite3_stmt *st = cat_prep(cat, "SELECT count(*) FROM assets", err);
		if (!st) {
			rc = err ? err->code : GRYM_ERR_DB;
			goto out;
		}
		if (sqlite3_step(st) == SQLITE_ROW)
			total = sqlite3_column_int64(st, 0);
		cat_done(st);
		if ((rc = export_rows(cat, doc, total == (int64_t)n, err)) != GRYM_OK)
			goto out;
	}
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	if (!text) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}

	out.o = grym_output_open(archive_path, err);
	if (!out.o) {
		rc = err ? err->code : GRYM_ERR_IO;
		goto out;
	}
	grym_output_set_cancel(out.o, cat->cancel);
	if (archive_write_open2(ar, &out, NULL, out_write, NULL, NULL) != ARCHIVE_OK) {
		rc = arch_error(ar, err, archive_path);
		goto out;
	}
	if ((rc = write_member(ar, "catalog.json", (int64_t)strlen(text), err)) != GRYM_OK)
		goto out;
	if (archive_write_data(ar, text, strlen(text)) != (la_ssize_t)strlen(text)) {
		rc = arch_error(ar, err, "catalog.json");
		goto out;
	}
	/* Each object once, in id order (deterministic, and O(n log n)). */
	{
		const json_t *fr = json_object_get(doc, "features"), *mr = json_object_get(doc, "models");
		nobj = 0;
		objs = malloc((json_array_size(arr) + json_array_size(fr) + 2 * json_array_size(mr) + 1) *
			      sizeof *objs);
		if (!objs) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto out;
		}
		add_objects(arr, 'a', objs, &nobj);
		add_objects(fr, 'f', objs, &nobj);
		add_objects(mr, 'm', objs, &nobj);
	}
	if (nobj > 1)   /* objs may be NULL when there is nothing: qsort(NULL, 0) is undefined */
		qsort(objs, nobj, sizeof *objs, cmp_obj);
	for (size_t i = 0; i < nobj; i++) {
		/* an object shared by several rows is written once, checked
		 * against each row's size */
		if (i + 1 < nobj && strcmp(objs[i].id, objs[i + 1].id) == 0) {
			char what[CAT_OBJ_WHAT_MAX];
			obj_what(&objs[i], what, sizeof what);
			if ((rc = cat_check_object(cat, what, objs[i].id, objs[i].want, 0,
						   err)) != GRYM_OK)
				goto out;
			continue;
		}
		if ((rc = write_object(cat, ar, &objs[i], err)) != GRYM_OK)
			goto out;
	}
	if (archive_write_close(ar) != ARCHIVE_OK) {
		rc = arch_error(ar, err, to_stdout ? "stdout" : archive_path);
		goto out;
	}
	if (grym_cancelled(cat->cancel)) {
		rc = grym_error_cancelled(err);
		goto out;
	}
	rc = grym_output_commit(out.o, err);
	out.o = NULL;
out:
	/* whatever failed first, a cancelled export says so */
	if (rc != GRYM_OK && grym_cancelled(cat->cancel))
		rc = grym_error_cancelled(err);
	if (ar)
		archive_write_free(ar);
	if (out.o)
		grym_output_abort(out.o);
	free(text);
	json_decref(doc);
	free(ids);
	free(objs);
	cat_exec(cat, SQL_SEL_CLEAR, NULL);
	return rc;
}

/* ---- import ---- */

/* The archive's bytes, read here rather than by libarchive's own file
 * reader, which retries a read that a signal interrupts: blocked on a
 * pipe that never delivers (sleep 100 | grym-catalog import -), the
 * import would ignore SIGINT. */
struct in_ctx {
	int fd, own;
	const volatile sig_atomic_t *cancel;
	unsigned char buf[65536];
};

static la_ssize_t in_read(struct archive *ar, void *ud, const void **buf)
{
	struct in_ctx *c = ud;
	for (;;) {
		ssize_t n;
		if (grym_cancelled(c->cancel)) {
			archive_set_error(ar, ECANCELED, "interrupted");
			return -1;
		}
		n = read(c->fd, c->buf, sizeof c->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(ar, errno, "%s", strerror(errno));
			return -1;
		}
		*buf = c->buf;
		return n;
	}
}

/* Seeking and skipping, for a regular file only (zip reads its central
 * directory at the end; tar skips the members it need not read). */
static la_int64_t in_seek(struct archive *ar, void *ud, la_int64_t off, int whence)
{
	struct in_ctx *c = ud;
	off_t r = lseek(c->fd, (off_t)off, whence);
	if (r < 0) {
		archive_set_error(ar, errno, "%s", strerror(errno));
		return ARCHIVE_FATAL;
	}
	return (la_int64_t)r;
}

static la_int64_t in_skip(struct archive *ar, void *ud, la_int64_t n)
{
	struct in_ctx *c = ud;
	struct stat st;
	off_t here = lseek(c->fd, 0, SEEK_CUR);
	(void)ar;
	if (here < 0 || fstat(c->fd, &st) != 0)
		return 0;   /* libarchive reads through instead */
	if (n > (la_int64_t)(st.st_size - here))
		n = st.st_size > here ? (la_int64_t)(st.st_size - here) : 0;
	if (lseek(c->fd, (off_t)n, SEEK_CUR) < 0)
		return 0;
	return n;
}

static int in_close(struct archive *ar, void *ud)
{
	struct in_ctx *c = ud;
	(void)ar;
	if (c->own && c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return ARCHIVE_OK;
}

/* Open path ("-": stdin) for ar through the callbacks above. */
static int in_open(struct archive *ar, struct in_ctx *c, const char *path, grym_error *err)
{
	struct stat st;
	if (strcmp(path, "-") == 0) {
		c->fd = 0;
		c->own = 0;
	} else {
		do
			c->fd = open(path, O_RDONLY | O_CLOEXEC);
		while (c->fd < 0 && errno == EINTR && !grym_cancelled(c->cancel));
		if (c->fd < 0 && grym_cancelled(c->cancel))
			return grym_error_cancelled(err);
		if (c->fd < 0)
			return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
		c->own = 1;
	}
	archive_read_set_callback_data(ar, c);
	archive_read_set_read_callback(ar, in_read);
	archive_read_set_close_callback(ar, in_close);
	if (fstat(c->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		archive_read_set_seek_callback(ar, in_seek);
		archive_read_set_skip_callback(ar, in_skip);
	}
	if (archive_read_open1(ar) != ARCHIVE_OK)
		return grym_cancelled(c->cancel) ? grym_error_cancelled(err) : arch_error(ar, err, path);
	return GRYM_OK;
}

/* "catalog.json" -> 1, "objects/<id>" -> 2 (id copied), else 0. */
static int member_kind(const char *name, char id[GRYM_ID_LEN + 1])
{
	if (strncmp(name, "./", 2) == 0)
		name += 2;
	if (strcmp(name, "catalog.json") == 0)
		return 1;
	if (strncmp(name, "objects/", 8) == 0 && grym_id_is_full(name + 8)) {
		memcpy(id, name + 8, GRYM_ID_LEN + 1);
		return 2;
	}
	return 0;
}

static int import_object(grym_catalog *cat, struct archive *ar, const char *name,
			 const char *want, grym_error *err)
{
	grym_store_writer *w = grym_store_writer_new(cat->store, err);
	char got[GRYM_ID_LEN + 1];
	unsigned char buf[1 << 16];
	int rc;

	if (!w)
		return err ? err->code : GRYM_ERR_IO;
	for (;;) {
		la_ssize_t n = archive_read_data(ar, buf, sizeof buf);
		if (n < 0) {
			grym_store_writer_abort(w);
			return grym_error_set(err, GRYM_ERR_CORRUPT, "member %s: %s", name,
					      archive_error_string(ar));
		}
		if (n == 0)
			break;
		if ((rc = grym_store_writer_write(w, buf, (size_t)n, err)) != GRYM_OK) {
			grym_store_writer_abort(w);
			return rc;
		}
	}
	grym_store_writer_peek_id(w, got);
	if (strcmp(got, want) != 0) {
		grym_store_writer_abort(w);
		return grym_error_set(err, GRYM_ERR_CORRUPT, "member %s: content hashes to %s",
				      name, got);
	}
	return grym_store_writer_commit(w, got, err);
}

static int read_json_member(struct archive *ar, int64_t size, json_t **doc, grym_error *err)
{
	char *buf;
	size_t len = 0, cap;
	json_error_t je;

	if (size > (int64_t)CATALOG_JSON_MAX)
		return grym_error_set(err, GRYM_ERR_LIMIT, "catalog.json is larger than %u MiB",
				      CATALOG_JSON_MAX >> 20);
	cap = size > 0 ? (size_t)size + 1 : 65536;
	buf = malloc(cap);
	if (!buf)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (;;) {
		la_ssize_t n;
		if (len + 1 >= cap) {
			char *p;
			if (cap >= CATALOG_JSON_MAX) {
				free(buf);
				return grym_error_set(err, GRYM_ERR_LIMIT,
						      "catalog.json is larger than %u MiB",
						      CATALOG_JSON_MAX >> 20);
			}
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
			buf = p;
			cap *= 2;
		}
		n = archive_read_data(ar, buf + len, cap - len - 1);
		if (n < 0) {
			free(buf);
			return grym_error_set(err, GRYM_ERR_CORRUPT, "catalog.json: %s",
					      archive_error_string(ar));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*doc = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!*doc)
		return grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json: line %d: %s",
				      je.line, je.text);
	return GRYM_OK;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Bind one JSON value of a row; 0, or -1 if it has no column type. */
static int bind_json(sqlite3_stmt *st, int i, const json_t *v)
{
	if (!v || json_is_null(v))
		return sqlite3_bind_null(st, i) == SQLITE_OK ? 0 : -1;
	if (json_is_integer(v))
		return sqlite3_bind_int64(st, i, (sqlite3_int64)json_integer_value(v)) == SQLITE_OK ? 0 : -1;
	if (json_is_real(v))
		return sqlite3_bind_double(st, i, json_real_value(v)) == SQLITE_OK ? 0 : -1;
	if (json_is_string(v))
		return sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v),
					 SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
	if (json_is_object(v) && json_object_size(v) == 1 &&
	    json_is_string(json_object_get(v, "hex"))) {
		const char *h = json_string_value(json_object_get(v, "hex"));
		size_t n = strlen(h) / 2;
		unsigned char *b;
		int rc;
		if (strlen(h) % 2)
			return -1;
		if (!(b = malloc(n ? n : 1)))
			return -1;
		for (size_t k = 0; k < n; k++) {
			int hi = hexval(h[2 * k]), lo = hexval(h[2 * k + 1]);
			if (hi < 0 || lo < 0) {
				free(b);
				return -1;
			}
			b[k] = (unsigned char)(hi << 4 | lo);
		}
		rc = sqlite3_bind_blob(st, i, b, (int)n, SQLITE_TRANSIENT);
		free(b);
		return rc == SQLITE_OK ? 0 : -1;
	}
	return -1;
}

/* Load doc[table] into temp.grym_import_TABLE (made like the real table,
 * emptied first). A row naming a column the table does not have, or a
 * value of no column type, rejects the archive; a row whose object is
 * not in the store (not in the archive) is reported and left out. */
static int load_rows(grym_catalog *cat, const json_t *doc, const char *table,
		     const char *const *cols, int ncols, int has_object, grym_report_fn report,
		     void *ud, int64_t *failed, grym_error *err)
{
	const json_t *arr = json_object_get(doc, table);
	char sql[1024], list[512] = "", qs[128] = "";
	sqlite3_stmt *ins = NULL;
	int rc = GRYM_OK;

	snprintf(sql, sizeof sql, "CREATE TEMP TABLE IF NOT EXISTS grym_import_%s AS"
		 " SELECT * FROM main.%s WHERE 0; DELETE FROM temp.grym_import_%s",
		 table, table, table);
	if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cat_db_error(cat, err, "import");
	if (!arr)
		return GRYM_OK; /* an export made before these rows were carried */
	if (!json_is_array(arr))
		return grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json: \"%s\" is not an array",
				      table);
	for (int i = 0; i < ncols; i++) {
		strcat(list, i ? ", " : "");
		strcat(list, cols[i]);
		strcat(qs, i ? ",?" : "?");
	}
	snprintf(sql, sizeof sql, "INSERT INTO temp.grym_import_%s(%s) VALUES (%s)", table, list, qs);
	if (sqlite3_prepare_v2(cat->db, sql, -1, &ins, NULL) != SQLITE_OK) {
		sqlite3_finalize(ins);
		return cat_db_error(cat, err, "import");
	}
	for (size_t r = 0; r < json_array_size(arr); r++) {
		const json_t *row = json_array_get(arr, r), *v;
		const char *key;
		int known;
		if (!json_is_object(row)) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json: %s row %zu is not an "
					    "object", table, r + 1);
			break;
		}
		json_object_foreach((json_t *)row, key, v) {
			known = 0;
			for (int i = 0; i < ncols; i++)
				known |= strcmp(key, cols[i]) == 0;
			if (!known) {
				rc = grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json: %s row %zu: "
						    "unknown column \"%s\"", table, r + 1, key);
				break;
			}
		}
		if (rc != GRYM_OK)
			break;
		if (has_object) {
			const char *o = json_string_value(json_object_get(row, "object"));
			if (o && !grym_store_has(cat->store, o)) {
				cat_reportf(report, ud, "%s %s: object %s is not in the archive", table,
					    json_string_value(json_object_get(row, cols[0])), o);
				(*failed)++;
				continue;
			}
		}
		for (int i = 0; i < ncols; i++)
			if (bind_json(ins, i + 1, json_object_get(row, cols[i])) != 0) {
				rc = grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json: %s row %zu: "
						    "bad value for \"%s\"", table, r + 1, cols[i]);
				break;
			}
		if (rc != GRYM_OK)
			break;
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = cat_db_error(cat, err, "import");
			break;
		}
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return rc;
}

int grym_catalog_import(grym_catalog *cat, const char *archive_path,
			int64_t *added, int64_t *conflicts, grym_report_fn report,
			void *ud, grym_error *err)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	json_t *doc = NULL, *arr;
	grym_asset *list = NULL;
	size_t n = 0;
	int64_t failed = 0;
	int rc = GRYM_OK, r;
	struct in_ctx *in = calloc(1, sizeof *in);

	if (added)
		*added = 0;
	if (conflicts)
		*conflicts = 0;
	if (!ar || !in) {
		archive_read_free(ar);
		free(in);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	in->fd = -1;
	in->cancel = cat->cancel;
	archive_read_support_filter_all(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_format_zip(ar);
	if ((rc = in_open(ar, in, archive_path, err)) != GRYM_OK)
		goto out;
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		char id[GRYM_ID_LEN + 1];
		int kind;
		if (!name) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "a member has no name");
			goto out;
		}
		if (archive_entry_filetype(e) == AE_IFDIR &&
		    (strcmp(name, "objects/") == 0 || strcmp(name, "./objects/") == 0 ||
		     strcmp(name, "./") == 0))
			continue;
		kind = member_kind(name, id);
		if (kind == 0 || archive_entry_filetype(e) != AE_IFREG) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT,
					    "member '%s' is not part of a grym export "
					    "(only catalog.json and objects/<id>)", name);
			goto out;
		}
		if (kind == 1) {
			if (doc) {
				rc = grym_error_set(err, GRYM_ERR_FORMAT, "two catalog.json members");
				goto out;
			}
			rc = read_json_member(ar, archive_entry_size_is_set(e) ?
					      archive_entry_size(e) : -1, &doc, err);
		} else {
			rc = import_object(cat, ar, name, id, err);
		}
		if (rc != GRYM_OK)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		rc = arch_error(ar, err, archive_path);
		goto out;
	}
	if (!doc) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "no catalog.json in the archive");
		goto out;
	}
	if (!json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")), EXPORT_FORMAT) != 0) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json is not a grym export");
		goto out;
	}
	if (json_integer_value(json_object_get(doc, "version")) != EXPORT_VERSION) {
		rc = grym_error_set(err, GRYM_ERR_UNSUPPORTED, "catalog.json: export version %lld "
				    "is not %d", (long long)json_integer_value(
					    json_object_get(doc, "version")), EXPORT_VERSION);
		goto out;
	}
	arr = json_object_get(doc, "assets");
	if (!json_is_array(arr)) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "catalog.json: no \"assets\" array");
		goto out;
	}
	list = calloc(json_array_size(arr) + 1, sizeof *list);
	if (!list) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (n = 0; n < json_array_size(arr); n++)
		if ((rc = grym_asset_from_json(json_array_get(arr, n), &list[n], err)) != GRYM_OK) {
			grym_error_prefix(err, rc, "catalog.json: asset %zu", n + 1);
			goto out;
		}
	if ((rc = load_rows(cat, doc, "features", cat_feature_cols, 8, 1, report, ud, &failed,
			    err)) != GRYM_OK ||
	    (rc = load_rows(cat, doc, "models", cat_model_cols, 8, 1, report, ud, &failed,
			    err)) != GRYM_OK ||
	    (rc = load_rows(cat, doc, "predictions", cat_prediction_cols, 6, 0, report, ud, &failed,
			    err)) != GRYM_OK)
		goto out;
	/* the last moment a signal leaves the catalog's rows as they were */
	if (grym_cancelled(cat->cancel)) {
		rc = grym_error_cancelled(err);
		goto out;
	}
	if ((rc = grym_catalog_begin(cat, err)) != GRYM_OK)
		goto out;
	rc = cat_merge_assets(cat, list, n, added, conflicts, report, ud, err);
	if (rc == GRYM_OK || rc == GRYM_ERR_NOTFOUND) {
		/* Feature, model and prediction rows after the assets they
		 * name; a row whose asset or model failed is reported. */
		int64_t rows = 0;
		grym_error e3 = { 0 };
		int r3 = cat_merge_extra(cat, cat, "temp.grym_import_", &rows, conflicts, &failed,
					 report, ud, &e3);
		if (r3 != GRYM_OK) {
			grym_catalog_rollback(cat);
			rc = r3;
			if (err)
				*err = e3;
			goto out;
		}
	}
	if ((rc == GRYM_OK || rc == GRYM_ERR_NOTFOUND) && grym_cancelled(cat->cancel)) {
		grym_catalog_rollback(cat);
		rc = grym_error_cancelled(err);
		if (added)
			*added = 0;
		goto out;
	}
	if (rc == GRYM_OK || rc == GRYM_ERR_NOTFOUND) {
		grym_error e2 = { 0 };
		int c = grym_catalog_commit(cat, &e2);
		if (c != GRYM_OK) {
			rc = c;
			if (err)
				*err = e2;
		}
	} else {
		grym_catalog_rollback(cat);
	}
	if (rc == GRYM_OK && failed)
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "%lld row%s could not be imported",
				    (long long)failed, failed == 1 ? "" : "s");
out:
	sqlite3_exec(cat->db, "DROP TABLE IF EXISTS temp.grym_import_features;"
		     "DROP TABLE IF EXISTS temp.grym_import_models;"
		     "DROP TABLE IF EXISTS temp.grym_import_predictions", NULL, NULL, NULL);
	for (size_t i = 0; list && i < n; i++)
		grym_asset_clear(&list[i]);
	free(list);
	json_decref(doc);
	archive_read_free(ar);
	if (in->fd >= 0 && in->own)
		close(in->fd);
	free(in);
	/* a member cut short by the signal reads as corrupt: say why */
	if (rc != GRYM_OK && grym_cancelled(cat->cancel))
		rc = grym_error_cancelled(err);
	return rc;
}
