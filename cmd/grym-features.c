/*
 * grym-features — librosa-exact audio features as grym records.
 *
 * The command side of the features stage (grym_stage_features,
 * grym/stage_features.h): options from the stage's table, the usage
 * checks, the --npy folder, the output (-o) opened once the inputs are
 * known and committed at the end; the stage's failures, lines and
 * progress become messages and the bar (grym_cli_stage_env). No
 * algorithm lives here: every number comes from lib/features.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "grym/features_params.h"
#include "grym/io.h"
#include "grym/sources.h"
#include "grym/stage.h"
#include "grym/stage_features.h"
#include "grym/stream.h"

/* Every option but --schema is a parameter of the features stage
 * (lib/stage/features_params.c): parsed, checked and shown in --help
 * from that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

static grym_cli cli;

static int on_option(void *ud, const char *name, const char *arg)
{
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&cli, grym_features_schema());
		exit(GRYM_EXIT_OK);
	}
	return grym_cli_schema_set(&cli, grym_features_schema(), ud, name, arg) ? -1 : 0;
}

/* The records' output: stdout or -o FILE, opened by the stage once the
 * inputs are read and named (so a run that fails before leaves no file). */
typedef struct records_out {
	const grym_features_params *fp;
	grym_output *out;
	grym_stream_writer *w;
} records_out;

static int out_begin(void *ud, uint64_t ninputs, grym_error *err)
{
	records_out *o = ud;
	(void)ninputs;
	if (!(o->out = grym_output_open(o->fp->output, err)))
		return err->code;
	o->w = grym_stream_writer_new(o->out, o->fp->text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY, 0, err);
	return o->w ? GRYM_OK : err->code;
}

static int out_write(void *ud, const grym_features_result *r, grym_error *err)
{
	return grym_features_write_records(((records_out *)ud)->w, r, err);
}

/* The stage's lines: a damaged feature set recomputed (level 0) is a
 * warning, said even with -q; "all features from the catalog" only
 * with -v. */
static void on_info(void *ud, int level, const char *input, const char *msg)
{
	grym_cli_stage *ui = ud;
	if (level > 0 && !cli.verbose)
		return;
	grym_progress_clear(ui->bar);
	grym_msg(&cli, "%s: %s", input, msg);
}

/* --npy DIR: made if missing, like an output folder users expect. */
static void npy_folder(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
		grym_msg(&cli, "--npy: %s: %s", dir, strerror(errno));
		exit(GRYM_EXIT_FAILED);
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		grym_usage_error(&cli, "--npy: %s is not a directory", dir);
}

int main(int argc, char **argv)
{
	static grym_features_params fp;
	static char catalog_dir[4096];
	grym_error err = { 0 };
	grym_features_opts_default(&fp.plan.fo);   /* what no option sets */
	const grym_option *options = grym_cli_schema_options(grym_features_schema(), own_options);
	if (!options || grym_schema_defaults(grym_features_schema(), &fp, &err) != GRYM_OK) {
		fprintf(stderr, "grym-features: %s\n", err.msg[0] ? err.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&cli, "grym-features", "[OPTION]... [FILE|DIR|-]...",
		      "compute librosa-exact audio features (MFCC, mel, spectral...) as grym records",
		      options);
	int first = grym_cli_parse(&cli, argc, argv, on_option, &fp);
	const grym_features_plan *p = &fp.plan;
	/* parameters are checked once up front, so a bad value is a usage
	 * error rather than a failure of every input */
	if (p->segment_hop > 0 && p->segment <= 0)
		grym_usage_error(&cli, "--segment-hop needs --segment");
	if (fp.npy && (p->summary || p->segment > 0 || fp.text || fp.output))
		grym_usage_error(&cli, "--npy writes frame matrices: it excludes --summary, --segment, --text and -o");
	if (grym_stage_features_check(&fp, &err) != GRYM_OK)
		grym_usage_error(&cli, "%s", err.msg);
	grym_cli_catalog_dir(&cli, catalog_dir, sizeof catalog_dir, &err);
	if (fp.npy)
		npy_folder(fp.npy);

	grym_sources_opts so = { 0 };
	so.flags = GRYM_SOURCES_RECORDS;
	so.null_sep = cli.null_sep;
	so.cancel = &grym_cli_cancel;
	grym_sources *src = grym_sources_new(&so, &err);
	if (!src || grym_sources_add_operands(src, argc - first, argv + first, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}

	records_out ro = { &fp, NULL, NULL };
	grym_features_sink sink;
	if (fp.npy) {
		grym_features_sink_npy(&sink, fp.npy);
	} else {
		memset(&sink, 0, sizeof sink);
		sink.begin = out_begin;
		sink.write = out_write;
		sink.ud = &ro;
		sink.name = fp.output ? fp.output : "stdout";
	}
	grym_stage_env env = { .catalog_dir = catalog_dir, .jobs = fp.jobs };
	grym_cli_stage ui;
	grym_cli_stage_env(&ui, &cli, "features", &env);
	env.info = on_info;
	int rc = grym_stage_features(&env, src, &fp, &sink, &err);
	grym_sources_free(src);
	int status = grym_cli_stage_end(&ui, &env, rc, &err);
	grym_stream_writer_free(ro.w);
	if (ro.out && rc != GRYM_OK)
		grym_output_abort(ro.out);
	else if (ro.out && grym_cli_finish_output(&cli, ro.out, env.nfailed > 0) != 0)
		status = GRYM_EXIT_FAILED;
	return status;
}
