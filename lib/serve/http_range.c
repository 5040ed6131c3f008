/*
 * http_range.c — byte ranges: the Range header of a GET (an <audio>
 * element seeking) and the Content-Range of a PUT (a resumable upload
 * sending a piece). grym/serve_http.h.
 */
#include "grym/serve_http.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* A decimal number at *s (at least one digit, no sign, no overflow). */
static int number(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*v = x;
	return 0;
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

grym_http_range grym_http_range_parse(const char *value, uint64_t size, uint64_t *first,
				      uint64_t *last)
{
	const char *p;
	uint64_t a = 0, b = UINT64_MAX;
	int suffix = 0;

	if (!value)
		return GRYM_RANGE_WHOLE;
	p = skip_ows(value);
	if (strncasecmp(p, "bytes=", 6) != 0)
		return GRYM_RANGE_WHOLE;              /* another unit: ignored */
	p = skip_ows(p + 6);
	if (*p == '-') {                              /* the last N bytes */
		p++;
		if (number(&p, &b))
			return GRYM_RANGE_WHOLE;
		suffix = 1;
	} else {
		if (number(&p, &a) || *p++ != '-')
			return GRYM_RANGE_WHOLE;
		if (*p >= '0' && *p <= '9') {
			if (number(&p, &b) || b < a)
				return GRYM_RANGE_WHOLE;  /* "5-4" is not a range spec */
		}
	}
	p = skip_ows(p);
	if (*p)                                       /* several ranges, or junk */
		return GRYM_RANGE_WHOLE;
	if (suffix) {
		if (b == 0 || size == 0)
			return GRYM_RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return GRYM_RANGE_PART;
	}
	if (a >= size)
		return GRYM_RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return GRYM_RANGE_PART;
}

int grym_content_range_parse(const char *value, uint64_t *first, uint64_t *last,
			     uint64_t *total, grym_error *err)
{
	const char *p = value;
	uint64_t a, b, t;

	if (!p || strncmp(p, "bytes ", 6) != 0)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "Content-Range: not \"bytes FIRST-LAST/TOTAL\"");
	p += 6;
	if (number(&p, &a) || *p++ != '-' || number(&p, &b) || *p++ != '/')
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "Content-Range: not \"bytes FIRST-LAST/TOTAL\"");
	if (*p == '*')
		return grym_error_set(err, GRYM_ERR_INVALID, "Content-Range: the total must be given");
	if (number(&p, &t) || *p)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "Content-Range: not \"bytes FIRST-LAST/TOTAL\"");
	if (a > b || b >= t)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "Content-Range: bytes %" PRIu64 "-%" PRIu64 " do not lie in %" PRIu64,
				      a, b, t);
	*first = a;
	*last = b;
	*total = t;
	return GRYM_OK;
}
