/*
 * sources.h — what a program was given to read: its operands and its
 * standard input, turned into one ordered sequence of items. Every grym
 * program that reads inputs reads them through this layer, so the rules
 * below hold alike for grym-ingest, grym-normalize, grym-features,
 * grym-infer, grym-train and grym-synth (grym(7), INPUTS, has the table
 * of what each one takes).
 *
 * Operands, in the order given:
 *   "-"        standard input (read once: a second "-" is an error item);
 *   a directory  its audio files, recursively, by the rules of
 *              grym/walk.h (sorted, audio extensions or the match glob,
 *              hidden entries left out, link loops reported); one with no
 *              such file is an error item naming it;
 *   a file     audio, or (GRYM_SOURCES_RECORDS) grym records in binary or
 *              text form; a text file that is not records is an error
 *              item ("not audio (text file)"): lists come from stdin;
 *              without GRYM_SOURCES_RECORDS a file is not opened here at
 *              all (the program opens it: FIFOs block in no one's way);
 *   a FIFO or device (with RECORDS)  read once, like stdin.
 * Standard input: with null_sep a list of names separated by NUL (find
 * -print0); otherwise told from its first bytes (grym_input_detect):
 * audio, binary records, or text, which is text records or lines naming
 * files, directories or catalog ids (the lines are bare references,
 * grym-stream(5)); text that is not UTF-8 but holds no control byte
 * other than TAB, CR and LF (file names in Latin-1) is such lines too.
 * A CR before a newline is dropped; empty lines are skipped.
 *
 * A name met in a list or in a record is resolved by one rule: its whole
 * text, when it names an existing file or directory, is that path (so a
 * name holding a TAB survives); otherwise its first TAB-separated field
 * is the key: a path when one exists, else (GRYM_SOURCES_RECORDS) a
 * catalog reference when it looks like an id or id prefix (4 to 64 hex
 * digits), else an error item ("No such file or directory"). A reference
 * record with metadata (as grym-ingest writes) tries its key, then its
 * "path" ("path_b64" for exact bytes). A directory so named is walked, a
 * file holding records is read as records (up to 4 levels deep).
 *
 * Errors are per item: an input that cannot be read, is empty or missing
 * becomes a GRYM_SOURCE_ERROR item in its place, and the items after it
 * still come. A damaged record stream ends with an error item (it cannot
 * be resynchronised).
 *
 * Not thread-safe: one grym_sources belongs to one thread.
 */
#ifndef GRYM_SOURCES_H
#define GRYM_SOURCES_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "grym/error.h"
#include "grym/io.h"
#include "grym/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a program takes (grym_sources_opts.flags). */
enum {
	GRYM_SOURCES_RECORDS = 1,   /* grym records: files named are opened and
				       told apart (audio or records), record
				       streams give GRYM_SOURCE_RECORD and
				       GRYM_SOURCE_REF items */
	GRYM_SOURCES_STREAMS = 2,   /* with RECORDS: a record stream is one
				       GRYM_SOURCE_STREAM item, read whole by
				       the program (grym-train) */
	GRYM_SOURCES_TSV = 4,       /* names ending in ".tsv" are TSV tables */
	GRYM_SOURCES_TSV_ALL = 8,   /* every input is a TSV table (--tsv) */
	GRYM_SOURCES_NPY = 16,      /* names ending in ".npy" are .npy matrices */
	GRYM_SOURCES_ID_OPERANDS = 32 /* with RECORDS: an operand naming no
				       file that looks like an id is a catalog
				       reference (grym-synth transform ID) */
};

typedef struct grym_sources_opts {
	unsigned flags;                 /* GRYM_SOURCES_* */
	int null_sep;                   /* -0: stdin is a NUL-separated list */
	const char *match;              /* directories: grym_walk_match glob, NULL
					   for the audio extensions */
	const char *stdin_name;         /* stdin in items and messages; NULL:
					   "stdin" */
	const volatile sig_atomic_t *cancel; /* every input opened stops reading
					   when it turns non-zero
					   (grym_input_set_cancel) */
} grym_sources_opts;

typedef enum grym_source_kind {
	GRYM_SOURCE_ERROR = 0,  /* an input that failed: name, err */
	GRYM_SOURCE_FILE,       /* an audio file on disk: path (exact bytes) */
	GRYM_SOURCE_AUDIO_IN,   /* audio bytes on stdin or a FIFO: in (peeked,
				   not consumed; see grym_source_audio_path) */
	GRYM_SOURCE_RECORD,     /* a record with a payload: head; its rows from
				   reader (or grym_stream_read_payload) */
	GRYM_SOURCE_REF,        /* a catalog reference: head.key is an id or id
				   prefix, head.meta what the record carried */
	GRYM_SOURCE_STREAM,     /* GRYM_SOURCES_STREAMS: a whole record stream:
				   reader */
	GRYM_SOURCE_TSV,        /* a TSV table: in */
	GRYM_SOURCE_NPY         /* a .npy matrix: in */
} grym_source_kind;

typedef struct grym_source {
	grym_source_kind kind;
	const char *name;       /* for messages: the path, stdin_name, or the
				   record's key */
	const char *path;       /* FILE: the file; AUDIO_IN, TSV, NPY,
				   STREAM: the file read, or NULL for stdin */
	int nested;             /* 0: the operand itself (or stdin read as the
				   input); 1: found in a directory, a list or a
				   record stream */
	grym_input *in;         /* AUDIO_IN, TSV, NPY (the caller may take it:
				   set it to NULL, then free it) */
	grym_stream_reader *reader; /* RECORD, STREAM */
	grym_record_head head;  /* RECORD and REF; FILE named by a record: that
				   record's key and metadata (key NULL
				   otherwise). The caller may take key and
				   meta (set them to NULL). */
	grym_error err;         /* ERROR */
	uint64_t record;        /* the number of the record it came from in its
				   stream (1-based, for messages), 0 if none */
} grym_source;

typedef struct grym_sources grym_sources;

/* An empty sequence; opts is copied (match and stdin_name must outlive
 * it). The caller owns it (grym_sources_free). NULL when out of memory. */
grym_sources *grym_sources_new(const grym_sources_opts *opts, grym_error *err) GRYM_MUST_CHECK;
void grym_sources_free(grym_sources *s);
/* Queue an operand (a path, or "-"), or a file holding a list of names
 * ("-" for stdin; lines, or NUL-separated with null_sep): nothing is read
 * until grym_sources_next reaches it. The strings are copied. A program
 * that reads stdin when given no operand adds "-" itself. */
int grym_sources_add(grym_sources *s, const char *operand, grym_error *err) GRYM_MUST_CHECK;
int grym_sources_add_list(grym_sources *s, const char *path, grym_error *err) GRYM_MUST_CHECK;
/* Queue a catalog reference (an asset id or id prefix) as an item of
 * its own (GRYM_SOURCE_REF, empty metadata), never looked up as a file:
 * what a server's job gives a stage. GRYM_ERR_INVALID when id is not 4
 * to 64 hex digits. */
int grym_sources_add_ref(grym_sources *s, const char *id, grym_error *err) GRYM_MUST_CHECK;
/* A program's operands in order, or "-" (stdin) when there are none: what
 * every program does with its command line. GRYM_OK or the first error. */
int grym_sources_add_operands(grym_sources *s, int n, char *const *ops, grym_error *err)
	GRYM_MUST_CHECK;

/* The next item, in order: GRYM_OK with *item set (valid until the next
 * call or grym_sources_free), GRYM_ERR_EOF after the last one,
 * GRYM_ERR_INTERRUPTED when *cancel turned non-zero, GRYM_ERR_NOMEM.
 * Failed inputs are items (GRYM_SOURCE_ERROR), not return values. */
int grym_sources_next(grym_sources *s, grym_source **item, grym_error *err) GRYM_MUST_CHECK;

/* A path a decoder can open (and read twice) for a GRYM_SOURCE_AUDIO_IN
 * item: stdin that is a regular file is reopened from its start through
 * /dev/stdin; anything else is copied to a temporary file in tmpdir
 * (grym_spool; *is_tmp set: end it with grym_tmp_release). */
int grym_source_audio_path(grym_source *item, const char *tmpdir, char *path, size_t len,
			   int *is_tmp, grym_error *err) GRYM_MUST_CHECK;

/* One entry of a list of names: a line (a CR before the newline
 * dropped), or with nul an entry ended by NUL; empty entries are
 * skipped. Returns its length, GRYM_ERR_EOF at the end, or an error. */
ssize_t grym_list_next(grym_input *in, int nul, char **item, size_t *cap, grym_error *err)
	GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
