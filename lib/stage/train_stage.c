/*
 * train_stage.c — grym_stage_train (grym/stage_train.h): the training
 * set read, made honest (every item once, one label, the windows of a
 * clip kept in one fold), scored, refitted on all of it, and put where
 * the parameters say. All learning is lib/ml's; this is the order of the
 * steps and what each tells the caller.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/hash.h"
#include "grym/io.h"
#include "train_int.h"

/* Everything one run owns, freed in one place. */
typedef struct train_run {
	grym_stage_env *env;
	const grym_train_params *tp;
	grym_ml_params p;               /* the hyper-parameters trained with */
	grym_dataset *ds;
	json_t *pipeline, *metrics;
	int *fold, *pred;
	float *proba;
	char *oof;                      /* the out-of-fold predictions, TSV */
	size_t oof_len;
	grym_model *m;
	unsigned char *buf;             /* the model file */
	size_t len;
	char *warned[16];               /* solver warnings said so far */
	int nwarned;
	grym_progress_span span;
} train_run;

/* A line for the user, however long (data warnings name items and files). */
static void say(const grym_stage_env *env, int level, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	if (!env->info)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		env->info(env->ud, level, NULL, s);
		free(s);
	}
}

/* A solver's warning (ConvergenceWarning), said once however many folds
 * hit it. */
static void warn_once(void *ud, const char *msg)
{
	train_run *r = ud;
	for (int i = 0; i < r->nwarned; i++)
		if (!strcmp(r->warned[i], msg))
			return;
	if (r->nwarned < 16 && (r->warned[r->nwarned] = strdup(msg)))
		r->nwarned++;
	say(r->env, 0, "warning: %s", msg);
}

static void warn_data(void *ud, const char *msg)
{
	say(ud, 0, "warning: %s", msg);
}

/* lib/ml's fractions of the whole run, as the stage's progress (one unit). */
static void progress_fn(void *ud, double fraction, const char *msg)
{
	grym_stage_progress(ud, fraction, 1, msg);
}

/* The parameters that do not go together (a program says so before
 * reading anything). */
static int check_params(const grym_train_params *tp, const grym_stage_env *env,
			const grym_sources *src, grym_error *err)
{
	const char *kind = grym_model_type_name(tp->ml.type);
	if (tp->cv && tp->holdout > 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "--cv and --holdout exclude each other");
	if (!grym_model_type_supervised(tp->ml.type) && (tp->cv || tp->holdout > 0 || tp->group_by))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "%s is unsupervised: --cv, --holdout and --group-by do not apply", kind);
	if ((tp->label.n || tp->split) && !tp->features)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "--label and --split select catalog assets: they need --features");
	if (tp->features && (src || tp->tsv || tp->labels))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "--features reads the catalog: no input files, --tsv or --labels");
	if (tp->features && !env->catalog_dir)
		return grym_error_set(err, GRYM_ERR_INVALID, "--features reads the catalog: no catalog given");
	if (!tp->features && !src)
		return grym_error_set(err, GRYM_ERR_INVALID, "no input to train on");
	return GRYM_OK;
}

/* The training set, every item once under one label, and the grouping
 * that keeps the windows of one clip (grym-features --segment) on one
 * side of every split: by their asset unless --group-by says otherwise. */
static int prepare(train_run *r, grym_sources *src, const grym_train_sink *sink,
		   grym_train_result *res, int *tsv, grym_error *err)
{
	const grym_train_params *tp = r->tp;
	int sup = res->supervised, rc;
	grym_rate_tally rates;
	memset(&rates, 0, sizeof rates);
	grym_ml_read_opts ro = { tp->target, tp->group_by, sup, &rates };
	rc = grym__train_read(r->env, src, tp, &ro, &r->ds, &r->pipeline, tsv, err);
	if (!rc && grym_cancelled(r->env->cancel))   /* before the sink hears of it */
		rc = grym_error_cancelled(err);
	if (!rc && (!r->ds || r->ds->n == 0))
		rc = grym_error_set(err, GRYM_ERR_INVALID, "no feature vectors in the input");
	if (!rc && (rc = grym_dataset_resolve(r->ds, sup ? (grym_conflict)tp->on_conflict : GRYM_CONFLICT_IGNORE,
					      warn_data, r->env, err)))
		grym__train_named(err, rc, "training data");
	if (!rc && r->ds->n == 0)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "no feature vectors left to train on");
	if (rc)
		return rc;
	grym_error scratch = { 0 };
	grym_dataset_finish(r->ds, &scratch);
	res->ds = r->ds;
	res->rates = &rates;
	res->rate = grym_rate_tally_mode(&rates);
	res->evaluate = tp->cv || tp->holdout > 0 || (sup && r->ds->split);
	rc = sink && sink->data ? sink->data(sink->ud, res, err) : GRYM_OK;
	res->rates = NULL;      /* the tally was this call's */
	if (rc)
		return rc;
	if (!res->evaluate && (tp->folds_out || tp->predictions))
		return grym_error_set(err, GRYM_ERR_INVALID, tp->folds_out
				      ? "--folds-out needs --cv, --holdout or a split column"
				      : "--predictions needs --cv, --holdout or a split column");
	const char *group_by = tp->group_by;
	int split = tp->cv || tp->holdout > 0;
	if (group_by && split && (rc = grym_dataset_check_groups(r->ds, group_by, err)))
		return grym__train_named(err, rc, "training data");
	if (!group_by && sup && split) {
		int ng = grym_dataset_group_by_item(r->ds, err);
		if (ng < 0)
			return grym__train_named(err, ng, "training data");
		if (ng > 0) {
			group_by = "asset";
			say(r->env, 1, "%zu records of %d assets: grouped by asset, so that the windows "
			    "of one clip stay on one side of every split (--group-by FIELD for a "
			    "coarser grouping)", r->ds->n, ng);
		}
	}
	res->group_by = group_by;
	return GRYM_OK;
}

/* The folds of the evaluation and the predictions made in them
 * (res->evaluation NULL: none). */
static int cross_validate(train_run *r, grym_train_result *res, grym_error *err)
{
	const grym_train_params *tp = r->tp;
	grym_dataset *ds = r->ds;
	int rc = GRYM_OK;
	if (!(r->fold = malloc(ds->n * sizeof *r->fold)) || !(r->pred = malloc(ds->n * sizeof *r->pred)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (tp->cv) {
		res->evaluation = res->group_by ? "grouped-cv" : "cv";
		res->folds = tp->cv;
		rc = res->group_by ? grym_folds_grouped(ds, res->folds, tp->ml.seed, r->fold, err)
				   : grym_folds_stratified(ds, res->folds, tp->ml.seed, r->fold, err);
	} else if (tp->holdout > 0) {
		res->evaluation = "holdout";
		res->folds = 1;
		rc = grym_folds_holdout(ds, tp->holdout, tp->ml.seed, r->fold, err);
	} else if (res->evaluate) {
		res->evaluation = "split";
		res->folds = 1;
		size_t nt = 0;
		for (size_t i = 0; i < ds->n; i++) {
			r->fold[i] = ds->split[i] == 0 ? 0 : 1;
			nt += r->fold[i] == 0;
		}
		if (nt == 0 || nt == ds->n)
			rc = grym_error_set(err, GRYM_ERR_INVALID, "the split column puts %s items in the test set",
					    nt ? "all" : "no");
	}
	if (!rc && res->evaluation && !(r->proba = malloc(ds->n * ds->nlabels * sizeof *r->proba)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	/* the folds, then the final fit, each an equal share; the solvers
	 * say where they are within ("fold 2/5: epoch 31/200") */
	if (!rc && res->evaluation) {
		r->span.hi = (double)res->folds / (res->folds + 1);
		rc = grym_ml_cross_validate_proba(&r->p, ds, r->fold, res->folds, r->pred, r->proba, err);
	}
	if (res->evaluation) {
		r->span.lo = r->span.hi;
		r->span.hi = 1;
		snprintf(r->span.prefix, sizeof r->span.prefix, "final model: ");
	}
	if (rc == GRYM_ERR_CANCELLED || grym_cancelled(r->env->cancel))
		return grym_error_cancelled(err);
	return rc ? grym__train_named(err, rc, "training data") : GRYM_OK;
}

/* The scores of the folds' predictions, to the sink and the files of
 * the evaluation. */
static int score(train_run *r, const grym_train_sink *sink, grym_train_result *res,
		 grym_error *err)
{
	const grym_train_params *tp = r->tp;
	grym_dataset *ds = r->ds;
	grym_metrics mt = { 0 };
	int rc = grym_metrics_compute(&mt, ds->y, r->pred, ds->n, ds->nlabels, err);
	if (rc)
		return rc;
	r->metrics = grym_metrics_json(&mt, (const char *const *)ds->labels);
	json_object_set_new(r->metrics, "evaluation", json_string(res->evaluation));
	if (res->folds > 1)
		json_object_set_new(r->metrics, "folds", json_integer(res->folds));
	if (res->group_by)
		json_object_set_new(r->metrics, "group_by", json_string(res->group_by));
	/* the share of the items actually tested: whole groups and per-class
	 * rounding rarely give exactly the fraction asked for */
	if (res->folds == 1) {
		size_t nt = 0;
		for (size_t i = 0; i < ds->n; i++)
			nt += r->fold[i] == 0;
		res->tested = (double)nt / (double)ds->n;
		if (tp->holdout > 0)
			json_object_set_new(r->metrics, "holdout", json_real(tp->holdout));
		json_object_set_new(r->metrics, "test_fraction", json_real(round(res->tested * 1e6) / 1e6));
	}
	char *table = grym_metrics_table(&mt, (const char *const *)ds->labels);
	grym_metrics_clear(&mt);
	res->metrics = r->metrics;
	res->table = table;
	if (sink && sink->evaluated)
		sink->evaluated(sink->ud, res);
	res->table = NULL;
	free(table);
	if (tp->folds_out) {
		/* each item's fold; for a holdout or split 0 tested, -1 trained on */
		size_t cap = 64, len = 0;
		for (size_t i = 0; i < ds->n; i++)
			cap += (ds->keys[i] ? strlen(ds->keys[i]) : 0) + 16;
		char *s = malloc(cap);
		if (!s)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < ds->n; i++)
			len += (size_t)snprintf(s + len, cap - len, "%s\t%d\n", ds->keys[i] ? ds->keys[i] : "",
						res->folds == 1 ? (r->fold[i] == 0 ? 0 : -1) : r->fold[i]);
		rc = grym__train_write_file(tp->folds_out, s, len, err);
		free(s);
		if (rc)
			return grym__train_named(err, rc, tp->folds_out);
	}
	if (!(r->oof = grym_predictions_tsv(ds, r->fold, r->pred, r->proba, &r->oof_len)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (tp->predictions && (rc = grym__train_write_file(tp->predictions, r->oof, r->oof_len, err)))
		return grym__train_named(err, rc, tp->predictions);
	return GRYM_OK;
}

/* The model refitted on all the data, described and saved. */
static int fit(train_run *r, const grym_train_result *res, int tsv, grym_error *err)
{
	const grym_train_params *tp = r->tp;
	/* the label field: --target, "label" for a table, else the items'
	 * single label (null) */
	const char *target = tp->target ? tp->target : tsv && res->supervised ? "label" : NULL;
	/* the status (a cancel is passed on as it is) also when the caller
	 * wants no message */
	grym_error e = { 0 }, *te = err ? err : &e;
	int rc = (r->m = grym_model_train(&r->p, r->ds, NULL, 0, te)) ? GRYM_OK : te->code;
	if (rc == GRYM_OK)
		grym_stage_progress(r->env, 1, 1, NULL);
	if (!rc)
		rc = grym_model_set_info(r->m, r->pipeline, r->metrics, err);
	if (!rc && res->supervised)
		rc = grym_model_set_source(r->m, target, res->group_by, err);
	if (rc == GRYM_ERR_CANCELLED)
		return rc;
	if (rc)
		return grym__train_named(err, rc, "training data");
	grym_model_set_rate(r->m, res->rate);
	/* a cancel just after the last fit: still nothing written */
	if (grym_cancelled(r->env->cancel))
		return grym_error_cancelled(err);
	if ((rc = grym_model_save(r->m, &r->buf, &r->len, err)))
		return grym__train_named(err, rc, "model");
	return GRYM_OK;
}

/* The model to -o and into the catalog: a failure of either is reported
 * as that output's and the run still reports its model. */
static void put(train_run *r, const grym_train_sink *sink, char *id)
{
	const grym_train_params *tp = r->tp;
	grym_error e = { 0 };
	int rc = GRYM_OK;
	id[0] = 0;
	if (tp->output && (rc = grym__train_write_file(tp->output, r->buf, r->len, &e))) {
		grym__train_named(&e, rc, NULL);
		grym_stage_fail(r->env, tp->output, &e);
	}
	if (!rc && r->env->catalog_dir && !(sink && sink->read_only)) {
		rc = grym__train_store(r->env->catalog_dir, tp, r->m, r->ds, r->pipeline, r->metrics,
				       r->buf, r->len, r->oof, r->oof_len, id, &e);
		if (rc) {
			grym__train_named(&e, rc, NULL);
			grym_stage_fail(r->env, "catalog", &e);
			id[0] = 0;
		} else {
			say(r->env, 1, "model %s stored in the catalog", id);
		}
	}
	if (!tp->output && !id[0])
		say(r->env, 1, "no -o FILE and no catalog: the model is not saved");
}

int grym_stage_train(grym_stage_env *env, grym_sources *src, const grym_train_params *tp,
		     const grym_train_sink *sink, grym_error *err)
{
	train_run r;
	grym_train_result res;
	char id[GRYM_ID_LEN + 1] = "";
	int tsv = 0, rc;

	memset(&r, 0, sizeof r);
	memset(&res, 0, sizeof res);
	env->ninputs = env->nfailed = 0;
	if ((rc = check_params(tp, env, src, err)))
		return rc;
	r.env = env;
	r.tp = tp;
	res.kind = grym_model_type_name(tp->ml.type);
	res.supervised = grym_model_type_supervised(tp->ml.type);
	/* the kind's defaults, and the hyper-parameters given over them */
	grym_train_params_ml(tp, &r.p);
	r.p.warn = warn_once;
	r.p.warn_ud = &r;
	r.p.cancel = env->cancel;
	r.span = (grym_progress_span){ progress_fn, env, 0, 1, "" };
	r.p.progress = grym_progress_span_fn;
	r.p.progress_ud = &r.span;

	if (!(rc = prepare(&r, src, sink, &res, &tsv, err)) && !(rc = cross_validate(&r, &res, err)) &&
	    !(res.evaluation && (rc = score(&r, sink, &res, err))) && !(rc = fit(&r, &res, tsv, err))) {
		put(&r, sink, id);
		res.model = r.m;
		res.bytes = r.buf;
		res.len = r.len;
		res.model_id = id;
		if (sink && sink->done)
			sink->done(sink->ud, &res);
	}
	grym_model_free(r.m);
	free(r.buf);
	json_decref(r.metrics);
	json_decref(r.pipeline);
	free(r.fold);
	free(r.pred);
	free(r.proba);
	free(r.oof);
	grym_dataset_free(r.ds);
	for (int i = 0; i < r.nwarned; i++)
		free(r.warned[i]);
	return rc;
}
