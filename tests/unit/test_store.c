/*
 * test_store.c — the directory object store: names are SHA-256 of the
 * bytes, the layout is objects/ab/<id>, a duplicate put keeps the object,
 * reads check size and (on request) hash, foreach/remove/clean_tmp.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grym/store.h"
#include "tap.h"

/* sha256("abc") and sha256("") from FIPS 180-2. */
#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

struct visit { int n; uint64_t bytes; int saw_abc; };
static int visit(void *ud, const char *id, uint64_t size, time_t mtime)
{
	struct visit *v = ud;
	(void)mtime;
	v->n++;
	v->bytes += size;
	if (strcmp(id, ABC) == 0)
		v->saw_abc = 1;
	return 0;
}

static void flip_byte(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;
	pread(fd, &c, 1, off);
	c ^= 0x40;
	pwrite(fd, &c, 1, off);
	close(fd);
}

int main(void)
{
	tap_plan(61);
	const char *dir = tap_tmpdir();
	grym_error err = { 0 };
	char id[GRYM_ID_LEN + 1], path[4096], tmpd[4096], peek[GRYM_ID_LEN + 1];
	void *data;
	size_t len;
	uint64_t size;
	struct stat sb;

	grym_store *st = grym_store_open_dir(dir, &err);
	TAP_OK(st != NULL, "open store: %s", err.msg);
	snprintf(tmpd, sizeof tmpd, "%s/tmp", dir);
	TAP_OK(stat(tmpd, &sb) == 0 && S_ISDIR(sb.st_mode), "tmp/ created");

	TAP_EQ_INT(grym_store_put(st, "abc", 3, id, &err), GRYM_OK, "put abc");
	TAP_EQ_STR(id, ABC, "id is SHA-256 of the bytes");
	snprintf(path, sizeof path, "%s/objects/ba/%s", dir, ABC);
	TAP_OK(stat(path, &sb) == 0 && sb.st_size == 3, "stored at objects/ba/<id>");
	TAP_EQ_INT(grym_store_has(st, ABC), 1, "has abc");
	TAP_EQ_INT(grym_store_has(st, EMPTY), 0, "has not empty");
	TAP_EQ_INT(grym_store_has(st, "../../etc/passwd"), 0, "has refuses a non-id");
	TAP_EQ_INT(grym_store_size(st, ABC, &size, &err), GRYM_OK, "size");
	TAP_EQ_INT(size, 3, "size is 3");
	{
		grym_store_reader *r = NULL;
		TAP_EQ_INT((r = grym_store_open_read(st, ABC, &err)) ? GRYM_OK : err.code,
			   GRYM_OK, "open_read");
		TAP_OK(r && grym_store_reader_size(r) == 3, "the reader has its size");
		grym_store_reader_close(r);
		TAP_EQ_INT((r = grym_store_open_read(st, EMPTY, &err)) ? GRYM_OK : err.code,
			   GRYM_ERR_NOTFOUND, "open_read of a missing object");
	}

	/* A second put of the same bytes keeps the object, leaves no tmp. */
	TAP_EQ_INT(grym_store_put(st, "abc", 3, id, &err), GRYM_OK, "put abc again");
	TAP_EQ_STR(id, ABC, "same id");
	TAP_EQ_INT(count_dir(tmpd), 0, "no temporary left behind");

	TAP_EQ_INT(grym_store_put(st, "", 0, id, &err), GRYM_OK, "put empty object");
	TAP_EQ_STR(id, EMPTY, "empty id");
	TAP_EQ_INT(grym_store_get(st, EMPTY, &data, &len, 1, &err), GRYM_OK, "get empty");
	TAP_EQ_INT(len, 0, "empty length");
	free(data);

	/* Streaming writer in pieces larger and smaller than its buffer. */
	{
		size_t n = 300000;
		unsigned char *big = malloc(n);
		char want[GRYM_ID_LEN + 1];
		grym_store_writer *w;
		const char *tp;
		for (size_t i = 0; i < n; i++)
			big[i] = (unsigned char)(i * 7 + (i >> 9));
		grym_sha256_hex(big, n, want);
		w = grym_store_writer_new(st, &err);
		TAP_OK(w != NULL, "writer_new");
		TAP_EQ_INT(grym_store_writer_write(w, big, 1000, &err), GRYM_OK, "write 1000");
		TAP_EQ_INT(grym_store_writer_write(w, big + 1000, 100000, &err), GRYM_OK, "write 100000");
		tp = grym_store_writer_tmp_path(w);
		TAP_OK(tp && stat(tp, &sb) == 0 && sb.st_size == 101000,
		       "tmp path holds the bytes written so far");
		/* O_TMPFILE: the bytes live in an unnamed file in tmp/, so a
		 * killed writer (even by SIGKILL) leaves nothing behind */
		TAP_OK(tp && strncmp(tp, "/proc/self/fd/", 14) == 0, "tmp path is the unnamed file's "
		       "/proc/self/fd link: %s", tp ? tp : "(null)");
		TAP_EQ_INT(count_dir(tmpd), 0, "nothing named in tmp/ while writing");
		for (size_t off = 101000; off < n; off += 777)
			TAP_SETUP(grym_store_writer_write(w, big + off, off + 777 > n ? n - off : 777, &err));
		TAP_EQ_INT(grym_store_writer_size(w), n, "writer size");
		grym_store_writer_peek_id(w, peek);
		TAP_EQ_STR(peek, want, "peek_id");
		TAP_EQ_INT(grym_store_writer_commit(w, id, &err), GRYM_OK, "commit");
		TAP_EQ_STR(id, want, "streamed id");
		TAP_EQ_INT(grym_store_get(st, id, &data, &len, 1, &err), GRYM_OK, "get verified");
		TAP_OK(len == n && memcmp(data, big, n) == 0, "same bytes back");
		free(data);
		TAP_EQ_INT(grym_store_verify(st, id, &err), GRYM_OK, "verify ok");

		/* Flip one byte: get with verify and verify both fail. */
		/* the directory backend's layout (no call names it) */
		snprintf(path, sizeof path, "%s/objects/%.2s/%s", dir, id, id);
		flip_byte(path, 12345);
		TAP_EQ_INT(grym_store_verify(st, id, &err), GRYM_ERR_CORRUPT, "verify catches a flipped byte");
		TAP_OK(strstr(err.msg, id) != NULL, "message names the object: %s", err.msg);
		TAP_EQ_INT(grym_store_get(st, id, &data, &len, 1, &err), GRYM_ERR_CORRUPT,
			   "verified get catches it");
		TAP_EQ_INT(grym_store_get(st, id, &data, &len, 0, &err), GRYM_OK,
			   "unverified get still reads");
		free(data);
		{
			char hex[GRYM_ID_LEN + 1], again[GRYM_ID_LEN + 1];
			TAP_EQ_INT(grym_store_hash(st, id, hex, &err), GRYM_OK, "hash reads a damaged object");
			TAP_OK(grym_id_is_full(hex) && strcmp(hex, id) != 0,
			       "and gives what it hashes to now: %s", hex);
			TAP_EQ_INT(grym_store_put(st, big, n, again, &err), GRYM_OK, "a put of the right bytes");
			TAP_EQ_INT(grym_store_verify(st, id, &err), GRYM_ERR_CORRUPT,
				   "keeps the damaged object of the same size");
			TAP_EQ_INT(grym_store_restore(st, big, n, again, &err), GRYM_OK,
				   "a restore of the right bytes");
			TAP_EQ_INT(grym_store_verify(st, id, &err), GRYM_OK, "replaces it");
		}

		/* A truncated copy is replaced by a new put of the right bytes. */
		truncate(path, 10);
		TAP_EQ_INT(grym_store_put(st, big, n, id, &err), GRYM_OK, "put over a truncated object");
		TAP_EQ_INT(grym_store_verify(st, id, &err), GRYM_OK, "repaired");

		/* Abort leaves nothing. */
		w = grym_store_writer_new(st, &err);
		TAP_SETUP(grym_store_writer_write(w, "zzz", 3, &err));
		grym_store_writer_abort(w);
		TAP_EQ_INT(count_dir(tmpd), 0, "abort removes the temporary");
		free(big);
	}

	{
		struct visit v = { 0 };
		TAP_EQ_INT(grym_store_foreach(st, visit, &v, &err), GRYM_OK, "foreach");
		TAP_EQ_INT(v.n, 3, "three objects");
		TAP_EQ_INT(v.bytes, 300003, "their bytes");
		TAP_OK(v.saw_abc, "abc among them");
	}

	/* Files under objects/ that are not objects are ignored by foreach. */
	snprintf(path, sizeof path, "%s/objects/ba/junk", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	{
		struct visit v = { 0 };
		TAP_SETUP(grym_store_foreach(st, visit, &v, &err));
		TAP_EQ_INT(v.n, 3, "junk file not visited");
	}

	TAP_EQ_INT(grym_store_remove(st, ABC, &err), GRYM_OK, "remove");
	TAP_EQ_INT(grym_store_has(st, ABC), 0, "gone");
	TAP_EQ_INT(grym_store_remove(st, ABC, &err), GRYM_ERR_NOTFOUND, "remove twice");
	TAP_EQ_INT(grym_store_get(st, ABC, &data, &len, 0, &err), GRYM_ERR_NOTFOUND, "get missing");

	/* clean_tmp respects the grace period, and never removes the
	 * temporary of a live writer (the PID its name starts with). */
	{
		char stray[8192];
		struct timespec old[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };
		pid_t dead = fork();
		if (dead == 0)
			_exit(0);
		waitpid(dead, NULL, 0);
		snprintf(stray, sizeof stray, "%s/%ld-old.tmp", tmpd, (long)dead);
		close(open(stray, O_CREAT | O_WRONLY, 0644));
		utimensat(AT_FDCWD, stray, old, 0);
		snprintf(stray, sizeof stray, "%s/%ld-new.tmp", tmpd, (long)dead);
		close(open(stray, O_CREAT | O_WRONLY, 0644));
		snprintf(stray, sizeof stray, "%s/%ld-live.tmp", tmpd, (long)getpid());
		close(open(stray, O_CREAT | O_WRONLY, 0644));
		utimensat(AT_FDCWD, stray, old, 0);
		TAP_EQ_INT(grym_store_clean_tmp(st, 3600, &err), GRYM_OK, "clean_tmp 1h");
		TAP_EQ_INT(count_dir(tmpd), 2, "only the old stray of a dead writer removed");
		TAP_EQ_INT(grym_store_clean_tmp(st, 0, &err), GRYM_OK, "clean_tmp 0");
		TAP_EQ_INT(count_dir(tmpd), 1, "all strays of dead writers removed");
		TAP_OK(access(stray, F_OK) == 0, "the live writer's temporary is kept, even with grace 0");
		unlink(stray);
	}
	TAP_EQ_STR(grym_store_dir(st), dir, "store dir");
	grym_store_close(st);
	return tap_done();
}
