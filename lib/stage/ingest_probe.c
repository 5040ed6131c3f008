/*
 * ingest_probe.c — grym-ingest --probe as text (grym/stage_ingest.h):
 * what a file is, from its header, without decoding or storing it.
 */
#include "grym/stage_ingest.h"
#include "grym/audio.h"
#include "grym/pathname.h"
#include "core/error_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* HH:MM:SS.mmm, or "unknown" */
static void put_duration(FILE *f, double d)
{
	if (d < 0) {
		fputs("unknown", f);
		return;
	}
	long h = (long)(d / 3600), m = (long)(d / 60) % 60;
	fprintf(f, "%02ld:%02ld:%06.3f", h, m, d - 3600.0 * h - 60.0 * m);
}

static char *as_json(const char *path, const grym_audio_info *in)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:f, s:I, s:O}",
			      "path", "", "format", in->format, "codec", in->codec,
			      "rate", in->sample_rate, "channels", in->channels, "bits", in->bits,
			      "frames", (json_int_t)in->frames, "duration", in->duration,
			      "bit_rate", (json_int_t)in->bit_rate, "tags", in->tags);
	/* "path", and "path_b64" for a name that is not UTF-8 */
	if (j && grym_json_set_path(j, "path", path, NULL) != GRYM_OK) {
		json_decref(j);
		j = NULL;
	}
	char *t = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(j);
	if (!t)
		return NULL;
	/* one line */
	char *line = malloc(strlen(t) + 2);
	if (line)
		sprintf(line, "%s\n", t);
	free(t);
	return line;
}

static char *as_lines(const char *path, const grym_audio_info *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *k;
	json_t *v;
	if (!f)
		return NULL;
	fprintf(f, "path\t%s\nformat\t%s\ncodec\t%s\nrate\t%d\nchannels\t%d\nbits\t%d\n"
		"frames\t%lld\nduration\t", path, in->format, in->codec, in->sample_rate,
		in->channels, in->bits, (long long)in->frames);
	put_duration(f, in->duration);
	fprintf(f, "\nbit_rate\t%lld\n", (long long)in->bit_rate);
	json_object_foreach(in->tags, k, v)
		fprintf(f, "tag.%s\t%s\n", k, json_string_value(v));
	fputs("\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *grym_ingest_probe(const char *path, int json, grym_error *err)
{
	grym_audio_info in;
	char *text;
	int rc;

	if ((rc = grym_audio_probe(path, &in, err)) < 0)
		return grym__failed(err, rc);
	text = json ? as_json(path, &in) : as_lines(path, &in);
	grym_audio_info_clear(&in);
	if (!text)
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return text;
}
