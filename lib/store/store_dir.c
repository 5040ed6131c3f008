/*
 * store_dir.c — the object store's directory backend.
 *
 * Layout under the store directory:
 *     objects/ab/abcdef...   one file per object, named by its SHA-256
 *     tmp/PID-RANDOM.tmp     objects being written (only where O_TMPFILE
 *                            is not supported)
 * A write goes to an unnamed temporary file in tmp/ (O_TMPFILE), is
 * fsynced, linked under its real name through /proc/self/fd/N and the
 * fan-out directory fsynced, so after a crash a real name holds either
 * nothing or the complete object, and a killed writer — even by SIGKILL —
 * leaves nothing at all. Where the file system has no O_TMPFILE the
 * temporary is a named file (O_EXCL) renamed into place; a killed writer
 * then leaves a stray temporary, which grym_store_clean_tmp removes once
 * its writer (the PID in its name) is gone — never while it is alive,
 * whatever the grace period.
 *
 * An object already present under its name is kept (its mtime refreshed,
 * so gc's grace period covers a row about to reference it) unless its size
 * differs from the new bytes', in which case the damaged copy is replaced.
 */
#include <dirent.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_backend.h"

#define WBUF_SIZE (1 << 16)

typedef struct dir_store {
	char *root;             /* the store directory */
	char *objects;          /* root/objects */
	char *tmp;              /* root/tmp */
} dir_store;

typedef struct dir_pending {
	dir_store *ds;
	int fd;
	int anonymous;          /* O_TMPFILE: tmp_path is /proc/self/fd/N */
	char tmp_path[PATH_MAX];
	size_t buffered;
	unsigned char buf[WBUF_SIZE];
} dir_pending;

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", a, b);
	return s;
}

static int mkdir_p(const char *path, grym_error *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return grym_error_set(err, GRYM_ERR_INVALID, "bad directory name '%s'", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return grym_error_set(err, GRYM_ERR_IO, "%s: %s", buf, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return GRYM_OK;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static void object_path(const dir_store *ds, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%.2s/%s", ds->objects, id, id);
}

static void dir_close(void *be)
{
	dir_store *ds = be;
	if (!ds)
		return;
	free(ds->root);
	free(ds->objects);
	free(ds->tmp);
	free(ds);
}

void *grym_store_dir_backend_open(const char *dir, grym_error *err)
{
	dir_store *ds = calloc(1, sizeof *ds);
	if (!ds)
		goto nomem;
	ds->root = strdup(dir);
	ds->objects = join(dir, "objects");
	ds->tmp = join(dir, "tmp");
	if (!ds->root || !ds->objects || !ds->tmp)
		goto nomem;
	if (strlen(ds->objects) + 2 * GRYM_ID_LEN >= PATH_MAX) {
		grym_error_set(err, GRYM_ERR_INVALID, "%s: path too long", dir);
		dir_close(ds);
		return NULL;
	}
	if (mkdir_p(ds->objects, err) != GRYM_OK || mkdir_p(ds->tmp, err) != GRYM_OK) {
		dir_close(ds);
		return NULL;
	}
	return ds;
nomem:
	dir_close(ds);
	grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return NULL;
}

static const char *dir_location(const void *be)
{
	return ((const dir_store *)be)->root;
}

static int dir_w_open(void *be, void **pending, grym_error *err)
{
	dir_store *ds = be;
	dir_pending *p = malloc(sizeof *p);
	if (!p)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	p->ds = ds;
	p->buffered = 0;
	p->anonymous = 0;
	/* Unnamed first; linking it later needs /proc. */
	if (access("/proc/self/fd", X_OK) == 0 &&
	    (p->fd = open(ds->tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0644)) >= 0) {
		p->anonymous = 1;
		snprintf(p->tmp_path, sizeof p->tmp_path, "/proc/self/fd/%d", p->fd);
		*pending = p;
		return GRYM_OK;
	}
	for (int attempt = 0; ; attempt++) {
		uint64_t r = 0;
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			r ^= (uint64_t)(uintptr_t)p ^ ((uint64_t)attempt << 32);
		snprintf(p->tmp_path, sizeof p->tmp_path, "%s/%ld-%016llx.tmp", ds->tmp,
			 (long)getpid(), (unsigned long long)r);
		p->fd = open(p->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (p->fd >= 0)
			break;
		if (errno != EEXIST || attempt > 16) {
			int e = errno;
			free(p);
			return grym_error_set(err, GRYM_ERR_IO, "%s: %s", ds->tmp, strerror(e));
		}
	}
	*pending = p;
	return GRYM_OK;
}

static int write_all(int fd, const unsigned char *data, size_t len, const char *path,
		     grym_error *err)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return GRYM_OK;
}

static int flush(dir_pending *p, grym_error *err)
{
	int rc = write_all(p->fd, p->buf, p->buffered, p->tmp_path, err);
	p->buffered = 0;
	return rc;
}

static int dir_w_write(void *pending, const void *data, size_t len, grym_error *err)
{
	dir_pending *p = pending;
	assert(p->fd >= 0 && p->buffered <= WBUF_SIZE);
	if (p->buffered + len > WBUF_SIZE) {
		int rc = flush(p, err);
		if (rc != GRYM_OK)
			return rc;
		if (len >= WBUF_SIZE)
			return write_all(p->fd, data, len, p->tmp_path, err);
	}
	memcpy(p->buf + p->buffered, data, len);
	p->buffered += len;
	assert(p->buffered <= WBUF_SIZE);
	return GRYM_OK;
}

static const char *dir_w_tmp_path(void *pending)
{
	dir_pending *p = pending;
	if (flush(p, NULL) != GRYM_OK)
		return NULL;
	return p->tmp_path;
}

static void dir_w_abort(void *pending)
{
	dir_pending *p = pending;
	if (!p)
		return;
	close(p->fd);
	if (!p->anonymous)
		unlink(p->tmp_path);
	free(p);
}

/* A named temporary in tmp/ for this process (PID-RANDOM.tmp), made by
 * mk(path) which returns 0, or -1 with errno (EEXIST: try another name). */
static int named_tmp(dir_store *ds, char *path, size_t len, int (*mk)(const char *, void *),
		     void *ud)
{
	for (int attempt = 0; ; attempt++) {
		uint64_t r = 0;
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			r ^= (uint64_t)(uintptr_t)path ^ ((uint64_t)attempt << 32);
		snprintf(path, len, "%s/%ld-%016llx.tmp", ds->tmp, (long)getpid(),
			 (unsigned long long)r);
		if (mk(path, ud) == 0)
			return 0;
		if (errno != EEXIST || attempt > 16)
			return -1;
	}
}

static int link_proc(const char *path, void *ud)
{
	return linkat(AT_FDCWD, ud, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

/* Publish an unnamed temporary under final: link(2) never replaces, so a
 * damaged copy already there is replaced through a named link and
 * rename(2). */
static int publish_anonymous(dir_pending *p, const char *final, grym_error *err)
{
	char named[PATH_MAX];

	if (linkat(AT_FDCWD, p->tmp_path, AT_FDCWD, final, AT_SYMLINK_FOLLOW) == 0)
		return GRYM_OK;
	if (errno != EEXIST)
		return grym_error_set(err, GRYM_ERR_IO, "link to %s: %s", final, strerror(errno));
	if (named_tmp(p->ds, named, sizeof named, link_proc, p->tmp_path) != 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", p->ds->tmp, strerror(errno));
	if (rename(named, final) != 0) {
		int e = errno;
		unlink(named);
		return grym_error_set(err, GRYM_ERR_IO, "rename to %s: %s", final, strerror(e));
	}
	return GRYM_OK;
}

static int dir_w_commit(void *pending, const char *id, uint64_t size, int replace,
			grym_error *err)
{
	dir_pending *p = pending;
	dir_store *ds = p->ds;
	char fan[PATH_MAX], final[PATH_MAX];
	struct stat sb;
	int rc, new_fan = 0;

	rc = flush(p, err);
	if (rc == GRYM_OK && fsync(p->fd) != 0)
		rc = grym_error_set(err, GRYM_ERR_IO, "fsync %s: %s", p->tmp_path, strerror(errno));
	if (rc != GRYM_OK)
		goto out;

	snprintf(fan, sizeof fan, "%s/%.2s", ds->objects, id);
	object_path(ds, id, final, sizeof final);
	if (mkdir(fan, 0777) == 0)
		new_fan = 1;
	else if (errno != EEXIST) {
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", fan, strerror(errno));
		goto out;
	}
	if (!replace && stat(final, &sb) == 0 && (uint64_t)sb.st_size == size) {
		/* Already there: keep it, and refresh its mtime so a gc running
		 * before our row is written sees it as young. */
		utimensat(AT_FDCWD, final, NULL, 0);
		goto out;
	}
	if (p->anonymous) {
		if ((rc = publish_anonymous(p, final, err)) != GRYM_OK)
			goto out;
	} else if (rename(p->tmp_path, final) != 0) {
		rc = grym_error_set(err, GRYM_ERR_IO, "rename to %s: %s", final, strerror(errno));
		goto out;
	}
	if (fsync_dir(fan) != 0 || (new_fan && fsync_dir(ds->objects) != 0))
		rc = grym_error_set(err, GRYM_ERR_IO, "fsync %s: %s", fan, strerror(errno));
out:
	if (close(p->fd) != 0 && rc == GRYM_OK)
		rc = grym_error_set(err, GRYM_ERR_IO, "close %s: %s", p->tmp_path, strerror(errno));
	if (!p->anonymous)
		unlink(p->tmp_path); /* no-op after a successful rename */
	free(p);
	return rc;
}

static int dir_has(void *be, const char *id)
{
	char path[PATH_MAX];
	struct stat sb;
	object_path(be, id, path, sizeof path);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int dir_size(void *be, const char *id, uint64_t *size, grym_error *err)
{
	char path[PATH_MAX];
	struct stat sb;
	object_path(be, id, path, sizeof path);
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return grym_error_set(err, GRYM_ERR_NOTFOUND, "object %s not found", id);
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	}
	*size = (uint64_t)sb.st_size;
	return GRYM_OK;
}

/* An open object: its file's descriptor, read with pread so the fd's own
 * offset stays where a consumer of grym_store_reader_fd left it. */
typedef struct dir_reader {
	int fd;
	char path[PATH_MAX];    /* for messages */
} dir_reader;

static int dir_r_open(void *be, const char *id, void **reader, uint64_t *size,
		      grym_error *err)
{
	dir_reader *r = malloc(sizeof *r);
	struct stat sb;

	if (!r)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	object_path(be, id, r->path, sizeof r->path);
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = errno;
		free(r);
		if (e == ENOENT)
			return grym_error_set(err, GRYM_ERR_NOTFOUND, "object %s not found", id);
		return grym_error_set(err, GRYM_ERR_IO, "object %s: %s", id, strerror(e));
	}
	int bad = fstat(r->fd, &sb) != 0 ? errno : 0;
	if (bad || !S_ISREG(sb.st_mode)) {
		int rc = grym_error_set(err, GRYM_ERR_IO, "object %s: %s", id,
					bad ? strerror(bad) : "not a regular file");
		close(r->fd);
		free(r);
		return rc;
	}
	*size = (uint64_t)sb.st_size;
	*reader = r;
	return GRYM_OK;
}

static int64_t dir_r_pread(void *reader, void *buf, size_t len, uint64_t offset,
			   grym_error *err)
{
	dir_reader *r = reader;
	ssize_t n;

	if (offset > (uint64_t)INT64_MAX)
		return 0;
	do
		n = pread(r->fd, buf, len, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", r->path, strerror(errno));
	return n;
}

static int dir_r_fd(void *reader, grym_error *err)
{
	(void)err;
	return ((dir_reader *)reader)->fd;
}

static void dir_r_close(void *reader)
{
	dir_reader *r = reader;
	if (!r)
		return;
	close(r->fd);
	free(r);
}

static int dir_remove(void *be, const char *id, grym_error *err)
{
	char path[PATH_MAX];
	object_path(be, id, path, sizeof path);
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			return grym_error_set(err, GRYM_ERR_NOTFOUND, "object %s not found", id);
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	}
	return GRYM_OK;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static int dir_foreach(void *be, grym_store_visit_fn cb, void *ud, grym_error *err)
{
	dir_store *ds = be;
	DIR *top = opendir(ds->objects);
	struct dirent *fe;
	int rc = GRYM_OK;

	if (!top)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", ds->objects, strerror(errno));
	while (rc == GRYM_OK && (fe = readdir(top))) {
		char fan[PATH_MAX];
		DIR *sub;
		struct dirent *e;
		if (strlen(fe->d_name) != 2 || !is_hex(fe->d_name, 2))
			continue;
		snprintf(fan, sizeof fan, "%s/%s", ds->objects, fe->d_name);
		sub = opendir(fan);
		if (!sub)
			continue; /* removed under us, or not a directory */
		while ((e = readdir(sub))) {
			char path[PATH_MAX];
			struct stat sb;
			if (strlen(e->d_name) != GRYM_ID_LEN || !is_hex(e->d_name, GRYM_ID_LEN) ||
			    memcmp(e->d_name, fe->d_name, 2) != 0)
				continue;
			if (snprintf(path, sizeof path, "%s/%s", fan, e->d_name) >= (int)sizeof path)
				continue;
			if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
				continue;
			rc = cb(ud, e->d_name, (uint64_t)sb.st_size, sb.st_mtime);
			if (rc != 0)
				break;
		}
		closedir(sub);
	}
	closedir(top);
	return rc;
}

/* 1 if the temporary named PID-RANDOM.tmp belongs to a live process
 * (kill(pid, 0) succeeds or is refused: the process exists). A PID reused
 * by another process only keeps the stray file until that one ends. */
static int writer_alive(const char *name)
{
	char *end;
	long pid = strtol(name, &end, 10);
	if (end == name || *end != '-' || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static int dir_clean_tmp(void *be, time_t grace, grym_error *err)
{
	dir_store *ds = be;
	DIR *d = opendir(ds->tmp);
	struct dirent *e;
	time_t now = time(NULL);
	int rc = GRYM_OK;

	if (!d)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", ds->tmp, strerror(errno));
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof path, "%s/%s", ds->tmp, e->d_name) >= (int)sizeof path)
			continue;
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (now - sb.st_mtime < grace)
			continue;
		if (writer_alive(e->d_name))
			continue; /* being written: removing it would fail that write */
		if (unlink(path) != 0 && errno != ENOENT && rc == GRYM_OK)
			rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	}
	closedir(d);
	return rc;
}

const grym_store_ops grym_store_dir_ops = {
	.name = "dir",
	.close = dir_close,
	.location = dir_location,
	.w_open = dir_w_open,
	.w_write = dir_w_write,
	.w_tmp_path = dir_w_tmp_path,
	.w_commit = dir_w_commit,
	.w_abort = dir_w_abort,
	.has = dir_has,
	.size = dir_size,
	.r_open = dir_r_open,
	.r_pread = dir_r_pread,
	.r_fd = dir_r_fd,
	.r_close = dir_r_close,
	.remove = dir_remove,
	.foreach = dir_foreach,
	.clean_tmp = dir_clean_tmp,
};
