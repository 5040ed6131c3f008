/*
 * features_params.h — the features stage's parameters, as one table
 * (grym/schema.h): what grym-features takes as options, what its recipe
 * holds, what the HTTP API accepts, and `grym-features --schema`.
 */
#ifndef GRYM_FEATURES_PARAMS_H
#define GRYM_FEATURES_PARAMS_H
#pragma GCC visibility push(default)

#include "grym/features.h"
#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything a features run is given. plan is first, so the table's
 * recipe parameters lie at the same offsets in a grym_features_plan. */
typedef struct grym_features_params {
	grym_features_plan plan;        /* what shapes the numbers */
	int jobs;                       /* inputs analysed in parallel */
	int recompute;                  /* catalog mode: ignore cached sets */
	int verify;                     /* hash every object in full before use */
	int list_given;                 /* --features was given (not only flags) */
	int text;                       /* records in the text form */
	char *npy;                      /* write DIR/KEY.FEATURE.npy */
	char *output;                   /* -o FILE */
} grym_features_params;

/* The table: every option of grym-features, in the order --help lists
 * them. */
const grym_schema *grym_features_schema(void);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
