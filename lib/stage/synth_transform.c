/*
 * synth_transform.c — the transform word of the synth stage: what the
 * first input is decides the shape of the result. One audio file (or
 * stdin) or one catalog id gives one clip (or, with --store, one derived
 * asset); anything else (records, ids, a directory, a list, several ids
 * queued as references) is a stream, one clip per input (synth_stream.c).
 */
#include "synth_int.h"
#include "core/error_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *synth__xform_recipe(const grym_xform_params *x, const char *source)
{
	json_t *r = json_object();
	if (!r)
		return NULL;
	json_object_set_new(r, "stage", json_string("synth-transform"));
	json_object_set_new(r, "transform", json_string(grym_xform_name(x->kind)));
	if (source)
		json_object_set_new(r, "source", json_string(source));
	switch (x->kind) {
	case GRYM_XFORM_STRETCH: json_object_set_new(r, "factor", json_real(x->factor)); break;
	case GRYM_XFORM_PITCH: json_object_set_new(r, "semitones", json_real(x->semitones)); break;
	case GRYM_XFORM_RANDPHASE: case GRYM_XFORM_SMEAR:
		json_object_set_new(r, "amount", json_real(x->amount));
		json_object_set_new(r, "seed", json_integer((json_int_t)x->seed));
		break;
	case GRYM_XFORM_FREEZE:
		json_object_set_new(r, "at", json_real(x->at));
		json_object_set_new(r, "duration", json_real(x->length));
		break;
	default: break;
	}
	if (x->kind != GRYM_XFORM_REVERSE) {
		json_object_set_new(r, "n_fft", json_integer(x->n_fft));
		json_object_set_new(r, "hop", json_integer(x->hop));
	}
	return r;
}

json_t *synth__out_meta(const json_t *in, json_t *recipe, int rate, int channels,
			int64_t frames)
{
	json_t *m = in ? json_deep_copy(in) : json_object(), *pipe;

	if (!m || !recipe) {
		json_decref(m);
		json_decref(recipe);
		return NULL;
	}
	json_object_del(m, "kind");
	json_object_del(m, "cols");
	json_object_del(m, "format");   /* of the input's bytes: no longer true */
	json_object_del(m, "codec");
	json_object_del(m, "bits");
	json_object_set_new(m, "rate", json_integer(rate));
	json_object_set_new(m, "channels", json_integer(channels));
	json_object_set_new(m, "frames", json_integer(frames));
	json_object_set_new(m, "duration", json_real((double)frames / rate));
	pipe = json_object_get(m, "pipeline");
	if (!json_is_array(pipe)) {
		pipe = json_array();
		json_object_set_new(m, "pipeline", pipe);
	}
	json_array_append_new(pipe, recipe);
	return m;
}

/* Store y as the asset derived from parent and hand its id on. */
static int store_one(synth_run *r, const grym_xform_params *xp, const char *in,
		     const char *parent, const float *y, int64_t ny, int channels, int rate,
		     grym_error *err)
{
	const grym_synth_sink *s = r->sink;
	char id[GRYM_ID_LEN + 1];
	json_t *recipe = synth__xform_recipe(xp, NULL), *meta = NULL;
	int rc;

	if (!recipe)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	json_object_set_new(recipe, "format", json_string("wav"));
	json_object_set_new(recipe, "bits", json_string("32f"));
	/* the input was decoded at --rate and mixed down by --channels 1: part
	 * of what made this audio, so part of its id (without them a
	 * resampled result took the id of the unresampled one) */
	if (r->cmd->rate > 0)
		json_object_set_new(recipe, "rate", json_integer(r->cmd->rate));
	if (r->cmd->channels)
		json_object_set_new(recipe, "channels", json_integer(1));
	if ((rc = synth__put_derived(r->cat, parent, recipe, y, ny, channels, rate, id, err))) {
		json_decref(recipe);
		grym_stage_fail(r->env, in, err);
		return GRYM_OK;
	}
	json_object_set_new(recipe, "parent", json_string(parent));
	if (!(meta = synth__out_meta(NULL, recipe, rate, channels, ny)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	json_object_set_new(meta, "asset", json_string(id));
	json_object_set_new(meta, "parent", json_string(parent));
	json_object_set_new(meta, "format", json_string("wav"));
	json_object_set_new(meta, "codec", json_string("pcm_f32le"));
	grym_synth_clip c = { .key = id, .meta = meta, .rate = rate, .channels = channels,
			      .frames = ny, .asset = id };
	/* stored is stored: handed on even when a cancel came meanwhile */
	rc = s->stored ? s->stored(s->ud, &c, err) : GRYM_OK;
	json_decref(meta);
	return rc ? rc : synth__check(r, err);
}

/* One input (it: a catalog id, or an audio file or stdin), one result. */
static int transform_one(synth_run *r, const grym_xform_params *xp, grym_source *it,
			 grym_error *err)
{
	const grym_synth_stage_params *cmd = r->cmd;
	const grym_synth_sink *s = r->sink;
	const char *in = r->job->operand ? r->job->operand : "-";
	char parent[GRYM_ID_LEN + 1] = "", objpath[64], dpath[4096] = "";
	grym_store_reader *obj = NULL;  /* the id's object, decoded by objpath */
	grym_decode_opts dopt = { .rate = cmd->rate, .channels = cmd->channels ? 1 : 0 };
	grym_audio a = { 0 };
	float *y = NULL;
	int64_t ny = 0;
	json_t *meta = NULL;
	int dtmp = 0, rc;

	r->total = 1;
	r->env->ninputs++;
	if (it->kind == GRYM_SOURCE_REF) {
		grym_catalog *cat;
		grym_asset pa;
		grym_asset_init(&pa);
		if ((rc = synth__catalog(r, &cat, err)) ||
		    (rc = grym_catalog_resolve(cat, it->head.key, parent, err)) ||
		    (rc = grym_catalog_get_asset(cat, parent, &pa, err)) ||
		    !(obj = grym_catalog_open_asset_object(cat, &pa, objpath, sizeof objpath, err))) {
			grym_asset_clear(&pa);
			grym_stage_fail(r->env, in, err);
			return GRYM_OK;
		}
		grym_asset_clear(&pa);
		if (cmd->store && (r->records || cmd->output)) {
			grym_store_reader_close(obj);
			return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "--store of one id prints the new "
					      "id; it takes no -o or --records");
		}
	} else {
		if (cmd->store)
			return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "--store needs catalog ids (an id, "
					      "or records of ids), not audio");
		if (it->kind == GRYM_SOURCE_FILE) {
			snprintf(dpath, sizeof dpath, "%s", it->path);
		} else if (grym_source_audio_path(it, NULL, dpath, sizeof dpath, &dtmp, err)) {
			grym_stage_fail(r->env, it->name, err);
			return GRYM_OK;
		}
	}
	r->msg = "decoding";
	rc = grym_audio_decode_file(parent[0] ? objpath : dpath, &dopt, &a, NULL, err);
	grym_store_reader_close(obj);
	if (dtmp)
		grym_tmp_release(dpath);
	if (rc) {
		grym_stage_fail(r->env, in, err);
		return GRYM_OK;
	}
	r->msg = "transforming";
	if ((rc = synth__tick(r, 0, err)))
		goto done;
	if ((rc = grym_transform(xp, a.data, a.frames, a.channels, a.rate, &y, &ny, err))) {
		/* parameters that do not fit the input stop the call, as a
		 * usage error of it; anything else is the input's failure */
		if (rc == GRYM_ERR_INVALID)
			grym_error_prefix(err, rc, "%s", in);
		else
			grym_stage_fail(r->env, in, err), rc = GRYM_OK;
		goto done;
	}
	if ((rc = synth__check(r, err)))
		goto done;
	if (cmd->store) {
		if (s->start && (rc = s->start(s->ud, 0, err)))
			goto done;
		rc = store_one(r, xp, in, parent, y, ny, a.channels, a.rate, err);
		goto done;
	}
	json_t *recipe = synth__xform_recipe(xp, parent[0] ? NULL : in);
	if (recipe && parent[0])
		json_object_set_new(recipe, "parent", json_string(parent));
	if (!(meta = synth__record_meta(recipe, a.rate, a.channels, NULL))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (parent[0])
		json_object_set_new(meta, "asset", json_string(parent));
	grym_synth_clip c = {
		.key = cmd->name ? cmd->name : grym_xform_name(xp->kind), .meta = meta,
		.rate = a.rate, .channels = a.channels, .frames = ny,
	};
	if (!(s->start && (rc = s->start(s->ud, 0, err))))
		rc = synth__emit(r, &c, y, err);
done:
	if (rc == GRYM_OK)
		synth__next(r);
	json_decref(meta);
	free(y);
	grym_audio_clear(&a);
	return rc;
}

/* A catalog id that is the first operand: the one clip (or asset) when
 * it is the only input, else the first item of a stream of them (ids a
 * server queued with grym_sources_add_ref, one result per id). Telling
 * the two apart takes the next item, so the first one is kept: a REF
 * item is only its key and metadata. */
static int transform_ref(synth_run *r, const grym_xform_params *xp, grym_sources *src,
			 const grym_source *it, grym_error *err)
{
	grym_source first = { .kind = GRYM_SOURCE_REF };
	grym_source *next = NULL;
	int rc;

	first.head.kind = GRYM_PAYLOAD_REF;
	first.head.key = strdup(it->head.key ? it->head.key : it->name);
	first.head.meta = it->head.meta ? json_incref(it->head.meta) : json_object();
	first.name = first.head.key;
	if (!first.head.key || !first.head.meta) {
		grym_record_head_clear(&first.head);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	rc = grym_sources_next(src, &next, err);
	if (rc == GRYM_ERR_EOF)
		rc = transform_one(r, xp, &first, err);
	else if (rc == GRYM_ERR_INTERRUPTED && grym_cancelled(r->env->cancel))
		rc = grym_error_cancelled(err);
	else if (rc == GRYM_OK)
		rc = synth__transform_stream(r, xp, src, &first, next, err);
	grym_record_head_clear(&first.head);
	return rc;
}

int synth__transform(synth_run *r, grym_sources *src, grym_error *err)
{
	const char *in = r->job->operand ? r->job->operand : "-";
	grym_xform_params xp;
	grym_source *it = NULL;
	int rc;

	grym_synth_stage_xform(&r->job->words[0], &xp);
	xp.seed = r->cmd->seed;
	rc = grym_sources_next(src, &it, err);
	if (rc < 0 && rc != GRYM_ERR_EOF) {
		if (rc == GRYM_ERR_INTERRUPTED && grym_cancelled(r->env->cancel))
			return grym_error_cancelled(err);
		grym_stage_fail(r->env, in, err);
		return GRYM_OK;
	}
	if (rc == GRYM_ERR_EOF)
		it = NULL;      /* a stream of no records */
	if (it && !it->nested && it->kind == GRYM_SOURCE_ERROR) {
		r->env->ninputs++;
		grym_stage_fail(r->env, it->name, &it->err);
		return GRYM_OK;
	}
	if (it && !it->nested && it->kind == GRYM_SOURCE_REF)
		return transform_ref(r, &xp, src, it, err);
	if (it && !it->nested && (it->kind == GRYM_SOURCE_FILE || it->kind == GRYM_SOURCE_AUDIO_IN))
		return transform_one(r, &xp, it, err);
	return synth__transform_stream(r, &xp, src, it, NULL, err);
}
