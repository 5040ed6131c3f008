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
 * An audio object is hashed in a pass of its own before the decoder opens
 * it: decoders read by path and may seek (a header at the end, an index),
 * so hashing what they read would not cover the file in order. The pass
 * leaves the file in the page cache, where the decoder finds it.
 */
#include "catalog_int.h"

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

int cat_check_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		     int hash, grym_error *err)
{
	char hex[GRYM_ID_LEN + 1];
	uint64_t size;
	int rc = grym_store_size(cat->store, obj, &size, err);
	if (rc == GRYM_ERR_NOTFOUND)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%s is missing: " FSCK_HINT, what);
	if (rc != GRYM_OK)
		return grym_error_prefix(err, "%s", what);
	if (want >= 0 && size != (uint64_t)want)
		return grym_error_set(err, GRYM_ERR_CORRUPT,
				      "%s is %llu bytes, the catalog says %llu: " FSCK_HINT, what,
				      (unsigned long long)size, (unsigned long long)want);
	if (!hash)
		return GRYM_OK;
	rc = grym_store_hash(cat->store, obj, hex, err);
	if (rc == GRYM_ERR_CORRUPT) /* it changed size under us */
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%s changed while read: " FSCK_HINT, what);
	if (rc != GRYM_OK)
		return grym_error_prefix(err, "%s", what);
	if (strcmp(hex, obj) != 0)
		return cat_object_damaged(err, what, hex);
	return GRYM_OK;
}

int grym_catalog_check_asset_object(grym_catalog *cat, const grym_asset *a, grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];
	cat_asset_object_what(a->id, a->object, what, sizeof what);
	if (!grym_id_is_full(a->object))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%s: '%s' is not an object id", what,
				      a->object);
	return cat_check_object(cat, what, a->object, (int64_t)a->bytes, cat->verify, err);
}

int grym_catalog_object_path(grym_catalog *cat, const grym_asset *a, char *buf, size_t len,
			     grym_error *err)
{
	int rc = grym_catalog_check_asset_object(cat, a, err);
	if (rc != GRYM_OK)
		return rc;
	return grym_store_path(cat->store, a->object, buf, len, err);
}

/* Read object obj whole after cat_check_object's size test; hash its bytes
 * (in memory, once read) when hash is set. */
static int read_object(grym_catalog *cat, const char *what, const char *obj, int64_t want,
		       int hash, void **data, size_t *len, grym_error *err)
{
	char hex[GRYM_ID_LEN + 1];
	int rc;

	*data = NULL;
	*len = 0;
	if (!grym_id_is_full(obj))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%s: '%s' is not an object id", what, obj);
	if ((rc = cat_check_object(cat, what, obj, want, 0, err)) != GRYM_OK)
		return rc;
	rc = grym_store_get(cat->store, obj, data, len, 0, err);
	if (rc == GRYM_OK && want >= 0 && *len != (size_t)want)
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s changed while read: " FSCK_HINT, what);
	else if (rc == GRYM_ERR_CORRUPT)
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "%s changed while read: " FSCK_HINT, what);
	else if (rc != GRYM_OK)
		grym_error_prefix(err, "%s", what);
	if (rc == GRYM_OK && hash) {
		grym_sha256_hex(*data, *len, hex);
		if (strcmp(hex, obj) != 0)
			rc = cat_object_damaged(err, what, hex);
	}
	if (rc != GRYM_OK) {
		free(*data);
		*data = NULL;
		*len = 0;
	}
	return rc;
}

int grym_catalog_feature_matrix(grym_catalog *cat, const grym_feature_set *f, float **data,
				grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];
	void *p = NULL;
	size_t len = 0;
	int rc;

	*data = NULL;
	if (f->frames < 0 || f->dims <= 0 || !f->object[0])
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "feature set %s has no frame matrix",
				      f->id);
	cat_feature_object_what(f->id, f->object, what, sizeof what);
	rc = read_object(cat, what, f->object, (int64_t)f->frames * f->dims * (int64_t)sizeof(float),
			 cat->verify, &p, &len, err);
	if (rc == GRYM_OK)
		*data = p;
	return rc;
}

int grym_catalog_model_bytes(grym_catalog *cat, const grym_model_row *m, void **data,
			     size_t *len, grym_error *err)
{
	char what[CAT_OBJ_WHAT_MAX];

	cat_model_object_what(m->id, m->object, m->name, what, sizeof what);
	/* no size is recorded for a model: its bytes are always hashed */
	return read_object(cat, what, m->object, -1, 1, data, len, err);
}
