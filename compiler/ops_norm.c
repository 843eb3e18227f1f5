/*
 * ops_norm.c - the op table's rows for BatchNormalization, the noise
 * layers (SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
 * AlphaDropout) and ActivityRegularization, and what other stages need of
 * them: activity regularizers, Dropout's noise_shape, the scale and shift
 * of an inference BatchNormalization, their Keras 2 JSON.
 *
 * At inference BatchNormalization is y = scale * x + shift per channel,
 * with scale = gamma / sqrt(moving_variance + epsilon) and shift = beta -
 * moving_mean * scale computed at compile time: fuse.c folds them into the
 * kernel and bias of a Dense or convolution before it, or hands this file
 * a layer of the plan whose parameters are scale and shift.  In training
 * it normalizes with the batch's mean and (biased) variance over every
 * axis but its own and moves the moving averages in the parameter array:
 *     moving -= (moving - batch statistic) * (1 - momentum)
 * as tf.keras, Keras 3 and TF.js do (Keras 1 too; standalone Keras 2.1.3
 * to 2.3.1 alone fed the moving variance the unbiased batch variance,
 * m / (m - (1 + epsilon)) times the biased one: bn_unbiased).  A layer
 * with trainable false runs in inference mode in training too (tf.keras 2,
 * Keras 3); standalone Keras 2 (and Keras 1, taken to follow it) used the
 * batch's statistics and dropped the frozen layer's updates.
 *
 * The noise layers are the identity at inference (OPF_IDENTITY).  In
 * training they draw from the trainer's generator: dropout masks over a
 * noise shape that broadcasts along the axes where it is 1 (SpatialDropout
 * drops whole channels), Gaussian noise and multiplicative Gaussian noise
 * of mean 1 and standard deviation sqrt(rate / (1 - rate)), AlphaDropout's
 * affine dropout that keeps SELU's mean and variance.
 *
 * Activity regularizers: see emit_train.c for where the penalty goes; the
 * scaling by the Keras that wrote the file is decided here.
 */
#include "compiler.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const Dialect f32 = {"float", "f", "f", 9};

/* ---- which Keras wrote the file ---------------------------------------- */

/* The keras_version (and backend) the file states, or "". */
static const char *file_keras_field(const Model *m, const char *field)
{
    const cJSON *root = m->root;
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "modelTopology");
    const cJSON *where[] = {
        root, mt, cJSON_IsObject(mt) ? cJSON_GetObjectItemCaseSensitive(mt, "model_config") : NULL,
        cJSON_GetObjectItemCaseSensitive(root, "model_config"),
    };
    for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
        const cJSON *v = cJSON_IsObject(where[i])
                             ? cJSON_GetObjectItemCaseSensitive(where[i], field) : NULL;
        if (cJSON_IsString(v))
            return v->valuestring;
    }
    return "";
}

/* For a file written by standalone (multi-backend) Keras 2.0 to 2.3,
 * minor * 100 + patch ("2.2.4": 204); else -1.  tf.keras marked its
 * versions "2.2.4-tf", and every Keras 2 from 2.4 on is tf.keras. */
static int standalone_keras2(const Model *m)
{
    const char *v = file_keras_field(m, "keras_version");
    int major = 0, minor = 0, patch = 0, used = 0;
    if (m->keras_major != 2 || sscanf(v, "%d.%d.%d%n", &major, &minor, &patch, &used) != 3)
        return -1;
    if (major != 2 || minor > 3 || v[used] != '\0')
        return -1;
    return minor * 100 + patch;
}

/* ---- activity regularizers -------------------------------------------- */

/* Keras 1 (ActivityRegularizer: l1 * sum(mean(|y|, axis=0))) and tf.keras
 * 2 (Layer._handle_activity_regularization: "make activity regularization
 * strength batch-agnostic") divide the penalty by the batch size;
 * standalone Keras 2 (Layer.__call__) and Keras 3 (Layer.__call__) add
 * the regularizer's value as it is. */
static bool activity_batch_mean(const Model *m)
{
    if (m->keras_major == 3)
        return false;
    return standalone_keras2(m) < 0;
}

void activity_regularizer_parse(CfgReader *r, Layer *l)
{
    Param reg;
    memset(&reg, 0, sizeof reg);
    cfg_regularizer(r, &reg, "activity_regularizer", NULL);
    l->act_l1 = reg.l1;
    l->act_l2 = reg.l2;
    l->activity_regularizer = reg.l1 != 0 || reg.l2 != 0;
    l->act_batch_mean = activity_batch_mean(r->m);
}

cJSON *activity_regularizer_json(const Layer *l)
{
    if (!l->activity_regularizer)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "class_name", "L1L2");
    cJSON_AddNumberToObject(c, "l1", l->act_l1);
    cJSON_AddNumberToObject(c, "l2", l->act_l2);
    cJSON_AddItemToObject(o, "config", c);
    return o;
}

/* ---- noise shapes ------------------------------------------------------ */

static void bad_value(CfgReader *r, const char *key, const char *want, const cJSON *got)
{
    char *msg = expect_got(want, got);
    char *path = xformat("config.%s", key);
    layer_error(r->m, r->l, path, "%s", msg);
    free(path);
    free(msg);
    r->l->ok = false;
}

/* noise_shape: a list with the batch axis first, each entry null (the
 * input's size) or a positive size. */
void noise_shape_parse(CfgReader *r, Layer *l)
{
    const cJSON *v = cfg_take(r, NULL, "noise_shape", (char *)NULL);
    l->noise_shape = v != NULL;
    l->noise_rank = 0;
    if (!v)
        return;
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n < 2 || n > MAX_RANK + 1) {
        bad_value(r, "noise_shape", "a list of sizes or nulls, the batch axis first", v);
        l->noise_shape = false;
        return;
    }
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        long d = -1;
        if (!cJSON_IsNull(it)) {
            if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
                it->valuedouble < 1 || it->valuedouble > 1e9) {
                char *key = xformat("noise_shape[%d]", i);
                bad_value(r, key, "a positive size or null", it);
                free(key);
                l->noise_shape = false;
                return;
            }
            d = (long)it->valuedouble;
        }
        l->noise[i] = d;
    }
    l->noise_rank = n;
}

bool noise_shape_check(Model *m, const Layer *l)
{
    if (!l->noise_shape)
        return true;
    const Shape *in = &m->values[l->input].shape;
    char b1[96], b2[96];
    StrBuf ns = {0};
    sb_add(&ns, "(");
    for (int i = 0; i < l->noise_rank; i++) {
        if (l->noise[i] < 0)
            sb_printf(&ns, "%sNone", i ? ", " : "");
        else
            sb_printf(&ns, "%s%ld", i ? ", " : "", l->noise[i]);
    }
    sb_add(&ns, l->noise_rank == 1 ? ",)" : ")");
    bool ok = true;
    if (l->noise_rank != in->rank + 1) {
        layer_error(m, l, "config.noise_shape",
                    "the noise shape %s has %d axes, the input %s has %d", ns.data,
                    l->noise_rank, shape_str(in, b1, sizeof b1), in->rank + 1);
        ok = false;
    } else if (l->noise[0] > 1) {
        layer_error(m, l, "config.noise_shape",
                    "the noise shape %s fixes the batch size at %ld: expected None or 1 there",
                    ns.data, l->noise[0]);
        ok = false;
    } else {
        for (int i = 1; i < l->noise_rank && ok; i++)
            if (l->noise[i] > 1 && l->noise[i] != in->dim[i - 1]) {
                layer_error(m, l, "config.noise_shape",
                            "the noise shape %s does not broadcast to the input %s (axis %d: "
                            "expected None, 1 or %ld, got %ld)",
                            ns.data, shape_str(in, b2, sizeof b2), i, in->dim[i - 1],
                            l->noise[i]);
                ok = false;
            }
    }
    sb_free(&ns);
    return ok;
}

/* ---- BatchNormalization ------------------------------------------------ */

static void bn_parse(CfgReader *r, Layer *l)
{
    Model *m = r->m;
    /* Keras 1: mode 0 is what Keras 2 kept; 1 (per sample) and 2 (batch
     * statistics at inference too) are gone. */
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(r->obj, "mode");
    if (mode && !cJSON_IsNull(mode)) {
        long md = cfg_int(r, "mode", 0, 0, 2);
        if (md != 0) {
            layer_error(m, l, "config.mode",
                        "Keras 1's mode %ld (%s) is not supported; mode 0 is", md,
                        md == 1 ? "sample-wise normalization"
                                : "feature-wise normalization with batch statistics at inference");
            l->ok = false;
        }
    } else {
        cfg_ignore(r, "mode", (char *)NULL);
    }

    /* axis: an integer, or tf.keras's list of one ("axis": [3]). */
    l->axis_raw = -1;
    const cJSON *ax = cfg_take(r, NULL, "axis", (char *)NULL);
    if (ax && cJSON_IsArray(ax)) {
        if (cJSON_GetArraySize(ax) != 1) {
            char *repr = json_repr(ax);
            layer_error(m, l, "config.axis",
                        cJSON_GetArraySize(ax) > 1
                            ? "normalizing over several axes at once (%s) is not supported"
                            : "expected an axis, got %s",
                        repr);
            free(repr);
            l->ok = false;
            ax = NULL;
        } else {
            ax = ax->child;
        }
    }
    if (ax) {
        if (!cJSON_IsNumber(ax) || ax->valuedouble != floor(ax->valuedouble) ||
            fabs(ax->valuedouble) > MAX_RANK + 1)
            bad_value(r, "axis", "an axis (an integer, -1 for the last)", ax);
        else
            l->axis_raw = (int)ax->valuedouble;
    }
    l->momentum = cfg_num(r, "momentum", 0.99, -DBL_MAX, DBL_MAX);
    l->epsilon = cfg_num(r, "epsilon", 1e-3, 0, DBL_MAX);
    l->center = cfg_bool(r, "center", true);
    l->scale = cfg_bool(r, "scale", true);

    /* gamma, beta, moving_mean, moving_variance: Keras's names and order.
     * Options of a weight the layer does not have are still read. */
    Param unused;
    memset(&unused, 0, sizeof unused);
    Param *g = l->scale ? layer_add_param(l, "gamma", true) : &unused;
    cfg_initializer(r, g, "gamma_initializer", "gamma_init", "ones");
    cfg_regularizer(r, g, "gamma_regularizer", NULL);
    Param *b = l->center ? layer_add_param(l, "beta", true) : &unused;
    cfg_initializer(r, b, "beta_initializer", "beta_init", "zeros");
    cfg_regularizer(r, b, "beta_regularizer", NULL);
    Param *mm = layer_add_param(l, "moving_mean", false);
    cfg_initializer(r, mm, "moving_mean_initializer", NULL, "zeros");
    Param *mv = layer_add_param(l, "moving_variance", false);
    cfg_initializer(r, mv, "moving_variance_initializer", NULL, "ones");
    cfg_ignore(r, "beta_constraint", "gamma_constraint", "fused", "renorm_clipping",
               "renorm_momentum", "adjustment", (char *)NULL);
    cfg_bool(r, "synchronized", false); /* Keras 3: across devices; one here */

    /* tf.keras's options beyond Keras's. */
    if (cfg_bool(r, "renorm", false)) {
        layer_error(m, l, "config.renorm", "batch renormalization is not supported");
        l->ok = false;
    }
    const cJSON *vbs = cfg_take(r, NULL, "virtual_batch_size", (char *)NULL);
    if (vbs) {
        char *repr = json_repr(vbs);
        layer_error(m, l, "config.virtual_batch_size",
                    "virtual batches (virtual_batch_size %s) are not supported", repr);
        free(repr);
        l->ok = false;
    }
    int v = standalone_keras2(m);
    l->bn_unbiased = v >= 103 && strcmp(file_keras_field(m, "backend"), "cntk") != 0;
}

static bool bn_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    int full = l->axis_raw < 0 ? l->axis_raw + in->rank + 1 : l->axis_raw;
    if (full < 1 || full > in->rank) {
        char b[96];
        layer_error(m, l, "config.axis",
                    "axis %d does not name a non-batch axis of an input of shape %s",
                    l->axis_raw, shape_str(in, b, sizeof b));
        return false;
    }
    l->norm_axis = full - 1;
    for (int k = 0; k < l->nparams; k++) {
        l->params[k].shape.rank = 1;
        l->params[k].shape.dim[0] = in->dim[l->norm_axis];
    }
    *out = *in;
    return true;
}

static long bn_macs(const Model *m, const Layer *l)
{
    return shape_count(&m->values[l->input].shape);
}

/* [outer, channels, inner] of a sample around axis. */
static void split_axis(const Shape *s, int axis, long *outer, long *c, long *inner)
{
    *outer = *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= s->dim[i];
    *c = s->dim[axis];
    for (int i = axis + 1; i < s->rank; i++)
        *inner *= s->dim[i];
}

static const Param *param_named(const Layer *l, const char *name)
{
    int i = layer_param_index(l, name);
    return i < 0 ? NULL : &l->params[i];
}

bool bn_affine(const Layer *bn, long c, double *scale, double *shift)
{
    const Param *g = param_named(bn, "gamma"), *b = param_named(bn, "beta");
    const Param *mm = param_named(bn, "moving_mean"), *mv = param_named(bn, "moving_variance");
    KCC_ASSERT(mm && mv);
    if (!mm->data || !mv->data || (g && !g->data) || (b && !b->data))
        return false;
    /* TensorFlow's batch_normalization: inv = gamma * rsqrt(var + eps),
     * y = x * inv + (beta - mean * inv). */
    double inv = 1.0 / sqrt(mv->data[c] + bn->epsilon);
    *scale = (g ? g->data[c] : 1.0) * inv;
    *shift = (b ? b->data[c] : 0.0) - mm->data[c] * *scale;
    return true;
}

/* Inference: the step's layer is fuse.c's, with parameters scale and
 * shift. */
static void bn_emit(Emit *e, const Step *s)
{
    const Layer *l = s->layer;
    const Shape *in = &e->plan->m->values[s->in].shape;
    long outer, c, inner;
    split_axis(in, l->norm_axis, &outer, &c, &inner);
    char b[3][32];
    const char *kv[] = {
        "OUTER", op_num(b[0], outer),
        "C", op_num(b[1], c),
        "INNER", op_num(b[2], inner),
        "SCALE", emit_param(e, l, 0),
        "SHIFT", emit_param(e, l, 1),
        NULL,
    };
    emit_kernel(e, s, "bn.c", kv);
}

static long bn_aux(const Model *m, const Layer *l, int batch)
{
    (void)batch;
    return 2 * m->values[l->input].shape.dim[l->norm_axis]; /* mean, 1/std */
}

static void bn_train(TEmit *te, const TStep *s)
{
    const Layer *l = s->layer;
    long outer, c, inner;
    split_axis(&s->in_shape, l->norm_axis, &outer, &c, &inner);
    int k = 0;
    long goff = -1, boff = -1;
    if (l->scale)
        goff = train_param(te, l, k++);
    if (l->center)
        boff = train_param(te, l, k++);
    long mm = train_param(te, l, k), mv = train_param(te, l, k + 1);
    StrBuf gamma = {0}, beta = {0}, dgamma = {0}, dbeta = {0}, dstats = {0}, eps = {0};
    StrBuf decay = {0}, adjust = {0}, update = {0};
    if (goff >= 0) {
        sb_printf(&gamma, "p[%ld + c]", goff);
        sb_printf(&dgamma, "g[%ld + c] += (float)sdyx;", goff);
    } else {
        sb_add(&gamma, "1.0f");
        sb_add(&dgamma, "");
    }
    if (boff >= 0) {
        sb_printf(&beta, "p[%ld + c]", boff);
        sb_printf(&dbeta, "g[%ld + c] += (float)sdy;", boff);
    } else {
        sb_add(&beta, "0.0f");
        sb_add(&dbeta, "");
    }
    static const Dialect f64 = {"double", "", "", 17};
    emit_literal(&eps, &f64, l->epsilon);
    sb_add(&decay, "(1.0 - ");
    emit_literal(&decay, &f64, l->momentum);
    sb_add(&decay, ")");
    if (l->bn_unbiased) {
        sb_add(&adjust, "(double)m / ((double)m - (1.0 + ");
        emit_literal(&adjust, &f64, l->epsilon);
        sb_add(&adjust, "))");
    } else {
        sb_add(&adjust, "1.0");
    }
    /* The moving averages move towards the batch's statistics:
     * moving -= (moving - batch) * (1 - momentum). */
    sb_printf(&update, "/* The moving averages move towards them. */\n"
                       "p[%ld + c] -= (float)(((double)p[%ld + c] - mean) * %s);\n"
                       "p[%ld + c] -=\n"
                       "    (float)(((double)p[%ld + c] - var * %s) * %s);",
              mm, mm, decay.data, mv, mv, adjust.data, decay.data);
    /* Frozen (trainable false): tf.keras 2 and Keras 3 run the layer in
     * inference mode, a constant affine map whose every parameter still
     * gets its gradient (all non-trainable); standalone Keras 2 (and, by
     * the same rule, Keras 1) normalizes with the batch's statistics but
     * drops the updates of a layer that is not trainable (Layer.updates). */
    bool old_frozen = !l->trainable && (te->m->keras_major == 1 || standalone_keras2(te->m) >= 0);
    if (!l->trainable) {
        sb_free(&update);
        sb_add(&update, "");
    }
    if (l->trainable || old_frozen) {
        sb_add(&dstats, "");
    } else {
        sb_printf(&dstats, "g[%ld + c] -= (float)(sdy * gm * inv);\n"
                           "g[%ld + c] -= (float)(0.5 * sdyx * gm * inv * inv);", mm, mv);
    }
    char b[6][32];
    const char *kv[] = {
        "OUTER", op_num(b[0], outer),
        "C", op_num(b[1], c),
        "CB", op_num(b[5], c < 64 ? c : 64),
        "INNER", op_num(b[2], inner),
        "MOVING_MEAN", op_num(b[3], mm),
        "MOVING_VARIANCE", op_num(b[4], mv),
        "BATCH_STATS", l->trainable || old_frozen ? "training" : "0",
        "UPDATE", update.data,
        "GAMMA", gamma.data,
        "BETA", beta.data,
        "EPSILON", eps.data,
        "DGAMMA", dgamma.data,
        "DBETA", dbeta.data,
        "DSTATS", dstats.data,
        "DX", l->trainable || old_frozen ? "gm * inv * (dy[k] - (sdy + xh * sdyx) / (double)m)"
                                         : "gm * inv * dy[k]",
        NULL,
    };
    train_kernel(te, s, "train_bn.c", kv);
    sb_free(&gamma);
    sb_free(&beta);
    sb_free(&dgamma);
    sb_free(&dbeta);
    sb_free(&dstats);
    sb_free(&eps);
    sb_free(&decay);
    sb_free(&adjust);
    sb_free(&update);
}

/* ---- the noise layers -------------------------------------------------- */

/* rate, or Keras 1's p. */
static double rate_of(CfgReader *r)
{
    const char *key = "rate";
    const cJSON *v = cfg_take(r, &key, "rate", "p", (char *)NULL);
    return v ? cfg_num(r, key, 0, 0, 1) : 0;
}

static void rate_required(CfgReader *r, Layer *l)
{
    if (!cJSON_GetObjectItemCaseSensitive(r->obj, "rate") &&
        !cJSON_GetObjectItemCaseSensitive(r->obj, "p")) {
        layer_error(r->m, l, "config.rate", "missing (expected a number from 0 to 1)");
        l->ok = false;
    }
}

/* Keras 1 wrote dim_ordering ("th", "tf", "default") where Keras 2 has
 * data_format. */
static DataFormat format_of(CfgReader *r)
{
    const cJSON *d = cfg_take(r, NULL, "dim_ordering", (char *)NULL);
    if (!d)
        return cfg_data_format(r);
    const char *s = cJSON_IsString(d) ? d->valuestring : "";
    if (strcmp(s, "th") == 0)
        return FMT_CHANNELS_FIRST;
    if (strcmp(s, "tf") == 0)
        return FMT_CHANNELS_LAST;
    if (strcmp(s, "default") != 0)
        bad_value(r, "dim_ordering", "\"th\", \"tf\" or \"default\"", d);
    return r->m->config.image_data_format;
}

static void spatial_dropout_parse(CfgReader *r, Layer *l)
{
    rate_required(r, l);
    l->rate = rate_of(r);
    /* SpatialDropout1D's channels are last, whatever keras.json says. */
    l->format = strcmp(l->op->name, "SpatialDropout1D") == 0 ? FMT_CHANNELS_LAST : format_of(r);
    /* tf.keras writes Dropout's noise_shape (null), which they override. */
    cfg_ignore(r, "seed", "noise_shape", (char *)NULL);
}

static bool spatial_dropout_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    int n = l->op->name[14] - '0'; /* "SpatialDropout2D" */
    if (in->rank != n + 1) {
        char b[96];
        layer_error(m, l, NULL, "expected an input of rank %d (a batch of %dD %s), got shape %s",
                    n + 2, n, n == 1 ? "sequences of channels" : "feature maps",
                    shape_str(in, b, sizeof b));
        return false;
    }
    /* Whole channels: the noise shape is (batch, 1, ..., 1, channels), or
     * (batch, channels, 1, ..., 1) for channels_first. */
    l->noise_rank = in->rank + 1;
    l->noise[0] = -1;
    for (int i = 1; i <= in->rank; i++)
        l->noise[i] = 1;
    l->noise[l->format == FMT_CHANNELS_FIRST ? 1 : in->rank] = -1;
    *out = *in;
    return true;
}

static void gaussian_noise_parse(CfgReader *r, Layer *l)
{
    const char *key = "stddev";
    const cJSON *v = cfg_take(r, &key, "stddev", "sigma", (char *)NULL);
    if (!v) {
        layer_error(r->m, l, "config.stddev", "missing (expected a non-negative number)");
        l->ok = false;
    }
    l->stddev = v ? cfg_num(r, key, 0, 0, DBL_MAX) : 0;
    cfg_ignore(r, "seed", (char *)NULL);
}

static void gaussian_dropout_parse(CfgReader *r, Layer *l)
{
    rate_required(r, l);
    l->rate = rate_of(r);
    cfg_ignore(r, "seed", (char *)NULL);
}

static void alpha_dropout_parse(CfgReader *r, Layer *l)
{
    rate_required(r, l);
    l->rate = rate_of(r);
    noise_shape_parse(r, l);
    cfg_ignore(r, "seed", (char *)NULL);
}

static void activity_regularization_parse(CfgReader *r, Layer *l)
{
    l->act_l1 = cfg_num(r, "l1", 0, -DBL_MAX, DBL_MAX);
    l->act_l2 = cfg_num(r, "l2", 0, -DBL_MAX, DBL_MAX);
    l->activity_regularizer = l->act_l1 != 0 || l->act_l2 != 0;
    l->act_batch_mean = activity_batch_mean(r->m);
}

/* Floats of noise a step draws: the noise shape's, for every sample
 * unless the noise shape's batch axis is 1. */
static long noise_count(const Layer *l, const Shape *in, bool *shared)
{
    long n = 1;
    *shared = false;
    if (l->noise_rank == 0)
        return shape_count(in);
    *shared = l->noise[0] == 1;
    for (int i = 1; i < l->noise_rank; i++)
        n *= l->noise[i] == 1 ? 1 : in->dim[i - 1];
    return n;
}

static long noise_aux(const Model *m, const Layer *l, int batch)
{
    bool shared;
    long n = noise_count(l, &m->values[l->input].shape, &shared);
    return shared ? n : n * batch;
}

/* The noise's index for element i of a sample: its coordinates along the
 * axes where the noise shape is not 1. */
static void noise_index(StrBuf *idx, const Layer *l, const Shape *in)
{
    if (l->noise_rank == 0) {
        sb_add(idx, "i");
        return;
    }
    long stride = 1, nstride = 1;
    bool any = false;
    for (int k = in->rank - 1; k >= 0; k--) {
        long d = in->dim[k];
        if (l->noise[k + 1] != 1 && d > 1) {
            if (any)
                sb_add(idx, " + ");
            any = true;
            if (stride == 1)
                sb_printf(idx, "i %% %ld", d);
            else
                sb_printf(idx, "i / %ld %% %ld", stride, d);
            if (nstride != 1)
                sb_printf(idx, " * %ld", nstride);
            nstride *= d;
        }
        stride *= d;
    }
    if (!any)
        sb_add(idx, "0");
}

typedef enum NoiseKind { NOISE_DROPOUT, NOISE_ALPHA, NOISE_GAUSSIAN, NOISE_GAUSSIAN_DROPOUT } NoiseKind;

static void noise_train(TEmit *te, const TStep *s, NoiseKind kind)
{
    const Layer *l = s->layer;
    static const Dialect f64 = {"double", "", "", 17};
    bool shared;
    long count = noise_count(l, &s->in_shape, &shared);
    StrBuf idx = {0}, draw = {0}, apply = {0}, dapply = {0}, draws = {0}, at = {0}, what = {0};
    noise_index(&idx, l, &s->in_shape);
    char *m = xformat("ns[%s]", idx.data);
    switch (kind) {
    case NOISE_DROPOUT:
        sb_add(&draw, "kcc_rng_uniform(rng) >= ");
        emit_literal(&draw, &f64, l->rate);
        sb_add(&draw, " ? ");
        emit_literal(&draw, &f32, l->rate < 1 ? 1.0 / (1.0 - l->rate) : 0.0);
        sb_add(&draw, " : 0.0f");
        sb_printf(&apply, "xs[i] * %s", m);
        sb_printf(&dapply, "dys[i] * %s", m);
        sb_add(&what, "Inverted dropout: keep with probability 1 - rate, scaled up");
        break;
    case NOISE_ALPHA: {
        /* Keras's AlphaDropout: x kept or set to alpha' = -alpha * scale of
         * SELU, then a * x + b restores the mean and variance. */
        double alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946;
        double q = l->rate;
        double a = pow((1 - q) * (1 + q * alpha_p * alpha_p), -0.5);
        double bb = -a * alpha_p * q;
        sb_add(&draw, "kcc_rng_uniform(rng) >= ");
        emit_literal(&draw, &f64, q);
        sb_add(&draw, " ? 1.0f : 0.0f");
        emit_literal(&apply, &f32, a);
        sb_printf(&apply, " * (xs[i] * %s + ", m);
        emit_literal(&apply, &f32, alpha_p);
        sb_printf(&apply, " * (1.0f - %s)) + ", m);
        emit_literal(&apply, &f32, bb);
        sb_add(&dapply, "dys[i] * ");
        emit_literal(&dapply, &f32, a);
        sb_printf(&dapply, " * %s", m);
        sb_add(&what, "Alpha dropout: dropped values become SELU's saturation, then a * x + b");
        break;
    }
    case NOISE_GAUSSIAN:
        sb_add(&draw, "(float)(");
        emit_literal(&draw, &f64, l->stddev);
        sb_add(&draw, " * kcc_rng_normal(rng))");
        sb_printf(&apply, "xs[i] + %s", m);
        sb_add(&dapply, "dys[i]");
        sb_add(&what, "Additive Gaussian noise of mean 0");
        break;
    case NOISE_GAUSSIAN_DROPOUT:
        sb_add(&draw, "(float)(1.0 + ");
        emit_literal(&draw, &f64, sqrt(l->rate / (1.0 - l->rate)));
        sb_add(&draw, " * kcc_rng_normal(rng))");
        sb_printf(&apply, "xs[i] * %s", m);
        sb_printf(&dapply, "dys[i] * %s", m);
        sb_add(&what, "Multiplicative Gaussian noise of mean 1, stddev sqrt(rate / (1 - rate))");
        break;
    }
    if (shared) {
        sb_printf(&draws, "%ld", count);
        sb_add(&at, "0");
    } else {
        sb_printf(&draws, "(long)n * %ld", count);
        sb_printf(&at, "(long)s * %ld", count);
    }
    const char *kv[] = {
        "WHAT", what.data,
        "DRAWS", draws.data,
        "DRAW", draw.data,
        "NOISE_AT", at.data,
        "APPLY", apply.data,
        "DAPPLY", dapply.data,
        NULL,
    };
    train_kernel(te, s, "train_noise.c", kv);
    free(m);
    sb_free(&idx);
    sb_free(&draw);
    sb_free(&apply);
    sb_free(&dapply);
    sb_free(&draws);
    sb_free(&at);
    sb_free(&what);
}

/* A layer with nothing to add in training behaves as the identity: a
 * rate or stddev of 0, or a rate of 1 where tf.keras skips the noise
 * (GaussianDropout, AlphaDropout: "if 0 < rate < 1"). */
static void noise_or_copy(TEmit *te, const TStep *s, NoiseKind kind, bool active)
{
    if (active) {
        noise_train(te, s, kind);
    } else {
        const char *kv[] = {NULL};
        train_kernel(te, s, "train_copy.c", kv);
    }
}

void dropout_noise_train(TEmit *te, const TStep *s)
{
    noise_or_copy(te, s, NOISE_DROPOUT, s->layer->rate > 0);
}

static void spatial_dropout_train(TEmit *te, const TStep *s)
{
    noise_or_copy(te, s, NOISE_DROPOUT, s->layer->rate > 0);
}

static void gaussian_noise_train(TEmit *te, const TStep *s)
{
    noise_or_copy(te, s, NOISE_GAUSSIAN, s->layer->stddev > 0);
}

static void gaussian_dropout_train(TEmit *te, const TStep *s)
{
    noise_or_copy(te, s, NOISE_GAUSSIAN_DROPOUT, s->layer->rate > 0 && s->layer->rate < 1);
}

static void alpha_dropout_train(TEmit *te, const TStep *s)
{
    noise_or_copy(te, s, NOISE_ALPHA, s->layer->rate > 0 && s->layer->rate < 1);
}

static void copy_train(TEmit *te, const TStep *s)
{
    const char *kv[] = {NULL};
    train_kernel(te, s, "train_copy.c", kv);
}

/* ---- Keras 2 JSON ------------------------------------------------------ */

static cJSON *init_json(const Param *p, kcc_init_kind def)
{
    kcc_initializer in;
    if (p)
        in = p->init;
    else
        kcc_init_defaults(&in, def);
    return initializer_json(&in);
}

static cJSON *noise_shape_json(const Layer *l)
{
    if (!l->noise_shape)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < l->noise_rank; i++)
        cJSON_AddItemToArray(a, l->noise[i] < 0 ? cJSON_CreateNull()
                                                : cJSON_CreateNumber((double)l->noise[i]));
    return a;
}

bool norm_keras_config(const Model *m, const Layer *l, cJSON *c)
{
    const char *type = l->op->name;
    (void)m;
    if (strcmp(type, "BatchNormalization") == 0) {
        cJSON_AddNumberToObject(c, "axis", l->norm_axis + 1);
        cJSON_AddNumberToObject(c, "momentum", l->momentum);
        cJSON_AddNumberToObject(c, "epsilon", l->epsilon);
        cJSON_AddBoolToObject(c, "center", l->center);
        cJSON_AddBoolToObject(c, "scale", l->scale);
        const Param *g = param_named(l, "gamma"), *b = param_named(l, "beta");
        cJSON_AddItemToObject(c, "beta_initializer", init_json(b, KCC_INIT_ZEROS));
        cJSON_AddItemToObject(c, "gamma_initializer", init_json(g, KCC_INIT_ONES));
        cJSON_AddItemToObject(c, "moving_mean_initializer",
                              init_json(param_named(l, "moving_mean"), KCC_INIT_ZEROS));
        cJSON_AddItemToObject(c, "moving_variance_initializer",
                              init_json(param_named(l, "moving_variance"), KCC_INIT_ONES));
        cJSON_AddItemToObject(c, "beta_regularizer", regularizer_json(b));
        cJSON_AddItemToObject(c, "gamma_regularizer", regularizer_json(g));
        cJSON_AddNullToObject(c, "beta_constraint");
        cJSON_AddNullToObject(c, "gamma_constraint");
    } else if (strncmp(type, "SpatialDropout", 14) == 0) {
        cJSON_AddNumberToObject(c, "rate", l->rate);
        cJSON_AddNullToObject(c, "noise_shape");
        cJSON_AddNullToObject(c, "seed");
        if (type[14] != '1')
            cJSON_AddStringToObject(c, "data_format", l->format == FMT_CHANNELS_FIRST
                                                          ? "channels_first" : "channels_last");
    } else if (strcmp(type, "GaussianNoise") == 0) {
        cJSON_AddNumberToObject(c, "stddev", l->stddev);
        cJSON_AddNullToObject(c, "seed");
    } else if (strcmp(type, "GaussianDropout") == 0) {
        cJSON_AddNumberToObject(c, "rate", l->rate);
        cJSON_AddNullToObject(c, "seed");
    } else if (strcmp(type, "AlphaDropout") == 0) {
        cJSON_AddNumberToObject(c, "rate", l->rate);
        cJSON_AddItemToObject(c, "noise_shape", noise_shape_json(l));
        cJSON_AddNullToObject(c, "seed");
    } else if (strcmp(type, "ActivityRegularization") == 0) {
        cJSON_AddNumberToObject(c, "l1", l->act_l1);
        cJSON_AddNumberToObject(c, "l2", l->act_l2);
    } else if (strcmp(type, "Dropout") == 0) {
        /* ops.c's, with what this file adds to it. */
        cJSON_AddNumberToObject(c, "rate", l->rate);
        cJSON_AddItemToObject(c, "noise_shape", noise_shape_json(l));
        cJSON_AddNullToObject(c, "seed");
    } else {
        return false;
    }
    return true;
}

/* ---- the table --------------------------------------------------------- */

const OpDef norm_ops[] = {
    {"BatchNormalization", OPF_EPILOGUE, bn_parse, bn_infer, bn_macs, bn_emit, NULL, NULL, bn_aux,
     bn_train},
    {"SpatialDropout1D", OPF_IDENTITY, spatial_dropout_parse, spatial_dropout_infer, NULL, NULL,
     NULL, NULL, noise_aux, spatial_dropout_train},
    {"SpatialDropout2D", OPF_IDENTITY, spatial_dropout_parse, spatial_dropout_infer, NULL, NULL,
     NULL, NULL, noise_aux, spatial_dropout_train},
    {"SpatialDropout3D", OPF_IDENTITY, spatial_dropout_parse, spatial_dropout_infer, NULL, NULL,
     NULL, NULL, noise_aux, spatial_dropout_train},
    {"GaussianNoise", OPF_IDENTITY, gaussian_noise_parse, op_same_infer, NULL, NULL, NULL, NULL,
     noise_aux, gaussian_noise_train},
    {"GaussianDropout", OPF_IDENTITY, gaussian_dropout_parse, op_same_infer, NULL, NULL, NULL,
     NULL, noise_aux, gaussian_dropout_train},
    {"AlphaDropout", OPF_IDENTITY, alpha_dropout_parse, op_same_infer, NULL, NULL, NULL,
     NULL, noise_aux, alpha_dropout_train},
    {"ActivityRegularization", OPF_IDENTITY, activity_regularization_parse, op_same_infer, NULL,
     NULL, NULL, NULL, NULL, copy_train},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
