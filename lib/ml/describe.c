/*
 * describe.c — what a model is, in words: its type, inputs, what it
 * predicts and from what (target field, grouping, classes with their
 * training counts, or clusters with their sizes and inertia), its
 * hyper-parameters and its evaluation. grym-train --show prints it.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kind.h"

typedef struct sb { char *s; size_t len, cap; int oom; } sb;

static void put(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sb *b, const char *fmt, ...)
{
	va_list ap;
	if (b->oom)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (b->len + (size_t)n + 1 > b->cap &&
		      !(b->s = realloc(b->s, b->cap = (b->len + (size_t)n + 1) * 2)))) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

char *grym_model_describe(const grym_model *m)
{
	sb b = { 0 };
	const json_t *t = m->training;
	int km = (m->kind->flags & ML_KIND_CLUSTERER) != 0;
	put(&b, "type         %s\n", m->kind->name);
	put(&b, "inputs       %zu features", m->d);
	if (m->names && m->d)
		put(&b, " (%s%s%s)", m->names[0], m->d > 1 ? " ... " : "", m->d > 1 ? m->names[m->d - 1] : "");
	put(&b, "\n");
	if (!t) {
		put(&b, "training     not recorded (a model file from before grym recorded it)\n");
	} else if (km) {
		put(&b, "items        %lld\n", (long long)json_integer_value(json_object_get(t, "items")));
	} else {
		const json_t *tg = json_object_get(t, "target");
		put(&b, "target       %s\n", json_is_string(tg) ? json_string_value(tg)
				       : tg ? "the items' single label" : "not recorded");
		const json_t *gb = json_object_get(t, "group_by");
		put(&b, "grouped by   %s\n", json_is_string(gb) ? json_string_value(gb) : gb ? "none" : "not recorded");
		put(&b, "items        %lld\n", (long long)json_integer_value(json_object_get(t, "items")));
	}
	const json_t *cc = t ? json_object_get(t, km ? "cluster_sizes" : "class_counts") : NULL;
	put(&b, "%-12s %zu\n", km ? "clusters" : "classes", m->nclasses);
	for (size_t c = 0; c < m->nclasses; c++) {
		const json_t *v = km ? json_array_get(cc, c) : json_object_get(cc, m->labels[c]);
		if (json_is_integer(v))
			put(&b, "  %-24s %lld items\n", m->labels[c], (long long)json_integer_value(v));
		else
			put(&b, "  %s\n", m->labels[c]);
	}
	if (km && t && json_is_number(json_object_get(t, "inertia")))
		put(&b, "inertia      %.6g (standardized features)\n",
		    json_number_value(json_object_get(t, "inertia")));
	json_t *pj = grym_model_params_json(m);
	char *ps = pj ? json_dumps(pj, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6)) : NULL;
	put(&b, "params       %s\nseed         %llu\n", ps ? ps : "?", (unsigned long long)m->p.seed);
	free(ps);
	json_decref(pj);
	const json_t *mt = m->metrics;
	if (mt)
		put(&b, "evaluation   %s: accuracy %.4f, balanced accuracy %.4f, macro F1 %.4f (%lld items)\n",
		    str_or(mt, "evaluation", "?"), json_number_value(json_object_get(mt, "accuracy")),
		    json_number_value(json_object_get(mt, "balanced_accuracy")),
		    json_number_value(json_object_get(mt, "macro_f1")),
		    (long long)json_integer_value(json_object_get(mt, "n")));
	else
		put(&b, "evaluation   none\n");
	if (m->pipeline) {
		char *r = json_dumps(m->pipeline, JSON_COMPACT | JSON_REAL_PRECISION(9));
		put(&b, "recipe       %s\n", r ? r : "?");
		free(r);
	} else {
		put(&b, "recipe       none (features from a table or matrix)\n");
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
