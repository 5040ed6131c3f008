/*
 * view_common.c — the pieces every view uses: finding the asset, opening
 * a decoder on its object, JSON text and the cache of views.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"
#include "core/error_int.h"
#include "grym/progress.h"

int grym__view_asset(grym_catalog *cat, const char *id, grym_asset *a, grym_error *err)
{
	grym_asset_init(a);
	if (!id || !*id)
		return grym_error_set(err, GRYM_ERR_INVALID, "no asset id");
	if (!grym_id_is_full(id))
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "asset %.80s not found (not a full id)", id);
	int rc = grym_catalog_get_asset(cat, id, a, err);
	if (rc == GRYM_ERR_NOTFOUND)
		return grym_error_set(err, GRYM_ERR_NOTFOUND, "asset %s not found", id);
	return rc;
}

int grym__view_decoder(grym_catalog *cat, const grym_asset *a, const grym_decode_opts *dec,
		       grym_store_reader **r, grym_decoder **d, grym_error *err)
{
	char path[64];
	*d = NULL;
	if (!(*r = grym_catalog_open_asset_object(cat, a, path, sizeof path, err)))
		return grym__status(err);
	*d = grym_decoder_open(path, dec, err);
	if (!*d) {
		grym_store_reader_close(*r);
		*r = NULL;
		return grym_error_prefix(err, grym__status(err), "asset %s", a->id);
	}
	return GRYM_OK;
}

const volatile sig_atomic_t *grym__view_cancel(const grym_view_opts *opts)
{
	return opts ? opts->cancel : NULL;
}

void grym__view_progress(const grym_view_opts *opts, double fraction, const char *msg)
{
	if (opts && opts->progress)
		opts->progress(opts->progress_ud, fraction, msg);
}

/* ---- text ---- */

static int sb_grow(grym__sb *b, size_t need)
{
	if (b->oom)
		return -1;
	if (b->n + need + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->n + need + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void grym__sb_printf(grym__sb *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(b, (size_t)n))
		return;
	if ((size_t)n < sizeof tmp) {
		memcpy(b->s + b->n, tmp, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t)n;
}

void grym__sb_num(grym__sb *b, double v)
{
	if (!isfinite(v))
		grym__sb_printf(b, "null");
	else if (v == 0)
		grym__sb_printf(b, "0");   /* never "-0" */
	else
		grym__sb_printf(b, "%.6g", v);
}

void grym__sb_str(grym__sb *b, const char *s)
{
	grym__sb_printf(b, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			grym__sb_printf(b, "\\%c", c);
		else if (c < 0x20)
			grym__sb_printf(b, "\\u%04x", c);
		else
			grym__sb_printf(b, "%c", c);
	}
	grym__sb_printf(b, "\"");
}

int grym__sb_take(grym__sb *b, char **out, grym_error *err)
{
	*out = NULL;
	if (b->oom || sb_grow(b, 0)) {
		free(b->s);
		memset(b, 0, sizeof *b);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	b->s[b->n] = 0;
	*out = b->s;
	memset(b, 0, sizeof *b);
	return GRYM_OK;
}

/* ---- the cache ---- */

int grym__view_read(grym_catalog *cat, const char *asset, const char *kind, const char *params,
		    void **data, size_t *len, grym_view_stat *st, grym_error *err)
{
	*data = NULL;
	*len = 0;
	grym_store_reader *r = grym_catalog_open_view(cat, asset, kind, params, err);
	if (!r)
		return grym__status(err);
	if (st)
		snprintf(st->object, sizeof st->object, "%s", grym_store_reader_id(r));
	uint64_t size = grym_store_reader_size(r);
	unsigned char *buf = malloc(size ? (size_t)size : 1);
	if (!buf) {
		grym_store_reader_close(r);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	uint64_t got = 0;
	int64_t n = 1;
	while (got < size && (n = grym_store_reader_read(r, buf + got, (size_t)(size - got), err)) > 0)
		got += (uint64_t)n;
	grym_store_reader_close(r);
	if (got != size) {
		free(buf);
		/* cut or damaged while read: a cache to be made again */
		return n < 0 && n != GRYM_ERR_CORRUPT ? (int)n
			: grym_error_set(err, GRYM_ERR_CORRUPT, "the %s view of %s ends early", kind, asset);
	}
	*data = buf;
	*len = (size_t)size;
	return GRYM_OK;
}

int grym__view_store(grym_catalog *cat, const char *asset, const char *kind, const char *params,
		     const void *data, size_t len, int restore, grym_view_stat *st, grym_error *err)
{
	char id[GRYM_ID_LEN + 1];
	grym_store *store = grym_catalog_store(cat);
	int rc = (restore ? grym_store_restore : grym_store_put)(store, data, len, id, err);
	if (rc == GRYM_OK)
		rc = grym_catalog_put_view(cat, asset, kind, params, id, (uint64_t)len, err);
	if (rc == GRYM_OK && st)
		memcpy(st->object, id, sizeof st->object);
	return rc;
}

int grym__view_range(double start, double end, double duration, double *s, double *e,
		     grym_error *err)
{
	if (!isfinite(start) || start < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "start must be a time >= 0 s, not %g", start);
	if (isnan(end))
		return grym_error_set(err, GRYM_ERR_INVALID, "end is not a number");
	if (end >= 0 && start > end)
		return grym_error_set(err, GRYM_ERR_INVALID, "start %g s is after end %g s", start, end);
	if (end < 0 || end > duration)
		end = duration;
	if (start >= end)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "start %g s is not before the end %g s (the asset lasts %g s)",
				      start, end, duration);
	*s = start;
	*e = end;
	return GRYM_OK;
}
