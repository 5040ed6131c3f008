/*
 * uploads.c — resumable uploads staged on disk (grym/serve_uploads.h).
 *
 * Every file operation goes through the staging folder's descriptor
 * (openat, unlinkat, renameat), and an id is checked to be 32 hex digits
 * before it names a file, so no request can name a file outside it.
 * ID.json is written once, at creation, by rename from a temporary; the
 * number of bytes received is the size of ID.part, read under the lock
 * that every write takes, so it survives a restart and is never out of
 * step with the bytes.
 */
#include "grym/serve_uploads.h"
#include "grym/pathname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAME_MAX_BYTES 1024   /* of a client's file name kept in ID.json */

struct grym_uploads {
	char *dir;
	int dirfd;
	uint64_t max_bytes;
};

static int is_id(const char *id)
{
	size_t n = 0;
	if (!id)
		return 0;
	for (; id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return 0;
	return n == GRYM_UPLOAD_ID_LEN;
}

static int check_id(const char *id, grym_error *err)
{
	if (!is_id(id))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "upload id: not %d hexadecimal digits", GRYM_UPLOAD_ID_LEN);
	return GRYM_OK;
}

grym_uploads *grym_uploads_open(const char *dir, uint64_t max_bytes, grym_error *err)
{
	grym_uploads *u;

	if (sodium_init() < 0) {
		grym_error_set(err, GRYM_ERR_INTERNAL, "libsodium could not be initialized");
		return NULL;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		grym_error_set(err, GRYM_ERR_IO, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!(u = calloc(1, sizeof *u)) || !(u->dir = strdup(dir))) {
		free(u);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	u->max_bytes = max_bytes;
	u->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u->dirfd < 0) {
		grym_error_set(err, GRYM_ERR_IO, "%s: %s", dir, strerror(errno));
		grym_uploads_close(u);
		return NULL;
	}
	return u;
}

void grym_uploads_close(grym_uploads *u)
{
	if (!u)
		return;
	if (u->dirfd >= 0)
		close(u->dirfd);
	free(u->dir);
	free(u);
}

/* ---- the description, ID.json ---- */

typedef struct meta {
	uint64_t size;
	int64_t created;
	char *name, *owner;
} meta;

static void meta_clear(meta *m)
{
	free(m->name);
	free(m->owner);
	memset(m, 0, sizeof *m);
}

static int meta_read(grym_uploads *u, const char *id, meta *m, grym_error *err)
{
	char file[GRYM_UPLOAD_ID_LEN + 8];
	char buf[4 * NAME_MAX_BYTES + 512];
	json_t *j = NULL;
	json_error_t je;
	ssize_t n;
	int fd, rc = GRYM_OK;

	memset(m, 0, sizeof *m);
	snprintf(file, sizeof file, "%s.json", id);
	if ((fd = openat(u->dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? grym_error_set(err, GRYM_ERR_NOTFOUND, "upload %s: not found", id)
				       : grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id,
							strerror(errno));
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id, strerror(errno));
	buf[n] = 0;
	j = json_loads(buf, 0, &je);
	const json_t *size = json_object_get(j, "size"), *created = json_object_get(j, "created");
	const char *owner = json_string_value(json_object_get(j, "owner"));
	if (!json_is_integer(size) || json_integer_value(size) < 1 || !json_is_integer(created) ||
	    !owner) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "upload %s: its description is damaged", id);
	} else {
		m->size = (uint64_t)json_integer_value(size);
		m->created = json_integer_value(created);
		if (!(m->owner = strdup(owner)))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		else
			rc = grym_json_get_path(j, "name", &m->name, err);
	}
	json_decref(j);
	if (rc != GRYM_OK)
		meta_clear(m);
	return rc;
}

/* ID.json, written to a temporary and renamed, so it is whole or absent. */
static int meta_write(grym_uploads *u, const char *id, const meta *m, grym_error *err)
{
	char tmp[GRYM_UPLOAD_ID_LEN + 16], file[GRYM_UPLOAD_ID_LEN + 8];
	json_t *j = json_pack("{sIsIss}", "size", (json_int_t)m->size, "created",
			      (json_int_t)m->created, "owner", m->owner);
	char *text = NULL;
	int fd = -1, rc;

	if (!j)
		return grym_error_set(err, GRYM_ERR_INVALID, "upload owner: not UTF-8 text");
	rc = grym_json_set_path(j, "name", m->name, err);
	if (rc == GRYM_OK && !(text = json_dumps(j, JSON_COMPACT)))
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	json_decref(j);
	if (rc != GRYM_OK)
		return rc;
	snprintf(tmp, sizeof tmp, "%s.json.tmp", id);
	snprintf(file, sizeof file, "%s.json", id);
	fd = openat(u->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s/%s: %s", u->dir, tmp, strerror(errno));
	if (fd >= 0 && close(fd) != 0 && rc == GRYM_OK)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s/%s: %s", u->dir, tmp, strerror(errno));
	if (rc == GRYM_OK && renameat(u->dirfd, tmp, u->dirfd, file) != 0)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s/%s: %s", u->dir, file, strerror(errno));
	if (rc != GRYM_OK)
		unlinkat(u->dirfd, tmp, 0);
	free(text);
	return rc;
}

/* The description of owner's upload id, NOTFOUND for another's. */
static int meta_of(grym_uploads *u, const char *id, const char *owner, meta *m, grym_error *err)
{
	int rc = check_id(id, err);
	if (rc == GRYM_OK)
		rc = meta_read(u, id, m, err);
	if (rc == GRYM_OK && (!owner || strcmp(owner, m->owner) != 0)) {
		meta_clear(m);
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "upload %s: not found", id);
	}
	return rc;
}

/* id may be info->id itself (a caller passing its info back in). */
static void info_fill(grym_upload_info *info, const char *id, const meta *m, uint64_t received)
{
	char idc[GRYM_UPLOAD_ID_LEN + 1];
	snprintf(idc, sizeof idc, "%s", id);
	memset(info, 0, sizeof *info);
	memcpy(info->id, idc, sizeof idc);
	info->size = m->size;
	info->received = received;
	info->created = m->created;
	snprintf(info->name, sizeof info->name, "%s", m->name ? m->name : "");
}

/* Open ID.part (flags) locked exclusively; its size in *received. */
static int part_open(grym_uploads *u, const char *id, int flags, uint64_t *received,
		     grym_error *err)
{
	char file[GRYM_UPLOAD_ID_LEN + 8];
	struct stat st;
	int fd;

	snprintf(file, sizeof file, "%s.part", id);
	fd = openat(u->dirfd, file, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == ENOENT ? grym_error_set(err, GRYM_ERR_NOTFOUND, "upload %s: not found", id)
				       : grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id,
							strerror(errno));
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id, strerror(e));
	}
	*received = (uint64_t)st.st_size;
	return fd;
}

/* ---- the calls ---- */

int grym_uploads_create(grym_uploads *u, uint64_t size, const char *name, const char *owner,
			grym_upload_info *info, grym_error *err)
{
	unsigned char rnd[GRYM_UPLOAD_ID_LEN / 2];
	char id[GRYM_UPLOAD_ID_LEN + 1], file[GRYM_UPLOAD_ID_LEN + 8];
	meta m = { 0 };
	int fd, rc;

	if (size == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "upload: a size of 0 bytes");
	if (u->max_bytes && size > u->max_bytes)
		return grym_error_set(err, GRYM_ERR_LIMIT,
				      "upload: %" PRIu64 " bytes is more than the limit of %" PRIu64,
				      size, u->max_bytes);
	if (!owner || !*owner)
		return grym_error_set(err, GRYM_ERR_INVALID, "upload: no owner");
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
	snprintf(file, sizeof file, "%s.part", id);
	/* the data file first: an ID.json never stands without its ID.part */
	fd = openat(u->dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s/%s: %s", u->dir, file, strerror(errno));
	close(fd);
	m.size = size;
	m.created = (int64_t)time(NULL);
	m.owner = (char *)owner;
	m.name = strndup(name ? name : "", NAME_MAX_BYTES);
	if (!m.name)
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	else
		rc = meta_write(u, id, &m, err);
	if (rc == GRYM_OK)
		info_fill(info, id, &m, 0);
	else
		unlinkat(u->dirfd, file, 0);
	free(m.name);
	return rc;
}

int grym_uploads_get(grym_uploads *u, const char *id, const char *owner, grym_upload_info *info,
		     grym_error *err)
{
	meta m;
	uint64_t received = 0;
	int rc = meta_of(u, id, owner, &m, err), fd;

	if (rc != GRYM_OK)
		return rc;
	if ((fd = part_open(u, id, O_RDONLY, &received, err)) < 0) {
		meta_clear(&m);
		return fd;
	}
	close(fd);
	info_fill(info, id, &m, received);
	meta_clear(&m);
	return GRYM_OK;
}

int grym_uploads_write(grym_uploads *u, const char *id, const char *owner, uint64_t offset,
		       const void *buf, size_t len, grym_upload_info *info, grym_error *err)
{
	meta m;
	uint64_t received = 0;
	int rc = meta_of(u, id, owner, &m, err), fd;

	if (rc != GRYM_OK)
		return rc;
	if ((fd = part_open(u, id, O_WRONLY, &received, err)) < 0) {
		meta_clear(&m);
		return fd;
	}
	if (offset != received)
		rc = grym_error_set(err, GRYM_ERR_CONFLICT,
				    "upload %s: expected offset %" PRIu64 ", got %" PRIu64, id, received,
				    offset);
	else if (len > m.size - received)
		rc = grym_error_set(err, GRYM_ERR_LIMIT,
				    "upload %s: %" PRIu64 " bytes past its declared size of %" PRIu64,
				    id, received + len - m.size, m.size);
	for (size_t done = 0; rc == GRYM_OK && done < len;) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done, (off_t)(received + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id,
					    n < 0 ? strerror(errno) : "nothing written");
			/* back to where it stood: a retry of the piece can succeed */
			if (ftruncate(fd, (off_t)received) != 0)
				rc = grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	if (rc == GRYM_OK) {
		received += len;
		if (received == m.size && fsync(fd) != 0)
			rc = grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id, strerror(errno));
	}
	if (close(fd) != 0 && rc == GRYM_OK)
		rc = grym_error_set(err, GRYM_ERR_IO, "upload %s: %s", id, strerror(errno));
	if (rc == GRYM_OK)
		info_fill(info, id, &m, received);
	meta_clear(&m);
	return rc;
}

char *grym_uploads_path(grym_uploads *u, const char *id, const char *owner, grym_error *err)
{
	grym_upload_info info;
	char *path;

	if (grym_uploads_get(u, id, owner, &info, err) != GRYM_OK)
		return NULL;
	if (info.received != info.size) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "upload %s: incomplete: %" PRIu64 " of %" PRIu64 " bytes", id,
			       info.received, info.size);
		return NULL;
	}
	if (asprintf(&path, "%s/%s.part", u->dir, id) < 0) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	return path;
}

static void remove_files(grym_uploads *u, const char *id)
{
	char file[GRYM_UPLOAD_ID_LEN + 16];
	snprintf(file, sizeof file, "%s.json", id);
	unlinkat(u->dirfd, file, 0);   /* the description first: see create */
	snprintf(file, sizeof file, "%s.part", id);
	unlinkat(u->dirfd, file, 0);
}

int grym_uploads_remove(grym_uploads *u, const char *id, const char *owner, grym_error *err)
{
	meta m;
	int rc = meta_of(u, id, owner, &m, err);
	if (rc == GRYM_OK) {
		remove_files(u, id);
		meta_clear(&m);
	}
	return rc;
}

int grym_uploads_expire(grym_uploads *u, int64_t now, int64_t max_age, int *removed,
			grym_error *err)
{
	int fd = dup(u->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", u->dir, strerror(errno));
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		struct stat st;
		char id[GRYM_UPLOAD_ID_LEN + 1];
		const char *dot = strchr(e->d_name, '.');
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(u->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    now - (int64_t)st.st_mtime <= max_age)
			continue;
		if (dot && dot - e->d_name == GRYM_UPLOAD_ID_LEN && !strcmp(dot, ".part")) {
			memcpy(id, e->d_name, GRYM_UPLOAD_ID_LEN);
			id[GRYM_UPLOAD_ID_LEN] = 0;
			if (is_id(id)) {
				remove_files(u, id);
				n++;
				continue;
			}
		}
		/* a description goes with its data (above); one whose data went,
		 * a temporary, anything else: once it is as old as an abandoned
		 * upload */
		if (dot && dot - e->d_name == GRYM_UPLOAD_ID_LEN && !strcmp(dot, ".json")) {
			char part[GRYM_UPLOAD_ID_LEN + 8];
			struct stat ps;
			snprintf(part, sizeof part, "%.*s.part", GRYM_UPLOAD_ID_LEN, e->d_name);
			if (fstatat(u->dirfd, part, &ps, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
		}
		if (!S_ISDIR(st.st_mode))
			unlinkat(u->dirfd, e->d_name, 0);
	}
	closedir(d);
	if (removed)
		*removed = n;
	return GRYM_OK;
}
