/*
 * test_catalog_models.c — models as the API lists and shows them: pages
 * newest first through the cursor, one model with its metrics and the
 * out-of-fold prediction of every item (the table grym-train stores
 * beside the model), from which the misclassified ones are picked.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/catalog_page.h"
#include "tap.h"

static void put_asset(grym_catalog *cat, const char *bytes, const char *path, char *id)
{
	grym_asset a;
	grym_asset_init(&a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a.object, NULL));
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.paths = json_pack("[s]", path);
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	strcpy(id, a.id);
	grym_asset_clear(&a);
}

static void put_model(grym_catalog *cat, const char *bytes, const char *name,
		      const char *training, const char *metrics, char *id)
{
	grym_model_row m = { 0 };
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), m.object, NULL));
	strcpy(m.id, m.object);
	m.type = "logreg";
	m.name = (char *)name;
	m.params = "{\"c\":1}";
	m.training = (char *)training;
	m.metrics = (char *)metrics;
	TAP_SETUP(grym_catalog_put_model(cat, &m, NULL));
	strcpy(id, m.id);
}

int main(void)
{
	char dir[4200], p[4400], a1[65], a2[65], a3[65], m[4][65], oof[65], training[512], tsv[1024];
	grym_error err = { 0 };
	char *text = NULL;

	tap_plan(17);
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "open: %s", err.msg);
	if (!cat)
		return tap_done();
	put_asset(cat, "one", "/x/bark1.wav", a1);
	put_asset(cat, "two", "/x/bark2.wav", a2);
	put_asset(cat, "three", "/x/meow1.wav", a3);
	/* the table grym_predictions_tsv writes: a2 is a dog taken for a cat */
	snprintf(tsv, sizeof tsv, "key\tfold\ttrue\tpredicted\tcat\tdog\n"
		 "%s\t0\tdog\tdog\t0.100000\t0.900000\n%s\t1\tdog\tcat\t0.700000\t0.300000\n"
		 "%s\t2\tcat\tcat\t0.800000\t0.200000\nrecord-7\t2\tcat\tcat\t1.000000\t0.000000\n",
		 a1, a2, a3);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), tsv, strlen(tsv), oof, NULL));
	snprintf(training, sizeof training, "{\"items\":4,\"dims\":2,\"predictions\":\"%s\",\"target\":null}", oof);
	const char *metrics = "{\"accuracy\":0.75,\"macro_f1\":0.733333,\"labels\":[\"cat\",\"dog\"],"
			      "\"confusion\":[[2,0],[1,1]],\"per_class\":[{\"label\":\"cat\",\"precision\":0.666667,"
			      "\"recall\":1,\"f1\":0.8,\"support\":2},{\"label\":\"dog\",\"precision\":1,"
			      "\"recall\":0.5,\"f1\":0.666667,\"support\":2}]}";
	put_model(cat, "model A", "pets", training, metrics, m[0]);
	put_model(cat, "model B", NULL, "{\"items\":9}", NULL, m[1]);
	put_model(cat, "model C", "c", NULL, NULL, m[2]);
	put_model(cat, "model D", "d", "not json", "{\"accuracy\":1}", m[3]);
	snprintf(p, sizeof p, "%s/catalog.db", dir);
	sqlite3 *db;
	sqlite3_open(p, &db);
	/* A newest, then B and C at one time (tie: by id), then D */
	char q[512];
	snprintf(q, sizeof q, "UPDATE models SET created = CASE id WHEN '%s' THEN 400 WHEN '%s' THEN 300"
		 " WHEN '%s' THEN 300 ELSE 100 END", m[0], m[1], m[2]);
	TAP_SETUP(sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1);
	sqlite3_close(db);

	/* pages of two, newest first */
	char want[4][65];
	strcpy(want[0], m[0]);
	strcpy(want[1], strcmp(m[1], m[2]) > 0 ? m[1] : m[2]);
	strcpy(want[2], strcmp(m[1], m[2]) > 0 ? m[2] : m[1]);
	strcpy(want[3], m[3]);
	char *cursor = NULL;
	int k = 0, inorder = 1, pages = 0;
	json_t *first = NULL;
	do {
		TAP_SETUP(grym_catalog_model_page(cat, 2, cursor, &text, &err));
		json_t *j = json_loads(text ? text : "null", 0, NULL), *it;
		size_t i;
		free(text);
		free(cursor);
		json_array_foreach(json_object_get(j, "items"), i, it)
			inorder &= k < 4 && !strcmp(json_string_value(json_object_get(it, "id")), want[k++]);
		cursor = json_is_string(json_object_get(j, "next_cursor"))
			? strdup(json_string_value(json_object_get(j, "next_cursor"))) : NULL;
		if (!first)
			first = j;
		else
			json_decref(j);
	} while (cursor && ++pages < 5);
	TAP_OK(inorder && k == 4, "two pages of two: newest first, a tie by id");
	TAP_EQ_INT(json_integer_value(json_object_get(first, "total")), 4, "total");
	json_t *it0 = json_array_get(json_object_get(first, "items"), 0);
	TAP_OK(json_real_value(json_object_get(it0, "accuracy")) == 0.75 &&
	       json_integer_value(json_object_get(it0, "items")) == 4 &&
	       !strcmp(json_string_value(json_object_get(it0, "name")), "pets") &&
	       !strcmp(json_string_value(json_object_get(it0, "type")), "logreg"),
	       "an item: name, type, items, accuracy");
	json_decref(first);
	TAP_EQ_INT(grym_catalog_model_page(cat, 2, "bm90IGEgY3Vyc29y", &text, &err), GRYM_ERR_INVALID,
		   "a bad cursor");
	TAP_OK(!strncmp(err.msg, "cursor: ", 8), "naming it: %s", err.msg);
	TAP_EQ_INT(grym_catalog_model_page(cat, 1001, NULL, &text, &err), GRYM_ERR_INVALID, "limit 1001");

	/* one model in full */
	TAP_EQ_INT(grym_catalog_model_json(cat, "pets", &text, &err), GRYM_OK, "a model by name: %s",
		   err.msg);
	json_t *j = json_loads(text ? text : "null", 0, NULL);
	free(text);
	TAP_EQ_STR(json_string_value(json_object_get(j, "id")), m[0], "its id");
	TAP_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "params"), "c")), 1, "its params");
	json_t *conf = json_object_get(json_object_get(j, "metrics"), "confusion");
	TAP_EQ_INT(json_integer_value(json_array_get(json_array_get(conf, 1), 0)), 1,
		   "its confusion matrix");
	json_t *preds = json_object_get(j, "predictions");
	TAP_EQ_INT(json_array_size(preds), 4, "an out-of-fold prediction per item");
	int wrong = 0, named = 0;
	json_t *it;
	size_t i;
	json_array_foreach(preds, i, it) {
		if (!json_is_true(json_object_get(it, "correct"))) {
			wrong++;
			TAP_OK(!strcmp(json_string_value(json_object_get(it, "key")), a2) &&
			       !strcmp(json_string_value(json_object_get(it, "name")), "bark2.wav") &&
			       json_integer_value(json_object_get(it, "fold")) == 1 &&
			       json_real_value(json_object_get(json_object_get(it, "scores"), "cat")) == 0.7,
			       "the misclassified one: its asset, name, fold and scores");
		}
		named += json_is_string(json_object_get(it, "name"));
	}
	TAP_OK(wrong == 1 && named == 3, "one wrong; the record key has no name (null)");
	json_decref(j);

	/* a model whose record names no table, and a damaged table */
	TAP_EQ_INT(grym_catalog_model_json(cat, "c", &text, &err), GRYM_OK, "a model without them");
	j = json_loads(text ? text : "null", 0, NULL);
	free(text);
	TAP_OK(json_is_null(json_object_get(j, "predictions")) && json_is_null(json_object_get(j, "metrics")),
	       "predictions and metrics null");
	json_decref(j);
	{
		/* other bytes of the same size in the table's object */
		char obj[4600];
		snprintf(obj, sizeof obj, "%s/objects/%.2s/%s", dir, oof, oof);
		FILE *fp = fopen(obj, "r+");
		if (fp) {
			fputs("kex", fp);
			fclose(fp);
		}
		TAP_EQ_INT(grym_catalog_model_json(cat, "pets", &text, &err), GRYM_ERR_CORRUPT,
			   "a damaged table is named, not read (%s)", fp ? err.msg : "object not found");
	}
	grym_catalog_close(cat);
	return tap_done();
}
