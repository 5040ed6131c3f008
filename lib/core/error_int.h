/*
 * error_int.h — how a function that makes an object fails, inside lib/.
 *
 * A public function that makes an object returns it, or NULL with err set
 * (T *grym_x(..., grym_error *err)): err->code is then the only place the
 * status is, and callers test it (GRYM_ERR_NOTFOUND is "try the catalog",
 * GRYM_ERR_CORRUPT "fsck"). Such a function is often a chain of calls that
 * return statuses; it ends a failed chain with grym__failed, so that a NULL
 * return always has the chain's own non-zero status in err->code, even
 * where a call down the chain returned a status without filling err.
 */
#ifndef GRYM_CORE_ERROR_INT_H
#define GRYM_CORE_ERROR_INT_H

#include <stddef.h>
#include "grym/error.h"

/* NULL, with err (if not NULL) holding status rc: its message is kept, or
 * the status's name when there is none. An rc that is not a failure (a
 * chain that made nothing yet returned GRYM_OK) is a bug, reported as
 * GRYM_ERR_INTERNAL rather than as a NULL that says nothing. */
static inline void *grym__failed(grym_error *err, int rc)
{
	if (rc >= 0)
		rc = grym_error_set(err, GRYM_ERR_INTERNAL, "nothing made, yet no error");
	if (err && err->code != rc) {
		err->code = rc;
		if (!err->msg[0])
			grym_error_set(err, rc, "%s", grym_status_str(rc));
	}
	return NULL;
}

/* The status of such a call that returned NULL, for a caller that passes
 * it on: err->code (never GRYM_OK after grym__failed), or
 * GRYM_ERR_INTERNAL when there was no err to hold it (a caller that acts
 * on the status gives the call an err of its own). */
static inline int grym__status(const grym_error *err)
{
	return err && err->code ? err->code : GRYM_ERR_INTERNAL;
}

#endif
