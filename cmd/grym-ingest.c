/*
 * grym-ingest — bring audio files, directories, archives and stdin into
 * the catalog and write one reference record per asset, in input order.
 *
 * The work is lib/audio/ingest.c; this file parses options, expands
 * directories and lists into inputs, runs them -j at a time in the
 * ordered worker pool (grym/pool.h; each worker with its own ingester and
 * catalog handle) and prints the outcomes in input order, whatever order
 * the workers finish in.
 */
#include "cli.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/ingest.h"
#include "grym/ingest_params.h"
#include "grym/io.h"
#include "grym/pathname.h"
#include "grym/pool.h"
#include "grym/sources.h"
#include "grym/stream.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

/* Every option but --schema is a parameter of the ingest stage
 * (lib/stage/ingest_params.c): parsed, checked and shown in --help from
 * that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct settings {
	const char **labels;
	size_t nlabels;
	int label_from_dir, replace_labels, text, accept_truncated, probe, json;
	const char *manifest, *match, *from_list, *output;
	long jobs;
	uint64_t max_bytes;
} settings;

static grym_cli cli;

/* The options as parsed; main copies them into a settings. */
static grym_ingest_params params;

static int on_option(void *ud, const char *name, const char *arg)
{
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&cli, grym_ingest_schema());
		exit(GRYM_EXIT_OK);
	}
	return grym_cli_schema_set(&cli, grym_ingest_schema(), &params, name, arg) ? -1 : 0;
}

/* ---- inputs ---- */

typedef struct outcome {
	char *path;
	int status;
	char *message;
	int created, truncated;
	char id[GRYM_ID_LEN + 1];
	char restored[16];      /* "missing", "corrupt" or "" */
	json_t *record;
} outcome;

typedef struct job {
	char *path;             /* what to ingest */
	grym_input *in;         /* its bytes, when they come from stdin or a
				   FIFO already opened (path is its name) */
	char *error;            /* set: a problem found while listing */
	char *no_worker;        /* set: the worker could not make its
				   ingester (why): the job did not run */
	outcome *out;
	size_t nout, capout;
} job;

/* A pool worker's ingester (indexed by grym_pool_worker.index: one job
 * at a time per index, no lock), made at its first job. */
typedef struct worker_state {
	grym_ingester *g;
	int tried;
	grym_error err;         /* why g could not be made */
} worker_state;

typedef struct emitter emitter;

typedef struct batch {
	job *jobs;              /* every input, listed before any runs (the
				   bar counts them); outcomes live only in
				   the pool's window */
	size_t n, cap;
	const settings *s;
	grym_ingest_opts opts;
	char catalog[4096];
	worker_state *ws;       /* one per pool worker */
	emitter *e;
	grym_progress *bar;
	int workers_failed;     /* a worker had no ingester: nothing more is
				   written, nothing more submitted */
	char worker_error[GRYM_ERROR_MSG_MAX];
} batch;

/* The common cancel flag (cmd/common/signals.c). */
#define stop_signal grym_cli_cancel

static int add_job(batch *b, const char *path, const char *error)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? 2 * b->cap : 256;
		job *j = realloc(b->jobs, nc * sizeof *j);
		if (!j)
			return -1;
		b->jobs = j;
		b->cap = nc;
	}
	job *j = &b->jobs[b->n];
	memset(j, 0, sizeof *j);
	j->path = strdup(path);
	j->error = error ? strdup(error) : NULL;
	if (!j->path || (error && !j->error))
		return -1;
	b->n++;
	return 0;
}

/* Every input in order, from the common input layer (grym/sources.h):
 * files, the audio files of directories, lists on stdin (-0 too), audio
 * on stdin; a problem found on the way is a job that has failed. */
static int list_inputs(batch *b, grym_sources *src)
{
	grym_error err = { 0 };
	grym_source *it;
	int rc;

	while ((rc = grym_sources_next(src, &it, &err)) == GRYM_OK) {
		if (it->kind == GRYM_SOURCE_ERROR) {
			rc = add_job(b, it->name, it->err.msg);
		} else if (it->kind == GRYM_SOURCE_AUDIO_IN) {
			rc = add_job(b, it->name, NULL);
			if (rc == 0) {
				b->jobs[b->n - 1].in = it->in;
				it->in = NULL;
			}
		} else {
			rc = add_job(b, it->path ? it->path : it->name, NULL);
		}
		if (rc < 0) {
			grym_msg(&cli, "out of memory");
			return -1;
		}
	}
	if (rc == GRYM_ERR_EOF || rc == GRYM_ERR_INTERRUPTED)
		return 0;   /* interrupted: what is listed runs, the end says so */
	grym_report(&cli, NULL, &err);
	return -1;
}

/* ---- workers ---- */

static int collect(void *ud, const grym_ingest_result *r)
{
	job *j = ud;
	if (j->nout == j->capout) {
		size_t nc = j->capout ? 2 * j->capout : 1;
		outcome *o = realloc(j->out, nc * sizeof *o);
		if (!o)
			return GRYM_ERR_NOMEM;
		j->out = o;
		j->capout = nc;
	}
	outcome *o = &j->out[j->nout];
	memset(o, 0, sizeof *o);
	o->path = strdup(r->path ? r->path : j->path);
	o->status = r->status;
	o->message = r->message ? strdup(r->message) : NULL;
	o->created = r->created;
	o->truncated = r->truncated;
	if (r->id)
		snprintf(o->id, sizeof o->id, "%s", r->id);
	if (r->restored)
		snprintf(o->restored, sizeof o->restored, "%s", r->restored);
	o->record = r->record ? json_deep_copy(r->record) : NULL;
	if (!o->path || (r->message && !o->message) || (r->record && !o->record)) {
		free(o->path);
		free(o->message);
		json_decref(o->record);
		return GRYM_ERR_NOMEM;
	}
	j->nout++;
	return 0;
}

/* One input (grym_pool work, on a worker thread): its outcomes are
 * collected into the job for done() to print in order. */
static void work_job(void *ud, void *jp, grym_pool_worker *w)
{
	batch *b = ud;
	job *j = jp;
	worker_state *ws = &b->ws[w->index];
	if (j->error)
		return;     /* found while listing: done() says so */
	if (!ws->tried) {
		ws->tried = 1;
		ws->g = grym_ingester_new(b->catalog, &b->opts, &ws->err);
	}
	if (!ws->g) {
		j->no_worker = strdup(ws->err.msg);
		if (!j->no_worker)
			j->error = strdup("out of memory");
		return;
	}
	int rc = j->in ? grym_ingest_input(ws->g, j->in, j->path, collect, j)
		       : grym_ingest_path(ws->g, j->path, collect, j);
	if (rc == GRYM_ERR_NOMEM && j->nout == 0) {
		/* could not even record the failure */
		j->error = strdup("out of memory");
	}
}

/* ---- output ---- */

struct emitter {
	const settings *s;
	grym_output *out;
	grym_stream_writer *w;
	json_t *seen;           /* ids already written in this run */
	long ingested, known, failed;
	int write_failed;
};

static void text_field(grym_output *o, const char *raw)
{
	/* tabs and newlines would break the line format, and the text form
	 * is UTF-8: a name that is not gets U+FFFD for its bad bytes (the
	 * exact bytes are in the catalog and the binary records) */
	char buf[1024];
	size_t n = 0;
	char *fixed = grym_utf8_repair(raw, strlen(raw));
	const char *s = fixed ? fixed : "?";
	for (; *s; s++) {
		buf[n++] = (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s;
		if (n == sizeof buf) {
			grym_output_write(o, buf, n, NULL);
			n = 0;
		}
	}
	grym_output_write(o, buf, n, NULL);
	free(fixed);
}

static void emit(emitter *e, grym_progress *bar, const outcome *o)
{
	grym_error err = { 0 };
	/* what is said goes on a line of its own */
	if (o->status < 0 || o->truncated || cli.verbose > 0)
		grym_progress_clear(bar);
	if (o->status < 0) {
		grym_msg(&cli, "%s: %s", o->path, o->message ? o->message : grym_status_str(o->status));
		e->failed++;
		return;
	}
	if (o->truncated)
		grym_msg(&cli, "%s: truncated or damaged: kept the %lld frames that decode",
			 o->path, (long long)json_integer_value(json_object_get(o->record, "frames")));
	if (o->created)
		e->ingested++;
	else
		e->known++;
	if (o->restored[0])
		grym_verbose(&cli, "%s: known %s, object restored (it was %s)", o->path, o->id,
			     o->restored);
	else
		grym_verbose(&cli, "%s: %s %s", o->path, o->created ? "ingested" : "known", o->id);
	/* The same content twice in one run gives one record, unless the
	 * later name added labels: then the record is written again with
	 * the union, so that what comes after (grym-train) sees every label
	 * the asset has, as a later run would. */
	const json_t *labels_now = json_object_get(o->record, "labels");
	const json_t *labels_sent = json_object_get(e->seen, o->id);
	if (labels_sent && json_equal((json_t *)labels_sent, (json_t *)labels_now))
		return;
	json_object_set_new(e->seen, o->id, labels_now ? json_deep_copy(labels_now) : json_array());
	if (e->write_failed)
		return;
	int rc;
	if (e->s->text) {
		const json_t *labels = json_object_get(o->record, "labels");
		size_t i;
		json_t *v;
		rc = grym_output_printf(e->out, &err, "%s\t", o->id);
		text_field(e->out, o->path);
		grym_output_write(e->out, "\t", 1, NULL);
		json_array_foreach(labels, i, v) {
			if (i)
				grym_output_write(e->out, ",", 1, NULL);
			text_field(e->out, json_string_value(v));
		}
		if (rc == 0)
			rc = grym_output_write(e->out, "\n", 1, &err);
		if (rc == 0)
			rc = grym_output_item_end(e->out, &err);
	} else {
		rc = grym_stream_write_ref(e->w, o->id, o->record, &err);
	}
	if (rc < 0) {
		grym_report(&cli, grym_output_name(e->out), &err);
		e->write_failed = 1;
	}
}

static void free_job(job *j)
{
	for (size_t i = 0; i < j->nout; i++) {
		free(j->out[i].path);
		free(j->out[i].message);
		json_decref(j->out[i].record);
	}
	free(j->out);
	free(j->path);
	free(j->error);
	grym_input_free(j->in);
	free(j->no_worker);
	j->in = NULL;
	j->out = NULL;
	j->path = j->error = j->no_worker = NULL;
	j->nout = 0;
}

/* A job's outcomes out, in input order (grym_pool done, on the main
 * thread); then it is freed. After a worker without an ingester, nothing
 * more: the run ends with its error. */
static void job_done(void *ud, void *jp)
{
	batch *b = ud;
	job *j = jp;
	if (j->no_worker && !b->workers_failed) {
		b->workers_failed = 1;
		snprintf(b->worker_error, sizeof b->worker_error, "%s", j->no_worker);
	}
	if (!b->workers_failed) {
		if (j->error) {
			outcome o = { 0 };
			o.path = j->path;
			o.status = GRYM_ERR_IO;
			o.message = j->error;
			emit(b->e, b->bar, &o);
		}
		for (size_t k = 0; k < j->nout; k++)
			emit(b->e, b->bar, &j->out[k]);
	}
	free_job(j);
}

/* A job that never started (a signal, or the end after a failed worker). */
static void job_discard(void *ud, void *jp)
{
	(void)ud;
	free_job(jp);
}

/* The pool's progress (inputs done) on the bar, on the main thread. */
static void job_bar(void *ud, double done, uint64_t total)
{
	(void)total;
	grym_progress_set(((batch *)ud)->bar, done);
}

/* ---- --probe ---- */

static void print_duration(double d)
{
	if (d < 0) {
		printf("unknown");
		return;
	}
	long h = (long)(d / 3600), m = (long)(d / 60) % 60;
	printf("%02ld:%02ld:%06.3f", h, m, d - 3600.0 * h - 60.0 * m);
}

static int probe(const settings *s, const char *path)
{
	grym_audio_info in;
	grym_error err = { 0 };
	if (grym_audio_probe(path, &in, &err) < 0) {
		grym_report(&cli, path, &err);
		return 1;
	}
	if (s->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:f, s:I, s:O}",
				      "path", "", "format", in.format, "codec", in.codec,
				      "rate", in.sample_rate, "channels", in.channels, "bits", in.bits,
				      "frames", (json_int_t)in.frames, "duration", in.duration,
				      "bit_rate", (json_int_t)in.bit_rate, "tags", in.tags);
		/* "path", and "path_b64" for a name that is not UTF-8 */
		if (j && grym_json_set_path(j, "path", path, NULL) != GRYM_OK) {
			json_decref(j);
			j = NULL;
		}
		char *t = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
		if (!t) {
			grym_msg(&cli, "%s: out of memory", path);
			grym_audio_info_clear(&in);
			return 1;
		}
		if (t)
			printf("%s\n", t);
		free(t);
		json_decref(j);
	} else {
		const char *k;
		json_t *v;
		printf("path\t%s\nformat\t%s\ncodec\t%s\nrate\t%d\nchannels\t%d\nbits\t%d\n"
		       "frames\t%lld\nduration\t", path, in.format, in.codec, in.sample_rate,
		       in.channels, in.bits, (long long)in.frames);
		print_duration(in.duration);
		printf("\nbit_rate\t%lld\n", (long long)in.bit_rate);
		json_object_foreach(in.tags, k, v)
			printf("tag.%s\t%s\n", k, json_string_value(v));
		printf("\n");
	}
	grym_audio_info_clear(&in);
	return 0;
}

int main(int argc, char **argv)
{
	settings s = { 0 };
	batch b;
	emitter e = { 0 };
	grym_error err = { 0 };
	grym_manifest *manifest = NULL;
	int first, status = GRYM_EXIT_OK;

	grym_error e0 = { 0 };
	const grym_option *options = grym_cli_schema_options(grym_ingest_schema(), own_options);
	if (!options || grym_schema_defaults(grym_ingest_schema(), &params, &e0) != GRYM_OK) {
		fprintf(stderr, "grym-ingest: %s\n", e0.msg[0] ? e0.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&cli, "grym-ingest", "[OPTION]... [FILE|DIR|ARCHIVE|-]...",
		      "Store audio in the catalog and write one reference record per asset.",
		      options);
	first = grym_cli_parse(&cli, argc, argv, on_option, &s);
	/* the settings the run reads: the labels array is its own (freed at
	 * the end), the strings stay params' */
	if (params.label.n && !(s.labels = malloc(params.label.n * sizeof *s.labels))) {
		grym_msg(&cli, "out of memory");
		return GRYM_EXIT_FAILED;
	}
	for (size_t i = 0; i < params.label.n; i++)
		s.labels[i] = params.label.v[i];
	s.nlabels = params.label.n;
	s.label_from_dir = params.label_from_dir;
	s.replace_labels = params.replace_labels;
	s.text = params.text;
	s.accept_truncated = params.accept_truncated;
	s.probe = params.probe;
	s.json = params.json;
	s.manifest = params.manifest;
	s.match = params.match;
	s.from_list = params.from_list;
	s.output = params.output;
	s.jobs = params.jobs;
	s.max_bytes = params.max_bytes;

	if (s.json && !s.probe)
		grym_usage_error(&cli, "--json goes with --probe");
	if (s.probe) {
		if (first >= argc)
			grym_usage_error(&cli, "--probe needs FILE arguments");
		for (int i = first; i < argc; i++)
			status |= probe(&s, argv[i]);
		free(s.labels);
		return status ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
	}

	memset(&b, 0, sizeof b);
	b.s = &s;

	if (s.manifest && !(manifest = grym_manifest_load(s.manifest, &err))) {
		grym_report(&cli, s.manifest, &err);
		return GRYM_EXIT_FAILED;
	}
	grym_sources_opts so = { 0 };
	so.null_sep = cli.null_sep;
	so.match = s.match;
	so.stdin_name = "-";    /* the path recorded for stdin */
	so.cancel = &stop_signal;
	grym_sources *src = grym_sources_new(&so, &err);
	int bad = !src;
	for (int i = first; !bad && i < argc; i++)
		bad = grym_sources_add(src, argv[i], &err) < 0;
	if (!bad && s.from_list)
		bad = grym_sources_add_list(src, s.from_list, &err) < 0;
	if (!bad && first >= argc && !s.from_list) {
		if (manifest) {
			for (size_t i = 0; !bad && i < grym_manifest_rows(manifest); i++)
				bad = grym_sources_add(src, grym_manifest_path(manifest, i), &err) < 0;
		} else if (isatty(STDIN_FILENO)) {
			grym_usage_error(&cli, "no input (give files, directories, archives or -)");
		} else {
			bad = grym_sources_add(src, "-", &err) < 0;
		}
	}
	if (bad) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	if (list_inputs(&b, src) < 0)
		return GRYM_EXIT_FAILED;
	grym_sources_free(src);

	if (grym_cli_catalog_dir(&cli, b.catalog, sizeof b.catalog, &err) < 0) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	b.opts.labels = s.labels;
	b.opts.nlabels = s.nlabels;
	b.opts.label_from_dir = s.label_from_dir;
	b.opts.replace_labels = s.replace_labels;
	b.opts.accept_truncated = s.accept_truncated;
	b.opts.max_bytes = s.max_bytes;
	b.opts.match = s.match;
	b.opts.manifest = manifest;
	b.opts.cancel = &stop_signal;

	/* Open the catalog once here, so that a bad --catalog is one clear
	 * error before any work, and the schema is created by one process. */
	{
		grym_catalog *cat = grym_catalog_open(b.catalog, &err);
		if (!cat) {
			grym_report(&cli, b.catalog, &err);
			return GRYM_EXIT_FAILED;
		}
		grym_catalog_close(cat);
	}

	e.s = &s;
	e.seen = json_object();
	if (!(e.out = grym_output_open(s.output, &err))) {
		grym_report(&cli, s.output, &err);
		return GRYM_EXIT_FAILED;
	}
	if (!s.text && !(e.w = grym_stream_writer_new(e.out, GRYM_STREAM_BINARY, 0, &err))) {
		grym_report(&cli, NULL, &err);
		grym_output_abort(e.out);
		return GRYM_EXIT_FAILED;
	}

	/* Ctrl-C, TERM, HUP (the common handlers of grym_cli_init): the
	 * files under way stop (lib/ stops within a block, no row), none
	 * starts any more, what is done is written, then the process dies
	 * of the signal. */
	int nth = (int)(s.jobs < (long)b.n ? s.jobs : (long)b.n);
	if (nth < 1)
		nth = 1;
	b.e = &e;
	b.bar = grym_progress_new(&cli, "ingest", b.n);
	grym_pool_opts po = { .jobs = nth, .work = work_job, .done = job_done,
			      .discard = job_discard, .progress = b.bar ? job_bar : NULL,
			      .ud = &b, .total = b.n, .cancel = &stop_signal };
	grym_pool *pool = NULL;
	if (!(b.ws = calloc((size_t)nth, sizeof *b.ws)))
		grym_error_set(&err, GRYM_ERR_NOMEM, "out of memory");
	else
		pool = grym_pool_new(&po, &err);
	if (!pool) {
		grym_report(&cli, NULL, &err);
		status = GRYM_EXIT_FAILED;
	} else {
		size_t next = 0;
		for (; next < b.n && !b.workers_failed; next++)
			if (grym_pool_submit(pool, &b.jobs[next], &err) != GRYM_OK)
				break;  /* a signal: the end says so */
		if (next == b.n)
			grym_pool_finish(pool, &err);
		grym_pool_free(pool);   /* after a failed worker: the rest dropped */
	}
	grym_progress_finish(b.bar);
	for (int t = 0; b.ws && t < nth; t++)
		grym_ingester_free(b.ws[t].g);
	free(b.ws);
	if (b.workers_failed) {
		grym_msg(&cli, "%s: %s", b.catalog, b.worker_error);
		status = GRYM_EXIT_FAILED;
	}

	grym_stream_writer_free(e.w);
	if (e.write_failed) {
		grym_output_abort(e.out);
		status = GRYM_EXIT_FAILED;
	} else if (grym_cli_finish_output(&cli, e.out, status != GRYM_EXIT_OK || e.failed) != 0) {
		status = GRYM_EXIT_FAILED;
	}
	if (!cli.quiet)
		grym_msg(&cli, "ingested %ld, already known %ld, failed %ld", e.ingested, e.known,
			 e.failed);
	if (e.failed)
		status = GRYM_EXIT_FAILED;

	for (size_t i = 0; i < b.n; i++)
		free_job(&b.jobs[i]);
	free(b.jobs);
	json_decref(e.seen);
	grym_manifest_free(manifest);
	free(s.labels);
	if (stop_signal) {
		grym_msg(&cli, "interrupted: the inputs not finished were not ingested");
		signal((int)stop_signal, SIG_DFL);
		raise((int)stop_signal);
	}
	return status;
}
