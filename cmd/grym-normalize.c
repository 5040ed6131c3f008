/*
 * grym-normalize — loudness measurement and normalization (EBU R128,
 * peak, RMS) with resampling, channel mixing, filters, trimming and
 * fades, as a Unix filter: audio in, audio out.
 *
 * The work is grym_normalize_file / grym_normalize_measure (lib/dsp);
 * this file parses options, takes the inputs from the common input layer
 * (grym/sources.h) and sends each where it goes: one audio input alone is
 * a filter (stdout or -o), several files a batch into --outdir, records
 * and catalog ids catalog mode; and it reports.
 */
#include "cli.h"
#include "grym/grym.h"
#include "grym/dsp.h"
#include "grym/normalize_params.h"
#include "grym/pathname.h"
#include "grym/pool.h"
#include "grym/sources.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every option but --schema is a parameter of the normalize stage
 * (lib/stage/normalize_params.c): parsed, checked and shown in --help
 * from that one table. */
static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

typedef struct app {
	grym_cli cli;
	grym_normalize_params p;/* as parsed */
	grym_normalize_opts o;  /* the run's, made from p */
	const char *gain_given; /* the one of --lufs, --peak, --rms, --gain given */
	/* the bar (NULL: none): inputs done, and the position within the
	 * ones under way */
	grym_progress *prog;
	uint64_t nfiles;        /* operands named one by one: their number,
				   the bar's total (0: not known) */
} app;

static int on_option(void *ud, const char *name, const char *arg)
{
	app *a = ud;

	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&a->cli, grym_normalize_schema());
		exit(GRYM_EXIT_OK);
	}
	if (!strcmp(name, "lufs") || !strcmp(name, "peak") || !strcmp(name, "rms") ||
	    !strcmp(name, "gain")) {
		if (a->gain_given) {
			grym_msg(&a->cli, "--%s: only one of --lufs, --peak, --rms, --gain", name);
			return -1;
		}
		a->gain_given = name;
	}
	return grym_cli_schema_set(&a->cli, grym_normalize_schema(), &a->p, name, arg) ? -1 : 0;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static void print_measure(app *a, const char *name, const grym_loudness_result *r)
{
	if (a->p.json) {
		json_t *o = json_object(), *dc = json_array();
		char *s;
		/* "file", and "file_b64" for a name that is not UTF-8 */
		grym_json_set_path(o, "file", name, NULL);
		json_object_set_new(o, "integrated_lufs", num_or_null(r->integrated_lufs));
		json_object_set_new(o, "short_clip", json_boolean(r->short_clip));
		json_object_set_new(o, "loudness_range_lu", num_or_null(r->loudness_range_lu));
		json_object_set_new(o, "true_peak_dbtp", num_or_null(r->true_peak_dbtp));
		json_object_set_new(o, "sample_peak_dbfs", num_or_null(r->sample_peak_dbfs));
		json_object_set_new(o, "rms_dbfs", num_or_null(r->rms_dbfs));
		json_object_set_new(o, "momentary_max_lufs", num_or_null(r->momentary_max_lufs));
		json_object_set_new(o, "shortterm_max_lufs", num_or_null(r->shortterm_max_lufs));
		json_object_set_new(o, "lra_low_lufs", num_or_null(r->lra_low_lufs));
		json_object_set_new(o, "lra_high_lufs", num_or_null(r->lra_high_lufs));
		for (int c = 0; c < r->channels; c++)
			json_array_append_new(dc, json_real(r->dc[c]));
		json_object_set_new(o, "dc_offset", dc);
		json_object_set_new(o, "rate", json_integer(r->rate));
		json_object_set_new(o, "channels", json_integer(r->channels));
		json_object_set_new(o, "frames", json_integer(r->frames));
		json_object_set_new(o, "duration", json_real(r->rate ? (double)r->frames / r->rate : 0));
		s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		char v[5][16];
		const double x[5] = { r->integrated_lufs, r->loudness_range_lu, r->true_peak_dbtp,
				      r->sample_peak_dbfs, r->rms_dbfs };
		for (int i = 0; i < 5; i++) {
			if (isfinite(x[i]))
				snprintf(v[i], sizeof v[i], "%.2f", x[i]);
			else
				snprintf(v[i], sizeof v[i], "-");
		}
		/* the name escaped: one line per file whatever it holds */
		printf("%9s %7s %9s %9s %9s  ", v[0], v[1], v[2], v[3], v[4]);
		grym_cli_put_escaped(stdout, name);
		putchar('\n');
	}
	fflush(stdout);
}

static void say_report(app *a, const char *name, const grym_normalize_report *r)
{
	if (r->silent) {
		/* Skipped: nothing came out, say so even with -q. Passed
		 * through: a note, which -q silences. */
		if (r->skipped)
			grym_msg(&a->cli, "%s: level undefined (%s); skipped", name,
				 grym_normalize_undefined_reason(r));
		else
			grym_info(&a->cli, "%s: level undefined (%s); passed through without gain",
				  name, grym_normalize_undefined_reason(r));
		return;
	}
	if (r->in.short_clip && a->o.mode == GRYM_GAIN_LUFS)
		grym_verbose(&a->cli, "%s: shorter than 0.4 s: loudness measured ungated over the "
			     "whole clip (%.2f LUFS)", name, r->in.integrated_lufs);
	if (r->gain_lowered)
		grym_info(&a->cli, "%s: gain lowered from %+.2f to %+.2f dB to keep the true peak "
			  "at %.1f dBTP (use --limit to keep the level)", name,
			  r->wanted_gain_db, r->gain_db, a->o.true_peak);
	if (r->limited)
		grym_info(&a->cli, "%s: limiter held the true peak at %.1f dBTP (gain %+.2f dB, "
			  "up to %.2f dB of reduction)", name, a->o.true_peak, r->gain_db, r->limiter_db);
	grym_verbose(&a->cli, "%s: measured %.2f LUFS, %.2f dBTP, %.2f dBFS peak, %.2f dBFS RMS; "
		     "gain %+.2f dB; %lld frames out", name, r->in.integrated_lufs,
		     r->in.true_peak_dbtp, r->in.sample_peak_dbfs, r->in.rms_dbfs, r->gain_db,
		     (long long)r->frames_out);
}

/* The reference record of a derived asset: the input's metadata passed
 * through, with the new asset's properties and this stage's recipe
 * appended to "pipeline". */
static json_t *derived_meta(const grym_record_head *h, const grym_asset *d,
			    const json_t *recipe, int short_clip)
{
	json_t *m = json_deep_copy(h->meta), *pl;
	if (!m)
		return NULL;
	json_object_set_new(m, "asset", json_string(d->id));
	json_object_set_new(m, "parent", json_string(d->parent));
	json_object_set_new(m, "rate", json_integer(d->sample_rate));
	json_object_set_new(m, "channels", json_integer(d->channels));
	json_object_set_new(m, "frames", json_integer(d->frames));
	json_object_set_new(m, "duration", json_real(d->duration));
	if (d->format)
		json_object_set_new(m, "format", json_string(d->format));
	if (d->codec)
		json_object_set_new(m, "codec", json_string(d->codec));
	pl = json_object_get(m, "pipeline");
	if (!json_is_array(pl)) {
		pl = json_array();
		json_object_set_new(m, "pipeline", pl);
	}
	json_array_append_new(pl, grym_normalize_recipe_entry(recipe, short_clip));
	return m;
}

/* A reused asset was not measured now: it is a short clip when it is
 * shorter than the meter's four 100 ms sub-blocks, floor(0.4 rate). */
static int short_asset(const grym_asset *d)
{
	return d->sample_rate > 0 && d->frames < (int64_t)d->sample_rate * 4 / 10;
}

/* Catalog mode: each reference record is a job of the ordered worker
 * pool (grym/pool.h). -j workers normalize the assets, each with its own
 * catalog handle (opened at its first job; -j 1 runs them on the main
 * thread with the main handle), and done() writes the records in input
 * order on the main thread. An audio record in the stream waits for the
 * records before it (grym_pool_drain) and is normalized in place. */
typedef struct job {
	grym_record_head h;
	char id[GRYM_ID_LEN + 1];
	int rc, reused;
	grym_normalize_report rep;
	grym_error err;
} job;

typedef struct catalog_run {
	app *a;
	const char *dir;
	grym_catalog *cat;      /* the main thread's: assets read for the records out */
	grym_catalog **wcat;    /* one per worker with -j > 1, else NULL */
	grym_stream_writer *w;
	const json_t *recipe;
	int failed;             /* an input failed */
	int fatal;              /* the output cannot be written: stop */
	grym_progress *bar;     /* records done and the running ones' part */
} catalog_run;

static void run_job(app *a, grym_catalog *cat, const grym_normalize_opts *o, job *j)
{
	char full[GRYM_ID_LEN + 1];

	grym_error_clear(&j->err);
	if (j->h.kind != GRYM_PAYLOAD_REF) {
		j->rc = grym_error_set(&j->err, GRYM_ERR_UNSUPPORTED,
				       "a %s record: grym-normalize takes audio records "
				       "or references to assets", grym_payload_kind_name(j->h.kind));
		return;
	}
	j->rc = grym_catalog_resolve(cat, j->h.key, full, &j->err);
	if (j->rc == GRYM_OK)
		j->rc = grym_normalize_asset(cat, full, o, j->id, &j->reused, &j->rep, &j->err);
}

/* A worker's part (grym_pool work). */
static void normalize_job(void *ud, void *jp, grym_pool_worker *w)
{
	catalog_run *r = ud;
	job *j = jp;
	grym_catalog *cat = r->cat;
	grym_normalize_opts o = r->a->o;

	o.cancel = w->cancel;   /* the pool's flag stops a long asset mid-way */
	if (r->bar) {           /* and the pool sums how far the running ones are */
		o.progress = grym_pool_progress_cb;
		o.progress_ud = w;
	}
	if (r->wcat) {
		grym_catalog **wc = &r->wcat[w->index];
		if (!*wc) {
			if (!(*wc = grym_catalog_open(r->dir, &j->err))) {
				j->rc = j->err.code;
				return;
			}
			grym_catalog_set_verify(*wc, r->a->p.verify);
		}
		cat = *wc;
	}
	run_job(r->a, cat, &o, j);
}

static void free_job(void *ud, void *jp)
{
	job *j = jp;
	grym_record_head_clear(&j->h);
	free(j);
}

/* The record of a normalized asset out, in input order (grym_pool done):
 * the reference record of the derived asset, or the input's failure
 * reported. Sets r->failed for an input that failed, r->fatal when the
 * output cannot be written. */
static void emit_job(void *ud, void *jp)
{
	catalog_run *r = ud;
	app *a = r->a;
	job *j = jp;
	grym_error err;
	grym_asset d;
	json_t *meta;
	/* messages name the file, not only the 64-hex asset id */
	char *name = grym_cli_item_name(j->h.key, j->h.meta);
	const char *nm = name ? name : j->h.key;

	grym_progress_clear(r->bar);   /* what is said goes on a line of its own */
	if (!r->fatal && j->rc != GRYM_OK) {
		grym_report(&a->cli, nm, &j->err);
		r->failed = 1;
	} else if (!r->fatal && j->rep.skipped) {
		say_report(a, nm, &j->rep);
	} else if (!r->fatal) {
		if (j->reused)
			grym_verbose(&a->cli, "%s: reusing %s (same recipe)", nm, j->id);
		else
			say_report(a, nm, &j->rep);
		grym_asset_init(&d);
		if (grym_catalog_get_asset(r->cat, j->id, &d, &err) != GRYM_OK ||
		    !(meta = derived_meta(&j->h, &d, r->recipe, a->o.mode == GRYM_GAIN_LUFS &&
					  (j->reused ? short_asset(&d) : j->rep.in.short_clip)))) {
			grym_report(&a->cli, nm, &err);
			r->failed = 1;
		} else {
			int rc = grym_stream_write_ref(r->w, j->id, meta, &err);
			json_decref(meta);
			if (rc != GRYM_OK) {
				grym_report(&a->cli, "stdout", &err);
				r->fatal = 1;
			}
		}
		grym_asset_clear(&d);
	}
	free(name);
	free_job(ud, jp);
}

/* The pool's progress on the bar (on the main thread). */
static void catalog_bar(void *ud, double done, uint64_t total)
{
	(void)total;
	grym_progress_set(((catalog_run *)ud)->bar, done);
}

/* Open what the first reference record needs: the catalog (audio records
 * alone need none), the worker handles and the pool. 0, or -1 after
 * reporting. */
static int catalog_start(catalog_run *r, grym_pool **pool)
{
	app *a = r->a;
	grym_error err;
	grym_pool_opts po = { .jobs = a->p.jobs, .work = normalize_job, .done = emit_job,
			      .discard = free_job, .ud = r, .cancel = a->o.cancel };

	/* how many records come is not known: a count, and the part of the
	 * running ones */
	if ((r->bar = grym_progress_new(&a->cli, "normalize", 0)))
		po.progress = catalog_bar;
	if (!(r->cat = grym_catalog_open(r->dir, &err))) {
		grym_report(&a->cli, r->dir, &err);
		return -1;
	}
	grym_catalog_set_verify(r->cat, a->p.verify);
	if (a->p.jobs > 1 && !(r->wcat = calloc((size_t)a->p.jobs, sizeof *r->wcat))) {
		grym_msg(&a->cli, "out of memory");
		return -1;
	}
	if (!(*pool = grym_pool_new(&po, &err))) {
		grym_report(&a->cli, NULL, &err);
		return -1;
	}
	return 0;
}

/* ---- the inputs ---- */

/* The input layer (grym/sources.h) over the operands, or stdin. */
static grym_sources *open_sources(app *a, int n, char **ops)
{
	grym_sources_opts so = { 0 };
	grym_error err = { 0 };
	grym_sources *src;
	int bad;

	so.flags = GRYM_SOURCES_RECORDS;
	so.null_sep = a->cli.null_sep;
	so.stdin_name = "-";
	so.cancel = &grym_cli_cancel;
	src = grym_sources_new(&so, &err);
	bad = !src;
	if (!bad)
		bad = grym_sources_add_operands(src, n, ops, &err) != GRYM_OK;
	if (bad) {
		grym_report(&a->cli, NULL, &err);
		grym_sources_free(src);
		return NULL;
	}
	return src;
}

/* The end of the items: 0, or 1 after reporting a failure that stopped
 * the listing (cancelled: the caller's status says so). */
static int sources_end(app *a, int rc, const grym_error *err)
{
	if (rc == GRYM_ERR_EOF || rc == GRYM_ERR_INTERRUPTED)
		return 0;
	grym_report(&a->cli, NULL, err);
	return 1;
}

/* ---- --measure ---- */

/* The object of a catalog asset, for --measure of an id: *r reads it, path
 * names its open file for the decoder; the item's name becomes the asset's
 * file and id. */
static int asset_path(app *a, grym_catalog **cat, grym_source *it, grym_store_reader **r,
		      char *path, size_t len, char **name, grym_error *err)
{
	char dir[4096], id[GRYM_ID_LEN + 1];
	grym_asset as;
	int rc;

	if (!*cat && (grym_cli_catalog_dir(&a->cli, dir, sizeof dir, err) != GRYM_OK ||
		      !(*cat = grym_catalog_open(dir, err))))
		return err->code;
	grym_catalog_set_verify(*cat, a->p.verify);
	if ((rc = grym_catalog_resolve(*cat, it->head.key, id, err)) != GRYM_OK)
		return rc;
	grym_asset_init(&as);
	rc = grym_catalog_get_asset(*cat, id, &as, err);
	if (rc == GRYM_OK)
		rc = grym_catalog_open_asset_object(*cat, &as, r, path, len, err);
	if (rc == GRYM_OK && !json_object_get(it->head.meta, "path") && json_array_size(as.paths)) {
		json_t *pm = json_pack("{s:O}", "path", json_array_get(as.paths, 0));
		*name = pm ? grym_cli_item_name(id, pm) : NULL;
		json_decref(pm);
	} else if (rc == GRYM_OK) {
		*name = grym_cli_item_name(id, it->head.meta);
	}
	grym_asset_clear(&as);
	return rc;
}

/* Measure one item (item number item on the bar); 1 when it failed
 * (reported). */
static int measure_item(app *a, grym_source *it, grym_catalog **cat, uint64_t item)
{
	char path[4096];
	char *name = NULL;
	grym_store_reader *obj = NULL;
	int is_tmp = 0, rc, failed = 0;
	grym_loudness_result r;
	grym_error err = { 0 };
	grym_progress_slot slot = { a->prog, item };
	grym_normalize_opts o = a->o;

	if (a->prog) {
		o.progress = grym_progress_cb;
		o.progress_ud = &slot;
	}
	switch (it->kind) {
	case GRYM_SOURCE_ERROR:
		grym_report(&a->cli, it->name, &it->err);
		return 1;
	case GRYM_SOURCE_FILE:
		snprintf(path, sizeof path, "%s", it->path);
		rc = GRYM_OK;
		break;
	case GRYM_SOURCE_AUDIO_IN:
		rc = grym_source_audio_path(it, a->o.tmpdir, path, sizeof path, &is_tmp, &err);
		break;
	case GRYM_SOURCE_REF:
		rc = asset_path(a, cat, it, &obj, path, sizeof path, &name, &err);
		break;
	default:
		rc = grym_error_set(&err, GRYM_ERR_UNSUPPORTED, "a %s record: --measure takes audio "
				    "files and catalog assets", grym_payload_kind_name(it->head.kind));
	}
	const char *shown = name ? name : it->name;
	if (rc == GRYM_OK)
		rc = grym_normalize_measure(path, &o, &r, &err);
	grym_store_reader_close(obj);
	/* the table line (or the error) on a clean line, the bar again below */
	grym_progress_clear(a->prog);
	if (rc != GRYM_OK) {
		grym_report(&a->cli, shown, &err);
		failed = 1;
	} else {
		print_measure(a, shown, &r);
	}
	if (is_tmp)
		grym_tmp_release(path);
	free(name);
	grym_progress_update(a->prog, item + 1);
	return failed;
}

static int do_measure(app *a, grym_sources *src)
{
	grym_catalog *cat = NULL;
	grym_source *it;
	grym_error err = { 0 };
	int failed = 0, rc;

	uint64_t n = 0;

	if (!a->p.json && !a->cli.quiet) {
		printf("%9s %7s %9s %9s %9s  %s\n", "LUFS", "LRA", "dBTP", "peak", "RMS", "FILE");
		fflush(stdout);
	}
	a->prog = grym_progress_new(&a->cli, "measure", a->nfiles);
	while ((rc = grym_sources_next(src, &it, &err)) == GRYM_OK)
		failed |= measure_item(a, it, &cat, n++);
	grym_progress_finish(a->prog);
	a->prog = NULL;
	failed |= sources_end(a, rc, &err);
	grym_catalog_close(cat);
	return failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}

/* ---- catalog mode ---- */

/* Catalog mode, fed one item at a time: references go to the pool
 * (normalized by -j workers, written in input order by emit_job), audio
 * records wait for what came before and are normalized in place. The
 * output opens at the first record, so a run of files alone writes
 * nothing to stdout. */
typedef struct catsink {
	catalog_run r;
	char dir[4096];
	grym_output *out;
	grym_pool *pool;
	json_t *recipe;
	int used;
} catsink;

static int cat_open(catsink *c)
{
	grym_error err = { 0 };
	app *a = c->r.a;

	if (c->used)
		return c->r.fatal ? -1 : 0;
	c->used = 1;
	c->r.dir = c->dir;
	/* Records in: -t (else WAV) is the type of the derived assets, -o
	 * the records out (its name says nothing of the audio type). */
	if (!(c->recipe = grym_normalize_recipe(&a->o))) {
		grym_msg(&a->cli, "out of memory");
		c->r.fatal = 1;
		return -1;
	}
	c->r.recipe = c->recipe;
	if (grym_cli_catalog_dir(&a->cli, c->dir, sizeof c->dir, &err) != GRYM_OK ||
	    !(c->out = grym_output_open(a->p.output, &err)) ||
	    !(c->r.w = grym_stream_writer_new(c->out, a->p.text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY,
					      0, &err))) {
		grym_report(&a->cli, a->p.output ? a->p.output : "stdout", &err);
		c->r.fatal = 1;
		return -1;
	}
	return 0;
}

/* A reference to an asset (its head is taken) or an audio record. */
static void cat_add(catsink *c, grym_source *it)
{
	grym_error err = { 0 };
	app *a = c->r.a;

	if (cat_open(c) < 0)
		return;
	if (it->kind == GRYM_SOURCE_REF) {
		job *j = calloc(1, sizeof *j);
		if (!j) {
			grym_msg(&a->cli, "out of memory");
			c->r.fatal = 1;
			return;
		}
		j->h = it->head;
		memset(&it->head, 0, sizeof it->head);
		if (!c->pool && catalog_start(&c->r, &c->pool) != 0) {
			free_job(&c->r, j);
			c->r.fatal = 1;
			return;
		}
		if (grym_pool_submit(c->pool, j, &err) != GRYM_OK) {
			/* cancelled (the job was not taken): the signal ends the run */
			free_job(&c->r, j);
			c->r.failed = 1;
		}
		return;
	}
	if (it->head.kind != GRYM_PAYLOAD_AUDIO) {
		grym_msg(&a->cli, "%s: a %s record: grym-normalize takes audio records or "
			 "references to assets", it->name, grym_payload_kind_name(it->head.kind));
		c->r.failed = 1;
		return;
	}
	/* In order: what came before, then this record. */
	if (c->pool && grym_pool_drain(c->pool, &err) != GRYM_OK) {
		c->r.failed = 1;   /* cancelled: the signal ends the run */
		return;
	}
	if (c->r.fatal)
		return;
	grym_normalize_report rep;
	if (grym_normalize_record(it->reader, &it->head, &a->o, c->recipe, c->r.w, &rep,
				  &err) != GRYM_OK) {
		grym_report(&a->cli, it->head.key, &err);
		c->r.failed = 1;
	} else {
		say_report(a, it->head.key, &rep);
	}
}

/* Finish the pool and the output; 1 when something failed. */
static int cat_finish(catsink *c)
{
	grym_error err = { 0 };
	app *a = c->r.a;

	if (c->pool && !c->r.fatal && grym_pool_finish(c->pool, &err) != GRYM_OK)
		c->r.failed = 1;
	/* after a fatal error, what is left is dropped unwritten */
	grym_pool_free(c->pool);
	grym_progress_finish(c->r.bar);
	grym_stream_writer_free(c->r.w);
	if (c->out) {
		if (c->r.fatal)
			grym_output_abort(c->out);
		else if (grym_cli_finish_output(&a->cli, c->out, c->r.failed) != 0)
			c->r.fatal = 1;
	}
	for (int i = 0; c->r.wcat && i < a->p.jobs; i++)
		grym_catalog_close(c->r.wcat[i]);
	free(c->r.wcat);
	grym_catalog_close(c->r.cat);
	json_decref(c->recipe);
	return c->r.fatal || c->r.failed;
}

/* ---- filter mode: one input, audio out ---- */

static int do_filter(app *a, grym_source *it)
{
	char path[4096];
	int is_tmp = 0, rc;
	grym_error err = { 0 };
	grym_output *out;
	grym_normalize_report rep;
	const char *name = it->name;

	if (it->kind == GRYM_SOURCE_FILE)
		snprintf(path, sizeof path, "%s", it->path);
	else if (grym_source_audio_path(it, a->o.tmpdir, path, sizeof path, &is_tmp, &err)) {
		grym_report(&a->cli, name, &err);
		return GRYM_EXIT_FAILED;
	}
	/* Audio out: -t, else -o's extension; never one type under another's
	 * name. */
	if (grym_file_type_choose((int)a->p.o.type >= 0 ? grym_file_type_name(a->p.o.type) : NULL,
				  a->p.output, &a->o.type, &err) != GRYM_OK) {
		if (is_tmp)
			grym_tmp_release(path);
		grym_usage_error(&a->cli, "%s: %s", a->p.output, err.msg);
	}
	out = grym_output_open(a->p.output, &err);
	if (!out) {
		grym_report(&a->cli, a->p.output, &err);
		if (is_tmp)
			grym_tmp_release(path);
		return GRYM_EXIT_FAILED;
	}
	{
		/* one input: the bar is its position, measuring then processing */
		grym_progress_slot slot = { grym_progress_new(&a->cli, "normalize", 1), 0 };
		grym_normalize_opts o = a->o;
		if (slot.p) {
			o.progress = grym_progress_cb;
			o.progress_ud = &slot;
		}
		rc = grym_normalize_file(path, &o, out, &rep, &err);
		if (rc == GRYM_OK)
			grym_progress_update(slot.p, 1);
		grym_progress_finish(slot.p);
	}
	if (is_tmp)
		grym_tmp_release(path);
	if (rc != GRYM_OK) {
		grym_report(&a->cli, name, &err);
		grym_output_abort(out);
		return GRYM_EXIT_FAILED;
	}
	say_report(a, name, &rep);
	if (rep.skipped) {
		grym_output_abort(out);
		return GRYM_EXIT_FAILED;
	}
	/* commits, or aborts when a signal cancelled the run */
	if (grym_cli_finish_output(&a->cli, out, 0) != 0)
		return GRYM_EXIT_FAILED;
	return GRYM_EXIT_OK;
}

/* ---- batch mode: many files into --outdir ---- */

typedef struct bfile {
	char *src;              /* the file to read (stdin's copy for stdin) */
	int tmp;                /* src is a spooled temporary */
	char *name;             /* the input as named, for messages */
	char *orig;             /* its path for the output name; NULL: stdin */
	char *out;              /* DIR/NAME.EXT */
	int rc;
	grym_error err;
	grym_normalize_report rep;
} bfile;

typedef struct files {
	app *a;
	bfile *f;
	size_t n, cap;
	size_t dirlen;          /* outputs' folders are made below DIR */
	int failed;
	grym_progress *bar;     /* files done and the running ones' part */
} files;

static int files_add(files *fs, grym_source *it, grym_error *err)
{
	char tmp[4096];
	bfile *f;

	if (fs->n == fs->cap) {
		size_t c = fs->cap ? 2 * fs->cap : 64;
		bfile *p = realloc(fs->f, c * sizeof *p);
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		fs->f = p;
		fs->cap = c;
	}
	f = &fs->f[fs->n];
	memset(f, 0, sizeof *f);
	if (it->kind == GRYM_SOURCE_AUDIO_IN) {
		int rc = grym_source_audio_path(it, fs->a->o.tmpdir, tmp, sizeof tmp, &f->tmp, err);
		if (rc != GRYM_OK)
			return rc;
		f->src = strdup(tmp);
	} else {
		f->src = strdup(it->path);
	}
	f->name = strdup(it->name);
	f->orig = it->path ? strdup(it->path) : NULL;
	fs->n++;
	if (!f->src || !f->name || (it->path && !f->orig))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

/* DIR/NAME.EXT for every input: NAME is its path relative to the folder
 * holding all the inputs (the tree mirrored: dog/a.wav, cat/a.wav), made
 * unique as grym-features --npy makes its names (grym/pathname.h). */
static int name_outputs(files *fs, const char *dir, const char *ext, grym_error *err)
{
	const char **paths = calloc(fs->n, sizeof *paths);
	char **names;
	int rc = GRYM_OK;

	if (!paths)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < fs->n; i++)
		paths[i] = fs->f[i].orig;
	names = grym_relative_names(paths, fs->n, err);
	free(paths);
	if (!names)
		return err->code;
	for (size_t i = 0; i < fs->n && rc == GRYM_OK; i++)
		if (!names[i] && !(names[i] = strdup("stdin")))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (rc == GRYM_OK && grym_names_as_files(names, fs->n, err) < 0)
		rc = err->code;
	for (size_t i = 0; i < fs->n && rc == GRYM_OK; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + strlen(ext) + 3;
		if (!(fs->f[i].out = malloc(len)))
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		else
			snprintf(fs->f[i].out, len, "%s/%s.%s", dir, names[i], ext);
	}
	grym_names_free(names, fs->n);
	return rc;
}

/* Normalize one file into its output, atomically; an existing output is
 * kept unless --force. */
static void run_file(files *fs, bfile *f, grym_pool_worker *w)
{
	app *a = fs->a;
	grym_normalize_opts o = a->o;
	grym_output *out;
	const volatile sig_atomic_t *cancel = w->cancel;

	o.cancel = cancel;
	if (fs->bar) {          /* the pool sums how far the running files are */
		o.progress = grym_pool_progress_cb;
		o.progress_ud = w;
	}
	if (*cancel) {
		f->rc = grym_error_set(&f->err, GRYM_ERR_INTERRUPTED, "interrupted");
		return;
	}
	if (!a->p.force && access(f->out, F_OK) == 0) {
		f->rc = grym_error_set(&f->err, GRYM_ERR_INVALID,
				       "%s exists: not overwritten (--force replaces it)", f->out);
		return;
	}
	if ((f->rc = grym_mkdir_parents(f->out, fs->dirlen + 1, &f->err)) != GRYM_OK)
		return;
	if (!(out = grym_output_open(f->out, &f->err))) {
		f->rc = f->err.code;
		return;
	}
	f->rc = grym_normalize_file(f->src, &o, out, &f->rep, &f->err);
	if (f->rc != GRYM_OK || f->rep.skipped) {
		grym_output_abort(out);
	} else if (*cancel) {
		/* never a half-made result under its name */
		grym_output_abort(out);
		f->rc = grym_error_set(&f->err, GRYM_ERR_INTERRUPTED, "interrupted");
	} else {
		char name[4096];
		snprintf(name, sizeof name, "%s", f->out);
		if ((f->rc = grym_output_commit(out, &f->err)) != GRYM_OK)
			grym_error_prefix(&f->err, f->rc, "%s", name);
	}
	if (f->tmp)
		grym_tmp_release(f->src);
	f->tmp = 0;
}

/* A file of the batch (grym_pool work): the worker's cancel flag stops
 * a long file mid-way. */
static void file_job(void *ud, void *jp, grym_pool_worker *w)
{
	run_file(ud, jp, w);
}

/* The pool's progress on the bar (on the main thread). */
static void files_bar(void *ud, double done, uint64_t total)
{
	(void)total;
	grym_progress_set(((files *)ud)->bar, done);
}

/* Its report, in input order (grym_pool done). */
static void file_done(void *ud, void *jp)
{
	files *fs = ud;
	bfile *f = jp;
	app *a = fs->a;

	grym_progress_clear(fs->bar);   /* what is said goes on a line of its own */
	if (f->rc == GRYM_ERR_INTERRUPTED) {
		fs->failed = 1;
	} else if (f->rc != GRYM_OK) {
		grym_report(&a->cli, f->name, &f->err);
		fs->failed = 1;
	} else {
		say_report(a, f->name, &f->rep);
		if (!f->rep.skipped)
			grym_verbose(&a->cli, "%s: written to %s", f->name, f->out);
	}
}

/* Normalize every file of the batch (-j at a time, grym/pool.h) and
 * report in input order; 1 when one failed. */
static int do_files(files *fs)
{
	app *a = fs->a;
	const char *dir = a->p.outdir ? a->p.outdir : "normalized";
	grym_error err = { 0 };
	struct stat st;
	char mk[4096];
	grym_pool_opts po = { .jobs = a->p.jobs, .work = file_job, .done = file_done, .ud = fs,
			      .total = fs->n, .cancel = &grym_cli_cancel };
	grym_pool *pool;

	/* -t, else WAV (grym_normalize_params_opts): the extension follows
	 * the type */
	snprintf(mk, sizeof mk, "%s/", dir);
	if (grym_mkdir_parents(mk, 0, &err) != GRYM_OK || stat(dir, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		if (!err.code)
			grym_error_set(&err, GRYM_ERR_IO, "not a directory");
		grym_report(&a->cli, dir, &err);
		return 1;
	}
	fs->dirlen = strlen(dir);
	if (name_outputs(fs, dir, grym_file_type_name(a->o.type), &err) != GRYM_OK) {
		grym_report(&a->cli, dir, &err);
		return 1;
	}
	if ((fs->bar = grym_progress_new(&a->cli, "normalize", fs->n)))
		po.progress = files_bar;
	if (!(pool = grym_pool_new(&po, &err))) {
		grym_report(&a->cli, NULL, &err);
		grym_progress_finish(fs->bar);
		return 1;
	}
	for (size_t i = 0; i < fs->n; i++)
		if (grym_pool_submit(pool, &fs->f[i], &err) != GRYM_OK) {
			fs->failed = 1;   /* cancelled: the signal ends the run */
			break;
		}
	if (grym_pool_finish(pool, &err) != GRYM_OK)
		fs->failed = 1;
	grym_pool_free(pool);
	grym_progress_finish(fs->bar);
	fs->bar = NULL;
	return fs->failed;
}

static void files_free(files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		bfile *f = &fs->f[i];
		if (f->tmp)
			grym_tmp_release(f->src);
		free(f->src);
		free(f->name);
		free(f->orig);
		free(f->out);
	}
	free(fs->f);
}

int main(int argc, char **argv)
{
	static app a;   /* what it owns stays reachable until the exit */
	int first, nops, status = GRYM_EXIT_OK, failed = 0, rc, count = 0;
	grym_sources *src;
	grym_source *it;
	grym_error err = { 0 };

	grym_error e0 = { 0 };
	const grym_option *options = grym_cli_schema_options(grym_normalize_schema(), own_options);
	if (!options || grym_schema_defaults(grym_normalize_schema(), &a.p, &e0) != GRYM_OK) {
		fprintf(stderr, "grym-normalize: %s\n", e0.msg[0] ? e0.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&a.cli, "grym-normalize", "[OPTION]... [FILE|DIR|-]...",
		      "Measure and normalize loudness (EBU R128, peak, RMS); resample, mix, filter, trim, fade.",
		      options);
	first = grym_cli_parse(&a.cli, argc, argv, on_option, &a);
	nops = argc - first;
	/* the gain, the ceiling's default, the type; checked */
	if (grym_normalize_params_opts(&a.p, &a.o, &err) != GRYM_OK)
		grym_usage_error(&a.cli, "%s", err.msg);
	a.o.cancel = &grym_cli_cancel;
	if (a.p.json && !a.p.measure)
		grym_usage_error(&a.cli, "--json goes with --measure");
	if (a.p.measure && (a.p.outdir || a.p.force))
		grym_usage_error(&a.cli, "--measure writes no audio: no --outdir or --force");
	if (a.p.output && a.p.outdir)
		grym_usage_error(&a.cli, "-o names one output file, --outdir a folder for several: "
				 "not both");
	if (a.p.output && nops > 1)
		grym_usage_error(&a.cli, "-o names one output file: %d inputs go to --outdir DIR",
				 nops);
	if (!(src = open_sources(&a, nops, argv + first)))
		return GRYM_EXIT_FAILED;
	/* inputs named one by one (no directory, no "-" that may hold a
	 * list): the bar knows how many; more than that (a records file of
	 * ids) and it only counts (grym_progress_update) */
	for (int i = 0; i < nops; i++) {
		struct stat st;
		if (!strcmp(argv[first + i], "-") || stat(argv[first + i], &st) != 0 ||
		    S_ISDIR(st.st_mode)) {
			a.nfiles = 0;
			break;
		}
		a.nfiles++;
	}
	if (a.p.measure) {
		status = do_measure(&a, src);
		grym_sources_free(src);
		return status;
	}

	/* One audio input named alone (or audio on stdin), no --outdir: a
	 * filter, audio to stdout or -o. Several files, a directory, a list:
	 * a batch into --outdir. Records and ids: catalog mode. */
	catsink c;
	files fs;
	memset(&c, 0, sizeof c);
	memset(&fs, 0, sizeof fs);
	c.r.a = fs.a = &a;
	while ((rc = grym_sources_next(src, &it, &err)) == GRYM_OK) {
		int alone = count++ == 0 && !it->nested && nops <= 1 && !a.p.outdir;
		switch (it->kind) {
		case GRYM_SOURCE_ERROR:
			grym_report(&a.cli, it->name, &it->err);
			failed = 1;
			break;
		case GRYM_SOURCE_FILE:
		case GRYM_SOURCE_AUDIO_IN:
			if (alone) {
				status = do_filter(&a, it);
			} else if (files_add(&fs, it, &err) != GRYM_OK) {
				grym_report(&a.cli, it->name, &err);
				failed = 1;
			}
			break;
		default:
			cat_add(&c, it);
		}
	}
	failed |= sources_end(&a, rc, &err);
	grym_sources_free(src);
	if (c.used)
		failed |= cat_finish(&c);
	if (fs.n && a.p.output && !c.used) {
		files_free(&fs);
		grym_usage_error(&a.cli, "-o names one output file: %zu audio files go to --outdir DIR",
				 fs.n);
	}
	if (fs.n && !grym_cli_cancel)
		failed |= do_files(&fs);
	files_free(&fs);
	if (failed)
		status = GRYM_EXIT_FAILED;
	return status;
}
