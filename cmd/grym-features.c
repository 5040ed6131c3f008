/*
 * grym-features — librosa-exact audio features as grym records.
 *
 * The command side of lib/features: it reads audio (files, audio on
 * stdin, audio records) or catalog ids, runs one streaming extractor per
 * input (-j N at a time in the ordered worker pool, grym/pool.h: output
 * in input order), and writes frame
 * matrices, summary vectors, segment vectors, text or .npy files. In
 * catalog mode each feature is stored under its extractor recipe, and a
 * repeated request is answered from the catalog. No algorithm lives here:
 * every number comes from lib/features.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <cblas.h>
#include "cli.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/features.h"
#include "grym/features_file.h"
#include "grym/features_params.h"
#include "grym/hash.h"
#include "grym/io.h"
#include "grym/npy.h"
#include "grym/pathname.h"
#include "grym/pool.h"
#include "grym/progress.h"
#include "grym/sources.h"
#include "grym/store.h"
#include "grym/stream.h"

/* Every option but --schema is a parameter of the features stage
 * (lib/stage/features_params.c): parsed, checked and shown in --help
 * from that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct cfg {
	grym_features_params fp;/* as parsed; copied into the fields below */
	grym_features_plan p;   /* features, parameters, stats, segments
				   (p.rate/offset/duration mirror dec) */
	int list_given;
	int text;
	const char *npy_dir;
	const char *output;
	long jobs;
	int recompute;
	int verify;             /* --verify: catalog handles hash every object */
	grym_decode_opts dec;
	char catalog_dir[4096];
	int have_catalog;
} cfg;

static grym_cli cli;

static int on_option(void *ud, const char *name, const char *arg)
{
	cfg *c = ud;
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&cli, grym_features_schema());
		exit(GRYM_EXIT_OK);
	}
	return grym_cli_schema_set(&cli, grym_features_schema(), &c->fp, name, arg) ? -1 : 0;
}

/* ---- the recipe: every parameter that shapes a number ---- */

static json_t *recipe_new(const cfg *c, int feature)
{
	return grym_features_recipe(&c->p, feature);
}

/* ---- jobs ---- */

/* What analysing an input gives: allocated when its job runs (or when
 * reading it failed) and freed once written, so only the pool's window
 * (2 x -j jobs) holds results, however many inputs there are. */
typedef struct job_result {
	grym_error err;
	grym_fmat m[GRYM_FEAT_COUNT];   /* data NULL when only moments are kept */
	grym_moments *mo[GRYM_FEAT_COUNT];
	int keep_matrix;        /* else a whole-clip summary streams into mo */
	double rate;            /* analysis rate */
	int64_t samples;
} job_result;

/* One input, from reading to writing. */
typedef struct job {
	char *key;              /* output key (asset id, file name (see
				   name_files), record key) */
	char *npy;              /* --npy: KEY made a unique relative file name */
	char *name;             /* for messages */
	char *path;             /* file to decode, or NULL (payload, object) */
	int object;             /* decode the asset's object (run_job opens it) */
	int from_file;          /* the key is made from path's name */
	int tmp_path;           /* path is our spooled temporary: unlink it */
	json_t *meta;           /* metadata passed through (owned) */
	char asset[GRYM_ID_LEN + 1];
	float *payload;         /* audio record: interleaved */
	int64_t pframes;
	int pchannels, prate;
	int rc;                 /* GRYM_OK, or why it failed (in r->err) */
	job_result *r;          /* NULL: not run yet, or freed */
	int failed;             /* failed while reading the input: rc, err say how */
	grym_pool_worker *w;    /* the worker running it (its cancel flag, its
				   share of the pool's progress) */
	grym_progress *bar;     /* the bar (NULL: none), for the word on it */
} job;

/* What each pool worker keeps from one job to the next (indexed by
 * grym_pool_worker.index: one job at a time per index, no lock). */
typedef struct worker_state {
	grym_catalog *cat;      /* opened at its first catalog asset */
	int cat_tried;
	int blas_set;           /* OpenBLAS told to use this thread only */
} worker_state;

typedef struct ctx {
	cfg *c;
	job *jobs;              /* every input, read before any runs: the keys
				   and --npy names need them all (name_files);
				   results live only in the pool's window */
	size_t njobs, cap;
	worker_state *ws;       /* one per pool worker */
	grym_progress *bar;     /* the bar, or NULL */
	grym_stream_writer *w;  /* records, or NULL with --npy */
	int out_failed;         /* the output failed: nothing more is written */
} ctx;

/* Everything a job holds, once written (or dropped); idempotent. */
static void job_free(job *j)
{
	free(j->key);
	free(j->npy);
	free(j->name);
	if (j->tmp_path && j->path)
		grym_tmp_release(j->path);
	free(j->path);
	json_decref(j->meta);
	free(j->payload);
	j->key = j->npy = j->name = j->path = NULL;
	j->meta = NULL;
	j->payload = NULL;
	j->tmp_path = 0;
	for (int i = 0; j->r && i < GRYM_FEAT_COUNT; i++) {
		grym_fmat_clear(&j->r->m[i]);
		grym_moments_free(j->r->mo[i]);
	}
	free(j->r);
	j->r = NULL;
}

static job *job_add(ctx *x)
{
	if (x->njobs == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		job *nj = realloc(x->jobs, cap * sizeof *nj);
		if (!nj)
			return NULL;
		x->jobs = nj;
		x->cap = cap;
	}
	job *j = &x->jobs[x->njobs++];
	memset(j, 0, sizeof *j);
	return j;
}

/* Keys of the jobs read from files, once all inputs are known: base
 * names while they are unique, else paths relative to the folder holding
 * them all (grym_unique_names), so a folder per class keeps its files
 * apart. */
static int name_files(ctx *x, grym_error *err)
{
	const char **paths = calloc(x->njobs ? x->njobs : 1, sizeof *paths);
	char **names;
	if (!paths)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < x->njobs; i++)
		paths[i] = x->jobs[i].from_file ? x->jobs[i].path : NULL;
	names = grym_unique_names(paths, x->njobs, err);
	free(paths);
	if (!names)
		return err->code;
	for (size_t i = 0; i < x->njobs; i++) {
		if (!names[i])
			continue;
		free(x->jobs[i].key);
		x->jobs[i].key = names[i];
		names[i] = NULL;
	}
	grym_names_free(names, x->njobs);
	return GRYM_OK;
}

/* --npy file names: the key, whose '/' make folders under DIR (an
 * empty, "." or ".." part becomes "_", so nothing lands outside DIR),
 * with "~2", "~3"... for a name an earlier input holds: two inputs never
 * write one file. Returns how many names had to be numbered. */
static int name_npy(ctx *x, grym_error *err)
{
	char **names = calloc(x->njobs ? x->njobs : 1, sizeof *names);
	int rc;
	if (!names)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < x->njobs; i++)
		if (x->jobs[i].key && !(names[i] = strdup(x->jobs[i].key))) {
			grym_names_free(names, x->njobs);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	rc = grym_names_as_files(names, x->njobs, err);
	for (size_t i = 0; i < x->njobs; i++)
		x->jobs[i].npy = names[i];
	free(names);
	return rc;
}

/* ---- analysis of one job ---- */

/* The lib/ calls' progress: the position within the job's input goes to
 * the pool, which sums the running jobs for the bar; the word ("analysing",
 * a feature's name, the seconds analysed of a pipe) goes to the bar as
 * said. On the job's worker thread. */
static void job_progress(void *ud, double fraction, const char *msg)
{
	job *j = ud;
	grym_pool_progress(j->w, fraction);
	grym_progress_note(j->bar, msg);
}

/* The extractor's sink: the frame matrix when the output needs it, else
 * only the streaming moments of a clip summary (an hour of stft_mag
 * summarised never sits in memory). */
static int col_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	job *j = ud;
	if (j->r->keep_matrix)
		return grym_fmat_alloc(&j->r->m[f], frames, dims, err);
	j->r->m[f].frames = frames;
	j->r->m[f].dims = dims;
	j->r->mo[f] = grym_moments_new(dims, err);
	return j->r->mo[f] ? GRYM_OK : err->code;
}

static int col_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		    grym_error *err)
{
	(void)err;
	job *j = ud;
	if (j->r->mo[f])
		grym_moments_add(j->r->mo[f], rows, n);
	else
		memcpy(j->r->m[f].data + first * j->r->m[f].dims, rows, (size_t)n * j->r->m[f].dims * sizeof *rows);
	return GRYM_OK;
}

static int analyse(cfg *c, job *j, const char *path, const grym_feature *list, int n,
		   grym_error *err)
{
	/* a signal stops the decoding and the extractor within a frame;
	 * the bar hears how far into the file this job is */
	grym_features_opts fo = c->p.fo;
	fo.cancel = j->w->cancel;
	if (j->bar) {
		fo.progress = job_progress;
		fo.progress_ud = j;
	}
	grym_feature_sink sink = { col_begin, col_rows, NULL, j };
	if (path)
		return grym_features_file(path, &c->dec, &fo, list, n, &sink, &j->r->rate, &j->r->samples,
					  err);
	int rate = j->prate, channels = j->pchannels;
	if (c->dec.rate && c->dec.rate != rate)
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
				      "audio record at %d Hz: --rate %d resamples files and catalog "
				      "assets only", rate, c->dec.rate);
	j->r->rate = rate;
	grym_extractor *x = grym_extractor_new(&fo, rate, list, n, err);
	if (!x)
		return err->code;
	int rc = GRYM_OK;
	/* an audio record: mono mixdown (channel mean), --offset/--duration */
	int64_t first = (int64_t)llround(c->dec.offset * rate), last = j->pframes;
	if (c->dec.duration > 0 && first + (int64_t)llround(c->dec.duration * rate) < last)
		last = first + (int64_t)llround(c->dec.duration * rate);
	enum { BLOCK = 65536 };
	float *mono = malloc(BLOCK * sizeof *mono);
	if (!mono)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (int64_t t = first; rc == GRYM_OK && t < last; t += BLOCK) {
		int64_t m = last - t < BLOCK ? last - t : BLOCK;
		for (int64_t i = 0; i < m; i++) {
			double acc = 0;
			for (int ch = 0; ch < channels; ch++)
				acc += j->payload[(t + i) * channels + ch];
			mono[i] = (float)(acc / channels);
		}
		rc = grym_extractor_feed(x, mono, (size_t)m, err);
		if (j->bar)
			job_progress(j, 0.9 * (double)(t + m - first) / (double)(last - first), "analysing");
	}
	free(mono);
	if (rc == GRYM_OK) {
		j->r->samples = grym_extractor_samples(x);
		rc = grym_extractor_finish(x, &sink, err);
	}
	grym_extractor_free(x);
	return rc;
}

/* Catalog: look each feature up; compute what is missing (decoding path,
 * or the payload when NULL); store it. */
static int compute_job(cfg *c, job *j, grym_catalog *cat, const char *path, grym_error *err)
{
	grym_feature missing[GRYM_FEAT_COUNT];
	char ids[GRYM_FEAT_COUNT][GRYM_ID_LEN + 1];
	int damaged[GRYM_FEAT_COUNT] = { 0 };   /* cached object found damaged */
	int nmiss = 0, rc;
	static const grym_stat ms[2] = { GRYM_STAT_MEAN, GRYM_STAT_STD };
	for (int i = 0; i < c->p.nlist; i++) {
		grym_feature f = c->p.list[i];
		if (!cat || !j->asset[0]) {
			missing[nmiss++] = f;
			continue;
		}
		json_t *r = recipe_new(c, f);
		rc = grym_id_derived(j->asset, r, ids[f], err);
		json_decref(r);
		if (rc)
			return rc;
		grym_feature_set fs;
		memset(&fs, 0, sizeof fs);
		grym_error e2 = { 0 };
		int found = 0;
		if (!c->recompute && grym_catalog_get_features(cat, ids[f], &fs, &e2) == GRYM_OK &&
		    fs.object[0] && fs.dims > 0) {
			/* its size checked, and its hash with --verify */
			float *data = NULL;
			int frc = grym_catalog_feature_matrix(cat, &fs, &data, &e2);
			if (frc == GRYM_OK) {
				j->r->m[f].data = data;
				j->r->m[f].frames = fs.frames;
				j->r->m[f].dims = fs.dims;
				found = 1;
			} else if (frc == GRYM_ERR_CORRUPT) {
				/* a cache: the asset is the truth, so the
				 * features are computed again and the object
				 * stored over the damaged one */
				grym_msg(&cli, "%s: %s: %s; recomputed", j->name,
					 grym_feature_name(f), e2.msg);
				damaged[f] = 1;
			} else if (frc != GRYM_ERR_NOTFOUND) {
				grym_feature_set_clear(&fs);
				*err = e2;
				return frc;
			}
		}
		grym_feature_set_clear(&fs);
		if (!found)
			missing[nmiss++] = f;
	}
	if (nmiss == 0) {
		grym_asset a;
		grym_asset_init(&a);
		if (grym_catalog_get_asset(cat, j->asset, &a, err) == GRYM_OK) {
			if (j->r->rate == 0)
				j->r->rate = c->dec.rate ? c->dec.rate : a.sample_rate;
			/* the clip's length in samples ends the last window as a
			 * computed run would; it is known exactly only when the
			 * asset is analysed whole at its own rate */
			if (!c->dec.rate && c->dec.offset == 0 && c->dec.duration <= 0)
				j->r->samples = a.frames;
		}
		grym_asset_clear(&a);
		if (c->p.segment > 0 && j->r->samples <= 0) {
			/* windows need it: compute instead */
			for (int i = 0; i < c->p.nlist; i++) {
				grym_fmat_clear(&j->r->m[c->p.list[i]]);
				missing[nmiss++] = c->p.list[i];
			}
		} else {
			grym_verbose(&cli, "%s: all features from the catalog", j->name);
			return GRYM_OK;
		}
	}
	/* catalog assets keep their matrices (they are stored) */
	j->r->keep_matrix = (cat && j->asset[0]) || c->npy_dir || c->p.segment > 0 || !c->p.summary ||
		!grym_stats_are_moments(c->p.stats, c->p.nstats);
	if ((rc = analyse(c, j, path, missing, nmiss, err)))
		return rc;
	if (!cat || !j->asset[0])
		return GRYM_OK;
	/* a signal after the analysis: nothing stored, no row */
	if (grym_cancelled(j->w->cancel))
		return grym_error_set(err, GRYM_ERR_CANCELLED, "interrupted");
	for (int i = 0; i < nmiss; i++) {
		grym_feature f = missing[i];
		grym_fmat *m = &j->r->m[f];
		grym_feature_set fs;
		memset(&fs, 0, sizeof fs);
		if (m->frames > INT_MAX)
			continue;  /* too long for the catalog's row: computed, not stored */
		float sum[2 * 4096];
		int dims = m->dims;
		float *summ = dims <= 4096 ? sum : malloc(2 * (size_t)dims * sizeof *summ);
		if (!summ)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		rc = grym_fmat_summary(m, 0, m->frames, ms, 2, summ, err);
		if (rc == GRYM_OK)
			rc = (damaged[f] ? grym_store_restore : grym_store_put)(grym_catalog_store(cat), m->data,
					    (size_t)m->frames * dims * sizeof(float), fs.object, err);
		if (rc == GRYM_OK) {
			json_t *r = recipe_new(c, f);
			char *canon = grym_recipe_canonical(r);
			json_decref(r);
			memcpy(fs.id, ids[f], sizeof fs.id);
			memcpy(fs.asset, j->asset, sizeof fs.asset);
			fs.extractor = canon;
			fs.frames = (int)m->frames;
			fs.dims = dims;
			fs.summary = summ;
			fs.summary_len = 2 * dims;
			rc = canon ? grym_catalog_put_features(cat, &fs, err)
				   : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			free(canon);
		}
		if (summ != sum)
			free(summ);
		if (rc)
			return rc;
	}
	return GRYM_OK;
}

/* A job; an asset's object is opened through the store first (its size
 * checked, its hash with --verify, also when every feature comes from the
 * catalog) and held open while the decoder reads it by the name of its
 * open file, one per worker at a time. */
static int run_job(cfg *c, job *j, grym_catalog *cat, grym_error *err)
{
	grym_store_reader *obj = NULL;
	char objpath[64];
	int rc;

	if (!j->object)
		return compute_job(c, j, cat, j->path, err);
	grym_asset a;
	grym_asset_init(&a);
	rc = grym_catalog_get_asset(cat, j->asset, &a, err);
	if (rc == GRYM_OK)
		rc = grym_catalog_open_asset_object(cat, &a, &obj, objpath, sizeof objpath, err);
	grym_asset_clear(&a);
	if (rc == GRYM_OK)
		rc = compute_job(c, j, cat, objpath, err);
	grym_store_reader_close(obj);
	return rc;
}

/* One job (grym_pool work, on a worker thread). */
static void work_job(void *ud, void *jp, grym_pool_worker *w)
{
	ctx *x = ud;
	cfg *c = x->c;
	job *j = jp;
	worker_state *ws = &x->ws[w->index];
	if (j->failed)
		return;     /* failed while reading the input: done() says so */
	if (!(j->r = calloc(1, sizeof *j->r))) {
		j->rc = GRYM_ERR_NOMEM;     /* done() says so */
		return;
	}
	j->w = w;
	j->bar = x->bar;
	if (!ws->blas_set && c->jobs > 1) {
		ws->blas_set = 1;
		openblas_set_num_threads(1);
	}
	if (j->asset[0] && !ws->cat_tried && !grym_cancelled(w->cancel)) {
		ws->cat_tried = 1;
		ws->cat = grym_catalog_open(c->catalog_dir, &j->r->err);
		if (ws->cat)
			grym_catalog_set_verify(ws->cat, c->verify);
	}
	if (grym_cancelled(w->cancel))   /* a signal: start no new input */
		j->rc = grym_error_set(&j->r->err, GRYM_ERR_CANCELLED, "interrupted");
	else if (j->asset[0] && !ws->cat)
		j->rc = j->r->err.code ? j->r->err.code : GRYM_ERR_DB;
	else
		j->rc = run_job(c, j, ws->cat, &j->r->err);
}

/* ---- output ---- */

static json_t *out_meta(const cfg *c, const job *j)
{
	json_t *m = j->meta ? json_deep_copy(j->meta) : json_object();
	json_t *pipe = json_object_get(m, "pipeline");
	if (!json_is_array(pipe)) {
		pipe = json_array();
		json_object_set_new(m, "pipeline", pipe);
	}
	json_array_append_new(pipe, recipe_new(c, -1));
	if (j->asset[0] && !json_object_get(m, "asset"))
		json_object_set_new(m, "asset", json_string(j->asset));
	json_object_del(m, "channels");
	json_object_del(m, "names");
	json_object_set_new(m, "rate", json_integer((json_int_t)j->r->rate));
	json_object_set_new(m, "hop_seconds", json_real(c->p.fo.stft.hop / j->r->rate));
	return m;
}

static int write_npy(const cfg *c, const job *j, grym_error *err)
{
	for (int i = 0; i < c->p.nlist; i++) {
		grym_feature f = c->p.list[i];
		char path[8192];
		int n = snprintf(path, sizeof path, "%s/%s.%s.npy", c->npy_dir, j->npy,
				 grym_feature_name(f));
		if (n < 0 || (size_t)n >= sizeof path)
			return grym_error_set(err, GRYM_ERR_LIMIT, "--npy: file name too long");
		/* the folders of a key ("dog/x") under DIR */
		int mrc = grym_mkdir_parents(path, strlen(c->npy_dir) + 1, err);
		if (mrc)
			return mrc;
		grym_output *o = grym_output_open(path, err);
		if (!o)
			return err->code;
		uint64_t shape[2] = { (uint64_t)j->r->m[f].frames, (uint64_t)j->r->m[f].dims };
		int rc = grym_npy_write(o, j->r->m[f].data, 2, shape, err);
		if (rc) {
			grym_output_abort(o);
			return rc;
		}
		if ((rc = grym_output_commit(o, err)))
			return rc;
	}
	return GRYM_OK;
}

static int write_job(const cfg *c, const job *j, grym_stream_writer *w, grym_error *err)
{
	int rc = GRYM_OK;
	if (c->npy_dir)
		return write_npy(c, j, err);
	if (!c->p.summary && c->p.segment <= 0) {
		for (int i = 0; i < c->p.nlist && rc == GRYM_OK; i++) {
			grym_feature f = c->p.list[i];
			const grym_fmat *m = &j->r->m[f];
			json_t *meta = out_meta(c, j);
			json_object_set_new(meta, "feature", json_string(grym_feature_name(f)));
			json_t *names = json_array();
			char buf[64];
			for (int k = 0; k < m->dims; k++) {
				grym_feature_dim_name(f, k, m->dims, buf, sizeof buf);
				json_array_append_new(names, json_string(buf));
			}
			json_object_set_new(meta, "names", names);
			rc = grym_stream_begin(w, j->key, meta, GRYM_PAYLOAD_MATRIX, (uint32_t)m->dims, err);
			if (rc == GRYM_OK && m->frames)
				rc = grym_stream_write_rows(w, m->data, (uint64_t)m->frames, err);
			if (rc == GRYM_OK)
				rc = grym_stream_end(w, err);
			json_decref(meta);
		}
		return rc;
	}
	/* summary vectors: the whole clip, or windows */
	size_t total = grym_features_vector_len(&c->p, j->r->m);
	float *vec = malloc(total * sizeof *vec + 4);
	if (!vec)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int64_t frames = 0;
	for (int i = 0; i < c->p.nlist; i++)
		if (j->r->m[c->p.list[i]].frames > frames)
			frames = j->r->m[c->p.list[i]].frames;
	double seg = c->p.segment > 0 ? c->p.segment : 0;
	for (int64_t k = 0; rc == GRYM_OK; k++) {
		double start, end;
		int64_t t0, t1;
		int win = grym_features_window(&c->p, j->r->rate, j->r->samples, frames, k, &start, &end, &t0, &t1);
		if (win < 0)
			break;
		if (win == 0)
			continue;
		rc = grym_features_vector(&c->p, j->r->m, j->r->mo, t0, t1, vec, err);
		if (rc)
			break;
		json_t *meta = out_meta(c, j);
		json_object_set_new(meta, "names", grym_features_names(&c->p, j->r->m, 1));
		if (seg > 0) {
			json_object_set_new(meta, "segment", json_integer(k));
			json_object_set_new(meta, "start", json_real(start));
			json_object_set_new(meta, "end", json_real(end));
		}
		grym_record r;
		memset(&r, 0, sizeof r);
		r.head.key = j->key;
		r.head.meta = meta;
		r.head.kind = GRYM_PAYLOAD_VECTOR;
		r.head.cols = (uint32_t)total;
		r.rows = 1;
		r.data = vec;
		rc = grym_stream_write(w, &r, err);
		json_decref(meta);
		if (seg <= 0)
			break;
	}
	free(vec);
	return rc;
}

/* ---- reading the inputs ---- */

/* An audio record: its samples, read now (the stream moves on). */
static int add_audio_record(job *j, grym_source *it, grym_error *err)
{
	grym_record_head *h = &it->head;
	json_t *r = json_object_get(j->meta, "rate");   /* the record's metadata */
	j->key = strdup(h->key);
	j->prate = (int)json_number_value(r);
	j->pchannels = (int)h->cols;
	if (!j->key)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (j->prate <= 0 || j->pchannels <= 0)
		return grym_error_set(err, GRYM_ERR_FORMAT, "%s: audio record without rate/channels", h->key);
	/* never cached: the samples may have been changed upstream
	 * (normalised, filtered) while "asset" still names the source */
	size_t cap = 0;
	int64_t n = 0;
	float *buf = NULL;
	for (;;) {
		if ((size_t)(n + 65536) * j->pchannels > cap) {
			cap = cap ? cap * 2 : (size_t)(65536 * 2) * j->pchannels;
			float *nb = realloc(buf, cap * sizeof *nb);
			if (!nb) {
				free(buf);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
			buf = nb;
		}
		int64_t got = grym_stream_read_rows(it->reader, buf + n * j->pchannels, 65536, err);
		if (got < 0) {
			free(buf);
			return (int)got;
		}
		if (got == 0)
			break;
		n += got;
	}
	j->payload = buf;
	j->pframes = n;
	return GRYM_OK;
}

/* A catalog id (or prefix): the asset's object, its labels and meta. */
static int add_asset(job *j, const char *key, grym_catalog **cat, const cfg *c,
		     grym_error *err)
{
	if (!*cat && !(*cat = grym_catalog_open(c->catalog_dir, err)))
		return err->code;
	grym_catalog_set_verify(*cat, c->verify);
	int rc = grym_catalog_resolve(*cat, key, j->asset, err);
	if (rc)
		return rc;
	grym_asset a;
	grym_asset_init(&a);
	if ((rc = grym_catalog_get_asset(*cat, j->asset, &a, err)) == GRYM_OK) {
		j->object = 1;  /* opened by the worker that decodes it */
		j->key = strdup(j->asset);
		if (!json_object_get(j->meta, "path") && json_array_size(a.paths) > 0) {
			/* a bare id on stdin: name the asset's file in messages */
			json_t *pm = json_pack("{s:O}", "path", json_array_get(a.paths, 0));
			char *nm = pm ? grym_cli_item_name(j->asset, pm) : NULL;
			json_decref(pm);
			if (nm) {
				free(j->name);
				j->name = nm;
			}
		}
		if (!json_object_get(j->meta, "labels") && a.labels)
			json_object_set(j->meta, "labels", a.labels);
		if (!json_object_get(j->meta, "meta") && a.meta)
			json_object_set(j->meta, "meta", a.meta);
	}
	grym_asset_clear(&a);
	return rc;
}

/* One item of the inputs (grym/sources.h) as a job: a file, audio on
 * stdin (spooled), an audio record, a catalog asset. */
static int add_item(ctx *x, grym_source *it, grym_catalog **cat, grym_error *err)
{
	job *j = job_add(x);
	if (!j)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	/* what the record carried (labels, path...) passes through */
	j->meta = it->head.meta ? it->head.meta : json_object();
	it->head.meta = NULL;
	if (!j->meta)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	switch (it->kind) {
	case GRYM_SOURCE_FILE:
		j->path = strdup(it->path);
		j->name = strdup(it->path);
		j->from_file = 1;
		if (!j->path || !j->name)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		if (!json_object_get(j->meta, "path"))
			return grym_json_set_path(j->meta, "path", it->path, err);
		return GRYM_OK;
	case GRYM_SOURCE_AUDIO_IN: {
		char tmp[4096];
		int is_tmp = 0;
		j->name = strdup(it->name);
		j->key = grym_text_field(it->name, strlen(it->name));
		if (!j->name || !j->key)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		int rc = grym_source_audio_path(it, NULL, tmp, sizeof tmp, &is_tmp, err);
		if (rc == GRYM_OK && !(j->path = strdup(tmp))) {
			if (is_tmp)
				grym_tmp_release(tmp);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		j->tmp_path = is_tmp;
		return rc;
	}
	case GRYM_SOURCE_RECORD:
		j->name = grym_cli_item_name(it->head.key, j->meta);
		if (it->head.kind != GRYM_PAYLOAD_AUDIO)
			return grym_error_set(err, GRYM_ERR_FORMAT, "%s: a %s record is not audio",
					      it->head.key, grym_payload_kind_name(it->head.kind));
		return add_audio_record(j, it, err);
	case GRYM_SOURCE_REF:
		j->name = grym_cli_item_name(it->head.key, j->meta);
		return add_asset(j, it->head.key, cat, x->c, err);
	default:
		j->name = strdup(it->name);
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "not an input of grym-features");
	}
}

static int failures;

static void fail_input(const char *name, const grym_error *err)
{
	grym_report(&cli, name, err);
	failures++;
}

/* Every input, in order; a failed one keeps its place (a job that has
 * failed, which the pool passes through), so messages and output follow
 * input order. */
static void read_inputs(ctx *x, grym_sources *src, grym_catalog **cat)
{
	grym_error err = { 0 };
	grym_source *it;
	int rc;

	while ((rc = grym_sources_next(src, &it, &err)) == GRYM_OK) {
		if (it->kind == GRYM_SOURCE_ERROR) {
			fail_input(it->name, &it->err);
			continue;
		}
		size_t before = x->njobs;
		grym_error e = { 0 };
		if (add_item(x, it, cat, &e) != GRYM_OK) {
			if (x->njobs > before) {
				job *j = &x->jobs[x->njobs - 1];
				j->rc = e.code;
				j->failed = 1;
				if ((j->r = calloc(1, sizeof *j->r)))
					j->r->err = e;
				if (!j->name)
					j->name = strdup(it->name);
			} else {
				fail_input(it->name, &e);
			}
		}
	}
	if (rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED)
		fail_input("inputs", &err);
}

/* Why job j failed: its result's error, or "out of memory" when even
 * the result could not be allocated (in tmp). */
static const grym_error *job_error(const job *j, grym_error *tmp)
{
	if (j->r)
		return &j->r->err;
	grym_error_set(tmp, GRYM_ERR_NOMEM, "out of memory");
	return tmp;
}

/* A job's result out, in input order (grym_pool done, on the main
 * thread): its records or --npy files, or its error; then it is freed, so
 * only the pool's window (2 x -j jobs) holds results. */
static void job_done(void *ud, void *jp)
{
	ctx *x = ud;
	const cfg *c = x->c;
	job *j = jp;
	grym_error tmp;
	if (j->rc) {
		grym_progress_clear(x->bar);   /* the message on a line of its own */
		fail_input(j->name, job_error(j, &tmp));
	} else if (!x->out_failed) {
		grym_error e2 = { 0 };
		if (write_job(c, j, x->w, &e2)) {
			grym_progress_clear(x->bar);
			if (c->npy_dir) {
				fail_input(j->name, &e2);
			} else {
				grym_report(&cli, c->output ? c->output : "stdout", &e2);
				x->out_failed = 1;
			}
		}
	}
	job_free(j);
}

/* A job that never started (a signal came first): an input that had
 * failed already still says so; the others fail silently, the exit
 * status (128+N) tells. */
static void job_discard(void *ud, void *jp)
{
	job *j = jp;
	grym_error tmp;
	(void)ud;
	if (j->failed)
		fail_input(j->name, job_error(j, &tmp));
	else
		failures++;
	job_free(j);
}

/* The pool's progress (inputs done plus the running ones' part) on the
 * bar, on the main thread. */
static void job_bar(void *ud, double done, uint64_t total)
{
	(void)total;
	grym_progress_set(((ctx *)ud)->bar, done);
}

int main(int argc, char **argv)
{
	static cfg c;
	grym_error e0 = { 0 };
	grym_features_opts_default(&c.fp.plan.fo);   /* what no option sets */
	const grym_option *options = grym_cli_schema_options(grym_features_schema(), own_options);
	if (!options || grym_schema_defaults(grym_features_schema(), &c.fp, &e0) != GRYM_OK) {
		fprintf(stderr, "grym-features: %s\n", e0.msg[0] ? e0.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&cli, "grym-features", "[OPTION]... [FILE|DIR|-]...",
		      "compute librosa-exact audio features (MFCC, mel, spectral...) as grym records",
		      options);
	int first = grym_cli_parse(&cli, argc, argv, on_option, &c);
	if (c.fp.plan.nlist == 0)
		c.fp.plan.list[c.fp.plan.nlist++] = GRYM_FEAT_MFCC;
	c.p = c.fp.plan;
	c.list_given = c.fp.list_given;
	c.text = c.fp.text;
	c.npy_dir = c.fp.npy;
	c.output = c.fp.output;
	c.jobs = c.fp.jobs;
	c.recompute = c.fp.recompute;
	c.verify = c.fp.verify;
	c.dec.rate = c.p.rate;
	c.dec.offset = c.p.offset;
	c.dec.duration = c.p.duration;
	if (c.p.segment_hop > 0 && c.p.segment <= 0)
		grym_usage_error(&cli, "--segment-hop needs --segment");
	if (c.npy_dir && (c.p.summary || c.p.segment > 0 || c.text || c.output))
		grym_usage_error(&cli, "--npy writes frame matrices: it excludes --summary, --segment, --text and -o");
	/* parameters are checked once up front, so a bad value is a usage
	 * error rather than a failure of every input */
	{
		/* rate-dependent limits (fmax, contrast bands) wait for the input */
		grym_feature chk[GRYM_FEAT_COUNT];
		int nchk = 0;
		for (int i = 0; i < c.p.nlist; i++)
			if (c.p.list[i] != GRYM_FEAT_CONTRAST && c.p.list[i] != GRYM_FEAT_YIN)
				chk[nchk++] = c.p.list[i];
		grym_error e = { 0 };
		grym_features_opts o = c.p.fo;
		if (!c.dec.rate && o.mel.fmax > 0)
			o.mel.fmax = 0;
		grym_extractor *ex = nchk ? grym_extractor_new(&o, c.dec.rate ? c.dec.rate : 192000, chk,
							       nchk, &e) : NULL;
		if (nchk && !ex)
			grym_usage_error(&cli, "%s", e.msg);
		grym_extractor_free(ex);
	}
	grym_error err = { 0 };
	if (grym_cli_catalog_dir(&cli, c.catalog_dir, sizeof c.catalog_dir, &err) == GRYM_OK)
		c.have_catalog = 1;
	if (c.npy_dir) {
		struct stat st;
		/* Like --npy's users expect of an output folder: made if missing. */
		if (stat(c.npy_dir, &st) != 0 && mkdir(c.npy_dir, 0777) != 0) {
			grym_msg(&cli, "--npy: %s: %s", c.npy_dir, strerror(errno));
			return GRYM_EXIT_FAILED;
		}
		if (stat(c.npy_dir, &st) != 0 || !S_ISDIR(st.st_mode))
			grym_usage_error(&cli, "--npy: %s is not a directory", c.npy_dir);
	}

	ctx x;
	memset(&x, 0, sizeof x);
	x.c = &c;
	grym_catalog *cat = NULL;
	grym_sources_opts so = { 0 };
	so.flags = GRYM_SOURCES_RECORDS;
	so.null_sep = cli.null_sep;
	so.cancel = &grym_cli_cancel;
	grym_sources *src = grym_sources_new(&so, &err);
	int bad = !src;
	if (!bad)
		bad = grym_sources_add_operands(src, argc - first, argv + first, &err) != GRYM_OK;
	if (bad) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	/* all inputs first: a file's key depends on the others (name_files) */
	read_inputs(&x, src, &cat);
	grym_sources_free(src);
	grym_catalog_close(cat);
	if (name_files(&x, &err) != GRYM_OK || (c.npy_dir && name_npy(&x, &err) < 0)) {
		grym_report(&cli, "naming outputs", &err);
		return GRYM_EXIT_FAILED;
	}

	grym_output *out = NULL;
	if (!c.npy_dir) {
		out = grym_output_open(c.output, &err);
		if (!out) {
			grym_report(&cli, c.output ? c.output : "stdout", &err);
			return GRYM_EXIT_FAILED;
		}
		x.w = grym_stream_writer_new(out, c.text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY, 0, &err);
		if (!x.w) {
			grym_report(&cli, "stdout", &err);
			grym_output_abort(out);
			return GRYM_EXIT_FAILED;
		}
	}
	openblas_set_num_threads(1);
	/* -j inputs at a time, no more threads than inputs */
	int nth = (int)(c.jobs < (long)x.njobs ? c.jobs : (long)x.njobs);
	if (nth < 1)
		nth = 1;
	x.bar = grym_progress_new(&cli, "features", x.njobs);
	grym_pool_opts po = { .jobs = nth, .work = work_job, .done = job_done,
			      .discard = job_discard, .progress = x.bar ? job_bar : NULL,
			      .ud = &x, .total = x.njobs, .cancel = &grym_cli_cancel };
	grym_pool *pool = NULL;
	x.ws = calloc((size_t)nth, sizeof *x.ws);
	if (!x.ws)
		grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
	else
		pool = grym_pool_new(&po, &err);
	size_t next = 0;
	int ran = pool != NULL;
	if (pool) {
		for (; next < x.njobs; next++)
			if (grym_pool_submit(pool, &x.jobs[next], &err) != GRYM_OK)
				break;  /* a signal: the exit status says so */
		if (next == x.njobs)
			grym_pool_finish(pool, &err);
		grym_pool_free(pool);
	} else {
		grym_report(&cli, NULL, &err);
		x.out_failed = 1;
	}
	/* what was never submitted (a signal, or no pool) */
	for (size_t i = next; i < x.njobs; i++) {
		if (ran)
			job_discard(&x, &x.jobs[i]);
		else
			job_free(&x.jobs[i]);
	}
	grym_progress_finish(x.bar);   /* no worker reports any more */
	for (int i = 0; x.ws && i < nth; i++)
		grym_catalog_close(x.ws[i].cat);
	free(x.ws);
	int out_failed = x.out_failed;
	if (x.w) {
		grym_stream_writer_free(x.w);
		if (out_failed)
			grym_output_abort(out);
		else if (grym_cli_finish_output(&cli, out, failures > 0) != 0)
			out_failed = 1;
	}
	free(x.jobs);
	if (out_failed)
		return GRYM_EXIT_FAILED;
	return failures ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}
