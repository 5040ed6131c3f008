/*
 * fuzz_json_meta.c — libFuzzer target for the metadata of records: text
 * records whose JSON may be long, deep, full of escapes or odd numbers
 * (the seeds), read whole; every record read is then written again —
 * binary on even sizes, text on odd ones — and read back, and must come
 * back the same (key, kind, columns, rows, metadata, payload bits; NaN
 * only as NaN), since grym-stream(5) promises nothing is lost between the
 * two forms. Never a crash, a leak, or a record the writer refuses after
 * the reader accepted it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "grym/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

static int same_floats(const float *a, const float *b, uint64_t n, int text)
{
	for (uint64_t i = 0; i < n; i++) {
		if (isnan(a[i]) || isnan(b[i])) {
			if (!isnan(a[i]) || !isnan(b[i]))
				return 0;
		} else if (text ? a[i] != b[i] || signbit(a[i]) != signbit(b[i])
				: memcmp(&a[i], &b[i], sizeof a[i]) != 0) {
			return 0;
		}
	}
	return 1;
}

/* Write rec to the file in the given form, read it back, compare. */
static void round_trip(const grym_record *rec, int form)
{
	grym_error err;
	grym_output *out = grym_output_open(file, &err);
	grym_stream_writer *w;
	unsigned char *buf;
	size_t n;
	FILE *f;

	if (!out)
		abort();
	w = grym_stream_writer_new(out, form, form == GRYM_STREAM_BINARY ? GRYM_STREAM_COMPRESS : 0,
				   &err);
	if (!w)
		abort();
	if (grym_stream_write(w, rec, &err) != GRYM_OK) {
		fprintf(stderr, "writer refused a record the reader accepted: %s\n", err.msg);
		abort();
	}
	grym_stream_writer_free(w);
	if (grym_output_commit(out, &err) != GRYM_OK)
		abort();

	f = fopen(file, "rb");
	if (!f)
		abort();
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	rewind(f);
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != n)
		abort();
	fclose(f);

	grym_input *in = grym_input_from_memory(buf, n, "again", &err);
	grym_stream_reader *r = in ? grym_stream_reader_new(in, &err) : NULL;
	grym_record back;
	if (!r || grym_stream_read(r, &back, 0, &err) != GRYM_OK) {
		fprintf(stderr, "written record does not read back: %s\n", err.msg);
		abort();
	}
	if (strcmp(back.head.key, rec->head.key) != 0 || back.head.kind != rec->head.kind ||
	    back.head.cols != rec->head.cols || back.rows != rec->rows ||
	    !json_equal(back.head.meta, rec->head.meta) ||
	    !same_floats(back.data, rec->data, back.rows * back.head.cols, form == GRYM_STREAM_TEXT)) {
		fprintf(stderr, "record %s changed in a %s round trip\n", rec->head.key,
			form ? "text" : "binary");
		abort();
	}
	grym_record_clear(&back);
	if (grym_stream_read(r, &back, 0, &err) != GRYM_ERR_EOF)
		abort();
	grym_stream_reader_free(r);
	grym_input_free(in);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in;
	grym_stream_reader *r;
	grym_record rec;

	if (!dir[0]) {
		strcpy(dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/grym-fuzz-meta.XXXXXX"
							   : "/tmp/grym-fuzz-meta.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof file, "%s/records", dir);
		atexit(cleanup);
	}
	in = grym_input_from_memory(data, size, "fuzz", &err);
	if (!in)
		return 0;
	r = grym_stream_reader_new(in, &err);
	for (int i = 0; r && i < 64; i++) {
		int rc = grym_stream_read(r, &rec, 1 << 22, &err);
		if (rc == GRYM_ERR_LIMIT)
			continue;
		if (rc != GRYM_OK)
			break;
		round_trip(&rec, size % 2 ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY);
		grym_record_clear(&rec);
	}
	grym_stream_reader_free(r);
	grym_input_free(in);
	return 0;
}
