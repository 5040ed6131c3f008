/*
 * linear.c — what the two linear kinds, logreg (kind_logreg.c) and
 * linsvm (kind_linsvm.c), share: their arrays W (one row of weights for
 * two classes, positive = class 1, else one row per class; d columns, in
 * the standardized feature space) and b (the intercepts), float64, and
 * prediction from them.
 */
#include <math.h>
#include <stdlib.h>
#include "kind.h"

/* scores = X W^T + b, then softmax (K rows) or sigmoid (one row,
 * binary). */
int ml_linear_predict(const grym_model *m, const float *xs, size_t n, float *proba,
		      grym_error *err)
{
	const ml_array *aw = ml_array_get(m, "W", ML_F64), *ab = ml_array_get(m, "b", ML_F64);
	if (!aw || !ab)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model has no weights");
	size_t K = aw->rows, d = m->d, C = m->nclasses;
	/* one row of weights for two classes, else one per class */
	if (aw->cols != d || ab->rows != 1 || ab->cols != K || !((K == 1 && C == 2) || (K >= 2 && K == C)))
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model weights have the wrong shape");
	const double *W = aw->data, *b = ab->data;
	double *z = malloc(K * sizeof *z);
	if (!z)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		float *p = proba + i * C;
		/* row by row in a fixed order: the batch never changes a bit */
		for (size_t k = 0; k < K; k++)
			z[k] = ml_row_dot_f64(xs + i * d, W + k * d, d);
		if (K == 1) {
			double t = z[0] + b[0];
			double s = t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t));
			p[0] = (float)(1 - s);
			p[1] = (float)s;
		} else {
			double mx = -INFINITY, sum = 0;
			for (size_t k = 0; k < K; k++)
				if (z[k] + b[k] > mx)
					mx = z[k] + b[k];
			for (size_t k = 0; k < K; k++)
				sum += exp(z[k] + b[k] - mx);
			for (size_t k = 0; k < K; k++)
				p[k] = (float)(exp(z[k] + b[k] - mx) / sum);
		}
	}
	free(z);
	return GRYM_OK;
}

int ml_linear_validate(const grym_model *m, grym_error *err)
{
	size_t d = m->d, K = m->nclasses;
	const ml_array *a = ml_array_get(m, "W", ML_F64), *b = ml_array_get(m, "b", ML_F64);
	if (!a || !b || K < 2 || a->rows != (K == 2 ? 1 : K) || a->cols != d ||
	    b->rows != 1 || b->cols != a->rows)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "linear model weights have the wrong shape");
	return GRYM_OK;
}

int ml_linear_weights(const grym_model *m, const double **W, const double **b, size_t *rows)
{
	const ml_array *aw = ml_array_get(m, "W", ML_F64), *ab = ml_array_get(m, "b", ML_F64);
	if (!aw || !ab)
		return -1;
	*W = aw->data;
	*b = ab->data;
	*rows = aw->rows;
	return 0;
}
