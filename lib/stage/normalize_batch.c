/*
 * normalize_batch.c — many audio files of the normalize stage into one
 * folder: DIR/NAME.EXT each, NAME the file's path below the folder
 * holding all the inputs (the tree mirrored: dog/a.wav, cat/a.wav), made
 * unique as grym-features --npy makes its names (grym/pathname.h). Each
 * file is a job of the ordered worker pool, written atomically; the
 * reports come in input order.
 */
#include "stage/normalize_int.h"
#include "grym/pathname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct norm_file {
	char *src;              /* the file to read (stdin's copy for stdin) */
	int tmp;                /* src is a spooled temporary */
	char *name;             /* the input as named, for messages */
	char *orig;             /* its path for the output name; NULL: stdin */
	char *out;              /* DIR/NAME.EXT */
	int rc;
	grym_error err;
	grym_normalize_report rep;
};

int grym__norm_batch_add(norm_batch *b, grym_source *it, grym_error *err)
{
	char tmp[4096];
	norm_file *f;

	if (b->n == b->cap) {
		size_t c = b->cap ? 2 * b->cap : 64;
		norm_file *p = realloc(b->f, c * sizeof *p);
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		b->f = p;
		b->cap = c;
	}
	f = &b->f[b->n];
	memset(f, 0, sizeof *f);
	if (it->kind == GRYM_SOURCE_AUDIO_IN) {
		int rc = grym_source_audio_path(it, b->run->o.tmpdir, tmp, sizeof tmp, &f->tmp, err);
		if (rc != GRYM_OK)
			return rc;
		f->src = strdup(tmp);
	} else {
		f->src = strdup(it->path);
	}
	f->name = strdup(it->name);
	f->orig = it->path ? strdup(it->path) : NULL;
	b->n++;
	if (!f->src || !f->name || (it->path && !f->orig))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

/* DIR/NAME.EXT for every input. */
static int name_outputs(norm_batch *b, const char *dir, const char *ext, grym_error *err)
{
	const char **paths = calloc(b->n, sizeof *paths);
	char **names;
	int rc = GRYM_OK;

	if (!paths)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < b->n; i++)
		paths[i] = b->f[i].orig;
	names = grym_relative_names(paths, b->n, err);
	free(paths);
	if (!names)
		return err->code;
	for (size_t i = 0; i < b->n && rc == GRYM_OK; i++)
		if (!names[i] && !(names[i] = strdup("stdin")))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK && grym_names_as_files(names, b->n, err) < 0)
		rc = err->code;
	for (size_t i = 0; i < b->n && rc == GRYM_OK; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + strlen(ext) + 3;
		if (!(b->f[i].out = malloc(len)))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		else
			snprintf(b->f[i].out, len, "%s/%s.%s", dir, names[i], ext);
	}
	grym_names_free(names, b->n);
	return rc;
}

/* Normalize one file into its output, atomically; an existing output is
 * kept unless p->force (grym_pool work: the worker's cancel flag stops a
 * long file mid-way). */
static void file_job(void *ud, void *jp, grym_pool_worker *w)
{
	norm_batch *b = ud;
	norm_file *f = jp;
	grym_normalize_opts o = b->run->o;
	grym_output *out;
	const volatile sig_atomic_t *cancel = w->cancel;

	o.cancel = cancel;
	if (b->run->env->progress) {    /* the pool sums how far the running files are */
		o.progress = grym_pool_progress_cb;
		o.progress_ud = w;
	}
	if (grym_cancelled(cancel)) {
		f->rc = grym_error_set(&f->err, GRYM_ERR_INTERRUPTED, "interrupted");
		return;
	}
	if (!b->run->p->force && access(f->out, F_OK) == 0) {
		f->rc = grym_error_set(&f->err, GRYM_ERR_INVALID,
				       "%s exists: not overwritten (--force replaces it)", f->out);
		return;
	}
	if ((f->rc = grym_mkdir_parents(f->out, b->dirlen + 1, &f->err)) != GRYM_OK)
		return;
	if (!(out = grym_output_open(f->out, &f->err))) {
		f->rc = f->err.code;
		return;
	}
	f->rc = grym_normalize_file(f->src, &o, out, &f->rep, &f->err);
	if (f->rc != GRYM_OK || f->rep.skipped) {
		grym_output_abort(out);
	} else if (grym_cancelled(cancel)) {
		/* never a half-made result under its name */
		grym_output_abort(out);
		f->rc = grym_error_set(&f->err, GRYM_ERR_INTERRUPTED, "interrupted");
	} else {
		char name[4096];
		snprintf(name, sizeof name, "%s", f->out);
		if ((f->rc = grym_output_commit(out, &f->err)) != GRYM_OK)
			grym_error_prefix(&f->err, f->rc, "%s", name);
	}
	if (f->tmp)
		grym_tmp_release(f->src);
	f->tmp = 0;
}

/* The pool's progress: files done and the running ones' part. */
static void batch_progress(void *ud, double done, uint64_t total)
{
	norm_batch *b = ud;
	b->done = done;
	grym__norm_pool_progress(b->run, done, total);
}

/* Its report, in input order (grym_pool done). */
static void file_done(void *ud, void *jp)
{
	norm_batch *b = ud;
	norm_run *r = b->run;
	norm_file *f = jp;

	if (f->rc == GRYM_ERR_INTERRUPTED) {
		/* cancelled: the run says so, once */
	} else if (f->rc != GRYM_OK) {
		grym_stage_fail(r->env, f->name, &f->err);
	} else {
		grym__norm_say(r, f->name, &f->rep);
		if (!f->rep.skipped)
			grym_stage_info(r->env, 1, f->name, "written to %s", f->out);
		if (r->sink->result) {
			grym_normalize_result res = { .input = f->name,
						      .file = f->rep.skipped ? NULL : f->out,
						      .rep = &f->rep };
			r->sink->result(r->sink->ud, &res);
		}
	}
}

void grym__norm_batch_run(norm_batch *b)
{
	norm_run *r = b->run;
	const char *dir = r->sink->outdir ? r->sink->outdir : "normalized";
	grym_error err = { 0 };
	struct stat st;
	char mk[4096];
	grym_pool_opts po = { .jobs = grym_stage_workers(r->env, b->n), .work = file_job,
			      .done = file_done, .ud = b, .total = b->n, .cancel = r->env->cancel };
	grym_pool *pool;

	/* the run's type (WAV unless given): the extension follows it */
	snprintf(mk, sizeof mk, "%s/", dir);
	if (grym_mkdir_parents(mk, 0, &err) != GRYM_OK || stat(dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		if (!err.code)
			grym_error_set(&err, GRYM_ERR_IO, "not a directory");
		grym_stage_fail(r->env, dir, &err);
		return;
	}
	b->dirlen = strlen(dir);
	if (name_outputs(b, dir, grym_file_type_name(r->o.type), &err) != GRYM_OK) {
		grym_stage_fail(r->env, dir, &err);
		return;
	}
	if (r->env->progress)
		po.progress = batch_progress;
	if (!(pool = grym_pool_new(&po, &err))) {
		grym_stage_fail(r->env, NULL, &err);
		return;
	}
	for (size_t i = 0; i < b->n; i++)
		if (grym_pool_submit(pool, &b->f[i], &err) != GRYM_OK)
			break;   /* cancelled: the run says so */
	grym_pool_finish(pool, &err);
	grym_pool_free(pool);
	r->base += b->done;
}

void grym__norm_batch_free(norm_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		norm_file *f = &b->f[i];
		if (f->tmp)
			grym_tmp_release(f->src);
		free(f->src);
		free(f->name);
		free(f->orig);
		free(f->out);
	}
	free(b->f);
	b->f = NULL;
	b->n = b->cap = 0;
}
