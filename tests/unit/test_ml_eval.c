/*
 * test_ml_eval.c — evaluation honesty: metrics with classes absent from
 * an evaluation against scikit-learn, grouped holdouts that reach the
 * fraction asked for, and predictions that do not depend on how the rows
 * are batched.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/ml.h"
#include "tap.h"

/* scikit-learn's figures for truth y and predictions p (n items, K
 * labels 0..K-1): macro F1, balanced accuracy, then per class precision,
 * recall, F1 (zero_division=0). Returns the number of values read. */
static int sklearn_metrics(const int *y, const int *p, size_t n, size_t K, double *out)
{
	char path[512], res[512], cmd[2048];
	snprintf(path, sizeof path, "%s/metrics.txt", tap_tmpdir());
	snprintf(res, sizeof res, "%s/metrics.out", tap_tmpdir());
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%d %d\n", y[i], p[i]);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c '\n"
		 "import sys, warnings, numpy as np\n"
		 "warnings.simplefilter(\"ignore\")\n"
		 "from sklearn.metrics import f1_score, balanced_accuracy_score, precision_recall_fscore_support\n"
		 "a = np.loadtxt(sys.argv[1], dtype=int, ndmin=2); y, p = a[:,0], a[:,1]\n"
		 "print(\"%%.12g\" %% f1_score(y, p, average=\"macro\", zero_division=0))\n"
		 "print(\"%%.12g\" %% balanced_accuracy_score(y, p))\n"
		 "pr, rc, f, s = precision_recall_fscore_support(y, p, labels=list(range(%zu)), zero_division=0)\n"
		 "for i in range(%zu): print(\"%%.12g %%.12g %%.12g\" %% (pr[i], rc[i], f[i]))\n"
		 "' %s > %s", K, K, path, res);
	if (system(cmd) != 0)
		return 0;
	f = fopen(res, "r");
	int got = 0;
	while (f && got < 2 + 3 * (int)K && fscanf(f, "%lf", &out[got]) == 1)
		got++;
	if (f)
		fclose(f);
	return got;
}

static void check_against_sklearn(const char *what, const int *y, const int *p, size_t n, size_t K)
{
	double ref[2 + 3 * 8];
	int got = sklearn_metrics(y, p, n, K, ref);
	TAP_EQ_INT(got, 2 + 3 * (int)K, "%s: scikit-learn reference ran", what);
	if (got != 2 + 3 * (int)K)
		return;
	grym_metrics m = { 0 };
	grym_error err = { 0 };
	TAP_EQ_INT(grym_metrics_compute(&m, y, p, n, K, &err), 0, "%s: metrics compute", what);
	TAP_NEAR(m.macro_f1, ref[0], 1e-12, "%s: macro F1 %.4f equals scikit-learn's f1_score(average='macro') %.4f",
		 what, m.macro_f1, ref[0]);
	TAP_NEAR(m.balanced_accuracy, ref[1], 1e-12, "%s: balanced accuracy equals scikit-learn's", what);
	double dev = 0;
	for (size_t c = 0; c < K; c++)
		dev = fmax(dev, fmax(fabs(m.precision[c] - ref[2 + 3 * c]),
				     fmax(fabs(m.recall[c] - ref[3 + 3 * c]), fabs(m.f1[c] - ref[4 + 3 * c]))));
	TAP_NEAR(dev, 0, 1e-12, "%s: per-class precision, recall, F1 equal scikit-learn's", what);
	grym_metrics_clear(&m);
}

static void test_absent_classes(void)
{
	/* class 3 neither true nor predicted in this evaluation */
	int y1[] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2 };
	int p1[] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2 };
	check_against_sklearn("class absent from truth and predictions", y1, p1, 12, 4);
	/* class 3 predicted but never true: counts, with F1 0 */
	int p2[] = { 0, 0, 0, 3, 1, 1, 1, 2, 2, 2, 2, 2 };
	check_against_sklearn("class predicted but absent from truth", y1, p2, 12, 4);
	/* class 2 true but never predicted */
	int p3[] = { 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0 };
	check_against_sklearn("class true but never predicted", y1, p3, 12, 4);
	/* every class present */
	int y4[] = { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 };
	int p4[] = { 0, 1, 2, 3, 1, 1, 2, 0, 0, 3, 2, 3 };
	check_against_sklearn("every class present", y4, p4, 12, 4);
}

static double gauss(grym_rng *r)
{
	double u = grym_rng_uniform(r), v = grym_rng_uniform(r);
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* n rows of d columns in K overlapping classes (so probabilities are not
 * all 0 or 1); group "g<i mod G>" when G > 0 */
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
			row[j] = (float)(gauss(&r) + (j == c % d ? sep : 0) + 0.7 * (double)j);
		char key[32], lab[16], grp[16];
		snprintf(key, sizeof key, "item%zu", i);
		snprintf(lab, sizeof lab, "c%zu", c);
		snprintf(grp, sizeof grp, "g%zu", i % (size_t)(G > 0 ? G : 1));
		if (grym_dataset_add(ds, key, row, lab, G > 0 ? grp : NULL, &err))
			return NULL;
	}
	grym_dataset_finish(ds, &err);
	return ds;
}

/* Probabilities must not depend on the batch a row is predicted in: all
 * at once, one by one and in odd chunks give the same bytes. */
static void test_batch_invariance(void)
{
	grym_error err = { 0 };
	size_t d = 13, K = 3, n = 700;
	grym_dataset *ds = make_data(240, d, K, 1.2, 5, 0);
	grym_dataset *q = make_data(n, d, K, 1.2, 6, 0);
	float *all = malloc(n * 8 * sizeof *all), *part = malloc(n * 8 * sizeof *part);
	for (int t = GRYM_MODEL_LOGREG; t <= GRYM_MODEL_KMEANS; t++) {
		grym_ml_params p;
		grym_ml_params_default(&p, (grym_model_type)t);
		p.hidden[0] = 37;
		p.epochs = 20;
		p.k = t == GRYM_MODEL_KMEANS ? 5 : 7;
		const char *name = grym_model_type_name((grym_model_type)t);
		grym_model *m = NULL;
		int rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
		TAP_EQ_INT(rc, 0, "%s trains (%s)", name, rc ? err.msg : "");
		if (rc)
			continue;
		size_t C = grym_model_nclasses(m);
		rc = grym_model_predict(m, q->x, n, all, NULL, &err);
		static const size_t chunks[] = { 1, 2, 7, 64, 255, 256, 257, 699 };
		for (size_t c = 0; c < sizeof chunks / sizeof chunks[0] && !rc; c++) {
			for (size_t s = 0; s < n && !rc; s += chunks[c])
				rc = grym_model_predict(m, q->x + s * d, n - s < chunks[c] ? n - s : chunks[c],
							part + s * C, NULL, &err);
			size_t diff = 0;
			for (size_t i = 0; i < n * C; i++)
				diff += memcmp(&all[i], &part[i], sizeof *all) != 0;
			TAP_OK(rc == 0 && diff == 0,
			       "%s: batches of %zu give the bytes of one batch of %zu (%zu of %zu values differ)",
			       name, chunks[c], n, diff, n * C);
		}
		grym_model_free(m);
	}
	free(all);
	free(part);
	grym_dataset_free(ds);
	grym_dataset_free(q);
}

/* A grouped holdout of F tests as close to F of the items as whole
 * groups allow (not one fold of round(1/F)-fold CV, which is 50% for any
 * F above 0.5), about F of each class, and never splits a group. */
static void test_grouped_holdout(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = grym_dataset_new(2, &err);
	grym_rng r;
	grym_rng_seed(&r, 9);
	size_t n = 0;
	for (int g = 0; g < 40; g++) {
		int size = 1 + (g * 7) % 6;   /* groups of 1 to 6 items */
		for (int t = 0; t < size; t++, n++) {
			float row[2] = { (float)gauss(&r), (float)gauss(&r) };
			char key[32], lab[8], grp[16];
			snprintf(key, sizeof key, "i%zu", n);
			snprintf(lab, sizeof lab, "c%zu", n % 3);
			snprintf(grp, sizeof grp, "spk%d", g);
			grym_dataset_add(ds, key, row, lab, grp, &err);
		}
	}
	grym_dataset_finish(ds, &err);
	int *fold = malloc(n * sizeof *fold);
	static const double F[] = { 0.1, 0.25, 0.5, 0.6, 0.75, 0.9 };
	for (size_t f = 0; f < sizeof F / sizeof F[0]; f++) {
		int rc = grym_folds_holdout(ds, F[f], 3, fold, &err);
		TAP_EQ_INT(rc, 0, "grouped holdout %.2f (%s)", F[f], rc ? err.msg : "");
		if (rc)
			continue;
		size_t nt = 0, ntc[3] = { 0 }, nc[3] = { 0 }, split = 0;
		int gf[40];
		for (int g = 0; g < 40; g++)
			gf[g] = -1;
		for (size_t i = 0; i < n; i++) {
			nt += fold[i] == 0;
			ntc[ds->y[i]] += fold[i] == 0;
			nc[ds->y[i]]++;
			int g = ds->group[i];
			split += gf[g] >= 0 && gf[g] != fold[i];
			gf[g] = fold[i];
		}
		TAP_EQ_INT(split, 0, "grouped holdout %.2f: no group on both sides", F[f]);
		TAP_OK(fabs((double)nt - F[f] * (double)n) <= 0.5,
		       "grouped holdout %.2f: %zu of %zu items tested (%.3f), within half an item of %.1f",
		       F[f], nt, n, (double)nt / (double)n, F[f] * (double)n);
		double worst = 0;
		int trained = 1;
		for (int c = 0; c < 3; c++) {
			worst = fmax(worst, fabs((double)ntc[c] / (double)nc[c] - F[f]));
			trained &= ntc[c] < nc[c];
		}
		TAP_OK(worst <= 0.05 && trained,
		       "grouped holdout %.2f: every class tested within 5 points of %.2f (worst %.3f) and trained",
		       F[f], F[f], worst);
	}
	int *fold2 = malloc(n * sizeof *fold2);
	grym_folds_holdout(ds, 0.3, 3, fold, &err);
	grym_folds_holdout(ds, 0.3, 3, fold2, &err);
	TAP_OK(memcmp(fold, fold2, n * sizeof *fold) == 0, "grouped holdout: same seed, same groups");
	grym_folds_holdout(ds, 0.3, 4, fold2, &err);
	TAP_OK(memcmp(fold, fold2, n * sizeof *fold) != 0, "grouped holdout: another seed, other groups");
	free(fold);
	free(fold2);
	grym_dataset_free(ds);
}

int main(void)
{
	test_grouped_holdout();
	test_absent_classes();
	test_batch_invariance();
	return tap_done();
}
