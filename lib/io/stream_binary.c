/*
 * stream_binary.c — the binary form of grym records (grym-stream(5)).
 *
 * A record is a checksummed header (magic, version, kind, key, JSON
 * metadata, column count) followed by its payload as chunks of at most
 * 1 MiB, each with its own length and CRC32 and optionally deflated, ended
 * by an empty chunk. Nothing in the stream says how long a payload is in
 * total, so a writer can stream hours of audio it has not seen yet and a
 * reader holds one chunk at a time.
 *
 * The reader treats its input as hostile: every length is checked against
 * its limit (key 4096, metadata 1 MiB, chunk 1 MiB raw and compressBound
 * stored) before anything is allocated or read, and every failure names
 * the record ("record 3: chunk 5: checksum mismatch"). Buffers are
 * allocated once per reader, so memory does not grow with the stream.
 *
 * Integers are little-endian on the wire; payload floats are IEEE 754
 * binary32 little-endian, which is what this code assumes of the host.
 */
#include "stream_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "grym streams carry little-endian floats; add byte swapping for this host"
#endif

#define ZLEVEL 1   /* audio floats compress little; speed matters more */

/* The writer's own state. */
struct bin_writer {
	unsigned char *chunk;       /* raw bytes of the chunk being filled */
	size_t chunk_n;
	unsigned char *zbuf;        /* compressed chunk */
	z_stream zs;
	int zinit;
};

/* The reader's own state: the current chunk, verified. */
struct bin_reader {
	uint32_t chunkno;
	unsigned char *raw;
	size_t raw_len, raw_pos, raw_cap;
	unsigned char *zbuf;
	size_t zbuf_cap;
	z_stream zs;
	int zinit;
};

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned long zbound(void)
{
	return compressBound(GRYM_CHUNK_MAX);
}

/* ---- writer ---- */

static int bin_w_init(grym_stream_writer *w, grym_error *err)
{
	struct bin_writer *b = calloc(1, sizeof *b);
	if (!b || !(b->chunk = malloc(GRYM_CHUNK_MAX))) {
		free(b);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	w->form = b;
	return GRYM_OK;
}

static void bin_w_free(grym_stream_writer *w)
{
	struct bin_writer *b = w->form;
	if (!b)
		return;
	if (b->zinit)
		deflateEnd(&b->zs);
	free(b->zbuf);
	free(b->chunk);
	free(b);
	w->form = NULL;
}

static int bin_begin(grym_stream_writer *w, const json_t *meta, grym_error *err)
{
	struct bin_writer *b = w->form;
	const char *key = w->key;
	char *m = meta ? json_dumps(meta, JSON_COMPACT) : strdup("{}");
	size_t klen = w->keylen, mlen, n;
	unsigned char *h;
	int rc;

	b->chunk_n = 0;
	if (!m)
		return grym_error_set(err, GRYM_ERR_NOMEM, "cannot serialise metadata");
	mlen = strlen(m);
	if (mlen > GRYM_RECORD_META_MAX) {
		free(m);
		return grym_error_set(err, GRYM_ERR_LIMIT, "metadata of %zu bytes exceeds 1 MiB",
				      mlen);
	}
	n = 12 + klen + 4 + mlen + 8;
	h = malloc(n);
	if (!h) {
		free(m);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	memcpy(h, STREAM_MAGIC, 4);
	h[4] = STREAM_VERSION;
	h[5] = (unsigned char)w->kind;
	h[6] = h[7] = 0;
	put_u32(h + 8, (uint32_t)klen);
	memcpy(h + 12, key, klen);
	put_u32(h + 12 + klen, (uint32_t)mlen);
	memcpy(h + 16 + klen, m, mlen);
	put_u32(h + 16 + klen + mlen, w->cols);
	put_u32(h + 20 + klen + mlen, (uint32_t)crc32(0L, h, (uInt)(20 + klen + mlen)));
	rc = grym_output_write(w->out, h, n, err);
	free(h);
	free(m);
	return rc;
}

/* Write one chunk of n raw bytes (0 < n <= 1 MiB), deflated if asked and
 * if that makes it smaller. */
static int emit_chunk(grym_stream_writer *w, const unsigned char *data, size_t n,
		      grym_error *err)
{
	struct bin_writer *b = w->form;
	unsigned char head[STREAM_CHUNK_HEAD];
	const unsigned char *stored = data;
	size_t slen = n;
	int flags = 0, rc;

	if (w->flags & GRYM_STREAM_COMPRESS) {
		if (!b->zinit) {
			if (!b->zbuf && !(b->zbuf = malloc(zbound())))
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			if (deflateInit(&b->zs, ZLEVEL) != Z_OK)
				return grym_error_set(err, GRYM_ERR_NOMEM, "zlib: deflateInit failed");
			b->zinit = 1;
		} else {
			deflateReset(&b->zs);
		}
		b->zs.next_in = (Bytef *)data;
		b->zs.avail_in = (uInt)n;
		b->zs.next_out = b->zbuf;
		b->zs.avail_out = (uInt)(n - 1);   /* only worth it when smaller */
		if (deflate(&b->zs, Z_FINISH) == Z_STREAM_END) {
			stored = b->zbuf;
			slen = b->zs.total_out;
			flags = STREAM_CHUNK_ZLIB;
		}
	}
	put_u32(head, (uint32_t)slen);
	head[4] = (unsigned char)flags;
	put_u32(head + 5, (uint32_t)n);
	put_u32(head + 9, (uint32_t)crc32(0L, data, (uInt)n));
	if ((rc = grym_output_write(w->out, head, sizeof head, err)) < 0)
		return rc;
	return grym_output_write(w->out, stored, slen, err);
}

static int bin_write_rows(grym_stream_writer *w, const float *rows, uint64_t nrows,
			  grym_error *err)
{
	struct bin_writer *b = w->form;
	const unsigned char *p = (const unsigned char *)rows;
	uint64_t left = nrows * w->cols * sizeof(float);
	int rc;

	while (left > 0) {
		if (b->chunk_n == 0 && left >= GRYM_CHUNK_MAX) {
			/* a whole chunk straight from the caller's memory */
			if ((rc = emit_chunk(w, p, GRYM_CHUNK_MAX, err)) < 0)
				return rc;
			p += GRYM_CHUNK_MAX;
			left -= GRYM_CHUNK_MAX;
			continue;
		}
		size_t room = GRYM_CHUNK_MAX - b->chunk_n;
		size_t k = left < room ? (size_t)left : room;
		memcpy(b->chunk + b->chunk_n, p, k);
		b->chunk_n += k;
		p += k;
		left -= k;
		if (b->chunk_n == GRYM_CHUNK_MAX) {
			if ((rc = emit_chunk(w, b->chunk, b->chunk_n, err)) < 0)
				return rc;
			b->chunk_n = 0;
		}
	}
	return GRYM_OK;
}

static int bin_end(grym_stream_writer *w, grym_error *err)
{
	struct bin_writer *b = w->form;
	static const unsigned char end[STREAM_CHUNK_HEAD] = { 0 };
	int rc;

	if (b->chunk_n > 0) {
		rc = emit_chunk(w, b->chunk, b->chunk_n, err);
		b->chunk_n = 0;
		if (rc < 0)
			return rc;
	}
	return grym_output_write(w->out, end, sizeof end, err);
}

const grym__stream_wform grym__stream_binary_writer = {
	.name = "binary",
	.init = bin_w_init,
	.free = bin_w_free,
	.begin = bin_begin,
	.write_rows = bin_write_rows,
	.end = bin_end,
};

/* ---- reader ---- */

static int bin_r_init(grym_stream_reader *r, grym_error *err)
{
	if (!(r->form = calloc(1, sizeof(struct bin_reader))))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

static void bin_r_free(grym_stream_reader *r)
{
	struct bin_reader *b = r->form;
	if (!b)
		return;
	if (b->zinit)
		inflateEnd(&b->zs);
	free(b->raw);
	free(b->zbuf);
	free(b);
	r->form = NULL;
}

#define REC(r) (unsigned long long)(r)->recno

/* Read exactly n bytes of record r; a short read is "truncated WHAT". */
static int read_part(grym_stream_reader *r, void *buf, size_t n, const char *what,
		     grym_error *err)
{
	int rc = grym_input_read_full(r->in, buf, n, err);
	if (rc == GRYM_ERR_EOF || rc == GRYM_ERR_CORRUPT)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "record %llu: truncated %s", REC(r),
				      what);
	if (rc < 0)
		return grym_error_prefix(err, rc, "record %llu", REC(r));
	return GRYM_OK;
}

/* The end of the payload: the total must be whole rows (one for a vector,
 * none for a reference). */
static int check_payload_end(grym_stream_reader *r, grym_error *err)
{
	r->state = PAYLOAD_DONE;
	if (r->kind == GRYM_PAYLOAD_REF && r->payload_bytes)
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: reference with a payload",
				      REC(r));
	if (r->kind == GRYM_PAYLOAD_VECTOR && r->payload_bytes != r->rowbytes)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: vector payload of %llu bytes, expected %llu",
				      REC(r), (unsigned long long)r->payload_bytes,
				      (unsigned long long)r->rowbytes);
	if (r->payload_bytes % r->rowbytes)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: payload of %llu bytes is not a whole number of "
				      "rows of %u columns",
				      REC(r), (unsigned long long)r->payload_bytes, r->cols);
	return GRYM_OK;
}

/* Grow a reader buffer to hold n bytes (n was checked against its limit):
 * buffers follow the chunks actually seen, so a stream of small records
 * never costs a full megabyte. */
static int reserve(unsigned char **p, size_t *cap, size_t n, grym_error *err)
{
	size_t c = *cap ? *cap : 4096;
	unsigned char *q;

	if (n <= *cap)
		return GRYM_OK;
	while (c < n)
		c *= 2;
	q = realloc(*p, c);
	if (!q)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	*p = q;
	*cap = c;
	return GRYM_OK;
}

/* Load the next chunk of the current payload. If dest is given, has room
 * for the whole chunk and the chunk is stored raw, it is read straight
 * there and *direct is its length; otherwise it lands in b->raw. Returns
 * 1 for a chunk, 0 at the end of the payload, or a negative status. */
static int load_chunk(grym_stream_reader *r, unsigned char *dest, uint64_t room,
		      size_t *direct, grym_error *err)
{
	struct bin_reader *b = r->form;
	unsigned char h[STREAM_CHUNK_HEAD];
	uint32_t slen, rlen, crc;
	unsigned flags;
	unsigned char *target;
	int rc;

	*direct = 0;
	b->chunkno++;
	if ((rc = read_part(r, h, sizeof h, "payload", err)) < 0)
		return rc;
	slen = get_u32(h);
	flags = h[4];
	rlen = get_u32(h + 5);
	crc = get_u32(h + 9);
	if (flags & ~(unsigned)STREAM_CHUNK_ZLIB)
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: chunk %u: unknown flags 0x%x",
				      REC(r), b->chunkno, flags);
	if (rlen > GRYM_CHUNK_MAX)
		return grym_error_set(err, GRYM_ERR_LIMIT,
				      "record %llu: chunk %u: length %u exceeds 1 MiB", REC(r),
				      b->chunkno, rlen);
	if (slen == 0 && rlen == 0) {
		if (flags || crc)
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "record %llu: chunk %u: bad end-of-payload chunk",
					      REC(r), b->chunkno);
		rc = check_payload_end(r, err);
		return rc < 0 ? rc : 0;
	}
	if (flags == 0 && slen != rlen)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: chunk %u: stored length %u differs from length %u",
				      REC(r), b->chunkno, slen, rlen);
	if (flags && (slen > zbound() || slen == 0 || rlen == 0))
		return grym_error_set(err, GRYM_ERR_LIMIT,
				      "record %llu: chunk %u: compressed length %u is out of range",
				      REC(r), b->chunkno, slen);
	if (rlen % 4)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: chunk %u: length %u is not a multiple of 4",
				      REC(r), b->chunkno, rlen);
	if (r->payload_bytes + rlen > r->rowbytes &&
	    (r->kind == GRYM_PAYLOAD_VECTOR || r->kind == GRYM_PAYLOAD_REF))
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: %s payload too long",
				      REC(r), grym_payload_kind_name(r->kind));

	if (flags == 0 && dest && room >= rlen) {
		target = dest;
	} else {
		if ((rc = reserve(&b->raw, &b->raw_cap, rlen, err)) < 0)
			return rc;
		target = b->raw;
	}
	if (flags == 0) {
		if ((rc = read_part(r, target, rlen, "payload", err)) < 0)
			return rc;
	} else {
		if ((rc = reserve(&b->zbuf, &b->zbuf_cap, slen, err)) < 0)
			return rc;
		if (!b->zinit) {
			memset(&b->zs, 0, sizeof b->zs);
			if (inflateInit(&b->zs) != Z_OK)
				return grym_error_set(err, GRYM_ERR_NOMEM, "zlib: inflateInit failed");
			b->zinit = 1;
		} else {
			inflateReset(&b->zs);
		}
		if ((rc = read_part(r, b->zbuf, slen, "payload", err)) < 0)
			return rc;
		b->zs.next_in = b->zbuf;
		b->zs.avail_in = slen;
		b->zs.next_out = target;
		b->zs.avail_out = rlen;
		rc = inflate(&b->zs, Z_FINISH);
		if (rc != Z_STREAM_END || b->zs.total_out != rlen || b->zs.avail_in != 0)
			return grym_error_set(err, GRYM_ERR_CORRUPT,
					      "record %llu: chunk %u: bad compressed data", REC(r),
					      b->chunkno);
	}
	if (crc32(0L, target, rlen) != crc)
		return grym_error_set(err, GRYM_ERR_CORRUPT,
				      "record %llu: chunk %u: checksum mismatch", REC(r), b->chunkno);
	r->payload_bytes += rlen;
	if (target == dest) {
		*direct = rlen;
	} else {
		b->raw_len = rlen;
		b->raw_pos = 0;
	}
	return 1;
}

static int skip_payload(grym_stream_reader *r, grym_error *err)
{
	struct bin_reader *b = r->form;
	while (r->state == PAYLOAD_OPEN) {
		size_t direct;
		int rc = load_chunk(r, NULL, 0, &direct, err);
		if (rc < 0)
			return rc;
		b->raw_len = b->raw_pos = 0;
	}
	return GRYM_OK;
}

static int bin_next(grym_stream_reader *r, grym_record_head *head, grym_error *err)
{
	struct bin_reader *b = r->form;
	unsigned char pre[12], tail[8], mlenb[4];
	char *key = NULL, *meta = NULL;
	uint32_t klen, mlen, cols, crc;
	unsigned kind;
	json_t *j = NULL;
	json_error_t jerr;
	int rc;

	if ((rc = skip_payload(r, err)) < 0)
		return rc;
	rc = grym_input_read_full(r->in, pre, sizeof pre, err);
	if (rc == GRYM_ERR_EOF) {
		r->state = PAYLOAD_NONE;
		return rc;
	}
	r->recno++;
	if (rc == GRYM_ERR_CORRUPT)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "record %llu: truncated record header",
				      REC(r));
	if (rc < 0)
		return grym_error_prefix(err, rc, "record %llu", REC(r));
	if (memcmp(pre, STREAM_MAGIC, 4) != 0)
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "record %llu: bad magic at byte %llu (not a grym record)",
				      REC(r), (unsigned long long)(grym_input_offset(r->in) - 12));
	if (pre[4] != STREAM_VERSION)
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "record %llu: format version %u",
				      REC(r), pre[4]);
	kind = pre[5];
	if (kind > GRYM_PAYLOAD_VECTOR)
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: unknown payload kind %u",
				      REC(r), kind);
	if (pre[6] || pre[7])
		return grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: unknown header flags",
				      REC(r));
	klen = get_u32(pre + 8);
	if (klen == 0 || klen > GRYM_RECORD_KEY_MAX)
		return grym_error_set(err, klen ? GRYM_ERR_LIMIT : GRYM_ERR_FORMAT,
				      "record %llu: key length %u %s", REC(r), klen,
				      klen ? "exceeds 4096" : "is zero");
	key = malloc(klen + 1);
	if (!key)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if ((rc = read_part(r, key, klen, "record header", err)) < 0 ||
	    (rc = read_part(r, mlenb, 4, "record header", err)) < 0)
		goto fail;
	key[klen] = '\0';
	mlen = get_u32(mlenb);
	if (mlen > GRYM_RECORD_META_MAX) {
		rc = grym_error_set(err, GRYM_ERR_LIMIT,
				    "record %llu: metadata of %u bytes exceeds 1 MiB", REC(r), mlen);
		goto fail;
	}
	meta = malloc(mlen + 1);
	if (!meta) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = read_part(r, meta, mlen, "metadata", err)) < 0 ||
	    (rc = read_part(r, tail, 8, "record header", err)) < 0)
		goto fail;
	cols = get_u32(tail);
	crc = (uint32_t)crc32(0L, pre, sizeof pre);
	crc = (uint32_t)crc32(crc, (const Bytef *)key, klen);
	crc = (uint32_t)crc32(crc, mlenb, 4);
	crc = (uint32_t)crc32(crc, (const Bytef *)meta, mlen);
	crc = (uint32_t)crc32(crc, tail, 4);
	if (crc != get_u32(tail + 4)) {
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "record %llu: header checksum mismatch",
				    REC(r));
		goto fail;
	}
	if ((rc = grym__stream_check_key(key, klen, err)) < 0) {
		grym_error_prefix(err, rc, "record %llu: bad key", REC(r));
		goto fail;
	}
	if ((kind == GRYM_PAYLOAD_REF) != (cols == 0)) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "record %llu: %s record with %u columns",
				    REC(r), grym_payload_kind_name((grym_payload_kind)kind), cols);
		goto fail;
	}
	j = json_loadb(meta, mlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT,
				    "record %llu: metadata is not valid JSON: %s", REC(r), jerr.text);
		goto fail;
	}
	if (!json_is_object(j)) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT,
				    "record %llu: metadata is not a JSON object", REC(r));
		goto fail;
	}
	if (json_object_get(j, "kind") || json_object_get(j, "cols")) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT,
				    "record %llu: metadata uses a reserved key (kind, cols)", REC(r));
		goto fail;
	}
	free(meta);
	r->kind = (grym_payload_kind)kind;
	r->cols = cols;
	r->rowbytes = cols ? (uint64_t)cols * 4 : 4;
	r->payload_bytes = 0;
	r->rows_read = 0;
	b->chunkno = 0;
	b->raw_len = b->raw_pos = 0;
	r->state = PAYLOAD_OPEN;
	if (kind == GRYM_PAYLOAD_REF && (rc = skip_payload(r, err)) < 0) {
		free(key);
		json_decref(j);
		return rc;
	}
	head->key = key;
	head->meta = j;
	head->kind = r->kind;
	head->cols = cols;
	return GRYM_OK;
fail:
	free(key);
	free(meta);
	json_decref(j);
	return rc;
}

/* Up to want payload bytes (rows may be cut): bytes read, 0 at the end. */
static int64_t read_bytes(grym_stream_reader *r, unsigned char *out, uint64_t want,
			  grym_error *err)
{
	struct bin_reader *b = r->form;
	uint64_t got = 0;

	if (r->state != PAYLOAD_OPEN)
		return 0;
	while (got < want) {
		if (b->raw_pos == b->raw_len) {
			size_t direct;
			int rc;
			b->raw_pos = b->raw_len = 0;
			rc = load_chunk(r, out + got, want - got, &direct, err);
			if (rc < 0)
				return rc;
			if (rc == 0)
				break;
			got += direct;
			continue;
		}
		size_t k = b->raw_len - b->raw_pos;
		if (k > want - got)
			k = (size_t)(want - got);
		memcpy(out + got, b->raw + b->raw_pos, k);
		b->raw_pos += k;
		got += k;
	}
	return (int64_t)got;
}

static int64_t bin_read_rows(grym_stream_reader *r, float *buf, uint64_t max_rows,
			     grym_error *err)
{
	/* whole rows only: earlier calls consumed whole rows and the payload
	 * total is checked to be whole rows, so got is a multiple */
	int64_t got = read_bytes(r, (unsigned char *)buf, max_rows * r->rowbytes, err);
	if (got < 0)
		return got;
	r->rows_read += (uint64_t)got / r->rowbytes;
	return (int64_t)((uint64_t)got / r->rowbytes);
}

/* Bytes as they come, rows may be cut between reads; the buffer doubles
 * as data arrives, up to max_bytes and 4 bytes more to see the excess. */
static int bin_read_payload(grym_stream_reader *r, float **data, uint64_t *cap, uint64_t *got,
			    uint64_t max_bytes, grym_error *err)
{
	int rc;

	for (;;) {
		int64_t n;
		if (*got == *cap) {
			uint64_t want = *cap ? *cap * 2 : 65536;
			if (want > max_bytes + 4)
				want = max_bytes + 4;
			if (want <= *got)
				return grym__stream_over_limit(r, max_bytes, err);
			if ((rc = grym__stream_grow(data, cap, want, err)) < 0)
				return rc;
		}
		n = read_bytes(r, (unsigned char *)*data + *got, *cap - *got, err);
		if (n < 0)
			return grym__stream_fail(r, (int)n, err);   /* damaged: sticky */
		if (n == 0)
			return GRYM_OK;
		*got += (uint64_t)n;
		if (*got > max_bytes)
			return grym__stream_over_limit(r, max_bytes, err);
	}
}

const grym__stream_rform grym__stream_binary_reader = {
	.name = "binary",
	.init = bin_r_init,
	.free = bin_r_free,
	.next = bin_next,
	.read_rows = bin_read_rows,
	.read_payload = bin_read_payload,
	.bare_line = NULL,          /* every binary record has a head */
};
