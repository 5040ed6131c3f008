/* param_check.h — helpers of the parameter-table tests (test_*_params.c). */
#ifndef GRYM_TEST_PARAM_CHECK_H
#define GRYM_TEST_PARAM_CHECK_H

#include "grym/schema.h"

/* 1 when p has the same value in a and b, as its text form shows it
 * (words, NaN and lists included); else 0 after a TAP diagnostic naming
 * the option and both values. */
int param_same_text(const grym_param *p, const void *a, const void *b);

#endif
