/*
 * rng.h — the synth module's private random numbers: xoshiro256** seeded
 * through splitmix64 (Blackman and Vigna). One state per generator object,
 * so results depend only on the seed, never on threads or call order
 * elsewhere. Not exported from libgrym (static inline, internal header).
 */
#ifndef GRYM_SYNTH_RNG_H
#define GRYM_SYNTH_RNG_H

#include <stdint.h>

typedef struct synth_rng {
	uint64_t s[4];
} synth_rng;

static inline uint64_t synth_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void synth_rng_seed(synth_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = synth_splitmix64(&x);
}

static inline uint64_t synth_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t synth_rng_next(synth_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = synth_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = synth_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1) with 53 bits. */
static inline double synth_rng_uniform(synth_rng *r)
{
	return (double)(synth_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in (0, 1): never 0, never 1 (for inverse CDFs). */
static inline double synth_rng_open(synth_rng *r)
{
	return ((double)(synth_rng_next(r) >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}

#endif
