/*
 * resample.c — streaming sample-rate conversion through libswresample
 * with the soxr engine (grym/dsp.h).
 *
 * Debian's FFmpeg is built with libsoxr, whose resampler is among the
 * best there is; swresample's own is used by nobody here. Precision is
 * soxr's 28-bit ("very high quality") setting. The wrapper only turns
 * swresample's int counts and pointer-to-pointer calls into grym's
 * frame counts and error values.
 */
#include "grym/audio.h"
#include "grym/dsp.h"
#include "audio/ffmpeg_quiet.h"

#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <limits.h>
#include <stdlib.h>

struct grym_resampler {
	SwrContext *swr;
	int in_rate, out_rate, channels;
};

static int av_fail(grym_error *err, int ret, const char *what)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];
	av_strerror(ret, buf, sizeof buf);
	return grym_error_set(err, ret == AVERROR(ENOMEM) ? GRYM_ERR_NOMEM : GRYM_ERR_INTERNAL,
			      "resampler: %s: %s", what, buf);
}

grym_resampler *grym_resampler_new(int in_rate, int out_rate, int channels,
				   grym_error *err)
{
	grym_resampler *r;
	AVChannelLayout lay;
	int ret;

	if (in_rate < 1000 || in_rate > 768000 || out_rate < 1000 || out_rate > 768000) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "resampler: rates %d -> %d Hz outside 1000..768000 Hz", in_rate, out_rate);
		return NULL;
	}
	if (channels < 1 || channels > GRYM_MAX_CHANNELS) {
		grym_error_set(err, GRYM_ERR_INVALID, "resampler: %d channels", channels);
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		grym_error_set(err, GRYM_ERR_NOMEM, "resampler: out of memory");
		return NULL;
	}
	r->in_rate = in_rate;
	r->out_rate = out_rate;
	r->channels = channels;
	grym__ffmpeg_quiet();   /* swresample logs its failures through av_log */
	av_channel_layout_default(&lay, channels);
	ret = swr_alloc_set_opts2(&r->swr, &lay, AV_SAMPLE_FMT_FLT, out_rate,
				  &lay, AV_SAMPLE_FMT_FLT, in_rate, 0, NULL);
	av_channel_layout_uninit(&lay);
	if (ret < 0)
		goto fail;
	if ((ret = av_opt_set(r->swr, "resampler", "soxr", 0)) < 0 ||
	    (ret = av_opt_set_int(r->swr, "precision", 28, 0)) < 0)
		goto fail;
	if ((ret = swr_init(r->swr)) < 0)
		goto fail;
	return r;
fail:
	av_fail(err, ret, "setup");
	grym_resampler_free(r);
	return NULL;
}

void grym_resampler_free(grym_resampler *r)
{
	if (!r)
		return;
	swr_free(&r->swr);
	free(r);
}

int64_t grym_resampler_out_max(const grym_resampler *r, int64_t n)
{
	/* Output for n frames plus what is buffered, rounded up, with slack
	 * for soxr's filter delay. */
	int64_t delay = swr_get_delay(r->swr, r->in_rate);
	return (int64_t)(((double)(n + delay) * r->out_rate) / r->in_rate) + 64;
}

int64_t grym_resampler_process(grym_resampler *r, const float *in, int64_t n,
			       float *out, int64_t out_cap, grym_error *err)
{
	int64_t total = 0;

	do {
		int chunk = n > INT_MAX / 4 / r->channels ? INT_MAX / 4 / r->channels : (int)n;
		int cap = out_cap - total > INT_MAX / 4 / r->channels ?
			INT_MAX / 4 / r->channels : (int)(out_cap - total);
		const uint8_t *ip = (const uint8_t *)in;
		uint8_t *op = (uint8_t *)(out + total * r->channels);
		int ret = swr_convert(r->swr, &op, cap, in ? &ip : NULL, in ? chunk : 0);
		if (ret < 0)
			return av_fail(err, ret, "convert");
		total += ret;
		if (!in)
			break;
		in += (size_t)chunk * r->channels;
		n -= chunk;
	} while (n > 0);
	return total;
}

int64_t grym_resampler_flush(grym_resampler *r, float *out, int64_t out_cap,
			     grym_error *err)
{
	int64_t total = 0;
	for (;;) {
		int64_t got = grym_resampler_process(r, NULL, 0, out + total * r->channels,
						     out_cap - total, err);
		if (got < 0)
			return got;
		if (got == 0 || total + got >= out_cap) {
			total += got;
			break;
		}
		total += got;
	}
	return total;
}
