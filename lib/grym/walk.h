/*
 * walk.h — which files a directory holds for grym: the rules every
 * program uses when a directory is named (grym-ingest, grym-features,
 * grym-normalize, grym-infer: see grym/sources.h) and when an archive is
 * opened (grym-ingest).
 *
 * A directory is walked recursively, following symbolic links, sorted by
 * name in byte order, so two runs over the same tree give the same order;
 * hidden entries are left out; of the rest, files whose name matches are
 * taken (the usual audio extensions unless a glob is given).
 */
#ifndef GRYM_WALK_H
#define GRYM_WALK_H
#pragma GCC visibility push(default)

#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if a file name found in a directory or an archive is taken: match is
 * an fnmatch(3) glob on the base name (on the whole relative path if it
 * holds a '/'); NULL takes the usual audio extensions (GRYM_WALK_EXTENSIONS,
 * any case). */
int grym_walk_match(const char *match, const char *relpath);
#define GRYM_WALK_EXTENSIONS \
	"wav flac mp3 ogg oga opus m4a mp4 aac aif aiff aifc wv ape wma mka caf au snd " \
	"w64 rf64 ac3 amr mpc tta"

/* 1 if a relative path found in a directory or an archive is left out
 * whatever the match: a component starting with '.' (hidden files and
 * folders, macOS "._x" resource forks, .DS_Store) or named "__MACOSX". */
int grym_walk_hidden(const char *relpath);

/* Walk a directory recursively (following symbolic links, sorted by
 * name in byte order): cb(ud, path, NULL) for each regular file that
 * grym_walk_match takes and grym_walk_hidden does not leave out,
 * cb(ud, path, err) for a problem (a symbolic link loop, an unreadable
 * directory, a dangling link whose name matches). path is dir joined
 * with the relative name ("d/" + "sub/b.wav" is "d/sub/b.wav"). cb
 * returns non-zero to stop (that value is returned); 0 at the end. */
typedef int (*grym_walk_fn)(void *ud, const char *path, const grym_error *err);
int grym_walk(const char *dir, const char *match, grym_walk_fn cb, void *ud) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
