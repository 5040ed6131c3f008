/*
 * train_params.h — the train stage's parameters, as one table
 * (grym/schema.h): what grym-train takes as options, what the HTTP API
 * accepts, and `grym-train --schema`. The hyper-parameters are those of
 * grym_ml_params; which model kinds take each one is lib/ml's to say
 * (grym_model_type_uses), and the schema asks it ("x-grym-applies").
 */
#ifndef GRYM_TRAIN_PARAMS_H
#define GRYM_TRAIN_PARAMS_H
#pragma GCC visibility push(default)

#include "grym/ml.h"
#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything a train run is given. ml is first: the table's
 * hyper-parameters (and --model, --seed) are its fields. Those whose
 * default depends on the kind (--max-iter, --tol, --k) hold the table's
 * default, which no option can give (0, NaN), until
 * grym_train_params_ml puts the kind's in its place. */
typedef struct grym_train_params {
	grym_ml_params ml;              /* the kind, its hyper-parameters, the seed */
	char *output;                   /* -o FILE */
	char *target;                   /* the label field */
	int cv;                         /* K-fold cross-validation (0: none) */
	double holdout;                 /* holdout fraction (0: none) */
	char *group_by;                 /* keep items sharing it in one fold */
	int on_conflict;                /* grym_conflict: refuse, skip, first */
	char *folds_out, *predictions;  /* files of the evaluation */
	char *show;                     /* --show MODEL: print it, train nothing */
	char *name;                     /* the model's name in the catalog */
	int json, tsv;
	char *labels;                   /* labels of a .npy matrix */
	char *features;                 /* train on catalog feature sets */
	grym_strings label;             /* with --features: assets with these labels */
	char *split;                    /* with --features: assets of this split */
} grym_train_params;

/* The table: every option of grym-train, in the order --help lists them.
 * Its kind parameter is "model"; a parameter's kinds come from lib/ml
 * (the hyper-parameters each kind uses; --cv, --holdout and --group-by
 * only for the supervised ones). */
const grym_schema *grym_train_schema(void);

/* The hyper-parameters a run trains with: the kind's defaults
 * (grym_ml_params_default), over which every hyper-parameter of tp that
 * the kind uses is laid, unless it holds the table's "the kind's
 * default". The seed too; warn, cancel and progress are left unset. */
void grym_train_params_ml(const grym_train_params *tp, grym_ml_params *p);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
