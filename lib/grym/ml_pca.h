/*
 * ml_pca.h — principal component analysis of a matrix of vectors (the
 * summary vectors of assets, for the UI's feature explorer), computed as
 * scikit-learn's PCA(svd_solver="full") computes it, so the two can be
 * compared number for number: the rows are centred (each column's mean
 * removed) and, only when asked, scaled to unit variance (what
 * StandardScaler then PCA gives: the population standard deviation, a
 * constant column left unscaled); scikit-learn's PCA itself centres but
 * never scales. The axes come from the SVD of the centred matrix
 * (LAPACK's dgesdd, which OpenBLAS ships), in double precision.
 *
 * Signs: an SVD axis may be flipped. scikit-learn makes it unique with
 * svd_flip, whose rule changed: up to 1.4 (1.2 in Debian 12) the largest
 * entry in magnitude of each column of U, the scores, is made positive;
 * from 1.5 the largest entry of each component (loading vector).
 * GRYM_PCA_SIGN_SCORES is the first and the default, matching the
 * scikit-learn the tests run; GRYM_PCA_SIGN_LOADINGS the second.
 */
#ifndef GRYM_ML_PCA_H
#define GRYM_ML_PCA_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum grym_pca_sign {
	GRYM_PCA_SIGN_SCORES = 0,  /* scikit-learn <= 1.4: svd_flip(u_based_decision=True) */
	GRYM_PCA_SIGN_LOADINGS = 1 /* scikit-learn >= 1.5: svd_flip(u_based_decision=False) */
} grym_pca_sign;

typedef struct grym_pca_opts {
	int components;     /* axes wanted, 0: 2; fewer come back when the
			       matrix has fewer (min(n, d)) */
	int standardize;    /* non-zero: scale each column to unit variance */
	grym_pca_sign sign;
} grym_pca_opts;

/* A fitted PCA; every array is owned by the struct. */
typedef struct grym_pca {
	size_t n, d;        /* the input's rows and columns */
	int k;              /* axes computed */
	double *scores;     /* n x k, row-major: each row's coordinates */
	double *components; /* k x d, row-major: each axis, unit length */
	double *mean;       /* d: the column means removed */
	double *scale;      /* d: the scales divided by, NULL unless standardized */
	double *variance;   /* k: variance along each axis (n - 1 in the divisor) */
	double *ratio;      /* k: its share of the total variance (0 when the
			       total is 0: all rows equal) */
} grym_pca;

/* Fit a PCA to x (n rows of d floats, row-major; not kept) with opts
 * (NULL: defaults). Returns a new grym_pca (grym_pca_free), or NULL with
 * err set: GRYM_ERR_INVALID for fewer than 2 rows, no column, a
 * non-finite value or a component count below 0; GRYM_ERR_LIMIT for a
 * matrix too large for LAPACK's int indices; GRYM_ERR_NOMEM;
 * GRYM_ERR_INTERNAL when the SVD does not converge. */
grym_pca *grym_pca_new(const float *x, size_t n, size_t d, const grym_pca_opts *opts,
		       grym_error *err) GRYM_MUST_CHECK;
void grym_pca_free(grym_pca *p);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
