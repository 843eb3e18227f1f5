/*
 * metrics.c - Keras's stateful metrics.
 *
 * Each follows tf.keras 2.x (keras-team/tf-keras: tf_keras/metrics/
 * accuracy_metrics.py, confusion_metrics.py, base_metric.py and
 * tf_keras/utils/metrics_utils.py); Keras 3 (keras/src/metrics/) computes
 * the same values.
 *
 *   binary_accuracy       per sample, the mean over its values of
 *                         [t == (p > threshold)] (float equality: a label
 *                         0.9 never matches).
 *   categorical_accuracy  [argmax t == argmax p], first maximum on ties.
 *   sparse_categorical_   [t == float(argmax p)].
 *   top_k_categorical_accuracy, sparse_top_k_...: tf.math.in_top_k of the
 *                         target (argmax t, or the label cast to int32 by
 *                         truncation): in the top k when fewer than k
 *                         classes have a strictly greater prediction, so
 *                         ties at the boundary all count as in; false for a
 *                         target out of range or a non-finite prediction.
 *   mean_absolute_error, mean_squared_error: per sample, the mean over the
 *                         last axis.
 * These are MeanMetricWrappers: the result is total / count over every
 * sample seen since the last reset (0 before any, divide_no_nan).
 *
 *   precision, recall     over all values (flattened): predicted positive
 *                         when p > threshold, label positive when t != 0;
 *                         tp / (tp + fp) and tp / (tp + fn), 0 when empty.
 *                         total keeps tp and count the denominator.
 *   auc                   Keras's AUC(num_thresholds=200, curve="ROC",
 *                         summation_method="interpolation"): thresholds
 *                         [0 - eps, 1/(T-1), ..., (T-2)/(T-1), 1 + eps].
 *                         Keras takes its evenly-spaced path
 *                         (_update_confusion_matrix_variables_optimized):
 *                         p is clipped to [0, 1], its bucket is
 *                         ceil(p * (T-1)) - 1 computed in float32, raised
 *                         to 0 when negative, and p counts as positive at
 *                         every threshold up to its bucket.  So p = 0 is
 *                         positive at threshold 0 only and no p is positive
 *                         at threshold T-1.  The result is the Riemann sum
 *                         sum_i (fpr_i - fpr_{i+1}) (tpr_i + tpr_{i+1}) / 2
 *                         with tpr = tp/(tp+fn), fpr = fp/(fp+tn)
 *                         (divide_no_nan).  pr_curve = 1 gives Keras's
 *                         interpolated precision-recall AUC
 *                         (interpolate_pr_auc, Davis & Goadrich).
 *                         tp, fp, tn, fn hold the confusion counts at each
 *                         threshold, as Keras's variables do.  A NaN
 *                         prediction counts as negative at every threshold.
 *
 * "accuracy" and "acc" (any case, as Keras compares str(metric).lower())
 * resolve as tf.keras 2.x's compile_utils.MetricsContainer._get_metric_object
 * and Keras 3's compile_utils.get_metric do, from the shapes: binary_accuracy
 * when the output's last dimension is 1; sparse_categorical_accuracy when the
 * labels have a lower rank than the output (here: the loss is sparse
 * categorical crossentropy, whose labels are one index a sample);
 * categorical_accuracy otherwise - binary crossentropy on several outputs
 * included.  (Standalone Keras 2.3 and TF.js decide by the loss instead,
 * taking binary_accuracy for any binary crossentropy.)  The history key is
 * the name as given.  A class name ("AUC", "BinaryAccuracy") gives the
 * metric's default name ("auc", "binary_accuracy"), as tf.keras 2.x
 * instantiates the class; Keras 3 would keep "AUC".
 *
 * kcc_metric_from_name refuses a metric whose targets are laid out
 * otherwise than the loss's (a sparse metric with dense targets or the
 * reverse, when there are several outputs): it would read the wrong values.
 *
 * AUC's tp, fp, tn and fn are four calloc'ed arrays of num_thresholds.  To
 * use another num_thresholds, free them (kcc_metric_free), set it and
 * calloc four arrays of that many doubles.
 */
#include "kcc.h"
#include "kcc_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;   /* what the user writes */
    const char *key;    /* the history key; NULL: the name itself */
    kcc_metric_kind kind;
} metric_names[] = {
    {"binary_accuracy", NULL, KCC_METRIC_BINARY_ACCURACY},
    {"BinaryAccuracy", "binary_accuracy", KCC_METRIC_BINARY_ACCURACY},
    {"categorical_accuracy", NULL, KCC_METRIC_CATEGORICAL_ACCURACY},
    {"CategoricalAccuracy", "categorical_accuracy", KCC_METRIC_CATEGORICAL_ACCURACY},
    {"sparse_categorical_accuracy", NULL, KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY},
    {"SparseCategoricalAccuracy", "sparse_categorical_accuracy",
     KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY},
    {"top_k_categorical_accuracy", NULL, KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY},
    {"TopKCategoricalAccuracy", "top_k_categorical_accuracy",
     KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY},
    {"sparse_top_k_categorical_accuracy", NULL, KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY},
    {"SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy",
     KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY},
    {"mean_absolute_error", NULL, KCC_METRIC_MEAN_ABSOLUTE_ERROR},
    {"mae", NULL, KCC_METRIC_MEAN_ABSOLUTE_ERROR},
    {"MAE", NULL, KCC_METRIC_MEAN_ABSOLUTE_ERROR},
    {"MeanAbsoluteError", "mean_absolute_error", KCC_METRIC_MEAN_ABSOLUTE_ERROR},
    {"mean_squared_error", NULL, KCC_METRIC_MEAN_SQUARED_ERROR},
    {"mse", NULL, KCC_METRIC_MEAN_SQUARED_ERROR},
    {"MSE", NULL, KCC_METRIC_MEAN_SQUARED_ERROR},
    {"MeanSquaredError", "mean_squared_error", KCC_METRIC_MEAN_SQUARED_ERROR},
    {"precision", NULL, KCC_METRIC_PRECISION},
    {"Precision", "precision", KCC_METRIC_PRECISION},
    {"recall", NULL, KCC_METRIC_RECALL},
    {"Recall", "recall", KCC_METRIC_RECALL},
    {"auc", NULL, KCC_METRIC_AUC},
    {"AUC", "auc", KCC_METRIC_AUC},
};

static int is_accuracy(const char *name)
{
    char lower[16];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    if (name[i])
        return 0;
    lower[i] = '\0';
    return strcmp(lower, "accuracy") == 0 || strcmp(lower, "acc") == 0;
}

static kcc_status fail(kcc_error *err, kcc_status st, const char *what, const char *name)
{
    if (err) {
        char shown[104];
        kcc_text_show(shown, sizeof shown, name, strlen(name));
        err->status = st;
        if (st == KCC_ERR_NOMEM)
            snprintf(err->message, sizeof err->message,
                     "out of memory for the thresholds of metric \"%s\"", shown);
        else
            snprintf(err->message, sizeof err->message,
                     "unknown metric \"%s\"%s: known metrics are accuracy (acc), "
                     "binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, "
                     "top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, "
                     "mean_absolute_error (mae), mean_squared_error (mse), precision, "
                     "recall, auc, and their class names (BinaryAccuracy, AUC, ...)",
                     shown, what);
    }
    return st;
}

kcc_status kcc_metric_from_name(kcc_metric *m, const char *name, const kcc_loss *loss,
                                long output_size, kcc_error *err)
{
    memset(m, 0, sizeof *m);
    m->threshold = 0.5;
    m->k = 5;
    m->num_thresholds = 200;
    m->pr_curve = 0;
    if (!name)
        return fail(err, KCC_ERR_INVALID, "", "(null)");

    const char *key = name;
    if (is_accuracy(name)) {
        if (output_size == 1)
            m->kind = KCC_METRIC_BINARY_ACCURACY;
        else if (loss && loss->kind == KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
            m->kind = KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY;
        else
            m->kind = KCC_METRIC_CATEGORICAL_ACCURACY;
    } else {
        size_t i = 0, count = sizeof metric_names / sizeof metric_names[0];
        while (i < count && strcmp(name, metric_names[i].name) != 0)
            i++;
        if (i == count)
            return fail(err, KCC_ERR_INVALID, "", name);
        m->kind = metric_names[i].kind;
        if (metric_names[i].key)
            key = metric_names[i].key;
    }
    snprintf(m->name, sizeof m->name, "%s", key);

    /* The targets are laid out as the loss takes them: one class index a
     * sample for sparse categorical crossentropy, out_size values a sample
     * otherwise.  A metric that expects the other layout would read the
     * wrong values (or past the end); Keras fails on the shapes too. */
    if (loss && output_size > 1) {
        int sparse_metric = m->kind == KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY ||
                            m->kind == KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY;
        int sparse_loss = loss->kind == KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
        if (sparse_metric != sparse_loss) {
            if (err) {
                err->status = KCC_ERR_INVALID;
                snprintf(err->message, sizeof err->message,
                         "metric \"%.100s\" takes %s, but the loss gives %s",
                         name, sparse_metric ? "one class index a sample" : "one target a value",
                         sparse_loss ? "one class index a sample (sparse categorical "
                                       "crossentropy)"
                                     : "one target a value");
            }
            return KCC_ERR_INVALID;
        }
    }

    if (m->kind == KCC_METRIC_AUC) {
        size_t t = (size_t)m->num_thresholds;
        m->tp = calloc(t, sizeof *m->tp);
        m->fp = calloc(t, sizeof *m->fp);
        m->tn = calloc(t, sizeof *m->tn);
        m->fn = calloc(t, sizeof *m->fn);
        if (!m->tp || !m->fp || !m->tn || !m->fn) {
            kcc_metric_free(m);
            return fail(err, KCC_ERR_NOMEM, "", name);
        }
    }
    return KCC_OK;
}

void kcc_metric_reset(kcc_metric *m)
{
    m->total = 0.0;
    m->count = 0.0;
    if (m->tp && m->fp && m->tn && m->fn) {
        for (int i = 0; i < m->num_thresholds; i++)
            m->tp[i] = m->fp[i] = m->tn[i] = m->fn[i] = 0.0;
    }
}

void kcc_metric_free(kcc_metric *m)
{
    free(m->tp);
    free(m->fp);
    free(m->tn);
    free(m->fn);
    m->tp = m->fp = m->tn = m->fn = NULL;
}

/* tf.math.argmax: the first maximum. */
static long argmax(const float *v, long k)
{
    long best = 0;
    for (long i = 1; i < k; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

/* tf.math.in_top_k(predictions, target, k). */
static int in_top_k(const float *p, long classes, double target, int k)
{
    if (!(target > -1.0 && target < (double)classes))
        return 0;   /* out of range after truncation to int32 */
    long c = (long)target;
    if (!isfinite(p[c]))
        return 0;
    long greater = 0;
    for (long i = 0; i < classes; i++)
        if (p[i] > p[c])
            greater++;
    return greater < k;
}

/* The AUC's update: Keras's bucketed counts, kept as confusion counts per
 * threshold.  The counts are whole numbers in doubles, so turning the
 * cumulative counts into per-bucket counts and back is exact. */
static void auc_update(kcc_metric *m, const float *y_pred, const float *y_true, long count)
{
    const int t = m->num_thresholds;
    if (!m->tp || !m->fp || !m->tn || !m->fn || t < 2)
        return;
    double positives = m->tp[0] + m->fn[0], negatives = m->fp[0] + m->tn[0];
    /* cumulative -> per bucket: bucket b holds the predictions positive at
     * thresholds 0..b and at no higher one. */
    for (int i = 0; i + 1 < t; i++) {
        m->tp[i] -= m->tp[i + 1];
        m->fp[i] -= m->fp[i + 1];
    }
    const float scale = (float)(t - 1);
    for (long i = 0; i < count; i++) {
        int label = y_true[i] != 0.0f;
        float p = y_pred[i];
        if (label)
            positives += 1.0;
        else
            negatives += 1.0;
        if (isnan(p))
            continue;
        p = p < 0.0f ? 0.0f : p > 1.0f ? 1.0f : p;
        float scaled = p * scale;   /* float32, as Keras's tensors */
        int b = (int)ceilf(scaled) - 1;
        if (b < 0)
            b = 0;
        if (label)
            m->tp[b] += 1.0;
        else
            m->fp[b] += 1.0;
    }
    for (int i = t - 2; i >= 0; i--) {
        m->tp[i] += m->tp[i + 1];
        m->fp[i] += m->fp[i + 1];
    }
    for (int i = 0; i < t; i++) {
        m->fn[i] = positives - m->tp[i];
        m->tn[i] = negatives - m->fp[i];
    }
}

static double divide_no_nan(double a, double b)
{
    return b == 0.0 ? 0.0 : a / b;
}

void kcc_metric_update(kcc_metric *m, const float *y_pred, const float *y_true, int n,
                       long out_size)
{
    if (n <= 0 || out_size <= 0)
        return;
    const long k = out_size;
    const long all = (long)n * k;
    const float threshold = (float)m->threshold; /* cast to y_pred's dtype */

    switch (m->kind) {
    case KCC_METRIC_BINARY_ACCURACY:
        for (long s = 0; s < n; s++) {
            double matches = 0.0;
            for (long i = s * k; i < (s + 1) * k; i++)
                matches += y_true[i] == (y_pred[i] > threshold ? 1.0f : 0.0f);
            m->total += matches / (double)k;
        }
        m->count += n;
        break;

    case KCC_METRIC_CATEGORICAL_ACCURACY:
        for (long s = 0; s < n; s++)
            m->total += argmax(y_true + s * k, k) == argmax(y_pred + s * k, k);
        m->count += n;
        break;

    case KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY:
        for (long s = 0; s < n; s++)
            m->total += y_true[s] == (float)argmax(y_pred + s * k, k);
        m->count += n;
        break;

    case KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY:
        for (long s = 0; s < n; s++)
            m->total += in_top_k(y_pred + s * k, k, (double)argmax(y_true + s * k, k), m->k);
        m->count += n;
        break;

    case KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY:
        for (long s = 0; s < n; s++)
            m->total += in_top_k(y_pred + s * k, k, (double)y_true[s], m->k);
        m->count += n;
        break;

    case KCC_METRIC_MEAN_ABSOLUTE_ERROR:
    case KCC_METRIC_MEAN_SQUARED_ERROR:
        for (long s = 0; s < n; s++) {
            double sum = 0.0;
            for (long i = s * k; i < (s + 1) * k; i++) {
                double e = (double)y_pred[i] - (double)y_true[i];
                sum += m->kind == KCC_METRIC_MEAN_ABSOLUTE_ERROR ? fabs(e) : e * e;
            }
            m->total += sum / (double)k;
        }
        m->count += n;
        break;

    case KCC_METRIC_PRECISION:
    case KCC_METRIC_RECALL:
        for (long i = 0; i < all; i++) {
            int predicted = y_pred[i] > threshold, label = y_true[i] != 0.0f;
            if (predicted && label)
                m->total += 1.0;    /* true positives */
            if (m->kind == KCC_METRIC_PRECISION ? predicted : label)
                m->count += 1.0;    /* tp + fp, or tp + fn */
        }
        break;

    case KCC_METRIC_AUC:
        auc_update(m, y_pred, y_true, all);
        break;
    }
}

/* AUC.interpolate_pr_auc. */
static double pr_auc(const kcc_metric *m)
{
    const int t = m->num_thresholds;
    double auc = 0.0;
    for (int i = 0; i + 1 < t; i++) {
        double pa = m->tp[i] + m->fp[i], pb = m->tp[i + 1] + m->fp[i + 1];
        double dtp = m->tp[i] - m->tp[i + 1];
        double dp = pa - pb;
        double slope = divide_no_nan(dtp, fmax(dp, 0.0));
        double intercept = m->tp[i + 1] - slope * pb;
        double ratio = pa > 0.0 && pb > 0.0 ? divide_no_nan(pa, fmax(pb, 0.0)) : 1.0;
        auc += divide_no_nan(slope * (dtp + intercept * log(ratio)),
                             fmax(m->tp[i + 1] + m->fn[i + 1], 0.0));
    }
    return auc;
}

static double roc_auc(const kcc_metric *m)
{
    const int t = m->num_thresholds;
    double auc = 0.0;
    for (int i = 0; i + 1 < t; i++) {
        double tpr0 = divide_no_nan(m->tp[i], m->tp[i] + m->fn[i]);
        double tpr1 = divide_no_nan(m->tp[i + 1], m->tp[i + 1] + m->fn[i + 1]);
        double fpr0 = divide_no_nan(m->fp[i], m->fp[i] + m->tn[i]);
        double fpr1 = divide_no_nan(m->fp[i + 1], m->fp[i + 1] + m->tn[i + 1]);
        auc += (fpr0 - fpr1) * (tpr0 + tpr1) / 2.0;
    }
    return auc;
}

double kcc_metric_result(const kcc_metric *m)
{
    switch (m->kind) {
    case KCC_METRIC_AUC:
        if (!m->tp || !m->fp || !m->tn || !m->fn || m->num_thresholds < 2)
            return 0.0;
        return m->pr_curve ? pr_auc(m) : roc_auc(m);
    case KCC_METRIC_BINARY_ACCURACY:
    case KCC_METRIC_CATEGORICAL_ACCURACY:
    case KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY:
    case KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY:
    case KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY:
    case KCC_METRIC_MEAN_ABSOLUTE_ERROR:
    case KCC_METRIC_MEAN_SQUARED_ERROR:
    case KCC_METRIC_PRECISION:
    case KCC_METRIC_RECALL:
        break;
    }
    return divide_no_nan(m->total, m->count);
}
