/*
 * png.c — a spectrogram view as a PNG (libpng, Debian libpng-dev): 8-bit
 * RGB, each byte through the viridis map (viridis.c), written to memory.
 * libpng reports errors by longjmp from its error callback; the buffer
 * it writes into is ours, so nothing leaks when it jumps.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

#include "view_int.h"

typedef struct membuf {
	unsigned char *p;
	size_t n, cap;
	int oom;
} membuf;

static void write_mem(png_structp png, png_bytep data, png_size_t len)
{
	membuf *m = png_get_io_ptr(png);
	if (m->oom)
		return;
	if (m->n + len > m->cap) {
		size_t cap = m->cap ? m->cap : 65536;
		while (cap < m->n + len)
			cap *= 2;
		unsigned char *p = realloc(m->p, cap);
		if (!p) {
			m->oom = 1;
			return;
		}
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->n, data, len);
	m->n += len;
}

static void flush_mem(png_structp png)
{
	(void)png;
}

/* libpng's warnings would go to stderr: lib/ never prints */
static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

int grym_spectrogram_png(const grym_spectrogram_view *v, unsigned char **png, size_t *len,
			 grym_error *err)
{
	*png = NULL;
	*len = 0;
	if (!v || !v->data || v->width < 1 || v->height < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "an empty spectrogram has no picture");
	membuf m = { 0 };
	unsigned char *row = malloc((size_t)v->width * 3);
	png_structp p = row ? png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, png_quiet)
			    : NULL;
	png_infop info = p ? png_create_info_struct(p) : NULL;
	if (!row || !p || !info) {
		png_destroy_write_struct(p ? &p : NULL, info ? &info : NULL);
		free(row);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	if (setjmp(png_jmpbuf(p))) {
		png_destroy_write_struct(&p, &info);
		free(row);
		free(m.p);
		return grym_error_set(err, GRYM_ERR_INTERNAL, "libpng failed to write a %dx%d picture",
				      v->width, v->height);
	}
	png_set_write_fn(p, &m, write_mem, flush_mem);
	png_set_IHDR(p, info, (png_uint_32)v->width, (png_uint_32)v->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(p, info);
	for (int y = 0; y < v->height; y++) {
		const unsigned char *src = v->data + (size_t)y * v->width;
		for (int x = 0; x < v->width; x++)
			memcpy(row + 3 * x, grym__viridis[src[x]], 3);
		png_write_row(p, row);
	}
	png_write_end(p, info);
	png_destroy_write_struct(&p, &info);
	free(row);
	if (m.oom) {
		free(m.p);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	*png = m.p;
	*len = m.n;
	return GRYM_OK;
}
