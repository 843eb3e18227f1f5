/*
 * test_init.c - the runtime's random numbers and Keras initializers
 * (runtime/rng.c, runtime/init.c), through kcc.h alone.
 *
 * Statistical checks use fixed seeds and tolerances of many standard
 * errors, so they are deterministic and not flaky, yet catch a wrong
 * scale or distribution.
 */
#include "check.h"
#include "kcc.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct Stats {
    double mean, var, min, max;
} Stats;

static Stats stats(const double *x, long n)
{
    Stats s = {0, 0, x[0], x[0]};
    for (long i = 0; i < n; i++) {
        s.mean += x[i];
        if (x[i] < s.min)
            s.min = x[i];
        if (x[i] > s.max)
            s.max = x[i];
    }
    s.mean /= (double)n;
    for (long i = 0; i < n; i++)
        s.var += (x[i] - s.mean) * (x[i] - s.mean);
    s.var /= (double)(n - 1);
    return s;
}

/* Fills a fresh array of the shape's size with init, seed 1. */
static double *fill(const kcc_initializer *init, const long *shape, int rank, long *count)
{
    long n = 1;
    for (int i = 0; i < rank; i++)
        n *= shape[i];
    double *x = malloc(sizeof *x * (size_t)n);
    kcc_rng rng;
    kcc_rng_seed(&rng, 1);
    kcc_error err = {KCC_OK, ""};
    kcc_status st = kcc_init_fill(x, init, shape, rank, &rng, &err);
    CHECK_INT(st, KCC_OK);
    if (st != KCC_OK)
        printf("    kcc_init_fill: %s\n", err.message);
    *count = n;
    return x;
}

static kcc_initializer make(kcc_init_kind kind)
{
    kcc_initializer init;
    kcc_init_defaults(&init, kind);
    return init;
}

static kcc_initializer vs(double scale, kcc_fan_mode mode, kcc_distribution dist)
{
    kcc_initializer init = make(KCC_INIT_VARIANCE_SCALING);
    init.a = scale;
    init.mode = mode;
    init.distribution = dist;
    return init;
}

/* ---- kcc_rng ------------------------------------------------------------ */

TEST(the_generator_is_xoshiro256starstar_seeded_by_splitmix64)
{
    /* Reference values computed independently; they pin the sequence on
     * every platform. */
    kcc_rng rng;
    kcc_rng_seed(&rng, 0);
    CHECK(rng.s[0] == 0xe220a8397b1dcdafULL);
    CHECK(rng.s[1] == 0x6e789e6aa1b965f4ULL);
    CHECK(rng.s[2] == 0x06c45d188009454fULL);
    CHECK(rng.s[3] == 0xf88bb8a8724c81ecULL);
    CHECK(kcc_rng_next(&rng) == 0x99ec5f36cb75f2b4ULL);
    CHECK(kcc_rng_next(&rng) == 0xbf6e1f784956452aULL);
    CHECK(kcc_rng_next(&rng) == 0x1a5f849d4933e6e0ULL);
    kcc_rng_seed(&rng, 42);
    CHECK(kcc_rng_next(&rng) == 0x15780b2e0c2ec716ULL);
    CHECK(kcc_mix64(1, 2) == 0xb2c19dc41db344f0ULL);
}

TEST(the_same_seed_gives_the_same_sequence)
{
    kcc_rng a, b;
    kcc_rng_seed(&a, 1234);
    kcc_rng_seed(&b, 1234);
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        same += kcc_rng_next(&a) == kcc_rng_next(&b);
        same += kcc_rng_normal(&a) == kcc_rng_normal(&b);
    }
    CHECK_INT(same, 2000);
}

TEST(different_seeds_give_different_sequences)
{
    kcc_rng a, b;
    kcc_rng_seed(&a, 1);
    kcc_rng_seed(&b, 2);
    int same = 0;
    for (int i = 0; i < 1000; i++)
        same += kcc_rng_next(&a) == kcc_rng_next(&b);
    CHECK_INT(same, 0);
    CHECK(kcc_mix64(1, 2) != kcc_mix64(2, 1));
    CHECK(kcc_mix64(7, 0) != kcc_mix64(7, 1));
}

TEST(uniform_draws_lie_in_zero_one_with_the_right_moments)
{
    enum { N = 200000 };
    double *x = malloc(sizeof *x * N);
    kcc_rng rng;
    kcc_rng_seed(&rng, 7);
    int outside = 0;
    for (long i = 0; i < N; i++) {
        x[i] = kcc_rng_uniform(&rng);
        outside += !(x[i] >= 0.0 && x[i] < 1.0);
    }
    CHECK_INT(outside, 0);
    Stats s = stats(x, N);
    CHECK_NEAR(s.mean, 0.5, 0.005);
    CHECK_NEAR(s.var, 1.0 / 12.0, 0.002);
    CHECK(s.min < 1e-4 && s.max > 1 - 1e-4);
    free(x);
}

TEST(normal_draws_have_mean_0_and_standard_deviation_1)
{
    enum { N = 200000 };
    double *x = malloc(sizeof *x * N);
    kcc_rng rng;
    kcc_rng_seed(&rng, 8);
    long beyond2 = 0;
    for (long i = 0; i < N; i++) {
        x[i] = kcc_rng_normal(&rng);
        beyond2 += fabs(x[i]) > 2.0;
    }
    Stats s = stats(x, N);
    CHECK_NEAR(s.mean, 0.0, 0.01);
    CHECK_NEAR(sqrt(s.var), 1.0, 0.01);
    /* P(|z| > 2) = 4.55%. */
    CHECK_NEAR((double)beyond2 / N, 0.0455, 0.003);
    CHECK(isfinite(s.min) && isfinite(s.max));
    free(x);
}

/* ---- fans and defaults -------------------------------------------------- */

TEST(fans_follow_keras_rules_for_each_rank)
{
    double in, out;
    kcc_init_fans(&in, &out, NULL, 0);
    CHECK_DOUBLE(in, 1);
    CHECK_DOUBLE(out, 1);
    const long s1[] = {7};
    kcc_init_fans(&in, &out, s1, 1);
    CHECK_DOUBLE(in, 7);
    CHECK_DOUBLE(out, 7);
    const long s2[] = {3, 5};
    kcc_init_fans(&in, &out, s2, 2);
    CHECK_DOUBLE(in, 3);
    CHECK_DOUBLE(out, 5);
    /* A conv kernel: receptive field times channels. */
    const long s4[] = {3, 3, 16, 32};
    kcc_init_fans(&in, &out, s4, 4);
    CHECK_DOUBLE(in, 3 * 3 * 16);
    CHECK_DOUBLE(out, 3 * 3 * 32);
    const long s3[] = {5, 4, 6};
    kcc_init_fans(&in, &out, s3, 3);
    CHECK_DOUBLE(in, 20);
    CHECK_DOUBLE(out, 30);
}

TEST(defaults_are_keras_defaults)
{
    kcc_initializer i = make(KCC_INIT_RANDOM_UNIFORM);
    CHECK_DOUBLE(i.a, -0.05);
    CHECK_DOUBLE(i.b, 0.05);
    i = make(KCC_INIT_RANDOM_NORMAL);
    CHECK_DOUBLE(i.a, 0.0);
    CHECK_DOUBLE(i.b, 0.05);
    i = make(KCC_INIT_TRUNCATED_NORMAL);
    CHECK_DOUBLE(i.b, 0.05);
    i = make(KCC_INIT_VARIANCE_SCALING);
    CHECK_DOUBLE(i.a, 1.0);
    CHECK_INT(i.mode, KCC_FAN_IN);
    CHECK_INT(i.distribution, KCC_DIST_TRUNCATED_NORMAL);
    i = make(KCC_INIT_ORTHOGONAL);
    CHECK_DOUBLE(i.a, 1.0);
    i = make(KCC_INIT_CONSTANT);
    CHECK_DOUBLE(i.a, 0.0);
}

/* ---- kcc_init_fill ------------------------------------------------------ */

TEST(constant_zeros_and_ones_fill_every_element)
{
    const long shape[] = {3, 4};
    long n;
    kcc_initializer c = make(KCC_INIT_CONSTANT);
    c.a = 0.25;
    kcc_initializer z = make(KCC_INIT_ZEROS), o = make(KCC_INIT_ONES);
    double *xc = fill(&c, shape, 2, &n), *xz = fill(&z, shape, 2, &n), *xo = fill(&o, shape, 2, &n);
    int bad = 0;
    for (long i = 0; i < n; i++)
        bad += xc[i] != 0.25 || xz[i] != 0.0 || xo[i] != 1.0;
    CHECK_INT(bad, 0);
    free(xc);
    free(xz);
    free(xo);
}

TEST(fill_is_deterministic_per_seed)
{
    const long shape[] = {10, 10};
    kcc_initializer init = vs(1.0, KCC_FAN_AVG, KCC_DIST_UNIFORM);
    double a[100], b[100], c[100];
    kcc_rng r;
    kcc_rng_seed(&r, 5);
    CHECK_INT(kcc_init_fill(a, &init, shape, 2, &r, NULL), KCC_OK);
    kcc_rng_seed(&r, 5);
    CHECK_INT(kcc_init_fill(b, &init, shape, 2, &r, NULL), KCC_OK);
    kcc_rng_seed(&r, 6);
    CHECK_INT(kcc_init_fill(c, &init, shape, 2, &r, NULL), KCC_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
}

TEST(glorot_uniform_stays_within_its_limit_with_its_variance)
{
    const long shape[] = {200, 100};
    kcc_initializer init = vs(1.0, KCC_FAN_AVG, KCC_DIST_UNIFORM);
    long n;
    double *x = fill(&init, shape, 2, &n);
    double limit = sqrt(6.0 / (200 + 100));
    Stats s = stats(x, n);
    CHECK(s.min >= -limit && s.max <= limit);
    CHECK(s.min < -0.99 * limit && s.max > 0.99 * limit);
    CHECK_NEAR(s.mean, 0.0, 0.005);
    CHECK_NEAR(s.var / (2.0 / (200 + 100)), 1.0, 0.05);
    free(x);
}

TEST(he_normal_is_truncated_with_variance_2_over_fan_in)
{
    const long shape[] = {400, 50};
    kcc_initializer init = vs(2.0, KCC_FAN_IN, KCC_DIST_TRUNCATED_NORMAL);
    long n;
    double *x = fill(&init, shape, 2, &n);
    double var = 2.0 / 400;
    /* Keras divides by 0.8796... so that the truncated variance is var;
     * the truncation is at 2 of the untruncated standard deviations. */
    double bound = 2.0 * sqrt(var) / 0.87962566103423978;
    Stats s = stats(x, n);
    CHECK(s.min >= -bound && s.max <= bound);
    CHECK(s.max > 0.95 * bound);
    CHECK_NEAR(s.var / var, 1.0, 0.05);
    CHECK_NEAR(s.mean, 0.0, 0.003);
    free(x);
}

TEST(untruncated_normal_variance_scaling_has_the_plain_variance)
{
    const long shape[] = {100, 300};
    kcc_initializer init = vs(1.0, KCC_FAN_OUT, KCC_DIST_UNTRUNCATED_NORMAL);
    long n;
    double *x = fill(&init, shape, 2, &n);
    double var = 1.0 / 300;
    Stats s = stats(x, n);
    CHECK_NEAR(s.var / var, 1.0, 0.05);
    /* Untruncated: some values lie beyond 2 standard deviations. */
    CHECK(s.max > 2.5 * sqrt(var));
    free(x);
}

TEST(truncated_normal_never_goes_beyond_two_standard_deviations)
{
    const long shape[] = {50000};
    kcc_initializer init = make(KCC_INIT_TRUNCATED_NORMAL);
    init.a = 1.0;
    init.b = 0.5;
    long n;
    double *x = fill(&init, shape, 1, &n);
    Stats s = stats(x, n);
    CHECK(s.min >= 0.0 && s.max <= 2.0);
    CHECK(s.min < 0.05 && s.max > 1.95);
    CHECK_NEAR(s.mean, 1.0, 0.01);
    /* The standard deviation of N(0, 1) cut at +-2 is 0.8796. */
    CHECK_NEAR(sqrt(s.var), 0.5 * 0.87962566103423978, 0.01);
    free(x);
}

TEST(random_uniform_and_random_normal_use_their_arguments)
{
    const long shape[] = {50000};
    long n;
    kcc_initializer u = make(KCC_INIT_RANDOM_UNIFORM);
    u.a = -1.0;
    u.b = 3.0;
    double *x = fill(&u, shape, 1, &n);
    Stats s = stats(x, n);
    CHECK(s.min >= -1.0 && s.max < 3.0);
    CHECK_NEAR(s.mean, 1.0, 0.03);
    free(x);
    kcc_initializer g = make(KCC_INIT_RANDOM_NORMAL);
    g.a = 2.0;
    g.b = 0.5;
    x = fill(&g, shape, 1, &n);
    s = stats(x, n);
    CHECK_NEAR(s.mean, 2.0, 0.01);
    CHECK_NEAR(sqrt(s.var), 0.5, 0.01);
    free(x);
}

/* max |(A^T A)[i][j] - gain^2 delta_ij| for the rows x cols matrix a, or
 * of A A^T when by_rows. */
static double gram_error(const double *a, long rows, long cols, bool by_rows, double gain)
{
    long k = by_rows ? rows : cols, len = by_rows ? cols : rows;
    double worst = 0;
    for (long i = 0; i < k; i++) {
        for (long j = 0; j < k; j++) {
            double dot = 0;
            for (long t = 0; t < len; t++)
                dot += by_rows ? a[i * cols + t] * a[j * cols + t]
                               : a[t * cols + i] * a[t * cols + j];
            double e = fabs(dot - (i == j ? gain * gain : 0.0));
            if (e > worst)
                worst = e;
        }
    }
    return worst;
}

TEST(orthogonal_tall_matrices_have_orthonormal_columns)
{
    const long shape[] = {8, 5};
    kcc_initializer init = make(KCC_INIT_ORTHOGONAL);
    long n;
    double *x = fill(&init, shape, 2, &n);
    CHECK_NEAR(gram_error(x, 8, 5, false, 1.0), 0.0, 1e-12);
    free(x);
}

TEST(orthogonal_wide_matrices_have_orthonormal_rows)
{
    const long shape[] = {5, 8};
    kcc_initializer init = make(KCC_INIT_ORTHOGONAL);
    long n;
    double *x = fill(&init, shape, 2, &n);
    CHECK_NEAR(gram_error(x, 5, 8, true, 1.0), 0.0, 1e-12);
    free(x);
}

TEST(orthogonal_square_matrices_scale_by_the_gain)
{
    const long shape[] = {6, 6};
    kcc_initializer init = make(KCC_INIT_ORTHOGONAL);
    init.a = 2.0;
    long n;
    double *x = fill(&init, shape, 2, &n);
    CHECK_NEAR(gram_error(x, 6, 6, false, 2.0), 0.0, 1e-12);
    CHECK_NEAR(gram_error(x, 6, 6, true, 2.0), 0.0, 1e-12);
    free(x);
}

TEST(orthogonal_rank_3_shapes_flatten_the_leading_axes)
{
    const long shape[] = {2, 3, 4}; /* a 6 x 4 matrix */
    kcc_initializer init = make(KCC_INIT_ORTHOGONAL);
    long n;
    double *x = fill(&init, shape, 3, &n);
    CHECK_INT(n, 24);
    CHECK_NEAR(gram_error(x, 6, 4, false, 1.0), 0.0, 1e-12);
    free(x);
}

TEST(orthogonal_needs_rank_2)
{
    const long shape[] = {4};
    kcc_initializer init = make(KCC_INIT_ORTHOGONAL);
    double x[4];
    kcc_rng rng;
    kcc_rng_seed(&rng, 1);
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_init_fill(x, &init, shape, 1, &rng, &err), KCC_ERR_INVALID);
    CHECK_INT(err.status, KCC_ERR_INVALID);
    CHECK_STR(err.message, "the orthogonal initializer needs a weight of rank 2 or more");
}

TEST(identity_on_2d_is_the_gain_on_the_diagonal)
{
    const long shape[] = {3, 4};
    kcc_initializer init = make(KCC_INIT_IDENTITY);
    init.a = 2.0;
    long n;
    double *x = fill(&init, shape, 2, &n);
    int bad = 0;
    for (long r = 0; r < 3; r++)
        for (long c = 0; c < 4; c++)
            bad += x[r * 4 + c] != (r == c ? 2.0 : 0.0);
    CHECK_INT(bad, 0);
    free(x);
}

TEST(identity_on_3d_fails_as_invalid)
{
    const long shape[] = {2, 2, 2};
    kcc_initializer init = make(KCC_INIT_IDENTITY);
    double x[8];
    kcc_rng rng;
    kcc_rng_seed(&rng, 1);
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_init_fill(x, &init, shape, 3, &rng, &err), KCC_ERR_INVALID);
    CHECK_INT(err.status, KCC_ERR_INVALID);
    CHECK_STR(err.message, "the identity initializer needs a 2-D weight");
    /* Without an error object it fails the same, quietly. */
    CHECK_INT(kcc_init_fill(x, &init, shape, 3, &rng, NULL), KCC_ERR_INVALID);
}

int main(void)
{
    RUN(the_generator_is_xoshiro256starstar_seeded_by_splitmix64);
    RUN(the_same_seed_gives_the_same_sequence);
    RUN(different_seeds_give_different_sequences);
    RUN(uniform_draws_lie_in_zero_one_with_the_right_moments);
    RUN(normal_draws_have_mean_0_and_standard_deviation_1);
    RUN(fans_follow_keras_rules_for_each_rank);
    RUN(defaults_are_keras_defaults);
    RUN(constant_zeros_and_ones_fill_every_element);
    RUN(fill_is_deterministic_per_seed);
    RUN(glorot_uniform_stays_within_its_limit_with_its_variance);
    RUN(he_normal_is_truncated_with_variance_2_over_fan_in);
    RUN(untruncated_normal_variance_scaling_has_the_plain_variance);
    RUN(truncated_normal_never_goes_beyond_two_standard_deviations);
    RUN(random_uniform_and_random_normal_use_their_arguments);
    RUN(orthogonal_tall_matrices_have_orthonormal_columns);
    RUN(orthogonal_wide_matrices_have_orthonormal_rows);
    RUN(orthogonal_square_matrices_scale_by_the_gain);
    RUN(orthogonal_rank_3_shapes_flatten_the_leading_axes);
    RUN(orthogonal_needs_rank_2);
    RUN(identity_on_2d_is_the_gain_on_the_diagonal);
    RUN(identity_on_3d_fails_as_invalid);
    return check_exit();
}
