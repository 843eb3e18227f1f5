/*
 * test_losses.c - kcc_loss_* against TensorFlow.js's references
 * (cases/losses.txt, written by gen.js), against finite differences, and
 * against Keras's rules for names and fusion.
 *
 *   test_losses CASES_FILE [TEST]
 *
 * runs every test, or only TEST; the exit status says whether all passed.
 *
 * Tolerances.  The references are float32 computations (TF.js's CPU
 * backend); kcc computes in double from the same float inputs.  A value
 * must agree within 1e-5 relative (float32 sums of a few dozen terms
 * differ from exact by a few 1e-7).  A gradient element must agree within
 * 1e-5 relative to itself plus 1e-6 of the case's largest gradient
 * element: elements such as softmax(z) - t or p - t near zero come out of
 * float32 cancellations whose absolute error scales with the terms, not
 * with the (small) result.  The worst errors are printed.
 */
#include "kcc.h"

#include "../unit/check.h"
#include "reader.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *cases_path;

/* ---- the references --------------------------------------------------- */

static kcc_final_act act_from_word(const char *w)
{
    if (strcmp(w, "sigmoid") == 0)
        return KCC_FINAL_SIGMOID;
    if (strcmp(w, "softmax") == 0)
        return KCC_FINAL_SOFTMAX;
    if (strcmp(w, "linear") == 0)
        return KCC_FINAL_LINEAR;
    return KCC_FINAL_OTHER;
}

TEST(values_and_gradients_match_the_references)
{
    reader r;
    REQUIRE(reader_open(&r, cases_path));
    int cases = 0;
    double worst_value = 0.0, worst_grad = 0.0;
    char worst_value_case[128] = "", worst_grad_case[160] = "";
    const char *w;
    while ((w = reader_next(&r)) != NULL) {
        REQUIRE(strcmp(w, "case") == 0);
        char id[128], name[128];
        REQUIRE(reader_next(&r));
        snprintf(id, sizeof id, "%s", r.word);
        REQUIRE(reader_next(&r));
        snprintf(name, sizeof name, "%s", r.word);
        long from_logits = 0, fused = 0, n = 0, k = 0;
        REQUIRE(reader_expect(&r, "from_logits") && reader_long(&r, &from_logits));
        REQUIRE(reader_expect(&r, "fused") && reader_long(&r, &fused));
        REQUIRE(reader_expect(&r, "act") && reader_next(&r));
        kcc_final_act act = act_from_word(r.word);
        REQUIRE(reader_expect(&r, "n") && reader_long(&r, &n));
        REQUIRE(reader_expect(&r, "size") && reader_long(&r, &k));
        REQUIRE(reader_expect(&r, "ref") && reader_next(&r));

        kcc_loss loss;
        kcc_error err;
        CHECK_INT(kcc_loss_from_name(&loss, name, &err), KCC_OK);
        loss.from_logits = (int)from_logits;
        int sparse = loss.kind == KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
        long nt = sparse ? n : n * k;

        REQUIRE(reader_expect(&r, "y_pred"));
        float *yp = reader_floats(&r, n * k);
        REQUIRE(yp);
        REQUIRE(reader_expect(&r, "y_true"));
        float *yt = reader_floats(&r, nt);
        double ref;
        double *grad = NULL;
        int ok = yt && reader_expect(&r, "loss") && reader_double(&r, &ref) &&
                 reader_expect(&r, "grad") && (grad = reader_doubles(&r, n * k)) != NULL &&
                 reader_expect(&r, "end");
        CHECK(ok);
        if (!ok) {
            free(yp);
            free(yt);
            free(grad);
            break;
        }
        if (fused)
            CHECK(kcc_loss_fuses(&loss, act));

        float *dy = malloc(sizeof *dy * (size_t)(n * k));
        REQUIRE(dy);
        double v = kcc_loss_eval(&loss, yp, yt, (int)n, k, dy, (int)fused, act);
        double v2 = kcc_loss_eval(&loss, yp, yt, (int)n, k, NULL, (int)fused, act);
        CHECK_DOUBLE(v, v2);  /* the gradient does not change the value */

        double rel = fabs(v - ref) / fmax(fabs(ref), 1e-12);
        if (rel > worst_value) {
            worst_value = rel;
            snprintf(worst_value_case, sizeof worst_value_case, "%s", id);
        }
        if (!(fabs(v - ref) <= 1e-5 * fabs(ref) + 1e-9)) {
            printf("case %s: loss %.9g, reference %.9g\n", id, v, ref);
            CHECK(fabs(v - ref) <= 1e-5 * fabs(ref) + 1e-9);
        }

        double gmax = 0.0;
        for (long i = 0; i < n * k; i++)
            gmax = fmax(gmax, fabs(grad[i]));
        for (long i = 0; i < n * k; i++) {
            double d = fabs((double)dy[i] - grad[i]);
            double e = d / (fabs(grad[i]) + 0.1 * gmax + 1e-30); /* for the report */
            if (e > worst_grad) {
                worst_grad = e;
                snprintf(worst_grad_case, sizeof worst_grad_case, "%s[%ld]", id, i);
            }
            if (!(d <= 1e-5 * fabs(grad[i]) + 1e-6 * gmax)) {
                printf("case %s: gradient[%ld] %.9g, reference %.9g\n", id, i, (double)dy[i],
                       grad[i]);
                CHECK(d <= 1e-5 * fabs(grad[i]) + 1e-6 * gmax);
            }
        }
        cases++;
        free(dy);
        free(yp);
        free(yt);
        free(grad);
    }
    reader_close(&r);
    CHECK(cases >= 30);
    printf("%d cases; worst relative error of a loss %.3g (%s), of a gradient element "
           "%.3g relative to max(|g|, 0.1 max|g|) (%s)\n",
           cases, worst_value, worst_value_case, worst_grad, worst_grad_case);
}

/* ---- finite differences ----------------------------------------------- */

static kcc_rng rng;

static double uniform(double lo, double hi)
{
    return lo + (hi - lo) * kcc_rng_uniform(&rng);
}

static double worst_fd;
static char worst_fd_what[96];

/* Central differences of kcc_loss_eval in each prediction, against dy.
 * The loss is computed in double from float inputs, so the difference
 * quotient over the float steps actually taken is accurate to about
 * h^2 * L'''; the relative error must stay below 1e-3. */
static void check_fd(const kcc_loss *loss, float *yp, const float *yt, int n, long k, int fused,
                     kcc_final_act act, const char *what)
{
    float dy[64];
    REQUIRE(n * k <= 64);
    kcc_loss_eval(loss, yp, yt, n, k, dy, fused, act);
    double gmax = 0.0;
    for (long i = 0; i < n * k; i++)
        gmax = fmax(gmax, fabs(dy[i]));
    CHECK(gmax > 0.0);
    for (long i = 0; i < n * k; i++) {
        float saved = yp[i];
        double h = 1e-4 * fmax(1.0, fabs(saved));
        yp[i] = (float)(saved + h);
        double up = yp[i];
        double lp = kcc_loss_eval(loss, yp, yt, n, k, NULL, fused, act);
        yp[i] = (float)(saved - h);
        double down = yp[i];
        double lm = kcc_loss_eval(loss, yp, yt, n, k, NULL, fused, act);
        yp[i] = saved;
        double fd = (lp - lm) / (up - down);
        double err = fabs(fd - dy[i]) / fmax(fabs(dy[i]), 1e-3 * gmax);
        if (err > worst_fd) {
            worst_fd = err;
            snprintf(worst_fd_what, sizeof worst_fd_what, "%s[%ld]", what, i);
        }
        if (!(err < 1e-3)) {
            printf("%s: element %ld: gradient %.9g, finite difference %.9g\n", what, i,
                   (double)dy[i], fd);
            CHECK(err < 1e-3);
        }
    }
}

static void fill(float *v, long count, double lo, double hi)
{
    for (long i = 0; i < count; i++)
        v[i] = (float)uniform(lo, hi);
}

static void fill_labels(float *v, long count)
{
    for (long i = 0; i < count; i++)
        v[i] = kcc_rng_uniform(&rng) < 0.5 ? 0.0f : 1.0f;
}

static void fill_distributions(float *v, int n, long k)
{
    for (int s = 0; s < n; s++) {
        double sum = 0.0, w[16];
        for (long i = 0; i < k; i++)
            sum += w[i] = uniform(0.05, 1.0);
        for (long i = 0; i < k; i++)
            v[s * k + i] = (float)(w[i] / sum);
    }
}

TEST(gradients_match_finite_differences)
{
    enum { N = 3, K = 4 };
    float yp[N * K], yt[N * K];
    kcc_loss loss;
    kcc_rng_seed(&rng, 20240611);
    worst_fd = 0.0;

    for (int rep = 0; rep < 3; rep++) {
        /* binary crossentropy: inside the clipping bounds; hard and soft labels */
        kcc_loss_defaults(&loss, KCC_LOSS_BINARY_CROSSENTROPY);
        fill(yp, N * K, 0.05, 0.95);
        fill_labels(yt, N * K);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "bce");
        fill(yt, N * K, 0.0, 1.0);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "bce soft");
        loss.from_logits = 1;
        fill(yp, N * K, -4.0, 4.0);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "bce logits");

        /* categorical: rows not summing to 1 (the gradient goes through the
         * normalization), labels summing to 1 */
        kcc_loss_defaults(&loss, KCC_LOSS_CATEGORICAL_CROSSENTROPY);
        fill(yp, N * K, 0.05, 1.0);
        fill_distributions(yt, N, K);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "cce");
        loss.from_logits = 1;
        fill(yp, N * K, -4.0, 4.0);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "cce logits");

        kcc_loss_defaults(&loss, KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
        fill(yp, N * K, 0.05, 0.95);
        for (int s = 0; s < N; s++)
            yt[s] = (float)(kcc_rng_next(&rng) % K);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "scce");
        loss.from_logits = 1;
        fill(yp, N * K, -4.0, 4.0);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "scce logits");

        kcc_loss_defaults(&loss, KCC_LOSS_MEAN_SQUARED_ERROR);
        fill(yp, N * K, -3.0, 3.0);
        fill(yt, N * K, -3.0, 3.0);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "mse");

        kcc_loss_defaults(&loss, KCC_LOSS_LOG_COSH);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "log_cosh");

        /* away from the kinks: |e| > 0.05 */
        for (long i = 0; i < N * K; i++)
            if (fabsf(yp[i] - yt[i]) < 0.05f)
                yp[i] = yt[i] + 0.1f;
        kcc_loss_defaults(&loss, KCC_LOSS_MEAN_ABSOLUTE_ERROR);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "mae");

        kcc_loss_defaults(&loss, KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR);
        for (long i = 0; i < N * K; i++)
            if (fabsf(yt[i]) < 0.1f)
                yt[i] = 0.5f, yp[i] = 0.8f;
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "mape");

        /* huber: | |e| - delta | > 0.05, errors on both sides of delta */
        kcc_loss_defaults(&loss, KCC_LOSS_HUBER);
        for (long i = 0; i < N * K; i++)
            if (fabsf(fabsf(yp[i] - yt[i]) - 1.0f) < 0.05f)
                yp[i] = yt[i] + 1.5f;
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "huber");
        loss.delta = 0.5;
        for (long i = 0; i < N * K; i++)
            if (fabsf(fabsf(yp[i] - yt[i]) - 0.5f) < 0.05f)
                yp[i] = yt[i] + 1.5f;
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "huber delta 0.5");

        /* hinge: 0/1 labels (mapped), margins away from 1 */
        kcc_loss_defaults(&loss, KCC_LOSS_HINGE);
        fill_labels(yt, N * K);
        fill(yp, N * K, -2.0, 2.0);
        for (long i = 0; i < N * K; i++)
            if (fabsf(fabsf(yp[i]) - 1.0f) < 0.05f)
                yp[i] *= 0.5f;
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "hinge");

        /* kl divergence: predictions inside [eps, 1], a zero label */
        kcc_loss_defaults(&loss, KCC_LOSS_KL_DIVERGENCE);
        fill_distributions(yt, N, K);
        yt[1] = 0.0f;
        fill(yp, N * K, 0.05, 0.95);
        check_fd(&loss, yp, yt, N, K, 0, KCC_FINAL_LINEAR, "kld");
    }
    printf("worst finite-difference relative error %.3g (%s)\n", worst_fd, worst_fd_what);
}

/* ---- fused paths ------------------------------------------------------ */

/* The unfused loss of probabilities act(z) (z in double), as a function
 * of the logits. */
static double unfused_of_logits(const kcc_loss *loss, const double *z, const float *yt, int n,
                                long k, kcc_final_act act, float *p, float *dy)
{
    for (int s = 0; s < n; s++) {
        const double *zs = z + s * k;
        if (act == KCC_FINAL_SIGMOID) {
            for (long i = 0; i < k; i++)
                p[s * k + i] = (float)(1.0 / (1.0 + exp(-zs[i])));
        } else {
            double m = zs[0], sum = 0.0;
            for (long i = 1; i < k; i++)
                m = fmax(m, zs[i]);
            for (long i = 0; i < k; i++)
                sum += exp(zs[i] - m);
            for (long i = 0; i < k; i++)
                p[s * k + i] = (float)(exp(zs[i] - m) / sum);
        }
    }
    return kcc_loss_eval(loss, p, yt, n, k, dy, 0, KCC_FINAL_LINEAR);
}

static void check_fused(kcc_loss_kind kind, kcc_final_act act, int n, long k, const char *what)
{
    float z[64], yt[64], g[64], p[64], dyp[64];
    double zd[64];
    kcc_loss loss;
    kcc_loss_defaults(&loss, kind);
    REQUIRE(kcc_loss_fuses(&loss, act));
    REQUIRE(n * k <= 64);
    fill(z, n * k, -3.0, 3.0);
    if (kind == KCC_LOSS_BINARY_CROSSENTROPY)
        fill_labels(yt, n * k);
    else if (kind == KCC_LOSS_CATEGORICAL_CROSSENTROPY)
        fill_distributions(yt, n, k);
    else
        for (int s = 0; s < n; s++)
            yt[s] = (float)(kcc_rng_next(&rng) % (uint64_t)k);
    for (long i = 0; i < n * k; i++)
        zd[i] = z[i];

    double fused = kcc_loss_eval(&loss, z, yt, n, k, g, 1, act);
    double plain = unfused_of_logits(&loss, zd, yt, n, k, act, p, dyp);
    /* The same loss: the probabilities' formula differs by the clipping
     * fuzz (log(p + eps)) and the float rounding of p. */
    CHECK_NEAR(fused, plain, 1e-5 * fabs(plain));

    double gmax = 0.0;
    for (long i = 0; i < n * k; i++)
        gmax = fmax(gmax, fabs(g[i]));
    for (long i = 0; i < n * k; i++) {
        /* the unfused gradient chained through the activation by finite
         * differences in the logits: the five-point stencil, whose step
         * can be large (h = 1e-2, truncation error ~h^4) because p is
         * rounded to float and a small step would magnify that noise */
        double h = 1e-2, saved = zd[i], f[4];
        static const double at[4] = {-2.0, -1.0, 1.0, 2.0};
        for (int j = 0; j < 4; j++) {
            zd[i] = saved + at[j] * h;
            f[j] = unfused_of_logits(&loss, zd, yt, n, k, act, p, NULL);
        }
        zd[i] = saved;
        double fd = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
        double err = fabs(fd - g[i]) / fmax(fabs(g[i]), 1e-2 * gmax);
        if (err > worst_fd) {
            worst_fd = err;
            snprintf(worst_fd_what, sizeof worst_fd_what, "%s[%ld]", what, i);
        }
        if (!(err < 1e-3)) {
            printf("%s: element %ld: fused gradient %.9g, chained finite difference %.9g\n",
                   what, i, (double)g[i], fd);
            CHECK(err < 1e-3);
        }
    }
    /* and the analytic chain: dL/dz = J^T dL/dp */
    unfused_of_logits(&loss, zd, yt, n, k, act, p, dyp);
    for (int s = 0; s < n; s++) {
        double dot = 0.0;
        for (long i = 0; i < k; i++)
            dot += (double)dyp[s * k + i] * p[s * k + i];
        for (long i = 0; i < k; i++) {
            long j = s * k + i;
            double chained = act == KCC_FINAL_SIGMOID ? dyp[j] * p[j] * (1.0 - p[j])
                                                      : p[j] * (dyp[j] - dot);
            CHECK_NEAR(g[j], chained, 1e-4 * fmax(fabs(chained), 1e-2 * gmax));
        }
    }
    /* from_logits with a linear output: the same numbers */
    loss.from_logits = 1;
    float g2[64];
    double direct = kcc_loss_eval(&loss, z, yt, n, k, g2, 0, KCC_FINAL_LINEAR);
    CHECK_DOUBLE(direct, fused);
    CHECK(memcmp(g, g2, sizeof(float) * (size_t)(n * k)) == 0);
}

TEST(fused_gradients_match_the_unfused_loss_chained_through_the_activation)
{
    kcc_rng_seed(&rng, 7);
    worst_fd = 0.0;
    for (int rep = 0; rep < 3; rep++) {
        check_fused(KCC_LOSS_BINARY_CROSSENTROPY, KCC_FINAL_SIGMOID, 5, 1, "bce+sigmoid");
        check_fused(KCC_LOSS_BINARY_CROSSENTROPY, KCC_FINAL_SIGMOID, 3, 4, "bce+sigmoid k4");
        check_fused(KCC_LOSS_CATEGORICAL_CROSSENTROPY, KCC_FINAL_SOFTMAX, 3, 5, "cce+softmax");
        check_fused(KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, KCC_FINAL_SOFTMAX, 4, 3,
                    "scce+softmax");
    }
    printf("worst chained finite-difference relative error %.3g (%s)\n", worst_fd,
           worst_fd_what);
}

TEST(fused_losses_stay_finite_for_saturated_logits)
{
    kcc_loss loss;
    kcc_loss_defaults(&loss, KCC_LOSS_BINARY_CROSSENTROPY);
    float z[4] = {100.0f, -100.0f, 0.0f, 30.0f}, t[4] = {0.0f, 1.0f, 1.0f, 1.0f}, g[4];
    double v = kcc_loss_eval(&loss, z, t, 4, 1, g, 1, KCC_FINAL_SIGMOID);
    /* (100 + 100 + log 2 + log1p(e^-30)) / 4 */
    CHECK_NEAR(v, (200.0 + log(2.0) + log1p(exp(-30.0))) / 4.0, 1e-12);
    CHECK_NEAR(g[0], 0.25, 1e-7);
    CHECK_NEAR(g[1], -0.25, 1e-7);
    CHECK_NEAR(g[2], -0.125, 1e-7);

    kcc_loss_defaults(&loss, KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    float zs[3] = {500.0f, -500.0f, 0.0f}, ts[1] = {1.0f}, gs[3];
    v = kcc_loss_eval(&loss, zs, ts, 1, 3, gs, 1, KCC_FINAL_SOFTMAX);
    CHECK_NEAR(v, 1000.0, 1e-9);
    CHECK_NEAR(gs[0], 1.0, 1e-7);
    CHECK_NEAR(gs[1], -1.0, 1e-7);
    CHECK_NEAR(gs[2], 0.0, 1e-7);
}

/* ---- names and fusion -------------------------------------------------- */

TEST(names_resolve_as_keras_resolves_them)
{
    static const struct {
        const char *name;
        kcc_loss_kind kind;
    } names[] = {
        {"binary_crossentropy", KCC_LOSS_BINARY_CROSSENTROPY},
        {"BinaryCrossentropy", KCC_LOSS_BINARY_CROSSENTROPY},
        {"bce", KCC_LOSS_BINARY_CROSSENTROPY},
        {"BCE", KCC_LOSS_BINARY_CROSSENTROPY},
        {"categorical_crossentropy", KCC_LOSS_CATEGORICAL_CROSSENTROPY},
        {"CategoricalCrossentropy", KCC_LOSS_CATEGORICAL_CROSSENTROPY},
        {"sparse_categorical_crossentropy", KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY},
        {"SparseCategoricalCrossentropy", KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY},
        {"mean_squared_error", KCC_LOSS_MEAN_SQUARED_ERROR},
        {"mse", KCC_LOSS_MEAN_SQUARED_ERROR},
        {"MSE", KCC_LOSS_MEAN_SQUARED_ERROR},
        {"MeanSquaredError", KCC_LOSS_MEAN_SQUARED_ERROR},
        {"mean_absolute_error", KCC_LOSS_MEAN_ABSOLUTE_ERROR},
        {"mae", KCC_LOSS_MEAN_ABSOLUTE_ERROR},
        {"MAE", KCC_LOSS_MEAN_ABSOLUTE_ERROR},
        {"MeanAbsoluteError", KCC_LOSS_MEAN_ABSOLUTE_ERROR},
        {"mean_absolute_percentage_error", KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR},
        {"mape", KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR},
        {"MAPE", KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR},
        {"MeanAbsolutePercentageError", KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR},
        {"huber", KCC_LOSS_HUBER},
        {"huber_loss", KCC_LOSS_HUBER},
        {"Huber", KCC_LOSS_HUBER},
        {"hinge", KCC_LOSS_HINGE},
        {"Hinge", KCC_LOSS_HINGE},
        {"kl_divergence", KCC_LOSS_KL_DIVERGENCE},
        {"kld", KCC_LOSS_KL_DIVERGENCE},
        {"KLD", KCC_LOSS_KL_DIVERGENCE},
        {"kullback_leibler_divergence", KCC_LOSS_KL_DIVERGENCE},
        {"KLDivergence", KCC_LOSS_KL_DIVERGENCE},
        {"log_cosh", KCC_LOSS_LOG_COSH},
        {"logcosh", KCC_LOSS_LOG_COSH},
        {"LogCosh", KCC_LOSS_LOG_COSH},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kcc_loss loss;
        memset(&loss, 0xff, sizeof loss);
        kcc_error err;
        CHECK_INT(kcc_loss_from_name(&loss, names[i].name, &err), KCC_OK);
        CHECK_INT(loss.kind, names[i].kind);
        /* Keras's defaults */
        CHECK_INT(loss.from_logits, 0);
        CHECK_DOUBLE(loss.delta, 1.0);
        CHECK_DOUBLE(loss.epsilon, 1e-7);
    }

    kcc_loss loss;
    kcc_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(kcc_loss_from_name(&loss, "cross_entropy", &err), KCC_ERR_INVALID);
    CHECK_INT(err.status, KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "unknown loss \"cross_entropy\"");
    CHECK_CONTAINS(err.message, "binary_crossentropy");
    CHECK_CONTAINS(err.message, "sparse_categorical_crossentropy");
    CHECK_CONTAINS(err.message, "mean_squared_error (mse)");
    CHECK_CONTAINS(err.message, "huber");
    CHECK_CONTAINS(err.message, "log_cosh");
    /* Keras's names are case-sensitive */
    CHECK_INT(kcc_loss_from_name(&loss, "Mse", &err), KCC_ERR_INVALID);
    CHECK_INT(kcc_loss_from_name(&loss, "", &err), KCC_ERR_INVALID);
    CHECK_INT(kcc_loss_from_name(&loss, NULL, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "(null)");
    CHECK_INT(kcc_loss_from_name(&loss, "nope", NULL), KCC_ERR_INVALID); /* no error struct */
}

TEST(only_crossentropies_fuse_with_their_activation)
{
    static const kcc_final_act acts[] = {KCC_FINAL_LINEAR, KCC_FINAL_SIGMOID, KCC_FINAL_SOFTMAX,
                                         KCC_FINAL_OTHER};
    for (int kind = KCC_LOSS_BINARY_CROSSENTROPY; kind <= KCC_LOSS_LOG_COSH; kind++) {
        for (int from_logits = 0; from_logits <= 1; from_logits++) {
            for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
                kcc_loss loss;
                kcc_loss_defaults(&loss, (kcc_loss_kind)kind);
                loss.from_logits = from_logits;
                int expect = (kind == KCC_LOSS_BINARY_CROSSENTROPY && acts[a] == KCC_FINAL_SIGMOID) ||
                             ((kind == KCC_LOSS_CATEGORICAL_CROSSENTROPY ||
                               kind == KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) &&
                              acts[a] == KCC_FINAL_SOFTMAX);
                /* from_logits does not matter: Keras takes the output's
                 * _keras_logits either way (it warns when from_logits). */
                CHECK_INT(kcc_loss_fuses(&loss, acts[a]), expect);
            }
        }
    }
}

/* ---- particular values ------------------------------------------------- */

TEST(edge_cases_follow_keras)
{
    kcc_loss loss;
    float dy[8];

    /* an empty batch: 0 (divide_no_nan), nothing written */
    kcc_loss_defaults(&loss, KCC_LOSS_MEAN_SQUARED_ERROR);
    dy[0] = 42.0f;
    CHECK_DOUBLE(kcc_loss_eval(&loss, dy, dy, 0, 3, dy, 0, KCC_FINAL_LINEAR), 0.0);
    CHECK_DOUBLE(dy[0], 42.0f);

    /* sparse labels out of range: NaN, as TensorFlow on a GPU */
    kcc_loss_defaults(&loss, KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    float p[3] = {0.2f, 0.3f, 0.5f}, bad[1] = {3.0f}, neg[1] = {-1.0f}, frac[1] = {1.9f};
    CHECK(isnan(kcc_loss_eval(&loss, p, bad, 1, 3, dy, 0, KCC_FINAL_LINEAR)));
    CHECK(isnan(dy[0]));
    CHECK(isnan(kcc_loss_eval(&loss, p, neg, 1, 3, NULL, 0, KCC_FINAL_LINEAR)));
    /* a fractional label is truncated, as tf.cast to int64 */
    CHECK_NEAR(kcc_loss_eval(&loss, p, frac, 1, 3, NULL, 0, KCC_FINAL_LINEAR),
               -log(0.3 / (0.2 + 0.3 + 0.5)), 1e-7);

    /* binary crossentropy of a prediction exactly 1 with label 0: Keras's
     * float32 bound 1 - 2^-23 and its eps inside the logarithm */
    kcc_loss_defaults(&loss, KCC_LOSS_BINARY_CROSSENTROPY);
    float one[1] = {1.0f}, zero[1] = {0.0f};
    double eps = (double)1e-7f, hi = 1.0 - ldexp(1.0, -23);
    CHECK_NEAR(kcc_loss_eval(&loss, one, zero, 1, 1, dy, 0, KCC_FINAL_LINEAR),
               -log(1.0 - hi + eps), 1e-12);
    CHECK_DOUBLE(dy[0], 0.0f); /* clipped: no gradient */

    /* the epsilon field is Keras's fuzz factor */
    loss.epsilon = 1e-3;
    CHECK_NEAR(kcc_loss_eval(&loss, one, zero, 1, 1, NULL, 0, KCC_FINAL_LINEAR),
               -log(1.0 - (double)(1.0f - 1e-3f) + (double)1e-3f), 1e-9);

    /* hinge: labels all 0/1 are mapped, a batch with other labels is not */
    kcc_loss_defaults(&loss, KCC_LOSS_HINGE);
    float hp[2] = {0.5f, 0.5f}, h01[2] = {0.0f, 1.0f}, hmix[2] = {0.0f, 0.5f};
    CHECK_NEAR(kcc_loss_eval(&loss, hp, h01, 1, 2, NULL, 0, KCC_FINAL_LINEAR),
               (1.5 + 0.5) / 2.0, 1e-12);
    CHECK_NEAR(kcc_loss_eval(&loss, hp, hmix, 1, 2, NULL, 0, KCC_FINAL_LINEAR),
               (1.0 + 0.75) / 2.0, 1e-12);

    /* huber's delta */
    kcc_loss_defaults(&loss, KCC_LOSS_HUBER);
    loss.delta = 2.0;
    float e3[1] = {3.0f}, z0[1] = {0.0f};
    CHECK_NEAR(kcc_loss_eval(&loss, e3, z0, 1, 1, dy, 0, KCC_FINAL_LINEAR), 2.0 * 3.0 - 2.0,
               1e-12);
    CHECK_NEAR(dy[0], 2.0, 1e-7);

    /* mape divides by max(|t|, eps) */
    kcc_loss_defaults(&loss, KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR);
    float mp[2] = {1.0f, -2.0f}, mt[2] = {0.0f, -4.0f};
    CHECK_NEAR(kcc_loss_eval(&loss, mp, mt, 1, 2, NULL, 0, KCC_FINAL_LINEAR),
               100.0 * (1.0 / (double)1e-7f + 0.5) / 2.0, 1e-3);

    /* log_cosh of a large error stays finite: |x| - log 2 */
    kcc_loss_defaults(&loss, KCC_LOSS_LOG_COSH);
    float big[1] = {1000.0f};
    CHECK_NEAR(kcc_loss_eval(&loss, big, z0, 1, 1, dy, 0, KCC_FINAL_LINEAR), 1000.0 - log(2.0),
               1e-9);
    CHECK_NEAR(dy[0], 1.0, 1e-7);

    /* kl divergence sums over the last axis, clipping both sides */
    kcc_loss_defaults(&loss, KCC_LOSS_KL_DIVERGENCE);
    float kp[2] = {0.25f, 0.75f}, kt[2] = {0.5f, 0.5f};
    CHECK_NEAR(kcc_loss_eval(&loss, kp, kt, 1, 2, NULL, 0, KCC_FINAL_LINEAR),
               0.5 * log(2.0) + 0.5 * log(0.5 / 0.75), 1e-9);
    /* a zero label counts as eps, in the value and the gradient (TF.js
     * multiplies by the unclipped label: 0) */
    float kz[2] = {0.0f, 1.0f}, kh[2] = {0.5f, 0.5f};
    CHECK_NEAR(kcc_loss_eval(&loss, kh, kz, 1, 2, dy, 0, KCC_FINAL_LINEAR),
               eps * log(eps / 0.5) + log(2.0), 1e-13);
    CHECK_NEAR(dy[0], -eps / 0.5, 1e-14);
    CHECK_NEAR(dy[1], -1.0 / 0.5, 1e-7);
    /* a prediction of 0 counts as eps; one above 1 as 1, without gradient */
    float kq[2] = {0.0f, 1.5f}, kt2[2] = {0.5f, 0.5f};
    CHECK_NEAR(kcc_loss_eval(&loss, kq, kt2, 1, 2, dy, 0, KCC_FINAL_LINEAR),
               0.5 * log(0.5 / eps) + 0.5 * log(0.5), 1e-9);
    CHECK_DOUBLE(dy[0], 0.0f);
    CHECK_DOUBLE(dy[1], 0.0f);
}

/* ---- main --------------------------------------------------------------- */

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"values_and_gradients_match_the_references", values_and_gradients_match_the_references},
    {"gradients_match_finite_differences", gradients_match_finite_differences},
    {"fused_gradients_match_the_unfused_loss_chained_through_the_activation",
     fused_gradients_match_the_unfused_loss_chained_through_the_activation},
    {"fused_losses_stay_finite_for_saturated_logits",
     fused_losses_stay_finite_for_saturated_logits},
    {"names_resolve_as_keras_resolves_them", names_resolve_as_keras_resolves_them},
    {"only_crossentropies_fuse_with_their_activation",
     only_crossentropies_fuse_with_their_activation},
    {"edge_cases_follow_keras", edge_cases_follow_keras},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: %s CASES_FILE [TEST]\n", argv[0]);
        return 2;
    }
    cases_path = argv[1];
    int ran = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (argc > 2 && strcmp(argv[2], tests[i].name) != 0)
            continue;
        check_run(tests[i].name, tests[i].fn);
        ran++;
    }
    if (!ran) {
        printf("no test named %s\n", argv[2]);
        return 2;
    }
    return check_exit();
}
