/*
 * test_stage_ingest.c — the ingest stage called as a server would call
 * it (grym/stage_ingest.h): inputs in a grym_sources, failures by name
 * through env->failed while the rest goes on, assets to the sink in
 * input order with the ids the catalog holds, a second run finding them
 * already there, and a cancel flag set before the call leaving the
 * catalog and the store as they were.
 */
#include "tap.h"
#include "grym/catalog.h"
#include "grym/stage_ingest.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *dir;

static const char *p(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static void le(FILE *f, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		fputc((int)((v >> (8 * i)) & 0xff), f);
}

/* A mono 16-bit PCM WAV of a sine: distinct bytes for each frequency. */
static int write_wav(const char *path, double freq, int frames)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	uint32_t data = (uint32_t)frames * 2, rate = 16000;
	fputs("RIFF", f);
	le(f, 36 + data, 4);
	fputs("WAVEfmt ", f);
	le(f, 16, 4);
	le(f, 1, 2);            /* PCM */
	le(f, 1, 2);            /* mono */
	le(f, rate, 4);
	le(f, rate * 2, 4);
	le(f, 2, 2);
	le(f, 16, 2);
	fputs("data", f);
	le(f, data, 4);
	for (int i = 0; i < frames; i++)
		le(f, (uint32_t)(uint16_t)(int16_t)(12000 * sin(2 * M_PI * freq * i / rate)), 2);
	return fclose(f);
}

/* What the callbacks saw. */
typedef struct seen {
	int nfailed, nassets, ncreated, ninfo;
	char failed[4][512];
	char path[4][512];
	char id[4][GRYM_ID_LEN + 1];
	char info[4][600];
	int stop_with;          /* the sink returns this */
} seen;

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	seen *s = ud;
	if (s->nfailed < 4)
		snprintf(s->failed[s->nfailed], sizeof s->failed[0], "%s", input);
	s->nfailed++;
	tap_diag("failed: %s: %s", input, err->msg);
}

static void on_info(void *ud, int level, const char *input, const char *msg)
{
	seen *s = ud;
	if (s->ninfo < 4)
		snprintf(s->info[s->ninfo], sizeof s->info[0], "%d %s", level, msg);
	s->ninfo++;
	(void)input;
}

static int on_asset(void *ud, const grym_ingest_result *r, grym_error *err)
{
	seen *s = ud;
	if (s->nassets < 4) {
		snprintf(s->path[s->nassets], sizeof s->path[0], "%s", r->path);
		snprintf(s->id[s->nassets], sizeof s->id[0], "%s", r->id);
	}
	s->nassets++;
	s->ncreated += r->created;
	if (s->stop_with)
		return grym_error_set(err, s->stop_with, "sink is full");
	return 0;
}

/* Run the stage over names (in this order) into catalog cat. */
static int run(const char *cat, const char *const *names, int n, seen *s,
	       const volatile sig_atomic_t *cancel, grym_stage_env *env, grym_error *err)
{
	grym_ingest_params prm;
	grym_sources_opts so = { 0 };
	grym_sources *src = grym_sources_new(&so, err);
	int rc;

	memset(env, 0, sizeof *env);
	env->catalog_dir = cat;
	env->jobs = 2;
	env->cancel = cancel;
	env->failed = on_failed;
	env->info = on_info;
	env->ud = s;
	grym_ingest_sink sink = { .ud = s, .write = on_asset };
	if (!src || grym_schema_defaults(grym_ingest_schema(), &prm, err) != GRYM_OK)
		return -1;
	for (int i = 0; i < n; i++)
		grym_sources_add(src, names[i], err);
	rc = grym_stage_ingest(env, src, &prm, &sink, err);
	grym_sources_free(src);
	grym_schema_clear(grym_ingest_schema(), &prm);
	return rc;
}

static int count(const char *cat, uint64_t *assets, uint64_t *objects)
{
	grym_error err = { 0 };
	grym_catalog_stats st;
	grym_catalog *c = grym_catalog_open(cat, &err);
	if (!c || grym_catalog_stats_get(c, &st, &err) != GRYM_OK) {
		grym_catalog_close(c);
		return -1;
	}
	*assets = st.assets;
	*objects = st.objects;
	grym_catalog_close(c);
	return 0;
}

int main(void)
{
	grym_error err = { 0 };
	grym_stage_env env;
	uint64_t na = 0, no = 0;

	tap_plan(25);
	dir = tap_tmpdir();
	const char *cat = strdup(p("cat"));
	char a[512], missing[512], text[512], b[512], c[512];
	snprintf(a, sizeof a, "%s", p("a.wav"));
	snprintf(missing, sizeof missing, "%s", p("missing.wav"));
	snprintf(text, sizeof text, "%s", p("notes.txt"));
	snprintf(b, sizeof b, "%s", p("b.wav"));
	snprintf(c, sizeof c, "%s", p("c.wav"));
	FILE *f = fopen(text, "w");
	if (f) {
		fputs("not audio at all\n", f);
		fclose(f);
	}
	TAP_OK(write_wav(a, 440, 8000) == 0 && write_wav(b, 660, 6000) == 0 &&
	       write_wav(c, 880, 4000) == 0 && f, "inputs written");
	const char *const names[] = { a, missing, text, b };

	/* first run: two new assets, two failures by name, in input order */
	seen s = { 0 };
	TAP_EQ_INT(run(cat, names, 4, &s, NULL, &env, &err), GRYM_OK, "first run: the stage succeeds (%s)",
		   err.msg);
	TAP_EQ_INT(env.nfailed, 2, "two inputs failed");
	TAP_EQ_INT(env.ninputs, 4, "four inputs read");
	TAP_OK(s.nfailed == 2 && !strcmp(s.failed[0], missing) && !strcmp(s.failed[1], text),
	       "the missing path and the text file reported by name, in order");
	TAP_OK(s.nassets == 2 && s.ncreated == 2, "two new assets to the sink (%d, %d new)", s.nassets,
	       s.ncreated);
	TAP_OK(!strcmp(s.path[0], a) && !strcmp(s.path[1], b), "in input order, past the failures");
	TAP_OK(strlen(s.id[0]) == GRYM_ID_LEN && strlen(s.id[1]) == GRYM_ID_LEN && strcmp(s.id[0], s.id[1]),
	       "two distinct ids");
	grym_catalog *cc = grym_catalog_open(cat, &err);
	grym_asset as;
	for (int i = 0; i < 2; i++) {
		int got = cc ? grym_catalog_get_asset(cc, s.id[i], &as, &err) : -1;
		TAP_EQ_INT(got, GRYM_OK, "asset %d is in the catalog under the id the sink got", i);
		if (got == GRYM_OK) {
			const json_t *p0 = json_array_get(as.paths, 0);
			TAP_EQ_STR(p0 ? json_string_value(p0) : "", i ? b : a, "with its path");
			grym_asset_clear(&as);
		} else {
			TAP_OK(0, "with its path");
		}
	}
	grym_catalog_close(cc);
	TAP_OK(count(cat, &na, &no) == 0 && na == 2 && no == 2, "two rows, two objects (%llu, %llu)",
	       (unsigned long long)na, (unsigned long long)no);

	/* second run: both already present, the same ids, said at level 1 */
	seen s2 = { 0 };
	TAP_EQ_INT(run(cat, names, 4, &s2, NULL, &env, &err), GRYM_OK, "second run succeeds");
	TAP_OK(s2.nassets == 2 && s2.ncreated == 0, "both already present (%d, %d new)", s2.nassets,
	       s2.ncreated);
	TAP_OK(!strcmp(s2.id[0], s.id[0]) && !strcmp(s2.id[1], s.id[1]), "with the same ids");
	char want[600];
	snprintf(want, sizeof want, "1 known %s", s.id[0]);
	TAP_EQ_STR(s2.info[0], want, "a verbose line says it is known");
	TAP_OK(s2.nfailed == 2 && env.nfailed == 2, "the bad inputs fail again");

	/* a cancel flag set before the call: nothing is added */
	volatile sig_atomic_t flag = SIGINT;
	seen s3 = { 0 };
	const char *const one[] = { c };
	TAP_EQ_INT(run(cat, one, 1, &s3, &flag, &env, &err), GRYM_ERR_CANCELLED, "cancelled");
	TAP_OK(s3.nassets == 0 && s3.nfailed == 0, "nothing given out");
	TAP_OK(count(cat, &na, &no) == 0 && na == 2 && no == 2, "no row and no object added (%llu, %llu)",
	       (unsigned long long)na, (unsigned long long)no);

	/* a sink that fails stops the stage with its status */
	seen s4 = { .stop_with = GRYM_ERR_IO };
	const char *const two[] = { c, a };
	TAP_EQ_INT(run(cat, two, 2, &s4, NULL, &env, &err), GRYM_ERR_IO, "a failing sink stops the run");
	TAP_EQ_STR(err.msg, "sink is full", "with the sink's error");
	TAP_EQ_INT(s4.nassets, 1, "nothing more is given out");

	/* no catalog: refused */
	seen s5 = { 0 };
	TAP_EQ_INT(run(NULL, one, 1, &s5, NULL, &env, &err), GRYM_ERR_INVALID, "no catalog: invalid");
	free((char *)cat);
	return tap_done();
}
