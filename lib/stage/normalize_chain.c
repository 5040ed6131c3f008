/*
 * normalize_chain.c — the processing chain of the normalize stage
 * (normalize_chain.h): decode, mix the channels, resample, remove DC,
 * filter; one block at a time, reporting the position as progress.
 */
#include "stage/normalize_chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void grym__norm_chain_close(norm_chain *c)
{
	grym_decoder_close(c->dec);
	grym_resampler_free(c->rs);
	grym_dc_blocker_free(c->dc);
	grym_filter_free(c->hp);
	grym_filter_free(c->lp);
	free(c->dbuf);
	free(c->mbuf);
	free(c->rbuf);
	memset(c, 0, sizeof *c);
}

int grym__norm_chain_open(norm_chain *c, const char *path, const grym_normalize_opts *o,
			  double lo, double hi, const char *what, grym_error *err)
{
	const grym_audio_info *info;
	grym_decode_opts dopts;

	memset(c, 0, sizeof *c);
	memset(&dopts, 0, sizeof dopts);
	dopts.cancel = o ? o->cancel : NULL;
	grym_ticker_init(&c->tick, dopts.cancel, o ? o->progress : NULL, o ? o->progress_ud : NULL);
	c->lo = lo;
	c->hi = hi;
	c->what = what;
	c->dec = grym_decoder_open(path, &dopts, err);
	if (!c->dec)
		return err ? err->code : GRYM_ERR_FORMAT;
	info = grym_decoder_info(c->dec);
	c->in_bits = info->bits;
	c->in_ch = grym_decoder_channels(c->dec);
	c->in_rate = grym_decoder_rate(c->dec);
	c->ch = o && o->channels > 0 ? o->channels : c->in_ch;
	c->rate = o && o->rate > 0 ? o->rate : c->in_rate;
	if (c->in_rate < GRYM_LOUDNESS_RATE_MIN || c->in_rate > GRYM_LOUDNESS_RATE_MAX) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "sample rate %d Hz not supported (%d..%d Hz)",
			       c->in_rate, GRYM_LOUDNESS_RATE_MIN, GRYM_LOUDNESS_RATE_MAX);
		goto fail;
	}
	if (c->in_ch < 1 || c->in_ch > GRYM_LOUDNESS_CHANNELS_MAX) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "%d channels not supported (1..%d)",
			       c->in_ch, GRYM_LOUDNESS_CHANNELS_MAX);
		goto fail;
	}
	if (grym_mix_supported(c->in_ch, c->ch, err) != GRYM_OK)
		goto fail;
	c->dbuf = malloc(sizeof(float) * NORM_BLOCK * (size_t)c->in_ch);
	c->mbuf = malloc(sizeof(float) * NORM_BLOCK * (size_t)(c->in_ch > c->ch ? c->in_ch : c->ch));
	if (!c->dbuf || !c->mbuf)
		goto nomem;
	if (c->rate != c->in_rate) {
		c->rs = grym_resampler_new(c->in_rate, c->rate, c->ch, err);
		if (!c->rs)
			goto fail;
		c->rcap = grym_resampler_out_max(c->rs, NORM_BLOCK) + NORM_BLOCK;
		c->rbuf = malloc(sizeof(float) * (size_t)(c->rcap * c->ch));
		if (!c->rbuf)
			goto nomem;
	}
	if (o && o->dc && !(c->dc = grym_dc_blocker_new(c->rate, 5.0, c->ch, err)))
		goto fail;
	if (o && o->highpass > 0 &&
	    !(c->hp = grym_filter_new_butterworth(GRYM_BIQUAD_HIGHPASS, o->order, c->rate,
						  o->highpass, c->ch, err))) {
		grym_error_prefix(err, GRYM_ERR_INVALID, "--highpass");
		goto fail;
	}
	if (o && o->lowpass > 0 &&
	    !(c->lp = grym_filter_new_butterworth(GRYM_BIQUAD_LOWPASS, o->order, c->rate,
						  o->lowpass, c->ch, err))) {
		grym_error_prefix(err, GRYM_ERR_INVALID, "--lowpass");
		goto fail;
	}
	return GRYM_OK;
nomem:
	grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
fail:
	grym__norm_chain_close(c);
	return err ? err->code : GRYM_ERR_INVALID;
}

int64_t grym__norm_chain_read(norm_chain *c, float **out, grym_error *err)
{
	for (;;) {
		int64_t n = 0;
		float *p;

		if (c->flushed) {
			/* the pass is done: its share of the progress, once */
			if (c->hi > c->tick.last)
				grym_ticker_report(&c->tick, c->hi, c->what);
			return 0;
		}
		/* Checked once a block: a signal ends a long file within
		 * milliseconds, and the caller removes its temporaries. */
		if (grym_ticker_check(&c->tick, err))
			return GRYM_ERR_CANCELLED;
		if (grym_ticker_due(&c->tick)) {
			double sec, f = grym_decoder_progress(c->dec, &sec);
			char msg[64];
			if (f >= 0) {
				grym_ticker_report(&c->tick, c->lo + f * (c->hi - c->lo), c->what);
			} else {
				snprintf(msg, sizeof msg, "%s %.0f s", c->what, sec);
				grym_ticker_report(&c->tick, -1, msg);
			}
		}
		if (!c->eof) {
			n = grym_decoder_read(c->dec, c->dbuf, NORM_BLOCK, err);
			if (n < 0)
				return n;
			if (n == 0)
				c->eof = 1;
		}
		if (n > 0) {
			grym_mix(c->dbuf, c->in_ch, c->mbuf, c->ch, n);
			p = c->mbuf;
			if (c->rs) {
				n = grym_resampler_process(c->rs, p, n, c->rbuf, c->rcap, err);
				if (n < 0)
					return n;
				p = c->rbuf;
			}
		} else {
			/* End of input: drain the resampler once. */
			c->flushed = 1;
			if (!c->rs)
				continue;   /* reported above */
			n = grym_resampler_flush(c->rs, c->rbuf, c->rcap, err);
			if (n < 0)
				return n;
			p = c->rbuf;
		}
		if (n == 0)
			continue;
		for (int64_t i = 0; i < n * c->ch; i++) {
			if (!isfinite(p[i]))
				return grym_error_set(err, GRYM_ERR_FORMAT,
						      "non-finite sample (NaN or Inf) at %.3f s",
						      (double)(c->pos + i / c->ch) / c->rate);
		}
		c->pos += n;
		if (c->dc)
			grym_dc_blocker_process(c->dc, p, n);
		if (c->hp)
			grym_filter_process(c->hp, p, n);
		if (c->lp)
			grym_filter_process(c->lp, p, n);
		*out = p;
		return n;
	}
}
