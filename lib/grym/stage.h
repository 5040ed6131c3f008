/*
 * stage.h — what every stage call is given beside its own inputs and
 * parameters, and how it tells its caller what happened.
 *
 * A stage (grym_stage_ingest, _normalize, _features, _train, _infer,
 * _synth) is one library call that does what the program of that name
 * does: it reads its inputs (a grym_sources, grym/sources.h), runs them
 * through the ordered worker pool (grym/pool.h) with the validated
 * parameters of its table (grym/X_params.h), and hands its results to
 * an output sink of its own kind, in input order. It prints nothing,
 * never exits, installs no signal handler: a program (cmd/) or a server
 * request supplies a grym_stage_env and turns the callbacks into
 * messages, a progress bar, or JSON events.
 *
 *   grym_stage_env env = { .catalog_dir = dir, .jobs = 4,
 *                          .cancel = &flag, .progress = bar, .ud = &ui,
 *                          .failed = report, .info = say };
 *   rc = grym_stage_features(&env, sources, &params, &sink, &err);
 *   if (rc != GRYM_OK) ... (the stage as a whole failed, err says why;
 *                          GRYM_ERR_CANCELLED once *cancel was set)
 *   else if (env.nfailed) ... (some inputs failed: each was reported)
 *
 * Rules every stage keeps:
 *   - One input's failure is that input's: failed(ud, input, err) names
 *     it and the stage goes on with the next. The call's own status is
 *     for what stops everything (the output failed, the catalog cannot
 *     be opened, cancellation).
 *   - Every callback runs on the calling thread, one at a time, and the
 *     per-input ones in input order, whatever -j is.
 *   - Cancellation (*cancel non-zero) returns GRYM_ERR_CANCELLED within a
 *     block of work, leaving no temporary file, no partial object and no
 *     catalog row without its object.
 *   - progress(ud, done, total, msg): done inputs (with the fractions of
 *     those under way) out of total (0 while not known), never
 *     decreasing, at most about ten times a second, and once at the end;
 *     the fraction done is done / total. msg is a short word on what the
 *     inputs under way do ("decoding", "fold 2/5: epoch 31/200").
 *   - env->catalog_dir is opened by the stage itself, as often as its
 *     workers need (one SQLite handle per thread); NULL runs the stage
 *     without a catalog where it can (records in, records out) and is a
 *     GRYM_ERR_INVALID ("no catalog") where it cannot.
 */
#ifndef GRYM_STAGE_H
#define GRYM_STAGE_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*grym_stage_progress_fn)(void *ud, double done, uint64_t total, const char *msg);

typedef struct grym_stage_env {
	/* in */
	const char *catalog_dir;        /* NULL: no catalog */
	int jobs;                       /* workers, 1..GRYM_JOBS_MAX (0: 1) */
	const volatile sig_atomic_t *cancel;    /* NULL: never cancelled */
	uint64_t total;                 /* inputs the caller expects (the files
					 * it was named), 0: unknown; the total of
					 * progress reports until the stage knows */
	grym_stage_progress_fn progress;        /* NULL: no reports */
	/* An input that failed (input: its name as given, or as a record
	 * names it). NULL: only counted. */
	void (*failed)(void *ud, const char *input, const grym_error *err);
	/* A line for the user that is no failure ("skipped: already in the
	 * catalog", "clipped 3 samples"); verbose lines have level 1, a
	 * line even a quiet user must see (an input that gave nothing) -1.
	 * NULL: dropped. */
	void (*info)(void *ud, int level, const char *input, const char *msg);
	void *ud;                       /* the callbacks' first argument */
	/* out: what the call did with its inputs */
	uint64_t ninputs;               /* inputs read */
	uint64_t nfailed;               /* of them, reported through failed() */
} grym_stage_env;

/* Report that input failed with err: counts it in env->nfailed and calls
 * env->failed. For the stages' own use (and a front end's, for inputs it
 * rejects before the stage sees them). */
void grym_stage_fail(grym_stage_env *env, const char *input, const grym_error *err);

/* Give env->info a line (printf-style; level 0 is shown unless the user
 * asked for quiet, 1 only when verbose, -1 always). */
void grym_stage_info(const grym_stage_env *env, int level, const char *input,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Report progress (no rate limit here: the pool's callback, which
 * stages pass on, already has one). */
void grym_stage_progress(const grym_stage_env *env, double done, uint64_t total, const char *msg);

/* How messages name one item of a record stream: "PATH (ID12)" when its
 * key is an asset id and its metadata names the file it came from (an id
 * names nothing a person recognises; its first 12 digits tell two copies
 * apart), else the key ("" for none). Allocated (the caller frees it);
 * NULL when out of memory. */
char *grym_stage_item_name(const char *key, const grym_json *meta) GRYM_MUST_CHECK;

/* The number of workers to start for n inputs: env->jobs (0 counts as
 * 1), but no more than n (and at least 1). */
int grym_stage_workers(const grym_stage_env *env, uint64_t n);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop
#endif
