/*
 * progress.c — cancel checks and rate-limited progress reports (see
 * grym/progress.h).
 *
 * A ticker lives on the stack of the loop it serves, so there is no
 * shared state: threads each have their own. The clock is read only when
 * a callback is set, and CLOCK_MONOTONIC through the vDSO costs tens of
 * nanoseconds, so ticking once per block of samples is free.
 */
#include "grym/progress.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A relaxed atomic load: on every target grym builds for the same load
 * as a volatile read, but ThreadSanitizer sees it for what it is, a flag
 * that a signal handler or another thread sets while workers read it. */
int grym_cancelled(const volatile sig_atomic_t *cancel)
{
	return cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED);
}

int grym_error_cancelled(grym_error *err)
{
	return grym_error_set(err, GRYM_ERR_CANCELLED, "interrupted");
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void grym_ticker_init(grym_ticker *t, const volatile sig_atomic_t *cancel,
		      grym_progress_fn fn, void *ud)
{
	memset(t, 0, sizeof *t);
	t->cancel = cancel;
	t->fn = fn;
	t->ud = ud;
}

int grym_ticker_check(const grym_ticker *t, grym_error *err)
{
	return grym_cancelled(t->cancel) ? grym_error_cancelled(err) : GRYM_OK;
}

int grym_ticker_due(const grym_ticker *t)
{
	/* the first report goes out at once: a bar appears as work starts */
	return t->fn && (t->last_ns == 0 || now_ns() - t->last_ns >= GRYM_PROGRESS_INTERVAL_NS);
}

void grym_ticker_report(grym_ticker *t, double fraction, const char *msg)
{
	if (!t->fn)
		return;
	if (fraction >= 0) {
		if (fraction > 1)
			fraction = 1;
		if (fraction < t->last)
			fraction = t->last;
		t->last = fraction;
	}
	/* what was shown stays in [0, 1] and never goes back */
	assert(t->last >= 0 && t->last <= 1);
	t->last_ns = now_ns();
	t->fn(t->ud, fraction, msg ? msg : "");
}

int grym_ticker_tick(grym_ticker *t, double fraction, const char *msg, grym_error *err)
{
	if (grym_cancelled(t->cancel))
		return grym_error_cancelled(err);
	if (grym_ticker_due(t))
		grym_ticker_report(t, fraction, msg);
	return GRYM_OK;
}

void grym_progress_span_fn(void *ud, double fraction, const char *msg)
{
	const grym_progress_span *s = ud;
	char buf[160];

	if (!s || !s->fn)
		return;
	if (fraction >= 0)
		fraction = s->lo + (fraction > 1 ? 1 : fraction) * (s->hi - s->lo);
	if (s->prefix[0]) {
		snprintf(buf, sizeof buf, "%s%s", s->prefix, msg ? msg : "");
		msg = buf;
	}
	s->fn(s->ud, fraction, msg);
}
