/*
 * test_catalog.c — the SQLite catalog: migrations, put/merge rules,
 * queries, prefix resolution, labels/meta/rm, features/models/predictions,
 * gc, fsck, export/import and merge round trips.
 */
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grym/catalog.h"
#include "tap.h"

/* Store bytes and fill a source asset for them. */
static void make_source(grym_catalog *cat, const char *bytes, grym_asset *a,
			const char *label, const char *path)
{
	grym_asset_init(a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a->object, NULL));
	strcpy(a->id, a->object);
	strcpy(a->kind, "source");
	a->format = strdup("wav");
	a->codec = strdup("pcm_s16le");
	a->sample_rate = 16000;
	a->channels = 1;
	a->bits = 16;
	a->frames = 16000;
	a->duration = 1.0;
	a->bytes = strlen(bytes);
	a->labels = label ? json_pack("[s]", label) : NULL;
	a->paths = path ? json_pack("[s]", path) : NULL;
}

static void make_derived(grym_catalog *cat, const char *parent, const char *bytes,
			 double lufs, grym_asset *a)
{
	json_t *r = json_pack("{s:s, s:f}", "stage", "normalize", "lufs", lufs);
	grym_asset_init(a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a->object, NULL));
	TAP_SETUP(grym_id_derived(parent, r, a->id, NULL));
	strcpy(a->kind, "derived");
	strcpy(a->parent, parent);
	a->recipe = grym_recipe_canonical(r);
	a->sample_rate = 16000;
	a->channels = 1;
	a->duration = 1.0;
	a->bytes = strlen(bytes);
	json_decref(r);
}

struct lines { char buf[8192]; int n; };
static void collect(void *ud, const char *line)
{
	struct lines *l = ud;
	l->n++;
	strncat(l->buf, line, sizeof l->buf - strlen(l->buf) - 2);
	strcat(l->buf, "\n");
}

static int count_visit(void *ud, const grym_asset *a)
{
	(void)a;
	(*(int *)ud)++;
	return 0;
}

static int count(grym_catalog *cat, const grym_asset_query *q)
{
	int n = 0;
	TAP_SETUP(grym_catalog_foreach_asset(cat, q, count_visit, &n, NULL));
	return n;
}

static char *dump_asset(grym_catalog *cat, const char *id)
{
	grym_asset a;
	json_t *j;
	char *s;
	if (grym_catalog_get_asset(cat, id, &a, NULL) != GRYM_OK)
		return strdup("(missing)");
	j = grym_asset_to_json(&a);
	s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(j);
	grym_asset_clear(&a);
	return s;
}

static int same_asset(grym_catalog *x, grym_catalog *y, const char *id)
{
	char *a = dump_asset(x, id), *b = dump_asset(y, id);
	int same = strcmp(a, b) == 0;
	if (!same)
		tap_diag("  %s\n  vs %s", a, b);
	free(a);
	free(b);
	return same;
}

static int sql_int(const char *dir, const char *sql)
{
	char path[4200];
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;
	snprintf(path, sizeof path, "%s/catalog.db", dir);
	sqlite3_open(path, &db);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *dir, const char *sql)
{
	char path[4200];
	sqlite3 *db;
	snprintf(path, sizeof path, "%s/catalog.db", dir);
	sqlite3_open(path, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
}

static void test_migrations(const char *top)
{
	char dir[4096];
	grym_error err = { 0 };
	grym_catalog *cat;

	snprintf(dir, sizeof dir, "%s/fresh/sub", top);
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "open creates a catalog in a new directory: %s", err.msg);
	TAP_EQ_INT(grym_catalog_schema_version(cat), 5, "schema version 5");
	grym_catalog_close(cat);
	TAP_EQ_INT(sql_int(dir, "PRAGMA user_version"), 5, "user_version stored");
	TAP_EQ_INT(sql_int(dir, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
			   " ('assets','asset_paths','asset_labels','asset_meta','features',"
			   "'models','predictions','jobs','pending','tokens','audit','views')"), 12,
		   "all twelve tables exist");
	TAP_EQ_INT(sql_int(dir, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name"
			   " NOT LIKE 'sqlite_%'"), 16, "indexes exist (4 of them for the asset list)");
	{
		char mode[16] = "";
		char path[4200];
		sqlite3 *db;
		sqlite3_stmt *st;
		snprintf(path, sizeof path, "%s/catalog.db", dir);
		sqlite3_open(path, &db);
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(mode, sizeof mode, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(db);
		TAP_EQ_STR(mode, "wal", "WAL mode is persistent");
	}
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "re-open");
	TAP_EQ_INT(grym_catalog_schema_version(cat), 5, "re-open is a no-op");
	grym_catalog_close(cat);
	TAP_EQ_INT(sql_int(dir, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 13,
		   "no table added twice");

	sql_exec(dir, "PRAGMA user_version = 99");
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat == NULL, "a catalog from the future is refused");
	TAP_EQ_INT(err.code, GRYM_ERR_UNSUPPORTED, "as unsupported");
	TAP_OK(strstr(err.msg, "schema version 99 is newer") && strstr(err.msg, "upgrade grym"),
	       "with a clear message: %s", err.msg);
	grym_catalog_close(cat);
}

/* The type SQLite stores each origin path of the catalog in dir with,
 * in rowid order ("text blob"). */
static void path_types(const char *dir, char *out, size_t len)
{
	char path[4200];
	sqlite3 *db;
	sqlite3_stmt *st;
	snprintf(path, sizeof path, "%s/catalog.db", dir);
	out[0] = '\0';
	sqlite3_open(path, &db);
	sqlite3_prepare_v2(db, "SELECT typeof(path) FROM asset_paths ORDER BY rowid", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "",
			 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Origin paths that are not UTF-8 keep their bytes: a BLOB in the
 * database (UTF-8 ones stay TEXT), "paths" + "paths_b64" in JSON, and
 * back through from_json (what import reads). */
static void test_path_bytes(const char *top)
{
	char dir[4096], types[256];
	grym_error err = { 0 };
	grym_asset a, got, back;
	static const char bad[] = "/data/b\xe9" "b\xe9.wav";   /* Latin-1 "bébé" */

	snprintf(dir, sizeof dir, "%s/bytes", top);
	grym_catalog *cat = grym_catalog_open(dir, &err);
	make_source(cat, "latin one", &a, "x", "/data/plain.wav");
	json_array_append_new(a.paths, json_stringn_nocheck(bad, strlen(bad)));
	TAP_EQ_INT(grym_catalog_put_asset(cat, &a, NULL, &err), GRYM_OK, "put an asset with a non-UTF-8 path: %s", err.msg);
	TAP_EQ_INT(grym_catalog_put_asset(cat, &a, NULL, &err), GRYM_OK, "put it again");
	path_types(dir, types, sizeof types);
	TAP_EQ_STR(types, "text blob", "a UTF-8 path is TEXT, the other a BLOB, each stored once");
	TAP_EQ_INT(grym_catalog_get_asset(cat, a.id, &got, &err), GRYM_OK, "get it");
	const json_t *p1 = json_array_get(got.paths, 1);
	TAP_OK(json_array_size(got.paths) == 2 && json_string_length(p1) == strlen(bad) &&
	       memcmp(json_string_value(p1), bad, strlen(bad)) == 0, "the exact bytes come back");
	grym_asset_query q = { .path_glob = "/data/b*b*.wav" };
	TAP_EQ_INT(count(cat, &q), 1, "--path GLOB matches a BLOB path");

	json_t *j = grym_asset_to_json(&got);
	char *s = json_dumps(json_object_get(j, "paths"), JSON_COMPACT);
	char *s64 = json_dumps(json_object_get(j, "paths_b64"), JSON_COMPACT);
	TAP_EQ_STR(s, "[\"/data/plain.wav\",\"/data/b\xef\xbf\xbd" "b\xef\xbf\xbd.wav\"]",
		   "JSON: paths with U+FFFD");
	TAP_EQ_STR(s64, "[null,\"L2RhdGEvYuli6S53YXY=\"]", "JSON: paths_b64, null for the UTF-8 path");
	free(s);
	free(s64);
	TAP_EQ_INT(grym_asset_from_json(j, &back, &err), GRYM_OK, "from_json: %s", err.msg);
	const json_t *b1 = json_array_get(back.paths, 1);
	TAP_OK(json_string_length(b1) == strlen(bad) && memcmp(json_string_value(b1), bad, strlen(bad)) == 0 &&
	       strcmp(json_string_value(json_array_get(back.paths, 0)), "/data/plain.wav") == 0,
	       "from_json gives the exact bytes back");
	grym_asset_clear(&back);
	json_object_set_new(j, "paths_b64", json_pack("[s]", "AAAA"));
	TAP_EQ_INT(grym_asset_from_json(j, &back, &err), GRYM_ERR_FORMAT, "paths_b64 of another length is refused");
	json_decref(j);
	grym_asset_clear(&got);
	grym_asset_clear(&a);
	grym_catalog_close(cat);
}


/* The file of object obj in cat's directory store (the layout of
 * lib/store/store_dir.c, which no library call names): white-box, so a
 * test can damage or age it on disk. */
static void object_file(grym_catalog *cat, const char *obj, char *path, size_t len)
{
	snprintf(path, len, "%s/objects/%.2s/%s", grym_store_dir(grym_catalog_store(cat)), obj, obj);
}

/* Overwrite one byte of a file (its size kept), or cut it shorter. */
static void damage(grym_catalog *cat, const char *obj, long cut)
{
	char path[4096];
	object_file(cat, obj, path, sizeof path);
	if (cut) {
		truncate(path, cut);
		return;
	}
	FILE *f = fopen(path, "r+b");
	int c = fgetc(f);
	fseek(f, 0, SEEK_SET);
	fputc(c ^ 0x40, f);
	fclose(f);
}

/* Reading objects through the catalog (objects.c): the size always, the
 * hash with set_verify (always for a model), each message naming the
 * object, its owner and fsck --repair. */
static void test_object_reads(const char *top)
{
	char dir[4096], arch[4200], path[4096];
	grym_error err = { 0 };
	grym_catalog *cat;
	grym_asset a;
	struct stat sb;

	snprintf(dir, sizeof dir, "%s/reads", top);
	cat = grym_catalog_open(dir, &err);
	make_source(cat, "some bytes of audio", &a, "x", "a.wav");
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, &err));
	TAP_EQ_INT(grym_catalog_verifies(cat), 0, "a handle does not hash by default");
	{
		grym_store_reader *r = NULL;
		char got[64] = "";
		int fd;
		ssize_t n;
		r = grym_catalog_open_asset_object(cat, &a, path, sizeof path, &err);
		TAP_EQ_INT(r ? GRYM_OK : err.code, GRYM_OK, "a healthy object opens: %s", err.msg);
		TAP_OK(r && grym_store_reader_read(r, got, sizeof got, &err) == 19 &&
		       memcmp(got, "some bytes of audio", 19) == 0, "its reader reads its bytes");
		TAP_OK(strncmp(path, "/proc/self/fd/", 14) == 0,
		       "the decoders' name is the reader's open file: %s", path);
		/* the name opens the same file afresh: its own offset */
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, got, sizeof got) : -1;
		TAP_OK(n == 19 && memcmp(got, "some bytes of audio", 19) == 0,
		       "and reads the object from its start");
		if (fd >= 0)
			close(fd);
		grym_store_reader_close(r);
	}
	damage(cat, a.object, 0);
	{
		grym_store_reader *r = NULL;
		r = grym_catalog_open_asset_object(cat, &a, NULL, 0, &err);
		TAP_EQ_INT(r ? GRYM_OK : err.code, GRYM_OK, "a flipped byte passes the size check");
		grym_store_reader_close(r);
	}
	grym_catalog_set_verify(cat, 1);
	{
		grym_store_reader *r = (grym_store_reader *)1;
		r = grym_catalog_open_asset_object(cat, &a, path, sizeof path, &err);
		TAP_EQ_INT(r ? GRYM_OK : err.code, GRYM_ERR_CORRUPT, "the hash catches it");
		TAP_OK(r == NULL, "and no reader is left open");
	}
	TAP_OK(strstr(err.msg, "object of ") && strstr(err.msg, a.id) &&
	       strstr(err.msg, "is damaged (its bytes hash to ") &&
	       strstr(err.msg, "run grym-catalog fsck --repair"), "named: %s", err.msg);
	snprintf(arch, sizeof arch, "%s/v.tar", top);
	TAP_EQ_INT(grym_catalog_export(cat, NULL, arch, &err), GRYM_ERR_CORRUPT,
		   "a verifying export fails on it");
	TAP_OK(stat(arch, &sb) != 0, "and leaves no archive");
	grym_catalog_set_verify(cat, 0);
	TAP_EQ_INT(grym_catalog_export(cat, NULL, arch, &err), GRYM_OK, "a plain export copies it");
	damage(cat, a.object, 5);
	TAP_EQ_INT(grym_catalog_check_asset_object(cat, &a, &err), GRYM_ERR_CORRUPT,
		   "a truncated object fails the size check");
	TAP_OK(strstr(err.msg, "is 5 bytes, the catalog says 19: run grym-catalog fsck --repair") != NULL,
	       "both sizes: %s", err.msg);
	TAP_EQ_INT(grym_catalog_export(cat, NULL, arch, &err), GRYM_ERR_CORRUPT,
		   "even a plain export refuses it");

	/* a feature set's frame matrix: frames x dims floats */
	{
		grym_feature_set f = { 0 };
		float m[4 * 2] = { 1, 2, 3, 4, 5, 6, 7, 8 }, *got = NULL;
		json_t *r = json_pack("{s:s}", "stage", "features");
		TAP_SETUP(grym_id_derived(a.id, r, f.id, NULL));
		json_decref(r);
		strcpy(f.asset, a.id);
		f.extractor = "{\"stage\":\"features\"}";
		f.frames = 4;
		f.dims = 2;
		TAP_SETUP(grym_store_put(grym_catalog_store(cat), m, sizeof m, f.object, NULL));
		TAP_EQ_INT((got = grym_catalog_feature_matrix(cat, &f, &err)) ? GRYM_OK : err.code,
			   GRYM_OK, "read a matrix");
		TAP_OK(got && memcmp(got, m, sizeof m) == 0, "its values");
		free(got);
		f.dims = 3;
		TAP_EQ_INT((got = grym_catalog_feature_matrix(cat, &f, &err)) ? GRYM_OK : err.code,
			   GRYM_ERR_CORRUPT,
			   "a matrix of another size than frames x dims is refused");
		TAP_OK(got == NULL && strstr(err.msg, "of feature set ") && strstr(err.msg, f.id) &&
		       strstr(err.msg, "is 32 bytes, the catalog says 48"), "named: %s", err.msg);
		f.dims = 2;
		damage(cat, f.object, 0);
		TAP_EQ_INT((got = grym_catalog_feature_matrix(cat, &f, &err)) ? GRYM_OK : err.code,
			   GRYM_OK, "a flipped matrix is read without verify");
		free(got);
		grym_catalog_set_verify(cat, 1);
		TAP_EQ_INT((got = grym_catalog_feature_matrix(cat, &f, &err)) ? GRYM_OK : err.code,
			   GRYM_ERR_CORRUPT, "and refused with it");
		grym_catalog_set_verify(cat, 0);
		char obj[GRYM_ID_LEN + 1];
		TAP_EQ_INT(grym_store_restore(grym_catalog_store(cat), m, sizeof m, obj, &err), GRYM_OK,
			   "stored again over the damaged object");
		grym_catalog_set_verify(cat, 1);
		TAP_EQ_INT((got = grym_catalog_feature_matrix(cat, &f, &err)) ? GRYM_OK : err.code,
			   GRYM_OK, "whole again");
		free(got);
		grym_catalog_set_verify(cat, 0);
		f.object[0] = '\0';
		TAP_EQ_INT((got = grym_catalog_feature_matrix(cat, &f, &err)) ? GRYM_OK : err.code,
			   GRYM_ERR_NOTFOUND, "a feature set without a matrix");
	}

	/* a model: no size recorded, always hashed */
	{
		grym_model_row mr = { 0 };
		void *buf = NULL;
		size_t len = 0;
		TAP_SETUP(grym_store_put(grym_catalog_store(cat), "model bytes", 11, mr.id, NULL));
		strcpy(mr.object, mr.id);
		mr.name = "birds";
		mr.type = "logreg";
		TAP_SETUP(grym_catalog_put_model(cat, &mr, &err));
		TAP_EQ_INT(grym_catalog_model_bytes(cat, &mr, &buf, &len, &err), GRYM_OK, "read a model");
		TAP_OK(len == 11 && memcmp(buf, "model bytes", 11) == 0, "its bytes");
		free(buf);
		damage(cat, mr.object, 0);
		TAP_EQ_INT(grym_catalog_model_bytes(cat, &mr, &buf, &len, &err), GRYM_ERR_CORRUPT,
			   "a flipped model is refused without verify");
		TAP_OK(buf == NULL && strstr(err.msg, "object of model ") && strstr(err.msg, mr.id) &&
		       strstr(err.msg, "(birds) is damaged"), "named: %s", err.msg);
	}
	grym_asset_clear(&a);
	grym_catalog_close(cat);
}

int main(void)
{
	tap_plan(212);
	const char *top = tap_tmpdir();
	char dir[4096], dir2[4096], arch[4096], id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	grym_catalog *cat, *cat2;
	grym_asset a, b, d, got;
	int created = -1;

	test_migrations(top);
	test_path_bytes(top);
	test_object_reads(top);

	snprintf(dir, sizeof dir, "%s/main", top);
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "open main catalog");

	/* put refuses a row whose object is missing */
	grym_asset_init(&a);
	strcpy(a.kind, "source");
	grym_sha256_hex("not stored", 10, a.id);
	strcpy(a.object, a.id);
	TAP_EQ_INT(grym_catalog_put_asset(cat, &a, NULL, &err), GRYM_ERR_NOTFOUND,
		   "put refuses an asset whose object is not in the store");
	TAP_OK(strstr(err.msg, "not in the store") != NULL, "message: %s", err.msg);

	make_source(cat, "cat meow", &a, NULL, NULL);
	a.id[5] = a.id[5] == 'a' ? 'b' : 'a';
	TAP_EQ_INT(grym_catalog_put_asset(cat, &a, NULL, &err), GRYM_ERR_INVALID,
		   "a source whose id is not its object's is refused");
	grym_asset_clear(&a);
	make_source(cat, "dog bark one", &a, "dog", "/data/dog1.wav");
	a.meta = json_pack("{s:s}", "split", "train");
	TAP_EQ_INT(grym_catalog_put_asset(cat, &a, &created, &err), GRYM_OK, "put source: %s", err.msg);
	TAP_EQ_INT(created, 1, "created");
	grym_asset_clear(&a);

	/* merge rule: same id again with other path/label/meta */
	make_source(cat, "dog bark one", &a, "loud", "/other/copy.wav");
	a.meta = json_pack("{s:s, s:s}", "split", "test", "speaker", "rex");
	TAP_EQ_INT(grym_catalog_put_asset(cat, &a, &created, &err), GRYM_OK, "put again");
	TAP_EQ_INT(created, 0, "not created twice");
	TAP_EQ_INT(grym_catalog_get_asset(cat, a.id, &got, &err), GRYM_OK, "get");
	{
		char *l = json_dumps(got.labels, JSON_COMPACT), *p = json_dumps(got.paths, JSON_COMPACT);
		char *m = json_dumps(got.meta, JSON_COMPACT | JSON_SORT_KEYS);
		TAP_EQ_STR(l, "[\"dog\",\"loud\"]", "labels united");
		TAP_EQ_STR(p, "[\"/data/dog1.wav\",\"/other/copy.wav\"]", "paths united");
		TAP_EQ_STR(m, "{\"speaker\":\"rex\",\"split\":\"train\"}", "meta added where absent");
		free(l); free(p); free(m);
	}
	TAP_EQ_STR(got.format, "wav", "format");
	TAP_EQ_INT(got.sample_rate, 16000, "rate");
	TAP_EQ_INT(got.frames, 16000, "frames");
	TAP_NEAR(got.duration, 1.0, 0, "duration");
	TAP_EQ_INT(got.bytes, 12, "bytes");
	grym_asset_clear(&got);

	make_source(cat, "cat meow", &b, "cat", "/data/cat.wav");
	TAP_EQ_INT(grym_catalog_put_asset(cat, &b, NULL, &err), GRYM_OK, "put cat");
	make_derived(cat, a.id, "normalized dog", -23.0, &d);
	TAP_EQ_INT(grym_catalog_put_asset(cat, &d, &created, &err), GRYM_OK, "put derived: %s", err.msg);
	{
		grym_asset bad;
		make_derived(cat, a.id, "normalized dog", -23.0, &bad);
		bad.id[0] = bad.id[0] == '0' ? '1' : '0';
		TAP_EQ_INT(grym_catalog_put_asset(cat, &bad, NULL, &err), GRYM_ERR_INVALID,
			   "a derived id that does not match parent+recipe is refused");
		grym_asset_clear(&bad);
		make_derived(cat, b.object, "x", -1, &bad);
		grym_sha256_hex("nobody", 6, bad.parent);
		{
			json_t *r = json_loads(bad.recipe, 0, NULL);
			TAP_SETUP(grym_id_derived(bad.parent, r, bad.id, NULL));
			json_decref(r);
		}
		TAP_EQ_INT(grym_catalog_put_asset(cat, &bad, NULL, &err), GRYM_ERR_NOTFOUND,
			   "a derived asset needs its parent in the catalog");
		grym_asset_clear(&bad);
	}

	/* queries */
	{
		grym_asset_query q = { 0 };
		TAP_EQ_INT(count(cat, &q), 3, "all assets");
		q.label = "dog";
		TAP_EQ_INT(count(cat, &q), 1, "label dog");
		q.label = NULL; q.kind = "derived";
		TAP_EQ_INT(count(cat, &q), 1, "kind derived");
		q.kind = "source";
		TAP_EQ_INT(count(cat, &q), 2, "kind source");
		q.kind = NULL; q.parent = a.id;
		TAP_EQ_INT(count(cat, &q), 1, "parent");
		q.parent = NULL; q.meta_key = "split"; q.meta_value = "train";
		TAP_EQ_INT(count(cat, &q), 1, "meta split=train");
		q.meta_value = "test";
		TAP_EQ_INT(count(cat, &q), 0, "meta split=test");
		q.meta_key = NULL; q.meta_value = NULL; q.path_glob = "/data/*";
		TAP_EQ_INT(count(cat, &q), 2, "path glob");
		q.path_glob = NULL; q.limit = 2;
		TAP_EQ_INT(count(cat, &q), 2, "limit");
	}

	/* prefix resolution */
	TAP_EQ_INT(grym_catalog_resolve(cat, a.id, id, &err), GRYM_OK, "full id resolves");
	TAP_EQ_STR(id, a.id, "to itself");
	{
		char p[16];
		snprintf(p, sizeof p, "%.6s", b.id);
		TAP_EQ_INT(grym_catalog_resolve(cat, p, id, &err), GRYM_OK, "unique prefix");
		TAP_EQ_STR(id, b.id, "expands to the full id");
	}
	TAP_EQ_INT(grym_catalog_resolve(cat, "ffffffff", id, &err), GRYM_ERR_NOTFOUND,
		   "unknown prefix not found");
	TAP_EQ_STR(err.msg, "no asset matches 'ffffffff'", "not-found message");
	TAP_EQ_INT(grym_catalog_resolve(cat, "zz", id, &err), GRYM_ERR_NOTFOUND,
		   "non-hex is not found");
	{
		/* Make two ids share a 4-digit prefix: store bytes until one does. */
		char want[5], buf[64];
		grym_asset x, y;
		int i, found = 0;
		snprintf(want, sizeof want, "%.4s", a.id);
		for (i = 0; i < 400000 && !found; i++) {
			char h[GRYM_ID_LEN + 1];
			snprintf(buf, sizeof buf, "collide %d", i);
			grym_sha256_hex(buf, strlen(buf), h);
			found = strncmp(h, want, 4) == 0;
		}
		TAP_OK(found, "found bytes whose id shares a 4-digit prefix");
		make_source(cat, buf, &x, NULL, NULL);
		TAP_SETUP(grym_catalog_put_asset(cat, &x, NULL, &err));
		TAP_EQ_INT(grym_catalog_resolve(cat, want, id, &err), GRYM_ERR_AMBIGUOUS, "ambiguous");
		TAP_OK(strstr(err.msg, a.id) && strstr(err.msg, x.id) && strstr(err.msg, "ambiguous"),
		       "message lists the candidates: %s", err.msg);
		TAP_EQ_INT(grym_catalog_rm_asset(cat, x.id, 0, &err), GRYM_OK, "rm the collider");
		(void)y;
		grym_asset_clear(&x);
	}

	/* labels, meta */
	TAP_EQ_INT(grym_catalog_add_label(cat, b.id, "pet", &err), GRYM_OK, "add label");
	TAP_EQ_INT(grym_catalog_remove_label(cat, b.id, "cat", &err), GRYM_OK, "remove label");
	{
		json_t *v = json_integer(3);
		TAP_EQ_INT(grym_catalog_set_meta(cat, b.id, "fold", v, &err), GRYM_OK, "set meta");
		json_decref(v);
		grym_asset_query q = { .meta_key = "fold", .meta_value = "3" };
		TAP_EQ_INT(count(cat, &q), 1, "meta number matched as text");
	}
	TAP_SETUP(grym_catalog_get_asset(cat, b.id, &got, &err));
	{
		char *l = json_dumps(got.labels, JSON_COMPACT);
		TAP_EQ_STR(l, "[\"pet\"]", "labels after add/remove");
		free(l);
	}
	grym_asset_clear(&got);
	TAP_EQ_INT(grym_catalog_add_label(cat, "0000000000000000000000000000000000000000000000000000000000000000",
					  "x", &err), GRYM_ERR_NOTFOUND, "label on a missing asset");

	/* features, models, predictions */
	{
		grym_feature_set f = { 0 }, g;
		grym_model_row m = { 0 }, mg;
		float summary[3] = { 1.5f, -2.0f, 0.25f };
		json_t *r = json_pack("{s:s}", "stage", "features");
		TAP_SETUP(grym_id_derived(a.id, r, f.id, NULL));
		json_decref(r);
		strcpy(f.asset, a.id);
		f.extractor = "{\"stage\":\"features\"}";
		f.frames = 10;
		f.dims = 3;
		f.summary = summary;
		f.summary_len = 3;
		float matrix[10 * 3] = { 0 };  /* frames x dims: the size an export checks */
		TAP_SETUP(grym_store_put(grym_catalog_store(cat), matrix, sizeof matrix, f.object, NULL));
		TAP_EQ_INT(grym_catalog_put_features(cat, &f, &err), GRYM_OK, "put features: %s", err.msg);
		TAP_EQ_INT(grym_catalog_get_features(cat, f.id, &g, &err), GRYM_OK, "get features");
		TAP_OK(g.summary_len == 3 && g.summary[1] == -2.0f && g.frames == 10 && g.dims == 3,
		       "features round trip");
		TAP_EQ_STR(g.object, f.object, "features object");
		grym_feature_set_clear(&g);

		TAP_SETUP(grym_store_put(grym_catalog_store(cat), "model bytes", 11, m.object, NULL));
		strcpy(m.id, m.object);
		m.name = "birds";
		m.type = "logreg";
		m.metrics = "{\"accuracy\":0.9}";
		TAP_EQ_INT(grym_catalog_put_model(cat, &m, &err), GRYM_OK, "put model");
		TAP_EQ_INT(grym_catalog_get_model(cat, "birds", &mg, &err), GRYM_OK, "get model by name");
		TAP_EQ_STR(mg.id, m.id, "model id");
		TAP_EQ_STR(mg.metrics, "{\"accuracy\":0.9}", "model metrics");
		grym_model_row_clear(&mg);
		TAP_EQ_INT(grym_catalog_put_prediction(cat, m.id, a.id, "dog", 0.75, "{\"dog\":0.75}", &err),
			   GRYM_OK, "put prediction");
		{
			char *label = NULL, *scores = NULL;
			double prob = 0;
			TAP_EQ_INT(grym_catalog_get_prediction(cat, m.id, a.id, &label, &prob, &scores, &err),
				   GRYM_OK, "get prediction");
			TAP_EQ_STR(label, "dog", "prediction label");
			TAP_NEAR(prob, 0.75, 0, "prediction probability");
			TAP_EQ_STR(scores, "{\"dog\":0.75}", "prediction scores");
			free(label);
			free(scores);
			TAP_EQ_INT(grym_catalog_get_prediction(cat, m.id, b.id, &label, &prob, &scores, &err),
				   GRYM_ERR_NOTFOUND, "no prediction on b");
		}
		TAP_EQ_INT(grym_catalog_put_prediction(cat, m.id, "0000000000000000000000000000000000000000000000000000000000000000",
						       "dog", 0.75, NULL, &err),
			   GRYM_ERR_NOTFOUND, "prediction on a missing asset");
	}

	{
		grym_catalog_stats s;
		TAP_EQ_INT(grym_catalog_stats_get(cat, &s, &err), GRYM_OK, "stats");
		TAP_EQ_INT(s.assets, 3, "stats assets");
		TAP_EQ_INT(s.sources, 2, "stats sources");
		TAP_EQ_INT(s.derived, 1, "stats derived");
		TAP_EQ_INT(s.labels, 3, "stats distinct labels (dog, loud, pet)");
		TAP_EQ_INT(s.features, 1, "stats features");
		TAP_EQ_INT(s.models, 1, "stats models");
		TAP_EQ_INT(s.predictions, 1, "stats predictions");
		TAP_EQ_INT(s.objects, 7, "stats objects (incl. two unreferenced)");
		TAP_NEAR(s.total_duration, 2.0, 1e-9, "stats duration of sources");
	}

	/* rm: a parent with children needs force */
	TAP_EQ_INT(grym_catalog_rm_asset(cat, a.id, 0, &err), GRYM_ERR_CONFLICT,
		   "rm of a parent without force");
	TAP_OK(strstr(err.msg, "1 derived asset") != NULL, "message: %s", err.msg);

	/* gc: only unreferenced objects past the grace */
	{
		struct lines l = { "", 0 };
		int64_t removed = -1;
		uint64_t bytes = 0;
		char junk[GRYM_ID_LEN + 1], path[4096];
		struct timespec old[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };
		TAP_SETUP(grym_store_put(grym_catalog_store(cat), "orphan old", 10, junk, NULL));
		object_file(cat, junk, path, sizeof path);
		utimensat(AT_FDCWD, path, old, 0);
		TAP_EQ_INT(grym_catalog_gc(cat, 3600, 1, &removed, &bytes, collect, &l, &err), GRYM_OK,
			   "gc dry run");
		TAP_EQ_INT(removed, 1, "dry run counts one (the young collider object is spared)");
		TAP_OK(grym_store_has(grym_catalog_store(cat), junk), "dry run removes nothing");
		TAP_EQ_INT(grym_catalog_gc(cat, 3600, 0, &removed, &bytes, collect, &l, &err), GRYM_OK, "gc");
		TAP_EQ_INT(removed, 1, "one removed");
		TAP_EQ_INT(bytes, 10, "its bytes");
		TAP_OK(!grym_store_has(grym_catalog_store(cat), junk), "orphan gone");
		TAP_OK(grym_store_has(grym_catalog_store(cat), a.object), "referenced object kept");
		TAP_EQ_INT(grym_catalog_gc(cat, 0, 0, &removed, &bytes, NULL, NULL, &err), GRYM_OK, "gc grace 0");
		TAP_EQ_INT(removed, 2, "the two young unreferenced objects go with grace 0");
		{
			grym_catalog_stats s;
			TAP_SETUP(grym_catalog_stats_get(cat, &s, &err));
			TAP_EQ_INT(s.objects, 5, "5 referenced objects left");
		}
	}

	TAP_EQ_INT(grym_catalog_fsck(cat, NULL, NULL, &err), GRYM_OK, "fsck clean: %s", err.msg);

	/* export / import round trips */
	snprintf(arch, sizeof arch, "%s/all.tar.gz", top);
	TAP_EQ_INT(grym_catalog_export(cat, NULL, arch, &err), GRYM_OK, "export tar.gz: %s", err.msg);
	{
		const char *exts[] = { "tar.gz", "zip", "tar" };
		for (int i = 0; i < 3; i++) {
			int64_t added = -1, conflicts = -1;
			grym_catalog_stats s;
			snprintf(arch, sizeof arch, "%s/all.%s", top, exts[i]);
			if (i)
				TAP_EQ_INT(grym_catalog_export(cat, NULL, arch, &err), GRYM_OK, "export %s", exts[i]);
			snprintf(dir2, sizeof dir2, "%s/imported-%d", top, i);
			cat2 = grym_catalog_open(dir2, &err);
			TAP_EQ_INT(grym_catalog_import(cat2, arch, &added, &conflicts, NULL, NULL, &err),
				   GRYM_OK, "import %s: %s", exts[i], err.msg);
			TAP_EQ_INT(added, 3, "%s: 3 assets added", exts[i]);
			TAP_EQ_INT(conflicts, 0, "%s: no conflicts", exts[i]);
			TAP_OK(same_asset(cat, cat2, a.id) && same_asset(cat, cat2, b.id) &&
			       same_asset(cat, cat2, d.id), "%s: same rows", exts[i]);
			TAP_SETUP(grym_catalog_stats_get(cat2, &s, &err));
			/* an export carries what merge carries: the feature set,
			 * the model and its prediction with their objects too */
			TAP_EQ_INT(s.objects, 5, "%s: the three asset objects, the feature "
				   "set's and the model's", exts[i]);
			TAP_EQ_INT(s.features, 1, "%s: the feature set", exts[i]);
			TAP_EQ_INT(s.models, 1, "%s: the model", exts[i]);
			TAP_EQ_INT(s.predictions, 1, "%s: the prediction", exts[i]);
			TAP_EQ_INT(grym_catalog_fsck(cat2, NULL, NULL, &err), GRYM_OK, "%s: fsck", exts[i]);
			TAP_EQ_INT(grym_catalog_import(cat2, arch, &added, &conflicts, NULL, NULL, &err),
				   GRYM_OK, "%s: import again", exts[i]);
			TAP_EQ_INT(added, 0, "%s: nothing added the second time", exts[i]);
			grym_catalog_close(cat2);
		}
	}
	{
		/* selection: the derived asset brings its parent along */
		grym_asset_query q = { .kind = "derived" };
		int64_t added = -1;
		snprintf(arch, sizeof arch, "%s/derived.zip", top);
		TAP_EQ_INT(grym_catalog_export(cat, &q, arch, &err), GRYM_OK, "export derived only");
		snprintf(dir2, sizeof dir2, "%s/imported-derived", top);
		cat2 = grym_catalog_open(dir2, &err);
		TAP_EQ_INT(grym_catalog_import(cat2, arch, &added, NULL, NULL, NULL, &err), GRYM_OK,
			   "import it");
		TAP_EQ_INT(added, 2, "derived asset and its parent");
		TAP_OK(same_asset(cat, cat2, a.id), "parent row carried");
		grym_catalog_close(cat2);
	}
	snprintf(arch, sizeof arch, "%s/x.rar", top);
	TAP_EQ_INT(grym_catalog_export(cat, NULL, arch, &err), GRYM_ERR_INVALID, "unknown extension");

	/* hostile archives */
	{
		const char *names[] = { "../evil", "/etc/passwd", "objects/../../x", "notes.txt",
					"objects/abc" };
		for (int i = 0; i < 5; i++) {
			char cmd[8192];
			int64_t added = 0;
			snprintf(dir2, sizeof dir2, "%s/hostile%d", top, i);
			snprintf(arch, sizeof arch, "%s/hostile%d.tar", top, i);
			snprintf(cmd, sizeof cmd,
				 "/usr/bin/python3 -c 'import tarfile,io,sys\n"
				 "t=tarfile.open(sys.argv[1],\"w\")\n"
				 "d=b\"x\"\n"
				 "i=tarfile.TarInfo(sys.argv[2]); i.size=1\n"
				 "t.addfile(i, io.BytesIO(d)); t.close()' %s '%s'", arch, names[i]);
			system(cmd);
			cat2 = grym_catalog_open(dir2, &err);
			TAP_EQ_INT(grym_catalog_import(cat2, arch, &added, NULL, NULL, NULL, &err),
				   GRYM_ERR_FORMAT, "member '%s' rejected", names[i]);
			TAP_OK(strstr(err.msg, "not part of a grym export") != NULL, "message: %s", err.msg);
			grym_catalog_close(cat2);
		}
	}
	{
		/* an object member whose bytes do not hash to its name */
		char cmd[8192];
		snprintf(dir2, sizeof dir2, "%s/badobj", top);
		snprintf(arch, sizeof arch, "%s/badobj.tar", top);
		snprintf(cmd, sizeof cmd,
			 "/usr/bin/python3 -c 'import tarfile,io,sys\n"
			 "t=tarfile.open(sys.argv[1],\"w\")\n"
			 "i=tarfile.TarInfo(\"objects/\"+\"ab\"*32); i.size=3\n"
			 "t.addfile(i, io.BytesIO(b\"abc\")); t.close()' %s", arch);
		system(cmd);
		cat2 = grym_catalog_open(dir2, &err);
		TAP_EQ_INT(grym_catalog_import(cat2, arch, NULL, NULL, NULL, NULL, &err),
			   GRYM_ERR_CORRUPT, "object hash mismatch rejected");
		TAP_OK(strstr(err.msg, "hashes to ba7816bf") != NULL, "message: %s", err.msg);
		TAP_EQ_INT(grym_store_has(grym_catalog_store(cat2), "abababababababababababababababababababababababababababababababab"),
			   0, "not stored under the claimed name");
		grym_catalog_close(cat2);
	}

	/* merge round trip */
	{
		struct lines l = { "", 0 };
		int64_t added = -1, conflicts = -1;
		grym_asset e, c2;
		grym_catalog_stats s1, s2;
		snprintf(dir2, sizeof dir2, "%s/other", top);
		cat2 = grym_catalog_open(dir2, &err);
		/* overlap: a (same), b with different duration (conflict), e new */
		make_source(cat2, "dog bark one", &e, "dog", "/machine2/dog.wav");
		TAP_SETUP(grym_catalog_put_asset(cat2, &e, NULL, &err));
		grym_asset_clear(&e);
		make_source(cat2, "cat meow", &c2, "cat", NULL);
		c2.duration = 2.5;
		TAP_SETUP(grym_catalog_put_asset(cat2, &c2, NULL, &err));
		make_source(cat2, "bird song", &e, "bird", "/machine2/bird.wav");
		TAP_SETUP(grym_catalog_put_asset(cat2, &e, NULL, &err));
		grym_catalog_close(cat2);

		TAP_EQ_INT(grym_catalog_merge(cat, dir2, &added, &conflicts, collect, &l, &err), GRYM_OK,
			   "merge: %s", err.msg);
		TAP_EQ_INT(added, 1, "one asset added");
		TAP_EQ_INT(conflicts, 1, "one conflict");
		{
			char want[256];
			snprintf(want, sizeof want, "conflict: asset %s: duration differs\n", b.id);
			TAP_EQ_STR(l.buf, want, "conflict reported");
		}
		TAP_SETUP(grym_catalog_get_asset(cat, b.id, &got, &err));
		TAP_NEAR(got.duration, 1.0, 0, "our conflicting row is kept");
		grym_asset_clear(&got);
		TAP_SETUP(grym_catalog_get_asset(cat, a.id, &got, &err));
		{
			char *p = json_dumps(got.paths, JSON_COMPACT);
			TAP_EQ_STR(p, "[\"/data/dog1.wav\",\"/other/copy.wav\",\"/machine2/dog.wav\"]",
				   "paths of a shared asset united");
			free(p);
		}
		grym_asset_clear(&got);
		TAP_OK(grym_store_has(grym_catalog_store(cat), e.object), "new object copied");
		TAP_SETUP(grym_catalog_stats_get(cat, &s1, &err));
		TAP_EQ_INT(s1.assets, 4, "union of assets");
		l.buf[0] = 0;
		TAP_EQ_INT(grym_catalog_merge(cat, dir2, &added, &conflicts, collect, &l, &err), GRYM_OK,
			   "merge twice");
		TAP_EQ_INT(added, 0, "nothing added");
		TAP_SETUP(grym_catalog_stats_get(cat, &s2, &err));
		TAP_OK(s1.assets == s2.assets && s1.objects == s2.objects && s1.labels == s2.labels,
		       "merging twice changes nothing");
		TAP_EQ_INT(grym_catalog_merge(cat, dir, NULL, NULL, NULL, NULL, &err), GRYM_ERR_INVALID,
			   "merge into itself refused");

		/* merge of a catalog whose object is corrupt: not copied */
		{
			char path[4096], dir3[4096];
			grym_asset z;
			int fd;
			snprintf(dir3, sizeof dir3, "%s/corrupt", top);
			cat2 = grym_catalog_open(dir3, &err);
			make_source(cat2, "zebra", &z, NULL, NULL);
			TAP_SETUP(grym_catalog_put_asset(cat2, &z, NULL, &err));
			object_file(cat2, z.object, path, sizeof path);
			grym_catalog_close(cat2);
			fd = open(path, O_WRONLY);
			write(fd, "Z", 1);
			close(fd);
			TAP_EQ_INT(grym_catalog_merge(cat, dir3, &added, &conflicts, NULL, NULL, &err),
				   GRYM_ERR_CORRUPT, "merge of a corrupt object fails");
			TAP_EQ_INT(grym_catalog_get_asset(cat, z.id, &got, NULL), GRYM_ERR_NOTFOUND,
				   "its row is not merged");
			TAP_OK(!grym_store_has(grym_catalog_store(cat), z.id), "nor its object");
			grym_asset_clear(&z);
		}
		grym_asset_clear(&e);
		grym_asset_clear(&c2);
	}

	/* fsck: a flipped byte and a deleted object */
	{
		struct lines l = { "", 0 };
		char path[4096], want[1024];
		int fd;
		unsigned char c;
		object_file(cat, b.object, path, sizeof path);
		fd = open(path, O_RDWR);
		pread(fd, &c, 1, 2);
		c ^= 1;
		pwrite(fd, &c, 1, 2);
		close(fd);
		object_file(cat, d.object, path, sizeof path);
		unlink(path);
		TAP_EQ_INT(grym_catalog_fsck(cat, collect, &l, &err), GRYM_ERR_CORRUPT, "fsck finds problems");
		TAP_EQ_STR(err.msg, "2 problems found", "two problems");
		snprintf(want, sizeof want, "asset %s: object %s is missing", d.id, d.object);
		TAP_OK(strstr(l.buf, want) != NULL, "missing object reported");
		snprintf(want, sizeof want, "object %s: content hashes to", b.object);
		TAP_OK(strstr(l.buf, want) != NULL, "corrupt object reported");
		if (l.n != 2)
			tap_diag("%s", l.buf);
	}

	/* rm --force removes the tree */
	TAP_EQ_INT(grym_catalog_rm_asset(cat, a.id, 1, &err), GRYM_OK, "rm with force");
	TAP_EQ_INT(grym_catalog_get_asset(cat, d.id, &got, NULL), GRYM_ERR_NOTFOUND, "child gone too");

	grym_asset_clear(&a);
	grym_asset_clear(&b);
	grym_asset_clear(&d);
	grym_catalog_close(cat);
	return tap_done();
}
