/*
 * route_audio.c — GET /api/assets/{id}/audio: the asset's object streamed
 * from the store (a content reader over a grym_store_reader: the file is
 * never in memory), with one byte range (206, 416), ETag (the object's
 * id: content-addressed, so it never changes) with If-None-Match and
 * If-Range, and the media type of what the decoder found, never the
 * client's or the file name's claim (grym_audio_media_type never gives a
 * type a browser renders as a page).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/audio.h"
#include "grym/pathname.h"
#include "grym/serve_http.h"
#include "grym/store.h"

typedef struct body {
	grym_store_reader *rd;
	uint64_t first;        /* the range's first byte in the object */
} body;

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	body *b = cls;
	grym_error err = { 0 };
	int64_t n;
	/* the reader is at first + pos unless libmicrohttpd asks elsewhere */
	if (grym_store_reader_seek(b->rd, b->first + pos, &err) != GRYM_OK)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = grym_store_reader_read(b->rd, buf, max, &err);
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return (ssize_t)n;
}

static void body_free(void *cls)
{
	body *b = cls;
	grym_store_reader_close(b->rd);
	free(b);
}

/* A file name for Content-Disposition (RFC 6266): an ASCII fallback with
 * anything unsafe as '_', and the exact name as filename* (RFC 5987,
 * UTF-8, percent-encoded) when it is UTF-8. */
static void disposition(const char *name, char *out, size_t len)
{
	char ascii[256], ext[1024];
	size_t i, a = 0, e = 0;
	int utf8 = 1;
	static const char hex[] = "0123456789ABCDEF";

	for (i = 0; name[i] && a < sizeof ascii - 1; i++) {
		unsigned char c = (unsigned char)name[i];
		ascii[a++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '%' ||
			      c == ';') ? '_' : (char)c;
	}
	ascii[a] = 0;
	for (i = 0; name[i] && e + 4 < sizeof ext; i++) {
		unsigned char c = (unsigned char)name[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("!#$&+-.^_`|~", c)) {
			ext[e++] = (char)c;
		} else {
			ext[e++] = '%';
			ext[e++] = hex[c >> 4];
			ext[e++] = hex[c & 15];
		}
	}
	ext[e] = 0;
	if (grym_utf8_valid(name, strlen(name)) != 1 || name[i])
		utf8 = 0;
	if (utf8)
		snprintf(out, len, "inline; filename=\"%s\"; filename*=UTF-8''%s", ascii, ext);
	else
		snprintf(out, len, "inline; filename=\"%s\"", ascii);
}

/* The asset's name: the base name of its first origin path, else its id
 * with the format as extension. */
static void asset_name(const grym_asset *a, const char *ext, char *out, size_t len)
{
	json_t *p = a->paths ? json_array_get(a->paths, 0) : NULL;
	const char *s = p ? json_string_value(p) : NULL;
	if (s && *s) {
		const char *slash = strrchr(s, '/');
		snprintf(out, len, "%s", slash ? slash + 1 : s);
		if (ext) {
			char *dot = strrchr(out, '.');
			if (dot)
				*dot = 0;
			snprintf(out + strlen(out), len - strlen(out), ".%s", ext);
		}
	} else {
		snprintf(out, len, "%.12s.%s", a->id, ext ? ext : (a->format ? a->format : "bin"));
	}
}

/* Does the If-None-Match / If-Range value name etag? ("*" too for the
 * first.) */
static int etag_in(const char *v, const char *etag, int star)
{
	if (!v)
		return 0;
	if (star && !strcmp(v, "*"))
		return 1;
	return strstr(v, etag) != NULL;
}

enum MHD_Result serve_send_object(serve_req *r, grym_store_reader *rd, const char *type,
				  const char *name)
{
	uint64_t size = grym_store_reader_size(rd), first = 0, last = size ? size - 1 : 0;
	const char *range = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Range");
	const char *inm = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "If-None-Match");
	const char *ifr = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "If-Range");
	char etag[GRYM_ID_LEN + 3], cr[96], cd[1400];
	struct MHD_Response *resp;
	grym_http_range want;
	unsigned status = 200;
	body *b;

	snprintf(etag, sizeof etag, "\"%s\"", grym_store_reader_id(rd));
	if (etag_in(inm, etag, 1)) {
		grym_store_reader_close(rd);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, "ETag", etag);
		return serve_queue(r, 304, resp);
	}
	/* If-Range with another validator: the whole, as RFC 9110 13.1.5 says */
	if (ifr && strcmp(ifr, etag))
		range = NULL;
	want = grym_http_range_parse(range, size, &first, &last);
	if (want == GRYM_RANGE_UNSATISFIABLE) {
		grym_store_reader_close(rd);
		snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)size);
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (resp) {
			MHD_add_response_header(resp, "Content-Range", cr);
			MHD_add_response_header(resp, "Accept-Ranges", "bytes");
		}
		return serve_queue(r, 416, resp);
	}
	if (want == GRYM_RANGE_PART)
		status = 206;
	else
		first = 0, last = size ? size - 1 : 0;
	if (!(b = calloc(1, sizeof *b))) {
		grym_store_reader_close(rd);
		return MHD_NO;
	}
	b->rd = rd;
	b->first = first;
	resp = MHD_create_response_from_callback(size ? last - first + 1 : 0, 64 * 1024, body_read,
						 b, body_free);
	if (!resp) {
		body_free(b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	MHD_add_response_header(resp, "ETag", etag);
	disposition(name, cd, sizeof cd);
	MHD_add_response_header(resp, "Content-Disposition", cd);
	if (status == 206) {
		snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)first,
			 (unsigned long long)last, (unsigned long long)size);
		MHD_add_response_header(resp, "Content-Range", cr);
	}
	return serve_queue(r, status, resp);
}

enum MHD_Result serve_h_asset_audio(serve_req *r)
{
	const char *format = serve_arg(r, "format");
	char id[GRYM_ID_LEN + 1], name[1024];
	grym_asset a;
	grym_error err = { 0 };
	enum MHD_Result ret;
	grym_store_reader *rd = NULL;
	grym_catalog *cat;
	const char *type;
	int plays = 0;

	if (format && strcmp(format, "wav") && strcmp(format, "flac") && strcmp(format, "ogg"))
		return serve_error(r, 400, "bad_request", "format", "format: must be wav, flac or ogg");
	if (!(cat = serve_cat(r, &ret)))
		return ret;
	grym_asset_init(&a);
	if (serve_resolve_asset(r, cat, id, &ret) < 0)
		goto out;
	if (grym_catalog_get_asset(cat, id, &a, &err) != GRYM_OK) {
		ret = serve_lib_error(r, &err, NULL);
		goto out;
	}
	type = grym_audio_media_type(a.format, a.codec, &plays);
	/* the original when no format is asked, or it is the one asked and
	 * browsers play it */
	if (!format || (a.format && !strcmp(format, a.format) && plays)) {
		rd = grym_catalog_open_asset_object(cat, &a, NULL, 0, &err);
		asset_name(&a, NULL, name, sizeof name);
	} else {
		rd = serve_transcoded(cat, &a, format, &type, &err);
		asset_name(&a, format, name, sizeof name);
	}
	if (!rd) {
		ret = serve_lib_error(r, &err, NULL);
		goto out;
	}
	serve_catpool_put(&r->s->cats, cat);
	cat = NULL;
	ret = serve_send_object(r, rd, type, name);
out:
	grym_asset_clear(&a);
	if (cat)
		serve_catpool_put(&r->s->cats, cat);
	return ret;
}
