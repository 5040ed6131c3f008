/*
 * features_pitch.h — pitch-class, onset, pitch and tempo features, equal
 * to librosa 0.10.2 with its defaults:
 *
 *   chroma      librosa.feature.chroma_stft(S=power, sr, tuning=T)
 *   tuning      librosa.estimate_tuning(S=power, sr, bins_per_octave=12)
 *               (what chroma_stft does when tuning is None)
 *   onset       librosa.onset.onset_strength(S=logmel, sr)
 *   yin         librosa.yin(y, fmin=65, fmax=2093, sr) + a "voiced" flag
 *   tempo       librosa.feature.tempo(onset_envelope=onset, sr)
 *
 * These functions start from inputs another stage already computed (a
 * power spectrogram, a log-mel spectrogram, the mono signal, an onset
 * envelope), so they do not depend on how those were made.
 *
 * Conventions
 *  - Matrices are float32, row-major, FRAMES x DIMS: the transpose of
 *    librosa's dims x frames. The caller owns every buffer it passes.
 *  - A spectrogram has n_fft/2+1 bins per frame.
 *  - Objects that need setup (filterbank, FFT plans, scratch) come from
 *    _new (NULL on failure, err filled) and go with _free (NULL is fine). Their _do calls never
 *    allocate, except grym_tuning_add, which keeps every spectral peak of
 *    the clip (the estimate is a median over all of them, as librosa's).
 *  - Thread safety: different objects may be used in different threads at
 *    once; one object is used by one thread at a time. FFTW plans are made
 *    under grym_fftw_plan_lock (grym/features.h), so _new may be called from any
 *    thread.
 *  - Errors: every fallible call returns a grym_status (GRYM_OK == 0) and
 *    fills err (may be NULL) with a message naming the problem. Inputs with
 *    NaN or Inf are refused (GRYM_ERR_INVALID), as librosa refuses them.
 *    Silence is not an error: every output is finite (see each function).
 */
#ifndef GRYM_FEATURES_PITCH_H
#define GRYM_FEATURES_PITCH_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"
#include "grym/features.h"

#ifdef __cplusplus
extern "C" {
#endif


/* ---------------------------------------------------------------------
 * Chroma: 12 pitch classes from an STFT spectrogram (or n_chroma bins
 * per octave with grym_chroma_new_n).
 *
 * The filterbank is librosa.filters.chroma(sr, n_fft, tuning, n_chroma,
 * ctroct=5.0, octwidth=2, norm=2, base_c=True) (bin 0 is C), in float32
 * as librosa keeps it; each output frame is the filterbank applied to the
 * input frame, divided by its largest value (norm=inf). A frame whose
 * largest value is below FLT_MIN (silence) is left as is: all zeros for a
 * zero spectrum, never NaN.
 *
 * librosa.feature.chroma_stft(y=...) uses the POWER spectrogram |X|^2;
 * pass that to get its numbers (a magnitude spectrogram works too and
 * gives librosa's chroma_stft(S=|X|)).
 */
#define GRYM_CHROMA_BINS 12      /* the default n_chroma */
#define GRYM_CHROMA_MAX 120      /* the largest n_chroma accepted */

typedef struct grym_chroma grym_chroma;

/* A new chroma filterbank: rate in Hz (> 0), n_fft >= 2 (even or odd),
 * tuning in fractions of a chroma bin (librosa's `tuning`, 0.0 for A440;
 * |tuning| < 1 usually, any finite value accepted). The caller owns the
 * result and frees it with grym_chroma_free. NULL on failure, err filled:
 * GRYM_ERR_INVALID for a parameter out of range, GRYM_ERR_NOMEM. */
grym_chroma *grym_chroma_new(double rate, int n_fft, double tuning, grym_error *err)
	GRYM_MUST_CHECK;
/* The same with n_chroma bins per octave (1..GRYM_CHROMA_MAX; tuning is
 * then in fractions of those bins). */
grym_chroma *grym_chroma_new_n(double rate, int n_fft, double tuning, int n_chroma,
			       grym_error *err) GRYM_MUST_CHECK;
/* Frees c and its filterbank; NULL is fine. */
void grym_chroma_free(grym_chroma *c);
/* Bins per input frame: n_fft/2 + 1. */
int grym_chroma_bins_in(const grym_chroma *c);
/* Values per output frame: n_chroma (12 by default). */
int grym_chroma_dims(const grym_chroma *c);
/* spec: n_frames x (n_fft/2+1) values (power or magnitude); out:
 * n_frames x n_chroma. Fails (GRYM_ERR_INVALID) on a NaN or Inf input. */
int grym_chroma_do(const grym_chroma *c, const float *spec, size_t n_frames,
		   float *out, grym_error *err) GRYM_MUST_CHECK;

/* ---------------------------------------------------------------------
 * Tuning estimation: librosa.estimate_tuning(S=spec, sr, n_fft,
 * resolution=0.01, bins_per_octave=12), i.e. piptrack (fmin 150 Hz,
 * fmax 4000 Hz, threshold 0.1 of each frame's maximum, parabolic
 * interpolation of the peaks), then the histogram of the pitches' distance
 * to the nearest semitone, over the peaks whose interpolated magnitude is
 * at least the median of all peaks' — computed in float32 as librosa
 * does, so that the same histogram bin is chosen.
 *
 * The result is in fractions of a chroma bin, in [-0.5, 0.5) on a 0.01
 * grid; 0.0 when the clip has no peak (silence), as librosa returns.
 *
 * Give it the same spectrogram as the chroma (power for chroma_stft's
 * numbers). Frames can be added in any number of calls; the estimate
 * depends on the whole clip. Memory: 8 bytes per spectral peak kept (a few
 * tens per frame), i.e. tens of MB for an hour at 22 kHz.
 */
typedef struct grym_tuning grym_tuning;

/* A new, empty estimator for spectrograms of n_fft (>= 2) at rate Hz
 * (> 0). The caller owns it (grym_tuning_free). NULL on failure, err
 * filled: GRYM_ERR_INVALID (a parameter out of range), GRYM_ERR_NOMEM. */
grym_tuning *grym_tuning_new(double rate, int n_fft, grym_error *err) GRYM_MUST_CHECK;
/* The same with bins_per_octave other than 12 (librosa's chroma_stft
 * passes n_chroma): the result is then in fractions of those bins. */
grym_tuning *grym_tuning_new_n(double rate, int n_fft, int bins_per_octave,
			       grym_error *err) GRYM_MUST_CHECK;
/* Frees t and the peaks it kept; NULL is fine. */
void grym_tuning_free(grym_tuning *t);
/* spec: n_frames x (n_fft/2+1). Allocates (grows the peak list):
 * GRYM_ERR_NOMEM if that fails, GRYM_ERR_INVALID on NaN/Inf input. */
int grym_tuning_add(grym_tuning *t, const float *spec, size_t n_frames,
		    grym_error *err) GRYM_MUST_CHECK;
/* The estimate over every frame added so far (reorders the kept peaks,
 * which does not change later estimates). */
int grym_tuning_estimate(grym_tuning *t, double *tuning, grym_error *err) GRYM_MUST_CHECK;
/* One call for a whole spectrogram in memory. */
int grym_tuning_estimate_spec(const float *spec, size_t n_frames, double rate,
			      int n_fft, double *tuning, grym_error *err) GRYM_MUST_CHECK;

/* ---------------------------------------------------------------------
 * Onset strength: librosa.onset.onset_strength(S=logmel) with its
 * defaults lag=1, max_size=1, aggregate=mean, detrend=False, center=True.
 *
 *   out[t] = mean over bands b of max(0, logmel[t-2][b] - logmel[t-3][b])
 *
 * for t >= 3 and out[0..2] = 0: librosa pads lag + n_fft/(2*hop) = 3
 * zeros at the start (center) and trims to n_frames, so the onset of the
 * step from frame t-3 to t-2 is reported at frame t. With center == 0 the
 * pad is lag alone: out[0] = 0 and out[t] compares rows t-1 and t.
 *
 * logmel: n_frames x n_mels, in dB (librosa.power_to_db of the mel power
 * spectrogram, ref 1.0, amin 1e-10, top_db 80); out: n_frames values.
 * n_fft and hop only set the pad (2048 and 512 give 3). Silence (constant
 * log-mel) gives zeros. No allocation.
 */
int grym_onset_strength(const float *logmel, size_t n_frames, int n_mels,
			int n_fft, int hop, int center, float *out,
			grym_error *err) GRYM_MUST_CHECK;

/* The same, streaming: feed the log-mel rows of one clip in consecutive
 * blocks of any size; out gets one value per row given (out[i] for the
 * i-th row of this block), equal to grym_onset_strength over the whole
 * clip. The object keeps the last lag + n_fft/(2*hop) rows. _reset starts
 * a new clip. _do does not allocate. */
typedef struct grym_onset grym_onset;

/* n_mels >= 1 bands per row; n_fft, hop (>= 1) and center set the pad as
 * for grym_onset_strength. The caller owns the result (grym_onset_free).
 * NULL on failure, err filled: GRYM_ERR_INVALID, GRYM_ERR_NOMEM. */
grym_onset *grym_onset_new(int n_mels, int n_fft, int hop, int center, grym_error *err)
	GRYM_MUST_CHECK;
/* Frees o; NULL is fine. */
void grym_onset_free(grym_onset *o);
void grym_onset_reset(grym_onset *o);
int grym_onset_do(grym_onset *o, const float *logmel, size_t n_frames, float *out,
		  grym_error *err) GRYM_MUST_CHECK;

/* ---------------------------------------------------------------------
 * YIN fundamental frequency: librosa.yin(y, fmin, fmax, sr, frame_length,
 * hop_length, trough_threshold, center, pad_mode='constant'), window
 * frame_length/2, with librosa's exact arithmetic (the autocorrelation by
 * FFT in double, the running energy in float32 as numpy sums it).
 *
 * Output per frame: column 0 the f0 in Hz (librosa's value, also for
 * unvoiced frames, where it is the global minimum of the normalized
 * difference: silence gives rate / floor(rate/fmax), e.g. 2205 Hz at
 * 22050 Hz); column 1 "voiced": 1.0 when a trough below trough_threshold
 * exists (the period was found by the threshold rule), 0.0 otherwise.
 */
typedef struct grym_yin_params {
	double fmin;             /* Hz, > 0; default 65 */
	double fmax;             /* Hz, fmin < fmax <= rate/2; default 2093 */
	int frame_length;        /* samples; default 2048 */
	int hop;                 /* samples; default 0 = frame_length/4 (512) */
	double trough_threshold; /* default 0.1 */
	int center;              /* 1 (default): frames centred, zero padding */
} grym_yin_params;

#define GRYM_YIN_COLS 2

typedef struct grym_yin grym_yin;

/* Fill p with the defaults above (librosa's). */
void grym_yin_params_default(grym_yin_params *p);
/* A new YIN tracker at rate Hz with the parameters p (NULL: the
 * defaults; p is copied, not kept). Validates as librosa does (fmax above
 * Nyquist, fmin >= fmax, a frame too short for fmax: GRYM_ERR_INVALID
 * with the limit), plans the FFTs and allocates the scratch of one frame
 * (GRYM_ERR_NOMEM). The caller owns the result (grym_yin_free); NULL on
 * failure, err filled. */
grym_yin *grym_yin_new(double rate, const grym_yin_params *p, grym_error *err) GRYM_MUST_CHECK;
/* Frees y and its FFT plans; NULL is fine. */
void grym_yin_free(grym_yin *y);
/* Frames for n_samples: centred 1 + n/hop; otherwise
 * 1 + (n - frame_length)/hop, 0 when n < frame_length. */
size_t grym_yin_frames(const grym_yin *y, size_t n_samples);
/* One frame of frame_length samples (already padded/positioned by the
 * caller) -> out[0] f0 Hz, out[1] voiced. For block-wise callers: with
 * the defaults, the frames are exactly the STFT's (2048 samples every 512,
 * centred with zero padding), taken before the window is applied.
 * The samples must be finite (not checked here; grym_yin_do checks). */
void grym_yin_frame(grym_yin *y, const float *frame, float out[GRYM_YIN_COLS]);
/* The whole mono signal x (n samples, float32 as librosa.load gives:
 * int16/32768) -> out: out_frames x 2, out_frames must equal
 * grym_yin_frames(y, n). Errors: n == 0 or (not centred) n <
 * frame_length, a NaN/Inf sample, out_frames mismatch. No allocation. */
int grym_yin_do(grym_yin *y, const float *x, size_t n, float *out,
		size_t out_frames, grym_error *err) GRYM_MUST_CHECK;

/* ---------------------------------------------------------------------
 * Tempo: librosa.feature.tempo(onset_envelope=env, sr, hop_length) with
 * start_bpm 120, std_bpm 1.0, ac_size 8.0 s, max_tempo 320, aggregate
 * mean, the default log-normal prior: the tempogram (windowed
 * autocorrelation of the envelope over ac_size seconds, centred with
 * linear-ramp padding, each frame max-normalised) is averaged over the
 * clip and the lag maximising log1p(1e6 * tg) + prior gives the BPM,
 * one of 60 * rate / (hop * lag).
 *
 * Silence (an all-zero envelope) gives the prior's peak (the lag whose
 * BPM is nearest 120 on a log scale), as librosa does.
 */
typedef struct grym_tempo_params {
	double start_bpm;        /* default 120 */
	double std_bpm;          /* default 1.0 (octaves) */
	double ac_size;          /* seconds; default 8.0 */
	double max_tempo;        /* BPM; default 320; <= 0: no limit */
} grym_tempo_params;

typedef struct grym_tempo grym_tempo;

/* Fill p with the defaults above (librosa's). */
void grym_tempo_params_default(grym_tempo_params *p);
/* A new tempo estimator: rate in Hz, hop in samples (the envelope's
 * frame step), p the parameters (NULL: the defaults; copied, not kept).
 * The window is floor(floor(ac_size*rate)/hop) frames and must be >= 2.
 * The caller owns the result (grym_tempo_free). NULL on failure, err
 * filled: GRYM_ERR_INVALID (a parameter out of range), GRYM_ERR_NOMEM. */
grym_tempo *grym_tempo_new(double rate, int hop, const grym_tempo_params *p,
			   grym_error *err) GRYM_MUST_CHECK;
/* Frees t and its FFT plans; NULL is fine. */
void grym_tempo_free(grym_tempo *t);
/* env: n_frames onset-strength values (n_frames >= 1, finite) -> *bpm.
 * No allocation. */
int grym_tempo_do(grym_tempo *t, const float *env, size_t n_frames,
		  double *bpm, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
