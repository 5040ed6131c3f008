/*
 * features_int.h — the features stage's pieces (grym_stage_features,
 * grym/stage_features.h), shared by its files: reading the inputs
 * (features_inputs.c), analysing one (features_compute.c), writing a
 * result (features_sink.c) and the pool that runs them (features_stage.c).
 */
#ifndef GRYM_STAGE_FEATURES_INT_H
#define GRYM_STAGE_FEATURES_INT_H

#include <pthread.h>
#include <stdint.h>
#include <jansson.h>
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/features.h"
#include "grym/features_params.h"
#include "grym/hash.h"
#include "grym/pool.h"
#include "grym/sources.h"
#include "grym/stage.h"
#include "grym/stage_features.h"

/* What analysing an input gives: allocated when its job runs (or when
 * reading it failed) and freed once written, so only the pool's window
 * (2 x -j jobs) holds results, however many inputs there are. */
typedef struct gfs_result {
	grym_error err;
	grym_fmat m[GRYM_FEAT_COUNT];   /* data NULL when only moments are kept */
	grym_moments *mo[GRYM_FEAT_COUNT];
	int keep_matrix;        /* else a whole-clip summary streams into mo */
	double rate;            /* analysis rate */
	int64_t samples;
	json_t *meta;           /* the records' metadata (gfs_out_meta) */
	/* vectors (summary or segments): one row per window */
	float *vec;
	size_t vlen;
	int64_t nvec;
	int64_t *seg;
	double *start, *end;
	json_t *vec_names;
	/* lines for the user, said in input order before the result
	 * (the worker may not call env->info itself) */
	int nnotes;
	int note_level[GRYM_FEAT_COUNT + 1];
	char *note[GRYM_FEAT_COUNT + 1];
} gfs_result;

/* One input, from reading to writing. */
typedef struct gfs_job {
	char *key;              /* output key (asset id, file name (see
				   gfs_name_files), record key) */
	char *file;             /* KEY made a unique relative file name */
	char *name;             /* for messages */
	char *path;             /* file to decode, or NULL (payload, object) */
	int object;             /* decode the asset's object (gfs_run opens it) */
	int from_file;          /* the key is made from path's name */
	int tmp_path;           /* path is our spooled temporary: unlink it */
	json_t *meta;           /* metadata passed through (owned) */
	char asset[GRYM_ID_LEN + 1];
	float *payload;         /* audio record: interleaved */
	int64_t pframes;
	int pchannels, prate;
	int rc;                 /* GRYM_OK, or why it failed (in r->err) */
	gfs_result *r;          /* NULL: not run yet, or freed */
	int failed;             /* failed while reading the input: rc, err say how */
	grym_pool_worker *w;    /* the worker running it (its cancel flag, its
				   share of the pool's progress) */
	struct gfs_ctx *x;
} gfs_job;

/* What each pool worker keeps from one job to the next (indexed by
 * grym_pool_worker.index: one job at a time per index, no lock). */
typedef struct gfs_worker {
	grym_catalog *cat;      /* opened at its first catalog asset */
	int cat_tried;
	int blas_set;           /* OpenBLAS told to use this thread only */
} gfs_worker;

typedef struct gfs_ctx {
	grym_stage_env *env;
	const grym_features_params *fp;
	grym_features_plan p;   /* fp->plan, with mfcc when nothing is listed */
	grym_decode_opts dec;   /* p's rate, offset, duration */
	const grym_features_sink *sink;
	gfs_job *jobs;          /* every input, read before any runs: the keys
				   and file names need them all
				   (gfs_name_files); results live only in
				   the pool's window */
	size_t njobs, cap;
	gfs_worker *ws;         /* one per pool worker */
	int report;             /* env->progress is set: collect the word */
	pthread_mutex_t word_lock;
	char word[64];          /* what the running inputs do ("analysing") */
	int out_failed;         /* the sink failed: nothing more is written */
	grym_error out_err;     /* why */
} gfs_ctx;

/* features_inputs.c */
int gfs_read_inputs(gfs_ctx *x, grym_sources *src, grym_error *err);
int gfs_name_files(gfs_ctx *x, grym_error *err);
int gfs_name_npy(gfs_ctx *x, grym_error *err);
void gfs_job_free(gfs_job *j);

/* features_compute.c: one job, on a worker thread */
void gfs_work(void *ud, void *jp, grym_pool_worker *w);

/* features_sink.c: the records' metadata of a job and its vectors */
int gfs_finish_result(gfs_ctx *x, gfs_job *j, grym_error *err);
void gfs_result_view(const gfs_ctx *x, const gfs_job *j, grym_features_result *out);

#endif
