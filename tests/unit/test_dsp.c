/*
 * test_dsp.c — filters, DC removal, gain, fades, silence detection,
 * mixing, the true-peak limiter and the soxr resampler, each against an
 * analytic value (Butterworth magnitude, sine levels) or the meter.
 */
#include "grym/dsp.h"
#include "grym/loudness.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>

static void sine(float *buf, int64_t n, int ch, double rate, double f, double amp, double dc)
{
	for (int64_t i = 0; i < n; i++)
		for (int c = 0; c < ch; c++)
			buf[i * ch + c] = (float)(dc + amp * sin(2 * M_PI * f * (double)i / rate));
}

/* RMS of channel c over frames [a, b). */
static double rms(const float *buf, int64_t a, int64_t b, int ch, int c)
{
	double s = 0;
	for (int64_t i = a; i < b; i++)
		s += (double)buf[i * ch + c] * buf[i * ch + c];
	return sqrt(s / (double)(b - a));
}

/* Gain in dB of a filter at f, measured with a sine after settling. */
static double measured_db(grym_biquad_type type, int order, double rate, double fc, double f)
{
	grym_error err;
	int64_t n = (int64_t)rate;      /* 1 s */
	float *buf = malloc(sizeof(float) * 2 * (size_t)n);
	grym_filter *flt = grym_filter_new_butterworth(type, order, rate, fc, 2, &err);
	double db = NAN;
	if (buf && flt) {
		sine(buf, n, 2, rate, f, 0.5, 0);
		/* In two blocks, to check the state carries over. */
		grym_filter_process(flt, buf, n / 3);
		grym_filter_process(flt, buf + (n / 3) * 2, n - n / 3);
		db = 20 * log10(rms(buf, n / 2, n, 2, 1) / (0.5 / sqrt(2)));
	}
	free(buf);
	grym_filter_free(flt);
	return db;
}

static double butter_db(int order, double rate, double fc, double f, int high)
{
	double r = tan(M_PI * f / rate) / tan(M_PI * fc / rate);
	if (high)
		r = 1 / r;
	return -10 * log10(1 + pow(r, 2 * order));
}

static void filters(void)
{
	grym_error err;
	grym_biquad bq;

	TAP_NEAR(measured_db(GRYM_BIQUAD_LOWPASS, 2, 48000, 1000, 1000), -3.0103, 0.02,
		 "2nd-order Butterworth low-pass: -3.01 dB at cutoff");
	TAP_NEAR(measured_db(GRYM_BIQUAD_HIGHPASS, 2, 44100, 200, 200), -3.0103, 0.02,
		 "2nd-order Butterworth high-pass: -3.01 dB at cutoff");
	TAP_NEAR(measured_db(GRYM_BIQUAD_LOWPASS, 4, 48000, 1000, 1000), -3.0103, 0.02,
		 "4th-order low-pass: -3.01 dB at cutoff");
	TAP_NEAR(measured_db(GRYM_BIQUAD_LOWPASS, 4, 48000, 1000, 2000), butter_db(4, 48000, 1000, 2000, 0), 0.05,
		 "4th-order low-pass at 2 fc: %.2f dB", butter_db(4, 48000, 1000, 2000, 0));
	TAP_NEAR(measured_db(GRYM_BIQUAD_HIGHPASS, 3, 48000, 500, 250), butter_db(3, 48000, 500, 250, 1), 0.05,
		 "3rd-order high-pass at fc/2: %.2f dB", butter_db(3, 48000, 500, 250, 1));
	TAP_NEAR(measured_db(GRYM_BIQUAD_HIGHPASS, 3, 48000, 500, 500), -3.0103, 0.02,
		 "3rd-order high-pass: -3.01 dB at cutoff");
	TAP_NEAR(measured_db(GRYM_BIQUAD_LOWPASS, 2, 48000, 1000, 100), 0.0, 0.01,
		 "low-pass passband is flat");

	grym_biquad_design(&bq, GRYM_BIQUAD_PEAK, 48000, 1000, 1.0, 6.0, &err);
	TAP_NEAR(20 * log10(grym_biquad_response(&bq, 48000, 1000)), 6.0, 1e-9, "peaking EQ +6 dB at f0");
	grym_biquad_design(&bq, GRYM_BIQUAD_NOTCH, 48000, 1000, 1.0, 0, &err);
	TAP_OK(grym_biquad_response(&bq, 48000, 1000) < 1e-9, "notch is zero at f0");
	grym_biquad_design(&bq, GRYM_BIQUAD_LOWSHELF, 48000, 300, M_SQRT1_2, -6.0, &err);
	TAP_NEAR(20 * log10(grym_biquad_response(&bq, 48000, 5)), -6.0, 0.01, "low shelf -6 dB at DC");
	grym_biquad_design(&bq, GRYM_BIQUAD_HIGHSHELF, 48000, 3000, M_SQRT1_2, 4.0, &err);
	TAP_NEAR(20 * log10(grym_biquad_response(&bq, 48000, 23999)), 4.0, 0.01, "high shelf +4 dB at Nyquist");
	TAP_EQ_INT(grym_biquad_design(&bq, GRYM_BIQUAD_LOWPASS, 48000, 24000, 1, 0, &err),
		   GRYM_ERR_INVALID, "cutoff at Nyquist refused");
	TAP_OK(grym_filter_new_butterworth(GRYM_BIQUAD_HIGHPASS, 2, 8000, 5000, 1, &err) == NULL,
	       "cutoff above Nyquist refused: %s", err.msg);
	TAP_OK(grym_filter_new_butterworth(GRYM_BIQUAD_HIGHPASS, 0, 8000, 50, 1, &err) == NULL,
	       "order 0 refused");
}

static void dc(void)
{
	grym_error err;
	int64_t n = 48000 * 3;
	float *buf = malloc(sizeof(float) * 2 * (size_t)n);
	double mean = 0, off[2] = { 0.3, -0.1 };
	grym_dc_blocker *d = grym_dc_blocker_new(48000, 5, 2, &err);

	sine(buf, n, 2, 48000, 1000, 0.5, 0.3);
	grym_dc_blocker_process(d, buf, n);
	for (int64_t i = 2 * 48000; i < n; i++)
		mean += buf[i * 2];
	mean /= 48000;
	TAP_NEAR(mean, 0.0, 1e-4, "DC blocker: mean after 2 s is 0 (was 0.3)");
	TAP_NEAR(rms(buf, 2 * 48000, n, 2, 0), 0.5 / sqrt(2), 1e-3, "DC blocker keeps a 1 kHz sine");
	grym_dc_blocker_free(d);

	sine(buf, 1000, 2, 48000, 100, 0.25, 0.0);
	for (int i = 0; i < 1000; i++) {
		buf[2 * i] += 0.3f;
		buf[2 * i + 1] -= 0.1f;
	}
	grym_dsp_offset(buf, 1000, 2, off);
	TAP_NEAR(buf[2 * 0], 0.0, 1e-6, "offset removed (channel 1)");
	TAP_NEAR(buf[2 * 120 + 1], 0.25 * sin(2 * M_PI * 100 * 120 / 48000.0), 1e-6, "offset removed (channel 2)");
	free(buf);
}

static void gain_fades(void)
{
	float b[2000], w[2000];
	for (int i = 0; i < 2000; i++)
		b[i] = w[i] = 0.5f;
	grym_dsp_gain(b, 1000, 2, grym_db_to_gain(-6.0206));
	TAP_NEAR(b[7], 0.25, 1e-4, "gain -6.02 dB halves");
	TAP_NEAR(grym_gain_to_db(0.5), -6.0206, 1e-4, "gain_to_db");
	/* Fade in over 100 frames, done in blocks of 30 and whole. */
	for (int i = 0; i < 2000; i++)
		b[i] = 1.0f;
	for (int p = 0; p < 1000; p += 30)
		grym_dsp_fade_in(b + 2 * p, p + 30 <= 1000 ? 30 : 1000 - p, 2, p, 100);
	TAP_NEAR(b[0], 0.0, 1e-7, "fade in starts at 0");
	TAP_NEAR(b[2 * 50 + 1], 0.5, 1e-6, "fade in is half way at half length");
	TAP_NEAR(b[2 * 100], 1.0, 0, "after the fade in, untouched");
	for (int i = 0; i < 2000; i++)
		b[i] = 1.0f;
	grym_dsp_fade_out(b, 600, 2, 0, 101, 1000);
	grym_dsp_fade_out(b + 1200, 400, 2, 600, 101, 1000);
	TAP_NEAR(b[2 * 899], 1.0, 0, "before the fade out, untouched");
	TAP_NEAR(b[2 * 999], 0.0, 1e-7, "fade out ends at 0");
	TAP_NEAR(b[2 * 949 + 1], 0.5, 1e-6, "fade out half way");
	/* Silence detection. */
	for (int i = 0; i < 2000; i++)
		w[i] = 0.0001f;
	w[2 * 300 + 1] = 0.2f;
	w[2 * 700] = -0.2f;
	TAP_EQ_INT(grym_dsp_first_above(w, 1000, 2, 0.01f), 300, "first frame above threshold");
	TAP_EQ_INT(grym_dsp_last_above(w, 1000, 2, 0.01f), 700, "last frame above threshold");
	TAP_EQ_INT(grym_dsp_first_above(w, 1000, 2, 0.5f), -1, "none above");
}

static void mixing(void)
{
	grym_error err;
	float st[6] = { 0.2f, 0.4f, -1, 1, 0.5f, 0.0f }, mono[3], dup[6];
	float six[6] = { 0.1f, 0.2f, 0.3f, 0.9f, 0.4f, 0.5f }, two[2];

	TAP_EQ_INT(grym_mix_supported(2, 1, &err), GRYM_OK, "stereo to mono supported");
	grym_mix(st, 2, mono, 1, 3);
	TAP_NEAR(mono[0], 0.3, 1e-7, "mono is the channel mean");
	TAP_NEAR(mono[1], 0.0, 1e-7, "mono mean of opposite");
	grym_mix(mono, 1, dup, 2, 3);
	TAP_OK(dup[4] == 0.25f && dup[5] == 0.25f, "mono to stereo duplicates");
	grym_mix(six, 6, two, 2, 1);
	TAP_NEAR(two[0], 0.1 + M_SQRT1_2 * (0.3 + 0.4), 1e-6, "5.1 to stereo: left (LFE dropped)");
	TAP_NEAR(two[1], 0.2 + M_SQRT1_2 * (0.3 + 0.5), 1e-6, "5.1 to stereo: right");
	TAP_EQ_INT(grym_mix_supported(3, 2, &err), GRYM_ERR_UNSUPPORTED, "3 to 2 channels refused: %s", err.msg);
}

static void limiter(void)
{
	grym_error err;
	int rate = 48000, ch = 2;
	int64_t n = rate * 3;
	float *in = malloc(sizeof(float) * ch * (size_t)n);
	float *out = malloc(sizeof(float) * ch * (size_t)(n + 4096));
	grym_limiter *l = grym_limiter_new(rate, ch, -1.0, 5.0, 50.0, &err);
	grym_loudness *m = grym_loudness_new(rate, ch, GRYM_LOUDNESS_TRUE_PEAK, &err);
	grym_loudness_result r;
	int64_t got = 0, lat;

	/* A quiet 440 Hz tone with loud fs/4+45 degree bursts in the middle
	 * second (sample peak 0.89, true peak 1.26 = +2 dBTP). */
	for (int64_t i = 0; i < n; i++) {
		double v = 0.1 * sin(2 * M_PI * 440 * (double)i / rate);
		if (i >= rate && i < 2 * rate && (i / 2400) % 2 == 0)
			v += 1.16 * sin(2 * M_PI * (double)i / 4 + M_PI / 4);
		in[i * ch] = in[i * ch + 1] = (float)v;
	}
	lat = grym_limiter_latency(l);
	TAP_EQ_INT(lat, 24 + 240 - 1, "latency: interpolator 24 + look-ahead 240 - 1");
	for (int64_t p = 0; p < n; p += 1000) {
		int64_t k = n - p < 1000 ? n - p : 1000;
		got += grym_limiter_process(l, in + p * ch, k, out + got * ch);
	}
	got += grym_limiter_flush(l, out + got * ch);
	TAP_EQ_INT(got, n, "limiter returns as many frames as it was given");
	TAP_SETUP(grym_loudness_add_frames(m, out, got, &err));
	grym_loudness_get(m, &r);
	TAP_OK(r.true_peak_dbtp <= -1.0 + 0.05, "output true peak %.3f dBTP <= -1", r.true_peak_dbtp);
	TAP_OK(r.true_peak_dbtp > -1.5, "and the limiter does not over-reduce (%.3f)", r.true_peak_dbtp);
	TAP_NEAR(out[(rate / 2) * ch], in[(rate / 2) * ch], 1e-7, "quiet part before the bursts untouched");
	TAP_NEAR(out[(rate / 2 + 1234) * ch + 1], in[(rate / 2 + 1234) * ch + 1], 1e-7,
		 "no delay in the output");
	TAP_NEAR(out[(n - 1000) * ch], in[(n - 1000) * ch], 1e-6, "recovered after the release");
	TAP_NEAR(grym_limiter_max_reduction_db(l), -3.0, 0.2, "reduction about 3 dB (%.2f)",
		 grym_limiter_max_reduction_db(l));
	grym_limiter_free(l);
	grym_loudness_free(m);

	/* Shorter than the latency: all frames come back from flush. */
	l = grym_limiter_new(44100, 1, -1.0, 5.0, 50.0, &err);
	got = grym_limiter_process(l, in, 100, out);
	TAP_EQ_INT(got, 0, "100 frames: nothing yet");
	got = grym_limiter_flush(l, out);
	TAP_EQ_INT(got, 100, "100 frames: flushed");
	TAP_NEAR(out[50], in[50], 1e-7, "and unchanged (quiet)");
	grym_limiter_free(l);
	TAP_OK(grym_limiter_new(48000, 2, 3.0, 5, 50, &err) == NULL, "ceiling above 0 dB refused");
	free(in);
	free(out);
}

static void resampling(void)
{
	grym_error err;
	int64_t n = 44100 * 2, got, cap;
	float *in = malloc(sizeof(float) * 2 * (size_t)n), *out;
	grym_resampler *r = grym_resampler_new(44100, 48000, 2, &err);
	double maxerr = 0;

	TAP_OK(r != NULL, "resampler 44.1 -> 48 kHz (soxr)");
	if (!r) {
		tap_diag("%s", err.msg);
		free(in);
		return;
	}
	sine(in, n, 2, 44100, 1000, 0.5, 0);
	cap = grym_resampler_out_max(r, n) + 4096;
	out = malloc(sizeof(float) * 2 * (size_t)cap);
	got = 0;
	for (int64_t p = 0; p < n; p += 4410) {
		int64_t k = n - p < 4410 ? n - p : 4410;
		int64_t w = grym_resampler_process(r, in + p * 2, k, out + got * 2, cap - got, &err);
		if (w < 0) {
			TAP_OK(0, "resampler process: %s", err.msg);
			break;
		}
		got += w;
	}
	got += grym_resampler_flush(r, out + got * 2, cap - got, &err);
	TAP_NEAR((double)got, 96000, 1, "2 s at 44.1 kHz give 96000 frames at 48 kHz (%lld)", (long long)got);
	for (int64_t i = 1000; i < 95000; i++) {
		double want = 0.5 * sin(2 * M_PI * 1000 * (double)i / 48000);
		double e = fabs(out[i * 2 + 1] - want);
		if (e > maxerr)
			maxerr = e;
	}
	TAP_OK(maxerr < 1e-4, "resampled sine matches the ideal 48 kHz sine in time and level (max error %.2g)", maxerr);
	grym_resampler_free(r);
	free(out);
	free(in);
	TAP_OK(grym_resampler_new(1, 48000, 2, &err) == NULL, "1 Hz refused: %s", err.msg);
	TAP_OK(grym_resampler_new(48000, 10000000, 2, &err) == NULL, "10 MHz refused");
}

int main(void)
{
	tap_plan(53);
	filters();
	dc();
	gain_fades();
	mixing();
	limiter();
	resampling();
	return tap_done();
}
