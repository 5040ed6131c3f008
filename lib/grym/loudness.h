/*
 * loudness.h — measuring audio: ITU-R BS.1770-4 / EBU R128 loudness,
 * loudness range (EBU Tech 3342), true peak, sample peak, RMS, DC offset.
 *
 * A grym_loudness is a streaming meter: feed it interleaved float32
 * frames in blocks of any size, read the results at any time. Memory is
 * bounded whatever the length of the input (gating uses histograms of
 * 0.01 LU bins, not a list of blocks), so hours of audio cost the same as
 * seconds.
 *
 * What is measured and how:
 *   - K-weighting: the two BS.1770 biquads (high shelf + high pass) are
 *     derived for the meter's sample rate from their analog prototypes by
 *     the bilinear transform, so 44.1 kHz reads like 48 kHz.
 *   - Channel weights: 1.0, except LFE (position 3 of 6 or 8 channels)
 *     0.0 and surrounds (positions 4 and up of 5.1/7.1, 3 and 4 of 5
 *     channels) 1.41. Mono is one channel of weight 1.0.
 *   - Momentary: 400 ms blocks every 100 ms (75% overlap); short-term:
 *     3 s windows every 100 ms.
 *   - Integrated: momentary blocks gated at -70 LUFS absolute, then -10 LU
 *     below the loudness of the blocks that passed. A clip shorter than
 *     one 400 ms block has no gated loudness; its integrated loudness is
 *     the K-weighted mean square of the whole clip, ungated, and the
 *     result says short_clip.
 *   - Loudness range: short-term values gated at -70 LUFS and -20 LU
 *     relative; LRA is the 95th minus the 10th percentile.
 *   - True peak: 4x oversampling below 96 kHz (2x below 192 kHz) through
 *     a 48-taps-per-phase Kaiser-windowed sinc interpolator, so it does
 *     not over-read sines near fs/4 as short interpolators do.
 *   - RMS: over all samples of all channels, 20 log10(rms): a full-scale
 *     sine reads -3.01 dB (as sox does).
 *
 * Undefined values (loudness of digital silence or of blocks all below
 * the -70 LUFS gate, LRA of less than 3 s, peaks of
 * nothing) are NaN for loudness and -INFINITY for levels of pure digital
 * silence; callers map both to JSON null ("undefined").
 *
 * Thread-safety: meters are independent objects; no global state.
 */
#ifndef GRYM_LOUDNESS_H
#define GRYM_LOUDNESS_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sample rates and channel counts a meter accepts. */
#define GRYM_LOUDNESS_RATE_MIN 4000
#define GRYM_LOUDNESS_RATE_MAX 768000
#define GRYM_LOUDNESS_CHANNELS_MAX 64

/* Meter flags. */
enum {
	GRYM_LOUDNESS_TRUE_PEAK = 1     /* measure the true peak (the costly part) */
};

typedef struct grym_loudness grym_loudness;

/* A new meter for rate Hz and channels interleaved channels. Returns NULL
 * and fills err (GRYM_ERR_INVALID for a rate or channel count outside the
 * limits above, GRYM_ERR_NOMEM) on failure. */
grym_loudness *grym_loudness_new(int rate, int channels, int flags, grym_error *err)
	GRYM_MUST_CHECK;
void grym_loudness_free(grym_loudness *m);

/* Override the BS.1770 weight of one channel (0 excludes it). Must be
 * called before the first frames; GRYM_ERR_INVALID otherwise. */
int grym_loudness_set_weight(grym_loudness *m, int channel, double weight,
			     grym_error *err) GRYM_MUST_CHECK;

/* Measure n interleaved frames (n * channels floats). Does not allocate.
 * A NaN or infinite sample fails with GRYM_ERR_FORMAT ("non-finite sample
 * at frame N") and the meter keeps what it had before the call. */
int grym_loudness_add_frames(grym_loudness *m, const float *frames, int64_t n,
			     grym_error *err) GRYM_MUST_CHECK;

/* Results so far. */
typedef struct grym_loudness_result {
	double integrated_lufs;     /* NaN when no block passed the gates (a
				       short clip: NaN only for digital silence) */
	int short_clip;             /* under 400 ms: integrated_lufs is ungated */
	double loudness_range_lu;   /* NaN when no short-term window passed */
	double lra_low_lufs;        /* 10th percentile of the gated short-term values */
	double lra_high_lufs;       /* 95th percentile */
	double momentary_max_lufs;  /* loudest 400 ms block, NaN if none */
	double shortterm_max_lufs;  /* loudest 3 s window, NaN if none */
	double true_peak_dbtp;      /* -INFINITY for silence; NaN unless TRUE_PEAK */
	double sample_peak_dbfs;    /* -INFINITY for silence or no frames */
	double rms_dbfs;            /* -INFINITY for silence or no frames */
	double true_peak;           /* linear */
	double sample_peak;         /* linear */
	double rms;                 /* linear */
	int64_t frames;
	int rate;
	int channels;
	double dc[GRYM_LOUDNESS_CHANNELS_MAX];  /* mean of each channel */
} grym_loudness_result;

/* Fill r with the results for everything added so far. The true peak
 * includes the interpolator's tail (as if silence followed). The meter
 * can go on measuring afterwards. */
void grym_loudness_get(const grym_loudness *m, grym_loudness_result *r);

/* Individual values (see grym_loudness_result). */
double grym_loudness_integrated(const grym_loudness *m);
double grym_loudness_range(const grym_loudness *m);
/* Loudness of the last complete 400 ms block / 3 s window (NaN if none
 * yet; -INFINITY if it was digital silence). */
double grym_loudness_momentary(const grym_loudness *m);
double grym_loudness_shortterm(const grym_loudness *m);
/* Mean of one channel (DC offset, linear, 0 if no frames). */
double grym_loudness_dc(const grym_loudness *m, int channel);
int64_t grym_loudness_frames(const grym_loudness *m);

/* ---- true peak on its own (used by the meter and the limiter) ---- */

/* An oversampling interpolator: for each frame pushed it reports the
 * largest absolute value over all channels of the signal reconstructed
 * between that frame and the next (including the frame itself), with a
 * delay of grym_truepeak_latency() frames. */
typedef struct grym_truepeak grym_truepeak;
/* For rate Hz (> 0) and 1..GRYM_LOUDNESS_CHANNELS_MAX channels; the caller owns it
 * (grym_truepeak_free, NULL is fine). NULL on failure with err filled:
 * GRYM_ERR_INVALID, GRYM_ERR_NOMEM. */
grym_truepeak *grym_truepeak_new(int rate, int channels, grym_error *err) GRYM_MUST_CHECK;
void grym_truepeak_free(grym_truepeak *t);
/* Oversampling factor chosen for the rate (4, 2 or 1). */
int grym_truepeak_factor(const grym_truepeak *t);
/* Frames between pushing a frame and getting its peak. */
int grym_truepeak_latency(const grym_truepeak *t);
/* Push n frames; peaks[i] (n values) receives the peak for the frame
 * pushed latency frames before frame i (0 before the start). With peaks
 * NULL only the running maximum is kept, and stretches that provably
 * cannot raise it are not interpolated (same result, much faster).
 * Returns the largest peak seen since creation. Does not allocate. */
float grym_truepeak_process(grym_truepeak *t, const float *frames, int64_t n,
			    float *peaks);
/* The largest peak of the frames still inside the interpolator, as if
 * silence followed (does not change t). */
float grym_truepeak_tail(const grym_truepeak *t);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
