/*
 * ops_conv.c - the op table's rows for convolutions: Conv1D/2D/3D (and
 * Keras 1's Convolution1D/2D/3D, AtrousConvolution1D/2D),
 * DepthwiseConv1D/2D, SeparableConv1D/2D and Conv1D/2D/3DTranspose.
 *
 * Every layer is written for three spatial axes (sizes of 1 beyond its
 * own) and indexes its input and output through layout strides
 * (spatial.c), so one kernel text serves 1D, 2D and 3D, channels_last and
 * channels_first.  Parameters keep Keras's names and shapes:
 *
 *   Conv            kernel [k..., C/groups, F], bias [F]
 *   DepthwiseConv   depthwise_kernel [k..., C, M], bias [C*M]
 *   SeparableConv   depthwise_kernel [k..., C, M], pointwise_kernel
 *                   [1..., C*M, F], bias [F]
 *   ConvTranspose   kernel [k..., F, C], bias [F]
 *
 * (Keras 1 with dim_ordering "th" stored its kernels [F, C, k...]; kcc
 * reads weights only from TF.js manifests, which use the layout above.)
 *
 * Inference: which kernel a layer gets.  The rule, per layer:
 *
 *   - Conv with groups == 1, at least 4 output positions and at least 8
 *     filters: im2col + matrix multiply, the patch matrix implicit.  Row
 *     p of the patch matrix is the input under the kernel at output
 *     position p; kcc_gemm6 (templates/gemm.c.in) reads it where it lies,
 *     through a list of tap offsets, six rows at a time against a register
 *     tile of the kernel (each kernel vector loaded serves six outputs).
 *     When the kernel reaches outside the input (padding "same" or
 *     "causal"), the input is first copied, with its zeros, into scratch
 *     (channels_first adds a tile of six output rows there).  On
 *     channels_last data the innermost kernel axis and the channels are
 *     one contiguous run of the row.  With --blas the patches of up to 64
 *     positions (at most 16384 floats) are copied to scratch and
 *     cblas_sgemm (cblas_dgemm) multiplies; a 1x1 kernel with stride 1
 *     and no padding on channels_last data needs no copy.
 *   - Every other Conv (groups, few filters, one or two output
 *     positions): direct convolution, no scratch.  Per output position
 *     the kernel rows of the taps inside the input are accumulated into
 *     the output channels (contiguous in the kernel, and in the output
 *     for channels_last).
 *   - DepthwiseConv: direct, vectorized over channels.
 *   - SeparableConv: the depthwise part (direct) into scratch, laid out
 *     channels_last, then the pointwise part as a matrix multiply (by
 *     CBLAS with --blas).
 *   - ConvTranspose: gather form (each output position sums the taps
 *     whose input position falls on the stride grid), with the kernel
 *     transposed once per call into scratch so that the innermost loop
 *     runs over output channels.
 *
 * channels_first outputs go through a small tile (or the local
 * accumulator of a position) and are stored strided; an element-wise
 * epilogue runs on each output row of channels_last data while it is in
 * cache, any other after the whole output.
 *
 * Training (float32) uses im2col + matrix multiplies blocked by four rows
 * for Conv and ConvTranspose (whose forward pass is a convolution's
 * col2im), direct loops for the depthwise parts; channels_first samples
 * are transposed to channels_last around the kernels.  The layer's own
 * activation is a step of its own there (emit_train.c); at inference it
 * leads the step's epilogue (with_own_act).
 */
#include "compiler.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef enum ConvKind { CK_CONV, CK_DEPTHWISE, CK_SEPARABLE, CK_TRANSPOSE } ConvKind;

/* What a row of the table is: kind, spatial axes, Keras 1 spelling. */
typedef struct ConvRow {
    const char *name;
    ConvKind kind;
    int n;
    bool keras1;
    bool atrous;                /* Keras 1 AtrousConvolution: atrous_rate */
} ConvRow;

static const ConvRow conv_rows[] = {
    {"Conv1D", CK_CONV, 1, false, false},
    {"Conv2D", CK_CONV, 2, false, false},
    {"Conv3D", CK_CONV, 3, false, false},
    {"Convolution1D", CK_CONV, 1, true, false},
    {"Convolution2D", CK_CONV, 2, true, false},
    {"Convolution3D", CK_CONV, 3, true, false},
    {"AtrousConvolution1D", CK_CONV, 1, true, true},
    {"AtrousConvolution2D", CK_CONV, 2, true, true},
    {"DepthwiseConv1D", CK_DEPTHWISE, 1, false, false},
    {"DepthwiseConv2D", CK_DEPTHWISE, 2, false, false},
    {"SeparableConv1D", CK_SEPARABLE, 1, false, false},
    {"SeparableConv2D", CK_SEPARABLE, 2, false, false},
    {"Conv1DTranspose", CK_TRANSPOSE, 1, false, false},
    {"Conv2DTranspose", CK_TRANSPOSE, 2, false, false},
    {"Conv3DTranspose", CK_TRANSPOSE, 3, false, false},
};

static const ConvRow *row_of(const Layer *l)
{
    for (size_t i = 0; i < sizeof conv_rows / sizeof *conv_rows; i++)
        if (strcmp(conv_rows[i].name, l->op->name) == 0)
            return &conv_rows[i];
    internal_error(__FILE__, __LINE__, l->op->name);
}

/* ---- reading the config ------------------------------------------------- */

static void bad(CfgReader *r, const char *path, const char *fmt, ...) KCC_PRINTF(3, 4);

static void bad(CfgReader *r, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    StrBuf sb = {0};
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    layer_error(r->m, r->l, path, "%s", sb.data);
    sb_free(&sb);
    r->l->ok = false;
}

/* A positive integer under one of two keys (Keras 2 and Keras 1). */
static long required_int(CfgReader *r, const char *key, const char *key1)
{
    const char *used = key;
    const cJSON *v = cfg_take(r, &used, key, key1, (char *)NULL);
    if (!v) {
        char *path = xformat("config.%s", key);
        bad(r, path, "%s", "missing (expected a positive integer)");
        free(path);
        return 0;
    }
    return cfg_int(r, used, 0, 1, INT_MAX);
}

/* kernel_size, or Keras 1's filter_length / nb_row, nb_col /
 * kernel_dim1..3. */
static void parse_kernel_size(CfgReader *r, Layer *l, int n, bool keras1)
{
    static const int ones[3] = {1, 1, 1};
    static const char *const k1[3][3] = {
        {"filter_length", NULL, NULL},
        {"nb_row", "nb_col", NULL},
        {"kernel_dim1", "kernel_dim2", "kernel_dim3"},
    };
    if (cfg_take(r, NULL, "kernel_size", (char *)NULL)) {
        cfg_ints(r, "kernel_size", n, ones, 1, l->kernel);
        return;
    }
    if (cfg_take(r, NULL, k1[n - 1][0], (char *)NULL)) {
        for (int i = 0; i < n; i++)
            l->kernel[i] = (int)required_int(r, k1[n - 1][i], NULL);
        return;
    }
    if (keras1) {
        for (int i = 0; i < n; i++)
            l->kernel[i] = (int)required_int(r, k1[n - 1][i], NULL);
        return;
    }
    bad(r, "config.kernel_size", "%s", "missing (expected an integer or a list of sizes)");
}

/* padding, or Keras 1's border_mode. */
static Padding parse_padding(CfgReader *r, bool causal_ok)
{
    const cJSON *bm = cfg_take(r, NULL, "border_mode", (char *)NULL);
    const cJSON *pad = cJSON_GetObjectItemCaseSensitive(r->obj, "padding");
    if (!causal_ok && cJSON_IsString(pad) && strcmp(pad->valuestring, "causal") == 0) {
        cfg_ignore(r, "padding", (char *)NULL);
        bad(r, "config.padding", "padding \"causal\" is for Conv1D and SeparableConv1D only, as in "
            "Keras (expected \"valid\" or \"same\")");
        return PAD_VALID;
    }
    if (!bm || pad)
        return cfg_padding(r, causal_ok);
    const char *s = cJSON_IsString(bm) ? bm->valuestring : "";
    if (strcmp(s, "valid") == 0)
        return PAD_VALID;
    if (strcmp(s, "same") == 0)
        return PAD_SAME;
    if (strcmp(s, "full") == 0) {
        bad(r, "config.border_mode", "%s",
            "border_mode \"full\" (Theano only) is not supported; use \"valid\" or \"same\"");
        return PAD_VALID;
    }
    char *repr = json_repr(bm);
    bad(r, "config.border_mode", "expected \"valid\" or \"same\", got %s", repr);
    free(repr);
    return PAD_VALID;
}

/* data_format, or Keras 1's dim_ordering ("tf", "th", "default"). */
static DataFormat parse_format(CfgReader *r, const ConvRow *row)
{
    const cJSON *dimo = cfg_take(r, NULL, "dim_ordering", (char *)NULL);
    const cJSON *df = cJSON_GetObjectItemCaseSensitive(r->obj, "data_format");
    if (dimo && (!df || cJSON_IsNull(df)))
        return cfg_dim_ordering(r, dimo, FMT_CHANNELS_LAST);
    /* tf.keras's Conv1D defaults to channels_last (Keras 3: keras.json);
     * Keras 1's Convolution1D has no format at all. */
    if (row->kind == CK_CONV && row->n == 1 && (!df || cJSON_IsNull(df)) &&
        (row->keras1 || r->m->keras_major < 3)) {
        cfg_ignore(r, "data_format", (char *)NULL);
        return FMT_CHANNELS_LAST;
    }
    return cfg_data_format(r);
}

/* Keras 1's Convolution1D takes its input shape as input_dim and
 * input_length: (input_length, input_dim). */
static void keras1_input_length(CfgReader *r, Layer *l)
{
    Model *m = r->m;
    const cJSON *len = cfg_take(r, NULL, "input_length", (char *)NULL);
    if (m->input_shape_layer != l || !m->input_shape_key ||
        strcmp(m->input_shape_key, "input_dim") != 0)
        return;
    long n = -1;
    if (len) {
        n = cfg_int(r, "input_length", -1, 1, INT_MAX);
        if (n < 1)
            return;
    }
    m->input_shape.rank = 2;
    m->input_shape.dim[1] = m->input_shape.dim[0];
    m->input_shape.dim[0] = n;
}

static void conv_parse(CfgReader *r, Layer *l)
{
    const ConvRow *row = row_of(l);
    int n = row->n;
    static const int ones[3] = {1, 1, 1};
    l->nspatial = n;
    for (int i = 0; i < 3; i++) {
        l->kernel[i] = l->strides[i] = l->dilation[i] = 1;
        l->output_padding[i] = -1;
    }
    l->groups = 1;
    l->depth_multiplier = 1;
    l->filters = 0;

    if (row->kind != CK_DEPTHWISE)
        l->filters = required_int(r, "filters", "nb_filter");
    parse_kernel_size(r, l, n, row->keras1);
    const char *skey = n == 1 && cJSON_GetObjectItemCaseSensitive(r->obj, "subsample_length")
                           ? "subsample_length" : "subsample";
    if (cfg_take(r, NULL, "strides", (char *)NULL))
        cfg_ints(r, "strides", n, ones, 1, l->strides);
    else
        cfg_ints(r, skey, n, ones, 1, l->strides);
    cfg_ignore(r, "subsample", "subsample_length", (char *)NULL);
    /* causal: Conv1D's, and tf.keras's SeparableConv1D's. */
    l->padding = parse_padding(r, (row->kind == CK_CONV || row->kind == CK_SEPARABLE) && n == 1);
    l->format = parse_format(r, row);
    if (row->atrous)
        cfg_ints(r, "atrous_rate", n, ones, 1, l->dilation);
    else
        cfg_ints(r, "dilation_rate", n, ones, 1, l->dilation);

    /* groups: Conv's; the others write groups: 1 at most (tf.keras). */
    if (row->kind == CK_CONV) {
        l->groups = (int)cfg_int(r, "groups", 1, 1, INT_MAX);
        if (l->filters > 0 && l->filters % l->groups != 0) {
            char *msg = xformat("filters (%ld) must be divisible by groups (%d), as Keras requires",
                                l->filters, l->groups);
            bad(r, "config.groups", "%s", msg);
            free(msg);
        }
    } else if (cfg_int(r, "groups", 1, 1, INT_MAX) != 1) {
        char *msg = xformat("%s has no groups (expected 1)", row->name);
        bad(r, "config.groups", "%s", msg);
        free(msg);
    }
    if (row->kind == CK_DEPTHWISE || row->kind == CK_SEPARABLE)
        l->depth_multiplier = (int)cfg_int(r, "depth_multiplier", 1, 1, INT_MAX);
    if (row->kind == CK_TRANSPOSE && cfg_take(r, NULL, "output_padding", (char *)NULL)) {
        static const int zeros[3] = {0, 0, 0};
        if (cfg_ints(r, "output_padding", n, zeros, 0, l->output_padding)) {
            for (int i = 0; i < n; i++) {
                if (l->output_padding[i] >= l->strides[i]) {
                    char *msg = xformat("output_padding (%d) must be smaller than strides (%d) "
                                        "along axis %d", l->output_padding[i], l->strides[i], i + 1);
                    bad(r, "config.output_padding", "%s", msg);
                    free(msg);
                    break;
                }
            }
        }
    }
    bool strided = false, dilated = false;
    for (int i = 0; i < n; i++) {
        strided |= l->strides[i] > 1;
        dilated |= l->dilation[i] > 1;
    }
    if (strided && dilated)
        bad(r, row->atrous ? "config.atrous_rate" : "config.dilation_rate", "%s",
            "dilation_rate > 1 cannot be combined with strides > 1 (Keras refuses it too)");

    cfg_activation(r, "activation", &l->act);
    l->use_bias = cfg_bool(r, "use_bias", true);
    if (cJSON_GetObjectItemCaseSensitive(r->obj, "bias"))
        l->use_bias = cfg_bool(r, "bias", true);

    switch (row->kind) {
    case CK_CONV:
    case CK_TRANSPOSE:
        cfg_initializer(r, layer_add_param(l, "kernel", true), "kernel_initializer", "init",
                        "glorot_uniform");
        break;
    case CK_DEPTHWISE:
    case CK_SEPARABLE: {
        Param *dk = layer_add_param(l, "depthwise_kernel", true);
        cfg_initializer(r, dk, "depthwise_initializer", NULL, "glorot_uniform");
        cfg_regularizer(r, dk, "depthwise_regularizer", NULL);
        if (row->kind == CK_SEPARABLE) {
            Param *pk = layer_add_param(l, "pointwise_kernel", true);
            cfg_initializer(r, pk, "pointwise_initializer", NULL, "glorot_uniform");
            cfg_regularizer(r, pk, "pointwise_regularizer", NULL);
        }
        cfg_ignore(r, "depthwise_constraint", "pointwise_constraint", (char *)NULL);
        break;
    }
    }
    if (l->use_bias)
        cfg_initializer(r, layer_add_param(l, "bias", true), "bias_initializer", NULL, "zeros");
    else
        cfg_ignore(r, "bias_initializer", (char *)NULL);
    layer_training_keys(r, l);
    if (cfg_take(r, NULL, "lora_rank", (char *)NULL)) {
        layer_error(r->m, l, "config.lora_rank", "LoRA-adapted convolutions are not supported");
        l->ok = false;
    }
    cfg_ignore(r, "lora_alpha", (char *)NULL);
    if (row->keras1 && n == 1)
        keras1_input_length(r, l);
}

/* ---- shapes -------------------------------------------------------------- */

/* The geometry of a convolution, for kernels and MACs: the sizes of the
 * layer's input and output, and the convolution seen from its input side
 * (for a transposed convolution, its output is that convolution's input). */
typedef struct Geom {
    int n;
    ConvKind kind;
    DataFormat fmt;
    long in[3], out[3];         /* spatial sizes, 1 beyond n */
    long c, f;                  /* channels of input and output */
    int k[3], s[3], d[3];
    long pad[3];                /* padding before, on the convolution's input side */
    long taps;                  /* kernel positions */
    long nin, nout;             /* spatial positions of input and output */
    int groups, mult;
} Geom;

/* Keras's deconv_output_length. */
static long transpose_len(long in, int k, int s, int d, Padding p, int out_pad)
{
    long kd = (long)(k - 1) * d + 1;
    if (out_pad < 0)
        return p == PAD_VALID ? in * s + (kd > s ? kd - s : 0) : in * s;
    long pad = p == PAD_SAME ? kd / 2 : 0;
    return (in - 1) * s + kd - 2 * pad + out_pad;
}

static bool conv_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    const ConvRow *row = row_of(l);
    int n = row->n;
    long dims[3], c;
    if (!spatial_of(m, l, in, n, l->format, dims, &c))
        return false;
    if (row->kind == CK_CONV && c % l->groups != 0) {
        layer_error(m, l, "config.groups",
                    "the input's %ld channels are not divisible by groups (%d), as Keras requires",
                    c, l->groups);
        return false;
    }
    long odims[3] = {1, 1, 1};
    for (int i = 0; i < n; i++) {
        long before, after;
        /* Generated code indexes with int: keep the kernel's reach and
         * the strides within it. */
        long reach = (long)(l->kernel[i] - 1) * l->dilation[i] + 1;
        if (reach > INT_MAX / 4 || l->strides[i] > INT_MAX / 4) {
            layer_error(m, l, reach > INT_MAX / 4 ? "config.kernel_size" : "config.strides",
                        "along axis %d, the kernel's reach (%ld) or stride (%d) is too large",
                        i + 1, reach, l->strides[i]);
            return false;
        }
        if (row->kind == CK_TRANSPOSE) {
            odims[i] = transpose_len(dims[i], l->kernel[i], l->strides[i], l->dilation[i],
                                     (Padding)l->padding, l->output_padding[i]);
            if (odims[i] > INT_MAX || conv_out(odims[i], l->kernel[i], l->strides[i],
                                               l->dilation[i], (Padding)l->padding, &before,
                                               &after) != dims[i]) {
                layer_error(m, l, "config.output_padding",
                            "along axis %d, output_padding %d makes the output %ld long, and "
                            "the convolution it transposes would map that back to %ld "
                            "positions, not to the input's %ld (TensorFlow refuses it too)",
                            i + 1, l->output_padding[i], odims[i],
                            conv_out(odims[i], l->kernel[i], l->strides[i], l->dilation[i],
                                     (Padding)l->padding, &before, &after), dims[i]);
                return false;
            }
        } else {
            odims[i] = conv_out(dims[i], l->kernel[i], l->strides[i], l->dilation[i],
                                (Padding)l->padding, &before, &after);
            if (odims[i] <= 0) {
                char extent[64] = "";
                if (l->dilation[i] > 1)
                    snprintf(extent, sizeof extent, " (%ld when dilated)", reach);
                layer_error(m, l, "config.kernel_size",
                            "along axis %d, the kernel's %d%s is larger than the input's %ld "
                            "with padding \"valid\": the output would be empty", i + 1,
                            l->kernel[i], extent, dims[i]);
                return false;
            }
        }
    }
    long mult = l->depth_multiplier;
    long f = row->kind == CK_DEPTHWISE ? c * mult : l->filters;
    /* The depthwise part's output (separable: kept in scratch) is a tensor
     * too. */
    if ((row->kind == CK_DEPTHWISE || row->kind == CK_SEPARABLE) &&
        (c > INT_MAX / mult || odims[0] * odims[1] * odims[2] > INT_MAX / (c * mult))) {
        layer_error(m, l, "config.depth_multiplier",
                    "the depthwise output (%ld positions of %ld channels times %ld) is too large",
                    odims[0] * odims[1] * odims[2], c, mult);
        return false;
    }
    *out = spatial_shape(n, odims, f, l->format);
    l->act.axis = out->rank - 1; /* Keras's softmax activation: the last axis */

    Param *k = layer_find_param(l, row->kind == CK_CONV || row->kind == CK_TRANSPOSE
                                       ? "kernel" : "depthwise_kernel");
    k->shape.rank = n + 2;
    for (int i = 0; i < n; i++)
        k->shape.dim[i] = l->kernel[i];
    switch (row->kind) {
    case CK_CONV:
        k->shape.dim[n] = c / l->groups;
        k->shape.dim[n + 1] = f;
        break;
    case CK_TRANSPOSE:
        k->shape.dim[n] = f;
        k->shape.dim[n + 1] = c;
        break;
    case CK_DEPTHWISE:
    case CK_SEPARABLE:
        k->shape.dim[n] = c;
        k->shape.dim[n + 1] = mult;
        break;
    }
    if (row->kind == CK_SEPARABLE) {
        Param *pk = layer_find_param(l, "pointwise_kernel");
        pk->shape.rank = n + 2;
        for (int i = 0; i < n; i++)
            pk->shape.dim[i] = 1;
        pk->shape.dim[n] = c * mult;
        pk->shape.dim[n + 1] = f;
    }
    Param *b = layer_find_param(l, "bias");
    if (b) {
        b->shape.rank = 1;
        b->shape.dim[0] = f;
    }
    return true;
}

static void geom_of(const Model *m, const Layer *l, Geom *g)
{
    const ConvRow *row = row_of(l);
    memset(g, 0, sizeof *g);
    g->n = row->n;
    g->kind = row->kind;
    g->fmt = l->format;
    g->groups = l->groups;
    g->mult = l->depth_multiplier;
    spatial_of((Model *)m, l, &m->values[l->input].shape, g->n, l->format, g->in, &g->c);
    spatial_of((Model *)m, l, &m->values[l->output].shape, g->n, l->format, g->out, &g->f);
    g->taps = g->nin = g->nout = 1;
    for (int i = 0; i < 3; i++) {
        g->k[i] = l->kernel[i];
        g->s[i] = l->strides[i];
        g->d[i] = l->dilation[i];
        long after;
        long cin = g->kind == CK_TRANSPOSE ? g->out[i] : g->in[i];
        conv_out(cin, g->k[i], g->s[i], g->d[i], i < g->n ? (Padding)l->padding : PAD_VALID,
                 &g->pad[i], &after);
        g->taps *= g->k[i];
        g->nin *= g->in[i];
        g->nout *= g->out[i];
    }
}

static long conv_macs(const Model *m, const Layer *l)
{
    Geom g;
    geom_of(m, l, &g);
    switch (g.kind) {
    case CK_CONV:
        return g.nout * g.taps * (g.c / g.groups) * g.f;
    case CK_DEPTHWISE:
        return g.nout * g.taps * g.f;
    case CK_SEPARABLE:
        return g.nout * g.taps * g.c * g.mult + g.nout * g.c * g.mult * g.f;
    case CK_TRANSPOSE:
        return g.nin * g.taps * g.c * g.f;
    }
    return 0;
}

/* ---- inference ----------------------------------------------------------- */

/* A template's keys and values; numbers are formatted and owned here. */
typedef struct Kv {
    const char *kv[2 * 96 + 1];
    char *owned[96];
    int n, nowned;
} Kv;

static void kv_str(Kv *k, const char *key, const char *val)
{
    KCC_ASSERT(k->n < 96);
    k->kv[2 * k->n] = key;
    k->kv[2 * k->n + 1] = val;
    k->n++;
    k->kv[2 * k->n] = NULL;
}

static void kv_own(Kv *k, const char *key, char *val)
{
    KCC_ASSERT(k->nowned < 96);
    k->owned[k->nowned++] = val;
    kv_str(k, key, val);
}

static void kv_num(Kv *k, const char *key, long v)
{
    kv_own(k, key, xformat("%ld", v));
}

static void kv_free(Kv *k)
{
    for (int i = 0; i < k->nowned; i++)
        free(k->owned[i]);
    k->n = k->nowned = 0;
}

/* A template expanded into a string (caller frees). */
static char *expand(const char *tmpl, const Kv *k)
{
    StrBuf sb = {0};
    sb_add(&sb, "");
    template_expand(&sb, template_get(tmpl), k->kv);
    /* A fragment ends without its last newline: the caller's line has one. */
    if (sb.len && sb.data[sb.len - 1] == '\n')
        sb.data[--sb.len] = '\0';
    return sb.data;
}

/* The geometry's keys: sizes, strides, dilations, paddings and the
 * input's layout strides. */
static void geom_kv(Kv *k, const Geom *g)
{
    static const char *const keys[8][3] = {
        {"O0", "O1", "O2"}, {"I0", "I1", "I2"}, {"K0", "K1", "K2"}, {"S0", "S1", "S2"},
        {"D0", "D1", "D2"}, {"P0", "P1", "P2"}, {"XS0", "XS1", "XS2"}, {NULL, NULL, NULL},
    };
    long xcs, xss[3];
    layout_strides(g->n, g->in, g->c, g->fmt, &xcs, xss);
    for (int i = 0; i < 3; i++) {
        kv_num(k, keys[0][i], g->out[i]);
        kv_num(k, keys[1][i], g->in[i]);
        kv_num(k, keys[2][i], g->k[i]);
        kv_num(k, keys[3][i], g->s[i]);
        kv_num(k, keys[4][i], g->d[i]);
        kv_num(k, keys[5][i], g->pad[i]);
        kv_num(k, keys[6][i], xss[i]);
    }
    kv_num(k, "XCS", xcs);
    kv_num(k, "C", g->c);
    kv_num(k, "F", g->f);
    kv_num(k, "NPOS", g->nout);
    kv_num(k, "TAPS", g->taps);
    kv_num(k, "M", g->mult);
    kv_num(k, "CM", g->c * g->mult);
}

/* Conv by a matrix multiply?  See the rule at the top. */
static bool use_im2col(const Geom *g)
{
    return g->kind == CK_CONV && g->groups == 1 && g->nout >= 4 && g->f >= 8;
}

/* A 1x1 convolution of channels_last data without stride or padding: the
 * input is the patch matrix already. */
static bool is_pointwise(const Geom *g)
{
    return g->taps == 1 && g->s[0] == 1 && g->s[1] == 1 && g->s[2] == 1 && g->pad[0] == 0 &&
           g->pad[1] == 0 && g->pad[2] == 0 && g->fmt == FMT_CHANNELS_LAST;
}

/* Output positions per block of the patch matrix (--blas): up to 64, a
 * multiple of 4, the block at most 16384 floats (or four rows). */
static long row_block(const Geom *g, long kc)
{
    long rb = 16384 / kc;
    if (rb > 64)
        rb = 64;
    rb -= rb % 4;
    if (rb < 4)
        rb = 4;
    return rb < g->nout ? rb : g->nout;
}

/* How kcc_gemm6 (templates/gemm.c.in) walks the patches of a convolution
 * in the image: the input, zero-padded into scratch when the kernel
 * reaches outside it, is read at row + off[t] + k * cs for the taps t and
 * k < ch.  On channels_last data the innermost spatial axis of the kernel
 * (undilated) and the channels are one contiguous run: ch = its taps
 * times the channels, cs = 1, and off lists the other axes' taps.
 * Otherwise off lists every tap and k walks the channels. */
typedef struct Walk {
    bool padded;                /* the input is copied into scratch with its padding */
    long pi[3];                 /* sizes of the (padded) input */
    long pxs[3], pxcs;          /* its layout strides */
    long noff, ch, cs;
    long off[];                 /* noff offsets */
} Walk;

static Walk *walk_of(const Geom *g)
{
    Walk *w = xcalloc(1, sizeof *w + sizeof(long) * (size_t)g->taps);
    for (int i = 0; i < 3; i++) {
        long reach = (g->out[i] - 1) * g->s[i] + (long)(g->k[i] - 1) * g->d[i] + 1;
        if (g->pad[i] > 0 || reach > g->in[i])
            w->padded = true;
    }
    for (int i = 0; i < 3; i++)
        w->pi[i] = w->padded ? (g->out[i] - 1) * g->s[i] + (long)(g->k[i] - 1) * g->d[i] + 1
                             : g->in[i];
    layout_strides(g->n, w->pi, g->c, g->fmt, &w->pxcs, w->pxs);
    int inner = g->fmt == FMT_CHANNELS_LAST && g->d[g->n - 1] == 1 && g->groups == 1 ? g->n - 1
                                                                                      : -1;
    w->ch = inner >= 0 ? g->c * g->k[inner] : g->c / g->groups;
    w->cs = inner >= 0 ? 1 : w->pxcs;
    for (int k0 = 0; k0 < g->k[0]; k0++)
        for (int k1 = 0; k1 < g->k[1]; k1++)
            for (int k2 = 0; k2 < g->k[2]; k2++) {
                const int kk[3] = {k0, k1, k2};
                if (inner >= 0 && kk[inner] != 0)
                    continue;
                long o = 0;
                for (int i = 0; i < 3; i++)
                    o += (long)kk[i] * g->d[i] * w->pxs[i];
                w->off[w->noff++] = o;
            }
    return w;
}

/* Floats of the padded input in scratch (0 when the input is used as it
 * is). */
static long walk_pad(const Walk *w, const Geom *g)
{
    return w->padded ? w->pi[0] * w->pi[1] * w->pi[2] * g->c : 0;
}

/* "0, 96, 192": the offsets, six a line after the first. */
static char *walk_offsets(const Walk *w)
{
    StrBuf sb = {0};
    sb_add(&sb, "");
    for (long i = 0; i < w->noff; i++)
        sb_printf(&sb, "%s%ld", i == 0 ? "" : i % 12 == 0 ? ",\n    " : ", ", w->off[i]);
    return sb.data;
}

/* The C expression of the row pointer of output position p: base plus the
 * position's corner in the (padded) input. */
static char *walk_row(const Walk *w, const Geom *g, const char *base)
{
    StrBuf sb = {0};
    sb_add(&sb, base);
    for (int i = 0; i < 3; i++) {
        long step = g->s[i] * w->pxs[i], inner = 1;
        for (int j = i + 1; j < 3; j++)
            inner *= g->out[j];
        if (g->out[i] == 1 || step == 0)
            continue;
        sb_add(&sb, " + ");
        bool both = inner > 1 && i > 0;
        if (both && step != 1)
            sb_add(&sb, "(");
        sb_add(&sb, "p");
        if (inner > 1)
            sb_printf(&sb, " / %ld", inner);
        if (i > 0)
            sb_printf(&sb, " %% %ld", g->out[i]);
        if (both && step != 1)
            sb_add(&sb, ")");
        if (step != 1)
            sb_printf(&sb, " * %ld", step);
    }
    return sb.data;
}

static long conv_scratch(const Model *m, const Layer *l)
{
    Geom g;
    geom_of(m, l, &g);
    long tile = g.fmt == FMT_CHANNELS_FIRST ? 6 * g.f : 0;
    switch (g.kind) {
    case CK_CONV: {
        if (!use_im2col(&g))
            return 0;
        if (m->blas) {
            long kc = g.taps * g.c;
            return is_pointwise(&g) ? 0 : row_block(&g, kc) * kc;
        }
        Walk *w = walk_of(&g);
        long pad = walk_pad(w, &g);
        free(w);
        return pad + tile;
    }
    case CK_DEPTHWISE:
        return 0;
    case CK_SEPARABLE:
        return g.nout * g.c * g.mult + (m->blas ? 0 : tile);
    case CK_TRANSPOSE:
        return g.taps * g.c * g.f;
    }
    return 0;
}

/* The step as emitted: the layer's own activation first (unless the plan
 * has put it there: fuse.c does for Dense), then the activation layers
 * fused after it.  When the step has no room left, *alone gets the own
 * activation instead, to run first. */
static Step with_own_act(const Model *m, const Step *s, Step *alone)
{
    const Layer *l = s->layer;
    Step t = *s;
    memset(alone, 0, sizeof *alone);
    if (l->act.kind == ACT_LINEAR || (s->nepilogue > 0 && s->fused[0] == l))
        return t;
    if (s->nepilogue == MAX_EPILOGUE) {
        *alone = *s;
        alone->nepilogue = 1;
        alone->epilogue[0] = l->act;
        alone->fused[0] = l;
        alone->eshape[0] = m->values[l->output].shape;
        return t;
    }
    for (int i = s->nepilogue; i > 0; i--) {
        t.epilogue[i] = s->epilogue[i - 1];
        t.fused[i] = s->fused[i - 1];
        t.eshape[i] = s->eshape[i - 1];
    }
    t.epilogue[0] = l->act;
    t.fused[0] = l;
    t.eshape[0] = m->values[l->output].shape;
    t.nepilogue++;
    return t;
}

/* The activations of step t (and alone's, first) on x -> y. */
static void epilogue(Emit *e, StrBuf *sb, const Step *t, const Step *alone, const char *x,
                     const char *y, long count)
{
    if (alone->nepilogue) {
        emit_epilogue(e, sb, alone, x, y, count);
        if (t->nepilogue)
            sb_add(sb, "\n");
        x = y;
    }
    emit_epilogue(e, sb, t, x, y, count);
}

static bool all_elementwise(const Step *t, const Step *alone)
{
    return epilogue_elementwise(t) && epilogue_elementwise(alone);
}

/* ACC_DECL, STORE and EPILOGUE of a kernel that finishes one output
 * position at a time in acc[F]. */
static void position_kv(Emit *e, Kv *k, const Geom *g, const Step *t, const Step *alone,
                        StrBuf *store, StrBuf *after)
{
    const char *T = e->dl->ctype;
    sb_add(store, "");
    sb_add(after, "");
    if (g->fmt == FMT_CHANNELS_LAST) {
        kv_own(k, "ACC_DECL", xformat("%s *acc = y + pos * %ld;", T, g->f));
        if (all_elementwise(t, alone))
            epilogue(e, store, t, alone, "acc", "acc", g->f);
        else
            epilogue(e, after, t, alone, "y", "y", 0);
    } else {
        kv_own(k, "ACC_DECL", xformat("%s acc[%ld];", T, g->f));
        sb_printf(store, "for (int f = 0; f < %ld; f++)\n    y[f * %ld + pos] = acc[f];", g->f,
                  g->nout);
        epilogue(e, after, t, alone, "y", "y", 0);
    }
    kv_str(k, "STORE", store->data);
    kv_str(k, "EPILOGUE", after->data);
}

/* "bias[f]" or a zero literal, into sb. */
static void bias_expr(Emit *e, StrBuf *sb, const Layer *l, const char *index)
{
    sb_add(sb, "");
    if (l->use_bias)
        sb_printf(sb, "%s[%s]", emit_param(e, l, l->nparams - 1), index);
    else
        emit_literal(sb, e->dl, 0.0);
}

/* The MATMUL fragment by CBLAS (--blas): the output rows get the bias,
 * then ?gemm adds patches x kernel (for channels_first, kernel^T x
 * patches^T into the columns p0...); the epilogue runs after. */
static char *matmul_blas(Emit *e, const Geom *g, const Step *t, const Step *alone,
                         const char *col, long kc, const char *kernel, StrBuf *after)
{
    bool dbl = strcmp(e->dl->ctype, "double") == 0;
    const char *gemm = dbl ? "cblas_dgemm" : "cblas_sgemm", *one = dbl ? "1.0" : "1.0f";
    Kv k = {0};
    StrBuf bias = {0}, init = {0}, call = {0};
    bias_expr(e, &bias, t->layer, "f");
    if (g->fmt == FMT_CHANNELS_LAST) {
        sb_printf(&init, "for (int r = 0; r < rows; r++)\n    for (int f = 0; f < %ld; f++)\n"
                         "        y[(p0 + r) * %ld + f] = %s;", g->f, g->f, bias.data);
        sb_printf(&call, "%s(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, %ld, %ld, %s, %s, "
                         "%ld, %s, %ld, %s, y + p0 * %ld, %ld);",
                  gemm, g->f, kc, one, col, kc, kernel, g->f, one, g->f, g->f);
    } else {
        sb_printf(&init, "for (int f = 0; f < %ld; f++)\n    for (int r = 0; r < rows; r++)\n"
                         "        y[f * %ld + p0 + r] = %s;", g->f, g->nout, bias.data);
        sb_printf(&call, "%s(CblasRowMajor, CblasTrans, CblasTrans, %ld, rows, %ld, %s, %s, %ld, "
                         "%s, %ld, %s, y + p0, %ld);",
                  gemm, g->f, kc, one, kernel, g->f, col, kc, one, g->nout);
    }
    e->blas_used = true;
    epilogue(e, after, t, alone, "y", "y", 0);
    kv_num(&k, "KC", kc);
    kv_num(&k, "F", g->f);
    kv_str(&k, "OUT_INIT", init.data);
    kv_str(&k, "GEMM", call.data);
    char *text = expand("conv_matmul_blas.c", &k);
    kv_free(&k);
    sb_free(&bias);
    sb_free(&init);
    sb_free(&call);
    return text;
}

void gemm_library(StrBuf *out, bool *emitted, const char *ctype, bool training)
{
    if (*emitted)
        return;
    const char *kv[] = {"T", ctype, NULL};
    template_expand(out, template_get("gemm.c"), kv);
    sb_add(out, "\n");
    if (training) {
        sb_add(out, template_get("train_threads.c"));
        sb_add(out, "\n");
    }
    *emitted = true;
}

/* The ROWS fragment: kcc_gemm6 over the output positions, six at a time,
 * the row of position p at row (an expression of p), walked by off (noff
 * offsets), ch and cs, times kernel + bias into the output.
 * channels_last: in place, an element-wise epilogue on each block of rows
 * while it is in cache; channels_first: through tile, stored strided, the
 * epilogue after all (into *after). */
static char *gemm_rows_text(Emit *e, const Geom *g, const Step *t, const Step *alone,
                            const char *row, long noff, long ch, long cs, const char *kernel,
                            const char *tile, StrBuf *after)
{
    const Layer *l = t->layer;
    Kv k = {0};
    StrBuf store = {0};
    sb_add(&store, "");
    gemm_library(e->out, &e->gemm_emitted, e->dl->ctype, false);
    kv_str(&k, "T", e->dl->ctype);
    kv_num(&k, "NPOS", g->nout);
    kv_str(&k, "ROW", row);
    kv_num(&k, "NOFF", noff);
    kv_num(&k, "CH", ch);
    kv_num(&k, "CS", cs);
    kv_str(&k, "KERNEL", kernel);
    kv_num(&k, "F", g->f);
    kv_own(&k, "BIAS", l->use_bias ? xstrdup(emit_param(e, l, l->nparams - 1))
                                   : xformat("(const %s *)0", e->dl->ctype));
    if (g->fmt == FMT_CHANNELS_LAST) {
        kv_own(&k, "OUT", xformat("y + p0 * %ld", g->f));
        if (all_elementwise(t, alone)) {
            StrBuf epi = {0};
            sb_add(&epi, "");
            epilogue(e, &epi, t, alone, "yr", "yr", g->f);
            if (epi.len) {
                sb_printf(&store, "for (int r = 0; r < rows; r++) {\n    %s *yr = y + (p0 + r) * %ld;\n    ",
                          e->dl->ctype, g->f);
                for (const char *c = epi.data; *c; c++)
                    sb_add(&store, *c == '\n' ? "\n    " : (char[2]){*c, 0});
                sb_add(&store, "\n}");
            }
            sb_free(&epi);
        } else {
            epilogue(e, after, t, alone, "y", "y", 0);
        }
    } else {
        kv_str(&k, "OUT", tile);
        sb_printf(&store, "for (int f = 0; f < %ld; f++)\n    for (int r = 0; r < rows; r++)\n"
                          "        y[f * %ld + p0 + r] = (%s)[r * %ld + f];", g->f, g->nout, tile, g->f);
        epilogue(e, after, t, alone, "y", "y", 0);
    }
    kv_str(&k, "STORE", store.data);
    char *text = expand("conv_gemm_rows.c", &k);
    kv_free(&k);
    sb_free(&store);
    return text;
}

static void conv_emit(Emit *e, const Step *s)
{
    const Model *m = e->plan->m;
    const Layer *l = s->layer;
    Geom g;
    geom_of(m, l, &g);
    Step alone;
    Step t = with_own_act(m, s, &alone);
    Kv k = {0};
    StrBuf bias = {0}, store = {0}, after = {0};
    sb_add(&after, "");
    kv_str(&k, "T", e->dl->ctype);
    geom_kv(&k, &g);
    const char *kernel = emit_param(e, l, 0);
    char *taps = NULL, *matmul = NULL, *im2col = NULL;

    switch (g.kind) {
    case CK_CONV:
        if (use_im2col(&g) && e->opt->blas) {
            long kc = g.taps * g.c, rb = row_block(&g, kc);
            bool pw = is_pointwise(&g);
            char *col = pw ? xformat("x + p0 * %ld", g.c) : xstrdup("col");
            matmul = matmul_blas(e, &g, &t, &alone, col, kc, kernel, &after);
            free(col);
            kv_num(&k, "KC", kc);
            im2col = pw ? xstrdup("") : expand("conv_im2col_copy.c", &k);
            kv_num(&k, "RB", rb);
            kv_own(&k, "SCRATCH_ARG", conv_scratch(m, l) > 0
                                          ? xformat(", %s *restrict col", e->dl->ctype)
                                          : xstrdup(""));
            kv_str(&k, "IM2COL", im2col);
            kv_str(&k, "MATMUL", matmul);
            kv_str(&k, "EPILOGUE", after.data);
            emit_kernel(e, &t, "conv_im2col.c", k.kv);
            break;
        }
        if (use_im2col(&g)) {
            Walk *w = walk_of(&g);
            long pad = walk_pad(w, &g);
            char *row = walk_row(w, &g, "xp");
            char *tile = xformat("scratch + %ld", pad);
            matmul = gemm_rows_text(e, &g, &t, &alone, row, w->noff, w->ch, w->cs, kernel, tile,
                                    &after);
            free(row);
            free(tile);
            if (w->padded) {
                static const char *const keys[2][3] = {
                    {"PI0", "PI1", "PI2"}, {"PXS0", "PXS1", "PXS2"}};
                for (int i = 0; i < 3; i++) {
                    kv_num(&k, keys[0][i], w->pi[i]);
                    kv_num(&k, keys[1][i], w->pxs[i]);
                }
                kv_num(&k, "PXCS", w->pxcs);
                im2col = expand("conv_pad.c", &k);
            } else {
                im2col = xformat("const %s *xp = x;", e->dl->ctype);
            }
            kv_num(&k, "KC", g.taps * g.c);
            kv_num(&k, "NOFF", w->noff);
            kv_num(&k, "CH", w->ch);
            kv_num(&k, "CS", w->cs);
            kv_own(&k, "OFFSETS", walk_offsets(w));
            kv_own(&k, "SCRATCH_ARG", conv_scratch(m, l) > 0
                                          ? xformat(", %s *restrict scratch", e->dl->ctype)
                                          : xstrdup(""));
            kv_str(&k, "PAD", im2col);
            kv_str(&k, "ROWS", matmul);
            kv_str(&k, "EPILOGUE", after.data);
            emit_kernel(e, &t, "conv_gemm.c", k.kv);
            free(w);
            break;
        }
        bias_expr(e, &bias, l, "f");
        kv_str(&k, "BIAS", bias.data);
        kv_str(&k, "KERNEL", kernel);
        kv_num(&k, "G", g.groups);
        kv_num(&k, "CG", g.c / g.groups);
        kv_num(&k, "FG", g.f / g.groups);
        position_kv(e, &k, &g, &t, &alone, &store, &after);
        emit_kernel(e, &t, "conv.c", k.kv);
        break;
    case CK_DEPTHWISE:
        kv_str(&k, "DKERNEL", kernel);
        taps = expand("conv_depthwise_taps.c", &k);
        kv_str(&k, "DW_LOOPS", taps);
        bias_expr(e, &bias, l, "j");
        kv_str(&k, "BIAS", bias.data);
        position_kv(e, &k, &g, &t, &alone, &store, &after);
        emit_kernel(e, &t, "conv_depthwise.c", k.kv);
        break;
    case CK_SEPARABLE: {
        long cm = g.c * g.mult;
        kv_str(&k, "DKERNEL", kernel);
        taps = expand("conv_depthwise_taps.c", &k);
        if (e->opt->blas) {
            long rb = row_block(&g, cm);
            char *col = xformat("mid + p0 * %ld", cm);
            char *blas = matmul_blas(e, &g, &t, &alone, col, cm, emit_param(e, l, 1), &after);
            free(col);
            kv_num(&k, "RB", rb);
            kv_str(&k, "MATMUL", blas);
            matmul = expand("conv_separable_blas.c", &k);
            free(blas);
        } else {
            char *row = xformat("mid + p * %ld", cm);
            char *tile = xformat("mid + %ld", g.nout * cm);
            char *rows = gemm_rows_text(e, &g, &t, &alone, row, 1, cm, 1, emit_param(e, l, 1),
                                        tile, &after);
            matmul = xformat("static const int off[1] = {0};\n%s", rows);
            free(rows);
            free(row);
            free(tile);
        }
        kv_str(&k, "DW_LOOPS", taps);
        kv_str(&k, "POINTWISE", matmul);
        kv_str(&k, "EPILOGUE", after.data);
        emit_kernel(e, &t, "conv_separable.c", k.kv);
        break;
    }
    case CK_TRANSPOSE:
        bias_expr(e, &bias, l, "f");
        kv_str(&k, "BIAS", bias.data);
        kv_str(&k, "KERNEL", kernel);
        position_kv(e, &k, &g, &t, &alone, &store, &after);
        emit_kernel(e, &t, "conv_transpose.c", k.kv);
        break;
    }
    free(taps);
    free(matmul);
    free(im2col);
    kv_free(&k);
    sb_free(&bias);
    sb_free(&store);
    sb_free(&after);
}

/* ---- training ----------------------------------------------------------- */

static void conv_train(TEmit *te, const TStep *s);

/* Samples of the patches' gradient blocks (and padded gradients) that a
 * Conv's backward keeps at once: each thread works on one. */
enum { TCONV_SLOTS = 64 };

/* A Conv's training layout (templates/train_conv.c.in).  Samples are read
 * channels_last: as they are, or prepared in aux with the padding the
 * kernel reaches (and transposed, for channels_first).  aux holds
 *
 *   [xp_at]   the prepared samples, batch x pin (prep only)
 *   [yt_at]   channels_last outputs, then output gradients (channels_first,
 *             or with relu in the step: the gradients before relu)
 *   [wt_at]   the kernel transposed, per group [FG][taps * CG]
 *   [slot_at] nslot slots of slot floats: six rows of the patches'
 *             gradient, and a padded sample's gradient (prep only). */
typedef struct TConv {
    Geom g;                     /* the layer's geometry, in its format */
    Walk *w;                    /* the forward walk over channels_last samples */
    bool prep, cf;
    bool act;                   /* relu in the step (train_fuses_act) */
    long pin;                   /* floats of a sample as the kernels read it */
    long xp_at, yt_at, wt_at, slot_at, slot, nslot, total;
} TConv;

static void tconv_of(const Model *m, const Layer *l, int batch, TConv *t)
{
    memset(t, 0, sizeof *t);
    geom_of(m, l, &t->g);
    Geom gl = t->g;
    gl.fmt = FMT_CHANNELS_LAST;
    t->w = walk_of(&gl);
    t->cf = t->g.fmt == FMT_CHANNELS_FIRST;
    t->prep = t->w->padded || t->cf;
    t->pin = t->w->pi[0] * t->w->pi[1] * t->w->pi[2] * t->g.c;
    long kc = t->g.taps * t->g.c, kcg = kc / t->g.groups, out = t->g.nout * t->g.f;
    t->nslot = batch < TCONV_SLOTS ? batch : TCONV_SLOTS;
    t->xp_at = 0;
    t->act = train_fuses_act(l);
    t->yt_at = t->prep ? batch * t->pin : 0;
    t->wt_at = t->yt_at + (t->cf || t->act ? batch * out : 0);
    t->slot_at = t->wt_at + kcg * t->g.f;
    t->slot = 6 * kc + (t->prep ? t->pin : 0);
    t->total = t->slot_at + t->nslot * t->slot;
}

/* Floats of scratch a training step needs: per sample, reused. */
static long conv_train_aux(const Model *m, const Layer *l, int batch)
{
    Geom g;
    geom_of(m, l, &g);
    long in = g.nin * g.c, out = g.nout * g.f, cm = g.c * g.mult;
    long cf = g.fmt == FMT_CHANNELS_FIRST ? 2 * in + out : 0;
    switch (g.kind) {
    case CK_CONV: {
        TConv t;
        tconv_of(m, l, batch, &t);
        free(t.w);
        return t.total;
    }
    case CK_TRANSPOSE:
        return g.nin * g.taps * g.f + g.c * g.taps * g.f + cf;
    case CK_DEPTHWISE:
        return cf;
    case CK_SEPARABLE:
        return 2 * g.nout * cm + g.f * cm + cf;
    }
    return 0;
}

/* The keys of the im2col/col2im helpers: the convolution from a space of
 * ci sizes and ch channels to co positions. */
static void cols_kv(Kv *k, const long *ci, const long *co, long ch, long taps)
{
    static const char *const kci[3] = {"CI0", "CI1", "CI2"}, *const kco[3] = {"CO0", "CO1", "CO2"};
    for (int i = 0; i < 3; i++) {
        kv_num(k, kci[i], ci[i]);
        kv_num(k, kco[i], co[i]);
    }
    kv_num(k, "CH", ch);
    kv_num(k, "KC", taps * ch);
}

/* "a, b, c": offsets, twelve a line. */
static char *offsets_text(const long *v, long n)
{
    StrBuf sb = {0};
    sb_add(&sb, "");
    for (long i = 0; i < n; i++)
        sb_printf(&sb, "%s%ld", i == 0 ? "" : i % 12 == 0 ? ",\n    " : ", ", v[i]);
    return sb.data;
}

bool train_fuses_act(const Layer *l)
{
    /* relu's gradient needs only the output: y > 0. */
    if (l->act.kind != ACT_RELU || !l->op || !l->op->train_emit || l->op->train_emit != conv_train)
        return false;
    return row_of(l)->kind == CK_CONV;
}

/* Blocks of work each worth that many multiply-adds a thread takes at a
 * time: about 256k of them. */
long par_chunk(long per_block)
{
    long c = 262144 / (per_block > 0 ? per_block : 1);
    return c < 1 ? 1 : c;
}

/* Conv: templates/train_conv.c.in (see TConv). */
static void conv_train_gemm(TEmit *te, const TStep *s)
{
    const Model *m = te->m;
    const Layer *l = s->layer;
    TConv t;
    tconv_of(m, l, te->batch, &t);
    const Geom *g = &t.g;
    const Walk *w = t.w;
    long in = g->nin * g->c, out = g->nout * g->f, kc = g->taps * g->c, cg = g->c / g->groups;
    long kcg = g->taps * cg, fg = g->f / g->groups;
    long boff = l->use_bias ? train_param(te, l, l->nparams - 1) : -1;
    char *fn = xformat("%s%s", l->cname, s->suffix);
    int n = g->n;

    gemm_library(te->out, &te->gemm_emitted, "float", true);

    Kv k = {0};
    kv_str(&k, "FN", fn);
    geom_kv(&k, g);
    kv_num(&k, "G", g->groups);
    kv_num(&k, "CG", cg);
    kv_num(&k, "FG", fg);
    kv_num(&k, "KC", kc);
    kv_num(&k, "KCG", kcg);
    kv_num(&k, "IN", in);
    kv_num(&k, "OUT", out);
    kv_num(&k, "PIN", t.pin);
    kv_num(&k, "KERNEL", train_param(te, l, 0));
    static const char *const pk[2][3] = {{"PI0", "PI1", "PI2"}, {"PXS0", "PXS1", "PXS2"}};
    for (int i = 0; i < 3; i++) {
        kv_num(&k, pk[0][i], w->pi[i]);
        kv_num(&k, pk[1][i], w->pxs[i]);
    }
    kv_str(&k, "PREP_NOTE", t.cf ? "transposed, padded where needed, in aux"
                            : t.prep ? "padded, in aux" : "the input as it is");

    /* The walks: forward's taps, every tap, the output rows' corners. */
    kv_num(&k, "NOFF", w->noff);
    kv_own(&k, "OFFSETS", walk_offsets(w));
    kv_num(&k, "CH", w->ch);
    kv_num(&k, "CS", w->cs);
    long *koff = xmalloc(sizeof *koff * (size_t)g->taps), nk = 0;
    for (int k0 = 0; k0 < g->k[0]; k0++)
        for (int k1 = 0; k1 < g->k[1]; k1++)
            for (int k2 = 0; k2 < g->k[2]; k2++)
                koff[nk++] = (long)k0 * g->d[0] * w->pxs[0] + (long)k1 * g->d[1] * w->pxs[1] +
                             (long)k2 * g->d[2] * w->pxs[2];
    kv_own(&k, "KOFFSETS", offsets_text(koff, nk));
    long npoff = g->nout / g->out[n - 1];
    long *poff = xmalloc(sizeof *poff * (size_t)npoff), np = 0;
    for (long o0 = 0; o0 < (n - 1 > 0 ? g->out[0] : 1); o0++)
        for (long o1 = 0; o1 < (n - 1 > 1 ? g->out[1] : 1); o1++)
            poff[np++] = o0 * g->s[0] * w->pxs[0] + o1 * g->s[1] * w->pxs[1];
    KCC_ASSERT(np == npoff);
    kv_num(&k, "NPOFF", npoff);
    kv_own(&k, "POFFSETS", offsets_text(poff, npoff));
    kv_num(&k, "CH2", g->out[n - 1]);
    kv_num(&k, "CS2", g->s[n - 1] * w->pxs[n - 1]);
    kv_own(&k, "ROW", walk_row(w, g, "0"));
    free(koff);
    free(poff);

    /* Samples in, outputs out. */
    StrBuf helpers = {0}, prep = {0}, fout = {0}, dys = {0}, dxs = {0}, dxout = {0}, dbias = {0};
    sb_add(&helpers, "");
    sb_add(&prep, "");
    sb_add(&fout, "");
    sb_add(&dxout, "");
    if (t.cf) {
        char *tr = expand("train_conv_layout.c", &k);
        sb_printf(&helpers, "\n%s\n", tr);
        free(tr);
    }
    if (t.prep) {
        kv_own(&k, "XS_DECL", xformat("float *xs = aux + %ld;", t.xp_at));
        kv_own(&k, "XS_BDECL", xformat("const float *xs = aux + %ld;", t.xp_at));
        char *pr = expand("train_conv_prep.c", &k);
        sb_add(&prep, pr);
        free(pr);
        sb_printf(&dxs, "float *dxs = dcol + %ld;", 6 * kc);
        kv_str(&k, "DXN", "1");
        char *dxo = expand("train_conv_dxout.c", &k);
        sb_add(&dxout, dxo);
        free(dxo);
    } else {
        kv_str(&k, "XS_DECL", "const float *xs = x;");
        kv_str(&k, "XS_BDECL", "const float *xs = x;");
        sb_printf(&dxs, "float *dxs = dx + (long)s * %ld;", in);
        kv_str(&k, "DXN", "(sb - s)");
    }
    /* relu in the step: on each block of outputs; its gradient, dy where
     * y > 0, goes to aux first. */
    const char *mask = t.act ? " * (y[i] > 0.0f ? 1.0f : 0.0f)" : "";
    if (t.act)
        kv_own(&k, "FWD_ACT", xformat("for (long i = r0 * %ld; i < (r0 + mr) * %ld; i++)\n"
                                      "    ys[i] = ys[i] > 0.0f ? ys[i] : 0.0f;", g->f, g->f));
    else
        kv_str(&k, "FWD_ACT", "");
    if (t.cf) {
        kv_own(&k, "YS_DECL", xformat("float *ys = aux + %ld;", t.yt_at));
        sb_printf(&fout, "KCC_PARALLEL_FOR((long)n * %ld, 1)\nfor (int s = 0; s < n; s++)\n"
                         "    %s_transpose(ys + (long)s * %ld, y + (long)s * %ld, %ld, %ld);",
                  out, fn, out, out, g->nout, g->f);
        sb_printf(&dys, "float *dyt = aux + %ld;\nKCC_PARALLEL_FOR((long)n * %ld, 1)\n"
                        "for (int s = 0; s < n; s++)\n"
                        "    for (int i = 0; i < %ld; i++)\n"
                        "        for (int j = 0; j < %ld; j++) {\n"
                        "            const long at = (long)s * %ld + j * %ld + i;\n"
                        "            dyt[(long)s * %ld + i * %ld + j] = dy[at]%s;\n"
                        "        }\n"
                        "const float *dys = dyt;",
                  t.yt_at, out, g->nout, g->f, out, g->nout, out, g->f,
                  t.act ? " * (y[at] > 0.0f ? 1.0f : 0.0f)" : "");
    } else {
        kv_str(&k, "YS_DECL", "float *ys = y;");
        if (t.act)
            sb_printf(&dys, "float *dyt = aux + %ld;\nKCC_PARALLEL_FOR((long)n * %ld, 1)\n"
                            "for (int s = 0; s < n; s++)\n"
                            "    for (long i = (long)s * %ld; i < (long)(s + 1) * %ld; i++)\n"
                            "        dyt[i] = dy[i]%s;\n"
                            "const float *dys = dyt;",
                      t.yt_at, out, out, out, mask);
        else
            sb_add(&dys, "const float *dys = dy;");
    }
    if (l->use_bias)
        sb_printf(&dbias, "for (int s = s0; s < s0 + ns; s++)\n    for (int r = 0; r < %ld; r++)\n"
                          "        for (int f = 0; f < %ld; f++)\n"
                          "            g[%ld + f] += dys[(long)s * %ld + r * %ld + f];",
                  g->nout, g->f, boff, out, g->f);
    else
        sb_add(&dbias, "(void)0;");
    kv_own(&k, "BIAS_PTR", l->use_bias ? xformat("p + %ld + gr * %ld", boff, fg) : xstrdup("NULL"));
    kv_str(&k, "HELPERS", helpers.data);
    kv_str(&k, "PREPARE", prep.data);
    kv_str(&k, "FWD_OUT", fout.data);
    kv_str(&k, "DYS_DECL", dys.data);
    kv_str(&k, "DXS_DECL", dxs.data);
    kv_str(&k, "DX_OUT", dxout.data);
    kv_str(&k, "DBIAS", dbias.data);
    kv_num(&k, "PANELS", (kcg + 5) / 6);
    /* Samples a walk of the kernel's gradient: about 512 KiB of them, and
     * at most 4096 offsets. */
    long sb = 131072 / (t.pin + out);
    if (sb > 4096 / npoff)
        sb = 4096 / npoff;
    kv_num(&k, "SB", sb < 1 ? 1 : sb);
    kv_num(&k, "NSLOT", TCONV_SLOTS);
    kv_num(&k, "BPT", par_chunk(6 * kc * g->f));
    kv_num(&k, "SLOT", t.slot);
    kv_num(&k, "SLOT_AT", t.slot_at);
    kv_num(&k, "WT_AT", t.wt_at);
    kv_own(&k, "AUX_MAP", xformat("%s%s[%ld] the kernel transposed, [%ld] %ld slots of %ld for dx",
                                  t.prep ? "[0] the prepared samples, " : "",
                                  t.cf ? "channels_last outputs and their gradients, " : "",
                                  t.wt_at, t.slot_at, t.nslot, t.slot));
    train_kernel(te, s, "train_conv.c", k.kv);
    kv_free(&k);
    free(fn);
    free(t.w);
    sb_free(&helpers);
    sb_free(&prep);
    sb_free(&fout);
    sb_free(&dys);
    sb_free(&dxs);
    sb_free(&dxout);
    sb_free(&dbias);
}

static void conv_train(TEmit *te, const TStep *s)
{
    const Model *m = te->m;
    const Layer *l = s->layer;
    Geom g;
    geom_of(m, l, &g);
    if (g.kind == CK_CONV) {
        conv_train_gemm(te, s);
        return;
    }
    bool cf = g.fmt == FMT_CHANNELS_FIRST;
    long in = g.nin * g.c, out = g.nout * g.f, cm = g.c * g.mult;
    long boff = l->use_bias ? train_param(te, l, l->nparams - 1) : -1;
    char *fn = xformat("%s%s", l->cname, s->suffix);
    Kv k = {0};
    StrBuf helpers = {0}, fin = {0}, fout = {0}, bin = {0}, bdx = {0}, dxd = {0}, dxs = {0};
    StrBuf dbias = {0};
    sb_add(&helpers, "");
    sb_add(&fout, "");
    sb_add(&dxs, "");
    sb_add(&dbias, "");
    kv_str(&k, "FN", fn);
    geom_kv(&k, &g);
    kv_num(&k, "G", g.groups);
    kv_num(&k, "CG", g.c / g.groups);
    kv_num(&k, "FG", g.f / g.groups);
    kv_num(&k, "NIN", g.nin);
    kv_num(&k, "KERNEL", train_param(te, l, 0));
    kv_num(&k, "DKERNEL", train_param(te, l, 0));
    if (g.kind == CK_SEPARABLE)
        kv_num(&k, "PKERNEL", train_param(te, l, 1));

    /* Where this step's scratch ends and channels_first samples go. */
    long base = conv_train_aux(m, l, 1) - (cf ? 2 * in + out : 0);
    if (cf) {
        char *t = expand("train_conv_layout.c", &k);
        sb_add(&helpers, t);
        sb_add(&helpers, "\n\n");
        free(t);
        sb_printf(&fin, "float *xs = aux + %ld, *ys = aux + %ld;\n"
                        "%s_transpose(x + (long)s * %ld, xs, %ld, %ld);",
                  base, base + in, fn, in, g.c, g.nin);
        sb_printf(&fout, "%s_transpose(ys, y + (long)s * %ld, %ld, %ld);", fn, out, g.nout, g.f);
        sb_printf(&bin, "float *xs = aux + %ld, *dys = aux + %ld;\n"
                        "%s_transpose(x + (long)s * %ld, xs, %ld, %ld);\n"
                        "%s_transpose(dy + (long)s * %ld, dys, %ld, %ld);",
                  base, base + in, fn, in, g.c, g.nin, fn, out, g.f, g.nout);
        sb_printf(&dxd, "float *dxs = aux + %ld;", base + in + out);
        sb_printf(&dxs, "%s_transpose(dxs, dx + (long)s * %ld, %ld, %ld);", fn, in, g.nin, g.c);
    } else {
        sb_printf(&fin, "const float *xs = x + (long)s * %ld;\nfloat *ys = y + (long)s * %ld;", in,
                  out);
        sb_printf(&bin, "const float *xs = x + (long)s * %ld;\nconst float *dys = dy + (long)s * %ld;",
                  in, out);
        sb_printf(&dxd, "float *dxs = dx + (long)s * %ld;", in);
    }
    if (g.kind == CK_DEPTHWISE || g.kind == CK_SEPARABLE) {
        /* dx may be NULL there: the helper then skips it. */
        StrBuf d = {0};
        if (cf)
            sb_printf(&d, "float *dxs = dx ? aux + %ld : NULL;", base + in + out);
        else
            sb_printf(&d, "float *dxs = dx ? dx + (long)s * %ld : NULL;", in);
        sb_printf(&d, "\nif (dxs)\n    for (int i = 0; i < %ld; i++)\n        dxs[i] = 0.0f;", in);
        sb_free(&dxd);
        dxd = d;
        if (cf) {
            sb_free(&dxs);
            sb_add(&dxs, "");
            sb_printf(&dxs, "if (dx)\n    %s_transpose(dxs, dx + (long)s * %ld, %ld, %ld);", fn, in,
                      g.nin, g.c);
        }
        char *t = expand("train_conv_dw.c", &k);
        sb_add(&helpers, t);
        sb_add(&helpers, "\n");
        free(t);
    } else {
        Kv c = {0};
        kv_str(&c, "FN", fn);
        geom_kv(&c, &g);
        if (g.kind == CK_CONV)
            cols_kv(&c, g.in, g.out, g.c, g.taps);
        else
            cols_kv(&c, g.out, g.in, g.f, g.taps);
        char *t = expand("train_conv_cols.c", &c);
        sb_add(&helpers, t);
        free(t);
        kv_free(&c);
    }
    if (l->use_bias)
        sb_printf(&dbias, "for (int r = 0; r < %ld; r++)\n    for (int f = 0; f < %ld; f++)\n"
                          "        g[%ld + f] += dys[r * %ld + f];", g.nout, g.f, boff, g.f);
    kv_str(&k, "HELPERS", helpers.data);
    kv_str(&k, "FWD_IN", fin.data);
    kv_str(&k, "FWD_OUT", fout.data);
    kv_str(&k, "BWD_IN", bin.data);
    kv_str(&k, "DBIAS", dbias.data);
    kv_str(&k, "DX_DECL", dxd.data);
    kv_str(&k, "DX_STORE", dxs.data);
    const char *tmpl = NULL;
    switch (g.kind) {
    case CK_CONV: /* conv_train_gemm */
        KCC_ASSERT(false);
        break;
    case CK_TRANSPOSE:
        kv_num(&k, "KC", g.taps * g.f);
        if (l->use_bias)
            kv_own(&k, "ADD_BIAS", xformat("for (int r = 0; r < %ld; r++)\n    for (int f = 0; f < %ld; f++)\n"
                                           "        ys[r * %ld + f] += p[%ld + f];",
                                           g.nout, g.f, g.f, boff));
        else
            kv_str(&k, "ADD_BIAS", "");
        tmpl = "train_conv_transpose.c";
        break;
    case CK_DEPTHWISE:
        kv_own(&k, "BIAS_PTR", l->use_bias ? xformat("p + %ld", boff) : xstrdup("NULL"));
        kv_own(&k, "DBIAS_PTR", l->use_bias ? xformat("g + %ld", boff) : xstrdup("NULL"));
        tmpl = "train_conv_depthwise.c";
        break;
    case CK_SEPARABLE:
        kv_own(&k, "BIAS", l->use_bias ? xformat("p[%ld + f]", boff) : xstrdup("0.0f"));
        tmpl = "train_conv_separable.c";
        break;
    }
    (void)cm;
    train_kernel(te, s, tmpl, k.kv);
    kv_free(&k);
    free(fn);
    sb_free(&helpers);
    sb_free(&fin);
    sb_free(&fout);
    sb_free(&bin);
    sb_free(&bdx);
    sb_free(&dxd);
    sb_free(&dxs);
    sb_free(&dbias);
}

/* ---- Keras JSON ----------------------------------------------------------- */

const char *conv_keras_config(const Layer *l, cJSON *c)
{
    const ConvRow *row = NULL;
    for (size_t i = 0; i < sizeof conv_rows / sizeof *conv_rows; i++)
        if (l->op && strcmp(conv_rows[i].name, l->op->name) == 0)
            row = &conv_rows[i];
    if (!row)
        return NULL;
    static const char *const conv_names[3] = {"Conv1D", "Conv2D", "Conv3D"};
    static const char *const pads[3] = {"valid", "same", "causal"};
    int n = row->n;
    const char *name = row->kind == CK_CONV ? conv_names[n - 1] : row->name;
    if (row->kind != CK_DEPTHWISE)
        cJSON_AddNumberToObject(c, "filters", (double)l->filters);
    cJSON_AddItemToObject(c, "kernel_size", ints_json(n, l->kernel));
    cJSON_AddItemToObject(c, "strides", ints_json(n, l->strides));
    cJSON_AddStringToObject(c, "padding", pads[l->padding]);
    if (row->kind == CK_TRANSPOSE) {
        if (l->output_padding[0] >= 0)
            cJSON_AddItemToObject(c, "output_padding", ints_json(n, l->output_padding));
        else
            cJSON_AddNullToObject(c, "output_padding");
    }
    cJSON_AddStringToObject(c, "data_format",
                            l->format == FMT_CHANNELS_FIRST ? "channels_first" : "channels_last");
    cJSON_AddItemToObject(c, "dilation_rate", ints_json(n, l->dilation));
    if (l->groups != 1) /* (TF.js knows no groups: written only when needed) */
        cJSON_AddNumberToObject(c, "groups", l->groups);
    if (row->kind == CK_DEPTHWISE || row->kind == CK_SEPARABLE)
        cJSON_AddNumberToObject(c, "depth_multiplier", l->depth_multiplier);
    const char *act = l->act.kind == ACT_HARD_SIGMOID3 ? "hard_sigmoid" : act_def(l->act.kind)->name;
    cJSON_AddStringToObject(c, "activation", act);
    cJSON_AddBoolToObject(c, "use_bias", l->use_bias);
    cJSON_AddItemToObject(c, "activity_regularizer", activity_regularizer_json(l));
    return name;
}

/* ---- the table --------------------------------------------------------- */

#define CONV_ROW(name)                                                                    \
    {name, OPF_EPILOGUE | OPF_OWN_ACTIVATION, conv_parse, conv_infer, conv_macs, conv_emit, \
     NULL, conv_scratch, conv_train_aux, conv_train}

const OpDef conv_ops[] = {
    CONV_ROW("Conv1D"),
    CONV_ROW("Conv2D"),
    CONV_ROW("Conv3D"),
    CONV_ROW("Convolution1D"),
    CONV_ROW("Convolution2D"),
    CONV_ROW("Convolution3D"),
    CONV_ROW("AtrousConvolution1D"),
    CONV_ROW("AtrousConvolution2D"),
    CONV_ROW("DepthwiseConv1D"),
    CONV_ROW("DepthwiseConv2D"),
    CONV_ROW("SeparableConv1D"),
    CONV_ROW("SeparableConv2D"),
    CONV_ROW("Conv1DTranspose"),
    CONV_ROW("Conv2DTranspose"),
    CONV_ROW("Conv3DTranspose"),
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
