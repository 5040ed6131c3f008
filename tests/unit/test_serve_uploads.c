/*
 * test_serve_uploads.c — resumable uploads (grym/serve_uploads.h): a
 * file sent in pieces, a piece at the wrong offset refused without a
 * byte written, a resume after the handle is closed and opened again (a
 * restart), the owner rule, limits, a name that is not UTF-8, expiry of
 * abandoned uploads, the ids that may never name a file. (The
 * Content-Range parser that reads a piece's place: test_serve_http.c.)
 */
#include "grym/grym.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int files_in(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

int main(void)
{
	char dir[4096];
	unsigned char data[10000];
	grym_error err = { 0 };
	grym_upload_info info, again;
	grym_uploads *u;

	tap_plan(40);
	snprintf(dir, sizeof dir, "%s/uploads", tap_tmpdir());
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7 + 3);

	u = grym_uploads_open(dir, 1 << 20, &err);
	TAP_OK(u != NULL, "the staging folder opens: %s", err.msg);
	if (!u)
		return tap_done();
	struct stat st;
	TAP_OK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "made with mode 0700");

	/* sent in three pieces */
	TAP_EQ_INT(grym_uploads_create(u, sizeof data, "take 1.wav", "alice", &info, &err), GRYM_OK,
		   "an upload of 10000 bytes begins: %s", err.msg);
	TAP_EQ_INT(strlen(info.id), GRYM_UPLOAD_ID_LEN, "its id is 32 hex digits");
	TAP_OK(info.received == 0 && info.size == sizeof data, "nothing received yet");
	TAP_EQ_INT(grym_uploads_write(u, info.id, "alice", 0, data, 4000, &info, &err), GRYM_OK,
		   "the first piece: %s", err.msg);
	TAP_EQ_INT(info.received, 4000, "4000 bytes in");

	/* a piece at the wrong offset: refused, nothing written */
	TAP_EQ_INT(grym_uploads_write(u, info.id, "alice", 3000, data + 3000, 2000, &again, &err),
		   GRYM_ERR_CONFLICT, "a piece that overlaps is a conflict");
	TAP_EQ_STR(strstr(err.msg, "expected offset"), "expected offset 4000, got 3000",
		   "naming the offset to resume from");
	TAP_EQ_INT(grym_uploads_write(u, info.id, "alice", 6000, data + 6000, 10, &again, &err),
		   GRYM_ERR_CONFLICT, "a piece that leaves a gap too");

	/* a restart: a new handle sees how far it got */
	grym_uploads_close(u);
	u = grym_uploads_open(dir, 1 << 20, &err);
	TAP_EQ_INT(u ? grym_uploads_get(u, info.id, "alice", &again, &err) : -99, GRYM_OK,
		   "after a restart the upload is there: %s", err.msg);
	TAP_OK(again.received == 4000 && again.size == sizeof data && !strcmp(again.name, "take 1.wav"),
	       "at 4000 of 10000 bytes, under its name");
	TAP_OK(grym_uploads_path(u, info.id, "alice", &err) == NULL && err.code == GRYM_ERR_INVALID,
	       "an incomplete upload has no file to ingest: %s", err.msg);

	/* the rest, and one byte too many */
	TAP_EQ_INT(grym_uploads_write(u, info.id, "alice", 4000, data + 4000, 6001, &again, &err),
		   GRYM_ERR_LIMIT, "a piece past the declared size is refused");
	TAP_EQ_INT(grym_uploads_write(u, info.id, "alice", 4000, data + 4000, 6000, &again, &err),
		   GRYM_OK, "the rest: %s", err.msg);
	TAP_EQ_INT(again.received, sizeof data, "all 10000 bytes in");
	char *path = grym_uploads_path(u, info.id, "alice", &err);
	TAP_OK(path != NULL, "a complete upload gives its file: %s", err.msg);
	int same = 0;
	if (path) {
		FILE *f = fopen(path, "rb");
		unsigned char back[sizeof data + 1];
		size_t n = f ? fread(back, 1, sizeof back, f) : 0;
		same = n == sizeof data && memcmp(back, data, n) == 0;
		if (f)
			fclose(f);
	}
	TAP_OK(same, "holding exactly the bytes sent");
	TAP_OK(path && strncmp(path, dir, strlen(dir)) == 0, "inside the staging folder");

	/* the owner rule: another principal sees nothing */
	TAP_EQ_INT(grym_uploads_get(u, info.id, "mallory", &again, &err), GRYM_ERR_NOTFOUND,
		   "another principal cannot see it");
	TAP_EQ_INT(grym_uploads_write(u, info.id, "mallory", 10000, data, 1, &again, &err),
		   GRYM_ERR_NOTFOUND, "nor write to it");
	TAP_EQ_INT(grym_uploads_remove(u, info.id, "mallory", &err), GRYM_ERR_NOTFOUND,
		   "nor remove it");
	TAP_EQ_INT(grym_uploads_remove(u, info.id, "alice", &err), GRYM_OK, "its owner removes it");
	TAP_EQ_INT(file_size(path), -1, "and its file is gone");
	free(path);
	TAP_EQ_INT(files_in(dir), 0, "the folder is empty again");

	/* ids that must never name a file */
	TAP_EQ_INT(grym_uploads_get(u, "../../etc/passwd", "alice", &again, &err), GRYM_ERR_INVALID,
		   "a path as an id is refused");
	TAP_EQ_INT(grym_uploads_get(u, "0123456789ABCDEF0123456789abcdef", "alice", &again, &err),
		   GRYM_ERR_INVALID, "upper-case hex is not an id");
	TAP_EQ_INT(grym_uploads_get(u, "0123456789abcdef0123456789abcdef", "alice", &again, &err),
		   GRYM_ERR_NOTFOUND, "a well-formed unknown id is not found");

	/* limits */
	TAP_EQ_INT(grym_uploads_create(u, (1 << 20) + 1, "big", "alice", &again, &err),
		   GRYM_ERR_LIMIT, "more than --max-upload is refused: %s", err.msg);
	TAP_EQ_INT(grym_uploads_create(u, 0, "empty", "alice", &again, &err), GRYM_ERR_INVALID,
		   "an empty upload is refused");
	TAP_EQ_INT(grym_uploads_create(u, 5, "x", "", &again, &err), GRYM_ERR_INVALID,
		   "an upload without an owner is refused");

	/* a name that is not UTF-8 comes back byte for byte */
	TAP_EQ_INT(grym_uploads_create(u, 3, "caf\xe9\n\t.wav", "bob", &info, &err), GRYM_OK,
		   "a Latin-1 name with a newline and a TAB: %s", err.msg);
	TAP_EQ_INT(grym_uploads_get(u, info.id, "bob", &again, &err), GRYM_OK, "read back");
	TAP_EQ_STR(again.name, "caf\xe9\n\t.wav", "its name kept exactly");

	/* expiry: an abandoned upload goes, a live one stays */
	grym_upload_info live;
	TAP_EQ_INT(grym_uploads_create(u, 3, "live", "bob", &live, &err), GRYM_OK, "a second upload");
	char stray[4200];
	snprintf(stray, sizeof stray, "%s/stray.tmp", dir);
	FILE *f = fopen(stray, "w");
	if (f)
		fclose(f);
	int removed = -1;
	time_t now = time(NULL);
	TAP_EQ_INT(grym_uploads_expire(u, (int64_t)now, 3600, &removed, &err), GRYM_OK, "expire");
	TAP_EQ_INT(removed, 0, "nothing is an hour old yet");
	TAP_EQ_INT(grym_uploads_expire(u, (int64_t)now + 7200, 3600, &removed, &err), GRYM_OK,
		   "expire two hours later");
	TAP_EQ_INT(removed, 2, "both uploads were abandoned");
	TAP_EQ_INT(files_in(dir), 0, "their files and the stray one are gone");

	grym_uploads_close(u);
	return tap_done();
}
