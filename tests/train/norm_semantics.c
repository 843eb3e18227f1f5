/*
 * norm_semantics.c - what TF.js cannot check of the normalization family
 * in training: the noise layers' statistics, masks and seeding, the
 * activity penalty's scaling by the Keras version that wrote the file,
 * and the moving variance's estimator.
 *
 *   norm_semantics CASES_DIR      (tests/numeric/cases)
 *
 * Each noise layer is a model of its own (tests/train/models/norm_*.json)
 * run forward in training mode on 16 samples:
 *   - GaussianNoise(0.5): y - x has mean 0 and standard deviation 0.5;
 *   - GaussianDropout(0.3): y / x has mean 1 and standard deviation
 *     sqrt(0.3 / 0.7);
 *   - AlphaDropout(0.2) on standard normal data keeps mean 0 and variance
 *     1, a fifth of the values set to the dropped value a * alpha' + b;
 *   - SpatialDropout2D/3D(0.25): every channel of a sample all kept (times
 *     1 / 0.75) or all dropped, a quarter dropped;
 *   - Dropout with noise_shape (None, 1, 16): one mask for every row of a
 *     sample; with (1, 64): one mask for the whole batch;
 * each within four standard errors, the same output again for the same
 * seed, another for another seed, and the identity at inference.
 *
 * The activity penalty forward returns: a Keras 3 file's is the sum
 * (Keras 3's Layer.__call__ adds activity_regularizer(output) as it is),
 * its Keras 2 twin's the sum divided by the batch size (tf.keras 2's
 * _handle_activity_regularization), for the numeric cases activity_l2
 * and activity_regularization; a Keras 1 file divides (ActivityRegularizer:
 * l * sum(mean(|y|, axis=0))), a standalone Keras 2.2.4 file does not.
 *
 * The moving variance after one training forward: the biased batch
 * variance for tf.keras 2 (2.13.1), Bessel's m / (m - (1 + epsilon)) for
 * standalone Keras 2.2.4; a frozen layer (trainable false) leaves its
 * moving statistics and normalizes with them (tf.keras 2, Keras 3) or with
 * the batch's (standalone Keras 2: Layer.updates is empty when not
 * trainable).
 */
#include "norm_act_k1.h"
#include "norm_act_k224.h"
#include "norm_ad.h"
#include "norm_ar_k2.h"
#include "norm_ar_k3.h"
#include "norm_bn_frozen.h"
#include "norm_bn_frozen_k224.h"
#include "norm_bn_k213.h"
#include "norm_bn_k224.h"
#include "norm_db.h"
#include "norm_dr.h"
#include "norm_gd.h"
#include "norm_gn.h"
#include "norm_l2_k2.h"
#include "norm_l2_k3.h"
#include "norm_sd2.h"
#include "norm_sd2f.h"
#include "norm_sd3.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 16 };

static int failures;

#define EXPECT(cond, ...)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                        \
            printf(__VA_ARGS__);                                               \
            printf("\n");                                                      \
            failures++;                                                        \
        }                                                                      \
    } while (0)

/* A model's buffers. */
typedef struct Run {
    const kcc_model_def *def;
    float *p, *work, *x, *y;
    long in, out;
} Run;

static Run run_new(const kcc_model_def *def)
{
    Run r = {def, NULL, NULL, NULL, NULL, def->input_size * N, def->output_size * N};
    r.p = malloc(sizeof *r.p * (size_t)(def->param_count + 1));
    memcpy(r.p, def->initial_params, sizeof *r.p * (size_t)def->param_count);
    r.work = calloc((size_t)def->work_size + 1, sizeof *r.work);
    r.x = malloc(sizeof *r.x * (size_t)r.in);
    r.y = malloc(sizeof *r.y * (size_t)r.out);
    return r;
}

static void run_free(Run *r)
{
    free(r->p);
    free(r->work);
    free(r->x);
    free(r->y);
}

/* Forward on r->x into r->y with the generator seeded with seed. */
static double forward(Run *r, int training, uint64_t seed)
{
    kcc_rng rng;
    kcc_rng_seed(&rng, seed);
    return r->def->forward(r->p, r->work, r->x, r->y, NULL, N, training, &rng);
}

/* Same seed, same output; another seed, another; inference: the input. */
static void check_seeding(Run *r, const char *what)
{
    float *first = malloc(sizeof *first * (size_t)r->out);
    forward(r, 1, 11);
    memcpy(first, r->y, sizeof *first * (size_t)r->out);
    forward(r, 1, 11);
    EXPECT(memcmp(first, r->y, sizeof *first * (size_t)r->out) == 0,
           "%s: another output for the same seed", what);
    forward(r, 1, 12);
    EXPECT(memcmp(first, r->y, sizeof *first * (size_t)r->out) != 0,
           "%s: the same output for another seed", what);
    forward(r, 0, 11);
    EXPECT(memcmp(r->x, r->y, sizeof *first * (size_t)r->out) == 0,
           "%s: not the identity at inference", what);
    forward(r, 1, 11);
    free(first);
}

static void fill(float *v, long n, float value)
{
    for (long i = 0; i < n; i++)
        v[i] = value;
}

/* mean and standard deviation of v[0..n). */
static void moments(const double *v, long n, double *mean, double *sd)
{
    double s = 0, q = 0;
    for (long i = 0; i < n; i++)
        s += v[i];
    *mean = s / (double)n;
    for (long i = 0; i < n; i++)
        q += (v[i] - *mean) * (v[i] - *mean);
    *sd = sqrt(q / (double)n);
}

static void gaussian_noise(void)
{
    Run r = run_new(&norm_gn_def);
    fill(r.x, r.in, 1.0f);
    check_seeding(&r, "GaussianNoise");
    double *d = malloc(sizeof *d * (size_t)r.out), mean, sd;
    for (long i = 0; i < r.out; i++)
        d[i] = r.y[i] - r.x[i];
    moments(d, r.out, &mean, &sd);
    printf("GaussianNoise(0.5): noise mean %.4f, standard deviation %.4f over %ld\n", mean, sd,
           r.out);
    EXPECT(fabs(mean) < 4 * 0.5 / sqrt((double)r.out), "mean %g", mean);
    EXPECT(fabs(sd - 0.5) < 4 * 0.5 / sqrt(2.0 * (double)r.out), "standard deviation %g", sd);
    free(d);
    run_free(&r);
}

static void gaussian_dropout(void)
{
    Run r = run_new(&norm_gd_def);
    fill(r.x, r.in, 2.0f);
    check_seeding(&r, "GaussianDropout");
    double *d = malloc(sizeof *d * (size_t)r.out), mean, sd, want = sqrt(0.3 / 0.7);
    for (long i = 0; i < r.out; i++)
        d[i] = r.y[i] / r.x[i];
    moments(d, r.out, &mean, &sd);
    printf("GaussianDropout(0.3): factor mean %.4f, standard deviation %.4f (want %.4f)\n", mean,
           sd, want);
    EXPECT(fabs(mean - 1) < 4 * want / sqrt((double)r.out), "mean %g", mean);
    EXPECT(fabs(sd - want) < 4 * want / sqrt(2.0 * (double)r.out), "standard deviation %g", sd);
    free(d);
    run_free(&r);
}

static void alpha_dropout(void)
{
    Run r = run_new(&norm_ad_def);
    kcc_rng g;
    kcc_rng_seed(&g, 5);
    for (long i = 0; i < r.in; i++)
        r.x[i] = (float)kcc_rng_normal(&g);
    check_seeding(&r, "AlphaDropout");
    double rate = 0.2, alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;
    double a = pow((1 - rate) * (1 + rate * alpha_p * alpha_p), -0.5), b = -a * alpha_p * rate;
    float dropped = (float)(a * alpha_p + b);
    double *d = malloc(sizeof *d * (size_t)r.out), mean, sd;
    long ndropped = 0;
    for (long i = 0; i < r.out; i++) {
        d[i] = r.y[i];
        if (fabsf(r.y[i] - dropped) < 1e-6f)
            ndropped++;
        else
            EXPECT(fabs(r.y[i] - (a * r.x[i] + b)) < 1e-5, "kept value %g for %g", r.y[i], r.x[i]);
    }
    moments(d, r.out, &mean, &sd);
    double frac = (double)ndropped / (double)r.out;
    printf("AlphaDropout(0.2): mean %.4f, variance %.4f, dropped %.4f\n", mean, sd * sd, frac);
    EXPECT(fabs(mean) < 4 / sqrt((double)r.out), "mean %g", mean);
    EXPECT(fabs(sd * sd - 1) < 0.1, "variance %g", sd * sd);
    EXPECT(fabs(frac - rate) < 4 * sqrt(rate * (1 - rate) / (double)r.out), "dropped %g", frac);
    free(d);
    run_free(&r);
}

/* Whole channels: c channels of s positions a sample, channel stride cs
 * and position stride ps. */
static void spatial(const kcc_model_def *def, const char *what, long c, long s, long cs, long ps)
{
    Run r = run_new(def);
    kcc_rng g;
    kcc_rng_seed(&g, 6);
    for (long i = 0; i < r.in; i++)
        r.x[i] = (float)(kcc_rng_uniform(&g) + 0.5);
    check_seeding(&r, what);
    long dropped = 0, size = def->input_size;
    for (long n = 0; n < N; n++)
        for (long ch = 0; ch < c; ch++) {
            const float *x = r.x + n * size + ch * cs, *y = r.y + n * size + ch * cs;
            bool zero = y[0] == 0.0f;
            dropped += zero;
            for (long k = 0; k < s; k++)
                EXPECT(zero ? y[k * ps] == 0.0f
                            : fabsf(y[k * ps] - x[k * ps] / 0.75f) < 1e-6f * x[k * ps] / 0.75f,
                       "%s: sample %ld channel %ld position %ld: %g from %g", what, n, ch, k,
                       y[k * ps], x[k * ps]);
        }
    double frac = (double)dropped / (double)(N * c);
    printf("%s(0.25): %.4f of the channels dropped\n", what, frac);
    EXPECT(fabs(frac - 0.25) < 4 * sqrt(0.25 * 0.75 / (double)(N * c)), "%s: dropped %g", what,
           frac);
    run_free(&r);
}

/* Dropout(0.5) with a noise shape: groups of equal masks. */
static void dropout_noise_shape(void)
{
    Run r = run_new(&norm_dr_def);
    fill(r.x, r.in, 1.0f);
    check_seeding(&r, "Dropout (None, 1, 16)");
    long kept = 0;
    for (long n = 0; n < N; n++)
        for (long j = 0; j < 16; j++) {
            float m = r.y[n * 128 + j];
            EXPECT(m == 0.0f || m == 2.0f, "mask value %g", m);
            kept += m != 0.0f;
            for (long row = 1; row < 8; row++)
                EXPECT(r.y[n * 128 + row * 16 + j] == m,
                       "sample %ld column %ld: row %ld differs from row 0", n, j, row);
        }
    printf("Dropout(0.5, noise_shape (None, 1, 16)): %.4f kept\n", kept / (double)(N * 16));
    EXPECT(fabs(kept / (double)(N * 16) - 0.5) < 4 * 0.5 / sqrt(N * 16.0), "kept %ld", kept);
    run_free(&r);

    r = run_new(&norm_db_def);
    fill(r.x, r.in, 1.0f);
    check_seeding(&r, "Dropout (1, 64)");
    for (long n = 1; n < N; n++)
        EXPECT(memcmp(r.y, r.y + n * 64, sizeof *r.y * 64) == 0, "sample %ld has its own mask", n);
    run_free(&r);
}

/* The penalty of a Keras 3 file is N times its Keras 2 twin's. */
static void penalty_by_version(const kcc_model_def *k2, const kcc_model_def *k3, const char *what)
{
    Run a = run_new(k2), b = run_new(k3);
    kcc_rng g;
    kcc_rng_seed(&g, 8);
    for (long i = 0; i < a.in; i++)
        a.x[i] = b.x[i] = (float)(kcc_rng_uniform(&g) * 4 - 2);
    double pa = forward(&a, 1, 1), pb = forward(&b, 1, 1);
    printf("%s: penalty %.9g (Keras 2), %.9g (Keras 3)\n", what, pa, pb);
    EXPECT(pa > 0 && fabs(pb - N * pa) <= 1e-9 * pb, "%s: Keras 3's %g is not %d times %g", what,
           pb, N, pa);
    /* Evaluation adds it too: forward returns it at inference. */
    EXPECT(forward(&a, 0, 1) == pa, "%s: another penalty at inference", what);
    run_free(&a);
    run_free(&b);
}

/* l1 sum |y| + l2 sum y^2 of a one-Dense model's output, divided by N or not. */
static void penalty_of_output(const kcc_model_def *def, int divided, const char *what)
{
    Run r = run_new(def);
    kcc_rng g;
    kcc_rng_seed(&g, 9);
    for (long i = 0; i < r.in; i++)
        r.x[i] = (float)(kcc_rng_uniform(&g) * 4 - 2);
    double got = forward(&r, 1, 1), l1 = 0, l2 = 0;
    for (long i = 0; i < r.out; i++) {
        l1 += fabs(r.y[i]);
        l2 += (double)r.y[i] * r.y[i];
    }
    double want = (0.01 * l1 + 0.05 * l2) / (divided ? N : 1);
    printf("%s: penalty %.9g, want %.9g\n", what, got, want);
    EXPECT(fabs(got - want) <= 1e-6 * want, "%s: penalty %g, want %g", what, got, want);
    run_free(&r);
}

/* BatchNormalization(momentum 0.5, epsilon 0.001) on [2, 3]: the moving
 * averages after one training forward from 0 and 1.  frozen: 1 inference
 * mode (tf.keras 2, Keras 3), 2 the batch's statistics without updates
 * (standalone Keras 2). */
static void moving_variance(const kcc_model_def *def, int bessel, int frozen, const char *what)
{
    Run r = run_new(def);
    kcc_rng g;
    kcc_rng_seed(&g, 10);
    for (long i = 0; i < r.in; i++)
        r.x[i] = (float)(kcc_rng_uniform(&g) * 3);
    forward(&r, 1, 1);
    const kcc_param_def *mm = NULL, *mv = NULL;
    for (int k = 0; k < def->nparams; k++) {
        if (strcmp(def->params[k].name, "moving_mean") == 0)
            mm = &def->params[k];
        if (strcmp(def->params[k].name, "moving_variance") == 0)
            mv = &def->params[k];
    }
    EXPECT(mm && mv, "%s: no moving statistics", what);
    if (!mm || !mv) {
        run_free(&r);
        return;
    }
    const long m = 2 * N;
    for (long c = 0; c < 3; c++) {
        double s = 0, q = 0;
        for (long k = 0; k < m; k++)
            s += r.x[k * 3 + c];
        double mean = s / m;
        for (long k = 0; k < m; k++)
            q += (r.x[k * 3 + c] - mean) * (r.x[k * 3 + c] - mean);
        double var = q / m * (bessel ? m / (m - 1.001) : 1.0);
        double want_mean = frozen ? 0 : 0.5 * mean, want_var = frozen ? 1 : 0.5 + 0.5 * var;
        EXPECT(fabs(r.p[mm->offset + c] - want_mean) < 1e-6, "%s: moving mean %g, want %g", what,
               r.p[mm->offset + c], want_mean);
        EXPECT(fabs(r.p[mv->offset + c] - want_var) < 1e-6, "%s: moving variance %g, want %g",
               what, r.p[mv->offset + c], want_var);
        for (long k = 0; k < m; k++) {
            /* inference mode: (x - 0) / sqrt(1 + eps); else the batch's */
            double want = frozen == 1 ? r.x[k * 3 + c] / sqrt(1.001)
                                      : (r.x[k * 3 + c] - mean) / sqrt(q / m + 0.001);
            EXPECT(fabs(r.y[k * 3 + c] - want) < 1e-5, "%s: output %g for %g, want %g", what,
                   r.y[k * 3 + c], r.x[k * 3 + c], want);
        }
        if (c == 0)
            printf("%s: moving variance %.7f (batch variance %.7f)\n", what, r.p[mv->offset],
                   q / m);
    }
    run_free(&r);
}

int main(void)
{
    gaussian_noise();
    gaussian_dropout();
    alpha_dropout();
    spatial(&norm_sd2_def, "SpatialDropout2D", 32, 16, 1, 32);
    spatial(&norm_sd2f_def, "SpatialDropout2D channels_first", 32, 16, 16, 1);
    spatial(&norm_sd3_def, "SpatialDropout3D", 32, 8, 1, 32);
    dropout_noise_shape();
    penalty_by_version(&norm_l2_k2_def, &norm_l2_k3_def, "activity_l2");
    penalty_by_version(&norm_ar_k2_def, &norm_ar_k3_def, "activity_regularization");
    penalty_of_output(&norm_act_k1_def, 1, "Keras 1 ActivityRegularizer");
    penalty_of_output(&norm_act_k224_def, 0, "standalone Keras 2.2.4 activity_regularizer");
    moving_variance(&norm_bn_k213_def, 0, 0, "tf.keras 2.13.1 BatchNormalization");
    moving_variance(&norm_bn_k224_def, 1, 0, "Keras 2.2.4 BatchNormalization");
    moving_variance(&norm_bn_frozen_def, 0, 1, "frozen tf.keras 2.13.1 BatchNormalization");
    moving_variance(&norm_bn_frozen_k224_def, 0, 2, "frozen Keras 2.2.4 BatchNormalization");
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
