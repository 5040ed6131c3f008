/*
 * yin.c — fundamental frequency by YIN (de Cheveigné & Kawahara 2002),
 * equal to librosa.yin (librosa 0.10.2), plus a "voiced" flag; and the
 * process-wide FFTW planner lock.
 *
 * Per frame of frame_length N samples, with window W = N/2:
 *   d(tau)  = sum_{j=1..W} (y[j] - y[j+tau])^2
 *           = E(0) + E(tau) - 2 acf(tau),  E(tau) = sum_{j=tau+1..tau+W} y[j]^2
 *   d'(tau) = d(tau) / (mean of d(1..tau) + tiny)   for tau in [min_period, max_period]
 * The period is the first tau where d' has a local minimum below the
 * threshold (then the frame is "voiced"), else the global minimum of d';
 * a parabola through its neighbours refines it, and f0 = rate / period.
 *
 * librosa's arithmetic is kept: acf by FFT in double (numpy's rfft/irfft
 * of the frame and of y[W..1] reversed, so the sum starts at j = 1), values
 * below 1e-6 zeroed; E from numpy's float32 running sum of y^2 (a float32
 * cumsum, then differences, values below 1e-6 zeroed); E(0) + E(tau) in
 * float32; min_period = floor(rate/fmax), max_period = min(ceil(rate/fmin),
 * N - W - 1).
 *
 * FFTW's planner is not thread-safe, so plans are made under one
 * process-wide mutex (grym_fftw_plan_lock, lib/features/fftw_lock.c).
 * Plans use FFTW_ESTIMATE (deterministic bits) and run with the new-array
 * API on the object's own buffers, so objects work in parallel threads.
 */
#include "grym/features_pitch.h"

#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct grym_yin {
	double rate;
	grym_yin_params p;
	int n;                 /* frame_length */
	int win;               /* n / 2 */
	int min_period, max_period, n_lags;
	fftw_plan fwd, inv;
	double *in;            /* n: the frame */
	double *inb;           /* n: y[win..1] then zeros (upper half stays 0) */
	fftw_complex *fa, *fb; /* n/2 + 1 */
	double *acf;           /* n (inverse output) */
	float *cum;            /* n: float32 running energy */
	double *d;             /* max_period + 1 */
	double *dn;            /* n_lags: d' */
	float *frame;          /* n: a padded frame for grym_yin_do */
};

void grym_yin_params_default(grym_yin_params *p)
{
	if (!p)
		return;
	p->fmin = 65.0;
	p->fmax = 2093.0;
	p->frame_length = 2048;
	p->hop = 0;
	p->trough_threshold = 0.1;
	p->center = 1;
}

void grym_yin_free(grym_yin *y)
{
	if (!y)
		return;
	if (y->fwd || y->inv) {
		grym_fftw_plan_lock();
		if (y->fwd)
			fftw_destroy_plan(y->fwd);
		if (y->inv)
			fftw_destroy_plan(y->inv);
		grym_fftw_plan_unlock();
	}
	fftw_free(y->in);
	fftw_free(y->inb);
	fftw_free(y->fa);
	fftw_free(y->fb);
	fftw_free(y->acf);
	free(y->cum);
	free(y->d);
	free(y->dn);
	free(y->frame);
	free(y);
}

static int yin_make(grym_yin **out, double rate, const grym_yin_params *params,
		    grym_error *err)
{
	grym_yin_params p;
	grym_yin *y;
	int n, win;
	double ceil_min;

	*out = NULL;
	if (params)
		p = *params;
	else
		grym_yin_params_default(&p);
	if (!(rate > 0) || !isfinite(rate))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: sample rate %g is not a positive number", rate);
	if (p.frame_length < 4 || p.frame_length > (1 << 24))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: frame length %d out of range (4 to 16777216)",
				      p.frame_length);
	if (p.hop == 0)
		p.hop = p.frame_length / 4;
	if (p.hop < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "yin: hop %d must be positive", p.hop);
	if (!(p.fmin > 0) || !isfinite(p.fmin) || !isfinite(p.fmax))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: fmin %g must be a positive number", p.fmin);
	if (p.fmax > rate / 2)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: fmax %.3f cannot exceed the Nyquist frequency %g",
				      p.fmax, rate / 2);
	if (p.fmin >= p.fmax)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: fmin %.3f must be below fmax %.3f", p.fmin, p.fmax);
	if (!isfinite(p.trough_threshold))
		return grym_error_set(err, GRYM_ERR_INVALID, "yin: trough threshold is not finite");
	n = p.frame_length;
	win = n / 2;
	/* librosa: frame_length - win_length - 1 must exceed sr // fmax */
	if ((double)(n - win - 1) <= floor(rate / p.fmax))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: fmax %.3f is too low for frame length %d at %g Hz: "
				      "raise fmax to %.3f or the frame length to %d",
				      p.fmax, n, rate, rate / (n - win - 1),
				      (int)ceil(rate / p.fmax) + win + 1);

	y = calloc(1, sizeof *y);
	if (!y)
		return grym_error_set(err, GRYM_ERR_NOMEM, "yin: out of memory");
	y->rate = rate;
	y->p = p;
	y->n = n;
	y->win = win;
	y->min_period = (int)floor(rate / p.fmax);
	ceil_min = ceil(rate / p.fmin);
	y->max_period = ceil_min < (double)(n - win - 1) ? (int)ceil_min : n - win - 1;
	y->n_lags = y->max_period - y->min_period + 1;
	if (y->min_period < 1 || y->n_lags < 2) {
		grym_yin_free(y);
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: fmin %g and fmax %g leave fewer than 2 periods to search at %g Hz",
				      p.fmin, p.fmax, rate);
	}
	y->in = fftw_malloc((size_t)n * sizeof *y->in);
	y->inb = fftw_malloc((size_t)n * sizeof *y->inb);
	y->acf = fftw_malloc((size_t)n * sizeof *y->acf);
	y->fa = fftw_malloc((size_t)(n / 2 + 1) * sizeof *y->fa);
	y->fb = fftw_malloc((size_t)(n / 2 + 1) * sizeof *y->fb);
	y->cum = malloc((size_t)n * sizeof *y->cum);
	y->d = malloc((size_t)(y->max_period + 1) * sizeof *y->d);
	y->dn = malloc((size_t)y->n_lags * sizeof *y->dn);
	y->frame = malloc((size_t)n * sizeof *y->frame);
	if (!y->in || !y->inb || !y->acf || !y->fa || !y->fb || !y->cum || !y->d || !y->dn || !y->frame) {
		grym_yin_free(y);
		return grym_error_set(err, GRYM_ERR_NOMEM, "yin: out of memory");
	}
	memset(y->inb, 0, (size_t)n * sizeof *y->inb);
	grym_fftw_plan_lock();
	y->fwd = fftw_plan_dft_r2c_1d(n, y->in, y->fa, FFTW_ESTIMATE);
	y->inv = fftw_plan_dft_c2r_1d(n, y->fa, y->acf, FFTW_ESTIMATE);
	grym_fftw_plan_unlock();
	if (!y->fwd || !y->inv) {
		grym_yin_free(y);
		return grym_error_set(err, GRYM_ERR_INTERNAL, "yin: FFTW could not plan a %d-point FFT", n);
	}
	*out = y;
	return GRYM_OK;
}

grym_yin *grym_yin_new(double rate, const grym_yin_params *params, grym_error *err)
{
	grym_yin *y;

	return yin_make(&y, rate, params, err) ? NULL : y;
}

size_t grym_yin_frames(const grym_yin *y, size_t n_samples)
{
	size_t len, n;

	if (!y)
		return 0;
	n = (size_t)y->n;
	len = n_samples + (y->p.center ? 2 * (n / 2) : 0);
	if (len < n)
		return 0;
	return 1 + (len - n) / (size_t)y->p.hop;
}

void grym_yin_frame(grym_yin *y, const float *frame, float out[GRYM_YIN_COLS])
{
	const int n = y->n, win = y->win, maxp = y->max_period, minp = y->min_period;
	const int L = y->n_lags, nc = n / 2 + 1;
	const double scale = 1.0 / n;
	double cm, shift;
	float c;
	int i, k, idx = -1;

	/* acf[k] = sum_{j=1..win} y[j] y[j+k], as numpy computes it */
	for (i = 0; i < n; i++)
		y->in[i] = frame[i];
	fftw_execute_dft_r2c(y->fwd, y->in, y->fa);
	for (i = 0; i < win; i++)
		y->inb[i] = frame[win - i];
	fftw_execute_dft_r2c(y->fwd, y->inb, y->fb);
	for (k = 0; k < nc; k++) {
		double ar = y->fa[k][0], ai = y->fa[k][1];
		double br = y->fb[k][0], bi = y->fb[k][1];
		y->fa[k][0] = ar * br - ai * bi;
		y->fa[k][1] = ar * bi + ai * br;
	}
	fftw_execute_dft_c2r(y->inv, y->fa, y->acf);

	/* float32 running energy, as np.cumsum(y_frames**2) on float32 */
	c = 0.0f;
	for (i = 0; i <= win + maxp; i++) {
		float s = frame[i] * frame[i];
		c += s;
		y->cum[i] = c;
	}
	{
		float e0 = y->cum[win] - y->cum[0];
		if (fabsf(e0) < 1e-6f)
			e0 = 0.0f;
		for (k = 0; k <= maxp; k++) {
			float ek = y->cum[win + k] - y->cum[k];
			double a = y->acf[win + k] * scale;
			if (fabsf(ek) < 1e-6f)
				ek = 0.0f;
			if (fabs(a) < 1e-6)
				a = 0.0;
			y->d[k] = (double)(e0 + ek) - 2.0 * a;
		}
	}
	/* cumulative mean normalised difference over [minp, maxp] */
	cm = 0.0;
	for (k = 1; k <= maxp; k++) {
		double mean;
		cm += y->d[k];
		if (k < minp)
			continue;
		mean = cm / (double)k;
		y->dn[k - minp] = y->d[k] / (mean + DBL_MIN);
	}

	/* first trough below the threshold: util.localmin (strictly below
	 * the left neighbour, not above the right; edge-padded), with the
	 * first lag a trough when below the second */
	for (i = 0; i < L; i++) {
		int trough;
		if (i == 0)
			trough = y->dn[0] < y->dn[1];
		else
			trough = y->dn[i] < y->dn[i - 1] &&
				 y->dn[i] <= y->dn[i + 1 < L ? i + 1 : L - 1];
		if (trough && y->dn[i] < y->p.trough_threshold) {
			idx = i;
			break;
		}
	}
	out[1] = idx >= 0 ? 1.0f : 0.0f;
	if (idx < 0) {
		idx = 0;
		for (i = 1; i < L; i++)
			if (y->dn[i] < y->dn[idx])
				idx = i;
	}
	/* parabolic shift (librosa's stencil: none at the ends, none when the
	 * vertex would move by a bin or more) */
	shift = 0.0;
	if (idx > 0 && idx < L - 1) {
		double a = y->dn[idx + 1] + y->dn[idx - 1] - 2.0 * y->dn[idx];
		double b = (y->dn[idx + 1] - y->dn[idx - 1]) / 2.0;
		if (!(fabs(b) >= fabs(a)))
			shift = -b / a;
	}
	out[0] = (float)(y->rate / ((double)(minp + idx) + shift));
}

int grym_yin_do(grym_yin *y, const float *x, size_t n_samples, float *out,
		size_t out_frames, grym_error *err)
{
	size_t frames, t, i, n;
	long long off;

	if (!y || (n_samples && !x) || (out_frames && !out))
		return grym_error_set(err, GRYM_ERR_INVALID, "yin: missing buffer");
	if (n_samples == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "yin: no samples");
	n = (size_t)y->n;
	frames = grym_yin_frames(y, n_samples);
	if (frames == 0)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: %zu samples are shorter than one %zu-sample frame",
				      n_samples, n);
	if (out_frames != frames)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "yin: output has %zu frames, %zu samples make %zu",
				      out_frames, n_samples, frames);
	for (i = 0; i < n_samples; i++)
		if (!isfinite(x[i]))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "yin: sample %zu is not finite", i);
	off = y->p.center ? (long long)(n / 2) : 0;
	for (t = 0; t < frames; t++) {
		long long start = (long long)(t * (size_t)y->p.hop) - off;
		const float *fr;
		if (start >= 0 && (size_t)start + n <= n_samples) {
			fr = x + start;
		} else {
			for (i = 0; i < n; i++) {
				long long j = start + (long long)i;
				y->frame[i] = (j >= 0 && (size_t)j < n_samples) ? x[j] : 0.0f;
			}
			fr = y->frame;
		}
		grym_yin_frame(y, fr, out + t * GRYM_YIN_COLS);
	}
	return GRYM_OK;
}
