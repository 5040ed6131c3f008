/*
 * model_page.c — models as GET /api/models and /api/models/ID show them:
 * a page of models, newest first (keyset paging as for assets:
 * page_cursor.c), and one model in full with the out-of-fold prediction
 * of every item it was tested on, read from the table grym-train stores
 * beside the model (lib/stage/train_model.c; the object named by the
 * training record's "predictions"), so a client can list the items of a
 * confusion-matrix cell.
 */
#include "catalog_int.h"
#include "page_int.h"
#include "grym/pathname.h"

#include <stdlib.h>
#include <string.h>

static json_t *text_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? json_string((const char *)s) : json_null();
}

/* A number column, null when SQL NULL (no metrics). */
static json_t *num_col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	default:
		return json_null();
	}
}

#define FIELD(col, path) "CASE WHEN json_valid(" col ") THEN json_extract(" col ", '" path "') END"

int grym_catalog_model_page(grym_catalog *cat, int limit, const char *cursor, char **json,
			    grym_error *err)
{
	static const char count_sql[] = "SELECT count(*) FROM models";
	static const char sql[] =
		"SELECT id, name, type, created, " FIELD("training", "$.items") ", "
		FIELD("metrics", "$.accuracy") ", " FIELD("metrics", "$.macro_f1")
		" FROM models WHERE ?1 IS NULL OR (created, id) < (?1, ?2)"
		" ORDER BY created DESC, id DESC LIMIT ?3";
	cat_cursor cur = { 0 };
	sqlite3_stmt *st;
	json_t *items = NULL, *last_key = NULL;
	char *next = NULL, last_id[GRYM_ID_LEN + 1] = "";
	long long total = 0;
	int rc, n = 0;

	*json = NULL;
	if ((rc = cat_page_limit(limit, &limit, err)) != GRYM_OK)
		return rc;
	if (cursor && *cursor &&
	    (rc = cat_cursor_decode(cursor, "models", 1, CAT_KEY_INT, &cur, err)) != GRYM_OK)
		return rc;
	if (!(st = cat_prep(cat, count_sql, err))) {
		rc = GRYM_ERR_DB;
		goto out;
	}
	rc = sqlite3_step(st);
	total = sqlite3_column_int64(st, 0);
	cat_done(st);
	if (rc != SQLITE_ROW) {
		rc = cat_db_error(cat, err, "counting models");
		goto out;
	}
	if (!(st = cat_prep(cat, sql, err))) {
		rc = GRYM_ERR_DB;
		goto out;
	}
	if (cur.key) {
		sqlite3_bind_int64(st, 1, json_integer_value(cur.key));
		cat_bind_text(st, 2, cur.id);
	}
	sqlite3_bind_int(st, 3, limit + 1);
	rc = GRYM_OK;
	if (!(items = json_array())) {
		cat_done(st);
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			next = cat_cursor_encode("models", 1, last_key, last_id);
			if (!next)
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		json_t *it = json_pack("{s:o,s:o,s:o,s:I,s:o,s:o,s:o}", "id", text_col(st, 0),
				       "name", text_col(st, 1), "type", text_col(st, 2), "created",
				       (json_int_t)sqlite3_column_int64(st, 3), "items", num_col(st, 4),
				       "accuracy", num_col(st, 5), "macro_f1", num_col(st, 6));
		json_decref(last_key);
		last_key = json_integer(sqlite3_column_int64(st, 3));
		snprintf(last_id, sizeof last_id, "%s", (const char *)sqlite3_column_text(st, 0));
		if (!it || json_array_append_new(items, it)) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		n++;
	}
	if (rc == GRYM_OK && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = cat_db_error(cat, err, "listing models");
	cat_done(st);
	if (rc == GRYM_OK) {
		rc = cat_page_text(items, next, total, json, err);
		items = NULL;
		next = NULL;
	}
out:
	json_decref(items);
	json_decref(last_key);
	cat_cursor_clear(&cur);
	free(next);
	return rc;
}

/* The name of the asset of full id key, or null (a key from records). */
static json_t *asset_name(grym_catalog *cat, const char *key)
{
	static const char sql[] = "SELECT name FROM assets WHERE id = ?1";
	sqlite3_stmt *st;
	json_t *j = NULL;
	if (!grym_id_is_full(key) || !(st = cat_prep(cat, sql, NULL)))
		return json_null();
	cat_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char *s = grym_utf8_repair((const char *)sqlite3_column_text(st, 0),
					   (size_t)sqlite3_column_bytes(st, 0));
		j = s ? json_string(s) : NULL;
		free(s);
	}
	cat_done(st);
	return j ? j : json_null();
}

/* Split the line at p (up to end) by tabs into f (at most max fields);
 * the line is cut in place. Returns the number of fields. */
static size_t split_tabs(char *p, char **f, size_t max)
{
	size_t n = 0;
	while (n < max) {
		f[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}

/* The out-of-fold table (grym_predictions_tsv: key, fold, true,
 * predicted, then one probability column per label) as JSON items. */
static int parse_oof(grym_catalog *cat, char *tsv, const char *what, json_t **out,
		     grym_error *err)
{
	char **head = NULL, **f = NULL;
	size_t nh, cap = 4096;
	char *line = tsv, *nl;
	json_t *items = json_array();
	int rc = GRYM_OK;

	*out = NULL;
	head = calloc(cap, sizeof *head);
	f = calloc(cap, sizeof *f);
	if (!items || !head || !f) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!(nl = strchr(line, '\n'))) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s: not a table of predictions", what);
		goto out;
	}
	*nl = '\0';
	nh = split_tabs(line, head, cap);
	if (nh < 4 || strcmp(head[0], "key") || strcmp(head[1], "fold") || strcmp(head[2], "true") ||
	    strcmp(head[3], "predicted")) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s: not a table of predictions", what);
		goto out;
	}
	for (line = nl + 1; *line; line = nl + 1) {
		size_t nf;
		char *endp;
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		nf = split_tabs(line, f, cap);
		long fold = strtol(f[1 < nf ? 1 : 0], &endp, 10);
		if (nf != nh || *endp) {
			rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s: a row of %zu fields, the header "
					    "has %zu", what, nf, nh);
			goto out;
		}
		json_t *scores = json_object();
		for (size_t c = 4; scores && c < nh; c++)
			json_object_set_new(scores, head[c], json_real(strtod(f[c], NULL)));
		json_t *it = json_pack("{s:s,s:o,s:i,s:s,s:s,s:b,s:o}", "key", f[0], "name",
				       asset_name(cat, f[0]), "fold", (int)fold, "true", f[2],
				       "predicted", f[3], "correct", !strcmp(f[2], f[3]), "scores",
				       scores);
		if (!it || json_array_append_new(items, it)) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (!nl)
			break;
	}
	*out = items;
	items = NULL;
out:
	json_decref(items);
	free(head);
	free(f);
	return rc;
}

static json_t *parsed(const char *s)
{
	json_t *j = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
	return j ? j : json_null();
}

static int model_created(grym_catalog *cat, const char *id, int64_t *created, grym_error *err)
{
	static const char sql[] = "SELECT created FROM models WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	*created = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	cat_done(st);
	return rc == SQLITE_ROW ? GRYM_OK : cat_db_error(cat, err, "reading a model");
}

int grym_catalog_model_json(grym_catalog *cat, const char *key, char **json, grym_error *err)
{
	grym_model_row m;
	json_t *j = NULL, *training, *preds = NULL;
	const char *oof;
	int64_t created = 0;
	int rc;

	*json = NULL;
	if ((rc = grym_catalog_get_model(cat, key, &m, err)) != GRYM_OK)
		return rc;
	if ((rc = model_created(cat, m.id, &created, err)) != GRYM_OK)
		goto out;
	training = parsed(m.training);
	oof = json_string_value(json_object_get(training, "predictions"));
	if (oof && grym_id_is_full(oof)) {
		char what[CAT_OBJ_WHAT_MAX + 64];
		void *data = NULL;
		size_t len = 0;
		char *tsv;
		snprintf(what, sizeof what, "predictions %.12s of model %.12s", oof, m.id);
		/* no size is recorded: the bytes are always hashed */
		rc = cat_read_object(cat, what, oof, -1, 1, &data, &len, err);
		if (rc == GRYM_OK && !(tsv = grym_utf8_repair(data, len)))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		free(data);
		if (rc == GRYM_OK) {
			rc = parse_oof(cat, tsv, what, &preds, err);
			free(tsv);
		}
		if (rc != GRYM_OK) {
			json_decref(training);
			goto out;
		}
	}
	j = json_pack("{s:s,s:o,s:s,s:I,s:o,s:o,s:o,s:o}", "id", m.id, "name",
		      m.name ? json_string(m.name) : json_null(), "type", m.type, "created",
		      (json_int_t)created, "params", parsed(m.params), "training", training,
		      "metrics", parsed(m.metrics), "predictions", preds ? preds : json_null());
	if (!j || !(*json = json_dumps(j, JSON_COMPACT)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
out:
	json_decref(j);
	grym_model_row_clear(&m);
	return rc;
}
