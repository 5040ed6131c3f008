/*
 * jobs_stage.c — a job as a stage call: its parameters read through the
 * stage's table (grym_schema_set_json, the API keys of grym-X --schema),
 * its inputs turned into catalog references (grym_sources_add_ref), and
 * the stage run with the sink of the programs' catalog mode (what
 * cmd/grym-X.c does with --catalog), whose results become the job's
 * result JSON.
 *
 * The parameters are read twice: when the job is submitted (so a bad
 * one is the request's error, naming the field) and when it runs (the
 * stored text; nothing parsed is kept between the two).
 */
#include "serve/jobs_int.h"
#include "grym/features_params.h"
#include "grym/infer_params.h"
#include "grym/normalize_params.h"
#include "grym/sources.h"
#include "grym/stage_features.h"
#include "grym/stage_infer.h"
#include "grym/stage_normalize.h"
#include "grym/stage_train.h"
#include "grym/train_params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUTS 100000       /* ids in one job */
#define MAX_LISTED 1000         /* predictions listed in a result */

typedef enum { K_NORMALIZE, K_FEATURES, K_TRAIN, K_INFER, K_NONE } kind_t;

static kind_t kind_of(const char *stage)
{
	static const char *const names[] = { "normalize", "features", "train", "infer" };
	for (int i = 0; stage && i < K_NONE; i++)
		if (!strcmp(stage, names[i]))
			return (kind_t)i;
	return K_NONE;
}

static void set_field(char *field, size_t len, const char *fmt, const char *s)
{
	if (field && len)
		snprintf(field, len, fmt, s);
}

static int nomem(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

/* grym_schema_set_json failed: its message names the key in quotes
 * ("features parameters: \"n_fft\": 1 is out of range ..." or
 * "... unknown parameter \"x\""); the field is "params.KEY", or
 * "params" when no key is named (not JSON, not an object). */
static int params_error(int rc, const grym_error *e, char *field, size_t len)
{
	const char *q = strchr(e->msg, '"'), *end = q ? strchr(q + 1, '"') : NULL;
	char key[128];
	if (rc == GRYM_ERR_NOMEM || !q || !end || (size_t)(end - q - 1) >= sizeof key) {
		set_field(field, len, "%s", rc == GRYM_ERR_NOMEM ? "" : "params");
		return rc;
	}
	memcpy(key, q + 1, (size_t)(end - q - 1));
	key[end - q - 1] = '\0';
	set_field(field, len, "params.%s", key);
	return rc;
}

/* The stage's parameter struct from text: defaults, the job's -j of 1,
 * then the object given. On failure the struct is cleared. */
static int read_params(const grym_schema *s, void *p, const char *json, int *jobs,
		       char *field, size_t len, grym_error *err)
{
	int rc = grym_schema_defaults(s, p, err);
	if (rc != GRYM_OK)
		return rc;
	if (jobs)
		*jobs = 1;
	if ((rc = grym_schema_set_json(s, p, json && json[0] ? json : "{}", err)) != GRYM_OK) {
		grym_schema_clear(s, p);
		return params_error(rc, err, field, len);
	}
	return GRYM_OK;
}

/* Every stage's parameters read and checked; what the run needs kept
 * (normalize's settled options). */
typedef struct params {
	kind_t k;
	grym_features_params fp;
	grym_normalize_params np;
	grym_normalize_params nrun;     /* np with its options settled */
	grym_train_params tp;
	grym_infer_params ip;
	char model_id[GRYM_ID_LEN + 1]; /* infer: the model, resolved */
} params;

static void params_clear(params *p)
{
	switch (p->k) {
	case K_NORMALIZE: grym_schema_clear(grym_normalize_schema(), &p->np); break;
	case K_FEATURES: grym_schema_clear(grym_features_schema(), &p->fp); break;
	case K_TRAIN: grym_schema_clear(grym_train_schema(), &p->tp); break;
	case K_INFER: grym_schema_clear(grym_infer_schema(), &p->ip); break;
	default: break;
	}
}

static int params_read(grym_catalog *cat, kind_t k, const char *json, params *p, char *field,
		       size_t len, grym_error *err)
{
	int rc;
	memset(p, 0, sizeof *p);
	p->k = K_NONE;
	switch (k) {
	case K_FEATURES:
		grym_features_opts_default(&p->fp.plan.fo);     /* what no parameter sets */
		rc = read_params(grym_features_schema(), &p->fp, json, &p->fp.jobs, field, len, err);
		break;
	case K_NORMALIZE:
		rc = read_params(grym_normalize_schema(), &p->np, json, &p->np.jobs, field, len, err);
		break;
	case K_TRAIN:
		rc = read_params(grym_train_schema(), &p->tp, json, NULL, field, len, err);
		break;
	case K_INFER:
		rc = read_params(grym_infer_schema(), &p->ip, json, &p->ip.jobs, field, len, err);
		break;
	default:
		set_field(field, len, "%s", "stage");
		return grym_error_set(err, GRYM_ERR_INVALID, "stage: no such stage");
	}
	if (rc != GRYM_OK)
		return rc;
	p->k = k;
	/* what the programs check before they start (their usage errors) */
	switch (k) {
	case K_FEATURES:
		if (p->fp.plan.segment_hop > 0 && p->fp.plan.segment <= 0) {
			set_field(field, len, "%s", "params.segment_hop");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "segment_hop needs segment");
		} else if ((rc = grym_stage_features_check(&p->fp, err)) != GRYM_OK) {
			set_field(field, len, "%s", "params");
		}
		break;
	case K_NORMALIZE:
		p->nrun = p->np;
		if ((rc = grym_normalize_params_opts(&p->np, &p->nrun.o, err)) != GRYM_OK)
			set_field(field, len, "%s", "params");
		break;
	case K_TRAIN:
		if (!p->tp.features) {
			set_field(field, len, "%s", "params.features");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "train parameters: \"features\" is "
					    "required (the feature sets of the catalog to train on)");
		} else if (p->tp.cv && p->tp.holdout > 0) {
			set_field(field, len, "%s", "params.holdout");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "cv and holdout exclude each other");
		}
		break;
	case K_INFER: {
		grym_model_row m;
		memset(&m, 0, sizeof m);
		if (!p->ip.model) {
			set_field(field, len, "%s", "params.model");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "infer parameters: \"model\" is "
					    "required");
		} else if ((rc = grym_catalog_get_model(cat, p->ip.model, &m, err)) != GRYM_OK) {
			/* a model of the catalog, never a file of the server's */
			set_field(field, len, "%s", "params.model");
			if (rc == GRYM_ERR_NOTFOUND || rc == GRYM_ERR_AMBIGUOUS)
				rc = grym_error_prefix(err, GRYM_ERR_INVALID, "params.model");
		} else {
			memcpy(p->model_id, m.id, sizeof p->model_id);
		}
		grym_model_row_clear(&m);
		break;
	}
	default:
		break;
	}
	if (rc != GRYM_OK)
		params_clear(p);
	return rc;
}

/* ---- inputs ---- */

/* A selection object: label, kind, parent (resolved to a full id). */
static int check_selection(grym_catalog *cat, kind_t k, json_t *sel, char *field, size_t len,
			   grym_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(sel, key, v) {
		int ok = !strcmp(key, "label") || (k != K_TRAIN && (!strcmp(key, "kind") ||
								    !strcmp(key, "parent")));
		if (!ok) {
			set_field(field, len, "inputs.%s", key);
			return grym_error_set(err, GRYM_ERR_INVALID, "inputs: \"%s\" selects nothing %s"
					      "takes (label%s)", key, k == K_TRAIN ? "train " : "",
					      k == K_TRAIN ? "" : ", kind, parent");
		}
		if (!json_is_string(v) || !json_string_value(v)[0]) {
			set_field(field, len, "inputs.%s", key);
			return grym_error_set(err, GRYM_ERR_INVALID, "inputs.%s: not a string", key);
		}
		if (!strcmp(key, "kind") && strcmp(json_string_value(v), "source") &&
		    strcmp(json_string_value(v), "derived")) {
			set_field(field, len, "%s", "inputs.kind");
			return grym_error_set(err, GRYM_ERR_INVALID, "inputs.kind: source or derived");
		}
		if (!strcmp(key, "parent")) {
			char full[GRYM_ID_LEN + 1];
			int rc = grym_catalog_resolve(cat, json_string_value(v), full, err);
			if (rc != GRYM_OK) {
				set_field(field, len, "%s", "inputs.parent");
				return rc;
			}
			json_object_set_new(sel, "parent", json_string(full));
		}
	}
	return GRYM_OK;
}

static int check_inputs(grym_catalog *cat, kind_t k, const char *text, char **out, char *field,
			size_t len, grym_error *err)
{
	json_error_t je;
	json_t *v = text && text[0] ? json_loads(text, JSON_DECODE_ANY, &je) : json_null();
	int rc = GRYM_OK;

	if (!v) {
		set_field(field, len, "%s", "inputs");
		return grym_error_set(err, GRYM_ERR_INVALID, "inputs: not JSON: %s", je.text);
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		if (k == K_TRAIN && json_array_size(v)) {
			set_field(field, len, "%s", "inputs");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "inputs: train reads the feature sets "
					    "of the catalog: a selection {\"label\": L} or nothing");
		} else if (k != K_TRAIN && json_array_size(v) == 0) {
			set_field(field, len, "%s", "inputs");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "inputs: no asset");
		} else if (json_array_size(v) > MAX_INPUTS) {
			set_field(field, len, "%s", "inputs");
			rc = grym_error_set(err, GRYM_ERR_LIMIT, "inputs: more than %d assets",
					    MAX_INPUTS);
		}
		json_array_foreach(v, i, e) {
			char full[GRYM_ID_LEN + 1], f[32];
			if (rc != GRYM_OK)
				break;
			snprintf(f, sizeof f, "inputs[%zu]", i);
			if (!json_is_string(e)) {
				set_field(field, len, "%s", f);
				rc = grym_error_set(err, GRYM_ERR_INVALID, "%s: not an asset id", f);
			} else if ((rc = grym_catalog_resolve(cat, json_string_value(e), full, err))) {
				set_field(field, len, "%s", f);
				grym_error_prefix(err, rc, "%s", f);
			} else {
				json_array_set_new(v, i, json_string(full));
			}
		}
	} else if (json_is_object(v)) {
		rc = check_selection(cat, k, v, field, len, err);
	} else if (!json_is_null(v) || k != K_TRAIN) {
		set_field(field, len, "%s", "inputs");
		rc = grym_error_set(err, GRYM_ERR_INVALID, "inputs: an array of asset ids or a "
				    "selection object");
	}
	if (rc == GRYM_OK && !(*out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		rc = nomem(err);
	json_decref(v);
	return rc;
}

int sj_check(grym_catalog *cat, const char *stage, const char *params_text, const char *inputs,
	     char **params_out, char **inputs_out, char *field, size_t field_len,
	     grym_error *err)
{
	kind_t k = kind_of(stage);
	params p;
	json_t *obj;
	int rc;

	*params_out = *inputs_out = NULL;
	set_field(field, field_len, "%s", "");
	if (stage && !strcmp(stage, "synth"))   /* jobs_synth.c */
		return sj_synth_check(cat, params_text, inputs, params_out, inputs_out, field,
				      field_len, err);
	if (k == K_NONE) {
		set_field(field, field_len, "%s", "stage");
		if (stage && !strcmp(stage, "ingest"))
			return grym_error_set(err, GRYM_ERR_INVALID, "stage: ingest runs from an "
					      "upload (POST /api/assets, /api/uploads/ID/ingest)");
		return grym_error_set(err, GRYM_ERR_INVALID, "stage: '%s' is none of normalize, "
				      "features, train, infer, synth", stage ? stage : "");
	}
	if ((rc = params_read(cat, k, params_text, &p, field, field_len, err)) != GRYM_OK)
		return rc;
	params_clear(&p);
	if ((rc = check_inputs(cat, k, inputs, inputs_out, field, field_len, err)) != GRYM_OK)
		return rc;
	/* the object as given, compact (it parsed above) */
	obj = json_loads(params_text && params_text[0] ? params_text : "{}", 0, NULL);
	*params_out = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (!*params_out) {
		free(*inputs_out);
		*inputs_out = NULL;
		return nomem(err);
	}
	return GRYM_OK;
}

/* ---- running ---- */

typedef struct add_ctx {
	grym_sources *src;
	uint64_t n;
	grym_error *err;
	int rc;
} add_ctx;

static int add_asset(void *ud, const grym_asset *a)
{
	add_ctx *c = ud;
	if ((c->rc = grym_sources_add_ref(c->src, a->id, c->err)) != GRYM_OK)
		return 1;
	c->n++;
	return 0;
}

/* The job's inputs as references in a new grym_sources (*src), their
 * number in *n: the ids stored, or the assets the selection names now. */
static int open_inputs(grym_catalog *cat, const char *text, grym_sources **src, uint64_t *n,
		       grym_error *err)
{
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS };
	json_t *v = json_loads(text ? text : "null", JSON_DECODE_ANY, NULL);
	int rc = GRYM_OK;

	*n = 0;
	if (!v)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "inputs: not JSON");
	if (!(*src = grym_sources_new(&so, err))) {
		json_decref(v);
		return GRYM_ERR_NOMEM;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if ((rc = grym_sources_add_ref(*src, json_string_value(e), err)) != GRYM_OK)
				break;
			(*n)++;
		}
	} else if (json_is_object(v)) {
		grym_asset_query q = { 0 };
		add_ctx c = { *src, 0, err, GRYM_OK };
		q.label = json_string_value(json_object_get(v, "label"));
		q.kind = json_string_value(json_object_get(v, "kind"));
		q.parent = json_string_value(json_object_get(v, "parent"));
		rc = grym_catalog_foreach_asset(cat, &q, add_asset, &c, err);
		if (rc == GRYM_OK || c.rc != GRYM_OK)
			rc = c.rc;
		*n = c.n;
	}
	json_decref(v);
	if (rc != GRYM_OK) {
		grym_sources_free(*src);
		*src = NULL;
	}
	return rc;
}

/* features: the ids of the feature sets stored for each asset */
static int features_write(void *ud, const grym_features_result *r, grym_error *err)
{
	json_t *list = ud, *ids, *o;
	if (!r->asset || !r->asset[0])
		return GRYM_OK;
	if (!(ids = json_array()) || !(o = json_pack("{s:s, s:o}", "asset", r->asset, "ids", ids)))
		return nomem(err);
	for (int i = 0; i < r->plan->nlist; i++) {
		char id[GRYM_ID_LEN + 1];
		json_t *rec = grym_features_recipe(r->plan, r->plan->list[i]);
		int rc = rec ? grym_id_derived(r->asset, rec, id, err) : nomem(err);
		json_decref(rec);
		if (rc != GRYM_OK) {
			json_decref(o);
			return rc;
		}
		json_array_append_new(ids, json_string(id));
	}
	return json_array_append_new(list, o) ? nomem(err) : GRYM_OK;
}

static int run_features(params *p, grym_sources *src, grym_stage_env *env, json_t *result,
			grym_error *err)
{
	json_t *sets = json_array();
	grym_features_sink sink = { .write = features_write, .ud = sets, .name = "catalog" };
	int rc;
	if (!sets)
		return nomem(err);
	env->jobs = p->fp.jobs;
	rc = grym_stage_features(env, src, &p->fp, &sink, err);
	json_object_set_new(result, "feature_sets", sets);
	return rc;
}

/* normalize: the derived assets; the reference records the stage writes
 * (grym-normalize's stdout) go to an unnamed temporary and are dropped */
typedef struct norm_out {
	json_t *assets;
	grym_output *out;
	grym_stream_writer *w;
	char path[4096];
} norm_out;

static grym_stream_writer *norm_records(void *ud, grym_error *err)
{
	norm_out *n = ud;
	if (!(n->out = grym_output_open_tmp(NULL, "grym-job", n->path, sizeof n->path, err)))
		return NULL;
	if (!(n->w = grym_stream_writer_new(n->out, GRYM_STREAM_BINARY, 0, err))) {
		grym_output_abort(n->out);
		grym_tmp_release(n->path);
		n->out = NULL;
	}
	return n->w;
}

static void norm_records_end(void *ud, int failed)
{
	norm_out *n = ud;
	(void)failed;
	grym_stream_writer_free(n->w);
	n->w = NULL;
	grym_output_abort(n->out);
	n->out = NULL;
	grym_tmp_release(n->path);
}

static void norm_result(void *ud, const grym_normalize_result *r)
{
	norm_out *n = ud;
	json_t *o = json_object();
	if (!o)
		return;
	json_object_set_new(o, "input", json_string(r->input));
	json_object_set_new(o, "asset", r->asset ? json_string(r->asset) : json_null());
	json_object_set_new(o, "reused", json_boolean(r->reused));
	json_object_set_new(o, "skipped", json_boolean(r->rep && r->rep->skipped));
	if (r->rep && !r->reused && !r->rep->skipped)
		json_object_set_new(o, "gain_db", json_real(r->rep->gain_db));
	json_array_append_new(n->assets, o);
}

static int run_normalize(params *p, grym_sources *src, grym_stage_env *env, json_t *result,
			 grym_error *err)
{
	norm_out n = { .assets = json_array() };
	grym_normalize_sink sink = { .ud = &n, .records = norm_records,
				     .records_end = norm_records_end, .records_name = "records",
				     .result = norm_result };
	int rc;
	if (!n.assets)
		return nomem(err);
	env->jobs = p->np.jobs;
	rc = grym_stage_normalize(env, src, &p->nrun, &sink, err);
	if (n.out)      /* the stage ended without records_end */
		norm_records_end(&n, 1);
	json_object_set_new(result, "assets", n.assets);
	return rc;
}

/* train: the model stored and the report */
static void train_done(void *ud, const grym_train_result *r)
{
	void **u = ud;
	json_t *result = u[0];
	const grym_train_params *tp = u[1];
	json_object_set_new(result, "model", r->model_id && r->model_id[0] ?
			    json_string(r->model_id) : json_null());
	json_t *rep = grym_train_result_json(r, tp);
	json_object_set_new(result, "report", rep ? rep : json_null());
}

static int run_train(params *p, grym_catalog *cat, const char *inputs, grym_stage_env *env,
		     json_t *result, grym_error *err)
{
	json_t *v = json_loads(inputs ? inputs : "null", JSON_DECODE_ANY, NULL);
	const char *label = json_string_value(json_object_get(v, "label"));
	void *u[2] = { result, &p->tp };
	grym_train_sink sink = { .ud = u, .done = train_done };
	int rc = GRYM_OK;
	(void)cat;
	if (label && p->tp.label.n == 0) {
		/* the selection's label is the parameter "label" */
		json_t *o = json_pack("{s:[s]}", "label", label);
		char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
		rc = t ? grym_schema_set_json(grym_train_schema(), &p->tp, t, err) : nomem(err);
		free(t);
		json_decref(o);
	}
	json_decref(v);
	env->jobs = 1;
	env->total = 1;
	return rc ? rc : grym_stage_train(env, NULL, &p->tp, &sink, err);
}

/* infer: the predictions, the first MAX_LISTED listed */
typedef struct infer_out {
	json_t *list;
	uint64_t n;
} infer_out;

static int infer_write(void *ud, const grym_infer_result *r, grym_error *err)
{
	infer_out *o = ud;
	if (o->n++ < MAX_LISTED && r->n > 0) {
		json_t *e = json_object();
		if (!e)
			return nomem(err);
		json_object_set_new(e, "asset", json_string(r->asset && r->asset[0] ? r->asset : r->key));
		json_object_set_new(e, "label", json_string(r->labels[0]));
		json_object_set_new(e, "probability", json_real(r->probs[0]));
		if (!isnan(r->start)) {
			json_object_set_new(e, "start", json_real(r->start));
			json_object_set_new(e, "end", json_real(r->end));
		}
		json_array_append_new(o->list, e);
	}
	return GRYM_OK;
}

static int run_infer(params *p, grym_sources *src, grym_stage_env *env, json_t *result,
		     grym_error *err)
{
	infer_out o = { json_array(), 0 };
	grym_infer_sink sink = { .ud = &o, .write = infer_write, .name = "predictions" };
	int rc;
	if (!o.list)
		return nomem(err);
	env->jobs = p->ip.jobs;
	rc = grym_stage_infer(env, p->model_id, src, &p->ip, &sink, err);
	json_object_set_new(result, "model", json_string(p->model_id));
	json_object_set_new(result, "predictions", o.list);
	json_object_set_new(result, "stored", json_integer((json_int_t)o.n));
	return rc;
}

int sj_check_any(grym_catalog *cat, const char *stage, const char *params, const char *inputs,
		 char **params_out, char **inputs_out, char *field, size_t field_len,
		 grym_error *err)
{
	if (stage && !strcmp(stage, "ingest"))
		return sj_ingest_check(params, inputs, params_out, inputs_out, field, field_len,
				       err);
	return sj_check(cat, stage, params, inputs, params_out, inputs_out, field, field_len,
			err);
}

int sj_run(grym_catalog *cat, const char *kind, const char *params_text, const char *inputs,
	   grym_stage_env *env, json_t *result, grym_error *err)
{
	if (kind && !strcmp(kind, "ingest"))
		return sj_ingest_run(cat, params_text, inputs, env, result, err);
	kind_t k = kind_of(kind);
	grym_sources *src = NULL;
	uint64_t n = 0;
	params p;
	int rc;

	if (kind && !strcmp(kind, "synth"))     /* jobs_synth.c */
		return sj_synth_run(cat, params_text, inputs, env, result, err);
	if ((rc = params_read(cat, k, params_text, &p, NULL, 0, err)) != GRYM_OK)
		return rc;
	if (k != K_TRAIN && (rc = open_inputs(cat, inputs, &src, &n, err)) != GRYM_OK) {
		params_clear(&p);
		return rc;
	}
	env->total = n;
	if (k != K_TRAIN)
		json_object_set_new(result, "selected", json_integer((json_int_t)n));
	switch (k) {
	case K_FEATURES: rc = run_features(&p, src, env, result, err); break;
	case K_NORMALIZE: rc = run_normalize(&p, src, env, result, err); break;
	case K_TRAIN: rc = run_train(&p, cat, inputs, env, result, err); break;
	case K_INFER: rc = run_infer(&p, src, env, result, err); break;
	default: rc = grym_error_set(err, GRYM_ERR_INTERNAL, "no stage %s", kind); break;
	}
	grym_sources_free(src);
	params_clear(&p);
	return rc;
}

/* ---- shared with the other stages' files (jobs_int.h) ---- */

int sj_params_error(int rc, const grym_error *e, char *field, size_t len)
{
	return params_error(rc, e, field, len);
}

int sj_check_assets(grym_catalog *cat, const char *inputs, char **out, char *field, size_t len,
		    grym_error *err)
{
	return check_inputs(cat, K_NONE /* not train: assets */, inputs, out, field, len, err);
}

int sj_open_assets(grym_catalog *cat, const char *inputs, grym_sources **src, uint64_t *n,
		   grym_error *err)
{
	return open_inputs(cat, inputs, src, n, err);
}
