/*
 * fuzz_catalog_import.c — libFuzzer target for `grym-catalog import`
 * (grym_catalog_import): any bytes given as an export archive (tar,
 * tar.gz, zip, or anything else libarchive tries) must import or fail
 * with a clean error, never crash, leak, write outside the catalog, or
 * leave the catalog inconsistent.
 *
 * Each input is written to a file and imported into a fresh catalog in a
 * private directory under /dev/shm (tmpfs, so the store's fsyncs cost
 * nothing; /tmp when there is none), removed after every run so runs do
 * not depend on each other. After an import the catalog's fsck must pass.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "grym/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[96], catdir[96];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	rm_tree(dir);
}

static void quiet(void *ud, const char *line)
{
	(void)ud;
	(void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	grym_catalog *cat;
	grym_error err;
	int64_t added, conflicts;
	FILE *f;
	int rc;

	if (!dir[0]) {
		strcpy(dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/grym-fuzz-import.XXXXXX"
							   : "/tmp/grym-fuzz-import.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof file, "%s/export.tar", dir);
		snprintf(catdir, sizeof catdir, "%s/catalog", dir);
		atexit(cleanup);
	}
	f = fopen(file, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	grym_error_clear(&err);
	cat = grym_catalog_open(catdir, &err);
	if (!cat)
		abort();
	rc = grym_catalog_import(cat, file, &added, &conflicts, quiet, NULL, &err);
	if (rc != GRYM_OK && err.msg[0] == '\0')
		abort();        /* a failure names the problem */
	if (rc == GRYM_OK) {
		grym_error_clear(&err);
		if (grym_catalog_fsck(cat, quiet, NULL, &err) != GRYM_OK)
			abort();        /* an import leaves a consistent catalog */
	}
	grym_catalog_close(cat);
	rm_tree(catdir);
	unlink(file);
	return 0;
}
