/*
 * knn.c — k-nearest neighbours and k-means: the two models that live on
 * distances. Distances between a batch of rows and the stored points come
 * from one OpenBLAS sgemm (|a|^2 + |b|^2 - 2 a.b, or 1 - cosine on
 * L2-normalized rows). knn stores the standardized training rows and
 * their classes; its probability is the share of the k votes. k-means
 * (k-means++ seeding from grym_rng, then Lloyd iterations, best of n_init
 * restarts by inertia) stores the centroids and predicts the nearest one.
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

void ml_sqdist(const float *a, size_t n, const float *b, size_t k, size_t d, float *out)
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

static void l2norm_rows(float *x, size_t n, size_t d)
{
	for (size_t i = 0; i < n; i++) {
		float s = cblas_snrm2((int)d, x + i * d, 1);
		if (s > 0)
			cblas_sscal((int)d, 1.0f / s, x + i * d, 1);
	}
}

int ml_knn_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
{
	if (m->p.k < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "--k must be at least 1");
	/* as scikit-learn: more neighbours than points is an error, not a
	 * silent vote of the whole training set */
	if ((size_t)m->p.k > n)
		return grym_error_set(err, GRYM_ERR_INVALID, "knn: --k %d is more than the %zu training items",
				      m->p.k, n);
	float *X = ml_array_add(m, "points", ML_F32, n, m->d, err);
	int32_t *Y = X ? ml_array_add(m, "classes", ML_I32, 1, n, err) : NULL;
	if (!Y)
		return err ? err->code : GRYM_ERR_NOMEM;
	memcpy(X, xs, n * m->d * sizeof *X);
	if (m->p.metric == GRYM_METRIC_COSINE)
		l2norm_rows(X, n, m->d);
	for (size_t i = 0; i < n; i++)
		Y[i] = y[i];
	return GRYM_OK;
}

#define KNN_BLOCK 256

int ml_knn_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err)
{
	const ml_array *ax = ml_array_get(m, "points", ML_F32), *ay = ml_array_get(m, "classes", ML_I32);
	if (!ax || !ay || ay->cols != ax->rows || ay->rows != 1 || ax->cols != m->d ||
	    ax->rows == 0 || m->p.k < 1)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "knn model lacks its points");
	size_t np = ax->rows, d = m->d, K = m->nclasses;
	for (size_t j = 0; j < np; j++)
		if (((const int32_t *)ay->data)[j] < 0 || (size_t)((const int32_t *)ay->data)[j] >= K)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "knn model has a bad class index");
	size_t k = (size_t)m->p.k < np ? (size_t)m->p.k : np;
	const int32_t *Y = ay->data;
	float *D = malloc(KNN_BLOCK * np * sizeof *D), *Q = malloc(KNN_BLOCK * d * sizeof *Q);
	size_t *best = malloc(k * sizeof *best);
	double *dsum = malloc(K * sizeof *dsum);
	if (!D || !Q || !best || !dsum) {
		free(D); free(Q); free(best); free(dsum);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	const float *P = ax->data;
	for (size_t i0 = 0; i0 < n; i0 += KNN_BLOCK) {
		size_t nb = n - i0 < KNN_BLOCK ? n - i0 : KNN_BLOCK;
		/* the cancel flag a cross-validation lends (grym_ml_cross_validate) */
		if (grym_cancelled(m->p.cancel)) {
			free(D); free(Q); free(best); free(dsum);
			return grym_error_cancelled(err);
		}
		memcpy(Q, xs + i0 * d, nb * d * sizeof *Q);
		/* distances row by row in a fixed order (rows.c), not by sgemm:
		 * a neighbour must not change with the batch around the item */
		for (size_t i = 0; i < nb; i++) {
			float *q = Q + i * d, *row = D + i * np;
			if (m->p.metric == GRYM_METRIC_COSINE) {
				double s = sqrt(ml_row_dot(q, q, d));
				if (s > 0)
					for (size_t j = 0; j < d; j++)
						q[j] = (float)(q[j] / s);
				for (size_t j = 0; j < np; j++)
					row[j] = (float)(1.0 - ml_row_dot(q, P + j * d, d));
			} else {
				for (size_t j = 0; j < np; j++)
					row[j] = (float)ml_row_sqdist(q, P + j * d, d);
			}
		}
		for (size_t i = 0; i < nb; i++) {
			const float *row = D + i * np;
			/* k smallest by insertion (k is small); ties keep the earlier point */
			size_t cnt = 0;
			for (size_t j = 0; j < np; j++) {
				if (cnt == k && row[j] >= row[best[k - 1]])
					continue;
				size_t pos = cnt < k ? cnt++ : k - 1;
				while (pos > 0 && row[best[pos - 1]] > row[j]) {
					best[pos] = best[pos - 1];
					pos--;
				}
				best[pos] = j;
			}
			float *p = proba + (i0 + i) * K;
			memset(p, 0, K * sizeof *p);
			memset(dsum, 0, K * sizeof *dsum);
			for (size_t t = 0; t < cnt; t++) {
				p[Y[best[t]]] += 1.0f / (float)cnt;
				dsum[Y[best[t]]] += row[best[t]];
			}
			/* Break a tie of votes toward the class whose voters are nearer:
			 * nudge by less than one vote so arg-max picks it. */
			size_t top = 0;
			for (size_t c = 1; c < K; c++)
				if (p[c] > p[top] || (p[c] == p[top] && p[c] > 0 && dsum[c] < dsum[top]))
					top = c;
			for (size_t c = 0; c < K; c++)
				if (c != top && p[c] == p[top])
					p[c] = nextafterf(p[c], 0);
		}
	}
	free(D); free(Q); free(best); free(dsum);
	return GRYM_OK;
}

/* ---- k-means ---- */

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
		ml_sqdist(xs, n, C + (c - 1) * d, 1, d, D);
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
		ml_sqdist(xs, n, C, k, d, D);
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

int ml_kmeans_train(grym_model *m, const float *xs, size_t n, grym_error *err)
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

int ml_kmeans_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err)
{
	const ml_array *ac = ml_array_get(m, "centroids", ML_F32);
	if (!ac || ac->rows != m->nclasses || ac->cols != m->d)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "kmeans model lacks its centroids");
	size_t k = ac->rows, d = m->d;
	float *D = malloc(KNN_BLOCK * k * sizeof *D);
	if (!D)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i0 = 0; i0 < n; i0 += KNN_BLOCK) {
		size_t nb = n - i0 < KNN_BLOCK ? n - i0 : KNN_BLOCK;
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
