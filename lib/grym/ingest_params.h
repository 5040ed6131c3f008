/*
 * ingest_params.h — the ingest stage's parameters, as one table
 * (grym/schema.h): what grym-ingest takes as options, what the HTTP API
 * accepts, and `grym-ingest --schema`. Ingesting makes no recipe: an
 * asset is named by its bytes, and these say only which sources are
 * taken and how they are labelled.
 */
#ifndef GRYM_INGEST_PARAMS_H
#define GRYM_INGEST_PARAMS_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_ingest_params {
	grym_strings label;             /* given to every asset */
	int label_from_dir;             /* the parent folder's name too */
	int replace_labels;             /* this run's labels replace a known asset's */
	char *manifest;                 /* labels and metadata by path */
	char *match;                    /* glob for directories and archives */
	char *from_list;                /* input paths from FILE ('-': stdin) */
	int jobs;                       /* inputs at a time */
	int text;                       /* id<TAB>path<TAB>labels lines */
	char *output;                   /* -o FILE */
	int accept_truncated;           /* keep what decodes of a damaged file */
	uint64_t max_bytes;             /* an archive's expansion cap */
	int probe, json;                /* --probe [--json]: store nothing */
} grym_ingest_params;

/* The table: every option of grym-ingest, in the order --help lists
 * them. */
const grym_schema *grym_ingest_schema(void);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
