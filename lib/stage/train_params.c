/*
 * train_params.c — the one table of the train stage's parameters.
 *
 * Options, --help, defaults, ranges and the API's JSON come from here
 * (grym/schema.h). The hyper-parameters lie in a grym_ml_params (the
 * struct's first member), so the table's offsets are that struct's too.
 * Which kinds take a parameter is not written here: lib/ml's kinds say
 * which hyper-parameters they use (grym_model_type_uses), and the
 * schema's applies asks them, so a new kind needs no line here but its
 * name among --model's choices (test_train_params checks the list is the
 * registry's). The hyper-parameters, --model and --seed shape the model:
 * they are its file's "type" and "params" (written by lib/ml) and its
 * training record's "seed", so they are marked as recipe parameters.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/schema_int.h"
#include "grym/train_params.h"

#define ML(f) offsetof(grym_train_params, ml.f)
#define P(f) offsetof(grym_train_params, f)
#define SHAPES GRYM_PARAM_RECIPE

/* --model's choices: the kinds in grym_model_type order. */
static const char *const kinds[] = { "logreg", "linsvm", "svm", "knn", "mlp", "kmeans", NULL };
static const char *const conflicts[] = { "refuse", "skip", "first", NULL };
static const char *const class_weights[] = { "none", "balanced", NULL };
static const char *const metrics[] = { "euclidean", "cosine", NULL };

static const grym_param_word scale[] = { { "scale", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word none[] = { { "none", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };

/* --hidden N,N...: the layer sizes of mlp. */
static int parse_hidden(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_ml_params *ml = &((grym_train_params *)params)->ml;
	int h[GRYM_MLP_MAX_LAYERS], n = 0;
	const char *s = text;

	if (!text || !*text)
		return grym_error_set(err, GRYM_ERR_INVALID, "needs layer sizes");
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || *s < '0' || *s > '9' || v < 1 || v > 1000000 || (*end && *end != ',') ||
		    n == GRYM_MLP_MAX_LAYERS)
			return grym_error_set(err, GRYM_ERR_INVALID, "'%s': comma-separated layer sizes "
					      "from 1 to 1000000, at most %d layers", text,
					      GRYM_MLP_MAX_LAYERS);
		h[n++] = (int)v;
		s = *end ? end + 1 : end;
		if (*end && !*s)   /* a trailing comma */
			return grym_error_set(err, GRYM_ERR_INVALID, "'%s': a size after each comma", text);
	}
	memcpy(ml->hidden, h, sizeof h);
	ml->nhidden = n;
	return GRYM_OK;
}

static char *hidden_json(const grym_param *p, const void *params)
{
	const grym_ml_params *ml = &((const grym_train_params *)params)->ml;
	char buf[16 * GRYM_MLP_MAX_LAYERS + 4];
	size_t o = 0;
	buf[o++] = '[';
	for (int l = 0; l < ml->nhidden; l++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%d", l ? "," : "", ml->hidden[l]);
	snprintf(buf + o, sizeof buf - o, "]");
	return strdup(buf);
}

static const grym_param params[] = {
	{ .name = "model", .type = GRYM_PARAM_ENUM, .offset = ML(type), .choices = kinds, .arg = "TYPE",
	  .help = "logreg, linsvm, svm, knn, mlp or kmeans", .flags = SHAPES },
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING, .offset = P(output),
	  .arg = "FILE", .help = "write the model to FILE (atomically)", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "target", .type = GRYM_PARAM_STRING, .offset = P(target), .min = 1, .arg = "FIELD",
	  .help = "label field (default: the item's single label)" },
	{ .name = "cv", .type = GRYM_PARAM_INT, .offset = P(cv), .min = 2, .max = 1000, .words = none,
	  .arg = "K", .help = "stratified K-fold cross-validation" },
	{ .name = "holdout", .type = GRYM_PARAM_REAL, .offset = P(holdout), .min = 0, .max = 1,
	  .words = none, .arg = "FRACTION", .help = "score on a stratified holdout of FRACTION",
	  .flags = GRYM_PARAM_MIN_OPEN | GRYM_PARAM_MAX_OPEN },
	{ .name = "group-by", .type = GRYM_PARAM_STRING, .offset = P(group_by), .min = 1, .arg = "FIELD",
	  .help = "keep items sharing FIELD (speaker...) in one fold (default: windows of one asset)" },
	{ .name = "on-conflict", .type = GRYM_PARAM_ENUM, .offset = P(on_conflict), .choices = conflicts,
	  .arg = "MODE",
	  .help = "an item with two labels: refuse, skip (leave it out) or first (its first label)" },
	{ .name = "folds-out", .type = GRYM_PARAM_STRING, .offset = P(folds_out), .arg = "FILE",
	  .help = "write key<TAB>fold of every item to FILE", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "predictions", .type = GRYM_PARAM_STRING, .offset = P(predictions), .arg = "FILE",
	  .help = "write each tested item's out-of-fold prediction and probabilities to FILE (TSV)",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "show", .type = GRYM_PARAM_STRING, .offset = P(show), .min = 1, .arg = "MODEL",
	  .help = "print what MODEL (file or catalog id/name) predicts and from what, then exit",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "seed", .type = GRYM_PARAM_U64, .offset = ML(seed), .arg = "N",
	  .help = "seed for folds, initialization, shuffles", .flags = SHAPES },
	{ .name = "name", .type = GRYM_PARAM_STRING, .offset = P(name), .min = 1, .arg = "NAME",
	  .help = "name of the model in the catalog" },
	{ .name = "json", .type = GRYM_PARAM_FLAG, .offset = P(json),
	  .help = "print the report as one JSON object", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "tsv", .type = GRYM_PARAM_FLAG, .offset = P(tsv),
	  .help = "inputs are TSV tables (header row, label column)", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "labels", .type = GRYM_PARAM_STRING, .offset = P(labels), .arg = "FILE",
	  .help = "labels of a .npy matrix, one per line", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "features", .type = GRYM_PARAM_STRING, .offset = P(features), .min = 1,
	  .arg = "NAME[,NAME...]", .help = "train on these features stored in the catalog (no input files)" },
	{ .name = "label", .type = GRYM_PARAM_LIST, .offset = P(label), .min = 1, .arg = "L",
	  .help = "with --features: only assets with label L (repeatable: any of them)" },
	{ .name = "split", .type = GRYM_PARAM_STRING, .offset = P(split), .min = 1, .arg = "S",
	  .help = "with --features: only assets whose meta split is S" },
	/* the hyper-parameters: the kinds that take each are lib/ml's */
	{ .name = "class-weight", .type = GRYM_PARAM_ENUM, .offset = ML(balanced), .choices = class_weights,
	  .arg = "MODE", .help = "none or balanced (weight classes by 1/frequency)", .flags = SHAPES },
	{ .name = "C", .type = GRYM_PARAM_REAL, .offset = ML(C), .def = 1, .min = 1e-12, .max = 1e12,
	  .arg = "C", .help = "inverse regularization strength", .flags = SHAPES },
	{ .name = "max-iter", .type = GRYM_PARAM_INT, .offset = ML(max_iter), .def = 0,
	  .def_text = "logreg 1000, kmeans 300", .min = 1, .max = 100000000, .arg = "N",
	  .help = "iterations", .flags = SHAPES },
	{ .name = "tol", .type = GRYM_PARAM_REAL, .offset = ML(tol), .def = NAN,
	  .def_text = "logreg 1e-6, linsvm 1e-4, svm 1e-3, mlp 1e-4, kmeans 1e-4", .min = 1e-300,
	  .max = 1e6, .arg = "T", .help = "tolerance", .flags = SHAPES },
	{ .name = "gamma", .type = GRYM_PARAM_REAL, .offset = ML(gamma), .def = 0, .min = 1e-300,
	  .max = 1e300, .words = scale, .arg = "G", .help = "RBF gamma (scale = 1/(dims * variance))",
	  .flags = SHAPES },
	{ .name = "k", .type = GRYM_PARAM_INT, .offset = ML(k), .def = 0, .def_text = "knn 5, kmeans 8",
	  .min = 1, .max = 1000000, .arg = "K", .help = "neighbours (knn) or clusters (kmeans)",
	  .flags = SHAPES },
	{ .name = "metric", .type = GRYM_PARAM_ENUM, .offset = ML(metric), .choices = metrics,
	  .arg = "NAME", .help = "euclidean or cosine", .flags = SHAPES },
	{ .name = "hidden", .type = GRYM_PARAM_CUSTOM, .offset = ML(hidden), .def_text = "100",
	  .parse = parse_hidden, .json_text = hidden_json, .arg = "N,N...",
	  .schema = "{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":1,"
		    "\"maximum\":1000000},\"minItems\":1,\"maxItems\":8,\"default\":[100]}",
	  .help = "hidden layer sizes", .flags = SHAPES },
	{ .name = "dropout", .type = GRYM_PARAM_REAL, .offset = ML(dropout), .def = 0, .min = 0,
	  .max = 0.99, .arg = "P", .help = "dropout rate on hidden layers", .flags = SHAPES },
	{ .name = "alpha", .type = GRYM_PARAM_REAL, .offset = ML(alpha), .def = 1e-4, .min = 0, .max = 1e6,
	  .arg = "A", .help = "L2 penalty", .flags = SHAPES },
	{ .name = "epochs", .type = GRYM_PARAM_INT, .offset = ML(epochs), .def = 200, .min = 1,
	  .max = 1000000, .arg = "N", .help = "maximum epochs", .flags = SHAPES },
	{ .name = "batch-size", .type = GRYM_PARAM_INT, .offset = ML(batch_size), .def = 200, .min = 1,
	  .max = 100000000, .arg = "N", .help = "mini-batch size", .flags = SHAPES },
	{ .name = "lr", .type = GRYM_PARAM_REAL, .offset = ML(lr), .def = 1e-3, .min = 1e-12, .max = 10,
	  .arg = "RATE", .help = "Adam learning rate", .flags = SHAPES },
	{ .name = "val-fraction", .type = GRYM_PARAM_REAL, .offset = ML(val_fraction), .def = 0.1,
	  .min = 0, .max = 0.9, .arg = "F", .help = "early-stopping validation split (0: off)",
	  .flags = SHAPES },
	{ .name = "patience", .type = GRYM_PARAM_INT, .offset = ML(patience), .def = 10, .min = 1,
	  .max = 1000000, .arg = "N", .help = "epochs without improvement before stopping",
	  .flags = SHAPES },
	{ .name = "n-init", .type = GRYM_PARAM_INT, .offset = ML(n_init), .def = 3, .min = 1, .max = 1000,
	  .arg = "N", .help = "restarts, best inertia kept", .flags = SHAPES },
	{ .name = NULL }
};

/* The kinds that take p: lib/ml's word for a hyper-parameter; the
 * supervised kinds for what scores a classifier; every kind for the rest
 * (0). */
static unsigned applies(const grym_param *p)
{
	unsigned bits = 0;
	int n = grym_model_type_count();
	int scoring = !strcmp(p->name, "cv") || !strcmp(p->name, "holdout") ||
		      !strcmp(p->name, "group-by");

	for (int k = 0; k < n && k < 32; k++) {
		int u = scoring ? grym_model_type_supervised((grym_model_type)k)
				: grym_model_type_uses((grym_model_type)k, p->name);
		if (u < 0)
			return 0;
		if (u)
			bits |= 1u << k;
	}
	return bits;
}

static const grym_schema schema = {
	.stage = "train",
	.title = "train a classifier (or k-means) on feature vectors, cross-validated",
	.params = params, .size = sizeof(grym_train_params), .kind = "model", .applies = applies,
	.help_kinds = 1
};

const grym_schema *grym_train_schema(void)
{
	return &schema;
}

void grym_train_params_ml(const grym_train_params *tp, grym_ml_params *p)
{
	grym_model_type t = tp->ml.type;

	grym_ml_params_default(p, t);
	for (const grym_param *q = params; q->name; q++) {
		/* the table's offsets are grym_ml_params' for the fields of ml */
		void *to = p, *from = (void *)tp;
		if (q->offset >= sizeof tp->ml || grym_model_type_uses(t, q->name) != 1)
			continue;
		switch (q->type) {
		case GRYM_PARAM_INT:
		case GRYM_PARAM_ENUM:
			if (q->def_text && *grym__param_int(q, from) == (int)q->def)
				continue;   /* the kind's default */
			*grym__param_int(q, to) = *grym__param_int(q, from);
			break;
		case GRYM_PARAM_REAL:
			if (q->def_text && isnan(q->def) && isnan(*grym__param_real(q, from)))
				continue;
			*grym__param_real(q, to) = *grym__param_real(q, from);
			break;
		case GRYM_PARAM_CUSTOM:   /* hidden */
			memcpy(p->hidden, tp->ml.hidden, sizeof p->hidden);
			p->nhidden = tp->ml.nhidden;
			break;
		default:
			break;
		}
	}
	p->seed = tp->ml.seed;
}
