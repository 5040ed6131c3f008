/* item_name.c — names in line-oriented tables (grym_cli_put_escaped); how
 * messages name a record is grym_stage_item_name (grym/stage.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>


void grym_cli_put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		default: putc(*s, f);
		}
	}
}
