/*
 * catalog_int.h — what the files of lib/catalog/ share and nobody else
 * sees: the handle, the prepared-statement cache, write-transaction
 * helpers and the asset merge used by put, merge and import.
 */
#ifndef GRYM_CATALOG_INT_H
#define GRYM_CATALOG_INT_H

#include <sqlite3.h>
#include <jansson.h>
#include "grym/catalog.h"

#define CAT_STMT_CACHE 64

struct grym_catalog {
	sqlite3 *db;
	grym_store *store;
	char *dir;
	int version;            /* schema version after migration */
	int in_tx;              /* an explicit grym_catalog_begin is open */
	int64_t token;          /* this handle's rows in the pending table */
	int pending;            /* some pending row of this handle may exist */
	int verify;             /* hash every object read in full (objects.c) */
	struct {
		const char *sql; /* identity: the address of a constant string */
		sqlite3_stmt *st;
	} cache[CAT_STMT_CACHE];
	const volatile sig_atomic_t *cancel; /* import/export stop when set */
};

/* The schema: ordered migration steps (schema.c). */
typedef struct cat_migration {
	int to_version;
	const char *sql;
} cat_migration;
extern const cat_migration grym_cat_migrations[];
extern const int grym_cat_n_migrations;
#define GRYM_CATALOG_SCHEMA_VERSION 5

/* A cached prepared statement for constant SQL; reset it with cat_done. */
sqlite3_stmt *cat_prep(grym_catalog *cat, const char *sql, grym_error *err);
void cat_done(sqlite3_stmt *st);
int cat_db_error(grym_catalog *cat, grym_error *err, const char *what);
/* Run one constant statement that returns no rows. */
int cat_exec(grym_catalog *cat, const char *sql, grym_error *err);
/* Bind helpers: NULL text binds SQL NULL. */
void cat_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Write transactions: BEGIN IMMEDIATE, or a SAVEPOINT inside an explicit
 * transaction; cat_wend commits on rc == GRYM_OK and rolls back otherwise,
 * returning the final status. */
int cat_wbegin(grym_catalog *cat, grym_error *err);
int cat_wend(grym_catalog *cat, int rc, grym_error *err);

/* put_asset without its own transaction (the caller holds one). */
int cat_put_asset_tx(grym_catalog *cat, const grym_asset *a, int *created,
		     grym_error *err);
/* 1 if an asset row with full id exists, 0 if not, <0 on error. */
int cat_asset_exists(grym_catalog *cat, const char *id, grym_error *err);
/* Merge one incoming asset (from another catalog or an archive): new rows
 * are inserted, identical ones get their labels/paths/meta united, a row
 * with different content is kept and reported as a conflict. */
int cat_merge_asset(grym_catalog *cat, const grym_asset *theirs, int64_t *added,
		    int64_t *conflicts, grym_report_fn report, void *ud,
		    grym_error *err);
/* Insert assets in an order that puts parents first; each asset's
 * object must be in the store. Runs inside the caller's transaction. */
int cat_merge_assets(grym_catalog *cat, grym_asset *list, size_t n, int64_t *added,
		     int64_t *conflicts, grym_report_fn report, void *ud,
		     grym_error *err);

/* Rows of features, models and predictions from other's tables named
 * src_prefix + TABLE ("main." for another catalog, "temp.grym_import_"
 * for an archive loaded into temporary tables of cat itself) merge into
 * cat's: absent rows are inserted (counted in added), differing ones
 * reported (conflicts), rows that cannot go in reported (failed). Runs
 * inside the caller's transaction. */
extern const char *const cat_feature_cols[8], *const cat_model_cols[8],
	*const cat_prediction_cols[6];
int cat_merge_extra(grym_catalog *cat, grym_catalog *other, const char *src_prefix,
		    int64_t *added, int64_t *conflicts, int64_t *failed,
		    grym_report_fn report, void *ud, grym_error *err);

/* The store's publish hook (maint.c): record id as pending for this
 * handle before the store publishes it; and forget this handle's pending
 * rows (at close). */
/* Objects read through the catalog (objects.c). `what` names an object
 * and its owner in messages ("object of ID", "object OBJ of feature set
 * ID", "object of model ID (NAME)"), built by the *_what functions.
 * check: the object exists, has want bytes (want < 0: no size recorded)
 * and, when hash is set, hashes to its id; GRYM_ERR_CORRUPT naming it
 * and grym-catalog fsck --repair otherwise. damaged: that last message. */
#define CAT_OBJ_WHAT_MAX 400
void cat_asset_object_what(const char *id, const char *obj, char *buf, size_t len);
void cat_feature_object_what(const char *id, const char *obj, char *buf, size_t len);
void cat_model_object_what(const char *id, const char *obj, const char *name, char *buf,
			   size_t len);
int cat_check_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		     int hash, grym_error *err);
int cat_object_damaged(grym_error *err, const char *what, const char *hex);
/* read: object obj whole into *data (malloc'ed, *len bytes) with those
 * checks (a model's out-of-fold predictions: model_page.c). */
int cat_read_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		    int hash, void **data, size_t *len, grym_error *err);
/* open: cat_check_object's size test made on the object opened for reading
 * (the reader at its start; the caller closes it). */
int cat_open_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		    grym_store_reader **r, grym_error *err);

int cat_pending_add(void *cat, const char *id, grym_error *err);
void cat_pending_forget(grym_catalog *cat);

void cat_reportf(grym_report_fn report, void *ud, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
