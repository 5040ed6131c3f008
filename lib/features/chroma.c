/*
 * chroma.c — the 12-bin (or n_chroma-bin) pitch-class profile of an STFT
 * spectrogram, equal to librosa.feature.chroma_stft (librosa 0.10.2).
 *
 * The filterbank is librosa.filters.chroma with its defaults: each FFT
 * bin's frequency becomes a fractional chroma position (12 * log2(f /
 * (A440/16)) for the given tuning); every chroma row gets a Gaussian bump
 * around that position, two bins wide per semitone of bin spacing; each
 * column is L2-normalised, then weighted by a Gaussian over octaves centred
 * on octave 5 (2 octaves wide); rows are rotated so that row 0 is C, and
 * the weights are kept in float32 as librosa keeps them. Every output frame
 * is then divided by its largest chroma value (norm=inf).
 *
 * Built once per (rate, n_fft, tuning); grym_chroma_do does not allocate.
 */
#include "grym/features_pitch.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

struct grym_chroma {
	int n_fft;
	int nc;            /* n_chroma */
	int n_bins;        /* n_fft/2 + 1 */
	float *fb;         /* n_bins x nc: bin-major, so that the nc sums
			    * advance together over the bins (vectorisable
			    * without reordering any sum) */
};

/* numpy's float remainder: the result takes the sign of the divisor. */
static double py_mod(double a, double b)
{
	double m = fmod(a, b);

	if (m != 0.0) {
		if ((b < 0) != (m < 0))
			m += b;
	} else {
		m = copysign(0.0, b);
	}
	return m;
}

/* Fills *out (NULL on failure): one exit for the many ways to fail. */
static int chroma_make(grym_chroma **out, double rate, int n_fft, double tuning,
		       int nc, grym_error *err)
{
	grym_chroma *c = NULL;
	double *frq = NULL, *bw = NULL, *w = NULL, a440, step, half;
	int n = n_fft, k, r;

	*out = NULL;
	if (!(rate > 0) || !isfinite(rate))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "chroma: sample rate %g is not a positive number", rate);
	if (n_fft < 2)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "chroma: n_fft %d is too small (needs at least 2)", n_fft);
	if (!isfinite(tuning))
		return grym_error_set(err, GRYM_ERR_INVALID, "chroma: tuning is not finite");
	if (nc < 1 || nc > GRYM_CHROMA_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "chroma: %d bins per octave (1 to %d)", nc, GRYM_CHROMA_MAX);

	c = calloc(1, sizeof *c);
	frq = malloc((size_t)n * sizeof *frq);
	bw = malloc((size_t)n * sizeof *bw);
	w = malloc((size_t)nc * (size_t)n * sizeof *w);
	if (!c || !frq || !bw || !w)
		goto nomem;
	c->n_fft = n;
	c->nc = nc;
	c->n_bins = n / 2 + 1;
	c->fb = malloc((size_t)nc * (size_t)c->n_bins * sizeof *c->fb);
	if (!c->fb)
		goto nomem;

	/* Fractional chroma position of bins 1..n-1 (linspace(0, sr, n,
	 * endpoint=False)), and 1.5 octaves below bin 1 for the DC bin. */
	a440 = 440.0 * pow(2.0, tuning / nc);
	step = rate / n;
	for (k = 1; k < n; k++) {
		double f = (double)k * step;
		frq[k] = nc * log2(f / (a440 / 16.0));
	}
	frq[0] = frq[1] - 1.5 * nc;
	for (k = 0; k + 1 < n; k++)
		bw[k] = fmax(frq[k + 1] - frq[k], 1.0);
	bw[n - 1] = 1.0;

	/* Gaussian bumps, distance projected into [-half, half), half =
	 * np.round(n_chroma / 2) (half to even) */
	half = nearbyint(nc / 2.0);
	for (r = 0; r < nc; r++) {
		for (k = 0; k < n; k++) {
			double d = frq[k] - (double)r;
			double z;
			d = py_mod(d + half + 10.0 * nc, nc) - half;
			z = 2.0 * d / bw[k];
			w[(size_t)r * n + k] = exp(-0.5 * z * z);
		}
	}
	/* L2-normalise each column, then weight by octave. */
	for (k = 0; k < n; k++) {
		double s = 0.0, len, oct;
		for (r = 0; r < nc; r++) {
			double v = w[(size_t)r * n + k];
			s += v * v;
		}
		len = sqrt(s);
		if (len < DBL_MIN)
			len = 1.0;
		oct = (frq[k] / nc - 5.0) / 2.0;
		oct = exp(-0.5 * oct * oct);
		for (r = 0; r < nc; r++) {
			double v = w[(size_t)r * n + k] / len;
			w[(size_t)r * n + k] = v * oct;
		}
	}
	/* Rotate so that row 0 is C (np.roll by -3 * (n_chroma // 12)) and
	 * keep the bins up to Nyquist, in float32. */
	for (r = 0; r < nc; r++) {
		int src = (r + 3 * (nc / 12)) % nc;
		for (k = 0; k < c->n_bins; k++)
			c->fb[(size_t)k * nc + r] = (float)w[(size_t)src * n + k];
	}
	free(frq);
	free(bw);
	free(w);
	*out = c;
	return GRYM_OK;
nomem:
	free(frq);
	free(bw);
	free(w);
	grym_chroma_free(c);
	return grym_error_set(err, GRYM_ERR_NOMEM, "chroma: out of memory for the filterbank");
}

grym_chroma *grym_chroma_new_n(double rate, int n_fft, double tuning,
				int nc, grym_error *err)
{
	grym_chroma *c;

	return chroma_make(&c, rate, n_fft, tuning, nc, err) ? NULL : c;
}

grym_chroma *grym_chroma_new(double rate, int n_fft, double tuning, grym_error *err)
{
	return grym_chroma_new_n(rate, n_fft, tuning, GRYM_CHROMA_BINS, err);
}

void grym_chroma_free(grym_chroma *c)
{
	if (!c)
		return;
	free(c->fb);
	free(c);
}

int grym_chroma_bins_in(const grym_chroma *c)
{
	return c ? c->n_bins : 0;
}

int grym_chroma_dims(const grym_chroma *c)
{
	return c ? c->nc : 0;
}

int grym_chroma_do(const grym_chroma *c, const float *spec, size_t n_frames,
		   float *out, grym_error *err)
{
	size_t t;
	int nb, nc, r, k;

	if (!c || (n_frames && (!spec || !out)))
		return grym_error_set(err, GRYM_ERR_INVALID, "chroma: missing buffer");
	nb = c->n_bins;
	nc = c->nc;
	for (t = 0; t < n_frames; t++) {
		const float *x = spec + t * (size_t)nb;
		float *o = out + t * (size_t)nc;
		double raw[GRYM_CHROMA_MAX], mx = 0.0;

		for (k = 0; k < nb; k++)
			if (!isfinite(x[k]))
				return grym_error_set(err, GRYM_ERR_INVALID,
						      "chroma: frame %zu bin %d is not finite", t, k);
		for (r = 0; r < nc; r++)
			raw[r] = 0.0;
		/* each raw[r] is summed over k in order, as a dot product */
		if (nc == GRYM_CHROMA_BINS) {   /* a fixed count the compiler unrolls */
			for (k = 0; k < nb; k++) {
				const float *f = c->fb + (size_t)k * GRYM_CHROMA_BINS;
				double xv = x[k];
				for (r = 0; r < GRYM_CHROMA_BINS; r++)
					raw[r] += (double)f[r] * xv;
			}
		} else {
			for (k = 0; k < nb; k++) {
				const float *f = c->fb + (size_t)k * nc;
				double xv = x[k];
				for (r = 0; r < nc; r++)
					raw[r] += (double)f[r] * xv;
			}
		}
		for (r = 0; r < nc; r++)
			if (fabs(raw[r]) > mx)
				mx = fabs(raw[r]);
		/* librosa.util.normalize(norm=inf): a maximum below the float32
		 * tiny (the dtype of librosa's raw chroma) is left undivided. */
		if (mx < FLT_MIN)
			mx = 1.0;
		for (r = 0; r < nc; r++)
			o[r] = (float)(raw[r] / mx);
	}
	return GRYM_OK;
}
