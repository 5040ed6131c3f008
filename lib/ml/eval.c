/*
 * eval.c — honest evaluation: fold assignment, metrics, cross-validation.
 *
 * Stratified k-fold: each class's rows are shuffled (grym_rng, --seed) and
 * dealt round-robin into folds, the deal continuing from class to class so
 * fold sizes differ by at most one. Grouped k-fold follows scikit-learn's
 * StratifiedGroupKFold: groups are shuffled, sorted by how unevenly their
 * items spread over the classes (most uneven first), and each goes whole
 * to the fold where the per-class proportions across folds stay most even
 * (ties: the smaller fold), so no group is ever on both sides of a split.
 * Standardization and everything else is fitted inside ml_model_train on
 * the training rows of each fold only.
 */
#include <jansson.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

static int check_labelled(const grym_dataset *ds, grym_error *err)
{
	for (size_t i = 0; i < ds->n; i++)
		if (ds->y[i] < 0)
			return grym_error_set(err, GRYM_ERR_INVALID, "item %s has no label",
					      ds->keys[i] ? ds->keys[i] : "?");
	if (ds->nlabels < 2)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      ds->nlabels ? "only one class ('%s'): a classifier needs at least two"
						  : "%sno labels: a classifier needs at least two classes",
				      ds->nlabels ? ds->labels[0] : "");
	return GRYM_OK;
}

int grym_folds_stratified(const grym_dataset *ds, int k, uint64_t seed, int *fold, grym_error *err)
{
	if (k < 2)
		return grym_error_set(err, GRYM_ERR_INVALID, "cross-validation needs at least 2 folds");
	int rc = check_labelled(ds, err);
	if (rc)
		return rc;
	size_t K = ds->nlabels;
	int *idx = malloc(ds->n * sizeof *idx);
	if (!idx)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	grym_rng rng;
	grym_rng_seed(&rng, seed);
	size_t deal = 0;
	for (size_t c = 0; c < K; c++) {
		size_t m = 0;
		for (size_t i = 0; i < ds->n; i++)
			if ((size_t)ds->y[i] == c)
				idx[m++] = (int)i;
		if (m < (size_t)k) {
			free(idx);
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "class '%s' has %zu item%s, fewer than the %d folds",
					      ds->labels[c], m, m == 1 ? "" : "s", k);
		}
		grym_rng_shuffle(&rng, idx, m);
		for (size_t j = 0; j < m; j++)
			fold[idx[j]] = (int)(deal++ % (size_t)k);
	}
	free(idx);
	return GRYM_OK;
}

typedef struct grp { int id; double spread; int64_t total; } grp;

static int cmp_grp(const void *a, const void *b)
{
	const grp *x = a, *y = b;
	if (x->spread != y->spread)
		return x->spread > y->spread ? -1 : 1;
	return 0;   /* qsort is not stable: the order field below breaks ties */
}

int grym_folds_grouped(const grym_dataset *ds, int k, uint64_t seed, int *fold, grym_error *err)
{
	if (k < 2)
		return grym_error_set(err, GRYM_ERR_INVALID, "cross-validation needs at least 2 folds");
	int rc = check_labelled(ds, err);
	if (rc)
		return rc;
	if (!ds->group)
		return grym_error_set(err, GRYM_ERR_INVALID, "no group ids");
	for (size_t i = 0; i < ds->n; i++)
		if (ds->group[i] < 0)
			return grym_error_set(err, GRYM_ERR_INVALID, "item %s has no group",
					      ds->keys[i] ? ds->keys[i] : "?");
	size_t G = ds->ngroups, K = ds->nlabels;
	if (G < (size_t)k)
		return grym_error_set(err, GRYM_ERR_INVALID, "%zu groups, fewer than the %d folds", G, k);
	int64_t *gc = calloc(G * K, sizeof *gc), *ccount = calloc(K, sizeof *ccount);
	int64_t *fc = calloc((size_t)k * K, sizeof *fc), *fsize = calloc((size_t)k, sizeof *fsize);
	grp *gs = malloc(G * sizeof *gs);
	int *perm = malloc(G * sizeof *perm), *gfold = malloc(G * sizeof *gfold);
	double *prop = malloc((size_t)k * sizeof *prop);
	if (!gc || !ccount || !fc || !fsize || !gs || !perm || !gfold || !prop) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ds->n; i++) {
		gc[(size_t)ds->group[i] * K + (size_t)ds->y[i]]++;
		ccount[ds->y[i]]++;
	}
	for (size_t c = 0; c < K; c++)
		if (ccount[c] < 2) {
			rc = grym_error_set(err, GRYM_ERR_INVALID,
					    "class '%s' has %lld item, too few to be both trained and tested",
					    ds->labels[c], (long long)ccount[c]);
			goto out;
		}
	grym_rng rng;
	grym_rng_seed(&rng, seed);
	for (size_t g = 0; g < G; g++)
		perm[g] = (int)g;
	grym_rng_shuffle(&rng, perm, G);
	for (size_t s = 0; s < G; s++) {
		size_t g = (size_t)perm[s];
		double mean = 0, var = 0;
		int64_t tot = 0;
		for (size_t c = 0; c < K; c++)
			tot += gc[g * K + c];
		for (size_t c = 0; c < K; c++)
			mean += (double)gc[g * K + c] / (double)K;
		for (size_t c = 0; c < K; c++)
			var += ((double)gc[g * K + c] - mean) * ((double)gc[g * K + c] - mean) / (double)K;
		gs[s].id = (int)g;
		gs[s].spread = sqrt(var);
		gs[s].total = tot;
	}
	/* stable sort by spread, descending (insertion: G is small) */
	for (size_t s = 1; s < G; s++) {
		grp t = gs[s];
		size_t j = s;
		while (j > 0 && cmp_grp(&gs[j - 1], &t) > 0) {
			gs[j] = gs[j - 1];
			j--;
		}
		gs[j] = t;
	}
	for (size_t s = 0; s < G; s++) {
		size_t g = (size_t)gs[s].id;
		int bestf = 0;
		double beste = INFINITY;
		for (int f = 0; f < k; f++) {
			for (size_t c = 0; c < K; c++)
				fc[(size_t)f * K + c] += gc[g * K + c];
			/* mean over classes of the std over folds of the class's share */
			double e = 0;
			for (size_t c = 0; c < K; c++) {
				double mu = 0, v = 0;
				for (int h = 0; h < k; h++) {
					prop[h] = (double)fc[(size_t)h * K + c] / (double)ccount[c];
					mu += prop[h] / k;
				}
				for (int h = 0; h < k; h++)
					v += (prop[h] - mu) * (prop[h] - mu) / k;
				e += sqrt(v) / (double)K;
			}
			for (size_t c = 0; c < K; c++)
				fc[(size_t)f * K + c] -= gc[g * K + c];
			if (e < beste - 1e-12 || (fabs(e - beste) <= 1e-12 && fsize[f] < fsize[bestf])) {
				beste = e;
				bestf = f;
			}
		}
		gfold[g] = bestf;
		fsize[bestf] += gs[s].total;
		for (size_t c = 0; c < K; c++)
			fc[(size_t)bestf * K + c] += gc[g * K + c];
	}
	for (int f = 0; f < k; f++)
		if (!fsize[f]) {
			rc = grym_error_set(err, GRYM_ERR_INVALID, "fold %d got no group", f);
			goto out;
		}
	for (size_t i = 0; i < ds->n; i++)
		fold[i] = gfold[ds->group[i]];
out:
	free(gc); free(ccount); free(fc); free(fsize); free(gs); free(perm); free(gfold); free(prop);
	return rc;
}

int grym_folds_holdout(const grym_dataset *ds, double fraction, uint64_t seed, int *fold,
		       grym_error *err)
{
	if (!(fraction > 0 && fraction < 1))
		return grym_error_set(err, GRYM_ERR_INVALID, "holdout fraction must be between 0 and 1");
	int rc = check_labelled(ds, err);
	if (rc)
		return rc;
	if (ds->group)
		return grym_folds_holdout_grouped(ds, fraction, seed, fold, err);
	int *idx = malloc(ds->n * sizeof *idx);
	if (!idx)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	grym_rng rng;
	grym_rng_seed(&rng, seed);
	for (size_t c = 0; c < ds->nlabels; c++) {
		size_t m = 0;
		for (size_t i = 0; i < ds->n; i++)
			if ((size_t)ds->y[i] == c)
				idx[m++] = (int)i;
		if (m < 2) {
			free(idx);
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "class '%s' has %zu item, too few to be both trained and tested",
					      ds->labels[c], m);
		}
		size_t nt = (size_t)floor(fraction * (double)m + 0.5);
		if (nt < 1)
			nt = 1;
		if (nt > m - 1)
			nt = m - 1;
		grym_rng_shuffle(&rng, idx, m);
		for (size_t j = 0; j < m; j++)
			fold[idx[j]] = j < nt ? 0 : 1;
	}
	free(idx);
	return GRYM_OK;
}

void grym_metrics_clear(grym_metrics *m)
{
	free(m->precision); free(m->recall); free(m->f1); free(m->support); free(m->confusion);
	memset(m, 0, sizeof *m);
}

int grym_metrics_compute(grym_metrics *m, const int *y, const int *pred, size_t n, size_t K,
			 grym_error *err)
{
	grym_metrics_clear(m);
	m->nclasses = K;
	m->precision = calloc(K, sizeof *m->precision);
	m->recall = calloc(K, sizeof *m->recall);
	m->f1 = calloc(K, sizeof *m->f1);
	m->support = calloc(K, sizeof *m->support);
	m->confusion = calloc(K * K, sizeof *m->confusion);
	if (!m->precision || !m->recall || !m->f1 || !m->support || !m->confusion) {
		grym_metrics_clear(m);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	size_t good = 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0 || pred[i] < 0)
			continue;
		if ((size_t)y[i] >= K || (size_t)pred[i] >= K) {
			grym_metrics_clear(m);
			return grym_error_set(err, GRYM_ERR_INVALID, "class index out of range");
		}
		m->confusion[(size_t)y[i] * K + (size_t)pred[i]]++;
		m->support[y[i]]++;
		good += y[i] == pred[i];
		m->n++;
	}
	m->accuracy = m->n ? (double)good / (double)m->n : 0;
	double bal = 0, mf = 0;
	size_t present = 0, seen = 0;
	for (size_t c = 0; c < K; c++) {
		int64_t tp = m->confusion[c * K + c], col = 0;
		for (size_t r = 0; r < K; r++)
			col += m->confusion[r * K + c];
		/* as scikit-learn with zero_division=0 */
		m->precision[c] = col ? (double)tp / (double)col : 0;
		m->recall[c] = m->support[c] ? (double)tp / (double)m->support[c] : 0;
		double s = m->precision[c] + m->recall[c];
		m->f1[c] = s > 0 ? 2 * m->precision[c] * m->recall[c] / s : 0;
		/* macro F1 as scikit-learn's f1_score(average='macro'): over the
		 * labels true or predicted in this evaluation, so a class that a
		 * test fold happens not to hold does not count as F1 = 0 */
		if (m->support[c] || col) {
			mf += m->f1[c];
			seen++;
		}
		if (m->support[c]) {
			bal += m->recall[c];
			present++;
		}
	}
	m->balanced_accuracy = present ? bal / (double)present : 0;
	m->macro_f1 = seen ? mf / (double)seen : 0;
	return GRYM_OK;
}

/* Round to 6 decimals so JSON stays short and stable. */
static json_t *num(double v) { return json_real(round(v * 1e6) / 1e6); }

json_t *grym_metrics_json(const grym_metrics *m, const char *const *labels)
{
	size_t K = m->nclasses;
	json_t *o = json_object(), *lab = json_array(), *conf = json_array(), *pc = json_array();
	if (!o || !lab || !conf || !pc) {
		json_decref(o); json_decref(lab); json_decref(conf); json_decref(pc);
		return NULL;
	}
	for (size_t c = 0; c < K; c++) {
		json_array_append_new(lab, json_string(labels[c]));
		json_t *row = json_array();
		for (size_t p = 0; p < K; p++)
			json_array_append_new(row, json_integer(m->confusion[c * K + p]));
		json_array_append_new(conf, row);
		json_array_append_new(pc, json_pack("{s:s,s:o,s:o,s:o,s:I}", "label", labels[c],
						    "precision", num(m->precision[c]),
						    "recall", num(m->recall[c]), "f1", num(m->f1[c]),
						    "support", (json_int_t)m->support[c]));
	}
	json_object_set_new(o, "accuracy", num(m->accuracy));
	json_object_set_new(o, "balanced_accuracy", num(m->balanced_accuracy));
	json_object_set_new(o, "macro_f1", num(m->macro_f1));
	json_object_set_new(o, "n", json_integer((json_int_t)m->n));
	json_object_set_new(o, "labels", lab);
	json_object_set_new(o, "confusion", conf);
	json_object_set_new(o, "per_class", pc);
	return o;
}

/* Append to a growing string. */
typedef struct sbuf { char *s; size_t len, cap; int oom; } sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

char *grym_metrics_table(const grym_metrics *m, const char *const *labels)
{
	size_t K = m->nclasses, w = 5;
	for (size_t c = 0; c < K; c++)
		if (strlen(labels[c]) > w)
			w = strlen(labels[c]);
	int W = (int)w;   /* the longest class name: names are never cut */
	sbuf b = { 0 };
	sb_printf(&b, "accuracy           %.4f  (%zu items)\n", m->accuracy, m->n);
	sb_printf(&b, "balanced accuracy  %.4f\n", m->balanced_accuracy);
	sb_printf(&b, "macro F1           %.4f\n\n", m->macro_f1);
	sb_printf(&b, "%-*s  precision  recall      f1  support\n", W, "class");
	for (size_t c = 0; c < K; c++)
		sb_printf(&b, "%-*s  %9.4f  %6.4f  %6.4f  %7lld\n", W, labels[c], m->precision[c],
			  m->recall[c], m->f1[c], (long long)m->support[c]);
	sb_printf(&b, "\nconfusion (rows: true, columns: predicted)\n%-*s", W, "");
	/* each column as wide as its class name or its largest count, so
	 * chirp-up and chirp-down stay two different headings */
	int *cw = calloc(K ? K : 1, sizeof *cw);
	if (!cw) {
		free(b.s);
		return NULL;
	}
	for (size_t c = 0; c < K; c++) {
		cw[c] = (int)strlen(labels[c]);
		for (size_t r = 0; r < K; r++) {
			int digits = snprintf(NULL, 0, "%lld", (long long)m->confusion[r * K + c]);
			if (digits > cw[c])
				cw[c] = digits;
		}
	}
	for (size_t c = 0; c < K; c++)
		sb_printf(&b, "  %*s", cw[c], labels[c]);
	sb_printf(&b, "\n");
	for (size_t r = 0; r < K; r++) {
		sb_printf(&b, "%-*s", W, labels[r]);
		for (size_t c = 0; c < K; c++)
			sb_printf(&b, "  %*lld", cw[c], (long long)m->confusion[r * K + c]);
		sb_printf(&b, "\n");
	}
	free(cw);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

int grym_ml_cross_validate(const grym_ml_params *p, const grym_dataset *ds, const int *fold,
			   int ntest, int *pred, grym_error *err)
{
	return grym_ml_cross_validate_proba(p, ds, fold, ntest, pred, NULL, err);
}

int grym_ml_cross_validate_proba(const grym_ml_params *p, const grym_dataset *ds, const int *fold,
				 int ntest, int *pred, float *proba, grym_error *err)
{
	size_t n = ds->n, d = ds->d;
	size_t *tr = malloc(n * sizeof *tr), *te = malloc(n * sizeof *te);
	float *xt = malloc(n * d * sizeof *xt);
	int *pt = malloc(n * sizeof *pt);
	size_t K = ds->nlabels;
	float *pp = proba ? malloc(n * (K ? K : 1) * sizeof *pp) : NULL;
	int rc = GRYM_OK;
	if (!tr || !te || !xt || !pt || (proba && !pp)) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		pred[i] = -1;
	for (size_t i = 0; proba && i < n * K; i++)
		proba[i] = NAN;
	for (int f = 0; f < ntest; f++) {
		size_t ntr = 0, nte = 0;
		for (size_t i = 0; i < n; i++) {
			if (fold[i] == f)
				te[nte++] = i;
			else if (fold[i] >= 0)
				tr[ntr++] = i;
		}
		if (!nte)
			continue;
		/* each fold its share of the progress, said as "fold 2/5: ..." */
		grym_ml_params pf = *p;
		grym_progress_span span = { p->progress, p->progress_ud, (double)f / ntest,
					    (double)(f + 1) / ntest, "" };
		if (ntest > 1)
			snprintf(span.prefix, sizeof span.prefix, "fold %d/%d: ", f + 1, ntest);
		if (p->progress) {
			pf.progress = grym_progress_span_fn;
			pf.progress_ud = &span;
			grym_progress_span_fn(&span, 0, "training");
		}
		grym_model *m = NULL;
		if ((rc = ml_model_train(&pf, ds, tr, ntr, &m, err))) {
			if (rc != GRYM_ERR_CANCELLED)
				grym_error_prefix(err, rc, "fold %d", f + 1);
			goto out;
		}
		for (size_t t = 0; t < nte; t++)
			memcpy(xt + t * d, ds->x + te[t] * d, d * sizeof *xt);
		if (p->progress)
			grym_progress_span_fn(&span, 1, "predicting");
		/* knn's predictions are the long part of its folds: they
		 * check the flag too (the trained model keeps none) */
		m->p.cancel = p->cancel;
		rc = grym_model_predict(m, xt, nte, pp, pt, err);
		grym_model_free(m);
		if (rc)
			goto out;
		for (size_t t = 0; t < nte; t++) {
			pred[te[t]] = pt[t];
			if (proba)
				memcpy(proba + te[t] * K, pp + t * K, K * sizeof *proba);
		}
	}
out:
	free(tr); free(te); free(xt); free(pt); free(pp);
	return rc;
}
