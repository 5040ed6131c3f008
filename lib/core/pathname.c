/*
 * pathname.c — file names as bytes through JSON and text, and unique keys
 * and output names derived from them (see grym/pathname.h).
 */
#include "grym/pathname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;               /* continuation byte, C0/C1 overlong, > U+10FFFF */
	if (n < len)
		return 0;
	/* the second byte's range rules out overlong forms, surrogates and
	 * code points past U+10FFFF (Unicode table 3-7) */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int grym_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

char *grym_utf8_repair(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(3 * n + 1);      /* each bad byte grows to 3 */
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (l) {
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *grym_base64_encode(const void *data, size_t n)
{
	const unsigned char *p = data;
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(int c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int grym_base64_decode(const char *s, size_t n, char **out, size_t *outlen, grym_error *err)
{
	unsigned char *buf;
	size_t o = 0;

	*out = NULL;
	if (n % 4)
		return grym_error_set(err, GRYM_ERR_FORMAT, "not base64 (length %zu)", n);
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64_val((unsigned char)s[i + k])) < 0) {
				free(buf);
				return grym_error_set(err, GRYM_ERR_FORMAT, "not base64");
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		buf[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			buf[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			buf[o++] = (unsigned char)w;
	}
	buf[o] = '\0';
	*out = (char *)buf;
	*outlen = o;
	return GRYM_OK;
}

/* ---- paths in JSON ---- */

int grym_json_set_path(json_t *obj, const char *field, const char *path, grym_error *err)
{
	char f64[256];
	size_t n = strlen(path);
	int rc;

	snprintf(f64, sizeof f64, "%s_b64", field);
	if (grym_utf8_valid(path, n)) {
		json_object_del(obj, f64);
		rc = json_object_set_new(obj, field, json_string(path));
	} else {
		char *fixed = grym_utf8_repair(path, n), *enc = grym_base64_encode(path, n);
		rc = !fixed || !enc || json_object_set_new(obj, field, json_string(fixed)) ||
		     json_object_set_new(obj, f64, json_string(enc));
		free(fixed);
		free(enc);
	}
	return rc ? grym_error_set(err, GRYM_ERR_NOMEM, "out of memory") : GRYM_OK;
}

int grym_json_set_path_list(json_t *obj, const char *field, const json_t *paths,
			    grym_error *err)
{
	json_t *out = json_array(), *b64 = NULL;
	char f64[256];
	size_t i;
	json_t *v;

	snprintf(f64, sizeof f64, "%s_b64", field);
	if (!out)
		goto fail;
	json_array_foreach(paths, i, v) {
		const char *p = json_string_value(v);
		size_t n = json_string_length(v);
		if (grym_utf8_valid(p, n)) {
			if (json_array_append_new(out, json_stringn(p, n)) ||
			    (b64 && json_array_append_new(b64, json_null())))
				goto fail;
			continue;
		}
		if (!b64) {     /* the names before were all UTF-8 */
			if (!(b64 = json_array()))
				goto fail;
			for (size_t k = 0; k < i; k++)
				if (json_array_append_new(b64, json_null()))
					goto fail;
		}
		char *fixed = grym_utf8_repair(p, n), *enc = grym_base64_encode(p, n);
		int bad = !fixed || !enc || json_array_append_new(out, json_string(fixed)) ||
			  json_array_append_new(b64, json_string(enc));
		free(fixed);
		free(enc);
		if (bad)
			goto fail;
	}
	if (json_object_set_new(obj, field, out)) {
		out = NULL;
		goto fail;
	}
	out = NULL;
	if (b64 ? json_object_set_new(obj, f64, b64) : (json_object_del(obj, f64), 0)) {
		b64 = NULL;
		goto fail;
	}
	return GRYM_OK;
fail:
	json_decref(out);
	json_decref(b64);
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

int grym_json_get_path(const json_t *obj, const char *field, char **out, grym_error *err)
{
	char f64[256];
	const json_t *v, *e;
	size_t len;

	*out = NULL;
	snprintf(f64, sizeof f64, "%s_b64", field);
	e = json_object_get(obj, f64);
	v = json_object_get(obj, field);
	if (e) {
		if (!json_is_string(e) ||
		    grym_base64_decode(json_string_value(e), json_string_length(e), out, &len,
				       err) != GRYM_OK)
			return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not base64", f64);
		if (len == 0 || memchr(*out, '\0', len)) {
			free(*out);
			*out = NULL;
			return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not a file name", f64);
		}
		return GRYM_OK;
	}
	if (!v)
		return GRYM_OK;
	if (!json_is_string(v))
		return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not a string", field);
	*out = strdup(json_string_value(v));
	return *out ? GRYM_OK : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

/* ---- unique names ---- */

void grym_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *grym_text_field(const char *s, size_t n)
{
	char *u = grym_utf8_repair(s, n), *out;
	size_t o = 0;

	if (!u)
		return NULL;
	out = malloc(3 * strlen(u) + 1);
	if (!out) {
		free(u);
		return NULL;
	}
	for (const char *p = u; *p; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r' || (p == u && *p == '#')) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	free(u);
	return out;
}

static char *as_key(const char *s, size_t n)
{
	return grym_text_field(s, n);
}

/* How many non-NULL names repeat an earlier one, or <0 out of memory. */
static long repeats(char **names, size_t n)
{
	json_t *seen = json_object();
	long r = 0;

	if (!seen)
		return GRYM_ERR_NOMEM;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!names[i])
			continue;
		if (json_object_get(seen, names[i]))
			r++;
		else if (json_object_set_new_nocheck(seen, names[i], json_true()))
			r = GRYM_ERR_NOMEM;
	}
	json_decref(seen);
	return r;
}

/* The components of path made absolute (against cwd) and lexically
 * normal, as one malloc'ed buffer of NUL-separated components, their
 * count in *nc. */
static char *components(const char *path, const char *cwd, size_t *nc)
{
	size_t lc = path[0] == '/' ? 0 : strlen(cwd), lp = strlen(path);
	char *buf = malloc(lc + lp + 2), *out = malloc(lc + lp + 2);
	size_t o = 0, n = 0;

	if (!buf || !out) {
		free(buf);
		free(out);
		return NULL;
	}
	memcpy(buf, cwd, lc);
	buf[lc] = '/';
	memcpy(buf + lc + 1, path, lp + 1);
	for (char *c = buf; *c;) {
		size_t l = strcspn(c, "/");
		if (l == 0 || (l == 1 && c[0] == '.')) {
			/* "//" and "." */
		} else if (l == 2 && c[0] == '.' && c[1] == '.') {
			if (n) {        /* drop the last component */
				o--;
				while (o > 0 && out[o - 1])
					o--;
				n--;
			}
		} else {
			memcpy(out + o, c, l);
			o += l;
			out[o++] = '\0';
			n++;
		}
		c += l;
		if (*c)
			c++;
	}
	free(buf);
	*nc = n;
	return out;
}

/* The i-th component of a NUL-separated list. */
static const char *comp_at(const char *list, size_t i)
{
	while (i--)
		list += strlen(list) + 1;
	return list;
}

/* The extension of a base name starts at its last '.', unless that is
 * its first character (".wav" has none). */
static size_t stem_len(const char *base)
{
	const char *dot = strrchr(base, '.');
	return dot && dot != base ? (size_t)(dot - base) : strlen(base);
}

static char *join_from(const char *list, size_t nc, size_t from, int keep_ext)
{
	size_t len = 0;
	char *raw, *key;

	for (size_t i = from; i < nc; i++)
		len += strlen(comp_at(list, i)) + 1;
	raw = malloc(len + 1);
	if (!raw)
		return NULL;
	len = 0;
	for (size_t i = from; i < nc; i++) {
		const char *c = comp_at(list, i);
		size_t l = i + 1 == nc && !keep_ext ? stem_len(c) : strlen(c);
		if (i > from)
			raw[len++] = '/';
		memcpy(raw + len, c, l);
		len += l;
	}
	key = as_key(raw, len);
	free(raw);
	return key;
}

static char **unique_names(const char *const *paths, size_t n, int relative, grym_error *err)
{
	char **names = calloc(n ? n : 1, sizeof *names);
	char **alt = calloc(n ? n : 1, sizeof *alt);
	char **comps = calloc(n ? n : 1, sizeof *comps);
	size_t *ncomp = calloc(n ? n : 1, sizeof *ncomp);
	char cwd[4096];
	size_t common = SIZE_MAX;
	ssize_t first = -1;
	long r = GRYM_ERR_NOMEM, r2;

	if (!names || !alt || !comps || !ncomp)
		goto fail;
	/* 1. base names without their extensions */
	for (size_t i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		const char *b = strrchr(paths[i], '/');
		b = b ? b + 1 : paths[i];
		if (!(names[i] = as_key(b, stem_len(b))))
			goto fail;
	}
	if (!relative && (r = repeats(names, n)) <= 0)
		goto done;
	/* 2. paths relative to the deepest folder holding them all */
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "/");
	for (size_t i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		if (!(comps[i] = components(paths[i], cwd, &ncomp[i])))
			goto fail;
		if (first < 0) {
			first = (ssize_t)i;
			common = ncomp[i] ? ncomp[i] - 1 : 0;
		}
		size_t k = 0;
		while (k < common && k + 1 < ncomp[i] &&
		       strcmp(comp_at(comps[i], k), comp_at(comps[first], k)) == 0)
			k++;
		common = k;
	}
	for (size_t i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		free(names[i]);
		/* a path naming a folder ("/" or "..") keeps its last component */
		size_t from = common < ncomp[i] ? common : (ncomp[i] ? ncomp[i] - 1 : 0);
		names[i] = ncomp[i] ? join_from(comps[i], ncomp[i], from, 0)
				    : as_key(paths[i], strlen(paths[i]));
		alt[i] = ncomp[i] ? join_from(comps[i], ncomp[i], from, 1)
				  : as_key(paths[i], strlen(paths[i]));
		if (!names[i] || !alt[i])
			goto fail;
	}
	if ((r = repeats(names, n)) <= 0)
		goto done;
	/* 3. with the extensions, when they tell more names apart */
	if ((r2 = repeats(alt, n)) < 0)
		goto fail;
	if (r2 < r) {
		char **t = names;
		names = alt;
		alt = t;
		r = r2;
	}
	/* 4. the same file named twice */
	if (r > 0 && grym_names_dedupe(names, n, err) < 0)
		goto fail;
	r = 0;
done:
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		free(comps[i]);
	free(comps);
	free(ncomp);
	grym_names_free(alt, n);
	return names;
fail:
	grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (comps)
		for (size_t i = 0; i < n; i++)
			free(comps[i]);
	free(comps);
	free(ncomp);
	grym_names_free(names, n);
	grym_names_free(alt, n);
	return NULL;
}

char **grym_unique_names(const char *const *paths, size_t n, grym_error *err)
{
	return unique_names(paths, n, 0, err);
}

char **grym_relative_names(const char *const *paths, size_t n, grym_error *err)
{
	return unique_names(paths, n, 1, err);
}

int grym_names_as_files(char **names, size_t n, grym_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *k = names[i];
		if (!k)
			continue;
		size_t len = strlen(k), o = 0;
		char *out = malloc(len + 2 * (len / 2 + 1) + 2);
		if (!out)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		for (const char *c = k;;) {
			size_t l = strcspn(c, "/");
			/* an empty, "." or ".." part would leave the folder */
			if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.')) {
				out[o++] = '_';
			} else {
				memcpy(out + o, c, l);
				o += l;
			}
			c += l;
			if (!*c)
				break;
			out[o++] = '/';
			c++;
		}
		out[o] = '\0';
		free(names[i]);
		names[i] = out;
	}
	return grym_names_dedupe(names, n, err);
}

int grym_names_dedupe(char **names, size_t n, grym_error *err)
{
	json_t *all = json_object(), *taken = json_object();
	int changed = 0, rc = GRYM_OK;

	if (!all || !taken)
		rc = GRYM_ERR_NOMEM;
	/* every name as given, so that a suffixed name never takes one a
	 * later entry holds already */
	for (size_t i = 0; i < n && rc == GRYM_OK; i++)
		if (names[i] && json_object_set_new_nocheck(all, names[i], json_true()))
			rc = GRYM_ERR_NOMEM;
	for (size_t i = 0; i < n && rc == GRYM_OK; i++) {
		if (!names[i])
			continue;
		if (json_object_get(taken, names[i])) {
			size_t len = strlen(names[i]) + 24;
			char *alt = malloc(len);
			if (!alt) {
				rc = GRYM_ERR_NOMEM;
				break;
			}
			for (unsigned long k = 2;; k++) {
				snprintf(alt, len, "%s~%lu", names[i], k);
				if (!json_object_get(all, alt) && !json_object_get(taken, alt))
					break;
			}
			free(names[i]);
			names[i] = alt;
			changed++;
		}
		if (json_object_set_new_nocheck(taken, names[i], json_true()))
			rc = GRYM_ERR_NOMEM;
	}
	json_decref(all);
	json_decref(taken);
	if (rc != GRYM_OK)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return changed;
}

/* ---- a name for an open fd ---- */

int grym_fd_path(int fd, char *buf, size_t len, grym_error *err)
{
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no open file descriptor %d", fd);
	if (access("/proc/self/fd", X_OK) != 0)
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
				      "/proc/self/fd: %s (an open file is handed to the decoder "
				      "by that name; mount /proc)", strerror(errno));
	if ((size_t)snprintf(buf, len, "/proc/self/fd/%d", fd) >= len)
		return grym_error_set(err, GRYM_ERR_LIMIT, "path buffer too small");
	return GRYM_OK;
}
