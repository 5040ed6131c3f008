/*
 * normalize_int.h — the parts of grym_stage_normalize (normalize.c) that
 * live in files of their own: catalog mode (normalize_catalog.c), the
 * batch into a folder (normalize_batch.c), and what they share.
 */
#ifndef GRYM_STAGE_NORMALIZE_INT_H
#define GRYM_STAGE_NORMALIZE_INT_H

#include <jansson.h>
#include "grym/stage_normalize.h"
#include "grym/pool.h"

/* One run of the stage. */
typedef struct norm_run {
	grym_stage_env *env;
	const grym_normalize_params *p;
	const grym_normalize_sink *sink;
	grym_normalize_opts o;  /* p->o with env's cancel flag, no progress */
	double base;            /* inputs finished before the pool now running
				   (progress never goes down across modes) */
} norm_run;

/* The lines for the user about one input's report (env->info). */
void grym__norm_say(const norm_run *r, const char *name, const grym_normalize_report *rep);

/* A pool's progress (done, total: as grym_pool gives them) on
 * env->progress, above the inputs of the pools before it. */
void grym__norm_pool_progress(norm_run *r, double done, uint64_t total);

/* ---- catalog mode (normalize_catalog.c) ---- */

typedef struct norm_cat {
	norm_run *run;
	int used;               /* a record came: the records out is open */
	int failed;             /* a record input failed */
	int fatal;              /* the records out failed: nothing more to it */
	grym_stream_writer *w;
	json_t *recipe;
	grym_catalog *cat;      /* the driver's: assets read for the records out */
	grym_catalog **wcat;    /* one per worker with -j > 1, else NULL */
	int nwcat;
	grym_pool *pool;
	double done;            /* the pool's progress so far */
} norm_cat;

/* A reference to an asset (its head is taken) or an audio record. */
void grym__norm_cat_add(norm_cat *c, grym_source *it);
/* Finish the pool and hand the records out back (sink->records_end). */
void grym__norm_cat_finish(norm_cat *c);

/* ---- the batch into a folder (normalize_batch.c) ---- */

typedef struct norm_file norm_file;
typedef struct norm_batch {
	norm_run *run;
	norm_file *f;
	size_t n, cap;
	size_t dirlen;          /* outputs' folders are made below DIR */
	double done;            /* the pool's progress so far */
} norm_batch;

/* Take an audio file (audio on stdin is spooled now). */
int grym__norm_batch_add(norm_batch *b, grym_source *it, grym_error *err);
/* Normalize them all into the folder, -j at a time, reporting in order. */
void grym__norm_batch_run(norm_batch *b);
void grym__norm_batch_free(norm_batch *b);

#endif
