/*
 * dsp.h — processing audio in blocks: filters, DC removal, gain, fades,
 * silence detection, a look-ahead true-peak limiter, resampling and
 * channel mixing.
 *
 * Buffers are float32 interleaved (frame-major), owned by the caller.
 * Every object is created with _new (which validates and may allocate)
 * and freed with _free; _process calls never allocate, so they are safe
 * in a hot loop and in worker threads. Filter state is kept in double.
 *
 * Measuring (loudness, peaks, RMS) lives in loudness.h; dithering to 16
 * bits is the encoder's job (audio.h). The last section is the whole
 * normalization stage as one call (grym-normalize and serve call it).
 */
#ifndef GRYM_DSP_H
#define GRYM_DSP_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include <signal.h>
#include "grym/error.h"
#include "grym/io.h"
#include "grym/audio.h"
#include "grym/loudness.h"
#include "grym/catalog.h"
#include "grym/progress.h"
#include "grym/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- biquad filters (RBJ Audio EQ Cookbook forms) ---- */

typedef enum grym_biquad_type {
	GRYM_BIQUAD_LOWPASS = 0,
	GRYM_BIQUAD_HIGHPASS,
	GRYM_BIQUAD_BANDPASS,   /* constant 0 dB peak gain */
	GRYM_BIQUAD_NOTCH,
	GRYM_BIQUAD_PEAK,       /* uses gain_db */
	GRYM_BIQUAD_LOWSHELF,   /* uses gain_db (Q: shelf slope form) */
	GRYM_BIQUAD_HIGHSHELF
} grym_biquad_type;

/* Normalised coefficients (a0 = 1): y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2. */
typedef struct grym_biquad {
	double b0, b1, b2, a1, a2;
} grym_biquad;

/* Design one section at rate Hz with centre/corner f0 Hz and quality q.
 * GRYM_ERR_INVALID unless 0 < f0 < rate/2 and q > 0. */
int grym_biquad_design(grym_biquad *bq, grym_biquad_type type, double rate,
		       double f0, double q, double gain_db, grym_error *err);
/* Magnitude response (linear) of a section at f Hz. */
double grym_biquad_response(const grym_biquad *bq, double rate, double f);

/* A cascade of biquad sections applied to every channel. */
typedef struct grym_filter grym_filter;
#define GRYM_FILTER_SECTIONS_MAX 16

/* A cascade from explicit sections (copied). */
grym_filter *grym_filter_new(const grym_biquad *sections, int nsections,
			     int channels, grym_error *err);
/* Butterworth low- or high-pass (type GRYM_BIQUAD_LOWPASS/HIGHPASS) of
 * order 1..2*GRYM_FILTER_SECTIONS_MAX, -3.01 dB at cutoff Hz. Order 2 is
 * one RBJ section with Q = 1/sqrt(2); higher orders cascade sections with
 * the Butterworth pole Qs (and a first-order section for odd orders). */
grym_filter *grym_filter_new_butterworth(grym_biquad_type type, int order,
					 double rate, double cutoff, int channels,
					 grym_error *err);
void grym_filter_free(grym_filter *f);
/* Filter n frames in place. */
void grym_filter_process(grym_filter *f, float *frames, int64_t n);
/* Forget the past (state to zero). */
void grym_filter_reset(grym_filter *f);

/* ---- DC removal ---- */

/* A DC blocker: one-pole high-pass y = x - x1 + r y1 with its -3 dB point
 * at cutoff Hz (grym uses 5 Hz), for streams where the mean is not known
 * beforehand. When a measure pass gives the mean, subtract it instead
 * (grym_dsp_offset): exact, with no transient. */
typedef struct grym_dc_blocker grym_dc_blocker;
grym_dc_blocker *grym_dc_blocker_new(double rate, double cutoff, int channels,
				     grym_error *err);
void grym_dc_blocker_free(grym_dc_blocker *d);
void grym_dc_blocker_process(grym_dc_blocker *d, float *frames, int64_t n);

/* Subtract offset[c] from every sample of channel c. */
void grym_dsp_offset(float *frames, int64_t n, int channels, const double *offset);

/* ---- gain, fades, silence ---- */

/* Multiply every sample by gain (linear). */
void grym_dsp_gain(float *frames, int64_t n, int channels, double gain);
double grym_db_to_gain(double db);
double grym_gain_to_db(double gain);

/* Raised-cosine fades. Frames are numbered from the start of the signal:
 * the block holds frames pos .. pos+n-1. Fade-in covers frames
 * 0 .. len-1; fade-out covers the last len frames of a signal of total
 * frames. Frames outside the fade are untouched. */
void grym_dsp_fade_in(float *frames, int64_t n, int channels, int64_t pos, int64_t len);
void grym_dsp_fade_out(float *frames, int64_t n, int channels, int64_t pos, int64_t len,
		       int64_t total);

/* Index of the first / last frame in the block with any channel's
 * |sample| above threshold (linear), or -1 if none. Silence trimming
 * scans with these and keeps the frames between. */
int64_t grym_dsp_first_above(const float *frames, int64_t n, int channels, float threshold);
int64_t grym_dsp_last_above(const float *frames, int64_t n, int channels, float threshold);

/* ---- channel mixing ---- */

/* Map in_ch channels to out_ch: equal counts copy; to 1 is the channel
 * mean; from 1 duplicates; 6 (5.1) to 2 is the ITU downmix
 * (L + 0.707 C + 0.707 Ls, LFE dropped); anything else is
 * GRYM_ERR_UNSUPPORTED. Check with grym_mix_supported before streaming. */
int grym_mix_supported(int in_ch, int out_ch, grym_error *err);
/* in and out must not overlap (unless in_ch == out_ch). */
void grym_mix(const float *in, int in_ch, float *out, int out_ch, int64_t n);

/* ---- look-ahead true-peak limiter ---- */

/* Keeps the output's true peak (4x oversampled, see loudness.h) at or
 * below ceiling_db dBTP. The gain needed for each frame is the smallest
 * over a look-ahead window (lookahead_ms), smoothed by a moving average
 * of the same length so it reaches its value exactly when the peak
 * arrives and never overshoots; it then recovers exponentially with
 * release_ms. The output is delayed by grym_limiter_latency() frames:
 * process returns fewer frames than it was given at first, and flush
 * hands out the rest at the end. */
typedef struct grym_limiter grym_limiter;
grym_limiter *grym_limiter_new(int rate, int channels, double ceiling_db,
			       double lookahead_ms, double release_ms, grym_error *err);
void grym_limiter_free(grym_limiter *l);
int grym_limiter_latency(const grym_limiter *l);
/* Limit n frames from in; writes up to n frames to out (which may not
 * alias in) and returns how many. */
int64_t grym_limiter_process(grym_limiter *l, const float *in, int64_t n, float *out);
/* Write the frames still held (at most latency) to out; returns how many. */
int64_t grym_limiter_flush(grym_limiter *l, float *out);
/* Smallest gain applied so far, in dB (0 when it never acted). */
double grym_limiter_max_reduction_db(const grym_limiter *l);

/* ---- resampling (libswresample, soxr engine) ---- */

typedef struct grym_resampler grym_resampler;
/* Rates 1000..768000 Hz, channels 1..64; soxr at 28-bit precision. */
grym_resampler *grym_resampler_new(int in_rate, int out_rate, int channels,
				   grym_error *err);
void grym_resampler_free(grym_resampler *r);
/* Room out needs for n more input frames (an upper bound). */
int64_t grym_resampler_out_max(const grym_resampler *r, int64_t n);
/* Convert n frames (n may be 0); writes at most out_cap frames to out,
 * returns frames written or a negative status. */
int64_t grym_resampler_process(grym_resampler *r, const float *in, int64_t n,
			       float *out, int64_t out_cap, grym_error *err);
/* Drain what the resampler still holds at the end of the input. */
int64_t grym_resampler_flush(grym_resampler *r, float *out, int64_t out_cap,
			     grym_error *err);

/* ---- normalization: decode, process, measure, gain, encode ---- */

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

typedef struct grym_normalize_report {
	grym_loudness_result in;    /* of the processed signal, before gain */
	double wanted_gain_db;      /* what the mode asked for */
	double gain_db;             /* what was applied */
	int gain_lowered;           /* lowered to respect the true-peak ceiling */
	int limited;                /* the limiter ran */
	double limiter_db;          /* its largest reduction (<= 0) */
	int silent;                 /* level undefined (digital silence, or every
				       block under the -70 LUFS gate): policy applied */
	int skipped;                /* nothing written (policy skip) */
	int64_t trimmed_start, trimmed_end;  /* frames removed */
	int64_t frames_out;
	int rate, channels;         /* of the output */
	grym_sample_format format;  /* of the output */
} grym_normalize_report;

/* Why rep's level was undefined (rep->silent): "silence" for digital
 * silence, else that every block fell under the -70 LUFS gate. */
const char *grym_normalize_undefined_reason(const grym_normalize_report *rep);

/* Measure a file as it would be processed by o (channels, rate, filters;
 * o may be NULL for the file as it is). */
int grym_normalize_measure(const char *path, const grym_normalize_opts *o,
			   grym_loudness_result *r, grym_error *err);

/* Normalize the audio file at path into out (not committed: the caller
 * commits or aborts). A path is decoded once per pass, so a pipe must
 * first be spooled (grym_spool, grym/io.h). On any error nothing useful is in out. */
int grym_normalize_file(const char *path, const grym_normalize_opts *o,
			grym_output *out, grym_normalize_report *rep, grym_error *err);

/* ---- catalog mode: normalized results as derived assets ---- */

/* The recipe of a run (grym_normalize_recipe), its reading back and the
 * parameter table behind both are the stage's: grym/normalize_params.h. */

/* Normalize catalog asset parent (a full id) into a derived asset:
 * id receives grym_id_derived(parent, recipe). If that asset already
 * exists nothing is computed and *reused is 1, once its object passed
 * the checks of a read (grym_catalog_check_asset_object). Otherwise the parent's
 * object is normalized into a temporary file in o->tmpdir, stored as an
 * object, and the asset row written (kind "derived", parent, recipe,
 * decoded properties; labels, meta and tags copied from the parent).
 * rep (may be NULL) is filled when computed. With silence policy skip
 * and a silent parent, rep->skipped is set and no asset is made. */
int grym_normalize_asset(grym_catalog *cat, const char *parent,
			 const grym_normalize_opts *o, char id[GRYM_ID_LEN + 1],
			 int *reused, grym_normalize_report *rep, grym_error *err);

/* Normalize the audio payload of the record whose head was just read
 * from r (kind audio, "rate" in its metadata, channels = cols) and write
 * it to w as an audio record under the same key: the metadata passed
 * through with "rate", "channels", "frames", "duration" updated and
 * recipe (not owned) appended to "pipeline". The payload goes through two
 * temporary files in o->tmpdir (float32 WAV), never whole in memory; the
 * output samples are float32 whatever o->bits says. rep as for
 * grym_normalize_file; with silence policy skip nothing is written. */
int grym_normalize_record(grym_stream_reader *r, const grym_record_head *h,
			  const grym_normalize_opts *o, const json_t *recipe,
			  grym_stream_writer *w, grym_normalize_report *rep,
			  grym_error *err);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
