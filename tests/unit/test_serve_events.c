/* test_serve_events.c — the event bus behind GET /api/events
 * (grym/serve_events.h): ids, the SSE form, resuming after an id, the
 * ring's bound and resync, bad input, the listener, and publishers in
 * several threads at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "grym/serve_events.h"

static int woken;
static void on_publish(void *ud)
{
	(void)ud;
	__atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
}

static void *publisher(void *ud)
{
	grym_serve_events *bus = ud;
	for (int i = 0; i < 500; i++)
		if (grym_serve_events_publish(bus, "job.progress", "{\"f\":0.5}") <= 0)
			return (void *)1;
	return NULL;
}

int main(void)
{
	grym_error err = { 0 };
	char buf[4096];
	int64_t last = -1;
	size_t n;

	tap_plan(22);
	TAP_OK(grym_serve_events_new(0, &err) == NULL && err.code == GRYM_ERR_INVALID,
	       "a ring of 0 is refused");
	grym_serve_events *bus = grym_serve_events_new(4, &err);
	TAP_OK(bus != NULL, "a bus of 4");
	if (!bus)
		return tap_done();
	TAP_EQ_INT(grym_serve_events_last_id(bus), 0, "no event yet");
	TAP_EQ_INT(grym_serve_events_read(bus, 0, buf, sizeof buf, &last), 0, "nothing to read");
	grym_serve_events_listen(bus, on_publish, NULL);
	TAP_EQ_INT(grym_serve_events_publish(bus, "job.done", "{ \"id\" : \"x\",\n \"ok\": true }"),
		   1, "the first event is id 1");
	TAP_EQ_INT(woken, 1, "the listener was told");
	n = grym_serve_events_read(bus, 0, buf, sizeof buf, &last);
	buf[n] = 0;
	TAP_EQ_STR(buf, "id: 1\nevent: job.done\ndata: {\"id\":\"x\",\"ok\":true}\n\n",
		   "SSE form, the JSON on one line");
	TAP_EQ_INT(last, 1, "last is 1");
	TAP_EQ_INT(grym_serve_events_publish(bus, "bad type", "{}"), GRYM_ERR_INVALID,
		   "a type with a space is refused");
	TAP_EQ_INT(grym_serve_events_publish(bus, "x", "{not json"), GRYM_ERR_INVALID,
		   "data that is not JSON is refused");
	TAP_EQ_INT(grym_serve_events_publish(bus, "x", "\"caf\xc3\xa9\""), 2, "a string event");
	n = grym_serve_events_read(bus, 1, buf, sizeof buf, &last);
	buf[n] = 0;
	TAP_EQ_STR(buf, "id: 2\nevent: x\ndata: \"caf\\u00E9\"\n\n", "after 1: only 2 (ASCII)");
	for (int i = 0; i < 4; i++)
		(void)grym_serve_events_publish(bus, "tick", "1");
	TAP_EQ_INT(grym_serve_events_last_id(bus), 6, "six events");
	n = grym_serve_events_read(bus, 2, buf, sizeof buf, &last);
	buf[n] = 0;
	TAP_OK(!strncmp(buf, "id: 3\n", 6) && last == 6, "after 2: 3 to 6, all in the ring");
	n = grym_serve_events_read(bus, 1, buf, sizeof buf, &last);
	buf[n] = 0;
	TAP_OK(!strncmp(buf, "event: resync\ndata: {\"from\":3}\n\nid: 3\n", 38) && last == 6,
	       "after 1 (2 fell out of the ring): resync, then 3 to 6");
	n = grym_serve_events_read(bus, 99, buf, sizeof buf, &last);
	buf[n] = 0;
	TAP_OK(!strncmp(buf, "event: resync\n", 14) && last == 6,
	       "an id newer than the newest (another run): resync");
	n = grym_serve_events_read(bus, 2, buf, 40, &last);
	TAP_OK(n > 0 && n <= 40 && last == 3, "a small buffer takes whole events only");
	n = grym_serve_events_read(bus, 6, buf, sizeof buf, &last);
	TAP_OK(n == 0 && last == 6, "after the newest: nothing");
	grym_serve_events_listen(bus, NULL, NULL);
	(void)grym_serve_events_publish(bus, "tick", "1");
	TAP_EQ_INT(woken, 6, "no listener after it is removed");

	/* four publishers at once: 2000 distinct consecutive ids */
	pthread_t t[4];
	void *res;
	int bad = 0;
	int64_t before = grym_serve_events_last_id(bus);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, publisher, bus);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &res);
		bad |= res != NULL;
	}
	TAP_OK(!bad, "every concurrent publish got an id");
	TAP_EQ_INT(grym_serve_events_last_id(bus) - before, 2000, "2000 ids, none lost or doubled");
	n = grym_serve_events_read(bus, grym_serve_events_last_id(bus) - 1, buf, sizeof buf, &last);
	buf[n] = 0;
	TAP_OK(strstr(buf, "event: job.progress\ndata: {\"f\":0.5}") != NULL,
	       "the newest is a whole job.progress event");
	grym_serve_events_free(bus);
	return tap_done();
}
