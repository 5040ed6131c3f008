/*
 * infer_params.h — the infer stage's parameters, as one table
 * (grym/schema.h): what grym-infer takes as options, what the HTTP API
 * accepts, and `grym-infer --schema`. Inference makes no recipe of its
 * own: what shapes its numbers is the model's (its pipeline and its
 * hyper-parameters), chosen by --model.
 */
#ifndef GRYM_INFER_PARAMS_H
#define GRYM_INFER_PARAMS_H
#pragma GCC visibility push(default)

#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_infer_params {
	char *model;            /* a model file, or a catalog model id, prefix or name */
	char *output;           /* -o FILE */
	int top;                /* labels printed per input */
	int jsonl;              /* JSON lines */
	int jobs;               /* threads */
	int tsv;                /* inputs are TSV tables */
	int verify;             /* hash catalog objects in full */
} grym_infer_params;

/* The table: every option of grym-infer, in the order --help lists them. */
const grym_schema *grym_infer_schema(void);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
