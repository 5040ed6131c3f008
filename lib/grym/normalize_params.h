/*
 * normalize_params.h — the normalize stage's parameters, as one table
 * (grym/schema.h): what grym-normalize takes as options, what its recipe
 * holds, what the HTTP API accepts, and `grym-normalize --schema`; and
 * the recipe itself, written and read back through that table.
 */
#ifndef GRYM_NORMALIZE_PARAMS_H
#define GRYM_NORMALIZE_PARAMS_H
#pragma GCC visibility push(default)

#include "grym/dsp.h"
#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct json_t json_t;   /* jansson's; callers include <jansson.h> */

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
json_t *grym_normalize_recipe(const grym_normalize_opts *o) GRYM_MUST_CHECK;

/* The recipe as one item's "pipeline" entry (a new reference): a copy,
 * with "short_clip": true when that item was under 400 ms and its
 * loudness measured ungated (grym/loudness.h). The flag is informative:
 * grym_normalize_opts_from_recipe accepts and ignores it, and it is not
 * part of the recipe that names derived assets. */
json_t *grym_normalize_recipe_entry(const json_t *recipe, int short_clip) GRYM_MUST_CHECK;

/* The inverse of grym_normalize_recipe: o receives the options a recipe
 * object was made from (o->tmpdir is kept). Every key must be present,
 * well typed and in the option's range (the table's), "stage" must be
 * "normalize", "target" in the range of the option "mode" names;
 * "versions" and "short_clip" are informative and not compared; an
 * unknown key is GRYM_ERR_FORMAT (a newer grym's option would otherwise
 * be dropped silently). o is only written on success. */
int grym_normalize_opts_from_recipe(const json_t *recipe, grym_normalize_opts *o,
				    grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
