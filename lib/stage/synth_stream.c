/*
 * synth_stream.c — transform over many inputs (grym/sources.h): audio
 * records are transformed in place; references (catalog ids, as
 * grym-ingest writes them) are looked up in the catalog; audio files (a
 * directory, a list) are decoded. Each result is a clip keyed as its
 * input (a file's key is its path, made a valid key), or with --store a
 * derived asset. An input that fails is reported and skipped.
 */
#include "synth_int.h"
#include "grym/io.h"
#include "grym/json_field.h"
#include "grym/pathname.h"
#include "grym/stream.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How messages name a record: its number and grym_stage_item_name. */
static void record_name(char *buf, size_t len, uint64_t n, const char *key,
			const json_t *meta, const char *fallback)
{
	char *name = key ? grym_stage_item_name(key, meta) : NULL;

	snprintf(buf, len, "record %llu (%.200s)", (unsigned long long)n,
		 name ? name : key ? key : fallback);
	free(name);
}

/* One input into x (frames x channels at rate), its key and metadata
 * into rec.head (borrowed from the item, or fkey/fmeta made here), and
 * parent the asset it is, when it is one. */
typedef struct item {
	grym_record rec;
	grym_audio a;
	const float *x;
	int64_t frames;
	int channels, rate;
	char parent[GRYM_ID_LEN + 1];
	char *fkey;
	json_t *fmeta;
} item;

static int read_item(synth_run *r, grym_source *it, item *t, int *fatal, grym_error *err)
{
	int rc;

	if (it->kind == GRYM_SOURCE_ERROR) {
		*err = it->err;
		return err->code ? err->code : GRYM_ERR_IO;
	}
	if (it->kind == GRYM_SOURCE_FILE || it->kind == GRYM_SOURCE_AUDIO_IN) {
		/* an audio file met in a directory or a list: its record is
		 * keyed by its path (made a valid key), "path" exact */
		char path[4096];
		int is_tmp = 0;
		grym_decode_opts dopt = { 0 };
		rc = it->kind == GRYM_SOURCE_FILE
			? (snprintf(path, sizeof path, "%s", it->path), GRYM_OK)
			: grym_source_audio_path(it, NULL, path, sizeof path, &is_tmp, err);
		if (rc == GRYM_OK)
			rc = grym_audio_decode_file(path, &dopt, &t->a, NULL, err);
		if (is_tmp)
			grym_tmp_release(path);
		if (rc)
			return rc;
		t->fkey = grym_text_field(it->name, strlen(it->name));
		t->fmeta = it->head.meta ? json_incref(it->head.meta) : json_object();
		if (!t->fkey || !t->fmeta || (!json_object_get(t->fmeta, "path") && it->path &&
					      grym_json_set_path(t->fmeta, "path", it->path, err)))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		t->rec.head.key = t->fkey;
		t->rec.head.meta = t->fmeta;
		t->x = t->a.data;
		t->frames = t->a.frames;
		t->channels = t->a.channels;
		t->rate = t->a.rate;
	} else if (t->rec.head.kind == GRYM_PAYLOAD_AUDIO) {
		if ((rc = grym_stream_read_payload(it->reader, &t->rec, 0, err)) != GRYM_OK)
			return rc;
		json_t *jr = json_object_get(t->rec.head.meta, "rate");
		t->x = t->rec.data;
		t->frames = (int64_t)t->rec.rows;
		t->channels = (int)t->rec.head.cols;
		t->rate = json_is_integer(jr) ? (int)json_integer_value(jr) : 0;
		if (t->rate <= 0)
			return grym_error_set(err, GRYM_ERR_FORMAT, "audio record without a \"rate\"");
		json_t *ja = json_object_get(t->rec.head.meta, "asset");
		if (json_is_string(ja) && grym_id_is_full(json_string_value(ja)))
			snprintf(t->parent, sizeof t->parent, "%s", json_string_value(ja));
	} else if (t->rec.head.kind == GRYM_PAYLOAD_REF) {
		json_t *ja = json_object_get(t->rec.head.meta, "asset");
		const char *id = json_is_string(ja) ? json_string_value(ja) : t->rec.head.key;
		grym_decode_opts dopt = { 0 };
		grym_catalog *cat;
		if ((rc = synth__catalog(r, &cat, err))) {
			*fatal = 1;     /* no catalog: no reference can be read */
			return rc;
		}
		if ((rc = synth__decode_asset(cat, id, &dopt, &t->a, t->parent, err)))
			return rc;
		t->x = t->a.data;
		t->frames = t->a.frames;
		t->channels = t->a.channels;
		t->rate = t->a.rate;
	} else if (it->kind == GRYM_SOURCE_RECORD) {
		return grym_error_set(err, GRYM_ERR_FORMAT, "a %s record is not audio",
				      grym_payload_kind_name(t->rec.head.kind));
	} else {
		return grym_error_set(err, GRYM_ERR_FORMAT, "not an input of transform");
	}
	return GRYM_OK;
}

/* Transform one item and hand the result on; *fatal when the sink
 * failed (the call stops). */
static int do_item(synth_run *r, const grym_xform_params *xp, item *t, int *fatal,
		   grym_error *err)
{
	const grym_synth_sink *s = r->sink;
	float *y = NULL;
	int64_t ny = 0;
	json_t *recipe = NULL, *meta = NULL;
	int rc;

	if (r->cmd->store && !t->parent[0])
		return grym_error_set(err, GRYM_ERR_INVALID, "--store needs records of catalog assets");
	if ((rc = grym_transform(xp, t->x, t->frames, t->channels, t->rate, &y, &ny, err)))
		return rc;
	if (!(recipe = synth__xform_recipe(xp, NULL))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (r->cmd->store) {
		char id[GRYM_ID_LEN + 1];
		json_object_set_new(recipe, "format", json_string("wav"));
		json_object_set_new(recipe, "bits", json_string("32f"));
		grym_catalog *cat;
		if ((rc = synth__check(r, err)))
			goto done;
		if ((rc = synth__catalog(r, &cat, err))) {
			*fatal = 1;
			goto done;
		}
		if ((rc = synth__put_derived(cat, t->parent, recipe, y, ny, t->channels,
					     t->rate, id, err)))
			goto done;
		json_object_set_new(recipe, "parent", json_string(t->parent));
		if (!(meta = synth__out_meta(t->rec.head.meta, json_incref(recipe), t->rate,
					     t->channels, ny))) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto done;
		}
		json_object_set_new(meta, "asset", json_string(id));
		json_object_set_new(meta, "parent", json_string(t->parent));
		json_object_set_new(meta, "format", json_string("wav"));
		json_object_set_new(meta, "codec", json_string("pcm_f32le"));
		grym_synth_clip c = { .key = id, .meta = meta, .rate = t->rate,
				      .channels = t->channels, .frames = ny, .asset = id };
		if (s->stored && (rc = s->stored(s->ud, &c, err)))
			*fatal = 1;
		goto done;
	}
	if (t->parent[0])
		json_object_set_new(recipe, "parent", json_string(t->parent));
	if (!(meta = synth__out_meta(t->rec.head.meta, json_incref(recipe), t->rate, t->channels,
				     ny))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	grym_synth_clip c = { .key = t->rec.head.key, .meta = meta, .rate = t->rate,
			      .channels = t->channels, .frames = ny };
	if ((rc = synth__emit(r, &c, y, err)))
		*fatal = 1;
done:
	json_decref(recipe);
	json_decref(meta);
	free(y);
	return rc;
}

int synth__transform_stream(synth_run *r, const grym_xform_params *xp, grym_sources *src,
			    grym_source *it, grym_source *then, grym_error *err)
{
	const grym_synth_sink *s = r->sink;
	int rc;

	r->msg = "transforming";
	if (s->start && (rc = s->start(s->ud, 1, err)))
		return rc;
	for (int first = 1;; first = 0) {
		item t = { 0 };
		char what[300];
		int fatal = 0;

		if (!first && then) {
			it = then;      /* taken already, after the first */
			then = NULL;
		} else if (!first && (rc = grym_sources_next(src, &it, err)) != GRYM_OK) {
			if (rc == GRYM_ERR_INTERRUPTED && grym_cancelled(r->env->cancel))
				return grym_error_cancelled(err);
			if (rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED)
				grym_stage_fail(r->env, NULL, err);
			break;
		}
		if (!it)
			break;          /* a stream of no records */
		if ((rc = synth__check(r, err)))
			return rc;
		r->env->ninputs++;
		if (it->record)
			record_name(what, sizeof what, it->record, it->head.key, it->head.meta,
				    it->name);
		else
			snprintf(what, sizeof what, "%.290s", it->name);
		t.rec.head = it->head;  /* borrowed: the item owns it */
		grym_error_clear(err);
		rc = read_item(r, it, &t, &fatal, err);
		if (rc == GRYM_OK)
			rc = do_item(r, xp, &t, &fatal, err);
		json_decref(t.fmeta);
		free(t.fkey);
		grym_audio_clear(&t.a);
		free(t.rec.data);       /* the head is the item's */
		if (rc != GRYM_OK && (fatal || rc == GRYM_ERR_CANCELLED))
			return rc;
		if (rc != GRYM_OK)
			grym_stage_fail(r->env, what, err);
		synth__next(r);
	}
	return GRYM_OK;
}
