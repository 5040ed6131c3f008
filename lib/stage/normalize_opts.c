/*
 * normalize_opts.c — the options of one normalization
 * (grym/normalize_params.h): their defaults, the checks of their values,
 * and whether they need two passes over the signal.
 */
#include "grym/dsp.h"
#include "grym/normalize_params.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void grym_normalize_opts_init(grym_normalize_opts *o)
{
	memset(o, 0, sizeof *o);
	o->mode = GRYM_GAIN_LUFS;
	o->target = -23.0;
	o->true_peak = -1.0;
	o->trim_db = NAN;
	o->order = 2;
	o->type = GRYM_FILE_WAV;
	o->silence = GRYM_SILENCE_PASS;
}

int grym_normalize_opts_check(const grym_normalize_opts *o, grym_error *err)
{
	if (!isfinite(o->target) || o->target < -150 || o->target > 150)
		return grym_error_set(err, GRYM_ERR_INVALID, "target %g out of range", o->target);
	if (!isnan(o->true_peak) && !(o->true_peak <= 0.0 && o->true_peak >= -60.0))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "--true-peak %g: must be between -60 and 0 dBTP", o->true_peak);
	if (o->rate != 0 && (o->rate < GRYM_LOUDNESS_RATE_MIN || o->rate > GRYM_LOUDNESS_RATE_MAX))
		return grym_error_set(err, GRYM_ERR_INVALID, "--rate %d: must be %d..%d Hz",
				      o->rate, GRYM_LOUDNESS_RATE_MIN, GRYM_LOUDNESS_RATE_MAX);
	if (o->channels < 0 || o->channels > GRYM_MAX_CHANNELS)
		return grym_error_set(err, GRYM_ERR_INVALID, "--channels %d: must be 1..64", o->channels);
	if (o->highpass < 0 || o->lowpass < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "filter frequencies must be positive");
	if (o->order < 1 || o->order > 2 * GRYM_FILTER_SECTIONS_MAX - 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "--order %d: must be 1..%d",
				      o->order, 2 * GRYM_FILTER_SECTIONS_MAX - 1);
	if (!(o->fade_in >= 0) || !(o->fade_out >= 0) || o->fade_in > 86400 || o->fade_out > 86400)
		return grym_error_set(err, GRYM_ERR_INVALID, "fade lengths must be 0..86400 s");
	if (!isnan(o->trim_db) && !(o->trim_db <= 0 && o->trim_db >= -200))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "--trim-silence %g: must be between -200 and 0 dBFS", o->trim_db);
	if (o->bits != 0 && o->bits != 16 && o->bits != 24 && o->bits != 32)
		return grym_error_set(err, GRYM_ERR_INVALID, "--bits %d: must be 16, 24 or 32f", o->bits);
	/* a recipe holds the seed as a JSON integer */
	if (o->seed > (uint64_t)INT64_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "--seed %llu: must be below 2^63",
				      (unsigned long long)o->seed);
	return GRYM_OK;
}

int grym_normalize_two_pass(const grym_normalize_opts *o)
{
	return o->mode != GRYM_GAIN_FIXED || !isnan(o->trim_db) || o->fade_out > 0;
}
