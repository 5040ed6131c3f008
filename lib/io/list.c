/*
 * list.c — lists of names, one per line or NUL-separated (find -print0),
 * as every grym program reads them (see grym/sources.h).
 */
#include "grym/sources.h"

/* A list entry is a name and perhaps a few fields after it: a megabyte
 * is far past any path (PATH_MAX is 4096) and still bounds memory. */
#define LIST_ENTRY_MAX ((size_t)1 << 20)

ssize_t grym_list_next(grym_input *in, int nul, char **item, size_t *cap, grym_error *err)
{
	for (;;) {
		ssize_t n = grym_input_getdelim(in, nul ? '\0' : '\n', item, cap, LIST_ENTRY_MAX,
						err);
		if (n < 0)
			return n;
		/* a list written on Windows (CRLF): the CR is not part of the
		 * name; a NUL-separated list holds names exactly */
		if (!nul && n > 0 && (*item)[n - 1] == '\r')
			(*item)[--n] = '\0';
		if (n > 0)
			return n;
	}
}
