/*
 * pathname.h — file names as the system has them (bytes), carried through
 * JSON and the text stream (which must be UTF-8), and turned into keys and
 * output names that stay unique.
 *
 * A name that is valid UTF-8 is carried as it is. One that is not (Latin-1
 * names from old archives, cut multibyte sequences) is carried twice, as
 * grym-stream(5) and grym-catalog(5) say: "path" holds it as UTF-8 with
 * U+FFFD for each byte that is not part of a valid sequence (for eyes,
 * jq, grep), and "path_b64" holds its exact bytes in base64 (RFC 4648,
 * padded), which readers use to open the very file. Lone surrogate escapes
 * (Python's "\udcff") are never written: jansson and most JSON parsers
 * reject them.
 */
#ifndef GRYM_PATHNAME_H
#define GRYM_PATHNAME_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"
#include "grym/json.h"

#ifdef __cplusplus
extern "C" {
#endif


/* 1 if s[0..n) is valid UTF-8 (no overlong forms, no surrogates, nothing
 * past U+10FFFF), 0 if not. */
int grym_utf8_valid(const char *s, size_t n);

/* s[0..n) as UTF-8 with U+FFFD in place of each byte that is not part of
 * a valid sequence (malloc'ed, NUL-terminated; NULL when out of memory). */
char *grym_utf8_repair(const char *s, size_t n) GRYM_MUST_CHECK;

/* s[0..n) as one field of a line of text (a key, a TSV cell): UTF-8
 * with U+FFFD for bad bytes, TAB, CR, newline and a leading '#'
 * (malloc'ed, or NULL). The rule names given by grym_unique_names follow. */
char *grym_text_field(const char *s, size_t n) GRYM_MUST_CHECK;

/* Base64 (RFC 4648, with padding) of n bytes, malloc'ed, or NULL. */
char *grym_base64_encode(const void *p, size_t n) GRYM_MUST_CHECK;
/* Decode base64 text s[0..n) into a malloc'ed buffer (NUL-terminated for
 * convenience, *outlen without it). GRYM_ERR_FORMAT when s is not base64. */
int grym_base64_decode(const char *s, size_t n, char **out, size_t *outlen, grym_error *err)
	GRYM_MUST_CHECK;

/* Set obj[field] to path (a NUL-terminated byte string) and, when path is
 * not UTF-8, obj[field "_b64"] to its exact bytes; a stale field_b64 is
 * removed. GRYM_ERR_NOMEM on failure. */
int grym_json_set_path(grym_json *obj, const char *field, const char *path, grym_error *err)
	GRYM_MUST_CHECK;

/* The same for a list of names (a JSON array of strings holding exact
 * bytes, as grym_asset.paths; NULL is an empty list): obj[field] gets
 * the names as UTF-8 with U+FFFD, and when one is not UTF-8,
 * obj[field "_b64"] gets an array as long, holding for each name its
 * bytes in base64 or null when it is UTF-8. */
int grym_json_set_path_list(grym_json *obj, const char *field, const grym_json *paths,
			    grym_error *err) GRYM_MUST_CHECK;

/* The exact bytes of obj[field]: decoded from obj[field "_b64"] when it
 * is there, else the string itself. *out is malloc'ed, or NULL when obj
 * has neither. GRYM_ERR_FORMAT (naming the field) when field_b64 is not a
 * base64 string or decodes to bytes holding a NUL. */
int grym_json_get_path(const grym_json *obj, const char *field, char **out, grym_error *err)
	GRYM_MUST_CHECK;

/* ---- keys and output names from file names ----
 * Names for n files, unique among themselves, for record keys and for the
 * files derived from them (KEY.FEATURE.npy). Each name is:
 *   1. the base name without its extension ("a/x.wav" -> "x"), when these
 *      are all different (the names grym always gave);
 *   2. else the path relative to the deepest folder holding them all,
 *      without the extension ("a/x.wav", "b/x.wav" -> "a/x", "b/x"), for
 *      every file, when these are all different;
 *   3. else the same with the extensions ("a/x.wav", "a/x.flac") when
 *      that leaves fewer names repeated;
 *   4. and then, for what still repeats (the same file named twice),
 *      "~2", "~3"... added to the second and later holders of a name.
 * Each name is also a valid key: UTF-8, with U+FFFD in place of bytes that
 * are not, of TAB, CR and newline, and of a leading '#'; (tested for
 * uniqueness after that). Paths are compared after making them absolute
 * and lexically normal (".", "..", "//"), without touching the disk.
 * paths[i] may be NULL: names[i] is then NULL and the entry takes no part.
 * Returns a malloc'ed array of n malloc'ed names (free with
 * grym_names_free), or NULL when out of memory. */
char **grym_unique_names(const char *const *paths, size_t n, grym_error *err) GRYM_MUST_CHECK;
/* The same from rule 2 on: every name is the path relative to the
 * deepest folder holding them all, even when the base names differ (the
 * outputs of a batch mirror the tree of its inputs: corpus/dog/a.wav and
 * corpus/cat/b.wav give dog/a and cat/b). */
char **grym_relative_names(const char *const *paths, size_t n, grym_error *err) GRYM_MUST_CHECK;
void grym_names_free(char **names, size_t n);

/* Make names[0..n) (keys as above; NULL entries skipped) into relative
 * file names under one output folder, in place: '/' separates folders,
 * an empty, "." or ".." component becomes "_" (nothing lands outside the
 * folder), then grym_names_dedupe (two inputs never write one file).
 * Returns the number of names numbered, or GRYM_ERR_NOMEM. */
int grym_names_as_files(char **names, size_t n, grym_error *err) GRYM_MUST_CHECK;

/* Make names[0..n) (NULL entries skipped) unique in place by adding "~2",
 * "~3"... to the second and later holders of a name; for names that
 * cannot be changed upstream but must not overwrite each other (output
 * files). Returns the number of names changed, or GRYM_ERR_NOMEM. */
int grym_names_dedupe(char **names, size_t n, grym_error *err) GRYM_MUST_CHECK;

/* The name by which this process opens fd's file again, for libraries
 * that open files only by name (FFmpeg's file protocol, libsndfile):
 * /proc/self/fd/N. Opening it makes a new open file description of the
 * very file fd is open on (seekable for a regular file, with an offset of
 * its own), even after that file was renamed, replaced or removed; it is
 * valid while fd stays open. GRYM_ERR_UNSUPPORTED when this system has no
 * /proc/self/fd, GRYM_ERR_INVALID for a bad fd. */
int grym_fd_path(int fd, char *buf, size_t len, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
