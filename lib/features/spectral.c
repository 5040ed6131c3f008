/*
 * spectral.c — librosa's per-frame spectral descriptors (centroid,
 * bandwidth, rolloff, flatness, contrast) and its time-domain ones
 * (zero-crossing rate, RMS), one frame at a time and without allocating,
 * so the extractor can stream them. Each function names the librosa
 * detail it reproduces.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "grym/features.h"
#include "features/spectral.h"

/* librosa.util.normalize(S, norm=1) leaves an all-zero frame as zeros, so
 * silence has centroid and bandwidth 0. */
double gf_centroid(const float *mag, const double *freq, int bins)
{
	double sum = 0.0, acc = 0.0;
	for (int k = 0; k < bins; k++)
		sum += mag[k];
	if (!(sum > 0))
		return 0.0;
	for (int k = 0; k < bins; k++)
		acc += freq[k] * (double)mag[k];
	return acc / sum;
}

/* p = 2: sqrt(sum S_norm * (freq - centroid)^2) */
double gf_bandwidth(const float *mag, const double *freq, int bins, double centroid)
{
	double sum = 0.0, acc = 0.0;
	for (int k = 0; k < bins; k++)
		sum += mag[k];
	if (!(sum > 0))
		return 0.0;
	for (int k = 0; k < bins; k++) {
		double d = freq[k] - centroid;
		acc += (double)mag[k] * d * d;
	}
	return sqrt(acc / sum);
}

/* librosa computes the cumulative sum in float32 (S is float32) and takes
 * the lowest bin whose running total reaches roll_percent of the total;
 * the same float32 arithmetic keeps the chosen bin identical. A silent
 * frame gives 0 Hz (every bin qualifies). */
double gf_rolloff(const float *mag, const double *freq, int bins, double roll_percent)
{
	float total = 0.0f;
	for (int k = 0; k < bins; k++)
		total += mag[k];
	float thr = (float)roll_percent * total;
	float run = 0.0f;
	for (int k = 0; k < bins; k++) {
		run += mag[k];
		if (!(run < thr))
			return freq[k];
	}
	return freq[bins - 1];
}

/* exp(mean(log(max(amin, S^power)))) / mean(max(amin, S^power)); silence
 * gives 1 (all bins equal to amin). */
double gf_flatness(const float *mag, int bins, double amin, double power)
{
	double lsum = 0.0, sum = 0.0;
	for (int k = 0; k < bins; k++) {
		double v = power == 2.0 ? (double)((float)(mag[k] * mag[k])) : pow(mag[k], power);
		if (!(v > amin))
			v = amin;
		lsum += log(v);
		sum += v;
	}
	return exp(lsum / bins) / (sum / bins);
}

/* librosa.zero_crossings(threshold=1e-10, zero_pos=True, pad=False):
 * samples with |x| <= 1e-10 count as +0, a crossing is a sign-bit change
 * between neighbours; the rate is crossings / frame length. */
double gf_zcr(const float *frame, int n)
{
	int count = 0;
	int prev = 0;
	for (int i = 0; i < n; i++) {
		float v = frame[i];
		int neg = fabsf(v) <= 1e-10f ? 0 : signbit(v) != 0;
		if (i > 0 && neg != prev)
			count++;
		prev = neg;
	}
	return (double)count / n;
}

double gf_rms(const float *frame, int n)
{
	double acc = 0.0;
	for (int i = 0; i < n; i++)
		acc += (double)frame[i] * frame[i];
	return sqrt(acc / n);
}

/* ---- contrast ---- */

int gf_contrast_init(gf_contrast *c, double rate, int n_fft, double fmin, int n_bands,
		     double quantile, grym_error *err)
{
	memset(c, 0, sizeof *c);
	if (n_bands < 1 || n_bands > 64)
		return grym_error_set(err, GRYM_ERR_INVALID, "contrast bands %d must be between 1 and 64", n_bands);
	if (!(quantile > 0 && quantile < 1))
		return grym_error_set(err, GRYM_ERR_INVALID, "contrast quantile %g must lie in (0, 1)", quantile);
	if (!(fmin > 0))
		return grym_error_set(err, GRYM_ERR_INVALID, "contrast fmin %g must be positive", fmin);
	/* librosa: octa = [0, fmin, 2 fmin, ..., fmin 2^n_bands]; it refuses
	 * when any lower band edge (up to fmin 2^(n_bands-1)) reaches Nyquist. */
	double top_low = fmin * pow(2.0, n_bands - 1);
	if (top_low >= 0.5 * rate)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "contrast: the lowest edge of the top band, fmin*2^(bands-1) = %g Hz, "
				      "must be below Nyquist (%g Hz at %g Hz): needs a sample rate above %g Hz "
				      "or a lower --contrast-fmin/--contrast-bands, as librosa refuses too",
				      top_low, 0.5 * rate, rate, 2.0 * top_low);
	int bins = n_fft / 2 + 1;
	int nb = n_bands + 1;
	c->n_bands = nb;
	c->lo = calloc((size_t)nb, sizeof *c->lo);
	c->len = calloc((size_t)nb, sizeof *c->len);
	c->q = calloc((size_t)nb, sizeof *c->q);
	c->scratch = malloc((size_t)bins * sizeof *c->scratch);
	if (!c->lo || !c->len || !c->q || !c->scratch) {
		gf_contrast_free(c);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (int k = 0; k < nb; k++) {
		double f_low = k == 0 ? 0.0 : fmin * pow(2.0, k - 1);
		double f_high = fmin * pow(2.0, k);
		int a = -1, b = -1;
		for (int i = 0; i < bins; i++) {
			double f = grym_fft_frequency(rate, n_fft, i);
			if (f >= f_low && f <= f_high) {
				if (a < 0)
					a = i;
				b = i;
			}
		}
		if (a < 0) {
			gf_contrast_free(c);
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "contrast: band %d (%g-%g Hz) holds no FFT bin at n_fft %d: "
					      "raise --n-fft or --contrast-fmin", k, f_low, f_high, n_fft);
		}
		if (k > 0 && a > 0)
			a--;
		if (k == n_bands)
			b = bins - 1;
		int count = b - a + 1;        /* np.sum(current_band) */
		int len = k < n_bands ? count - 1 : count;
		double q = rint(quantile * count);   /* half to even, as np.rint */
		if (q < 1)
			q = 1;
		if (len < 1) {
			gf_contrast_free(c);
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "contrast: band %d (%g-%g Hz) is empty at n_fft %d: raise --n-fft",
					      k, f_low, f_high, n_fft);
		}
		c->lo[k] = a;
		c->len[k] = len;
		c->q[k] = (int)q > len ? len : (int)q;
	}
	return GRYM_OK;
}

void gf_contrast_free(gf_contrast *c)
{
	free(c->lo);
	free(c->len);
	free(c->q);
	free(c->scratch);
	memset(c, 0, sizeof *c);
}

/* Rearrange a[0..n) so that a[k] holds the k-th smallest value, smaller or
 * equal ones before it and larger or equal ones after (quickselect):
 * the sums of the q smallest and q largest need no full sort. */
static void select_kth(float *a, int n, int k)
{
	int lo = 0, hi = n - 1;
	while (hi > lo) {
		float pivot = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				float t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

void gf_contrast_frame(gf_contrast *c, const float *mag, double *peak, double *valley)
{
	for (int k = 0; k < c->n_bands; k++) {
		int len = c->len[k], q = c->q[k];
		float *a = c->scratch;
		memcpy(a, mag + c->lo[k], (size_t)len * sizeof *mag);
		double lo = 0.0, hi = 0.0;
		select_kth(a, len, q - 1);
		for (int i = 0; i < q; i++)
			lo += a[i];
		select_kth(a + q, len - q, len - q - q);   /* the top q, among the rest */
		if (len - q >= q) {
			for (int i = len - q; i < len; i++)
				hi += a[i];
		} else {
			/* bands of fewer than 2q bins: top and bottom overlap */
			float *b = a;
			select_kth(b, len, len - q);
			for (int i = len - q; i < len; i++)
				hi += b[i];
		}
		valley[k] = lo / q;
		peak[k] = hi / q;
	}
}
