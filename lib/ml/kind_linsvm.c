/*
 * kind_linsvm.c — the linear SVM, trained through liblinear: the
 * L2-regularized L2-loss SVM, dual solver, one-vs-rest (scikit-learn's
 * LinearSVC), with a bias feature as LinearSVC's intercept_scaling=1.
 *
 * Its weights are copied out of liblinear into grym's own arrays (W, b:
 * linear.c), so model files do not depend on liblinear's text format; it
 * predicts as a plain linear model, its probability a softmax (sigmoid
 * for two classes) of the decision values. liblinear is called under the
 * lock of foreign.c.
 */
#include <linear.h>
#include <stdlib.h>
#include <string.h>
#include "kind.h"

static void defaults(grym_ml_params *p)
{
	p->max_iter = 1000;   /* not used: liblinear has its own limit */
	p->tol = 1e-4;
}

static int train_linsvm(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
{
	size_t d = m->d, K = m->nclasses;
	int rc = GRYM_OK;
	struct feature_node *nodes = malloc(n * (d + 2) * sizeof *nodes);
	struct feature_node **rows = malloc(n * sizeof *rows);
	double *yy = malloc(n * sizeof *yy), *cw = malloc(K * sizeof *cw);
	int *wl = malloc(K * sizeof *wl);
	if (!nodes || !rows || !yy || !cw || !wl) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct feature_node *r = nodes + i * (d + 2);
		for (size_t j = 0; j < d; j++) {
			r[j].index = (int)j + 1;
			r[j].value = xs[i * d + j];
		}
		r[d].index = (int)d + 1;
		r[d].value = 1.0;          /* bias feature, as LinearSVC's intercept_scaling=1 */
		r[d + 1].index = -1;
		rows[i] = r;
		yy[i] = y[i];
	}
	ml_class_weights(y, n, K, m->p.balanced, cw);
	for (size_t k = 0; k < K; k++)
		wl[k] = (int)k;
	struct problem prob = { .l = (int)n, .n = (int)d + 1, .y = yy, .x = rows, .bias = 1.0 };
	struct parameter par = { .solver_type = L2R_L2LOSS_SVC_DUAL, .eps = m->p.tol,
				 .C = m->p.C, .nr_weight = (int)K, .weight_label = wl,
				 .weight = cw, .p = 0.1, .init_sol = NULL };
	/* nor liblinear: the flag is checked before and after the call */
	if (m->p.progress)
		m->p.progress(m->p.progress_ud, 0, "liblinear");
	ml_foreign_lock();
	set_print_string_function(ml_foreign_print);
	const char *msg = check_parameter(&prob, &par);
	struct model *lm = NULL;
	if (!msg) {
		srand((unsigned)m->p.seed);
		lm = train(&prob, &par);
	}
	int hit = ml_foreign_unlock();
	if (hit && m->p.warn)
		m->p.warn(m->p.warn_ud, "linsvm: liblinear stopped at its 1000 iterations before "
			  "converging (scale the features, raise --tol or lower --C)");
	if (msg || !lm) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "liblinear: %s", msg ? msg : "training failed");
		goto out;
	}
	size_t nw = K == 2 ? 1 : K;
	double *W = ml_array_add(m, "W", ML_F64, nw, d, err);
	double *b = W ? ml_array_add(m, "b", ML_F64, 1, nw, err) : NULL;
	if (!W || !b) {
		rc = err ? err->code : GRYM_ERR_NOMEM;
	} else if (K == 2) {
		/* one vector, positive side = lm->label[0]; grym's: class 1 */
		double sgn = lm->label[0] == 1 ? 1 : -1;
		for (size_t j = 0; j < d; j++)
			W[j] = sgn * lm->w[j];
		b[0] = sgn * lm->w[d];
	} else {
		for (size_t c = 0; c < K; c++) {
			size_t k = (size_t)lm->label[c];   /* column c belongs to class k */
			for (size_t j = 0; j < d; j++)
				W[k * d + j] = lm->w[j * K + c];
			b[k] = lm->w[d * K + c];
		}
	}
	free_and_destroy_model(&lm);
out:
	free(nodes); free(rows); free(yy); free(cw); free(wl);
	return rc;
}

const grym_model_kind ml_kind_linsvm = {
	.name = "linsvm",
	.hyper = ML_HP(C) | ML_HP(CLASS_WEIGHT) | ML_HP(TOL),
	.why_not = { [ML_HPI_MAX_ITER] = "liblinear stops at 1000 iterations" },
	.defaults = defaults,
	.train = train_linsvm,
	.predict = ml_linear_predict,
	.validate = ml_linear_validate,
	.weights = ml_linear_weights,
};
