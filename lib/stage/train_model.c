/*
 * train_model.c — where the train stage's model goes (a file, the
 * catalog with its out-of-fold predictions, a report), and where
 * grym-train --show finds one.
 */
#include <stdlib.h>
#include <string.h>

#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/io.h"
#include "grym/store.h"
#include "train_int.h"
#include "core/error_int.h"

int grym__train_write_file(const char *path, const void *buf, size_t len, grym_error *err)
{
	grym_output *o = grym_output_open(path, err);
	if (!o)
		return err->code;
	if (grym_output_write(o, buf, len, err)) {
		grym_output_abort(o);
		return err->code;
	}
	return grym_output_commit(o, err);
}

int grym__train_store(const char *dir, const grym_train_params *p, const grym_model *m,
		      const grym_dataset *ds, const json_t *pipeline, const json_t *metrics,
		      const unsigned char *buf, size_t len, const char *oof, size_t oof_len,
		      char *id, grym_error *err)
{
	grym_catalog *cat = grym_catalog_open(dir, err);
	if (!cat)
		return err->code;
	int rc = GRYM_OK;
	grym_model_row row = { 0 };
	json_t *params = grym_model_params_json(m);
	json_t *training = json_pack("{s:I,s:I,s:O,s:s?,s:s?,s:I}", "items", (json_int_t)ds->n,
				     "dims", (json_int_t)ds->d,
				     "pipeline", pipeline ? (json_t *)pipeline : json_null(),
				     "target", p->target, "group_by", p->group_by,
				     "seed", (json_int_t)p->ml.seed);
	/* the model's own account (class counts, clusters, target) too */
	if (training && grym_model_training(m))
		json_object_update_missing(training, (json_t *)grym_model_training(m));
	/* the out-of-fold predictions: an object beside the model, named in
	 * its training record (gc and merge keep it with the model) */
	char oof_id[GRYM_ID_LEN + 1];
	if (oof && training) {
		if ((rc = grym_store_put(grym_catalog_store(cat), oof, oof_len, oof_id, err)))
			goto out;
		json_object_set_new(training, "predictions", json_string(oof_id));
	}
	row.name = (char *)p->name;
	row.type = (char *)grym_model_type_name(grym_model_type_of(m));
	row.params = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	row.training = training ? json_dumps(training, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	row.metrics = metrics ? json_dumps(metrics, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(6)) : NULL;
	rc = grym_store_put(grym_catalog_store(cat), buf, len, id, err);
	if (!rc) {
		memcpy(row.id, id, sizeof row.id);
		memcpy(row.object, id, sizeof row.object);
		rc = grym_catalog_put_model(cat, &row, err);
	}
	free(row.params);
	free(row.training);
	free(row.metrics);
out:
	json_decref(params);
	json_decref(training);
	grym_catalog_close(cat);
	return rc;
}

json_t *grym_train_result_json(const grym_train_result *r, const grym_train_params *p)
{
	json_t *rep = r->metrics ? json_deep_copy(r->metrics) : json_object();
	if (!rep)
		return NULL;
	json_object_set_new(rep, "model", json_string(r->kind));
	json_object_set_new(rep, "items", json_integer((json_int_t)r->ds->n));
	json_object_set_new(rep, "dims", json_integer((json_int_t)r->ds->d));
	json_object_set_new(rep, "seed", json_integer((json_int_t)p->ml.seed));
	if (!r->metrics && r->model) {
		json_t *lab = json_array();
		for (size_t c = 0; c < grym_model_nclasses(r->model); c++)
			json_array_append_new(lab, json_string(grym_model_label(r->model, c)));
		json_object_set_new(rep, "labels", lab);
	}
	if (p->output)
		json_object_set_new(rep, "output", json_string(p->output));
	if (r->model_id && r->model_id[0])
		json_object_set_new(rep, "model_id", json_string(r->model_id));
	return rep;
}

json_t *grym_train_model_json(const grym_model *m)
{
	json_t *j = json_pack("{s:s,s:I,s:o,s:o,s:O,s:O,s:O}", "type",
			      grym_model_type_name(grym_model_type_of(m)),
			      "dims", (json_int_t)grym_model_dims(m), "labels", json_array(),
			      "params", grym_model_params_json(m),
			      "training", grym_model_training(m) ? (json_t *)grym_model_training(m) : json_null(),
			      "metrics", grym_model_metrics(m) ? (json_t *)grym_model_metrics(m) : json_null(),
			      "pipeline", grym_model_pipeline(m) ? (json_t *)grym_model_pipeline(m) : json_null());
	for (size_t c = 0; j && c < grym_model_nclasses(m); c++)
		json_array_append_new(json_object_get(j, "labels"), json_string(grym_model_label(m, c)));
	return j;
}

grym_model *grym_train_load_model(const char *catalog_dir, const char *name, grym_error *err)
{
	/* the file's status says whether to ask the catalog, also when the
	 * caller wants no message */
	grym_error e = { 0 }, *le = err ? err : &e;
	grym_model *m = grym_model_load_file(name, le);
	if (m || le->code != GRYM_ERR_NOTFOUND || !catalog_dir)
		return m;
	grym_catalog *cat = NULL;
	grym_model_row row = { 0 };
	void *buf = NULL;
	size_t len = 0;
	grym_error e2 = { 0 };
	int rc;
	if ((cat = grym_catalog_open(catalog_dir, &e2)) &&
	    grym_catalog_get_model(cat, name, &row, &e2) == GRYM_OK) {
		/* the model's bytes are always hashed: a damaged object is
		 * named, not loaded */
		rc = grym_catalog_model_bytes(cat, &row, &buf, &len, le);
		if (rc == GRYM_OK && !(m = grym_model_load(buf, len, le)))
			rc = le->code;
	} else {
		*le = e2;
		rc = grym_error_prefix(le, e2.code ? e2.code : GRYM_ERR_NOTFOUND,
				       "no such file, nor a model in the catalog");
	}
	free(buf);
	grym_model_row_clear(&row);
	grym_catalog_close(cat);
	return m ? m : grym__failed(le, rc);
}
