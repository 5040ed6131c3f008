/*
 * store.c — the content-addressed object store's public face (grym/store.h).
 *
 * This layer owns what every backend shares: an object's name is the
 * SHA-256 of its bytes, computed here while the bytes are written (one
 * pass, no re-read), and every id crossing the interface is checked to be
 * 64 lowercase hex characters, so no caller can smuggle a path through an
 * id. Storage itself is a backend behind grym_store_ops (store_backend.h);
 * the directory backend is the only one today.
 */
#include "grym/store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store_backend.h"
#include "core/error_int.h"

struct grym_store {
	const grym_store_ops *ops;
	void *be;
	grym_store_publish_fn publish;
	void *publish_ud;
};

struct grym_store_writer {
	grym_store *st;
	void *pending;
	EVP_MD_CTX *md;
	uint64_t size;
};

static void hex_digest(EVP_MD_CTX *md, char id[GRYM_ID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_DigestFinal_ex(md, d, &n);
	assert(n == GRYM_ID_LEN / 2);   /* SHA-256: an id is its 32 bytes in hex */
	for (unsigned i = 0; i < n && i < GRYM_ID_LEN / 2; i++) {
		id[2 * i] = digits[d[i] >> 4];
		id[2 * i + 1] = digits[d[i] & 15];
	}
	id[GRYM_ID_LEN] = '\0';
}

static int bad_id(const char *id, grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not an object id",
			      id ? id : "(null)");
}

grym_store *grym_store_open_dir(const char *dir, grym_error *err)
{
	grym_store *st = calloc(1, sizeof *st);
	if (!st) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	st->ops = &grym_store_dir_ops;
	st->be = grym_store_dir_backend_open(dir, err);
	if (!st->be) {
		free(st);
		return NULL;
	}
	return st;
}

void grym_store_close(grym_store *st)
{
	if (!st)
		return;
	st->ops->close(st->be);
	free(st);
}

void grym_store_set_publish_hook(grym_store *st, grym_store_publish_fn fn, void *ud)
{
	st->publish = fn;
	st->publish_ud = ud;
}

const char *grym_store_dir(const grym_store *st)
{
	return st->ops->location(st->be);
}

grym_store_writer *grym_store_writer_new(grym_store *st, grym_error *err)
{
	grym_store_writer *w = calloc(1, sizeof *w);
	if (!w)
		goto nomem;
	w->st = st;
	w->md = EVP_MD_CTX_new();
	if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(w->md);
		free(w);
		goto nomem;
	}
	if (st->ops->w_open(st->be, &w->pending, err) != GRYM_OK) {
		EVP_MD_CTX_free(w->md);
		free(w);
		return NULL;
	}
	return w;
nomem:
	grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return NULL;
}

int grym_store_writer_write(grym_store_writer *w, const void *data, size_t len,
			    grym_error *err)
{
	int rc;
	/* open until commit, restore or abort, which free it */
	assert(w->pending && w->md);
	if (!len)
		return GRYM_OK;
	rc = w->st->ops->w_write(w->pending, data, len, err);
	if (rc != GRYM_OK)
		return rc;
	EVP_DigestUpdate(w->md, data, len);
	w->size += len;
	return GRYM_OK;
}

const char *grym_store_writer_tmp_path(grym_store_writer *w)
{
	return w->st->ops->w_tmp_path(w->pending);
}

uint64_t grym_store_writer_size(const grym_store_writer *w)
{
	return w->size;
}

void grym_store_writer_peek_id(grym_store_writer *w, char id[GRYM_ID_LEN + 1])
{
	/* Finish a copy of the running digest so the writer can go on. */
	EVP_MD_CTX *copy = EVP_MD_CTX_new();
	if (!copy || EVP_MD_CTX_copy_ex(copy, w->md) != 1) {
		id[0] = '\0';
		EVP_MD_CTX_free(copy);
		return;
	}
	hex_digest(copy, id);
	EVP_MD_CTX_free(copy);
}

static int writer_commit(grym_store_writer *w, char id[GRYM_ID_LEN + 1], int replace,
			 grym_error *err)
{
	char hex[GRYM_ID_LEN + 1];
	int rc;

	assert(w->pending && w->md);
	hex_digest(w->md, hex);
	if (w->st->publish && (rc = w->st->publish(w->st->publish_ud, hex, err)) != GRYM_OK) {
		w->st->ops->w_abort(w->pending);
		EVP_MD_CTX_free(w->md);
		free(w);
		return rc;
	}
	rc = w->st->ops->w_commit(w->pending, hex, w->size, replace, err);
	if (rc == GRYM_OK && id)
		memcpy(id, hex, sizeof hex);
	EVP_MD_CTX_free(w->md);
	free(w);
	return rc;
}

int grym_store_writer_commit(grym_store_writer *w, char id[GRYM_ID_LEN + 1],
			     grym_error *err)
{
	return writer_commit(w, id, 0, err);
}

int grym_store_writer_restore(grym_store_writer *w, char id[GRYM_ID_LEN + 1],
			      grym_error *err)
{
	return writer_commit(w, id, 1, err);
}

void grym_store_writer_abort(grym_store_writer *w)
{
	if (!w)
		return;
	w->st->ops->w_abort(w->pending);
	EVP_MD_CTX_free(w->md);
	free(w);
}

/* Store data through a writer, committed (or, with restore, put back
 * over a damaged object of the same id). */
static int put_bytes(grym_store *st, const void *data, size_t len, char id[GRYM_ID_LEN + 1],
		     int restore, grym_error *err)
{
	grym_store_writer *w = grym_store_writer_new(st, err);
	int rc;
	if (!w)
		return err ? err->code : GRYM_ERR_IO;
	rc = grym_store_writer_write(w, data, len, err);
	if (rc != GRYM_OK) {
		grym_store_writer_abort(w);
		return rc;
	}
	return restore ? grym_store_writer_restore(w, id, err) : grym_store_writer_commit(w, id, err);
}

int grym_store_put(grym_store *st, const void *data, size_t len,
		   char id[GRYM_ID_LEN + 1], grym_error *err)
{
	return put_bytes(st, data, len, id, 0, err);
}

static int put_file(grym_store *st, const char *path, char id[GRYM_ID_LEN + 1], int replace,
		    grym_error *err)
{
	char buf[1 << 16];
	grym_store_writer *w;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	w = grym_store_writer_new(st, err);
	if (!w) {
		close(fd);
		return err ? err->code : GRYM_ERR_IO;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		int rc;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			grym_store_writer_abort(w);
			close(fd);
			return grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		rc = grym_store_writer_write(w, buf, (size_t)n, err);
		if (rc != GRYM_OK) {
			grym_store_writer_abort(w);
			close(fd);
			return rc;
		}
	}
	close(fd);
	return writer_commit(w, id, replace, err);
}

int grym_store_restore(grym_store *st, const void *data, size_t len,
		       char id[GRYM_ID_LEN + 1], grym_error *err)
{
	return put_bytes(st, data, len, id, 1, err);
}

int grym_store_put_file(grym_store *st, const char *path,
			char id[GRYM_ID_LEN + 1], grym_error *err)
{
	return put_file(st, path, id, 0, err);
}

int grym_store_restore_file(grym_store *st, const char *path,
			    char id[GRYM_ID_LEN + 1], grym_error *err)
{
	return put_file(st, path, id, 1, err);
}

int grym_store_has(grym_store *st, const char *id)
{
	if (!grym_id_is_full(id))
		return 0;
	return st->ops->has(st->be, id);
}

int grym_store_size(grym_store *st, const char *id, uint64_t *size, grym_error *err)
{
	if (!grym_id_is_full(id))
		return bad_id(id, err);
	return st->ops->size(st->be, id, size, err);
}

/* ---- reading ---- */

struct grym_store_reader {
	const grym_store_ops *ops;  /* not the store: a reader needs nothing else */
	void *rd;               /* the backend's reader */
	uint64_t size;          /* as opened */
	uint64_t pos;
	char id[GRYM_ID_LEN + 1];
};

/* The reader of object id in *out, or a status (kept for read_all, which
 * needs it when its caller passed no err). */
static int open_read(grym_store *st, const char *id, grym_store_reader **out, grym_error *err)
{
	grym_store_reader *r;
	int rc;

	*out = NULL;
	if (!grym_id_is_full(id))
		return bad_id(id, err);
	if (!(r = calloc(1, sizeof *r)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	r->ops = st->ops;
	memcpy(r->id, id, GRYM_ID_LEN + 1);
	if ((rc = st->ops->r_open(st->be, id, &r->rd, &r->size, err)) != GRYM_OK) {
		free(r);
		return rc;
	}
	*out = r;
	return GRYM_OK;
}

grym_store_reader *grym_store_open_read(grym_store *st, const char *id, grym_error *err)
{
	grym_store_reader *r;
	int rc = open_read(st, id, &r, err);

	return rc == GRYM_OK ? r : grym__failed(err, rc);
}

/* The end of an object is where its size said, checked both ways: a read
 * that stops short (the file was cut while open) and one that goes on
 * past it (it grew) are GRYM_ERR_CORRUPT, so no consumer takes a partial
 * or foreign object for the one it opened. */
int64_t grym_store_reader_read(grym_store_reader *r, void *buf, size_t len, grym_error *err)
{
	unsigned char probe;
	int64_t n;

	if (len == 0)
		return 0;
	if (r->pos >= r->size) {
		n = r->ops->r_pread(r->rd, &probe, 1, r->size, err);
		if (n < 0)
			return n;
		if (n > 0)
			return grym_error_set(err, GRYM_ERR_CORRUPT,
					      "object %s: more than its %llu bytes", r->id,
					      (unsigned long long)r->size);
		return 0;
	}
	if (len > r->size - r->pos)
		len = (size_t)(r->size - r->pos);
	n = r->ops->r_pread(r->rd, buf, len, r->pos, err);
	if (n < 0)
		return n;
	if (n == 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "object %s: read %llu bytes, size is %llu",
				      r->id, (unsigned long long)r->pos,
				      (unsigned long long)r->size);
	r->pos += (uint64_t)n;
	return n;
}

int grym_store_reader_seek(grym_store_reader *r, uint64_t offset, grym_error *err)
{
	if (offset > r->size)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "object %s: offset %llu past its %llu bytes", r->id,
				      (unsigned long long)offset, (unsigned long long)r->size);
	r->pos = offset;
	return GRYM_OK;
}

uint64_t grym_store_reader_size(const grym_store_reader *r)
{
	return r->size;
}

const char *grym_store_reader_id(const grym_store_reader *r)
{
	return r->id;
}

int grym_store_reader_fd(grym_store_reader *r, grym_error *err)
{
	return r->ops->r_fd(r->rd, err);
}

void grym_store_reader_close(grym_store_reader *r)
{
	if (!r)
		return;
	r->ops->r_close(r->rd);
	free(r);
}

/* Every byte of object id to sink in order, through a reader (so the end
 * is checked as grym_store_reader_read checks it). */
static int read_all(grym_store *st, const char *id,
		    int (*sink)(void *ud, const void *data, size_t len, grym_error *err), void *ud,
		    grym_error *err)
{
	unsigned char buf[1 << 16];
	grym_store_reader *r;
	int64_t n;
	int rc = open_read(st, id, &r, err);

	if (rc != GRYM_OK)
		return rc;
	while ((n = grym_store_reader_read(r, buf, sizeof buf, err)) > 0)
		if ((rc = sink(ud, buf, (size_t)n, err)) != GRYM_OK)
			break;
	if (n < 0)
		rc = (int)n;
	grym_store_reader_close(r);
	return rc;
}

/* Sinks for grym_store_get and grym_store_verify. */
struct get_buf {
	unsigned char *data;
	size_t len, cap;
	EVP_MD_CTX *md;         /* NULL when not verifying */
};

static int get_sink(void *ud, const void *data, size_t len, grym_error *err)
{
	struct get_buf *b = ud;
	if (b->md)
		EVP_DigestUpdate(b->md, data, len);
	if (b->cap - b->len < len) {
		size_t cap = b->cap ? b->cap : 65536;
		unsigned char *p;
		while (cap - b->len < len)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return GRYM_OK;
}

static int hash_sink(void *ud, const void *data, size_t len, grym_error *err)
{
	(void)err;
	EVP_DigestUpdate(((struct get_buf *)ud)->md, data, len);
	return GRYM_OK;
}

static int check_hash(struct get_buf *b, const char *id, grym_error *err)
{
	char hex[GRYM_ID_LEN + 1];
	hex_digest(b->md, hex);
	if (strcmp(hex, id) != 0)
		return grym_error_set(err, GRYM_ERR_CORRUPT,
				      "object %s: content hashes to %s", id, hex);
	return GRYM_OK;
}

int grym_store_get(grym_store *st, const char *id, void **data, size_t *len,
		   int verify, grym_error *err)
{
	struct get_buf b = { 0 };
	int rc;

	*data = NULL;
	*len = 0;
	if (!grym_id_is_full(id))
		return bad_id(id, err);
	if (verify) {
		b.md = EVP_MD_CTX_new();
		if (!b.md || EVP_DigestInit_ex(b.md, EVP_sha256(), NULL) != 1) {
			EVP_MD_CTX_free(b.md);
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		}
	}
	rc = read_all(st, id, get_sink, &b, err);
	if (rc == GRYM_OK && verify)
		rc = check_hash(&b, id, err);
	EVP_MD_CTX_free(b.md);
	if (rc != GRYM_OK) {
		free(b.data);
		return rc;
	}
	if (!b.data) /* empty object: still hand back a valid pointer */
		b.data = malloc(1);
	if (!b.data)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	*data = b.data;
	*len = b.len;
	return GRYM_OK;
}

int grym_store_hash(grym_store *st, const char *id, char hex[GRYM_ID_LEN + 1],
		    grym_error *err)
{
	struct get_buf b = { 0 };
	int rc;

	hex[0] = '\0';
	if (!grym_id_is_full(id))
		return bad_id(id, err);
	b.md = EVP_MD_CTX_new();
	if (!b.md || EVP_DigestInit_ex(b.md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(b.md);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	rc = read_all(st, id, hash_sink, &b, err);
	if (rc == GRYM_OK)
		hex_digest(b.md, hex);
	EVP_MD_CTX_free(b.md);
	return rc;
}

int grym_store_verify(grym_store *st, const char *id, grym_error *err)
{
	char hex[GRYM_ID_LEN + 1];
	int rc = grym_store_hash(st, id, hex, err);
	if (rc == GRYM_OK && strcmp(hex, id) != 0)
		rc = grym_error_set(err, GRYM_ERR_CORRUPT, "object %s: content hashes to %s", id, hex);
	return rc;
}

int grym_store_remove(grym_store *st, const char *id, grym_error *err)
{
	if (!grym_id_is_full(id))
		return bad_id(id, err);
	return st->ops->remove(st->be, id, err);
}

int grym_store_foreach(grym_store *st, grym_store_visit_fn cb, void *ud, grym_error *err)
{
	return st->ops->foreach(st->be, cb, ud, err);
}

int grym_store_clean_tmp(grym_store *st, time_t grace, grym_error *err)
{
	return st->ops->clean_tmp(st->be, grace, err);
}
