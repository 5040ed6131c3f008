/*
 * ingest.h — bringing source audio into the catalog: files, archive
 * members and stdin, checked by decoding, stored by content, described
 * by labels and manifest metadata: one input at a time. The ingest stage
 * (grym/stage_ingest.h, what grym-ingest runs) drives one per worker;
 * grym-serve's uploads may call it directly.
 *
 * For each source the original bytes are hashed (the asset id). A known
 * id only gains the new path, labels and metadata (no decode: that is the
 * costly part). A new one is decoded completely first — a file that is
 * not audio, truncated or corrupt is reported and nothing is stored —
 * then its object is committed to the store and only then its row is
 * written, so the catalog never names a missing object.
 *
 * Archives (zip, tar, tar.gz/bz2/xz/zst, 7z...; told by their magic) are
 * read with libarchive; each member is streamed into a store writer while
 * hashed and decoded from the writer's temporary file, never extracted
 * under its own name. Members with absolute names or ".." components are
 * refused, and the expansion of one archive is capped (max_bytes).
 * stdin is spooled the same way (an M4A with its index at the end cannot
 * be decoded from a pipe, and the bytes must be stored anyway).
 *
 * Thread-safety: a grym_ingester owns its catalog handle and belongs to
 * one thread; run one per worker thread. Manifests are read-only after
 * loading and may be shared.
 */
#ifndef GRYM_INGEST_H
#define GRYM_INGEST_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/hash.h"
#include "grym/walk.h"

#ifdef __cplusplus
extern "C" {
#endif


/* Default cap on the bytes one archive may expand to: 4 GiB. */
#define GRYM_INGEST_MAX_BYTES_DEFAULT (UINT64_C(4) << 30)

/* ---- manifests: TSV or CSV with a header ----
 * Columns: "path" (required; also "file", "filename"), "label" (one
 * label), "labels" (several, separated by ';'), anything else ("split",
 * "speaker"...) is kept as metadata (strings; empty cells omitted).
 * Separator: tab if the header line holds a tab, else comma (CSV with
 * RFC 4180 quoting within a line). Paths are relative to the manifest's
 * directory (absolute ones stay as they are). */
typedef struct grym_manifest grym_manifest;
grym_manifest *grym_manifest_load(const char *path, grym_error *err);
void grym_manifest_free(grym_manifest *m);
size_t grym_manifest_rows(const grym_manifest *m);
/* Row i's path, joined to the manifest's directory. */
const char *grym_manifest_path(const grym_manifest *m, size_t i);
/* Find the row for a file (any spelling of the same path, compared after
 * making both absolute and lexically normal) or, when member is not NULL,
 * for an archive member of that name. Returns 1 and borrowed labels
 * (array) and meta (object), or 0. */
int grym_manifest_find(const grym_manifest *m, const char *file, const char *member,
		       const grym_json **labels, const grym_json **meta);

/* ---- choosing files ----
 * Directories and archive members: the rules of grym/walk.h
 * (grym_walk_match, grym_walk_hidden). */

/* 1 if the first bytes are those of an archive libarchive should read
 * (zip, 7z, tar, gzip, bzip2, xz, zstd). */
int grym_ingest_is_archive(const void *head, size_t len);

/* ---- ingesting ---- */
typedef struct grym_ingest_opts {
	const char *const *labels;      /* given to every asset */
	size_t nlabels;
	int label_from_dir;             /* add the parent folder's name */
	int replace_labels;             /* the labels this run gives an asset
					   replace those it had (the first time
					   the asset is met in the run; a second
					   path of the same audio adds its own) */
	int accept_truncated;           /* keep what decodes of a cut file */
	uint64_t max_bytes;             /* per archive; 0: the default */
	const char *match;              /* archive members (see grym_walk_match) */
	const grym_manifest *manifest;  /* labels and meta per path, may be NULL */
	const volatile sig_atomic_t *cancel; /* when *cancel turns non-zero, stop
					   between archive members, and within
					   a file (its hash, decode check and
					   copy, block by block): nothing of
					   it is stored, no row, no outcome */
} grym_ingest_opts;

/* One outcome: an asset (new or known) or a failure. Valid during the
 * callback only. */
typedef struct grym_ingest_result {
	const char *path;          /* as recorded: "dir/a.wav", "data.zip:cats/a.wav", "-" */
	int status;                /* GRYM_OK or a negative grym_status */
	const char *message;       /* the problem, when status < 0 */
	int created;               /* 1: a new asset; 0: already known */
	int truncated;             /* new, cut short, kept (accept_truncated) */
	const char *id;            /* the asset id, when status == GRYM_OK */
	const grym_json *record;      /* metadata of its reference record:
				      asset, path, labels, meta, rate,
				      channels, frames, duration, format, codec */
	const char *restored;      /* known asset whose object was "missing" or
				      "corrupt" and was stored again from the
				      bytes being ingested; NULL otherwise */
} grym_ingest_result;
typedef int (*grym_ingest_fn)(void *ud, const grym_ingest_result *r);

typedef struct grym_ingester grym_ingester;

/* Open the catalog in catalog_dir (created if needed). opts is copied;
 * what it points to must outlive the ingester. */
grym_ingester *grym_ingester_new(const char *catalog_dir, const grym_ingest_opts *opts,
				 grym_error *err);
void grym_ingester_free(grym_ingester *g);

/* Ingest one path: an audio file, an archive, or "-" for stdin. Every
 * outcome (one for a file, one per member for an archive) goes to cb;
 * the failure of an input is an outcome, not a return value. Returns
 * GRYM_OK, GRYM_ERR_INTERRUPTED when *cancel stopped it (the input
 * under way gives no outcome), or cb's non-zero return. */
int grym_ingest_path(grym_ingester *g, const char *path, grym_ingest_fn cb, void *ud);
/* The same for bytes read from fd (name is the recorded path). */
int grym_ingest_fd(grym_ingester *g, int fd, const char *name, grym_ingest_fn cb, void *ud);
/* The same for the bytes of in, from where it stands (stdin whose first
 * bytes were peeked to tell audio from a list, see grym/sources.h). */
typedef struct grym_input grym_input;
int grym_ingest_input(grym_ingester *g, grym_input *in, const char *name, grym_ingest_fn cb,
		      void *ud);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
