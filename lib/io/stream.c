/*
 * stream.c — grym records: what the binary and the text form share (see
 * grym/stream.h and grym-stream(5)).
 *
 * The writer and the reader each call through the table of their form
 * (stream_int.h): this file holds their life cycle, argument checks, the
 * state every form shares, the whole-record calls built on the streaming
 * ones, and the choice of form (by the format asked for on writing, by
 * the first bytes on reading). The framing itself lives in
 * stream_binary.c and stream_text.c.
 *
 * A reader that hit corrupt data stays failed: records have no sync
 * marker to find the next one safely, so every later call repeats the
 * first error instead of guessing.
 */
#include "stream_int.h"
#include "grym/pathname.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = { "ref", "audio", "matrix", "vector" };

const char *grym_payload_kind_name(grym_payload_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

int grym_payload_kind_parse(const char *name, grym_payload_kind *k)
{
	for (int i = 0; i < 4; i++)
		if (name && strcmp(name, kind_names[i]) == 0) {
			*k = (grym_payload_kind)i;
			return GRYM_OK;
		}
	return GRYM_ERR_INVALID;
}

void grym_record_head_clear(grym_record_head *h)
{
	if (!h)
		return;
	free(h->key);
	json_decref(h->meta);
	memset(h, 0, sizeof *h);
}

void grym_record_clear(grym_record *r)
{
	if (!r)
		return;
	grym_record_head_clear(&r->head);
	free(r->data);
	memset(r, 0, sizeof *r);
}

int grym__stream_check_key(const char *key, size_t len, grym_error *err)
{
	if (len == 0)
		return grym_error_set(err, GRYM_ERR_FORMAT, "empty key");
	if (len > GRYM_RECORD_KEY_MAX)
		return grym_error_set(err, GRYM_ERR_LIMIT, "key of %zu bytes exceeds %d", len,
				      GRYM_RECORD_KEY_MAX);
	if (key[0] == '#')
		return grym_error_set(err, GRYM_ERR_FORMAT, "key starts with '#'");
	for (size_t i = 0; i < len; i++)
		if (key[i] == '\t' || key[i] == '\n' || key[i] == '\r' || key[i] == '\0')
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "key contains a TAB, newline or NUL");
	/* the text form is UTF-8 and says the same as the binary form, so
	 * a key is UTF-8 in both (a file name that is not travels in
	 * "path_b64", see grym/pathname.h) */
	if (!grym_utf8_valid(key, len))
		return grym_error_set(err, GRYM_ERR_FORMAT, "key is not UTF-8");
	return GRYM_OK;
}

/* ---- writer ---- */

grym_stream_writer *grym_stream_writer_new(grym_output *out, int format, int flags,
					   grym_error *err)
{
	grym_stream_writer *w;

	if (!out || (format != GRYM_STREAM_BINARY && format != GRYM_STREAM_TEXT)) {
		grym_error_set(err, GRYM_ERR_INVALID, "bad stream writer arguments");
		return NULL;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	w->ops = format == GRYM_STREAM_BINARY ? &grym__stream_binary_writer
					      : &grym__stream_text_writer;
	w->out = out;
	w->flags = flags;
	if (w->ops->init(w, err) != GRYM_OK) {
		grym_stream_writer_free(w);
		return NULL;
	}
	return w;
}

void grym_stream_writer_free(grym_stream_writer *w)
{
	if (!w)
		return;
	w->ops->free(w);
	free(w->key);
	free(w);
}

int grym_stream_begin(grym_stream_writer *w, const char *key, const json_t *meta,
		      grym_payload_kind kind, uint32_t cols, grym_error *err)
{
	size_t len = key ? strlen(key) : 0;
	int rc;

	if (w->in_record)
		return grym_error_set(err, GRYM_ERR_INVALID, "record '%s' not ended", w->key);
	if ((rc = grym__stream_check_key(key ? key : "", len, err)) < 0)
		return rc;
	if ((unsigned)kind > GRYM_PAYLOAD_VECTOR)
		return grym_error_set(err, GRYM_ERR_INVALID, "bad payload kind %d", (int)kind);
	if ((kind == GRYM_PAYLOAD_REF) != (cols == 0))
		return grym_error_set(err, GRYM_ERR_INVALID, "%s record with %u columns",
				      grym_payload_kind_name(kind), cols);
	if (meta && !json_is_object(meta))
		return grym_error_set(err, GRYM_ERR_INVALID, "metadata is not a JSON object");
	if (meta && (json_object_get(meta, "kind") || json_object_get(meta, "cols")))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "metadata keys \"kind\" and \"cols\" are reserved");
	free(w->key);
	w->key = strdup(key);
	if (!w->key)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	w->keylen = len;
	w->kind = kind;
	w->cols = cols;
	w->rows = 0;
	rc = w->ops->begin(w, meta, err);
	if (rc == GRYM_OK)
		w->in_record = 1;
	return rc;
}

int grym_stream_write_rows(grym_stream_writer *w, const float *rows, uint64_t nrows,
			   grym_error *err)
{
	if (!w->in_record)
		return grym_error_set(err, GRYM_ERR_INVALID, "write_rows outside a record");
	if (nrows == 0)
		return GRYM_OK;
	if (w->kind == GRYM_PAYLOAD_REF)
		return grym_error_set(err, GRYM_ERR_INVALID, "a reference has no rows");
	if (w->kind == GRYM_PAYLOAD_VECTOR && w->rows + nrows > 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "a vector has exactly one row");
	assert(w->cols > 0);   /* begin refused a non-reference without columns */
	if (nrows > UINT64_MAX / 4 / w->cols)
		return grym_error_set(err, GRYM_ERR_INVALID, "too many rows");
	w->rows += nrows;
	assert(w->kind != GRYM_PAYLOAD_VECTOR || w->rows == 1);
	return w->ops->write_rows(w, rows, nrows, err);
}

int grym_stream_end(grym_stream_writer *w, grym_error *err)
{
	if (!w->in_record)
		return grym_error_set(err, GRYM_ERR_INVALID, "end outside a record");
	w->in_record = 0;
	if (w->kind == GRYM_PAYLOAD_VECTOR && w->rows != 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "vector record '%s' has no row", w->key);
	int rc = w->ops->end(w, err);
	/* on a pipe each record leaves now: the next stage starts on it */
	return rc < 0 ? rc : grym_output_item_end(w->out, err);
}

int grym_stream_write(grym_stream_writer *w, const grym_record *r, grym_error *err)
{
	int rc = grym_stream_begin(w, r->head.key, r->head.meta, r->head.kind, r->head.cols, err);
	if (rc < 0)
		return rc;
	if (r->head.kind != GRYM_PAYLOAD_REF &&
	    (rc = grym_stream_write_rows(w, r->data, r->rows, err)) < 0) {
		w->in_record = 0;
		return rc;
	}
	return grym_stream_end(w, err);
}

int grym_stream_write_ref(grym_stream_writer *w, const char *key, const json_t *meta,
			  grym_error *err)
{
	int rc = grym_stream_begin(w, key, meta, GRYM_PAYLOAD_REF, 0, err);
	return rc < 0 ? rc : grym_stream_end(w, err);
}

/* ---- reader ---- */

grym_stream_reader *grym_stream_reader_new(grym_input *in, grym_error *err)
{
	grym_stream_reader *r;
	grym_input_kind kind;
	int rc;

	if (!in) {
		grym_error_set(err, GRYM_ERR_INVALID, "no input");
		return NULL;
	}
	rc = grym_input_detect(in, &kind, err);
	if (rc < 0)
		return NULL;
	if (kind == GRYM_INPUT_AUDIO) {
		grym_error_set(err, GRYM_ERR_FORMAT,
			       "not a grym stream (binary data without the record magic)");
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	r->in = in;
	r->ops = kind == GRYM_INPUT_TEXT ? &grym__stream_text_reader : &grym__stream_binary_reader;
	if (r->ops->init(r, err) != GRYM_OK) {
		grym_stream_reader_free(r);
		return NULL;
	}
	return r;
}

void grym_stream_reader_free(grym_stream_reader *r)
{
	if (!r)
		return;
	r->ops->free(r);
	free(r);
}

uint64_t grym_stream_record_number(const grym_stream_reader *r)
{
	return r->recno;
}

int grym__stream_fail(grym_stream_reader *r, int rc, grym_error *err)
{
	if (rc == GRYM_ERR_EOF || rc >= 0)
		return rc;
	r->failed = rc;
	if (err)
		r->ferr = *err;
	else
		grym_error_set(&r->ferr, rc, "%s", grym_status_str(rc));
	return rc;
}

static int repeat_failure(grym_stream_reader *r, grym_error *err)
{
	if (err)
		*err = r->ferr;
	return r->failed;
}

const char *grym_stream_bare_line(const grym_stream_reader *r)
{
	if (!r || !r->ops->bare_line || r->state != PAYLOAD_DONE || r->failed)
		return NULL;
	return r->ops->bare_line(r);
}

int grym_stream_next(grym_stream_reader *r, grym_record_head *head, grym_error *err)
{
	grym_error local;

	if (!err)
		err = &local;
	memset(head, 0, sizeof *head);
	if (r->failed)
		return repeat_failure(r, err);
	int rc = grym__stream_fail(r, r->ops->next(r, head, err), err);
	/* a head read: the form set the reader's shape to the record's */
	assert(rc != GRYM_OK || (r->rowbytes > 0 && r->state != PAYLOAD_NONE &&
				 head->kind == r->kind && head->cols == r->cols));
	return rc;
}

int64_t grym_stream_read_rows(grym_stream_reader *r, float *buf, uint64_t max_rows,
			      grym_error *err)
{
	grym_error local;
	int64_t n;

	if (!err)
		err = &local;
	if (r->failed)
		return repeat_failure(r, err);
	if (r->state != PAYLOAD_OPEN || max_rows == 0)
		return 0;
	if (max_rows > (uint64_t)INT64_MAX / r->rowbytes)
		max_rows = (uint64_t)INT64_MAX / r->rowbytes;
	n = r->ops->read_rows(r, buf, max_rows, err);
	if (n < 0)
		return grym__stream_fail(r, (int)n, err);
	assert((uint64_t)n <= max_rows);
	return n;
}

int grym__stream_grow(float **buf, uint64_t *cap, uint64_t need, grym_error *err)
{
	uint64_t c = *cap ? *cap : 65536;
	float *p;

	if (need <= *cap)
		return GRYM_OK;
	while (c < need)
		c *= 2;
	if (c > SIZE_MAX)
		return grym_error_set(err, GRYM_ERR_LIMIT, "payload too large for memory");
	p = realloc(*buf, (size_t)c);
	if (!p)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	*buf = p;
	*cap = c;
	return GRYM_OK;
}

int grym__stream_over_limit(const grym_stream_reader *r, uint64_t max_bytes, grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_LIMIT, "record %llu: payload exceeds %llu bytes",
			      (unsigned long long)r->recno, (unsigned long long)max_bytes);
}

int grym_stream_read(grym_stream_reader *r, grym_record *rec, uint64_t max_bytes,
		     grym_error *err)
{
	grym_error local;
	int rc;

	if (!err)
		err = &local;
	memset(rec, 0, sizeof *rec);
	rc = grym_stream_next(r, &rec->head, err);
	if (rc < 0)
		return rc;
	rc = grym_stream_read_payload(r, rec, max_bytes, err);
	if (rc < 0)
		grym_record_head_clear(&rec->head);
	return rc;
}

/* The whole payload into one buffer that grows only as data arrives (the
 * form's read_payload): a record claiming billions of columns costs
 * nothing until its rows do. */
int grym_stream_read_payload(grym_stream_reader *r, grym_record *rec, uint64_t max_bytes,
			     grym_error *err)
{
	grym_error local;
	uint64_t cap = 0, got = 0;
	float *data = NULL;
	int rc;

	if (!err)
		err = &local;
	rec->data = NULL;
	rec->rows = 0;
	if (!max_bytes)
		max_bytes = (uint64_t)4 << 30;
	if (r->failed)
		return repeat_failure(r, err);
	if (rec->head.kind == GRYM_PAYLOAD_REF)
		return GRYM_OK;
	rc = r->state == PAYLOAD_OPEN ? r->ops->read_payload(r, &data, &cap, &got, max_bytes, err)
				      : GRYM_OK;
	if (rc == GRYM_OK && !data && !(data = malloc(sizeof(float))))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc < 0) {
		free(data);
		return rc;
	}
	/* the forms check that a payload is whole rows before handing it over */
	assert(r->rowbytes > 0 && got % r->rowbytes == 0);
	rec->data = data;
	rec->rows = got / r->rowbytes;
	r->rows_read = rec->rows;
	return GRYM_OK;
}
