/*
 * test_synth_transform.c — STFT-domain and time-domain transformations:
 * resynthesis without change gives the input back, reversal twice is the
 * identity, a phase-vocoder stretch keeps the frequency and scales the
 * length, a pitch shift moves the frequency by 2^(st/12) and keeps the
 * length, random phase keeps the spectrum's peak and follows the seed,
 * smearing spreads a line, freezing holds the frame's frequency.
 */
#include "tap.h"
#include "grym/synth.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000

static float *tone(grym_synth_kind kind, double f, double to, double dur, int64_t *n)
{
	grym_synth_params p;
	grym_synth *s;
	float *x;
	grym_synth_params_default(&p, kind);
	p.freq = f;
	p.to = to;
	p.duration = dur;
	s = grym_synth_new(&p, RATE, NULL);
	*n = grym_synth_frames(s);
	x = malloc((size_t)*n * sizeof *x);
	grym_synth_do(s, x, *n);
	grym_synth_free(s);
	return x;
}

/* Frequency of the largest FFT peak of x[0..n), with parabolic
 * interpolation; *frac gets the share of energy within +-w Hz of it. */
static double peak_hz(const float *x, int n, double w, double *frac)
{
	double *in = fftw_alloc_real((size_t)n), best = -1, tot = 0, near = 0, f;
	fftw_complex *out = fftw_alloc_complex((size_t)n / 2 + 1);
	fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
	double *m = malloc((size_t)(n / 2 + 1) * sizeof *m);
	int k0 = 1;

	for (int i = 0; i < n; i++)
		in[i] = x[i] * (0.5 - 0.5 * cos(2 * M_PI * i / n));
	fftw_execute(plan);
	for (int k = 0; k <= n / 2; k++) {
		m[k] = out[k][0] * out[k][0] + out[k][1] * out[k][1];
		tot += m[k];
		if (k > 0 && m[k] > best) {
			best = m[k];
			k0 = k;
		}
	}
	f = k0;
	if (k0 > 0 && k0 < n / 2) {
		double a = log(m[k0 - 1] + 1e-30), b = log(m[k0] + 1e-30), c = log(m[k0 + 1] + 1e-30);
		f = k0 + 0.5 * (a - c) / (a - 2 * b + c);
	}
	f = f * RATE / n;
	for (int k = 0; k <= n / 2; k++)
		if (fabs((double)k * RATE / n - f) <= w)
			near += m[k];
	if (frac)
		*frac = near / tot;
	fftw_destroy_plan(plan);
	fftw_free(in);
	fftw_free(out);
	free(m);
	return f;
}

static double rms(const float *x, int64_t n)
{
	double s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return sqrt(s / n);
}

static int run(grym_xform_kind kind, const float *x, int64_t n, int ch, double v,
	       float **y, int64_t *ny)
{
	grym_xform_params p;
	grym_error err = { 0 };
	int rc;
	grym_xform_params_default(&p, kind);
	if (kind == GRYM_XFORM_STRETCH) p.factor = v;
	if (kind == GRYM_XFORM_PITCH) p.semitones = v;
	if (kind == GRYM_XFORM_RANDPHASE || kind == GRYM_XFORM_SMEAR) p.amount = v;
	if (kind == GRYM_XFORM_FREEZE) { p.at = v; p.length = 3; }
	rc = grym_transform(&p, x, n, ch, RATE, y, ny, &err);
	if (rc)
		tap_diag("%s: %s", grym_xform_name(kind), err.msg);
	return rc;
}

int main(void)
{
	tap_plan(25);
	int64_t n, ny, nz;
	float *x, *y, *z;
	double maxd = 0, frac, frac0;

	x = tone(GRYM_SYNTH_SINE, 1000, 0, 1, &n);

	/* randphase with amount 0 is analysis + resynthesis: the input back */
	TAP_EQ_INT(run(GRYM_XFORM_RANDPHASE, x, n, 1, 0, &y, &ny), 0, "identity resynthesis runs");
	TAP_EQ_INT(ny, n, "same length");
	for (int64_t i = 0; i < n; i++)
		maxd = fmax(maxd, fabs(y[i] - x[i]));
	TAP_OK(maxd < 1e-5, "STFT + inverse STFT gives the input back (max error %g)", maxd);
	free(y);

	/* reverse */
	run(GRYM_XFORM_REVERSE, x, n, 1, 0, &y, &ny);
	TAP_OK(y[0] == x[n - 1] && y[n - 1] == x[0], "reverse swaps the ends");
	run(GRYM_XFORM_REVERSE, y, ny, 1, 0, &z, &nz);
	TAP_OK(nz == n && memcmp(z, x, (size_t)n * sizeof *x) == 0, "reverse twice is the identity");
	free(y);
	free(z);

	/* stretch */
	run(GRYM_XFORM_STRETCH, x, n, 1, 2, &y, &ny);
	TAP_EQ_INT(ny, 2 * n, "stretch x2: twice the length");
	TAP_NEAR(peak_hz(y + 24000, 48000, 5, NULL), 1000, 1, "stretch x2: still 1000 Hz");
	TAP_NEAR(20 * log10(rms(y + 24000, 48000) / rms(x, n)), 0, 1, "stretch x2: level kept within 1 dB");
	free(y);
	run(GRYM_XFORM_STRETCH, x, n, 1, 0.5, &y, &ny);
	TAP_EQ_INT(ny, n / 2, "stretch x0.5: half the length");
	TAP_NEAR(peak_hz(y + 4000, 16000, 5, NULL), 1000, 2, "stretch x0.5: still 1000 Hz");
	free(y);

	/* pitch */
	free(x);
	x = tone(GRYM_SYNTH_SINE, 500, 0, 1, &n);
	run(GRYM_XFORM_PITCH, x, n, 1, 12, &y, &ny);
	TAP_EQ_INT(ny, n, "pitch: same length");
	TAP_NEAR(peak_hz(y + 8000, 32000, 5, NULL), 1000, 2, "pitch +12: 500 Hz becomes 1000 Hz");
	free(y);
	run(GRYM_XFORM_PITCH, x, n, 1, -7, &y, &ny);
	TAP_NEAR(peak_hz(y + 8000, 32000, 5, NULL), 500 * pow(2, -7 / 12.0), 2,
		 "pitch -7: 500 Hz becomes 333.7 Hz");
	free(y);

	/* random phase */
	free(x);
	x = tone(GRYM_SYNTH_SINE, 1000, 0, 1, &n);
	run(GRYM_XFORM_RANDPHASE, x, n, 1, 1, &y, &ny);
	run(GRYM_XFORM_RANDPHASE, x, n, 1, 1, &z, &nz);
	TAP_OK(ny == nz && memcmp(y, z, (size_t)n * sizeof *y) == 0, "randphase: deterministic by seed");
	maxd = 0;
	for (int64_t i = 0; i < n; i++)
		maxd = fmax(maxd, fabs(y[i] - x[i]));
	TAP_OK(maxd > 0.01, "randphase: the waveform changes (max diff %g)", maxd);
	TAP_NEAR(peak_hz(y + 8000, 32000, 5, NULL), 1000, 12, "randphase: spectral peak stays at 1000 Hz");
	free(y);
	free(z);

	/* smear: a line spreads */
	peak_hz(x + 8000, 32000, 30, &frac0);
	run(GRYM_XFORM_SMEAR, x, n, 1, 8, &y, &ny);
	peak_hz(y + 8000, 32000, 30, &frac);
	TAP_OK(frac0 > 0.99 && frac < 0.8, "smear 8 bins: energy within 30 Hz of the line %.3f -> %.3f",
	       frac0, frac);
	free(y);
	free(x);

	/* freeze a linear chirp 200->2000 Hz over 2 s at 1 s (1100 Hz) for 3 s */
	x = tone(GRYM_SYNTH_CHIRP, 200, 2000, 2, &n);
	run(GRYM_XFORM_FREEZE, x, n, 1, 1.0, &y, &ny);
	TAP_EQ_INT(ny, 3 * RATE, "freeze: 3 s");
	TAP_NEAR(peak_hz(y + RATE, RATE, 5, NULL), 1100, 25, "freeze at 1 s holds 1100 Hz");
	TAP_NEAR(20 * log10(rms(y + RATE, RATE) / rms(x, n)), 0, 3, "freeze keeps the level within 3 dB");
	free(y);
	free(x);

	/* stereo: channels transformed each on its own */
	{
		int64_t m;
		float *a = tone(GRYM_SYNTH_SINE, 440, 0, 0.5, &m), *b = tone(GRYM_SYNTH_SINE, 880, 0, 0.5, &m);
		float *st = malloc((size_t)m * 2 * sizeof *st), *l = malloc((size_t)2 * m * sizeof *l);
		for (int64_t i = 0; i < m; i++) {
			st[2 * i] = a[i];
			st[2 * i + 1] = b[i];
		}
		run(GRYM_XFORM_STRETCH, st, m, 2, 2, &y, &ny);
		TAP_EQ_INT(ny, 2 * m, "stereo stretch length");
		for (int64_t i = 0; i < ny; i++)
			l[i] = y[2 * i];
		TAP_NEAR(peak_hz(l + 12000, 24000, 5, NULL), 440, 2, "left stays 440 Hz");
		for (int64_t i = 0; i < ny; i++)
			l[i] = y[2 * i + 1];
		TAP_NEAR(peak_hz(l + 12000, 24000, 5, NULL), 880, 2, "right stays 880 Hz");
		free(y);
		free(a);
		free(b);
		free(st);
		free(l);
	}

	{
		grym_xform_params p;
		grym_error err = { 0 };
		float one = 0;
		grym_xform_params_default(&p, GRYM_XFORM_STRETCH);
		p.factor = 100;
		TAP_EQ_INT(grym_transform(&p, &one, 1, 1, RATE, &y, &ny, &err), GRYM_ERR_INVALID,
			   "factor 100 refused");
		TAP_EQ_STR(err.msg, "factor 100 out of range (0.05..20)", "and named");
	}
	return tap_done();
}
