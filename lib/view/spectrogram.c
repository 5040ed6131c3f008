/*
 * spectrogram.c — a spectrogram of an asset's range for the UI
 * (grym/view.h): one streaming decode of the range mixed to mono, the
 * STFT of lib/features at a hop of (range) / width so that only the
 * columns drawn are transformed, mel bands (lib/features' filterbank) or
 * linear bands, power in dB relative to 1 (librosa.power_to_db with
 * ref=1.0, amin=1e-10), the top_db range mapped onto 0..255. The result
 * is stored as a view keyed by every parameter.
 *
 * Object layout: "GRYMSPC1", u32 header length, u32 width, u32 height
 * (host order), the header's JSON text, then width x height bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"
#include "grym/features.h"
#include "core/error_int.h"

#define SPC_MAGIC "GRYMSPC1"
#define SPC_HEAD 20

/* Free what v owns and zero it. */
static void view_clear(grym_spectrogram_view *v)
{
	free(v->data);
	free(v->header);
	memset(v, 0, sizeof *v);
}

void grym_spectrogram_view_free(grym_spectrogram_view *v)
{
	if (!v)
		return;
	view_clear(v);
	free(v);
}

static int check_query(const grym_spectrogram_query *in, grym_spectrogram_query *q, grym_error *err)
{
	*q = *in;
	if (!q->width)
		q->width = 1024;
	if (!q->height)
		q->height = 128;
	if (!q->n_fft)
		q->n_fft = 2048;
	if (q->top_db == 0)
		q->top_db = 80;
	if (q->width < 1 || q->width > 8192)
		return grym_error_set(err, GRYM_ERR_INVALID, "width must be 1..8192, not %d", q->width);
	if (q->height < 1 || q->height > 1024)
		return grym_error_set(err, GRYM_ERR_INVALID, "height must be 1..1024, not %d", q->height);
	if (q->n_fft < 64 || q->n_fft > 16384 || (q->n_fft & (q->n_fft - 1)))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "n_fft must be a power of two in 64..16384, not %d", q->n_fft);
	if (!(q->top_db > 0) || !isfinite(q->top_db))
		return grym_error_set(err, GRYM_ERR_INVALID, "top_db must be > 0, not %g", q->top_db);
	if (q->scale != GRYM_SPEC_SCALE_MEL && q->scale != GRYM_SPEC_SCALE_LINEAR)
		return grym_error_set(err, GRYM_ERR_INVALID, "scale must be mel or linear");
	if (q->start == 0 && q->end == 0)
		q->end = -1;
	return GRYM_OK;
}

/* The stored object back into v; GRYM_ERR_CORRUPT when it does not parse. */
static int unpack(const unsigned char *p, size_t len, grym_spectrogram_view *v, grym_error *err)
{
	uint32_t hl, w, h;
	if (len < SPC_HEAD || memcmp(p, SPC_MAGIC, 8))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "spectrogram object: bad magic");
	memcpy(&hl, p + 8, 4);
	memcpy(&w, p + 12, 4);
	memcpy(&h, p + 16, 4);
	if (w < 1 || h < 1 || w > 8192 || h > 1024 || len != SPC_HEAD + (size_t)hl + (size_t)w * h)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "spectrogram object: bad sizes");
	v->header = malloc((size_t)hl + 1);
	v->data = malloc((size_t)w * h);
	if (!v->header || !v->data) {
		view_clear(v);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	memcpy(v->header, p + SPC_HEAD, hl);
	v->header[hl] = 0;
	memcpy(v->data, p + SPC_HEAD + hl, (size_t)w * h);
	v->width = (int)w;
	v->height = (int)h;
	return GRYM_OK;
}

static int pack(const grym_spectrogram_view *v, unsigned char **out, size_t *len, grym_error *err)
{
	uint32_t hl = (uint32_t)strlen(v->header), w = (uint32_t)v->width, h = (uint32_t)v->height;
	*len = SPC_HEAD + hl + (size_t)w * h;
	unsigned char *p = malloc(*len);
	if (!(*out = p))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	memcpy(p, SPC_MAGIC, 8);
	memcpy(p + 8, &hl, 4);
	memcpy(p + 12, &w, 4);
	memcpy(p + 16, &h, 4);
	memcpy(p + SPC_HEAD, v->header, hl);
	memcpy(p + SPC_HEAD + hl, v->data, (size_t)w * h);
	return GRYM_OK;
}

/* Band r's power of one frame's power spectrum (bins values). */
typedef struct bands {
	grym_melbank *mel;       /* mel scale */
	double *melout;
	int bins, height;
	int *lo, *hi;            /* linear: bins [lo, hi) of each band */
	double *freq;            /* centre of each band, Hz, lowest first */
} bands;

static void bands_free(bands *b)
{
	grym_melbank_free(b->mel);
	free(b->melout);
	free(b->lo);
	free(b->hi);
	free(b->freq);
}

static int bands_make(bands *b, const grym_spectrogram_query *q, int rate, grym_error *err)
{
	memset(b, 0, sizeof *b);
	b->bins = q->n_fft / 2 + 1;
	b->height = q->height;
	b->freq = malloc(sizeof *b->freq * (size_t)q->height);
	if (!b->freq)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (q->scale == GRYM_SPEC_SCALE_MEL) {
		grym_mel_params mp = GRYM_MEL_PARAMS_DEFAULT;
		mp.n_mels = q->height;
		mp.fmax = rate / 2.0;
		if (!(b->mel = grym_melbank_new(rate, q->n_fft, &mp, err)))
			return grym__status(err);
		if (!(b->melout = malloc(sizeof *b->melout * (size_t)q->height)))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		/* the centre of band m: point m + 1 of n_mels + 2 equally spaced
		 * mels from fmin to fmax, as librosa.mel_frequencies lays them */
		double m0 = grym_hz_to_mel(0, 0), m1 = grym_hz_to_mel(rate / 2.0, 0);
		for (int m = 0; m < q->height; m++)
			b->freq[m] = grym_mel_to_hz(m0 + (m1 - m0) * (m + 1) / (q->height + 1), 0);
		return GRYM_OK;
	}
	b->lo = malloc(sizeof *b->lo * (size_t)q->height);
	b->hi = malloc(sizeof *b->hi * (size_t)q->height);
	if (!b->lo || !b->hi)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (int r = 0; r < q->height; r++) {
		int lo = (int)((int64_t)r * b->bins / q->height);
		int hi = (int)((int64_t)(r + 1) * b->bins / q->height);
		if (hi <= lo)
			hi = lo + 1;
		b->lo[r] = lo;
		b->hi[r] = hi;
		b->freq[r] = grym_fft_frequency(rate, q->n_fft, 0) +
			(lo + hi - 1) / 2.0 * rate / q->n_fft;
	}
	return GRYM_OK;
}

static void bands_apply(bands *b, const double *power, float *col)
{
	if (b->mel) {
		grym_melbank_apply(b->mel, power, b->melout);
		for (int m = 0; m < b->height; m++)
			col[m] = (float)b->melout[m];
		return;
	}
	for (int r = 0; r < b->height; r++) {
		double s = 0;
		for (int k = b->lo[r]; k < b->hi[r]; k++)
			s += power[k];
		col[r] = (float)(s / (b->hi[r] - b->lo[r]));
	}
}

/* Decode [start, end) and fill v. */
static int compute(grym_catalog *cat, const grym_asset *a, const grym_spectrogram_query *q,
		   double start, double end, const grym_view_opts *opts, grym_spectrogram_view *v,
		   grym_error *err)
{
	grym_decode_opts dec;
	memset(&dec, 0, sizeof dec);
	dec.channels = 1;
	dec.offset = start;
	dec.duration = end - start;
	/* the last minutes of a long file without decoding the hours before
	 * them: the same samples (lossless) or within the codec's noise
	 * substitution (grym/audio.h, decode.c) */
	dec.seek = 1;
	dec.cancel = grym__view_cancel(opts);
	grym_store_reader *r = NULL;
	grym_decoder *d = NULL;
	grym_stft *s = NULL;
	bands bd;
	float *pw = NULL, *block = NULL;
	double *spec = NULL;
	grym__sb hb = { 0 };
	memset(&bd, 0, sizeof bd);
	int rc = grym__view_decoder(cat, a, &dec, &r, &d, err);
	if (rc != GRYM_OK)
		return rc;
	int rate = grym_decoder_rate(d);
	int64_t n = llround((end - start) * rate);
	int hop = (int)(n / q->width > 0 ? n / q->width : 1);
	if ((rc = bands_make(&bd, q, rate, err)) != GRYM_OK)
		goto out;
	if (!(s = grym_stft_new(q->n_fft, hop, 0, GRYM_WINDOW_HANN, 1, GRYM_PAD_CONSTANT, err))) {
		rc = grym__status(err);
		goto out;
	}
	enum { BLOCK = 65536 };
	pw = malloc(sizeof *pw * (size_t)q->width * q->height);
	spec = malloc(sizeof *spec * (size_t)bd.bins);
	block = malloc(sizeof *block * BLOCK);
	if (!pw || !spec || !block) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	int cols = 0, ended = 0;
	int64_t got, fed = 0;
	while (rc == GRYM_OK && cols < q->width) {
		if (!ended) {
			got = grym_decoder_read(d, block, BLOCK, err);
			if (got < 0) {
				rc = grym_error_prefix(err, (int)got, "asset %s", a->id);
				break;
			}
			if (got == 0) {
				ended = 1;
				rc = grym_stft_end(s, err);
			} else {
				fed += got;
				rc = grym_stft_feed(s, block, (size_t)got, err);
				double p = grym_decoder_progress(d, NULL);
				if (p >= 0)
					grym__view_progress(opts, p, "spectrogram");
			}
		}
		int more = 0;
		while (rc == GRYM_OK && cols < q->width && grym_stft_next(s, GRYM_SPEC_POWER, spec) == 1) {
			bands_apply(&bd, spec, pw + (size_t)cols * q->height);
			cols++;
			more = 1;
		}
		if (ended && !more)
			break;
	}
	if (rc != GRYM_OK)
		goto out;
	if (cols == 0) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "asset %s: the range %g..%g s holds no frame",
				    a->id, start, end);
		goto out;
	}
	/* dB, the top_db range onto 0..255, row 0 the highest band */
	double dbmax = -INFINITY;
	size_t cells = (size_t)cols * q->height;
	for (size_t i = 0; i < cells; i++) {
		double db = 10 * log10(pw[i] > 1e-10 ? pw[i] : 1e-10);
		pw[i] = (float)db;
		if (db > dbmax)
			dbmax = db;
	}
	double dbmin = dbmax - q->top_db;
	if (!(v->data = malloc(cells))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	v->width = cols;
	v->height = q->height;
	for (int c = 0; c < cols; c++)
		for (int m = 0; m < q->height; m++) {
			double u = (pw[(size_t)c * q->height + m] - dbmin) / q->top_db * 255;
			v->data[(size_t)(q->height - 1 - m) * cols + c] =
				(unsigned char)(u <= 0 ? 0 : u >= 255 ? 255 : lround(u));
		}
	grym__sb_printf(&hb, "{\"asset\":\"%s\",\"start\":", a->id);
	grym__sb_num(&hb, start);
	grym__sb_printf(&hb, ",\"end\":");
	grym__sb_num(&hb, end);
	grym__sb_printf(&hb, ",\"width\":%d,\"height\":%d,\"scale\":\"%s\",\"sample_rate\":%d,"
			"\"n_fft\":%d,\"hop\":%d,\"time_start\":", cols, q->height,
			q->scale == GRYM_SPEC_SCALE_MEL ? "mel" : "linear", rate, q->n_fft, hop);
	grym__sb_num(&hb, start);
	grym__sb_printf(&hb, ",\"time_step\":");
	grym__sb_num(&hb, (double)hop / rate);
	grym__sb_printf(&hb, ",\"frequencies\":[");
	for (int m = q->height - 1; m >= 0; m--) {
		grym__sb_num(&hb, bd.freq[m]);
		if (m)
			grym__sb_printf(&hb, ",");
	}
	grym__sb_printf(&hb, "],\"db_min\":");
	grym__sb_num(&hb, dbmin);
	grym__sb_printf(&hb, ",\"db_max\":");
	grym__sb_num(&hb, dbmax);
	grym__sb_printf(&hb, ",\"top_db\":");
	grym__sb_num(&hb, q->top_db);
	grym__sb_printf(&hb, ",\"ref\":1,\"orientation\":\"rows top-down from the highest "
			"frequency, columns left to right in time\"}");
	rc = grym__sb_take(&hb, &v->header, err);
out:
	free(hb.s);
	free(pw);
	free(spec);
	free(block);
	bands_free(&bd);
	grym_stft_free(s);
	grym_decoder_close(d);
	grym_store_reader_close(r);
	if (rc != GRYM_OK)
		view_clear(v);
	return rc;
}

/* Fill out (zeroed, cleared on failure) for the request; a status. */
static int spectrogram(grym_catalog *cat, const char *asset, const grym_spectrogram_query *in,
		       const grym_view_opts *opts, grym_spectrogram_view *out,
		       grym_view_stat *st, grym_error *err)
{
	grym_spectrogram_query q;
	grym_asset a;
	double start, end;
	char params[512];
	void *data = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (st)
		memset(st, 0, sizeof *st);
	if (!in)
		return grym_error_set(err, GRYM_ERR_INVALID, "no spectrogram query");
	if ((rc = check_query(in, &q, err)) != GRYM_OK)
		return rc;
	if ((rc = grym__view_asset(cat, asset, &a, err)) != GRYM_OK)
		goto out;
	double duration = a.sample_rate > 0 && a.frames > 0 ? (double)a.frames / a.sample_rate : a.duration;
	if ((rc = grym__view_range(q.start, q.end, duration, &start, &end, err)) != GRYM_OK)
		goto out;
	snprintf(params, sizeof params,
		 "{\"end\":%.17g,\"height\":%d,\"n_fft\":%d,\"scale\":\"%s\",\"start\":%.17g,"
		 "\"top_db\":%.17g,\"version\":1,\"width\":%d}", end, q.height, q.n_fft,
		 q.scale == GRYM_SPEC_SCALE_MEL ? "mel" : "linear", start, q.top_db, q.width);
	rc = grym__view_read(cat, a.id, "spectrogram", params, &data, &len, st, err);
	if (rc == GRYM_OK) {
		rc = unpack(data, len, out, err);
		free(data);
		data = NULL;
		if (rc == GRYM_OK) {
			if (st)
				st->cached = 1;
			goto out;
		}
	}
	if (rc != GRYM_ERR_NOTFOUND && rc != GRYM_ERR_CORRUPT)
		goto out;
	int restore = rc == GRYM_ERR_CORRUPT;
	grym_error_clear(err);
	rc = compute(cat, &a, &q, start, end, opts, out, err);
	if (st)
		st->decoded++;
	if (rc == GRYM_OK)
		rc = pack(out, (unsigned char **)&data, &len, err);
	if (rc == GRYM_OK)
		rc = grym__view_store(cat, a.id, "spectrogram", params, data, len, restore, st, err);
	free(data);
	if (rc != GRYM_OK)
		view_clear(out);
out:
	grym_asset_clear(&a);
	return rc;
}

grym_spectrogram_view *grym_view_spectrogram(grym_catalog *cat, const char *asset,
					     const grym_spectrogram_query *q,
					     const grym_view_opts *opts, grym_view_stat *st,
					     grym_error *err)
{
	grym_spectrogram_view *v = calloc(1, sizeof *v);
	if (!v)
		return grym__failed(err, grym_error_set(err, GRYM_ERR_NOMEM, "out of memory"));
	int rc = spectrogram(cat, asset, q, opts, v, st, err);
	if (rc == GRYM_OK)
		return v;
	free(v);
	return grym__failed(err, rc);
}
