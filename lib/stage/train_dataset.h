/*
 * train_dataset.h — what the two readers of a training set
 * (train_dataset_records.c: records and tables; train_dataset_catalog.c:
 * stored feature sets) share: the stream's metadata rules, so that an
 * asset read from the catalog gets the label, group and split its record
 * would have had. Internal to lib/stage.
 */
#ifndef GRYM_STAGE_TRAIN_DATASET_H
#define GRYM_STAGE_TRAIN_DATASET_H

#include <stddef.h>
#include <jansson.h>
#include "grym/stage_train.h"

/* A field of meta["meta"] or meta (as text in buf; NULL if absent), the
 * item's label (--target or its single "labels" entry), and a split
 * column's value ("test"/"eval": 0, else 1). An item with several
 * labels and no --target gets *label NULL and *cands its labels. */
const char *grym__train_field(json_t *meta, const char *name, char *buf, size_t len);
int grym__train_label_of(json_t *meta, const char *key, const grym_ml_read_opts *o, char *buf,
			 size_t len, const char **label, const json_t **cands, grym_error *err);
int grym__train_split_of(const char *s);
/* How recipe (pipeline array) a differs from b: "STAGE KEY A, not B". */
void grym__recipe_diff(const json_t *a, const json_t *b, char *buf, size_t len);

#endif
