/*
 * npy.c — numpy .npy files (see grym/npy.h).
 *
 * Feature matrices and vectors leave grym as .npy so that numpy.load reads
 * them with no glue, and reference arrays (librosa's) come in the same way.
 * The format: "\x93NUMPY", major and minor version, a little-endian header
 * length (u16 in 1.0, u32 in 2.0 and 3.0), then a Python dict literal
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (R, C), }
 * padded with spaces and a newline so the data starts on a 64-byte
 * boundary, then the raw array.
 *
 * The reader is strict, because a .npy may come from anywhere: the header
 * is at most NPY_HEADER_MAX bytes, the dict must hold exactly those three
 * keys once each, the shape one or two non-negative integers whose product
 * fits, and the data buffer grows only as bytes actually arrive, so a
 * header that claims a terabyte costs nothing before the input runs out.
 */
#include "grym/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_HEADER_MAX 65536
#define NPY_MAX_ELEMS ((uint64_t)1 << 34)   /* 64 GiB of float32 */
#define NPY_BLOCK 65536                      /* elements converted per read */

static int host_is_little(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

static void swap_bytes(unsigned char *p, size_t n, size_t size)
{
	for (size_t i = 0; i < n; i++, p += size)
		for (size_t a = 0, b = size - 1; a < b; a++, b--) {
			unsigned char t = p[a];
			p[a] = p[b];
			p[b] = t;
		}
}

int grym_npy_write(grym_output *out, const float *data, int ndim, const uint64_t *shape,
		   grym_error *err)
{
	char head[256];
	unsigned char pre[10];
	int len, pad, rc;
	uint64_t n;

	if (ndim == 1) {
		len = snprintf(head, sizeof head,
			       "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu,), }",
			       (unsigned long long)shape[0]);
		n = shape[0];
		if (n > UINT64_MAX / 4)
			return grym_error_set(err, GRYM_ERR_INVALID, "npy: shape too large");
	} else if (ndim == 2) {
		len = snprintf(head, sizeof head,
			       "{'descr': '<f4', 'fortran_order': False, 'shape': (%llu, %llu), }",
			       (unsigned long long)shape[0], (unsigned long long)shape[1]);
		if (shape[1] && shape[0] > UINT64_MAX / 4 / shape[1])
			return grym_error_set(err, GRYM_ERR_INVALID, "npy: shape too large");
		n = shape[0] * shape[1];
	} else {
		return grym_error_set(err, GRYM_ERR_INVALID, "npy: %d dimensions (1 or 2 supported)",
				      ndim);
	}
	/* Pad with spaces and end with \n so that 10 + header is a multiple of 64. */
	pad = 64 - (10 + len + 1) % 64;
	if (pad == 64)
		pad = 0;
	memset(head + len, ' ', (size_t)pad);
	len += pad;
	head[len++] = '\n';
	memcpy(pre, "\x93NUMPY\x01\x00", 8);
	pre[8] = (unsigned char)(len & 0xff);
	pre[9] = (unsigned char)(len >> 8);
	if ((rc = grym_output_write(out, pre, sizeof pre, err)) < 0 ||
	    (rc = grym_output_write(out, head, (size_t)len, err)) < 0)
		return rc;
	if (host_is_little())
		return grym_output_write(out, data, n * sizeof(float), err);
	/* Big-endian host: swap a block at a time. */
	float tmp[1024];
	for (uint64_t i = 0; i < n; i += 1024) {
		size_t k = n - i < 1024 ? (size_t)(n - i) : 1024;
		memcpy(tmp, data + i, k * sizeof(float));
		swap_bytes((unsigned char *)tmp, k, sizeof(float));
		if ((rc = grym_output_write(out, tmp, k * sizeof(float), err)) < 0)
			return rc;
	}
	return GRYM_OK;
}

/* ---- header parsing: a tiny, strict reader of the Python dict literal ---- */

typedef struct hparse {
	const char *p, *end;
} hparse;

static void skip_ws(hparse *h)
{
	while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
		h->p++;
}

static int expect(hparse *h, char c)
{
	skip_ws(h);
	if (h->p < h->end && *h->p == c) {
		h->p++;
		return 1;
	}
	return 0;
}

/* A quoted string of at most outsz-1 bytes without escapes. */
static int parse_str(hparse *h, char *out, size_t outsz)
{
	char q;
	size_t n = 0;
	skip_ws(h);
	if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
		return 0;
	q = *h->p++;
	while (h->p < h->end && *h->p != q) {
		if (*h->p == '\\' || n + 1 >= outsz)
			return 0;
		out[n++] = *h->p++;
	}
	if (h->p >= h->end)
		return 0;
	h->p++;
	out[n] = '\0';
	return 1;
}

static int parse_word(hparse *h, const char *w)
{
	size_t n = strlen(w);
	skip_ws(h);
	if ((size_t)(h->end - h->p) >= n && memcmp(h->p, w, n) == 0) {
		h->p += n;
		return 1;
	}
	return 0;
}

static int parse_uint(hparse *h, uint64_t *v)
{
	uint64_t x = 0;
	int digits = 0;
	skip_ws(h);
	while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
		unsigned d = (unsigned)(*h->p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return 0;
		x = x * 10 + d;
		h->p++;
		digits++;
	}
	/* Python 2 wrote longs as 3L */
	if (digits && h->p < h->end && *h->p == 'L')
		h->p++;
	*v = x;
	return digits > 0;
}

typedef struct npy_head {
	int elsize;       /* 4 or 8 */
	int big;          /* stored big-endian */
	int fortran;
	int ndim;
	uint64_t shape[2];
} npy_head;

static int parse_header(const char *text, size_t len, npy_head *nh, grym_error *err)
{
	hparse h = { text, text + len };
	int have_descr = 0, have_order = 0, have_shape = 0;
	char key[32], descr[16];

	if (!expect(&h, '{'))
		return grym_error_set(err, GRYM_ERR_FORMAT, "npy: header is not a dict");
	for (;;) {
		if (expect(&h, '}'))
			break;
		if (!parse_str(&h, key, sizeof key) || !expect(&h, ':'))
			return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad header key");
		if (strcmp(key, "descr") == 0 && !have_descr) {
			have_descr = 1;
			if (!parse_str(&h, descr, sizeof descr))
				return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad descr");
			if (strcmp(descr, "<f4") == 0 || strcmp(descr, "<f8") == 0 ||
			    strcmp(descr, ">f4") == 0 || strcmp(descr, ">f8") == 0 ||
			    (host_is_little() && (strcmp(descr, "=f4") == 0 || strcmp(descr, "=f8") == 0))) {
				nh->big = descr[0] == '>';
				nh->elsize = descr[2] - '0';
			} else {
				return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
						      "npy: dtype '%s' (float32 or float64 only)", descr);
			}
		} else if (strcmp(key, "fortran_order") == 0 && !have_order) {
			have_order = 1;
			if (parse_word(&h, "True"))
				nh->fortran = 1;
			else if (parse_word(&h, "False"))
				nh->fortran = 0;
			else
				return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad fortran_order");
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			have_shape = 1;
			if (!expect(&h, '('))
				return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad shape");
			nh->ndim = 0;
			while (!expect(&h, ')')) {
				uint64_t v;
				if (nh->ndim == 2)
					return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
							      "npy: more than 2 dimensions");
				if (!parse_uint(&h, &v))
					return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad shape");
				nh->shape[nh->ndim++] = v;
				if (!expect(&h, ',')) {
					if (!expect(&h, ')'))
						return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad shape");
					break;
				}
			}
			if (nh->ndim == 0)
				return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
						      "npy: 0-d array (1 or 2 dimensions supported)");
		} else {
			return grym_error_set(err, GRYM_ERR_FORMAT, "npy: unexpected header key '%s'", key);
		}
		if (!expect(&h, ',')) {
			if (!expect(&h, '}'))
				return grym_error_set(err, GRYM_ERR_FORMAT, "npy: bad header dict");
			break;
		}
	}
	skip_ws(&h);
	if (h.p != h.end)
		return grym_error_set(err, GRYM_ERR_FORMAT, "npy: junk after header dict");
	if (!have_descr || !have_order || !have_shape)
		return grym_error_set(err, GRYM_ERR_FORMAT, "npy: header lacks %s",
				      !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
	return GRYM_OK;
}

int grym_npy_read(grym_input *in, float **data, int *ndim, uint64_t shape[2],
		  grym_error *err)
{
	unsigned char pre[12];
	char *text = NULL;
	float *out = NULL, *t = NULL;
	unsigned char *block = NULL;
	npy_head nh = { 0 };
	uint64_t hlen, n, got = 0, cap = 0;
	int rc;

	*data = NULL;
	rc = grym_input_read_full(in, pre, 10, err);
	if (rc < 0)
		return rc == GRYM_ERR_EOF ? grym_error_set(err, GRYM_ERR_FORMAT, "npy: empty input")
					  : grym_error_set(err, GRYM_ERR_FORMAT, "npy: truncated header");
	if (memcmp(pre, "\x93NUMPY", 6) != 0)
		return grym_error_set(err, GRYM_ERR_FORMAT, "not a .npy file (bad magic)");
	if (pre[6] == 1) {
		hlen = pre[8] | (uint64_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (grym_input_read_full(in, pre + 10, 2, err) < 0)
			return grym_error_set(err, GRYM_ERR_FORMAT, "npy: truncated header");
		hlen = pre[8] | (uint64_t)pre[9] << 8 | (uint64_t)pre[10] << 16 |
		       (uint64_t)pre[11] << 24;
	} else {
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "npy: version %u.%u", pre[6], pre[7]);
	}
	if (hlen > NPY_HEADER_MAX)
		return grym_error_set(err, GRYM_ERR_LIMIT, "npy: header of %llu bytes exceeds %d",
				      (unsigned long long)hlen, NPY_HEADER_MAX);
	text = malloc(hlen + 1);
	if (!text)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	rc = grym_input_read_full(in, text, hlen, err);
	if (rc < 0) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "npy: truncated header");
		goto fail;
	}
	text[hlen] = '\0';
	if (memchr(text, '\0', hlen)) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "npy: NUL in header");
		goto fail;
	}
	if ((rc = parse_header(text, hlen, &nh, err)) < 0)
		goto fail;
	n = nh.shape[0];
	if (nh.ndim == 2) {
		if (nh.shape[1] && n > NPY_MAX_ELEMS / nh.shape[1]) {
			rc = grym_error_set(err, GRYM_ERR_LIMIT, "npy: array too large");
			goto fail;
		}
		n *= nh.shape[1];
	}
	if (n > NPY_MAX_ELEMS) {
		rc = grym_error_set(err, GRYM_ERR_LIMIT, "npy: array too large");
		goto fail;
	}
	block = malloc((size_t)NPY_BLOCK * (size_t)nh.elsize);
	if (!block) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	/* Grow the output only as data arrives. */
	while (got < n) {
		size_t k = n - got < NPY_BLOCK ? (size_t)(n - got) : NPY_BLOCK;
		if (got + k > cap) {
			uint64_t c = cap ? cap * 2 : NPY_BLOCK;
			float *p;
			if (c > n)
				c = n;
			p = realloc(out, (size_t)c * sizeof(float));
			if (!p) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto fail;
			}
			out = p;
			cap = c;
		}
		rc = grym_input_read_full(in, block, k * (size_t)nh.elsize, err);
		if (rc < 0) {
			if (rc == GRYM_ERR_EOF || rc == GRYM_ERR_CORRUPT)
				rc = grym_error_set(err, GRYM_ERR_CORRUPT,
						    "npy: truncated data (%llu of %llu values)",
						    (unsigned long long)got, (unsigned long long)n);
			goto fail;
		}
		if (nh.big == host_is_little())
			swap_bytes(block, k, (size_t)nh.elsize);
		if (nh.elsize == 4) {
			memcpy(out + got, block, k * sizeof(float));
		} else {
			for (size_t i = 0; i < k; i++) {
				double d;
				memcpy(&d, block + i * 8, 8);
				out[got + i] = (float)d;
			}
		}
		got += k;
	}
	if (nh.fortran && nh.ndim == 2 && n > 0) {
		/* column-major (R, C): element (i, j) at j * R + i */
		uint64_t r = nh.shape[0], c = nh.shape[1];
		t = malloc((size_t)n * sizeof(float));
		if (!t) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		for (uint64_t j = 0; j < c; j++)
			for (uint64_t i = 0; i < r; i++)
				t[i * c + j] = out[j * r + i];
		free(out);
		out = t;
	}
	if (!out) {
		/* empty array: still hand back a valid pointer */
		out = malloc(sizeof(float));
		if (!out) {
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
	}
	free(text);
	free(block);
	*data = out;
	*ndim = nh.ndim;
	shape[0] = nh.shape[0];
	shape[1] = nh.ndim == 2 ? nh.shape[1] : 0;
	return GRYM_OK;
fail:
	free(text);
	free(block);
	free(out);
	return rc;
}
