/*
 * normalize_recipe.c — the normalize stage as data: a grym_normalize_opts
 * to its recipe object and back.
 *
 * The recipe's keys after "mode" and "target", their types and ranges are
 * the parameter table's (normalize_params.c), so an option and its recipe
 * key cannot disagree. What is written here by hand is what the table
 * cannot say: "stage", the gain as "mode" and "target" (one of four
 * options), and "versions", the libraries that made the result (a derived
 * asset is named by the recipe, so a new FFmpeg makes a new asset).
 * Catalog mode names derived assets by the recipe; a model's pipeline is
 * replayed (lib/pipeline) by reading it back with
 * grym_normalize_opts_from_recipe.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libswresample/swresample.h>
#include <sndfile.h>

#include "core/schema_int.h"
#include "grym/version.h"
#include "grym/normalize_params.h"

/* The recipe's "mode" values, by grym_gain_mode, and the option each
 * stands for. */
static const char *const modes[] = { "lufs", "peak", "rms", "gain" };

static void version_str(char *buf, size_t len, unsigned v)
{
	snprintf(buf, len, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
}

json_t *grym_normalize_recipe(const grym_normalize_opts *o)
{
	grym_normalize_params p;
	json_t *r = json_object(), *v = json_object();
	char buf[32];

	if (!r || !v || (unsigned)o->mode > GRYM_GAIN_FIXED) {
		json_decref(r);
		json_decref(v);
		return NULL;
	}
	memset(&p, 0, sizeof p);
	p.o = *o;
	json_object_set_new(r, "stage", json_string("normalize"));
	json_object_set_new(r, "mode", json_string(modes[o->mode]));
	json_object_set_new(r, "target", json_real(o->target));
	if (grym__schema_recipe_add(grym_normalize_schema(), &p, r, NULL) != GRYM_OK) {
		json_decref(r);
		json_decref(v);
		return NULL;
	}
	json_object_set_new(v, "grym", json_string(grym_version()));
	version_str(buf, sizeof buf, avcodec_version());
	json_object_set_new(v, "libavcodec", json_string(buf));
	version_str(buf, sizeof buf, swresample_version());
	json_object_set_new(v, "libswresample", json_string(buf));
	json_object_set_new(v, "libsndfile", json_string(sf_version_string()));
	json_object_set_new(r, "versions", v);
	return r;
}

json_t *grym_normalize_recipe_entry(const json_t *recipe, int short_clip)
{
	json_t *e = json_deep_copy(recipe);
	if (e && short_clip)
		json_object_set_new(e, "short_clip", json_true());
	return e;
}

int grym_normalize_opts_from_recipe(const json_t *recipe, grym_normalize_opts *o, grym_error *err)
{
	/* the keys read here; the table reads the rest */
	static const char *const own[] = { "stage", "mode", "target", "versions", "short_clip", NULL };
	const grym_schema *s = grym_normalize_schema();
	grym_normalize_params p;
	const grym_param *gain;
	const char *stage, *mode;
	const json_t *target;
	char typed[64];
	grym_error e = { 0 };
	int rc, m;

	if (!json_is_object(recipe))
		return grym_error_set(err, GRYM_ERR_FORMAT, "normalize recipe: not a JSON object");
	stage = json_string_value(json_object_get(recipe, "stage"));
	if (!stage || strcmp(stage, "normalize"))
		return grym_error_set(err, GRYM_ERR_FORMAT, "not a normalize recipe (stage \"%s\")",
				      stage ? stage : "(none)");
	memset(&p, 0, sizeof p);
	if (grym_schema_defaults(s, &p, err) != GRYM_OK)
		return err ? err->code : GRYM_ERR_NOMEM;
	/* every key must be there: a recipe names what it made, and a default
	 * filled in for a missing key could name something else */
	if ((rc = grym__schema_recipe_read(s, &p, recipe, own, 1, "normalize recipe", err)) != GRYM_OK)
		goto out;
	mode = json_string_value(json_object_get(recipe, "mode"));
	if (!mode) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "normalize recipe: \"mode\" missing or not a string");
		goto out;
	}
	for (m = 0; m < 4 && strcmp(mode, modes[m]); m++)
		;
	if (m == 4) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "normalize recipe: unknown mode \"%s\" (one of: "
				    "lufs, peak, rms, gain)", mode);
		goto out;
	}
	/* the target in the range of the option the mode names */
	target = json_object_get(recipe, "target");
	if (!json_is_number(target)) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "normalize recipe: \"target\" missing or not a number");
		goto out;
	}
	gain = grym_schema_find(s, modes[m]);
	p.lufs = -23;   /* the others not given, so the mode is this one */
	snprintf(typed, sizeof typed, "%.10g", json_number_value(target));
	if ((rc = grym__param_set_number(gain, &p, json_number_value(target), 0,
					 "normalize recipe: \"target\"", typed, err)) != GRYM_OK) {
		rc = GRYM_ERR_FORMAT;
		goto out;
	}
	p.o.tmpdir = o->tmpdir;
	if (grym_normalize_params_opts(&p, &p.o, &e) != GRYM_OK) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "normalize recipe: %s", e.msg);
		goto out;
	}
	p.o.tmpdir = o->tmpdir;
	*o = p.o;
out:
	if (rc && err)
		err->code = rc;
	grym_schema_clear(s, &p);
	return rc;
}
