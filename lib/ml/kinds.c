/*
 * kinds.c — the registry of model kinds, and the public face of it: the
 * kinds' names, which are supervised, which hyper-parameters each takes.
 * Nothing else in lib/ml lists the kinds.
 *
 * A new kind: write kind_NAME.c (kind.h says what it provides), give it a
 * value in grym_model_type (grym/ml.h), declare it and add its line to
 * the registry below. The value is the kind's index here, so files and
 * callers that hold a grym_model_type keep their meaning.
 */
#include <stdio.h>
#include <string.h>
#include "kind.h"

extern const grym_model_kind ml_kind_logreg, ml_kind_linsvm, ml_kind_svm, ml_kind_knn,
	ml_kind_mlp, ml_kind_kmeans;

static const grym_model_kind *const registry[] = {
	[GRYM_MODEL_LOGREG] = &ml_kind_logreg,
	[GRYM_MODEL_LINSVM] = &ml_kind_linsvm,
	[GRYM_MODEL_SVM] = &ml_kind_svm,
	[GRYM_MODEL_KNN] = &ml_kind_knn,
	[GRYM_MODEL_MLP] = &ml_kind_mlp,
	[GRYM_MODEL_KMEANS] = &ml_kind_kmeans,
};

#define NKINDS ((int)(sizeof registry / sizeof *registry))

const grym_model_kind *ml_kind_of(grym_model_type t)
{
	return (unsigned)t < (unsigned)NKINDS ? registry[t] : NULL;
}

const grym_model_kind *ml_kind_named(const char *name, grym_model_type *t)
{
	for (int i = 0; name && i < NKINDS; i++)
		if (registry[i] && strcmp(name, registry[i]->name) == 0) {
			if (t)
				*t = (grym_model_type)i;
			return registry[i];
		}
	return NULL;
}

void ml_kind_list(char *buf, size_t len)
{
	size_t at = 0;
	if (len)
		buf[0] = '\0';
	for (int i = 0; i < NKINDS && at < len; i++)
		if (registry[i])
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", registry[i]->name);
}

int grym_model_type_count(void)
{
	return NKINDS;
}

const char *grym_model_type_name(grym_model_type t)
{
	const grym_model_kind *k = ml_kind_of(t);
	return k ? k->name : "?";
}

int grym_model_type_parse(const char *name, grym_model_type *t)
{
	return ml_kind_named(name, t) ? GRYM_OK : GRYM_ERR_INVALID;
}

int grym_model_type_supervised(grym_model_type t)
{
	const grym_model_kind *k = ml_kind_of(t);
	return k && !(k->flags & ML_KIND_CLUSTERER);
}

int grym_model_type_uses(grym_model_type t, const char *option)
{
	const grym_model_kind *k = ml_kind_of(t);
	int i = ml_hp_index(option);
	if (i < 0)
		return -1;
	return k && (k->hyper & (1u << i)) ? 1 : 0;
}

const char *grym_model_type_why_not(grym_model_type t, const char *option)
{
	const grym_model_kind *k = ml_kind_of(t);
	int i = ml_hp_index(option);
	return k && i >= 0 && !(k->hyper & (1u << i)) ? k->why_not[i] : NULL;
}
