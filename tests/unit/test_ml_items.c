/*
 * test_ml_items.c — one item, one vote (lib/ml/items.c): repeated rows
 * left out, conflicting labels refused, skipped or settled on the first,
 * unused labels dropped, windows grouped by their item; and a model's
 * header params holding only what its type uses.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/ml.h"
#include "tap.h"

typedef struct msgs { int n; char last[1024]; } msgs;

static void collect(void *ud, const char *m)
{
	msgs *w = ud;
	w->n++;
	snprintf(w->last, sizeof w->last, "%s", m);
}

/* Add a row of value v: key, label (or NULL), item, window, origin and
 * candidate labels (a JSON array text, or NULL). */
static void add(grym_dataset *ds, const char *key, float v, const char *label, const char *item,
		int seg, const char *origin, const char *cands)
{
	grym_error err = { 0 };
	float row[2] = { v, -v };
	json_t *c = cands ? json_loads(cands, 0, NULL) : NULL;
	if (grym_dataset_add(ds, key, row, label, NULL, &err) ||
	    grym_dataset_set_origin(ds, ds->n - 1, item, seg, origin, c, &err))
		tap_diag("add %s: %s", key, err.msg);
	json_decref(c);
}

static grym_dataset *base(void)
{
	grym_error err = { 0 };
	grym_dataset *ds = grym_dataset_new(2, &err);
	add(ds, "a1", 1, "a", "A1", -1, "a/1.wav", NULL);
	add(ds, "b1", 2, "b", "B1", -1, "b/1.wav", NULL);
	add(ds, "a1", 1, "a", "A1", -1, "a/1.wav", NULL);              /* read twice */
	add(ds, "copy", 1, "a", "A1", -1, "a/copy.wav", NULL);         /* copied, same label */
	add(ds, "x", 3, NULL, "X", -1, "a/x.wav\tz/x.wav", "[\"a\",\"z\"]"); /* two labels */
	return ds;
}

static void test_resolve(void)
{
	grym_error err = { 0 };
	msgs w = { 0 };
	grym_dataset *ds = base();
	int rc = grym_dataset_resolve(ds, GRYM_CONFLICT_REFUSE, collect, &w, &err);
	TAP_OK(rc != 0, "a conflict is refused by default");
	TAP_OK(strstr(err.msg, "item X has labels a and z (a/x.wav, z/x.wav)") != NULL,
	       "the item, its labels and files named: %s", err.msg);
	grym_dataset_free(ds);

	ds = base();
	w.n = 0;
	rc = grym_dataset_resolve(ds, GRYM_CONFLICT_SKIP, collect, &w, &err);
	TAP_EQ_INT(rc, 0, "skip: resolved (%s)", err.msg);
	TAP_EQ_INT(ds->n, 2, "skip: two items left (a1, b1)");
	TAP_EQ_STR(ds->keys[0], "a1", "the first row of A1 kept");
	TAP_EQ_STR(ds->keys[1], "b1", "then b1");
	TAP_EQ_INT(w.n, 2, "two warnings: the skipped item, the repeats");
	TAP_OK(strstr(w.last, "2 repeated items left out (first: a1)") != NULL, "repeats counted: %s", w.last);
	TAP_EQ_INT(ds->nlabels, 2, "label z, used only by the skipped item, dropped");
	grym_dataset_free(ds);

	ds = base();
	w.n = 0;
	rc = grym_dataset_resolve(ds, GRYM_CONFLICT_FIRST, collect, &w, &err);
	TAP_EQ_INT(rc, 0, "first: resolved");
	TAP_EQ_INT(ds->n, 3, "first: three items");
	TAP_EQ_STR(ds->keys[2], "x", "x kept");
	TAP_EQ_STR(ds->labels[ds->y[2]], "a", "under its first label");
	TAP_EQ_INT(ds->nlabels, 2, "z dropped from the labels");
	grym_dataset_finish(ds, &err);
	grym_dataset_free(ds);

	/* windows: not repeats, grouped by their item */
	ds = grym_dataset_new(2, &err);
	for (int s = 0; s < 3; s++) {
		add(ds, "c1", (float)s, "a", "C1", s, NULL, NULL);
		add(ds, "c2", (float)s, "b", "C2", s, NULL, NULL);
	}
	add(ds, "c1", 0, "a", "C1", 0, NULL, NULL);   /* a repeated window */
	rc = grym_dataset_resolve(ds, GRYM_CONFLICT_REFUSE, NULL, NULL, &err);
	TAP_EQ_INT(rc, 0, "windows resolve");
	TAP_EQ_INT(ds->n, 6, "windows kept, the repeated one left out");
	int g = grym_dataset_group_by_item(ds, &err);
	TAP_EQ_INT(g, 2, "two groups");
	int same = 1;
	for (size_t i = 0; i < ds->n; i++)
		same &= ds->group[i] == (strcmp(ds->keys[i], "c1") == 0 ? 0 : 1);
	TAP_OK(same, "every window in its clip's group, numbered in input order");
	TAP_EQ_INT(grym_dataset_group_by_item(ds, &err), 0, "groups already set: nothing done");
	grym_dataset_free(ds);

	/* one row per item: nothing to group */
	ds = base();
	grym_dataset_resolve(ds, GRYM_CONFLICT_SKIP, NULL, NULL, &err);
	TAP_EQ_INT(grym_dataset_group_by_item(ds, &err), 0, "one row per item: no groups");
	TAP_OK(ds->group == NULL, "and ds->group left unset");
	grym_dataset_free(ds);
}

static void test_params(void)
{
	static const struct { grym_model_type t; const char *keys; } want[] = {
		{ GRYM_MODEL_LOGREG, "C class_weight max_iter tol" },
		{ GRYM_MODEL_LINSVM, "C class_weight tol" },
		{ GRYM_MODEL_SVM, "C class_weight gamma tol" },
		{ GRYM_MODEL_KNN, "k metric" },
		{ GRYM_MODEL_MLP, "alpha batch_size class_weight dropout epochs hidden lr patience tol val_fraction" },
		{ GRYM_MODEL_KMEANS, "k max_iter n_init tol" },
	};
	grym_error err = { 0 };
	grym_dataset *ds = grym_dataset_new(2, &err);
	for (int i = 0; i < 12; i++) {
		char key[8];
		snprintf(key, sizeof key, "k%d", i);
		float row[2] = { (float)(i % 2) * 4 + (float)i / 10, (float)i / 7 };
		grym_dataset_add(ds, key, row, i % 2 ? "b" : "a", NULL, &err);
	}
	grym_dataset_finish(ds, &err);
	for (size_t t = 0; t < sizeof want / sizeof *want; t++) {
		grym_ml_params p;
		grym_ml_params_default(&p, want[t].t);
		p.k = 2;
		p.epochs = 5;
		grym_model *m = NULL, *back = NULL;
		unsigned char *buf = NULL;
		size_t len = 0;
		int rc = (m = grym_model_train(&p, ds, NULL, 0, &err)) ? GRYM_OK : err.code;
		if (!rc)
			rc = grym_model_save(m, &buf, &len, &err);
		if (!rc)
			rc = (back = grym_model_load(buf, len, &err)) ? GRYM_OK : err.code;
		TAP_EQ_INT(rc, 0, "%s: trained, saved, loaded (%s)", grym_model_type_name(want[t].t), err.msg);
		char got[256] = "";
		json_t *pj = back ? grym_model_params_json(back) : NULL;
		const char *k;
		json_t *v;
		/* sorted keys */
		const char *names[32];
		size_t n = 0;
		json_object_foreach(pj, k, v)
			if (n < 32)
				names[n++] = k;
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
				const char *s = names[j];
				names[j] = names[j - 1];
				names[j - 1] = s;
			}
		for (size_t i = 0; i < n; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", names[i]);
		TAP_EQ_STR(got, want[t].keys, "%s records only what it uses", grym_model_type_name(want[t].t));
		json_decref(pj);
		free(buf);
		grym_model_free(m);
		grym_model_free(back);
	}
	grym_dataset_free(ds);
}

int main(void)
{
	test_resolve();
	test_params();
	return tap_done();
}
