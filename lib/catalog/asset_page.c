/*
 * asset_page.c — pages of the asset list (grym_catalog_asset_page): the
 * filters of GET /api/assets (labels, kind, text search), a sort on an
 * indexed column (migration 5: name, duration, created, bytes, each
 * followed by id) and keyset paging: the page after a cursor is the rows
 * whose (key, id) come after the cursor's, which the index finds
 * directly, so every page costs what the first does and a row inserted
 * between two requests never shifts the others.
 *
 * The SQL is put together from constant fragments; every value is bound.
 */
#include "catalog_int.h"
#include "page_int.h"
#include "grym/pathname.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 64

/* The sorts: the name a client gives, the column, the key's type. */
static const struct sort_col {
	const char *name, *col;
	cat_key_type type;
} SORTS[] = {
	{ "created", "a.created", CAT_KEY_INT },
	{ "name", "a.name", CAT_KEY_TEXT },
	{ "duration", "a.duration", CAT_KEY_REAL },
	{ "size", "a.bytes", CAT_KEY_INT },
	{ "id", "a.id", CAT_KEY_TEXT },
};

/* A path's base name in SQL (the characters after its last '/'): rtrim
 * by every character of the path but '/' leaves its directory part. */
#define BASENAME(p) "substr(" p ", length(rtrim(" p ", replace(" p ", '/', ''))) + 1)"

/* The search: a name (base name of any origin path), a metadata value
 * (the string itself for a JSON string, else its JSON text), a tag
 * value. :q is lowercased by the caller; SQLite's lower() folds ASCII.
 * Each test is first made on the raw text, which is cheap and holds
 * every match (a JSON text holds its strings as they are unless they
 * have escapes: a text with a backslash gets the exact test), so the
 * exact one (base name, JSON value) runs on few rows: a third of the
 * time on 10,000 assets. */
static const char SEARCH_SQL[] =
	" AND (instr(lower(a.name), :q) > 0"
	" OR EXISTS (SELECT 1 FROM asset_paths p WHERE p.asset = a.id"
	" AND instr(lower(CAST(p.path AS TEXT)), :q) > 0"
	" AND instr(lower(" BASENAME("CAST(p.path AS TEXT)") "), :q) > 0)"
	" OR EXISTS (SELECT 1 FROM asset_meta m WHERE m.asset = a.id"
	" AND (instr(lower(m.value), :q) > 0 OR instr(m.value, '\\') > 0) AND instr(lower("
	"CASE json_type(m.value) WHEN 'text' THEN json_extract(m.value, '$') ELSE m.value END"
	"), :q) > 0)"
	" OR ((instr(lower(a.tags), :q) > 0 OR instr(a.tags, '\\') > 0)"
	" AND json_valid(a.tags) AND EXISTS (SELECT 1 FROM json_each(a.tags) t"
	" WHERE instr(lower(CAST(t.value AS TEXT)), :q) > 0)))";

typedef struct sqlbuf { char s[4096]; size_t n; int over; } sqlbuf;

static void add(sqlbuf *b, const char *s)
{
	size_t k = strlen(s);
	if (b->n + k >= sizeof b->s) {
		b->over = 1;
		return;
	}
	memcpy(b->s + b->n, s, k + 1);
	b->n += k;
}

/* The WHERE clause of the filters (after "WHERE 1"). */
static void add_filters(sqlbuf *b, const grym_asset_page_query *q)
{
	if (q->nlabels) {
		char p[32];
		add(b, " AND EXISTS (SELECT 1 FROM asset_labels l WHERE l.asset = a.id AND l.label IN (");
		for (size_t i = 0; i < q->nlabels; i++) {
			snprintf(p, sizeof p, "%s:l%zu", i ? ", " : "", i);
			add(b, p);
		}
		add(b, "))");
	}
	if (q->kind)
		add(b, " AND a.kind = :kind");
	if (q->search && *q->search)
		add(b, SEARCH_SQL);
}

static void bind_filters(sqlite3_stmt *st, const grym_asset_page_query *q, const char *lq)
{
	for (size_t i = 0; i < q->nlabels; i++) {
		char p[32];
		snprintf(p, sizeof p, ":l%zu", i);
		cat_bind_text(st, sqlite3_bind_parameter_index(st, p), q->labels[i]);
	}
	if (q->kind)
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":kind"), q->kind);
	if (lq)
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":q"), lq);
}

static int check_query(const grym_asset_page_query *q, const struct sort_col **sort,
		       grym_error *err)
{
	const char *want = q->sort && *q->sort ? q->sort : "created";
	*sort = NULL;
	for (size_t i = 0; i < sizeof SORTS / sizeof SORTS[0]; i++)
		if (!strcmp(want, SORTS[i].name))
			*sort = &SORTS[i];
	if (!*sort)
		return grym_error_set(err, GRYM_ERR_INVALID, "sort: '%s' is not one of name, "
				      "duration, created, size, id", want);
	if (q->kind && strcmp(q->kind, "source") && strcmp(q->kind, "derived"))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "kind: '%s' is not source or derived", q->kind);
	if (q->nlabels > MAX_LABELS)
		return grym_error_set(err, GRYM_ERR_INVALID, "label: at most %d labels, not %zu",
				      MAX_LABELS, q->nlabels);
	for (size_t i = 0; i < q->nlabels; i++)
		if (!q->labels || !q->labels[i] || !*q->labels[i])
			return grym_error_set(err, GRYM_ERR_INVALID, "label: an empty label");
	return GRYM_OK;
}

static int prepare(grym_catalog *cat, const sqlbuf *b, sqlite3_stmt **st, grym_error *err)
{
	*st = NULL;
	if (b->over)
		return grym_error_set(err, GRYM_ERR_INTERNAL, "asset query too long");
	if (sqlite3_prepare_v2(cat->db, b->s, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return cat_db_error(cat, err, "querying assets");
	}
	return GRYM_OK;
}

static int count_rows(grym_catalog *cat, const grym_asset_page_query *q, const char *lq,
		      long long *total, grym_error *err)
{
	sqlbuf b = { .n = 0 };
	sqlite3_stmt *st;
	int rc;
	add(&b, "SELECT count(*) FROM assets a WHERE 1");
	add_filters(&b, q);
	if ((rc = prepare(cat, &b, &st, err)) != GRYM_OK)
		return rc;
	bind_filters(st, q, lq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*total = sqlite3_column_int64(st, 0);
		rc = GRYM_OK;
	} else {
		rc = cat_db_error(cat, err, "counting assets");
	}
	sqlite3_finalize(st);
	return rc;
}

/* A text column as a JSON string: names come from file names, which need
 * not be UTF-8, so bad bytes become U+FFFD (ids and codecs are ASCII). */
static json_t *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	char *fixed;
	json_t *j;
	if (!s)
		return json_null();
	if (grym_utf8_valid((const char *)s, (size_t)sqlite3_column_bytes(st, i)))
		return json_string((const char *)s);
	if (!(fixed = grym_utf8_repair((const char *)s, (size_t)sqlite3_column_bytes(st, i))))
		return NULL;
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* The list view of the row (columns as in page_rows' SELECT). */
static json_t *item_of(sqlite3_stmt *st)
{
	const unsigned char *labels = sqlite3_column_text(st, 9);
	json_t *lab = labels ? json_loads((const char *)labels, 0, NULL) : json_array();
	json_t *name = col_text(st, 2);
	return json_pack("{s:o,s:o,s:o,s:f,s:i,s:i,s:o,s:o,s:I,s:o,s:I,s:o}",
			 "id", col_text(st, 0), "kind", col_text(st, 1), "name", name,
			 "duration", sqlite3_column_double(st, 3),
			 "sample_rate", sqlite3_column_int(st, 4),
			 "channels", sqlite3_column_int(st, 5),
			 "format", col_text(st, 6), "codec", col_text(st, 7),
			 "bytes", (json_int_t)sqlite3_column_int64(st, 8),
			 "labels", lab ? lab : json_array(),
			 "created", (json_int_t)sqlite3_column_int64(st, 10),
			 "parent", col_text(st, 11));
}

/* The sort key of the row, as the cursor keeps it. */
static json_t *key_of(sqlite3_stmt *st, const struct sort_col *s)
{
	switch (s->type) {
	case CAT_KEY_TEXT: {
		/* the exact bytes: a name need not be UTF-8, and a key with
		 * U+FFFD in place of its bad bytes would sort elsewhere */
		const char *t = (const char *)sqlite3_column_text(st, 12);
		size_t n = (size_t)sqlite3_column_bytes(st, 12);
		if (!t || grym_utf8_valid(t, n))
			return col_text(st, 12);
		char *b = grym_base64_encode(t, n);
		json_t *k = b ? json_pack("{s:s}", "b64", b) : NULL;
		free(b);
		return k;
	}
	case CAT_KEY_REAL:
		return json_real(sqlite3_column_double(st, 12));
	default:
		return json_integer((json_int_t)sqlite3_column_int64(st, 12));
	}
}

int grym_catalog_asset_page(grym_catalog *cat, const grym_asset_page_query *q, char **json,
			    grym_error *err)
{
	const struct sort_col *sort;
	grym_asset_page_query none = { 0 };
	cat_cursor cur = { 0 };
	sqlbuf b = { .n = 0 };
	sqlite3_stmt *st = NULL;
	json_t *items = NULL;
	char *lq = NULL, *next = NULL;
	long long total = 0;
	int limit, rc, n = 0, desc;
	char frag[256];

	*json = NULL;
	if (!q)
		q = &none;
	desc = q->descending != 0;
	if ((rc = check_query(q, &sort, err)) != GRYM_OK ||
	    (rc = cat_page_limit(q->limit, &limit, err)) != GRYM_OK)
		return rc;
	if (q->cursor && *q->cursor &&
	    (rc = cat_cursor_decode(q->cursor, sort->name, desc, sort->type, &cur, err)) != GRYM_OK)
		return rc;
	if (q->search && *q->search) {
		if (!(lq = strdup(q->search))) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (char *p = lq; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if ((rc = count_rows(cat, q, lq, &total, err)) != GRYM_OK)
		goto out;

	add(&b, "SELECT a.id, a.kind, a.name, a.duration, a.sample_rate, a.channels, a.format,"
	    " a.codec, a.bytes, (SELECT json_group_array(label) FROM (SELECT label FROM"
	    " asset_labels WHERE asset = a.id ORDER BY rowid)), a.created, a.parent, ");
	add(&b, sort->col);
	add(&b, " FROM assets a WHERE 1");
	add_filters(&b, q);
	if (cur.key) {
		if (!strcmp(sort->name, "id"))
			snprintf(frag, sizeof frag, " AND a.id %s :cid", desc ? "<" : ">");
		else
			snprintf(frag, sizeof frag, " AND (%s, a.id) %s (:ckey, :cid)", sort->col,
				 desc ? "<" : ">");
		add(&b, frag);
	}
	snprintf(frag, sizeof frag, " ORDER BY %s %s", sort->col, desc ? "DESC" : "ASC");
	add(&b, frag);
	if (strcmp(sort->name, "id"))
		add(&b, desc ? ", a.id DESC" : ", a.id ASC");
	add(&b, " LIMIT :lim");
	if ((rc = prepare(cat, &b, &st, err)) != GRYM_OK)
		goto out;
	bind_filters(st, q, lq);
	if (cur.key) {
		int ki = sqlite3_bind_parameter_index(st, ":ckey");
		if (ki && json_is_string(cur.key))
			cat_bind_text(st, ki, json_string_value(cur.key));
		else if (ki && json_is_object(cur.key)) /* bytes that are not UTF-8 */
			sqlite3_bind_text(st, ki, cur.bytes, (int)cur.nbytes, SQLITE_TRANSIENT);
		else if (ki && json_is_integer(cur.key))
			sqlite3_bind_int64(st, ki, json_integer_value(cur.key));
		else if (ki)
			sqlite3_bind_double(st, ki, json_number_value(cur.key));
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":cid"), cur.id);
	}
	/* one row more than the page: whether there is a next page */
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":lim"), limit + 1);
	if (!(items = json_array())) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			/* more rows follow: the cursor is the page's last row */
			json_t *last = json_array_get(items, (size_t)n - 1);
			json_t *k = json_object_get(last, "_key");
			next = cat_cursor_encode(sort->name, desc, k,
						 json_string_value(json_object_get(last, "id")));
			if (!next) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto out;
			}
			break;
		}
		json_t *it = item_of(st);
		if (!it || json_object_set_new(it, "_key", key_of(st, sort)) ||
		    json_array_append_new(items, it)) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = cat_db_error(cat, err, "querying assets");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(items); i++)
		json_object_del(json_array_get(items, i), "_key");
	rc = cat_page_text(items, next, total, json, err);
	items = NULL;
	next = NULL;
out:
	sqlite3_finalize(st);
	json_decref(items);
	cat_cursor_clear(&cur);
	free(next);
	free(lq);
	return rc;
}
