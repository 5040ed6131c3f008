/*
 * test_stream_forms.c — the stream's two forms behind one table of
 * operations each (lib/io/stream_int.h): the same calls, made the same way
 * on a binary, a compressed binary and a text writer, give the same
 * records back through the same reader calls (streaming rows in pieces,
 * whole payloads, references, empty payloads, a size limit that lets the
 * reader go on, damage that fails it for good); the writer and the reader
 * hold their form's table; the argument checks are shared, so a form
 * never sees a bad call (a recording form installed in a writer shows
 * it); and the text form's bare reference keeps its whole line.
 */
#include "tap.h"
#include "grym/stream.h"
#include "io/stream_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *J(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		abort();
	return j;
}

/* A finished output's bytes: written to a file, read back. */
static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long len;
	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc(len ? (size_t)len : 1);
	*n = fread(p, 1, (size_t)len, f);
	fclose(f);
	return p;
}

static const float AUD[10] = { 0.5f, -0.5f, 1e-7f, 3.0f, -0.0f, 1.25f, 7.5f, -8.0f, 0.1f, 0.2f };
static const float MAT[6] = { 1, 2, 3, 4, 5, 6 };
static const float VEC[4] = { -1.5f, 0, 2.25f, 1e30f };

/* The same calls on every form; returns the stream's bytes. */
static unsigned char *write_all(const char *path, int format, int flags, const char *form,
				size_t *n)
{
	grym_error err = { 0 };
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, format, flags, &err);
	json_t *m;
	int rc = 0;

	TAP_OK(w && w->ops && strcmp(w->ops->name, format == GRYM_STREAM_TEXT ? "text" : "binary") == 0,
	       "%s: the writer holds its form's table", form);
	m = J("{\"rate\":8000}");
	rc |= grym_stream_begin(w, "a", m, GRYM_PAYLOAD_AUDIO, 2, &err);
	rc |= grym_stream_write_rows(w, AUD, 1, &err);
	rc |= grym_stream_write_rows(w, AUD + 2, 0, &err);
	rc |= grym_stream_write_rows(w, AUD + 2, 4, &err);
	rc |= grym_stream_end(w, &err);
	json_decref(m);
	{
		grym_record r = { { (char *)"m", J("{\"names\":[\"x\",\"y\",\"z\"]}"), GRYM_PAYLOAD_MATRIX, 3 },
				  2, (float *)MAT };
		rc |= grym_stream_write(w, &r, &err);
		json_decref(r.head.meta);
	}
	m = J("{\"labels\":[\"x\"]}");
	rc |= grym_stream_write_ref(w, "r", m, &err);
	json_decref(m);
	rc |= grym_stream_begin(w, "v", NULL, GRYM_PAYLOAD_VECTOR, 4, &err);
	rc |= grym_stream_write_rows(w, VEC, 1, &err);
	rc |= grym_stream_end(w, &err);
	rc |= grym_stream_begin(w, "e", NULL, GRYM_PAYLOAD_MATRIX, 7, &err);
	rc |= grym_stream_end(w, &err);
	TAP_EQ_INT(rc, 0, "%s: five records written: %s", form, err.msg);

	/* the checks every form shares */
	rc = grym_stream_begin(w, "v2", NULL, GRYM_PAYLOAD_VECTOR, 2, &err);
	TAP_EQ_INT(rc ? rc : grym_stream_write_rows(w, VEC, 2, &err), GRYM_ERR_INVALID,
		   "%s: a vector of two rows is refused", form);
	TAP_SETUP(grym_stream_write_rows(w, VEC, 1, &err));
	TAP_SETUP(grym_stream_end(w, &err));       /* "v2" is a whole record after all */
	m = J("{\"kind\":\"audio\"}");
	TAP_EQ_INT(grym_stream_begin(w, "k", m, GRYM_PAYLOAD_REF, 0, &err), GRYM_ERR_INVALID,
		   "%s: reserved metadata refused", form);
	json_decref(m);
	TAP_EQ_INT(grym_stream_write_rows(w, VEC, 1, &err), GRYM_ERR_INVALID,
		   "%s: rows outside a record refused", form);
	grym_stream_writer_free(w);
	TAP_SETUP(grym_output_commit(o, &err));
	return slurp(path, n);
}

static grym_stream_reader *reader(const unsigned char *p, size_t n, grym_input **in)
{
	*in = grym_input_from_memory(p, n, "mem", NULL);
	return grym_stream_reader_new(*in, NULL);
}

/* The same reads on every form's bytes. */
static void read_back(const unsigned char *p, size_t n, int text, const char *form)
{
	grym_error err = { 0 };
	grym_input *in;
	grym_stream_reader *r = reader(p, n, &in);
	grym_record_head h;
	grym_record rec;
	float buf[16];
	int64_t got[4];

	TAP_OK(r && strcmp(r->ops->name, text ? "text" : "binary") == 0,
	       "%s: the reader chose its form's table by the first bytes", form);
	/* rows in pieces */
	TAP_EQ_INT(grym_stream_next(r, &h, &err), GRYM_OK, "%s: audio head", form);
	TAP_OK(strcmp(h.key, "a") == 0 && h.kind == GRYM_PAYLOAD_AUDIO && h.cols == 2 &&
	       json_integer_value(json_object_get(h.meta, "rate")) == 8000,
	       "%s: its key, kind, cols and metadata", form);
	grym_record_head_clear(&h);
	for (int i = 0; i < 4; i++)
		got[i] = grym_stream_read_rows(r, buf + 4 * (i < 3 ? i : 2), 2, &err);
	TAP_OK(got[0] == 2 && got[1] == 2 && got[2] == 1 && got[3] == 0,
	       "%s: 5 rows as 2, 2, 1, then the end (%lld %lld %lld %lld)", form,
	       (long long)got[0], (long long)got[1], (long long)got[2], (long long)got[3]);
	TAP_OK(memcmp(buf, AUD, 10 * sizeof(float)) == 0, "%s: the same floats", form);
	/* a whole payload after its head */
	TAP_EQ_INT(grym_stream_next(r, &rec.head, &err), GRYM_OK, "%s: matrix head", form);
	TAP_EQ_INT(grym_stream_read_payload(r, &rec, 0, &err), GRYM_OK, "%s: read_payload", form);
	TAP_OK(rec.rows == 2 && rec.head.cols == 3 && memcmp(rec.data, MAT, sizeof MAT) == 0 &&
	       json_array_size(json_object_get(rec.head.meta, "names")) == 3,
	       "%s: its rows and names", form);
	grym_record_clear(&rec);
	/* a reference */
	TAP_EQ_INT(grym_stream_read(r, &rec, 0, &err), GRYM_OK, "%s: reference", form);
	TAP_OK(strcmp(rec.head.key, "r") == 0 && rec.head.kind == GRYM_PAYLOAD_REF && !rec.data &&
	       json_array_size(json_object_get(rec.head.meta, "labels")) == 1,
	       "%s: a reference's key and labels, no data", form);
	TAP_OK(grym_stream_bare_line(r) == NULL && grym_stream_record_number(r) == 3,
	       "%s: a record with a head is not bare; it is record 3", form);
	grym_record_clear(&rec);
	/* a vector, then an empty matrix */
	TAP_EQ_INT(grym_stream_read(r, &rec, 0, &err), GRYM_OK, "%s: vector", form);
	TAP_OK(rec.rows == 1 && memcmp(rec.data, VEC, sizeof VEC) == 0, "%s: its one row", form);
	grym_record_clear(&rec);
	TAP_EQ_INT(grym_stream_next(r, &h, &err), GRYM_OK, "%s: empty matrix head", form);
	TAP_OK(h.cols == 7 && grym_stream_read_rows(r, buf, 2, &err) == 0, "%s: no rows", form);
	grym_record_head_clear(&h);
	TAP_EQ_INT(grym_stream_read(r, &rec, 0, &err), GRYM_OK, "%s: the late vector", form);
	grym_record_clear(&rec);
	TAP_EQ_INT(grym_stream_next(r, &h, &err), GRYM_ERR_EOF, "%s: a clean end", form);
	TAP_EQ_INT(grym_stream_next(r, &h, &err), GRYM_ERR_EOF, "%s: and again", form);
	grym_stream_reader_free(r);
	grym_input_free(in);

	/* a size limit refuses one payload; the reader goes on */
	r = reader(p, n, &in);
	TAP_EQ_INT(grym_stream_read(r, &rec, 8, &err), GRYM_ERR_LIMIT, "%s: over the limit", form);
	TAP_EQ_INT(grym_stream_read(r, &rec, 0, &err), GRYM_OK, "%s: the next record reads", form);
	TAP_OK(rec.head.key && strcmp(rec.head.key, "m") == 0 && rec.rows == 2, "%s: and is the matrix",
	       form);
	grym_record_clear(&rec);
	grym_stream_reader_free(r);
	grym_input_free(in);

	/* cut inside the matrix's first row: failed for good, the same error */
	{
		size_t cut = 0;
		grym_error e2 = { 0 };
		r = reader(p, n, &in);
		TAP_SETUP(grym_stream_read(r, &rec, 0, &err));
		grym_record_clear(&rec);
		TAP_SETUP(grym_stream_next(r, &h, &err));
		grym_record_head_clear(&h);
		/* text "m<TAB>1<TAB>2<TAB>3": "m<TAB>1<TAB>2"; binary: the chunk's
		 * 13-byte head and 8 of its 24 bytes */
		cut = (size_t)grym_input_offset(in) + (text ? 6 : 13 + 8);
		grym_stream_reader_free(r);
		grym_input_free(in);
		r = reader(p, cut, &in);
		TAP_SETUP(grym_stream_read(r, &rec, 0, &err));
		grym_record_clear(&rec);
		int rc1 = grym_stream_read(r, &rec, 0, &err);
		int rc2 = grym_stream_next(r, &h, &e2);
		TAP_OK(rc1 == (text ? GRYM_ERR_FORMAT : GRYM_ERR_CORRUPT),
		       "%s: a cut payload fails: %s", form, err.msg);
		TAP_OK(rc2 == rc1 && strcmp(err.msg, e2.msg) == 0, "%s: and every later call repeats it",
		       form);
		grym_stream_reader_free(r);
		grym_input_free(in);
	}
}

/* A third form, for the test: it records what reaches it. */
static int calls[4], rows_seen;
static int rec_init(grym_stream_writer *w, grym_error *err) { (void)err; w->form = calls; return 0; }
static void rec_free(grym_stream_writer *w) { w->form = NULL; }
static int rec_begin(grym_stream_writer *w, const json_t *m, grym_error *err)
{
	(void)m, (void)err;
	((int *)w->form)[0]++;
	return 0;
}
static int rec_rows(grym_stream_writer *w, const float *rows, uint64_t n, grym_error *err)
{
	(void)rows, (void)err;
	((int *)w->form)[1]++;
	rows_seen += (int)n;
	return 0;
}
static int rec_end(grym_stream_writer *w, grym_error *err)
{
	(void)err;
	((int *)w->form)[2]++;
	return 0;
}
static const grym__stream_wform recording = { "recording", rec_init, rec_free, rec_begin,
					      rec_rows, rec_end };

int main(void)
{
	static const struct { int format, flags; const char *name; } forms[] = {
		{ GRYM_STREAM_BINARY, 0, "binary" },
		{ GRYM_STREAM_BINARY, GRYM_STREAM_COMPRESS, "binary+zlib" },
		{ GRYM_STREAM_TEXT, 0, "text" },
	};
	const char *dir = tap_tmpdir();
	char path[4096];
	size_t n;

	tap_plan(3 * 29 + 6);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/s%d", dir, i);
		unsigned char *p = write_all(path, forms[i].format, forms[i].flags, forms[i].name, &n);
		TAP_OK(p && n > 0, "%s: %zu bytes", forms[i].name, n);
		read_back(p, n, forms[i].format == GRYM_STREAM_TEXT, forms[i].name);
		free(p);
	}

	/* the shared checks stand before any form */
	{
		grym_error err = { 0 };
		snprintf(path, sizeof path, "%s/rec", dir);
		grym_output *o = grym_output_open(path, &err);
		grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_BINARY, 0, &err);
		w->ops->free(w);
		w->ops = &recording;
		w->ops->init(w, &err);
		TAP_SETUP(grym_stream_begin(w, "x", NULL, GRYM_PAYLOAD_VECTOR, 3, &err));
		TAP_SETUP(grym_stream_write_rows(w, VEC, 1, &err));
		TAP_EQ_INT(grym_stream_write_rows(w, VEC, 1, &err), GRYM_ERR_INVALID,
			   "a second vector row is refused...");
		TAP_SETUP(grym_stream_end(w, &err));
		TAP_EQ_INT(grym_stream_begin(w, "#bad", NULL, GRYM_PAYLOAD_REF, 0, &err),
			   GRYM_ERR_FORMAT, "a bad key is refused...");
		TAP_OK(calls[0] == 1 && calls[1] == 1 && calls[2] == 1 && rows_seen == 1,
		       "...before the form sees either (begin %d, rows %d (%d), end %d)", calls[0],
		       calls[1], rows_seen, calls[2]);
		grym_stream_writer_free(w);
		grym_output_abort(o);
	}

	/* the text form's bare reference: its whole line */
	{
		static const char lines[] = "first\tline\twith tabs\r\n#h\t{\"kind\":\"ref\",\"cols\":0}\n";
		grym_input *in;
		grym_stream_reader *r = reader((const unsigned char *)lines, sizeof lines - 1, &in);
		grym_record_head h;
		TAP_OK(grym_stream_next(r, &h, NULL) == GRYM_OK && strcmp(h.key, "first") == 0,
		       "a bare line's key is its first field");
		TAP_EQ_STR(grym_stream_bare_line(r), "first\tline\twith tabs", "its whole line (no CR)");
		grym_record_head_clear(&h);
		TAP_OK(grym_stream_next(r, &h, NULL) == GRYM_OK && grym_stream_bare_line(r) == NULL,
		       "a head line is not bare");
		grym_record_head_clear(&h);
		grym_stream_reader_free(r);
		grym_input_free(in);
	}
	return tap_done();
}
