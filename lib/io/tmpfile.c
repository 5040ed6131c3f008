/*
 * tmpfile.c — temporary files, made in one place (see grym/io.h).
 *
 * Several stages need scratch files: a pipe spooled so a decoder can seek
 * or read it twice, feature rows spilled past a memory cap, a result
 * written before it goes into the store. They all come from here, so the
 * directory rule ($TMPDIR, else /tmp), the name and the error text are the
 * same everywhere.
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

int grym_spool(grym_input *in, const char *tmpdir, char *path, size_t len,
	       grym_error *err)
{
	char buf[65536];
	int fd = grym_tmpfile(tmpdir, "grym-spool", path, len, err);

	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = grym_input_read(in, buf, sizeof buf, err);
		if (n < 0) {
			close(fd);
			unlink(path);
			path[0] = '\0';
			return (int)n;
		}
		if (n == 0)
			break;
		if (grym_write_all(fd, buf, (size_t)n, err) != GRYM_OK) {
			close(fd);
			unlink(path);
			path[0] = '\0';
			return grym_error_prefix(err, "spooling %s", grym_input_name(in));
		}
	}
	if (close(fd) != 0) {
		int e = errno;
		unlink(path);
		path[0] = '\0';
		return grym_error_set(err, GRYM_ERR_IO, "spooling %s: %s", grym_input_name(in),
				      strerror(e));
	}
	return GRYM_OK;
}
