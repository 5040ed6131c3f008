/*
 * infer_audio.c — audio inputs of the infer stage: each file replayed
 * through the model's recipe (grym/replay.h) in the stage's ordered pool,
 * a run of consecutive audio inputs at a time, its vectors queued in
 * input order on the calling thread; audio on stdin or a FIFO through a
 * temporary copy.
 */
#include "infer_int.h"

#include <math.h>
#include <string.h>

#include "grym/io.h"
#include "grym/progress.h"

/* The model's pipeline as a replay (made once; its failure is reported
 * for every audio input). */
grym_replay *inf_replay(inf_run *r, grym_error *err)
{
	if (!r->replay_tried) {
		r->replay_tried = 1;
		r->replay = grym_replay_new(grym_model_pipeline(r->m), NULL, &r->replay_err);
		/* audio at another rate than the training data's is resampled
		 * to it, never scored at its own */
		if (r->replay && grym_replay_set_rate(r->replay, grym_model_rate(r->m),
						      &r->replay_err) != GRYM_OK) {
			grym_replay_free(r->replay);
			r->replay = NULL;
		}
		if (r->replay)  /* the cancel flag stops a long file mid-replay */
			grym_replay_set_cancel(r->replay, r->env->cancel);
		if (!r->replay)
			grym_error_prefix(&r->replay_err, r->replay_err.code, "the model's recipe");
	}
	if (!r->replay && err)
		*err = r->replay_err;
	return r->replay;
}

typedef struct audio_run {
	inf_run *r;
	const grym_replay *rp;
	int fatal;              /* the output failed: the rest is dropped */
	grym_error err;         /* why */
	uint64_t base;          /* inputs done before this run, for progress */
} audio_run;

/* One file replayed (grym_pool work, in a worker thread). */
static void audio_job(void *ud, void *jp, grym_pool_worker *w)
{
	audio_run *a = ud;
	inf_audio_item *it = jp;
	/* the pool sums how far each running replay is */
	it->rc = grym_replay_file_progress(a->rp, it->path,
					   a->r->env->progress ? grym_pool_progress_cb : NULL, w,
					   &it->res, &it->err);
}

/* The pool's progress: audio files done and the fractions of those under
 * way (on the calling thread). */
static void audio_progress(void *ud, double done, uint64_t total)
{
	audio_run *a = ud;
	(void)total;
	grym_stage_progress(a->r->env, (double)a->base + done, a->r->env->total, NULL);
}

/* Its vectors queued, in input order on the calling thread (grym_pool
 * done). */
static void audio_done(void *ud, void *jp)
{
	audio_run *a = ud;
	inf_audio_item *it = jp;
	if (a->fatal)
		return;
	if (it->rc) {
		grym_stage_fail(a->r->env, it->key, &it->err);
		return;
	}
	int seg = grym_replay_segmented(a->rp);
	for (size_t k = 0; k < it->res.n && !a->fatal; k++)
		if (inf_push(a->r, it->key, it->res.x + k * it->res.dims, it->res.dims, "",
			     seg ? it->res.start[k] : NAN, seg ? it->res.end[k] : NAN, &a->err)) {
			inf_output_failed(a->r, a->err.code, &a->err);
			a->fatal = 1;
		}
	grym_replay_result_clear(&it->res);
}

int inf_audio(inf_run *r, inf_audio_item *items, size_t n, grym_error *err)
{
	grym_error e = { 0 };
	grym_replay *rp = inf_replay(r, &e);
	if (!rp) {
		for (size_t i = 0; i < n; i++)
			grym_stage_fail(r->env, items[i].key, &e);
		return GRYM_OK;
	}
	audio_run a = { r, rp, 0, { 0 }, r->ndone };
	grym_pool_opts po = { .jobs = grym_stage_workers(r->env, n), .work = audio_job,
			      .done = audio_done, .ud = &a, .cancel = r->env->cancel,
			      .progress = r->env->progress ? audio_progress : NULL };
	grym_pool *p = grym_pool_new(&po, err);
	int rc = p ? GRYM_OK : err->code;
	for (size_t i = 0; i < n && !rc && !a.fatal; i++)
		rc = grym_pool_submit(p, &items[i], err);
	if (p && !rc)
		rc = grym_pool_finish(p, err);
	grym_pool_free(p);
	r->ndone += n;
	grym_stage_progress(r->env, (double)r->ndone, r->env->total, NULL);
	for (size_t i = 0; i < n; i++)
		grym_replay_result_clear(&items[i].res);
	if (a.fatal) {
		*err = a.err;
		return a.err.code ? a.err.code : GRYM_ERR_INTERNAL;
	}
	if (rc)         /* cancelled, or out of memory */
		return rc;
	rc = inf_flush(r, err);
	return rc ? inf_output_failed(r, rc, err) : GRYM_OK;
}

/* Audio on stdin or a FIFO: copied to a temporary file (the normalize
 * stage reads its input twice; a regular file on stdin is reopened
 * instead), replayed, removed. */
int inf_audio_in(inf_run *r, grym_source *it, grym_error *err)
{
	char path[4096];
	int is_tmp = 0;
	grym_error e = { 0 };
	if (grym_source_audio_path(it, NULL, path, sizeof path, &is_tmp, &e) != GRYM_OK) {
		grym_stage_fail(r->env, it->name, &e);
		return GRYM_OK;
	}
	inf_audio_item ai;
	memset(&ai, 0, sizeof ai);
	ai.path = path;
	ai.key = it->name;
	int rc = inf_audio(r, &ai, 1, err);
	if (is_tmp)
		grym_tmp_release(path);
	return rc;
}
