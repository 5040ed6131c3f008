/*
 * test_progress.c — cancel flags and progress callbacks (grym/progress.h)
 * through every long library call: the ticker and spans themselves; the
 * decoder, the feature extractor on a file, loudness measuring and
 * normalizing stopped by a flag set from the progress callback after N
 * reports (GRYM_ERR_CANCELLED, no report after it, nothing delivered);
 * and training (mlp epochs, L-BFGS, k-means, cross-validation folds).
 *
 * The callbacks that set the flag sleep a little past the ticker's 100 ms
 * interval, so each tick after them is due at once: the number of
 * reports does not depend on how fast this machine is.
 */
#include "grym/grym.h"
#include "tap.h"

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct watch {
	volatile sig_atomic_t flag;
	int calls, stop_at, after_flag, decreasing, negative;
	int seconds, sec_back;  /* "... N s" messages, and any N going back */
	double last, last_sec;
	char msg[160];
	int sleep_ms;
} watch;

static void on_progress(void *ud, double f, const char *msg)
{
	watch *w = ud;
	if (w->flag)
		w->after_flag++;
	if (f < 0)
		w->negative++;
	else if (w->calls && f < w->last)
		w->decreasing++;
	if (f >= 0)
		w->last = f;
	double sec;
	char word[32];
	if (f < 0 && msg && sscanf(msg, "%31s %lf s", word, &sec) == 2) {
		if (w->seconds && sec < w->last_sec)
			w->sec_back++;
		w->seconds++;
		w->last_sec = sec;
	}
	snprintf(w->msg, sizeof w->msg, "%s", msg ? msg : "(null)");
	if (++w->calls == w->stop_at)
		w->flag = 2;   /* SIGINT's number, as the programs set it */
	if (w->sleep_ms) {
		struct timespec ts = { 0, (long)w->sleep_ms * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void ticker_and_span(void)
{
	volatile sig_atomic_t flag = 0;
	grym_ticker t;
	grym_error err = { 0 };
	watch w = { 0 };

	grym_ticker_init(&t, &flag, on_progress, &w);
	TAP_EQ_INT(grym_ticker_check(&t, &err), GRYM_OK, "ticker: no flag, no cancel");
	TAP_EQ_INT(grym_ticker_tick(&t, 0.1, "a", &err), GRYM_OK, "first tick");
	TAP_EQ_INT(grym_ticker_tick(&t, 0.2, "b", &err), GRYM_OK, "second tick at once");
	TAP_EQ_INT(w.calls, 1, "the first report goes out, the next within 100 ms does not");
	grym_ticker_report(&t, 0.05, "back");
	TAP_NEAR(w.last, 0.1, 1e-12, "a report never goes back (0.05 after 0.1 is 0.1)");
	flag = 15;
	TAP_EQ_INT(grym_ticker_tick(&t, 0.3, "c", &err), GRYM_ERR_CANCELLED, "flag set: cancelled");
	TAP_EQ_STR(err.msg, "interrupted", "its message");
	TAP_EQ_INT(GRYM_ERR_INTERRUPTED, GRYM_ERR_CANCELLED, "the old name is the same status");

	grym_ticker_init(&t, NULL, NULL, NULL);
	TAP_EQ_INT(grym_ticker_tick(&t, 0.5, "x", &err), GRYM_OK, "NULL flag and callback: never");

	watch s = { 0 };
	grym_progress_span sp = { on_progress, &s, 0.5, 0.75, "fold 2/4: " };
	grym_progress_span_fn(&sp, 0.5, "epoch 3");
	TAP_NEAR(s.last, 0.625, 1e-12, "span: 0.5 of [0.5, 0.75] is 0.625");
	TAP_EQ_STR(s.msg, "fold 2/4: epoch 3", "span: the prefix goes in front");
	grym_progress_span_fn(&sp, -1, "42 s");
	TAP_EQ_INT(s.negative, 1, "span: an unknown fraction passes unchanged");
}

/* A mono 16-bit WAV of n frames at rate: a tone with some noise. */
static int write_wav(const char *path, int rate, int64_t n)
{
	grym_error err;
	grym_output *out = grym_output_open(path, &err);
	grym_encoder *e = out ? grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_S16, rate, 1, 0, 0, &err)
			      : NULL;
	float *buf = malloc(sizeof(float) * 65536);
	uint32_t seed = 1;
	int rc = -1;

	if (e && buf) {
		rc = GRYM_OK;
		for (int64_t i = 0; i < n && rc == GRYM_OK; i += 65536) {
			int64_t m = n - i < 65536 ? n - i : 65536;
			for (int64_t k = 0; k < m; k++) {
				seed = seed * 1664525u + 1013904223u;
				buf[k] = (float)(0.3 * sin(2 * M_PI * 440.0 * (double)(i + k) / rate) +
						 0.05 * ((double)(seed >> 8) / 16777216.0 - 0.5));
			}
			rc = grym_encoder_write(e, buf, m, &err);
		}
		if (rc == GRYM_OK && grym_encoder_close(e, &err) == GRYM_OK) {
			e = NULL;
			rc = grym_output_commit(out, &err);
			out = NULL;
		} else {
			rc = -1;
		}
	}
	if (e)
		TAP_SETUP(grym_encoder_close(e, NULL));
	if (out)
		grym_output_abort(out);
	free(buf);
	return rc;
}

static int begun;
static int sink_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	(void)ud; (void)f; (void)frames; (void)dims; (void)err;
	begun++;
	return GRYM_OK;
}

static void decoder(const char *path, int64_t frames)
{
	grym_error err = { 0 };
	grym_decode_opts o = { 0 };
	volatile sig_atomic_t flag = 0;
	float *buf = malloc(sizeof(float) * 48000);
	double sec = 0, f, prev = -1;
	int rising = 1, reads = 0;
	int64_t n, got = 0;

	o.cancel = &flag;
	grym_decoder *d = grym_decoder_open(path, &o, &err);
	TAP_OK(d && buf, "decoder opens the long file: %s", err.msg);
	if (!d || !buf) {
		free(buf);
		for (int i = 0; i < 4; i++)
			TAP_OK(0, "decoder checks need the file");
		return;
	}
	TAP_NEAR(grym_decoder_progress(d, &sec), 0, 0, "progress 0 before the first read");
	while (reads < 5 && (n = grym_decoder_read(d, buf, 48000, &err)) > 0) {
		got += n;
		reads++;
		f = grym_decoder_progress(d, &sec);
		rising &= f > prev;
		prev = f;
	}
	TAP_OK(rising && fabs(prev - (double)got / (double)frames) < 1e-9,
	       "progress rises with the frames handed out (%g after %lld of %lld)", prev,
	       (long long)got, (long long)frames);
	TAP_NEAR(sec, (double)got / 16000, 1e-9, "and the position in seconds");
	flag = 2;
	TAP_EQ_INT(grym_decoder_read(d, buf, 48000, &err), GRYM_ERR_CANCELLED,
		   "flag set: the next read is cancelled");
	grym_decoder_close(d);
	free(buf);
}

static void features_file(const char *path)
{
	grym_features_opts fo;
	grym_error err = { 0 };
	grym_feature list[2] = { GRYM_FEAT_MFCC, GRYM_FEAT_MFCC_DELTA };
	grym_feature_sink sink = { sink_begin, NULL, NULL, NULL };
	watch w = { 0 };
	int64_t samples = -1;

	grym_features_opts_default(&fo);
	w.stop_at = 3;
	w.sleep_ms = 110;
	fo.cancel = &w.flag;
	fo.progress = on_progress;
	fo.progress_ud = &w;
	begun = 0;
	int rc = grym_features_file(path, NULL, &fo, list, 2, &sink, NULL, &samples, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "features: flag set at the 3rd report: cancelled (%s)",
		   err.msg);
	TAP_EQ_INT(w.calls, 3, "features: no report after the flag");
	TAP_EQ_INT(w.decreasing + w.negative, 0, "features: the fractions never went back");
	TAP_OK(w.last > 0 && w.last < 0.5, "features: stopped early in the file (at %.3f)", w.last);
	TAP_EQ_INT(begun, 0, "features: nothing was delivered to the sink");

	/* the whole file, reported to the end */
	watch all = { 0 };
	fo.cancel = NULL;
	fo.progress_ud = &all;
	begun = 0;
	rc = grym_features_file(path, NULL, &fo, list, 2, &sink, NULL, &samples, &err);
	TAP_EQ_INT(rc, GRYM_OK, "features: uncancelled, the file is analysed");
	TAP_OK(all.calls >= 2 && all.decreasing == 0 && all.last > 0.999,
	       "features: reports rise to 1 (%d reports, last %g)", all.calls, all.last);
	TAP_EQ_INT(begun, 2, "features: both features delivered");

	/* the extractor alone: a flag already set stops the first feed */
	volatile sig_atomic_t flag = 1;
	float x[4096] = { 0 };
	fo.cancel = &flag;
	fo.progress = NULL;
	grym_extractor *ex = grym_extractor_new(&fo, 16000, list, 1, &err);
	TAP_EQ_INT(ex ? grym_extractor_feed(ex, x, 4096, &err) : -99, GRYM_ERR_CANCELLED,
		   "extractor: a set flag cancels feeding");
	grym_extractor_free(ex);
}

static void measure_and_normalize(const char *path, const char *dir)
{
	grym_normalize_opts o;
	grym_loudness_result r;
	grym_normalize_report rep;
	grym_error err = { 0 };
	watch w = { 0 };
	char outp[4096];

	grym_normalize_opts_init(&o);
	w.stop_at = 3;
	w.sleep_ms = 110;
	o.cancel = &w.flag;
	o.progress = on_progress;
	o.progress_ud = &w;
	int rc = grym_normalize_measure(path, &o, &r, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "measure: flag set at the 3rd report: cancelled");
	TAP_EQ_INT(w.calls, 3, "measure: no report after the flag");
	TAP_EQ_STR(w.msg, "measuring", "measure: says what it does");

	watch all = { 0 };
	o.cancel = NULL;
	o.progress_ud = &all;
	rc = grym_normalize_measure(path, &o, &r, &err);
	TAP_EQ_INT(rc, GRYM_OK, "measure: uncancelled, measured");
	TAP_OK(all.calls >= 2 && all.decreasing == 0 && all.negative == 0 && all.last == 1,
	       "measure: reports rise to 1 (%d reports, last %g)", all.calls, all.last);

	/* normalizing: cancelled, the output aborted */
	watch n = { 0 };
	n.stop_at = 3;
	n.sleep_ms = 110;
	o.cancel = &n.flag;
	o.progress_ud = &n;
	snprintf(outp, sizeof outp, "%s/norm.wav", dir);
	grym_output *out = grym_output_open(outp, &err);
	rc = out ? grym_normalize_file(path, &o, out, &rep, &err) : -99;
	if (out)
		grym_output_abort(out);
	TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "normalize: cancelled at the 3rd report");
	TAP_OK(n.last > 0 && n.last < 1 && n.decreasing == 0,
	       "normalize: stopped part way, never going back (at %.3f, \"%s\")", n.last, n.msg);
	TAP_OK(access(outp, F_OK) != 0, "normalize: no output file");
}

/* A WAV on a pipe that declares no length (0xFFFFFFFF sizes, as grym
 * and ffmpeg write to pipes), written into a FIFO in five pieces 150 ms
 * apart. */
typedef struct pipe_wav {
	char path[4096];
	int ok;
} pipe_wav;

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

static void *write_pipe_wav(void *ud)
{
	pipe_wav *pw = ud;
	unsigned char h[44];
	static short pcm[16000 * 12];   /* 12 s of a 16 kHz mono tone */
	int fd = open(pw->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	memcpy(h, "RIFF", 4); put32(h + 4, 0xFFFFFFFFu); memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16); h[20] = 1; h[21] = 0; h[22] = 1; h[23] = 0;
	put32(h + 24, 16000); put32(h + 28, 32000); h[32] = 2; h[33] = 0; h[34] = 16; h[35] = 0;
	memcpy(h + 36, "data", 4); put32(h + 40, 0xFFFFFFFFu);
	for (size_t i = 0; i < sizeof pcm / sizeof pcm[0]; i++)
		pcm[i] = (short)(8000 * sin(2 * M_PI * 440.0 * (double)i / 16000));
	pw->ok = write(fd, h, sizeof h) == (ssize_t)sizeof h;
	for (int k = 0; k < 5 && pw->ok; k++) {
		struct timespec ts = { 0, 150000000L };
		pw->ok = write(fd, pcm, sizeof pcm) == (ssize_t)sizeof pcm;
		nanosleep(&ts, NULL);
	}
	close(fd);
	return NULL;
}

static void pipe_unknown_length(const char *dir)
{
	pipe_wav pw = { "", 0 };
	pthread_t th;
	grym_normalize_opts o;
	grym_loudness_result r;
	grym_error err = { 0 };
	watch w = { 0 };

	snprintf(pw.path, sizeof pw.path, "%s/pipe.wav", dir);
	int made = mkfifo(pw.path, 0600) == 0 && pthread_create(&th, NULL, write_pipe_wav, &pw) == 0;
	TAP_OK(made, "a FIFO and its writer");
	if (!made) {
		TAP_OK(0, "the pipe checks need the FIFO");
		TAP_OK(0, "the pipe checks need the FIFO");
		return;
	}
	grym_normalize_opts_init(&o);
	o.progress = on_progress;
	o.progress_ud = &w;
	int rc = grym_normalize_measure(pw.path, &o, &r, &err);
	pthread_join(th, NULL);
	TAP_OK(rc == GRYM_OK && pw.ok && r.frames == 5 * 16000 * 12,
	       "a pipe of unknown length is measured (%s, %lld frames)", err.msg, (long long)r.frames);
	TAP_OK(w.seconds >= 3 && w.sec_back == 0 && w.last_sec > 0,
	       "its progress is the seconds read, rising (%d reports, last %g s)", w.seconds, w.last_sec);
}

/* Four classes of blobs in 8 dimensions. */
static grym_dataset *blobs(size_t n)
{
	grym_error err;
	grym_dataset *ds = grym_dataset_new(8, &err);
	uint32_t s = 7;
	char key[32], lab[8];
	float row[8];
	for (size_t i = 0; ds && i < n; i++) {
		int c = (int)(i % 4);
		for (int j = 0; j < 8; j++) {
			s = s * 1664525u + 1013904223u;
			row[j] = (float)((double)(s >> 8) / 16777216.0 + (j % 4 == c) * 0.8);
		}
		snprintf(key, sizeof key, "i%zu", i);
		snprintf(lab, sizeof lab, "c%d", c);
		if (grym_dataset_add(ds, key, row, lab, NULL, &err)) {
			grym_dataset_free(ds);
			return NULL;
		}
	}
	if (ds)
		grym_dataset_finish(ds, &err);
	return ds;
}

static double quad(void *ud, const double *x, double *g)
{
	(void)ud;
	g[0] = 2 * x[0];
	g[1] = 2 * x[1];
	return x[0] * x[0] + x[1] * x[1];
}

static void training(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = blobs(2000);
	grym_ml_params p;
	grym_model *m = NULL;
	watch w = { 0 };

	TAP_OK(ds != NULL, "a dataset of blobs");
	if (!ds) {
		for (int i = 0; i < 8; i++)
			TAP_OK(0, "training checks need the dataset");
		return;
	}
	grym_ml_params_default(&p, GRYM_MODEL_MLP);
	p.epochs = 100000;     /* far more than the test will wait for */
	p.val_fraction = 0;
	p.patience = 100000;
	w.stop_at = 3;
	w.sleep_ms = 110;
	p.cancel = &w.flag;
	p.progress = on_progress;
	p.progress_ud = &w;
	TAP_EQ_INT((m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code,
		   GRYM_ERR_CANCELLED, "mlp: cancelled at the 3rd report");
	TAP_OK(!m && w.calls == 3 && strncmp(w.msg, "epoch ", 6) == 0,
	       "mlp: no model, no report after the flag, epochs reported (\"%s\")", w.msg);

	volatile sig_atomic_t flag = 2;
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	p.cancel = &flag;
	TAP_EQ_INT((m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code,
		   GRYM_ERR_CANCELLED, "logreg: a set flag cancels");
	grym_ml_params_default(&p, GRYM_MODEL_KMEANS);
	p.cancel = &flag;
	TAP_EQ_INT((m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code,
		   GRYM_ERR_CANCELLED, "kmeans: a set flag cancels");

	/* L-BFGS on its own: cancelled between evaluations */
	grym_lbfgs_opts lo;
	grym_lbfgs_opts_default(&lo);
	lo.cancel = &flag;
	double x[2] = { 3, -2 };
	TAP_EQ_INT(grym_lbfgs(quad, NULL, x, 2, &lo, NULL, NULL, &err), GRYM_ERR_CANCELLED,
		   "lbfgs: a set flag cancels");

	/* cross-validation: folds said and rising, then cancelled at a fold */
	int *fold = malloc(ds->n * sizeof *fold), *pred = malloc(ds->n * sizeof *pred);
	watch cv = { 0 };
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	p.progress = on_progress;
	p.progress_ud = &cv;
	int rc = fold && pred ? grym_folds_stratified(ds, 4, 1, fold, &err) : -99;
	if (rc == GRYM_OK)
		rc = grym_ml_cross_validate(&p, ds, fold, 4, pred, &err);
	TAP_EQ_INT(rc, GRYM_OK, "cv: logreg, 4 folds");
	TAP_OK(cv.calls >= 8 && cv.decreasing == 0 && strncmp(cv.msg, "fold 4/4: ", 10) == 0,
	       "cv: every fold reported, rising (%d reports, last \"%s\")", cv.calls, cv.msg);
	/* svm: fold 1 says "training", "libsvm", "predicting"; the flag is
	 * set at fold 2's first report, before libsvm is called again */
	watch cc = { 0 };
	cc.stop_at = 4;
	grym_ml_params_default(&p, GRYM_MODEL_SVM);
	p.cancel = &cc.flag;
	p.progress = on_progress;
	p.progress_ud = &cc;
	rc = grym_ml_cross_validate(&p, ds, fold, 4, pred, &err);
	TAP_OK(rc == GRYM_ERR_CANCELLED && cc.calls == 4 && cc.after_flag == 0,
	       "cv: svm (libsvm: no hook inside) stops before the next fold (rc %d, %d reports, %d after)",
	       rc, cc.calls, cc.after_flag);
	free(fold);
	free(pred);
	grym_dataset_free(ds);
}

int main(void)
{
	const char *dir = tap_tmpdir();
	char path[4096];
	int64_t frames = (int64_t)16000 * 120;   /* two minutes at 16 kHz */

	tap_plan(47);
	ticker_and_span();
	snprintf(path, sizeof path, "%s/long.wav", dir);
	TAP_EQ_INT(write_wav(path, 16000, frames), GRYM_OK, "a two-minute test file");
	decoder(path, frames);
	features_file(path);
	measure_and_normalize(path, dir);
	pipe_unknown_length(dir);
	training();
	return tap_done();
}
