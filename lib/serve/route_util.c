/*
 * route_util.c — what the asset, view and model routes share: a library
 * status as an HTTP error (with the request field the message names),
 * query arguments read strictly, and an {id} resolved to one asset.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

/* The field a library message names: "limit: ..." (catalog_page.h's
 * convention) or a message starting with one of the request's fields
 * ("points must be ...", grym/view.h's); NULL when neither. */
static const char *field_of(const char *msg, const char *const *fields, char *buf, size_t len)
{
	size_t n = 0;
	while (msg[n] && (isalnum((unsigned char)msg[n]) || msg[n] == '_'))
		n++;
	if (n && n < len && msg[n] == ':') {
		memcpy(buf, msg, n);
		buf[n] = 0;
		return buf;
	}
	for (size_t i = 0; fields && fields[i]; i++)
		if (!strncmp(msg, fields[i], strlen(fields[i])) &&
		    !isalnum((unsigned char)msg[strlen(fields[i])]) && msg[strlen(fields[i])] != '_')
			return fields[i];
	return NULL;
}

enum MHD_Result serve_lib_error(serve_req *r, const grym_error *err, const char *const *fields)
{
	char fb[64];
	const char *msg = err->msg[0] ? err->msg : "failed";
	switch (err->code) {
	case GRYM_ERR_NOTFOUND:
		return serve_error(r, 404, "not_found", NULL, "%s", msg);
	case GRYM_ERR_AMBIGUOUS:
		return serve_error(r, 409, "ambiguous", NULL, "%s", msg);
	case GRYM_ERR_CONFLICT:
		return serve_error(r, 409, "conflict", NULL, "%s", msg);
	case GRYM_ERR_INVALID:
		return serve_error(r, 400, "bad_request", field_of(msg, fields, fb, sizeof fb), "%s",
				   msg);
	case GRYM_ERR_UNSUPPORTED:
		return serve_error(r, 415, "unsupported", NULL, "%s", msg);
	default:
		return serve_error(r, 500, "internal", NULL, "%s", msg);
	}
}

const char *serve_arg(serve_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);
}

int serve_arg_int(serve_req *r, const char *name, long lo, long hi, long *v)
{
	const char *s = serve_arg(r, name);
	char *end;
	long x;
	if (!s)
		return 0;
	errno = 0;
	x = strtol(s, &end, 10);
	if (!*s || *end || errno || x < lo || x > hi)
		return -1;
	*v = x;
	return 1;
}

int serve_arg_double(serve_req *r, const char *name, double *v)
{
	const char *s = serve_arg(r, name);
	char *end;
	double x;
	if (!s)
		return 0;
	errno = 0;
	x = strtod(s, &end);
	if (!*s || *end || errno || x != x || x - x != 0)
		return -1;
	*v = x;
	return 1;
}

int serve_resolve_asset(serve_req *r, grym_catalog *cat, char id[GRYM_ID_LEN + 1],
			enum MHD_Result *ret)
{
	grym_error err = { 0 };
	if (grym_catalog_resolve(cat, r->param, id, &err) != GRYM_OK) {
		*ret = serve_lib_error(r, &err, NULL);
		return -1;
	}
	return 0;
}

grym_catalog *serve_cat(serve_req *r, enum MHD_Result *ret)
{
	grym_error err = { 0 };
	grym_catalog *cat = serve_catpool_get(&r->s->cats, &err);
	if (!cat)
		*ret = serve_error(r, 503, "busy", NULL, "no catalog handle: %s", err.msg);
	return cat;
}

enum MHD_Result serve_json_text(serve_req *r, unsigned status, char *text)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return serve_queue(r, status, resp);
}
