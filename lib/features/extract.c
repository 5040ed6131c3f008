/*
 * extract.c — the streaming feature extractor: one pass over the samples
 * feeds every requested feature, frame by frame.
 *
 * Samples arrive in blocks; the STFT and the time-domain framer turn them
 * into frames as soon as each frame is complete, and each feature's rows
 * go to a row store (memory up to a limit, then an unlinked temporary
 * file), so a 3-hour file never has its spectrogram in memory. Features
 * that need a whole-clip statistic — the top_db floor of log-mel (and so
 * MFCC and deltas) and of contrast's peak and valley decibels — are
 * finished in a second pass over their stored rows, with the maximum
 * gathered during the first. Deltas stream over the stored MFCC rows
 * through a 9-row window.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "grym/features.h"
#include "grym/io.h"
#include "grym/progress.h"
#include "features/framer.h"
#include "features/spectral.h"
#include "grym/features_pitch.h"

static const char *const feature_names[GRYM_FEAT_COUNT] = {
	"stft_mag", "mel", "logmel", "mfcc", "mfcc_delta", "mfcc_delta2", "chroma",
	"centroid", "bandwidth", "rolloff", "flatness", "contrast", "zcr", "rms",
	"onset", "yin", "tempo"
};

int grym_feature_lookup(const char *name, grym_feature *f, grym_error *err)
{
	for (int i = 0; i < GRYM_FEAT_COUNT; i++)
		if (!strcmp(name, feature_names[i])) {
			*f = (grym_feature)i;
			return GRYM_OK;
		}
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "unknown feature '%s' (stft_mag, mel, logmel, mfcc, mfcc_delta, "
			      "mfcc_delta2, chroma, centroid, bandwidth, rolloff, flatness, contrast, "
			      "zcr, rms, onset, yin, tempo)", name);
}

const char *grym_feature_name(grym_feature f)
{
	return (int)f >= 0 && f < GRYM_FEAT_COUNT ? feature_names[f] : "?";
}

void grym_features_opts_default(grym_features_opts *o)
{
	static const grym_stft_params sp = GRYM_STFT_PARAMS_DEFAULT;
	static const grym_mel_params mp = GRYM_MEL_PARAMS_DEFAULT;
	static const grym_db_params dp = GRYM_DB_PARAMS_DEFAULT;
	memset(o, 0, sizeof *o);
	o->stft = sp;
	o->mel = mp;
	o->db = dp;
	o->n_mfcc = 20;
	o->lifter = 0.0;
	o->roll_percent = 0.85;
	o->flatness_amin = 1e-10;
	o->flatness_power = 2.0;
	o->contrast_fmin = 200.0;
	o->contrast_bands = 6;
	o->contrast_quantile = 0.02;
	o->tuning = NAN;
	o->n_chroma = 12;
	o->yin_fmin = 65.0;
	o->yin_fmax = 2093.0;
	o->yin_threshold = 0.1;
	o->spill_bytes = 0;
}

int grym_feature_dims(grym_feature f, const grym_features_opts *o, double rate)
{
	(void)rate;
	switch (f) {
	case GRYM_FEAT_STFT_MAG: return o->stft.n_fft / 2 + 1;
	case GRYM_FEAT_MEL:
	case GRYM_FEAT_LOGMEL: return o->mel.n_mels;
	case GRYM_FEAT_MFCC:
	case GRYM_FEAT_MFCC_DELTA:
	case GRYM_FEAT_MFCC_DELTA2: return o->n_mfcc;
	case GRYM_FEAT_CHROMA: return o->n_chroma;
	case GRYM_FEAT_CONTRAST: return o->contrast_bands + 1;
	case GRYM_FEAT_YIN: return 2;
	case GRYM_FEAT_CENTROID: case GRYM_FEAT_BANDWIDTH: case GRYM_FEAT_ROLLOFF:
	case GRYM_FEAT_FLATNESS: case GRYM_FEAT_ZCR: case GRYM_FEAT_RMS:
	case GRYM_FEAT_ONSET: case GRYM_FEAT_TEMPO: return 1;
	default: return 0;
	}
}

void grym_feature_dim_name(grym_feature f, int i, int dims, char *buf, size_t len)
{
	if (f == GRYM_FEAT_YIN)
		snprintf(buf, len, "%s", i == 0 ? "yin" : "voiced");
	else if (dims == 1)
		snprintf(buf, len, "%s", grym_feature_name(f));
	else
		snprintf(buf, len, "%s%d", grym_feature_name(f), i);
}

/* ---- row store: memory, then an unlinked temporary file ---- */

typedef struct rowstore {
	int dims;
	int64_t rows;           /* appended so far */
	float *mem;
	int64_t mem_rows, max_rows;
	FILE *f;
	int64_t rd;             /* rows read since rewind */
	int reading;
} rowstore;

static int rs_init(rowstore *r, int dims, size_t bytes, grym_error *err)
{
	memset(r, 0, sizeof *r);
	r->dims = dims;
	r->max_rows = (int64_t)(bytes / ((size_t)dims * sizeof(float)));
	if (r->max_rows < 16)
		r->max_rows = 16;
	r->mem = malloc((size_t)r->max_rows * dims * sizeof(float));
	if (!r->mem)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for feature rows");
	return GRYM_OK;
}

static void rs_free(rowstore *r)
{
	free(r->mem);
	if (r->f)
		fclose(r->f);
	memset(r, 0, sizeof *r);
}

/* A failed write of spilled rows: name the directory and the room the
 * rows needed so far (ENOSPC in a small TMPDIR is the usual cause). */
static int rs_write_error(const rowstore *r, grym_error *err)
{
	int e = errno;
	const char *dir = getenv("TMPDIR");
	double mb = (double)r->rows * (double)r->dims * sizeof(float) / 1e6;
	return grym_error_set(err, GRYM_ERR_IO, "writing feature rows to a temporary file in "
			      "%s (TMPDIR): %s; this input needs more than %.0f MB there "
			      "(set TMPDIR to a file system with more room)",
			      dir && *dir ? dir : "/tmp", strerror(e), mb > 1 ? mb : 1);
}

static int rs_spill(rowstore *r, grym_error *err)
{
	if (!r->f) {
		char path[4096];
		/* spilled rows live only as long as the stream: an unnamed
		 * file (or one unlinked at once) that no kill leaves behind */
		int fd = grym_tmpfile_unnamed(NULL, "grym-features", path, sizeof path, err);
		if (fd < 0)
			return fd;
		if (strncmp(path, "/proc/self/fd/", 14) != 0)
			unlink(path);
		r->f = fdopen(fd, "w+b");
		if (!r->f) {
			close(fd);
			return grym_error_set(err, GRYM_ERR_IO, "temporary file: %m");
		}
	}
	if (r->mem_rows &&
	    fwrite(r->mem, sizeof(float) * r->dims, (size_t)r->mem_rows, r->f) != (size_t)r->mem_rows)
		return rs_write_error(r, err);
	r->mem_rows = 0;
	return GRYM_OK;
}

static int rs_append(rowstore *r, const float *row, grym_error *err)
{
	if (r->mem_rows == r->max_rows) {
		int rc = rs_spill(r, err);
		if (rc)
			return rc;
	}
	memcpy(r->mem + r->mem_rows * r->dims, row, sizeof(float) * r->dims);
	r->mem_rows++;
	r->rows++;
	return GRYM_OK;
}

static int rs_rewind(rowstore *r, grym_error *err)
{
	if (r->f) {
		if (!r->reading) {
			int rc = rs_spill(r, err);
			if (rc)
				return rc;
			if (fflush(r->f))
				return rs_write_error(r, err);
		}
		rewind(r->f);
	}
	r->reading = 1;
	r->rd = 0;
	return GRYM_OK;
}

/* Up to max rows into buf; returns rows read or a negative status. */
static int64_t rs_read(rowstore *r, float *buf, int64_t max, grym_error *err)
{
	int64_t n = r->rows - r->rd;
	if (n > max)
		n = max;
	if (n <= 0)
		return 0;
	if (r->f) {
		if (fread(buf, sizeof(float) * r->dims, (size_t)n, r->f) != (size_t)n)
			return grym_error_set(err, GRYM_ERR_IO, "reading a temporary file: %m");
	} else {
		memcpy(buf, r->mem + r->rd * r->dims, sizeof(float) * r->dims * (size_t)n);
	}
	r->rd += n;
	return n;
}

/* ---- the extractor ---- */

#define BLOCK_ROWS 256

enum { ST_CONTRAST_DB = GRYM_FEAT_COUNT, ST_MFCC, ST_POWER, ST_ONSET, ST_COUNT };

struct grym_extractor {
	grym_features_opts o;
	double rate;
	grym_feature list[GRYM_FEAT_COUNT];
	int n;
	int want[GRYM_FEAT_COUNT];
	int need_spec, need_mel, need_mfcc, need_time, need_onset;
	grym_stft *stft;
	grym_melbank *mb;
	grym_dct *dct;
	gf_contrast contrast;
	int contrast_on;
	gf_framer tf;
	float *tframe;
	const double *cplx;     /* the STFT's output buffer */
	double *pow, *mel, *freq, *peak, *valley;
	int need_mag;
	float *mag, *row;
	float *lmblock, *mfblock; /* --top-db none: MFCCs made in the first pass, */
	int lmfill;             /* BLOCK_ROWS at a time as build_mfcc makes them */
	int mfcc_now;
	rowstore rs[ST_COUNT];
	int rs_on[ST_COUNT];
	float logmel_max, peak_max, valley_max;
	grym_tuning *tuning;    /* chroma with an estimated tuning */
	grym_yin *yin;
	float *powrow;
	int64_t samples;
	int finished;
	grym_ticker tick;       /* o.cancel, and o.progress of the finish */
	int fin_i;              /* the feature being finished (index into list) */
};

grym_extractor *grym_extractor_new(const grym_features_opts *o, double rate,
				   const grym_feature *list, int n, grym_error *err)
{
	if (!(rate >= 1000 && rate <= 1e6)) {
		grym_error_set(err, GRYM_ERR_INVALID, "sample rate %g Hz is outside 1000..1000000", rate);
		return NULL;
	}
	if (n < 1 || n > GRYM_FEAT_COUNT) {
		grym_error_set(err, GRYM_ERR_INVALID, "no features asked for");
		return NULL;
	}
	grym_extractor *x = calloc(1, sizeof *x);
	if (!x) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	x->o = *o;
	x->rate = rate;
	grym_ticker_init(&x->tick, o->cancel, o->progress, o->progress_ud);
	size_t spill = o->spill_bytes ? o->spill_bytes : (size_t)32 << 20;
	for (int i = 0; i < n; i++) {
		grym_feature f = list[i];
		if ((int)f < 0 || f >= GRYM_FEAT_COUNT) {
			grym_error_set(err, GRYM_ERR_INVALID, "unknown feature %d", (int)f);
			goto fail;
		}
		if (x->want[f])
			continue;
		x->want[f] = 1;
		x->list[x->n++] = f;
	}
	int *w = x->want;
	x->need_mfcc = w[GRYM_FEAT_MFCC] || w[GRYM_FEAT_MFCC_DELTA] || w[GRYM_FEAT_MFCC_DELTA2];
	x->need_onset = w[GRYM_FEAT_ONSET] || w[GRYM_FEAT_TEMPO];
	x->need_mel = x->need_mfcc || x->need_onset || w[GRYM_FEAT_MEL] || w[GRYM_FEAT_LOGMEL];
	x->need_spec = x->need_mel || w[GRYM_FEAT_STFT_MAG] || w[GRYM_FEAT_CENTROID] ||
		w[GRYM_FEAT_BANDWIDTH] || w[GRYM_FEAT_ROLLOFF] || w[GRYM_FEAT_FLATNESS] ||
		w[GRYM_FEAT_CONTRAST] || w[GRYM_FEAT_CHROMA];
	x->need_time = w[GRYM_FEAT_ZCR] || w[GRYM_FEAT_RMS] || w[GRYM_FEAT_YIN];
	x->need_mag = w[GRYM_FEAT_STFT_MAG] || w[GRYM_FEAT_CENTROID] || w[GRYM_FEAT_BANDWIDTH] ||
		w[GRYM_FEAT_ROLLOFF] || w[GRYM_FEAT_FLATNESS] || w[GRYM_FEAT_CONTRAST] ||
		w[GRYM_FEAT_CHROMA];

	/* every parameter is checked even when unused, so a bad option fails
	 * the same way whatever features are asked for */
	x->stft = grym_stft_new_params(&o->stft, err);
	if (!x->stft)
		goto fail;
	x->o.stft = *grym_stft_get_params(x->stft);   /* win_length 0 resolved */
	const grym_stft_params *sp = &x->o.stft;
	int bins = grym_stft_bins(x->stft);
	if (x->need_mel) {
		/* more mels than bins: librosa only warns and keeps all-zero
		 * filters; so does grym (grym_melbank_empty counts them) */
		x->mb = grym_melbank_new(rate, sp->n_fft, &o->mel, err);
		if (!x->mb)
			goto fail;
		if (!(o->db.amin > 0) || !(o->db.ref > 0)) {
			grym_error_set(err, GRYM_ERR_INVALID, "power_to_db needs amin > 0 and ref > 0");
			goto fail;
		}
	}
	if (x->need_mfcc) {
		x->dct = grym_dct_new(o->mel.n_mels, o->n_mfcc, o->lifter, err);
		if (!x->dct)
			goto fail;
	}
	if (w[GRYM_FEAT_ROLLOFF] && !(o->roll_percent > 0 && o->roll_percent < 1)) {
		grym_error_set(err, GRYM_ERR_INVALID, "roll_percent %g must lie in (0, 1)", o->roll_percent);
		goto fail;
	}
	if (w[GRYM_FEAT_FLATNESS] && (!(o->flatness_amin > 0) || !(o->flatness_power > 0))) {
		grym_error_set(err, GRYM_ERR_INVALID, "flatness needs amin > 0 and power > 0");
		goto fail;
	}
	if (w[GRYM_FEAT_CONTRAST]) {
		if (gf_contrast_init(&x->contrast, rate, sp->n_fft, o->contrast_fmin, o->contrast_bands,
				     o->contrast_quantile, err))
			goto fail;
		x->contrast_on = 1;
	}
	if (w[GRYM_FEAT_CHROMA]) {
		/* checks the parameters now; the filterbank is made at the end,
		 * once the tuning is known */
		grym_chroma *ch;
		if (o->n_chroma != GRYM_CHROMA_BINS) {
			grym_error_set(err, GRYM_ERR_INVALID, "chroma has %d bins, not %d",
				       GRYM_CHROMA_BINS, o->n_chroma);
			goto fail;
		}
		if (!(ch = grym_chroma_new(rate, sp->n_fft, isnan(o->tuning) ? 0.0 : o->tuning, err)))
			goto fail;
		grym_chroma_free(ch);
		if (isnan(o->tuning) && !(x->tuning = grym_tuning_new(rate, sp->n_fft, err)))
			goto fail;
	}
	if (w[GRYM_FEAT_YIN]) {
		grym_yin_params yp;
		grym_yin_params_default(&yp);
		yp.fmin = o->yin_fmin;
		yp.fmax = o->yin_fmax;
		yp.trough_threshold = o->yin_threshold;
		yp.frame_length = sp->n_fft;
		yp.hop = sp->hop;
		yp.center = sp->center;
		if (!(x->yin = grym_yin_new(rate, &yp, err)))
			goto fail;
	}
	if (x->need_onset) {
		grym_onset *on = grym_onset_new(o->mel.n_mels, sp->n_fft, sp->hop, sp->center, err);
		if (!on)
			goto fail;
		grym_onset_free(on);
	}
	if (w[GRYM_FEAT_TEMPO]) {
		grym_tempo *tp;
		grym_tempo_params tpp;
		grym_tempo_params_default(&tpp);
		if (!(tp = grym_tempo_new(rate, sp->hop, &tpp, err)))
			goto fail;
		grym_tempo_free(tp);
	}
	if (!x->need_spec) {
		grym_stft_free(x->stft);
		x->stft = NULL;
	}
	gf_framer_init(&x->tf, sp->n_fft, sp->hop, sp->center);
	x->pow = malloc((size_t)bins * sizeof *x->pow);
	x->freq = malloc((size_t)bins * sizeof *x->freq);
	x->mag = malloc((size_t)bins * sizeof *x->mag);
	x->tframe = malloc((size_t)sp->n_fft * sizeof *x->tframe);
	int maxd = bins;
	if (o->mel.n_mels > maxd)
		maxd = o->mel.n_mels;
	if (2 * (o->contrast_bands + 1) > maxd)
		maxd = 2 * (o->contrast_bands + 1);
	x->row = malloc((size_t)maxd * sizeof *x->row);
	x->mel = malloc((size_t)(o->mel.n_mels > 0 ? o->mel.n_mels : 1) * sizeof *x->mel);
	x->peak = malloc((size_t)(o->contrast_bands + 1) * sizeof *x->peak);
	x->valley = malloc((size_t)(o->contrast_bands + 1) * sizeof *x->valley);
	x->powrow = malloc((size_t)bins * sizeof *x->powrow);
	if (!x->pow || !x->freq || !x->mag || !x->tframe || !x->row || !x->mel ||
	    !x->peak || !x->valley || !x->powrow) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (int k = 0; k < bins; k++)
		x->freq[k] = grym_fft_frequency(rate, sp->n_fft, k);

	/* row stores: what the first pass keeps */
	int dims[ST_COUNT] = { 0 };
	if (w[GRYM_FEAT_STFT_MAG]) dims[GRYM_FEAT_STFT_MAG] = bins;
	if (w[GRYM_FEAT_MEL]) dims[GRYM_FEAT_MEL] = o->mel.n_mels;
	/* without a top_db floor nothing waits for the clip's maximum: MFCCs
	 * are made frame by frame in the one pass over the samples */
	x->mfcc_now = x->need_mfcc && !(o->db.top_db >= 0);
	if (w[GRYM_FEAT_LOGMEL] || (x->need_mfcc && !x->mfcc_now) || x->need_onset)
		dims[GRYM_FEAT_LOGMEL] = o->mel.n_mels;
	if (x->mfcc_now &&
	    (!(x->lmblock = malloc((size_t)BLOCK_ROWS * o->mel.n_mels * sizeof *x->lmblock)) ||
	     !(x->mfblock = malloc((size_t)BLOCK_ROWS * o->n_mfcc * sizeof *x->mfblock)))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (w[GRYM_FEAT_CHROMA]) dims[ST_POWER] = bins;
	if (x->need_onset) dims[ST_ONSET] = 1;
	if (w[GRYM_FEAT_YIN]) dims[GRYM_FEAT_YIN] = GRYM_YIN_COLS;
	if (x->need_mfcc) dims[ST_MFCC] = o->n_mfcc;
	for (int f = GRYM_FEAT_CENTROID; f <= GRYM_FEAT_RMS; f++)
		if (w[f] && f != GRYM_FEAT_CONTRAST)
			dims[f] = 1;
	if (w[GRYM_FEAT_CONTRAST]) dims[ST_CONTRAST_DB] = 2 * (o->contrast_bands + 1);
	for (int s = 0; s < ST_COUNT; s++)
		if (dims[s]) {
			if (rs_init(&x->rs[s], dims[s], spill, err))
				goto fail;
			x->rs_on[s] = 1;
		}
	x->logmel_max = x->peak_max = x->valley_max = -HUGE_VALF;
	return x;
fail:
	grym_extractor_free(x);
	return NULL;
}

void grym_extractor_free(grym_extractor *x)
{
	if (!x)
		return;
	grym_stft_free(x->stft);
	grym_melbank_free(x->mb);
	grym_dct_free(x->dct);
	if (x->contrast_on)
		gf_contrast_free(&x->contrast);
	gf_framer_free(&x->tf);
	grym_tuning_free(x->tuning);
	grym_yin_free(x->yin);
	free(x->powrow);
	free(x->lmblock);
	free(x->mfblock);
	free(x->tframe);
	free(x->pow);
	free(x->mel);
	free(x->freq);
	free(x->peak);
	free(x->valley);
	free(x->mag);
	free(x->row);
	for (int s = 0; s < ST_COUNT; s++)
		if (x->rs_on[s])
			rs_free(&x->rs[s]);
	free(x);
}

int64_t grym_extractor_samples(const grym_extractor *x)
{
	return x->samples;
}

static int put1(grym_extractor *x, int store, double v, grym_error *err)
{
	float f = (float)v;
	return rs_append(&x->rs[store], &f, err);
}

/* DCT of the log-mel rows gathered in the first pass (--top-db none). */
static int flush_mfcc(grym_extractor *x, grym_error *err)
{
	int rc = GRYM_OK;
	if (x->lmfill == 0)
		return GRYM_OK;
	grym_dct_apply(x->dct, x->lmblock, x->lmfill, x->mfblock);
	for (int t = 0; t < x->lmfill && rc == GRYM_OK; t++)
		rc = rs_append(&x->rs[ST_MFCC], x->mfblock + (size_t)t * x->o.n_mfcc, err);
	x->lmfill = 0;
	return rc;
}

/* Everything one STFT frame gives. */
static int spectral_frame(grym_extractor *x, grym_error *err)
{
	int bins = grym_stft_bins(x->stft);
	int *w = x->want;
	int rc;
	/* librosa's |stft| is complex64 -> float32 magnitude (hypotf, which
	 * the double square root below rounds identically). The power for the
	 * mel chain is taken from the float64 spectrum, whatever else is asked,
	 * so a feature's bits never depend on its companions. */
	const double *restrict c = x->cplx;
	double *restrict pw = x->pow;
	float *restrict mg = x->mag;
	if (x->need_mel)
		for (int k = 0; k < bins; k++)
			pw[k] = c[2 * k] * c[2 * k] + c[2 * k + 1] * c[2 * k + 1];
	if (x->need_mag)
		for (int k = 0; k < bins; k++) {
			double re = (float)c[2 * k], im = (float)c[2 * k + 1];
			mg[k] = (float)sqrt(re * re + im * im);
		}
	if (w[GRYM_FEAT_STFT_MAG] && (rc = rs_append(&x->rs[GRYM_FEAT_STFT_MAG], x->mag, err)))
		return rc;
	if (w[GRYM_FEAT_CHROMA]) {
		/* chroma_stft's S is np.abs(stft)**2 in float32 */
		for (int k = 0; k < bins; k++)
			x->powrow[k] = mg[k] * mg[k];
		if ((rc = rs_append(&x->rs[ST_POWER], x->powrow, err)))
			return rc;
		if (x->tuning && (rc = grym_tuning_add(x->tuning, x->powrow, 1, err)))
			return rc;
	}
	if (x->need_mel) {
		int nm = grym_melbank_mels(x->mb);
		grym_melbank_apply(x->mb, x->pow, x->mel);
		if (w[GRYM_FEAT_MEL]) {
			for (int i = 0; i < nm; i++)
				x->row[i] = (float)x->mel[i];
			if ((rc = rs_append(&x->rs[GRYM_FEAT_MEL], x->row, err)))
				return rc;
		}
		if (x->rs_on[GRYM_FEAT_LOGMEL] || x->mfcc_now) {
			/* librosa's mel is float32 and power_to_db takes its log10 in
			 * float32: the same here (and log10f is the faster) */
			float amin = (float)x->o.db.amin;
			float ref = (float)(10.0 * log10(x->o.db.ref > x->o.db.amin ? x->o.db.ref : x->o.db.amin));
			float mx = x->logmel_max;
			for (int i = 0; i < nm; i++) {
				float v = (float)x->mel[i];
				float d = 10.0f * log10f(v > amin ? v : amin) - ref;
				x->row[i] = d;
				if (d > mx)
					mx = d;
			}
			x->logmel_max = mx;
			if (x->rs_on[GRYM_FEAT_LOGMEL] && (rc = rs_append(&x->rs[GRYM_FEAT_LOGMEL], x->row, err)))
				return rc;
			if (x->mfcc_now) {
				memcpy(x->lmblock + (size_t)x->lmfill * nm, x->row, (size_t)nm * sizeof *x->row);
				if (++x->lmfill == BLOCK_ROWS && (rc = flush_mfcc(x, err)))
					return rc;
			}
		}
	}
	double cen = 0.0;
	if (w[GRYM_FEAT_CENTROID] || w[GRYM_FEAT_BANDWIDTH])
		cen = gf_centroid(x->mag, x->freq, bins);
	if (w[GRYM_FEAT_CENTROID] && (rc = put1(x, GRYM_FEAT_CENTROID, cen, err)))
		return rc;
	if (w[GRYM_FEAT_BANDWIDTH] &&
	    (rc = put1(x, GRYM_FEAT_BANDWIDTH, gf_bandwidth(x->mag, x->freq, bins, cen), err)))
		return rc;
	if (w[GRYM_FEAT_ROLLOFF] &&
	    (rc = put1(x, GRYM_FEAT_ROLLOFF, gf_rolloff(x->mag, x->freq, bins, x->o.roll_percent), err)))
		return rc;
	if (w[GRYM_FEAT_FLATNESS] &&
	    (rc = put1(x, GRYM_FEAT_FLATNESS,
		       gf_flatness(x->mag, bins, x->o.flatness_amin, x->o.flatness_power), err)))
		return rc;
	if (w[GRYM_FEAT_CONTRAST]) {
		int nb = x->contrast.n_bands;
		gf_contrast_frame(&x->contrast, x->mag, x->peak, x->valley);
		/* contrast = power_to_db(peak) - power_to_db(valley), librosa's
		 * defaults: ref 1, amin 1e-10, top_db 80 over the whole clip */
		grym_power_to_db(x->peak, x->peak, (size_t)nb, 1.0, 1e-10);
		grym_power_to_db(x->valley, x->valley, (size_t)nb, 1.0, 1e-10);
		for (int i = 0; i < nb; i++) {
			x->row[i] = (float)x->peak[i];
			x->row[nb + i] = (float)x->valley[i];
			if (x->row[i] > x->peak_max)
				x->peak_max = x->row[i];
			if (x->row[nb + i] > x->valley_max)
				x->valley_max = x->row[nb + i];
		}
		if ((rc = rs_append(&x->rs[ST_CONTRAST_DB], x->row, err)))
			return rc;
	}
	return GRYM_OK;
}

static int time_frame(grym_extractor *x, grym_error *err)
{
	int n = x->tf.frame_len, rc;
	if (x->want[GRYM_FEAT_ZCR]) {
		gf_framer_copy(&x->tf, GF_PAD_EDGE, x->tframe);
		if ((rc = put1(x, GRYM_FEAT_ZCR, gf_zcr(x->tframe, n), err)))
			return rc;
	}
	if (x->want[GRYM_FEAT_RMS] || x->want[GRYM_FEAT_YIN])
		gf_framer_copy(&x->tf, GF_PAD_CONSTANT, x->tframe);
	if (x->want[GRYM_FEAT_RMS] && (rc = put1(x, GRYM_FEAT_RMS, gf_rms(x->tframe, n), err)))
		return rc;
	if (x->want[GRYM_FEAT_YIN]) {
		float out[GRYM_YIN_COLS];
		grym_yin_frame(x->yin, x->tframe, out);
		if ((rc = rs_append(&x->rs[GRYM_FEAT_YIN], out, err)))
			return rc;
	}
	return GRYM_OK;
}

static int drain(grym_extractor *x, grym_error *err)
{
	int rc;
	/* the cancel flag once a frame: one load, and a frame of the
	 * costliest features (yin, a large stft) is well under a millisecond */
	if (x->stft)
		while ((x->cplx = gf_stft_next_raw(x->stft)) != NULL)
			if ((rc = grym_ticker_check(&x->tick, err)) || (rc = spectral_frame(x, err)))
				return rc;
	if (x->need_time)
		while (gf_framer_ready(&x->tf)) {
			if ((rc = grym_ticker_check(&x->tick, err)) || (rc = time_frame(x, err)))
				return rc;
			gf_framer_advance(&x->tf);
		}
	return GRYM_OK;
}

/* Progress of the finish: feature fin_i of the list, done of total rows
 * through its current step; and the cancel check of every block. */
static int fin_tick(grym_extractor *x, int64_t done, int64_t total, grym_error *err)
{
	double f = ((double)x->fin_i + (total > 0 ? (double)done / (double)total : 0)) / x->n;
	return grym_ticker_tick(&x->tick, f, grym_feature_name(x->list[x->fin_i]), err);
}

int grym_extractor_feed(grym_extractor *x, const float *s, size_t n, grym_error *err)
{
	if (x->finished)
		return grym_error_set(err, GRYM_ERR_INVALID, "samples fed after the end");
	/* feed in pieces so the framers' buffers stay small */
	const size_t piece = 65536;
	int bad = 0;
	for (size_t i = 0; i < n; i++)   /* branch-free, so it vectorises */
		bad |= !(fabsf(s[i]) <= FLT_MAX);
	for (size_t i = 0; bad && i < n; i++)
		if (!isfinite(s[i]))
			return grym_error_set(err, GRYM_ERR_INVALID, "sample %lld is %s",
					      (long long)(x->samples + (int64_t)i),
					      isnan(s[i]) ? "NaN" : "infinite");
	for (size_t off = 0; off < n; off += piece) {
		size_t m = n - off < piece ? n - off : piece;
		int rc;
		if (x->stft && (rc = grym_stft_feed(x->stft, s + off, m, err)))
			return rc;
		if (x->need_time && (rc = gf_framer_feed(&x->tf, s + off, m, err)))
			return rc;
		x->samples += (int64_t)m;
		if ((rc = drain(x, err)))
			return rc;
	}
	return GRYM_OK;
}

/* Send a whole store to the sink, optionally transformed per block. */
typedef void (*row_fn)(grym_extractor *x, float *rows, int64_t n, float *out);

static int emit_store(grym_extractor *x, grym_feature f, rowstore *r, int out_dims,
		      row_fn fn, const grym_feature_sink *sink, grym_error *err)
{
	int rc = rs_rewind(r, err);
	if (rc)
		return rc;
	float *buf = malloc((size_t)BLOCK_ROWS * r->dims * sizeof *buf);
	float *out = fn ? malloc((size_t)BLOCK_ROWS * out_dims * sizeof *out) : NULL;
	if (!buf || (fn && !out)) {
		free(buf);
		free(out);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	if (sink->begin)
		rc = sink->begin(sink->ud, f, r->rows, out_dims, err);
	int64_t first = 0;
	while (rc == GRYM_OK && (rc = fin_tick(x, first, r->rows, err)) == GRYM_OK) {
		int64_t n = rs_read(r, buf, BLOCK_ROWS, err);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (fn)
			fn(x, buf, n, out);
		if (sink->rows)
			rc = sink->rows(sink->ud, f, first, fn ? out : buf, n, err);
		first += n;
	}
	if (rc == GRYM_OK && sink->end)
		rc = sink->end(sink->ud, f, err);
	free(buf);
	free(out);
	return rc;
}

static void logmel_floor(grym_extractor *x, float *rows, int64_t n, float *out)
{
	size_t len = (size_t)n * x->o.mel.n_mels;
	memcpy(out, rows, len * sizeof *out);
	if (x->o.db.top_db >= 0)
		grym_db_floor(out, len, (double)x->logmel_max - x->o.db.top_db);
}

static void contrast_rows(grym_extractor *x, float *rows, int64_t n, float *out)
{
	int nb = x->contrast.n_bands;
	double pf = (double)x->peak_max - 80.0, vf = (double)x->valley_max - 80.0;
	for (int64_t t = 0; t < n; t++)
		for (int i = 0; i < nb; i++) {
			double p = rows[t * 2 * nb + i], v = rows[t * 2 * nb + nb + i];
			if (p < pf)
				p = pf;
			if (v < vf)
				v = vf;
			out[t * nb + i] = (float)(p - v);
		}
}

/* logmel store -> mfcc store (floor, then the DCT in blocks). */
static int build_mfcc(grym_extractor *x, grym_error *err)
{
	rowstore *lm = &x->rs[GRYM_FEAT_LOGMEL], *mf = &x->rs[ST_MFCC];
	if (mf->rows)
		return GRYM_OK;
	int nm = x->o.mel.n_mels, nc = x->o.n_mfcc;
	int rc = rs_rewind(lm, err);
	float *buf = malloc((size_t)BLOCK_ROWS * nm * sizeof *buf);
	float *fl = malloc((size_t)BLOCK_ROWS * nm * sizeof *fl);
	float *out = malloc((size_t)BLOCK_ROWS * nc * sizeof *out);
	if (!buf || !fl || !out)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	while (rc == GRYM_OK && (rc = fin_tick(x, mf->rows, lm->rows, err)) == GRYM_OK) {
		int64_t n = rs_read(lm, buf, BLOCK_ROWS, err);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		logmel_floor(x, buf, n, fl);
		grym_dct_apply(x->dct, fl, n, out);
		for (int64_t t = 0; t < n && rc == GRYM_OK; t++)
			rc = rs_append(mf, out + t * nc, err);
	}
	free(buf);
	free(fl);
	free(out);
	return rc;
}

/* logmel store -> onset store (floor, then onset strength, streaming). */
static int build_onset(grym_extractor *x, grym_error *err)
{
	rowstore *lm = &x->rs[GRYM_FEAT_LOGMEL], *on = &x->rs[ST_ONSET];
	if (on->rows)
		return GRYM_OK;
	int nm = x->o.mel.n_mels;
	/* the parameters were checked by grym_extractor_new: only memory can fail */
	grym_onset *o = grym_onset_new(nm, x->o.stft.n_fft, x->o.stft.hop, x->o.stft.center, err);
	int rc = o ? GRYM_OK : err ? err->code : GRYM_ERR_NOMEM;
	if (rc == GRYM_OK)
		rc = rs_rewind(lm, err);
	float *buf = malloc((size_t)BLOCK_ROWS * nm * sizeof *buf);
	float *fl = malloc((size_t)BLOCK_ROWS * nm * sizeof *fl);
	float *out = malloc((size_t)BLOCK_ROWS * sizeof *out);
	if (rc == GRYM_OK && (!buf || !fl || !out))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	while (rc == GRYM_OK && (rc = fin_tick(x, on->rows, lm->rows, err)) == GRYM_OK) {
		int64_t n = rs_read(lm, buf, BLOCK_ROWS, err);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		logmel_floor(x, buf, n, fl);
		rc = grym_onset_do(o, fl, (size_t)n, out, err);
		for (int64_t t = 0; t < n && rc == GRYM_OK; t++)
			rc = rs_append(on, out + t, err);
	}
	grym_onset_free(o);
	free(buf);
	free(fl);
	free(out);
	return rc;
}

static int emit_chroma(grym_extractor *x, const grym_feature_sink *sink, grym_error *err)
{
	double tuning = x->o.tuning;
	int rc = GRYM_OK;
	if ((rc = fin_tick(x, 0, 1, err)))
		return rc;
	if (isnan(tuning) && (rc = grym_tuning_estimate(x->tuning, &tuning, err)))
		return rc;
	grym_chroma *ch = grym_chroma_new(x->rate, x->o.stft.n_fft, tuning, err);
	if (!ch)
		return err ? err->code : GRYM_ERR_NOMEM;
	rowstore *r = &x->rs[ST_POWER];
	float *buf = malloc((size_t)BLOCK_ROWS * r->dims * sizeof *buf);
	float *out = malloc((size_t)BLOCK_ROWS * GRYM_CHROMA_BINS * sizeof *out);
	if (!buf || !out)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK)
		rc = rs_rewind(r, err);
	if (rc == GRYM_OK && sink->begin)
		rc = sink->begin(sink->ud, GRYM_FEAT_CHROMA, r->rows, GRYM_CHROMA_BINS, err);
	int64_t first = 0;
	while (rc == GRYM_OK && (rc = fin_tick(x, first, r->rows, err)) == GRYM_OK) {
		int64_t n = rs_read(r, buf, BLOCK_ROWS, err);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		rc = grym_chroma_do(ch, buf, (size_t)n, out, err);
		if (rc == GRYM_OK && sink->rows)
			rc = sink->rows(sink->ud, GRYM_FEAT_CHROMA, first, out, n, err);
		first += n;
	}
	if (rc == GRYM_OK && sink->end)
		rc = sink->end(sink->ud, GRYM_FEAT_CHROMA, err);
	grym_chroma_free(ch);
	free(buf);
	free(out);
	return rc;
}

static int emit_tempo(grym_extractor *x, const grym_feature_sink *sink, grym_error *err)
{
	rowstore *on = &x->rs[ST_ONSET];
	grym_tempo_params tpp;
	grym_tempo_params_default(&tpp);
	grym_tempo *tp = grym_tempo_new(x->rate, x->o.stft.hop, &tpp, err);
	int rc = tp ? GRYM_OK : err ? err->code : GRYM_ERR_NOMEM;
	float *env = malloc((size_t)(on->rows ? on->rows : 1) * sizeof *env);
	if (rc == GRYM_OK && !env)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK)
		rc = rs_rewind(on, err);
	if (rc == GRYM_OK) {
		int64_t n = rs_read(on, env, on->rows, err);
		if (n != on->rows)
			rc = n < 0 ? (int)n : grym_error_set(err, GRYM_ERR_INTERNAL, "short onset store");
	}
	double bpm = 0;
	if (rc == GRYM_OK)
		rc = fin_tick(x, 0, 1, err);
	if (rc == GRYM_OK)
		rc = grym_tempo_do(tp, env, (size_t)on->rows, &bpm, err);
	float v = (float)bpm;
	if (rc == GRYM_OK && sink->begin)
		rc = sink->begin(sink->ud, GRYM_FEAT_TEMPO, 1, 1, err);
	if (rc == GRYM_OK && sink->rows)
		rc = sink->rows(sink->ud, GRYM_FEAT_TEMPO, 0, &v, 1, err);
	if (rc == GRYM_OK && sink->end)
		rc = sink->end(sink->ud, GRYM_FEAT_TEMPO, err);
	grym_tempo_free(tp);
	free(env);
	return rc;
}

/* Deltas over the stored MFCC rows with a 9-row window. */
static int emit_delta(grym_extractor *x, grym_feature f, int order,
		      const grym_feature_sink *sink, grym_error *err)
{
	rowstore *mf = &x->rs[ST_MFCC];
	int64_t T = mf->rows;
	int d = mf->dims;
	if (T < 9)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "%s needs at least 9 frames (delta width 9); the clip has %lld",
				      grym_feature_name(f), (long long)T);
	int rc = rs_rewind(mf, err);
	if (rc)
		return rc;
	float *ring = malloc((size_t)9 * d * sizeof *ring);
	float *out = malloc((size_t)BLOCK_ROWS * d * sizeof *out);
	if (!ring || !out) {
		free(ring);
		free(out);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	double c[9];
	for (int k = -4; k <= 4; k++)
		c[k + 4] = order == 1 ? (double)k / 60.0 : ((double)(k * k) - 20.0 / 3.0) / 154.0;
	if (sink->begin)
		rc = sink->begin(sink->ud, f, T, d, err);
	int64_t loaded = 0, first = 0, nout = 0;
	for (int64_t t = 0; t < T && rc == GRYM_OK; t++) {
		int64_t ctr = t < 4 ? 4 : (t > T - 5 ? T - 5 : t);
		while (rc == GRYM_OK && loaded <= ctr + 4) {
			int64_t got = rs_read(mf, ring + (loaded % 9) * d, 1, err);
			if (got != 1)
				rc = got < 0 ? (int)got : grym_error_set(err, GRYM_ERR_INTERNAL, "short MFCC store");
			loaded++;
		}
		if (rc)
			break;
		float *o = out + nout * d;
		for (int j = 0; j < d; j++) {
			double acc = 0.0;
			for (int k = 0; k < 9; k++)
				acc += c[k] * ring[((ctr - 4 + k) % 9) * d + j];
			o[j] = (float)acc;
		}
		if (++nout == BLOCK_ROWS || t == T - 1) {
			if (sink->rows)
				rc = sink->rows(sink->ud, f, first, out, nout, err);
			first += nout;
			nout = 0;
			if (rc == GRYM_OK)
				rc = fin_tick(x, first, T, err);
		}
	}
	if (rc == GRYM_OK && sink->end)
		rc = sink->end(sink->ud, f, err);
	free(ring);
	free(out);
	return rc;
}

int grym_extractor_finish(grym_extractor *x, const grym_feature_sink *sink, grym_error *err)
{
	int rc;
	if (x->finished)
		return grym_error_set(err, GRYM_ERR_INVALID, "extractor already finished");
	x->finished = 1;
	if (x->samples == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no audio samples");
	const grym_stft_params *sp = &x->o.stft;
	if (gf_framer_count(sp->n_fft, sp->hop, sp->center, x->samples) == 0)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "audio of %lld samples is shorter than one %d-sample frame "
				      "(use centring, or a smaller --n-fft)",
				      (long long)x->samples, sp->n_fft);
	if (x->stft && (rc = grym_stft_end(x->stft, err)))
		return rc;
	gf_framer_end(&x->tf);
	if ((rc = drain(x, err)))
		return rc;
	if (x->mfcc_now && (rc = flush_mfcc(x, err)))
		return rc;
	for (int i = 0; i < x->n; i++) {
		grym_feature f = x->list[i];
		x->fin_i = i;
		int d = grym_feature_dims(f, &x->o, x->rate);
		switch (f) {
		case GRYM_FEAT_LOGMEL:
			rc = emit_store(x, f, &x->rs[GRYM_FEAT_LOGMEL], d, logmel_floor, sink, err);
			break;
		case GRYM_FEAT_MFCC:
			rc = build_mfcc(x, err);
			if (rc == GRYM_OK)
				rc = emit_store(x, f, &x->rs[ST_MFCC], d, NULL, sink, err);
			break;
		case GRYM_FEAT_MFCC_DELTA:
		case GRYM_FEAT_MFCC_DELTA2:
			rc = build_mfcc(x, err);
			if (rc == GRYM_OK)
				rc = emit_delta(x, f, f == GRYM_FEAT_MFCC_DELTA ? 1 : 2, sink, err);
			break;
		case GRYM_FEAT_CONTRAST:
			rc = emit_store(x, f, &x->rs[ST_CONTRAST_DB], d, contrast_rows, sink, err);
			break;
		case GRYM_FEAT_CHROMA:
			rc = emit_chroma(x, sink, err);
			break;
		case GRYM_FEAT_ONSET:
			rc = build_onset(x, err);
			if (rc == GRYM_OK)
				rc = emit_store(x, f, &x->rs[ST_ONSET], d, NULL, sink, err);
			break;
		case GRYM_FEAT_TEMPO:
			rc = build_onset(x, err);
			if (rc == GRYM_OK)
				rc = emit_tempo(x, sink, err);
			break;
		default:
			rc = emit_store(x, f, &x->rs[f], d, NULL, sink, err);
			break;
		}
		if (rc)
			return rc;
	}
	grym_ticker_report(&x->tick, 1.0, "done");
	return GRYM_OK;
}

/* ---- whole-signal convenience ---- */

struct collect {
	grym_fmat *m;
};

static int collect_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	(void)f;
	struct collect *c = ud;
	return grym_fmat_alloc(c->m, frames, dims, err);
}

static int collect_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
			grym_error *err)
{
	(void)f;
	(void)err;
	struct collect *c = ud;
	memcpy(c->m->data + first * c->m->dims, rows, (size_t)n * c->m->dims * sizeof *rows);
	return GRYM_OK;
}

int grym_features_compute(const float *s, int64_t n, double rate, const grym_features_opts *o,
			  grym_feature f, grym_fmat *out, grym_error *err)
{
	memset(out, 0, sizeof *out);
	grym_extractor *x = grym_extractor_new(o, rate, &f, 1, err);
	if (!x)
		return err ? err->code : GRYM_ERR_INVALID;
	struct collect c = { out };
	grym_feature_sink sink = { collect_begin, collect_rows, NULL, &c };
	int rc = grym_extractor_feed(x, s, (size_t)n, err);
	if (rc == GRYM_OK)
		rc = grym_extractor_finish(x, &sink, err);
	grym_extractor_free(x);
	if (rc)
		grym_fmat_clear(out);
	return rc;
}
