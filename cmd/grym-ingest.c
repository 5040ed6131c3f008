/*
 * grym-ingest — bring audio files, directories, archives and stdin into
 * the catalog and write one reference record per asset, in input order.
 *
 * The work is the ingest stage (lib/stage/ingest.c, grym/stage_ingest.h);
 * this file parses options, builds the inputs, and writes the assets the
 * stage gives out as records (or --text lines).
 */
#include "cli.h"
#include "grym/stage_ingest.h"
#include "grym/io.h"
#include "grym/pathname.h"
#include "grym/stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* Every option but --schema is a parameter of the ingest stage
 * (lib/stage/ingest_params.c): parsed, checked and shown in --help from
 * that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

static grym_cli cli;
static grym_ingest_params params;

static int on_option(void *ud, const char *name, const char *arg)
{
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&cli, grym_ingest_schema());
		exit(GRYM_EXIT_OK);
	}
	return grym_cli_schema_set(&cli, grym_ingest_schema(), &params, name, arg) ? -1 : 0;
}

/* The output: records, or id<TAB>path<TAB>labels lines (--text). */
typedef struct emitter {
	grym_output *out;
	grym_stream_writer *w;
	json_t *seen;           /* ids already written in this run */
	long ingested, known;
	int write_failed;
} emitter;

static int text_field(grym_output *o, const char *raw, grym_error *err)
{
	/* tabs and newlines would break the line format, and the text form
	 * is UTF-8: a name that is not gets U+FFFD for its bad bytes (the
	 * exact bytes are in the catalog and the binary records) */
	char buf[1024];
	size_t n = 0;
	int rc = GRYM_OK;
	char *fixed = grym_utf8_repair(raw, strlen(raw));
	const char *s = fixed ? fixed : "?";
	for (; *s && rc == GRYM_OK; s++) {
		buf[n++] = (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s;
		if (n == sizeof buf) {
			rc = grym_output_write(o, buf, n, err);
			n = 0;
		}
	}
	if (rc == GRYM_OK)
		rc = grym_output_write(o, buf, n, err);
	free(fixed);
	return rc;
}

static int write_text(grym_output *out, const grym_ingest_result *r, grym_error *err)
{
	const json_t *labels = json_object_get(r->record, "labels");
	size_t i;
	json_t *v;
	int rc = grym_output_printf(out, err, "%s\t", r->id);
	if (rc == 0)
		rc = text_field(out, r->path, err);
	if (rc == 0)
		rc = grym_output_write(out, "\t", 1, err);
	json_array_foreach(labels, i, v) {
		if (rc == 0 && i)
			rc = grym_output_write(out, ",", 1, err);
		if (rc == 0)
			rc = text_field(out, json_string_value(v), err);
	}
	if (rc == 0)
		rc = grym_output_write(out, "\n", 1, err);
	if (rc == 0)
		rc = grym_output_item_end(out, err);
	return rc;
}

/* The stage's sink: an asset out. A failed output is said once; the
 * assets still go into the catalog (the run fails at the end). */
static int emit(void *ud, const grym_ingest_result *r, grym_error *unused)
{
	emitter *e = ud;
	grym_error err = { 0 };
	if (r->created)
		e->ingested++;
	else
		e->known++;
	/* The same content twice in one run gives one record, unless the
	 * later name added labels: then the record is written again with
	 * the union, so that what comes after (grym-train) sees every label
	 * the asset has, as a later run would. */
	const json_t *labels_now = json_object_get(r->record, "labels");
	const json_t *labels_sent = json_object_get(e->seen, r->id);
	if (labels_sent && json_equal((json_t *)labels_sent, (json_t *)labels_now))
		return 0;
	json_object_set_new(e->seen, r->id, labels_now ? json_deep_copy(labels_now) : json_array());
	if (e->write_failed)
		return 0;
	int rc = params.text ? write_text(e->out, r, &err)
			     : grym_stream_write_ref(e->w, r->id, r->record, &err);
	if (rc < 0) {
		grym_report(&cli, grym_output_name(e->out), &err);
		e->write_failed = 1;
	}
	return 0;
}

static int probe(int n, char **paths)
{
	int status = GRYM_EXIT_OK;
	for (int i = 0; i < n; i++) {
		grym_error err = { 0 };
		char *text = grym_ingest_probe(paths[i], params.json, &err);
		if (!text) {
			grym_report(&cli, paths[i], &err);
			status = GRYM_EXIT_FAILED;
			continue;
		}
		fputs(text, stdout);
		free(text);
	}
	return status;
}

int main(int argc, char **argv)
{
	emitter e = { 0 };
	grym_error err = { 0 };
	char catalog[4096];
	int first;

	const grym_option *options = grym_cli_schema_options(grym_ingest_schema(), own_options);
	if (!options || grym_schema_defaults(grym_ingest_schema(), &params, &err) != GRYM_OK) {
		fprintf(stderr, "grym-ingest: %s\n", err.msg[0] ? err.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&cli, "grym-ingest", "[OPTION]... [FILE|DIR|ARCHIVE|-]...",
		      "Store audio in the catalog and write one reference record per asset.",
		      options);
	first = grym_cli_parse(&cli, argc, argv, on_option, NULL);
	if (params.json && !params.probe)
		grym_usage_error(&cli, "--json goes with --probe");
	if (params.probe) {
		if (first >= argc)
			grym_usage_error(&cli, "--probe needs FILE arguments");
		return probe(argc - first, argv + first);
	}

	/* the operands, then --from-list, or the manifest's rows, or stdin */
	grym_sources_opts so = { .null_sep = cli.null_sep, .match = params.match,
				 .stdin_name = "-", .cancel = &grym_cli_cancel };
	grym_sources *src = grym_sources_new(&so, &err);
	int bad = !src;
	for (int i = first; !bad && i < argc; i++)
		bad = grym_sources_add(src, argv[i], &err) < 0;
	if (!bad && first >= argc && !params.from_list && !params.manifest && isatty(STDIN_FILENO))
		grym_usage_error(&cli, "no input (give files, directories, archives or -)");
	if (!bad && grym_ingest_add_inputs(src, &params, first < argc, &err) < 0) {
		grym_report(&cli, params.from_list ? NULL : params.manifest, &err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	if (bad) {
		grym_report(&cli, NULL, &err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	if (grym_cli_catalog_dir(&cli, catalog, sizeof catalog, &err) < 0) {
		grym_report(&cli, NULL, &err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	if (!(e.out = grym_output_open(params.output, &err))) {
		grym_report(&cli, params.output, &err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	if (!params.text && !(e.w = grym_stream_writer_new(e.out, GRYM_STREAM_BINARY, 0, &err))) {
		grym_report(&cli, NULL, &err);
		grym_output_abort(e.out);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}
	e.seen = json_object();

	/* Ctrl-C, TERM, HUP: the files under way stop (no row, no object),
	 * none starts any more, what is done is written, then the process
	 * dies of the signal (cmd/common/signals.c). */
	grym_cli_stage ui;
	grym_stage_env env = { .catalog_dir = catalog, .jobs = params.jobs };
	grym_ingest_sink sink = { .ud = &e, .write = emit };
	grym_cli_stage_env(&ui, &cli, "ingest", &env);
	int rc = grym_stage_ingest(&env, src, &params, &sink, &err);
	int status = grym_cli_stage_end(&ui, &env, rc, &err);
	grym_sources_free(src);

	grym_stream_writer_free(e.w);
	if (e.write_failed) {
		grym_output_abort(e.out);
		status = GRYM_EXIT_FAILED;
	} else if (grym_cli_finish_output(&cli, e.out, status != GRYM_EXIT_OK) != 0) {
		status = GRYM_EXIT_FAILED;
	}
	/* the count, once the run got to its inputs (not after a bad
	 * catalog or manifest) */
	if (!cli.quiet && (env.ninputs || rc == GRYM_OK || rc == GRYM_ERR_CANCELLED))
		grym_msg(&cli, "ingested %ld, already known %ld, failed %llu", e.ingested, e.known,
			 (unsigned long long)env.nfailed);
	json_decref(e.seen);
	grym_schema_clear(grym_ingest_schema(), &params);
	if (grym_cli_cancel)
		grym_msg(&cli, "interrupted: the inputs not finished were not ingested");
	return status;
}
