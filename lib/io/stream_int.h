/*
 * stream_int.h — the inside of grym_stream_writer and grym_stream_reader,
 * shared by stream.c (what both forms have in common), stream_binary.c
 * and stream_text.c. Not installed; not for other modules.
 *
 * Each form is a table of operations (grym__stream_wform,
 * grym__stream_rform), as the store's backends are (store/store_backend.h):
 * stream.c checks arguments, keeps the state every form shares (the
 * record's key, kind and columns, the sticky failure, the record number)
 * and calls through the table; the form keeps its own state in a struct
 * of its own (struct bin_writer, struct text_reader...) that only its file
 * sees, reached through the `form` pointer. A third form would be a third
 * file filling the same two tables.
 */
#ifndef GRYM_IO_STREAM_INT_H
#define GRYM_IO_STREAM_INT_H

#include <locale.h>
#include <jansson.h>

#include "grym/stream.h"

/* Binary framing sizes (see grym-stream(5)). */
#define STREAM_MAGIC "GRYM"
#define STREAM_VERSION 1
#define STREAM_CHUNK_HEAD 13          /* u32 stored, u8 flags, u32 raw, u32 crc */
#define STREAM_CHUNK_ZLIB 1
/* Text form: a line longer than this is an error, not an allocation. */
#define STREAM_TEXT_LINE_MAX ((size_t)64 << 20)

typedef struct grym__stream_wform grym__stream_wform;
typedef struct grym__stream_rform grym__stream_rform;

struct grym_stream_writer {
	const grym__stream_wform *ops;
	void *form;                 /* the form's own state (its file's struct) */
	grym_output *out;
	int flags;                  /* GRYM_STREAM_COMPRESS */
	int in_record;
	grym_payload_kind kind;
	uint32_t cols;
	uint64_t rows;              /* rows written in the current record */
	char *key;                  /* current key (text rows repeat it) */
	size_t keylen;
};

/* A form's writer. stream.c has checked the arguments and set w's key,
 * kind, cols (and rows, counting the rows given to write_rows) before
 * each call. */
struct grym__stream_wform {
	const char *name;
	/* Allocate the form's state into w->form (w->out and w->flags set). */
	int (*init)(grym_stream_writer *w, grym_error *err);
	/* Free it (w->form may be NULL after a failed init). */
	void (*free)(grym_stream_writer *w);
	/* The record's head; metadata may be NULL ({}). */
	int (*begin)(grym_stream_writer *w, const json_t *meta, grym_error *err);
	int (*write_rows)(grym_stream_writer *w, const float *rows, uint64_t nrows,
			  grym_error *err);
	/* Whatever ends the payload (before the output's item end). */
	int (*end)(grym_stream_writer *w, grym_error *err);
};

enum { PAYLOAD_NONE = 0, PAYLOAD_OPEN, PAYLOAD_DONE };

struct grym_stream_reader {
	const grym__stream_rform *ops;
	void *form;                 /* the form's own state (its file's struct) */
	grym_input *in;
	uint64_t recno;             /* 1-based number of the current record */
	int state;                  /* PAYLOAD_* */
	int failed;                 /* sticky: the stream cannot be resynced */
	grym_error ferr;
	grym_payload_kind kind;
	uint32_t cols;
	uint64_t rowbytes;          /* cols * 4 (4 for a reference) */
	uint64_t payload_bytes;     /* raw payload bytes seen so far */
	uint64_t rows_read;
};

/* A form's reader. stream.c keeps the sticky failure: every status these
 * return below zero (other than GRYM_ERR_EOF from next) fails the reader
 * for good, except from read_payload, which marks a damaged stream itself
 * (grym__stream_fail) and leaves a refused allocation (GRYM_ERR_LIMIT,
 * GRYM_ERR_NOMEM) to the caller, so the next record can still be read. */
struct grym__stream_rform {
	const char *name;
	int (*init)(grym_stream_reader *r, grym_error *err);
	void (*free)(grym_stream_reader *r);
	/* Skip (and check) what is left of the current payload, then read
	 * the next head into head and set r's kind, cols, rowbytes, state;
	 * GRYM_ERR_EOF at a clean end. */
	int (*next)(grym_stream_reader *r, grym_record_head *head, grym_error *err);
	/* Up to max_rows whole rows of the open payload (max_rows > 0 and
	 * max_rows * rowbytes fits in int64). */
	int64_t (*read_rows)(grym_stream_reader *r, float *buf, uint64_t max_rows,
			     grym_error *err);
	/* The rest of the open payload appended to *data (capacity *cap
	 * bytes, *got used; grown with grym__stream_grow), at most max_bytes
	 * in all (else grym__stream_over_limit). */
	int (*read_payload)(grym_stream_reader *r, float **data, uint64_t *cap, uint64_t *got,
			    uint64_t max_bytes, grym_error *err);
	/* The whole line of a bare reference just returned by next, or NULL;
	 * may be NULL for a form that has none. */
	const char *(*bare_line)(const grym_stream_reader *r);
};

extern const grym__stream_wform grym__stream_binary_writer, grym__stream_text_writer;
extern const grym__stream_rform grym__stream_binary_reader, grym__stream_text_reader;

/* Key rules shared by both forms: 1..4096 bytes, no TAB/CR/NL/NUL, not
 * starting with '#' (the text form would take it for a record line). */
int grym__stream_check_key(const char *key, size_t len, grym_error *err);

/* Mark r failed with rc (a negative status other than GRYM_ERR_EOF) and
 * the message in err, so every later call repeats it; returns rc. */
int grym__stream_fail(grym_stream_reader *r, int rc, grym_error *err);
/* Grow *buf to at least need bytes, doubling from 64 KiB; the caller has
 * already seen input that backs need. */
int grym__stream_grow(float **buf, uint64_t *cap, uint64_t need, grym_error *err);
/* "record N: payload exceeds M bytes" (GRYM_ERR_LIMIT). */
int grym__stream_over_limit(const grym_stream_reader *r, uint64_t max_bytes, grym_error *err);

/* Float text with %.9g semantics that round-trips every float32 bit
 * pattern, NaN payloads included. format_float writes at most
 * FLOAT_TEXT_MAX bytes plus a NUL and must run under uselocale("C");
 * parse_float takes the field [s, end) and the "C" locale to use. */
#define FLOAT_TEXT_MAX 24
size_t grym__format_float(char *buf, float v);
int grym__parse_float(const char *s, const char *end, float *v, locale_t cloc);

#endif
