/*
 * dataset.c — the in-memory training set: an n x d float32 matrix that
 * grows row by row as records arrive, with interned label and group names.
 * Labels are sorted once at the end (grym_dataset_finish) so that class
 * indices, and thus model files, never depend on input order.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

grym_dataset *grym_dataset_new(size_t d, grym_error *err)
{
	if (d == 0) {
		grym_error_set(err, GRYM_ERR_INVALID, "feature vectors have no dimensions");
		return NULL;
	}
	grym_dataset *ds = calloc(1, sizeof *ds);
	if (!ds)
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	else
		ds->d = d;
	return ds;
}

static void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void grym_dataset_free(grym_dataset *ds)
{
	if (!ds)
		return;
	free(ds->x);
	free(ds->y);
	free(ds->group);
	free(ds->split);
	free_strv(ds->labels, ds->nlabels);
	free_strv(ds->groups, ds->ngroups);
	free_strv(ds->keys, ds->n);
	free_strv(ds->names, ds->d);
	free_strv(ds->item, ds->n);
	free_strv(ds->origin, ds->n);
	free_strv(ds->cand, ds->n);
	free(ds->segment);
	free(ds->recipe_item);
	free(ds);
}

/* Index of name in v (n entries), adding it if absent; -1 on ENOMEM. */
static int intern(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], name) == 0)
			return (int)i;
	char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(name)))
		return -1;
	return (int)(*n)++;
}

int ml_dataset_label_index(grym_dataset *ds, const char *label)
{
	return intern(&ds->labels, &ds->nlabels, label);
}

static int grow(grym_dataset *ds)
{
	size_t cap = ds->cap ? ds->cap * 2 : 64;
	float *x = realloc(ds->x, cap * ds->d * sizeof *x);
	if (!x)
		return -1;
	ds->x = x;
	int *y = realloc(ds->y, cap * sizeof *y);
	if (!y)
		return -1;
	ds->y = y;
	char **k = realloc(ds->keys, cap * sizeof *k);
	if (!k)
		return -1;
	ds->keys = k;
	if (ds->split) {
		int *sp = realloc(ds->split, cap * sizeof *sp);
		if (!sp)
			return -1;
		ds->split = sp;
	}
	if (ds->group) {
		int *g = realloc(ds->group, cap * sizeof *g);
		if (!g)
			return -1;
		ds->group = g;
	}
	if (ds->item) {
		char **v[3] = { ds->item, ds->origin, ds->cand };
		for (int t = 0; t < 3; t++) {
			char **nv = realloc(v[t], cap * sizeof *nv);
			if (!nv)
				return -1;
			v[t] = nv;
		}
		ds->item = v[0];
		ds->origin = v[1];
		ds->cand = v[2];
		int *sg = realloc(ds->segment, cap * sizeof *sg);
		if (!sg)
			return -1;
		ds->segment = sg;
	}
	ds->cap = cap;
	return 0;
}

int grym_dataset_add(grym_dataset *ds, const char *key, const float *row,
		     const char *label, const char *group, grym_error *err)
{
	for (size_t j = 0; j < ds->d; j++)
		if (!isfinite(row[j]))
			return grym_error_set(err, GRYM_ERR_FORMAT, "%s in feature column %zu",
					      isnan(row[j]) ? "NaN" : "infinity", j);
	if (ds->n == ds->cap && grow(ds) < 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (group && !ds->group) {
		ds->group = malloc(ds->cap * sizeof *ds->group);
		if (!ds->group)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < ds->n; i++)
			ds->group[i] = -1;
	}
	int yi = -1, gi = -1;
	if (label && (yi = intern(&ds->labels, &ds->nlabels, label)) < 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (group && (gi = intern(&ds->groups, &ds->ngroups, group)) < 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	char *k = NULL;
	if (key && !(k = strdup(key)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	memcpy(ds->x + ds->n * ds->d, row, ds->d * sizeof *row);
	ds->y[ds->n] = yi;
	ds->keys[ds->n] = k;
	if (ds->group)
		ds->group[ds->n] = gi;
	if (ds->split)
		ds->split[ds->n] = -1;
	if (ds->item) {
		ds->item[ds->n] = ds->origin[ds->n] = ds->cand[ds->n] = NULL;
		ds->segment[ds->n] = -1;
	}
	ds->n++;
	return GRYM_OK;
}

/* The strings of a JSON array joined by tabs (NULL when empty). */
static char *join_tabs(const json_t *a)
{
	size_t len = 1, i;
	json_t *v;
	json_array_foreach(a, i, v)
		len += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	char *s = calloc(len, 1);
	if (!s)
		return NULL;
	json_array_foreach(a, i, v) {
		if (i)
			strcat(s, "\t");
		strcat(s, json_string_value(v) ? json_string_value(v) : "");
	}
	return s;
}

int grym_dataset_set_origin(grym_dataset *ds, size_t i, const char *item, int segment,
			    const char *origin, const json_t *cand, grym_error *err)
{
	if (i >= ds->n)
		return grym_error_set(err, GRYM_ERR_INVALID, "no row %zu", i);
	if (!ds->item) {
		size_t cap = ds->cap ? ds->cap : 1;
		ds->item = calloc(cap, sizeof *ds->item);
		ds->origin = calloc(cap, sizeof *ds->origin);
		ds->cand = calloc(cap, sizeof *ds->cand);
		ds->segment = malloc(cap * sizeof *ds->segment);
		if (!ds->item || !ds->origin || !ds->cand || !ds->segment) {
			free(ds->item); free(ds->origin); free(ds->cand); free(ds->segment);
			ds->item = ds->origin = ds->cand = NULL;
			ds->segment = NULL;
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		for (size_t j = 0; j < cap; j++)
			ds->segment[j] = -1;
	}
	free(ds->item[i]);
	free(ds->origin[i]);
	free(ds->cand[i]);
	ds->item[i] = item ? strdup(item) : NULL;
	ds->origin[i] = origin ? strdup(origin) : NULL;
	ds->cand[i] = json_array_size(cand) > 1 ? join_tabs(cand) : NULL;
	ds->segment[i] = segment;
	if ((item && !ds->item[i]) || (origin && !ds->origin[i]) ||
	    (json_array_size(cand) > 1 && !ds->cand[i]))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

int grym_dataset_set_split(grym_dataset *ds, size_t i, int split, grym_error *err)
{
	if (i >= ds->n)
		return grym_error_set(err, GRYM_ERR_INVALID, "no row %zu", i);
	if (!ds->split) {
		ds->split = malloc((ds->cap ? ds->cap : 1) * sizeof *ds->split);
		if (!ds->split)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (size_t j = 0; j < ds->n; j++)
			ds->split[j] = -1;
	}
	ds->split[i] = split;
	return GRYM_OK;
}

int grym_dataset_set_names(grym_dataset *ds, const char *const *names, grym_error *err)
{
	char **v = calloc(ds->d, sizeof *v);
	if (!v)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t j = 0; j < ds->d; j++)
		if (!(v[j] = strdup(names[j] ? names[j] : ""))) {
			free_strv(v, ds->d);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	free_strv(ds->names, ds->d);
	ds->names = v;
	return GRYM_OK;
}

static int cmp_idx_by_name(const void *a, const void *b, void *names)
{
	char **v = names;
	return strcmp(v[*(const int *)a], v[*(const int *)b]);
}

int grym_dataset_finish(grym_dataset *ds, grym_error *err)
{
	size_t k = ds->nlabels;
	if (k == 0)
		return GRYM_OK;
	int *order = malloc(k * sizeof *order), *rank = malloc(k * sizeof *rank);
	char **sorted = malloc(k * sizeof *sorted);
	if (!order || !rank || !sorted) {
		free(order); free(rank); free(sorted);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < k; i++)
		order[i] = (int)i;
	qsort_r(order, k, sizeof *order, cmp_idx_by_name, ds->labels);
	for (size_t i = 0; i < k; i++) {
		rank[order[i]] = (int)i;
		sorted[i] = ds->labels[order[i]];
	}
	for (size_t i = 0; i < ds->n; i++)
		if (ds->y[i] >= 0)
			ds->y[i] = rank[ds->y[i]];
	free(ds->labels);
	ds->labels = sorted;
	free(order);
	free(rank);
	return GRYM_OK;
}
