/*
 * ingest_manifest.c — dataset manifests: a TSV or CSV table that gives labels and
 * metadata (split, speaker...) to audio files by path (see grym/ingest.h).
 *
 * Rows are looked up by path, so a manifest works whether its files are
 * named on the command line, found in a directory or read from an
 * archive: file paths are compared absolute and lexically normal (no
 * ".", "..", "//"), archive members by their name inside the archive.
 * Two jansson objects serve as the hash maps.
 */
#include "grym/ingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

typedef struct row {
	char *path;          /* joined to the manifest's directory */
	json_t *labels;      /* array */
	json_t *meta;        /* object */
} row;

struct grym_manifest {
	row *rows;
	size_t n, cap;
	json_t *by_abs;      /* normal absolute path -> row index */
	json_t *by_rel;      /* normal path as written -> row index */
};

/* Lexically normalise: collapse "//" and ".", resolve ".." against the
 * components before it (never above the root). Returns malloc'ed text. */
static char *normalize(const char *path)
{
	size_t len = strlen(path), n = 0, o = 0;
	char *out = malloc(len + 2), *tmp = strdup(path);
	char **comp = malloc((len / 2 + 2) * sizeof *comp);
	int abs = path[0] == '/';
	char *save = NULL, *tok;

	if (!out || !tmp || !comp) {
		free(out);
		free(tmp);
		free(comp);
		return NULL;
	}
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (n > 0 && strcmp(comp[n - 1], "..") != 0) {
				n--;
				continue;
			}
			if (abs)
				continue;   /* above the root is the root */
		}
		comp[n++] = tok;
	}
	if (abs)
		out[o++] = '/';
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(comp[i]);
		if (i > 0)
			out[o++] = '/';
		memcpy(out + o, comp[i], k);
		o += k;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	free(tmp);
	free(comp);
	return out;
}

static char *absolute(const char *path)
{
	char cwd[4096], *joined, *n;
	if (path[0] == '/')
		return normalize(path);
	if (!getcwd(cwd, sizeof cwd))
		return normalize(path);
	joined = malloc(strlen(cwd) + strlen(path) + 2);
	if (!joined)
		return NULL;
	sprintf(joined, "%s/%s", cwd, path);
	n = normalize(joined);
	free(joined);
	return n;
}

/* Split one line into fields (CSV quoting when sep is ','); returns the
 * number of fields, pointers into line (modified in place). */
static size_t split(char *line, char sep, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	for (;;) {
		if (n == max)
			return n;
		if (sep == ',' && *p == '"') {
			char *w = ++p;
			f[n++] = w;
			for (;;) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"' || *p == '\0') {
					if (*p)
						p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = '\0';
			/* skip to the separator */
			while (*p && *p != sep)
				p++;
		} else {
			f[n++] = p;
			while (*p && *p != sep)
				p++;
		}
		if (*p != sep) {
			if (*p)
				*p = '\0';
			return n;
		}
		*p++ = '\0';
	}
}

static void trim_eol(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

void grym_manifest_free(grym_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->rows[i].path);
		json_decref(m->rows[i].labels);
		json_decref(m->rows[i].meta);
	}
	free(m->rows);
	json_decref(m->by_abs);
	json_decref(m->by_rel);
	free(m);
}

#define MAX_COLS 256

grym_manifest *grym_manifest_load(const char *path, grym_error *err)
{
	FILE *f = fopen(path, "r");
	grym_manifest *m = NULL;
	char *line = NULL, *dir = NULL;
	size_t cap = 0, ncols = 0, lineno = 1;
	char *cols[MAX_COLS];
	char *names[MAX_COLS];
	int path_col = -1, label_col = -1, labels_col = -1;
	char sep;

	if (!f) {
		grym_error_set(err, GRYM_ERR_IO, "%s", strerror(errno));
		return NULL;
	}
	memset(names, 0, sizeof names);
	if (getline(&line, &cap, f) <= 0) {
		grym_error_set(err, GRYM_ERR_FORMAT, "manifest is empty (a header line is needed)");
		goto fail;
	}
	trim_eol(line);
	/* A UTF-8 byte order mark is not part of the first column's name. */
	char *hdr = strncmp(line, "\xef\xbb\xbf", 3) == 0 ? line + 3 : line;
	sep = strchr(hdr, '\t') ? '\t' : ',';
	ncols = split(hdr, sep, cols, MAX_COLS);
	for (size_t i = 0; i < ncols; i++) {
		if (!(names[i] = strdup(cols[i]))) {
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		if (path_col < 0 && (!strcmp(cols[i], "path") || !strcmp(cols[i], "file") ||
				     !strcmp(cols[i], "filename")))
			path_col = (int)i;
		else if (!strcmp(cols[i], "label"))
			label_col = (int)i;
		else if (!strcmp(cols[i], "labels"))
			labels_col = (int)i;
	}
	if (path_col < 0) {
		grym_error_set(err, GRYM_ERR_FORMAT, "manifest header has no \"path\" column");
		goto fail;
	}
	m = calloc(1, sizeof *m);
	if (!m || !(m->by_abs = json_object()) || !(m->by_rel = json_object())) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	{
		const char *slash = strrchr(path, '/');
		dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup("");
		if (!dir) {
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	while (getline(&line, &cap, f) > 0) {
		char *v[MAX_COLS];
		size_t nv;
		lineno++;
		trim_eol(line);
		if (!line[0])
			continue;
		nv = split(line, sep, v, MAX_COLS);
		if ((size_t)path_col >= nv || !v[path_col][0]) {
			grym_error_set(err, GRYM_ERR_FORMAT, "line %zu: no path", lineno);
			goto fail;
		}
		if (m->n == m->cap) {
			size_t nc = m->cap ? 2 * m->cap : 64;
			row *r = realloc(m->rows, nc * sizeof *r);
			if (!r) {
				grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto fail;
			}
			m->rows = r;
			m->cap = nc;
		}
		row *r = &m->rows[m->n];
		memset(r, 0, sizeof *r);
		m->n++;
		const char *p = v[path_col];
		r->labels = json_array();
		r->meta = json_object();
		r->path = malloc(strlen(dir) + strlen(p) + 1);
		if (!r->labels || !r->meta || !r->path) {
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		if (p[0] == '/')
			strcpy(r->path, p);
		else
			sprintf(r->path, "%s%s", dir, p);
		for (size_t i = 0; i < nv && i < ncols; i++) {
			if ((int)i == path_col || !v[i][0])
				continue;
			if ((int)i == label_col) {
				if (json_array_append_new(r->labels, json_string(v[i])) < 0) {
					grym_error_set(err, GRYM_ERR_FORMAT, "line %zu: label is not UTF-8",
						       lineno);
					goto fail;
				}
			} else if ((int)i == labels_col) {
				char *save = NULL;
				for (char *t = strtok_r(v[i], ";", &save); t; t = strtok_r(NULL, ";", &save))
					if (*t && json_array_append_new(r->labels, json_string(t)) < 0) {
						grym_error_set(err, GRYM_ERR_FORMAT,
							       "line %zu: label is not UTF-8", lineno);
						goto fail;
					}
			} else {
				json_t *s = json_string(v[i]);
				if (!s) {
					grym_error_set(err, GRYM_ERR_FORMAT, "line %zu: column %s is not UTF-8",
						       lineno, names[i]);
					goto fail;
				}
				json_object_set_new(r->meta, names[i], s);
			}
		}
		char *a = absolute(r->path), *rel = normalize(p);
		if (!a || !rel) {
			free(a);
			free(rel);
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		/* The first row of a path wins; a later duplicate is ignored.
		 * Paths are bytes, not always UTF-8: the maps take any key. */
		int bad = 0;
		if (!json_object_get(m->by_abs, a))
			bad |= json_object_set_new_nocheck(m->by_abs, a,
							   json_integer((json_int_t)(m->n - 1)));
		if (!json_object_get(m->by_rel, rel))
			bad |= json_object_set_new_nocheck(m->by_rel, rel,
							   json_integer((json_int_t)(m->n - 1)));
		free(a);
		free(rel);
		if (bad) {
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (ferror(f)) {
		grym_error_set(err, GRYM_ERR_IO, "%s", strerror(errno));
		goto fail;
	}
	fclose(f);
	free(line);
	free(dir);
	for (size_t i = 0; i < MAX_COLS; i++)
		free(names[i]);
	return m;
fail:
	fclose(f);
	free(line);
	free(dir);
	for (size_t i = 0; i < MAX_COLS; i++)
		free(names[i]);
	grym_manifest_free(m);
	return NULL;
}

size_t grym_manifest_rows(const grym_manifest *m)
{
	return m ? m->n : 0;
}

const char *grym_manifest_path(const grym_manifest *m, size_t i)
{
	return m && i < m->n ? m->rows[i].path : NULL;
}

int grym_manifest_find(const grym_manifest *m, const char *file, const char *member,
		       const json_t **labels, const json_t **meta)
{
	json_t *idx = NULL;
	char *key;
	if (!m)
		return 0;
	if (member) {
		/* normalize drops "./" itself; stripping it first turned
		 * ".//a.wav" into the absolute "/a.wav" */
		key = normalize(member);
		if (key)
			idx = json_object_get(m->by_rel, key);
	} else {
		key = absolute(file);
		if (key)
			idx = json_object_get(m->by_abs, key);
	}
	free(key);
	if (!idx)
		return 0;
	const row *r = &m->rows[json_integer_value(idx)];
	if (labels)
		*labels = r->labels;
	if (meta)
		*meta = r->meta;
	return 1;
}
