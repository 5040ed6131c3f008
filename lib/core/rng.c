/*
 * rng.c — grym's deterministic random numbers (see grym/rng.h).
 */
#include "grym/rng.h"

uint64_t grym_rng_mix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void grym_rng_seed(grym_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = grym_rng_mix(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t grym_rng_next(grym_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double grym_rng_uniform(grym_rng *r)
{
	return (double)(grym_rng_next(r) >> 11) * 0x1.0p-53;
}

double grym_rng_open(grym_rng *r)
{
	return ((double)(grym_rng_next(r) >> 12) + 0.5) * 0x1.0p-52;
}

uint64_t grym_rng_below(grym_rng *r, uint64_t n)
{
	if (n <= 1)
		return 0;
	/* Rejection keeps it unbiased. */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = grym_rng_next(r);
	while (v >= lim);
	return v % n;
}

void grym_rng_shuffle(grym_rng *r, int *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)grym_rng_below(r, i);
		int t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}
