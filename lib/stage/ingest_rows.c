/*
 * ingest_rows.c — an ingested source's catalog row (see grym/ingest.h):
 * a new asset inserted with its record in one transaction, a known one
 * given what this input adds (path, labels, metadata), its damaged
 * object stored again from the bytes at hand, and the labels a
 * --replace-labels run takes away.
 */
#include "ingest_int.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/idset.h"
#include "grym/pathname.h"
#include "grym/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* 1 if the catalog's asset already holds every path, label and meta key
 * given, so that nothing needs writing. */
static int nothing_new(const grym_asset *a, const char *path, const json_t *labels,
		       const json_t *meta)
{
	size_t i, j;
	json_t *v, *w;
	int found;
	if (path) {
		found = 0;
		json_array_foreach(a->paths, j, w)
			found |= strcmp(json_string_value(w), path) == 0;
		if (!found)
			return 0;
	}
	json_array_foreach(labels, i, v) {
		found = 0;
		json_array_foreach(a->labels, j, w)
			found |= strcmp(json_string_value(w), json_string_value(v)) == 0;
		if (!found)
			return 0;
	}
	const char *k;
	json_object_foreach((json_t *)meta, k, v)
		if (!a->meta || !json_object_get(a->meta, k))
			return 0;
	return 1;
}

/* The metadata of the reference record of an asset: "path" as UTF-8 and,
 * for a name that is not, "path_b64" with its bytes (grym/pathname.h). */
static json_t *record_of(const grym_asset *a, const char *path)
{
	json_t *r = json_pack("{s:s}", "asset", a->id);
	json_t *rest = json_pack("{s:o, s:o, s:i, s:i, s:I, s:f, s:s?, s:s?}",
				 "labels", a->labels ? json_incref(a->labels) : json_array(),
				 "meta", a->meta ? json_incref(a->meta) : json_object(),
				 "rate", a->sample_rate, "channels", a->channels,
				 "frames", (json_int_t)a->frames, "duration", a->duration,
				 "format", a->format, "codec", a->codec);
	/* "paths" (every name known for the content) in the same form:
	 * U+FFFD, and "paths_b64" when one is not UTF-8 */
	if (!r || !rest || (path && grym_json_set_path(r, "path", path, NULL) != GRYM_OK) ||
	    grym_json_set_path_list(r, "paths", a->paths, NULL) != GRYM_OK ||
	    json_object_update(r, rest)) {
		json_decref(r);
		r = NULL;
	}
	json_decref(rest);
	return r;
}

/* One path as a paths array, byte for byte (a name need not be UTF-8). */
static json_t *path_array(const char *path)
{
	json_t *arr = json_array();
	if (arr && json_array_append_new(arr, json_stringn_nocheck(path, strlen(path)))) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* Write asset a (NULL when nothing is new) and read back the record of
 * asset id, in one transaction: the row, its path and labels are
 * committed only when the record could be made too, so an input that
 * fails leaves no row behind. The record carries the union of everything
 * known about the asset. */
static int commit_asset(grym_ingester *g, const grym_asset *a, const char *id,
			const char *record_path, int *created, json_t **rec, grym_error *err)
{
	grym_asset got;
	int rc = GRYM_OK;

	*rec = NULL;
	if (a && (rc = grym_catalog_begin(g->cat, err)) != GRYM_OK)
		return rc;
	if (a)
		rc = grym_catalog_put_asset(g->cat, a, created, err);
	if (rc == GRYM_OK && (rc = grym_catalog_get_asset(g->cat, id, &got, err)) == GRYM_OK) {
		if (!(*rec = record_of(&got, record_path)))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		grym_asset_clear(&got);
	}
	if (a) {
		if (rc == GRYM_OK)
			rc = grym_catalog_commit(g->cat, err);
		else
			grym_catalog_rollback(g->cat);
	}
	if (rc != GRYM_OK) {
		json_decref(*rec);
		*rec = NULL;
	}
	return rc;
}

/* Emit the outcome for an asset committed with its record. */
static int emit_restored(const char *id, const char *path, int created, int truncated,
			 const char *restored, json_t *rec, grym_ingest_fn cb, void *ud)
{
	grym_ingest_result r = { 0 };
	int rc;
	r.path = path;
	r.status = GRYM_OK;
	r.restored = restored;
	r.created = created;
	r.truncated = truncated;
	r.id = id;
	r.record = rec;
	rc = cb(ud, &r);
	json_decref(rec);
	return rc;
}

int grym__ingest_emit(const char *id, const char *path, int created, int truncated,
		      json_t *rec, grym_ingest_fn cb, void *ud)
{
	return emit_restored(id, path, created, truncated, NULL, rec, cb, ud);
}

/* replace_labels: the first time this run meets a known asset, drop the
 * labels it had that this run does not give it (a clip moved to another
 * label folder loses the old folder's label). Later meetings in the same
 * run only add: two copies of one audio in two folders keep both labels,
 * for grym-train to refuse or resolve. */
static int replace_labels(grym_ingester *g, grym_asset *a, const json_t *labels,
			  grym_error *err)
{
	int first = grym_idset_add(g->met, a->id);
	if (first < 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (!first)
		return GRYM_OK;
	size_t i, j;
	json_t *w;
	for (i = 0; i < json_array_size(a->labels); i++) {
		const char *old = json_string_value(json_array_get(a->labels, i));
		int keep = 0;
		json_array_foreach(labels, j, w)
			keep |= strcmp(json_string_value(w), old) == 0;
		if (keep)
			continue;
		if (grym_catalog_remove_label(g->cat, a->id, old, err) < 0)
			return err->code;
		json_array_remove(a->labels, i--);
	}
	return GRYM_OK;
}

/* What is wrong with the object of a known source asset: "missing",
 * "corrupt" (wrong size, or content not hashing to the id), or NULL. The
 * full hash costs one read of the object, paid so that a re-ingest is a
 * way to repair a store. */
static const char *object_damage(grym_ingester *g, const grym_asset *a)
{
	grym_error e = { 0 };
	uint64_t size;
	if (grym_store_size(g->store, a->object, &size, &e) < 0)
		return e.code == GRYM_ERR_NOTFOUND ? "missing" : "corrupt";
	if (size != a->bytes || grym_store_verify(g->store, a->object, &e) < 0)
		return "corrupt";
	return NULL;
}

/* Store a damaged object again from the bytes being ingested: the spooled
 * writer *w (consumed), else the file at from. */
static int restore_object(grym_ingester *g, const char *id, grym_store_writer **w,
			  const char *from, grym_error *err)
{
	char got[GRYM_ID_LEN + 1];
	int rc;
	if (w && *w) {
		rc = grym_store_writer_restore(*w, got, err);
		*w = NULL;
	} else if (from)
		rc = grym_store_restore_file(g->store, from, got, err);
	else
		return grym_error_set(err, GRYM_ERR_IO,
				      "object %s is damaged, and no bytes to restore it from", id);
	if (rc < 0)
		return rc;
	if (strcmp(got, id) != 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT,
				      "file changed while being ingested (object %s not restored)", id);
	return GRYM_OK;
}

/* A known id: add what is new (path, labels, meta), emit. Returns 1 if the
 * id was known (outcome emitted, *rc set), 0 if not, <0 on error (reported). */
int grym__ingest_known(grym_ingester *g, const char *id, const char *path, const char *record_path,
		     json_t *labels, json_t *meta, grym_store_writer **w, const char *from,
		     grym_ingest_fn cb, void *ud, int *rc)
{
	grym_asset a;
	grym_error e = { 0 };
	const char *damage = NULL;
	int got = grym_catalog_get_asset(g->cat, id, &a, &e);
	if (got == GRYM_ERR_NOTFOUND)
		return 0;
	if (got < 0) {
		*rc = grym__ingest_fail(cb, ud, record_path, &e);
		return -1;
	}
	if (strcmp(a.object, id) == 0 && (damage = object_damage(g, &a)) &&
	    restore_object(g, id, w, from, &e) < 0) {
		grym_asset_clear(&a);
		*rc = grym__ingest_fail(cb, ud, record_path, &e);
		return -1;
	}
	if (g->o.replace_labels && replace_labels(g, &a, labels, &e) < 0) {
		grym_asset_clear(&a);
		*rc = grym__ingest_fail(cb, ud, record_path, &e);
		return -1;
	}
	grym_asset upd;
	json_t *rec = NULL;
	int new_info = !nothing_new(&a, path, labels, meta), prc;
	grym_asset_init(&upd);
	if (new_info) {
		memcpy(upd.id, a.id, sizeof upd.id);
		memcpy(upd.object, a.object, sizeof upd.object);
		snprintf(upd.kind, sizeof upd.kind, "%s", a.kind);
		memcpy(upd.parent, a.parent, sizeof upd.parent);
		upd.labels = labels;
		upd.meta = meta;
		upd.paths = path ? path_array(path) : NULL;
		upd.format = a.format;
		upd.codec = a.codec;
		upd.recipe = a.recipe;
	}
	if (new_info && path && !upd.paths)
		prc = grym_error_set(&e, GRYM_ERR_NOMEM, "out of memory");
	else
		prc = commit_asset(g, new_info ? &upd : NULL, id, record_path, NULL, &rec, &e);
	json_decref(upd.paths);
	grym_asset_clear(&a);
	if (prc < 0) {
		*rc = grym__ingest_fail(cb, ud, record_path, &e);
		return -1;
	}
	*rc = emit_restored(id, record_path, 0, 0, damage, rec, cb, ud);
	return 1;
}

/* Insert a new asset whose object is committed, with its path and
 * labels, and make its record (*rec), all in one transaction. */
int grym__ingest_put_new(grym_ingester *g, const char *id, const char *path, const char *record_path,
		   const grym_audio_info *in, int64_t frames, uint64_t bytes, json_t *labels,
		   json_t *meta, int *created, json_t **rec, grym_error *err)
{
	grym_asset a;
	grym_asset_init(&a);
	memcpy(a.id, id, GRYM_ID_LEN + 1);
	memcpy(a.object, id, GRYM_ID_LEN + 1);
	snprintf(a.kind, sizeof a.kind, "source");
	a.format = (char *)in->format;
	a.codec = (char *)in->codec;
	a.sample_rate = in->sample_rate;
	a.channels = in->channels;
	a.bits = in->bits;
	a.frames = frames;
	a.duration = in->sample_rate > 0 ? (double)frames / in->sample_rate : 0;
	a.bytes = bytes;
	a.tags = in->tags;
	a.labels = labels;
	a.meta = meta;
	a.paths = path ? path_array(path) : NULL;
	if (path && !a.paths)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int rc = commit_asset(g, &a, id, record_path, created, rec, err);
	json_decref(a.paths);
	/* met in this run: a second copy of the same audio only adds labels */
	if (rc >= 0 && g->o.replace_labels && grym_idset_add(g->met, id) < 0)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return rc;
}
