/*
 * features_inputs.c — the features stage's inputs: every item of the
 * sources read up front as a job (a file, audio on stdin spooled, an
 * audio record's samples, a catalog asset), then the keys and file
 * names, which depend on all the inputs together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_int.h"
#include "grym/io.h"
#include "grym/pathname.h"
#include "grym/progress.h"
#include "grym/stream.h"

/* Everything a job holds, once written (or dropped); idempotent. */
void gfs_job_free(gfs_job *j)
{
	free(j->key);
	free(j->file);
	free(j->name);
	if (j->tmp_path && j->path)
		grym_tmp_release(j->path);
	free(j->path);
	json_decref(j->meta);
	free(j->payload);
	j->key = j->file = j->name = j->path = NULL;
	j->meta = NULL;
	j->payload = NULL;
	j->tmp_path = 0;
	if (!j->r)
		return;
	for (int i = 0; i < GRYM_FEAT_COUNT; i++) {
		grym_fmat_clear(&j->r->m[i]);
		grym_moments_free(j->r->mo[i]);
	}
	for (int i = 0; i < j->r->nnotes; i++)
		free(j->r->note[i]);
	json_decref(j->r->meta);
	json_decref(j->r->vec_names);
	free(j->r->vec);
	free(j->r->seg);
	free(j->r->start);
	free(j->r->end);
	free(j->r);
	j->r = NULL;
}

static gfs_job *job_add(gfs_ctx *x)
{
	if (x->njobs == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		gfs_job *nj = realloc(x->jobs, cap * sizeof *nj);
		if (!nj)
			return NULL;
		x->jobs = nj;
		x->cap = cap;
	}
	gfs_job *j = &x->jobs[x->njobs++];
	memset(j, 0, sizeof *j);
	j->x = x;
	return j;
}

/* Keys of the jobs read from files, once all inputs are known: base
 * names while they are unique, else paths relative to the folder holding
 * them all (grym_unique_names), so a folder per class keeps its files
 * apart. */
int gfs_name_files(gfs_ctx *x, grym_error *err)
{
	const char **paths = calloc(x->njobs ? x->njobs : 1, sizeof *paths);
	char **names;
	if (!paths)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < x->njobs; i++)
		paths[i] = x->jobs[i].from_file ? x->jobs[i].path : NULL;
	names = grym_unique_names(paths, x->njobs, err);
	free(paths);
	if (!names)
		return err->code;
	for (size_t i = 0; i < x->njobs; i++) {
		if (!names[i])
			continue;
		free(x->jobs[i].key);
		x->jobs[i].key = names[i];
		names[i] = NULL;
	}
	grym_names_free(names, x->njobs);
	return GRYM_OK;
}

/* File names: the key, whose '/' make folders (an empty, "." or ".."
 * part becomes "_", so nothing lands outside the folder), with "~2",
 * "~3"... for a name an earlier input holds: two inputs never write one
 * file. Returns how many names had to be numbered. */
int gfs_name_npy(gfs_ctx *x, grym_error *err)
{
	char **names = calloc(x->njobs ? x->njobs : 1, sizeof *names);
	int rc;
	if (!names)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < x->njobs; i++)
		if (x->jobs[i].key && !(names[i] = strdup(x->jobs[i].key))) {
			grym_names_free(names, x->njobs);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	rc = grym_names_as_files(names, x->njobs, err);
	for (size_t i = 0; i < x->njobs; i++)
		x->jobs[i].file = names[i];
	free(names);
	return rc;
}

/* An audio record: its samples, read now (the stream moves on). */
static int add_audio_record(gfs_job *j, grym_source *it, grym_error *err)
{
	grym_record_head *h = &it->head;
	json_t *r = json_object_get(j->meta, "rate");   /* the record's metadata */
	j->key = strdup(h->key);
	j->prate = (int)json_number_value(r);
	j->pchannels = (int)h->cols;
	if (!j->key)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (j->prate <= 0 || j->pchannels <= 0)
		return grym_error_set(err, GRYM_ERR_FORMAT, "%s: audio record without rate/channels", h->key);
	/* never cached: the samples may have been changed upstream
	 * (normalised, filtered) while "asset" still names the source */
	size_t cap = 0;
	int64_t n = 0;
	float *buf = NULL;
	for (;;) {
		if ((size_t)(n + 65536) * j->pchannels > cap) {
			cap = cap ? cap * 2 : (size_t)(65536 * 2) * j->pchannels;
			float *nb = realloc(buf, cap * sizeof *nb);
			if (!nb) {
				free(buf);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
			buf = nb;
		}
		int64_t got = grym_stream_read_rows(it->reader, buf + n * j->pchannels, 65536, err);
		if (got < 0) {
			free(buf);
			return (int)got;
		}
		if (got == 0)
			break;
		n += got;
	}
	j->payload = buf;
	j->pframes = n;
	return GRYM_OK;
}

/* A catalog id (or prefix): the asset's object, its labels and meta. The
 * catalog is opened at the first one, on the calling thread (*cat). */
static int add_asset(gfs_ctx *x, gfs_job *j, const char *key, grym_catalog **cat,
		     grym_error *err)
{
	if (!x->env->catalog_dir)
		return grym_error_set(err, GRYM_ERR_INVALID, "a catalog reference, and no catalog");
	if (!*cat && !(*cat = grym_catalog_open(x->env->catalog_dir, err)))
		return err->code;
	grym_catalog_set_verify(*cat, x->fp->verify);
	int rc = grym_catalog_resolve(*cat, key, j->asset, err);
	if (rc)
		return rc;
	grym_asset a;
	grym_asset_init(&a);
	if ((rc = grym_catalog_get_asset(*cat, j->asset, &a, err)) == GRYM_OK) {
		j->object = 1;  /* opened by the worker that decodes it */
		j->key = strdup(j->asset);
		if (!json_object_get(j->meta, "path") && json_array_size(a.paths) > 0) {
			/* a bare id on stdin: name the asset's file in messages */
			json_t *pm = json_pack("{s:O}", "path", json_array_get(a.paths, 0));
			char *nm = pm ? grym_stage_item_name(j->asset, pm) : NULL;
			json_decref(pm);
			if (nm) {
				free(j->name);
				j->name = nm;
			}
		}
		if (!json_object_get(j->meta, "labels") && a.labels)
			json_object_set(j->meta, "labels", a.labels);
		if (!json_object_get(j->meta, "meta") && a.meta)
			json_object_set(j->meta, "meta", a.meta);
	}
	grym_asset_clear(&a);
	return rc;
}

/* One item of the inputs (grym/sources.h) as a job: a file, audio on
 * stdin (spooled), an audio record, a catalog asset. */
static int add_item(gfs_ctx *x, grym_source *it, grym_catalog **cat, grym_error *err)
{
	gfs_job *j = job_add(x);
	if (!j)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	/* what the record carried (labels, path...) passes through */
	j->meta = it->head.meta ? it->head.meta : json_object();
	it->head.meta = NULL;
	if (!j->meta)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	switch (it->kind) {
	case GRYM_SOURCE_FILE:
		j->path = strdup(it->path);
		j->name = strdup(it->path);
		j->from_file = 1;
		if (!j->path || !j->name)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		if (!json_object_get(j->meta, "path"))
			return grym_json_set_path(j->meta, "path", it->path, err);
		return GRYM_OK;
	case GRYM_SOURCE_AUDIO_IN: {
		char tmp[4096];
		int is_tmp = 0;
		j->name = strdup(it->name);
		j->key = grym_text_field(it->name, strlen(it->name));
		if (!j->name || !j->key)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		int rc = grym_source_audio_path(it, NULL, tmp, sizeof tmp, &is_tmp, err);
		if (rc == GRYM_OK && !(j->path = strdup(tmp))) {
			if (is_tmp)
				grym_tmp_release(tmp);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		j->tmp_path = is_tmp;
		return rc;
	}
	case GRYM_SOURCE_RECORD:
		j->name = grym_stage_item_name(it->head.key, j->meta);
		if (it->head.kind != GRYM_PAYLOAD_AUDIO)
			return grym_error_set(err, GRYM_ERR_FORMAT, "%s: a %s record is not audio",
					      it->head.key, grym_payload_kind_name(it->head.kind));
		return add_audio_record(j, it, err);
	case GRYM_SOURCE_REF:
		j->name = grym_stage_item_name(it->head.key, j->meta);
		return add_asset(x, j, it->head.key, cat, err);
	default:
		j->name = strdup(it->name);
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "not an input of grym-features");
	}
}

/* Every input, in order; a failed one keeps its place (a job that has
 * failed, which the pool passes through), so messages and output follow
 * input order; one that never became a job is reported now. Returns
 * GRYM_ERR_CANCELLED when the flag stopped the reading, else GRYM_OK. */
int gfs_read_inputs(gfs_ctx *x, grym_sources *src, grym_error *err)
{
	grym_error e0 = { 0 };
	grym_catalog *cat = NULL;       /* for catalog references */
	grym_source *it;
	int rc;

	while ((rc = grym_sources_next(src, &it, &e0)) == GRYM_OK) {
		x->env->ninputs++;
		if (it->kind == GRYM_SOURCE_ERROR) {
			grym_stage_fail(x->env, it->name, &it->err);
			continue;
		}
		size_t before = x->njobs;
		grym_error e = { 0 };
		if (add_item(x, it, &cat, &e) != GRYM_OK) {
			if (x->njobs > before) {
				gfs_job *j = &x->jobs[x->njobs - 1];
				j->rc = e.code;
				j->failed = 1;
				if ((j->r = calloc(1, sizeof *j->r)))
					j->r->err = e;
				if (!j->name)
					j->name = strdup(it->name);
			} else {
				grym_stage_fail(x->env, it->name, &e);
			}
		}
	}
	grym_catalog_close(cat);
	if (rc == GRYM_ERR_INTERRUPTED)
		return grym_error_cancelled(err);
	if (rc != GRYM_ERR_EOF)
		grym_stage_fail(x->env, "inputs", &e0);
	return GRYM_OK;
}
