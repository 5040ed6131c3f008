/*
 * kind_svm.c — the kernel SVM, trained through libsvm: C-SVC with an RBF
 * kernel and Platt-scaled probabilities (scikit-learn's SVC).
 *
 * Its parameters are copied out of libsvm into grym's own arrays (support
 * vectors, coefficients, rho, probA/probB, libsvm's class order, support
 * vector counts) so that model files do not depend on libsvm's text
 * format. To predict, load rebuilds a libsvm model view over those arrays
 * (m->cache): the label is the one-vs-one vote of svm_predict_values, the
 * probabilities those of svm_predict_probability (both re-entrant), as
 * SVC's predict and predict_proba. libsvm is trained under the lock of
 * foreign.c.
 */
#include <libsvm/svm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kind.h"

static void defaults(grym_ml_params *p)
{
	p->max_iter = -1;     /* not used: libsvm has its own limit */
	p->tol = 1e-3;
	p->gamma = 0;         /* 'scale' */
}

static int train_svm(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
{
	size_t d = m->d, K = m->nclasses;
	int rc = GRYM_OK;
	struct svm_node *nodes = malloc(n * (d + 1) * sizeof *nodes);
	struct svm_node **rows = malloc(n * sizeof *rows);
	double *yy = malloc(n * sizeof *yy), *cw = malloc(K * sizeof *cw);
	int *wl = malloc(K * sizeof *wl);
	if (!nodes || !rows || !yy || !cw || !wl) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Rows go to libsvm stably sorted by class. libsvm groups the rows by
	 * class anyway (stably), in the order the classes first appear;
	 * scikit-learn's copy of libsvm sorts the classes instead. Sorting
	 * here makes both see the same problem: pairs (i, j) with i < j in
	 * grym's class order, so the vote below breaks ties as SVC does. */
	double sum = 0, sum2 = 0;
	size_t at = 0;
	for (size_t k = 0; k < K; k++)
		for (size_t i = 0; i < n; i++) {
			if ((size_t)y[i] != k)
				continue;
			struct svm_node *r = nodes + at * (d + 1);
			for (size_t j = 0; j < d; j++) {
				r[j].index = (int)j + 1;
				r[j].value = xs[i * d + j];
				sum += r[j].value;
				sum2 += r[j].value * r[j].value;
			}
			r[d].index = -1;
			rows[at] = r;
			yy[at++] = y[i];
		}
	if (at != n) {
		rc = grym_error_set(err, GRYM_ERR_INTERNAL, "svm: a class index out of range");
		goto out;
	}
	double N = (double)n * (double)d, var = sum2 / N - (sum / N) * (sum / N);
	double gamma = m->p.gamma > 0 ? m->p.gamma : (var > 0 ? 1.0 / ((double)d * var) : 1.0);
	m->p.gamma = gamma;   /* the value used is what the model records */
	ml_class_weights(y, n, K, m->p.balanced, cw);
	for (size_t k = 0; k < K; k++)
		wl[k] = (int)k;
	struct svm_problem prob = { .l = (int)n, .y = yy, .x = rows };
	struct svm_parameter par = { .svm_type = C_SVC, .kernel_type = RBF, .degree = 3,
				     .gamma = gamma, .coef0 = 0, .cache_size = 200,
				     .eps = m->p.tol, .C = m->p.C, .nr_weight = (int)K,
				     .weight_label = wl, .weight = cw, .nu = 0.5, .p = 0.1,
				     .shrinking = 1, .probability = 1 };
	/* libsvm cannot be stopped once called (one call trains every pair
	 * of classes and their probability models): the cancel flag is
	 * checked before and after it (grym_model_train) */
	if (m->p.progress)
		m->p.progress(m->p.progress_ud, 0, "libsvm");
	ml_foreign_lock();
	svm_set_print_string_function(ml_foreign_print);
	const char *msg = svm_check_parameter(&prob, &par);
	struct svm_model *sm = NULL;
	if (!msg) {
		srand((unsigned)m->p.seed);
		sm = svm_train(&prob, &par);
	}
	int hit = ml_foreign_unlock();
	if (hit && m->p.warn)
		m->p.warn(m->p.warn_ud, "svm: libsvm stopped at its iteration limit (max(10^7, 100 x items)) "
			  "before converging (raise --tol or lower --C)");
	if (msg || !sm) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "libsvm: %s", msg ? msg : "training failed");
		goto out;
	}
	size_t nc = (size_t)sm->nr_class, l = (size_t)sm->l, np = nc * (nc - 1) / 2;
	float *SV = ml_array_add(m, "sv", ML_F32, l, d, err);
	double *coef = SV ? ml_array_add(m, "sv_coef", ML_F64, nc - 1, l, err) : NULL;
	double *rho = coef ? ml_array_add(m, "rho", ML_F64, 1, np, err) : NULL;
	double *pa = rho ? ml_array_add(m, "probA", ML_F64, 1, np, err) : NULL;
	double *pb = pa ? ml_array_add(m, "probB", ML_F64, 1, np, err) : NULL;
	int32_t *lab = pb ? ml_array_add(m, "svm_label", ML_I32, 1, nc, err) : NULL;
	int32_t *nsv = lab ? ml_array_add(m, "nsv", ML_I32, 1, nc, err) : NULL;
	if (!nsv) {
		rc = err ? err->code : GRYM_ERR_NOMEM;
	} else if (!sm->probA || !sm->probB) {
		rc = grym_error_set(err, GRYM_ERR_INTERNAL, "libsvm gave no probability model");
	} else {
		for (size_t s = 0; s < l; s++) {
			memset(SV + s * d, 0, d * sizeof *SV);
			for (const struct svm_node *p = sm->SV[s]; p->index != -1; p++)
				if (p->index >= 1 && (size_t)p->index <= d)
					SV[s * d + (size_t)p->index - 1] = (float)p->value;
		}
		for (size_t k = 0; k + 1 < nc; k++)
			memcpy(coef + k * l, sm->sv_coef[k], l * sizeof *coef);
		memcpy(rho, sm->rho, np * sizeof *rho);
		memcpy(pa, sm->probA, np * sizeof *pa);
		memcpy(pb, sm->probB, np * sizeof *pb);
		for (size_t k = 0; k < nc; k++) {
			lab[k] = sm->label[k];
			nsv[k] = sm->nSV[k];
		}
	}
	svm_free_and_destroy_model(&sm);
out:
	free(nodes); free(rows); free(yy); free(cw); free(wl);
	return rc;
}

typedef struct svm_view {
	struct svm_model sm;
	struct svm_node *nodes;
	struct svm_node **svp;
	double **coefp;
	int *label, *nsv;
} svm_view;

static void unload_svm(grym_model *m)
{
	svm_view *v = m->cache;
	if (!v)
		return;
	free(v->nodes); free(v->svp); free(v->coefp); free(v->label); free(v->nsv);
	free(v);
	m->cache = NULL;
}

static int load_svm(grym_model *m, grym_error *err)
{
	size_t d = m->d;
	const ml_array *sv = ml_array_get(m, "sv", ML_F32), *coef = ml_array_get(m, "sv_coef", ML_F64);
	const ml_array *rho = ml_array_get(m, "rho", ML_F64), *pa = ml_array_get(m, "probA", ML_F64);
	const ml_array *pb = ml_array_get(m, "probB", ML_F64), *lab = ml_array_get(m, "svm_label", ML_I32);
	const ml_array *nsv = ml_array_get(m, "nsv", ML_I32);
	if (!sv || !coef || !rho || !pa || !pb || !lab || !nsv)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "svm model lacks an array");
	size_t nc = lab->cols, l = sv->rows, np = nc * (nc - 1) / 2;
	if (nc < 2 || nc != m->nclasses || sv->cols != d || coef->rows != nc - 1 || coef->cols != l ||
	    rho->cols != np || pa->cols != np || pb->cols != np || nsv->cols != nc ||
	    rho->rows != 1 || pa->rows != 1 || pb->rows != 1 || lab->rows != 1 || nsv->rows != 1)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "svm model arrays have inconsistent shapes");
	const int32_t *li = lab->data, *ni = nsv->data;
	int64_t tot = 0;
	for (size_t k = 0; k < nc; k++) {
		if (li[k] < 0 || (size_t)li[k] >= nc || ni[k] < 0)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "svm model has a bad class table");
		tot += ni[k];
	}
	if (tot != (int64_t)l)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "svm support vector counts disagree");
	unload_svm(m);
	svm_view *v = calloc(1, sizeof *v);
	if (!v)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	v->nodes = malloc((l ? l : 1) * (d + 1) * sizeof *v->nodes);
	v->svp = malloc((l ? l : 1) * sizeof *v->svp);
	v->coefp = malloc(nc * sizeof *v->coefp);
	v->label = malloc(nc * sizeof *v->label);
	v->nsv = malloc(nc * sizeof *v->nsv);
	m->cache = v;
	if (!v->nodes || !v->svp || !v->coefp || !v->label || !v->nsv) {
		unload_svm(m);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	const float *S = sv->data;
	for (size_t s = 0; s < l; s++) {
		struct svm_node *r = v->nodes + s * (d + 1);
		for (size_t j = 0; j < d; j++) {
			r[j].index = (int)j + 1;
			r[j].value = S[s * d + j];
		}
		r[d].index = -1;
		v->svp[s] = r;
	}
	for (size_t k = 0; k + 1 < nc; k++)
		v->coefp[k] = (double *)coef->data + k * l;
	for (size_t k = 0; k < nc; k++) {
		v->label[k] = li[k];
		v->nsv[k] = ni[k];
	}
	struct svm_model *sm = &v->sm;
	sm->param.svm_type = C_SVC;
	sm->param.kernel_type = RBF;
	sm->param.gamma = m->p.gamma;
	sm->param.probability = 1;
	sm->nr_class = (int)nc;
	sm->l = (int)l;
	sm->SV = v->svp;
	sm->sv_coef = v->coefp;
	sm->rho = rho->data;
	sm->probA = pa->data;
	sm->probB = pb->data;
	sm->label = v->label;
	sm->nSV = v->nsv;
	sm->free_sv = 0;
	return GRYM_OK;
}

/* The Platt probabilities (proba, if not NULL) and the vote (pred, if
 * not NULL) of n rows. */
static int rows_svm(const grym_model *m, const float *xs, size_t n, float *proba, int *pred,
		    grym_error *err)
{
	const svm_view *v = m->cache;
	if (!v)
		return grym_error_set(err, GRYM_ERR_INTERNAL, "svm model not prepared");
	size_t d = m->d, nc = m->nclasses, np = nc * (nc - 1) / 2;
	struct svm_node *x = malloc((d + 1) * sizeof *x);
	double *pe = malloc(nc * sizeof *pe), *dec = malloc(np * sizeof *dec);
	int *vote = malloc(nc * sizeof *vote);
	if (!x || !pe || !dec || !vote) {
		free(x); free(pe); free(dec); free(vote);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (size_t j = 0; j < d; j++)
		x[j].index = (int)j + 1;
	x[d].index = -1;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < d; j++)
			x[j].value = xs[i * d + j];
		if (pred) {
			/* The label is libsvm's (and SVC's) one-vs-one vote of the
			 * decision functions, not the most probable class: Platt's
			 * probabilities come from a separate cross-validated fit
			 * and may disagree with the decisions. Pair p is (a, b)
			 * in libsvm's class order, a positive value votes for a;
			 * ties go to the lowest class index, as in SVC. */
			svm_predict_values(&v->sm, x, dec);
			memset(vote, 0, nc * sizeof *vote);
			size_t p = 0;
			for (size_t a = 0; a < nc; a++)
				for (size_t b = a + 1; b < nc; b++, p++)
					vote[v->label[dec[p] > 0 ? a : b]]++;
			size_t best = 0;
			for (size_t k = 1; k < nc; k++)
				if (vote[k] > vote[best])
					best = k;
			pred[i] = (int)best;
		}
		if (proba) {
			svm_predict_probability(&v->sm, x, pe);
			for (size_t k = 0; k < nc; k++)
				proba[i * nc + (size_t)v->label[k]] = (float)pe[k];
		}
	}
	free(x); free(pe); free(dec); free(vote);
	return GRYM_OK;
}

static int predict_svm(const grym_model *m, const float *xs, size_t n, float *proba,
		       grym_error *err)
{
	return rows_svm(m, xs, n, proba, NULL, err);
}

static int decide_svm(const grym_model *m, const float *xs, size_t n, int *pred,
			grym_error *err)
{
	return rows_svm(m, xs, n, NULL, pred, err);
}

/* The support vectors against the dims; the rest of the arrays against
 * each other: load_svm. */
static int validate_svm(const grym_model *m, grym_error *err)
{
	const ml_array *a = ml_array_get(m, "sv", ML_F32);
	if (!a || a->cols != m->d || m->nclasses < 2)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "svm support vectors have the wrong shape");
	return GRYM_OK;
}

const grym_model_kind ml_kind_svm = {
	.name = "svm",
	.hyper = ML_HP(C) | ML_HP(CLASS_WEIGHT) | ML_HP(TOL) | ML_HP(GAMMA),
	.why_not = { [ML_HPI_MAX_ITER] = "libsvm stops at max(10^7, 100 x items) iterations" },
	.defaults = defaults,
	.train = train_svm,
	.predict = predict_svm,
	.decision = decide_svm,
	.validate = validate_svm,
	.load = load_svm,
	.unload = unload_svm,
};
