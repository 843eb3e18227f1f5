/*
 * kcc.h - the kcc runtime library: the one public header.
 *
 * The code kcc generates for inference needs nothing from here: it is
 * self-contained C99 that depends on libm alone.  This library is for the
 * host side: programs that initialize, load or (later) train models.
 *
 * Conventions
 *   - Everything public starts with kcc_ / KCC_.
 *   - Functions that can fail return a kcc_status and, when the caller
 *     passes a kcc_error, describe the failure there.  The library never
 *     prints, never exits and keeps no global state.
 *   - Outputs come first in argument lists.
 *   - The caller owns every buffer it passes in; nothing here keeps a
 *     pointer after returning.
 */
#ifndef KCC_H
#define KCC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KCC_VERSION "0.1.0"

/* ---- status and errors -------------------------------------------------- */

typedef enum kcc_status {
    KCC_OK = 0,
    KCC_ERR_INVALID = 1, /* an argument or a described object is invalid */
    KCC_ERR_IO = 2,      /* a file could not be read or written */
    KCC_ERR_FORMAT = 3,  /* a file is not in the expected format */
    KCC_ERR_NOMEM = 4    /* out of memory */
} kcc_status;

/* Filled in by a failing call when the caller passes one. */
typedef struct kcc_error {
    kcc_status status;
    char message[256];
} kcc_error;

/* ---- random numbers ----------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: the same seed gives the same
 * sequence on every platform (uniform draws use integer arithmetic only). */
typedef struct kcc_rng {
    uint64_t s[4];
} kcc_rng;

void kcc_rng_seed(kcc_rng *rng, uint64_t seed);
uint64_t kcc_rng_next(kcc_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double kcc_rng_uniform(kcc_rng *rng);
/* Standard normal (Box-Muller, no cached second value). */
double kcc_rng_normal(kcc_rng *rng);
/* A well-mixed 64-bit hash of a and b, for deriving independent streams. */
uint64_t kcc_mix64(uint64_t a, uint64_t b);

/* ---- initializers ------------------------------------------------------- */

/* Keras's initializers.  Defaults (filled by kcc_init_defaults) are
 * Keras's: RandomUniform(-0.05, 0.05), RandomNormal(0, 0.05),
 * TruncatedNormal(0, 0.05), Constant(0), Orthogonal(gain 1),
 * Identity(gain 1), VarianceScaling(1, fan_in, truncated_normal). */
typedef enum kcc_init_kind {
    KCC_INIT_ZEROS,
    KCC_INIT_ONES,
    KCC_INIT_CONSTANT,        /* value */
    KCC_INIT_RANDOM_UNIFORM,  /* minval, maxval */
    KCC_INIT_RANDOM_NORMAL,   /* mean, stddev */
    KCC_INIT_TRUNCATED_NORMAL,/* mean, stddev; redraw beyond 2 stddev */
    KCC_INIT_VARIANCE_SCALING,/* scale, mode, distribution */
    KCC_INIT_ORTHOGONAL,      /* gain */
    KCC_INIT_IDENTITY         /* gain */
} kcc_init_kind;

typedef enum kcc_fan_mode { KCC_FAN_IN, KCC_FAN_OUT, KCC_FAN_AVG } kcc_fan_mode;

typedef enum kcc_distribution {
    KCC_DIST_TRUNCATED_NORMAL,
    KCC_DIST_UNTRUNCATED_NORMAL,
    KCC_DIST_UNIFORM
} kcc_distribution;

typedef struct kcc_initializer {
    kcc_init_kind kind;
    double a;                      /* minval, mean, value, scale or gain */
    double b;                      /* maxval or stddev */
    kcc_fan_mode mode;             /* variance scaling */
    kcc_distribution distribution; /* variance scaling */
} kcc_initializer;

/* Sets *init to kind with Keras's default arguments. */
void kcc_init_defaults(kcc_initializer *init, kcc_init_kind kind);

/* Keras's fan computation for a weight of the given shape. */
void kcc_init_fans(double *fan_in, double *fan_out, const long *shape, int rank);

/* Fills out[0 .. prod(shape)) with values drawn from rng.  Fails with
 * KCC_ERR_INVALID for an identity initializer on a shape that is not 2-D
 * and KCC_ERR_NOMEM when orthogonal's scratch cannot be allocated. */
kcc_status kcc_init_fill(double *out, const kcc_initializer *init,
                         const long *shape, int rank, kcc_rng *rng,
                         kcc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KCC_H */
