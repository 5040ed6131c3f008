/*
 * ratelimit.c — token buckets by key (a principal, a client address).
 *
 * A fixed table (memory stays flat whatever the number of clients): a key
 * hashes to a slot and probes a few more; when all are taken the one
 * idle longest is reused, which forgets a bucket that has long refilled
 * anyway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

#define RL_SLOTS 4096
#define RL_PROBE 16

int serve_rl_init(serve_ratelimit *rl, double rate, double burst)
{
	memset(rl, 0, sizeof *rl);
	rl->rate = rate;
	rl->burst = burst < 1 ? 1 : burst;
	rl->b = calloc(RL_SLOTS, sizeof *rl->b);
	if (!rl->b)
		return GRYM_ERR_NOMEM;
	rl->n = RL_SLOTS;
	pthread_mutex_init(&rl->mu, NULL);
	return GRYM_OK;
}

void serve_rl_fini(serve_ratelimit *rl)
{
	if (!rl->b)
		return;
	free(rl->b);
	pthread_mutex_destroy(&rl->mu);
	memset(rl, 0, sizeof *rl);
}

static size_t hash_key(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int serve_rl_take(serve_ratelimit *rl, const char *key, double cost, double now,
		  double *retry_after)
{
	serve_bucket *b = NULL, *oldest = NULL;
	size_t h;
	int ok;

	*retry_after = 0;
	if (rl->rate <= 0)
		return 1;
	h = hash_key(key);
	pthread_mutex_lock(&rl->mu);
	for (size_t i = 0; i < RL_PROBE; i++) {
		serve_bucket *x = &rl->b[(h + i) % rl->n];
		if (x->used && !strncmp(x->key, key, sizeof x->key - 1)) {
			b = x;
			break;
		}
		if (!oldest || !x->used || (oldest->used && x->t < oldest->t))
			oldest = x;
	}
	if (!b) {
		b = oldest;
		snprintf(b->key, sizeof b->key, "%s", key);
		b->used = 1;
		b->tokens = rl->burst;
		b->t = now;
	}
	b->tokens += (now - b->t) * rl->rate;
	if (b->tokens > rl->burst)
		b->tokens = rl->burst;
	b->t = now;
	ok = b->tokens >= (cost > 0 ? cost : 1);
	if (ok)
		b->tokens -= cost;
	else
		*retry_after = ((cost > 0 ? cost : 1) - b->tokens) / rl->rate;
	pthread_mutex_unlock(&rl->mu);
	return ok;
}
