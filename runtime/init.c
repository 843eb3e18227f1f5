/*
 * init.c - Keras's weight initializers.
 *
 * Each follows the definition in keras/initializers: fan computation,
 * variance scaling with its truncation constant, truncated normal redrawn
 * beyond two standard deviations, orthogonal through a QR factorization
 * whose R has a positive diagonal.  The random stream is kcc's own
 * (rng.c), so values are deterministic per seed but not TensorFlow's.
 */
#include "kcc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void kcc_init_defaults(kcc_initializer *init, kcc_init_kind kind)
{
    init->kind = kind;
    init->a = 0.0;
    init->b = 0.0;
    init->mode = KCC_FAN_IN;
    init->distribution = KCC_DIST_TRUNCATED_NORMAL;
    switch (kind) {
    case KCC_INIT_ZEROS:
    case KCC_INIT_ONES:
    case KCC_INIT_CONSTANT:
        break;
    case KCC_INIT_RANDOM_UNIFORM:
        init->a = -0.05;
        init->b = 0.05;
        break;
    case KCC_INIT_RANDOM_NORMAL:
    case KCC_INIT_TRUNCATED_NORMAL:
        init->b = 0.05;
        break;
    case KCC_INIT_VARIANCE_SCALING:
    case KCC_INIT_ORTHOGONAL:
    case KCC_INIT_IDENTITY:
        init->a = 1.0;
        break;
    }
}

void kcc_init_fans(double *fan_in, double *fan_out, const long *shape, int rank)
{
    if (rank < 1) {
        *fan_in = *fan_out = 1.0;
    } else if (rank == 1) {
        *fan_in = *fan_out = (double)shape[0];
    } else if (rank == 2) {
        *fan_in = (double)shape[0];
        *fan_out = (double)shape[1];
    } else {
        double receptive = 1.0;
        for (int i = 0; i < rank - 2; i++)
            receptive *= (double)shape[i];
        *fan_in = (double)shape[rank - 2] * receptive;
        *fan_out = (double)shape[rank - 1] * receptive;
    }
}

static double truncated_normal(kcc_rng *rng)
{
    for (;;) {
        double z = kcc_rng_normal(rng);
        if (z >= -2.0 && z <= 2.0)
            return z;
    }
}

/* Orthogonal: a rows x cols matrix (rows >= cols) of normals, orthonormalized
 * column by column with Gram-Schmidt, run twice for accuracy.  This yields
 * the Q of a QR factorization whose R has a positive diagonal, which is what
 * Keras obtains by multiplying Q by the signs of diag(R). */
static kcc_status orthogonal(double *out, double gain, const long *shape,
                             int rank, kcc_rng *rng, kcc_error *err)
{
    if (rank < 2)
        return kcc_error_set(err, KCC_ERR_INVALID, "%s",
                    "the orthogonal initializer needs a weight of rank 2 or more");
    long nrows = 1;
    for (int i = 0; i < rank - 1; i++)
        nrows *= shape[i];
    long ncols = shape[rank - 1];
    long m = nrows > ncols ? nrows : ncols;
    long n = nrows > ncols ? ncols : nrows;
    double *q = malloc(sizeof *q * (size_t)(m * n + 1));
    if (!q)
        return kcc_error_set(err, KCC_ERR_NOMEM, "out of memory in the orthogonal initializer");
    for (long i = 0; i < m * n; i++) /* row-major m x n */
        q[i] = kcc_rng_normal(rng);
    for (long j = 0; j < n; j++) {
        for (int pass = 0; pass < 2; pass++) {
            for (long k = 0; k < j; k++) {
                double dot = 0.0;
                for (long i = 0; i < m; i++)
                    dot += q[i * n + k] * q[i * n + j];
                for (long i = 0; i < m; i++)
                    q[i * n + j] -= dot * q[i * n + k];
            }
        }
        double norm = 0.0;
        for (long i = 0; i < m; i++)
            norm += q[i * n + j] * q[i * n + j];
        norm = sqrt(norm);
        if (norm == 0.0)
            norm = 1.0;
        for (long i = 0; i < m; i++)
            q[i * n + j] /= norm;
    }
    /* The result is nrows x ncols: q itself, or its transpose. */
    for (long r = 0; r < nrows; r++)
        for (long c = 0; c < ncols; c++)
            out[r * ncols + c] = gain * (nrows >= ncols ? q[r * n + c] : q[c * n + r]);
    free(q);
    return KCC_OK;
}

kcc_status kcc_init_fill(double *out, const kcc_initializer *init,
                         const long *shape, int rank, kcc_rng *rng,
                         kcc_error *err)
{
    long count = 1;
    for (int i = 0; i < rank; i++)
        count *= shape[i];

    switch (init->kind) {
    case KCC_INIT_ZEROS:
    case KCC_INIT_ONES:
    case KCC_INIT_CONSTANT: {
        double v = init->kind == KCC_INIT_ZEROS ? 0.0
                 : init->kind == KCC_INIT_ONES  ? 1.0 : init->a;
        for (long i = 0; i < count; i++)
            out[i] = v;
        return KCC_OK;
    }
    case KCC_INIT_RANDOM_UNIFORM:
        for (long i = 0; i < count; i++)
            out[i] = init->a + (init->b - init->a) * kcc_rng_uniform(rng);
        return KCC_OK;
    case KCC_INIT_RANDOM_NORMAL:
        for (long i = 0; i < count; i++)
            out[i] = init->a + init->b * kcc_rng_normal(rng);
        return KCC_OK;
    case KCC_INIT_TRUNCATED_NORMAL:
        for (long i = 0; i < count; i++)
            out[i] = init->a + init->b * truncated_normal(rng);
        return KCC_OK;
    case KCC_INIT_VARIANCE_SCALING: {
        double fan_in, fan_out;
        kcc_init_fans(&fan_in, &fan_out, shape, rank);
        double n = init->mode == KCC_FAN_IN  ? fan_in
                 : init->mode == KCC_FAN_OUT ? fan_out
                 : (fan_in + fan_out) / 2.0;
        if (n < 1.0)
            n = 1.0;
        double scale = init->a / n;
        switch (init->distribution) {
        case KCC_DIST_TRUNCATED_NORMAL: {
            /* 0.879... is the stddev of a unit normal truncated to [-2, 2]. */
            double sd = sqrt(scale) / 0.87962566103423978;
            for (long i = 0; i < count; i++)
                out[i] = sd * truncated_normal(rng);
            return KCC_OK;
        }
        case KCC_DIST_UNTRUNCATED_NORMAL: {
            double sd = sqrt(scale);
            for (long i = 0; i < count; i++)
                out[i] = sd * kcc_rng_normal(rng);
            return KCC_OK;
        }
        case KCC_DIST_UNIFORM: {
            double limit = sqrt(3.0 * scale);
            for (long i = 0; i < count; i++)
                out[i] = -limit + 2.0 * limit * kcc_rng_uniform(rng);
            return KCC_OK;
        }
        }
        return kcc_error_set(err, KCC_ERR_INVALID, "unknown distribution");
    }
    case KCC_INIT_ORTHOGONAL:
        return orthogonal(out, init->a, shape, rank, rng, err);
    case KCC_INIT_IDENTITY:
        if (rank != 2)
            return kcc_error_set(err, KCC_ERR_INVALID, "%s",
                        "the identity initializer needs a 2-D weight");
        for (long r = 0; r < shape[0]; r++)
            for (long c = 0; c < shape[1]; c++)
                out[r * shape[1] + c] = r == c ? init->a : 0.0;
        return KCC_OK;
    }
    return kcc_error_set(err, KCC_ERR_INVALID, "unknown initializer");
}
