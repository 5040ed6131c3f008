/*
 * fuzz_api.c — libFuzzer target for what grym-serve's handlers parse of
 * a request themselves, beyond libmicrohttpd: a JSON body's "params" as
 * every stage's table reads it (grym_schema_set_json, the same call the
 * job runner makes), and a list's ?cursor as the asset pages read it (an
 * opaque base64url token a client may forge). Any bytes must give a
 * result or a clean error, never a crash, a leak or a half-set params.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grym/catalog.h"
#include "grym/catalog_page.h"
#include "grym/features_params.h"
#include "grym/infer_params.h"
#include "grym/ingest_params.h"
#include "grym/normalize_params.h"
#include "grym/schema.h"
#include "grym/synth_params.h"
#include "grym/train_params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One catalog for the whole run, made empty in a temporary folder. */
static grym_catalog *the_catalog(void)
{
	static grym_catalog *cat;
	static char dir[] = "/tmp/grym-fuzz-api.XXXXXX";
	if (!cat && mkdtemp(dir))
		cat = grym_catalog_open(dir, NULL);
	return cat;
}

static void params(const grym_schema *s, void *p, const char *json)
{
	grym_error err;
	if (grym_schema_defaults(s, p, &err) != GRYM_OK)
		return;
	if (grym_schema_set_json(s, p, json, &err) != GRYM_OK && err.code == GRYM_OK)
		abort();   /* a refusal always says why */
	grym_schema_clear(s, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union {
		grym_features_params f;
		grym_normalize_params n;
		grym_train_params t;
		grym_infer_params i;
		grym_ingest_params g;
		grym_synth_stage_params y;
	} p;
	char *s = malloc(size + 1);
	grym_catalog *cat = the_catalog();
	grym_error err;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	params(grym_features_schema(), &p.f, s);
	params(grym_normalize_schema(), &p.n, s);
	params(grym_train_schema(), &p.t, s);
	params(grym_infer_schema(), &p.i, s);
	params(grym_ingest_schema(), &p.g, s);
	params(grym_synth_schema(), &p.y, s);
	if (cat) {
		static const char *const sorts[] = { "name", "created" };
		for (int k = 0; k < 2; k++) {
			grym_asset_page_query q = { .sort = sorts[k], .cursor = s, .limit = 5 };
			char *json = NULL;
			if (grym_catalog_asset_page(cat, &q, &json, &err) != GRYM_OK && err.code == GRYM_OK)
				abort();
			free(json);
		}
	}
	free(s);
	return 0;
}
