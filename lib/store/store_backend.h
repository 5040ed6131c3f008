/*
 * store_backend.h — the seam between the object store's public interface
 * (store.c: hashing, size accounting, id checks) and one storage backend
 * (store_dir.c: a directory on a local file system).
 *
 * A backend only moves bytes: it never hashes and never decides names. An
 * S3-compatible backend would be a second file filling the same table
 * (multipart upload for the writer, HEAD for has/size, a ranged GET for a
 * reader's pread, ListObjectsV2 for foreach); nothing above store.c would
 * change. No operation hands out a path: whoever reads an object reads it
 * through a reader, so where a backend keeps its bytes stays its own
 * business.
 */
#ifndef GRYM_STORE_BACKEND_H
#define GRYM_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "grym/error.h"
#include "grym/store.h"

typedef struct grym_store_ops {
	const char *name;
	void (*close)(void *be);
	const char *(*location)(const void *be);

	/* A pending object: open, append, publish under the id computed by
	 * store.c (committing frees the pending state whatever happens),
	 * or abort (removes what was written). */
	int (*w_open)(void *be, void **pending, grym_error *err);
	int (*w_write)(void *pending, const void *data, size_t len, grym_error *err);
	const char *(*w_tmp_path)(void *pending); /* NULL if not local */
	/* replace: publish over an object already there (a damaged one being
	 * restored) instead of keeping it when its size matches. */
	int (*w_commit)(void *pending, const char *id, uint64_t size, int replace,
			grym_error *err);
	void (*w_abort)(void *pending);

	int (*has)(void *be, const char *id);
	int (*size)(void *be, const char *id, uint64_t *size, grym_error *err);

	/* An object open for reading: open (GRYM_ERR_NOTFOUND "object ID not
	 * found" when absent; *size is its size as opened, and what the
	 * reader reads is that object even if it is replaced or removed
	 * meanwhile), read up to len bytes at offset (bytes read, 0 past the
	 * end; store.c keeps the position and checks the total against
	 * size), close. */
	int (*r_open)(void *be, const char *id, void **reader, uint64_t *size,
		      grym_error *err);
	int64_t (*r_pread)(void *reader, void *buf, size_t len, uint64_t offset,
			   grym_error *err);
	/* A file descriptor holding the object's bytes, owned by the reader
	 * (for FFmpeg and libsndfile, which read files): the directory
	 * backend's own; a backend without local files would spool the
	 * object into an unnamed temporary file (O_TMPFILE) on the first
	 * call and hand out that. */
	int (*r_fd)(void *reader, grym_error *err);
	void (*r_close)(void *reader);

	int (*remove)(void *be, const char *id, grym_error *err);
	int (*foreach)(void *be, grym_store_visit_fn cb, void *ud, grym_error *err);
	int (*clean_tmp)(void *be, time_t grace, grym_error *err);
} grym_store_ops;

/* The directory backend (store_dir.c). */
extern const grym_store_ops grym_store_dir_ops;
void *grym_store_dir_backend_open(const char *dir, grym_error *err);

#endif
