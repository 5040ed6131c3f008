/*
 * train_dataset_records.c — filling a grym_dataset from what arrives on a pipe: grym
 * vector records (grym-features --summary) or a TSV table made elsewhere.
 * This is where the stream's metadata conventions meet the learner: the
 * label ("labels" or --target), the group (--group-by), the split column
 * and the recipe ("pipeline") that the model will record.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/io.h"
#include "grym/stream.h"
#include "train_dataset.h"

/* A field from the manifest columns ("meta") or the top level, as a
 * string in buf; NULL if absent or null. */
const char *grym__train_field(json_t *meta, const char *name, char *buf, size_t len)
{
	json_t *v = json_object_get(json_object_get(meta, "meta"), name);
	if (!v)
		v = json_object_get(meta, name);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, len, "%.17g", json_real_value(v));
		return buf;
	}
	if (json_is_true(v) || json_is_false(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

int grym__train_label_of(json_t *meta, const char *key, const grym_ml_read_opts *o, char *buf,
			 size_t len, const char **label, const json_t **cands, grym_error *err)
{
	*label = NULL;
	*cands = NULL;
	if (o->target) {
		*label = grym__train_field(meta, o->target, buf, len);
		if (!*label && o->need_labels)
			return grym_error_set(err, GRYM_ERR_INVALID, "item %s has no '%s' (--target)", key, o->target);
		return GRYM_OK;
	}
	json_t *labels = json_object_get(meta, "labels");
	size_t nl = json_is_array(labels) ? json_array_size(labels) : 0;
	if (nl > 1) {
		/* several labels: a conflict that grym_dataset_resolve settles
		 * for the whole item (all its rows, all its files) */
		for (size_t i = 0; i < nl; i++)
			if (!json_is_string(json_array_get(labels, i)))
				return grym_error_set(err, GRYM_ERR_FORMAT, "item %s: a label is not a string", key);
		*cands = labels;
		return GRYM_OK;
	}
	if (nl == 1) {
		*label = json_string_value(json_array_get(labels, 0));
	} else if (json_is_string(labels)) {
		*label = json_string_value(labels);
	} else {
		json_t *l = json_object_get(meta, "label");
		*label = json_is_string(l) ? json_string_value(l) : NULL;
	}
	if (!*label && o->need_labels)
		return grym_error_set(err, GRYM_ERR_INVALID, "item %s has no label", key);
	return GRYM_OK;
}

int grym__train_split_of(const char *s)
{
	return s && (strcmp(s, "test") == 0 || strcmp(s, "eval") == 0) ? 0 : 1;
}

/* A JSON value, short, into buf. */
static void show_value(const json_t *v, char *buf, size_t len)
{
	char *t = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
	snprintf(buf, len, "%.60s%s", t ? t : "none", t && strlen(t) > 60 ? "..." : "");
	free(t);
}

void grym__recipe_diff(const json_t *a, const json_t *b, char *buf, size_t len)
{
	char va[96], vb[96];
	size_t na = json_array_size(a), nb = json_array_size(b);
	if (!a || !b) {
		snprintf(buf, len, "%s", a ? "the other has no recipe" : "no recipe, the other has one");
		return;
	}
	for (size_t i = 0; i < na && i < nb; i++) {
		json_t *sa = json_array_get(a, i), *sb = json_array_get(b, i);
		if (json_equal(sa, sb))
			continue;
		const char *stage = json_string_value(json_object_get(sa, "stage"));
		const char *k;
		json_t *v;
		json_object_foreach(sa, k, v)
			if (!json_equal(v, json_object_get(sb, k)))
				goto found;
		json_object_foreach(sb, k, v)
			if (!json_object_get(sa, k))
				goto found;
		snprintf(buf, len, "stage %zu differs", i + 1);
		return;
found:
		show_value(json_object_get(sa, k), va, sizeof va);
		show_value(json_object_get(sb, k), vb, sizeof vb);
		snprintf(buf, len, "%s %s %s, not %s", stage ? stage : "stage", k, va, vb);
		return;
	}
	snprintf(buf, len, "%zu stages, not %zu", na, nb);
}

/* Where a record comes from: its item (asset, else key), window and
 * files, for grym_dataset_resolve and grouping. */
static int set_origin_of(grym_dataset *ds, json_t *meta, const char *key, const json_t *cands,
			 grym_error *err)
{
	const char *asset = json_string_value(json_object_get(meta, "asset"));
	json_t *seg = json_object_get(meta, "segment");
	json_t *paths = json_object_get(meta, "paths");
	json_t *files = json_array();
	if (!files)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	const char *path = json_string_value(json_object_get(meta, "path"));
	if (path)
		json_array_append_new(files, json_string(path));
	size_t i;
	json_t *v;
	json_array_foreach(paths, i, v)
		if (json_is_string(v) && (!path || strcmp(json_string_value(v), path)))
			json_array_append(files, v);
	char *origin = NULL;
	if (json_array_size(files)) {
		size_t len = 1;
		json_array_foreach(files, i, v)
			len += strlen(json_string_value(v)) + 1;
		if ((origin = calloc(len, 1)))
			json_array_foreach(files, i, v) {
				if (i)
					strcat(origin, "\t");
				strcat(origin, json_string_value(v));
			}
	}
	int rc = (json_array_size(files) && !origin)
		? grym_error_set(err, GRYM_ERR_NOMEM, "out of memory")
		: grym_dataset_set_origin(ds, ds->n - 1, asset ? asset : key,
					  json_is_integer(seg) ? (int)json_integer_value(seg) : -1,
					  origin, cands, err);
	free(origin);
	json_decref(files);
	return rc;
}

int grym_dataset_read_records(grym_stream_reader *r, const grym_ml_read_opts *o,
			      grym_dataset **dsp, json_t **pipeline, grym_error *err)
{
	grym_record rec = { 0 };
	int rc;
	while ((rc = grym_stream_read(r, &rec, 0, err)) == GRYM_OK) {
		const char *key = rec.head.key;
		json_t *meta = rec.head.meta;
		if (rec.head.kind == GRYM_PAYLOAD_REF) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT,
					    "item %s is a bare reference, not a feature vector "
					    "(run grym-features --summary first)", key);
			break;
		}
		if (rec.head.kind == GRYM_PAYLOAD_AUDIO) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT,
					    "item %s is audio, not a feature vector (run grym-features --summary first)", key);
			break;
		}
		if (rec.rows != 1) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT,
					    "item %s is a matrix of %llu frames: train on one vector per item "
					    "(grym-features --summary)", key, (unsigned long long)rec.rows);
			break;
		}
		if (!*dsp) {
			if (!(*dsp = grym_dataset_new(rec.head.cols, err))) {
				rc = err ? err->code : GRYM_ERR_NOMEM;
				break;
			}
			json_t *names = json_object_get(meta, "names");
			if (json_is_array(names) && json_array_size(names) == rec.head.cols) {
				const char **nv = calloc(rec.head.cols, sizeof *nv);
				if (!nv) {
					rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
					break;
				}
				for (size_t j = 0; j < rec.head.cols; j++)
					nv[j] = json_string_value(json_array_get(names, j));
				rc = grym_dataset_set_names(*dsp, nv, err);
				free(nv);
				if (rc)
					break;
			}
		}
		grym_dataset *ds = *dsp;
		/* one recipe for the whole training set: the model records one,
		 * and grym-infer replays it on everything it is given */
		json_t *pl = json_object_get(meta, "pipeline");
		if (!ds->recipe_item) {
			if (!(ds->recipe_item = strdup(key))) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			if (pipeline && pl && !*pipeline)
				*pipeline = json_incref(pl);
		} else if (pipeline && !json_equal(pl, *pipeline) && (pl || *pipeline)) {
			char why[256];
			grym__recipe_diff(pl, *pipeline, why, sizeof why);
			rc = grym_error_set(err, GRYM_ERR_INVALID,
					    "item %s was made by another recipe than item %s (%s): "
					    "train on one recipe", key, ds->recipe_item, why);
			break;
		}
		if (rec.head.cols != ds->d) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT,
					    "item %s has %u dimensions, the first item had %zu", key,
					    rec.head.cols, ds->d);
			break;
		}
		char lb[64], gb[64], sb[64];
		const char *label, *group = NULL;
		const json_t *cands;
		if ((rc = grym__train_label_of(meta, key, o, lb, sizeof lb, &label, &cands, err)))
			break;
		if (o->rates)   /* a vector record's "rate" is its analysis rate */
			grym_rate_tally_add(o->rates, (int)json_integer_value(json_object_get(meta, "rate")));
		if (o->group_by && !(group = grym__train_field(meta, o->group_by, gb, sizeof gb))) {
			rc = grym_error_set(err, GRYM_ERR_INVALID, "item %s has no '%s' (--group-by)", key, o->group_by);
			break;
		}
		if ((rc = grym_dataset_add(ds, key, rec.data, label, group, err))) {
			grym_error_prefix(err, rc, "item %s", key);
			break;
		}
		if ((rc = set_origin_of(ds, meta, key, cands, err)))
			break;
		const char *sp = grym__train_field(meta, "split", sb, sizeof sb);
		if (sp && (rc = grym_dataset_set_split(ds, ds->n - 1, grym__train_split_of(sp), err)))
			break;
		grym_record_clear(&rec);
	}
	grym_record_clear(&rec);
	return rc == GRYM_ERR_EOF ? GRYM_OK : rc;
}

/* Split line in place at tabs; returns the field count (at most max). */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
	return n;
}

int grym_dataset_read_tsv(grym_input *in, const grym_ml_read_opts *o, grym_dataset **dsp,
			  grym_error *err)
{
	enum { MAXC = 65536 };
	char *line = NULL, *hdr = NULL;
	size_t cap = 0;
	char **h = malloc(MAXC * sizeof *h), **f = malloc(MAXC * sizeof *f);
	int *role = calloc(MAXC, sizeof *role);   /* 0 feature, 1 label, 2 group, 3 key, 4 split */
	float *row = NULL;
	const char **names = NULL;
	int rc = GRYM_OK;
	size_t nc = 0, d = 0, lineno = 1;
	const char *target = o->target ? o->target : "label";
	if (!h || !f || !role) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	ssize_t len = grym_input_getline(in, &line, &cap, 1 << 26, err);
	if (len < 0) {
		rc = len == GRYM_ERR_EOF ? grym_error_set(err, GRYM_ERR_FORMAT, "empty table") : (int)len;
		goto out;
	}
	if (len > 0 && line[len - 1] == '\r')
		line[len - 1] = 0;
	if (!(hdr = strdup(line))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	nc = split_tabs(hdr, h, MAXC);
	int have_label = 0;
	for (size_t c = 0; c < nc; c++) {
		if (strcmp(h[c], target) == 0)
			role[c] = 1, have_label = 1;
		else if (o->group_by && strcmp(h[c], o->group_by) == 0)
			role[c] = 2;
		else if (strcmp(h[c], "key") == 0 || strcmp(h[c], "id") == 0 || strcmp(h[c], "path") == 0)
			role[c] = 3;
		else if (strcmp(h[c], "split") == 0)
			role[c] = 4;
		else if (strcmp(h[c], "label") == 0 || strcmp(h[c], "target") == 0 ||
			 strcmp(h[c], "group") == 0)
			role[c] = 5;   /* another label or group column: never a feature */
		else
			d++;
	}
	if (!have_label && o->need_labels) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "line 1: no column named '%s'", target);
		goto out;
	}
	if (o->group_by) {
		int found = 0;
		for (size_t c = 0; c < nc; c++)
			found |= role[c] == 2;
		if (!found) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "line 1: no column named '%s'", o->group_by);
			goto out;
		}
	}
	if (!(*dsp = grym_dataset_new(d, err))) {
		rc = err ? err->code : GRYM_ERR_NOMEM;
		goto out;
	}
	row = malloc(d * sizeof *row);
	names = malloc(d * sizeof *names);
	if (!row || !names) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t c = 0, j = 0; c < nc; c++)
		if (role[c] == 0)
			names[j++] = h[c];
	if ((rc = grym_dataset_set_names(*dsp, names, err)))
		goto out;
	while ((len = grym_input_getline(in, &line, &cap, 1 << 26, err)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = 0;
		if (len == 0)
			continue;
		size_t n = split_tabs(line, f, MAXC);
		if (n != nc) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "line %zu: %zu fields, the header has %zu",
					    lineno, n, nc);
			goto out;
		}
		const char *label = NULL, *group = NULL, *key = NULL, *sp = NULL;
		char kb[32];
		for (size_t c = 0, j = 0; c < nc; c++) {
			switch (role[c]) {
			case 1: label = *f[c] ? f[c] : NULL; break;
			case 2: group = f[c]; break;
			case 3: key = f[c]; break;
			case 4: sp = f[c]; break;
			case 5: break;
			default: {
				char *end;
				double v = strtod(f[c], &end);
				if (end == f[c] || *end) {
					rc = grym_error_set(err, GRYM_ERR_FORMAT,
							    "line %zu, column '%s': '%s' is not a number", lineno, h[c], f[c]);
					goto out;
				}
				row[j++] = (float)v;
			}
			}
		}
		if (!key) {
			snprintf(kb, sizeof kb, "line%zu", lineno);
			key = kb;
		}
		if (!label && o->need_labels) {
			rc = grym_error_set(err, GRYM_ERR_INVALID, "line %zu: item %s has no label", lineno, key);
			goto out;
		}
		if ((rc = grym_dataset_add(*dsp, key, row, label, group, err))) {
			grym_error_prefix(err, rc, "line %zu", lineno);
			goto out;
		}
		if (sp && (rc = grym_dataset_set_split(*dsp, (*dsp)->n - 1, grym__train_split_of(sp), err)))
			goto out;
	}
	if (len != GRYM_ERR_EOF)
		rc = (int)len;
out:
	free(line); free(hdr); free(h); free(f); free(role); free(row); free(names);
	return rc;
}
