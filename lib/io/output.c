/*
 * output.c — safe output: stdout, or a temporary file renamed on commit
 * (see grym/io.h).
 *
 * `-o FILE` must never leave half a file under FILE: the data goes to a
 * temporary file created beside FILE (same directory, so rename(2) is
 * atomic), which is fsynced, renamed over FILE and followed by an fsync
 * of the directory so the rename itself survives a crash. The temporary
 * is unnamed (O_TMPFILE) where the file system allows it, and published
 * by linkat(2) through /proc/self/fd/N — straight to FILE when FILE does
 * not exist, else to a hidden name renamed over FILE — so an interrupted
 * or killed (even SIGKILL) run leaves nothing beside FILE; elsewhere it
 * is a named hidden file, removed on abort. Writes are
 * buffered here so record writers can hand over small pieces without a
 * system call each. A failed write on stdout (EPIPE when the reader went
 * away, ENOSPC) is returned as an error and poisons the output: every
 * later write fails too, so a command cannot keep going unaware.
 */
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTPUT_BUF_SIZE (256 * 1024)

struct grym_output {
	int fd;
	int is_stdout;
	int direct;             /* path is a device or FIFO: written in place */
	int seekable;
	int streaming;          /* a pipe, FIFO, socket or terminal: a reader
				   waits on the other end */
	int failed;             /* a write failed: refuse everything after */
	int anonymous;          /* tmp is /proc/self/fd/N of an O_TMPFILE file */
	char *path;             /* target (NULL for stdout) */
	char *tmp;              /* temporary file beside path */
	char *named;            /* anonymous: DIR/.BASE.tmp.XXXXXX pattern */
	char *dir;              /* path's directory, for the fsync after rename */
	size_t n;               /* bytes waiting in buf */
	unsigned char *buf;
	uint64_t written;       /* bytes handed to write(2) so far */
	const volatile sig_atomic_t *cancel; /* stop a blocked write when set */
};

static int sys_error(grym_error *err, int code, const char *what, int e)
{
	char buf[256];
	return grym_error_set(err, code, "%s: %s", what, strerror_r(e, buf, sizeof buf));
}

int grym_write_all(int fd, const void *data, size_t len, grym_error *err)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sys_error(err, GRYM_ERR_IO, "write error", errno);
		}
		if (n == 0)
			return grym_error_set(err, GRYM_ERR_IO, "write error: no progress");
		p += n;
		len -= (size_t)n;
	}
	return GRYM_OK;
}

int grym_fsync_dir(const char *dir, grym_error *err)
{
	int fd, rc = GRYM_OK;

	do
		fd = open(dir && *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return sys_error(err, GRYM_ERR_IO, "cannot open directory", errno);
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = sys_error(err, GRYM_ERR_IO, "fsync of directory", errno);
	close(fd);
	return rc;
}

/* The process umask without changing it (umask(2) would race other
 * threads): Linux shows it in /proc/self/status; 022 if that fails. */
static mode_t current_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned m;
	mode_t mask = 022;

	if (!f)
		return mask;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Umask: %o", &m) == 1) {
			mask = (mode_t)m;
			break;
		}
	fclose(f);
	return mask;
}

/* A reader waits on the other end of a pipe, FIFO, socket or terminal. */
static int is_streaming(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd);
}

static void output_free(grym_output *o)
{
	free(o->path);
	free(o->tmp);
	free(o->named);
	free(o->dir);
	free(o->buf);
	free(o);
}

grym_output *grym_output_open(const char *path, grym_error *err)
{
	grym_output *o = calloc(1, sizeof *o);
	struct stat st;
	const char *slash;
	size_t dirlen;

	if (!o || !(o->buf = malloc(OUTPUT_BUF_SIZE))) {
		free(o);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (!path || strcmp(path, "-") == 0) {
		o->fd = 1;
		o->is_stdout = 1;
		o->seekable = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
		o->streaming = is_streaming(1);
		return o;
	}
	if (!*path) {
		output_free(o);
		grym_error_set(err, GRYM_ERR_INVALID, "empty output file name");
		return NULL;
	}
	/* /dev/null, /dev/stdout, a FIFO: write to it as it is. A temporary
	 * renamed over it would replace the device node with a file. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0 || !(o->path = strdup(path))) {
			sys_error(err, o->fd < 0 ? GRYM_ERR_IO : GRYM_ERR_NOMEM, path, errno);
			if (o->fd >= 0)
				close(o->fd);
			output_free(o);
			return NULL;
		}
		o->direct = 1;
		o->streaming = is_streaming(o->fd);
		return o;
	}
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) : 0;
	o->path = strdup(path);
	o->dir = slash ? strndup(path, dirlen ? dirlen : 1) : strdup(".");
	o->tmp = malloc(strlen(path) + 16);
	if (!o->path || !o->dir || !o->tmp) {
		output_free(o);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	/* DIR/.BASE.tmp.XXXXXX: hidden, and on the same file system. */
	sprintf(o->tmp, "%.*s.%s.tmp.XXXXXX", (int)(slash ? dirlen + 1 : 0), path,
		slash ? slash + 1 : path);
	o->fd = -1;
	if (access("/proc/self/fd", X_OK) == 0 &&
	    (o->fd = open(o->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0) {
		char *t = malloc(32);
		if (!t) {
			close(o->fd);
			output_free(o);
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			return NULL;
		}
		snprintf(t, 32, "/proc/self/fd/%d", o->fd);
		o->named = o->tmp;      /* the pattern, for a replacing link */
		o->tmp = t;
		o->anonymous = 1;
	} else {
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
	}
	if (o->fd < 0) {
		sys_error(err, GRYM_ERR_IO, "cannot create temporary file", errno);
		output_free(o);
		return NULL;
	}
	/* mkstemp makes 0600; give the file what a plain open would. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		fchmod(o->fd, st.st_mode & 07777);
	else
		fchmod(o->fd, 0666 & ~current_umask());
	o->seekable = 1;
	return o;
}

grym_output *grym_output_open_tmp(const char *tmpdir, const char *prefix, char *path,
				  size_t len, grym_error *err)
{
	grym_output *o;
	int fd = grym_tmpfile_unnamed(tmpdir, prefix, path, len, err), anon;

	if (fd < 0)
		return NULL;
	/* An unnamed file dies with its last fd: the output writes through
	 * a copy, the original is kept until grym_tmp_release. A named one
	 * (no O_TMPFILE) is written through its own fd. */
	anon = strncmp(path, "/proc/self/fd/", 14) == 0;
	if (!(o = calloc(1, sizeof *o)) || !(o->buf = malloc(OUTPUT_BUF_SIZE)) ||
	    !(o->path = strdup(path)) ||
	    (o->fd = anon ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : fd) < 0) {
		if (o) {
			free(o->buf);
			free(o->path);
			free(o);
		}
		if (!anon)
			close(fd);
		grym_tmp_release(path);
		grym_error_set(err, GRYM_ERR_NOMEM, "cannot open a temporary output");
		return NULL;
	}
	/* Written in place: commit and abort close o->fd only; the file
	 * lives until grym_tmp_release. */
	o->direct = 1;
	o->seekable = 1;
	return o;
}

void grym_output_set_cancel(grym_output *o, const volatile sig_atomic_t *cancel)
{
	if (o)
		o->cancel = cancel;
}

static int output_fail(grym_output *o, grym_error *err, int e)
{
	o->failed = 1;
	if (o->is_stdout && e == EPIPE)
		return grym_error_set(err, GRYM_ERR_IO, "write error: broken pipe (reader went away)");
	return sys_error(err, GRYM_ERR_IO, "write error", e);
}

static int raw_write(grym_output *o, const void *data, size_t len, grym_error *err)
{
	const unsigned char *p = data;
	while (len > 0) {
		ssize_t n;
		/* before every write: a signal that cut a write short (a
		 * partial count, not EINTR) must not block the next one */
		if (o->cancel && *o->cancel) {
			o->failed = 1;
			return grym_error_set(err, GRYM_ERR_CANCELLED, "interrupted");
		}
		n = write(o->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return output_fail(o, err, errno);
		}
		if (n == 0)
			return output_fail(o, err, EIO);
		p += n;
		len -= (size_t)n;
		o->written += (uint64_t)n;
	}
	return GRYM_OK;
}

int grym_output_flush(grym_output *o, grym_error *err)
{
	int rc;
	if (o->failed)
		return grym_error_set(err, GRYM_ERR_IO, "write error: output failed earlier");
	if (o->n == 0)
		return GRYM_OK;
	rc = raw_write(o, o->buf, o->n, err);
	o->n = 0;
	return rc;
}

uint64_t grym_output_size(grym_output *o)
{
	struct stat st;
	uint64_t n = o->written + o->n;
	/* Writers such as libsndfile write the fd or the temporary file
	 * themselves: the file's own size counts those bytes too. */
	if (!o->is_stdout && !o->direct && fstat(o->fd, &st) == 0 &&
	    (uint64_t)st.st_size + o->n > n)
		n = (uint64_t)st.st_size + o->n;
	return n;
}

int grym_output_write(grym_output *o, const void *data, size_t len, grym_error *err)
{
	if (o->failed)
		return grym_error_set(err, GRYM_ERR_IO, "write error: output failed earlier");
	if (len == 0)
		return GRYM_OK;
	if (o->n + len <= OUTPUT_BUF_SIZE) {
		memcpy(o->buf + o->n, data, len);
		o->n += len;
		return GRYM_OK;
	}
	int rc = grym_output_flush(o, err);
	if (rc < 0)
		return rc;
	if (len >= OUTPUT_BUF_SIZE / 2)
		return raw_write(o, data, len, err);
	memcpy(o->buf, data, len);
	o->n = len;
	return GRYM_OK;
}

int grym_output_item_end(grym_output *o, grym_error *err)
{
	/* a reader on a pipe sees each item as soon as it is made, so the
	 * stages of a pipeline overlap (one write per item costs little next
	 * to decoding or analysing it); into a file, 256 KiB at a time */
	return o->streaming ? grym_output_flush(o, err) : GRYM_OK;
}

int grym_output_printf(grym_output *o, grym_error *err, const char *fmt, ...)
{
	char small[512], *p = small;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "bad format string");
	if ((size_t)n >= sizeof small) {
		p = malloc((size_t)n + 1);
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = grym_output_write(o, p, (size_t)n, err);
	if (p != small)
		free(p);
	return rc;
}

int grym_output_fd(const grym_output *o)
{
	return o->fd;
}

int grym_output_seekable(const grym_output *o)
{
	return o->seekable;
}

const char *grym_output_tmp_path(const grym_output *o)
{
	return o->tmp;
}

const char *grym_output_name(const grym_output *o)
{
	return o->is_stdout ? "(stdout)" : o->path;
}

/* Give the unnamed temporary its name: link(2) never replaces, so FILE
 * is linked directly only when absent; otherwise a hidden name beside it
 * is linked and renamed over it (atomic for readers of FILE). */
static int publish_anonymous(grym_output *o, grym_error *err)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char *x;

	if (linkat(AT_FDCWD, o->tmp, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW) == 0)
		return GRYM_OK;
	if (errno != EEXIST)
		return sys_error(err, GRYM_ERR_IO, "cannot link into place", errno);
	x = o->named + strlen(o->named) - 6;
	for (int attempt = 0; attempt < 64; attempt++) {
		unsigned r = (unsigned)getpid() * 2654435761u ^ (unsigned)attempt * 40503u ^
			     (unsigned)(uintptr_t)o;
		for (int i = 0; i < 6; i++, r /= 36)
			x[i] = digits[r % 36];
		if (linkat(AT_FDCWD, o->tmp, AT_FDCWD, o->named, AT_SYMLINK_FOLLOW) == 0) {
			if (rename(o->named, o->path) < 0) {
				int e = errno;
				unlink(o->named);
				return sys_error(err, GRYM_ERR_IO, "cannot rename into place", e);
			}
			return GRYM_OK;
		}
		if (errno != EEXIST)
			break;
	}
	return sys_error(err, GRYM_ERR_IO, "cannot link into place", errno);
}

int grym_output_commit(grym_output *o, grym_error *err)
{
	int rc;

	if (!o)
		return grym_error_set(err, GRYM_ERR_INVALID, "no output");
	rc = grym_output_flush(o, err);
	if (o->is_stdout || o->direct) {
		if (o->direct && close(o->fd) < 0 && rc == GRYM_OK)
			rc = sys_error(err, GRYM_ERR_IO, "close", errno);
		output_free(o);
		return rc;
	}
	if (rc == GRYM_OK && fsync(o->fd) < 0)
		rc = sys_error(err, GRYM_ERR_IO, "fsync", errno);
	if (o->anonymous) {
		if (rc == GRYM_OK)
			rc = publish_anonymous(o, err);
		close(o->fd);
		o->fd = -1;
		if (rc == GRYM_OK)
			rc = grym_fsync_dir(o->dir, err);
		output_free(o);
		return rc;
	}
	if (close(o->fd) < 0 && rc == GRYM_OK)
		rc = sys_error(err, GRYM_ERR_IO, "close", errno);
	o->fd = -1;
	if (rc == GRYM_OK && rename(o->tmp, o->path) < 0)
		rc = sys_error(err, GRYM_ERR_IO, "cannot rename into place", errno);
	if (rc != GRYM_OK)
		unlink(o->tmp);
	else
		rc = grym_fsync_dir(o->dir, err);
	output_free(o);
	return rc;
}

void grym_output_abort(grym_output *o)
{
	if (!o)
		return;
	if (o->direct) {
		close(o->fd);
	} else if (!o->is_stdout) {
		if (o->fd >= 0)
			close(o->fd);
		if (!o->anonymous)
			unlink(o->tmp);
	}
	output_free(o);
}

int grym_mkdir_parents(const char *path, size_t from, grym_error *err)
{
	char *p = strdup(path);
	int rc = GRYM_OK;
	if (!p)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (char *sl = p + (from < strlen(p) ? from : strlen(p)); (sl = strchr(sl, '/')); sl++) {
		if (sl == p)
			continue;
		*sl = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			char buf[256];
			rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", p,
					    strerror_r(errno, buf, sizeof buf));
			break;
		}
		*sl = '/';
	}
	free(p);
	return rc;
}
