/*
 * test_stage_train.c — grym_stage_train called as a server would call it:
 * on a separable toy table it trains, scores (--cv 2) and stores a model
 * that the sink gets and that predicts every training label; the sink's
 * callbacks come in order and progress ends at the whole; a cancel flag
 * set beforehand returns GRYM_ERR_CANCELLED leaving no model row, no
 * object and no -o file; parameters that do not go together, an empty
 * table and no input at all are errors with a message.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grym/catalog.h"
#include "grym/sources.h"
#include "grym/stage_train.h"
#include "tap.h"

typedef struct seen {
	int data, evaluated, done;      /* the order each came in (0: never) */
	int calls;
	size_t items, dims;
	int right;                      /* training rows predicted as labelled */
	double accuracy;
	char evaluation[32];
	char model_id[GRYM_ID_LEN + 1];
	double last_progress;
	uint64_t total;
} seen;

static int on_data(void *ud, const grym_train_result *r, grym_error *err)
{
	seen *s = ud;
	s->data = ++s->calls;
	s->items = r->ds->n;
	s->dims = r->ds->d;
	return GRYM_OK;
}

static void on_evaluated(void *ud, const grym_train_result *r)
{
	seen *s = ud;
	s->evaluated = ++s->calls;
	snprintf(s->evaluation, sizeof s->evaluation, "%s", r->evaluation ? r->evaluation : "");
	s->accuracy = json_real_value(json_object_get(r->metrics, "accuracy"));
}

static void on_done(void *ud, const grym_train_result *r)
{
	seen *s = ud;
	const grym_dataset *ds = r->ds;
	int *pred = calloc(ds->n, sizeof *pred);
	s->done = ++s->calls;
	snprintf(s->model_id, sizeof s->model_id, "%s", r->model_id);
	if (pred && grym_model_predict(r->model, ds->x, ds->n, NULL, pred, NULL) == GRYM_OK)
		for (size_t i = 0; i < ds->n; i++)
			s->right += !strcmp(grym_model_label(r->model, (size_t)pred[i]), ds->labels[ds->y[i]]);
	free(pred);
}

static void on_progress(void *ud, double done, uint64_t total, const char *msg)
{
	seen *s = ud;
	s->last_progress = done;
	s->total = total;
}

/* A table of 20 rows: "low" near (0, 0), "high" near (5, 5). */
static void write_toy(const char *path, int rows)
{
	FILE *f = fopen(path, "w");
	fprintf(f, "key\tx\ty\tlabel\n");
	for (int i = 0; i < rows; i++) {
		int hi = i % 2;
		fprintf(f, "r%d\t%g\t%g\t%s\n", i, hi * 5 + (i % 5) * 0.1, hi * 5 - (i % 3) * 0.1,
			hi ? "high" : "low");
	}
	fclose(f);
}

static grym_sources *sources_of(const char *path)
{
	grym_sources_opts so = { 0 };
	so.flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_STREAMS | GRYM_SOURCES_TSV;
	grym_sources *src = grym_sources_new(&so, NULL);
	if (src && grym_sources_add(src, path, NULL) != GRYM_OK) {
		grym_sources_free(src);
		return NULL;
	}
	return src;
}

static int run(grym_stage_env *env, const char *table, grym_train_params *tp, seen *s,
	       grym_error *err)
{
	grym_train_sink sink = { s, on_data, on_evaluated, on_done, 0 };
	grym_sources *src = table ? sources_of(table) : NULL;
	memset(s, 0, sizeof *s);
	grym_error_clear(err);
	env->progress = on_progress;
	env->ud = s;
	int rc = grym_stage_train(env, src, tp, &sink, err);
	grym_sources_free(src);
	return rc;
}

static grym_catalog_stats stats_of(const char *dir)
{
	grym_catalog_stats st;
	memset(&st, 0xff, sizeof st);
	grym_catalog *cat = grym_catalog_open(dir, NULL);
	if (cat)
		grym_catalog_stats_get(cat, &st, NULL);
	grym_catalog_close(cat);
	return st;
}

int main(void)
{
	char dir[4096], table[4096], empty[4096], out[4096];
	grym_train_params tp;
	grym_error err = { 0 };
	seen s;
	struct stat sb;

	tap_plan(24);
	snprintf(dir, sizeof dir, "%s/catalog", tap_tmpdir());
	snprintf(table, sizeof table, "%s/toy.tsv", tap_tmpdir());
	snprintf(empty, sizeof empty, "%s/empty.tsv", tap_tmpdir());
	snprintf(out, sizeof out, "%s/m.model", tap_tmpdir());
	write_toy(table, 20);
	write_toy(empty, 0);
	if (grym_schema_defaults(grym_train_schema(), &tp, &err) != GRYM_OK)
		return tap_done();
	tp.ml.type = GRYM_MODEL_LOGREG;
	tp.output = out;

	/* cancelled before it starts: nothing read into a model, nothing kept */
	volatile sig_atomic_t stop = 1;
	grym_stage_env env = { .catalog_dir = dir, .cancel = &stop };
	int rc = run(&env, table, &tp, &s, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "a cancel flag set beforehand: GRYM_ERR_CANCELLED");
	TAP_OK(s.data == 0 && s.done == 0, "cancelled: the sink hears nothing");
	TAP_OK(stat(out, &sb) != 0, "cancelled: no -o file");
	grym_catalog_stats st = stats_of(dir);
	TAP_EQ_INT(st.models, 0, "cancelled: no model row");
	TAP_EQ_INT(st.objects, 0, "cancelled: no object");

	/* trained, scored and stored */
	stop = 0;
	tp.cv = 2;
	rc = run(&env, table, &tp, &s, &err);
	TAP_EQ_INT(rc, GRYM_OK, "the toy table trains (%s)", err.msg);
	TAP_EQ_INT(env.nfailed, 0, "no input failed");
	TAP_OK(s.data == 1 && s.evaluated == 2 && s.done == 3, "data, evaluated, done: in that order");
	TAP_EQ_INT(s.items, 20, "the sink saw the 20 rows");
	TAP_EQ_INT(s.dims, 2, "of 2 features (key and label are not features)");
	TAP_EQ_STR(s.evaluation, "cv", "scored by cross-validation");
	TAP_NEAR(s.accuracy, 1.0, 1e-9, "separable: every held-out row right");
	TAP_EQ_INT(s.right, 20, "the model the sink gets predicts every training label");
	TAP_EQ_INT(strlen(s.model_id), GRYM_ID_LEN, "the model was stored: its id");
	TAP_OK(s.total == 1 && s.last_progress == 1, "progress ends at the whole (%g of %llu)",
	       s.last_progress, (unsigned long long)s.total);
	TAP_OK(stat(out, &sb) == 0 && sb.st_size > 0, "-o written");
	grym_catalog *cat = grym_catalog_open(dir, NULL);
	grym_model_row row = { 0 };
	TAP_EQ_INT(cat ? grym_catalog_get_model(cat, s.model_id, &row, NULL) : -1, GRYM_OK,
		   "the catalog has the model under that id");
	TAP_EQ_STR(row.type, "logreg", "of its kind");
	grym_model_row_clear(&row);
	grym_catalog_close(cat);

	/* parameters that do not go together */
	tp.holdout = 0.25;
	rc = run(&env, table, &tp, &s, &err);
	TAP_EQ_INT(rc, GRYM_ERR_INVALID, "--cv and --holdout together: GRYM_ERR_INVALID");
	TAP_EQ_STR(err.msg, "--cv and --holdout exclude each other", "and says why");
	tp.holdout = 0;

	/* nothing to train on */
	rc = run(&env, empty, &tp, &s, &err);
	TAP_EQ_INT(rc, GRYM_ERR_INVALID, "an empty table: GRYM_ERR_INVALID");
	TAP_EQ_STR(err.msg, "no feature vectors in the input", "and says so");
	TAP_OK(s.data == 0, "the sink hears nothing of it");
	rc = run(&env, NULL, &tp, &s, &err);
	TAP_OK(rc == GRYM_ERR_INVALID && err.msg[0], "no sources and no --features: an error (%s)", err.msg);
	return tap_done();
}
