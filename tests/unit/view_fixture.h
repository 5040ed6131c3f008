/* view_fixture.h — what the test_view_*.c tests share: a catalog in a
 * scratch folder and assets made from generated samples (a WAV written,
 * stored and recorded as a source asset with its origin path, as
 * grym-ingest records one). Static functions: each test includes it once. */
#ifndef VIEW_FIXTURE_H
#define VIEW_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "grym/grym.h"

/* Write n frames of ch channels (interleaved) to path as a WAV of fmt. */
static inline int vf_write_wav(const char *path, const float *x, int64_t n, int ch, int rate,
			grym_sample_format fmt)
{
	grym_error err;
	grym_output *out = grym_output_open(path, &err);
	if (!out)
		return -1;
	grym_encoder *e = grym_encoder_open(out, GRYM_FILE_WAV, fmt, rate, ch, 0, 0, &err);
	if (!e) {
		grym_output_abort(out);
		return -1;
	}
	int rc = grym_encoder_write(e, x, n, &err);
	if (grym_encoder_close(e, &err) != GRYM_OK)
		rc = -1;
	if (rc == GRYM_OK)
		return grym_output_commit(out, &err);
	grym_output_abort(out);
	return -1;
}

/* Store the samples as a source asset of cat; id gets its id. */
static inline int vf_add_asset(grym_catalog *cat, const char *name, const float *x, int64_t n, int ch,
			int rate, grym_sample_format fmt, char id[GRYM_ID_LEN + 1])
{
	char path[4096];
	grym_error err;
	snprintf(path, sizeof path, "%s/%s.wav", tap_tmpdir(), name);
	if (vf_write_wav(path, x, n, ch, rate, fmt) != GRYM_OK)
		return -1;
	if (grym_store_put_file(grym_catalog_store(cat), path, id, &err) != GRYM_OK)
		return -1;
	grym_asset a;
	grym_asset_init(&a);
	memcpy(a.id, id, GRYM_ID_LEN + 1);
	memcpy(a.object, id, GRYM_ID_LEN + 1);
	snprintf(a.kind, sizeof a.kind, "source");
	a.format = strdup("wav");
	a.codec = strdup(fmt == GRYM_SAMPLE_F32 ? "pcm_f32le" : "pcm_s16le");
	a.sample_rate = rate;
	a.channels = ch;
	a.bits = fmt == GRYM_SAMPLE_F32 ? 32 : 16;
	a.frames = n;
	a.duration = (double)n / rate;
	uint64_t size = 0;
	(void)!grym_store_size(grym_catalog_store(cat), id, &size, NULL); /* put_asset checks it */
	a.bytes = size;
	a.paths = json_pack("[s]", path);
	int rc = grym_catalog_put_asset(cat, &a, NULL, &err);
	if (rc)
		tap_diag("put_asset: %s", err.msg);
	grym_asset_clear(&a);
	return rc;
}

/* A stereo or mono sine at dbfs, freq Hz (every channel alike). */
static inline float *vf_sine(int64_t n, int ch, int rate, double freq, double dbfs)
{
	float *x = malloc(sizeof(float) * (size_t)(n * ch));
	double amp = pow(10, dbfs / 20);
	for (int64_t i = 0; x && i < n; i++)
		for (int c = 0; c < ch; c++)
			x[i * ch + c] = (float)(amp * sin(2 * M_PI * freq * (double)i / rate));
	return x;
}

/* The view calls return what they made, NULL with err->code on failure:
 * these keep a result in *out and give the status, so a check reads
 * TAP_EQ_INT(vf_text(&js, grym_view_peaks(...), &err), GRYM_OK, ...). */
static inline int vf_text(char **out, char *s, const grym_error *e)
{
	*out = s;
	return s ? GRYM_OK : e->code;
}

static inline int vf_reader(grym_store_reader **out, grym_store_reader *r, const grym_error *e)
{
	*out = r;
	return r ? GRYM_OK : e->code;
}

/* a spectrogram view into a struct of the test's own (vf_spec_clear) */
static inline int vf_spec(grym_spectrogram_view *out, grym_spectrogram_view *v, const grym_error *e)
{
	memset(out, 0, sizeof *out);
	if (!v)
		return e->code;
	*out = *v;
	free(v);
	return GRYM_OK;
}

static inline void vf_spec_clear(grym_spectrogram_view *v)
{
	free(v->data);
	free(v->header);
	memset(v, 0, sizeof *v);
}

#endif
