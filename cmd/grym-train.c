/*
 * grym-train — fit a classifier (or k-means) on feature vectors, score it
 * honestly (stratified or grouped k-fold, holdout, or the manifest's split
 * column), refit on all the data and save a grym-model(5) file.
 *
 * Input: grym vector records (grym-features --summary) on stdin or as
 * files, or a TSV table (a .tsv file or --tsv), or a .npy matrix with
 * --labels FILE, or feature sets stored in the catalog (--features NAME
 * with --label/--split selecting assets). The stage is
 * grym_stage_train (lib/stage); this file parses, calls, and reports.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "grym/sources.h"
#include "grym/stage_train.h"

/* Every option but --schema is a parameter of the train stage
 * (lib/stage/train_params.c): parsed, checked and shown in --help from
 * that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct train_opts {
	grym_cli cli;
	grym_train_params tp;   /* the options */
	const char *given[64];  /* the options given, checked against the kind */
	int ngiven;
	grym_cli_stage ui;
	int usage;              /* the stage's error is a usage error */
} train_opts;

static int on_opt(void *ud, const char *name, const char *arg)
{
	train_opts *o = ud;
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&o->cli, grym_train_schema());
		exit(GRYM_EXIT_OK);
	}
	if (o->ngiven < 64)
		o->given[o->ngiven++] = name;
	return grym_cli_schema_set(&o->cli, grym_train_schema(), &o->tp, name, arg) ? -1 : 0;
}

/* A hyper-parameter option the model kind does not use is refused,
 * rather than accepted, ignored and recorded; the kinds say which they
 * use (grym_model_type_uses, which the table's applies asks too). */
static void check_applies(const train_opts *o, grym_model_type t)
{
	for (int i = 0; i < o->ngiven; i++) {
		const char *opt = o->given[i];
		if (grym_model_type_uses(t, opt) != 0)
			continue;
		char list[128] = "";
		for (int m = 0; m < grym_model_type_count(); m++)
			if (grym_model_type_uses((grym_model_type)m, opt) == 1)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					 list[0] ? ", " : "", grym_model_type_name((grym_model_type)m));
		const char *why = grym_model_type_why_not(t, opt);
		grym_usage_error(&o->cli, "--%s does not apply to %s (only to %s%s%s)", opt,
				 grym_model_type_name(t), list, why ? "; " : "", why ? why : "");
	}
}

/* The stage's lines: warnings unless -q, notes with -v. */
static void on_info(void *ud, int level, const char *input, const char *msg)
{
	grym_cli_stage *ui = ud;
	grym_progress_clear(ui->bar);
	if (level > 0)
		grym_verbose(ui->cli, "%s", msg);
	else
		grym_info(ui->cli, "%s", msg);
}

/* The training set read: a warning when its rates differ (the model
 * records the most common, and grym-infer resamples audio to it), the
 * feature names with -v. */
static int on_data(void *ud, const grym_train_result *r, grym_error *err)
{
	train_opts *o = ud;
	const grym_rate_tally *t = r->rates;
	const grym_dataset *ds = r->ds;
	if (!r->evaluate && (o->tp.folds_out || o->tp.predictions)) {
		o->usage = 1;
		return grym_error_set(err, GRYM_ERR_INVALID, "%s needs --cv, --holdout or a split column",
				      o->tp.folds_out ? "--folds-out" : "--predictions");
	}
	if (t->n > 1) {
		char list[512] = "";
		size_t len = 0;
		for (int i = 0; i < t->n && len < sizeof list; i++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%d Hz (%zu)",
						i ? ", " : "", t->rate[i], t->count[i]);
		grym_msg(&o->cli, "warning: training features at mixed sample rates: %s; the model "
			 "records %d Hz, the most common, and grym-infer resamples audio to it "
			 "(grym-features --rate %d makes them all alike)", list, r->rate, r->rate);
	}
	if (o->cli.verbose > 0) {
		size_t len = 64;
		for (size_t j = 0; ds->names && j < ds->d; j++)
			len += strlen(ds->names[j]) + 1;
		char *s = calloc(len, 1);
		if (s) {
			snprintf(s, len, "features (%zu):", ds->d);
			for (size_t j = 0; ds->names && j < ds->d; j++) {
				strcat(s, " ");
				strcat(s, ds->names[j]);
			}
			grym_verbose(&o->cli, "%s%s", s, ds->names ? "" : " unnamed");
			free(s);
		}
	}
	return GRYM_OK;
}

/* The scores, as a table (not with --json). */
static void on_evaluated(void *ud, const grym_train_result *r)
{
	train_opts *o = ud;
	const char *g = r->group_by;
	if (o->tp.json)
		return;
	grym_progress_clear(o->ui.bar);   /* the table may go to its terminal */
	if (r->folds > 1)
		printf("%s, %d-fold cross-validation%s%s: %zu items, %zu classes\n\n", r->kind, r->folds,
		       g ? " grouped by " : "", g ? g : "", r->ds->n, r->ds->nlabels);
	else if (o->tp.holdout > 0)
		printf("%s, holdout %g%s%s: %.4f of the %zu items tested, %zu classes\n\n", r->kind,
		       o->tp.holdout, g ? " grouped by " : "", g ? g : "", r->tested, r->ds->n,
		       r->ds->nlabels);
	else
		printf("%s, split column: %zu items (%.4f tested), %zu classes\n\n", r->kind, r->ds->n,
		       r->tested, r->ds->nlabels);
	fputs(r->table ? r->table : "", stdout);
}

/* The model: the report as JSON, or a line when it was not scored, and
 * its id in the catalog. */
static void on_done(void *ud, const grym_train_result *r)
{
	train_opts *o = ud;
	grym_progress_finish(o->ui.bar);
	o->ui.bar = NULL;
	if (o->tp.json) {
		json_t *rep = grym_train_result_json(r, &o->tp);
		char *s = rep ? json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6)) : NULL;
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(rep);
	} else if (!r->evaluation) {
		printf("%s: %zu items, %zu dims, %zu %s (not evaluated: use --cv or --holdout)\n", r->kind,
		       r->ds->n, r->ds->d, grym_model_nclasses(r->model), r->supervised ? "classes" : "clusters");
	}
	if (!o->tp.json && r->model_id[0])
		printf("model %s\n", r->model_id);
}

/* --show MODEL: a model file, or a model id, id prefix or name in the
 * catalog. */
static int show_model(train_opts *o)
{
	grym_error err = { 0 }, derr = { 0 };
	grym_model *m;
	char dir[4096];
	int have_dir = grym_cli_catalog_dir(&o->cli, dir, sizeof dir, &derr) == GRYM_OK;
	m = grym_train_load_model(have_dir ? dir : NULL, o->tp.show, &err);
	if (!m && err.code == GRYM_ERR_NOTFOUND && !have_dir) {
		err = derr;
		grym_error_prefix(&err, err.code, "no such file, nor a model in the catalog");
	}
	if (!m) {
		grym_report(&o->cli, o->tp.show, &err);
		return GRYM_EXIT_FAILED;
	}
	if (o->tp.json) {
		json_t *j = grym_train_model_json(m);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(9)) : NULL;
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
	} else {
		char *s = grym_model_describe(m);
		fputs(s ? s : "", stdout);
		free(s);
	}
	grym_model_free(m);
	if (fflush(stdout) != 0) {
		grym_msg(&o->cli, "stdout: write error");
		return GRYM_EXIT_FAILED;
	}
	return GRYM_EXIT_OK;
}

int main(int argc, char **argv)
{
	static train_opts o;    /* what it owns stays reachable until the exit */
	grym_error err = { 0 };
	const grym_option *opts = grym_cli_schema_options(grym_train_schema(), own_options);
	if (!opts || grym_schema_defaults(grym_train_schema(), &o.tp, &err) != GRYM_OK) {
		fprintf(stderr, "grym-train: %s\n", err.msg[0] ? err.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&o.cli, "grym-train", "[OPTION]... [FILE]...",
		      "Train a classifier on feature vectors, cross-validate it and save the model.", opts);
	int first = grym_cli_parse(&o.cli, argc, argv, on_opt, &o);
	if (o.tp.show) {
		if (first < argc)
			grym_usage_error(&o.cli, "--show reads a model: no input files");
		return show_model(&o);
	}
	grym_model_type type = o.tp.ml.type;
	check_applies(&o, type);
	if (o.tp.cv && o.tp.holdout > 0)
		grym_usage_error(&o.cli, "--cv and --holdout exclude each other");
	if (!grym_model_type_supervised(type) && (o.tp.cv || o.tp.holdout > 0 || o.tp.group_by))
		grym_usage_error(&o.cli, "%s is unsupervised: --cv, --holdout and --group-by do not apply",
				 grym_model_type_name(type));
	int nin = argc - first;
	if ((o.tp.label.n || o.tp.split) && !o.tp.features)
		grym_usage_error(&o.cli, "--label and --split select catalog assets: they need --features");
	if (o.tp.features && (nin || o.tp.tsv || o.tp.labels))
		grym_usage_error(&o.cli, "--features reads the catalog: no input files, --tsv or --labels");

	/* the catalog: read with --features (the default one too), the model
	 * stored in it when one is named */
	grym_stage_env env = { 0 };
	grym_train_sink sink = { &o, on_data, on_evaluated, on_done, 0 };
	char dir[4096];
	int use_catalog = o.cli.catalog_dir || getenv("GRYM_CATALOG");
	if ((o.tp.features || use_catalog) && grym_cli_catalog_dir(&o.cli, dir, sizeof dir, &err)) {
		if (o.tp.features) {
			grym_report(&o.cli, "catalog", &err);
			return GRYM_EXIT_FAILED;
		}
		use_catalog = 0;
	}
	sink.read_only = !use_catalog;
	grym_sources *src = NULL;
	if (!o.tp.features) {
		grym_sources_opts so = { 0 };
		so.flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_STREAMS | GRYM_SOURCES_TSV |
			   GRYM_SOURCES_NPY | (o.tp.tsv ? GRYM_SOURCES_TSV_ALL : 0);
		so.null_sep = o.cli.null_sep;
		so.cancel = &grym_cli_cancel;
		src = grym_sources_new(&so, &err);
		if (!src || grym_sources_add_operands(src, nin, argv + first, &err) != GRYM_OK) {
			grym_report(&o.cli, NULL, &err);
			grym_sources_free(src);
			return GRYM_EXIT_FAILED;
		}
	}
	grym_cli_stage_env(&o.ui, &o.cli, "train", &env);
	env.info = on_info;     /* -q and -v as this program always had them */
	env.catalog_dir = o.tp.features || use_catalog ? dir : NULL;
	int rc = grym_stage_train(&env, src, &o.tp, &sink, &err);
	grym_sources_free(src);
	if (o.usage)
		grym_usage_error(&o.cli, "%s", err.msg);
	int status = grym_cli_stage_end(&o.ui, &env, rc, &err);
	if (rc == GRYM_OK && fflush(stdout) != 0) {
		grym_msg(&o.cli, "stdout: write error");
		status = GRYM_EXIT_FAILED;
	}
	return status;
}
