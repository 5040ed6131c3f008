/*
 * infer_int.h — what the files of the infer stage share
 * (grym/stage_infer.h): the run's state, the batch of vectors waiting
 * for prediction, and the functions that read each kind of input.
 *
 * Every function returns GRYM_OK or what stops the run (err filled, and
 * already prefixed with what it names: the output, or a table); an
 * input's own failure goes to grym_stage_fail and is not returned.
 */
#ifndef GRYM_STAGE_INFER_INT_H
#define GRYM_STAGE_INFER_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/ml.h"
#include "grym/pool.h"
#include "grym/replay.h"
#include "grym/sources.h"
#include "grym/stage_infer.h"

/* Vectors predicted together (one pass of the predict pool). */
#define INF_BATCH 4096

typedef struct inf_batch {
	size_t n, d, K;
	char **keys;
	char (*asset)[GRYM_ID_LEN + 1];   /* catalog asset of each item, "" if none */
	double *start, *end;   /* NAN when absent */
	float *x, *proba;
	int *pred;             /* the model's label: for svm the decision vote, not
				  always the most probable class */
} inf_batch;

typedef struct inf_run {
	grym_stage_env *env;
	const grym_infer_params *p;
	const grym_infer_sink *sink;
	const grym_model *m;
	int jobs;               /* env->jobs, at least 1 */
	/* catalog: predictions are stored for inputs that are catalog assets */
	grym_catalog *cat;
	char model_id[GRYM_ID_LEN + 1];
	int model_row;          /* 1 once the model is known to be in the catalog */
	const unsigned char *model_bytes;
	size_t model_len;
	uint64_t stored;
	/* audio: the model's pipeline, read on the first audio input */
	grym_replay *replay;
	int replay_tried;
	grym_error replay_err;
	grym_pool *predict;     /* threads predicting a batch's parts, made at the first batch */
	inf_batch b;
	size_t *order;          /* K: one result's label order */
	const char **labels;    /* K: its names */
	float *probs;           /* K: its probabilities */
	uint64_t ndone;         /* audio files done so far, for progress */
} inf_run;

/* The output's name for an error of writing or storing (sink->name). */
int inf_output_failed(inf_run *r, int rc, grym_error *err);

/* infer_model.c: the model, from a file or the catalog (r->model_*,
 * r->cat when the model came from it), and its catalog row. */
int inf_load_model(inf_run *r, const char *ref, grym_model **m, void **bytes, grym_error *err);
int inf_ensure_model_row(inf_run *r, grym_error *err);

/* infer_batch.c: queue one vector (reported and skipped when it cannot
 * be scored: wrong dimensions, NaN), predicting a full batch; predict
 * what is queued, give it to the sink and store it. The errors are the
 * output's, unprefixed. */
int inf_batch_init(inf_run *r, grym_error *err);
void inf_batch_free(inf_run *r);
int inf_push(inf_run *r, const char *key, const float *x, size_t d, const char *asset,
	     double start, double end, grym_error *err);
int inf_flush(inf_run *r, grym_error *err);
/* Drop what is queued (after the output failed). */
void inf_batch_drop(inf_run *r);

/* infer_audio.c: audio files replayed through the model's recipe, n at
 * a time in the pool (paths and keys borrowed); audio on stdin; a
 * catalog asset replayed from its source's audio. */
typedef struct inf_audio_item {
	const char *path;       /* file to replay */
	const char *key;
	grym_replay_result res;
	grym_error err;
	int rc;
} inf_audio_item;
int inf_audio(inf_run *r, inf_audio_item *items, size_t n, grym_error *err);
int inf_audio_in(inf_run *r, grym_source *it, grym_error *err);
grym_replay *inf_replay(inf_run *r, grym_error *err);

/* infer_inputs.c: a record with a payload, a catalog reference, a TSV
 * table. */
int inf_record(inf_run *r, grym_source *it, grym_error *err);
int inf_ref(inf_run *r, grym_source *it, grym_error *err);
int inf_tsv(inf_run *r, grym_input *in, const char *name, grym_error *err);

/* infer_asset.c */
int inf_asset(inf_run *r, const char *key, const json_t *meta, grym_error *err);

#endif
