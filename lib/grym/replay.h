/*
 * replay.h — a model's recipe applied to raw audio.
 *
 * Every record carries "pipeline", the recipe objects its stages appended
 * ({"stage":"normalize",...}, {"stage":"features",...}), and a model
 * keeps the pipeline of its training records. A grym_replay is that array
 * read back into stage options (grym_normalize_opts_from_recipe,
 * grym_features_plan_from_recipe: the one spelling of each recipe), and
 * grym_replay_file runs it on an audio file: decode, each normalize stage
 * in turn, then the features stage's summary vector(s) — the numbers the
 * pipeline grym-ingest | grym-normalize | grym-features would have given.
 *
 * A grym_replay is read-only after _new: one may serve many threads, each
 * calling grym_replay_file with its own result. Intermediate audio goes
 * through temporary files in tmpdir (grym_normalize_file writes files);
 * they are removed before the call returns.
 */
#ifndef GRYM_REPLAY_H
#define GRYM_REPLAY_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stddef.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/progress.h"

#ifdef __cplusplus
extern "C" {
#endif


typedef struct grym_replay grym_replay;

/* Read a pipeline array. Stages: any number of "normalize", then exactly
 * one "features" making vectors (--summary or --segment), last. Any other
 * stage, a corrupt recipe or a pipeline without a features stage is
 * GRYM_ERR_FORMAT (or GRYM_ERR_UNSUPPORTED for a stage it cannot replay)
 * with a message naming the stage. tmpdir (copied; NULL: $TMPDIR or /tmp)
 * holds the intermediate files. pipeline is read, not kept; the caller
 * owns the result (grym_replay_free). NULL on failure, err filled. */
grym_replay *grym_replay_new(const grym_json *pipeline, const char *tmpdir, grym_error *err)
	GRYM_MUST_CHECK;
void grym_replay_free(grym_replay *r);
/* Analyse at rate (the model's training rate, grym_model_rate): audio at
 * another rate is resampled to it before the features stage, as the
 * recipe "rate": 0 (native) meant the training audio's own rate. rate 0
 * (unknown) changes nothing; a features stage that names another rate is
 * GRYM_ERR_FORMAT. */
int grym_replay_set_rate(grym_replay *r, int rate, grym_error *err) GRYM_MUST_CHECK;
/* cancel non-NULL: every stage (normalize, decoding, the extractor)
 * stops with GRYM_ERR_CANCELLED once *cancel is set (checked every
 * block or frame), so a signal ends a long file's replay promptly. */
void grym_replay_set_cancel(grym_replay *r, const volatile sig_atomic_t *cancel);
/* 1 if the features stage cuts clips into windows (--segment). */
int grym_replay_segmented(const grym_replay *r);

/* Vectors made from one file. */
typedef struct grym_replay_result {
	size_t n;               /* vectors: 1, or one per window */
	size_t dims;            /* floats in each */
	float *x;               /* n x dims, row-major */
	double *start, *end;    /* seconds, per vector (the whole clip without segments) */
	grym_json *names;          /* dims column names ("mfcc0_mean"...) */
	double rate;            /* analysis rate */
} grym_replay_result;

/* Replay the pipeline on the audio file at path (any format the decoder
 * reads; a pipe must be spooled first, see grym_spool). res is filled on
 * success and must be cleared with grym_replay_result_clear; on failure
 * it is left empty. A silent input under on_silence "skip" is
 * GRYM_ERR_FORMAT (there is nothing to score). */
int grym_replay_file(const grym_replay *r, const char *path, grym_replay_result *res,
		     grym_error *err) GRYM_MUST_CHECK;
/* The same, with fn(ud, fraction, msg) told how far this file is (see
 * grym/progress.h; each stage an equal share), from the calling thread:
 * one replay may serve threads that each report their own file. */
int grym_replay_file_progress(const grym_replay *r, const char *path, grym_progress_fn fn,
			      void *ud, grym_replay_result *res, grym_error *err)
	GRYM_MUST_CHECK;
void grym_replay_result_clear(grym_replay_result *res);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
