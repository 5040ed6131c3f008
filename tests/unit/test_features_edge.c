/*
 * test_features_edge.c — the engine's contracts beyond the librosa
 * fixtures: edge padding against a direct DFT, streaming in any block
 * size, deltas of polynomials, mel scales, silence, NaN/Inf, absurd
 * parameters, sample rates 8 kHz..192 kHz, threads.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "grym/features.h"

static float *noise(int64_t n, unsigned seed)
{
	float *x = malloc((size_t)n * sizeof *x + 4);
	uint32_t s = seed * 2654435761u + 1;
	for (int64_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * 0.8f;
	}
	return x;
}

/* numpy.pad reflect of x at padded index i (signal coordinates) */
static double reflect_at(const float *x, int64_t n, int64_t i)
{
	while (i < 0 || i >= n)
		i = i < 0 ? -i : 2 * (n - 1) - i;
	return x[i];
}

static void test_stft_direct(grym_pad_mode pad, int center, int n_fft, int hop, int win, int64_t n)
{
	float *x = noise(n, 7);
	grym_stft_params p = { n_fft, hop, win, GRYM_WINDOW_HANN, center, pad };
	grym_error err = { 0 };
	grym_fmat m;
	int rc = grym_spectrogram(x, n, &p, GRYM_SPEC_COMPLEX, &m, &err);
	TAP_OK(rc == GRYM_OK, "spectrogram %s center %d n_fft %d win %d n %lld", grym_pad_mode_name(pad),
	       center, n_fft, win, (long long)n);
	double *w = malloc((size_t)n_fft * sizeof *w);
	TAP_SETUP(grym_window_fill(GRYM_WINDOW_HANN, win ? win : n_fft, n_fft, w, NULL));
	int64_t frames = center ? 1 + n / hop : 1 + (n - n_fft) / hop;
	TAP_EQ_INT(m.frames, frames, "frame count");
	int bins = n_fft / 2 + 1, pad_n = center ? n_fft / 2 : 0;
	double worst = 0;
	for (int64_t t = 0; t < m.frames; t++)
		for (int k = 0; k < bins; k += 7) {
			double re = 0, im = 0;
			for (int j = 0; j < n_fft; j++) {
				int64_t i = t * hop - pad_n + j;
				double v = (i >= 0 && i < n) ? x[i] : (pad == GRYM_PAD_REFLECT ? reflect_at(x, n, i) : 0);
				re += w[j] * v * cos(2 * M_PI * k * j / n_fft);
				im -= w[j] * v * sin(2 * M_PI * k * j / n_fft);
			}
			double d = hypot(m.data[(t * bins + k) * 2] - re, m.data[(t * bins + k) * 2 + 1] - im);
			if (d > worst)
				worst = d;
		}
	TAP_OK(worst < 2e-6, "matches a direct DFT of the numpy-padded signal to float32 rounding (worst %.3g)", worst);
	free(w);
	free(x);
	grym_fmat_clear(&m);
}

static void test_streaming_blocks(void)
{
	int64_t n = 30000;
	float *x = noise(n, 3);
	grym_stft *s = grym_stft_new(1024, 300, 800, GRYM_WINDOW_BLACKMAN, 1, GRYM_PAD_REFLECT, NULL);
	int bins = grym_stft_bins(s);
	float *whole = malloc((size_t)grym_stft_frames(s, n) * bins * sizeof *whole);
	TAP_SETUP(grym_stft_process(s, x, n, GRYM_SPEC_POWER, whole, NULL));
	double *row = malloc((size_t)bins * sizeof *row);
	static const size_t blocks[] = { 1, 17, 511, 4096 };
	for (int b = 0; b < 4; b++) {
		grym_stft_reset(s);
		int64_t t = 0, bad = 0;
		for (int64_t off = 0; off <= n; off += (int64_t)blocks[b]) {
			size_t m = off + (int64_t)blocks[b] > n ? (size_t)(n - off) : blocks[b];
			if (m)
				TAP_SETUP(grym_stft_feed(s, x + off, m, NULL));
			if (off + (int64_t)m >= n)
				TAP_SETUP(grym_stft_end(s, NULL));
			while (grym_stft_next(s, GRYM_SPEC_POWER, row) == 1) {
				for (int k = 0; k < bins; k++)
					if ((float)row[k] != whole[t * bins + k])
						bad++;
				t++;
			}
			if (off + (int64_t)m >= n)
				break;
		}
		TAP_OK(bad == 0 && t == grym_stft_frames(s, n),
		       "blocks of %zu give the same %lld frames bit for bit", blocks[b], (long long)t);
	}
	free(row);
	free(whole);
	free(x);
	grym_stft_free(s);
}

static void test_delta(void)
{
	int T = 20, d = 2;
	float in[40], out[40];
	for (int t = 0; t < T; t++) {
		in[t * d] = 3.0f * t + 1;           /* slope 3 */
		in[t * d + 1] = 0.5f * t * t;       /* second derivative 1 */
	}
	grym_error err = { 0 };
	TAP_EQ_INT(grym_delta(in, T, d, 1, out, &err), GRYM_OK, "delta order 1");
	int ok = 1;
	for (int t = 0; t < T; t++)
		ok &= fabs(out[t * d] - 3.0) < 1e-5;
	TAP_OK(ok, "delta of a line is its slope on every frame, edges included");
	TAP_SETUP(grym_delta(in, T, d, 2, out, &err));
	ok = 1;
	for (int t = 0; t < T; t++)
		ok &= fabs(out[t * d + 1] - 1.0) < 1e-4 && fabs(out[t * d]) < 1e-4;
	TAP_OK(ok, "delta2 of t^2/2 is 1 and of a line 0");
	/* delta of t^2/2 is t on interior frames, frame 4's value on frames 0..3 */
	TAP_SETUP(grym_delta(in, T, d, 1, out, &err));
	TAP_NEAR(out[0 * d + 1], 4.0, 1e-4, "interp mode: frame 0 takes frame 4's delta");
	TAP_NEAR(out[10 * d + 1], 10.0, 1e-4, "interior delta of t^2/2 at t=10 is 10");
	TAP_NEAR(out[19 * d + 1], 15.0, 1e-4, "last frame takes frame T-5's delta");
	TAP_EQ_INT(grym_delta(in, 8, d, 1, out, &err), GRYM_ERR_INVALID, "8 frames is an error");
	TAP_OK(strstr(err.msg, "9 frames") != NULL, "message names the 9-frame minimum: %s", err.msg);
}

static void test_mel_scales(void)
{
	TAP_NEAR(grym_hz_to_mel(440, 0), 6.6, 1e-12, "slaney hz_to_mel(440) = 6.6");
	TAP_NEAR(grym_hz_to_mel(1000, 0), 15.0, 1e-12, "slaney hz_to_mel(1000) = 15");
	TAP_NEAR(grym_hz_to_mel(440, 1), 2595.0 * log10(1 + 440 / 700.0), 1e-9, "htk hz_to_mel(440)");
	TAP_NEAR(grym_mel_to_hz(grym_hz_to_mel(5000, 0), 0), 5000, 1e-9, "slaney round trip at 5 kHz");
	TAP_NEAR(grym_mel_to_hz(grym_hz_to_mel(5000, 1), 1), 5000, 1e-9, "htk round trip at 5 kHz");
	grym_error err = { 0 };
	grym_melbank *m = grym_mel_filterbank(22050, 2048, 128, 0, 0, 0, GRYM_MEL_NORM_SLANEY, &err);
	int nz = 0;
	const float *w = grym_melbank_dense(m);
	for (int i = 0; i < 128 * 1025; i++)
		nz += w[i] != 0;
	TAP_OK(nz < 0.03 * 128 * 1025, "the default bank is over 97%% zeros (%d nonzero)", nz);
	TAP_EQ_INT(grym_melbank_empty(m), 0, "no empty filter at 128 mels / 2048");
	grym_melbank_free(m);
	/* norm none: triangles peak at (nearly) 1 */
	m = grym_mel_filterbank(16000, 4096, 40, 0, 8000, 1, GRYM_MEL_NORM_NONE, &err);
	float mx = 0;
	w = grym_melbank_dense(m);
	for (int k = 0; k < 2049; k++)
		if (w[20 * 2049 + k] > mx)
			mx = w[20 * 2049 + k];
	TAP_OK(mx > 0.9f && mx <= 1.0f, "HTK, no norm: filter peak %.4f near 1", mx);
	grym_melbank_free(m);
	m = grym_mel_filterbank(22050, 256, 128, 0, 0, 0, GRYM_MEL_NORM_SLANEY, &err);
	TAP_OK(m && grym_melbank_empty(m) > 0, "more mels than bins: empty filters kept as zero rows (%d)",
	       m ? grym_melbank_empty(m) : -1);
	grym_melbank_free(m);
	TAP_OK(grym_mel_filterbank(22050, 2048, 128, 0, 20000, 0, GRYM_MEL_NORM_SLANEY, &err) == NULL,
	       "fmax above Nyquist is an error: %s", err.msg);
}

static int count_bad(const grym_fmat *m)
{
	int bad = 0;
	for (int64_t i = 0; i < m->frames * m->dims; i++)
		bad += !isfinite(m->data[i]);
	return bad;
}

static void test_silence_and_rates(void)
{
	static const int rates[] = { 8000, 16000, 22050, 44100, 48000, 96000, 192000 };
	for (int r = 0; r < 7; r++) {
		int rate = rates[r];
		int64_t n = rate;
		float *x = calloc((size_t)n, sizeof *x);
		grym_features_opts o;
		grym_features_opts_default(&o);
		int allok = 1, nan = 0;
		for (int f = 0; f < GRYM_FEAT_COUNT; f++) {
			grym_fmat m;
			grym_error err = { 0 };
			int rc = grym_features_compute(x, n, rate, &o, (grym_feature)f, &m, &err);
			if (f == GRYM_FEAT_CONTRAST && rate <= 12800) {
				TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "12800"),
				       "contrast at %d Hz refuses naming 12800 Hz: %s", rate, err.msg);
				continue;
			}
			if (rc)
				allok = 0, tap_diag("  %d Hz %s: %s", rate, grym_feature_name((grym_feature)f), err.msg);
			else
				nan += count_bad(&m);
			if (rc == GRYM_OK && f == GRYM_FEAT_FLATNESS)
				TAP_NEAR(m.data[3], 1.0, 1e-6, "silence at %d Hz: flatness 1", rate);
			if (rc == GRYM_OK && f == GRYM_FEAT_LOGMEL)
				TAP_NEAR(m.data[5], -100.0, 1e-4, "silence at %d Hz: log-mel at amin, -100 dB", rate);
			grym_fmat_clear(&m);
		}
		TAP_OK(allok && nan == 0, "silence at %d Hz: every feature computes, no NaN/Inf", rate);
		free(x);
	}
}

static void test_bad_input(void)
{
	grym_features_opts o;
	grym_features_opts_default(&o);
	grym_error err = { 0 };
	float x[4096];
	memset(x, 0, sizeof x);
	grym_fmat m;
	x[1000] = NAN;
	TAP_EQ_INT(grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_MFCC, &m, &err), GRYM_ERR_INVALID,
		   "a NaN sample is an error");
	TAP_OK(strstr(err.msg, "sample 1000 is NaN") != NULL, "naming it: %s", err.msg);
	x[1000] = INFINITY;
	/* fails like the NaN above; what is checked here is the message */
	(void)!grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_RMS, &m, &err);
	TAP_OK(strstr(err.msg, "sample 1000 is infinite") != NULL, "infinity too: %s", err.msg);
	x[1000] = 0;
	TAP_EQ_INT(grym_features_compute(x, 0, 22050, &o, GRYM_FEAT_MFCC, &m, &err), GRYM_ERR_INVALID,
		   "no samples is an error (%s)", err.msg);
	o.stft.n_fft = 0;
	TAP_EQ_INT(grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_MEL, &m, &err), GRYM_ERR_INVALID,
		   "n_fft 0 refused: %s", err.msg);
	TAP_OK(strstr(err.msg, "n_fft") != NULL, "the message names n_fft");
	grym_features_opts_default(&o);
	o.stft.hop = 0;
	TAP_EQ_INT(grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_MEL, &m, &err), GRYM_ERR_INVALID,
		   "hop 0 refused: %s", err.msg);
	o.stft.hop = 100000;   /* hop larger than the file: one centred frame */
	TAP_EQ_INT(grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_MEL, &m, &err), GRYM_OK,
		   "hop larger than the file gives frames");
	TAP_EQ_INT(m.frames, 1, "exactly one frame (1 + n / hop)");
	grym_fmat_clear(&m);
	grym_features_opts_default(&o);
	o.stft.center = 0;
	TAP_EQ_INT(grym_features_compute(x, 1000, 22050, &o, GRYM_FEAT_MEL, &m, &err), GRYM_ERR_INVALID,
		   "shorter than one frame without centring is an error: %s", err.msg);
	grym_features_opts_default(&o);
	TAP_EQ_INT(grym_features_compute(x, 1000, 22050, &o, GRYM_FEAT_MFCC_DELTA, &m, &err),
		   GRYM_ERR_INVALID, "deltas of 2 frames refused: %s", err.msg);
	o.n_mfcc = 200;
	TAP_EQ_INT(grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_MFCC, &m, &err), GRYM_ERR_INVALID,
		   "more MFCCs than mels refused: %s", err.msg);
	grym_features_opts_default(&o);
	o.mel.n_mels = 2000;  /* more mels than the 1025 bins: librosa's zero rows */
	TAP_EQ_INT(grym_features_compute(x, 4096, 22050, &o, GRYM_FEAT_MEL, &m, &err), GRYM_OK,
		   "more mels than FFT bins computes (empty filters give 0)");
	TAP_EQ_INT(m.dims, 2000, "2000 mel dims");
	grym_fmat_clear(&m);
	grym_feature f;
	TAP_EQ_INT(grym_feature_lookup("mfcc_delta2", &f, &err), GRYM_OK, "lookup mfcc_delta2");
	TAP_EQ_INT(f, GRYM_FEAT_MFCC_DELTA2, "its id");
	TAP_EQ_INT(grym_feature_lookup("mfc", &f, &err), GRYM_ERR_INVALID, "unknown name refused");
}

/* tone: centroid near its frequency, rms of a sine amplitude a is a/sqrt2 */
static void test_analytic(void)
{
	int rate = 16000;
	int64_t n = rate;
	float *x = malloc((size_t)n * sizeof *x);
	for (int64_t i = 0; i < n; i++)
		x[i] = 0.5f * (float)sin(2 * M_PI * 1000.0 * i / rate);
	grym_features_opts o;
	grym_features_opts_default(&o);
	grym_fmat m;
	TAP_SETUP(grym_features_compute(x, n, rate, &o, GRYM_FEAT_RMS, &m, NULL));
	TAP_NEAR(m.data[10], 0.5 / sqrt(2.0), 1e-4, "RMS of a 0.5 sine");
	grym_fmat_clear(&m);
	TAP_SETUP(grym_features_compute(x, n, rate, &o, GRYM_FEAT_CENTROID, &m, NULL));
	TAP_NEAR(m.data[10], 1000.0, 5.0, "centroid of a 1 kHz sine");
	grym_fmat_clear(&m);
	TAP_SETUP(grym_features_compute(x, n, rate, &o, GRYM_FEAT_ZCR, &m, NULL));
	TAP_NEAR(m.data[10], 2000.0 / rate, 1.5 / 2048, "zcr of a 1 kHz sine is 2 kHz / rate");
	grym_fmat_clear(&m);
	free(x);
}

struct job {
	const float *x;
	int64_t n;
	grym_fmat m;
	int rc;
};

static void *run_job(void *p)
{
	struct job *j = p;
	grym_features_opts o;
	grym_features_opts_default(&o);
	j->rc = grym_features_compute(j->x, j->n, 44100, &o, GRYM_FEAT_MFCC, &j->m, NULL);
	return NULL;
}

static void test_threads(void)
{
	int64_t n = 44100 * 3;
	float *x = noise(n, 11);
	struct job j[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		j[i].x = x;
		j[i].n = n;
		j[i].rc = -1;
		pthread_create(&th[i], NULL, run_job, &j[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	int same = 1;
	for (int i = 0; i < 4; i++) {
		same &= j[i].rc == GRYM_OK && j[i].m.frames == j[0].m.frames &&
			!memcmp(j[i].m.data, j[0].m.data, (size_t)j[0].m.frames * j[0].m.dims * sizeof(float));
	}
	TAP_OK(same, "four threads at once give identical MFCCs");
	for (int i = 0; i < 4; i++)
		grym_fmat_clear(&j[i].m);
	free(x);
}


static void test_summary(void)
{
	grym_fmat m;
	TAP_SETUP(grym_fmat_alloc(&m, 10, 2, NULL));
	for (int t = 0; t < 10; t++) {
		m.data[t * 2] = (float)(10 - t);      /* 10..1, unsorted for the percentiles */
		m.data[t * 2 + 1] = 3.0f;
	}
	grym_stat st[GRYM_STAT_COUNT];
	int n = 0;
	grym_error err = { 0 };
	TAP_EQ_INT(grym_stats_parse("mean,std,min,max,p10,p50,p90", st, &n, &err), GRYM_OK, "parse all stats");
	TAP_EQ_INT(n, 7, "seven of them");
	float out[14];
	TAP_EQ_INT(grym_fmat_summary(&m, 0, 10, st, n, out, &err), GRYM_OK, "summary");
	TAP_NEAR(out[0], 5.5, 1e-6, "mean of 1..10");
	TAP_NEAR(out[2], sqrt(8.25), 1e-6, "population std of 1..10");
	TAP_NEAR(out[4], 1, 0, "min");
	TAP_NEAR(out[6], 10, 0, "max");
	TAP_NEAR(out[8], 1.9, 1e-6, "p10 as numpy.percentile (linear)");
	TAP_NEAR(out[10], 5.5, 1e-6, "p50");
	TAP_NEAR(out[12], 9.1, 1e-6, "p90");
	TAP_NEAR(out[1], 3, 0, "constant column mean");
	TAP_NEAR(out[3], 0, 0, "constant column std 0");
	TAP_EQ_INT(grym_fmat_summary(&m, 2, 5, st, 1, out, &err), GRYM_OK, "a window of rows");
	TAP_NEAR(out[0], 7.0, 1e-6, "mean of rows 2..4 (8, 7, 6)");
	TAP_EQ_INT(grym_fmat_summary(&m, 5, 5, st, 1, out, &err), GRYM_ERR_INVALID, "empty window refused");
	TAP_EQ_INT(grym_stats_parse("mean,median", st, &n, &err), GRYM_ERR_INVALID, "unknown stat refused");
	TAP_OK(strstr(err.msg, "median") != NULL, "naming it: %s", err.msg);
	TAP_EQ_INT(grym_stats_parse("std,std", st, &n, &err), GRYM_ERR_INVALID, "duplicate refused");
	grym_fmat_clear(&m);
}

/* chroma, onset, yin and tempo through the extractor: shapes and a tone */
static void test_pitch_features(void)
{
	int rate = 22050;
	int64_t n = 3 * rate;
	float *x = malloc((size_t)n * sizeof *x);
	for (int64_t i = 0; i < n; i++)
		x[i] = 0.5f * (float)sin(2 * M_PI * 440.0 * i / rate);
	grym_features_opts o;
	grym_features_opts_default(&o);
	grym_fmat m;
	grym_error err = { 0 };
	TAP_EQ_INT(grym_features_compute(x, n, rate, &o, GRYM_FEAT_YIN, &m, &err), GRYM_OK, "yin computes");
	TAP_EQ_INT(m.dims, 2, "yin has f0 and voiced");
	TAP_NEAR(m.data[20 * 2], 440.0, 2.0, "yin reads 440 Hz");
	TAP_NEAR(m.data[20 * 2 + 1], 1.0, 0, "voiced");
	grym_fmat_clear(&m);
	o.tuning = 0;
	TAP_EQ_INT(grym_features_compute(x, n, rate, &o, GRYM_FEAT_CHROMA, &m, &err), GRYM_OK, "chroma computes");
	TAP_NEAR(m.data[20 * 12 + 9], 1.0, 1e-6, "A is the loudest pitch class");
	grym_fmat_clear(&m);
	TAP_EQ_INT(grym_features_compute(x, n, rate, &o, GRYM_FEAT_TEMPO, &m, &err), GRYM_OK, "tempo computes");
	TAP_EQ_INT(m.frames, 1, "one tempo row per clip");
	TAP_OK(m.data[0] > 0 && isfinite(m.data[0]), "a finite BPM (%g)", m.data[0]);
	grym_fmat_clear(&m);
	free(x);
}


/* --top-db none: MFCCs are made in the first pass; they must equal the
 * DCT of the unfloored log-mel */
static void test_top_db_none(void)
{
	int64_t n = 22050 * 8;   /* 345 frames: more than one block of 256 */
	float *x = noise(n, 5);
	for (int64_t i = 0; i < n / 2; i++)
		x[i] *= 1e-6f;   /* a quiet half, so the 80 dB floor would matter */
	grym_features_opts o;
	grym_features_opts_default(&o);
	o.db.top_db = -1;
	grym_fmat lm, mf, fl;
	grym_error err = { 0 };
	TAP_EQ_INT(grym_features_compute(x, n, 22050, &o, GRYM_FEAT_LOGMEL, &lm, &err), GRYM_OK, "logmel, top_db none");
	TAP_EQ_INT(grym_features_compute(x, n, 22050, &o, GRYM_FEAT_MFCC, &mf, &err), GRYM_OK, "mfcc, top_db none");
	grym_dct *d = grym_dct_new(128, 20, 0, &err);
	float *ref = malloc((size_t)lm.frames * 20 * sizeof *ref);
	grym_dct_apply(d, lm.data, lm.frames, ref);
	double worst = mf.frames == lm.frames ? 0 : 1e9;
	for (int64_t i = 0; i < lm.frames * 20 && worst < 1e9; i++)
		if (fabs(ref[i] - mf.data[i]) > worst)
			worst = fabs(ref[i] - mf.data[i]);
	TAP_OK(worst < 1e-3, "one-pass MFCC equals the DCT of the log-mel (worst %.3g)", worst);
	grym_features_opts_default(&o);
	TAP_SETUP(grym_features_compute(x, n, 22050, &o, GRYM_FEAT_MFCC, &fl, &err));
	TAP_OK(memcmp(fl.data, mf.data, (size_t)lm.frames * 20 * sizeof *ref) != 0,
	       "and differs from the floored (top_db 80) MFCC on this clip");
	free(ref);
	grym_dct_free(d);
	grym_fmat_clear(&lm);
	grym_fmat_clear(&mf);
	grym_fmat_clear(&fl);
	free(x);
}

int main(void)
{
	tap_plan(108);
	test_stft_direct(GRYM_PAD_CONSTANT, 1, 64, 16, 0, 300);
	test_stft_direct(GRYM_PAD_REFLECT, 1, 64, 16, 0, 300);
	test_stft_direct(GRYM_PAD_REFLECT, 1, 64, 10, 40, 20);   /* pad longer than the signal */
	test_stft_direct(GRYM_PAD_CONSTANT, 0, 64, 16, 48, 300);
	test_streaming_blocks();
	test_delta();
	test_mel_scales();
	test_silence_and_rates();
	test_bad_input();
	test_analytic();
	test_threads();
	test_summary();
	test_pitch_features();
	test_top_db_none();
	return tap_done();
}
