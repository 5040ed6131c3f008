/*
 * fuzz_serve.c — libFuzzer target for grym-serve's handlers as a client
 * reaches them: a server runs in this process (on a loopback port, its
 * own catalog holding one short asset, rate limits off), and each input
 * becomes one authenticated request over a socket, so libmicrohttpd
 * parses it and the route's own parsing gets what a client can send:
 *   byte 0 picks the request (below), the rest is its variable part —
 *   a query string (asset pages, views, job lists), a JSON body (jobs,
 *   PATCH, login, uploads), a multipart body (POST /api/assets: field
 *   names, label and meta.KEY fields, file parts) or a Content-Range
 *   (a resumable upload's PUT).
 * The server must answer every request with a status line and go on
 * answering (a request to /healthz after each must be 200): a crash, a
 * sanitizer report, a hang or a dead server fails.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/serve.h"
#include "grym/serve_auth.h"
#include "grym/stage_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static grym_serve *srv;
static unsigned port;
static char bearer[256];
static char asset[GRYM_ID_LEN + 1] = "0000";

static int first_asset(void *ud, const grym_asset *a)
{
	snprintf(ud, GRYM_ID_LEN + 1, "%s", a->id);
	return 1;
}

/* A catalog with a token and, when ffmpeg and grym-ingest (in
 * $GRYM_BUILD/bin, else build/bin) made one, an asset. */
static int setup(void)
{
	static char dir[] = "/tmp/grym-fuzz-serve.XXXXXX";
	unsigned char tk[GRYM_SERVE_KEY_LEN], jk[GRYM_SERVE_KEY_LEN];
	grym_serve_config c;
	grym_error err;
	grym_catalog *cat;
	grym_token_row row;
	char *secret = NULL, cmd[8192], cwd[4096];
	const char *build = getenv("GRYM_BUILD") ? getenv("GRYM_BUILD") : "build";

	if (!mkdtemp(dir) || !getcwd(cwd, sizeof cwd))
		return -1;
	snprintf(cmd, sizeof cmd,
		 "B=%s; case $B in /*) ;; *) B=%s/$B ;; esac; cd %s && "
		 "ffmpeg -nostdin -loglevel error -f lavfi -i sine=duration=0.5 a.wav && "
		 "GRYM_CATALOG=%s/cat $B/bin/grym-ingest -q a.wav >/dev/null 2>&1", build, cwd, dir,
		 dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_serve: no asset (%s)\n", cmd);
	snprintf(cmd, sizeof cmd, "%s/cat", dir);
	if (!(cat = grym_catalog_open(cmd, &err)))
		return -1;
	grym_asset_query q = { .limit = 1 };
	if (grym_catalog_foreach_asset(cat, &q, first_asset, asset, &err) < 0)
		fprintf(stderr, "fuzz_serve: %s\n", err.msg);
	if (grym_serve_key_load(cmd, "token.key", tk, &err) != GRYM_OK ||
	    grym_serve_key_load(cmd, "jwt.key", jk, &err) != GRYM_OK ||
	    grym_serve_token_issue(cat, tk, jk, 0, "admin", "fuzz", 0, (int64_t)time(NULL), &secret,
				   &row, &err) != GRYM_OK) {
		grym_catalog_close(cat);
		return -1;
	}
	grym_catalog_close(cat);
	snprintf(bearer, sizeof bearer, "Authorization: Bearer %s\r\n", secret);
	free(secret);
	grym_serve_config_init(&c);
	c.listen = "127.0.0.1:0";
	c.catalog_dir = cmd;
	c.rate = 0;
	c.connection_timeout = 2;
	c.max_upload = 1 << 20;
	if (!(srv = grym_serve_new(&c, &err))) {
		fprintf(stderr, "fuzz_serve: %s\n", err.msg);
		return -1;
	}
	port = grym_serve_port(srv);
	return 0;
}

/* Send req, read the answer until the server closes: the status, or -1. */
static int exchange(const char *req, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 30, 0 };
	char buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	for (size_t off = 0; off < len; off += (size_t)n)
		if ((n = send(fd, req + off, len - off, MSG_NOSIGNAL)) <= 0)
			break;
	/* no half-close: libmicrohttpd may take the end of the request stream
	 * for a client gone before it answers (browsers and curl keep it open) */
	while ((n = recv(fd, buf + got, sizeof buf - 1 - got, 0)) > 0 && got < 32)
		got += (size_t)n;
	while (n > 0)
		n = recv(fd, buf + got, sizeof buf - 1 - got > 0 ? sizeof buf - 1 - got : 1, 0);
	buf[got] = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	close(fd);
	return status;
}

/* The request templates: method, path (with %s for the asset id), how the
 * fuzzed part goes in (query, JSON body, multipart body, Content-Range). */
enum { QUERY, JSON, MULTIPART, RANGE };
static const struct {
	const char *method, *path;
	int part;
} reqs[] = {
	{ "GET", "/api/assets?", QUERY },
	{ "GET", "/api/assets/%s/peaks?", QUERY },
	{ "GET", "/api/assets/%s/spectrogram?", QUERY },
	{ "GET", "/api/assets/%s/features?", QUERY },
	{ "GET", "/api/jobs?", QUERY },
	{ "GET", "/api/models?", QUERY },
	{ "GET", "/api/embedding?", QUERY },
	{ "POST", "/api/jobs", JSON },
	{ "PATCH", "/api/assets/%s", JSON },
	{ "POST", "/api/uploads", JSON },
	{ "POST", "/api/tokens", JSON },
	{ "POST", "/api/assets", MULTIPART },
	{ "GET", "/api/assets/%s/audio", RANGE },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char path[512], *req;
	size_t n = size ? size - 1 : 0, len;
	const uint8_t *part = data + 1;
	int k, status;

	if (!ready) {
		if (setup() != 0)
			abort();
		ready = 1;
	}
	if (size < 1 || n > 16384)
		return 0;
	k = data[0] % (int)(sizeof reqs / sizeof *reqs);
	snprintf(path, sizeof path, reqs[k].path, asset);
	if (!(req = malloc(n * 3 + 2048)))
		return 0;
	if (reqs[k].part == QUERY) {
		/* the query as a client may send it: printable bytes, anything
		 * else percent-encoded, so the request line stays one line */
		len = (size_t)sprintf(req, "%s %s", reqs[k].method, path);
		for (size_t i = 0; i < n; i++)
			len += (size_t)(part[i] > 32 && part[i] < 127 && part[i] != '#'
					? sprintf(req + len, "%c", part[i])
					: sprintf(req + len, "%%%02X", part[i]));
		len += (size_t)sprintf(req + len, " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s"
					 "Connection: close\r\n\r\n", port, bearer);
	} else if (reqs[k].part == RANGE) {
		len = (size_t)sprintf(req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sRange: ",
				      reqs[k].method, path, port, bearer);
		for (size_t i = 0; i < n && i < 200; i++)
			req[len++] = part[i] >= 32 && part[i] < 127 ? (char)part[i] : ' ';
		len += (size_t)sprintf(req + len, "\r\nConnection: close\r\n\r\n");
	} else {
		const char *type = reqs[k].part == JSON ? "application/json"
							: "multipart/form-data; boundary=XyZ";
		len = (size_t)sprintf(req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s"
				      "Content-Type: %s\r\nContent-Length: %zu\r\n"
				      "Connection: close\r\n\r\n", reqs[k].method, path, port,
				      bearer, type, n);
		memcpy(req + len, part, n);
		len += n;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = exchange(req, len);
	/* a connection turned away at once (the server at its connection
	 * limit while it closes the fuzzer's last hundreds) is tried again */
	for (int again = 0; status < 0 && again < 20; again++) {
		struct timespec nap = { 0, 50 * 1000000L };
		nanosleep(&nap, NULL);
		status = exchange(req, len);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(req);
	if (status < 100 || status > 599) {
		fprintf(stderr, "fuzz_serve: no answer to %s %s after %.1f s\n", reqs[k].method, path,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		abort();
	}
	char health[128];
	len = (size_t)snprintf(health, sizeof health, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%u"
			       "\r\nConnection: close\r\n\r\n", port);
	if ((status = exchange(health, len)) != 200) {
		fprintf(stderr, "fuzz_serve: /healthz answered %d after %s %s\n", status,
			reqs[k].method, path);
		abort();
	}
	return 0;
}
