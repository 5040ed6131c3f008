/*
 * foreign.c — the lock around liblinear (linsvm) and libsvm (svm).
 *
 * Both libraries print to stdout and draw from the global rand(), so every
 * call into them holds one process-wide mutex, silences their print hooks
 * (ml_foreign_print) and calls srand(seed) first: training is repeatable
 * and threads never interleave inside them. That mutex, and the flag its
 * holder uses to hear the libraries' iteration-limit warning, are the
 * only globals in lib/ml; the libraries leave no other choice.
 */
#include <pthread.h>
#include <string.h>
#include "ml_internal.h"

static pthread_mutex_t foreign_mutex = PTHREAD_MUTEX_INITIALIZER;

/* The libraries' print hooks take no user data: what they say during one
 * training is noted here, under foreign_mutex, and read before it is
 * released. Their only message that matters is the iteration limit. */
static int foreign_hit_limit;

void ml_foreign_lock(void)
{
	pthread_mutex_lock(&foreign_mutex);
	foreign_hit_limit = 0;
}

int ml_foreign_unlock(void)
{
	int hit = foreign_hit_limit;
	pthread_mutex_unlock(&foreign_mutex);
	return hit;
}

void ml_foreign_print(const char *s)
{
	if (strstr(s, "reaching max number of iterations"))
		foreign_hit_limit = 1;
}
