/*
 * model.c — the grym_model object: training (standardization fitted on
 * the training rows, then the kind's trainer), prediction, and the
 * grym-model(5) file format.
 *
 * It knows no model kind by name: each kind is a grym_model_kind
 * (kind.h) in its own file, kind_NAME.c, found through the registry
 * (kinds.c) by the model's type. To add a kind, add kind_NAME.c and its
 * line in the registry; nothing here changes.
 *
 * File layout (little-endian; man/grym-model.5 is normative):
 *   "GRYMMODL"            8 bytes magic
 *   u32 version           GRYM_MODEL_VERSION
 *   u32 header_len        bytes of the JSON header that follows
 *   header                compact JSON, keys sorted, no timestamps
 *   u64 data_len          bytes of the arrays that follow
 *   data                  the arrays listed in header "arrays", in order,
 *                         each rows*cols elements of its dtype (f4, f8, i4)
 *   32 bytes              SHA-256 of every byte before it
 * The same model always serializes to the same bytes.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/hash.h"
#include "kind.h"
#include "core/error_int.h"

static const char *const dtype_names[] = { "f4", "f8", "i4" };
static const size_t dtype_size[] = { 4, 8, 4 };

void *ml_array_add(grym_model *m, const char *name, int dtype, size_t rows, size_t cols,
		   grym_error *err)
{
	if (m->narr == ML_MAX_ARRAYS || strlen(name) >= sizeof m->arr[0].name) {
		grym_error_set(err, GRYM_ERR_LIMIT, "too many model arrays");
		return NULL;
	}
	void *data = calloc(rows * cols != 0 ? rows * cols : 1, dtype_size[dtype]);
	if (!data) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ml_array *a = &m->arr[m->narr++];
	snprintf(a->name, sizeof a->name, "%s", name);
	a->dtype = dtype;
	a->rows = rows;
	a->cols = cols;
	a->data = data;
	return data;
}

const ml_array *ml_array_get(const grym_model *m, const char *name, int dtype)
{
	for (int i = 0; i < m->narr; i++)
		if (strcmp(m->arr[i].name, name) == 0)
			return m->arr[i].dtype == dtype ? &m->arr[i] : NULL;
	return NULL;
}

void ml_class_weights(const int *y, size_t n, size_t k, int balanced, double *w)
{
	for (size_t c = 0; c < k; c++)
		w[c] = 0;
	if (!balanced) {
		for (size_t c = 0; c < k; c++)
			w[c] = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w[y[i]] += 1;
	for (size_t c = 0; c < k; c++)
		w[c] = w[c] > 0 ? (double)n / ((double)k * w[c]) : 1;
}

static grym_model *model_alloc(void)
{
	return calloc(1, sizeof(grym_model));
}

void grym_model_free(grym_model *m)
{
	if (!m)
		return;
	if (m->kind && m->kind->unload)
		m->kind->unload(m);
	for (size_t i = 0; m->labels && i < m->nclasses; i++)
		free(m->labels[i]);
	free(m->labels);
	for (size_t i = 0; m->names && i < m->d; i++)
		free(m->names[i]);
	free(m->names);
	free(m->mean);
	free(m->scale);
	json_decref(m->pipeline);
	json_decref(m->metrics);
	json_decref(m->training);
	for (int i = 0; i < m->narr; i++)
		free(m->arr[i].data);
	free(m);
}

grym_model_type grym_model_type_of(const grym_model *m) { return m->p.type; }
size_t grym_model_dims(const grym_model *m) { return m->d; }
size_t grym_model_nclasses(const grym_model *m) { return m->nclasses; }
const char *grym_model_label(const grym_model *m, size_t i) { return i < m->nclasses ? m->labels[i] : NULL; }
const grym_ml_params *grym_model_params(const grym_model *m) { return &m->p; }
const char *const *grym_model_feature_names(const grym_model *m) { return (const char *const *)m->names; }
const json_t *grym_model_pipeline(const grym_model *m) { return m->pipeline; }
void grym_model_set_rate(grym_model *m, int rate) { m->rate = rate > 0 ? rate : 0; }
int grym_model_rate(const grym_model *m) { return m->rate; }

int grym_model_check_rate(const grym_model *m, int rate, grym_error *err)
{
	if (m->rate <= 0 || rate <= 0 || rate == m->rate)
		return GRYM_OK;
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "features made at %d Hz, the model was trained on features at %d Hz "
			      "(make them at %d Hz: grym-features --rate %d)", rate, m->rate,
			      m->rate, m->rate);
}
const json_t *grym_model_metrics(const grym_model *m) { return m->metrics; }
const json_t *grym_model_training(const grym_model *m) { return m->training; }

int grym_model_set_source(grym_model *m, const char *target, const char *group_by,
			  grym_error *err)
{
	if (!m->training && !(m->training = json_object()))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (json_object_set_new(m->training, "target", target ? json_string(target) : json_null()) ||
	    json_object_set_new(m->training, "group_by", group_by ? json_string(group_by) : json_null()))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

/* What the training rows were: their count, then the kind's summary or
 * the class counts. */
static int describe_training(grym_model *m, const float *xs, const int *y, size_t n)
{
	json_t *t = json_object();
	if (!t)
		return -1;
	json_object_set_new(t, "items", json_integer((json_int_t)n));
	if (m->kind->summarize) {
		if (m->kind->summarize(m, xs, y, n, t) < 0) {
			json_decref(t);
			return -1;
		}
	} else {
		json_int_t *cnt = calloc(m->nclasses, sizeof *cnt);
		if (!cnt) {
			json_decref(t);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			cnt[y[i]]++;
		json_t *cc = json_object();
		for (size_t c = 0; c < m->nclasses; c++)
			json_object_set_new(cc, m->labels[c], json_integer(cnt[c]));
		free(cnt);
		json_object_set_new(t, "class_counts", cc);
	}
	json_decref(m->training);
	m->training = t;
	return 0;
}

int grym_model_set_info(grym_model *m, const json_t *pipeline, const json_t *metrics,
			grym_error *err)
{
	json_t *p = pipeline ? json_deep_copy(pipeline) : NULL;
	json_t *q = metrics ? json_deep_copy(metrics) : NULL;
	if ((pipeline && !p) || (metrics && !q)) {
		json_decref(p);
		json_decref(q);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	json_decref(m->pipeline);
	json_decref(m->metrics);
	m->pipeline = p;
	m->metrics = q;
	return GRYM_OK;
}

int grym_model_linear_weights(const grym_model *m, const double **W, const double **b,
			      size_t *rows, grym_error *err)
{
	if (!m->kind->weights || m->kind->weights(m, W, b, rows))
		return grym_error_set(err, GRYM_ERR_INVALID, "not a linear model");
	return GRYM_OK;
}

int ml_model_train(const grym_ml_params *p, const grym_dataset *ds, const size_t *rows,
		   size_t nrows, grym_model **out, grym_error *err)
{
	*out = NULL;
	int rc = ml_params_check(p, err);
	if (rc)
		return rc;
	if (grym_cancelled(p->cancel))
		return grym_error_cancelled(err);
	const grym_model_kind *kind = ml_kind_of(p->type);
	if (!rows)
		nrows = ds->n;
	if (nrows == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no training items");
	/* a clusterer's outputs are its k clusters */
	int sup = !(kind->flags & ML_KIND_CLUSTERER);
	size_t d = ds->d, K = sup ? ds->nlabels : (size_t)p->k;
	int64_t *cnt = NULL;
	if (sup) {
		if (K < 2)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      K ? "only one class ('%s'): a classifier needs at least two"
						: "%sno labels: a classifier needs at least two classes",
					      K ? ds->labels[0] : "");
		cnt = calloc(K, sizeof *cnt);
		if (!cnt)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (size_t r = 0; r < nrows; r++) {
			size_t i = rows ? rows[r] : r;
			if (ds->y[i] < 0) {
				free(cnt);
				return grym_error_set(err, GRYM_ERR_INVALID, "item %s has no label",
						      ds->keys[i] ? ds->keys[i] : "?");
			}
			cnt[ds->y[i]]++;
		}
		for (size_t c = 0; c < K; c++)
			if (!cnt[c]) {
				free(cnt);
				return grym_error_set(err, GRYM_ERR_INVALID,
						      "class '%s' has no item among the training rows",
						      ds->labels[c]);
			}
		free(cnt);
	} else if (K > nrows) {
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: --k %zu is more than the %zu items",
				      kind->name, K, nrows);
	}
	grym_model *m = model_alloc();
	float *xs = NULL;
	int *y = NULL;
	if (!m)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	m->kind = kind;
	m->p = *p;
	m->d = d;
	m->nclasses = K;
	m->labels = calloc(K, sizeof *m->labels);
	m->mean = calloc(d, sizeof *m->mean);
	m->scale = calloc(d, sizeof *m->scale);
	xs = malloc(nrows * d * sizeof *xs);
	y = malloc(nrows * sizeof *y);
	if (!m->labels || !m->mean || !m->scale || !xs || !y)
		goto nomem;
	for (size_t c = 0; c < K; c++) {
		char num[32];
		snprintf(num, sizeof num, "%zu", c);
		if (!(m->labels[c] = strdup(sup ? ds->labels[c] : num)))
			goto nomem;
	}
	if (ds->names) {
		if (!(m->names = calloc(d, sizeof *m->names)))
			goto nomem;
		for (size_t j = 0; j < d; j++)
			if (!(m->names[j] = strdup(ds->names[j])))
				goto nomem;
	}
	/* standardization on the training rows only (population std; 0 -> 1) */
	for (size_t r = 0; r < nrows; r++) {
		const float *x = ds->x + (rows ? rows[r] : r) * d;
		for (size_t j = 0; j < d; j++)
			m->mean[j] += x[j];
	}
	for (size_t j = 0; j < d; j++)
		m->mean[j] /= (double)nrows;
	for (size_t r = 0; r < nrows; r++) {
		const float *x = ds->x + (rows ? rows[r] : r) * d;
		for (size_t j = 0; j < d; j++)
			m->scale[j] += (x[j] - m->mean[j]) * (x[j] - m->mean[j]);
	}
	for (size_t j = 0; j < d; j++) {
		double s = sqrt(m->scale[j] / (double)nrows);
		m->scale[j] = s > 1e-12 * fmax(1.0, fabs(m->mean[j])) ? s : 1.0;
	}
	for (size_t r = 0; r < nrows; r++) {
		size_t i = rows ? rows[r] : r;
		for (size_t j = 0; j < d; j++)
			xs[r * d + j] = (float)((ds->x[i * d + j] - m->mean[j]) / m->scale[j]);
		y[r] = ds->y[i];
	}
	rc = kind->train(m, xs, y, nrows, err);
	if (!rc && kind->load)
		rc = kind->load(m, err);
	if (!rc && grym_cancelled(p->cancel))
		rc = grym_error_cancelled(err);   /* after a call that cannot stop (libsvm) */
	if (!rc && describe_training(m, xs, y, nrows) < 0)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	/* the caller's flag and callback may not outlive this call */
	m->p.cancel = NULL;
	m->p.progress = NULL;
	m->p.progress_ud = NULL;
	free(xs);
	free(y);
	if (rc) {
		grym_model_free(m);
		return rc;
	}
	*out = m;
	return GRYM_OK;
nomem:
	free(xs);
	free(y);
	grym_model_free(m);
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

grym_model *grym_model_train(const grym_ml_params *p, const grym_dataset *ds,
			     const size_t *rows, size_t nrows, grym_error *err)
{
	grym_model *m;
	int rc = ml_model_train(p, ds, rows, nrows, &m, err);

	return rc == GRYM_OK ? m : grym__failed(err, rc);
}

int grym_model_check_dims(const grym_model *m, size_t d, grym_error *err)
{
	if (d != m->d)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "feature dimension %zu differs from the model's %zu", d, m->d);
	return GRYM_OK;
}

static json_t *features_stage(const json_t *pipeline)
{
	size_t i;
	json_t *st, *found = NULL;
	if (!json_is_array(pipeline))
		return NULL;
	json_array_foreach((json_t *)pipeline, i, st) {
		const char *name = json_string_value(json_object_get(st, "stage"));
		if (name && strcmp(name, "features") == 0)
			found = st;   /* the last one made the vectors */
	}
	return found;
}

int grym_model_check_recipe(const grym_model *m, const json_t *pipeline, grym_error *err)
{
	json_t *a = features_stage(m->pipeline), *b = features_stage(pipeline);
	if (!a || !b || json_equal(a, b))
		return GRYM_OK;
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v) {
		json_t *w = json_object_get(b, k);
		if (!strcmp(k, "segment") || !strcmp(k, "segment_hop"))
			continue;   /* windows of a clip may be scored by a clip model */
		if (!strcmp(k, "rate") && m->rate > 0)
			continue;   /* "rate": 0 or N alike; the analysis rate itself is
				       checked (grym_model_check_rate) */
		if (!w || !json_equal(v, w)) {
			char *x = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			char *y = w ? json_dumps(w, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
			/* rate 0 is "each file at its own rate": say it in words */
			int native_x = !strcmp(k, "rate") && json_is_integer(v) && json_integer_value(v) == 0;
			int native_y = !strcmp(k, "rate") && json_is_integer(w) && json_integer_value(w) == 0;
			grym_error_set(err, GRYM_ERR_INVALID,
				       "these features were made with %s %s, but the model was trained on "
				       "features made with %s %s", k,
				       native_y ? "0 (each file's own rate)" : y ? y : "(unset)",
				       k, native_x ? "0 (each file's own rate)" : x ? x : "?");
			free(x);
			free(y);
			return GRYM_ERR_INVALID;
		}
	}
	json_object_foreach(b, k, v)
		if (!json_object_get(a, k) && strcmp(k, "segment") && strcmp(k, "segment_hop"))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "features made with '%s', which the model's recipe does not have", k);
	return GRYM_OK;
}

int grym_model_predict(const grym_model *m, const float *x, size_t n, float *proba, int *pred,
		       grym_error *err)
{
	size_t d = m->d, K = m->nclasses;
	if (n == 0)
		return GRYM_OK;
	float *xs = malloc(n * d * sizeof *xs);
	float *pb = proba ? proba : malloc(n * K * sizeof *pb);
	if (!xs || !pb) {
		free(xs);
		if (!proba)
			free(pb);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	int rc = GRYM_OK;
	for (size_t i = 0; i < n && !rc; i++)
		for (size_t j = 0; j < d; j++) {
			float v = x[i * d + j];
			if (!isfinite(v)) {
				rc = grym_error_set(err, GRYM_ERR_FORMAT, "%s in feature column %zu",
						    isnan(v) ? "NaN" : "infinity", j);
				break;
			}
			xs[i * d + j] = (float)((v - m->mean[j]) / m->scale[j]);
		}
	const grym_model_kind *kind = m->kind;
	if (!rc) {
		memset(pb, 0, n * K * sizeof *pb);
		/* a kind with its own decision (a vote, not the arg-max of the
		 * probabilities) computes probabilities only when asked for */
		if (proba || !kind->decision)
			rc = kind->predict(m, xs, n, pb, err);
		if (!rc && pred && kind->decision)
			rc = kind->decision(m, xs, n, pred, err);
	}
	if (!rc && pred && !kind->decision)
		for (size_t i = 0; i < n; i++) {
			size_t b = 0;
			for (size_t k = 1; k < K; k++)
				if (pb[i * K + k] > pb[i * K + b])
					b = k;
			pred[i] = (int)b;
		}
	free(xs);
	if (!proba)
		free(pb);
	return rc;
}

/* ---- grym-model(5) ---- */

json_t *grym_model_params_json(const grym_model *m)
{
	return ml_params_json(&m->p);
}

static void put_u32(unsigned char *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(const unsigned char *b)
{
	return (uint64_t)get_u32(b) | (uint64_t)get_u32(b + 4) << 32;
}

static void sha256_raw(const void *data, size_t len, unsigned char out[32])
{
	char hex[GRYM_ID_LEN + 1];
	grym_sha256_hex(data, len, hex);
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int grym_model_save(const grym_model *m, unsigned char **buf, size_t *len, grym_error *err)
{
	*buf = NULL;
	*len = 0;
	json_t *arrays = json_array();
	size_t data_len = 0;
	/* standardization first, then the model's own arrays */
	const ml_array stdz[2] = { { "mean", ML_F64, 1, m->d, m->mean },
				   { "scale", ML_F64, 1, m->d, m->scale } };
	const ml_array *all[ML_MAX_ARRAYS + 2];
	int na = 0;
	all[na++] = &stdz[0];
	all[na++] = &stdz[1];
	for (int i = 0; i < m->narr; i++)
		all[na++] = &m->arr[i];
	for (int i = 0; i < na; i++) {
		json_array_append_new(arrays, json_pack("{s:s,s:s,s:[I,I]}", "name", all[i]->name,
							"dtype", dtype_names[all[i]->dtype],
							"shape", (json_int_t)all[i]->rows,
							(json_int_t)all[i]->cols));
		data_len += all[i]->rows * all[i]->cols * dtype_size[all[i]->dtype];
	}
	json_t *h = json_pack("{s:s,s:i,s:s,s:o,s:o,s:I,s:I,s:o,s:o,s:O,s:O,s:I}",
			      "format", "grym-model", "version", GRYM_MODEL_VERSION,
			      "type", m->kind->name,
			      "params", ml_params_json(&m->p),
			      "labels", strv_json(m->labels, m->nclasses),
			      "dims", (json_int_t)m->d, "classes", (json_int_t)m->nclasses,
			      "feature_names", m->names ? strv_json(m->names, m->d) : json_null(),
			      "arrays", arrays,
			      "pipeline", m->pipeline ? m->pipeline : json_null(),
			      "metrics", m->metrics ? m->metrics : json_null(),
			      "seed", (json_int_t)m->p.seed);
	if (!h)
		return grym_error_set(err, GRYM_ERR_NOMEM, "cannot build the model header");
	/* the training rate: absent (not 0) when unknown, as in the files
	 * from before grym recorded it */
	if (m->rate > 0)
		json_object_set_new(h, "rate", json_integer(m->rate));
	json_object_set_new(h, "standardization",
			    json_pack("{s:s,s:s}", "mean", "mean", "scale", "scale"));
	if (m->training)
		json_object_set(h, "training", m->training);
	char *hs = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(h);
	if (!hs)
		return grym_error_set(err, GRYM_ERR_NOMEM, "cannot serialize the model header");
	size_t hl = strlen(hs), total = 16 + hl + 8 + data_len + 32;
	unsigned char *b = malloc(total);
	if (!b) {
		free(hs);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	memcpy(b, GRYM_MODEL_MAGIC, 8);
	put_u32(b + 8, GRYM_MODEL_VERSION);
	put_u32(b + 12, (uint32_t)hl);
	memcpy(b + 16, hs, hl);
	free(hs);
	unsigned char *p = b + 16 + hl;
	put_u64(p, data_len);
	p += 8;
	for (int i = 0; i < na; i++) {
		size_t cnt = all[i]->rows * all[i]->cols;
		if (all[i]->dtype == ML_F64) {
			const double *v = all[i]->data;
			for (size_t j = 0; j < cnt; j++, p += 8) {
				uint64_t u;
				memcpy(&u, &v[j], 8);
				put_u64(p, u);
			}
		} else {
			const uint32_t *v = all[i]->data;
			for (size_t j = 0; j < cnt; j++, p += 4)
				put_u32(p, v[j]);
		}
	}
	sha256_raw(b, (size_t)(p - b), p);
	*buf = b;
	*len = total;
	return GRYM_OK;
}

static int dup_strv(json_t *a, size_t n, char ***out, grym_error *err)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model header: a name list has the wrong size");
	char **v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	*out = v;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s)
			return grym_error_set(err, GRYM_ERR_CORRUPT, "model header: a name is not a string");
		if (!(v[i] = strdup(s)))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	return GRYM_OK;
}

/* grym_model_load as a status, the model in *out. */
static int model_load(const void *buf, size_t len, grym_model **out, grym_error *err)
{
	const unsigned char *b = buf;
	*out = NULL;
	if (len < 8 || memcmp(b, GRYM_MODEL_MAGIC, 8) != 0)
		return len < 8 && memcmp(b, GRYM_MODEL_MAGIC, len) == 0
			? grym_error_set(err, GRYM_ERR_CORRUPT, "truncated model file (%zu bytes)", len)
			: grym_error_set(err, GRYM_ERR_FORMAT, "not a grym model file (bad magic)");
	if (len < 16)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "truncated model file (%zu bytes)", len);
	uint32_t ver = get_u32(b + 8), hl = get_u32(b + 12);
	if (ver > GRYM_MODEL_VERSION)
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
				      "model format version %u is newer than this grym reads (%d); "
				      "upgrade grym", ver, GRYM_MODEL_VERSION);
	if (ver == 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "bad model format version 0");
	if ((uint64_t)hl + 16 + 8 + 32 > len)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "truncated model file (%zu bytes)", len);
	uint64_t dl = get_u64(b + 16 + hl);
	if (dl > len || 16 + (uint64_t)hl + 8 + dl + 32 > len)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "truncated model file (%zu bytes)", len);
	if (16 + (uint64_t)hl + 8 + dl + 32 < len)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model file has %zu trailing bytes",
				      (size_t)(len - (16 + hl + 8 + dl + 32)));
	unsigned char sum[32];
	sha256_raw(b, len - 32, sum);
	if (memcmp(sum, b + len - 32, 32) != 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model file checksum mismatch (corrupt)");
	json_error_t je;
	json_t *h = json_loadb((const char *)b + 16, hl, JSON_REJECT_DUPLICATES, &je);
	if (!h || !json_is_object(h)) {
		json_decref(h);
		return grym_error_set(err, GRYM_ERR_CORRUPT, "model header is not a JSON object");
	}
	grym_model *m = model_alloc();
	int rc = GRYM_OK;
	if (!m) {
		json_decref(h);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	const char *type = json_string_value(json_object_get(h, "type"));
	json_int_t d = json_integer_value(json_object_get(h, "dims"));
	json_int_t K = json_integer_value(json_object_get(h, "classes"));
	json_int_t seed = json_integer_value(json_object_get(h, "seed"));
	grym_model_type t;
	const grym_model_kind *kind = ml_kind_named(type, &t);
	if (!kind) {
		char known[128];
		ml_kind_list(known, sizeof known);
		rc = type ? grym_error_set(err, GRYM_ERR_CORRUPT, "model header: unknown model type '%s' "
					   "(this grym knows %s)", type, known)
			  : grym_error_set(err, GRYM_ERR_CORRUPT, "model header: no model type "
					   "(this grym knows %s)", known);
		goto fail;
	}
	if (d < 1 || d > (1 << 24) || K < 1 || K > (1 << 20) || seed < 0) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model header: bad dims/classes/seed");
		goto fail;
	}
	grym_ml_params_default(&m->p, t);
	m->kind = kind;
	m->p.seed = (uint64_t)seed;
	m->d = (size_t)d;
	m->nclasses = (size_t)K;
	if ((rc = ml_params_parse(json_object_get(h, "params"), &m->p, err)))
		goto fail;
	/* the hyper-parameters training accepts (the common checks, then the kind's) */
	if (ml_params_check(&m->p, err)) {
		rc = GRYM_ERR_CORRUPT;
		grym_error_prefix(err, rc, "model header params");
		if (err)
			err->code = rc;
		goto fail;
	}
	if ((rc = dup_strv(json_object_get(h, "labels"), m->nclasses, &m->labels, err)))
		goto fail;
	json_t *fn = json_object_get(h, "feature_names");
	if (fn && !json_is_null(fn) && (rc = dup_strv(fn, m->d, &m->names, err)))
		goto fail;
	json_t *rt = json_object_get(h, "rate");
	if (rt && (!json_is_integer(rt) || json_integer_value(rt) <= 0 ||
		   json_integer_value(rt) > 10000000)) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model header: bad \"rate\"");
		goto fail;
	}
	m->rate = rt ? (int)json_integer_value(rt) : 0;   /* old files: unknown */
	json_t *pl = json_object_get(h, "pipeline"), *mt = json_object_get(h, "metrics");
	if ((rc = grym_model_set_info(m, json_is_null(pl) ? NULL : pl, json_is_null(mt) ? NULL : mt, err)))
		goto fail;
	/* "training" came later: older files lack it and still load */
	json_t *tr = json_object_get(h, "training");
	if (tr && !json_is_null(tr)) {
		if (!json_is_object(tr)) {
			rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model header: \"training\" is not an object");
			goto fail;
		}
		if (!(m->training = json_deep_copy(tr))) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	json_t *arrays = json_object_get(h, "arrays");
	if (!json_is_array(arrays)) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model header has no arrays");
		goto fail;
	}
	const unsigned char *p = b + 16 + hl + 8, *end = p + dl;
	size_t ai;
	json_t *ae;
	json_array_foreach(arrays, ai, ae) {
		const char *name = NULL, *dt = NULL;
		json_int_t r = -1, c = -1;
		if (json_unpack(ae, "{s:s,s:s,s:[II]}", "name", &name, "dtype", &dt, "shape", &r, &c) < 0 ||
		    r < 0 || c < 0 || r > (json_int_t)1 << 32 || c > (json_int_t)1 << 32) {
			rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model header: bad array entry %zu", ai);
			goto fail;
		}
		int dtype = -1;
		for (int k = 0; k < 3; k++)
			if (strcmp(dt, dtype_names[k]) == 0)
				dtype = k;
		/* r and c are each up to 2^32: compare by division, as r * c *
		 * size could wrap to a small number */
		uint64_t cnt = (uint64_t)r * (uint64_t)c;
		if (dtype < 0 || (c > 0 && (uint64_t)r > (uint64_t)(end - p) / dtype_size[dtype] /
				  (uint64_t)c)) {
			rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model array '%s' does not fit the data", name);
			goto fail;
		}
		void *dst;
		if (strcmp(name, "mean") == 0 || strcmp(name, "scale") == 0) {
			if (dtype != ML_F64 || r != 1 || (size_t)c != m->d) {
				rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model standardization has the wrong shape");
				goto fail;
			}
			double **slot = name[0] == 'm' ? &m->mean : &m->scale;
			if (*slot || !(*slot = malloc(m->d * sizeof **slot))) {
				rc = grym_error_set(err, *slot ? GRYM_ERR_CORRUPT : GRYM_ERR_NOMEM,
						    "model standardization: duplicate or out of memory");
				goto fail;
			}
			dst = *slot;
		} else if (!(dst = ml_array_add(m, name, dtype, (size_t)r, (size_t)c, err))) {
			rc = err ? err->code : GRYM_ERR_NOMEM;
			goto fail;
		}
		for (uint64_t j = 0; j < cnt; j++) {
			if (dtype == ML_F64) {
				uint64_t u = get_u64(p);
				memcpy((double *)dst + j, &u, 8);
				p += 8;
			} else {
				uint32_t u = get_u32(p);
				memcpy((uint32_t *)dst + j, &u, 4);
				p += 4;
			}
		}
	}
	if (p != end || !m->mean || !m->scale) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model arrays do not add up to the data");
		goto fail;
	}
	for (size_t j = 0; j < m->d; j++)
		if (!isfinite(m->mean[j]) || !(m->scale[j] > 0) || !isfinite(m->scale[j])) {
			rc = grym_error_set(err, GRYM_ERR_CORRUPT, "model standardization is not finite");
			goto fail;
		}
	/* the kind checks its arrays' shapes and index ranges, so that no
	 * predictor reads or writes out of bounds whatever the file says */
	if ((rc = kind->validate(m, err)))
		goto fail;
	if (kind->load && (rc = kind->load(m, err)))
		goto fail;
	/* One prediction checks that every array the kind needs is there. */
	float *z = calloc(m->d, sizeof *z), *pr = malloc(m->nclasses * sizeof *pr);
	if (!z || !pr)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	else
		rc = grym_model_predict(m, z, 1, pr, NULL, err);
	free(z);
	free(pr);
	if (rc)
		goto fail;
	json_decref(h);
	*out = m;
	return GRYM_OK;
fail:
	json_decref(h);
	grym_model_free(m);
	return rc;
}

grym_model *grym_model_load(const void *buf, size_t len, grym_error *err)
{
	grym_model *m;
	int rc = model_load(buf, len, &m, err);

	return rc == GRYM_OK ? m : grym__failed(err, rc);
}

grym_model *grym_model_load_file(const char *path, grym_error *err)
{
	grym_model *m = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		grym_error_set(err, e == ENOENT ? GRYM_ERR_NOTFOUND : GRYM_ERR_IO, "%s", strerror(e));
		return NULL;
	}
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = GRYM_OK;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			unsigned char *nb = realloc(buf, cap);
			if (!nb) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0) {
			if (ferror(f))
				rc = grym_error_set(err, GRYM_ERR_IO, "read error");
			break;
		}
	}
	fclose(f);
	if (!rc)
		rc = model_load(buf, len, &m, err);
	free(buf);
	return rc == GRYM_OK ? m : grym__failed(err, rc);
}
