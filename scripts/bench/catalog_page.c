/*
 * catalog_page.c — the helper of scripts/bench/catalog_page (built by it
 * against build/lib/libgrym.a; not part of the library or the tests).
 *
 *   catalog_page gen DIR N     a catalog of N source assets in DIR, put
 *                              through grym_catalog_put_asset in one
 *                              transaction: tiny fake objects, a name, one
 *                              of 12 labels, a duration, metadata and tags
 *   catalog_page page DIR Q    one call of grym_catalog_asset_page, timed in
 *                              process on an open handle (as grym-serve
 *                              holds one): Q is first, sorted, filtered,
 *                              search or deep (page 40 of the duration
 *                              sort, reached through the cursors first,
 *                              untimed). The wall and CPU seconds go
 *                              to $BENCH_TIME_FILE (scripts/bench/lib.sh).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grym/catalog.h"
#include "grym/catalog_page.h"

static const char *LABELS[] = { "kick", "snare", "hat", "bass", "pad", "lead",
				"vox", "fx", "noise", "speech", "bird", "rain" };

static int die(const char *what, const grym_error *err)
{
	fprintf(stderr, "catalog_page: %s: %s\n", what, err ? err->msg : "failed");
	return 1;
}

static int gen(const char *dir, int n)
{
	grym_error err = { 0 };
	grym_catalog *cat = grym_catalog_open(dir, &err);
	if (!cat || grym_catalog_begin(cat, &err))
		return die(dir, &err);
	srand(1);
	for (int i = 0; i < n; i++) {
		grym_asset a;
		char data[64], path[128], title[64];
		grym_asset_init(&a);
		snprintf(data, sizeof data, "fake audio %d", i);
		if (grym_store_put(grym_catalog_store(cat), data, strlen(data), a.object, &err))
			return die("store", &err);
		strcpy(a.id, a.object);
		strcpy(a.kind, "source");
		a.format = strdup(i % 3 ? "wav" : "flac");
		a.codec = strdup(i % 3 ? "pcm_s16le" : "flac");
		a.sample_rate = i % 2 ? 44100 : 48000;
		a.channels = 1 + i % 2;
		a.duration = (rand() % 60000) / 100.0;
		a.bytes = (uint64_t)(rand() % 5000000);
		snprintf(path, sizeof path, "/data/take%d/%s_%05d.wav", i % 50, LABELS[i % 12], rand() % 100000);
		snprintf(title, sizeof title, "Recording %d of session %d", i, i % 97);
		a.paths = json_pack("[s]", path);
		a.labels = json_pack("[s]", LABELS[(i * 7) % 12]);
		a.meta = json_pack("{s:s,s:i}", "speaker", i % 13 ? "anon" : "Alice Smith", "take", i % 50);
		a.tags = json_pack("{s:s}", "title", title);
		if (grym_catalog_put_asset(cat, &a, NULL, &err))
			return die("put", &err);
		grym_asset_clear(&a);
	}
	if (grym_catalog_commit(cat, &err))
		return die("commit", &err);
	grym_catalog_close(cat);
	return 0;
}

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int page(const char *dir, const char *what)
{
	grym_error err = { 0 };
	grym_catalog *cat = grym_catalog_open(dir, &err);
	const char *two[] = { "bird", "rain" };
	grym_asset_page_query q = { .sort = "created", .descending = 1 };
	char *text = NULL, *cursor = NULL;
	if (!cat)
		return die(dir, &err);
	if (!strcmp(what, "sorted")) {
		q.sort = "name";
	} else if (!strcmp(what, "filtered")) {
		q.sort = "duration";
		q.labels = two;
		q.nlabels = 2;
	} else if (!strcmp(what, "search")) {
		q.sort = "name";
		q.search = "alice";
	} else if (!strcmp(what, "deep")) {
		q.sort = "duration";
		for (int i = 0; i < 39; i++) {
			json_t *j;
			q.cursor = cursor;
			if (grym_catalog_asset_page(cat, &q, &text, &err))
				return die("page", &err);
			j = json_loads(text, 0, NULL);
			free(text);
			free(cursor);
			cursor = strdup(json_string_value(json_object_get(j, "next_cursor")));
			json_decref(j);
		}
		q.cursor = cursor;
	} else if (strcmp(what, "first")) {
		return die(what, NULL);
	}
	double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	if (grym_catalog_asset_page(cat, &q, &text, &err))
		return die("page", &err);
	double t1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	const char *tf = getenv("BENCH_TIME_FILE");
	FILE *f = tf ? fopen(tf, "w") : NULL;
	if (f) {
		fprintf(f, "%.6f %.6f\n", t1 - t0, c1 - c0);
		fclose(f);
	}
	printf("%s: %.2f ms (CPU %.2f ms), %zu bytes of JSON\n", what, (t1 - t0) * 1e3,
	       (c1 - c0) * 1e3, strlen(text));
	free(text);
	free(cursor);
	grym_catalog_close(cat);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return gen(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "page"))
		return page(argv[2], argv[3]);
	fprintf(stderr, "usage: catalog_page gen DIR N | page DIR first|sorted|filtered|search|deep\n");
	return 2;
}
