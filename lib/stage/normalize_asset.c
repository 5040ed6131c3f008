/*
 * normalize_asset.c — a catalog asset normalized into a derived asset
 * (grym/stage_normalize.h). The result is named by its parent and its
 * recipe (every option and the library versions; normalize_recipe.c), so
 * a result already made is found and reused rather than computed again.
 */
#include "grym/stage_normalize.h"
#include "grym/hash.h"
#include "grym/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int grym_normalize_asset(grym_catalog *cat, const char *parent,
			 const grym_normalize_opts *o, char id[GRYM_ID_LEN + 1],
			 int *reused, grym_normalize_report *rep, grym_error *err)
{
	grym_normalize_report local;
	grym_asset pa, da, existing;
	json_t *recipe;
	char *canon = NULL, src[4096], tmp[4096], obj[GRYM_ID_LEN + 1];
	const char *tmpdir = o->tmpdir;
	grym_output *out = NULL;
	grym_store *st = grym_catalog_store(cat);
	grym_store_reader *src_r = NULL;
	int rc;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof *rep);
	*reused = 0;
	if ((rc = grym_normalize_opts_check(o, err)) != GRYM_OK)
		return rc;
	recipe = grym_normalize_recipe(o);
	if (!recipe)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	rc = grym_id_derived(parent, recipe, id, err);
	canon = grym_recipe_canonical(recipe);
	json_decref(recipe);
	if (rc != GRYM_OK || !canon) {
		free(canon);
		return rc != GRYM_OK ? rc : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	grym_asset_init(&existing);
	if (grym_catalog_get_asset(cat, id, &existing, NULL) == GRYM_OK) {
		/* handed on instead of re-made: its object gets the checks a
		 * read would (the size; the hash when the catalog verifies),
		 * so a damaged result is not passed down the pipe unseen */
		rc = grym_catalog_check_asset_object(cat, &existing, err);
		grym_asset_clear(&existing);
		free(canon);
		if (rc == GRYM_OK)
			*reused = 1;
		return rc;
	}
	grym_asset_init(&pa);
	grym_asset_init(&da);
	if ((rc = grym_catalog_get_asset(cat, parent, &pa, err)) != GRYM_OK)
		goto done;
	/* the parent's object through a reader of the store, decoded by the
	 * name of its open file */
	{
		/* its status is the call's, also when the caller wants no
		 * message (err NULL) */
		grym_error e, *oe = err ? err : &e;
		if (!(src_r = grym_catalog_open_asset_object(cat, &pa, src, sizeof src, oe))) {
			rc = oe->code;
			goto done;
		}
	}
	/* An unnamed temporary to write the result to, then store it: a
	 * kill mid-run leaves nothing in TMPDIR. */
	out = grym_output_open_tmp(tmpdir, "grym-norm", tmp, sizeof tmp, err);
	if (!out) {
		rc = err ? err->code : GRYM_ERR_IO;
		goto done;
	}
	rc = grym_normalize_file(src, o, out, rep, err);
	grym_store_reader_close(src_r);
	src_r = NULL;
	/* a signal after the last block: still no object and no row */
	if (rc == GRYM_OK && grym_cancelled(o->cancel))
		rc = grym_error_cancelled(err);
	if (rc != GRYM_OK || rep->skipped) {
		grym_output_abort(out);
		grym_tmp_release(tmp);
		goto done;
	}
	rc = grym_output_commit(out, err);
	if (rc == GRYM_OK)
		rc = grym_store_put_file(st, tmp, obj, err);
	if (rc == GRYM_OK)
		rc = grym_store_size(st, obj, &da.bytes, err);
	grym_tmp_release(tmp);
	if (rc == GRYM_OK && grym_cancelled(o->cancel))
		rc = grym_error_cancelled(err);
	if (rc != GRYM_OK)
		goto done;
	memcpy(da.id, id, sizeof da.id);
	snprintf(da.kind, sizeof da.kind, "derived");
	memcpy(da.parent, parent, sizeof da.parent);
	memcpy(da.object, obj, sizeof da.object);
	da.recipe = canon;
	canon = NULL;
	da.format = strdup(grym_file_type_name(o->type));
	da.codec = strdup(grym_file_type_codec(o->type, rep->format, &da.bits));
	da.sample_rate = rep->rate;
	da.channels = rep->channels;
	da.frames = rep->frames_out;
	da.duration = rep->rate ? (double)rep->frames_out / rep->rate : 0.0;
	da.tags = pa.tags ? json_deep_copy(pa.tags) : NULL;
	da.labels = pa.labels ? json_deep_copy(pa.labels) : NULL;
	da.meta = pa.meta ? json_deep_copy(pa.meta) : NULL;
	if (!da.format || !da.codec) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	rc = grym_catalog_put_asset(cat, &da, NULL, err);
done:
	grym_store_reader_close(src_r);
	free(canon);
	grym_asset_clear(&pa);
	grym_asset_clear(&da);
	return rc;
}
