/*
 * logreg.c — L2-regularized logistic regression fitted with L-BFGS: the
 * model of scikit-learn's LogisticRegression(solver='lbfgs'). With K > 2
 * classes it is multinomial (softmax, W is K x d); with two classes it is
 * the binary logistic model (one weight vector, as scikit-learn fits it).
 * The objective is C * sum_i w_i * logloss_i + 0.5 * ||W||^2 with
 * unpenalized intercepts, w_i the class weight of item i. The logits and
 * the gradient go through OpenBLAS dgemm (double, so L-BFGS sees a smooth
 * objective and the coefficients agree with scikit-learn's).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

typedef struct lr_ctx {
	const double *X;   /* n x d */
	const int *y;
	const double *sw;  /* n sample weights */
	size_t n, d, K;    /* K = number of weight rows (1 for binary) */
	double C;
	double *Z;         /* n x K scratch */
} lr_ctx;

/* Parameter vector: W (K x d, row-major) then b (K). */
static double lr_fn(void *ud, const double *w, double *g)
{
	lr_ctx *c = ud;
	size_t n = c->n, d = c->d, K = c->K;
	const double *W = w, *b = w + K * d;
	double *Z = c->Z;
	/* Z = X W^T + b */
	for (size_t i = 0; i < n; i++)
		memcpy(Z + i * K, b, K * sizeof *Z);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)K, (int)d, 1.0,
		    c->X, (int)d, W, (int)d, 1.0, Z, (int)K);
	double loss = 0;
	double *gb = g + K * d;
	memset(gb, 0, K * sizeof *gb);
	for (size_t i = 0; i < n; i++) {
		double *z = Z + i * K;
		double s = c->sw[i] * c->C;
		if (K == 1) {
			double t = z[0], yy = c->y[i] == 1;
			/* log(1 + e^t) - y t, stably */
			double l = (t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))) - yy * t;
			loss += s * l;
			double p = t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t));
			z[0] = s * (p - yy);
		} else {
			double mx = z[0];
			for (size_t k = 1; k < K; k++)
				if (z[k] > mx)
					mx = z[k];
			double sum = 0;
			for (size_t k = 0; k < K; k++)
				sum += exp(z[k] - mx);
			double lse = mx + log(sum);
			loss += s * (lse - z[c->y[i]]);
			for (size_t k = 0; k < K; k++)
				z[k] = s * (exp(z[k] - lse) - (c->y[i] == (int)k));
		}
		for (size_t k = 0; k < K; k++)
			gb[k] += z[k];
	}
	/* gW = Z^T X + W */
	memcpy(g, W, K * d * sizeof *g);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)d, (int)n, 1.0,
		    Z, (int)K, c->X, (int)d, 1.0, g, (int)d);
	double reg = 0;
	for (size_t j = 0; j < K * d; j++)
		reg += W[j] * W[j];
	return loss + 0.5 * reg;
}

int ml_logreg_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
{
	size_t d = m->d, K = m->nclasses == 2 ? 1 : m->nclasses;
	size_t np = K * d + K;
	int rc = GRYM_OK;
	double *X = malloc(n * d * sizeof *X), *sw = malloc(n * sizeof *sw);
	double *Z = malloc(n * K * sizeof *Z), *w = calloc(np, sizeof *w);
	double *cw = malloc(m->nclasses * sizeof *cw);
	if (!X || !sw || !Z || !w || !cw) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n * d; i++)
		X[i] = xs[i];
	ml_class_weights(y, n, m->nclasses, m->p.balanced, cw);
	for (size_t i = 0; i < n; i++)
		sw[i] = cw[y[i]];
	lr_ctx c = { X, y, sw, n, d, K, m->p.C, Z };
	grym_lbfgs_opts o;
	grym_lbfgs_opts_default(&o);
	o.max_iter = m->p.max_iter;
	o.gtol = m->p.tol;
	o.max_ls = 50;
	o.cancel = m->p.cancel;
	o.progress = m->p.progress;
	o.progress_ud = m->p.progress_ud;
	int iters = 0;
	rc = grym_lbfgs(lr_fn, &c, w, np, &o, &iters, NULL, err);
	if (rc)
		goto out;
	if (iters >= o.max_iter && m->p.warn) {
		char msg[160];
		snprintf(msg, sizeof msg, "logreg: L-BFGS stopped at --max-iter %d before converging "
			 "(raise --max-iter)", o.max_iter);
		m->p.warn(m->p.warn_ud, msg);
	}
	double *W = ml_array_add(m, "W", ML_F64, K, d, err);
	double *b = W ? ml_array_add(m, "b", ML_F64, 1, K, err) : NULL;
	if (!W || !b) {
		rc = err ? err->code : GRYM_ERR_NOMEM;
		goto out;
	}
	memcpy(W, w, K * d * sizeof *W);
	memcpy(b, w + K * d, K * sizeof *b);
out:
	free(X); free(sw); free(Z); free(w); free(cw);
	return rc;
}

/* Shared by logreg and linsvm: scores = X W^T + b, then softmax (K rows)
 * or sigmoid (one row, binary). */
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
