/*
 * synth.c — the synth stage (grym/stage_synth.h): the call itself, what
 * its words share (the catalog, progress, clips into the sink), and the
 * generators' sequence. Dataset and transform are synth_dataset.c and
 * synth_transform.c; storing a result in the catalog synth_store.c.
 */
#include "synth_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096      /* frames a block: a cancel flag seen within one */

static void on_tick(void *ud, double fraction, const char *msg)
{
	synth_run *r = ud;
	(void)fraction;         /* the count is r->cur: clips, not a fraction */
	grym_stage_progress(r->env, r->cur, r->total, msg);
}

int synth__check(synth_run *r, grym_error *err)
{
	return grym_ticker_check(&r->tick, err);
}

int synth__tick(synth_run *r, double fraction, grym_error *err)
{
	double cur = r->done + (fraction > 1 ? 1 : fraction);
	if (cur > r->cur)
		r->cur = cur;
	return grym_ticker_tick(&r->tick, -1, r->msg, err);
}

void synth__next(synth_run *r)
{
	r->done += 1;
	r->cur = r->done;
	if (grym_ticker_due(&r->tick))
		grym_ticker_report(&r->tick, -1, r->msg);
}

int synth__catalog(synth_run *r, grym_catalog **cat, grym_error *err)
{
	if (!r->cat) {
		if (!r->env->catalog_dir)
			return grym_error_set(err, GRYM_ERR_INVALID, "no catalog directory: "
					      "set GRYM_CATALOG or HOME, or use --catalog");
		if (!(r->cat = grym_catalog_open(r->env->catalog_dir, err)))
			return err->code;
		grym_catalog_set_verify(r->cat, r->cmd->verify);
	}
	*cat = r->cat;
	return GRYM_OK;
}

int synth__decode_asset(grym_catalog *cat, const char *id, const grym_decode_opts *dopt,
			grym_audio *out, char full[GRYM_ID_LEN + 1], grym_error *err)
{
	grym_asset a;
	grym_store_reader *obj = NULL;
	grym_error e, *oe = err ? err : &e;   /* the status, even with no err */
	char path[64];
	int rc;

	grym_asset_init(&a);
	rc = grym_catalog_resolve(cat, id, full, err);
	if (!rc)
		rc = grym_catalog_get_asset(cat, full, &a, err);
	/* the decoder opens the reader's file: no path into the store */
	if (!rc && !(obj = grym_catalog_open_asset_object(cat, &a, path, sizeof path, oe)))
		rc = oe->code;
	if (!rc)
		rc = grym_audio_decode_file(path, dopt, out, NULL, err);
	grym_store_reader_close(obj);
	grym_asset_clear(&a);
	return rc;
}

json_t *synth__record_meta(json_t *recipe, int rate, int channels, const char *label)
{
	json_t *m = json_object(), *pipe = json_array();

	if (!m || !pipe || !recipe) {
		json_decref(m);
		json_decref(pipe);
		json_decref(recipe);
		return NULL;
	}
	json_object_set_new(m, "rate", json_integer(rate));
	json_object_set_new(m, "channels", json_integer(channels));
	if (label) {
		json_t *labels = json_array();
		json_array_append_new(labels, json_string(label));
		json_object_set_new(m, "labels", labels);
	}
	json_object_set(m, "recipe", recipe);
	json_array_append_new(pipe, recipe);
	json_object_set_new(m, "pipeline", pipe);
	return m;
}

int synth__end(synth_run *r, int ok, grym_error *err)
{
	const grym_synth_sink *s = r->sink;
	if (!s->end)
		return GRYM_OK;
	return ok ? s->end(s->ud, 1, err) : (s->end(s->ud, 0, NULL), err ? err->code : GRYM_OK);
}

/* A clip held whole goes to the sink in one write: the bytes of an
 * encoder or a record stream are those of one write of it. */
int synth__emit(synth_run *r, const grym_synth_clip *c, const float *x, grym_error *err)
{
	const grym_synth_sink *s = r->sink;
	int rc;

	if ((rc = synth__check(r, err)))
		return rc;
	if (s->begin && (rc = s->begin(s->ud, c, err)))
		return rc;
	if (s->write && (rc = s->write(s->ud, x, c->frames, err)))
		return synth__end(r, 0, err), rc;
	if ((rc = synth__check(r, err)))
		return synth__end(r, 0, err), rc;
	return synth__end(r, 1, err);
}

/* A cloud's --source: the file itself, or when no such file exists and
 * it looks like one, the object of a catalog asset id. */
static int decode_source(synth_run *r, const char *src, const grym_decode_opts *dopt,
			 grym_audio *out, grym_error *err)
{
	grym_catalog *cat;
	char id[GRYM_ID_LEN + 1];
	int rc;

	if (access(src, F_OK) == 0 || !grym_id_is_prefix(src))
		return grym_audio_decode_file(src, dopt, out, NULL, err);
	if ((rc = synth__catalog(r, &cat, err)))
		return rc;
	return synth__decode_asset(cat, src, dopt, out, id, err);
}

/* The segments, one after another, as one clip streamed in blocks. */
int synth__sequence(synth_run *r, grym_error *err)
{
	const grym_synth_job *j = r->job;
	const grym_synth_sink *s = r->sink;
	size_t n = j->nwords;
	grym_synth_params *seg = calloc(n ? n : 1, sizeof *seg);
	grym_audio *src = calloc(n ? n : 1, sizeof *src);
	grym_synth_seq *q = NULL;
	json_t *meta = NULL;
	float *buf = NULL;
	int64_t got, made = 0;
	int rc = GRYM_OK;

	if (!seg || !src) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	r->total = 1;
	r->msg = "synthesising";
	for (size_t i = 0; i < n; i++) {
		grym_decode_opts dopt = { .rate = r->rate, .channels = 1 };
		grym_synth_stage_segment(&j->words[i], &seg[i]);
		seg[i].seed = r->cmd->seed + i;
		if (!j->words[i].source)
			continue;
		r->env->ninputs++;
		if (decode_source(r, j->words[i].source, &dopt, &src[i], err)) {
			/* the sound needs every source: nothing is made */
			grym_stage_fail(r->env, j->words[i].source, err);
			goto done;
		}
		seg[i].cloud.source = src[i].data;
		seg[i].cloud.source_frames = src[i].frames;
		seg[i].cloud.source_rate = src[i].rate;
	}
	if (!(q = grym_synth_seq_new(seg, n, r->rate, r->channels, err))) {
		rc = err->code;
		goto done;
	}
	json_t *recipe = grym_synth_recipe(seg, n, r->rate, r->channels);
	for (size_t i = 0; recipe && i < n; i++)
		if (j->words[i].source)
			json_object_set_new(json_array_get(json_object_get(recipe, "segments"), i),
					    "source", json_string(j->words[i].source));
	if (!(buf = malloc((size_t)BLOCK * (size_t)r->channels * sizeof *buf)) ||
	    !(meta = synth__record_meta(recipe, r->rate, r->channels, NULL))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	grym_synth_clip c = {
		.key = r->cmd->name ? r->cmd->name : grym_synth_kind_name(seg[0].kind),
		.meta = meta, .rate = r->rate, .channels = r->channels,
		.frames = grym_synth_seq_frames(q),
	};
	if ((s->start && (rc = s->start(s->ud, 0, err))) || (rc = synth__check(r, err)) ||
	    (s->begin && (rc = s->begin(s->ud, &c, err))))
		goto done;
	while ((got = grym_synth_seq_read(q, buf, BLOCK, err)) > 0) {
		made += got;
		if ((s->write && (rc = s->write(s->ud, buf, got, err))) ||
		    (rc = synth__tick(r, c.frames > 0 ? (double)made / c.frames : 0, err))) {
			synth__end(r, 0, err);
			goto done;
		}
	}
	if (got < 0) {
		rc = (int)got;
		synth__end(r, 0, err);
		goto done;
	}
	if ((rc = synth__end(r, 1, err)) == GRYM_OK)
		synth__next(r);
done:
	json_decref(meta);
	free(buf);
	grym_synth_seq_free(q);
	for (size_t i = 0; src && i < n; i++)
		grym_audio_clear(&src[i]);
	free(src);
	free(seg);
	return rc;
}

int grym_stage_synth(grym_stage_env *env, grym_sources *inputs, const grym_synth_job *job,
		     const grym_synth_sink *sink, grym_error *err)
{
	static const grym_synth_sink none = { 0 };
	grym_error local;
	synth_run r;
	int rc, word;

	if (!err)
		err = &local;
	grym_error_clear(err);
	if (!env || !job || !job->cmd)
		return grym_error_set(err, GRYM_ERR_INVALID, "synth: no job");
	memset(&r, 0, sizeof r);
	r.env = env;
	r.job = job;
	r.cmd = job->cmd;
	r.sink = sink ? sink : &none;
	r.rate = r.cmd->rate ? r.cmd->rate : 48000;
	r.channels = r.cmd->channels ? r.cmd->channels : 1;
	r.records = r.cmd->records || r.cmd->text;
	r.total = env->total;   /* the caller's count, until the word knows its own */
	grym_ticker_init(&r.tick, env->cancel, on_tick, &r);
	word = r.cmd->word;
	if (word == GRYM_SYNTH_WORD_DATASET) {
		rc = synth__dataset(&r, err);
	} else if (word > GRYM_SYNTH_WORD_DATASET && word < GRYM_SYNTH_WORDS) {
		if (!inputs || job->nwords < 1)
			rc = grym_error_set(err, GRYM_ERR_INVALID, "transform: no input");
		else
			rc = synth__transform(&r, inputs, err);
	} else {        /* no segment at all: grym_synth_seq_new says so */
		rc = synth__sequence(&r, err);
	}
	if (rc == GRYM_OK && grym_cancelled(env->cancel))
		rc = grym_error_cancelled(err);
	if (rc == GRYM_OK)
		grym_stage_progress(env, r.done, r.total, r.msg);
	grym_catalog_close(r.cat);
	return rc;
}
