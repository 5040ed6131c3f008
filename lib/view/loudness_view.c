/*
 * loudness_view.c — loudness curves for the UI (grym/view.h): one decode
 * through lib/dsp's BS.1770 meter (grym/loudness.h), reading its
 * momentary and short-term loudness every 100 ms (the meter's block
 * step), then the integrated loudness, LRA and true peak at the end.
 *
 * The full-resolution curves are stored as one object (host order):
 * "GRYMLUD1", u32 values, u32 0, 8 doubles (integrated, lra, true peak,
 * sample peak, momentary max, short-term max, duration, step), then the
 * momentary and the short-term values as float32. A request downsamples
 * them to its points.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"
#include "grym/loudness.h"
#include "core/error_int.h"

#define LUD_MAGIC "GRYMLUD1"
#define LUD_HEAD (8 + 8 + 8 * 8)
#define LUD_PARAMS "{\"step\":0.1,\"version\":1}"

typedef struct curves {
	double sum[8];            /* see above */
	uint32_t n;
	float *mom, *st;
} curves;

static int measure(grym_catalog *cat, const grym_asset *a, const grym_view_opts *opts, curves *c,
		   grym_error *err)
{
	grym_decode_opts dec;
	memset(&dec, 0, sizeof dec);
	dec.cancel = grym__view_cancel(opts);
	grym_store_reader *r = NULL;
	grym_decoder *d = NULL;
	grym_loudness *m = NULL;
	float *buf = NULL;
	int rc = grym__view_decoder(cat, a, &dec, &r, &d, err);
	if (rc != GRYM_OK)
		return rc;
	int rate = grym_decoder_rate(d), ch = grym_decoder_channels(d);
	if (!(m = grym_loudness_new(rate, ch, GRYM_LOUDNESS_TRUE_PEAK, err))) {
		rc = grym_error_prefix(err, grym__status(err), "asset %s", a->id);
		goto out;
	}
	/* blocks end every 100 ms: at frame round(k * rate / 10) */
	int maxstep = rate / 10 + 1;
	uint32_t cap = 1024;
	buf = malloc(sizeof *buf * (size_t)maxstep * ch);
	c->mom = malloc(sizeof *c->mom * cap);
	c->st = malloc(sizeof *c->st * cap);
	if (!buf || !c->mom || !c->st) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	int64_t pos = 0;
	for (uint64_t k = 1;; k++) {
		int64_t next = llround((double)k * rate / 10);
		int64_t want = next - pos, got = 0;
		while (got < want) {
			int64_t g = grym_decoder_read(d, buf + got * ch, want - got, err);
			if (g < 0) {
				rc = grym_error_prefix(err, (int)g, "asset %s", a->id);
				goto out;
			}
			if (g == 0)
				break;
			got += g;
		}
		if (got && (rc = grym_loudness_add_frames(m, buf, got, err)) != GRYM_OK)
			goto out;
		pos += got;
		if (got < want)
			break;      /* the end: a partial step ends no block */
		if (c->n == cap) {
			cap *= 2;
			float *a1 = realloc(c->mom, sizeof *a1 * cap), *a2 = a1 ? realloc(c->st, sizeof *a2 * cap) : NULL;
			if (a1)
				c->mom = a1;
			if (a2)
				c->st = a2;
			if (!a1 || !a2) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto out;
			}
		}
		c->mom[c->n] = (float)grym_loudness_momentary(m);
		c->st[c->n] = (float)grym_loudness_shortterm(m);
		c->n++;
		if ((c->n & 63) == 0) {
			double p = grym_decoder_progress(d, NULL);
			if (p >= 0)
				grym__view_progress(opts, p, "loudness");
		}
	}
	grym_loudness_result res;
	grym_loudness_get(m, &res);
	c->sum[0] = res.integrated_lufs;
	c->sum[1] = res.loudness_range_lu;
	c->sum[2] = res.true_peak_dbtp;
	c->sum[3] = res.sample_peak_dbfs;
	c->sum[4] = res.momentary_max_lufs;
	c->sum[5] = res.shortterm_max_lufs;
	c->sum[6] = (double)pos / rate;
	c->sum[7] = 0.1;
out:
	free(buf);
	grym_loudness_free(m);
	grym_decoder_close(d);
	grym_store_reader_close(r);
	return rc;
}

static int pack(const curves *c, unsigned char **out, size_t *len, grym_error *err)
{
	*len = LUD_HEAD + (size_t)c->n * 2 * sizeof(float);
	unsigned char *p = malloc(*len);
	if (!(*out = p))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	uint32_t z = 0;
	memcpy(p, LUD_MAGIC, 8);
	memcpy(p + 8, &c->n, 4);
	memcpy(p + 12, &z, 4);
	memcpy(p + 16, c->sum, sizeof c->sum);
	if (c->n) {
		memcpy(p + LUD_HEAD, c->mom, (size_t)c->n * sizeof(float));
		memcpy(p + LUD_HEAD + (size_t)c->n * sizeof(float), c->st, (size_t)c->n * sizeof(float));
	}
	return GRYM_OK;
}

static int unpack(const unsigned char *p, size_t len, curves *c, grym_error *err)
{
	if (len < LUD_HEAD || memcmp(p, LUD_MAGIC, 8))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "loudness object: bad magic");
	memcpy(&c->n, p + 8, 4);
	if (len != LUD_HEAD + (size_t)c->n * 2 * sizeof(float))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "loudness object: bad size");
	memcpy(c->sum, p + 16, sizeof c->sum);
	c->mom = malloc(sizeof *c->mom * (c->n ? c->n : 1));
	c->st = malloc(sizeof *c->st * (c->n ? c->n : 1));
	if (!c->mom || !c->st)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	memcpy(c->mom, p + LUD_HEAD, (size_t)c->n * sizeof(float));
	memcpy(c->st, p + LUD_HEAD + (size_t)c->n * sizeof(float), (size_t)c->n * sizeof(float));
	return GRYM_OK;
}

/* values [i * n / points, (i + 1) * n / points): the loudest defined one */
static void curve(grym__sb *b, const char *name, const float *v, uint32_t n, uint32_t points)
{
	grym__sb_printf(b, ",\"%s\":[", name);
	for (uint32_t i = 0; i < points; i++) {
		uint64_t lo = (uint64_t)i * n / points, hi = (uint64_t)(i + 1) * n / points;
		double best = NAN;
		for (uint64_t k = lo; k < hi; k++)
			if (isfinite(v[k]) && !(v[k] <= best))
				best = v[k];
		if (i)
			grym__sb_printf(b, ",");
		grym__sb_num(b, best);
	}
	grym__sb_printf(b, "]");
}

static int loudness_json(grym_catalog *cat, const char *asset, int points,
			 const grym_view_opts *opts, char **json, grym_view_stat *st,
			 grym_error *err)
{
	curves c;
	grym_asset a;
	void *data = NULL;
	size_t len = 0;
	grym__sb b = { 0 };
	int rc;

	*json = NULL;
	if (st)
		memset(st, 0, sizeof *st);
	memset(&c, 0, sizeof c);
	if (points < 0 || points > 1000000)
		return grym_error_set(err, GRYM_ERR_INVALID, "points must be 0..1000000, not %d", points);
	if ((rc = grym__view_asset(cat, asset, &a, err)) != GRYM_OK)
		goto out;
	rc = grym__view_read(cat, a.id, "loudness", LUD_PARAMS, &data, &len, st, err);
	if (rc == GRYM_OK) {
		rc = unpack(data, len, &c, err);
		free(data);
		data = NULL;
		if (rc == GRYM_OK && st)
			st->cached = 1;
	}
	if (rc == GRYM_ERR_NOTFOUND || rc == GRYM_ERR_CORRUPT) {
		int restore = rc == GRYM_ERR_CORRUPT;
		free(c.mom);
		free(c.st);
		memset(&c, 0, sizeof c);
		grym_error_clear(err);
		rc = measure(cat, &a, opts, &c, err);
		if (st)
			st->decoded++;
		if (rc == GRYM_OK)
			rc = pack(&c, (unsigned char **)&data, &len, err);
		if (rc == GRYM_OK)
			rc = grym__view_store(cat, a.id, "loudness", LUD_PARAMS, data, len, restore, st, err);
		free(data);
	}
	if (rc != GRYM_OK)
		goto out;
	uint32_t np = points == 0 || (uint32_t)points > c.n ? c.n : (uint32_t)points;
	double step = np ? c.sum[7] * c.n / np : c.sum[7];
	grym__sb_printf(&b, "{\"asset\":\"%s\",\"duration\":", a.id);
	grym__sb_num(&b, c.sum[6]);
	grym__sb_printf(&b, ",\"points\":%u,\"step\":", np);
	grym__sb_num(&b, step);
	grym__sb_printf(&b, ",\"time_start\":");
	grym__sb_num(&b, np ? step : 0);   /* the end of the first group's last block */
	curve(&b, "momentary", c.mom, c.n, np);
	curve(&b, "shortterm", c.st, c.n, np);
	static const char *const names[6] = { "integrated", "lra", "true_peak", "sample_peak",
					      "momentary_max", "shortterm_max" };
	for (int i = 0; i < 6; i++) {
		grym__sb_printf(&b, ",\"%s\":", names[i]);
		grym__sb_num(&b, c.sum[i]);
	}
	grym__sb_printf(&b, "}");
	rc = grym__sb_take(&b, json, err);
out:
	free(b.s);
	free(c.mom);
	free(c.st);
	grym_asset_clear(&a);
	return rc;
}

char *grym_view_loudness(grym_catalog *cat, const char *asset, int points,
			 const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
{
	char *json = NULL;
	int rc = loudness_json(cat, asset, points, opts, &json, st, err);
	return rc == GRYM_OK ? json : grym__failed(err, rc);
}
