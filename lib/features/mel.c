/*
 * mel.c — mel scales and the mel filterbank, as librosa builds them.
 *
 * The weights follow librosa.filters.mel step by step (triangles between
 * mel-spaced edges, Slaney area normalisation, float32 storage), so a
 * melspectrogram made with them matches librosa's to float rounding.
 * Each triangle covers a few dozen of the FFT bins (98% of the dense
 * matrix is zeros), so the bank also keeps each row's nonzero span and is
 * applied sparsely.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "grym/features.h"

struct grym_melbank {
	int n_mels, bins, empty;
	float *w;               /* n_mels x bins */
	double *wd;             /* the nonzero spans of w as doubles, row after row */
	size_t *off;            /* start of row i in wd */
	int *first, *count;     /* nonzero span of each row */
};

/* Slaney's scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above. */
#define SL_F_SP (200.0 / 3)
#define SL_MIN_LOG_HZ 1000.0
#define SL_MIN_LOG_MEL ((SL_MIN_LOG_HZ - 0.0) / SL_F_SP)
#define SL_LOGSTEP (log(6.4) / 27.0)

double grym_hz_to_mel(double hz, int htk)
{
	if (htk)
		return 2595.0 * log10(1.0 + hz / 700.0);
	double mel = (hz - 0.0) / SL_F_SP;
	if (hz >= SL_MIN_LOG_HZ)
		mel = SL_MIN_LOG_MEL + log(hz / SL_MIN_LOG_HZ) / SL_LOGSTEP;
	return mel;
}

double grym_mel_to_hz(double mel, int htk)
{
	if (htk)
		return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
	double hz = 0.0 + SL_F_SP * mel;
	if (mel >= SL_MIN_LOG_MEL)
		hz = SL_MIN_LOG_HZ * exp(SL_LOGSTEP * (mel - SL_MIN_LOG_MEL));
	return hz;
}

grym_melbank *grym_melbank_new(double rate, int n_fft, const grym_mel_params *p, grym_error *err)
{
	double fmax = p->fmax > 0 ? p->fmax : rate / 2.0;
	if (!(rate > 0) || n_fft < 2) {
		grym_error_set(err, GRYM_ERR_INVALID, "mel filterbank needs a positive rate and n_fft >= 2");
		return NULL;
	}
	if (p->n_mels < 1 || p->n_mels > 100000) {
		grym_error_set(err, GRYM_ERR_INVALID, "n_mels %d must be between 1 and 100000", p->n_mels);
		return NULL;
	}
	if (!(p->fmin >= 0) || !(fmax > p->fmin) || fmax > rate / 2.0 + 1e-9) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "mel range %g..%g Hz must satisfy 0 <= fmin < fmax <= rate/2 (%g Hz)",
			       p->fmin, fmax, rate / 2.0);
		return NULL;
	}
	int n = p->n_mels, bins = n_fft / 2 + 1;
	grym_melbank *m = calloc(1, sizeof *m);
	double *edges = malloc((size_t)(n + 2) * sizeof *edges);
	double *freqs = malloc((size_t)bins * sizeof *freqs);
	if (m) {
		m->w = calloc((size_t)n * bins, sizeof *m->w);
		m->first = calloc((size_t)n, sizeof *m->first);
		m->count = calloc((size_t)n, sizeof *m->count);
	}
	if (!m || !edges || !freqs || !m->w || !m->first || !m->count) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for a %d x %d mel filterbank", n, bins);
		free(edges);
		free(freqs);
		grym_melbank_free(m);
		return NULL;
	}
	m->n_mels = n;
	m->bins = bins;
	for (int k = 0; k < bins; k++)  /* numpy.fft.rfftfreq */
		freqs[k] = grym_fft_frequency(rate, n_fft, k);
	/* mel_frequencies: numpy.linspace of n+2 mels, back to Hz */
	double lo = grym_hz_to_mel(p->fmin, p->htk), hi = grym_hz_to_mel(fmax, p->htk);
	double step = (hi - lo) / (double)(n + 1);
	for (int i = 0; i < n + 2; i++)
		edges[i] = grym_mel_to_hz(i == n + 1 ? hi : (double)i * step + lo, p->htk);
	for (int i = 0; i < n; i++) {
		double d0 = edges[i + 1] - edges[i], d1 = edges[i + 2] - edges[i + 1];
		double enorm = 2.0 / (edges[i + 2] - edges[i]);
		float *row = m->w + (size_t)i * bins;
		int first = -1, last = -1;
		for (int k = 0; k < bins; k++) {
			double lower = -(edges[i] - freqs[k]) / d0;
			double upper = (edges[i + 2] - freqs[k]) / d1;
			double v = lower < upper ? lower : upper;
			if (!(v > 0))
				v = 0.0;
			float w = (float)v;
			if (p->norm == GRYM_MEL_NORM_SLANEY)
				w = (float)((double)w * enorm);
			row[k] = w;
			if (w != 0.0f) {
				if (first < 0)
					first = k;
				last = k;
			}
		}
		if (first < 0) {
			m->first[i] = 0;
			m->count[i] = 0;
			m->empty++;
		} else {
			m->first[i] = first;
			m->count[i] = last - first + 1;
		}
	}
	free(edges);
	free(freqs);
	size_t total = 0;
	m->off = malloc((size_t)n * sizeof *m->off);
	for (int i = 0; i < n; i++)
		total += (size_t)m->count[i];
	m->wd = malloc((total ? total : 1) * sizeof *m->wd);
	if (!m->off || !m->wd) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for a mel filterbank");
		grym_melbank_free(m);
		return NULL;
	}
	total = 0;
	for (int i = 0; i < n; i++) {
		m->off[i] = total;
		for (int k = 0; k < m->count[i]; k++)
			m->wd[total++] = m->w[(size_t)i * bins + m->first[i] + k];
	}
	return m;
}

grym_melbank *grym_mel_filterbank(double rate, int n_fft, int n_mels, double fmin,
				  double fmax, int htk, grym_mel_norm norm, grym_error *err)
{
	grym_mel_params p = { n_mels, fmin, fmax, htk, norm };
	return grym_melbank_new(rate, n_fft, &p, err);
}

void grym_melbank_free(grym_melbank *m)
{
	if (!m)
		return;
	free(m->w);
	free(m->wd);
	free(m->off);
	free(m->first);
	free(m->count);
	free(m);
}

int grym_melbank_mels(const grym_melbank *m) { return m->n_mels; }
int grym_melbank_bins(const grym_melbank *m) { return m->bins; }
int grym_melbank_empty(const grym_melbank *m) { return m->empty; }
const float *grym_melbank_dense(const grym_melbank *m) { return m->w; }

void grym_melbank_support(const grym_melbank *m, int i, int *first, int *count)
{
	*first = m->first[i];
	*count = m->count[i];
}

void grym_melbank_apply(const grym_melbank *m, const double *spec, double *mel)
{
	for (int i = 0; i < m->n_mels; i++) {
		const double *restrict row = m->wd + m->off[i];
		const double *restrict s = spec + m->first[i];
		double acc = 0.0;
		for (int k = 0; k < m->count[i]; k++)
			acc += row[k] * s[k];
		mel[i] = acc;
	}
}
