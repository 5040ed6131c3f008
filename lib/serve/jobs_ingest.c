/*
 * jobs_ingest.c — the runner's "ingest" stage: files the server staged
 * (a multipart POST /api/assets, a finished resumable upload) ingested
 * under the names their clients gave, with the form's labels and
 * metadata, each new asset's peaks pyramid built, and the staged files
 * removed when the job ends however it ends.
 *
 * Its inputs are server-side paths, so it is never a stage a client may
 * name in POST /api/jobs: only grym_jobs_submit_ingest (and a rerun of
 * such a job) queues it. The client's file name is only the recorded
 * name of the bytes (grym_ingest_fd), never a path that is opened.
 */
#include "serve/jobs_int.h"
#include "grym/ingest.h"
#include "grym/ingest_params.h"
#include "grym/view.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILES 10000         /* files of one ingest job */
#define MAX_LISTED 1000         /* assets listed in a result */

static void set_field(char *field, size_t len, const char *fmt, const char *s)
{
	if (field && len)
		snprintf(field, len, fmt, s);
}

/* The parameters an ingest job may take: the rest of the ingest table
 * names files of the server (manifest, from_list, output) or output
 * forms (text, probe, json) a job has no use for. */
static int key_allowed(const char *k)
{
	static const char *const ok[] = { "label", "replace_labels", "accept_truncated",
					   "match", "max_bytes", "meta" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (!strcmp(k, ok[i]))
			return 1;
	return 0;
}

/* params (object) without "meta" into p through the ingest table. */
static int read_params(json_t *o, grym_ingest_params *p, char *field, size_t len,
		       grym_error *err)
{
	json_t *copy = json_copy(o);
	char *text;
	int rc;
	if (!copy)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	json_object_del(copy, "meta");
	text = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	if (!text)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if ((rc = grym_schema_defaults(grym_ingest_schema(), p, err)) == GRYM_OK &&
	    (rc = grym_schema_set_json(grym_ingest_schema(), p, text, err)) != GRYM_OK) {
		const char *q = strchr(err->msg, '"'), *e = q ? strchr(q + 1, '"') : NULL;
		if (q && e && e - q < 100 && field && len)
			snprintf(field, len, "params.%.*s", (int)(e - q - 1), q + 1);
		else
			set_field(field, len, "%s", "params");
	}
	free(text);
	if (rc != GRYM_OK)
		grym_schema_clear(grym_ingest_schema(), p);
	return rc;
}

int sj_ingest_check(const char *params, const char *inputs, char **params_out,
		    char **inputs_out, char *field, size_t len, grym_error *err)
{
	json_t *p = json_loads(params && params[0] ? params : "{}", 0, NULL);
	json_t *in = json_loads(inputs ? inputs : "null", 0, NULL);
	grym_ingest_params ip;
	const char *key;
	json_t *v;
	size_t i;
	int rc = GRYM_OK;

	*params_out = *inputs_out = NULL;
	set_field(field, len, "%s", "");
	if (!json_is_object(p)) {
		set_field(field, len, "%s", "params");
		rc = grym_error_set(err, GRYM_ERR_INVALID, "params: not a JSON object");
		goto done;
	}
	json_object_foreach(p, key, v) {
		if (!key_allowed(key)) {
			set_field(field, len, "params.%s", key);
			rc = grym_error_set(err, GRYM_ERR_INVALID, "params.%s: not a parameter of "
					    "an upload's ingest", key);
			goto done;
		}
	}
	v = json_object_get(p, "meta");
	if (v && !json_is_object(v)) {
		set_field(field, len, "%s", "params.meta");
		rc = grym_error_set(err, GRYM_ERR_INVALID, "params.meta: not an object");
		goto done;
	}
	if ((rc = read_params(p, &ip, field, len, err)) != GRYM_OK)
		goto done;
	grym_schema_clear(grym_ingest_schema(), &ip);
	if (!json_is_array(in) || json_array_size(in) == 0 || json_array_size(in) > MAX_FILES) {
		set_field(field, len, "%s", "inputs");
		rc = grym_error_set(err, GRYM_ERR_INVALID, "inputs: 1 to %d staged files",
				    MAX_FILES);
		goto done;
	}
	json_array_foreach(in, i, v) {
		const char *path = json_string_value(json_object_get(v, "path"));
		const char *name = json_string_value(json_object_get(v, "name"));
		if (!path || path[0] != '/' || !name) {
			char f[32];
			snprintf(f, sizeof f, "inputs[%zu]", i);
			set_field(field, len, "%s", f);
			rc = grym_error_set(err, GRYM_ERR_INVALID, "%s: not a staged file", f);
			goto done;
		}
	}
	*params_out = json_dumps(p, JSON_COMPACT);
	*inputs_out = json_dumps(in, JSON_COMPACT);
	if (!*params_out || !*inputs_out) {
		free(*params_out);
		free(*inputs_out);
		*params_out = *inputs_out = NULL;
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
done:
	json_decref(p);
	json_decref(in);
	return rc;
}

typedef struct ictx {
	grym_stage_env *env;
	json_t *assets;                 /* listed */
	char (*ids)[GRYM_ID_LEN + 1];   /* every asset met, for meta and peaks */
	size_t nids, cap;
	int nomem;
} ictx;

static int on_outcome(void *ud, const grym_ingest_result *r)
{
	ictx *c = ud;
	c->env->ninputs++;
	if (r->status != GRYM_OK) {
		grym_error e = { 0 };
		grym_error_set(&e, r->status, "%s", r->message ? r->message : "failed");
		grym_stage_fail(c->env, r->path, &e);
		return 0;
	}
	if (json_array_size(c->assets) < MAX_LISTED)
		json_array_append_new(c->assets, json_pack("{s:s, s:s, s:b}", "input", r->path,
							   "asset", r->id, "created", r->created));
	if (c->nids == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		void *p = realloc(c->ids, cap * sizeof *c->ids);
		if (!p) {
			c->nomem = 1;
			return 1;
		}
		c->ids = p;
		c->cap = cap;
	}
	snprintf(c->ids[c->nids++], GRYM_ID_LEN + 1, "%s", r->id);
	return 0;
}

/* Remove the job's staged files: they were the server's copies of what
 * the clients sent, and the catalog has what it kept of them. */
static void remove_staged(json_t *in)
{
	size_t i;
	json_t *v;
	json_array_foreach(in, i, v) {
		const char *path = json_string_value(json_object_get(v, "path"));
		if (path)
			unlink(path);
	}
}

/* The metadata of the form on each asset, then its peaks pyramid: a
 * failure of either is listed and fails nothing (the asset is in). */
static void after(grym_catalog *cat, ictx *c, json_t *meta, grym_stage_env *env, json_t *result)
{
	json_t *pfail = json_array();
	size_t built = 0;
	grym_view_opts vo = { .cancel = env->cancel };

	for (size_t i = 0; i < c->nids; i++) {
		grym_error e = { 0 };
		const char *key;
		json_t *v;
		json_object_foreach(meta, key, v) {
			if (grym_catalog_set_meta(cat, c->ids[i], key, v, &e) != GRYM_OK && pfail)
				json_array_append_new(pfail, json_pack("{s:s, s:s}", "asset",
								       c->ids[i], "error", e.msg));
		}
		if (env->cancel && *env->cancel)
			continue;
		grym_stage_progress(env, (double)i, c->nids, "peaks");
		if (grym_view_peaks_build(cat, c->ids[i], &vo, NULL, &e) == GRYM_OK)
			built++;
		else if (pfail && json_array_size(pfail) < 100)
			json_array_append_new(pfail, json_pack("{s:s, s:s}", "asset", c->ids[i],
							       "error", e.msg));
	}
	json_object_set_new(result, "peaks", json_integer((json_int_t)built));
	json_object_set_new(result, "peaks_failures", pfail ? pfail : json_null());
}

int sj_ingest_run(grym_catalog *cat, const char *params, const char *inputs,
		  grym_stage_env *env, json_t *result, grym_error *err)
{
	json_t *p = json_loads(params ? params : "{}", 0, NULL);
	json_t *in = json_loads(inputs ? inputs : "[]", 0, NULL);
	json_t *meta = json_object_get(p, "meta");
	grym_ingest_params ip;
	grym_ingest_opts o = { 0 };
	grym_ingester *g = NULL;
	ictx c = { env, json_array(), NULL, 0, 0, 0 };
	size_t i, n;
	json_t *v;
	int rc;

	if (!p || !in || !c.assets) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "the job's parameters or inputs");
		goto out;
	}
	if ((rc = read_params(p, &ip, NULL, 0, err)) != GRYM_OK)
		goto out;
	n = json_array_size(in);
	env->total = n;
	o.labels = (const char *const *)ip.label.v;
	o.nlabels = ip.label.n;
	o.replace_labels = ip.replace_labels;
	o.accept_truncated = ip.accept_truncated;
	o.max_bytes = ip.max_bytes;
	o.match = ip.match;
	o.cancel = env->cancel;
	if (!(g = grym_ingester_new(env->catalog_dir, &o, err))) {
		rc = err->code ? err->code : GRYM_ERR_DB;
		grym_schema_clear(grym_ingest_schema(), &ip);
		goto out;
	}
	json_array_foreach(in, i, v) {
		const char *path = json_string_value(json_object_get(v, "path"));
		const char *name = json_string_value(json_object_get(v, "name"));
		int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
		grym_stage_progress(env, (double)i, n, name);
		if (fd < 0) {
			grym_error e = { 0 };
			grym_error_set(&e, GRYM_ERR_IO, "the staged file is gone (%s)",
				       strerror(errno));
			env->ninputs++;
			grym_stage_fail(env, name ? name : "", &e);
			continue;
		}
		rc = grym_ingest_fd(g, fd, name, on_outcome, &c);
		close(fd);
		if (rc == GRYM_ERR_INTERRUPTED || (env->cancel && *env->cancel)) {
			rc = grym_error_set(err, GRYM_ERR_CANCELLED, "cancelled");
			break;
		}
		if (c.nomem) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		rc = GRYM_OK;
	}
	grym_ingester_free(g);
	grym_schema_clear(grym_ingest_schema(), &ip);
	if (rc == GRYM_OK)
		after(cat, &c, json_is_object(meta) ? meta : NULL, env, result);
	grym_stage_progress(env, (double)n, n, "done");
out:
	if (in)
		remove_staged(in);
	json_object_set_new(result, "assets", c.assets ? c.assets : json_null());
	free(c.ids);
	json_decref(p);
	json_decref(in);
	return rc;
}
