/*
 * test_error_int.c — how a function that makes an object fails
 * (core/error_int.h): its NULL always comes with the failure's own
 * non-zero status in err->code, whatever the calls down its chain left
 * in err, and a caller passing the status on reads it back.
 */
#include <stdio.h>
#include <string.h>

#include "core/error_int.h"
#include "tap.h"

int main(void)
{
	grym_error err;

	tap_plan(9);

	/* the usual case: the failing call filled err, which is kept */
	grym_error_set(&err, GRYM_ERR_NOTFOUND, "object x not found");
	TAP_OK(grym__failed(&err, GRYM_ERR_NOTFOUND) == NULL, "NULL");
	TAP_OK(err.code == GRYM_ERR_NOTFOUND && strcmp(err.msg, "object x not found") == 0,
	       "err as the failing call left it: %d %s", err.code, err.msg);

	/* a call returned a status without filling err */
	grym_error_clear(&err);
	(void)!grym__failed(&err, GRYM_ERR_CORRUPT);
	TAP_EQ_INT(err.code, GRYM_ERR_CORRUPT, "the status is set from the chain's");
	TAP_EQ_STR(err.msg, grym_status_str(GRYM_ERR_CORRUPT), "with its name as the message");

	/* err held another failure's code: the chain's status wins */
	grym_error_set(&err, GRYM_ERR_IO, "read error");
	(void)!grym__failed(&err, GRYM_ERR_NOMEM);
	TAP_OK(err.code == GRYM_ERR_NOMEM && strcmp(err.msg, "read error") == 0,
	       "the status is the chain's, the message kept: %d %s", err.code, err.msg);

	/* nothing made but no failure: a bug, never a NULL with code 0 */
	grym_error_clear(&err);
	(void)!grym__failed(&err, GRYM_OK);
	TAP_OK(err.code == GRYM_ERR_INTERNAL && strstr(err.msg, "nothing made"),
	       "GRYM_OK with nothing made is GRYM_ERR_INTERNAL: %d %s", err.code, err.msg);

	/* no err: NULL all the same */
	TAP_OK(grym__failed(NULL, GRYM_ERR_INVALID) == NULL, "no err, NULL");

	/* passing the status on */
	grym_error_set(&err, GRYM_ERR_CANCELLED, "interrupted");
	TAP_EQ_INT(grym__status(&err), GRYM_ERR_CANCELLED, "grym__status reads err->code");
	TAP_EQ_INT(grym__status(NULL), GRYM_ERR_INTERNAL, "and without an err, GRYM_ERR_INTERNAL");
	return tap_done();
}
