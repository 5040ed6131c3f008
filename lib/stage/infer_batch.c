/*
 * infer_batch.c — vectors queued for prediction, predicted a batch at a
 * time by the stage's threads (each a part of the batch: OpenBLAS is the
 * caller's to hold to one thread), then given to the sink in input order
 * and stored in the catalog.
 */
#include "infer_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int inf_batch_init(inf_run *r, grym_error *err)
{
	inf_batch *b = &r->b;
	b->d = grym_model_dims(r->m);
	b->K = grym_model_nclasses(r->m);
	b->keys = calloc(INF_BATCH, sizeof *b->keys);
	b->asset = calloc(INF_BATCH, sizeof *b->asset);
	b->start = malloc(INF_BATCH * sizeof *b->start);
	b->end = malloc(INF_BATCH * sizeof *b->end);
	b->x = malloc(INF_BATCH * b->d * sizeof *b->x);
	b->proba = malloc(INF_BATCH * b->K * sizeof *b->proba);
	b->pred = malloc(INF_BATCH * sizeof *b->pred);
	r->order = malloc((b->K ? b->K : 1) * sizeof *r->order);
	r->labels = malloc((b->K ? b->K : 1) * sizeof *r->labels);
	r->probs = malloc((b->K ? b->K : 1) * sizeof *r->probs);
	if (!b->keys || !b->asset || !b->start || !b->end || !b->x || !b->proba || !b->pred ||
	    !r->order || !r->labels || !r->probs)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

void inf_batch_drop(inf_run *r)
{
	for (size_t i = 0; i < r->b.n; i++)
		free(r->b.keys[i]);
	r->b.n = 0;
}

void inf_batch_free(inf_run *r)
{
	inf_batch *b = &r->b;
	if (b->keys)
		inf_batch_drop(r);
	free(b->keys);
	free(b->asset);
	free(b->start);
	free(b->end);
	free(b->x);
	free(b->proba);
	free(b->pred);
	free(r->order);
	free(r->labels);
	free(r->probs);
	grym_pool_free(r->predict);
}

typedef struct job {
	const grym_model *m;
	inf_batch *b;
	size_t lo, hi;
	grym_error err;
	int rc;
} job;

/* One part of a batch (grym_pool work): the results go in place. */
static void run_job(void *ud, void *jp, grym_pool_worker *w)
{
	job *j = jp;
	(void)ud;
	(void)w;
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

/* The batch's predictions of catalog assets into the catalog, in one
 * transaction. */
static int store_predictions(inf_run *r, const size_t *best, grym_error *err)
{
	inf_batch *b = &r->b;
	size_t K = b->K, any = 0;
	for (size_t i = 0; i < b->n; i++)
		any += b->asset[i][0] != 0;
	if (!r->cat || !any)
		return GRYM_OK;
	int rc = inf_ensure_model_row(r, err);
	if (rc || (rc = grym_catalog_begin(r->cat, err)))
		return rc;
	for (size_t i = 0; i < b->n && !rc; i++) {
		if (!b->asset[i][0])
			continue;
		const float *p = b->proba + i * K;
		json_t *sc = json_object();
		for (size_t k = 0; k < K; k++)
			json_object_set_new(sc, grym_model_label(r->m, k),
					    json_real(round((double)p[k] * 1e6) / 1e6));
		char *scores = json_dumps(sc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
		json_decref(sc);
		rc = grym_catalog_put_prediction(r->cat, r->model_id, b->asset[i],
						 grym_model_label(r->m, best[i]), (double)p[best[i]],
						 scores, err);
		free(scores);
		r->stored++;
	}
	if (rc) {
		grym_catalog_rollback(r->cat);
		return rc;
	}
	return grym_catalog_commit(r->cat, err);
}

/* Each prediction of the batch to the sink, then the catalog. */
static int emit(inf_run *r, grym_error *err)
{
	inf_batch *b = &r->b;
	size_t K = b->K;
	size_t *best = malloc((b->n ? b->n : 1) * sizeof *best);
	if (!best)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int rc = GRYM_OK;
	for (size_t i = 0; i < b->n && !rc; i++) {
		const float *p = b->proba + i * K;
		/* the predicted label first, then the others by probability */
		size_t lab = (size_t)b->pred[i], no = 0;
		r->order[no++] = lab;
		for (size_t k = 0; k < K; k++)
			if (k != lab)
				r->order[no++] = k;
		qsort_r(r->order + 1, K - 1, sizeof *r->order, cmp_desc, (void *)p);
		best[i] = r->order[0];
		for (size_t k = 0; k < K; k++) {
			r->labels[k] = grym_model_label(r->m, r->order[k]);
			r->probs[k] = p[r->order[k]];
		}
		grym_infer_result res = { b->keys[i], b->start[i], b->end[i], K, r->labels, r->probs,
					  b->asset[i] };
		rc = r->sink->write(r->sink->ud, &res, err);
	}
	if (!rc && r->sink->flush)   /* on a pipe the batch's lines leave now */
		rc = r->sink->flush(r->sink->ud, err);
	if (!rc)
		rc = store_predictions(r, best, err);
	free(best);
	return rc;
}

int inf_flush(inf_run *r, grym_error *err)
{
	inf_batch *b = &r->b;
	if (!b->n)
		return GRYM_OK;
	size_t nj = (size_t)r->jobs, chunk = (b->n + nj - 1) / nj;
	job jobs[GRYM_JOBS_MAX];
	/* no cancel flag: a batch is milliseconds of work, and the flag
	 * stops the readers that fill the next one */
	grym_pool_opts po = { .jobs = (int)nj, .work = run_job };
	if (!r->predict && !(r->predict = grym_pool_new(&po, err)))
		return err->code;
	for (size_t t = 0; t < nj; t++) {
		jobs[t] = (job){ r->m, b, t * chunk, (t + 1) * chunk < b->n ? (t + 1) * chunk : b->n,
				 { 0 }, 0 };
		if (jobs[t].lo >= jobs[t].hi)
			jobs[t].hi = jobs[t].lo;
		int rc = grym_pool_submit(r->predict, &jobs[t], err);
		if (rc)
			return rc;
	}
	int prc = grym_pool_drain(r->predict, err);
	if (prc)
		return prc;
	for (size_t t = 0; t < nj; t++)
		if (jobs[t].rc) {
			*err = jobs[t].err;
			return jobs[t].rc;
		}
	int rc = emit(r, err);
	inf_batch_drop(r);
	return rc;
}

int inf_push(inf_run *r, const char *key, const float *x, size_t d, const char *asset,
	     double start, double end, grym_error *err)
{
	inf_batch *b = &r->b;
	grym_error e = { 0 };
	int bad = grym_model_check_dims(r->m, d, &e) != GRYM_OK;
	for (size_t j = 0; j < d && !bad; j++)
		if (!isfinite(x[j])) {
			grym_error_set(&e, GRYM_ERR_FORMAT, "%s in feature column %zu",
				       isnan(x[j]) ? "NaN" : "infinity", j);
			bad = 1;
		}
	if (bad) {
		grym_stage_fail(r->env, key, &e);
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
	if (b->n == INF_BATCH)
		return inf_flush(r, err);
	return GRYM_OK;
}

int inf_output_failed(inf_run *r, int rc, grym_error *err)
{
	if (r->sink->name)
		grym_error_prefix(err, rc, "%s", r->sink->name);
	return rc;
}
