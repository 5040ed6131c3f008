/*
 * grym-synth — test signals, stochastic synthesis and synthetic datasets.
 *
 *   grym-synth [GLOBAL] GENERATOR [OPTIONS] [--then GENERATOR [OPTIONS]]...
 *   grym-synth [GLOBAL] dataset [--classes N] [--per-class M] DIR
 *   grym-synth [GLOBAL] transform TRANSFORMATION [OPTIONS] [FILE|ID|-]
 *
 * Options after a generator set that segment's parameters; output options
 * (--rate, --channels, --seed, -o, -t, --bits, --records, --text, --name)
 * hold for the whole command wherever they stand. The stage is
 * lib/stage/synth*.c (grym/stage_synth.h); this file splits the command
 * line at its words, parses each part, and writes what the stage makes:
 * a sound file, records, dataset files, or the id of a stored asset.
 */
#include "cli.h"
#include "grym/audio.h"
#include "grym/io.h"
#include "grym/sources.h"
#include "grym/stage.h"
#include "grym/stage_synth.h"
#include "grym/stream.h"
#include "grym/synth_params.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SEGMENTS 1024

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
	size_t nseg;
	int then_pending;
	int dataset;
	int xform;              /* 1: transform word seen, 2: its kind too */
	/* the output, as the sink writes it */
	grym_stage_env *env;
	const char *dest;       /* -o, or "stdout" in messages */
	int records, many, begun, failed, skip;
	char cls[64];           /* dataset: the class whose folder exists */
	char key[256], path[4096];      /* the clip's */
	grym_output *out;
	grym_encoder *enc;
	grym_stream_writer *w;
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

/* ---- the sink: what the stage makes, written as grym-synth writes it ---- */

/* Errors of the output name the destination (a dataset's records: the
 * item's key); a dataset file's are that item's: reported, and on. */
static int out_fail(state *st, int rc, grym_error *err)
{
	grym_stream_writer_free(st->w);
	if (st->enc)
		grym_encoder_close(st->enc, NULL);
	grym_output_abort(st->out);
	st->w = NULL, st->enc = NULL, st->out = NULL;
	if (st->dataset && !st->records) {
		grym_stage_fail(st->env, st->path, err);
		st->skip = 1;
		return GRYM_OK;
	}
	st->failed = 1;
	return grym_error_prefix(err, rc, "%s", st->dataset ? st->key : st->dest);
}

static grym_stream_writer *new_writer(state *st, grym_error *err)
{
	return grym_stream_writer_new(st->out, st->g.text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY,
				      0, err);
}

static int on_start(void *ud, int many, grym_error *err)
{
	state *st = ud;
	st->many = many;
	if (many && (st->xform || st->records) &&
	    (!(st->out = grym_output_open(st->g.output, err)) || !(st->w = new_writer(st, err))))
		return st->dataset = 0, out_fail(st, err->code, err);
	return GRYM_OK;
}

static int on_begin(void *ud, const grym_synth_clip *c, grym_error *err)
{
	state *st = ud;
	const char *path = c->path && !st->records ? c->path : st->g.output;
	grym_file_type type = GRYM_FILE_WAV;
	int bits = st->g.bits, rc = GRYM_OK;

	st->begun = 1, st->skip = 0;
	snprintf(st->key, sizeof st->key, "%s", c->key);
	snprintf(st->path, sizeof st->path, "%s", c->path ? c->path : "");
	if (c->label && !st->records && strcmp(c->label, st->cls)) {
		char dir[4096];         /* a class's folder, before its first item */
		snprintf(dir, sizeof dir, "%s", c->path);
		snprintf(st->cls, sizeof st->cls, "%s", c->label);
		if (mkdir(dirname(dir), 0777) && errno != EEXIST)
			return grym_error_set(err, GRYM_ERR_IO, "%s: %s", dir, strerror(errno));
	}
	if (!st->many || !st->w) {      /* an output of its own */
		if (!st->records)
			rc = grym_file_type_choose(st->g.type >= 0 ? grym_file_type_name(st->g.type)
					: NULL, path, &type, err);
		if (rc == GRYM_OK && !(st->out = grym_output_open(path, err)))
			rc = err->code;
		if (rc == GRYM_OK && st->records && !(st->w = new_writer(st, err)))
			rc = err->code;
		if (rc == GRYM_OK && !st->records &&
		    !(st->enc = grym_encoder_open(st->out, type, bits == 24 ? GRYM_SAMPLE_S24 :
						  bits == 32 ? GRYM_SAMPLE_F32 : GRYM_SAMPLE_S16,
						  c->rate, c->channels, 0, st->g.seed, err)))
			rc = err->code;
	}
	if (rc == GRYM_OK && st->w)
		rc = grym_stream_begin(st->w, c->key, c->meta, GRYM_PAYLOAD_AUDIO,
				       (uint32_t)c->channels, err);
	return rc ? out_fail(st, rc, err) : GRYM_OK;
}

static int on_write(void *ud, const float *x, int64_t frames, grym_error *err)
{
	state *st = ud;
	int rc = st->skip ? GRYM_OK : st->enc ? grym_encoder_write(st->enc, x, frames, err)
				 : grym_stream_write_rows(st->w, x, (uint64_t)frames, err);
	return rc ? out_fail(st, rc, err) : GRYM_OK;
}

/* Finish the clip: the end of its record; its own output committed. */
static int on_end(void *ud, int ok, grym_error *err)
{
	state *st = ud;
	int rc = GRYM_OK;

	if (st->skip || (!ok && st->many && st->w))
		return GRYM_OK;         /* the stream is aborted by main */
	if (!ok)
		return out_fail(st, GRYM_OK, err), GRYM_OK;
	if (st->w && (rc = grym_stream_end(st->w, err)))
		return out_fail(st, rc, err);
	if (st->many && st->w)
		return GRYM_OK;
	grym_stream_writer_free(st->w);
	st->w = NULL;
	if (st->enc && (rc = grym_encoder_close(st->enc, err)))
		return st->enc = NULL, out_fail(st, rc, err);
	st->enc = NULL;
	rc = grym_output_commit(st->out, err);
	st->out = NULL;
	return rc ? out_fail(st, rc, err) : GRYM_OK;
}

/* --store: a stream's reference to the new asset, or its id on stdout. */
static int on_stored(void *ud, const grym_synth_clip *c, grym_error *err)
{
	state *st = ud;
	int rc;

	if (st->many)
		return (rc = grym_stream_write_ref(st->w, c->asset, c->meta, err)) ? out_fail(st, rc, err) : 0;
	printf("%s\n", c->asset);
	if (fflush(stdout) || ferror(stdout))
		return st->failed = 1, grym_error_set(err, GRYM_ERR_IO, "stdout: write error");
	return GRYM_OK;
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

int main(int argc, char **argv)
{
	static state st;
	static grym_cli cli;    /* its option table stays reachable until the exit */
	grym_error e0 = { 0 }, err = { 0 };
	int k, rc, code;
	const char *dir = NULL;
	const grym_schema *sch = grym_synth_schema();
	const grym_option *opts = grym_cli_schema_options(sch, own_options);
	char catdir[4096];
	grym_stage_env env = { 0 };
	grym_cli_stage ui;
	grym_sources *src = NULL;

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
	st.records = st.g.records || st.g.text;
	st.dest = st.g.output ? st.g.output : "stdout";
	if (st.dataset && !st.records) {
		grym_file_type type;
		/* the files are named for their type: -t flac writes .flac */
		if (grym_file_type_choose(st.g.type >= 0 ? grym_file_type_name(st.g.type) : NULL, NULL,
					  &type, &e0) != GRYM_OK)
			grym_usage_error(&cli, "%s", e0.msg);
		if (!dir)
			grym_usage_error(&cli, "dataset needs a directory (or --records)");
		if (mkdir(dir, 0777) && errno != EEXIST) {
			grym_msg(&cli, "%s: %s", dir, strerror(errno));
			return GRYM_EXIT_FAILED;
		}
	} else if (st.dataset && dir) {
		grym_usage_error(&cli, "dataset --records writes to stdout or -o, not to '%s'", dir);
	}
	if (st.xform == 1)
		grym_usage_error(&cli, "transform needs one of reverse, stretch, pitch, randphase, "
				 "smear, freeze");
	if (st.xform) {
		/* the input, told by the common input layer (grym/sources.h) */
		grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_ID_OPERANDS,
					 .null_sep = cli.null_sep, .cancel = &grym_cli_cancel };
		dir = dir ? dir : "-";  /* a filter: standard input by default */
		if (st.g.channels && st.g.channels != 1)
			grym_usage_error(&cli, "transform keeps the input's channels (or --channels 1 mixes to mono)");
		if (!(src = grym_sources_new(&so, &err)) || grym_sources_add(src, dir, &err) < 0) {
			grym_report(&cli, dir, &err);
			return GRYM_EXIT_FAILED;
		}
	}
	grym_cli_stage_env(&ui, &cli, "grym-synth", &env);
	st.env = &env;
	/* a catalog only for ids: none known is said when one is needed */
	env.catalog_dir = grym_cli_catalog_dir(&cli, catdir, sizeof catdir, &e0) ? NULL : catdir;
	grym_synth_job job = { .cmd = &st.g, .words = st.word, .nwords = st.xform ? 1 : st.nseg,
			      .operand = dir };
	grym_synth_sink sink = { &st, on_start, on_begin, on_write, on_end, on_stored };
	rc = grym_stage_synth(&env, src, &job, &sink, &err);
	grym_sources_free(src);
	if (st.many && st.w) {  /* the stream of many clips, unless stopped */
		grym_stream_writer_free(st.w);
		if (rc != GRYM_OK)
			grym_output_abort(st.out);
		else if (grym_output_commit(st.out, &e0))
			grym_report(&cli, st.dest, &e0), st.failed = 1;
	}
	code = grym_cli_stage_end(&ui, &env, GRYM_OK, NULL);
	if (rc == GRYM_ERR_UNSUPPORTED && !st.failed)
		grym_usage_error(&cli, "%s", err.msg);
	if (rc != GRYM_OK && rc != GRYM_ERR_CANCELLED) {
		int seq = !st.dataset && !st.xform;
		grym_report(&cli, seq && st.begun && !st.failed ? st.dest : NULL, &err);
		return rc == GRYM_ERR_INVALID && (seq || (!st.many && !st.failed))
			? GRYM_EXIT_USAGE : GRYM_EXIT_FAILED;
	}
	return rc || st.failed ? GRYM_EXIT_FAILED : code;
}
