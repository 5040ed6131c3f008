/*
 * openapi.c — GET /api/openapi.json: the API as OpenAPI 3.1, generated
 * from the route table (paths, methods, roles, statuses) and the stages'
 * parameter tables (components.schemas), so the document cannot drift
 * from what the server does (serve_auth.sh checks its routes against the
 * auth matrix's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/version.h"

static const char *const role_names[] = { "public", "viewer", "editor", "admin" };

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other (to /, with the session cookie)";
	case 400: return "Bad request: the field named in the error";
	case 401: return "No credentials, or bad, expired or revoked ones";
	case 403: return "Wrong Host or Origin, role too low, or CSRF token missing";
	case 404: return "Not found";
	case 405: return "Method not allowed (see Allow)";
	case 413: return "Body too large";
	case 429: return "Rate limited (see Retry-After)";
	default: return "Error";
	}
}

static int add_response(json_t *responses, int status, int ok)
{
	char key[8];
	json_t *r;
	snprintf(key, sizeof key, "%d", status);
	if (json_object_get(responses, key))
		return 0;
	r = json_pack("{s:s}", "description", reason(status));
	if (!r)
		return -1;
	if (!ok && json_object_set_new(r, "content",
				       json_pack("{s:{s:{s:s}}}", "application/json", "schema",
						 "$ref", "#/components/schemas/Error")))
		return -1;
	return json_object_set_new(responses, key, r);
}

static json_t *operation(const serve_route *rt)
{
	json_t *op = json_pack("{s:s, s:s, s:{}}", "summary", rt->summary, "x-grym-role",
			       role_names[rt->role], "responses");
	json_t *resp = op ? json_object_get(op, "responses") : NULL;
	const char *e = rt->errors;
	int rc = 0;

	if (!op)
		return NULL;
	rc |= add_response(resp, rt->status, 1);
	while (e && *e) {
		rc |= add_response(resp, atoi(e), 0);
		e += strcspn(e, " ");
		e += strspn(e, " ");
	}
	rc |= add_response(resp, 403, 0);   /* Host and Origin */
	if (rt->body)
		rc |= add_response(resp, 413, 0);
	if (rt->role != SERVE_PUBLIC) {
		rc |= add_response(resp, 401, 0);
		rc |= add_response(resp, 429, 0);
		rc |= json_object_set_new(op, "security",
					  json_pack("[{s:[]}, {s:[]}]", "bearer", "session"));
	} else {
		rc |= json_object_set_new(op, "security", json_array());
	}
	if (strchr(rt->path, '{'))
		rc |= json_object_set_new(op, "parameters",
					  json_pack("[{s:s, s:s, s:b, s:{s:s}}]", "name", "id", "in",
						    "path", "required", 1, "schema", "type",
						    "string"));
	if (rt->body)
		rc |= json_object_set_new(op, "requestBody",
					  json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1,
						    "content", rt->body == SERVE_BODY_STREAM ?
						    (!strcmp(rt->method, "PUT") ?
						     "application/octet-stream" : "multipart/form-data")
						    : "application/json", "schema",
						    "type", rt->body == SERVE_BODY_STREAM &&
						    !strcmp(rt->method, "PUT") ? "string" : "object"));
	if (rc) {
		json_decref(op);
		return NULL;
	}
	return op;
}

char *serve_openapi(const char *schema_json)
{
	json_t *doc, *paths, *schemas, *stages;
	char *text = NULL;
	char method[16];

	stages = json_loads(schema_json, 0, NULL);
	doc = json_pack("{s:s, s:{s:s, s:s}, s:{}, s:{s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}, s:{}}}",
			"openapi", "3.1.0", "info", "title", "grym-serve", "version", grym_version(),
			"paths", "components", "securitySchemes", "bearer", "type", "http", "scheme",
			"bearer", "session", "type", "apiKey", "in", "cookie", "name",
			"grym_session_PORT", "schemas");
	if (!doc || !stages)
		goto done;
	paths = json_object_get(doc, "paths");
	schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	if (json_object_set_new(schemas, "Error",
				json_pack("{s:s, s:[s], s:{s:{s:s, s:[s,s,s], s:{s:{s:s}, s:{s:s}, s:{s:[s,s]}}}}}",
					  "type", "object", "required", "error", "properties",
					  "error", "type", "object", "required", "code", "message",
					  "field", "properties", "code", "type", "string", "message",
					  "type", "string", "field", "type", "string", "null")))
		goto done;
	/* the stages' parameter tables, as GET /api/schema gives them */
	const char *name;
	json_t *v;
	json_object_foreach(json_object_get(stages, "stages"), name, v) {
		char key[64];
		snprintf(key, sizeof key, "stage_%s", name);
		json_t *copy = json_deep_copy(v);
		if (copy)
			json_object_del(copy, "$schema");   /* 3.1 takes the dialect as is */
		if (!copy || json_object_set_new(schemas, key, copy))
			goto done;
	}
	for (size_t i = 0; i < serve_n_routes; i++) {
		const serve_route *rt = &serve_routes[i];
		json_t *item = json_object_get(paths, rt->path), *op;
		if (!item) {
			item = json_object();
			if (!item || json_object_set_new(paths, rt->path, item))
				goto done;
		}
		size_t k;
		for (k = 0; rt->method[k] && k < sizeof method - 1; k++)
			method[k] = (char)(rt->method[k] | 0x20);
		method[k] = 0;
		op = operation(rt);
		if (!op || json_object_set_new(item, method, op))
			goto done;
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
done:
	json_decref(doc);
	json_decref(stages);
	return text;
}
