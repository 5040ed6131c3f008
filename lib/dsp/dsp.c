/*
 * dsp.c — the stateless sample operations of grym/dsp.h: gain, DC
 * offset, fades, silence detection and channel mixing. Each works on a
 * block of interleaved frames, so they stream over any length.
 */
#include "grym/dsp.h"

#include <math.h>
#include <string.h>

double grym_db_to_gain(double db)
{
	return pow(10.0, db / 20.0);
}

double grym_gain_to_db(double gain)
{
	return gain > 0.0 ? 20.0 * log10(gain) : -INFINITY;
}

void grym_dsp_gain(float *frames, int64_t n, int channels, double gain)
{
	float g = (float)gain;
	for (int64_t i = 0; i < n * channels; i++)
		frames[i] *= g;
}

void grym_dsp_offset(float *frames, int64_t n, int channels, const double *offset)
{
	for (int64_t i = 0; i < n; i++)
		for (int c = 0; c < channels; c++)
			frames[i * channels + c] = (float)(frames[i * channels + c] - offset[c]);
}

/* Raised cosine from 0 (k = 0) to 1 (k = len). */
static double ramp(int64_t k, int64_t len)
{
	return 0.5 - 0.5 * cos(M_PI * (double)k / (double)len);
}

void grym_dsp_fade_in(float *frames, int64_t n, int channels, int64_t pos, int64_t len)
{
	for (int64_t i = 0; i < n && pos + i < len; i++) {
		float g = (float)ramp(pos + i, len);
		for (int c = 0; c < channels; c++)
			frames[i * channels + c] *= g;
	}
}

void grym_dsp_fade_out(float *frames, int64_t n, int channels, int64_t pos, int64_t len,
		       int64_t total)
{
	int64_t start = total - len;
	for (int64_t i = 0; i < n; i++) {
		int64_t f = pos + i;
		if (f < start)
			continue;
		/* The last frame reaches 0. */
		float g = (float)ramp(total - 1 - f, len > 1 ? len - 1 : 1);
		if (f >= total)
			g = 0.0f;
		for (int c = 0; c < channels; c++)
			frames[i * channels + c] *= g;
	}
}

int64_t grym_dsp_first_above(const float *frames, int64_t n, int channels, float threshold)
{
	for (int64_t i = 0; i < n; i++)
		for (int c = 0; c < channels; c++)
			if (fabsf(frames[i * channels + c]) > threshold)
				return i;
	return -1;
}

int64_t grym_dsp_last_above(const float *frames, int64_t n, int channels, float threshold)
{
	for (int64_t i = n - 1; i >= 0; i--)
		for (int c = 0; c < channels; c++)
			if (fabsf(frames[i * channels + c]) > threshold)
				return i;
	return -1;
}

int grym_mix_supported(int in_ch, int out_ch, grym_error *err)
{
	if (in_ch < 1 || out_ch < 1 || in_ch > 64 || out_ch > 64)
		return grym_error_set(err, GRYM_ERR_INVALID, "channels: %d to %d", in_ch, out_ch);
	if (in_ch == out_ch || out_ch == 1 || in_ch == 1 || (in_ch == 6 && out_ch == 2))
		return GRYM_OK;
	return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
			      "cannot map %d channels to %d (supported: to 1, from 1, 5.1 to 2)",
			      in_ch, out_ch);
}

void grym_mix(const float *in, int in_ch, float *out, int out_ch, int64_t n)
{
	if (in_ch == out_ch) {
		if (in != out)
			memmove(out, in, sizeof *in * (size_t)(n * in_ch));
	} else if (out_ch == 1) {
		double k = 1.0 / in_ch;
		for (int64_t i = 0; i < n; i++) {
			double s = 0.0;
			for (int c = 0; c < in_ch; c++)
				s += in[i * in_ch + c];
			out[i] = (float)(s * k);
		}
	} else if (in_ch == 1) {
		for (int64_t i = n - 1; i >= 0; i--)    /* backwards: safe in place */
			for (int c = 0; c < out_ch; c++)
				out[i * out_ch + c] = in[i];
	} else if (in_ch == 6 && out_ch == 2) {
		const double k = M_SQRT1_2;
		for (int64_t i = 0; i < n; i++) {
			const float *f = in + i * 6;    /* FL FR FC LFE SL SR */
			double l = f[0] + k * f[2] + k * f[4];
			double r = f[1] + k * f[2] + k * f[5];
			out[2 * i] = (float)l;
			out[2 * i + 1] = (float)r;
		}
	}
}
