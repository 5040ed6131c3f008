/*
 * infer_params.c — the one table of the infer stage's parameters.
 *
 * Options, --help, defaults, ranges and the API's JSON come from here
 * (grym/schema.h). None is a recipe key: the model's recipe is the one
 * replayed, and these only say which model, how many labels to report and
 * how to run; the form of the output and of the inputs are the command
 * line's (GRYM_PARAM_CLI_ONLY).
 */
#include <stddef.h>

#include "grym/infer_params.h"
#include "grym/pool.h"

#define P(f) offsetof(grym_infer_params, f)

static const grym_param params[] = {
	{ .name = "model", .short_name = 'm', .type = GRYM_PARAM_STRING, .offset = P(model), .min = 1,
	  .arg = "MODEL", .help = "model file, or catalog model id, id prefix or name (required)",
	  .flags = GRYM_PARAM_REQUIRED },
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING, .offset = P(output),
	  .arg = "FILE", .help = "write predictions to FILE (atomically) instead of stdout",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "top", .type = GRYM_PARAM_INT, .offset = P(top), .def = 1, .min = 1, .max = 1000000,
	  .arg = "K", .help = "print K labels: the predicted one, then the most probable others" },
	{ .name = "jsonl", .type = GRYM_PARAM_FLAG, .offset = P(jsonl),
	  .help = "one JSON object per line", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "jobs", .short_name = 'j', .type = GRYM_PARAM_INT, .offset = P(jobs), .def = 1,
	  .min = 1, .max = GRYM_JOBS_MAX, .arg = "N", .help = "predict with N threads" },
	{ .name = "tsv", .type = GRYM_PARAM_FLAG, .offset = P(tsv),
	  .help = "inputs are TSV tables (header row; columns matched to the model's features by name)",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "verify", .type = GRYM_PARAM_FLAG, .offset = P(verify),
	  .help = "hash each catalog asset's object in full before use (else only its size is checked)" },
	{ .name = NULL }
};

static const grym_schema schema = {
	.stage = "infer",
	.title = "predict labels or clusters of feature vectors or audio files with a trained model",
	.params = params, .size = sizeof(grym_infer_params)
};

const grym_schema *grym_infer_schema(void)
{
	return &schema;
}
