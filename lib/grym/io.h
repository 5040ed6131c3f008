/*
 * io.h — byte input with look-ahead, and safe output.
 *
 * grym_input wraps a file descriptor with a buffer so that a reader can
 * peek at the first bytes to tell audio from records from text (see
 * grym_input_detect) and then consume them without seeking: stdin works
 * like a file.
 *
 * grym_output writes either to stdout or, for -o FILE, to a temporary file
 * beside FILE that is renamed over it only on commit; on abort (or a
 * failed write) nothing is left under FILE. A write error on stdout
 * (EPIPE, disk full) is returned as an error, never ignored.
 */
#ifndef GRYM_IO_H
#define GRYM_IO_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_input grym_input;

/* Open a path, or "-" / NULL for stdin (path is copied, for messages).
 * The caller owns the input (grym_input_free). NULL on failure, err
 * filled: GRYM_ERR_NOTFOUND, GRYM_ERR_IO naming the path. */
grym_input *grym_input_open(const char *path, grym_error *err) GRYM_MUST_CHECK;
/* Wrap an open fd (own: close it on free). */
grym_input *grym_input_from_fd(int fd, const char *name, int own, grym_error *err)
	GRYM_MUST_CHECK;
/* Stop reading when *cancel turns non-zero: a read blocked on a pipe
 * that a signal interrupts (a handler installed without SA_RESTART)
 * returns GRYM_ERR_INTERRUPTED instead of waiting on. NULL: never. */
void grym_input_set_cancel(grym_input *in, const volatile sig_atomic_t *cancel);
/* Read from a memory buffer (not copied; must outlive the input). */
grym_input *grym_input_from_memory(const void *data, size_t len, const char *name,
				   grym_error *err) GRYM_MUST_CHECK;
void grym_input_free(grym_input *in);
const char *grym_input_name(const grym_input *in);

/* Make at least n bytes visible (fewer only at end of input) and point
 * *p at them without consuming. Returns the number available (0 at EOF)
 * or a negative status. n is at most GRYM_INPUT_PEEK_MAX. */
#define GRYM_INPUT_PEEK_MAX 65536
ssize_t grym_input_peek(grym_input *in, size_t n, const void **p, grym_error *err)
	GRYM_MUST_CHECK;
/* Read up to len bytes; returns bytes read (0 at EOF) or negative status. */
ssize_t grym_input_read(grym_input *in, void *buf, size_t len, grym_error *err) GRYM_MUST_CHECK;
/* Read exactly len bytes: GRYM_ERR_EOF if none, GRYM_ERR_CORRUPT
 * ("truncated") if some but not all. */
int grym_input_read_full(grym_input *in, void *buf, size_t len, grym_error *err)
	GRYM_MUST_CHECK;
/* Read one line (without its \n) into a growing malloc'ed buffer; returns
 * its length, GRYM_ERR_EOF at end, GRYM_ERR_LIMIT past max bytes. */
ssize_t grym_input_getline(grym_input *in, char **line, size_t *cap, size_t max,
			   grym_error *err) GRYM_MUST_CHECK;
/* The same up to another delimiter ('\0' for NUL-separated lists). */
ssize_t grym_input_getdelim(grym_input *in, int delim, char **line, size_t *cap, size_t max,
			    grym_error *err) GRYM_MUST_CHECK;
/* Total bytes consumed so far (for messages: "at byte N"). */
uint64_t grym_input_offset(const grym_input *in);

/* What the first bytes of an input say it is. */
typedef enum grym_input_kind {
	GRYM_INPUT_EMPTY = 0,   /* no bytes at all */
	GRYM_INPUT_RECORDS,     /* binary grym records (magic) */
	GRYM_INPUT_TEXT,        /* text records or lines of ids/paths */
	GRYM_INPUT_AUDIO,       /* anything else: hand it to the decoder */
} grym_input_kind;
/* Peek (never consume) at the first 4096 bytes and classify. The record
 * magic "GRYM" (or a prefix of it that ends the input) is RECORDS; valid
 * UTF-8 without NULs is TEXT, even if it begins like an audio signature
 * (every audio header holds a NUL or a non-UTF-8 byte early: sizes,
 * versions, frame syncs); everything else is AUDIO (the decoder will say
 * if it is not). grym-stream(5) lists the rules. */
int grym_input_detect(grym_input *in, grym_input_kind *kind, grym_error *err) GRYM_MUST_CHECK;
/* grym_input_detect for a file named on the command line, which is audio
 * or records, never a list: TEXT is accepted only as text records (a
 * '#KEY' head first); any other text is GRYM_ERR_FORMAT "not audio (text
 * file)". Lists of ids or paths come from stdin or --from-list. */
int grym_input_detect_named(grym_input *in, grym_input_kind *kind, grym_error *err)
	GRYM_MUST_CHECK;

typedef struct grym_output grym_output;

/* path NULL or "-" is stdout; otherwise a temporary file in path's
 * directory, renamed to path by commit. The caller owns the output and
 * ends it with grym_output_commit or grym_output_abort. NULL on failure,
 * err filled (GRYM_ERR_IO naming the path, GRYM_ERR_NOMEM). */
grym_output *grym_output_open(const char *path, grym_error *err) GRYM_MUST_CHECK;
/* Buffered. After a failed write every later write fails too. */
int grym_output_write(grym_output *o, const void *data, size_t len, grym_error *err)
	GRYM_MUST_CHECK;
int grym_output_printf(grym_output *o, grym_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4))) GRYM_MUST_CHECK;
int grym_output_flush(grym_output *o, grym_error *err) GRYM_MUST_CHECK;
/* Bytes written to the destination so far, buffered ones included (for a
 * file, also what other writers put in its fd or temporary directly). */
uint64_t grym_output_size(grym_output *o);
/* The fd being written (stdout or the temporary file). Writes are
 * buffered: call grym_output_flush before writing to the fd directly. */
int grym_output_fd(const grym_output *o);
/* The end of one item (a record, a line): when the destination is a
 * pipe, FIFO, socket or terminal, what is buffered goes out now, so the
 * next stage of a pipeline can start on it; into a file nothing happens
 * (the buffer is written when full or at commit). */
int grym_output_item_end(grym_output *o, grym_error *err) GRYM_MUST_CHECK;
/* Stop a write blocked on a pipe nobody reads when *cancel turns
 * non-zero (the signal's EINTR, see grym_input_set_cancel): the write
 * fails with GRYM_ERR_CANCELLED. NULL: never. */
void grym_output_set_cancel(grym_output *o, const volatile sig_atomic_t *cancel);
/* 1 if the destination can seek (a regular file), 0 for a pipe/tty. */
int grym_output_seekable(const grym_output *o);
/* Path of the temporary file, NULL for stdout. For writers that must open
 * the file themselves (libsndfile): write there, then commit. */
const char *grym_output_tmp_path(const grym_output *o);
const char *grym_output_name(const grym_output *o);
/* Flush, fsync and rename into place; frees o in every case. */
int grym_output_commit(grym_output *o, grym_error *err) GRYM_MUST_CHECK;
/* Remove the temporary (stdout: just stop, dropping unflushed bytes);
 * frees o. */
void grym_output_abort(grym_output *o);

/* A new empty temporary file PREFIX.XXXXXX in tmpdir (NULL or "": $TMPDIR,
 * else /tmp), opened read-write with O_CLOEXEC; path receives its name.
 * Returns the fd, or a negative status. The caller closes and unlinks. */
int grym_tmpfile(const char *tmpdir, const char *prefix, char *path, size_t len,
		 grym_error *err) GRYM_MUST_CHECK;
/* Copy everything left in `in` into a new temporary file (see
 * grym_tmpfile), so a decoder can seek in a pipe or read it twice; path
 * receives a name to open it by: /proc/self/fd/N of an unnamed file
 * (O_TMPFILE) where possible, so nothing is left behind by a kill, else
 * a named file. The caller ends it with grym_tmp_release ("" after a
 * failure). */
int grym_spool(grym_input *in, const char *tmpdir, char *path, size_t len,
	       grym_error *err) GRYM_MUST_CHECK;
/* A new empty temporary file in tmpdir, unnamed (O_TMPFILE, path is its
 * /proc/self/fd/N link, the fd returned is that N) so a kill -9 leaves
 * nothing; where that is not possible a named PREFIX.XXXXXX file. Returns
 * the fd or a negative status; end it with grym_tmp_release(path) (which
 * closes an unnamed one; close a named one's fd yourself). */
int grym_tmpfile_unnamed(const char *tmpdir, const char *prefix, char *path, size_t len,
			 grym_error *err) GRYM_MUST_CHECK;
/* An output into a new temporary from grym_tmpfile_unnamed (path receives
 * its name): commit flushes it, abort drops the output, and the file
 * stays readable by path until grym_tmp_release(path). */
grym_output *grym_output_open_tmp(const char *tmpdir, const char *prefix, char *path,
				  size_t len, grym_error *err) GRYM_MUST_CHECK;
/* Remove a temporary made by grym_spool or the two above (close an unnamed one, unlink a
 * named one) and empty path. */
void grym_tmp_release(char *path);

/* Write a whole buffer to an fd, retrying on EINTR and short writes. */
int grym_write_all(int fd, const void *data, size_t len, grym_error *err) GRYM_MUST_CHECK;
/* Make the folders of path after its first `from` bytes (the part of an
 * output's name below a folder that exists: mkdir -p of its directory). */
int grym_mkdir_parents(const char *path, size_t from, grym_error *err) GRYM_MUST_CHECK;
/* fsync a directory (after a rename into it). */
int grym_fsync_dir(const char *dir, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
