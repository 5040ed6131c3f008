/*
 * test_ml_model.c — grym-model(5) files: save/load round trip for every
 * model type (same predictions after reload), byte-identical files from
 * the same data and seed, and rejection of corrupt, truncated, newer and
 * foreign files; bad training input (one class, unlabelled items,
 * NaN/Inf, dimension mismatch).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/hash.h"
#include "grym/ml.h"
#include "tap.h"

static grym_dataset *toy(size_t n, uint64_t seed)
{
	grym_error err;
	grym_dataset *ds = grym_dataset_new(3, &err);
	grym_rng r;
	grym_rng_seed(&r, seed);
	static const char *lab[] = { "bird", "cat", "dog" };
	for (size_t i = 0; i < n; i++) {
		float x[3];
		for (int j = 0; j < 3; j++)
			x[j] = (float)(grym_rng_uniform(&r) + (j == (int)(i % 3) ? 1.5 : 0));
		char key[16];
		snprintf(key, sizeof key, "k%zu", i);
		grym_dataset_add(ds, key, x, lab[i % 3], NULL, &err);
	}
	const char *names[] = { "f0", "f1", "f2" };
	grym_dataset_set_names(ds, names, &err);
	grym_dataset_finish(ds, &err);
	return ds;
}

static void test_roundtrip(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = toy(60, 5);
	json_t *pipe = json_loads("[{\"stage\":\"features\",\"mfcc\":13}]", 0, NULL);
	json_t *met = json_loads("{\"accuracy\":0.5}", 0, NULL);
	for (int t = GRYM_MODEL_LOGREG; t <= GRYM_MODEL_KMEANS; t++) {
		const char *tn = grym_model_type_name((grym_model_type)t);
		grym_ml_params p;
		grym_ml_params_default(&p, (grym_model_type)t);
		p.seed = 9;
		p.hidden[0] = 8;
		p.k = 3;
		grym_model *a = NULL, *b = NULL, *c = NULL;
		int rc = (a = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
		TAP_EQ_INT(rc, 0, "%s trains (%s)", tn, err.msg);
		rc |= (b = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
		if (rc) {
			grym_model_free(a);
			grym_model_free(b);
			continue;
		}
		grym_model_set_info(a, pipe, met, &err);
		grym_model_set_info(b, pipe, met, &err);
		unsigned char *ba, *bb;
		size_t la, lb;
		grym_model_save(a, &ba, &la, &err);
		grym_model_save(b, &bb, &lb, &err);
		TAP_OK(la == lb && memcmp(ba, bb, la) == 0, "%s: same data and seed give byte-identical files (%zu bytes)", tn, la);
		TAP_OK(memcmp(ba, "GRYMMODL\1\0\0\0", 12) == 0, "%s: magic and version 1", tn);
		TAP_OK(memmem(ba, la, "\"pipeline\":[{\"mfcc\":13,\"stage\":\"features\"}]", 43) != NULL,
		       "%s: header carries the pipeline", tn);
		TAP_OK(!memmem(ba, la, "time", 4), "%s: no timestamp in the header", tn);
		rc = (c = grym_model_load(ba, la, &err)) ? GRYM_OK : err.code;
		TAP_EQ_INT(rc, 0, "%s: reloads (%s)", tn, err.msg);
		if (!rc) {
			float pa[60 * 3], pc[60 * 3];
			grym_model_predict(a, ds->x, ds->n, pa, NULL, &err);
			grym_model_predict(c, ds->x, ds->n, pc, NULL, &err);
			TAP_OK(memcmp(pa, pc, sizeof pa) == 0, "%s: identical predictions after reload", tn);
			unsigned char *bc;
			size_t lc;
			grym_model_save(c, &bc, &lc, &err);
			TAP_OK(lc == la && memcmp(bc, ba, la) == 0, "%s: reload + save gives the same bytes", tn);
			free(bc);
			TAP_EQ_STR(grym_model_feature_names(c)[2], "f2", "%s: feature names kept", tn);
			TAP_EQ_STR(grym_model_label(c, 0), t == GRYM_MODEL_KMEANS ? "0" : "bird", "%s: labels kept", tn);
		}
		free(ba);
		free(bb);
		grym_model_free(a);
		grym_model_free(b);
		grym_model_free(c);
	}
	/* another seed changes an mlp */
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_MLP);
	p.hidden[0] = 8;
	grym_model *a = NULL, *b = NULL;
	a = grym_model_train(&p, ds, NULL, 0, &err);
	p.seed = 1;
	b = grym_model_train(&p, ds, NULL, 0, &err);
	unsigned char *ba, *bb;
	size_t la, lb;
	grym_model_save(a, &ba, &la, &err);
	grym_model_save(b, &bb, &lb, &err);
	TAP_OK(la != lb || memcmp(ba, bb, la) != 0, "mlp: another seed gives another model");
	free(ba); free(bb);
	grym_model_free(a); grym_model_free(b);
	json_decref(pipe);
	json_decref(met);
	grym_dataset_free(ds);
}

static void test_corrupt(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = toy(30, 6);
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	grym_model *m = NULL, *x = NULL;
	m = grym_model_train(&p, ds, NULL, 0, &err);
	unsigned char *b;
	size_t len;
	grym_model_save(m, &b, &len, &err);
	int rc;

	rc = (x = grym_model_load(b, len - 1, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && strstr(err.msg, "truncated") && !x, "truncated by one byte: %s", err.msg);
	rc = (x = grym_model_load(b, 20, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && strstr(err.msg, "truncated"), "truncated to 20 bytes: %s", err.msg);
	rc = (x = grym_model_load(b, 5, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && strstr(err.msg, "truncated"), "truncated to 5 bytes: %s", err.msg);
	rc = (x = grym_model_load(b, 0, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc != GRYM_OK, "empty file rejected: %s", err.msg);

	unsigned char *c = malloc(len + 1);
	memcpy(c, b, len);
	c[len / 2] ^= 0x10;
	rc = (x = grym_model_load(c, len, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && strstr(err.msg, "checksum"), "one flipped bit: %s", err.msg);
	memcpy(c, b, len);
	c[len] = 0;
	rc = (x = grym_model_load(c, len + 1, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && strstr(err.msg, "trailing"), "trailing byte: %s", err.msg);
	memcpy(c, b, len);
	c[8] = 2;
	rc = (x = grym_model_load(c, len, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_UNSUPPORTED && strstr(err.msg, "version 2 is newer"), "newer version: %s", err.msg);
	memcpy(c, "RIFF", 4);
	rc = (x = grym_model_load(c, len, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_FORMAT && strstr(err.msg, "not a grym model"), "foreign file: %s", err.msg);
	free(c);

	/* a well-checksummed file whose header lies: every lie is caught */
	static const char *const lies[][2] = {
		{ "\"dims\":3", "\"dims\":4" },
		{ "\"classes\":3", "\"classes\":5" },
		{ "\"type\":\"logreg\"", "\"type\":\"knn\"   " },
		{ "\"shape\":[1,3]", "\"shape\":[1,2]" },
		{ "\"dtype\":\"f8\"", "\"dtype\":\"f4\"" },
		{ "\"type\":\"logreg\"", "\"type\":\"forest\"" },
		{ "\"name\":\"W\",\"shape\":[3,3]", "\"name\":\"W\",\"shape\":[1,9]" },
		{ "\"type\":\"logreg\"", "\"type\":\"mlp\"   " },
		{ "\"type\":\"logreg\"", "\"type\":\"svm\"   " },
		{ "\"type\":\"logreg\"", "\"type\":\"kmeans\"" },
	};
	for (size_t l = 0; l < sizeof lies / sizeof lies[0]; l++) {
		size_t hl = (size_t)b[12] | (size_t)b[13] << 8;
		char *h = malloc(hl + 64);
		memcpy(h, b + 16, hl);
		h[hl] = 0;
		char *at = strstr(h, lies[l][0]);
		TAP_OK(at != NULL, "header has %s", lies[l][0]);
		if (!at) {
			free(h);
			continue;
		}
		size_t a = strlen(lies[l][0]), z = strlen(lies[l][1]);
		memmove(at + z, at + a, strlen(at + a) + 1);
		memcpy(at, lies[l][1], z);
		size_t nhl = strlen(h), dlen = len - 16 - hl - 32;
		unsigned char *nb = malloc(16 + nhl + dlen + 32);
		memcpy(nb, b, 12);
		nb[12] = (unsigned char)nhl;
		nb[13] = (unsigned char)(nhl >> 8);
		nb[14] = nb[15] = 0;
		memcpy(nb + 16, h, nhl);
		memcpy(nb + 16 + nhl, b + 16 + hl, dlen);
		char hex[65];
		grym_sha256_hex(nb, 16 + nhl + dlen, hex);
		for (int i = 0; i < 32; i++) {
			unsigned v;
			sscanf(hex + 2 * i, "%2x", &v);
			nb[16 + nhl + dlen + (size_t)i] = (unsigned char)v;
		}
		x = NULL;
		rc = (x = grym_model_load(nb, 16 + nhl + dlen + 32, &err)) ? GRYM_OK : err.code;
		TAP_OK(rc != GRYM_OK && x == NULL, "header lie %s -> %s rejected: %s", lies[l][0], lies[l][1], err.msg);
		grym_model_free(x);
		free(nb);
		free(h);
	}

	/* on disk */
	char path[512];
	snprintf(path, sizeof path, "%s/m.model", tap_tmpdir());
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, len, f);
	fclose(f);
	rc = (x = grym_model_load_file(path, &err)) ? GRYM_OK : err.code;
	TAP_EQ_INT(rc, 0, "load from a file (%s)", err.msg);
	rc = grym_model_check_dims(x, 4, &err);
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "feature dimension 4 differs from the model's 3"),
	       "dimension mismatch: %s", err.msg);
	TAP_EQ_INT(grym_model_check_dims(x, 3, &err), 0, "matching dimension accepted");
	float bad[3] = { 1, NAN, 0 };
	rc = grym_model_predict(x, bad, 1, NULL, NULL, &err);
	TAP_OK(rc == GRYM_ERR_FORMAT && strstr(err.msg, "NaN"), "NaN at inference: %s", err.msg);
	grym_model_free(x);
	x = NULL;
	snprintf(path, sizeof path, "%s/none.model", tap_tmpdir());
	rc = (x = grym_model_load_file(path, &err)) ? GRYM_OK : err.code;
	TAP_EQ_INT(rc, GRYM_ERR_NOTFOUND, "missing file: %s", err.msg);
	free(b);
	grym_model_free(m);
	grym_dataset_free(ds);
}

static void test_bad_input(void)
{
	grym_error err = { 0 };
	grym_ml_params p;
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	grym_dataset *ds = grym_dataset_new(2, &err);
	float x[2] = { 1, 2 };
	grym_dataset_add(ds, "a", x, "only", NULL, &err);
	grym_dataset_add(ds, "b", x, "only", NULL, &err);
	grym_dataset_finish(ds, &err);
	grym_model *m = NULL;
	int rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "only one class ('only')") && !m, "one class: %s", err.msg);
	grym_dataset_add(ds, "c", x, NULL, NULL, &err);
	grym_dataset_add(ds, "d", x, "other", NULL, &err);
	rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "item c has no label"), "missing label: %s", err.msg);
	float nan[2] = { NAN, 0 }, inf[2] = { 0, INFINITY };
	rc = grym_dataset_add(ds, "e", nan, "x", NULL, &err);
	TAP_OK(rc == GRYM_ERR_FORMAT && strstr(err.msg, "NaN in feature column 0"), "NaN feature: %s", err.msg);
	rc = grym_dataset_add(ds, "f", inf, "x", NULL, &err);
	TAP_OK(rc == GRYM_ERR_FORMAT && strstr(err.msg, "infinity in feature column 1"), "Inf feature: %s", err.msg);
	TAP_EQ_INT(ds->n, 4, "rejected rows are not added");
	int fold[4];
	rc = grym_folds_stratified(ds, 2, 0, fold, &err);
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "no label"), "folds with a missing label: %s", err.msg);
	grym_dataset_free(ds);
	TAP_OK(grym_dataset_new(0, &err) == NULL && strstr(err.msg, "no dimensions"), "zero dimensions: %s", err.msg);
	/* bad hyper-parameters */
	ds = toy(30, 1);
	p.C = -1;
	rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "C must be positive"), "C < 0: %s", err.msg);
	grym_ml_params_default(&p, GRYM_MODEL_KMEANS);
	p.k = 31;
	rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "more than the 30 items"), "kmeans k > n: %s", err.msg);
	/* a class missing from the training rows */
	grym_ml_params_default(&p, GRYM_MODEL_LOGREG);
	size_t rows[] = { 0, 1, 3, 4 };   /* classes bird, cat only */
	rc = (m = grym_model_train(&p, ds, rows, 4, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, "class 'dog' has no item"), "class absent from training rows: %s", err.msg);
	grym_dataset_free(ds);
}

int main(void)
{
	tap_plan(104);
	test_roundtrip();
	test_corrupt();
	test_bad_input();
	return tap_done();
}
