/*
 * kind.h — a model kind (logreg, svm, kmeans...): everything lib/ml knows
 * about one kind of model, in one struct, so that the rest of lib/ml
 * (model.c: training, prediction, the grym-model(5) file; params.c: the
 * hyper-parameters; describe.c) works through this table and knows no
 * kind by name.
 *
 * Each kind lives in its own file, kind_NAME.c, exporting one
 * `const grym_model_kind ml_kind_NAME`; the registry (kinds.c) lists them
 * at their grym_model_type. A new kind is kind_NAME.c, a value in
 * grym_model_type (grym/ml.h) and its line in the registry.
 *
 * What a kind saves: its hyper-parameters (the ML_HP_* bits of `hyper`,
 * written into the header's "params") and the named arrays its train adds
 * to the model (ml_array_add); the file layout itself is generic
 * (model.c). What it loads: the generic reader fills the hyper-parameters
 * and the arrays, then the kind's validate checks them and its load, if
 * any, builds what predict needs from them.
 */
#ifndef GRYM_ML_KIND_H
#define GRYM_ML_KIND_H

#include "ml_internal.h"

/* The hyper-parameters (grym_ml_params fields) a kind may use: index i is
 * bit 1 << i. params.c names each one (the model header's key, the
 * grym-train option). */
enum {
	ML_HPI_C, ML_HPI_CLASS_WEIGHT, ML_HPI_MAX_ITER, ML_HPI_TOL, ML_HPI_GAMMA, ML_HPI_K,
	ML_HPI_METRIC, ML_HPI_N_INIT, ML_HPI_HIDDEN, ML_HPI_DROPOUT, ML_HPI_ALPHA,
	ML_HPI_EPOCHS, ML_HPI_BATCH_SIZE, ML_HPI_LR, ML_HPI_VAL_FRACTION, ML_HPI_PATIENCE,
	ML_HP_COUNT
};
#define ML_HP(name) (1u << ML_HPI_##name)

/* flags */
#define ML_KIND_CLUSTERER 1u   /* unsupervised: labels are not read, its outputs
				  are p->k clusters named "0".."k-1" */

struct grym_model_kind {
	/* --model NAME and the file header's "type" */
	const char *name;
	unsigned flags;
	/* ML_HP() bits: the hyper-parameters it uses, the only ones its
	 * model file records and grym-train accepts for it */
	unsigned hyper;
	/* why a hyper-parameter it does not use does not apply, when there is
	 * more to say (linsvm's max_iter: liblinear's own limit); else NULL */
	const char *why_not[ML_HP_COUNT];

	/* Required. */
	/* its defaults over the common ones (grym_ml_params_default) */
	void (*defaults)(grym_ml_params *p);
	/* fit on xs, the standardized training rows (n x m->d), and y, their
	 * classes (0..m->nclasses-1; a clusterer ignores them): set the
	 * model's arrays (ml_array_add) and any hyper-parameter it settles
	 * (svm: gamma 'scale') */
	int (*train)(grym_model *m, const float *xs, const int *y, size_t n, grym_error *err);
	/* class probabilities of n standardized rows: proba is n x nclasses,
	 * zeroed */
	int (*predict)(const grym_model *m, const float *xs, size_t n, float *proba,
		       grym_error *err);
	/* the arrays and hyper-parameters of a loaded model, against its dims
	 * and classes: after it, no predict reads or writes out of bounds
	 * whatever the file said */
	int (*validate)(const grym_model *m, grym_error *err);

	/* Optional (NULL: none). */
	/* hyper-parameter checks beyond the common ones, for training and for
	 * a file's header alike */
	int (*check)(const grym_ml_params *p, grym_error *err);
	/* the predicted classes when they are not the arg-max of predict's
	 * probabilities (svm: the one-vs-one vote of its decision functions);
	 * predict then runs only when probabilities are asked for */
	int (*decision)(const grym_model *m, const float *xs, size_t n, int *pred,
			grym_error *err);
	/* build what predict needs from the arrays (svm: a libsvm model view),
	 * after train and after a file's arrays pass validate; unload frees
	 * it (m->cache) */
	int (*load)(grym_model *m, grym_error *err);
	void (*unload)(grym_model *m);
	/* what the training rows were, into the header's "training" object t
	 * ("items" is there already); NULL: "class_counts" {label: items} */
	int (*summarize)(const grym_model *m, const float *xs, const int *y, size_t n,
			 json_t *t);
	/* a linear model's weights (grym_model_linear_weights) */
	int (*weights)(const grym_model *m, const double **W, const double **b, size_t *rows);
};

/* kinds.c: the registry. The kind of type t, NULL when t is none; the
 * kind called name (and *t, may be NULL, its type), NULL when none is;
 * the kinds' names as a list for messages ("logreg, linsvm, ..."). */
const grym_model_kind *ml_kind_of(grym_model_type t);
const grym_model_kind *ml_kind_named(const char *name, grym_model_type *t);
void ml_kind_list(char *buf, size_t len);

/* params.c: the index (ML_HPI_*) of the hyper-parameter that grym-train
 * sets with --OPTION ("max-iter"), -1 for none. */
int ml_hp_index(const char *option);
/* The header's "params" object for p (the hyper-parameters of
 * its kind), new reference; NULL when out of memory. */
json_t *ml_params_json(const grym_ml_params *p);
/* Fill p (defaults of its kind already set) from a header's "params":
 * every key optional, older files hold them all. */
int ml_params_parse(json_t *o, grym_ml_params *p, grym_error *err);
/* The common checks, then the kind's. */
int ml_params_check(const grym_ml_params *p, grym_error *err);

/* linear.c: what logreg and linsvm share: arrays "W" (rows x d, one row
 * for two classes, else one per class) and "b" (1 x rows), float64. */
int ml_linear_predict(const grym_model *m, const float *xs, size_t n, float *proba,
		      grym_error *err);
int ml_linear_validate(const grym_model *m, grym_error *err);
int ml_linear_weights(const grym_model *m, const double **W, const double **b, size_t *rows);

#endif
