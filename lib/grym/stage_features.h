/*
 * stage_features.h — the features stage as one library call: what
 * grym-features does, for a program or a server request alike.
 *
 *   grym_features_sink sink;
 *   grym_features_sink_records(&sink, writer, "stdout");
 *   rc = grym_stage_features(&env, sources, &params, &sink, &err);
 */
#ifndef GRYM_STAGE_FEATURES_H
#define GRYM_STAGE_FEATURES_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/features.h"
#include "grym/features_params.h"
#include "grym/sources.h"
#include "grym/stage.h"
#include "grym/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One input's result, as a sink is given it: everything points into the
 * stage's memory and is valid only during the write() call. */
typedef struct grym_features_result {
	const char *key;        /* the records' key: the asset id, the file's
				   name (its path below the folder holding
				   all inputs when names repeat), or the
				   record's key */
	const char *name;       /* the input as messages name it */
	const char *file;       /* key as a relative file name unique among
				   the inputs ('/' makes folders, "~2" for a
				   name taken); NULL unless sink->file_names */
	const char *asset;      /* the catalog asset, "" if none */
	const grym_json *meta;     /* what every record of the input carries: the
				   input's own metadata, "pipeline" ending in
				   this stage's recipe, "rate", "hop_seconds" */
	double rate;            /* the analysis rate, Hz */
	int64_t samples;        /* samples analysed */
	const grym_features_plan *plan; /* plan->list: the features, in order */
	/* Frame matrices (a plan without summary or segments): m[f] for each
	 * f of plan->list (indexed by grym_feature), else NULL. */
	const grym_fmat *m;
	/* Vectors (summary or segments): nvec rows of vlen floats, one per
	 * window, names the vlen column names; seg, start and end the
	 * window's number and time span in seconds (plan->segment > 0). */
	int64_t nvec;
	size_t vlen;
	const float *vec;
	const grym_json *names;
	const int64_t *seg;
	const double *start, *end;
} grym_features_result;

/* Where results go. write(ud, result, err) is called once per input that
 * succeeded, in input order, on the calling thread. A failure of write()
 * is the input's when per_input is set (reported through env->failed
 * under the input's name, the stage goes on: one .npy file that cannot be
 * written), else it is the output's: nothing more is written and the
 * stage returns it, its message prefixed "NAME: " when name is set.
 * begin (NULL: none) is called once all inputs are read and named,
 * before the first input is analysed, with their number: the place to
 * open an output, so a run whose inputs cannot be read never creates it;
 * its failure stops the stage the same way. file_names asks for
 * result->file (as .npy files need). */
typedef struct grym_features_sink {
	int (*begin)(void *ud, uint64_t ninputs, grym_error *err);
	int (*write)(void *ud, const grym_features_result *r, grym_error *err);
	void *ud;
	const char *name;       /* the output in messages ("stdout", a file) */
	int per_input;
	int file_names;
} grym_features_sink;

/* Ready-made sinks. Records into w (not owned; binary or text as w was
 * made), under name in messages: frame matrices one record per feature
 * (meta "feature", "names"), vectors one record per window (meta
 * "names", and "segment", "start", "end" with segments). */
void grym_features_sink_records(grym_features_sink *s, grym_stream_writer *w, const char *name);
/* One result as those records: the records sink's write(). */
int grym_features_write_records(grym_stream_writer *w, const grym_features_result *r,
				grym_error *err);
/* Frame matrices as .npy files DIR/FILE.FEATURE.npy (the folder exists;
 * a key's '/' make folders below it), each written atomically; a file
 * that cannot be written fails its input. A plan that makes vectors is
 * GRYM_ERR_INVALID for every input. dir must outlive the sink. */
void grym_features_sink_npy(grym_features_sink *s, const char *dir);

/* The parameters a run cannot start with, checked before any input is
 * read: GRYM_ERR_INVALID with the message a user is shown ("--segment-hop
 * needs --segment", an extractor parameter out of range); limits that
 * depend on the input's rate wait for the input. */
int grym_stage_features_check(const grym_features_params *p, grym_error *err);

/* The features stage: every input of inputs (files, audio on stdin,
 * audio records, catalog references; read whole first, since a file's
 * key depends on the others) analysed by p (no feature listed: mfcc),
 * env->jobs at a time, each result given to sink in input order. With
 * env->catalog_dir, an asset's features are looked up in the catalog
 * under their recipe, computed when missing (p->recompute: always) and
 * stored; a damaged stored set is computed again and stored over (an
 * info line says so). An input that cannot be read or analysed is
 * reported through env->failed ("NAME: message") and the next goes on.
 * Returns GRYM_OK (env->nfailed tells whether some input failed),
 * GRYM_ERR_CANCELLED once *env->cancel was set (no catalog row without
 * its object, no temporary left), GRYM_ERR_INVALID for parameters
 * grym_stage_features_check refuses, or the failure of the sink or of
 * naming the outputs. inputs stays the caller's; env->progress hears the
 * inputs done of their number and what the running ones do. */
int grym_stage_features(grym_stage_env *env, grym_sources *inputs, const grym_features_params *p,
			const grym_features_sink *sink, grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop
#endif
