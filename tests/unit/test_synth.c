/*
 * test_synth.c — grym-synth's engine checked against analytic values:
 * frequency by zero crossings and by FFT peak, peak level in dBFS,
 * duration to the sample, determinism by seed, noise spectral slopes,
 * sieve worked examples, GENDYN barriers, cloud onsets and pitches.
 */
#include "tap.h"
#include "grym/synth.h"

#include <fftw3.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Generate a whole segment into a malloc'ed buffer, in blocks of `block`. */
static float *gen(const grym_synth_params *p, int rate, int64_t *n, int64_t block)
{
	grym_error err = { 0 };
	grym_synth *s = grym_synth_new(p, rate, &err);
	float *buf;
	int64_t got, done = 0;

	if (!s) {
		tap_diag("grym_synth_new: %s", err.msg);
		*n = 0;
		return NULL;
	}
	*n = grym_synth_frames(s);
	buf = malloc((size_t)(*n > 0 ? *n : 1) * sizeof *buf);
	while ((got = grym_synth_do(s, buf + done, block)) > 0)
		done += got;
	if (done != *n)
		tap_diag("generated %lld of %lld", (long long)done, (long long)*n);
	grym_synth_free(s);
	return buf;
}

static int64_t rising_crossings(const float *x, int64_t n)
{
	int64_t c = 0;
	for (int64_t i = 1; i < n; i++)
		if (x[i - 1] < 0 && x[i] >= 0)
			c++;
	return c;
}

static double peak_of(const float *x, int64_t n)
{
	double p = 0;
	for (int64_t i = 0; i < n; i++)
		if (fabs(x[i]) > p)
			p = fabs(x[i]);
	return p;
}

/* The bin of the largest magnitude of the n-point real FFT of x. */
static int fft_peak_bin(const float *x, int n)
{
	double *in = fftw_alloc_real((size_t)n);
	fftw_complex *out = fftw_alloc_complex((size_t)n / 2 + 1);
	fftw_plan plan = fftw_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
	int best = 0;
	double bm = -1;

	for (int i = 0; i < n; i++)
		in[i] = x[i];
	fftw_execute(plan);
	for (int k = 0; k <= n / 2; k++) {
		double m = out[k][0] * out[k][0] + out[k][1] * out[k][1];
		if (m > bm) {
			bm = m;
			best = k;
		}
	}
	fftw_destroy_plan(plan);
	fftw_free(in);
	fftw_free(out);
	return best;
}

/* Welch PSD (Hann, nfft, 50% overlap) into psd[0..nfft/2]. */
static void welch(const float *x, int64_t n, int nfft, double *psd)
{
	double *in = fftw_alloc_real((size_t)nfft);
	fftw_complex *out = fftw_alloc_complex((size_t)nfft / 2 + 1);
	fftw_plan plan = fftw_plan_dft_r2c_1d(nfft, in, out, FFTW_ESTIMATE);
	int frames = 0;

	memset(psd, 0, (size_t)(nfft / 2 + 1) * sizeof *psd);
	for (int64_t off = 0; off + nfft <= n; off += nfft / 2, frames++) {
		for (int i = 0; i < nfft; i++)
			in[i] = x[off + i] * (0.5 - 0.5 * cos(2 * M_PI * i / nfft));
		fftw_execute(plan);
		for (int k = 0; k <= nfft / 2; k++)
			psd[k] += out[k][0] * out[k][0] + out[k][1] * out[k][1];
	}
	for (int k = 0; k <= nfft / 2; k++)
		psd[k] /= frames;
	fftw_destroy_plan(plan);
	fftw_free(in);
	fftw_free(out);
}

/* Slope in dB per octave of the PSD between f1 and f2: least squares of
 * the band power (1/3-octave bands, mean PSD) against log2 f. */
static double slope_db_oct(const float *x, int64_t n, int rate, double f1, double f2)
{
	int nfft = 8192;
	double *psd = malloc((nfft / 2 + 1) * sizeof *psd);
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	int m = 0;

	welch(x, n, nfft, psd);
	for (double fc = f1; fc <= f2 * 1.0001; fc *= pow(2, 1.0 / 3)) {
		int k0 = (int)ceil(fc * pow(2, -1.0 / 6) * nfft / rate);
		int k1 = (int)floor(fc * pow(2, 1.0 / 6) * nfft / rate);
		double p = 0, X, Y;
		for (int k = k0; k <= k1; k++)
			p += psd[k];
		p /= (k1 - k0 + 1);
		X = log2(fc);
		Y = 10 * log10(p);
		sx += X; sy += Y; sxx += X * X; sxy += X * Y;
		m++;
	}
	free(psd);
	return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

static void test_periodic(void)
{
	grym_synth_params p;
	int64_t n;
	float *x;

	grym_synth_params_default(&p, GRYM_SYNTH_SINE);
	p.freq = 1000;
	p.level = -20;
	p.duration = 1;
	x = gen(&p, 48000, &n, 4096);
	TAP_EQ_INT(n, 48000, "sine: 1 s at 48 kHz is 48000 frames");
	TAP_EQ_INT(rising_crossings(x, n), 1000 - 1, "sine 1000 Hz: 999 rising zero crossings after sample 0");
	TAP_EQ_INT(fft_peak_bin(x, (int)n), 1000, "sine 1000 Hz: FFT peak at bin 1000 (1 Hz bins)");
	TAP_NEAR(20 * log10(peak_of(x, n)), -20.0, 1e-6, "sine -20 dBFS: sample peak -20 dBFS");
	TAP_NEAR(x[12], 0.1, 1e-7, "sine: crest at sample 12 is 0.1");
	TAP_NEAR(x[0], 0, 0, "sine phase 0 starts at 0");
	free(x);

	p.freq = 997;
	p.phase = 90;
	p.level = -6;
	x = gen(&p, 48000, &n, 333);
	TAP_EQ_INT(fft_peak_bin(x, (int)n), 997, "sine 997 Hz: FFT peak at bin 997");
	TAP_NEAR(x[0], pow(10, -6 / 20.0), 1e-7, "phase 90: first sample is the crest");
	free(x);

	grym_synth_params_default(&p, GRYM_SYNTH_SQUARE);
	p.freq = 440;
	p.level = -3;
	p.phase = 45;
	x = gen(&p, 44100, &n, 4096);
	TAP_EQ_INT(fft_peak_bin(x, (int)n), 440, "square 440 Hz: FFT peak at bin 440");
	TAP_NEAR(rising_crossings(x, n), 440, 1, "square 440 Hz: 440 rising crossings in 1 s");
	TAP_NEAR(peak_of(x, n), pow(10, -3 / 20.0), 1e-7, "square -3 dBFS: peak exact");
	free(x);

	grym_synth_params_default(&p, GRYM_SYNTH_SAW);
	p.freq = 100;
	p.level = 0;
	x = gen(&p, 8000, &n, 4096);
	TAP_EQ_INT(fft_peak_bin(x, (int)n), 100, "saw 100 Hz: FFT peak at bin 100");
	TAP_NEAR(x[0], 0, 1e-7, "saw starts at 0");
	TAP_NEAR(x[20], 0.5, 1e-6, "saw at a quarter period is half the amplitude");
	TAP_OK(peak_of(x, n) <= 1.0 && peak_of(x, n) > 0.99, "saw at 0 dBFS stays within 1 and reaches 0.99");
	free(x);
}

static void test_chirp(void)
{
	grym_synth_params p;
	int64_t n;
	float *x;

	grym_synth_params_default(&p, GRYM_SYNTH_CHIRP);
	p.freq = 100;
	p.to = 1000;
	p.duration = 1;
	x = gen(&p, 48000, &n, 4096);
	/* cycles = integral of f = (100 + 1000) / 2 = 550 */
	TAP_NEAR(rising_crossings(x, n), 550, 1, "linear chirp 100->1000 Hz in 1 s: 550 cycles");
	TAP_NEAR(rising_crossings(x + 47520, 480), 0.01 * 995.5, 1,
		 "linear chirp: last 10 ms near 995 Hz");
	free(x);
	p.sweep = GRYM_SWEEP_LOG;
	x = gen(&p, 48000, &n, 4096);
	/* cycles = f0 T (k - 1) / ln k, k = 10: 900 / ln 10 = 390.9 */
	TAP_NEAR(rising_crossings(x, n), 900 / log(10), 1, "log chirp 100->1000 Hz in 1 s: 390.9 cycles");
	/* half-way the frequency is sqrt(100 * 1000) = 316 Hz: FFT of 100 ms there */
	TAP_NEAR(fft_peak_bin(x + 24000 - 2400, 4800) * 10.0, 316.2, 15,
		 "log chirp: geometric mean frequency half-way");
	free(x);
}

static void test_duration_and_sequence(void)
{
	grym_synth_params p, seg[3];
	grym_error err = { 0 };
	grym_synth_seq *q;
	int64_t n, got, done = 0;
	float *x, *buf;
	double pk[3] = { 0, 0, 0 };
	int same = 1;

	grym_synth_params_default(&p, GRYM_SYNTH_SILENCE);
	p.duration = 1.23456;
	x = gen(&p, 44100, &n, 4096);
	TAP_EQ_INT(n, 54444, "duration 1.23456 s at 44.1 kHz: round(54444.096) frames");
	TAP_EQ_INT(peak_of(x, n) == 0, 1, "silence is zeros");
	free(x);
	p.duration = 0.5 / 48000 * 3;   /* 1.5 samples: rounds half away from zero */
	x = gen(&p, 48000, &n, 4096);
	TAP_EQ_INT(n, 2, "1.5 samples round to 2");
	free(x);

	/* EBU Tech 3341 case 3: -36/-23/-36 dBFS, 10/60/10 s, stereo 48 kHz */
	for (int i = 0; i < 3; i++) {
		grym_synth_params_default(&seg[i], GRYM_SYNTH_SINE);
		seg[i].freq = 1000;
		seg[i].level = i == 1 ? -23 : -36;
		seg[i].duration = i == 1 ? 60 : 10;
	}
	q = grym_synth_seq_new(seg, 3, 48000, 2, &err);
	TAP_OK(q != NULL, "3341-3 sequence builds");
	if (!q)
		return;
	TAP_EQ_INT(grym_synth_seq_frames(q), 80 * 48000, "3341-3: 80 s exactly");
	buf = malloc(10007 * 2 * sizeof *buf);
	while ((got = grym_synth_seq_read(q, buf, 10007, &err)) > 0) {
		for (int64_t i = 0; i < got; i++) {
			int64_t t = done + i;
			int s = t < 480000 ? 0 : t < 3360000 ? 1 : 2;
			if (fabs(buf[2 * i]) > pk[s])
				pk[s] = fabs(buf[2 * i]);
			if (buf[2 * i] != buf[2 * i + 1])
				same = 0;
		}
		done += got;
	}
	TAP_EQ_INT(done, 80 * 48000, "3341-3: read 3840000 frames");
	TAP_NEAR(20 * log10(pk[0]), -36, 1e-5, "3341-3: first segment peak -36 dBFS");
	TAP_NEAR(20 * log10(pk[1]), -23, 1e-5, "3341-3: middle segment peak -23 dBFS");
	TAP_NEAR(20 * log10(pk[2]), -36, 1e-5, "3341-3: last segment peak -36 dBFS");
	TAP_OK(same, "both channels carry the same signal");
	free(buf);
	grym_synth_seq_free(q);

	seg[1].freq = 30000;
	q = grym_synth_seq_new(seg, 3, 48000, 2, &err);
	TAP_OK(!q && err.code == GRYM_ERR_INVALID && strstr(err.msg, "segment 2"),
	       "bad segment named: %s", err.msg);
}

static void test_noise(void)
{
	grym_synth_params p;
	int64_t n, n2;
	float *a, *b;
	const char *names[] = { "white", "pink", "brown" };

	for (int c = 0; c < 3; c++) {
		grym_synth_params_default(&p, GRYM_SYNTH_NOISE);
		p.color = (grym_noise_color)c;
		p.level = -12;
		p.seed = 7;
		p.duration = 2;
		a = gen(&p, 48000, &n, 4096);
		b = gen(&p, 48000, &n2, 1001);
		TAP_OK(n == n2 && memcmp(a, b, (size_t)n * sizeof *a) == 0,
		       "%s noise: same seed, same samples, any block size", names[c]);
		TAP_NEAR(20 * log10(peak_of(a, n)), -12, 1e-5, "%s noise: peak exactly -12 dBFS", names[c]);
		free(b);
		p.seed = 8;
		b = gen(&p, 48000, &n2, 4096);
		TAP_OK(memcmp(a, b, (size_t)n * sizeof *a) != 0, "%s noise: another seed differs", names[c]);
		free(a);
		free(b);
	}

	grym_synth_params_default(&p, GRYM_SYNTH_NOISE);
	p.duration = 40;
	p.seed = 3;
	p.color = GRYM_NOISE_PINK;
	a = gen(&p, 48000, &n, 4096);
	{
		double s = slope_db_oct(a, n, 48000, 50, 12800);
		tap_diag("pink slope %.3f dB/octave (50 Hz - 12.8 kHz)", s);
		TAP_NEAR(s, -3.01, 0.3, "pink noise: -3 dB/octave");
	}
	free(a);
	p.color = GRYM_NOISE_WHITE;
	p.duration = 10;
	a = gen(&p, 48000, &n, 4096);
	TAP_NEAR(slope_db_oct(a, n, 48000, 50, 12800), 0, 0.2, "white noise: flat");
	free(a);
	p.color = GRYM_NOISE_BROWN;
	a = gen(&p, 48000, &n, 4096);
	TAP_NEAR(slope_db_oct(a, n, 48000, 200, 3200), -6.02, 0.4, "brown noise: -6 dB/octave");
	free(a);
}

static void check_sieve(const char *expr, int64_t lo, int64_t hi, const int64_t *want, size_t nwant)
{
	grym_error err = { 0 };
	grym_sieve *s = grym_sieve_parse(expr, &err);
	int64_t got[256];
	size_t n;
	int ok;

	if (!s) {
		TAP_OK(0, "sieve %s parses: %s", expr, err.msg);
		return;
	}
	n = grym_sieve_eval(s, lo, hi, got, 256);
	ok = n == nwant;
	for (size_t i = 0; ok && i < n; i++)
		ok = got[i] == want[i];
	TAP_OK(ok, "sieve %s over %lld..%lld", expr, (long long)lo, (long long)hi);
	if (!ok)
		for (size_t i = 0; i < n && i < 256; i++)
			tap_diag("  got %lld", (long long)got[i]);
	grym_sieve_free(s);
}

static void check_sieve_error(const char *expr, const char *want)
{
	grym_error err = { 0 };
	grym_sieve *s = grym_sieve_parse(expr, &err);
	TAP_OK(!s && err.code == GRYM_ERR_INVALID && strcmp(err.msg, want) == 0,
	       "sieve '%s' fails: %s", expr, err.msg);
	grym_sieve_free(s);
}

static void test_sieve(void)
{
	grym_error err = { 0 };
	grym_sieve *s;
	static const int64_t a[] = { 0, 3, 4, 6, 8, 9, 12 };
	/* 8@0 = 0 8 16 24 32, 8@3 = 3 11 19 27 35, 8@6 = 6 14 22 30 38;
	 * of these, = 2 mod 5: 32, 27, 22 */
	static const int64_t b[] = { 22, 27, 32, 62, 67, 72 };
	static const int64_t c[] = { 1, 2, 4, 5 };
	static const int64_t d[] = { 2, 4, 8, 10 };
	static const int64_t e[] = { 0, 2, 4, 6, 8, 10, 12, 14, 15 };
	static const int64_t f[] = { -9, -6, -3, 0, 3 };
	static const int64_t g[] = { 3, 11 };
	/* Xenakis's major scale as a sieve in semitones (Formalized Music ch. VII
	 * gives (3,2)(4,0) etc.; here checked by hand: 12@0|12@2|12@4|12@5|12@7|12@9|12@11) */
	static const int64_t h[] = { 0, 2, 4, 5, 7, 9, 11, 12 };

	check_sieve("3@0|4@0", 0, 12, a, 7);
	check_sieve("(8@0|8@3|8@6)&(5@2)", 0, 79, b, 6);
	check_sieve(" ( 8@0 | 8@3 | 8@6 ) & 5@2 ", 0, 79, b, 6);
	check_sieve("!3@0", 0, 6, c, 4);
	check_sieve("2@0-3@0", 0, 12, d, 4);
	check_sieve("2@0|3@0&5@0", 0, 15, e, 9);
	check_sieve("3@0", -10, 3, f, 5);
	check_sieve("8@11", 0, 15, g, 2);
	check_sieve("12@0|12@2|12@4|12@5|12@7|12@9|12@11", 0, 12, h, 8);
	check_sieve("!!(8@3)", 0, 15, g, 2);
	s = grym_sieve_parse("(8@0|8@3|8@6)&(5@2)", &err);
	TAP_EQ_INT(s ? grym_sieve_period(s) : 0, 40, "period is lcm(8, 5) = 40");
	TAP_EQ_INT(s ? grym_sieve_eval(s, 0, 399, NULL, 0) : 0, 30, "3 points per period, 10 periods");
	grym_sieve_free(s);

	check_sieve_error("(8@0|8@3", "sieve: column 9: expected ')'");
	check_sieve_error("8@", "sieve: column 3: expected a number");
	check_sieve_error("8 3", "sieve: column 3: expected '@' after the modulus");
	check_sieve_error("0@1", "sieve: column 1: modulus must be at least 1");
	check_sieve_error("", "sieve: column 1: unexpected end of expression");
	check_sieve_error("3@0)", "sieve: column 4: unbalanced ')'");
	check_sieve_error("3@0 4@1", "sieve: column 5: expected '|', '&', '-' or the end");
	check_sieve_error("3@0|x", "sieve: column 5: expected M@R, '(' or '!'");
}

static void test_gendyn(void)
{
	grym_gendyn_params gp;
	grym_synth_params p;
	grym_error err = { 0 };
	grym_gendyn *g;
	float *buf = malloc(48000 * sizeof *buf);
	double peak = 0, dmin, dmax, amp, dur;
	int inside = 1, moved = 0;

	grym_synth_params_default(&p, GRYM_SYNTH_GENDYN);
	gp = p.gendyn;
	gp.amp_barrier = 0.5;
	gp.amp_step = 0.3;
	gp.adist = GRYM_DIST_CAUCHY;   /* heavy tails: the hardest on mirrors */
	gp.apar = 2;
	g = grym_gendyn_new(&gp, 48000, 42, &err);
	TAP_OK(g != NULL, "gendyn builds");
	if (!g) {
		free(buf);
		return;
	}
	grym_gendyn_dur_range(g, &dmin, &dmax);
	TAP_NEAR(dmin, 48000.0 / (12 * 400), 1e-9, "shortest breakpoint duration = rate/(N fmax)");
	TAP_NEAR(dmax, 48000.0 / (12 * 100), 1e-9, "longest = rate/(N fmin)");
	for (int k = 0; k < 10; k++) {
		grym_gendyn_do(g, buf, 48000);
		for (int i = 0; i < 48000; i++)
			if (fabs(buf[i]) > peak)
				peak = fabs(buf[i]);
		for (int i = 0; i < 12; i++) {
			grym_gendyn_breakpoint(g, i, &amp, &dur);
			if (fabs(amp) > 0.5 || dur < dmin || dur > dmax)
				inside = 0;
			if (dur != (dmin + dmax) / 2)
				moved = 1;
		}
	}
	TAP_OK(peak <= 0.5 && peak > 0.3, "gendyn output within the amplitude barrier 0.5 (peak %g)", peak);
	TAP_OK(inside, "breakpoints stay between their mirrors");
	TAP_OK(moved, "durations walk");
	TAP_EQ_INT(grym_gendyn_breakpoint(g, 12, NULL, NULL), GRYM_ERR_INVALID, "breakpoint 12 of 12 is invalid");
	grym_gendyn_free(g);
	free(buf);

	/* through grym_synth: level exact, deterministic, seed matters */
	{
		int64_t n, n2;
		float *a, *b;
		int zc;
		p.level = -10;
		p.seed = 5;
		p.duration = 3;
		p.gendyn.freq_min = 200;
		p.gendyn.freq_max = 200;   /* fixed period: 12 equal segments */
		a = gen(&p, 48000, &n, 4096);
		b = gen(&p, 48000, &n2, 777);
		TAP_OK(n == n2 && memcmp(a, b, (size_t)n * sizeof *a) == 0, "gendyn deterministic by seed");
		TAP_NEAR(20 * log10(peak_of(a, n)), -10, 1e-5, "gendyn peak exactly -10 dBFS");
		free(b);
		p.seed = 6;
		b = gen(&p, 48000, &n2, 4096);
		TAP_OK(memcmp(a, b, (size_t)n * sizeof *a) != 0, "gendyn: another seed differs");
		/* with a fixed period the spectrum is harmonic on 200 Hz */
		zc = fft_peak_bin(a + 48000, 48000);
		TAP_OK(zc % 200 == 0 && zc > 0, "fixed-period gendyn: strongest partial %d Hz is a multiple of 200", zc);
		free(a);
		free(b);
	}
}

static void test_dist(void)
{
	const double a = 2;
	TAP_NEAR(grym_dist_draw(GRYM_DIST_CAUCHY, a, 0.75), a, 1e-12, "cauchy quartile = a");
	TAP_NEAR(grym_dist_draw(GRYM_DIST_LOGISTIC, a, 0.75), log(3) / a, 1e-12, "logistic quartile = ln 3 / a");
	TAP_NEAR(grym_dist_draw(GRYM_DIST_HYPCOS, a, 0.75), log(tan(3 * M_PI / 8)) / a, 1e-12,
		 "hyperbolic cosine quartile = ln tan(3pi/8) / a");
	TAP_NEAR(grym_dist_draw(GRYM_DIST_ARCSINE, a, 0.75), a * sin(M_PI / 4), 1e-12, "arcsine quartile");
	TAP_NEAR(grym_dist_draw(GRYM_DIST_EXPONENTIAL, a, 0.75), log(2) / a, 1e-12,
		 "exponential (Laplace) quartile = ln 2 / a");
	TAP_NEAR(grym_dist_draw(GRYM_DIST_EXPONENTIAL, a, 0.25), -log(2) / a, 1e-12, "and symmetric");
	for (int d = 0; d <= GRYM_DIST_UNIFORM; d++)
		TAP_NEAR(grym_dist_draw((grym_dist)d, a, 0.5), 0, 1e-12, "%s median 0",
			 grym_dist_name((grym_dist)d));
	TAP_NEAR(grym_mirror(1.3, -1, 1), 0.7, 1e-12, "mirror 1.3 into [-1,1] = 0.7");
	TAP_NEAR(grym_mirror(-3.5, -1, 1), 0.5, 1e-12, "mirror -3.5 into [-1,1] = 0.5 (two bounces)");
	TAP_NEAR(grym_mirror(INFINITY, 2, 4), 3, 0, "mirror of inf is the midpoint");
	TAP_NEAR(grym_mirror(1e300, -1, 1), grym_mirror(1e300, -1, 1), 0, "mirror of huge values is finite");
	TAP_OK(fabs(grym_mirror(1e300, -1, 1)) <= 1, "and inside");
}

static void test_impulse_and_cloud(void)
{
	grym_synth_params p;
	int64_t n;
	float *x;
	int count = 0, ok = 1;

	grym_synth_params_default(&p, GRYM_SYNTH_IMPULSE);
	p.level = 0;
	x = gen(&p, 48000, &n, 4096);
	for (int64_t i = 0; i < n; i++)
		count += x[i] != 0;
	TAP_OK(count == 1 && x[0] == 1.0f, "impulse: one unit sample at 0");
	free(x);
	p.freq = 100;
	x = gen(&p, 48000, &n, 1000);
	count = 0;
	for (int64_t i = 0; i < n; i++)
		if (x[i] != 0) {
			ok &= i % 480 == 0;
			count++;
		}
	TAP_OK(count == 100 && ok, "impulse train 100 Hz: 100 clicks every 480 samples (%d)", count);
	free(x);
	/* rhythm sieve 4@0|4@3 on an eighth-second grid, 2 s: k = 0 3 4 7 8 11 12 15 */
	p.freq = 0;
	p.sieve = "4@0|4@3";
	p.grid = 0.125;
	p.duration = 2;
	x = gen(&p, 48000, &n, 4096);
	{
		static const int ks[] = { 0, 3, 4, 7, 8, 11, 12, 15 };
		int j = 0;
		ok = 1;
		for (int64_t i = 0; i < n; i++)
			if (x[i] != 0) {
				ok &= j < 8 && i == ks[j] * 6000;
				j++;
			}
		TAP_OK(ok && j == 8, "sieve rhythm 4@0|4@3: clicks at 8 grid points (%d)", j);
	}
	free(x);
	p.sieve = "2@0&2@1";    /* empty: silence, and no endless search */
	p.duration = 10;
	x = gen(&p, 48000, &n, 4096);
	TAP_OK(n == 480000 && peak_of(x, n) == 0, "empty rhythm sieve: 10 s of silence");
	free(x);
	{
		grym_error err = { 0 };
		grym_synth *s;
		p.grid = 1e-5;
		s = grym_synth_new(&p, 48000, &err);
		TAP_OK(!s && strstr(err.msg, "grid"), "grid finer than a sample refused: %s", err.msg);
	}

	{
		grym_error err = { 0 };
		grym_cloud_params cp;
		grym_cloud *c;
		float *buf = malloc(48000 * sizeof *buf);
		grym_synth_params_default(&p, GRYM_SYNTH_CLOUD);
		cp = p.cloud;
		cp.density = 50;
		c = grym_cloud_new(&cp, 48000, 9, &err);
		for (int k = 0; k < 20; k++)
			grym_cloud_do(c, buf, 48000);
		/* Poisson, mean 1000, sd 31.6: within 4 sd */
		TAP_NEAR((double)grym_cloud_grains(c), 1000, 127, "cloud: ~50 grains/s over 20 s");
		grym_cloud_free(c);

		cp.onset_sieve = "(8@0|8@3|8@6)&(5@2)";
		cp.grid = 0.01;
		c = grym_cloud_new(&cp, 48000, 9, &err);
		for (int k = 0; k < 4; k++)
			grym_cloud_do(c, buf, 48000);
		/* 4 s = 400 grid units, 3 points per 40 -> 30 grains (k = 22..392) */
		TAP_EQ_INT(grym_cloud_grains(c), 30, "cloud on a rhythm sieve: 30 onsets in 4 s");
		grym_cloud_free(c);
		free(buf);

		cp = p.cloud;
		cp.sieve = "xx";
		c = grym_cloud_new(&cp, 48000, 9, &err);
		TAP_OK(!c && strstr(err.msg, "column 1"), "bad pitch sieve reported: %s", err.msg);
	}
	/* pitch sieve: octaves of 250 Hz (12@0) in 250..1000: energy at 250/500/1000 */
	grym_synth_params_default(&p, GRYM_SYNTH_CLOUD);
	p.freq = 250;
	p.to = 1000;
	p.cloud.sieve = "12@0";
	p.cloud.grain_min = p.cloud.grain_max = 0.1;
	p.duration = 2;
	x = gen(&p, 48000, &n, 4096);
	{
		int nfft = 8192;
		double *psd = malloc((nfft / 2 + 1) * sizeof *psd), tot = 0, on = 0;
		welch(x, n, nfft, psd);
		for (int k = 1; k <= nfft / 2; k++) {
			double f = (double)k * 48000 / nfft;
			tot += psd[k];
			if (fabs(f - 250) < 30 || fabs(f - 500) < 30 || fabs(f - 1000) < 30)
				on += psd[k];
		}
		TAP_OK(on / tot > 0.95, "pitch sieve: %.4f of the energy at 250/500/1000 Hz", on / tot);
		free(psd);
	}
	TAP_NEAR(20 * log10(peak_of(x, n)), -20, 1e-5, "cloud peak exactly -20 dBFS");
	free(x);

	/* grains cut from a source: a 440 Hz tone read at speed 1 (pitch =
	 * freq) stays 440 Hz; at pitch 2 x freq it becomes 880 Hz */
	{
		int64_t ns;
		float *src;
		grym_synth_params sp;
		grym_synth_params_default(&sp, GRYM_SYNTH_SINE);
		sp.freq = 440;
		sp.duration = 2;
		src = gen(&sp, 48000, &ns, 4096);
		for (int oct = 1; oct <= 2; oct++) {
			grym_synth_params_default(&p, GRYM_SYNTH_CLOUD);
			p.freq = 300;
			p.to = 300 * oct;
			p.cloud.sieve = oct == 1 ? "12@0" : "12@0&!(24@0)";   /* octave 1 only */
			p.cloud.source = src;
			p.cloud.source_frames = ns;
			p.cloud.source_rate = 48000;
			p.cloud.grain_min = p.cloud.grain_max = 0.1;
			p.duration = 1;
			x = gen(&p, 48000, &n, 4096);
			TAP_NEAR(fft_peak_bin(x, (int)n), 440 * oct, 10,
				 "source grains at pitch ratio %d: %d Hz", oct, 440 * oct);
			free(x);
		}
		free(src);
	}
}

static void test_errors(void)
{
	grym_synth_params p;
	grym_error err = { 0 };
	grym_synth *s;
	grym_synth_kind k;

	grym_synth_params_default(&p, GRYM_SYNTH_SINE);
	p.freq = 24000;
	s = grym_synth_new(&p, 48000, &err);
	TAP_OK(!s && err.code == GRYM_ERR_INVALID && strstr(err.msg, "freq 24000"),
	       "sine at Nyquist refused: %s", err.msg);
	p.freq = 1000;
	p.level = 1;
	s = grym_synth_new(&p, 48000, &err);
	TAP_OK(!s && strstr(err.msg, "level"), "level above 0 dBFS refused: %s", err.msg);
	TAP_EQ_INT(grym_synth_kind_parse("gendyn", &k, &err), 0, "kind 'gendyn' parses");
	TAP_EQ_INT(k, GRYM_SYNTH_GENDYN, "to GRYM_SYNTH_GENDYN");
	TAP_EQ_INT(grym_synth_kind_parse("sinus", &k, &err), GRYM_ERR_INVALID, "kind 'sinus' refused");
	TAP_EQ_STR(err.msg, "unknown generator 'sinus'", "and named");
}

static void test_recipe(void)
{
	grym_synth_params seg[2];
	json_t *r;
	char *txt;

	grym_synth_params_default(&seg[0], GRYM_SYNTH_SINE);
	grym_synth_params_default(&seg[1], GRYM_SYNTH_NOISE);
	seg[1].color = GRYM_NOISE_PINK;
	seg[1].seed = 9;
	seg[1].duration = 0.5;
	r = grym_synth_recipe(seg, 2, 44100, 2);
	txt = r ? json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	TAP_EQ_STR(txt, "{\"channels\":2,\"rate\":44100,\"segments\":[{\"duration\":1.0,"
		   "\"freq\":1000.0,\"generator\":\"sine\",\"level\":-20.0,\"phase\":0.0},"
		   "{\"color\":\"pink\",\"duration\":0.5,\"generator\":\"noise\",\"level\":-20.0,"
		   "\"seed\":9}],\"stage\":\"synth\"}",
		   "recipe names each segment's parameters, defaults included");
	free(txt);
	json_decref(r);
}

int main(void)
{
	tap_plan(109);
	test_recipe();
	test_periodic();
	test_chirp();
	test_duration_and_sequence();
	test_noise();
	test_sieve();
	test_gendyn();
	test_dist();
	test_impulse_and_cloud();
	test_errors();
	return tap_done();
}
