/*
 * static.c — the UI's files from the static folder, public.
 *
 * libmicrohttpd hands the path already percent-decoded once. A path is
 * refused (404, the same answer as for a missing file, so nothing is
 * learnt from probing) when a part is empty-dot (".", ".."), hidden
 * (".x"), or holds a '%' or a backslash (a second encoding: %252e%252e
 * arrives as %2e%2e and is never decoded again); what is left is resolved
 * with realpath and must still lie inside the folder (a symlink out of it
 * is refused), then opened without following a link. The content type
 * comes from a fixed table of extensions and nothing else: a file of any
 * other kind is application/octet-stream, never sniffed as HTML.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve_int.h"

static const struct {
	const char *ext, *type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "wasm", "application/wasm" },
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

/* The path's parts are plain names. */
static int clean(const char *url)
{
	const char *p = url;
	if (*p != '/')
		return 0;
	while (*p) {
		const char *q;
		p++;   /* past '/' */
		q = strchr(p, '/');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		if (n > 0 && p[0] == '.')
			return 0;   /* ".", "..", hidden files */
		if (n == 0 && q)
			return 0;   /* "//" */
		for (size_t i = 0; i < n; i++)
			if (p[i] == '%' || p[i] == '\\' || (unsigned char)p[i] < 0x20)
				return 0;
		if (!q)
			break;
		p = q;
	}
	return strlen(url) < 1024;
}

static enum MHD_Result not_found(serve_req *r)
{
	return serve_error(r, 404, "not_found", NULL, "no such file");
}

enum MHD_Result serve_static(serve_req *r)
{
	grym_serve *s = r->s;
	char want[PATH_MAX], real[PATH_MAX];
	size_t rootlen;
	struct stat sb;
	struct MHD_Response *resp;
	int fd;

	if (!s->static_root || !clean(r->url))
		return not_found(r);
	if (snprintf(want, sizeof want, "%s%s%s", s->static_root, r->url,
		     r->url[strlen(r->url) - 1] == '/' ? "index.html" : "") >= (int)sizeof want)
		return not_found(r);
	if (!realpath(want, real))
		return not_found(r);
	rootlen = strlen(s->static_root);
	if (strncmp(real, s->static_root, rootlen) || real[rootlen] != '/')
		return not_found(r);
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return not_found(r);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return not_found(r);
	}
	resp = MHD_create_response_from_fd64((uint64_t)sb.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type_of(real));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	return serve_queue(r, 200, resp);
}
