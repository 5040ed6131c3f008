/*
 * catalog_params.h — grym-catalog's options as one table (grym/schema.h):
 * its --help, the ranges and choices of its values, `grym-catalog
 * --schema`, and the JSON an HTTP API would accept for the same commands.
 * The command (ls, gc, export...) is the kind: each option says which
 * commands take it (x-grym-applies), and the program refuses it with any
 * other. Looking after a catalog makes nothing, so no option is a recipe
 * key.
 */
#ifndef GRYM_CATALOG_PARAMS_H
#define GRYM_CATALOG_PARAMS_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The commands, in the order of the table's choices. */
typedef enum grym_catalog_command {
	GRYM_CATALOG_INIT, GRYM_CATALOG_LS, GRYM_CATALOG_SHOW, GRYM_CATALOG_LABEL,
	GRYM_CATALOG_RM, GRYM_CATALOG_GC, GRYM_CATALOG_FSCK, GRYM_CATALOG_EXPORT,
	GRYM_CATALOG_IMPORT, GRYM_CATALOG_MERGE, GRYM_CATALOG_STATS
} grym_catalog_command;

typedef struct grym_catalog_params {
	int command;                    /* grym_catalog_command, -1: not given */
	/* which assets (ls, export) */
	char *label;
	int kind;                       /* 0 source, 1 derived, -1: either */
	char *parent;
	char *meta;                     /* KEY=VALUE */
	char *path;                     /* glob on origin paths */
	int limit;                      /* 0: no limit */
	/* how ls and stats print */
	int ids, json;
	/* label */
	grym_strings add, remove;
	int force;                      /* rm: the derived assets too */
	uint64_t grace;                 /* gc: seconds an unreferenced object is kept */
	int dry_run;                    /* gc: only list */
	int repair;                     /* fsck: restore sources first */
	char *output;                   /* export: the archive */
	int verify;                     /* export: hash each object in full */
} grym_catalog_params;

/* The table: every option of grym-catalog, in the order --help lists
 * them. Static; never freed. */
const grym_schema *grym_catalog_schema(void);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
