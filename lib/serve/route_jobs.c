/*
 * route_jobs.c — the job runner inside the server (grym/serve_jobs.h):
 * made with it (--jobs workers, --queue-limit), its events on the bus,
 * stopped with it (running jobs cancelled and marked so); and the
 * /api/jobs routes.
 *
 * Who may do what: a viewer reads every job; an editor starts jobs and
 * cancels or reruns its own (the jobs whose owner is the token it holds,
 * by bearer or by a session made from it); an admin any job. A job's
 * owner is that token's id, so a browser session and a script of the
 * same token share their jobs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"

/* ---- with the server ---- */

/* An ingest job's inputs are files of the server's staging folder:
 * clients see only the names their files were sent under. */
static void redact_job(json_t *job)
{
	json_t *in = json_object_get(job, "inputs"), *e;
	size_t i;
	if (strcmp(json_string_value(json_object_get(job, "stage")) ?: "", "ingest"))
		return;
	json_array_foreach(in, i, e)
		json_object_del(e, "path");
}

/* The runner's JSON text of a job or a page of jobs, redacted (freed;
 * a new text returned, NULL when out of memory). */
static char *redacted(char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL, *items, *e;
	char *out = NULL;
	size_t i;
	free(text);
	if (!j)
		return NULL;
	items = json_object_get(j, "items");
	if (json_is_array(items)) {
		json_array_foreach(items, i, e)
			redact_job(e);
	} else {
		redact_job(j);
	}
	out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return out;
}

/* Every job event as "job"; when a job is done, an "asset" event for
 * each asset it made (ingest, normalize) and a "model" event for a
 * model (train), so a client's lists refresh without polling. */
static void on_job(void *ud, const char *id, const char *json)
{
	grym_serve *s = ud;
	json_t *j, *res, *assets, *e;
	size_t i;

	j = json_loads(json, 0, NULL);
	if (j) {
		char *t;
		redact_job(j);
		t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (t)
			(void)grym_serve_events_publish(s->bus, "job", t);
		free(t);
	}
	if (!j || strcmp(json_string_value(json_object_get(j, "state")) ?: "", "done")) {
		json_decref(j);
		return;
	}
	res = json_object_get(j, "result");
	assets = json_object_get(res, "assets");
	json_array_foreach(assets, i, e) {
		const char *a = json_string_value(json_object_get(e, "asset"));
		json_t *ev;
		char *t;
		if (!a || json_is_true(json_object_get(e, "reused")))
			continue;
		ev = json_pack("{s:s, s:s, s:b}", "asset", a, "job", id, "created",
			       !json_is_false(json_object_get(e, "created")));
		t = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
		if (t)
			(void)grym_serve_events_publish(s->bus, "asset", t);
		free(t);
		json_decref(ev);
	}
	if (json_is_string(json_object_get(res, "model")) &&
	    !strcmp(json_string_value(json_object_get(j, "kind")) ?: "", "train")) {
		json_t *ev = json_pack("{s:O, s:s}", "model", json_object_get(res, "model"), "job", id);
		char *t = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
		if (t)
			(void)grym_serve_events_publish(s->bus, "model", t);
		free(t);
		json_decref(ev);
	}
	json_decref(j);
}

static char *serve_path(const char *catalog_dir, const char *name)
{
	size_t n = strlen(catalog_dir) + strlen(name) + 8;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/serve/%s", catalog_dir, name);
	return p;
}

int serve_jobs_start(grym_serve *s, const grym_serve_config *c, grym_error *err)
{
	char *up = serve_path(c->catalog_dir, "uploads");
	int rc = GRYM_OK;

	if (c->jobs < 1 || c->jobs > 64 || c->queue_limit < 1) {
		free(up);
		return grym_error_set(err, GRYM_ERR_INVALID, "--jobs 1..64 and --queue-limit >= 1");
	}
	s->staged_dir = serve_path(c->catalog_dir, "staged");
	if (!up || !s->staged_dir)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK && !(s->uploads = grym_uploads_open(up, c->max_upload, err)))
		rc = err->code;
	if (rc == GRYM_OK && !(s->staged = grym_uploads_open(s->staged_dir, 0, err)))
		rc = err->code;
	if (rc == GRYM_OK) {
		/* absolute: the jobs record where their files are */
		char *abs = realpath(s->staged_dir, NULL);
		if (!abs)
			rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", s->staged_dir, strerror(errno));
		free(s->staged_dir);
		s->staged_dir = abs;
	}
	if (rc == GRYM_OK &&
	    !(s->jobs = grym_jobs_new(c->catalog_dir, (int)c->jobs, (int)c->queue_limit, err)))
		rc = err->code;
	if (rc == GRYM_OK) {
		grym_jobs_set_events(s->jobs, on_job, s);
		serve_uploads_expire(s);
	}
	free(up);
	return rc;
}

void serve_jobs_stop(grym_serve *s)
{
	grym_jobs_free(s->jobs);
	s->jobs = NULL;
	grym_uploads_close(s->uploads);
	grym_uploads_close(s->staged);
	s->uploads = s->staged = NULL;
	free(s->staged_dir);
	s->staged_dir = NULL;
}

/* Abandoned uploads removed, at start and then at most once an hour
 * (called by the upload routes: an idle server has nothing to expire).
 * Staged files of jobs are kept as long, for a rerun of a job its
 * server's death interrupted. */
void serve_uploads_expire(grym_serve *s)
{
	int64_t now = (int64_t)time(NULL), last = s->last_expire;
	int n;
	grym_error e = { 0 };
	if (last && now - last < 3600)
		return;
	if (!atomic_compare_exchange_strong(&s->last_expire, &last, now))
		return;
	/* a failure (a folder unreadable now) is retried at the next hour */
	if (grym_uploads_expire(s->uploads, now, s->cfg.upload_max_age, &n, &e) != GRYM_OK ||
	    grym_uploads_expire(s->staged, now, s->cfg.upload_max_age, &n, &e) != GRYM_OK)
		s->last_expire = last;
}

/* ---- answering ---- */

/* JSON text made by the runner (freed), redacted, as the response. */
static enum MHD_Result json_text(serve_req *r, unsigned status, char *text)
{
	struct MHD_Response *resp;
	if (!(text = redacted(text)))
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return serve_queue(r, status, resp);
}

/* A runner's error as the response. */
static enum MHD_Result job_error(serve_req *r, int rc, const char *field, const grym_error *e)
{
	const char *f = field && field[0] ? field : NULL;
	switch (rc) {
	case GRYM_ERR_NOTFOUND:
		if (f)
			return serve_error(r, 400, "bad_request", f, "%s", e->msg);
		return serve_error(r, 404, "not_found", NULL, "%s", e->msg);
	case GRYM_ERR_INVALID: case GRYM_ERR_AMBIGUOUS: case GRYM_ERR_UNSUPPORTED:
		return serve_error(r, 400, "bad_request", f, "%s", e->msg);
	case GRYM_ERR_CONFLICT:
		return serve_error(r, 409, "conflict", NULL, "%s", e->msg);
	case GRYM_ERR_LIMIT:
		if (f)
			return serve_error(r, 400, "bad_request", f, "%s", e->msg);
		return serve_retry_later(r, e->msg);
	default:
		return serve_error(r, 500, "internal", NULL, "%s", e->msg);
	}
}

enum MHD_Result serve_retry_later(serve_req *r, const char *why)
{
	json_t *j = json_pack("{s:{s:s, s:s, s:n}}", "error", "code", "busy", "message", why,
			      "field");
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	json_decref(j);
	if (!text)
		return MHD_NO;
	if (!(resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE))) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Retry-After", "5");
	return serve_queue(r, 503, resp);
}

/* The job just queued, 202 with Location. */
enum MHD_Result serve_job_accepted(serve_req *r, const char *id)
{
	grym_error e = { 0 };
	char *t = grym_jobs_get(r->s->jobs, id, &e);
	json_t *job = t ? json_loads(t, 0, NULL) : NULL;
	struct MHD_Response *resp;
	char loc[64], *text;
	free(t);
	if (!job)
		return serve_error(r, 500, "internal", NULL, "%s", e.msg);
	redact_job(job);
	text = json_dumps(job, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(job);
	if (!text)
		return MHD_NO;
	if (!(resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE))) {
		free(text);
		return MHD_NO;
	}
	snprintf(loc, sizeof loc, "/api/jobs/%s", id);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Location", loc);
	serve_audit(r, "job.start", "ok", id);
	return serve_queue(r, 202, resp);
}

enum MHD_Result serve_h_jobs_list(serve_req *r)
{
	grym_job_query q = { 0 };
	const char *limit = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "limit");
	grym_error e = { 0 };
	char *t, *end = NULL;

	q.state = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "state");
	q.kind = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "kind");
	q.cursor = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "cursor");
	if (limit) {
		long v = strtol(limit, &end, 10);
		if (!limit[0] || *end || v < 1 || v > 1000)
			return serve_error(r, 400, "bad_request", "limit", "limit: 1 to 1000");
		q.limit = (int)v;
	}
	if (!(t = grym_jobs_list(r->s->jobs, &q, &e))) {
		const char *f = strstr(e.msg, "cursor") ? "cursor" : strstr(e.msg, "state") ? "state"
			: strstr(e.msg, "limit") ? "limit" : NULL;
		if (e.code == GRYM_ERR_INVALID)
			return serve_error(r, 400, "bad_request", f, "%s", e.msg);
		return serve_error(r, 500, "internal", NULL, "%s", e.msg);
	}
	return json_text(r, 200, t);
}

enum MHD_Result serve_h_jobs_create(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = serve_body_object(r, &ret), *st, *pa, *in;
	char id[GRYM_JOB_ID_LEN + 1], field[64] = "", *ptext = NULL, *itext = NULL;
	grym_error e = { 0 };
	int rc;

	if (!j)
		return ret;
	st = json_object_get(j, "stage");
	pa = json_object_get(j, "params");
	in = json_object_get(j, "inputs");
	if (!json_is_string(st)) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "stage", "stage: a string");
	}
	if (pa && !json_is_object(pa)) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "params", "params: a JSON object");
	}
	ptext = pa ? json_dumps(pa, JSON_COMPACT) : NULL;
	itext = in ? json_dumps(in, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	rc = grym_jobs_submit(r->s->jobs, json_string_value(st), ptext ? ptext : "{}", itext,
			      r->who.owner, id, field, sizeof field, &e);
	free(ptext);
	free(itext);
	json_decref(j);
	if (rc != GRYM_OK)
		return job_error(r, rc, field, &e);
	return serve_job_accepted(r, id);
}

enum MHD_Result serve_h_jobs_get(serve_req *r)
{
	grym_error e = { 0 };
	char *t = grym_jobs_get(r->s->jobs, r->param, &e);
	if (!t)
		return job_error(r, e.code, NULL, &e);
	return json_text(r, 200, t);
}

/* An editor acts on its own jobs only; 404 for a job that is not there,
 * 403 for another's. */
static enum MHD_Result check_owner(serve_req *r, int *ok)
{
	grym_error e = { 0 };
	char *t = grym_jobs_get(r->s->jobs, r->param, &e);
	json_t *j = t ? json_loads(t, 0, NULL) : NULL;
	const char *owner = json_string_value(json_object_get(j, "owner"));
	enum MHD_Result ret = MHD_YES;
	free(t);
	*ok = 0;
	if (!j)
		ret = job_error(r, e.code ? e.code : GRYM_ERR_NOMEM, NULL, &e);
	else if (grym_serve_role_rank(r->who.role) < SERVE_ADMIN &&
		 (!owner || strcmp(owner, r->who.owner))) {
		serve_audit(r, "deny", "forbidden", "another's job");
		ret = serve_error(r, 403, "forbidden", NULL,
				  "an editor may act on its own jobs only");
	} else
		*ok = 1;
	json_decref(j);
	return ret;
}

enum MHD_Result serve_h_jobs_cancel(serve_req *r)
{
	grym_error e = { 0 };
	int ok, rc;
	enum MHD_Result ret = check_owner(r, &ok);
	if (!ok)
		return ret;
	if ((rc = grym_jobs_cancel(r->s->jobs, r->param, &e)) != GRYM_OK)
		return job_error(r, rc, NULL, &e);
	serve_audit(r, "job.cancel", "ok", r->param);
	return serve_h_jobs_get(r);
}

enum MHD_Result serve_h_jobs_rerun(serve_req *r)
{
	grym_error e = { 0 };
	char id[GRYM_JOB_ID_LEN + 1];
	int ok, rc;
	enum MHD_Result ret = check_owner(r, &ok);
	if (!ok)
		return ret;
	if ((rc = grym_jobs_rerun(r->s->jobs, r->param, r->who.owner, id, &e)) != GRYM_OK)
		return job_error(r, rc, NULL, &e);
	return serve_job_accepted(r, id);
}
