/*
 * replay.c — a model's pipeline run on an audio file (see grym/replay.h).
 *
 * Why a folder of its own: replaying needs the decoder (lib/audio), the
 * normalization (lib/stage) and the extractor (lib/features), while lib/ml
 * only needs vectors; putting the replay above all of them keeps lib/ml
 * free of audio. Nothing here knows how a recipe is spelled: the stages
 * are read back by their own modules' inverse functions.
 *
 * The replay follows the catalog route of the pipeline exactly
 * (grym-ingest stores the file's bytes; grym-normalize runs
 * grym_normalize_file on them into a file of the recipe's type and bits;
 * grym-features decodes that file mono at the recipe's rate, offset and
 * duration): so a file scored here gets the very vector it would have got
 * through the pipeline.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "grym/audio.h"
#include "grym/dsp.h"
#include "grym/normalize_params.h"
#include "grym/stage_normalize.h"
#include "grym/features.h"
#include "grym/features_file.h"
#include "grym/io.h"
#include "grym/progress.h"
#include "grym/replay.h"

#define STAGES_MAX 16

struct grym_replay {
	grym_normalize_opts norm[STAGES_MAX];
	int nnorm;
	grym_features_plan plan;
	char *tmpdir;
};

grym_replay *grym_replay_new(const json_t *pipeline, const char *tmpdir, grym_error *err)
{
	grym_replay *r;
	const json_t *st;
	size_t i, n;
	int have_features = 0, rc;

	if (!json_is_array(pipeline) || json_array_size(pipeline) == 0) {
		grym_error_set(err, GRYM_ERR_FORMAT, "no pipeline recorded: nothing to replay on audio");
		return NULL;
	}
	if (!(r = calloc(1, sizeof *r))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (tmpdir && !(r->tmpdir = strdup(tmpdir))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	n = json_array_size(pipeline);
	json_array_foreach((json_t *)pipeline, i, st) {
		const char *name = json_string_value(json_object_get(st, "stage"));
		if (!name) {
			grym_error_set(err, GRYM_ERR_FORMAT, "pipeline stage %zu has no \"stage\" name", i + 1);
			goto fail;
		}
		if (have_features) {
			grym_error_set(err, GRYM_ERR_UNSUPPORTED,
				       "pipeline stage %zu \"%s\" comes after the features stage", i + 1, name);
			goto fail;
		}
		if (!strcmp(name, "normalize")) {
			if (r->nnorm == STAGES_MAX) {
				grym_error_set(err, GRYM_ERR_LIMIT, "more than %d normalize stages", STAGES_MAX);
				goto fail;
			}
			r->norm[r->nnorm].tmpdir = NULL;
			if ((rc = grym_normalize_opts_from_recipe(st, &r->norm[r->nnorm], err)) != GRYM_OK) {
				grym_error_prefix(err, rc, "pipeline stage %zu", i + 1);
				goto fail;
			}
			r->norm[r->nnorm].tmpdir = r->tmpdir;
			r->nnorm++;
		} else if (!strcmp(name, "features")) {
			if ((rc = grym_features_plan_from_recipe(st, &r->plan, err)) != GRYM_OK) {
				grym_error_prefix(err, rc, "pipeline stage %zu", i + 1);
				goto fail;
			}
			if (!r->plan.summary && !(r->plan.segment > 0)) {
				grym_error_set(err, GRYM_ERR_UNSUPPORTED,
					       "pipeline stage %zu: features are frame matrices, not "
					       "--summary or --segment vectors", i + 1);
				goto fail;
			}
			have_features = 1;
		} else {
			grym_error_set(err, GRYM_ERR_UNSUPPORTED,
				       "pipeline stage %zu \"%s\": cannot replay it on audio "
				       "(known stages: normalize, features)", i + 1, name);
			goto fail;
		}
	}
	if (!have_features) {
		grym_error_set(err, GRYM_ERR_FORMAT, "pipeline of %zu stages has no features stage", n);
		goto fail;
	}
	return r;
fail:
	grym_replay_free(r);
	return NULL;
}

void grym_replay_set_cancel(grym_replay *r, const volatile sig_atomic_t *cancel)
{
	for (int i = 0; i < r->nnorm; i++)
		r->norm[i].cancel = cancel;
	r->plan.fo.cancel = cancel;
}

int grym_replay_set_rate(grym_replay *r, int rate, grym_error *err)
{
	if (rate <= 0)
		return GRYM_OK;
	if (r->plan.rate > 0 && r->plan.rate != rate)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "the features stage analyses at %d Hz, the model was trained at %d Hz",
				      r->plan.rate, rate);
	/* "rate": 0 (native) in the recipe: the training audio's native rate
	 * is the one the model knows, so other audio is resampled to it */
	r->plan.rate = rate;
	return GRYM_OK;
}

void grym_replay_free(grym_replay *r)
{
	if (!r)
		return;
	free(r->tmpdir);
	free(r);
}

int grym_replay_segmented(const grym_replay *r)
{
	return r->plan.segment > 0;
}

void grym_replay_result_clear(grym_replay_result *res)
{
	free(res->x);
	free(res->start);
	free(res->end);
	json_decref(res->names);
	memset(res, 0, sizeof *res);
}

/* One normalize stage: in -> a new unnamed temporary file (its
 * /proc/self/fd path in out, ended by grym_tmp_release), so a kill
 * mid-run leaves nothing in TMPDIR. */
static int run_normalize(const grym_normalize_opts *o, const char *in, char *out, size_t len,
			 grym_error *err)
{
	grym_normalize_report rep;
	grym_output *w;
	int rc;

	if (!(w = grym_output_open_tmp(o->tmpdir, "grym-replay", out, len, err)))
		return err ? err->code : GRYM_ERR_IO;
	rc = grym_normalize_file(in, o, w, &rep, err);
	if (rc == GRYM_OK && rep.skipped) {
		grym_output_abort(w);
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "silent: the model's normalize recipe skips silence (on_silence skip)");
	}
	if (rc != GRYM_OK) {
		grym_output_abort(w);
		return rc;
	}
	return grym_output_commit(w, err);
}

/* The extractor's sink: frame matrices, or only a clip summary's
 * streaming moments (as grym-features keeps them). */
typedef struct sink_state {
	grym_fmat m[GRYM_FEAT_COUNT];
	grym_moments *mo[GRYM_FEAT_COUNT];
	int keep_matrix;
} sink_state;

static int col_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	sink_state *s = ud;
	if (s->keep_matrix)
		return grym_fmat_alloc(&s->m[f], frames, dims, err);
	s->m[f].frames = frames;
	s->m[f].dims = dims;
	s->mo[f] = grym_moments_new(dims, err);
	return s->mo[f] ? GRYM_OK : (err ? err->code : GRYM_ERR_NOMEM);
}

static int col_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		    grym_error *err)
{
	sink_state *s = ud;
	(void)err;
	if (s->mo[f])
		grym_moments_add(s->mo[f], rows, n);
	else
		memcpy(s->m[f].data + first * s->m[f].dims, rows, (size_t)n * s->m[f].dims * sizeof *rows);
	return GRYM_OK;
}

/* Decode path as grym-features decodes a file, extract, summarise. */
static int run_features(const grym_features_plan *p, const char *path, grym_progress_span *span,
			grym_replay_result *res, grym_error *err)
{
	grym_decode_opts dec;
	grym_features_opts fo = p->fo;
	sink_state s;
	int64_t samples = 0, frames = 0, k;
	size_t cap = 0;
	double rate = 0;
	int rc = GRYM_OK;

	memset(&s, 0, sizeof s);
	memset(&dec, 0, sizeof dec);
	dec.rate = p->rate;
	dec.offset = p->offset;
	dec.duration = p->duration;
	if (span->fn) {
		fo.progress = grym_progress_span_fn;
		fo.progress_ud = span;
	}
	s.keep_matrix = p->segment > 0 || !p->summary || !grym_stats_are_moments(p->stats, p->nstats);
	{
		grym_feature_sink sink = { col_begin, col_rows, NULL, &s };
		if ((rc = grym_features_file(path, &dec, &fo, p->list, p->nlist, &sink, &rate,
					     &samples, err)) != GRYM_OK)
			goto done;
	}
	for (int i = 0; i < p->nlist; i++)
		if (s.m[p->list[i]].frames > frames)
			frames = s.m[p->list[i]].frames;
	res->dims = grym_features_vector_len(p, s.m);
	res->rate = rate;
	if (!(res->names = grym_features_names(p, s.m, 1))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (k = 0; rc == GRYM_OK; k++) {
		double start, end;
		int64_t t0, t1;
		int win = grym_features_window(p, rate, samples, frames, k, &start, &end, &t0, &t1);
		if (win < 0)
			break;
		if (win == 0)
			continue;
		if (res->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			float *nx = realloc(res->x, nc * (res->dims ? res->dims : 1) * sizeof *nx);
			if (nx)
				res->x = nx;
			double *ns = nx ? realloc(res->start, nc * sizeof *ns) : NULL;
			if (ns)
				res->start = ns;
			double *ne = ns ? realloc(res->end, nc * sizeof *ne) : NULL;
			if (ne)
				res->end = ne;
			if (!ne) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			cap = nc;
		}
		rc = grym_features_vector(p, s.m, s.mo, t0, t1, res->x + res->n * res->dims, err);
		res->start[res->n] = start;
		res->end[res->n] = end;
		res->n++;
	}
	if (rc == GRYM_OK && res->n == 0)
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "no window of the clip holds a frame");
done:
	for (int i = 0; i < GRYM_FEAT_COUNT; i++) {
		grym_fmat_clear(&s.m[i]);
		grym_moments_free(s.mo[i]);
	}
	return rc;
}

int grym_replay_file(const grym_replay *r, const char *path, grym_replay_result *res,
		     grym_error *err)
{
	return grym_replay_file_progress(r, path, NULL, NULL, res, err);
}

int grym_replay_file_progress(const grym_replay *r, const char *path, grym_progress_fn fn,
			      void *ud, grym_replay_result *res, grym_error *err)
{
	char tmp[2][4096] = { "", "" };
	const char *cur = path;
	int rc = GRYM_OK, t = 0, nst = r->nnorm + 1;
	grym_progress_span span = { fn, ud, 0, 0, "" };

	memset(res, 0, sizeof *res);
	/* every stage an equal share of the file's progress */
	for (int i = 0; i < r->nnorm && rc == GRYM_OK; i++) {
		grym_normalize_opts o = r->norm[i];
		span.lo = (double)i / nst;
		span.hi = (double)(i + 1) / nst;
		if (fn) {
			o.progress = grym_progress_span_fn;
			o.progress_ud = &span;
		}
		rc = run_normalize(&o, cur, tmp[t], sizeof tmp[t], err);
		if (rc != GRYM_OK)
			break;
		cur = tmp[t];
		t ^= 1;
		if (tmp[t][0])          /* the stage before last is not needed any more */
			grym_tmp_release(tmp[t]);
	}
	span.lo = (double)r->nnorm / nst;
	span.hi = 1.0;
	if (rc == GRYM_OK)
		rc = run_features(&r->plan, cur, &span, res, err);
	for (int i = 0; i < 2; i++)
		grym_tmp_release(tmp[i]);
	if (rc != GRYM_OK)
		grym_replay_result_clear(res);
	return rc;
}
