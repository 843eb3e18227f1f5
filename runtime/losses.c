/*
 * losses.c - Keras's losses: values and gradients.
 *
 * Each loss follows tf.keras 2.x (keras-team/tf-keras, tf_keras/losses.py
 * and tf_keras/backend.py), which Keras 3 (keras/src/losses/losses.py,
 * keras/src/backend/tensorflow/nn.py) reproduces except where noted:
 *
 *   binary_crossentropy      from probabilities: p clipped to [eps, 1-eps],
 *                            -(t log(p + eps) + (1-t) log(1 - p + eps)),
 *                            mean over the last axis.  (Keras 3 dropped the
 *                            "+ eps" inside the logarithms; tf.keras 2 has it
 *                            and it is not a bug fix, so it stays.)
 *                            From logits: max(z,0) - z t + log1p(exp(-|z|)).
 *   categorical_crossentropy from probabilities: p / sum(p), clipped, then
 *                            -sum(t log q) over the last axis.  From logits:
 *                            softmax_cross_entropy_with_logits.
 *   sparse_categorical_...   from probabilities: log(clip(p)) taken as
 *                            logits of sparse_softmax_cross_entropy_with_
 *                            logits, i.e. log(sum(clip(p))) - log(clip(p_c)).
 *                            The label is cast to an integer (truncation).
 *   mean_squared_error, mean_absolute_error: mean over the last axis.
 *   mean_absolute_percentage_error: 100 mean(|t - p| / max(|t|, eps)).
 *   huber                    0.5 e^2 where |e| <= delta, else
 *                            delta |e| - 0.5 delta^2; mean.
 *   hinge                    mean(max(1 - t p, 0)); labels that are all 0 or
 *                            1 (in the batch, as Keras checks them) become
 *                            -1 or 1 first.
 *   kl_divergence            t and p clipped to [eps, 1], sum(t log(t/p)).
 *   log_cosh                 mean(x + softplus(-2x) - log 2), x = p - t.
 *
 * The per-sample losses are averaged over the batch (Keras's default
 * reduction, "sum_over_batch_size").  Everything is computed in double from
 * the float inputs.  Keras computes in float32, and its clipping bounds are
 * float32 constants: float32(1e-7) and float32(1 - 1e-7) = 1 - 2^-23.  The
 * difference from 1 - 1e-7 matters (log(1 - p + eps) changes by 0.09 for a
 * prediction of exactly 1), so the bounds here are rounded to float too.
 *
 * Gradients are those TensorFlow's automatic differentiation gives: zero
 * where a clip is active (clip_by_value passes the gradient only strictly
 * inside or on its bounds), sign(0) = 0 for absolute values, max(x, 0)
 * passing the gradient to x where x >= 0, and for the crossentropies from
 * logits TensorFlow's fused gradients sigmoid(z) - t and softmax(z) - t
 * (the latter is the exact gradient when each label row sums to 1, as
 * one-hot labels and probability distributions do; TensorFlow uses it for
 * any labels).
 *
 * Fusion: a model whose output layer applies sigmoid or softmax tags its
 * output with the logits (_keras_logits), and the crossentropies then use
 * them (backend._get_logits) - with from_logits either way (Keras warns when
 * from_logits=True, then uses the logits).  Keras looks at the tag alone,
 * so categorical crossentropy on a sigmoid output would take softmax
 * crossentropy of the sigmoid's logits; that is a Keras mistake and is not
 * reproduced: only the matching pairs fuse.
 */
#include "kcc.h"
#include "kcc_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const double LN2 = 0.69314718055994530942;

void kcc_loss_defaults(kcc_loss *loss, kcc_loss_kind kind)
{
    loss->kind = kind;
    loss->from_logits = 0;
    loss->delta = 1.0;
    loss->epsilon = 1e-7;
}

/* Keras's names: tf.keras 2.x's function names, aliases and class names
 * (Keras 3 accepts the same but for the legacy aliases). */
static const struct {
    const char *name;
    kcc_loss_kind kind;
} loss_names[] = {
    {"binary_crossentropy", KCC_LOSS_BINARY_CROSSENTROPY},
    {"bce", KCC_LOSS_BINARY_CROSSENTROPY},
    {"BCE", KCC_LOSS_BINARY_CROSSENTROPY},
    {"BinaryCrossentropy", KCC_LOSS_BINARY_CROSSENTROPY},
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

kcc_status kcc_loss_from_name(kcc_loss *loss, const char *name, kcc_error *err)
{
    if (name) {
        for (size_t i = 0; i < sizeof loss_names / sizeof loss_names[0]; i++) {
            if (strcmp(name, loss_names[i].name) == 0) {
                kcc_loss_defaults(loss, loss_names[i].kind);
                return KCC_OK;
            }
        }
    }
    if (err) {
        char shown[104];
        kcc_text_show(shown, sizeof shown, name ? name : "(null)", name ? strlen(name) : 6);
        err->status = KCC_ERR_INVALID;
        snprintf(err->message, sizeof err->message,
                 "unknown loss \"%s\": known losses are binary_crossentropy, "
                 "categorical_crossentropy, sparse_categorical_crossentropy, "
                 "mean_squared_error (mse), mean_absolute_error (mae), "
                 "mean_absolute_percentage_error (mape), huber, hinge, "
                 "kl_divergence (kld, kullback_leibler_divergence), "
                 "log_cosh (logcosh), and their class names (BinaryCrossentropy, ...)",
                 shown);
    }
    return KCC_ERR_INVALID;
}

int kcc_loss_fuses(const kcc_loss *loss, kcc_final_act act)
{
    switch (loss->kind) {
    case KCC_LOSS_BINARY_CROSSENTROPY:
        return act == KCC_FINAL_SIGMOID;
    case KCC_LOSS_CATEGORICAL_CROSSENTROPY:
    case KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
        return act == KCC_FINAL_SOFTMAX;
    case KCC_LOSS_MEAN_SQUARED_ERROR:
    case KCC_LOSS_MEAN_ABSOLUTE_ERROR:
    case KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR:
    case KCC_LOSS_HUBER:
    case KCC_LOSS_HINGE:
    case KCC_LOSS_KL_DIVERGENCE:
    case KCC_LOSS_LOG_COSH:
        break;
    }
    return 0;
}

/* Keras's clipping bounds, float32 as Keras's tensors: [eps, 1 - eps]. */
static double clip_lo(double eps)
{
    return (double)(float)eps;
}

static double clip_hi(double eps)
{
    return (double)(float)(1.0f - (float)eps);
}

/* clip_by_value and the mask its gradient passes through. */
static double clip(double x, double lo, double hi, double *mask)
{
    if (x < lo) {
        *mask = 0.0;
        return lo;
    }
    if (x > hi) {
        *mask = 0.0;
        return hi;
    }
    *mask = 1.0;
    return x;
}

static double sign(double x)
{
    return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}

static double sigmoid(double z)
{
    if (z >= 0.0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* log(sum(exp(z))) over k floats, stable. */
static double log_sum_exp(const float *z, long k)
{
    double m = -INFINITY;
    for (long i = 0; i < k; i++)
        if (z[i] > m)
            m = z[i];
    if (m == -INFINITY || m == INFINITY)
        return m;
    double s = 0.0;
    for (long i = 0; i < k; i++)
        s += exp((double)z[i] - m);
    return m + log(s);
}

/* The losses of one sample's k values.  Each returns the sample's loss
 * and, with g, writes d(loss)/d(input) times `scale` (1/n for a batch
 * mean, 1/(n k) where the sample's loss is a mean over its values). */

static double bce_sample(const float *p, const float *t, long k, float *g, double scale,
                         int logits, double eps)
{
    double sum = 0.0;
    double lo = clip_lo(eps), hi = clip_hi(eps), e = clip_lo(eps);
    for (long i = 0; i < k; i++) {
        double ti = t[i], x = p[i];
        if (logits) {
            /* tf.nn.sigmoid_cross_entropy_with_logits */
            sum += fmax(x, 0.0) - x * ti + log1p(exp(-fabs(x)));
            if (g)
                g[i] = (float)((sigmoid(x) - ti) * scale);
        } else {
            double mask, q = clip(x, lo, hi, &mask);
            sum += -(ti * log(q + e) + (1.0 - ti) * log(1.0 - q + e));
            if (g)
                g[i] = (float)(mask * (-ti / (q + e) + (1.0 - ti) / (1.0 - q + e)) * scale);
        }
    }
    return sum / (double)k;
}

static double cce_sample(const float *p, const float *t, long k, float *g, double scale,
                         int logits, double eps)
{
    double loss = 0.0;
    if (logits) {
        /* tf.nn.softmax_cross_entropy_with_logits: sum t (lse - z); its
         * gradient softmax(z) - t. */
        double lse = log_sum_exp(p, k);
        for (long i = 0; i < k; i++) {
            if (t[i] != 0.0f)
                loss += (double)t[i] * (lse - (double)p[i]);
            if (g)
                g[i] = (float)((exp((double)p[i] - lse) - (double)t[i]) * scale);
        }
        return loss;
    }
    /* q = p / sum(p), clipped: -sum t log(clip(q)).  With a_i = dL/dq_i,
     * dL/dp_j = (a_j - sum_i a_i q_i) / sum(p). */
    double s = 0.0, dot = 0.0;
    double lo = clip_lo(eps), hi = clip_hi(eps);
    for (long i = 0; i < k; i++)
        s += p[i];
    for (long i = 0; i < k; i++) {
        double q = p[i] / s, mask, c = clip(q, lo, hi, &mask);
        loss -= (double)t[i] * log(c);
        dot += mask * -(double)t[i] / c * q;
    }
    if (g) {
        for (long i = 0; i < k; i++) {
            double q = p[i] / s, mask, c = clip(q, lo, hi, &mask);
            g[i] = (float)((mask * -(double)t[i] / c - dot) / s * scale);
        }
    }
    return loss;
}

static double scce_sample(const float *p, float label, long k, float *g, double scale,
                          int logits, double eps)
{
    /* tf.cast(label, int64) truncates.  TensorFlow rejects an index outside
     * [0, k) on the CPU and answers NaN on a GPU: here the sample's loss and
     * gradient are NaN. */
    if (!((double)label > -1.0 && (double)label < (double)k)) {
        if (g)
            for (long i = 0; i < k; i++)
                g[i] = NAN;
        return NAN;
    }
    long c = (long)label;
    if (logits) {
        /* tf.nn.sparse_softmax_cross_entropy_with_logits */
        double lse = log_sum_exp(p, k);
        if (g)
            for (long i = 0; i < k; i++)
                g[i] = (float)((exp((double)p[i] - lse) - (i == c ? 1.0 : 0.0)) * scale);
        return lse - (double)p[c];
    }
    /* Logits l = log(clip(p)): loss = log(sum(clip(p))) - log(clip(p_c));
     * dL/dl_i = clip(p_i)/s - [i == c], dl_i/dp_i = mask_i / clip(p_i). */
    double lo = clip_lo(eps), hi = clip_hi(eps), s = 0.0, mask;
    for (long i = 0; i < k; i++)
        s += clip(p[i], lo, hi, &mask);
    double pc = clip(p[c], lo, hi, &mask);
    if (g) {
        for (long i = 0; i < k; i++) {
            double ci = clip(p[i], lo, hi, &mask);
            g[i] = (float)(mask * (1.0 / s - (i == c ? 1.0 / ci : 0.0)) * scale);
        }
    }
    return log(s) - log(pc);
}

/* Are all n labels 0 or 1?  Then hinge maps them to -1 and 1. */
static int all_binary(const float *t, long n)
{
    for (long i = 0; i < n; i++)
        if (t[i] != 0.0f && t[i] != 1.0f)
            return 0;
    return 1;
}

double kcc_loss_eval(const kcc_loss *loss, const float *y_pred, const float *y_true, int n,
                     long out_size, float *dy, int fused, kcc_final_act act)
{
    if (n <= 0 || out_size <= 0)
        return 0.0; /* Keras divides with divide_no_nan: an empty batch is 0 */
    const long k = out_size;
    const double eps = loss->epsilon;
    const double per_sample = 1.0 / (double)n;  /* losses summed over the classes */
    const double per_value = per_sample / (double)k; /* losses averaged over them */
    const int logits = loss->from_logits || (fused && kcc_loss_fuses(loss, act));
    double total = 0.0;

    switch (loss->kind) {
    case KCC_LOSS_BINARY_CROSSENTROPY:
        for (long s = 0; s < n; s++)
            total += bce_sample(y_pred + s * k, y_true + s * k, k, dy ? dy + s * k : NULL,
                                per_value, logits, eps);
        break;

    case KCC_LOSS_CATEGORICAL_CROSSENTROPY:
        for (long s = 0; s < n; s++)
            total += cce_sample(y_pred + s * k, y_true + s * k, k, dy ? dy + s * k : NULL,
                                per_sample, logits, eps);
        break;

    case KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
        for (long s = 0; s < n; s++)
            total += scce_sample(y_pred + s * k, y_true[s], k, dy ? dy + s * k : NULL,
                                 per_sample, logits, eps);
        break;

    case KCC_LOSS_MEAN_SQUARED_ERROR:
        for (long i = 0; i < (long)n * k; i++) {
            double e = (double)y_pred[i] - (double)y_true[i];
            total += e * e;
            if (dy)
                dy[i] = (float)(2.0 * e * per_value);
        }
        total /= (double)k;
        break;

    case KCC_LOSS_MEAN_ABSOLUTE_ERROR:
        for (long i = 0; i < (long)n * k; i++) {
            double e = (double)y_pred[i] - (double)y_true[i];
            total += fabs(e);
            if (dy)
                dy[i] = (float)(sign(e) * per_value);
        }
        total /= (double)k;
        break;

    case KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR: {
        double lo = clip_lo(eps);
        for (long i = 0; i < (long)n * k; i++) {
            double t = y_true[i], e = (double)y_pred[i] - t;
            double d = fmax(fabs(t), lo);
            total += fabs(e) / d;
            if (dy)
                dy[i] = (float)(100.0 * sign(e) / d * per_value);
        }
        total *= 100.0 / (double)k;
        break;
    }

    case KCC_LOSS_HUBER: {
        double delta = loss->delta;
        for (long i = 0; i < (long)n * k; i++) {
            double e = (double)y_pred[i] - (double)y_true[i], a = fabs(e);
            if (a <= delta) {
                total += 0.5 * e * e;
                if (dy)
                    dy[i] = (float)(e * per_value);
            } else {
                total += delta * a - 0.5 * delta * delta;
                if (dy)
                    dy[i] = (float)(delta * sign(e) * per_value);
            }
        }
        total /= (double)k;
        break;
    }

    case KCC_LOSS_HINGE: {
        int convert = all_binary(y_true, (long)n * k);
        for (long i = 0; i < (long)n * k; i++) {
            double t = convert ? 2.0 * y_true[i] - 1.0 : (double)y_true[i];
            double m = 1.0 - t * (double)y_pred[i];
            total += fmax(m, 0.0);
            if (dy)
                dy[i] = (float)(m >= 0.0 ? -t * per_value : 0.0);
        }
        total /= (double)k;
        break;
    }

    case KCC_LOSS_KL_DIVERGENCE: {
        double lo = clip_lo(eps);
        for (long i = 0; i < (long)n * k; i++) {
            double mt, mp;
            double t = clip(y_true[i], lo, 1.0, &mt), p = clip(y_pred[i], lo, 1.0, &mp);
            total += t * log(t / p);
            if (dy)
                dy[i] = (float)(-mp * t / p * per_sample);
        }
        break;
    }

    case KCC_LOSS_LOG_COSH:
        for (long i = 0; i < (long)n * k; i++) {
            double x = (double)y_pred[i] - (double)y_true[i], a = fabs(x);
            /* x + softplus(-2x) - log 2 = |x| + log1p(exp(-2|x|)) - log 2 */
            total += a + log1p(exp(-2.0 * a)) - LN2;
            if (dy)
                dy[i] = (float)(tanh(x) * per_value);
        }
        total /= (double)k;
        break;
    }
    return total / (double)n;
}
