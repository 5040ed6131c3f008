/*
 * test_stream.c — grym records: binary and text round trips of every
 * payload kind (with and without compression), concatenation, rows across
 * chunks, skipping, the exact text form, bare references, and every kind
 * of damaged stream (truncation at each byte, flipped bits, lying lengths,
 * bad metadata, random bytes, wrong row widths, overlong lines).
 */
#include "tap.h"
#include "grym/stream.h"
#include "grym/pathname.h"

#include <float.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static const char *dir;

/* internal (lib/io/stream_int.h): the text form's number formatter */
size_t grym__format_float(char *buf, float v);

/* ---- helpers ---- */

typedef struct buf {
	unsigned char *p;
	size_t n;
} buf;

static buf slurp(const char *path)
{
	buf b = { 0, 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return b;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.p = malloc(n ? (size_t)n : 1);
	b.n = fread(b.p, 1, (size_t)n, f);
	fclose(f);
	return b;
}

static float fbits(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static json_t *J(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		abort();
	return j;
}

enum { NREC = 6 };

/* The records every round trip uses: one of each kind plus corner cases. */
static void make_records(grym_record *r)
{
	memset(r, 0, sizeof(grym_record) * NREC);
	r[0].head.key = strdup("ref1");
	r[0].head.meta = J("{\"labels\":[\"dog\",\"cat\"],\"path\":\"/a b/c.wav\","
			   "\"meta\":{\"split\":\"train\",\"speaker\":\"s1\"},\"x\":1.5}");
	r[0].head.kind = GRYM_PAYLOAD_REF;

	r[1].head.key = strdup("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	r[1].head.meta = J("{\"rate\":48000,\"channels\":2,\"labels\":[\"bird\"],"
			   "\"pipeline\":[{\"stage\":\"normalize\",\"lufs\":-23}],\"asset\":\"abc\"}");
	r[1].head.kind = GRYM_PAYLOAD_AUDIO;
	r[1].head.cols = 2;
	r[1].rows = 1000;
	r[1].data = malloc(2000 * sizeof(float));
	for (int i = 0; i < 2000; i++)
		r[1].data[i] = (float)(0.5 * sin(i * 0.01) + (i % 7) * 1e-7);
	const float special[] = { NAN, -NAN, fbits(0x7f800001), fbits(0xffbfffff), INFINITY,
				  -INFINITY, -0.0f, fbits(1), FLT_MAX, -FLT_MAX, FLT_MIN,
				  0.1f, 1e-10f, 123456789.0f, 3.14159274f, fbits(0x7fc00001) };
	memcpy(r[1].data, special, sizeof special);

	r[2].head.key = strdup("mat");
	r[2].head.meta = J("{\"extractor\":{\"name\":\"mfcc\",\"n_mfcc\":13},\"names\":[\"a\",\"b\"],"
			   "\"recipe\":{\"hop\":512},\"nested\":{\"deep\":[1,[2,{\"x\":null}]]}}");
	r[2].head.kind = GRYM_PAYLOAD_MATRIX;
	r[2].head.cols = 13;
	r[2].rows = 7;
	r[2].data = malloc(7 * 13 * sizeof(float));
	for (int i = 0; i < 7 * 13; i++)
		r[2].data[i] = (float)(i * 1.1 - 40) / 3.0f;

	r[3].head.key = strdup("vec");
	r[3].head.meta = J("{}");
	r[3].head.kind = GRYM_PAYLOAD_VECTOR;
	r[3].head.cols = 5;
	r[3].rows = 1;
	r[3].data = malloc(5 * sizeof(float));
	for (int i = 0; i < 5; i++)
		r[3].data[i] = (float)(i - 2) * 0.25f;

	r[4].head.key = strdup("empty");
	r[4].head.meta = J("{\"labels\":[]}");
	r[4].head.kind = GRYM_PAYLOAD_MATRIX;
	r[4].head.cols = 20;
	r[4].rows = 0;

	r[5].head.key = strdup("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87/\xc3\xbc name");
	r[5].head.meta = J("{\"path\":\"line1\\nline2\\ttab \\\"q\\\" \\u00e9\",\"n\":-1e-300}");
	r[5].head.kind = GRYM_PAYLOAD_AUDIO;
	r[5].head.cols = 1;
	r[5].rows = 3;
	r[5].data = malloc(3 * sizeof(float));
	r[5].data[0] = 1;
	r[5].data[1] = -1;
	r[5].data[2] = 0;
}

static void free_records(grym_record *r, int n)
{
	for (int i = 0; i < n; i++)
		grym_record_clear(&r[i]);
}

static int write_file(const char *path, const grym_record *recs, int n, int format, int flags)
{
	grym_error err;
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, format, flags, &err);
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = grym_stream_write(w, &recs[i], &err);
	grym_stream_writer_free(w);
	if (rc) {
		tap_diag("write: %s", err.msg);
		grym_output_abort(o);
		return rc;
	}
	return grym_output_commit(o, &err);
}

static int same_record(const grym_record *a, const grym_record *b, const char *what)
{
	char *ma = json_dumps(a->head.meta, JSON_COMPACT), *mb = json_dumps(b->head.meta, JSON_COMPACT);
	int ok = a->head.key && b->head.key && strcmp(a->head.key, b->head.key) == 0 &&
		 a->head.kind == b->head.kind && a->head.cols == b->head.cols && a->rows == b->rows &&
		 ma && mb && strcmp(ma, mb) == 0 &&
		 (a->rows == 0 || memcmp(a->data, b->data, a->rows * a->head.cols * 4) == 0);
	if (!ok)
		tap_diag("%s: key '%s' vs '%s', kind %d/%d cols %u/%u rows %llu/%llu meta %s | %s", what,
			 a->head.key, b->head.key, a->head.kind, b->head.kind, a->head.cols,
			 b->head.cols, (unsigned long long)a->rows, (unsigned long long)b->rows, ma, mb);
	free(ma);
	free(mb);
	return ok;
}

/* Read every record of a memory stream; returns the count, or -1 - count
 * on error (err filled). */
static int read_all(const void *p, size_t n, grym_record *out, int max, grym_error *err)
{
	grym_input *in = grym_input_from_memory(p, n, "mem", NULL);
	grym_stream_reader *r = grym_stream_reader_new(in, err);
	int count = 0, rc = 0;
	if (!r) {
		grym_input_free(in);
		return -1;
	}
	for (;;) {
		grym_record rec;
		rc = grym_stream_read(r, &rec, 0, err);
		if (rc < 0)
			break;
		if (out && count < max)
			out[count] = rec;
		else
			grym_record_clear(&rec);
		count++;
	}
	grym_stream_reader_free(r);
	grym_input_free(in);
	return rc == GRYM_ERR_EOF ? count : -1 - count;
}

/* ---- round trips ---- */

static void test_round_trip(int format, int flags, const char *name)
{
	grym_record recs[NREC], got[NREC + 2];
	char path[600];
	grym_error err;

	make_records(recs);
	snprintf(path, sizeof path, "%s/rt-%s", dir, name);
	TAP_EQ_INT(write_file(path, recs, NREC, format, flags), 0, "%s: write all kinds", name);
	buf b = slurp(path);
	int n = read_all(b.p, b.n, got, NREC + 2, &err);
	TAP_EQ_INT(n, NREC, "%s: read back %d records (%s)", name, NREC, n < 0 ? err.msg : "ok");
	for (int i = 0; i < n && i < NREC; i++) {
		TAP_OK(same_record(&recs[i], &got[i], name), "%s: record %d (%s, %s) identical", name,
		       i + 1, recs[i].head.key, grym_payload_kind_name(recs[i].head.kind));
		grym_record_clear(&got[i]);
	}

	/* the same through next + read_rows in blocks of 3 */
	grym_input *in = grym_input_from_memory(b.p, b.n, "mem", NULL);
	grym_stream_reader *r = grym_stream_reader_new(in, &err);
	int ok = 1;
	for (int i = 0; i < NREC; i++) {
		grym_record_head h;
		float blk[3 * 20];
		uint64_t rows = 0;
		int64_t k;
		if (grym_stream_next(r, &h, &err) != 0) {
			ok = 0;
			break;
		}
		ok &= grym_stream_record_number(r) == (uint64_t)i + 1;
		while ((k = grym_stream_read_rows(r, blk, 3, &err)) > 0) {
			ok &= memcmp(blk, recs[i].data + rows * h.cols, (size_t)k * h.cols * 4) == 0;
			rows += (uint64_t)k;
		}
		ok &= k == 0 && rows == recs[i].rows;
		grym_record_head_clear(&h);
	}
	grym_record_head h;
	ok &= grym_stream_next(r, &h, &err) == GRYM_ERR_EOF;
	TAP_OK(ok, "%s: streaming read in blocks of 3 rows matches", name);
	grym_stream_reader_free(r);
	grym_input_free(in);

	/* heads only: payloads skipped */
	in = grym_input_from_memory(b.p, b.n, "mem", NULL);
	r = grym_stream_reader_new(in, &err);
	ok = 1;
	for (int i = 0; i < NREC; i++) {
		ok &= grym_stream_next(r, &h, &err) == 0 && strcmp(h.key, recs[i].head.key) == 0;
		grym_record_head_clear(&h);
	}
	ok &= grym_stream_next(r, &h, &err) == GRYM_ERR_EOF;
	TAP_OK(ok, "%s: heads only, payloads skipped", name);
	grym_stream_reader_free(r);
	grym_input_free(in);

	/* concatenation: two writers' outputs back to back */
	unsigned char *cat = malloc(2 * b.n);
	memcpy(cat, b.p, b.n);
	memcpy(cat + b.n, b.p, b.n);
	n = read_all(cat, 2 * b.n, NULL, 0, &err);
	TAP_EQ_INT(n, 2 * NREC, "%s: concatenated streams give %d records", name, 2 * NREC);
	free(cat);
	free(b.p);
	free_records(recs, NREC);
}

static void test_cross_form(void)
{
	/* binary -> records -> text -> records -> binary: identical bytes */
	grym_record recs[NREC], got[NREC];
	char p1[600], p2[600], p3[600];
	grym_error err;

	make_records(recs);
	snprintf(p1, sizeof p1, "%s/x1.bin", dir);
	snprintf(p2, sizeof p2, "%s/x2.txt", dir);
	snprintf(p3, sizeof p3, "%s/x3.bin", dir);
	write_file(p1, recs, NREC, GRYM_STREAM_BINARY, 0);
	buf b1 = slurp(p1);
	int n = read_all(b1.p, b1.n, got, NREC, &err);
	write_file(p2, got, n, GRYM_STREAM_TEXT, 0);
	free_records(got, n);
	buf b2 = slurp(p2);
	n = read_all(b2.p, b2.n, got, NREC, &err);
	TAP_EQ_INT(n, NREC, "text copy read");
	write_file(p3, got, n > 0 ? n : 0, GRYM_STREAM_BINARY, 0);
	free_records(got, n > 0 ? n : 0);
	buf b3 = slurp(p3);
	TAP_OK(b1.n == b3.n && memcmp(b1.p, b3.p, b1.n) == 0,
	       "binary -> text -> binary gives identical bytes (%zu vs %zu)", b1.n, b3.n);
	free(b1.p);
	free(b2.p);
	free(b3.p);
	free_records(recs, NREC);
}

static void test_text_exact(void)
{
	grym_record r = { 0 };
	char path[600];
	float v[4] = { 0.1f, -2.0f, 1e-10f, NAN };

	r.head.key = "k";
	r.head.meta = J("{\"rate\":100}");
	r.head.kind = GRYM_PAYLOAD_MATRIX;
	r.head.cols = 2;
	r.rows = 2;
	r.data = v;
	snprintf(path, sizeof path, "%s/exact.txt", dir);
	write_file(path, &r, 1, GRYM_STREAM_TEXT, 0);
	buf b = slurp(path);
	const char *want = "#k\t{\"kind\":\"matrix\",\"cols\":2,\"rate\":100}\n"
			   "k\t0.100000001\t-2\n"
			   "k\t1.00000001e-10\tnan\n";
	TAP_OK(b.n == strlen(want) && memcmp(b.p, want, b.n) == 0, "exact text form");
	if (b.n != strlen(want) || memcmp(b.p, want, b.n))
		tap_diag("got: %.*s", (int)b.n, (char *)b.p);
	free(b.p);
	json_decref(r.head.meta);

	/* a reference is just its # line */
	grym_error err;
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_TEXT, 0, &err);
	json_t *m = J("{\"labels\":[\"dog\"]}");
	TAP_SETUP(grym_stream_write_ref(w, "id1", m, &err));
	TAP_SETUP(grym_stream_write_ref(w, "id2", NULL, &err));
	grym_stream_writer_free(w);
	TAP_SETUP(grym_output_commit(o, &err));
	b = slurp(path);
	want = "#id1\t{\"kind\":\"ref\",\"cols\":0,\"labels\":[\"dog\"]}\n#id2\t{\"kind\":\"ref\",\"cols\":0}\n";
	TAP_OK(b.n == strlen(want) && memcmp(b.p, want, b.n) == 0, "text reference lines");
	free(b.p);
	json_decref(m);
}

static void test_text_reading(void)
{
	const char *s =
		"abc123\t3.5\t48000\t2\tdog\t/x.wav\n"
		"id2\r\n"
		"\n"
		"#m\t{\"kind\":\"vector\",\"cols\":2,\"labels\":[\"x\"]}\n"
		"m\t1\t-2.5e3\n"
		"#a\t{\"kind\":\"audio\",\"cols\":1,\"rate\":8000}\n"
		"a\tinf\n"
		"\n"
		"a\t-nan\n"
		"a\tnan(0x1)\n"
		"a\t0x1p-3\n"
		"#h\t{\"labels\":[\"bare\"]}\n"
		"id3\n";
	grym_record got[8];
	grym_error err;
	int n = read_all(s, strlen(s), got, 8, &err);
	TAP_EQ_INT(n, 6, "text with bare refs: 6 records (%s)", n < 0 ? err.msg : "ok");
	if (n != 6) {
		free_records(got, n < 0 ? 0 : n);
		return;
	}
	TAP_OK(strcmp(got[0].head.key, "abc123") == 0 && got[0].head.kind == GRYM_PAYLOAD_REF &&
	       json_object_size(got[0].head.meta) == 0, "catalog ls line is a bare ref, fields ignored");
	TAP_EQ_STR(got[1].head.key, "id2", "CRLF line is a bare ref");
	TAP_OK(got[2].head.kind == GRYM_PAYLOAD_VECTOR && got[2].rows == 1 &&
	       got[2].data[0] == 1 && got[2].data[1] == -2500, "vector record");
	TAP_OK(json_object_get(got[2].head.meta, "kind") == NULL &&
	       json_array_size(json_object_get(got[2].head.meta, "labels")) == 1,
	       "kind/cols removed from metadata, labels kept");
	uint32_t b1, b2;
	memcpy(&b1, &got[3].data[1], 4);
	memcpy(&b2, &got[3].data[2], 4);
	TAP_OK(got[3].rows == 4 && isinf(got[3].data[0]) && b1 == 0xffc00000u && b2 == 0x7f800001u &&
	       got[3].data[3] == 0.125f, "audio rows: inf, -nan, nan payload, hex float (empty line skipped)");
	TAP_OK(got[4].head.kind == GRYM_PAYLOAD_REF && strcmp(got[4].head.key, "h") == 0,
	       "# line without kind is a reference");
	TAP_EQ_STR(got[5].head.key, "id3", "last bare ref without newline at end");
	free_records(got, n);
}

/* ---- rows across chunks and large payloads ---- */

static void test_chunks(int flags, const char *name)
{
	char path[600];
	grym_error err;
	enum { ROWS = 100000, COLS = 7, VEC = 300000 };
	float *m = malloc((size_t)ROWS * COLS * 4), *v = malloc(VEC * 4);

	for (size_t i = 0; i < (size_t)ROWS * COLS; i++)
		m[i] = (float)(i % 1000) * 0.001f + (float)(i / 1000);
	for (int i = 0; i < VEC; i++)
		v[i] = (float)i;
	snprintf(path, sizeof path, "%s/chunks-%s", dir, name);
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_BINARY, flags, &err);
	int rc = grym_stream_begin(w, "big", NULL, GRYM_PAYLOAD_MATRIX, COLS, &err);
	/* uneven pieces, one bigger than a chunk */
	rc |= grym_stream_write_rows(w, m, 1, &err);
	rc |= grym_stream_write_rows(w, m + COLS, 33333, &err);
	rc |= grym_stream_write_rows(w, m + 33334 * COLS, 50000, &err);
	rc |= grym_stream_write_rows(w, m + 83334 * COLS, ROWS - 83334, &err);
	rc |= grym_stream_end(w, &err);
	grym_record vr = { { "vec300k", NULL, GRYM_PAYLOAD_VECTOR, VEC }, 1, v };
	rc |= grym_stream_write(w, &vr, &err);
	grym_stream_writer_free(w);
	rc |= grym_output_commit(o, &err);
	TAP_EQ_INT(rc, 0, "%s: write 100000 x 7 matrix in uneven pieces and a 300000 vector", name);

	buf b = slurp(path);
	if (!flags)
		TAP_EQ_INT(b.n, 29 + 33 + ((size_t)ROWS * COLS + VEC) * 4 + 13 * (3 + 1 + 2 + 1),
			   "%s: size = headers + data + 7 chunk heads", name);
	grym_input *in = grym_input_from_memory(b.p, b.n, "mem", NULL);
	grym_stream_reader *r = grym_stream_reader_new(in, &err);
	grym_record_head h;
	float *blk = malloc(1000 * COLS * 4);
	uint64_t rows = 0;
	int64_t k;
	int ok = grym_stream_next(r, &h, &err) == 0 && h.cols == COLS;
	while ((k = grym_stream_read_rows(r, blk, 1000, &err)) > 0) {
		ok &= memcmp(blk, m + rows * COLS, (size_t)k * COLS * 4) == 0;
		rows += (uint64_t)k;
	}
	TAP_OK(ok && k == 0 && rows == ROWS, "%s: rows spanning chunks read back in blocks of 1000", name);
	grym_record_head_clear(&h);
	grym_record rec;
	TAP_EQ_INT(grym_stream_read(r, &rec, 0, &err), 0, "%s: read the big vector", name);
	TAP_OK(rec.rows == 1 && rec.head.cols == VEC && memcmp(rec.data, v, VEC * 4) == 0,
	       "%s: 300000-float vector intact", name);
	grym_record_clear(&rec);
	grym_stream_reader_free(r);
	grym_input_free(in);

	/* a limit on whole-record reads */
	in = grym_input_from_memory(b.p, b.n, "mem", NULL);
	r = grym_stream_reader_new(in, &err);
	TAP_EQ_INT(grym_stream_read(r, &rec, 1 << 20, &err), GRYM_ERR_LIMIT,
		   "%s: whole-record read over max_bytes fails: %s", name, err.msg);
	TAP_EQ_INT(grym_stream_read(r, &rec, 0, &err), 0, "%s: and the next record still reads", name);
	TAP_EQ_STR(rec.head.key, "vec300k", "%s: next record is the vector", name);
	grym_record_clear(&rec);
	grym_stream_reader_free(r);
	grym_input_free(in);
	free(b.p);
	free(blk);
	free(m);
	free(v);
}

/* ---- damaged streams ---- */

/* A small binary stream of three records and its record boundaries. */
static buf small_stream(int flags, size_t bounds[4])
{
	grym_record rs[3] = { 0 };
	char path[600];
	float m[6] = { 1, 2, 3, 4, 5, 6 }, v[4] = { 0.5f, 0.25f, 0.125f, 0 };
	rs[0].head.key = "r";
	rs[0].head.meta = J("{\"labels\":[\"a\"]}");
	rs[1].head.key = "m";
	rs[1].head.meta = J("{}");
	rs[1].head.kind = GRYM_PAYLOAD_MATRIX;
	rs[1].head.cols = 2;
	rs[1].rows = 3;
	rs[1].data = m;
	rs[2].head.key = "v";
	rs[2].head.meta = J("{\"n\":1}");
	rs[2].head.kind = GRYM_PAYLOAD_VECTOR;
	rs[2].head.cols = 4;
	rs[2].rows = 1;
	rs[2].data = v;
	bounds[0] = 0;
	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof path, "%s/small%d", dir, i);
		write_file(path, rs, i, GRYM_STREAM_BINARY, flags);
		buf b = slurp(path);
		bounds[i] = b.n;
		if (i < 3)
			free(b.p);
		else {
			for (int k = 0; k < 3; k++)
				json_decref(rs[k].head.meta);
			return b;
		}
	}
	return (buf){ 0, 0 };
}

static void test_truncation(int flags, const char *name)
{
	size_t bounds[4];
	buf b = small_stream(flags, bounds);
	grym_error err;
	int bad = 0;

	for (size_t len = 0; len < b.n; len++) {
		unsigned char *copy = malloc(len ? len : 1);   /* exact size: ASan sees overreads */
		memcpy(copy, b.p, len);
		int complete = len >= bounds[3] ? 3 : len >= bounds[2] ? 2 : len >= bounds[1] ? 1 : 0;
		int boundary = len == bounds[0] || len == bounds[1] || len == bounds[2];
		int n = read_all(copy, len, NULL, 0, &err);
		char want[64];
		snprintf(want, sizeof want, "record %d: ", complete + 1);
		if (boundary ? n != complete
			     : !(n == -1 - complete && strncmp(err.msg, want, strlen(want)) == 0 &&
				 err.code == GRYM_ERR_CORRUPT)) {
			if (bad++ < 5)
				tap_diag("len %zu: n=%d msg=%s", len, n, err.msg);
		}
		free(copy);
	}
	TAP_EQ_INT(bad, 0, "%s: truncation at each of %zu offsets: clean EOF at record boundaries, "
		   "else 'record N: truncated'", name, b.n);
	err.msg[0] = 0;
	read_all(b.p, bounds[1] + 27 + 5, NULL, 0, &err);
	TAP_EQ_STR(err.msg, "record 2: truncated payload", "%s: message for a cut payload", name);
	free(b.p);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* A raw record header with a correct CRC: returns its length. */
static size_t raw_header(unsigned char *out, int kind, const char *key, const char *meta,
			 uint32_t cols)
{
	size_t k = strlen(key), m = strlen(meta), n = 0;
	memcpy(out, "GRYM\x01", 5);
	out[5] = (unsigned char)kind;
	out[6] = out[7] = 0;
	put32(out + 8, (uint32_t)k);
	memcpy(out + 12, key, k);
	n = 12 + k;
	put32(out + n, (uint32_t)m);
	memcpy(out + n + 4, meta, m);
	n += 4 + m;
	put32(out + n, cols);
	n += 4;
	put32(out + n, (uint32_t)crc32(0, out, (uInt)n));
	return n + 4;
}

static int read_err(const void *p, size_t n, grym_error *err)
{
	return read_all(p, n, NULL, 0, err);
}

/* Read a stream in a child limited to 256 MiB of address space: a reader
 * that allocated from a lying length first would fail with "out of
 * memory" instead of the limit error. Returns the error message. (Not
 * under ASan, which needs terabytes of address space for its shadow.) */
static const char *read_small_as(const void *p, size_t n)
{
	static char msg[GRYM_ERROR_MSG_MAX];
	int fds[2];
	if (pipe(fds) < 0)
		return "pipe";
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 256u << 20, 256u << 20 };
		grym_error err;
		close(fds[0]);
		if (!SANITIZED)
			setrlimit(RLIMIT_AS, &rl);
		read_all(p, n, NULL, 0, &err);
		if (write(fds[1], err.msg, strlen(err.msg)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ssize_t k = read(fds[0], msg, sizeof msg - 1);
	msg[k > 0 ? k : 0] = '\0';
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return msg;
}

static void test_damage(void)
{
	size_t bounds[4];
	buf b = small_stream(0, bounds);
	grym_error err;
	unsigned char *c = malloc(b.n);
	size_t chunk1 = bounds[1] + (12 + 1 + 4 + 2 + 8);   /* record 2's first chunk head */

	/* a flipped bit in chunk data */
	memcpy(c, b.p, b.n);
	c[chunk1 + 13 + 5] ^= 0x10;
	TAP_EQ_INT(read_err(c, b.n, &err), -2, "flipped payload bit: fails after record 1");
	TAP_EQ_STR(err.msg, "record 2: chunk 1: checksum mismatch", "checksum message");
	TAP_EQ_INT(err.code, GRYM_ERR_CORRUPT, "checksum error is CORRUPT");

	/* a flipped bit in a header */
	memcpy(c, b.p, b.n);
	c[bounds[1] + 13] ^= 0x01;   /* in the metadata of record 2 */
	TAP_EQ_INT(read_err(c, b.n, &err), -2, "flipped header bit");
	TAP_EQ_STR(err.msg, "record 2: header checksum mismatch", "header checksum message");

	/* a chunk claiming 4 GiB (the most a u32 can claim) */
	memcpy(c, b.p, b.n);
	put32(c + chunk1, 0xffffffffu);
	put32(c + chunk1 + 5, 0xffffffffu);
	TAP_EQ_INT(read_err(c, b.n, &err), -2, "chunk claiming 4 GiB");
	TAP_EQ_STR(err.msg, "record 2: chunk 1: length 4294967295 exceeds 1 MiB", "message: %s", err.msg);
	TAP_EQ_INT(err.code, GRYM_ERR_LIMIT, "lying length is LIMIT");
	TAP_EQ_STR(read_small_as(c, b.n), "record 2: chunk 1: length 4294967295 exceeds 1 MiB",
		   "same in 256 MiB of address space: refused before any allocation");
	/* compressed chunk claiming a huge stored length */
	memcpy(c, b.p, b.n);
	put32(c + chunk1, 0xfffffff0u);
	c[chunk1 + 4] = 1;
	TAP_EQ_INT(read_err(c, b.n, &err), -2, "compressed chunk claiming 4 GiB stored");
	TAP_OK(strstr(err.msg, "compressed length 4294967280 is out of range") != NULL, "message: %s", err.msg);
	/* a raw length not a multiple of 4 */
	memcpy(c, b.p, b.n);
	put32(c + chunk1, 23);
	put32(c + chunk1 + 5, 23);
	TAP_EQ_INT(read_err(c, b.n, &err), -2, "chunk length 23");
	TAP_OK(strstr(err.msg, "not a multiple of 4") != NULL, "message: %s", err.msg);
	free(c);
	free(b.p);

	unsigned char h[2 << 20];
	size_t n;
	/* key length 4 GiB */
	n = raw_header(h, 0, "k", "{}", 0);
	put32(h + 8, 0xffffffffu);
	TAP_EQ_INT(read_err(h, n, &err), -1, "key length 4 GiB");
	TAP_EQ_STR(err.msg, "record 1: key length 4294967295 exceeds 4096", "message");
	TAP_EQ_STR(read_small_as(h, n), "record 1: key length 4294967295 exceeds 4096",
		   "same in 256 MiB of address space");
	/* metadata over 1 MiB: rejected from the length alone */
	n = raw_header(h, 0, "k", "{}", 0);
	put32(h + 13, (1u << 20) + 1);
	TAP_EQ_INT(read_err(h, n, &err), -1, "metadata length 1 MiB + 1");
	TAP_EQ_STR(err.msg, "record 1: metadata of 1048577 bytes exceeds 1 MiB", "message");
	/* metadata that is JSON but not an object */
	n = raw_header(h, 0, "k", "[1,2]", 0);
	memset(h + n, 0, 13);
	TAP_EQ_INT(read_err(h, n + 13, &err), -1, "metadata array");
	TAP_EQ_STR(err.msg, "record 1: metadata is not a JSON object", "message");
	n = raw_header(h, 0, "k", "{\"a\":", 0);
	memset(h + n, 0, 13);
	TAP_EQ_INT(read_err(h, n + 13, &err), -1, "metadata not JSON");
	TAP_OK(strstr(err.msg, "record 1: metadata is not valid JSON") != NULL, "message: %s", err.msg);
	n = raw_header(h, 0, "k", "{\"a\":1,\"a\":2}", 0);
	memset(h + n, 0, 13);
	TAP_EQ_INT(read_err(h, n + 13, &err), -1, "duplicate metadata keys refused");
	n = raw_header(h, 2, "k", "{}", 0);
	memset(h + n, 0, 13);
	TAP_EQ_INT(read_err(h, n + 13, &err), -1, "matrix with 0 columns refused");
	n = raw_header(h, 7, "k", "{}", 1);
	TAP_EQ_INT(read_err(h, n, &err), -1, "unknown kind refused");
	n = raw_header(h, 0, "a\tb", "{}", 0);
	memset(h + n, 0, 13);
	TAP_EQ_INT(read_err(h, n + 13, &err), -1, "key with TAB refused");
	/* a second record with a bad magic */
	n = raw_header(h, 0, "k", "{}", 0);
	memset(h + n, 0, 13);
	memcpy(h + n + 13, "GRYX0000000000000000", 20);
	TAP_EQ_INT(read_err(h, n + 33, &err), -2, "bad magic after a good record");
	TAP_OK(strstr(err.msg, "record 2: bad magic") != NULL, "message: %s", err.msg);
	/* vector payload of the wrong size */
	n = raw_header(h, 3, "v", "{}", 3);
	put32(h + n, 8);
	h[n + 4] = 0;
	put32(h + n + 5, 8);
	memset(h + n + 13, 0, 8);
	put32(h + n + 9, (uint32_t)crc32(0, h + n + 13, 8));
	memset(h + n + 21, 0, 13);
	TAP_EQ_INT(read_err(h, n + 34, &err), -1, "vector of 2 floats with 3 cols");
	TAP_OK(strstr(err.msg, "record 1: vector payload of 8 bytes, expected 12") != NULL, "message: %s", err.msg);
	/* matrix payload not whole rows */
	h[5] = 2;
	put32(h + n - 4, (uint32_t)crc32(0, h, (uInt)(n - 4)));
	TAP_EQ_INT(read_err(h, n + 34, &err), -1, "matrix payload of 2 floats with 3 cols");
	TAP_OK(strstr(err.msg, "not a whole number of rows of 3 columns") != NULL, "message: %s", err.msg);

	/* billions of columns: nothing is allocated until rows arrive */
	n = raw_header(h, 2, "wide", "{}", 0xffffffffu);
	memset(h + n, 0, 13);
	TAP_EQ_STR(read_small_as(h, n + 13), "end of input", "binary matrix of 2^32-1 columns and no rows reads to the end");
	{
		const char *t = "#w\t{\"kind\":\"matrix\",\"cols\":4294967295}\nw\t1\t2\n";
		TAP_EQ_STR(read_small_as(t, strlen(t)), "record 1: line 2: 2 values, expected 4294967295",
			   "text row for 2^32-1 columns: a width error, not a 16 GiB allocation");
	}

	/* a sticky failure: later calls repeat it */
	n = raw_header(h, 0, "k", "[]", 0);
	grym_input *in = grym_input_from_memory(h, n, "mem", NULL);
	grym_stream_reader *r = grym_stream_reader_new(in, &err);
	grym_record_head hd;
	/* the first call fails (a bad header); the check is that the next repeats it */
	(void)!grym_stream_next(r, &hd, &err);
	TAP_EQ_INT(grym_stream_next(r, &hd, &err), GRYM_ERR_FORMAT, "failure is sticky");
	TAP_EQ_STR(err.msg, "record 1: metadata is not a JSON object", "same message again");
	grym_stream_reader_free(r);
	grym_input_free(in);

	/* audio and other binary: not a stream */
	in = grym_input_from_memory("RIFF\x24\0\0\0WAVEfmt ", 16, "mem", NULL);
	TAP_OK(grym_stream_reader_new(in, &err) == NULL && err.code == GRYM_ERR_FORMAT,
	       "a WAV is not a stream: %s", err.msg);
	grym_input_free(in);
}

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void test_random(void)
{
	grym_error err;
	int crashes_avoided = 0, eofs = 0;
	size_t bounds[4];
	buf good = small_stream(GRYM_STREAM_COMPRESS, bounds);

	/* pure noise, half of it behind the magic */
	for (int i = 0; i < 2000; i++) {
		size_t n = rnd() % 600;
		unsigned char *p = malloc(n + 4);
		for (size_t k = 0; k < n; k++)
			p[k] = (unsigned char)rnd();
		if (i % 2 && n >= 6)
			memcpy(p, "GRYM\x01", 5);
		int rc = read_all(p, n, NULL, 0, &err);
		if (rc < 0)
			crashes_avoided += err.msg[0] != '\0';
		else
			eofs++;
		free(p);
	}
	TAP_EQ_INT(crashes_avoided + eofs, 2000, "2000 random inputs: each a clean error or a clean end");
	/* mutations of a valid stream */
	int ok = 0;
	for (int i = 0; i < 3000; i++) {
		unsigned char *p = malloc(good.n);
		memcpy(p, good.p, good.n);
		int flips = 1 + (int)(rnd() % 4);
		for (int f = 0; f < flips; f++)
			p[rnd() % good.n] ^= (unsigned char)(1u << (rnd() % 8));
		int rc = read_all(p, good.n, NULL, 0, &err);
		ok += rc == 3 || (rc < 0 && strncmp(err.msg, "record ", 7) == 0) ||
		      (rc == -1 && err.msg[0]);
		free(p);
	}
	TAP_EQ_INT(ok, 3000, "3000 bit-flipped streams: intact or an error naming the record");
	free(good.p);
}

static void test_text_errors(void)
{
	grym_error err;
	const char *s = "#m\t{\"kind\":\"matrix\",\"cols\":3}\nm\t1\t2\t3\nm\t1\t2\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "row of the wrong width");
	TAP_EQ_STR(err.msg, "record 1: line 3: 2 values, expected 3", "message names the line");
	s = "x\n#m\t{\"kind\":\"matrix\",\"cols\":2}\nm\t1\t2\t3\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -2, "row too wide");
	TAP_EQ_STR(err.msg, "record 2: line 3: 3 values, expected 2", "message");
	s = "#m\t{\"kind\":\"matrix\",\"cols\":2}\nm\t1\tabc\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "bad number");
	TAP_EQ_STR(err.msg, "record 1: line 2: bad number 'abc'", "message");
	s = "#m\t{\"kind\":\"matrix\",\"cols\":2}\nm\t1\t\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "empty field");
	s = "#m\t{\"kind\":\"vector\",\"cols\":2}\n#n\t{}\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "vector without its row");
	TAP_EQ_STR(err.msg, "record 1: vector without its row", "message");
	s = "#m\t[1]\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "text metadata not an object");
	TAP_EQ_STR(err.msg, "record 1: line 1: metadata is not a JSON object", "message");
	s = "#m\t{\"kind\":\"matrix\"}\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "matrix without cols");
	s = "#m\t{\"kind\":\"blob\",\"cols\":1}\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "unknown kind");
	s = "#m {}\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -1, "# line without TAB");
	s = "ok\n\tnokey\n";
	TAP_EQ_INT(read_err(s, strlen(s), &err), -2, "line with an empty key");
	TAP_OK(strstr(err.msg, "record 2: line 2") != NULL, "message: %s", err.msg);
	s = "ok\nnul\0here\n";
	TAP_EQ_INT(read_err(s, 14, &err), -1, "NUL byte in the first 4 KiB: not text, not a stream");
	{
		char t[5000];
		for (int i = 0; i < 1500; i++)
			memcpy(t + 3 * i, "id\n", 3);
		memcpy(t + 4500, "a\0b\n", 4);
		TAP_EQ_INT(read_err(t, 4504, &err), -1501, "NUL byte after 4 KiB of text");
		TAP_EQ_STR(err.msg, "record 1501: line 1501: NUL byte in a text stream", "message");
	}

	/* a 65 MiB line is refused, not swallowed */
	size_t big = (size_t)65 << 20;
	char *p = malloc(big + 1);
	memset(p, 'a', big);
	p[big] = '\n';
	TAP_EQ_INT(read_err(p, big + 1, &err), -1, "65 MiB line refused");
	TAP_OK(strstr(err.msg, "longer than 64 MiB") != NULL, "message: %s", err.msg);
	free(p);

	/* a key over 4096 */
	p = malloc(5000);
	memset(p, 'k', 4999);
	p[4999] = '\n';
	TAP_EQ_INT(read_err(p, 5000, &err), -1, "bare key of 4999 bytes refused");
	free(p);
}

static void test_writer_errors(void)
{
	grym_error err;
	char path[600];
	snprintf(path, sizeof path, "%s/werr", dir);
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_BINARY, 0, &err);
	float x[4] = { 0 };
	json_t *m = J("{\"kind\":\"x\"}");

	TAP_EQ_INT(grym_stream_begin(w, "a\tb", NULL, GRYM_PAYLOAD_MATRIX, 2, &err), GRYM_ERR_FORMAT, "key with TAB");
	TAP_EQ_INT(grym_stream_begin(w, "#a", NULL, GRYM_PAYLOAD_MATRIX, 2, &err), GRYM_ERR_FORMAT, "key starting with #");
	TAP_EQ_INT(grym_stream_begin(w, "", NULL, GRYM_PAYLOAD_MATRIX, 2, &err), GRYM_ERR_FORMAT, "empty key");
	TAP_EQ_INT(grym_stream_begin(w, "a", NULL, GRYM_PAYLOAD_MATRIX, 0, &err), GRYM_ERR_INVALID, "matrix with 0 cols");
	TAP_EQ_INT(grym_stream_begin(w, "a", m, GRYM_PAYLOAD_MATRIX, 2, &err), GRYM_ERR_INVALID, "reserved key kind");
	json_decref(m);
	/* metadata over 1 MiB */
	char *s = malloc((1 << 20) + 100);
	memset(s, 'x', (1 << 20) + 10);
	s[(1 << 20) + 10] = 0;
	m = json_pack("{ss}", "path", s);
	TAP_EQ_INT(grym_stream_begin(w, "a", m, GRYM_PAYLOAD_REF, 0, &err), GRYM_ERR_LIMIT, "metadata over 1 MiB refused");
	json_decref(m);
	free(s);
	TAP_EQ_INT(grym_stream_begin(w, "v", NULL, GRYM_PAYLOAD_VECTOR, 2, &err), 0, "begin vector");
	TAP_EQ_INT(grym_stream_write_rows(w, x, 2, &err), GRYM_ERR_INVALID, "two rows for a vector refused");
	TAP_EQ_INT(grym_stream_begin(w, "w", NULL, GRYM_PAYLOAD_VECTOR, 2, &err), GRYM_ERR_INVALID, "begin inside a record");
	TAP_EQ_INT(grym_stream_end(w, &err), GRYM_ERR_INVALID, "vector without a row");
	TAP_EQ_INT(grym_stream_end(w, &err), GRYM_ERR_INVALID, "end outside a record");
	TAP_EQ_INT(grym_stream_write_ref(w, "r", NULL, &err), 0, "ref after errors");
	grym_stream_writer_free(w);
	grym_output_abort(o);
}

/* File names that are not UTF-8: keys must be UTF-8 in both forms (the
 * text form is UTF-8 and says what the binary form says), and a path
 * travels as "path" (U+FFFD) + "path_b64", so binary -> text -> binary
 * gives the same record and the exact bytes back. */
static void test_names(void)
{
	grym_error err;
	char path[600], tpath[600];
	grym_record rec, got[2];
	unsigned char raw[256];

	snprintf(path, sizeof path, "%s/names", dir);
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_TEXT, 0, &err);
	TAP_EQ_INT(grym_stream_write_ref(w, "bad\xff", NULL, &err), GRYM_ERR_FORMAT, "text: a key that is not UTF-8 is refused");
	TAP_EQ_STR(err.msg, "key is not UTF-8", "...saying so");
	grym_stream_writer_free(w);
	grym_output_abort(o);
	o = grym_output_open(path, &err);
	w = grym_stream_writer_new(o, GRYM_STREAM_BINARY, 0, &err);
	TAP_EQ_INT(grym_stream_write_ref(w, "bad\xff", NULL, &err), GRYM_ERR_FORMAT, "binary: a key that is not UTF-8 is refused");
	grym_stream_writer_free(w);
	grym_output_abort(o);
	size_t n = raw_header(raw, 0, "bad\xff", "{}", 0);
	memset(raw + n, 0, 13);
	TAP_EQ_INT(read_err(raw, n + 13, &err), -1, "a binary record with a key that is not UTF-8 is refused");
	TAP_EQ_STR(err.msg, "record 1: bad key: key is not UTF-8", "...naming the record");

	memset(&rec, 0, sizeof rec);
	rec.head.key = "bad\xef\xbf\xbd";
	rec.head.meta = json_object();
	rec.head.kind = GRYM_PAYLOAD_VECTOR;
	rec.head.cols = 2;
	rec.rows = 1;
	float v[2] = { 1.5f, -2 };
	rec.data = v;
	TAP_SETUP(grym_json_set_path(rec.head.meta, "path", "d/bad\xff\xfe\tx\n.wav", &err));
	TAP_OK(write_file(path, &rec, 1, GRYM_STREAM_BINARY, 0) == 0, "binary record with path_b64 written");
	buf b = slurp(path);
	TAP_EQ_INT(read_all(b.p, b.n, got, 1, &err), 1, "read back");
	snprintf(tpath, sizeof tpath, "%s/names.txt", dir);
	TAP_OK(write_file(tpath, &got[0], 1, GRYM_STREAM_TEXT, 0) == 0, "written as text");
	buf t = slurp(tpath);
	TAP_OK(grym_utf8_valid((const char *)t.p, t.n), "the text form is UTF-8");
	size_t lines = 0;
	for (size_t i = 0; i < t.n; i++)
		lines += t.p[i] == '\n';
	TAP_EQ_INT(lines, 2, "two lines: the path's TAB and newline are escaped in the JSON");
	grym_record_clear(&got[0]);
	TAP_EQ_INT(read_all(t.p, t.n, got, 1, &err), 1, "the text form reads back");
	TAP_OK(same_record(&rec, &got[0], "text round trip"), "text gives back the same record");
	char *exact = NULL;
	TAP_SETUP(grym_json_get_path(got[0].head.meta, "path", &exact, &err));
	TAP_OK(exact && strcmp(exact, "d/bad\xff\xfe\tx\n.wav") == 0, "and the exact bytes of the path");
	free(exact);
	grym_record_clear(&got[0]);
	json_decref(rec.head.meta);
	free(b.p);
	free(t.p);
}

/* The text writer's own %.9g must print exactly what printf prints. */
static void test_format(void)
{
	char a[64], b[64];
	int bad = 0, n = 0;
	uint64_t st = 12345;
	const float edge[] = { 1, -1, 0.1f, 1e-45f, 1.17549435e-38f, 3.40282347e38f, 1e9f, 999999999.0f,
			       999999940.0f, 1e8f, 123456789.0f, 0.0001f, 0.00001f, 1e-5f, 9.99999975e-5f,
			       6.10351562e-05f, 100000000.0f, 0.5f, 2.5f, 16777216.0f, 1e38f, 1e-38f };
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		grym__format_float(a, edge[i]);
		snprintf(b, sizeof b, "%.9g", (double)edge[i]);
		if (strcmp(a, b) && bad++ < 5)
			tap_diag("%s vs printf %s", a, b);
		n++;
	}
	/* random bit patterns, every exponent */
	for (int i = 0; i < 300000; i++) {
		uint32_t u;
		float f;
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		u = (uint32_t)st;
		memcpy(&f, &u, 4);
		if (isnan(f))
			continue;
		grym__format_float(a, f);
		snprintf(b, sizeof b, "%.9g", (double)f);
		if (strcmp(a, b) && bad++ < 5)
			tap_diag("%08x: %s vs printf %s", u, a, b);
		n++;
	}
	TAP_EQ_INT(bad, 0, "number formatting equals printf %%.9g on %d floats", n);
}

int main(void)
{
	tap_plan(151);
	dir = tap_tmpdir();
	test_format();
	test_round_trip(GRYM_STREAM_BINARY, 0, "binary");
	test_round_trip(GRYM_STREAM_BINARY, GRYM_STREAM_COMPRESS, "binary+zlib");
	test_round_trip(GRYM_STREAM_TEXT, 0, "text");
	test_cross_form();
	test_text_exact();
	test_text_reading();
	test_chunks(0, "raw");
	test_chunks(GRYM_STREAM_COMPRESS, "zlib");
	test_truncation(0, "raw");
	test_truncation(GRYM_STREAM_COMPRESS, "zlib");
	test_damage();
	test_random();
	test_text_errors();
	test_writer_errors();
	test_names();
	return tap_done();
}
