/*
 * infer_asset.c — a catalog asset as an input of the infer stage: scored
 * through the model's recipe replayed on the audio of its source (the
 * recipe holds the normalize stages that made any derived asset, so a
 * derived asset and its source score alike, as the pipeline scored
 * them); the prediction is stored under the asset.
 */
#include "infer_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/store.h"
#include "core/error_int.h"

/* The asset's source (the end of its chain of parents) opened, its path
 * in path; *name becomes the first path met up the chain when the record
 * named none. */
static int open_source(inf_run *r, const char *id, char **name, int *named,
		       grym_store_reader **obj, char *path, size_t len, grym_error *err)
{
	char src[GRYM_ID_LEN + 1];
	grym_asset ga;
	memcpy(src, id, sizeof src);
	for (int depth = 0; depth < 64; depth++) {
		int rc = grym_catalog_get_asset(r->cat, src, &ga, err);
		if (rc != GRYM_OK)
			return rc;
		if (!*named && json_array_size(ga.paths) > 0) {
			json_t *pm = json_pack("{s:O}", "path", json_array_get(ga.paths, 0));
			char *nm = pm ? grym_stage_item_name(id, pm) : NULL;
			json_decref(pm);
			if (nm) {
				free(*name);
				*name = nm;
				*named = 1;
			}
		}
		if (ga.parent[0] == 0) {
			/* the size check (and with --verify the hash) names the
			 * asset whose object is damaged */
			*obj = grym_catalog_open_asset_object(r->cat, &ga, path, len, err);
			grym_asset_clear(&ga);
			return *obj ? GRYM_OK : grym__status(err);
		}
		memcpy(src, ga.parent, sizeof src);
		grym_asset_clear(&ga);
	}
	return grym_error_set(err, GRYM_ERR_CORRUPT, "asset chain deeper than 64 parents");
}

int inf_asset(inf_run *r, const char *key, const json_t *meta, grym_error *err)
{
	grym_error e = { 0 };
	char id[GRYM_ID_LEN + 1], path[4096];
	grym_store_reader *obj = NULL;    /* the source's object, decoded by path */
	/* messages name the file: the record's path, else the first path
	 * found up the asset's chain (a bare id on stdin) */
	char *name = grym_stage_item_name(key, meta);
	int named = name && strcmp(name, key) != 0, rc = GRYM_OK;
	grym_replay_result res;
	memset(&res, 0, sizeof res);
	grym_replay *rp = NULL;
	if (grym_catalog_resolve(r->cat, key, id, &e) != GRYM_OK) {
		grym_error_set(&e, GRYM_ERR_NOTFOUND, "neither a feature set nor an asset in the catalog");
	} else if (open_source(r, id, &name, &named, &obj, path, sizeof path, &e) != GRYM_OK) {
	} else if (!(rp = inf_replay(r, &e)) || grym_replay_file(rp, path, &res, &e) != GRYM_OK) {
	} else {
		int seg = grym_replay_segmented(rp);
		for (size_t k = 0; k < res.n && !rc; k++)
			rc = inf_push(r, id, res.x + k * res.dims, res.dims, seg ? "" : id,
				      seg ? res.start[k] : NAN, seg ? res.end[k] : NAN, err);
		if (rc)
			inf_output_failed(r, rc, err);
		grym_replay_result_clear(&res);
		goto done;
	}
	grym_stage_fail(r->env, name ? name : key, &e);
done:
	grym_store_reader_close(obj);
	free(name);
	return rc;
}
