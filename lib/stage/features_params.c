/*
 * features_params.c — the one table of the features stage's parameters.
 *
 * Options, --help, defaults, ranges, the recipe's keys and the API's JSON
 * all come from here (grym/schema.h). The recipe parameters come first and
 * in the order recipes have always listed them: a record's "pipeline"
 * carries the recipe as written, so its key order is part of the output.
 * The features list, the statistics and the segments are recipe keys the
 * recipe code writes itself (GRYM_PARAM_OWN_KEY): they are there only for
 * vectors, or spelled per stored feature.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "grym/features_params.h"
#include "grym/pool.h"

#define PLAN(f) offsetof(grym_features_params, plan.f)
#define FO(f) offsetof(grym_features_params, plan.fo.f)

static const char *const windows[] = { "hann", "hamming", "blackman", NULL };
static const char *const pad_modes[] = { "constant", "reflect", NULL };
static const char *const mel_norms[] = { "slaney", "none", NULL };

static const grym_param_word native[] = { { "native", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word all[] = { { "all", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word same_as_nfft[] = { { "n-fft", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word nyquist[] = { { "nyquist", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word no_floor[] = { { "none", -1, GRYM_WORD_AS_NULL }, { NULL, 0, 0 } };
static const grym_param_word estimate[] = { { "estimate", NAN, GRYM_WORD_AS_WORD }, { NULL, 0, 0 } };
static const grym_param_word whole_clip[] = { { "none", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word segment_len[] = { { "segment", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };

/* The groups an option adds (--deltas, --spectral, --stft). Their names
 * are accepted in --features lists too, next to the feature names, so
 * `--features mfcc,chroma,spectral` means what `--mfcc --chroma
 * --spectral` means. */
static const struct feature_group {
	const char *name;
	int n;
	grym_feature f[5];
} groups[] = {
	{ "deltas", 3, { GRYM_FEAT_MFCC, GRYM_FEAT_MFCC_DELTA, GRYM_FEAT_MFCC_DELTA2 } },
	{ "spectral", 5, { GRYM_FEAT_CENTROID, GRYM_FEAT_BANDWIDTH, GRYM_FEAT_ROLLOFF,
			   GRYM_FEAT_FLATNESS, GRYM_FEAT_CONTRAST } },
	{ "stft", 1, { GRYM_FEAT_STFT_MAG } },
};

static void add_feature(grym_features_plan *p, grym_feature f)
{
	for (int i = 0; i < p->nlist; i++)
		if (p->list[i] == f)
			return;
	p->list[p->nlist++] = f;
}

/* A feature or group name into the plan's list. */
static int add_name(grym_features_plan *p, const char *name, grym_error *err)
{
	grym_feature f;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (!strcmp(groups[i].name, name)) {
			for (int k = 0; k < groups[i].n; k++)
				add_feature(p, groups[i].f[k]);
			return GRYM_OK;
		}
	int rc = grym_feature_lookup(name, &f, err);
	if (rc != GRYM_OK)
		return grym_error_prefix(err, rc, "%s", "groups: deltas, spectral, stft");
	add_feature(p, f);
	return GRYM_OK;
}

/* --features LIST: names and groups, comma-separated, added in order. */
static int parse_features(const grym_param *prm, void *params, const char *text, grym_error *err)
{
	grym_features_params *fp = params;
	char buf[1024];
	char *save = NULL;

	if (!text)
		return grym_error_set(err, GRYM_ERR_INVALID, "needs a list");
	if (strlen(text) >= sizeof buf)
		return grym_error_set(err, GRYM_ERR_INVALID, "list too long");
	snprintf(buf, sizeof buf, "%s", text);
	fp->list_given = 1;
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		int rc = add_name(&fp->plan, s, err);
		if (rc)
			return rc;
	}
	return GRYM_OK;
}

/* --mfcc, --deltas, --spectral...: the option's own name. */
static int parse_flag_feature(const grym_param *prm, void *params, const char *text, grym_error *err)
{
	grym_features_params *fp = params;
	return add_name(&fp->plan, strcmp(prm->name, "stft") ? prm->name : "stft", err);
}

static char *features_json(const grym_param *prm, const void *params)
{
	const grym_features_params *fp = params;
	json_t *a = json_array();
	char *out;
	for (int i = 0; i < fp->plan.nlist; i++)
		json_array_append_new(a, json_string(grym_feature_name(fp->plan.list[i])));
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

static int parse_stats(const grym_param *prm, void *params, const char *text, grym_error *err)
{
	grym_features_params *fp = params;
	if (!text)
		return grym_error_set(err, GRYM_ERR_INVALID, "needs a list");
	return grym_stats_parse(text, fp->plan.stats, &fp->plan.nstats, err);
}

static char *stats_json(const grym_param *prm, const void *params)
{
	const grym_features_params *fp = params;
	json_t *a = json_array();
	char *out;
	for (int i = 0; i < fp->plan.nstats; i++)
		json_array_append_new(a, json_string(grym_stat_name(fp->plan.stats[i])));
	out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

#define FEATURE_NAMES "\"stft_mag\",\"mel\",\"logmel\",\"mfcc\",\"mfcc_delta\",\"mfcc_delta2\"," \
	"\"chroma\",\"centroid\",\"bandwidth\",\"rolloff\",\"flatness\",\"contrast\",\"zcr\",\"rms\"," \
	"\"onset\",\"yin\",\"tempo\",\"deltas\",\"spectral\",\"stft\""

/* A flag that adds features: command line only (the API gives the list). */
#define ADD(n, h) { .name = n, .type = GRYM_PARAM_CUSTOM, .parse = parse_flag_feature, \
		    .help = h, .flags = GRYM_PARAM_CLI_ONLY }

static const grym_param params[] = {
	{ .name = "features", .type = GRYM_PARAM_CUSTOM, .parse = parse_features,
	  .json_text = features_json, .arg = "LIST", .def_text = NULL,
	  .schema = "{\"type\":\"array\",\"minItems\":1,\"items\":{\"enum\":[" FEATURE_NAMES "]},"
		    "\"default\":[\"mfcc\"]}",
	  .help = "comma-separated features: stft_mag, mel, logmel, mfcc, mfcc_delta, mfcc_delta2, "
		  "chroma, centroid, bandwidth, rolloff, flatness, contrast, zcr, rms, onset, yin, "
		  "tempo, and the groups deltas, spectral, stft (default: mfcc)",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	ADD("mfcc", "add mfcc"),
	ADD("deltas", "add mfcc, mfcc_delta and mfcc_delta2"),
	ADD("mel", "add mel"),
	ADD("logmel", "add logmel"),
	ADD("stft", "add stft_mag"),
	ADD("spectral", "add centroid, bandwidth, rolloff, flatness and contrast"),
	ADD("chroma", "add chroma"),
	ADD("onset", "add onset"),
	ADD("yin", "add yin (f0 and voiced)"),
	ADD("tempo", "add tempo"),
	ADD("zcr", "add zcr"),
	ADD("rms", "add rms"),
	{ .name = "summary", .type = GRYM_PARAM_FLAG, .offset = PLAN(summary),
	  .help = "one vector per input: statistics of every feature over the clip",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "stats", .type = GRYM_PARAM_CUSTOM, .parse = parse_stats, .json_text = stats_json,
	  .def_text = "mean,std", .arg = "LIST",
	  .schema = "{\"type\":\"array\",\"minItems\":1,\"items\":{\"enum\":[\"mean\",\"std\",\"min\","
		    "\"max\",\"p10\",\"p50\",\"p90\"]},\"default\":[\"mean\",\"std\"]}",
	  .help = "statistics of --summary/--segment: mean, std, min, max, p10, p50, p90",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "segment", .type = GRYM_PARAM_REAL, .offset = PLAN(segment), .min = 1e-3, .max = 1e9,
	  .words = whole_clip, .unit = "s", .arg = "S",
	  .help = "one summary vector per window of S seconds",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "segment-hop", .type = GRYM_PARAM_REAL, .offset = PLAN(segment_hop), .min = 1e-3,
	  .max = 1e9, .words = segment_len, .unit = "s", .arg = "S", .def_text = "the --segment length",
	  .help = "seconds between window starts", .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_OWN_KEY },
	{ .name = "text", .type = GRYM_PARAM_FLAG, .offset = offsetof(grym_features_params, text),
	  .help = "write the text form of records", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "npy", .type = GRYM_PARAM_STRING, .offset = offsetof(grym_features_params, npy),
	  .arg = "DIR", .help = "write DIR/KEY.FEATURE.npy (float32 frames x dims) instead of records",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING,
	  .offset = offsetof(grym_features_params, output), .arg = "FILE", .def_text = NULL,
	  .help = "write records to FILE (atomically)", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "jobs", .short_name = 'j', .type = GRYM_PARAM_INT,
	  .offset = offsetof(grym_features_params, jobs), .def = 1, .min = 1, .max = GRYM_JOBS_MAX, .arg = "N",
	  .help = "inputs analysed in parallel (output order kept)" },
	{ .name = "recompute", .type = GRYM_PARAM_FLAG,
	  .offset = offsetof(grym_features_params, recompute),
	  .help = "catalog mode: compute even when the catalog holds the features" },
	{ .name = "verify", .type = GRYM_PARAM_FLAG, .offset = offsetof(grym_features_params, verify),
	  .help = "catalog mode: hash each object in full before use (else only its size is checked)" },
	/* the recipe's scalar keys, in the recipe's order */
	{ .name = "rate", .type = GRYM_PARAM_INT, .offset = PLAN(rate), .min = 1000, .max = 1000000,
	  .words = native, .unit = "Hz", .arg = "HZ", .help = "resample to HZ before analysis",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "offset", .type = GRYM_PARAM_REAL, .offset = PLAN(offset), .min = 0, .max = 1e9,
	  .unit = "s", .arg = "S", .help = "skip S seconds at the start", .flags = GRYM_PARAM_RECIPE },
	{ .name = "duration", .type = GRYM_PARAM_REAL, .offset = PLAN(duration), .min = 1e-6,
	  .max = 1e9, .words = all, .unit = "s", .arg = "S", .help = "analyse at most S seconds",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "n-fft", .type = GRYM_PARAM_INT, .offset = FO(stft.n_fft), .def = 2048, .min = 2,
	  .max = 1 << 24, .unit = "samples", .arg = "N",
	  .help = "FFT size (also the frame length of zcr and rms)", .flags = GRYM_PARAM_RECIPE },
	{ .name = "hop", .type = GRYM_PARAM_INT, .offset = FO(stft.hop), .def = 512, .min = 1,
	  .max = 1 << 24, .unit = "samples", .arg = "N", .help = "hop length in samples",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "win-length", .type = GRYM_PARAM_INT, .offset = FO(stft.win_length), .min = 1,
	  .max = 1 << 24, .words = same_as_nfft, .unit = "samples", .arg = "N",
	  .help = "window length in samples (centred in the FFT frame)", .flags = GRYM_PARAM_RECIPE },
	{ .name = "window", .type = GRYM_PARAM_ENUM, .offset = FO(stft.window), .choices = windows,
	  .arg = "NAME", .help = "analysis window: hann, hamming, blackman (periodic)",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "center", .type = GRYM_PARAM_FLAG, .offset = FO(stft.center), .def = 1,
	  .help = "centre frames on t*hop, padding the edges; --no-center: frames start at t*hop, "
		  "no padding", .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_NEGATABLE },
	{ .name = "pad-mode", .type = GRYM_PARAM_ENUM, .offset = FO(stft.pad_mode), .choices = pad_modes,
	  .arg = "MODE", .help = "edge padding when centred: constant (zeros), reflect",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "n-mels", .type = GRYM_PARAM_INT, .offset = FO(mel.n_mels), .def = 128, .min = 1,
	  .max = 100000, .arg = "N", .help = "mel bands", .flags = GRYM_PARAM_RECIPE },
	{ .name = "fmin", .type = GRYM_PARAM_REAL, .offset = FO(mel.fmin), .def = 0, .min = 0, .max = 1e6,
	  .unit = "Hz", .arg = "HZ", .help = "lowest mel frequency", .flags = GRYM_PARAM_RECIPE },
	{ .name = "fmax", .type = GRYM_PARAM_REAL, .offset = FO(mel.fmax), .def = 0, .min = 1e-3,
	  .max = 1e6, .words = nyquist, .unit = "Hz", .arg = "HZ",
	  .help = "highest mel frequency (nyquist: rate/2)", .flags = GRYM_PARAM_RECIPE },
	{ .name = "htk", .type = GRYM_PARAM_FLAG, .offset = FO(mel.htk),
	  .help = "HTK mel scale instead of Slaney's", .flags = GRYM_PARAM_RECIPE },
	{ .name = "mel-norm", .type = GRYM_PARAM_ENUM, .offset = FO(mel.norm), .choices = mel_norms,
	  .arg = "NORM", .help = "mel filter normalisation: slaney, none", .flags = GRYM_PARAM_RECIPE },
	{ .name = "ref", .type = GRYM_PARAM_REAL, .offset = FO(db.ref), .def = 1.0, .min = 1e-300,
	  .max = 1e300, .arg = "X", .help = "power_to_db reference", .flags = GRYM_PARAM_RECIPE },
	{ .name = "amin", .type = GRYM_PARAM_REAL, .offset = FO(db.amin), .def = 1e-10, .min = 1e-300,
	  .max = 1e300, .arg = "X", .help = "power_to_db floor of the power", .flags = GRYM_PARAM_RECIPE },
	{ .name = "top-db", .type = GRYM_PARAM_REAL, .offset = FO(db.top_db), .def = 80, .min = 0,
	  .max = 1e6, .words = no_floor, .unit = "dB", .arg = "DB",
	  .help = "power_to_db dynamic range below the clip's maximum, or none",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "n-mfcc", .type = GRYM_PARAM_INT, .offset = FO(n_mfcc), .def = 20, .min = 1,
	  .max = 100000, .arg = "N", .help = "MFCC coefficients", .flags = GRYM_PARAM_RECIPE },
	{ .name = "lifter", .type = GRYM_PARAM_REAL, .offset = FO(lifter), .def = 0, .min = 0, .max = 1e6,
	  .arg = "L", .help = "cepstral liftering (0: none)", .flags = GRYM_PARAM_RECIPE },
	{ .name = "roll-percent", .type = GRYM_PARAM_REAL, .offset = FO(roll_percent), .def = 0.85,
	  .min = 0, .max = 1, .arg = "F", .help = "rolloff energy fraction",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_MIN_OPEN | GRYM_PARAM_MAX_OPEN },
	{ .name = "contrast-fmin", .type = GRYM_PARAM_REAL, .offset = FO(contrast_fmin), .def = 200,
	  .min = 1e-3, .max = 1e6, .unit = "Hz", .arg = "HZ",
	  .help = "upper edge of contrast's first band", .flags = GRYM_PARAM_RECIPE },
	{ .name = "contrast-bands", .type = GRYM_PARAM_INT, .offset = FO(contrast_bands), .def = 6,
	  .min = 1, .max = 64, .arg = "N", .help = "contrast octave bands (N + 1 values)",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "contrast-quantile", .type = GRYM_PARAM_REAL, .offset = FO(contrast_quantile),
	  .def = 0.02, .min = 0, .max = 1, .arg = "Q", .help = "contrast peak/valley quantile",
	  .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_MIN_OPEN | GRYM_PARAM_MAX_OPEN },
	{ .name = "tuning", .type = GRYM_PARAM_REAL, .offset = FO(tuning), .def = NAN, .min = -100,
	  .max = 100, .words = estimate, .arg = "BINS",
	  .help = "chroma tuning in fractions of a bin (0: A440), or estimate",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "yin-fmin", .type = GRYM_PARAM_REAL, .offset = FO(yin_fmin), .def = 65, .min = 1e-3,
	  .max = 1e6, .unit = "Hz", .arg = "HZ", .help = "lowest f0 of yin", .flags = GRYM_PARAM_RECIPE },
	{ .name = "yin-fmax", .type = GRYM_PARAM_REAL, .offset = FO(yin_fmax), .def = 2093, .min = 1e-3,
	  .max = 1e6, .unit = "Hz", .arg = "HZ", .help = "highest f0 of yin", .flags = GRYM_PARAM_RECIPE },
	{ .name = "yin-threshold", .type = GRYM_PARAM_REAL, .offset = FO(yin_threshold), .def = 0.1,
	  .min = 1e-9, .max = 1e6, .arg = "T", .help = "yin trough threshold",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = NULL }
};

static const grym_schema schema = {
	.stage = "features",
	.title = "librosa-exact spectral features of audio: frame matrices or clip summaries",
	.params = params, .size = sizeof(grym_features_params)
};

const grym_schema *grym_features_schema(void)
{
	return &schema;
}
