/*
 * test_concurrent.c — three stages side by side in one process, as the
 * server will run them: features (MFCC, chroma, yin and tempo of a WAV,
 * through FFTW's planner), normalize (decode, filter, soxr resampling,
 * true-peak limiting, dithered 16-bit WAV out, through FFmpeg and
 * libsndfile) and train (logreg, linsvm, svm and mlp, each trained and
 * cross-validated: liblinear's and libsvm's rand(), BLAS). Each runs
 * alone first and its output is kept; then ROUNDS rounds start two copies
 * of each at once on six threads (released together by a barrier), and
 * every copy's output must equal the serial one byte for byte. A piece of
 * global state left unguarded (the FFTW planner lock, the lock around
 * libsvm and its srand, FFmpeg's log set twice) shows up here as a
 * different byte or a failed watch below (and, in a -fsanitize=thread
 * build of lib/ and this test, as ThreadSanitizer reports; helgrind
 * cannot run it: valgrind stops at an instruction of libhwy, which
 * FFmpeg's libjxl loads).
 *
 * Each run is its stage's library call (grym_stage_features, _normalize,
 * _train) with an environment of its own and -j 2, as grym-serve runs a
 * job: so each copy also runs its own worker pool beside the others'.
 */
#include "grym/grym.h"
#include "tap.h"

#include <dlfcn.h>
#include <fftw3.h>
#include <libavutil/log.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef ROUNDS
#define ROUNDS 3                  /* -DROUNDS=1 for a quick run under a sanitizer */
#endif
#define COPIES 2                  /* of each stage per round */
#define NTHREADS (3 * COPIES)

/* ---- watching the global state of the libraries below ----
 *
 * A race in FFTW's planner is rare enough that equal outputs alone would
 * seldom catch a missing lock. So this program defines the three planner
 * functions libgrym calls: each call counts itself, notes whether another
 * thread was inside the planner at that moment, and stays in for a
 * millisecond (long enough that two unguarded planners, started together
 * by the barrier, overlap every time), then calls FFTW's own (found with
 * RTLD_NEXT). The executable's definitions win over libfftw3's, since
 * libgrym is linked in statically. FFmpeg's log setters are counted the
 * same way: the process must set them exactly once. */

static atomic_int in_planner, planner_overlap, planner_calls, log_level_sets, log_callback_sets;

static void *real_fn(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f) {
		fprintf(stderr, "test_concurrent: %s not found\n", name);
		abort();
	}
	return f;
}

static void planner_enter(void)
{
	struct timespec ms = { 0, 1000000 };
	if (atomic_fetch_add(&in_planner, 1) > 0)
		atomic_store(&planner_overlap, 1);
	atomic_fetch_add(&planner_calls, 1);
	nanosleep(&ms, NULL);
}

static void planner_leave(void)
{
	atomic_fetch_sub(&in_planner, 1);
}

fftw_plan fftw_plan_dft_r2c_1d(int n, double *in, fftw_complex *out, unsigned flags)
{
	fftw_plan (*real)(int, double *, fftw_complex *, unsigned) = real_fn(__func__);
	planner_enter();
	fftw_plan p = real(n, in, out, flags);
	planner_leave();
	return p;
}

fftw_plan fftw_plan_dft_c2r_1d(int n, fftw_complex *in, double *out, unsigned flags)
{
	fftw_plan (*real)(int, fftw_complex *, double *, unsigned) = real_fn(__func__);
	planner_enter();
	fftw_plan p = real(n, in, out, flags);
	planner_leave();
	return p;
}

void fftw_destroy_plan(fftw_plan p)
{
	void (*real)(fftw_plan) = real_fn(__func__);
	planner_enter();
	real(p);
	planner_leave();
}

void av_log_set_level(int level)
{
	void (*real)(int) = real_fn(__func__);
	atomic_fetch_add(&log_level_sets, 1);
	real(level);
}

void av_log_set_callback(void (*cb)(void *, int, const char *, va_list))
{
	void (*real)(void (*)(void *, int, const char *, va_list)) = real_fn(__func__);
	atomic_fetch_add(&log_callback_sets, 1);
	real(cb);
}

/* ---- an output as bytes ---- */

typedef struct blob {
	unsigned char *p;
	size_t n, cap;
	int nomem;
} blob;

static void blob_add(blob *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		unsigned char *q = realloc(b->p, cap);
		if (!q) {
			b->nomem = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void blob_free(blob *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Where two outputs first differ (-1: equal). */
static long blob_diff(const blob *a, const blob *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++)
		if (a->p[i] != b->p[i])
			return (long)i;
	return a->n == b->n ? -1 : (long)n;
}

/* ---- the inputs, written once ---- */

static int write_wav(const char *path, const float *x, int64_t frames, int rate, int channels)
{
	grym_error err;
	grym_output *out = grym_output_open(path, &err);
	grym_encoder *e = out ? grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_F32, rate,
						  channels, 0, 0, &err) : NULL;
	int rc = -1;
	if (e && grym_encoder_write(e, x, frames, &err) == GRYM_OK &&
	    grym_encoder_close(e, &err) == GRYM_OK) {
		e = NULL;
		rc = grym_output_commit(out, &err);
		out = NULL;
	}
	if (e && grym_encoder_close(e, NULL) != GRYM_OK)
		rc = -1;   /* already failed: the close only frees */
	if (out)
		grym_output_abort(out);
	return rc;
}

/* 4 s of mono 22.05 kHz music-like sound: a chord whose notes change
 * every second, struck at 120 BPM, with a little noise. */
static int make_features_wav(const char *path)
{
	const int rate = 22050;
	const int64_t n = 4 * rate;
	float *x = malloc((size_t)n * sizeof *x);
	grym_rng r;
	if (!x)
		return -1;
	grym_rng_seed(&r, 11);
	for (int64_t i = 0; i < n; i++) {
		double t = (double)i / rate, beat = fmod(t, 0.5);
		double root = 220.0 * pow(2, (double)((i / rate) % 4) * 2 / 12.0);
		double env = exp(-8 * beat);
		double s = sin(2 * M_PI * root * t) + 0.6 * sin(2 * M_PI * root * 1.25 * t) +
			   0.4 * sin(2 * M_PI * root * 1.5 * t);
		x[i] = (float)(0.25 * env * s + 0.01 * (grym_rng_uniform(&r) - 0.5));
	}
	int rc = write_wav(path, x, n, rate, 1);
	free(x);
	return rc;
}

/* 3 s of stereo 44.1 kHz at about -30 dBFS: a sine and noise, with a
 * DC offset for the high-pass to remove. */
static int make_normalize_wav(const char *path)
{
	const int rate = 44100;
	const int64_t n = 3 * rate;
	float *x = malloc((size_t)n * 2 * sizeof *x);
	grym_rng r;
	if (!x)
		return -1;
	grym_rng_seed(&r, 12);
	for (int64_t i = 0; i < n; i++) {
		double s = 0.03 * sin(2 * M_PI * 997.0 * (double)i / rate);
		x[2 * i] = (float)(s + 0.01 * (grym_rng_uniform(&r) - 0.5) + 0.005);
		x[2 * i + 1] = (float)(0.5 * s + 0.01 * (grym_rng_uniform(&r) - 0.5));
	}
	int rc = write_wav(path, x, n, rate, 2);
	free(x);
	return rc;
}

/* ---- the three runs, each through its stage call (grym/stage_*.h) ----
 *
 * As grym-serve runs them: a grym_stage_env of its own (-j 2, so each
 * stage runs its own worker pool beside the others'), grym_sources over
 * one operand, the table's defaults with a few parameters set, and a
 * sink that keeps what the stage hands it as bytes. */

static grym_sources *one_operand(const char *path, unsigned flags, grym_error *err)
{
	grym_sources_opts so = { .flags = flags };
	grym_sources *src = grym_sources_new(&so, err);
	if (src && grym_sources_add(src, path, err) != GRYM_OK) {
		grym_sources_free(src);
		return NULL;
	}
	return src;
}

static void on_failed(void *ud, const char *input, const grym_error *e)
{
	grym_error *first = ud;   /* the first input failure, kept as the run's error */
	if (first->code == GRYM_OK)
		grym_error_set(first, e->code, "%s: %s", input ? input : "(input)", e->msg);
}

/* (a) features: every feature's header (feature, frames, dims) and rows,
 * then the analysis rate and samples. */
static int features_write(void *ud, const grym_features_result *r, grym_error *err)
{
	blob *out = ud;
	for (int i = 0; i < r->plan->nlist; i++) {
		const grym_fmat *m = &r->m[r->plan->list[i]];
		int64_t h[3] = { r->plan->list[i], m->frames, m->dims };
		blob_add(out, h, sizeof h);
		blob_add(out, m->data, (size_t)m->frames * (size_t)m->dims * sizeof *m->data);
	}
	blob_add(out, &r->rate, sizeof r->rate);
	blob_add(out, &r->samples, sizeof r->samples);
	return GRYM_OK;
}

static int run_features(const char *wav, blob *out, grym_error *err)
{
	static const grym_feature list[] = { GRYM_FEAT_MFCC, GRYM_FEAT_CHROMA, GRYM_FEAT_YIN,
					     GRYM_FEAT_TEMPO };
	grym_features_params *fp = calloc(1, sizeof *fp);
	grym_error failed = { 0 };
	grym_stage_env env = { .jobs = 2, .failed = on_failed, .ud = &failed };
	grym_features_sink sink = { .write = features_write, .ud = out, .name = "blob" };
	grym_sources *src = NULL;
	int rc;

	if (!fp)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	grym_features_opts_default(&fp->plan.fo);
	rc = grym_schema_defaults(grym_features_schema(), fp, err);
	if (rc == GRYM_OK) {
		memcpy(fp->plan.list, list, sizeof list);
		fp->plan.nlist = (int)(sizeof list / sizeof *list);
		src = one_operand(wav, GRYM_SOURCES_RECORDS, err);
		rc = src ? grym_stage_features(&env, src, fp, &sink, err) : err->code;
	}
	if (rc == GRYM_OK && env.nfailed)
		rc = grym_error_set(err, failed.code, "%s", failed.msg);
	grym_sources_free(src);
	grym_schema_clear(grym_features_schema(), fp);
	free(fp);
	return rc;
}

/* (b) normalize: the output file's bytes and the report's numbers. */
typedef struct norm_ud {
	const char *outpath;
	grym_output *w;          /* the caller's to commit after the call */
	double nums[5];
	int results;
} norm_ud;

static grym_output *norm_audio(void *ud, grym_file_type *type, grym_error *err)
{
	norm_ud *u = ud;
	*type = GRYM_FILE_WAV;
	return u->w = grym_output_open(u->outpath, err);
}

static void norm_result(void *ud, const grym_normalize_result *r)
{
	norm_ud *u = ud;
	double nums[5] = { r->rep->in.integrated_lufs, r->rep->wanted_gain_db, r->rep->gain_db,
			   r->rep->limiter_db, (double)r->rep->frames_out };
	memcpy(u->nums, nums, sizeof nums);
	u->results++;
}

static int run_normalize(const char *wav, const char *outpath, blob *out, grym_error *err)
{
	grym_normalize_params p, run;
	grym_error failed = { 0 };
	grym_stage_env env = { .jobs = 2, .failed = on_failed, .ud = &failed };
	norm_ud u = { .outpath = outpath };
	grym_normalize_sink sink = { .ud = &u, .audio = norm_audio, .result = norm_result };
	grym_sources *src = NULL;
	int rc = grym_schema_defaults(grym_normalize_schema(), &p, err);

	if (rc == GRYM_OK) {
		p.lufs = -20;
		p.o.rate = 22050;        /* soxr */
		p.o.highpass = 40;
		p.o.order = 4;
		p.o.limit = 1;           /* the true-peak limiter */
		p.o.bits = 16;           /* dithered, from o.seed */
		p.o.seed = 5;
		run = p;
		rc = grym_normalize_params_opts(&p, &run.o, err);
	}
	if (rc == GRYM_OK) {
		src = one_operand(wav, GRYM_SOURCES_RECORDS, err);
		rc = src ? grym_stage_normalize(&env, src, &run, &sink, err) : err->code;
	}
	grym_sources_free(src);
	if (rc == GRYM_OK && env.nfailed)
		rc = grym_error_set(err, failed.code, "%s", failed.msg);
	if (rc == GRYM_OK && u.results != 1)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "%d results for one input", u.results);
	if (rc == GRYM_OK && !u.w)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "the input was not taken alone");
	if (rc == GRYM_OK)
		rc = grym_output_commit(u.w, err);
	else if (u.w)
		grym_output_abort(u.w);
	if (rc != GRYM_OK)
		return rc;
	FILE *f = fopen(outpath, "rb");
	if (!f)
		return grym_error_set(err, GRYM_ERR_IO, "%s: cannot read back", outpath);
	unsigned char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		blob_add(out, buf, got);
	fclose(f);
	blob_add(out, u.nums, sizeof u.nums);
	return GRYM_OK;
}

static double gauss(grym_rng *r)
{
	double u = grym_rng_uniform(r), v = grym_rng_uniform(r);
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* 3 overlapping classes in 6 dims, 300 rows, as a table: hard enough
 * that the solvers iterate, and libsvm's probability cross-validation
 * draws from rand(). */
static int write_table(const char *path)
{
	const size_t n = 300, d = 6, K = 3;
	FILE *f = fopen(path, "w");
	grym_rng r;
	if (!f)
		return -1;
	grym_rng_seed(&r, 13);
	fprintf(f, "key\tx0\tx1\tx2\tx3\tx4\tx5\tlabel\n");
	for (size_t i = 0; i < n; i++) {
		size_t c = i % K;
		fprintf(f, "item%zu", i);
		for (size_t j = 0; j < d; j++)
			fprintf(f, "\t%.9g", (float)(gauss(&r) + (j == c ? 1.2 : 0) +
						     (j == (c + 1) % d ? 0.6 : 0) + 2.0 * (double)j));
		fprintf(f, "\tc%zu\n", c);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* (c) train: for each kind, a 3-fold cross-validation's scores (the
 * metrics JSON and table) and the final model's bytes. */
static void train_evaluated(void *ud, const grym_train_result *r)
{
	blob *out = ud;
	char *m = grym_json_text(r->metrics);
	if (m)
		blob_add(out, m, strlen(m));
	if (r->table)
		blob_add(out, r->table, strlen(r->table));
	free(m);
}

static void train_done(void *ud, const grym_train_result *r)
{
	blob *out = ud;
	blob_add(out, &r->len, sizeof r->len);
	if (r->bytes)
		blob_add(out, r->bytes, r->len);
}

static int run_train(const char *table, blob *out, grym_error *err)
{
	static const grym_model_type kinds[] = { GRYM_MODEL_LOGREG, GRYM_MODEL_LINSVM,
						 GRYM_MODEL_SVM, GRYM_MODEL_MLP };
	int rc = GRYM_OK;

	for (size_t k = 0; rc == GRYM_OK && k < sizeof kinds / sizeof *kinds; k++) {
		grym_train_params tp;
		grym_error failed = { 0 };
		grym_stage_env env = { .jobs = 2, .failed = on_failed, .ud = &failed };
		grym_train_sink sink = { .ud = out, .evaluated = train_evaluated, .done = train_done };
		grym_sources *src = NULL;

		if ((rc = grym_schema_defaults(grym_train_schema(), &tp, err)) != GRYM_OK)
			break;
		tp.ml.type = kinds[k];
		tp.ml.seed = 3;
		tp.cv = 3;
		if (kinds[k] == GRYM_MODEL_MLP) {
			tp.ml.hidden[0] = 16;
			tp.ml.nhidden = 1;
			tp.ml.epochs = 40;
		}
		src = one_operand(table, GRYM_SOURCES_RECORDS | GRYM_SOURCES_STREAMS |
					 GRYM_SOURCES_TSV, err);
		rc = src ? grym_stage_train(&env, src, &tp, &sink, err) : err->code;
		if (rc == GRYM_OK && env.nfailed)
			rc = grym_error_set(err, failed.code, "%s", failed.msg);
		grym_sources_free(src);
		grym_schema_clear(grym_train_schema(), &tp);
	}
	return rc;
}

/* ---- serial, then side by side ---- */

enum { FEATURES = 0, NORMALIZE, TRAIN };
static const char *const stage_name[] = { "features", "normalize", "train" };

typedef struct job {
	int stage;
	const char *in;          /* the input WAV (features, normalize) */
	char outpath[4096];      /* normalize's output file, one per job */
	pthread_barrier_t *start;
	blob out;
	int rc;
	grym_error err;
} job;

static void run_job(job *j)
{
	memset(&j->err, 0, sizeof j->err);
	switch (j->stage) {
	case FEATURES:
		j->rc = run_features(j->in, &j->out, &j->err);
		break;
	case NORMALIZE:
		j->rc = run_normalize(j->in, j->outpath, &j->out, &j->err);
		break;
	default:
		j->rc = run_train(j->in, &j->out, &j->err);
		break;
	}
	if (j->rc == GRYM_OK && j->out.nomem)
		j->rc = grym_error_set(&j->err, GRYM_ERR_NOMEM, "out of memory keeping the output");
}

static void *thread_main(void *arg)
{
	job *j = arg;
	pthread_barrier_wait(j->start);   /* all six start at once */
	run_job(j);
	return NULL;
}

int main(void)
{
	char fwav[4096], nwav[4096], table[4096];
	job serial[3];

	tap_plan(1 + 3 + 4 + 3 * ROUNDS + 2);
	snprintf(fwav, sizeof fwav, "%s/music.wav", tap_tmpdir());
	snprintf(nwav, sizeof nwav, "%s/quiet.wav", tap_tmpdir());
	snprintf(table, sizeof table, "%s/train.tsv", tap_tmpdir());
	TAP_OK(make_features_wav(fwav) == GRYM_OK && make_normalize_wav(nwav) == GRYM_OK &&
	       write_table(table) == 0, "the two input WAVs and the training table are written");

	/* each stage alone */
	for (int s = 0; s < 3; s++) {
		memset(&serial[s], 0, sizeof serial[s]);
		serial[s].stage = s;
		serial[s].in = s == FEATURES ? fwav : s == NORMALIZE ? nwav : table;
		snprintf(serial[s].outpath, sizeof serial[s].outpath, "%s/serial.wav", tap_tmpdir());
		run_job(&serial[s]);
	}
	TAP_OK(serial[FEATURES].rc == GRYM_OK && serial[FEATURES].out.n > 20000,
	       "features alone: %zu bytes of MFCC, chroma, yin and tempo (%s)",
	       serial[FEATURES].out.n, serial[FEATURES].err.msg);
	TAP_OK(serial[NORMALIZE].rc == GRYM_OK && serial[NORMALIZE].out.n > 2 * 2 * 22050 * 3,
	       "normalize alone: %zu bytes of 16-bit 22.05 kHz stereo WAV (%s)",
	       serial[NORMALIZE].out.n, serial[NORMALIZE].err.msg);
	TAP_OK(serial[TRAIN].rc == GRYM_OK && serial[TRAIN].out.n > 4 * 2000,
	       "train alone: %zu bytes of four models and their cross-validations (%s)",
	       serial[TRAIN].out.n, serial[TRAIN].rc ? serial[TRAIN].err.msg : "");

	/* the outputs hold what they should: a run is worth comparing */
	{
		/* normalize: the gain took -30ish dBFS to -20 LUFS */
		const blob *b = &serial[NORMALIZE].out;
		double nums[5] = { 0 };
		if (b->n >= sizeof nums)
			memcpy(nums, b->p + b->n - sizeof nums, sizeof nums);
		TAP_OK(nums[2] > 3 && nums[2] < 30 && nums[4] == 22050 * 3,
		       "normalize: gain %.2f dB applied, %.0f frames out", nums[2], nums[4]);
		/* features: the first feature is MFCC with 20 dims */
		const blob *fb = &serial[FEATURES].out;
		int64_t h[3] = { -1, -1, -1 };
		if (fb->n >= sizeof h)
			memcpy(h, fb->p, sizeof h);
		TAP_OK(h[0] == GRYM_FEAT_MFCC && h[1] > 100 && h[2] == 20,
		       "features: MFCC first, %lld frames of %lld dims", (long long)h[1],
		       (long long)h[2]);
		/* train: each kind was cross-validated: its scores were handed to
		 * the sink, and its model file records them too */
		const blob *tb = &serial[TRAIN].out;
		int scored = 0;
		for (size_t i = 0; i + 10 <= tb->n; i++)
			scored += memcmp(tb->p + i, "\"accuracy\"", 10) == 0;
		TAP_EQ_INT(scored, 2 * 4, "train: four kinds scored by cross-validation");
		/* train: two runs of the same training agree with each other */
		job again = { .stage = TRAIN, .in = table };
		run_job(&again);
		TAP_OK(again.rc == GRYM_OK && blob_diff(&again.out, &serial[TRAIN].out) < 0,
		       "train: a second serial run gives the same bytes");
		blob_free(&again.out);
	}

	/* every stage twice, six threads at once, ROUNDS times */
	for (int round = 0; round < ROUNDS; round++) {
		job jobs[NTHREADS];
		pthread_t th[NTHREADS];
		pthread_barrier_t start;
		int started = 0;

		pthread_barrier_init(&start, NULL, NTHREADS);
		for (int t = 0; t < NTHREADS; t++) {
			job *j = &jobs[t];
			memset(j, 0, sizeof *j);
			j->stage = t % 3;
			j->in = j->stage == FEATURES ? fwav : j->stage == NORMALIZE ? nwav : table;
			j->start = &start;
			snprintf(j->outpath, sizeof j->outpath, "%s/round%d-%d.wav", tap_tmpdir(), round, t);
		}
		for (int t = 0; t < NTHREADS; t++)
			if (pthread_create(&th[t], NULL, thread_main, &jobs[t]) == 0)
				started++;
			else
				break;
		if (started < NTHREADS) {
			/* the barrier would wait for ever: nothing to join */
			tap_diag("only %d of %d threads started", started, NTHREADS);
			return 1;
		}
		for (int t = 0; t < NTHREADS; t++)
			pthread_join(th[t], NULL);
		pthread_barrier_destroy(&start);

		for (int s = 0; s < 3; s++) {
			char why[512] = "";
			int same = 1;
			for (int t = s; t < NTHREADS; t += 3) {
				long at = blob_diff(&jobs[t].out, &serial[s].out);
				if (jobs[t].rc != GRYM_OK || at >= 0) {
					same = 0;
					snprintf(why, sizeof why, "thread %d: %s", t,
						 jobs[t].rc != GRYM_OK ? jobs[t].err.msg : "");
					if (jobs[t].rc == GRYM_OK)
						snprintf(why, sizeof why,
							 "thread %d: differs at byte %ld of %zu (serial %zu)",
							 t, at, jobs[t].out.n, serial[s].out.n);
				}
			}
			TAP_OK(same, "round %d: %d concurrent %s runs equal the serial one%s%s", round + 1,
			       COPIES, stage_name[s], *why ? ": " : "", why);
		}
		for (int t = 0; t < NTHREADS; t++)
			blob_free(&jobs[t].out);
	}
	TAP_OK(atomic_load(&planner_calls) >= 10 * (1 + ROUNDS * COPIES) &&
	       !atomic_load(&planner_overlap),
	       "no two threads were ever in FFTW's planner at once (%d planner calls seen)",
	       atomic_load(&planner_calls));
	TAP_OK(atomic_load(&log_level_sets) == 1 && atomic_load(&log_callback_sets) == 1,
	       "FFmpeg's log level and callback were set once for the process (%d and %d times)",
	       atomic_load(&log_level_sets), atomic_load(&log_callback_sets));
	for (int s = 0; s < 3; s++)
		blob_free(&serial[s].out);
	return tap_done();
}
