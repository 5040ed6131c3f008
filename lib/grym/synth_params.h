/*
 * synth_params.h — the synth stage's parameters, as one table
 * (grym/schema.h): what grym-synth takes as options, what the HTTP API
 * accepts, and `grym-synth --schema`.
 *
 * grym-synth's command line is words with options after them: a
 * generator (a segment; --then starts the next), `dataset`, or
 * `transform` and a transformation. The table's kind parameter is that
 * word ("generator": the nine generators, dataset, the six
 * transformations), and each parameter applies to the words that take it
 * ("x-grym-applies"). One grym_synth_stage_params holds one word's
 * parameters and the command's; the command line keeps one per segment.
 */
#ifndef GRYM_SYNTH_PARAMS_H
#define GRYM_SYNTH_PARAMS_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/schema.h"
#include "grym/synth.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The words, as indexes of the kind parameter's choices: the generators
 * are their grym_synth_kind, then dataset, then the transformations in
 * grym_xform_kind order. */
#define GRYM_SYNTH_WORD_DATASET GRYM_SYNTH_NKINDS
#define GRYM_SYNTH_WORD_XFORM(k) (GRYM_SYNTH_NKINDS + 1 + (int)(k))
#define GRYM_SYNTH_WORDS (GRYM_SYNTH_NKINDS + 1 + GRYM_XFORM_NKINDS)

typedef struct grym_synth_stage_params {
	/* one word's: seg is first, so the generator parameters lie at
	 * grym_synth_params' own offsets */
	grym_synth_params seg;  /* a segment (--duration is also freeze's length) */
	grym_xform_params xf;   /* a transformation */
	char *source;           /* cloud: grains from this file or catalog id */
	int then;               /* --then: a next segment follows */
	int word;               /* the kind parameter: the command's word */
	/* the command's, wherever they stand */
	int rate, channels;     /* 0: 48000 and 1, or for transform the input's */
	uint64_t seed;          /* segment i uses seed + i */
	int bits;               /* 16, 24, 32 (float) */
	int type;               /* grym_file_type; -1: from -o, else WAV */
	int records, text, store, verify;
	int classes, per_class; /* dataset */
	char *output, *name;
} grym_synth_stage_params;

/* The table: every option of grym-synth, in the order --help lists them. */
const grym_schema *grym_synth_schema(void);

/* A new p for word: the table's defaults, then the word's own from the
 * library (grym_synth_params_default, grym_xform_params_default), which
 * differ by generator (--freq, --to) and transformation (--amount,
 * --duration). Call grym_schema_clear when done. */
int grym_synth_stage_defaults(grym_synth_stage_params *p, int word, grym_error *err)
	GRYM_MUST_CHECK;

/* 1 when p is one of the command's parameters (it holds wherever it
 * stands), 0 when it is a word's. */
int grym_synth_param_global(const grym_param *p);

/* A word's parameters as the library takes them: the segment of a
 * generator (a cloud's --sieve and --grid are its grains'), or the
 * transformation (--duration is freeze's length); the seed is left to
 * the caller. */
void grym_synth_stage_segment(const grym_synth_stage_params *p, grym_synth_params *seg);
void grym_synth_stage_xform(const grym_synth_stage_params *p, grym_xform_params *xf);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
