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
 * bits is the encoder's job (audio.h). The normalization stage that
 * runs these over files, the catalog and records is grym/stage_normalize.h.
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

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
