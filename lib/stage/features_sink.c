/*
 * features_sink.c — what the features stage hands its sink for one input
 * (grym_features_result: the records' metadata, the frame matrices or
 * the vectors of each window), and the two ready-made sinks: grym
 * records and .npy files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features_int.h"
#include "grym/io.h"
#include "grym/npy.h"
#include "grym/stream.h"

/* The metadata every record of the job carries: what the input carried,
 * the pipeline with this stage's recipe, the analysis rate. */
static json_t *out_meta(const gfs_ctx *x, const gfs_job *j)
{
	json_t *m = j->meta ? json_deep_copy(j->meta) : json_object();
	if (!m)
		return NULL;
	json_t *pipe = json_object_get(m, "pipeline");
	if (!json_is_array(pipe)) {
		pipe = json_array();
		json_object_set_new(m, "pipeline", pipe);
	}
	json_array_append_new(pipe, grym_features_recipe(&x->p, -1));
	if (j->asset[0] && !json_object_get(m, "asset"))
		json_object_set_new(m, "asset", json_string(j->asset));
	json_object_del(m, "channels");
	json_object_del(m, "names");
	json_object_set_new(m, "rate", json_integer((json_int_t)j->r->rate));
	json_object_set_new(m, "hop_seconds", json_real(x->p.fo.stft.hop / j->r->rate));
	return m;
}

/* The vectors of a plan with a summary or segments: one per window that
 * holds a frame (the whole clip without segments). */
static int make_vectors(const gfs_ctx *x, gfs_result *r, grym_error *err)
{
	const grym_features_plan *p = &x->p;
	size_t total = grym_features_vector_len(p, r->m);
	int64_t frames = 0, cap = 0;
	for (int i = 0; i < p->nlist; i++)
		if (r->m[p->list[i]].frames > frames)
			frames = r->m[p->list[i]].frames;
	r->vlen = total;
	if (!(r->vec_names = grym_features_names(p, r->m, 1)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (int64_t k = 0;; k++) {
		double start, end;
		int64_t t0, t1;
		int win = grym_features_window(p, r->rate, r->samples, frames, k, &start, &end, &t0, &t1);
		if (win < 0)
			break;
		if (win == 0)
			continue;
		if (r->nvec == cap) {
			int64_t nc = cap ? 2 * cap : 1;
			float *v = realloc(r->vec, (size_t)nc * total * sizeof *v + 4);
			if (v)
				r->vec = v;
			int64_t *s = realloc(r->seg, (size_t)nc * sizeof *s);
			if (s)
				r->seg = s;
			double *a = realloc(r->start, (size_t)nc * sizeof *a);
			if (a)
				r->start = a;
			double *b = realloc(r->end, (size_t)nc * sizeof *b);
			if (b)
				r->end = b;
			if (!v || !s || !a || !b)
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			cap = nc;
		}
		int rc = grym_features_vector(p, r->m, r->mo, t0, t1, r->vec + (size_t)r->nvec * total, err);
		if (rc)
			return rc;
		r->seg[r->nvec] = k;
		r->start[r->nvec] = start;
		r->end[r->nvec] = end;
		r->nvec++;
		if (p->segment <= 0)
			break;
	}
	return GRYM_OK;
}

int gfs_finish_result(gfs_ctx *x, gfs_job *j, grym_error *err)
{
	if (!(j->r->meta = out_meta(x, j)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (x->p.summary || x->p.segment > 0)
		return make_vectors(x, j->r, err);
	return GRYM_OK;
}

void gfs_result_view(const gfs_ctx *x, const gfs_job *j, grym_features_result *out)
{
	const gfs_result *r = j->r;
	memset(out, 0, sizeof *out);
	out->key = j->key;
	out->name = j->name;
	out->file = j->file;
	out->asset = j->asset;
	out->meta = r->meta;
	out->rate = r->rate;
	out->samples = r->samples;
	out->plan = &x->p;
	if (!x->p.summary && x->p.segment <= 0) {
		out->m = r->m;
		return;
	}
	out->nvec = r->nvec;
	out->vlen = r->vlen;
	out->vec = r->vec;
	out->names = r->vec_names;
	out->seg = r->seg;
	out->start = r->start;
	out->end = r->end;
}

/* ---- records ---- */

static int write_matrices(grym_stream_writer *w, const grym_features_result *r, grym_error *err)
{
	int rc = GRYM_OK;
	for (int i = 0; i < r->plan->nlist && rc == GRYM_OK; i++) {
		grym_feature f = r->plan->list[i];
		const grym_fmat *m = &r->m[f];
		json_t *meta = json_deep_copy(r->meta);
		json_t *names = json_array();
		if (!meta || !names) {
			json_decref(meta);
			json_decref(names);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		json_object_set_new(meta, "feature", json_string(grym_feature_name(f)));
		char buf[64];
		for (int k = 0; k < m->dims; k++) {
			grym_feature_dim_name(f, k, m->dims, buf, sizeof buf);
			json_array_append_new(names, json_string(buf));
		}
		json_object_set_new(meta, "names", names);
		rc = grym_stream_begin(w, r->key, meta, GRYM_PAYLOAD_MATRIX, (uint32_t)m->dims, err);
		if (rc == GRYM_OK && m->frames)
			rc = grym_stream_write_rows(w, m->data, (uint64_t)m->frames, err);
		if (rc == GRYM_OK)
			rc = grym_stream_end(w, err);
		json_decref(meta);
	}
	return rc;
}

int grym_features_write_records(grym_stream_writer *w, const grym_features_result *r,
				grym_error *err)
{
	int rc = GRYM_OK;
	if (r->m)
		return write_matrices(w, r, err);
	for (int64_t i = 0; i < r->nvec && rc == GRYM_OK; i++) {
		json_t *meta = json_deep_copy(r->meta);
		if (!meta)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		json_object_set_new(meta, "names", json_deep_copy(r->names));
		if (r->plan->segment > 0) {
			json_object_set_new(meta, "segment", json_integer(r->seg[i]));
			json_object_set_new(meta, "start", json_real(r->start[i]));
			json_object_set_new(meta, "end", json_real(r->end[i]));
		}
		grym_record rec;
		memset(&rec, 0, sizeof rec);
		rec.head.key = (char *)r->key;
		rec.head.meta = meta;
		rec.head.kind = GRYM_PAYLOAD_VECTOR;
		rec.head.cols = (uint32_t)r->vlen;
		rec.rows = 1;
		rec.data = (float *)(r->vec + (size_t)i * r->vlen);
		rc = grym_stream_write(w, &rec, err);
		json_decref(meta);
	}
	return rc;
}

static int records_write(void *ud, const grym_features_result *r, grym_error *err)
{
	return grym_features_write_records(ud, r, err);
}

void grym_features_sink_records(grym_features_sink *s, grym_stream_writer *w, const char *name)
{
	memset(s, 0, sizeof *s);
	s->write = records_write;
	s->ud = w;
	s->name = name;
}

/* ---- .npy files ---- */

static int npy_write(void *ud, const grym_features_result *r, grym_error *err)
{
	const char *dir = ud;
	if (!r->m)
		return grym_error_set(err, GRYM_ERR_INVALID, "--npy writes frame matrices: no vectors");
	for (int i = 0; i < r->plan->nlist; i++) {
		grym_feature f = r->plan->list[i];
		char path[8192];
		int n = snprintf(path, sizeof path, "%s/%s.%s.npy", dir, r->file ? r->file : r->key,
				 grym_feature_name(f));
		if (n < 0 || (size_t)n >= sizeof path)
			return grym_error_set(err, GRYM_ERR_LIMIT, "--npy: file name too long");
		/* the folders of a key ("dog/x") under DIR */
		int mrc = grym_mkdir_parents(path, strlen(dir) + 1, err);
		if (mrc)
			return mrc;
		grym_output *o = grym_output_open(path, err);
		if (!o)
			return err->code;
		uint64_t shape[2] = { (uint64_t)r->m[f].frames, (uint64_t)r->m[f].dims };
		int rc = grym_npy_write(o, r->m[f].data, 2, shape, err);
		if (rc) {
			grym_output_abort(o);
			return rc;
		}
		if ((rc = grym_output_commit(o, err)))
			return rc;
	}
	return GRYM_OK;
}

void grym_features_sink_npy(grym_features_sink *s, const char *dir)
{
	memset(s, 0, sizeof *s);
	s->write = npy_write;
	s->ud = (void *)dir;
	s->per_input = 1;
	s->file_names = 1;
}
