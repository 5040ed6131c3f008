/*
 * pool.h — the ordered worker pool every stage runs its inputs through.
 *
 * One thread (the driver: a program's main loop, a server's request)
 * submits jobs in order; N worker threads run work(job); done(job) is
 * called for each job in submission order, one at a time, on the driver
 * thread, from inside grym_pool_submit, _drain and _finish. So a stage's
 * output writer, its messages and its progress bar are only ever touched
 * by the driver: the caller needs no lock, and output order is input
 * order whatever the threads do.
 *
 *   grym_pool_opts po = { .jobs = n, .work = run_one, .done = write_one,
 *                         .discard = free_one, .ud = &state,
 *                         .cancel = &grym_cli_cancel };
 *   grym_pool *p = grym_pool_new(&po, &err);
 *   while (more input)
 *       if (grym_pool_submit(p, make_job(), &err) != GRYM_OK)
 *           break;                      (the job was not taken: free it)
 *   rc = grym_pool_finish(p, &err);     (GRYM_OK, or GRYM_ERR_CANCELLED)
 *   grym_pool_free(p);
 *
 * Rules:
 *   - Memory is bounded: at most 2 x jobs jobs are in flight (submitted,
 *     not yet given to done); _submit blocks (delivering finished jobs
 *     meanwhile) while the window is full.
 *   - A job's failure is the job's business: work() returns nothing, it
 *     stores its status in the job and done() reports it; the pool keeps
 *     going. A caller that must stop (its output failed) stops submitting
 *     and calls grym_pool_free, which hands what is left to discard().
 *   - Cancellation: once *cancel (the process-wide signal flag, or a
 *     server's per-request flag) is non-zero, no job starts any more; the
 *     running ones see the flag through grym_pool_worker.cancel (pass it
 *     to the library calls they make, which stop within a block), and the
 *     pool waits for them. Every job that started is then given to done(),
 *     in order (its own status says whether it finished or was stopped);
 *     the jobs that never started are given to discard(), so done() sees
 *     a prefix of the submitted jobs. The call that noticed returns
 *     GRYM_ERR_CANCELLED, and so does every later call. The driver waits
 *     in steps of at most 100 ms, so it notices the flag within about
 *     that, plus the time a running job takes to stop.
 *   - Progress: a job reports its own fraction (0..1) with
 *     grym_pool_progress; the pool adds jobs finished and fractions of
 *     running jobs and calls progress(ud, done, total) on the driver
 *     thread, at most 10 times a second when the value moved, and once at
 *     the end (grym_pool_finish). The value never goes down.
 *   - jobs 1 runs every job on the driver thread inside _submit, with no
 *     thread: exactly the serial program.
 *   - No global state: any number of pools run side by side in a process
 *     (a stage's done() may itself drive another pool).
 *   - One thread drives a pool: _submit, _drain, _finish and _free are
 *     never called concurrently on the same pool, nor on it from its own
 *     callbacks.
 */
#ifndef GRYM_POOL_H
#define GRYM_POOL_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stdint.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one limit of -j/--jobs in every program, and of grym_pool_opts.jobs. */
#define GRYM_JOBS_MAX 256

typedef struct grym_pool grym_pool;

/* What work() is told about the thread running it. */
typedef struct grym_pool_worker {
	int index;      /* 0..jobs-1, one job at a time per index: per-worker
			 * state (a catalog handle) can live in an array indexed
			 * by it without a lock */
	const volatile sig_atomic_t *cancel; /* the pool's flag (NULL: none):
			 * hand it to the library calls the job makes */
	grym_pool *pool;        /* private */
	uint64_t seq;           /* private: the running job */
} grym_pool_worker;

typedef void (*grym_pool_work_fn)(void *ud, void *job, grym_pool_worker *w);
typedef void (*grym_pool_job_fn)(void *ud, void *job);
/* done: jobs finished plus fractions of running ones; total as given
 * (0: unknown). */
typedef void (*grym_pool_progress_fn)(void *ud, double done, uint64_t total);

typedef struct grym_pool_opts {
	int jobs;                       /* worker threads, 1..GRYM_JOBS_MAX */
	grym_pool_work_fn work;         /* required; runs on a worker thread */
	grym_pool_job_fn done;          /* in order, on the driver; NULL: none */
	grym_pool_job_fn discard;       /* a job that done() will never see
					 * (cancelled before it started, or left
					 * at grym_pool_free); on the driver;
					 * NULL: none */
	grym_pool_progress_fn progress; /* NULL: none */
	void *ud;                       /* first argument of the four */
	uint64_t total;                 /* jobs expected, for progress; 0 unknown */
	const volatile sig_atomic_t *cancel; /* NULL: never cancelled */
} grym_pool_opts;

/* Start the workers (none for jobs 1). jobs outside 1..GRYM_JOBS_MAX or
 * no work function: GRYM_ERR_INVALID. A thread that cannot start leaves
 * fewer workers (none: the jobs run on the driver), never a failure;
 * GRYM_ERR_NOMEM. o is copied (its ud and cancel are kept by pointer).
 * The caller owns the pool (grym_pool_free). */
grym_pool *grym_pool_new(const grym_pool_opts *o, grym_error *err) GRYM_MUST_CHECK;

/* Queue job (the pool holds it until done() or discard()), delivering
 * finished jobs; blocks while 2 x jobs are in flight. GRYM_ERR_CANCELLED
 * (see above) or GRYM_ERR_INVALID after grym_pool_finish: the job was not
 * taken, the caller still owns it. */
int grym_pool_submit(grym_pool *p, void *job, grym_error *err) GRYM_MUST_CHECK;

/* Wait until every job submitted so far went through done(): what came
 * before, before the next thing the caller does itself. The pool takes
 * more jobs afterwards. GRYM_OK or GRYM_ERR_CANCELLED. */
int grym_pool_drain(grym_pool *p, grym_error *err) GRYM_MUST_CHECK;

/* Drain, then the last progress call; no job is taken afterwards.
 * GRYM_OK or GRYM_ERR_CANCELLED. */
int grym_pool_finish(grym_pool *p, grym_error *err) GRYM_MUST_CHECK;

/* Stop: no job starts any more, running ones are waited for, and every
 * job not yet given to done() goes to discard(). Then the threads end.
 * NULL is fine. */
void grym_pool_free(grym_pool *p);

/* From work(): the running job is this fraction (0..1) done. Cheap (no
 * lock with threads); a fraction below one reported before is ignored. */
void grym_pool_progress(grym_pool_worker *w, double fraction);
/* The same as a grym_progress_fn (grym/progress.h), for the library
 * calls a job makes: pass it as their progress callback with the job's
 * worker as ud, and the pool's progress moves with the position within
 * each running job (the message is dropped). */
void grym_pool_progress_cb(void *worker, double fraction, const char *msg);

/* The number of workers actually running (0: jobs run on the driver). */
int grym_pool_threads(const grym_pool *p);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
