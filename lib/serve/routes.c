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
	  "scores of an asset ({\"asset\": ID}; ?window ?hop: per window), most probable first",
	  1, 200,
	  "400 404 409 422 501" },
};
const size_t serve_n_routes = sizeof serve_routes / sizeof serve_routes[0];

