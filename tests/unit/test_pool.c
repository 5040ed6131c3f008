/* test_pool.c — the ordered worker pool (grym/pool.h): input order out,
 * done() serial on the driver, a bounded window, cancellation within
 * 200 ms with done() for a prefix only, progress monotone and throttled,
 * two pools side by side, the threadless jobs 1, per-job errors. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "grym/pool.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };
	while (nanosleep(&t, &t) != 0)
		;
}

static int flag(const volatile sig_atomic_t *f)
{
	return f && __atomic_load_n(f, __ATOMIC_RELAXED);
}

static void set_flag(volatile sig_atomic_t *f)
{
	__atomic_store_n(f, 1, __ATOMIC_RELAXED);
}

typedef struct job {
	int seq;
	long us;                /* work time */
	int worked, result, rc;
	pthread_t thread;
} job;

/* What a run observed. */
typedef struct run {
	pthread_t driver;
	int jobs;
	int next_done;          /* seq expected next in done() */
	int out_of_order, done_calls, discards, not_worked, wrong_result;
	int off_driver;         /* callbacks on another thread than the driver */
	atomic_int in_done, overlap;
	atomic_int running, max_running;
	int submitted, max_inflight;
	int failed_jobs;
	int first_discard;      /* seq of the first discarded job, -1 none */
	int discard_after_done; /* a discard before a done, or a worked job discarded */
	int long_work;          /* work loops until the cancel flag, for an "hour" */
	/* progress */
	int pcalls;
	double pfirst_t, plast_t, plast_v, pstart_t;
	double ptimes[512];     /* when each call came */
	int pbackwards, pfraction_seen;
	uint64_t plast_total;
	atomic_int in_progress;
} run;

static void run_init(run *r, int jobs)
{
	memset(r, 0, sizeof *r);
	r->driver = pthread_self();
	r->jobs = jobs;
	r->first_discard = -1;
	r->plast_v = -1;
	r->pstart_t = now_s();
	atomic_init(&r->in_done, 0);
	atomic_init(&r->overlap, 0);
	atomic_init(&r->running, 0);
	atomic_init(&r->max_running, 0);
	atomic_init(&r->in_progress, 0);
}

static void work(void *ud, void *jp, grym_pool_worker *w)
{
	run *r = ud;
	job *j = jp;
	int n = atomic_fetch_add(&r->running, 1) + 1, m = atomic_load(&r->max_running);
	while (n > m && !atomic_compare_exchange_weak(&r->max_running, &m, n))
		;
	j->thread = pthread_self();
	if (r->long_work) {
		/* an hour of audio, one 1 ms block at a time, checking the
		 * flag as the library's loops do */
		for (long b = 0; b < 3600L * 1000 && !flag(w->cancel); b++)
			sleep_us(1000);
		j->rc = flag(w->cancel) ? GRYM_ERR_CANCELLED : GRYM_OK;
	} else {
		for (int k = 1; k <= 4; k++) {
			sleep_us(j->us / 4);
			grym_pool_progress(w, k / 4.0);
		}
		j->result = j->seq * 2 + 1;
		/* a job's failure is its own: every seventh one fails */
		j->rc = j->seq % 7 == 3 ? GRYM_ERR_FORMAT : GRYM_OK;
	}
	j->worked = 1;
	atomic_fetch_sub(&r->running, 1);
}

static void done(void *ud, void *jp)
{
	run *r = ud;
	job *j = jp;
	if (atomic_fetch_add(&r->in_done, 1) != 0)
		atomic_fetch_add(&r->overlap, 1);
	if (!pthread_equal(pthread_self(), r->driver))
		r->off_driver++;
	if (j->seq != r->next_done)
		r->out_of_order++;
	r->next_done = j->seq + 1;
	if (!j->worked)
		r->not_worked++;
	if (!r->long_work && j->result != j->seq * 2 + 1)
		r->wrong_result++;
	if (j->rc == GRYM_ERR_FORMAT)
		r->failed_jobs++;
	if (r->first_discard >= 0)
		r->discard_after_done++;
	int inflight = r->submitted - r->done_calls - r->discards;
	if (inflight > r->max_inflight)
		r->max_inflight = inflight;
	r->done_calls++;
	sleep_us(j->seq % 5 == 0 ? 300 : 0);  /* a slow writer now and then */
	atomic_fetch_sub(&r->in_done, 1);
	free(j);
}

static void discard(void *ud, void *jp)
{
	run *r = ud;
	job *j = jp;
	if (!pthread_equal(pthread_self(), r->driver))
		r->off_driver++;
	if (r->first_discard < 0)
		r->first_discard = j->seq;
	if (j->worked && !r->long_work)
		r->discard_after_done++;
	r->discards++;
	free(j);
}

static void progress(void *ud, double v, uint64_t total)
{
	run *r = ud;
	double t = now_s();
	if (atomic_fetch_add(&r->in_progress, 1) != 0 || atomic_load(&r->in_done) != 0)
		atomic_fetch_add(&r->overlap, 1);
	if (!pthread_equal(pthread_self(), r->driver))
		r->off_driver++;
	if (r->pcalls == 0)
		r->pfirst_t = t;
	if (r->pcalls < 512)
		r->ptimes[r->pcalls] = t;
	if (v < r->plast_v)
		r->pbackwards++;
	if (v != (double)(long)v)
		r->pfraction_seen = 1;
	r->plast_t = t;
	r->plast_v = v;
	r->plast_total = total;
	r->pcalls++;
	atomic_fetch_sub(&r->in_progress, 1);
}

static job *new_job(int seq, long us)
{
	job *j = calloc(1, sizeof *j);
	if (j) {
		j->seq = seq;
		j->us = us;
	}
	return j;
}

/* Submit n jobs of random length (0..max_us) through a pool of jobs
 * workers; returns the finish status. */
static int run_jobs(run *r, int jobs, int n, long max_us, unsigned seed,
		    volatile sig_atomic_t *cancel, int with_progress, uint64_t total)
{
	grym_error err;
	grym_pool_opts o = { .jobs = jobs, .work = work, .done = done, .discard = discard,
			     .progress = with_progress ? progress : NULL, .ud = r,
			     .total = total, .cancel = cancel };
	grym_pool *p = grym_pool_new(&o, &err);
	int rc = GRYM_OK;
	if (!p)
		return err.code;
	for (int i = 0; i < n; i++) {
		job *j = new_job(i, max_us ? (long)(rand_r(&seed) % (unsigned)max_us) : 0);
		if (!j)
			break;
		rc = grym_pool_submit(p, j, &err);
		if (rc != GRYM_OK) {
			free(j);    /* not taken: still ours */
			break;
		}
		/* counted once taken: a job done() gets is in flight until
		 * done() returns */
		r->submitted++;
	}
	int frc = grym_pool_finish(p, &err);
	if (rc == GRYM_OK)
		rc = frc;
	grym_pool_free(p);
	return rc;
}

/* ---- two pools, each driven by its own thread ---- */

typedef struct side {
	run r;
	int rc, jobs;
	unsigned seed;
} side;

static void *drive_side(void *arg)
{
	side *s = arg;
	run_init(&s->r, s->jobs);
	s->rc = run_jobs(&s->r, s->jobs, 500, 400, s->seed, NULL, 1, 500);
	return NULL;
}

/* ---- cancel from another thread after a delay ---- */

typedef struct canceller {
	volatile sig_atomic_t *flag;
	long after_us;
	double at;
} canceller;

static void *cancel_later(void *arg)
{
	canceller *c = arg;
	sleep_us(c->after_us);
	c->at = now_s();
	set_flag(c->flag);
	return NULL;
}

/* ---- a pool driven from inside another pool's done() ---- */

typedef struct nest {
	grym_pool *inner;
	run inner_run;
	int outer_seen, inner_rc;
} nest;

static void outer_work(void *ud, void *jp, grym_pool_worker *w)
{
	((job *)jp)->worked = 1;
}

static void outer_done(void *ud, void *jp)
{
	nest *x = ud;
	job *j = jp;
	/* each outer job fans out into 3 inner jobs, drained here */
	for (int k = 0; k < 3 && !x->inner_rc; k++) {
		job *in = new_job(x->inner_run.submitted, 50);
		x->inner_run.submitted++;
		x->inner_rc = grym_pool_submit(x->inner, in, NULL);
	}
	if (!x->inner_rc)
		x->inner_rc = grym_pool_drain(x->inner, NULL);
	x->outer_seen += j->worked;
	free(j);
}

int main(void)
{
	tap_plan(64);
	grym_error err;
	run r;

	TAP_EQ_INT(GRYM_ERR_CANCELLED, GRYM_ERR_INTERRUPTED,
		   "GRYM_ERR_CANCELLED is the one cancelled status the library returns");

	/* --- order, serial done(), window, for N = 1..8 --- */
	int bad_order = 0, bad_serial = 0, bad_window = 0, bad_running = 0, bad_count = 0,
	    bad_errors = 0, bad_result = 0, bad_thread = 0, bad_rc = 0;
	for (int n = 1; n <= 8; n++) {
		run_init(&r, n);
		int rc = run_jobs(&r, n, 1000, 300, 1234u + (unsigned)n, NULL, 0, 0);
		bad_rc += rc != GRYM_OK;
		bad_order += r.out_of_order != 0;
		bad_serial += atomic_load(&r.overlap) != 0;
		bad_window += r.max_inflight > 2 * n;
		bad_running += atomic_load(&r.max_running) > n;
		bad_count += r.done_calls != 1000 || r.discards != 0;
		bad_errors += r.failed_jobs != 1000 / 7 + (1000 % 7 > 3);
		bad_result += r.not_worked + r.wrong_result != 0;
		bad_thread += r.off_driver != 0;
		if (n == 8)
			tap_diag("N=8: at most %d jobs in flight, %d running", r.max_inflight,
				 atomic_load(&r.max_running));
	}
	TAP_EQ_INT(bad_rc, 0, "1000 jobs, N=1..8: finish returns GRYM_OK");
	TAP_EQ_INT(bad_order, 0, "N=1..8: done() sees the jobs in submission order, random work times");
	TAP_EQ_INT(bad_serial, 0, "N=1..8: done() is never entered twice at once");
	TAP_EQ_INT(bad_thread, 0, "N=1..8: done() runs on the driver thread");
	TAP_EQ_INT(bad_window, 0, "N=1..8: at most 2N jobs in flight");
	TAP_EQ_INT(bad_running, 0, "N=1..8: at most N jobs running at once");
	TAP_EQ_INT(bad_count, 0, "N=1..8: done() for each of the 1000 jobs, no discard");
	TAP_EQ_INT(bad_result, 0, "N=1..8: every job's work ran before its done()");
	TAP_EQ_INT(bad_errors, 0, "N=1..8: failing jobs (every seventh) reach done(); the pool goes on");

	/* the window is used: with 4 workers and a slow done(), up to 8 */
	run_init(&r, 4);
	run_jobs(&r, 4, 300, 200, 99u, NULL, 0, 0);
	TAP_OK(r.max_inflight > 4 && r.max_inflight <= 8, "N=4: the window fills to more than N, never past 2N (%d)",
	       r.max_inflight);
	TAP_OK(atomic_load(&r.max_running) >= 2, "N=4: jobs do run in parallel (%d at once)",
	       atomic_load(&r.max_running));

	/* --- jobs 1: no thread, everything on the driver --- */
	{
		grym_pool_opts o = { .jobs = 1, .work = work, .done = done, .discard = discard, .ud = &r };
		run_init(&r, 1);
		grym_pool *p = grym_pool_new(&o, &err);
		TAP_OK(p != NULL, "a pool of 1");
		TAP_EQ_INT(grym_pool_threads(p), 0, "jobs 1 starts no thread");
		int lag = 0, wrong_thread = 0;
		for (int i = 0; p && i < 50; i++) {
			r.submitted++;
			TAP_SETUP(grym_pool_submit(p, new_job(i, 100), &err));
			/* done() freed the job already: the count says it ran */
			lag += r.done_calls != i + 1;
		}
		TAP_EQ_INT(lag, 0, "jobs 1: each job is done when its submit returns");
		TAP_EQ_INT(grym_pool_finish(p, &err), GRYM_OK, "jobs 1: finish");
		wrong_thread = r.off_driver;
		TAP_EQ_INT(wrong_thread, 0, "jobs 1: done() on the driver");
		TAP_EQ_INT(r.out_of_order, 0, "jobs 1: in order");
		grym_pool_free(p);
	}
	{
		/* work() itself runs on the driver with jobs 1 */
		run_init(&r, 1);
		grym_pool_opts o = { .jobs = 1, .work = work, .ud = &r };
		grym_pool *p = grym_pool_new(&o, &err);
		job j = { .seq = 0, .us = 0 };
		TAP_SETUP(grym_pool_submit(p, &j, &err));
		TAP_OK(j.worked && pthread_equal(j.thread, pthread_self()), "jobs 1: work() runs on the driver");
		grym_pool_free(p);
		o.jobs = 3;
		p = grym_pool_new(&o, &err);
		job k = { .seq = 0, .us = 0 };
		TAP_SETUP(grym_pool_submit(p, &k, &err));
		TAP_SETUP(grym_pool_drain(p, &err));
		TAP_OK(grym_pool_threads(p) == 3 && k.worked && !pthread_equal(k.thread, pthread_self()),
		       "jobs 3: three workers; work() runs on one of them");
		grym_pool_free(p);
	}

	/* --- invalid --- */
	{
		grym_pool_opts o = { .jobs = 0, .work = work };
		TAP_OK(grym_pool_new(&o, &err) == NULL && err.code == GRYM_ERR_INVALID, "jobs 0 is refused");
		o.jobs = GRYM_JOBS_MAX + 1;
		TAP_OK(grym_pool_new(&o, &err) == NULL && err.code == GRYM_ERR_INVALID,
		       "jobs GRYM_JOBS_MAX+1 is refused: %s", err.msg);
		o.jobs = GRYM_JOBS_MAX;
		grym_pool *p = grym_pool_new(&o, &err);
		TAP_OK(p && grym_pool_threads(p) == GRYM_JOBS_MAX, "jobs GRYM_JOBS_MAX (%d) starts that many workers",
		       GRYM_JOBS_MAX);
		grym_pool_free(p);
		o.jobs = 2;
		o.work = NULL;
		TAP_OK(grym_pool_new(&o, &err) == NULL && err.code == GRYM_ERR_INVALID, "no work function is refused");
		grym_pool_free(NULL);
	}

	/* --- submit after finish; drain in the middle --- */
	{
		run_init(&r, 2);
		grym_pool_opts o = { .jobs = 2, .work = work, .done = done, .discard = discard, .ud = &r };
		grym_pool *p = grym_pool_new(&o, &err);
		for (int i = 0; i < 10; i++) {
			r.submitted++;
			TAP_SETUP(grym_pool_submit(p, new_job(i, 2000), &err));
		}
		TAP_EQ_INT(grym_pool_drain(p, &err), GRYM_OK, "drain");
		TAP_EQ_INT(r.done_calls, 10, "after drain every job submitted so far went through done()");
		for (int i = 10; i < 20; i++) {
			r.submitted++;
			TAP_SETUP(grym_pool_submit(p, new_job(i, 100), &err));
		}
		TAP_EQ_INT(grym_pool_finish(p, &err), GRYM_OK, "finish after more jobs");
		TAP_OK(r.done_calls == 20 && r.out_of_order == 0, "the pool took jobs after a drain, in order");
		job *late = new_job(20, 0);
		TAP_EQ_INT(grym_pool_submit(p, late, &err), GRYM_ERR_INVALID, "a job after finish is refused");
		free(late);
		grym_pool_free(p);
	}

	/* --- free without finish: what is left goes to discard() --- */
	{
		run_init(&r, 2);
		grym_pool_opts o = { .jobs = 2, .work = work, .done = done, .discard = discard, .ud = &r };
		grym_pool *p = grym_pool_new(&o, &err);
		for (int i = 0; i < 4; i++) {
			r.submitted++;
			TAP_SETUP(grym_pool_submit(p, new_job(i, 20000), &err));
		}
		grym_pool_free(p);
		TAP_EQ_INT(r.done_calls + r.discards, 4, "free: every job went to done() or discard() (%d, %d)",
			   r.done_calls, r.discards);
		TAP_OK(r.discards >= 2, "free: the jobs not yet delivered are discarded, not done (%d)", r.discards);
	}

	/* --- cancel mid-run --- */
	for (int n = 1; n <= 4; n += 3) {
		volatile sig_atomic_t stop = 0;
		canceller c = { &stop, 150000, 0 };
		pthread_t t;
		run_init(&r, n);
		pthread_create(&t, NULL, cancel_later, &c);
		int rc = run_jobs(&r, n, 100000, 4000, 7u, &stop, 0, 0);
		double back = now_s();
		pthread_join(t, NULL);
		TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "N=%d: cancel mid-run: GRYM_ERR_CANCELLED", n);
		TAP_OK(back - c.at < 0.2, "N=%d: back %.0f ms after the flag (under 200)", n, (back - c.at) * 1e3);
		TAP_OK(r.done_calls > 0 && r.done_calls < 100000 && r.out_of_order == 0,
		       "N=%d: done() saw a prefix, in order (%d jobs)", n, r.done_calls);
		TAP_EQ_INT(r.not_worked + r.discard_after_done, 0,
			   "N=%d: done() only for jobs that ran, discard() only for jobs that never did", n);
		TAP_EQ_INT(r.done_calls + r.discards, r.submitted,
			   "N=%d: every submitted job went to done() or discard()", n);
		TAP_OK(r.first_discard < 0 || r.first_discard == r.done_calls,
		       "N=%d: the discarded jobs follow the delivered prefix", n);
	}
	{
		/* an hour-long job in each worker: the flag stops it mid-file */
		volatile sig_atomic_t stop = 0;
		canceller c = { &stop, 100000, 0 };
		pthread_t t;
		run_init(&r, 3);
		r.long_work = 1;
		pthread_create(&t, NULL, cancel_later, &c);
		int rc = run_jobs(&r, 3, 10, 0, 1u, &stop, 1, 10);
		double back = now_s();
		pthread_join(t, NULL);
		TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "hour-long jobs: GRYM_ERR_CANCELLED");
		TAP_OK(back - c.at < 0.2, "hour-long jobs: back %.0f ms after the flag (under 200)",
		       (back - c.at) * 1e3);
		TAP_EQ_INT(r.done_calls, 3, "hour-long jobs: the 3 that started reach done() (stopped)");
		TAP_EQ_INT(r.discards, r.submitted - 3, "hour-long jobs: the others are discarded");
	}
	{
		/* the flag already set: nothing runs, and the job stays the caller's */
		volatile sig_atomic_t stop = 1;
		run_init(&r, 2);
		int rc = run_jobs(&r, 2, 10, 0, 1u, &stop, 0, 0);
		TAP_OK(rc == GRYM_ERR_CANCELLED && r.done_calls == 0 && r.discards == 0,
		       "flag set before the first job: CANCELLED, nothing run");
	}

	/* --- progress --- */
	{
		run_init(&r, 3);
		double t0 = now_s();
		int rc = run_jobs(&r, 3, 60, 40000, 5u, NULL, 1, 60);
		double took = now_s() - t0;
		TAP_EQ_INT(rc, GRYM_OK, "progress run");
		TAP_EQ_INT(r.pbackwards, 0, "progress never goes down");
		TAP_OK(r.pcalls >= 3, "progress called during the run (%d calls in %.2f s)", r.pcalls, took);
		/* every call but the last (the end) at least 100 ms after the one before */
		double gap = 1e9;
		for (int i = 1; i < r.pcalls - 1 && i < 512; i++)
			if (r.ptimes[i] - r.ptimes[i - 1] < gap)
				gap = r.ptimes[i] - r.ptimes[i - 1];
		TAP_OK(r.pcalls - 1 <= (int)(took * 10) && gap >= 0.0999,
		       "throttled: %d calls in %.2f s, closest %.3f s apart (the last one aside)", r.pcalls,
		       took, gap);
		TAP_OK(r.pfirst_t - r.pstart_t >= 0.099, "no call in the first 100 ms");
		TAP_NEAR(r.plast_v, 60, 0, "the last call says all 60 jobs are done");
		TAP_EQ_INT(r.plast_total, 60, "the total is passed on");
		TAP_OK(r.pfraction_seen, "fractions of running jobs are summed in");
		TAP_EQ_INT(r.off_driver + atomic_load(&r.overlap), 0, "progress: on the driver, never during done()");
	}
	{
		/* unknown total; a run shorter than 100 ms gets one call, at the end */
		run_init(&r, 2);
		run_jobs(&r, 2, 10, 0, 5u, NULL, 1, 0);
		TAP_OK(r.pcalls == 1 && r.plast_v == 10 && r.plast_total == 0,
		       "total unknown: jobs done are reported, once at the end (%d calls, %g)", r.pcalls, r.plast_v);
	}

	/* --- two pools side by side --- */
	{
		side a = { .jobs = 3, .seed = 11 }, b = { .jobs = 2, .seed = 22 };
		pthread_t ta, tb;
		pthread_create(&ta, NULL, drive_side, &a);
		pthread_create(&tb, NULL, drive_side, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		TAP_OK(a.rc == GRYM_OK && b.rc == GRYM_OK, "two pools at once: both finish");
		TAP_OK(a.r.done_calls == 500 && b.r.done_calls == 500 && !a.r.out_of_order && !b.r.out_of_order,
		       "two pools at once: each in its own order");
		TAP_OK(!a.r.off_driver && !b.r.off_driver && !atomic_load(&a.r.overlap) && !atomic_load(&b.r.overlap),
		       "two pools at once: each pool's callbacks on its own driver, never overlapping");
		TAP_OK(a.r.plast_v == 500 && b.r.plast_v == 500 && !a.r.pbackwards && !b.r.pbackwards,
		       "two pools at once: each its own progress");
	}
	{
		/* a pool driven from inside another pool's done() */
		nest x;
		memset(&x, 0, sizeof x);
		run_init(&x.inner_run, 2);
		grym_pool_opts io = { .jobs = 2, .work = work, .done = done, .discard = discard, .ud = &x.inner_run };
		grym_pool_opts oo = { .jobs = 3, .work = outer_work, .done = outer_done, .ud = &x };
		x.inner = grym_pool_new(&io, &err);
		grym_pool *outer = grym_pool_new(&oo, &err);
		for (int i = 0; i < 40; i++)
			TAP_SETUP(grym_pool_submit(outer, new_job(i, 0), &err));
		int rc = grym_pool_finish(outer, &err);
		grym_pool_free(outer);
		rc |= grym_pool_finish(x.inner, &err);
		grym_pool_free(x.inner);
		TAP_OK(rc == GRYM_OK && x.inner_rc == GRYM_OK && x.outer_seen == 40, "nested: outer jobs all done");
		TAP_OK(x.inner_run.done_calls == 120 && x.inner_run.out_of_order == 0,
		       "nested: the inner pool ran its 120 jobs in order");
	}

	return tap_done();
}
