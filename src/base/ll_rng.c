#include "base/ll_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void ll_rng_init(ll_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t ll_rng_u64(ll_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double ll_rng_uniform(ll_rng *r)
{
	return (double)(ll_rng_u64(r) >> 11) * 0x1.0p-53;
}

double ll_rng_normal(ll_rng *r)
{
	/* Box-Muller; one value per call keeps the state simple and the
	 * sequence a pure function of the seed. */
	double u1, u2;
	do
		u1 = ll_rng_uniform(r);
	while (u1 <= 0.0);
	u2 = ll_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t ll_rng_below(ll_rng *r, uint64_t n)
{
	/* rejection sampling: no modulo bias */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = ll_rng_u64(r);
	while (x >= lim);
	return x % n;
}

unsigned ll_rng_poisson(ll_rng *r, double mean)
{
	if (!(mean > 0.0))
		return 0;
	if (mean < 30.0) { /* Knuth: exact, fine for small means */
		double L = exp(-mean), p = 1.0;
		unsigned k = 0;
		do {
			k++;
			p *= ll_rng_uniform(r);
		} while (p > L);
		return k - 1;
	}
	/* large means: rounded normal approximation is adequate for
	 * synthetic spike counts */
	double x = mean + sqrt(mean) * ll_rng_normal(r) + 0.5;
	return x < 0.0 ? 0u : (unsigned)x;
}

uint64_t ll_seed_derive(uint64_t base, uint64_t a, uint64_t b)
{
	uint64_t x = base ^ 0x5851f42d4c957f2dULL;
	uint64_t h = splitmix64(&x);
	x = h ^ (a * 0xd1342543de82ef95ULL);
	h = splitmix64(&x);
	x = h ^ (b * 0x9e3779b97f4a7c15ULL + 1);
	return splitmix64(&x);
}
