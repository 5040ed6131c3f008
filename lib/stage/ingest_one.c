/*
 * ingest_one.c — files, archive members and stdin into the catalog: hash,
 * decode-check, store, describe (see grym/ingest.h for the contract).
 *
 * The order of a new asset is fixed so that a failure or a kill at any
 * moment leaves nothing half-done: (1) hash the original bytes; (2) decode
 * them completely (not audio, truncated, corrupt: report, store nothing);
 * (3) commit the object to the store (temp file, fsync, rename); (4) write
 * the catalog row. A killed process leaves at most an object without a
 * row, which the next run reuses and gc removes. The cancel flag stops
 * (1), (2) and the copy of (3) between blocks, before anything is
 * published: a signal in the middle of an hour-long file leaves no
 * object, no row and no outcome.
 *
 * A known id skips the decode: re-running a command costs one hash per
 * file and a lookup, and writes nothing unless a path, label or metadata
 * key is new.
 */
#include "grym/ingest.h"
#include "grym/idset.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/pathname.h"
#include "grym/progress.h"
#include "grym/store.h"
#include "grym/walk.h"
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#define COPY_BUF (256 * 1024)
#define DECODE_BLOCK 16384

struct grym_ingester {
	grym_ingest_opts o;
	grym_catalog *cat;
	grym_store *store;
	unsigned char *buf;      /* COPY_BUF bytes for copying */
	float *pcm;              /* decode scratch */
	size_t pcm_cap;          /* floats */
	grym_idset *met;         /* assets met in this run (replace_labels) */
};

int grym_ingest_is_archive(const void *head, size_t n)
{
	const unsigned char *b = head;
	if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
		return 1;
	if (n >= 4 && memcmp(b, "PK\x05\x06", 4) == 0)   /* empty zip */
		return 1;
	if (n >= 6 && memcmp(b, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return 1;
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)        /* gzip */
		return 1;
	if (n >= 3 && memcmp(b, "BZh", 3) == 0)
		return 1;
	if (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
		return 1;
	if (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0) /* zstd */
		return 1;
	if (n >= 262 && memcmp(b + 257, "ustar", 5) == 0)
		return 1;
	return 0;
}

/* ---- the ingester ---- */

grym_ingester *grym_ingester_new(const char *catalog_dir, const grym_ingest_opts *opts,
				 grym_error *err)
{
	grym_ingester *g = calloc(1, sizeof *g);
	if (!g || !(g->buf = malloc(COPY_BUF)) || !(g->met = grym_idset_new())) {
		if (g)
			free(g->buf);
		free(g);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (opts)
		g->o = *opts;
	if (!g->o.max_bytes)
		g->o.max_bytes = GRYM_INGEST_MAX_BYTES_DEFAULT;
	if (!(g->cat = grym_catalog_open(catalog_dir, err))) {
		grym_ingester_free(g);
		return NULL;
	}
	g->store = grym_catalog_store(g->cat);
	return g;
}

void grym_ingester_free(grym_ingester *g)
{
	if (!g)
		return;
	grym_catalog_close(g->cat);
	free(g->buf);
	free(g->pcm);
	grym_idset_free(g->met);
	free(g);
}

/* Report a failure as an outcome. */
static int fail(grym_ingest_fn cb, void *ud, const char *path, const grym_error *e)
{
	grym_ingest_result r = { 0 };
	r.path = path;
	r.status = e->code < 0 ? e->code : GRYM_ERR_INTERNAL;
	r.message = e->msg;
	return cb(ud, &r);
}

static int fail_msg(grym_ingest_fn cb, void *ud, const char *path, int code, const char *msg)
{
	grym_error e;
	grym_error_set(&e, code, "%s", msg);
	return fail(cb, ud, path, &e);
}

static void add_label(json_t *labels, const char *l)
{
	size_t i;
	json_t *v;
	if (!l || !*l)
		return;
	json_array_foreach(labels, i, v)
		if (strcmp(json_string_value(v), l) == 0)
			return;
	json_array_append_new(labels, json_string(l));
}

/* Name of the folder holding path ("corpus/dog/a.wav" -> "dog"), into buf. */
static const char *parent_name(const char *path, char *buf, size_t len)
{
	const char *end = strrchr(path, '/');
	if (!end)
		return NULL;
	const char *start = end;
	while (start > path && start[-1] != '/')
		start--;
	size_t n = (size_t)(end - start);
	if (n == 0 || n >= len || (n == 1 && *start == '.') || (n == 2 && start[0] == '.' && start[1] == '.'))
		return NULL;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return buf;
}

/* Labels and meta this source gets: -label, the folder, the manifest. */
static int describe(grym_ingester *g, const char *file, const char *member, json_t **labels,
		    json_t **meta)
{
	char dirname[512];
	const json_t *ml = NULL, *mm = NULL;
	*labels = json_array();
	*meta = json_object();
	if (!*labels || !*meta)
		return GRYM_ERR_NOMEM;
	for (size_t i = 0; i < g->o.nlabels; i++)
		add_label(*labels, g->o.labels[i]);
	if (g->o.label_from_dir) {
		const char *d = parent_name(member ? member : file, dirname, sizeof dirname);
		/* labels are JSON strings: a folder name that is not UTF-8
		 * gets U+FFFD for its bad bytes rather than no label */
		char *l = d ? grym_utf8_repair(d, strlen(d)) : NULL;
		if (d && !l)
			return GRYM_ERR_NOMEM;
		add_label(*labels, l);
		free(l);
	}
	if (g->o.manifest && grym_manifest_find(g->o.manifest, file, member, &ml, &mm)) {
		size_t i;
		json_t *v;
		json_array_foreach(ml, i, v)
			add_label(*labels, json_string_value(v));
		json_object_update(*meta, (json_t *)mm);
	}
	return GRYM_OK;
}

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

static int emit_asset(const char *id, const char *path, int created, int truncated,
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

/* A known id: add what is new (path, labels, meta), emit. Returns 1 if the
 * id was known (outcome emitted, *rc set), 0 if not, <0 on error (reported). */
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

static int try_known(grym_ingester *g, const char *id, const char *path, const char *record_path,
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
		*rc = fail(cb, ud, record_path, &e);
		return -1;
	}
	if (strcmp(a.object, id) == 0 && (damage = object_damage(g, &a)) &&
	    restore_object(g, id, w, from, &e) < 0) {
		grym_asset_clear(&a);
		*rc = fail(cb, ud, record_path, &e);
		return -1;
	}
	if (g->o.replace_labels && replace_labels(g, &a, labels, &e) < 0) {
		grym_asset_clear(&a);
		*rc = fail(cb, ud, record_path, &e);
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
		*rc = fail(cb, ud, record_path, &e);
		return -1;
	}
	*rc = emit_restored(id, record_path, 0, 0, damage, rec, cb, ud);
	return 1;
}

/* The cancel flag is set: stop, saying nothing (the caller knows why). */
static int stopped(const grym_ingester *g)
{
	return grym_cancelled(g->o.cancel);
}

/* The id of a file in place (SHA-256 of its bytes), block by block, so
 * that a signal stops it: GRYM_ERR_INTERRUPTED. */
static int hash_file(grym_ingester *g, const char *path, char id[GRYM_ID_LEN + 1],
		     grym_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	grym_sha256 *h;
	ssize_t n = 0;
	if (fd < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s", strerror(errno));
	if (!(h = grym_sha256_new())) {
		close(fd);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	while (!stopped(g) && ((n = read(fd, g->buf, COPY_BUF)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			grym_sha256_update(h, g->buf, (size_t)n);
	if (stopped(g)) {
		n = GRYM_ERR_INTERRUPTED;
		grym_error_cancelled(err);
	} else if (n < 0) {
		n = grym_error_set(err, GRYM_ERR_IO, "read: %s", strerror(errno));
	} else {
		grym_sha256_final_hex(h, id);
	}
	grym_sha256_free(h);
	close(fd);
	return (int)n;
}

/* A file's bytes into the store (temporary, fsync, rename), block by
 * block: a signal before the commit removes the temporary and returns
 * GRYM_ERR_INTERRUPTED. id: what the bytes hashed to while copied. */
static int store_file(grym_ingester *g, const char *path, char id[GRYM_ID_LEN + 1],
		      grym_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	grym_store_writer *w;
	ssize_t n = 0;
	int rc = GRYM_OK;
	if (fd < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	if (!(w = grym_store_writer_new(g->store, err))) {
		close(fd);
		return err->code ? err->code : GRYM_ERR_IO;
	}
	while (rc == GRYM_OK && !stopped(g) &&
	       ((n = read(fd, g->buf, COPY_BUF)) > 0 || (n < 0 && errno == EINTR))) {
		if (n > 0)
			rc = grym_store_writer_write(w, g->buf, (size_t)n, err);
	}
	if (rc == GRYM_OK && stopped(g))
		rc = grym_error_cancelled(err);
	else if (rc == GRYM_OK && n < 0)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	close(fd);
	if (rc != GRYM_OK) {
		grym_store_writer_abort(w);
		return rc;
	}
	return grym_store_writer_commit(w, id, err);
}

/* Decode a whole file to check it; fills info and the frames decoded.
 * The cancel flag stops the decoder within a block (GRYM_ERR_CANCELLED). */
static int check_audio(grym_ingester *g, const char *path, grym_audio_info *info,
		       int64_t *frames, int *truncated, grym_error *err)
{
	grym_decode_opts o = { 0 };
	grym_decoder *d;
	int64_t n, total = 0;
	o.accept_truncated = g->o.accept_truncated;
	o.cancel = g->o.cancel;
	if (!(d = grym_decoder_open(path, &o, err)))
		return err->code;
	size_t need = (size_t)DECODE_BLOCK * (size_t)grym_decoder_channels(d);
	if (need > g->pcm_cap) {
		float *p = realloc(g->pcm, need * sizeof(float));
		if (!p) {
			grym_decoder_close(d);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		g->pcm = p;
		g->pcm_cap = need;
	}
	while ((n = grym_decoder_read(d, g->pcm, DECODE_BLOCK, err)) > 0)
		total += n;
	if (n < 0) {
		grym_decoder_close(d);
		return (int)n;
	}
	*info = *grym_decoder_info(d);
	info->tags = json_incref(info->tags);
	*frames = total;
	*truncated = grym_decoder_was_truncated(d);
	grym_decoder_close(d);
	return GRYM_OK;
}

/* Insert a new asset whose object is committed, with its path and
 * labels, and make its record (*rec), all in one transaction. */
static int put_new(grym_ingester *g, const char *id, const char *path, const char *record_path,
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

/* Bytes already in a store writer (stdin, an archive member): known id,
 * or decode from the writer's temporary file, commit, insert. The writer
 * is consumed. path: recorded in the catalog (NULL for stdin). */
static int finish_spooled(grym_ingester *g, grym_store_writer *w, const char *path,
			  const char *record_path, const char *member, grym_ingest_fn cb, void *ud)
{
	char id[GRYM_ID_LEN + 1];
	json_t *labels = NULL, *meta = NULL, *rec = NULL;
	grym_audio_info info;
	grym_error e = { 0 };
	int64_t frames = 0;
	int truncated = 0, rc = 0, created = 0;
	uint64_t bytes = grym_store_writer_size(w);

	memset(&info, 0, sizeof info);
	if (describe(g, path ? path : "", member, &labels, &meta) < 0) {
		grym_store_writer_abort(w);
		rc = fail_msg(cb, ud, record_path, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	grym_store_writer_peek_id(w, id);
	if (try_known(g, id, path, record_path, labels, meta, &w, NULL, cb, ud, &rc) != 0) {
		grym_store_writer_abort(w);
		goto out;
	}
	const char *tmp = grym_store_writer_tmp_path(w);
	if (!tmp) {
		grym_store_writer_abort(w);
		rc = fail_msg(cb, ud, record_path, GRYM_ERR_IO, "store writer has no file");
		goto out;
	}
	if (bytes == 0) {
		grym_store_writer_abort(w);
		rc = fail_msg(cb, ud, record_path, GRYM_ERR_FORMAT, "empty file");
		goto out;
	}
	if (check_audio(g, tmp, &info, &frames, &truncated, &e) < 0 || stopped(g)) {
		grym_store_writer_abort(w);
		rc = stopped(g) ? GRYM_ERR_INTERRUPTED : fail(cb, ud, record_path, &e);
		goto out;
	}
	if (grym_store_writer_commit(w, id, &e) < 0) {
		rc = fail(cb, ud, record_path, &e);
		goto out;
	}
	if (put_new(g, id, path, record_path, &info, frames, bytes, labels, meta, &created, &rec,
		    &e) < 0) {
		rc = fail(cb, ud, record_path, &e);
		goto out;
	}
	rc = emit_asset(id, record_path, created, truncated, rec, cb, ud);
out:
	grym_audio_info_clear(&info);
	json_decref(labels);
	json_decref(meta);
	return rc;
}

/* A regular audio file: hash it in place, skip if known, else decode from
 * the path, then copy it into the store. */
static int ingest_file(grym_ingester *g, const char *path, grym_ingest_fn cb, void *ud)
{
	char id[GRYM_ID_LEN + 1], id2[GRYM_ID_LEN + 1];
	json_t *labels = NULL, *meta = NULL, *rec = NULL;
	grym_audio_info info;
	grym_error e = { 0 };
	int64_t frames = 0;
	int truncated = 0, rc = 0, created = 0;
	struct stat st;

	memset(&info, 0, sizeof info);
	if (stat(path, &st) == 0 && st.st_size == 0)
		return fail_msg(cb, ud, path, GRYM_ERR_FORMAT, "empty file");
	if (hash_file(g, path, id, &e) < 0)
		return stopped(g) ? GRYM_ERR_INTERRUPTED : fail(cb, ud, path, &e);
	if (describe(g, path, NULL, &labels, &meta) < 0) {
		rc = fail_msg(cb, ud, path, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (try_known(g, id, path, path, labels, meta, NULL, path, cb, ud, &rc) != 0)
		goto out;
	if (check_audio(g, path, &info, &frames, &truncated, &e) < 0 || stopped(g)) {
		rc = stopped(g) ? GRYM_ERR_INTERRUPTED : fail(cb, ud, path, &e);
		goto out;
	}
	if (store_file(g, path, id2, &e) < 0) {
		rc = stopped(g) ? GRYM_ERR_INTERRUPTED : fail(cb, ud, path, &e);
		goto out;
	}
	if (strcmp(id, id2) != 0) {
		/* The file changed between the hash and the copy: what was
		 * decoded is not what was stored. */
		rc = fail_msg(cb, ud, path, GRYM_ERR_CORRUPT, "file changed while being ingested");
		goto out;
	}
	if (put_new(g, id, path, path, &info, frames, (uint64_t)st.st_size, labels, meta, &created,
		    &rec, &e) < 0) {
		rc = fail(cb, ud, path, &e);
		goto out;
	}
	rc = emit_asset(id, path, created, truncated, rec, cb, ud);
out:
	grym_audio_info_clear(&info);
	json_decref(labels);
	json_decref(meta);
	return rc;
}

/* 1 if an archive member name could escape a directory: absolute, or a
 * ".." component (also with backslashes, as zip files from Windows
 * carry them). */
static int unsafe_name(const char *name)
{
	if (name[0] == '/' || name[0] == '\\')
		return 1;
	if (name[0] && name[1] == ':')        /* C:\... */
		return 1;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/\\");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

static int ingest_archive(grym_ingester *g, const char *path, const char *shown,
			  grym_ingest_fn cb, void *ud)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ent;
	uint64_t expanded = 0;
	char *rpath = NULL;
	int rc = 0, r;

	if (!ar)
		return fail_msg(cb, ud, shown, GRYM_ERR_NOMEM, "out of memory");
	archive_read_support_filter_all(ar);
	archive_read_support_format_all(ar);
	if (archive_read_open_filename(ar, path, COPY_BUF) != ARCHIVE_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "cannot read archive: %s", archive_error_string(ar));
		rc = fail_msg(cb, ud, shown, GRYM_ERR_FORMAT, msg);
		archive_read_free(ar);
		return rc;
	}
	while (rc == 0) {
		if (g->o.cancel && *g->o.cancel) {
			rc = GRYM_ERR_INTERRUPTED;
			break;
		}
		r = archive_read_next_header(ar, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			char msg[512];
			snprintf(msg, sizeof msg, "archive is damaged: %s", archive_error_string(ar));
			rc = fail_msg(cb, ud, shown, GRYM_ERR_CORRUPT, msg);
			break;
		}
		const char *name = archive_entry_pathname(ent);
		if (!name)
			continue;
		free(rpath);
		rpath = malloc(strlen(shown) + strlen(name) + 2);
		if (!rpath) {
			rc = fail_msg(cb, ud, shown, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		sprintf(rpath, "%s:%s", shown, name);
		if (unsafe_name(name)) {
			rc = fail_msg(cb, ud, rpath, GRYM_ERR_FORMAT,
				      "unsafe member name (absolute or with ..): refused");
			continue;
		}
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;       /* directories, links, devices */
		const char *member = name;
		while (member[0] == '.' && member[1] == '/')
			member += 2;
		if (grym_walk_hidden(member) || !grym_walk_match(g->o.match, member))
			continue;
		grym_error e = { 0 };
		grym_store_writer *w = grym_store_writer_new(g->store, &e);
		if (!w) {
			rc = fail(cb, ud, rpath, &e);
			break;
		}
		la_ssize_t n;
		int bad = 0;
		while ((n = archive_read_data(ar, g->buf, COPY_BUF)) > 0) {
			expanded += (uint64_t)n;
			if (expanded > g->o.max_bytes) {
				char msg[256];
				snprintf(msg, sizeof msg, "archive expands to more than %llu bytes "
					 "(--max-bytes): stopped", (unsigned long long)g->o.max_bytes);
				rc = fail_msg(cb, ud, rpath, GRYM_ERR_LIMIT, msg);
				bad = 2;
				break;
			}
			if (grym_store_writer_write(w, g->buf, (size_t)n, &e) < 0) {
				rc = fail(cb, ud, rpath, &e);
				bad = 2;
				break;
			}
		}
		if (!bad && n < 0) {
			char msg[512];
			snprintf(msg, sizeof msg, "cannot read member: %s", archive_error_string(ar));
			rc = fail_msg(cb, ud, rpath, GRYM_ERR_CORRUPT, msg);
			bad = n == ARCHIVE_FATAL ? 2 : 1;
		}
		if (bad) {
			grym_store_writer_abort(w);
			if (bad == 2)
				break;
			continue;
		}
		rc = finish_spooled(g, w, rpath, rpath, member, cb, ud);
	}
	free(rpath);
	archive_read_free(ar);
	return rc;
}

int grym_ingest_fd(grym_ingester *g, int fd, const char *name, grym_ingest_fn cb, void *ud)
{
	grym_error e = { 0 };
	grym_input *in = grym_input_from_fd(fd, name, 0, &e);
	int rc;
	if (!in)
		return fail(cb, ud, name, &e);
	grym_input_set_cancel(in, g->o.cancel);
	rc = grym_ingest_input(g, in, name, cb, ud);
	grym_input_free(in);
	return rc;
}

int grym_ingest_input(grym_ingester *g, grym_input *in, const char *name, grym_ingest_fn cb,
		      void *ud)
{
	grym_error e = { 0 };
	grym_store_writer *w = grym_store_writer_new(g->store, &e);
	ssize_t n;
	if (!w)
		return fail(cb, ud, name, &e);
	for (;;) {
		n = grym_input_read(in, g->buf, COPY_BUF, &e);
		if (n <= 0)
			break;
		if (grym_store_writer_write(w, g->buf, (size_t)n, &e) < 0) {
			grym_store_writer_abort(w);
			return fail(cb, ud, name, &e);
		}
	}
	if (n < 0 || (g->o.cancel && *g->o.cancel)) {
		grym_store_writer_abort(w);
		if (n >= 0 || e.code == GRYM_ERR_INTERRUPTED)
			return GRYM_ERR_INTERRUPTED;
		return fail(cb, ud, name, &e);
	}
	/* An archive on stdin is read from the spooled copy; the archive
	 * itself is not an asset. */
	const char *tmp = grym_store_writer_tmp_path(w);
	unsigned char head[512];
	size_t nh = 0;
	if (tmp) {
		int tfd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (tfd >= 0) {
			ssize_t k = pread(tfd, head, sizeof head, 0);
			nh = k > 0 ? (size_t)k : 0;
			close(tfd);
		}
	}
	if (nh && grym_ingest_is_archive(head, nh)) {
		int rc = ingest_archive(g, tmp, name, cb, ud);
		grym_store_writer_abort(w);
		return rc;
	}
	/* the name is the origin path ("-" for stdin): every source has one,
	 * which fsck checks */
	return finish_spooled(g, w, name, name, NULL, cb, ud);
}

int grym_ingest_path(grym_ingester *g, const char *path, grym_ingest_fn cb, void *ud)
{
	struct stat st;
	unsigned char head[512];
	ssize_t nh;
	int fd;

	if (strcmp(path, "-") == 0)
		return grym_ingest_fd(g, 0, "-", cb, ud);
	if (stat(path, &st) < 0) {
		grym_error e;
		grym_error_set(&e, GRYM_ERR_IO, "%s", strerror(errno));
		return fail(cb, ud, path, &e);
	}
	if (S_ISDIR(st.st_mode))
		return fail_msg(cb, ud, path, GRYM_ERR_INVALID, "is a directory");
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO or a device: read it like stdin. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			grym_error e;
			grym_error_set(&e, GRYM_ERR_IO, "%s", strerror(errno));
			return fail(cb, ud, path, &e);
		}
		int rc = grym_ingest_fd(g, fd, path, cb, ud);
		close(fd);
		return rc;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		grym_error e;
		grym_error_set(&e, GRYM_ERR_IO, "%s", strerror(errno));
		return fail(cb, ud, path, &e);
	}
	nh = pread(fd, head, sizeof head, 0);
	close(fd);
	if (nh > 0 && grym_ingest_is_archive(head, (size_t)nh))
		return ingest_archive(g, path, path, cb, ud);
	return ingest_file(g, path, cb, ud);
}
