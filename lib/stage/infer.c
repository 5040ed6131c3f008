/*
 * infer.c — the infer stage (grym/stage_infer.h): the model, then every
 * input in order. Vectors are predicted a batch at a time
 * (infer_batch.c); consecutive audio files are replayed together in the
 * ordered pool (infer_audio.c); results reach the sink in input order on
 * the calling thread.
 */
#include "infer_int.h"

#include <stdlib.h>
#include <string.h>

#include "grym/progress.h"

/* The audio files in a row, replayed together, in order. */
typedef struct audio_list {
	inf_audio_item items[INF_BATCH];
	char *keys[INF_BATCH];
	size_t n;
} audio_list;

static int flush_audio(inf_run *r, audio_list *l, int stop, grym_error *err)
{
	int rc = GRYM_OK;
	if (l->n && !stop)
		rc = inf_audio(r, l->items, l->n, err);
	for (size_t i = 0; i < l->n; i++)
		free(l->keys[i]);
	memset(l, 0, sizeof *l);
	return rc;
}

/* One input that is not an audio file. */
static int infer_one(inf_run *r, grym_source *it, grym_error *err)
{
	grym_error e = { 0 };
	switch (it->kind) {
	case GRYM_SOURCE_ERROR:
		grym_stage_fail(r->env, it->name, &it->err);
		return GRYM_OK;
	case GRYM_SOURCE_AUDIO_IN:
		return inf_audio_in(r, it, err);
	case GRYM_SOURCE_TSV:
		return inf_tsv(r, it->in, it->name, err);
	case GRYM_SOURCE_RECORD:
		return inf_record(r, it, err);
	case GRYM_SOURCE_REF:
		return inf_ref(r, it, err);
	default:
		grym_error_set(&e, GRYM_ERR_UNSUPPORTED, "not an input of grym-infer");
		grym_stage_fail(r->env, it->name, &e);
		return GRYM_OK;
	}
}

/* Every input item, in order. */
static int infer_all(inf_run *r, grym_sources *src, grym_error *err)
{
	audio_list *run = calloc(1, sizeof *run);
	grym_source *it;
	int rc = GRYM_OK, nrc;

	if (!run)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	while (!rc && (nrc = grym_sources_next(src, &it, err)) == GRYM_OK) {
		r->env->ninputs++;
		if (it->kind == GRYM_SOURCE_FILE) {
			/* consecutive audio files: replayed in parallel, in order */
			if (!(run->keys[run->n] = strdup(it->path))) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				break;
			}
			run->items[run->n].path = run->items[run->n].key = run->keys[run->n];
			if (++run->n == INF_BATCH)
				rc = flush_audio(r, run, 0, err);
			continue;
		}
		if (!(rc = flush_audio(r, run, 0, err)))
			rc = infer_one(r, it, err);
	}
	int frc = flush_audio(r, run, rc != GRYM_OK, err);
	free(run);
	if (rc || (rc = frc))
		return rc;
	if (grym_cancelled(r->env->cancel))
		return grym_error_cancelled(err);
	if (nrc != GRYM_ERR_EOF && nrc != GRYM_ERR_INTERRUPTED) {
		grym_stage_fail(r->env, NULL, err);
		grym_error_clear(err);
	}
	rc = inf_flush(r, err);
	return rc ? inf_output_failed(r, rc, err) : GRYM_OK;
}

int grym_stage_infer(grym_stage_env *env, const char *model_ref, grym_sources *inputs,
		     const grym_infer_params *p, const grym_infer_sink *sink, grym_error *err)
{
	inf_run r;
	grym_model *m = NULL;
	void *bytes = NULL;
	int rc;

	if (!env || !model_ref || !inputs || !p || !sink || !sink->write)
		return grym_error_set(err, GRYM_ERR_INVALID, "infer: no model, inputs, parameters or sink");
	if (grym_cancelled(env->cancel))
		return grym_error_cancelled(err);
	memset(&r, 0, sizeof r);
	r.env = env;
	r.p = p;
	r.sink = sink;
	r.jobs = env->jobs > 0 ? env->jobs : 1;
	if ((rc = inf_load_model(&r, model_ref, &m, &bytes, err)))
		goto done;
	r.m = m;
	if (!r.cat && env->catalog_dir && !(r.cat = grym_catalog_open(env->catalog_dir, err))) {
		rc = grym_error_prefix(err, err->code, "catalog");
		goto done;
	}
	if (r.cat)
		grym_catalog_set_verify(r.cat, p->verify);
	if ((rc = inf_batch_init(&r, err)))
		goto done;
	if (sink->begin && (rc = sink->begin(sink->ud, m, r.model_id, err)))
		goto done;
	rc = infer_all(&r, inputs, err);
	if (r.stored)
		grym_stage_info(env, 1, NULL, "%llu predictions stored in the catalog (model %s)",
				(unsigned long long)r.stored, r.model_id);
done:
	inf_batch_free(&r);
	grym_replay_free(r.replay);
	grym_catalog_close(r.cat);
	grym_model_free(m);
	free(bytes);
	return rc;
}
