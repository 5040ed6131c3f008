/*
 * walk.c — the files a directory holds for grym, and the names taken
 * from directories and archives (see grym/walk.h).
 */
#include "grym/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int grym_walk_match(const char *match, const char *relpath)
{
	static const char *const exts[] = {
		"wav", "flac", "mp3", "ogg", "oga", "opus", "m4a", "mp4", "aac", "aif",
		"aiff", "aifc", "wv", "ape", "wma", "mka", "caf", "au", "snd", "w64",
		"rf64", "ac3", "amr", "mpc", "tta"
	};
	const char *base = strrchr(relpath, '/');
	base = base ? base + 1 : relpath;
	if (match)
		return fnmatch(match, strchr(match, '/') ? relpath : base, 0) == 0;
	const char *dot = strrchr(base, '.');
	if (!dot)
		return 0;
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (strcasecmp(dot + 1, exts[i]) == 0)
			return 1;
	return 0;
}

int grym_walk_hidden(const char *relpath)
{
	for (const char *c = relpath; *c;) {
		size_t n = strcspn(c, "/");
		if (n > 1 && c[0] == '.' && !(n == 2 && c[1] == '.'))
			return 1;
		if (n == 8 && memcmp(c, "__MACOSX", 8) == 0)
			return 1;
		c += n;
		if (*c)
			c++;
	}
	return 0;
}

/* The walk keeps the (device, inode) of every directory on the current
 * path: meeting one again means a symbolic link loops back. */
typedef struct walk_frame {
	dev_t dev;
	ino_t ino;
	const struct walk_frame *up;
} walk_frame;

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int walk(const char *dir, const char *rel, const char *match, const walk_frame *up,
		grym_walk_fn cb, void *ud)
{
	struct stat st;
	struct dirent **names = NULL;
	grym_error err;
	int n, rc = 0;

	if (stat(dir, &st) < 0) {
		grym_error_set(&err, GRYM_ERR_IO, "%s", strerror(errno));
		return cb(ud, dir, &err);
	}
	for (const walk_frame *f = up; f; f = f->up)
		if (f->dev == st.st_dev && f->ino == st.st_ino) {
			grym_error_set(&err, GRYM_ERR_FORMAT,
				       "symbolic link loop (leads back to a directory above)");
			return cb(ud, dir, &err);
		}
	walk_frame here = { st.st_dev, st.st_ino, up };
	n = scandir(dir, &names, NULL, name_cmp);
	if (n < 0) {
		grym_error_set(&err, GRYM_ERR_IO, "%s", strerror(errno));
		return cb(ud, dir, &err);
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		if (rc || !strcmp(nm, ".") || !strcmp(nm, "..")) {
			free(names[i]);
			continue;
		}
		size_t dl = strlen(dir), rl = rel ? strlen(rel) : 0;
		char *path = malloc(dl + strlen(nm) + 2);
		char *r = malloc(rl + strlen(nm) + 2);
		if (!path || !r) {
			free(path);
			free(r);
			grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
			rc = cb(ud, dir, &err);
			free(names[i]);
			continue;
		}
		sprintf(path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", nm);
		sprintf(r, "%s%s%s", rel ? rel : "", rel ? "/" : "", nm);
		if (grym_walk_hidden(nm)) {
			/* hidden files and folders, macOS resource forks */
		} else if (stat(path, &st) < 0) {
			/* a dangling link or a file gone meanwhile */
			grym_error_set(&err, GRYM_ERR_IO, "%s", strerror(errno));
			if (grym_walk_match(match, r))
				rc = cb(ud, path, &err);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(path, r, match, &here, cb, ud);
		} else if (S_ISREG(st.st_mode) && grym_walk_match(match, r)) {
			rc = cb(ud, path, NULL);
		}
		free(path);
		free(r);
		free(names[i]);
	}
	free(names);
	return rc;
}

int grym_walk(const char *dir, const char *match, grym_walk_fn cb, void *ud)
{
	return walk(dir, NULL, match, NULL, cb, ud);
}
