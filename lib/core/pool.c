/*
 * pool.c — the ordered worker pool (see grym/pool.h).
 *
 * Jobs live in a ring of 2 x jobs slots, numbered by submission:
 *
 *   head ........ start ........ tail
 *   not yet given   not yet       next
 *   to done()       started       submitted
 *
 * Workers take slots at start, in order, so the jobs that ever started
 * are always the prefix [0, start): on cancellation that prefix goes to
 * done() and [start, tail) to discard(). The driver delivers from head
 * while the slot there is finished. One mutex guards the numbers and the
 * slot states; callbacks run with it released, so workers go on while
 * done() writes. A running job's fraction is an atomic the worker stores
 * without the lock (grym_pool_progress may be called in an inner loop).
 */
#include "grym/pool.h"
#include "grym/progress.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SLOT_QUEUED, SLOT_RUNNING, SLOT_FINISHED };

/* fractions are stored in millionths: an atomic integer, lock-free
 * everywhere */
#define PART_ONE 1000000u

typedef struct slot {
	void *job;
	int state;
	atomic_uint part;       /* fraction done of a running job, in millionths */
} slot;

/* Wake the driver at least this often while it waits, to see the cancel
 * flag (a signal does not wake a condition variable) and report progress. */
#define STEP_NS 100000000L

struct grym_pool {
	grym_pool_opts o;
	int nthreads;           /* workers started; 0: jobs run on the driver */
	pthread_t *threads;
	grym_pool_worker *workers;  /* nthreads of them, or one for the driver */
	pthread_mutex_t lock;
	pthread_cond_t work_cv; /* to workers: a job was queued, or stop */
	pthread_cond_t done_cv; /* to the driver: a job finished, or a worker saw cancel */
	slot *ring;
	uint64_t cap;           /* ring size: 2 x jobs */
	uint64_t head, start, tail;
	uint64_t finished;      /* jobs whose work() returned */
	int running;            /* jobs in work() now */
	int stopping;           /* no job starts any more (cancel or free) */
	int cancelled;          /* cancellation handled: every call says so */
	int ended;              /* grym_pool_finish was called */
	int timed;              /* the driver waits in steps (cancel or progress) */
	struct timespec last;   /* last progress call */
	double shown;           /* value of the last progress call, -1 none */
};

/* Lock held. The ring's order (head <= start <= tail, at most cap jobs
 * in it) and the running count; a debug build checks it at every step. */
#define RING_OK(p) assert((p)->head <= (p)->start && (p)->start <= (p)->tail && \
			  (p)->tail - (p)->head <= (p)->cap && (p)->running >= 0 && \
			  (uint64_t)(p)->running <= (p)->start - (p)->head)

static int cancel_seen(const grym_pool *p)
{
	return p->stopping || grym_cancelled(p->o.cancel);
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Lock held. The progress value: finished jobs plus fractions of the
 * running ones; then the callback, throttled unless force. */
static void progress_maybe(grym_pool *p, int force)
{
	struct timespec now;
	double v;

	if (!p->o.progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && elapsed(&p->last, &now) < 0.1)
		return;
	v = (double)p->finished;
	for (uint64_t s = p->head; s < p->start; s++) {
		slot *sl = &p->ring[s % p->cap];
		if (sl->state == SLOT_RUNNING)
			v += (double)atomic_load_explicit(&sl->part, memory_order_relaxed) / PART_ONE;
	}
	if (v < p->shown)       /* never backwards, whatever a job reported */
		v = p->shown;
	if (!force && v == p->shown)
		return;
	p->last = now;
	p->shown = v;
	pthread_mutex_unlock(&p->lock);
	p->o.progress(p->o.ud, v, p->o.total);
	pthread_mutex_lock(&p->lock);
}

/* Lock held. Give done() every finished job at head, in order. */
static void deliver(grym_pool *p)
{
	RING_OK(p);
	while (p->head < p->tail && p->ring[p->head % p->cap].state == SLOT_FINISHED) {
		void *job = p->ring[p->head % p->cap].job;
		assert(p->head < p->start);   /* only a job that started can finish */
		p->head++;
		if (p->o.done) {
			pthread_mutex_unlock(&p->lock);
			p->o.done(p->o.ud, job);
			pthread_mutex_lock(&p->lock);
		}
	}
}

/* Lock held. Wait for a job to finish (or a step to pass). */
static void wait_step(grym_pool *p)
{
	if (!p->timed) {
		pthread_cond_wait(&p->done_cv, &p->lock);
		return;
	}
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += STEP_NS;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&p->done_cv, &p->lock, &t);
}

/* Lock held. Stop starting jobs; every job that started goes to done(),
 * in order, once it returns; the others to discard(). */
static void stop_and_flush(grym_pool *p, int cancelled)
{
	p->stopping = 1;
	pthread_cond_broadcast(&p->work_cv);
	while (p->running > 0)
		pthread_cond_wait(&p->done_cv, &p->lock);
	/* [head, start) are all finished now */
	for (uint64_t s = p->head; s < p->start; s++)
		assert(p->ring[s % p->cap].state == SLOT_FINISHED);
	if (cancelled)
		deliver(p);
	while (p->head < p->tail) {
		void *job = p->ring[p->head % p->cap].job;
		p->head++;
		if (p->o.discard) {
			pthread_mutex_unlock(&p->lock);
			p->o.discard(p->o.ud, job);
			pthread_mutex_lock(&p->lock);
		}
	}
	p->start = p->tail;
	if (cancelled)
		p->cancelled = 1;
}

static int cancelled_error(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_CANCELLED, "interrupted");
}

/* Lock held. Run slot seq's job on the calling thread. */
static void run_slot(grym_pool *p, uint64_t seq, grym_pool_worker *w)
{
	slot *sl = &p->ring[seq % p->cap];
	/* jobs start in submission order, each once */
	assert(seq + 1 == p->start && seq < p->tail && sl->state == SLOT_QUEUED);
	RING_OK(p);
	sl->state = SLOT_RUNNING;
	atomic_store_explicit(&sl->part, 0, memory_order_relaxed);
	p->running++;
	w->seq = seq;
	pthread_mutex_unlock(&p->lock);
	p->o.work(p->o.ud, sl->job, w);
	pthread_mutex_lock(&p->lock);
	sl->state = SLOT_FINISHED;
	p->running--;
	p->finished++;
}

static void *worker_main(void *arg)
{
	grym_pool_worker *w = arg;
	grym_pool *p = w->pool;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stopping && p->start == p->tail)
			pthread_cond_wait(&p->work_cv, &p->lock);
		if (p->stopping)
			break;
		if (grym_cancelled(p->o.cancel)) {
			/* tell the driver now, not at its next step */
			p->stopping = 1;
			pthread_cond_broadcast(&p->done_cv);
			break;
		}
		run_slot(p, p->start++, w);
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

grym_pool *grym_pool_new(const grym_pool_opts *o, grym_error *err)
{
	grym_pool *p;
	pthread_condattr_t ca;
	int n;

	if (!o || !o->work) {
		grym_error_set(err, GRYM_ERR_INVALID, "worker pool: no work function");
		return NULL;
	}
	if (o->jobs < 1 || o->jobs > GRYM_JOBS_MAX) {
		grym_error_set(err, GRYM_ERR_INVALID, "worker pool: %d jobs (1 to %d)", o->jobs,
			       GRYM_JOBS_MAX);
		return NULL;
	}
	n = o->jobs;
	p = calloc(1, sizeof *p);
	if (!p)
		goto nomem;
	p->o = *o;
	p->cap = 2 * (uint64_t)n;
	p->ring = calloc(p->cap, sizeof *p->ring);
	p->workers = calloc((size_t)n, sizeof *p->workers);
	p->threads = calloc((size_t)n, sizeof *p->threads);
	if (!p->ring || !p->workers || !p->threads) {
		free(p->ring);
		free(p->workers);
		free(p->threads);
		free(p);
		goto nomem;
	}
	for (uint64_t i = 0; i < p->cap; i++)
		atomic_init(&p->ring[i].part, 0);
	for (int i = 0; i < n; i++)
		p->workers[i] = (grym_pool_worker){ i, o->cancel, p, 0 };
	p->timed = o->cancel || o->progress;
	p->shown = -1;
	clock_gettime(CLOCK_MONOTONIC, &p->last);
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&p->work_cv, NULL);
	if (n > 1) {
		for (int i = 0; i < n; i++) {
			if (pthread_create(&p->threads[p->nthreads], NULL, worker_main,
					   &p->workers[p->nthreads]) != 0)
				break;
			p->nthreads++;
		}
	}
	return p;
nomem:
	grym_error_set(err, GRYM_ERR_NOMEM, "worker pool: out of memory");
	return NULL;
}

int grym_pool_threads(const grym_pool *p)
{
	return p ? p->nthreads : 0;
}

int grym_pool_submit(grym_pool *p, void *job, grym_error *err)
{
	int rc = GRYM_OK;

	pthread_mutex_lock(&p->lock);
	if (p->ended) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "worker pool: a job after the end");
		goto out;
	}
	for (;;) {
		if (p->cancelled || cancel_seen(p)) {
			if (!p->cancelled)
				stop_and_flush(p, 1);
			rc = cancelled_error(err);
			goto out;
		}
		deliver(p);
		if (p->tail - p->head < p->cap)
			break;
		wait_step(p);
		progress_maybe(p, 0);
	}
	slot *sl = &p->ring[p->tail % p->cap];
	/* the window has room, and the slot reused was delivered */
	assert(p->tail - p->head < p->cap);
	sl->job = job;
	sl->state = SLOT_QUEUED;
	p->tail++;
	if (p->nthreads == 0) {
		/* no worker: run it here, now */
		run_slot(p, p->start++, &p->workers[0]);
		deliver(p);
	} else {
		pthread_cond_signal(&p->work_cv);
	}
	progress_maybe(p, 0);
out:
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int grym_pool_drain(grym_pool *p, grym_error *err)
{
	int rc = GRYM_OK;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->cancelled || cancel_seen(p)) {
			if (!p->cancelled)
				stop_and_flush(p, 1);
			rc = cancelled_error(err);
			break;
		}
		deliver(p);
		if (p->head == p->tail)
			break;
		wait_step(p);
		progress_maybe(p, 0);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int grym_pool_finish(grym_pool *p, grym_error *err)
{
	int rc = grym_pool_drain(p, err);

	pthread_mutex_lock(&p->lock);
	if (!p->ended) {
		p->ended = 1;
		progress_maybe(p, 1);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

void grym_pool_free(grym_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	stop_and_flush(p, 0);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->work_cv);
	pthread_cond_destroy(&p->done_cv);
	pthread_mutex_destroy(&p->lock);
	free(p->ring);
	free(p->workers);
	free(p->threads);
	free(p);
}

void grym_pool_progress_cb(void *worker, double fraction, const char *msg)
{
	(void)msg;   /* the pool sums fractions; an unknown one (negative) adds nothing */
	grym_pool_progress(worker, fraction);
}

void grym_pool_progress(grym_pool_worker *w, double fraction)
{
	grym_pool *p;
	slot *sl;
	unsigned v;

	if (!w || !(fraction > 0))   /* NaN too */
		return;
	p = w->pool;
	v = fraction >= 1 ? PART_ONE : (unsigned)(fraction * PART_ONE);
	/* Only this worker writes its running slot: load, compare, store. */
	sl = &p->ring[w->seq % p->cap];
	if (v <= atomic_load_explicit(&sl->part, memory_order_relaxed))
		return;
	atomic_store_explicit(&sl->part, v, memory_order_relaxed);
	if (p->nthreads == 0) {
		/* on the driver: the callback can be called right here */
		pthread_mutex_lock(&p->lock);
		progress_maybe(p, 0);
		pthread_mutex_unlock(&p->lock);
	}
}
