/*
 * normalize_record.c — an audio record normalized in place
 * (grym/stage_normalize.h): its payload through temporary float32 WAV
 * files, never whole in memory.
 */
#include "grym/stage_normalize.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 4096

/* Write the rest of r's payload as a float32 WAV into a new unnamed
 * temporary (grym_output_open_tmp: path receives its name, ended by
 * grym_tmp_release), so a kill leaves nothing in tmpdir. */
static int payload_to_wav(grym_stream_reader *r, int rate, int ch, const char *tmpdir,
			  const volatile sig_atomic_t *cancel, char *path, size_t len,
			  grym_error *err)
{
	grym_output *out = grym_output_open_tmp(tmpdir, "grym-rec", path, len, err);
	grym_encoder *e = NULL;
	float *buf = malloc(sizeof(float) * BLOCK * (size_t)ch);
	int rc = GRYM_OK;

	if (!out || !buf) {
		rc = out ? grym_error_set(err, GRYM_ERR_NOMEM, "out of memory") : (err ? err->code : GRYM_ERR_IO);
		goto done;
	}
	e = grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_F32, rate, ch, 0, 0, err);
	if (!e) {
		rc = err ? err->code : GRYM_ERR_IO;
		goto done;
	}
	for (;;) {
		int64_t n = grym_stream_read_rows(r, buf, BLOCK, err);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (grym_cancelled(cancel)) {
			rc = grym_error_cancelled(err);
			break;
		}
		if ((rc = grym_encoder_write(e, buf, n, err)) != GRYM_OK)
			break;
	}
	{
		int crc = grym_encoder_close(e, rc == GRYM_OK ? err : NULL);
		if (rc == GRYM_OK)
			rc = crc;
	}
	if (rc == GRYM_OK) {
		rc = grym_output_commit(out, err);
		out = NULL;
	}
done:
	if (out)
		grym_output_abort(out);
	free(buf);
	return rc;
}

int grym_normalize_record(grym_stream_reader *r, const grym_record_head *h,
			  const grym_normalize_opts *o, const json_t *recipe,
			  grym_stream_writer *w, grym_normalize_report *rep,
			  grym_error *err)
{
	grym_normalize_opts o2 = *o;
	grym_progress_span span = { o->progress, o->progress_ud, 0.1, 0.9, "" };
	grym_ticker tick;
	char in[4096] = "", res[4096] = "";
	const json_t *jr = json_object_get(h->meta, "rate");
	int rate = json_is_integer(jr) ? (int)json_integer_value(jr) : 0;
	int ch = (int)h->cols, rc;
	grym_output *out = NULL;
	grym_decoder *d = NULL;
	json_t *meta = NULL, *pl;
	float *buf = NULL;

	memset(rep, 0, sizeof *rep);
	if (h->kind != GRYM_PAYLOAD_AUDIO)
		return grym_error_set(err, GRYM_ERR_INVALID, "not an audio record");
	if (rate < GRYM_LOUDNESS_RATE_MIN || rate > GRYM_LOUDNESS_RATE_MAX)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "audio record without a supported \"rate\" (%d Hz)", rate);
	if (ch < 1 || ch > GRYM_LOUDNESS_CHANNELS_MAX)
		return grym_error_set(err, GRYM_ERR_FORMAT, "audio record with %d channels", ch);
	o2.bits = 32;
	o2.type = GRYM_FILE_WAV;
	/* progress: the payload read in (its length is not known ahead),
	 * then normalizing it, then writing the record out */
	if (o->progress) {
		o2.progress = grym_progress_span_fn;
		o2.progress_ud = &span;
	}
	grym_ticker_init(&tick, o->cancel, o->progress, o->progress_ud);
	grym_ticker_report(&tick, 0.0, "reading the record");
	if ((rc = payload_to_wav(r, rate, ch, o->tmpdir, o->cancel, in, sizeof in, err)) != GRYM_OK)
		goto done;
	if (!(out = grym_output_open_tmp(o->tmpdir, "grym-rec", res, sizeof res, err))) {
		rc = err ? err->code : GRYM_ERR_IO;
		goto done;
	}
	rc = grym_normalize_file(in, &o2, out, rep, err);
	if (rc != GRYM_OK || rep->skipped) {
		grym_output_abort(out);
		goto done;
	}
	if ((rc = grym_output_commit(out, err)) != GRYM_OK)
		goto done;
	meta = json_deep_copy(h->meta);
	buf = malloc(sizeof(float) * BLOCK * (size_t)rep->channels);
	if (!meta || !buf) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	json_object_set_new(meta, "rate", json_integer(rep->rate));
	json_object_set_new(meta, "channels", json_integer(rep->channels));
	json_object_set_new(meta, "frames", json_integer(rep->frames_out));
	json_object_set_new(meta, "duration", json_real((double)rep->frames_out / rep->rate));
	pl = json_object_get(meta, "pipeline");
	if (!json_is_array(pl)) {
		pl = json_array();
		json_object_set_new(meta, "pipeline", pl);
	}
	json_array_append_new(pl, grym_normalize_recipe_entry(recipe, rep->in.short_clip &&
							      o->mode == GRYM_GAIN_LUFS));
	{
		grym_decode_opts dopts;
		memset(&dopts, 0, sizeof dopts);
		dopts.cancel = o->cancel;
		if (!(d = grym_decoder_open(res, &dopts, err))) {
			rc = err ? err->code : GRYM_ERR_FORMAT;
			goto done;
		}
	}
	if ((rc = grym_stream_begin(w, h->key, meta, GRYM_PAYLOAD_AUDIO,
				    (uint32_t)rep->channels, err)) != GRYM_OK)
		goto done;
	for (;;) {
		int64_t n = grym_decoder_read(d, buf, BLOCK, err);
		if (n < 0) {
			rc = (int)n;
			goto done;
		}
		if (n == 0)
			break;
		if ((rc = grym_stream_write_rows(w, buf, (uint64_t)n, err)) != GRYM_OK)
			goto done;
		if (grym_ticker_due(&tick)) {
			double f = grym_decoder_progress(d, NULL);
			grym_ticker_report(&tick, 0.9 + 0.1 * (f > 0 ? f : 0), "writing the record");
		}
	}
	rc = grym_stream_end(w, err);
	grym_ticker_report(&tick, 1.0, "done");
done:
	grym_decoder_close(d);
	json_decref(meta);
	free(buf);
	grym_tmp_release(in);
	grym_tmp_release(res);
	return rc;
}
