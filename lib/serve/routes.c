/*
 * routes.c — the route table and the handlers of the server's spine:
 * health, metrics, login and sessions, the stages' schemas, the event
 * stream, tokens and the audit log. The table is the one list of what
 * the server answers and who may ask (grym-serve(1) documents it row by
 * row; the job runner and the views add their rows here).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "serve_int.h"
#include "grym/grym.h"

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

/* ---- login ---- */

/* Failed logins are counted per client address: a client that keeps
 * guessing gets 429 before its next guess is even looked at. */
static int login_allowed(serve_req *r, double *retry)
{
	return serve_rl_take(&r->s->fails, r->client, 0, serve_now(), retry);
}

static enum MHD_Result too_many(serve_req *r, double retry)
{
	char secs[32];
	snprintf(secs, sizeof secs, "%.0f", retry < 1 ? 1 : retry + 0.999);
	json_t *j = json_pack("{s:{s:s, s:s, s:n}}", "error", "code", "rate_limited", "message",
			      "too many requests: try again later", "field");
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!text)
		return MHD_NO;
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Retry-After", secs);
	return serve_queue(r, 429, resp);
}

enum MHD_Result serve_too_many(serve_req *r, double retry)
{
	return too_many(r, retry);
}

void serve_login_failed(serve_req *r, const char *why)
{
	double retry;
	(void)serve_rl_take(&r->s->fails, r->client, 1, serve_now(), &retry);
	serve_audit(r, "login", "failed", why);
}

static enum MHD_Result login_with(serve_req *r, const char *secret, int link)
{
	grym_token_row from;
	int64_t now = (int64_t)serve_now(), expires;
	double retry;
	struct MHD_Response *resp;
	grym_error err = { 0 };

	if (!login_allowed(r, &retry))
		return too_many(r, retry);
	if (!secret || !*secret || !serve_login_check(r, secret, link, &from)) {
		serve_login_failed(r, link ? "login link not valid" : "token not valid");
		return serve_error(r, 401, "unauthenticated", "token",
				   link ? "this login link is not valid (used, expired or unknown)"
					: "this token is not valid");
	}
	expires = now + (int64_t)r->s->cfg.session_hours * 3600;
	if (from.expires && from.expires < expires)
		expires = from.expires;
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (serve_session_new(r, &from, from.role, expires, resp, &err) != GRYM_OK) {
		MHD_destroy_response(resp);
		return serve_error(r, 500, "internal", NULL, "cannot start a session: %s", err.msg);
	}
	serve_audit(r, "login", "ok", from.id);
	/* the token leaves the address bar: the browser follows to / */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, "/");
	return serve_queue(r, 303, resp);
}

static enum MHD_Result h_login_link(serve_req *r)
{
	return login_with(r, MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "token"), 1);
}

/* The request's JSON body as an object, or an error answered. */
static json_t *body_object(serve_req *r, enum MHD_Result *ret)
{
	json_error_t je;
	json_t *j = NULL;
	if (r->body_len)
		j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		*ret = serve_error(r, 400, "bad_request", NULL, "the body is not a JSON object");
		return NULL;
	}
	return j;
}

static enum MHD_Result h_login(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = body_object(r, &ret);
	if (!j) {
		serve_login_failed(r, "no body");
		return ret;
	}
	json_t *t = json_object_get(j, "token");
	if (!json_is_string(t)) {
		json_decref(j);
		serve_login_failed(r, "no token");
		return serve_error(r, 400, "bad_request", "token", "token must be a string");
	}
	/* an API token, a JWT, or the one-time link's token */
	const char *secret = json_string_value(t);
	ret = login_with(r, secret, !strncmp(secret, "grym_login_", 11));
	json_decref(j);
	return ret;
}

static enum MHD_Result h_logout(serve_req *r)
{
	char cookie[128];
	struct MHD_Response *resp;

	if (r->who.cookie) {
		grym_catalog *cat = serve_catpool_get(&r->s->cats, NULL);
		if (cat) {
			(void)!grym_catalog_token_revoke(cat, r->who.id, (int64_t)serve_now(), NULL);
			serve_catpool_put(&r->s->cats, cat);
		}
		serve_audit(r, "logout", "ok", NULL);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	snprintf(cookie, sizeof cookie, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
		 r->s->cookie, r->s->tls ? "; Secure" : "");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	return serve_queue(r, 204, resp);
}

static enum MHD_Result h_session(serve_req *r)
{
	serve_principal *w = &r->who;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s?}", "principal", w->id, "kind", w->kind,
			      "role", w->role, "csrf_token", w->csrf[0] ? w->csrf : NULL);
	if (j && !w->csrf[0])
		json_object_set_new(j, "csrf_token", json_null());
	if (j)
		json_object_set_new(j, "expires", w->expires ? json_integer(w->expires) : json_null());
	return serve_json(r, 200, j);
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

/* ---- tokens ---- */

static json_t *token_json(const grym_token_row *t)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", t->id, "kind", t->kind, "role",
			      t->role, "name", t->name, "created", (json_int_t)t->created);
	if (!j)
		return NULL;
	json_object_set_new(j, "expires", t->expires ? json_integer(t->expires) : json_null());
	json_object_set_new(j, "revoked", t->revoked ? json_integer(t->revoked) : json_null());
	json_object_set_new(j, "last_used", t->last_used ? json_integer(t->last_used) : json_null());
	return j;
}

static int add_token(void *ud, const grym_token_row *t)
{
	json_t *o = token_json(t);
	return o && json_array_append_new(ud, o) == 0 ? 0 : GRYM_ERR_NOMEM;
}

static enum MHD_Result h_tokens_list(serve_req *r)
{
	json_t *items = json_array();
	grym_error err = { 0 };
	grym_catalog *cat = serve_catpool_get(&r->s->cats, &err);
	int rc = cat ? grym_catalog_token_list(cat, NULL, add_token, items, &err) : GRYM_ERR_DB;
	serve_catpool_put(&r->s->cats, cat);
	if (!items || rc != GRYM_OK) {
		json_decref(items);
		return serve_error(r, 500, "internal", NULL, "cannot list tokens: %s", err.msg);
	}
	return serve_json(r, 200, json_pack("{s:o, s:n, s:I}", "items", items, "next_cursor",
					    "total", (json_int_t)json_array_size(items)));
}

static void publish_token(serve_req *r, const char *type, const grym_token_row *t)
{
	json_t *j = token_json(t);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (text)
		(void)grym_serve_events_publish(r->s->bus, type, text);
	free(text);
	json_decref(j);
}

static enum MHD_Result h_tokens_create(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = body_object(r, &ret), *v;
	const char *role, *name = NULL;
	int jwt = 0;
	int64_t now = (int64_t)serve_now(), expires = 0, secs;
	char *secret = NULL;
	grym_token_row row;
	grym_error err = { 0 };
	grym_catalog *cat;
	int rc;

	if (!j)
		return ret;
	role = json_string_value(json_object_get(j, "role"));
	if (!grym_serve_role_rank(role)) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "role",
				   "role must be admin, editor or viewer");
	}
	if ((v = json_object_get(j, "name")) && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) >= GRYM_TOKEN_NAME_MAX) {
			json_decref(j);
			return serve_error(r, 400, "bad_request", "name",
					   "name must be a string of fewer than %d bytes",
					   GRYM_TOKEN_NAME_MAX);
		}
		name = json_string_value(v);
	}
	if ((v = json_object_get(j, "jwt")) && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			json_decref(j);
			return serve_error(r, 400, "bad_request", "jwt", "jwt must be true or false");
		}
		jwt = json_is_true(v);
	}
	if ((v = json_object_get(j, "expires")) && !json_is_null(v)) {
		if (!json_is_string(v) ||
		    grym_serve_parse_duration(json_string_value(v), &secs, &err) != GRYM_OK) {
			json_decref(j);
			return serve_error(r, 400, "bad_request", "expires",
					   "expires must be a duration such as \"1h\" or \"30d\"");
		}
		expires = now + secs;
	}
	if (jwt && !expires) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "expires", "a JWT must expire");
	}
	/* a principal cannot hand out more than it has */
	if (grym_serve_role_rank(role) > grym_serve_role_rank(r->who.role)) {
		json_decref(j);
		return serve_error(r, 403, "forbidden", "role", "cannot issue a role above your own");
	}
	cat = serve_catpool_get(&r->s->cats, &err);
	rc = cat ? grym_serve_token_issue(cat, r->s->token_key, r->s->jwt_key, jwt, role, name,
					  expires, now, &secret, &row, &err)
		 : GRYM_ERR_DB;
	serve_catpool_put(&r->s->cats, cat);
	json_decref(j);
	if (rc != GRYM_OK) {
		free(secret);
		return serve_error(r, 500, "internal", NULL, "cannot make a token: %s", err.msg);
	}
	serve_audit(r, "token.create", "ok", row.id);
	publish_token(r, "token.created", &row);
	json_t *out = token_json(&row);
	if (out)
		json_object_set_new(out, "token", json_string(secret));
	sodium_memzero(secret, strlen(secret));
	free(secret);
	return serve_json(r, 201, out);
}

static enum MHD_Result h_tokens_revoke(serve_req *r)
{
	grym_error err = { 0 };
	grym_token_row row;
	grym_catalog *cat = serve_catpool_get(&r->s->cats, &err);
	int rc = GRYM_ERR_DB, found = 0;

	if (cat) {
		found = grym_catalog_token_get(cat, r->param, &row, &err);
		rc = found == 1 && strcmp(row.kind, "session")
			     ? grym_catalog_token_revoke(cat, r->param, (int64_t)serve_now(), &err)
			     : found < 0 ? found : GRYM_ERR_NOTFOUND;
	}
	serve_catpool_put(&r->s->cats, cat);
	if (rc == GRYM_ERR_NOTFOUND) {
		serve_audit(r, "token.revoke", "not_found", r->param);
		return serve_error(r, 404, "not_found", "id", "no token %s", r->param);
	}
	if (rc != GRYM_OK)
		return serve_error(r, 500, "internal", NULL, "cannot revoke: %s", err.msg);
	serve_audit(r, "token.revoke", "ok", r->param);
	publish_token(r, "token.revoked", &row);
	return serve_empty(r, 204);
}

/* ---- audit ---- */

static int add_audit(void *ud, const grym_audit_row *a)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)a->seq,
			      "time", (json_int_t)a->time, "principal", a->principal, "client",
			      a->client, "action", a->action, "route", a->route, "outcome",
			      a->outcome, "detail", a->detail);
	return o && json_array_append_new(ud, o) == 0 ? 0 : GRYM_ERR_NOMEM;
}

static enum MHD_Result h_audit(serve_req *r)
{
	const char *since = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "since");
	long long t = 0;
	char *end = NULL;
	json_t *items;
	grym_error err = { 0 };
	grym_catalog *cat;
	int rc;

	if (since) {
		t = strtoll(since, &end, 10);
		if (!*since || *end || t < 0)
			return serve_error(r, 400, "bad_request", "since",
					   "since must be Unix seconds");
	}
	items = json_array();
	cat = serve_catpool_get(&r->s->cats, &err);
	rc = cat && items ? grym_catalog_audit_list(cat, t, add_audit, items, &err) : GRYM_ERR_DB;
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK) {
		json_decref(items);
		return serve_error(r, 500, "internal", NULL, "cannot read the audit log: %s", err.msg);
	}
	return serve_json(r, 200, json_pack("{s:o, s:n, s:I}", "items", items, "next_cursor",
					    "total", (json_int_t)json_array_size(items)));
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
	{ "GET", "/login", SERVE_PUBLIC, h_login_link,
	  "exchange a one-time login link (?token=) for a session cookie; 303 to /", 0, 303,
	  "401 429" },
	{ "POST", "/api/login", SERVE_PUBLIC, h_login,
	  "exchange a token ({\"token\":...}) for a session cookie; 303 to /", 1, 303,
	  "400 401 429" },
	{ "POST", "/api/logout", SERVE_VIEWER, h_logout, "end the session of the cookie", 1, 204,
	  "" },
	{ "GET", "/api/session", SERVE_VIEWER, h_session,
	  "who is asking: principal, kind, role, CSRF token, expiry", 0, 200, "" },
	{ "GET", "/api/schema", SERVE_VIEWER, h_schema,
	  "every stage's parameters as JSON Schema", 0, 200, "" },
	{ "GET", "/api/openapi.json", SERVE_VIEWER, h_openapi,
	  "this API as OpenAPI 3.1, from the route table and the stages' schemas", 0, 200, "" },
	{ "GET", "/api/events", SERVE_VIEWER, h_events,
	  "live events as Server-Sent Events; Last-Event-ID resumes", 0, 200, "400" },
	{ "GET", "/api/tokens", SERVE_ADMIN, h_tokens_list, "list the tokens and JWTs", 0, 200,
	  "" },
	{ "POST", "/api/tokens", SERVE_ADMIN, h_tokens_create,
	  "issue a token or JWT ({\"role\",\"name\",\"expires\",\"jwt\"}); the secret is shown once",
	  1, 201, "400" },
	{ "DELETE", "/api/tokens/{id}", SERVE_ADMIN, h_tokens_revoke,
	  "revoke a token or JWT and the sessions made from it", 0, 204, "404" },
	{ "GET", "/api/audit", SERVE_ADMIN, h_audit, "the audit log (?since=UNIX seconds)", 0, 200,
	  "400" },
};
const size_t serve_n_routes = sizeof serve_routes / sizeof serve_routes[0];
