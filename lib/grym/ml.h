/*
 * ml.h — grym's machine learning: datasets, models, evaluation, model files.
 *
 * Everything here is numerics on in-memory matrices; the stream and the
 * catalog stay in the stages (lib/stage: reading a training set from
 * records, a table or the catalog is grym/stage_train.h's).
 *
 *   grym_dataset   n x d float32 matrix (row-major) + class index per row,
 *                  label-name table, optional group ids and item keys.
 *   grym_model     a trained classifier (logreg, linsvm, svm, knn, mlp) or
 *                  clusterer (kmeans), with the standardization fitted on
 *                  its training rows, its labels and the recipe of its
 *                  inputs; saved as a grym-model(5) file.
 *   folds/metrics  stratified (optionally grouped) k-fold assignment,
 *                  holdout, cross-validation, accuracy, balanced accuracy,
 *                  macro F1, per-class scores, confusion matrix.
 *
 * Thread safety: a grym_model is read-only after training/loading, so any
 * number of threads may call grym_model_predict on it at once. Training
 * through liblinear/libsvm is serialized inside the library by one
 * process-wide mutex (those libraries use the global rand() and a global
 * print hook); every other model is trained without shared state.
 */
#ifndef GRYM_ML_H
#define GRYM_ML_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/progress.h"

#include "grym/rng.h"

#ifdef __cplusplus
extern "C" {
#endif


/* ---- dataset ---- */
typedef struct grym_dataset {
	size_t n, d;            /* rows, columns */
	float *x;               /* n * d, row-major */
	int *y;                 /* n class indices into labels, -1 = unlabelled */
	char **labels;          /* nlabels names, sorted (byte order) after finish */
	size_t nlabels;
	int *group;             /* n group indices into groups, or -1; NULL if none added */
	char **groups;          /* ngroups names */
	size_t ngroups;
	char **keys;            /* n item keys (may be NULL entries) */
	char **names;           /* d feature names, or NULL */
	int *split;             /* n: 0 test, 1 train, -1 none; NULL if no item had a split */
	/* Where each row comes from (grym_dataset_set_origin; NULL if never
	 * set): the item it was measured on (the record's asset, else its
	 * key), its window within that item (-1: the whole clip), the files
	 * it was read from (tab-separated), and, for a row whose item has
	 * several candidate labels (y = -1), those labels (tab-separated). */
	char **item;
	int *segment;
	char **origin;
	char **cand;
	char *recipe_item;      /* the item whose recipe ("pipeline") was recorded */
	size_t cap;
} grym_dataset;

grym_dataset *grym_dataset_new(size_t d, grym_error *err);
void grym_dataset_free(grym_dataset *ds);
/* Append one row (d floats, copied). label NULL: unlabelled; group NULL:
 * no group. NaN/Inf values fail with GRYM_ERR_FORMAT naming the column. */
int grym_dataset_add(grym_dataset *ds, const char *key, const float *row,
		     const char *label, const char *group, grym_error *err);
/* Set the d feature names (copied). */
int grym_dataset_set_names(grym_dataset *ds, const char *const *names, grym_error *err);
/* Mark row i as test (0) or train (1) for a split-column evaluation. */
int grym_dataset_set_split(grym_dataset *ds, size_t i, int split, grym_error *err);
/* Record where row i comes from (see the struct): item (NULL: the row is
 * its own item), segment (-1: whole clip), origin files (may be NULL)
 * and, when the item has several candidate labels, cand (a JSON array of
 * strings, NULL otherwise). */
int grym_dataset_set_origin(grym_dataset *ds, size_t i, const char *item, int segment,
			    const char *origin, const grym_json *cand, grym_error *err);

/* What to do with an item whose rows carry more than one label. */
typedef enum grym_conflict {
	GRYM_CONFLICT_REFUSE = 0,  /* an error naming the item, its labels and files */
	GRYM_CONFLICT_SKIP,        /* leave the item out */
	GRYM_CONFLICT_FIRST,       /* keep it under its first label */
	GRYM_CONFLICT_IGNORE       /* labels are not used (kmeans): the first, silently */
} grym_conflict;

/* Make every item count once, before grym_dataset_finish: rows of one
 * item and window that repeat an earlier one (the same file read twice,
 * a file copied under two names) are left out, the first kept; an item
 * whose rows name two or more labels is handled as `how` says. Each
 * skipped or relabelled item, and the count of repeats left out (with
 * the first), is passed to warn(ud, message). Labels no row uses any
 * more are dropped. */
int grym_dataset_resolve(grym_dataset *ds, grym_conflict how,
			 void (*warn)(void *ud, const char *msg), void *ud, grym_error *err);

/* When ds has no groups and some item has several rows (the windows of
 * grym-features --segment), group the rows by their item so that folds
 * never split a clip. Returns the number of groups made (0: nothing to
 * group), or a negative grym error code. */
int grym_dataset_group_by_item(grym_dataset *ds, grym_error *err);

/* With groups from --group-by FIELD: every item's rows must be in one
 * group (FIELD coarser than the clip); else an error naming an item, the
 * field and two of its groups. */
int grym_dataset_check_groups(const grym_dataset *ds, const char *field, grym_error *err);

/* Sort the label table (so class indices do not depend on input order)
 * and remap y. Call once after the last add. */
int grym_dataset_finish(grym_dataset *ds, grym_error *err);

/* ---- the analysis rates of a training set ---- */
/* The analysis rates of the items read ("rate" of each vector record, or
 * of the features of each catalog asset): distinct rates and their
 * counts. Zero-initialise. */
#define GRYM_RATE_TALLY_MAX 16
typedef struct grym_rate_tally {
	int rate[GRYM_RATE_TALLY_MAX];
	size_t count[GRYM_RATE_TALLY_MAX];
	int n;                  /* distinct rates */
	size_t unknown;         /* items without a rate */
	size_t other;           /* items at rates past the first GRYM_RATE_TALLY_MAX */
} grym_rate_tally;
void grym_rate_tally_add(grym_rate_tally *t, int rate);
/* The most common rate (a tie: the higher), 0 if none is known. */
int grym_rate_tally_mode(const grym_rate_tally *t);

/* ---- models ---- */
/* The model kinds. Each is one file of lib/ml (kind_NAME.c) found through
 * one registry (lib/ml/kinds.c) by this value; callers that need to know
 * about kinds ask the functions below rather than compare values. */
typedef enum grym_model_type {
	GRYM_MODEL_LOGREG = 0,
	GRYM_MODEL_LINSVM,
	GRYM_MODEL_SVM,
	GRYM_MODEL_KNN,
	GRYM_MODEL_MLP,
	GRYM_MODEL_KMEANS
} grym_model_type;
/* The number of kinds: types are 0 .. grym_model_type_count() - 1. */
int grym_model_type_count(void);
/* The kind's name ("logreg"; "?" for no kind), and the kind of a name
 * (GRYM_ERR_INVALID for none). */
const char *grym_model_type_name(grym_model_type t);
int grym_model_type_parse(const char *name, grym_model_type *t);
/* 1 for a classifier (trained on labels), 0 for a clusterer (kmeans: its
 * outputs are --k clusters, labels are not read) or no kind. */
int grym_model_type_supervised(grym_model_type t);
/* Whether the hyper-parameter that grym-train sets with --OPTION
 * (option "C", "max-iter", "class-weight"...) applies to the kind: 1 yes,
 * 0 no, -1 when OPTION is no hyper-parameter. A kind takes exactly the
 * hyper-parameters its model file records (grym_model_params_json). */
int grym_model_type_uses(grym_model_type t, const char *option);
/* Why OPTION does not apply to the kind when there is more to say than
 * which kinds it applies to (linsvm, "max-iter": "liblinear stops at 1000
 * iterations"); NULL otherwise. */
const char *grym_model_type_why_not(grym_model_type t, const char *option);

#define GRYM_MLP_MAX_LAYERS 8

typedef enum { GRYM_METRIC_EUCLIDEAN = 0, GRYM_METRIC_COSINE = 1 } grym_knn_metric;

/* Hyper-parameters. grym_ml_params_default() fills the defaults that
 * grym-train(1) documents. */
typedef struct grym_ml_params {
	grym_model_type type;
	double C;               /* logreg, linsvm, svm: inverse regularization (1) */
	int max_iter;           /* logreg L-BFGS iterations (1000), linsvm/svm (1000/-1), kmeans (300) */
	double tol;             /* logreg gradient tolerance (1e-6), liblinear eps (1e-4), svm (1e-3), kmeans (1e-4) */
	double gamma;           /* svm RBF gamma; <= 0 means 'scale' = 1/(d * var(X)) */
	int k;                  /* knn neighbours (5), kmeans clusters (8) */
	grym_knn_metric metric; /* knn distance */
	int hidden[GRYM_MLP_MAX_LAYERS]; /* mlp hidden layer sizes */
	int nhidden;            /* number of hidden layers (1: 100) */
	double dropout;         /* mlp dropout rate on hidden layers (0) */
	double alpha;           /* mlp L2 penalty (1e-4) */
	int epochs;             /* mlp maximum epochs (200) */
	int batch_size;         /* mlp mini-batch (200, capped at n) */
	double lr;              /* mlp Adam learning rate (1e-3) */
	double val_fraction;    /* mlp early-stopping validation split (0.1; 0 = off) */
	int patience;           /* mlp epochs without improvement before stopping (10) */
	int n_init;             /* kmeans restarts (3) */
	int balanced;           /* class_weight = balanced */
	uint64_t seed;          /* every random choice (0) */
	/* Called (may be NULL) when an iterative solver stops at its limit
	 * before converging, as scikit-learn's ConvergenceWarning: L-BFGS at
	 * max_iter, k-means at max_iter, mlp at epochs, liblinear and libsvm
	 * at their own limits. Not saved in model files. */
	void (*warn)(void *ud, const char *msg);
	void *warn_ud;
	/* Not saved either, and not kept by the trained model (grym/
	 * progress.h): once *cancel is set, training and cross-validation
	 * stop with GRYM_ERR_CANCELLED — L-BFGS at its next function
	 * evaluation, mlp at its next mini-batch, k-means at its next
	 * iteration, knn's predictions at their next block of rows;
	 * liblinear and libsvm have no such hook, so linsvm and svm are
	 * checked only before and after each call into them (one call
	 * trains every class): a cross-validation of them stops between
	 * folds. progress hears
	 * the fraction done: iterations of max_iter (logreg, kmeans),
	 * epochs of epochs (mlp), folds of a cross-validation. */
	const volatile sig_atomic_t *cancel;
	grym_progress_fn progress;
	void *progress_ud;
} grym_ml_params;
void grym_ml_params_default(grym_ml_params *p, grym_model_type t);

typedef struct grym_model grym_model;

/* Fit a model on the rows `rows` (nrows indices; NULL = all rows) of ds.
 * The standardization (mean, std; std 0 -> 1) is fitted on those rows
 * only. Supervised models need at least two classes among those rows and
 * no unlabelled row; kmeans ignores labels. Returns a new model, the
 * caller's to free with grym_model_free; NULL on failure, with err->code
 * GRYM_ERR_INVALID (bad hyper-parameters, no rows, fewer than two
 * classes, an unlabelled row, k above the rows), GRYM_ERR_CANCELLED once
 * *p->cancel is set, GRYM_ERR_NOMEM, GRYM_ERR_INTERNAL. */
grym_model *grym_model_train(const grym_ml_params *p, const grym_dataset *ds,
			     const size_t *rows, size_t nrows, grym_error *err) GRYM_MUST_CHECK;
void grym_model_free(grym_model *m);

grym_model_type grym_model_type_of(const grym_model *m);
size_t grym_model_dims(const grym_model *m);
/* Number of outputs: classes, or clusters for kmeans. */
size_t grym_model_nclasses(const grym_model *m);
/* Name of output i: a label, or the cluster number for kmeans. */
const char *grym_model_label(const grym_model *m, size_t i);
const grym_ml_params *grym_model_params(const grym_model *m);
/* Feature names (d) or NULL. */
const char *const *grym_model_feature_names(const grym_model *m);

/* Linear models (logreg, linsvm): the weights in the standardized
 * feature space, W (*rows x dims, row-major) and b (*rows); rows is 1 for
 * a binary model (positive = class 1), else the number of classes.
 * Borrowed pointers; GRYM_ERR_INVALID for other types. */
int grym_model_linear_weights(const grym_model *m, const double **W, const double **b,
			      size_t *rows, grym_error *err);

/* The hyper-parameters the model's type uses, as the JSON object of the
 * model header (new reference; NULL when out of memory): logreg C,
 * class_weight, max_iter, tol; linsvm C, class_weight, tol; svm C,
 * class_weight, gamma, tol; knn k, metric; mlp alpha, batch_size,
 * class_weight, dropout, epochs, hidden, lr, patience, tol,
 * val_fraction; kmeans k, max_iter, n_init, tol. */
grym_json *grym_model_params_json(const grym_model *m);

/* Attach the recipe of the inputs (the "pipeline" array of the records'
 * metadata) and the evaluation metrics (an object); both are copied and
 * go into the model file header. Either may be NULL. */
int grym_model_set_info(grym_model *m, const grym_json *pipeline, const grym_json *metrics,
			grym_error *err);
/* The sample rate the training features were computed at (0: unknown, a
 * model file from before grym recorded it). grym-infer resamples audio to
 * it and refuses feature records made at another. */
void grym_model_set_rate(grym_model *m, int rate);
int grym_model_rate(const grym_model *m);
/* GRYM_OK if features made at rate (a record's "rate"; 0: unknown) fit a
 * model trained at grym_model_rate; GRYM_ERR_INVALID otherwise, naming
 * both rates. Unknown on either side is not checked. */
int grym_model_check_rate(const grym_model *m, int rate, grym_error *err);
/* Borrowed references (NULL when unset). */
const grym_json *grym_model_pipeline(const grym_model *m);
const grym_json *grym_model_metrics(const grym_model *m);
/* What the model was trained on, the header's "training" object (NULL
 * for files written before it existed): "items"; "class_counts" {label:
 * items} for classifiers; "cluster_sizes" [items] and "inertia" (in the
 * standardized space) for kmeans — set by grym_model_train — and
 * "target" and "group_by" (null: none), set by grym_model_set_source. */
const grym_json *grym_model_training(const grym_model *m);
int grym_model_set_source(grym_model *m, const char *target, const char *group_by,
			  grym_error *err);
/* A readable account of the model (type, inputs, target, grouping,
 * classes with training counts or clusters with sizes and inertia,
 * hyper-parameters, evaluation, recipe): a malloc'ed string, NULL when
 * out of memory. */
char *grym_model_describe(const grym_model *m);

/* Match a table's header (ncols names) to the model's feature names:
 * map[j] (d entries) gets the column of feature j. A feature without a
 * column is GRYM_ERR_FORMAT naming the missing columns; a model without
 * feature names is GRYM_ERR_INVALID. Extra columns are ignored. */
int grym_model_match_columns(const grym_model *m, const char *const *header, size_t ncols,
			     size_t *map, grym_error *err);

/* GRYM_OK if input vectors of d dimensions fit the model, else
 * GRYM_ERR_INVALID "feature dimension D differs from the model's M". */
int grym_model_check_dims(const grym_model *m, size_t d, grym_error *err);

/* GRYM_OK if a record's "pipeline" (may be NULL) made its features the
 * way the model's training inputs were made: every stage named
 * "features" must be equal, key for key, in both (except "segment" and
 * "segment_hop": windows may be scored by a model of whole clips; and
 * "rate" when the model knows its training rate, which
 * grym_model_check_rate compares with the record's own; stages
 * that measure their input, like normalization, are not compared). A difference is
 * GRYM_ERR_INVALID naming the first differing key. A model or record
 * without a pipeline is not checked. */
int grym_model_check_recipe(const grym_model *m, const grym_json *pipeline, grym_error *err);

/* Predict n raw (unstandardized) rows x (n * dims floats). proba (n *
 * nclasses floats, may be NULL) gets class probabilities — for linsvm a
 * softmax/sigmoid of the decision values, for svm libsvm's Platt-scaled
 * estimates, for knn the vote shares, for kmeans 1 for the nearest
 * cluster and 0 elsewhere — and pred (n, may be NULL) the predicted
 * class: the arg-max of proba, except for svm, whose label is the
 * one-vs-one vote of its decision functions (libsvm's svm_predict,
 * scikit-learn's SVC.predict) and may differ from the most probable
 * class. Safe to call from many threads at once. The call allocates its
 * scratch once per call; pass batches, not rows. */
int grym_model_predict(const grym_model *m, const float *x, size_t n,
		       float *proba, int *pred, grym_error *err);

/* ---- grym-model(5) files ---- */
#define GRYM_MODEL_MAGIC "GRYMMODL"
#define GRYM_MODEL_VERSION 1
/* Serialize into a malloc'ed buffer (*buf, *len), byte-identical for the
 * same model. */
int grym_model_save(const grym_model *m, unsigned char **buf, size_t *len, grym_error *err);
/* Parse and check a model file image: magic, version, sizes, SHA-256,
 * header JSON and every array shape. Returns a new model, the caller's to
 * free with grym_model_free (buf stays the caller's); NULL on failure,
 * with err->code GRYM_ERR_FORMAT (not a model: bad magic),
 * GRYM_ERR_UNSUPPORTED (a newer format version), GRYM_ERR_CORRUPT
 * ("truncated", checksum, header or arrays), GRYM_ERR_NOMEM. */
grym_model *grym_model_load(const void *buf, size_t len, grym_error *err) GRYM_MUST_CHECK;
/* The same from the file at path: NULL with err->code GRYM_ERR_NOTFOUND
 * when there is no such file, GRYM_ERR_IO when it cannot be read, else as
 * grym_model_load. */
grym_model *grym_model_load_file(const char *path, grym_error *err) GRYM_MUST_CHECK;

/* ---- L-BFGS (exposed for tests and other modules) ---- */
/* f(x) returned, gradient written to g. Return NAN to signal failure. */
typedef double (*grym_lbfgs_fn)(void *ud, const double *x, double *g);
typedef struct grym_lbfgs_opts {
	int m;              /* history pairs (10) */
	int max_iter;       /* (1000) */
	double gtol;        /* stop when max |g_i| <= gtol (1e-6) */
	double ftol;        /* stop when (f_k - f_k+1) / max(|f_k|,|f_k+1|,1) <= ftol (1e-12) */
	int max_ls;         /* line-search evaluations per iteration (40) */
	const volatile sig_atomic_t *cancel; /* checked every evaluation of f:
			       GRYM_ERR_CANCELLED (NULL: never) */
	grym_progress_fn progress; /* iterations done of max_iter (NULL: none) */
	void *progress_ud;
} grym_lbfgs_opts;
void grym_lbfgs_opts_default(grym_lbfgs_opts *o);
/* Minimize f from x (n doubles, updated in place). *iters (may be NULL)
 * gets the iterations done, *fx the final value. Returns GRYM_OK on
 * convergence or when max_iter is reached, an error when the function
 * fails or the line search cannot make progress from the first step. */
int grym_lbfgs(grym_lbfgs_fn f, void *ud, double *x, size_t n, const grym_lbfgs_opts *o,
	       int *iters, double *fx, grym_error *err);

/* ---- evaluation ---- */
/* Stratified k-fold: fold[i] in [0, k) for every labelled row; every
 * class split as evenly as possible; deterministic with seed. A class
 * with fewer than k rows is an error naming it. */
int grym_folds_stratified(const grym_dataset *ds, int k, uint64_t seed, int *fold,
			  grym_error *err);
/* Grouped stratified k-fold (as scikit-learn's StratifiedGroupKFold):
 * whole groups go to one fold, greedily placed (largest class imbalance
 * first) where the per-class proportions across folds stay most even.
 * Needs ds->group for every row and at least k groups. */
int grym_folds_grouped(const grym_dataset *ds, int k, uint64_t seed, int *fold,
		       grym_error *err);
/* Stratified holdout: fold[i] = 0 (test) for round(fraction * n_c) items
 * of each class c (at least one, leaving at least one to train), 1
 * (train) for the rest; grouped when ds->group is set. */
int grym_folds_holdout(const grym_dataset *ds, double fraction, uint64_t seed, int *fold,
		       grym_error *err);
/* Grouped holdout: whole groups, chosen so that the test set comes as
 * close as it can to fraction of the items and then to fraction of each
 * class, every class keeping a training item (holdout.c). */
int grym_folds_holdout_grouped(const grym_dataset *ds, double fraction, uint64_t seed, int *fold,
			       grym_error *err);

typedef struct grym_metrics {
	size_t nclasses;
	size_t n;               /* items scored */
	double accuracy, balanced_accuracy, macro_f1;
	double *precision, *recall, *f1;  /* nclasses each */
	int64_t *support;       /* nclasses */
	int64_t *confusion;     /* nclasses * nclasses, [true][pred] */
} grym_metrics;
/* Score predictions pred against truth y (n items; rows with y < 0 or
 * pred < 0 are skipped), as scikit-learn does (zero_division=0): balanced
 * accuracy averages recall over the classes with items, macro F1 averages
 * F1 over the classes true or predicted in these n items. m must be
 * zeroed or cleared first. */
int grym_metrics_compute(grym_metrics *m, const int *y, const int *pred, size_t n,
			 size_t nclasses, grym_error *err);
void grym_metrics_clear(grym_metrics *m);
/* {"accuracy","balanced_accuracy","macro_f1","labels","confusion",
 *  "per_class":[{"label","precision","recall","f1","support"}],"n"} */
grym_json *grym_metrics_json(const grym_metrics *m, const char *const *labels);
/* A readable table (malloc'ed string, C locale numbers). */
char *grym_metrics_table(const grym_metrics *m, const char *const *labels);

/* Train on rows whose fold differs from f and predict the rows of fold f,
 * for f = 0..ntest-1 (ntest = k for k-fold, 1 for a holdout where fold 1
 * is train only). pred gets the out-of-fold prediction of every tested
 * row (-1 for rows never tested). */
int grym_ml_cross_validate(const grym_ml_params *p, const grym_dataset *ds, const int *fold,
			   int ntest, int *pred, grym_error *err);
/* The same, and proba (n * nlabels, may be NULL) gets each tested row's
 * out-of-fold class probabilities (NaN for rows never tested). */
int grym_ml_cross_validate_proba(const grym_ml_params *p, const grym_dataset *ds, const int *fold,
				 int ntest, int *pred, float *proba, grym_error *err);
/* The out-of-fold predictions as a TSV table (malloc'ed, *len bytes):
 * a header "key fold true predicted LABEL..." then one line per tested
 * row in input order: its key, its test fold (0 for a holdout or split
 * column), true and predicted labels, and one probability per class
 * (%.6f). NULL when out of memory. */
char *grym_predictions_tsv(const grym_dataset *ds, const int *fold, const int *pred,
			   const float *proba, size_t *len);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
