/*
 * train_read.c — the train stage's training set: every item of its
 * sources (vector records, a TSV table, a .npy matrix with a labels
 * file), or the feature sets stored in the catalog (--features).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/npy.h"
#include "grym/sources.h"
#include "train_int.h"

/* A .npy matrix, one row per item, its labels one a line in p->labels. */
static int read_npy(grym_input *in, const grym_train_params *p, grym_dataset **ds,
		    grym_error *err)
{
	float *x = NULL;
	int nd;
	uint64_t sh[2];
	int rc = grym_npy_read(in, &x, &nd, sh, err);
	if (!rc && (*ds || !p->labels))
		rc = grym_error_set(err, GRYM_ERR_INVALID, *ds ? "only one .npy matrix can be read"
						      : "a .npy matrix needs --labels FILE");
	if (!rc && nd != 2)
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "a .npy input must be a 2-D matrix");
	FILE *lf = rc ? NULL : fopen(p->labels, "r");
	if (!rc && !lf)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: cannot open", p->labels);
	if (!rc && !(*ds = grym_dataset_new(sh[1], err)))
		rc = err->code;
	char buf[4096], key[32];
	for (uint64_t i = 0; !rc && i < sh[0]; i++) {
		if (!fgets(buf, sizeof buf, lf)) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "%s has fewer labels than the %llu rows",
					    p->labels, (unsigned long long)sh[0]);
			break;
		}
		buf[strcspn(buf, "\r\n")] = 0;
		snprintf(key, sizeof key, "row%llu", (unsigned long long)i);
		rc = grym_dataset_add(*ds, key, x + i * sh[1], *buf ? buf : NULL, NULL, err);
		if (rc)
			grym_error_prefix(err, rc, "row %llu", (unsigned long long)i);
	}
	if (lf)
		fclose(lf);
	free(x);
	return rc;
}

/* One input item into *ds. */
static int read_item(grym_source *it, const grym_train_params *p, const grym_ml_read_opts *ro,
		     grym_dataset **ds, json_t **pipeline, int *tsv, grym_error *err)
{
	switch (it->kind) {
	case GRYM_SOURCE_ERROR:
		*err = it->err;
		return err->code ? err->code : GRYM_ERR_INTERNAL;
	case GRYM_SOURCE_FILE:
	case GRYM_SOURCE_AUDIO_IN:
		return grym_error_set(err, GRYM_ERR_FORMAT, "this is audio, not feature records (pipe it "
				      "through grym-features --summary)");
	case GRYM_SOURCE_TSV:
		if (*ds)
			return grym_error_set(err, GRYM_ERR_INVALID, "only one TSV table can be read");
		*tsv = 1;
		return grym_dataset_read_tsv(it->in, ro, ds, err);
	case GRYM_SOURCE_STREAM:
		return grym_dataset_read_records(it->reader, ro, ds, pipeline, err);
	case GRYM_SOURCE_NPY:
		return read_npy(it->in, p, ds, err);
	default:
		return grym_error_set(err, GRYM_ERR_FORMAT, "not feature records");
	}
}

typedef struct skip_ctx {
	grym_stage_env *env;
} skip_ctx;

/* An asset without the features asked for: a failure of that input (the
 * run goes on without it, and fails at the end). */
static void skipped(void *ud, const char *msg)
{
	grym_error e;
	grym_error_set(&e, GRYM_ERR_NOTFOUND, "%s", msg);
	grym_stage_fail(((skip_ctx *)ud)->env, NULL, &e);
}

static int read_catalog(grym_stage_env *env, const grym_train_params *p,
			const grym_ml_read_opts *ro, grym_dataset **ds, json_t **pipeline,
			grym_error *err)
{
	grym_catalog *cat = grym_catalog_open(env->catalog_dir, err);
	if (!cat)
		return err->code ? err->code : GRYM_ERR_DB;
	grym_ml_catalog_sel sel = { p->features, (const char *const *)p->label.v, p->label.n, p->split };
	skip_ctx sc = { env };
	size_t nskipped = 0;
	int rc = grym_dataset_read_catalog(cat, &sel, ro, ds, pipeline, skipped, &sc, &nskipped, err);
	grym_catalog_close(cat);
	env->ninputs += nskipped + (*ds ? (*ds)->n : 0);
	return rc;
}

int grym__train_read(grym_stage_env *env, grym_sources *src, const grym_train_params *p,
		     const grym_ml_read_opts *ro, grym_dataset **ds, json_t **pipeline, int *tsv,
		     grym_error *err)
{
	grym_source *it;
	int rc;

	*tsv = 0;
	if (p->features) {
		rc = read_catalog(env, p, ro, ds, pipeline, err);
		return rc ? grym__train_named(err, rc, "catalog") : GRYM_OK;
	}
	while ((rc = grym_sources_next(src, &it, err)) == GRYM_OK) {
		env->ninputs++;
		if ((rc = read_item(it, p, ro, ds, pipeline, tsv, err)))
			return grym__train_named(err, rc, it->name);
	}
	return rc == GRYM_ERR_EOF ? GRYM_OK : rc;
}
