/*
 * normalize_file.c — normalizing one audio file (grym/stage_normalize.h):
 * decode, process, measure, choose the gain, encode.
 *
 * The processing chain (normalize_chain.c) turns a decoded file into
 * the signal to normalize. Two-pass modes run the chain twice over the
 * same path: pass 1 measures (loudness meter with true peak, the trim
 * points, the sums for RMS over the trimmed range), the gain is chosen,
 * pass 2 trims, applies gain and fades, limits if asked and encodes. Nothing but blocks of 4096 frames is
 * ever in memory, so hours of audio cost the same as seconds. A pipe is
 * spooled to a temporary file first (grym_spool) — as its original
 * encoded bytes, which are smaller than float32 and let FFmpeg seek.
 *
 * True-peak ceiling: when the gain would push the measured true peak over
 * the ceiling, the gain is lowered to fit, or with `limit` the limiter
 * holds the ceiling instead; the report says which.
 */
#include "grym/audio.h"
#include "grym/dsp.h"
#include "grym/stage_normalize.h"
#include "stage/normalize_chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK NORM_BLOCK

/* ---- measuring ---- */

typedef struct pass1 {
	grym_loudness_result r;
	int64_t frames;
	int64_t first, last;    /* trim range (last inclusive), -1: none above */
	double sumsq_before_first, sumsq_through_last, sumsq;
	int rate, ch, in_bits;
} pass1;

static int run_pass1(const char *path, const grym_normalize_opts *o, double share, pass1 *p,
		     grym_error *err)
{
	norm_chain c;
	grym_loudness *m;
	int rc;
	float thr = o && !isnan(o->trim_db) ? (float)pow(10.0, o->trim_db / 20.0) : 0.0f;

	memset(p, 0, sizeof *p);
	p->first = p->last = -1;
	if ((rc = grym__norm_chain_open(&c, path, o, 0.0, share, "measuring", err)) != GRYM_OK)
		return rc;
	p->rate = c.rate;
	p->ch = c.ch;
	p->in_bits = c.in_bits;
	m = grym_loudness_new(c.rate, c.ch, GRYM_LOUDNESS_TRUE_PEAK, err);
	if (!m) {
		grym__norm_chain_close(&c);
		return err ? err->code : GRYM_ERR_NOMEM;
	}
	for (;;) {
		float *buf;
		int64_t n = grym__norm_chain_read(&c, &buf, err);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0)
			break;
		if ((rc = grym_loudness_add_frames(m, buf, n, err)) != GRYM_OK)
			break;
		/* Trim points and the running sum of squares at them. */
		int64_t f = grym_dsp_first_above(buf, n, c.ch, thr);
		if (f >= 0) {
			int64_t l = grym_dsp_last_above(buf, n, c.ch, thr);
			double s = p->sumsq;
			for (int64_t i = 0; i < (l + 1) * c.ch; i++) {
				if (i == f * c.ch && p->first < 0) {
					p->first = p->frames + f;
					p->sumsq_before_first = s;
				}
				s += (double)buf[i] * buf[i];
			}
			p->last = p->frames + l;
			p->sumsq_through_last = s;
			for (int64_t i = (l + 1) * c.ch; i < n * c.ch; i++)
				s += (double)buf[i] * buf[i];
			p->sumsq = s;
		} else {
			for (int64_t i = 0; i < n * c.ch; i++)
				p->sumsq += (double)buf[i] * buf[i];
		}
		p->frames += n;
		rc = GRYM_OK;
	}
	if (rc == GRYM_OK)
		grym_loudness_get(m, &p->r);
	grym_loudness_free(m);
	grym__norm_chain_close(&c);
	return rc;
}

int grym_normalize_measure(const char *path, const grym_normalize_opts *o,
			   grym_loudness_result *r, grym_error *err)
{
	pass1 p;
	int rc = run_pass1(path, o, 1.0, &p, err);
	if (rc == GRYM_OK)
		*r = p.r;
	return rc;
}

/* ---- normalizing ---- */

static grym_sample_format out_format(const grym_normalize_opts *o, int in_bits)
{
	int bits = o->bits;
	if (bits == 0)
		bits = in_bits == 16 || in_bits == 24 ? in_bits : 32;
	return bits == 16 ? GRYM_SAMPLE_S16 : bits == 24 ? GRYM_SAMPLE_S24 : GRYM_SAMPLE_F32;
}

const char *grym_normalize_undefined_reason(const grym_normalize_report *rep)
{
	/* A short clip is measured ungated (grym/loudness.h): only digital
	 * silence leaves it undefined. A longer one can also have every
	 * 400 ms block under the -70 LUFS absolute gate. */
	return rep->in.sample_peak > 0 ? "every block below the -70 LUFS gate" : "silence";
}

/* Choose the gain from the measurement; sets rep fields. */
static int choose_gain(const grym_normalize_opts *o, const pass1 *p, int trim,
		       grym_normalize_report *rep, grym_error *err)
{
	const grym_loudness_result *r = &p->r;
	double level = NAN;

	switch (o->mode) {
	case GRYM_GAIN_LUFS:
		level = r->integrated_lufs;
		break;
	case GRYM_GAIN_PEAK:
		level = isfinite(r->sample_peak_dbfs) ? r->sample_peak_dbfs : NAN;
		break;
	case GRYM_GAIN_RMS:
		if (trim && p->first >= 0) {
			double n = (double)(p->last - p->first + 1) * p->ch;
			double s = p->sumsq_through_last - p->sumsq_before_first;
			level = s > 0 ? 10.0 * log10(s / n) : NAN;
		} else {
			level = isfinite(r->rms_dbfs) ? r->rms_dbfs : NAN;
		}
		break;
	case GRYM_GAIN_FIXED:
		level = 0.0;
		break;
	}
	if (isnan(level)) {
		rep->silent = 1;
		if (o->silence == GRYM_SILENCE_FAIL)
			return grym_error_set(err, GRYM_ERR_FORMAT, "%s undefined (%s)",
					      o->mode == GRYM_GAIN_LUFS ? "loudness" : "level",
					      grym_normalize_undefined_reason(rep));
		if (o->silence == GRYM_SILENCE_SKIP) {
			rep->skipped = 1;
			return GRYM_OK;
		}
		rep->wanted_gain_db = rep->gain_db = 0.0;
		return GRYM_OK;
	}
	rep->wanted_gain_db = o->mode == GRYM_GAIN_FIXED ? o->target : o->target - level;
	rep->gain_db = rep->wanted_gain_db;
	if (!isnan(o->true_peak) && isfinite(r->true_peak_dbtp) &&
	    r->true_peak_dbtp + rep->gain_db > o->true_peak + 1e-9) {
		if (o->limit) {
			rep->limited = 1;
		} else {
			rep->gain_db = o->true_peak - r->true_peak_dbtp;
			rep->gain_lowered = 1;
		}
	}
	return GRYM_OK;
}

int grym_normalize_file(const char *path, const grym_normalize_opts *o,
			grym_output *out, grym_normalize_report *rep, grym_error *err)
{
	pass1 p;
	norm_chain c;
	grym_encoder *enc = NULL;
	grym_limiter *lim = NULL;
	float *lbuf = NULL;
	int rc, trim = !isnan(o->trim_db);
	int64_t pos = 0, start, end, total, done = 0;
	int64_t fade_in, fade_out;
	double gain;

	memset(rep, 0, sizeof *rep);
	memset(&c, 0, sizeof c);
	if ((rc = grym_normalize_opts_check(o, err)) != GRYM_OK)
		return rc;
	/* half for measuring, half for processing and encoding: about
	 * what they take on a lossless output */
	if ((rc = run_pass1(path, o, 0.5, &p, err)) != GRYM_OK)
		return rc;
	rep->in = p.r;
	rep->rate = p.rate;
	rep->channels = p.ch;
	rep->format = out_format(o, p.in_bits);
	if ((rc = choose_gain(o, &p, trim, rep, err)) != GRYM_OK)
		return rc;
	if (rep->skipped)
		return GRYM_OK;
	/* The frames kept: [start, end). Silence passed through is not trimmed. */
	start = 0;
	end = p.frames;
	if (trim && !rep->silent) {
		if (p.first < 0) {
			start = end = 0;
		} else {
			start = p.first;
			end = p.last + 1;
		}
	}
	rep->trimmed_start = start;
	rep->trimmed_end = p.frames - end;
	total = end - start;
	fade_in = (int64_t)llround(o->fade_in * p.rate);
	fade_out = (int64_t)llround(o->fade_out * p.rate);
	if (fade_in > total)
		fade_in = total;
	if (fade_out > total)
		fade_out = total;
	gain = grym_db_to_gain(rep->gain_db);

	if ((rc = grym__norm_chain_open(&c, path, o, 0.5, 1.0, "normalizing", err)) != GRYM_OK)
		return rc;
	enc = grym_encoder_open(out, o->type, rep->format, p.rate, p.ch,
				rep->format == GRYM_SAMPLE_S16 ? GRYM_ENCODE_DITHER : 0, o->seed, err);
	if (!enc) {
		rc = err ? err->code : GRYM_ERR_IO;
		goto done;
	}
	if (rep->limited) {
		lim = grym_limiter_new(p.rate, p.ch, o->true_peak, 5.0, 100.0, err);
		if (!lim) {
			rc = err ? err->code : GRYM_ERR_NOMEM;
			goto done;
		}
		lbuf = malloc(sizeof(float) * (size_t)(BLOCK + 16384) * p.ch);
		if (!lbuf) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto done;
		}
	}
	for (;;) {
		float *buf;
		int64_t n = grym__norm_chain_read(&c, &buf, err), a, b;
		if (n < 0) {
			rc = (int)n;
			goto done;
		}
		if (n == 0)
			break;
		/* Keep the part of [pos, pos+n) inside [start, end). */
		a = start > pos ? start - pos : 0;
		b = end < pos + n ? end - pos : n;
		pos += n;
		if (b <= a)
			continue;
		buf += a * p.ch;
		n = b - a;
		if (gain != 1.0)
			grym_dsp_gain(buf, n, p.ch, gain);
		if (fade_in > 0)
			grym_dsp_fade_in(buf, n, p.ch, done, fade_in);
		if (fade_out > 0)
			grym_dsp_fade_out(buf, n, p.ch, done, fade_out, total);
		done += n;
		if (lim) {
			/* Blocks from the chain are at most rcap frames; limit in
			 * pieces that fit lbuf. */
			for (int64_t q = 0; q < n; q += BLOCK) {
				int64_t k = n - q < BLOCK ? n - q : BLOCK;
				int64_t w = grym_limiter_process(lim, buf + q * p.ch, k, lbuf);
				if ((rc = grym_encoder_write(enc, lbuf, w, err)) != GRYM_OK)
					goto done;
				rep->frames_out += w;
			}
		} else {
			if ((rc = grym_encoder_write(enc, buf, n, err)) != GRYM_OK)
				goto done;
			rep->frames_out += n;
		}
	}
	if (lim) {
		int64_t w = grym_limiter_flush(lim, lbuf);
		if ((rc = grym_encoder_write(enc, lbuf, w, err)) != GRYM_OK)
			goto done;
		rep->frames_out += w;
		rep->limiter_db = grym_limiter_max_reduction_db(lim);
	}
	rc = GRYM_OK;
done:
	if (enc) {
		grym_error cerr;
		int crc = grym_encoder_close(enc, &cerr);
		if (rc == GRYM_OK && crc != GRYM_OK) {
			rc = crc;
			if (err)
				*err = cerr;
		}
	}
	grym_limiter_free(lim);
	free(lbuf);
	grym__norm_chain_close(&c);
	return rc;
}
