/*
 * train_int.h — what the files of the train stage share: reading the
 * training set (train_read.c) and putting the model where it goes
 * (train_model.c), for grym_stage_train (train_stage.c).
 */
#ifndef GRYM_STAGE_TRAIN_INT_H
#define GRYM_STAGE_TRAIN_INT_H

#include <stddef.h>
#include <jansson.h>
#include "grym/stage_train.h"

/* err (the failure rc) put under name, "NAME: message", as a program
 * reports a failed input; an empty message becomes the status's text. */
static inline int grym__train_named(grym_error *err, int rc, const char *name)
{
	if (!err)
		return rc;
	if (!err->code)
		err->code = rc;
	if (!err->msg[0])
		grym_error_set(err, err->code, "%s", grym_status_str(err->code));
	return name ? grym_error_prefix(err, rc, "%s", name) : rc;
}

/* The training set of a run into *ds (and the recipe of its items into
 * *pipeline): src's items, or with p->features the catalog's feature
 * sets (an asset without them is reported through env->failed and left
 * out). *tsv is set when a TSV table was read (its label column is
 * "label"). Errors name the input (an item, "catalog"). */
int grym__train_read(grym_stage_env *env, grym_sources *src, const grym_train_params *p,
		     const grym_ml_read_opts *ro, grym_dataset **ds, json_t **pipeline, int *tsv,
		     grym_error *err);

/* Write len bytes to path atomically (grym_output: all or nothing). */
int grym__train_write_file(const char *path, const void *buf, size_t len, grym_error *err);

/* Store the model file (buf, len) and its row in the catalog at dir,
 * with the out-of-fold predictions (oof, may be NULL) as an object named
 * in its training record; id gets the model's id. */
int grym__train_store(const char *dir, const grym_train_params *p, const grym_model *m,
		      const grym_dataset *ds, const json_t *pipeline, const json_t *metrics,
		      const unsigned char *buf, size_t len, const char *oof, size_t oof_len,
		      char *id, grym_error *err);

#endif
