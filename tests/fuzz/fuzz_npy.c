/*
 * fuzz_npy.c — libFuzzer target for the .npy reader: any bytes must give
 * an array or a clean error, never a crash, a leak, or an allocation the
 * data does not back.
 */
#include <stdint.h>
#include <stdlib.h>
#include "grym/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(data, size, "fuzz", &err);
	float *d = NULL;
	int ndim;
	uint64_t shape[2];

	if (!in)
		return 0;
	if (grym_npy_read(in, &d, &ndim, shape, &err) == 0)
		free(d);
	grym_input_free(in);
	return 0;
}
