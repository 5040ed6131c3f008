/*
 * jobs_synth.c — a synth job (grym/serve_jobs.h). Its parameters are the
 * synth table's JSON (grym-synth --schema): the command's word
 * ("generator": a generator, "dataset" or a transformation) and the
 * parameters that word and the command take. They are assembled into a
 * command through grym_synth_cmd_* as grym-synth's words and options
 * are, each part read by the table (grym_schema_set_json), so a request
 * and the command line are checked alike. The synth stage then runs it in
 * catalog mode:
 *
 *   - a transformation: each input asset (ids or a selection) gives one
 *     derived asset with its recipe, as `grym-synth transform X --store
 *     ID` makes it (the stage's store: 32-bit float WAV, id from the
 *     parent and the recipe), several ids in one call;
 *   - a generator or dataset (no inputs): each clip is written as
 *     grym-synth writes its file (-t, --bits, the dither's seed) into an
 *     unnamed temporary, checked by decoding it as grym-ingest checks a
 *     file, put into the store and inserted as a source asset whose id is
 *     those bytes' hash: the asset `grym-synth ... -o F; grym-ingest F`
 *     makes, with the clip's recipe in its metadata ("recipe"), its class
 *     as its label (dataset) and "synth/KEY.EXT" as its origin path.
 *
 * What a job cannot do that grym-synth can is refused naming the field:
 * a transform job keeps its input's rate and channels and always stores
 * (the stored recipe would not say a resampling), and a cloud's "source"
 * is an asset of the catalog, never a file of the server's.
 */
#include "serve/jobs_int.h"
#include "grym/audio.h"
#include "grym/hash.h"
#include "grym/io.h"
#include "grym/progress.h"
#include "grym/stage_synth.h"
#include "grym/store.h"
#include "grym/synth_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTED 1000         /* assets listed in a result */
#define MAX_CLIPS 10000         /* dataset clips in one job */
#define BLOCK 4096              /* frames decoded at a time */

static void set_field(char *field, size_t len, const char *s)
{
	if (field && len)
		snprintf(field, len, "%s", s);
}

static int nomem(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

static int is_xform(int word)
{
	return word > GRYM_SYNTH_WORD_DATASET && word < GRYM_SYNTH_WORDS;
}

/* ---- the parameters as a command ---- */

typedef struct req {
	grym_synth_cmd *c;      /* allocated: it has room for every segment */
	grym_synth_job job;
	int word;               /* the kind parameter's choice */
	json_t *obj;            /* the parameters (a cloud's source resolved) */
} req;

static void req_clear(req *q)
{
	if (q->c) {
		grym_schema_clear(grym_synth_schema(), &q->c->g);
		for (size_t i = 0; i < q->c->nseg || i < 1; i++)
			grym_schema_clear(grym_synth_schema(), &q->c->word[i]);
		free(q->c);
	}
	json_decref(q->obj);
	memset(q, 0, sizeof *q);
}

/* Set the keys of part (an object) on p through the table; a failure
 * names its key as the field. */
static int set_part(grym_synth_stage_params *p, json_t *part, char *field, size_t len,
		    grym_error *err)
{
	char *text = json_dumps(part, JSON_COMPACT);
	int rc;
	if (!text)
		return nomem(err);
	rc = grym_schema_set_json(grym_synth_schema(), p, text, err);
	free(text);
	return rc == GRYM_OK ? GRYM_OK : sj_params_error(rc, err, field, len);
}

/* The word of the parameters: "generator" read by the table (its
 * default when absent), into q->word. */
static int read_word(json_t *obj, req *q, char *field, size_t len, grym_error *err)
{
	grym_synth_stage_params tmp;
	json_t *only = json_object();
	int rc;

	if (!only)
		return nomem(err);
	if (json_object_get(obj, "generator"))
		json_object_set(only, "generator", json_object_get(obj, "generator"));
	if ((rc = grym_synth_stage_defaults(&tmp, 0, err)) == GRYM_OK) {
		rc = set_part(&tmp, only, field, len, err);
		q->word = tmp.word;
		grym_schema_clear(grym_synth_schema(), &tmp);
	}
	json_decref(only);
	return rc;
}

/* The command's words: what grym-synth's command line would say. */
static int words(req *q, grym_error *err)
{
	const char *const *choices = grym_schema_find(grym_synth_schema(), "generator")->choices;
	grym_synth_cmd *c = q->c;
	int rc;

	if (q->word == GRYM_SYNTH_WORD_DATASET) {
		/* the folder the clips' names are in (their origin paths) */
		if ((rc = grym_synth_cmd_word(c, "dataset", 0, err)) == GRYM_OK)
			rc = grym_synth_cmd_word(c, "synth", 1, err);
		return rc;
	}
	if (is_xform(q->word)) {
		if ((rc = grym_synth_cmd_word(c, "transform", 0, err)) == GRYM_OK)
			rc = grym_synth_cmd_word(c, choices[q->word], 0, err);
		return rc;
	}
	return grym_synth_cmd_word(c, choices[q->word], 0, err);
}

/* What a job takes beside the table's checks. */
static int job_rules(grym_catalog *cat, req *q, char *field, size_t len, grym_error *err)
{
	static const char *const kept[] = { "rate", "channels", "type", "bits", NULL };
	grym_synth_cmd *c = q->c;
	json_t *v;

	if (is_xform(q->word)) {
		for (int i = 0; kept[i]; i++) {
			if (!json_object_get(q->obj, kept[i]))
				continue;
			char f[32];
			snprintf(f, sizeof f, "params.%s", kept[i]);
			set_field(field, len, f);
			return grym_error_set(err, GRYM_ERR_INVALID, "synth parameters: \"%s\": a "
					      "transform job keeps its input's rate and channels and "
					      "stores 32-bit float WAV (grym-synth transform --store)",
					      kept[i]);
		}
		if ((v = json_object_get(q->obj, "store")) && !json_is_true(v)) {
			set_field(field, len, "params.store");
			return grym_error_set(err, GRYM_ERR_INVALID, "synth parameters: \"store\": a "
					      "transform job stores what it makes");
		}
		c->g.store = 1;
	}
	if (c->g.bits != 16 && c->g.bits != 24 && c->g.bits != 32) {
		set_field(field, len, "params.bits");
		return grym_error_set(err, GRYM_ERR_INVALID, "synth parameters: \"bits\": %d is none "
				      "of 16, 24, 32f", c->g.bits);
	}
	if (q->word == GRYM_SYNTH_WORD_DATASET &&
	    (int64_t)c->g.classes * c->g.per_class > MAX_CLIPS) {
		set_field(field, len, "params.per_class");
		return grym_error_set(err, GRYM_ERR_LIMIT, "synth parameters: \"per_class\": %d "
				      "classes of %d clips is more than the %d a job makes",
				      c->g.classes, c->g.per_class, MAX_CLIPS);
	}
	if (q->word == GRYM_SYNTH_CLOUD && c->word[0].source) {
		/* an asset of the catalog, resolved now (never a file of the
		 * server's: the stage would read one of that name) */
		char full[GRYM_ID_LEN + 1], *dup;
		int rc = grym_id_is_prefix(c->word[0].source)
			? grym_catalog_resolve(cat, c->word[0].source, full, err)
			: grym_error_set(err, GRYM_ERR_NOTFOUND, "'%s' is not an asset id",
					 c->word[0].source);
		if (rc != GRYM_OK) {
			set_field(field, len, "params.source");
			return grym_error_prefix(err, rc == GRYM_ERR_NOMEM || rc == GRYM_ERR_DB ? rc
						 : GRYM_ERR_INVALID, "params.source");
		}
		if (!(dup = strdup(full)))
			return nomem(err);
		free(c->word[0].source);
		c->word[0].source = dup;
		json_object_set_new(q->obj, "source", json_string(full));
	}
	return GRYM_OK;
}

/* Read the parameters text into a command (q, cleared on failure). */
static int req_build(grym_catalog *cat, const char *text, req *q, char *field, size_t len,
		     grym_error *err)
{
	const grym_schema *s = grym_synth_schema();
	json_t *glob = json_object(), *own = json_object(), *v;
	json_error_t je;
	const char *key;
	int rc;

	memset(q, 0, sizeof *q);
	if (!glob || !own) {
		rc = nomem(err);
		goto done;
	}
	q->obj = json_loads(text && text[0] ? text : "{}", 0, &je);
	if (!json_is_object(q->obj)) {
		set_field(field, len, "params");
		rc = grym_error_set(err, GRYM_ERR_INVALID, "synth parameters: not a JSON object%s%s",
				    q->obj ? "" : ": ", q->obj ? "" : je.text);
		goto done;
	}
	if ((rc = read_word(q->obj, q, field, len, err)) != GRYM_OK)
		goto done;
	if (!(q->c = malloc(sizeof *q->c))) {
		rc = nomem(err);
		goto done;
	}
	if ((rc = grym_synth_cmd_init(q->c, err)) != GRYM_OK ||
	    (rc = words(q, err)) != GRYM_OK) {
		set_field(field, len, "params");
		goto done;
	}
	/* the command's parameters and the word's, each part read by the
	 * table into its struct (a dataset has no word of its own) */
	json_object_foreach(q->obj, key, v) {
		const grym_param *p = grym_schema_find(s, key);
		if (strcmp(key, "generator"))
			json_object_set(p && grym_synth_param_global(p) ? glob : own, key, v);
	}
	if ((rc = set_part(&q->c->g, glob, field, len, err)) != GRYM_OK ||
	    (rc = set_part(q->word == GRYM_SYNTH_WORD_DATASET ? &q->c->g : &q->c->word[0], own,
			   field, len, err)) != GRYM_OK ||
	    (rc = job_rules(cat, q, field, len, err)) != GRYM_OK)
		goto done;
	if ((rc = grym_synth_cmd_finish(q->c, &q->job, err)) != GRYM_OK)
		set_field(field, len, "params");
done:
	json_decref(glob);
	json_decref(own);
	if (rc != GRYM_OK)
		req_clear(q);
	return rc;
}

int sj_synth_check(grym_catalog *cat, const char *params, const char *inputs,
		   char **params_out, char **inputs_out, char *field, size_t field_len,
		   grym_error *err)
{
	req q;
	int rc;

	*params_out = *inputs_out = NULL;
	set_field(field, field_len, "");
	if ((rc = req_build(cat, params, &q, field, field_len, err)) != GRYM_OK)
		return rc;
	if (is_xform(q.word)) {
		rc = sj_check_assets(cat, inputs, inputs_out, field, field_len, err);
	} else {
		/* a generator makes its own audio */
		json_t *v = inputs && inputs[0] ? json_loads(inputs, JSON_DECODE_ANY, NULL)
						: json_null();
		if (!json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0)) {
			set_field(field, field_len, "inputs");
			rc = grym_error_set(err, GRYM_ERR_INVALID, "inputs: %s makes its own audio: "
					    "no inputs (null or [])",
					    grym_schema_find(grym_synth_schema(), "generator")
					    ->choices[q.word]);
		} else if (!(*inputs_out = strdup("null"))) {
			rc = nomem(err);
		}
		json_decref(v);
	}
	if (rc == GRYM_OK && !(*params_out = json_dumps(q.obj, JSON_COMPACT)))
		rc = nomem(err);
	if (rc != GRYM_OK) {
		free(*inputs_out);
		*inputs_out = NULL;
	}
	req_clear(&q);
	return rc;
}

/* ---- the results: assets listed ---- */

typedef struct listed {
	json_t *assets;         /* the first MAX_LISTED */
	uint64_t stored;
} listed;

static int list_add(listed *l, json_t *o, grym_error *err)
{
	if (!o)
		return nomem(err);
	l->stored++;
	if (json_array_size(l->assets) >= MAX_LISTED) {
		json_decref(o);
		return GRYM_OK;
	}
	return json_array_append_new(l->assets, o) ? nomem(err) : GRYM_OK;
}

/* transform: each derived asset, with the asset it came from */
static int xform_stored(void *ud, const grym_synth_clip *c, grym_error *err)
{
	const char *parent = json_string_value(json_object_get(c->meta, "parent"));
	return list_add(ud, json_pack("{s:s?, s:s, s:i, s:i, s:I, s:f}", "input", parent,
				      "asset", c->asset, "rate", c->rate, "channels", c->channels,
				      "frames", (json_int_t)c->frames,
				      "duration", (double)c->frames / c->rate), err);
}

/* ---- generators: each clip a file, stored as a source asset ---- */

typedef struct gen_sink {
	grym_catalog *cat;
	grym_stage_env *env;
	const grym_synth_stage_params *g;       /* the command's: type, bits, seed */
	int dataset;
	listed out;
	/* the clip under way */
	grym_output *o;
	grym_encoder *enc;
	char tmp[4096];         /* its temporary, "" when none */
	char name[4096];        /* its origin path */
	char label[64];
	json_t *recipe;
	int skip;               /* a dataset item that failed: the rest ignored */
} gen_sink;

static void gen_drop(gen_sink *s)
{
	if (s->enc)
		(void)!grym_encoder_close(s->enc, NULL);     /* dropped anyway */
	if (s->o)
		grym_output_abort(s->o);
	if (s->tmp[0])
		grym_tmp_release(s->tmp);
	json_decref(s->recipe);
	s->enc = NULL;
	s->o = NULL;
	s->recipe = NULL;
}

/* A clip that cannot be made: a dataset's item fails on its own (as
 * grym-synth's dataset files do), anything else stops the job. */
static int gen_fail(gen_sink *s, int rc, grym_error *err)
{
	gen_drop(s);
	if (!s->dataset || rc == GRYM_ERR_CANCELLED || rc == GRYM_ERR_NOMEM)
		return rc;
	grym_stage_fail(s->env, s->name, err);
	s->skip = 1;
	return GRYM_OK;
}

static grym_file_type gen_type(const gen_sink *s)
{
	return s->g->type >= 0 ? (grym_file_type)s->g->type : GRYM_FILE_WAV;
}

static int gen_begin(void *ud, const grym_synth_clip *c, grym_error *err)
{
	gen_sink *s = ud;
	int bits = s->g->bits;

	s->skip = 0;
	if (c->path)    /* a dataset's: synth/CLASS/KEY.EXT */
		snprintf(s->name, sizeof s->name, "%s", c->path);
	else
		snprintf(s->name, sizeof s->name, "synth/%s.%s", c->key,
			 grym_file_type_name(gen_type(s)));
	snprintf(s->label, sizeof s->label, "%s", c->label ? c->label : "");
	s->recipe = json_incref(json_object_get(c->meta, "recipe"));
	if (!(s->o = grym_output_open_tmp(NULL, "grym-synth-job", s->tmp, sizeof s->tmp, err)) ||
	    !(s->enc = grym_encoder_open(s->o, gen_type(s), bits == 24 ? GRYM_SAMPLE_S24 :
					 bits == 32 ? GRYM_SAMPLE_F32 : GRYM_SAMPLE_S16, c->rate,
					 c->channels, 0, s->g->seed, err)))
		return gen_fail(s, err->code, err);
	return GRYM_OK;
}

static int gen_write(void *ud, const float *x, int64_t frames, grym_error *err)
{
	gen_sink *s = ud;
	int rc;
	if (s->skip)
		return GRYM_OK;
	return (rc = grym_encoder_write(s->enc, x, frames, err)) ? gen_fail(s, rc, err) : GRYM_OK;
}

/* Decode the whole file as grym-ingest does before it keeps one: its
 * properties and the frames that decode. */
static int check_decode(const char *path, const volatile sig_atomic_t *cancel,
			grym_audio_info *info, int64_t *frames, grym_error *err)
{
	grym_decode_opts o = { .cancel = cancel };
	grym_decoder *d = grym_decoder_open(path, &o, err);
	float *buf;
	int64_t n = 0;

	*frames = 0;
	if (!d)
		return err->code;
	if (!(buf = malloc((size_t)BLOCK * (size_t)grym_decoder_channels(d) * sizeof *buf))) {
		grym_decoder_close(d);
		return nomem(err);
	}
	while ((n = grym_decoder_read(d, buf, BLOCK, err)) > 0)
		*frames += n;
	free(buf);
	if (n == 0) {
		*info = *grym_decoder_info(d);
		info->tags = json_incref(info->tags);
	}
	grym_decoder_close(d);
	return (int)n;
}

/* The finished file (s->tmp) as a source asset: its object first, then
 * its row, so no row is ever without its object. */
static int put_source(gen_sink *s, grym_error *err)
{
	grym_store *st = grym_catalog_store(s->cat);
	grym_audio_info info;
	grym_asset a;
	json_t *paths = json_array(), *meta = json_object(), *labels = json_array();
	int64_t frames = 0;
	int created = 0, rc;

	memset(&info, 0, sizeof info);
	grym_asset_init(&a);
	if (!paths || !meta || !labels || json_array_append_new(paths, json_string(s->name)) ||
	    (s->label[0] && json_array_append_new(labels, json_string(s->label))) ||
	    (s->recipe && json_object_set(meta, "recipe", s->recipe))) {
		rc = nomem(err);
		goto done;
	}
	if ((rc = check_decode(s->tmp, s->env->cancel, &info, &frames, err)) != GRYM_OK ||
	    (rc = grym_store_put_file(st, s->tmp, a.object, err)) != GRYM_OK ||
	    (rc = grym_store_size(st, a.object, &a.bytes, err)) != GRYM_OK)
		goto done;
	memcpy(a.id, a.object, sizeof a.id);    /* a source is its bytes */
	snprintf(a.kind, sizeof a.kind, "source");
	a.format = strdup(info.format);
	a.codec = strdup(info.codec);
	if (!a.format || !a.codec) {
		rc = nomem(err);
		goto done;
	}
	a.sample_rate = info.sample_rate;
	a.channels = info.channels;
	a.bits = info.bits;
	a.frames = frames;
	a.duration = info.sample_rate > 0 ? (double)frames / info.sample_rate : 0;
	a.tags = json_incref(info.tags);
	a.paths = json_incref(paths);
	a.labels = json_incref(labels);
	a.meta = json_incref(meta);
	if ((rc = grym_catalog_put_asset(s->cat, &a, &created, err)) != GRYM_OK)
		goto done;
	rc = list_add(&s->out, json_pack("{s:s, s:s, s:O, s:b, s:i, s:i, s:I, s:f}", "asset", a.id,
					 "path", s->name, "labels", labels, "created", created,
					 "rate", a.sample_rate, "channels", a.channels,
					 "frames", (json_int_t)a.frames, "duration", a.duration), err);
done:
	grym_asset_clear(&a);
	grym_audio_info_clear(&info);
	json_decref(paths);
	json_decref(meta);
	json_decref(labels);
	return rc;
}

static int gen_end(void *ud, int ok, grym_error *err)
{
	gen_sink *s = ud;
	int rc;

	if (s->skip || !ok) {
		gen_drop(s);
		return GRYM_OK;
	}
	rc = grym_encoder_close(s->enc, err);
	s->enc = NULL;
	if (rc == GRYM_OK) {    /* commit frees the output; the file stays */
		rc = grym_output_commit(s->o, err);
		s->o = NULL;
	}
	if (rc == GRYM_OK)
		rc = put_source(s, err);
	if (rc != GRYM_OK)
		return gen_fail(s, rc, err);
	gen_drop(s);
	return GRYM_OK;
}

/* ---- running ---- */

/* The one id a transformation of one input names in its messages. */
static char *one_input(const char *inputs)
{
	json_t *v = json_loads(inputs ? inputs : "null", JSON_DECODE_ANY, NULL);
	const char *id = json_string_value(json_array_get(v, 0));
	char *s = strdup(id && json_array_size(v) == 1 ? id : "the asset selected");
	json_decref(v);
	return s;
}

int sj_synth_run(grym_catalog *cat, const char *params, const char *inputs, grym_stage_env *env,
		 json_t *result, grym_error *err)
{
	grym_sources *src = NULL;
	char *operand = NULL;
	uint64_t n = 0;
	req q;
	int rc;

	if ((rc = req_build(cat, params, &q, NULL, 0, err)) != GRYM_OK)
		return rc;
	env->jobs = 1;
	if (is_xform(q.word)) {
		listed l = { json_array(), 0 };
		grym_synth_sink sink = { .ud = &l, .stored = xform_stored };
		if ((rc = sj_open_assets(cat, inputs, &src, &n, err)) != GRYM_OK) {
			json_decref(l.assets);
			req_clear(&q);
			return rc;
		}
		/* one input is one result, named in messages by its id */
		if (n == 1 && (operand = one_input(inputs)) != NULL)
			q.job.operand = operand;
		env->total = n;
		json_object_set_new(result, "selected", json_integer((json_int_t)n));
		rc = l.assets && (n != 1 || operand) ? grym_stage_synth(env, src, &q.job, &sink, err)
						     : nomem(err);
		json_object_set_new(result, "assets", l.assets ? l.assets : json_null());
		json_object_set_new(result, "stored", json_integer((json_int_t)l.stored));
	} else {
		gen_sink s = { .cat = cat, .env = env, .g = q.job.cmd,
			       .dataset = q.word == GRYM_SYNTH_WORD_DATASET,
			       .out = { json_array(), 0 } };
		grym_synth_sink sink = { .ud = &s, .begin = gen_begin, .write = gen_write,
					 .end = gen_end };
		env->total = s.dataset ? (uint64_t)q.c->g.classes * (uint64_t)q.c->g.per_class : 1;
		rc = s.out.assets ? grym_stage_synth(env, NULL, &q.job, &sink, err) : nomem(err);
		gen_drop(&s);   /* nothing left under way, whatever happened */
		json_object_set_new(result, "assets", s.out.assets ? s.out.assets : json_null());
		json_object_set_new(result, "stored", json_integer((json_int_t)s.out.stored));
	}
	grym_sources_free(src);
	free(operand);
	req_clear(&q);
	return rc;
}
