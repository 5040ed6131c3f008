/*
 * fuzz_wav_pipe.c — libFuzzer target for what a program's stdin may hold,
 * read the way the programs read it: grym_input_detect chooses between
 * audio, binary records and text. Audio is spooled to a file and decoded
 * to the end (FFmpeg probes, grym's truncation checks, resampling to
 * 16 kHz mono on odd sizes); records go through grym_stream_reader_new
 * into grym_dataset_read_records, the path grym-train takes (labels,
 * groups, splits and dimensions from the metadata). Any bytes must end in
 * data or a clean error, never a crash, a leak, or unbounded memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "grym/audio.h"
#include "grym/ml.h"
#include "grym/stage_train.h"
#include "grym/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

static void decode(const uint8_t *data, size_t size)
{
	grym_decode_opts o = { 0 };
	grym_decoder *d;
	grym_error err;
	float buf[4096];
	FILE *f;

	if (!dir[0]) {
		strcpy(dir, "/tmp/grym-fuzz-wav.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof file, "%s/stdin", dir);
		atexit(cleanup);
	}
	f = fopen(file, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (size % 2) {
		o.rate = 16000;
		o.channels = 1;
	}
	o.accept_truncated = size % 4 == 3;
	grym_error_clear(&err);
	d = grym_decoder_open(file, &o, &err);
	if (!d) {
		if (err.msg[0] == '\0')
			abort();
		return;
	}
	if (grym_decoder_channels(d) < 1 || grym_decoder_rate(d) < 1)
		abort();
	/* at most ~1.5 M frames: a header may claim hours of silence */
	for (int i = 0; i < 400; i++) {
		int64_t n = grym_decoder_read(d, buf, 4096 / grym_decoder_channels(d), &err);
		if (n <= 0)
			break;
	}
	grym_decoder_close(d);
}

static void records(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(data, size, "stdin", &err);
	grym_ml_read_opts o = { 0 };
	grym_dataset *ds = NULL;
	json_t *pipeline = NULL;
	grym_stream_reader *r;

	if (!in)
		return;
	r = grym_stream_reader_new(in, &err);
	if (r) {
		if (size % 3 == 1) {
			o.target = "speaker";
			o.group_by = "split";
		}
		o.need_labels = size % 5 == 0;
		if (grym_dataset_read_records(r, &o, &ds, &pipeline, &err) == GRYM_OK && ds)
			grym_dataset_finish(ds, &err);
		grym_dataset_free(ds);
		json_decref(pipeline);
		grym_stream_reader_free(r);
	}
	grym_input_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(data, size, "stdin", &err);
	grym_input_kind kind;

	if (!in)
		return 0;
	if (grym_input_detect(in, &kind, &err) != GRYM_OK) {
		grym_input_free(in);
		return 0;
	}
	grym_input_free(in);
	if (kind == GRYM_INPUT_AUDIO)
		decode(data, size);
	else if (kind != GRYM_INPUT_EMPTY)
		records(data, size);
	return 0;
}
