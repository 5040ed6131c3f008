/*
 * routes.c — the route table: the one list of what the server answers and
 * who may ask (dispatch, the role check, /metrics' labels and
 * /api/openapi.json come from it; grym-serve(1) documents it row by row;
 * the job runner and the views add their rows here), and the small
 * handlers of health, metrics, schemas and the event stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/version.h"

static enum MHD_Result h_healthz(serve_req *r)
{
	return serve_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "version", grym_version()));
}

static enum MHD_Result h_metrics(serve_req *r)
{
	char *text = serve_metrics_text(&r->s->metrics);
	struct MHD_Response *resp;
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	return serve_queue(r, 200, resp);
}

static enum MHD_Result h_schema(serve_req *r)
{
	const char *t = r->s->schema_json;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(t), (void *)t, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return serve_queue(r, 200, resp);
}

static enum MHD_Result h_events(serve_req *r)
{
	return serve_events_open(r);
}

static enum MHD_Result h_openapi(serve_req *r)
{
	const char *t = r->s->openapi_json;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(t), (void *)t, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return serve_queue(r, 200, resp);
}

/* method, path, role, handler, summary, JSON body, success, own errors */
const serve_route serve_routes[] = {
	{ "GET", "/healthz", SERVE_PUBLIC, h_healthz, "liveness: {\"status\":\"ok\",\"version\":...}",
	  0, 200, "" },
	{ "GET", "/metrics", SERVE_ADMIN, h_metrics,
	  "Prometheus text: requests by route and status, latency histograms", 0, 200, "" },
	{ "GET", "/login", SERVE_PUBLIC, serve_h_login_link,
	  "exchange a one-time login link (?token=) for a session cookie; 303 to /", 0, 303,
	  "401 429" },
	{ "POST", "/api/login", SERVE_PUBLIC, serve_h_login,
	  "exchange a token ({\"token\":...}) for a session cookie; 303 to /", 1, 303,
	  "400 401 429" },
	{ "POST", "/api/logout", SERVE_VIEWER, serve_h_logout, "end the session of the cookie", 1, 204,
	  "" },
	{ "GET", "/api/session", SERVE_VIEWER, serve_h_session,
	  "who is asking: principal, kind, role, CSRF token, expiry", 0, 200, "" },
	{ "GET", "/api/schema", SERVE_VIEWER, h_schema,
	  "every stage's parameters as JSON Schema", 0, 200, "" },
	{ "GET", "/api/openapi.json", SERVE_VIEWER, h_openapi,
	  "this API as OpenAPI 3.1, from the route table and the stages' schemas", 0, 200, "" },
	{ "GET", "/api/events", SERVE_VIEWER, h_events,
	  "live events as Server-Sent Events; Last-Event-ID resumes", 0, 200, "400" },
	{ "GET", "/api/tokens", SERVE_ADMIN, serve_h_tokens_list, "list the tokens and JWTs", 0, 200,
	  "" },
	{ "POST", "/api/tokens", SERVE_ADMIN, serve_h_tokens_create,
	  "issue a token or JWT ({\"role\",\"name\",\"expires\",\"jwt\"}); the secret is shown once",
	  1, 201, "400" },
	{ "DELETE", "/api/tokens/{id}", SERVE_ADMIN, serve_h_tokens_revoke,
	  "revoke a token or JWT and the sessions made from it", 0, 204, "404" },
	{ "GET", "/api/audit", SERVE_ADMIN, serve_h_audit, "the audit log (?since=UNIX seconds)", 0, 200,
	  "400" },
	/* jobs and uploads (route_jobs.c, route_uploads.c): an editor cancels
	 * and reruns its own jobs, an admin any */
	{ "GET", "/api/jobs", SERVE_VIEWER, serve_h_jobs_list,
	  "jobs, newest first (?limit, ?cursor, ?state, ?kind): {\"items\",\"next_cursor\",\"total\"}",
	  0, 200, "400" },
	{ "POST", "/api/jobs", SERVE_EDITOR, serve_h_jobs_create,
	  "start a job ({\"stage\",\"params\",\"inputs\"}); 503 with Retry-After when the queue "
	  "is full", 1, 202, "400 503" },
	{ "GET", "/api/jobs/{id}", SERVE_VIEWER, serve_h_jobs_get,
	  "a job: state, progress, result or error", 0, 200, "404" },
	{ "DELETE", "/api/jobs/{id}", SERVE_EDITOR, serve_h_jobs_cancel,
	  "cancel a job (an editor's own); 409 when it has ended", 0, 200, "403 404 409" },
	{ "POST", "/api/jobs/{id}/rerun", SERVE_EDITOR, serve_h_jobs_rerun,
	  "run an ended job again (an editor's own) as a new job", 0, 202, "403 404 409 503" },
	{ "POST", "/api/assets", SERVE_EDITOR, serve_h_assets_post,
	  "upload files (multipart/form-data: file fields, archives too; label, meta.KEY fields) "
	  "into one ingest job", SERVE_BODY_STREAM, 202, "400 413 415 503" },
	{ "POST", "/api/uploads", SERVE_EDITOR, serve_h_uploads_create,
	  "begin a resumable upload ({\"size\",\"name\"})", 1, 201, "400 413" },
	{ "GET", "/api/uploads/{id}", SERVE_EDITOR, serve_h_uploads_get,
	  "an upload of one's own: Upload-Offset and Upload-Length (HEAD too)", 0, 200, "404" },
	{ "PUT", "/api/uploads/{id}", SERVE_EDITOR, serve_h_uploads_put,
	  "a piece of an upload, with Content-Range: bytes FIRST-LAST/TOTAL; 409 with "
	  "Upload-Offset when FIRST is not where it stands", SERVE_BODY_STREAM, 200,
	  "400 404 409 413" },
	{ "POST", "/api/uploads/{id}/ingest", SERVE_EDITOR, serve_h_uploads_ingest,
	  "ingest a complete upload ({\"labels\",\"meta\"}) as a job", 1, 202,
	  "400 404 409 503" },
	{ "DELETE", "/api/uploads/{id}", SERVE_EDITOR, serve_h_uploads_delete,
	  "abandon an upload", 0, 204, "404" },
};
const size_t serve_n_routes = sizeof serve_routes / sizeof serve_routes[0];

