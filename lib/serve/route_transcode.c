/*
 * route_transcode.c — ?format=wav|flac|ogg of GET /api/assets/{id}/audio:
 * the asset decoded in blocks and encoded into a temporary file, stored as
 * an object and recorded as the asset's view (kind "audio", params
 * {"format": F}), so the second request reads the stored object and Range
 * works on it as on an original.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"
#include "grym/audio.h"
#include "grym/io.h"
#include "grym/store.h"

#define BLOCK 8192

/* Decode a's object into a new object of type t: its id in obj. */
static int transcode(grym_catalog *cat, const grym_asset *a, grym_file_type t,
		     char obj[GRYM_ID_LEN + 1], grym_error *err)
{
	char src[PATH_MAX], tmp[PATH_MAX] = "";
	grym_store_reader *rd = grym_catalog_open_asset_object(cat, a, src, sizeof src, err);
	grym_decode_opts o = { 0 };
	grym_decoder *d = NULL;
	grym_output *out = NULL;
	grym_encoder *e = NULL;
	float *buf = NULL;
	int rc = GRYM_OK, ch;
	int64_t n;

	if (!rd)
		return err->code;
	if (!(d = grym_decoder_open(src, &o, err))) {
		rc = err->code;
		goto out;
	}
	ch = grym_decoder_channels(d);
	if (!(buf = malloc(sizeof *buf * BLOCK * (size_t)ch))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!(out = grym_output_open_tmp(grym_catalog_dir(cat), "transcode", tmp, sizeof tmp,
					 err))) {
		rc = err->code;
		goto out;
	}
	if (!(e = grym_encoder_open(out, t, t == GRYM_FILE_OGG ? GRYM_SAMPLE_F32 : GRYM_SAMPLE_S16,
				    grym_decoder_rate(d), ch, GRYM_ENCODE_DITHER, 0, err))) {
		rc = err->code;
		goto out;
	}
	while ((n = grym_decoder_read(d, buf, BLOCK, err)) > 0)
		if ((rc = grym_encoder_write(e, buf, n, err)) != GRYM_OK)
			goto out;
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	rc = grym_encoder_close(e, err);
	e = NULL;
	if (rc == GRYM_OK)
		rc = grym_output_commit(out, err);
	out = NULL;
	if (rc == GRYM_OK)
		rc = grym_store_put_file(grym_catalog_store(cat), tmp, obj, err);
out:
	if (e) {
		grym_error ignore = { 0 };
		if (grym_encoder_close(e, &ignore) != GRYM_OK)
			e = NULL;   /* the failure that brought us here is the one told */
	}
	if (out)
		grym_output_abort(out);
	if (tmp[0])
		grym_tmp_release(tmp);
	free(buf);
	if (d)
		grym_decoder_close(d);
	grym_store_reader_close(rd);
	return rc;
}

grym_store_reader *serve_transcoded(grym_catalog *cat, const grym_asset *a, const char *format,
				    const char **type, grym_error *err)
{
	char params[64], obj[GRYM_ID_LEN + 1];
	grym_store_reader *rd;
	grym_file_type t;
	uint64_t size = 0;
	int bits;

	if (grym_file_type_parse(format, &t) != GRYM_OK) {
		grym_error_set(err, GRYM_ERR_INVALID, "format: %s is not a type", format);
		return NULL;
	}
	*type = grym_audio_media_type(format, grym_file_type_codec(t, GRYM_SAMPLE_S16, &bits), NULL);
	snprintf(params, sizeof params, "{\"format\":\"%s\"}", format);
	rd = grym_catalog_open_view(cat, a->id, "audio", params, err);
	if (rd || (err->code != GRYM_ERR_NOTFOUND && err->code != GRYM_ERR_CORRUPT))
		return rd;
	*err = (grym_error){ 0 };
	if (transcode(cat, a, t, obj, err) != GRYM_OK ||
	    grym_store_size(grym_catalog_store(cat), obj, &size, err) != GRYM_OK ||
	    grym_catalog_put_view(cat, a->id, "audio", params, obj, size, err) != GRYM_OK)
		return NULL;
	return grym_catalog_open_view(cat, a->id, "audio", params, err);
}
