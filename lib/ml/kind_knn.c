/*
 * kind_knn.c — k-nearest neighbours. knn stores the standardized training
 * rows (L2-normalized for the cosine metric) and their classes; a row's
 * probabilities are the shares of its k nearest points' votes, a tie of
 * votes broken toward the class whose voters are nearer. Distances are
 * summed row by row in a fixed order (rows.c), so a neighbour never
 * changes with the batch around an item.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kind.h"

static void defaults(grym_ml_params *p)
{
	p->k = 5;
	p->metric = GRYM_METRIC_EUCLIDEAN;
}

static int check_k(const grym_ml_params *p, grym_error *err)
{
	if (p->k < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "k must be at least 1");
	return GRYM_OK;
}

static void l2norm_rows(float *x, size_t n, size_t d)
{
	for (size_t i = 0; i < n; i++) {
		float s = cblas_snrm2((int)d, x + i * d, 1);
		if (s > 0)
			cblas_sscal((int)d, 1.0f / s, x + i * d, 1);
	}
}

static int knn_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
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

static int knn_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err)
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

static int knn_validate(const grym_model *m, grym_error *err)
{
	size_t K = m->nclasses;
	const ml_array *a = ml_array_get(m, "points", ML_F32), *b = ml_array_get(m, "classes", ML_I32);
	if (!a || !b || a->rows < 1 || a->cols != m->d || b->rows != 1 || b->cols != a->rows)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "knn points have the wrong shape");
	for (size_t i = 0; i < b->cols; i++) {
		int32_t c = ((const int32_t *)b->data)[i];
		if (c < 0 || (size_t)c >= K)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "knn point %zu has class %d of %zu", i, c, K);
	}
	return GRYM_OK;
}

const grym_model_kind ml_kind_knn = {
	.name = "knn",
	.hyper = ML_HP(K) | ML_HP(METRIC),
	.defaults = defaults,
	.check = check_k,
	.train = knn_train,
	.predict = knn_predict,
	.validate = knn_validate,
};
