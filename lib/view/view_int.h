/*
 * view_int.h — what the files of lib/view/ share: the asset lookup that
 * names an unknown id, a growing text buffer for JSON, and the cache of
 * views (an object plus a views row, grym/catalog.h).
 */
#ifndef GRYM_VIEW_INT_H
#define GRYM_VIEW_INT_H

#include <stddef.h>
#include <stdint.h>
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/store.h"
#include "grym/view.h"

/* The viridis colour map (viridis.c). */
extern const unsigned char grym__viridis[256][3];

/* Fill a (initialised here; the caller clears it) with the asset of full
 * id `id`: GRYM_ERR_INVALID for NULL or an empty id, GRYM_ERR_NOTFOUND
 * "asset ID not found". */
int grym__view_asset(grym_catalog *cat, const char *id, grym_asset *a, grym_error *err);

/* A decoder over asset a's object (held open by *r until the caller
 * closes both: grym_decoder_close, then grym_store_reader_close). */
int grym__view_decoder(grym_catalog *cat, const grym_asset *a, const grym_decode_opts *dec,
		       grym_store_reader **r, grym_decoder **d, grym_error *err);

/* The cancel flag and progress of opts (NULL: none). */
const volatile sig_atomic_t *grym__view_cancel(const grym_view_opts *opts);
void grym__view_progress(const grym_view_opts *opts, double fraction, const char *msg);

/* Text that grows; a failed allocation sticks (oom) and is reported once
 * at the end by grym__sb_take. */
typedef struct grym__sb {
	char *s;
	size_t n, cap;
	int oom;
} grym__sb;
void grym__sb_printf(grym__sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A number as JSON: %.6g, null when not finite. */
void grym__sb_num(grym__sb *b, double v);
/* A JSON string (escaped). */
void grym__sb_str(grym__sb *b, const char *s);
/* Hand the text over (*out, NUL-terminated) or fail with GRYM_ERR_NOMEM. */
int grym__sb_take(grym__sb *b, char **out, grym_error *err);

/* The cache. read: the whole object of view (asset, kind, params) into
 * *data (malloc'ed) and *len; GRYM_ERR_NOTFOUND when there is none,
 * GRYM_ERR_CORRUPT when its object is missing or damaged (make it again
 * and store it with restore set). store: data as an object (over a
 * damaged one when restore) and its views row; st->object gets its id. */
int grym__view_read(grym_catalog *cat, const char *asset, const char *kind, const char *params,
		    void **data, size_t *len, grym_view_stat *st, grym_error *err);
int grym__view_store(grym_catalog *cat, const char *asset, const char *kind, const char *params,
		     const void *data, size_t len, int restore, grym_view_stat *st, grym_error *err);

/* Parse a time range against a duration: end < 0 is the end, an end past
 * the end is clamped; start must be >= 0 and before both (INVALID naming
 * start and end otherwise). */
int grym__view_range(double start, double end, double duration, double *s, double *e,
		     grym_error *err);

#endif
