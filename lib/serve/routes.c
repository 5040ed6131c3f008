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

/* The gauges of the moment, after the request counters: jobs of the
 * catalog by state, this server's queue, what the catalog stores. A
 * catalog that cannot be read leaves them out (the counters still say
 * the server answers). */
static char *metrics_gauges(serve_req *r, char *text)
{
	grym_error err = { 0 };
	grym_catalog *cat = serve_catpool_get(&r->s->cats, &err);
	grym_catalog_stats st;
	int queued = 0, running = 0;
	char *out = NULL, *jobs = NULL;
	size_t len = 0;
	FILE *f;

	if (!cat)
		return text;
	if (!(f = open_memstream(&jobs, &len))) {
		serve_catpool_put(&r->s->cats, cat);
		return text;
	}
	fputs("# HELP grym_jobs Jobs in the catalog by state.\n# TYPE grym_jobs gauge\n", f);
	for (int s = GRYM_JOB_QUEUED; s <= GRYM_JOB_INTERRUPTED; s++) {
		grym_job_query q = { .state = grym_job_state_name((grym_job_state)s), .limit = 1 };
		grym_job_row *rows = NULL;
		size_t n = 0;
		char next[GRYM_JOB_ID_LEN + 1];
		int64_t total = 0;
		if (grym_catalog_list_jobs(cat, &q, &rows, &n, next, &total, &err) == GRYM_OK)
			fprintf(f, "grym_jobs{state=\"%s\"} %lld\n", q.state, (long long)total);
		grym_job_rows_free(rows, n);
	}
	if (r->s->jobs)
		grym_jobs_counts(r->s->jobs, &queued, &running);
	fprintf(f, "# HELP grym_job_queue_depth Jobs waiting in this server's queue.\n"
		   "# TYPE grym_job_queue_depth gauge\ngrym_job_queue_depth %d\n"
		   "# HELP grym_jobs_running Jobs this server runs now.\n"
		   "# TYPE grym_jobs_running gauge\ngrym_jobs_running %d\n", queued, running);
	if (grym_catalog_stats_get(cat, &st, &err) == GRYM_OK)
		fprintf(f, "# HELP grym_store_bytes Bytes of the objects the catalog stores.\n"
			   "# TYPE grym_store_bytes gauge\ngrym_store_bytes %llu\n"
			   "# HELP grym_assets Assets in the catalog.\n"
			   "# TYPE grym_assets gauge\ngrym_assets %lld\n",
			(unsigned long long)st.object_bytes, (long long)st.assets);
	serve_catpool_put(&r->s->cats, cat);
	if (fclose(f) != 0 || !jobs) {
		free(jobs);
		return text;
	}
	if (asprintf(&out, "%s%s", text, jobs) < 0)
		out = NULL;
	free(jobs);
	if (!out)
		return text;
	free(text);
	return out;
}

static enum MHD_Result h_metrics(serve_req *r)
{
	char *text = serve_metrics_text(&r->s->metrics);
	struct MHD_Response *resp;
	if (!text)
		return MHD_NO;
	text = metrics_gauges(r, text);
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
	  "Prometheus text: requests by route and status, latency histograms, jobs by state, queue depth, bytes stored",
	  0, 200, "" },
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
	/* assets, their audio and views, the embedding, models
	 * (route_assets.c, route_audio.c, route_views.c, route_models.c) */
	{ "GET", "/api/assets", SERVE_VIEWER, serve_h_assets_list,
	  "a page of assets (?limit ?cursor ?sort ?order ?label ?kind ?q)", 0, 200, "400" },
	{ "GET", "/api/assets/{id}", SERVE_VIEWER, serve_h_asset_get,
	  "one asset in full: metadata, labels, lineage, features, predictions", 0, 200,
	  "404 409" },
	{ "PATCH", "/api/assets/{id}", SERVE_EDITOR, serve_h_asset_patch,
	  "replace labels ({\"labels\":[...]}), merge metadata ({\"meta\":{...}})", 1, 200,
	  "400 404 409" },
	{ "DELETE", "/api/assets/{id}", SERVE_EDITOR, serve_h_asset_delete,
	  "remove an asset (?force also its derived children)", 0, 204, "400 404 409" },
	{ "GET", "/api/assets/{id}/audio", SERVE_VIEWER, serve_h_asset_audio,
	  "the audio, with Range, ETag (?format=wav|flac|ogg transcodes)", 0, 200,
	  "206 304 400 404 409 416" },
	{ "GET", "/api/assets/{id}/peaks", SERVE_VIEWER, serve_h_asset_peaks,
	  "waveform peaks (?points ?start ?end), wavesurfer.js's shape", 0, 200, "400 404 409" },
	{ "GET", "/api/assets/{id}/spectrogram", SERVE_VIEWER, serve_h_asset_spectrogram,
	  "spectrogram (?start ?end ?width ?height ?scale=mel|linear ?format=json|png)", 0, 200,
	  "400 404 409" },
	{ "GET", "/api/assets/{id}/features", SERVE_VIEWER, serve_h_asset_features,
	  "frame features for plots and their summary (?names ?points)", 0, 200, "400 404 409" },
	{ "GET", "/api/assets/{id}/loudness", SERVE_VIEWER, serve_h_asset_loudness,
	  "loudness curves, integrated, LRA, true peak (?points)", 0, 200, "400 404 409" },
	{ "GET", "/api/embedding", SERVE_VIEWER, serve_h_embedding,
	  "PCA of the assets' summary vectors (?features ?dims=2|3 ?model ?standardize)", 0, 200,
	  "400 404 409" },
	{ "GET", "/api/models", SERVE_VIEWER, serve_h_models_list,
	  "a page of models, newest first (?limit ?cursor)", 0, 200, "400" },
	{ "GET", "/api/models/{id}", SERVE_VIEWER, serve_h_model_get,
	  "one model in full: metrics, per-class table, confusion, out-of-fold predictions", 0,
	  200, "404 409" },
	{ "POST", "/api/models/{id}/infer", SERVE_EDITOR, serve_h_model_infer,
	  "scores of an asset or upload ({\"asset\": ID} or {\"upload\": ID}; ?window ?hop: "
	  "per window), most probable first", 1, 200, "400 404 409 422" },
};
const size_t serve_n_routes = sizeof serve_routes / sizeof serve_routes[0];

