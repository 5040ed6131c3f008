/*
 * test_serve_jobs_synth.c — synth jobs of grym-serve's job runner
 * (grym/serve_jobs.h, lib/serve/jobs_synth.c) over a temporary catalog:
 * a generator job stores one source asset with the rate, length, recipe
 * and origin path asked for, whose id is the hash of the file grym-synth
 * writes for the same parameters (and a second run makes no second
 * asset); a dataset job stores its clips labelled by class; a transform
 * job over two assets (and over a selection of one) stores one derived
 * asset of each, the very assets and objects grym-synth transform
 * --store makes in a catalog of its own; a cloud's source given as an
 * id prefix is resolved; bad parameters and inputs are refused naming
 * the field; a dataset job cancelled mid-way leaves every asset row with
 * its object and exactly the assets its result lists.
 */
#include "tap.h"
#include "sine_wav.h"
#include "grym/catalog.h"
#include "grym/catalog_jobs.h"
#include "grym/hash.h"
#include "grym/serve_jobs.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *dir;
static char cat_dir[600];

/* Run a shell command in dir; the first tab-separated field of its
 * first output line into out (len bytes). 0 when it ran and said
 * something. */
static int run_first(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n = snprintf(cmd, sizeof cmd, "cd '%s' && ", dir);
	FILE *p;
	out[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	if (!(p = popen(cmd, "r")))
		return -1;
	if (!fgets(out, (int)len, p))
		out[0] = '\0';
	out[strcspn(out, "\t\n")] = '\0';
	if (pclose(p) != 0) {
		tap_diag("command failed: %s", cmd);
		return -1;
	}
	return out[0] ? 0 : -1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Job id as JSON (a new reference; NULL when the runner has no such job). */
static json_t *get_job(grym_jobs *jr, const char *id)
{
	grym_error err = { 0 };
	char *s = grym_jobs_get(jr, id, &err);
	json_t *j = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	return j;
}

static const char *state_of(json_t *j)
{
	const char *s = json_string_value(json_object_get(j, "state"));
	return s ? s : "";
}

static int final(const char *st)
{
	return st[0] && strcmp(st, "queued") && strcmp(st, "running");
}

/* The job once it is final (up to secs), as JSON (new reference). */
static json_t *wait_final(grym_jobs *jr, const char *id, double secs)
{
	for (int i = 0; i < secs * 200; i++) {
		json_t *j = get_job(jr, id);
		if (j && final(state_of(j)))
			return j;
		json_decref(j);
		sleep_ms(5);
	}
	return get_job(jr, id);
}

static int submit(grym_jobs *jr, const char *params, const char *inputs,
		  char id[GRYM_JOB_ID_LEN + 1], char field[64], grym_error *err)
{
	return grym_jobs_submit(jr, "synth", params, inputs, "tester", id, field, 64, err);
}

/* Submit and wait: the final job (new reference), NULL if refused. */
static json_t *run(grym_jobs *jr, const char *params, const char *inputs)
{
	grym_error err = { 0 };
	char id[GRYM_JOB_ID_LEN + 1], field[64];
	if (submit(jr, params, inputs, id, field, &err) != GRYM_OK) {
		tap_diag("refused (%s): %s", field, err.msg);
		return NULL;
	}
	json_t *j = wait_final(jr, id, 120);
	if (strcmp(state_of(j), "done"))
		tap_diag("job %s: %s", state_of(j), json_string_value(json_object_get(j, "error")) ?
			 json_string_value(json_object_get(j, "error")) : "");
	return j;
}

static json_t *result_assets(json_t *j)
{
	return json_object_get(json_object_get(j, "result"), "assets");
}

static const char *nth_asset(json_t *j, size_t i)
{
	const char *s = json_string_value(json_object_get(json_array_get(result_assets(j), i),
							  "asset"));
	return s ? s : "";
}

static int count_one(void *ud, const grym_asset *a)
{
	(void)a;
	(*(int *)ud)++;
	return 0;
}

static int count_assets(const char *catdir, const char *kind)
{
	grym_error err = { 0 };
	grym_catalog *c = grym_catalog_open(catdir, &err);
	grym_asset_query q = { .kind = kind };
	int n = 0;
	if (!c || grym_catalog_foreach_asset(c, &q, count_one, &n, &err) != GRYM_OK)
		n = -1;
	grym_catalog_close(c);
	return n;
}

/* Each asset's row and object, checked as a read would (its size) and
 * hashed in full. */
typedef struct objcheck {
	grym_catalog *c;
	int rows, ok;
} objcheck;

static int check_one(void *ud, const grym_asset *a)
{
	objcheck *k = ud;
	grym_error err = { 0 };
	k->rows++;
	if (grym_catalog_check_asset_object(k->c, a, &err) == GRYM_OK &&
	    grym_store_verify(grym_catalog_store(k->c), a->object, &err) == GRYM_OK)
		k->ok++;
	else
		tap_diag("asset %.12s: %s", a->id, err.msg);
	return 0;
}

static void fsck_line(void *ud, const char *line)
{
	(*(int *)ud)++;
	tap_diag("fsck: %s", line);
}

int main(void)
{
	grym_error err = { 0 };
	char id[GRYM_JOB_ID_LEN + 1], field[64], path[700], inputs[400], params[400];
	char src[2][80], want[80];
	grym_jobs *jr;
	grym_catalog *c;
	grym_asset a;
	json_t *j;

	tap_plan(54);
	dir = tap_tmpdir();
	snprintf(cat_dir, sizeof cat_dir, "%s/cat", dir);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/in%d.wav", dir, i);
		TAP_SETUP(tap_sine_wav(path, 330.0 * (i + 1), 16000));
		TAP_SETUP(run_first(src[i], sizeof src[i], "grym-ingest -q --text --label x%d "
				    "--catalog cat in%d.wav", i, i));
	}
	TAP_OK(grym_id_is_full(src[0]) && grym_id_is_full(src[1]), "two assets ingested");

	jr = grym_jobs_new(cat_dir, 2, 16, &err);
	TAP_OK(jr != NULL, "runner started (%s)", jr ? "" : err.msg);
	if (!jr)
		return tap_done();

	/* ---- a generator: one source asset ---- */
	const char *sine = "{\"generator\":\"sine\",\"freq\":440,\"duration\":0.5,\"rate\":16000,"
			   "\"level\":-12}";
	j = run(jr, sine, NULL);
	TAP_EQ_STR(state_of(j), "done", "sine job done");
	TAP_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "result"), "stored")), 1,
		   "result: one asset stored");
	TAP_EQ_INT(json_array_size(result_assets(j)), 1, "result: one asset listed");
	{
		json_t *e = json_array_get(result_assets(j), 0);
		TAP_OK(json_is_true(json_object_get(e, "created")) &&
		       json_integer_value(json_object_get(e, "frames")) == 8000,
		       "listed: created, 8000 frames");
	}
	snprintf(want, sizeof want, "%s", nth_asset(j, 0));
	json_decref(j);
	c = grym_catalog_open(cat_dir, &err);
	TAP_EQ_INT(c ? grym_catalog_get_asset(c, want, &a, &err) : -1, GRYM_OK,
		   "the asset is in the catalog");
	TAP_EQ_STR(a.kind, "source", "a source asset");
	TAP_OK(a.sample_rate == 16000 && a.channels == 1 && a.frames == 8000 &&
	       fabs(a.duration - 0.5) < 1e-9, "16000 Hz, mono, 8000 frames, 0.5 s (%d, %d, %lld, %g)",
	       a.sample_rate, a.channels, (long long)a.frames, a.duration);
	TAP_OK(a.format && !strcmp(a.format, "wav") && a.codec && !strcmp(a.codec, "pcm_s16le") &&
	       a.bits == 16, "a 16-bit WAV, as grym-synth writes by default (%s/%s/%d)",
	       a.format ? a.format : "", a.codec ? a.codec : "", a.bits);
	{
		json_t *r = json_object_get(a.meta, "recipe");
		json_t *seg = json_array_get(json_object_get(r, "segments"), 0);
		TAP_OK(!strcmp(json_string_value(json_object_get(r, "stage")) ?
			       json_string_value(json_object_get(r, "stage")) : "", "synth") &&
		       json_integer_value(json_object_get(r, "rate")) == 16000 &&
		       json_number_value(json_object_get(seg, "freq")) == 440 &&
		       json_number_value(json_object_get(seg, "level")) == -12,
		       "its metadata holds the recipe: synth, 16000 Hz, 440 Hz at -12 dBFS");
		TAP_EQ_STR(json_string_value(json_array_get(a.paths, 0)), "synth/sine.wav",
			   "origin path synth/sine.wav");
	}
	grym_asset_clear(&a);
	int ran = run_first(path, sizeof path, "grym-synth sine --freq 440 --duration 0.5 "
			    "--rate 16000 --level -12 -o sine.wav && sha256sum sine.wav | cut -d' ' -f1");
	TAP_OK(ran == 0 && !strcmp(path, want), "its id is the hash of grym-synth's file (%.12s, "
	       "%.12s)", want, path);
	/* the same again: the same asset, not a second one */
	int sources = count_assets(cat_dir, "source");
	j = run(jr, sine, "[]");
	TAP_OK(!strcmp(state_of(j), "done") && !strcmp(nth_asset(j, 0), want) &&
	       json_is_false(json_object_get(json_array_get(result_assets(j), 0), "created")),
	       "run again: done, the same asset, not created");
	json_decref(j);
	TAP_EQ_INT(count_assets(cat_dir, "source"), sources, "no second asset");

	/* another type and sample format, as -t and --bits write it */
	j = run(jr, "{\"generator\":\"noise\",\"color\":\"pink\",\"duration\":0.25,\"rate\":8000,"
		"\"type\":\"flac\",\"bits\":24,\"seed\":7}", "null");
	TAP_EQ_STR(state_of(j), "done", "pink noise as 24-bit FLAC: done");
	snprintf(want, sizeof want, "%s", nth_asset(j, 0));
	json_decref(j);
	ran = run_first(path, sizeof path, "grym-synth --seed 7 --bits 24 -t flac noise --color pink "
			"--duration 0.25 --rate 8000 -o n.flac && sha256sum n.flac | cut -d' ' -f1");
	TAP_OK(ran == 0 && !strcmp(path, want), "the hash of grym-synth's FLAC (%.12s, %.12s)", want,
	       path);
	TAP_EQ_INT(grym_catalog_get_asset(c, want, &a, &err), GRYM_OK, "in the catalog");
	TAP_OK(a.format && !strcmp(a.format, "flac") && a.bits == 24 && a.frames == 2000 &&
	       !strcmp(json_string_value(json_array_get(a.paths, 0)), "synth/noise.flac"),
	       "FLAC, 24 bits, 2000 frames, synth/noise.flac");
	grym_asset_clear(&a);

	/* ---- dataset: its clips, labelled by class ---- */
	j = run(jr, "{\"generator\":\"dataset\",\"classes\":2,\"per_class\":2,\"rate\":22050}", NULL);
	TAP_EQ_STR(state_of(j), "done", "dataset job done");
	TAP_EQ_INT(json_array_size(result_assets(j)), 4, "four clips listed");
	{
		int good = 0;
		for (size_t i = 0; i < 4; i++) {
			const char *cls = i < 2 ? "tone" : "chirp-up";
			char p[128];
			snprintf(p, sizeof p, "synth/%s/%s-%03zu.wav", cls, cls, i % 2);
			if (grym_catalog_get_asset(c, nth_asset(j, i), &a, &err) != GRYM_OK)
				continue;
			json_t *r = json_object_get(a.meta, "recipe");
			good += !strcmp(a.kind, "source") && a.sample_rate == 22050 &&
				!strcmp(json_string_value(json_array_get(a.labels, 0)) ?
					json_string_value(json_array_get(a.labels, 0)) : "", cls) &&
				!strcmp(json_string_value(json_array_get(a.paths, 0)), p) &&
				!strcmp(json_string_value(json_object_get(r, "generator")) ?
					json_string_value(json_object_get(r, "generator")) : "", "dataset") &&
				json_integer_value(json_object_get(r, "index")) == (json_int_t)(i % 2);
			grym_asset_clear(&a);
		}
		TAP_EQ_INT(good, 4, "each a source at 22050 Hz, labelled by its class, its path and "
			   "recipe (class, index)");
	}
	json_decref(j);

	/* ---- a transformation of two assets ---- */
	snprintf(inputs, sizeof inputs, "[\"%s\", \"%.10s\"]", src[0], src[1]);
	j = run(jr, "{\"generator\":\"stretch\",\"factor\":1.5,\"n_fft\":1024,\"hop\":256}", inputs);
	TAP_EQ_STR(state_of(j), "done", "stretch job on two assets done");
	{
		json_t *res = json_object_get(j, "result");
		TAP_OK(json_integer_value(json_object_get(res, "selected")) == 2 &&
		       json_integer_value(json_object_get(res, "inputs")) == 2 &&
		       json_integer_value(json_object_get(res, "stored")) == 2,
		       "two selected, two read, two stored");
	}
	char derived[2][80];
	int parents = 0;
	for (int i = 0; i < 2; i++) {
		snprintf(derived[i], sizeof derived[i], "%s", nth_asset(j, (size_t)i));
		if (grym_catalog_get_asset(c, derived[i], &a, &err) == GRYM_OK) {
			parents += !strcmp(a.kind, "derived") && !strcmp(a.parent, src[i]) && a.recipe &&
				   strstr(a.recipe, "\"stretch\"") && a.frames == 24000;
			grym_asset_clear(&a);
		}
		TAP_EQ_STR(json_string_value(json_object_get(json_array_get(result_assets(j), (size_t)i),
							     "input")), src[i], "listed with its input");
	}
	TAP_EQ_INT(parents, 2, "two derived assets, of each input in order, 1.5 times as long, "
		   "the recipe says stretch");
	json_decref(j);
	/* grym-synth transform --store in a catalog of its own: the same
	 * assets (id from parent and recipe) with the same objects (bytes) */
	{
		int same = 0;
		for (int i = 0; i < 2; i++) {
			char got[80], obj[2][80] = { "", "" };
			if (run_first(got, sizeof got, "grym-ingest -q --catalog cli in%d.wav >/dev/null && "
				      "grym-synth --catalog cli transform stretch --factor 1.5 --n-fft 1024 "
				      "--hop 256 --store %s", i, src[i]) != 0)
				continue;
			grym_catalog *cli;
			snprintf(path, sizeof path, "%s/cli", dir);
			if (grym_catalog_get_asset(c, derived[i], &a, &err) == GRYM_OK) {
				snprintf(obj[0], sizeof obj[0], "%s", a.object);
				grym_asset_clear(&a);
			}
			if ((cli = grym_catalog_open(path, &err)) != NULL &&
			    grym_catalog_get_asset(cli, got, &a, &err) == GRYM_OK) {
				snprintf(obj[1], sizeof obj[1], "%s", a.object);
				grym_asset_clear(&a);
			}
			grym_catalog_close(cli);
			same += !strcmp(got, derived[i]) && obj[0][0] && !strcmp(obj[0], obj[1]);
			if (strcmp(got, derived[i]) || strcmp(obj[0], obj[1]))
				tap_diag("input %d: job %.12s object %.12s, grym-synth %.12s object %.12s", i,
					 derived[i], obj[0], got, obj[1]);
		}
		TAP_EQ_INT(same, 2, "grym-synth transform --store makes the same two assets, byte for "
			   "byte");
	}

	/* one asset by a selection: the stage's one-input path */
	j = run(jr, "{\"generator\":\"reverse\"}", "{\"label\": \"x1\", \"kind\": \"source\"}");
	TAP_EQ_STR(state_of(j), "done", "reverse of a selection (one asset) done");
	TAP_OK(json_array_size(result_assets(j)) == 1 &&
	       grym_catalog_get_asset(c, nth_asset(j, 0), &a, &err) == GRYM_OK &&
	       !strcmp(a.parent, src[1]), "one derived asset of the asset labelled x1");
	grym_asset_clear(&a);
	json_decref(j);
	TAP_OK(run_first(path, sizeof path, "grym-synth --catalog cli transform reverse --store %s",
			 src[1]) == 0, "grym-synth reverses it in its catalog");
	j = run(jr, "{\"generator\":\"reverse\"}", "{\"label\": \"x1\", \"kind\": \"source\"}");
	TAP_EQ_STR(nth_asset(j, 0), path, "the same derived asset");
	json_decref(j);

	/* a generated asset (8 kHz FLAC) and an ingested one, transformed */
	{
		grym_asset b;
		snprintf(inputs, sizeof inputs, "[\"%s\", \"%s\"]", want, src[0]);
		j = run(jr, "{\"generator\":\"pitch\",\"semitones\":-3}", inputs);
		TAP_EQ_STR(state_of(j), "done", "pitch of a generated and an ingested asset done");
		TAP_OK(json_array_size(result_assets(j)) == 2 &&
		       grym_catalog_get_asset(c, nth_asset(j, 0), &b, &err) == GRYM_OK &&
		       !strcmp(b.parent, want) && b.sample_rate == 8000 && b.frames == 2000,
		       "the generated one's, at its rate and length");
		grym_asset_clear(&b);
		json_decref(j);
	}

	/* a cloud of grains from an asset named by a prefix */
	snprintf(params, sizeof params, "{\"generator\":\"cloud\",\"source\":\"%.10s\","
		 "\"duration\":0.2,\"rate\":16000}", src[0]);
	TAP_EQ_INT(submit(jr, params, NULL, id, field, &err), GRYM_OK, "cloud of an asset's grains "
		   "submitted");
	j = wait_final(jr, id, 60);
	TAP_EQ_STR(state_of(j), "done", "cloud job done");
	TAP_EQ_STR(json_string_value(json_object_get(json_object_get(j, "params"), "source")), src[0],
		   "its parameters were stored with the full id");
	TAP_OK(grym_catalog_get_asset(c, nth_asset(j, 0), &a, &err) == GRYM_OK && a.frames == 3200,
	       "one asset of 0.2 s");
	grym_asset_clear(&a);
	json_decref(j);

	/* ---- bad requests, naming the field ---- */
	static const struct {
		const char *params, *inputs, *field;
		int rc;
		const char *what;
	} bad[] = {
		{ "{\"generator\":\"sine\",\"freq\":-1}", NULL, "params.freq", GRYM_ERR_INVALID,
		  "a frequency out of range" },
		{ "{\"generator\":\"sine\",\"bogus\":1}", NULL, "params.bogus", GRYM_ERR_INVALID,
		  "an unknown parameter" },
		{ "{\"generator\":\"warble\"}", NULL, "params.generator", GRYM_ERR_INVALID,
		  "no such generator" },
		{ "{\"generator\":\"sine\",\"factor\":2}", NULL, "params.factor", GRYM_ERR_INVALID,
		  "a transformation's parameter on a generator" },
		{ "{\"generator\":\"sine\",\"then\":true}", NULL, "params.then", GRYM_ERR_INVALID,
		  "a command-line word (--then)" },
		{ "{\"generator\":\"sine\",\"output\":\"/tmp/x.wav\"}", NULL, "params.output",
		  GRYM_ERR_INVALID, "an output file" },
		{ "{\"generator\":\"sine\",\"bits\":20}", NULL, "params.bits", GRYM_ERR_INVALID,
		  "20 bits" },
		{ "{\"generator\":\"sine\",\"duration\":\"long\"}", NULL, "params.duration",
		  GRYM_ERR_INVALID, "a duration that is no number" },
		{ "[\"sine\"]", NULL, "params", GRYM_ERR_INVALID, "parameters not an object" },
		{ "{\"generator\":\"dataset\",\"per_class\":5000}", NULL, "params.per_class",
		  GRYM_ERR_LIMIT, "a dataset of 50000 clips" },
		{ "{\"generator\":\"dataset\",\"duration\":2}", NULL, "params.duration",
		  GRYM_ERR_INVALID, "a segment's parameter on dataset" },
		{ "{\"generator\":\"cloud\",\"source\":\"/etc/passwd\"}", NULL, "params.source",
		  GRYM_ERR_INVALID, "a cloud's source that is a server file" },
		{ "{\"generator\":\"cloud\",\"source\":\"abcdef0123\"}", NULL, "params.source",
		  GRYM_ERR_INVALID, "a cloud's source that is no asset" },
		{ "{\"generator\":\"sine\"}", "INPUT", "inputs", GRYM_ERR_INVALID,
		  "a generator with inputs" },
		{ "{\"generator\":\"stretch\"}", NULL, "inputs", GRYM_ERR_INVALID,
		  "a transformation without inputs" },
		{ "{\"generator\":\"stretch\"}", "[\"abcdef0123\"]", "inputs[0]", GRYM_ERR_NOTFOUND,
		  "a transformation of no asset" },
		{ "{\"generator\":\"stretch\",\"rate\":8000}", "INPUT", "params.rate", GRYM_ERR_INVALID,
		  "a transformation resampling" },
		{ "{\"generator\":\"reverse\",\"bits\":16}", "INPUT", "params.bits", GRYM_ERR_INVALID,
		  "a transformation's sample format" },
		{ "{\"generator\":\"stretch\",\"store\":false}", "INPUT", "params.store",
		  GRYM_ERR_INVALID, "a transformation not stored" },
		{ "{\"generator\":\"freeze\",\"factor\":3}", "INPUT", "params.factor",
		  GRYM_ERR_INVALID, "stretch's parameter on freeze" },
	};
	snprintf(inputs, sizeof inputs, "[\"%s\"]", src[0]);
	{
		int good = 0;
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const char *in = bad[i].inputs && !strcmp(bad[i].inputs, "INPUT") ? inputs
				       : bad[i].inputs;
			int rc = submit(jr, bad[i].params, in, id, field, &err);
			if (rc == bad[i].rc && !strcmp(field, bad[i].field) && !id[0])
				good++;
			else
				tap_diag("%s: got %d field '%s' (%s), want %d '%s'", bad[i].what, rc, field,
					 err.msg, bad[i].rc, bad[i].field);
		}
		TAP_EQ_INT(good, (int)(sizeof bad / sizeof bad[0]), "every bad request refused naming "
			   "its field");
	}
	TAP_EQ_INT(submit(jr, "{\"generator\":\"sine\",\"freq\":-1}", NULL, id, field, &err),
		   GRYM_ERR_INVALID, "freq -1 refused");
	TAP_OK(strstr(err.msg, "freq") && strstr(err.msg, "range"), "the message says so: %s",
	       err.msg);
	TAP_EQ_INT(submit(jr, "{\"generator\":\"sine\",\"factor\":2}", NULL, id, field, &err),
		   GRYM_ERR_INVALID, "factor on sine refused");
	TAP_OK(strstr(err.msg, "does not apply to sine") != NULL, "the message says so: %s",
	       err.msg);

	/* ---- cancelled mid-way: every row with its object ---- */
	{
		int before = count_assets(cat_dir, NULL), fsck_lines = 0;
		double progress = 0;
		TAP_EQ_INT(submit(jr, "{\"generator\":\"dataset\",\"classes\":10,\"per_class\":400,"
				  "\"rate\":16000}", NULL, id, field, &err), GRYM_OK,
			   "a dataset of 4000 clips submitted");
		/* cancel once some clips are stored */
		for (int i = 0; i < 12000; i++) {
			json_t *g = get_job(jr, id);
			progress = json_number_value(json_object_get(g, "progress"));
			int fin = final(state_of(g));
			json_decref(g);
			if (fin || progress >= 0.01)
				break;
			sleep_ms(5);
		}
		TAP_EQ_INT(grym_jobs_cancel(jr, id, &err), GRYM_OK, "cancelled at %.1f%%",
			   progress * 100);
		j = wait_final(jr, id, 60);
		TAP_EQ_STR(state_of(j), "cancelled", "the job is cancelled");
		int64_t stored = json_integer_value(json_object_get(json_object_get(j, "result"),
								   "stored"));
		int after = count_assets(cat_dir, NULL);
		TAP_OK(stored > 0 && stored < 4000, "some clips were stored before (%lld)",
		       (long long)stored);
		TAP_EQ_INT(after - before, stored, "the catalog has exactly the assets its result "
			   "counts");
		int listed_ok = 0;
		for (size_t i = 0; i < json_array_size(result_assets(j)); i++)
			if (grym_catalog_get_asset(c, nth_asset(j, i), &a, &err) == GRYM_OK) {
				listed_ok++;
				grym_asset_clear(&a);
			}
		TAP_EQ_INT(listed_ok, (int)stored, "each one listed is in the catalog");
		json_decref(j);
		objcheck k = { c, 0, 0 };
		grym_asset_query q = { 0 };
		int rc = grym_catalog_foreach_asset(c, &q, check_one, &k, &err);
		TAP_OK(rc == GRYM_OK && k.rows == after && k.ok == k.rows,
		       "every asset row has its object, whole (%d of %d)", k.ok, k.rows);
		grym_error_clear(&err);
		rc = grym_catalog_fsck(c, fsck_line, &fsck_lines, &err);
		TAP_OK(rc == GRYM_OK && fsck_lines == 0, "fsck: clean (%s)", err.msg);
	}

	/* a queued synth job is cancelled like any other, and re-run */
	{
		char id2[GRYM_JOB_ID_LEN + 1];
		TAP_EQ_INT(grym_jobs_rerun(jr, id, "again", id2, &err), GRYM_OK, "the dataset re-run");
		TAP_EQ_INT(grym_jobs_cancel(jr, id2, &err), GRYM_OK, "and cancelled");
		j = wait_final(jr, id2, 60);
		TAP_EQ_STR(state_of(j), "cancelled", "cancelled");
		json_decref(j);
	}
	grym_catalog_close(c);
	grym_jobs_free(jr);
	return tap_done();
}
