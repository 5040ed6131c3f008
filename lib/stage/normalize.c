/*
 * normalize.c — the normalize stage as one library call
 * (grym_stage_normalize, grym/stage_normalize.h).
 *
 * The inputs come in order and each goes where it belongs: an audio input
 * alone (the sink's audio output) is a filter, audio in, audio out; other
 * audio files wait for the batch into the folder (normalize_batch.c),
 * which runs once every record is written; references to catalog assets
 * and audio records are catalog mode (normalize_catalog.c), written to
 * the records out as they come.
 */
#include "stage/normalize_int.h"
#include "grym/hash.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void grym__norm_say(const norm_run *r, const char *name, const grym_normalize_report *rep)
{
	const grym_stage_env *env = r->env;

	if (rep->silent) {
		/* Skipped: nothing came out, said even to a quiet user. Passed
		 * through: a note. */
		if (rep->skipped)
			grym_stage_info(env, -1, name, "level undefined (%s); skipped",
					grym_normalize_undefined_reason(rep));
		else
			grym_stage_info(env, 0, name, "level undefined (%s); passed through without gain",
					grym_normalize_undefined_reason(rep));
		return;
	}
	if (rep->in.short_clip && r->o.mode == GRYM_GAIN_LUFS)
		grym_stage_info(env, 1, name, "shorter than 0.4 s: loudness measured ungated over the "
				"whole clip (%.2f LUFS)", rep->in.integrated_lufs);
	if (rep->gain_lowered)
		grym_stage_info(env, 0, name, "gain lowered from %+.2f to %+.2f dB to keep the true peak "
				"at %.1f dBTP (use --limit to keep the level)",
				rep->wanted_gain_db, rep->gain_db, r->o.true_peak);
	if (rep->limited)
		grym_stage_info(env, 0, name, "limiter held the true peak at %.1f dBTP (gain %+.2f dB, "
				"up to %.2f dB of reduction)", r->o.true_peak, rep->gain_db,
				rep->limiter_db);
	grym_stage_info(env, 1, name, "measured %.2f LUFS, %.2f dBTP, %.2f dBFS peak, %.2f dBFS RMS; "
			"gain %+.2f dB; %lld frames out", rep->in.integrated_lufs,
			rep->in.true_peak_dbtp, rep->in.sample_peak_dbfs, rep->in.rms_dbfs,
			rep->gain_db, (long long)rep->frames_out);
}

void grym__norm_pool_progress(norm_run *r, double done, uint64_t total)
{
	grym_stage_progress(r->env, r->base + done, total ? (uint64_t)r->base + total : 0,
			    "normalizing");
}

/* One input's position (0..1, or negative while its length is unknown)
 * as the stage's progress: the filter's single input. */
static void one_progress(void *ud, double fraction, const char *msg)
{
	grym_stage_progress(ud, fraction > 0 ? fraction : 0, 1, msg);
}

/* An audio input alone, to the sink's audio output. GRYM_OK (the input's
 * own failure reported), or what stops the run (the output). */
static int do_filter(norm_run *r, grym_source *it, grym_error *err)
{
	char path[4096];
	int is_tmp = 0, rc;
	grym_error e = { 0 };
	grym_output *out;
	grym_normalize_report rep;
	grym_normalize_opts o = r->o;

	if (it->kind == GRYM_SOURCE_FILE)
		snprintf(path, sizeof path, "%s", it->path);
	else if (grym_source_audio_path(it, o.tmpdir, path, sizeof path, &is_tmp, &e)) {
		grym_stage_fail(r->env, it->name, &e);
		return GRYM_OK;
	}
	out = r->sink->audio(r->sink->ud, &o.type, err);
	if (!out) {
		if (is_tmp)
			grym_tmp_release(path);
		return err ? err->code : GRYM_ERR_IO;
	}
	/* one input: the progress is its position, measuring then processing */
	if (r->env->progress) {
		o.progress = one_progress;
		o.progress_ud = r->env;
	}
	rc = grym_normalize_file(path, &o, out, &rep, &e);
	if (rc == GRYM_OK)
		grym_stage_progress(r->env, 1, 1, NULL);
	if (is_tmp)
		grym_tmp_release(path);
	if (rc != GRYM_OK) {
		grym_stage_fail(r->env, it->name, &e);
		return GRYM_OK;
	}
	grym__norm_say(r, it->name, &rep);
	if (r->sink->result) {
		grym_normalize_result res = { .input = it->name, .rep = &rep };
		r->sink->result(r->sink->ud, &res);
	}
	return GRYM_OK;
}

int grym_stage_normalize(grym_stage_env *env, grym_sources *inputs,
			 const grym_normalize_params *p, const grym_normalize_sink *sink,
			 grym_error *err)
{
	norm_run r = { .env = env, .p = p, .sink = sink, .o = p->o };
	norm_cat c = { .run = &r };
	norm_batch b = { .run = &r };
	grym_source *it;
	grym_error e = { 0 };
	int rc, count = 0;

	env->ninputs = env->nfailed = 0;
	r.o.cancel = env->cancel;
	r.o.progress = NULL;
	r.o.progress_ud = NULL;
	while ((rc = grym_sources_next(inputs, &it, &e)) == GRYM_OK) {
		/* the first input, an operand itself: alone when the caller
		 * has an output for it */
		int alone = count++ == 0 && !it->nested && sink->audio;
		env->ninputs++;
		switch (it->kind) {
		case GRYM_SOURCE_ERROR:
			grym_stage_fail(env, it->name, &it->err);
			break;
		case GRYM_SOURCE_FILE:
		case GRYM_SOURCE_AUDIO_IN:
			if (alone) {
				if ((rc = do_filter(&r, it, err)) != GRYM_OK)
					return rc;
			} else if (grym__norm_batch_add(&b, it, &e) != GRYM_OK) {
				grym_stage_fail(env, it->name, &e);
			}
			break;
		default:
			grym__norm_cat_add(&c, it);
		}
	}
	/* the end of the items, or a failure that stopped the listing
	 * (cancelled: said below) */
	if (rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED)
		grym_stage_fail(env, NULL, &e);
	if (c.used)
		grym__norm_cat_finish(&c);
	if (b.n && p->output && !c.used) {
		size_t n = b.n;
		grym__norm_batch_free(&b);
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "-o names one output file: %zu audio files go to --outdir DIR", n);
	}
	if (b.n && !grym_cancelled(env->cancel))
		grym__norm_batch_run(&b);
	grym__norm_batch_free(&b);
	if (grym_cancelled(env->cancel))
		return grym_error_cancelled(err);
	return GRYM_OK;
}
