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

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGMENTS 1024
#define BLOCK 4096

/* Which generators an option applies to (bit per grym_synth_kind). */
#define K(x) (1u << GRYM_SYNTH_##x)
#define K_WAVE (K(SINE) | K(SQUARE) | K(SAW) | K(CHIRP) | K(IMPULSE))
#define K_ALL ((1u << GRYM_SYNTH_NKINDS) - 1)
#define K_GLOBAL 0u
#define K_XFORM (1u << GRYM_SYNTH_NKINDS)   /* transform mode */

typedef struct synth_opt {
	const char *name;
	int short_name;
	const char *arg;
	unsigned kinds;         /* K_GLOBAL: a command-wide option */
	const char *help;
} synth_opt;

static const synth_opt synth_opts[] = {
	{ "output", 'o', "FILE", K_GLOBAL, "write to FILE (atomically) instead of stdout" },
	{ "type", 't', "TYPE", K_GLOBAL, "file type wav, flac, ogg, mp3, opus or m4a (default: from -o, else wav)" },
	{ "bits", 0, "B", K_GLOBAL, "sample format 16, 24 or 32f" },
	{ "rate", 'r', "HZ", K_GLOBAL, "sample rate" },
	{ "channels", 'c', "N", K_GLOBAL, "channels, each carrying the same signal" },
	{ "seed", 0, "N", K_GLOBAL, "random seed; segment i (from 0) uses N+i" },
	{ "records", 0, NULL, K_GLOBAL, "write a grym audio record instead of a sound file" },
	{ "text", 0, NULL, K_GLOBAL, "write records in the text form (implies --records)" },
	{ "name", 0, "KEY", K_GLOBAL, "record key (default: the first generator's name)" },
	{ "store", 0, NULL, K_GLOBAL, "transform of a catalog id: store the result as a derived asset" },
	{ "verify", 0, NULL, K_GLOBAL, "catalog ids: hash each asset's object in full before use (else only its size is checked)" },
	{ "classes", 0, "N", K_GLOBAL, "dataset: number of classes (1..10)" },
	{ "per-class", 0, "M", K_GLOBAL, "dataset: items per class" },
	{ "then", 0, NULL, K_ALL, "end this segment; the next generator follows" },
	{ "duration", 'd', "S", K_ALL | K_XFORM, "segment length in seconds (freeze: output length)" },
	{ "level", 'l', "DBFS", K_ALL & ~K(SILENCE), "peak level in dBFS" },
	{ "freq", 'f', "HZ", K_WAVE | K(CLOUD), "frequency (chirp: start; impulse: rate, 0 one; cloud: lowest)" },
	{ "to", 0, "HZ", K(CHIRP) | K(CLOUD), "chirp: end frequency; cloud: highest pitch" },
	{ "sweep", 0, "LAW", K(CHIRP), "chirp law: linear or log" },
	{ "phase", 'p', "DEG", K_WAVE, "start phase in degrees" },
	{ "color", 0, "C", K(NOISE), "noise color: white, pink or brown" },
	{ "sieve", 0, "EXPR", K(IMPULSE) | K(CLOUD), "impulse: rhythm sieve; cloud: pitch sieve in semitones" },
	{ "grid", 0, "S", K(IMPULSE) | K(CLOUD), "seconds per unit of a rhythm sieve" },
	{ "points", 0, "N", K(GENDYN), "gendyn: breakpoints per period" },
	{ "adist", 0, "D", K(GENDYN), "gendyn: amplitude walk distribution" },
	{ "ddist", 0, "D", K(GENDYN), "gendyn: duration walk distribution" },
	{ "apar", 0, "A", K(GENDYN), "gendyn: parameter a of the amplitude distribution" },
	{ "dpar", 0, "A", K(GENDYN), "gendyn: parameter a of the duration distribution" },
	{ "amp-barrier", 0, "B", K(GENDYN), "gendyn: amplitude mirrors at +-B (0..1]" },
	{ "amp-step", 0, "S", K(GENDYN), "gendyn: amplitude step mirrors at +-S" },
	{ "freq-min", 0, "HZ", K(GENDYN), "gendyn: lowest period frequency" },
	{ "freq-max", 0, "HZ", K(GENDYN), "gendyn: highest period frequency" },
	{ "dur-step", 0, "F", K(GENDYN), "gendyn: duration step mirrors, fraction of the range" },
	{ "density", 0, "G", K(CLOUD), "cloud: grains per second (Poisson)" },
	{ "grain-min", 0, "S", K(CLOUD), "cloud: shortest grain in seconds" },
	{ "grain-max", 0, "S", K(CLOUD), "cloud: longest grain in seconds" },
	{ "amp-range", 0, "DB", K(CLOUD), "cloud: grain amplitudes uniform in [-DB, 0] dB" },
	{ "onset-sieve", 0, "EXPR", K(CLOUD), "cloud: onsets at grid*k for k in the sieve" },
	{ "source", 0, "FILE", K(CLOUD), "cloud: grains cut from this audio file or catalog id (mixed to mono)" },
	{ "factor", 0, "F", K_XFORM, "stretch: output length / input length" },
	{ "semitones", 0, "ST", K_XFORM, "pitch: shift in semitones" },
	{ "amount", 0, "A", K_XFORM, "randphase: 0..1 of a full turn; smear: radius in bins" },
	{ "at", 0, "S", K_XFORM, "freeze: time of the frame to hold, seconds" },
	{ "n-fft", 0, "N", K_XFORM, "transform: STFT size" },
	{ "hop", 0, "N", K_XFORM, "transform: STFT hop" },
	{ 0 }
};
#define NOPTS (sizeof synth_opts / sizeof synth_opts[0] - 1)

typedef struct state {
	grym_cli *cli;
	grym_synth_params seg[MAX_SEGMENTS];
	const char *source[MAX_SEGMENTS];  /* cloud --source paths */
	grym_audio src[MAX_SEGMENTS];      /* and their decoded samples */
	size_t nseg;
	int then_pending;
	int dataset;
	int xform;              /* 1: transform word seen, 2: its kind too */
	grym_xform_params xp;
	int rate_set, channels_set;
	const char *output, *type, *bits, *name;
	long rate, channels, classes, per_class;
	unsigned long long seed;
	int records, text, store;
	int verify;             /* --verify: catalog handles hash objects */
} state;

static const synth_opt *find_opt(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(synth_opts[i].name, name) == 0)
			return &synth_opts[i];
	return NULL;
}

static int num(state *st, const char *name, const char *arg, double lo, double hi, double *out)
{
	return grym_parse_double(st->cli, name, arg, lo, hi, out);
}

static int parse_enum(state *st, const char *name, int rc, const grym_error *err)
{
	if (rc)
		grym_msg(st->cli, "--%s: %s", name, err->msg);
	return rc ? -1 : 0;
}

static int on_option(void *ud, const char *name, const char *arg)
{
	state *st = ud;
	const synth_opt *o = find_opt(name);
	grym_synth_params *p;
	grym_error err = { 0 };
	double v;
	long l;

	if (!o)
		return -1;
	if (st->then_pending) {
		grym_msg(st->cli, "--then must be followed by a generator, not --%s", name);
		return -1;
	}
	if (o->kinds == K_GLOBAL) {
		if (!strcmp(name, "output")) st->output = arg;
		else if (!strcmp(name, "type")) st->type = arg;
		else if (!strcmp(name, "bits")) st->bits = arg;
		else if (!strcmp(name, "name")) st->name = arg;
		else if (!strcmp(name, "records")) st->records = 1;
		else if (!strcmp(name, "text")) st->text = st->records = 1;
		else if (!strcmp(name, "store")) st->store = 1;
		else if (!strcmp(name, "verify")) st->verify = 1;
		else if (!strcmp(name, "rate")) {
			st->rate_set = 1;
			return grym_parse_int(st->cli, name, arg, 1, 768000, &st->rate);
		} else if (!strcmp(name, "channels")) {
			st->channels_set = 1;
			return grym_parse_int(st->cli, name, arg, 1, 64, &st->channels);
		}
		else if (!strcmp(name, "classes"))
			return grym_parse_int(st->cli, name, arg, 1, GRYM_SYNTH_DATASET_MAX_CLASSES,
					      &st->classes);
		else if (!strcmp(name, "per-class"))
			return grym_parse_int(st->cli, name, arg, 1, 100000, &st->per_class);
		else if (!strcmp(name, "seed")) {
			char *end;
			errno = 0;
			st->seed = strtoull(arg, &end, 10);
			if (errno || end == arg || *end || arg[0] == '-') {
				grym_msg(st->cli, "--seed: '%s' is not a non-negative integer", arg);
				return -1;
			}
		}
		return 0;
	}
	if (st->xform) {
		grym_xform_params *x = &st->xp;
		if (!(o->kinds & K_XFORM) || st->xform < 2) {
			grym_msg(st->cli, "--%s does not apply to transform%s", name,
				 st->xform < 2 ? " (name the transformation first)" : "");
			return -1;
		}
		{
			/* which transformation each option belongs to */
			static const struct { const char *opt; unsigned kinds; } own[] = {
				{ "duration", 1u << GRYM_XFORM_FREEZE },
				{ "at", 1u << GRYM_XFORM_FREEZE },
				{ "factor", 1u << GRYM_XFORM_STRETCH },
				{ "semitones", 1u << GRYM_XFORM_PITCH },
				{ "amount", (1u << GRYM_XFORM_RANDPHASE) | (1u << GRYM_XFORM_SMEAR) },
				{ "n-fft", ~(1u << GRYM_XFORM_REVERSE) },
				{ "hop", ~(1u << GRYM_XFORM_REVERSE) },
			};
			for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
				if (!strcmp(own[i].opt, name) && !(own[i].kinds & (1u << x->kind))) {
					grym_msg(st->cli, "--%s does not apply to transform %s", name,
						 grym_xform_name(x->kind));
					return -1;
				}
		}
		if (!strcmp(name, "duration")) return num(st, name, arg, 0, 1e6, &x->length);
		if (!strcmp(name, "factor")) return num(st, name, arg, 0.05, 20, &x->factor);
		if (!strcmp(name, "semitones")) return num(st, name, arg, -48, 48, &x->semitones);
		if (!strcmp(name, "at")) return num(st, name, arg, 0, 1e7, &x->at);
		if (!strcmp(name, "amount")) {
			return num(st, name, arg, 0, 16384, &x->amount);
		}
		if (!strcmp(name, "n-fft") || !strcmp(name, "hop")) {
			if (grym_parse_int(st->cli, name, arg, 1, 65536, &l))
				return -1;
			*(name[0] == 'n' ? &x->n_fft : &x->hop) = (int)l;
			return 0;
		}
		return -1;
	}
	if (!(o->kinds & K_ALL)) {
		grym_msg(st->cli, "--%s belongs to transform", name);
		return -1;
	}
	if (st->nseg == 0 || st->dataset) {
		grym_msg(st->cli, "--%s belongs after a generator", name);
		return -1;
	}
	p = &st->seg[st->nseg - 1];
	if (!(o->kinds & (1u << p->kind))) {
		grym_msg(st->cli, "--%s does not apply to %s", name, grym_synth_kind_name(p->kind));
		return -1;
	}
	if (!strcmp(name, "then")) {
		st->then_pending = 1;
		return 0;
	}
	if (!strcmp(name, "duration")) return num(st, name, arg, 0, 1e7, &p->duration);
	if (!strcmp(name, "level")) return num(st, name, arg, -200, 0, &p->level);
	if (!strcmp(name, "freq")) {
		if (num(st, name, arg, 0, 1e7, &v))
			return -1;
		p->freq = v;
		return 0;
	}
	if (!strcmp(name, "to")) return num(st, name, arg, 0, 1e7, &p->to);
	if (!strcmp(name, "phase")) return num(st, name, arg, -1e9, 1e9, &p->phase);
	if (!strcmp(name, "sweep"))
		return parse_enum(st, name, grym_sweep_parse(arg, &p->sweep, &err), &err);
	if (!strcmp(name, "color"))
		return parse_enum(st, name, grym_noise_color_parse(arg, &p->color, &err), &err);
	if (!strcmp(name, "sieve")) {
		grym_sieve *s = grym_sieve_parse(arg, &err);
		if (!s)
			return parse_enum(st, name, err.code, &err);
		grym_sieve_free(s);
		if (p->kind == GRYM_SYNTH_CLOUD)
			p->cloud.sieve = arg;
		else
			p->sieve = arg;
		return 0;
	}
	if (!strcmp(name, "onset-sieve")) {
		grym_sieve *s = grym_sieve_parse(arg, &err);
		if (!s)
			return parse_enum(st, name, err.code, &err);
		grym_sieve_free(s);
		p->cloud.onset_sieve = arg;
		return 0;
	}
	if (!strcmp(name, "grid")) {
		if (num(st, name, arg, 1e-6, 1e6, &v))
			return -1;
		p->grid = p->cloud.grid = v;
		return 0;
	}
	if (!strcmp(name, "points")) {
		if (grym_parse_int(st->cli, name, arg, 2, 4096, &l))
			return -1;
		p->gendyn.points = (int)l;
		return 0;
	}
	if (!strcmp(name, "adist"))
		return parse_enum(st, name, grym_dist_parse(arg, &p->gendyn.adist, &err), &err);
	if (!strcmp(name, "ddist"))
		return parse_enum(st, name, grym_dist_parse(arg, &p->gendyn.ddist, &err), &err);
	if (!strcmp(name, "apar")) return num(st, name, arg, 1e-9, 1e6, &p->gendyn.apar);
	if (!strcmp(name, "dpar")) return num(st, name, arg, 1e-9, 1e6, &p->gendyn.dpar);
	if (!strcmp(name, "amp-barrier")) return num(st, name, arg, 1e-9, 1, &p->gendyn.amp_barrier);
	if (!strcmp(name, "amp-step")) return num(st, name, arg, 1e-9, 2, &p->gendyn.amp_step);
	if (!strcmp(name, "freq-min")) return num(st, name, arg, 1e-3, 1e6, &p->gendyn.freq_min);
	if (!strcmp(name, "freq-max")) return num(st, name, arg, 1e-3, 1e6, &p->gendyn.freq_max);
	if (!strcmp(name, "dur-step")) return num(st, name, arg, 0, 1, &p->gendyn.dur_step);
	if (!strcmp(name, "density")) return num(st, name, arg, 1e-6, 100000, &p->cloud.density);
	if (!strcmp(name, "grain-min")) return num(st, name, arg, 1e-5, 60, &p->cloud.grain_min);
	if (!strcmp(name, "grain-max")) return num(st, name, arg, 1e-5, 60, &p->cloud.grain_max);
	if (!strcmp(name, "amp-range")) return num(st, name, arg, 0, 200, &p->cloud.amp_range);
	if (!strcmp(name, "source")) {
		st->source[st->nseg - 1] = arg;
		return 0;
	}
	return -1;
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
		if (st->bits && grym_sample_format_parse(st->bits, &fmt))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "--bits '%s': use 16, 24 or 32f", st->bits);
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
static int next_word(int argc, char **argv, int i)
{
	for (; i < argc; i++) {
		const char *t = argv[i];
		if (strcmp(t, "--") == 0 || t[0] != '-' || t[1] == '\0')
			return i;
		if (t[1] == '-') {
			const char *eq = strchr(t + 2, '=');
			size_t len = eq ? (size_t)(eq - t - 2) : strlen(t + 2);
			const synth_opt *o = NULL;
			for (size_t j = 0; j < NOPTS; j++)
				if (strlen(synth_opts[j].name) == len &&
				    !strncmp(synth_opts[j].name, t + 2, len))
					o = &synth_opts[j];
			if (!eq && ((o && o->arg) || (len == 7 && !strncmp(t + 2, "catalog", 7))))
				i++;
			continue;
		}
		for (const char *c = t + 1; *c; c++) {
			const synth_opt *o = NULL;
			for (size_t j = 0; j < NOPTS; j++)
				if (synth_opts[j].short_name == *c)
					o = &synth_opts[j];
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
	static grym_option opts[NOPTS + 1];
	static char defs[NOPTS][64];
	static state st;
	grym_synth_params d;
	grym_xform_params xd;
	grym_cli cli;
	int k;
	const char *dir = NULL;

	/* --help shows the library's defaults: one source of truth */
	grym_synth_params_default(&d, GRYM_SYNTH_SINE);
	grym_xform_params_default(&xd, GRYM_XFORM_STRETCH);
	for (size_t i = 0; i < NOPTS; i++) {
		const synth_opt *o = &synth_opts[i];
		const char *n = o->name;
		opts[i] = (grym_option){ o->name, o->short_name, o->arg, NULL, o->help };
		defs[i][0] = 0;
		if (!strcmp(n, "rate")) snprintf(defs[i], 64, "48000");
		else if (!strcmp(n, "channels")) snprintf(defs[i], 64, "1");
		else if (!strcmp(n, "bits")) snprintf(defs[i], 64, "16");
		else if (!strcmp(n, "seed")) snprintf(defs[i], 64, "%llu", (unsigned long long)d.seed);
		else if (!strcmp(n, "classes")) snprintf(defs[i], 64, "%d", GRYM_SYNTH_DATASET_MAX_CLASSES);
		else if (!strcmp(n, "per-class")) snprintf(defs[i], 64, "20");
		else if (!strcmp(n, "duration")) snprintf(defs[i], 64, "%g", d.duration);
		else if (!strcmp(n, "level")) snprintf(defs[i], 64, "%g", d.level);
		else if (!strcmp(n, "freq")) snprintf(defs[i], 64, "%g", d.freq);
		else if (!strcmp(n, "to")) snprintf(defs[i], 64, "%g", d.to);
		else if (!strcmp(n, "sweep")) snprintf(defs[i], 64, "%s", grym_sweep_name(d.sweep));
		else if (!strcmp(n, "phase")) snprintf(defs[i], 64, "%g", d.phase);
		else if (!strcmp(n, "color")) snprintf(defs[i], 64, "%s", grym_noise_color_name(d.color));
		else if (!strcmp(n, "grid")) snprintf(defs[i], 64, "%g", d.grid);
		else if (!strcmp(n, "points")) snprintf(defs[i], 64, "%d", d.gendyn.points);
		else if (!strcmp(n, "adist")) snprintf(defs[i], 64, "%s", grym_dist_name(d.gendyn.adist));
		else if (!strcmp(n, "ddist")) snprintf(defs[i], 64, "%s", grym_dist_name(d.gendyn.ddist));
		else if (!strcmp(n, "apar")) snprintf(defs[i], 64, "%g", d.gendyn.apar);
		else if (!strcmp(n, "dpar")) snprintf(defs[i], 64, "%g", d.gendyn.dpar);
		else if (!strcmp(n, "amp-barrier")) snprintf(defs[i], 64, "%g", d.gendyn.amp_barrier);
		else if (!strcmp(n, "amp-step")) snprintf(defs[i], 64, "%g", d.gendyn.amp_step);
		else if (!strcmp(n, "freq-min")) snprintf(defs[i], 64, "%g", d.gendyn.freq_min);
		else if (!strcmp(n, "freq-max")) snprintf(defs[i], 64, "%g", d.gendyn.freq_max);
		else if (!strcmp(n, "dur-step")) snprintf(defs[i], 64, "%g", d.gendyn.dur_step);
		else if (!strcmp(n, "density")) snprintf(defs[i], 64, "%g", d.cloud.density);
		else if (!strcmp(n, "grain-min")) snprintf(defs[i], 64, "%g", d.cloud.grain_min);
		else if (!strcmp(n, "grain-max")) snprintf(defs[i], 64, "%g", d.cloud.grain_max);
		else if (!strcmp(n, "amp-range")) snprintf(defs[i], 64, "%g", d.cloud.amp_range);
		else if (!strcmp(n, "factor")) snprintf(defs[i], 64, "%g", xd.factor);
		else if (!strcmp(n, "semitones")) snprintf(defs[i], 64, "%g", xd.semitones);
		else if (!strcmp(n, "at")) snprintf(defs[i], 64, "%g", xd.at);
		else if (!strcmp(n, "n-fft")) snprintf(defs[i], 64, "%d", xd.n_fft);
		else if (!strcmp(n, "hop")) snprintf(defs[i], 64, "%d", xd.hop);
		if (defs[i][0])
			opts[i].def = defs[i];
	}
	grym_cli_init(&cli, "grym-synth",
		      "[OPTION]... GENERATOR [OPTION]... [--then GENERATOR [OPTION]...]...\n"
		      "   or: grym-synth [OPTION]... dataset [--classes N] [--per-class M] DIR\n"
		      "   or: grym-synth [OPTION]... transform TRANSFORMATION [OPTION]... FILE",
		      "make test signals, stochastic sounds (GENDYN, sieves, clouds) and "
		      "synthetic datasets; GENERATOR is sine, square, saw, chirp, noise, "
		      "impulse, silence, gendyn or cloud", opts);
	st.cli = &cli;
	st.rate = 48000;
	st.channels = 1;
	st.seed = d.seed;
	st.classes = GRYM_SYNTH_DATASET_MAX_CLASSES;
	st.per_class = 20;

	/* The words (generators, dataset, transform and its operands) split
	 * the command line into segments; each segment's options are parsed
	 * on their own, so option order across words cannot be permuted. */
	k = next_word(argc, argv, 1);
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
		} else if (strcmp(gen, "transform") == 0 && st.nseg == 0 && !st.dataset && !st.xform) {
			st.xform = 1;
		} else if (st.xform == 1) {
			grym_xform_kind xk;
			if (grym_xform_parse(gen, &xk, &err))
				grym_usage_error(&cli, "%s", err.msg);
			grym_xform_params_default(&st.xp, xk);
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
			grym_synth_params_default(&st.seg[st.nseg++], kind);
		}
		st.then_pending = 0;
		/* the options after this word, up to the next word */
		e = next_word(argc, argv, k + 1);
		grym_cli_parse(&cli, e - k, argv + k, on_option, &st);
		k = e;
	}
	if (st.then_pending)
		grym_usage_error(&cli, "--then needs a generator after it");
	if (st.store && st.xform != 2)
		grym_usage_error(&cli, "--store goes with transform");
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
