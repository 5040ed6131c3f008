/*
 * fuzz_http.c — libFuzzer target for the header values grym-serve
 * parses itself (grym/serve_http.h): any bytes as a Range header for
 * representations of several sizes, and as a Content-Range. A range
 * given back must lie inside the representation; a Content-Range
 * accepted must be ordered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "grym/serve_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = { 0, 1, 1000, UINT64_MAX };
	char *s = malloc(size + 1);
	uint64_t a, b, t;
	grym_error err;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		if (grym_http_range_parse(s, sizes[i], &a, &b) == GRYM_RANGE_PART &&
		    (a > b || b >= sizes[i]))
			abort();
	if (grym_content_range_parse(s, &a, &b, &t, &err) == GRYM_OK && (a > b || b >= t))
		abort();
	free(s);
	return 0;
}
