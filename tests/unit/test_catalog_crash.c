/*
 * test_catalog_crash.c — a writer killed with SIGKILL at random moments,
 * 20 times. The child loops over "put object, put row"; the parent sleeps
 * 0-50 ms (seeded, so the run is repeatable) and kills it. After each
 * kill: PRAGMA integrity_check is "ok", every row's object exists and
 * re-hashes to its name, every file under objects/ is a complete object
 * (re-hashes to its name), rows never go backwards; stray temporaries are
 * allowed and clean_tmp removes them.
 */
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grym/catalog.h"
#include "tap.h"

#define KILLS 20

/* Adds assets until killed; one byte on progress_fd (unless -1) after
 * each row. */
static void writer(const char *dir, int round, int progress_fd)
{
	grym_error err = { 0 };
	grym_catalog *cat = grym_catalog_open(dir, &err);
	unsigned char buf[40000];
	if (!cat)
		_exit(1);
	for (unsigned i = 0; ; i++) {
		grym_asset a;
		size_t n = 1000 + (i * 7919u) % sizeof buf + 0u;
		if (n > sizeof buf)
			n = sizeof buf;
		for (size_t k = 0; k < n; k++)
			buf[k] = (unsigned char)(k * 31 + i * 17 + round * 101);
		buf[0] = (unsigned char)round;
		memcpy(buf + 1, &i, sizeof i);
		grym_asset_init(&a);
		if (grym_store_put(grym_catalog_store(cat), buf, n, a.object, &err) != GRYM_OK)
			_exit(2);
		strcpy(a.id, a.object);
		strcpy(a.kind, "source");
		a.bytes = n;
		a.labels = json_pack("[s]", "crash");
		a.paths = json_pack("[s]", "/x.wav");
		if (grym_catalog_put_asset(cat, &a, NULL, &err) != GRYM_OK)
			_exit(3);
		grym_asset_clear(&a);
		if (progress_fd >= 0 && write(progress_fd, "r", 1) < 0)
			_exit(4);
	}
}

static int integrity_ok(const char *dir)
{
	char path[4300], res[256] = "";
	sqlite3 *db;
	sqlite3_stmt *st;
	snprintf(path, sizeof path, "%s/catalog.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1; /* killed before the database was created */
	}
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(res, sizeof res, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (strcmp(res, "ok") != 0)
		tap_diag("integrity_check: %s", res);
	return strcmp(res, "ok") == 0;
}

struct check { grym_store *st; int bad; int n; };

static int rows_visit(void *ud, const grym_asset *a)
{
	struct check *c = ud;
	c->n++;
	if (grym_store_verify(c->st, a->object, NULL) != GRYM_OK) {
		tap_diag("row %s: object missing or corrupt", a->id);
		c->bad++;
	}
	return 0;
}

static int objects_visit(void *ud, const char *id, uint64_t size, time_t mtime)
{
	struct check *c = ud;
	(void)size;
	(void)mtime;
	c->n++;
	if (grym_store_verify(c->st, id, NULL) != GRYM_OK) {
		tap_diag("object %s is incomplete", id);
		c->bad++;
	}
	return 0;
}

static int count_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int main(void)
{
	tap_plan(30);
	const char *top = tap_tmpdir();
	char dir[4200], tmp[4300];
	int last_rows = 0, strays = 0;

	snprintf(dir, sizeof dir, "%s/cat", top);
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	srand(20261127);
	for (int round = 0; round < KILLS; round++) {
		int ms = rand() % 51, status = 0, ok;
		struct timespec ts = { 0, (long)ms * 1000000L };
		pid_t pid;
		grym_error err = { 0 };
		grym_catalog *cat;
		grym_store *st;
		struct check rows = { 0 }, objs = { 0 };
		int pfd[2];
		char c;

		if (pipe(pfd) < 0)
			abort();
		pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			writer(dir, round, pfd[1]);
		}
		close(pfd[1]);
		/* Round 0 kills during the very first open and migration;
		 * later rounds give the writer a moment to start. The last
		 * round waits for a committed row whatever the load of the
		 * machine, so "the writer made progress" below never depends
		 * on timing. */
		if (round > 0)
			ts.tv_nsec += 20 * 1000000L;
		if (round == KILLS - 1) {
			if (read(pfd[0], &c, 1) != 1)
				tap_diag("round %d: the writer ended before its first row", round);
		} else {
			nanosleep(&ts, NULL);
		}
		kill(pid, SIGKILL);
		close(pfd[0]);
		waitpid(pid, &status, 0);
		ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		if (!ok)
			tap_diag("round %d: writer ended with status %d before the kill", round, status);

		/* The checks open the store alone first: no catalog open (which
		 * could repair anything) before integrity_check. */
		ok = integrity_ok(dir);
		st = grym_store_open_dir(dir, &err);
		if (st) {
			objs.st = st;
			TAP_SETUP(grym_store_foreach(st, objects_visit, &objs, NULL));
		}
		cat = grym_catalog_open(dir, &err);
		if (!cat) {
			TAP_OK(0, "round %d (kill after %d ms): open after the kill: %s", round, ms, err.msg);
			grym_store_close(st);
			continue;
		}
		rows.st = grym_catalog_store(cat);
		TAP_SETUP(grym_catalog_foreach_asset(cat, NULL, rows_visit, &rows, &err));
		strays += count_files(tmp);
		TAP_OK(ok != 0 && rows.bad == 0 && objs.bad == 0 && rows.n >= last_rows,
		       "round %d (kill after %d ms): integrity ok, %d rows with their objects, "
		       "%d complete objects", round, ms, rows.n, objs.n);
		last_rows = rows.n;
		grym_catalog_close(cat);
		grym_store_close(st);
	}
	TAP_OK(last_rows > 0, "the writer made progress (%d rows)", last_rows);

	/* Killed during the very first open (creation and migration): the
	 * next open finds either nothing or a whole schema, never half. */
	for (int k = 0; k < 6; k++) {
		char fresh[4300];
		struct timespec ts = { 0, (long)k * 700000L };
		grym_error err = { 0 };
		grym_catalog *cat;
		pid_t pid;
		snprintf(fresh, sizeof fresh, "%s/fresh%d", top, k);
		pid = fork();
		if (pid == 0)
			writer(fresh, 100 + k, -1);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		cat = grym_catalog_open(fresh, &err);
		TAP_OK(cat && grym_catalog_schema_version(cat) == 5 && integrity_ok(fresh) == 1,
		       "killed %.1f ms into its first open: the next open migrates cleanly%s%s",
		       k * 0.7, cat ? "" : ": ", cat ? "" : err.msg);
		grym_catalog_close(cat);
	}
	{
		grym_error err = { 0 };
		grym_store *st = grym_store_open_dir(dir, &err);
		tap_diag("%d stray temporaries seen over the rounds", strays);
		TAP_EQ_INT(grym_store_clean_tmp(st, 0, &err), GRYM_OK, "clean_tmp");
		TAP_EQ_INT(count_files(tmp), 0, "no stray temporary left");
		grym_store_close(st);
	}
	{
		grym_error err = { 0 };
		grym_catalog *cat = grym_catalog_open(dir, &err);
		TAP_EQ_INT(grym_catalog_fsck(cat, NULL, NULL, &err), GRYM_OK, "fsck clean at the end: %s",
			   err.msg);
		grym_catalog_close(cat);
	}
	return tap_done();
}
