/*
 * test_catalog_asset_json.c — one asset in full (grym_catalog_asset_json:
 * lineage both ways, feature sets, predictions) and the edits of PATCH:
 * the label set replaced on the asset and its derivatives, a metadata
 * patch setting and removing keys, each all or nothing.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/catalog_page.h"
#include "tap.h"

static void put_source(grym_catalog *cat, char id[GRYM_ID_LEN + 1])
{
	grym_asset a;
	grym_asset_init(&a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "dog bark", 8, a.object, NULL));
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.paths = json_pack("[s,s]", "/rec/dog1.wav", "/copy/other.wav");
	a.meta = json_pack("{s:s,s:i}", "speaker", "ann", "take", 3);
	a.tags = json_pack("{s:s}", "title", "Bark");
	a.duration = 2.5;
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	strcpy(id, a.id);
	grym_asset_clear(&a);
}

static void put_derived(grym_catalog *cat, const char *parent, const char *stage, const char *bytes,
			char id[GRYM_ID_LEN + 1])
{
	grym_asset a;
	json_t *r = json_pack("{s:s,s:s}", "stage", stage, "bytes", bytes);
	grym_asset_init(&a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a.object, NULL));
	TAP_SETUP(grym_id_derived(parent, r, a.id, NULL));
	strcpy(a.kind, "derived");
	strcpy(a.parent, parent);
	a.recipe = grym_recipe_canonical(r);
	TAP_SETUP(grym_catalog_put_asset(cat, &a, NULL, NULL));
	strcpy(id, a.id);
	grym_asset_clear(&a);
	json_decref(r);
}

static json_t *asset_json(grym_catalog *cat, const char *id)
{
	char *text = NULL;
	grym_error err = { 0 };
	if (grym_catalog_asset_json(cat, id, &text, &err) != GRYM_OK) {
		tap_diag("asset_json: %s", err.msg);
		return json_null();
	}
	json_t *j = json_loads(text, 0, NULL);
	free(text);
	return j ? j : json_null();
}

static char *labels_of(grym_catalog *cat, const char *id)
{
	json_t *j = asset_json(cat, id);
	char *s = json_dumps(json_object_get(j, "labels"), JSON_COMPACT);
	json_decref(j);
	return s ? s : strdup("?");
}

static char *meta_of(grym_catalog *cat, const char *id)
{
	json_t *j = asset_json(cat, id);
	char *s = json_dumps(json_object_get(j, "meta"), JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s ? s : strdup("?");
}

#define CHECK_TEXT(expr, want, ...) do { char *t_ = (expr); TAP_EQ_STR(t_, want, __VA_ARGS__); \
	free(t_); } while (0)

int main(void)
{
	char dir[4200], src[GRYM_ID_LEN + 1], d1[GRYM_ID_LEN + 1], d2[GRYM_ID_LEN + 1],
		d11[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	grym_catalog *cat;
	json_t *j, *lin;

	tap_plan(42);
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "open: %s", err.msg);
	if (!cat)
		return tap_done();
	put_source(cat, src);
	put_derived(cat, src, "normalize", "loud", d1);
	put_derived(cat, src, "synth", "other", d2);
	put_derived(cat, d1, "features", "deeper", d11);
	TAP_SETUP(grym_catalog_add_label(cat, src, "dog", NULL));

	/* a feature set and a prediction of a model on the source */
	grym_feature_set f = { 0 };
	float summary[4] = { 1, 2, 3, 4 };
	snprintf(f.id, sizeof f.id, "%s", d2); /* any full id */
	strcpy(f.asset, src);
	f.extractor = "{\"feature\":\"mfcc\",\"n_mfcc\":2}";
	f.dims = 2;
	f.frames = 10;
	f.summary = summary;
	f.summary_len = 4;
	TAP_SETUP(grym_catalog_put_features(cat, &f, NULL));
	grym_model_row m = { 0 };
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "model", 5, m.object, NULL));
	strcpy(m.id, m.object);
	m.type = "logreg";
	m.name = "barks";
	TAP_SETUP(grym_catalog_put_model(cat, &m, NULL));
	TAP_SETUP(grym_catalog_put_prediction(cat, m.id, src, "dog", 0.875, "{\"dog\":0.875}", NULL));

	/* the source */
	j = asset_json(cat, src);
	lin = json_object_get(j, "lineage");
	TAP_EQ_STR(json_string_value(json_object_get(j, "id")), src, "the asset's id");
	TAP_EQ_STR(json_string_value(json_object_get(j, "name")), "dog1.wav",
		   "its name: the first path's base name");
	TAP_EQ_INT(json_array_size(json_object_get(j, "paths")), 2, "its origin paths");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(j, "meta"), "speaker")), "ann",
		   "its metadata");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(j, "tags"), "title")), "Bark",
		   "its tags");
	TAP_OK(json_is_integer(json_object_get(j, "created")), "its creation time");
	TAP_OK(json_is_null(json_object_get(lin, "parent")) && json_is_null(json_object_get(lin, "recipe")),
	       "a source: no parent, no recipe");
	json_t *ch = json_object_get(lin, "children");
	TAP_EQ_INT(json_array_size(ch), 2, "two children (not the grandchild)");
	int kinds = 0;
	for (size_t i = 0; i < json_array_size(ch); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(ch, i), "id"));
		const char *k = json_string_value(json_object_get(json_array_get(ch, i), "recipe_kind"));
		kinds += (id && k && ((!strcmp(id, d1) && !strcmp(k, "normalize")) ||
				      (!strcmp(id, d2) && !strcmp(k, "synth"))));
	}
	TAP_EQ_INT(kinds, 2, "each child with the kind of its recipe");
	json_t *fs = json_array_get(json_object_get(j, "features"), 0);
	TAP_OK(json_array_size(json_object_get(j, "features")) == 1 &&
	       !strcmp(json_string_value(json_object_get(fs, "extractor")), "mfcc") &&
	       json_integer_value(json_object_get(fs, "dims")) == 2 &&
	       json_integer_value(json_object_get(fs, "summary_len")) == 4,
	       "its feature set: extractor name, dims, summary length");
	json_t *pr = json_array_get(json_object_get(j, "predictions"), 0);
	TAP_OK(pr && !strcmp(json_string_value(json_object_get(pr, "model")), m.id) &&
	       !strcmp(json_string_value(json_object_get(pr, "model_name")), "barks") &&
	       !strcmp(json_string_value(json_object_get(pr, "label")), "dog") &&
	       json_real_value(json_object_get(pr, "probability")) == 0.875,
	       "its prediction: model, model name, label, probability");
	json_decref(j);

	/* a derived asset in the middle */
	j = asset_json(cat, d1);
	lin = json_object_get(j, "lineage");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(lin, "parent"), "id")), src,
		   "a derived asset names its parent");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(lin, "parent"), "name")), "dog1.wav",
		   "with its name");
	TAP_OK(json_is_null(json_object_get(json_object_get(lin, "parent"), "recipe")),
	       "and its recipe (null: a source)");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(lin, "recipe"), "stage")),
		   "normalize", "the recipe that made it");
	TAP_EQ_INT(json_array_size(json_object_get(lin, "children")), 1, "and what was made from it");
	TAP_EQ_STR(json_string_value(json_object_get(j, "name")), "dog1.wav", "its name is its parent's");
	json_decref(j);
	j = asset_json(cat, d11);
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(json_object_get(json_object_get(j,
		   "lineage"), "parent"), "recipe"), "stage")), "normalize",
		   "a grandchild's parent comes with the parent's own recipe");
	json_decref(j);
	char *text = NULL;
	char none[GRYM_ID_LEN + 1];
	memset(none, 'f', GRYM_ID_LEN);
	none[GRYM_ID_LEN] = '\0';
	TAP_EQ_INT(grym_catalog_asset_json(cat, none, &text, &err), GRYM_ERR_NOTFOUND, "no such asset");

	/* PATCH labels: the whole set, reaching derivatives */
	CHECK_TEXT(labels_of(cat, d11), "[\"dog\"]", "a label set on the source reached the grandchild");
	const char *two[] = { "bark", "loud", "bark" };
	TAP_EQ_INT(grym_catalog_set_labels(cat, src, two, 3, &err), GRYM_OK, "set labels: %s", err.msg);
	CHECK_TEXT(labels_of(cat, src), "[\"bark\",\"loud\"]", "the set replaced (a repeat counts once)");
	CHECK_TEXT(labels_of(cat, d11), "[\"bark\",\"loud\"]", "and on the derivatives");
	TAP_SETUP(grym_catalog_add_label(cat, d2, "own", NULL));
	const char *keep[] = { "loud" };
	TAP_EQ_INT(grym_catalog_set_labels(cat, src, keep, 1, &err), GRYM_OK, "set a smaller set");
	CHECK_TEXT(labels_of(cat, d2), "[\"loud\",\"own\"]",
		   "a derivative keeps its own label and loses the source's removed one");
	const char *bad[] = { "ok", "" };
	TAP_EQ_INT(grym_catalog_set_labels(cat, src, bad, 2, &err), GRYM_ERR_INVALID, "an empty label");
	CHECK_TEXT(labels_of(cat, src), "[\"loud\"]", "changes nothing");
	TAP_EQ_INT(grym_catalog_set_labels(cat, none, keep, 1, &err), GRYM_ERR_NOTFOUND,
		   "labels of no asset");
	TAP_EQ_INT(grym_catalog_set_labels(cat, src, NULL, 0, &err), GRYM_OK, "no labels at all");
	CHECK_TEXT(labels_of(cat, d1), "[]", "removed from the tree");

	/* PATCH metadata: set, remove, keep */
	TAP_EQ_INT(grym_catalog_patch_meta(cat, src, "{\"split\":\"test\",\"speaker\":null,\"n\":{\"a\":1}}",
					   &err), GRYM_OK, "patch metadata: %s", err.msg);
	CHECK_TEXT(meta_of(cat, src), "{\"n\":{\"a\":1},\"split\":\"test\",\"take\":3}",
		   "keys set, a null removes one, the others kept");
	TAP_EQ_INT(grym_catalog_patch_meta(cat, src, "[1]", &err), GRYM_ERR_INVALID, "not an object");
	TAP_OK(!strncmp(err.msg, "meta: ", 6), "naming the field: %s", err.msg);
	TAP_EQ_INT(grym_catalog_patch_meta(cat, src, "{\"x\":1,\"\":2}", &err), GRYM_ERR_INVALID,
		   "an empty key");
	CHECK_TEXT(meta_of(cat, src), "{\"n\":{\"a\":1},\"split\":\"test\",\"take\":3}",
		   "a refused patch changes nothing");

	/* all or nothing when the database refuses a row half-way: a trigger
	 * (made here) refuses the key or label "boom", which comes second */
	{
		char p[4400];
		sqlite3 *db;
		snprintf(p, sizeof p, "%s/catalog.db", dir);
		TAP_SETUP(sqlite3_open(p, &db) == SQLITE_OK ? 0 : -1);
		TAP_SETUP(sqlite3_exec(db, "CREATE TRIGGER boom_m BEFORE INSERT ON asset_meta"
				       " WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;"
				       "CREATE TRIGGER boom_l BEFORE INSERT ON asset_labels"
				       " WHEN NEW.label = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;",
				       NULL, NULL, NULL) == SQLITE_OK ? 0 : -1);
		sqlite3_close(db);
	}
	TAP_EQ_INT(grym_catalog_patch_meta(cat, src, "{\"first\":1,\"boom\":2}", &err), GRYM_ERR_DB,
		   "a patch the database refuses half-way fails");
	CHECK_TEXT(meta_of(cat, src), "{\"n\":{\"a\":1},\"split\":\"test\",\"take\":3}",
		   "and its first key was not set");
	const char *boom[] = { "first", "boom" };
	TAP_EQ_INT(grym_catalog_set_labels(cat, src, keep, 1, &err), GRYM_OK, "labels again");
	TAP_EQ_INT(grym_catalog_set_labels(cat, src, boom, 2, &err), GRYM_ERR_DB,
		   "a label set the database refuses half-way fails");
	CHECK_TEXT(labels_of(cat, d1), "[\"loud\"]", "and no label changed, on the asset or below");
	grym_catalog_close(cat);
	return tap_done();
}
