/*
 * rng.h — grym's deterministic random numbers: xoshiro256** seeded through
 * splitmix64 (Blackman and Vigna).
 *
 * Every random choice in libgrym (fold shuffles, network initialisation,
 * k-means++, noise, GENDYN walks, grain clouds, dither) draws from a
 * grym_rng that its owner seeded from --seed, never from rand() or any
 * shared state: the same seed gives the same bits on every machine, in
 * every thread, whatever else runs. A grym_rng is a plain value; copy it
 * to replay a sequence.
 */
#ifndef GRYM_RNG_H
#define GRYM_RNG_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct grym_rng { uint64_t s[4]; } grym_rng;

/* Seed r from one 64-bit value (through splitmix64; any value, 0 too). */
void grym_rng_seed(grym_rng *r, uint64_t seed);
/* One splitmix64 step on *state: derives well-mixed seeds (per item, per
 * segment) from one --seed. */
uint64_t grym_rng_mix(uint64_t *state);
uint64_t grym_rng_next(grym_rng *r);
/* Uniform in [0, 1), 53 bits. */
double grym_rng_uniform(grym_rng *r);
/* Uniform in (0, 1): never 0 nor 1, for inverse CDFs. */
double grym_rng_open(grym_rng *r);
/* Uniform integer in [0, n), unbiased. */
uint64_t grym_rng_below(grym_rng *r, uint64_t n);
/* Fisher-Yates shuffle of n ints. */
void grym_rng_shuffle(grym_rng *r, int *a, size_t n);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
