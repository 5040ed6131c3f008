/*
 * stream_int.h — the inside of grym_stream_writer and grym_stream_reader,
 * shared by stream.c (what both forms have in common), stream_binary.c
 * and stream_text.c. Not installed; not for other modules.
 */
#ifndef GRYM_IO_STREAM_INT_H
#define GRYM_IO_STREAM_INT_H

#include <locale.h>
#include <zlib.h>
#include <jansson.h>

#include "grym/stream.h"

/* Binary framing sizes (see grym-stream(5)). */
#define STREAM_MAGIC "GRYM"
#define STREAM_VERSION 1
#define STREAM_CHUNK_HEAD 13          /* u32 stored, u8 flags, u32 raw, u32 crc */
#define STREAM_CHUNK_ZLIB 1
/* Text form: a line longer than this is an error, not an allocation. */
#define STREAM_TEXT_LINE_MAX ((size_t)64 << 20)

struct grym_stream_writer {
	grym_output *out;
	int format;                 /* GRYM_STREAM_BINARY or _TEXT */
	int flags;                  /* GRYM_STREAM_COMPRESS */
	int in_record;
	grym_payload_kind kind;
	uint32_t cols;
	uint64_t rows;              /* rows written in the current record */
	char *key;                  /* current key (text rows repeat it) */
	size_t keylen;
	/* binary */
	unsigned char *chunk;       /* raw bytes of the chunk being filled */
	size_t chunk_n;
	unsigned char *zbuf;        /* compressed chunk */
	z_stream zs;
	int zinit;
	/* text */
	char *line;                 /* one formatted row */
	size_t linecap;
	locale_t cloc;              /* "C" for number formatting, per writer */
};

enum { PAYLOAD_NONE = 0, PAYLOAD_OPEN, PAYLOAD_DONE };

struct grym_stream_reader {
	grym_input *in;
	int text;
	uint64_t recno;             /* 1-based number of the current record */
	int state;                  /* PAYLOAD_* */
	int failed;                 /* sticky: the stream cannot be resynced */
	grym_error ferr;
	grym_payload_kind kind;
	uint32_t cols;
	uint64_t rowbytes;
	uint64_t payload_bytes;     /* raw payload bytes seen so far */
	uint64_t rows_read;
	/* binary */
	uint32_t chunkno;
	unsigned char *raw;         /* current chunk, verified */
	size_t raw_len, raw_pos, raw_cap;
	unsigned char *zbuf;
	size_t zbuf_cap;
	z_stream zs;
	int zinit;
	/* text */
	char *line;
	size_t linecap;
	size_t linelen;
	int pending;                /* line holds an unconsumed line */
	uint64_t lineno;            /* number of the line in `line` */
	char *key;                  /* key of the current record */
	size_t keylen;
	int bare;                   /* the current record is the bare
				       reference in `line` */
	locale_t cloc;
};

/* Key rules shared by both forms: 1..4096 bytes, no TAB/CR/NL/NUL, not
 * starting with '#' (the text form would take it for a record line). */
int grym__stream_check_key(const char *key, size_t len, grym_error *err);

int grym__bin_begin(grym_stream_writer *w, const char *key, const json_t *meta,
		    grym_error *err);
int grym__bin_write_rows(grym_stream_writer *w, const float *rows, uint64_t nrows,
			 grym_error *err);
int grym__bin_end(grym_stream_writer *w, grym_error *err);
void grym__bin_writer_free(grym_stream_writer *w);

int grym__text_begin(grym_stream_writer *w, const char *key, const json_t *meta,
		     grym_error *err);
int grym__text_write_rows(grym_stream_writer *w, const float *rows, uint64_t nrows,
			  grym_error *err);

int grym__bin_next(grym_stream_reader *r, grym_record_head *head, grym_error *err);
int64_t grym__bin_read_rows(grym_stream_reader *r, float *buf, uint64_t max_rows,
			    grym_error *err);
/* Up to want payload bytes (rows may be cut): bytes read, 0 at the end. */
int64_t grym__bin_read_bytes(grym_stream_reader *r, unsigned char *out, uint64_t want,
			     grym_error *err);
void grym__bin_reader_free(grym_stream_reader *r);

int grym__text_next(grym_stream_reader *r, grym_record_head *head, grym_error *err);
int64_t grym__text_read_rows(grym_stream_reader *r, float *buf, uint64_t max_rows,
			     grym_error *err);
/* 1 if a row of the right width is waiting (its line read and checked,
 * so a buffer for it is backed by input), 0 at the end of the payload. */
int grym__text_row_ready(grym_stream_reader *r, grym_error *err);

/* Float text with %.9g semantics that round-trips every float32 bit
 * pattern, NaN payloads included. format_float writes at most
 * FLOAT_TEXT_MAX bytes plus a NUL and must run under uselocale("C");
 * parse_float takes the field [s, end) and the "C" locale to use. */
#define FLOAT_TEXT_MAX 24
size_t grym__format_float(char *buf, float v);
int grym__parse_float(const char *s, const char *end, float *v, locale_t cloc);

#endif
