/*
 * test_catalog_jobs.c — the catalog's jobs table (grym/catalog_jobs.h)
 * on its own: ids, states moved only from queued or running, progress
 * clamped, the JSON form, list filters and pages, and interrupting the
 * jobs of dead servers while sparing this one's and live ones'.
 */
#include "tap.h"
#include "grym/catalog.h"
#include "grym/catalog_jobs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int put(grym_catalog *c, const char *kind, grym_job_state st, const char *owner,
	       const char *server, char id[GRYM_JOB_ID_LEN + 1])
{
	grym_error err = { 0 };
	grym_job_row r;
	struct timespec ms2 = { 0, 2000000 };
	nanosleep(&ms2, NULL);  /* ids order by the millisecond they were made in */
	memset(&r, 0, sizeof r);
	int rc = grym_job_new_id(r.id, &err);
	snprintf(r.kind, sizeof r.kind, "%s", kind);
	r.state = st;
	r.params = strdup("{\"n_fft\":1024}");
	r.inputs = strdup("[]");
	r.owner = owner ? strdup(owner) : NULL;
	r.server = server ? strdup(server) : NULL;
	if (rc == GRYM_OK)
		rc = grym_catalog_put_job(c, &r, &err);
	if (rc != GRYM_OK)
		tap_diag("put: %s", err.msg);
	memcpy(id, r.id, GRYM_JOB_ID_LEN + 1);
	grym_job_row_clear(&r);
	return rc;
}

int main(void)
{
	grym_error err = { 0 };
	char dir[600], a[GRYM_JOB_ID_LEN + 1], b[GRYM_JOB_ID_LEN + 1], c3[GRYM_JOB_ID_LEN + 1];
	char d[GRYM_JOB_ID_LEN + 1], e[GRYM_JOB_ID_LEN + 1], self[GRYM_JOB_SERVER_MAX];
	grym_job_row r;
	grym_job_state st;

	tap_plan(34);
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *c = grym_catalog_open(dir, &err);
	TAP_OK(c != NULL, "catalog opened");
	if (!c)
		return tap_done();

	/* names and ids */
	TAP_EQ_STR(grym_job_state_name(GRYM_JOB_INTERRUPTED), "interrupted", "state name");
	TAP_OK(grym_job_state_parse("cancelled", &st, &err) == GRYM_OK && st == GRYM_JOB_CANCELLED,
	       "state parsed");
	TAP_EQ_INT(grym_job_state_parse("sleeping", &st, &err), GRYM_ERR_INVALID, "unknown state refused");
	TAP_OK(grym_job_state_final(GRYM_JOB_DONE) && !grym_job_state_final(GRYM_JOB_RUNNING),
	       "done is final, running is not");
	TAP_SETUP(grym_job_new_id(a, &err));
	TAP_SETUP(grym_job_new_id(b, &err));
	TAP_OK(grym_job_id_valid(a) && strcmp(a, b) && strncmp(a, b, 8) == 0,
	       "two new ids: valid, different, same time prefix");
	TAP_OK(!grym_job_id_valid("ABCDEF0123456789abcdef0123456789") && !grym_job_id_valid("abc"),
	       "upper case and short ids are not job ids");
	TAP_SETUP(grym_job_server_self(self, sizeof self, &err));

	/* rows */
	TAP_EQ_INT(put(c, "features", GRYM_JOB_QUEUED, "ann", self, a), GRYM_OK, "job a queued");
	TAP_EQ_INT(put(c, "normalize", GRYM_JOB_QUEUED, "bob", self, b), GRYM_OK, "job b queued");
	memset(&r, 0, sizeof r);
	snprintf(r.id, sizeof r.id, "not-an-id");
	snprintf(r.kind, sizeof r.kind, "features");
	TAP_EQ_INT(grym_catalog_put_job(c, &r, &err), GRYM_ERR_INVALID, "a bad id refused");

	TAP_EQ_INT(grym_catalog_set_job_state(c, a, GRYM_JOB_RUNNING, NULL, NULL, &err), GRYM_OK,
		   "a running");
	TAP_EQ_INT(grym_catalog_set_job_progress(c, a, 7.5, "decoding", &err), GRYM_OK, "progress");
	TAP_EQ_INT(grym_catalog_get_job(c, a, &r, &err), GRYM_OK, "a read back");
	TAP_OK(r.state == GRYM_JOB_RUNNING && r.progress == 1.0 && r.started > 0 && r.finished == 0 &&
	       r.message && !strcmp(r.message, "decoding"), "running, progress clamped to 1, started");
	grym_job_row_clear(&r);
	TAP_EQ_INT(grym_catalog_set_job_progress(c, a, -3, NULL, &err), GRYM_OK, "progress below 0");
	TAP_EQ_INT(grym_catalog_set_job_state(c, a, GRYM_JOB_DONE, NULL, "{\"made\":2}", &err), GRYM_OK,
		   "a done");
	TAP_EQ_INT(grym_catalog_set_job_state(c, a, GRYM_JOB_CANCELLED, "late", NULL, &err),
		   GRYM_ERR_CONFLICT, "a final job does not move again");
	TAP_OK(strstr(err.msg, "is done") != NULL, "the conflict says its state (%s)", err.msg);
	TAP_EQ_INT(grym_catalog_set_job_state(c, "0123456789abcdef0123456789abcdef", GRYM_JOB_DONE,
					      NULL, NULL, &err), GRYM_ERR_NOTFOUND, "no such job");
	TAP_SETUP(grym_catalog_get_job(c, a, &r, &err));
	{
		char *s = grym_job_row_json(&r);
		json_t *j = s ? json_loads(s, 0, NULL) : NULL;
		TAP_OK(j && !strcmp(json_string_value(json_object_get(j, "state")), "done") &&
		       json_real_value(json_object_get(j, "progress")) == 1.0 &&
		       json_integer_value(json_object_get(json_object_get(j, "result"), "made")) == 2 &&
		       json_integer_value(json_object_get(json_object_get(j, "params"), "n_fft")) == 1024 &&
		       json_is_integer(json_object_get(j, "finished")) &&
		       !strcmp(json_string_value(json_object_get(j, "stage")), "features") &&
		       !json_object_get(j, "server"),
		       "JSON: state, progress 1, result and params as values, times, no server (%s)",
		       s ? s : "");
		json_decref(j);
		free(s);
	}
	grym_job_row_clear(&r);

	/* interrupt: a dead server's queued and running jobs, not this
	 * one's, not a final one */
	char deadsrv[GRYM_JOB_SERVER_MAX + 8];
	snprintf(deadsrv, sizeof deadsrv, "%.*s:1", (int)(strrchr(self, ':') - self), self);
	TAP_EQ_INT(put(c, "features", GRYM_JOB_RUNNING, "ann", deadsrv, c3), GRYM_OK, "dead running");
	TAP_EQ_INT(put(c, "train", GRYM_JOB_QUEUED, "ann", NULL, d), GRYM_OK, "no server, queued");
	TAP_EQ_INT(put(c, "infer", GRYM_JOB_FAILED, "bob", deadsrv, e), GRYM_OK, "dead, but failed");
	int64_t n = -1;
	TAP_EQ_INT(grym_catalog_interrupt_jobs(c, self, &n, &err), GRYM_OK, "interrupt");
	TAP_EQ_INT(n, 2, "two jobs interrupted");
	const char *want[5][2] = { { a, "done" }, { b, "queued" }, { c3, "interrupted" },
				   { d, "interrupted" }, { e, "failed" } };
	int right = 0;
	for (int i = 0; i < 5; i++) {
		if (grym_catalog_get_job(c, want[i][0], &r, &err) == GRYM_OK &&
		    !strcmp(grym_job_state_name(r.state), want[i][1]))
			right++;
		grym_job_row_clear(&r);
	}
	TAP_EQ_INT(right, 5, "each job in its state after");

	/* lists */
	grym_job_row *rows = NULL;
	size_t nrows = 0;
	char next[GRYM_JOB_ID_LEN + 1];
	int64_t total = -1;
	grym_job_query q = { .owner = "ann", .limit = 2 };
	TAP_EQ_INT(grym_catalog_list_jobs(c, &q, &rows, &nrows, next, &total, &err), GRYM_OK,
		   "ann's jobs, 2 a page");
	TAP_OK(nrows == 2 && total == 3 && !strcmp(rows[0].id, d) && !strcmp(rows[1].id, c3) &&
	       !strcmp(next, c3), "newest first, cursor at the last shown, total 3");
	grym_job_rows_free(rows, nrows);
	q.cursor = next;
	TAP_EQ_INT(grym_catalog_list_jobs(c, &q, &rows, &nrows, next, &total, &err), GRYM_OK, "page 2");
	TAP_OK(nrows == 1 && !strcmp(rows[0].id, a) && next[0] == '\0', "the last one, no cursor");
	grym_job_rows_free(rows, nrows);
	grym_job_query q2 = { .state = "interrupted", .kind = "train" };
	TAP_EQ_INT(grym_catalog_list_jobs(c, &q2, &rows, &nrows, next, &total, &err), GRYM_OK,
		   "by state and kind");
	TAP_OK(nrows == 1 && total == 1 && !strcmp(rows[0].id, d), "the interrupted train job");
	grym_job_rows_free(rows, nrows);
	grym_job_query q3 = { .limit = 1001 };
	TAP_EQ_INT(grym_catalog_list_jobs(c, &q3, &rows, &nrows, next, &total, &err), GRYM_ERR_INVALID,
		   "a page of 1001 refused");
	grym_job_query q4 = { .state = "sleeping" };
	TAP_EQ_INT(grym_catalog_list_jobs(c, &q4, &rows, &nrows, next, &total, &err), GRYM_ERR_INVALID,
		   "an unknown state refused");
	grym_catalog_close(c);
	return tap_done();
}
