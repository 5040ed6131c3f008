/*
 * grym-infer — apply a grym-model(5) to feature vectors, or to audio
 * files through the model's own recipe: the infer stage
 * (grym/stage_infer.h) run on the operands, its predictions written as
 * one line key<TAB>label<TAB>probability per input vector (--top K for
 * more labels, --jsonl for JSON lines; segmented vectors, whose metadata
 * has "start" and "end", print key<TAB>start<TAB>end<TAB>label<TAB>probability).
 * An input that cannot be scored (wrong dimension, NaN) is reported and
 * skipped, and the exit status is 1.
 */
#include <cblas.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "grym/infer_params.h"
#include "grym/io.h"
#include "grym/pathname.h"
#include "grym/sources.h"
#include "grym/stage_infer.h"

/* Every option but --schema is a parameter of the infer stage
 * (lib/stage/infer_params.c): parsed, checked and shown in --help from
 * that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct infer_cli {
	grym_cli cli;
	grym_infer_params p;    /* the options */
	grym_cli_stage ui;      /* messages and the bar */
	grym_output *out;       /* opened once the model is loaded */
} infer_cli;

static int on_opt(void *ud, const char *name, const char *arg)
{
	infer_cli *o = ud;
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&o->cli, grym_infer_schema());
		exit(GRYM_EXIT_OK);
	}
	return grym_cli_schema_set(&o->cli, grym_infer_schema(), &o->p, name, arg) ? -1 : 0;
}

/* The sink's begin: the output, once there is a model to write for. */
static int open_output(void *ud, const grym_model *m, const char *model_id, grym_error *err)
{
	infer_cli *o = ud;
	(void)m;
	(void)model_id;
	if (!(o->out = grym_output_open(o->p.output, err)))
		return o->p.output ? grym_error_prefix(err, err->code, "%s", o->p.output) : err->code;
	return GRYM_OK;
}

static double rounded(float p)
{
	return round((double)p * 1e6) / 1e6;
}

/* One JSON line: "key" ("key_b64" when the key is a file name that is
 * not UTF-8, grym/pathname.h), label, probability, start and end of a
 * window, and with --top K the K best. */
static int write_json(infer_cli *o, const grym_infer_result *r, int seg, size_t top, grym_error *err)
{
	json_t *j = json_object();
	json_t *lp = json_pack("{s:s,s:f}", "label", r->labels[0], "probability", rounded(r->probs[0]));
	int bad = !j || !lp || grym_json_set_path(j, "key", r->key, err) != GRYM_OK ||
		  json_object_update(j, lp) != 0;
	json_decref(lp);
	if (bad) {
		json_decref(j);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	if (seg) {
		json_object_set_new(j, "start", json_real(r->start));
		json_object_set_new(j, "end", json_real(r->end));
	}
	if (o->p.top > 1) {
		json_t *t = json_array();
		for (size_t k = 0; k < top; k++)
			json_array_append_new(t, json_pack("{s:s,s:f}", "label", r->labels[k],
							   "probability", rounded(r->probs[k])));
		json_object_set_new(j, "top", t);
	}
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(j);
	if (!s)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int rc = grym_output_printf(o->out, err, "%s\n", s);
	free(s);
	return rc;
}

/* The sink's write: one prediction, as a line of the table or of JSON. */
static int write_result(void *ud, const grym_infer_result *r, grym_error *err)
{
	infer_cli *o = ud;
	size_t top = (size_t)o->p.top < r->n ? (size_t)o->p.top : r->n;
	int seg = !isnan(r->start) && !isnan(r->end), rc;
	/* predictions may go to the terminal the bar is drawn on */
	grym_progress_clear(o->ui.bar);
	if (o->p.jsonl)
		return write_json(o, r, seg, top, err);
	/* one line per prediction, in UTF-8, whatever the file name holds
	 * (--jsonl has the exact bytes) */
	char *key = grym_text_field(r->key, strlen(r->key));
	if (!key)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	rc = grym_output_printf(o->out, err, "%s", key);
	free(key);
	if (!rc && seg)
		rc = grym_output_printf(o->out, err, "\t%.9g\t%.9g", r->start, r->end);
	for (size_t k = 0; k < top && !rc; k++)
		rc = grym_output_printf(o->out, err, "\t%s\t%.6f", r->labels[k], (double)r->probs[k]);
	return rc ? rc : grym_output_printf(o->out, err, "\n");
}

/* The sink's flush: on a pipe the batch's lines leave now. */
static int flush_output(void *ud, grym_error *err)
{
	infer_cli *o = ud;
	return grym_output_item_end(o->out, err);
}

/* The number of inputs when each operand is one file (no directory, no
 * "-" that may hold a list): the bar's total; else 0, and it only counts. */
static uint64_t count_files(int n, char **ops)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (!strcmp(ops[i], "-") || stat(ops[i], &st) != 0 || S_ISDIR(st.st_mode))
			return 0;
	}
	return (uint64_t)n;
}

int main(int argc, char **argv)
{
	static infer_cli o;     /* what it owns stays reachable until the exit */
	grym_error err = { 0 };
	const grym_option *opts = grym_cli_schema_options(grym_infer_schema(), own_options);
	if (!opts || grym_schema_defaults(grym_infer_schema(), &o.p, &err) != GRYM_OK) {
		fprintf(stderr, "grym-infer: %s\n", err.msg[0] ? err.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&o.cli, "grym-infer", "-m MODEL [OPTION]... [FILE|DIR|-]...",
		      "Predict labels (or clusters) of feature vectors, or of audio files through the model's recipe, with a trained model.", opts);
	int first = grym_cli_parse(&o.cli, argc, argv, on_opt, &o);
	if (!o.p.model)
		grym_usage_error(&o.cli, "-m MODEL is required");
	int nin = argc - first;

	/* the catalog: for a model that is not a file, and for the inputs
	 * when one is named (--catalog, GRYM_CATALOG) */
	grym_stage_env env = { 0 };
	static char dir[4096];
	int use_cat = o.cli.catalog_dir || getenv("GRYM_CATALOG"), model_file = access(o.p.model, F_OK) == 0;
	if (use_cat || !model_file) {
		if (grym_cli_catalog_dir(&o.cli, dir, sizeof dir, &err) != GRYM_OK) {
			if (!model_file)
				grym_error_prefix(&err, err.code, "no such file, and in the catalog (none)");
			grym_report(&o.cli, model_file ? "catalog" : o.p.model, &err);
			return GRYM_EXIT_FAILED;
		}
		env.catalog_dir = dir;
	}
	grym_sources_opts so = { 0 };
	so.flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_TSV | (o.p.tsv ? GRYM_SOURCES_TSV_ALL : 0);
	so.null_sep = o.cli.null_sep;
	so.stdin_name = "-";    /* the key of audio on stdin */
	so.cancel = &grym_cli_cancel;
	grym_sources *src = grym_sources_new(&so, &err);
	if (!src || grym_sources_add_operands(src, nin, argv + first, &err) != GRYM_OK) {
		grym_report(&o.cli, NULL, &err);
		grym_sources_free(src);
		return GRYM_EXIT_FAILED;
	}

	grym_cli_stage_env(&o.ui, &o.cli, "infer", &env);
	env.jobs = o.p.jobs;
	env.total = count_files(nin, argv + first);
	if (nin == 0)   /* stdin: no bar */
		env.progress = NULL;
	if (o.p.jobs > 1)       /* the stage's threads are the parallelism */
		openblas_set_num_threads(1);
	const char *outname = o.p.output ? o.p.output : "stdout";
	grym_infer_sink sink = { .ud = &o, .begin = open_output, .write = write_result,
				 .flush = flush_output, .name = outname };
	int rc = grym_stage_infer(&env, o.p.model, src, &o.p, &sink, &err);
	grym_sources_free(src);
	int status = grym_cli_stage_end(&o.ui, &env, rc, &err);
	if (o.out && (rc != GRYM_OK || grym_cli_cancel)) {
		/* a signal: an -o FILE is left as it was */
		grym_output_abort(o.out);
	} else if (o.out && grym_output_commit(o.out, &err)) {
		grym_report(&o.cli, outname, &err);
		status = GRYM_EXIT_FAILED;
	}
	return status;
}
