/*
 * pca.c — PCA by the SVD of the centred matrix (grym/ml_pca.h), as
 * scikit-learn's full solver does it, so results compare number for
 * number: same centring, same variance divisor (n - 1), same ratio (over
 * the sum of all singular values squared), same sign rule.
 *
 * LAPACK comes with OpenBLAS (libopenblas exports dgesdd_; Debian has no
 * lapacke.h in libopenblas-dev), so the Fortran routine is declared here
 * with the hidden length of its character argument that gfortran passes.
 * The row-major n x d matrix is, to Fortran, the column-major d x n
 * matrix A = Xc^T, whose SVD is V S U^T: dgesdd's U holds the axes
 * (components) and its VT the scores' directions.
 */
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grym/ml_pca.h"

void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
	     double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work,
	     const int *lwork, int *iwork, int *info, size_t jobz_len);

void grym_pca_free(grym_pca *p)
{
	if (!p)
		return;
	free(p->scores);
	free(p->components);
	free(p->mean);
	free(p->scale);
	free(p->variance);
	free(p->ratio);
	free(p);
}

/* Centre (and scale) x into a, row-major n x d; fill mean and scale. */
static int prepare(const float *x, size_t n, size_t d, double *a,
		   double *mean, double *scale, grym_error *err)
{
	for (size_t j = 0; j < d; j++)
		mean[j] = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			double v = x[i * d + j];
			if (!isfinite(v))
				return grym_error_set(err, GRYM_ERR_INVALID,
						      "PCA: row %zu, column %zu is not a finite number",
						      i + 1, j + 1);
			mean[j] += v;
		}
	for (size_t j = 0; j < d; j++)
		mean[j] /= (double)n;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			a[i * d + j] = (double)x[i * d + j] - mean[j];
	if (!scale)
		return GRYM_OK;
	/* StandardScaler: the population deviation, and 1 for a column whose
	 * variance is within the rounding error of its computation (its
	 * _is_constant_feature bound: Chan, Golub and LeVeque) */
	for (size_t j = 0; j < d; j++) {
		double ss = 0, var, eps = DBL_EPSILON, nm = (double)n * mean[j] * eps;
		for (size_t i = 0; i < n; i++)
			ss += a[i * d + j] * a[i * d + j];
		var = ss / (double)n;
		scale[j] = var <= (double)n * eps * var + nm * nm ? 1 : sqrt(var);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++)
			a[i * d + j] /= scale[j];
	return GRYM_OK;
}

/* Singular values s (mn), axes u (d x mn column-major), score directions
 * vt (mn x n column-major) of the column-major d x n matrix a. */
static int svd(double *a, int d, int n, double *s, double *u, double *vt, grym_error *err)
{
	int mn = d < n ? d : n, lwork = -1, info = 0;
	double q = 0, *work;
	int *iwork = malloc((size_t)8 * (size_t)mn * sizeof *iwork);
	if (!iwork)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	dgesdd_("S", &d, &n, a, &d, s, u, &d, vt, &mn, &q, &lwork, iwork, &info, 1);
	lwork = info == 0 && q < (double)INT_MAX ? (int)q : -1;
	work = lwork > 0 ? malloc((size_t)lwork * sizeof *work) : NULL;
	if (!work) {
		free(iwork);
		return grym_error_set(err, GRYM_ERR_NOMEM, "PCA: out of memory for the SVD");
	}
	dgesdd_("S", &d, &n, a, &d, s, u, &d, vt, &mn, work, &lwork, iwork, &info, 1);
	free(work);
	free(iwork);
	if (info != 0)
		return grym_error_set(err, GRYM_ERR_INTERNAL, "PCA: the SVD failed (dgesdd info %d)",
				      info);
	return GRYM_OK;
}

grym_pca *grym_pca_new(const float *x, size_t n, size_t d, const grym_pca_opts *opts,
		       grym_error *err)
{
	grym_pca_opts o = opts ? *opts : (grym_pca_opts){ 0 };
	grym_pca *p = NULL;
	double *a = NULL, *s = NULL, *u = NULL, *vt = NULL;
	size_t mn;
	int rc;

	if (o.components < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "PCA: %d components", o.components), NULL;
	if (n < 2 || d < 1)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "PCA: needs at least 2 rows and 1 column, not %zu x %zu", n, d),
		       NULL;
	if (n > INT_MAX || d > INT_MAX || n > SIZE_MAX / sizeof(double) / d ||
	    n * d > (size_t)INT_MAX)
		return grym_error_set(err, GRYM_ERR_LIMIT, "PCA: a %zu x %zu matrix is too large",
				      n, d), NULL;
	mn = n < d ? n : d;
	if (o.components == 0)
		o.components = 2;
	p = calloc(1, sizeof *p);
	if (!p)
		goto oom;
	p->n = n;
	p->d = d;
	p->k = (size_t)o.components < mn ? o.components : (int)mn;
	a = malloc(n * d * sizeof *a);
	s = malloc(mn * sizeof *s);
	u = malloc(d * mn * sizeof *u);
	vt = malloc(mn * n * sizeof *vt);
	p->mean = malloc(d * sizeof *p->mean);
	p->scale = o.standardize ? malloc(d * sizeof *p->scale) : NULL;
	p->scores = malloc(n * (size_t)p->k * sizeof *p->scores);
	p->components = malloc((size_t)p->k * d * sizeof *p->components);
	p->variance = malloc((size_t)p->k * sizeof *p->variance);
	p->ratio = malloc((size_t)p->k * sizeof *p->ratio);
	if (!a || !s || !u || !vt || !p->mean || (o.standardize && !p->scale) || !p->scores ||
	    !p->components || !p->variance || !p->ratio)
		goto oom;
	if ((rc = prepare(x, n, d, a, p->mean, p->scale, err)) != GRYM_OK ||
	    (rc = svd(a, (int)d, (int)n, s, u, vt, err)) != GRYM_OK)
		goto fail;

	double total = 0;
	for (size_t j = 0; j < mn; j++)
		total += s[j] * s[j] / (double)(n - 1);
	for (int j = 0; j < p->k; j++) {
		/* svd_flip: the largest entry in magnitude (the first such)
		 * of the column of U (scores) or of the component, positive */
		double big = 0, sign = 1;
		if (o.sign == GRYM_PCA_SIGN_LOADINGS) {
			for (size_t i = 0; i < d; i++)
				if (fabs(u[i + (size_t)j * d]) > fabs(big))
					big = u[i + (size_t)j * d];
		} else {
			for (size_t i = 0; i < n; i++)
				if (fabs(vt[(size_t)j + i * mn]) > fabs(big))
					big = vt[(size_t)j + i * mn];
		}
		if (big < 0)
			sign = -1;
		for (size_t i = 0; i < d; i++)
			p->components[(size_t)j * d + i] = sign * u[i + (size_t)j * d];
		for (size_t i = 0; i < n; i++)
			p->scores[i * (size_t)p->k + (size_t)j] = sign * s[j] * vt[(size_t)j + i * mn];
		p->variance[j] = s[j] * s[j] / (double)(n - 1);
		p->ratio[j] = total > 0 ? p->variance[j] / total : 0;
	}
	free(a);
	free(s);
	free(u);
	free(vt);
	return p;
oom:
	grym_error_set(err, GRYM_ERR_NOMEM, "PCA: out of memory");
fail:
	free(a);
	free(s);
	free(u);
	free(vt);
	grym_pca_free(p);
	return NULL;
}
