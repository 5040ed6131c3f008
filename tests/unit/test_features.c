/*
 * test_features.c — grym's spectral features against librosa 0.10's own
 * numbers, element by element, for every fixture in
 * tests/fixtures/librosa: |grym - librosa| <= rtol * max|librosa over
 * that frame| + atol with the tolerances of issue 5, rolloff in the same
 * FFT bin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sndfile.h>
#include <jansson.h>
#include "tap.h"
#include "grym/features.h"
#include "grym/io.h"
#include "grym/npy.h"

/* A fixture .npy as float32 in C order (grym_npy_read transposes librosa's
 * Fortran-order arrays). */
static float *npy_load(const char *path, int *ndim, long shape[2])
{
	grym_error err = { 0 };
	grym_input *in = grym_input_open(path, &err);
	if (!in)
		return NULL;
	float *data = NULL;
	uint64_t sh[2] = { 0, 0 };
	if (grym_npy_read(in, &data, ndim, sh, &err) != GRYM_OK)
		data = NULL;
	shape[0] = (long)sh[0];
	shape[1] = (long)sh[1];
	grym_input_free(in);
	return data;
}

static float *wav_load(const char *path, int64_t *n, int *rate)
{
	SF_INFO info;
	memset(&info, 0, sizeof info);
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return NULL;
	float *x = malloc((size_t)info.frames * info.channels * sizeof *x + 4);
	*n = sf_readf_float(sf, x, info.frames);
	*rate = info.samplerate;
	sf_close(sf);
	return x;
}

struct collect {
	grym_fmat m[GRYM_FEAT_COUNT];
};

static int c_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	struct collect *c = ud;
	return grym_fmat_alloc(&c->m[f], frames, dims, err);
}

static int c_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		  grym_error *err)
{
	(void)err;
	struct collect *c = ud;
	memcpy(c->m[f].data + first * c->m[f].dims, rows, (size_t)n * c->m[f].dims * sizeof *rows);
	return GRYM_OK;
}

static char fixdir[4096];
static json_t *manifest;

/* Does manifest.json list FIXNAME for FILE? */
static int manifest_lists(const char *file, const char *fixname)
{
	json_t *feats = json_object_get(json_object_get(json_object_get(manifest, "files"), file),
					"features");
	return json_object_get(feats, fixname) != NULL;
}

/* Compare grym's frames x dims with librosa's dims x frames. */
static void compare(const char *file, grym_feature f, const char *fixname, const grym_fmat *g,
		    double rtol, double atol, double rate)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s.%s.npy", fixdir, file, fixname);
	int nd = 0;
	long sh[2] = { 0, 0 };
	if (!manifest_lists(file, fixname)) {
		/* librosa gives no yin for clips under one frame, no deltas or
		 * tempo under 9 frames: the manifest lists no such array, and
		 * there is nothing to compare */
		tap_diag("%s %s: librosa has no reference (not in manifest.json)", file, fixname);
		return;
	}
	float *ref = npy_load(path, &nd, sh);
	if (!TAP_OK(ref != NULL, "%s %s: fixture %s loads", file, fixname, path))
		return;
	long dims = nd == 2 ? sh[0] : 1, frames = nd == 2 ? sh[1] : sh[0];
	/* yin's second column (voiced) is grym's own: compare the f0 */
	int gstride = g->dims;
	if (f == GRYM_FEAT_YIN && g->dims == 2)
		gstride = 2;
	if (!TAP_OK((dims == g->dims || (f == GRYM_FEAT_YIN && dims == 1)) && frames == g->frames,
		    "%s %s: shape %ld x %ld", file, fixname, frames, dims)) {
		tap_diag("  grym %lld x %d", (long long)g->frames, g->dims);
		free(ref);
		return;
	}
	long bad = 0;
	double worst = 0;
	long wt = -1, wd = -1;
	double worst_all = 0;
	double bin = rate / 2048.0;
	for (long t = 0; t < frames; t++) {
		double mx = 0;
		for (long d = 0; d < dims; d++)
			if (fabs(ref[d * frames + t]) > mx)
				mx = fabs(ref[d * frames + t]);
		for (long d = 0; d < dims; d++) {
			double r = ref[d * frames + t], v = g->data[t * gstride + d];
			double diff = fabs(v - r), tol;
			if (f == GRYM_FEAT_ROLLOFF)
				tol = 0.5 * bin;   /* same FFT bin */
			else
				tol = rtol * mx + atol;
			if (diff / (tol > 0 ? tol : 1e-30) > worst_all)
				worst_all = diff / (tol > 0 ? tol : 1e-30);
			if (!(diff <= tol)) {
				bad++;
				if (!(diff / (tol > 0 ? tol : 1) <= worst)) {
					worst = diff / (tol > 0 ? tol : 1);
					wt = t;
					wd = d;
				}
			}
		}
	}
	if (!TAP_OK(bad == 0, "%s %s: %ld x %ld values within tolerance", file, fixname,
		    frames, dims))
		tap_diag("  %ld values out; worst %.3g x tolerance at frame %ld dim %ld: grym %.9g librosa %.9g",
			 bad, worst, wt, wd, g->data[wt * gstride + wd], ref[wd * frames + wt]);
	else
		tap_diag("  %s %s: worst error %.3g of the tolerance", file, fixname, worst_all);
	free(ref);
}

int main(void)
{
	tap_plan(388);
	const char *dir = tap_fixture_dir();
	if (!dir)
		return tap_done();
	snprintf(fixdir, sizeof fixdir, "%s", dir);
	char mpath[8192];
	snprintf(mpath, sizeof mpath, "%s/manifest.json", fixdir);
	json_error_t jerr;
	manifest = json_load_file(mpath, 0, &jerr);
	if (!TAP_OK(manifest != NULL, "%s parses", mpath)) {
		tap_diag("  %s", jerr.text);
		return tap_done();
	}
	static const char *files[] = { "tone440", "chirp", "bursts44k", "speech", "chord44k",
				       "sweep48k", "short" };
	static const struct { grym_feature f; double rtol, atol; } feats[] = {
		{ GRYM_FEAT_STFT_MAG, 1e-4, 0 }, { GRYM_FEAT_MEL, 1e-4, 0 },
		{ GRYM_FEAT_LOGMEL, 0, 0.01 }, { GRYM_FEAT_MFCC, 0, 0.01 },
		{ GRYM_FEAT_MFCC_DELTA, 0, 0.01 }, { GRYM_FEAT_MFCC_DELTA2, 0, 0.01 },
		{ GRYM_FEAT_CONTRAST, 0, 0.01 }, { GRYM_FEAT_CENTROID, 1e-3, 0 },
		{ GRYM_FEAT_BANDWIDTH, 1e-3, 0 }, { GRYM_FEAT_FLATNESS, 1e-3, 0 },
		{ GRYM_FEAT_RMS, 1e-3, 0 }, { GRYM_FEAT_ZCR, 1e-3, 0 }, { GRYM_FEAT_ROLLOFF, 0, 0 },
		{ GRYM_FEAT_CHROMA, 1e-3, 0 },  /* tuning estimated: the chroma_tuned fixture */
		{ GRYM_FEAT_ONSET, 1e-3, 0 }, { GRYM_FEAT_YIN, 1e-3, 0 }, { GRYM_FEAT_TEMPO, 0, 0.01 },
	};
	const int nf = (int)(sizeof feats / sizeof feats[0]);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s.wav", fixdir, files[i]);
		int64_t n = 0;
		int rate = 0;
		float *x = wav_load(path, &n, &rate);
		if (!TAP_OK(x != NULL, "%s: WAV loads", files[i]))
			continue;
		int is_short = !strcmp(files[i], "short");
		grym_feature list[GRYM_FEAT_COUNT];
		int nl = 0;
		for (int k = 0; k < nf; k++)
			if (!(is_short && (feats[k].f == GRYM_FEAT_MFCC_DELTA ||
					   feats[k].f == GRYM_FEAT_MFCC_DELTA2)))
				list[nl++] = feats[k].f;
		grym_features_opts o;
		grym_features_opts_default(&o);
		o.spill_bytes = 64 * 1024;  /* exercise the temporary-file path too */
		grym_error err = { 0 };
		struct collect c;
		memset(&c, 0, sizeof c);
		grym_feature_sink sink = { c_begin, c_rows, NULL, &c };
		grym_extractor *ex = grym_extractor_new(&o, rate, list, nl, &err);
		int rc = ex ? GRYM_OK : err.code;
		/* feed in odd block sizes: streaming must not change a number */
		for (int64_t off = 0; rc == GRYM_OK && off < n; off += 1237)
			rc = grym_extractor_feed(ex, x + off, (size_t)(n - off < 1237 ? n - off : 1237), &err);
		if (rc == GRYM_OK)
			rc = grym_extractor_finish(ex, &sink, &err);
		if (TAP_OK(rc == GRYM_OK, "%s: extractor runs", files[i])) {
			for (int k = 0; k < nl; k++) {
				int fi = 0;
				while (feats[fi].f != list[k])
					fi++;
				compare(files[i], list[k],
					list[k] == GRYM_FEAT_CHROMA ? "chroma_tuned" : grym_feature_name(list[k]),
					&c.m[list[k]], feats[fi].rtol, feats[fi].atol, rate);
			}
		} else {
			tap_diag("  %s", err.msg);
		}
		for (int k = 0; k < GRYM_FEAT_COUNT; k++)
			grym_fmat_clear(&c.m[k]);
		grym_extractor_free(ex);
		/* chroma at A440 (--tuning 0): the chroma fixture */
		grym_fmat ch;
		o.tuning = 0.0;
		rc = grym_features_compute(x, n, rate, &o, GRYM_FEAT_CHROMA, &ch, &err);
		if (TAP_OK(rc == GRYM_OK, "%s: chroma with tuning 0", files[i]))
			compare(files[i], GRYM_FEAT_CHROMA, "chroma", &ch, 1e-3, 0, rate);
		grym_fmat_clear(&ch);
		free(x);
	}
	json_decref(manifest);
	return tap_done();
}
