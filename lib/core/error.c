/*
 * error.c — filling grym_error values (see grym/error.h).
 */
#include "grym/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int grym_error_set(grym_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int grym_error_prefix(grym_error *err, int code, const char *fmt, ...)
{
	char prefix[256], joined[sizeof prefix + GRYM_ERROR_MSG_MAX + 2];
	va_list ap;

	/* the status comes from the caller, not from err: a caller that
	 * passed no err (it wants no message) still gets the real code */
	if (!err)
		return code;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
	/* Truncate to fit, keeping the string terminated. */
	memcpy(err->msg, joined, sizeof err->msg - 1);
	err->msg[sizeof err->msg - 1] = '\0';
	return code;
}

void grym_error_clear(grym_error *err)
{
	if (err) {
		err->code = GRYM_OK;
		err->msg[0] = '\0';
	}
}

const char *grym_status_str(int code)
{
	switch (code) {
	case GRYM_OK: return "success";
	case GRYM_ERR_NOMEM: return "out of memory";
	case GRYM_ERR_IO: return "I/O error";
	case GRYM_ERR_FORMAT: return "bad format";
	case GRYM_ERR_CORRUPT: return "corrupt data";
	case GRYM_ERR_NOTFOUND: return "not found";
	case GRYM_ERR_AMBIGUOUS: return "ambiguous";
	case GRYM_ERR_INVALID: return "invalid argument";
	case GRYM_ERR_DB: return "database error";
	case GRYM_ERR_LIMIT: return "limit exceeded";
	case GRYM_ERR_UNSUPPORTED: return "unsupported";
	case GRYM_ERR_CONFLICT: return "conflict";
	case GRYM_ERR_CANCELLED: return "interrupted";
	case GRYM_ERR_EOF: return "end of input";
	case GRYM_ERR_INTERNAL: return "internal error";
	}
	return "unknown error";
}
