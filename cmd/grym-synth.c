/*
 * grym-synth — test signals, stochastic synthesis and synthetic datasets.
 *
 *   grym-synth [GLOBAL] GENERATOR [OPTIONS] [--then GENERATOR [OPTIONS]]...
 *   grym-synth [GLOBAL] dataset [--classes N] [--per-class M] DIR
 *   grym-synth [GLOBAL] transform TRANSFORMATION [OPTIONS] [FILE|ID|-]
 *
 * The command is assembled and run by the synth stage (lib/stage/synth*.c,
 * grym/stage_synth.h); this file splits the command line at its words and
 * writes what the stage makes: a sound file, records, dataset files, or
 * the id of a stored asset.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every option but --schema is a parameter of the synth stage's table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct state {
	grym_cli *cli;
	grym_synth_cmd c;       /* the command, as its words and options say */
	/* the output, as the sink writes it */
	grym_stage_env *env;
	const char *dest;       /* -o, or "stdout" */
	int records, many, begun, failed, skip;
	char key[256], path[4096];      /* the clip's */
	grym_output *out;
	grym_encoder *enc;
	grym_stream_writer *w;
} state;

static int on_option(void *ud, const char *name, const char *arg)
{
	state *st = ud;
	grym_error err = { 0 };

	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(st->cli, grym_synth_schema());
		exit(GRYM_EXIT_OK);
	}
	if (grym_synth_cmd_option(&st->c, name, arg, &err) == GRYM_OK)
		return 0;
	if (err.msg[0])
		grym_msg(st->cli, "%s", err.msg);
	return -1;
}

/* ---- the sink: what the stage makes, written as grym-synth writes it ---- */

static void drop(state *st)
{
	grym_stream_writer_free(st->w);
	if (st->enc)
		(void)!grym_encoder_close(st->enc, NULL);   /* the output is dropped anyway */
	grym_output_abort(st->out);
	st->w = NULL, st->enc = NULL, st->out = NULL;
}

/* Errors of the output name it (name; NULL: the destination); a dataset
 * file's are that item's: reported, and on with the next. */
static int out_fail(state *st, const char *name, int rc, grym_error *err)
{
	drop(st);
	if (st->c.dataset && !st->records) {
		grym_stage_fail(st->env, st->path, err);
		return st->skip = 1, GRYM_OK;
	}
	st->failed = 1;
	return grym_error_prefix(err, rc, "%s", name ? name : st->dest);
}

static grym_stream_writer *new_writer(state *st, grym_error *err)
{
	return grym_stream_writer_new(st->out, st->c.g.text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY,
				      0, err);
}

static int on_start(void *ud, int many, grym_error *err)
{
	state *st = ud;
	st->many = many;
	if (many && (st->c.xform || st->records) &&
	    (!(st->out = grym_output_open(st->c.g.output, err)) || !(st->w = new_writer(st, err))))
		return out_fail(st, NULL, err->code, err);
	return GRYM_OK;
}

static int on_begin(void *ud, const grym_synth_clip *c, grym_error *err)
{
	state *st = ud;
	const char *path = c->path && !st->records ? c->path : st->c.g.output;
	grym_file_type type = GRYM_FILE_WAV;
	int bits = st->c.g.bits, rc = GRYM_OK;

	st->begun = 1, st->skip = 0;
	snprintf(st->key, sizeof st->key, "%s", c->key);
	snprintf(st->path, sizeof st->path, "%s", c->path ? c->path : "");
	if (!st->many || !st->w) {      /* an output of its own */
		if (!st->records)
			rc = grym_file_type_choose(st->c.g.type >= 0 ? grym_file_type_name(st->c.g.type)
					: NULL, path, &type, err);
		if (rc == GRYM_OK && !(st->out = grym_output_open(path, err)))
			rc = err->code;
		if (rc == GRYM_OK && st->records && !(st->w = new_writer(st, err)))
			rc = err->code;
		if (rc == GRYM_OK && !st->records &&
		    !(st->enc = grym_encoder_open(st->out, type, bits == 24 ? GRYM_SAMPLE_S24 :
						  bits == 32 ? GRYM_SAMPLE_F32 : GRYM_SAMPLE_S16,
						  c->rate, c->channels, 0, st->c.g.seed, err)))
			rc = err->code;
	}
	if (rc == GRYM_OK && st->w)
		rc = grym_stream_begin(st->w, c->key, c->meta, GRYM_PAYLOAD_AUDIO,
				       (uint32_t)c->channels, err);
	return rc ? out_fail(st, st->c.dataset ? c->key : NULL, rc, err) : GRYM_OK;
}

static int on_write(void *ud, const float *x, int64_t frames, grym_error *err)
{
	state *st = ud;
	int rc = st->skip ? GRYM_OK : st->enc ? grym_encoder_write(st->enc, x, frames, err)
				 : grym_stream_write_rows(st->w, x, (uint64_t)frames, err);
	return rc ? out_fail(st, st->c.dataset ? st->key : NULL, rc, err) : GRYM_OK;
}

/* Finish the clip: the end of its record; its own output committed. */
static int on_end(void *ud, int ok, grym_error *err)
{
	state *st = ud;
	int rc = GRYM_OK;

	if (st->skip || (!ok && st->many && st->w))
		return GRYM_OK;         /* the stream is aborted by main */
	if (!ok)
		return drop(st), GRYM_OK;
	if (st->w && (rc = grym_stream_end(st->w, err)))
		return out_fail(st, st->c.dataset ? st->key : NULL, rc, err);
	if (st->many && st->w)
		return GRYM_OK;
	if (st->enc)
		rc = grym_encoder_close(st->enc, err);
	grym_stream_writer_free(st->w);
	st->w = NULL, st->enc = NULL;
	if (rc == GRYM_OK)      /* commit frees the output, as abort does */
		rc = grym_output_commit(st->out, err), st->out = NULL;
	return rc ? out_fail(st, NULL, rc, err) : GRYM_OK;
}

/* --store: a stream's reference to the new asset, or its id on stdout. */
static int on_stored(void *ud, const grym_synth_clip *c, grym_error *err)
{
	state *st = ud;
	int rc = st->many ? grym_stream_write_ref(st->w, c->asset, c->meta, err) : GRYM_OK;

	if (st->many)
		return rc ? out_fail(st, NULL, rc, err) : GRYM_OK;
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
	const grym_option *opts = grym_cli_schema_options(grym_synth_schema(), own_options);
	char catdir[4096];
	grym_synth_job job;
	grym_stage_env env = { 0 };
	grym_cli_stage ui;
	grym_sources *src = NULL;

	if (!opts || grym_synth_cmd_init(&st.c, &e0) != GRYM_OK) {
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
		int e;
		if (strcmp(argv[k], "--") == 0 && ++k >= argc)
			break;
		if (grym_synth_cmd_word(&st.c, argv[k], k > 0 && !strcmp(argv[k - 1], "--"), &err))
			grym_usage_error(&cli, "%s", err.msg);
		/* the options after this word, up to the next word */
		e = next_word(opts, argc, argv, k + 1);
		grym_cli_parse(&cli, e - k, argv + k, on_option, &st);
		k = e;
	}
	if (grym_synth_cmd_finish(&st.c, &job, &err))
		grym_usage_error(&cli, "%s", err.msg);
	st.records = st.c.g.records || st.c.g.text;
	st.dest = st.c.g.output ? st.c.g.output : "stdout";
	/* a dataset's folder, and one per class */
	for (int c = -1; st.c.dataset && !st.records && c < st.c.g.classes; c++) {
		char path[4096];
		snprintf(path, sizeof path, "%s%s%s", job.operand, c < 0 ? "" : "/",
			 c < 0 ? "" : grym_synth_dataset_class(c));
		if (mkdir(path, 0777) && errno != EEXIST) {
			grym_msg(&cli, "%s: %s", path, strerror(errno));
			return GRYM_EXIT_FAILED;
		}
	}
	if (st.c.xform) {
		/* the input, told by the common input layer (grym/sources.h) */
		grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_ID_OPERANDS,
					 .null_sep = cli.null_sep, .cancel = &grym_cli_cancel };
		if (!(src = grym_sources_new(&so, &err)) || grym_sources_add(src, job.operand, &err) < 0) {
			grym_report(&cli, job.operand, &err);
			return GRYM_EXIT_FAILED;
		}
	}
	grym_cli_stage_env(&ui, &cli, "grym-synth", &env);
	st.env = &env;
	/* a catalog only for ids: none known is said when one is needed */
	env.catalog_dir = grym_cli_catalog_dir(&cli, catdir, sizeof catdir, &e0) ? NULL : catdir;
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
		int seq = !st.c.dataset && !st.c.xform;
		grym_report(&cli, seq && st.begun && !st.failed ? st.dest : NULL, &err);
		return rc == GRYM_ERR_INVALID && (seq || (!st.many && !st.failed))
			? GRYM_EXIT_USAGE : GRYM_EXIT_FAILED;
	}
	return rc || st.failed ? GRYM_EXIT_FAILED : code;
}
