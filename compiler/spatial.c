/*
 * spatial.c - what the convolution, pooling, padding and upsampling layers
 * share: their size options, TensorFlow's padding arithmetic, and the two
 * data layouts.
 *
 * A layer with n spatial axes (1, 2 or 3) sees a sample as
 *   channels_last:  [d1, ..., dn, C]
 *   channels_first: [C, d1, ..., dn]
 * Kernels are written once for three spatial axes (sizes of 1 beyond n)
 * and index through layout strides, so Conv1D, Conv2D and Conv3D, in
 * either format, share one template.
 */
#include "compiler.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

DataFormat cfg_dim_ordering(CfgReader *r, const cJSON *v, DataFormat def)
{
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    if (strcmp(s, "tf") == 0)
        return FMT_CHANNELS_LAST;
    if (strcmp(s, "th") == 0)
        return FMT_CHANNELS_FIRST;
    if (strcmp(s, "default") == 0)
        return r->m->config.image_data_format;
    char *msg = expect_got("\"tf\", \"th\" or \"default\"", v);
    layer_error(r->m, r->l, "config.dim_ordering", "%s", msg);
    free(msg);
    r->l->ok = false;
    return def;
}

bool cfg_ints(CfgReader *r, const char *key, int n, const int *def, int lo, int *out)
{
    for (int i = 0; i < n; i++)
        out[i] = def[i];
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return true;
    char *want = n == 1 ? xformat("an integer of at least %d, or a list of one", lo)
                        : xformat("an integer of at least %d, or a list of %d", lo, n);
    bool ok = true;
    long d;
    if (cJSON_IsNumber(v)) {
        if (!json_integer(v, &d) || d < lo || d > INT_MAX)
            ok = false;
        for (int i = 0; ok && i < n; i++)
            out[i] = (int)d;
    } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == n) {
        int i = 0;
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            if (!json_integer(it, &d) || d < lo || d > INT_MAX) {
                ok = false;
                break;
            }
            out[i] = (int)d;
        }
    } else {
        ok = false;
    }
    if (!ok) {
        char *msg = expect_got(want, v);
        char *path = xformat("config.%s", key);
        layer_error(r->m, r->l, path, "%s", msg);
        free(path);
        free(msg);
        r->l->ok = false;
    }
    free(want);
    return ok;
}

Padding cfg_padding(CfgReader *r, bool causal_ok)
{
    const char *s = cfg_str(r, "padding", "valid");
    if (strcmp(s, "valid") == 0)
        return PAD_VALID;
    if (strcmp(s, "same") == 0)
        return PAD_SAME;
    if (causal_ok && strcmp(s, "causal") == 0)
        return PAD_CAUSAL;
    char *safe = safe_text(s);
    layer_error(r->m, r->l, "config.padding", "expected \"valid\"%s or \"same\", got \"%s\"",
                causal_ok ? ", \"causal\"" : "", safe);
    free(safe);
    r->l->ok = false;
    return PAD_VALID;
}

bool spatial_of(Model *m, const Layer *l, const Shape *in, int n, DataFormat f, long *dims,
                long *channels)
{
    if (in->rank != n + 1) {
        char b[128];
        layer_error(m, l, NULL, "expected an input of rank %d (%d spatial axes and channels), "
                    "got %s", n + 2, n, shape_str(in, b, sizeof b));
        return false;
    }
    for (int i = 0; i < 3; i++)
        dims[i] = 1;
    for (int i = 0; i < n; i++)
        dims[i] = in->dim[f == FMT_CHANNELS_LAST ? i : i + 1];
    *channels = in->dim[f == FMT_CHANNELS_LAST ? n : 0];
    return true;
}

Shape spatial_shape(int n, const long *dims, long channels, DataFormat f)
{
    Shape s;
    memset(&s, 0, sizeof s);
    s.rank = n + 1;
    for (int i = 0; i < n; i++)
        s.dim[f == FMT_CHANNELS_LAST ? i : i + 1] = dims[i];
    s.dim[f == FMT_CHANNELS_LAST ? n : 0] = channels;
    return s;
}

long conv_out(long in, int kernel, int stride, int dilation, Padding p, long *before, long *after)
{
    long k = (long)(kernel - 1) * dilation + 1; /* the kernel's reach */
    long out;
    *before = *after = 0;
    switch (p) {
    case PAD_SAME: {
        out = (in + stride - 1) / stride;
        long total = (out - 1) * stride + k - in;
        if (total < 0)
            total = 0;
        *before = total / 2; /* TensorFlow: the odd one goes after */
        *after = total - *before;
        return out;
    }
    case PAD_CAUSAL:
        *before = k - 1;
        return (in + stride - 1) / stride;
    case PAD_VALID:
        break;
    }
    out = in - k + 1;
    return out <= 0 ? 0 : (out + stride - 1) / stride;
}

void layout_strides(int n, const long *dims, long channels, DataFormat f, long *cs, long *ss)
{
    long d[3] = {dims[0], n > 1 ? dims[1] : 1, n > 2 ? dims[2] : 1};
    if (f == FMT_CHANNELS_LAST) {
        *cs = 1;
        ss[2] = channels;
        ss[1] = d[2] * channels;
        ss[0] = d[1] * d[2] * channels;
    } else {
        ss[2] = 1;
        ss[1] = d[2];
        ss[0] = d[1] * d[2];
        *cs = d[0] * d[1] * d[2];
    }
}
