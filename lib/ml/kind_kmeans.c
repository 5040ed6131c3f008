/*
 * kind_kmeans.c — k-means, the one clusterer: k-means++ seeding from
 * grym_rng, then Lloyd iterations, the best of n_init restarts by inertia.
 * It stores the centroids (standardized space) and predicts the nearest
 * one, probability 1. Training distances come from one OpenBLAS sgemm
 * (|a|^2 + |b|^2 - 2 a.b); prediction sums them row by row in a fixed
 * order (rows.c), so the batch never changes a cluster.
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "kind.h"

#define KMEANS_BLOCK 256

static void defaults(grym_ml_params *p)
{
	p->k = 8;
	p->max_iter = 300;
	p->tol = 1e-4;
	p->n_init = 3;
}

static int check_k(const grym_ml_params *p, grym_error *err)
{
	if (p->k < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "k must be at least 1");
	return GRYM_OK;
}

/* Squared distances of n rows a to k rows b (d columns) through sgemm:
 * out n x k. */
static void sqdist(const float *a, size_t n, const float *b, size_t k, size_t d, float *out)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, -2.0f,
		    a, (int)d, b, (int)d, 0.0f, out, (int)k);
	for (size_t j = 0; j < k; j++) {
		float bn = cblas_sdot((int)d, b + j * d, 1, b + j * d, 1);
		for (size_t i = 0; i < n; i++)
			out[i * k + j] += bn;
	}
	for (size_t i = 0; i < n; i++) {
		float an = cblas_sdot((int)d, a + i * d, 1, a + i * d, 1);
		for (size_t j = 0; j < k; j++) {
			float v = out[i * k + j] + an;
			out[i * k + j] = v > 0 ? v : 0;
		}
	}
}


/* One k-means run (restart run of runs, for progress); the inertia, -1
 * out of memory, -2 cancelled (tk's flag, checked every iteration). */
static double lloyd(const float *xs, size_t n, size_t d, size_t k, float *C, int *assign,
		    float *D, int max_iter, double tol, grym_rng *rng, int *settled,
		    grym_ticker *tk, int run, int runs)
{
	/* k-means++ seeding */
	double *w = malloc(n * sizeof *w);
	if (!w)
		return -1;
	size_t first = (size_t)grym_rng_below(rng, n);
	memcpy(C, xs + first * d, d * sizeof *C);
	for (size_t i = 0; i < n; i++)
		w[i] = DBL_MAX;
	for (size_t c = 1; c < k; c++) {
		if (grym_cancelled(tk->cancel)) {
			free(w);
			return -2;
		}
		sqdist(xs, n, C + (c - 1) * d, 1, d, D);
		double tot = 0;
		for (size_t i = 0; i < n; i++) {
			if (D[i] < w[i])
				w[i] = D[i];
			tot += w[i];
		}
		size_t pick = n - 1;
		if (tot > 0) {
			double r = grym_rng_uniform(rng) * tot, acc = 0;
			for (size_t i = 0; i < n; i++) {
				acc += w[i];
				if (acc > r) {
					pick = i;
					break;
				}
			}
		} else {
			pick = (size_t)grym_rng_below(rng, n);
		}
		memcpy(C + c * d, xs + pick * d, d * sizeof *C);
	}
	free(w);
	double inertia = 0;
	double *acc = malloc(k * d * sizeof *acc);
	size_t *cnt = malloc(k * sizeof *cnt);
	if (!acc || !cnt) {
		free(acc); free(cnt);
		return -1;
	}
	for (int it = 0; it < max_iter; it++) {
		if (grym_cancelled(tk->cancel)) {
			inertia = -2;
			break;
		}
		if (grym_ticker_due(tk)) {
			char msg[64];
			snprintf(msg, sizeof msg, "run %d/%d: iteration %d", run + 1, runs, it + 1);
			grym_ticker_report(tk, (run + (double)it / max_iter) / runs, msg);
		}
		sqdist(xs, n, C, k, d, D);
		inertia = 0;
		for (size_t i = 0; i < n; i++) {
			size_t b = 0;
			for (size_t c = 1; c < k; c++)
				if (D[i * k + c] < D[i * k + b])
					b = c;
			assign[i] = (int)b;
			inertia += D[i * k + b];
		}
		memset(acc, 0, k * d * sizeof *acc);
		memset(cnt, 0, k * sizeof *cnt);
		for (size_t i = 0; i < n; i++) {
			cnt[assign[i]]++;
			for (size_t j = 0; j < d; j++)
				acc[(size_t)assign[i] * d + j] += xs[i * d + j];
		}
		double shift = 0;
		for (size_t c = 0; c < k; c++) {
			if (!cnt[c])
				continue;   /* an empty cluster keeps its centroid */
			for (size_t j = 0; j < d; j++) {
				float v = (float)(acc[c * d + j] / (double)cnt[c]);
				shift += (double)(v - C[c * d + j]) * (v - C[c * d + j]);
				C[c * d + j] = v;
			}
		}
		if (shift <= tol) {
			*settled = 1;
			break;
		}
	}
	free(acc);
	free(cnt);
	return inertia;
}

/* y is not read: k-means fits the rows alone. */
static int kmeans_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
{
	size_t d = m->d, k = (size_t)m->p.k;
	if (m->p.k < 1 || k > n)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "kmeans: --k %d needs between 1 and %zu items", m->p.k, n);
	float *best = ml_array_add(m, "centroids", ML_F32, k, d, err);
	if (!best)
		return err ? err->code : GRYM_ERR_NOMEM;
	float *C = malloc(k * d * sizeof *C), *D = malloc(n * k * sizeof *D);
	int *assign = malloc(n * sizeof *assign);
	if (!C || !D || !assign) {
		free(C); free(D); free(assign);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	/* tol as scikit-learn's: times the mean feature variance (at most 1
	 * after standardization), compared with the squared centroid shift */
	double mv = 0;
	for (size_t j = 0; j < d; j++) {
		double s = 0, s2 = 0;
		for (size_t i = 0; i < n; i++) {
			s += xs[i * d + j];
			s2 += (double)xs[i * d + j] * xs[i * d + j];
		}
		mv += (s2 / (double)n - (s / (double)n) * (s / (double)n)) / (double)d;
	}
	grym_rng rng;
	grym_rng_seed(&rng, m->p.seed);
	double best_in = -1;
	int rc = GRYM_OK;
	int unsettled = 0, runs = m->p.n_init > 0 ? m->p.n_init : 1;
	grym_ticker tick;
	grym_ticker_init(&tick, m->p.cancel, m->p.progress, m->p.progress_ud);
	for (int r = 0; r < runs; r++) {
		int settled = 0;
		double in = lloyd(xs, n, d, k, C, assign, D, m->p.max_iter, m->p.tol * mv, &rng, &settled,
				  &tick, r, runs);
		unsettled += !settled && in >= 0;
		if (in == -2) {
			rc = grym_error_cancelled(err);
			break;
		}
		if (in < 0) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		if (best_in < 0 || in < best_in) {
			best_in = in;
			memcpy(best, C, k * d * sizeof *C);
		}
	}
	if (!rc && unsettled && m->p.warn) {
		char msg[200];
		snprintf(msg, sizeof msg, "kmeans: stopped at --max-iter %d before the centroids settled "
			 "(%d of %d restarts; raise --max-iter)", m->p.max_iter, unsettled, runs);
		m->p.warn(m->p.warn_ud, msg);
	}
	free(C); free(D); free(assign);
	return rc;
}

static int kmeans_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err)
{
	const ml_array *ac = ml_array_get(m, "centroids", ML_F32);
	if (!ac || ac->rows != m->nclasses || ac->cols != m->d)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "kmeans model lacks its centroids");
	size_t k = ac->rows, d = m->d;
	float *D = malloc(KMEANS_BLOCK * k * sizeof *D);
	if (!D)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i0 = 0; i0 < n; i0 += KMEANS_BLOCK) {
		size_t nb = n - i0 < KMEANS_BLOCK ? n - i0 : KMEANS_BLOCK;
		for (size_t i = 0; i < nb; i++)
			for (size_t c = 0; c < k; c++)
				D[i * k + c] = (float)ml_row_sqdist(xs + (i0 + i) * d,
								    (const float *)ac->data + c * d, d);
		for (size_t i = 0; i < nb; i++) {
			size_t b = 0;
			for (size_t c = 1; c < k; c++)
				if (D[i * k + c] < D[i * k + b])
					b = c;
			float *p = proba + (i0 + i) * k;
			memset(p, 0, k * sizeof *p);
			p[b] = 1.0f;
		}
	}
	free(D);
	return GRYM_OK;
}

static int kmeans_validate(const grym_model *m, grym_error *err)
{
	const ml_array *a = ml_array_get(m, "centroids", ML_F32);
	if (!a || a->rows != m->nclasses || a->cols != m->d)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "kmeans centroids have the wrong shape");
	return GRYM_OK;
}

/* What the training rows were: the cluster sizes and the inertia (sum of
 * squared distances to the nearest centroid, in the standardized space)
 * of the final centroids. */
static int kmeans_summarize(const grym_model *m, const float *xs, const int *y, size_t n,
			    json_t *t)
{
	const ml_array *ac = ml_array_get(m, "centroids", ML_F32);
	size_t k = m->nclasses;
	json_int_t *size = calloc(k, sizeof *size);
	double inertia = 0;
	if (!ac || !size) {
		free(size);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t b = 0;
		double bd = INFINITY;
		for (size_t c = 0; c < k; c++) {
			double dd = ml_row_sqdist(xs + i * m->d, (const float *)ac->data + c * m->d, m->d);
			if (dd < bd) {
				bd = dd;
				b = c;
			}
		}
		size[b]++;
		inertia += bd;
	}
	json_t *cs = json_array();
	for (size_t c = 0; c < k; c++)
		json_array_append_new(cs, json_integer(size[c]));
	free(size);
	json_object_set_new(t, "cluster_sizes", cs);
	json_object_set_new(t, "inertia", json_real(inertia));
	return 0;
}

const grym_model_kind ml_kind_kmeans = {
	.name = "kmeans",
	.flags = ML_KIND_CLUSTERER,
	.hyper = ML_HP(MAX_ITER) | ML_HP(TOL) | ML_HP(K) | ML_HP(N_INIT),
	.defaults = defaults,
	.check = check_k,
	.train = kmeans_train,
	.predict = kmeans_predict,
	.validate = kmeans_validate,
	.summarize = kmeans_summarize,
};
