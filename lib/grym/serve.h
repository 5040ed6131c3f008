/*
 * serve.h — grym-serve's HTTP server: libmicrohttpd with a thread pool
 * and epoll, one route table (method, path, role, handler) behind every
 * request, and the security every response gets.
 *
 * Each request passes, in order: the Host check (the listen address,
 * localhost, 127.0.0.1 or [::1] with the port, or an allowed host: DNS
 * rebinding), the Origin check (when sent, it must be this server), the
 * route (404 or 405), the credentials for a route that is not public
 * (Authorization: Bearer with an API token or a JWT, or the session
 * cookie; 401), the role (403), the CSRF header for a state-changing
 * request authenticated by cookie (403), the principal's rate (429 with
 * Retry-After). Every error body is {"error":{"code","message","field"}};
 * every response has Content-Security-Policy, X-Content-Type-Options:
 * nosniff and Referrer-Policy: no-referrer, and none has
 * Access-Control-Allow-Origin. grym-serve(1) lists the routes.
 *
 * The server keeps no global state: two servers run side by side.
 */
#ifndef GRYM_SERVE_H
#define GRYM_SERVE_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/serve_events.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_serve grym_serve;

typedef struct grym_serve_config {
	const char *listen;             /* "127.0.0.1:8080", "[::1]:0" (0: any free port) */
	const char *catalog_dir;        /* the catalog (its serve/ folder holds the keys) */
	const char *static_dir;         /* files served at /, NULL: none */
	const char *const *allow_hosts; /* more Host values ("name" or "name:port") */
	size_t n_allow_hosts;
	const char *tls_cert_pem;       /* PEM text of the certificate and key: both */
	const char *tls_key_pem;        /* or neither (plain HTTP) */
	int insecure;                   /* allow a non-loopback address without TLS */
	unsigned threads;               /* the pool's threads (default 4) */
	unsigned jobs;                  /* job workers, for the job runner (default 2) */
	uint64_t max_upload;            /* bytes of one upload, for the uploads (default 4 GiB) */
	double rate;                    /* requests a second per principal (default 50; 0: off) */
	double burst;                   /* bucket of the rate (default 200) */
	double login_failures;          /* failed logins a minute per client address (default 10) */
	unsigned keepalive;             /* seconds between SSE keepalive comments (default 15) */
	size_t event_ring;              /* events kept for Last-Event-ID (default 1024) */
	unsigned connection_limit;      /* open connections (default 256) */
	unsigned connection_timeout;    /* seconds a connection may idle (default 15) */
	size_t connection_memory;       /* bytes of one connection's buffers (default 64 KiB) */
	unsigned session_hours;         /* a browser session's life (default 12) */
	unsigned queue_limit;           /* jobs waiting for a worker (default 64);
					   more: 503 with Retry-After */
	unsigned upload_max_age;        /* seconds an upload may get no byte
					   before it is removed (default 86400) */
} grym_serve_config;

/* Fill c with the defaults above (listen 127.0.0.1:8080, no static
 * folder, no TLS). */
void grym_serve_config_init(grym_serve_config *c);

/* Start a server for c: open the catalog (creating the keys in its serve/
 * folder on first use), bind, and serve from the pool's threads until
 * grym_serve_free. c's strings are copied. NULL with err set:
 * GRYM_ERR_INVALID for a bad address, a non-loopback address without TLS
 * and without insecure, half a TLS pair, a static folder that is not
 * one; GRYM_ERR_IO when it cannot bind (the message names the address);
 * catalog errors. */
grym_serve *grym_serve_new(const grym_serve_config *c, grym_error *err) GRYM_MUST_CHECK;

/* Stop: no new connection, open event streams ended, running requests
 * finished, then everything freed. NULL is fine. */
void grym_serve_free(grym_serve *s);

/* The port bound (the one chosen when the address said 0). */
unsigned grym_serve_port(const grym_serve *s);

/* The server's base URL, "http://127.0.0.1:8080" (https under TLS), into
 * buf. GRYM_ERR_INVALID when it does not fit. */
int grym_serve_url(const grym_serve *s, char *buf, size_t len) GRYM_MUST_CHECK;

/* A one-time login link for the admin role, valid ttl seconds and for one
 * use: GET on it gives a browser session and a redirect that takes the
 * token out of the address bar. Into buf; GRYM_ERR_INVALID when it does
 * not fit, GRYM_ERR_LIMIT when too many unused links are pending. */
int grym_serve_login_link(grym_serve *s, int64_t ttl, char *buf, size_t len,
			  grym_error *err) GRYM_MUST_CHECK;

/* The server's event bus (owned by s): what GET /api/events streams. */
grym_serve_events *grym_serve_bus(grym_serve *s);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
