/*
 * grym-normalize — loudness measurement and normalization (EBU R128,
 * peak, RMS) with resampling, channel mixing, filters, trimming and
 * fades, as a Unix filter: audio in, audio out.
 *
 * The work is grym_normalize_file / grym_normalize_measure (lib/dsp);
 * this file parses options, finds the input (a path, a regular file on
 * stdin, or a pipe spooled to $TMPDIR), and reports.
 */
#include "cli.h"
#include "grym/grym.h"
#include "grym/dsp.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const grym_option options[] = {
	{ "lufs", 0, "T", "-23", "normalize integrated loudness (EBU R128) to T LUFS" },
	{ "peak", 0, "DB", NULL, "normalize the sample peak to DB dBFS" },
	{ "rms", 0, "DB", NULL, "normalize the RMS level to DB dBFS (full-scale sine: -3.01)" },
	{ "gain", 0, "DB", NULL, "apply a fixed gain of DB dB" },
	{ "true-peak", 0, "MAX", "-1 with --lufs", "keep the true peak at or below MAX dBTP" },
	{ "limit", 0, NULL, NULL, "hold the true-peak ceiling with a limiter instead of lowering the gain" },
	{ "rate", 'r', "HZ", NULL, "resample to HZ (soxr)" },
	{ "mono", 'm', NULL, NULL, "mix to one channel (channel mean)" },
	{ "channels", 'c', "N", NULL, "output N channels (to 1: mean; from 1: copies; 6 to 2: ITU downmix)" },
	{ "highpass", 0, "HZ", NULL, "Butterworth high-pass at HZ" },
	{ "lowpass", 0, "HZ", NULL, "Butterworth low-pass at HZ" },
	{ "order", 0, "N", "2", "order of the Butterworth filters" },
	{ "dc", 0, NULL, NULL, "remove DC offset (5 Hz DC blocker)" },
	{ "trim-silence", 0, "DB", NULL, "cut leading and trailing audio at or below DB dBFS" },
	{ "fade-in", 0, "S", NULL, "fade in over S seconds" },
	{ "fade-out", 0, "S", NULL, "fade out over S seconds" },
	{ "bits", 'b', "B", "16/24 as the input, else 32f", "output samples: 16, 24 or 32f (16 is TPDF-dithered)" },
	{ "type", 't', "TYPE", "wav, or from -o's extension", "output type: wav, flac, ogg, mp3, opus, m4a" },
	{ "output", 'o', "FILE", "stdout", "write to FILE (atomically)" },
	{ "on-silence", 0, "WHAT", "pass", "when the level is undefined: pass (unchanged), skip, fail" },
	{ "seed", 0, "N", "0", "seed of the dither" },
	{ "measure", 0, NULL, NULL, "only measure each FILE (a table, or --json)" },
	{ "json", 0, NULL, NULL, "with --measure: one JSON object per input" },
	{ "text", 0, NULL, NULL, "catalog mode: write records as text" },
	{ "jobs", 'j', "N", "1", "catalog mode: normalize N assets at a time (output order kept)" },
	{ "verify", 0, NULL, NULL, "catalog mode: hash each object in full before use (else only its size is checked)" },
	{ 0 }
};

typedef struct app {
	grym_cli cli;
	grym_normalize_opts o;
	int mode_set;
	int tp_set;
	int measure, json, text;
	int jobs;
	int verify;             /* --verify: every catalog handle hashes objects */
	const char *output, *type;
	int mono;
} app;

static int on_option(void *ud, const char *name, const char *arg)
{
	app *a = ud;
	grym_normalize_opts *o = &a->o;
	double d;
	long l;

	if (!strcmp(name, "lufs") || !strcmp(name, "peak") || !strcmp(name, "rms") ||
	    !strcmp(name, "gain")) {
		if (a->mode_set) {
			grym_msg(&a->cli, "--%s: only one of --lufs, --peak, --rms, --gain", name);
			return -1;
		}
		a->mode_set = 1;
		if (grym_parse_double(&a->cli, name, arg, !strcmp(name, "gain") ? -100 : -100,
				      !strcmp(name, "gain") ? 100 : 0, &d))
			return -1;
		o->target = d;
		o->mode = !strcmp(name, "lufs") ? GRYM_GAIN_LUFS : !strcmp(name, "peak") ? GRYM_GAIN_PEAK :
			!strcmp(name, "rms") ? GRYM_GAIN_RMS : GRYM_GAIN_FIXED;
	} else if (!strcmp(name, "true-peak")) {
		if (grym_parse_double(&a->cli, name, arg, -60, 0, &d))
			return -1;
		o->true_peak = d;
		a->tp_set = 1;
	} else if (!strcmp(name, "limit")) {
		o->limit = 1;
	} else if (!strcmp(name, "rate")) {
		if (grym_parse_int(&a->cli, name, arg, GRYM_LOUDNESS_RATE_MIN, GRYM_LOUDNESS_RATE_MAX, &l))
			return -1;
		o->rate = (int)l;
	} else if (!strcmp(name, "mono")) {
		o->channels = 1;
	} else if (!strcmp(name, "channels")) {
		if (grym_parse_int(&a->cli, name, arg, 1, 64, &l))
			return -1;
		o->channels = (int)l;
	} else if (!strcmp(name, "highpass") || !strcmp(name, "lowpass")) {
		if (grym_parse_double(&a->cli, name, arg, 0.001, 384000, &d))
			return -1;
		if (name[0] == 'h')
			o->highpass = d;
		else
			o->lowpass = d;
	} else if (!strcmp(name, "order")) {
		if (grym_parse_int(&a->cli, name, arg, 1, 2 * GRYM_FILTER_SECTIONS_MAX - 1, &l))
			return -1;
		o->order = (int)l;
	} else if (!strcmp(name, "dc")) {
		o->dc = 1;
	} else if (!strcmp(name, "trim-silence")) {
		if (grym_parse_double(&a->cli, name, arg, -200, 0, &d))
			return -1;
		o->trim_db = d;
	} else if (!strcmp(name, "fade-in") || !strcmp(name, "fade-out")) {
		if (grym_parse_double(&a->cli, name, arg, 0, 86400, &d))
			return -1;
		if (!strcmp(name, "fade-in"))
			o->fade_in = d;
		else
			o->fade_out = d;
	} else if (!strcmp(name, "bits")) {
		grym_sample_format f;
		if (grym_sample_format_parse(arg, &f) != GRYM_OK) {
			grym_msg(&a->cli, "--bits: '%s' is not 16, 24 or 32f", arg);
			return -1;
		}
		o->bits = f == GRYM_SAMPLE_S16 ? 16 : f == GRYM_SAMPLE_S24 ? 24 : 32;
	} else if (!strcmp(name, "type")) {
		grym_file_type t;
		grym_error e;
		if (grym_file_type_choose(arg, NULL, &t, &e) != GRYM_OK) {
			grym_msg(&a->cli, "%s", e.msg);
			return -1;
		}
		a->type = arg;
	} else if (!strcmp(name, "output")) {
		a->output = arg;
	} else if (!strcmp(name, "on-silence")) {
		if (!strcmp(arg, "pass"))
			o->silence = GRYM_SILENCE_PASS;
		else if (!strcmp(arg, "skip"))
			o->silence = GRYM_SILENCE_SKIP;
		else if (!strcmp(arg, "fail"))
			o->silence = GRYM_SILENCE_FAIL;
		else {
			grym_msg(&a->cli, "--on-silence: '%s' is not pass, skip or fail", arg);
			return -1;
		}
	} else if (!strcmp(name, "seed")) {
		if (grym_parse_int(&a->cli, name, arg, 0, 0x7fffffffL, &l))
			return -1;
		o->seed = (uint64_t)l;
	} else if (!strcmp(name, "measure")) {
		a->measure = 1;
	} else if (!strcmp(name, "verify")) {
		a->verify = 1;
	} else if (!strcmp(name, "json")) {
		a->json = 1;
	} else if (!strcmp(name, "text")) {
		a->text = 1;
	} else if (!strcmp(name, "jobs")) {
		if (grym_parse_int(&a->cli, name, arg, 1, 64, &l))
			return -1;
		a->jobs = (int)l;
	}
	return 0;
}

/* A path FFmpeg can open for the input, spooling a pipe on stdin.
 * *spooled is set when path is a temporary file to unlink. Returns 0, or
 * -1 after reporting. records is set when stdin holds grym records. */
static int resolve_input(app *a, const char *name, char *path, size_t len,
			 int *spooled, grym_input **records)
{
	grym_error err;
	grym_input *in;
	grym_input_kind kind;
	struct stat st;

	*spooled = 0;
	*records = NULL;
	if (strcmp(name, "-") != 0) {
		snprintf(path, len, "%s", name);
		return 0;
	}
	in = grym_input_from_fd(0, "stdin", 0, &err);
	grym_input_set_cancel(in, &grym_cli_cancel);
	if (!in || grym_input_detect(in, &kind, &err) != GRYM_OK) {
		grym_report(&a->cli, "stdin", &err);
		grym_input_free(in);
		return -1;
	}
	if (kind == GRYM_INPUT_EMPTY) {
		grym_msg(&a->cli, "stdin: empty input");
		grym_input_free(in);
		return -1;
	}
	if (kind == GRYM_INPUT_RECORDS || kind == GRYM_INPUT_TEXT) {
		*records = in;
		return 0;
	}
	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
		/* Opening /dev/stdin reopens the file from its start. */
		snprintf(path, len, "/dev/stdin");
		grym_input_free(in);
		return 0;
	}
	if (grym_spool(in, a->o.tmpdir, path, len, &err) != GRYM_OK) {
		grym_report(&a->cli, "stdin", &err);
		grym_input_free(in);
		return -1;
	}
	grym_input_free(in);
	*spooled = 1;
	return 0;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static void print_measure(app *a, const char *name, const grym_loudness_result *r)
{
	if (a->json) {
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

/* Measure one input; 1 when it failed (reported). */
static int measure_one(app *a, const char *name)
{
	char path[4096];
	int spooled, failed = 0;
	grym_input *records;
	grym_loudness_result r;
	grym_error err;

	if (resolve_input(a, name, path, sizeof path, &spooled, &records) != 0)
		return 1;
	if (records) {
		grym_msg(&a->cli, "%s: records on stdin: --measure takes audio", name);
		grym_input_free(records);
		return 1;
	}
	if (grym_normalize_measure(path, &a->o, &r, &err) != GRYM_OK) {
		grym_report(&a->cli, name, &err);
		failed = 1;
	} else {
		print_measure(a, name, &r);
	}
	if (spooled)
		grym_tmp_release(path);
	return failed;
}

struct measure_list {
	app *a;
	int failed;
};

/* One file of a -0 list on stdin. */
static int measure_item(void *ud, const char *path)
{
	struct measure_list *l = ud;
	if (!strcmp(path, "-")) {
		grym_msg(&l->a->cli, "-: stdin holds the list; it cannot be an input too");
		l->failed = 1;
	} else {
		l->failed |= measure_one(l->a, path);
	}
	return 0;
}

static int do_measure(app *a, int nfiles, char **files)
{
	int failed = 0;

	if (!a->json && !a->cli.quiet)
		printf("%9s %7s %9s %9s %9s  %s\n", "LUFS", "LRA", "dBTP", "peak", "RMS", "FILE");
	if (nfiles == 0 && a->cli.null_sep) {
		/* -0: stdin is a NUL-separated list of files (find -print0) */
		struct measure_list l = { a, 0 };
		if (grym_cli_read_list(&a->cli, "-", measure_item, &l) != 0)
			l.failed = 1;
		return l.failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
	}
	if (nfiles == 0)
		failed = measure_one(a, "-");
	for (int i = 0; i < nfiles; i++)
		failed |= measure_one(a, files[i]);
	return failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
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

/* Catalog mode works in batches of records: the heads are read, the
 * assets normalized (by -j worker threads, each with its own catalog
 * handle), then the records written in input order. */
#define BATCH 64

typedef struct job {
	grym_record_head h;
	char id[GRYM_ID_LEN + 1];
	int rc, reused;
	grym_normalize_report rep;
	grym_error err;
} job;

typedef struct pool {
	app *a;
	const char *dir;
	job *jobs;
	int njobs;
	int next;               /* next job to take, under lock */
	pthread_mutex_t lock;
} pool;

static void run_job(app *a, grym_catalog *cat, job *j)
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
		j->rc = grym_normalize_asset(cat, full, &a->o, j->id, &j->reused, &j->rep, &j->err);
}

static void *worker(void *arg)
{
	pool *p = arg;
	grym_error err;
	grym_catalog *cat = grym_catalog_open(p->dir, &err);

	if (cat)
		grym_catalog_set_verify(cat, p->a->verify);
	for (;;) {
		int i;
		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->njobs)
			break;
		if (!cat) {
			p->jobs[i].rc = err.code;
			p->jobs[i].err = err;
			continue;
		}
		run_job(p->a, cat, &p->jobs[i]);
	}
	grym_catalog_close(cat);
	return NULL;
}

/* Normalize a batch; with jobs > 1 in threads. */
static void run_batch(app *a, const char *dir, grym_catalog *cat, job *jobs, int n)
{
	pool p = { a, dir, jobs, n, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[64];
	int nt = a->jobs < n ? a->jobs : n, started = 0;

	if (nt <= 1) {
		for (int i = 0; i < n; i++)
			run_job(a, cat, &jobs[i]);
		return;
	}
	for (int t = 0; t < nt; t++)
		if (pthread_create(&th[t], NULL, worker, &p) == 0)
			started++;
	if (started == 0)
		worker(&p);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* Normalize a batch of reference records and write their records out in
 * order. Sets *failed for an input that failed, *fatal when the output
 * cannot be written. */
static void flush_batch(app *a, const char *dir, grym_catalog **catp, job *jobs, int n,
			grym_stream_writer *w, const json_t *recipe, int *failed, int *fatal)
{
	grym_error err;
	grym_catalog *cat;

	if (n == 0)
		return;
	/* The catalog is opened at the first reference (audio records alone
	 * need none). */
	if (!*catp && !(*catp = grym_catalog_open(dir, &err))) {
		grym_report(&a->cli, dir, &err);
		*fatal = 1;
	}
	cat = *catp;
	if (cat)
		grym_catalog_set_verify(cat, a->verify);
	if (cat)
		run_batch(a, dir, cat, jobs, n);
	for (int i = 0; i < n; i++) {
		job *j = &jobs[i];
		grym_asset d;
		json_t *meta;
		/* messages name the file, not only the 64-hex asset id */
		char *name = grym_cli_item_name(j->h.key, j->h.meta);
		const char *nm = name ? name : j->h.key;

		if (!*fatal && j->rc != GRYM_OK) {
			grym_report(&a->cli, nm, &j->err);
			*failed = 1;
		} else if (!*fatal && j->rep.skipped) {
			say_report(a, nm, &j->rep);
		} else if (!*fatal) {
			if (j->reused)
				grym_verbose(&a->cli, "%s: reusing %s (same recipe)", nm, j->id);
			else
				say_report(a, nm, &j->rep);
			grym_asset_init(&d);
			if (grym_catalog_get_asset(cat, j->id, &d, &err) != GRYM_OK ||
			    !(meta = derived_meta(&j->h, &d, recipe, a->o.mode == GRYM_GAIN_LUFS &&
						  (j->reused ? short_asset(&d) : j->rep.in.short_clip)))) {
				grym_report(&a->cli, nm, &err);
				*failed = 1;
			} else {
				int rc = grym_stream_write_ref(w, j->id, meta, &err);
				json_decref(meta);
				if (rc != GRYM_OK) {
					grym_report(&a->cli, "stdout", &err);
					*fatal = 1;
				}
			}
			grym_asset_clear(&d);
		}
		free(name);
		grym_record_head_clear(&j->h);
		memset(j, 0, sizeof *j);
	}
}

/* Catalog mode: records or ids in, reference records of derived assets
 * out; audio records are normalized in place and come out as audio
 * records (no catalog involved). */
static int do_catalog(app *a, grym_input *in)
{
	char dir[4096];
	grym_error err;
	grym_catalog *cat = NULL;
	grym_stream_reader *rd = NULL;
	grym_stream_writer *w = NULL;
	grym_output *out = NULL;
	json_t *recipe = grym_normalize_recipe(&a->o);
	job *jobs = calloc(BATCH, sizeof *jobs);
	int failed = 0, fatal = 0, end = 0;

	if (!recipe || !jobs) {
		grym_msg(&a->cli, "out of memory");
		fatal = 1;
		goto done;
	}
	if (grym_cli_catalog_dir(&a->cli, dir, sizeof dir, &err) != GRYM_OK ||
	    !(rd = grym_stream_reader_new(in, &err)) ||
	    !(out = grym_output_open(a->output, &err)) ||
	    !(w = grym_stream_writer_new(out, a->text ? GRYM_STREAM_TEXT : GRYM_STREAM_BINARY, 0, &err))) {
		grym_report(&a->cli, "stdin", &err);
		fatal = 1;
		goto done;
	}
	while (!end && !fatal) {
		int n = 0;
		while (n < BATCH) {
			int rc = grym_stream_next(rd, &jobs[n].h, &err);
			if (rc == GRYM_ERR_EOF) {
				end = 1;
				break;
			}
			if (rc != GRYM_OK) {
				grym_report(&a->cli, "stdin", &err);
				failed = 1;
				end = 1;
				break;
			}
			if (jobs[n].h.kind == GRYM_PAYLOAD_AUDIO) {
				/* In order: what came before, then this record. */
				grym_normalize_report rep;
				grym_record_head h = jobs[n].h;
				memset(&jobs[n], 0, sizeof jobs[n]);
				flush_batch(a, dir, &cat, jobs, n, w, recipe, &failed, &fatal);
				n = 0;
				if (!fatal) {
					rc = grym_normalize_record(rd, &h, &a->o, recipe, w, &rep, &err);
					if (rc != GRYM_OK) {
						grym_report(&a->cli, h.key, &err);
						failed = 1;
					} else {
						say_report(a, h.key, &rep);
					}
				}
				grym_record_head_clear(&h);
				continue;
			}
			n++;
		}
		flush_batch(a, dir, &cat, jobs, n, w, recipe, &failed, &fatal);
	}
done:
	grym_stream_writer_free(w);
	if (out) {
		if (fatal)
			grym_output_abort(out);
		else if (grym_cli_finish_output(&a->cli, out, failed) != 0)
			fatal = 1;
	}
	grym_stream_reader_free(rd);
	grym_input_free(in);
	grym_catalog_close(cat);
	json_decref(recipe);
	free(jobs);
	return fatal || failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}

static int do_filter(app *a, const char *name)
{
	char path[4096];
	int spooled, rc;
	grym_input *records;
	grym_error err;
	grym_output *out;
	grym_normalize_report rep;

	/* Records in: -t is the type of the derived assets, -o the records
	 * out (its name says nothing of the audio type). */
	if (a->type)
		grym_file_type_choose(a->type, NULL, &a->o.type, NULL);
	if (resolve_input(a, name, path, sizeof path, &spooled, &records) != 0)
		return GRYM_EXIT_FAILED;
	if (records)
		return do_catalog(a, records);
	/* Audio out: -t, else -o's extension; never one type under another's
	 * name. */
	if (grym_file_type_choose(a->type, a->output, &a->o.type, &err) != GRYM_OK) {
		if (spooled)
			unlink(path);
		grym_usage_error(&a->cli, "%s: %s", a->output, err.msg);
	}
	out = grym_output_open(a->output, &err);
	if (!out) {
		grym_report(&a->cli, a->output, &err);
		if (spooled)
			grym_tmp_release(path);
		return GRYM_EXIT_FAILED;
	}
	rc = grym_normalize_file(path, &a->o, out, &rep, &err);
	if (spooled)
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

int main(int argc, char **argv)
{
	app a;
	int first;

	memset(&a, 0, sizeof a);
	a.jobs = 1;
	grym_normalize_opts_init(&a.o);
	a.o.cancel = &grym_cli_cancel;
	grym_cli_init(&a.cli, "grym-normalize", "[OPTION]... [FILE]",
		      "Measure and normalize loudness (EBU R128, peak, RMS); resample, mix, filter, trim, fade.",
		      options);
	first = grym_cli_parse(&a.cli, argc, argv, on_option, &a);
	/* The true-peak ceiling defaults to -1 dBTP with --lufs only. */
	if (!a.tp_set && a.o.mode != GRYM_GAIN_LUFS)
		a.o.true_peak = NAN;
	if (a.o.limit && isnan(a.o.true_peak))
		a.o.true_peak = -1.0;
	if (a.json && !a.measure)
		grym_usage_error(&a.cli, "--json goes with --measure");
	if (a.measure)
		return do_measure(&a, argc - first, argv + first);
	if (argc - first > 1)
		grym_usage_error(&a.cli, "one input at a time in filter mode (got %d)", argc - first);
	return do_filter(&a, argc - first == 1 ? argv[first] : "-");
}
