/*
 * normalize_params.h — the normalize stage's parameters, as one table
 * (grym/schema.h): what grym-normalize takes as options, what its recipe
 * holds, what the HTTP API accepts, and `grym-normalize --schema`; and
 * the recipe itself, written and read back through that table.
 */
#ifndef GRYM_NORMALIZE_PARAMS_H
#define GRYM_NORMALIZE_PARAMS_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stdint.h>
#include "grym/audio.h"
#include "grym/json.h"
#include "grym/progress.h"
#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the options of one normalization (what a recipe holds) ---- */

typedef enum grym_gain_mode {
	GRYM_GAIN_LUFS = 0,     /* integrated loudness to target LUFS */
	GRYM_GAIN_PEAK,         /* sample peak to target dBFS */
	GRYM_GAIN_RMS,          /* RMS (20 log10 rms) to target dBFS */
	GRYM_GAIN_FIXED         /* add target dB */
} grym_gain_mode;

typedef enum grym_silence_policy {
	GRYM_SILENCE_PASS = 0,  /* loudness undefined: gain 0 dB, other processing kept */
	GRYM_SILENCE_SKIP,      /* write nothing, report skipped */
	GRYM_SILENCE_FAIL       /* GRYM_ERR_FORMAT */
} grym_silence_policy;

typedef struct grym_normalize_opts {
	grym_gain_mode mode;
	double target;          /* LUFS, dBFS or dB by mode */
	double true_peak;       /* ceiling in dBTP, NAN for none */
	int limit;              /* 1: limiter at the ceiling instead of lowering the gain */
	int rate;               /* output rate (soxr), 0: keep */
	int channels;           /* output channels (see grym_mix), 0: keep */
	double highpass;        /* Butterworth corner in Hz, 0: off */
	double lowpass;
	int order;              /* Butterworth order (default 2) */
	int dc;                 /* DC blocker (5 Hz) */
	double trim_db;         /* trim leading/trailing frames at or below this
				   level (dBFS), NAN: no trimming */
	double fade_in;         /* seconds, 0: none */
	double fade_out;
	grym_file_type type;    /* output container */
	int bits;               /* 16, 24, 32 (float), 0: 16/24 as the input, else 32f */
	uint64_t seed;          /* dither; below 2^63 (a recipe holds it as a JSON integer) */
	grym_silence_policy silence;
	const char *tmpdir;     /* for spooled pipes; NULL: $TMPDIR or /tmp */
	/* Not part of a recipe (grym/progress.h): once *cancel is set the
	 * call stops with GRYM_ERR_CANCELLED (checked every block of 4096
	 * frames) and leaves no temporary; progress hears the fraction of
	 * the call done: the measuring pass, then the processing pass, each
	 * by its position in the file. */
	const volatile sig_atomic_t *cancel;
	grym_progress_fn progress;
	void *progress_ud;
} grym_normalize_opts;

/* The defaults: --lufs -23 with a -1 dBTP ceiling, everything else off. */
void grym_normalize_opts_init(grym_normalize_opts *o);
/* Check option values (ranges, a supported channel mapping is checked
 * per input); GRYM_ERR_INVALID with the option named. */
int grym_normalize_opts_check(const grym_normalize_opts *o, grym_error *err);
/* 1 if the options need the whole signal before writing (two passes). */
int grym_normalize_two_pass(const grym_normalize_opts *o);

/* Everything a normalize run is given. o is first: the table's recipe
 * parameters are its fields, as the library takes them — except the
 * gain (mode and target), which the options --lufs, --peak, --rms and
 * --gain say, each in a field of its own, and three fields that hold
 * "not given" until grym_normalize_params_opts settles them: o.type (-1:
 * WAV, or from -o's extension), o.true_peak (+inf: -1 dBTP with --lufs or
 * --limit, else none) and o.mode. */
typedef struct grym_normalize_params {
	grym_normalize_opts o;          /* what shapes the result */
	double lufs, peak, rms, gain;   /* the gain's target; NaN: not given
					   (lufs: -23 unless another is) */
	int mono;                       /* --mono: o.channels 1 */
	int jobs;                       /* inputs at a time */
	int verify;                     /* hash every catalog object in full */
	int measure, json, text, force; /* the command's own */
	char *output, *outdir;
} grym_normalize_params;

/* The table: every option of grym-normalize, in the order --help lists
 * them. */
const grym_schema *grym_normalize_schema(void);

/* The options a run uses, from p: the gain mode and target (--peak,
 * --rms or --gain when one is given, else --lufs; two of them are
 * GRYM_ERR_INVALID, --lufs at its default aside), the ceiling's default,
 * WAV for a type not given; then checked (grym_normalize_opts_check).
 * The cancel flag, progress and tmpdir are left unset. */
int grym_normalize_params_opts(const grym_normalize_params *p, grym_normalize_opts *o,
			       grym_error *err) GRYM_MUST_CHECK;

/* The recipe of o as JSON (new reference, NULL when out of memory):
 * {"stage":"normalize", "mode", "target", every recipe parameter of the
 * table in its order, "versions":{grym, libavcodec, libswresample,
 * libsndfile}}. Its canonical text and the parent id name the derived
 * asset (grym_id_derived), so the same recipe on the same asset is found
 * again instead of recomputed. */
grym_json *grym_normalize_recipe(const grym_normalize_opts *o) GRYM_MUST_CHECK;

/* The recipe as one item's "pipeline" entry (a new reference): a copy,
 * with "short_clip": true when that item was under 400 ms and its
 * loudness measured ungated (grym/loudness.h). The flag is informative:
 * grym_normalize_opts_from_recipe accepts and ignores it, and it is not
 * part of the recipe that names derived assets. */
grym_json *grym_normalize_recipe_entry(const grym_json *recipe, int short_clip) GRYM_MUST_CHECK;

/* The inverse of grym_normalize_recipe: o receives the options a recipe
 * object was made from (o->tmpdir is kept). Every key must be present,
 * well typed and in the option's range (the table's), "stage" must be
 * "normalize", "target" in the range of the option "mode" names;
 * "versions" and "short_clip" are informative and not compared; an
 * unknown key is GRYM_ERR_FORMAT (a newer grym's option would otherwise
 * be dropped silently). o is only written on success. */
int grym_normalize_opts_from_recipe(const grym_json *recipe, grym_normalize_opts *o,
				    grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
