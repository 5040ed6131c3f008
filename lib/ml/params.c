/*
 * params.c — the hyper-parameters (grym_ml_params): their defaults (the
 * common ones, then the kind's), their checks (the common ones, then the
 * kind's), and the model header's "params" object both ways. Which
 * hyper-parameters a kind uses is its `hyper` (kind.h); this file names
 * each one once: its header key and its grym-train option.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include "kind.h"

static const struct { const char *key, *option; } hp[ML_HP_COUNT] = {
	[ML_HPI_C] = { "C", "C" },
	[ML_HPI_CLASS_WEIGHT] = { "class_weight", "class-weight" },
	[ML_HPI_MAX_ITER] = { "max_iter", "max-iter" },
	[ML_HPI_TOL] = { "tol", "tol" },
	[ML_HPI_GAMMA] = { "gamma", "gamma" },
	[ML_HPI_K] = { "k", "k" },
	[ML_HPI_METRIC] = { "metric", "metric" },
	[ML_HPI_N_INIT] = { "n_init", "n-init" },
	[ML_HPI_HIDDEN] = { "hidden", "hidden" },
	[ML_HPI_DROPOUT] = { "dropout", "dropout" },
	[ML_HPI_ALPHA] = { "alpha", "alpha" },
	[ML_HPI_EPOCHS] = { "epochs", "epochs" },
	[ML_HPI_BATCH_SIZE] = { "batch_size", "batch-size" },
	[ML_HPI_LR] = { "lr", "lr" },
	[ML_HPI_VAL_FRACTION] = { "val_fraction", "val-fraction" },
	[ML_HPI_PATIENCE] = { "patience", "patience" },
};

int ml_hp_index(const char *option)
{
	for (int i = 0; option && i < ML_HP_COUNT; i++)
		if (strcmp(option, hp[i].option) == 0)
			return i;
	return -1;
}

void grym_ml_params_default(grym_ml_params *p, grym_model_type t)
{
	memset(p, 0, sizeof *p);
	p->type = t;
	/* every field has a value whatever the kind (the common checks read
	 * C and tol of all); the kind then sets its own */
	p->C = 1.0;
	p->max_iter = 1000;
	p->tol = 1e-4;
	p->gamma = 0;
	p->k = 5;
	p->metric = GRYM_METRIC_EUCLIDEAN;
	p->nhidden = 1;
	p->hidden[0] = 100;
	p->dropout = 0;
	p->alpha = 1e-4;
	p->epochs = 200;
	p->batch_size = 200;
	p->lr = 1e-3;
	p->val_fraction = 0.1;
	p->patience = 10;
	p->n_init = 3;
	p->balanced = 0;
	p->seed = 0;
	const grym_model_kind *k = ml_kind_of(t);
	if (k)
		k->defaults(p);
}

int ml_params_check(const grym_ml_params *p, grym_error *err)
{
	const grym_model_kind *k = ml_kind_of(p->type);
	int rc;
	if (!k)
		return grym_error_set(err, GRYM_ERR_INVALID, "unknown model type");
	if (!(p->C > 0) || !isfinite(p->C))
		return grym_error_set(err, GRYM_ERR_INVALID, "C must be positive");
	if (!(p->tol > 0))
		return grym_error_set(err, GRYM_ERR_INVALID, "tol must be positive");
	if (k->check && (rc = k->check(p, err)))
		return rc;
	if (p->seed > (uint64_t)INT64_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "seed must be below 2^63");
	return GRYM_OK;
}

static json_t *hp_value(const grym_ml_params *p, int i)
{
	switch (i) {
	case ML_HPI_C: return json_real(p->C);
	case ML_HPI_CLASS_WEIGHT: return json_string(p->balanced ? "balanced" : "none");
	case ML_HPI_MAX_ITER: return json_integer(p->max_iter);
	case ML_HPI_TOL: return json_real(p->tol);
	case ML_HPI_GAMMA: return json_real(p->gamma);
	case ML_HPI_K: return json_integer(p->k);
	case ML_HPI_METRIC:
		return json_string(p->metric == GRYM_METRIC_COSINE ? "cosine" : "euclidean");
	case ML_HPI_N_INIT: return json_integer(p->n_init);
	case ML_HPI_HIDDEN: {
		json_t *h = json_array();
		for (int l = 0; h && l < p->nhidden; l++)
			json_array_append_new(h, json_integer(p->hidden[l]));
		return h;
	}
	case ML_HPI_DROPOUT: return json_real(p->dropout);
	case ML_HPI_ALPHA: return json_real(p->alpha);
	case ML_HPI_EPOCHS: return json_integer(p->epochs);
	case ML_HPI_BATCH_SIZE: return json_integer(p->batch_size);
	case ML_HPI_LR: return json_real(p->lr);
	case ML_HPI_VAL_FRACTION: return json_real(p->val_fraction);
	case ML_HPI_PATIENCE: return json_integer(p->patience);
	}
	return NULL;
}

/* Only what the kind uses: a model file never claims a setting that had
 * no effect on it. */
json_t *ml_params_json(const grym_ml_params *p)
{
	const grym_model_kind *k = ml_kind_of(p->type);
	json_t *o = json_object();
	for (int i = 0; o && k && i < ML_HP_COUNT; i++)
		if (k->hyper & (1u << i))
			json_object_set_new(o, hp[i].key, hp_value(p, i));
	return o;
}

int ml_params_parse(json_t *o, grym_ml_params *p, grym_error *err)
{
	json_t *h = NULL;
	const char *metric = NULL, *cw = NULL;
	json_error_t je;
	/* every key optional: a kind's file holds only what it uses (older
	 * files hold them all); the rest keep the kind's defaults */
	if (json_unpack_ex(o, &je, 0,
			   "{s?F,s?i,s?F,s?F,s?i,s?s,s?o,s?F,s?F,s?i,s?i,s?F,s?F,s?i,s?i,s?s}",
			   "C", &p->C, "max_iter", &p->max_iter, "tol", &p->tol, "gamma", &p->gamma,
			   "k", &p->k, "metric", &metric, "hidden", &h, "dropout", &p->dropout,
			   "alpha", &p->alpha, "epochs", &p->epochs, "batch_size", &p->batch_size,
			   "lr", &p->lr, "val_fraction", &p->val_fraction, "patience", &p->patience,
			   "n_init", &p->n_init, "class_weight", &cw) < 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model header params: %s", je.text);
	p->metric = metric && strcmp(metric, "cosine") == 0 ? GRYM_METRIC_COSINE : GRYM_METRIC_EUCLIDEAN;
	p->balanced = cw && strcmp(cw, "balanced") == 0;
	if (!h)
		return GRYM_OK;
	if (!json_is_array(h) || json_array_size(h) > GRYM_MLP_MAX_LAYERS)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model header: bad hidden layers");
	p->nhidden = (int)json_array_size(h);
	for (int l = 0; l < p->nhidden; l++) {
		json_int_t v = json_integer_value(json_array_get(h, (size_t)l));
		if (v < 1 || v > 1 << 20)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "model header: bad hidden layer size");
		p->hidden[l] = (int)v;
	}
	return GRYM_OK;
}
