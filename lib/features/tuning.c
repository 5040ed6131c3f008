/*
 * tuning.c — how far a recording sits from A440, in fractions of a
 * semitone: librosa.estimate_tuning (librosa 0.10.2), which chroma_stft
 * calls when no tuning is given.
 *
 * piptrack: in each frame, the bins between 150 Hz and 4 kHz that are
 * local maxima of the spectrum once everything below 0.1 x the frame's
 * maximum is zeroed are peaks; each peak's frequency and height are refined
 * by parabolic interpolation over its two neighbours. Then the peaks at
 * least as high as the median peak vote, by their distance to the nearest
 * equal-tempered semitone, in a 100-bin histogram over [-0.5, 0.5); the
 * left edge of the fullest bin is the tuning.
 *
 * librosa computes all of this in float32 (the spectrogram's dtype), with
 * the parabola itself in float64 (numba's promotion of `2 * x`). The
 * histogram has 0.01-wide bins, and a float32 rounding can move a vote
 * across a bin edge, so the same arithmetic is kept here, operation by
 * operation. The median is exact, hence every peak of the clip is kept
 * (8 bytes each) until the estimate.
 */
#include "grym/features_pitch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TUNING_FMIN 150.0
#define TUNING_FMAX 4000.0
#define TUNING_THRESHOLD 0.1f
#define TUNING_HIST 100       /* ceil(1 / resolution 0.01) */

typedef struct peak {
	float pitch;   /* Hz, float32 as librosa stores it */
	float mag;     /* interpolated magnitude */
} peak;

struct grym_tuning {
	double rate;
	int bpo;               /* bins per octave */
	int n_fft;
	int n_bins;
	int k_lo, k_hi;        /* bins with fmin <= f < fmax: [k_lo, k_hi) */
	float *masked;         /* scratch: the thresholded frame */
	peak *peaks;
	size_t n_peaks, cap;
};

/* Fills *out (NULL on failure). */
static int tuning_make(grym_tuning **out, double rate, int n_fft, int bpo, grym_error *err)
{
	grym_tuning *t;
	double fmax, val;
	int k;

	*out = NULL;
	if (!(rate > 0) || !isfinite(rate))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tuning: sample rate %g is not a positive number", rate);
	if (n_fft < 2)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tuning: n_fft %d is too small (needs at least 2)", n_fft);
	if (bpo < 1 || bpo > 1200)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tuning: %d bins per octave (1 to 1200)", bpo);
	t = calloc(1, sizeof *t);
	if (!t)
		return grym_error_set(err, GRYM_ERR_NOMEM, "tuning: out of memory");
	t->rate = rate;
	t->bpo = bpo;
	t->n_fft = n_fft;
	t->n_bins = n_fft / 2 + 1;
	t->masked = malloc((size_t)t->n_bins * sizeof *t->masked);
	if (!t->masked) {
		grym_tuning_free(t);
		return grym_error_set(err, GRYM_ERR_NOMEM, "tuning: out of memory");
	}
	/* np.fft.rfftfreq(n_fft, 1/sr): k * (1 / (n_fft * (1/sr))). */
	fmax = fmin(TUNING_FMAX, rate / 2.0);
	val = 1.0 / ((double)n_fft * (1.0 / rate));
	t->k_lo = t->n_bins;
	t->k_hi = 0;
	for (k = 0; k < t->n_bins; k++) {
		double f = (double)k * val;
		if (TUNING_FMIN <= f && f < fmax) {
			if (k < t->k_lo)
				t->k_lo = k;
			t->k_hi = k + 1;
		}
	}
	if (t->k_hi <= t->k_lo)
		t->k_lo = t->k_hi = 0;
	*out = t;
	return GRYM_OK;
}

grym_tuning *grym_tuning_new_n(double rate, int n_fft, int bpo, grym_error *err)
{
	grym_tuning *t;

	return tuning_make(&t, rate, n_fft, bpo, err) ? NULL : t;
}

grym_tuning *grym_tuning_new(double rate, int n_fft, grym_error *err)
{
	return grym_tuning_new_n(rate, n_fft, 12, err);
}

void grym_tuning_free(grym_tuning *t)
{
	if (!t)
		return;
	free(t->masked);
	free(t->peaks);
	free(t);
}

static int push_peak(grym_tuning *t, float pitch, float mag)
{
	if (t->n_peaks == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		peak *p;
		if (cap > SIZE_MAX / sizeof *p)
			return -1;
		p = realloc(t->peaks, cap * sizeof *p);
		if (!p)
			return -1;
		t->peaks = p;
		t->cap = cap;
	}
	t->peaks[t->n_peaks].pitch = pitch;
	t->peaks[t->n_peaks].mag = mag;
	t->n_peaks++;
	return 0;
}

int grym_tuning_add(grym_tuning *t, const float *spec, size_t n_frames, grym_error *err)
{
	size_t fr;
	int nb, k;

	if (!t || (n_frames && !spec))
		return grym_error_set(err, GRYM_ERR_INVALID, "tuning: missing buffer");
	nb = t->n_bins;
	for (fr = 0; fr < n_frames; fr++) {
		const float *x = spec + fr * (size_t)nb;
		float *m = t->masked, mx = 0.0f, ref;

		for (k = 0; k < nb; k++) {
			float s = fabsf(x[k]);
			if (!isfinite(s))
				return grym_error_set(err, GRYM_ERR_INVALID,
						      "tuning: frame %zu bin %d is not finite", fr, k);
			if (k == 0 || s > mx)
				mx = s;
		}
		ref = TUNING_THRESHOLD * mx;
		for (k = 0; k < nb; k++) {
			float s = fabsf(x[k]);
			m[k] = s > ref ? s : 0.0f;
		}
		for (k = t->k_lo; k < t->k_hi; k++) {
			float left, right, s, avg, shift, dskew, mag, pitch;
			/* util.localmax with edge padding: strictly above the
			 * left neighbour, at least the right one. */
			left = m[k > 0 ? k - 1 : 0];
			right = m[k + 1 < nb ? k + 1 : nb - 1];
			if (!(m[k] > left && m[k] >= right))
				continue;
			s = fabsf(x[k]);
			if (k == 0 || k == nb - 1) {
				shift = 0.0f;
				avg = k == 0 ? (fabsf(x[1]) - s) / 1.0f
					     : (s - fabsf(x[k - 1])) / 1.0f;
			} else {
				float sp = fabsf(x[k + 1]), sm = fabsf(x[k - 1]);
				/* numba: float32 sums, `2 * x` and `/ 2` in float64 */
				double a = (double)(sp + sm) - 2.0 * (double)s;
				double b = (double)(sp - sm) / 2.0;
				shift = fabs(b) >= fabs(a) ? 0.0f : (float)(-b / a);
				avg = (sp - sm) / 2.0f;    /* np.gradient, float32 */
			}
			dskew = 0.5f * avg * shift;
			mag = s + dskew;
			pitch = (float)(((double)k + (double)shift) * t->rate / (double)t->n_fft);
			if (!(pitch > 0.0f))
				continue;
			if (push_peak(t, pitch, mag) < 0)
				return grym_error_set(err, GRYM_ERR_NOMEM,
						      "tuning: out of memory for %zu spectral peaks",
						      t->n_peaks + 1);
		}
	}
	return GRYM_OK;
}

/* The kth smallest magnitude of p[0..n) by quickselect with a three-way
 * partition; reorders p so that every peak before kth is no higher. */
static float select_mag(peak *p, size_t n, size_t kth)
{
	size_t lo = 0, hi = n;   /* the answer lies in [lo, hi) */

	for (;;) {
		float a = p[lo].mag, b = p[lo + (hi - lo) / 2].mag, c = p[hi - 1].mag, pivot;
		size_t lt = lo, i = lo, gt = hi;
		peak tmp;

		pivot = (a < b) ? ((b < c) ? b : (a < c ? c : a))
				: ((a < c) ? a : (b < c ? c : b));
		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
		while (i < gt) {
			if (p[i].mag < pivot) {
				tmp = p[lt]; p[lt] = p[i]; p[i] = tmp;
				lt++;
				i++;
			} else if (p[i].mag > pivot) {
				gt--;
				tmp = p[gt]; p[gt] = p[i]; p[i] = tmp;
			} else {
				i++;
			}
		}
		if (kth < lt)
			hi = lt;
		else if (kth >= gt)
			lo = gt;
		else
			return pivot;
	}
}

/* numpy's float32 remainder (sign of the divisor). */
static float py_modf(float a, float b)
{
	float m = fmodf(a, b);

	if (m != 0.0f) {
		if ((b < 0) != (m < 0))
			m += b;
	} else {
		m = copysignf(0.0f, b);
	}
	return m;
}

int grym_tuning_estimate(grym_tuning *t, double *tuning, grym_error *err)
{
	double edges[TUNING_HIST + 1];
	size_t counts[TUNING_HIST] = {0}, i, best_count = 0;
	float thr;
	int b, best = 0;

	if (!t || !tuning)
		return grym_error_set(err, GRYM_ERR_INVALID, "tuning: missing argument");
	*tuning = 0.0;
	if (t->n_peaks == 0)
		return GRYM_OK;   /* librosa: empty frequency set -> 0.0 */

	/* np.median in float32: the middle value, or the float32 mean of
	 * the two middle values. */
	{
		size_t n = t->n_peaks;
		if (n % 2) {
			thr = select_mag(t->peaks, n, n / 2);
		} else {
			float hi = select_mag(t->peaks, n, n / 2), lo;
			/* after selecting n/2, [0, n/2) holds the smaller ones */
			lo = t->peaks[0].mag;
			for (i = 1; i < n / 2; i++)
				if (t->peaks[i].mag > lo)
					lo = t->peaks[i].mag;
			thr = (lo + hi) / 2.0f;
		}
	}

	/* np.linspace(-0.5, 0.5, 101) */
	for (b = 0; b <= TUNING_HIST; b++)
		edges[b] = (double)b * (1.0 / TUNING_HIST) + -0.5;
	edges[TUNING_HIST] = 0.5;

	for (i = 0; i < t->n_peaks; i++) {
		float f = t->peaks[i].pitch, octs, res;
		double r;
		if (!(t->peaks[i].mag >= thr) || !(f > 0.0f))
			continue;
		/* hz_to_octs in float32: log2(f / (440 / 16)) */
		octs = log2f(f / 27.5f);
		res = py_modf((float)t->bpo * octs, 1.0f);
		if (res >= 0.5f)
			res -= 1.0f;
		r = res;
		if (r < edges[0] || r > edges[TUNING_HIST])
			continue;
		b = (int)floor((r + 0.5) * TUNING_HIST);
		if (b < 0)
			b = 0;
		if (b > TUNING_HIST - 1)
			b = TUNING_HIST - 1;
		while (b > 0 && r < edges[b])
			b--;
		while (b < TUNING_HIST - 1 && r >= edges[b + 1])
			b++;
		counts[b]++;
	}
	for (b = 0; b < TUNING_HIST; b++) {
		if (counts[b] > best_count) {
			best_count = counts[b];
			best = b;
		}
	}
	*tuning = edges[best];
	return GRYM_OK;
}

int grym_tuning_estimate_spec(const float *spec, size_t n_frames, double rate,
			      int n_fft, double *tuning, grym_error *err)
{
	grym_tuning *t;
	int rc = tuning_make(&t, rate, n_fft, 12, err);

	if (rc == GRYM_OK)
		rc = grym_tuning_add(t, spec, n_frames, err);
	if (rc == GRYM_OK)
		rc = grym_tuning_estimate(t, tuning, err);
	grym_tuning_free(t);
	return rc;
}
