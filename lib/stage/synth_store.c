/*
 * synth_store.c — synthesis results as derived assets of the catalog.
 *
 * A transformation of a catalogued asset is itself an asset: its id is
 * the hash of the parent's id and the canonical recipe (DESIGN.md), its
 * bytes an object of the store, its row names the parent and the recipe,
 * so the result can be traced and made again. The bytes are a 32-bit
 * float WAV written by libsndfile without the time-stamped PEAK chunk,
 * so the same recipe gives the same object on every machine.
 */
#include "synth_int.h"
#include "grym/io.h"
#include "grym/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Encode into an unnamed temporary (TMPDIR: a kill leaves nothing, and
 * nothing assumes the store is a local folder); path receives its name,
 * to be released by the caller. The temporary is a seekable file, so
 * the encoder writes the WAV sizes in place: the same bytes as before. */
static int encode_tmp(const float *x, int64_t frames, int channels, int rate, char *path,
		      size_t len, grym_error *err)
{
	grym_output *out;
	grym_encoder *enc;
	int rc;

	if (!(out = grym_output_open_tmp(NULL, "synth-derived", path, len, err)))
		return err ? err->code : GRYM_ERR_IO;
	if (!(enc = grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_F32, rate, channels, 0, 0,
				      err))) {
		grym_output_abort(out);
		return err ? err->code : GRYM_ERR_IO;
	}
	if ((rc = grym_encoder_write(enc, x, frames, err))) {
		grym_encoder_close(enc, NULL);
		grym_output_abort(out);
		return rc;
	}
	if ((rc = grym_encoder_close(enc, err))) {
		grym_output_abort(out);
		return rc;
	}
	return grym_output_commit(out, err);
}

int synth__put_derived(grym_catalog *cat, const char *parent, const json_t *recipe,
		       const float *x, int64_t frames, int channels, int rate,
		       char id[GRYM_ID_LEN + 1], grym_error *err)
{
	grym_store *store = grym_catalog_store(cat);
	grym_asset pa, a;
	char path[4096] = "", obj[GRYM_ID_LEN + 1];
	int rc;

	grym_asset_init(&pa);
	grym_asset_init(&a);
	if ((rc = grym_catalog_get_asset(cat, parent, &pa, err)))
		return rc;
	if ((rc = grym_id_derived(parent, recipe, id, err)))
		goto done;
	if ((rc = encode_tmp(x, frames, channels, rate, path, sizeof path, err)))
		goto done;
	/* through the store's writer (put_file copies into one) */
	rc = grym_store_put_file(store, path, obj, err);
	if (rc == GRYM_OK)
		rc = grym_store_size(store, obj, &a.bytes, err);
	if (rc < 0)
		goto done;
	rc = GRYM_OK;
	snprintf(a.id, sizeof a.id, "%s", id);
	snprintf(a.kind, sizeof a.kind, "derived");
	snprintf(a.parent, sizeof a.parent, "%s", parent);
	snprintf(a.object, sizeof a.object, "%s", obj);
	a.recipe = grym_recipe_canonical(recipe);
	a.format = strdup("wav");
	a.codec = strdup("pcm_f32le");
	if (!a.recipe || !a.format || !a.codec) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	a.sample_rate = rate;
	a.channels = channels;
	a.bits = 32;
	a.frames = frames;
	a.duration = (double)frames / rate;
	if (pa.labels)
		a.labels = json_deep_copy(pa.labels);
	if (pa.meta)
		a.meta = json_deep_copy(pa.meta);
	rc = grym_catalog_put_asset(cat, &a, NULL, err);
done:
	if (path[0])
		grym_tmp_release(path);
	grym_asset_clear(&pa);
	grym_asset_clear(&a);
	return rc;
}
