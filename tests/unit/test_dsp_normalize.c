/*
 * test_dsp_normalize.c — the normalization stage as a library call:
 * defaults, option checks, the recipe that names derived assets, spooling
 * a stream, and a whole normalization of a file written here, read back
 * with the decoder and measured.
 */
#include "grym/dsp.h"
#include "grym/grym.h"
#include "tap.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void defaults_and_checks(void)
{
	grym_normalize_opts o;
	grym_error err;

	grym_normalize_opts_init(&o);
	TAP_EQ_INT(o.mode, GRYM_GAIN_LUFS, "default mode: LUFS");
	TAP_NEAR(o.target, -23.0, 0, "default target -23 LUFS");
	TAP_NEAR(o.true_peak, -1.0, 0, "default true-peak ceiling -1 dBTP");
	TAP_OK(isnan(o.trim_db), "no trimming by default");
	TAP_EQ_INT(grym_normalize_opts_check(&o, &err), GRYM_OK, "defaults are valid");
	TAP_EQ_INT(grym_normalize_two_pass(&o), 1, "LUFS needs two passes");
	o.mode = GRYM_GAIN_FIXED;
	TAP_EQ_INT(grym_normalize_two_pass(&o), 0, "a fixed gain alone does not");
	o.fade_out = 1;
	TAP_EQ_INT(grym_normalize_two_pass(&o), 1, "a fade-out does (it needs the length)");
	grym_normalize_opts_init(&o);
	o.true_peak = 1.0;
	TAP_EQ_INT(grym_normalize_opts_check(&o, &err), GRYM_ERR_INVALID, "ceiling above 0 dBTP: %s", err.msg);
	grym_normalize_opts_init(&o);
	o.bits = 8;
	TAP_EQ_INT(grym_normalize_opts_check(&o, &err), GRYM_ERR_INVALID, "8 bits refused");
	grym_normalize_opts_init(&o);
	o.rate = 1;
	TAP_EQ_INT(grym_normalize_opts_check(&o, &err), GRYM_ERR_INVALID, "1 Hz refused: %s", err.msg);
}

static void recipe(void)
{
	grym_normalize_opts o;
	json_t *a, *b;
	char *ca, *cb, ida[GRYM_ID_LEN + 1], idb[GRYM_ID_LEN + 1];
	const char *parent = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	grym_normalize_opts_init(&o);
	a = grym_normalize_recipe(&o);
	o.target = -16;
	b = grym_normalize_recipe(&o);
	TAP_EQ_STR(json_string_value(json_object_get(a, "stage")), "normalize", "recipe stage");
	TAP_NEAR(json_real_value(json_object_get(b, "target")), -16, 0, "recipe target");
	TAP_OK(json_is_null(json_object_get(a, "trim_silence")), "unset trim is null");
	TAP_OK(json_is_string(json_object_get(json_object_get(a, "versions"), "libswresample")),
	       "recipe carries the libswresample version");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(a, "versions"), "grym")),
		   grym_version(), "and grym's");
	ca = grym_recipe_canonical(a);
	cb = grym_recipe_canonical(b);
	TAP_OK(ca && cb && strcmp(ca, cb) != 0, "different targets, different recipes");
	TAP_SETUP(grym_id_derived(parent, a, ida, NULL));
	TAP_SETUP(grym_id_derived(parent, b, idb, NULL));
	TAP_OK(strcmp(ida, idb) != 0, "and different derived ids");
	free(ca);
	free(cb);
	json_decref(a);
	json_decref(b);
}

static void spool(void)
{
	static const char data[] = "RIFF....some bytes that stand for audio";
	grym_error err;
	grym_input *in = grym_input_from_memory(data, sizeof data, "mem", &err);
	char path[4096], back[128];
	const void *p;
	FILE *f;
	size_t n;

	TAP_SETUP(grym_input_peek(in, 4, &p, &err));       /* as detection does */
	TAP_EQ_INT(grym_spool(in, tap_tmpdir(), path, sizeof path, &err), GRYM_OK, "spooled");
	f = fopen(path, "rb");
	n = f ? fread(back, 1, sizeof back, f) : 0;
	if (f)
		fclose(f);
	TAP_OK(n == sizeof data && memcmp(back, data, n) == 0, "the spool holds every byte, peeked ones too");
	unlink(path);
	grym_input_free(in);
	in = grym_input_from_memory(data, 1, "m", &err);
	TAP_EQ_INT(grym_spool(in, "/nonexistent/dir", path, sizeof path, &err), GRYM_ERR_IO,
		   "an unwritable TMPDIR is an I/O error: %s", err.msg);
	grym_input_free(in);
}

/* Write a stereo 44.1 kHz float WAV of a 1 kHz sine at amplitude amp. */
static int write_sine(const char *path, double amp, int64_t n)
{
	grym_error err;
	grym_output *out = grym_output_open(path, &err);
	grym_encoder *e = out ? grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_F32, 44100, 2, 0, 0, &err) : NULL;
	float *buf = malloc(sizeof(float) * 2 * (size_t)n);
	int rc = -1;

	if (e && buf) {
		for (int64_t i = 0; i < n; i++)
			buf[2 * i] = buf[2 * i + 1] = (float)(amp * sin(2 * M_PI * 1000.0 * (double)i / 44100));
		if (grym_encoder_write(e, buf, n, &err) == GRYM_OK && grym_encoder_close(e, &err) == GRYM_OK) {
			e = NULL;
			rc = grym_output_commit(out, &err);
			out = NULL;
		}
	}
	if (e)
		TAP_SETUP(grym_encoder_close(e, NULL));
	if (out)
		grym_output_abort(out);
	free(buf);
	return rc;
}

static void whole_file(void)
{
	char in[4096], outp[4096];
	grym_normalize_opts o;
	grym_normalize_report rep;
	grym_loudness_result r;
	grym_error err;
	grym_output *out;

	snprintf(in, sizeof in, "%s/sine.wav", tap_tmpdir());
	snprintf(outp, sizeof outp, "%s/norm.wav", tap_tmpdir());
	TAP_EQ_INT(write_sine(in, pow(10, -30 / 20.0), 44100 * 5), GRYM_OK, "test file written");
	grym_normalize_opts_init(&o);
	o.bits = 32;
	out = grym_output_open(outp, &err);
	TAP_EQ_INT(grym_normalize_file(in, &o, out, &rep, &err), GRYM_OK, "normalized");
	TAP_EQ_INT(grym_output_commit(out, &err), GRYM_OK, "committed");
	TAP_NEAR(rep.in.integrated_lufs, -30.0, 0.05, "measured -30 LUFS before");
	TAP_NEAR(rep.gain_db, 7.0, 0.05, "gain +7 dB");
	TAP_EQ_INT(rep.gain_lowered, 0, "no ceiling reached");
	TAP_EQ_INT(rep.frames_out, 44100 * 5, "all frames out");
	TAP_EQ_INT(grym_normalize_measure(outp, NULL, &r, &err), GRYM_OK, "output measured");
	TAP_NEAR(r.integrated_lufs, -23.0, 0.02, "output reads -23 LUFS");

	/* 0 LUFS is a 0 dBFS sine here, over the -1 dBTP ceiling: lowered. */
	o.target = 0;
	out = grym_output_open(outp, &err);
	TAP_EQ_INT(grym_normalize_file(in, &o, out, &rep, &err), GRYM_OK, "normalized to 0 LUFS");
	TAP_SETUP(grym_output_commit(out, &err));
	TAP_EQ_INT(rep.gain_lowered, 1, "gain lowered for the ceiling");
	grym_normalize_measure(outp, NULL, &r, &err);
	TAP_NEAR(r.true_peak_dbtp, -1.0, 0.01, "output true peak at the ceiling");
}

int main(void)
{
	tap_plan(33);
	defaults_and_checks();
	recipe();
	spool();
	whole_file();
	return tap_done();
}
