/*
 * serve_events.h — grym-serve's event bus: what GET /api/events streams
 * to every browser tab as Server-Sent Events (job progress, new assets,
 * tokens made...).
 *
 * An event is a type ("job.progress": letters, digits, '.', '_', '-')
 * and a JSON value; publishing gives it the next id (1, 2, ...). The bus
 * keeps the last events in a bounded ring, so a client reconnecting with
 * Last-Event-ID gets what it missed; one that missed more than the ring
 * holds gets an event "resync" (data {"from": ID}) telling it to reload.
 * Every function is thread-safe: the job runner publishes from its
 * workers while the server's threads read.
 */
#ifndef GRYM_SERVE_EVENTS_H
#define GRYM_SERVE_EVENTS_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_serve_events grym_serve_events;

/* A bus keeping the last capacity events (at least 1). NULL with err set
 * (GRYM_ERR_NOMEM, GRYM_ERR_INVALID). The caller frees it with
 * grym_serve_events_free after every reader and publisher is done. */
grym_serve_events *grym_serve_events_new(size_t capacity, grym_error *err) GRYM_MUST_CHECK;
void grym_serve_events_free(grym_serve_events *bus);

/* Publish an event: type as above, data a JSON value as text (stored in
 * its compact one-line form, so it fits one SSE data line). Returns the
 * event's id (> 0), or a negative status: GRYM_ERR_INVALID for a bad
 * type or data that is not JSON, GRYM_ERR_NOMEM. Listeners (below) are
 * told after the event is in the ring. */
int64_t grym_serve_events_publish(grym_serve_events *bus, const char *type,
				  const char *data_json);

/* The id of the newest event, 0 before the first. */
int64_t grym_serve_events_last_id(grym_serve_events *bus);

/* Write the events after id `after` into buf (size max) in SSE form
 * ("id: N\nevent: TYPE\ndata: JSON\n\n"), as many whole events as fit:
 * returns the bytes written (0: nothing newer, or the next event does not
 * fit in max, which the reader must make larger than the largest event)
 * and sets *last to the id of the last event written (after when none).
 * When `after` is older than the ring reaches, or newer than the newest
 * event (a client of an earlier run), a "resync" event comes first and
 * the events resume from the oldest kept. */
size_t grym_serve_events_read(grym_serve_events *bus, int64_t after, char *buf, size_t max,
			      int64_t *last);

/* The listener called after each publish (from the publishing thread,
 * with no lock of the bus held); NULL to remove it. One listener; the
 * server sets it to wake its suspended streams. */
typedef void (*grym_serve_events_fn)(void *ud);
void grym_serve_events_listen(grym_serve_events *bus, grym_serve_events_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
