/*
 * grym-synth — test signals, stochastic synthesis and synthetic datasets.
 *
 *   grym-synth [GLOBAL] GENERATOR [OPTIONS] [--then GENERATOR [OPTIONS]]...
 *   grym-synth [GLOBAL] dataset [--classes N] [--per-class M] DIR
 *   grym-synth [GLOBAL] transform TRANSFORMATION [OPTIONS] [FILE|ID|-]
 *
 * Options after a generator set that segment's parameters; output options
 * (--rate, --channels, --seed, -o, -t, --bits, --records, --text, --name)
 * hold for the whole command wherever they stand. All the synthesis is in
 * lib/synth (grym/synth.h); this file splits the command line at its
 * words, parses each part, reads (files, stdin, records, catalog ids),
 * writes (sound files, records, derived assets) and reports.
 */
#include "cli.h"
#include "grym/pathname.h"
#include "grym/sources.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/stream.h"
#include "grym/io.h"
#include "grym/stream.h"
#include "grym/synth.h"
#include "grym/synth_params.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGMENTS 1024
#define BLOCK 4096

/* Every option but --schema is a parameter of the synth stage
 * (lib/stage/synth_params.c): parsed, checked, shown in --help and
 * refused where its word does not take it, from that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct state {
	grym_cli *cli;
	grym_synth_stage_params g;      /* the command's options, wherever they stand */
	grym_synth_stage_params word[MAX_SEGMENTS]; /* each segment's (the
					   transformation's is word[0]) */
	grym_synth_params seg[MAX_SEGMENTS];  /* the segments, as the library takes them */
	const char *source[MAX_SEGMENTS];  /* cloud --source paths */
	grym_audio src[MAX_SEGMENTS];      /* and their decoded samples */
	size_t nseg;
	int then_pending;
	int dataset;
	int xform;              /* 1: transform word seen, 2: its kind too */
	grym_xform_params xp;
	/* made from g once all is parsed */
	int rate_set, channels_set;
	const char *output, *type, *name;
	int bits;
	long rate, channels, classes, per_class;
	unsigned long long seed;
	int records, text, store, verify;
} state;

static int on_option(void *ud, const char *name, const char *arg)
{
	state *st = ud;
	const grym_schema *s = grym_synth_schema();
	const grym_param *o = grym_schema_find(s, name);
	grym_synth_stage_params *to;
	grym_error err = { 0 };
	int applies_to_gen = 0, applies_to_xform = 0;

	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(st->cli, s);
		exit(GRYM_EXIT_OK);
	}
	if (!o)
		return -1;
	if (st->then_pending) {
		grym_msg(st->cli, "--then must be followed by a generator, not --%s", name);
		return -1;
	}
	for (int w = 0; w < GRYM_SYNTH_WORDS; w++) {
		if (!grym_param_applies(s, o, w))
			continue;
		applies_to_gen |= w < GRYM_SYNTH_NKINDS;
		applies_to_xform |= w > GRYM_SYNTH_WORD_DATASET;
	}
	if (grym_synth_param_global(o)) {
		to = &st->g;
	} else if (st->xform) {
		to = &st->word[0];
		if (!applies_to_xform || st->xform < 2) {
			grym_msg(st->cli, "--%s does not apply to transform%s", name,
				 st->xform < 2 ? " (name the transformation first)" : "");
			return -1;
		}
		if (!grym_param_applies(s, o, to->word)) {
			grym_msg(st->cli, "--%s does not apply to transform %s", name,
				 grym_xform_name(to->xf.kind));
			return -1;
		}
	} else {
		if (!applies_to_gen) {
			grym_msg(st->cli, "--%s belongs to transform", name);
			return -1;
		}
		if (st->nseg == 0 || st->dataset) {
			grym_msg(st->cli, "--%s belongs after a generator", name);
			return -1;
		}
		to = &st->word[st->nseg - 1];
		if (!grym_param_applies(s, o, to->word)) {
			grym_msg(st->cli, "--%s does not apply to %s", name,
				 grym_synth_kind_name(to->seg.kind));
			return -1;
		}
		if (!strcmp(name, "then")) {
			st->then_pending = 1;
			return 0;
		}
	}
	if (grym_param_set(o, to, arg, &err) != GRYM_OK) {
		grym_msg(st->cli, "%s", err.msg);
		return -1;
	}
	return 0;
}

/* ---- output ---- */

typedef struct sink {
	grym_output *out;
	grym_encoder *enc;
	grym_stream_writer *w;
} sink;

/* Open the destination for audio of rate/channels: an encoded file or an
 * audio record with meta. */
static int sink_open(state *st, sink *k, const char *path, const char *key, json_t *meta,
		     grym_error *err)
{
	grym_file_type type = GRYM_FILE_WAV;
	grym_sample_format fmt = GRYM_SAMPLE_S16;
	int rc;

	memset(k, 0, sizeof *k);
	if (!st->records) {
		if ((rc = grym_file_type_choose(st->type, path, &type, err)) != GRYM_OK)
			return rc;
		fmt = st->bits == 24 ? GRYM_SAMPLE_S24 : st->bits == 32 ? GRYM_SAMPLE_F32 : GRYM_SAMPLE_S16;
	}
	if (!(k->out = grym_output_open(path, err)))
		return err->code;
	if (st->records) {
		if (!(k->w = grym_stream_writer_new(k->out, st->text ? GRYM_STREAM_TEXT :
						    GRYM_STREAM_BINARY, 0, err)))
			return err->code;
		return grym_stream_begin(k->w, key, meta, GRYM_PAYLOAD_AUDIO,
					 (uint32_t)st->channels, err);
	}
	rc = 0;
	if (!(k->enc = grym_encoder_open(k->out, type, fmt, (int)st->rate, (int)st->channels,
					 0, st->seed, err)))
		rc = err->code;
	return rc;
}

static int sink_write(sink *k, const float *buf, int64_t frames, grym_error *err)
{
	if (k->w)
		return grym_stream_write_rows(k->w, buf, (uint64_t)frames, err);
	return grym_encoder_write(k->enc, buf, frames, err);
}

/* Finish and commit (ok) or throw away (not ok); returns the first error. */
static int sink_close(sink *k, int ok, grym_error *err)
{
	int rc = 0;

	if (k->w) {
		if (ok)
			rc = grym_stream_end(k->w, err);
		grym_stream_writer_free(k->w);
	}
	if (k->enc) {
		int r = grym_encoder_close(k->enc, ok && !rc ? err : NULL);
		if (ok && !rc)
			rc = r;
	}
	if (k->out) {
		if (ok && !rc)
			rc = grym_output_commit(k->out, err);
		else
			grym_output_abort(k->out);
	}
	memset(k, 0, sizeof *k);
	return ok ? rc : -1;
}

static json_t *record_meta(state *st, json_t *recipe, const char *label)
{
	json_t *m = json_object(), *pipe = json_array();

	if (!m || !pipe || !recipe) {
		json_decref(m);
		json_decref(pipe);
		json_decref(recipe);
		return NULL;
	}
	json_object_set_new(m, "rate", json_integer(st->rate));
	json_object_set_new(m, "channels", json_integer(st->channels));
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

/* The catalog, reading objects as --verify asks. */
static grym_catalog *open_catalog(const state *st, const char *dir, grym_error *err)
{
	grym_catalog *cat = grym_catalog_open(dir, err);
	if (cat)
		grym_catalog_set_verify(cat, st->verify);
	return cat;
}

/* Decode --source: the file itself, or when no such file exists and it
 * looks like one, the object of a catalog asset id (read through the
 * store: the decoder opens the reader's file). */
static int decode_source(state *st, const char *src, const grym_decode_opts *dopt,
			 grym_audio *out, grym_error *err)
{
	grym_catalog *cat;
	grym_asset a;
	grym_store_reader *obj = NULL;
	char dir[4096], id[GRYM_ID_LEN + 1], path[64];
	int rc;

	if (access(src, F_OK) == 0 || !grym_id_is_prefix(src))
		return grym_audio_decode_file(src, dopt, out, NULL, err);
	if ((rc = grym_cli_catalog_dir(st->cli, dir, sizeof dir, err)))
		return rc;
	if (!(cat = open_catalog(st, dir, err)))
		return err->code;
	grym_asset_init(&a);
	rc = grym_catalog_resolve(cat, src, id, err);
	if (!rc)
		rc = grym_catalog_get_asset(cat, id, &a, err);
	if (!rc)
		rc = grym_catalog_open_asset_object(cat, &a, &obj, path, sizeof path, err);
	if (!rc)
		rc = grym_audio_decode_file(path, dopt, out, NULL, err);
	grym_store_reader_close(obj);
	grym_asset_clear(&a);
	grym_catalog_close(cat);
	return rc;
}

static int run_sequence(state *st)
{
	grym_error err = { 0 };
	grym_synth_seq *q;
	json_t *meta = NULL;
	float *buf;
	sink k;
	int64_t got;
	const char *dest = st->output ? st->output : "stdout";

	for (size_t i = 0; i < st->nseg; i++) {
		grym_decode_opts dopt = { .rate = (int)st->rate, .channels = 1 };
		st->seg[i].seed = st->seed + i;
		if (!st->source[i])
			continue;
		if (decode_source(st, st->source[i], &dopt, &st->src[i], &err)) {
			grym_report(st->cli, st->source[i], &err);
			return GRYM_EXIT_FAILED;
		}
		st->seg[i].cloud.source = st->src[i].data;
		st->seg[i].cloud.source_frames = st->src[i].frames;
		st->seg[i].cloud.source_rate = st->src[i].rate;
	}
	if (!(q = grym_synth_seq_new(st->seg, st->nseg, (int)st->rate, (int)st->channels, &err))) {
		grym_report(st->cli, NULL, &err);
		return GRYM_EXIT_USAGE;
	}
	if (!(buf = malloc((size_t)BLOCK * (size_t)st->channels * sizeof *buf))) {
		grym_msg(st->cli, "out of memory");
		grym_synth_seq_free(q);
		return GRYM_EXIT_FAILED;
	}
	if (st->records) {
		json_t *recipe = grym_synth_recipe(st->seg, st->nseg, (int)st->rate,
						   (int)st->channels);
		for (size_t i = 0; recipe && i < st->nseg; i++)
			if (st->source[i])
				json_object_set_new(json_array_get(json_object_get(recipe, "segments"), i),
						    "source", json_string(st->source[i]));
		meta = record_meta(st, recipe, NULL);
		if (!meta) {
			grym_msg(st->cli, "out of memory");
			free(buf);
			grym_synth_seq_free(q);
			return GRYM_EXIT_FAILED;
		}
	}
	if (sink_open(st, &k, st->output,
		      st->name ? st->name : grym_synth_kind_name(st->seg[0].kind), meta, &err))
		goto fail;
	while ((got = grym_synth_seq_read(q, buf, BLOCK, &err)) > 0)
		if (sink_write(&k, buf, got, &err))
			goto fail;
	if (got < 0 || sink_close(&k, 1, &err))
		goto fail;
	json_decref(meta);
	free(buf);
	grym_synth_seq_free(q);
	return GRYM_EXIT_OK;
fail:
	sink_close(&k, 0, NULL);
	grym_report(st->cli, dest, &err);
	json_decref(meta);
	free(buf);
	grym_synth_seq_free(q);
	return err.code == GRYM_ERR_INVALID ? GRYM_EXIT_USAGE : GRYM_EXIT_FAILED;
}

static int run_dataset(state *st, const char *dir)
{
	int failed = 0;
	float *frames = NULL;
	char path[4096];
	grym_file_type type = GRYM_FILE_WAV;

	if (!st->records) {
		grym_error e;
		/* the files are named for their type: -t flac writes .flac */
		if (grym_file_type_choose(st->type, NULL, &type, &e) != GRYM_OK)
			grym_usage_error(st->cli, "%s", e.msg);
		if (!dir)
			grym_usage_error(st->cli, "dataset needs a directory (or --records)");
		if (mkdir(dir, 0777) && errno != EEXIST) {
			grym_msg(st->cli, "%s: %s", dir, strerror(errno));
			return GRYM_EXIT_FAILED;
		}
	} else if (dir)
		grym_usage_error(st->cli, "dataset --records writes to stdout or -o, not to '%s'", dir);

	sink rec = { 0 };
	grym_error err = { 0 };
	if (st->records &&
	    (!(rec.out = grym_output_open(st->output, &err)) ||
	     !(rec.w = grym_stream_writer_new(rec.out, st->text ? GRYM_STREAM_TEXT :
					      GRYM_STREAM_BINARY, 0, &err)))) {
		grym_report(st->cli, st->output ? st->output : "stdout", &err);
		sink_close(&rec, 0, NULL);
		return GRYM_EXIT_FAILED;
	}
	for (int c = 0; c < st->classes; c++) {
		const char *cls = grym_synth_dataset_class(c);
		if (!st->records) {
			snprintf(path, sizeof path, "%s/%s", dir, cls);
			if (mkdir(path, 0777) && errno != EEXIST) {
				grym_msg(st->cli, "%s: %s", path, strerror(errno));
				return GRYM_EXIT_FAILED;
			}
		}
		for (int i = 0; i < st->per_class; i++) {
			int64_t n;
			float *mono;
			sink k;
			char key[256];

			grym_error_clear(&err);
			snprintf(key, sizeof key, "%s-%03d", cls, i);
			snprintf(path, sizeof path, "%s/%s/%s.%s", dir ? dir : ".", cls, key,
				 grym_file_type_name(type));
			if (grym_synth_dataset_item(c, i, st->seed, (int)st->rate, &mono, &n, &err)) {
				grym_report(st->cli, path, &err);
				failed = 1;
				continue;
			}
			free(frames);
			frames = malloc((size_t)(n > 0 ? n : 1) * (size_t)st->channels * sizeof *frames);
			if (!frames) {
				free(mono);
				grym_msg(st->cli, "out of memory");
				return GRYM_EXIT_FAILED;
			}
			for (int64_t f = 0; f < n; f++)
				for (int ch = 0; ch < st->channels; ch++)
					frames[f * st->channels + ch] = mono[f];
			free(mono);
			if (st->records) {
				json_t *recipe = json_object(), *meta;
				json_object_set_new(recipe, "stage", json_string("synth"));
				json_object_set_new(recipe, "generator", json_string("dataset"));
				json_object_set_new(recipe, "class", json_string(cls));
				json_object_set_new(recipe, "index", json_integer(i));
				json_object_set_new(recipe, "seed", json_integer((json_int_t)st->seed));
				json_object_set_new(recipe, "rate", json_integer(st->rate));
				meta = record_meta(st, recipe, cls);
				if (!meta || grym_stream_begin(rec.w, key, meta, GRYM_PAYLOAD_AUDIO,
							       (uint32_t)st->channels, &err) ||
				    grym_stream_write_rows(rec.w, frames, (uint64_t)n, &err) ||
				    grym_stream_end(rec.w, &err)) {
					json_decref(meta);
					grym_report(st->cli, key, &err);
					sink_close(&rec, 0, NULL);
					free(frames);
					return GRYM_EXIT_FAILED;
				}
				json_decref(meta);
				continue;
			}
			if (sink_open(st, &k, path, key, NULL, &err) ||
			    sink_write(&k, frames, n, &err) || sink_close(&k, 1, &err)) {
				sink_close(&k, 0, NULL);
				grym_report(st->cli, path, &err);
				failed = 1;
			}
		}
	}
	free(frames);
	if (st->records) {
		grym_stream_writer_free(rec.w);
		if (grym_output_commit(rec.out, &err)) {
			grym_report(st->cli, st->output ? st->output : "stdout", &err);
			return GRYM_EXIT_FAILED;
		}
	}
	return failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}

/* Index of the next word (an operand, or "--") at or after i: tokens that
 * are options, and the arguments of options that take one, are skipped. */
static int next_word(const grym_option *opts, int argc, char **argv, int i)
{
	for (; i < argc; i++) {
		const char *t = argv[i];
		if (strcmp(t, "--") == 0 || t[0] != '-' || t[1] == '\0')
			return i;
		if (t[1] == '-') {
			const char *eq = strchr(t + 2, '=');
			size_t len = eq ? (size_t)(eq - t - 2) : strlen(t + 2);
			const grym_option *o = NULL;
			for (const grym_option *j = opts; j->name; j++)
				if (strlen(j->name) == len && !strncmp(j->name, t + 2, len))
					o = j;
			if (!eq && ((o && o->arg) || (len == 7 && !strncmp(t + 2, "catalog", 7))))
				i++;
			continue;
		}
		for (const char *c = t + 1; *c; c++) {
			const grym_option *o = NULL;
			for (const grym_option *j = opts; j->name; j++)
				if (j->short_name == *c)
					o = j;
			if (o && o->arg) {
				if (!c[1])
					i++;
				break;
			}
		}
	}
	return argc;
}

/* The recipe of a transformation (source: the input path, or NULL). */
static json_t *xform_recipe(const grym_xform_params *x, const char *source)
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

/* Metadata of a transformed record: the input's, with the new shape and
 * the transformation appended to "pipeline". Takes a reference to recipe. */
static json_t *out_meta(const json_t *in, json_t *recipe, int rate, int channels,
			int64_t frames)
{
	json_t *m = in ? json_deep_copy(in) : json_object(), *pipe;

	if (!m) {
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

/* transform over many inputs (grym/sources.h): audio records are
 * transformed in place; references (catalog ids, as grym-ingest writes
 * them) are looked up in the catalog; audio files (a directory, a list)
 * are decoded. Writes audio records (a file's key is its path), or with
 * --store references to the derived assets. An input that fails is
 * reported and skipped. it: the first item, already taken. */
static int transform_stream(state *st, grym_sources *src, grym_source *it)
{
	grym_error err = { 0 };
	grym_output *out = NULL;
	grym_stream_writer *w = NULL;
	grym_catalog *cat = NULL;
	int failed = 0, fatal = 0;
	const char *dest = st->output ? st->output : "stdout";

	if (!(out = grym_output_open(st->output, &err)) ||
	    !(w = grym_stream_writer_new(out, st->text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY, 0,
					 &err))) {
		grym_report(st->cli, dest, &err);
		if (out)
			grym_output_abort(out);
		return GRYM_EXIT_FAILED;
	}
	st->xp.seed = st->seed;
	for (int first = 1;; first = 0) {
		grym_record rec = { 0 };
		grym_audio a = { 0 };
		const float *x;
		int64_t frames, ny = 0;
		int channels, rate, rc;
		float *y = NULL;
		char parent[GRYM_ID_LEN + 1] = "", what[300];
		json_t *recipe = NULL, *meta = NULL, *fmeta = NULL;
		char *fkey = NULL;

		if (!first && (rc = grym_sources_next(src, &it, &err)) != GRYM_OK) {
			if (rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED) {
				grym_report(st->cli, NULL, &err);
				failed = 1;
			}
			break;
		}
		if (!it)
			break;          /* a stream of no records */
		if (it->record) {
			/* the file, not only an asset id (grym_cli_item_name) */
			char *nm = it->head.key ? grym_cli_item_name(it->head.key, it->head.meta) : NULL;
			snprintf(what, sizeof what, "record %llu (%.200s)",
				 (unsigned long long)it->record, nm ? nm : it->name);
			free(nm);
		} else {
			snprintf(what, sizeof what, "%.290s", it->name);
		}
		rec.head = it->head;    /* borrowed: the item owns it */
		if (it->kind == GRYM_SOURCE_ERROR) {
			err = it->err;
			goto bad;
		}
		if (it->kind == GRYM_SOURCE_FILE || it->kind == GRYM_SOURCE_AUDIO_IN) {
			/* an audio file met in a directory or a list: its record is
			 * keyed by its path (made a valid key), "path" exact */
			char path[4096];
			int is_tmp = 0;
			grym_decode_opts dopt = { 0 };
			rc = it->kind == GRYM_SOURCE_FILE
				? (snprintf(path, sizeof path, "%s", it->path), GRYM_OK)
				: grym_source_audio_path(it, NULL, path, sizeof path, &is_tmp, &err);
			if (rc == GRYM_OK)
				rc = grym_audio_decode_file(path, &dopt, &a, NULL, &err);
			if (is_tmp)
				grym_tmp_release(path);
			if (rc)
				goto bad;
			fkey = grym_text_field(it->name, strlen(it->name));
			fmeta = it->head.meta ? json_incref(it->head.meta) : json_object();
			if (!fkey || !fmeta || (!json_object_get(fmeta, "path") && it->path &&
						grym_json_set_path(fmeta, "path", it->path, &err))) {
				grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
				goto bad;
			}
			rec.head.key = fkey;
			rec.head.meta = fmeta;
			x = a.data;
			frames = a.frames;
			channels = a.channels;
			rate = a.rate;
		} else if (rec.head.kind == GRYM_PAYLOAD_AUDIO) {
			if (grym_stream_read_payload(it->reader, &rec, 0, &err) != GRYM_OK)
				goto bad;
			json_t *jr = json_object_get(rec.head.meta, "rate");
			x = rec.data;
			frames = (int64_t)rec.rows;
			channels = (int)rec.head.cols;
			rate = json_is_integer(jr) ? (int)json_integer_value(jr) : 0;
			if (rate <= 0) {
				grym_error_set(&err, GRYM_ERR_FORMAT, "audio record without a \"rate\"");
				goto bad;
			}
			json_t *ja = json_object_get(rec.head.meta, "asset");
			if (json_is_string(ja) && grym_id_is_full(json_string_value(ja)))
				snprintf(parent, sizeof parent, "%s", json_string_value(ja));
		} else if (rec.head.kind == GRYM_PAYLOAD_REF) {
			json_t *ja = json_object_get(rec.head.meta, "asset");
			const char *id = json_is_string(ja) ? json_string_value(ja) : rec.head.key;
			grym_decode_opts dopt = { 0 };
			grym_asset pa;
			grym_store_reader *obj = NULL;
			char objpath[64];
			if (!cat) {
				char dir[4096];
				if (grym_cli_catalog_dir(st->cli, dir, sizeof dir, &err) ||
				    !(cat = open_catalog(st, dir, &err))) {
					grym_report(st->cli, NULL, &err);
					free(rec.data);
					fatal = 1;
					break;
				}
			}
			grym_asset_init(&pa);
			if (grym_catalog_resolve(cat, id, parent, &err) ||
			    grym_catalog_get_asset(cat, parent, &pa, &err) ||
			    grym_catalog_open_asset_object(cat, &pa, &obj, objpath, sizeof objpath,
							   &err) ||
			    grym_audio_decode_file(objpath, &dopt, &a, NULL, &err)) {
				grym_store_reader_close(obj);
				grym_asset_clear(&pa);
				goto bad;
			}
			grym_store_reader_close(obj);
			grym_asset_clear(&pa);
			x = a.data;
			frames = a.frames;
			channels = a.channels;
			rate = a.rate;
		} else if (it->kind == GRYM_SOURCE_RECORD) {
			grym_error_set(&err, GRYM_ERR_FORMAT, "a %s record is not audio",
				       grym_payload_kind_name(rec.head.kind));
			goto bad;
		} else {
			grym_error_set(&err, GRYM_ERR_FORMAT, "not an input of transform");
			goto bad;
		}
		if (st->store && !parent[0]) {
			grym_error_set(&err, GRYM_ERR_INVALID, "--store needs records of catalog assets");
			goto bad;
		}
		if (grym_transform(&st->xp, x, frames, channels, rate, &y, &ny, &err))
			goto bad;
		if (!(recipe = xform_recipe(&st->xp, NULL))) {
			grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
			goto bad;
		}
		if (st->store) {
			char id[GRYM_ID_LEN + 1];
			json_object_set_new(recipe, "format", json_string("wav"));
			json_object_set_new(recipe, "bits", json_string("32f"));
			if (grym_synth_put_derived(cat, parent, recipe, y, ny, channels, rate, id, &err))
				goto bad;
			json_object_set_new(recipe, "parent", json_string(parent));
			if (!(meta = out_meta(rec.head.meta, json_incref(recipe), rate, channels, ny))) {
				grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
				goto bad;
			}
			json_object_set_new(meta, "asset", json_string(id));
			json_object_set_new(meta, "parent", json_string(parent));
			json_object_set_new(meta, "format", json_string("wav"));
			json_object_set_new(meta, "codec", json_string("pcm_f32le"));
			if (grym_stream_write_ref(w, id, meta, &err)) {
				fatal = 1;
				goto bad;
			}
		} else {
			if (parent[0])
				json_object_set_new(recipe, "parent", json_string(parent));
			if (!(meta = out_meta(rec.head.meta, json_incref(recipe), rate, channels, ny))) {
				grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
				goto bad;
			}
			if (grym_stream_begin(w, rec.head.key, meta, GRYM_PAYLOAD_AUDIO,
					      (uint32_t)channels, &err) ||
			    grym_stream_write_rows(w, y, (uint64_t)ny, &err) ||
			    grym_stream_end(w, &err)) {
				fatal = 1;
				goto bad;
			}
		}
		goto next;
bad:
		grym_report(st->cli, fatal ? dest : what, &err);
		failed = 1;
next:
		json_decref(recipe);
		json_decref(meta);
		json_decref(fmeta);
		free(fkey);
		free(y);
		grym_audio_clear(&a);
		free(rec.data);         /* the head is the item's */
		if (fatal)
			break;
	}
	grym_stream_writer_free(w);
	grym_catalog_close(cat);
	if (fatal) {
		grym_output_abort(out);
		return GRYM_EXIT_FAILED;
	}
	if (grym_output_commit(out, &err)) {
		grym_report(st->cli, dest, &err);
		return GRYM_EXIT_FAILED;
	}
	return failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}

static int run_transform(state *st, const char *in)
{
	grym_catalog *cat = NULL;
	char parent[GRYM_ID_LEN + 1] = "", objpath[64], dpath[4096] = "";
	grym_store_reader *obj = NULL;  /* the id's object, decoded by objpath */
	int dtmp = 0;
	grym_error err = { 0 };
	grym_decode_opts dopt = { 0 };
	grym_audio a = { 0 };
	float *y = NULL;
	int64_t ny = 0;
	json_t *meta = NULL;
	sink k;
	int rc = GRYM_EXIT_FAILED;
	const char *dest = st->output ? st->output : "stdout";

	if (!in)
		in = "-";   /* a filter: standard input by default */
	if (st->channels_set && st->channels != 1)
		grym_usage_error(st->cli, "transform keeps the input's channels (or --channels 1 mixes to mono)");
	dopt.rate = st->rate_set ? (int)st->rate : 0;
	dopt.channels = st->channels_set ? 1 : 0;
	/* the input, told by the common input layer (grym/sources.h): one
	 * audio file or stdin, one catalog id, or many (records, ids, a
	 * directory, a list) */
	grym_sources_opts so = { 0 };
	grym_source *it = NULL;
	so.flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_ID_OPERANDS;
	so.null_sep = st->cli->null_sep;
	so.cancel = &grym_cli_cancel;
	grym_sources *src = grym_sources_new(&so, &err);
	if (!src || grym_sources_add(src, in, &err) < 0 ||
	    ((rc = grym_sources_next(src, &it, &err)) < 0 && rc != GRYM_ERR_EOF)) {
		grym_report(st->cli, in, &err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	if (rc == GRYM_ERR_EOF)
		it = NULL;      /* a stream of no records */
	if (it && !it->nested && it->kind == GRYM_SOURCE_ERROR) {
		grym_report(st->cli, it->name, &it->err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	if (it && !it->nested && it->kind == GRYM_SOURCE_REF) {
		/* a catalog id: decode its object */
		char dir[4096];
		grym_asset pa;
		grym_asset_init(&pa);
		if (grym_cli_catalog_dir(st->cli, dir, sizeof dir, &err) ||
		    !(cat = open_catalog(st, dir, &err)) ||
		    grym_catalog_resolve(cat, it->head.key, parent, &err) ||
		    grym_catalog_get_asset(cat, parent, &pa, &err) ||
		    grym_catalog_open_asset_object(cat, &pa, &obj, objpath, sizeof objpath, &err)) {
			grym_asset_clear(&pa);
			grym_report(st->cli, in, &err);
			grym_catalog_close(cat);
			grym_sources_free(src);
			return GRYM_EXIT_FAILED;
		}
		grym_asset_clear(&pa);
		if (st->store && (st->records || st->output))
			grym_usage_error(st->cli, "--store of one id prints the new id; "
					 "it takes no -o or --records");
	} else if (it && !it->nested &&
		   (it->kind == GRYM_SOURCE_FILE || it->kind == GRYM_SOURCE_AUDIO_IN)) {
		/* one audio input: audio out */
		if (st->store)
			grym_usage_error(st->cli, "--store needs catalog ids (an id, or "
					 "records of ids), not audio");
		if (it->kind == GRYM_SOURCE_FILE) {
			snprintf(dpath, sizeof dpath, "%s", it->path);
		} else if (grym_source_audio_path(it, NULL, dpath, sizeof dpath, &dtmp, &err)) {
			grym_report(st->cli, it->name, &err);
			grym_sources_free(src);
			return GRYM_EXIT_FAILED;
		}
	} else {
		rc = transform_stream(st, src, it);
		grym_sources_free(src);
		return rc;
	}
	grym_sources_free(src);
	rc = grym_audio_decode_file(parent[0] ? objpath : dpath, &dopt, &a,
				    NULL, &err);
	grym_store_reader_close(obj);
	if (dtmp)
		grym_tmp_release(dpath);
	if (rc) {
		grym_report(st->cli, in, &err);
		grym_catalog_close(cat);
		return GRYM_EXIT_FAILED;
	}
	rc = GRYM_EXIT_FAILED;
	st->xp.seed = st->seed;
	if (grym_transform(&st->xp, a.data, a.frames, a.channels, a.rate, &y, &ny, &err)) {
		grym_report(st->cli, in, &err);
		grym_audio_clear(&a);
		grym_catalog_close(cat);
		return err.code == GRYM_ERR_INVALID ? GRYM_EXIT_USAGE : GRYM_EXIT_FAILED;
	}
	st->rate = a.rate;
	st->channels = a.channels;
	if (st->store) {
		char id[GRYM_ID_LEN + 1];
		json_t *r = xform_recipe(&st->xp, NULL);
		if (!r) {
			grym_msg(st->cli, "out of memory");
			goto done;
		}
		json_object_set_new(r, "format", json_string("wav"));
		json_object_set_new(r, "bits", json_string("32f"));
		if (grym_synth_put_derived(cat, parent, r, y, ny, a.channels, a.rate, id, &err)) {
			json_decref(r);
			grym_report(st->cli, in, &err);
			goto done;
		}
		json_decref(r);
		printf("%s\n", id);
		if (fflush(stdout) || ferror(stdout)) {
			grym_msg(st->cli, "stdout: write error");
			goto done;
		}
		rc = GRYM_EXIT_OK;
		goto done;
	}
	if (st->records) {
		json_t *r = xform_recipe(&st->xp, parent[0] ? NULL : in);
		if (r && parent[0])
			json_object_set_new(r, "parent", json_string(parent));
		if (!r || !(meta = record_meta(st, r, NULL))) {
			grym_msg(st->cli, "out of memory");
			goto done;
		}
		if (parent[0])
			json_object_set_new(meta, "asset", json_string(parent));
	}
	if (sink_open(st, &k, st->output, st->name ? st->name : grym_xform_name(st->xp.kind),
		      meta, &err) || sink_write(&k, y, ny, &err) || sink_close(&k, 1, &err)) {
		sink_close(&k, 0, NULL);
		grym_report(st->cli, dest, &err);
		goto done;
	}
	rc = GRYM_EXIT_OK;
done:
	json_decref(meta);
	free(y);
	grym_audio_clear(&a);
	grym_catalog_close(cat);
	return rc;
}

int main(int argc, char **argv)
{
	static state st;
	static grym_cli cli;    /* its option table stays reachable until the exit */
	grym_error e0 = { 0 };
	int k;
	const char *dir = NULL;
	const grym_schema *sch = grym_synth_schema();
	const grym_option *opts = grym_cli_schema_options(sch, own_options);

	if (!opts || grym_synth_stage_defaults(&st.g, GRYM_SYNTH_SINE, &e0) != GRYM_OK) {
		fprintf(stderr, "grym-synth: %s\n", e0.msg[0] ? e0.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&cli, "grym-synth",
		      "[OPTION]... GENERATOR [OPTION]... [--then GENERATOR [OPTION]...]...\n"
		      "   or: grym-synth [OPTION]... dataset [--classes N] [--per-class M] DIR\n"
		      "   or: grym-synth [OPTION]... transform TRANSFORMATION [OPTION]... FILE",
		      "make test signals, stochastic sounds (GENDYN, sieves, clouds) and "
		      "synthetic datasets; GENERATOR is sine, square, saw, chirp, noise, "
		      "impulse, silence, gendyn or cloud", opts);
	st.cli = &cli;

	/* The words (generators, dataset, transform and its operands) split
	 * the command line into segments; each segment's options are parsed
	 * on their own, so option order across words cannot be permuted. */
	k = next_word(opts, argc, argv, 1);
	grym_cli_parse(&cli, k, argv, on_option, &st);
	if (k >= argc)
		grym_usage_error(&cli, "no generator given");
	while (k < argc) {
		const char *gen;
		grym_synth_kind kind;
		grym_error err = { 0 };
		int e;

		if (strcmp(argv[k], "--") == 0 && ++k >= argc)
			break;
		gen = argv[k];
		if (k > 0 && strcmp(argv[k - 1], "--") == 0 && (st.dataset || st.xform == 2)) {
			/* after "--": a literal operand */
			if (dir)
				grym_usage_error(&cli, "one operand only, not '%s'", gen);
			dir = gen;
		} else if (strcmp(gen, "dataset") == 0 && st.nseg == 0 && !st.dataset && !st.xform) {
			st.dataset = 1;
			st.g.word = GRYM_SYNTH_WORD_DATASET;
		} else if (strcmp(gen, "transform") == 0 && st.nseg == 0 && !st.dataset && !st.xform) {
			st.xform = 1;
		} else if (st.xform == 1) {
			grym_xform_kind xk;
			if (grym_xform_parse(gen, &xk, &err) ||
			    grym_synth_stage_defaults(&st.word[0], GRYM_SYNTH_WORD_XFORM(xk), &err))
				grym_usage_error(&cli, "%s", err.msg);
			st.g.word = st.word[0].word;
			st.xform = 2;
		} else if (st.dataset || st.xform) {
			if (dir)
				grym_usage_error(&cli, "%s takes one %s, not '%s'",
						 st.dataset ? "dataset" : "transform",
						 st.dataset ? "directory" : "input", gen);
			dir = gen;
		} else {
			if (st.nseg > 0 && !st.then_pending)
				grym_usage_error(&cli, "unexpected argument '%s' (use --then between segments)",
						 gen);
			if (grym_synth_kind_parse(gen, &kind, &err))
				grym_usage_error(&cli, "%s", err.msg);
			if (st.nseg == MAX_SEGMENTS)
				grym_usage_error(&cli, "more than %d segments", MAX_SEGMENTS);
			if (grym_synth_stage_defaults(&st.word[st.nseg++], (int)kind, &err))
				grym_usage_error(&cli, "%s", err.msg);
			if (st.nseg == 1)
				st.g.word = (int)kind;
		}
		st.then_pending = 0;
		/* the options after this word, up to the next word */
		e = next_word(opts, argc, argv, k + 1);
		grym_cli_parse(&cli, e - k, argv + k, on_option, &st);
		k = e;
	}
	if (st.then_pending)
		grym_usage_error(&cli, "--then needs a generator after it");
	if (st.g.store && st.xform != 2)
		grym_usage_error(&cli, "--store goes with transform");
	if (st.g.bits != 16 && st.g.bits != 24 && st.g.bits != 32)
		grym_usage_error(&cli, "--bits %d: use 16, 24 or 32f", st.g.bits);
	/* the command's options, and each word's as the library takes them */
	st.rate_set = st.g.rate != 0;
	st.channels_set = st.g.channels != 0;
	st.rate = st.g.rate ? st.g.rate : 48000;
	st.channels = st.g.channels ? st.g.channels : 1;
	st.seed = st.g.seed;
	st.bits = st.g.bits;
	st.type = st.g.type >= 0 ? grym_file_type_name((grym_file_type)st.g.type) : NULL;
	st.output = st.g.output;
	st.name = st.g.name;
	st.records = st.g.records || st.g.text;
	st.text = st.g.text;
	st.store = st.g.store;
	st.verify = st.g.verify;
	st.classes = st.g.classes;
	st.per_class = st.g.per_class;
	for (size_t i = 0; i < st.nseg; i++) {
		grym_synth_stage_segment(&st.word[i], &st.seg[i]);
		st.source[i] = st.word[i].source;
	}
	if (st.xform == 2)
		grym_synth_stage_xform(&st.word[0], &st.xp);
	if (st.dataset)
		return run_dataset(&st, dir);
	if (st.xform == 1)
		grym_usage_error(&cli, "transform needs one of reverse, stretch, pitch, randphase, "
				 "smear, freeze");
	if (st.xform)
		return run_transform(&st, dir);
	k = run_sequence(&st);
	for (size_t i = 0; i < st.nseg; i++)
		grym_audio_clear(&st.src[i]);
	return k;
}
