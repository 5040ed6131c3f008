/*
 * stream.c — GET /api/events: Server-Sent Events without a thread each.
 *
 * A stream's content reader writes what the bus has after the stream's
 * last id; when there is nothing it suspends the connection
 * (MHD_suspend_connection), which takes it out of the pool's polling, so
 * open streams cost no thread and no CPU. A publish (the bus's listener)
 * resumes every suspended stream; a ticker thread resumes each one every
 * keepalive seconds for a ": keepalive" comment, which also finds the
 * clients that went away (a suspended connection notices nothing). At
 * stop every stream is resumed and ends, since libmicrohttpd must not be
 * stopped with suspended connections.
 *
 * Locking: smu guards the list and each stream's suspended flag; a
 * reader decides to suspend under smu, and a publish appends to the bus
 * before it takes smu to resume, so no event is missed in between.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"

struct serve_stream {
	grym_serve *s;
	struct MHD_Connection *c;
	int64_t last;                   /* id of the last event sent */
	int suspended;
	int hello;                      /* the retry hint is sent */
	double next_keepalive;
	serve_stream *next, **pprev;
};

/* Resume every suspended stream (keepalive_only: those due one). Called
 * with smu held. */
static void wake(grym_serve *s, int keepalive_only)
{
	double now = serve_now();
	for (serve_stream *x = s->streams; x; x = x->next)
		if (x->suspended && (!keepalive_only || now >= x->next_keepalive)) {
			x->suspended = 0;
			MHD_resume_connection(x->c);
		}
}

static void on_publish(void *ud)
{
	grym_serve *s = ud;
	pthread_mutex_lock(&s->smu);
	wake(s, 0);
	pthread_mutex_unlock(&s->smu);
}

static void *ticker(void *ud)
{
	grym_serve *s = ud;
	struct timespec ts;

	pthread_mutex_lock(&s->smu);
	while (!s->stopping) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->scv, &s->smu, &ts);
		if (!s->stopping)
			wake(s, 1);
	}
	pthread_mutex_unlock(&s->smu);
	return NULL;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	serve_stream *x = cls;
	grym_serve *s = x->s;
	double now = serve_now();
	size_t n;
	int64_t last;

	(void)pos;
	pthread_mutex_lock(&s->smu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->smu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (!x->hello) {
		/* the reconnection delay; also sends the headers at once */
		x->hello = 1;
		pthread_mutex_unlock(&s->smu);
		n = (size_t)snprintf(buf, max, "retry: 3000\n\n");
		return (ssize_t)n;
	}
	n = grym_serve_events_read(s->bus, x->last, buf, max, &last);
	if (n > 0) {
		x->last = last;
		x->next_keepalive = now + s->cfg.keepalive;
		pthread_mutex_unlock(&s->smu);
		return (ssize_t)n;
	}
	if (now >= x->next_keepalive && max >= 16) {
		x->next_keepalive = now + s->cfg.keepalive;
		pthread_mutex_unlock(&s->smu);
		memcpy(buf, ": keepalive\n\n", 13);
		return 13;
	}
	/* nothing to say: leave the pool until a publish or the ticker */
	x->suspended = 1;
	MHD_suspend_connection(x->c);
	pthread_mutex_unlock(&s->smu);
	return 0;
}

static void reader_free(void *cls)
{
	serve_stream *x = cls;
	grym_serve *s = x->s;
	pthread_mutex_lock(&s->smu);
	*x->pprev = x->next;
	if (x->next)
		x->next->pprev = x->pprev;
	s->nstreams--;
	pthread_cond_broadcast(&s->scv);
	pthread_mutex_unlock(&s->smu);
	free(x);
}

/* Last-Event-ID: a whole number, else none. */
static int last_event_id(serve_req *r, int64_t *id)
{
	const char *v = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Last-Event-ID");
	char *end;
	long long x;
	if (!v || !*v)
		return 0;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*end || errno || x < 0)
		return -1;
	*id = x;
	return 1;
}

enum MHD_Result serve_events_open(serve_req *r)
{
	grym_serve *s = r->s;
	struct MHD_Response *resp;
	serve_stream *x;
	int64_t after = 0;
	int has = last_event_id(r, &after);

	if (has < 0)
		return serve_error(r, 400, "bad_request", "Last-Event-ID",
				   "Last-Event-ID is not a whole number");
	pthread_mutex_lock(&s->smu);
	has = s->stopping ? -2 : has;
	pthread_mutex_unlock(&s->smu);
	if (has == -2)
		return serve_error(r, 503, "stopping", NULL, "the server is stopping");
	x = calloc(1, sizeof *x);
	if (!x)
		return MHD_NO;
	x->s = s;
	x->c = r->c;
	/* a new stream starts from now; a reconnection from what it saw */
	x->last = has ? after : grym_serve_events_last_id(s->bus);
	x->next_keepalive = serve_now() + s->cfg.keepalive;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024 + 256, reader, x,
						 reader_free);
	if (!resp) {
		free(x);
		return MHD_NO;
	}
	pthread_mutex_lock(&s->smu);
	x->next = s->streams;
	x->pprev = &s->streams;
	if (s->streams)
		s->streams->pprev = &x->next;
	s->streams = x;
	s->nstreams++;
	pthread_mutex_unlock(&s->smu);
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	r->stream = 1;
	return serve_queue(r, 200, resp);
}

int serve_streams_start(grym_serve *s, grym_error *err)
{
	pthread_mutex_init(&s->smu, NULL);
	pthread_cond_init(&s->scv, NULL);
	grym_serve_events_listen(s->bus, on_publish, s);
	if (pthread_create(&s->ticker, NULL, ticker, s) != 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "cannot start the event ticker");
	s->ticker_started = 1;
	return GRYM_OK;
}

void serve_streams_stop(grym_serve *s)
{
	struct timespec ts;

	grym_serve_events_listen(s->bus, NULL, NULL);
	pthread_mutex_lock(&s->smu);
	s->stopping = 1;
	wake(s, 0);
	pthread_cond_broadcast(&s->scv);
	/* let the streams end (their readers now say end of stream) */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 3;
	while (s->nstreams > 0)
		if (pthread_cond_timedwait(&s->scv, &s->smu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->smu);
	if (s->ticker_started)
		pthread_join(s->ticker, NULL);
	s->ticker_started = 0;
}
