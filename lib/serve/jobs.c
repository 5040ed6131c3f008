/*
 * jobs.c — the job runner (grym/serve_jobs.h): a FIFO of queued jobs,
 * a fixed set of worker threads that take them one at a time, a cancel
 * flag per job, states and progress written to the catalog's jobs
 * table and told to the event callback.
 *
 * Locks: `lock` guards the lists and every job's in-memory row (what
 * grym_jobs_get shows while the job lives); `db_lock` guards the
 * front catalog handle that submit, get, list and cancel share (each
 * worker has a handle of its own). They are never held together, and
 * no callback (the stage's into the runner, or the event callback out
 * of it) runs under either, so the event callback may call get.
 *
 * Event order per job: a job's "queued" event is sent before the job
 * enters the queue, so a worker's "running" cannot overtake it; after
 * that only one thread moves a job (its worker, or the canceller that
 * took it out of the queue under the lock).
 *
 * The table's progress is written at most once a second per job (the
 * in-memory row is always fresh); events at most every 100 ms, and
 * always for a state change.
 */
#include "serve/jobs_int.h"
#include "grym/catalog_jobs.h"
#include "grym/serve_jobs.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 64
#define MAX_FAILURES 100        /* listed in a result */
#define EVENT_NS 100000000LL    /* 100 ms between progress events */
#define DB_NS 1000000000LL      /* 1 s between progress writes */

typedef struct job {
	grym_job_row row;               /* as it is now (under lock) */
	volatile sig_atomic_t cancel;   /* the stage's flag */
	int queued;                     /* in the run queue */
	int stopping;                   /* cancelled because the runner stops */
	int64_t last_event, last_db;    /* monotonic ns */
	struct job *next;               /* run queue */
	struct job *anext, *aprev;      /* the runner's live jobs */
	/* the worker's own, while it runs */
	grym_jobs *jr;
	grym_catalog *cat;
	json_t *failures;
} job;

struct grym_jobs {
	char *dir;
	char server[GRYM_JOB_SERVER_MAX];
	int nworkers, queue_limit;
	pthread_t *threads;
	grym_catalog **wcat;            /* each worker's handle */
	int started;                    /* threads started */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	job *head, *tail;               /* run queue */
	job *live;                      /* queued, running, or being submitted */
	int nqueued, nrunning, stopping;
	grym_jobs_event_fn on_event;
	void *event_ud;
	pthread_mutex_t db_lock;
	grym_catalog *cat;              /* front handle */
	char last_id[GRYM_JOB_ID_LEN + 1];      /* the last job id made */
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int nomem(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void set_cancel(job *j)
{
	__atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
}

/* ---- the live list and the queue (under lock) ---- */

static void live_add(grym_jobs *jr, job *j)
{
	j->aprev = NULL;
	j->anext = jr->live;
	if (jr->live)
		jr->live->aprev = j;
	jr->live = j;
}

static void live_remove(grym_jobs *jr, job *j)
{
	if (j->aprev)
		j->aprev->anext = j->anext;
	else
		jr->live = j->anext;
	if (j->anext)
		j->anext->aprev = j->aprev;
	j->anext = j->aprev = NULL;
}

static job *live_find(grym_jobs *jr, const char *id)
{
	for (job *j = jr->live; j; j = j->anext)
		if (!strcmp(j->row.id, id))
			return j;
	return NULL;
}

static void queue_push(grym_jobs *jr, job *j)
{
	j->next = NULL;
	if (jr->tail)
		jr->tail->next = j;
	else
		jr->head = j;
	jr->tail = j;
	j->queued = 1;
	jr->nqueued++;
}

static void queue_remove(grym_jobs *jr, job *j)
{
	job **pp = &jr->head, *prev = NULL;
	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = j->next;
	if (jr->tail == j)
		jr->tail = prev;
	j->next = NULL;
	j->queued = 0;
	jr->nqueued--;
}

static void job_free(job *j)
{
	if (!j)
		return;
	grym_job_row_clear(&j->row);
	json_decref(j->failures);
	free(j);
}

/* ---- events ---- */

/* The job's JSON and the callback, taken under lock, for emit() after
 * the lock is released. */
typedef struct event {
	grym_jobs_event_fn fn;
	void *ud;
	char id[GRYM_JOB_ID_LEN + 1];
	char *json;
} event;

static void snapshot(grym_jobs *jr, job *j, event *ev)
{
	ev->fn = jr->on_event;
	ev->ud = jr->event_ud;
	memcpy(ev->id, j->row.id, sizeof ev->id);
	ev->json = ev->fn ? grym_job_row_json(&j->row) : NULL;
}

static void emit(event *ev)
{
	if (ev->fn && ev->json)
		ev->fn(ev->ud, ev->id, ev->json);
	free(ev->json);
	ev->json = NULL;
}

/* ---- the stage's callbacks (on the worker's thread) ---- */

static void on_progress(void *ud, double done, uint64_t total, const char *msg)
{
	job *j = ud;
	grym_jobs *jr = j->jr;
	int64_t t = now_ns();
	event ev = { 0 };
	int send = 0, write = 0;
	double frac;
	char *m = NULL;

	pthread_mutex_lock(&jr->lock);
	frac = j->row.progress;
	if (total > 0 && done >= 0) {
		double f = done / (double)total;
		if (f > 1)
			f = 1;
		if (f > frac)   /* never backwards */
			frac = j->row.progress = f;
	}
	if (msg && (!j->row.message || strcmp(msg, j->row.message))) {
		char *copy = strdup(msg);
		if (copy) {
			free(j->row.message);
			j->row.message = copy;
		}
	}
	if (t - j->last_event >= EVENT_NS) {
		j->last_event = t;
		snapshot(jr, j, &ev);
		send = 1;
	}
	if (t - j->last_db >= DB_NS) {
		j->last_db = t;
		m = dup_or_null(j->row.message);
		write = 1;
	}
	pthread_mutex_unlock(&jr->lock);
	if (write) {
		grym_error e = { 0 };
		/* best effort: the next write, or the final state, catches up */
		(void)!grym_catalog_set_job_progress(j->cat, j->row.id, frac, m, &e);
	}
	free(m);
	if (send)
		emit(&ev);
}

static void on_failed(void *ud, const char *input, const grym_error *e)
{
	job *j = ud;
	if (json_array_size(j->failures) < MAX_FAILURES)
		json_array_append_new(j->failures,
				      json_pack("{s:s?, s:s}", "input", input, "error", e->msg));
}

/* ---- running one job (a worker) ---- */

/* Move j to a final state: the table first, then the in-memory row,
 * out of the live list, the event, freed. */
static void finish(grym_jobs *jr, job *j, grym_catalog *cat, pthread_mutex_t *db_lock,
		   grym_job_state st, const char *error, const char *result)
{
	grym_error e = { 0 };
	event ev = { 0 };
	/* a failure here leaves the row queued or running: the next start
	 * marks it interrupted */
	if (db_lock)
		pthread_mutex_lock(db_lock);
	(void)!grym_catalog_set_job_state(cat, j->row.id, st, error, result, &e);
	if (db_lock)
		pthread_mutex_unlock(db_lock);
	pthread_mutex_lock(&jr->lock);
	j->row.state = st;
	j->row.updated = j->row.finished = (int64_t)time(NULL);
	if (st == GRYM_JOB_DONE)
		j->row.progress = 1;
	if (error) {
		free(j->row.error);
		j->row.error = strdup(error);
	}
	if (result) {
		free(j->row.result);
		j->row.result = strdup(result);
	}
	live_remove(jr, j);
	snapshot(jr, j, &ev);
	pthread_mutex_unlock(&jr->lock);
	emit(&ev);
	job_free(j);
}

static void run_job(grym_jobs *jr, job *j, grym_catalog *cat)
{
	grym_error err = { 0 }, e = { 0 };
	grym_stage_env env = { 0 };
	json_t *result = json_object();
	grym_job_state st;
	char *res, why[sizeof err.msg + 64];
	const char *error = NULL;
	int rc;

	j->cat = cat;
	j->failures = json_array();
	(void)!grym_catalog_set_job_state(cat, j->row.id, GRYM_JOB_RUNNING, NULL, NULL, &e);
	env.catalog_dir = jr->dir;
	env.cancel = &j->cancel;
	env.progress = on_progress;
	env.failed = on_failed;
	env.ud = j;
	if (!result || !j->failures)
		rc = nomem(&err);
	else
		rc = sj_run(cat, j->row.kind, j->row.params, j->row.inputs, &env, result, &err);
	if (result) {
		json_object_set_new(result, "inputs", json_integer((json_int_t)env.ninputs));
		json_object_set_new(result, "failed", json_integer((json_int_t)env.nfailed));
		json_object_set(result, "failures", j->failures ? j->failures : json_null());
	}
	if (rc == GRYM_ERR_CANCELLED) {
		int stopping;
		pthread_mutex_lock(&jr->lock);
		stopping = j->stopping;
		pthread_mutex_unlock(&jr->lock);
		st = GRYM_JOB_CANCELLED;
		error = stopping ? "cancelled: the server stopped" : "cancelled";
	} else if (rc != GRYM_OK) {
		st = GRYM_JOB_FAILED;
		error = err.msg;
	} else if (env.nfailed > 0 && env.nfailed >= env.ninputs) {
		/* nothing came out */
		const char *first = json_string_value(json_object_get(json_array_get(j->failures, 0),
								      "error"));
		st = GRYM_JOB_FAILED;
		snprintf(why, sizeof why, "every input failed (%llu)%s%s",
			 (unsigned long long)env.nfailed, first ? ": " : "", first ? first : "");
		error = why;
	} else {
		st = GRYM_JOB_DONE;
	}
	res = result ? json_dumps(result, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	json_decref(result);
	finish(jr, j, cat, NULL, st, error, res);
	free(res);
}

typedef struct worker_arg {
	grym_jobs *jr;
	int index;
} worker_arg;

static void *worker(void *arg)
{
	worker_arg *w = arg;
	grym_jobs *jr = w->jr;
	grym_catalog *cat = jr->wcat[w->index];
	free(w);
	for (;;) {
		event ev = { 0 };
		job *j;
		pthread_mutex_lock(&jr->lock);
		while (!jr->stopping && !jr->head)
			pthread_cond_wait(&jr->wake, &jr->lock);
		if (!jr->head) {        /* stopping, nothing left */
			pthread_mutex_unlock(&jr->lock);
			break;
		}
		j = jr->head;
		queue_remove(jr, j);
		jr->nrunning++;
		j->row.state = GRYM_JOB_RUNNING;
		j->row.started = j->row.updated = (int64_t)time(NULL);
		j->jr = jr;
		j->last_event = j->last_db = now_ns();
		snapshot(jr, j, &ev);
		pthread_mutex_unlock(&jr->lock);
		emit(&ev);
		run_job(jr, j, cat);
		pthread_mutex_lock(&jr->lock);
		jr->nrunning--;
		pthread_mutex_unlock(&jr->lock);
	}
	return NULL;
}

/* ---- the runner ---- */

grym_jobs *grym_jobs_new(const char *catalog_dir, int workers, int queue_limit, grym_error *err)
{
	grym_jobs *jr;
	int64_t n = 0;

	if (workers < 1 || workers > MAX_WORKERS) {
		grym_error_set(err, GRYM_ERR_INVALID, "workers: %d is not from 1 to %d", workers,
			       MAX_WORKERS);
		return NULL;
	}
	if (queue_limit < 1) {
		grym_error_set(err, GRYM_ERR_INVALID, "queue limit: %d is not a positive number",
			       queue_limit);
		return NULL;
	}
	if (!(jr = calloc(1, sizeof *jr))) {
		nomem(err);
		return NULL;
	}
	pthread_mutex_init(&jr->lock, NULL);
	pthread_mutex_init(&jr->db_lock, NULL);
	pthread_cond_init(&jr->wake, NULL);
	jr->nworkers = workers;
	jr->queue_limit = queue_limit;
	if (!(jr->dir = strdup(catalog_dir ? catalog_dir : "")) ||
	    !(jr->threads = calloc((size_t)workers, sizeof *jr->threads)) ||
	    !(jr->wcat = calloc((size_t)workers, sizeof *jr->wcat))) {
		nomem(err);
		goto fail;
	}
	if (grym_job_server_self(jr->server, sizeof jr->server, err) != GRYM_OK ||
	    !(jr->cat = grym_catalog_open(jr->dir, err)) ||
	    grym_catalog_interrupt_jobs(jr->cat, jr->server, &n, err) != GRYM_OK)
		goto fail;
	for (int i = 0; i < workers; i++)
		if (!(jr->wcat[i] = grym_catalog_open(jr->dir, err)))
			goto fail;
	for (int i = 0; i < workers; i++) {
		worker_arg *w = malloc(sizeof *w);
		int e;
		if (!w) {
			nomem(err);
			goto fail;
		}
		w->jr = jr;
		w->index = i;
		if ((e = pthread_create(&jr->threads[i], NULL, worker, w)) != 0) {
			free(w);
			grym_error_set(err, GRYM_ERR_IO, "starting a job worker: %s", strerror(e));
			goto fail;
		}
		jr->started++;
	}
	return jr;
fail:
	grym_jobs_free(jr);
	return NULL;
}

void grym_jobs_set_events(grym_jobs *jr, grym_jobs_event_fn fn, void *ud)
{
	pthread_mutex_lock(&jr->lock);
	jr->on_event = fn;
	jr->event_ud = ud;
	pthread_mutex_unlock(&jr->lock);
}

/* A queued job taken out of the queue (under lock, by the caller) is
 * cancelled: its row, its event, freed. */
static void cancel_taken(grym_jobs *jr, job *j, const char *why)
{
	finish(jr, j, jr->cat, &jr->db_lock, GRYM_JOB_CANCELLED, why, NULL);
}

void grym_jobs_free(grym_jobs *jr)
{
	job *q;
	if (!jr)
		return;
	pthread_mutex_lock(&jr->lock);
	jr->stopping = 1;
	q = jr->head;           /* the queued ones, cancelled below */
	jr->head = jr->tail = NULL;
	jr->nqueued = 0;
	for (job *j = jr->live; j; j = j->anext) {
		j->stopping = 1;
		set_cancel(j);
	}
	pthread_cond_broadcast(&jr->wake);
	pthread_mutex_unlock(&jr->lock);
	while (q) {
		job *next = q->next;
		q->queued = 0;
		cancel_taken(jr, q, "cancelled: the server stopped");
		q = next;
	}
	for (int i = 0; i < jr->started; i++)
		pthread_join(jr->threads[i], NULL);
	for (int i = 0; jr->wcat && i < jr->nworkers; i++)
		grym_catalog_close(jr->wcat[i]);
	grym_catalog_close(jr->cat);
	pthread_cond_destroy(&jr->wake);
	pthread_mutex_destroy(&jr->lock);
	pthread_mutex_destroy(&jr->db_lock);
	free(jr->wcat);
	free(jr->threads);
	free(jr->dir);
	free(jr);
}

static int submit(grym_jobs *jr, int any, const char *stage, const char *params,
		  const char *inputs, const char *owner, char id[GRYM_JOB_ID_LEN + 1], char *field,
		  size_t field_len, grym_error *err)
{
	char *p = NULL, *in = NULL;
	job *j;
	event ev = { 0 };
	int rc, cancelled, stopped;

	id[0] = '\0';
	pthread_mutex_lock(&jr->db_lock);
	rc = any ? sj_check_any(jr->cat, stage, params, inputs, &p, &in, field, field_len, err)
		 : sj_check(jr->cat, stage, params, inputs, &p, &in, field, field_len, err);
	pthread_mutex_unlock(&jr->db_lock);
	if (rc != GRYM_OK)
		return rc;
	if (!(j = calloc(1, sizeof *j))) {
		free(p);
		free(in);
		return nomem(err);
	}
	j->row.params = p;
	j->row.inputs = in;
	snprintf(j->row.kind, sizeof j->row.kind, "%s", stage);
	j->row.state = GRYM_JOB_QUEUED;
	j->row.created = j->row.updated = (int64_t)time(NULL);
	if ((owner && !(j->row.owner = strdup(owner))) || !(j->row.server = strdup(jr->server))) {
		job_free(j);
		return nomem(err);
	}
	/* ids order by their millisecond: two in one millisecond wait for
	 * the next, so this runner's jobs list in the order submitted */
	for (;;) {
		int later;
		if ((rc = grym_job_new_id(j->row.id, err)) != GRYM_OK) {
			job_free(j);
			return rc;
		}
		pthread_mutex_lock(&jr->lock);
		later = strncmp(j->row.id, jr->last_id, 12) > 0;
		if (later)
			memcpy(jr->last_id, j->row.id, sizeof jr->last_id);
		pthread_mutex_unlock(&jr->lock);
		if (later)
			break;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	/* a place in the queue, held while the row is written */
	pthread_mutex_lock(&jr->lock);
	if (jr->stopping)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "the server is stopping");
	else if (jr->nqueued >= jr->queue_limit)
		rc = grym_error_set(err, GRYM_ERR_LIMIT, "queue full: %d jobs wait", jr->nqueued);
	else {
		live_add(jr, j);
		jr->nqueued++;
	}
	pthread_mutex_unlock(&jr->lock);
	if (rc != GRYM_OK) {
		job_free(j);
		return rc;
	}
	pthread_mutex_lock(&jr->db_lock);
	rc = grym_catalog_put_job(jr->cat, &j->row, err);
	pthread_mutex_unlock(&jr->db_lock);
	if (rc != GRYM_OK) {
		pthread_mutex_lock(&jr->lock);
		live_remove(jr, j);
		jr->nqueued--;
		pthread_mutex_unlock(&jr->lock);
		job_free(j);
		return rc;
	}
	memcpy(id, j->row.id, GRYM_JOB_ID_LEN + 1);
	pthread_mutex_lock(&jr->lock);
	snapshot(jr, j, &ev);
	pthread_mutex_unlock(&jr->lock);
	emit(&ev);
	/* into the queue, unless cancelled (or the runner stopped) meanwhile */
	pthread_mutex_lock(&jr->lock);
	jr->nqueued--;
	cancelled = j->cancel || jr->stopping;
	stopped = j->stopping;
	if (!cancelled) {
		queue_push(jr, j);
		pthread_cond_signal(&jr->wake);
	}
	pthread_mutex_unlock(&jr->lock);
	if (cancelled)
		cancel_taken(jr, j, stopped ? "cancelled: the server stopped" : "cancelled");
	return GRYM_OK;
}

char *grym_jobs_get(grym_jobs *jr, const char *id, grym_error *err)
{
	grym_job_row row;
	char *s = NULL;
	job *j;
	int rc;

	pthread_mutex_lock(&jr->lock);
	if ((j = live_find(jr, id ? id : "")) != NULL && !(s = grym_job_row_json(&j->row)))
		nomem(err);
	pthread_mutex_unlock(&jr->lock);
	if (j)
		return s;
	pthread_mutex_lock(&jr->db_lock);
	rc = grym_catalog_get_job(jr->cat, id ? id : "", &row, err);
	pthread_mutex_unlock(&jr->db_lock);
	if (rc == GRYM_OK && !(s = grym_job_row_json(&row)))
		nomem(err);
	grym_job_row_clear(&row);
	return s;
}

char *grym_jobs_list(grym_jobs *jr, const grym_job_query *q, grym_error *err)
{
	grym_job_row *rows = NULL;
	size_t n = 0;
	char next[GRYM_JOB_ID_LEN + 1];
	int64_t total = 0;
	json_t *o, *items;
	char *s = NULL;
	int rc;

	pthread_mutex_lock(&jr->db_lock);
	rc = grym_catalog_list_jobs(jr->cat, q, &rows, &n, next, &total, err);
	pthread_mutex_unlock(&jr->db_lock);
	if (rc != GRYM_OK)
		return NULL;
	if (!(o = json_object()) || !(items = json_array()) ||
	    json_object_set_new(o, "items", items)) {
		json_decref(o);
		grym_job_rows_free(rows, n);
		nomem(err);
		return NULL;
	}
	/* a live job as it is now (its progress fresher than the row's) */
	pthread_mutex_lock(&jr->lock);
	for (size_t i = 0; i < n; i++) {
		job *j = live_find(jr, rows[i].id);
		char *t = grym_job_row_json(j ? &j->row : &rows[i]);
		json_t *v = t ? json_loads(t, 0, NULL) : NULL;
		free(t);
		if (!v || json_array_append_new(items, v))
			rc = GRYM_ERR_NOMEM;
	}
	pthread_mutex_unlock(&jr->lock);
	grym_job_rows_free(rows, n);
	json_object_set_new(o, "next_cursor", next[0] ? json_string(next) : json_null());
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	if (rc == GRYM_OK)
		s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (!s)
		nomem(err);
	json_decref(o);
	return s;
}

int grym_jobs_cancel(grym_jobs *jr, const char *id, grym_error *err)
{
	grym_job_row row;
	job *j;
	int rc, taken = 0, found;

	pthread_mutex_lock(&jr->lock);
	if ((found = (j = live_find(jr, id ? id : "")) != NULL)) {
		set_cancel(j);
		if (j->queued) {
			queue_remove(jr, j);
			taken = 1;
		}
	}
	pthread_mutex_unlock(&jr->lock);
	if (taken)
		cancel_taken(jr, j, "cancelled");
	if (found)
		return GRYM_OK;
	pthread_mutex_lock(&jr->db_lock);
	rc = grym_catalog_get_job(jr->cat, id ? id : "", &row, err);
	pthread_mutex_unlock(&jr->db_lock);
	if (rc == GRYM_OK) {
		if (grym_job_state_final(row.state))
			rc = grym_error_set(err, GRYM_ERR_CONFLICT, "job %s is %s", row.id,
					    grym_job_state_name(row.state));
		else
			rc = grym_error_set(err, GRYM_ERR_CONFLICT, "job %s runs in another server",
					    row.id);
	}
	grym_job_row_clear(&row);
	return rc;
}

int grym_jobs_submit(grym_jobs *jr, const char *stage, const char *params, const char *inputs,
		     const char *owner, char id[GRYM_JOB_ID_LEN + 1], char *field,
		     size_t field_len, grym_error *err)
{
	return submit(jr, 0, stage, params, inputs, owner, id, field, field_len, err);
}

int grym_jobs_submit_ingest(grym_jobs *jr, const char *params, const char *files,
			    const char *owner, char id[GRYM_JOB_ID_LEN + 1], char *field,
			    size_t field_len, grym_error *err)
{
	return submit(jr, 1, "ingest", params, files, owner, id, field, field_len, err);
}

int grym_jobs_rerun(grym_jobs *jr, const char *id, const char *owner,
		    char new_id[GRYM_JOB_ID_LEN + 1], grym_error *err)
{
	grym_job_row row;
	char field[64];
	int rc;

	new_id[0] = '\0';
	pthread_mutex_lock(&jr->db_lock);
	rc = grym_catalog_get_job(jr->cat, id ? id : "", &row, err);
	pthread_mutex_unlock(&jr->db_lock);
	if (rc == GRYM_OK && !grym_job_state_final(row.state))
		rc = grym_error_set(err, GRYM_ERR_CONFLICT, "job %s is %s", row.id,
				    grym_job_state_name(row.state));
	if (rc == GRYM_OK)
		rc = submit(jr, 1, row.kind, row.params, row.inputs, owner, new_id, field,
			    sizeof field, err);
	grym_job_row_clear(&row);
	return rc;
}

void grym_jobs_counts(grym_jobs *jr, int *queued, int *running)
{
	pthread_mutex_lock(&jr->lock);
	if (queued)
		*queued = jr->nqueued;
	if (running)
		*running = jr->nrunning;
	pthread_mutex_unlock(&jr->lock);
}
