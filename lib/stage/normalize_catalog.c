/*
 * normalize_catalog.c — catalog mode of the normalize stage: references
 * to assets become derived assets, audio records are normalized in
 * place, and both go to the records out in input order.
 *
 * Each reference is a job of the ordered worker pool (grym/pool.h): -j
 * workers normalize the assets, each with its own catalog handle (opened
 * at its first job; -j 1 runs them on the driver with the driver's
 * handle), and done() writes the records in input order on the driver.
 * An audio record waits for the records before it (grym_pool_drain) and
 * is normalized in place. The records out opens at the first record, so
 * a run of files alone writes nothing there.
 */
#include "stage/normalize_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
	grym_record_head h;
	char id[GRYM_ID_LEN + 1];
	int rc, reused;
	grym_normalize_report rep;
	grym_error err;
} job;

static const char *out_name(const norm_cat *c)
{
	return c->run->sink->records_name ? c->run->sink->records_name : "stdout";
}

/* The reference record of a derived asset: the input's metadata passed
 * through, with the new asset's properties and this stage's recipe
 * appended to "pipeline". */
static json_t *derived_meta(const grym_record_head *h, const grym_asset *d,
			    const json_t *recipe, int short_clip)
{
	json_t *m = json_deep_copy(h->meta), *pl;
	if (!m)
		return NULL;
	json_object_set_new(m, "asset", json_string(d->id));
	json_object_set_new(m, "parent", json_string(d->parent));
	json_object_set_new(m, "rate", json_integer(d->sample_rate));
	json_object_set_new(m, "channels", json_integer(d->channels));
	json_object_set_new(m, "frames", json_integer(d->frames));
	json_object_set_new(m, "duration", json_real(d->duration));
	if (d->format)
		json_object_set_new(m, "format", json_string(d->format));
	if (d->codec)
		json_object_set_new(m, "codec", json_string(d->codec));
	pl = json_object_get(m, "pipeline");
	if (!json_is_array(pl)) {
		pl = json_array();
		json_object_set_new(m, "pipeline", pl);
	}
	json_array_append_new(pl, grym_normalize_recipe_entry(recipe, short_clip));
	return m;
}

/* A reused asset was not measured now: it is a short clip when it is
 * shorter than the meter's four 100 ms sub-blocks, floor(0.4 rate). */
static int short_asset(const grym_asset *d)
{
	return d->sample_rate > 0 && d->frames < (int64_t)d->sample_rate * 4 / 10;
}

/* A worker's part (grym_pool work). */
static void normalize_job(void *ud, void *jp, grym_pool_worker *w)
{
	norm_cat *c = ud;
	job *j = jp;
	grym_catalog *cat = c->cat;
	grym_normalize_opts o = c->run->o;
	char full[GRYM_ID_LEN + 1];

	grym_error_clear(&j->err);
	o.cancel = w->cancel;   /* the pool's flag stops a long asset mid-way */
	if (c->run->env->progress) {    /* and the pool sums how far the running ones are */
		o.progress = grym_pool_progress_cb;
		o.progress_ud = w;
	}
	if (c->wcat) {
		grym_catalog **wc = &c->wcat[w->index];
		if (!*wc) {
			if (!(*wc = grym_catalog_open(c->run->env->catalog_dir, &j->err))) {
				j->rc = j->err.code;
				return;
			}
			grym_catalog_set_verify(*wc, c->run->p->verify);
		}
		cat = *wc;
	}
	if (j->h.kind != GRYM_PAYLOAD_REF) {
		j->rc = grym_error_set(&j->err, GRYM_ERR_UNSUPPORTED,
				       "a %s record: grym-normalize takes audio records "
				       "or references to assets", grym_payload_kind_name(j->h.kind));
		return;
	}
	j->rc = grym_catalog_resolve(cat, j->h.key, full, &j->err);
	if (j->rc == GRYM_OK)
		j->rc = grym_normalize_asset(cat, full, &o, j->id, &j->reused, &j->rep, &j->err);
}

static void free_job(void *ud, void *jp)
{
	job *j = jp;
	grym_record_head_clear(&j->h);
	free(j);
}

/* The record of a normalized asset out, in input order (grym_pool done):
 * the reference record of the derived asset, or the input's failure
 * reported. */
static void emit_job(void *ud, void *jp)
{
	norm_cat *c = ud;
	norm_run *r = c->run;
	job *j = jp;
	grym_error err = { 0 };
	grym_asset d;
	json_t *meta;
	/* messages name the file, not only the 64-hex asset id */
	char *name = grym_stage_item_name(j->h.key, j->h.meta);
	const char *nm = name ? name : j->h.key;

	if (!c->fatal && j->rc != GRYM_OK) {
		grym_stage_fail(r->env, nm, &j->err);
		c->failed = 1;
	} else if (!c->fatal && j->rep.skipped) {
		grym__norm_say(r, nm, &j->rep);
		if (r->sink->result) {
			grym_normalize_result res = { .input = nm, .rep = &j->rep };
			r->sink->result(r->sink->ud, &res);
		}
	} else if (!c->fatal) {
		if (j->reused)
			grym_stage_info(r->env, 1, nm, "reusing %s (same recipe)", j->id);
		else
			grym__norm_say(r, nm, &j->rep);
		grym_asset_init(&d);
		if (grym_catalog_get_asset(c->cat, j->id, &d, &err) != GRYM_OK ||
		    !(meta = derived_meta(&j->h, &d, c->recipe, r->o.mode == GRYM_GAIN_LUFS &&
					  (j->reused ? short_asset(&d) : j->rep.in.short_clip)))) {
			grym_stage_fail(r->env, nm, &err);
			c->failed = 1;
		} else {
			int rc = grym_stream_write_ref(c->w, j->id, meta, &err);
			json_decref(meta);
			if (rc != GRYM_OK) {
				grym_stage_fail(r->env, out_name(c), &err);
				c->fatal = 1;
			} else if (r->sink->result) {
				grym_normalize_result res = { .input = nm, .asset = j->id,
							      .reused = j->reused, .rep = &j->rep };
				r->sink->result(r->sink->ud, &res);
			}
		}
		grym_asset_clear(&d);
	}
	free(name);
	free_job(ud, jp);
}

/* At the first record: the recipe and the records out. 0, or -1 after
 * reporting. */
static int cat_open(norm_cat *c)
{
	norm_run *r = c->run;
	grym_error err = { 0 };

	if (c->used)
		return c->fatal ? -1 : 0;
	c->used = 1;
	/* Records in: the run's type (else WAV) is the type of the derived
	 * assets; the records out says nothing of the audio type. */
	if (!(c->recipe = grym_normalize_recipe(&r->o))) {
		grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
		grym_stage_fail(r->env, NULL, &err);
		c->fatal = 1;
		return -1;
	}
	if (!r->sink->records) {
		grym_error_set(&err, GRYM_ERR_INVALID, "records in, but no records out");
		grym_stage_fail(r->env, out_name(c), &err);
		c->fatal = 1;
		return -1;
	}
	if (!(c->w = r->sink->records(r->sink->ud, &err))) {
		grym_stage_fail(r->env, out_name(c), &err);
		c->fatal = 1;
		return -1;
	}
	return 0;
}

/* The pool's progress: references done and the running ones' part. */
static void cat_progress(void *ud, double done, uint64_t total)
{
	norm_cat *c = ud;
	c->done = done;
	grym__norm_pool_progress(c->run, done, total);
}

/* What the first reference needs: the catalog (audio records alone need
 * none), the worker handles and the pool. 0, or -1 after reporting. */
static int cat_start(norm_cat *c)
{
	norm_run *r = c->run;
	grym_error err = { 0 };
	int jobs = r->env->jobs > 0 ? r->env->jobs : 1;   /* how many come is not known */
	grym_pool_opts po = { .jobs = jobs, .work = normalize_job, .done = emit_job,
			      .discard = free_job, .ud = c, .cancel = r->env->cancel };

	/* how many records come is not known: a count, and the part of the
	 * running ones */
	if (r->env->progress)
		po.progress = cat_progress;
	if (!r->env->catalog_dir) {
		grym_error_set(&err, GRYM_ERR_INVALID, "catalog references, but no catalog");
		grym_stage_fail(r->env, NULL, &err);
		return -1;
	}
	if (!(c->cat = grym_catalog_open(r->env->catalog_dir, &err))) {
		grym_stage_fail(r->env, r->env->catalog_dir, &err);
		return -1;
	}
	grym_catalog_set_verify(c->cat, r->p->verify);
	if (jobs > 1) {
		if (!(c->wcat = calloc((size_t)jobs, sizeof *c->wcat))) {
			grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
			grym_stage_fail(r->env, NULL, &err);
			return -1;
		}
		c->nwcat = jobs;
	}
	if (!(c->pool = grym_pool_new(&po, &err))) {
		grym_stage_fail(r->env, NULL, &err);
		return -1;
	}
	return 0;
}

void grym__norm_cat_add(norm_cat *c, grym_source *it)
{
	norm_run *r = c->run;
	grym_error err = { 0 };
	grym_normalize_report rep;

	if (cat_open(c) < 0)
		return;
	if (it->kind == GRYM_SOURCE_REF) {
		job *j = calloc(1, sizeof *j);
		if (!j) {
			grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
			grym_stage_fail(r->env, NULL, &err);
			c->fatal = 1;
			return;
		}
		j->h = it->head;
		memset(&it->head, 0, sizeof it->head);
		if (!c->pool && cat_start(c) != 0) {
			free_job(c, j);
			c->fatal = 1;
			return;
		}
		if (grym_pool_submit(c->pool, j, &err) != GRYM_OK) {
			/* cancelled (the job was not taken): the run says so */
			free_job(c, j);
			c->failed = 1;
		}
		return;
	}
	if (it->head.kind != GRYM_PAYLOAD_AUDIO) {
		grym_error_set(&err, GRYM_ERR_UNSUPPORTED, "a %s record: grym-normalize takes audio "
			       "records or references to assets", grym_payload_kind_name(it->head.kind));
		grym_stage_fail(r->env, it->name, &err);
		c->failed = 1;
		return;
	}
	/* In order: what came before, then this record. */
	if (c->pool && grym_pool_drain(c->pool, &err) != GRYM_OK) {
		c->failed = 1;   /* cancelled: the run says so */
		return;
	}
	if (c->fatal)
		return;
	if (grym_normalize_record(it->reader, &it->head, &r->o, c->recipe, c->w, &rep,
				  &err) != GRYM_OK) {
		grym_stage_fail(r->env, it->head.key, &err);
		c->failed = 1;
	} else {
		grym__norm_say(r, it->head.key, &rep);
		if (r->sink->result) {
			grym_normalize_result res = { .input = it->head.key, .rep = &rep };
			r->sink->result(r->sink->ud, &res);
		}
	}
}

void grym__norm_cat_finish(norm_cat *c)
{
	norm_run *r = c->run;
	grym_error err = { 0 };

	if (c->pool && !c->fatal && grym_pool_finish(c->pool, &err) != GRYM_OK)
		c->failed = 1;
	/* after a fatal error, what is left is dropped unwritten */
	grym_pool_free(c->pool);
	c->pool = NULL;
	if (c->w && r->sink->records_end)
		r->sink->records_end(r->sink->ud, c->fatal ? -1 : c->failed);
	c->w = NULL;
	for (int i = 0; i < c->nwcat; i++)
		grym_catalog_close(c->wcat[i]);
	free(c->wcat);
	c->wcat = NULL;
	grym_catalog_close(c->cat);
	c->cat = NULL;
	json_decref(c->recipe);
	c->recipe = NULL;
	/* the pool's inputs are done: later progress starts above them */
	r->base += c->done;
}
