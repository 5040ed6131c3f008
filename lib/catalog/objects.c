/*
 * objects.c — reading an object through the catalog (grym/catalog.h):
 * the one place that decides what is checked before an object's bytes
 * are used, and how a damaged object is named.
 *
 * Every read compares the object's size with the size its row implies
 * (an asset's bytes, a feature set's frames x dims floats): a stat, cheap
 * enough to do always, and it catches the usual damage (a truncated copy,
 * a half-written restore, an object replaced by something else). A flipped
 * bit keeps the size; only the full hash sees it, and hashing a long
 * recording costs a read of all its bytes, so it is done when the handle
 * was asked to (grym_catalog_set_verify, the programs' --verify) — except
 * for a model, whose row records no size: its bytes are always hashed
 * (a model is small and read once per run).
 *
 * Every object is read through one reader of the store, opened first: the
 * size test and the hash are made on the very file then read (or handed to
 * a decoder), so gc or a repair replacing the object between a check and
 * a read cannot slip other bytes past the check.
 *
 * An audio object is hashed in a pass of its own before the decoder opens
 * it: decoders may seek (a header at the end, an index), so hashing what
 * they read would not cover the file in order. The pass leaves the file
 * in the page cache, where the decoder finds it. The decoders get the
 * reader's file by name (grym_fd_path: /proc/self/fd/N) because FFmpeg and
 * libsndfile open files by name; FFmpeg 5.1 has no fd: protocol and its
 * pipe: protocol cannot seek, which MP4 (an index at the end), the Ogg
 * end-of-stream check and MP3 length headers need. Reopening through
 * /proc gives the decoder an offset of its own on the same file.
 */
#include "catalog_int.h"
#include "grym/pathname.h"
#include "core/error_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSCK_HINT "run grym-catalog fsck --repair"

void grym_catalog_set_verify(grym_catalog *cat, int verify) { cat->verify = verify != 0; }
int grym_catalog_verifies(const grym_catalog *cat) { return cat->verify; }

int cat_object_damaged(grym_error *err, const char *what, const char *hex)
{
	return grym_error_set(err, GRYM_ERR_CORRUPT,
			      "%s is damaged (its bytes hash to %s): " FSCK_HINT, what, hex);
}

void cat_asset_object_what(const char *id, const char *obj, char *buf, size_t len)
{
	/* a source's object is its id: name it once */
	if (strcmp(obj, id) == 0)
		snprintf(buf, len, "object of %s", id);
	else
		snprintf(buf, len, "object %s of %s", obj, id);
}

void cat_feature_object_what(const char *id, const char *obj, char *buf, size_t len)
{
	snprintf(buf, len, "object %s of feature set %s", obj, id);
}

void cat_model_object_what(const char *id, const char *obj, const char *name, char *buf,
			   size_t len)
{
	const char *nm = name ? name : "", *open = name ? " (" : "", *close = name ? ")" : "";
	if (strcmp(obj, id) == 0)
		snprintf(buf, len, "object of model %s%s%.200s%s", id, open, nm, close);
	else
		snprintf(buf, len, "object %s of model %s%s%.200s%s", obj, id, open, nm, close);
}

/* Open object obj for reading with the checks of cat_check_object made
 * on the file opened; the reader is at the object's start. */
static int open_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		       int hash, grym_store_reader **out, grym_error *err)
{
	unsigned char buf[1 << 16];
	char hex[GRYM_ID_LEN + 1];
	grym_store_reader *r = NULL;
	grym_sha256 *h = NULL;
	uint64_t size;
	int64_t n;
	int rc;

	*out = NULL;
	if (!grym_id_is_full(obj))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%s: '%s' is not an object id", what, obj);
	{
		/* the store's status decides what to say, also for a caller
		 * that wants no message (err NULL) */
		grym_error e = { 0 }, *oe = err ? err : &e;
		if (!(r = grym_store_open_read(cat->store, obj, oe))) {
			if (oe->code == GRYM_ERR_NOTFOUND)
				return grym_error_set(err, GRYM_ERR_CORRUPT,
						      "%s is missing: " FSCK_HINT, what);
			return grym_error_prefix(err, oe->code, "%s", what);
		}
	}
	size = grym_store_reader_size(r);
	if (want >= 0 && size != (uint64_t)want) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT,
				    "%s is %llu bytes, the catalog says %llu: " FSCK_HINT, what,
				    (unsigned long long)size, (unsigned long long)want);
		goto fail;
	}
	if (!hash) {
		*out = r;
		return GRYM_OK;
	}
	if (!(h = grym_sha256_new())) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	while ((n = grym_store_reader_read(r, buf, sizeof buf, err)) > 0)
		grym_sha256_update(h, buf, (size_t)n);
	if (n == GRYM_ERR_CORRUPT) { /* it changed size under us */
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s changed while read: " FSCK_HINT, what);
		goto fail;
	}
	if (n < 0) {
		rc = grym_error_prefix(err, (int)n, "%s", what);
		goto fail;
	}
	grym_sha256_final_hex(h, hex);
	if (strcmp(hex, obj) != 0) {
		rc = cat_object_damaged(err, what, hex);
		goto fail;
	}
	if ((rc = grym_store_reader_seek(r, 0, err)) != GRYM_OK)
		goto fail;
	grym_sha256_free(h);
	*out = r;
	return GRYM_OK;
fail:
	grym_sha256_free(h);
	grym_store_reader_close(r);
	return rc;
}

int cat_check_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		     int hash, grym_error *err)
{
	grym_store_reader *r;
	int rc = open_object(cat, what, obj, want, hash, &r, err);
	grym_store_reader_close(r);
	return rc;
}

int cat_open_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		    grym_store_reader **r, grym_error *err)
{
	return open_object(cat, what, obj, want, 0, r, err);
}

int grym_catalog_check_asset_object(grym_catalog *cat, const grym_asset *a, grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];
	cat_asset_object_what(a->id, a->object, what, sizeof what);
	return cat_check_object(cat, what, a->object, (int64_t)a->bytes, cat->verify, err);
}

grym_store_reader *grym_catalog_open_asset_object(grym_catalog *cat, const grym_asset *a,
						  char *path, size_t len, grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];
	grym_store_reader *r;
	int fd, rc;

	cat_asset_object_what(a->id, a->object, what, sizeof what);
	rc = open_object(cat, what, a->object, (int64_t)a->bytes, cat->verify, &r, err);
	if (rc != GRYM_OK)
		return grym__failed(err, rc);
	if (!path)
		return r;
	if ((fd = grym_store_reader_fd(r, err)) < 0 ||
	    (rc = grym_fd_path(fd, path, len, err)) != GRYM_OK) {
		rc = fd < 0 ? fd : rc;
		grym_error_prefix(err, rc, "%s", what);
		grym_store_reader_close(r);
		return grym__failed(err, rc);
	}
	return r;
}

/* Read object obj whole through a reader opened with the size test; hash
 * its bytes (in memory, once read) when hash is set. */
static int read_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		       int hash, void **data, size_t *len, grym_error *err)
{
	char hex[GRYM_ID_LEN + 1];
	grym_store_reader *r;
	uint64_t size, got = 0;
	unsigned char *p;
	int rc;

	*data = NULL;
	*len = 0;
	if ((rc = open_object(cat, what, obj, want, 0, &r, err)) != GRYM_OK)
		return rc;
	size = grym_store_reader_size(r);
	if (size >= SIZE_MAX || !(p = malloc(size ? (size_t)size : 1))) {
		grym_store_reader_close(r);
		return grym_error_set(err, GRYM_ERR_NOMEM, "%s: out of memory", what);
	}
	for (;;) {
		/* one read past the size: the reader checks the object ends there */
		unsigned char end;
		int64_t n = got < size ? grym_store_reader_read(r, p + got, (size_t)(size - got), err)
				       : grym_store_reader_read(r, &end, 1, err);
		if (n == 0)
			break;
		if (n < 0) {
			rc = n == GRYM_ERR_CORRUPT
				     ? grym_error_set(err, GRYM_ERR_CORRUPT,
						      "%s changed while read: " FSCK_HINT, what)
				     : grym_error_prefix(err, (int)n, "%s", what);
			break;
		}
		got += (uint64_t)n;
	}
	grym_store_reader_close(r);
	if (rc == GRYM_OK && hash) {
		grym_sha256_hex(p, (size_t)size, hex);
		if (strcmp(hex, obj) != 0)
			rc = cat_object_damaged(err, what, hex);
	}
	if (rc != GRYM_OK) {
		free(p);
		return rc;
	}
	*data = p;
	*len = (size_t)size;
	return GRYM_OK;
}

float *grym_catalog_feature_matrix(grym_catalog *cat, const grym_feature_set *f, grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];
	void *p = NULL;
	size_t len = 0;
	int rc;

	if (f->frames < 0 || f->dims <= 0 || !f->object[0]) {
		grym_error_set(err, GRYM_ERR_NOTFOUND, "feature set %s has no frame matrix", f->id);
		return NULL;
	}
	cat_feature_object_what(f->id, f->object, what, sizeof what);
	rc = read_object(cat, what, f->object, (int64_t)f->frames * f->dims * (int64_t)sizeof(float),
			 cat->verify, &p, &len, err);
	/* read_object's buffer is never NULL on success, even for 0 frames */
	return rc == GRYM_OK ? p : grym__failed(err, rc);
}

int grym_catalog_model_bytes(grym_catalog *cat, const grym_model_row *m, void **data,
			     size_t *len, grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];

	cat_model_object_what(m->id, m->object, m->name, what, sizeof what);
	/* no size is recorded for a model: its bytes are always hashed */
	return read_object(cat, what, m->object, -1, 1, data, len, err);
}

int cat_read_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		    int hash, void **data, size_t *len, grym_error *err)
{
	return read_object(cat, what, obj, want, hash, data, len, err);
}
