/*
 * stft.c — windows and the short-time Fourier transform.
 *
 * librosa computes its FFTs in float64 through numpy, so this STFT runs
 * FFTW3 in double precision on frames of float32 samples times a float64
 * window, exactly the arithmetic numpy does. Plans are made with
 * FFTW_ESTIMATE (deterministic: FFTW_MEASURE can change output bits from
 * run to run) under one process-wide mutex, because FFTW's planner is not
 * thread-safe; each object executes its own plan on its own buffers with
 * fftw_execute_dft_r2c, which is. The mutex is the only static state.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include "grym/features.h"
#include "grym/features_pitch.h"
#include "features/framer.h"


struct grym_stft {
	grym_stft_params p;
	int bins;
	double *window;         /* n_fft, zero outside the win_length centre */
	double *in;             /* fftw_malloc'ed, n_fft */
	fftw_complex *out;      /* fftw_malloc'ed, bins */
	float *frame;           /* n_fft samples of the current frame */
	fftw_plan plan;
	gf_framer fr;
};

const char *grym_window_name(grym_window w)
{
	switch (w) {
	case GRYM_WINDOW_HAMMING: return "hamming";
	case GRYM_WINDOW_BLACKMAN: return "blackman";
	default: return "hann";
	}
}

const char *grym_pad_mode_name(grym_pad_mode p)
{
	return p == GRYM_PAD_REFLECT ? "reflect" : "constant";
}

/* scipy.signal.windows.general_cosine with fftbins=True: the symmetric
 * window of N + 1 points with its last point dropped, evaluated as scipy
 * does (cosines of a numpy linspace from -pi to pi). */
static void general_cosine(const double *a, int na, int n, double *w)
{
	int m = n + 1;
	double step = (M_PI - -M_PI) / (double)(m - 1);
	for (int i = 0; i < n; i++) {
		double fac = (double)i * step + -M_PI;
		double v = 0.0;
		for (int k = 0; k < na; k++)
			v += a[k] * cos((double)k * fac);
		w[i] = v;
	}
}

int grym_window_fill(grym_window w, int win_length, int n_fft, double *out, grym_error *err)
{
	static const double hann[] = { 0.5, 0.5 };
	static const double hamming[] = { 0.54, 0.46 };
	static const double blackman[] = { 0.42, 0.50, 0.08 };
	if (n_fft < 1 || win_length < 1 || win_length > n_fft)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "window length %d must be between 1 and n_fft %d", win_length, n_fft);
	int lpad = (n_fft - win_length) / 2;
	memset(out, 0, (size_t)n_fft * sizeof *out);
	switch (w) {
	case GRYM_WINDOW_HAMMING: general_cosine(hamming, 2, win_length, out + lpad); break;
	case GRYM_WINDOW_BLACKMAN: general_cosine(blackman, 3, win_length, out + lpad); break;
	default: general_cosine(hann, 2, win_length, out + lpad); break;
	}
	return GRYM_OK;
}

grym_stft *grym_stft_new(int n_fft, int hop, int win_length, grym_window window,
			 int center, grym_pad_mode pad_mode, grym_error *err)
{
	if (n_fft < 2 || n_fft > (1 << 24)) {
		grym_error_set(err, GRYM_ERR_INVALID, "n_fft %d must be between 2 and %d", n_fft, 1 << 24);
		return NULL;
	}
	if (hop < 1) {
		grym_error_set(err, GRYM_ERR_INVALID, "hop %d must be at least 1", hop);
		return NULL;
	}
	if (win_length == 0)
		win_length = n_fft;
	if (win_length < 1 || win_length > n_fft) {
		grym_error_set(err, GRYM_ERR_INVALID, "win_length %d must be between 1 and n_fft %d",
			       win_length, n_fft);
		return NULL;
	}
	if (window != GRYM_WINDOW_HANN && window != GRYM_WINDOW_HAMMING && window != GRYM_WINDOW_BLACKMAN) {
		grym_error_set(err, GRYM_ERR_INVALID, "unknown window %d", (int)window);
		return NULL;
	}
	grym_stft *s = calloc(1, sizeof *s);
	if (!s) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->p.n_fft = n_fft;
	s->p.hop = hop;
	s->p.win_length = win_length;
	s->p.window = window;
	s->p.center = center ? 1 : 0;
	s->p.pad_mode = pad_mode == GRYM_PAD_REFLECT ? GRYM_PAD_REFLECT : GRYM_PAD_CONSTANT;
	s->bins = n_fft / 2 + 1;
	gf_framer_init(&s->fr, n_fft, hop, s->p.center);
	s->window = malloc((size_t)n_fft * sizeof *s->window);
	s->frame = malloc((size_t)n_fft * sizeof *s->frame);
	s->in = fftw_malloc((size_t)n_fft * sizeof *s->in);
	s->out = fftw_malloc((size_t)s->bins * sizeof *s->out);
	if (!s->window || !s->frame || !s->in || !s->out) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for a %d-point STFT", n_fft);
		grym_stft_free(s);
		return NULL;
	}
	/* window, win_length and n_fft were checked above: it cannot fail */
	int wrc = grym_window_fill(window, win_length, n_fft, s->window, NULL);
	assert(wrc == GRYM_OK);
	(void)wrc;
	grym_fftw_plan_lock();
	s->plan = fftw_plan_dft_r2c_1d(n_fft, s->in, s->out, FFTW_ESTIMATE);
	grym_fftw_plan_unlock();
	if (!s->plan) {
		grym_error_set(err, GRYM_ERR_INTERNAL, "FFTW could not plan a %d-point FFT", n_fft);
		grym_stft_free(s);
		return NULL;
	}
	return s;
}

grym_stft *grym_stft_new_params(const grym_stft_params *p, grym_error *err)
{
	return grym_stft_new(p->n_fft, p->hop, p->win_length, p->window, p->center, p->pad_mode, err);
}

void grym_stft_free(grym_stft *s)
{
	if (!s)
		return;
	if (s->plan) {
		grym_fftw_plan_lock();
		fftw_destroy_plan(s->plan);
		grym_fftw_plan_unlock();
	}
	fftw_free(s->in);
	fftw_free(s->out);
	free(s->window);
	free(s->frame);
	gf_framer_free(&s->fr);
	free(s);
}

int grym_stft_bins(const grym_stft *s) { return s->bins; }
const grym_stft_params *grym_stft_get_params(const grym_stft *s) { return &s->p; }

int64_t grym_stft_frames(const grym_stft *s, int64_t n_samples)
{
	return gf_framer_count(s->p.n_fft, s->p.hop, s->p.center, n_samples);
}

void grym_stft_reset(grym_stft *s)
{
	gf_framer_reset(&s->fr);
}

int grym_stft_feed(grym_stft *s, const float *x, size_t n, grym_error *err)
{
	if (s->fr.ended)
		return grym_error_set(err, GRYM_ERR_INVALID, "samples fed after the end of the signal");
	return gf_framer_feed(&s->fr, x, n, err);
}

int grym_stft_end(grym_stft *s, grym_error *err)
{
	(void)err;
	gf_framer_end(&s->fr);
	return GRYM_OK;
}

int64_t grym_stft_position(const grym_stft *s)
{
	return s->fr.next;
}

const double *gf_stft_next_raw(grym_stft *s)
{
	if (!gf_framer_ready(&s->fr))
		return NULL;
	int n = s->p.n_fft;
	const float *x = gf_framer_direct(&s->fr);
	if (!x) {
		gf_framer_copy(&s->fr, s->p.pad_mode == GRYM_PAD_REFLECT ? GF_PAD_REFLECT : GF_PAD_CONSTANT,
			       s->frame);
		x = s->frame;
	}
	double *restrict in = s->in;
	const double *restrict w = s->window;
	int k = 0;
	for (; k + 4 <= n; k += 4) {   /* unrolled: -O2 does not vectorise it */
		in[k] = w[k] * (double)x[k];
		in[k + 1] = w[k + 1] * (double)x[k + 1];
		in[k + 2] = w[k + 2] * (double)x[k + 2];
		in[k + 3] = w[k + 3] * (double)x[k + 3];
	}
	for (; k < n; k++)
		in[k] = w[k] * (double)x[k];
	fftw_execute_dft_r2c(s->plan, s->in, s->out);
	gf_framer_advance(&s->fr);
	return &s->out[0][0];
}

int grym_stft_next(grym_stft *s, grym_spec_kind kind, double *out)
{
	if (!gf_framer_ready(&s->fr))
		return 0;
	int n = s->p.n_fft;
	const float *x = gf_framer_direct(&s->fr);
	if (!x) {
		gf_framer_copy(&s->fr, s->p.pad_mode == GRYM_PAD_REFLECT ? GF_PAD_REFLECT : GF_PAD_CONSTANT,
			       s->frame);
		x = s->frame;
	}
	for (int k = 0; k < n; k++)
		s->in[k] = s->window[k] * (double)x[k];
	fftw_execute_dft_r2c(s->plan, s->in, s->out);
	gf_framer_advance(&s->fr);
	int b = s->bins;
	switch (kind) {
	case GRYM_SPEC_COMPLEX:
		for (int k = 0; k < b; k++) {
			out[2 * k] = s->out[k][0];
			out[2 * k + 1] = s->out[k][1];
		}
		break;
	case GRYM_SPEC_MAGNITUDE:
		for (int k = 0; k < b; k++)
			out[k] = sqrt(s->out[k][0] * s->out[k][0] + s->out[k][1] * s->out[k][1]);
		break;
	default:
		for (int k = 0; k < b; k++)
			out[k] = s->out[k][0] * s->out[k][0] + s->out[k][1] * s->out[k][1];
		break;
	}
	return 1;
}

int grym_stft_process(grym_stft *s, const float *x, int64_t n, grym_spec_kind kind,
		      float *out, grym_error *err)
{
	int width = kind == GRYM_SPEC_COMPLEX ? 2 * s->bins : s->bins;
	double *row = malloc((size_t)width * sizeof *row);
	if (!row)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	grym_stft_reset(s);
	int rc = grym_stft_feed(s, x, (size_t)n, err);
	if (rc == GRYM_OK)
		rc = grym_stft_end(s, err);
	int64_t t = 0;
	while (rc == GRYM_OK && grym_stft_next(s, kind, row) == 1) {
		for (int k = 0; k < width; k++)
			out[t * width + k] = (float)row[k];
		t++;
	}
	free(row);
	grym_stft_reset(s);
	return rc;
}

int grym_spectrogram(const float *x, int64_t n, const grym_stft_params *p,
		     grym_spec_kind kind, grym_fmat *out, grym_error *err)
{
	memset(out, 0, sizeof *out);
	grym_stft *s = grym_stft_new_params(p, err);
	if (!s)
		return err ? err->code : GRYM_ERR_INVALID;
	int width = kind == GRYM_SPEC_COMPLEX ? 2 * s->bins : s->bins;
	int rc = grym_fmat_alloc(out, grym_stft_frames(s, n), width, err);
	if (rc == GRYM_OK)
		rc = grym_stft_process(s, x, n, kind, out->data, err);
	if (rc != GRYM_OK)
		grym_fmat_clear(out);
	grym_stft_free(s);
	return rc;
}

double grym_fft_frequency(double rate, int n_fft, int k)
{
	/* numpy.fft.rfftfreq(n_fft, 1/rate): k * (1 / (n_fft * (1 / rate))) */
	double val = 1.0 / ((double)n_fft * (1.0 / rate));
	return (double)k * val;
}
