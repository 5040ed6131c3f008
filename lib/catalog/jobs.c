/*
 * jobs.c — the jobs table (schema version 3, schema.c): insert, state
 * and progress updates, one job, pages of jobs newest first, and the
 * jobs of dead servers marked interrupted. The server's identity and
 * job ids are in jobs_id.c, the JSON form in jobs_json.c.
 *
 * A state change is one UPDATE guarded by "state is not final", so a
 * job that was cancelled, finished or interrupted is never moved again
 * (two writers racing on one job: the first wins, the second hears
 * GRYM_ERR_CONFLICT).
 */
#include "catalog/catalog_int.h"
#include "grym/catalog_jobs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const state_names[] = {
	"queued", "running", "done", "failed", "cancelled", "interrupted"
};
#define NSTATES ((int)(sizeof state_names / sizeof state_names[0]))

const char *grym_job_state_name(grym_job_state s)
{
	return (int)s >= 0 && (int)s < NSTATES ? state_names[s] : "?";
}

int grym_job_state_parse(const char *name, grym_job_state *s, grym_error *err)
{
	for (int i = 0; name && i < NSTATES; i++)
		if (!strcmp(name, state_names[i])) {
			*s = (grym_job_state)i;
			return GRYM_OK;
		}
	return grym_error_set(err, GRYM_ERR_INVALID, "state: '%s' is none of queued, running, done, "
			      "failed, cancelled, interrupted", name ? name : "");
}

int grym_job_state_final(grym_job_state s)
{
	return s != GRYM_JOB_QUEUED && s != GRYM_JOB_RUNNING;
}

void grym_job_row_clear(grym_job_row *j)
{
	if (!j)
		return;
	free(j->message);
	free(j->error);
	free(j->params);
	free(j->inputs);
	free(j->result);
	free(j->owner);
	free(j->server);
	memset(j, 0, sizeof *j);
}

void grym_job_rows_free(grym_job_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		grym_job_row_clear(&rows[i]);
	free(rows);
}

static int nomem(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

int grym_catalog_put_job(grym_catalog *cat, const grym_job_row *j, grym_error *err)
{
	static const char sql[] =
		"INSERT INTO jobs(id, kind, state, progress, error, created, updated, params,"
		" inputs, message, result, owner, started, finished, server)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)";
	static const char has[] = "SELECT 1 FROM jobs WHERE id = ?1";
	sqlite3_stmt *st;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (!grym_job_id_valid(j->id))
		return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not a job id", j->id);
	if (!j->kind[0])
		return grym_error_set(err, GRYM_ERR_INVALID, "job %s: no kind", j->id);
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	if (!(st = cat_prep(cat, has, err))) {
		rc = GRYM_ERR_DB;
	} else {
		cat_bind_text(st, 1, j->id);
		if (sqlite3_step(st) == SQLITE_ROW)
			rc = grym_error_set(err, GRYM_ERR_CONFLICT, "job %s exists", j->id);
		cat_done(st);
	}
	if (rc == GRYM_OK && !(st = cat_prep(cat, sql, err)))
		rc = GRYM_ERR_DB;
	if (rc == GRYM_OK) {
		cat_bind_text(st, 1, j->id);
		cat_bind_text(st, 2, j->kind);
		cat_bind_text(st, 3, grym_job_state_name(j->state));
		sqlite3_bind_double(st, 4, j->progress);
		cat_bind_text(st, 5, j->error);
		sqlite3_bind_int64(st, 6, j->created ? j->created : now);
		sqlite3_bind_int64(st, 7, j->updated ? j->updated : now);
		cat_bind_text(st, 8, j->params);
		cat_bind_text(st, 9, j->inputs);
		cat_bind_text(st, 10, j->message);
		cat_bind_text(st, 11, j->result);
		cat_bind_text(st, 12, j->owner);
		if (j->started)
			sqlite3_bind_int64(st, 13, j->started);
		if (j->finished)
			sqlite3_bind_int64(st, 14, j->finished);
		cat_bind_text(st, 15, j->server);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "storing a job");
		cat_done(st);
	}
	return cat_wend(cat, rc, err);
}

/* Why an UPDATE of job id changed no row: it is not there, or final. */
static int why_unchanged(grym_catalog *cat, const char *id, grym_error *err)
{
	static const char sql[] = "SELECT state FROM jobs WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = grym_error_set(err, GRYM_ERR_CONFLICT, "job %s is %s", id,
				    (const char *)sqlite3_column_text(st, 0));
	else
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "no job %s", id);
	cat_done(st);
	return rc;
}

int grym_catalog_set_job_state(grym_catalog *cat, const char *id, grym_job_state state,
			       const char *error, const char *result, grym_error *err)
{
	static const char sql[] =
		"UPDATE jobs SET state = ?2, updated = ?3,"
		" started = CASE WHEN ?2 = 'running' AND started IS NULL THEN ?3 ELSE started END,"
		" finished = CASE WHEN ?4 THEN ?3 ELSE finished END,"
		" progress = CASE WHEN ?2 = 'done' THEN 1 ELSE progress END,"
		" error = coalesce(?5, error), result = coalesce(?6, result)"
		" WHERE id = ?1 AND state IN ('queued', 'running')";
	sqlite3_stmt *st;
	int rc = GRYM_OK, unchanged = 0;

	if ((int)state < 0 || (int)state >= NSTATES)
		return grym_error_set(err, GRYM_ERR_INVALID, "job %s: no such state %d", id, (int)state);
	if (!(st = cat_prep(cat, sql, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	cat_bind_text(st, 2, grym_job_state_name(state));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(st, 4, grym_job_state_final(state));
	cat_bind_text(st, 5, error);
	cat_bind_text(st, 6, result);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = cat_db_error(cat, err, "updating a job");
	else
		unchanged = sqlite3_changes(cat->db) == 0;
	cat_done(st);
	return unchanged ? why_unchanged(cat, id, err) : rc;
}

int grym_catalog_set_job_progress(grym_catalog *cat, const char *id, double progress,
				  const char *message, grym_error *err)
{
	static const char sql[] =
		"UPDATE jobs SET progress = ?2, message = coalesce(?3, message), updated = ?4"
		" WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc = GRYM_OK;

	if (!st)
		return GRYM_ERR_DB;
	if (!(progress >= 0))   /* NaN too */
		progress = 0;
	if (progress > 1)
		progress = 1;
	cat_bind_text(st, 1, id);
	sqlite3_bind_double(st, 2, progress);
	cat_bind_text(st, 3, message);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = cat_db_error(cat, err, "updating a job");
	else if (sqlite3_changes(cat->db) == 0)
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "no job %s", id);
	cat_done(st);
	return rc;
}

#define JOB_COLS "id, kind, state, progress, error, created, updated, params, inputs," \
	" message, result, owner, started, finished, server"

static int dup_col(sqlite3_stmt *st, int i, char **out)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	*out = NULL;
	if (!s)
		return 0;
	return (*out = strdup((const char *)s)) ? 0 : -1;
}

/* Fill j from a row of JOB_COLS. */
static int read_row(sqlite3_stmt *st, grym_job_row *j, grym_error *err)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);
	const char *kind = (const char *)sqlite3_column_text(st, 1);
	const char *state = (const char *)sqlite3_column_text(st, 2);
	grym_error e = { 0 };

	memset(j, 0, sizeof *j);
	snprintf(j->id, sizeof j->id, "%s", id ? id : "");
	snprintf(j->kind, sizeof j->kind, "%s", kind ? kind : "");
	if (grym_job_state_parse(state, &j->state, &e) != GRYM_OK)
		return grym_error_set(err, GRYM_ERR_CORRUPT, "job %s: %s", j->id, e.msg);
	j->progress = sqlite3_column_double(st, 3);
	j->created = sqlite3_column_int64(st, 5);
	j->updated = sqlite3_column_int64(st, 6);
	j->started = sqlite3_column_int64(st, 12);
	j->finished = sqlite3_column_int64(st, 13);
	if (dup_col(st, 4, &j->error) || dup_col(st, 7, &j->params) || dup_col(st, 8, &j->inputs) ||
	    dup_col(st, 9, &j->message) || dup_col(st, 10, &j->result) ||
	    dup_col(st, 11, &j->owner) || dup_col(st, 14, &j->server)) {
		grym_job_row_clear(j);
		return nomem(err);
	}
	return GRYM_OK;
}

int grym_catalog_get_job(grym_catalog *cat, const char *id, grym_job_row *j, grym_error *err)
{
	static const char sql[] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;

	memset(j, 0, sizeof *j);
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_row(st, j, err);
	else if (rc == SQLITE_DONE)
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "no job %s", id ? id : "");
	else
		rc = cat_db_error(cat, err, "reading a job");
	cat_done(st);
	return rc;
}

/* The filters of a query, bound as ?1 state, ?2 owner, ?3 kind (NULL:
 * any). */
#define JOB_FILTER "(?1 IS NULL OR state = ?1) AND (?2 IS NULL OR owner = ?2)" \
	" AND (?3 IS NULL OR kind = ?3)"

int grym_catalog_list_jobs(grym_catalog *cat, const grym_job_query *q, grym_job_row **rows,
			   size_t *n, char next_cursor[GRYM_JOB_ID_LEN + 1], int64_t *total,
			   grym_error *err)
{
	/* ids sort by creation time: the cursor is the last id shown */
	static const char page[] = "SELECT " JOB_COLS " FROM jobs WHERE " JOB_FILTER
		" AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5";
	static const char count[] = "SELECT count(*) FROM jobs WHERE " JOB_FILTER;
	grym_job_query none = { 0 };
	grym_job_state s;
	sqlite3_stmt *st;
	int limit, rc = GRYM_OK, step = SQLITE_DONE;

	char after[GRYM_JOB_ID_LEN + 1] = "";

	if (!q)
		q = &none;
	/* the cursor may be the caller's next_cursor buffer itself */
	if (q->cursor && q->cursor[0]) {
		if (!grym_job_id_valid(q->cursor))
			return grym_error_set(err, GRYM_ERR_INVALID, "cursor: not a cursor of this list");
		memcpy(after, q->cursor, sizeof after);
	}
	*rows = NULL;
	*n = 0;
	next_cursor[0] = '\0';
	if (total)
		*total = 0;
	limit = q->limit ? q->limit : 50;
	if (limit < 1 || limit > GRYM_JOB_LIST_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "limit: %d is not from 1 to %d", limit,
				      GRYM_JOB_LIST_MAX);
	if (q->state && grym_job_state_parse(q->state, &s, err) != GRYM_OK)
		return GRYM_ERR_INVALID;
	if (!(*rows = calloc((size_t)limit, sizeof **rows)))
		return nomem(err);
	if (!(st = cat_prep(cat, page, err))) {
		free(*rows);
		*rows = NULL;
		return GRYM_ERR_DB;
	}
	cat_bind_text(st, 1, q->state);
	cat_bind_text(st, 2, q->owner);
	cat_bind_text(st, 3, q->kind);
	cat_bind_text(st, 4, after[0] ? after : NULL);
	/* one more than asked tells whether a next page exists */
	sqlite3_bind_int(st, 5, limit + 1);
	while (rc == GRYM_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == (size_t)limit) {
			memcpy(next_cursor, (*rows)[*n - 1].id, GRYM_JOB_ID_LEN + 1);
			break;
		}
		if ((rc = read_row(st, &(*rows)[*n], err)) == GRYM_OK)
			(*n)++;
	}
	if (rc == GRYM_OK && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = cat_db_error(cat, err, "listing jobs");
	cat_done(st);
	if (rc == GRYM_OK && total) {
		if (!(st = cat_prep(cat, count, err)))
			rc = GRYM_ERR_DB;
		if (st) {
			cat_bind_text(st, 1, q->state);
			cat_bind_text(st, 2, q->owner);
			cat_bind_text(st, 3, q->kind);
			if (sqlite3_step(st) == SQLITE_ROW)
				*total = sqlite3_column_int64(st, 0);
			else
				rc = cat_db_error(cat, err, "counting jobs");
			cat_done(st);
		}
	}
	if (rc != GRYM_OK) {
		grym_job_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		next_cursor[0] = '\0';
	}
	return rc;
}

int grym_catalog_interrupt_jobs(grym_catalog *cat, const char *self, int64_t *count,
				grym_error *err)
{
	static const char live[] =
		"SELECT DISTINCT coalesce(server, '') FROM jobs WHERE state IN ('queued', 'running')";
	static const char mark[] =
		"UPDATE jobs SET state = 'interrupted', updated = ?2, finished = ?2,"
		" error = ?3 WHERE coalesce(server, '') = ?1 AND state IN ('queued', 'running')";
	sqlite3_stmt *st;
	char **dead = NULL;
	size_t ndead = 0, cap = 0;
	int rc, step = SQLITE_DONE;

	if (count)
		*count = 0;
	if ((rc = cat_wbegin(cat, err)) != GRYM_OK)
		return rc;
	if (!(st = cat_prep(cat, live, err)))
		rc = GRYM_ERR_DB;
	while (rc == GRYM_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *srv = (const char *)sqlite3_column_text(st, 0);
		if ((self && !strcmp(srv, self)) || grym_job_server_alive(srv))
			continue;
		if (ndead == cap) {
			char **p = realloc(dead, (cap = cap ? 2 * cap : 8) * sizeof *p);
			if (!p) {
				rc = nomem(err);
				break;
			}
			dead = p;
		}
		if (!(dead[ndead] = strdup(srv)))
			rc = nomem(err);
		else
			ndead++;
	}
	if (rc == GRYM_OK && step != SQLITE_DONE)
		rc = cat_db_error(cat, err, "listing jobs");
	cat_done(st);
	for (size_t i = 0; rc == GRYM_OK && i < ndead; i++) {
		char why[GRYM_JOB_SERVER_MAX + 64];
		snprintf(why, sizeof why, "the server that ran it (%s) stopped",
			 dead[i][0] ? dead[i] : "unknown");
		if (!(st = cat_prep(cat, mark, err))) {
			rc = GRYM_ERR_DB;
			break;
		}
		cat_bind_text(st, 1, dead[i]);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		cat_bind_text(st, 3, why);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "marking jobs interrupted");
		else if (count)
			*count += sqlite3_changes(cat->db);
		cat_done(st);
	}
	for (size_t i = 0; i < ndead; i++)
		free(dead[i]);
	free(dead);
	return cat_wend(cat, rc, err);
}
