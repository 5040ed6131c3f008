/*
 * events.c — the event bus behind GET /api/events (grym/serve_events.h).
 *
 * A ring of the last N events, each kept already formatted as its SSE
 * text, so a reader copies bytes under the lock and formats nothing;
 * ids are consecutive, so the event with id k sits at (k - 1) % N while
 * it is kept.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "grym/serve_events.h"

#define EVENT_MAX (64 * 1024)   /* bytes of one event's SSE text (GRYM_SERVE_EVENT_MAX) */

struct grym_serve_events {
	pthread_mutex_t mu;
	size_t cap;
	char **ring;            /* SSE text of event id at (id - 1) % cap */
	size_t *len;
	int64_t last;           /* newest id, 0: none */
	grym_serve_events_fn fn;
	void *ud;
};

grym_serve_events *grym_serve_events_new(size_t capacity, grym_error *err)
{
	grym_serve_events *b;

	if (capacity < 1 || capacity > 1000000) {
		grym_error_set(err, GRYM_ERR_INVALID, "event ring of %zu events", capacity);
		return NULL;
	}
	b = calloc(1, sizeof *b);
	if (b) {
		b->ring = calloc(capacity, sizeof *b->ring);
		b->len = calloc(capacity, sizeof *b->len);
	}
	if (!b || !b->ring || !b->len) {
		if (b) {
			free(b->ring);
			free(b->len);
		}
		free(b);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	b->cap = capacity;
	pthread_mutex_init(&b->mu, NULL);
	return b;
}

void grym_serve_events_free(grym_serve_events *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->cap; i++)
		free(b->ring[i]);
	free(b->ring);
	free(b->len);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

static int good_type(const char *t)
{
	size_t n = 0;
	for (; t && t[n]; n++) {
		char c = t[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return n > 0 && n <= 64;
}

int64_t grym_serve_events_publish(grym_serve_events *b, const char *type, const char *data_json)
{
	json_t *j;
	char *data, *text;
	int64_t id;
	size_t slot;
	int n;
	grym_serve_events_fn fn;
	void *ud;

	if (!good_type(type) || !data_json)
		return GRYM_ERR_INVALID;
	j = json_loads(data_json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return GRYM_ERR_INVALID;
	/* compact and with non-ASCII escaped: one line, whatever came in */
	data = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	json_decref(j);
	if (!data)
		return GRYM_ERR_NOMEM;
	if (strlen(data) + 100 > EVENT_MAX) {
		free(data);
		return GRYM_ERR_LIMIT;
	}
	pthread_mutex_lock(&b->mu);
	id = b->last + 1;
	n = snprintf(NULL, 0, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)id, type, data);
	text = malloc((size_t)n + 1);
	if (!text) {
		pthread_mutex_unlock(&b->mu);
		free(data);
		return GRYM_ERR_NOMEM;
	}
	snprintf(text, (size_t)n + 1, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)id, type, data);
	slot = (size_t)((id - 1) % (int64_t)b->cap);
	free(b->ring[slot]);
	b->ring[slot] = text;
	b->len[slot] = (size_t)n;
	b->last = id;
	fn = b->fn;
	ud = b->ud;
	pthread_mutex_unlock(&b->mu);
	free(data);
	if (fn)
		fn(ud);
	return id;
}

int64_t grym_serve_events_last_id(grym_serve_events *b)
{
	int64_t v;
	pthread_mutex_lock(&b->mu);
	v = b->last;
	pthread_mutex_unlock(&b->mu);
	return v;
}

size_t grym_serve_events_read(grym_serve_events *b, int64_t after, char *buf, size_t max,
			      int64_t *last)
{
	size_t used = 0;
	int64_t oldest, id;

	*last = after;
	pthread_mutex_lock(&b->mu);
	oldest = b->last - (int64_t)b->cap + 1;
	if (oldest < 1)
		oldest = 1;
	id = after + 1;
	if (after < 0 || after > b->last || (id < oldest && b->last > 0)) {
		/* missed events the ring no longer has, or an id of another run */
		int n = snprintf(buf, max, "event: resync\ndata: {\"from\":%lld}\n\n",
				 (long long)oldest);
		if (n < 0 || (size_t)n >= max) {
			pthread_mutex_unlock(&b->mu);
			return 0;
		}
		used = (size_t)n;
		id = oldest;
		*last = oldest - 1;
	}
	for (; id <= b->last; id++) {
		size_t slot = (size_t)((id - 1) % (int64_t)b->cap);
		if (used + b->len[slot] > max)
			break;
		memcpy(buf + used, b->ring[slot], b->len[slot]);
		used += b->len[slot];
		*last = id;
	}
	pthread_mutex_unlock(&b->mu);
	return used;
}

void grym_serve_events_listen(grym_serve_events *b, grym_serve_events_fn fn, void *ud)
{
	pthread_mutex_lock(&b->mu);
	b->fn = fn;
	b->ud = ud;
	pthread_mutex_unlock(&b->mu);
}
