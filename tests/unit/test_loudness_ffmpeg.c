/*
 * test_loudness_ffmpeg.c — the meter against ffmpeg's ebur128 filter on
 * music-like material: pink noise and a few tones under changing
 * envelopes (quiet intro, loud section, tremolo, fade), at 44.1 and 48
 * kHz, stereo and mono. Written to a float WAV here, measured by both.
 */
#include "grym/loudness.h"
#include "tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double white(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* Music-like signal, n frames, ch channels. */
static void make_music(float *buf, int64_t n, int ch, int rate)
{
	double b[2][7] = { { 0 } };
	for (int64_t i = 0; i < n; i++) {
		double t = (double)i / rate, env;
		if (t < 5)
			env = 0.05;                             /* quiet intro */
		else if (t < 15)
			env = 0.3;                              /* loud section */
		else if (t < 25)
			env = 0.15 * (1 + 0.8 * sin(2 * M_PI * 0.5 * t));   /* tremolo */
		else
			env = 0.2 * (30 - t) / 5;               /* fade */
		for (int c = 0; c < ch; c++) {
			double *p = b[c % 2], w = white();
			/* Paul Kellet's pink noise filter. */
			p[0] = 0.99886 * p[0] + w * 0.0555179;
			p[1] = 0.99332 * p[1] + w * 0.0750759;
			p[2] = 0.96900 * p[2] + w * 0.1538520;
			p[3] = 0.86650 * p[3] + w * 0.3104856;
			p[4] = 0.55000 * p[4] + w * 0.5329522;
			p[5] = -0.7616 * p[5] - w * 0.0168980;
			double pink = (p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6] + w * 0.5362) * 0.11;
			p[6] = w * 0.115926;
			double tones = 0.5 * sin(2 * M_PI * 220 * t) + 0.3 * sin(2 * M_PI * 277.2 * t + c)
				+ 0.2 * sin(2 * M_PI * 329.6 * t) + 0.1 * sin(2 * M_PI * 3520 * t);
			buf[i * ch + c] = (float)(env * (0.6 * pink + 0.5 * tones));
		}
	}
}

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

static int write_float_wav(const char *path, const float *buf, int64_t n, int ch, int rate)
{
	FILE *f = fopen(path, "wb");
	uint32_t data = (uint32_t)(n * ch * 4);
	if (!f)
		return -1;
	fwrite("RIFF", 1, 4, f); put32(f, 36 + data); fwrite("WAVE", 1, 4, f);
	fwrite("fmt ", 1, 4, f); put32(f, 16); put16(f, 3); put16(f, (uint16_t)ch);
	put32(f, (uint32_t)rate); put32(f, (uint32_t)(rate * ch * 4)); put16(f, (uint16_t)(ch * 4));
	put16(f, 32);
	fwrite("data", 1, 4, f); put32(f, data);
	fwrite(buf, 4, (size_t)(n * ch), f);
	return fclose(f);
}

/* Run ffmpeg's ebur128 on path; parse its summary. */
static int ffmpeg_measure(const char *path, double *i, double *lra, double *tp)
{
	char cmd[1024], line[512];
	FILE *p;
	int got = 0, in_tp = 0;

	snprintf(cmd, sizeof cmd,
		 "ffmpeg -nostdin -hide_banner -nostats -i '%s' -af ebur128=peak=true -f null - 2>&1", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof line, p)) {
		char *s = line;
		while (*s == ' ')
			s++;
		if (strncmp(s, "True peak:", 10) == 0)
			in_tp = 1;
		if (sscanf(s, "I: %lf LUFS", i) == 1)
			got |= 1;
		else if (sscanf(s, "LRA: %lf LU", lra) == 1)
			got |= 2;
		else if (in_tp && sscanf(s, "Peak: %lf dBFS", tp) == 1)
			got |= 4;
	}
	pclose(p);
	return got == 7 ? 0 : -1;
}

static void compare(int rate, int ch)
{
	char path[512];
	int64_t n = (int64_t)rate * 30;
	float *buf = malloc(sizeof(float) * (size_t)(n * ch));
	grym_error err;
	grym_loudness *m = grym_loudness_new(rate, ch, GRYM_LOUDNESS_TRUE_PEAK, &err);
	grym_loudness_result r;
	double fi = NAN, flra = NAN, ftp = NAN;

	make_music(buf, n, ch, rate);
	snprintf(path, sizeof path, "%s/music-%d-%d.wav", tap_tmpdir(), rate, ch);
	write_float_wav(path, buf, n, ch, rate);
	for (int64_t p = 0; p < n; p += 4096)
		TAP_SETUP(grym_loudness_add_frames(m, buf + p * ch, n - p < 4096 ? n - p : 4096, &err));
	grym_loudness_get(m, &r);
	if (ffmpeg_measure(path, &fi, &flra, &ftp) != 0) {
		TAP_OK(0, "ffmpeg ebur128 ran on %s", path);
	} else {
		TAP_NEAR(r.integrated_lufs, fi, 0.1, "%d Hz %d ch: integrated %.2f vs ffmpeg %.1f LUFS",
			 rate, ch, r.integrated_lufs, fi);
		/* LRA percentiles sit in the steep fade here, where one
		 * short-term block of rank rounding moves them by ~0.3 LU;
		 * both meters read the Tech 3342 cases exactly. */
		TAP_NEAR(r.loudness_range_lu, flra, 0.5, "%d Hz %d ch: LRA %.2f vs ffmpeg %.1f LU",
			 rate, ch, r.loudness_range_lu, flra);
		/* ffmpeg's short interpolator reads up to ~0.6 dB high. */
		TAP_OK(r.true_peak_dbtp <= ftp + 0.1 && r.true_peak_dbtp >= ftp - 0.7,
		       "%d Hz %d ch: true peak %.2f vs ffmpeg %.1f dBTP", rate, ch, r.true_peak_dbtp, ftp);
		TAP_OK(r.true_peak_dbtp >= r.sample_peak_dbfs, "true peak >= sample peak");
	}
	grym_loudness_free(m);
	free(buf);
}

int main(void)
{
	tap_plan(13);
	/* ffmpeg is the reference meter: without it this test fails */
	if (!TAP_OK(system("ffmpeg -version >/dev/null 2>&1") == 0, "ffmpeg is installed (the reference meter)"))
		return tap_done();
	compare(44100, 2);
	compare(48000, 2);
	compare(48000, 1);
	return tap_done();
}
