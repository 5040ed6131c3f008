/*
 * test_store_reader.c — the store's streaming read (grym_store_open_read):
 * an object read in pieces and by seeking, its size, its fd and the name
 * a decoder opens it by (grym_fd_path), a missing object and a bad id
 * named, an object cut or grown while open (GRYM_ERR_CORRUPT) or cut
 * before (the size says so, for the catalog to compare), and one removed
 * or replaced while open (the reader keeps reading what it opened).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grym/hash.h"
#include "grym/pathname.h"
#include "grym/store.h"
#include "tap.h"

#define N 300000

/* The directory backend's file of an object (white-box: no call names
 * it), to damage it on disk. */
static void object_file(const char *dir, const char *id, char *path, size_t len)
{
	snprintf(path, len, "%s/objects/%.2s/%s", dir, id, id);
}

/* Everything left in r, in pieces of `piece` bytes; the status of the
 * read that ended it (0 at a clean end) in *rc, the bytes in *got. */
static unsigned char *read_rest(grym_store_reader *r, size_t piece, size_t *got, int64_t *rc,
				int *reads, grym_error *err)
{
	unsigned char *buf = malloc(N + 16);
	int64_t n;
	*got = 0;
	*reads = 0;
	while ((n = grym_store_reader_read(r, buf + *got,
					   piece < N + 16 - *got ? piece : N + 16 - *got, err)) > 0) {
		*got += (size_t)n;
		(*reads)++;
	}
	*rc = n;
	return buf;
}

int main(void)
{
	tap_plan(49);
	const char *dir = tap_tmpdir();
	grym_error err = { 0 };
	char id[GRYM_ID_LEN + 1], path[4096], name[64];
	unsigned char *big = malloc(N), *back;
	grym_store_reader *r = NULL;
	size_t got;
	int64_t rc;
	int reads;

	for (size_t i = 0; i < N; i++)
		big[i] = (unsigned char)(i * 13 + (i >> 8));
	grym_store *st = grym_store_open_dir(dir, &err);
	TAP_OK(st != NULL, "open store: %s", err.msg);
	TAP_EQ_INT(grym_store_put(st, big, N, id, &err), GRYM_OK, "put %d bytes", N);

	/* in pieces, to the end and past it */
	TAP_EQ_INT((r = grym_store_open_read(st, id, &err)) ? GRYM_OK : err.code,
		   GRYM_OK, "open_read");
	TAP_EQ_INT(grym_store_reader_size(r), N, "size");
	TAP_EQ_STR(grym_store_reader_id(r), id, "id");
	back = read_rest(r, 777, &got, &rc, &reads, &err);
	TAP_EQ_INT(rc, 0, "read in pieces to a clean end: %s", err.msg);
	TAP_OK(got == N && memcmp(back, big, N) == 0, "the same bytes back (%zu)", got);
	TAP_EQ_INT(reads, (N + 776) / 777, "pieces of at most the size asked");
	TAP_EQ_INT(grym_store_reader_read(r, back, 100, &err), 0, "0 again at the end");
	free(back);

	/* seek */
	TAP_EQ_INT(grym_store_reader_seek(r, 123456, &err), GRYM_OK, "seek");
	{
		unsigned char ten[10];
		TAP_OK(grym_store_reader_read(r, ten, 10, &err) == 10 &&
		       memcmp(ten, big + 123456, 10) == 0, "reads from there");
	}
	TAP_EQ_INT(grym_store_reader_seek(r, N + 1, &err), GRYM_ERR_INVALID, "no seek past the end");
	TAP_OK(strstr(err.msg, id) != NULL, "named: %s", err.msg);

	/* the fd, and the name a decoder opens it by */
	{
		int fd = grym_store_reader_fd(r, &err);
		unsigned char c, buf[64];
		TAP_OK(fd >= 0, "an fd: %s", err.msg);
		TAP_OK(pread(fd, &c, 1, 5) == 1 && c == big[5], "it holds the object's bytes");
		TAP_EQ_INT(grym_store_reader_seek(r, 1000, &err), GRYM_OK, "seek to 1000");
		TAP_OK(lseek(fd, 0, SEEK_END) == N, "moving the fd's offset...");
		TAP_OK(grym_store_reader_read(r, buf, 4, &err) == 4 && memcmp(buf, big + 1000, 4) == 0,
		       "...does not move the reader");
		TAP_EQ_INT(grym_fd_path(fd, name, sizeof name, &err), GRYM_OK, "fd path");
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		TAP_EQ_STR(name, path, "is /proc/self/fd/N");
		int fd2 = open(name, O_RDONLY | O_CLOEXEC);
		TAP_OK(fd2 >= 0 && lseek(fd2, 299990, SEEK_SET) == 299990 && read(fd2, buf, 64) == 10 &&
		       memcmp(buf, big + 299990, 10) == 0, "which opens the object afresh, seekable");
		if (fd2 >= 0)
			close(fd2);
		TAP_EQ_INT(grym_fd_path(-1, name, sizeof name, &err), GRYM_ERR_INVALID,
			   "no path for a bad fd");
	}
	grym_store_reader_close(r);

	/* missing, bad id */
	{
		char missing[GRYM_ID_LEN + 1];
		grym_sha256_hex("not stored", 10, missing);
		r = (grym_store_reader *)1;
		TAP_EQ_INT((r = grym_store_open_read(st, missing, &err)) ? GRYM_OK : err.code,
			   GRYM_ERR_NOTFOUND, "a missing object");
		TAP_OK(r == NULL, "no reader");
		TAP_OK(strstr(err.msg, missing) && strstr(err.msg, "not found"), "named: %s", err.msg);
		TAP_EQ_INT((r = grym_store_open_read(st, "../../etc/passwd", &err)) ? GRYM_OK : err.code,
			   GRYM_ERR_INVALID, "a path is not an id");
	}

	/* cut while open: the end comes early */
	object_file(dir, id, path, sizeof path);
	TAP_EQ_INT((r = grym_store_open_read(st, id, &err)) ? GRYM_OK : err.code, GRYM_OK, "open");
	TAP_EQ_INT(truncate(path, 1000), 0, "cut the object to 1000 bytes");
	back = read_rest(r, 65536, &got, &rc, &reads, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "a truncated object fails the read");
	TAP_EQ_INT(got, 1000, "after the bytes there are");
	TAP_OK(strstr(err.msg, id) && strstr(err.msg, "read 1000 bytes, size is 300000"),
	       "named, with both sizes: %s", err.msg);
	free(back);
	grym_store_reader_close(r);

	/* cut before open: the store cannot know, its size tells the catalog */
	TAP_EQ_INT((r = grym_store_open_read(st, id, &err)) ? GRYM_OK : err.code,
		   GRYM_OK, "open the cut object");
	TAP_EQ_INT(grym_store_reader_size(r), 1000, "its size is what is there");
	back = read_rest(r, 300, &got, &rc, &reads, &err);
	TAP_OK(rc == 0 && got == 1000, "read whole");
	free(back);

	/* grown while open */
	{
		int fd = open(path, O_WRONLY | O_APPEND);
		TAP_OK(fd >= 0 && write(fd, "x", 1) == 1, "one byte appended");
		if (fd >= 0)
			close(fd);
	}
	TAP_EQ_INT(grym_store_reader_seek(r, 0, &err), GRYM_OK, "back to the start");
	back = read_rest(r, 300, &got, &rc, &reads, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "an object going on past its size fails");
	TAP_OK(strstr(err.msg, id) && strstr(err.msg, "more than its 1000 bytes"), "named: %s",
	       err.msg);
	free(back);
	grym_store_reader_close(r);

	/* repaired, then replaced and removed while open: a reader reads the
	 * object it opened */
	TAP_EQ_INT(grym_store_restore(st, big, N, id, &err), GRYM_OK, "restore the object");
	TAP_EQ_INT((r = grym_store_open_read(st, id, &err)) ? GRYM_OK : err.code, GRYM_OK, "open");
	{
		unsigned char *other = malloc(N);
		char oid[GRYM_ID_LEN + 1];
		memcpy(other, big, N);
		other[0] ^= 1;
		/* other bytes renamed over its file, as a restore by another
		 * process would */
		TAP_EQ_INT(grym_store_put(st, other, N, oid, &err), GRYM_OK, "another object");
		char opath[4096];
		object_file(dir, oid, opath, sizeof opath);
		TAP_EQ_INT(rename(opath, path), 0, "renamed over the open one");
		free(other);
	}
	back = read_rest(r, 4096, &got, &rc, &reads, &err);
	TAP_OK(rc == 0 && got == N && memcmp(back, big, N) == 0,
	       "the open reader still reads the bytes it opened");
	free(back);
	TAP_EQ_INT(grym_store_reader_seek(r, 0, &err), GRYM_OK, "rewind");
	TAP_EQ_INT(grym_store_remove(st, id, &err), GRYM_OK, "remove it (gc)");
	back = read_rest(r, 4096, &got, &rc, &reads, &err);
	TAP_OK(rc == 0 && got == N && memcmp(back, big, N) == 0, "and after its removal");
	free(back);
	grym_store_reader_close(r);

	/* an empty object */
	TAP_EQ_INT(grym_store_put(st, "", 0, id, &err), GRYM_OK, "put empty");
	TAP_EQ_INT((r = grym_store_open_read(st, id, &err)) ? GRYM_OK : err.code,
		   GRYM_OK, "open it");
	{
		unsigned char c;
		TAP_OK(grym_store_reader_size(r) == 0 && grym_store_reader_read(r, &c, 1, &err) == 0,
		       "size 0, at its end at once");
	}
	grym_store_reader_close(r);
	grym_store_reader_close(NULL);
	grym_store_close(st);
	free(big);
	return tap_done();
}
