/*
 * peaks_query.c — a peaks request answered from the pyramid (peaks.h):
 * the trailer, then the buckets of one level, read in order in chunks,
 * so a request costs a few reads whatever the asset's length.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"
#include "peaks.h"
#include "core/error_int.h"

/* Sequential access to the buckets of one level. */
typedef struct slice {
	grym_store_reader *r;
	int64_t base;            /* byte offset of the level */
	size_t bsz;              /* bytes per bucket */
	int64_t k0, n;           /* buckets in buf: [k0, k0 + n) */
	float *buf;
	int64_t cap;             /* buckets buf holds */
} slice;

static int slice_get(slice *s, int64_t k, int64_t last, const float **out, grym_error *err)
{
	if (k < s->k0 || k >= s->k0 + s->n) {
		int64_t want = last - k < s->cap ? last - k : s->cap;
		int rc = grym_store_reader_seek(s->r, (uint64_t)(s->base + k * (int64_t)s->bsz), err);
		if (rc != GRYM_OK)
			return rc;
		size_t need = (size_t)want * s->bsz, got = 0;
		while (got < need) {
			int64_t m = grym_store_reader_read(s->r, (char *)s->buf + got, need - got, err);
			if (m < 0)
				return (int)m;
			if (m == 0)
				return grym_error_set(err, GRYM_ERR_CORRUPT, "peaks object %s ends early",
						      grym_store_reader_id(s->r));
			got += (size_t)m;
		}
		s->k0 = k;
		s->n = want;
	}
	*out = s->buf + (k - s->k0) * (int64_t)(s->bsz / sizeof(float));
	return GRYM_OK;
}

static double clamp1(float v)
{
	return v < -1 ? -1 : v > 1 ? 1 : v;
}

/* The trailer of the pyramid r reads, checked. */
static int read_trailer(grym_store_reader *r, peaks_trailer *t, grym_error *err)
{
	uint64_t size = grym_store_reader_size(r);
	const char *id = grym_store_reader_id(r);
	if (size < sizeof *t)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "peaks object %s is too short", id);
	int rc = grym_store_reader_seek(r, size - sizeof *t, err);
	if (rc != GRYM_OK)
		return rc;
	size_t got = 0;
	while (got < sizeof *t) {
		int64_t m = grym_store_reader_read(r, (char *)t + got, sizeof *t - got, err);
		if (m <= 0)
			return m < 0 ? (int)m : grym_error_set(err, GRYM_ERR_CORRUPT, "peaks object %s ends early", id);
		got += (size_t)m;
	}
	if (memcmp(t->magic, PEAKS_MAGIC, 8) || t->version != PEAKS_VERSION || t->channels < 1 ||
	    t->channels > GRYM_MAX_CHANNELS || t->rate < 1 || t->bucket != GRYM_PEAKS_BUCKET ||
	    t->factor != GRYM_PEAKS_FACTOR || t->nlevels < 1 || t->nlevels > PEAKS_MAX_LEVELS ||
	    t->frames < 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "peaks object %s has a bad trailer", id);
	size_t bsz = (size_t)t->channels * 2 * sizeof(float);
	for (uint32_t L = 0; L < t->nlevels; L++)
		if (t->buckets[L] < 0 || t->offset[L] < 0 ||
		    (uint64_t)t->offset[L] + (uint64_t)t->buckets[L] * bsz > size - sizeof *t)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "peaks object %s: level %u out of bounds",
					      id, L);
	return GRYM_OK;
}

/* The pyramid's reader and trailer, made first when missing or damaged. */
static int open_pyramid(grym_catalog *cat, const char *asset, const grym_view_opts *opts,
			grym_store_reader **r, peaks_trailer *t, grym_view_stat *st, grym_error *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		*r = grym_catalog_open_view(cat, asset, "peaks", PEAKS_PARAMS, err);
		int rc = *r ? GRYM_OK : grym__status(err);
		if (rc == GRYM_OK) {
			rc = read_trailer(*r, t, err);
			if (rc == GRYM_OK) {
				if (st) {
					st->cached = attempt == 0;
					snprintf(st->object, sizeof st->object, "%s", grym_store_reader_id(*r));
				}
				return GRYM_OK;
			}
			grym_store_reader_close(*r);
			*r = NULL;
		}
		if ((rc != GRYM_ERR_NOTFOUND && rc != GRYM_ERR_CORRUPT) || attempt == 1)
			return rc;
		grym_error_clear(err);
		if ((rc = grym__peaks_build(cat, asset, opts, rc == GRYM_ERR_CORRUPT, st, err)) != GRYM_OK)
			return rc;
	}
	return grym_error_set(err, GRYM_ERR_INTERNAL, "peaks of %s: not made", asset);
}

/* The JSON text of the request, or a status. */
static int peaks_json(grym_catalog *cat, const char *asset, const grym_peaks_query *q,
		      const grym_view_opts *opts, char **json, grym_view_stat *st,
		      grym_error *err)
{
	grym_store_reader *r = NULL;
	peaks_trailer t;
	grym__sb b = { 0 };
	slice s;
	int rc;

	*json = NULL;
	if (st)
		memset(st, 0, sizeof *st);
	memset(&s, 0, sizeof s);
	if (!q)
		return grym_error_set(err, GRYM_ERR_INVALID, "no peaks query");
	if (q->points < 1 || q->points > GRYM_PEAKS_POINTS_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "points must be 1..%d, not %d",
				      GRYM_PEAKS_POINTS_MAX, q->points);
	/* the asset first, so an unknown id says so (not "no peaks view") */
	grym_asset a;
	rc = grym__view_asset(cat, asset, &a, err);
	grym_asset_clear(&a);
	if (rc != GRYM_OK)
		return rc;
	if (!isfinite(q->start) || q->start < 0 || isnan(q->end) || (q->end >= 0 && q->start > q->end))
		return grym__view_range(q->start, q->end, INFINITY, &(double){ 0 }, &(double){ 0 }, err);
	if ((rc = open_pyramid(cat, asset, opts, &r, &t, st, err)) != GRYM_OK)
		return rc;
	double duration = (double)t.frames / t.rate, start, end;
	if ((rc = grym__view_range(q->start, q->end, duration, &start, &end, err)) != GRYM_OK)
		goto out;
	int64_t s0 = llround(start * t.rate), s1 = llround(end * t.rate);
	if (s1 > t.frames)
		s1 = t.frames;
	if (s1 <= s0) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "the range %g..%g s holds no frame", start, end);
		goto out;
	}
	int64_t n = s1 - s0, points = q->points;
	if (n / points < GRYM_PEAKS_BUCKET)   /* finer than level 0: a point per bucket */
		points = n / GRYM_PEAKS_BUCKET > 0 ? n / GRYM_PEAKS_BUCKET : 1;
	double fpp = (double)n / (double)points;
	int L = 0;
	int64_t B = GRYM_PEAKS_BUCKET;
	while (L + 1 < (int)t.nlevels && (double)(B * GRYM_PEAKS_FACTOR) <= fpp) {
		L++;
		B *= GRYM_PEAKS_FACTOR;
	}
	int C = (int)t.channels;
	s.r = r;
	s.base = t.offset[L];
	s.bsz = (size_t)C * 2 * sizeof(float);
	s.cap = 8192;
	s.k0 = s.n = 0;
	float *res = malloc((size_t)points * C * 2 * sizeof *res);
	if (!(s.buf = malloc((size_t)s.cap * s.bsz)) || !res) {
		free(res);
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	int64_t khi = (s1 + B - 1) / B;
	if (khi > t.buckets[L])
		khi = t.buckets[L];
	for (int64_t i = 0; rc == GRYM_OK && i < points; i++) {
		int64_t fa = s0 + i * n / points, fb = s0 + (i + 1) * n / points;
		int64_t ka = fa / B, kb = (fb + B - 1) / B;
		if (kb > khi)
			kb = khi;
		if (kb <= ka)
			kb = ka + 1;
		float *p = res + i * C * 2;
		for (int c = 0; c < C; c++) {
			p[2 * c] = INFINITY;
			p[2 * c + 1] = -INFINITY;
		}
		for (int64_t k = ka; k < kb && k < t.buckets[L]; k++) {
			const float *v = NULL;
			if ((rc = slice_get(&s, k, khi, &v, err)) != GRYM_OK)
				break;
			for (int c = 0; c < C; c++) {
				if (v[2 * c] < p[2 * c])
					p[2 * c] = v[2 * c];
				if (v[2 * c + 1] > p[2 * c + 1])
					p[2 * c + 1] = v[2 * c + 1];
			}
		}
	}
	if (rc == GRYM_OK) {
		grym__sb_printf(&b, "{\"asset\":\"%s\",\"sample_rate\":%u,\"channels\":%d,\"duration\":",
				asset, t.rate, C);
		grym__sb_num(&b, duration);
		grym__sb_printf(&b, ",\"start\":");
		grym__sb_num(&b, (double)s0 / t.rate);
		grym__sb_printf(&b, ",\"end\":");
		grym__sb_num(&b, (double)s1 / t.rate);
		grym__sb_printf(&b, ",\"points\":%lld,\"frames_per_point\":", (long long)points);
		grym__sb_num(&b, fpp);
		grym__sb_printf(&b, ",\"level\":%d,\"bucket\":%lld,\"peaks\":[", L, (long long)B);
		for (int c = 0; c < C; c++) {
			grym__sb_printf(&b, c ? ",[" : "[");
			for (int64_t i = 0; i < points; i++) {
				const float *p = res + i * C * 2 + 2 * c;
				if (i)
					grym__sb_printf(&b, ",");
				grym__sb_num(&b, clamp1(p[0]));
				grym__sb_printf(&b, ",");
				grym__sb_num(&b, clamp1(p[1]));
			}
			grym__sb_printf(&b, "]");
		}
		grym__sb_printf(&b, "]}");
		rc = grym__sb_take(&b, json, err);
	}
	free(res);
out:
	free(s.buf);
	free(b.s);
	grym_store_reader_close(r);
	return rc;
}

char *grym_view_peaks(grym_catalog *cat, const char *asset, const grym_peaks_query *q,
		      const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
{
	char *json = NULL;
	int rc = peaks_json(cat, asset, q, opts, &json, st, err);
	return rc == GRYM_OK ? json : grym__failed(err, rc);
}
