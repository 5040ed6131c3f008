/*
 * limiter.c — a look-ahead true-peak limiter (grym/dsp.h).
 *
 * For each input frame j the true-peak interpolator (loudness.h) gives
 * p_j, the largest reconstructed value between frame j and j+1, and so
 * the gain r_j = min(1, ceiling / p_j) that frame needs. With a
 * look-ahead of L frames:
 *   m_j  = min(r_{j-L+1} .. r_j)                      (sliding minimum)
 *   m'_j = min(m_j, 1 - (1 - m'_{j-1}) a)              (exponential release)
 *   g    = mean(m'_{j-L+1} .. m'_j), applied to frame q = j - L + 1.
 * Every m'_k averaged for frame q has q inside its window, so g <= r_q:
 * the ceiling holds at every frame, and the gain falls smoothly over L
 * frames before a peak instead of jumping (no clicks). The audio is
 * delayed by the interpolator's latency plus L - 1 frames.
 *
 * State is fixed-size rings allocated at creation; processing never
 * allocates.
 */
#include "grym/audio.h"
#include "grym/dsp.h"
#include "grym/loudness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct grym_limiter {
	int channels;
	double ceiling;         /* linear */
	double release;         /* a: per-frame release coefficient */
	grym_truepeak *tp;
	int tp_latency;
	int look;               /* L */
	int delay;              /* tp_latency + L - 1 */
	/* audio delay line: delay + 1 frames */
	float *audio;
	int64_t in_count;       /* frames pushed (including flush zeros) */
	int64_t real_in;        /* frames given by the caller */
	int64_t out_count;      /* frames handed out */
	int64_t j;              /* next frame index whose peak is due */
	/* sliding minimum over L values: monotonic deque in a ring */
	double *dq_val;
	int64_t *dq_idx;
	int dq_head, dq_len;
	/* boxcar of m' over L values */
	double *box;
	double box_sum;
	double mprev;
	double min_gain;
};

grym_limiter *grym_limiter_new(int rate, int channels, double ceiling_db,
			       double lookahead_ms, double release_ms, grym_error *err)
{
	grym_limiter *l;

	if (rate < 1000 || rate > 768000 || channels < 1 || channels > GRYM_MAX_CHANNELS ||
	    !(ceiling_db <= 0.0 && ceiling_db > -60.0) ||
	    !(lookahead_ms > 0.0 && lookahead_ms <= 100.0) ||
	    !(release_ms > 0.0 && release_ms <= 10000.0)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "limiter: bad settings (ceiling %g dB, look-ahead %g ms, release %g ms)",
			       ceiling_db, lookahead_ms, release_ms);
		return NULL;
	}
	l = calloc(1, sizeof *l);
	if (!l)
		goto nomem;
	l->channels = channels;
	l->ceiling = pow(10.0, ceiling_db / 20.0);
	l->release = exp(-1.0 / (release_ms * 1e-3 * rate));
	l->look = (int)lround(lookahead_ms * 1e-3 * rate);
	if (l->look < 1)
		l->look = 1;
	l->tp = grym_truepeak_new(rate, channels, err);
	if (!l->tp) {
		free(l);
		return NULL;
	}
	l->tp_latency = grym_truepeak_latency(l->tp);
	l->delay = l->tp_latency + l->look - 1;
	l->audio = calloc((size_t)(l->delay + 1) * channels, sizeof *l->audio);
	l->dq_val = calloc((size_t)l->look + 1, sizeof *l->dq_val);
	l->dq_idx = calloc((size_t)l->look + 1, sizeof *l->dq_idx);
	l->box = malloc(sizeof *l->box * (size_t)l->look);
	if (!l->audio || !l->dq_val || !l->dq_idx || !l->box)
		goto nomem;
	for (int i = 0; i < l->look; i++)
		l->box[i] = 1.0;
	l->box_sum = l->look;
	l->mprev = 1.0;
	l->min_gain = 1.0;
	return l;
nomem:
	grym_limiter_free(l);
	grym_error_set(err, GRYM_ERR_NOMEM, "limiter: out of memory");
	return NULL;
}

void grym_limiter_free(grym_limiter *l)
{
	if (!l)
		return;
	grym_truepeak_free(l->tp);
	free(l->audio);
	free(l->dq_val);
	free(l->dq_idx);
	free(l->box);
	free(l);
}

int grym_limiter_latency(const grym_limiter *l)
{
	return l->delay;
}

double grym_limiter_max_reduction_db(const grym_limiter *l)
{
	return 20.0 * log10(l->min_gain);
}

/* Feed the gain r of frame j; returns the gain for frame j - L + 1. */
static double gain_step(grym_limiter *l, double r)
{
	int cap = l->look + 1;
	int64_t j = l->j++;
	double m, mp, g;
	int slot;

	/* Sliding minimum: drop larger values from the back, old from the front. */
	while (l->dq_len > 0) {
		int back = (l->dq_head + l->dq_len - 1) % cap;
		if (l->dq_val[back] < r)
			break;
		l->dq_len--;
	}
	slot = (l->dq_head + l->dq_len) % cap;
	l->dq_val[slot] = r;
	l->dq_idx[slot] = j;
	l->dq_len++;
	while (l->dq_idx[l->dq_head] <= j - l->look) {
		l->dq_head = (l->dq_head + 1) % cap;
		l->dq_len--;
	}
	m = l->dq_val[l->dq_head];
	mp = 1.0 - (1.0 - l->mprev) * l->release;
	if (m < mp)
		mp = m;
	l->mprev = mp;
	slot = (int)(j % l->look);
	l->box_sum += mp - l->box[slot];
	l->box[slot] = mp;
	if (slot == 0) {        /* re-sum now and then: no drift */
		double s = 0.0;
		for (int i = 0; i < l->look; i++)
			s += l->box[i];
		l->box_sum = s;
	}
	g = l->box_sum / l->look;
	return g > 1.0 ? 1.0 : g;
}

/* Push one frame; writes one output frame to out when one is due. */
static int push(grym_limiter *l, const float *frame, float *out)
{
	int ch = l->channels;
	int64_t i = l->in_count++;
	float peak;
	int wrote = 0;

	memcpy(l->audio + (size_t)(i % (l->delay + 1)) * ch, frame, sizeof *frame * ch);
	grym_truepeak_process(l->tp, frame, 1, &peak);
	if (i >= l->tp_latency) {
		double r = peak > l->ceiling ? l->ceiling / peak : 1.0;
		double g = gain_step(l, r);
		int64_t q = i - l->delay;
		if (q >= 0 && q < l->real_in) {
			const float *src = l->audio + (size_t)(q % (l->delay + 1)) * ch;
			for (int c = 0; c < ch; c++)
				out[c] = (float)(src[c] * g);
			if (g < l->min_gain)
				l->min_gain = g;
			l->out_count++;
			wrote = 1;
		}
	}
	return wrote;
}

int64_t grym_limiter_process(grym_limiter *l, const float *in, int64_t n, float *out)
{
	int64_t w = 0;
	l->real_in += n;
	for (int64_t i = 0; i < n; i++)
		w += push(l, in + i * l->channels, out + w * l->channels);
	return w;
}

int64_t grym_limiter_flush(grym_limiter *l, float *out)
{
	float zero[64] = { 0 };
	int64_t w = 0;
	while (l->out_count < l->real_in)
		w += push(l, zero, out + w * l->channels);
	return w;
}
