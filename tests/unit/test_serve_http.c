/*
 * test_serve_http.c — the HTTP header values grym-serve reads itself
 * (grym/serve_http.h): the Range of a GET, as <audio> elements and curl
 * send it, against RFC 9110's rules, and the strict Content-Range of a
 * resumable upload's piece.
 */
#include "grym/grym.h"
#include "tap.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct range_case {
	const char *value;
	uint64_t size;
	grym_http_range want;
	uint64_t first, last;
	const char *why;
} range_case;

static const range_case ranges[] = {
	{ NULL, 1000, GRYM_RANGE_WHOLE, 0, 0, "no Range: the whole" },
	{ "bytes=0-", 1000, GRYM_RANGE_PART, 0, 999, "what <audio> sends first" },
	{ "bytes=500-", 1000, GRYM_RANGE_PART, 500, 999, "a seek: from 500 to the end" },
	{ "bytes=0-99", 1000, GRYM_RANGE_PART, 0, 99, "the first 100 bytes" },
	{ "bytes=999-999", 1000, GRYM_RANGE_PART, 999, 999, "the last byte alone" },
	{ "bytes=900-5000", 1000, GRYM_RANGE_PART, 900, 999, "an end past the end is cut" },
	{ "bytes=-100", 1000, GRYM_RANGE_PART, 900, 999, "the last 100 bytes" },
	{ "bytes=-5000", 1000, GRYM_RANGE_PART, 0, 999, "a suffix longer than the whole" },
	{ "BYTES=1-2", 1000, GRYM_RANGE_PART, 1, 2, "the unit is case-insensitive" },
	{ " bytes=1-2 ", 1000, GRYM_RANGE_PART, 1, 2, "surrounding white space" },
	{ "bytes=1000-", 1000, GRYM_RANGE_UNSATISFIABLE, 0, 0, "starting at the end: 416" },
	{ "bytes=5000-6000", 1000, GRYM_RANGE_UNSATISFIABLE, 0, 0, "past the end: 416" },
	{ "bytes=-0", 1000, GRYM_RANGE_UNSATISFIABLE, 0, 0, "the last 0 bytes: 416" },
	{ "bytes=0-", 0, GRYM_RANGE_UNSATISFIABLE, 0, 0, "any range of nothing: 416" },
	{ "bytes=5-4", 1000, GRYM_RANGE_WHOLE, 0, 0, "reversed: not a range, ignored" },
	{ "bytes=0-1,5-6", 1000, GRYM_RANGE_WHOLE, 0, 0, "several ranges: the whole" },
	{ "items=0-1", 1000, GRYM_RANGE_WHOLE, 0, 0, "another unit: ignored" },
	{ "bytes=", 1000, GRYM_RANGE_WHOLE, 0, 0, "empty: ignored" },
	{ "bytes=a-b", 1000, GRYM_RANGE_WHOLE, 0, 0, "not numbers: ignored" },
	{ "bytes=+1-2", 1000, GRYM_RANGE_WHOLE, 0, 0, "a sign: ignored" },
	{ "bytes=99999999999999999999-", 1000, GRYM_RANGE_WHOLE, 0, 0, "overflow: ignored" },
	{ "bytes=1 -2", 1000, GRYM_RANGE_WHOLE, 0, 0, "white space inside: ignored" },
};

int main(void)
{
	const size_t nr = sizeof ranges / sizeof *ranges;
	grym_error err = { 0 };
	uint64_t a, b, t;

	tap_plan((int)nr + 3);
	for (size_t i = 0; i < nr; i++) {
		const range_case *c = &ranges[i];
		uint64_t first = 12345, last = 12345;
		grym_http_range got = grym_http_range_parse(c->value, c->size, &first, &last);
		int ok = got == c->want &&
			 (got != GRYM_RANGE_PART || (first == c->first && last == c->last));
		TAP_OK(ok, "%s (\"%s\" of %" PRIu64 "): got %d %" PRIu64 "-%" PRIu64, c->why,
		       c->value ? c->value : "(none)", c->size, (int)got, first, last);
	}

	TAP_OK(grym_content_range_parse("bytes 0-999/10000", &a, &b, &t, &err) == GRYM_OK &&
	       a == 0 && b == 999 && t == 10000, "Content-Range bytes 0-999/10000");
	TAP_OK(grym_content_range_parse("bytes 9999-9999/10000", &a, &b, &t, &err) == GRYM_OK &&
	       a == 9999 && b == 9999, "Content-Range of the last byte alone");
	static const char *const bad[] = {
		"bytes 5-4/10", "bytes 0-10/10", "bytes 0-9/*", "bytes -9/10", "bytes 0-9/10 ",
		"bytes  0-9/10", "byte 0-9/10", "bytes 0-9", "bytes +1-9/10", "",
		"bytes 0-99999999999999999999/100000000000000000000",
	};
	int refused = 0;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		refused += grym_content_range_parse(bad[i], &a, &b, &t, &err) == GRYM_ERR_INVALID;
	TAP_EQ_INT(refused, (int)(sizeof bad / sizeof *bad),
		   "malformed, reversed, open-ended and overflowing Content-Ranges are refused");
	return tap_done();
}
