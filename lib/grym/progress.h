/*
 * progress.h — how a long library call says how far it is, and hears
 * that it should stop.
 *
 * Every stage that can run for long (decoding, measuring, normalizing,
 * feature extraction, training) takes the same three things in its
 * options struct:
 *
 *   const volatile sig_atomic_t *cancel;   NULL: never cancelled
 *   grym_progress_fn progress;             NULL: no reports
 *   void *progress_ud;
 *
 * Once *cancel turns non-zero the call stops within a block of work
 * (tens of milliseconds, never a whole file or a whole fold), removes
 * what it made and returns GRYM_ERR_CANCELLED. progress(ud, fraction,
 * msg) is called from the calling thread with the fraction of the call's
 * work done (0..1, never decreasing) and a short message ("measuring",
 * "fold 2/5: epoch 31/200"); when the total is unknown (audio on a pipe
 * whose length nothing declares) fraction is negative and msg gives the
 * position instead ("decoding 42 s"). Reports come at most about ten
 * times a second, so a callback may draw directly.
 *
 * Inside the library, loops use a grym_ticker for both; a stage made of
 * sub-stages hands each a grym_progress_span, which maps the
 * sub-stage's 0..1 onto its own share of the whole.
 */
#ifndef GRYM_PROGRESS_H
#define GRYM_PROGRESS_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stdint.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*grym_progress_fn)(void *ud, double fraction, const char *msg);

/* 1 once *cancel is set (cancel may be NULL: never); safe from any thread
 * (a relaxed atomic load), as the pool's workers and the stages read it. */
int grym_cancelled(const volatile sig_atomic_t *cancel);

/* Fill err with GRYM_ERR_CANCELLED ("interrupted") and return it. */
int grym_error_cancelled(grym_error *err);

/* Cancel checks and rate-limited progress reports for one loop. */
typedef struct grym_ticker {
	const volatile sig_atomic_t *cancel;
	grym_progress_fn fn;
	void *ud;
	int64_t last_ns;        /* monotonic time of the last report, 0: none yet */
	double last;            /* the last fraction reported */
} grym_ticker;

#define GRYM_PROGRESS_INTERVAL_NS 100000000LL  /* 100 ms: ten reports a second */

/* Set t up for one loop: cancel (NULL: never) and fn/ud (NULL fn: no
 * reports) are kept by pointer and must outlive the loop. No allocation,
 * nothing to free. */
void grym_ticker_init(grym_ticker *t, const volatile sig_atomic_t *cancel,
		      grym_progress_fn fn, void *ud);
/* GRYM_ERR_CANCELLED (err filled) once the flag is set, else GRYM_OK.
 * One volatile load: call it as often as convenient. */
int grym_ticker_check(const grym_ticker *t, grym_error *err) GRYM_MUST_CHECK;
/* 1 when a report would go out now (a callback is set and 100 ms have
 * passed since the last), for callers that format their message only
 * when it is shown. */
int grym_ticker_due(const grym_ticker *t);
/* Report fraction and msg now (no rate limit; a fraction below the last
 * one reported is raised to it, so reports never go backwards). */
void grym_ticker_report(grym_ticker *t, double fraction, const char *msg);
/* grym_ticker_check, then grym_ticker_report when due. */
int grym_ticker_tick(grym_ticker *t, double fraction, const char *msg, grym_error *err)
	GRYM_MUST_CHECK;

/* Part [lo, hi] of a larger task's progress: pass grym_progress_span_fn
 * as the sub-task's callback and the span as its ud. A fraction f is
 * passed on as lo + f (hi - lo), an unknown (negative) one unchanged; the
 * message gets prefix ("fold 2/5: ") in front when prefix is not empty. */
typedef struct grym_progress_span {
	grym_progress_fn fn;    /* the outer callback (NULL: nothing is said) */
	void *ud;
	double lo, hi;
	char prefix[48];
} grym_progress_span;
/* The callback itself: ud is a grym_progress_span * the caller owns (kept
 * only for the call); calls s->fn on the calling thread. */
void grym_progress_span_fn(void *ud, double fraction, const char *msg);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop
#endif
