/*
 * predictions.c — out-of-fold predictions as a table: what each item
 * scored when it was tested (grym-train --predictions, and the object the
 * catalog keeps beside the model), so that a confusion-matrix cell can be
 * opened onto its items and other tools can be scored on the same rows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

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
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *grym_predictions_tsv(const grym_dataset *ds, const int *fold, const int *pred,
			   const float *proba, size_t *len)
{
	sb b = { 0 };
	size_t K = ds->nlabels;
	put(&b, "key\tfold\ttrue\tpredicted");
	for (size_t c = 0; c < K; c++)
		put(&b, "\t%s", ds->labels[c]);
	put(&b, "\n");
	for (size_t i = 0; i < ds->n; i++) {
		if (pred[i] < 0 || ds->y[i] < 0)
			continue;   /* not tested (a holdout's training rows) */
		put(&b, "%s\t%d\t%s\t%s", ds->keys[i] ? ds->keys[i] : "", fold[i],
		    ds->labels[ds->y[i]], ds->labels[pred[i]]);
		for (size_t c = 0; c < K; c++)
			put(&b, "\t%.6f", proba ? (double)proba[i * K + c] : 0.0);
		put(&b, "\n");
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}
