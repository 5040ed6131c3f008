/*
 * ml_internal.h — what the files of lib/ml share and nobody else sees:
 * the grym_model struct (a list of named arrays plus the fitted
 * standardization), the per-model trainers and predictors, and the one
 * process-wide lock for liblinear/libsvm.
 *
 * A model's parameters live in named arrays (float32 or float64) so that
 * saving and loading (model.c) is one generic loop over them; each model
 * type reads its arrays back by name.
 */
#ifndef GRYM_ML_INTERNAL_H
#define GRYM_ML_INTERNAL_H

#include <stddef.h>
#include "grym/ml.h"

enum { ML_F32 = 0, ML_F64 = 1, ML_I32 = 2 };

typedef struct ml_array {
	char name[32];
	int dtype;              /* ML_F32, ML_F64, ML_I32 */
	size_t rows, cols;
	void *data;             /* rows * cols elements, owned */
} ml_array;

#define ML_MAX_ARRAYS 40

struct grym_model {
	grym_ml_params p;
	size_t d, nclasses;
	char **labels;          /* nclasses */
	char **names;           /* d or NULL */
	double *mean, *scale;   /* d each: x_std = (x - mean) / scale */
	json_t *pipeline, *metrics;
	json_t *training;       /* what it was trained on (header "training"), or NULL */
	ml_array arr[ML_MAX_ARRAYS];
	int narr;
	void *cache;            /* type-specific view built after training/loading (svm) */
};

/* Add an array (zeroed, owned by the model); returns its data or NULL. */
void *ml_array_add(grym_model *m, const char *name, int dtype, size_t rows, size_t cols,
		   grym_error *err);
/* Find an array by name with the given dtype and shape (cols 0 = any). */
const ml_array *ml_array_get(const grym_model *m, const char *name, int dtype);

/* Class weights: balanced (n / (k * count_c)) or all 1. w has k entries. */
void ml_class_weights(const int *y, size_t n, size_t k, int balanced, double *w);

/* Trainers: xs is the standardized training matrix (n x d, row-major),
 * y the class indices (0..k-1). They add their arrays to m. */
int ml_logreg_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err);
int ml_linsvm_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err);
int ml_svm_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err);
int ml_knn_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err);
int ml_mlp_train(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err);
int ml_kmeans_train(grym_model *m, const float *xs, size_t n, grym_error *err);

/* Build the type-specific cache after train/load (svm: a libsvm model
 * view of the arrays); free it. */
int ml_svm_prepare(grym_model *m, grym_error *err);
void ml_svm_release(grym_model *m);

/* Predictors on standardized rows xs (n x d): proba n x nclasses. */
int ml_linear_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err);
/* svm: proba (may be NULL) the Platt probabilities, pred (may be NULL)
 * the one-vs-one vote of the decision functions; they may disagree. */
int ml_svm_predict(const grym_model *m, const float *xs, size_t n, float *proba, int *pred,
		   grym_error *err);
int ml_knn_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err);
int ml_mlp_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err);
int ml_kmeans_predict(const grym_model *m, const float *xs, size_t n, float *proba, grym_error *err);

/* Squared distances of n rows a to k rows b (d columns) through sgemm:
 * out n x k. an2 / bn2 are the rows' squared norms (computed if NULL). */
void ml_sqdist(const float *a, size_t n, const float *b, size_t k, size_t d, float *out);

/* rows.c: one row's dot product and squared distance, summed in a fixed
 * order whatever the batch (predictors use these, not BLAS, so that
 * batching and threads never change an output bit). */
double ml_row_dot(const float *a, const float *b, size_t d);
double ml_row_dot_f64(const float *a, const double *b, size_t d);
double ml_row_sqdist(const float *a, const float *b, size_t d);

/* liblinear and libsvm: global rand() and print hooks. */
void ml_foreign_lock(void);
void ml_foreign_unlock(void);

/* records.c, shared with catalog_select.c: the stream's metadata rules.
 * A field of meta["meta"] or meta (as text in buf; NULL if absent), the
 * item's label (--target or its single "labels" entry), and a split
 * column's value ("test"/"eval": 0, else 1). An item with several
 * labels and no --target gets *label NULL and *cands its labels. */
const char *grym_ml_field(json_t *meta, const char *name, char *buf, size_t len);
int grym_ml_label_of(json_t *meta, const char *key, const grym_ml_read_opts *o, char *buf,
		     size_t len, const char **label, const json_t **cands, grym_error *err);
/* How recipe (pipeline array) a differs from b: "STAGE KEY A, not B". */
void ml_recipe_diff(const json_t *a, const json_t *b, char *buf, size_t len);
int grym_ml_split_of(const char *s);

/* dataset.c: the index of label in ds's label table, added if absent
 * (-1 when out of memory). */
int ml_dataset_label_index(grym_dataset *ds, const char *label);

#endif
