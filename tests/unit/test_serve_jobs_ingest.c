/*
 * test_serve_jobs_ingest.c — the runner's ingest jobs
 * (grym_jobs_submit_ingest): staged files ingested under their clients'
 * names with the labels and metadata given, a damaged one a failure
 * named by its client's name, each new asset's peaks pyramid built, and
 * every staged file removed when the job ends; the parameters an
 * upload's ingest may not take refused naming their field; "ingest"
 * refused as a client's stage; a rerun of a job whose files are gone
 * failing each input.
 */
#include "tap.h"
#include "grym/catalog.h"
#include "grym/serve_jobs.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void le(FILE *f, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		fputc((int)((v >> (8 * i)) & 0xff), f);
}

/* A mono 16-bit PCM WAV of a sine at 16 kHz. */
static int write_wav(const char *path, double freq, int frames)
{
	FILE *f = fopen(path, "wb");
	uint32_t data = (uint32_t)frames * 2, rate = 16000;
	if (!f)
		return -1;
	fputs("RIFF", f);
	le(f, 36 + data, 4);
	fputs("WAVEfmt ", f);
	le(f, 16, 4);
	le(f, 1, 2);
	le(f, 1, 2);
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

/* Wait for job id to end; its JSON (the caller frees it). */
static json_t *wait_job(grym_jobs *jr, const char *id)
{
	for (int i = 0; i < 600; i++) {
		grym_error err = { 0 };
		char *t = grym_jobs_get(jr, id, &err);
		json_t *j = t ? json_loads(t, 0, NULL) : NULL;
		const char *st = json_string_value(json_object_get(j, "state"));
		free(t);
		if (st && (!strcmp(st, "done") || !strcmp(st, "failed") || !strcmp(st, "cancelled")))
			return j;
		json_decref(j);
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	const char *dir;
	char cat_dir[600], a[700], b[700], bad[700], files[4096], id[GRYM_JOB_ID_LEN + 1];
	char id2[GRYM_JOB_ID_LEN + 1], field[64];
	grym_error err = { 0 };
	grym_jobs *jr;
	json_t *j, *res;
	FILE *f;

	tap_plan(18);
	dir = tap_tmpdir();
	snprintf(cat_dir, sizeof cat_dir, "%s/cat", dir);
	snprintf(a, sizeof a, "%s/0a.data", dir);
	snprintf(b, sizeof b, "%s/0b.data", dir);
	snprintf(bad, sizeof bad, "%s/0c.data", dir);
	TAP_SETUP(write_wav(a, 440, 16000));
	TAP_SETUP(write_wav(b, 660, 8000));
	TAP_SETUP(!(f = fopen(bad, "wb")));
	for (int i = 0; i < 3000; i++)
		fputc((i * 7919) & 0xff, f);
	TAP_SETUP(fclose(f));
	snprintf(files, sizeof files,
		 "[{\"path\":\"%s\",\"name\":\"dog.wav\"},{\"path\":\"%s\",\"name\":\"cat.wav\"},"
		 "{\"path\":\"%s\",\"name\":\"broken.wav\"}]", a, b, bad);
	TAP_SETUP(!(jr = grym_jobs_new(cat_dir, 1, 4, &err)));

	/* refusals, before anything is queued or removed */
	TAP_EQ_INT(grym_jobs_submit_ingest(jr, "{\"manifest\":\"/etc/passwd\"}", files, "o", id,
					   field, sizeof field, &err), GRYM_ERR_INVALID,
		   "a manifest (a server path) is no parameter of an upload's ingest");
	TAP_EQ_STR(field, "params.manifest", "and the field names it");
	TAP_EQ_INT(grym_jobs_submit_ingest(jr, "{\"meta\":[1]}", files, "o", id, field, sizeof field,
					   &err), GRYM_ERR_INVALID, "meta must be an object");
	TAP_EQ_STR(field, "params.meta", "field params.meta");
	TAP_EQ_INT(grym_jobs_submit_ingest(jr, "{}", "[{\"path\":\"rel\",\"name\":\"x\"}]", "o", id,
					   field, sizeof field, &err), GRYM_ERR_INVALID,
		   "a relative staged path is refused");
	TAP_EQ_STR(field, "inputs[0]", "field inputs[0]");
	TAP_EQ_INT(grym_jobs_submit(jr, "ingest", "{}", files, "o", id, field, sizeof field, &err),
		   GRYM_ERR_INVALID, "ingest is not a stage a client may name");
	TAP_OK(access(a, F_OK) == 0, "the refusals removed no staged file");

	/* the job */
	TAP_EQ_INT(grym_jobs_submit_ingest(jr, "{\"label\":[\"pets\"],\"meta\":{\"split\":\"test\"}}",
					   files, "alice", id, field, sizeof field, &err), GRYM_OK,
		   "an ingest job of three staged files: %s", err.msg);
	j = wait_job(jr, id);
	res = json_object_get(j, "result");
	TAP_EQ_STR(json_string_value(json_object_get(j, "state")), "done", "it is done");
	TAP_EQ_INT(json_array_size(json_object_get(res, "assets")), 2, "with two assets");
	TAP_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(res, "assets"), 0),
						     "input")), "dog.wav", "named by the client's name");
	TAP_EQ_STR(json_string_value(json_object_get(json_array_get(json_object_get(res, "failures"), 0),
						     "input")), "broken.wav",
		   "the damaged one a failure, by its client's name");
	TAP_EQ_INT(json_integer_value(json_object_get(res, "peaks")), 2, "two peaks pyramids built");
	TAP_OK(access(a, F_OK) != 0 && access(b, F_OK) != 0 && access(bad, F_OK) != 0,
	       "every staged file is removed");
	{
		grym_catalog *cat = grym_catalog_open(cat_dir, &err);
		grym_asset as;
		const char *asset = json_string_value(
			json_object_get(json_array_get(json_object_get(res, "assets"), 0), "asset"));
		memset(&as, 0, sizeof as);
		TAP_OK(cat && grym_catalog_get_asset(cat, asset, &as, &err) == GRYM_OK &&
			       !strcmp(json_string_value(json_object_get(as.meta, "split")) ?: "", "test") &&
			       json_array_size(as.labels) == 1,
		       "the asset has the label and the metadata");
		grym_asset_clear(&as);
		grym_catalog_close(cat);
	}
	json_decref(j);

	/* a rerun: the staged files went with the first run */
	TAP_EQ_INT(grym_jobs_rerun(jr, id, "alice", id2, &err), GRYM_OK, "a rerun is queued");
	j = wait_job(jr, id2);
	TAP_EQ_STR(json_string_value(json_object_get(j, "state")), "failed",
		   "and fails: its staged files are gone");
	json_decref(j);
	grym_jobs_free(jr);
	return tap_done();
}
