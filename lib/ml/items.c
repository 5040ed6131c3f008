/*
 * items.c — one item, one vote. Rows reach grym-train from records,
 * tables and the catalog; several rows can be one item: the same file
 * read twice (`cat f.rec f.rec`), a file copied under two names, the
 * windows of one clip (grym-features --segment). Scores are honest only
 * if every item is trained and scored once, under one label, and on one
 * side of every split: grym_dataset_resolve drops repeats and settles
 * items with conflicting labels, grym_dataset_group_by_item keeps the
 * windows of a clip in one fold.
 *
 * An item is the row's asset (set by the readers), else its key; a
 * repeat is a row of the same item and window as an earlier row.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

static const char *item_of(const grym_dataset *ds, size_t i)
{
	if (ds->item && ds->item[i])
		return ds->item[i];
	return ds->keys[i];
}

static int segment_of(const grym_dataset *ds, size_t i)
{
	return ds->segment ? ds->segment[i] : -1;
}

/* By item (rows without one last, each on its own), window, row. */
static int cmp_rows(const void *a, const void *b, void *u)
{
	const grym_dataset *ds = u;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const char *x = item_of(ds, i), *y = item_of(ds, j);
	if (x && y) {
		int c = strcmp(x, y);
		if (c)
			return c;
		if (segment_of(ds, i) != segment_of(ds, j))
			return segment_of(ds, i) < segment_of(ds, j) ? -1 : 1;
	} else if (x || y) {
		return x ? -1 : 1;
	}
	return i < j ? -1 : i > j;
}

static int same_item(const grym_dataset *ds, size_t i, size_t j)
{
	const char *x = item_of(ds, i), *y = item_of(ds, j);
	return x && y && strcmp(x, y) == 0;
}

/* A small list of distinct strings, in the order first added. */
typedef struct strset { const char **v; size_t n, cap; int oom; } strset;

static void set_add(strset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return;
	if (s->n == s->cap) {
		size_t c = s->cap ? 2 * s->cap : 8;
		const char **nv = realloc(s->v, c * sizeof *nv);
		if (!nv) {
			s->oom = 1;
			return;
		}
		s->v = nv;
		s->cap = c;
	}
	s->v[s->n++] = x;
}

/* Add each tab-separated field of t (modified in place: tabs -> NULs). */
static void set_add_fields(strset *s, char *t)
{
	while (t && *t) {
		char *tab = strchr(t, '\t');
		if (tab)
			*tab = 0;
		set_add(s, t);
		t = tab ? tab + 1 : NULL;
	}
}

/* "a and b", "a, b and c" into buf. */
static void list_and(char *buf, size_t len, const strset *s)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < s->n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == s->n ? " and " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, s->v[i]);
		used += w > 0 ? (size_t)w : 0;
	}
}

static void list_comma(char *buf, size_t len, const strset *s)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < s->n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->v[i]);
		used += w > 0 ? (size_t)w : 0;
	}
}

/* Drop labels no row uses and groups no row is in; remap y and group. */
static int prune_names(int *idx, size_t n, char ***names, size_t *count, grym_error *err)
{
	size_t k = *count;
	if (!idx || k == 0)
		return GRYM_OK;
	int *map = malloc(k * sizeof *map);
	if (!map)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t c = 0; c < k; c++)
		map[c] = -1;
	for (size_t i = 0; i < n; i++)
		if (idx[i] >= 0)
			map[idx[i]] = 0;
	size_t w = 0;
	for (size_t c = 0; c < k; c++) {
		if (map[c] < 0) {
			free((*names)[c]);
			continue;
		}
		map[c] = (int)w;
		(*names)[w++] = (*names)[c];
	}
	for (size_t i = 0; i < n; i++)
		if (idx[i] >= 0)
			idx[i] = map[idx[i]];
	*count = w;
	free(map);
	return GRYM_OK;
}

int grym_dataset_resolve(grym_dataset *ds, grym_conflict how,
			 void (*warn)(void *ud, const char *msg), void *ud, grym_error *err)
{
	size_t n = ds->n;
	if (n == 0)
		return GRYM_OK;
	size_t *order = malloc(n * sizeof *order);
	char *keep = malloc(n);
	int rc = GRYM_OK;
	size_t repeats = 0, first_repeat = 0, conflicts = 0, first_conflict = n;
	char msg[1024] = "";
	if (!order || !keep) {
		free(order);
		free(keep);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		keep[i] = 1;
	}
	qsort_r(order, n, sizeof *order, cmp_rows, ds);
	for (size_t a = 0, b; a < n && !rc; a = b) {
		for (b = a + 1; b < n && same_item(ds, order[a], order[b]); b++)
			;
		/* the item's labels, in the order of its rows, and its files */
		size_t lo = order[a];
		for (size_t t = a; t < b; t++)
			if (order[t] < lo)
				lo = order[t];
		strset lab = { 0 }, files = { 0 };
		char **scratch = calloc(2 * (b - a), sizeof *scratch);
		size_t *rows = malloc((b - a) * sizeof *rows);
		if (!scratch || !rows) {
			free(scratch);
			free(rows);
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		for (size_t t = a; t < b; t++)
			rows[t - a] = order[t];
		/* row order for "first": a small insertion sort of the group */
		for (size_t t = 1; t < b - a; t++)
			for (size_t u = t; u > 0 && rows[u - 1] > rows[u]; u--) {
				size_t s = rows[u];
				rows[u] = rows[u - 1];
				rows[u - 1] = s;
			}
		for (size_t t = 0; t < b - a; t++) {
			size_t r = rows[t];
			if (ds->cand && ds->cand[r]) {
				scratch[2 * t] = strdup(ds->cand[r]);
				set_add_fields(&lab, scratch[2 * t]);
			} else if (ds->y[r] >= 0) {
				set_add(&lab, ds->labels[ds->y[r]]);
			}
			if (ds->origin && ds->origin[r]) {
				scratch[2 * t + 1] = strdup(ds->origin[r]);
				set_add_fields(&files, scratch[2 * t + 1]);
			}
		}
		int drop_all = 0, label = -2;
		if (lab.oom || files.oom) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		} else if (lab.n > 1) {
			char ls[512], fs[512];
			list_and(ls, sizeof ls, &lab);
			list_comma(fs, sizeof fs, &files);
			const char *it = item_of(ds, lo);
			if (how == GRYM_CONFLICT_REFUSE) {
				conflicts++;
				if (lo < first_conflict) {
					first_conflict = lo;
					snprintf(msg, sizeof msg, "item %s has labels %s%s%s%s", it, ls,
						 files.n ? " (" : "", files.n ? fs : "", files.n ? ")" : "");
				}
			} else if (how == GRYM_CONFLICT_IGNORE) {
				label = ml_dataset_label_index(ds, lab.v[0]);
			} else if (how == GRYM_CONFLICT_SKIP) {
				drop_all = 1;
				char w[1200];
				snprintf(w, sizeof w, "item %s has labels %s%s%s%s: skipped (--on-conflict skip)",
					 it, ls, files.n ? " (" : "", files.n ? fs : "", files.n ? ")" : "");
				if (warn)
					warn(ud, w);
			} else {
				char w[1200];
				snprintf(w, sizeof w, "item %s has labels %s%s%s%s: kept %s (--on-conflict first)",
					 it, ls, files.n ? " (" : "", files.n ? fs : "", files.n ? ")" : "",
					 lab.v[0]);
				if (warn)
					warn(ud, w);
				label = ml_dataset_label_index(ds, lab.v[0]);
			}
		} else if (lab.n == 1) {
			label = ml_dataset_label_index(ds, lab.v[0]);
		}
		if (!rc && label == -1)
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (size_t t = a; t < b && !rc; t++) {
			size_t r = order[t];
			if (drop_all) {
				keep[r] = 0;
				continue;
			}
			if (label >= 0)
				ds->y[r] = label;
			/* order is by window, then row: a repeat follows its first */
			if (t > a && segment_of(ds, order[t - 1]) == segment_of(ds, r)) {
				keep[r] = 0;
				if (!repeats++ || r < first_repeat)
					first_repeat = r;
			}
		}
		for (size_t t = 0; t < 2 * (b - a); t++)
			free(scratch[t]);
		free(scratch);
		free(rows);
		free(lab.v);
		free(files.v);
	}
	if (!rc && conflicts) {
		char more[64] = "";
		if (conflicts > 1)
			snprintf(more, sizeof more, " (and %zu more items)", conflicts - 1);
		rc = grym_error_set(err, GRYM_ERR_AMBIGUOUS,
				    "%s%s: train on it under its first label with --on-conflict first, "
				    "leave it out with --on-conflict skip, or choose the label field "
				    "with --target", msg, more);
	}
	if (!rc && repeats && warn) {
		char w[512];
		snprintf(w, sizeof w, "%zu repeated item%s left out (first: %s): each item is trained "
			 "and scored once", repeats, repeats == 1 ? "" : "s",
			 ds->keys[first_repeat] ? ds->keys[first_repeat] : item_of(ds, first_repeat));
		warn(ud, w);
	}
	if (!rc) {
		/* compact the kept rows, in their order */
		size_t w = 0, d = ds->d;
		for (size_t i = 0; i < n; i++) {
			if (!keep[i]) {
				free(ds->keys[i]);
				if (ds->item) {
					free(ds->item[i]);
					free(ds->origin[i]);
					free(ds->cand[i]);
				}
				continue;
			}
			if (w != i) {
				memmove(ds->x + w * d, ds->x + i * d, d * sizeof *ds->x);
				ds->y[w] = ds->y[i];
				ds->keys[w] = ds->keys[i];
				if (ds->group)
					ds->group[w] = ds->group[i];
				if (ds->split)
					ds->split[w] = ds->split[i];
				if (ds->item) {
					ds->item[w] = ds->item[i];
					ds->origin[w] = ds->origin[i];
					ds->cand[w] = ds->cand[i];
					ds->segment[w] = ds->segment[i];
				}
			}
			if (ds->item) {
				free(ds->cand[w]);   /* settled: the row's label is y */
				ds->cand[w] = NULL;
			}
			w++;
		}
		ds->n = w;
		rc = prune_names(ds->y, ds->n, &ds->labels, &ds->nlabels, err);
		if (!rc)
			rc = prune_names(ds->group, ds->n, &ds->groups, &ds->ngroups, err);
	}
	free(order);
	free(keep);
	return rc;
}

int grym_dataset_group_by_item(grym_dataset *ds, grym_error *err)
{
	size_t n = ds->n;
	if (ds->group || n == 0)
		return 0;
	size_t *order = malloc(n * sizeof *order);
	if (!order)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, cmp_rows, ds);
	int several = 0;
	for (size_t t = 1; t < n && !several; t++)
		several = same_item(ds, order[t - 1], order[t]);
	if (!several) {
		free(order);
		return 0;
	}
	/* group ids in the order items first appear, so folds depend on the
	 * input order and the seed only */
	int *first = malloc(n * sizeof *first), *gid = malloc(n * sizeof *gid);
	char **names = calloc(n, sizeof *names);
	if (!first || !gid || !names) {
		free(order); free(first); free(gid); free(names);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (size_t a = 0, b; a < n; a = b) {
		size_t lo = order[a];
		for (b = a + 1; b < n && same_item(ds, order[a], order[b]); b++)
			if (order[b] < lo)
				lo = order[b];
		for (size_t t = a; t < b; t++)
			first[order[t]] = (int)lo;
	}
	size_t G = 0;
	for (size_t i = 0; i < n; i++)
		gid[i] = -1;
	int rc = GRYM_OK;
	int *grp = malloc((ds->cap ? ds->cap : n) * sizeof *grp);
	if (!grp)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		size_t f = (size_t)first[i];
		if (gid[f] < 0) {
			const char *it = item_of(ds, f);
			char buf[32];
			if (!it) {
				snprintf(buf, sizeof buf, "row%zu", f);
				it = buf;
			}
			if (!(names[G] = strdup(it))) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			gid[f] = (int)G++;
		}
		grp[i] = gid[f];
	}
	if (rc) {
		for (size_t g = 0; g < G; g++)
			free(names[g]);
		free(names);
		free(grp);
	} else {
		ds->group = grp;
		ds->groups = names;
		ds->ngroups = G;
	}
	free(order);
	free(first);
	free(gid);
	return rc ? rc : (int)G;
}

int grym_dataset_check_groups(const grym_dataset *ds, const char *field, grym_error *err)
{
	size_t n = ds->n;
	if (!ds->group || n < 2)
		return GRYM_OK;
	size_t *order = malloc(n * sizeof *order);
	if (!order)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof *order, cmp_rows, (void *)ds);
	int rc = GRYM_OK;
	for (size_t t = 1; t < n && !rc; t++) {
		size_t i = order[t - 1], j = order[t];
		if (!same_item(ds, i, j) || ds->group[i] == ds->group[j])
			continue;
		rc = grym_error_set(err, GRYM_ERR_INVALID,
				    "item %s has rows in two groups of '%s' (%s, %s): --group-by needs a "
				    "field shared by every window of a clip, or the clip would be on both "
				    "sides of a split", item_of(ds, i), field,
				    ds->group[i] >= 0 ? ds->groups[ds->group[i]] : "none",
				    ds->group[j] >= 0 ? ds->groups[ds->group[j]] : "none");
	}
	free(order);
	return rc;
}
