/* param_check.c — see param_check.h. */
#include <stdlib.h>
#include <string.h>
#include "param_check.h"
#include "tap.h"

int param_same_text(const grym_param *p, const void *a, const void *b)
{
	char *x = grym_param_text(p, a), *y = grym_param_text(p, b);
	int same = x && y && !strcmp(x, y);
	if (!same)
		tap_diag("--%s: %s vs %s", p->name, x ? x : "?", y ? y : "?");
	free(x);
	free(y);
	return same;
}
