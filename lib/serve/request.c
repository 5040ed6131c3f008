/*
 * request.c — the path of every request: Host and Origin, the route
 * (404, 405 with Allow), credentials, role, CSRF, rate, then the body and
 * the handler; and the request's end, counted for /metrics.
 *
 * Everything that can refuse a request is decided on its first call,
 * before any body is read: an unauthenticated client cannot make the
 * server buffer anything.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "serve_int.h"

static int host_ok(grym_serve *s, const char *host)
{
	if (!host)
		return 0;
	for (size_t i = 0; i < s->n_allowed; i++)
		if (!strcasecmp(host, s->allowed[i]))
			return 1;
	return 0;
}

/* Origin, when sent, is this server as the browser reached it. */
static int origin_ok(grym_serve *s, const char *origin, const char *host)
{
	const char *scheme = s->tls ? "https://" : "http://";
	size_t n = strlen(scheme);
	if (!origin)
		return 1;
	return !strncasecmp(origin, scheme, n) && !strcasecmp(origin + n, host);
}

/* Does path match pattern ("{x}" parts match one segment)? The {x} part
 * goes to param. */
static int path_match(const char *pat, const char *path, char *param, size_t plen)
{
	while (*pat && *path) {
		if (*pat == '{') {
			const char *pe = strchr(pat, '}');
			const char *se = strchr(path, '/');
			size_t n = se ? (size_t)(se - path) : strlen(path);
			if (!pe || n == 0 || n >= plen)
				return 0;
			memcpy(param, path, n);
			param[n] = 0;
			pat = pe + 1;
			path += n;
			continue;
		}
		if (*pat != *path)
			return 0;
		pat++;
		path++;
	}
	return !*pat && !*path;
}

/* The route of (method, url): its index, or SERVE_ROUTE_NONE with
 * *path_known set when another method has the path. */
static size_t find_route(serve_req *r, int *path_known)
{
	const char *m = !strcmp(r->method, "HEAD") ? "GET" : r->method;
	*path_known = 0;
	for (size_t i = 0; i < serve_n_routes; i++)
		if (path_match(serve_routes[i].path, r->url, r->param, sizeof r->param)) {
			if (!strcmp(serve_routes[i].method, m))
				return i;
			*path_known = 1;
		}
	return SERVE_ROUTE_NONE;
}

static enum MHD_Result method_not_allowed(serve_req *r)
{
	char allow[128] = "";
	char scratch[128];
	for (size_t i = 0; i < serve_n_routes; i++)
		if (path_match(serve_routes[i].path, r->url, scratch, sizeof scratch)) {
			if (allow[0])
				strncat(allow, ", ", sizeof allow - strlen(allow) - 1);
			strncat(allow, serve_routes[i].method, sizeof allow - strlen(allow) - 1);
		}
	json_t *j = json_pack("{s:{s:s, s:s, s:n}}", "error", "code", "method_not_allowed",
			      "message", "this method is not allowed here", "field");
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
	MHD_add_response_header(resp, "Allow", allow);
	return serve_queue(r, 405, resp);
}

static int state_changing(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

/* Everything decided before the body: an answer queued (r->replied), or
 * the request may go on. */
static enum MHD_Result admit(serve_req *r)
{
	grym_serve *s = r->s;
	const char *host = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *origin = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Origin");
	int path_known, need, a;
	double retry;
	grym_error err = { 0 };

	if (!host_ok(s, host))
		return serve_error(r, 403, "bad_host", NULL,
				   "Host '%s' is not this server (see --allow-host)",
				   host ? host : "");
	if (!origin_ok(s, origin, host))
		return serve_error(r, 403, "bad_origin", NULL, "Origin is not this server");
	r->route = find_route(r, &path_known);
	if (r->route == SERVE_ROUTE_NONE) {
		if (path_known)
			return method_not_allowed(r);
		if ((!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) &&
		    strncmp(r->url, "/api/", 5)) {
			r->route = SERVE_ROUTE_STATIC;   /* answered with the request's end */
			return MHD_YES;
		}
		return serve_error(r, 404, "not_found", NULL, "no such route");
	}
	need = serve_routes[r->route].role;
	if (need == SERVE_PUBLIC)
		return MHD_YES;
	a = serve_authenticate(r, &err);
	if (a == 0)
		return serve_error(r, 401, "unauthenticated", NULL,
				   "log in, or send Authorization: Bearer TOKEN");
	if (a < 0) {
		/* A bad credential counts against the client's address like a
		 * failed login; past the limit it is 429, unaudited. A good one
		 * is never refused for others' failures: every local user
		 * shares 127.0.0.1, and a lockout would let any of them shut the
		 * owner out (guessing 192 random bits is hopeless anyway; the
		 * login routes, where guesses would be tried, refuse first). */
		if (!serve_rl_take(&s->fails, r->client, 1, serve_now(), &retry))
			return serve_too_many(r, retry);
		serve_audit(r, "login", "failed", err.msg);
		return serve_error(r, 401, "unauthenticated", NULL, "%s", err.msg);
	}
	if (grym_serve_role_rank(r->who.role) < need) {
		serve_audit(r, "deny", "forbidden", r->who.role);
		return serve_error(r, 403, "forbidden", NULL, "the %s role may not do this",
				   r->who.role);
	}
	if (r->who.cookie && state_changing(r->method)) {
		const char *csrf = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!csrf || !grym_serve_equal(csrf, r->who.csrf))
			return serve_error(r, 403, "csrf", "X-CSRF-Token",
					   "X-CSRF-Token is missing or wrong (GET /api/session gives it)");
	}
	if (!serve_rl_take(&s->rate, r->who.owner, 1, serve_now(), &retry))
		return serve_too_many(r, retry);
	return MHD_YES;
}

static void client_of(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	buf[0] = 0;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
			  (socklen_t)len);
}

enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	grym_serve *s = cls;
	serve_req *r = *con_cls;
	enum MHD_Result ret;

	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->s = s;
		r->c = c;
		r->url = url;
		r->method = method;
		r->t0 = serve_now();
		r->route = SERVE_ROUTE_NONE;
		client_of(c, r->client, sizeof r->client);
		*con_cls = r;
		ret = admit(r);
		if (r->replied || ret != MHD_YES)
			return ret;
		/* a streamed body's last refusals, still before its first byte */
		if (r->route < serve_n_routes && serve_routes[r->route].body == SERVE_BODY_STREAM) {
			if (!(r->streamer = serve_streamer_of(&serve_routes[r->route])))
				return serve_error(r, 500, "internal", NULL, "no streamer");
			return r->streamer->begin(r);
		}
		/* wait for the body, if any */
		return MHD_YES;
	}
	if (*upload_data_size && !r->replied && r->streamer) {
		/* handed on as it comes, never kept */
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->streamer->chunk(r, upload_data, n) < 0)
			return MHD_NO;
		r->streamed += n;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->replied && !r->body_over) {
			if (r->route >= serve_n_routes || serve_routes[r->route].body != 1 ||
			    r->body_len + *upload_data_size > SERVE_BODY_MAX) {
				r->body_over = 1;
			} else {
				char *b = realloc(r->body, r->body_len + *upload_data_size + 1);
				if (!b)
					return MHD_NO;
				memcpy(b + r->body_len, upload_data, *upload_data_size);
				r->body = b;
				r->body_len += *upload_data_size;
				r->body[r->body_len] = 0;
			}
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->replied)
		return MHD_YES;
	if (r->body_over)
		return serve_error(r, 413, "too_large", NULL,
				   "the body is larger than %d bytes or not expected",
				   SERVE_BODY_MAX);
	if (r->route == SERVE_ROUTE_STATIC)
		return serve_static(r);
	return serve_routes[r->route].handler(r);
}

void serve_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			enum MHD_RequestTerminationCode toe)
{
	grym_serve *s = cls;
	serve_req *r = *con_cls;
	if (!r)
		return;
	if (r->ctx_free)
		r->ctx_free(r);
	serve_metrics_add(&s->metrics, r->route, r->status ? r->status : 500,
			  serve_now() - r->t0, !r->stream);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

