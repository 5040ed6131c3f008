/*
 * catalog.c — the SQLite catalog (grym/catalog.h): opening and migrating,
 * transactions, assets (put/merge, get, resolve, labels, meta, rm, query),
 * features, models, predictions and counts.
 *
 * Connection settings, chosen once in cat_configure:
 *   - journal_mode=WAL: readers never block the writer and vice versa;
 *   - busy_timeout 30 s: a writer waits for the lock instead of failing;
 *     every write transaction is BEGIN IMMEDIATE, so the lock is taken up
 *     front and no transaction ever has to upgrade a read lock (the case
 *     in which SQLite returns SQLITE_BUSY without waiting);
 *   - foreign_keys=ON;
 *   - synchronous=NORMAL: in WAL mode a commit survives any process crash
 *     (SIGKILL included) and the database stays consistent after a power
 *     cut, which may only lose the last commits. Objects are fsynced before
 *     their row is written, so the worst a power cut can leave is an
 *     unreferenced object that gc removes — never a row without its object.
 *     FULL would add an fsync per commit for no invariant we rely on.
 *
 * All data SQL goes through prepared statements with bound parameters
 * (cached per handle); only the constant DDL of migrations runs through
 * sqlite3_exec.
 */
#include "catalog_int.h"
#include "grym/pathname.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 30000

/* ---- small helpers shared by the catalog files ---- */

int cat_db_error(grym_catalog *cat, grym_error *err, const char *what)
{
	return grym_error_set(err, GRYM_ERR_DB, "%s: %s", what, sqlite3_errmsg(cat->db));
}

sqlite3_stmt *cat_prep(grym_catalog *cat, const char *sql, grym_error *err)
{
	int i;
	for (i = 0; i < CAT_STMT_CACHE && cat->cache[i].sql; i++)
		if (cat->cache[i].sql == sql)
			return cat->cache[i].st;
	if (i == CAT_STMT_CACHE) {
		grym_error_set(err, GRYM_ERR_INTERNAL, "statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v2(cat->db, sql, -1, &cat->cache[i].st, NULL) != SQLITE_OK) {
		cat_db_error(cat, err, "prepare");
		sqlite3_finalize(cat->cache[i].st);
		cat->cache[i].st = NULL;
		return NULL;
	}
	cat->cache[i].sql = sql;
	return cat->cache[i].st;
}

void cat_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

int cat_exec(grym_catalog *cat, const char *sql, grym_error *err)
{
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	rc = sqlite3_step(st);
	cat_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return cat_db_error(cat, err, sql);
	return GRYM_OK;
}

void cat_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void cat_reportf(grym_report_fn report, void *ud, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	report(ud, line);
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT w";
static const char SQL_RELEASE[] = "RELEASE w";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO w";

int cat_wbegin(grym_catalog *cat, grym_error *err)
{
	return cat_exec(cat, cat->in_tx ? SQL_SAVEPOINT : SQL_BEGIN, err);
}

int cat_wend(grym_catalog *cat, int rc, grym_error *err)
{
	if (rc == GRYM_OK) {
		rc = cat_exec(cat, cat->in_tx ? SQL_RELEASE : SQL_COMMIT, err);
		if (rc == GRYM_OK)
			return GRYM_OK;
	}
	if (cat->in_tx) {
		cat_exec(cat, SQL_ROLLBACK_TO, NULL);
		cat_exec(cat, SQL_RELEASE, NULL);
	} else if (!sqlite3_get_autocommit(cat->db)) {
		cat_exec(cat, SQL_ROLLBACK, NULL);
	}
	return rc;
}

int grym_catalog_begin(grym_catalog *cat, grym_error *err)
{
	int rc;
	if (cat->in_tx)
		return grym_error_set(err, GRYM_ERR_INVALID, "a transaction is already open");
	rc = cat_exec(cat, SQL_BEGIN, err);
	if (rc == GRYM_OK)
		cat->in_tx = 1;
	return rc;
}

int grym_catalog_commit(grym_catalog *cat, grym_error *err)
{
	int rc;
	if (!cat->in_tx)
		return grym_error_set(err, GRYM_ERR_INVALID, "no transaction is open");
	rc = cat_exec(cat, SQL_COMMIT, err);
	if (rc != GRYM_OK)
		cat_exec(cat, SQL_ROLLBACK, NULL);
	cat->in_tx = 0;
	return rc;
}

void grym_catalog_rollback(grym_catalog *cat)
{
	if (!cat->in_tx)
		return;
	cat_exec(cat, SQL_ROLLBACK, NULL);
	cat->in_tx = 0;
}

/* ---- opening ---- */

int grym_catalog_default_dir(char *buf, size_t len, grym_error *err)
{
	const char *env = getenv("GRYM_CATALOG");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/grym", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/share/grym", home);
	else
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "no catalog directory: set GRYM_CATALOG or HOME, or use --catalog");
	if (n < 0 || (size_t)n >= len)
		return grym_error_set(err, GRYM_ERR_LIMIT, "catalog directory name too long");
	return GRYM_OK;
}

static int read_version(grym_catalog *cat, int *version, grym_error *err)
{
	static const char sql[] = "PRAGMA user_version";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	cat_done(st);
	if (rc != SQLITE_ROW)
		return cat_db_error(cat, err, "reading the schema version");
	return GRYM_OK;
}

static int too_new(grym_catalog *cat, int v, grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
			      "%s: catalog schema version %d is newer than this grym knows "
			      "(%d): upgrade grym to use this catalog",
			      cat->dir, v, GRYM_CATALOG_SCHEMA_VERSION);
}

/* Apply the missing migration steps. The version is read again after
 * BEGIN IMMEDIATE, so of several processes opening a new catalog at once
 * exactly one migrates and the others find the work done. */
static int migrate(grym_catalog *cat, grym_error *err)
{
	int v, rc;

	if ((rc = read_version(cat, &v, err)) != GRYM_OK)
		return rc;
	if (v > GRYM_CATALOG_SCHEMA_VERSION)
		return too_new(cat, v, err);
	if (v == GRYM_CATALOG_SCHEMA_VERSION) {
		cat->version = v;
		return GRYM_OK;
	}
	if ((rc = cat_exec(cat, SQL_BEGIN, err)) != GRYM_OK)
		return rc;
	if ((rc = read_version(cat, &v, err)) != GRYM_OK)
		goto fail;
	if (v > GRYM_CATALOG_SCHEMA_VERSION) {
		rc = too_new(cat, v, err);
		goto fail;
	}
	for (int i = 0; i < grym_cat_n_migrations; i++) {
		char *msg = NULL;
		const cat_migration *m = &grym_cat_migrations[i];
		char pragma[64];
		if (m->to_version <= v)
			continue;
		if (sqlite3_exec(cat->db, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
			rc = grym_error_set(err, GRYM_ERR_DB, "migration to schema version %d: %s",
					    m->to_version, msg ? msg : "failed");
			sqlite3_free(msg);
			goto fail;
		}
		/* PRAGMA takes no bound parameter; the value is our own integer. */
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->to_version);
		if (sqlite3_exec(cat->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			rc = cat_db_error(cat, err, "setting the schema version");
			goto fail;
		}
		v = m->to_version;
	}
	if ((rc = cat_exec(cat, SQL_COMMIT, err)) != GRYM_OK)
		goto fail;
	cat->version = v;
	return GRYM_OK;
fail:
	cat_exec(cat, SQL_ROLLBACK, NULL);
	return rc;
}

/* Switch to WAL. Changing the journal mode needs an exclusive lock, and
 * SQLite returns SQLITE_BUSY for it without calling the busy handler when
 * other connections are opening the same new database at that moment
 * (four writers starting on an empty catalog), so wait and retry here,
 * within the same budget as busy_timeout. Once the file is in WAL mode
 * (it stays so) the pragma takes no lock. */
static int cat_set_wal(grym_catalog *cat, grym_error *err)
{
	static const char wal[] = "PRAGMA journal_mode=WAL";
	long waited_ms = 0, step_ms = 1;

	for (;;) {
		sqlite3_stmt *st = cat_prep(cat, wal, err);
		int rc;
		if (!st)
			return GRYM_ERR_DB;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			int is_wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
			cat_done(st);
			if (!is_wal)
				return grym_error_set(err, GRYM_ERR_DB, "%s: cannot switch to WAL mode",
						      cat->dir);
			return GRYM_OK;
		}
		cat_done(st);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= BUSY_TIMEOUT_MS)
			return cat_db_error(cat, err, "setting WAL mode");
		sqlite3_sleep((int)step_ms);
		waited_ms += step_ms;
		if (step_ms < 64)
			step_ms *= 2;
	}
}

static int cat_configure(grym_catalog *cat, grym_error *err)
{
	static const char fk[] = "PRAGMA foreign_keys=ON";
	static const char syn[] = "PRAGMA synchronous=NORMAL";
	int rc;

	sqlite3_busy_timeout(cat->db, BUSY_TIMEOUT_MS);
	if ((rc = cat_set_wal(cat, err)) != GRYM_OK)
		return rc;
	if ((rc = cat_exec(cat, fk, err)) != GRYM_OK || (rc = cat_exec(cat, syn, err)) != GRYM_OK)
		return rc;
	return GRYM_OK;
}

grym_catalog *grym_catalog_open(const char *dir, grym_error *err)
{
	grym_catalog *cat = calloc(1, sizeof *cat);
	char *path = NULL;
	size_t n;

	if (!cat || !(cat->dir = strdup(dir))) {
		free(cat);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	cat->store = grym_store_open_dir(dir, err);
	if (!cat->store)
		goto fail;
	n = strlen(dir) + sizeof "/catalog.db";
	path = malloc(n);
	if (!path) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	snprintf(path, n, "%s/catalog.db", dir);
	if (sqlite3_open_v2(path, &cat->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		grym_error_set(err, GRYM_ERR_DB, "%s: %s", path,
			       cat->db ? sqlite3_errmsg(cat->db) : "cannot open");
		goto fail;
	}
	if (cat_configure(cat, err) != GRYM_OK || migrate(cat, err) != GRYM_OK)
		goto fail;
	if (getrandom(&cat->token, sizeof cat->token, 0) != (ssize_t)sizeof cat->token)
		cat->token = (int64_t)(intptr_t)cat ^ (int64_t)time(NULL);
	/* Every object stored through this handle is first registered as
	 * pending, so gc spares it until the row that references it exists. */
	grym_store_set_publish_hook(cat->store, cat_pending_add, cat);
	free(path);
	return cat;
fail:
	free(path);
	grym_catalog_close(cat);
	return NULL;
}

void grym_catalog_close(grym_catalog *cat)
{
	if (!cat)
		return;
	if (cat->in_tx)
		grym_catalog_rollback(cat);
	if (cat->db)
		cat_pending_forget(cat);
	for (int i = 0; i < CAT_STMT_CACHE; i++)
		sqlite3_finalize(cat->cache[i].st);
	sqlite3_close(cat->db);
	grym_store_close(cat->store);
	free(cat->dir);
	free(cat);
}

grym_store *grym_catalog_store(grym_catalog *cat) { return cat->store; }

const char *grym_catalog_dir(const grym_catalog *cat) { return cat->dir; }
int grym_catalog_schema_version(grym_catalog *cat) { return cat->version; }

/* ---- assets ---- */

void grym_asset_init(grym_asset *a)
{
	memset(a, 0, sizeof *a);
}

void grym_asset_clear(grym_asset *a)
{
	free(a->recipe);
	free(a->format);
	free(a->codec);
	json_decref(a->tags);
	json_decref(a->labels);
	json_decref(a->meta);
	json_decref(a->paths);
	grym_asset_init(a);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

static void copy_id(char *dst, sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	snprintf(dst, GRYM_ID_LEN + 1, "%s", s ? (const char *)s : "");
}

int cat_asset_exists(grym_catalog *cat, const char *id, grym_error *err)
{
	static const char sql[] = "SELECT 1 FROM assets WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	cat_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return cat_db_error(cat, err, "looking up an asset");
}

static int validate_asset(grym_catalog *cat, const grym_asset *a, grym_error *err)
{
	if (!grym_id_is_full(a->id))
		return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not a full asset id", a->id);
	if (!grym_id_is_full(a->object))
		return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: '%s' is not an object id",
				      a->id, a->object);
	if (strcmp(a->kind, "source") == 0) {
		if (a->parent[0])
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: a source has no parent", a->id);
		if (strcmp(a->object, a->id) != 0)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: a source's object must be its own bytes "
					      "(object %s)", a->id, a->object);
	} else if (strcmp(a->kind, "derived") == 0) {
		json_t *r;
		char want[GRYM_ID_LEN + 1];
		int rc;
		if (!grym_id_is_full(a->parent))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: a derived asset needs a full parent id", a->id);
		if (!a->recipe)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: a derived asset needs a recipe", a->id);
		r = json_loads(a->recipe, JSON_DECODE_ANY, NULL);
		if (!r)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: recipe is not JSON", a->id);
		rc = grym_id_derived(a->parent, r, want, err);
		json_decref(r);
		if (rc != GRYM_OK)
			return rc;
		if (strcmp(want, a->id) != 0)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: id does not match its parent and recipe "
					      "(expected %s)", a->id, want);
	} else {
		return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: kind '%s' is not "
				      "'source' or 'derived'", a->id, a->kind);
	}
	if (a->tags && !json_is_object(a->tags))
		return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: tags must be an object", a->id);
	if (a->meta && !json_is_object(a->meta))
		return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: meta must be an object", a->id);
	if (a->labels && !json_is_array(a->labels))
		return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: labels must be an array", a->id);
	if (a->paths && !json_is_array(a->paths))
		return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: paths must be an array", a->id);
	(void)cat;
	return GRYM_OK;
}

static char *dump_json(const json_t *j)
{
	return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
			      JSON_REAL_PRECISION(17)) : NULL;
}

/* Origin paths are kept byte for byte: TEXT when the name is UTF-8 (so
 * that sqlite3 users see and compare it as text, as before), else a BLOB
 * of its exact bytes (SQLite's text functions assume UTF-8). A given name
 * is always stored the same way, so UNIQUE (asset, path) still holds. */
static int add_paths(grym_catalog *cat, const char *sql, const char *id, const json_t *arr,
		     grym_error *err)
{
	sqlite3_stmt *st;
	size_t i;
	json_t *v;
	if (!arr)
		return GRYM_OK;
	st = cat_prep(cat, sql, err);
	if (!st)
		return GRYM_ERR_DB;
	json_array_foreach(arr, i, v) {
		int rc;
		const char *p = json_string_value(v);
		size_t n = json_string_length(v);
		if (!json_is_string(v) || n == 0 || memchr(p, '\0', n))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "asset %s: paths must be non-empty strings", id);
		cat_bind_text(st, 1, id);
		if (grym_utf8_valid(p, n))
			sqlite3_bind_text(st, 2, p, (int)n, SQLITE_TRANSIENT);
		else
			sqlite3_bind_blob(st, 2, p, (int)n, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		cat_done(st);
		if (rc != SQLITE_DONE)
			return cat_db_error(cat, err, "paths");
	}
	return GRYM_OK;
}

/* A label is the label of the sound, so it is set on an asset and on
 * everything derived from it (normalized copies, transforms): a label
 * change on a source reaches what grym-train reads from its derivatives.
 * TREE is the asset ?1 and, recursively, its descendants. */
#define TREE "WITH RECURSIVE tree(id) AS (SELECT ?1" \
	" UNION SELECT a.id FROM assets a JOIN tree ON a.parent = tree.id) "
static const char SQL_ADD_LABEL[] =
	TREE "INSERT OR IGNORE INTO asset_labels(asset, label) SELECT id, ?2 FROM tree";
static const char SQL_ADD_PATH[] =
	"INSERT OR IGNORE INTO asset_paths(asset, path) VALUES (?1, ?2)";
static const char SQL_ADD_META[] =
	"INSERT OR IGNORE INTO asset_meta(asset, key, value) VALUES (?1, ?2, ?3)";

/* Labels the asset does not have yet: on it and its descendants (a label
 * it already has is left as it is below it, so that merging or importing
 * the same rows again changes nothing). */
static int add_new_labels(grym_catalog *cat, const char *id, const json_t *labels,
			  grym_error *err)
{
	static const char has_sql[] = "SELECT 1 FROM asset_labels WHERE asset = ?1 AND label = ?2";
	size_t i;
	json_t *v;
	json_array_foreach(labels, i, v) {
		if (!json_is_string(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "asset %s: labels must be strings", id);
		sqlite3_stmt *st = cat_prep(cat, has_sql, err);
		if (!st)
			return GRYM_ERR_DB;
		cat_bind_text(st, 1, id);
		cat_bind_text(st, 2, json_string_value(v));
		int r = sqlite3_step(st);
		cat_done(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return cat_db_error(cat, err, "reading labels");
		if (r == SQLITE_ROW)
			continue;
		if (!(st = cat_prep(cat, SQL_ADD_LABEL, err)))
			return GRYM_ERR_DB;
		cat_bind_text(st, 1, id);
		cat_bind_text(st, 2, json_string_value(v));
		r = sqlite3_step(st);
		cat_done(st);
		if (r != SQLITE_DONE)
			return cat_db_error(cat, err, "adding labels");
	}
	return GRYM_OK;
}

int cat_put_asset_tx(grym_catalog *cat, const grym_asset *a, int *created,
		     grym_error *err)
{
	static const char ins[] =
		"INSERT INTO assets(id, kind, parent, object, recipe, format, codec,"
		" sample_rate, channels, bits, frames, duration, bytes, tags, created)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)";
	sqlite3_stmt *st;
	int rc, exists;

	if (created)
		*created = 0;
	if ((rc = validate_asset(cat, a, err)) != GRYM_OK)
		return rc;
	if (!grym_store_has(cat->store, a->object))
		return grym_error_set(err, GRYM_ERR_NOTFOUND,
				      "asset %s: object %s is not in the store", a->id, a->object);
	exists = cat_asset_exists(cat, a->id, err);
	if (exists < 0)
		return exists;
	if (!exists) {
		char *tags;
		if (a->parent[0]) {
			int p = cat_asset_exists(cat, a->parent, err);
			if (p < 0)
				return p;
			if (!p)
				return grym_error_set(err, GRYM_ERR_NOTFOUND,
						      "asset %s: parent %s is not in the catalog",
						      a->id, a->parent);
		}
		st = cat_prep(cat, ins, err);
		if (!st)
			return GRYM_ERR_DB;
		tags = dump_json(a->tags);
		cat_bind_text(st, 1, a->id);
		cat_bind_text(st, 2, a->kind);
		cat_bind_text(st, 3, a->parent[0] ? a->parent : NULL);
		cat_bind_text(st, 4, a->object);
		cat_bind_text(st, 5, a->recipe);
		cat_bind_text(st, 6, a->format);
		cat_bind_text(st, 7, a->codec);
		sqlite3_bind_int(st, 8, a->sample_rate);
		sqlite3_bind_int(st, 9, a->channels);
		sqlite3_bind_int(st, 10, a->bits);
		sqlite3_bind_int64(st, 11, a->frames);
		sqlite3_bind_double(st, 12, a->duration);
		sqlite3_bind_int64(st, 13, (sqlite3_int64)a->bytes);
		cat_bind_text(st, 14, tags);
		sqlite3_bind_int64(st, 15, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(st);
		cat_done(st);
		free(tags);
		if (rc != SQLITE_DONE)
			return cat_db_error(cat, err, "inserting an asset");
		if (created)
			*created = 1;
	}
	if ((rc = add_paths(cat, SQL_ADD_PATH, a->id, a->paths, err)) != GRYM_OK ||
	    (rc = add_new_labels(cat, a->id, a->labels, err)) != GRYM_OK)
		return rc;
	if (a->meta) {
		const char *k;
		json_t *v;
		st = cat_prep(cat, SQL_ADD_META, err);
		if (!st)
			return GRYM_ERR_DB;
		json_object_foreach(a->meta, k, v) {
			char *text = dump_json(v);
			if (!text)
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			cat_bind_text(st, 1, a->id);
			cat_bind_text(st, 2, k);
			cat_bind_text(st, 3, text);
			rc = sqlite3_step(st);
			cat_done(st);
			free(text);
			if (rc != SQLITE_DONE)
				return cat_db_error(cat, err, "adding metadata");
		}
	}
	return GRYM_OK;
}

int grym_catalog_put_asset(grym_catalog *cat, const grym_asset *a, int *created,
			   grym_error *err)
{
	int rc = cat_wbegin(cat, err);
	if (rc != GRYM_OK)
		return rc;
	rc = cat_put_asset_tx(cat, a, created, err);
	return cat_wend(cat, rc, err);
}

#define ASSET_COLS "a.id, a.kind, a.parent, a.object, a.recipe, a.format, a.codec," \
	" a.sample_rate, a.channels, a.bits, a.frames, a.duration, a.bytes, a.tags"

static json_t *string_list(grym_catalog *cat, const char *sql, const char *id,
			   grym_error *err)
{
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	json_t *arr;
	int rc;
	if (!st)
		return NULL;
	arr = json_array();
	if (!arr) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	cat_bind_text(st, 1, id);
	/* the bytes as stored (paths may be BLOBs that are not UTF-8: see
	 * add_paths), in strings that keep them as they are */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 0);
		json_array_append_new(arr, json_stringn_nocheck(b ? b : "",
								(size_t)sqlite3_column_bytes(st, 0)));
	}
	cat_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		cat_db_error(cat, err, "reading an asset");
		return NULL;
	}
	return arr;
}

/* Fill a from a row of ASSET_COLS plus its labels, paths and meta. */
static int load_asset(grym_catalog *cat, sqlite3_stmt *row, grym_asset *a, grym_error *err)
{
	static const char labels_sql[] =
		"SELECT label FROM asset_labels WHERE asset = ?1 ORDER BY rowid";
	static const char paths_sql[] =
		"SELECT path FROM asset_paths WHERE asset = ?1 ORDER BY rowid";
	static const char meta_sql[] =
		"SELECT key, value FROM asset_meta WHERE asset = ?1 ORDER BY key";
	const unsigned char *s;
	sqlite3_stmt *st;
	int rc;

	grym_asset_init(a);
	copy_id(a->id, row, 0);
	s = sqlite3_column_text(row, 1);
	snprintf(a->kind, sizeof a->kind, "%s", s ? (const char *)s : "");
	copy_id(a->parent, row, 2);
	copy_id(a->object, row, 3);
	a->recipe = dup_col(row, 4);
	a->format = dup_col(row, 5);
	a->codec = dup_col(row, 6);
	a->sample_rate = sqlite3_column_int(row, 7);
	a->channels = sqlite3_column_int(row, 8);
	a->bits = sqlite3_column_int(row, 9);
	a->frames = sqlite3_column_int64(row, 10);
	a->duration = sqlite3_column_double(row, 11);
	a->bytes = (uint64_t)sqlite3_column_int64(row, 12);
	s = sqlite3_column_text(row, 13);
	if (s)
		a->tags = json_loads((const char *)s, 0, NULL);
	a->labels = string_list(cat, labels_sql, a->id, err);
	a->paths = string_list(cat, paths_sql, a->id, err);
	a->meta = json_object();
	if (!a->labels || !a->paths || !a->meta) {
		grym_asset_clear(a);
		return err && err->code ? err->code : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	st = cat_prep(cat, meta_sql, err);
	if (!st) {
		grym_asset_clear(a);
		return GRYM_ERR_DB;
	}
	cat_bind_text(st, 1, a->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *v = json_loads((const char *)sqlite3_column_text(st, 1),
				       JSON_DECODE_ANY, NULL);
		if (v)
			json_object_set_new(a->meta, (const char *)sqlite3_column_text(st, 0), v);
	}
	cat_done(st);
	if (rc != SQLITE_DONE) {
		grym_asset_clear(a);
		return cat_db_error(cat, err, "reading metadata");
	}
	return GRYM_OK;
}

int grym_catalog_get_asset(grym_catalog *cat, const char *id, grym_asset *a,
			   grym_error *err)
{
	static const char sql[] = "SELECT " ASSET_COLS " FROM assets a WHERE a.id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	grym_asset_init(a);
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = load_asset(cat, st, a, err);
		cat_done(st);
		return rc;
	}
	cat_done(st);
	if (rc == SQLITE_DONE)
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "no asset %s", id);
	return cat_db_error(cat, err, "reading an asset");
}

/* Resolve a prefix among the ids of one table (the table name is one of
 * our constants, never user text). */
static int resolve_in(grym_catalog *cat, const char *sql, const char *what,
		      const char *prefix, char id[GRYM_ID_LEN + 1], grym_error *err)
{
	sqlite3_stmt *st;
	char hi[GRYM_ID_LEN + 2];
	char cand[5][GRYM_ID_LEN + 1];
	int n = 0, rc;

	if (!grym_id_is_prefix(prefix))
		return grym_error_set(err, GRYM_ERR_NOTFOUND,
				      "'%s' is not %s id (4 to 64 hex digits)", prefix, what);
	st = cat_prep(cat, sql, err);
	if (!st)
		return GRYM_ERR_DB;
	/* Ids are lowercase hex, all below 'g': [prefix, prefix+"g") is exactly
	 * the ids that start with prefix, and uses the primary key index. */
	snprintf(hi, sizeof hi, "%sg", prefix);
	cat_bind_text(st, 1, prefix);
	cat_bind_text(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 5)
		copy_id(cand[n++], st, 0);
	cat_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return cat_db_error(cat, err, "resolving an id");
	if (n == 0)
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "no %s matches '%s'",
				      what + (what[0] == 'a' && what[1] == 'n' ? 3 : 2), prefix);
	if (n == 1) {
		memcpy(id, cand[0], GRYM_ID_LEN + 1);
		return GRYM_OK;
	}
	{
		char list[5 * (GRYM_ID_LEN + 2) + 16] = "";
		for (int i = 0; i < n && i < 4; i++) {
			strcat(list, i ? ", " : "");
			strcat(list, cand[i]);
		}
		if (n > 4)
			strcat(list, ", ...");
		return grym_error_set(err, GRYM_ERR_AMBIGUOUS, "'%s' is ambiguous: %s", prefix, list);
	}
}

int grym_catalog_resolve(grym_catalog *cat, const char *prefix,
			 char id[GRYM_ID_LEN + 1], grym_error *err)
{
	static const char sql[] =
		"SELECT id FROM assets WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 5";
	return resolve_in(cat, sql, "an asset", prefix, id, err);
}

static int need_asset(grym_catalog *cat, const char *id, grym_error *err)
{
	int e = cat_asset_exists(cat, id, err);
	if (e < 0)
		return e;
	if (!e)
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "no asset %s", id);
	return GRYM_OK;
}

static int label_op(grym_catalog *cat, const char *sql, const char *id,
		    const char *label, grym_error *err)
{
	sqlite3_stmt *st;
	int rc;
	if (!label || !*label)
		return grym_error_set(err, GRYM_ERR_INVALID, "empty label");
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	rc = need_asset(cat, id, err);
	if (rc == GRYM_OK) {
		st = cat_prep(cat, sql, err);
		if (!st) {
			rc = GRYM_ERR_DB;
		} else {
			cat_bind_text(st, 1, id);
			cat_bind_text(st, 2, label);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = cat_db_error(cat, err, "changing a label");
			cat_done(st);
		}
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_add_label(grym_catalog *cat, const char *id, const char *label,
			   grym_error *err)
{
	return label_op(cat, SQL_ADD_LABEL, id, label, err);
}

int grym_catalog_remove_label(grym_catalog *cat, const char *id, const char *label,
			      grym_error *err)
{
	static const char sql[] = TREE "DELETE FROM asset_labels WHERE asset IN tree AND label = ?2";
	return label_op(cat, sql, id, label, err);
}

int grym_catalog_set_meta(grym_catalog *cat, const char *id, const char *key,
			  const json_t *value, grym_error *err)
{
	static const char set_sql[] =
		"INSERT INTO asset_meta(asset, key, value) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(asset, key) DO UPDATE SET value = excluded.value";
	static const char del_sql[] = "DELETE FROM asset_meta WHERE asset = ?1 AND key = ?2";
	sqlite3_stmt *st;
	char *text = NULL;
	int rc;

	if (!key || !*key)
		return grym_error_set(err, GRYM_ERR_INVALID, "empty metadata key");
	if (value && !(text = dump_json(value)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK) {
		free(text);
		return rc;
	}
	rc = need_asset(cat, id, err);
	if (rc == GRYM_OK) {
		st = cat_prep(cat, text ? set_sql : del_sql, err);
		if (!st) {
			rc = GRYM_ERR_DB;
		} else {
			cat_bind_text(st, 1, id);
			cat_bind_text(st, 2, key);
			if (text)
				cat_bind_text(st, 3, text);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = cat_db_error(cat, err, "setting metadata");
			cat_done(st);
		}
	}
	free(text);
	return cat_wend(cat, rc, err);
}

int grym_catalog_rm_asset(grym_catalog *cat, const char *id, int force, grym_error *err)
{
	static const char children_sql[] = "SELECT count(*) FROM assets WHERE parent = ?1";
	/* The asset and, recursively, everything derived from it; labels,
	 * paths, meta, features and predictions go by ON DELETE CASCADE. */
	static const char del_sql[] =
		"WITH RECURSIVE tree(id) AS (SELECT ?1"
		" UNION SELECT a.id FROM assets a JOIN tree ON a.parent = tree.id)"
		" DELETE FROM assets WHERE id IN tree";
	sqlite3_stmt *st;
	int rc;

	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	rc = need_asset(cat, id, err);
	if (rc == GRYM_OK && !force) {
		st = cat_prep(cat, children_sql, err);
		if (!st) {
			rc = GRYM_ERR_DB;
		} else {
			cat_bind_text(st, 1, id);
			if (sqlite3_step(st) != SQLITE_ROW) {
				rc = cat_db_error(cat, err, "counting derived assets");
			} else {
				int64_t n = sqlite3_column_int64(st, 0);
				if (n > 0)
					rc = grym_error_set(err, GRYM_ERR_CONFLICT,
							    "asset %s has %lld derived asset%s "
							    "(remove them too with force)", id,
							    (long long)n, n == 1 ? "" : "s");
			}
			cat_done(st);
		}
	}
	if (rc == GRYM_OK) {
		st = cat_prep(cat, del_sql, err);
		if (!st) {
			rc = GRYM_ERR_DB;
		} else {
			cat_bind_text(st, 1, id);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = cat_db_error(cat, err, "removing an asset");
			cat_done(st);
		}
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_foreach_asset(grym_catalog *cat, const grym_asset_query *q,
			       grym_asset_visit_fn cb, void *ud, grym_error *err)
{
	char sql[1024];
	sqlite3_stmt *st = NULL;
	int rc, ret = GRYM_OK;
	grym_asset_query none = { 0 };

	if (!q)
		q = &none;
	/* The filters are fixed SQL fragments; every value is bound. */
	snprintf(sql, sizeof sql, "SELECT " ASSET_COLS " FROM assets a WHERE 1%s%s%s%s%s"
		 " ORDER BY a.rowid%s",
		 q->label ? " AND EXISTS (SELECT 1 FROM asset_labels l"
			    " WHERE l.asset = a.id AND l.label = :label)" : "",
		 q->kind ? " AND a.kind = :kind" : "",
		 q->parent ? " AND a.parent = :parent" : "",
		 q->meta_key ? " AND EXISTS (SELECT 1 FROM asset_meta m WHERE m.asset = a.id"
			       " AND m.key = :mkey AND (:mval IS NULL OR m.value = :mval"
			       " OR (json_type(m.value) = 'text'"
			       " AND json_extract(m.value, '$') = :mval)))" : "",
		 q->path_glob ? " AND EXISTS (SELECT 1 FROM asset_paths p"
				" WHERE p.asset = a.id AND CAST(p.path AS TEXT) GLOB :glob)" : "",
		 q->limit > 0 ? " LIMIT :limit" : "");
	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cat_db_error(cat, err, "querying assets");
	}
	if (q->label)
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":label"), q->label);
	if (q->kind)
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":kind"), q->kind);
	if (q->parent)
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":parent"), q->parent);
	if (q->meta_key) {
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":mkey"), q->meta_key);
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":mval"), q->meta_value);
	}
	if (q->path_glob)
		cat_bind_text(st, sqlite3_bind_parameter_index(st, ":glob"), q->path_glob);
	if (q->limit > 0)
		sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), q->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		grym_asset a;
		int stop;
		if ((ret = load_asset(cat, st, &a, err)) != GRYM_OK)
			break;
		stop = cb(ud, &a);
		grym_asset_clear(&a);
		if (stop) {
			ret = stop;
			break;
		}
	}
	if (ret == GRYM_OK && rc != SQLITE_DONE)
		ret = cat_db_error(cat, err, "querying assets");
	sqlite3_finalize(st);
	return ret;
}

/* ---- features ---- */

void grym_feature_set_clear(grym_feature_set *f)
{
	free(f->extractor);
	free(f->summary);
	memset(f, 0, sizeof *f);
}

int grym_catalog_put_features(grym_catalog *cat, const grym_feature_set *f, grym_error *err)
{
	/* Features are a cache of a deterministic computation: a new put of
	 * the same id replaces the row (e.g. after a fixed extractor). */
	static const char sql[] =
		"INSERT INTO features(id, asset, extractor, frames, dims, summary, object, created)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(id) DO UPDATE SET"
		" asset = excluded.asset, extractor = excluded.extractor, frames = excluded.frames,"
		" dims = excluded.dims, summary = excluded.summary, object = excluded.object";
	sqlite3_stmt *st;
	int rc;

	if (!grym_id_is_full(f->id) || !grym_id_is_full(f->asset))
		return grym_error_set(err, GRYM_ERR_INVALID, "features need full ids");
	if (!f->extractor)
		return grym_error_set(err, GRYM_ERR_INVALID, "features %s: no extractor", f->id);
	if (f->object[0] && !grym_store_has(cat->store, f->object))
		return grym_error_set(err, GRYM_ERR_NOTFOUND,
				      "features %s: object %s is not in the store", f->id, f->object);
	if (f->summary_len < 0 || (f->summary_len > 0 && !f->summary))
		return grym_error_set(err, GRYM_ERR_INVALID, "features %s: bad summary", f->id);
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	rc = need_asset(cat, f->asset, err);
	if (rc == GRYM_OK && !(st = cat_prep(cat, sql, err)))
		rc = GRYM_ERR_DB;
	if (rc == GRYM_OK) {
		cat_bind_text(st, 1, f->id);
		cat_bind_text(st, 2, f->asset);
		cat_bind_text(st, 3, f->extractor);
		sqlite3_bind_int(st, 4, f->frames);
		sqlite3_bind_int(st, 5, f->dims);
		/* float32 in host order; grym builds for little-endian hosts. */
		if (f->summary_len > 0)
			sqlite3_bind_blob(st, 6, f->summary, f->summary_len * (int)sizeof(float),
					  SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 6);
		cat_bind_text(st, 7, f->object[0] ? f->object : NULL);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "storing features");
		cat_done(st);
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_get_features(grym_catalog *cat, const char *id, grym_feature_set *f,
			      grym_error *err)
{
	static const char rsql[] =
		"SELECT id FROM features WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 5";
	static const char sql[] =
		"SELECT id, asset, extractor, frames, dims, summary, object FROM features"
		" WHERE id = ?1";
	char full[GRYM_ID_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	memset(f, 0, sizeof *f);
	if ((rc = resolve_in(cat, rsql, "a feature set", id, full, err)) != GRYM_OK)
		return rc;
	if (!(st = cat_prep(cat, sql, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, full);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int bytes = sqlite3_column_bytes(st, 5);
		copy_id(f->id, st, 0);
		copy_id(f->asset, st, 1);
		f->extractor = dup_col(st, 2);
		f->frames = sqlite3_column_int(st, 3);
		f->dims = sqlite3_column_int(st, 4);
		f->summary_len = bytes / (int)sizeof(float);
		if (f->summary_len > 0) {
			f->summary = malloc((size_t)f->summary_len * sizeof(float));
			if (f->summary)
				memcpy(f->summary, sqlite3_column_blob(st, 5),
				       (size_t)f->summary_len * sizeof(float));
		}
		copy_id(f->object, st, 6);
		rc = (!f->extractor || (f->summary_len > 0 && !f->summary))
			? grym_error_set(err, GRYM_ERR_NOMEM, "out of memory") : GRYM_OK;
	} else {
		rc = cat_db_error(cat, err, "reading features");
	}
	cat_done(st);
	if (rc != GRYM_OK)
		grym_feature_set_clear(f);
	return rc;
}

/* Every feature set of one asset, in id order. The rows are read into
 * memory first and the statement finished, so cb may query the catalog. */
int grym_catalog_foreach_features(grym_catalog *cat, const char *asset,
				  grym_features_visit_fn cb, void *ud, grym_error *err)
{
	static const char sql[] =
		"SELECT id, asset, extractor, frames, dims, summary, object FROM features"
		" WHERE asset = ?1 ORDER BY id";
	grym_feature_set *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = GRYM_OK;

	if (!(st = cat_prep(cat, sql, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, asset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 8;
			grym_feature_set *nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = nc;
		}
		grym_feature_set *f = &v[n++];
		memset(f, 0, sizeof *f);
		int bytes = sqlite3_column_bytes(st, 5);
		copy_id(f->id, st, 0);
		copy_id(f->asset, st, 1);
		f->extractor = dup_col(st, 2);
		f->frames = sqlite3_column_int(st, 3);
		f->dims = sqlite3_column_int(st, 4);
		f->summary_len = bytes / (int)sizeof(float);
		if (f->summary_len > 0 && (f->summary = malloc((size_t)f->summary_len * sizeof(float))))
			memcpy(f->summary, sqlite3_column_blob(st, 5), (size_t)f->summary_len * sizeof(float));
		copy_id(f->object, st, 6);
		if (!f->extractor || (f->summary_len > 0 && !f->summary)) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
	}
	if (rc == SQLITE_DONE)
		rc = GRYM_OK;
	else if (rc != GRYM_ERR_NOMEM)
		rc = cat_db_error(cat, err, "reading features");
	cat_done(st);
	for (size_t i = 0; i < n; i++) {
		if (rc == GRYM_OK)
			rc = cb(ud, &v[i]);
		grym_feature_set_clear(&v[i]);
	}
	free(v);
	return rc;
}

/* ---- models and predictions ---- */

void grym_model_row_clear(grym_model_row *m)
{
	free(m->name);
	free(m->type);
	free(m->params);
	free(m->training);
	free(m->metrics);
	memset(m, 0, sizeof *m);
}

int grym_catalog_put_model(grym_catalog *cat, const grym_model_row *m, grym_error *err)
{
	/* A model id is the hash of its file: a second put of the same model
	 * keeps the first row, but a name given now is recorded. */
	static const char sql[] =
		"INSERT INTO models(id, name, type, params, training, metrics, object, created)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(id) DO UPDATE SET"
		" name = coalesce(excluded.name, models.name)";
	sqlite3_stmt *st;
	int rc;

	if (!grym_id_is_full(m->id) || !grym_id_is_full(m->object))
		return grym_error_set(err, GRYM_ERR_INVALID, "a model needs full ids");
	if (!m->type)
		return grym_error_set(err, GRYM_ERR_INVALID, "model %s: no type", m->id);
	if (!grym_store_has(cat->store, m->object))
		return grym_error_set(err, GRYM_ERR_NOTFOUND,
				      "model %s: object %s is not in the store", m->id, m->object);
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	if (!(st = cat_prep(cat, sql, err))) {
		rc = GRYM_ERR_DB;
	} else {
		cat_bind_text(st, 1, m->id);
		cat_bind_text(st, 2, m->name);
		cat_bind_text(st, 3, m->type);
		cat_bind_text(st, 4, m->params);
		cat_bind_text(st, 5, m->training);
		cat_bind_text(st, 6, m->metrics);
		cat_bind_text(st, 7, m->object);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "storing a model");
		cat_done(st);
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_get_model(grym_catalog *cat, const char *key, grym_model_row *m,
			   grym_error *err)
{
	static const char by_name[] =
		"SELECT id FROM models WHERE name = ?1 ORDER BY created DESC, rowid DESC LIMIT 1";
	static const char rsql[] =
		"SELECT id FROM models WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 5";
	static const char sql[] =
		"SELECT id, name, type, params, training, metrics, object FROM models WHERE id = ?1";
	char full[GRYM_ID_LEN + 1] = "";
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof *m);
	if (!(st = cat_prep(cat, by_name, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		copy_id(full, st, 0);
	cat_done(st);
	/* a name first, then an id or id prefix; say what was looked for */
	if (!full[0] && !grym_id_is_prefix(key))
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "no model named '%s'", key);
	if (!full[0] && (rc = resolve_in(cat, rsql, "a model", key, full, err)) != GRYM_OK) {
		if (rc == GRYM_ERR_NOTFOUND)
			grym_error_set(err, rc, "no model named '%s' nor with an id starting so", key);
		return rc;
	}
	if (!(st = cat_prep(cat, sql, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, full);
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy_id(m->id, st, 0);
		m->name = dup_col(st, 1);
		m->type = dup_col(st, 2);
		m->params = dup_col(st, 3);
		m->training = dup_col(st, 4);
		m->metrics = dup_col(st, 5);
		copy_id(m->object, st, 6);
		rc = m->type ? GRYM_OK : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	} else {
		rc = cat_db_error(cat, err, "reading a model");
	}
	cat_done(st);
	if (rc != GRYM_OK)
		grym_model_row_clear(m);
	return rc;
}

int grym_catalog_put_prediction(grym_catalog *cat, const char *model, const char *asset,
				const char *label, double probability,
				const char *scores_json, grym_error *err)
{
	static const char sql[] =
		"INSERT INTO predictions(model, asset, label, probability, scores, created)"
		" VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(model, asset) DO UPDATE SET"
		" label = excluded.label, probability = excluded.probability,"
		" scores = excluded.scores, created = excluded.created";
	static const char has_model[] = "SELECT 1 FROM models WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;

	if (!grym_id_is_full(model) || !grym_id_is_full(asset))
		return grym_error_set(err, GRYM_ERR_INVALID, "a prediction needs full ids");
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	rc = need_asset(cat, asset, err);
	if (rc == GRYM_OK) {
		if (!(st = cat_prep(cat, has_model, err))) {
			rc = GRYM_ERR_DB;
		} else {
			cat_bind_text(st, 1, model);
			if (sqlite3_step(st) != SQLITE_ROW)
				rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "no model %s", model);
			cat_done(st);
		}
	}
	if (rc == GRYM_OK) {
		if (!(st = cat_prep(cat, sql, err))) {
			rc = GRYM_ERR_DB;
		} else {
			cat_bind_text(st, 1, model);
			cat_bind_text(st, 2, asset);
			cat_bind_text(st, 3, label);
			sqlite3_bind_double(st, 4, probability);
			cat_bind_text(st, 5, scores_json);
			sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = cat_db_error(cat, err, "storing a prediction");
			cat_done(st);
		}
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_get_prediction(grym_catalog *cat, const char *model, const char *asset,
				char **label, double *probability, char **scores_json,
				grym_error *err)
{
	static const char sql[] =
		"SELECT label, probability, scores FROM predictions WHERE model = ?1 AND asset = ?2";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;

	*label = NULL;
	*scores_json = NULL;
	*probability = 0;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, model);
	cat_bind_text(st, 2, asset);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*label = dup_col(st, 0);
		*probability = sqlite3_column_double(st, 1);
		*scores_json = dup_col(st, 2);
		rc = GRYM_OK;
	} else if (rc == SQLITE_DONE) {
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "no prediction of model %s on asset %s",
				    model, asset);
	} else {
		rc = cat_db_error(cat, err, "reading a prediction");
	}
	cat_done(st);
	return rc;
}

/* ---- stats ---- */

static int count_object(void *ud, const char *id, uint64_t size, time_t mtime)
{
	grym_catalog_stats *s = ud;
	(void)id;
	(void)mtime;
	s->objects++;
	s->object_bytes += size;
	return 0;
}

int grym_catalog_stats_get(grym_catalog *cat, grym_catalog_stats *s, grym_error *err)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM assets),"
		" (SELECT count(*) FROM assets WHERE kind = 'source'),"
		" (SELECT count(*) FROM assets WHERE kind = 'derived'),"
		" (SELECT count(DISTINCT label) FROM asset_labels),"
		" (SELECT count(*) FROM features),"
		" (SELECT count(*) FROM models),"
		" (SELECT count(*) FROM predictions),"
		" (SELECT total(duration) FROM assets WHERE kind = 'source')";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;

	memset(s, 0, sizeof *s);
	if (!st)
		return GRYM_ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->assets = sqlite3_column_int64(st, 0);
		s->sources = sqlite3_column_int64(st, 1);
		s->derived = sqlite3_column_int64(st, 2);
		s->labels = sqlite3_column_int64(st, 3);
		s->features = sqlite3_column_int64(st, 4);
		s->models = sqlite3_column_int64(st, 5);
		s->predictions = sqlite3_column_int64(st, 6);
		s->total_duration = sqlite3_column_double(st, 7);
	}
	cat_done(st);
	if (rc != SQLITE_ROW)
		return cat_db_error(cat, err, "counting");
	return grym_store_foreach(cat->store, count_object, s, err);
}
