/*
 * error.h — how libgrym reports failure.
 *
 * Every fallible call returns an int status (GRYM_OK is 0, failures are
 * negative grym_status codes) and, when given a non-NULL grym_error, fills
 * it with a human message ready for "grym-x: INPUT: MESSAGE". The library
 * never prints and never exits; the caller decides what to show.
 *
 * grym_error is a plain value the caller owns (on its stack), so errors
 * need no allocation and are safe in every thread.
 */
#ifndef GRYM_ERROR_H
#define GRYM_ERROR_H

/* The public interface: exported from libgrym.so, which is built with
 * -fvisibility=hidden (everything else stays inside). */
#pragma GCC visibility push(default)

#ifdef __cplusplus
extern "C" {
#endif

typedef enum grym_status {
	GRYM_OK = 0,
	GRYM_ERR_NOMEM = -1,       /* allocation failed */
	GRYM_ERR_IO = -2,          /* read/write/open failed (errno text in msg) */
	GRYM_ERR_FORMAT = -3,      /* input is not what it should be (not audio, bad record...) */
	GRYM_ERR_CORRUPT = -4,     /* checksum mismatch, truncated data, size mismatch */
	GRYM_ERR_NOTFOUND = -5,    /* no such asset, object, key */
	GRYM_ERR_AMBIGUOUS = -6,   /* id prefix matches more than one */
	GRYM_ERR_INVALID = -7,     /* bad argument or option value */
	GRYM_ERR_DB = -8,          /* SQLite failure */
	GRYM_ERR_LIMIT = -9,       /* a size limit was exceeded */
	GRYM_ERR_UNSUPPORTED = -10,/* valid but not supported (codec, format) */
	GRYM_ERR_CONFLICT = -11,   /* same id, different content (merge) */
	GRYM_ERR_INTERRUPTED = -12,/* cancelled by the caller */
	GRYM_ERR_CANCELLED = GRYM_ERR_INTERRUPTED, /* the same status under the
				    * stage layer's name (grym/pool.h): one code
				    * whichever call noticed the cancel flag */
	GRYM_ERR_EOF = -13,        /* clean end of input (not a failure for readers) */
	GRYM_ERR_INTERNAL = -14    /* a bug: an invariant did not hold */
} grym_status;

/* On a function returning a status or a newly allocated handle: ignoring
 * the result loses an error or leaks the handle, so GCC and clang warn
 * (-Wunused-result). Where ignoring is right, the caller says so with
 * `(void)!f(...)` and a comment (GCC does not take a plain (void) cast as
 * a use of the result). */
#if defined(__GNUC__)
#define GRYM_MUST_CHECK __attribute__((warn_unused_result))
#else
#define GRYM_MUST_CHECK
#endif

#define GRYM_ERROR_MSG_MAX 1024

typedef struct grym_error {
	int code;                       /* a grym_status, GRYM_OK when clear */
	char msg[GRYM_ERROR_MSG_MAX];   /* "" when clear */
} grym_error;

/* Fill err (if not NULL) with code and a printf-style message; returns code,
 * so a failure path reads: return grym_error_set(err, GRYM_ERR_IO, "...", ...); */
int grym_error_set(grym_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in err (if not NULL) with "PREFIX: ", for
 * context as an error travels up: "record 3: chunk 2: checksum mismatch".
 * Returns code, the status of the failure being reported, so a failure
 * path reads: if ((rc = f(..., err))) return grym_error_prefix(err, rc,
 * "record %d", n); and keeps its status whether or not the caller asked
 * for a message (err NULL). */
int grym_error_prefix(grym_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reset err (if not NULL) to GRYM_OK with an empty message. */
void grym_error_clear(grym_error *err);

/* A short constant name for a status: "I/O error", "corrupt data"... */
const char *grym_status_str(int code);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
