/*
 * normalize_measure.c — grym_stage_measure (grym/stage_normalize.h): the
 * loudness of every input as the run would process it, one at a time,
 * to the sink in input order.
 */
#include "stage/normalize_int.h"
#include "core/error_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct measure_run {
	grym_stage_env *env;
	const grym_normalize_params *p;
	grym_catalog *cat;      /* opened at the first asset */
	uint64_t item, total;   /* progress: the input under way, of total */
} measure_run;

/* The input under way's position (0..1, or negative while its length is
 * unknown) as the stage's progress. */
static void item_progress(void *ud, double fraction, const char *msg)
{
	measure_run *m = ud;
	grym_stage_progress(m->env, (double)m->item + (fraction > 0 ? fraction : 0), m->total, msg);
}

/* The object of a catalog asset: *r reads it, path names its open file
 * for the decoder; *name becomes the asset's file and id. */
static int asset_path(measure_run *m, grym_source *it, grym_store_reader **r,
		      char *path, size_t len, char **name, grym_error *err)
{
	char id[GRYM_ID_LEN + 1];
	grym_asset as;
	int rc;

	if (!m->cat) {
		if (!m->env->catalog_dir)
			return grym_error_set(err, GRYM_ERR_INVALID, "a catalog asset, but no catalog");
		if (!(m->cat = grym_catalog_open(m->env->catalog_dir, err)))
			return err->code;
	}
	grym_catalog_set_verify(m->cat, m->p->verify);
	if ((rc = grym_catalog_resolve(m->cat, it->head.key, id, err)) != GRYM_OK)
		return rc;
	grym_asset_init(&as);
	rc = grym_catalog_get_asset(m->cat, id, &as, err);
	if (rc == GRYM_OK && !(*r = grym_catalog_open_asset_object(m->cat, &as, path, len, err)))
		rc = grym__status(err);
	if (rc == GRYM_OK && !json_object_get(it->head.meta, "path") && json_array_size(as.paths)) {
		json_t *pm = json_pack("{s:O}", "path", json_array_get(as.paths, 0));
		*name = pm ? grym_stage_item_name(id, pm) : NULL;
		json_decref(pm);
	} else if (rc == GRYM_OK) {
		*name = grym_stage_item_name(id, it->head.meta);
	}
	grym_asset_clear(&as);
	return rc;
}

/* Measure one item; its failure is reported. */
static void measure_item(measure_run *m, grym_source *it, const grym_measure_sink *sink)
{
	char path[4096];
	char *name = NULL;
	grym_store_reader *obj = NULL;
	int is_tmp = 0, rc;
	grym_loudness_result r;
	grym_error err = { 0 };
	grym_normalize_opts o = m->p->o;

	o.cancel = m->env->cancel;
	o.progress = m->env->progress ? item_progress : NULL;
	o.progress_ud = m;
	switch (it->kind) {
	case GRYM_SOURCE_ERROR:
		grym_stage_fail(m->env, it->name, &it->err);
		return;
	case GRYM_SOURCE_FILE:
		snprintf(path, sizeof path, "%s", it->path);
		rc = GRYM_OK;
		break;
	case GRYM_SOURCE_AUDIO_IN:
		rc = grym_source_audio_path(it, o.tmpdir, path, sizeof path, &is_tmp, &err);
		break;
	case GRYM_SOURCE_REF:
		rc = asset_path(m, it, &obj, path, sizeof path, &name, &err);
		break;
	default:
		rc = grym_error_set(&err, GRYM_ERR_UNSUPPORTED, "a %s record: --measure takes audio "
				    "files and catalog assets", grym_payload_kind_name(it->head.kind));
	}
	const char *shown = name ? name : it->name;
	if (rc == GRYM_OK)
		rc = grym_normalize_measure(path, &o, &r, &err);
	grym_store_reader_close(obj);
	if (rc != GRYM_OK)
		grym_stage_fail(m->env, shown, &err);
	else if (sink && sink->measured)
		sink->measured(sink->ud, shown, &r);
	if (is_tmp)
		grym_tmp_release(path);
	free(name);
}

int grym_stage_measure(grym_stage_env *env, grym_sources *inputs,
		       const grym_normalize_params *p, const grym_measure_sink *sink,
		       grym_error *err)
{
	measure_run m = { .env = env, .p = p, .total = sink ? sink->total : 0 };
	grym_source *it;
	grym_error e = { 0 };
	int rc;

	env->ninputs = env->nfailed = 0;
	while ((rc = grym_sources_next(inputs, &it, &e)) == GRYM_OK) {
		env->ninputs++;
		measure_item(&m, it, sink);
		m.item++;
		grym_stage_progress(env, (double)m.item, m.total, NULL);
	}
	/* the end of the items, or a failure that stopped the listing */
	if (rc != GRYM_ERR_EOF && rc != GRYM_ERR_INTERRUPTED)
		grym_stage_fail(env, NULL, &e);
	grym_catalog_close(m.cat);
	if (grym_cancelled(env->cancel))
		return grym_error_cancelled(err);
	return GRYM_OK;
}
