/*
 * ops_pool.c - the op table's rows for pooling (max, average, global), zero
 * padding, cropping and upsampling.
 *
 * These layers have no parameters: they reduce or move data.  Their kernels
 * see a sample as planes of positions on a grid of three spatial axes
 * (sizes of 1 before the layer's own n axes), each position holding ch
 * contiguous values:
 *
 *   channels_last  [d1, .., dn, C]: one plane, ch = C; the innermost loop
 *                  runs over the contiguous channels and vectorizes;
 *   channels_first [C, d1, .., dn]: C planes, ch = 1.
 *
 * so that one template serves the 1D, 2D and 3D layers in both formats, and
 * the two formats compute the same numbers in the same order.
 *
 * Semantics are TensorFlow's, as Keras computes them:
 *   - pooling windows follow conv_out(): "same" puts the odd padding after;
 *     a window reads only in-bounds elements, so padding never wins a max
 *     and average pooling divides by the number of in-bounds elements;
 *   - a max pooling window is reduced with >, from -inf (TF.js's rule): NaN
 *     is skipped and a window of -inf gives -inf; global max pooling is a
 *     reduce_max, where NaN propagates;
 *   - the gradient of a pooling max goes to the first maximum of its
 *     window, as TF's MaxPoolGrad does in 1D and 2D (TF's CPU MaxPool3DGrad
 *     gives it to every element within 1e-5 of the maximum, TF.js 4.22's
 *     3D gradient to the last maximum; kcc keeps the first in 3D too); the
 *     gradient of a global max is reduce_max's: shared equally by the
 *     elements equal to the maximum (TF.js gives each all of it);
 *   - bilinear UpSampling2D is tf.image.resize: half-pixel centers, source
 *     coordinates computed in float as TF computes them (TF.js 4.22 resizes
 *     without half-pixel centers: ../shared/KERAS-NOTES.md).
 * Activations after these layers are fused into their kernels (applied to
 * each output position, or to the whole output for a softmax): max
 * pooling commutes with monotonic activations, but nothing here relies on
 * that.
 *
 * For training, forward runs the inference kernel on each sample (in
 * float) and backward a gradient kernel per sample.  Max pooling's
 * backward finds each window's argmax again in the saved input rather than
 * keeping indices in scratch: no scratch memory, and no indices stored in
 * floats.
 */
#include "compiler.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- what a row is --------------------------------------------------------- */

/* The number of spatial axes a class name ends with: "MaxPooling2D" -> 2. */
static int name_axes(const Layer *l)
{
    const char *n = l->op->name;
    size_t len = strlen(n);
    KCC_ASSERT(len >= 2 && n[len - 1] == 'D' && n[len - 2] >= '1' && n[len - 2] <= '3');
    return n[len - 2] - '0';
}

static bool is_max(const Layer *l)
{
    return strstr(l->op->name, "Max") != NULL;
}

static bool is_crop(const Layer *l)
{
    return strncmp(l->op->name, "Cropping", 8) == 0;
}

/* ---- reading configs ------------------------------------------------------- */

/* Is key present with a value other than null? */
static bool has_key(const CfgReader *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->obj, key);
    return v && !cJSON_IsNull(v);
}

/* The data format: data_format, or Keras 1's dim_ordering ("tf", "th",
 * "default").  Absent, it is keras.json's image_data_format, except for the
 * 1D layers of Keras 1 and 2 (one_d_last), whose default was channels_last
 * whatever keras.json said. */
static DataFormat read_format(CfgReader *r, bool one_d_last)
{
    if (has_key(r, "data_format")) {
        cfg_ignore(r, "dim_ordering", (char *)NULL);
        return cfg_data_format(r);
    }
    cfg_ignore(r, "data_format", (char *)NULL);
    DataFormat def = one_d_last && r->m->keras_major < 3 ? FMT_CHANNELS_LAST
                                                          : r->m->config.image_data_format;
    const cJSON *v = cfg_take(r, NULL, "dim_ordering", (char *)NULL);
    return v ? cfg_dim_ordering(r, v, def) : def;
}

/* A size option under its name or Keras 1's (pool_length, stride, length). */
static void read_sizes(CfgReader *r, const char *key, const char *keras1, int n,
                       const int *def, int *out)
{
    if (keras1 && !has_key(r, key) && has_key(r, keras1)) {
        cfg_ignore(r, key, (char *)NULL);
        cfg_ints(r, keras1, n, def, 1, out);
        return;
    }
    if (keras1)
        cfg_ignore(r, keras1, (char *)NULL);
    cfg_ints(r, key, n, def, 1, out);
}

/* padding "valid" or "same" (Keras 3 keeps the case it was given; Keras 2
 * lowercases), or Keras 1's border_mode. */
static int read_padding(CfgReader *r, Layer *l)
{
    const char *key = "padding";
    if (!has_key(r, "padding") && has_key(r, "border_mode"))
        key = "border_mode";
    cfg_ignore(r, "padding", "border_mode", (char *)NULL);
    const char *s = cfg_str(r, key, "valid");
    char low[8] = {0};
    for (size_t i = 0; s[i] && i + 1 < sizeof low; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    if (strlen(s) < sizeof low && strcmp(low, "valid") == 0)
        return PAD_VALID;
    if (strlen(s) < sizeof low && strcmp(low, "same") == 0)
        return PAD_SAME;
    char *safe = safe_text(s);
    char *path = xformat("config.%s", key);
    layer_error(r->m, l, path, "expected \"valid\" or \"same\", got \"%s\"", safe);
    free(path);
    free(safe);
    l->ok = false;
    return PAD_VALID;
}

/* A non-negative JSON integer. */
static bool json_count(const cJSON *v, long *out)
{
    long d;
    if (!json_integer(v, &d) || d < 0 || d > INT_MAX)
        return false;
    *out = d;
    return true;
}

/* Keras 1's dictionary form of ZeroPadding1D/2D: {"left_pad": 1, ...}. */
static bool read_pad_dict(const cJSON *v, int n, long pads[3][2])
{
    static const char *const keys[2][4] = {
        {"left_pad", "right_pad", NULL, NULL},
        {"top_pad", "bottom_pad", "left_pad", "right_pad"},
    };
    if (n > 2)
        return false;
    int found = 0;
    for (int k = 0; k < 2 * n; k++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(v, keys[n - 1][k]);
        long c = 0;
        if (e && !json_count(e, &c))
            return false;
        found += e != NULL;
        pads[k / 2][k % 2] = c;
    }
    return found == cJSON_GetArraySize(v);
}

/* ZeroPadding's padding and Cropping's cropping, as Keras takes them: an
 * integer (every side), n integers (both sides of each axis; in 1D the two
 * sides), n [before, after] pairs; Keras 1 also wrote ZeroPadding2D's as
 * four integers (top, bottom, left, right) or a dictionary. */
static void read_pads(CfgReader *r, Layer *l, const char *key, int n, long def)
{
    for (int i = 0; i < 3; i++)
        l->pads[i][0] = l->pads[i][1] = i < n ? def : 0;
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return;
    bool keras1 = r->m->keras_major == 1;
    bool ok = true;
    long c;
    int size = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
    if (json_count(v, &c)) {
        for (int i = 0; i < n; i++)
            l->pads[i][0] = l->pads[i][1] = c;
    } else if (n == 1 && size == 2) {
        ok = json_count(v->child, &l->pads[0][0]) && json_count(v->child->next, &l->pads[0][1]);
    } else if (keras1 && n == 2 && size == 4) {
        int i = 0;
        for (const cJSON *e = v->child; ok && e; e = e->next, i++)
            ok = json_count(e, &l->pads[i / 2][i % 2]);
    } else if (n > 1 && size == n) {
        int i = 0;
        for (const cJSON *e = v->child; ok && e; e = e->next, i++) {
            if (json_count(e, &c))
                l->pads[i][0] = l->pads[i][1] = c;
            else
                ok = cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 &&
                     json_count(e->child, &l->pads[i][0]) &&
                     json_count(e->child->next, &l->pads[i][1]);
        }
    } else if (keras1 && cJSON_IsObject(v) && strcmp(key, "padding") == 0) {
        ok = read_pad_dict(v, n, l->pads);
    } else {
        ok = false;
    }
    if (ok)
        return;
    bool dict = keras1 && n <= 2 && strcmp(key, "padding") == 0;
    char *want;
    if (n == 1)
        want = xformat("a non-negative integer, or a list of 2 (before and after)%s",
                       dict ? ", or {\"left_pad\", \"right_pad\"}" : "");
    else if (dict)
        want = xstrdup("a non-negative integer, a list of 2 or 4, a list of 2 [before, after] "
                       "pairs, or {\"top_pad\", \"bottom_pad\", \"left_pad\", \"right_pad\"}");
    else
        want = xformat("a non-negative integer, a list of %d, or a list of %d [before, after] "
                       "pairs", n, n);
    char *msg = expect_got(want, v);
    char *path = xformat("config.%s", key);
    layer_error(r->m, l, path, "%s", msg);
    free(path);
    free(msg);
    free(want);
    l->ok = false;
    for (int i = 0; i < 3; i++)
        l->pads[i][0] = l->pads[i][1] = 0;
}

/* ---- parse --------------------------------------------------------------- */

static void pool_parse(CfgReader *r, Layer *l)
{
    int n = name_axes(l);
    static const int two[3] = {2, 2, 2};
    l->nspatial = n;
    read_sizes(r, "pool_size", n == 1 ? "pool_length" : NULL, n, two, l->kernel);
    /* strides default to the pool size (Keras 1: stride). */
    read_sizes(r, "strides", n == 1 ? "stride" : NULL, n, l->kernel, l->strides);
    l->padding = read_padding(r, l);
    l->format = read_format(r, n == 1);
}

static void global_pool_parse(CfgReader *r, Layer *l)
{
    int n = name_axes(l);
    l->nspatial = n;
    l->format = read_format(r, n == 1);
    l->keepdims = cfg_bool(r, "keepdims", false);
}

static void zero_padding_parse(CfgReader *r, Layer *l)
{
    int n = name_axes(l);
    l->nspatial = n;
    read_pads(r, l, "padding", n, 1);
    /* Keras 3's ZeroPadding1D has a data_format; Keras 1 and 2's was
     * channels_last. */
    l->format = read_format(r, n == 1);
}

static void cropping_parse(CfgReader *r, Layer *l)
{
    int n = name_axes(l);
    l->nspatial = n;
    /* Keras's defaults: (1, 1) in 1D, none in 2D, one on each side in 3D. */
    read_pads(r, l, "cropping", n, n == 2 ? 0 : 1);
    /* Cropping1D has no data_format: it crops axis 1. */
    l->format = n == 1 ? FMT_CHANNELS_LAST : read_format(r, false);
}

static void upsampling_parse(CfgReader *r, Layer *l)
{
    int n = name_axes(l);
    static const int two[3] = {2, 2, 2};
    l->nspatial = n;
    read_sizes(r, "size", n == 1 ? "length" : NULL, n, two, l->upsample);
    l->interpolation = 0;
    if (n == 2) {
        const char *s = cfg_str(r, "interpolation", "nearest");
        char low[16] = {0};
        for (size_t i = 0; s[i] && i + 1 < sizeof low; i++)
            low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        bool fits = strlen(s) < sizeof low;
        if (fits && strcmp(low, "bilinear") == 0) {
            l->interpolation = 1;
        } else if (!fits || strcmp(low, "nearest") != 0) {
            char *safe = safe_text(s);
            layer_error(r->m, l, "config.interpolation",
                        "interpolation \"%s\" is not supported (kcc supports \"nearest\" and "
                        "\"bilinear\")", safe);
            free(safe);
            l->ok = false;
        }
    }
    /* UpSampling1D has no data_format: it repeats axis 1. */
    l->format = n == 1 ? FMT_CHANNELS_LAST : read_format(r, false);
}

/* ---- shapes -------------------------------------------------------------- */

static const char *const axis_names[3] = {"first", "second", "third"};

static bool pool_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    long dims[3], ch, od[3];
    int n = l->nspatial;
    if (!spatial_of(m, l, in, n, l->format, dims, &ch))
        return false;
    for (int i = 0; i < n; i++) {
        long before, after;
        od[i] = conv_out(dims[i], l->kernel[i], l->strides[i], 1, (Padding)l->padding, &before,
                         &after);
        if (od[i] <= 0) {
            char b[128];
            layer_error(m, l, "config.pool_size",
                        "pool size %d is larger than the %s spatial axis (%ld) of the input %s, "
                        "with padding \"valid\"", l->kernel[i], axis_names[i], dims[i],
                        shape_str(in, b, sizeof b));
            return false;
        }
    }
    *out = spatial_shape(n, od, ch, l->format);
    return true;
}

static bool global_pool_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    long dims[3], ch;
    int n = l->nspatial;
    if (!spatial_of(m, l, in, n, l->format, dims, &ch))
        return false;
    if (l->keepdims) {
        long ones[3] = {1, 1, 1};
        *out = spatial_shape(n, ones, ch, l->format);
    } else {
        memset(out, 0, sizeof *out);
        out->rank = 1;
        out->dim[0] = ch;
    }
    return true;
}

static bool pad_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    long dims[3], ch, od[3];
    int n = l->nspatial;
    if (!spatial_of(m, l, in, n, l->format, dims, &ch))
        return false;
    for (int i = 0; i < n; i++) {
        long total = l->pads[i][0] + l->pads[i][1];
        if (!is_crop(l)) {
            od[i] = dims[i] + total;
            continue;
        }
        od[i] = dims[i] - total;
        if (od[i] <= 0) {
            char b[128];
            layer_error(m, l, "config.cropping",
                        "cropping %ld and %ld from the %s spatial axis (%ld) of the input %s "
                        "leaves nothing", l->pads[i][0], l->pads[i][1], axis_names[i], dims[i],
                        shape_str(in, b, sizeof b));
            return false;
        }
    }
    *out = spatial_shape(n, od, ch, l->format);
    return true;
}

static bool upsampling_infer(Model *m, Layer *l, const Shape *in, Shape *out)
{
    long dims[3], ch, od[3];
    int n = l->nspatial;
    if (!spatial_of(m, l, in, n, l->format, dims, &ch))
        return false;
    for (int i = 0; i < n; i++)
        od[i] = dims[i] * l->upsample[i]; /* both below 2^31: no overflow; shape.c bounds it */
    *out = spatial_shape(n, od, ch, l->format);
    return true;
}

/* ---- geometry for the kernels ----------------------------------------------- */

/* A sample as the kernels see it (see the top of the file): planes of a
 * right-aligned grid [d0, d1, d2] of positions holding ch values. */
typedef struct Grid {
    long planes, ch;
    long in[3], out[3];
} Grid;

/* v[0..n) right-aligned into out[3], fill before. */
static void align3(int n, const long *v, long fill, long *out)
{
    for (int i = 0; i < 3; i++)
        out[i] = i < 3 - n ? fill : v[i - (3 - n)];
}

static void grid_of(const Layer *l, const Shape *in, const Shape *out, Grid *g)
{
    int n = l->nspatial;
    long di[3], dout[3];
    bool last = l->format == FMT_CHANNELS_LAST;
    long ch = in->dim[last ? in->rank - 1 : 0];
    for (int i = 0; i < n; i++)
        di[i] = in->dim[last ? i : i + 1];
    /* The output of global pooling has no spatial axes (or sizes of 1). */
    for (int i = 0; i < n; i++)
        dout[i] = out->rank == n + 1 ? out->dim[last ? i : i + 1] : 1;
    g->planes = last ? 1 : ch;
    g->ch = last ? ch : 1;
    align3(n, di, 1, g->in);
    align3(n, dout, 1, g->out);
}

/* Template arguments: KEY, value pairs with room for numbers. */
typedef struct Args {
    const char *kv[128];
    char num[48][40];
    int n, nnum;
} Args;

static void arg_str(Args *a, const char *key, const char *value)
{
    KCC_ASSERT(a->n + 3 <= (int)(sizeof a->kv / sizeof *a->kv));
    a->kv[a->n++] = key;
    a->kv[a->n++] = value;
    a->kv[a->n] = NULL;
}

static void arg_num(Args *a, const char *key, long v)
{
    KCC_ASSERT(a->nnum < (int)(sizeof a->num / sizeof *a->num));
    snprintf(a->num[a->nnum], sizeof a->num[0], "%ld", v);
    arg_str(a, key, a->num[a->nnum++]);
}

/* "v", "v + 2" or "v - 1" into buf[40] */
static const char *offset_expr(char *buf, const char *v, long d)
{
    if (d == 0)
        snprintf(buf, 40, "%s", v);
    else
        snprintf(buf, 40, "%s %c %ld", v, d > 0 ? '+' : '-', d > 0 ? d : -d);
    return buf;
}

static void args_grid(Args *a, const Grid *g)
{
    static const char *const in_keys[3] = {"I0", "I1", "I2"};
    static const char *const out_keys[3] = {"O0", "O1", "O2"};
    arg_num(a, "PLANES", g->planes);
    arg_num(a, "CH", g->ch);
    arg_num(a, "IN_PLANE", g->in[0] * g->in[1] * g->in[2] * g->ch);
    arg_num(a, "OUT_PLANE", g->out[0] * g->out[1] * g->out[2] * g->ch);
    for (int i = 0; i < 3; i++) {
        arg_num(a, in_keys[i], g->in[i]);
        arg_num(a, out_keys[i], g->out[i]);
    }
}

/* Pooling windows: size K, stride S and padding before P of each axis.
 * Sizes that cannot matter are reduced so that the kernel's int index
 * arithmetic stays far from overflow: a stride with one output, a window
 * beyond the padded input. */
static void args_windows(Args *a, const Layer *l, const Grid *g)
{
    static const char *const kk[3] = {"K0", "K1", "K2"};
    static const char *const sk[3] = {"S0", "S1", "S2"};
    static const char *const pk[3] = {"P0", "P1", "P2"};
    int n = l->nspatial;
    for (int i = 0; i < 3; i++) {
        long k = 1, s = 1, before = 0, after;
        if (i >= 3 - n) {
            int j = i - (3 - n);
            k = l->kernel[j];
            s = l->strides[j];
            conv_out(g->in[i], l->kernel[j], l->strides[j], 1, (Padding)l->padding, &before,
                     &after);
        }
        if (g->out[i] == 1)
            s = 1;
        if (k > g->in[i] + before)
            k = g->in[i] + before;
        arg_num(a, kk[i], k);
        arg_num(a, sk[i], s);
        arg_num(a, pk[i], before);
    }
}

/* The box copy of zero padding and cropping, forward or (grad) backward:
 * along each axis, output positions [LO, LO + count) hold input positions
 * [SRC, SRC + count); the rest are zeros. */
static void args_box(Args *a, const Layer *l, const Grid *g, bool grad, StrBuf *xr)
{
    static const char *const lok[2] = {"LO0", "LO1"}, *const hik[2] = {"HI0", "HI1"};
    int n = l->nspatial;
    Grid box = *g;
    if (grad) { /* from dy (the output's shape) into dx (the input's) */
        memcpy(box.in, g->out, sizeof box.in);
        memcpy(box.out, g->in, sizeof box.out);
    }
    args_grid(a, &box);
    char ix[2][40];
    for (int i = 0; i < 3; i++) {
        long before = i >= 3 - n ? l->pads[i - (3 - n)][0] : 0;
        long lo = is_crop(l) ? 0 : before, src = is_crop(l) ? before : 0;
        long count = is_crop(l) ? g->out[i] : g->in[i];
        if (grad) {
            long t = lo;
            lo = src;
            src = t;
        }
        if (i < 2) {
            arg_num(a, lok[i], lo);
            arg_num(a, hik[i], lo + count);
            offset_expr(ix[i], i == 0 ? "o0" : "o1", src - lo);
        } else {
            arg_num(a, "LEAD", lo * box.ch);
            arg_num(a, "COPY", count * box.ch);
            arg_num(a, "TAIL", (lo + count) * box.ch);
            arg_num(a, "ROW", box.out[2] * box.ch);
            /* The input row of output row (o0, o1), and its first element. */
            sb_printf(xr, strchr(ix[0], ' ') ? "((%s) * %ld + %s) * %ld" : "(%s * %ld + %s) * %ld",
                      ix[0], box.in[1], ix[1], box.in[2] * box.ch);
            if (src)
                sb_printf(xr, " + %ld", src * box.ch);
        }
    }
    arg_str(a, "XR", xr->data);
}

static void args_upsample(Args *a, const Layer *l)
{
    static const char *const uk[3] = {"U0", "U1", "U2"};
    int n = l->nspatial;
    for (int i = 0; i < 3; i++)
        arg_num(a, uk[i], i >= 3 - n ? l->upsample[i - (3 - n)] : 1);
}

/* The source coordinate scale of bilinear resizing, in_size / out_size, as
 * the float TF computes. */
static void args_bilinear(Args *a, const Grid *g, StrBuf *sh, StrBuf *sw)
{
    static const Dialect f32 = {"float", "f", "f", 9};
    emit_literal(sh, &f32, (double)((float)g->in[1] / (float)g->out[1]));
    emit_literal(sw, &f32, (double)((float)g->in[2] / (float)g->out[2]));
    arg_str(a, "SH", sh->data);
    arg_str(a, "SW", sw->data);
}

/* Everything a layer's kernel template takes besides FN, COMMENT, T, L, F
 * and the epilogues; its name into *tmpl. */
static void kernel_args(const Layer *l, const Grid *g, Args *a, StrBuf *s1, StrBuf *s2,
                        const char **tmpl)
{
    switch (l->op->name[0]) {
    case 'M':
    case 'A':
        args_grid(a, g);
        args_windows(a, l, g);
        *tmpl = is_max(l) ? "pool_max.c" : "pool_avg.c";
        break;
    case 'G': {
        arg_num(a, "PLANES", g->planes);
        arg_num(a, "CH", g->ch);
        long count = g->in[0] * g->in[1] * g->in[2];
        arg_num(a, "COUNT", count);
        arg_num(a, "IN_PLANE", count * g->ch);
        *tmpl = is_max(l) ? "pool_global_max.c" : "pool_global_avg.c";
        break;
    }
    case 'Z':
    case 'C':
        args_box(a, l, g, false, s1);
        *tmpl = "pad.c";
        break;
    case 'U':
        args_grid(a, g);
        args_upsample(a, l);
        *tmpl = "upsample.c";
        if (l->interpolation == 1) {
            args_bilinear(a, g, s1, s2);
            *tmpl = "upsample_bilinear.c";
        }
        break;
    default:
        internal_error(__FILE__, __LINE__, l->op->name);
    }
}

/* ---- inference ---------------------------------------------------------- */

static void pool_emit(Emit *e, const Step *s)
{
    const Layer *l = s->layer;
    const Model *m = e->plan->m;
    Grid g;
    grid_of(l, &m->values[s->in].shape, &m->values[s->out].shape, &g);
    Args a = {{0}, {{0}}, 0, 0};
    StrBuf s1 = {0}, s2 = {0}, row = {0}, after = {0};
    const char *tmpl;
    sb_add(&s1, "");
    sb_add(&s2, "");
    sb_add(&row, "");
    sb_add(&after, "");
    kernel_args(l, &g, &a, &s1, &s2, &tmpl);
    /* Element-wise activations on each output position as it is done (its
     * channels, in channels_last); softmax and channels_first at the end. */
    bool windowed = strcmp(tmpl, "pool_max.c") == 0 || strcmp(tmpl, "pool_avg.c") == 0;
    if (windowed && g.ch > 1 && epilogue_elementwise(s))
        emit_epilogue(e, &row, s, "yo", "yo", g.ch);
    else
        emit_epilogue(e, &after, s, "y", "y", 0);
    if (windowed)
        arg_str(&a, "ROW_EPILOGUE", row.data);
    arg_str(&a, "EPILOGUE", after.data);
    emit_kernel(e, s, tmpl, a.kv);
    sb_free(&s1);
    sb_free(&s2);
    sb_free(&row);
    sb_free(&after);
}

/* ---- training ----------------------------------------------------------- */

/* The gradient kernel of each forward template. */
static const char *grad_template(const char *tmpl)
{
    static const char *const pairs[][2] = {
        {"pool_max.c", "pool_max_grad.c"},
        {"pool_avg.c", "pool_avg_grad.c"},
        {"pool_global_max.c", "pool_global_max_grad.c"},
        {"pool_global_avg.c", "pool_global_avg_grad.c"},
        {"upsample.c", "upsample_grad.c"},
        {"upsample_bilinear.c", "upsample_bilinear_grad.c"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
        if (strcmp(pairs[i][0], tmpl) == 0)
            return pairs[i][1];
    internal_error(__FILE__, __LINE__, tmpl);
}

/* Expands a per-sample kernel template (float, no epilogue) named fn; a
 * is left as it was. */
static void sample_kernel(StrBuf *out, const char *tmpl, Args *a, const char *fn,
                          const char *comment)
{
    int n = a->n;
    arg_str(a, "FN", fn);
    arg_str(a, "COMMENT", comment);
    arg_str(a, "T", "float");
    arg_str(a, "L", "f");
    arg_str(a, "F", "f");
    arg_str(a, "EPILOGUE", "");
    arg_str(a, "ROW_EPILOGUE", "");
    template_expand(out, template_get(tmpl), a->kv);
    sb_add(out, "\n");
    a->n = n;
    a->kv[n] = NULL;
}

static void pool_train(TEmit *te, const TStep *s)
{
    const Layer *l = s->layer;
    Grid g;
    grid_of(l, &s->in_shape, &s->out_shape, &g);
    Args a = {{0}, {{0}}, 0, 0};
    StrBuf s1 = {0}, s2 = {0}, kernels = {0}, fwd = {0}, bwd = {0};
    const char *tmpl;
    sb_add(&s1, "");
    sb_add(&s2, "");
    sb_add(&kernels, "");
    kernel_args(l, &g, &a, &s1, &s2, &tmpl);
    char *fn = xformat("%s%s_sample", l->cname, s->suffix);
    char *gfn = xformat("%s_grad", fn);
    sample_kernel(&kernels, tmpl, &a, fn, "/* forward, one sample */");
    if (strcmp(tmpl, "pad.c") == 0) {
        /* The gradient of a box copy is the reverse box copy. */
        Args b = {{0}, {{0}}, 0, 0};
        StrBuf xr = {0};
        args_box(&b, l, &g, true, &xr);
        sample_kernel(&kernels, "pad.c", &b, gfn, "/* backward, one sample: dx from dy */");
        sb_free(&xr);
        sb_printf(&bwd, "%s(dys, dxs);", gfn);
    } else {
        sample_kernel(&kernels, grad_template(tmpl), &a, gfn,
                      "/* backward, one sample: dx from x and dy */");
        sb_printf(&bwd, "%s(xs, dys, dxs);", gfn);
    }
    sb_printf(&fwd, "%s(xs, ys);", fn);
    /* The kernels end with a blank line; the template puts its own. */
    while (kernels.len && kernels.data[kernels.len - 1] == '\n')
        kernels.data[--kernels.len] = '\0';
    char insize[32];
    const char *kv[] = {
        "KERNELS", kernels.data,
        "IN_SIZE", op_num(insize, shape_count(&s->in_shape)),
        "FORWARD_CALL", fwd.data,
        "BACKWARD_CALL", bwd.data,
        NULL,
    };
    train_kernel(te, s, "train_pool.c", kv);
    free(fn);
    free(gfn);
    sb_free(&s1);
    sb_free(&s2);
    sb_free(&kernels);
    sb_free(&fwd);
    sb_free(&bwd);
}

/* ---- the model as Keras 2 JSON --------------------------------------------- */

static cJSON *pair_json(const long *p)
{
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber((double)p[0]));
    cJSON_AddItemToArray(a, cJSON_CreateNumber((double)p[1]));
    return a;
}

const char *pool_keras_config(const Layer *l, cJSON *c)
{
    if (!l->op->parse || (l->op->parse != pool_parse && l->op->parse != global_pool_parse &&
                          l->op->parse != zero_padding_parse && l->op->parse != cropping_parse &&
                          l->op->parse != upsampling_parse))
        return NULL;
    int n = l->nspatial;
    const char *fmt = l->format == FMT_CHANNELS_FIRST ? "channels_first" : "channels_last";
    static const char *const names[][3] = {
        {"MaxPooling1D", "MaxPooling2D", "MaxPooling3D"},
        {"AveragePooling1D", "AveragePooling2D", "AveragePooling3D"},
        {"GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"},
        {"GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"},
        {"ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"},
        {"Cropping1D", "Cropping2D", "Cropping3D"},
        {"UpSampling1D", "UpSampling2D", "UpSampling3D"},
    };
    int kind;
    if (l->op->parse == pool_parse) {
        kind = is_max(l) ? 0 : 1;
        cJSON_AddItemToObject(c, "pool_size", ints_json(n, l->kernel));
        cJSON_AddStringToObject(c, "padding", l->padding == PAD_SAME ? "same" : "valid");
        cJSON_AddItemToObject(c, "strides", ints_json(n, l->strides));
        cJSON_AddStringToObject(c, "data_format", fmt);
    } else if (l->op->parse == global_pool_parse) {
        kind = is_max(l) ? 2 : 3;
        cJSON_AddStringToObject(c, "data_format", fmt);
        cJSON_AddBoolToObject(c, "keepdims", l->keepdims);
    } else if (l->op->parse == upsampling_parse) {
        kind = 6;
        if (n == 1) {
            cJSON_AddNumberToObject(c, "size", l->upsample[0]);
        } else {
            cJSON_AddItemToObject(c, "size", ints_json(n, l->upsample));
            cJSON_AddStringToObject(c, "data_format", fmt);
        }
        if (n == 2)
            cJSON_AddStringToObject(c, "interpolation", l->interpolation ? "bilinear" : "nearest");
    } else {
        kind = is_crop(l) ? 5 : 4;
        const char *key = is_crop(l) ? "cropping" : "padding";
        if (n == 1) {
            cJSON_AddItemToObject(c, key, pair_json(l->pads[0]));
        } else {
            cJSON *a = cJSON_CreateArray();
            for (int i = 0; i < n; i++)
                cJSON_AddItemToArray(a, pair_json(l->pads[i]));
            cJSON_AddItemToObject(c, key, a);
        }
        /* Keras 2's 1D layers had no data_format: written only when needed. */
        if (n > 1 || l->format == FMT_CHANNELS_FIRST)
            cJSON_AddStringToObject(c, "data_format", fmt);
    }
    return names[kind][n - 1];
}

/* ---- the table ------------------------------------------------------------ */

#define POOL(name)                                                                        \
    {name, OPF_EPILOGUE, pool_parse, pool_infer, NULL, pool_emit, NULL, NULL, NULL, pool_train}
#define GLOBAL(name)                                                                      \
    {name, OPF_EPILOGUE, global_pool_parse, global_pool_infer, NULL, pool_emit, NULL, NULL,  \
     NULL, pool_train}
#define ROW(name, parse, infer)                                                           \
    {name, OPF_EPILOGUE, parse, infer, NULL, pool_emit, NULL, NULL, NULL, pool_train}

/* Keras 3's short names (MaxPool2D, AvgPool2D, GlobalAvgPool2D, ...) are
 * aliases of the same classes. */
const OpDef pool_ops[] = {
    POOL("MaxPooling1D"), POOL("MaxPooling2D"), POOL("MaxPooling3D"),
    POOL("MaxPool1D"), POOL("MaxPool2D"), POOL("MaxPool3D"),
    POOL("AveragePooling1D"), POOL("AveragePooling2D"), POOL("AveragePooling3D"),
    POOL("AvgPool1D"), POOL("AvgPool2D"), POOL("AvgPool3D"),
    GLOBAL("GlobalMaxPooling1D"), GLOBAL("GlobalMaxPooling2D"), GLOBAL("GlobalMaxPooling3D"),
    GLOBAL("GlobalMaxPool1D"), GLOBAL("GlobalMaxPool2D"), GLOBAL("GlobalMaxPool3D"),
    GLOBAL("GlobalAveragePooling1D"), GLOBAL("GlobalAveragePooling2D"),
    GLOBAL("GlobalAveragePooling3D"),
    GLOBAL("GlobalAvgPool1D"), GLOBAL("GlobalAvgPool2D"), GLOBAL("GlobalAvgPool3D"),
    ROW("ZeroPadding1D", zero_padding_parse, pad_infer),
    ROW("ZeroPadding2D", zero_padding_parse, pad_infer),
    ROW("ZeroPadding3D", zero_padding_parse, pad_infer),
    ROW("Cropping1D", cropping_parse, pad_infer),
    ROW("Cropping2D", cropping_parse, pad_infer),
    ROW("Cropping3D", cropping_parse, pad_infer),
    ROW("UpSampling1D", upsampling_parse, upsampling_infer),
    ROW("UpSampling2D", upsampling_parse, upsampling_infer),
    ROW("UpSampling3D", upsampling_parse, upsampling_infer),
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
