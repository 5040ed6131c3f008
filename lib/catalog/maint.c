/*
 * maint.c — catalog maintenance: gc (remove unreferenced objects) and
 * fsck (check objects, rows and the database).
 *
 * gc runs inside one BEGIN IMMEDIATE transaction: it reads the set of
 * referenced objects and removes the others while holding the write lock,
 * and grym_catalog_put_asset checks that its object exists inside its own
 * write transaction, so the two are serialized and no row can ever be
 * written for an object gc is removing.
 *
 * The other window — an object published in the store whose row is not
 * written yet — is closed by the pending table, not by the grace period
 * (which a user may set to 0): every catalog handle installs a publish
 * hook on its store (cat_pending_add) that records (object, pid, token)
 * in its own write transaction before the object gets its name. gc reads
 * the pending rows in its write transaction and spares every object
 * whose writer process is alive, and deletes the rows of dead writers. So
 * either gc's transaction comes first (and the object is not published
 * yet, or is published again after gc, since the writer stats the final
 * name only after its pending row is in), or the pending row does. A
 * writer's rows are deleted when it closes the catalog. We chose this
 * over a catalog-wide lock that writers hold shared: a long pipeline
 * (ingest | normalize | features for hours) would hold such a lock all
 * the time and gc would never run, whereas pending rows only protect the
 * few objects a writer is working on. The PID test assumes the writers
 * run on this machine (a catalog on a network file system shared by
 * several hosts is not supported by SQLite's locking anyway).
 */
#include "catalog_int.h"
#include "grym/hash.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct id_set {
	char (*ids)[GRYM_ID_LEN + 1];
	size_t n, cap;
} id_set;

static int id_set_add(id_set *s, const char *id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *p = realloc(s->ids, cap * sizeof *s->ids);
		if (!p)
			return GRYM_ERR_NOMEM;
		s->ids = p;
		s->cap = cap;
	}
	snprintf(s->ids[s->n++], GRYM_ID_LEN + 1, "%s", id);
	return GRYM_OK;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int id_set_has(const id_set *s, const char *id)
{
	return s->n && bsearch(id, s->ids, s->n, sizeof *s->ids, cmp_id) != NULL;
}

static const char SQL_REFERENCED[] =
	"SELECT object FROM assets UNION SELECT object FROM features WHERE object IS NOT NULL"
	" UNION SELECT object FROM models"
	/* views are caches, but a row's object is kept while the row is */
	" UNION SELECT object FROM views"
	/* a model's out-of-fold predictions (grym-train --cv/--holdout) */
	" UNION SELECT json_extract(training, '$.predictions') FROM models"
	" WHERE json_valid(training) AND json_type(training, '$.predictions') = 'text'";

static int load_referenced(grym_catalog *cat, id_set *s, grym_error *err)
{
	sqlite3_stmt *st = cat_prep(cat, SQL_REFERENCED, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (id && id_set_add(s, id) != GRYM_OK) {
			cat_done(st);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	}
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "listing referenced objects");
	if (s->n > 1)   /* an empty set has no array: qsort(NULL, 0) is undefined */
		qsort(s->ids, s->n, sizeof *s->ids, cmp_id);
	return GRYM_OK;
}

/* ---- pending objects ---- */

static int pid_alive(int64_t pid)
{
	if (pid <= 0 || pid != (int64_t)(pid_t)pid)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int cat_pending_add(void *ud, const char *id, grym_error *err)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO pending(object, pid, token, created) VALUES (?1, ?2, ?3, ?4)";
	grym_catalog *cat = ud;
	sqlite3_stmt *st;
	int rc;

	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return grym_error_prefix(err, rc, "registering object %s", id);
	if (!(st = cat_prep(cat, sql, err)))
		return cat_wend(cat, GRYM_ERR_DB, err);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)getpid());
	sqlite3_bind_int64(st, 3, cat->token);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st) == SQLITE_DONE ? GRYM_OK : cat_db_error(cat, err, "pending object");
	cat_done(st);
	rc = cat_wend(cat, rc, err);
	if (rc == GRYM_OK)
		cat->pending = 1;
	return rc;
}

void cat_pending_forget(grym_catalog *cat)
{
	static const char sql[] = "DELETE FROM pending WHERE pid = ?1 AND token = ?2";
	sqlite3_stmt *st;

	if (!cat->pending)
		return;
	/* Best effort: rows left behind belong to a dead PID, which gc deletes. */
	if (!(st = cat_prep(cat, sql, NULL)))
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)getpid());
	sqlite3_bind_int64(st, 2, cat->token);
	sqlite3_step(st);
	cat_done(st);
	cat->pending = 0;
}

/* Inside gc's write transaction: add the objects of live writers to refs,
 * delete the rows of dead ones. The rows of the handle running gc are
 * deleted too: it is not in the middle of storing anything. */
static int load_pending(grym_catalog *cat, id_set *refs, grym_error *err)
{
	static const char list[] = "SELECT DISTINCT pid, token FROM pending";
	static const char objs[] = "SELECT object FROM pending WHERE pid = ?1 AND token = ?2";
	static const char drop[] = "DELETE FROM pending WHERE pid = ?1 AND token = ?2";
	struct { int64_t pid, token; } *w = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc = GRYM_OK, step;

	if (!(st = cat_prep(cat, list, err)))
		return GRYM_ERR_DB;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			void *p = realloc(w, (cap = cap ? 2 * cap : 16) * sizeof *w);
			if (!p) {
				cat_done(st);
				free(w);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
			w = p;
		}
		w[n].pid = sqlite3_column_int64(st, 0);
		w[n++].token = sqlite3_column_int64(st, 1);
	}
	cat_done(st);
	if (step != SQLITE_DONE) {
		free(w);
		return cat_db_error(cat, err, "listing pending objects");
	}
	for (size_t i = 0; rc == GRYM_OK && i < n; i++) {
		int self = w[i].pid == (int64_t)getpid() && w[i].token == cat->token;
		int live = !self && pid_alive(w[i].pid);
		if (!(st = cat_prep(cat, live ? objs : drop, err))) {
			rc = GRYM_ERR_DB;
			break;
		}
		sqlite3_bind_int64(st, 1, w[i].pid);
		sqlite3_bind_int64(st, 2, w[i].token);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			if (id_set_add(refs, (const char *)sqlite3_column_text(st, 0)) != GRYM_OK) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
		cat_done(st);
		if (rc == GRYM_OK && step != SQLITE_DONE)
			rc = cat_db_error(cat, err, "pending objects");
	}
	free(w);
	if (rc == GRYM_OK && refs->n > 1)   /* qsort(NULL, 0) is undefined */
		qsort(refs->ids, refs->n, sizeof *refs->ids, cmp_id);
	return rc;
}

struct gc_ctx {
	const id_set *refs;
	id_set victims;
	uint64_t *sizes;
	size_t sizes_cap;
	time_t cutoff;
	int nomem;
};

static int gc_visit(void *ud, const char *id, uint64_t size, time_t mtime)
{
	struct gc_ctx *g = ud;
	if (id_set_has(g->refs, id) || mtime > g->cutoff)
		return 0;
	if (id_set_add(&g->victims, id) != GRYM_OK) {
		g->nomem = 1;
		return 1;
	}
	if (g->victims.n > g->sizes_cap) {
		void *p = realloc(g->sizes, g->victims.cap * sizeof *g->sizes);
		if (!p) {
			g->nomem = 1;
			return 1;
		}
		g->sizes = p;
		g->sizes_cap = g->victims.cap;
	}
	g->sizes[g->victims.n - 1] = size;
	return 0;
}

int grym_catalog_gc(grym_catalog *cat, int64_t grace, int dry_run,
		    int64_t *removed, uint64_t *bytes, grym_report_fn report,
		    void *ud, grym_error *err)
{
	id_set refs = { 0 };
	struct gc_ctx g = { 0 };
	int64_t nrm = 0;
	uint64_t nbytes = 0;
	int rc;

	if (removed)
		*removed = 0;
	if (bytes)
		*bytes = 0;
	if (grace < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "negative grace period");
	if (cat->in_tx)
		return grym_error_set(err, GRYM_ERR_INVALID, "gc inside a transaction");
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	rc = load_referenced(cat, &refs, err);
	if (rc == GRYM_OK)
		rc = load_pending(cat, &refs, err);
	if (rc == GRYM_OK) {
		g.refs = &refs;
		g.cutoff = time(NULL) - (time_t)grace;
		rc = grym_store_foreach(cat->store, gc_visit, &g, err);
		if (g.nomem)
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; rc == GRYM_OK && i < g.victims.n; i++) {
		const char *id = g.victims.ids[i];
		if (!dry_run) {
			grym_error e = { 0 };
			if (grym_store_remove(cat->store, id, &e) != GRYM_OK) {
				cat_reportf(report, ud, "cannot remove %s: %s", id, e.msg);
				continue;
			}
		}
		cat_reportf(report, ud, "%s %s %llu", dry_run ? "would remove" : "removed", id,
			    (unsigned long long)g.sizes[i]);
		nrm++;
		nbytes += g.sizes[i];
	}
	rc = cat_wend(cat, rc, err);
	if (rc == GRYM_OK && !dry_run)
		rc = grym_store_clean_tmp(cat->store, (time_t)grace, err);
	free(refs.ids);
	free(g.victims.ids);
	free(g.sizes);
	if (removed)
		*removed = nrm;
	if (bytes)
		*bytes = nbytes;
	return rc;
}

static int collect_id(void *ud, const char *id, uint64_t size, time_t mtime)
{
	(void)size;
	(void)mtime;
	return id_set_add(ud, id) != GRYM_OK;
}

static int check_source_paths(grym_catalog *cat, grym_report_fn report, void *ud,
			      int64_t *problems, grym_error *err)
{
	static const char sql[] =
		"SELECT id FROM assets a WHERE kind = 'source'"
		" AND NOT EXISTS (SELECT 1 FROM asset_paths p WHERE p.asset = a.id)";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cat_reportf(report, ud, "asset %s: source without an origin path "
			    "(ingest the file again, or remove the asset)",
			    (const char *)sqlite3_column_text(st, 0));
		(*problems)++;
	}
	cat_done(st);
	return rc == SQLITE_DONE ? GRYM_OK : cat_db_error(cat, err, "checking origin paths");
}

/* 1 if the object of a source asset is missing, of the wrong size or
 * does not hash to its name. */
static int object_damaged(grym_catalog *cat, const char *obj, int64_t want)
{
	uint64_t size;
	if (grym_store_size(cat->store, obj, &size, NULL) != GRYM_OK)
		return 1;
	if (want > 0 && size != (uint64_t)want)
		return 1;
	return grym_store_verify(cat->store, obj, NULL) != GRYM_OK;
}

/* Store a source's object again from the first origin path that still
 * hashes to its id. 1 restored, 0 not. */
static int restore_from_paths(grym_catalog *cat, const char *id, grym_report_fn report,
			      void *ud)
{
	static const char sql[] = "SELECT path FROM asset_paths WHERE asset = ?1 ORDER BY path";
	sqlite3_stmt *st = cat_prep(cat, sql, NULL);
	int done = 0;
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while (!done && sqlite3_step(st) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		char hex[GRYM_ID_LEN + 1], got[GRYM_ID_LEN + 1];
		if (!path || grym_sha256_file(path, hex, NULL) != GRYM_OK || strcmp(hex, id) != 0)
			continue;
		if (grym_store_restore_file(cat->store, path, got, NULL) == GRYM_OK &&
		    strcmp(got, id) == 0) {
			cat_reportf(report, ud, "asset %s: object restored from %s", id, path);
			done = 1;
		}
	}
	cat_done(st);
	return done;
}

int grym_catalog_repair(grym_catalog *cat, grym_report_fn report, void *ud, grym_error *err)
{
	static const char sql[] =
		"SELECT id, bytes FROM assets WHERE kind = 'source' AND object = id ORDER BY id";
	id_set bad = { 0 };
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (id && object_damaged(cat, id, sqlite3_column_int64(st, 1)) &&
		    id_set_add(&bad, id) != GRYM_OK) {
			cat_done(st);
			free(bad.ids);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	}
	cat_done(st);
	if (rc != SQLITE_DONE) {
		free(bad.ids);
		return cat_db_error(cat, err, "finding damaged objects");
	}
	for (size_t i = 0; i < bad.n; i++)
		if (!restore_from_paths(cat, bad.ids[i], report, ud))
			cat_reportf(report, ud, "asset %s: object not restored "
				    "(no origin path still hashes to it)", bad.ids[i]);
	free(bad.ids);
	return GRYM_OK;
}

int grym_catalog_fsck(grym_catalog *cat, grym_report_fn report, void *ud,
		      grym_error *err)
{
	static const char integrity[] = "PRAGMA integrity_check";
	static const char fkcheck[] = "PRAGMA foreign_key_check";
	static const char rows[] =
		"SELECT 'asset', id, object, bytes FROM assets"
		" UNION ALL SELECT 'features', id, object, -1 FROM features WHERE object IS NOT NULL"
		" UNION ALL SELECT 'model', id, object, -1 FROM models"
		" UNION ALL SELECT kind || ' view of', asset, object, bytes FROM views"
		/* and the out-of-fold predictions its training record names */
		" UNION ALL SELECT 'predictions of model', id, json_extract(training, '$.predictions'), -1"
		" FROM models WHERE json_valid(training) AND json_type(training, '$.predictions') = 'text'";
	id_set objs = { 0 };
	sqlite3_stmt *st;
	int64_t problems = 0;
	int rc;

	/* 1. The database file itself. */
	if (!(st = cat_prep(cat, integrity, err)))
		return GRYM_ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		if (line && strcmp(line, "ok") != 0) {
			cat_reportf(report, ud, "database: %s", line);
			problems++;
		}
	}
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "integrity check");
	if (!(st = cat_prep(cat, fkcheck, err)))
		return GRYM_ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cat_reportf(report, ud, "database: %s row %lld has no matching %s row",
			    sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
			    sqlite3_column_text(st, 2));
		problems++;
	}
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "foreign key check");

	/* 2. Every row's object exists, with the size the row records. */
	if (!(st = cat_prep(cat, rows, err)))
		return GRYM_ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *what = (const char *)sqlite3_column_text(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);
		const char *obj = (const char *)sqlite3_column_text(st, 2);
		int64_t want = sqlite3_column_int64(st, 3);
		uint64_t size;
		if (!obj || grym_store_size(cat->store, obj, &size, NULL) != GRYM_OK) {
			cat_reportf(report, ud, "%s %s: object %s is missing", what, id,
				    obj ? obj : "(none)");
			problems++;
		} else if (want > 0 && size != (uint64_t)want) {
			cat_reportf(report, ud, "%s %s: object %s has %llu bytes, the row says %lld",
				    what, id, obj, (unsigned long long)size, (long long)want);
			problems++;
		}
	}
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "checking rows");

	/* 2b. Every source has an origin path: ingest writes a source row
	 * and its path in one transaction (stdin is recorded as "-"), so a
	 * source without one was left by a failed write. */
	if ((rc = check_source_paths(cat, report, ud, &problems, err)) != GRYM_OK)
		return rc;

	/* 3. Every object's bytes hash to its name. */
	rc = grym_store_foreach(cat->store, collect_id, &objs, err);
	if (rc != GRYM_OK) {
		free(objs.ids);
		return rc > 0 ? grym_error_set(err, GRYM_ERR_NOMEM, "out of memory") : rc;
	}
	for (size_t i = 0; i < objs.n; i++) {
		grym_error e = { 0 };
		if (grym_store_verify(cat->store, objs.ids[i], &e) != GRYM_OK) {
			cat_reportf(report, ud, "%s", e.msg);
			problems++;
		}
	}
	free(objs.ids);
	if (problems)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%lld problem%s found",
				      (long long)problems, problems == 1 ? "" : "s");
	return GRYM_OK;
}
