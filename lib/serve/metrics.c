/*
 * metrics.c — GET /metrics in Prometheus' text format: requests by route
 * and status, and a latency histogram by route. Counters are atomics, so
 * counting takes no lock on the request path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

static const unsigned statuses[SERVE_N_STATUS] = {
	200, 201, 204, 206, 303, 304, 400, 401, 403, 404,
	405, 409, 413, 416, 421, 429, 500, 503, 0 /* others */, 0
};
static const double bounds[SERVE_N_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5
};

int serve_metrics_init(serve_metrics *m, size_t nroutes)
{
	m->n = nroutes + 2;
	m->count = calloc(m->n * SERVE_N_STATUS, sizeof *m->count);
	m->hist = calloc(m->n * (SERVE_N_BUCKETS + 1), sizeof *m->hist);
	m->sum_us = calloc(m->n, sizeof *m->sum_us);
	if (!m->count || !m->hist || !m->sum_us) {
		serve_metrics_fini(m);
		return GRYM_ERR_NOMEM;
	}
	return GRYM_OK;
}

void serve_metrics_fini(serve_metrics *m)
{
	free(m->count);
	free(m->hist);
	free(m->sum_us);
	memset(m, 0, sizeof *m);
}

static size_t status_slot(unsigned status)
{
	for (size_t i = 0; i < SERVE_N_STATUS - 2; i++)
		if (statuses[i] == status)
			return i;
	return SERVE_N_STATUS - 2;
}

void serve_metrics_add(serve_metrics *m, size_t route, unsigned status, double secs, int timed)
{
	size_t b;
	if (route >= m->n)
		route = m->n - 1;
	atomic_fetch_add(&m->count[route * SERVE_N_STATUS + status_slot(status)], 1);
	if (!timed)
		return;
	for (b = 0; b < SERVE_N_BUCKETS && secs > bounds[b]; b++)
		;
	atomic_fetch_add(&m->hist[route * (SERVE_N_BUCKETS + 1) + b], 1);
	atomic_fetch_add(&m->sum_us[route], (unsigned long long)(secs * 1e6));
}

static const char *route_label(size_t i, char *buf, size_t len)
{
	if (i < serve_n_routes)
		snprintf(buf, len, "%s %s", serve_routes[i].method, serve_routes[i].path);
	else
		snprintf(buf, len, "%s", i == SERVE_ROUTE_STATIC ? "static" : "unmatched");
	return buf;
}

/* A growing text buffer; on failure it stays NULL. */
typedef struct tbuf {
	char *s;
	size_t n, cap;
	int bad;
} tbuf;

__attribute__((format(printf, 2, 3))) static void tput(tbuf *t, const char *fmt, ...)
{
	va_list ap;
	int k;
	if (t->bad)
		return;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			t->bad = 1;
			return;
		}
		if (t->s && t->n + (size_t)k < t->cap) {
			t->n += (size_t)k;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 8192) + (size_t)k;
		char *s = realloc(t->s, cap);
		if (!s) {
			t->bad = 1;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
}

char *serve_metrics_text(serve_metrics *m)
{
	tbuf t = { 0 };
	char label[160];

	tput(&t, "# HELP grym_http_requests_total HTTP requests by route and status.\n"
		 "# TYPE grym_http_requests_total counter\n");
	for (size_t r = 0; r < m->n; r++)
		for (size_t i = 0; i < SERVE_N_STATUS - 1; i++) {
			unsigned long long v = atomic_load(&m->count[r * SERVE_N_STATUS + i]);
			if (!v)
				continue;
			route_label(r, label, sizeof label);
			if (statuses[i])
				tput(&t, "grym_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
				     label, statuses[i], v);
			else
				tput(&t, "grym_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
				     label, v);
		}
	tput(&t, "# HELP grym_http_request_duration_seconds Time to answer a request, by route.\n"
		 "# TYPE grym_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r < m->n; r++) {
		unsigned long long cum = 0;
		_Atomic unsigned long long *h = &m->hist[r * (SERVE_N_BUCKETS + 1)];
		for (size_t b = 0; b <= SERVE_N_BUCKETS; b++)
			cum += atomic_load(&h[b]);
		if (!cum)
			continue;
		route_label(r, label, sizeof label);
		cum = 0;
		for (size_t b = 0; b < SERVE_N_BUCKETS; b++) {
			cum += atomic_load(&h[b]);
			tput(&t, "grym_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			     label, bounds[b], cum);
		}
		cum += atomic_load(&h[SERVE_N_BUCKETS]);
		tput(&t, "grym_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
		     label, cum);
		tput(&t, "grym_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
		     (double)atomic_load(&m->sum_us[r]) / 1e6);
		tput(&t, "grym_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label, cum);
	}
	if (t.bad) {
		free(t.s);
		return NULL;
	}
	return t.s;
}
