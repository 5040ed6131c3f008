/* views_driver.c — the timing side of scripts/bench/views: ingests one WAV
 * into a fresh catalog (its object stored, its row put, as the view tests
 * do) and times the views grym-serve calls (grym/view.h), in process,
 * printing one "NAME SECONDS" line each:
 *   peaks_build   the pyramid from one decode (first request's cost)
 *   peaks_full    median of 9 requests of 2000 points over the whole file
 *   peaks_zoom    median of 9 requests of 2000 points over 60 s in the middle
 *   spectrogram   1024 x 128 log-mel of the first min(600 s, file) seconds, computed
 *   spectrogram_cached  the same again, from the catalog
 *   spectrogram_late  the same of the last min(600 s, file) seconds (a
 *                 seek: decode.c's grym_decode_opts.seek), computed
 *   loudness      the curves, computed
 * Usage: views_driver CATALOG_DIR FILE.wav */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "grym/grym.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int fail(const char *what, const grym_error *err)
{
	fprintf(stderr, "views_driver: %s: %s\n", what, err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	grym_error err = { 0 };
	if (argc != 3) {
		fprintf(stderr, "usage: views_driver CATALOG_DIR FILE.wav\n");
		return 2;
	}
	grym_catalog *cat = grym_catalog_open(argv[1], &err);
	if (!cat)
		return fail("catalog", &err);
	grym_audio_info info;
	memset(&info, 0, sizeof info);
	char id[GRYM_ID_LEN + 1];
	if (grym_audio_probe(argv[2], &info, &err) || grym_store_put_file(grym_catalog_store(cat), argv[2], id, &err))
		return fail(argv[2], &err);
	grym_asset a;
	grym_asset_init(&a);
	memcpy(a.id, id, sizeof a.id);
	memcpy(a.object, id, sizeof a.object);
	strcpy(a.kind, "source");
	a.format = strdup(info.format);
	a.codec = strdup(info.codec);
	a.sample_rate = info.sample_rate;
	a.channels = info.channels;
	a.bits = info.bits;
	a.frames = info.frames;
	a.duration = info.duration;
	uint64_t size = 0;
	if (grym_store_size(grym_catalog_store(cat), id, &size, &err))
		return fail("size", &err);
	a.bytes = size;
	a.paths = json_pack("[s]", argv[2]);
	if (grym_catalog_put_asset(cat, &a, NULL, &err))
		return fail("put_asset", &err);

	double t0 = now();
	if (grym_view_peaks_build(cat, id, NULL, NULL, &err))
		return fail("peaks_build", &err);
	printf("peaks_build %.4f\n", now() - t0);
	for (int zoom = 0; zoom < 2; zoom++) {
		double ts[9];
		for (int i = 0; i < 9; i++) {
			grym_peaks_query q = { 2000, zoom ? info.duration / 2 : 0, zoom ? info.duration / 2 + 60 : -1 };
			t0 = now();
			char *js = grym_view_peaks(cat, id, &q, NULL, NULL, &err);
			if (!js)
				return fail("peaks", &err);
			ts[i] = now() - t0;
			free(js);
		}
		qsort(ts, 9, sizeof ts[0], cmpd);
		printf("%s %.4f\n", zoom ? "peaks_zoom" : "peaks_full", ts[4]);
	}
	grym_spectrogram_query sq = { 0, info.duration < 600 ? -1 : 600, 1024, 128, GRYM_SPEC_SCALE_MEL, 2048, 80 };
	for (int i = 0; i < 2; i++) {
		t0 = now();
		grym_spectrogram_view *v = grym_view_spectrogram(cat, id, &sq, NULL, NULL, &err);
		if (!v)
			return fail("spectrogram", &err);
		printf("%s %.4f\n", i ? "spectrogram_cached" : "spectrogram", now() - t0);
		grym_spectrogram_view_free(v);
	}
	if (info.duration > 600) {
		sq.start = info.duration - 600;
		sq.end = -1;
	}
	t0 = now();
	grym_spectrogram_view *late = grym_view_spectrogram(cat, id, &sq, NULL, NULL, &err);
	if (!late)
		return fail("spectrogram_late", &err);
	printf("spectrogram_late %.4f\n", now() - t0);
	grym_spectrogram_view_free(late);
	t0 = now();
	char *js = grym_view_loudness(cat, id, 2000, NULL, NULL, &err);
	if (!js)
		return fail("loudness", &err);
	printf("loudness %.4f\n", now() - t0);
	free(js);
	grym_asset_clear(&a);
	grym_audio_info_clear(&info);
	grym_catalog_close(cat);
	return 0;
}
