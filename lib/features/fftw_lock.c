/*
 * fftw_lock.c — the one FFTW planner lock of libgrym (see grym/features.h).
 *
 * FFTW's planner (every fftw_plan_* and fftw_destroy_plan) is not
 * thread-safe, while fftw_execute_* on distinct arrays is. Every module
 * that plans (STFT, yin, tempo, synth transforms) plans between
 * grym_fftw_plan_lock and grym_fftw_plan_unlock, so -j N workers and
 * grym-serve's threads never plan at once. A statically initialised mutex
 * is the one piece of global state here, and FFTW is what demands it.
 */
#include "grym/features.h"

#include <pthread.h>

static pthread_mutex_t fftw_plan_mutex = PTHREAD_MUTEX_INITIALIZER;

void grym_fftw_plan_lock(void)
{
	pthread_mutex_lock(&fftw_plan_mutex);
}

void grym_fftw_plan_unlock(void)
{
	pthread_mutex_unlock(&fftw_plan_mutex);
}
