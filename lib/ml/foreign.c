/*
 * foreign.c — the two models grym trains through other libraries:
 * linsvm through liblinear (L2-regularized L2-loss SVM, dual solver,
 * one-vs-rest: scikit-learn's LinearSVC) and svm through libsvm (C-SVC with
 * an RBF kernel and Platt-scaled probabilities: scikit-learn's SVC).
 *
 * Both libraries print to stdout and draw from the global rand(), so every
 * call into them holds one process-wide mutex, silences their print hooks
 * and calls srand(seed) first: training is repeatable and threads never
 * interleave inside them. That mutex, and the flag its holder uses to
 * hear the libraries' iteration-limit warning, are the only globals in
 * lib/ml; the libraries leave no other choice.
 *
 * Their parameters are copied out into grym's own arrays (weights; support
 * vectors, coefficients, rho, probA/probB, labels) so that model files do
 * not depend on liblinear/libsvm text formats. For prediction, linsvm is a
 * plain linear model (logreg.c's ml_linear_predict) and svm rebuilds a
 * libsvm model view over those arrays (ml_svm_prepare): its label is the
 * one-vs-one vote of svm_predict_values, its probabilities those of
 * svm_predict_probability (both re-entrant), as SVC's predict and
 * predict_proba.
 */
#include <linear.h>
#include <libsvm/svm.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

static pthread_mutex_t foreign_mutex = PTHREAD_MUTEX_INITIALIZER;

void ml_foreign_lock(void) { pthread_mutex_lock(&foreign_mutex); }
void ml_foreign_unlock(void) { pthread_mutex_unlock(&foreign_mutex); }

/* The libraries' print hooks take no user data: what they say during one
 * training is noted here, under foreign_mutex, and read before it is
 * released. Their only message that matters is the iteration limit. */
static int foreign_hit_limit;

static void quiet(const char *s)
{
	if (strstr(s, "reaching max number of iterations"))
		foreign_hit_limit = 1;
}

static void warn_limit(const grym_model *m, int hit, const char *what)
{
	if (hit && m->p.warn)
		m->p.warn(m->p.warn_ud, what);
}

int ml_linsvm_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
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
	/* liblinear cannot be stopped once called: the cancel flag is
	 * checked before (grym_model_train) and after (here and there) */
	if (m->p.progress)
		m->p.progress(m->p.progress_ud, 0, "liblinear");
	ml_foreign_lock();
	set_print_string_function(quiet);
	const char *msg = check_parameter(&prob, &par);
	struct model *lm = NULL;
	foreign_hit_limit = 0;
	if (!msg) {
		srand((unsigned)m->p.seed);
		lm = train(&prob, &par);
	}
	int hit = foreign_hit_limit;
	ml_foreign_unlock();
	warn_limit(m, hit, "linsvm: liblinear stopped at its 1000 iterations before converging "
		   "(scale the features, raise --tol or lower --C)");
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

int ml_svm_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err)
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
	/* nor libsvm: one call trains every pair of classes and their
	 * probability models */
	if (m->p.progress)
		m->p.progress(m->p.progress_ud, 0, "libsvm");
	ml_foreign_lock();
	svm_set_print_string_function(quiet);
	const char *msg = svm_check_parameter(&prob, &par);
	struct svm_model *sm = NULL;
	foreign_hit_limit = 0;
	if (!msg) {
		srand((unsigned)m->p.seed);
		sm = svm_train(&prob, &par);
	}
	int hit = foreign_hit_limit;
	ml_foreign_unlock();
	warn_limit(m, hit, "svm: libsvm stopped at its iteration limit (max(10^7, 100 x items)) "
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
	if (!rc)
		rc = ml_svm_prepare(m, err);
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

void ml_svm_release(grym_model *m)
{
	svm_view *v = m->cache;
	if (!v)
		return;
	free(v->nodes); free(v->svp); free(v->coefp); free(v->label); free(v->nsv);
	free(v);
	m->cache = NULL;
}

int ml_svm_prepare(grym_model *m, grym_error *err)
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
	ml_svm_release(m);
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
		ml_svm_release(m);
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

int ml_svm_predict(const grym_model *m, const float *xs, size_t n, float *proba, int *pred,
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
