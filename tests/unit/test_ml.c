/*
 * test_ml.c — lib/ml numerics: L-BFGS on known functions, logistic
 * regression against scikit-learn, fold invariants, metrics on a
 * hand-computed confusion matrix, and every model type trained on a
 * separable toy set.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/ml.h"
#include "tap.h"

/* ---- L-BFGS ---- */
static double rosen(void *ud, const double *x, double *g)
{
	size_t n = *(size_t *)ud;
	double f = 0;
	memset(g, 0, n * sizeof *g);
	for (size_t i = 0; i + 1 < n; i++) {
		double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
		f += 100 * a * a + b * b;
		g[i] += -400 * a * x[i] - 2 * b;
		g[i + 1] += 200 * a;
	}
	return f;
}

static double quad(void *ud, const double *x, double *g)
{
	/* f = sum_i (i+1) (x_i - i)^2 / 2 */
	size_t n = *(size_t *)ud;
	double f = 0;
	for (size_t i = 0; i < n; i++) {
		double t = x[i] - (double)i;
		f += 0.5 * (double)(i + 1) * t * t;
		g[i] = (double)(i + 1) * t;
	}
	return f;
}

static void test_lbfgs(void)
{
	grym_error err = { 0 };
	for (size_t n = 2; n <= 10; n += 8) {
		double x[10];
		for (size_t i = 0; i < n; i++)
			x[i] = i % 2 ? 1.0 : -1.2;
		int it = 0;
		double fx = 1;
		int rc = grym_lbfgs(rosen, &n, x, n, NULL, &it, &fx, &err);
		TAP_EQ_INT(rc, 0, "lbfgs rosenbrock n=%zu converges (%s)", n, err.msg);
		double maxdev = 0;
		for (size_t i = 0; i < n; i++)
			maxdev = fmax(maxdev, fabs(x[i] - 1));
		TAP_NEAR(maxdev, 0, 1e-5, "rosenbrock n=%zu minimum at (1,...,1) after %d iterations", n, it);
		TAP_NEAR(fx, 0, 1e-10, "rosenbrock n=%zu minimum value 0", n);
	}
	size_t n = 50;
	double x[50] = { 0 };
	int it = 0;
	int rc = grym_lbfgs(quad, &n, x, n, NULL, &it, NULL, &err);
	double maxdev = 0;
	for (size_t i = 0; i < n; i++)
		maxdev = fmax(maxdev, fabs(x[i] - (double)i));
	TAP_OK(rc == 0 && maxdev < 1e-6, "lbfgs quadratic n=50: max deviation %g in %d iterations", maxdev, it);
}

/* ---- data ---- */
static double gauss(grym_rng *r)
{
	double u = grym_rng_uniform(r), v = grym_rng_uniform(r);
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* K classes in d dims, class c centred at sep * e_(c mod d) (+ offset per
 * column so the standardization matters), noise 1. Groups: "g<i mod G>" */
static grym_dataset *make_data(size_t n, size_t d, size_t K, double sep, uint64_t seed, int G)
{
	grym_error err;
	grym_dataset *ds = grym_dataset_new(d, &err);
	grym_rng r;
	grym_rng_seed(&r, seed);
	float row[64];
	for (size_t i = 0; i < n; i++) {
		size_t c = i % K;
		for (size_t j = 0; j < d; j++)
			row[j] = (float)(gauss(&r) + (j == c % d ? sep : 0) + 3.0 * (double)j);
		char key[32], lab[16], grp[16];
		snprintf(key, sizeof key, "item%zu", i);
		snprintf(lab, sizeof lab, "c%zu", K - 1 - c);   /* names sort the other way */
		snprintf(grp, sizeof grp, "g%zu", (i / K) % (size_t)(G > 0 ? G : 1));
		if (grym_dataset_add(ds, key, row, lab, G > 0 ? grp : NULL, &err))
			return NULL;
	}
	grym_dataset_finish(ds, &err);
	return ds;
}

/* ---- logreg vs scikit-learn ---- */
static void compare_sklearn(size_t K, int balanced)
{
	grym_error err = { 0 };
	size_t n = 90, d = 4;
	grym_dataset *ds = make_data(n, d, K, 1.5, 7 + K, 0);
	if (balanced) {
		/* drop most of class 0 to make it rare: keep rows with y != 0 or i < 12 */
		size_t w = 0;
		for (size_t i = 0; i < ds->n; i++)
			if (ds->y[i] != 0 || i < 12) {
				memmove(ds->x + w * d, ds->x + i * d, d * sizeof *ds->x);
				ds->y[w++] = ds->y[i];
			}
		for (size_t i = w; i < ds->n; i++)
			free(ds->keys[i]), ds->keys[i] = NULL;
		ds->n = n = w;
	}
	char path[512], out[512], cmd[2048];
	snprintf(path, sizeof path, "%s/lr%zu%d.txt", tap_tmpdir(), K, balanced);
	snprintf(out, sizeof out, "%s/lr%zu%d.out", tap_tmpdir(), K, balanced);
	FILE *f = fopen(path, "w");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%d", ds->y[i]);
		for (size_t j = 0; j < d; j++)
			fprintf(f, " %.9g", ds->x[i * d + j]);
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c '\n"
		 "import numpy as np, sys\n"
		 "from sklearn.preprocessing import StandardScaler\n"
		 "from sklearn.linear_model import LogisticRegression\n"
		 "a = np.loadtxt(sys.argv[1]); y = a[:,0].astype(int); X = a[:,1:]\n"
		 "Xs = StandardScaler().fit_transform(X)\n"
		 "m = LogisticRegression(C=1.0, solver=\"lbfgs\", tol=1e-12, max_iter=100000, class_weight=%s).fit(Xs, y)\n"
		 "b = m.intercept_ - (m.intercept_.mean() if len(m.intercept_) > 1 else 0)\n"
		 "for r in np.hstack([m.coef_, b[:,None]]): print(\" \".join(\"%%.12g\" %% v for v in r))\n"
		 "for r in m.predict_proba(Xs[:5]): print(\" \".join(\"%%.12g\" %% v for v in r))\n"
		 "' %s > %s 2>/dev/null", balanced ? "\"balanced\"" : "None", path, out);
	int rc = system(cmd);
	TAP_EQ_INT(rc, 0, "scikit-learn reference for K=%zu%s ran", K, balanced ? " balanced" : "");
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	p.tol = 1e-9;
	p.balanced = balanced;
	grym_model *m = NULL;
	rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	TAP_EQ_INT(rc, 0, "logreg K=%zu trains (%s)", K, err.msg);
	if (rc) {
		grym_dataset_free(ds);
		return;
	}
	unsigned char *buf;
	size_t len;
	grym_model_save(m, &buf, &len, &err);
	/* read W and b back through a load (exercises the format) and compare */
	grym_model *m2 = NULL;
	rc = (m2 = grym_model_load(buf, len, &err)) ? GRYM_OK : err.code;
	TAP_EQ_INT(rc, 0, "logreg model reloads (%s)", err.msg);
	free(buf);
	size_t rowsw = K == 2 ? 1 : K;
	f = fopen(out, "r");
	double ref[8][8] = { { 0 } }, refp[5][8];
	for (size_t r = 0; f && r < rowsw; r++)
		for (size_t j = 0; j <= d; j++)
			if (fscanf(f, "%lf", &ref[r][j]) != 1)
				ref[r][j] = NAN;
	for (size_t r = 0; f && r < 5; r++)
		for (size_t k = 0; k < K; k++)
			if (fscanf(f, "%lf", &refp[r][k]) != 1)
				refp[r][k] = NAN;
	if (f)
		fclose(f);
	float proba[5 * 8];
	grym_model_predict(m2, ds->x, 5, proba, NULL, &err);
	double maxrel = 0;
	for (size_t r = 0; r < 5; r++)
		for (size_t k = 0; k < K; k++)
			maxrel = fmax(maxrel, fabs(proba[r * K + k] - refp[r][k]));
	TAP_OK(maxrel < 1e-4, "logreg K=%zu%s probabilities agree with scikit-learn (max abs diff %.2g)", K,
	       balanced ? " balanced" : "", maxrel);
	const double *W, *b;
	size_t nrw = 0;
	if (grym_model_linear_weights(m2, &W, &b, &nrw, &err) == 0 && nrw == rowsw) {
		double maxc = 0, scale = 0;
		for (size_t r = 0; r < rowsw; r++) {
			double mb = 0;
			for (size_t k = 0; k < rowsw; k++)
				mb += b[k] / (double)rowsw;
			for (size_t j = 0; j < d; j++) {
				maxc = fmax(maxc, fabs(W[r * d + j] - ref[r][j]));
				scale = fmax(scale, fabs(ref[r][j]));
			}
			maxc = fmax(maxc, fabs((rowsw > 1 ? b[r] - mb : b[r]) - ref[r][d]));
		}
		TAP_OK(maxc <= 1e-3 * scale, "logreg K=%zu coefficients agree with scikit-learn "
		       "(max abs diff %.2g, largest coefficient %.3g)%s", K, maxc, scale,
		       balanced ? " with class_weight=balanced" : "");
	} else {
		TAP_OK(0, "logreg weights readable");
	}
	grym_model_free(m);
	grym_model_free(m2);
	grym_dataset_free(ds);
}

/* ---- folds ---- */
static void test_folds(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = make_data(103, 3, 3, 2, 11, 0);
	int *fold = malloc(ds->n * sizeof *fold), *fold2 = malloc(ds->n * sizeof *fold);
	int rc = grym_folds_stratified(ds, 5, 42, fold, &err);
	TAP_EQ_INT(rc, 0, "stratified folds");
	int cnt[5][3] = { { 0 } }, bad = 0;
	for (size_t i = 0; i < ds->n; i++) {
		if (fold[i] < 0 || fold[i] >= 5)
			bad++;
		else
			cnt[fold[i]][ds->y[i]]++;
	}
	TAP_EQ_INT(bad, 0, "every item in exactly one test fold");
	int spread = 0;
	for (int c = 0; c < 3; c++) {
		int mn = 1 << 30, mx = 0;
		for (int f = 0; f < 5; f++) {
			mn = cnt[f][c] < mn ? cnt[f][c] : mn;
			mx = cnt[f][c] > mx ? cnt[f][c] : mx;
		}
		spread = mx - mn > spread ? mx - mn : spread;
	}
	TAP_OK(spread <= 1, "each class spread over folds within one item (spread %d)", spread);
	grym_folds_stratified(ds, 5, 42, fold2, &err);
	TAP_OK(memcmp(fold, fold2, ds->n * sizeof *fold) == 0, "same seed, same folds");
	grym_folds_stratified(ds, 5, 43, fold2, &err);
	TAP_OK(memcmp(fold, fold2, ds->n * sizeof *fold) != 0, "another seed, other folds");
	free(fold); free(fold2);
	grym_dataset_free(ds);

	/* grouped */
	ds = make_data(120, 3, 3, 2, 12, 8);
	fold = malloc(ds->n * sizeof *fold);
	rc = grym_folds_grouped(ds, 4, 1, fold, &err);
	TAP_EQ_INT(rc, 0, "grouped folds (%s)", err.msg);
	int gf[8], split = 0, per[4] = { 0 };
	for (int g = 0; g < 8; g++)
		gf[g] = -1;
	for (size_t i = 0; i < ds->n; i++) {
		int g = ds->group[i];
		if (gf[g] >= 0 && gf[g] != fold[i])
			split++;
		gf[g] = fold[i];
		per[fold[i]]++;
	}
	TAP_EQ_INT(split, 0, "no group in two folds");
	TAP_OK(per[0] && per[1] && per[2] && per[3], "all four folds used (%d %d %d %d)",
	       per[0], per[1], per[2], per[3]);
	rc = grym_folds_grouped(ds, 9, 1, fold, &err);
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "groups"), "more folds than groups: %s", err.msg);
	/* holdout */
	rc = grym_folds_holdout(ds, 0.25, 3, fold, &err);
	int nt = 0;
	split = 0;
	for (int g = 0; g < 8; g++)
		gf[g] = -1;
	for (size_t i = 0; i < ds->n; i++) {
		nt += fold[i] == 0;
		int g = ds->group[i];
		if (gf[g] >= 0 && gf[g] != fold[i])
			split++;
		gf[g] = fold[i];
	}
	TAP_OK(rc == 0 && split == 0 && nt > 0 && nt < 120, "grouped holdout keeps groups whole (%d test)", nt);
	free(fold);
	grym_dataset_free(ds);

	/* too few items for K folds */
	ds = make_data(7, 2, 3, 2, 1, 0);
	fold = malloc(ds->n * sizeof *fold);
	rc = grym_folds_stratified(ds, 3, 1, fold, &err);
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "fewer than the 3 folds"),
	       "class with fewer items than K: %s", err.msg);
	free(fold);
	grym_dataset_free(ds);
}

/* ---- metrics ---- */
static void test_metrics(void)
{
	/* truth/pred giving confusion [[3,1,0],[0,2,2],[1,0,1]] */
	int y[] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2 };
	int p[] = { 0, 0, 0, 1, 1, 1, 2, 2, 0, 2 };
	grym_metrics m = { 0 };
	grym_error err;
	TAP_EQ_INT(grym_metrics_compute(&m, y, p, 10, 3, &err), 0, "metrics compute");
	int64_t want[9] = { 3, 1, 0, 0, 2, 2, 1, 0, 1 };
	TAP_OK(memcmp(m.confusion, want, sizeof want) == 0, "confusion matrix");
	TAP_NEAR(m.accuracy, 0.6, 1e-12, "accuracy 6/10");
	/* recall 3/4, 2/4, 1/2 ; precision 3/4, 2/3, 1/3 */
	TAP_NEAR(m.balanced_accuracy, (0.75 + 0.5 + 0.5) / 3, 1e-12, "balanced accuracy");
	double f0 = 0.75, f1 = 2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5), f2 = 2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5);
	TAP_NEAR(m.f1[1], f1, 1e-12, "F1 of class 1");
	TAP_NEAR(m.macro_f1, (f0 + f1 + f2) / 3, 1e-12, "macro F1");
	TAP_NEAR(m.precision[2], 1.0 / 3, 1e-12, "precision of class 2");
	TAP_EQ_INT(m.support[1], 4, "support of class 1");
	const char *labels[] = { "a", "b", "c" };
	json_t *j = grym_metrics_json(&m, labels);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
	TAP_OK(s && strstr(s, "\"accuracy\":0.6") && strstr(s, "\"confusion\":[[3,1,0],[0,2,2],[1,0,1]]") &&
	       strstr(s, "\"labels\":[\"a\",\"b\",\"c\"]"), "metrics JSON: %s", s ? s : "");
	free(s);
	json_decref(j);
	char *t = grym_metrics_table(&m, labels);
	TAP_OK(t && strstr(t, "accuracy           0.6000") && strstr(t, "macro F1"), "metrics table");
	free(t);
	grym_metrics_clear(&m);
}

/* ---- every model on a separable set ---- */
static void test_models(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = make_data(150, 4, 3, 5, 21, 0);
	int *fold = malloc(ds->n * sizeof *fold), *pred = malloc(ds->n * sizeof *pred);
	grym_folds_stratified(ds, 5, 0, fold, &err);
	for (int t = GRYM_MODEL_LOGREG; t <= GRYM_MODEL_MLP; t++) {
		grym_ml_params p;
		grym_ml_params_default(&p, (grym_model_type)t);
		p.hidden[0] = 16;
		int rc = grym_ml_cross_validate(&p, ds, fold, 5, pred, &err);
		grym_metrics m = { 0 };
		grym_metrics_compute(&m, ds->y, pred, ds->n, ds->nlabels, &err);
		TAP_OK(rc == 0 && m.accuracy > 0.9, "%s 5-fold accuracy %.3f > 0.9 on separable data (%s)",
		       grym_model_type_name((grym_model_type)t), m.accuracy, rc ? err.msg : "");
		grym_metrics_clear(&m);
	}
	/* kmeans finds the three clusters: purity */
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_KMEANS);
	p.k = 3;
	grym_model *km = NULL;
	int rc = (km = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	if (!rc)
		rc = grym_model_predict(km, ds->x, ds->n, NULL, pred, &err);
	int tab[3][3] = { { 0 } };
	for (size_t i = 0; !rc && i < ds->n; i++)
		tab[ds->y[i]][pred[i]]++;
	int pure = 0;
	for (int c = 0; c < 3; c++) {
		int mx = 0;
		for (int k = 0; k < 3; k++)
			mx = tab[c][k] > mx ? tab[c][k] : mx;
		pure += mx;
	}
	TAP_OK(rc == 0 && pure >= 140, "kmeans purity %d/150", pure);
	TAP_EQ_STR(grym_model_label(km, 2), "2", "kmeans labels are cluster numbers");
	grym_model_free(km);
	free(fold);
	free(pred);
	grym_dataset_free(ds);
}

/* Two svm trainings in one process give the same bytes: libsvm's Platt
 * cross-validation draws from rand(), which grym seeds before each call
 * (without it the second training would continue the first's sequence).
 * The label does not depend on whether probabilities are asked for. */
static void test_svm_repeatable(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = make_data(120, 4, 3, 1.0, 5, 0);
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_SVM);
	grym_model *a = NULL, *b = NULL;
	unsigned char *ba = NULL, *bb = NULL;
	size_t la = 0, lb = 0;
	int rc = (a = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	if (!rc)
		rc = (b = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	if (!rc)
		rc = grym_model_save(a, &ba, &la, &err);
	if (!rc)
		rc = grym_model_save(b, &bb, &lb, &err);
	TAP_EQ_INT(rc, 0, "svm trains and saves twice (%s)", rc ? err.msg : "");
	TAP_OK(!rc && la == lb && !memcmp(ba, bb, la), "two svm trainings in one process give byte-identical models");
	int p1[120], p2[120];
	float proba[120 * 3];
	int r1 = rc ? rc : grym_model_predict(a, ds->x, ds->n, proba, p1, &err);
	int r2 = rc ? rc : grym_model_predict(a, ds->x, ds->n, NULL, p2, &err);
	TAP_OK(!r1 && !r2 && !memcmp(p1, p2, sizeof p1), "svm labels are the same with or without probabilities");
	free(ba);
	free(bb);
	grym_model_free(a);
	grym_model_free(b);
	grym_dataset_free(ds);
}

int main(void)
{
	tap_plan(53);
	test_lbfgs();
	compare_sklearn(3, 0);
	compare_sklearn(2, 0);
	compare_sklearn(3, 1);
	test_folds();
	test_metrics();
	test_models();
	test_svm_repeatable();
	return tap_done();
}
