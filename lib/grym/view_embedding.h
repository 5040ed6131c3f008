/*
 * view_embedding.h — the feature explorer's scatter plot: every asset's
 * summary vector placed by PCA (grym/ml_pca.h) in 2-D and 3-D, for
 * GET /api/embedding.
 */
#ifndef GRYM_VIEW_EMBEDDING_H
#define GRYM_VIEW_EMBEDDING_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_embedding_query {
	const char *const *features; /* nfeatures feature names ("mfcc"...):
					each asset's summaries of them, joined
					in this order, make its vector */
	size_t nfeatures;
	int standardize;             /* scale each column to unit variance
					first (else centred only, as
					scikit-learn's PCA) */
	int dims;                    /* 2 or 3 (0: 3) */
	const char *model;           /* NULL, or a model (name, id, prefix):
					each item gains its out-of-fold
					prediction by that model */
} grym_embedding_query;

/* The embedding as JSON text into *json (malloc'ed, caller frees):
 * {"items": [{"id","name","labels","x","y","z"}], "explained": [ratio of
 * the variance along each axis], "features": [...], "dims": vector
 * length, "standardized": bool, "skipped": N}. Items are the assets that
 * have a summary of every feature named, in catalog order; for an asset
 * with several sets of one feature, the newest. An asset that has the
 * first feature but lacks another, or whose summary of one differs in
 * length from the most common one (other extractor parameters), is left
 * out and counted in "skipped". "z" is there for 3 dims, and an
 * axis the data cannot give (fewer assets or columns than axes) is 0;
 * with fewer than 2 assets every coordinate is 0 and "explained" empty.
 * Signs follow scikit-learn 1.2's rule (grym/ml_pca.h). With a model,
 * each item also has "true", "predicted" and "correct" from the model's
 * out-of-fold predictions (null when the model did not test that
 * asset). GRYM_ERR_INVALID ("features: ...", "dims: ..."), the errors
 * of grym_catalog_model_json for the model, GRYM_ERR_DB, GRYM_ERR_NOMEM,
 * GRYM_ERR_INTERNAL (the SVD failed). */
int grym_view_embedding(grym_catalog *cat, const grym_embedding_query *q, char **json,
			grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
