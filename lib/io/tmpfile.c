/*
 * tmpfile.c — temporary files, made in one place (see grym/io.h).
 *
 * Several stages need scratch files: a pipe spooled so a decoder can seek
 * or read it twice, feature rows spilled past a memory cap, a result
 * written before it goes into the store. They all come from here, so the
 * directory rule ($TMPDIR, else /tmp), the name and the error text are the
 * same everywhere.
 *
 * A spool is an unnamed file (O_TMPFILE) reached through its
 * /proc/self/fd/N link, so no signal, crash or SIGKILL can leave it
 * behind; grym_tmp_release closes it. Where the file system or the
 * kernel has no O_TMPFILE it is a named file, and release unlinks it.
 */
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int grym_tmpfile(const char *tmpdir, const char *prefix, char *path, size_t len,
		 grym_error *err)
{
	int fd;

	if (!tmpdir || !*tmpdir)
		tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	if ((size_t)snprintf(path, len, "%s/%s.XXXXXX", tmpdir, prefix ? prefix : "grym") >= len) {
		path[0] = '\0';
		return grym_error_set(err, GRYM_ERR_INVALID, "temporary directory name too long: %s",
				      tmpdir);
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		path[0] = '\0';
		return grym_error_set(err, GRYM_ERR_IO, "cannot create a temporary file in %s: %s",
				      tmpdir, strerror(e));
	}
	return fd;
}

#define PROC_FD "/proc/self/fd/"

/* An unnamed temporary file in tmpdir, its /proc link in path; -1 when
 * O_TMPFILE or /proc is not available here. */
static int anonymous_tmpfile(const char *tmpdir, char *path, size_t len)
{
	int fd;

	if (!tmpdir || !*tmpdir)
		tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	if (access(PROC_FD, X_OK) != 0)
		return -1;
	fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if ((size_t)snprintf(path, len, PROC_FD "%d", fd) >= len) {
		close(fd);
		return -1;
	}
	return fd;
}

int grym_tmpfile_unnamed(const char *tmpdir, const char *prefix, char *path, size_t len,
			 grym_error *err)
{
	int fd = anonymous_tmpfile(tmpdir, path, len);

	if (fd >= 0)
		return fd;
	/* No O_TMPFILE or /proc here: a named file (release unlinks it). */
	return grym_tmpfile(tmpdir, prefix, path, len, err);
}

void grym_tmp_release(char *path)
{
	if (!path || !*path)
		return;
	if (strncmp(path, PROC_FD, strlen(PROC_FD)) == 0)
		close(atoi(path + strlen(PROC_FD)));
	else
		unlink(path);
	path[0] = '\0';
}

int grym_spool(grym_input *in, const char *tmpdir, char *path, size_t len,
	       grym_error *err)
{
	char buf[65536];
	int fd = grym_tmpfile_unnamed(tmpdir, "grym-spool", path, len, err), anon;

	if (fd < 0)
		return fd;
	anon = strncmp(path, PROC_FD, strlen(PROC_FD)) == 0;
	for (;;) {
		ssize_t n = grym_input_read(in, buf, sizeof buf, err);
		if (n < 0) {
			grym_tmp_release(path);
			if (!anon)
				close(fd);
			return (int)n;
		}
		if (n == 0)
			break;
		int rc = grym_write_all(fd, buf, (size_t)n, err);
		if (rc != GRYM_OK) {
			grym_tmp_release(path);
			if (!anon)
				close(fd);
			return grym_error_prefix(err, rc, "spooling %s", grym_input_name(in));
		}
	}
	/* An unnamed file lives as long as its descriptor: keep it open
	 * until grym_tmp_release. */
	if (!anon && close(fd) != 0) {
		int e = errno;
		grym_tmp_release(path);
		return grym_error_set(err, GRYM_ERR_IO, "spooling %s: %s", grym_input_name(in),
				      strerror(e));
	}
	return GRYM_OK;
}
