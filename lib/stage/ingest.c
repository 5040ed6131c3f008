/*
 * ingest.c — the ingest stage (grym/stage_ingest.h): every input listed,
 * then run -j at a time in the ordered worker pool (grym/pool.h), each
 * worker with its own ingester and catalog handle (ingest_one.c), and
 * the outcomes given out in input order, whatever order the workers
 * finish in.
 *
 * Inputs are listed before any runs so that progress has a total, and
 * the catalog is opened once before both, so that a bad catalog is one
 * clear error before any work and its schema is made by one thread.
 */
#include "grym/stage_ingest.h"
#include "grym/catalog.h"
#include "grym/pool.h"
#include "grym/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* One outcome of an input, copied out of the worker's callback. */
typedef struct outcome {
	char *path;
	int status;
	char *message;
	int created, truncated;
	char id[GRYM_ID_LEN + 1];
	char restored[16];      /* "missing", "corrupt" or "" */
	json_t *record;
} outcome;

typedef struct job {
	char *path;             /* what to ingest */
	grym_input *in;         /* its bytes, when they come from stdin or a
				   FIFO already opened (path is its name) */
	char *error;            /* set: a problem found while listing */
	char *no_worker;        /* set: the worker could not make its
				   ingester (why): the job did not run */
	int no_worker_code;
	outcome *out;
	size_t nout, capout;
} job;

/* A pool worker's ingester (indexed by grym_pool_worker.index: one job
 * at a time per index, no lock), made at its first job. */
typedef struct worker_state {
	grym_ingester *g;
	int tried;
	grym_error err;         /* why g could not be made */
} worker_state;

typedef struct batch {
	grym_stage_env *env;
	const grym_ingest_sink *sink;
	job *jobs;              /* every input; outcomes live only in the
				   pool's window */
	size_t n, cap;
	grym_ingest_opts opts;
	worker_state *ws;       /* one per pool worker */
	int stop;               /* a worker had no ingester, or the sink
				   failed: nothing more goes out or is
				   submitted */
	grym_error stop_err;
} batch;

static int add_job(batch *b, const char *path, const char *error)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? 2 * b->cap : 256;
		job *j = realloc(b->jobs, nc * sizeof *j);
		if (!j)
			return -1;
		b->jobs = j;
		b->cap = nc;
	}
	job *j = &b->jobs[b->n];
	memset(j, 0, sizeof *j);
	j->path = strdup(path);
	j->error = error ? strdup(error) : NULL;
	if (!j->path || (error && !j->error)) {
		free(j->path);
		free(j->error);
		return -1;
	}
	b->n++;
	return 0;
}

/* Every input in order; a problem found on the way is a job that has
 * failed. Interrupted: what is listed is what there is (the pool, seeing
 * the flag, then runs none of it). */
static int list_inputs(batch *b, grym_sources *src, grym_error *err)
{
	grym_source *it;
	int rc;

	while ((rc = grym_sources_next(src, &it, err)) == GRYM_OK) {
		if (it->kind == GRYM_SOURCE_ERROR) {
			rc = add_job(b, it->name, it->err.msg);
		} else if (it->kind == GRYM_SOURCE_AUDIO_IN) {
			rc = add_job(b, it->name, NULL);
			if (rc == 0) {
				b->jobs[b->n - 1].in = it->in;
				it->in = NULL;
			}
		} else {
			rc = add_job(b, it->path ? it->path : it->name, NULL);
		}
		if (rc < 0)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	if (rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED)
		return rc;      /* the listing failed: nothing runs, ninputs stays 0 */
	grym_error_clear(err);
	b->env->ninputs = b->n;
	return GRYM_OK;
}

/* ---- workers ---- */

static int collect(void *ud, const grym_ingest_result *r)
{
	job *j = ud;
	if (j->nout == j->capout) {
		size_t nc = j->capout ? 2 * j->capout : 1;
		outcome *o = realloc(j->out, nc * sizeof *o);
		if (!o)
			return GRYM_ERR_NOMEM;
		j->out = o;
		j->capout = nc;
	}
	outcome *o = &j->out[j->nout];
	memset(o, 0, sizeof *o);
	o->path = strdup(r->path ? r->path : j->path);
	o->status = r->status;
	o->message = r->message ? strdup(r->message) : NULL;
	o->created = r->created;
	o->truncated = r->truncated;
	if (r->id)
		snprintf(o->id, sizeof o->id, "%s", r->id);
	if (r->restored)
		snprintf(o->restored, sizeof o->restored, "%s", r->restored);
	o->record = r->record ? json_deep_copy(r->record) : NULL;
	if (!o->path || (r->message && !o->message) || (r->record && !o->record)) {
		free(o->path);
		free(o->message);
		json_decref(o->record);
		return GRYM_ERR_NOMEM;
	}
	j->nout++;
	return 0;
}

/* One input (grym_pool work, on a worker thread): its outcomes are
 * collected into the job for job_done to give out in order. */
static void work_job(void *ud, void *jp, grym_pool_worker *w)
{
	batch *b = ud;
	job *j = jp;
	worker_state *ws = &b->ws[w->index];
	if (j->error)
		return;     /* found while listing: job_done says so */
	if (!ws->tried) {
		ws->tried = 1;
		ws->g = grym_ingester_new(b->env->catalog_dir, &b->opts, &ws->err);
	}
	if (!ws->g) {
		j->no_worker = strdup(ws->err.msg);
		j->no_worker_code = ws->err.code ? ws->err.code : GRYM_ERR_IO;
		if (!j->no_worker)
			j->error = strdup("out of memory");
		return;
	}
	int rc = j->in ? grym_ingest_input(ws->g, j->in, j->path, collect, j)
		       : grym_ingest_path(ws->g, j->path, collect, j);
	if (rc == GRYM_ERR_NOMEM && j->nout == 0) {
		/* could not even record the failure */
		j->error = strdup("out of memory");
	}
}

/* ---- in input order ---- */

/* One outcome out: a failure, or the lines about an asset and the asset
 * to the sink. */
static void give(batch *b, const outcome *o)
{
	grym_stage_env *env = b->env;
	if (o->status < 0) {
		grym_error e = { 0 };
		e.code = o->status;
		snprintf(e.msg, sizeof e.msg, "%s", o->message ? o->message : "");
		grym_stage_fail(env, o->path, &e);
		return;
	}
	if (o->truncated)
		grym_stage_info(env, -1, o->path, "truncated or damaged: kept the %lld frames that decode",
				(long long)json_integer_value(json_object_get(o->record, "frames")));
	if (o->restored[0])
		grym_stage_info(env, 1, o->path, "known %s, object restored (it was %s)", o->id,
				o->restored);
	else
		grym_stage_info(env, 1, o->path, "%s %s", o->created ? "ingested" : "known", o->id);
	grym_ingest_result r = { 0 };
	r.path = o->path;
	r.status = GRYM_OK;
	r.created = o->created;
	r.truncated = o->truncated;
	r.id = o->id;
	r.record = o->record;
	r.restored = o->restored[0] ? o->restored : NULL;
	int rc = b->sink && b->sink->write ? b->sink->write(b->sink->ud, &r, &b->stop_err) : 0;
	if (rc != 0) {
		if (!b->stop_err.code)
			b->stop_err.code = rc;
		b->stop = 1;
	}
}

static void free_job(job *j)
{
	for (size_t i = 0; i < j->nout; i++) {
		free(j->out[i].path);
		free(j->out[i].message);
		json_decref(j->out[i].record);
	}
	free(j->out);
	free(j->path);
	free(j->error);
	grym_input_free(j->in);
	free(j->no_worker);
	memset(j, 0, sizeof *j);
}

/* A job's outcomes out, in input order (grym_pool done, on the calling
 * thread); then it is freed. After a worker without an ingester, or a
 * sink that failed, nothing more: the run ends with that error. */
static void job_done(void *ud, void *jp)
{
	batch *b = ud;
	job *j = jp;
	if (j->no_worker && !b->stop) {
		b->stop = 1;
		grym_error_set(&b->stop_err, j->no_worker_code, "%s: %s", b->env->catalog_dir, j->no_worker);
	}
	if (!b->stop && j->error) {
		outcome o = { 0 };
		o.path = j->path;
		o.status = GRYM_ERR_IO;
		o.message = j->error;
		give(b, &o);
	}
	for (size_t k = 0; !b->stop && k < j->nout; k++)
		give(b, &j->out[k]);
	free_job(j);
}

/* A job that never started (cancelled, or left after a stop). */
static void job_discard(void *ud, void *jp)
{
	(void)ud;
	free_job(jp);
}

static void job_progress(void *ud, double done, uint64_t total)
{
	grym_stage_progress(((batch *)ud)->env, done, total, "ingesting");
}

/* Run the listed jobs through the pool. */
static int run_jobs(batch *b, grym_error *err)
{
	grym_stage_env *env = b->env;
	int nth = grym_stage_workers(env, b->n), rc;
	grym_pool_opts po = { .jobs = nth, .work = work_job, .done = job_done,
			      .discard = job_discard, .progress = job_progress,
			      .ud = b, .total = b->n, .cancel = env->cancel };
	grym_pool *pool = NULL;

	if (!(b->ws = calloc((size_t)nth, sizeof *b->ws)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (!(pool = grym_pool_new(&po, err)))
		rc = err->code ? err->code : GRYM_ERR_NOMEM;
	else {
		size_t next = 0;
		grym_error perr = { 0 };
		for (; next < b->n && !b->stop; next++)
			if (grym_pool_submit(pool, &b->jobs[next], &perr) != GRYM_OK)
				break;  /* cancelled: said below */
		if (next == b->n)
			grym_pool_finish(pool, &perr);
		grym_pool_free(pool);   /* after a stop: the rest dropped */
		rc = GRYM_OK;
	}
	for (int t = 0; t < nth; t++)
		grym_ingester_free(b->ws[t].g);
	free(b->ws);
	b->ws = NULL;
	return rc;
}

int grym_stage_ingest(grym_stage_env *env, grym_sources *inputs, const grym_ingest_params *p,
		      const grym_ingest_sink *sink, grym_error *err)
{
	batch b;
	grym_manifest *manifest = NULL;
	int rc;

	memset(&b, 0, sizeof b);
	b.env = env;
	b.sink = sink;
	env->ninputs = env->nfailed = 0;
	if (!env->catalog_dir)
		return grym_error_set(err, GRYM_ERR_INVALID, "ingesting needs a catalog");
	if (p->manifest && !(manifest = grym_manifest_load(p->manifest, err)))
		return grym_error_prefix(err, err->code ? err->code : GRYM_ERR_IO, "%s", p->manifest);
	grym_catalog *cat = grym_catalog_open(env->catalog_dir, err);
	if (!cat) {
		grym_manifest_free(manifest);
		return grym_error_prefix(err, err->code ? err->code : GRYM_ERR_IO, "%s",
					 env->catalog_dir);
	}
	grym_catalog_close(cat);

	b.opts.labels = (const char *const *)p->label.v;
	b.opts.nlabels = p->label.n;
	b.opts.label_from_dir = p->label_from_dir;
	b.opts.replace_labels = p->replace_labels;
	b.opts.accept_truncated = p->accept_truncated;
	b.opts.max_bytes = p->max_bytes;
	b.opts.match = p->match;
	b.opts.manifest = manifest;
	b.opts.cancel = env->cancel;

	rc = list_inputs(&b, inputs, err);
	if (rc == GRYM_OK)
		rc = run_jobs(&b, err);
	if (rc == GRYM_OK && b.stop) {
		*err = b.stop_err;
		rc = err->code ? err->code : GRYM_ERR_INTERNAL;
	}
	if (rc == GRYM_OK && grym_cancelled(env->cancel))
		rc = grym_error_cancelled(err);
	for (size_t i = 0; i < b.n; i++)
		free_job(&b.jobs[i]);
	free(b.jobs);
	grym_manifest_free(manifest);
	return rc;
}
