/*
 * serve_http.h — the few HTTP header values grym-serve reads itself.
 * libmicrohttpd parses requests; what it hands over as text and that
 * the server must understand (byte ranges) is read here, strictly, each
 * parser fuzzed (tests/fuzz/fuzz_http.c).
 */
#ifndef GRYM_SERVE_HTTP_H
#define GRYM_SERVE_HTTP_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a Range request header asks of a representation of size bytes. */
typedef enum grym_http_range {
	GRYM_RANGE_WHOLE = 0,       /* no Range, or one to ignore: 200, the whole */
	GRYM_RANGE_PART = 1,        /* 206: bytes first..last (inclusive) */
	GRYM_RANGE_UNSATISFIABLE = 2 /* 416, Content-Range: bytes * / size */
} grym_http_range;

/* Read a Range header value (NULL: none) for a representation of size
 * bytes, as RFC 9110 section 14 says a server may: one range of the
 * "bytes" unit (case-insensitive) — "bytes=F-L", "bytes=F-" or the last
 * N bytes "bytes=-N" — with L past the end cut to the end. A value that
 * does not parse, another unit, or several ranges are ignored (the
 * whole is sent, which the RFC allows); a range that starts at or past
 * the end, or asks for the last 0 bytes, is unsatisfiable. *first and
 * *last are set for GRYM_RANGE_PART only. */
grym_http_range grym_http_range_parse(const char *value, uint64_t size, uint64_t *first,
				      uint64_t *last);

/* Parse a Content-Range header value of a piece being sent (a resumable
 * upload's PUT), "bytes FIRST-LAST/TOTAL" (RFC 9110 14.4: decimal,
 * FIRST <= LAST < TOTAL, no spaces inside, no "*" for the total): 0 with
 * the three numbers, or GRYM_ERR_INVALID naming what is wrong. */
int grym_content_range_parse(const char *value, uint64_t *first, uint64_t *last,
			     uint64_t *total, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
