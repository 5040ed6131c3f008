/*
 * catalog_jobs.h — the catalog's jobs table: what grym-serve ran, is
 * running, or was asked to run, kept so that a restart (even after
 * kill -9) still shows what happened.
 *
 * A job is one stage call (its kind: "normalize", "features", ...) with
 * its parameters and inputs as JSON text, a state, a progress fraction
 * and message, its result (JSON text) or error, who asked for it
 * (owner), times (Unix seconds, 0: not yet) and the server process that
 * runs it (server, see grym_job_server_self). Rows are written by the
 * job runner (grym/serve_jobs.h); this layer only stores and reads
 * them. Export, import and merge never carry them.
 *
 * Job ids are 32 lower-case hex digits: the creation time in
 * milliseconds (12 digits) then 80 random bits, so ids sort by creation
 * time and lists are "newest first" by id.
 *
 * Thread-safety: as the rest of the catalog (grym/catalog.h), one handle
 * per thread; the id and server functions are safe from any thread.
 */
#ifndef GRYM_CATALOG_JOBS_H
#define GRYM_CATALOG_JOBS_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRYM_JOB_ID_LEN 32
#define GRYM_JOB_SERVER_MAX 96  /* room for grym_job_server_self's text */
#define GRYM_JOB_LIST_MAX 1000  /* rows in one page at most */

/* queued -> running -> done | failed | cancelled; queued or running ->
 * interrupted when the server that held it died; queued -> cancelled. */
typedef enum grym_job_state {
	GRYM_JOB_QUEUED = 0,
	GRYM_JOB_RUNNING,
	GRYM_JOB_DONE,
	GRYM_JOB_FAILED,
	GRYM_JOB_CANCELLED,
	GRYM_JOB_INTERRUPTED
} grym_job_state;

/* The state's name ("queued", ...; "?" for a value out of range), and
 * back: GRYM_OK, or GRYM_ERR_INVALID naming the text. */
const char *grym_job_state_name(grym_job_state s);
int grym_job_state_parse(const char *name, grym_job_state *s, grym_error *err) GRYM_MUST_CHECK;
/* 1 for a state a job never leaves (done, failed, cancelled,
 * interrupted). */
int grym_job_state_final(grym_job_state s);

/* One row. The strings are owned (NULL: SQL NULL); grym_job_row_clear
 * frees them and zeroes the row. */
typedef struct grym_job_row {
	char id[GRYM_JOB_ID_LEN + 1];
	char kind[32];                  /* the stage */
	grym_job_state state;
	double progress;                /* 0..1 */
	char *message;                  /* the last progress message */
	char *error;                    /* why it failed, was cancelled or interrupted */
	char *params;                   /* JSON object text */
	char *inputs;                   /* JSON text: array of ids, or a selection */
	char *result;                   /* JSON object text, once final */
	char *owner;                    /* the principal that asked */
	char *server;                   /* grym_job_server_self of its runner */
	int64_t created, updated, started, finished;
} grym_job_row;
void grym_job_row_clear(grym_job_row *j);
/* An array of n rows from grym_catalog_list_jobs: each cleared, then the
 * array freed (NULL is fine). */
void grym_job_rows_free(grym_job_row *rows, size_t n);

/* A new job id (see above) into id. GRYM_ERR_IO when the system gives
 * no random bytes. */
int grym_job_new_id(char id[GRYM_JOB_ID_LEN + 1], grym_error *err) GRYM_MUST_CHECK;
/* 1 when s is 32 lower-case hex digits. */
int grym_job_id_valid(const char *s);

/* This process as the jobs table's server column: "BOOT:PID:START",
 * the kernel's boot id, the process id and its start time in clock
 * ticks since boot (/proc/PID/stat field 22), so neither a reboot nor a
 * reused pid makes a dead server look alive. GRYM_ERR_IO when /proc
 * cannot be read. */
int grym_job_server_self(char *buf, size_t len, grym_error *err) GRYM_MUST_CHECK;
/* 1 when the process server names (as grym_job_server_self wrote it)
 * still runs, 0 when it does not or the text is not such a name. */
int grym_job_server_alive(const char *server);

/* Insert a new job row (the caller fills id, kind, state, params,
 * inputs, owner, server; created and updated are set to now when 0).
 * GRYM_ERR_INVALID (an id that is not a job id, no kind),
 * GRYM_ERR_CONFLICT (that id exists), GRYM_ERR_DB. */
int grym_catalog_put_job(grym_catalog *cat, const grym_job_row *j, grym_error *err)
	GRYM_MUST_CHECK;

/* Move job id to state, from a state that is not final: updated is set,
 * started when it becomes running, finished (and progress 1 for done)
 * when it becomes final; error and result (may be NULL: kept as they
 * are) are stored with it. GRYM_ERR_NOTFOUND (no such job),
 * GRYM_ERR_CONFLICT (the job is already final: "job ID is done"),
 * GRYM_ERR_DB. */
int grym_catalog_set_job_state(grym_catalog *cat, const char *id, grym_job_state state,
			       const char *error, const char *result, grym_error *err)
	GRYM_MUST_CHECK;

/* Record job id's progress (0..1, clamped) and message (NULL: kept) and
 * the time: one small UPDATE, meant to be called at most about once a
 * second by the runner. GRYM_ERR_NOTFOUND, GRYM_ERR_DB. */
int grym_catalog_set_job_progress(grym_catalog *cat, const char *id, double progress,
				  const char *message, grym_error *err) GRYM_MUST_CHECK;

/* Fill j (zeroed by the callee) with job id. GRYM_ERR_NOTFOUND,
 * GRYM_ERR_NOMEM, GRYM_ERR_DB; the caller clears j. */
int grym_catalog_get_job(grym_catalog *cat, const char *id, grym_job_row *j, grym_error *err)
	GRYM_MUST_CHECK;

/* Which jobs to list; NULL or 0 fields match everything. */
typedef struct grym_job_query {
	const char *state;      /* a state's name */
	const char *owner;
	const char *kind;
	int limit;              /* rows per page, 1..GRYM_JOB_LIST_MAX; 0: 50 */
	const char *cursor;     /* next_cursor of the page before, NULL: first page */
} grym_job_query;

/* One page of jobs, newest first: *rows (malloc'ed, *n of them; free
 * with grym_job_rows_free), next_cursor the opaque text that asks for
 * the next page ("" on the last page), *total (may be NULL) the number
 * of jobs the query matches over all pages. GRYM_ERR_INVALID naming
 * "cursor", "state" or "limit" for a value that is none of theirs,
 * GRYM_ERR_NOMEM, GRYM_ERR_DB. */
int grym_catalog_list_jobs(grym_catalog *cat, const grym_job_query *q, grym_job_row **rows,
			   size_t *n, char next_cursor[GRYM_JOB_ID_LEN + 1], int64_t *total,
			   grym_error *err) GRYM_MUST_CHECK;

/* Mark interrupted every queued or running job whose server is not
 * self (NULL: none is spared) and no longer runs
 * (grym_job_server_alive), with an error saying so; *count (may be
 * NULL) the jobs marked. Called by a runner as it starts. GRYM_ERR_DB. */
int grym_catalog_interrupt_jobs(grym_catalog *cat, const char *self, int64_t *count,
				grym_error *err) GRYM_MUST_CHECK;

/* The job as JSON text (allocated; NULL when out of memory):
 * {"id", "stage" (the kind), "state", "progress", "message", "error",
 * "params", "inputs", "result" (each JSON as stored, null when absent),
 * "owner", "created", "updated", "started", "finished" (Unix seconds,
 * null when not yet)}. The server column stays inside. */
char *grym_job_row_json(const grym_job_row *j) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
