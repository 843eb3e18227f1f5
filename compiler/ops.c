/*
 * ops.c - the op table: one row per Keras layer type.
 *
 * A row gives the layer's config parser, its shape rule (which also
 * declares its parameters), its multiply-accumulate count and its C
 * emitter, whose kernel text lives in templates/<name>.c.in.  To add a
 * layer: copy a template, write these functions, add a row, add tests.
 */
#include "compiler.h"

#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Declares parameter k of layer l. */
Param *layer_add_param(Layer *l, const char *name, bool trainable)
{
    KCC_ASSERT(l->nparams < MAX_PARAMS);
    Param *p = &l->params[l->nparams++];
    memset(p, 0, sizeof *p);
    p->name = name;
    p->trainable = trainable && l->trainable;
    kcc_init_defaults(&p->init, KCC_INIT_ZEROS);
    return p;
}

int layer_param_index(const Layer *l, const char *name)
{
    for (int i = 0; i < l->nparams; i++)
        if (strcmp(l->params[i].name, name) == 0)
            return i;
    return -1;
}

Param *layer_find_param(Layer *l, const char *name)
{
    int i = layer_param_index(l, name);
    return i < 0 ? NULL : &l->params[i];
}

static void prelu_index(StrBuf *idx, const Layer *l, const Shape *in);

const char *op_num(char *buf, long v)
{
    snprintf(buf, 32, "%ld", v);
    return buf;
}

/* Keys that only matter for training: regularizers become part of the
 * loss; constraints are read and ignored (not supported yet). */
void layer_training_keys(CfgReader *r, Layer *l)
{
    Param *k = layer_find_param(l, "kernel");
    Param *b = layer_find_param(l, "bias");
    Param scratch;
    cfg_regularizer(r, k ? k : &scratch, "kernel_regularizer", "W_regularizer");
    cfg_regularizer(r, b ? b : &scratch, "bias_regularizer", "b_regularizer");
    activity_regularizer_parse(r, l);
    cfg_ignore(r, "kernel_constraint", "bias_constraint", "W_constraint", "b_constraint",
               (char *)NULL);
}

/* ---- InputLayer -------------------------------------------------------- */

static void input_parse(CfgReader *r, Layer *l)
{
    (void)l;
    if (cfg_bool(r, "sparse", false))
        layer_error(r->m, l, "config.sparse", "sparse inputs are not supported");
    if (cfg_bool(r, "ragged", false))
        layer_error(r->m, l, "config.ragged", "ragged inputs are not supported");
    cfg_ignore(r, "optional", "input_tensor", (char *)NULL);
}

/* ---- Dense ------------------------------------------------------------- */

static void dense_parse(CfgReader *r, Layer *l)
{
    const char *key = "units";
    const cJSON *v = cfg_take(r, &key, "units", "output_dim", (char *)NULL);
    l->units = 0;
    if (!v) {
        layer_error(r->m, l, "config.units", "missing (expected a positive integer)");
        l->ok = false;
    } else {
        /* Reread through cfg_int for the range check and message. */
        l->units = cfg_int(r, key, 0, 1, INT_MAX);
    }
    cfg_activation(r, "activation", &l->act);
    l->use_bias = cfg_bool(r, "use_bias", true);
    if (cJSON_GetObjectItemCaseSensitive(r->obj, "bias"))
        l->use_bias = cfg_bool(r, "bias", true);
    Param *k = layer_add_param(l, "kernel", true);
    cfg_initializer(r, k, "kernel_initializer", "init", "glorot_uniform");
    Param *b = layer_add_param(l, "bias", true);
    cfg_initializer(r, b, "bias_initializer", NULL, "zeros");
    if (!l->use_bias)
        l->nparams = 1;
    const cJSON *lora = cfg_take(r, NULL, "lora_rank", (char *)NULL);
    if (lora) {
        layer_error(r->m, l, "config.lora_rank", "LoRA-adapted Dense layers are not supported");
        l->ok = false;
    }
    cfg_ignore(r, "lora_alpha", (char *)NULL);
    const cJSON *q = cfg_take(r, NULL, "quantization_config", (char *)NULL);
    if (q) {
        layer_error(r->m, l, "config.quantization_config",
                    "Keras-quantized Dense layers are not supported");
        l->ok = false;
    }
    layer_training_keys(r, l);
}

static bool dense_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    (void)m;
    long n = in->dim[in->rank - 1];
    Param *k = layer_find_param(l, "kernel");
    k->shape.rank = 2;
    k->shape.dim[0] = n;
    k->shape.dim[1] = l->units;
    if (l->use_bias) {
        Param *b = layer_find_param(l, "bias");
        b->shape.rank = 1;
        b->shape.dim[0] = l->units;
    }
    *out = *in;
    out->dim[out->rank - 1] = l->units;
    l->act.axis = out->rank - 1; /* a softmax activation is along units */
    return true;
}

static long dense_macs(const Model *m, const Layer *l)
{
    const Shape *in = &m->values[l->input].shape;
    return shape_count(in) * l->units;
}

static void dense_emit(Emit *e, const Step *s)
{
    const Layer *l = s->layer;
    const Shape *in = &e->plan->m->values[s->in].shape;
    long n = in->dim[in->rank - 1];
    char rows[32], ins[32], units[32];
    StrBuf bias = {0}, row = {0}, after = {0};
    if (l->use_bias)
        sb_printf(&bias, "%s[j]", emit_param(e, l, 1));
    else
        emit_literal(&bias, e->dl, 0.0);
    /* Element-wise activations run on each row as it is finished; a
     * softmax (along an axis of a possibly reshaped output) after all. */
    sb_add(&row, "");
    sb_add(&after, "");
    if (epilogue_elementwise(s))
        emit_epilogue(e, &row, s, "yr", "yr", l->units);
    else
        emit_epilogue(e, &after, s, "y", "y", 0);
    const char *kv[] = {
        "ROWS", op_num(rows, shape_count(in) / n),
        "IN", op_num(ins, n),
        "UNITS", op_num(units, l->units),
        "KERNEL", emit_param(e, l, 0),
        "BIAS", bias.data,
        "ROW_EPILOGUE", row.data,
        "EPILOGUE", after.data,
        NULL,
    };
    emit_kernel(e, s, "dense.c", kv);
    sb_free(&bias);
    sb_free(&row);
    sb_free(&after);
}

/* ---- activation layers ------------------------------------------------- */

static void activation_parse(CfgReader *r, Layer *l)
{
    if (!cJSON_GetObjectItemCaseSensitive(r->obj, "activation")) {
        layer_error(r->m, l, "config.activation", "missing (expected an activation name)");
        l->ok = false;
    }
    cfg_activation(r, "activation", &l->act);
}

static void relu_parse(CfgReader *r, Layer *l)
{
    const cJSON *mv = cfg_take(r, NULL, "max_value", (char *)NULL);
    memset(&l->act, 0, sizeof l->act);
    l->act.max_value = 0;
    if (mv) {
        l->act.has_max = true;
        l->act.max_value = cfg_num(r, "max_value", 0, 0, DBL_MAX);
    }
    l->act.alpha = cfg_num(r, "negative_slope", 0, 0, DBL_MAX);
    l->act.threshold = cfg_num(r, "threshold", 0, 0, DBL_MAX);
    if (l->act.alpha == 0 && l->act.threshold == 0 && !l->act.has_max)
        l->act.kind = ACT_RELU;
    else if (l->act.alpha == 0 && l->act.threshold == 0 && l->act.max_value == 6)
        l->act.kind = ACT_RELU6;
    else
        l->act.kind = ACT_RELU_EX;
}

static void leaky_relu_parse(CfgReader *r, Layer *l)
{
    memset(&l->act, 0, sizeof l->act);
    l->act.kind = ACT_LEAKY_RELU;
    /* tf.keras says alpha, Keras 3 negative_slope; both default to 0.3. */
    const char *key = "alpha";
    const cJSON *v = cfg_take(r, &key, "negative_slope", "alpha", (char *)NULL);
    l->act.alpha = 0.3;
    if (v)
        l->act.alpha = cfg_num(r, key, 0.3, -DBL_MAX, DBL_MAX);
}

static void elu_parse(CfgReader *r, Layer *l)
{
    memset(&l->act, 0, sizeof l->act);
    l->act.kind = ACT_ELU;
    l->act.alpha = cfg_num(r, "alpha", 1.0, -DBL_MAX, DBL_MAX);
}

static void softmax_parse(CfgReader *r, Layer *l)
{
    memset(&l->act, 0, sizeof l->act);
    l->act.kind = ACT_SOFTMAX;
    l->axis_raw = (int)cfg_int(r, "axis", -1, -MAX_RANK - 1, MAX_RANK);
}

/* Activation layers keep their shape; Softmax resolves its axis. */
static bool activation_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    *out = *in;
    if (l->act.kind == ACT_SOFTMAX || l->act.kind == ACT_LOG_SOFTMAX) {
        int axis = l->op->parse == softmax_parse ? l->axis_raw : -1;
        /* Keras axes count the batch axis: -1 is the last, 1 the first
         * axis of a sample; 0 (the batch) cannot be normalized here. */
        int full = axis < 0 ? axis + in->rank + 1 : axis;
        if (full < 1 || full > in->rank) {
            layer_error(m, l, "config.axis",
                        "axis %d does not name a non-batch axis of an input of shape %s",
                        axis, shape_str(in, (char[96]){0}, 96));
            return false;
        }
        l->act.axis = full - 1;
    }
    return true;
}

static void activation_emit(Emit *e, const Step *s)
{
    StrBuf apply = {0};
    sb_add(&apply, "");
    emit_epilogue(e, &apply, s, "x", "y", 0);
    const char *kv[] = {"APPLY", apply.data, NULL};
    emit_kernel(e, s, "activation.c", kv);
    sb_free(&apply);
}

/* ---- PReLU ------------------------------------------------------------- */

static void prelu_parse(CfgReader *r, Layer *l)
{
    Param *a = layer_add_param(l, "alpha", true);
    cfg_initializer(r, a, "alpha_initializer", NULL, "zeros");
    cfg_regularizer(r, a, "alpha_regularizer", NULL);
    cfg_ignore(r, "alpha_constraint", (char *)NULL);
    l->shared_axes = 0;
    const cJSON *v = cfg_take(r, NULL, "shared_axes", (char *)NULL);
    if (!v)
        return;
    long ax;
    if (cJSON_IsNumber(v)) {
        if (!json_integer(v, &ax) || ax < 1 || ax > MAX_RANK) {
            layer_error(r->m, l, "config.shared_axes", "expected axes from 1 to %d", MAX_RANK);
            l->ok = false;
            return;
        }
        l->shared_axes |= 1u << (ax - 1);
        return;
    }
    if (!cJSON_IsArray(v)) {
        char *repr = json_repr(v);
        layer_error(r->m, l, "config.shared_axes", "expected a list of axes, got %s", repr);
        free(repr);
        l->ok = false;
        return;
    }
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        if (!json_integer(it, &ax) || ax < 1 || ax > MAX_RANK) {
            char *repr = json_repr(it);
            layer_error(r->m, l, "config.shared_axes", "expected axes from 1 to %d, got %s",
                        MAX_RANK, repr);
            free(repr);
            l->ok = false;
            return;
        }
        l->shared_axes |= 1u << (ax - 1);
    }
}

static bool prelu_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    if (l->shared_axes >> in->rank) {
        char b[96];
        int top = 0;
        for (unsigned bits = l->shared_axes; bits; bits >>= 1)
            top++;
        layer_error(m, l, "config.shared_axes",
                    "expected axes from 1 to %d (the input %s has rank %d), got axis %d",
                    in->rank, shape_str(in, b, sizeof b), in->rank, top);
        return false;
    }
    Param *a = layer_find_param(l, "alpha");
    a->shape = *in;
    for (int i = 0; i < in->rank; i++)
        if (l->shared_axes & (1u << i))
            a->shape.dim[i] = 1;
    *out = *in;
    return true;
}

static void prelu_emit(Emit *e, const Step *s)
{
    const Layer *l = s->layer;
    const Shape *in = &e->plan->m->values[s->in].shape;
    StrBuf idx = {0};
    prelu_index(&idx, l, in);
    char n[32];
    const char *kv[] = {
        "N", op_num(n, shape_count(in)),
        "ALPHA", emit_param(e, l, 0),
        "AIDX", idx.data,
        NULL,
    };
    emit_kernel(e, s, "prelu.c", kv);
    sb_free(&idx);
}

/* ---- Dropout ----------------------------------------------------------- */

static void dropout_parse(CfgReader *r, Layer *l)
{
    const char *key = "rate";
    const cJSON *v = cfg_take(r, &key, "rate", "p", (char *)NULL);
    l->rate = 0;
    if (v)
        l->rate = cfg_num(r, key, 0, 0, 1);
    noise_shape_parse(r, l);
    cfg_ignore(r, "seed", (char *)NULL);
}

bool op_same_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    (void)m;
    (void)l;
    *out = *in;
    return true;
}

/* ---- Flatten ----------------------------------------------------------- */

static void flatten_parse(CfgReader *r, Layer *l)
{
    l->format = cfg_data_format(r);
}

static bool flatten_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    (void)m;
    (void)l;
    out->rank = 1;
    out->dim[0] = shape_count(in);
    return true;
}

/* Keras's Flatten moves the channels of channels_first data last before
 * flattening; only then does it move data. */
static bool flatten_is_view(const Model *m, const Layer *l)
{
    return l->format == FMT_CHANNELS_LAST || m->values[l->input].shape.rank < 2;
}

static void flatten_emit(Emit *e, const Step *s)
{
    const Shape *in = &e->plan->m->values[s->in].shape;
    char c[32], sp[32];
    const char *kv[] = {
        "C", op_num(c, in->dim[0]),
        "S", op_num(sp, shape_count(in) / in->dim[0]),
        NULL,
    };
    emit_kernel(e, s, "flatten_channels_first.c", kv);
}

/* ---- Reshape ----------------------------------------------------------- */

static void reshape_parse(CfgReader *r, Layer *l)
{
    const cJSON *v = cfg_take(r, NULL, "target_shape", (char *)NULL);
    l->target.rank = 0;
    if (!v || !cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 ||
        cJSON_GetArraySize(v) > MAX_RANK) {
        char *want = xformat("a list of 1 to %d sizes", MAX_RANK);
        char *msg = expect_got(want, v);
        layer_error(r->m, l, "config.target_shape", "%s", msg);
        free(msg);
        free(want);
        l->ok = false;
        return;
    }
    int unknown = 0, i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        long d = -1;
        /* -1 is inferred; TF.js writes it as null. */
        bool okd = cJSON_IsNull(it) ||
                   (json_integer(it, &d) && (d == -1 || (d >= 1 && d <= INT_MAX)));
        if (!okd) {
            char *repr = json_repr(it);
            char *path = xformat("config.target_shape[%d]", i);
            layer_error(r->m, l, path, "expected a positive size or -1, got %s", repr);
            free(path);
            free(repr);
            l->ok = false;
            return;
        }
        if (d == -1)
            unknown++;
        l->target.dim[l->target.rank++] = d;
    }
    if (unknown > 1) {
        char *repr = json_repr(v);
        layer_error(r->m, l, "config.target_shape",
                    "expected at most one -1 (an inferred size), got %s", repr);
        free(repr);
        l->ok = false;
    }
}

static bool reshape_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    long have = shape_count(in), known = 1;
    int unknown = -1;
    for (int i = 0; i < l->target.rank; i++) {
        if (l->target.dim[i] == -1)
            unknown = i;
        else if (known <= have) /* beyond have it cannot fit anyway */
            known *= l->target.dim[i];
    }
    *out = l->target;
    char b1[96], b2[96];
    if (unknown >= 0) {
        if (have % known != 0) {
            layer_error(m, l, "config.target_shape",
                        "cannot reshape %ld values (input %s) into %s", have,
                        shape_str(in, b1, sizeof b1), dims_str(&l->target, b2, sizeof b2));
            return false;
        }
        out->dim[unknown] = have / known;
    } else if (known != have) {
        layer_error(m, l, "config.target_shape", "cannot reshape %ld values (input %s) into %s",
                    have, shape_str(in, b1, sizeof b1), dims_str(&l->target, b2, sizeof b2));
        return false;
    }
    return true;
}

static bool always_view(const Model *m, const Layer *l)
{
    (void)m;
    (void)l;
    return true;
}

/* ---- copy ------------------------------------------------------------- */

static void copy_emit(Emit *e, const Step *s)
{
    char n[32];
    const char *kv[] = {"N", op_num(n, shape_count(&e->plan->m->values[s->in].shape)), NULL};
    emit_kernel(e, s, "copy.c", kv);
}

static const OpDef copy_op = {"(copy)", 0, NULL, NULL, NULL, copy_emit, NULL, NULL, NULL, NULL};

const OpDef *op_copy(void)
{
    return &copy_op;
}

/* ---- training ----------------------------------------------------------- */

/* Training scratch: dy^T and dx^T for the backward pass's dx. */
static long dense_train_aux(const Model *m, const Layer *l, int batch)
{
    const Shape *in = &m->values[l->input].shape;
    long n = in->dim[in->rank - 1];
    return (long)batch * (shape_count(in) / n) * (n + l->units);
}

static void dense_train(TEmit *te, const TStep *s)
{
    const Layer *l = s->layer;
    long n = s->in_shape.dim[s->in_shape.rank - 1];
    char b[5][32];
    StrBuf bias = {0}, dbias = {0};
    sb_add(&dbias, "");
    if (l->use_bias) {
        long boff = train_param(te, l, 1);
        sb_printf(&bias, "p + %ld", boff);
        sb_printf(&dbias, "for (long r = 0; r < rows; r++)\n    for (int j = 0; j < %ld; j++)\n"
                          "        g[%ld + j] += dy[r * %ld + j];", l->units, boff, l->units);
    } else {
        sb_add(&bias, "NULL");
    }
    gemm_library(te->out, &te->gemm_emitted, "float", true);
    const char *kv[] = {
        "ROWS", op_num(b[0], shape_count(&s->in_shape) / n),
        "IN", op_num(b[1], n),
        "UNITS", op_num(b[2], l->units),
        "KERNEL", op_num(b[3], train_param(te, l, 0)),
        "BIAS_PTR", bias.data,
        "DBIAS", dbias.data,
        "BPT", op_num(b[4], par_chunk(6 * n * l->units)),
        NULL,
    };
    train_kernel(te, s, "train_dense.c", kv);
    sb_free(&bias);
    sb_free(&dbias);
}

/* alpha's index for element i of a sample: its non-shared coordinates. */
static void prelu_index(StrBuf *idx, const Layer *l, const Shape *in)
{
    long stride = 1, astride = 1;
    bool any = false;
    for (int k = in->rank - 1; k >= 0; k--) {
        long d = in->dim[k];
        if (!(l->shared_axes & (1u << k)) && d > 1) {
            if (any)
                sb_add(idx, " + ");
            any = true;
            if (stride == 1)
                sb_printf(idx, "(i %% %ld)", d);
            else
                sb_printf(idx, "(i / %ld %% %ld)", stride, d);
            if (astride != 1)
                sb_printf(idx, " * %ld", astride);
            astride *= d;
        }
        stride *= d;
    }
    if (!any)
        sb_add(idx, "0");
}

static void prelu_train(TEmit *te, const TStep *s)
{
    StrBuf idx = {0};
    prelu_index(&idx, s->layer, &s->in_shape);
    char b[32];
    const char *kv[] = {"ALPHA", op_num(b, train_param(te, s->layer, 0)), "AIDX", idx.data, NULL};
    train_kernel(te, s, "train_prelu.c", kv);
    sb_free(&idx);
}

static long dropout_aux(const Model *m, const Layer *l, int batch)
{
    return shape_count(&m->values[l->output].shape) * batch; /* the mask */
}

static void dropout_train(TEmit *te, const TStep *s)
{
    const Layer *l = s->layer;
    if (l->noise_shape) {
        dropout_noise_train(te, s); /* ops_norm.c */
        return;
    }
    static const Dialect f32 = {"float", "f", "f", 9};
    StrBuf rate = {0}, scale = {0};
    emit_literal(&rate, &f32, l->rate);
    emit_literal(&scale, &f32, l->rate < 1 ? 1.0 / (1.0 - l->rate) : 0.0);
    const char *kv[] = {"RATE", rate.data, "SCALE", scale.data, NULL};
    train_kernel(te, s, "train_dropout.c", kv);
    sb_free(&rate);
    sb_free(&scale);
}

static void flatten_train(TEmit *te, const TStep *s)
{
    char c[32], sp[32];
    const char *kv[] = {
        "C", op_num(c, s->in_shape.dim[0]),
        "S", op_num(sp, shape_count(&s->in_shape) / s->in_shape.dim[0]),
        NULL,
    };
    train_kernel(te, s, "train_transpose.c", kv);
}

/* Activation layers train as the built-in activation step. */
static void activation_train(TEmit *te, const TStep *s)
{
    (void)te;
    (void)s;
    internal_error(__FILE__, __LINE__, "activation layers are built-in training steps");
}

/* ---- the table --------------------------------------------------------- */

static const OpDef ops[] = {
    {"InputLayer", OPF_INPUT, input_parse, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"Dense", OPF_EPILOGUE | OPF_OWN_ACTIVATION, dense_parse, dense_infer, dense_macs, dense_emit,
     NULL, NULL, dense_train_aux, dense_train},
    {"Activation", OPF_ACTIVATION, activation_parse, activation_infer, NULL, activation_emit, NULL,
     NULL, NULL, activation_train},
    {"ReLU", OPF_ACTIVATION, relu_parse, activation_infer, NULL, activation_emit, NULL, NULL,
     NULL, activation_train},
    {"LeakyReLU", OPF_ACTIVATION, leaky_relu_parse, activation_infer, NULL, activation_emit, NULL,
     NULL, NULL, activation_train},
    {"ELU", OPF_ACTIVATION, elu_parse, activation_infer, NULL, activation_emit, NULL, NULL, NULL,
     activation_train},
    {"Softmax", OPF_ACTIVATION, softmax_parse, activation_infer, NULL, activation_emit, NULL, NULL,
     NULL, activation_train},
    {"PReLU", OPF_EPILOGUE, prelu_parse, prelu_infer, NULL, prelu_emit, NULL, NULL, NULL,
     prelu_train},
    {"Dropout", OPF_IDENTITY, dropout_parse, op_same_infer, NULL, NULL, NULL, NULL, dropout_aux,
     dropout_train},
    {"Flatten", OPF_VIEW, flatten_parse, flatten_infer, NULL, flatten_emit, flatten_is_view, NULL,
     NULL, flatten_train},
    {"Reshape", OPF_VIEW, reshape_parse, reshape_infer, NULL, NULL, always_view, NULL, NULL, NULL},
};

/* Every family's rows: this file's, then each ops_*.c's (ended by a row
 * without a name). */
static const OpDef *const families[] = {conv_ops, pool_ops, norm_ops};

const OpDef *op_lookup(const char *class_name)
{
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(ops[i].name, class_name) == 0)
            return &ops[i];
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const OpDef *o = families[f]; o->name; o++)
            if (strcmp(o->name, class_name) == 0)
                return o;
    return NULL;
}

const char *const *op_names(void)
{
    static const char *names[sizeof ops / sizeof *ops + 256];
    if (!names[0]) {
        int n = 0;
        for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
            names[n++] = ops[i].name;
        for (size_t f = 0; f < sizeof families / sizeof *families; f++)
            for (const OpDef *o = families[f]; o->name; o++) {
                KCC_ASSERT(n + 1 < (int)(sizeof names / sizeof *names));
                names[n++] = o->name;
            }
    }
    return names;
}

/* Keras layers kcc does not compile yet (so the message says "not
 * supported yet" rather than "unknown"). */
static const char *const unsupported[] = {
    "Deconvolution2D", "Deconvolution3D", "LayerNormalization", "GroupNormalization",
    "UnitNormalization", "Normalization", "Rescaling", "ThresholdedReLU",
    "SimpleRNN", "LSTM", "GRU", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM2D", "Bidirectional",
    "TimeDistributed", "RNN", "Embedding", "Masking", "RepeatVector", "Permute",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "Merge", "Attention", "AdditiveAttention", "MultiHeadAttention", "TFOpLambda",
    "SlicingOpLambda", "LocallyConnected1D", "LocallyConnected2D", "Lambda",
};

bool op_known_unsupported(const char *class_name)
{
    if (op_lookup(class_name))
        return false;
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if (strcmp(unsupported[i], class_name) == 0)
            return true;
    return false;
}

const char *op_suggest(const char *class_name)
{
    enum { NOPS = sizeof ops / sizeof *ops, NUNS = sizeof unsupported / sizeof *unsupported };
    const char *names[NOPS + NUNS + 128];
    int n = 0;
    for (int i = 0; i < NOPS; i++)
        names[n++] = ops[i].name;
    for (size_t f = 0; f < sizeof families / sizeof *families; f++)
        for (const OpDef *o = families[f]; o->name && n < NOPS + 128; o++)
            names[n++] = o->name;
    for (int i = 0; i < NUNS; i++)
        names[n++] = unsupported[i];
    return closest_name(class_name, names, n);
}
