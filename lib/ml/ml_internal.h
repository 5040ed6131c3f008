/*
 * ml_internal.h — what the files of lib/ml share and nobody else sees:
 * the grym_model struct (a list of named arrays plus the fitted
 * standardization), the helpers the model kinds share, and the one
 * process-wide lock for liblinear/libsvm. What one kind of model is
 * (train, predict, validate...) is in kind.h.
 *
 * A model's parameters live in named arrays (float32, float64 or int32)
 * so that saving and loading (model.c) is one generic loop over them;
 * each kind reads its arrays back by name.
 */
#ifndef GRYM_ML_INTERNAL_H
#define GRYM_ML_INTERNAL_H

#include <jansson.h>
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

typedef struct grym_model_kind grym_model_kind;

struct grym_model {
	const grym_model_kind *kind;   /* of p.type (kind.h) */
	grym_ml_params p;
	size_t d, nclasses;
	char **labels;          /* nclasses */
	char **names;           /* d or NULL */
	double *mean, *scale;   /* d each: x_std = (x - mean) / scale */
	json_t *pipeline, *metrics;
	json_t *training;       /* what it was trained on (header "training"), or NULL */
	int rate;               /* analysis rate of the training features, 0: unknown */
	ml_array arr[ML_MAX_ARRAYS];
	int narr;
	void *cache;            /* the kind's view built after training/loading (svm), or NULL */
};

/* Add an array (zeroed, owned by the model); returns its data or NULL. */
void *ml_array_add(grym_model *m, const char *name, int dtype, size_t rows, size_t cols,
		   grym_error *err);
/* Find an array by name with the given dtype and shape (cols 0 = any). */
const ml_array *ml_array_get(const grym_model *m, const char *name, int dtype);

/* Class weights: balanced (n / (k * count_c)) or all 1. w has k entries. */
void ml_class_weights(const int *y, size_t n, size_t k, int balanced, double *w);

/* rows.c: one row's dot product and squared distance, summed in a fixed
 * order whatever the batch (predictors use these, not BLAS, so that
 * batching and threads never change an output bit). */
double ml_row_dot(const float *a, const float *b, size_t d);
double ml_row_dot_f64(const float *a, const double *b, size_t d);
double ml_row_sqdist(const float *a, const float *b, size_t d);

/* foreign.c: liblinear and libsvm use the global rand() and print
 * hooks. Every call into them holds this lock: ml_foreign_lock takes it
 * and clears the iteration-limit flag that ml_foreign_print (their print
 * hook) sets; ml_foreign_unlock releases it and says whether the flag
 * was set meanwhile. */
void ml_foreign_lock(void);
int ml_foreign_unlock(void);
void ml_foreign_print(const char *s);

/* dataset.c: the index of label in ds's label table, added if absent
 * (-1 when out of memory). */
int ml_dataset_label_index(grym_dataset *ds, const char *label);

/* model.c: grym_model_train as a status, the model in *out (NULL on
 * failure), for eval.c's folds, which act on the status (a cancel is
 * not prefixed) also when their caller passed no err. */
int ml_model_train(const grym_ml_params *p, const grym_dataset *ds, const size_t *rows,
		   size_t nrows, grym_model **out, grym_error *err);

#endif
