/*
 * test_catalog_concurrent.c — four writer processes on one new catalog at
 * once, as four parallel pipelines would be: every process opens the
 * catalog at the same moment (racing the first migration), then writes 300
 * assets of its own, each object then row in its own transaction, plus 20
 * shared assets written by all four. All must succeed (no "database is
 * locked") and the counts afterwards must be exact.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grym/catalog.h"
#include "tap.h"

#define WRITERS 4
#define OWN 300
#define SHARED 20

static int put_one(grym_catalog *cat, const char *bytes, const char *label,
		   const char *path, grym_error *err)
{
	grym_asset a;
	int rc;
	grym_asset_init(&a);
	rc = grym_store_put(grym_catalog_store(cat), bytes, strlen(bytes), a.object, err);
	if (rc != GRYM_OK)
		return rc;
	strcpy(a.id, a.object);
	strcpy(a.kind, "source");
	a.sample_rate = 8000;
	a.channels = 1;
	a.duration = 0.5;
	a.bytes = strlen(bytes);
	a.labels = json_pack("[s]", label);
	a.paths = json_pack("[s]", path);
	rc = grym_catalog_put_asset(cat, &a, NULL, err);
	grym_asset_clear(&a);
	return rc;
}

static int writer(const char *dir, int w, int gate)
{
	grym_error err = { 0 };
	grym_catalog *cat;
	char c, bytes[64], label[32], path[64];

	if (read(gate, &c, 1) < 0) /* returns 0 when the parent opens the gate */
		return 3;
	cat = grym_catalog_open(dir, &err);
	if (!cat) {
		fprintf(stderr, "writer %d: open: %s\n", w, err.msg);
		return 1;
	}
	for (int i = 0; i < OWN + SHARED; i++) {
		/* interleave the shared ids with the own ones */
		int shared = i % ((OWN + SHARED) / SHARED) == 0 && i / ((OWN + SHARED) / SHARED) < SHARED;
		if (shared) {
			int k = i / ((OWN + SHARED) / SHARED);
			snprintf(bytes, sizeof bytes, "shared asset %d", k);
			snprintf(label, sizeof label, "shared");
		} else {
			snprintf(bytes, sizeof bytes, "writer %d asset %d", w, i);
			snprintf(label, sizeof label, "w%d", w);
		}
		snprintf(path, sizeof path, "/writer%d/%d.wav", w, i);
		if (put_one(cat, bytes, label, path, &err) != GRYM_OK) {
			fprintf(stderr, "writer %d: asset %d: %s\n", w, i, err.msg);
			grym_catalog_close(cat);
			return 1;
		}
	}
	grym_catalog_close(cat);
	return 0;
}

static int count_visit(void *ud, const grym_asset *a)
{
	(void)a;
	(*(int *)ud)++;
	return 0;
}

static int shared_paths_visit(void *ud, const grym_asset *a)
{
	int *bad = ud;
	if (json_array_size(a->paths) != WRITERS)
		(*bad)++;
	return 0;
}

int main(void)
{
	tap_plan(17);
	const char *dir = tap_tmpdir();
	char catdir[4200];
	int gate[2];
	pid_t pids[WRITERS];
	int all_ok = 1;
	grym_error err = { 0 };
	grym_catalog *cat;

	snprintf(catdir, sizeof catdir, "%s/cat", dir);
	if (pipe(gate) != 0)
		return 2;
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			close(gate[1]);
			_exit(writer(catdir, w, gate[0]));
		}
	}
	close(gate[0]);
	close(gate[1]); /* all writers start now */
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;
		waitpid(pids[w], &status, 0);
		TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d succeeded", w);
		all_ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	cat = grym_catalog_open(catdir, &err);
	TAP_OK(cat != NULL, "open afterwards: %s", err.msg);
	if (!cat)
		return tap_done();
	{
		grym_catalog_stats s;
		grym_asset_query q = { .label = "shared" };
		int n = 0, bad = 0;
		TAP_EQ_INT(grym_catalog_stats_get(cat, &s, &err), GRYM_OK, "stats");
		TAP_EQ_INT(s.assets, WRITERS * OWN + SHARED, "exact asset count");
		TAP_EQ_INT(s.objects, WRITERS * OWN + SHARED, "exact object count");
		TAP_EQ_INT(s.labels, WRITERS + 1, "labels w0..w3 and shared");
		TAP_SETUP(grym_catalog_foreach_asset(cat, &q, count_visit, &n, &err));
		TAP_EQ_INT(n, SHARED, "shared assets once each");
		TAP_SETUP(grym_catalog_foreach_asset(cat, &q, shared_paths_visit, &bad, &err));
		TAP_EQ_INT(bad, 0, "every shared asset has the paths of all four writers");
		for (int w = 0; w < WRITERS; w++) {
			char label[8];
			snprintf(label, sizeof label, "w%d", w);
			q.label = label;
			n = 0;
			TAP_SETUP(grym_catalog_foreach_asset(cat, &q, count_visit, &n, &err));
			TAP_EQ_INT(n, OWN, "writer %d's assets all there", w);
		}
		TAP_EQ_INT(grym_catalog_schema_version(cat), 5, "migrated once, to version 5");
		TAP_EQ_INT(grym_catalog_fsck(cat, NULL, NULL, &err), GRYM_OK, "fsck clean: %s", err.msg);
	}
	grym_catalog_close(cat);
	(void)all_ok;
	return tap_done();
}
