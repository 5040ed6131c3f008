/*
 * synth.h — test signals and stochastic synthesis (grym-synth's engine).
 *
 * Every generator is an object that produces its signal block by block
 * into a buffer the caller owns, so an hour of noise needs no more memory
 * than a block. A generator is mono; a sequence (grym_synth_seq) plays
 * generators one after another and copies each sample to every channel.
 *
 * Level: --level is the peak of each segment in dBFS (A = 10^(dB/20)).
 *   - periodic waveforms (sine, square, saw, chirp, impulse) have
 *     amplitude A exactly: a sine at -20 dBFS is 0.1 sin(...), so its
 *     sample peak is 0.1 whenever the sample grid meets the crest;
 *   - stochastic generators (noise, gendyn, cloud) are generated twice:
 *     a first pass (same seed, no storage) measures the sample peak and
 *     the second pass is scaled so the segment's sample peak is exactly A.
 *     This is what "normalize" means to a sox user, and it costs one more
 *     pass of a cheap generator, never memory.
 * Duration: a segment has exactly llround(duration * rate) frames.
 * Randomness: xoshiro256** seeded through splitmix64 from the seed, one
 * generator per object; no rand(), no global state. Same seed, same
 * samples, bit for bit.
 *
 * Thread-safety: objects are independent; no globals.
 */
#ifndef GRYM_SYNTH_H
#define GRYM_SYNTH_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum grym_synth_kind {
	GRYM_SYNTH_SINE = 0,
	GRYM_SYNTH_SQUARE,
	GRYM_SYNTH_SAW,
	GRYM_SYNTH_CHIRP,
	GRYM_SYNTH_NOISE,
	GRYM_SYNTH_IMPULSE,
	GRYM_SYNTH_SILENCE,
	GRYM_SYNTH_GENDYN,
	GRYM_SYNTH_CLOUD,
	GRYM_SYNTH_NKINDS
} grym_synth_kind;

/* "sine", "square"...; NULL for an unknown kind. */
const char *grym_synth_kind_name(grym_synth_kind k);
/* GRYM_ERR_INVALID (message names the word) for an unknown name. */
int grym_synth_kind_parse(const char *name, grym_synth_kind *k, grym_error *err);

typedef enum grym_noise_color {
	GRYM_NOISE_WHITE = 0,   /* uniform in [-1, 1), flat spectrum */
	GRYM_NOISE_PINK,        /* Voss-McCartney, 16 rows: -3 dB/octave */
	GRYM_NOISE_BROWN        /* leaky integral of white: -6 dB/octave */
} grym_noise_color;
const char *grym_noise_color_name(grym_noise_color c);
int grym_noise_color_parse(const char *name, grym_noise_color *c, grym_error *err);

typedef enum grym_sweep {
	GRYM_SWEEP_LINEAR = 0,  /* f(t) = f0 + (f1 - f0) t / T */
	GRYM_SWEEP_LOG          /* f(t) = f0 (f1 / f0)^(t / T) (exponential) */
} grym_sweep;
const char *grym_sweep_name(grym_sweep s);
int grym_sweep_parse(const char *name, grym_sweep *s, grym_error *err);

/* Distributions of Xenakis's random walks (Formalized Music, ch. IX and
 * the GENDY3 text), drawn by inverse CDF from z uniform in (0, 1), each
 * with its parameter a > 0; all symmetric about 0:
 *   cauchy     x = a tan(pi (z - 1/2))             f = a / (pi (a^2 + x^2))
 *   logistic   x = ln(z / (1 - z)) / a             f = a e^-ax / (1 + e^-ax)^2
 *   hypcos     x = ln(tan(pi z / 2)) / a           f = a / (pi cosh(a x))
 *   arcsine    x = a sin(pi (z - 1/2))             f = 1 / (pi sqrt(a^2 - x^2))
 *   exponential  x = -sgn(2z-1) ln(1 - |2z - 1|) / a   (a Laplace: the
 *              exponential of Formalized Music with a random sign)
 *   uniform    x = a (2z - 1) */
typedef enum grym_dist {
	GRYM_DIST_CAUCHY = 0, GRYM_DIST_LOGISTIC, GRYM_DIST_HYPCOS,
	GRYM_DIST_ARCSINE, GRYM_DIST_EXPONENTIAL, GRYM_DIST_UNIFORM
} grym_dist;
const char *grym_dist_name(grym_dist d);
int grym_dist_parse(const char *name, grym_dist *d, grym_error *err);
/* The inverse CDF above for z in (0, 1) (values of z at or beyond the
 * ends are pulled inside). Pure function, for tests and tools. */
double grym_dist_draw(grym_dist d, double a, double z);

/* Reflect x back between lo and hi (lo < hi) as between two mirrors, as
 * often as needed: Xenakis's "elastic barriers". NaN and infinities give
 * the midpoint. */
double grym_mirror(double x, double lo, double hi);

/* ---- GENDYN: dynamic stochastic synthesis ---- */
typedef struct grym_gendyn_params {
	int points;             /* breakpoints per wave period, >= 2 */
	grym_dist adist, ddist; /* distributions of the amplitude / duration walks */
	double apar, dpar;      /* their parameter a */
	double amp_barrier;     /* primary amplitude mirrors at +-amp_barrier (0 < b <= 1) */
	double amp_step;        /* secondary walk: amplitude step mirrored in +-amp_step */
	double freq_min;        /* period range in Hz: breakpoint durations lie in */
	double freq_max;        /*   [rate/(points*freq_max), rate/(points*freq_min)] samples */
	double dur_step;        /* secondary walk on durations: step mirrored in
	                         * +-dur_step * (dmax - dmin) */
} grym_gendyn_params;

typedef struct grym_gendyn grym_gendyn;
/* Every period (N segments), each breakpoint i does a second-order walk:
 *   s_i <- mirror(s_i + step * X, -step, step)       X ~ dist(par)
 *   v_i <- mirror(v_i + s_i, lo, hi)
 * for amplitudes (lo, hi = -+amp_barrier, step = amp_step) and durations
 * (lo, hi = dmin, dmax, step = dur_step*(dmax - dmin)); the wave is the
 * straight line from each breakpoint to the next. Initial amplitudes are
 * 0 and durations the middle of the range, so the sound grows from
 * silence. The raw output lies within +-amp_barrier. */
grym_gendyn *grym_gendyn_new(const grym_gendyn_params *p, int rate, uint64_t seed,
			     grym_error *err);
/* Fill out[0..n) with the next n samples (raw, not level-scaled). */
void grym_gendyn_do(grym_gendyn *g, float *out, int64_t n);
/* Current amplitude and duration (samples) of breakpoint i (for tests). */
int grym_gendyn_breakpoint(const grym_gendyn *g, int i, double *amp, double *dur);
/* Duration range in samples. */
void grym_gendyn_dur_range(const grym_gendyn *g, double *dmin, double *dmax);
void grym_gendyn_free(grym_gendyn *g);

/* ---- Sieves: Xenakis's residue classes ---- */
/* Grammar (whitespace is ignored):
 *   expr    := term   { ('|' | '-') term }     union, difference
 *   term    := factor { '&' factor }           intersection
 *   factor  := '!' factor | '(' expr ')' | M '@' R
 * M@R is { n : n = R (mod M) } for M >= 1 (R is taken modulo M, so 8@11
 * is 8@3); '!' is the complement in the integers; A - B is A & !B.
 * '&' binds tighter than '|' and '-', which associate to the left. */
typedef struct grym_sieve grym_sieve;
/* Parse; on a syntax error GRYM_ERR_INVALID with the 1-based column:
 * "sieve: column 7: expected ')'". */
grym_sieve *grym_sieve_parse(const char *expr, grym_error *err);
int grym_sieve_contains(const grym_sieve *s, int64_t n);
/* Points of the sieve in [lo, hi], ascending, at most max of them written
 * to out (out may be NULL with max 0 to count); returns how many there are
 * in all. */
size_t grym_sieve_eval(const grym_sieve *s, int64_t lo, int64_t hi, int64_t *out,
		       size_t max);
/* The period (lcm of the moduli, saturated at INT64_MAX / 2). */
int64_t grym_sieve_period(const grym_sieve *s);
void grym_sieve_free(grym_sieve *s);

/* ---- Clouds: stochastic granular synthesis ---- */
typedef struct grym_cloud_params {
	double density;         /* grains per second, Poisson onsets */
	double grain_min;       /* grain duration, uniform in [min, max] s */
	double grain_max;
	double freq_lo;         /* grain pitch: log-uniform in [lo, hi] Hz, or */
	double freq_hi;
	const char *sieve;      /* ... if set, sieve points k are semitones:
	                         *   f = freq_lo 2^(k/12) for f in [lo, hi] */
	double amp_range;       /* grain amplitude uniform in [-range, 0] dB */
	const char *onset_sieve;/* if set, onsets at grid*k for k in the sieve
	                         * (a rhythm) instead of Poisson */
	double grid;            /* seconds per sieve unit for onset_sieve */
	const float *source;    /* optional mono source: grains read from it
	                         * (start uniform, pitch as ratio freq/freq_lo) */
	int64_t source_frames;
	int source_rate;
} grym_cloud_params;

typedef struct grym_cloud grym_cloud;
grym_cloud *grym_cloud_new(const grym_cloud_params *p, int rate, uint64_t seed,
			   grym_error *err);
/* Next n samples, raw (sum of grains, each of peak <= 1, Hann window). */
void grym_cloud_do(grym_cloud *c, float *out, int64_t n);
/* Grains started so far (for tests). */
uint64_t grym_cloud_grains(const grym_cloud *c);
void grym_cloud_free(grym_cloud *c);

/* ---- One segment ---- */
typedef struct grym_synth_params {
	grym_synth_kind kind;
	double freq;            /* Hz (chirp: start; impulse: repetition rate, 0 = one) */
	double to;              /* chirp: end frequency */
	grym_sweep sweep;       /* chirp law */
	double level;           /* peak, dBFS (<= 0) */
	double phase;           /* degrees, start phase of periodic waveforms */
	double duration;        /* seconds; frames = llround(duration * rate) */
	grym_noise_color color; /* noise */
	uint64_t seed;
	const char *sieve;      /* impulse: rhythm, clicks at grid * k */
	double grid;            /* impulse with sieve: seconds per unit */
	grym_gendyn_params gendyn;
	grym_cloud_params cloud;
} grym_synth_params;

/* The defaults of every field (freq 1000, level -20, duration 1, ...),
 * the one table --help and the man page take them from. */
void grym_synth_params_default(grym_synth_params *p, grym_synth_kind kind);

typedef struct grym_synth grym_synth;
/* Validate and build (for stochastic kinds this includes the peak pass).
 * GRYM_ERR_INVALID names the bad parameter. */
grym_synth *grym_synth_new(const grym_synth_params *p, int rate, grym_error *err);
int64_t grym_synth_frames(const grym_synth *s);
/* Next up to max samples (mono) into out; returns how many (0 at the end). */
int64_t grym_synth_do(grym_synth *s, float *out, int64_t max);
void grym_synth_free(grym_synth *s);

/* ---- Sequences: segments one after another, same signal on each channel ---- */
typedef struct grym_synth_seq grym_synth_seq;
/* params is copied (the strings it points to must outlive the sequence).
 * Segments are built when reached, so only one is alive at a time; all of
 * them are validated here. */
grym_synth_seq *grym_synth_seq_new(const grym_synth_params *params, size_t nseg,
				   int rate, int channels, grym_error *err);
int64_t grym_synth_seq_frames(const grym_synth_seq *q);
/* Next up to max frames, interleaved (frames * channels floats); returns
 * frames written, 0 at the end, or a negative status. */
int64_t grym_synth_seq_read(grym_synth_seq *q, float *buf, int64_t max, grym_error *err);
void grym_synth_seq_free(grym_synth_seq *q);

/* ---- Dataset maker: labelled synthetic sound classes ---- */
/* Classes, in order: tone, chirp-up, chirp-down, pink-burst, gendyn,
 * pulses, chord, cloud, square, brown-rumble. Each item draws its own
 * parameters (frequency, duration 0.5..1.5 s, peak level -1..-12 dBFS)
 * from a generator seeded by (seed, class, index), gets a faint white
 * noise floor 40..50 dB under its peak and 5 ms fades, so items of a
 * class differ while the classes stay apart in MFCC summaries. */
#define GRYM_SYNTH_DATASET_MAX_CLASSES 10
/* Name of class i, NULL past the end. */
const char *grym_synth_dataset_class(int cls);
/* Make item `index` of class `cls`: *out is malloc'ed mono float32 at
 * rate (the caller frees it), *frames its length. */
int grym_synth_dataset_item(int cls, int index, uint64_t seed, int rate,
			    float **out, int64_t *frames, grym_error *err);

/* ---- Recipes ---- */
/* The recipe of a sequence as a new JSON object (NULL on allocation
 * failure): {"stage":"synth","rate":R,"channels":C,"segments":[{...}]},
 * each segment with "generator" and the parameters that generator uses
 * (defaults included, so the recipe alone re-makes the sound). */
grym_json *grym_synth_recipe(const grym_synth_params *params, size_t nseg, int rate,
			  int channels);

/* ---- Transformations of existing audio (STFT domain and time domain) ---- */
typedef enum grym_xform_kind {
	GRYM_XFORM_REVERSE = 0, /* samples backwards */
	GRYM_XFORM_STRETCH,     /* phase vocoder: length x factor, pitch kept */
	GRYM_XFORM_PITCH,       /* phase vocoder + resampling: pitch x 2^(st/12), length kept */
	GRYM_XFORM_RANDPHASE,   /* magnitudes kept, phases moved by amount x U(-pi, pi) */
	GRYM_XFORM_SMEAR,       /* magnitudes averaged over +-amount bins, random phases */
	GRYM_XFORM_FREEZE,      /* the frame at `at` seconds held for `length` seconds */
	GRYM_XFORM_NKINDS
} grym_xform_kind;
const char *grym_xform_name(grym_xform_kind k);
int grym_xform_parse(const char *name, grym_xform_kind *k, grym_error *err);

typedef struct grym_xform_params {
	grym_xform_kind kind;
	double factor;          /* stretch: output/input length (0.05..20) */
	double semitones;       /* pitch: shift (-48..48) */
	double amount;          /* randphase: 0..1; smear: radius in bins (0..n_fft/4) */
	double at;              /* freeze: time of the frame, seconds */
	double length;          /* freeze: output length, seconds */
	int n_fft, hop;         /* STFT (Hann, centred frames): 2048, 512 */
	uint64_t seed;
} grym_xform_params;
void grym_xform_params_default(grym_xform_params *p, grym_xform_kind kind);

/* Transform x (frames x channels interleaved, at rate), each channel on
 * its own, into *out (malloc'ed, the caller frees) of *out_frames frames.
 * Holds the signal and one channel's STFT in memory (about 8 bytes per
 * sample at hop n_fft/4). The synthesis is the inverse STFT by weighted
 * overlap-add (librosa's istft), so an unmodified STFT gives x back. */
int grym_transform(const grym_xform_params *p, const float *x, int64_t frames,
		   int channels, int rate, float **out, int64_t *out_frames, grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
