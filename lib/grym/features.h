/*
 * features.h — spectral analysis with librosa's numbers at C speed.
 *
 * The building blocks every feature is made of: the short-time Fourier
 * transform (FFTW3 in double precision, as numpy computes librosa's FFTs),
 * the mel filterbank, decibels, the DCT of MFCCs and deltas; then the
 * frame-level features themselves (centroid, bandwidth, rolloff, flatness,
 * contrast, zero-crossing rate, RMS) and a streaming extractor that feeds
 * them all from one pass over the samples.
 *
 * Conventions used everywhere in this module:
 *   - Samples are mono float32 (librosa.load's int16 / 32768).
 *   - A frame matrix is row-major FRAMES x DIMS float32 (grym_fmat): row t
 *     is frame t. (librosa's arrays are dims x frames: the transpose.)
 *   - Arithmetic is double internally; results are stored as float32.
 *   - Frame t is centred on sample t * hop when center is on (librosa's
 *     default), else starts at sample t * hop.
 *   - Defaults equal librosa 0.10's: see GRYM_STFT_PARAMS_DEFAULT etc.
 *
 * Thread-safety: every object is independent; FFTW plans are made under
 * one process-wide mutex (FFTW's planner is not thread-safe) and executed
 * with the new-array API on each object's own buffers, so objects may run
 * in parallel threads. Hot-path calls (grym_stft_next, grym_melbank_apply,
 * grym_dct_apply...) never allocate.
 */
#ifndef GRYM_FEATURES_H
#define GRYM_FEATURES_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/progress.h"

#ifdef __cplusplus
extern "C" {
#endif


/* ------------------------------------------------------------------ */
/* Frame matrices                                                      */

/* FRAMES x DIMS float32, row-major, data owned (malloc). */
typedef struct grym_fmat {
	float *data;
	int64_t frames;
	int dims;
} grym_fmat;

/* Allocate (zeroed); frames may be 0. GRYM_ERR_NOMEM / GRYM_ERR_LIMIT. */
int grym_fmat_alloc(grym_fmat *m, int64_t frames, int dims, grym_error *err) GRYM_MUST_CHECK;
/* Free data and zero the struct (safe on a zeroed struct). */
void grym_fmat_clear(grym_fmat *m);

/* ------------------------------------------------------------------ */
/* Windows, padding, STFT                                              */

typedef enum grym_window {
	GRYM_WINDOW_HANN = 0,   /* periodic, as scipy.signal.get_window("hann", N) */
	GRYM_WINDOW_HAMMING,    /* periodic */
	GRYM_WINDOW_BLACKMAN    /* periodic */
} grym_window;

typedef enum grym_pad_mode {
	GRYM_PAD_CONSTANT = 0,  /* zeros: librosa 0.10's default */
	GRYM_PAD_REFLECT        /* numpy.pad mode='reflect' */
} grym_pad_mode;

typedef enum grym_spec_kind {
	GRYM_SPEC_POWER = 0,    /* |X|^2, bins values per frame */
	GRYM_SPEC_MAGNITUDE,    /* |X|, bins values per frame */
	GRYM_SPEC_COMPLEX       /* re, im interleaved: 2*bins values per frame */
} grym_spec_kind;

/* The names recipes use: "hann", "hamming", "blackman"; "constant",
 * "reflect" (static strings). */
const char *grym_window_name(grym_window w);
const char *grym_pad_mode_name(grym_pad_mode p);

/* The analysis window as librosa uses it: periodic window of win_length
 * samples centred in n_fft (zeros either side; librosa's pad_center).
 * out has n_fft doubles. */
int grym_window_fill(grym_window w, int win_length, int n_fft, double *out,
		     grym_error *err) GRYM_MUST_CHECK;

/* STFT parameters; defaults are librosa's. win_length 0 means n_fft. */
typedef struct grym_stft_params {
	int n_fft;
	int hop;
	int win_length;
	grym_window window;
	int center;
	grym_pad_mode pad_mode;
} grym_stft_params;
#define GRYM_STFT_PARAMS_DEFAULT { 2048, 512, 0, GRYM_WINDOW_HANN, 1, GRYM_PAD_CONSTANT }

typedef struct grym_stft grym_stft;

/* Make an STFT. n_fft >= 2, 1 <= win_length <= n_fft (0: n_fft), hop >= 1;
 * anything else is GRYM_ERR_INVALID with a message naming the parameter;
 * GRYM_ERR_NOMEM. Returns NULL on failure. The caller owns the result
 * (grym_stft_free, NULL is fine); _new_params copies p. */
grym_stft *grym_stft_new(int n_fft, int hop, int win_length, grym_window window,
			 int center, grym_pad_mode pad_mode, grym_error *err) GRYM_MUST_CHECK;
grym_stft *grym_stft_new_params(const grym_stft_params *p, grym_error *err) GRYM_MUST_CHECK;
void grym_stft_free(grym_stft *s);
int grym_stft_bins(const grym_stft *s);        /* n_fft / 2 + 1 */
const grym_stft_params *grym_stft_get_params(const grym_stft *s);

/* Frames librosa gives for n samples: 1 + n / hop when centred (so even a
 * clip shorter than one frame has frames: it is zero/reflect padded);
 * without centring 1 + (n - n_fft) / hop, and 0 when n < n_fft. */
int64_t grym_stft_frames(const grym_stft *s, int64_t n_samples);

/* Whole signal at once: out receives grym_stft_frames(s, n) rows of bins
 * floats (2*bins for GRYM_SPEC_COMPLEX), caller-allocated. Resets the
 * streaming state. */
int grym_stft_process(grym_stft *s, const float *x, int64_t n, grym_spec_kind kind,
		      float *out, grym_error *err) GRYM_MUST_CHECK;

/* Streaming: reset, feed samples block by block (in any sizes), pull the
 * frames that are complete with grym_stft_next, and call grym_stft_end
 * once no samples remain, after which grym_stft_next also returns the
 * final (padded) frames. Internally a sliding buffer keeps only the
 * samples still needed (about n_fft plus the unread part of the last
 * block). The frame sequence equals grym_stft_process's exactly. */
void grym_stft_reset(grym_stft *s);
int grym_stft_feed(grym_stft *s, const float *x, size_t n, grym_error *err) GRYM_MUST_CHECK;
int grym_stft_end(grym_stft *s, grym_error *err) GRYM_MUST_CHECK;
/* Compute the next frame into out (bins doubles, 2*bins for COMPLEX):
 * returns 1 when a frame was written, 0 when none is ready (feed more, or
 * everything has been returned after grym_stft_end). Never allocates. */
int grym_stft_next(grym_stft *s, grym_spec_kind kind, double *out);
/* Frames returned so far since the last reset. */
int64_t grym_stft_position(const grym_stft *s);

/* Whole-signal convenience: a new FRAMES x BINS matrix (2*BINS for
 * GRYM_SPEC_COMPLEX) of KIND. */
int grym_spectrogram(const float *x, int64_t n, const grym_stft_params *p,
		     grym_spec_kind kind, grym_fmat *out, grym_error *err) GRYM_MUST_CHECK;

/* Centre frequency of FFT bin k: k * rate / n_fft. */
double grym_fft_frequency(double rate, int n_fft, int k);

/* ------------------------------------------------------------------ */
/* Mel filterbank                                                      */

typedef enum grym_mel_norm {
	GRYM_MEL_NORM_SLANEY = 0, /* area normalisation: 2 / (f[m+2] - f[m]) */
	GRYM_MEL_NORM_NONE        /* peak 1 */
} grym_mel_norm;

typedef struct grym_mel_params {
	int n_mels;
	double fmin;             /* Hz */
	double fmax;             /* Hz; <= 0 means rate / 2 */
	int htk;                 /* 1: HTK mel scale, 0: Slaney's (librosa default) */
	grym_mel_norm norm;
} grym_mel_params;
#define GRYM_MEL_PARAMS_DEFAULT { 128, 0.0, 0.0, 0, GRYM_MEL_NORM_SLANEY }


/* librosa.hz_to_mel / mel_to_hz. */
double grym_hz_to_mel(double hz, int htk);
double grym_mel_to_hz(double mel, int htk);

typedef struct grym_melbank grym_melbank;

/* The filterbank librosa.filters.mel(sr=rate, n_fft, n_mels, fmin, fmax,
 * htk, norm) builds (weights rounded to float32, as librosa stores them).
 * n_mels >= 1, 0 <= fmin < fmax <= rate / 2 (GRYM_ERR_INVALID otherwise).
 * Filters with no FFT bin under them (too many mels for n_fft) are kept
 * as all-zero rows, as librosa does (it only warns). p is copied; the
 * caller owns the result (grym_melbank_free). NULL on failure, err filled
 * (GRYM_ERR_INVALID, GRYM_ERR_NOMEM). */
grym_melbank *grym_melbank_new(double rate, int n_fft, const grym_mel_params *p,
			       grym_error *err) GRYM_MUST_CHECK;
/* The same with the arguments the brief names. */
grym_melbank *grym_mel_filterbank(double rate, int n_fft, int n_mels, double fmin,
				  double fmax, int htk, grym_mel_norm norm, grym_error *err)
	GRYM_MUST_CHECK;
void grym_melbank_free(grym_melbank *m);
int grym_melbank_mels(const grym_melbank *m);
int grym_melbank_bins(const grym_melbank *m);
/* Number of filters that cover no FFT bin (empty rows). */
int grym_melbank_empty(const grym_melbank *m);
/* Dense N_MELS x BINS weights, row-major (owned by m). */
const float *grym_melbank_dense(const grym_melbank *m);
/* Sparse support of filter i: its nonzero weights are bins
 * [*first, *first + *count) of row i of the dense matrix. */
void grym_melbank_support(const grym_melbank *m, int i, int *first, int *count);
/* mel[i] = sum_k w[i][k] * spec[k] for one frame (sparse, no allocation). */
void grym_melbank_apply(const grym_melbank *m, const double *spec, double *mel);

/* ------------------------------------------------------------------ */
/* Decibels (librosa.power_to_db)                                      */

typedef struct grym_db_params {
	double ref;     /* > 0 */
	double amin;    /* > 0 */
	double top_db;  /* >= 0; a negative value (or NAN) means none */
} grym_db_params;
#define GRYM_DB_PARAMS_DEFAULT { 1.0, 1e-10, 80.0 }

/* out[i] = 10 log10(max(amin, in[i])) - 10 log10(max(amin, ref)); no
 * top_db floor (that needs the maximum over the whole clip: apply
 * grym_db_floor afterwards). in and out may alias. */
void grym_power_to_db(const double *in, double *out, size_t n, double ref, double amin);
/* x[i] = max(x[i], floor) */
void grym_db_floor(float *x, size_t n, double floor);
/* Whole matrix: power_to_db then, when top_db applies, the floor
 * max(x) - top_db over all of x, exactly as librosa. In place. */
int grym_power_to_db_inplace(float *x, size_t n, const grym_db_params *p,
			     grym_error *err) GRYM_MUST_CHECK;

/* ------------------------------------------------------------------ */
/* DCT (MFCC) and deltas                                               */

typedef struct grym_dct grym_dct;

/* DCT-II, orthonormal (scipy.fftpack.dct(type=2, norm='ortho')), keeping
 * the first n_out of n_in coefficients, then librosa's lifter
 * 1 + (lifter/2) sin(pi (k+1) / lifter) when lifter > 0.
 * 1 <= n_out <= n_in. The caller owns the result (grym_dct_free); NULL
 * on failure, err filled (GRYM_ERR_INVALID, GRYM_ERR_NOMEM). */
grym_dct *grym_dct_new(int n_in, int n_out, double lifter, grym_error *err) GRYM_MUST_CHECK;
void grym_dct_free(grym_dct *d);
/* out (frames x n_out) = in (frames x n_in) times the DCT matrix, through
 * BLAS. No allocation. */
void grym_dct_apply(const grym_dct *d, const float *in, int64_t frames, float *out);

/* librosa.feature.delta(width=9, order, mode='interp') along frames:
 * order 1: d[t] = sum_{k=-4..4} k x[t+k] / 60,
 * order 2: d[t] = sum (k^2 - 20/3) x[t+k] / 154,
 * frames 0..3 take the value of frame 4 and the last four that of frame
 * T-5. Fewer than 9 frames is GRYM_ERR_INVALID. in and out must differ. */
int grym_delta(const float *in, int64_t frames, int dims, int order, float *out,
	       grym_error *err) GRYM_MUST_CHECK;


/* ------------------------------------------------------------------ */
/* Features and the streaming extractor                                */

/* Every feature grym-features knows, by the names of librosa's fixtures.
 * chroma, onset, yin and tempo are computed by features_pitch.h. */
typedef enum grym_feature {
	GRYM_FEAT_STFT_MAG = 0, /* |X|, bins dims */
	GRYM_FEAT_MEL,          /* mel power spectrogram, n_mels */
	GRYM_FEAT_LOGMEL,       /* power_to_db(mel), n_mels */
	GRYM_FEAT_MFCC,         /* n_mfcc */
	GRYM_FEAT_MFCC_DELTA,   /* n_mfcc */
	GRYM_FEAT_MFCC_DELTA2,  /* n_mfcc */
	GRYM_FEAT_CHROMA,       /* 12 */
	GRYM_FEAT_CENTROID,     /* 1, Hz */
	GRYM_FEAT_BANDWIDTH,    /* 1, Hz */
	GRYM_FEAT_ROLLOFF,      /* 1, Hz */
	GRYM_FEAT_FLATNESS,     /* 1 */
	GRYM_FEAT_CONTRAST,     /* contrast_bands + 1, dB */
	GRYM_FEAT_ZCR,          /* 1 */
	GRYM_FEAT_RMS,          /* 1 */
	GRYM_FEAT_ONSET,        /* 1 */
	GRYM_FEAT_YIN,          /* 2: f0 Hz, voiced 0/1 */
	GRYM_FEAT_TEMPO,        /* 1, BPM, one row per clip */
	GRYM_FEAT_COUNT
} grym_feature;

/* "mfcc" -> GRYM_FEAT_MFCC...; GRYM_ERR_INVALID listing the names. */
int grym_feature_lookup(const char *name, grym_feature *f, grym_error *err) GRYM_MUST_CHECK;
const char *grym_feature_name(grym_feature f);

/* Every parameter of the extractor; grym_features_opts_default fills
 * librosa's defaults (the one table the command and its man page use). */
typedef struct grym_features_opts {
	grym_stft_params stft;   /* also frame length/hop of zcr and rms */
	grym_mel_params mel;
	grym_db_params db;       /* for logmel and everything made from it */
	int n_mfcc;              /* 20 */
	double lifter;           /* 0: none */
	double roll_percent;     /* 0.85 */
	double flatness_amin;    /* 1e-10 */
	double flatness_power;   /* 2 */
	double contrast_fmin;    /* 200 Hz */
	int contrast_bands;      /* 6 */
	double contrast_quantile;/* 0.02 */
	double tuning;           /* chroma tuning in bins; NAN: estimate (default) */
	int n_chroma;            /* 12 */
	double yin_fmin;         /* 65 Hz */
	double yin_fmax;         /* 2093 Hz */
	double yin_threshold;    /* 0.1 */
	size_t spill_bytes;      /* rows kept in memory per feature before a
				  * temporary file takes them; 0: 32 MiB */
	/* Not parameters (no recipe holds them), see grym/progress.h: the
	 * extractor checks *cancel every frame and stops with
	 * GRYM_ERR_CANCELLED; progress hears how far
	 * grym_extractor_finish's whole-clip steps are (the feeding is
	 * the caller's: only it knows the length; grym_features_file,
	 * grym/features_file.h, reports the whole file). */
	const volatile sig_atomic_t *cancel;
	grym_progress_fn progress;
	void *progress_ud;
} grym_features_opts;
/* Fill o with the defaults (librosa's, no cancel flag, no progress). */
void grym_features_opts_default(grym_features_opts *o);

/* Dimensions of feature f under o (0 if f is unknown). */
int grym_feature_dims(grym_feature f, const grym_features_opts *o, double rate);
/* Name of dimension i of f, e.g. "mfcc3", "centroid", "contrast6",
 * "yin", "voiced", written to buf. */
void grym_feature_dim_name(grym_feature f, int i, int dims, char *buf, size_t len);

/* Where the extractor delivers each feature: begin (with the number of
 * frames), rows in order (n rows starting at row first), end; features
 * one after another, in the order they were asked for. A callback
 * returning non-zero stops the extractor with that status. */
typedef struct grym_feature_sink {
	int (*begin)(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err);
	int (*rows)(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		    grym_error *err);
	int (*end)(void *ud, grym_feature f, grym_error *err);
	void *ud;
} grym_feature_sink;

typedef struct grym_extractor grym_extractor;

/* An extractor for the n features in list at this sample rate. All
 * parameters are checked here (GRYM_ERR_INVALID naming the one at fault).
 * Samples stream in through grym_extractor_feed; frame-level values are
 * computed as blocks arrive and kept in memory up to spill_bytes per
 * feature, beyond that in an unlinked temporary file, so hours of audio
 * never need the whole spectrogram in memory. o and list are copied;
 * the caller owns the result (grym_extractor_free). NULL on failure, err
 * filled (GRYM_ERR_INVALID, GRYM_ERR_NOMEM, GRYM_ERR_IO for the spill
 * file). */
grym_extractor *grym_extractor_new(const grym_features_opts *o, double rate,
				   const grym_feature *list, int n, grym_error *err)
	GRYM_MUST_CHECK;
void grym_extractor_free(grym_extractor *x);
/* Feed mono samples (any block sizes). NaN or infinite samples fail with
 * GRYM_ERR_INVALID naming the sample index. */
int grym_extractor_feed(grym_extractor *x, const float *samples, size_t n, grym_error *err)
	GRYM_MUST_CHECK;
/* End of signal: finish the frames, apply whole-clip steps (the top_db
 * floor, deltas) and deliver every feature to sink. An empty signal, or a
 * signal shorter than one frame without centring, is GRYM_ERR_INVALID. */
int grym_extractor_finish(grym_extractor *x, const grym_feature_sink *sink, grym_error *err)
	GRYM_MUST_CHECK;
/* Samples fed so far. */
int64_t grym_extractor_samples(const grym_extractor *x);

/* Whole-signal convenience: one feature of x into a new matrix. */
int grym_features_compute(const float *x, int64_t n, double rate, const grym_features_opts *o,
			  grym_feature f, grym_fmat *out, grym_error *err) GRYM_MUST_CHECK;


/* ------------------------------------------------------------------ */
/* Summaries of frame matrices                                         */

typedef enum grym_stat {
	GRYM_STAT_MEAN = 0, /* arithmetic mean */
	GRYM_STAT_STD,      /* population standard deviation (numpy's ddof=0) */
	GRYM_STAT_MIN,
	GRYM_STAT_MAX,
	GRYM_STAT_P10,      /* percentiles with numpy's linear interpolation */
	GRYM_STAT_P50,
	GRYM_STAT_P90,
	GRYM_STAT_COUNT
} grym_stat;

/* "mean,std,p90" -> stats[]; returns GRYM_OK and *n, or GRYM_ERR_INVALID. */
int grym_stats_parse(const char *list, grym_stat *stats, int *n, grym_error *err)
	GRYM_MUST_CHECK;
const char *grym_stat_name(grym_stat s);

/* Statistics of rows [t0, t1) of m, per dimension: out receives nstats *
 * m->dims floats, stat-major (all dims of stats[0], then of stats[1]...).
 * An empty range is GRYM_ERR_INVALID. Allocates only for percentiles. */
int grym_fmat_summary(const grym_fmat *m, int64_t t0, int64_t t1, const grym_stat *stats,
		      int nstats, float *out, grym_error *err) GRYM_MUST_CHECK;


/* Streaming moments: mean, std, min and max per dimension, accumulated
 * row block by row block (Welford's update in double), so a clip summary
 * needs no frame matrix in memory. grym_fmat_summary computes its
 * moments the same way, so both give the same bits. */
typedef struct grym_moments grym_moments;
/* new: an empty accumulator of dims (>= 1) values per row, owned by the
 * caller (grym_moments_free, NULL is fine); NULL on failure with err
 * filled (GRYM_ERR_INVALID, GRYM_ERR_NOMEM). reset empties it for the
 * next clip; add folds in n rows of dims floats (not kept; no
 * allocation); count is the number of rows added since the last reset. */
grym_moments *grym_moments_new(int dims, grym_error *err) GRYM_MUST_CHECK;
void grym_moments_free(grym_moments *m);
void grym_moments_reset(grym_moments *m);
void grym_moments_add(grym_moments *m, const float *rows, int64_t n);
int64_t grym_moments_count(const grym_moments *m);
/* stats must be moments (mean, std, min, max; GRYM_ERR_INVALID for a
 * percentile or when no row was added); out as grym_fmat_summary's. */
int grym_moments_get(const grym_moments *m, const grym_stat *stats, int nstats, float *out,
		     grym_error *err) GRYM_MUST_CHECK;
/* 1 if every stat is a moment (no percentile). */
int grym_stats_are_moments(const grym_stat *stats, int nstats);

/* ---------------------------------------------------------------------
 * FFTW planner lock.
 *
 * FFTW's planner (every fftw_plan_* and fftw_destroy_plan) is not
 * thread-safe, while fftw_execute_* on distinct arrays is. libgrym makes
 * all its plans under ONE process-wide mutex, and these two calls take and
 * release it. Any module that plans with FFTW (the STFT too) must plan
 * between them, or two threads could plan at once.
 */
void grym_fftw_plan_lock(void);
void grym_fftw_plan_unlock(void);

/* ------------------------------------------------------------------ */
/* The features stage as data (lib/features/recipe.c)                  */

/* Everything grym-features is asked for that shapes a number: the
 * features in order, the extractor's parameters, the decoding window
 * (rate 0: native; duration 0: all), and for vectors the statistics and
 * the segment windows (segment 0: one vector per clip). */
typedef struct grym_features_plan {
	grym_features_opts fo;
	grym_feature list[GRYM_FEAT_COUNT];
	int nlist;
	int rate;
	double offset, duration;
	int summary;             /* one vector per clip */
	grym_stat stats[GRYM_STAT_COUNT];
	int nstats;
	double segment;          /* seconds, > 0: one vector per window */
	double segment_hop;      /* seconds between window starts, 0: segment */
} grym_features_plan;

/* Defaults: no feature listed, librosa's parameters, stats mean,std. */
void grym_features_plan_default(grym_features_plan *p);
/* The recipe object of p (new reference, NULL when out of memory):
 * {"stage":"features","features":[...], every parameter, and "stats"
 * (+ "segment", "segment_hop") when p makes vectors}. With feature >= 0,
 * the recipe of that one feature's frame matrix ("feature":NAME, no
 * stats), which names it in the catalog. Records carry the first in
 * their "pipeline". */
grym_json *grym_features_recipe(const grym_features_plan *p, int feature) GRYM_MUST_CHECK;
/* The inverse of grym_features_recipe(p, -1): every key must be present
 * and well typed; an unknown key or stage is GRYM_ERR_FORMAT naming it.
 * A recipe with "stats" and no "segment" sets summary. out is only
 * written on success. */
int grym_features_plan_from_recipe(const grym_json *recipe, grym_features_plan *out,
				   grym_error *err) GRYM_MUST_CHECK;

/* Vectors from frame matrices. m (and mo, which may be NULL) are indexed
 * by grym_feature: m[f] has the frames and dims of feature f; when mo[f]
 * is set the clip's streaming moments stand in for m[f]'s rows. */
/* Floats in one vector: nstats * dims summed over the listed features. */
size_t grym_features_vector_len(const grym_features_plan *p, const grym_fmat *m);
/* Window k (0, 1, ...) of a clip of samples at rate whose longest feature
 * has frames frames: 1 with its time span [start, end) in seconds and its
 * frames [t0, t1); 0 when the window holds no frame (skip it); -1 after
 * the last. Without segments window 0 is the whole clip. */
int grym_features_window(const grym_features_plan *p, double rate, int64_t samples,
			 int64_t frames, int64_t k, double *start, double *end,
			 int64_t *t0, int64_t *t1);
/* The vector of frames [t0, t1) (clamped to each feature's length):
 * stats of each listed feature in turn, stat-major within a feature. */
int grym_features_vector(const grym_features_plan *p, const grym_fmat *m,
			 grym_moments *const *mo, int64_t t0, int64_t t1, float *out,
			 grym_error *err) GRYM_MUST_CHECK;
/* Names of the vector's columns ("mfcc0_mean"...), or with with_stats 0
 * of one frame's dims (new reference). */
grym_json *grym_features_names(const grym_features_plan *p, const grym_fmat *m, int with_stats)
	GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
