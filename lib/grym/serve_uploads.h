/*
 * serve_uploads.h — resumable uploads for grym-serve: the bytes of a
 * large file arrive in pieces (`PUT` chunks with Content-Range), maybe
 * over several connections or after a restart, and are staged on disk,
 * never in memory, until the whole file is there; then the caller
 * ingests the staged file (grym_stage_ingest) and removes it.
 *
 * An upload lives in the staging folder as ID.part (the bytes so far)
 * and ID.json (its declared size, display name, owner and creation
 * time), both mode 0600 in a folder of mode 0700. Its id is 128 random
 * bits (libsodium) as 32 hexadecimal digits, and only its owner sees it:
 * another principal gets GRYM_ERR_NOTFOUND, as for an id that does not
 * exist. A staged file is never under a name of the object store: a
 * half upload cannot become an object.
 *
 * Thread-safety: one grym_uploads may be used from several threads at
 * once; writes to one upload are serialized by a lock on its file, so
 * two connections sending the same piece cannot interleave.
 */
#ifndef GRYM_SERVE_UPLOADS_H
#define GRYM_SERVE_UPLOADS_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRYM_UPLOAD_ID_LEN 32

typedef struct grym_uploads grym_uploads;

/* What an upload is and how far it got. */
typedef struct grym_upload_info {
	char id[GRYM_UPLOAD_ID_LEN + 1];
	uint64_t size;          /* declared when it was created */
	uint64_t received;      /* bytes staged so far (0..size) */
	char name[256];         /* the client's file name, for display and as
				   the ingested asset's origin name only */
	int64_t created;        /* Unix seconds */
} grym_upload_info;

/* Open the staging folder dir (created, mode 0700, when missing), where
 * no upload may declare more than max_bytes (0: no limit). NULL with err
 * set (GRYM_ERR_IO naming the folder, GRYM_ERR_NOMEM) on failure. The
 * caller owns the handle (grym_uploads_close). */
grym_uploads *grym_uploads_open(const char *dir, uint64_t max_bytes, grym_error *err)
	GRYM_MUST_CHECK;
void grym_uploads_close(grym_uploads *u);

/* Begin an upload of size bytes (1..max_bytes, else GRYM_ERR_LIMIT or
 * GRYM_ERR_INVALID) for owner (a principal's id, not empty), named name
 * (any bytes; cut to fit, never used as a path). Fills info (received
 * 0). */
int grym_uploads_create(grym_uploads *u, uint64_t size, const char *name, const char *owner,
			grym_upload_info *info, grym_error *err) GRYM_MUST_CHECK;

/* The upload id of owner: how far it got. GRYM_ERR_NOTFOUND when there
 * is none (or it is another's); GRYM_ERR_INVALID for an id that is not
 * 32 hexadecimal digits. */
int grym_uploads_get(grym_uploads *u, const char *id, const char *owner,
		     grym_upload_info *info, grym_error *err) GRYM_MUST_CHECK;

/* Stage len bytes at offset. offset must be where the upload stands
 * (info->received), else GRYM_ERR_CONFLICT ("expected offset N") and
 * nothing is written: a client resumes from the offset grym_uploads_get
 * gives. Bytes past the declared size are GRYM_ERR_LIMIT. On success
 * info holds the new state; when received reaches size the staged bytes
 * are on disk (fsynced) and ready for grym_uploads_path. */
int grym_uploads_write(grym_uploads *u, const char *id, const char *owner, uint64_t offset,
		       const void *buf, size_t len, grym_upload_info *info, grym_error *err)
	GRYM_MUST_CHECK;

/* The staged file of a complete upload (received == size), malloc'ed,
 * for the caller to ingest; NULL with err set otherwise
 * (GRYM_ERR_INVALID "incomplete: N of M bytes", GRYM_ERR_NOTFOUND). */
char *grym_uploads_path(grym_uploads *u, const char *id, const char *owner, grym_error *err)
	GRYM_MUST_CHECK;

/* Remove an upload (complete or not) of owner: GRYM_ERR_NOTFOUND when
 * there is none. */
int grym_uploads_remove(grym_uploads *u, const char *id, const char *owner, grym_error *err)
	GRYM_MUST_CHECK;

/* Remove every upload that received nothing for max_age seconds before
 * now (abandoned), and any stray file of the folder that is not an
 * upload's; *removed counts the uploads removed. */
int grym_uploads_expire(grym_uploads *u, int64_t now, int64_t max_age, int *removed,
			grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
