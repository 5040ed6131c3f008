/*
 * test_serve_jobs.c — grym-serve's job runner (grym/serve_jobs.h) over a
 * temporary catalog of generated WAV assets: features and normalize
 * jobs to done with the rows they made and the events seen (queued,
 * running, done; progress never backwards, in [0, 1]); a bad parameter
 * refused naming its field; the queue full; a queued job cancelled at
 * once and a running one (a long file) cancelled with nothing left in
 * the catalog; the jobs of a dead server marked interrupted by the next
 * runner, and re-run; pages of the list with a cursor; a runner freed
 * while a job runs marking it cancelled.
 */
#include "tap.h"
#include "sine_wav.h"
#include "grym/catalog.h"
#include "grym/catalog_jobs.h"
#include "grym/serve_jobs.h"
#include "grym/stage_ingest.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static char cat_dir[600];

/* ---- ingest ---- */

typedef struct ingested {
	int n;
	char id[8][GRYM_ID_LEN + 1];
} ingested;

static int on_asset(void *ud, const grym_ingest_result *r, grym_error *err)
{
	ingested *g = ud;
	(void)err;
	if (r->status == GRYM_OK && g->n < 8)
		snprintf(g->id[g->n++], sizeof g->id[0], "%s", r->id);
	return 0;
}

static int ingest(const char *path, const char *params, ingested *g)
{
	grym_error err = { 0 };
	grym_ingest_params prm;
	grym_sources *src = grym_sources_new(NULL, &err);
	grym_stage_env env = { .catalog_dir = cat_dir, .jobs = 1 };
	grym_ingest_sink sink = { .ud = g, .write = on_asset };
	int rc;
	if (!src || grym_schema_defaults(grym_ingest_schema(), &prm, &err) != GRYM_OK)
		return -1;
	if (grym_schema_set_json(grym_ingest_schema(), &prm, params, &err) != GRYM_OK ||
	    grym_sources_add(src, path, &err) != GRYM_OK) {
		tap_diag("ingest: %s", err.msg);
		rc = -1;
	} else {
		rc = grym_stage_ingest(&env, src, &prm, &sink, &err);
	}
	grym_sources_free(src);
	grym_schema_clear(grym_ingest_schema(), &prm);
	return rc;
}

/* ---- events ---- */

#define MAX_EVENTS 4096
typedef struct ev {
	char id[GRYM_JOB_ID_LEN + 1];
	char state[16];
	double progress;
} ev;

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static ev events[MAX_EVENTS];
static int nevents, bad_events;
static grym_jobs *event_runner;  /* the callback asks it for the job too */

static void on_event(void *ud, const char *id, const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	const char *st = json_string_value(json_object_get(j, "state"));
	const char *jid = json_string_value(json_object_get(j, "id"));
	grym_error err = { 0 };
	/* the runner may be called from its own callback (no lock held) */
	char *again = event_runner ? grym_jobs_get(event_runner, id, &err) : NULL;
	pthread_mutex_lock(&ev_lock);
	if (!st || !jid || strcmp(jid, id) || ud != (void *)&events || (event_runner && !again))
		bad_events++;
	else if (nevents < MAX_EVENTS) {
		snprintf(events[nevents].id, sizeof events[0].id, "%s", id);
		snprintf(events[nevents].state, sizeof events[0].state, "%s", st);
		events[nevents].progress = json_number_value(json_object_get(j, "progress"));
		nevents++;
	}
	pthread_mutex_unlock(&ev_lock);
	free(again);
	json_decref(j);
}

/* The events of job id: their count; first and last state; whether the
 * progress never went back and stayed in [0, 1]; whether "running" came
 * right after "queued". */
typedef struct ev_summary {
	int n;
	char first[16], second[16], last[16];
	int monotonic, in_range, after_final;
} ev_summary;

static ev_summary summarize(const char *id)
{
	ev_summary s = { 0 };
	double last = 0;
	int final = 0;
	s.monotonic = s.in_range = 1;
	pthread_mutex_lock(&ev_lock);
	for (int i = 0; i < nevents; i++) {
		if (strcmp(events[i].id, id))
			continue;
		if (final)
			s.after_final = 1;
		if (s.n == 0)
			snprintf(s.first, sizeof s.first, "%s", events[i].state);
		if (s.n == 1)
			snprintf(s.second, sizeof s.second, "%s", events[i].state);
		snprintf(s.last, sizeof s.last, "%s", events[i].state);
		if (events[i].progress < last)
			s.monotonic = 0;
		if (!(events[i].progress >= 0 && events[i].progress <= 1))
			s.in_range = 0;
		last = events[i].progress;
		final = strcmp(events[i].state, "queued") && strcmp(events[i].state, "running");
		s.n++;
	}
	pthread_mutex_unlock(&ev_lock);
	return s;
}

/* ---- polling ---- */

static void sleep_ms(int ms);

/* The events of job id once its final one came (the state is seen by
 * get a moment before the callback is called), or after secs. */
static ev_summary summarize_final(const char *id, double secs)
{
	ev_summary s;
	for (int i = 0; i < secs * 200; i++) {
		s = summarize(id);
		if (strcmp(s.last, "queued") && strcmp(s.last, "running") && s.last[0])
			break;
		sleep_ms(5);
	}
	return s;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
	return json_string_value(json_object_get(j, "state"));
}

/* Wait (up to secs) until job id is in one of the states "a|b|c";
 * returns its JSON (new reference) or NULL. */
static json_t *wait_state(grym_jobs *jr, const char *id, const char *states, double secs)
{
	double end = now_s() + secs;
	for (;;) {
		json_t *j = get_job(jr, id);
		const char *st = state_of(j);
		if (st) {
			char want[80];
			snprintf(want, sizeof want, "|%s|", states);
			char have[24];
			snprintf(have, sizeof have, "|%s|", st);
			if (strstr(want, have))
				return j;
		}
		json_decref(j);
		if (now_s() > end)
			return NULL;
		sleep_ms(5);
	}
}

static int submit(grym_jobs *jr, const char *stage, const char *params, const char *inputs,
		  char id[GRYM_JOB_ID_LEN + 1], char *field, grym_error *err)
{
	char f[64];
	return grym_jobs_submit(jr, stage, params, inputs, "tester", id, field ? field : f, 64, err);
}

/* Feature sets and objects in the catalog now. */
static int counts(int64_t *features, int64_t *objects)
{
	grym_error err = { 0 };
	grym_catalog_stats st;
	grym_catalog *c = grym_catalog_open(cat_dir, &err);
	int rc = c ? grym_catalog_stats_get(c, &st, &err) : -1;
	grym_catalog_close(c);
	if (rc != GRYM_OK)
		return -1;
	*features = st.features;
	*objects = st.objects;
	return 0;
}

int main(void)
{
	grym_error err = { 0 };
	char id[GRYM_JOB_ID_LEN + 1], id2[GRYM_JOB_ID_LEN + 1], id3[GRYM_JOB_ID_LEN + 1];
	char field[64], path[700], inputs[400];
	ingested short_ = { 0 }, long_ = { 0 };
	grym_jobs *jr;
	json_t *j;

	tap_plan(98);
	dir = tap_tmpdir();
	snprintf(cat_dir, sizeof cat_dir, "%s/cat", dir);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/short%d.wav", dir, i);
		TAP_SETUP(tap_sine_wav(path, 220.0 * (i + 1), 16000));
		TAP_SETUP(ingest(path, "{\"label\":[\"x\"]}", &short_));
	}
	snprintf(path, sizeof path, "%s/long.wav", dir);
	TAP_SETUP(tap_sine_wav(path, 440.0, 16000 * 600));      /* ten minutes */
	TAP_SETUP(ingest(path, "{\"label\":[\"long\"]}", &long_));
	TAP_EQ_INT(short_.n * 10 + long_.n, 31, "three short assets and a long one ingested");

	/* ---- the server identity ---- */
	char self[GRYM_JOB_SERVER_MAX], dead[GRYM_JOB_SERVER_MAX + 32];
	TAP_EQ_INT(grym_job_server_self(self, sizeof self, &err), GRYM_OK, "this process as a server");
	TAP_EQ_INT(grym_job_server_alive(self), 1, "this process is alive");
	/* the same boot and pid, another start time: a pid reused */
	{
		char *last = strrchr(self, ':');
		snprintf(dead, sizeof dead, "%.*s:1", (int)(last - self), self);
	}
	TAP_EQ_INT(grym_job_server_alive(dead), 0, "a reused pid with another start time is dead");
	TAP_EQ_INT(grym_job_server_alive("garbage"), 0, "text that is no server is not alive");

	/* ---- a runner: one worker, one job may wait ---- */
	TAP_OK(grym_jobs_new(cat_dir, 0, 1, &err) == NULL && err.code == GRYM_ERR_INVALID,
	       "0 workers refused");
	jr = grym_jobs_new(cat_dir, 1, 1, &err);
	TAP_OK(jr != NULL, "runner started (%s)", jr ? "" : err.msg);
	if (!jr)
		return tap_done();
	grym_jobs_set_events(jr, on_event, &events);
	event_runner = jr;

	/* features of two assets, to done */
	snprintf(inputs, sizeof inputs, "[\"%s\", \"%.12s\"]", short_.id[0], short_.id[1]);
	TAP_EQ_INT(submit(jr, "features", "{\"features\":[\"mfcc\",\"rms\"]}", inputs, id, field, &err),
		   GRYM_OK, "features job submitted (id prefix taken)");
	TAP_OK(grym_job_id_valid(id), "its id is a job id");
	j = wait_state(jr, id, "done|failed|cancelled", 60);
	TAP_EQ_STR(state_of(j), "done", "features job done");
	{
		json_t *res = json_object_get(j, "result"), *sets = json_object_get(res, "feature_sets");
		json_t *inp = json_object_get(j, "inputs");
		TAP_EQ_INT(json_integer_value(json_object_get(res, "inputs")), 2, "result: two inputs");
		TAP_EQ_INT(json_integer_value(json_object_get(res, "failed")), 0, "result: none failed");
		TAP_EQ_INT(json_array_size(sets), 2, "result: feature sets of two assets");
		TAP_EQ_STR(json_string_value(json_array_get(inp, 1)), short_.id[1],
			   "the prefix was stored as the full id");
		TAP_EQ_INT(json_real_value(json_object_get(j, "progress")) == 1.0, 1, "progress 1 when done");
		TAP_EQ_STR(json_string_value(json_object_get(j, "owner")), "tester", "owner kept");
		/* every id named is a stored feature set of that asset */
		int found = 0, want = 0;
		grym_catalog *c = grym_catalog_open(cat_dir, &err);
		for (size_t i = 0; c && i < json_array_size(sets); i++) {
			json_t *s = json_array_get(sets, i), *ids = json_object_get(s, "ids");
			for (size_t k = 0; k < json_array_size(ids); k++) {
				grym_feature_set fs;
				want++;
				if (grym_catalog_get_features(c, json_string_value(json_array_get(ids, k)), &fs,
							      &err) == GRYM_OK &&
				    !strcmp(fs.asset, json_string_value(json_object_get(s, "asset"))))
					found++;
				grym_feature_set_clear(&fs);
			}
		}
		grym_catalog_close(c);
		TAP_EQ_INT(want * 10 + found, 44, "the four feature sets named are in the catalog");
	}
	json_decref(j);
	{
		ev_summary s = summarize_final(id, 10);
		TAP_EQ_STR(s.first, "queued", "first event: queued");
		TAP_EQ_STR(s.second, "running", "then running");
		TAP_EQ_STR(s.last, "done", "last event: done");
		TAP_OK(s.monotonic && s.in_range && !s.after_final,
		       "progress never back, in [0, 1], nothing after done (%d events)", s.n);
	}

	/* normalize by a selection, to done: a derived asset of each */
	TAP_EQ_INT(submit(jr, "normalize", "{\"lufs\": -20}", "{\"label\": \"x\"}", id, field, &err),
		   GRYM_OK, "normalize job by label submitted");
	j = wait_state(jr, id, "done|failed|cancelled", 60);
	TAP_EQ_STR(state_of(j), "done", "normalize job done");
	{
		json_t *res = json_object_get(j, "result"), *as = json_object_get(res, "assets");
		int derived = 0;
		grym_catalog *c = grym_catalog_open(cat_dir, &err);
		TAP_EQ_INT(json_integer_value(json_object_get(res, "selected")), 3, "three assets selected");
		TAP_EQ_INT(json_array_size(as), 3, "three results");
		for (size_t i = 0; c && i < json_array_size(as); i++) {
			grym_asset a;
			const char *aid = json_string_value(json_object_get(json_array_get(as, i), "asset"));
			if (aid && grym_catalog_get_asset(c, aid, &a, &err) == GRYM_OK) {
				derived += !strcmp(a.kind, "derived") && !strcmp(a.parent, short_.id[i]);
				grym_asset_clear(&a);
			}
		}
		grym_catalog_close(c);
		TAP_EQ_INT(derived, 3, "each a derived asset of its source, in input order");
	}
	json_decref(j);
	{
		ev_summary s = summarize_final(id, 10);
		TAP_OK(!strcmp(s.first, "queued") && !strcmp(s.last, "done") && s.monotonic && s.in_range,
		       "normalize events: queued .. done, progress monotonic in [0, 1]");
	}

	/* every input failing its own way (mel above a 16 kHz asset's
	 * Nyquist): the job fails, each failure in the result */
	snprintf(inputs, sizeof inputs, "[\"%s\", \"%s\"]", short_.id[0], short_.id[1]);
	TAP_EQ_INT(submit(jr, "features", "{\"features\":[\"mel\"], \"fmax\": 12000}", inputs, id,
			  field, &err), GRYM_OK, "mel to 12 kHz submitted (checked per input)");
	j = wait_state(jr, id, "done|failed|cancelled", 60);
	TAP_EQ_STR(state_of(j), "failed", "every input failed: the job failed");
	{
		const char *e = json_string_value(json_object_get(j, "error"));
		json_t *res = json_object_get(j, "result"), *f = json_object_get(res, "failures");
		TAP_OK(e && strstr(e, "every input failed (2)") && strstr(e, "8000 Hz"),
		       "its error says so with the first one's reason (%s)", e ? e : "");
		TAP_EQ_INT(json_integer_value(json_object_get(res, "failed")) * 10 +
			   (long long)json_array_size(f), 22, "two failures in the result");
		const char *in = json_string_value(json_object_get(json_array_get(f, 1), "input"));
		TAP_OK(in && strstr(in, "short1.wav"), "each names its input by file (%s)", in ? in : "");
	}
	json_decref(j);

	/* bad requests, naming the field */
	TAP_EQ_INT(submit(jr, "features", "{\"n_fft\": 1}", inputs, id, field, &err), GRYM_ERR_INVALID,
		   "n_fft 1 refused");
	TAP_EQ_STR(field, "params.n_fft", "field params.n_fft");
	TAP_OK(strstr(err.msg, "n_fft") != NULL, "message names it: %s", err.msg);
	TAP_EQ_INT(submit(jr, "features", "{\"bogus\": true}", inputs, id, field, &err),
		   GRYM_ERR_INVALID, "unknown parameter refused");
	TAP_EQ_STR(field, "params.bogus", "field params.bogus");
	TAP_EQ_INT(submit(jr, "features", "{\"output\": \"/etc/x\"}", inputs, id, field, &err),
		   GRYM_ERR_INVALID, "a command-line parameter (output file) refused");
	TAP_EQ_STR(field, "params.output", "field params.output");
	TAP_EQ_INT(submit(jr, "features", "[1]", inputs, id, field, &err), GRYM_ERR_INVALID,
		   "params not an object refused");
	TAP_EQ_STR(field, "params", "field params");
	TAP_EQ_INT(submit(jr, "dance", "{}", inputs, id, field, &err), GRYM_ERR_INVALID,
		   "unknown stage refused");
	TAP_EQ_STR(field, "stage", "field stage");
	snprintf(inputs, sizeof inputs, "[\"%s\", \"%s\"]", short_.id[0], "abcdef0123");
	TAP_EQ_INT(submit(jr, "features", "{}", inputs, id, field, &err), GRYM_ERR_NOTFOUND,
		   "unknown asset refused");
	TAP_EQ_STR(field, "inputs[1]", "field inputs[1]");
	TAP_EQ_INT(submit(jr, "features", "{}", "{\"colour\": \"red\"}", id, field, &err),
		   GRYM_ERR_INVALID, "unknown selection key refused");
	TAP_EQ_STR(field, "inputs.colour", "field inputs.colour");
	TAP_EQ_INT(submit(jr, "infer", "{\"model\": \"nosuchmodel\"}", "{\"label\": \"x\"}", id, field,
			  &err), GRYM_ERR_INVALID, "infer with a model not in the catalog refused");
	TAP_EQ_STR(field, "params.model", "field params.model");

	/* a long job runs; one waits; the next finds the queue full */
	int64_t feats0 = -1, objs0 = -1, feats1 = -2, objs1 = -2;
	TAP_SETUP(counts(&feats0, &objs0));
	snprintf(inputs, sizeof inputs, "[\"%s\"]", long_.id[0]);
	const char *heavy = "{\"features\":[\"mfcc\",\"yin\",\"contrast\"]}";
	TAP_EQ_INT(submit(jr, "features", heavy, inputs, id, field, &err), GRYM_OK, "long job submitted");
	j = wait_state(jr, id, "running|done|failed", 30);
	TAP_EQ_STR(state_of(j), "running", "long job running");
	json_decref(j);
	snprintf(inputs, sizeof inputs, "[\"%s\"]", short_.id[2]);
	TAP_EQ_INT(submit(jr, "features", "{\"features\":[\"zcr\"]}", inputs, id2, field, &err), GRYM_OK,
		   "second job queued");
	TAP_EQ_INT(submit(jr, "features", "{\"features\":[\"zcr\"]}", inputs, id3, field, &err),
		   GRYM_ERR_LIMIT, "third: queue full");
	{
		int q = -1, r = -1;
		grym_jobs_counts(jr, &q, &r);
		TAP_EQ_INT(q * 10 + r, 11, "one queued, one running");
	}
	/* cancel the queued one: at once */
	TAP_EQ_INT(grym_jobs_cancel(jr, id2, &err), GRYM_OK, "queued job cancelled");
	j = get_job(jr, id2);
	TAP_EQ_STR(state_of(j), "cancelled", "it is cancelled at once");
	json_decref(j);
	TAP_EQ_INT(grym_jobs_cancel(jr, id2, &err), GRYM_ERR_CONFLICT, "cancelling it again: conflict");
	/* cancel the running one: within a block of work */
	sleep_ms(150);
	double t0 = now_s();
	TAP_EQ_INT(grym_jobs_cancel(jr, id, &err), GRYM_OK, "running job told to stop");
	j = wait_state(jr, id, "cancelled|done|failed", 30);
	tap_diag("cancelled after %.0f ms", (now_s() - t0) * 1000);
	TAP_EQ_STR(state_of(j), "cancelled", "running job cancelled");
	TAP_EQ_STR(json_string_value(json_object_get(j, "error")), "cancelled", "its error says so");
	json_decref(j);
	TAP_SETUP(counts(&feats1, &objs1));
	TAP_OK(feats1 == feats0 && objs1 == objs0, "no feature set and no object left by it "
	       "(%lld/%lld, was %lld/%lld)", (long long)feats1, (long long)objs1, (long long)feats0,
	       (long long)objs0);
	TAP_EQ_STR(summarize_final(id, 10).last, "cancelled", "its last event: cancelled");
	TAP_EQ_STR(summarize_final(id2, 10).last, "cancelled", "the queued one's last event: cancelled");

	/* unknown and unfinished jobs */
	TAP_EQ_INT(grym_jobs_cancel(jr, "0123456789abcdef0123456789abcdef", &err), GRYM_ERR_NOTFOUND,
		   "cancel: no such job");
	TAP_OK(grym_jobs_get(jr, "nonsense", &err) == NULL && err.code == GRYM_ERR_NOTFOUND,
	       "get: no such job");
	TAP_EQ_INT(grym_jobs_rerun(jr, "0123456789abcdef0123456789abcdef", NULL, id3, &err),
		   GRYM_ERR_NOTFOUND, "rerun: no such job");

	/* list: pages of 2 newest first, every job once */
	{
		grym_job_query q = { .limit = 2 };
		char cursor[GRYM_JOB_ID_LEN + 1] = "", prev[GRYM_JOB_ID_LEN + 1] = "~";
		int seen = 0, pages = 0, ordered = 1;
		int64_t total = -1;
		for (;;) {
			q.cursor = cursor[0] ? cursor : NULL;
			char *s = grym_jobs_list(jr, &q, &err);
			json_t *page = s ? json_loads(s, 0, NULL) : NULL, *items = json_object_get(page, "items");
			free(s);
			if (!page)
				break;
			pages++;
			total = json_integer_value(json_object_get(page, "total"));
			for (size_t i = 0; i < json_array_size(items); i++) {
				const char *jid = json_string_value(json_object_get(json_array_get(items, i), "id"));
				if (!jid || strcmp(jid, prev) >= 0)
					ordered = 0;
				snprintf(prev, sizeof prev, "%s", jid ? jid : "");
				seen++;
			}
			const char *next = json_string_value(json_object_get(page, "next_cursor"));
			snprintf(cursor, sizeof cursor, "%s", next ? next : "");
			json_decref(page);
			if (!next || pages > 10)
				break;
		}
		TAP_EQ_INT(total, 5, "list: five jobs in all");
		TAP_EQ_INT(seen * 10 + pages, 53, "five seen on three pages");
		TAP_OK(ordered, "newest first, none twice");
		q.cursor = "nonsense";
		char *s = grym_jobs_list(jr, &q, &err);
		TAP_OK(!s && err.code == GRYM_ERR_INVALID && !strncmp(err.msg, "cursor", 6),
		       "a bad cursor refused (%s)", err.msg);
		free(s);
		q.cursor = NULL;
		q.state = "cancelled";
		s = grym_jobs_list(jr, &q, &err);
		json_t *page = s ? json_loads(s, 0, NULL) : NULL;
		TAP_EQ_INT(json_integer_value(json_object_get(page, "total")), 2, "two cancelled");
		json_decref(page);
		free(s);
	}
	event_runner = NULL;
	grym_jobs_free(jr);

	/* a dead server's jobs: interrupted by the next runner, and re-run */
	{
		grym_catalog *c = grym_catalog_open(cat_dir, &err);
		grym_job_row r;
		memset(&r, 0, sizeof r);
		TAP_SETUP(grym_job_new_id(r.id, &err));
		snprintf(r.kind, sizeof r.kind, "features");
		r.state = GRYM_JOB_RUNNING;
		r.params = strdup("{\"features\":[\"rms\"]}");
		snprintf(inputs, sizeof inputs, "[\"%s\"]", short_.id[0]);
		r.inputs = strdup(inputs);
		r.server = strdup(dead);
		TAP_EQ_INT(c ? grym_catalog_put_job(c, &r, &err) : -1, GRYM_OK, "a dead server's running job");
		TAP_EQ_INT(grym_catalog_put_job(c, &r, &err), GRYM_ERR_CONFLICT, "its id twice: conflict");
		snprintf(id, sizeof id, "%s", r.id);
		grym_job_row_clear(&r);
		grym_catalog_close(c);
	}
	jr = grym_jobs_new(cat_dir, 2, 4, &err);
	TAP_OK(jr != NULL, "a new runner");
	if (!jr)
		return tap_done();
	grym_jobs_set_events(jr, on_event, &events);
	j = get_job(jr, id);
	TAP_EQ_STR(state_of(j), "interrupted", "the dead server's job is interrupted");
	TAP_OK(strstr(json_string_value(json_object_get(j, "error")) ?
		      json_string_value(json_object_get(j, "error")) : "", "stopped") != NULL,
	       "its error says the server stopped");
	json_decref(j);
	TAP_EQ_INT(grym_jobs_rerun(jr, id, "again", id2, &err), GRYM_OK, "re-run it");
	j = wait_state(jr, id2, "done|failed|cancelled", 60);
	TAP_EQ_STR(state_of(j), "done", "the copy is done");
	TAP_EQ_STR(json_string_value(json_object_get(j, "owner")), "again", "under its new owner");
	json_decref(j);

	/* train on the features of two labels, then infer with the model */
	{
		ingested lab = { 0 };
		char model[GRYM_ID_LEN + 1] = "";
		for (int i = 0; i < 6; i++) {
			snprintf(path, sizeof path, "%s/lab%d.wav", dir, i);
			TAP_SETUP(tap_sine_wav(path, i % 2 ? 3000.0 + 100 * i : 150.0 + 10 * i, 8000));
			TAP_SETUP(ingest(path, i % 2 ? "{\"label\":[\"high\"]}" : "{\"label\":[\"low\"]}",
					 &lab));
		}
		TAP_EQ_INT(lab.n, 6, "six labelled assets");
		TAP_EQ_INT(submit(jr, "train", "{\"label\":[\"low\"]}", "null", id, field, &err),
			   GRYM_ERR_INVALID, "train without features refused");
		TAP_EQ_STR(field, "params.features", "field params.features");
		TAP_EQ_INT(submit(jr, "train", "{\"features\":\"mfcc\"}", inputs, id, field, &err),
			   GRYM_ERR_INVALID, "train on a list of ids refused");
		TAP_EQ_STR(field, "inputs", "field inputs");
		TAP_EQ_INT(submit(jr, "features", "{\"features\":[\"mfcc\"]}", "{\"label\": \"low\"}", id,
				  field, &err), GRYM_OK, "features of label low");
		TAP_EQ_INT(submit(jr, "features", "{\"features\":[\"mfcc\"]}", "{\"label\": \"high\"}", id2,
				  field, &err), GRYM_OK, "features of label high");
		j = wait_state(jr, id, "done|failed|cancelled", 60);
		json_t *j2 = wait_state(jr, id2, "done|failed|cancelled", 60);
		TAP_OK(!strcmp(state_of(j) ? state_of(j) : "", "done") &&
		       !strcmp(state_of(j2) ? state_of(j2) : "", "done"), "both done");
		json_decref(j);
		json_decref(j2);
		TAP_EQ_INT(submit(jr, "train", "{\"features\":\"mfcc\", \"label\":[\"low\",\"high\"]}",
				  "null", id, field, &err), GRYM_OK, "train job submitted");
		j = wait_state(jr, id, "done|failed|cancelled", 120);
		TAP_EQ_STR(state_of(j), "done", "train job done (%s)",
			   json_string_value(json_object_get(j, "error")) ?
			   json_string_value(json_object_get(j, "error")) : "");
		snprintf(model, sizeof model, "%s",
			 json_string_value(json_object_get(json_object_get(j, "result"), "model")) ?
			 json_string_value(json_object_get(json_object_get(j, "result"), "model")) : "");
		json_decref(j);
		grym_catalog *c = grym_catalog_open(cat_dir, &err);
		grym_model_row m;
		memset(&m, 0, sizeof m);
		TAP_EQ_INT(c && model[0] ? grym_catalog_get_model(c, model, &m, &err) : -1, GRYM_OK,
			   "its model is in the catalog");
		grym_model_row_clear(&m);
		char params[200];
		snprintf(params, sizeof params, "{\"model\": \"%.16s\"}", model);
		snprintf(inputs, sizeof inputs, "[\"%s\", \"%s\"]", lab.id[0], lab.id[1]);
		TAP_EQ_INT(submit(jr, "infer", params, inputs, id, field, &err), GRYM_OK, "infer job submitted");
		j = wait_state(jr, id, "done|failed|cancelled", 60);
		TAP_EQ_STR(state_of(j), "done", "infer job done");
		TAP_EQ_INT(json_integer_value(json_object_get(json_object_get(j, "result"), "stored")), 2,
			   "two predictions");
		json_decref(j);
		int stored = 0;
		for (int i = 0; c && i < 2; i++) {
			char *label = NULL, *scores = NULL;
			double prob = 0;
			if (grym_catalog_get_prediction(c, model, lab.id[i], &label, &prob, &scores,
							&err) == GRYM_OK && label &&
			    (!strcmp(label, "low") || !strcmp(label, "high")))
				stored++;
			free(label);
			free(scores);
		}
		TAP_EQ_INT(stored, 2, "both predictions stored under the model");
		grym_catalog_close(c);
	}

	/* freeing the runner while a job runs: cancelled, "the server stopped" */
	snprintf(inputs, sizeof inputs, "[\"%s\"]", long_.id[0]);
	TAP_EQ_INT(submit(jr, "features", heavy, inputs, id, field, &err), GRYM_OK, "long job again");
	j = wait_state(jr, id, "running|done|failed", 30);
	TAP_EQ_STR(state_of(j), "running", "running");
	json_decref(j);
	grym_jobs_free(jr);
	{
		grym_catalog *c = grym_catalog_open(cat_dir, &err);
		grym_job_row r;
		int rc = c ? grym_catalog_get_job(c, id, &r, &err) : -1;
		TAP_OK(rc == GRYM_OK && r.state == GRYM_JOB_CANCELLED && r.error &&
		       strstr(r.error, "server stopped") && r.finished > 0,
		       "after free: cancelled, the server stopped, finished set");
		if (rc == GRYM_OK)
			grym_job_row_clear(&r);
		grym_catalog_close(c);
	}
	TAP_EQ_INT(bad_events, 0, "every event carried its job's JSON");
	return tap_done();
}
