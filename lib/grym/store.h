/*
 * store.h — the content-addressed object store.
 *
 * Objects are immutable byte strings named by the SHA-256 of their bytes.
 * The only backend built now is a directory (DIR/objects/ab/cdef...): a
 * write goes to a temporary file under DIR/tmp, is hashed as it is written,
 * fsynced, then renamed to its real name (and the directory fsynced), so a
 * crash never leaves a half object under a real name. Reading goes
 * through a reader (grym_store_open_read), which checks that as many
 * bytes came as the object held when opened; the size a catalog row
 * records and the full hash are checked above the store (grym/catalog.h).
 * No call names an object's file: behind this narrow interface an
 * S3-compatible backend can later stand in without touching any stage
 * (lib/store/store_backend.h).
 *
 * Thread-safety: one grym_store may be used from several threads at once;
 * each grym_store_writer and grym_store_reader belongs to one thread.
 */
#ifndef GRYM_STORE_H
#define GRYM_STORE_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "grym/error.h"
#include "grym/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_store grym_store;
typedef struct grym_store_writer grym_store_writer;
typedef struct grym_store_reader grym_store_reader;

/* Open (creating DIR/objects and DIR/tmp if needed) the store in dir.
 * The caller owns it (grym_store_close). NULL on failure, err filled
 * (GRYM_ERR_IO naming the folder, GRYM_ERR_INVALID, GRYM_ERR_NOMEM). */
grym_store *grym_store_open_dir(const char *dir, grym_error *err) GRYM_MUST_CHECK;
void grym_store_close(grym_store *st);

/* Streaming write. The writer owns a temporary file; commit hashes, fsyncs
 * and renames it into place (an object already present is kept and the
 * temporary removed), writes the id and frees the writer whether it
 * succeeds or not. abort removes the temporary and frees the writer. */
grym_store_writer *grym_store_writer_new(grym_store *st, grym_error *err) GRYM_MUST_CHECK;
int grym_store_writer_write(grym_store_writer *w, const void *data, size_t len,
			    grym_error *err) GRYM_MUST_CHECK;
/* Path of the temporary file (valid until commit/abort), so a decoder can
 * read the bytes being stored without a second copy; flushes first. */
const char *grym_store_writer_tmp_path(grym_store_writer *w);
uint64_t grym_store_writer_size(const grym_store_writer *w);
/* The SHA-256 of what was written so far, without committing. */
void grym_store_writer_peek_id(grym_store_writer *w, char id[GRYM_ID_LEN + 1]);
int grym_store_writer_commit(grym_store_writer *w, char id[GRYM_ID_LEN + 1],
			     grym_error *err) GRYM_MUST_CHECK;
/* Commit, publishing over an object already stored under the same id
 * (atomically: rename over it), for restoring a damaged object. */
int grym_store_writer_restore(grym_store_writer *w, char id[GRYM_ID_LEN + 1],
			      grym_error *err) GRYM_MUST_CHECK;
void grym_store_writer_abort(grym_store_writer *w);

/* Whole-buffer and whole-file conveniences over the writer. */
int grym_store_put(grym_store *st, const void *data, size_t len,
		   char id[GRYM_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;
int grym_store_put_file(grym_store *st, const char *path,
			char id[GRYM_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;
/* grym_store_put over a damaged object of the same id (see
 * grym_store_writer_restore): a cache entry recomputed after its object
 * was found truncated or corrupt. */
int grym_store_restore(grym_store *st, const void *data, size_t len,
		       char id[GRYM_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;
/* grym_store_put_file over a damaged object (see grym_store_writer_restore).
 * id is what the file hashed to while copied: the caller compares it. */
int grym_store_restore_file(grym_store *st, const char *path,
			    char id[GRYM_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;

/* 1 if the object exists, 0 if not. */
int grym_store_has(grym_store *st, const char *id);
/* Size of an object, or a negative status. */
int grym_store_size(grym_store *st, const char *id, uint64_t *size, grym_error *err)
	GRYM_MUST_CHECK;

/* Streaming read: a new reader of object id, the caller's to close with
 * grym_store_reader_close; NULL on failure with err->code
 * GRYM_ERR_NOTFOUND ("object ID not found") when the object is absent,
 * GRYM_ERR_INVALID when id is not a full object id, GRYM_ERR_IO,
 * GRYM_ERR_NOMEM. The reader reads the object as it was when opened,
 * even if gc removes it or a restore replaces it meanwhile. */
grym_store_reader *grym_store_open_read(grym_store *st, const char *id, grym_error *err)
	GRYM_MUST_CHECK;
/* Up to len bytes from the reader's position: bytes read, 0 at the end of
 * the object, or a negative status. An object that ends before the size
 * it had when opened (cut meanwhile) or goes on past it is
 * GRYM_ERR_CORRUPT, naming it. */
int64_t grym_store_reader_read(grym_store_reader *r, void *buf, size_t len, grym_error *err)
	GRYM_MUST_CHECK;
/* Move the position to offset (0..size). */
int grym_store_reader_seek(grym_store_reader *r, uint64_t offset, grym_error *err)
	GRYM_MUST_CHECK;
/* The object's size as opened. */
uint64_t grym_store_reader_size(const grym_store_reader *r);
const char *grym_store_reader_id(const grym_store_reader *r);
/* A file descriptor holding the object's bytes, for a consumer that reads
 * files (FFmpeg, libsndfile: give them /proc/self/fd/N, grym_fd_path in
 * grym/pathname.h, which opens the same file afresh, seekable, with an
 * offset of its own). Owned by the reader: valid until close, never to be
 * closed by the caller; reading it does not move the reader. A negative
 * status when the backend cannot provide one. */
int grym_store_reader_fd(grym_store_reader *r, grym_error *err) GRYM_MUST_CHECK;
void grym_store_reader_close(grym_store_reader *r);

/* Read a whole object into a malloc'ed buffer (caller frees), checking its
 * size as a reader does and, when verify is set, its hash. */
int grym_store_get(grym_store *st, const char *id, void **data, size_t *len,
		   int verify, grym_error *err) GRYM_MUST_CHECK;
/* Remove an object (gc). */
int grym_store_remove(grym_store *st, const char *id, grym_error *err) GRYM_MUST_CHECK;

/* Visit every object: cb returns 0 to go on, non-zero to stop (returned).
 * mtime is the object's modification time, for gc's grace period. */
typedef int (*grym_store_visit_fn)(void *ud, const char *id, uint64_t size, time_t mtime);
int grym_store_foreach(grym_store *st, grym_store_visit_fn cb, void *ud, grym_error *err)
	GRYM_MUST_CHECK;
/* Re-hash one object; GRYM_ERR_CORRUPT if its bytes do not match its name. */
int grym_store_verify(grym_store *st, const char *id, grym_error *err) GRYM_MUST_CHECK;
/* What an object's bytes hash to now (hex, GRYM_ID_LEN characters): for a
 * caller that names the object's owner in its own message. Reading fewer
 * or more bytes than the file's size is GRYM_ERR_CORRUPT. */
int grym_store_hash(grym_store *st, const char *id, char hex[GRYM_ID_LEN + 1],
		    grym_error *err) GRYM_MUST_CHECK;

/* Remove temporary files older than grace seconds left by killed writers
 * (a temporary whose writer process is alive is never removed). */
int grym_store_clean_tmp(grym_store *st, time_t grace, grym_error *err) GRYM_MUST_CHECK;

/* The store's directory, owned by st (valid until it is closed). */
const char *grym_store_dir(const grym_store *st);

/* Called with an object's id after its bytes are written and hashed and
 * before it is published under that id (writer commit, put, put_file);
 * an error aborts the write. The catalog registers the id as pending
 * here, so gc spares an object its writer is about to reference. */
typedef int (*grym_store_publish_fn)(void *ud, const char *id, grym_error *err);
/* Set (fn NULL: remove) the hook; st keeps fn and ud, which must outlive
 * it or the next call. */
void grym_store_set_publish_hook(grym_store *st, grym_store_publish_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
