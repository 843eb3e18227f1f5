/*
 * rng.c - deterministic random numbers for initializers and training.
 *
 * xoshiro256** (Blackman and Vigna) seeded through splitmix64.  Uniform
 * draws use integer arithmetic only, so a seed means the same numbers on
 * every platform; normal draws go through libm's log, sqrt and cos.
 */
#include "kcc.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t kcc_mix64(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b * 0xd6e8feb86659fd93ULL);
    return splitmix64(&x);
}

void kcc_rng_seed(kcc_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t kcc_rng_next(kcc_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double kcc_rng_uniform(kcc_rng *rng)
{
    return (double)(kcc_rng_next(rng) >> 11) * 0x1.0p-53;
}

double kcc_rng_normal(kcc_rng *rng)
{
    /* 1 - u is in (0, 1], so the logarithm is finite. */
    double u1 = 1.0 - kcc_rng_uniform(rng);
    double u2 = kcc_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
