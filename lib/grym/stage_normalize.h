/*
 * stage_normalize.h — the normalize stage as library calls: loudness
 * measurement and normalization (EBU R128, peak, RMS) with resampling,
 * channel mixing, filters, trimming and fades, over files, catalog
 * assets and audio records.
 *
 * grym_stage_normalize and grym_stage_measure are what grym-normalize
 * (and a server) run: every input of a grym_sources in order, results to
 * a sink, per-input failures and lines for the user through the
 * grym_stage_env (grym/stage.h). Below them, the calls on one input:
 * measure or normalize a file, normalize a catalog asset into a derived
 * asset, normalize an audio record. The options (grym_normalize_opts)
 * and the parameter table are grym/normalize_params.h; the computation
 * (filters, limiter, loudness on buffers) is grym/dsp.h and
 * grym/loudness.h.
 */
#ifndef GRYM_STAGE_NORMALIZE_H
#define GRYM_STAGE_NORMALIZE_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/io.h"
#include "grym/audio.h"
#include "grym/loudness.h"
#include "grym/catalog.h"
#include "grym/stream.h"
#include "grym/sources.h"
#include "grym/stage.h"
#include "grym/normalize_params.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- one input ---- */

typedef struct grym_normalize_report {
	grym_loudness_result in;    /* of the processed signal, before gain */
	double wanted_gain_db;      /* what the mode asked for */
	double gain_db;             /* what was applied */
	int gain_lowered;           /* lowered to respect the true-peak ceiling */
	int limited;                /* the limiter ran */
	double limiter_db;          /* its largest reduction (<= 0) */
	int silent;                 /* level undefined (digital silence, or every
				       block under the -70 LUFS gate): policy applied */
	int skipped;                /* nothing written (policy skip) */
	int64_t trimmed_start, trimmed_end;  /* frames removed */
	int64_t frames_out;
	int rate, channels;         /* of the output */
	grym_sample_format format;  /* of the output */
} grym_normalize_report;

/* Why rep's level was undefined (rep->silent): "silence" for digital
 * silence, else that every block fell under the -70 LUFS gate. */
const char *grym_normalize_undefined_reason(const grym_normalize_report *rep);

/* Measure a file as it would be processed by o (channels, rate, filters;
 * o may be NULL for the file as it is). */
int grym_normalize_measure(const char *path, const grym_normalize_opts *o,
			   grym_loudness_result *r, grym_error *err);

/* Normalize the audio file at path into out (not committed: the caller
 * commits or aborts). A path is decoded once per pass, so a pipe must
 * first be spooled (grym_spool, grym/io.h). On any error nothing useful is in out. */
int grym_normalize_file(const char *path, const grym_normalize_opts *o,
			grym_output *out, grym_normalize_report *rep, grym_error *err);

/* ---- catalog mode: normalized results as derived assets ---- */

/* The recipe of a run (grym_normalize_recipe), its reading back and the
 * parameter table behind both are the stage's: grym/normalize_params.h. */

/* Normalize catalog asset parent (a full id) into a derived asset:
 * id receives grym_id_derived(parent, recipe). If that asset already
 * exists nothing is computed and *reused is 1, once its object passed
 * the checks of a read (grym_catalog_check_asset_object). Otherwise the parent's
 * object is normalized into a temporary file in o->tmpdir, stored as an
 * object, and the asset row written (kind "derived", parent, recipe,
 * decoded properties; labels, meta and tags copied from the parent).
 * rep (may be NULL) is filled when computed. With silence policy skip
 * and a silent parent, rep->skipped is set and no asset is made. */
int grym_normalize_asset(grym_catalog *cat, const char *parent,
			 const grym_normalize_opts *o, char id[GRYM_ID_LEN + 1],
			 int *reused, grym_normalize_report *rep, grym_error *err);

/* Normalize the audio payload of the record whose head was just read
 * from r (kind audio, "rate" in its metadata, channels = cols) and write
 * it to w as an audio record under the same key: the metadata passed
 * through with "rate", "channels", "frames", "duration" updated and
 * recipe (not owned) appended to "pipeline". The payload goes through two
 * temporary files in o->tmpdir (float32 WAV), never whole in memory; the
 * output samples are float32 whatever o->bits says. rep as for
 * grym_normalize_file; with silence policy skip nothing is written. */
int grym_normalize_record(grym_stream_reader *r, const grym_record_head *h,
			  const grym_normalize_opts *o, const grym_json *recipe,
			  grym_stream_writer *w, grym_normalize_report *rep,
			  grym_error *err);

/* ---- the stage ---- */

/* One input's result, given to the sink in input order on the calling
 * thread (valid during the call only). */
typedef struct grym_normalize_result {
	const char *input;      /* its name in messages */
	const char *file;       /* an audio file written into the folder
				   (grym_normalize_sink.outdir), else NULL */
	const char *asset;      /* catalog mode: the derived asset's id, else
				   NULL (also for an audio record, which
				   went to the records out) */
	int reused;             /* that asset existed already (same recipe):
				   nothing was measured now, rep is zero */
	const grym_normalize_report *rep;  /* what was measured and applied;
				   rep->skipped: nothing written (silence) */
} grym_normalize_result;

/* Where grym_stage_normalize puts its results. Every callback gets ud
 * first and runs on the calling thread; any may be NULL.
 *   audio: an audio input that is the first item and an operand itself
 *     (not found in a directory, list or record stream) goes to the
 *     output this returns (the caller's: it commits it after the call
 *     when the call and the input succeeded and the result was not
 *     skipped, else aborts it). *type is the run's output type on entry
 *     (the caller may change it, e.g. from a file name's extension).
 *     NULL with err: the call returns that status and err as they are
 *     (err naming the output). NULL callback: no input is taken alone.
 *   outdir: the folder every other audio file is written to, as
 *     OUTDIR/NAME.EXT (NAME its path below the folder holding all the
 *     inputs, made unique; EXT the type's), created as needed; NULL:
 *     "normalized". An existing file is an input's failure unless
 *     p->force. With p->output set and no record out, audio files there
 *     are GRYM_ERR_INVALID (one output file cannot hold several).
 *   records: opened at the first record or catalog reference: the
 *     writer the records out go to (each asset's reference record, or the
 *     normalized audio record). NULL with err: the record inputs fail,
 *     reported under records_name. When it gave a writer,
 *     records_end(ud, failed) is called once after the last record,
 *     before any file is written to outdir, for the caller to finish its
 *     output: failed is 0, 1 when some record input failed, -1 when
 *     writing to the records out failed (abort it).
 *   records_name: the records out in messages; NULL: "stdout".
 *   result: each input that succeeded (see above). */
typedef struct grym_normalize_sink {
	void *ud;
	grym_output *(*audio)(void *ud, grym_file_type *type, grym_error *err);
	const char *outdir;
	grym_stream_writer *(*records)(void *ud, grym_error *err);
	void (*records_end)(void *ud, int failed);
	const char *records_name;
	void (*result)(void *ud, const grym_normalize_result *r);
} grym_normalize_sink;

/* Normalize every item of inputs, in order, by p (its o settled by
 * grym_normalize_params_opts; p->verify, p->force and p->output read
 * too, env->jobs for -j; the cancel flag and progress of p->o are
 * replaced by env's): an audio input alone to sink->audio, other audio
 * files into sink->outdir (-j at a time, after every record input),
 * catalog references into derived assets (grym_normalize_asset, -j at a
 * time, in env->catalog_dir, one handle per worker) and audio records
 * normalized in place, both written to sink->records. Each input's
 * failure goes to env->failed by its name (the stage goes on); notes
 * (gain lowered, limited, silence passed or skipped) to env->info, a
 * skipped input at level -1 (said even to a quiet user: nothing came
 * out), the measurement and "written to" lines at level 1. Returns
 * GRYM_OK, what sink->audio returned, GRYM_ERR_INVALID (see outdir),
 * GRYM_ERR_CANCELLED once *env->cancel is set (no file is left in outdir
 * under an output's name, no asset row without its object), or what
 * stopped the whole run. The caller owns inputs and frees it afterwards. */
int grym_stage_normalize(grym_stage_env *env, grym_sources *inputs,
			 const grym_normalize_params *p, const grym_normalize_sink *sink,
			 grym_error *err);

/* Where grym_stage_measure puts its results: measured(ud, input, r) for
 * each input measured, in input order, on the calling thread. total: the
 * number of inputs when the caller knows it (progress), 0 if not. */
typedef struct grym_measure_sink {
	void *ud;
	void (*measured)(void *ud, const char *input, const grym_loudness_result *r);
	uint64_t total;
} grym_measure_sink;

/* Measure every item of inputs as p->o would process it (channels,
 * rate, filters; grym_normalize_measure): audio files, audio on stdin,
 * and catalog assets (env->catalog_dir, opened at the first one; an
 * asset's name in messages is its file and id). Any other record is that
 * input's failure. Failures go to env->failed, one at a time; returns
 * GRYM_OK, GRYM_ERR_CANCELLED once *env->cancel is set, or what stopped
 * the run. */
int grym_stage_measure(grym_stage_env *env, grym_sources *inputs,
		       const grym_normalize_params *p, const grym_measure_sink *sink,
		       grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
