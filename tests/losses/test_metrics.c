/*
 * test_metrics.c - kcc_metric_* against TensorFlow.js's references and
 * Keras's by-hand formulas (cases/metrics.txt, written by gen.js), Keras's
 * own AUC test vectors, the resolution of "accuracy", names and state.
 *
 *   test_metrics CASES_FILE [TEST]
 *
 * Tolerance: the running values are exact ratios of counts, or means of
 * float32 per-sample errors (mae, mse) that TF.js computed in float32:
 * 2e-6 relative.
 */
#include "kcc.h"

#include "../unit/check.h"
#include "reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *cases_path;

/* ---- the references --------------------------------------------------- */

TEST(running_values_match_the_references)
{
    reader r;
    REQUIRE(reader_open(&r, cases_path));
    int cases = 0;
    double worst = 0.0;
    char worst_case[128] = "";
    const char *w;
    while ((w = reader_next(&r)) != NULL) {
        REQUIRE(strcmp(w, "metric") == 0);
        char id[128], name[128], loss_name[128];
        REQUIRE(reader_next(&r));
        snprintf(id, sizeof id, "%s", r.word);
        REQUIRE(reader_next(&r));
        snprintf(name, sizeof name, "%s", r.word);
        REQUIRE(reader_expect(&r, "loss") && reader_next(&r));
        snprintf(loss_name, sizeof loss_name, "%s", r.word);
        long k = 0;
        REQUIRE(reader_expect(&r, "size") && reader_long(&r, &k));
        REQUIRE(reader_expect(&r, "ref") && reader_next(&r));

        kcc_loss loss;
        kcc_metric m;
        kcc_error err;
        REQUIRE(kcc_loss_from_name(&loss, loss_name, &err) == KCC_OK);
        CHECK_INT(kcc_metric_from_name(&m, name, &loss, k, &err), KCC_OK);
        int sparse = m.kind == KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY ||
                     m.kind == KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY;
        int batches = 0;
        while ((w = reader_next(&r)) != NULL && strcmp(w, "end") != 0) {
            if (strcmp(w, "curve") == 0) {
                REQUIRE(reader_next(&r));
                m.pr_curve = strcmp(r.word, "pr") == 0;
                continue;
            }
            REQUIRE(strcmp(w, "batch") == 0);
            long n = 0;
            REQUIRE(reader_long(&r, &n));
            REQUIRE(reader_expect(&r, "y_pred"));
            float *yp = reader_floats(&r, n * k);
            REQUIRE(reader_expect(&r, "y_true"));
            float *yt = reader_floats(&r, sparse ? n : n * k);
            double ref;
            int ok = yp && yt && reader_expect(&r, "after") && reader_double(&r, &ref);
            CHECK(ok);
            if (ok) {
                kcc_metric_update(&m, yp, yt, (int)n, k);
                double v = kcc_metric_result(&m);
                double err_rel = fabs(v - ref) / fmax(fabs(ref), 1e-12);
                if (err_rel > worst && ref != 0.0) {
                    worst = err_rel;
                    snprintf(worst_case, sizeof worst_case, "%s", id);
                }
                if (!(fabs(v - ref) <= 2e-6 * fabs(ref) + 1e-12)) {
                    printf("case %s, batch %d: %.17g, reference %.17g\n", id, batches + 1, v,
                           ref);
                    CHECK(fabs(v - ref) <= 2e-6 * fabs(ref) + 1e-12);
                }
            }
            free(yp);
            free(yt);
            batches++;
            if (!ok)
                break;
        }
        CHECK_INT(batches, 2);
        kcc_metric_free(&m);
        cases++;
    }
    reader_close(&r);
    CHECK(cases >= 15);
    printf("%d cases; worst relative error %.3g (%s)\n", cases, worst, worst_case);
}

/* ---- "accuracy" --------------------------------------------------------- */

TEST(accuracy_resolves_from_the_output_size_and_the_labels)
{
    static const struct {
        const char *name;
        kcc_loss_kind loss;
        long size;
        kcc_metric_kind kind;
    } rules[] = {
        /* one output: binary, whatever the loss */
        {"accuracy", KCC_LOSS_BINARY_CROSSENTROPY, 1, KCC_METRIC_BINARY_ACCURACY},
        {"accuracy", KCC_LOSS_MEAN_SQUARED_ERROR, 1, KCC_METRIC_BINARY_ACCURACY},
        {"acc", KCC_LOSS_HINGE, 1, KCC_METRIC_BINARY_ACCURACY},
        {"accuracy", KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1, KCC_METRIC_BINARY_ACCURACY},
        /* sparse labels (lower rank than the output) */
        {"accuracy", KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 10, KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {"acc", KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 3, KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        /* otherwise categorical - binary crossentropy on several outputs
         * too (tf.keras 2.x compile_utils; Keras 2.3 and TF.js: binary) */
        {"accuracy", KCC_LOSS_CATEGORICAL_CROSSENTROPY, 10, KCC_METRIC_CATEGORICAL_ACCURACY},
        {"accuracy", KCC_LOSS_BINARY_CROSSENTROPY, 3, KCC_METRIC_CATEGORICAL_ACCURACY},
        {"acc", KCC_LOSS_MEAN_SQUARED_ERROR, 2, KCC_METRIC_CATEGORICAL_ACCURACY},
        /* Keras compares str(metric).lower() */
        {"Accuracy", KCC_LOSS_BINARY_CROSSENTROPY, 1, KCC_METRIC_BINARY_ACCURACY},
        {"ACC", KCC_LOSS_CATEGORICAL_CROSSENTROPY, 4, KCC_METRIC_CATEGORICAL_ACCURACY},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        kcc_loss loss;
        kcc_metric m;
        kcc_error err;
        kcc_loss_defaults(&loss, rules[i].loss);
        CHECK_INT(kcc_metric_from_name(&m, rules[i].name, &loss, rules[i].size, &err), KCC_OK);
        CHECK_INT(m.kind, rules[i].kind);
        CHECK_STR(m.name, rules[i].name); /* the history key stays as written */
        kcc_metric_free(&m);
    }
    /* without a loss: dense labels */
    kcc_metric m;
    CHECK_INT(kcc_metric_from_name(&m, "accuracy", NULL, 5, NULL), KCC_OK);
    CHECK_INT(m.kind, KCC_METRIC_CATEGORICAL_ACCURACY);
    kcc_metric_free(&m);
}

/* ---- names ---------------------------------------------------------------- */

TEST(names_give_keras_metrics_and_history_keys)
{
    static const struct {
        const char *name, *key;
        kcc_metric_kind kind;
    } names[] = {
        {"binary_accuracy", "binary_accuracy", KCC_METRIC_BINARY_ACCURACY},
        {"BinaryAccuracy", "binary_accuracy", KCC_METRIC_BINARY_ACCURACY},
        {"categorical_accuracy", "categorical_accuracy", KCC_METRIC_CATEGORICAL_ACCURACY},
        {"CategoricalAccuracy", "categorical_accuracy", KCC_METRIC_CATEGORICAL_ACCURACY},
        {"sparse_categorical_accuracy", "sparse_categorical_accuracy",
         KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {"SparseCategoricalAccuracy", "sparse_categorical_accuracy",
         KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY},
        {"top_k_categorical_accuracy", "top_k_categorical_accuracy",
         KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY},
        {"TopKCategoricalAccuracy", "top_k_categorical_accuracy",
         KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY},
        {"sparse_top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
         KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY},
        {"SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy",
         KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY},
        {"mae", "mae", KCC_METRIC_MEAN_ABSOLUTE_ERROR},
        {"MAE", "MAE", KCC_METRIC_MEAN_ABSOLUTE_ERROR},
        {"mean_absolute_error", "mean_absolute_error", KCC_METRIC_MEAN_ABSOLUTE_ERROR},
        {"MeanAbsoluteError", "mean_absolute_error", KCC_METRIC_MEAN_ABSOLUTE_ERROR},
        {"mse", "mse", KCC_METRIC_MEAN_SQUARED_ERROR},
        {"MSE", "MSE", KCC_METRIC_MEAN_SQUARED_ERROR},
        {"mean_squared_error", "mean_squared_error", KCC_METRIC_MEAN_SQUARED_ERROR},
        {"MeanSquaredError", "mean_squared_error", KCC_METRIC_MEAN_SQUARED_ERROR},
        {"precision", "precision", KCC_METRIC_PRECISION},
        {"Precision", "precision", KCC_METRIC_PRECISION},
        {"recall", "recall", KCC_METRIC_RECALL},
        {"Recall", "recall", KCC_METRIC_RECALL},
        {"auc", "auc", KCC_METRIC_AUC},
        {"AUC", "auc", KCC_METRIC_AUC},
    };
    kcc_loss loss;
    kcc_loss_defaults(&loss, KCC_LOSS_BINARY_CROSSENTROPY);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kcc_metric m;
        kcc_error err;
        memset(&m, 0xff, sizeof m);
        CHECK_INT(kcc_metric_from_name(&m, names[i].name, &loss, 1, &err), KCC_OK);
        CHECK_INT(m.kind, names[i].kind);
        CHECK_STR(m.name, names[i].key);
        /* Keras's defaults and a clean state */
        CHECK_DOUBLE(m.threshold, 0.5);
        CHECK_INT(m.k, 5);
        CHECK_INT(m.num_thresholds, 200);
        CHECK_INT(m.pr_curve, 0);
        CHECK_DOUBLE(m.total, 0.0);
        CHECK_DOUBLE(m.count, 0.0);
        CHECK_DOUBLE(kcc_metric_result(&m), 0.0);
        if (m.kind == KCC_METRIC_AUC) {
            REQUIRE(m.tp && m.fp && m.tn && m.fn);
            CHECK_DOUBLE(m.tp[0] + m.fp[199] + m.tn[100] + m.fn[7], 0.0);
        } else {
            CHECK(!m.tp && !m.fp && !m.tn && !m.fn);
        }
        kcc_metric_free(&m);
        CHECK(!m.tp && !m.fp && !m.tn && !m.fn);
        kcc_metric_free(&m); /* twice is harmless */
    }

    kcc_metric m;
    kcc_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(kcc_metric_from_name(&m, "f1_score", &loss, 1, &err), KCC_ERR_INVALID);
    CHECK_INT(err.status, KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "unknown metric \"f1_score\"");
    CHECK_CONTAINS(err.message, "accuracy (acc)");
    CHECK_CONTAINS(err.message, "sparse_top_k_categorical_accuracy");
    CHECK_CONTAINS(err.message, "auc");
    CHECK_INT(kcc_metric_from_name(&m, "Mae", &loss, 1, &err), KCC_ERR_INVALID);
    CHECK_INT(kcc_metric_from_name(&m, "accuracy_", &loss, 1, &err), KCC_ERR_INVALID);
    CHECK_INT(kcc_metric_from_name(&m, NULL, &loss, 1, &err), KCC_ERR_INVALID);
    CHECK_INT(kcc_metric_from_name(&m, "nope", &loss, 1, NULL), KCC_ERR_INVALID);
    CHECK(!m.tp);
}

TEST(metrics_must_take_the_targets_as_the_loss_lays_them_out)
{
    kcc_loss sparse, dense;
    kcc_metric m;
    kcc_error err;
    kcc_loss_defaults(&sparse, KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
    kcc_loss_defaults(&dense, KCC_LOSS_CATEGORICAL_CROSSENTROPY);
    /* one class index a sample against one target a value */
    memset(&err, 0, sizeof err);
    CHECK_INT(kcc_metric_from_name(&m, "categorical_accuracy", &sparse, 10, &err),
              KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "metric \"categorical_accuracy\" takes one target a value");
    CHECK_CONTAINS(err.message, "sparse categorical crossentropy");
    CHECK_INT(kcc_metric_from_name(&m, "auc", &sparse, 10, &err), KCC_ERR_INVALID);
    CHECK(!m.tp); /* nothing left allocated */
    CHECK_INT(kcc_metric_from_name(&m, "mse", &sparse, 3, &err), KCC_ERR_INVALID);
    CHECK_INT(kcc_metric_from_name(&m, "sparse_categorical_accuracy", &dense, 10, &err),
              KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "takes one class index a sample, but the loss gives one "
                                "target a value");
    CHECK_INT(kcc_metric_from_name(&m, "sparse_top_k_categorical_accuracy", &dense, 10, &err),
              KCC_ERR_INVALID);
    /* the layouts agree */
    CHECK_INT(kcc_metric_from_name(&m, "sparse_top_k_categorical_accuracy", &sparse, 10, &err),
              KCC_OK);
    CHECK_INT(kcc_metric_from_name(&m, "top_k_categorical_accuracy", &dense, 10, &err), KCC_OK);
    /* one output: one value a sample either way */
    CHECK_INT(kcc_metric_from_name(&m, "binary_accuracy", &sparse, 1, &err), KCC_OK);
    CHECK_INT(kcc_metric_from_name(&m, "sparse_categorical_accuracy", &dense, 1, &err), KCC_OK);
    /* no loss: not checked */
    CHECK_INT(kcc_metric_from_name(&m, "sparse_categorical_accuracy", NULL, 10, &err), KCC_OK);
}

/* ---- state -------------------------------------------------------------- */

TEST(reset_clears_the_running_state)
{
    static const char *names[] = {"binary_accuracy", "categorical_accuracy", "top_k_categorical_accuracy",
                                  "mae", "mse", "precision", "recall", "auc"};
    const float yp1[6] = {0.9f, 0.1f, 0.6f, 0.4f, 0.2f, 0.7f};
    const float yt1[6] = {1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 1.0f};
    const float yp2[6] = {0.3f, 0.8f, 0.55f, 0.45f, 0.05f, 0.95f};
    const float yt2[6] = {0.0f, 1.0f, 1.0f, 0.0f, 1.0f, 0.0f};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kcc_metric m, fresh;
        REQUIRE(kcc_metric_from_name(&m, names[i], NULL, 2, NULL) == KCC_OK);
        REQUIRE(kcc_metric_from_name(&fresh, names[i], NULL, 2, NULL) == KCC_OK);
        kcc_metric_update(&m, yp1, yt1, 3, 2);
        double first = kcc_metric_result(&m);
        kcc_metric_update(&m, yp2, yt2, 3, 2);
        double both = kcc_metric_result(&m);
        kcc_metric_reset(&m);
        CHECK_DOUBLE(kcc_metric_result(&m), 0.0);
        CHECK_DOUBLE(m.total, 0.0);
        CHECK_DOUBLE(m.count, 0.0);
        kcc_metric_update(&m, yp2, yt2, 3, 2);
        kcc_metric_update(&fresh, yp2, yt2, 3, 2);
        CHECK_DOUBLE(kcc_metric_result(&m), kcc_metric_result(&fresh));
        /* the running value is not the last batch's */
        kcc_metric_update(&fresh, yp1, yt1, 3, 2);
        CHECK_NEAR(kcc_metric_result(&fresh), both, 1e-12);
        (void)first;
        /* result does not change the state */
        CHECK_DOUBLE(kcc_metric_result(&fresh), kcc_metric_result(&fresh));
        /* an empty update changes nothing */
        kcc_metric_update(&fresh, yp1, yt1, 0, 2);
        CHECK_NEAR(kcc_metric_result(&fresh), both, 1e-12);
        kcc_metric_free(&m);
        kcc_metric_free(&fresh);
    }
}

TEST(running_values_weight_every_sample_equally)
{
    /* mean over samples, not over batch means: 3 samples then 1 */
    kcc_metric m;
    REQUIRE(kcc_metric_from_name(&m, "binary_accuracy", NULL, 1, NULL) == KCC_OK);
    const float p1[3] = {0.9f, 0.9f, 0.9f}, t1[3] = {1.0f, 1.0f, 1.0f};
    const float p2[1] = {0.9f}, t2[1] = {0.0f};
    kcc_metric_update(&m, p1, t1, 3, 1);
    CHECK_DOUBLE(kcc_metric_result(&m), 1.0);
    kcc_metric_update(&m, p2, t2, 1, 1);
    CHECK_DOUBLE(kcc_metric_result(&m), 0.75);
    kcc_metric_free(&m);
}

/* ---- Keras's own test vectors (tf_keras/metrics/ tests) -------------- */

static void use_thresholds(kcc_metric *m, int t)
{
    kcc_metric_free(m);
    m->num_thresholds = t;
    m->tp = calloc((size_t)t, sizeof *m->tp);
    m->fp = calloc((size_t)t, sizeof *m->fp);
    m->tn = calloc((size_t)t, sizeof *m->tn);
    m->fn = calloc((size_t)t, sizeof *m->fn);
}

TEST(auc_reproduces_keras_test_vectors)
{
    /* AUCTest: y_true [0, 0, 1, 1], y_pred [0, 0.5, 0.3, 0.9] */
    const float yp[4] = {0.0f, 0.5f, 0.3f, 0.9f}, yt[4] = {0.0f, 0.0f, 1.0f, 1.0f};
    kcc_metric m;
    REQUIRE(kcc_metric_from_name(&m, "auc", NULL, 1, NULL) == KCC_OK);

    /* num_thresholds=3: thresholds [-eps, 0.5, 1 + eps];
     * tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2], tn = [0, 2, 2] */
    use_thresholds(&m, 3);
    REQUIRE(m.tp && m.fp && m.tn && m.fn);
    kcc_metric_update(&m, yp, yt, 4, 1);
    CHECK_DOUBLE(m.tp[0], 2.0);
    CHECK_DOUBLE(m.tp[1], 1.0);
    CHECK_DOUBLE(m.tp[2], 0.0);
    CHECK_DOUBLE(m.fp[0], 2.0);
    CHECK_DOUBLE(m.fp[1], 0.0);
    CHECK_DOUBLE(m.fn[1], 1.0);
    CHECK_DOUBLE(m.fn[2], 2.0);
    CHECK_DOUBLE(m.tn[0], 0.0);
    CHECK_DOUBLE(m.tn[1], 2.0);
    /* test_unweighted: 0.75 * 1 + 0.25 * 0 */
    CHECK_NEAR(kcc_metric_result(&m), 0.75, 1e-12);
    /* PR interpolation on those counts: P = [4, 1, 0], dTP = [1, 1],
     * slope = [1/3, 1], intercept = [2/3, 0], ratio = [4, 1]:
     * (1/3)(1 + (2/3) log 4) / 2 + 1 / 2 */
    m.pr_curve = 1;
    CHECK_NEAR(kcc_metric_result(&m), (1.0 / 3.0) * (1.0 + (2.0 / 3.0) * log(4.0)) / 2.0 + 0.5,
               1e-12);
    /* test_value_is_idempotent: the same batch again leaves the ratios */
    m.pr_curve = 0;
    kcc_metric_update(&m, yp, yt, 4, 1);
    CHECK_NEAR(kcc_metric_result(&m), 0.75, 1e-12);
    CHECK_DOUBLE(m.tp[0], 4.0);

    /* the default 200 thresholds: no ties, the exact AUC */
    use_thresholds(&m, 200);
    kcc_metric_update(&m, yp, yt, 4, 1);
    CHECK_NEAR(kcc_metric_result(&m), 0.75, 1e-12);
    /* test_unweighted_all_correct */
    kcc_metric_reset(&m);
    kcc_metric_update(&m, yt, yt, 4, 1);
    CHECK_DOUBLE(kcc_metric_result(&m), 1.0);
    kcc_metric_free(&m);
}

TEST(precision_recall_and_top_k_follow_keras)
{
    kcc_metric m;
    /* PrecisionTest.test_unweighted: [1,0,1,0] vs labels [0,1,1,0]: 0.5 */
    const float p[4] = {1.0f, 0.0f, 1.0f, 0.0f}, t[4] = {0.0f, 1.0f, 1.0f, 0.0f};
    REQUIRE(kcc_metric_from_name(&m, "precision", NULL, 4, NULL) == KCC_OK);
    kcc_metric_update(&m, p, t, 1, 4);
    CHECK_DOUBLE(kcc_metric_result(&m), 0.5);
    /* a threshold of 0.7 */
    const float q[4] = {0.6f, 0.8f, 0.9f, 0.71f}, u[4] = {1.0f, 0.0f, 1.0f, 1.0f};
    kcc_metric_reset(&m);
    m.threshold = 0.7;
    kcc_metric_update(&m, q, u, 2, 2);
    CHECK_NEAR(kcc_metric_result(&m), 2.0 / 3.0, 1e-15);
    kcc_metric_free(&m);
    /* RecallTest.test_unweighted: also 0.5; no positive labels: 0 */
    REQUIRE(kcc_metric_from_name(&m, "recall", NULL, 4, NULL) == KCC_OK);
    kcc_metric_update(&m, p, t, 1, 4);
    CHECK_DOUBLE(kcc_metric_result(&m), 0.5);
    kcc_metric_reset(&m);
    const float none[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    kcc_metric_update(&m, p, none, 1, 4);
    CHECK_DOUBLE(kcc_metric_result(&m), 0.0);
    kcc_metric_free(&m);

    /* TopKCategoricalAccuracyTest.test_correctness: 1 with k=5, 0.5 with
     * k=1, and 0.5 with k=6 on seven classes */
    const float yp[6] = {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0.0f};
    const float yt[6] = {0.0f, 0.0f, 1.0f, 0.0f, 1.0f, 0.0f};
    REQUIRE(kcc_metric_from_name(&m, "top_k_categorical_accuracy", NULL, 3, NULL) == KCC_OK);
    kcc_metric_update(&m, yp, yt, 2, 3);
    CHECK_DOUBLE(kcc_metric_result(&m), 1.0);
    kcc_metric_reset(&m);
    m.k = 1;
    kcc_metric_update(&m, yp, yt, 2, 3);
    CHECK_DOUBLE(kcc_metric_result(&m), 0.5);
    const float yp7[14] = {0.5f, 0.9f, 0.1f, 0.7f, 0.6f, 0.5f, 0.4f,
                           0.05f, 0.95f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const float yt7[14] = {0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
    kcc_metric_reset(&m);
    m.k = 6;
    kcc_metric_update(&m, yp7, yt7, 2, 7);
    CHECK_DOUBLE(kcc_metric_result(&m), 0.5);
    kcc_metric_free(&m);
    /* ties: tf.math.in_top_k counts every tied class as in */
    const float tie[4] = {0.4f, 0.2f, 0.2f, 0.2f};
    const float labels[3] = {3.0f, 1.0f, 0.0f};
    REQUIRE(kcc_metric_from_name(&m, "sparse_top_k_categorical_accuracy", NULL, 4, NULL) == KCC_OK);
    m.k = 2;
    kcc_metric_update(&m, tie, labels, 1, 4);
    CHECK_DOUBLE(kcc_metric_result(&m), 1.0);
    kcc_metric_free(&m);
}

/* ---- main --------------------------------------------------------------- */

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"running_values_match_the_references", running_values_match_the_references},
    {"accuracy_resolves_from_the_output_size_and_the_labels",
     accuracy_resolves_from_the_output_size_and_the_labels},
    {"names_give_keras_metrics_and_history_keys", names_give_keras_metrics_and_history_keys},
    {"metrics_must_take_the_targets_as_the_loss_lays_them_out",
     metrics_must_take_the_targets_as_the_loss_lays_them_out},
    {"reset_clears_the_running_state", reset_clears_the_running_state},
    {"running_values_weight_every_sample_equally", running_values_weight_every_sample_equally},
    {"auc_reproduces_keras_test_vectors", auc_reproduces_keras_test_vectors},
    {"precision_recall_and_top_k_follow_keras", precision_recall_and_top_k_follow_keras},
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
