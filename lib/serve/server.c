/*
 * server.c — the daemon (grym/serve.h): its address, keys, catalog
 * handles, limits and event streams, started and stopped; the path of a
 * request is request.c's.
 *
 * libmicrohttpd runs a pool of threads over epoll, with suspend/resume
 * on so event streams hold no thread; it bounds the connections, each
 * connection's memory and idle time (a client trickling its request in
 * is cut off), and parses all of HTTP: nothing here reads raw bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <sodium.h>

#include "serve_int.h"
#include "grym/grym.h"

void grym_serve_config_init(grym_serve_config *c)
{
	memset(c, 0, sizeof *c);
	c->listen = "127.0.0.1:8080";
	c->threads = 4;
	c->jobs = 2;
	c->max_upload = 4ULL << 30;
	c->rate = 50;
	c->burst = 200;
	c->login_failures = 10;
	c->keepalive = 15;
	c->event_ring = 1024;
	c->connection_limit = 256;
	c->connection_timeout = 15;
	c->connection_memory = 64 * 1024;
	c->session_hours = 12;
	c->queue_limit = 64;
	c->upload_max_age = 86400;
}

/* ---- starting and stopping ---- */

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return 0;
}

/* "host:port" or "[v6]:port" into host and port. */
static int split_listen(const char *listen, char *host, size_t hlen, char *port, size_t plen,
			grym_error *err)
{
	const char *colon;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':')
			goto bad;
		if ((size_t)(close - listen - 1) >= hlen)
			goto bad;
		memcpy(host, listen + 1, (size_t)(close - listen - 1));
		host[close - listen - 1] = 0;
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= hlen || colon == listen)
			goto bad;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = 0;
	}
	if (!colon[1] || strlen(colon + 1) >= plen || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atol(colon + 1) > 65535)
		goto bad;
	snprintf(port, plen, "%s", colon + 1);
	return GRYM_OK;
bad:
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "--listen '%s': not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080)", listen);
}

static int add_allowed(grym_serve *s, const char *h)
{
	char **a = realloc(s->allowed, (s->n_allowed + 1) * sizeof *a);
	if (!a)
		return GRYM_ERR_NOMEM;
	s->allowed = a;
	if (!(a[s->n_allowed] = strdup(h)))
		return GRYM_ERR_NOMEM;
	s->n_allowed++;
	return GRYM_OK;
}

static int allow_with_port(grym_serve *s, const char *host)
{
	char buf[300];
	snprintf(buf, sizeof buf, "%s:%u", host, s->port);
	return add_allowed(s, buf);
}

/* The stages' schemas, once: {"stages":{"ingest":{...},...}}. */
static char *all_schemas(void)
{
	static const struct {
		const char *name;
		const grym_schema *(*get)(void);
	} stages[] = {
		{ "ingest", grym_ingest_schema },   { "normalize", grym_normalize_schema },
		{ "features", grym_features_schema }, { "train", grym_train_schema },
		{ "infer", grym_infer_schema },     { "synth", grym_synth_schema },
	};
	json_t *o = json_object(), *all = json_object();
	char *text = NULL;
	if (!o || !all)
		goto done;
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
		char *t = grym_schema_json(stages[i].get(), 0);
		json_t *j = t ? json_loads(t, 0, NULL) : NULL;
		free(t);
		if (!j || json_object_set_new(o, stages[i].name, j))
			goto done;
	}
	if (json_object_set(all, "stages", o) == 0)
		text = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
done:
	json_decref(o);
	json_decref(all);
	return text;
}

static int start_daemon(grym_serve *s, const grym_serve_config *c, const struct sockaddr *sa,
			grym_error *err)
{
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem opts[16];
	int n = 0;
	const union MHD_DaemonInfo *info;

	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (s->tls)
		flags |= MHD_USE_TLS;
#define OPT(o, v, p) opts[n++] = (struct MHD_OptionItem){ o, (intptr_t)(v), (void *)(p) }
	OPT(MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, c->connection_limit, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->connection_memory, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->connection_limit, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, serve_on_completed, s);
	OPT(MHD_OPTION_SOCK_ADDR, 0, sa);
	if (s->tls) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, c->tls_cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, c->tls_key_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, serve_on_request, s, MHD_OPTION_ARRAY, opts,
				MHD_OPTION_END);
	if (!s->d)
		return grym_error_set(err, GRYM_ERR_IO,
				      "--listen %s: cannot serve there (address in use, not local, "
				      "or a bad TLS certificate or key)",
				      c->listen);
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	return GRYM_OK;
}

grym_serve *grym_serve_new(const grym_serve_config *c, grym_error *err)
{
	grym_serve *s;
	char host[200], port[16];
	struct addrinfo hints, *ai = NULL;
	grym_catalog *cat;
	int rc;

	if (split_listen(c->listen ? c->listen : "", host, sizeof host, port, sizeof port, err))
		return NULL;
	if (!c->catalog_dir) {
		grym_error_set(err, GRYM_ERR_INVALID, "no catalog");
		return NULL;
	}
	if (!c->tls_cert_pem != !c->tls_key_pem) {
		grym_error_set(err, GRYM_ERR_INVALID, "TLS needs both a certificate and a key");
		return NULL;
	}
	if (c->threads < 1 || c->threads > 256 || c->keepalive < 1) {
		grym_error_set(err, GRYM_ERR_INVALID, "bad thread count or keepalive");
		return NULL;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		grym_error_set(err, GRYM_ERR_INVALID, "--listen %s: unknown address", c->listen);
		return NULL;
	}
	if (!is_loopback(ai->ai_addr) && !c->tls_cert_pem && !c->insecure) {
		freeaddrinfo(ai);
		grym_error_set(err, GRYM_ERR_INVALID,
			       "--listen %s: not a loopback address; serve it with --tls-cert and "
			       "--tls-key, or say --insecure",
			       c->listen);
		return NULL;
	}
	if (sodium_init() < 0) {
		freeaddrinfo(ai);
		grym_error_set(err, GRYM_ERR_INTERNAL, "libsodium cannot start");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		freeaddrinfo(ai);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->cfg = *c;
	s->cfg.listen = NULL;
	s->cfg.catalog_dir = s->cfg.static_dir = NULL;
	s->cfg.allow_hosts = NULL;
	s->cfg.tls_cert_pem = s->cfg.tls_key_pem = NULL;
	s->tls = c->tls_cert_pem != NULL;
	pthread_mutex_init(&s->lmu, NULL);
	snprintf(s->host, sizeof s->host, "%s%s%s", strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "");
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::"))
		snprintf(s->host, sizeof s->host, "%s", "127.0.0.1");
	rc = GRYM_OK;
	if (!(s->catalog_dir = strdup(c->catalog_dir)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK && c->static_dir) {
		char real[PATH_MAX];
		if (!realpath(c->static_dir, real))
			rc = grym_error_set(err, GRYM_ERR_INVALID, "--static %s: %s", c->static_dir,
					    strerror(errno));
		else if (!(s->static_root = strdup(real)))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	/* the catalog first: a bad one is reported before anything listens */
	if (rc == GRYM_OK) {
		int64_t gone;
		cat = grym_catalog_open(c->catalog_dir, err);
		if (!cat)
			rc = err ? err->code : GRYM_ERR_DB;
		/* sessions dead for a day are of no use, not even to the audit */
		else
			rc = grym_catalog_token_purge_sessions(cat, (int64_t)serve_now() - 86400, &gone,
							      err);
		grym_catalog_close(cat);
	}
	if (rc == GRYM_OK)
		rc = grym_serve_key_load(c->catalog_dir, "token.key", s->token_key, err);
	if (rc == GRYM_OK)
		rc = grym_serve_key_load(c->catalog_dir, "jwt.key", s->jwt_key, err);
	if (rc == GRYM_OK)
		rc = serve_catpool_init(&s->cats, c->catalog_dir, (int)c->threads + 2, err);
	if (rc == GRYM_OK && (serve_rl_init(&s->rate, c->rate, c->burst) ||
			      serve_rl_init(&s->fails, c->login_failures / 60.0, c->login_failures) ||
			      serve_metrics_init(&s->metrics, serve_n_routes) ||
			      !(s->schema_json = all_schemas()) ||
			      !(s->openapi_json = serve_openapi(s->schema_json))))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK && !(s->bus = grym_serve_events_new(c->event_ring ? c->event_ring : 1024, err)))
		rc = GRYM_ERR_NOMEM;
	if (rc == GRYM_OK)
		rc = serve_streams_start(s, err);
	if (rc == GRYM_OK)
		rc = serve_jobs_start(s, c, err);
	if (rc == GRYM_OK)
		rc = start_daemon(s, c, ai->ai_addr, err);
	freeaddrinfo(ai);
	if (rc == GRYM_OK) {
		snprintf(s->cookie, sizeof s->cookie, "grym_session_%u", s->port);
		if (allow_with_port(s, "localhost") || allow_with_port(s, "127.0.0.1") ||
		    allow_with_port(s, "[::1]") || allow_with_port(s, s->host))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (size_t i = 0; rc == GRYM_OK && i < c->n_allow_hosts; i++) {
			const char *h = c->allow_hosts[i];
			const char *br = strrchr(h, ']');
			int has_port = strchr(br ? br : h, ':') != NULL;
			if ((has_port ? add_allowed(s, h) : allow_with_port(s, h)) != GRYM_OK)
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	}
	if (rc != GRYM_OK) {
		grym_serve_free(s);
		return NULL;
	}
	return s;
}

void grym_serve_free(grym_serve *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_quiesce_daemon(s->d);
	if (s->bus)
		serve_streams_stop(s);
	if (s->d)
		MHD_stop_daemon(s->d);
	/* no request runs now: the jobs are cancelled and marked, their
	 * last events go to the bus no stream reads any more */
	serve_jobs_stop(s);
	if (s->bus) {
		pthread_mutex_destroy(&s->smu);
		pthread_cond_destroy(&s->scv);
	}
	grym_serve_events_free(s->bus);
	serve_catpool_fini(&s->cats);
	serve_rl_fini(&s->rate);
	serve_rl_fini(&s->fails);
	serve_metrics_fini(&s->metrics);
	for (size_t i = 0; i < s->n_allowed; i++)
		free(s->allowed[i]);
	free(s->allowed);
	free(s->static_root);
	free(s->catalog_dir);
	free(s->schema_json);
	free(s->openapi_json);
	sodium_memzero(s->token_key, sizeof s->token_key);
	sodium_memzero(s->jwt_key, sizeof s->jwt_key);
	pthread_mutex_destroy(&s->lmu);
	free(s);
}

unsigned grym_serve_port(const grym_serve *s)
{
	return s->port;
}

int grym_serve_url(const grym_serve *s, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s://%s:%u", s->tls ? "https" : "http", s->host, s->port);
	return n < 0 || (size_t)n >= len ? GRYM_ERR_INVALID : GRYM_OK;
}

int grym_serve_login_link(grym_serve *s, int64_t ttl, char *buf, size_t len, grym_error *err)
{
	char secret[GRYM_SERVE_TOKEN_TEXT_MAX], base[300];
	int64_t now = (int64_t)serve_now();
	int slot = -1, rc, n;

	if ((rc = grym_serve_secret_new("grym_login_", secret, sizeof secret, err)) != GRYM_OK)
		return rc;
	if (grym_serve_url(s, base, sizeof base) != GRYM_OK)
		return grym_error_set(err, GRYM_ERR_INVALID, "URL too long");
	n = snprintf(buf, len, "%s/login?token=%s", base, secret);
	if (n < 0 || (size_t)n >= len) {
		sodium_memzero(secret, sizeof secret);
		return grym_error_set(err, GRYM_ERR_INVALID, "no room for the login link");
	}
	pthread_mutex_lock(&s->lmu);
	for (int i = 0; i < SERVE_LOGIN_LINKS && slot < 0; i++)
		if (!s->links[i].expires || s->links[i].used || s->links[i].expires <= now)
			slot = i;
	if (slot >= 0) {
		grym_serve_hash(s->token_key, "link", secret, s->links[slot].hash);
		s->links[slot].expires = now + ttl;
		s->links[slot].used = 0;
	}
	pthread_mutex_unlock(&s->lmu);
	sodium_memzero(secret, sizeof secret);
	if (slot < 0) {
		buf[0] = 0;
		return grym_error_set(err, GRYM_ERR_LIMIT, "%d login links are pending already",
				      SERVE_LOGIN_LINKS);
	}
	return GRYM_OK;
}

grym_serve_events *grym_serve_bus(grym_serve *s)
{
	return s->bus;
}

