/*
 * stage_ingest.h — the ingest stage as one library call: what
 * grym-ingest does, for a program or a server request (grym/stage.h).
 *
 * grym_stage_ingest lists every input of inputs first (files, the audio
 * files of directories, lists, audio on stdin; an input the listing
 * could not read is a failure in its place), then runs them through the
 * ordered worker pool, env->jobs at a time, each worker with its own
 * grym_ingester (grym/ingest.h) on env->catalog_dir. In input order, on
 * the calling thread, each input's outcomes (one for a file, one per
 * member for an archive) go out: a failure through grym_stage_fail
 * (input: the path as recorded, "data.zip:cats/a.wav" for a member;
 * today's message text), an asset to sink->write with its result.
 * Lines for the user through grym_stage_info: level -1 (a warning shown
 * even when the user asked for quiet) "truncated or damaged: kept the N
 * frames that decode"; level 1 "ingested ID", "known ID", "known ID,
 * object restored (it was missing)". env->progress counts inputs.
 *
 * The sink is given every asset the run met, in input order, also the
 * same content met twice (created 0 the second time); the result and
 * what it points to are valid during the call only. A non-zero return
 * stops the stage: nothing more is ingested and the call returns it
 * (err filled by the sink). A caller that wants to go on after its
 * output failed (grym-ingest, which reports that and still ingests)
 * returns 0.
 *
 * p is validated (grym_ingest_schema); the stage reads label,
 * label_from_dir, replace_labels, manifest (loaded here: its error
 * names the manifest), match, accept_truncated and max_bytes; jobs is
 * env->jobs, and text, output, from_list, probe and json are the
 * caller's (from_list and the manifest's rows as inputs:
 * grym_ingest_add_inputs). inputs is read to its end and stays the
 * caller's.
 *
 * env->ninputs is set once every input is listed: it stays 0 when the
 * call failed before (the catalog, the manifest, the listing), so that a
 * caller can tell a run that never began from one that ran.
 *
 * Returns GRYM_OK (env->nfailed says whether inputs failed),
 * GRYM_ERR_INVALID without a catalog_dir, the error of a catalog that
 * cannot be opened or of a worker that could not open it ("DIR:
 * message": nothing more is ingested), the sink's status,
 * GRYM_ERR_NOMEM, or GRYM_ERR_CANCELLED once *env->cancel was set: the
 * inputs under way stop within a block leaving no object and no row,
 * the ones done before were given out, no other starts.
 */
#ifndef GRYM_STAGE_INGEST_H
#define GRYM_STAGE_INGEST_H
#pragma GCC visibility push(default)

#include "grym/error.h"
#include "grym/ingest.h"
#include "grym/ingest_params.h"
#include "grym/sources.h"
#include "grym/stage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the stage's assets go. r->status is GRYM_OK, r->id, r->path and
 * r->record (the reference record's metadata: asset, path, paths,
 * labels, meta, rate, channels, frames, duration, format, codec) are
 * set, r->created says new (1) or already in the catalog (0). */
typedef struct grym_ingest_sink {
	void *ud;
	int (*write)(void *ud, const grym_ingest_result *r, grym_error *err);
} grym_ingest_sink;

int grym_stage_ingest(grym_stage_env *env, grym_sources *inputs, const grym_ingest_params *p,
		      const grym_ingest_sink *sink, grym_error *err);

/* Queue what p names beside the operands: the list of p->from_list, and
 * when nothing else was given (given 0) the rows of the manifest
 * p->manifest. GRYM_OK, or the error of the list or the manifest (the
 * message names neither: the caller does). */
int grym_ingest_add_inputs(grym_sources *inputs, const grym_ingest_params *p, int given,
			   grym_error *err);

/* --probe: what FILE is (format, codec, rate, channels, bits, frames,
 * duration, bit rate, tags), as "key<TAB>value" lines and an empty one,
 * or with json as one line of JSON: a new string, the caller's to free.
 * Stores nothing and needs no catalog. NULL on failure, with err->code
 * the error of grym_audio_probe (GRYM_ERR_IO, GRYM_ERR_FORMAT for a file
 * that is not audio, GRYM_ERR_UNSUPPORTED...) or GRYM_ERR_NOMEM. */
char *grym_ingest_probe(const char *path, int json, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop
#endif
