/*
 * fuzz_stream.c — libFuzzer target for the grym record reader (binary and
 * text, chosen by the first bytes as in every program): read every record
 * until the end or an error, payloads in blocks or whole, free everything.
 * Must never crash, leak, or allocate beyond the documented limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "grym/stream.h"

#define MAX_COLS 65536
#define BLOCK_ROWS 7

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(data, size, "fuzz", &err);
	grym_stream_reader *r;
	float *buf = NULL;
	int whole = size % 3 == 0;      /* exercise both read paths */
	uint64_t last_limit = 0;

	if (!in)
		return 0;
	r = grym_stream_reader_new(in, &err);
	if (!r) {
		grym_input_free(in);
		return 0;
	}
	for (int n = 0; n < 100000; n++) {
		if (whole) {
			grym_record rec;
			if (grym_stream_read(r, &rec, 1 << 24, &err) < 0) {
				/* over max_bytes: the next record may still read;
				 * a sticky failure repeats with the same number */
				uint64_t at = grym_stream_record_number(r);
				if (err.code == GRYM_ERR_LIMIT && at != last_limit) {
					last_limit = at;
					continue;
				}
				break;
			}
			grym_record_clear(&rec);
			continue;
		}
		grym_record_head h;
		if (grym_stream_next(r, &h, &err) < 0)
			break;
		if (h.cols > 0 && h.cols <= MAX_COLS && size % 3 == 1) {
			buf = realloc(buf, (size_t)h.cols * BLOCK_ROWS * sizeof(float));
			while (buf && grym_stream_read_rows(r, buf, BLOCK_ROWS, &err) > 0)
				;
		}
		/* otherwise the payload is skipped by the next call */
		grym_record_head_clear(&h);
	}
	free(buf);
	grym_stream_reader_free(r);
	grym_input_free(in);
	return 0;
}
