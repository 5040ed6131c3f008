/*
 * normalize_params.c — the one table of the normalize stage's parameters,
 * and the options a run uses made from it.
 *
 * Options, --help, defaults, ranges, the recipe's keys and the API's JSON
 * all come from here (grym/schema.h). The recipe parameters keep the
 * order recipes have always listed them in: a derived asset is named by
 * its recipe's bytes. The gain is the exception: four options (--lufs,
 * --peak, --rms, --gain) for two recipe keys ("mode", "target"), which
 * normalize_recipe.c writes and reads itself (GRYM_PARAM_OWN_KEY) with
 * the range of the option the mode names.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "grym/audio.h"
#include "grym/dsp.h"
#include "grym/loudness.h"
#include "grym/normalize_params.h"
#include "core/schema_int.h"
#include "stage/audio_params.h"
#include "grym/pool.h"

#define O(f) offsetof(grym_normalize_params, o.f)
#define P(f) offsetof(grym_normalize_params, f)
#define SHAPES (GRYM_PARAM_RECIPE)

static const char *const types[GRYM_FILE_TYPES + 1] = {
	"wav", "flac", "ogg", "mp3", "opus", "m4a", NULL
};
static const char *const on_silence[] = { "pass", "skip", "fail", NULL };

static const grym_param_word native[] = { { "native", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word no_filter[] = { { "none", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word no_level[] = { { "none", NAN, GRYM_WORD_AS_NULL }, { NULL, 0, 0 } };
static const grym_param_word bits_words[] = {
	{ "32f", 32, GRYM_WORD_AS_NUMBER }, { "auto", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 }
};

/* --type's other names: wave, oga, vorbis, mp4, any case. */
/* --mono: one channel, as --channels 1 says it. */
static int parse_mono(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_normalize_params *np = params;
	np->mono = 1;
	np->o.channels = 1;
	return GRYM_OK;
}

static char *mono_json(const grym_param *p, const void *params)
{
	return strdup(((const grym_normalize_params *)params)->mono ? "true" : "false");
}

static const grym_param params[] = {
	{ .name = "lufs", .type = GRYM_PARAM_REAL, .offset = P(lufs), .def = -23, .min = -100, .max = 0,
	  .unit = "LUFS", .arg = "T", .help = "normalize integrated loudness (EBU R128) to T LUFS",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "peak", .type = GRYM_PARAM_REAL, .offset = P(peak), .def = NAN, .min = -100, .max = 0,
	  .unit = "dBFS", .arg = "DB", .help = "normalize the sample peak to DB dBFS",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "rms", .type = GRYM_PARAM_REAL, .offset = P(rms), .def = NAN, .min = -100, .max = 0,
	  .unit = "dBFS", .arg = "DB",
	  .help = "normalize the RMS level to DB dBFS (full-scale sine: -3.01)",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "gain", .type = GRYM_PARAM_REAL, .offset = P(gain), .def = NAN, .min = -100, .max = 100,
	  .unit = "dB", .arg = "DB", .help = "apply a fixed gain of DB dB",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	/* the recipe's keys after "mode" and "target", in the recipe's order */
	{ .name = "true-peak", .type = GRYM_PARAM_REAL, .offset = O(true_peak), .def = INFINITY,
	  .def_text = "-1 with --lufs", .min = -60, .max = 0, .words = no_level, .unit = "dBTP",
	  .arg = "MAX", .help = "keep the true peak at or below MAX dBTP, or none", .flags = SHAPES },
	{ .name = "limit", .type = GRYM_PARAM_FLAG, .offset = O(limit),
	  .help = "hold the true-peak ceiling with a limiter instead of lowering the gain",
	  .flags = SHAPES },
	{ .name = "rate", .short_name = 'r', .type = GRYM_PARAM_INT, .offset = O(rate),
	  .min = GRYM_LOUDNESS_RATE_MIN, .max = GRYM_LOUDNESS_RATE_MAX, .words = native, .unit = "Hz",
	  .arg = "HZ", .help = "resample to HZ (soxr)", .flags = SHAPES },
	{ .name = "mono", .short_name = 'm', .type = GRYM_PARAM_CUSTOM, .parse = parse_mono,
	  .json_text = mono_json, .schema = "{\"type\":\"boolean\",\"default\":false}",
	  .help = "mix to one channel (channel mean): --channels 1",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY | GRYM_PARAM_CLI_ONLY },
	{ .name = "channels", .short_name = 'c', .type = GRYM_PARAM_INT, .offset = O(channels), .min = 1,
	  .max = GRYM_MAX_CHANNELS, .words = native, .arg = "N",
	  .help = "output N channels (to 1: mean; from 1: copies; 6 to 2: ITU downmix)",
	  .flags = SHAPES },
	{ .name = "highpass", .type = GRYM_PARAM_REAL, .offset = O(highpass), .min = 0.001,
	  .max = 384000, .words = no_filter, .unit = "Hz", .arg = "HZ",
	  .help = "Butterworth high-pass at HZ", .flags = SHAPES },
	{ .name = "lowpass", .type = GRYM_PARAM_REAL, .offset = O(lowpass), .min = 0.001,
	  .max = 384000, .words = no_filter, .unit = "Hz", .arg = "HZ",
	  .help = "Butterworth low-pass at HZ", .flags = SHAPES },
	{ .name = "order", .type = GRYM_PARAM_INT, .offset = O(order), .def = 2, .min = 1,
	  .max = 2 * GRYM_FILTER_SECTIONS_MAX - 1, .arg = "N", .help = "order of the Butterworth filters",
	  .flags = SHAPES },
	{ .name = "dc", .type = GRYM_PARAM_FLAG, .offset = O(dc),
	  .help = "remove DC offset (5 Hz DC blocker)", .flags = SHAPES },
	{ .name = "trim-silence", .type = GRYM_PARAM_REAL, .offset = O(trim_db), .def = NAN, .min = -200,
	  .max = 0, .words = no_level, .unit = "dBFS", .arg = "DB",
	  .help = "cut leading and trailing audio at or below DB dBFS", .flags = SHAPES },
	{ .name = "fade-in", .type = GRYM_PARAM_REAL, .offset = O(fade_in), .min = 0, .max = 86400,
	  .unit = "s", .arg = "S", .help = "fade in over S seconds", .flags = SHAPES },
	{ .name = "fade-out", .type = GRYM_PARAM_REAL, .offset = O(fade_out), .min = 0, .max = 86400,
	  .unit = "s", .arg = "S", .help = "fade out over S seconds", .flags = SHAPES },
	{ .name = "type", .short_name = 't', .type = GRYM_PARAM_ENUM, .offset = O(type), .def = -1,
	  .def_text = "wav, or from -o's extension", .choices = types, .parse = grym__parse_file_type,
	  .arg = "TYPE", .help = "output type: wav, flac, ogg, mp3, opus, m4a", .flags = SHAPES },
	{ .name = "bits", .short_name = 'b', .type = GRYM_PARAM_INT, .offset = O(bits), .def = 0,
	  .min = 16, .max = 32, .words = bits_words, .parse = grym__parse_bits, .arg = "B",
	  .help = "output samples: 16, 24 or 32f (16 is TPDF-dithered), or auto: 16/24 as the "
		  "input, else 32f", .flags = SHAPES },
	{ .name = "seed", .type = GRYM_PARAM_U64, .offset = O(seed), .arg = "N",
	  .help = "seed of the dither", .flags = SHAPES },
	{ .name = "on-silence", .type = GRYM_PARAM_ENUM, .offset = O(silence), .choices = on_silence,
	  .arg = "WHAT", .help = "when the level is undefined: pass (unchanged), skip, fail",
	  .flags = SHAPES },
	/* the run */
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING, .offset = P(output),
	  .arg = "FILE", .help = "write to FILE (atomically) instead of stdout",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "outdir", .type = GRYM_PARAM_STRING, .offset = P(outdir), .min = 1, .arg = "DIR",
	  .help = "several inputs: write each result to DIR (default normalized), as its path below "
		  "their common folder", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "force", .short_name = 'f', .type = GRYM_PARAM_FLAG, .offset = P(force),
	  .help = "with --outdir: replace output files that exist", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "measure", .type = GRYM_PARAM_FLAG, .offset = P(measure),
	  .help = "only measure each FILE (a table, or --json)", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "json", .type = GRYM_PARAM_FLAG, .offset = P(json),
	  .help = "with --measure: one JSON object per input", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "text", .type = GRYM_PARAM_FLAG, .offset = P(text),
	  .help = "catalog mode: write records as text", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "jobs", .short_name = 'j', .type = GRYM_PARAM_INT, .offset = P(jobs), .def = 1,
	  .min = 1, .max = GRYM_JOBS_MAX, .arg = "N",
	  .help = "normalize N files or assets at a time (output order kept)" },
	{ .name = "verify", .type = GRYM_PARAM_FLAG, .offset = P(verify),
	  .help = "catalog mode: hash each object in full before use (else only its size is checked)" },
	{ .name = NULL }
};

static const grym_schema schema = {
	.stage = "normalize",
	.title = "EBU R128 loudness, peak or RMS normalization with resampling, mixing, filters, "
		 "trimming and fades",
	.params = params, .size = sizeof(grym_normalize_params)
};

const grym_schema *grym_normalize_schema(void)
{
	return &schema;
}

int grym_normalize_params_opts(const grym_normalize_params *p, grym_normalize_opts *o,
			       grym_error *err)
{
	static const struct { const char *name; grym_gain_mode mode; size_t at; } gains[] = {
		{ "peak", GRYM_GAIN_PEAK, P(peak) }, { "rms", GRYM_GAIN_RMS, P(rms) },
		{ "gain", GRYM_GAIN_FIXED, P(gain) },
	};
	const char *given = NULL;
	grym_normalize_opts t = p->o;

	t.mode = GRYM_GAIN_LUFS;
	t.target = p->lufs;
	for (size_t i = 0; i < sizeof gains / sizeof gains[0]; i++) {
		double v = *(const double *)((const char *)p + gains[i].at);
		if (isnan(v))
			continue;
		if (given || p->lufs != -23)   /* --lufs at its default is no choice */
			return grym_error_set(err, GRYM_ERR_INVALID, "--%s and --%s: only one of "
					      "--lufs, --peak, --rms, --gain", given ? given : "lufs",
					      gains[i].name);
		given = gains[i].name;
		t.mode = gains[i].mode;
		t.target = v;
	}
	/* the ceiling: -1 dBTP with --lufs, and whenever the limiter holds it */
	if (isinf(t.true_peak))
		t.true_peak = t.mode == GRYM_GAIN_LUFS ? -1.0 : NAN;
	if (t.limit && isnan(t.true_peak))
		t.true_peak = -1.0;
	if ((int)t.type < 0)
		t.type = GRYM_FILE_WAV;
	t.cancel = NULL;
	t.progress = NULL;
	t.progress_ud = NULL;
	t.tmpdir = NULL;
	if (grym_normalize_opts_check(&t, err) != GRYM_OK)
		return GRYM_ERR_INVALID;
	*o = t;
	return GRYM_OK;
}
