/*
 * optim.c - Keras's optimizers, learning rate schedules and gradient
 * clipping.
 *
 * Which Keras.  The update rules are those of Keras 3
 * (keras/src/optimizers/{sgd,adam,adamw,rmsprop,adagrad,adadelta,adamax,
 * nadam}.py, base_optimizer.py, schedules/learning_rate_schedule.py).  The
 * optimizers of tf.keras 2.11 to 2.15 (keras/optimizers/NAME.py at tags
 * v2.11.0 .. v2.15.0, the "new"/"experimental" optimizers that the strings
 * "adam", "rmsprop", ... mean since TF 2.11) compute the same updates, so
 * for every optimizer here Keras 2 and Keras 3 agree up to float rounding
 * (e.g. tf.keras 2's RMSprop multiplies by rsqrt(denominator) where Keras 3
 * divides by sqrt(denominator)); the places where they differ at all are:
 *   - clipping options together: Keras 3 refuses any two of clipnorm,
 *     clipvalue and global_clipnorm; Keras 2.11+ refuses clipnorm with
 *     global_clipnorm but accepts clipvalue with either, and then silently
 *     ignores clipvalue (its _clip_gradients is an if/elif chain).  We
 *     follow Keras 3: kcc_optimizer_init refuses two (an error beats a
 *     clipvalue that does nothing).
 *   - Nadam's running product of the momentum schedule: Keras 3 computes
 *     it as (u_product * beta_1) * (1 - 0.5 * 0.96^t), Keras 2 as
 *     u_product * (beta_1 * (1 - 0.5 * 0.96^t)): float rounding only; we
 *     follow Keras 3.
 * The legacy optimizers of tf.keras (optimizer_v2, the default up to
 * TF 2.10, tf.keras.optimizers.legacy after) are NOT followed: they place
 * epsilon differently in RMSprop without momentum (sqrt(ms) + eps; with
 * momentum the same op kernel as today, sqrt(ms + eps)) and in Adagrad
 * (sqrt(acc) + eps), and clip by value, then by norm, when both are set.
 * Current Keras, 2 and 3 alike, divides by sqrt(ms + eps), sqrt(acc + eps).
 *
 * Arithmetic.  Keras keeps variables and slots in float32 and computes
 * every operation in float32; so does this file, operation by operation in
 * Keras's order (the per-step scalars too: learning rate, bias
 * corrections), so that results agree with Keras to a few float32 ulps.
 * Hyperparameters enter as Keras casts them: beta_1 ** t is
 * float32(beta_1) ** t, 1 - beta_1 is computed in double and then rounded
 * (Keras multiplies a tensor by the Python float 1 - beta_1), except in
 * Nadam, which casts beta_1 to float32 before subtracting.  Norms for
 * clipping are summed in double and rounded.
 *
 * Per step (BaseOptimizer.apply): clip the gradients of the trainable
 * variables, apply decoupled weight decay (w -= w * weight_decay * lr, for
 * any optimizer whose weight_decay is set, as Keras 3 and 2.11+ do; the
 * defaults set it only for AdamW), run the update with the learning rate
 * of the schedule at `iterations` (the count before this update), then
 * count the update.  Adam-like bias corrections use t = iterations + 1.
 *
 * Slots: nslots arrays of n floats, slot k of parameter i at
 * slots[k * n + i]:
 *   SGD       momentum (only when momentum != 0)
 *   Adam(W)   m, v, and v_hat with amsgrad
 *   RMSprop   velocity, then momentum (momentum > 0), then average
 *             gradient (centered)
 *   Adagrad   accumulator
 *   Adadelta  accumulated grad, accumulated delta
 *   Adamax    m, u
 *   Nadam     m, v (the momentum schedule's product is recomputed from
 *             iterations, in float32 as Keras keeps it)
 * All start at zero; Adagrad's accumulators of trainable variables are set
 * to initial_accumulator_value when the first update is made (as Keras
 * builds its slots at the first apply), so that the slots of non-trainable
 * variables, which Keras does not have, stay zero.
 */
#include "kcc.h"
#include "kcc_file.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double kcc_pi = 3.14159265358979323846;

/* ---- names and defaults ------------------------------------------------- */

static const struct {
    const char *name; /* Keras's class name; lookups ignore case as Keras's do */
    kcc_optimizer_kind kind;
} optimizer_names[] = {
    {"SGD", KCC_OPT_SGD},         {"Adam", KCC_OPT_ADAM},
    {"AdamW", KCC_OPT_ADAMW},     {"RMSprop", KCC_OPT_RMSPROP},
    {"Adagrad", KCC_OPT_ADAGRAD}, {"Adadelta", KCC_OPT_ADADELTA},
    {"Adamax", KCC_OPT_ADAMAX},   {"Nadam", KCC_OPT_NADAM},
};
#define NOPTIMIZERS ((int)(sizeof optimizer_names / sizeof optimizer_names[0]))

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int same_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Keras's constructor defaults (Keras 3 and tf.keras 2.11+ agree). */
void kcc_optimizer_defaults(kcc_optimizer_config *c, kcc_optimizer_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->learning_rate.kind = KCC_LR_CONSTANT;
    c->learning_rate.initial_learning_rate = 0.001;
    c->epsilon = 1e-7;
    c->beta_1 = 0.9;
    c->beta_2 = 0.999;
    switch (kind) {
    case KCC_OPT_SGD:
        c->learning_rate.initial_learning_rate = 0.01;
        break;
    case KCC_OPT_ADAMW:
        c->weight_decay = 0.004;
        break;
    case KCC_OPT_RMSPROP:
        c->rho = 0.9;
        break;
    case KCC_OPT_ADAGRAD:
        c->initial_accumulator_value = 0.1;
        break;
    case KCC_OPT_ADADELTA:
        c->rho = 0.95; /* and learning rate 0.001 since Keras 2.3 */
        break;
    case KCC_OPT_ADAM:
    case KCC_OPT_ADAMAX:
    case KCC_OPT_NADAM:
        break;
    }
}

kcc_status kcc_optimizer_from_name(kcc_optimizer_config *c, const char *name, kcc_error *err)
{
    if (!c || !name)
        return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: no name given");
    for (int i = 0; i < NOPTIMIZERS; i++) {
        if (same_ignoring_case(name, optimizer_names[i].name)) {
            kcc_optimizer_defaults(c, optimizer_names[i].kind);
            return KCC_OK;
        }
    }
    char shown[104];
    kcc_text_show(shown, sizeof shown, name, strlen(name));
    return kcc_error_set(err, KCC_ERR_INVALID,
                "unknown optimizer '%s': known optimizers are sgd, adam, adamw, rmsprop, "
                "adagrad, adadelta, adamax and nadam (in any case: \"Adam\", \"RMSprop\")",
                shown);
}

/* ---- learning rate schedules ------------------------------------------- */

double kcc_schedule_value(const kcc_schedule *s, long step)
{
    double t = (double)step;
    switch (s->kind) {
    case KCC_LR_CONSTANT:
        return s->initial_learning_rate;
    case KCC_LR_EXPONENTIAL_DECAY: {
        if (!(s->decay_steps > 0))
            return NAN;
        double p = t / s->decay_steps;
        if (s->staircase)
            p = floor(p);
        return s->initial_learning_rate * pow(s->decay_rate, p);
    }
    case KCC_LR_PIECEWISE_CONSTANT_DECAY: {
        int nb = s->nboundaries;
        if (nb < 1 || nb > KCC_MAX_BOUNDARIES)
            return NAN;
        /* Keras casts the boundaries to the step's integer type. */
        if (t <= trunc(s->boundaries[0]))
            return s->values[0];
        for (int i = 1; i < nb; i++)
            if (t > trunc(s->boundaries[i - 1]) && t <= trunc(s->boundaries[i]))
                return s->values[i];
        return s->values[nb];
    }
    case KCC_LR_INVERSE_TIME_DECAY: {
        if (!(s->decay_steps > 0))
            return NAN;
        double p = t / s->decay_steps;
        if (s->staircase)
            p = floor(p);
        return s->initial_learning_rate / (1.0 + s->decay_rate * p);
    }
    case KCC_LR_COSINE_DECAY: {
        if (!(s->decay_steps > 0))
            return NAN;
        double fraction = (t < s->decay_steps ? t : s->decay_steps) / s->decay_steps;
        double cosine = 0.5 * (1.0 + cos(kcc_pi * fraction));
        return s->initial_learning_rate * ((1.0 - s->alpha) * cosine + s->alpha);
    }
    }
    return NAN;
}

/* ---- configuration checks ----------------------------------------------- */

static int finite(double v)
{
    return isfinite(v) != 0;
}

static kcc_status check_schedule(const kcc_schedule *s, kcc_error *err)
{
    switch (s->kind) {
    case KCC_LR_CONSTANT:
        if (!finite(s->initial_learning_rate))
            return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: learning_rate must be a finite number");
        return KCC_OK;
    case KCC_LR_EXPONENTIAL_DECAY:
    case KCC_LR_INVERSE_TIME_DECAY:
    case KCC_LR_COSINE_DECAY: {
        const char *what = s->kind == KCC_LR_EXPONENTIAL_DECAY ? "ExponentialDecay"
                         : s->kind == KCC_LR_INVERSE_TIME_DECAY ? "InverseTimeDecay"
                                                                 : "CosineDecay";
        if (!finite(s->initial_learning_rate))
            return kcc_error_set(err, KCC_ERR_INVALID,
                        "%s: initial_learning_rate must be a finite number", what);
        if (!(s->decay_steps > 0) || !finite(s->decay_steps))
            return kcc_error_set(err, KCC_ERR_INVALID, "%s: decay_steps must be > 0, got %g", what,
                        s->decay_steps);
        if (s->kind == KCC_LR_COSINE_DECAY ? !finite(s->alpha) : !finite(s->decay_rate))
            return kcc_error_set(err, KCC_ERR_INVALID, "%s: %s must be a finite number", what,
                        s->kind == KCC_LR_COSINE_DECAY ? "alpha" : "decay_rate");
        return KCC_OK;
    }
    case KCC_LR_PIECEWISE_CONSTANT_DECAY:
        if (s->nboundaries < 1 || s->nboundaries > KCC_MAX_BOUNDARIES)
            return kcc_error_set(err, KCC_ERR_INVALID,
                        "PiecewiseConstantDecay: expected 1 to %d boundaries, got %d",
                        KCC_MAX_BOUNDARIES, s->nboundaries);
        for (int i = 0; i < s->nboundaries; i++) {
            if (!finite(s->boundaries[i]))
                return kcc_error_set(err, KCC_ERR_INVALID,
                            "PiecewiseConstantDecay: boundaries[%d] is not a finite number", i);
            if (i > 0 && s->boundaries[i] < s->boundaries[i - 1])
                return kcc_error_set(err, KCC_ERR_INVALID,
                            "PiecewiseConstantDecay: boundaries must not decrease "
                            "(boundaries[%d] = %g < boundaries[%d] = %g)",
                            i, s->boundaries[i], i - 1, s->boundaries[i - 1]);
        }
        for (int i = 0; i <= s->nboundaries; i++)
            if (!finite(s->values[i]))
                return kcc_error_set(err, KCC_ERR_INVALID,
                            "PiecewiseConstantDecay: values[%d] is not a finite number", i);
        return KCC_OK;
    }
    return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: unknown learning rate schedule kind %d",
                (int)s->kind);
}

static int slot_count(const kcc_optimizer_config *c)
{
    switch (c->kind) {
    case KCC_OPT_SGD:
        return c->momentum != 0.0 ? 1 : 0;
    case KCC_OPT_ADAM:
    case KCC_OPT_ADAMW:
        return c->amsgrad ? 3 : 2;
    case KCC_OPT_RMSPROP:
        return 1 + (c->momentum > 0.0) + (c->centered != 0);
    case KCC_OPT_ADAGRAD:
        return 1;
    case KCC_OPT_ADADELTA:
    case KCC_OPT_ADAMAX:
    case KCC_OPT_NADAM:
        return 2;
    }
    return -1;
}

static kcc_status check_config(const kcc_optimizer_config *c, kcc_error *err)
{
    if (slot_count(c) < 0)
        return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: unknown optimizer kind %d", (int)c->kind);
    kcc_status st = check_schedule(&c->learning_rate, err);
    if (st != KCC_OK)
        return st;
    const struct {
        const char *name;
        double v;
    } numbers[] = {
        {"momentum", c->momentum}, {"beta_1", c->beta_1}, {"beta_2", c->beta_2},
        {"epsilon", c->epsilon},   {"rho", c->rho},
        {"initial_accumulator_value", c->initial_accumulator_value},
        {"weight_decay", c->weight_decay},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (!finite(numbers[i].v))
            return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: %s must be a finite number",
                        numbers[i].name);
    if (c->kind == KCC_OPT_SGD && !(c->momentum >= 0.0 && c->momentum <= 1.0))
        return kcc_error_set(err, KCC_ERR_INVALID,
                    "SGD: momentum must be a float between [0, 1], got %g", c->momentum);
    const struct {
        const char *name;
        double v;
    } clips[] = {
        {"clipnorm", c->clipnorm}, {"clipvalue", c->clipvalue},
        {"global_clipnorm", c->global_clipnorm},
    };
    int nclips = 0;
    for (int i = 0; i < 3; i++) {
        if (!finite(clips[i].v) || clips[i].v < 0.0)
            return kcc_error_set(err, KCC_ERR_INVALID,
                        "optimizer: %s must be a finite number >= 0 (0: off), got %g",
                        clips[i].name, clips[i].v);
        nclips += clips[i].v > 0.0;
    }
    if (nclips > 1)
        return kcc_error_set(err, KCC_ERR_INVALID,
                    "optimizer: only one of clipnorm, clipvalue and global_clipnorm can be set "
                    "(got clipnorm=%g, clipvalue=%g, global_clipnorm=%g)",
                    c->clipnorm, c->clipvalue, c->global_clipnorm);
    return KCC_OK;
}

/* ---- the optimizer ------------------------------------------------------ */

kcc_status kcc_optimizer_init(kcc_optimizer *opt, const kcc_optimizer_config *cfg, long n,
                              kcc_error *err)
{
    if (!opt || !cfg)
        return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: no optimizer or configuration given");
    memset(opt, 0, sizeof *opt);
    if (n < 0)
        return kcc_error_set(err, KCC_ERR_INVALID, "optimizer: parameter count must be >= 0, got %ld", n);
    kcc_status st = check_config(cfg, err);
    if (st != KCC_OK)
        return st;
    int nslots = slot_count(cfg);
    if (nslots > 0 && n > 0) {
        if ((size_t)n > (size_t)-1 / sizeof(float) / (size_t)nslots)
            return kcc_error_set(err, KCC_ERR_NOMEM, "optimizer: out of memory for %ld parameters", n);
        opt->slots = calloc((size_t)nslots * (size_t)n, sizeof(float));
        if (!opt->slots)
            return kcc_error_set(err, KCC_ERR_NOMEM,
                        "optimizer: out of memory for %d slots of %ld parameters", nslots, n);
    }
    opt->cfg = *cfg;
    opt->n = n;
    opt->nslots = nslots;
    opt->iterations = 0;
    opt->lr_fixed = 0;
    opt->lr = 0.0;
    return KCC_OK;
}

void kcc_optimizer_free(kcc_optimizer *opt)
{
    if (!opt)
        return;
    free(opt->slots);
    opt->slots = NULL;
    opt->nslots = 0;
    opt->n = 0;
}

double kcc_optimizer_learning_rate(const kcc_optimizer *opt)
{
    if (opt->lr_fixed)
        return opt->lr;
    return kcc_schedule_value(&opt->cfg.learning_rate, opt->iterations);
}

void kcc_optimizer_set_learning_rate(kcc_optimizer *opt, double lr)
{
    opt->lr_fixed = 1;
    opt->lr = lr;
}

/* The trainable variables as [begin, end) ranges clamped to [0, n). */
typedef struct var_range {
    long begin, end;
} var_range;

static int next_trainable(const kcc_param_def *defs, int ndefs, long n, int *i, var_range *r)
{
    if (!defs || ndefs <= 0) { /* no defs: the whole array is one variable */
        if (*i > 0)
            return 0;
        (*i)++;
        r->begin = 0;
        r->end = n;
        return 1;
    }
    while (*i < ndefs) {
        const kcc_param_def *d = &defs[(*i)++];
        if (!d->trainable || d->size <= 0 || d->offset < 0 || d->offset >= n)
            continue;
        r->begin = d->offset;
        r->end = d->size > n - d->offset ? n : d->offset + d->size;
        return 1;
    }
    return 0;
}

#define FOR_TRAINABLE(r)                                                                     \
    for (int it_ = 0; next_trainable(defs, ndefs, n, &it_, &(r));)

/* Keras's _clip_gradients: clipnorm, else global_clipnorm, else clipvalue
 * (kcc_optimizer_init lets at most one be set). */
static void clip_gradients(const kcc_optimizer_config *c, float *grads,
                           const kcc_param_def *defs, int ndefs, long n)
{
    var_range r;
    if (c->clipnorm > 0.0) {
        /* clip_by_norm: g * clipnorm / max(||g||, clipnorm), per variable */
        float cn = (float)c->clipnorm;
        FOR_TRAINABLE(r) {
            double sum = 0.0;
            for (long i = r.begin; i < r.end; i++)
                sum += (double)grads[i] * grads[i];
            float l2sum = (float)sum;
            float l2norm = l2sum > 0.0f ? sqrtf(l2sum) : l2sum;
            float denom = l2norm > cn ? l2norm : cn;
            if (isnan(l2norm))
                denom = l2norm;
            for (long i = r.begin; i < r.end; i++)
                grads[i] = grads[i] * cn / denom;
        }
    } else if (c->global_clipnorm > 0.0) {
        /* clip_by_global_norm: scale = clip * min(1 / norm, 1 / clip), NaN
         * when the norm is not finite. */
        float gc = (float)c->global_clipnorm;
        double sum = 0.0;
        FOR_TRAINABLE(r) {
            double part = 0.0;
            for (long i = r.begin; i < r.end; i++)
                part += (double)grads[i] * grads[i];
            sum += (double)(float)part;
        }
        float norm = sqrtf((float)sum);
        float inv_norm = norm > 0.0f ? 1.0f / norm : INFINITY;
        float inv_clip = (float)(1.0 / c->global_clipnorm); /* a Python float in Keras */
        float scale = gc * (inv_norm < inv_clip ? inv_norm : inv_clip);
        if (!isfinite(norm))
            scale = NAN;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++)
                grads[i] = grads[i] * scale;
        }
    } else if (c->clipvalue > 0.0) {
        float v = (float)c->clipvalue;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                grads[i] = g > v ? v : g < -v ? -v : g; /* NaN stays NaN */
            }
        }
    }
}

/* Nadam's u_product after the update with local step t (Keras 3: a float32
 * variable multiplied by beta_1 * (1 - 0.5 * 0.96^t) at each update).
 * Past step 1000 the factor 1 - 0.5 * 0.96^t is 1 in float32 and only
 * beta_1 remains, applied in one power. */
static float nadam_u_product(float beta_1, long t)
{
    float u = 1.0f;
    long direct = t < 1000 ? t : 1000;
    for (long s = 1; s <= direct; s++)
        u = u * beta_1 * (1.0f - 0.5f * powf(0.96f, (float)s));
    if (t > direct)
        u = (float)((double)u * pow((double)beta_1, (double)(t - direct)));
    return u;
}

void kcc_optimizer_step(kcc_optimizer *opt, float *params, float *grads,
                        const kcc_param_def *defs, int ndefs)
{
    /* Nothing to report to: a call kcc_optimizer_init did not prepare (or
     * whose configuration was since changed to need other slots) is not
     * applied. */
    if (!opt || !params || !grads || slot_count(&opt->cfg) != opt->nslots ||
        (opt->nslots > 0 && opt->n > 0 && !opt->slots))
        return;
    const kcc_optimizer_config *c = &opt->cfg;
    const long n = opt->n;
    float *s0 = opt->slots;
    float *s1 = opt->nslots > 1 ? opt->slots + n : NULL;
    float *s2 = opt->nslots > 2 ? opt->slots + 2 * n : NULL;
    var_range r;

    const float lr = (float)kcc_optimizer_learning_rate(opt);
    const float eps = (float)c->epsilon;
    const float beta_1 = (float)c->beta_1, beta_2 = (float)c->beta_2;
    const float one_minus_beta_1 = (float)(1.0 - c->beta_1);
    const float one_minus_beta_2 = (float)(1.0 - c->beta_2);
    const float rho = (float)c->rho, one_minus_rho = (float)(1.0 - c->rho);
    const float t = (float)(opt->iterations + 1); /* Keras's local_step */

    clip_gradients(c, grads, defs, ndefs, n);

    if (c->weight_decay != 0.0) { /* _apply_weight_decay: w - w * wd * lr */
        float wd = (float)c->weight_decay;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++)
                params[i] = params[i] - params[i] * wd * lr;
        }
    }

    switch (c->kind) {
    case KCC_OPT_SGD: {
        const float momentum = (float)c->momentum;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                if (s0) {
                    float m = s0[i] * momentum - g * lr;
                    s0[i] = m;
                    if (c->nesterov)
                        params[i] = params[i] + (m * momentum - g * lr);
                    else
                        params[i] = params[i] + m;
                } else {
                    params[i] = params[i] - g * lr;
                }
            }
        }
        break;
    }
    case KCC_OPT_ADAM:
    case KCC_OPT_ADAMW: {
        const float beta_1_power = powf(beta_1, t);
        const float beta_2_power = powf(beta_2, t);
        const float alpha = lr * sqrtf(1.0f - beta_2_power) / (1.0f - beta_1_power);
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                float m = s0[i] + (g - s0[i]) * one_minus_beta_1;
                float v = s1[i] + (g * g - s1[i]) * one_minus_beta_2;
                s0[i] = m;
                s1[i] = v;
                if (c->amsgrad) {
                    if (v > s2[i] || isnan(v))
                        s2[i] = v;
                    v = s2[i];
                }
                params[i] = params[i] - m * alpha / (sqrtf(v) + eps);
            }
        }
        break;
    }
    case KCC_OPT_RMSPROP: {
        const float momentum = (float)c->momentum;
        float *mom = c->momentum > 0.0 ? s1 : NULL;
        float *avg = c->centered ? (mom ? s2 : s1) : NULL;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                float vel = rho * s0[i] + one_minus_rho * (g * g);
                s0[i] = vel;
                float denom;
                if (avg) {
                    float a = rho * avg[i] + one_minus_rho * g;
                    avg[i] = a;
                    denom = vel - a * a + eps;
                } else {
                    denom = vel + eps;
                }
                float increment = lr * g / sqrtf(denom);
                if (mom) {
                    mom[i] = momentum * mom[i] + increment;
                    params[i] = params[i] - mom[i];
                } else {
                    params[i] = params[i] - increment;
                }
            }
        }
        break;
    }
    case KCC_OPT_ADAGRAD: {
        const float initial = (float)c->initial_accumulator_value;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                float acc = opt->iterations == 0 ? initial : s0[i];
                acc = acc + g * g;
                s0[i] = acc;
                params[i] = params[i] - lr * g / sqrtf(acc + eps);
            }
        }
        break;
    }
    case KCC_OPT_ADADELTA: {
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                float acc_grad = rho * s0[i] + one_minus_rho * (g * g);
                s0[i] = acc_grad;
                float delta = -(sqrtf(s1[i] + eps) * g / sqrtf(acc_grad + eps));
                s1[i] = rho * s1[i] + one_minus_rho * (delta * delta);
                params[i] = params[i] + lr * delta;
            }
        }
        break;
    }
    case KCC_OPT_ADAMAX: {
        const float beta_1_power = powf(beta_1, t);
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                float m = s0[i] + (g - s0[i]) * one_minus_beta_1;
                float decayed = beta_2 * s1[i], ag = fabsf(g);
                float u = decayed > ag || isnan(decayed) ? decayed : ag;
                s0[i] = m;
                s1[i] = u;
                params[i] = params[i] - lr * m / ((1.0f - beta_1_power) * (u + eps));
            }
        }
        break;
    }
    case KCC_OPT_NADAM: {
        const float decay = 0.96f;
        const float u_t = beta_1 * (1.0f - 0.5f * powf(decay, t));
        const float u_t_1 = beta_1 * (1.0f - 0.5f * powf(decay, t + 1.0f));
        const float u_product_t = nadam_u_product(beta_1, opt->iterations + 1);
        const float u_product_t_1 = u_product_t * u_t_1;
        const float beta_2_power = powf(beta_2, t);
        /* Nadam casts the betas to float32 first: 1 - beta is float32 here. */
        const float nadam_1_minus_beta_1 = 1.0f - beta_1, nadam_1_minus_beta_2 = 1.0f - beta_2;
        FOR_TRAINABLE(r) {
            for (long i = r.begin; i < r.end; i++) {
                float g = grads[i];
                float m = s0[i] + (g - s0[i]) * nadam_1_minus_beta_1;
                float v = s1[i] + (g * g - s1[i]) * nadam_1_minus_beta_2;
                s0[i] = m;
                s1[i] = v;
                float m_hat = u_t_1 * m / (1.0f - u_product_t_1) +
                              (1.0f - u_t) * g / (1.0f - u_product_t);
                float v_hat = v / (1.0f - beta_2_power);
                params[i] = params[i] - m_hat * lr / (sqrtf(v_hat) + eps);
            }
        }
        break;
    }
    }
    opt->iterations++;
}
