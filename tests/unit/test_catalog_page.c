/*
 * test_catalog_page.c — pages of the asset list (grym/catalog_page.h):
 * every sort both ways with ties broken by id, walking all pages visits
 * every asset once in order even when rows are inserted between pages,
 * filters and search, a refused cursor, the limit's bounds, the name
 * column of migration 5.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grym/catalog.h"
#include "grym/catalog_page.h"
#include "tap.h"

#define N 24

static const char *NAMES[] = { "kick.wav", "Snare.wav", "kick.wav", "hat.wav", "KICK.wav",
			       "bass.flac", "Bass.flac", "zeta.mp3" };

typedef struct row {
	char id[GRYM_ID_LEN + 1];
	char name[64];
	double duration;
	long long bytes, created;
	char kind[16];
} row;

static row rows[N + 8];
static int nrows;

static void put_source(grym_catalog *cat, int i, const char *path, const char *label,
		       double duration, long long bytes)
{
	grym_asset a;
	char data[64];
	grym_asset_init(&a);
	snprintf(data, sizeof data, "asset bytes %d", i);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), data, strlen(data), a.object, NULL));
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.format = strdup("wav");
	a.codec = strdup("pcm_s16le");
	a.sample_rate = 16000;
	a.channels = 1 + i % 2;
	a.duration = duration;
	a.bytes = (uint64_t)bytes;
	/* the exact bytes, which need not be UTF-8 (as grym_asset.paths) */
	a.paths = json_array();
	json_array_append_new(a.paths, json_stringn_nocheck(path, strlen(path)));
	a.labels = label ? json_pack("[s]", label) : NULL;
	a.meta = json_pack("{s:s}", "speaker", i % 5 == 0 ? "Alice Smith" : i == 11 ? "O\"Neil" : "bob");
	a.tags = json_pack("{s:s}", "title", i == 7 ? "Night Train" : "untitled");
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	row *r = &rows[nrows++];
	strcpy(r->id, a.id);
	const char *b = strrchr(path, '/');
	snprintf(r->name, sizeof r->name, "%s", b ? b + 1 : path);
	r->duration = duration;
	r->bytes = bytes;
	strcpy(r->kind, "source");
	grym_asset_clear(&a);
}

static void put_derived(grym_catalog *cat, const char *parent, int k)
{
	grym_asset a;
	char data[64];
	json_t *r = json_pack("{s:s,s:i}", "stage", "normalize", "k", k);
	grym_asset_init(&a);
	snprintf(data, sizeof data, "derived bytes %d", k);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), data, strlen(data), a.object, NULL));
	TAP_SETUP(grym_id_derived(parent, r, a.id, NULL));
	strcpy(a.kind, "derived");
	strcpy(a.parent, parent);
	a.recipe = grym_recipe_canonical(r);
	a.duration = 0.5;
	a.bytes = 100;
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	row *w = &rows[nrows++];
	strcpy(w->id, a.id);
	strcpy(w->kind, "derived");
	w->duration = 0.5;
	w->bytes = 100;
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].id, parent))
			strcpy(w->name, rows[i].name);
	json_decref(r);
	grym_asset_clear(&a);
}

static void sql(const char *dir, const char *q)
{
	char path[4400];
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/catalog.db", dir);
	TAP_SETUP(sqlite3_open(path, &db) == SQLITE_OK ? 0 : -1);
	TAP_SETUP(sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1);
	sqlite3_close(db);
}

static const char *g_sort;
static int g_desc;

static int cmp_rows(const void *x, const void *y)
{
	const row *a = x, *b = y;
	int c = 0;
	if (!strcmp(g_sort, "name"))
		c = strcasecmp(a->name, b->name);
	else if (!strcmp(g_sort, "duration"))
		c = (a->duration > b->duration) - (a->duration < b->duration);
	else if (!strcmp(g_sort, "created"))
		c = (a->created > b->created) - (a->created < b->created);
	else if (!strcmp(g_sort, "size"))
		c = (a->bytes > b->bytes) - (a->bytes < b->bytes);
	if (!c)
		c = strcmp(a->id, b->id);
	return g_desc ? -c : c;
}

/* Walk every page of q, appending item ids to ids; returns the number of
 * pages, or -1 on an error. */
static int walk(grym_catalog *cat, grym_asset_page_query q, char ids[][GRYM_ID_LEN + 1],
		int *n, long long *total)
{
	char *cursor = NULL;
	int pages = 0;
	*n = 0;
	for (;;) {
		char *text = NULL;
		grym_error err = { 0 };
		q.cursor = cursor;
		if (grym_catalog_asset_page(cat, &q, &text, &err) != GRYM_OK) {
			tap_diag("page: %s", err.msg);
			free(cursor);
			return -1;
		}
		json_t *j = json_loads(text, 0, NULL);
		free(text);
		free(cursor);
		cursor = NULL;
		pages++;
		*total = json_integer_value(json_object_get(j, "total"));
		json_t *it;
		size_t i;
		json_array_foreach(json_object_get(j, "items"), i, it)
			if (*n < N + 8)
				snprintf(ids[(*n)++], GRYM_ID_LEN + 1, "%s",
					 json_string_value(json_object_get(it, "id")));
		json_t *next = json_object_get(j, "next_cursor");
		if (json_is_string(next))
			cursor = strdup(json_string_value(next));
		json_decref(j);
		if (!cursor || pages > 100)
			break;
	}
	free(cursor);
	return pages;
}

static void test_sorts(grym_catalog *cat)
{
	static const char *sorts[] = { "name", "duration", "created", "size", "id" };
	for (size_t s = 0; s < 5; s++) {
		for (int d = 0; d < 2; d++) {
			char ids[N + 8][GRYM_ID_LEN + 1];
			row want[N + 8];
			int n = 0, same = 1;
			long long total = 0;
			grym_asset_page_query q = { .sort = sorts[s], .descending = d, .limit = 5 };
			int pages = walk(cat, q, ids, &n, &total);
			memcpy(want, rows, sizeof want);
			g_sort = sorts[s];
			g_desc = d;
			qsort(want, (size_t)nrows, sizeof *want, cmp_rows);
			for (int i = 0; i < nrows && i < n; i++)
				if (strcmp(ids[i], want[i].id)) {
					same = 0;
					tap_diag("  row %d: got %.12s want %.12s (%s)", i, ids[i], want[i].id,
						 want[i].name);
				}
			TAP_OK(pages == (nrows + 4) / 5 && n == nrows && total == nrows && same,
			       "sort %s %s: %d pages of 5 visit all %d assets in order, ties by id",
			       sorts[s], d ? "descending" : "ascending", pages, nrows);
		}
	}
	/* pages of one: every row is a cursor, the one not UTF-8 too */
	{
		char ids[N + 8][GRYM_ID_LEN + 1];
		row want[N + 8];
		int n = 0, same = 1;
		long long total = 0;
		grym_asset_page_query q = { .sort = "name", .limit = 1 };
		int pages = walk(cat, q, ids, &n, &total);
		memcpy(want, rows, sizeof want);
		g_sort = "name";
		g_desc = 0;
		qsort(want, (size_t)nrows, sizeof *want, cmp_rows);
		for (int i = 0; i < nrows && i < n; i++)
			same &= !strcmp(ids[i], want[i].id);
		TAP_OK(pages == nrows && n == nrows && same,
		       "pages of one by name, a name with bytes not UTF-8 among them: all in order");
	}
}

/* A walk by name in pages of 4, inserting a row before the cursor and
 * one after it between pages: the ones there at the start are visited
 * once each, in order; the one after the cursor is seen, the one before
 * is not. */
static void test_continuity(grym_catalog *cat, const char *dir)
{
	char ids[N + 8][GRYM_ID_LEN + 1];
	char *cursor = NULL, *text = NULL;
	int n = 0, pages = 0, inserted = 0;
	row before[N + 8];
	int nbefore = nrows;
	grym_error err = { 0 };

	memcpy(before, rows, sizeof before);
	g_sort = "name";
	g_desc = 0;
	qsort(before, (size_t)nbefore, sizeof *before, cmp_rows);
	for (;;) {
		grym_asset_page_query q = { .sort = "name", .limit = 4, .cursor = cursor };
		if (grym_catalog_asset_page(cat, &q, &text, &err) != GRYM_OK)
			break;
		json_t *j = json_loads(text, 0, NULL), *it;
		size_t i;
		free(text);
		json_array_foreach(json_object_get(j, "items"), i, it)
			snprintf(ids[n++], GRYM_ID_LEN + 1, "%s", json_string_value(json_object_get(it, "id")));
		free(cursor);
		cursor = json_is_string(json_object_get(j, "next_cursor"))
			? strdup(json_string_value(json_object_get(j, "next_cursor"))) : NULL;
		json_decref(j);
		pages++;
		if (pages == 2 && !inserted) {
			/* "aaa" sorts before the cursor, "zzzz" after it */
			put_source(cat, 100, "/new/aaa.wav", NULL, 1.0, 10);
			put_source(cat, 101, "/new/zzzz.wav", NULL, 1.0, 10);
			inserted = 1;
		}
		if (!cursor || n > N + 4)
			break;
	}
	free(cursor);
	int in_order = 1, k = 0, saw_new = 0, saw_old_new = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(ids[i], rows[nbefore + 1].id)) {
			saw_new++;
			continue;
		}
		if (!strcmp(ids[i], rows[nbefore].id)) {
			saw_old_new++;
			continue;
		}
		if (k >= nbefore || strcmp(ids[i], before[k].id))
			in_order = 0;
		k++;
	}
	TAP_OK(err.code == 0 && in_order && k == nbefore,
	       "pages with inserts between them visit each first asset once, in order: %s", err.msg);
	TAP_OK(saw_new == 1 && saw_old_new == 0,
	       "a row inserted after the cursor shows up once, one before it does not");
	(void)dir;
}

static long long count_of(grym_catalog *cat, grym_asset_page_query q, char ids[][GRYM_ID_LEN + 1],
			  int *n)
{
	long long total = -1;
	q.limit = 1000;
	if (walk(cat, q, ids, n, &total) != 1)
		return -1;
	return total;
}

static int has(char ids[][GRYM_ID_LEN + 1], int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

static void test_filters(grym_catalog *cat)
{
	char ids[N + 8][GRYM_ID_LEN + 1];
	int n, want = 0;
	const char *ab[] = { "drum", "tonal" };
	const char *one[] = { "tonal" };
	grym_asset_page_query q = { 0 };

	for (int i = 0; i < nrows; i++)
		want += !strcmp(rows[i].kind, "derived");
	q.kind = "derived";
	TAP_EQ_INT(count_of(cat, q, ids, &n), want, "kind derived: the derived ones");
	TAP_OK(n == want && has(ids, n, rows[N + 1].id), "and they are listed");

	/* labels: i % 3 == 0 drum, 1 tonal, 2 none; derived of 0 inherit drum */
	memset(&q, 0, sizeof q);
	q.labels = one;
	q.nlabels = 1;
	int tonal = 0, any = 0;
	for (int i = 0; i < N; i++) {
		tonal += i % 3 == 1;
		any += i % 3 != 2;
	}
	TAP_EQ_INT(count_of(cat, q, ids, &n), tonal, "one label");
	q.labels = ab;
	q.nlabels = 2;
	TAP_EQ_INT(count_of(cat, q, ids, &n), any, "two labels: any of them");
	q.kind = "source";
	TAP_EQ_INT(count_of(cat, q, ids, &n), any, "labels and kind together");

	/* search: a name without case, a metadata value, a tag value */
	memset(&q, 0, sizeof q);
	int kicks = 0;
	for (int i = 0; i < nrows; i++)
		kicks += strcasestr(rows[i].name, "kick") != NULL;
	q.search = "KiCk";
	TAP_EQ_INT(count_of(cat, q, ids, &n), kicks, "search a name without case (derived by their name)");
	q.search = "alice s";
	int alices = 0;
	for (int i = 0; i < N; i++)
		alices += i % 5 == 0;
	alices += 2; /* asset 60 (the Latin-1 name) and test_continuity's 100 */
	TAP_EQ_INT(count_of(cat, q, ids, &n), alices, "search a metadata value");
	q.search = "o\"n";
	TAP_EQ_INT(count_of(cat, q, ids, &n), 1, "search a value that JSON escapes");
	q.search = "night";
	TAP_EQ_INT(count_of(cat, q, ids, &n), 1, "search a tag value");
	TAP_OK(n == 1 && !strcmp(ids[0], rows[7].id), "the one with that title");
	q.search = "dir3/";
	TAP_EQ_INT(count_of(cat, q, ids, &n), 0, "search matches base names, not folders");
	q.search = "night";
	q.labels = one;
	q.nlabels = 1;
	TAP_EQ_INT(count_of(cat, q, ids, &n), 7 % 3 == 1 ? 1 : 0, "search and label together");
}

static void test_item_and_errors(grym_catalog *cat)
{
	grym_asset_page_query q = { .sort = "name", .limit = 1 };
	grym_error err = { 0 };
	char *text = NULL;
	json_t *j, *it;

	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_OK, "a page of one");
	j = json_loads(text ? text : "null", 0, NULL);
	it = json_array_get(json_object_get(j, "items"), 0);
	static const char *fields[] = { "id", "kind", "name", "duration", "sample_rate", "channels",
					"format", "codec", "bytes", "labels", "created", "parent" };
	int ok = json_object_size(it) == 12;
	for (size_t i = 0; i < 12; i++)
		ok = ok && json_object_get(it, fields[i]);
	TAP_OK(ok, "an item has exactly the list view's fields");
	TAP_EQ_STR(json_string_value(json_object_get(it, "name")), "aaa.wav", "first by name");
	{
		grym_asset_page_query s = { .search = "caf", .limit = 5 };
		char *t = NULL;
		TAP_SETUP(grym_catalog_asset_page(cat, &s, &t, NULL));
		json_t *sj = json_loads(t ? t : "null", 0, NULL);
		TAP_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(sj, "items"), 0),
							     "name")), "caf\xef\xbf\xbd.wav",
			   "a name not UTF-8 is shown with U+FFFD for its bad byte");
		json_decref(sj);
		free(t);
	}
	TAP_OK(json_is_null(json_object_get(it, "parent")) && json_is_array(json_object_get(it, "labels")),
	       "a source's parent is null, labels an array");
	const char *cur = json_string_value(json_object_get(j, "next_cursor"));
	TAP_OK(cur && strspn(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(cur),
	       "the cursor is base64url");

	/* the same cursor for another sort, order; garbage; a forged key */
	char *good = cur ? strdup(cur) : strdup("x");
	free(text);
	json_decref(j);
	q.cursor = good;
	q.sort = "duration";
	memset(&err, 0, sizeof err);
	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_ERR_INVALID,
		   "a cursor of another sort is refused");
	TAP_OK(!strncmp(err.msg, "cursor: ", 8), "naming the cursor: %s", err.msg);
	q.sort = "name";
	q.descending = 1;
	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_ERR_INVALID,
		   "and one of the other order");
	q.descending = 0;
	static const char *bad[] = {
		"!!!", "abc", "e30", /* {} */
		/* {"i":"x","k":"a","o":"a","s":"name"} */
		"eyJpIjoieCIsImsiOiJhIiwibyI6ImEiLCJzIjoibmFtZSJ9",
		/* {"i":"<64 zeros>","k":5,"o":"a","s":"name"}: a number as a name */
		"eyJpIjoiMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIiwiayI6NSwibyI6ImEiLCJzIjoibmFtZSJ9",
	};
	int refused = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		q.cursor = bad[i];
		memset(&err, 0, sizeof err);
		text = NULL;
		refused += grym_catalog_asset_page(cat, &q, &text, &err) == GRYM_ERR_INVALID &&
			   !strncmp(err.msg, "cursor: ", 8) && !text;
	}
	TAP_EQ_INT(refused, 5, "garbled and forged cursors are refused, naming the cursor");
	free(good);

	/* limit bounds */
	int lims[] = { -1, 1001 };
	q.cursor = NULL;
	for (int i = 0; i < 2; i++) {
		q.limit = lims[i];
		memset(&err, 0, sizeof err);
		TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_ERR_INVALID,
			   "limit %d refused", lims[i]);
		TAP_OK(!strncmp(err.msg, "limit: ", 7), "naming the limit: %s", err.msg);
	}
	q.limit = 1000;
	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_OK, "limit 1000 taken");
	free(text);
	q.sort = "loudness";
	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_ERR_INVALID, "an unknown sort");
	TAP_OK(!strncmp(err.msg, "sort: ", 6), "naming the sort: %s", err.msg);
	q.sort = NULL;
	q.kind = "both";
	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_ERR_INVALID, "an unknown kind");
}

static void test_default_limit(const char *top)
{
	char dir[4200];
	grym_error err = { 0 };
	snprintf(dir, sizeof dir, "%s/many", top);
	grym_catalog *cat = grym_catalog_open(dir, &err);
	TAP_SETUP(cat ? 0 : -1);
	TAP_SETUP(grym_catalog_begin(cat, NULL));
	for (int i = 0; i < 60; i++) {
		grym_asset a;
		char data[32], path[32];
		grym_asset_init(&a);
		snprintf(data, sizeof data, "many %d", i);
		snprintf(path, sizeof path, "m%02d.wav", i);
		TAP_SETUP(grym_store_put(grym_catalog_store(cat), data, strlen(data), a.object, NULL));
		strcpy(a.id, a.object);
		strcpy(a.kind, "source");
		a.paths = json_pack("[s]", path);
		TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
		grym_asset_clear(&a);
	}
	TAP_SETUP(grym_catalog_commit(cat, NULL));
	char *text = NULL;
	grym_asset_page_query q = { .sort = "name" };
	TAP_EQ_INT(grym_catalog_asset_page(cat, &q, &text, &err), GRYM_OK, "limit 0");
	json_t *j = json_loads(text ? text : "null", 0, NULL);
	TAP_EQ_INT(json_array_size(json_object_get(j, "items")), 50, "gives the default 50 rows");
	TAP_EQ_INT(json_integer_value(json_object_get(j, "total")), 60, "of a total of 60");
	json_decref(j);
	free(text);
	grym_catalog_close(cat);
}

/* Migration 5 on a catalog that has rows: names filled from the first
 * path, a derived asset's from its parent; its triggers then keep them. */
static void test_migration(const char *top)
{
	char dir[4200], p[4400];
	grym_error err = { 0 };
	snprintf(dir, sizeof dir, "%s/old", top);
	grym_catalog *cat = grym_catalog_open(dir, &err);
	TAP_SETUP(cat ? 0 : -1);
	grym_asset a;
	grym_asset_init(&a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "old", 3, a.object, NULL));
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.paths = json_pack("[s,s]", "/x/first.wav", "/y/second.wav");
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	char src[GRYM_ID_LEN + 1];
	strcpy(src, a.id);
	grym_asset_clear(&a);
	json_t *r = json_pack("{s:s}", "stage", "normalize");
	grym_asset_init(&a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "old2", 4, a.object, NULL));
	TAP_SETUP(grym_id_derived(src, r, a.id, NULL));
	strcpy(a.kind, "derived");
	strcpy(a.parent, src);
	a.recipe = grym_recipe_canonical(r);
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	grym_asset_clear(&a);
	json_decref(r);
	grym_catalog_close(cat);
	/* back to version 4: what a catalog made before this step looks like */
	sql(dir, "DROP TRIGGER assets_name_path; DROP TRIGGER assets_name_inherit;"
	    " DROP INDEX assets_name; DROP INDEX assets_duration; DROP INDEX assets_created;"
	    " DROP INDEX assets_bytes; ALTER TABLE assets DROP COLUMN name;"
	    " PRAGMA user_version = 4");
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat && grym_catalog_schema_version(cat) == 5, "a version 4 catalog migrates: %s", err.msg);
	grym_catalog_close(cat);
	sqlite3 *db;
	sqlite3_stmt *st;
	snprintf(p, sizeof p, "%s/catalog.db", dir);
	sqlite3_open(p, &db);
	sqlite3_prepare_v2(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM assets ORDER BY kind DESC)",
			   -1, &st, NULL);
	sqlite3_step(st);
	TAP_EQ_STR((const char *)sqlite3_column_text(st, 0), "first.wav,first.wav",
		   "names filled: the first path's base name, the parent's for a derived asset");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const char *top = tap_tmpdir();
	char dir[4200];
	grym_error err = { 0 };
	grym_catalog *cat;

	tap_plan(50);
	snprintf(dir, sizeof dir, "%s/cat", top);
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "open: %s", err.msg);
	if (!cat)
		return tap_done();
	TAP_SETUP(grym_catalog_begin(cat, NULL));
	for (int i = 0; i < N; i++) {
		char path[128];
		snprintf(path, sizeof path, "/data/dir%d/%s", i % 4, NAMES[i % 8]);
		put_source(cat, i, path, i % 3 == 0 ? "drum" : i % 3 == 1 ? "tonal" : NULL,
			   (i % 4) * 0.5 + 0.25, (i * 7) % 5 * 100);
	}
	/* a name that is not UTF-8 (Latin-1) */
	put_source(cat, 60, "/data/caf\xe9.wav", NULL, 0.75, 200);
	put_derived(cat, rows[0].id, 1);
	put_derived(cat, rows[0].id, 2);
	TAP_SETUP(grym_catalog_commit(cat, NULL));
	/* creation times with ties (put_asset stamps the current second) */
	sql(dir, "UPDATE assets SET created = 1000 + (rowid % 3)");
	{
		char p[4300];
		sqlite3 *db;
		sqlite3_stmt *st;
		snprintf(p, sizeof p, "%s/catalog.db", dir);
		sqlite3_open(p, &db);
		sqlite3_prepare_v2(db, "SELECT id, created, name FROM assets", -1, &st, NULL);
		int named = 1;
		while (sqlite3_step(st) == SQLITE_ROW)
			for (int i = 0; i < nrows; i++)
				if (!strcmp(rows[i].id, (const char *)sqlite3_column_text(st, 0))) {
					rows[i].created = sqlite3_column_int64(st, 1);
					named = named && !strcmp(rows[i].name,
								 (const char *)sqlite3_column_text(st, 2));
				}
		sqlite3_finalize(st);
		sqlite3_close(db);
		TAP_OK(named, "the name column: a path's base name, a derived asset its parent's");
	}
	test_sorts(cat);
	test_continuity(cat, dir);
	test_filters(cat);
	test_item_and_errors(cat);
	grym_catalog_close(cat);
	test_default_limit(top);
	test_migration(top);
	return tap_done();
}
