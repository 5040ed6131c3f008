/*
 * fuzz_manifest.c — libFuzzer target for the ingest manifest parser
 * (grym_manifest_load, TSV or CSV): any bytes must give a manifest or a
 * clean error, never a crash or a leak.
 *
 * The parser reads a path (it resolves rows against the manifest's
 * directory), so each input is written to one file in a private
 * directory under /tmp, made once per process and removed at exit. A
 * manifest that loads is then queried the way ingest does: every row's
 * path by file name and (a relative one) by archive member name must
 * find a row.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grym/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_manifest *m;
	grym_error err;
	FILE *f;

	if (!dir[0]) {
		strcpy(dir, "/tmp/grym-fuzz-manifest.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof file, "%s/manifest.csv", dir);
		atexit(cleanup);
	}
	f = fopen(file, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	grym_error_clear(&err);
	m = grym_manifest_load(file, &err);
	if (!m) {
		if (err.msg[0] == '\0')
			abort();        /* a failure names the problem */
		return 0;
	}
	for (size_t i = 0; i < grym_manifest_rows(m); i++) {
		const char *p = grym_manifest_path(m, i);
		const json_t *labels, *meta;
		if (!p || !grym_manifest_find(m, p, NULL, &labels, &meta))
			abort();        /* every row is found by its own path */
		/* a relative row is also found as an archive member of its name */
		if (strncmp(p, dir, strlen(dir)) == 0 && p[strlen(dir)] == '/' &&
		    !grym_manifest_find(m, NULL, p + strlen(dir) + 1, &labels, &meta) &&
		    !grym_manifest_find(m, NULL, p, &labels, &meta))    /* written absolute */
			abort();
	}
	grym_manifest_find(m, "a.wav", NULL, NULL, NULL);
	grym_manifest_find(m, "", "./sub/../a.wav", NULL, NULL);
	grym_manifest_free(m);
	return 0;
}
