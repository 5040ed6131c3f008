/* test_stage_features.c — the features stage as a library call
 * (grym/stage_features.h) with a sink that collects what a server would:
 * a WAV's frame matrix is bit for bit what grym_features_file gives for
 * the same plan, and its summary vector the mean and std of that matrix;
 * a missing file is reported through env->failed under its name while
 * the next input still gives its result; two workers keep input order
 * and progress reaches the number of inputs; a cancel flag set before
 * the call is GRYM_ERR_CANCELLED with nothing written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "grym/grym.h"

#define RATE 22050

/* A mono 16-bit WAV of n frames: a tone with some noise. */
static int write_wav(const char *path, int64_t n, double freq)
{
	grym_error err;
	grym_output *out = grym_output_open(path, &err);
	grym_encoder *e = out ? grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_S16, RATE, 1, 0, 0, &err)
			      : NULL;
	float *buf = malloc(sizeof(float) * n);
	uint32_t seed = 1;
	int rc = -1;
	if (e && buf) {
		for (int64_t k = 0; k < n; k++) {
			seed = seed * 1664525u + 1013904223u;
			buf[k] = (float)(0.3 * sin(2 * M_PI * freq * (double)k / RATE) +
					 0.05 * ((double)(seed >> 8) / 16777216.0 - 0.5));
		}
		rc = grym_encoder_write(e, buf, n, &err);
		if (grym_encoder_close(e, &err) != GRYM_OK)
			rc = -1;
		e = NULL;
		if (rc == GRYM_OK)
			rc = grym_output_commit(out, &err);
		else
			grym_output_abort(out);
		out = NULL;
	}
	if (e)
		(void)!grym_encoder_close(e, NULL);   /* the clean-up of a failed write: its own error is moot */
	if (out)
		grym_output_abort(out);
	free(buf);
	return rc;
}

/* What the collecting sink and the env's callbacks saw. */
typedef struct seen {
	int results;
	char key[4][256];
	grym_fmat mfcc[4];      /* copies of each result's mfcc matrix */
	float vec[4][64];       /* the first 64 floats of each first vector */
	size_t vlen[4];
	int64_t nvec[4];
	int has_pipeline;
	int failed;
	char failed_input[4096];
	char failed_msg[1024];
	int progress_calls, progress_back;
	double last_done;
	uint64_t last_total;
} seen;

static int collect(void *ud, const grym_features_result *r, grym_error *err)
{
	seen *s = ud;
	if (s->results >= 4)
		return grym_error_set(err, GRYM_ERR_LIMIT, "more results than inputs");
	int i = s->results++;
	snprintf(s->key[i], sizeof s->key[i], "%s", r->key);
	json_t *pipe = json_object_get(r->meta, "pipeline");
	s->has_pipeline += json_array_size(pipe) == 1;
	if (r->m) {
		const grym_fmat *m = &r->m[GRYM_FEAT_MFCC];
		if (grym_fmat_alloc(&s->mfcc[i], m->frames, m->dims, err))
			return err->code;
		memcpy(s->mfcc[i].data, m->data, (size_t)m->frames * m->dims * sizeof(float));
	}
	s->vlen[i] = r->vlen;
	s->nvec[i] = r->nvec;
	if (r->vec)
		memcpy(s->vec[i], r->vec, (r->vlen < 64 ? r->vlen : 64) * sizeof(float));
	return GRYM_OK;
}

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	seen *s = ud;
	s->failed++;
	snprintf(s->failed_input, sizeof s->failed_input, "%s", input);
	snprintf(s->failed_msg, sizeof s->failed_msg, "%s", err->msg);
}

static void on_progress(void *ud, double done, uint64_t total, const char *msg)
{
	seen *s = ud;
	(void)msg;
	if (done < s->last_done)
		s->progress_back++;
	s->progress_calls++;
	s->last_done = done;
	s->last_total = total;
}

/* grym_features_file's own sink: the matrix. */
static int direct_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	(void)f;
	return grym_fmat_alloc(ud, frames, dims, err);
}

static int direct_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		       grym_error *err)
{
	grym_fmat *m = ud;
	(void)f;
	(void)err;
	memcpy(m->data + first * m->dims, rows, (size_t)n * m->dims * sizeof *rows);
	return GRYM_OK;
}

static void seen_clear(seen *s)
{
	for (int i = 0; i < 4; i++)
		grym_fmat_clear(&s->mfcc[i]);
	memset(s, 0, sizeof *s);
}

/* The stage on operands ops with params fp and jobs workers into s. */
static int run(const grym_features_params *fp, int jobs, char **ops, int nops,
	       const volatile sig_atomic_t *cancel, seen *s, grym_stage_env *env, grym_error *err)
{
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS };
	grym_sources *src = grym_sources_new(&so, err);
	if (!src || grym_sources_add_operands(src, nops, ops, err) != GRYM_OK) {
		grym_sources_free(src);
		return -1;
	}
	grym_features_sink sink = { .write = collect, .ud = s };
	memset(env, 0, sizeof *env);
	env->jobs = jobs;
	env->cancel = cancel;
	env->failed = on_failed;
	env->progress = on_progress;
	env->ud = s;
	int rc = grym_stage_features(env, src, fp, &sink, err);
	grym_sources_free(src);
	return rc;
}

int main(void)
{
	tap_plan(20);
	const char *dir = tap_tmpdir();
	char tone[4096], tone2[4096], missing[4096];
	snprintf(tone, sizeof tone, "%s/tone.wav", dir);
	snprintf(tone2, sizeof tone2, "%s/tone2.wav", dir);
	snprintf(missing, sizeof missing, "%s/missing.wav", dir);
	TAP_EQ_INT(write_wav(tone, RATE, 440.0) | write_wav(tone2, RATE / 2, 660.0), GRYM_OK,
		   "two test WAVs");

	static grym_features_params fp;
	grym_error err = { 0 };
	grym_features_opts_default(&fp.plan.fo);
	TAP_EQ_INT(grym_schema_defaults(grym_features_schema(), &fp, &err), GRYM_OK,
		   "the table's defaults");
	fp.plan.list[0] = GRYM_FEAT_MFCC;
	fp.plan.nlist = 1;

	/* frame matrices: a missing file first, then the WAV */
	seen s;
	memset(&s, 0, sizeof s);
	grym_stage_env env;
	char *ops[] = { missing, tone, tone2 };
	int rc = run(&fp, 1, ops, 2, NULL, &s, &env, &err);
	TAP_EQ_INT(rc, GRYM_OK, "the stage runs (%s)", err.msg);
	TAP_EQ_INT(s.failed, 1, "the missing file is one failure");
	TAP_EQ_STR(s.failed_input, missing, "reported under its name");
	TAP_OK(strstr(s.failed_msg, "No such file") != NULL, "saying why (%s)", s.failed_msg);
	TAP_EQ_INT(env.nfailed, 1, "env->nfailed counts it");
	TAP_EQ_INT(s.results, 1, "the next input still gives its result");
	TAP_EQ_STR(s.key[0], "tone", "keyed by the file's name");
	TAP_EQ_INT(s.has_pipeline, 1, "its metadata carries the stage's recipe");

	/* the same plan through grym_features_file directly */
	grym_fmat want = { 0 };
	grym_feature list[1] = { GRYM_FEAT_MFCC };
	grym_feature_sink fs = { direct_begin, direct_rows, NULL, &want };
	grym_decode_opts dec = { 0 };
	rc = grym_features_file(tone, &dec, &fp.plan.fo, list, 1, &fs, NULL, NULL, &err);
	TAP_EQ_INT(rc, GRYM_OK, "grym_features_file on the same WAV (%s)", err.msg);
	TAP_OK(want.frames > 10 && want.frames == s.mfcc[0].frames && want.dims == s.mfcc[0].dims,
	       "the same shape (%lld x %d, stage %lld x %d)", (long long)want.frames, want.dims,
	       (long long)s.mfcc[0].frames, s.mfcc[0].dims);
	TAP_OK(want.data && s.mfcc[0].data && want.frames == s.mfcc[0].frames &&
	       memcmp(want.data, s.mfcc[0].data, (size_t)want.frames * want.dims * sizeof(float)) == 0,
	       "the stage's matrix is grym_features_file's, bit for bit");

	/* summary vectors, two workers, two files */
	seen_clear(&s);
	fp.plan.summary = 1;
	ops[0] = tone;
	ops[1] = tone2;
	rc = run(&fp, 2, ops, 2, NULL, &s, &env, &err);
	TAP_EQ_INT(rc, GRYM_OK, "summary with -j 2 (%s)", err.msg);
	TAP_OK(s.results == 2 && !strcmp(s.key[0], "tone") && !strcmp(s.key[1], "tone2"),
	       "results in input order (%s, %s)", s.key[0], s.key[1]);
	TAP_OK(s.nvec[0] == 1 && s.vlen[0] == 2 * (size_t)want.dims,
	       "one vector of mean and std per dim (%lld x %zu)", (long long)s.nvec[0], s.vlen[0]);
	static const grym_stat ms[2] = { GRYM_STAT_MEAN, GRYM_STAT_STD };
	float sum[2 * 64] = { 0 };
	TAP_SETUP(grym_fmat_summary(&want, 0, want.frames, ms, 2, sum, &err));
	TAP_OK(want.dims <= 64 && memcmp(sum, s.vec[0], 2 * (size_t)want.dims * sizeof(float)) == 0,
	       "its summary is the matrix's mean and std (%g, want %g)", s.vec[0][0], sum[0]);
	TAP_OK(s.progress_calls > 0 && s.progress_back == 0 && s.last_done == 2 && s.last_total == 2,
	       "progress rises to the inputs done (%g of %llu, %d calls)", s.last_done,
	       (unsigned long long)s.last_total, s.progress_calls);

	/* cancelled before the call */
	seen_clear(&s);
	volatile sig_atomic_t flag = 1;
	rc = run(&fp, 1, ops, 2, &flag, &s, &env, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "a cancel flag set before the call: GRYM_ERR_CANCELLED");
	TAP_EQ_INT(s.results + s.failed, 0, "nothing written, nothing reported");
	grym_fmat_clear(&want);
	seen_clear(&s);
	return tap_done();
}
