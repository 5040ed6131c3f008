/*
 * stage_train.h — the train stage (grym-train) as one library call, and
 * the readers that fill its training set.
 *
 *   grym_train_sink sink = { .ud = ui, .evaluated = show_table, .done = say };
 *   rc = grym_stage_train(&env, sources, &params, &sink, &err);
 *
 * The stage reads its training set (vector records, a TSV table or a
 * .npy matrix from sources; or, with params->features, the feature sets
 * stored in env->catalog_dir), scores the model as params say (--cv,
 * --holdout, or the data's split column), refits it on all the data,
 * writes the files params name (-o, --folds-out, --predictions) and
 * stores the model, with its out-of-fold predictions, in the catalog.
 * It prints nothing: what a user is told comes through env's callbacks
 * and the sink.
 */
#ifndef GRYM_STAGE_TRAIN_H
#define GRYM_STAGE_TRAIN_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/ml.h"
#include "grym/stage.h"
#include "grym/train_params.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_sources grym_sources;
typedef struct grym_stream_reader grym_stream_reader;
typedef struct grym_input grym_input;
typedef struct grym_catalog grym_catalog;

/* ---- filling a dataset from grym records or a TSV table ---- */
typedef struct grym_ml_read_opts {
	const char *target;     /* label field (meta "meta".FIELD or meta FIELD); NULL: the
				   record's single "labels" entry (more than one is an error) */
	const char *group_by;   /* group field, or NULL */
	int need_labels;        /* an item without a label is an error */
	grym_rate_tally *rates; /* if set, each item's analysis rate is tallied */
} grym_ml_read_opts;

/* Append every vector record of r to *ds (created from the first record's
 * dimension when *ds is NULL). A record's "split" manifest column
 * ("test"/"eval" = test, else train) is kept in ds->split, its asset,
 * window, files and candidate labels (when it has several) in the
 * origin fields (grym_dataset_resolve settles them). *pipeline (may be
 * NULL) gets a new reference to the first record's "pipeline" array.
 * Errors name the record ("item KEY: ..."): a matrix of several frames,
 * a dimension that differs, NaN/Inf, a missing label or group, a
 * "pipeline" that differs from the first record's (naming both items and
 * the first differing key). */
int grym_dataset_read_records(grym_stream_reader *r, const grym_ml_read_opts *o,
			      grym_dataset **ds, grym_json **pipeline, grym_error *err);
/* A tab-separated table with a header row: the column named o->target
 * holds the label ("label" if target is NULL), o->group_by the group, a
 * column named "key", "id" or "path" the item key, "split" the split;
 * columns named "label", "target" or "group" are never features either
 * (under --target the old label column would give the answer away);
 * every other column is a numeric feature (its header is its name).
 * Errors name the line and column. */
int grym_dataset_read_tsv(grym_input *in, const grym_ml_read_opts *o, grym_dataset **ds,
			  grym_error *err);

/* ---- filling a dataset from feature sets stored in the catalog ---- */
typedef struct grym_ml_catalog_sel {
	const char *features;   /* NAME or NAME1,NAME2 (concatenated in that order) */
	const char *const *labels; /* only assets with one of these labels */
	size_t nlabels;         /* 0: any label */
	const char *split;      /* only assets whose meta "split" is this (NULL: any) */
} grym_ml_catalog_sel;

/* Append one vector per selected asset to *ds (created when NULL): the
 * stored summaries (per dimension mean then std) of its feature sets
 * named in s->features, concatenated -- the vector, names and "pipeline"
 * (the asset's recipe chain, then the features stage in summary form)
 * that `grym-features --features NAMES --summary` gives the same asset.
 * Labels, groups and the split column follow the records' rules (o),
 * read from the asset's labels and meta. Selected, in catalog order, are
 * assets with one of the labels and the split that have no derived child (a normalised source is
 * represented by its derivative). An asset without one of the features
 * is passed to skip(ud, message) and left out (*nskipped counts them);
 * an asset holding a feature under two extractor recipes, or assets
 * whose pipelines differ, is an error naming the asset. */
int grym_dataset_read_catalog(grym_catalog *cat, const grym_ml_catalog_sel *s,
			      const grym_ml_read_opts *o, grym_dataset **ds, grym_json **pipeline,
			      void (*skip)(void *ud, const char *msg), void *ud,
			      size_t *nskipped, grym_error *err);

/* ---- the stage ---- */

/* What the stage hands its sink. Every pointer is borrowed, valid during
 * the callback only; fields are filled in as the run gets to them. */
typedef struct grym_train_result {
	/* the training set, read, resolved and finished (from data() on) */
	const grym_dataset *ds;
	const grym_rate_tally *rates;   /* the analysis rates of its items (in data()) */
	int rate;                       /* the one the model records: the most common */
	int evaluate;                   /* 1: the model is scored before its final fit
					   (--cv, --holdout, or a split column) */
	const char *kind;               /* the model kind's name */
	int supervised;                 /* a classifier (0: clusters) */
	/* the evaluation (from evaluated() on) */
	const char *evaluation;         /* "cv", "grouped-cv", "holdout", "split", or NULL */
	int folds;                      /* the folds scored (1: holdout or split) */
	const char *group_by;           /* what the folds kept together ("asset": the
					   windows of one clip), or NULL */
	double tested;                  /* holdout or split: the share of items tested */
	const grym_json *metrics;          /* the scores, as the model file records them */
	const char *table;              /* the scores as a text table (NULL: out of memory) */
	/* the model (in done()) */
	const grym_model *model;
	const unsigned char *bytes;     /* its grym-model(5) file */
	size_t len;
	const char *model_id;           /* its id in the catalog; "" when not stored */
} grym_train_result;

/* Where the results go, each callback optional (NULL), called on the
 * calling thread in this order: data() once the training set is read
 * (a non-zero return, with err filled, stops the run with that status);
 * evaluated() once the model is scored, if it is; done() at the end,
 * after the files and the catalog row are written (also when one of
 * them failed: that failure went to env->failed). */
typedef struct grym_train_sink {
	void *ud;
	int (*data)(void *ud, const grym_train_result *r, grym_error *err);
	void (*evaluated)(void *ud, const grym_train_result *r);
	void (*done)(void *ud, const grym_train_result *r);
	int read_only;                  /* 1: the catalog is only read (--features
					   from the default catalog): the model is not stored */
} grym_train_sink;

/* Train the model params describe (validated by the table, the
 * hyper-parameters given over the kind's defaults by
 * grym_train_params_ml) on src's items — vector records, a TSV table,
 * a .npy matrix with params->labels — or, when params->features is set,
 * on the feature sets stored in env->catalog_dir (src NULL). The model
 * is scored, refitted on all the data and handed to sink->done; it is
 * written to params->output, and stored in env->catalog_dir (when set
 * and not sink->read_only) with its out-of-fold predictions. Progress
 * goes to env->progress as one unit (total 1: the folds, then the final
 * fit, "fold 2/5: epoch 31/200"), solver warnings and notes to
 * env->info, assets without the features asked for and an output or
 * catalog row that could not be written to env->failed. Returns
 * GRYM_OK; GRYM_ERR_INVALID for parameters that do not go together or
 * data that cannot be trained on (no vectors, one class, labels
 * missing), with err naming the input ("training data: ...", "ITEM:
 * ...", "catalog: ..."); GRYM_ERR_CANCELLED once *env->cancel is set
 * (within a mini-batch or an iteration; liblinear and libsvm between
 * folds), leaving no file, no object and no model row. */
int grym_stage_train(grym_stage_env *env, grym_sources *src, const grym_train_params *params,
		     const grym_train_sink *sink, grym_error *err);

/* The report of a run as one JSON object (grym-train --json; new
 * reference, NULL when out of memory): the metrics when scored, "model"
 * (the kind), "items", "dims", "seed", "labels" when not scored,
 * "output" and "model_id" when written. */
grym_json *grym_train_result_json(const grym_train_result *r, const grym_train_params *params);

/* The model named by name (grym-train --show): a model file, else — when
 * catalog_dir is set — a model of that catalog by id, id prefix or name,
 * its object's bytes checked. Returns a new model, the caller's to free
 * with grym_model_free; NULL on failure, with err->code
 * GRYM_ERR_NOTFOUND when neither has it, GRYM_ERR_CORRUPT for a damaged
 * model object, else the error of grym_model_load_file or of the
 * catalog. */
grym_model *grym_train_load_model(const char *catalog_dir, const char *name, grym_error *err)
	GRYM_MUST_CHECK;

/* A model as grym-train --show --json gives it (new reference, NULL
 * when out of memory): "type", "dims", "labels", "params", "training",
 * "metrics", "pipeline" (null when the model has none). */
grym_json *grym_train_model_json(const grym_model *m);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
