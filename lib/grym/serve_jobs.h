/*
 * serve_jobs.h — grym-serve's job runner: stage calls (grym/stage_*.h)
 * run by a bounded pool of worker threads, each job a row of the
 * catalog's jobs table (grym/catalog_jobs.h), with live events for the
 * server to publish.
 *
 *   grym_jobs *jr = grym_jobs_new(dir, 2, 16, &err);
 *   grym_jobs_set_events(jr, publish, bus);
 *   rc = grym_jobs_submit(jr, "features", "{\"features\":[\"mfcc\"]}",
 *                         "[\"ab12...\"]", "alice", id, field, sizeof field, &err);
 *   json = grym_jobs_get(jr, id, &err);  ...  free(json);
 *   grym_jobs_free(jr);     (cancels what runs: Ctrl-C of the server)
 *
 * A job: a stage ("normalize", "features", "train", "infer", "synth"),
 * its parameters as a JSON object of the stage's table (grym/schema.h:
 * the API keys of grym-X --schema), and its inputs: a JSON array of
 * asset ids (or unique prefixes, stored as full ids), or a selection
 * object {"label": L, "kind": "source"|"derived", "parent": ID}
 * resolved when the job starts (grym_asset_query). train takes no ids:
 * its inputs are null, [] or {"label": L} (the assets it trains on, as
 * its "label" parameter), and its "features" parameter is required.
 * infer's "model" must be a model of the catalog. A job's own -j
 * ("jobs") is 1 unless its parameters say otherwise.
 *
 * synth's "generator" is the command's word (grym-synth --schema): a
 * transformation (reverse, stretch, pitch, randphase, smear, freeze)
 * takes asset ids or a selection and refuses "rate", "channels", "type",
 * "bits" and "store": false (it keeps the input's rate and channels and
 * stores 32-bit float WAV, as grym-synth transform --store); a generator
 * or dataset takes no inputs (null or []), a cloud's "source" is an
 * asset of the catalog (stored as its full id), and a dataset makes at
 * most 10000 clips (GRYM_ERR_LIMIT, "params.per_class"). One segment a
 * job: no --then.
 *
 * Outputs go to the catalog as the programs' catalog mode puts them:
 * normalize makes derived assets, features stores feature sets, train
 * stores a model, infer stores predictions; synth stores a derived
 * asset of each input (its recipe, as grym-synth transform --store), or
 * each generated clip as a source asset: the bytes grym-synth writes for
 * the same parameters (-t, --bits), checked by decoding as grym-ingest
 * checks a file, the clip's recipe as the metadata key "recipe", a
 * dataset clip's class as its label, "synth/KEY.EXT" (a dataset's
 * "synth/CLASS/KEY.EXT") as its origin path. The result (JSON object)
 * says what was made: "inputs" (read), "failed" and "failures"
 * ([{"input", "error"}], the first 100) for every stage, "selected"
 * (the assets the inputs named) but for train and synth's generators,
 * and per stage "assets" ([{"input","asset","reused","skipped"}]) for
 * normalize, "feature_sets" ([{"asset", "ids": [...]}]) for features,
 * "model" (id) and "report" for train, "model" and "predictions"
 * ([{"asset", "label", "probability"}], the first 1000) and "stored"
 * for infer; for synth "assets" (the first 1000: [{"input", "asset",
 * "rate", "channels", "frames", "duration"}] of a transformation,
 * [{"asset", "path", "labels", "created", "rate", "channels", "frames",
 * "duration"}] of a generator) and "stored" (how many).
 *
 * States (grym/catalog_jobs.h): queued, then running, then done (the
 * stage returned GRYM_OK and not every input failed), failed (with the
 * error), cancelled (grym_jobs_cancel, or grym_jobs_free while it
 * ran), or interrupted (its server died: grym_jobs_new marks the jobs
 * of servers that no longer run).
 *
 * Thread-safety: every function but new and free may be called from any
 * thread at once (the server's pool); free must be the last call.
 */
#ifndef GRYM_SERVE_JOBS_H
#define GRYM_SERVE_JOBS_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/catalog_jobs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_jobs grym_jobs;

/* A runner over the catalog in catalog_dir (opened, created or migrated
 * now), with workers threads (1..64) and at most queue_limit jobs
 * waiting for one (>= 1; more is "queue full"). Jobs left queued or
 * running by servers that no longer run are marked interrupted first.
 * The caller owns the runner (grym_jobs_free). NULL on failure with
 * err set: GRYM_ERR_INVALID (workers or queue_limit out of range),
 * what grym_catalog_open fails with, GRYM_ERR_IO (no thread, no
 * /proc), GRYM_ERR_NOMEM. */
grym_jobs *grym_jobs_new(const char *catalog_dir, int workers, int queue_limit,
			 grym_error *err) GRYM_MUST_CHECK;

/* Stop: refuse new jobs, cancel the queued ones at once and the running
 * ones through their cancel flags (each marked cancelled, "the server
 * stopped", with its event), wait for the workers, free everything.
 * NULL is fine. */
void grym_jobs_free(grym_jobs *jr);

/* The events: fn(ud, id, json) with the job's JSON (grym_job_row_json)
 * on every state change and on progress, at most about ten times a
 * second per job; called on the thread that made the change (a worker,
 * or the caller of submit and cancel), never with a lock of the runner
 * held, in order for each job, just after the change is visible to
 * grym_jobs_get (so fn may call get). json is valid during the call.
 * Set it before the first submit (NULL: no events). */
typedef void (*grym_jobs_event_fn)(void *ud, const char *id, const char *json);
void grym_jobs_set_events(grym_jobs *jr, grym_jobs_event_fn fn, void *ud);

/* Queue a job (see above): id receives its id. Parameters and inputs
 * are checked now: GRYM_ERR_INVALID with field (field_len bytes, may be
 * NULL) naming what is wrong: "stage", "params" (not a JSON object),
 * "params.KEY" (unknown, ill-typed, out of range, or not for this
 * stage), "inputs" or "inputs[I]" (no such asset: GRYM_ERR_NOTFOUND),
 * "inputs.KEY"; GRYM_ERR_LIMIT when queue_limit jobs wait already
 * ("queue full": the server answers 503 with Retry-After) or a synth
 * dataset is too large ("params.per_class"); GRYM_ERR_DB,
 * GRYM_ERR_NOMEM. field is "" when no field is to blame. */
int grym_jobs_submit(grym_jobs *jr, const char *stage, const char *params, const char *inputs,
		     const char *owner, char id[GRYM_JOB_ID_LEN + 1], char *field,
		     size_t field_len, grym_error *err) GRYM_MUST_CHECK;

/* Queue an ingest job of files the server staged (never a client's
 * paths: this is why "ingest" is not a stage of grym_jobs_submit). files
 * is a JSON array [{"path": an absolute path, "name": the name to record
 * (the client's file name; never opened)}]; params a JSON object of
 * "label" (array), "replace_labels", "accept_truncated", "match",
 * "max_bytes" (as grym-ingest's options) and "meta" (an object: keys set
 * on every asset made). Archives (zip, tar...) are read member by member
 * with grym-ingest's checks (traversal, links, expansion cap). The job
 * ingests each file under its name, sets the metadata, builds each
 * asset's peaks pyramid (grym_view_peaks_build; a failure there is
 * listed in the result's "peaks_failures", the job still done), and
 * removes every staged file when it ends, however it ends (a job of a
 * server killed leaves them for a rerun). Result: "assets"
 * ([{"input","asset","created"}]), "peaks" (pyramids built), and the
 * usual "inputs", "failed", "failures". Errors as grym_jobs_submit, with
 * field "params.KEY" or "inputs[I]". */
int grym_jobs_submit_ingest(grym_jobs *jr, const char *params, const char *files,
			    const char *owner, char id[GRYM_JOB_ID_LEN + 1], char *field,
			    size_t field_len, grym_error *err) GRYM_MUST_CHECK;

/* Submit a copy of job id (same stage, parameters and inputs; owner is
 * the new one's), which must be final (done, failed, cancelled,
 * interrupted): new_id receives the copy's id. GRYM_ERR_NOTFOUND,
 * GRYM_ERR_CONFLICT (still queued or running), and what submit returns. */
int grym_jobs_rerun(grym_jobs *jr, const char *id, const char *owner,
		    char new_id[GRYM_JOB_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;

/* The job as JSON text (grym_job_row_json; allocated, the caller frees
 * it): a job of this runner as it is now (its progress fresher than the
 * table's, which is written about once a second), else its row. NULL
 * with err: GRYM_ERR_NOTFOUND, GRYM_ERR_DB, GRYM_ERR_NOMEM. */
char *grym_jobs_get(grym_jobs *jr, const char *id, grym_error *err) GRYM_MUST_CHECK;

/* A page of jobs, newest first, as JSON text (allocated):
 * {"items": [job...], "next_cursor": text or null, "total": N}; q as
 * grym_catalog_list_jobs takes it. NULL with err: GRYM_ERR_INVALID
 * naming "limit", "cursor" or "state", GRYM_ERR_DB, GRYM_ERR_NOMEM. */
char *grym_jobs_list(grym_jobs *jr, const grym_job_query *q, grym_error *err) GRYM_MUST_CHECK;

/* Cancel job id: a queued one is cancelled at once, a running one's
 * stage is told through its cancel flag and returns within a block of
 * work (the job then becomes cancelled; nothing it was making is left
 * in the catalog). GRYM_ERR_NOTFOUND, GRYM_ERR_CONFLICT (the job is
 * final already, or belongs to another server that runs), GRYM_ERR_DB. */
int grym_jobs_cancel(grym_jobs *jr, const char *id, grym_error *err) GRYM_MUST_CHECK;

/* Jobs of this runner waiting and running now (for /metrics). */
void grym_jobs_counts(grym_jobs *jr, int *queued, int *running);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
