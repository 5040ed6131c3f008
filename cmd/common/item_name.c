/* item_name.c — how messages name one item of a record stream. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "grym/hash.h"

char *grym_cli_item_name(const char *key, const json_t *meta)
{
	const char *path = json_string_value(json_object_get(meta, "path"));
	/* In catalog mode the key is a 64-hex asset id, which names nothing a
	 * person recognises: name the file it came from first, and keep the
	 * id's first 12 digits to tell two copies apart. */
	if (path && *path && key && grym_id_is_prefix(key) && strcmp(path, key) != 0) {
		size_t n = strlen(path) + 32;
		char *s = malloc(n);
		if (s)
			snprintf(s, n, "%s (%.12s)", path, key);
		return s;
	}
	return strdup(key ? key : "");
}

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
