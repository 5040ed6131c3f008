/*
 * synth_params.c — the one table of the synth stage's parameters.
 *
 * Options, --help, defaults, ranges, which words take each parameter and
 * the API's JSON come from here (grym/schema.h). The kind parameter is
 * the command's word: a generator, dataset or a transformation, and each
 * parameter says which of them take it (applies). Defaults that differ by
 * word (--freq, --to, --amount, --duration) are the library's
 * (grym_synth_params_default, grym_xform_params_default): the table's
 * def_text says them for --help. The recipe of a sequence is written by
 * lib/synth/recipe.c, only the keys each generator reads (a sieve or a
 * frequency, a rhythm or a density), so its keys are marked
 * GRYM_PARAM_OWN_KEY; test_synth_params checks they are the table's keys
 * for that generator, with values in the table's ranges.
 */
#include <stddef.h>
#include <string.h>

#include "grym/audio.h"
#include "grym/synth_params.h"
#include "core/schema_int.h"
#include "stage/audio_params.h"

#define SEG(f) offsetof(grym_synth_stage_params, seg.f)
#define XF(f) offsetof(grym_synth_stage_params, xf.f)
#define P(f) offsetof(grym_synth_stage_params, f)
#define SHAPES (GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY)

/* the words a parameter applies to */
#define G(x) (1u << GRYM_SYNTH_##x)
#define GEN ((1u << GRYM_SYNTH_NKINDS) - 1)
#define WAVE (G(SINE) | G(SQUARE) | G(SAW) | G(CHIRP) | G(IMPULSE))
#define DATASET (1u << GRYM_SYNTH_WORD_DATASET)
#define X(x) (1u << GRYM_SYNTH_WORD_XFORM(GRYM_XFORM_##x))
#define XF_ALL (X(REVERSE) | X(STRETCH) | X(PITCH) | X(RANDPHASE) | X(SMEAR) | X(FREEZE))

static const char *const words[GRYM_SYNTH_WORDS + 1] = {
	"sine", "square", "saw", "chirp", "noise", "impulse", "silence", "gendyn", "cloud",
	"dataset", "reverse", "stretch", "pitch", "randphase", "smear", "freeze", NULL
};
static const char *const types[GRYM_FILE_TYPES + 1] = {
	"wav", "flac", "ogg", "mp3", "opus", "m4a", NULL
};
static const char *const sweeps[] = { "linear", "log", NULL };
static const char *const colors[] = { "white", "pink", "brown", NULL };
static const char *const dists[] = {
	"cauchy", "logistic", "hypcos", "arcsine", "exponential", "uniform", NULL
};
static const grym_param_word float32[] = { { "32f", 32, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };

/* The other names: -t wave, --bits float, --sweep lin/exp, --adist cosh. */
static int parse_sweep(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_sweep s;
	if (grym_sweep_parse(text, &s, err) != GRYM_OK)
		return GRYM_ERR_INVALID;
	*grym__param_int(p, params) = (int)s;
	return GRYM_OK;
}

static int parse_dist(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_dist d;
	if (grym_dist_parse(text, &d, err) != GRYM_OK)
		return GRYM_ERR_INVALID;
	*grym__param_int(p, params) = (int)d;
	return GRYM_OK;
}

/* --sieve, --onset-sieve: the expression must parse (its column named). */
static int check_sieve(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_sieve *s = grym_sieve_parse(text, err);
	if (!s)
		return GRYM_ERR_INVALID;
	grym_sieve_free(s);
	return GRYM_OK;
}

static const grym_param params[] = {
	{ .name = "generator", .type = GRYM_PARAM_ENUM, .offset = P(word), .choices = words,
	  .arg = "GENERATOR", .help = "the command's word: a generator (sine, square, saw, chirp, "
	  "noise, impulse, silence, gendyn, cloud), dataset, or transform's transformation (reverse, "
	  "stretch, pitch, randphase, smear, freeze)", .flags = GRYM_PARAM_OPERAND | SHAPES },
	/* the command's */
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING, .offset = P(output),
	  .arg = "FILE", .help = "write to FILE (atomically) instead of stdout",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "type", .short_name = 't', .type = GRYM_PARAM_ENUM, .offset = P(type), .def = -1,
	  .def_text = "from -o, else wav", .choices = types, .parse = grym__parse_file_type, .arg = "TYPE",
	  .help = "file type wav, flac, ogg, mp3, opus or m4a" },
	{ .name = "bits", .type = GRYM_PARAM_INT, .offset = P(bits), .def = 16, .min = 16, .max = 32,
	  .words = float32, .parse = grym__parse_bits, .arg = "B", .help = "sample format 16, 24 or 32f" },
	{ .name = "rate", .short_name = 'r', .type = GRYM_PARAM_INT, .offset = P(rate), .min = 1,
	  .max = 768000, .def_text = "48000; transform: the input's", .unit = "Hz", .arg = "HZ",
	  .help = "sample rate", .flags = SHAPES },
	{ .name = "channels", .short_name = 'c', .type = GRYM_PARAM_INT, .offset = P(channels),
	  .min = 1, .max = 64, .def_text = "1; transform: the input's", .arg = "N",
	  .help = "channels, each carrying the same signal", .flags = SHAPES },
	{ .name = "seed", .type = GRYM_PARAM_U64, .offset = P(seed), .def = 1, .arg = "N",
	  .help = "random seed; segment i (from 0) uses N+i", .flags = SHAPES },
	{ .name = "records", .type = GRYM_PARAM_FLAG, .offset = P(records),
	  .help = "write a grym audio record instead of a sound file", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "text", .type = GRYM_PARAM_FLAG, .offset = P(text),
	  .help = "write records in the text form (implies --records)", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "name", .type = GRYM_PARAM_STRING, .offset = P(name), .min = 1, .arg = "KEY",
	  .help = "record key (default: the first generator's name)", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "store", .type = GRYM_PARAM_FLAG, .offset = P(store), .applies = XF_ALL,
	  .help = "transform of a catalog id: store the result as a derived asset" },
	{ .name = "verify", .type = GRYM_PARAM_FLAG, .offset = P(verify),
	  .help = "catalog ids: hash each asset's object in full before use (else only its size is checked)" },
	{ .name = "classes", .type = GRYM_PARAM_INT, .offset = P(classes),
	  .def = GRYM_SYNTH_DATASET_MAX_CLASSES, .min = 1, .max = GRYM_SYNTH_DATASET_MAX_CLASSES,
	  .arg = "N", .applies = DATASET, .help = "dataset: number of classes" },
	{ .name = "per-class", .type = GRYM_PARAM_INT, .offset = P(per_class), .def = 20, .min = 1,
	  .max = 100000, .arg = "M", .applies = DATASET, .help = "dataset: items per class" },
	/* a generator's (a segment's) */
	{ .name = "then", .type = GRYM_PARAM_FLAG, .offset = P(then), .applies = GEN,
	  .help = "end this segment; the next generator follows", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "duration", .short_name = 'd', .type = GRYM_PARAM_REAL, .offset = SEG(duration),
	  .def = 1, .def_text = "1; freeze: 5", .min = 0, .max = 1e7, .unit = "s", .arg = "S",
	  .applies = GEN | X(FREEZE), .help = "segment length in seconds (freeze: output length)",
	  .flags = SHAPES },
	{ .name = "level", .short_name = 'l', .type = GRYM_PARAM_REAL, .offset = SEG(level), .def = -20,
	  .min = -200, .max = 0, .unit = "dBFS", .arg = "DBFS", .applies = GEN & ~G(SILENCE),
	  .help = "peak level in dBFS", .flags = SHAPES },
	{ .name = "freq", .short_name = 'f', .type = GRYM_PARAM_REAL, .offset = SEG(freq), .def = 1000,
	  .def_text = "1000; impulse: 0, cloud: 200", .min = 0, .max = 1e7, .unit = "Hz", .arg = "HZ",
	  .applies = WAVE | G(CLOUD),
	  .help = "frequency (chirp: start; impulse: rate, 0 one; cloud: lowest)", .flags = SHAPES },
	{ .name = "to", .type = GRYM_PARAM_REAL, .offset = SEG(to), .def = 8000,
	  .def_text = "8000; cloud: 2000", .min = 0, .max = 1e7, .unit = "Hz", .arg = "HZ",
	  .applies = G(CHIRP) | G(CLOUD), .help = "chirp: end frequency; cloud: highest pitch",
	  .flags = SHAPES },
	{ .name = "sweep", .type = GRYM_PARAM_ENUM, .offset = SEG(sweep), .choices = sweeps,
	  .parse = parse_sweep, .arg = "LAW", .applies = G(CHIRP),
	  .help = "chirp law: linear or log", .flags = SHAPES },
	{ .name = "phase", .short_name = 'p', .type = GRYM_PARAM_REAL, .offset = SEG(phase), .min = -1e9,
	  .max = 1e9, .unit = "degrees", .arg = "DEG", .applies = WAVE, .help = "start phase in degrees",
	  .flags = SHAPES },
	{ .name = "color", .type = GRYM_PARAM_ENUM, .offset = SEG(color), .choices = colors, .arg = "C",
	  .applies = G(NOISE), .help = "noise color: white, pink or brown", .flags = SHAPES },
	{ .name = "sieve", .type = GRYM_PARAM_STRING, .offset = SEG(sieve), .min = 1,
	  .parse = check_sieve, .arg = "EXPR", .applies = G(IMPULSE) | G(CLOUD),
	  .help = "impulse: rhythm sieve; cloud: pitch sieve in semitones", .flags = SHAPES },
	{ .name = "grid", .type = GRYM_PARAM_REAL, .offset = SEG(grid), .def = 0.125, .min = 1e-6,
	  .max = 1e6, .unit = "s", .arg = "S", .applies = G(IMPULSE) | G(CLOUD),
	  .help = "seconds per unit of a rhythm sieve", .flags = SHAPES },
	{ .name = "points", .type = GRYM_PARAM_INT, .offset = SEG(gendyn.points), .def = 12, .min = 2,
	  .max = 4096, .arg = "N", .applies = G(GENDYN), .help = "gendyn: breakpoints per period",
	  .flags = SHAPES },
	{ .name = "adist", .type = GRYM_PARAM_ENUM, .offset = SEG(gendyn.adist), .choices = dists,
	  .parse = parse_dist, .arg = "D", .applies = G(GENDYN),
	  .help = "gendyn: amplitude walk distribution", .flags = SHAPES },
	{ .name = "ddist", .type = GRYM_PARAM_ENUM, .offset = SEG(gendyn.ddist), .choices = dists,
	  .parse = parse_dist, .arg = "D", .applies = G(GENDYN),
	  .help = "gendyn: duration walk distribution", .flags = SHAPES },
	{ .name = "apar", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.apar), .def = 1, .min = 1e-9,
	  .max = 1e6, .arg = "A", .applies = G(GENDYN),
	  .help = "gendyn: parameter a of the amplitude distribution", .flags = SHAPES },
	{ .name = "dpar", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.dpar), .def = 1, .min = 1e-9,
	  .max = 1e6, .arg = "A", .applies = G(GENDYN),
	  .help = "gendyn: parameter a of the duration distribution", .flags = SHAPES },
	{ .name = "amp-barrier", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.amp_barrier), .def = 1,
	  .min = 1e-9, .max = 1, .arg = "B", .applies = G(GENDYN),
	  .help = "gendyn: amplitude mirrors at +-B (0..1]", .flags = SHAPES },
	{ .name = "amp-step", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.amp_step), .def = 0.1,
	  .min = 1e-9, .max = 2, .arg = "S", .applies = G(GENDYN),
	  .help = "gendyn: amplitude step mirrors at +-S", .flags = SHAPES },
	{ .name = "freq-min", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.freq_min), .def = 100,
	  .min = 1e-3, .max = 1e6, .unit = "Hz", .arg = "HZ", .applies = G(GENDYN),
	  .help = "gendyn: lowest period frequency", .flags = SHAPES },
	{ .name = "freq-max", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.freq_max), .def = 400,
	  .min = 1e-3, .max = 1e6, .unit = "Hz", .arg = "HZ", .applies = G(GENDYN),
	  .help = "gendyn: highest period frequency", .flags = SHAPES },
	{ .name = "dur-step", .type = GRYM_PARAM_REAL, .offset = SEG(gendyn.dur_step), .def = 0.1,
	  .min = 0, .max = 1, .arg = "F", .applies = G(GENDYN),
	  .help = "gendyn: duration step mirrors, fraction of the range", .flags = SHAPES },
	{ .name = "density", .type = GRYM_PARAM_REAL, .offset = SEG(cloud.density), .def = 50,
	  .min = 1e-6, .max = 100000, .arg = "G", .applies = G(CLOUD),
	  .help = "cloud: grains per second (Poisson)", .flags = SHAPES },
	{ .name = "grain-min", .type = GRYM_PARAM_REAL, .offset = SEG(cloud.grain_min), .def = 0.02,
	  .min = 1e-5, .max = 60, .unit = "s", .arg = "S", .applies = G(CLOUD),
	  .help = "cloud: shortest grain in seconds", .flags = SHAPES },
	{ .name = "grain-max", .type = GRYM_PARAM_REAL, .offset = SEG(cloud.grain_max), .def = 0.08,
	  .min = 1e-5, .max = 60, .unit = "s", .arg = "S", .applies = G(CLOUD),
	  .help = "cloud: longest grain in seconds", .flags = SHAPES },
	{ .name = "amp-range", .type = GRYM_PARAM_REAL, .offset = SEG(cloud.amp_range), .def = 12,
	  .min = 0, .max = 200, .unit = "dB", .arg = "DB", .applies = G(CLOUD),
	  .help = "cloud: grain amplitudes uniform in [-DB, 0] dB", .flags = SHAPES },
	{ .name = "onset-sieve", .type = GRYM_PARAM_STRING, .offset = SEG(cloud.onset_sieve), .min = 1,
	  .parse = check_sieve, .arg = "EXPR", .applies = G(CLOUD),
	  .help = "cloud: onsets at grid*k for k in the sieve", .flags = SHAPES },
	{ .name = "source", .type = GRYM_PARAM_STRING, .offset = P(source), .min = 1, .arg = "FILE",
	  .applies = G(CLOUD),
	  .help = "cloud: grains cut from this audio file or catalog id (mixed to mono)",
	  .flags = SHAPES },
	/* a transformation's */
	{ .name = "factor", .type = GRYM_PARAM_REAL, .offset = XF(factor), .def = 2, .min = 0.05,
	  .max = 20, .arg = "F", .applies = X(STRETCH), .help = "stretch: output length / input length",
	  .flags = SHAPES },
	{ .name = "semitones", .type = GRYM_PARAM_REAL, .offset = XF(semitones), .def = 12, .min = -48,
	  .max = 48, .arg = "ST", .applies = X(PITCH), .help = "pitch: shift in semitones",
	  .flags = SHAPES },
	{ .name = "amount", .type = GRYM_PARAM_REAL, .offset = XF(amount), .def = 1,
	  .def_text = "1; smear: 8", .min = 0, .max = 16384, .arg = "A",
	  .applies = X(RANDPHASE) | X(SMEAR),
	  .help = "randphase: 0..1 of a full turn; smear: radius in bins", .flags = SHAPES },
	{ .name = "at", .type = GRYM_PARAM_REAL, .offset = XF(at), .min = 0, .max = 1e7, .unit = "s",
	  .arg = "S", .applies = X(FREEZE), .help = "freeze: time of the frame to hold, seconds",
	  .flags = SHAPES },
	{ .name = "n-fft", .type = GRYM_PARAM_INT, .offset = XF(n_fft), .def = 2048, .min = 1,
	  .max = 65536, .unit = "samples", .arg = "N", .applies = XF_ALL & ~X(REVERSE),
	  .help = "transform: STFT size", .flags = SHAPES },
	{ .name = "hop", .type = GRYM_PARAM_INT, .offset = XF(hop), .def = 512, .min = 1, .max = 65536,
	  .unit = "samples", .arg = "N", .applies = XF_ALL & ~X(REVERSE),
	  .help = "transform: STFT hop", .flags = SHAPES },
	{ .name = NULL }
};

static const grym_schema schema = {
	.stage = "synth",
	.title = "test signals, stochastic sounds (GENDYN, sieves, clouds), synthetic datasets and "
		 "transformations of audio",
	.params = params, .size = sizeof(grym_synth_stage_params), .kind = "generator"
};

const grym_schema *grym_synth_schema(void)
{
	return &schema;
}

int grym_synth_stage_defaults(grym_synth_stage_params *p, int word, grym_error *err)
{
	memset(p, 0, sizeof *p);
	if (grym_schema_defaults(&schema, p, err) != GRYM_OK)
		return err ? err->code : GRYM_ERR_NOMEM;
	p->word = word;
	grym_synth_params_default(&p->seg, word < GRYM_SYNTH_NKINDS ? (grym_synth_kind)word
								   : GRYM_SYNTH_SINE);
	grym_xform_params_default(&p->xf, word > GRYM_SYNTH_WORD_DATASET && word < GRYM_SYNTH_WORDS
				  ? (grym_xform_kind)(word - GRYM_SYNTH_WORD_XFORM(0))
				  : GRYM_XFORM_REVERSE);
	if (word == GRYM_SYNTH_WORD_XFORM(GRYM_XFORM_FREEZE))
		p->seg.duration = p->xf.length;   /* --duration is its length */
	return GRYM_OK;
}

int grym_synth_param_global(const grym_param *p)
{
	return p->offset >= offsetof(grym_synth_stage_params, rate);
}

void grym_synth_stage_segment(const grym_synth_stage_params *p, grym_synth_params *seg)
{
	*seg = p->seg;
	if (seg->kind == GRYM_SYNTH_CLOUD) {
		/* a cloud's sieve is of pitches and its grid its onsets' */
		seg->cloud.sieve = seg->sieve;
		seg->cloud.grid = seg->grid;
		seg->sieve = NULL;
	}
}

void grym_synth_stage_xform(const grym_synth_stage_params *p, grym_xform_params *xf)
{
	*xf = p->xf;
	if (xf->kind == GRYM_XFORM_FREEZE)
		xf->length = p->seg.duration;
}
