/*
 * test_view_embedding.c — the feature explorer's embedding
 * (grym_view_embedding): the assets with summaries of the features
 * named, placed where grym_pca_new places their vectors, with names,
 * labels and a model's out-of-fold verdicts; those that cannot be placed
 * counted, not placed.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/ml_pca.h"
#include "grym/view_embedding.h"
#include "tap.h"

#define NA 6

static void put_asset(grym_catalog *cat, int i, char *id)
{
	grym_asset a;
	char data[32], path[32];
	grym_asset_init(&a);
	snprintf(data, sizeof data, "clip %d", i);
	snprintf(path, sizeof path, "/c/clip%d.wav", i);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), data, strlen(data), a.object, NULL));
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.paths = json_pack("[s]", path);
	a.labels = json_pack("[s]", i % 2 ? "odd" : "even");
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	strcpy(id, a.id);
	grym_asset_clear(&a);
}

static void put_summary(grym_catalog *cat, const char *asset, const char *feature, int salt,
			const float *v, int len)
{
	grym_feature_set f = { 0 };
	char x[128];
	json_t *r;
	snprintf(x, sizeof x, "{\"feature\":\"%s\",\"salt\":%d}", feature, salt);
	r = json_loads(x, 0, NULL);
	TAP_SETUP(grym_id_derived(asset, r, f.id, NULL));
	json_decref(r);
	strcpy(f.asset, asset);
	f.extractor = x;
	f.summary = (float *)v;
	f.summary_len = len;
	TAP_SETUP(grym_catalog_put_features(cat, &f, NULL));
}

int main(void)
{
	char dir[4200], id[NA + 2][GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	float m[NA][4], c[NA][2];

	tap_plan(12);
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "open: %s", err.msg);
	if (!cat)
		return tap_done();
	for (int i = 0; i < NA; i++) {
		put_asset(cat, i, id[i]);
		for (int j = 0; j < 4; j++)
			m[i][j] = (float)(sin(i * 1.7 + j) * (j + 1) + i * 0.3);
		c[i][0] = (float)cos(i * 0.9);
		c[i][1] = (float)(i % 3);
		/* an older set of the same feature first: the newer one wins */
		float junk[4] = { 100, 100, 100, 100 };
		put_summary(cat, id[i], "mfcc", 0, junk, 4);
		put_summary(cat, id[i], "mfcc", 1, m[i], 4);
		put_summary(cat, id[i], "chroma", 0, c[i], 2);
	}
	/* one with a summary of another length, one with mfcc only, one with none */
	float odd[6] = { 1, 2, 3, 4, 5, 6 };
	put_asset(cat, 50, id[NA]);
	put_summary(cat, id[NA], "mfcc", 0, odd, 6);
	put_summary(cat, id[NA], "chroma", 0, c[0], 2);
	put_asset(cat, 51, id[NA + 1]);
	put_summary(cat, id[NA + 1], "mfcc", 0, m[0], 4);

	/* the reference: grym_pca_new on the joined vectors */
	float x[NA * 6];
	for (int i = 0; i < NA; i++) {
		memcpy(x + i * 6, m[i], sizeof m[i]);
		memcpy(x + i * 6 + 4, c[i], sizeof c[i]);
	}
	grym_pca_opts o = { .components = 3, .standardize = 1 };
	grym_pca *ref = grym_pca_new(x, NA, 6, &o, &err);
	TAP_SETUP(ref ? 0 : -1);

	const char *both[] = { "mfcc", "chroma" };
	grym_embedding_query q = { .features = both, .nfeatures = 2, .standardize = 1 };
	char *text = NULL;
	TAP_EQ_INT(grym_view_embedding(cat, &q, &text, &err), GRYM_OK, "embedding: %s", err.msg);
	json_t *j = json_loads(text ? text : "null", 0, NULL);
	free(text);
	json_t *items = json_object_get(j, "items");
	TAP_EQ_INT(json_array_size(items), NA, "the assets with both summaries at their usual lengths");
	TAP_EQ_INT(json_integer_value(json_object_get(j, "skipped")), 2,
		   "the odd length and the one without chroma are counted as skipped");
	TAP_EQ_INT(json_integer_value(json_object_get(j, "dims")), 6, "vectors of 4 + 2");
	double worst = 0;
	for (int i = 0; ref && i < NA; i++) {
		json_t *it = json_array_get(items, (size_t)i);
		worst = fmax(worst, fabs(json_number_value(json_object_get(it, "x")) - ref->scores[i * 3]));
		worst = fmax(worst, fabs(json_number_value(json_object_get(it, "y")) - ref->scores[i * 3 + 1]));
		worst = fmax(worst, fabs(json_number_value(json_object_get(it, "z")) - ref->scores[i * 3 + 2]));
	}
	TAP_OK(ref && worst < 1e-9, "x, y, z as grym_pca_new places the newest summaries (%.3g)", worst);
	TAP_OK(ref && fabs(json_number_value(json_array_get(json_object_get(j, "explained"), 0)) -
			   ref->ratio[0]) < 1e-12 && json_array_size(json_object_get(j, "explained")) == 3,
	       "the explained ratios");
	json_t *it0 = json_array_get(items, 1);
	TAP_OK(!strcmp(json_string_value(json_object_get(it0, "id")), id[1]) &&
	       !strcmp(json_string_value(json_object_get(it0, "name")), "clip1.wav") &&
	       !strcmp(json_string_value(json_array_get(json_object_get(it0, "labels"), 0)), "odd"),
	       "an item: id, name, labels, in catalog order");
	json_decref(j);

	/* 2-D, with a model's verdicts */
	char oof[65], tsv[1024];
	snprintf(tsv, sizeof tsv, "key\tfold\ttrue\tpredicted\teven\todd\n%s\t0\todd\teven\t0.6\t0.4\n"
		 "%s\t0\teven\teven\t0.9\t0.1\n", id[1], id[2]);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), tsv, strlen(tsv), oof, NULL));
	grym_model_row mr = { 0 };
	char training[200];
	snprintf(training, sizeof training, "{\"predictions\":\"%s\"}", oof);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "model", 5, mr.object, NULL));
	strcpy(mr.id, mr.object);
	mr.type = "logreg";
	mr.name = "parity";
	mr.training = training;
	TAP_SETUP(grym_catalog_put_model(cat, &mr, NULL));
	const char *one[] = { "mfcc" };
	q = (grym_embedding_query){ .features = one, .nfeatures = 1, .dims = 2, .model = "parity" };
	TAP_EQ_INT(grym_view_embedding(cat, &q, &text, &err), GRYM_OK, "2-D with a model: %s", err.msg);
	j = json_loads(text ? text : "null", 0, NULL);
	free(text);
	items = json_object_get(j, "items");
	int wrong = 0, unknown = 0, noz = 1;
	json_t *it;
	size_t i;
	json_array_foreach(items, i, it) {
		wrong += json_is_false(json_object_get(it, "correct"));
		unknown += json_is_null(json_object_get(it, "correct"));
		noz &= json_object_get(it, "z") == NULL;
	}
	TAP_OK(json_array_size(items) == NA + 1 && noz, "2-D: mfcc alone places one more asset, no z");
	TAP_OK(wrong == 1 && unknown == NA - 1, "the model's verdicts: one wrong, one right, the rest null");
	json_decref(j);
	q.dims = 4;
	TAP_EQ_INT(grym_view_embedding(cat, &q, &text, &err), GRYM_ERR_INVALID, "dims 4 refused");
	grym_pca_free(ref);
	grym_catalog_close(cat);
	return tap_done();
}
