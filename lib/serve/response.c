/*
 * response.c — every response leaves through serve_queue: the security
 * headers, the status counted for /metrics, and the error body's one
 * shape {"error":{"code","message","field"}}.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"
#include "grym/pathname.h"

/* No inline script or style, nothing from elsewhere, never in a frame.
 * The UI's vendored components must live with this (grym-serve(1)). */
static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
	"media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
	"form-action 'self'; frame-ancestors 'none'";

double serve_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void serve_security_headers(struct MHD_Response *resp, int api)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	if (api)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
}

enum MHD_Result serve_queue(serve_req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;
	if (!resp)
		return MHD_NO;   /* out of memory: MHD closes the connection */
	serve_security_headers(resp, r->route != SERVE_ROUTE_STATIC);
	r->status = status;
	r->replied = 1;
	ret = MHD_queue_response(r->c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* What a handler whose answer could not be made (body NULL: out of
 * memory, or a string jansson refused) says instead of closing the
 * connection without a word. */
static const char NO_BODY[] =
	"{\"error\":{\"code\":\"internal\",\"message\":\"the answer could not be made\","
	"\"field\":null}}";

enum MHD_Result serve_json(serve_req *r, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
			  : NULL;
	struct MHD_Response *resp;
	json_decref(body);
	if (!text) {
		resp = MHD_create_response_from_buffer(sizeof NO_BODY - 1, (void *)NO_BODY,
						       MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, "Content-Type", "application/json");
		return serve_queue(r, 500, resp);
	}
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	return serve_queue(r, status, resp);
}

enum MHD_Result serve_error(serve_req *r, unsigned status, const char *code, const char *field,
			    const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* a message or field may quote what the client sent, which need not
	 * be UTF-8 (?sort=na%9De): JSON strings must be, so bad bytes become
	 * U+FFFD rather than the answer failing */
	char *m = grym_utf8_repair(msg, strlen(msg));
	char *f = field ? grym_utf8_repair(field, strlen(field)) : NULL;
	json_t *j = m && (f || !field)
			    ? json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code, "message", m,
					"field", f)
			    : NULL;
	if (j && !field)
		json_object_set_new(json_object_get(j, "error"), "field", json_null());
	free(m);
	free(f);
	return serve_json(r, status, j);
}

enum MHD_Result serve_empty(serve_req *r, unsigned status)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	return serve_queue(r, status, resp);
}
