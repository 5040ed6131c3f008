/*
 * login.c — the browser's side of authentication: a one-time login link
 * or a token exchanged for a session cookie (then 303 to /, so the token
 * leaves the address bar), logging out, and GET /api/session, which
 * gives the page its CSRF token. Failed logins count against the
 * client's address (429 before the next guess is even looked at) and are
 * audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

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

enum MHD_Result serve_h_login_link(serve_req *r)
{
	return login_with(r, MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "token"), 1);
}

/* The request's JSON body as an object, or an error answered. */
json_t *serve_body_object(serve_req *r, enum MHD_Result *ret)
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

enum MHD_Result serve_h_login(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = serve_body_object(r, &ret);
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

enum MHD_Result serve_h_logout(serve_req *r)
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

enum MHD_Result serve_h_session(serve_req *r)
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

