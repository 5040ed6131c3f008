/*
 * route_uploads.c — uploads that never sit in memory: POST /api/assets
 * (multipart/form-data through libmicrohttpd's post processor, each file
 * field written to a staged file of the server's naming as it arrives)
 * and the resumable uploads of grym/serve_uploads.h (PUT pieces with
 * Content-Range), both ending in one ingest job
 * (grym_jobs_submit_ingest) that removes the staged files when it ends.
 *
 * Every refusal that does not depend on the bytes (type, declared size
 * past --max-upload, a piece at the wrong offset) is made in the route's
 * begin, before any byte of the body is read; the client's file name is
 * kept only as the name the asset records.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "serve_int.h"
#include "grym/serve_http.h"

#define PP_BUFFER (32 * 1024)   /* the post processor's buffer */
#define MAX_FIELD 4096          /* a label's or a metadata value's bytes */
#define MAX_LABELS 100
#define MAX_FILES 1000          /* files of one multipart POST */

static const serve_streamer streamers[] = {
	{ serve_h_assets_post, serve_h_assets_post_begin, serve_h_assets_post_chunk },
	{ serve_h_uploads_put, serve_h_uploads_put_begin, serve_h_uploads_put_chunk },
};

const serve_streamer *serve_streamer_of(const serve_route *route)
{
	for (size_t i = 0; i < sizeof streamers / sizeof streamers[0]; i++)
		if (streamers[i].handler == route->handler)
			return &streamers[i];
	return NULL;
}

/* ---- staged files ---- */

/* A new file of the staging folder with a random name; its path into
 * path. The fd, or -1 with err set. */
static int staged_new(grym_serve *s, char *path, size_t len, grym_error *err)
{
	unsigned char rnd[16];
	char hex[33];
	int fd;
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	snprintf(path, len, "%s/%s.data", s->staged_dir, hex);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		grym_error_set(err, GRYM_ERR_IO, "staging a file: %s", strerror(errno));
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void unlink_files(json_t *files)
{
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
		unlink(json_string_value(json_object_get(f, "path")));
	json_array_clear(files);
}

/* The ingest job of files (handed over: the job removes them, and files
 * is emptied) with labels and meta: 202 with the job, or the error
 * (files removed unless keep). */
static enum MHD_Result ingest_job(serve_req *r, json_t *files, json_t *labels, json_t *meta,
				  int keep)
{
	json_t *p = json_pack("{s:O, s:O}", "label", labels, "meta", meta);
	char *ptext = p ? json_dumps(p, JSON_COMPACT) : NULL;
	char *ftext = json_dumps(files, JSON_COMPACT);
	char id[GRYM_JOB_ID_LEN + 1], field[64] = "";
	grym_error e = { 0 };
	int rc;

	json_decref(p);
	if (!ptext || !ftext) {
		free(ptext);
		free(ftext);
		if (!keep)
			unlink_files(files);
		return MHD_NO;
	}
	rc = grym_jobs_submit_ingest(r->s->jobs, ptext, ftext, r->who.owner, id, field,
				     sizeof field, &e);
	free(ptext);
	free(ftext);
	if (rc != GRYM_OK) {
		if (!keep)
			unlink_files(files);
		if (rc == GRYM_ERR_LIMIT)
			return serve_retry_later(r, e.msg);
		if (rc == GRYM_ERR_INVALID)
			return serve_error(r, 400, "bad_request", field[0] ? field : NULL, "%s",
					   e.msg);
		return serve_error(r, 500, "internal", NULL, "%s", e.msg);
	}
	json_array_clear(files);        /* the job's now */
	return serve_job_accepted(r, id);
}

/* A label given: a non-empty string of at most MAX_FIELD bytes. */
static int labels_from(json_t *v, json_t *labels)
{
	size_t i;
	json_t *e;
	if (!v)
		return 0;
	if (json_is_string(v))
		return json_array_append(labels, v);
	if (!json_is_array(v) || json_array_size(v) > MAX_LABELS)
		return -1;
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || !json_string_length(e) || json_array_append(labels, e))
			return -1;
	return 0;
}

/* ---- POST /api/assets: multipart ---- */

typedef struct mp {
	struct MHD_PostProcessor *pp;
	json_t *files;                  /* [{"path","name"}] staged */
	json_t *labels, *meta;
	int fd;                         /* the file being written, or -1 */
	uint64_t written;               /* of it */
	char key[64];                   /* the field being read */
	int status;                     /* an error to answer, 0 none */
	char field[80], msg[256];
} mp;

static void mp_fail(mp *m, int status, const char *field, const char *msg)
{
	if (m->status)
		return;
	m->status = status;
	snprintf(m->field, sizeof m->field, "%s", field ? field : "");
	snprintf(m->msg, sizeof m->msg, "%.200s", msg);
}

static void mp_close_file(mp *m)
{
	if (m->fd >= 0 && close(m->fd) != 0)
		mp_fail(m, 500, NULL, "staging a file failed");
	m->fd = -1;
}

static void mp_free(serve_req *r)
{
	mp *m = r->ctx;
	if (!m)
		return;
	if (m->pp)
		MHD_destroy_post_processor(m->pp);
	if (m->fd >= 0)
		close(m->fd);
	unlink_files(m->files);         /* what no job took */
	json_decref(m->files);
	json_decref(m->labels);
	json_decref(m->meta);
	free(m);
	r->ctx = NULL;
}

/* A text field's piece: appended to the value being read. */
static int append_text(json_t *holder, const char *key, const char *data, size_t size,
		       uint64_t off, int array)
{
	json_t *old = array ? (off ? json_array_get(holder, json_array_size(holder) - 1) : NULL)
			    : (off ? json_object_get(holder, key) : NULL);
	size_t n = old ? json_string_length(old) : 0;
	char *buf;
	json_t *v;
	if (n + size > MAX_FIELD || (array && !off && json_array_size(holder) >= MAX_LABELS))
		return -1;
	if (!(buf = malloc(n + size + 1)))
		return -1;
	if (n)
		memcpy(buf, json_string_value(old), n);
	memcpy(buf + n, data, size);
	buf[n + size] = 0;
	v = json_stringn(buf, n + size);
	free(buf);
	if (!v)
		return -1;
	if (array)
		return old ? json_array_set_new(holder, json_array_size(holder) - 1, v)
			   : json_array_append_new(holder, v);
	return json_object_set_new(holder, key, v);
}

static enum MHD_Result mp_field(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *filename, const char *content_type,
				const char *transfer_encoding, const char *data, uint64_t off,
				size_t size)
{
	serve_req *r = cls;
	mp *m = r->ctx;
	grym_error e = { 0 };
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (m->status)
		return MHD_NO;
	if (filename) {
		/* a new part when none is open or a new one starts at 0 */
		if (m->fd < 0 || (off == 0 && (m->written > 0 || strcmp(m->key, key ? key : "")))) {
			char path[4096];
			mp_close_file(m);
			if (json_array_size(m->files) >= MAX_FILES) {
				mp_fail(m, 413, "file", "too many files in one request");
				return MHD_NO;
			}
			if ((m->fd = staged_new(r->s, path, sizeof path, &e)) < 0) {
				mp_fail(m, 500, NULL, e.msg);
				return MHD_NO;
			}
			/* the client's name is a label for the bytes, never a path */
			json_array_append_new(m->files, json_pack("{s:s, s:s}", "path", path, "name",
								  filename[0] ? filename : "upload"));
			snprintf(m->key, sizeof m->key, "%s", key ? key : "");
			m->written = 0;
		}
		if (size && write_all(m->fd, data, size) != 0) {
			mp_fail(m, 507, NULL, "staging a file failed (disk full?)");
			return MHD_NO;
		}
		m->written += size;
		return MHD_YES;
	}
	if (!key)
		return MHD_YES;
	if (!strcmp(key, "label") || !strcmp(key, "labels")) {
		if (append_text(m->labels, NULL, data, size, off, 1) != 0) {
			mp_fail(m, 400, "label", "a label is too long, or too many labels");
			return MHD_NO;
		}
	} else if (!strncmp(key, "meta.", 5) && key[5]) {
		if (json_object_size(m->meta) >= MAX_LABELS ||
		    append_text(m->meta, key + 5, data, size, off, 0) != 0) {
			mp_fail(m, 400, key, "a metadata value is too long, or too many");
			return MHD_NO;
		}
	} else {
		char f[80];
		snprintf(f, sizeof f, "%s", key);
		mp_fail(m, 400, f, "not a field of an upload: file, label, meta.KEY");
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result mp_answer(serve_req *r)
{
	mp *m = r->ctx;
	if (m->status == 413)
		return serve_error(r, 413, "too_large", m->field[0] ? m->field : NULL, "%s", m->msg);
	if (m->status >= 500)
		return serve_error(r, m->status, "internal", NULL, "%s", m->msg);
	return serve_error(r, 400, "bad_request", m->field[0] ? m->field : NULL, "%s", m->msg);
}

enum MHD_Result serve_h_assets_post_begin(serve_req *r)
{
	const char *ct = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Content-Type");
	const char *cl = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Content-Length");
	mp *m;

	if (!ct || strncasecmp(ct, "multipart/form-data", 19))
		return serve_error(r, 415, "unsupported_media_type", "Content-Type",
				   "POST /api/assets takes multipart/form-data");
	if (cl && strtoull(cl, NULL, 10) > r->s->cfg.max_upload)
		return serve_error(r, 413, "too_large", NULL,
				   "%s bytes is more than --max-upload (%" PRIu64 ")", cl,
				   r->s->cfg.max_upload);
	if (!(m = calloc(1, sizeof *m)))
		return MHD_NO;
	m->fd = -1;
	m->files = json_array();
	m->labels = json_array();
	m->meta = json_object();
	r->ctx = m;
	r->ctx_free = mp_free;
	if (!m->files || !m->labels || !m->meta)
		return MHD_NO;
	if (!(m->pp = MHD_create_post_processor(r->c, PP_BUFFER, mp_field, r)))
		return serve_error(r, 415, "unsupported_media_type", "Content-Type",
				   "a multipart/form-data body needs its boundary");
	return MHD_YES;
}

int serve_h_assets_post_chunk(serve_req *r, const char *data, size_t len)
{
	mp *m = r->ctx;
	if (r->streamed + len > r->s->cfg.max_upload)
		return -1;      /* no Content-Length said so: cut off */
	if (m->status)
		return 0;       /* dropped: the handler answers */
	if (MHD_post_process(m->pp, data, len) != MHD_YES)
		mp_fail(m, 400, NULL, "the multipart body does not parse");
	if (m->status) {
		/* nothing more is staged; what was is removed now */
		mp_close_file(m);
		unlink_files(m->files);
	}
	return 0;
}

enum MHD_Result serve_h_assets_post(serve_req *r)
{
	mp *m = r->ctx;
	MHD_destroy_post_processor(m->pp);      /* the last field's end */
	m->pp = NULL;
	mp_close_file(m);
	if (m->status)
		return mp_answer(r);
	if (!json_array_size(m->files))
		return serve_error(r, 400, "bad_request", "file", "no file field in the form");
	return ingest_job(r, m->files, m->labels, m->meta, 0);
}

/* ---- resumable uploads ---- */

static enum MHD_Result upload_error(serve_req *r, int rc, const grym_error *e)
{
	switch (rc) {
	case GRYM_ERR_NOTFOUND: return serve_error(r, 404, "not_found", NULL, "%s", e->msg);
	case GRYM_ERR_INVALID: return serve_error(r, 400, "bad_request", NULL, "%s", e->msg);
	case GRYM_ERR_LIMIT: return serve_error(r, 413, "too_large", NULL, "%s", e->msg);
	case GRYM_ERR_CONFLICT: return serve_error(r, 409, "conflict", NULL, "%s", e->msg);
	default: return serve_error(r, 500, "internal", NULL, "%s", e->msg);
	}
}

/* The upload as JSON with Upload-Offset and Upload-Length headers. */
static enum MHD_Result upload_info(serve_req *r, unsigned status, const grym_upload_info *in)
{
	json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:I, s:b}", "id", in->id, "size",
			      (json_int_t)in->size, "received", (json_int_t)in->received, "name",
			      in->name, "created", (json_int_t)in->created, "complete",
			      in->received == in->size);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL, num[32], loc[64];
	struct MHD_Response *resp;
	json_decref(j);
	if (!text)
		return MHD_NO;
	if (!(resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE))) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	snprintf(num, sizeof num, "%" PRIu64, in->received);
	MHD_add_response_header(resp, "Upload-Offset", num);
	snprintf(num, sizeof num, "%" PRIu64, in->size);
	MHD_add_response_header(resp, "Upload-Length", num);
	if (status == 201) {
		snprintf(loc, sizeof loc, "/api/uploads/%s", in->id);
		MHD_add_response_header(resp, "Location", loc);
	}
	return serve_queue(r, status, resp);
}

enum MHD_Result serve_h_uploads_create(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = serve_body_object(r, &ret), *size, *name;
	grym_upload_info in;
	grym_error e = { 0 };
	int rc;

	if (!j)
		return ret;
	serve_uploads_expire(r->s);
	size = json_object_get(j, "size");
	name = json_object_get(j, "name");
	if (!json_is_integer(size) || json_integer_value(size) < 1) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "size", "size: a whole number of bytes >= 1");
	}
	if ((uint64_t)json_integer_value(size) > r->s->cfg.max_upload) {
		json_decref(j);
		return serve_error(r, 413, "too_large", "size",
				   "size: more than --max-upload (%" PRIu64 " bytes)",
				   r->s->cfg.max_upload);
	}
	if (name && !json_is_string(name)) {
		json_decref(j);
		return serve_error(r, 400, "bad_request", "name", "name: a string");
	}
	rc = grym_uploads_create(r->s->uploads, (uint64_t)json_integer_value(size),
				 name ? json_string_value(name) : "upload", r->who.owner, &in, &e);
	json_decref(j);
	if (rc != GRYM_OK)
		return upload_error(r, rc, &e);
	return upload_info(r, 201, &in);
}

enum MHD_Result serve_h_uploads_get(serve_req *r)
{
	grym_upload_info in;
	grym_error e = { 0 };
	int rc = grym_uploads_get(r->s->uploads, r->param, r->who.owner, &in, &e);
	if (rc != GRYM_OK)
		return upload_error(r, rc == GRYM_ERR_INVALID ? GRYM_ERR_NOTFOUND : rc, &e);
	return upload_info(r, 200, &in);
}

/* A PUT's state: where the next byte goes and where the piece ends. */
typedef struct put {
	uint64_t at, end;               /* end: one past the piece's last byte */
	grym_upload_info in;
	int status;                     /* a failure to answer, 0 none */
	uint64_t expected;              /* 409: where the upload stands */
	char msg[256];
} put;

static void put_free(serve_req *r)
{
	free(r->ctx);
	r->ctx = NULL;
}

static enum MHD_Result conflict(serve_req *r, uint64_t expected)
{
	char num[32];
	json_t *j = json_pack("{s:{s:s, s:s, s:s, s:I}}", "error", "code", "conflict", "message",
			      "the piece does not start where the upload stands", "field",
			      "Content-Range", "expected_offset", (json_int_t)expected);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;
	json_decref(j);
	if (!text)
		return MHD_NO;
	if (!(resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE))) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	snprintf(num, sizeof num, "%" PRIu64, expected);
	MHD_add_response_header(resp, "Upload-Offset", num);
	return serve_queue(r, 409, resp);
}

enum MHD_Result serve_h_uploads_put_begin(serve_req *r)
{
	const char *cr = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Content-Range");
	const char *cl = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, "Content-Length");
	uint64_t first, last, total;
	grym_upload_info in;
	grym_error e = { 0 };
	put *p;
	int rc;

	if ((rc = grym_uploads_get(r->s->uploads, r->param, r->who.owner, &in, &e)) != GRYM_OK)
		return upload_error(r, rc == GRYM_ERR_INVALID ? GRYM_ERR_NOTFOUND : rc, &e);
	if (!cr)
		return serve_error(r, 400, "bad_request", "Content-Range",
				   "a piece needs Content-Range: bytes FIRST-LAST/TOTAL");
	if (grym_content_range_parse(cr, &first, &last, &total, &e) != GRYM_OK)
		return serve_error(r, 400, "bad_request", "Content-Range", "%s", e.msg);
	if (total > r->s->cfg.max_upload)
		return serve_error(r, 413, "too_large", "Content-Range",
				   "more than --max-upload (%" PRIu64 " bytes)", r->s->cfg.max_upload);
	if (total != in.size)
		return serve_error(r, 400, "bad_request", "Content-Range",
				   "the total is not the upload's size (%" PRIu64 ")", in.size);
	if (first != in.received)
		return conflict(r, in.received);
	if (cl && strtoull(cl, NULL, 10) != last - first + 1)
		return serve_error(r, 400, "bad_request", "Content-Length",
				   "Content-Length is not the length of Content-Range");
	if (!(p = calloc(1, sizeof *p)))
		return MHD_NO;
	p->at = first;
	p->end = last + 1;
	p->in = in;
	r->ctx = p;
	r->ctx_free = put_free;
	return MHD_YES;
}

int serve_h_uploads_put_chunk(serve_req *r, const char *data, size_t len)
{
	put *p = r->ctx;
	grym_error e = { 0 };
	int rc;
	if (p->status)
		return 0;
	if (len > p->end - p->at)
		return -1;      /* past what Content-Range (and Content-Length) said */
	rc = grym_uploads_write(r->s->uploads, r->param, r->who.owner, p->at, data, len, &p->in,
				&e);
	if (rc == GRYM_ERR_CONFLICT) {      /* another connection wrote meanwhile */
		grym_upload_info now;
		grym_error e2 = { 0 };
		p->status = 409;
		p->expected = grym_uploads_get(r->s->uploads, r->param, r->who.owner, &now, &e2) ==
			GRYM_OK ? now.received : p->at;
	} else if (rc != GRYM_OK) {
		p->status = rc == GRYM_ERR_LIMIT ? 413 : rc == GRYM_ERR_NOTFOUND ? 404 : 500;
		snprintf(p->msg, sizeof p->msg, "%.250s", e.msg);
	} else {
		p->at += len;
	}
	return 0;
}

enum MHD_Result serve_h_uploads_put(serve_req *r)
{
	put *p = r->ctx;
	if (p->status == 409)
		return conflict(r, p->expected);
	if (p->status == 413)
		return serve_error(r, 413, "too_large", NULL, "%s", p->msg);
	if (p->status == 404)
		return serve_error(r, 404, "not_found", NULL, "%s", p->msg);
	if (p->status)
		return serve_error(r, 500, "internal", NULL, "%s", p->msg);
	if (p->at != p->end)
		return serve_error(r, 400, "bad_request", "Content-Range",
				   "the body is shorter than Content-Range says (%" PRIu64
				   " bytes staged: resume from Upload-Offset)",
				   p->in.received);
	return upload_info(r, 200, &p->in);
}

enum MHD_Result serve_h_uploads_ingest(serve_req *r)
{
	enum MHD_Result ret;
	json_t *j = r->body_len ? serve_body_object(r, &ret) : json_object();
	json_t *labels = json_array(), *meta, *files = json_array();
	grym_upload_info in;
	grym_error e = { 0 };
	char *src = NULL, dst[4096];
	unsigned char rnd[16];
	char hex[33];
	int rc;

	if (!j) {
		json_decref(labels);
		json_decref(files);
		return ret;
	}
	meta = json_object_get(j, "meta");
	if (!labels || !files ||
	    labels_from(json_object_get(j, "labels"), labels) ||
	    labels_from(json_object_get(j, "label"), labels)) {
		ret = serve_error(r, 400, "bad_request", "labels", "labels: an array of strings");
		goto out;
	}
	if (meta && !json_is_object(meta)) {
		ret = serve_error(r, 400, "bad_request", "meta", "meta: an object");
		goto out;
	}
	if ((rc = grym_uploads_get(r->s->uploads, r->param, r->who.owner, &in, &e)) != GRYM_OK) {
		ret = upload_error(r, rc == GRYM_ERR_INVALID ? GRYM_ERR_NOTFOUND : rc, &e);
		goto out;
	}
	if (!(src = grym_uploads_path(r->s->uploads, r->param, r->who.owner, &e))) {
		ret = e.code == GRYM_ERR_INVALID ? serve_error(r, 409, "incomplete", NULL, "%s", e.msg)
						 : upload_error(r, e.code, &e);
		goto out;
	}
	/* the bytes move to the staging folder of jobs (same file system):
	 * from here the ingest job owns them */
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	snprintf(dst, sizeof dst, "%s/%s.data", r->s->staged_dir, hex);
	if (rename(src, dst) != 0) {
		ret = serve_error(r, 500, "internal", NULL, "staging the upload: %s",
				  strerror(errno));
		goto out;
	}
	json_array_append_new(files, json_pack("{s:s, s:s}", "path", dst, "name", in.name));
	{
		json_t *m = meta ? json_incref(meta) : json_object();
		ret = ingest_job(r, files, labels, m, 1);
		json_decref(m);
	}
	if (json_array_size(files)) {
		/* no job (the queue is full...): the upload stays, to try again */
		if (rename(dst, src) != 0)
			unlink(dst);
	} else if (grym_uploads_remove(r->s->uploads, r->param, r->who.owner, &e) != GRYM_OK) {
		/* its description stays; expiry removes it */
	}
out:
	free(src);
	json_decref(labels);
	json_decref(files);
	json_decref(j);
	return ret;
}

enum MHD_Result serve_h_uploads_delete(serve_req *r)
{
	grym_error e = { 0 };
	int rc = grym_uploads_remove(r->s->uploads, r->param, r->who.owner, &e);
	if (rc != GRYM_OK)
		return upload_error(r, rc == GRYM_ERR_INVALID ? GRYM_ERR_NOTFOUND : rc, &e);
	return serve_empty(r, 204);
}
