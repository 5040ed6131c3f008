/*
 * grym-train — fit a classifier (or k-means) on feature vectors, score it
 * honestly (stratified or grouped k-fold, holdout, or the manifest's split
 * column), refit on all the data and save a grym-model(5) file.
 *
 * Input: grym vector records (grym-features --summary) on stdin or as
 * files, or a TSV table (a .tsv file or --tsv), or a .npy matrix with
 * --labels FILE, or feature sets stored in the catalog (--features NAME
 * with --label/--split selecting assets). All learning lives in lib/ml; this file reads, calls,
 * and reports.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "grym/sources.h"
#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/io.h"
#include "grym/ml.h"
#include "grym/npy.h"
#include "grym/stream.h"
#include "grym/train_params.h"

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
	grym_ml_params p;       /* the hyper-parameters trained with, made from tp */
	const char *type;       /* the kind's name */
	char *warned[16];       /* convergence warnings said once each */
	int nwarned;
	const char *given[64];  /* the options given, checked against the kind */
	int ngiven;
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

/* A solver's warning (ConvergenceWarning), said once however many
 * folds hit it, unless -q. */
static void warn_once(void *ud, const char *msg)
{
	train_opts *o = ud;
	for (int i = 0; i < o->nwarned; i++)
		if (!strcmp(o->warned[i], msg))
			return;
	if (o->nwarned < 16)
		o->warned[o->nwarned++] = strdup(msg);
	grym_info(&o->cli, "warning: %s", msg);
}

static void warn_data(void *ud, const char *msg)
{
	grym_info(ud, "warning: %s", msg);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* The rate the model records: that of the training features; with mixed
 * rates the most common, said in a warning (grym-infer resamples audio to
 * it, and features at other rates do not describe what it learnt). */
static int train_rate_of(train_opts *o, const grym_rate_tally *t)
{
	int mode = grym_rate_tally_mode(t);
	char list[512] = "";
	size_t len = 0;

	if (t->n <= 1)
		return mode;
	for (int i = 0; i < t->n && len < sizeof list; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%d Hz (%zu)",
					i ? ", " : "", t->rate[i], t->count[i]);
	grym_msg(&o->cli, "warning: training features at mixed sample rates: %s; the model records "
		 "%d Hz, the most common, and grym-infer resamples audio to it "
		 "(grym-features --rate %d makes them all alike)", list, mode, mode);
	return mode;
}

/* Read one input item (grym/sources.h) into *ds. */
static int read_item(train_opts *o, grym_source *it, const grym_ml_read_opts *ro,
		     grym_dataset **ds, json_t **pipeline, grym_error *err)
{
	int rc;
	switch (it->kind) {
	case GRYM_SOURCE_ERROR:
		*err = it->err;
		return err->code ? err->code : GRYM_ERR_INTERNAL;
	case GRYM_SOURCE_FILE:
	case GRYM_SOURCE_AUDIO_IN:
		return grym_error_set(err, GRYM_ERR_FORMAT, "this is audio, not feature records (pipe it "
				      "through grym-features --summary)");
	case GRYM_SOURCE_TSV:
		if (*ds)
			return grym_error_set(err, GRYM_ERR_INVALID, "only one TSV table can be read");
		return grym_dataset_read_tsv(it->in, ro, ds, err);
	case GRYM_SOURCE_STREAM:
		return grym_dataset_read_records(it->reader, ro, ds, pipeline, err);
	case GRYM_SOURCE_NPY:
		break;
	default:
		return grym_error_set(err, GRYM_ERR_FORMAT, "not feature records");
	}
	float *x = NULL;
	int nd;
	uint64_t sh[2];
	rc = grym_npy_read(it->in, &x, &nd, sh, err);
	if (!rc && (*ds || !o->tp.labels))
		rc = grym_error_set(err, GRYM_ERR_INVALID, *ds ? "only one .npy matrix can be read"
						      : "a .npy matrix needs --labels FILE");
	if (!rc && nd != 2)
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "a .npy input must be a 2-D matrix");
	FILE *lf = rc ? NULL : fopen(o->tp.labels, "r");
	if (!rc && !lf)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: cannot open", o->tp.labels);
	if (!rc && !(*ds = grym_dataset_new(sh[1], err)))
		rc = err->code;
	char buf[4096], key[32];
	for (uint64_t i = 0; !rc && i < sh[0]; i++) {
		if (!fgets(buf, sizeof buf, lf)) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "%s has fewer labels than the %llu rows",
					    o->tp.labels, (unsigned long long)sh[0]);
			break;
		}
		buf[strcspn(buf, "\r\n")] = 0;
		snprintf(key, sizeof key, "row%llu", (unsigned long long)i);
		rc = grym_dataset_add(*ds, key, x + i * sh[1], *buf ? buf : NULL, NULL, err);
		if (rc)
			grym_error_prefix(err, rc, "row %llu", (unsigned long long)i);
	}
	if (lf)
		fclose(lf);
	free(x);
	return rc;
}

/* Every input (the operands, else stdin): feature records, a TSV table
 * or a .npy matrix, read through the common input layer. Returns 0, or
 * -1 after reporting the input that failed (training needs them all). */
static int read_inputs(train_opts *o, int n, char **ops, const grym_ml_read_opts *ro,
		       grym_dataset **ds, json_t **pipeline)
{
	grym_sources_opts so = { 0 };
	grym_error err = { 0 };
	grym_source *it;
	int rc, bad;

	so.flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_STREAMS | GRYM_SOURCES_TSV |
		   GRYM_SOURCES_NPY | (o->tp.tsv ? GRYM_SOURCES_TSV_ALL : 0);
	so.null_sep = o->cli.null_sep;
	so.cancel = &grym_cli_cancel;
	grym_sources *src = grym_sources_new(&so, &err);
	bad = !src;
	if (!bad)
		bad = grym_sources_add_operands(src, n, ops, &err) != GRYM_OK;
	if (bad) {
		grym_report(&o->cli, NULL, &err);
		grym_sources_free(src);
		return -1;
	}
	while ((rc = grym_sources_next(src, &it, &err)) == GRYM_OK)
		if (read_item(o, it, ro, ds, pipeline, &err)) {
			grym_report(&o->cli, it->name, &err);
			grym_sources_free(src);
			return -1;
		}
	grym_sources_free(src);
	if (rc != GRYM_ERR_EOF) {
		grym_report(&o->cli, NULL, &err);
		return -1;
	}
	return 0;
}

static int write_folds(train_opts *o, const grym_dataset *ds, const int *fold, int holdout,
		       grym_error *err)
{
	grym_output *out = grym_output_open(o->tp.folds_out, err);
	if (!out)
		return err->code;
	int rc = GRYM_OK;
	for (size_t i = 0; i < ds->n && !rc; i++)
		rc = grym_output_printf(out, err, "%s\t%d\n", ds->keys[i] ? ds->keys[i] : "",
					holdout ? (fold[i] == 0 ? 0 : -1) : fold[i]);
	if (rc) {
		grym_output_abort(out);
		return rc;
	}
	return grym_output_commit(out, err);
}

static void skipped(void *ud, const char *msg)
{
	grym_msg(ud, "%s", msg);
}

/* --features: the dataset from feature sets stored in the catalog. */
static int read_catalog(train_opts *o, const grym_ml_read_opts *ro, grym_dataset **ds,
			json_t **pipeline, size_t *nskipped, grym_error *err)
{
	char dir[4096];
	int rc = grym_cli_catalog_dir(&o->cli, dir, sizeof dir, err);
	if (rc)
		return rc;
	grym_catalog *cat = grym_catalog_open(dir, err);
	if (!cat)
		return err ? err->code : GRYM_ERR_DB;
	grym_ml_catalog_sel sel = { o->tp.features, (const char *const *)o->tp.label.v, o->tp.label.n, o->tp.split };
	rc = grym_dataset_read_catalog(cat, &sel, ro, ds, pipeline, skipped, &o->cli, nskipped, err);
	grym_catalog_close(cat);
	return rc;
}

/* Store the model file and its row in the catalog. */
static int store_model(train_opts *o, const grym_model *m, const grym_dataset *ds,
		       const json_t *pipeline, const json_t *metrics, const unsigned char *buf,
		       size_t len, const char *oof, size_t oof_len, char id[GRYM_ID_LEN + 1],
		       grym_error *err)
{
	char dir[4096];
	int rc = grym_cli_catalog_dir(&o->cli, dir, sizeof dir, err);
	if (rc)
		return rc;
	grym_catalog *cat = grym_catalog_open(dir, err);
	if (!cat)
		return err->code;
	grym_model_row row = { 0 };
	json_t *params = grym_model_params_json(m);
	json_t *training = json_pack("{s:I,s:I,s:O,s:s?,s:s?,s:I}", "items", (json_int_t)ds->n,
				     "dims", (json_int_t)ds->d,
				     "pipeline", pipeline ? (json_t *)pipeline : json_null(),
				     "target", o->tp.target, "group_by", o->tp.group_by,
				     "seed", (json_int_t)o->tp.ml.seed);
	/* the model's own account (class counts, clusters, target) too */
	if (training && grym_model_training(m))
		json_object_update_missing(training, (json_t *)grym_model_training(m));
	/* the out-of-fold predictions: an object beside the model, named in
	 * its training record (gc and merge keep it with the model) */
	char oof_id[GRYM_ID_LEN + 1];
	if (oof && training) {
		if ((rc = grym_store_put(grym_catalog_store(cat), oof, oof_len, oof_id, err))) {
			json_decref(training);
			json_decref(params);
			grym_catalog_close(cat);
			return rc;
		}
		json_object_set_new(training, "predictions", json_string(oof_id));
	}
	row.name = (char *)o->tp.name;
	row.type = (char *)o->type;
	row.params = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	row.training = training ? json_dumps(training, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	row.metrics = metrics ? json_dumps(metrics, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6)) : NULL;
	rc = grym_store_put(grym_catalog_store(cat), buf, len, id, err);
	if (!rc) {
		memcpy(row.id, id, sizeof row.id);
		memcpy(row.object, id, sizeof row.object);
		rc = grym_catalog_put_model(cat, &row, err);
	}
	free(row.params);
	free(row.training);
	free(row.metrics);
	json_decref(params);
	json_decref(training);
	grym_catalog_close(cat);
	return rc;
}

/* --show MODEL: a model file, or a model id, id prefix or name in the
 * catalog. */
static int show_model(train_opts *o)
{
	grym_error err = { 0 };
	grym_model *m = NULL;
	int rc = grym_model_load_file(o->tp.show, &m, &err);
	if (rc == GRYM_ERR_NOTFOUND) {
		char dir[4096];
		grym_catalog *cat = NULL;
		grym_model_row row = { 0 };
		void *buf = NULL;
		size_t len = 0;
		grym_error e2 = { 0 };
		if (grym_cli_catalog_dir(&o->cli, dir, sizeof dir, &e2) == GRYM_OK &&
		    (cat = grym_catalog_open(dir, &e2)) &&
		    grym_catalog_get_model(cat, o->tp.show, &row, &e2) == GRYM_OK) {
			/* the model's bytes are always hashed: a damaged
			 * object is named, not loaded */
			if (grym_catalog_model_bytes(cat, &row, &buf, &len, &err) == GRYM_OK)
				rc = grym_model_load(buf, len, &m, &err);
		} else {
			err = e2;
			grym_error_prefix(&err, err.code, "no such file, nor a model in the catalog");
		}
		free(buf);
		grym_model_row_clear(&row);
		grym_catalog_close(cat);
	}
	if (!m) {
		grym_report(&o->cli, o->tp.show, &err);
		return GRYM_EXIT_FAILED;
	}
	if (o->tp.json) {
		json_t *j = json_pack("{s:s,s:I,s:o,s:o,s:O,s:O,s:O}", "type",
				      grym_model_type_name(grym_model_type_of(m)),
				      "dims", (json_int_t)grym_model_dims(m), "labels", json_array(),
				      "params", grym_model_params_json(m),
				      "training", grym_model_training(m) ? (json_t *)grym_model_training(m) : json_null(),
				      "metrics", grym_model_metrics(m) ? (json_t *)grym_model_metrics(m) : json_null(),
				      "pipeline", grym_model_pipeline(m) ? (json_t *)grym_model_pipeline(m) : json_null());
		for (size_t c = 0; j && c < grym_model_nclasses(m); c++)
			json_array_append_new(json_object_get(j, "labels"), json_string(grym_model_label(m, c)));
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
	grym_error e0 = { 0 };
	const grym_option *opts = grym_cli_schema_options(grym_train_schema(), own_options);
	if (!opts || grym_schema_defaults(grym_train_schema(), &o.tp, &e0) != GRYM_OK) {
		fprintf(stderr, "grym-train: %s\n", e0.msg[0] ? e0.msg : "out of memory");
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
	o.type = grym_model_type_name(type);
	check_applies(&o, type);
	/* the kind's defaults, and the hyper-parameters given over them */
	grym_train_params_ml(&o.tp, &o.p);
	o.p.warn = warn_once;
	o.p.warn_ud = &o;
	if (o.tp.cv && o.tp.holdout > 0)
		grym_usage_error(&o.cli, "--cv and --holdout exclude each other");
	int sup = grym_model_type_supervised(type);
	if (!sup && (o.tp.cv || o.tp.holdout > 0 || o.tp.group_by))
		grym_usage_error(&o.cli, "%s is unsupervised: --cv, --holdout and --group-by do not apply",
				 grym_model_type_name(type));

	grym_error err = { 0 };
	grym_rate_tally rates;
	memset(&rates, 0, sizeof rates);
	grym_ml_read_opts ro = { o.tp.target, o.tp.group_by, sup, &rates };
	grym_dataset *ds = NULL;
	json_t *pipeline = NULL;
	int nin = argc - first;
	size_t nskipped = 0;
	if ((o.tp.label.n || o.tp.split) && !o.tp.features)
		grym_usage_error(&o.cli, "--label and --split select catalog assets: they need --features");
	if (o.tp.features && (nin || o.tp.tsv || o.tp.labels))
		grym_usage_error(&o.cli, "--features reads the catalog: no input files, --tsv or --labels");
	if (o.tp.features && read_catalog(&o, &ro, &ds, &pipeline, &nskipped, &err)) {
		grym_report(&o.cli, "catalog", &err);
		grym_dataset_free(ds);
		json_decref(pipeline);
		return GRYM_EXIT_FAILED;
	}
	if (!o.tp.features && read_inputs(&o, nin, argv + first, &ro, &ds, &pipeline)) {
		grym_dataset_free(ds);
		json_decref(pipeline);
		return GRYM_EXIT_FAILED;
	}
	if (!ds || ds->n == 0) {
		grym_msg(&o.cli, "no feature vectors in the input");
		grym_dataset_free(ds);
		json_decref(pipeline);
		return GRYM_EXIT_FAILED;
	}
	/* every item once, under one label */
	if (grym_dataset_resolve(ds, sup ? (grym_conflict)o.tp.on_conflict : GRYM_CONFLICT_IGNORE, warn_data, &o.cli,
				 &err)) {
		grym_report(&o.cli, "training data", &err);
		grym_dataset_free(ds);
		json_decref(pipeline);
		return GRYM_EXIT_FAILED;
	}
	if (ds->n == 0) {
		grym_msg(&o.cli, "no feature vectors left to train on");
		grym_dataset_free(ds);
		json_decref(pipeline);
		return GRYM_EXIT_FAILED;
	}
	grym_dataset_finish(ds, &err);
	int train_rate = train_rate_of(&o, &rates);
	if (o.cli.verbose > 0) {
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
			grym_verbose(&o.cli, "%s%s", s, ds->names ? "" : " unnamed");
			free(s);
		}
	}
	/* the windows of one clip (grym-features --segment) never straddle a
	 * split: grouped by their asset unless --group-by says otherwise */
	const char *group_by = o.tp.group_by;
	if (group_by && (o.tp.cv || o.tp.holdout > 0) && grym_dataset_check_groups(ds, group_by, &err)) {
		grym_report(&o.cli, "training data", &err);
		grym_dataset_free(ds);
		json_decref(pipeline);
		return GRYM_EXIT_FAILED;
	}
	if (!group_by && sup && (o.tp.cv || o.tp.holdout > 0)) {
		int ng = grym_dataset_group_by_item(ds, &err);
		if (ng < 0) {
			grym_report(&o.cli, "training data", &err);
			grym_dataset_free(ds);
			json_decref(pipeline);
			return GRYM_EXIT_FAILED;
		}
		if (ng > 0) {
			group_by = "asset";
			grym_verbose(&o.cli, "%zu records of %d assets: grouped by asset, so that the windows "
				     "of one clip stay on one side of every split (--group-by FIELD for a "
				     "coarser grouping)", ds->n, ng);
		}
	}

	int status = GRYM_EXIT_OK;
	grym_progress_slot slot = { NULL, 0 };   /* the bar, once training starts */
	int *fold = NULL, *pred = NULL, ntest = 0, holdout = 0;
	float *proba = NULL;
	char *oof = NULL;
	size_t oof_len = 0;
	const char *how = NULL;
	json_t *metrics = NULL;
	grym_model *m = NULL;
	fold = malloc(ds->n * sizeof *fold);
	pred = malloc(ds->n * sizeof *pred);
	if (!fold || !pred) {
		grym_msg(&o.cli, "out of memory");
		status = GRYM_EXIT_FAILED;
		goto out;
	}
	int rc = GRYM_OK;
	if (o.tp.cv) {
		how = group_by ? "grouped-cv" : "cv";
		ntest = (int)o.tp.cv;
		rc = group_by ? grym_folds_grouped(ds, ntest, o.tp.ml.seed, fold, &err)
				: grym_folds_stratified(ds, ntest, o.tp.ml.seed, fold, &err);
	} else if (o.tp.holdout > 0) {
		how = "holdout";
		ntest = 1;
		holdout = 1;
		rc = grym_folds_holdout(ds, o.tp.holdout, o.tp.ml.seed, fold, &err);
	} else if (sup && ds->split) {
		how = "split";
		ntest = 1;
		holdout = 1;
		size_t nt = 0;
		for (size_t i = 0; i < ds->n; i++) {
			fold[i] = ds->split[i] == 0 ? 0 : 1;
			nt += fold[i] == 0;
		}
		if (nt == 0 || nt == ds->n)
			rc = grym_error_set(&err, GRYM_ERR_INVALID, "the split column puts %s items in the test set",
					    nt ? "all" : "no");
	}
	if (!rc && how && !(proba = malloc(ds->n * ds->nlabels * sizeof *proba)))
		rc = grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
	/* The bar: the folds, then the final fit, each an equal share; the
	 * solvers say where they are within ("fold 2/5: epoch 31/200"). A
	 * signal stops them within a mini-batch or an iteration (liblinear
	 * and libsvm only between folds). */
	slot.p = grym_progress_new(&o.cli, "train", 1);
	grym_progress_span span = { grym_progress_cb, &slot, 0, 1, "" };
	o.p.cancel = &grym_cli_cancel;
	if (slot.p) {
		o.p.progress = grym_progress_span_fn;
		o.p.progress_ud = &span;
	}
	if (!rc && how) {
		span.hi = (double)ntest / (ntest + 1);
		rc = grym_ml_cross_validate_proba(&o.p, ds, fold, ntest, pred, proba, &err);
	}
	if (how) {
		span.lo = span.hi;
		span.hi = 1;
		snprintf(span.prefix, sizeof span.prefix, "final model: ");
	}
	if (!rc && grym_cli_cancel)   /* just after the last fold: print nothing */
		rc = grym_error_set(&err, GRYM_ERR_CANCELLED, "interrupted");
	if (rc) {
		grym_report(&o.cli, "training data", &err);
		status = GRYM_EXIT_FAILED;
		goto out;
	}
	if (how) {
		grym_metrics mt = { 0 };
		if (grym_metrics_compute(&mt, ds->y, pred, ds->n, ds->nlabels, &err)) {
			grym_report(&o.cli, NULL, &err);
			status = GRYM_EXIT_FAILED;
			goto out;
		}
		metrics = grym_metrics_json(&mt, (const char *const *)ds->labels);
		json_object_set_new(metrics, "evaluation", json_string(how));
		if (ntest > 1)
			json_object_set_new(metrics, "folds", json_integer(ntest));
		if (group_by)
			json_object_set_new(metrics, "group_by", json_string(group_by));
		/* the share of the items actually tested: whole groups and
		 * per-class rounding rarely give exactly the fraction asked for */
		double reached = 0;
		if (holdout) {
			size_t nt = 0;
			for (size_t i = 0; i < ds->n; i++)
				nt += fold[i] == 0;
			reached = (double)nt / (double)ds->n;
			if (o.tp.holdout > 0)
				json_object_set_new(metrics, "holdout", json_real(o.tp.holdout));
			json_object_set_new(metrics, "test_fraction", json_real(round(reached * 1e6) / 1e6));
		}
		if (!o.tp.json) {
			char *t = grym_metrics_table(&mt, (const char *const *)ds->labels);
			grym_progress_clear(slot.p);   /* the table may go to its terminal */
			if (ntest > 1)
				printf("%s, %d-fold cross-validation%s%s: %zu items, %zu classes\n\n", o.type,
				       ntest, group_by ? " grouped by " : "", group_by ? group_by : "",
				       ds->n, ds->nlabels);
			else if (o.tp.holdout > 0)
				printf("%s, holdout %g%s%s: %.4f of the %zu items tested, %zu classes\n\n", o.type,
				       o.tp.holdout, group_by ? " grouped by " : "", group_by ? group_by : "",
				       reached, ds->n, ds->nlabels);
			else
				printf("%s, split column: %zu items (%.4f tested), %zu classes\n\n", o.type,
				       ds->n, reached, ds->nlabels);
			fputs(t ? t : "", stdout);
			free(t);
		}
		grym_metrics_clear(&mt);
		if (o.tp.folds_out && write_folds(&o, ds, fold, holdout, &err)) {
			grym_report(&o.cli, o.tp.folds_out, &err);
			status = GRYM_EXIT_FAILED;
			goto out;
		}
		if (!(oof = grym_predictions_tsv(ds, fold, pred, proba, &oof_len))) {
			grym_msg(&o.cli, "out of memory");
			status = GRYM_EXIT_FAILED;
			goto out;
		}
		if (o.tp.predictions) {
			grym_output *po = grym_output_open(o.tp.predictions, &err);
			int prc = po ? grym_output_write(po, oof, oof_len, &err) : err.code;
			if (po && prc)
				grym_output_abort(po);
			else if (po)
				prc = grym_output_commit(po, &err);
			if (prc) {
				grym_report(&o.cli, o.tp.predictions, &err);
				status = GRYM_EXIT_FAILED;
				goto out;
			}
		}
	} else if (o.tp.folds_out || o.tp.predictions) {
		grym_usage_error(&o.cli, o.tp.folds_out ? "--folds-out needs --cv, --holdout or a split column"
						     : "--predictions needs --cv, --holdout or a split column");
	}
	/* the saved model: refit on all the data */
	/* the label field: --target, "label" for a table, else the items'
	 * single label (null) */
	const char *target = o.tp.target ? o.tp.target : (o.tp.tsv || (nin && ends_with(argv[first], ".tsv"))) && sup
		? "label" : NULL;
	rc = grym_model_train(&o.p, ds, NULL, 0, &m, &err);
	if (rc == GRYM_OK)
		grym_progress_update(slot.p, 1);
	grym_progress_finish(slot.p);
	slot.p = NULL;
	if (rc || grym_model_set_info(m, pipeline, metrics, &err) ||
	    (sup && grym_model_set_source(m, target, group_by, &err))) {
		grym_report(&o.cli, "training data", &err);
		status = GRYM_EXIT_FAILED;
		goto out;
	}
	grym_model_set_rate(m, train_rate);
	if (grym_cli_cancel) {
		/* a signal just after the last fit: still nothing written */
		status = GRYM_EXIT_FAILED;
		goto out;
	}
	/* the model file: to -o and, when a catalog is in use, into it */
	unsigned char *buf = NULL;
	size_t len = 0;
	char model_id[GRYM_ID_LEN + 1] = "";
	int use_catalog = o.cli.catalog_dir || getenv("GRYM_CATALOG");
	if (grym_model_save(m, &buf, &len, &err)) {
		grym_report(&o.cli, "model", &err);
		status = GRYM_EXIT_FAILED;
		goto out;
	}
	if (o.tp.output) {
		grym_output *mo = grym_output_open(o.tp.output, &err);
		rc = mo ? GRYM_OK : err.code;
		if (!rc && grym_output_write(mo, buf, len, &err)) {
			grym_output_abort(mo);
			rc = err.code;
		} else if (!rc) {
			rc = grym_output_commit(mo, &err);
		}
		if (rc) {
			grym_report(&o.cli, o.tp.output, &err);
			status = GRYM_EXIT_FAILED;
		}
	}
	if (status == GRYM_EXIT_OK && use_catalog) {
		if (store_model(&o, m, ds, pipeline, metrics, buf, len, oof, oof_len, model_id, &err)) {
			grym_report(&o.cli, "catalog", &err);
			status = GRYM_EXIT_FAILED;
			model_id[0] = 0;
		} else {
			grym_verbose(&o.cli, "model %s stored in the catalog", model_id);
		}
	}
	free(buf);
	if (!o.tp.output && !model_id[0])
		grym_verbose(&o.cli, "no -o FILE and no catalog: the model is not saved");
	if (o.tp.json) {
		json_t *rep = metrics ? json_deep_copy(metrics) : json_object();
		json_object_set_new(rep, "model", json_string(o.type));
		json_object_set_new(rep, "items", json_integer((json_int_t)ds->n));
		json_object_set_new(rep, "dims", json_integer((json_int_t)ds->d));
		json_object_set_new(rep, "seed", json_integer((json_int_t)o.tp.ml.seed));
		if (!metrics) {
			json_t *lab = json_array();
			for (size_t c = 0; c < grym_model_nclasses(m); c++)
				json_array_append_new(lab, json_string(grym_model_label(m, c)));
			json_object_set_new(rep, "labels", lab);
		}
		if (o.tp.output)
			json_object_set_new(rep, "output", json_string(o.tp.output));
		if (model_id[0])
			json_object_set_new(rep, "model_id", json_string(model_id));
		char *s = json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(rep);
	} else if (!how) {
		printf("%s: %zu items, %zu dims, %zu %s (not evaluated: use --cv or --holdout)\n", o.type,
		       ds->n, ds->d, grym_model_nclasses(m), sup ? "classes" : "clusters");
	}
	if (!o.tp.json && model_id[0])
		printf("model %s\n", model_id);
	if (fflush(stdout) != 0) {
		grym_msg(&o.cli, "stdout: write error");
		status = GRYM_EXIT_FAILED;
	}
out:
	grym_progress_finish(slot.p);
	grym_model_free(m);
	json_decref(metrics);
	json_decref(pipeline);
	free(fold);
	free(pred);
	free(proba);
	free(oof);
	grym_dataset_free(ds);
	for (int i = 0; i < o.nwarned; i++)
		free(o.warned[i]);
	return nskipped ? GRYM_EXIT_FAILED : status;
}
