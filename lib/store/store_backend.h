/*
 * store_backend.h — the seam between the object store's public interface
 * (store.c: hashing, size accounting, id checks) and one storage backend
 * (store_dir.c: a directory on a local file system).
 *
 * A backend only moves bytes: it never hashes and never decides names. An
 * S3-compatible backend would be a second file filling the same table
 * (multipart upload for the writer, HEAD for has/size, ListObjectsV2 for
 * foreach); nothing above store.c would change.
 */
#ifndef GRYM_STORE_BACKEND_H
#define GRYM_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "grym/error.h"
#include "grym/store.h"

/* Receives an object's bytes in pieces while it is read. */
typedef int (*grym_store_sink_fn)(void *ud, const void *data, size_t len,
				  grym_error *err);

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
	int (*path)(void *be, const char *id, char *buf, size_t len, grym_error *err);
	/* Stream an object to sink, then check that as many bytes came as the
	 * object's recorded size (GRYM_ERR_CORRUPT otherwise). */
	int (*read)(void *be, const char *id, grym_store_sink_fn sink, void *ud,
		    uint64_t *size, grym_error *err);
	int (*remove)(void *be, const char *id, grym_error *err);
	int (*foreach)(void *be, grym_store_visit_fn cb, void *ud, grym_error *err);
	int (*clean_tmp)(void *be, time_t grace, grym_error *err);
} grym_store_ops;

/* The directory backend (store_dir.c). */
extern const grym_store_ops grym_store_dir_ops;
void *grym_store_dir_backend_open(const char *dir, grym_error *err);

#endif
