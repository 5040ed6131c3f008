/*
 * catalog.h — the catalog: what grym knows about assets, features, models.
 *
 * A catalog is a directory: catalog.db (SQLite, WAL mode, busy timeout,
 * foreign keys, schema versioned by PRAGMA user_version with migrations run
 * on open) and the object store (store.h) beside it. Every write that
 * spans rows runs in one BEGIN IMMEDIATE transaction, so several processes
 * may write to one catalog at once without "database is locked" failures.
 * A row that names an object is written only after the object is committed
 * to the store: there is never a row without its object.
 *
 * Chosen by --catalog DIR, else $GRYM_CATALOG, else
 * $XDG_DATA_HOME/grym (default ~/.local/share/grym).
 *
 * All SQL lives behind this interface (lib/catalog/), so a PostgreSQL
 * catalog can later stand in without touching the stages.
 *
 * Thread-safety: a grym_catalog handle is used by one thread at a time;
 * threads that write concurrently open their own handles.
 */
#ifndef GRYM_CATALOG_H
#define GRYM_CATALOG_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/hash.h"
#include "grym/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_catalog grym_catalog;

/* An asset: a source file ingested, or a result derived from another asset
 * by a recipe. Strings and JSON values are owned by the struct; release
 * them with grym_asset_clear. */
typedef struct grym_asset {
	char id[GRYM_ID_LEN + 1];
	char kind[16];                      /* "source" or "derived" */
	char parent[GRYM_ID_LEN + 1];       /* "" for a source */
	char object[GRYM_ID_LEN + 1];       /* object holding the bytes
					       (a source's object is its id) */
	char *recipe;                       /* canonical recipe JSON, NULL for a source */
	char *format;                       /* container: "wav", "flac", "mp3"... */
	char *codec;                        /* "pcm_s16le", "mp3", ... */
	int sample_rate;
	int channels;
	int bits;                           /* bits per sample, 0 if not meaningful */
	int64_t frames;                     /* sample frames per channel */
	double duration;                    /* seconds */
	uint64_t bytes;                     /* size of the object */
	grym_json *tags;                       /* object: title, artist, ... (may be NULL) */
	grym_json *labels;                     /* array of strings (may be NULL) */
	grym_json *meta;                       /* object: manifest columns, split... (may be NULL) */
	grym_json *paths;                      /* array of origin paths (may be NULL):
					       strings holding each name's exact
					       bytes, which need not be UTF-8 (a
					       json_stringn_nocheck string): do
					       not json_dumps them, use
					       grym_asset_to_json */
} grym_asset;

/* init zeroes a (every pointer NULL) before it is filled; clear frees
 * what a owns (its strings and JSON references) and leaves it as after
 * init. */
void grym_asset_init(grym_asset *a);
void grym_asset_clear(grym_asset *a);

/* The JSON form of an asset, as `grym-catalog show` prints it and
 * exports carry it: {"id","kind","parent" (null for a source),"object",
 * "recipe" (the recipe as JSON, null for a source),"format","codec",
 * "sample_rate","channels","bits","frames","duration","bytes","tags",
 * "labels","meta","paths"}, and "paths_b64" when a path is not UTF-8
 * ("paths" then shows it with U+FFFD for each bad byte, "paths_b64" holds
 * for each path its exact bytes in base64 or null when it is UTF-8).
 * to_json returns a new reference (NULL when
 * out of memory); from_json fills a (initialised by the callee) and
 * checks types, GRYM_ERR_FORMAT naming the bad field. */
grym_json *grym_asset_to_json(const grym_asset *a) GRYM_MUST_CHECK;
int grym_asset_from_json(const grym_json *j, grym_asset *a, grym_error *err) GRYM_MUST_CHECK;

/* Where the catalog lives when no --catalog is given (see above). */
int grym_catalog_default_dir(char *buf, size_t len, grym_error *err) GRYM_MUST_CHECK;

/* Open the catalog in dir, creating it and migrating its schema as needed.
 * The caller owns the handle (grym_catalog_close, NULL is fine); one handle
 * is used by one thread at a time. NULL on failure with err filled
 * (GRYM_ERR_IO, GRYM_ERR_DB naming the file, GRYM_ERR_NOMEM). */
grym_catalog *grym_catalog_open(const char *dir, grym_error *err) GRYM_MUST_CHECK;
void grym_catalog_close(grym_catalog *cat);
/* The catalog's object store, owned by cat (valid until it is closed). */
grym_store *grym_catalog_store(grym_catalog *cat);
/* Once *cancel turns non-zero, export and import stop (also a read or
 * write blocked on a pipe, which a signal interrupts) with
 * GRYM_ERR_CANCELLED: the export's output is aborted, the import adds
 * no row (objects already stored stay for gc). NULL: never. */
void grym_catalog_set_cancel(grym_catalog *cat, const volatile sig_atomic_t *cancel);

/* Reading objects (objects.c). Every read checks the object's size
 * against its row (an asset's bytes; a feature set's frames x dims
 * floats): a stat, always done. The full hash is checked when the handle
 * verifies (set_verify, the programs' --verify), and always for a model,
 * whose row records no size. A missing, resized or (hashed) damaged
 * object is GRYM_ERR_CORRUPT with a message naming it and its owner
 * ("object of ID is 10 bytes, the catalog says 12: run grym-catalog fsck
 * --repair"), so no reader uses it unseen. */
void grym_catalog_set_verify(grym_catalog *cat, int verify);
int grym_catalog_verifies(const grym_catalog *cat);
/* Check asset a's object as a read would, without reading it for use
 * (an asset reused instead of re-made). */
int grym_catalog_check_asset_object(grym_catalog *cat, const grym_asset *a, grym_error *err)
	GRYM_MUST_CHECK;
/* Open asset a's object for reading, with those checks made on the very
 * file opened (its size; its hash when the handle verifies), so nothing
 * replaces it between the check and the read: returns a new reader of the
 * store (grym/store.h) at the object's start, the caller's to close with
 * grym_store_reader_close. When path is not NULL it receives the name the
 * decoders open the reader's bytes by (they open files by name: FFmpeg,
 * libsndfile): /proc/self/fd/N of the reader's file descriptor
 * (grym_fd_path), valid until the reader is closed. NULL on failure, with
 * err->code GRYM_ERR_CORRUPT for a missing, resized or damaged object (as
 * above), GRYM_ERR_UNSUPPORTED when there is no such name (no
 * /proc/self/fd), GRYM_ERR_LIMIT when len cannot hold it, GRYM_ERR_IO,
 * GRYM_ERR_NOMEM. */
grym_store_reader *grym_catalog_open_asset_object(grym_catalog *cat, const grym_asset *a,
						  char *path, size_t len, grym_error *err)
	GRYM_MUST_CHECK;
const char *grym_catalog_dir(const grym_catalog *cat);
int grym_catalog_schema_version(grym_catalog *cat);

/* Explicit transactions (BEGIN IMMEDIATE): group several puts into one
 * atomic, fast write. Calls made outside one run in their own. */
int grym_catalog_begin(grym_catalog *cat, grym_error *err) GRYM_MUST_CHECK;
int grym_catalog_commit(grym_catalog *cat, grym_error *err) GRYM_MUST_CHECK;
void grym_catalog_rollback(grym_catalog *cat);

/* Insert an asset, or merge it into the existing row of the same id: its
 * paths and labels are added (union), its meta keys added where absent.
 * *created (may be NULL) is 1 when the row is new. The asset's object
 * must already be in the store (GRYM_ERR_NOTFOUND otherwise). */
int grym_catalog_put_asset(grym_catalog *cat, const grym_asset *a, int *created,
			   grym_error *err) GRYM_MUST_CHECK;
/* Fill a (initialised by the callee) with the asset of full id `id`. */
int grym_catalog_get_asset(grym_catalog *cat, const char *id, grym_asset *a,
			   grym_error *err) GRYM_MUST_CHECK;
/* Expand a unique prefix (or full id) of an asset id. GRYM_ERR_NOTFOUND,
 * GRYM_ERR_AMBIGUOUS (message lists a few candidates). */
int grym_catalog_resolve(grym_catalog *cat, const char *prefix,
			 char id[GRYM_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;

/* Add a label to the asset of full id `id` and to every asset derived
 * from it (adding one it has is not an error); remove takes it off the
 * same tree. label is copied. GRYM_ERR_INVALID for an empty label,
 * GRYM_ERR_NOTFOUND when there is no such asset, GRYM_ERR_DB. */
int grym_catalog_add_label(grym_catalog *cat, const char *id, const char *label,
			   grym_error *err) GRYM_MUST_CHECK;
int grym_catalog_remove_label(grym_catalog *cat, const char *id, const char *label,
			      grym_error *err) GRYM_MUST_CHECK;
/* Set (or with value NULL remove) one metadata key of an asset. */
int grym_catalog_set_meta(grym_catalog *cat, const char *id, const char *key,
			  const grym_json *value, grym_error *err) GRYM_MUST_CHECK;
/* Remove an asset and its rows (features, predictions, derived children
 * only with force); objects go at the next gc. */
int grym_catalog_rm_asset(grym_catalog *cat, const char *id, int force,
			  grym_error *err) GRYM_MUST_CHECK;

/* Selection of assets; NULL/0 fields match everything. */
typedef struct grym_asset_query {
	const char *label;      /* has this label */
	const char *kind;       /* "source" or "derived" */
	const char *parent;     /* derived from this id */
	const char *meta_key;   /* with meta_value: meta[key] == value (as text) */
	const char *meta_value;
	const char *path_glob;  /* an origin path matches this glob */
	int limit;              /* 0: no limit */
} grym_asset_query;

/* Visit matching assets in insertion order; cb returns non-zero to stop
 * (that value is returned). The asset is valid during the call only. */
typedef int (*grym_asset_visit_fn)(void *ud, const grym_asset *a);
int grym_catalog_foreach_asset(grym_catalog *cat, const grym_asset_query *q,
			       grym_asset_visit_fn cb, void *ud, grym_error *err)
	GRYM_MUST_CHECK;

/* Features of one asset under one extractor configuration. */
typedef struct grym_feature_set {
	char id[GRYM_ID_LEN + 1];          /* derived id: asset + extractor recipe */
	char asset[GRYM_ID_LEN + 1];
	char *extractor;                   /* canonical extractor recipe JSON */
	int frames, dims;                  /* shape of the frame matrix */
	float *summary;                    /* clip-level vector, summary_len floats */
	int summary_len;
	char object[GRYM_ID_LEN + 1];      /* frame matrix object ("" if none) */
} grym_feature_set;
/* Frees what f owns (extractor, summary) and zeroes it. */
void grym_feature_set_clear(grym_feature_set *f);
/* Store f (copied; the caller keeps f). Features are a cache of a
 * deterministic computation: a put of an id already there replaces the
 * row. GRYM_ERR_INVALID (ids not full, no extractor, a bad summary),
 * GRYM_ERR_NOTFOUND (no such asset, or f->object not in the store),
 * GRYM_ERR_DB. */
int grym_catalog_put_features(grym_catalog *cat, const grym_feature_set *f, grym_error *err)
	GRYM_MUST_CHECK;
/* Fill f with the feature set whose id is or starts with `id`; the caller
 * frees it with grym_feature_set_clear (f is zeroed on failure too).
 * GRYM_ERR_NOTFOUND, GRYM_ERR_AMBIGUOUS, GRYM_ERR_NOMEM, GRYM_ERR_DB. */
int grym_catalog_get_features(grym_catalog *cat, const char *id, grym_feature_set *f,
			      grym_error *err) GRYM_MUST_CHECK;
/* The frame matrix of f (f->frames x f->dims floats, malloc'ed, the
 * caller's to free; never NULL for 0 frames) from its object, checked as
 * above. NULL on failure, with err->code GRYM_ERR_NOTFOUND when f has no
 * matrix, GRYM_ERR_CORRUPT when its object is missing, resized or
 * (verified) damaged, GRYM_ERR_IO, GRYM_ERR_NOMEM. */
float *grym_catalog_feature_matrix(grym_catalog *cat, const grym_feature_set *f, grym_error *err)
	GRYM_MUST_CHECK;

/* Visit every feature set of the asset of full id `asset` (one per
 * extractor recipe), in id order; cb returns non-zero to stop (that value
 * is returned). The set is valid during the call only. */
typedef int (*grym_features_visit_fn)(void *ud, const grym_feature_set *f);
int grym_catalog_foreach_features(grym_catalog *cat, const char *asset,
				  grym_features_visit_fn cb, void *ud, grym_error *err)
	GRYM_MUST_CHECK;

/* A trained model. */
typedef struct grym_model_row {
	char id[GRYM_ID_LEN + 1];          /* SHA-256 of the model file */
	char *name;                        /* user name (may be NULL) */
	char *type;                        /* "logreg", "svm"... */
	char *params;                      /* hyper-parameters JSON */
	char *training;                    /* training set + recipe JSON */
	char *metrics;                     /* metrics JSON */
	char object[GRYM_ID_LEN + 1];      /* the model file */
} grym_model_row;
/* Frees the strings m owns and zeroes it. */
void grym_model_row_clear(grym_model_row *m);
/* Store m (copied). A model id is the hash of its file: a put of a model
 * already there keeps its row, but records a name given now.
 * GRYM_ERR_INVALID (ids not full, no type), GRYM_ERR_NOTFOUND (the object
 * is not in the store), GRYM_ERR_DB. */
int grym_catalog_put_model(grym_catalog *cat, const grym_model_row *m, grym_error *err)
	GRYM_MUST_CHECK;
/* Fill m with the model named id_or_prefix_or_name (the latest of that
 * name), else the one whose id is or starts with it; the caller frees m
 * with grym_model_row_clear (zeroed on failure). GRYM_ERR_NOTFOUND,
 * GRYM_ERR_AMBIGUOUS, GRYM_ERR_NOMEM, GRYM_ERR_DB. */
int grym_catalog_get_model(grym_catalog *cat, const char *id_or_prefix_or_name,
			   grym_model_row *m, grym_error *err) GRYM_MUST_CHECK;
/* The model file of m (malloc'ed), its bytes always hashed (see above). */
int grym_catalog_model_bytes(grym_catalog *cat, const grym_model_row *m, void **data,
			     size_t *len, grym_error *err) GRYM_MUST_CHECK;

/* One prediction of a model on an asset. */
int grym_catalog_put_prediction(grym_catalog *cat, const char *model, const char *asset,
				const char *label, double probability,
				const char *scores_json, grym_error *err) GRYM_MUST_CHECK;
/* Read back the prediction of model (full id) on asset (full id): *label
 * and *scores_json are malloc'ed (caller frees; either may be NULL in the
 * row); GRYM_ERR_NOTFOUND if there is none. */
int grym_catalog_get_prediction(grym_catalog *cat, const char *model, const char *asset,
				char **label, double *probability, char **scores_json,
				grym_error *err) GRYM_MUST_CHECK;

/* Views of an asset for the UI (lib/view/, grym/view.h): derived data
 * such as a peaks pyramid, stored as an object and named by the asset's
 * full id, a kind ("peaks", "spectrogram", "loudness"...) and params, the
 * canonical JSON of what shapes the object's bytes. Views are caches:
 * they go with their asset (the rows cascade, the objects at the next
 * gc), gc keeps the object of every row, and export, import and merge
 * carry none (grym-catalog(5)).
 *
 * open_view: a new reader of the store (grym/store.h) at the start of the
 * view's object, its size checked against the row (its hash too when the
 * handle verifies), the caller's to close with grym_store_reader_close.
 * NULL on failure, with err->code GRYM_ERR_NOTFOUND when there is no such
 * row (the view is to be made), GRYM_ERR_CORRUPT when the object is
 * missing or damaged (to be made again and put back: grym_store_restore),
 * GRYM_ERR_DB, GRYM_ERR_IO, GRYM_ERR_NOMEM. */
grym_store_reader *grym_catalog_open_view(grym_catalog *cat, const char *asset,
					  const char *kind, const char *params,
					  grym_error *err) GRYM_MUST_CHECK;
/* Record (or replace) the view (asset, kind, params) as object, of bytes
 * bytes, already committed to the store. GRYM_ERR_INVALID (ids not full,
 * an empty kind, params NULL), GRYM_ERR_NOTFOUND (no such asset, or the
 * object is not in the store), GRYM_ERR_DB. */
int grym_catalog_put_view(grym_catalog *cat, const char *asset, const char *kind,
			  const char *params, const char *object, uint64_t bytes,
			  grym_error *err) GRYM_MUST_CHECK;
/* Forget the views of the asset of full id asset (NULL: of every asset);
 * their objects go at the next gc. *dropped (may be NULL) gets the number
 * of rows removed. GRYM_ERR_DB. */
int grym_catalog_drop_views(grym_catalog *cat, const char *asset, int64_t *dropped,
			    grym_error *err) GRYM_MUST_CHECK;

/* Counts for `grym-catalog stats`. */
typedef struct grym_catalog_stats {
	int64_t assets, sources, derived, labels, features, models, predictions;
	int64_t objects;
	uint64_t object_bytes;
	double total_duration;
} grym_catalog_stats;
/* Fill s (a plain value, nothing to free). GRYM_ERR_DB. */
int grym_catalog_stats_get(grym_catalog *cat, grym_catalog_stats *s, grym_error *err)
	GRYM_MUST_CHECK;

/* Maintenance. Reports go through a callback, one line each, because the
 * library does not print. */
typedef void (*grym_report_fn)(void *ud, const char *line);

/* Remove objects no row references and older than grace seconds (so a
 * writer between object commit and row insert is never raced). With
 * dry_run nothing is removed. removed and bytes may be NULL. */
int grym_catalog_gc(grym_catalog *cat, int64_t grace, int dry_run,
		    int64_t *removed, uint64_t *bytes, grym_report_fn report,
		    void *ud, grym_error *err) GRYM_MUST_CHECK;
/* Re-hash every object, check every row's object exists and the database's
 * integrity; each problem is reported; returns GRYM_ERR_CORRUPT if any. */
int grym_catalog_fsck(grym_catalog *cat, grym_report_fn report, void *ud,
		      grym_error *err) GRYM_MUST_CHECK;
/* Store again, from the first origin path whose file still hashes to the
 * id, every source object that is missing, of the wrong size or corrupt;
 * reports each one restored and each one that could not be. */
int grym_catalog_repair(grym_catalog *cat, grym_report_fn report, void *ud, grym_error *err)
	GRYM_MUST_CHECK;

/* Merge another catalog directory into this one: objects first, then
 * rows, without duplicates. A row with the same id but different content
 * is kept as it was here and reported as a conflict (counted in
 * *conflicts). */
int grym_catalog_merge(grym_catalog *cat, const char *other_dir,
		       int64_t *added, int64_t *conflicts, grym_report_fn report,
		       void *ud, grym_error *err) GRYM_MUST_CHECK;

/* Export the selected assets (their objects, and their rows as JSON) to a
 * tar or zip archive (by the path's extension: .tar .tar.gz .tgz .zip);
 * "-" writes a tar to stdout. Import reads such an archive back (merge
 * semantics as above). Each object is checked as a read is (its size;
 * its hash as it is copied when the handle verifies, always for a
 * model): a damaged one fails the export, and no archive is left. */
int grym_catalog_export(grym_catalog *cat, const grym_asset_query *q,
			const char *archive_path, grym_error *err) GRYM_MUST_CHECK;
int grym_catalog_import(grym_catalog *cat, const char *archive_path,
			int64_t *added, int64_t *conflicts, grym_report_fn report,
			void *ud, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
