/*
 * test_stage_synth.c — the synth stage called as a library
 * (grym/stage_synth.h): a sine through a sink that collects its clips
 * has the frequency and peak its parameters ask for, sample for sample;
 * grym-synth writes the same samples for the same parameters; a cloud
 * whose grain source is missing is that input's failure; a dataset's
 * clips come in class order with their paths; a cancel flag set before
 * the call returns GRYM_ERR_CANCELLED with nothing handed on and nothing
 * stored in the catalog; several catalog ids queued as references (a
 * server's job) are one derived asset each, the ids grym-synth gives one
 * id at a time, a missing one that id's own failure.
 */
#include "tap.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/sources.h"
#include "grym/stage.h"
#include "grym/stage_synth.h"
#include "grym/synth_params.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A sink that keeps everything it is handed. */
typedef struct collect {
	int starts, begins, ends, ends_ok, stored, many;
	char keys[8][64], paths[8][128];
	char assets[8][GRYM_ID_LEN + 1];        /* stored */
	float *x;               /* the first clip's samples */
	int64_t n;              /* frames of it received */
	int rate, channels;
	int64_t frames;         /* as begin announced */
	char recipe_stage[32];
} collect;

static int c_start(void *ud, int many, grym_error *err)
{
	((collect *)ud)->many = many;
	((collect *)ud)->starts++;
	return GRYM_OK;
}

static int c_begin(void *ud, const grym_synth_clip *c, grym_error *err)
{
	collect *k = ud;
	if (k->begins < 8) {
		snprintf(k->keys[k->begins], sizeof k->keys[0], "%s", c->key);
		snprintf(k->paths[k->begins], sizeof k->paths[0], "%s", c->path ? c->path : "");
	}
	if (k->begins++ == 0) {
		json_t *st = json_object_get(json_object_get(c->meta, "recipe"), "stage");
		snprintf(k->recipe_stage, sizeof k->recipe_stage, "%s",
			 json_is_string(st) ? json_string_value(st) : "");
		k->rate = c->rate;
		k->channels = c->channels;
		k->frames = c->frames;
		k->x = malloc((size_t)(c->frames > 0 ? c->frames : 1) * (size_t)c->channels *
			      sizeof *k->x);
	}
	return GRYM_OK;
}

static int c_write(void *ud, const float *x, int64_t frames, grym_error *err)
{
	collect *k = ud;
	if (k->begins == 1 && k->n + frames <= k->frames) {
		memcpy(k->x + k->n * k->channels, x, (size_t)frames * (size_t)k->channels * sizeof *x);
		k->n += frames;
	}
	return GRYM_OK;
}

static int c_end(void *ud, int ok, grym_error *err)
{
	collect *k = ud;
	k->ends++;
	k->ends_ok += ok;
	return GRYM_OK;
}

static int c_stored(void *ud, const grym_synth_clip *c, grym_error *err)
{
	collect *k = ud;
	if (k->stored < 8)
		snprintf(k->assets[k->stored], sizeof k->assets[0], "%s", c->asset);
	k->stored++;
	return GRYM_OK;
}

static grym_synth_sink sink_of(collect *k)
{
	grym_synth_sink s = { k, c_start, c_begin, c_write, c_end, c_stored };
	return s;
}

typedef struct prog prog;
typedef struct fails {
	prog *prog;             /* may be NULL */
	int n;
	char input[256], msg[GRYM_ERROR_MSG_MAX];
} fails;

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	fails *f = ud;
	f->n++;
	snprintf(f->input, sizeof f->input, "%s", input ? input : "");
	snprintf(f->msg, sizeof f->msg, "%s", err->msg);
}

/* The last progress report. */
typedef struct prog {
	double done;
	uint64_t total;
} prog;

static void on_progress(void *ud, double done, uint64_t total, const char *msg)
{
	prog *p = ((fails *)ud)->prog;
	(void)msg;
	if (p) {
		p->done = done;
		p->total = total;
	}
}

static int sh(const char *dir, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n = snprintf(cmd, sizeof cmd, "cd '%s' && ", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		tap_diag("command failed (%d): %s", rc, cmd);
	return rc;
}

/* A job of one segment (kind) with the command's defaults. */
static void one_segment(grym_synth_stage_params *cmd, grym_synth_stage_params *w, int kind)
{
	grym_error err = { 0 };
	TAP_SETUP(grym_synth_stage_defaults(cmd, kind, &err));
	TAP_SETUP(grym_synth_stage_defaults(w, kind, &err));
}

static void test_sine(const char *dir)
{
	grym_synth_stage_params cmd, w;
	collect k = { 0 };
	grym_synth_sink s = sink_of(&k);
	grym_stage_env env = { 0 };
	grym_error err = { 0 };
	const double freq = 1000, level = -6, rate = 48000;
	const double amp = pow(10, level / 20);
	double maxdev = 0, peak = 0;
	int rc;

	one_segment(&cmd, &w, GRYM_SYNTH_SINE);
	w.seg.freq = freq;
	w.seg.level = level;
	w.seg.duration = 0.1;
	grym_synth_job job = { .cmd = &cmd, .words = &w, .nwords = 1 };
	rc = grym_stage_synth(&env, NULL, &job, &s, &err);
	TAP_OK(rc == GRYM_OK, "sine: the stage succeeds (%s)", err.msg);
	TAP_OK(k.starts == 1 && k.begins == 1 && k.ends == 1 && k.ends_ok == 1 && k.stored == 0,
	       "sine: one clip, begun and ended ok once");
	TAP_OK(!strcmp(k.keys[0], "sine") && !strcmp(k.recipe_stage, "synth"),
	       "sine: keyed by its generator, recipe of the synth stage");
	TAP_OK(k.rate == 48000 && k.channels == 1 && k.frames == 4800 && k.n == 4800,
	       "sine: 0.1 s at 48000 Hz mono = 4800 frames (got %lld of %lld)",
	       (long long)k.n, (long long)k.frames);
	for (int64_t i = 0; k.x && i < k.n; i++) {
		double want = amp * sin(2 * M_PI * freq * (double)i / rate);
		maxdev = fmax(maxdev, fabs(k.x[i] - want));
		peak = fmax(peak, fabs(k.x[i]));
	}
	TAP_OK(maxdev < 1e-6, "sine: every sample is %.4f sin(2 pi 1000 t) (max deviation %g)", amp,
	       maxdev);
	TAP_OK(fabs(peak - amp) < 1e-6, "sine: peak %.6f is -6 dBFS", peak);
	/* zero crossings upwards: 1000 Hz for 0.1 s is 100 of them */
	int up = 0;
	for (int64_t i = 1; k.x && i < k.n; i++)
		up += k.x[i - 1] < 0 && k.x[i] >= 0;
	TAP_OK(up == 99 || up == 100, "sine: %d upward crossings in 0.1 s (1000 Hz)", up);

	/* grym-synth writes the same samples (32-bit float: bit for bit) */
	char path[4096], a[GRYM_ID_LEN + 1], b[GRYM_ID_LEN + 1];
	grym_audio au = { 0 };
	grym_decode_opts dopt = { 0 };
	TAP_OK(sh(dir, "grym-synth sine --freq 1000 --level -6 --duration 0.1 --bits 32f "
		  "-o sine.wav") == 0, "grym-synth writes the same sine");
	snprintf(path, sizeof path, "%s/sine.wav", dir);
	rc = grym_audio_decode_file(path, &dopt, &au, NULL, &err);
	grym_sha256_hex(k.x, (size_t)k.n * sizeof *k.x, a);
	if (rc == GRYM_OK)
		grym_sha256_hex(au.data, (size_t)au.frames * (size_t)au.channels * sizeof *au.data, b);
	TAP_OK(rc == GRYM_OK && au.frames == k.n && !strcmp(a, b),
	       "the stage's samples and grym-synth's have one checksum (%.12s, %.12s)", a,
	       rc == GRYM_OK ? b : err.msg);
	grym_audio_clear(&au);
	free(k.x);
	grym_schema_clear(grym_synth_schema(), &cmd);
	grym_schema_clear(grym_synth_schema(), &w);
}

static void test_failed_source(void)
{
	grym_synth_stage_params cmd, w;
	collect k = { 0 };
	grym_synth_sink s = sink_of(&k);
	fails f = { 0 };
	grym_stage_env env = { .failed = on_failed, .ud = &f };
	grym_error err = { 0 };

	one_segment(&cmd, &w, GRYM_SYNTH_CLOUD);
	w.source = strdup("/nonexistent/nope.wav");
	grym_synth_job job = { .cmd = &cmd, .words = &w, .nwords = 1 };
	int rc = grym_stage_synth(&env, NULL, &job, &s, &err);
	TAP_OK(rc == GRYM_OK && env.nfailed == 1 && f.n == 1 &&
	       !strcmp(f.input, "/nonexistent/nope.wav"),
	       "a missing grain source is that input's failure (%s: %s)", f.input, f.msg);
	TAP_OK(k.begins == 0 && k.starts == 0, "nothing is made without its source");
	grym_schema_clear(grym_synth_schema(), &cmd);
	grym_schema_clear(grym_synth_schema(), &w);
}

static void test_dataset(void)
{
	grym_synth_stage_params cmd;
	collect k = { 0 };
	grym_synth_sink s = sink_of(&k);
	grym_stage_env env = { 0 };
	grym_error err = { 0 };

	TAP_SETUP(grym_synth_stage_defaults(&cmd, GRYM_SYNTH_WORD_DATASET, &err));
	cmd.classes = 2;
	cmd.per_class = 2;
	cmd.rate = 16000;
	grym_synth_job job = { .cmd = &cmd, .operand = "d" };
	int rc = grym_stage_synth(&env, NULL, &job, &s, &err);
	TAP_OK(rc == GRYM_OK && k.starts == 1 && k.begins == 4 && k.ends_ok == 4,
	       "dataset: 2 x 2 clips (%s)", err.msg);
	TAP_OK(!strcmp(k.keys[0], "tone-000") && !strcmp(k.keys[1], "tone-001") &&
	       !strcmp(k.keys[2], "chirp-up-000") && !strcmp(k.paths[3], "d/chirp-up/chirp-up-001.wav"),
	       "dataset: in class order, with their paths (%s, %s)", k.keys[2], k.paths[3]);
	TAP_OK(k.rate == 16000, "dataset: at the command's rate");
	free(k.x);
	grym_schema_clear(grym_synth_schema(), &cmd);
}

static int count_one(void *ud, const grym_asset *a)
{
	(*(int *)ud)++;
	return 0;
}

static int count_assets(const char *catdir)
{
	grym_error err = { 0 };
	grym_catalog *cat = grym_catalog_open(catdir, &err);
	grym_asset_query q = { 0 };
	int n = 0;
	if (!cat || grym_catalog_foreach_asset(cat, &q, count_one, &n, &err) != GRYM_OK)
		n = -1;
	grym_catalog_close(cat);
	return n;
}

static void test_cancel(const char *dir)
{
	grym_synth_stage_params cmd, w;
	collect k = { 0 };
	grym_synth_sink s = sink_of(&k);
	volatile sig_atomic_t cancel = 1;
	grym_stage_env env = { .cancel = &cancel };
	grym_error err = { 0 };
	char catdir[4096];
	int rc;

	/* a generator: nothing reaches the sink */
	one_segment(&cmd, &w, GRYM_SYNTH_SINE);
	grym_synth_job job = { .cmd = &cmd, .words = &w, .nwords = 1 };
	rc = grym_stage_synth(&env, NULL, &job, &s, &err);
	TAP_OK(rc == GRYM_ERR_CANCELLED && k.begins == 0,
	       "cancelled before the start: GRYM_ERR_CANCELLED, no clip (rc %d)", rc);
	grym_schema_clear(grym_synth_schema(), &cmd);
	grym_schema_clear(grym_synth_schema(), &w);

	/* transform --store of a catalog asset: no asset stored */
	snprintf(catdir, sizeof catdir, "%s/cat", dir);
	TAP_OK(sh(dir, "grym-ingest -q --catalog cat sine.wav >/dev/null && "
		  "grym-catalog --catalog cat ls | cut -f1 >id.txt") == 0, "an asset ingested");
	int before = count_assets(catdir);
	char id[80] = "", path[4096];
	snprintf(path, sizeof path, "%s/id.txt", dir);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fgets(id, sizeof id, f))
			id[strcspn(id, "\t\n")] = 0;
		fclose(f);
	}
	int word = GRYM_SYNTH_WORD_XFORM(GRYM_XFORM_REVERSE);
	TAP_SETUP(grym_synth_stage_defaults(&cmd, word, &err));
	TAP_SETUP(grym_synth_stage_defaults(&w, word, &err));
	cmd.store = 1;
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS | GRYM_SOURCES_ID_OPERANDS };
	grym_sources *src = grym_sources_new(&so, &err);
	memset(&k, 0, sizeof k);
	env.catalog_dir = catdir;
	if (src && id[0] && grym_sources_add(src, id, &err) >= 0) {
		grym_synth_job tj = { .cmd = &cmd, .words = &w, .nwords = 1, .operand = id };
		rc = grym_stage_synth(&env, src, &tj, &s, &err);
	} else {
		rc = GRYM_ERR_INTERNAL;
	}
	TAP_OK(before == 1 && rc == GRYM_ERR_CANCELLED && k.stored == 0 && k.begins == 0,
	       "transform --store cancelled: GRYM_ERR_CANCELLED, nothing handed on (rc %d, id '%s')",
	       rc, id);
	TAP_OK(count_assets(catdir) == 1, "transform --store cancelled: no asset stored");
	/* and without the flag the same call stores one */
	cancel = 0;
	grym_sources_free(src);
	src = grym_sources_new(&so, &err);
	if (src && id[0] && grym_sources_add(src, id, &err) >= 0) {
		grym_synth_job tj = { .cmd = &cmd, .words = &w, .nwords = 1, .operand = id };
		rc = grym_stage_synth(&env, src, &tj, &s, &err);
	}
	TAP_OK(rc == GRYM_OK && k.stored == 1 && count_assets(catdir) == 2,
	       "transform --store: one derived asset (%s)", err.msg);
	grym_sources_free(src);
	grym_schema_clear(grym_synth_schema(), &cmd);
	grym_schema_clear(grym_synth_schema(), &w);
}

/* The first line of a file, its first field (an id). */
static void read_id(const char *dir, const char *name, char *id, size_t len)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	id[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(id, (int)len, f))
			id[strcspn(id, "\t\n")] = '\0';
		fclose(f);
	}
}

static void test_refs(const char *dir)
{
	grym_synth_stage_params cmd, w;
	collect k = { 0 };
	grym_synth_sink s = sink_of(&k);
	fails f = { 0 };
	grym_error err = { 0 };
	char catdir[4096], a[80], b[80], da[80], db[80];
	int word = GRYM_SYNTH_WORD_XFORM(GRYM_XFORM_STRETCH), rc = GRYM_ERR_INTERNAL;

	snprintf(catdir, sizeof catdir, "%s/refs", dir);
	TAP_OK(sh(dir, "grym-synth noise --duration 0.3 -o noise.wav && "
		  "grym-ingest -q --text --catalog refs sine.wav | cut -f1 >a.txt && "
		  "grym-ingest -q --text --catalog refs noise.wav | cut -f1 >b.txt") == 0,
	       "two assets ingested");
	read_id(dir, "a.txt", a, sizeof a);
	read_id(dir, "b.txt", b, sizeof b);
	TAP_SETUP(grym_synth_stage_defaults(&cmd, word, &err));
	TAP_SETUP(grym_synth_stage_defaults(&w, word, &err));
	cmd.store = 1;
	w.xf.factor = 1.5;
	prog pr = { -1, 0 };
	grym_stage_env env = { .catalog_dir = catdir, .failed = on_failed, .progress = on_progress,
			       .ud = &f, .total = 3 };
	f.prog = &pr;
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS };
	grym_sources *src = grym_sources_new(&so, &err);
	/* the second reference names no asset: its own failure */
	if (src && grym_sources_add_ref(src, a, &err) == GRYM_OK &&
	    grym_sources_add_ref(src, "abcd0000", &err) == GRYM_OK &&
	    grym_sources_add_ref(src, b, &err) == GRYM_OK) {
		grym_synth_job job = { .cmd = &cmd, .words = &w, .nwords = 1, .operand = "-" };
		rc = grym_stage_synth(&env, src, &job, &s, &err);
	}
	grym_sources_free(src);
	TAP_OK(rc == GRYM_OK && k.starts == 1 && k.many == 1 && k.stored == 2 && k.begins == 0,
	       "three references in one call: a stream, two derived assets stored (rc %d, %d "
	       "stored: %s)", rc, k.stored, err.msg);
	TAP_OK(env.ninputs == 3 && env.nfailed == 1 && f.n == 1 && !strcmp(f.input, "abcd0000"),
	       "the missing one is its own failure (%s: %s)", f.input, f.msg);
	TAP_OK(pr.done == 3 && pr.total == 3, "progress ends at 3 of the 3 the caller expected "
	       "(%g of %llu)", pr.done, (unsigned long long)pr.total);
	/* grym-synth, one id at a time, names the same assets */
	TAP_OK(sh(dir, "grym-synth --catalog refs transform stretch --factor 1.5 --store %s >da.txt "
		  "&& grym-synth --catalog refs transform stretch --factor 1.5 --store %s >db.txt",
		  a, b) == 0, "grym-synth stores each on its own");
	read_id(dir, "da.txt", da, sizeof da);
	read_id(dir, "db.txt", db, sizeof db);
	TAP_OK(da[0] && db[0] && !strcmp(k.assets[0], da) && !strcmp(k.assets[1], db),
	       "the same derived ids, in input order (%.12s %.12s / %.12s %.12s)", k.assets[0],
	       k.assets[1], da, db);
	TAP_EQ_INT(count_assets(catdir), 4, "two sources and two derived assets, none twice");
	grym_schema_clear(grym_synth_schema(), &cmd);
	grym_schema_clear(grym_synth_schema(), &w);
}

int main(void)
{
	const char *dir = tap_tmpdir();
	tap_plan(26);
	test_sine(dir);
	test_failed_source();
	test_dataset();
	test_cancel(dir);
	test_refs(dir);
	return tap_done();
}
