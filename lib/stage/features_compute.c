/*
 * features_compute.c — one input of the features stage, on a pool
 * worker: decode and analyse it (a file, an asset's object, an audio
 * record's samples), or in catalog mode take each feature from the
 * catalog when it is stored under its recipe and store what had to be
 * computed. No algorithm lives here: every number comes from lib/features.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_int.h"
#include "grym/audio.h"
#include "grym/features_file.h"
#include "grym/progress.h"
#include "grym/store.h"
#include "core/error_int.h"

/* A line for the user, kept with the result: env->info is called on the
 * calling thread, in input order, when the result is handed on. */
static void note(gfs_job *j, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (j->r->nnotes >= (int)(sizeof j->r->note / sizeof j->r->note[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	j->r->note_level[j->r->nnotes] = level;
	if ((j->r->note[j->r->nnotes] = strdup(msg)))
		j->r->nnotes++;
}

/* The lib/ calls' progress: the position within the job's input goes to
 * the pool, which sums the running jobs for env->progress; the word
 * ("analysing", a feature's name, the seconds analysed of a pipe) is
 * kept for the next report. On the job's worker thread. */
static void job_progress(void *ud, double fraction, const char *msg)
{
	gfs_job *j = ud;
	gfs_ctx *x = j->x;
	grym_pool_progress(j->w, fraction);
	if (msg) {
		pthread_mutex_lock(&x->word_lock);
		snprintf(x->word, sizeof x->word, "%s", msg);
		pthread_mutex_unlock(&x->word_lock);
	}
}

/* The extractor's sink: the frame matrix when the output needs it, else
 * only the streaming moments of a clip summary (an hour of stft_mag
 * summarised never sits in memory). */
static int col_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	gfs_job *j = ud;
	if (j->r->keep_matrix)
		return grym_fmat_alloc(&j->r->m[f], frames, dims, err);
	j->r->m[f].frames = frames;
	j->r->m[f].dims = dims;
	j->r->mo[f] = grym_moments_new(dims, err);
	return j->r->mo[f] ? GRYM_OK : err->code;
}

static int col_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		    grym_error *err)
{
	(void)err;
	gfs_job *j = ud;
	if (j->r->mo[f])
		grym_moments_add(j->r->mo[f], rows, n);
	else
		memcpy(j->r->m[f].data + first * j->r->m[f].dims, rows, (size_t)n * j->r->m[f].dims * sizeof *rows);
	return GRYM_OK;
}

/* An audio record's samples through the extractor: mono mixdown (channel
 * mean), the plan's offset and duration. */
static int analyse_payload(gfs_ctx *x, gfs_job *j, const grym_features_opts *fo,
			   const grym_feature *list, int n, const grym_feature_sink *sink,
			   grym_error *err)
{
	int rate = j->prate, channels = j->pchannels;
	if (x->dec.rate && x->dec.rate != rate)
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
				      "audio record at %d Hz: --rate %d resamples files and catalog "
				      "assets only", rate, x->dec.rate);
	j->r->rate = rate;
	grym_extractor *ex = grym_extractor_new(fo, rate, list, n, err);
	if (!ex)
		return err->code;
	int rc = GRYM_OK;
	int64_t first = (int64_t)llround(x->dec.offset * rate), last = j->pframes;
	if (x->dec.duration > 0 && first + (int64_t)llround(x->dec.duration * rate) < last)
		last = first + (int64_t)llround(x->dec.duration * rate);
	enum { BLOCK = 65536 };
	float *mono = malloc(BLOCK * sizeof *mono);
	if (!mono)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (int64_t t = first; rc == GRYM_OK && t < last; t += BLOCK) {
		int64_t m = last - t < BLOCK ? last - t : BLOCK;
		for (int64_t i = 0; i < m; i++) {
			double acc = 0;
			for (int ch = 0; ch < channels; ch++)
				acc += j->payload[(t + i) * channels + ch];
			mono[i] = (float)(acc / channels);
		}
		rc = grym_extractor_feed(ex, mono, (size_t)m, err);
		if (x->report)
			job_progress(j, 0.9 * (double)(t + m - first) / (double)(last - first), "analysing");
	}
	free(mono);
	if (rc == GRYM_OK) {
		j->r->samples = grym_extractor_samples(ex);
		rc = grym_extractor_finish(ex, sink, err);
	}
	grym_extractor_free(ex);
	return rc;
}

static int analyse(gfs_ctx *x, gfs_job *j, const char *path, const grym_feature *list, int n,
		   grym_error *err)
{
	/* the cancel flag stops the decoding and the extractor within a
	 * frame; progress hears how far into the file this job is */
	grym_features_opts fo = x->p.fo;
	fo.cancel = j->w->cancel;
	if (x->report) {
		fo.progress = job_progress;
		fo.progress_ud = j;
	}
	grym_feature_sink sink = { col_begin, col_rows, NULL, j };
	if (path)
		return grym_features_file(path, &x->dec, &fo, list, n, &sink, &j->r->rate, &j->r->samples,
					  err);
	return analyse_payload(x, j, &fo, list, n, &sink, err);
}

/* Store feature f's matrix, computed for the asset, under its recipe's
 * id (over a damaged object when replace). */
static int store_feature(gfs_ctx *x, gfs_job *j, grym_catalog *cat, grym_feature f,
			 const char *id, int replace, grym_error *err)
{
	static const grym_stat ms[2] = { GRYM_STAT_MEAN, GRYM_STAT_STD };
	grym_fmat *m = &j->r->m[f];
	grym_feature_set fs;
	memset(&fs, 0, sizeof fs);
	if (m->frames > INT_MAX)
		return GRYM_OK;  /* too long for the catalog's row: computed, not stored */
	float sum[2 * 4096];
	int dims = m->dims;
	float *summ = dims <= 4096 ? sum : malloc(2 * (size_t)dims * sizeof *summ);
	if (!summ)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int rc = grym_fmat_summary(m, 0, m->frames, ms, 2, summ, err);
	if (rc == GRYM_OK)
		rc = (replace ? grym_store_restore : grym_store_put)(grym_catalog_store(cat), m->data,
				    (size_t)m->frames * dims * sizeof(float), fs.object, err);
	if (rc == GRYM_OK) {
		json_t *r = grym_features_recipe(&x->p, f);
		char *canon = grym_recipe_canonical(r);
		json_decref(r);
		memcpy(fs.id, id, sizeof fs.id);
		memcpy(fs.asset, j->asset, sizeof fs.asset);
		fs.extractor = canon;
		fs.frames = (int)m->frames;
		fs.dims = dims;
		fs.summary = summ;
		fs.summary_len = 2 * dims;
		rc = canon ? grym_catalog_put_features(cat, &fs, err)
			   : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		free(canon);
	}
	if (summ != sum)
		free(summ);
	return rc;
}

/* Catalog: look each feature up; compute what is missing (decoding path,
 * or the payload when NULL); store it. */
static int compute_job(gfs_ctx *x, gfs_job *j, grym_catalog *cat, const char *path, grym_error *err)
{
	const grym_features_plan *p = &x->p;
	grym_feature missing[GRYM_FEAT_COUNT];
	char ids[GRYM_FEAT_COUNT][GRYM_ID_LEN + 1];
	int damaged[GRYM_FEAT_COUNT] = { 0 };   /* cached object found damaged */
	int nmiss = 0, rc;
	for (int i = 0; i < p->nlist; i++) {
		grym_feature f = p->list[i];
		if (!cat || !j->asset[0]) {
			missing[nmiss++] = f;
			continue;
		}
		json_t *r = grym_features_recipe(p, f);
		rc = grym_id_derived(j->asset, r, ids[f], err);
		json_decref(r);
		if (rc)
			return rc;
		grym_feature_set fs;
		memset(&fs, 0, sizeof fs);
		grym_error e2 = { 0 };
		int found = 0;
		if (!x->fp->recompute && grym_catalog_get_features(cat, ids[f], &fs, &e2) == GRYM_OK &&
		    fs.object[0] && fs.dims > 0) {
			/* its size checked, and its hash with --verify */
			float *data = grym_catalog_feature_matrix(cat, &fs, &e2);
			int frc = data ? GRYM_OK : e2.code;
			if (frc == GRYM_OK) {
				j->r->m[f].data = data;
				j->r->m[f].frames = fs.frames;
				j->r->m[f].dims = fs.dims;
				found = 1;
			} else if (frc == GRYM_ERR_CORRUPT) {
				/* a cache: the asset is the truth, so the
				 * features are computed again and the object
				 * stored over the damaged one */
				note(j, 0, "%s: %s; recomputed", grym_feature_name(f), e2.msg);
				damaged[f] = 1;
			} else if (frc != GRYM_ERR_NOTFOUND) {
				grym_feature_set_clear(&fs);
				*err = e2;
				return frc;
			}
		}
		grym_feature_set_clear(&fs);
		if (!found)
			missing[nmiss++] = f;
	}
	if (nmiss == 0) {
		grym_asset a;
		grym_asset_init(&a);
		if (grym_catalog_get_asset(cat, j->asset, &a, err) == GRYM_OK) {
			if (j->r->rate == 0)
				j->r->rate = x->dec.rate ? x->dec.rate : a.sample_rate;
			/* the clip's length in samples ends the last window as a
			 * computed run would; it is known exactly only when the
			 * asset is analysed whole at its own rate */
			if (!x->dec.rate && x->dec.offset == 0 && x->dec.duration <= 0)
				j->r->samples = a.frames;
		}
		grym_asset_clear(&a);
		if (p->segment > 0 && j->r->samples <= 0) {
			/* windows need it: compute instead */
			for (int i = 0; i < p->nlist; i++) {
				grym_fmat_clear(&j->r->m[p->list[i]]);
				missing[nmiss++] = p->list[i];
			}
		} else {
			note(j, 1, "all features from the catalog");
			return GRYM_OK;
		}
	}
	/* catalog assets keep their matrices (they are stored), and so do
	 * frame matrices, windows and percentiles */
	j->r->keep_matrix = (cat && j->asset[0]) || p->segment > 0 || !p->summary ||
		!grym_stats_are_moments(p->stats, p->nstats);
	if ((rc = analyse(x, j, path, missing, nmiss, err)))
		return rc;
	if (!cat || !j->asset[0])
		return GRYM_OK;
	/* cancelled after the analysis: nothing stored, no row */
	if (grym_cancelled(j->w->cancel))
		return grym_error_cancelled(err);
	for (int i = 0; i < nmiss; i++)
		if ((rc = store_feature(x, j, cat, missing[i], ids[missing[i]], damaged[missing[i]], err)))
			return rc;
	return GRYM_OK;
}

/* A job; an asset's object is opened through the store first (its size
 * checked, its hash with --verify, also when every feature comes from the
 * catalog) and held open while the decoder reads it by the name of its
 * open file, one per worker at a time. */
static int run_job(gfs_ctx *x, gfs_job *j, grym_catalog *cat, grym_error *err)
{
	grym_store_reader *obj = NULL;
	char objpath[64];
	int rc;

	if (!j->object)
		return compute_job(x, j, cat, j->path, err);
	grym_asset a;
	grym_asset_init(&a);
	rc = grym_catalog_get_asset(cat, j->asset, &a, err);
	if (rc == GRYM_OK &&
	    !(obj = grym_catalog_open_asset_object(cat, &a, objpath, sizeof objpath, err)))
		rc = grym__status(err);
	grym_asset_clear(&a);
	if (rc == GRYM_OK)
		rc = compute_job(x, j, cat, objpath, err);
	grym_store_reader_close(obj);
	return rc;
}

/* One job (grym_pool work, on a worker thread): the analysis, then what
 * the sink is given (gfs_finish_result), so done() only hands it on. */
void gfs_work(void *ud, void *jp, grym_pool_worker *w)
{
	gfs_ctx *x = ud;
	gfs_job *j = jp;
	gfs_worker *ws = &x->ws[w->index];
	if (j->failed)
		return;     /* failed while reading the input: done() says so */
	if (!(j->r = calloc(1, sizeof *j->r))) {
		j->rc = GRYM_ERR_NOMEM;     /* done() says so */
		return;
	}
	j->w = w;
	/* OpenBLAS's own threads would multiply -j's (the stage calls it
	 * single-threaded for the driver too) */
	if (!ws->blas_set && x->env->jobs > 1) {
		ws->blas_set = 1;
		openblas_set_num_threads(1);
	}
	if (j->asset[0] && !ws->cat_tried && !grym_cancelled(w->cancel)) {
		ws->cat_tried = 1;
		ws->cat = grym_catalog_open(x->env->catalog_dir, &j->r->err);
		if (ws->cat)
			grym_catalog_set_verify(ws->cat, x->fp->verify);
	}
	if (grym_cancelled(w->cancel))   /* cancelled: start no new input */
		j->rc = grym_error_cancelled(&j->r->err);
	else if (j->asset[0] && !ws->cat)
		j->rc = j->r->err.code ? j->r->err.code : GRYM_ERR_DB;
	else
		j->rc = run_job(x, j, ws->cat, &j->r->err);
	if (j->rc == GRYM_OK)
		j->rc = gfs_finish_result(x, j, &j->r->err);
}
