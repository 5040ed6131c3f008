/*
 * infer_model.c — the infer stage's model: read from a file, or found in
 * the catalog by id, id prefix or name; and its catalog row, made when a
 * model given as a file has its first prediction stored.
 */
#include "infer_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A whole file in memory (the model's bytes are kept: a model given as a
 * file goes into the store on its first stored prediction). */
static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

int inf_load_model(inf_run *r, const char *ref, grym_model **m, void **bytes, grym_error *err)
{
	const char *dir = r->env->catalog_dir;
	size_t len = 0;
	*m = NULL;
	*bytes = NULL;
	if (access(ref, F_OK) == 0) {
		if (!(*bytes = read_file(ref, &len)))
			grym_error_set(err, GRYM_ERR_IO, "cannot read the model file");
	} else if (!dir) {
		grym_error_set(err, GRYM_ERR_NOTFOUND, "no such file, and no catalog");
	} else {
		/* not a file: a model id, id prefix or name in the catalog */
		grym_model_row row = { 0 };
		if ((r->cat = grym_catalog_open(dir, err)) &&
		    grym_catalog_get_model(r->cat, ref, &row, err) == GRYM_OK) {
			/* found: a damaged object is named as such, not as
			 * a model that does not exist */
			if (grym_catalog_model_bytes(r->cat, &row, bytes, &len, err) == GRYM_OK) {
				memcpy(r->model_id, row.id, sizeof r->model_id);
				r->model_row = 1;
			}
		} else {
			grym_error_prefix(err, err->code, "no such file, and in the catalog %s", dir);
		}
		grym_model_row_clear(&row);
	}
	if (*bytes && (*m = grym_model_load(*bytes, len, err)) && !r->model_row)
		grym_sha256_hex(*bytes, len, r->model_id);
	if (!*m)
		return grym_error_prefix(err, err->code ? err->code : GRYM_ERR_INTERNAL, "%s", ref);
	r->model_bytes = *bytes;
	r->model_len = len;
	return GRYM_OK;
}

int inf_ensure_model_row(inf_run *r, grym_error *err)
{
	if (r->model_row)
		return GRYM_OK;
	grym_model_row row = { 0 };
	if (grym_catalog_get_model(r->cat, r->model_id, &row, NULL) == GRYM_OK) {
		grym_model_row_clear(&row);
		r->model_row = 1;
		return GRYM_OK;
	}
	char id[GRYM_ID_LEN + 1];
	int rc = grym_store_put(grym_catalog_store(r->cat), r->model_bytes, r->model_len, id, err);
	if (rc)
		return rc;
	json_t *params = grym_model_params_json(r->m);
	const json_t *metrics = grym_model_metrics(r->m);
	memcpy(row.id, id, sizeof row.id);
	memcpy(row.object, id, sizeof row.object);
	row.type = (char *)grym_model_type_name(grym_model_type_of(r->m));
	row.params = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	row.metrics = metrics ? json_dumps(metrics, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6)) : NULL;
	rc = grym_catalog_put_model(r->cat, &row, err);
	free(row.params);
	free(row.metrics);
	json_decref(params);
	if (!rc)
		r->model_row = 1;
	return rc;
}
