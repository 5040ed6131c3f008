/*
 * tokens_api.c — the admin's routes over the tokens table and the audit
 * log: list, issue (the secret is in the answer once, never in an event
 * or a log), revoke; read the audit rows. Issuing and revoking are
 * audited and published on the event bus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "serve_int.h"

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

/* ---- pages (the API's list conventions: ?limit, 50 by default and at
 * most 1000, and an opaque ?cursor) over the lists of the tokens and the
 * audit log: rows in their order (tokens by creation, audit by seq), the
 * cursor the position of the last row shown, "total" every row. Both
 * tables are small next to the assets; a page walks the rows before it. */

typedef struct page {
	json_t *items;
	long long after;        /* rows at or before this position are skipped */
	long long pos;          /* the current row's position (1-based) */
	long long limit;
	long long total;
	int more;               /* a row came after the page */
} page;

/* ?limit and ?cursor into pg; 0, or an answer already queued (400). */
static int page_args(serve_req *r, page *pg, enum MHD_Result *answer)
{
	const char *l = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *c = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "cursor");
	char *end = NULL;

	memset(pg, 0, sizeof *pg);
	pg->limit = 50;
	if (l) {
		pg->limit = strtoll(l, &end, 10);
		if (!*l || *end || pg->limit < 1 || pg->limit > 1000) {
			*answer = serve_error(r, 400, "bad_request", "limit",
					      "limit must be a whole number from 1 to 1000");
			return -1;
		}
	}
	if (c && *c) {
		/* "p" and the position: opaque to clients, checked here */
		pg->after = c[0] == 'p' ? strtoll(c + 1, &end, 10) : -1;
		if (c[0] != 'p' || !c[1] || *end || pg->after < 1) {
			*answer = serve_error(r, 400, "bad_request", "cursor",
					      "cursor is not one this server gave");
			return -1;
		}
	}
	if (!(pg->items = json_array())) {
		*answer = serve_error(r, 500, "internal", NULL, "out of memory");
		return -1;
	}
	return 0;
}

/* Take the next row: 1 when it belongs on the page. */
static int page_take(page *pg)
{
	pg->pos++;
	pg->total++;
	if (pg->pos <= pg->after)
		return 0;
	if ((long long)json_array_size(pg->items) >= pg->limit) {
		pg->more = 1;
		return 0;
	}
	return 1;
}

static enum MHD_Result page_answer(serve_req *r, page *pg)
{
	json_t *next = json_null();
	if (pg->more) {
		char c[32];
		snprintf(c, sizeof c, "p%lld", pg->after + (long long)json_array_size(pg->items));
		next = json_string(c);
	}
	return serve_json(r, 200, json_pack("{s:o, s:o, s:I}", "items", pg->items, "next_cursor",
					    next, "total", (json_int_t)pg->total));
}

static int add_token(void *ud, const grym_token_row *t)
{
	page *pg = ud;
	json_t *o;
	if (!page_take(pg))
		return 0;
	o = token_json(t);
	return o && json_array_append_new(pg->items, o) == 0 ? 0 : GRYM_ERR_NOMEM;
}

enum MHD_Result serve_h_tokens_list(serve_req *r)
{
	page pg;
	enum MHD_Result answer;
	grym_error err = { 0 };
	grym_catalog *cat;
	int rc;

	if (page_args(r, &pg, &answer))
		return answer;
	cat = serve_catpool_get(&r->s->cats, &err);
	rc = cat ? grym_catalog_token_list(cat, NULL, add_token, &pg, &err) : GRYM_ERR_DB;
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK) {
		json_decref(pg.items);
		return serve_error(r, 500, "internal", NULL, "cannot list tokens: %s", err.msg);
	}
	return page_answer(r, &pg);
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

enum MHD_Result serve_h_tokens_create(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = serve_body_object(r, &ret), *v;
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

enum MHD_Result serve_h_tokens_revoke(serve_req *r)
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
	page *pg = ud;
	json_t *o;
	if (!page_take(pg))
		return 0;
	o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)a->seq,
		      "time", (json_int_t)a->time, "principal", a->principal, "client", a->client,
		      "action", a->action, "route", a->route, "outcome", a->outcome, "detail",
		      a->detail);
	return o && json_array_append_new(pg->items, o) == 0 ? 0 : GRYM_ERR_NOMEM;
}

enum MHD_Result serve_h_audit(serve_req *r)
{
	const char *since = MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, "since");
	long long t = 0;
	char *end = NULL;
	page pg;
	enum MHD_Result answer;
	grym_error err = { 0 };
	grym_catalog *cat;
	int rc;

	if (since) {
		t = strtoll(since, &end, 10);
		if (!*since || *end || t < 0)
			return serve_error(r, 400, "bad_request", "since",
					   "since must be Unix seconds");
	}
	if (page_args(r, &pg, &answer))
		return answer;
	cat = serve_catpool_get(&r->s->cats, &err);
	rc = cat ? grym_catalog_audit_list(cat, t, add_audit, &pg, &err) : GRYM_ERR_DB;
	serve_catpool_put(&r->s->cats, cat);
	if (rc != GRYM_OK) {
		json_decref(pg.items);
		return serve_error(r, 500, "internal", NULL, "cannot read the audit log: %s", err.msg);
	}
	return page_answer(r, &pg);
}
