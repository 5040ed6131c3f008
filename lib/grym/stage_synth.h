/*
 * stage_synth.h — the synth stage as one library call: what grym-synth
 * does, for a program or a server request (grym/stage.h).
 *
 * One call runs one command of grym-synth, told by the command's word
 * (job->cmd->word, grym/synth_params.h):
 *   - a generator: the segments job->words[0..nwords) one after another
 *     (segment i seeded with seed + i; a cloud's --source decoded from
 *     its file, or from the object of a catalog asset id), as ONE clip;
 *   - dataset: classes x per-class labelled clips (grym_synth_dataset_item),
 *     one clip each, in class order;
 *   - a transformation (job->words[0]): of each input of `inputs` (built
 *     by the caller with GRYM_SOURCES_RECORDS | GRYM_SOURCES_ID_OPERANDS):
 *     one audio file, stdin or catalog id gives ONE clip; records, ids,
 *     a directory or a list give one clip per input, and so do several
 *     catalog ids queued as references (grym_sources_add_ref: a server's
 *     job), each id's failure its own. With cmd->store the results are
 *     stored in the catalog as assets derived from their inputs (which
 *     must be catalog assets) instead of passing samples; an asset
 *     stored is handed to sink->stored even when the cancel flag was set
 *     meanwhile.
 * The clips go to the sink in order, on the calling thread.
 */
#ifndef GRYM_STAGE_SYNTH_H
#define GRYM_STAGE_SYNTH_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/stage.h"
#include "grym/sources.h"
#include "grym/synth_params.h"

#ifdef __cplusplus
extern "C" {
#endif


/* What the call is asked to do: parameters as the table leaves them
 * (grym_synth_schema), validated. */
typedef struct grym_synth_job {
	const grym_synth_stage_params *cmd;   /* the command's options (rate,
	                                         channels, seed, name, store,
	                                         verify, classes, per-class,
	                                         records and output where they
	                                         change what is made) and word */
	const grym_synth_stage_params *words; /* generators: one per segment;
	                                         transform: words[0] */
	size_t nwords;
	const char *operand;    /* the command's operand as given. transform:
	                         * the input ("-": stdin), named in messages
	                         * and in the recipe of one file's result;
	                         * dataset: the folder the items' paths are
	                         * in (NULL: ".") */
} grym_synth_job;

/* One result, as the sink is handed it (valid during the callback). */
typedef struct grym_synth_clip {
	const char *key;        /* its name as a record key: --name or the
	                         * generator / transformation; dataset:
	                         * CLASS-NNN; a stream's input: its key */
	const char *path;       /* dataset: OPERAND/CLASS/KEY.EXT, where a file
	                         * of it belongs (EXT: -t's type, else wav);
	                         * else NULL */
	const char *label;      /* dataset: its class; else NULL */
	const grym_json *meta;     /* its record metadata: rate, channels, the
	                         * recipe and "pipeline" (a stored clip's: the
	                         * asset, parent, format, codec too) */
	int rate, channels;
	int64_t frames;         /* its length */
	const char *asset;      /* stored: the new asset's full id; else NULL */
} grym_synth_clip;

/* Where the clips go. Every callback returns GRYM_OK or a status with
 * err filled; an error of the sink stops the call, which returns it
 * as it is (a sink that would rather skip one clip reports it itself
 * with grym_stage_fail and returns GRYM_OK). NULL callbacks do nothing. */
typedef struct grym_synth_sink {
	void *ud;
	/* Once, before the first clip: many is 0 when the call makes one
	 * clip (generators, one transformed file or id), 1 when it makes one
	 * per item (dataset, a transformed stream: then it is called even
	 * when no item comes). */
	int (*start)(void *ud, int many, grym_error *err);
	/* A clip of c->frames frames follows through write(), in blocks of
	 * interleaved float samples; end() closes it: exactly once after a
	 * begin that succeeded, ok 0 when the call failed or was cancelled
	 * meanwhile (the clip is to be dropped; err NULL then). */
	int (*begin)(void *ud, const grym_synth_clip *c, grym_error *err);
	int (*write)(void *ud, const float *x, int64_t frames, grym_error *err);
	int (*end)(void *ud, int ok, grym_error *err);
	/* cmd->store: c was stored in the catalog as c->asset (no samples). */
	int (*stored)(void *ud, const grym_synth_clip *c, grym_error *err);
} grym_synth_sink;

/* A command assembled word by word, as grym-synth's command line (or a
 * request) gives it: words (a generator, --then and the next; dataset;
 * transform and its transformation; an operand) and options, each
 * option going to the word before it unless it is the command's. Every
 * mistake is GRYM_ERR_INVALID with grym-synth's usage message. */
#define GRYM_SYNTH_MAX_SEGMENTS 1024
typedef struct grym_synth_cmd {
	grym_synth_stage_params g;      /* the command's options, wherever they stand */
	grym_synth_stage_params word[GRYM_SYNTH_MAX_SEGMENTS]; /* each segment's
	                                   (the transformation's is word[0]) */
	size_t nseg;
	int then_pending;       /* --then seen, its generator not yet */
	int dataset;
	int xform;              /* 1: transform seen, 2: its transformation too */
	const char *operand;    /* not copied */
} grym_synth_cmd;
/* Start: the table's defaults (free with grym_schema_clear on g and
 * each word, or leave to the process's end). */
int grym_synth_cmd_init(grym_synth_cmd *c, grym_error *err);
/* A word; literal: it came after "--" (an operand, whatever it says). */
int grym_synth_cmd_word(grym_synth_cmd *c, const char *word, int literal, grym_error *err);
/* An option by its long name: GRYM_ERR_INVALID with an empty message
 * when the table has no such option. */
int grym_synth_cmd_option(grym_synth_cmd *c, const char *name, const char *arg,
			  grym_error *err);
/* The whole command checked, and the job that runs it (pointing into c). */
int grym_synth_cmd_finish(grym_synth_cmd *c, grym_synth_job *job, grym_error *err);

/* Run job (see above) into sink. inputs: the transformation's (not
 * owned; NULL for generators and dataset).
 *
 * Failures of one input (a transform input that cannot be read or
 * transformed, a dataset item, a cloud's --source) go to
 * grym_stage_fail with the message grym-synth prints; the call goes on
 * with the next input where there is one. The call's status is for what
 * stops it: GRYM_ERR_INVALID when the parameters are not possible (the
 * segments: before anything reached the sink; a transformation that
 * does not fit its one input: err names the input),
 * GRYM_ERR_UNSUPPORTED for a request its input cannot serve (a usage
 * error of the command) (--store of audio files; --store of one
 * id with output or records), the sink's own errors, what stops a
 * stream (no catalog to look its references up in: env->catalog_dir
 * NULL or not to be opened), GRYM_ERR_CANCELLED once
 * *env->cancel is set (checked every block of samples and every input;
 * a clip begun is ended with ok 0 and nothing more is stored).
 * Progress: clips done (a long one's fraction by frames) out of the
 * number of clips when known. */
int grym_stage_synth(grym_stage_env *env, grym_sources *inputs, const grym_synth_job *job,
		     const grym_synth_sink *sink, grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop
#endif
