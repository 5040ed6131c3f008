/*
 * framer.c — sliding sample buffer with numpy.pad-exact edges.
 *
 * Every framed analysis in grym (the STFT, zero-crossing rate, RMS) reads
 * its frames from one of these, so a clip of any length streams through in
 * blocks while frame t still sees exactly what librosa's padded-then-framed
 * array holds. Samples before the first one still needed are dropped
 * lazily, when the next block arrives.
 */
#include <stdlib.h>
#include <string.h>
#include "features/framer.h"

void gf_framer_init(gf_framer *f, int frame_len, int hop, int center)
{
	memset(f, 0, sizeof *f);
	f->frame_len = frame_len;
	f->hop = hop;
	f->pad = center ? frame_len / 2 : 0;
}

void gf_framer_free(gf_framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->cap = 0;
}

void gf_framer_reset(gf_framer *f)
{
	f->start = f->fed = f->next = 0;
	f->ended = 0;
}

int64_t gf_framer_count(int frame_len, int hop, int center, int64_t n)
{
	int64_t len = n + 2 * (int64_t)(center ? frame_len / 2 : 0);
	if (len < frame_len)
		return 0;
	return 1 + (len - frame_len) / hop;
}

static int64_t frame_start(const gf_framer *f, int64_t t)
{
	return t * f->hop - f->pad;
}

/* First signal index any frame from f->next on may still read. */
static int64_t keep_from(const gf_framer *f)
{
	int64_t k = frame_start(f, f->next) - f->frame_len;
	return k < 0 ? 0 : k;
}

int gf_framer_feed(gf_framer *f, const float *x, size_t n, grym_error *err)
{
	int64_t k = keep_from(f);
	if (k > f->fed)
		k = f->fed;
	if (k > f->start) {
		size_t drop = (size_t)(k - f->start);
		size_t keep = (size_t)(f->fed - k);
		memmove(f->buf, f->buf + drop, keep * sizeof *f->buf);
		f->start = k;
	}
	size_t have = (size_t)(f->fed - f->start);
	if (have + n > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		while (cap < have + n)
			cap *= 2;
		float *nb = realloc(f->buf, cap * sizeof *nb);
		if (!nb)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for a %zu-sample buffer", cap);
		f->buf = nb;
		f->cap = cap;
	}
	if (n)
		memcpy(f->buf + have, x, n * sizeof *x);
	f->fed += (int64_t)n;
	return GRYM_OK;
}

void gf_framer_end(gf_framer *f)
{
	f->ended = 1;
}

int gf_framer_ready(const gf_framer *f)
{
	if (f->ended)
		return f->next < gf_framer_count(f->frame_len, f->hop, f->pad > 0, f->fed);
	return frame_start(f, f->next) + f->frame_len < f->fed;
}

const float *gf_framer_direct(const gf_framer *f)
{
	int64_t s = frame_start(f, f->next);
	if (s < 0 || s + f->frame_len > f->fed)
		return NULL;
	return f->buf + (s - f->start);
}

static float sample_at(const gf_framer *f, int mode, int64_t i)
{
	int64_t n = f->fed;
	if (i >= 0 && i < n)
		return f->buf[i - f->start];
	if (n == 0)
		return 0.0f;
	switch (mode) {
	case GF_PAD_EDGE:
		return f->buf[(i < 0 ? 0 : n - 1) - f->start];
	case GF_PAD_REFLECT: {
		if (n == 1)
			return f->buf[0 - f->start];
		int64_t period = 2 * (n - 1);
		int64_t j = i % period;
		if (j < 0)
			j += period;
		if (j >= n)
			j = period - j;
		return f->buf[j - f->start];
	}
	default:
		return 0.0f;
	}
}

void gf_framer_copy(const gf_framer *f, int mode, float *out)
{
	int64_t s = frame_start(f, f->next);
	const float *d = gf_framer_direct(f);
	if (d) {
		memcpy(out, d, (size_t)f->frame_len * sizeof *out);
		return;
	}
	for (int k = 0; k < f->frame_len; k++)
		out[k] = sample_at(f, mode, s + k);
}

void gf_framer_advance(gf_framer *f)
{
	f->next++;
}
