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
 * The three runs are small static functions (run_features, run_normalize,
 * run_train) so each can be swapped for its stage call (lib/stage) as the
 * stages move there.
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

/* ---- the three runs ---- */

/* (a) features: every feature's header (feature, frames, dims) and rows,
 * then the analysis rate and samples. */
typedef struct feat_ud {
	blob *out;
	int dims;       /* of the feature being delivered */
} feat_ud;

static int sink_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	feat_ud *u = ud;
	int64_t h[3] = { f, frames, dims };
	u->dims = dims;
	blob_add(u->out, h, sizeof h);
	return GRYM_OK;
}

static int sink_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		     grym_error *err)
{
	feat_ud *u = ud;
	blob_add(u->out, &first, sizeof first);
	blob_add(u->out, rows, (size_t)n * (size_t)u->dims * sizeof *rows);
	return GRYM_OK;
}

static int run_features(const char *wav, blob *out, grym_error *err)
{
	static const grym_feature list[] = { GRYM_FEAT_MFCC, GRYM_FEAT_CHROMA, GRYM_FEAT_YIN,
					     GRYM_FEAT_TEMPO };
	grym_features_opts fo;
	feat_ud u = { out, 0 };
	grym_feature_sink sink = { sink_begin, sink_rows, NULL, &u };
	double rate = 0;
	int64_t samples = 0;

	grym_features_opts_default(&fo);
	int rc = grym_features_file(wav, NULL, &fo, list, (int)(sizeof list / sizeof *list), &sink,
				    &rate, &samples, err);
	blob_add(out, &rate, sizeof rate);
	blob_add(out, &samples, sizeof samples);
	return rc;
}

/* (b) normalize: the output file's bytes and the report's numbers. */
static int run_normalize(const char *wav, const char *outpath, blob *out, grym_error *err)
{
	grym_normalize_opts o;
	grym_normalize_report rep;
	grym_output *w;
	int rc;

	grym_normalize_opts_init(&o);
	o.target = -20;
	o.rate = 22050;          /* soxr */
	o.highpass = 40;
	o.order = 4;
	o.limit = 1;             /* the true-peak limiter */
	o.bits = 16;             /* dithered, from o.seed */
	o.seed = 5;
	o.type = GRYM_FILE_WAV;
	memset(&rep, 0, sizeof rep);
	if (!(w = grym_output_open(outpath, err)))
		return err->code;
	rc = grym_normalize_file(wav, &o, w, &rep, err);
	if (rc != GRYM_OK) {
		grym_output_abort(w);
		return rc;
	}
	if ((rc = grym_output_commit(w, err)) != GRYM_OK)
		return rc;
	FILE *f = fopen(outpath, "rb");
	if (!f)
		return grym_error_set(err, GRYM_ERR_IO, "%s: cannot read back", outpath);
	unsigned char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		blob_add(out, buf, got);
	fclose(f);
	double nums[5] = { rep.in.integrated_lufs, rep.wanted_gain_db, rep.gain_db, rep.limiter_db,
			   (double)rep.frames_out };
	blob_add(out, nums, sizeof nums);
	return GRYM_OK;
}

static double gauss(grym_rng *r)
{
	double u = grym_rng_uniform(r), v = grym_rng_uniform(r);
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* 3 overlapping classes in 6 dims, 300 rows: hard enough that the
 * solvers iterate, and libsvm's probability cross-validation draws from
 * rand(). */
static grym_dataset *make_dataset(grym_error *err)
{
	const size_t n = 300, d = 6, K = 3;
	grym_dataset *ds = grym_dataset_new(d, err);
	grym_rng r;
	float row[6];
	if (!ds)
		return NULL;
	grym_rng_seed(&r, 13);
	for (size_t i = 0; i < n; i++) {
		char key[32], lab[8];
		size_t c = i % K;
		for (size_t j = 0; j < d; j++)
			row[j] = (float)(gauss(&r) + (j == c ? 1.2 : 0) + (j == (c + 1) % d ? 0.6 : 0) +
					 2.0 * (double)j);
		snprintf(key, sizeof key, "item%zu", i);
		snprintf(lab, sizeof lab, "c%zu", c);
		if (grym_dataset_add(ds, key, row, lab, NULL, err) != GRYM_OK) {
			grym_dataset_free(ds);
			return NULL;
		}
	}
	if (grym_dataset_finish(ds, err) != GRYM_OK) {
		grym_dataset_free(ds);
		return NULL;
	}
	return ds;
}

/* (c) train: for each kind, the saved model's bytes, its probabilities
 * on the training rows, and a 3-fold cross-validation's predictions and
 * probabilities. */
static int run_train(blob *out, grym_error *err)
{
	static const grym_model_type kinds[] = { GRYM_MODEL_LOGREG, GRYM_MODEL_LINSVM,
						 GRYM_MODEL_SVM, GRYM_MODEL_MLP };
	grym_dataset *ds = make_dataset(err);
	int rc = ds ? GRYM_OK : err->code;
	int *fold = NULL, *pred = NULL;
	float *proba = NULL;

	if (rc == GRYM_OK) {
		fold = malloc(ds->n * sizeof *fold);
		pred = malloc(ds->n * sizeof *pred);
		proba = malloc(ds->n * ds->nlabels * sizeof *proba);
		if (!fold || !pred || !proba)
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	if (rc == GRYM_OK)
		rc = grym_folds_stratified(ds, 3, 1, fold, err);
	for (size_t k = 0; rc == GRYM_OK && k < sizeof kinds / sizeof *kinds; k++) {
		grym_ml_params p;
		grym_model *m = NULL;
		unsigned char *bytes = NULL;
		size_t len = 0;

		grym_ml_params_default(&p, kinds[k]);
		p.seed = 3;
		if (kinds[k] == GRYM_MODEL_MLP) {
			p.hidden[0] = 16;
			p.epochs = 40;
		}
		rc = (m = grym_model_train(&p, ds, NULL, 0, err)) ? GRYM_OK : err->code;
		if (rc == GRYM_OK)
			rc = grym_model_save(m, &bytes, &len, err);
		if (rc == GRYM_OK) {
			blob_add(out, &len, sizeof len);
			blob_add(out, bytes, len);
			rc = grym_model_predict(m, ds->x, ds->n, proba, pred, err);
		}
		if (rc == GRYM_OK) {
			blob_add(out, proba, ds->n * ds->nlabels * sizeof *proba);
			blob_add(out, pred, ds->n * sizeof *pred);
			rc = grym_ml_cross_validate_proba(&p, ds, fold, 3, pred, proba, err);
		}
		if (rc == GRYM_OK) {
			blob_add(out, proba, ds->n * ds->nlabels * sizeof *proba);
			blob_add(out, pred, ds->n * sizeof *pred);
		}
		free(bytes);
		grym_model_free(m);
	}
	free(fold);
	free(pred);
	free(proba);
	grym_dataset_free(ds);
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
		j->rc = run_train(&j->out, &j->err);
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
	char fwav[4096], nwav[4096];
	job serial[3];

	tap_plan(1 + 3 + 3 + 3 * ROUNDS + 2);
	snprintf(fwav, sizeof fwav, "%s/music.wav", tap_tmpdir());
	snprintf(nwav, sizeof nwav, "%s/quiet.wav", tap_tmpdir());
	TAP_OK(make_features_wav(fwav) == GRYM_OK && make_normalize_wav(nwav) == GRYM_OK,
	       "the two input WAVs are written");

	/* each stage alone */
	for (int s = 0; s < 3; s++) {
		memset(&serial[s], 0, sizeof serial[s]);
		serial[s].stage = s;
		serial[s].in = s == FEATURES ? fwav : nwav;
		snprintf(serial[s].outpath, sizeof serial[s].outpath, "%s/serial.wav", tap_tmpdir());
		run_job(&serial[s]);
	}
	TAP_OK(serial[FEATURES].rc == GRYM_OK && serial[FEATURES].out.n > 20000,
	       "features alone: %zu bytes of MFCC, chroma, yin and tempo (%s)",
	       serial[FEATURES].out.n, serial[FEATURES].err.msg);
	TAP_OK(serial[NORMALIZE].rc == GRYM_OK && serial[NORMALIZE].out.n > 2 * 2 * 22050 * 3,
	       "normalize alone: %zu bytes of 16-bit 22.05 kHz stereo WAV (%s)",
	       serial[NORMALIZE].out.n, serial[NORMALIZE].err.msg);
	TAP_OK(serial[TRAIN].rc == GRYM_OK && serial[TRAIN].out.n > 4 * 2 * 300 * 4 * 3,
	       "train alone: %zu bytes of models and cross-validations (%s)", serial[TRAIN].out.n,
	       serial[TRAIN].err.msg);

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
		/* train: two runs of the same training agree with each other */
		job again = { .stage = TRAIN };
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
			j->in = j->stage == FEATURES ? fwav : nwav;
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
