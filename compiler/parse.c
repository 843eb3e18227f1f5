/*
 * parse.c - model file -> Model.
 *
 * Reads both inputs kcc accepts:
 *   - Keras architecture JSON from model.to_json(): Keras 1 (a bare layer
 *     list, output_dim, init), Keras 2 / tf.keras (class_name/config,
 *     batch_input_shape) and Keras 3 (module, registered_name, batch_shape,
 *     dtype-policy objects);
 *   - TF.js layers-model files: {"modelTopology", "weightsManifest"}, with
 *     the topology either the Keras JSON itself or the converter's
 *     {"keras_version", "model_config", "training_config"}.
 *
 * Every problem is reported with the file, the JSON path, the layer's name
 * and type, what was expected and what was found; parsing goes on after an
 * error so that one run reports them all.
 */
#include "compiler.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading a layer's config ------------------------------------------ */

static int cfg_key_index(CfgReader *r, const char *key)
{
    int i = 0;
    for (const cJSON *it = r->obj ? r->obj->child : NULL; it; it = it->next, i++)
        if (it->string && strcmp(it->string, key) == 0)
            return i;
    return -1;
}

static void cfg_mark(CfgReader *r, const char *key)
{
    int i = cfg_key_index(r, key);
    if (i >= 0 && i < (int)(sizeof r->used / sizeof *r->used))
        r->used[i] = true;
}

const cJSON *cfg_take(CfgReader *r, const char **key_out, ...)
{
    va_list ap;
    va_start(ap, key_out);
    const cJSON *found = NULL;
    for (const char *key; (key = va_arg(ap, const char *)) != NULL;) {
        cfg_mark(r, key);
        const cJSON *v = r->obj ? cJSON_GetObjectItemCaseSensitive(r->obj, key) : NULL;
        if (!found && v && !cJSON_IsNull(v)) {
            found = v;
            if (key_out)
                *key_out = key;
        }
    }
    va_end(ap);
    return found;
}

void cfg_ignore(CfgReader *r, ...)
{
    va_list ap;
    va_start(ap, r);
    for (const char *key; (key = va_arg(ap, const char *)) != NULL;)
        cfg_mark(r, key);
    va_end(ap);
}

static void cfg_bad(CfgReader *r, const char *key, const char *expected, const cJSON *got)
{
    char *msg = expect_got(expected, got);
    char *path = xformat("config.%s", key);
    layer_error(r->m, r->l, path, "%s", msg);
    free(path);
    free(msg);
    r->l->ok = false;
}

/* What an integer in [lo, hi] is called in a message; the upper bound is
 * named only when the value broke it. */
static char *int_range_text(long lo, long hi, bool too_big)
{
    const char *base = lo == 1 ? "a positive integer" : lo == 0 ? "a non-negative integer" : NULL;
    if (base && hi >= INT_MAX)
        return too_big ? xformat("%s no larger than %ld", base, hi) : xstrdup(base);
    return xformat("an integer from %ld to %ld", lo, hi);
}

long cfg_int(CfgReader *r, const char *key, long def, long lo, long hi)
{
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return def;
    long n;
    if (!json_integer(v, &n) || n < lo || n > hi) {
        char *want = int_range_text(lo, hi, json_integer(v, &n) && n > hi);
        cfg_bad(r, key, want, v);
        free(want);
        return def;
    }
    return n;
}

double cfg_num(CfgReader *r, const char *key, double def, double lo, double hi)
{
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return def;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) {
        char *want;
        if (lo == 0 && hi == DBL_MAX)
            want = xstrdup("a non-negative number");
        else if (lo == -DBL_MAX && hi == DBL_MAX)
            want = xstrdup("a number");
        else
            want = xformat("a number from %g to %g", lo, hi);
        cfg_bad(r, key, want, v);
        free(want);
        return def;
    }
    return v->valuedouble;
}

bool cfg_bool(CfgReader *r, const char *key, bool def)
{
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return def;
    if (!cJSON_IsBool(v)) {
        cfg_bad(r, key, "true or false", v);
        return def;
    }
    return cJSON_IsTrue(v);
}

const char *cfg_str(CfgReader *r, const char *key, const char *def)
{
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return def;
    if (!cJSON_IsString(v)) {
        cfg_bad(r, key, "a string", v);
        return def;
    }
    return v->valuestring;
}

void cfg_activation(CfgReader *r, const char *key, Act *act)
{
    memset(act, 0, sizeof *act);
    act->kind = ACT_LINEAR;
    act->axis = -1;
    const cJSON *v = cfg_take(r, NULL, key, (char *)NULL);
    if (!v)
        return;
    const char *name = NULL;
    if (cJSON_IsString(v)) {
        name = v->valuestring;
    } else if (cJSON_IsObject(v)) {
        /* Keras 3 may write {"module": "keras.activations", "class_name":
         * "function", "config": "relu", ...}. */
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "config");
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(v, "class_name");
        if (cJSON_IsString(c))
            name = c->valuestring;
        else if (cJSON_IsString(cn))
            name = cn->valuestring;
    }
    if (!name) {
        cfg_bad(r, key, "an activation name", v);
        return;
    }
    const ActDef *def = act_lookup(name, r->m->keras_major);
    if (!def) {
        char *path = xformat("config.%s", key);
        char *safe = safe_text(name);
        layer_error(r->m, r->l, path, "unknown activation '%s' (kcc knows %s)", safe, act_names());
        free(safe);
        free(path);
        r->l->ok = false;
        return;
    }
    act->kind = def->kind;
    if (def->kind == ACT_ELU)
        act->alpha = 1.0;
    if (def->kind == ACT_LEAKY_RELU)
        act->alpha = 0.2; /* keras.activations.leaky_relu's default */
}

/* Initializer names compared without case or underscores:
 * "GlorotUniform", "glorot_uniform" and TF.js's "LeCunNormal" all match. */
static bool name_is(const char *a, const char *b)
{
    for (;;) {
        while (*a == '_')
            a++;
        while (*b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char cb = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (ca != cb)
            return false;
        a++;
        b++;
    }
}

typedef struct InitName {
    const char *name;
    kcc_init_kind kind;
    double scale;               /* variance scaling */
    kcc_fan_mode mode;
    kcc_distribution dist;
} InitName;

static const InitName init_names[] = {
    {"zeros", KCC_INIT_ZEROS, 0, 0, 0},
    {"zero", KCC_INIT_ZEROS, 0, 0, 0},
    {"ones", KCC_INIT_ONES, 0, 0, 0},
    {"one", KCC_INIT_ONES, 0, 0, 0},
    {"constant", KCC_INIT_CONSTANT, 0, 0, 0},
    {"random_uniform", KCC_INIT_RANDOM_UNIFORM, 0, 0, 0},
    {"uniform", KCC_INIT_RANDOM_UNIFORM, 0, 0, 0},
    {"random_normal", KCC_INIT_RANDOM_NORMAL, 0, 0, 0},
    {"normal", KCC_INIT_RANDOM_NORMAL, 0, 0, 0},
    {"truncated_normal", KCC_INIT_TRUNCATED_NORMAL, 0, 0, 0},
    {"orthogonal", KCC_INIT_ORTHOGONAL, 0, 0, 0},
    {"identity", KCC_INIT_IDENTITY, 0, 0, 0},
    {"variance_scaling", KCC_INIT_VARIANCE_SCALING, 1.0, KCC_FAN_IN, KCC_DIST_TRUNCATED_NORMAL},
    {"glorot_uniform", KCC_INIT_VARIANCE_SCALING, 1.0, KCC_FAN_AVG, KCC_DIST_UNIFORM},
    {"glorot_normal", KCC_INIT_VARIANCE_SCALING, 1.0, KCC_FAN_AVG, KCC_DIST_TRUNCATED_NORMAL},
    {"he_uniform", KCC_INIT_VARIANCE_SCALING, 2.0, KCC_FAN_IN, KCC_DIST_UNIFORM},
    {"he_normal", KCC_INIT_VARIANCE_SCALING, 2.0, KCC_FAN_IN, KCC_DIST_TRUNCATED_NORMAL},
    {"lecun_uniform", KCC_INIT_VARIANCE_SCALING, 1.0, KCC_FAN_IN, KCC_DIST_UNIFORM},
    {"lecun_normal", KCC_INIT_VARIANCE_SCALING, 1.0, KCC_FAN_IN, KCC_DIST_TRUNCATED_NORMAL},
};

/* A number inside an initializer's config, reported with its path. */
static double init_num(CfgReader *r, const char *key, const cJSON *cfg,
                       const char *field, double def)
{
    const cJSON *v = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, field) : NULL;
    if (!v || cJSON_IsNull(v))
        return def;
    if (!cJSON_IsNumber(v)) {
        char *k = xformat("%s.config.%s", key, field);
        cfg_bad(r, k, "a number", v);
        free(k);
        return def;
    }
    return v->valuedouble;
}

void cfg_initializer(CfgReader *r, Param *p, const char *key, const char *key1,
                     const char *def)
{
    const char *used = key;
    const cJSON *v = cfg_take(r, &used, key, key1, (char *)NULL);
    const char *name = def;
    const cJSON *cfg = NULL;
    bool keras1_string = false;
    if (v && cJSON_IsString(v)) {
        name = v->valuestring;
        keras1_string = r->m->keras_major == 1;
    } else if (v && cJSON_IsObject(v)) {
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(v, "class_name");
        cfg = cJSON_GetObjectItemCaseSensitive(v, "config");
        if (!cJSON_IsString(cn)) {
            char *k = xformat("%s.class_name", used);
            cfg_bad(r, k, "an initializer name", cn);
            free(k);
            return;
        }
        name = cn->valuestring;
    } else if (v) {
        cfg_bad(r, used, "an initializer", v);
        return;
    }

    const InitName *in = NULL;
    for (size_t i = 0; i < sizeof init_names / sizeof *init_names; i++)
        if (name_is(name, init_names[i].name))
            in = &init_names[i];
    if (!in) {
        char *path = xformat("config.%s", used);
        char *safe = safe_text(name);
        const char *names[sizeof init_names / sizeof *init_names];
        for (size_t i = 0; i < sizeof init_names / sizeof *init_names; i++)
            names[i] = init_names[i].name;
        const char *near = closest_name(name, names, (int)(sizeof names / sizeof *names));
        if (near)
            layer_error(r->m, r->l, path, "unknown initializer '%s' (did you mean '%s'?)", safe,
                        near);
        else
            layer_error(r->m, r->l, path,
                        "unknown initializer '%s' (kcc knows zeros, ones, constant, "
                        "random_uniform, random_normal, truncated_normal, variance_scaling, "
                        "glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, "
                        "lecun_normal, orthogonal, identity)", safe);
        free(safe);
        free(path);
        r->l->ok = false;
        return;
    }
    kcc_init_defaults(&p->init, in->kind);
    if (in->kind == KCC_INIT_VARIANCE_SCALING) {
        p->init.a = in->scale;
        p->init.mode = in->mode;
        p->init.distribution = in->dist;
        /* Keras 1's normal-distribution initializers were not truncated. */
        if (keras1_string && in->dist == KCC_DIST_TRUNCATED_NORMAL)
            p->init.distribution = KCC_DIST_UNTRUNCATED_NORMAL;
    }
    switch (in->kind) {
    case KCC_INIT_CONSTANT:
        p->init.a = init_num(r, used, cfg, "value", 0.0);
        break;
    case KCC_INIT_RANDOM_UNIFORM:
        p->init.a = init_num(r, used, cfg, "minval", -0.05);
        p->init.b = init_num(r, used, cfg, "maxval", 0.05);
        break;
    case KCC_INIT_RANDOM_NORMAL:
    case KCC_INIT_TRUNCATED_NORMAL:
        p->init.a = init_num(r, used, cfg, "mean", 0.0);
        p->init.b = init_num(r, used, cfg, "stddev", 0.05);
        break;
    case KCC_INIT_ORTHOGONAL:
    case KCC_INIT_IDENTITY:
        p->init.a = init_num(r, used, cfg, "gain", 1.0);
        break;
    case KCC_INIT_VARIANCE_SCALING:
        if (name_is(name, "variance_scaling")) {
            p->init.a = init_num(r, used, cfg, "scale", 1.0);
            const cJSON *mode = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "mode") : NULL;
            const cJSON *dist = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "distribution") : NULL;
            if (mode && !cJSON_IsNull(mode)) {
                const char *s = cJSON_IsString(mode) ? mode->valuestring : "";
                if (strcmp(s, "fan_in") == 0)
                    p->init.mode = KCC_FAN_IN;
                else if (strcmp(s, "fan_out") == 0)
                    p->init.mode = KCC_FAN_OUT;
                else if (strcmp(s, "fan_avg") == 0)
                    p->init.mode = KCC_FAN_AVG;
                else {
                    char *k = xformat("%s.config.mode", used);
                    cfg_bad(r, k, "\"fan_in\", \"fan_out\" or \"fan_avg\"", mode);
                    free(k);
                }
            }
            if (dist && !cJSON_IsNull(dist)) {
                const char *s = cJSON_IsString(dist) ? dist->valuestring : "";
                if (strcmp(s, "truncated_normal") == 0 || strcmp(s, "normal") == 0)
                    p->init.distribution = KCC_DIST_TRUNCATED_NORMAL;
                else if (strcmp(s, "untruncated_normal") == 0)
                    p->init.distribution = KCC_DIST_UNTRUNCATED_NORMAL;
                else if (strcmp(s, "uniform") == 0)
                    p->init.distribution = KCC_DIST_UNIFORM;
                else {
                    char *k = xformat("%s.config.distribution", used);
                    cfg_bad(r, k, "\"truncated_normal\", \"untruncated_normal\" or \"uniform\"",
                            dist);
                    free(k);
                }
            }
            if (!(p->init.a > 0)) {
                char *k = xformat("%s.config.scale", used);
                cfg_bad(r, k, "a positive number",
                        cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "scale") : NULL);
                free(k);
            }
        }
        break;
    case KCC_INIT_ZEROS:
    case KCC_INIT_ONES:
        break;
    }
    const cJSON *seed = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "seed") : NULL;
    long s;
    if (seed && !cJSON_IsNull(seed)) {
        if (json_integer(seed, &s)) {
            p->init_has_seed = true;
            p->init_seed = s;
        } else {
            char *k = xformat("%s.config.seed", used);
            cfg_bad(r, k, "an integer", seed);
            free(k);
        }
    }
}

void cfg_regularizer(CfgReader *r, Param *p, const char *key, const char *key1)
{
    const char *used = key;
    const cJSON *v = cfg_take(r, &used, key, key1, (char *)NULL);
    p->l1 = p->l2 = 0;
    if (!v)
        return;
    const char *name = NULL;
    const cJSON *cfg = NULL;
    if (cJSON_IsString(v)) {
        name = v->valuestring;
    } else if (cJSON_IsObject(v)) {
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(v, "class_name");
        cfg = cJSON_GetObjectItemCaseSensitive(v, "config");
        if (cJSON_IsString(cn)) {
            name = cn->valuestring;
        } else {
            /* Keras 1: {"l1": ..., "l2": ..., "name": "WeightRegularizer"} */
            name = "l1_l2";
            cfg = v;
        }
    }
    if (!name) {
        cfg_bad(r, used, "a regularizer", v);
        return;
    }
    /* Keras's defaults: L1(0.01), L2(0.01), L1L2(0, 0). */
    double l1 = 0, l2 = 0;
    if (name_is(name, "l1"))
        l1 = 0.01;
    else if (name_is(name, "l2"))
        l2 = 0.01;
    else if (!name_is(name, "l1_l2") && !name_is(name, "l1l2")) {
        char *path = xformat("config.%s", used);
        char *safe = safe_text(name);
        layer_error(r->m, r->l, path, "unknown regularizer '%s' (kcc knows L1, L2 and L1L2)", safe);
        free(safe);
        free(path);
        r->l->ok = false;
        return;
    }
    p->l1 = init_num(r, used, cfg, "l1", l1);
    p->l2 = init_num(r, used, cfg, "l2", l2);
}

DataFormat cfg_data_format(CfgReader *r)
{
    const cJSON *v = cfg_take(r, NULL, "data_format", (char *)NULL);
    if (!v)
        return r->m->config.image_data_format;
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    if (strcmp(s, "channels_last") == 0)
        return FMT_CHANNELS_LAST;
    if (strcmp(s, "channels_first") == 0)
        return FMT_CHANNELS_FIRST;
    cfg_bad(r, "data_format", "\"channels_last\" or \"channels_first\"", v);
    return FMT_CHANNELS_LAST;
}

void cfg_finish(CfgReader *r)
{
    int i = 0;
    for (const cJSON *it = r->obj ? r->obj->child : NULL; it; it = it->next, i++) {
        if (i < (int)(sizeof r->used / sizeof *r->used) && r->used[i])
            continue;
        char *key = safe_text(it->string ? it->string : "");
        char *path = xformat("config.%s", key);
        layer_error(r->m, r->l, path, "unknown option for %s (kcc does not know what it means)",
                    r->l->op ? r->l->op->name : "this layer");
        free(path);
        free(key);
        r->l->ok = false;
    }
}

/* ---- shapes and dtypes ------------------------------------------------- */

/* A JSON list of sizes into *out; with_batch drops the first entry.  null
 * (or -1 where allowed) becomes -1, "unknown". */
static bool parse_dims(CfgReader *r, const char *key, const cJSON *v, bool with_batch,
                       Shape *out)
{
    if (!cJSON_IsArray(v)) {
        cfg_bad(r, key, "a list of sizes", v);
        return false;
    }
    int n = cJSON_GetArraySize(v) - (with_batch ? 1 : 0);
    if (n < 0 || n > MAX_RANK) {
        char *want = xformat("a list of %s1 to %d sizes", with_batch ? "a batch size and " : "",
                             MAX_RANK);
        cfg_bad(r, key, want, v);
        free(want);
        return false;
    }
    out->rank = 0;
    int i = 0;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        if (with_batch && i == 0)
            continue;
        long d;
        if (cJSON_IsNull(it)) {
            d = -1;
        } else if (!json_integer(it, &d) || d < 1 || d > INT_MAX) {
            char *k = xformat("%s[%d]", key, i);
            cfg_bad(r, k, "a positive size or null", it);
            free(k);
            return false;
        }
        out->dim[out->rank++] = d;
    }
    return true;
}

/* Layer dtypes: "float32", "float64", or a DTypePolicy object.  kcc
 * computes in floatx; lower-precision policies are refused. */
static void parse_dtype(CfgReader *r)
{
    const char *key = "dtype";
    const cJSON *v = cfg_take(r, &key, "dtype", "input_dtype", (char *)NULL);
    if (!v)
        return;
    const char *name = NULL;
    if (cJSON_IsString(v)) {
        name = v->valuestring;
    } else if (cJSON_IsObject(v)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "config");
        const cJSON *n = c ? cJSON_GetObjectItemCaseSensitive(c, "name") : NULL;
        if (cJSON_IsString(n))
            name = n->valuestring;
    }
    if (!name) {
        cfg_bad(r, key, "a dtype name or policy", v);
        return;
    }
    if (strcmp(name, "float32") == 0 || strcmp(name, "float64") == 0)
        return;
    char *path = xformat("config.%s", key);
    char *safe = safe_text(name);
    layer_error(r->m, r->l, path,
                "dtype '%s' is not supported; kcc computes in floatx (float32 or float64)", safe);
    free(safe);
    free(path);
    r->l->ok = false;
}

/* The keys every layer may carry. */
static void parse_common(CfgReader *r, Layer *l, bool first)
{
    Model *m = r->m;
    l->trainable = cfg_bool(r, "trainable", true);
    parse_dtype(r);
    cfg_ignore(r, "name", (char *)NULL);
    const cJSON *w = cfg_take(r, NULL, "weights", (char *)NULL);
    if (w)
        cfg_bad(r, "weights", "null (initial weights inside the config are not supported)", w);
    const cJSON *bs = cfg_take(r, NULL, "batch_size", (char *)NULL);
    if (bs && !cJSON_IsNumber(bs))
        cfg_bad(r, "batch_size", "a number or null", bs);

    /* The input shape: read on every layer (so bad values are reported),
     * used from the first. */
    const char *key = NULL;
    cfg_ignore(r, "batch_input_shape", "batch_shape", "batchInputShape", "input_shape",
               "inputShape", "input_dim", "inputDim", (char *)NULL);
    const cJSON *v = cfg_take(r, &key, "batch_input_shape", "batch_shape", "batchInputShape",
                              (char *)NULL);
    Shape s;
    bool have = false;
    if (v) {
        have = parse_dims(r, key, v, true, &s);
    } else if ((v = cfg_take(r, &key, "input_shape", "inputShape", (char *)NULL))) {
        have = parse_dims(r, key, v, false, &s);
    } else if ((v = cfg_take(r, &key, "input_dim", "inputDim", (char *)NULL))) {
        long d;
        if (json_integer(v, &d) && d >= 1 && d <= INT_MAX) {
            s.rank = 1;
            s.dim[0] = d;
            have = true;
        } else {
            cfg_bad(r, key, "a positive integer", v);
        }
    }
    if (have && first && !m->has_input_shape) {
        m->input_shape = s;
        m->has_input_shape = true;
        m->input_shape_layer = l;
        m->input_shape_key = key;
    }
}

/* ---- layers ------------------------------------------------------------ */

static const char *const model_classes[] = {"Sequential", "Model", "Functional"};

static bool is_model_class(const char *s)
{
    for (size_t i = 0; i < sizeof model_classes / sizeof *model_classes; i++)
        if (strcmp(s, model_classes[i]) == 0)
            return true;
    return false;
}

static char *snake_case(const char *s)
{
    StrBuf sb = {0};
    sb_add(&sb, "");
    for (const char *p = s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            if (p != s && !(p[-1] >= 'A' && p[-1] <= 'Z'))
                sb_add(&sb, "_");
            char c = (char)(*p + 32);
            sb_addn(&sb, &c, 1);
        } else {
            sb_addn(&sb, p, 1);
        }
    }
    return sb.data;
}

/* Why kcc cannot use a layer of this type (caller frees), or NULL. */
static char *refusal(const char *type, const cJSON *obj)
{
    if (op_lookup(type))
        return NULL;
    const cJSON *reg = cJSON_GetObjectItemCaseSensitive(obj, "registered_name");
    const cJSON *mod = cJSON_GetObjectItemCaseSensitive(obj, "module");
    char *safe = safe_text(type), *msg;
    if (strcmp(type, "Lambda") == 0)
        msg = xstrdup("Lambda layers hold Python code, which kcc cannot compile; replace it "
                      "with built-in layers");
    else if (is_model_class(type))
        msg = xstrdup("nested models are not supported yet");
    else if (cJSON_IsString(reg) && strcmp(reg->valuestring, type) != 0 &&
             !(cJSON_IsString(mod) && strncmp(mod->valuestring, "keras", 5) == 0)) {
        char *sreg = safe_text(reg->valuestring);
        msg = xformat("custom layer type %s (registered as '%s') is not supported; kcc compiles "
                      "built-in Keras layers only", safe, sreg);
        free(sreg);
    } else if (op_known_unsupported(type)) {
        msg = xformat("layer type %s is not supported yet", safe);
    } else if (op_suggest(type)) {
        msg = xformat("unknown layer type '%s' (did you mean '%s'?)", safe, op_suggest(type));
    } else {
        msg = xformat("unknown layer type '%s'", safe);
    }
    free(safe);
    return msg;
}

/* Names every layer kcc cannot use inside a nested model, so that one run
 * lists all of them. */
static void scan_nested(Model *m, const Layer *outer, const cJSON *config, const char *path,
                        int depth)
{
    const cJSON *layers = cJSON_IsObject(config) ? cJSON_GetObjectItemCaseSensitive(config, "layers")
                                                 : config;
    if (!cJSON_IsArray(layers) || depth > 8)
        return;
    int i = 0;
    for (const cJSON *obj = layers->child; obj; obj = obj->next, i++) {
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(obj, "class_name");
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(obj, "config");
        const cJSON *nm = cJSON_IsObject(cfg) ? cJSON_GetObjectItemCaseSensitive(cfg, "name") : NULL;
        if (!cJSON_IsString(cn))
            continue;
        char *p = xformat("%s.layers[%d]", path, i);
        char *why = refusal(cn->valuestring, obj);
        if (why && !is_model_class(cn->valuestring)) {
            char *name = safe_text(cJSON_IsString(nm) ? nm->valuestring : "");
            char *type = safe_text(cn->valuestring);
            char *where = xformat("%s \"%s\" (%s): class_name", p, name, type);
            layer_error(m, outer, where, "%s", why);
            free(where);
            free(name);
            free(type);
        } else if (why) {
            scan_nested(m, outer, cfg, p, depth + 1);
        }
        free(why);
        free(p);
    }
}

/* Reads layer index i from obj; returns false if the layer cannot be used. */
static bool parse_layer(Model *m, Layer *l, int i, const cJSON *obj, bool first)
{
    l->index = i;
    l->where = xformat("layers[%d]", i);
    l->ok = true;
    l->trainable = true;
    l->input = l->output = -1;

    if (!cJSON_IsObject(obj)) {
        char *msg = expect_got("a layer object", obj);
        model_error(m, l->where, "%s", msg);
        free(msg);
        return l->ok = false;
    }
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(obj, "class_name");
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(obj, "config");
    const cJSON *nm = cfg && cJSON_IsObject(cfg) ? cJSON_GetObjectItemCaseSensitive(cfg, "name") : NULL;
    if (!cJSON_IsString(nm))
        nm = cJSON_GetObjectItemCaseSensitive(obj, "name");
    l->type = xstrdup(cJSON_IsString(cn) ? cn->valuestring : "no class_name");
    if (cJSON_IsString(nm)) {
        l->name = xstrdup(nm->valuestring);
    } else {
        char *sn = snake_case(l->type);
        l->name = xformat("%s_%d", sn, i);
        free(sn);
    }
    char *id = c_identifier(l->name);
    l->cname = xformat("l%d_%s", i, id);
    free(id);

    if (!cJSON_IsString(cn)) {
        char *msg = expect_got("a layer type such as \"Dense\"", cn);
        layer_error(m, l, "class_name", "%s", msg);
        free(msg);
        return l->ok = false;
    }
    if (!cJSON_IsObject(cfg)) {
        char *msg = expect_got("the layer's config object", cfg);
        layer_error(m, l, "config", "%s", msg);
        free(msg);
        return l->ok = false;
    }
    l->config = cfg;

    l->op = op_lookup(l->type);
    if (!l->op) {
        char *why = refusal(l->type, obj);
        layer_error(m, l, "class_name", "%s", why);
        free(why);
        if (is_model_class(l->type))
            scan_nested(m, l, cfg, "config", 1);
        return l->ok = false;
    }

    if (cJSON_GetArraySize(cfg) > (int)(sizeof ((CfgReader *)0)->used)) {
        layer_error(m, l, "config", "too many keys (%d; kcc reads at most %d)",
                    cJSON_GetArraySize(cfg), (int)(sizeof ((CfgReader *)0)->used));
        return l->ok = false;
    }
    CfgReader r = {m, l, cfg, {false}};
    parse_common(&r, l, first);
    l->op->parse(&r, l);
    cfg_finish(&r);
    return l->ok;
}

/* ---- models ------------------------------------------------------------ */

static int keras_major_of(const cJSON *topo, const cJSON *outer)
{
    const cJSON *kv = cJSON_GetObjectItemCaseSensitive(topo, "keras_version");
    if (!cJSON_IsString(kv) && outer)
        kv = cJSON_GetObjectItemCaseSensitive(outer, "keras_version");
    if (cJSON_IsString(kv)) {
        const char *s = kv->valuestring;
        if (strncmp(s, "tfjs", 4) == 0)
            return 2;
        if (s[0] >= '1' && s[0] <= '3' && s[1] == '.')
            return s[0] - '0';
    }
    /* Keras 3's schema writes "module" and "registered_name". */
    if (cJSON_GetObjectItemCaseSensitive(topo, "module") ||
        cJSON_GetObjectItemCaseSensitive(topo, "registered_name"))
        return 3;
    return 2;
}

/* Layers by name, then position. */
static int by_name(const void *a, const void *b)
{
    const Layer *x = *(const Layer *const *)a, *y = *(const Layer *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static void parse_sequential(Model *m, const cJSON *config, const char *path)
{
    const cJSON *layers = config;
    char *lpath = xstrdup(path);
    if (cJSON_IsObject(config)) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(config, "name");
        if (cJSON_IsString(nm)) {
            free(m->name);
            m->name = xstrdup(nm->valuestring);
        }
        layers = cJSON_GetObjectItemCaseSensitive(config, "layers");
        free(lpath);
        lpath = xformat("%s.layers", path);
    }
    if (!cJSON_IsArray(layers)) {
        char *msg = expect_got("a list of layers", layers);
        model_error(m, lpath, "%s", msg);
        free(msg);
        free(lpath);
        return;
    }
    int n = cJSON_GetArraySize(layers);
    if (n == 0) {
        model_error(m, path, "the model has no layers");
        free(lpath);
        return;
    }
    if (n > MAX_LAYERS) {
        model_error(m, lpath, "%d layers, more than kcc compiles (%d)", n, MAX_LAYERS);
        free(lpath);
        return;
    }
    free(lpath);
    m->layers = xcalloc((size_t)n, sizeof *m->layers);
    m->values = xcalloc((size_t)n + 1, sizeof *m->values);
    m->nlayers = n;
    m->nvalues = 1;
    m->values[0].producer = -1;
    m->input = 0;

    int i = 0;
    bool first = true;
    for (const cJSON *obj = layers->child; obj; obj = obj->next, i++) {
        Layer *l = &m->layers[i];
        parse_layer(m, l, i, obj, first);
        if (l->op && (l->op->flags & OPF_INPUT)) {
            if (!first)
                layer_error(m, l, NULL, "an InputLayer can only come first");
            l->output = 0;
        } else {
            l->input = m->nvalues - 1;
            l->output = m->nvalues;
            m->values[m->nvalues].producer = i;
            m->nvalues++;
        }
        first = false;
    }
    m->output = m->nvalues - 1;

    /* Keras requires unique layer names; weights bind by them.  Each
     * repeat is reported, naming the first layer of that name. */
    const Layer **byname = xmalloc(sizeof *byname * (size_t)n);
    int *first_of = xmalloc(sizeof *first_of * (size_t)n);
    int named = 0;
    for (int a = 0; a < n; a++) {
        first_of[a] = a;
        if (m->layers[a].name) /* not so when the layer is no object */
            byname[named++] = &m->layers[a];
    }
    qsort(byname, (size_t)named, sizeof *byname, by_name);
    for (int a = 1; a < named; a++)
        if (strcmp(byname[a]->name, byname[a - 1]->name) == 0)
            first_of[byname[a]->index] = first_of[byname[a - 1]->index];
    for (int a = 0; a < n; a++)
        if (first_of[a] != a)
            layer_error(m, &m->layers[a], "config.name",
                        "the name is already used by %s; layer names must be unique",
                        m->layers[first_of[a]].where);
    free(first_of);
    free(byname);

    /* tf.keras writes the input shape of a deferred-build Sequential here;
     * Keras 3 on the first layer's build_config. */
    if (!m->has_input_shape && cJSON_IsObject(config)) {
        const cJSON *bis = cJSON_GetObjectItemCaseSensitive(config, "build_input_shape");
        if (cJSON_IsArray(bis) && n > 0) {
            Layer *l0 = &m->layers[0];
            CfgReader r = {m, l0, config, {false}};
            Shape s;
            if (parse_dims(&r, "build_input_shape", bis, true, &s)) {
                m->input_shape = s;
                m->has_input_shape = true;
                m->input_shape_layer = NULL;
                m->input_shape_key = "config.build_input_shape";
            }
        }
    }
}

/* A functional model: not supported yet, but each layer kcc cannot
 * handle is still named, so the user sees the whole list at once. */
static void scan_functional(Model *m, const cJSON *config, const char *path)
{
    const cJSON *layers = cJSON_IsObject(config) ? cJSON_GetObjectItemCaseSensitive(config, "layers")
                                                 : NULL;
    int n = cJSON_GetArraySize(layers);
    if (cJSON_IsArray(layers) && n > 0 && n <= MAX_LAYERS) {
        m->layers = xcalloc((size_t)n, sizeof *m->layers);
        m->nlayers = n;
        int i = 0;
        for (const cJSON *obj = layers->child; obj; obj = obj->next, i++)
            parse_layer(m, &m->layers[i], i, obj, false);
    }
    model_error(m, path, "functional models (class_name \"Model\" or \"Functional\") are not "
                         "supported yet; kcc compiles Sequential models");
}

Model *parse_model(Diag *d, const char *file, const KerasConfig *kc)
{
    char *text;
    size_t len;
    kcc_error e;
    if (kcc_file_read(NULL, file, 0, KCC_FILE_MAX_JSON, &text, &len, &e) != KCC_OK) {
        diag_error(d, "%s: cannot read model file: %s", file, e.message);
        return NULL;
    }
    cJSON *root = json_parse(d, file, text, len);
    free(text);
    if (!root)
        return NULL;

    Model *m = xcalloc(1, sizeof *m);
    m->diag = d;
    m->file = file;
    m->root = root;
    m->config = *kc;
    m->dtype = kc->floatx;
    /* Until the file names the model: its file name ("churn.json" -> churn). */
    m->name = xstrdup(path_basename(file));
    char *dot = strchr(m->name, '.');
    if (dot && dot != m->name)
        *dot = '\0';
    model_add_input(m, file);
    if (kc->source)
        model_add_input(m, kc->source);
    int before = d->errors;

    if (!cJSON_IsObject(root)) {
        model_error(m, NULL, "expected a Keras model (a JSON object), got %s", json_kind(root));
        model_free(m);
        return NULL;
    }

    const cJSON *topo = root;
    const cJSON *outer = NULL;
    const char *path = "";
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "modelTopology");
    if (mt) {
        const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
        if (cJSON_IsString(fmt) && strcmp(fmt->valuestring, "layers-model") != 0) {
            char *safe = safe_text(fmt->valuestring);
            model_error(m, "format",
                        "this is a TF.js '%s', not a Keras model; kcc reads layers-models "
                        "(tensorflowjs_converter --output_format tfjs_layers_model)", safe);
            free(safe);
            model_free(m);
            return NULL;
        }
        if (!cJSON_IsObject(mt)) {
            model_error(m, "modelTopology", "expected an object, got %s", json_kind(mt));
            model_free(m);
            return NULL;
        }
        m->schema = xstrdup("TF.js layers-model");
        m->manifest = cJSON_GetObjectItemCaseSensitive(root, "weightsManifest");
        m->training_config = cJSON_GetObjectItemCaseSensitive(root, "trainingConfig");
        if (!m->training_config)
            m->training_config = cJSON_GetObjectItemCaseSensitive(mt, "training_config");
        topo = mt;
        path = "modelTopology";
        const cJSON *mc = cJSON_GetObjectItemCaseSensitive(mt, "model_config");
        if (mc) {
            outer = mt;
            topo = mc;
            path = "modelTopology.model_config";
        }
    } else if (cJSON_GetObjectItemCaseSensitive(root, "model_config")) {
        outer = root;
        topo = cJSON_GetObjectItemCaseSensitive(root, "model_config");
        path = "model_config";
    }
    if (!cJSON_IsObject(topo)) {
        model_error(m, path, "expected a Keras model object, got %s", json_kind(topo));
        model_free(m);
        return NULL;
    }

    /* Compile settings: Keras 2's training_config, Keras 3's
     * compile_config, or Keras 1's loss and optimizer at the top. */
    if (!m->training_config)
        m->training_config = cJSON_GetObjectItemCaseSensitive(root, "training_config");
    if (!m->training_config)
        m->training_config = cJSON_GetObjectItemCaseSensitive(topo, "compile_config");
    if (!m->training_config && cJSON_GetObjectItemCaseSensitive(root, "loss"))
        m->training_config = root;
    m->keras_major = keras_major_of(topo, outer);
    if (!m->schema)
        m->schema = xformat("Keras %d", m->keras_major);

    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(topo, "class_name");
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(topo, "config");
    char *cpath = *path ? xformat("%s.config", path) : xstrdup("config");
    char *npath = *path ? xformat("%s.class_name", path) : xstrdup("class_name");
    if (!cJSON_IsString(cn)) {
        char *msg = expect_got("a model class name (\"Sequential\")", cn);
        model_error(m, npath, "%s", msg);
        free(msg);
    } else if (strcmp(cn->valuestring, "Sequential") == 0) {
        parse_sequential(m, config, cpath);
    } else if (strcmp(cn->valuestring, "Model") == 0 ||
               strcmp(cn->valuestring, "Functional") == 0) {
        scan_functional(m, config, npath);
    } else {
        char *safe = safe_text(cn->valuestring);
        model_error(m, npath, "expected \"Sequential\", got \"%s\" (a subclassed or custom "
                              "model has no architecture in its JSON)", safe);
        free(safe);
    }
    free(cpath);
    free(npath);

    if (d->errors > before) {
        model_free(m);
        return NULL;
    }
    return m;
}

void model_add_input(Model *m, const char *path)
{
    m->inputs = xgrow(m->inputs, sizeof *m->inputs, (size_t)m->ninputs);
    m->inputs[m->ninputs++] = xstrdup(path);
}

void model_free(Model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->ninputs; i++)
        free(m->inputs[i]);
    free(m->inputs);
    for (int i = 0; i < m->nlayers; i++) {
        Layer *l = &m->layers[i];
        free(l->name);
        free(l->type);
        free(l->cname);
        free(l->where);
        for (int k = 0; k < l->nparams; k++)
            free(l->params[k].data);
    }
    free(m->layers);
    free(m->values);
    free(m->name);
    free(m->schema);
    free(m->weights_from);
    cJSON_Delete(m->root);
    free(m);
}

long model_param_count(const Model *m, bool trainable)
{
    long n = 0;
    for (int i = 0; i < m->nlayers; i++)
        for (int k = 0; k < m->layers[i].nparams; k++) {
            const Param *p = &m->layers[i].params[k];
            if (p->trainable == trainable)
                n += shape_count(&p->shape);
        }
    return n;
}
