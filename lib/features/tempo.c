/*
 * tempo.c — one global tempo in BPM from an onset-strength envelope,
 * equal to librosa.feature.tempo (librosa 0.10.2) with its defaults.
 *
 * librosa builds the tempogram: the envelope is padded by W/2 frames on
 * each side with linear ramps down to 0 (np.pad mode 'linear_ramp'), cut
 * into one W-frame window per envelope frame (W = ac_size seconds in
 * frames), each window multiplied by a periodic Hann window and
 * autocorrelated (FFT, zero-padded to at least 2W-1), then divided by its
 * largest value (norm=inf). The tempogram is averaged over frames; lag k
 * stands for 60 * rate / (hop * k) BPM, and the answer is the lag
 * maximising log1p(1e6 * mean) plus a log-normal prior around start_bpm
 * (std_bpm octaves), lags faster than max_tempo excluded.
 *
 * The ramps are computed as numpy does (float64 linspace rounded to the
 * envelope's float32), the rest in double. The object holds the FFT plans
 * and scratch; grym_tempo_do does not allocate.
 */
#include "grym/features_pitch.h"

#include <fftw3.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct grym_tempo {
	double rate;
	int hop;
	grym_tempo_params p;
	int w;                 /* window, frames */
	int n_pad;             /* FFT length >= 2w - 1 */
	double *win;           /* w: periodic Hann */
	double *buf;           /* n_pad: windowed frame, then autocorrelation */
	fftw_complex *spec;    /* n_pad/2 + 1 */
	double *acc;           /* w: sum over frames of normalised autocorrelation */
	fftw_plan fwd, inv;
};

void grym_tempo_params_default(grym_tempo_params *p)
{
	if (!p)
		return;
	p->start_bpm = 120.0;
	p->std_bpm = 1.0;
	p->ac_size = 8.0;
	p->max_tempo = 320.0;
}

/* The smallest 2^a 3^b 5^c >= n (scipy.fft.next_fast_len for real input). */
static int next_fast_len(int n)
{
	int best = 0, p2, p3, p5;

	for (p5 = 1; ; p5 *= 5) {
		for (p3 = p5; ; p3 *= 3) {
			p2 = p3;
			while (p2 < n)
				p2 *= 2;
			if (best == 0 || p2 < best)
				best = p2;
			if (p3 >= n)
				break;
		}
		if (p5 >= n)
			break;
	}
	return best;
}

void grym_tempo_free(grym_tempo *t)
{
	if (!t)
		return;
	if (t->fwd || t->inv) {
		grym_fftw_plan_lock();
		if (t->fwd)
			fftw_destroy_plan(t->fwd);
		if (t->inv)
			fftw_destroy_plan(t->inv);
		grym_fftw_plan_unlock();
	}
	free(t->win);
	fftw_free(t->buf);
	fftw_free(t->spec);
	free(t->acc);
	free(t);
}

static int tempo_make(grym_tempo **out, double rate, int hop,
		      const grym_tempo_params *params, grym_error *err)
{
	grym_tempo_params p;
	grym_tempo *t;
	double samples, step;
	int m;

	*out = NULL;
	if (params)
		p = *params;
	else
		grym_tempo_params_default(&p);
	if (!(rate > 0) || !isfinite(rate))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tempo: sample rate %g is not a positive number", rate);
	if (hop < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "tempo: hop %d must be positive", hop);
	if (!(p.start_bpm > 0) || !isfinite(p.start_bpm))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tempo: start BPM %g must be positive", p.start_bpm);
	if (!(p.std_bpm > 0) || !isfinite(p.std_bpm))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tempo: BPM deviation %g must be positive", p.std_bpm);
	if (!(p.ac_size > 0) || !isfinite(p.ac_size) || isnan(p.max_tempo))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tempo: autocorrelation size %g s must be positive", p.ac_size);
	/* time_to_frames: int(ac_size * sr) // hop */
	samples = trunc(p.ac_size * rate);
	if (samples / hop > (double)(1 << 22))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tempo: autocorrelation window of %g s is too long", p.ac_size);
	t = calloc(1, sizeof *t);
	if (!t)
		return grym_error_set(err, GRYM_ERR_NOMEM, "tempo: out of memory");
	t->rate = rate;
	t->hop = hop;
	t->p = p;
	t->w = (int)floor(samples / hop);
	if (t->w < 2) {
		grym_tempo_free(t);
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "tempo: a %g s window is %d frame(s) of %d samples at %g Hz; needs at least 2",
				      p.ac_size, (int)floor(samples / hop), hop, rate);
	}
	t->n_pad = next_fast_len(2 * t->w - 1);
	t->win = malloc((size_t)t->w * sizeof *t->win);
	t->acc = malloc((size_t)t->w * sizeof *t->acc);
	t->buf = fftw_malloc((size_t)t->n_pad * sizeof *t->buf);
	t->spec = fftw_malloc((size_t)(t->n_pad / 2 + 1) * sizeof *t->spec);
	if (!t->win || !t->acc || !t->buf || !t->spec) {
		grym_tempo_free(t);
		return grym_error_set(err, GRYM_ERR_NOMEM, "tempo: out of memory");
	}
	/* scipy.signal.get_window('hann', w, fftbins=True): 0.5 + 0.5 cos of
	 * linspace(-pi, pi, w + 1), truncated to w points */
	step = (M_PI - -M_PI) / t->w;
	for (m = 0; m < t->w; m++)
		t->win[m] = 0.5 + 0.5 * cos((double)m * step + -M_PI);
	grym_fftw_plan_lock();
	t->fwd = fftw_plan_dft_r2c_1d(t->n_pad, t->buf, t->spec, FFTW_ESTIMATE);
	t->inv = fftw_plan_dft_c2r_1d(t->n_pad, t->spec, t->buf, FFTW_ESTIMATE);
	grym_fftw_plan_unlock();
	if (!t->fwd || !t->inv) {
		grym_tempo_free(t);
		return grym_error_set(err, GRYM_ERR_INTERNAL,
				      "tempo: FFTW could not plan a %d-point FFT", t->n_pad);
	}
	*out = t;
	return GRYM_OK;
}

grym_tempo *grym_tempo_new(double rate, int hop,
			 const grym_tempo_params *params, grym_error *err)
{
	grym_tempo *t;

	return tempo_make(&t, rate, hop, params, err) ? NULL : t;
}

/* The padded envelope at padded position q (0 <= q < n + 2*half). */
static float padded_at(const float *env, size_t n, int half, long long q,
		       double left_step, double right_step)
{
	long long i = q - half;

	if (i < 0)           /* left ramp: linspace(0, env[0], half, endpoint=False) */
		return (float)((double)q * left_step);
	if ((size_t)i < n)
		return env[i];
	/* right ramp, reversed: linspace(0, env[n-1], half, endpoint=False)[::-1] */
	return (float)((double)(half - 1 - (long long)((size_t)i - n)) * right_step);
}

int grym_tempo_do(grym_tempo *t, const float *env, size_t n_frames, double *bpm,
		  grym_error *err)
{
	const int w = t ? t->w : 0, half = w / 2;
	double left_step, right_step, best_val = -INFINITY, scale;
	size_t fr, i;
	int k, best = 0, max_idx = 0, nc;

	if (!t || !bpm || (n_frames && !env))
		return grym_error_set(err, GRYM_ERR_INVALID, "tempo: missing argument");
	if (n_frames == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "tempo: empty onset envelope");
	for (i = 0; i < n_frames; i++)
		if (!isfinite(env[i]))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "tempo: onset frame %zu is not finite", i);
	/* numpy's linspace step (stop - start) / num in float64 */
	left_step = ((double)env[0] - 0.0) / half;
	right_step = ((double)env[n_frames - 1] - 0.0) / half;
	nc = t->n_pad / 2 + 1;
	scale = 1.0 / t->n_pad;
	memset(t->acc, 0, (size_t)w * sizeof *t->acc);

	for (fr = 0; fr < n_frames; fr++) {
		double mx = 0.0;
		int m;
		for (m = 0; m < w; m++) {
			float v = padded_at(env, n_frames, half, (long long)fr + m,
					    left_step, right_step);
			t->buf[m] = (double)v * t->win[m];
		}
		for (m = w; m < t->n_pad; m++)
			t->buf[m] = 0.0;
		fftw_execute_dft_r2c(t->fwd, t->buf, t->spec);
		for (k = 0; k < nc; k++) {
			double re = t->spec[k][0], im = t->spec[k][1];
			t->spec[k][0] = re * re + im * im;
			t->spec[k][1] = 0.0;
		}
		fftw_execute_dft_c2r(t->inv, t->spec, t->buf);
		for (k = 0; k < w; k++) {
			t->buf[k] *= scale;
			if (fabs(t->buf[k]) > mx)
				mx = fabs(t->buf[k]);
		}
		if (mx < DBL_MIN)
			mx = 1.0;
		for (k = 0; k < w; k++)
			t->acc[k] += t->buf[k] / mx;
	}

	/* bpms[k] = 60 sr / (hop k); the prior excludes k = 0 (inf BPM) and
	 * every lag before the first one slower than max_tempo */
	if (t->p.max_tempo > 0) {
		for (k = 1; k < w; k++) {
			if (60.0 * t->rate / ((double)t->hop * (double)k) < t->p.max_tempo) {
				max_idx = k;
				break;
			}
		}
	}
	for (k = 1; k < w; k++) {
		double b = 60.0 * t->rate / ((double)t->hop * (double)k);
		double z = (log2(b) - log2(t->p.start_bpm)) / t->p.std_bpm;
		double v;
		if (k < max_idx)
			continue;
		v = log1p(1e6 * (t->acc[k] / (double)n_frames)) + -0.5 * z * z;
		if (v > best_val) {
			best_val = v;
			best = k;
		}
	}
	if (best == 0)   /* only if every score were NaN: cannot happen */
		return grym_error_set(err, GRYM_ERR_INTERNAL,
				      "tempo: no lag of the %d-frame window scored", w);
	*bpm = 60.0 * t->rate / ((double)t->hop * (double)best);
	return GRYM_OK;
}
