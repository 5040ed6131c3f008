/*
 * transform.c — transformations of existing audio: phase-vocoder time
 * stretch and pitch shift, stochastic spectral transformations (random
 * phase, spectral smearing, spectral freeze) and reversal.
 *
 * Analysis is the features module's STFT (Hann, centred frames, complex
 * output); synthesis is the inverse STFT by weighted overlap-add with the
 * same window, normalised by the summed squared window (librosa's istft),
 * so an unmodified spectrogram resynthesises the input. The phase
 * vocoder follows Flanagan and Golden, as in librosa's phase_vocoder:
 * magnitudes are interpolated between analysis frames and each bin's
 * phase advances by its measured instantaneous frequency.
 *
 * The inverse FFT plans are made under a mutex of this file because
 * FFTW's planner is not thread-safe; the mutex is the only static state.
 */
#include "grym/synth.h"
#include "grym/features.h"
#include "grym/rng.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


static const char *const xform_names[GRYM_XFORM_NKINDS] = {
	"reverse", "stretch", "pitch", "randphase", "smear", "freeze"
};

const char *grym_xform_name(grym_xform_kind k)
{
	return (unsigned)k < GRYM_XFORM_NKINDS ? xform_names[k] : NULL;
}

int grym_xform_parse(const char *name, grym_xform_kind *k, grym_error *err)
{
	for (int i = 0; i < GRYM_XFORM_NKINDS; i++)
		if (name && strcmp(name, xform_names[i]) == 0) {
			*k = (grym_xform_kind)i;
			return GRYM_OK;
		}
	return grym_error_set(err, GRYM_ERR_INVALID, "unknown transformation '%s' (reverse, "
			      "stretch, pitch, randphase, smear, freeze)", name ? name : "");
}

void grym_xform_params_default(grym_xform_params *p, grym_xform_kind kind)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->factor = 2;
	p->semitones = 12;
	p->amount = kind == GRYM_XFORM_SMEAR ? 8 : 1;
	p->at = 0;
	p->length = 5;
	p->n_fft = 2048;
	p->hop = 512;
	p->seed = 1;
}

/* Working state for one channel. */
typedef struct xf {
	int n, hop, bins;
	grym_stft *stft;
	double *win;
	double *tbuf;           /* n: time frame */
	fftw_complex *fbuf;     /* bins */
	fftw_plan inv;
	grym_rng rng;
} xf;

static void xf_free(xf *w)
{
	grym_stft_free(w->stft);
	free(w->win);
	fftw_free(w->tbuf);
	fftw_free(w->fbuf);
	if (w->inv) {
		grym_fftw_plan_lock();
		fftw_destroy_plan(w->inv);
		grym_fftw_plan_unlock();
	}
}

static int xf_init(xf *w, const grym_xform_params *p, grym_error *err)
{
	memset(w, 0, sizeof *w);
	w->n = p->n_fft;
	w->hop = p->hop;
	w->bins = p->n_fft / 2 + 1;
	if (!(w->stft = grym_stft_new(p->n_fft, p->hop, 0, GRYM_WINDOW_HANN, 1,
				      GRYM_PAD_CONSTANT, err)))
		return err ? err->code : GRYM_ERR_INVALID;
	w->win = malloc((size_t)w->n * sizeof *w->win);
	w->tbuf = fftw_malloc((size_t)w->n * sizeof *w->tbuf);
	w->fbuf = fftw_malloc((size_t)w->bins * sizeof *w->fbuf);
	if (!w->win || !w->tbuf || !w->fbuf) {
		xf_free(w);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	/* n_fft was accepted by grym_stft_new above, so this cannot fail */
	if (grym_window_fill(GRYM_WINDOW_HANN, w->n, w->n, w->win, err) != GRYM_OK) {
		xf_free(w);
		return err ? err->code : GRYM_ERR_INVALID;
	}
	grym_fftw_plan_lock();
	w->inv = fftw_plan_dft_c2r_1d(w->n, w->fbuf, w->tbuf, FFTW_ESTIMATE);
	grym_fftw_plan_unlock();
	if (!w->inv) {
		xf_free(w);
		return grym_error_set(err, GRYM_ERR_INTERNAL, "FFTW could not plan");
	}
	grym_rng_seed(&w->rng, p->seed);
	return GRYM_OK;
}

/* Inverse STFT of nfr frames (complex, 2*bins floats each) into y[0..len)
 * (zeroed here); wsum is scratch of len doubles. */
static void istft(xf *w, const float *spec, int64_t nfr, float *y, int64_t len, double *wsum)
{
	int64_t off0 = -(int64_t)(w->n / 2);

	memset(wsum, 0, (size_t)len * sizeof *wsum);
	for (int64_t i = 0; i < len; i++)
		y[i] = 0;
	for (int64_t t = 0; t < nfr; t++) {
		const float *f = spec + t * 2 * w->bins;
		int64_t at = off0 + t * w->hop;
		for (int k = 0; k < w->bins; k++) {
			w->fbuf[k][0] = f[2 * k];
			w->fbuf[k][1] = f[2 * k + 1];
		}
		fftw_execute_dft_c2r(w->inv, w->fbuf, w->tbuf);
		for (int i = 0; i < w->n; i++) {
			int64_t j = at + i;
			if (j < 0 || j >= len)
				continue;
			y[j] += (float)(w->win[i] * w->tbuf[i] / w->n);
			wsum[j] += w->win[i] * w->win[i];
		}
	}
	for (int64_t i = 0; i < len; i++)
		if (wsum[i] > 1e-8)
			y[i] = (float)(y[i] / wsum[i]);
}

static double wrap(double ph)
{
	return ph - 2 * M_PI * floor(ph / (2 * M_PI) + 0.5);
}

/* Identity phase locking (Laroche and Dolson, 1999): every bin takes the
 * propagated phase of the spectral peak whose region it is in, plus its
 * analysis phase offset from that peak, so the bins of one partial stay
 * coherent (no "phasiness", no loss of level). mag, pha: the analysis
 * magnitude and phase; acc: propagated phases; out: 2*bins floats. */
static void lock_phases(int bins, const double *mag, const double *pha, const double *acc,
			float *out)
{
	int k = 0;
	while (k < bins) {
		/* the region runs from k to the next magnitude minimum after its peak */
		int p = k, e;
		while (p + 1 < bins && mag[p + 1] >= mag[p])
			p++;
		e = p;
		while (e + 1 < bins && mag[e + 1] < mag[e])
			e++;
		for (int q = k; q <= e; q++) {
			double ph = acc[p] + pha[q] - pha[p];
			out[2 * q] = (float)(mag[q] * cos(ph));
			out[2 * q + 1] = (float)(mag[q] * sin(ph));
		}
		k = e + 1;
	}
}

/* Phase vocoder: nout frames at fractional analysis positions j * step;
 * each bin's phase advances by the frequency measured between the two
 * analysis frames around it, then phases are locked to the peaks. */
static int vocode(xf *w, const float *S, int64_t nfr, float *Y, int64_t nout, double step)
{
	int b = w->bins;
	double *acc = malloc((size_t)b * 3 * sizeof *acc), *mag = acc + b, *pha = mag + b;
	if (!acc)
		return GRYM_ERR_NOMEM;
	for (int k = 0; k < b; k++)
		acc[k] = atan2(S[2 * k + 1], S[2 * k]);
	for (int64_t j = 0; j < nout; j++) {
		double pos = j * step;
		int64_t t = (int64_t)floor(pos);
		double a = pos - (double)t;
		const float *c0, *c1, *cn;
		if (t >= nfr - 1) {
			t = nfr - 2 < 0 ? 0 : nfr - 2;
			a = 1;
		}
		c0 = S + t * 2 * b;
		c1 = S + (nfr > 1 ? t + 1 : t) * 2 * b;
		cn = a < 0.5 ? c0 : c1;
		for (int k = 0; k < b; k++) {
			double m0 = hypot(c0[2 * k], c0[2 * k + 1]);
			double m1 = hypot(c1[2 * k], c1[2 * k + 1]);
			mag[k] = (1 - a) * m0 + a * m1;
			pha[k] = atan2(cn[2 * k + 1], cn[2 * k]);
		}
		lock_phases(b, mag, pha, acc, Y + j * 2 * b);
		for (int k = 0; k < b; k++) {
			double adv = 2 * M_PI * k * w->hop / w->n;
			double dph = atan2(c1[2 * k + 1], c1[2 * k]) - atan2(c0[2 * k + 1], c0[2 * k]) - adv;
			acc[k] += adv + wrap(dph);
		}
	}
	free(acc);
	return GRYM_OK;
}

/* One channel: x[0..n) -> *y (malloc'ed) of *ny samples. */
static int channel(const grym_xform_params *p, xf *w, const float *x, int64_t n, int rate,
		   float **y, int64_t *ny, grym_error *err)
{
	int64_t nfr = grym_stft_frames(w->stft, n), nout = nfr, len = n;
	float *S = NULL, *Y = NULL, *out = NULL, *tmp = NULL;
	double *wsum = NULL;
	size_t fsz = (size_t)2 * w->bins;
	int rc = GRYM_OK;
	double step = 1, ratio = 1;

	switch (p->kind) {
	case GRYM_XFORM_STRETCH:
		len = llround((double)n * p->factor);
		step = 1 / p->factor;
		nout = grym_stft_frames(w->stft, len);
		break;
	case GRYM_XFORM_PITCH:
		ratio = pow(2, p->semitones / 12);
		len = llround((double)n * ratio);
		step = 1 / ratio;
		nout = grym_stft_frames(w->stft, len);
		break;
	case GRYM_XFORM_FREEZE:
		len = llround(p->length * rate);
		nout = grym_stft_frames(w->stft, len);
		break;
	default:
		break;
	}
	S = malloc((size_t)nfr * fsz * sizeof *S);
	Y = malloc((size_t)(nout > 0 ? nout : 1) * fsz * sizeof *Y);
	out = malloc((size_t)(len > 0 ? len : 1) * sizeof *out);
	wsum = malloc((size_t)(len > 0 ? len : 1) * sizeof *wsum);
	if (!S || !Y || !out || !wsum) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for the spectrogram");
		goto done;
	}
	if ((rc = grym_stft_process(w->stft, x, n, GRYM_SPEC_COMPLEX, S, err)))
		goto done;
	switch (p->kind) {
	case GRYM_XFORM_STRETCH: case GRYM_XFORM_PITCH:
		if (vocode(w, S, nfr, Y, nout, step))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		break;
	case GRYM_XFORM_RANDPHASE:
		for (int64_t i = 0; i < nfr * w->bins; i++) {
			double re = S[2 * i], im = S[2 * i + 1], m = hypot(re, im);
			double ph = atan2(im, re) + p->amount * M_PI * (2 * grym_rng_uniform(&w->rng) - 1);
			Y[2 * i] = (float)(m * cos(ph));
			Y[2 * i + 1] = (float)(m * sin(ph));
		}
		break;
	case GRYM_XFORM_SMEAR: {
		/* each magnitude becomes the mean of its +-r neighbours, with
		 * a random phase: the partials dissolve into bands of noise */
		int r = (int)lround(p->amount);
		for (int64_t t = 0; t < nfr; t++) {
			const float *c = S + t * fsz;
			float *o = Y + t * fsz;
			for (int k = 0; k < w->bins; k++) {
				double sum = 0, ph = 2 * M_PI * grym_rng_uniform(&w->rng);
				int cnt = 0;
				for (int q = k - r; q <= k + r; q++)
					if (q >= 0 && q < w->bins) {
						sum += hypot(c[2 * q], c[2 * q + 1]);
						cnt++;
					}
				o[2 * k] = (float)(sum / cnt * cos(ph));
				o[2 * k + 1] = (float)(sum / cnt * sin(ph));
			}
		}
		break;
	}
	case GRYM_XFORM_FREEZE: {
		/* hold frame t: magnitudes fixed, each bin advancing at the
		 * frequency measured between frames t and t+1, phases locked
		 * to the peaks */
		int64_t t = llround(p->at * rate / w->hop), ta, tb;
		int b = w->bins;
		double *acc = malloc((size_t)b * 4 * sizeof *acc), *mag = acc + b, *pha = mag + b,
		       *dph = pha + b;
		if (!acc) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		if (t > nfr - 1)
			t = nfr - 1;
		if (t < 0)
			t = 0;
		ta = t + 1 < nfr ? t : (t > 0 ? t - 1 : t);
		tb = ta + 1 < nfr ? ta + 1 : ta;
		for (int k = 0; k < b; k++) {
			const float *c = S + t * fsz, *c0 = S + ta * fsz, *c1 = S + tb * fsz;
			double adv = 2 * M_PI * k * w->hop / w->n;
			mag[k] = hypot(c[2 * k], c[2 * k + 1]);
			pha[k] = acc[k] = atan2(c[2 * k + 1], c[2 * k]);
			dph[k] = adv + wrap(atan2(c1[2 * k + 1], c1[2 * k]) -
					    atan2(c0[2 * k + 1], c0[2 * k]) - adv);
		}
		for (int64_t j = 0; j < nout; j++) {
			lock_phases(b, mag, pha, acc, Y + j * fsz);
			for (int k = 0; k < b; k++)
				acc[k] += dph[k];
		}
		free(acc);
		break;
	}
	default:
		break;
	}
	if (rc)
		goto done;
	istft(w, Y, nout, out, len, wsum);
	if (p->kind == GRYM_XFORM_PITCH) {
		/* read the stretched signal at speed ratio: length n again,
		 * pitch x ratio (linear interpolation) */
		if (!(tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp))) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto done;
		}
		for (int64_t i = 0; i < n; i++) {
			double pos = i * ratio;
			int64_t k = (int64_t)pos;
			double a = pos - (double)k;
			float v0 = k < len ? out[k] : 0, v1 = k + 1 < len ? out[k + 1] : 0;
			tmp[i] = (float)(v0 + a * (v1 - v0));
		}
		free(out);
		out = tmp;
		len = n;
	}
	*y = out;
	*ny = len;
	out = NULL;
done:
	free(S);
	free(Y);
	free(out);
	free(wsum);
	return rc;
}

int grym_transform(const grym_xform_params *p, const float *x, int64_t frames,
		   int channels, int rate, float **out, int64_t *out_frames, grym_error *err)
{
	xf w;
	float *mono = NULL, *res = NULL, *y = NULL;
	int64_t ny = 0, len = 0;
	int rc;

	*out = NULL;
	*out_frames = 0;
	if (channels < 1 || rate < 1 || frames < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "bad audio shape");
	if ((unsigned)p->kind >= GRYM_XFORM_NKINDS)
		return grym_error_set(err, GRYM_ERR_INVALID, "unknown transformation");
	if (p->kind == GRYM_XFORM_STRETCH && !(p->factor >= 0.05 && p->factor <= 20))
		return grym_error_set(err, GRYM_ERR_INVALID, "factor %g out of range (0.05..20)", p->factor);
	if (p->kind == GRYM_XFORM_PITCH && !(p->semitones >= -48 && p->semitones <= 48))
		return grym_error_set(err, GRYM_ERR_INVALID, "semitones %g out of range (-48..48)",
				      p->semitones);
	if (p->kind == GRYM_XFORM_RANDPHASE && !(p->amount >= 0 && p->amount <= 1))
		return grym_error_set(err, GRYM_ERR_INVALID, "amount %g out of range (0..1)", p->amount);
	if (p->kind == GRYM_XFORM_SMEAR && !(p->amount >= 0 && p->amount <= p->n_fft / 4))
		return grym_error_set(err, GRYM_ERR_INVALID, "amount %g bins out of range (0..%d)",
				      p->amount, p->n_fft / 4);
	if (p->kind == GRYM_XFORM_FREEZE &&
	    (!(p->length >= 0 && p->length <= 1e6) || !(p->at >= 0)))
		return grym_error_set(err, GRYM_ERR_INVALID, "freeze at %g s for %g s out of range",
				      p->at, p->length);
	if (!(p->n_fft >= 16 && p->n_fft <= 65536) || !(p->hop >= 1 && p->hop <= p->n_fft / 2))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "n_fft %d (16..65536) or hop %d (1..n_fft/2) out of range",
				      p->n_fft, p->hop);
	if (p->kind == GRYM_XFORM_REVERSE) {
		if (!(res = malloc((size_t)(frames > 0 ? frames : 1) * channels * sizeof *res)))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (int64_t i = 0; i < frames; i++)
			memcpy(res + i * channels, x + (frames - 1 - i) * channels,
			       (size_t)channels * sizeof *res);
		*out = res;
		*out_frames = frames;
		return GRYM_OK;
	}
	if (frames == 0 && p->kind != GRYM_XFORM_FREEZE)
		return grym_error_set(err, GRYM_ERR_INVALID, "no samples to transform");
	if (frames == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no frame to freeze");
	if ((rc = xf_init(&w, p, err)))
		return rc;
	if (!(mono = malloc((size_t)frames * sizeof *mono))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int c = 0; c < channels; c++) {
		for (int64_t i = 0; i < frames; i++)
			mono[i] = x[i * channels + c];
		grym_rng_seed(&w.rng, p->seed + (uint64_t)c);
		if ((rc = channel(p, &w, mono, frames, rate, &y, &ny, err)))
			goto done;
		if (!res) {
			len = ny;
			if (!(res = malloc((size_t)(len > 0 ? len : 1) * channels * sizeof *res))) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto done;
			}
		}
		for (int64_t i = 0; i < len; i++)
			res[i * channels + c] = i < ny ? y[i] : 0;
		free(y);
		y = NULL;
	}
	*out = res;
	*out_frames = len;
	res = NULL;
done:
	free(y);
	free(mono);
	free(res);
	xf_free(&w);
	return rc;
}
