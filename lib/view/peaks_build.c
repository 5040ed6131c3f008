/*
 * peaks_build.c — the peaks pyramid (grym/view.h) from one streaming
 * decode: min/max of every GRYM_PEAKS_BUCKET frames per channel (level 0,
 * written to the store writer as it is made), and of every
 * GRYM_PEAKS_FACTOR buckets of the level below (levels 1..., kept in
 * memory: a third of level 0 together), then the trailer (peaks.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"
#include "peaks.h"
#include "core/error_int.h"
#include "grym/progress.h"

typedef struct level {
	float *data;             /* levels >= 1: buckets x channels x 2 */
	int64_t n, cap;          /* buckets */
	float *acc;              /* the bucket being folded from the level below */
	int count;               /* buckets folded into acc */
} level;

typedef struct builder {
	int channels;
	level lv[PEAKS_MAX_LEVELS];
	int64_t n0;              /* level 0's buckets */
	float *out;              /* level 0's buckets not yet written */
	int64_t nout;
	grym_store_writer *w;
	int rc;
	grym_error *err;
} builder;

enum { OUT_BUCKETS = 4096 };

static void acc_reset(float *acc, int channels)
{
	for (int c = 0; c < channels; c++) {
		acc[2 * c] = INFINITY;
		acc[2 * c + 1] = -INFINITY;
	}
}

static void acc_fold(float *acc, const float *b, int channels)
{
	for (int c = 0; c < channels; c++) {
		if (b[2 * c] < acc[2 * c])
			acc[2 * c] = b[2 * c];
		if (b[2 * c + 1] > acc[2 * c + 1])
			acc[2 * c + 1] = b[2 * c + 1];
	}
}

static int flush_out(builder *b)
{
	if (b->rc == GRYM_OK && b->nout)
		b->rc = grym_store_writer_write(b->w, b->out,
						(size_t)b->nout * b->channels * 2 * sizeof(float), b->err);
	b->nout = 0;
	return b->rc;
}

/* Bucket vals (channels x (min, max)) completes at level L: store it and
 * fold it into level L + 1. */
static void emit(builder *b, int L, const float *vals)
{
	size_t bsz = (size_t)b->channels * 2;
	if (b->rc != GRYM_OK)
		return;
	if (L == 0) {
		memcpy(b->out + b->nout * bsz, vals, bsz * sizeof(float));
		b->n0++;
		if (++b->nout == OUT_BUCKETS && flush_out(b) != GRYM_OK)
			return;
	} else {
		level *l = &b->lv[L];
		if (l->n == l->cap) {
			int64_t cap = l->cap ? 2 * l->cap : 1024;
			float *d = realloc(l->data, (size_t)cap * bsz * sizeof(float));
			if (!d) {
				b->rc = grym_error_set(b->err, GRYM_ERR_NOMEM, "out of memory");
				return;
			}
			l->data = d;
			l->cap = cap;
		}
		memcpy(l->data + l->n * bsz, vals, bsz * sizeof(float));
		l->n++;
	}
	if (L + 1 >= PEAKS_MAX_LEVELS)
		return;
	level *up = &b->lv[L + 1];
	acc_fold(up->acc, vals, b->channels);
	if (++up->count == GRYM_PEAKS_FACTOR) {
		float tmp[2 * GRYM_MAX_CHANNELS];
		memcpy(tmp, up->acc, bsz * sizeof(float));
		acc_reset(up->acc, b->channels);
		up->count = 0;
		emit(b, L + 1, tmp);
	}
}

/* Decode the asset, filling b; *rate and *frames get what was decoded. */
static int decode(grym_catalog *cat, const grym_asset *a, const grym_view_opts *opts, builder *b,
		  int *rate, int64_t *frames, grym_error *err)
{
	grym_decode_opts dec;
	memset(&dec, 0, sizeof dec);
	dec.cancel = grym__view_cancel(opts);
	grym_store_reader *r = NULL;
	grym_decoder *d = NULL;
	int rc = grym__view_decoder(cat, a, &dec, &r, &d, err);
	if (rc != GRYM_OK)
		return rc;
	int C = grym_decoder_channels(d);
	*rate = grym_decoder_rate(d);
	*frames = 0;
	enum { BLOCK = 16384 };
	float *buf = NULL, cur[2 * GRYM_MAX_CHANNELS];
	int in_bucket = 0;
	b->channels = C;
	if (C < 1 || C > GRYM_MAX_CHANNELS) {
		rc = grym_error_set(err, GRYM_ERR_UNSUPPORTED, "asset %s: %d channels", a->id, C);
		goto out;
	}
	b->out = malloc((size_t)OUT_BUCKETS * C * 2 * sizeof(float));
	buf = malloc((size_t)BLOCK * C * sizeof(float));
	int oom = !b->out || !buf;
	for (int L = 1; L < PEAKS_MAX_LEVELS && !oom; L++)
		if ((b->lv[L].acc = malloc((size_t)C * 2 * sizeof(float))))
			acc_reset(b->lv[L].acc, C);
		else
			oom = 1;
	if (oom) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	acc_reset(cur, C);
	int64_t n;
	double last = 0;
	while ((n = grym_decoder_read(d, buf, BLOCK, err)) > 0) {
		for (int64_t i = 0; i < n; i++) {
			const float *f = buf + i * C;
			for (int c = 0; c < C; c++) {
				if (f[c] < cur[2 * c])
					cur[2 * c] = f[c];
				if (f[c] > cur[2 * c + 1])
					cur[2 * c + 1] = f[c];
			}
			if (++in_bucket == GRYM_PEAKS_BUCKET) {
				emit(b, 0, cur);
				acc_reset(cur, C);
				in_bucket = 0;
			}
		}
		*frames += n;
		if (b->rc != GRYM_OK) {
			rc = b->rc;
			goto out;
		}
		double p = grym_decoder_progress(d, NULL);
		if (p >= 0 && p - last >= 0.01) {
			grym__view_progress(opts, p, "peaks");
			last = p;
		}
	}
	if (n < 0) {
		rc = grym_error_prefix(err, (int)n, "asset %s", a->id);
		goto out;
	}
	if (in_bucket)
		emit(b, 0, cur);
	/* the partial buckets of the coarser levels, up to the level of one
	 * bucket */
	int64_t below = b->n0;
	for (int L = 1; L < PEAKS_MAX_LEVELS && below > 1; L++) {
		if (b->lv[L].count) {
			float tmp[2 * GRYM_MAX_CHANNELS];
			memcpy(tmp, b->lv[L].acc, (size_t)C * 2 * sizeof(float));
			b->lv[L].count = 0;
			emit(b, L, tmp);
		}
		below = b->lv[L].n;
	}
	rc = b->rc;
out:
	free(buf);
	grym_decoder_close(d);
	grym_store_reader_close(r);
	return rc;
}

int grym__peaks_build(grym_catalog *cat, const char *asset, const grym_view_opts *opts,
		      int restore, grym_view_stat *st, grym_error *err)
{
	builder b;
	grym_asset a;
	int rate = 0, rc;
	int64_t frames = 0;
	char id[GRYM_ID_LEN + 1];
	memset(&b, 0, sizeof b);
	b.err = err;
	if ((rc = grym__view_asset(cat, asset, &a, err)) != GRYM_OK) {
		grym_asset_clear(&a);
		return rc;
	}
	if (!(b.w = grym_store_writer_new(grym_catalog_store(cat), err))) {
		grym_asset_clear(&a);
		return grym__status(err);
	}
	rc = decode(cat, &a, opts, &b, &rate, &frames, err);
	if (st)
		st->decoded++;
	if (rc == GRYM_OK)
		rc = flush_out(&b);
	/* the levels above 0, then the trailer */
	peaks_trailer t;
	memset(&t, 0, sizeof t);
	memcpy(t.magic, PEAKS_MAGIC, 8);
	t.version = PEAKS_VERSION;
	t.channels = (uint32_t)b.channels;
	t.rate = (uint32_t)rate;
	t.bucket = GRYM_PEAKS_BUCKET;
	t.factor = GRYM_PEAKS_FACTOR;
	t.frames = frames;
	t.buckets[0] = b.n0;
	t.nlevels = 1;
	size_t bsz = (size_t)b.channels * 2 * sizeof(float);
	int64_t off = b.n0 * (int64_t)bsz;
	for (int L = 1; rc == GRYM_OK && L < PEAKS_MAX_LEVELS && t.buckets[L - 1] > 1; L++) {
		t.buckets[L] = b.lv[L].n;
		t.offset[L] = off;
		off += b.lv[L].n * (int64_t)bsz;
		t.nlevels = (uint32_t)L + 1;
		if (b.lv[L].n)
			rc = grym_store_writer_write(b.w, b.lv[L].data, (size_t)b.lv[L].n * bsz, err);
	}
	if (rc == GRYM_OK)
		rc = grym_cancelled(grym__view_cancel(opts)) ? grym_error_cancelled(err)
			: grym_store_writer_write(b.w, &t, sizeof t, err);
	uint64_t size = grym_store_writer_size(b.w);
	if (rc == GRYM_OK) {
		rc = (restore ? grym_store_writer_restore : grym_store_writer_commit)(b.w, id, err);
		b.w = NULL;
	}
	if (b.w)
		grym_store_writer_abort(b.w);
	if (rc == GRYM_OK)
		rc = grym_catalog_put_view(cat, a.id, "peaks", PEAKS_PARAMS, id, size, err);
	if (rc == GRYM_OK && st)
		memcpy(st->object, id, sizeof st->object);
	for (int L = 0; L < PEAKS_MAX_LEVELS; L++) {
		free(b.lv[L].data);
		free(b.lv[L].acc);
	}
	free(b.out);
	grym_asset_clear(&a);
	return rc;
}

int grym_view_peaks_build(grym_catalog *cat, const char *asset, const grym_view_opts *opts,
			  grym_view_stat *st, grym_error *err)
{
	if (st)
		memset(st, 0, sizeof *st);
	grym_store_reader *r = grym_catalog_open_view(cat, asset ? asset : "", "peaks", PEAKS_PARAMS, err);
	int rc = r ? GRYM_OK : grym__status(err);
	if (rc == GRYM_OK) {
		if (st) {
			st->cached = 1;
			snprintf(st->object, sizeof st->object, "%s", grym_store_reader_id(r));
		}
		grym_store_reader_close(r);
		return GRYM_OK;
	}
	if (rc != GRYM_ERR_NOTFOUND && rc != GRYM_ERR_CORRUPT)
		return rc;
	grym_error_clear(err);
	return grym__peaks_build(cat, asset, opts, rc == GRYM_ERR_CORRUPT, st, err);
}
