/*
 * ingest_one.c — files, archive members and stdin into the catalog: hash,
 * decode-check, store, describe (see grym/ingest.h for the contract);
 * the row is ingest_rows.c, archives ingest_archive.c.
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
#include "ingest_int.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/pathname.h"
#include "grym/progress.h"
#include "grym/store.h"
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

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
int grym__ingest_fail(grym_ingest_fn cb, void *ud, const char *path, const grym_error *e)
{
	grym_ingest_result r = { 0 };
	r.path = path;
	r.status = e->code < 0 ? e->code : GRYM_ERR_INTERNAL;
	r.message = e->msg;
	return cb(ud, &r);
}

int grym__ingest_fail_msg(grym_ingest_fn cb, void *ud, const char *path, int code, const char *msg)
{
	grym_error e;
	grym_error_set(&e, code, "%s", msg);
	return grym__ingest_fail(cb, ud, path, &e);
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

/* Bytes already in a store writer (stdin, an archive member): known id,
 * or decode from the writer's temporary file, commit, insert. The writer
 * is consumed. path: recorded in the catalog (NULL for stdin). */
int grym__ingest_spooled(grym_ingester *g, grym_store_writer *w, const char *path,
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
		rc = grym__ingest_fail_msg(cb, ud, record_path, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	grym_store_writer_peek_id(w, id);
	if (grym__ingest_known(g, id, path, record_path, labels, meta, &w, NULL, cb, ud, &rc) != 0) {
		grym_store_writer_abort(w);
		goto out;
	}
	const char *tmp = grym_store_writer_tmp_path(w);
	if (!tmp) {
		grym_store_writer_abort(w);
		rc = grym__ingest_fail_msg(cb, ud, record_path, GRYM_ERR_IO, "store writer has no file");
		goto out;
	}
	if (bytes == 0) {
		grym_store_writer_abort(w);
		rc = grym__ingest_fail_msg(cb, ud, record_path, GRYM_ERR_FORMAT, "empty file");
		goto out;
	}
	if (check_audio(g, tmp, &info, &frames, &truncated, &e) < 0 || stopped(g)) {
		grym_store_writer_abort(w);
		rc = stopped(g) ? GRYM_ERR_INTERRUPTED : grym__ingest_fail(cb, ud, record_path, &e);
		goto out;
	}
	if (grym_store_writer_commit(w, id, &e) < 0) {
		rc = grym__ingest_fail(cb, ud, record_path, &e);
		goto out;
	}
	if (grym__ingest_put_new(g, id, path, record_path, &info, frames, bytes, labels, meta, &created, &rec,
		    &e) < 0) {
		rc = grym__ingest_fail(cb, ud, record_path, &e);
		goto out;
	}
	rc = grym__ingest_emit(id, record_path, created, truncated, rec, cb, ud);
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
		return grym__ingest_fail_msg(cb, ud, path, GRYM_ERR_FORMAT, "empty file");
	if (hash_file(g, path, id, &e) < 0)
		return stopped(g) ? GRYM_ERR_INTERRUPTED : grym__ingest_fail(cb, ud, path, &e);
	if (describe(g, path, NULL, &labels, &meta) < 0) {
		rc = grym__ingest_fail_msg(cb, ud, path, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (grym__ingest_known(g, id, path, path, labels, meta, NULL, path, cb, ud, &rc) != 0)
		goto out;
	if (check_audio(g, path, &info, &frames, &truncated, &e) < 0 || stopped(g)) {
		rc = stopped(g) ? GRYM_ERR_INTERRUPTED : grym__ingest_fail(cb, ud, path, &e);
		goto out;
	}
	if (store_file(g, path, id2, &e) < 0) {
		rc = stopped(g) ? GRYM_ERR_INTERRUPTED : grym__ingest_fail(cb, ud, path, &e);
		goto out;
	}
	if (strcmp(id, id2) != 0) {
		/* The file changed between the hash and the copy: what was
		 * decoded is not what was stored. */
		rc = grym__ingest_fail_msg(cb, ud, path, GRYM_ERR_CORRUPT, "file changed while being ingested");
		goto out;
	}
	if (grym__ingest_put_new(g, id, path, path, &info, frames, (uint64_t)st.st_size, labels, meta, &created,
		    &rec, &e) < 0) {
		rc = grym__ingest_fail(cb, ud, path, &e);
		goto out;
	}
	rc = grym__ingest_emit(id, path, created, truncated, rec, cb, ud);
out:
	grym_audio_info_clear(&info);
	json_decref(labels);
	json_decref(meta);
	return rc;
}

int grym_ingest_fd(grym_ingester *g, int fd, const char *name, grym_ingest_fn cb, void *ud)
{
	grym_error e = { 0 };
	grym_input *in = grym_input_from_fd(fd, name, 0, &e);
	int rc;
	if (!in)
		return grym__ingest_fail(cb, ud, name, &e);
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
		return grym__ingest_fail(cb, ud, name, &e);
	for (;;) {
		n = grym_input_read(in, g->buf, COPY_BUF, &e);
		if (n <= 0)
			break;
		if (grym_store_writer_write(w, g->buf, (size_t)n, &e) < 0) {
			grym_store_writer_abort(w);
			return grym__ingest_fail(cb, ud, name, &e);
		}
	}
	if (n < 0 || (g->o.cancel && *g->o.cancel)) {
		grym_store_writer_abort(w);
		if (n >= 0 || e.code == GRYM_ERR_INTERRUPTED)
			return GRYM_ERR_INTERRUPTED;
		return grym__ingest_fail(cb, ud, name, &e);
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
		int rc = grym__ingest_archive(g, tmp, name, cb, ud);
		grym_store_writer_abort(w);
		return rc;
	}
	/* the name is the origin path ("-" for stdin): every source has one,
	 * which fsck checks */
	return grym__ingest_spooled(g, w, name, name, NULL, cb, ud);
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
		return grym__ingest_fail(cb, ud, path, &e);
	}
	if (S_ISDIR(st.st_mode))
		return grym__ingest_fail_msg(cb, ud, path, GRYM_ERR_INVALID, "is a directory");
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO or a device: read it like stdin. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			grym_error e;
			grym_error_set(&e, GRYM_ERR_IO, "%s", strerror(errno));
			return grym__ingest_fail(cb, ud, path, &e);
		}
		int rc = grym_ingest_fd(g, fd, path, cb, ud);
		close(fd);
		return rc;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		grym_error e;
		grym_error_set(&e, GRYM_ERR_IO, "%s", strerror(errno));
		return grym__ingest_fail(cb, ud, path, &e);
	}
	nh = pread(fd, head, sizeof head, 0);
	close(fd);
	if (nh > 0 && grym_ingest_is_archive(head, (size_t)nh))
		return grym__ingest_archive(g, path, path, cb, ud);
	return ingest_file(g, path, cb, ud);
}
