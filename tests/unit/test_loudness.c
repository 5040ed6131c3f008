/*
 * test_loudness.c — the BS.1770 / R128 meter against the EBU conformance
 * signals (Tech 3341 cases 1-5, Tech 3342 cases 1-4, synthesized here at
 * 48 and 44.1 kHz), the true-peak cases modelled on Tech 3341 15-18
 * (which only pass with a good oversampling interpolator), and analytic
 * levels (mono -20 dBFS sine, RMS of a full-scale sine, silence, DC).
 * A mutation check runs the true-peak cases again with the oversampler
 * turned off and wants them to fail, so they are known to exercise it.
 */
#include "grym/loudness.h"
#include "dsp/loudness_int.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

typedef struct segment {
	double dbfs;        /* peak level of the 1 kHz sine per channel */
	double seconds;
} segment;

/* Feed a stereo (or mono) 1 kHz sine sequence, phase-continuous, in
 * blocks of an odd size so the meter's block boundaries are exercised. */
static int feed_segments(grym_loudness *m, int rate, int channels, const segment *seg,
			 int nseg)
{
	grym_error err;
	enum { BLOCK = 1237 };
	float *buf = malloc(sizeof(float) * BLOCK * channels);
	int64_t t = 0;

	if (!m || !buf) {
		free(buf);
		return -1;
	}
	for (int s = 0; s < nseg; s++) {
		double amp = pow(10.0, seg[s].dbfs / 20.0);
		int64_t n = (int64_t)llround(seg[s].seconds * rate);
		while (n > 0) {
			int64_t k = n < BLOCK ? n : BLOCK;
			for (int64_t i = 0; i < k; i++) {
				float v = (float)(amp * sin(2.0 * M_PI * 1000.0 * (double)(t + i) / rate));
				for (int c = 0; c < channels; c++)
					buf[i * channels + c] = v;
			}
			if (grym_loudness_add_frames(m, buf, k, &err) != GRYM_OK) {
				free(buf);
				return -1;
			}
			t += k;
			n -= k;
		}
	}
	free(buf);
	return 0;
}

static int measure_segments(int rate, int channels, const segment *seg, int nseg,
			    grym_loudness_result *r)
{
	grym_error err;
	grym_loudness *m = grym_loudness_new(rate, channels, GRYM_LOUDNESS_TRUE_PEAK, &err);
	int rc = feed_segments(m, rate, channels, seg, nseg);

	if (rc == 0)
		grym_loudness_get(m, r);
	grym_loudness_free(m);
	return rc;
}

/* The single-value getters on Tech 3341 case 1 (stereo 1 kHz at -23 dBFS,
 * 20 s: M, S and I are -23.0 +-0.1 LUFS) and Tech 3342 case 1 (LRA 10
 * LU), and a channel weight: with the right channel's weight 0 the same
 * stereo tone measures as one channel, 3.01 dB below. */
static void getters(int rate)
{
	static const segment s1[] = { { -23, 20 } };
	static const segment l1[] = { { -20, 20 }, { -30, 20 } };
	grym_error err;
	grym_loudness *m = grym_loudness_new(rate, 2, 0, &err);
	grym_loudness_result r;

	TAP_OK(feed_segments(m, rate, 2, s1, 1) == 0, "3341-1 at %d Hz fed", rate);
	grym_loudness_get(m, &r);
	TAP_NEAR(grym_loudness_momentary(m), -23.0, 0.1, "3341-1 at %d Hz: momentary", rate);
	TAP_NEAR(grym_loudness_shortterm(m), -23.0, 0.1, "3341-1 at %d Hz: short-term", rate);
	TAP_OK(grym_loudness_integrated(m) == r.integrated_lufs,
	       "3341-1 at %d Hz: grym_loudness_integrated is the result's", rate);
	TAP_OK(grym_loudness_set_weight(m, 1, 0.0, &err) == GRYM_ERR_INVALID,
	       "a weight after the first frames is refused: %s", err.msg);
	grym_loudness_free(m);

	m = grym_loudness_new(rate, 2, 0, &err);
	TAP_OK(feed_segments(m, rate, 2, l1, 2) == 0, "3342-1 at %d Hz fed", rate);
	grym_loudness_get(m, &r);
	TAP_NEAR(grym_loudness_range(m), 10.0, 1.0, "3342-1 at %d Hz: grym_loudness_range", rate);
	TAP_OK(grym_loudness_range(m) == r.loudness_range_lu, "the same as the result's LRA");
	grym_loudness_free(m);

	m = grym_loudness_new(rate, 2, 0, &err);
	TAP_OK(m && grym_loudness_set_weight(m, 1, 0.0, &err) == GRYM_OK, "right channel weight 0");
	TAP_OK(feed_segments(m, rate, 2, s1, 1) == 0, "weighted 3341-1 at %d Hz fed", rate);
	TAP_NEAR(grym_loudness_integrated(m), -23.0 - 10 * log10(2.0), 0.1,
		 "left channel alone: integrated %.2f LUFS", grym_loudness_integrated(m));
	grym_loudness_free(m);
}

static void conformance(int rate)
{
	static const segment s1[] = { { -23, 20 } };
	static const segment s2[] = { { -33, 20 } };
	static const segment s3[] = { { -36, 10 }, { -23, 60 }, { -36, 10 } };
	static const segment s4[] = { { -72, 10 }, { -36, 10 }, { -23, 60 }, { -36, 10 }, { -72, 10 } };
	static const segment s5[] = { { -26, 20 }, { -20, 20.1 }, { -26, 20 } };
	static const segment l1[] = { { -20, 20 }, { -30, 20 } };
	static const segment l2[] = { { -20, 20 }, { -15, 20 } };
	static const segment l3[] = { { -40, 20 }, { -20, 20 } };
	static const segment l4[] = { { -50, 20 }, { -35, 20 }, { -20, 20 }, { -35, 20 }, { -50, 20 } };
	static const struct { const segment *s; int n; double want; const char *name; } integ[] = {
		{ s1, 1, -23.0, "3341-1" }, { s2, 1, -33.0, "3341-2" }, { s3, 3, -23.0, "3341-3" },
		{ s4, 5, -23.0, "3341-4" }, { s5, 3, -23.0, "3341-5" },
	}, lra[] = {
		{ l1, 2, 10.0, "3342-1" }, { l2, 2, 5.0, "3342-2" }, { l3, 2, 20.0, "3342-3" },
		{ l4, 5, 15.0, "3342-4" },
	};
	grym_loudness_result r;

	for (size_t i = 0; i < sizeof integ / sizeof integ[0]; i++) {
		int rc = measure_segments(rate, 2, integ[i].s, integ[i].n, &r);
		TAP_OK(rc == 0, "%s at %d Hz measured", integ[i].name, rate);
		TAP_NEAR(r.integrated_lufs, integ[i].want, 0.1, "%s at %d Hz: integrated %.2f LUFS",
			 integ[i].name, rate, integ[i].want);
	}
	for (size_t i = 0; i < sizeof lra / sizeof lra[0]; i++) {
		int rc = measure_segments(rate, 2, lra[i].s, lra[i].n, &r);
		TAP_OK(rc == 0, "%s at %d Hz measured", lra[i].name, rate);
		TAP_NEAR(r.loudness_range_lu, lra[i].want, 1.0, "%s at %d Hz: LRA %.0f LU",
			 lra[i].name, rate, lra[i].want);
	}
}

/* Stereo sine of amplitude 0.5 at rate/div with a phase offset: the true
 * peak of the steady tone is -6.02 dBTP wherever the samples fall.
 *
 * The tone is ramped in and out over 10 ms (raised cosine). A sine that
 * starts abruptly from digital silence really does overshoot when
 * reconstructed (the ringing of the step: the ideal band-limited signal
 * of the fs/8 case reaches -5.29 dBTP near its first samples), so the
 * steady-state value Tech 3341 expects is only defined without that step;
 * abrupt_edges() checks the meter against the ideal reconstruction there. */
static void make_tone(float *buf, int n, int div, double phase_deg, int ramp)
{
	for (int i = 0; i < n; i++) {
		double g = 1.0;
		if (i < ramp)
			g = 0.5 - 0.5 * cos(M_PI * i / ramp);
		if (n - 1 - i < ramp)
			g = 0.5 - 0.5 * cos(M_PI * (n - 1 - i) / ramp);
		float v = (float)(g * 0.5 * sin(2.0 * M_PI * i / div + phase_deg * M_PI / 180.0));
		buf[2 * i] = buf[2 * i + 1] = v;
	}
}

/* The true peak the meter reads on a tone of make_tone(), its true-peak
 * oversampling forced to factor (0: the meter's own choice). Returns 0 and
 * fills r, or -1. With buf, the tone is left there (n stereo frames). */
static int tone_peak(int div, double phase_deg, int ramp, int n, int factor,
		     grym_loudness_result *r, float *buf)
{
	grym_error err;
	grym_loudness *m = grym__loudness_new_tp_factor(48000, 2, GRYM_LOUDNESS_TRUE_PEAK, factor, &err);
	float *x = buf ? buf : malloc(sizeof(float) * 2 * (size_t)n);
	int rc = -1;

	if (m && x) {
		make_tone(x, n, div, phase_deg, ramp);
		if (grym_loudness_add_frames(m, x, n, &err) == GRYM_OK) {
			grym_loudness_get(m, r);
			rc = 0;
		}
	}
	if (!buf)
		free(x);
	grym_loudness_free(m);
	return rc;
}

/* The steady tone cases: the peak of the tone is -6.02 dBTP. */
#define TP_WANT (20.0 * log10(0.5))
#define TP_ABOVE 0.2            /* the Tech 3341 tolerance: +0.2 */
#define TP_BELOW 0.4            /* and -0.4 dB */

static void true_peak_case(int div, double phase_deg, double want_sample_db)
{
	int rate = 48000, n = rate;
	grym_loudness_result r;
	double want = TP_WANT;

	if (!TAP_OK(tone_peak(div, phase_deg, rate / 100, n, 0, &r, NULL) == 0,
		    "true peak fs/%d at %g deg: measured", div, phase_deg)) {
		TAP_OK(0, "true peak fs/%d at %g deg within 0.01 dB", div, phase_deg);
		TAP_OK(0, "sample peak fs/%d at %g deg", div, phase_deg);
		return;
	}
	TAP_OK(r.true_peak_dbtp <= want + TP_ABOVE && r.true_peak_dbtp >= want - TP_BELOW,
	       "true peak fs/%d at %g deg: %.3f dBTP (want %.2f +0.2/-0.4)",
	       div, phase_deg, r.true_peak_dbtp, want);
	TAP_NEAR(r.true_peak_dbtp, want, 0.01, "true peak fs/%d at %g deg within 0.01 dB", div, phase_deg);
	TAP_NEAR(r.sample_peak_dbfs, want_sample_db, 0.01, "sample peak fs/%d at %g deg: %.2f dBFS",
		 div, phase_deg, want_sample_db);
}

/* Ideal (infinite sinc) reconstruction of x at time t, in samples. */
static double ideal_at(const float *x, int n, double t)
{
	double s = 0.0;
	for (int i = 0; i < n; i++) {
		double u = t - i;
		s += x[2 * i] * (fabs(u) < 1e-12 ? 1.0 : sin(M_PI * u) / (M_PI * u));
	}
	return s;
}

/* The true peak the meter (oversampling factor as in tone_peak) reads on
 * a tone starting and ending abruptly, and the ideal reconstruction's
 * peak on the meter's 4x grid near both edges (the middle is 0.5), in
 * dB. Returns 0, or -1. */
static int abrupt_peak(int div, double phase_deg, int factor, double *meter_db, double *ideal_db)
{
	int n = 48000 / 4;
	float *buf = malloc(sizeof(float) * 2 * (size_t)n);
	grym_loudness_result r;
	double ideal = 0.0;

	if (!buf || tone_peak(div, phase_deg, 0, n, factor, &r, buf) != 0) {
		free(buf);
		return -1;
	}
	for (int k = -4 * 24; k < 4 * 200; k++) {
		double a = fabs(ideal_at(buf, n, k / 4.0));
		double b = fabs(ideal_at(buf, n, n - 1 - k / 4.0));
		ideal = fmax(ideal, fmax(a, b));
	}
	*meter_db = r.true_peak_dbtp;
	*ideal_db = 20 * log10(ideal);
	free(buf);
	return 0;
}

#define ABRUPT_TOL 0.05

static void abrupt_edges(int div, double phase_deg)
{
	double meter = NAN, ideal = NAN;
	int rc = abrupt_peak(div, phase_deg, 0, &meter, &ideal);

	TAP_OK(rc == 0 && fabs(meter - ideal) <= ABRUPT_TOL,
	       "abrupt fs/%d at %g deg: meter %.3f dBTP = ideal reconstruction %.3f",
	       div, phase_deg, meter, ideal);
}

/* Mutation check: the true-peak cases above, with the meter's oversampler
 * turned off (factor 1: the true peak is the sample peak), must fail; a
 * case that still passed would not show that the oversampler works. The
 * fs/4-at-0-degree case is the exception that shows why: its samples sit
 * on the crests, so it passes without oversampling and proves nothing on
 * its own. */
static void without_oversampling(void)
{
	static const struct { int div; double phase; } steady[] = {
		{ 4, 45.0 }, { 6, 60.0 }, { 8, 67.5 },
	}, abrupt[] = {
		{ 8, 67.5 }, { 4, 45.0 },
	};
	grym_error err;
	grym_loudness_result r;
	grym_truepeak *t;

	t = grym__truepeak_new_factor(48000, 2, 1, &err);
	TAP_OK(t && grym_truepeak_factor(t) == 1, "the oversampler can be turned off at 48 kHz (factor %d)",
	       t ? grym_truepeak_factor(t) : -1);
	grym_truepeak_free(t);
	t = grym__truepeak_new_factor(48000, 2, 0, &err);
	TAP_OK(t && grym_truepeak_factor(t) == 4, "the meter's own choice at 48 kHz is 4x (factor %d)",
	       t ? grym_truepeak_factor(t) : -1);
	grym_truepeak_free(t);

	for (size_t i = 0; i < sizeof steady / sizeof steady[0]; i++) {
		int div = steady[i].div;
		double ph = steady[i].phase;
		int rc = tone_peak(div, ph, 48000 / 100, 48000, 1, &r, NULL);
		TAP_OK(rc == 0 && (r.true_peak_dbtp > TP_WANT + TP_ABOVE || r.true_peak_dbtp < TP_WANT - TP_BELOW),
		       "without oversampling fs/%d at %g deg fails its case: %.3f dBTP, outside %.2f +0.2/-0.4",
		       div, ph, rc == 0 ? r.true_peak_dbtp : NAN, TP_WANT);
	}
	for (size_t i = 0; i < sizeof abrupt / sizeof abrupt[0]; i++) {
		double meter = NAN, ideal = NAN;
		int rc = abrupt_peak(abrupt[i].div, abrupt[i].phase, 1, &meter, &ideal);
		TAP_OK(rc == 0 && fabs(meter - ideal) > ABRUPT_TOL,
		       "without oversampling abrupt fs/%d at %g deg fails its case: meter %.3f, ideal %.3f dBTP",
		       abrupt[i].div, abrupt[i].phase, meter, ideal);
	}
	/* the exception */
	int rc = tone_peak(4, 0.0, 48000 / 100, 48000, 1, &r, NULL);
	TAP_OK(rc == 0 && fabs(r.true_peak_dbtp - TP_WANT) <= 0.01,
	       "without oversampling fs/4 at 0 deg still reads %.3f dBTP: alone it would prove nothing",
	       rc == 0 ? r.true_peak_dbtp : NAN);
}

static void levels(void)
{
	grym_error err;
	grym_loudness_result r;
	static const segment mono[] = { { -20, 10 } };
	static const segment full[] = { { 0, 5 } };

	measure_segments(48000, 1, mono, 1, &r);
	TAP_NEAR(r.integrated_lufs, -23.0, 0.05, "mono 1 kHz -20 dBFS reads -23 LUFS");
	measure_segments(44100, 1, mono, 1, &r);
	TAP_NEAR(r.integrated_lufs, -23.0, 0.05, "mono at 44.1 kHz reads -23 LUFS");
	measure_segments(48000, 2, full, 1, &r);
	TAP_NEAR(r.rms_dbfs, -3.0103, 0.005, "RMS of a full-scale sine is -3.01 dB");
	TAP_NEAR(r.sample_peak_dbfs, 0.0, 0.001, "sample peak of a full-scale sine is 0 dBFS");

	/* Silence: loudness undefined, levels -inf, nothing divides by zero. */
	grym_loudness *m = grym_loudness_new(48000, 2, GRYM_LOUDNESS_TRUE_PEAK, &err);
	float *z = calloc(2 * 48000, sizeof *z);
	for (int i = 0; i < 5; i++)
		TAP_SETUP(grym_loudness_add_frames(m, z, 48000, &err));
	grym_loudness_get(m, &r);
	TAP_OK(isnan(r.integrated_lufs), "silence: integrated undefined (NaN)");
	TAP_OK(isnan(r.loudness_range_lu), "silence: LRA undefined (NaN)");
	TAP_OK(isinf(r.sample_peak_dbfs) && r.sample_peak_dbfs < 0, "silence: sample peak -inf");
	TAP_OK(isinf(r.true_peak_dbtp) && r.true_peak_dbtp < 0, "silence: true peak -inf");
	TAP_OK(isinf(r.rms_dbfs) && r.rms_dbfs < 0, "silence: rms -inf");
	TAP_EQ_INT(r.frames, 5 * 48000, "frames counted");
	grym_loudness_free(m);

	/* Under 400 ms: no momentary block, so no gated loudness; the clip is
	 * measured ungated over all its samples (a spoken word is not
	 * silence), and says so. */
	m = grym_loudness_new(48000, 1, 0, &err);
	for (int i = 0; i < 100; i++)
		z[i] = 0.5f;
	TAP_SETUP(grym_loudness_add_frames(m, z, 100, &err));
	grym_loudness_get(m, &r);
	TAP_OK(isfinite(r.integrated_lufs) && r.short_clip, "100 samples: short clip, ungated loudness %.2f",
	       r.integrated_lufs);
	TAP_NEAR(r.sample_peak_dbfs, 20 * log10(0.5), 1e-6, "100 samples: sample peak");
	TAP_OK(isnan(r.true_peak_dbtp), "true peak NaN when not asked for");
	grym_loudness_free(m);

	/* 0.25 s of a -6 dBFS 997 Hz sine: a full-scale sine is -3.01 LUFS,
	 * so -9.03 (the K-weighting gain at 997 Hz is 0 dB within 0.01). */
	m = grym_loudness_new(48000, 1, 0, &err);
	for (int i = 0; i < 12000; i++)
		z[i] = (float)(0.5 * sin(2 * M_PI * 997.0 * i / 48000));
	TAP_SETUP(grym_loudness_add_frames(m, z, 12000, &err));
	grym_loudness_get(m, &r);
	TAP_OK(r.short_clip, "0.25 s: short_clip");
	TAP_NEAR(r.integrated_lufs, 20 * log10(0.5) - 3.0103, 0.05,
		 "0.25 s sine at -6 dBFS: ungated loudness of the whole clip");
	TAP_NEAR(grym_loudness_integrated(m), r.integrated_lufs, 1e-12, "the same from grym_loudness_integrated");
	grym_loudness_free(m);
	m = grym_loudness_new(48000, 1, 0, &err);
	TAP_SETUP(grym_loudness_add_frames(m, z, 12000, &err));
	TAP_SETUP(grym_loudness_add_frames(m, z, 12000, &err));   /* 0.5 s: one gated block and more */
	grym_loudness_get(m, &r);
	TAP_OK(!r.short_clip, "0.5 s: not a short clip");
	TAP_NEAR(r.integrated_lufs, 20 * log10(0.5) - 3.0103, 0.1, "0.5 s: gated loudness as before");
	grym_loudness_free(m);
	memset(z, 0, 12000 * sizeof *z);
	m = grym_loudness_new(48000, 1, 0, &err);
	TAP_SETUP(grym_loudness_add_frames(m, z, 12000, &err));
	grym_loudness_get(m, &r);
	TAP_OK(r.short_clip && isnan(r.integrated_lufs), "0.25 s of digital silence: still undefined");
	grym_loudness_free(m);

	/* DC offset per channel, and NaN input refused without side effects. */
	m = grym_loudness_new(8000, 2, 0, &err);
	for (int i = 0; i < 8000; i++) {
		z[2 * i] = 0.25f + 0.5f * (float)sin(2 * M_PI * 100 * i / 8000.0);
		z[2 * i + 1] = -0.125f;
	}
	TAP_EQ_INT(grym_loudness_add_frames(m, z, 8000, &err), GRYM_OK, "8 kHz accepted");
	TAP_NEAR(grym_loudness_dc(m, 0), 0.25, 1e-6, "DC offset of channel 1");
	TAP_NEAR(grym_loudness_dc(m, 1), -0.125, 1e-6, "DC offset of channel 2");
	z[777] = NAN;
	TAP_EQ_INT(grym_loudness_add_frames(m, z, 8000, &err), GRYM_ERR_FORMAT, "NaN refused");
	TAP_OK(strstr(err.msg, "non-finite sample at frame 8388") != NULL, "message names the frame: %s", err.msg);
	TAP_EQ_INT(grym_loudness_frames(m), 8000, "meter unchanged by the refused block");
	z[777] = INFINITY;
	TAP_EQ_INT(grym_loudness_add_frames(m, z, 8000, &err), GRYM_ERR_FORMAT, "Inf refused");
	grym_loudness_free(m);
	free(z);

	TAP_OK(grym_loudness_new(1, 2, 0, &err) == NULL && err.code == GRYM_ERR_INVALID,
	       "1 Hz refused: %s", err.msg);
	TAP_OK(grym_loudness_new(10000000, 2, 0, &err) == NULL && err.code == GRYM_ERR_INVALID,
	       "10 MHz refused");
	TAP_OK(grym_loudness_new(48000, 0, 0, &err) == NULL, "0 channels refused");
	TAP_OK(grym_loudness_new(48000, 65, 0, &err) == NULL, "65 channels refused");
}

/* 5.1: LFE weight 0, surrounds 1.41 (+1.5 dB). */
static void surround(void)
{
	grym_error err;
	grym_loudness_result r;
	int rate = 48000, n = rate * 5;
	float *buf = calloc((size_t)n * 6, sizeof *buf);
	double amp = pow(10.0, -23.0 / 20.0);

	for (int ch = 3; ch <= 4; ch++) {
		grym_loudness *m = grym_loudness_new(rate, 6, 0, &err);
		for (int i = 0; i < n; i++)
			buf[i * 6 + ch] = (float)(amp * sin(2 * M_PI * 1000.0 * i / rate));
		TAP_SETUP(grym_loudness_add_frames(m, buf, n, &err));
		grym_loudness_get(m, &r);
		if (ch == 3)
			TAP_OK(isnan(r.integrated_lufs), "5.1: LFE alone does not count");
		else
			TAP_NEAR(r.integrated_lufs, -26.0 + 10 * log10(1.41), 0.05,
				 "5.1: left surround weighted 1.41");
		for (int i = 0; i < n; i++)
			buf[i * 6 + ch] = 0;
		grym_loudness_free(m);
	}
	free(buf);
}

int main(void)
{
	tap_plan(105);
	conformance(48000);
	conformance(44100);
	getters(48000);
	true_peak_case(4, 0.0, 20 * log10(0.5));
	true_peak_case(4, 45.0, 20 * log10(0.5 * sin(M_PI / 4)));
	true_peak_case(6, 60.0, 20 * log10(0.5 * sin(M_PI / 3)));
	true_peak_case(8, 67.5, 20 * log10(0.5 * sin(67.5 * M_PI / 180)));
	abrupt_edges(8, 67.5);
	abrupt_edges(4, 45.0);
	without_oversampling();
	levels();
	surround();
	return tap_done();
}
