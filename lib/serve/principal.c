/*
 * principal.c — who is asking: a Bearer API token or JWT, or the session
 * cookie; logging in (a token or a one-time link exchanged for a
 * session); the session's CSRF token.
 *
 * Secrets are never compared as text: a token or session secret is
 * looked up by its keyed hash (an equality lookup on a value an attacker
 * cannot steer), a JWT by its signature (libjwt), a one-time link's hash
 * and a CSRF token in constant time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "serve_int.h"

#define SECRET_MAX 8192

/* A row is usable at now: not revoked, not expired, nor its parent. */
static int usable(const grym_token_row *t, int64_t now)
{
	return !t->revoked && (!t->expires || t->expires > now) && !t->parent_revoked &&
	       (!t->parent_expires || t->parent_expires > now);
}

static void csrf_of(grym_serve *s, const char *session_secret, char *out, size_t len)
{
	unsigned char h[GRYM_SERVE_HASH_LEN];
	grym_serve_hash(s->token_key, "csrf", session_secret, h);
	sodium_bin2base64(out, len, h, 24, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void note_use(grym_catalog *cat, const grym_token_row *t, int64_t now)
{
	/* at most once a minute: a write per request would serialise them */
	if (now - t->last_used >= 60)
		(void)!grym_catalog_token_touch(cat, t->id, now, NULL);
}

/* Look a secret up (API token or session by hash, JWT by signature and
 * jti): 1 usable (row filled), 0 not. kind_want: "token", "session" or
 * NULL for either of token and jwt. */
static int lookup(grym_serve *s, grym_catalog *cat, const char *secret, const char *kind_want,
		  grym_token_row *row, grym_error *err)
{
	int64_t now = (int64_t)serve_now();
	unsigned char h[GRYM_SERVE_HASH_LEN];
	int found;

	if (strlen(secret) > SECRET_MAX) {
		grym_error_set(err, GRYM_ERR_INVALID, "credential too long");
		return 0;
	}
	if (!kind_want && strchr(secret, '.')) {
		grym_serve_jwt_claims c;
		if (grym_serve_jwt_verify(s->jwt_key, secret, now, GRYM_SERVE_JWT_LEEWAY, &c, err) !=
		    GRYM_OK)
			return 0;
		found = grym_catalog_token_get(cat, c.jti, row, err);
		if (found != 1 || strcmp(row->kind, "jwt")) {
			grym_error_set(err, GRYM_ERR_INVALID, "JWT: unknown jti");
			return 0;
		}
		if (row->revoked) {
			grym_error_set(err, GRYM_ERR_INVALID, "JWT: revoked");
			return 0;
		}
		if (strcmp(row->role, c.role)) {
			grym_error_set(err, GRYM_ERR_INVALID, "JWT: role differs from its record");
			return 0;
		}
		note_use(cat, row, now);
		return 1;
	}
	grym_serve_hash(s->token_key, kind_want && !strcmp(kind_want, "session") ? "session" : "token",
			secret, h);
	found = grym_catalog_token_by_hash(cat, h, sizeof h, row, err);
	if (found != 1) {
		if (found == 0)
			grym_error_set(err, GRYM_ERR_INVALID, "unknown credential");
		return 0;
	}
	if (strcmp(row->kind, kind_want ? kind_want : "token")) {
		grym_error_set(err, GRYM_ERR_INVALID, "unknown credential");
		return 0;
	}
	if (!usable(row, now)) {
		grym_error_set(err, GRYM_ERR_INVALID, "credential revoked or expired");
		return 0;
	}
	note_use(cat, row, now);
	return 1;
}

const char *serve_cookie_value(serve_req *r)
{
	return MHD_lookup_connection_value(r->c, MHD_COOKIE_KIND, r->s->cookie);
}

static void fill_who(serve_req *r, const grym_token_row *row)
{
	serve_principal *w = &r->who;
	memset(w, 0, sizeof *w);
	snprintf(w->id, sizeof w->id, "%s", row->id);
	snprintf(w->kind, sizeof w->kind, "%s", row->kind);
	snprintf(w->role, sizeof w->role, "%s", row->role);
	snprintf(w->owner, sizeof w->owner, "%s", row->parent[0] ? row->parent : row->id);
	w->expires = row->expires;
	r->authed = 1;
}

int serve_authenticate(serve_req *r, grym_error *err)
{
	const char *auth = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookie = serve_cookie_value(r);
	grym_token_row row;
	grym_catalog *cat;
	int ok;

	if (!auth && !cookie)
		return 0;
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) || !auth[7]) {
			grym_error_set(err, GRYM_ERR_INVALID, "Authorization is not Bearer TOKEN");
			return -1;
		}
		auth += 7;
		while (*auth == ' ')
			auth++;
	}
	cat = serve_catpool_get(&r->s->cats, err);
	if (!cat)
		return -1;
	ok = lookup(r->s, cat, auth ? auth : cookie, auth ? NULL : "session", &row, err);
	serve_catpool_put(&r->s->cats, cat);
	if (!ok)
		return -1;
	fill_who(r, &row);
	if (!auth) {
		r->who.cookie = 1;
		csrf_of(r->s, cookie, r->who.csrf, sizeof r->who.csrf);
	}
	return 1;
}

/* A one-time link: its hash against the pending ones, in constant time;
 * used at most once. */
static int take_link(grym_serve *s, const char *secret)
{
	unsigned char h[GRYM_SERVE_HASH_LEN];
	int64_t now = (int64_t)serve_now();
	int ok = 0;

	grym_serve_hash(s->token_key, "link", secret, h);
	pthread_mutex_lock(&s->lmu);
	for (int i = 0; i < SERVE_LOGIN_LINKS; i++) {
		if (!s->links[i].expires)
			continue;
		if (sodium_memcmp(s->links[i].hash, h, sizeof h) == 0 && !s->links[i].used &&
		    s->links[i].expires > now) {
			s->links[i].used = 1;
			ok = 1;
		}
	}
	pthread_mutex_unlock(&s->lmu);
	return ok;
}

int serve_login_check(serve_req *r, const char *secret, int link_ok, grym_token_row *row)
{
	grym_catalog *cat;
	int ok;

	memset(row, 0, sizeof *row);
	if (link_ok) {
		if (!take_link(r->s, secret))
			return 0;
		snprintf(row->id, sizeof row->id, "login-link");
		snprintf(row->kind, sizeof row->kind, "token");
		snprintf(row->role, sizeof row->role, "admin");
		return 1;
	}
	cat = serve_catpool_get(&r->s->cats, NULL);
	if (!cat)
		return 0;
	ok = lookup(r->s, cat, secret, NULL, row, NULL);
	serve_catpool_put(&r->s->cats, cat);
	return ok;
}

int serve_session_new(serve_req *r, const grym_token_row *from, const char *role,
		      int64_t expires, struct MHD_Response *resp, grym_error *err)
{
	char secret[GRYM_SERVE_TOKEN_TEXT_MAX], cookie[256];
	unsigned char h[GRYM_SERVE_HASH_LEN];
	grym_token_row row;
	grym_catalog *cat;
	int64_t now = (int64_t)serve_now();
	int rc;

	memset(&row, 0, sizeof row);
	if ((rc = grym_serve_id_new("s", row.id, err)) != GRYM_OK ||
	    (rc = grym_serve_secret_new("", secret, sizeof secret, err)) != GRYM_OK)
		return rc;
	snprintf(row.kind, sizeof row.kind, "session");
	snprintf(row.role, sizeof row.role, "%s", role);
	snprintf(row.name, sizeof row.name, "browser %s", r->client);
	/* a one-time link has no row to hang the session from */
	if (strcmp(from->id, "login-link"))
		snprintf(row.parent, sizeof row.parent, "%s", from->id);
	row.created = now;
	row.expires = expires;
	grym_serve_hash(r->s->token_key, "session", secret, h);
	cat = serve_catpool_get(&r->s->cats, err);
	if (!cat)
		return GRYM_ERR_DB;
	rc = grym_catalog_token_add(cat, &row, h, sizeof h, err);
	serve_catpool_put(&r->s->cats, cat);
	if (rc == GRYM_OK) {
		snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
			 r->s->cookie, secret, (long long)(expires - now),
			 r->s->tls ? "; Secure" : "");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
		fill_who(r, &row);
		r->who.cookie = 1;
	}
	sodium_memzero(secret, sizeof secret);
	return rc;
}
