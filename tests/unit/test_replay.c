/*
 * test_replay.c — recipes read back into options (normalize and features:
 * opts -> recipe -> opts -> recipe gives the same canonical JSON), their
 * errors, and lib/pipeline's replay of a pipeline on a WAV written here:
 * vector counts, dimensions, names, windows, and the errors for stages it
 * cannot replay.
 */
#include "grym/dsp.h"
#include "grym/features.h"
#include "grym/grym.h"
#include "grym/replay.h"
#include "tap.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *canon_norm(const grym_normalize_opts *o)
{
	json_t *r = grym_normalize_recipe(o);
	char *c = grym_recipe_canonical(r);
	json_decref(r);
	return c;
}

static void norm_roundtrip(const char *what, const grym_normalize_opts *o)
{
	grym_error err = { 0 };
	grym_normalize_opts back;
	json_t *r = grym_normalize_recipe(o);
	char *c1 = grym_recipe_canonical(r), *c2 = NULL;
	memset(&back, 0x55, sizeof back);
	back.tmpdir = NULL;
	int rc = grym_normalize_opts_from_recipe(r, &back, &err);
	TAP_EQ_INT(rc, GRYM_OK, "normalize %s: recipe reads back (%s)", what, err.msg);
	if (rc == GRYM_OK)
		c2 = canon_norm(&back);
	TAP_EQ_STR(c2, c1, "normalize %s: opts -> recipe -> opts -> recipe is identical", what);
	if (rc == GRYM_OK) {
		TAP_EQ_INT(back.mode, o->mode, "normalize %s: mode", what);
		TAP_OK(back.target == o->target, "normalize %s: target", what);
		TAP_EQ_INT((long long)back.seed, (long long)o->seed, "normalize %s: seed", what);
	}
	free(c1);
	free(c2);
	json_decref(r);
}

static void normalize_recipes(void)
{
	grym_normalize_opts o;
	grym_error err = { 0 };

	grym_normalize_opts_init(&o);
	norm_roundtrip("defaults", &o);
	o.mode = GRYM_GAIN_PEAK;
	o.target = -3.5;
	o.true_peak = NAN;
	o.rate = 16000;
	o.channels = 1;
	o.highpass = 80;
	o.lowpass = 7000;
	o.order = 4;
	o.dc = 1;
	o.trim_db = -60;
	o.fade_in = 0.01;
	o.fade_out = 0.25;
	o.type = GRYM_FILE_FLAC;
	o.bits = 24;
	o.seed = 0x7edcba9876543210ull;   /* seeds are below 2^63: JSON integers */
	o.silence = GRYM_SILENCE_SKIP;
	norm_roundtrip("every option set", &o);
	grym_normalize_opts_init(&o);
	o.mode = GRYM_GAIN_FIXED;
	o.target = 6;
	o.limit = 1;
	o.type = GRYM_FILE_OGG;
	o.silence = GRYM_SILENCE_FAIL;
	norm_roundtrip("gain with limiter", &o);

	/* errors */
	grym_normalize_opts_init(&o);
	json_t *r = grym_normalize_recipe(&o);
	grym_normalize_opts keep = o;
	json_object_del(r, "target");
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT, "missing key refused");
	TAP_OK(strstr(err.msg, "\"target\"") != NULL, "the message names it: %s", err.msg);
	TAP_OK(memcmp(&o, &keep, sizeof o) == 0, "opts untouched on error");
	json_object_set_new(r, "target", json_real(-23));
	json_object_set_new(r, "mode", json_string("loud"));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT, "unknown mode refused");
	TAP_OK(strstr(err.msg, "loud") != NULL, "names the value: %s", err.msg);
	json_object_set_new(r, "mode", json_string("lufs"));
	json_object_set_new(r, "wobble", json_true());
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT, "unknown key refused");
	TAP_OK(strstr(err.msg, "wobble") != NULL, "names the key: %s", err.msg);
	json_object_del(r, "wobble");
	json_object_set_new(r, "versions", json_pack("{s:s}", "grym", "99.0.0"));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_OK,
		   "library versions are informative, not compared");
	json_object_set_new(r, "stage", json_string("features"));
	TAP_EQ_INT(grym_normalize_opts_from_recipe(r, &o, &err), GRYM_ERR_FORMAT, "another stage refused");
	json_decref(r);
}

static char *canon_feat(const grym_features_plan *p)
{
	json_t *r = grym_features_recipe(p, -1);
	char *c = grym_recipe_canonical(r);
	json_decref(r);
	return c;
}

static void feat_roundtrip(const char *what, const grym_features_plan *p)
{
	grym_error err = { 0 };
	grym_features_plan back;
	json_t *r = grym_features_recipe(p, -1);
	char *c1 = grym_recipe_canonical(r), *c2 = NULL;
	int rc = grym_features_plan_from_recipe(r, &back, &err);
	TAP_EQ_INT(rc, GRYM_OK, "features %s: recipe reads back (%s)", what, err.msg);
	if (rc == GRYM_OK) {
		c2 = canon_feat(&back);
		TAP_EQ_INT(back.nlist, p->nlist, "features %s: feature count", what);
		TAP_EQ_INT(back.summary, p->summary && !(p->segment > 0), "features %s: summary", what);
	}
	TAP_EQ_STR(c2, c1, "features %s: plan -> recipe -> plan -> recipe is identical", what);
	free(c1);
	free(c2);
	json_decref(r);
}

static void features_recipes(void)
{
	grym_features_plan p;
	grym_error err = { 0 };

	grym_features_plan_default(&p);
	p.list[p.nlist++] = GRYM_FEAT_MFCC;
	feat_roundtrip("frame matrices", &p);
	p.list[p.nlist++] = GRYM_FEAT_RMS;
	p.summary = 1;
	feat_roundtrip("mfcc,rms --summary", &p);
	grym_features_plan_default(&p);
	p.list[p.nlist++] = GRYM_FEAT_CHROMA;
	p.list[p.nlist++] = GRYM_FEAT_CONTRAST;
	p.list[p.nlist++] = GRYM_FEAT_LOGMEL;
	p.rate = 22050;
	p.offset = 0.5;
	p.duration = 3;
	p.fo.stft.n_fft = 1024;
	p.fo.stft.hop = 256;
	p.fo.stft.win_length = 800;
	p.fo.stft.window = GRYM_WINDOW_HAMMING;
	p.fo.stft.center = 0;
	p.fo.stft.pad_mode = GRYM_PAD_REFLECT;
	p.fo.mel.n_mels = 40;
	p.fo.mel.fmin = 30;
	p.fo.mel.fmax = 8000;
	p.fo.mel.htk = 1;
	p.fo.mel.norm = GRYM_MEL_NORM_NONE;
	p.fo.db.top_db = -1;
	p.fo.tuning = 0.25;
	p.fo.lifter = 22;
	p.stats[0] = GRYM_STAT_P90;
	p.stats[1] = GRYM_STAT_MIN;
	p.stats[2] = GRYM_STAT_MEAN;
	p.nstats = 3;
	p.segment = 1.5;
	p.segment_hop = 0.5;
	feat_roundtrip("every parameter, segments", &p);

	/* errors */
	grym_features_plan_default(&p);
	p.list[p.nlist++] = GRYM_FEAT_MFCC;
	p.summary = 1;
	json_t *r = grym_features_recipe(&p, -1);
	json_object_del(r, "hop");
	TAP_EQ_INT(grym_features_plan_from_recipe(r, &p, &err), GRYM_ERR_FORMAT, "missing hop refused");
	TAP_OK(strstr(err.msg, "\"hop\"") != NULL, "names it: %s", err.msg);
	json_object_set_new(r, "hop", json_integer(512));
	json_object_set_new(r, "features", json_pack("[s]", "mfccc"));
	TAP_EQ_INT(grym_features_plan_from_recipe(r, &p, &err), GRYM_ERR_INVALID, "unknown feature refused");
	TAP_OK(strstr(err.msg, "mfccc") != NULL, "names it: %s", err.msg);
	json_object_set_new(r, "features", json_pack("[s]", "mfcc"));
	json_object_set_new(r, "frobnicate", json_integer(1));
	TAP_EQ_INT(grym_features_plan_from_recipe(r, &p, &err), GRYM_ERR_FORMAT, "unknown key refused");
	json_decref(r);
}

/* A mono 16-bit WAV of secs seconds: a tone at f Hz, or noise when f is 0. */
static void write_wav(const char *path, int rate, double secs, double f)
{
	FILE *fp = fopen(path, "wb");
	uint32_t n = (uint32_t)(rate * secs), x = 12345;
	uint32_t data = n * 2, riff = 36 + data, fmtlen = 16, r = (uint32_t)rate, br = r * 2;
	uint16_t pcm = 1, ch = 1, align = 2, bits = 16;
	fwrite("RIFF", 1, 4, fp); fwrite(&riff, 4, 1, fp); fwrite("WAVEfmt ", 1, 8, fp);
	fwrite(&fmtlen, 4, 1, fp); fwrite(&pcm, 2, 1, fp); fwrite(&ch, 2, 1, fp);
	fwrite(&r, 4, 1, fp); fwrite(&br, 4, 1, fp); fwrite(&align, 2, 1, fp);
	fwrite(&bits, 2, 1, fp); fwrite("data", 1, 4, fp); fwrite(&data, 4, 1, fp);
	for (uint32_t i = 0; i < n; i++) {
		double v;
		x = x * 1664525u + 1013904223u;
		v = f > 0 ? 0.3 * sin(2 * M_PI * f * i / rate) : ((double)(x >> 8) / (1 << 24) - 0.5) * 0.4;
		int16_t s = (int16_t)lrint(v * 32767);
		fwrite(&s, 2, 1, fp);
	}
	fclose(fp);
}

static json_t *pipeline_of(int segment)
{
	grym_normalize_opts o;
	grym_features_plan p;
	json_t *pl = json_array();
	grym_normalize_opts_init(&o);
	o.rate = 16000;
	o.channels = 1;
	json_array_append_new(pl, grym_normalize_recipe(&o));
	grym_features_plan_default(&p);
	p.list[p.nlist++] = GRYM_FEAT_MFCC;
	p.list[p.nlist++] = GRYM_FEAT_RMS;
	if (segment) {
		p.segment = 0.5;
		p.segment_hop = 0.25;
	} else {
		p.summary = 1;
	}
	json_array_append_new(pl, grym_features_recipe(&p, -1));
	return pl;
}

static void replay(void)
{
	char wav[4096];
	grym_error err = { 0 };
	grym_replay_result res;
	snprintf(wav, sizeof wav, "%s/tone.wav", tap_tmpdir());
	write_wav(wav, 44100, 1.2, 440);

	json_t *pl = pipeline_of(0);
	grym_replay *r = grym_replay_new(pl, tap_tmpdir(), &err);
	TAP_OK(r != NULL, "a normalize + features pipeline is replayable (%s)", err.msg);
	TAP_EQ_INT(grym_replay_segmented(r), 0, "summary: not segmented");
	TAP_EQ_INT(grym_replay_file(r, wav, &res, &err), GRYM_OK, "replayed on a WAV (%s)", err.msg);
	TAP_EQ_INT(res.n, 1, "one vector per clip");
	TAP_EQ_INT(res.dims, 2 * (20 + 1), "mean and std of 20 MFCCs and rms");
	TAP_EQ_INT(json_array_size(res.names), res.dims, "a name per column");
	TAP_EQ_STR(json_string_value(json_array_get(res.names, 0)), "mfcc0_mean", "first column");
	TAP_NEAR(res.rate, 16000, 0, "analysed at the normalize stage's rate");
	TAP_NEAR(res.end[0], 1.2, 1e-3, "the clip's end");
	/* columns: 20 MFCC means, 20 stds, then rms mean and std. A mono sine
	 * reads its RMS level in LUFS (NOTES.md: -20 dBFS peak reads -23.0), so
	 * normalised to -23 LUFS its frame RMS is near -23 dB */
	TAP_EQ_STR(json_string_value(json_array_get(res.names, 40)), "rms_mean", "column 40");
	TAP_NEAR(20 * log10(res.x[40]), -23, 0.6, "rms after normalization to -23 LUFS (%g)", res.x[40]);
	grym_replay_result_clear(&res);
	grym_replay_free(r);
	json_decref(pl);

	pl = pipeline_of(1);
	r = grym_replay_new(pl, NULL, &err);
	TAP_EQ_INT(grym_replay_segmented(r), 1, "segment: segmented");
	TAP_EQ_INT(grym_replay_file(r, wav, &res, &err), GRYM_OK, "segments replayed (%s)", err.msg);
	TAP_EQ_INT(res.n, 5, "windows of 0.5 s every 0.25 s over 1.2 s: starts 0..1.0");
	TAP_NEAR(res.start[1], 0.25, 1e-12, "second window starts at 0.25 s");
	TAP_NEAR(res.end[4], 1.2, 1e-3, "last window ends at the clip's end");
	grym_replay_result_clear(&res);
	TAP_EQ_INT(grym_replay_file(r, "/nonexistent/x.wav", &res, &err) != GRYM_OK, 1,
		   "a missing file fails (%s)", err.msg);
	TAP_EQ_INT(res.n, 0, "and leaves the result empty");
	grym_replay_free(r);

	/* stages it cannot replay */
	json_array_insert_new(pl, 0, json_pack("{s:s}", "stage", "reverse"));
	TAP_OK(grym_replay_new(pl, NULL, &err) == NULL, "an unknown stage is refused");
	TAP_OK(strstr(err.msg, "\"reverse\"") != NULL, "naming the stage: %s", err.msg);
	json_array_remove(pl, 0);
	json_object_del(json_array_get(pl, 0), "lufs_or_what");
	json_object_del(json_array_get(pl, 0), "bits");
	TAP_OK(grym_replay_new(pl, NULL, &err) == NULL, "a corrupt normalize recipe is refused");
	TAP_OK(strstr(err.msg, "stage 1") && strstr(err.msg, "bits"), "naming stage and key: %s", err.msg);
	json_array_remove(pl, 0);
	json_array_remove(pl, 0);
	TAP_OK(grym_replay_new(pl, NULL, &err) == NULL, "an empty pipeline is refused");
	json_decref(pl);
}

int main(void)
{
	tap_plan(64);
	normalize_recipes();
	features_recipes();
	replay();
	return tap_done();
}
