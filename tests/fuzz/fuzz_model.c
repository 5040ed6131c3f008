/*
 * fuzz_model.c — libFuzzer target for the grym-model(5) loader
 * (grym_model_load): any bytes must give a model or a clean error, never
 * a crash, a leak, or an allocation the data does not back.
 *
 * A model file ends with the SHA-256 of everything before it, so random
 * mutations would almost all stop at the checksum. Inputs are therefore
 * loaded twice: as given (the checksum path itself), and with the last
 * 32 bytes replaced by the right checksum, so the fuzzer reaches the
 * header JSON, the array table and the per-type shape checks. A model
 * that loads is then asked for a prediction on a row of ones and saved
 * again, as grym-infer would use it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "grym/hash.h"
#include "grym/ml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(grym_model *m)
{
	size_t d = grym_model_dims(m), k = grym_model_nclasses(m);
	float *x = malloc(d * sizeof *x), *p = malloc(k * sizeof *p);
	unsigned char *buf = NULL;
	size_t len = 0;
	grym_error err;
	int pred;

	for (size_t i = 0; x && i < d; i++)
		x[i] = 1.0f;
	if (x && p)
		grym_model_predict(m, x, 1, p, &pred, &err);
	free(x);
	free(p);
	if (grym_model_save(m, &buf, &len, &err) == GRYM_OK) {
		grym_model *m2 = NULL;
		/* what was saved must load again */
		if (!(m2 = grym_model_load(buf, len, &err)))
			abort();
		grym_model_free(m2);
	}
	free(buf);
}

static void load(const uint8_t *data, size_t size)
{
	grym_model *m = NULL;
	grym_error err;

	grym_error_clear(&err);
	if ((m = grym_model_load(data, size, &err))) {
		use(m);
		grym_model_free(m);
	} else if (err.code >= 0 || err.msg[0] == '\0') {
		abort();        /* a failure says its status and names the problem */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size);
	if (size >= 48) {
		uint8_t *copy = malloc(size);
		char hex[GRYM_ID_LEN + 1];
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		grym_sha256_hex(copy, size - 32, hex);
		for (int i = 0; i < 32; i++) {
			unsigned v = 0;
			for (int j = 0; j < 2; j++) {
				char c = hex[2 * i + j];
				v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
			}
			copy[size - 32 + i] = (uint8_t)v;
		}
		if (memcmp(copy, data, size) != 0)
			load(copy, size);
		free(copy);
	}
	return 0;
}
