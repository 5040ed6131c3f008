/*
 * test_trainsel_catalog.c — grym_catalog_foreach_features: every feature
 * set of one asset (and only of that asset), in id order, with its
 * extractor and summary intact; the callback may query the catalog; a
 * non-zero return stops the walk and is returned.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/hash.h"
#include "tap.h"

static void put_source(grym_catalog *cat, const char *bytes, grym_asset *a)
{
	grym_asset_init(a);
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a->object, NULL));
	strcpy(a->id, a->object);
	strcpy(a->kind, "source");
	a->format = strdup("wav");
	a->codec = strdup("pcm_s16le");
	a->sample_rate = 16000;
	a->channels = 1;
	a->frames = 16000;
	a->duration = 1.0;
	a->bytes = strlen(bytes);
	TAP_SETUP(grym_catalog_put_asset(cat, a, NULL, NULL));
}

static void put_fs(grym_catalog *cat, const char *asset, const char *feature, float v)
{
	grym_feature_set f;
	float s[2] = { v, v + 1 };
	memset(&f, 0, sizeof f);
	json_t *r = json_pack("{s:s, s:s}", "stage", "features", "feature", feature);
	TAP_SETUP(grym_id_derived(asset, r, f.id, NULL));
	f.extractor = grym_recipe_canonical(r);
	json_decref(r);
	strcpy(f.asset, asset);
	f.frames = 4;
	f.dims = 1;
	f.summary = s;
	f.summary_len = 2;
	TAP_SETUP(grym_store_put(grym_catalog_store(cat), "m", 1, f.object, NULL));
	TAP_SETUP(grym_catalog_put_features(cat, &f, NULL));
	free(f.extractor);
}

typedef struct seen {
	grym_catalog *cat;
	char ids[8][GRYM_ID_LEN + 1];
	char text[512];
	int n, stop_at, nested_ok;
} seen;

static int visit(void *ud, const grym_feature_set *f)
{
	seen *s = ud;
	grym_asset a;
	if (grym_catalog_get_asset(s->cat, f->asset, &a, NULL) == GRYM_OK) {
		s->nested_ok++;
		grym_asset_clear(&a);
	}
	json_t *x = json_loads(f->extractor, 0, NULL);
	size_t l = strlen(s->text);
	snprintf(s->text + l, sizeof s->text - l, "%s=%g,%g;", json_string_value(json_object_get(x, "feature")),
		 f->summary_len == 2 ? f->summary[0] : -1, f->summary_len == 2 ? f->summary[1] : -1);
	json_decref(x);
	strcpy(s->ids[s->n++], f->id);
	return s->n == s->stop_at ? 7 : 0;
}

int main(void)
{
	tap_plan(12);
	char dir[4096];
	grym_error err = { 0 };
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "catalog opens: %s", err.msg);
	grym_asset a, b;
	put_source(cat, "clip a", &a);
	put_source(cat, "clip b", &b);
	put_fs(cat, a.id, "mfcc", 1);
	put_fs(cat, a.id, "rms", 3);
	put_fs(cat, b.id, "mfcc", 5);

	seen s = { 0 };
	s.cat = cat;
	TAP_EQ_INT(grym_catalog_foreach_features(cat, a.id, visit, &s, &err), GRYM_OK, "walk a: %s", err.msg);
	TAP_EQ_INT(s.n, 2, "a has two feature sets");
	TAP_EQ_INT(s.nested_ok, 2, "the callback may query the catalog");
	TAP_OK(strcmp(s.ids[0], s.ids[1]) < 0, "in id order");
	TAP_OK(!strcmp(s.text, "mfcc=1,2;rms=3,4;") || !strcmp(s.text, "rms=3,4;mfcc=1,2;"),
	       "extractors and summaries: %s", s.text);

	memset(&s, 0, sizeof s);
	s.cat = cat;
	TAP_EQ_INT(grym_catalog_foreach_features(cat, b.id, visit, &s, &err), GRYM_OK, "walk b");
	TAP_EQ_STR(s.text, "mfcc=5,6;", "b has only its own set");

	memset(&s, 0, sizeof s);
	s.cat = cat;
	s.stop_at = 1;
	TAP_EQ_INT(grym_catalog_foreach_features(cat, a.id, visit, &s, &err), 7, "a non-zero return stops");
	TAP_EQ_INT(s.n, 1, "after one set");

	memset(&s, 0, sizeof s);
	TAP_EQ_INT(grym_catalog_foreach_features(cat, "0000", visit, &s, &err), GRYM_OK, "unknown asset: ok");
	TAP_EQ_INT(s.n, 0, "and nothing visited");

	grym_asset_clear(&a);
	grym_asset_clear(&b);
	grym_catalog_close(cat);
	return tap_done();
}
