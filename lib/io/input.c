/*
 * input.c — byte input with look-ahead (see grym/io.h).
 *
 * Every grym reader takes a grym_input: a file descriptor (stdin, a pipe,
 * a file) or a memory buffer behind one read buffer. Readers must tell
 * audio from records from text before consuming anything, and a pipe
 * cannot seek, so the buffer keeps at least GRYM_INPUT_PEEK_MAX bytes
 * visible on demand (grym_input_peek) and hands them out afterwards.
 * Large reads on an empty buffer bypass it and go straight to read(2), so
 * streaming megabytes of payload costs no extra copy.
 *
 * A memory input is the same machine with the caller's bytes as the
 * buffer and end of input already reached (the fuzzers and the HTTP
 * server use it).
 */
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INPUT_BUF_SIZE (2 * GRYM_INPUT_PEEK_MAX)

struct grym_input {
	int fd;                      /* -1 for memory */
	int own;                     /* close fd on free */
	int eof;                     /* no more bytes behind the buffer */
	char *name;
	unsigned char *buf;          /* owned buffer (fd inputs) */
	const unsigned char *data;   /* buf, or the caller's memory */
	size_t pos, end;             /* visible bytes are data[pos..end) */
	uint64_t offset;             /* bytes consumed so far */
	const volatile sig_atomic_t *cancel; /* stop a blocked read when set */
};

static char *dup_name(const char *name)
{
	return strdup(name ? name : "(input)");
}

static int io_error(grym_error *err, int e)
{
	char buf[256];
	if (e == EINTR)
		return grym_error_set(err, GRYM_ERR_INTERRUPTED, "interrupted");
	return grym_error_set(err, GRYM_ERR_IO, "read error: %s",
			      strerror_r(e, buf, sizeof buf));
}

grym_input *grym_input_from_fd(int fd, const char *name, int own, grym_error *err)
{
	grym_input *in;

	if (fd < 0) {
		grym_error_set(err, GRYM_ERR_INVALID, "bad file descriptor");
		return NULL;
	}
	in = calloc(1, sizeof *in);
	if (!in)
		goto nomem;
	in->fd = fd;
	in->name = dup_name(name);
	in->buf = malloc(INPUT_BUF_SIZE);
	if (!in->name || !in->buf) {
		in->own = 0;    /* the caller keeps its fd on failure */
		grym_input_free(in);
		goto nomem;
	}
	in->data = in->buf;
	in->own = own;
	return in;
nomem:
	grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return NULL;
}

grym_input *grym_input_open(const char *path, grym_error *err)
{
	grym_input *in;
	int fd;

	if (!path || strcmp(path, "-") == 0)
		return grym_input_from_fd(0, "(stdin)", 0, err);
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		char buf[256];
		grym_error_set(err, errno == ENOENT ? GRYM_ERR_NOTFOUND : GRYM_ERR_IO,
			       "cannot open: %s", strerror_r(errno, buf, sizeof buf));
		return NULL;
	}
	in = grym_input_from_fd(fd, path, 1, err);
	if (!in)
		close(fd);
	return in;
}

grym_input *grym_input_from_memory(const void *data, size_t len, const char *name,
				   grym_error *err)
{
	grym_input *in = calloc(1, sizeof *in);

	if (!in || !(in->name = dup_name(name))) {
		free(in);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	in->fd = -1;
	in->eof = 1;
	in->data = len ? data : (const unsigned char *)"";
	in->end = len;
	return in;
}

void grym_input_free(grym_input *in)
{
	if (!in)
		return;
	if (in->own && in->fd >= 0)
		close(in->fd);
	free(in->buf);
	free(in->name);
	free(in);
}

const char *grym_input_name(const grym_input *in)
{
	return in ? in->name : "(input)";
}

uint64_t grym_input_offset(const grym_input *in)
{
	return in->offset;
}

/* The poll step of a read waiting on a pipe while a cancel flag is set. */
#define CANCEL_POLL_MS 100

/* read(2) once, retrying on EINTR unless the caller's cancel flag is
 * set (a signal handler set it and interrupted the read): bytes read, 0
 * at EOF, -errno (-EINTR when cancelled). With a flag, the read waits in
 * poll(2) steps first: the signal interrupts only the thread it is
 * delivered to, and a worker thread blocked on a pipe that stays silent
 * must see the flag too. */
static ssize_t raw_read(const grym_input *in, int fd, void *buf, size_t len)
{
	ssize_t n;
	for (;;) {
		if (in->cancel && *in->cancel)
			return -EINTR;
		if (in->cancel) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			int r = poll(&p, 1, CANCEL_POLL_MS);
			if (r == 0 || (r < 0 && errno == EINTR))
				continue;
		}
		n = read(fd, buf, len);
		if (n >= 0 || errno != EINTR)
			break;
	}
	return n < 0 ? -errno : n;
}

void grym_input_set_cancel(grym_input *in, const volatile sig_atomic_t *cancel)
{
	if (in)
		in->cancel = cancel;
}

/* Make at least want bytes visible (want <= INPUT_BUF_SIZE), unless the
 * input ends first. Returns the number visible or a negative status. */
static ssize_t fill(grym_input *in, size_t want, grym_error *err)
{
	while (in->end - in->pos < want && !in->eof) {
		ssize_t n;
		if (in->pos + want > INPUT_BUF_SIZE || in->end == INPUT_BUF_SIZE) {
			memmove(in->buf, in->buf + in->pos, in->end - in->pos);
			in->end -= in->pos;
			in->pos = 0;
		}
		n = raw_read(in, in->fd, in->buf + in->end, INPUT_BUF_SIZE - in->end);
		if (n < 0)
			return io_error(err, (int)-n);
		if (n == 0)
			in->eof = 1;
		in->end += (size_t)n;
	}
	return (ssize_t)(in->end - in->pos);
}

ssize_t grym_input_peek(grym_input *in, size_t n, const void **p, grym_error *err)
{
	ssize_t got;

	if (n > GRYM_INPUT_PEEK_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "peek of %zu bytes exceeds %d",
				      n, GRYM_INPUT_PEEK_MAX);
	got = fill(in, n, err);
	if (got < 0)
		return got;
	*p = in->data + in->pos;
	return got;
}

ssize_t grym_input_read(grym_input *in, void *buf, size_t len, grym_error *err)
{
	size_t have = in->end - in->pos;

	if (len == 0)
		return 0;
	if (have == 0 && !in->eof) {
		if (len >= INPUT_BUF_SIZE / 2) {
			/* Big read on an empty buffer: skip the copy. */
			ssize_t n = raw_read(in, in->fd, buf, len);
			if (n < 0)
				return io_error(err, (int)-n);
			if (n == 0)
				in->eof = 1;
			in->offset += (uint64_t)n;
			return n;
		}
		in->pos = in->end = 0;
		ssize_t n = fill(in, 1, err);
		if (n < 0)
			return n;
		have = (size_t)n;
	}
	if (have == 0)
		return 0;
	if (len > have)
		len = have;
	memcpy(buf, in->data + in->pos, len);
	in->pos += len;
	in->offset += len;
	return (ssize_t)len;
}

int grym_input_read_full(grym_input *in, void *buf, size_t len, grym_error *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = grym_input_read(in, (unsigned char *)buf + done, len - done, err);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			if (done == 0)
				return grym_error_set(err, GRYM_ERR_EOF, "end of input");
			return grym_error_set(err, GRYM_ERR_CORRUPT,
					      "truncated: %zu of %zu bytes", done, len);
		}
		done += (size_t)n;
	}
	return GRYM_OK;
}

/* Append n bytes to the growing line buffer (keeping room for a NUL). */
static int line_append(char **line, size_t *cap, size_t len, const unsigned char *src,
		       size_t n, grym_error *err)
{
	if (len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 256;
		char *p;
		while (c < len + n + 1)
			c *= 2;
		p = realloc(*line, c);
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		*line = p;
		*cap = c;
	}
	memcpy(*line + len, src, n);
	(*line)[len + n] = '\0';
	return GRYM_OK;
}

ssize_t grym_input_getline(grym_input *in, char **line, size_t *cap, size_t max,
			   grym_error *err)
{
	return grym_input_getdelim(in, '\n', line, cap, max, err);
}

ssize_t grym_input_getdelim(grym_input *in, int delim, char **line, size_t *cap, size_t max,
			    grym_error *err)
{
	size_t len = 0;
	int any = 0;

	for (;;) {
		ssize_t have = fill(in, 1, err);
		const unsigned char *p, *nl;
		size_t take;
		int rc;

		if (have < 0)
			return have;
		if (have == 0)
			break;
		any = 1;
		p = in->data + in->pos;
		nl = memchr(p, delim, (size_t)have);
		take = nl ? (size_t)(nl - p) : (size_t)have;
		if (len + take > max)
			return grym_error_set(err, GRYM_ERR_LIMIT,
					      "line longer than %zu bytes", max);
		rc = line_append(line, cap, len, p, take, err);
		if (rc < 0)
			return rc;
		len += take;
		in->pos += take + (nl ? 1 : 0);
		in->offset += take + (nl ? 1 : 0);
		if (nl)
			return (ssize_t)len;
	}
	if (!any)
		return grym_error_set(err, GRYM_ERR_EOF, "end of input");
	return (ssize_t)len;
}

/* ---- detection ---- */

#define DETECT_PEEK 4096

/* Valid UTF-8 without NUL; a sequence cut by the end of the peek window
 * is accepted when the window is full (the rest is beyond it). */
static int is_text(const unsigned char *p, size_t n, int window_full)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len, k;
		unsigned cp;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
		else return 0;
		for (k = 1; k < len; k++) {
			if (i + k >= n)
				return window_full;
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* overlong, surrogates, beyond U+10FFFF */
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

int grym_input_detect(grym_input *in, grym_input_kind *kind, grym_error *err)
{
	const void *v;
	const unsigned char *p;
	ssize_t n = grym_input_peek(in, DETECT_PEEK, &v, err);

	if (n < 0)
		return (int)n;
	if (n > DETECT_PEEK)
		n = DETECT_PEEK;    /* memory inputs show everything */
	p = v;
	if (n == 0)
		*kind = GRYM_INPUT_EMPTY;
	else if (memcmp(p, "GRYM", n < 4 ? (size_t)n : 4) == 0)
		*kind = GRYM_INPUT_RECORDS;     /* or a record cut short */
	else if (is_text(p, (size_t)n, n == DETECT_PEEK))
		/* Text wins over any audio magic: every audio container's
		 * header holds a NUL or a byte that is not UTF-8 (size fields,
		 * version bytes, frame syncs) within its first bytes, while a
		 * text key may well begin "RIFF", "OggS", "ID3" or "#!AMR". */
		*kind = GRYM_INPUT_TEXT;
	else
		*kind = GRYM_INPUT_AUDIO;       /* the decoder says if it is not */
	return GRYM_OK;
}

int grym_input_detect_named(grym_input *in, grym_input_kind *kind, grym_error *err)
{
	const void *v;
	const unsigned char *p;
	ssize_t n;
	int rc = grym_input_detect(in, kind, err);

	if (rc != GRYM_OK || *kind != GRYM_INPUT_TEXT)
		return rc;
	/* Text records begin with a '#KEY' head line; anything else is a
	 * list of ids or paths, which a named file never is: a file called
	 * list.wav that holds a path is a mistake to report, not a list to
	 * follow (lists come from stdin or --from-list). */
	if ((n = grym_input_peek(in, 1, &v, err)) < 0)
		return (int)n;
	p = v;
	if (n >= 1 && p[0] == '#')
		return GRYM_OK;
	return grym_error_set(err, GRYM_ERR_FORMAT, "not audio (text file)");
}
