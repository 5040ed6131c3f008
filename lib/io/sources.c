/*
 * sources.c — a program's operands and standard input as one ordered
 * sequence of items (see grym/sources.h for the rules).
 *
 * Operands wait in a queue and are only looked at when their turn comes,
 * so messages come in input order and stdin is read in its place. What an
 * operand expands to — the files of a directory, the entries of a list,
 * the records of a stream — is a frame on a small stack: a list entry may
 * name a directory, a record may name a file of records, and each is
 * finished before the next entry of the one that named it.
 */
#include "grym/sources.h"
#include "grym/hash.h"
#include "grym/pathname.h"
#include "grym/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

/* The operand's own frame and four nested levels: enough for a list of
 * record files naming directories, and a bound on records that name the
 * file they are in. */
#define DEPTH_MAX 5

typedef struct walk_ent {
	char *path;
	grym_error *err;        /* a problem found by the walk, or NULL */
} walk_ent;

typedef enum { FR_WALK, FR_LIST, FR_STREAM } frame_type;

typedef struct frame {
	frame_type type;
	char *name;             /* directory, list or stream, for messages */
	walk_ent *ents;         /* FR_WALK */
	size_t n, i;
	grym_input *in;         /* FR_LIST, FR_STREAM (owned) */
	grym_stream_reader *rd; /* FR_STREAM (owned) */
	int nul;                /* FR_LIST: NUL-separated */
	int is_stdin;
} frame;

typedef struct operand {
	char *arg;
	int list;               /* 1: a file holding a list of names; 2: a
				   catalog reference (grym_sources_add_ref) */
} operand;

struct grym_sources {
	grym_sources_opts o;
	operand *ops;
	size_t nops, capops, next_op;
	frame stack[DEPTH_MAX];
	int depth;
	int stdin_used;
	grym_source cur;
	/* what the current item owns */
	char *cur_name, *cur_path;
	grym_stream_reader *cur_rd;
	grym_input *cur_rd_in;
	char *line;             /* list entries */
	size_t linecap;
};

static int nomem(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

grym_sources *grym_sources_new(const grym_sources_opts *opts, grym_error *err)
{
	grym_sources *s = calloc(1, sizeof *s);
	if (!s) {
		nomem(err);
		return NULL;
	}
	if (opts)
		s->o = *opts;
	if (!s->o.stdin_name)
		s->o.stdin_name = "stdin";
	return s;
}

static int queue(grym_sources *s, const char *arg, int list, grym_error *err)
{
	if (s->nops == s->capops) {
		size_t c = s->capops ? 2 * s->capops : 16;
		operand *p = realloc(s->ops, c * sizeof *p);
		if (!p)
			return nomem(err);
		s->ops = p;
		s->capops = c;
	}
	if (!(s->ops[s->nops].arg = strdup(arg)))
		return nomem(err);
	s->ops[s->nops++].list = list;
	return GRYM_OK;
}

int grym_sources_add(grym_sources *s, const char *operand, grym_error *err)
{
	return queue(s, operand, 0, err);
}

int grym_sources_add_list(grym_sources *s, const char *path, grym_error *err)
{
	return queue(s, path, 1, err);
}

int grym_sources_add_ref(grym_sources *s, const char *id, grym_error *err)
{
	if (!grym_id_is_prefix(id))
		return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not an asset id", id ? id : "");
	return queue(s, id, 2, err);
}

int grym_sources_add_operands(grym_sources *s, int n, char *const *ops, grym_error *err)
{
	if (n <= 0)
		return grym_sources_add(s, "-", err);
	for (int i = 0; i < n; i++) {
		int rc = grym_sources_add(s, ops[i], err);
		if (rc < 0)
			return rc;
	}
	return GRYM_OK;
}

static void frame_clear(frame *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->ents[i].path);
		free(f->ents[i].err);
	}
	free(f->ents);
	grym_stream_reader_free(f->rd);
	grym_input_free(f->in);
	free(f->name);
	memset(f, 0, sizeof *f);
}

/* Drop what the last item owned (what the caller did not take). */
static void item_clear(grym_sources *s)
{
	grym_source *c = &s->cur;
	grym_input_free(c->in);
	grym_record_head_clear(&c->head);
	grym_stream_reader_free(s->cur_rd);
	grym_input_free(s->cur_rd_in);
	free(s->cur_name);
	free(s->cur_path);
	s->cur_rd = NULL;
	s->cur_rd_in = NULL;
	s->cur_name = s->cur_path = NULL;
	memset(c, 0, sizeof *c);
}

void grym_sources_free(grym_sources *s)
{
	if (!s)
		return;
	item_clear(s);
	while (s->depth > 0)
		frame_clear(&s->stack[--s->depth]);
	for (size_t i = 0; i < s->nops; i++)
		free(s->ops[i].arg);
	free(s->ops);
	free(s->line);
	free(s);
}

/* ---- items ---- */

/* Start an item named name (copied). */
static int item(grym_sources *s, grym_source_kind kind, const char *name, int nested,
		grym_error *err)
{
	s->cur.kind = kind;
	s->cur.nested = nested;
	if (!(s->cur_name = strdup(name ? name : "")))
		return nomem(err);
	s->cur.name = s->cur_name;
	return GRYM_OK;
}

static int item_path(grym_sources *s, const char *path, grym_error *err)
{
	if (!(s->cur_path = strdup(path)))
		return nomem(err);
	s->cur.path = s->cur_path;
	return GRYM_OK;
}

/* An error item: name and a copy of e. */
static int item_error(grym_sources *s, const char *name, int nested, const grym_error *e,
		      grym_error *err)
{
	int rc = item(s, GRYM_SOURCE_ERROR, name, nested, err);
	if (rc == GRYM_OK)
		s->cur.err = *e;
	return rc;
}

static int item_errorf(grym_sources *s, const char *name, int nested, int code, const char *msg,
		       grym_error *err)
{
	grym_error e;
	grym_error_set(&e, code, "%s", msg);
	return item_error(s, name, nested, &e, err);
}

/* An error from errno, in the words of strerror (as ls and cat say it). */
static int item_errno(grym_sources *s, const char *name, int nested, int e, grym_error *err)
{
	char buf[256];
	return item_errorf(s, name, nested, e == ENOENT ? GRYM_ERR_NOTFOUND : GRYM_ERR_IO,
			   strerror_r(e, buf, sizeof buf), err);
}

/* The record head of the current item: moved from h (which is emptied). */
static void item_head(grym_sources *s, grym_record_head *h)
{
	s->cur.head = *h;
	memset(h, 0, sizeof *h);
}

/* A catalog reference: key, and the metadata of the record that named
 * it (h, moved) or none. */
static int item_ref(grym_sources *s, const char *key, grym_record_head *h, int nested,
		    grym_error *err)
{
	int rc = item(s, GRYM_SOURCE_REF, key, nested, err);
	if (rc < 0)
		return rc;
	if (h && h->key && !strcmp(h->key, key)) {
		item_head(s, h);
		return GRYM_OK;
	}
	s->cur.head.key = strdup(key);
	s->cur.head.meta = h && h->meta ? json_incref(h->meta) : json_object();
	s->cur.head.kind = GRYM_PAYLOAD_REF;
	if (!s->cur.head.key || !s->cur.head.meta)
		return nomem(err);
	return GRYM_OK;
}

/* ---- frames ---- */

static frame *push(grym_sources *s, frame_type type, const char *name, grym_error *err)
{
	frame *f;
	if (s->depth == DEPTH_MAX) {
		grym_error_set(err, GRYM_ERR_LIMIT, "lists or records that name others, more than %d deep",
			       DEPTH_MAX - 1);
		return NULL;
	}
	f = &s->stack[s->depth];
	memset(f, 0, sizeof *f);
	f->type = type;
	if (!(f->name = strdup(name))) {
		nomem(err);
		return NULL;
	}
	s->depth++;
	return f;
}

static void pop(grym_sources *s)
{
	if (s->depth > 0)
		frame_clear(&s->stack[--s->depth]);
}

static int on_walk(void *ud, const char *path, const grym_error *e)
{
	frame *f = ud;
	if (f->n % 64 == 0) {
		walk_ent *p = realloc(f->ents, (f->n + 64) * sizeof *p);
		if (!p)
			return GRYM_ERR_NOMEM;
		f->ents = p;
	}
	walk_ent *w = &f->ents[f->n];
	w->path = strdup(path);
	w->err = e ? malloc(sizeof *w->err) : NULL;
	if (!w->path || (e && !w->err)) {
		free(w->path);
		free(w->err);
		return GRYM_ERR_NOMEM;
	}
	if (e)
		*w->err = *e;
	f->n++;
	return 0;
}

/* A directory: its files, walked now (names only), served one by one. */
static int open_dir(grym_sources *s, const char *dir, int nested, grym_error *err)
{
	grym_error e;
	frame *f = push(s, FR_WALK, dir, &e);
	if (!f)
		return e.code == GRYM_ERR_NOMEM ? nomem(err) : item_error(s, dir, nested, &e, err);
	if (grym_walk(dir, s->o.match, on_walk, f) != 0) {
		pop(s);
		return nomem(err);
	}
	if (f->n == 0) {
		char msg[512];
		/* nothing taken is a mistake to say, not an empty success: a
		 * typo in the folder name, audio in an unusual format */
		if (s->o.match)
			snprintf(msg, sizeof msg, "no file matching '%s' in this directory", s->o.match);
		else
			snprintf(msg, sizeof msg, "no audio files in this directory (by extension: %s)",
				 GRYM_WALK_EXTENSIONS);
		pop(s);
		return item_errorf(s, dir, nested, GRYM_ERR_NOTFOUND, msg, err);
	}
	return GRYM_OK;   /* no item yet: the frame serves them */
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* A table (TSV, .npy) to hand over whole: in, path. */
static int open_table(grym_sources *s, grym_source_kind kind, const char *path, int nested,
		      grym_error *err)
{
	grym_error e = { 0 };
	grym_input *in = grym_input_open(path, &e);
	if (!in)
		return item_errno(s, path, nested, errno, err);
	grym_input_set_cancel(in, s->o.cancel);
	int rc = item(s, kind, path, nested, err);
	if (rc == GRYM_OK)
		rc = item_path(s, path, err);
	s->cur.in = in;
	return rc;
}

/* Records in `in` (owned from here on): one STREAM item, or a frame
 * that serves them one by one. */
static int open_records(grym_sources *s, grym_input *in, const char *name, const char *path,
			int nested, grym_error *err)
{
	grym_error e = { 0 };
	grym_stream_reader *rd = grym_stream_reader_new(in, &e);
	int rc;
	if (!rd) {
		grym_input_free(in);
		return item_error(s, name, nested, &e, err);
	}
	if (s->o.flags & GRYM_SOURCES_STREAMS) {
		rc = item(s, GRYM_SOURCE_STREAM, name, nested, err);
		if (rc == GRYM_OK && path)
			rc = item_path(s, path, err);
		s->cur.reader = s->cur_rd = rd;
		s->cur_rd_in = in;
		return rc;
	}
	frame *f = push(s, FR_STREAM, name, &e);
	if (!f) {
		grym_stream_reader_free(rd);
		grym_input_free(in);
		return e.code == GRYM_ERR_NOMEM ? nomem(err) : item_error(s, name, nested, &e, err);
	}
	f->in = in;
	f->rd = rd;
	f->is_stdin = !path;
	return GRYM_OK;
}

static int open_list(grym_sources *s, grym_input *in, const char *name, int nul, int is_stdin,
		     int nested, grym_error *err)
{
	grym_error e;
	frame *f = push(s, FR_LIST, name, &e);
	if (!f) {
		grym_input_free(in);
		return e.code == GRYM_ERR_NOMEM ? nomem(err) : item_error(s, name, nested, &e, err);
	}
	f->in = in;
	f->nul = nul;
	f->is_stdin = is_stdin;
	return GRYM_OK;
}

/* Text that is not UTF-8 but has no control byte besides TAB, CR and
 * LF: file names in another encoding, one per line. No audio header
 * looks like that (each holds a NUL or a control byte within its first
 * bytes), and records are UTF-8. */
static int plain_lines(grym_input *in)
{
	const void *v;
	ssize_t n = grym_input_peek(in, 4096, &v, NULL);
	const unsigned char *p = v;
	if (n <= 0)
		return 0;
	if (n > 4096)
		n = 4096;
	for (ssize_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] == 0x7f)
			return 0;
	return 1;
}

/* Standard input, told from its first bytes (or a list with -0). */
static int open_stdin(grym_sources *s, int nested, grym_error *err)
{
	const char *name = s->o.stdin_name;
	grym_error e = { 0 };
	grym_input *in;
	grym_input_kind kind;
	unsigned fl = s->o.flags;

	if (s->stdin_used)
		return item_errorf(s, name, nested, GRYM_ERR_INVALID,
				   "standard input was already read (named twice)", err);
	s->stdin_used = 1;
	if (!(in = grym_input_from_fd(0, name, 0, &e)))
		return item_error(s, name, nested, &e, err);
	grym_input_set_cancel(in, s->o.cancel);
	if (s->o.null_sep)
		return open_list(s, in, name, 1, 1, nested, err);
	if (fl & GRYM_SOURCES_TSV_ALL) {
		int rc = item(s, GRYM_SOURCE_TSV, name, nested, err);
		s->cur.in = in;
		return rc;
	}
	if (grym_input_detect(in, &kind, &e) != GRYM_OK) {
		grym_input_free(in);
		return item_error(s, name, nested, &e, err);
	}
	switch (kind) {
	case GRYM_INPUT_EMPTY:
		grym_input_free(in);
		return item_errorf(s, name, nested, GRYM_ERR_FORMAT, "empty file", err);
	case GRYM_INPUT_RECORDS:
		if (!(fl & GRYM_SOURCES_RECORDS)) {
			grym_input_free(in);
			return item_errorf(s, name, nested, GRYM_ERR_FORMAT,
					   "grym records, not audio (give files, or lines naming them)",
					   err);
		}
		return open_records(s, in, name, NULL, nested, err);
	case GRYM_INPUT_TEXT:
		if (fl & GRYM_SOURCES_RECORDS)
			return open_records(s, in, name, NULL, nested, err);
		return open_list(s, in, name, 0, 1, nested, err);
	case GRYM_INPUT_AUDIO:
	default:
		if (plain_lines(in))
			return open_list(s, in, name, 0, 1, nested, err);
		{
			int rc = item(s, GRYM_SOURCE_AUDIO_IN, name, nested, err);
			s->cur.in = in;
			return rc;
		}
	}
}

/* A file (not a directory) named by an operand, a list or a record. */
static int open_file(grym_sources *s, const char *path, const struct stat *st, int nested,
		     grym_error *err)
{
	unsigned fl = s->o.flags;
	grym_error e = { 0 };
	grym_input_kind kind;
	grym_input *in;
	int rc;

	if (((fl & GRYM_SOURCES_TSV) && ends_with(path, ".tsv")) || (fl & GRYM_SOURCES_TSV_ALL))
		return open_table(s, GRYM_SOURCE_TSV, path, nested, err);
	if ((fl & GRYM_SOURCES_NPY) && ends_with(path, ".npy"))
		return open_table(s, GRYM_SOURCE_NPY, path, nested, err);
	if (!(fl & GRYM_SOURCES_RECORDS)) {
		/* audio only: the program opens it (an archive, a FIFO that
		 * must not block the listing) */
		rc = item(s, GRYM_SOURCE_FILE, path, nested, err);
		return rc ? rc : item_path(s, path, err);
	}
	in = grym_input_open(path, &e);
	if (!in)
		return item_errno(s, path, nested, errno, err);
	grym_input_set_cancel(in, s->o.cancel);
	/* a named file is audio or records, never a list */
	if (grym_input_detect_named(in, &kind, &e) != GRYM_OK) {
		grym_input_free(in);
		return item_error(s, path, nested, &e, err);
	}
	if (kind == GRYM_INPUT_EMPTY) {
		grym_input_free(in);
		return item_errorf(s, path, nested, GRYM_ERR_FORMAT, "empty file", err);
	}
	if (kind == GRYM_INPUT_RECORDS || kind == GRYM_INPUT_TEXT)
		return open_records(s, in, path, path, nested, err);
	if (!S_ISREG(st->st_mode)) {
		/* a FIFO or a device: its bytes are read once, here */
		rc = item(s, GRYM_SOURCE_AUDIO_IN, path, nested, err);
		if (rc == GRYM_OK)
			rc = item_path(s, path, err);
		s->cur.in = in;
		return rc;
	}
	grym_input_free(in);
	rc = item(s, GRYM_SOURCE_FILE, path, nested, err);
	return rc ? rc : item_path(s, path, err);
}

/* A path that exists: a directory or a file. */
static int open_path(grym_sources *s, const char *path, const struct stat *st, int nested,
		     grym_error *err)
{
	if (S_ISDIR(st->st_mode))
		return open_dir(s, path, nested, err);
	return open_file(s, path, st, nested, err);
}

/* A name from a list or a record (see the rule in grym/sources.h): the
 * whole text, else its first field, as a path; else a catalog id. h:
 * the record it came from (moved into the item), or NULL. */
static int open_name(grym_sources *s, const char *text, grym_record_head *h, int in_stdin,
		     grym_error *err)
{
	struct stat st;
	int rc, e;
	const char *tab;

	if (!strcmp(text, "-")) {
		if (in_stdin)
			return item_errorf(s, "-", 1, GRYM_ERR_INVALID,
					   "stdin holds the list; it cannot be an input too", err);
		return open_stdin(s, 1, err);
	}
	if (stat(text, &st) == 0) {
		rc = open_path(s, text, &st, 1, err);
		goto done;
	}
	e = errno;
	tab = strchr(text, '\t');
	if (tab) {
		char *first = strndup(text, (size_t)(tab - text));
		if (!first)
			return nomem(err);
		if (stat(first, &st) == 0) {
			rc = open_path(s, first, &st, 1, err);
			free(first);
			goto done;
		}
		if ((s->o.flags & GRYM_SOURCES_RECORDS) && grym_id_is_prefix(first)) {
			rc = item_ref(s, first, h, 1, err);
			free(first);
			return rc;
		}
		free(first);
	} else if ((s->o.flags & GRYM_SOURCES_RECORDS) && grym_id_is_prefix(text)) {
		return item_ref(s, text, h, 1, err);
	}
	return item_errno(s, text, 1, e, err);
done:
	/* the record travels with the file it named (its metadata: labels,
	 * path) */
	if (rc == GRYM_OK && h && s->cur_name && s->cur.kind == GRYM_SOURCE_FILE)
		item_head(s, h);
	return rc;
}

/* A reference record with metadata: its key as a path, else as a catalog
 * id, else its "path" / "path_b64". */
static int open_ref(grym_sources *s, grym_record_head *h, grym_error *err)
{
	struct stat st;
	char *p = NULL;
	grym_error e = { 0 };
	int rc;

	if (stat(h->key, &st) == 0) {
		rc = open_path(s, h->key, &st, 1, err);
	} else if (grym_id_is_prefix(h->key)) {
		return item_ref(s, h->key, h, 1, err);
	} else if (grym_json_get_path(h->meta, "path", &p, &e) != GRYM_OK) {
		return item_error(s, h->key, 1, &e, err);
	} else if (p && stat(p, &st) == 0) {
		rc = open_path(s, p, &st, 1, err);
		free(p);
	} else {
		free(p);
		return item_errorf(s, h->key, 1, GRYM_ERR_NOTFOUND, "neither a file nor a catalog id",
				   err);
	}
	if (rc == GRYM_OK && s->cur_name && s->cur.kind == GRYM_SOURCE_FILE)
		item_head(s, h);
	return rc;
}

/* ---- the sequence ---- */

static int next_operand(grym_sources *s, grym_error *err)
{
	operand *op = &s->ops[s->next_op++];
	const char *arg = op->arg;
	struct stat st;

	if (op->list == 2)
		return item_ref(s, arg, NULL, 0, err);
	if (op->list) {
		grym_error e = { 0 };
		grym_input *in;
		if (!strcmp(arg, "-")) {
			if (s->stdin_used)
				return item_errorf(s, s->o.stdin_name, 0, GRYM_ERR_INVALID,
						   "standard input was already read (named twice)", err);
			s->stdin_used = 1;
			in = grym_input_from_fd(0, s->o.stdin_name, 0, &e);
		} else {
			in = grym_input_open(arg, &e);
			if (!in)
				return item_errno(s, arg, 0, errno, err);
		}
		if (!in)
			return item_error(s, arg, 0, &e, err);
		grym_input_set_cancel(in, s->o.cancel);
		return open_list(s, in, strcmp(arg, "-") ? arg : s->o.stdin_name, s->o.null_sep,
				 !strcmp(arg, "-"), 0, err);
	}
	if (!strcmp(arg, "-"))
		return open_stdin(s, 0, err);
	if (stat(arg, &st) != 0) {
		int e = errno;
		if ((s->o.flags & GRYM_SOURCES_ID_OPERANDS) && (s->o.flags & GRYM_SOURCES_RECORDS) &&
		    grym_id_is_prefix(arg))
			return item_ref(s, arg, NULL, 0, err);
		return item_errno(s, arg, 0, e, err);
	}
	return open_path(s, arg, &st, 0, err);
}

static int next_in_frame(grym_sources *s, frame *f, grym_error *err)
{
	grym_error e = { 0 };

	if (f->type == FR_WALK) {
		if (f->i == f->n) {
			pop(s);
			return GRYM_OK;
		}
		walk_ent *w = &f->ents[f->i++];
		if (w->err)
			return item_error(s, w->path, 1, w->err, err);
		int rc = item(s, GRYM_SOURCE_FILE, w->path, 1, err);
		return rc ? rc : item_path(s, w->path, err);
	}
	if (f->type == FR_LIST) {
		ssize_t n = grym_list_next(f->in, f->nul, &s->line, &s->linecap, &e);
		if (n == GRYM_ERR_EOF) {
			pop(s);
			return GRYM_OK;
		}
		if (n < 0) {
			char name[4096];
			snprintf(name, sizeof name, "%s", f->name);
			pop(s);
			return e.code == GRYM_ERR_NOMEM ? nomem(err) : item_error(s, name, 0, &e, err);
		}
		return open_name(s, s->line, NULL, f->is_stdin, err);
	}
	/* FR_STREAM */
	grym_record_head h;
	int rc = grym_stream_next(f->rd, &h, &e);
	if (rc == GRYM_ERR_EOF) {
		pop(s);
		return GRYM_OK;
	}
	if (rc < 0) {
		/* a damaged stream cannot be resynchronised: it ends here */
		char name[4096];
		snprintf(name, sizeof name, "%s", f->name);
		pop(s);
		return e.code == GRYM_ERR_NOMEM ? nomem(err) : item_error(s, name, 0, &e, err);
	}
	uint64_t recno = grym_stream_record_number(f->rd);
	if (h.kind != GRYM_PAYLOAD_REF) {
		rc = item(s, GRYM_SOURCE_RECORD, h.key, 1, err);
		s->cur.record = recno;
		s->cur.reader = f->rd;
		item_head(s, &h);
		return rc;
	}
	const char *bare = grym_stream_bare_line(f->rd);
	if (bare) {
		/* a bare line carries no metadata worth passing on */
		char *line = strdup(bare);
		rc = line ? open_name(s, line, NULL, f->is_stdin, err) : nomem(err);
		free(line);
	} else {
		rc = open_ref(s, &h, err);
	}
	grym_record_head_clear(&h);
	if (s->cur_name)
		s->cur.record = recno;
	return rc;
}

int grym_sources_next(grym_sources *s, grym_source **out, grym_error *err)
{
	int rc;

	item_clear(s);
	for (;;) {
		if (s->o.cancel && *s->o.cancel)
			return grym_error_set(err, GRYM_ERR_INTERRUPTED, "interrupted");
		if (s->depth > 0)
			rc = next_in_frame(s, &s->stack[s->depth - 1], err);
		else if (s->next_op < s->nops)
			rc = next_operand(s, err);
		else
			return grym_error_set(err, GRYM_ERR_EOF, "end of inputs");
		if (rc < 0)
			return rc;
		if (s->cur_name) {      /* an item was made */
			*out = &s->cur;
			return GRYM_OK;
		}
	}
}

int grym_source_audio_path(grym_source *it, const char *tmpdir, char *path, size_t len,
			   int *is_tmp, grym_error *err)
{
	struct stat st;
	*is_tmp = 0;
	if (!it->path && fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
		/* Opening /dev/stdin reopens the file from its start: no copy. */
		snprintf(path, len, "/dev/stdin");
		return GRYM_OK;
	}
	int rc = grym_spool(it->in, tmpdir, path, len, err);
	if (rc == GRYM_OK)
		*is_tmp = 1;
	return rc;
}
