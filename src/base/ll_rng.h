/*
 * ll_rng.h - a small seedable random generator (xoshiro256**, seeded
 * through splitmix64).  The state lives in the caller's struct: there is no
 * global generator, so every result is a function of its recorded seed.
 */
#ifndef LL_RNG_H
#define LL_RNG_H

#include <stdint.h>

typedef struct ll_rng {
	uint64_t s[4];
} ll_rng;

void ll_rng_init(ll_rng *r, uint64_t seed);
uint64_t ll_rng_u64(ll_rng *r);
double ll_rng_uniform(ll_rng *r);          /* [0, 1) */
double ll_rng_normal(ll_rng *r);           /* N(0, 1) */
uint64_t ll_rng_below(ll_rng *r, uint64_t n); /* uniform in [0, n), n > 0 */
unsigned ll_rng_poisson(ll_rng *r, double mean);
/* Derive an independent seed from a base seed and up to two indices, e.g.
 * (seed, rank, replicate); the same inputs always give the same seed. */
uint64_t ll_seed_derive(uint64_t base, uint64_t a, uint64_t b);

#endif
