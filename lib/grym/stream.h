/*
 * stream.h — grym records: what flows between grym programs.
 *
 * A stream is a sequence of self-contained records, with no stream header:
 * streams concatenate (cat a b | grym-train) and are read without seeking,
 * in bounded memory. A record is
 *   key       — catalog id or name (1..4096 bytes, no TAB/CR/NL/NUL, not
 *               starting with '#')
 *   metadata  — a JSON object (at most 1 MiB), e.g. labels, rate, recipe
 *   payload   — typed: audio (float32 frames x channels, interleaved),
 *               matrix (float32 frames x dims, row-major), vector
 *               (float32 dims), or a bare reference (no data).
 * Binary layout (all integers little-endian; grym-stream(5) is normative):
 *   "GRYM" u8 version(1) u8 kind u16 flags(0)
 *   u32 key_len, key bytes; u32 meta_len, meta bytes; u32 cols
 *   u32 crc32 of everything above
 *   chunks: u32 stored_len, u8 flags (1 = zlib), u32 raw_len, u32 crc32(raw)
 *           then stored_len bytes; raw_len <= 1 MiB and a multiple of 4;
 *           a chunk of 13 zero bytes (stored_len 0, raw_len 0) ends the
 *           payload (a ref has only that chunk).
 *   A row may span chunks; the payload is whole rows (exactly one for a
 *   vector).
 * Text form (--text; every reader accepts it):
 *   #KEY<TAB>{metadata JSON with "kind" and "cols"}
 *   KEY<TAB>v1<TAB>v2...      one line per frame (or the one vector)
 * A line not starting with '#' outside a record is a bare reference whose
 * key is its first field (the rest are informative), so lines of catalog
 * ids are the lightest stream; grym/sources.h says how programs read
 * such a line that names a file (its whole text first). Numbers are printed with %.9g in the C
 * locale, which round-trips float32 exactly.
 *
 * Reserved metadata keys (others pass through untouched):
 *   "labels" [..], "meta" {manifest columns}, "path", "asset" (source id),
 *   "rate", "channels" (audio), "pipeline" [{"stage":..}, ..] (one recipe
 *   per stage, each appending its own), "recipe" {...}, "extractor" {...},
 *   "names" [..] (column names of a matrix/vector).
 *   "kind" and "cols" belong to the text form's record line: writers
 *   refuse metadata holding them (GRYM_ERR_INVALID) and readers never
 *   return them, so binary and text round-trip exactly.
 */
#ifndef GRYM_STREAM_H
#define GRYM_STREAM_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/io.h"

#ifdef __cplusplus
extern "C" {
#endif


typedef enum grym_payload_kind {
	GRYM_PAYLOAD_REF = 0,
	GRYM_PAYLOAD_AUDIO = 1,
	GRYM_PAYLOAD_MATRIX = 2,
	GRYM_PAYLOAD_VECTOR = 3
} grym_payload_kind;

#define GRYM_RECORD_KEY_MAX 4096
#define GRYM_RECORD_META_MAX (1u << 20)
#define GRYM_CHUNK_MAX (1u << 20)

/* Name of a kind: "ref", "audio", "matrix", "vector". */
const char *grym_payload_kind_name(grym_payload_kind k);
int grym_payload_kind_parse(const char *name, grym_payload_kind *k) GRYM_MUST_CHECK;

/* A record header: what is known before the payload. */
typedef struct grym_record_head {
	char *key;              /* owned */
	grym_json *meta;           /* owned, always an object */
	grym_payload_kind kind;
	uint32_t cols;          /* channels (audio) or dims; 0 for ref */
} grym_record_head;
/* Free what h owns (key, meta) and zero it; NULL is fine. */
void grym_record_head_clear(grym_record_head *h);

/* A whole record in memory. */
typedef struct grym_record {
	grym_record_head head;
	uint64_t rows;          /* frames (1 for a vector, 0 for a ref) */
	float *data;            /* rows * head.cols floats, owned */
} grym_record;
/* Free what r owns (its head and data) and zero it; NULL is fine. */
void grym_record_clear(grym_record *r);

/* ---- writing ---- */
typedef struct grym_stream_writer grym_stream_writer;
enum { GRYM_STREAM_BINARY = 0, GRYM_STREAM_TEXT = 1 };
enum { GRYM_STREAM_COMPRESS = 1 };   /* writer flag: zlib chunks */

/* Writes to out (not owned). */
grym_stream_writer *grym_stream_writer_new(grym_output *out, int format, int flags,
					   grym_error *err) GRYM_MUST_CHECK;
void grym_stream_writer_free(grym_stream_writer *w);
/* Streaming: begin, any number of write_rows, end. */
int grym_stream_begin(grym_stream_writer *w, const char *key, const grym_json *meta,
		      grym_payload_kind kind, uint32_t cols, grym_error *err) GRYM_MUST_CHECK;
int grym_stream_write_rows(grym_stream_writer *w, const float *rows, uint64_t nrows,
			   grym_error *err) GRYM_MUST_CHECK;
int grym_stream_end(grym_stream_writer *w, grym_error *err) GRYM_MUST_CHECK;
/* A whole record in one call. */
int grym_stream_write(grym_stream_writer *w, const grym_record *r, grym_error *err)
	GRYM_MUST_CHECK;
/* A bare reference (key + metadata). */
int grym_stream_write_ref(grym_stream_writer *w, const char *key, const grym_json *meta,
			  grym_error *err) GRYM_MUST_CHECK;

/* ---- reading ---- */
typedef struct grym_stream_reader grym_stream_reader;

/* Reads binary or text records from in (not owned), detecting which from
 * the first bytes. */
grym_stream_reader *grym_stream_reader_new(grym_input *in, grym_error *err) GRYM_MUST_CHECK;
void grym_stream_reader_free(grym_stream_reader *r);
/* Next record header: GRYM_OK, GRYM_ERR_EOF at a clean end, or an error
 * naming the record number ("record 3: ..."). Any unread payload of the
 * previous record is skipped first (and still checked). After a format,
 * checksum or I/O error the reader stays failed: every later call returns
 * the same error, since a damaged stream cannot be resynchronised. */
int grym_stream_next(grym_stream_reader *r, grym_record_head *head, grym_error *err)
	GRYM_MUST_CHECK;
/* Read up to max_rows rows of the current payload into buf (max_rows *
 * cols floats); returns rows read (whole rows; fewer than max_rows only
 * at the end of the payload), 0 at the end of the payload, or a negative
 * status. A vector yields its one row; a ref none. */
int64_t grym_stream_read_rows(grym_stream_reader *r, float *buf, uint64_t max_rows,
			      grym_error *err) GRYM_MUST_CHECK;
/* Next whole record; payloads larger than max_bytes fail with
 * GRYM_ERR_LIMIT (0: 4 GiB) and the reader moves on to the next record.
 * rec->data is NULL for a ref, non-NULL otherwise (even with 0 rows). */
int grym_stream_read(grym_stream_reader *r, grym_record *rec, uint64_t max_bytes,
		     grym_error *err) GRYM_MUST_CHECK;
/* The payload of the record whose head grym_stream_next just put in
 * rec->head, read whole as grym_stream_read does (rec->data and rows;
 * nothing for a ref). The head stays the caller's, also on failure. */
int grym_stream_read_payload(grym_stream_reader *r, grym_record *rec, uint64_t max_bytes,
			     grym_error *err) GRYM_MUST_CHECK;
/* For a bare reference of the text form (a line not starting with '#'),
 * the whole line it came from, without its newline and a CR before it;
 * NULL for any other record. Valid until the next call on r. The key is
 * only the line's first field: a file name holding a TAB is whole only
 * here (grym/sources.h uses it). */
const char *grym_stream_bare_line(const grym_stream_reader *r);
/* Number of the record last returned (1-based), for messages. */
uint64_t grym_stream_record_number(const grym_stream_reader *r);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
