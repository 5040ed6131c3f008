/*
 * stage_infer.h — the infer stage as one library call: a trained model
 * (grym-model(5), from a file or the catalog) applied to every input,
 * each prediction handed to a sink in input order.
 *
 *   grym_infer_sink sink = { .ud = &out, .begin = open_out,
 *                            .write = write_line, .flush = flush_out,
 *                            .name = "stdout" };
 *   rc = grym_stage_infer(&env, "m.model", sources, &params, &sink, &err);
 *
 * What an input is (grym/sources.h, built by the caller with
 * GRYM_SOURCES_RECORDS | GRYM_SOURCES_TSV, and TSV_ALL for --tsv):
 *   - a record with one row (a summary vector, or a window of
 *     grym-features --segment): scored as it is, after its dimensions,
 *     recipe ("pipeline") and rate are checked against the model's;
 *   - a TSV table: its header matched to the model's feature names, one
 *     prediction per line (key: the "key", "id" or "path" column, else
 *     "line N");
 *   - an audio file, or audio on stdin: replayed through the model's own
 *     recipe (grym/replay.h: its normalize and features stages) by up to
 *     env->jobs threads; key: the path ("-" for stdin, as the caller's
 *     stdin_name says);
 *   - a catalog reference (an id or prefix): a feature set's summary
 *     vector, else an asset replayed from its source's audio.
 * With a catalog, the prediction of an input that is a catalog asset is
 * stored in it (grym_catalog_put_prediction), after the sink has been
 * given it; a model given as a file gets its catalog row on its first
 * stored prediction.
 */
#ifndef GRYM_STAGE_INFER_H
#define GRYM_STAGE_INFER_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"
#include "grym/infer_params.h"
#include "grym/ml.h"
#include "grym/sources.h"
#include "grym/stage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One prediction. Everything is borrowed: valid during the write call. */
typedef struct grym_infer_result {
	const char *key;        /* the input's key (see above); may be any
				   bytes a file name holds, not always UTF-8 */
	double start, end;      /* a window's times in seconds; NAN both for
				   a whole input */
	size_t n;               /* labels: every class (or cluster) of the model */
	const char *const *labels;  /* n names: the model's predicted label
				   first (for svm its decision vote, not always
				   the most probable), then the others by
				   probability, highest first */
	const float *probs;     /* n probabilities, in the order of labels */
	const char *asset;      /* the catalog asset the prediction is stored
				   under, "" when none */
} grym_infer_result;

/* Where the predictions go. Every callback runs on the calling thread;
 * a non-zero return (err filled) stops the stage, which returns it with
 * err prefixed by name. */
typedef struct grym_infer_sink {
	void *ud;
	/* Once the model is loaded, before any input is read (NULL: none):
	 * the model (borrowed for the call) and its id. A CLI opens its
	 * output here, so a model that does not load leaves none. */
	int (*begin)(void *ud, const grym_model *m, const char *model_id, grym_error *err);
	/* One prediction, in input order (required). */
	int (*write)(void *ud, const grym_infer_result *r, grym_error *err);
	/* After each batch of writes (up to 4096 predictions, or a run of
	 * audio files), before their predictions are stored: what was
	 * written may leave now (NULL: none). */
	int (*flush)(void *ud, grym_error *err);
	/* The output in messages: an error of write, flush or of storing
	 * predictions is prefixed with it (NULL: no prefix). */
	const char *name;
} grym_infer_sink;

/* Run the infer stage: load model_ref (a model file, or a model id, id
 * prefix or name in env->catalog_dir), then predict every item of inputs
 * and give each prediction to sink, in input order. p->top, p->jsonl,
 * p->output and p->tsv are the sink's and the caller's business (the
 * stage gives every label; the caller builds inputs); p->verify hashes
 * catalog objects in full as they are read; -j is env->jobs.
 * env->catalog_dir: NULL runs without a catalog (a bare reference is
 * then a failed input), and a model_ref that is no file is then an error.
 * An input that cannot be scored (unreadable, wrong dimensions or recipe,
 * NaN, a TSV line that is not numbers, an audio file that does not
 * decode) goes to grym_stage_fail under its name and the stage goes on.
 * Returns GRYM_OK; or, with err naming it, what stopped everything: the
 * model (err prefixed by model_ref), the catalog ("catalog: ..."), the
 * sink or storing a prediction (prefixed by sink->name), out of memory;
 * or GRYM_ERR_CANCELLED once *env->cancel is set (already set: before
 * anything is read). "N predictions stored" is an info line of level 1.
 * The caller owns inputs and sink; the stage frees what it made. */
int grym_stage_infer(grym_stage_env *env, const char *model_ref, grym_sources *inputs,
		     const grym_infer_params *p, const grym_infer_sink *sink, grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
