/*
 * fuzz_train_tsv.c — libFuzzer target for the feature tables grym-train
 * reads with --tsv (grym_dataset_read_tsv): a header row naming label,
 * group, key and split columns, then numeric rows. Any bytes must give a
 * dataset or a clean error naming the line, never a crash or a leak.
 * The size of the input picks the options (--target, --group-by, labels
 * required), so every column role is reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include "grym/io.h"
#include "grym/ml.h"
#include "grym/stage_train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(data, size, "table.tsv", &err);
	grym_ml_read_opts o = { 0 };
	grym_dataset *ds = NULL;

	if (!in)
		return 0;
	if (size % 3 == 1)
		o.target = "speaker";
	if (size % 4 >= 2)
		o.group_by = "speaker";
	o.need_labels = size % 5 == 0;
	grym_error_clear(&err);
	if (grym_dataset_read_tsv(in, &o, &ds, &err) == GRYM_OK) {
		if (ds)
			grym_dataset_finish(ds, &err);
	} else if (err.msg[0] == '\0') {
		abort();        /* a failure names the problem */
	}
	grym_dataset_free(ds);
	grym_input_free(in);
	return 0;
}
