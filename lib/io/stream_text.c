/*
 * stream_text.c — the text form of grym records (grym-stream(5)).
 *
 *   #KEY<TAB>{"kind":"matrix","cols":3,...metadata}
 *   KEY<TAB>v1<TAB>v2<TAB>v3          one line per row
 *
 * It exists for awk, cut, jq and eyes, and every reader accepts it, so it
 * must lose nothing: numbers are printed with %.9g (exact for float32),
 * NaNs with their payload bits, and always in the C locale — through a
 * per-object "C" locale_t and uselocale(), never setlocale(), so a
 * program's own locale and other threads are untouched.
 *
 * Reading: a '#' line starts a record; the lines after it whose first
 * field is the same key are its rows. Any other line not starting with
 * '#' is a bare reference whose key is its first field (the rest is
 * informative), so `grym-catalog ls` output and plain lists of ids are
 * streams. A row line is parsed strictly (exactly cols numbers), and a
 * line over 64 MiB is an error, never an unbounded allocation. The end of
 * a matrix or audio record is only known when the next line is not one
 * of its rows, so that line is kept back for the next record.
 */
#include "stream_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- numbers ---- */

/* Powers of ten 1e-30 .. 1e53, each correctly rounded by the compiler. */
static const double pow10_tab[] = {
	1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25, 1e-24, 1e-23, 1e-22, 1e-21,
	1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11,
	1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1,
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29,
	1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39,
	1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48, 1e49,
	1e50, 1e51, 1e52, 1e53
};

/* The 9 significant digits of |v| (finite, non-zero) as n in
 * [1e8, 1e9) and its decimal exponent k (|v| ~ n * 10^(k-8)), rounded
 * like printf("%.9g"). Double arithmetic is exact enough (relative error
 * under 3e-16, so under 3e-7 on n) unless the value lies within 1e-6 of
 * a rounding tie; then 0 is returned and the caller asks printf. */
static int nine_digits(double a, uint32_t *n, int *k)
{
	int e = (int)floor(log10(a));
	for (int tries = 0; tries < 3; tries++) {
		if (8 - e < -30 || 8 - e > 53)
			return 0;
		double s = a * pow10_tab[8 - e + 30];
		if (s >= 999999999.5) {
			e++;
			continue;
		}
		if (s < 99999999.5) {
			e--;
			continue;
		}
		double f = floor(s);
		if (fabs(s - f - 0.5) < 1e-6)
			return 0;
		*n = (uint32_t)f + (s - f > 0.5);
		if (*n >= 1000000000u || *n < 100000000u)
			return 0;
		*k = e;
		return 1;
	}
	return 0;
}

/* printf("%.9g") for a finite, non-zero float, without printf's
 * multi-precision arithmetic (it dominated text output). */
static size_t format_g9(char *buf, float v)
{
	char d[10];
	uint32_t n;
	int k, nd = 9;
	size_t o = 0;

	if (!nine_digits(fabs((double)v), &n, &k))
		return (size_t)snprintf(buf, FLOAT_TEXT_MAX + 1, "%.9g", (double)v);
	for (int i = 8; i >= 0; i--, n /= 10)
		d[i] = (char)('0' + n % 10);
	while (nd > 1 && d[nd - 1] == '0')
		nd--;                           /* %g drops trailing zeros */
	if (v < 0)
		buf[o++] = '-';
	if (k < -4 || k >= 9) {
		int ae = k < 0 ? -k : k;
		buf[o++] = d[0];
		if (nd > 1) {
			buf[o++] = '.';
			memcpy(buf + o, d + 1, (size_t)nd - 1);
			o += (size_t)nd - 1;
		}
		buf[o++] = 'e';
		buf[o++] = k < 0 ? '-' : '+';
		if (ae >= 100)
			buf[o++] = (char)('0' + ae / 100);
		buf[o++] = (char)('0' + ae / 10 % 10);
		buf[o++] = (char)('0' + ae % 10);
	} else if (k >= 0) {
		memcpy(buf + o, d, (size_t)k + 1);
		o += (size_t)k + 1;
		if (nd > k + 1) {
			buf[o++] = '.';
			memcpy(buf + o, d + k + 1, (size_t)(nd - k - 1));
			o += (size_t)(nd - k - 1);
		}
	} else {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int i = 0; i < -k - 1; i++)
			buf[o++] = '0';
		memcpy(buf + o, d, (size_t)nd);
		o += (size_t)nd;
	}
	buf[o] = '\0';
	return o;
}

size_t grym__format_float(char *buf, float v)
{
	uint32_t bits, mant;
	int n;

	memcpy(&bits, &v, 4);
	if (isnan(v)) {
		const char *sign = bits >> 31 ? "-" : "";
		mant = bits & 0x7fffff;
		if (mant == 0x400000)   /* the default quiet NaN */
			n = snprintf(buf, FLOAT_TEXT_MAX + 1, "%snan", sign);
		else
			n = snprintf(buf, FLOAT_TEXT_MAX + 1, "%snan(0x%x)", sign, mant);
		return (size_t)n;
	}
	if (isinf(v) || v == 0)
		return (size_t)snprintf(buf, FLOAT_TEXT_MAX + 1, "%.9g", (double)v);
	return format_g9(buf, v);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int grym__parse_float(const char *s, const char *end, float *v, locale_t cloc)
{
	const char *p = s;
	char *e;
	int neg = 0;

	if (s == end)
		return -1;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (end - p >= 3 && strncasecmp(p, "nan", 3) == 0) {
		/* nan, -nan, nan(0xMANT): exact bits, since strtof would set
		 * the quiet bit of a signalling NaN */
		uint32_t mant = 0x400000, bits;
		p += 3;
		if (p < end && *p == '(') {
			int digits = 0;
			p++;
			if (end - p < 2 || p[0] != '0' || (p[1] | 0x20) != 'x')
				return -1;
			p += 2;
			mant = 0;
			while (p < end && hexval((unsigned char)*p) >= 0) {
				mant = mant << 4 | (uint32_t)hexval((unsigned char)*p++);
				if (++digits > 6)
					return -1;
			}
			if (!digits || p >= end || *p != ')' || mant == 0 || mant > 0x7fffff)
				return -1;
			p++;
		}
		if (p != end)
			return -1;
		bits = (neg ? 0x80000000u : 0) | 0x7f800000u | mant;
		memcpy(v, &bits, 4);
		return 0;
	}
	if (p == end || *s == ' ' || *s == '\t')
		return -1;
	*v = strtof_l(s, &e, cloc);
	return e == end ? 0 : -1;
}

/* ---- writer ---- */

/* The writer's own state. */
struct text_writer {
	char *line;                 /* one formatted row */
	size_t linecap;
	locale_t cloc;              /* "C" for number formatting, per writer */
};

static int text_w_init(grym_stream_writer *w, grym_error *err)
{
	struct text_writer *t = calloc(1, sizeof *t);
	if (!t || !(t->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0))) {
		free(t);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	w->form = t;
	return GRYM_OK;
}

static void text_w_free(grym_stream_writer *w)
{
	struct text_writer *t = w->form;
	if (!t)
		return;
	free(t->line);
	freelocale(t->cloc);
	free(t);
	w->form = NULL;
}

static int text_begin(grym_stream_writer *w, const json_t *meta, grym_error *err)
{
	const char *key = w->key;
	json_t *m = json_object();
	const char *k;
	json_t *val;
	char *s = NULL;
	int rc;

	if (!m || json_object_set_new(m, "kind", json_string(grym_payload_kind_name(w->kind))) ||
	    json_object_set_new(m, "cols", json_integer(w->cols))) {
		json_decref(m);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	if (meta)
		json_object_foreach((json_t *)meta, k, val)
			if (json_object_set(m, k, val)) {
				json_decref(m);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
	s = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	if (!s)
		return grym_error_set(err, GRYM_ERR_NOMEM, "cannot serialise metadata");
	if (strlen(s) > GRYM_RECORD_META_MAX + 64) {
		rc = grym_error_set(err, GRYM_ERR_LIMIT, "metadata of %zu bytes exceeds 1 MiB",
				    strlen(s));
	} else if ((rc = grym_output_write(w->out, "#", 1, err)) == 0 &&
		   (rc = grym_output_write(w->out, key, w->keylen, err)) == 0 &&
		   (rc = grym_output_write(w->out, "\t", 1, err)) == 0 &&
		   (rc = grym_output_write(w->out, s, strlen(s), err)) == 0) {
		rc = grym_output_write(w->out, "\n", 1, err);
	}
	free(s);
	return rc;
}

static int text_write_rows(grym_stream_writer *w, const float *rows, uint64_t nrows,
			   grym_error *err)
{
	struct text_writer *t = w->form;
	char *line;
	size_t need = w->keylen + 2 + (size_t)w->cols * (FLOAT_TEXT_MAX + 1);
	locale_t old;
	int rc = GRYM_OK;

	if (need > STREAM_TEXT_LINE_MAX + FLOAT_TEXT_MAX)
		need = STREAM_TEXT_LINE_MAX + FLOAT_TEXT_MAX;
	if (need > t->linecap) {
		char *p = realloc(t->line, need);
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		t->line = p;
		t->linecap = need;
	}
	line = t->line;
	old = uselocale(t->cloc);
	for (uint64_t i = 0; i < nrows && rc == GRYM_OK; i++) {
		const float *row = rows + i * w->cols;
		size_t n = w->keylen;
		memcpy(line, w->key, n);
		for (uint32_t c = 0; c < w->cols; c++) {
			if (n > STREAM_TEXT_LINE_MAX - FLOAT_TEXT_MAX - 2) {
				rc = grym_error_set(err, GRYM_ERR_LIMIT,
						    "row of %u values is too long for a text line",
						    w->cols);
				break;
			}
			line[n++] = '\t';
			n += grym__format_float(line + n, row[c]);
		}
		line[n++] = '\n';
		if (rc == GRYM_OK)
			rc = grym_output_write(w->out, line, n, err);
	}
	uselocale(old);
	return rc;
}

/* The text form ends a payload by the next line that is not one of its
 * rows: nothing to write. */
static int text_end(grym_stream_writer *w, grym_error *err)
{
	(void)w;
	(void)err;
	return GRYM_OK;
}

const grym__stream_wform grym__stream_text_writer = {
	.name = "text",
	.init = text_w_init,
	.free = text_w_free,
	.begin = text_begin,
	.write_rows = text_write_rows,
	.end = text_end,
};

/* ---- reader ---- */

#define LINE(r) (unsigned long long)((const struct text_reader *)(r)->form)->lineno
#define REC(r) (unsigned long long)(r)->recno

/* The reader's own state: the line at hand and the current record's key. */
struct text_reader {
	char *line;
	size_t linecap;
	size_t linelen;
	int pending;                /* line holds an unconsumed line */
	uint64_t lineno;            /* number of the line in `line` */
	char *key;                  /* key of the current record */
	size_t keylen;
	int bare;                   /* the current record is the bare
				       reference in `line` */
	locale_t cloc;
};

static int text_r_init(grym_stream_reader *r, grym_error *err)
{
	struct text_reader *t = calloc(1, sizeof *t);
	if (!t || !(t->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0))) {
		free(t);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	r->form = t;
	return GRYM_OK;
}

static void text_r_free(grym_stream_reader *r)
{
	struct text_reader *t = r->form;
	if (!t)
		return;
	free(t->line);
	free(t->key);
	freelocale(t->cloc);
	free(t);
	r->form = NULL;
}

/* The next line (the kept-back one first), without \n or a trailing \r.
 * GRYM_ERR_EOF at the end. */
static int get_line(grym_stream_reader *r, grym_error *err)
{
	struct text_reader *t = r->form;
	ssize_t n;

	if (t->pending) {
		t->pending = 0;
		return GRYM_OK;
	}
	n = grym_input_getline(r->in, &t->line, &t->linecap, STREAM_TEXT_LINE_MAX, err);
	if (n == GRYM_ERR_EOF)
		return GRYM_ERR_EOF;
	t->lineno++;
	if (n == GRYM_ERR_LIMIT)
		return grym_error_set(err, GRYM_ERR_LIMIT, "line %llu: longer than %zu MiB",
				      LINE(r), STREAM_TEXT_LINE_MAX >> 20);
	if (n < 0)
		return grym_error_prefix(err, (int)n, "line %llu", LINE(r));
	if (n > 0 && t->line[n - 1] == '\r')
		t->line[--n] = '\0';
	if (memchr(t->line, '\0', (size_t)n))
		return grym_error_set(err, GRYM_ERR_FORMAT, "line %llu: NUL byte in a text stream",
				      LINE(r));
	t->linelen = (size_t)n;
	return GRYM_OK;
}

static int is_row(const grym_stream_reader *r)
{
	const struct text_reader *t = r->form;
	return t->line[0] != '#' && t->linelen >= t->keylen &&
	       memcmp(t->line, t->key, t->keylen) == 0 &&
	       (t->line[t->keylen] == '\t' || t->line[t->keylen] == '\0');
}

static unsigned long long count_values(const grym_stream_reader *r)
{
	const struct text_reader *t = r->form;
	unsigned long long n = 0;
	for (const char *p = t->line + t->keylen; *p; p++)
		n += *p == '\t';
	return n;
}

static int width_error(grym_stream_reader *r, grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: line %llu: %llu values, expected %u",
			      REC(r), LINE(r), count_values(r), r->cols);
}

/* Parse the row in t->line into out (cols floats), or only check its
 * width when out is NULL. */
static int parse_row(grym_stream_reader *r, float *out, grym_error *err)
{
	const struct text_reader *t = r->form;
	const char *p = t->line + t->keylen;

	if (!out)
		return count_values(r) == r->cols ? GRYM_OK : width_error(r, err);
	for (uint32_t c = 0; c < r->cols; c++) {
		const char *e;
		if (*p != '\t')
			return width_error(r, err);
		p++;
		e = strchr(p, '\t');
		if (!e)
			e = t->line + t->linelen;
		if (grym__parse_float(p, e, &out[c], t->cloc) < 0)
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "record %llu: line %llu: bad number '%.*s'", REC(r),
					      LINE(r), (int)(e - p > 40 ? 40 : e - p), p);
		p = e;
	}
	if (*p)
		return width_error(r, err);
	return GRYM_OK;
}

static int end_payload(grym_stream_reader *r, grym_error *err)
{
	r->state = PAYLOAD_DONE;
	if (r->kind == GRYM_PAYLOAD_VECTOR && r->rows_read != 1)
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: vector without its row",
				      REC(r));
	return GRYM_OK;
}

/* Rows into buf (max_rows of them), or skipped but checked when buf is
 * NULL. Returns rows taken or a negative status. */
static int64_t take_rows(grym_stream_reader *r, float *buf, uint64_t max_rows, grym_error *err)
{
	struct text_reader *t = r->form;
	uint64_t n = 0;

	while (r->state == PAYLOAD_OPEN && (!buf || n < max_rows)) {
		int rc = get_line(r, err);
		if (rc == GRYM_ERR_EOF) {
			if ((rc = end_payload(r, err)) < 0)
				return rc;
			break;
		}
		if (rc < 0)
			return rc;
		if (t->linelen == 0)
			continue;
		if (!is_row(r)) {
			t->pending = 1;
			if ((rc = end_payload(r, err)) < 0)
				return rc;
			break;
		}
		rc = parse_row(r, buf ? buf + n * r->cols : NULL, err);
		if (rc < 0)
			return rc;
		n++;
		r->rows_read++;
		r->payload_bytes += r->rowbytes;
		if (r->kind == GRYM_PAYLOAD_VECTOR)
			r->state = PAYLOAD_DONE;
	}
	return (int64_t)n;
}

static int64_t text_read_rows(grym_stream_reader *r, float *buf, uint64_t max_rows,
			      grym_error *err)
{
	return take_rows(r, buf, max_rows, err);
}

/* 1 if a row of the right width is waiting (its line read and checked,
 * so a buffer for it is backed by input), 0 at the end of the payload. */
static int row_ready(grym_stream_reader *r, grym_error *err)
{
	struct text_reader *t = r->form;
	while (r->state == PAYLOAD_OPEN) {
		int rc = get_line(r, err);
		if (rc == GRYM_ERR_EOF)
			return end_payload(r, err);
		if (rc < 0)
			return rc;
		if (t->linelen == 0)
			continue;
		t->pending = 1;
		if (!is_row(r))
			return end_payload(r, err);
		if (count_values(r) != r->cols)
			return width_error(r, err);
		return 1;
	}
	return 0;
}

/* "#KEY<TAB>{json}": the record's key, kind, cols and metadata. */
static int parse_head_line(grym_stream_reader *r, char **key, json_t **meta, grym_error *err)
{
	const struct text_reader *t = r->form;
	char *tab = memchr(t->line, '\t', t->linelen);
	json_t *j, *jk, *jc;
	json_error_t jerr;
	grym_payload_kind kind = GRYM_PAYLOAD_REF;
	json_int_t cols = 0;
	size_t klen, mlen;
	int rc;

	if (!tab)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: line %llu: no TAB between key and metadata",
				      REC(r), LINE(r));
	klen = (size_t)(tab - t->line) - 1;
	if ((rc = grym__stream_check_key(t->line + 1, klen, err)) < 0)
		return grym_error_prefix(err, rc, "record %llu: line %llu", REC(r), LINE(r));
	mlen = t->linelen - klen - 2;
	if (mlen > GRYM_RECORD_META_MAX + 64)
		return grym_error_set(err, GRYM_ERR_LIMIT,
				      "record %llu: line %llu: metadata of %zu bytes exceeds 1 MiB",
				      REC(r), LINE(r), mlen);
	j = json_loadb(tab + 1, mlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: line %llu: metadata is not valid JSON: %s",
				      REC(r), LINE(r), jerr.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: line %llu: metadata is not a JSON object",
				      REC(r), LINE(r));
	}
	jk = json_object_get(j, "kind");
	jc = json_object_get(j, "cols");
	if (jk && (!json_is_string(jk) ||
		   grym_payload_kind_parse(json_string_value(jk), &kind) < 0)) {
		json_decref(j);
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: line %llu: bad \"kind\"",
				      REC(r), LINE(r));
	}
	if (jc) {
		cols = json_is_integer(jc) ? json_integer_value(jc) : -1;
		if (cols < 0 || cols > (json_int_t)UINT32_MAX) {
			json_decref(j);
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "record %llu: line %llu: bad \"cols\"", REC(r), LINE(r));
		}
	}
	if ((kind == GRYM_PAYLOAD_REF) != (cols == 0)) {
		json_decref(j);
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: line %llu: %s record with %lld columns", REC(r),
				      LINE(r), grym_payload_kind_name(kind), (long long)cols);
	}
	json_object_del(j, "kind");
	json_object_del(j, "cols");
	*key = strndup(t->line + 1, klen);
	if (!*key) {
		json_decref(j);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	*meta = j;
	r->kind = kind;
	r->cols = (uint32_t)cols;
	return GRYM_OK;
}

static int text_next(grym_stream_reader *r, grym_record_head *head, grym_error *err)
{
	struct text_reader *t = r->form;
	char *key = NULL;
	json_t *meta = NULL;
	int rc;

	t->bare = 0;
	if (r->state == PAYLOAD_OPEN && (rc = (int)take_rows(r, NULL, 0, err)) < 0)
		return rc;
	do {
		rc = get_line(r, err);
		if (rc == GRYM_ERR_EOF) {
			r->state = PAYLOAD_NONE;
			return grym_error_set(err, GRYM_ERR_EOF, "end of input");
		}
		if (rc < 0) {
			/* a bad line is part of the record it would have started */
			r->recno++;
			return grym_error_prefix(err, rc, "record %llu", REC(r));
		}
	} while (t->linelen == 0);
	r->recno++;
	t->bare = 0;
	if (t->line[0] == '#') {
		if ((rc = parse_head_line(r, &key, &meta, err)) < 0)
			return rc;
	} else {
		t->bare = 1;
		char *tab = memchr(t->line, '\t', t->linelen);
		size_t klen = tab ? (size_t)(tab - t->line) : t->linelen;
		if ((rc = grym__stream_check_key(t->line, klen, err)) < 0)
			return grym_error_prefix(err, rc, "record %llu: line %llu", REC(r), LINE(r));
		key = strndup(t->line, klen);
		meta = json_object();
		if (!key || !meta) {
			free(key);
			json_decref(meta);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
		r->kind = GRYM_PAYLOAD_REF;
		r->cols = 0;
	}
	free(t->key);
	t->key = strdup(key);
	if (!t->key) {
		free(key);
		json_decref(meta);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	t->keylen = strlen(key);
	r->rowbytes = r->cols ? (uint64_t)r->cols * 4 : 4;
	r->payload_bytes = 0;
	r->rows_read = 0;
	r->state = r->kind == GRYM_PAYLOAD_REF ? PAYLOAD_DONE : PAYLOAD_OPEN;
	head->key = key;
	head->meta = meta;
	head->kind = r->kind;
	head->cols = r->cols;
	return GRYM_OK;
}

/* One row at a time, each line read and checked before the buffer grows
 * for it, so memory follows the input actually there. */
static int text_read_payload(grym_stream_reader *r, float **data, uint64_t *cap, uint64_t *got,
			     uint64_t max_bytes, grym_error *err)
{
	for (;;) {
		int64_t n;
		int rc = row_ready(r, err);
		if (rc < 0)
			return grym__stream_fail(r, rc, err);   /* damaged: sticky */
		if (rc == 0)
			return GRYM_OK;
		if (*got + r->rowbytes > max_bytes)
			return grym__stream_over_limit(r, max_bytes, err);
		if ((rc = grym__stream_grow(data, cap, *got + r->rowbytes, err)) < 0)
			return rc;
		n = take_rows(r, (float *)((char *)*data + *got), 1, err);
		if (n < 0)
			return grym__stream_fail(r, (int)n, err);
		*got += (uint64_t)n * r->rowbytes;
	}
}

static const char *text_bare_line(const grym_stream_reader *r)
{
	const struct text_reader *t = r->form;
	return t->bare ? t->line : NULL;
}

const grym__stream_rform grym__stream_text_reader = {
	.name = "text",
	.init = text_r_init,
	.free = text_r_free,
	.next = text_next,
	.read_rows = text_read_rows,
	.read_payload = text_read_payload,
	.bare_line = text_bare_line,
};
