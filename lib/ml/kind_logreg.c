/*
 * kind_logreg.c — L2-regularized logistic regression fitted with L-BFGS: the
 * model of scikit-learn's LogisticRegression(solver='lbfgs'). With K > 2
 * classes it is multinomial (softmax, W is K x d); with two classes it is
 * the binary logistic model (one weight vector, as scikit-learn fits it).
 * The objective is C * sum_i w_i * logloss_i + 0.5 * ||W||^2 with
 * unpenalized intercepts, w_i the class weight of item i. The logits and
 * the gradient go through OpenBLAS dgemm (double, so L-BFGS sees a smooth
 * objective and the coefficients agree with scikit-learn's). It predicts
 * as linsvm does (linear.c): a softmax, or a sigmoid for two classes.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kind.h"

static void defaults(grym_ml_params *p)
{
	p->max_iter = 1000;
	p->tol = 1e-6;
}

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

static int logreg_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
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

const grym_model_kind ml_kind_logreg = {
	.name = "logreg",
	.hyper = ML_HP(C) | ML_HP(CLASS_WEIGHT) | ML_HP(MAX_ITER) | ML_HP(TOL),
	.defaults = defaults,
	.train = logreg_train,
	.predict = ml_linear_predict,
	.validate = ml_linear_validate,
	.weights = ml_linear_weights,
};
