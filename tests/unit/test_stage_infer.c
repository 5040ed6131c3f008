/*
 * test_stage_infer.c — grym_stage_infer called as a library: a model
 * trained here (lib/ml) and put in a temporary catalog, found by name;
 * inputs a TSV table with a bad line, a missing file and a list naming a
 * feature set of the catalog. The sink gets, in input order, what the
 * model itself predicts for each vector (what grym-infer prints; the CLI
 * tests hold grym-infer's bytes); the bad inputs go to env->failed under
 * their names while the rest goes on; the feature set's prediction is
 * stored under its asset; a cancel flag already set returns
 * GRYM_ERR_CANCELLED before the sink hears anything; a model that is
 * neither a file nor in the catalog is named in the error.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/ml.h"
#include "grym/rng.h"
#include "grym/stage_infer.h"
#include "grym/store.h"
#include "tap.h"

#define D 3

static grym_model *train(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = grym_dataset_new(D, &err);
	grym_rng r;
	grym_rng_seed(&r, 5);
	static const char *lab[] = { "bird", "cat", "dog" };
	for (size_t i = 0; i < 60; i++) {
		float x[D];
		for (int j = 0; j < D; j++)
			x[j] = (float)(grym_rng_uniform(&r) + (j == (int)(i % 3) ? 1.5 : 0));
		char key[16];
		snprintf(key, sizeof key, "k%zu", i);
		grym_dataset_add(ds, key, x, lab[i % 3], NULL, &err);
	}
	const char *names[] = { "f0", "f1", "f2" };
	grym_dataset_set_names(ds, names, &err);
	grym_dataset_finish(ds, &err);
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	grym_model *m = NULL;
	int rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_OK && m, "a logreg model trained (%s)", err.msg);
	grym_dataset_free(ds);
	return m;
}

/* The model in the catalog, named "tiny"; its id in id. */
static void put_model(grym_catalog *cat, const grym_model *m, char *id)
{
	grym_error err = { 0 };
	unsigned char *buf = NULL;
	size_t len = 0;
	grym_model_row row = { 0 };
	grym_model_save(m, &buf, &len, &err);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), buf, len, row.id, &err));
	memcpy(row.object, row.id, sizeof row.object);
	row.name = "tiny";
	row.type = "logreg";
	int rc = grym_catalog_put_model(cat, &row, &err);
	TAP_OK(rc == GRYM_OK, "the model is in the catalog (%s)", err.msg);
	strcpy(id, row.id);
	free(buf);
}

/* A source asset and a feature set of it whose summary is v; the
 * feature set's id in fsid, the asset's in asset. */
static void put_features(grym_catalog *cat, const float *v, char *fsid, char *asset)
{
	grym_asset a;
	grym_feature_set f;
	const char *bytes = "not really audio";
	grym_asset_init(&a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a.object, NULL));
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.format = strdup("wav");
	a.codec = strdup("pcm_s16le");
	a.sample_rate = 16000;
	a.channels = 1;
	a.frames = 16000;
	a.duration = 1.0;
	a.bytes = strlen(bytes);
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	strcpy(asset, a.id);
	grym_asset_clear(&a);

	memset(&f, 0, sizeof f);
	json_t *r = json_pack("{s:s, s:s}", "stage", "features", "feature", "test");
	TAP_SETUP(grym_id_derived(asset, r, f.id, NULL));
	f.extractor = grym_recipe_canonical(r);
	json_decref(r);
	strcpy(f.asset, asset);
	f.frames = 1;
	f.dims = D;
	f.summary = (float *)v;
	f.summary_len = D;
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "m", 1, f.object, NULL));
	TAP_SETUP(grym_catalog_put_features(cat, &f, NULL));
	strcpy(fsid, f.id);
	free(f.extractor);
}

/* What the sink and env->failed heard, in order. */
typedef struct heard {
	const grym_model *m;
	char log[2048];
	int begun, writes, right;       /* right: writes matching the model */
	const float (*want)[D];         /* the vectors, in input order */
	char labels[8][16];             /* each write's label */
	char assets[8][GRYM_ID_LEN + 1];
} heard;

static void say(heard *h, const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(h->log);
	snprintf(h->log + n, sizeof h->log - n, fmt, a, b);
}

static int on_begin(void *ud, const grym_model *m, const char *model_id, grym_error *err)
{
	heard *h = ud;
	h->begun++;
	return GRYM_OK;
}

/* The result against the model's own prediction of the same vector: the
 * predicted label first with its probability, every label once, the
 * rest by falling probability. */
static int on_write(void *ud, const grym_infer_result *r, grym_error *err)
{
	heard *h = ud;
	float proba[8];
	int pred = -1;
	grym_error e = { 0 };
	int i = h->writes++;
	say(h, "W:%s%s ", r->key, "");
	if (i >= 8)
		return GRYM_OK;
	snprintf(h->labels[i], sizeof h->labels[i], "%s", r->labels[0]);
	snprintf(h->assets[i], sizeof h->assets[i], "%s", r->asset);
	size_t K = grym_model_nclasses(h->m);
	if (grym_model_predict(h->m, h->want[i], 1, proba, &pred, &e) != GRYM_OK || r->n != K)
		return GRYM_OK;
	int ok = !strcmp(r->labels[0], grym_model_label(h->m, (size_t)pred)) &&
		 r->probs[0] == proba[pred] && isnan(r->start) && isnan(r->end);
	for (size_t k = 1; k < K; k++)
		ok = ok && r->probs[k] <= (k > 1 ? r->probs[k - 1] : 1.0f) &&
		     strcmp(r->labels[k], r->labels[0]) != 0;
	h->right += ok;
	return GRYM_OK;
}

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	heard *h = ud;
	say(h, "F:%s: %s ", input ? input : "(none)", err->msg);
}

static int run(heard *h, grym_stage_env *env, const char *dir, const char *model,
	       const char *const *ops, int nops, grym_error *err)
{
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_TSV };
	grym_sources *src = grym_sources_new(&so, err);
	for (int i = 0; i < nops; i++)
		if (strncmp(ops[i], "list:", 5) == 0)
			TAP_SETUP(grym_sources_add_list(src, ops[i] + 5, err));
		else
			TAP_SETUP(grym_sources_add(src, ops[i], err));
	grym_infer_params p = { .top = 1, .verify = 1 };
	grym_infer_sink sink = { .ud = h, .begin = on_begin, .write = on_write, .name = "sink" };
	env->catalog_dir = dir;
	env->failed = on_failed;
	env->ud = h;
	int rc = grym_stage_infer(env, model, src, &p, &sink, err);
	grym_sources_free(src);
	return rc;
}

int main(void)
{
	tap_plan(17);
	grym_error err = { 0 };
	char dir[4096], tsv[4200], list[4200], missing[4200], model_id[GRYM_ID_LEN + 1];
	char fsid[GRYM_ID_LEN + 1], asset[GRYM_ID_LEN + 1];
	const char *t = tap_tmpdir();
	snprintf(dir, sizeof dir, "%s/cat", t);
	snprintf(tsv, sizeof tsv, "%s/t.tsv", t);
	snprintf(list, sizeof list, "%s/list", t);
	snprintf(missing, sizeof missing, "%s/missing.tsv", t);

	grym_model *m = train();
	grym_catalog *cat = grym_catalog_open(dir, &err);
	put_model(cat, m, model_id);
	static const float want[3][D] = { { 1.9f, 0.2f, 0.1f }, { 0.3f, 0.1f, 1.7f },
					  { 0.2f, 1.8f, 0.4f } };
	put_features(cat, want[2], fsid, asset);
	grym_catalog_close(cat);

	FILE *f = fopen(tsv, "w");
	fprintf(f, "key\tf2\tf0\tf1\n");        /* columns in another order */
	fprintf(f, "a\t%g\t%g\t%g\n", want[0][2], want[0][0], want[0][1]);
	fprintf(f, "b\t0.5\t0.5\tx\n");
	fprintf(f, "c\t%g\t%g\t%g\n", want[1][2], want[1][0], want[1][1]);
	fclose(f);
	f = fopen(list, "w");
	fprintf(f, "%s\n", fsid);
	fclose(f);

	/* the whole run, two workers */
	heard h = { .m = m, .want = want };
	grym_stage_env env = { .jobs = 2 };
	char lop[4300];
	snprintf(lop, sizeof lop, "list:%s", list);
	const char *ops[] = { tsv, missing, lop };
	int rc = run(&h, &env, dir, "tiny", ops, 3, &err);
	TAP_EQ_INT(rc, GRYM_OK, "a run with failed inputs succeeds (%s)", err.msg);
	char wantlog[13000];
	snprintf(wantlog, sizeof wantlog,
		 "F:%s: line 3, column 'f1': 'x' is not a number W:a W:c "
		 "F:%s: No such file or directory W:%s ", tsv, missing, fsid);
	TAP_EQ_STR(h.log, wantlog, "the sink in input order; each bad input by name, the rest goes on");
	TAP_EQ_INT(h.begun, 1, "begin once, before the first result");
	TAP_EQ_INT(h.writes, 3, "three predictions");
	TAP_EQ_INT(h.right, 3, "each one the model's own prediction of its vector");
	TAP_EQ_INT((long long)env.nfailed, 2, "two failures counted");
	TAP_EQ_STR(h.assets[0], "", "a TSV line is no catalog asset");
	TAP_EQ_STR(h.assets[2], asset, "the feature set's prediction is its asset's");

	/* stored in the catalog, under the model found by name */
	cat = grym_catalog_open(dir, &err);
	char *label = NULL, *scores = NULL;
	double prob = 0;
	rc = grym_catalog_get_prediction(cat, model_id, asset, &label, &prob, &scores, &err);
	TAP_EQ_INT(rc, GRYM_OK, "the prediction is stored (%s)", err.msg);
	TAP_EQ_STR(label, h.labels[2], "with the label the sink got");
	free(label);
	free(scores);
	grym_catalog_close(cat);

	/* cancelled before it starts */
	volatile sig_atomic_t flag = 1;
	heard h2 = { .m = m, .want = want };
	grym_stage_env env2 = { .jobs = 2, .cancel = &flag };
	grym_error e2 = { 0 };
	rc = run(&h2, &env2, dir, "tiny", ops, 3, &e2);
	TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "a cancel flag already set: cancelled");
	TAP_EQ_INT(h2.begun + h2.writes, 0, "and the sink heard nothing");
	TAP_EQ_STR(h2.log, "", "nor env->failed");

	/* a model that is nowhere */
	heard h3 = { .m = m, .want = want };
	grym_stage_env env3 = { .jobs = 1 };
	grym_error e3 = { 0 };
	rc = run(&h3, &env3, dir, "no-such-model", ops, 3, &e3);
	TAP_OK(rc != GRYM_OK && !strncmp(e3.msg, "no-such-model: no such file, and in the catalog ", 48),
	       "a missing model is named (%s)", e3.msg);
	TAP_EQ_INT(h3.begun + h3.writes, 0, "and no output was begun");
	grym_model_free(m);
	return tap_done();
}
