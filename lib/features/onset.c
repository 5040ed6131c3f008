/*
 * onset.c — onset strength: how much louder each frame got than the one
 * before, averaged over mel bands; librosa.onset.onset_strength (librosa
 * 0.10.2) with its defaults (lag 1, max_size 1, mean over bands, no
 * detrend, centred).
 *
 * librosa takes the positive part of logmel[t+1] - logmel[t], averages it
 * over bands, then shifts the envelope right by lag + n_fft/(2*hop)
 * frames (1 + 2048/1024 = 3 with the defaults: "counter-act framing
 * effects") with zeros in front, and trims it to the input's frame count.
 * The same alignment is kept here, frame for frame.
 *
 * grym_onset_strength is a pure function over caller buffers; grym_onset
 * streams the same computation block by block, keeping the few rows the
 * shift needs.
 */
#include "grym/features_pitch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int grym_onset_strength(const float *logmel, size_t n_frames, int n_mels,
			int n_fft, int hop, int center, float *out,
			grym_error *err)
{
	const size_t lag = 1;
	size_t pad, t, i;
	int b;

	if (n_mels < 1)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "onset: %d mel bands (needs at least 1)", n_mels);
	if (hop < 1 || n_fft < 1)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "onset: n_fft %d and hop %d must be positive", n_fft, hop);
	if (n_frames && (!logmel || !out))
		return grym_error_set(err, GRYM_ERR_INVALID, "onset: missing buffer");
	for (i = 0; i < n_frames * (size_t)n_mels; i++)
		if (!isfinite(logmel[i]))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "onset: log-mel frame %zu band %d is not finite",
					      i / (size_t)n_mels, (int)(i % (size_t)n_mels));

	pad = lag + (center ? (size_t)(n_fft / (2 * hop)) : 0);
	for (t = 0; t < n_frames; t++) {
		const float *cur, *prev;
		double s = 0.0;

		/* out[t] = env[t - pad], env[i] from frames i and i + lag */
		if (t < pad || t - pad + lag >= n_frames) {
			out[t] = 0.0f;
			continue;
		}
		prev = logmel + (t - pad) * (size_t)n_mels;
		cur = prev + lag * (size_t)n_mels;
		for (b = 0; b < n_mels; b++) {
			/* float32 difference, as librosa's float32 log-mel */
			float d = cur[b] - prev[b];
			if (d > 0.0f)
				s += d;
		}
		out[t] = (float)(s / n_mels);
	}
	return GRYM_OK;
}

/* Streaming form: a ring of the last pad + 1 rows. */
struct grym_onset {
	int n_mels;
	size_t pad;        /* lag + (center ? n_fft / (2 hop) : 0) */
	size_t seen;       /* rows of this clip so far */
	float *ring;       /* (pad + 1) x n_mels */
};

static int onset_make(grym_onset **out, int n_mels, int n_fft, int hop, int center,
		      grym_error *err)
{
	grym_onset *o;

	*out = NULL;
	if (n_mels < 1)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "onset: %d mel bands (needs at least 1)", n_mels);
	if (hop < 1 || n_fft < 1)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "onset: n_fft %d and hop %d must be positive", n_fft, hop);
	o = calloc(1, sizeof *o);
	if (!o)
		return grym_error_set(err, GRYM_ERR_NOMEM, "onset: out of memory");
	o->n_mels = n_mels;
	o->pad = 1 + (center ? (size_t)(n_fft / (2 * hop)) : 0);
	o->ring = malloc((o->pad + 1) * (size_t)n_mels * sizeof *o->ring);
	if (!o->ring) {
		free(o);
		return grym_error_set(err, GRYM_ERR_NOMEM, "onset: out of memory");
	}
	*out = o;
	return GRYM_OK;
}

grym_onset *grym_onset_new(int n_mels, int n_fft, int hop, int center,
			   grym_error *err)
{
	grym_onset *o;

	return onset_make(&o, n_mels, n_fft, hop, center, err) ? NULL : o;
}

void grym_onset_free(grym_onset *o)
{
	if (!o)
		return;
	free(o->ring);
	free(o);
}

void grym_onset_reset(grym_onset *o)
{
	if (o)
		o->seen = 0;
}

int grym_onset_do(grym_onset *o, const float *logmel, size_t n_frames, float *out,
		  grym_error *err)
{
	const size_t slots = o ? o->pad + 1 : 0;
	size_t i, t;
	int b, nm;

	if (!o || (n_frames && (!logmel || !out)))
		return grym_error_set(err, GRYM_ERR_INVALID, "onset: missing buffer");
	nm = o->n_mels;
	for (i = 0; i < n_frames * (size_t)nm; i++)
		if (!isfinite(logmel[i]))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "onset: log-mel frame %zu band %d is not finite",
					      o->seen + i / (size_t)nm, (int)(i % (size_t)nm));
	for (i = 0; i < n_frames; i++) {
		const float *prev, *cur;
		double s = 0.0;

		t = o->seen++;
		memcpy(o->ring + (t % slots) * (size_t)nm, logmel + i * (size_t)nm,
		       (size_t)nm * sizeof *o->ring);
		if (t < o->pad) {
			out[i] = 0.0f;
			continue;
		}
		prev = o->ring + ((t - o->pad) % slots) * (size_t)nm;
		cur = o->ring + ((t - o->pad + 1) % slots) * (size_t)nm;
		for (b = 0; b < nm; b++) {
			float d = cur[b] - prev[b];
			if (d > 0.0f)
				s += d;
		}
		out[i] = (float)(s / nm);
	}
	return GRYM_OK;
}
