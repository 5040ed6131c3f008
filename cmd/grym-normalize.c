/*
 * grym-normalize — loudness measurement and normalization (EBU R128,
 * peak, RMS) with resampling, channel mixing, filters, trimming and
 * fades, as a Unix filter: audio in, audio out.
 *
 * The stage is grym_stage_normalize / grym_stage_measure (lib/stage,
 * grym/stage_normalize.h); this file parses options, takes the inputs
 * from the common input layer (grym/sources.h), opens and commits the
 * outputs the stage asks for (one audio input alone: stdout or -o;
 * records: stdout or -o), prints --measure's table, and exits.
 */
#include "cli.h"
#include "grym/grym.h"
#include "grym/stage_normalize.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every option but --schema is a parameter of the normalize stage
 * (lib/stage/normalize_params.c): parsed, checked and shown in --help
 * from that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct app {
	grym_cli cli;
	grym_normalize_params p;/* as parsed */
	const char *gain_given; /* the one of --lufs, --peak, --rms, --gain given */
	grym_cli_stage ui;      /* messages and the bar */
	grym_output *audio;     /* the output of an input alone */
	int asked, usage;       /* open_audio was called; its -o was refused */
	int skipped;            /* that input was silent and skipped */
	grym_output *rec;       /* the records out */
	grym_stream_writer *w;
	int out_failed;         /* an output could not be finished (reported) */
} app;

static int on_option(void *ud, const char *name, const char *arg)
{
	app *a = ud;

	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&a->cli, grym_normalize_schema());
		exit(GRYM_EXIT_OK);
	}
	if (!strcmp(name, "lufs") || !strcmp(name, "peak") || !strcmp(name, "rms") ||
	    !strcmp(name, "gain")) {
		if (a->gain_given) {
			grym_msg(&a->cli, "--%s: only one of --lufs, --peak, --rms, --gain", name);
			return -1;
		}
		a->gain_given = name;
	}
	return grym_cli_schema_set(&a->cli, grym_normalize_schema(), &a->p, name, arg) ? -1 : 0;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* One line of --measure (grym_measure_sink): a JSON object, or a row
 * of the table. */
static void print_measure(void *ud, const char *name, const grym_loudness_result *r)
{
	app *a = ud;

	grym_progress_clear(a->ui.bar);   /* the line on its own, the bar again below */
	if (a->p.json) {
		json_t *o = json_object(), *dc = json_array();
		char *s;
		/* "file", and "file_b64" for a name that is not UTF-8 */
		grym_json_set_path(o, "file", name, NULL);
		json_object_set_new(o, "integrated_lufs", num_or_null(r->integrated_lufs));
		json_object_set_new(o, "short_clip", json_boolean(r->short_clip));
		json_object_set_new(o, "loudness_range_lu", num_or_null(r->loudness_range_lu));
		json_object_set_new(o, "true_peak_dbtp", num_or_null(r->true_peak_dbtp));
		json_object_set_new(o, "sample_peak_dbfs", num_or_null(r->sample_peak_dbfs));
		json_object_set_new(o, "rms_dbfs", num_or_null(r->rms_dbfs));
		json_object_set_new(o, "momentary_max_lufs", num_or_null(r->momentary_max_lufs));
		json_object_set_new(o, "shortterm_max_lufs", num_or_null(r->shortterm_max_lufs));
		json_object_set_new(o, "lra_low_lufs", num_or_null(r->lra_low_lufs));
		json_object_set_new(o, "lra_high_lufs", num_or_null(r->lra_high_lufs));
		for (int c = 0; c < r->channels; c++)
			json_array_append_new(dc, json_real(r->dc[c]));
		json_object_set_new(o, "dc_offset", dc);
		json_object_set_new(o, "rate", json_integer(r->rate));
		json_object_set_new(o, "channels", json_integer(r->channels));
		json_object_set_new(o, "frames", json_integer(r->frames));
		json_object_set_new(o, "duration", json_real(r->rate ? (double)r->frames / r->rate : 0));
		s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		char v[5][16];
		const double x[5] = { r->integrated_lufs, r->loudness_range_lu, r->true_peak_dbtp,
				      r->sample_peak_dbfs, r->rms_dbfs };
		for (int i = 0; i < 5; i++) {
			if (isfinite(x[i]))
				snprintf(v[i], sizeof v[i], "%.2f", x[i]);
			else
				snprintf(v[i], sizeof v[i], "-");
		}
		/* the name escaped: one line per file whatever it holds */
		printf("%9s %7s %9s %9s %9s  ", v[0], v[1], v[2], v[3], v[4]);
		grym_cli_put_escaped(stdout, name);
		putchar('\n');
	}
	fflush(stdout);
}

/* The output of an audio input alone: -t, else -o's extension (never
 * one type under another's name); stdout or -o. */
static grym_output *open_audio(void *ud, grym_file_type *type, grym_error *err)
{
	app *a = ud;
	grym_error e = { 0 };

	a->asked = 1;
	if (grym_file_type_choose((int)a->p.o.type >= 0 ? grym_file_type_name(a->p.o.type) : NULL,
				  a->p.output, type, &e) != GRYM_OK) {
		a->usage = 1;
		grym_error_set(err, GRYM_ERR_INVALID, "%s: %s", a->p.output, e.msg);
		return NULL;
	}
	if (!(a->audio = grym_output_open(a->p.output, err)))
		grym_error_prefix(err, err->code, "%s", a->p.output);
	return a->audio;
}

static void on_result(void *ud, const grym_normalize_result *r)
{
	if (r->rep && r->rep->skipped)
		((app *)ud)->skipped = 1;
}

/* The records out (stdout or -o), opened at the first record. */
static grym_stream_writer *open_records(void *ud, grym_error *err)
{
	app *a = ud;

	if (!(a->rec = grym_output_open(a->p.output, err)))
		return NULL;
	if (!(a->w = grym_stream_writer_new(a->rec, a->p.text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY,
					    0, err))) {
		grym_output_abort(a->rec);
		a->rec = NULL;
	}
	return a->w;
}

static void end_records(void *ud, int failed)
{
	app *a = ud;

	grym_stream_writer_free(a->w);
	a->w = NULL;
	if (failed < 0)
		grym_output_abort(a->rec);
	else if (grym_cli_finish_output(&a->cli, a->rec, failed) != 0)
		a->out_failed = 1;
	a->rec = NULL;
}

/* The input layer (grym/sources.h) over the operands, or stdin. */
static grym_sources *open_sources(app *a, int n, char **ops)
{
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS, .null_sep = a->cli.null_sep,
				 .stdin_name = "-", .cancel = &grym_cli_cancel };
	grym_error err = { 0 };
	grym_sources *src = grym_sources_new(&so, &err);

	if (!src || grym_sources_add_operands(src, n, ops, &err) != GRYM_OK) {
		grym_report(&a->cli, NULL, &err);
		grym_sources_free(src);
		return NULL;
	}
	return src;
}

int main(int argc, char **argv)
{
	static app a;   /* what it owns stays reachable until the exit */
	int first, nops, rc, status;
	grym_normalize_params run;
	grym_sources *src;
	grym_stage_env env = { 0 };
	grym_error err = { 0 };
	char dir[4096];
	uint64_t nfiles = 0;

	const grym_option *options = grym_cli_schema_options(grym_normalize_schema(), own_options);
	if (!options || grym_schema_defaults(grym_normalize_schema(), &a.p, &err) != GRYM_OK) {
		fprintf(stderr, "grym-normalize: %s\n", err.msg[0] ? err.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&a.cli, "grym-normalize", "[OPTION]... [FILE|DIR|-]...",
		      "Measure and normalize loudness (EBU R128, peak, RMS); resample, mix, filter, trim, fade.",
		      options);
	first = grym_cli_parse(&a.cli, argc, argv, on_option, &a);
	nops = argc - first;
	/* the gain, the ceiling's default, the type; checked */
	run = a.p;
	if (grym_normalize_params_opts(&a.p, &run.o, &err) != GRYM_OK)
		grym_usage_error(&a.cli, "%s", err.msg);
	if (a.p.json && !a.p.measure)
		grym_usage_error(&a.cli, "--json goes with --measure");
	if (a.p.measure && (a.p.outdir || a.p.force))
		grym_usage_error(&a.cli, "--measure writes no audio: no --outdir or --force");
	if (a.p.output && a.p.outdir)
		grym_usage_error(&a.cli, "-o names one output file, --outdir a folder for several: "
				 "not both");
	if (a.p.output && nops > 1)
		grym_usage_error(&a.cli, "-o names one output file: %d inputs go to --outdir DIR",
				 nops);
	if (!(src = open_sources(&a, nops, argv + first)))
		return GRYM_EXIT_FAILED;
	/* inputs named one by one (no directory, no "-" that may hold a
	 * list): the bar knows how many; more than that (a records file of
	 * ids) and it only counts */
	for (int i = 0; i < nops; i++) {
		struct stat st;
		if (!strcmp(argv[first + i], "-") || stat(argv[first + i], &st) != 0 ||
		    S_ISDIR(st.st_mode)) {
			nfiles = 0;
			break;
		}
		nfiles++;
	}
	grym_cli_stage_env(&a.ui, &a.cli, a.p.measure ? "measure" : "normalize", &env);
	env.jobs = a.p.jobs;
	if (grym_cli_catalog_dir(&a.cli, dir, sizeof dir, &err) == GRYM_OK)
		env.catalog_dir = dir;
	if (a.p.measure) {
		grym_measure_sink ms = { .ud = &a, .measured = print_measure, .total = nfiles };
		if (!a.p.json && !a.cli.quiet) {
			printf("%9s %7s %9s %9s %9s  %s\n", "LUFS", "LRA", "dBTP", "peak", "RMS", "FILE");
			fflush(stdout);
		}
		rc = grym_stage_measure(&env, src, &run, &ms, &err);
	} else {
		/* One audio input named alone (or audio on stdin), no --outdir:
		 * a filter, audio to stdout or -o. Several files, a directory, a
		 * list: a batch into --outdir. Records and ids: catalog mode. */
		grym_normalize_sink sink = {
			.ud = &a, .audio = nops <= 1 && !a.p.outdir ? open_audio : NULL,
			.outdir = a.p.outdir, .records = open_records, .records_end = end_records,
			.records_name = a.p.output, .result = on_result };
		rc = grym_stage_normalize(&env, src, &run, &sink, &err);
	}
	grym_sources_free(src);
	if (a.audio) {
		/* commits, or aborts when the input failed or a signal cancelled the run */
		if (rc == GRYM_OK && !env.nfailed && !a.skipped)
			a.out_failed |= grym_cli_finish_output(&a.cli, a.audio, 0) != 0;
		else
			grym_output_abort(a.audio);
	}
	/* -o's type refused, or several audio files for one -o */
	if (a.usage || (rc == GRYM_ERR_INVALID && !a.asked)) {
		grym_progress_finish(a.ui.bar);
		grym_usage_error(&a.cli, "%s", err.msg);
	}
	status = grym_cli_stage_end(&a.ui, &env, rc, &err);
	return a.out_failed || (a.audio && a.skipped) ? GRYM_EXIT_FAILED : status;
}
