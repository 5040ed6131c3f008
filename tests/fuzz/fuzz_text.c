/*
 * fuzz_text.c — libFuzzer target for the text form of grym records, input
 * detection and line reading: the seed corpus is text streams, catalog
 * listings and id lists. Every reader detects its form, so the record
 * loop is the one programs run; rows are read one at a time (the hardest
 * case for the look-ahead that ends a text payload) or whole records. Must never crash,
 * leak, or allocate beyond the documented limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "grym/stream.h"

#define MAX_COLS 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in;
	grym_stream_reader *r;
	grym_input_kind kind;
	float *buf = NULL;
	char *line = NULL;
	size_t cap = 0;

	/* lines with a small limit */
	in = grym_input_from_memory(data, size, "fuzz", &err);
	if (!in)
		return 0;
	grym_input_detect(in, &kind, &err);
	while (grym_input_getline(in, &line, &cap, 100, &err) >= 0)
		;
	free(line);
	grym_input_free(in);

	in = grym_input_from_memory(data, size, "fuzz", &err);
	if (!in)
		return 0;
	r = grym_stream_reader_new(in, &err);
	if (!r) {
		grym_input_free(in);
		return 0;
	}
	for (int n = 0; n < 100000; n++) {
		grym_record_head h;
		if (size % 2) {
			/* whole records, as grym-train reads them */
			grym_record rec;
			if (grym_stream_read(r, &rec, 1 << 24, &err) < 0)
				break;
			grym_record_clear(&rec);
			continue;
		}
		if (grym_stream_next(r, &h, &err) < 0)
			break;
		if (h.cols > 0 && h.cols <= MAX_COLS) {
			float *p = realloc(buf, (size_t)h.cols * sizeof(float));
			if (p) {
				buf = p;
				while (grym_stream_read_rows(r, buf, 1, &err) > 0)
					;
			}
		}
		grym_record_head_clear(&h);
	}
	free(buf);
	grym_stream_reader_free(r);
	grym_input_free(in);
	return 0;
}
