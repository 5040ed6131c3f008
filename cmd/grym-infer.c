/*
 * grym-infer — apply a grym-model(5) to feature vectors, or to audio
 * files through the model's own recipe (lib/pipeline replays the
 * normalize and features stages recorded in the model): one line
 * key<TAB>label<TAB>probability per input vector (--top K for more
 * labels, --jsonl for JSON lines; segmented vectors, whose metadata has
 * "start" and "end", print key<TAB>start<TAB>end<TAB>label<TAB>probability).
 *
 * Vectors are read in batches and each batch is predicted by up to -j
 * threads (OpenBLAS held to one thread each); output keeps input order.
 * Audio files are replayed by up to -j threads too, a run of consecutive
 * audio arguments at a time; their key is the path ("-" for stdin). Both
 * are ordered worker pools (grym/pool.h): results are taken in input
 * order on the main thread, which alone writes.
 * An input vector that cannot be scored (wrong dimension, NaN) is reported
 * and skipped, and the exit status is 1.
 */
#include <cblas.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "grym/catalog.h"
#include "grym/dsp.h"
#include "grym/hash.h"
#include "grym/infer_params.h"
#include "grym/io.h"
#include "grym/ml.h"
#include "grym/pathname.h"
#include "grym/pool.h"
#include "grym/replay.h"
#include "grym/sources.h"
#include "grym/stream.h"

/* Every option but --schema is a parameter of the infer stage
 * (lib/stage/infer_params.c): parsed, checked and shown in --help from
 * that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct infer_opts {
	grym_cli cli;
	grym_infer_params p;    /* the options */
	/* catalog: predictions are stored for inputs that are catalog assets */
	grym_catalog *cat;
	char model_id[GRYM_ID_LEN + 1];
	int model_row;          /* 1 once the model is known to be in the catalog */
	const unsigned char *model_bytes;
	size_t model_len;
	int stored;
	/* audio: the model's pipeline, read on the first audio input */
	grym_replay *replay;
	int replay_tried;
	grym_error replay_err;
	grym_pool *predict;     /* -j threads predicting a batch's parts, made at the first batch */
	/* the bar (NULL: none): audio files done, and how far the replays
	 * of the ones under way are (records and tables are quick) */
	grym_progress *prog;
	uint64_t ndone;         /* audio files done so far */
} infer_opts;

static int on_opt(void *ud, const char *name, const char *arg)
{
	infer_opts *o = ud;
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&o->cli, grym_infer_schema());
		exit(GRYM_EXIT_OK);
	}
	return grym_cli_schema_set(&o->cli, grym_infer_schema(), &o->p, name, arg) ? -1 : 0;
}

#define BATCH 4096

typedef struct batch {
	size_t n, d, K;
	char **keys;
	char (*asset)[GRYM_ID_LEN + 1];   /* catalog asset of each item, "" if none */
	double *start, *end;   /* NAN when absent */
	float *x, *proba;
	int *pred;             /* the model's label: for svm the decision vote, not
				  always the most probable class */
} batch;

typedef struct job {
	const grym_model *m;
	batch *b;
	size_t lo, hi;
	grym_error err;
	int rc;
} job;

/* One part of a batch (grym_pool work): the results go in place. */
static void run_job(void *ud, void *jp, grym_pool_worker *w)
{
	job *j = jp;
	if (j->hi > j->lo)
		j->rc = grym_model_predict(j->m, j->b->x + j->lo * j->b->d, j->hi - j->lo,
					   j->b->proba + j->lo * j->b->K, j->b->pred + j->lo, &j->err);
}

static int cmp_desc(const void *a, const void *b, void *ud)
{
	const float *p = ud;
	float x = p[*(const size_t *)a], y = p[*(const size_t *)b];
	if (x != y)
		return x > y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Make sure the model has its row in the catalog (a model given as a file
 * is added on its first stored prediction). */
static int ensure_model_row(infer_opts *o, const grym_model *m, grym_error *err)
{
	if (o->model_row)
		return GRYM_OK;
	grym_model_row row = { 0 };
	if (grym_catalog_get_model(o->cat, o->model_id, &row, NULL) == GRYM_OK) {
		grym_model_row_clear(&row);
		o->model_row = 1;
		return GRYM_OK;
	}
	char id[GRYM_ID_LEN + 1];
	int rc = grym_store_put(grym_catalog_store(o->cat), o->model_bytes, o->model_len, id, err);
	if (rc)
		return rc;
	json_t *params = grym_model_params_json(m);
	const json_t *metrics = grym_model_metrics(m);
	memcpy(row.id, id, sizeof row.id);
	memcpy(row.object, id, sizeof row.object);
	row.type = (char *)grym_model_type_name(grym_model_type_of(m));
	row.params = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	row.metrics = metrics ? json_dumps(metrics, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6)) : NULL;
	rc = grym_catalog_put_model(o->cat, &row, err);
	free(row.params);
	free(row.metrics);
	json_decref(params);
	if (!rc)
		o->model_row = 1;
	return rc;
}

static int store_predictions(infer_opts *o, const grym_model *m, batch *b, const size_t *best,
			     grym_error *err)
{
	size_t K = b->K, any = 0;
	for (size_t i = 0; i < b->n; i++)
		any += b->asset[i][0] != 0;
	if (!o->cat || !any)
		return GRYM_OK;
	int rc = ensure_model_row(o, m, err);
	if (rc || (rc = grym_catalog_begin(o->cat, err)))
		return rc;
	for (size_t i = 0; i < b->n && !rc; i++) {
		if (!b->asset[i][0])
			continue;
		const float *p = b->proba + i * K;
		json_t *sc = json_object();
		for (size_t k = 0; k < K; k++)
			json_object_set_new(sc, grym_model_label(m, k), json_real(round((double)p[k] * 1e6) / 1e6));
		char *scores = json_dumps(sc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
		json_decref(sc);
		rc = grym_catalog_put_prediction(o->cat, o->model_id, b->asset[i],
						 grym_model_label(m, best[i]), (double)p[best[i]], scores, err);
		free(scores);
		o->stored++;
	}
	if (rc) {
		grym_catalog_rollback(o->cat);
		return rc;
	}
	return grym_catalog_commit(o->cat, err);
}

static int emit(infer_opts *o, const grym_model *m, batch *b, grym_output *out, grym_error *err)
{
	size_t K = b->K, top = (size_t)o->p.top < K ? (size_t)o->p.top : K;
	size_t *order = malloc(K * sizeof *order), *best = malloc(b->n * sizeof *best);
	if (!order || !best) {
		free(order);
		free(best);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	int rc = GRYM_OK;
	for (size_t i = 0; i < b->n && !rc; i++) {
		const float *p = b->proba + i * K;
		/* the predicted label first, then the others by probability */
		size_t lab = (size_t)b->pred[i], no = 0;
		order[no++] = lab;
		for (size_t k = 0; k < K; k++)
			if (k != lab)
				order[no++] = k;
		qsort_r(order + 1, K - 1, sizeof *order, cmp_desc, (void *)p);
		best[i] = order[0];
		int seg = !isnan(b->start[i]) && !isnan(b->end[i]);
		if (o->p.jsonl) {
			/* "key", and "key_b64" when the key is a file name that
			 * is not UTF-8 (grym/pathname.h) */
			json_t *j = json_object();
			json_t *lp = json_pack("{s:s,s:f}", "label", grym_model_label(m, order[0]),
					       "probability", round((double)p[order[0]] * 1e6) / 1e6);
			int bad = !j || !lp || grym_json_set_path(j, "key", b->keys[i], err) != GRYM_OK ||
				  json_object_update(j, lp) != 0;
			json_decref(lp);
			if (bad) {
				json_decref(j);
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			if (seg) {
				json_object_set_new(j, "start", json_real(b->start[i]));
				json_object_set_new(j, "end", json_real(b->end[i]));
			}
			if (o->p.top > 1) {
				json_t *t = json_array();
				for (size_t k = 0; k < top; k++)
					json_array_append_new(t, json_pack("{s:s,s:f}", "label",
						grym_model_label(m, order[k]), "probability",
						round((double)p[order[k]] * 1e6) / 1e6));
				json_object_set_new(j, "top", t);
			}
			char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9));
			json_decref(j);
			if (!s) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			rc = grym_output_printf(out, err, "%s\n", s);
			free(s);
			continue;
		}
		/* one line per prediction, in UTF-8, whatever the file name
		 * holds (--jsonl has the exact bytes) */
		char *key = grym_text_field(b->keys[i], strlen(b->keys[i]));
		if (!key) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		rc = grym_output_printf(out, err, "%s", key);
		free(key);
		if (!rc && seg)
			rc = grym_output_printf(out, err, "\t%.9g\t%.9g", b->start[i], b->end[i]);
		for (size_t k = 0; k < top && !rc; k++)
			rc = grym_output_printf(out, err, "\t%s\t%.6f", grym_model_label(m, order[k]),
						(double)p[order[k]]);
		if (!rc)
			rc = grym_output_printf(out, err, "\n");
	}
	if (!rc)   /* on a pipe the batch's lines leave now */
		rc = grym_output_item_end(out, err);
	if (!rc)
		rc = store_predictions(o, m, b, best, err);
	free(order);
	free(best);
	return rc;
}

static int flush_batch(infer_opts *o, const grym_model *m, batch *b, grym_output *out,
		       grym_error *err)
{
	if (!b->n)
		return GRYM_OK;
	/* predictions may go to the terminal the bar is drawn on */
	grym_progress_clear(o->prog);
	size_t nj = (size_t)o->p.jobs, chunk = (b->n + nj - 1) / nj;
	job jobs[GRYM_JOBS_MAX];
	/* no cancel flag: a batch is milliseconds of work, and a signal
	 * stops the readers that fill the next one */
	grym_pool_opts po = { .jobs = (int)nj, .work = run_job };
	if (!o->predict && !(o->predict = grym_pool_new(&po, err)))
		return err->code;
	for (size_t t = 0; t < nj; t++) {
		jobs[t] = (job){ m, b, t * chunk, (t + 1) * chunk < b->n ? (t + 1) * chunk : b->n, { 0 }, 0 };
		if (jobs[t].lo >= jobs[t].hi)
			jobs[t].hi = jobs[t].lo;
		int rc = grym_pool_submit(o->predict, &jobs[t], err);
		if (rc)
			return rc;
	}
	int prc = grym_pool_drain(o->predict, err);
	if (prc)
		return prc;
	for (size_t t = 0; t < nj; t++)
		if (jobs[t].rc) {
			*err = jobs[t].err;
			return jobs[t].rc;
		}
	int rc = emit(o, m, b, out, err);
	for (size_t i = 0; i < b->n; i++)
		free(b->keys[i]);
	b->n = 0;
	return rc;
}

static double meta_num(json_t *meta, const char *name)
{
	json_t *v = json_object_get(meta, name);
	if (!v)
		v = json_object_get(json_object_get(meta, "meta"), name);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Check one vector and queue it (flushing a full batch). A vector that
 * cannot be scored is reported under key and counted in *failed; the
 * return is non-zero only when the output failed. */
static int push_vector(infer_opts *o, const grym_model *m, batch *b, grym_output *out,
		       const char *key, const float *x, size_t d, const char *asset,
		       double start, double end, int *failed, grym_error *err)
{
	grym_error e = { 0 };
	int bad = grym_model_check_dims(m, d, &e) != GRYM_OK;
	for (size_t j = 0; j < d && !bad; j++)
		if (!isfinite(x[j])) {
			grym_error_set(&e, GRYM_ERR_FORMAT, "%s in feature column %zu",
				       isnan(x[j]) ? "NaN" : "infinity", j);
			bad = 1;
		}
	if (bad) {
		grym_report(&o->cli, key, &e);
		(*failed)++;
		return GRYM_OK;
	}
	size_t i = b->n;
	snprintf(b->asset[i], sizeof b->asset[i], "%s", asset);
	if (!(b->keys[i] = strdup(key)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	memcpy(b->x + i * b->d, x, b->d * sizeof *b->x);
	b->start[i] = start;
	b->end[i] = end;
	b->n++;
	if (b->n == BATCH)
		return flush_batch(o, m, b, out, err);
	return GRYM_OK;
}

/* The model's pipeline as a replay (made once; its failure is reported
 * for every audio input). */
static grym_replay *get_replay(infer_opts *o, const grym_model *m, grym_error *err)
{
	if (!o->replay_tried) {
		o->replay_tried = 1;
		o->replay = grym_replay_new(grym_model_pipeline(m), NULL, &o->replay_err);
		/* audio at another rate than the training data's is resampled
		 * to it, never scored at its own */
		if (o->replay && grym_replay_set_rate(o->replay, grym_model_rate(m),
						      &o->replay_err) != GRYM_OK) {
			grym_replay_free(o->replay);
			o->replay = NULL;
		}
		if (o->replay)  /* a signal stops a long file mid-replay */
			grym_replay_set_cancel(o->replay, &grym_cli_cancel);
		if (!o->replay)
			grym_error_prefix(&o->replay_err, o->replay_err.code, "the model's recipe");
	}
	if (!o->replay && err)
		*err = o->replay_err;
	return o->replay;
}

typedef struct audio_item {
	const char *path;       /* file to replay */
	const char *key;
	grym_replay_result res;
	grym_error err;
	int rc;
} audio_item;

typedef struct audio_run {
	infer_opts *o;
	const grym_model *m;
	const grym_replay *rp;
	batch *b;
	grym_output *out;
	int *fatal;
	int failed;
	uint64_t base;          /* inputs done before this run, for the bar */
} audio_run;

/* One file replayed (grym_pool work, in a worker thread). */
static void audio_job(void *ud, void *jp, grym_pool_worker *w)
{
	audio_run *a = ud;
	audio_item *it = jp;
	/* the pool sums how far each running replay is */
	it->rc = grym_replay_file_progress(a->rp, it->path, a->o->prog ? grym_pool_progress_cb : NULL,
					   w, &it->res, &it->err);
}

/* The pool's progress on the bar (on the main thread). */
static void audio_bar(void *ud, double done, uint64_t total)
{
	audio_run *a = ud;
	(void)total;
	grym_progress_set(a->o->prog, (double)a->base + done);
}

/* Its vectors queued, in input order on the main thread (grym_pool done). */
static void audio_done(void *ud, void *jp)
{
	audio_run *a = ud;
	audio_item *it = jp;
	grym_error err = { 0 };
	grym_progress_clear(a->o->prog);   /* what follows on lines of its own */
	if (it->rc) {
		grym_report(&a->o->cli, it->key, &it->err);
		a->failed++;
		return;
	}
	int seg = grym_replay_segmented(a->rp);
	for (size_t k = 0; k < it->res.n && !*a->fatal; k++)
		if (push_vector(a->o, a->m, a->b, a->out, it->key, it->res.x + k * it->res.dims, it->res.dims, "",
				seg ? it->res.start[k] : NAN, seg ? it->res.end[k] : NAN, &a->failed, &err)) {
			grym_report(&a->o->cli, a->o->p.output ? a->o->p.output : "stdout", &err);
			*a->fatal = 1;
		}
	grym_replay_result_clear(&it->res);
}

/* Replay n audio inputs (in -j threads) and queue their vectors in input
 * order; returns the number of failed inputs, and sets *fatal when the
 * output failed or a signal stopped the run (the files not yet started
 * are left). */
static int infer_audio(infer_opts *o, const grym_model *m, audio_item *items, size_t n, batch *b,
		       grym_output *out, int *fatal)
{
	grym_error err = { 0 };
	grym_replay *rp = get_replay(o, m, &err);
	if (!rp) {
		for (size_t i = 0; i < n; i++)
			grym_report(&o->cli, items[i].key, &err);
		return (int)n;
	}
	audio_run a = { o, m, rp, b, out, fatal, 0, o->ndone };
	grym_pool_opts po = { .jobs = (size_t)o->p.jobs < n ? (int)o->p.jobs : (int)n, .work = audio_job,
			      .done = audio_done, .ud = &a, .cancel = &grym_cli_cancel,
			      .progress = o->prog ? audio_bar : NULL };
	grym_pool *p = grym_pool_new(&po, &err);
	int rc = p ? GRYM_OK : err.code;
	for (size_t i = 0; i < n && !rc; i++)
		rc = grym_pool_submit(p, &items[i], &err);
	if (p && !rc)
		rc = grym_pool_finish(p, &err);
	grym_pool_free(p);
	o->ndone += n;
	grym_progress_update(o->prog, o->ndone);
	for (size_t i = 0; i < n; i++)
		grym_replay_result_clear(&items[i].res);
	int failed = a.failed;
	if (rc) {
		/* cancelled: the signal ends the run; or out of memory */
		if (rc != GRYM_ERR_CANCELLED)
			grym_report(&o->cli, NULL, &err);
		*fatal = 1;
		return failed ? failed : 1;
	}
	if (!*fatal && flush_batch(o, m, b, out, &err)) {
		grym_report(&o->cli, o->p.output ? o->p.output : "stdout", &err);
		*fatal = 1;
	}
	return failed;
}

/* Audio on stdin or a FIFO: copied to a temporary file (the normalize
 * stage reads its input twice; a regular file on stdin is reopened
 * instead), replayed, removed. */
static int infer_audio_in(infer_opts *o, const grym_model *m, grym_source *it, batch *b,
			  grym_output *out, int *fatal)
{
	char path[4096];
	int is_tmp = 0;
	grym_error err = { 0 };
	if (grym_source_audio_path(it, NULL, path, sizeof path, &is_tmp, &err) != GRYM_OK) {
		grym_report(&o->cli, it->name, &err);
		return 1;
	}
	audio_item ai;
	memset(&ai, 0, sizeof ai);
	ai.path = path;
	ai.key = it->name;
	int f = infer_audio(o, m, &ai, 1, b, out, fatal);
	if (is_tmp)
		grym_tmp_release(path);
	return f;
}

static size_t split_tabs(char *s, char **f, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (n < max)
			f[n] = s;
		n++;
		char *t = strchr(s, '\t');
		if (!t)
			break;
		*t = 0;
		s = t + 1;
	}
	return n;
}

#define TSV_MAXC 65536

/* A TSV table: the header names the columns, matched to the model's
 * feature names (any order, extra columns ignored, a missing one an error
 * naming it); the key is the "key", "id" or "path" column, else "line N".
 * A line that cannot be read is reported and skipped. Returns the number
 * of failed lines, or -1 when the table cannot be used at all. */
static int infer_tsv(infer_opts *o, const grym_model *m, grym_input *in, const char *name,
		     batch *b, grym_output *out, int *fatal)
{
	grym_error err = { 0 };
	char *line = NULL, **f = malloc(TSV_MAXC * sizeof *f), **hdr = NULL;
	size_t cap = 0, d = grym_model_dims(m), *map = malloc((d ? d : 1) * sizeof *map), nh = 0;
	float *x = malloc((d ? d : 1) * sizeof *x);
	int failed = 0, rc = GRYM_OK;
	long keycol = -1;
	if (!f || !map || !x) {
		grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
		rc = -1;
		goto out;
	}
	if (grym_input_getline(in, &line, &cap, 1 << 24, &err) < 0) {
		if (err.code == GRYM_ERR_EOF)
			grym_error_set(&err, GRYM_ERR_FORMAT, "empty table (no header line)");
		rc = -1;
		goto out;
	}
	line[strcspn(line, "\r")] = 0;
	nh = split_tabs(line, f, TSV_MAXC);
	if (nh > TSV_MAXC) {
		grym_error_set(&err, GRYM_ERR_LIMIT, "line 1: more than %d columns", TSV_MAXC);
		rc = -1;
		goto out;
	}
	if (!(hdr = calloc(nh, sizeof *hdr))) {
		grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
		rc = -1;
		goto out;
	}
	for (size_t c = 0; c < nh; c++) {
		if (!(hdr[c] = strdup(f[c]))) {
			grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
			rc = -1;
			goto out;
		}
		if (keycol < 0 && (!strcmp(f[c], "key") || !strcmp(f[c], "id") || !strcmp(f[c], "path")))
			keycol = (long)c;
	}
	if (grym_model_match_columns(m, (const char *const *)hdr, nh, map, &err)) {
		grym_error_prefix(&err, err.code, "line 1");
		rc = -1;
		goto out;
	}
	for (uint64_t ln = 2; !*fatal; ln++) {
		ssize_t r = grym_input_getline(in, &line, &cap, 1 << 24, &err);
		if (r < 0) {
			if (err.code != GRYM_ERR_EOF)
				rc = -1;
			else
				err.code = GRYM_OK;
			break;
		}
		line[strcspn(line, "\r")] = 0;
		if (!*line)
			continue;
		size_t n = split_tabs(line, f, TSV_MAXC);
		char key[64];
		snprintf(key, sizeof key, "line %llu", (unsigned long long)ln);
		const char *k = keycol >= 0 && (size_t)keycol < n && *f[keycol] ? f[keycol] : key;
		grym_error e = { 0 };
		int bad = 0;
		if (n != nh) {
			grym_error_set(&e, GRYM_ERR_FORMAT, "line %llu: %zu fields, the header has %zu",
				       (unsigned long long)ln, n, nh);
			bad = 1;
		}
		for (size_t j = 0; j < d && !bad; j++) {
			char *end;
			const char *v = f[map[j]];
			x[j] = strtof(v, &end);
			if (end == v || *end) {
				grym_error_set(&e, GRYM_ERR_FORMAT, "line %llu, column '%s': '%s' is not a number",
					       (unsigned long long)ln, hdr[map[j]], v);
				bad = 1;
			}
		}
		if (bad) {
			grym_report(&o->cli, name, &e);
			failed++;
			continue;
		}
		if (push_vector(o, m, b, out, k, x, d, "", NAN, NAN, &failed, &err)) {
			*fatal = 1;
			rc = -1;
			break;
		}
	}
	if (!rc && !*fatal && flush_batch(o, m, b, out, &err)) {
		*fatal = 1;
		rc = -1;
	}
out:
	if (rc) {
		grym_report(&o->cli, name, &err);
		for (size_t i = 0; i < b->n; i++)
			free(b->keys[i]);
		b->n = 0;
	}
	for (size_t c = 0; hdr && c < nh; c++)
		free(hdr[c]);
	free(hdr);
	free(line);
	free(f);
	free(map);
	free(x);
	return rc ? (failed ? failed : 1) : failed;
}

/* An asset id (or id prefix): scored through the model's recipe replayed
 * on the audio of its source (the recipe holds the normalize stages that
 * made any derived asset, so a derived asset and its source score alike,
 * as the pipeline scored them); the prediction is stored under the asset.
 * Returns the number of failed items, -1 when the output failed. */
static int infer_asset(infer_opts *o, const grym_model *m, const char *key, const json_t *meta,
		       batch *b, grym_output *out, int *fatal)
{
	grym_error err = { 0 };
	char id[GRYM_ID_LEN + 1], src[GRYM_ID_LEN + 1], path[4096];
	grym_asset ga;
	grym_store_reader *obj = NULL;    /* the source's object, decoded by path */
	/* messages name the file: the record's path, else the first path
	 * found up the asset's chain (a bare id on stdin) */
	char *name = grym_cli_item_name(key, meta);
	int named = name && strcmp(name, key) != 0, failed = 0;
#define FAIL_ITEM() do { grym_report(&o->cli, name ? name : key, &err); failed = 1; goto done; } while (0)
	if (grym_catalog_resolve(o->cat, key, id, &err) != GRYM_OK) {
		grym_error_set(&err, GRYM_ERR_NOTFOUND, "neither a feature set nor an asset in the catalog");
		FAIL_ITEM();
	}
	memcpy(src, id, sizeof src);
	for (int depth = 0; depth < 64; depth++) {
		if (grym_catalog_get_asset(o->cat, src, &ga, &err) != GRYM_OK)
			FAIL_ITEM();
		if (!named && json_array_size(ga.paths) > 0) {
			json_t *pm = json_pack("{s:O}", "path", json_array_get(ga.paths, 0));
			char *nm = pm ? grym_cli_item_name(id, pm) : NULL;
			json_decref(pm);
			if (nm) {
				free(name);
				name = nm;
				named = 1;
			}
		}
		int source = ga.parent[0] == 0;
		if (source) {
			/* the size check (and with --verify the hash) names the
			 * asset whose object is damaged */
			int prc = grym_catalog_open_asset_object(o->cat, &ga, &obj, path, sizeof path,
								 &err);
			grym_asset_clear(&ga);
			if (prc != GRYM_OK)
				FAIL_ITEM();
			break;
		}
		memcpy(src, ga.parent, sizeof src);
		grym_asset_clear(&ga);
		if (depth == 63) {
			grym_error_set(&err, GRYM_ERR_CORRUPT, "asset chain deeper than 64 parents");
			FAIL_ITEM();
		}
	}
#undef FAIL_ITEM
	grym_replay *rp = get_replay(o, m, &err);
	grym_replay_result res;
	memset(&res, 0, sizeof res);
	if (!rp || grym_replay_file(rp, path, &res, &err) != GRYM_OK) {
		grym_report(&o->cli, name ? name : key, &err);
		failed = 1;
		goto done;
	}
	int seg = grym_replay_segmented(rp);
	for (size_t k = 0; k < res.n; k++)
		if (push_vector(o, m, b, out, id, res.x + k * res.dims, res.dims, seg ? "" : id,
				seg ? res.start[k] : NAN, seg ? res.end[k] : NAN, &failed, &err)) {
			grym_report(&o->cli, o->p.output ? o->p.output : "stdout", &err);
			*fatal = 1;
			failed = -1;
			break;
		}
	grym_replay_result_clear(&res);
done:
	grym_store_reader_close(obj);
	free(name);
	return failed;
}

/* A reference (a bare line or a reference record holding a catalog id):
 * a feature set's summary vector, else an asset, scored through the
 * model's recipe replayed on its audio. Returns the number of failed
 * items, -1 when the output failed. */
static int infer_ref(infer_opts *o, const grym_model *m, grym_source *it, batch *b,
		     grym_output *out, int *fatal)
{
	grym_error err = { 0 };
	grym_record rec;
	grym_feature_set fs = { 0 };
	const char *key = it->head.key;
	int failed = 0;

	if (!o->cat) {
		grym_error_set(&err, GRYM_ERR_UNSUPPORTED,
			       "a bare reference needs a catalog (--catalog or GRYM_CATALOG)");
		grym_report(&o->cli, key, &err);
		return 1;
	}
	if (grym_catalog_get_features(o->cat, key, &fs, &err)) {
		grym_feature_set_clear(&fs);
		return infer_asset(o, m, key, it->head.meta, b, out, fatal);
	}
	memset(&rec, 0, sizeof rec);
	if (!fs.summary || fs.summary_len < 1) {
		grym_error_set(&err, GRYM_ERR_FORMAT, "feature set has no summary vector");
	} else if (grym_model_check_dims(m, (uint32_t)fs.summary_len, &err) ||
		   grym_model_check_recipe(m, json_object_get(it->head.meta, "pipeline"), &err) ||
		   grym_model_check_rate(m, (int)json_integer_value(json_object_get(it->head.meta, "rate")),
					 &err)) {
	} else if (push_vector(o, m, b, out, key, fs.summary, (size_t)fs.summary_len, fs.asset,
			       meta_num(it->head.meta, "start"), meta_num(it->head.meta, "end"), &failed,
			       &err)) {
		grym_report(&o->cli, o->p.output ? o->p.output : "stdout", &err);
		*fatal = 1;
		grym_feature_set_clear(&fs);
		return -1;
	} else {
		grym_feature_set_clear(&fs);
		return failed;
	}
	grym_report(&o->cli, key, &err);
	grym_feature_set_clear(&fs);
	return 1;
}

/* A record with a payload: one summary vector to score. Returns the
 * number of failed items, -1 when the output failed. */
static int infer_record(infer_opts *o, const grym_model *m, grym_source *it, batch *b,
			grym_output *out, int *fatal)
{
	grym_error err = { 0 };
	grym_record rec;
	const char *key = it->head.key;
	char asset[GRYM_ID_LEN + 1] = "";
	int failed = 0, bad = 1;

	memset(&rec, 0, sizeof rec);
	rec.head = it->head;    /* borrowed: it owns it */
	if (rec.head.kind == GRYM_PAYLOAD_AUDIO) {
		grym_error_set(&err, GRYM_ERR_UNSUPPORTED,
			       "audio record: run it through grym-features --summary first");
	} else if (grym_stream_read_payload(it->reader, &rec, 0, &err) != GRYM_OK) {
	} else if (rec.rows != 1) {
		grym_error_set(&err, GRYM_ERR_FORMAT,
			       "a matrix of %llu frames: use grym-features --summary or --segment",
			       (unsigned long long)rec.rows);
	} else if (grym_model_check_dims(m, rec.head.cols, &err) ||
		   grym_model_check_recipe(m, json_object_get(rec.head.meta, "pipeline"), &err) ||
		   grym_model_check_rate(m, (int)json_integer_value(json_object_get(rec.head.meta,
										    "rate")), &err)) {
	} else {
		bad = 0;
	}
	if (bad) {
		grym_report(&o->cli, key, &err);
		free(rec.data);
		return 1;
	}
	int windowed = json_is_number(json_object_get(rec.head.meta, "start"));
	if (o->cat && !windowed) {
		/* the asset the vector describes: meta "asset", else the key */
		json_t *a = json_object_get(rec.head.meta, "asset");
		const char *cand = json_is_string(a) ? json_string_value(a) : key;
		grym_asset ga;
		if (strlen(cand) == GRYM_ID_LEN && grym_catalog_get_asset(o->cat, cand, &ga, NULL) == GRYM_OK) {
			memcpy(asset, cand, sizeof asset);
			grym_asset_clear(&ga);
		}
	}
	int rc = push_vector(o, m, b, out, key, rec.data, rec.head.cols, asset,
			     meta_num(rec.head.meta, "start"), meta_num(rec.head.meta, "end"), &failed,
			     &err);
	free(rec.data);
	if (rc) {
		grym_report(&o->cli, o->p.output ? o->p.output : "stdout", &err);
		*fatal = 1;
		return -1;
	}
	return failed;
}

/* The audio files in a row, replayed together (-j threads), in order. */
typedef struct audio_run_list {
	audio_item items[BATCH];
	char *keys[BATCH];
	size_t n;
} audio_run_list;

static int flush_run(infer_opts *o, const grym_model *m, audio_run_list *r, batch *b,
		     grym_output *out, int *fatal)
{
	int f = 0;
	if (r->n && !*fatal)
		f = infer_audio(o, m, r->items, r->n, b, out, fatal);
	for (size_t i = 0; i < r->n; i++)
		free(r->keys[i]);
	memset(r, 0, sizeof *r);
	return f;
}

/* Every input item (grym/sources.h), in order; returns the number of
 * failed items (-1 when the output failed, *fatal set). */
static int infer_all(infer_opts *o, const grym_model *m, grym_sources *src, batch *b,
		     grym_output *out, int *fatal)
{
	static audio_run_list run;
	grym_error err = { 0 };
	grym_source *it;
	int failed = 0, f = 0, rc;

	while (!*fatal && (rc = grym_sources_next(src, &it, &err)) == GRYM_OK) {
		if (it->kind == GRYM_SOURCE_FILE) {
			/* consecutive audio files: replayed in parallel, in order */
			if (!(run.keys[run.n] = strdup(it->path))) {
				grym_msg(&o->cli, "out of memory");
				*fatal = 1;
				break;
			}
			run.items[run.n].path = run.items[run.n].key = run.keys[run.n];
			if (++run.n == BATCH)
				failed += flush_run(o, m, &run, b, out, fatal);
			continue;
		}
		failed += flush_run(o, m, &run, b, out, fatal);
		if (*fatal)
			break;
		switch (it->kind) {
		case GRYM_SOURCE_ERROR:
			grym_report(&o->cli, it->name, &it->err);
			f = 1;
			break;
		case GRYM_SOURCE_AUDIO_IN:
			f = infer_audio_in(o, m, it, b, out, fatal);
			break;
		case GRYM_SOURCE_TSV:
			f = infer_tsv(o, m, it->in, it->name, b, out, fatal);
			break;
		case GRYM_SOURCE_RECORD:
			f = infer_record(o, m, it, b, out, fatal);
			break;
		case GRYM_SOURCE_REF:
			f = infer_ref(o, m, it, b, out, fatal);
			break;
		default:
			grym_msg(&o->cli, "%s: not an input of grym-infer", it->name);
			f = 1;
		}
		failed += f < 0 ? 1 : f;
	}
	failed += flush_run(o, m, &run, b, out, fatal);
	if (!*fatal && rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED) {
		grym_report(&o->cli, NULL, &err);
		failed++;
	}
	if (!*fatal && flush_batch(o, m, b, out, &err)) {
		grym_report(&o->cli, o->p.output ? o->p.output : "stdout", &err);
		*fatal = 1;
	}
	return failed;
}

int main(int argc, char **argv)
{
	static infer_opts o;    /* what it owns stays reachable until the exit */
	grym_error e0 = { 0 };
	const grym_option *opts = grym_cli_schema_options(grym_infer_schema(), own_options);
	if (!opts || grym_schema_defaults(grym_infer_schema(), &o.p, &e0) != GRYM_OK) {
		fprintf(stderr, "grym-infer: %s\n", e0.msg[0] ? e0.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&o.cli, "grym-infer", "-m MODEL [OPTION]... [FILE|DIR|-]...",
		      "Predict labels (or clusters) of feature vectors, or of audio files through the model's recipe, with a trained model.", opts);
	int first = grym_cli_parse(&o.cli, argc, argv, on_opt, &o);
	if (!o.p.model)
		grym_usage_error(&o.cli, "-m MODEL is required");
	grym_error err = { 0 };
	grym_model *m = NULL;
	void *mbytes = NULL;
	size_t mlen = 0;
	int status = GRYM_EXIT_OK;
	char dir[4096] = "";
	int use_cat = o.cli.catalog_dir || getenv("GRYM_CATALOG");
	if (access(o.p.model, F_OK) == 0) {
		FILE *f = fopen(o.p.model, "rb");
		if (f) {
			size_t cap = 1 << 16;
			mbytes = malloc(cap);
			size_t r;
			while (mbytes && (r = fread((char *)mbytes + mlen, 1, cap - mlen, f)) > 0) {
				mlen += r;
				if (mlen == cap) {
					void *nb = realloc(mbytes, cap *= 2);
					if (!nb) {
						free(mbytes);
						mbytes = NULL;
					}
					mbytes = nb;
				}
			}
			fclose(f);
		}
		if (!mbytes)
			grym_error_set(&err, GRYM_ERR_IO, "cannot read the model file");
	} else {
		/* not a file: a model id, id prefix or name in the catalog */
		grym_model_row row = { 0 };
		if (grym_cli_catalog_dir(&o.cli, dir, sizeof dir, &err) == GRYM_OK &&
		    (o.cat = grym_catalog_open(dir, &err)) &&
		    grym_catalog_get_model(o.cat, o.p.model, &row, &err) == GRYM_OK) {
			/* found: a damaged object is named as such, not as
			 * a model that does not exist */
			if (grym_catalog_model_bytes(o.cat, &row, &mbytes, &mlen, &err) == GRYM_OK) {
				memcpy(o.model_id, row.id, sizeof o.model_id);
				o.model_row = 1;
			}
		} else {
			grym_error_prefix(&err, err.code, "no such file, and in the catalog %s", dir[0] ? dir : "(none)");
		}
		grym_model_row_clear(&row);
	}
	if (mbytes && grym_model_load(mbytes, mlen, &m, &err) == GRYM_OK && !o.model_row)
		grym_sha256_hex(mbytes, mlen, o.model_id);
	if (!m) {
		grym_report(&o.cli, o.p.model, &err);
		grym_catalog_close(o.cat);
		free(mbytes);
		return GRYM_EXIT_FAILED;
	}
	o.model_bytes = mbytes;
	o.model_len = mlen;
	if (!o.cat && use_cat) {
		if (grym_cli_catalog_dir(&o.cli, dir, sizeof dir, &err) ||
		    !(o.cat = grym_catalog_open(dir, &err))) {
			grym_report(&o.cli, "catalog", &err);
			grym_model_free(m);
			free(mbytes);
			return GRYM_EXIT_FAILED;
		}
	}
	if (o.cat)
		grym_catalog_set_verify(o.cat, o.p.verify);
	if (o.p.jobs > 1)
		openblas_set_num_threads(1);
	batch b = { 0 };
	b.d = grym_model_dims(m);
	b.K = grym_model_nclasses(m);
	b.keys = calloc(BATCH, sizeof *b.keys);
	b.asset = calloc(BATCH, sizeof *b.asset);
	b.start = malloc(BATCH * sizeof *b.start);
	b.end = malloc(BATCH * sizeof *b.end);
	b.x = malloc(BATCH * b.d * sizeof *b.x);
	b.proba = malloc(BATCH * b.K * sizeof *b.proba);
	b.pred = malloc(BATCH * sizeof *b.pred);
	grym_output *out = NULL;
	if (!b.keys || !b.asset || !b.start || !b.end || !b.x || !b.proba || !b.pred) {
		grym_msg(&o.cli, "out of memory");
		status = GRYM_EXIT_FAILED;
		goto done;
	}
	if (!(out = grym_output_open(o.p.output, &err))) {
		grym_report(&o.cli, o.p.output, &err);
		status = GRYM_EXIT_FAILED;
		goto done;
	}
	int nin = argc - first, fatal = 0;
	grym_sources_opts so = { 0 };
	so.flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_TSV | (o.p.tsv ? GRYM_SOURCES_TSV_ALL : 0);
	so.null_sep = o.cli.null_sep;
	so.stdin_name = "-";    /* the key of audio on stdin */
	so.cancel = &grym_cli_cancel;
	grym_sources *src = grym_sources_new(&so, &err);
	int bad = !src;
	if (!bad)
		bad = grym_sources_add_operands(src, nin, argv + first, &err) != GRYM_OK;
	/* inputs named one by one (no directory, no "-" that may hold a
	 * list): the bar knows how many; more than that (a records file of
	 * ids) and it only counts (grym_progress_update) */
	uint64_t nfiles = 0;
	for (int i = 0; i < nin; i++) {
		struct stat st;
		if (!strcmp(argv[first + i], "-") || stat(argv[first + i], &st) != 0 ||
		    S_ISDIR(st.st_mode)) {
			nfiles = 0;
			break;
		}
		nfiles++;
	}
	if (nin > 0)
		o.prog = grym_progress_new(&o.cli, "infer", nfiles);
	if (bad) {
		grym_report(&o.cli, NULL, &err);
		fatal = 1;
	} else if (infer_all(&o, m, src, &b, out, &fatal)) {
		status = GRYM_EXIT_FAILED;
	}
	grym_sources_free(src);
	if (fatal)
		status = GRYM_EXIT_FAILED;
	grym_progress_finish(o.prog);
	o.prog = NULL;
	if (fatal || grym_cli_cancel) {
		/* a signal: an -o FILE is left as it was */
		grym_output_abort(out);
	} else if (grym_output_commit(out, &err)) {
		grym_report(&o.cli, o.p.output ? o.p.output : "stdout", &err);
		status = GRYM_EXIT_FAILED;
	}
	if (o.stored)
		grym_verbose(&o.cli, "%d predictions stored in the catalog (model %s)", o.stored, o.model_id);
done:
	free(b.asset);
	free(b.keys); free(b.start); free(b.end); free(b.x); free(b.proba); free(b.pred);
	grym_model_free(m);
	grym_pool_free(o.predict);
	grym_replay_free(o.replay);
	grym_catalog_close(o.cat);
	free(mbytes);
	return status;
}
