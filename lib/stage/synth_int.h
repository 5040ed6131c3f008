/*
 * synth_int.h — what the files of the synth stage (synth.c,
 * synth_dataset.c, synth_transform.c, synth_input.c, synth_store.c)
 * share: one run's state, the catalog opened when first needed, clips
 * handed to the sink, progress and cancellation.
 */
#ifndef GRYM_STAGE_SYNTH_INT_H
#define GRYM_STAGE_SYNTH_INT_H

#include <jansson.h>
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/progress.h"
#include "grym/stage_synth.h"

typedef struct synth_run {
	grym_stage_env *env;
	const grym_synth_job *job;
	const grym_synth_stage_params *cmd;
	const grym_synth_sink *sink;
	int rate, channels;     /* the command's: 48000 and 1 unless given */
	int records;            /* --records or --text */
	grym_catalog *cat;      /* opened when first needed */
	grym_ticker tick;       /* cancel flag and rate limit of reports */
	double done;            /* clips finished */
	double cur;             /* done plus the fraction of the one under way */
	uint64_t total;         /* clips in all (0: not known) */
	const char *msg;        /* what the clips under way do */
} synth_run;

/* GRYM_ERR_CANCELLED once the flag is set. */
int synth__check(synth_run *r, grym_error *err);
/* The clip under way is fraction done: a report when one is due, and
 * the cancel flag checked. */
int synth__tick(synth_run *r, double fraction, grym_error *err);
/* A clip finished (or failed): progress moves on by one. */
void synth__next(synth_run *r);
/* The catalog of env->catalog_dir, opened on first use with --verify's
 * checks; closed by grym_stage_synth. */
int synth__catalog(synth_run *r, grym_catalog **cat, grym_error *err);
/* Decode the object of the asset id (a prefix is resolved; full gets the
 * full id) through a reader of the store. */
int synth__decode_asset(grym_catalog *cat, const char *id, const grym_decode_opts *dopt,
			grym_audio *out, char full[GRYM_ID_LEN + 1], grym_error *err);
/* Record metadata of a made clip: rate, channels, labels (label: one, or
 * none), the recipe and "pipeline": [recipe]. Takes recipe's reference;
 * NULL when out of memory (or recipe NULL). */
json_t *synth__record_meta(json_t *recipe, int rate, int channels, const char *label);
/* Hand c with its samples x (c->frames frames) to the sink: begin,
 * blocks with the cancel flag checked between them, end. */
int synth__emit(synth_run *r, const grym_synth_clip *c, const float *x, grym_error *err);
/* Close a clip begun: end(ok) when ok, else end(0) with err kept. */
int synth__end(synth_run *r, int ok, grym_error *err);

/* transform: the recipe of a transformation (source: the input's path,
 * or NULL), and the metadata of a transformed clip: the input's (in, may
 * be NULL) with the new shape and recipe appended to "pipeline" (takes
 * recipe's reference). NULL when out of memory. */
json_t *synth__xform_recipe(const grym_xform_params *x, const char *source);
json_t *synth__out_meta(const json_t *in, json_t *recipe, int rate, int channels,
			int64_t frames);
/* transform of many inputs, the first (it, NULL when none) and the
 * second (then, NULL when not taken yet) already taken: synth_stream.c. */
int synth__transform_stream(synth_run *r, const grym_xform_params *xp, grym_sources *src,
			    grym_source *it, grym_source *then, grym_error *err);

int synth__sequence(synth_run *r, grym_error *err);
int synth__dataset(synth_run *r, grym_error *err);
int synth__transform(synth_run *r, grym_sources *in, grym_error *err);

/* Store x (frames x channels at rate) as the asset derived from parent
 * (full id) by recipe: a 32-bit float WAV (no PEAK chunk: reproducible
 * bytes) written to an unnamed temporary, put into the catalog's store,
 * and a "derived" row with the canonical recipe, the audio properties and
 * the parent's labels and meta. id receives grym_id_derived(parent,
 * recipe); the same thing stored twice is one asset. */
int synth__put_derived(grym_catalog *cat, const char *parent, const json_t *recipe,
		       const float *x, int64_t frames, int channels, int rate,
		       char id[GRYM_ID_LEN + 1], grym_error *err);

#endif
