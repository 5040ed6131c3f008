/*
 * grym-infer — apply a grym-model(5) to feature vectors: one line
 * key<TAB>label<TAB>probability per input vector (--top K for more
 * labels, --jsonl for JSON lines; segmented vectors, whose metadata has
 * "start" and "end", print key<TAB>start<TAB>end<TAB>label<TAB>probability).
 *
 * Vectors are read in batches and each batch is predicted by up to -j
 * threads (OpenBLAS held to one thread each); output keeps input order.
 * An input vector that cannot be scored (wrong dimension, NaN) is reported
 * and skipped, and the exit status is 1.
 */
#include <cblas.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "grym/io.h"
#include "grym/ml.h"
#include "grym/stream.h"

static const grym_option opts[] = {
	{ "model", 'm', "MODEL", NULL, "the model file (required)" },
	{ "output", 'o', "FILE", NULL, "write predictions to FILE (atomically) instead of stdout" },
	{ "top", 0, "K", "1", "print the K most probable labels" },
	{ "jsonl", 0, NULL, NULL, "one JSON object per line" },
	{ "jobs", 'j', "N", "1", "predict with N threads" },
	{ 0 }
};

typedef struct infer_opts {
	grym_cli cli;
	const char *model, *output;
	long top, jobs;
	int jsonl;
} infer_opts;

static int on_opt(void *ud, const char *name, const char *arg)
{
	infer_opts *o = ud;
	if (!strcmp(name, "model"))
		o->model = arg;
	else if (!strcmp(name, "output"))
		o->output = arg;
	else if (!strcmp(name, "top"))
		return grym_parse_int(&o->cli, name, arg, 1, 1000000, &o->top);
	else if (!strcmp(name, "jsonl"))
		o->jsonl = 1;
	else if (!strcmp(name, "jobs"))
		return grym_parse_int(&o->cli, name, arg, 1, 256, &o->jobs);
	return 0;
}

#define BATCH 4096

typedef struct batch {
	size_t n, d, K;
	char **keys;
	double *start, *end;   /* NAN when absent */
	float *x, *proba;
} batch;

typedef struct job {
	const grym_model *m;
	batch *b;
	size_t lo, hi;
	grym_error err;
	int rc;
} job;

static void *run_job(void *ud)
{
	job *j = ud;
	if (j->hi > j->lo)
		j->rc = grym_model_predict(j->m, j->b->x + j->lo * j->b->d, j->hi - j->lo,
					   j->b->proba + j->lo * j->b->K, NULL, &j->err);
	return NULL;
}

static int cmp_desc(const void *a, const void *b, void *ud)
{
	const float *p = ud;
	float x = p[*(const size_t *)a], y = p[*(const size_t *)b];
	if (x != y)
		return x > y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int emit(const infer_opts *o, const grym_model *m, batch *b, grym_output *out, grym_error *err)
{
	size_t K = b->K, top = (size_t)o->top < K ? (size_t)o->top : K;
	size_t *order = malloc(K * sizeof *order);
	if (!order)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int rc = GRYM_OK;
	for (size_t i = 0; i < b->n && !rc; i++) {
		const float *p = b->proba + i * K;
		for (size_t k = 0; k < K; k++)
			order[k] = k;
		qsort_r(order, K, sizeof *order, cmp_desc, (void *)p);
		int seg = !isnan(b->start[i]) && !isnan(b->end[i]);
		if (o->jsonl) {
			json_t *j = json_pack("{s:s,s:s,s:f}", "key", b->keys[i],
					      "label", grym_model_label(m, order[0]), "probability",
					      round((double)p[order[0]] * 1e6) / 1e6);
			if (seg) {
				json_object_set_new(j, "start", json_real(b->start[i]));
				json_object_set_new(j, "end", json_real(b->end[i]));
			}
			if (o->top > 1) {
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
		rc = grym_output_printf(out, err, "%s", b->keys[i]);
		if (!rc && seg)
			rc = grym_output_printf(out, err, "\t%.9g\t%.9g", b->start[i], b->end[i]);
		for (size_t k = 0; k < top && !rc; k++)
			rc = grym_output_printf(out, err, "\t%s\t%.6f", grym_model_label(m, order[k]),
						(double)p[order[k]]);
		if (!rc)
			rc = grym_output_printf(out, err, "\n");
	}
	free(order);
	return rc;
}

static int flush_batch(const infer_opts *o, const grym_model *m, batch *b, grym_output *out,
		       grym_error *err)
{
	if (!b->n)
		return GRYM_OK;
	size_t nj = (size_t)o->jobs, chunk = (b->n + nj - 1) / nj;
	job jobs[256];
	pthread_t th[256];
	int started[256] = { 0 };
	for (size_t t = 0; t < nj; t++) {
		jobs[t] = (job){ m, b, t * chunk, (t + 1) * chunk < b->n ? (t + 1) * chunk : b->n, { 0 }, 0 };
		if (jobs[t].lo >= jobs[t].hi)
			jobs[t].hi = jobs[t].lo;
	}
	if (nj == 1) {
		run_job(&jobs[0]);
	} else {
		for (size_t t = 0; t < nj; t++)
			started[t] = pthread_create(&th[t], NULL, run_job, &jobs[t]) == 0;
		for (size_t t = 0; t < nj; t++)
			if (started[t])
				pthread_join(th[t], NULL);
			else
				run_job(&jobs[t]);
	}
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

/* Predict every vector of one input; returns the number of failed items
 * or -1 when the input itself failed. */
static int infer_input(const infer_opts *o, const grym_model *m, const char *path, batch *b,
		       grym_output *out, int *fatal)
{
	const char *name = path ? path : "stdin";
	grym_error err = { 0 };
	int failed = 0;
	grym_input *in = grym_input_open(path, &err);
	grym_stream_reader *r = NULL;
	grym_input_kind kind = GRYM_INPUT_EMPTY;
	if (in && grym_input_detect(in, &kind, &err) == GRYM_OK && kind == GRYM_INPUT_AUDIO)
		grym_error_set(&err, GRYM_ERR_UNSUPPORTED,
			       "audio input: run it through the model's recipe first "
			       "(grym-normalize | grym-features --summary)");
	else if (in && kind == GRYM_INPUT_EMPTY && err.code == GRYM_OK)
		grym_error_set(&err, GRYM_ERR_FORMAT, "empty input");
	if (err.code == GRYM_OK)
		r = grym_stream_reader_new(in, &err);
	if (!r) {
		grym_report(&o->cli, name, &err);
		grym_input_free(in);
		return -1;
	}
	grym_record rec = { 0 };
	int rc;
	while ((rc = grym_stream_read(r, &rec, 0, &err)) == GRYM_OK) {
		const char *key = rec.head.key;
		int bad = 0;
		if (rec.head.kind == GRYM_PAYLOAD_REF) {
			grym_error_set(&err, GRYM_ERR_UNSUPPORTED,
				       "a bare reference: pipe feature vectors (grym-features --summary)");
			bad = 1;
		} else if (rec.head.kind == GRYM_PAYLOAD_AUDIO) {
			grym_error_set(&err, GRYM_ERR_UNSUPPORTED,
				       "audio record: run it through grym-features --summary first");
			bad = 1;
		} else if (rec.rows != 1) {
			grym_error_set(&err, GRYM_ERR_FORMAT,
				       "a matrix of %llu frames: use grym-features --summary or --segment",
				       (unsigned long long)rec.rows);
			bad = 1;
		} else if (grym_model_check_dims(m, rec.head.cols, &err)) {
			bad = 1;
		} else {
			for (size_t j = 0; j < rec.head.cols && !bad; j++)
				if (!isfinite(rec.data[j])) {
					grym_error_set(&err, GRYM_ERR_FORMAT, "%s in feature column %zu",
						       isnan(rec.data[j]) ? "NaN" : "infinity", j);
					bad = 1;
				}
		}
		if (bad) {
			grym_report(&o->cli, key, &err);
			failed++;
			grym_record_clear(&rec);
			continue;
		}
		size_t i = b->n;
		if (!(b->keys[i] = strdup(key))) {
			grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
			rc = err.code;
			break;
		}
		memcpy(b->x + i * b->d, rec.data, b->d * sizeof *b->x);
		b->start[i] = meta_num(rec.head.meta, "start");
		b->end[i] = meta_num(rec.head.meta, "end");
		b->n++;
		grym_record_clear(&rec);
		if (b->n == BATCH && (rc = flush_batch(o, m, b, out, &err)))
			break;
	}
	grym_record_clear(&rec);
	if (rc == GRYM_ERR_EOF)
		rc = flush_batch(o, m, b, out, &err);
	if (rc) {
		grym_report(&o->cli, name, &err);
		if (err.code == GRYM_ERR_IO || err.code == GRYM_ERR_NOMEM)
			*fatal = 1;
		for (size_t i = 0; i < b->n; i++)
			free(b->keys[i]);
		b->n = 0;
		failed = failed ? failed : 1;
	}
	grym_stream_reader_free(r);
	grym_input_free(in);
	return failed;
}

int main(int argc, char **argv)
{
	infer_opts o = { 0 };
	o.top = 1;
	o.jobs = 1;
	grym_cli_init(&o.cli, "grym-infer", "-m MODEL [OPTION]... [FILE]...",
		      "Predict labels (or clusters) of feature vectors with a trained model.", opts);
	int first = grym_cli_parse(&o.cli, argc, argv, on_opt, &o);
	if (!o.model)
		grym_usage_error(&o.cli, "-m MODEL is required");
	grym_error err = { 0 };
	grym_model *m = NULL;
	if (grym_model_load_file(o.model, &m, &err)) {
		grym_report(&o.cli, o.model, &err);
		return GRYM_EXIT_FAILED;
	}
	if (o.jobs > 1)
		openblas_set_num_threads(1);
	batch b = { 0 };
	b.d = grym_model_dims(m);
	b.K = grym_model_nclasses(m);
	b.keys = calloc(BATCH, sizeof *b.keys);
	b.start = malloc(BATCH * sizeof *b.start);
	b.end = malloc(BATCH * sizeof *b.end);
	b.x = malloc(BATCH * b.d * sizeof *b.x);
	b.proba = malloc(BATCH * b.K * sizeof *b.proba);
	grym_output *out = NULL;
	int status = GRYM_EXIT_OK;
	if (!b.keys || !b.start || !b.end || !b.x || !b.proba) {
		grym_msg(&o.cli, "out of memory");
		status = GRYM_EXIT_FAILED;
		goto done;
	}
	if (!(out = grym_output_open(o.output, &err))) {
		grym_report(&o.cli, o.output, &err);
		status = GRYM_EXIT_FAILED;
		goto done;
	}
	int nin = argc - first, fatal = 0;
	for (int i = 0; i < (nin ? nin : 1) && !fatal; i++) {
		int f = infer_input(&o, m, nin ? argv[first + i] : NULL, &b, out, &fatal);
		if (f)
			status = GRYM_EXIT_FAILED;
	}
	if (fatal) {
		grym_output_abort(out);
	} else if (grym_output_commit(out, &err)) {
		grym_report(&o.cli, o.output ? o.output : "stdout", &err);
		status = GRYM_EXIT_FAILED;
	}
done:
	free(b.keys); free(b.start); free(b.end); free(b.x); free(b.proba);
	grym_model_free(m);
	return status;
}
