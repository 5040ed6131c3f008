/*
 * features_stage.c — grym_stage_features (grym/stage_features.h): the
 * inputs read and named, then run through the ordered worker pool, each
 * result handed to the sink in input order on the calling thread.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_int.h"
#include "grym/progress.h"

int grym_stage_features_check(const grym_features_params *fp, grym_error *err)
{
	const grym_features_plan *p = &fp->plan;
	if (p->segment_hop > 0 && p->segment <= 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "--segment-hop needs --segment");
	/* the extractor's parameters, once up front, so a bad value is a
	 * usage error rather than a failure of every input; rate-dependent
	 * limits (fmax, contrast bands) wait for the input */
	grym_feature chk[GRYM_FEAT_COUNT];
	int nchk = 0;
	for (int i = 0; i < p->nlist; i++)
		if (p->list[i] != GRYM_FEAT_CONTRAST && p->list[i] != GRYM_FEAT_YIN)
			chk[nchk++] = p->list[i];
	if (p->nlist == 0)
		chk[nchk++] = GRYM_FEAT_MFCC;
	grym_features_opts o = p->fo;
	if (!p->rate && o.mel.fmax > 0)
		o.mel.fmax = 0;
	if (!nchk)
		return GRYM_OK;
	grym_error e = { 0 };
	grym_extractor *ex = grym_extractor_new(&o, p->rate ? p->rate : 192000, chk, nchk, &e);
	if (!ex)
		return grym_error_set(err, GRYM_ERR_INVALID, "%s", e.msg);
	grym_extractor_free(ex);
	return GRYM_OK;
}

/* Why job j failed: its result's error, or "out of memory" when even
 * the result could not be allocated (in tmp). */
static const grym_error *job_error(const gfs_job *j, grym_error *tmp)
{
	if (j->r)
		return &j->r->err;
	grym_error_set(tmp, GRYM_ERR_NOMEM, "out of memory");
	return tmp;
}

/* A sink's failure that stops the stage: kept (with the output's name)
 * for the call to return. */
static void output_failed(gfs_ctx *x, const grym_error *e)
{
	x->out_failed = 1;
	x->out_err = *e;
	if (x->sink->name)
		grym_error_prefix(&x->out_err, e->code, "%s", x->sink->name);
}

/* A job's result out, in input order (grym_pool done, on the calling
 * thread): its notes, then its result or its error; then it is freed, so
 * only the pool's window (2 x -j jobs) holds results. */
static void job_done(void *ud, void *jp)
{
	gfs_ctx *x = ud;
	gfs_job *j = jp;
	grym_error tmp;
	for (int i = 0; j->r && i < j->r->nnotes; i++)
		grym_stage_info(x->env, j->r->note_level[i], j->name, "%s", j->r->note[i]);
	if (j->rc) {
		grym_stage_fail(x->env, j->name, job_error(j, &tmp));
	} else if (!x->out_failed) {
		grym_features_result r;
		grym_error e2 = { 0 };
		gfs_result_view(x, j, &r);
		if (x->sink->write(x->sink->ud, &r, &e2)) {
			if (x->sink->per_input)
				grym_stage_fail(x->env, j->name, &e2);
			else
				output_failed(x, &e2);
		}
	}
	gfs_job_free(j);
}

/* A job that never started (cancelled first, or the output failed): an
 * input that had failed already still says so; the others end silently,
 * the call's status tells. */
static void job_discard(void *ud, void *jp)
{
	gfs_ctx *x = ud;
	gfs_job *j = jp;
	grym_error tmp;
	if (j->failed)
		grym_stage_fail(x->env, j->name, job_error(j, &tmp));
	gfs_job_free(j);
}

/* The pool's progress (inputs done plus the running ones' part), with
 * the word the running jobs last said, on the calling thread. */
static void job_progress(void *ud, double done, uint64_t total)
{
	gfs_ctx *x = ud;
	char word[sizeof x->word];
	pthread_mutex_lock(&x->word_lock);
	memcpy(word, x->word, sizeof word);
	pthread_mutex_unlock(&x->word_lock);
	grym_stage_progress(x->env, done, total, word[0] ? word : NULL);
}

/* The jobs through the pool; returns what stops the stage (the pool, the
 * cancel flag), the output's failure being kept in x. */
static int run_pool(gfs_ctx *x, grym_error *err)
{
	int nth = grym_stage_workers(x->env, x->njobs);
	grym_pool_opts po = { .jobs = nth, .work = gfs_work, .done = job_done,
			      .discard = job_discard, .progress = x->report ? job_progress : NULL,
			      .ud = x, .total = x->njobs, .cancel = x->env->cancel };
	grym_pool *pool = NULL;
	size_t next = 0;
	int rc = GRYM_OK;

	if (!(x->ws = calloc((size_t)nth, sizeof *x->ws)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	else if (!(pool = grym_pool_new(&po, err)))
		rc = err->code;
	if (pool) {
		for (; next < x->njobs && !x->out_failed; next++)
			if ((rc = grym_pool_submit(pool, &x->jobs[next], err)) != GRYM_OK)
				break;
		if (next == x->njobs && rc == GRYM_OK)
			rc = grym_pool_finish(pool, err);
		grym_pool_free(pool);
	}
	/* what was never submitted (cancelled, the output failed, no pool) */
	for (size_t i = next; i < x->njobs; i++) {
		if (pool)
			job_discard(x, &x->jobs[i]);
		else
			gfs_job_free(&x->jobs[i]);
	}
	for (int i = 0; x->ws && i < nth; i++)
		grym_catalog_close(x->ws[i].cat);
	free(x->ws);
	x->ws = NULL;
	return rc;
}

int grym_stage_features(grym_stage_env *env, grym_sources *inputs, const grym_features_params *fp,
			const grym_features_sink *sink, grym_error *err)
{
	gfs_ctx x;
	int rc;

	if (!env || !inputs || !fp || !sink || !sink->write)
		return grym_error_set(err, GRYM_ERR_INVALID, "features stage: no env, inputs, "
				      "parameters or sink");
	if (grym_cancelled(env->cancel))
		return grym_error_cancelled(err);
	if ((rc = grym_stage_features_check(fp, err)))
		return rc;
	memset(&x, 0, sizeof x);
	x.env = env;
	x.fp = fp;
	x.sink = sink;
	x.p = fp->plan;
	if (x.p.nlist == 0)
		x.p.list[x.p.nlist++] = GRYM_FEAT_MFCC;
	x.dec.rate = x.p.rate;
	x.dec.offset = x.p.offset;
	x.dec.duration = x.p.duration;
	x.report = env->progress != NULL;
	pthread_mutex_init(&x.word_lock, NULL);

	/* all inputs first: a file's key depends on the others */
	int read_rc = gfs_read_inputs(&x, inputs, err);
	if (read_rc == GRYM_OK) {
		if ((rc = gfs_name_files(&x, err)) == GRYM_OK && sink->file_names)
			rc = gfs_name_npy(&x, err) < 0 ? err->code : GRYM_OK;
		if (rc)
			read_rc = grym_error_prefix(err, rc, "naming outputs");
	}
	if (read_rc == GRYM_OK && sink->begin && (rc = sink->begin(sink->ud, x.njobs, err))) {
		if (sink->name)
			grym_error_prefix(err, rc, "%s", sink->name);
		read_rc = rc;
	}
	if (read_rc != GRYM_OK) {
		/* cancelled while reading: the inputs that failed say so */
		for (size_t i = 0; i < x.njobs; i++) {
			if (read_rc == GRYM_ERR_CANCELLED)
				job_discard(&x, &x.jobs[i]);
			else
				gfs_job_free(&x.jobs[i]);
		}
		free(x.jobs);
		pthread_mutex_destroy(&x.word_lock);
		return read_rc;
	}

	/* the features' matrix products single-threaded: -j is the
	 * parallelism, and OpenBLAS's threads on top would oversubscribe */
	openblas_set_num_threads(1);
	rc = run_pool(&x, err);
	free(x.jobs);
	pthread_mutex_destroy(&x.word_lock);
	if (rc == GRYM_OK && grym_cancelled(env->cancel))
		rc = grym_error_cancelled(err);
	if (rc == GRYM_OK && x.out_failed) {
		*err = x.out_err;
		rc = x.out_err.code;
	}
	return rc;
}
