/*
 * emit_keras.c - Model -> Keras JSON: the model as Keras 2 / TF.js write it.
 *
 * A trained model is saved as a TF.js layers-model whatever schema it was
 * read from (Keras 1, 2, 3 or TF.js): its topology is written afresh from
 * the IR in the Keras 2 schema that TensorFlow.js loads and that
 * tensorflowjs_converter turns back into a Keras model.  Shapes are
 * written as inferred (a Reshape's -1 becomes its size).
 */
#include "compiler.h"

#include <stdlib.h>
#include <string.h>

static cJSON *dims_json(const Shape *s, bool batch)
{
    cJSON *a = cJSON_CreateArray();
    if (batch)
        cJSON_AddItemToArray(a, cJSON_CreateNull());
    for (int i = 0; i < s->rank; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)s->dim[i]));
    return a;
}

cJSON *ints_json(int n, const int *v)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static const char *const fan_names[] = {"fan_in", "fan_out", "fan_avg"};
static const char *const dist_names[] = {"truncated_normal", "untruncated_normal", "uniform"};

cJSON *initializer_json(const kcc_initializer *in)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject();
    const char *name = "Zeros";
    switch (in->kind) {
    case KCC_INIT_ZEROS:
        break;
    case KCC_INIT_ONES:
        name = "Ones";
        break;
    case KCC_INIT_CONSTANT:
        name = "Constant";
        cJSON_AddNumberToObject(c, "value", in->a);
        break;
    case KCC_INIT_RANDOM_UNIFORM:
        name = "RandomUniform";
        cJSON_AddNumberToObject(c, "minval", in->a);
        cJSON_AddNumberToObject(c, "maxval", in->b);
        cJSON_AddNullToObject(c, "seed");
        break;
    case KCC_INIT_RANDOM_NORMAL:
    case KCC_INIT_TRUNCATED_NORMAL:
        name = in->kind == KCC_INIT_RANDOM_NORMAL ? "RandomNormal" : "TruncatedNormal";
        cJSON_AddNumberToObject(c, "mean", in->a);
        cJSON_AddNumberToObject(c, "stddev", in->b);
        cJSON_AddNullToObject(c, "seed");
        break;
    case KCC_INIT_VARIANCE_SCALING:
        name = "VarianceScaling";
        cJSON_AddNumberToObject(c, "scale", in->a);
        cJSON_AddStringToObject(c, "mode", fan_names[in->mode]);
        cJSON_AddStringToObject(c, "distribution", dist_names[in->distribution]);
        cJSON_AddNullToObject(c, "seed");
        break;
    case KCC_INIT_ORTHOGONAL:
    case KCC_INIT_IDENTITY:
        name = in->kind == KCC_INIT_ORTHOGONAL ? "Orthogonal" : "Identity";
        cJSON_AddNumberToObject(c, "gain", in->a);
        if (in->kind == KCC_INIT_ORTHOGONAL)
            cJSON_AddNullToObject(c, "seed");
        break;
    }
    cJSON_AddStringToObject(o, "class_name", name);
    cJSON_AddItemToObject(o, "config", c);
    return o;
}

cJSON *regularizer_json(const Param *p)
{
    if (!p || (p->l1 == 0 && p->l2 == 0))
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "class_name", "L1L2");
    cJSON_AddNumberToObject(c, "l1", p->l1);
    cJSON_AddNumberToObject(c, "l2", p->l2);
    cJSON_AddItemToObject(o, "config", c);
    return o;
}

static const char *activation_name(const Act *a)
{
    if (a->kind == ACT_HARD_SIGMOID3)
        return "hard_sigmoid"; /* the Keras 2 schema has only the Keras 2 form */
    return act_def(a->kind)->name;
}

static const Param *param_of(const Layer *l, const char *name)
{
    for (int i = 0; i < l->nparams; i++)
        if (strcmp(l->params[i].name, name) == 0)
            return &l->params[i];
    return NULL;
}

/* Each weight's initializer, regularizer and constraint under its Keras
 * key ("kernel", "depthwise_kernel" -> "depthwise_initializer", ...); a
 * layer without a bias still names the bias's. */
static void weights_json(const Layer *l, cJSON *c)
{
    bool bias = false;
    for (int i = 0; i < l->nparams; i++) {
        const Param *p = &l->params[i];
        size_t n = strlen(p->name);
        if (n > 7 && strcmp(p->name + n - 7, "_kernel") == 0)
            n -= 7; /* depthwise_kernel -> depthwise */
        bias |= strcmp(p->name, "bias") == 0;
        char *k = xformat("%.*s_initializer", (int)n, p->name);
        cJSON_AddItemToObject(c, k, initializer_json(&p->init));
        free(k);
        k = xformat("%.*s_regularizer", (int)n, p->name);
        cJSON_AddItemToObject(c, k, regularizer_json(p));
        free(k);
        k = xformat("%.*s_constraint", (int)n, p->name);
        cJSON_AddNullToObject(c, k);
        free(k);
    }
    if (!bias) {
        kcc_initializer zeros;
        kcc_init_defaults(&zeros, KCC_INIT_ZEROS);
        cJSON_AddItemToObject(c, "bias_initializer", initializer_json(&zeros));
        cJSON_AddNullToObject(c, "bias_regularizer");
        cJSON_AddNullToObject(c, "bias_constraint");
    }
}

static cJSON *layer_json(const Model *m, const Layer *l, bool first)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *c = cJSON_CreateObject();
    const char *type = l->op->name;
    cJSON_AddStringToObject(c, "name", l->name);
    cJSON_AddBoolToObject(c, "trainable", l->trainable);
    cJSON_AddStringToObject(c, "dtype", m->dtype == DT_F64 ? "float64" : "float32");
    if (first && !(l->op->flags & OPF_INPUT))
        cJSON_AddItemToObject(c, "batch_input_shape", dims_json(&m->values[m->input].shape, true));

    if (strcmp(type, "InputLayer") == 0) {
        cJSON_AddItemToObject(c, "batch_input_shape", dims_json(&m->values[m->input].shape, true));
        cJSON_AddBoolToObject(c, "sparse", false);
    } else if (strcmp(type, "Dense") == 0) {
        const Param *k = param_of(l, "kernel"), *b = param_of(l, "bias");
        cJSON_AddNumberToObject(c, "units", (double)l->units);
        cJSON_AddStringToObject(c, "activation", activation_name(&l->act));
        cJSON_AddBoolToObject(c, "use_bias", l->use_bias);
        cJSON_AddItemToObject(c, "kernel_initializer", initializer_json(&k->init));
        if (b) {
            cJSON_AddItemToObject(c, "bias_initializer", initializer_json(&b->init));
        } else {
            kcc_initializer zeros;
            kcc_init_defaults(&zeros, KCC_INIT_ZEROS);
            cJSON_AddItemToObject(c, "bias_initializer", initializer_json(&zeros));
        }
        cJSON_AddItemToObject(c, "kernel_regularizer", regularizer_json(k));
        cJSON_AddItemToObject(c, "bias_regularizer", regularizer_json(b));
        cJSON_AddItemToObject(c, "activity_regularizer", activity_regularizer_json(l));
        cJSON_AddNullToObject(c, "kernel_constraint");
        cJSON_AddNullToObject(c, "bias_constraint");
    } else if (strcmp(type, "Activation") == 0) {
        cJSON_AddStringToObject(c, "activation", activation_name(&l->act));
    } else if (strcmp(type, "ReLU") == 0) {
        if (l->act.kind == ACT_RELU6)
            cJSON_AddNumberToObject(c, "max_value", 6);
        else if (l->act.has_max)
            cJSON_AddNumberToObject(c, "max_value", l->act.max_value);
        else
            cJSON_AddNullToObject(c, "max_value");
        cJSON_AddNumberToObject(c, "negative_slope", l->act.alpha);
        cJSON_AddNumberToObject(c, "threshold", l->act.threshold);
    } else if (strcmp(type, "LeakyReLU") == 0 || strcmp(type, "ELU") == 0) {
        cJSON_AddNumberToObject(c, "alpha", l->act.alpha);
    } else if (strcmp(type, "Softmax") == 0) {
        cJSON_AddNumberToObject(c, "axis", l->axis_raw);
    } else if (strcmp(type, "PReLU") == 0) {
        const Param *a = param_of(l, "alpha");
        cJSON_AddItemToObject(c, "alpha_initializer", initializer_json(&a->init));
        cJSON_AddItemToObject(c, "alpha_regularizer", regularizer_json(a));
        cJSON_AddNullToObject(c, "alpha_constraint");
        if (l->shared_axes) {
            cJSON *axes = cJSON_CreateArray();
            for (int i = 0; i < MAX_RANK; i++)
                if (l->shared_axes & (1u << i))
                    cJSON_AddItemToArray(axes, cJSON_CreateNumber(i + 1));
            cJSON_AddItemToObject(c, "shared_axes", axes);
        } else {
            cJSON_AddNullToObject(c, "shared_axes");
        }
    } else if (strcmp(type, "Dropout") == 0) {
        norm_keras_config(m, l, c); /* rate, noise_shape, seed */
    } else if (strcmp(type, "Flatten") == 0) {
        cJSON_AddStringToObject(c, "data_format",
                                l->format == FMT_CHANNELS_FIRST ? "channels_first" : "channels_last");
    } else if (strcmp(type, "Reshape") == 0) {
        cJSON_AddItemToObject(c, "target_shape", dims_json(&m->values[l->output].shape, false));
    } else if (norm_keras_config(m, l, c)) {
        /* ops_norm.c's layers */
    } else {
        const char *family = pool_keras_config(l, c);
        if (!family && (family = conv_keras_config(l, c)) != NULL)
            weights_json(l, c);
        if (!family)
            internal_error(__FILE__, __LINE__, type);
        type = family;
    }
    cJSON_AddStringToObject(o, "class_name", type);
    cJSON_AddItemToObject(o, "config", c);
    return o;
}

char *keras_json(const Model *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *config = cJSON_CreateObject();
    cJSON *layers = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "class_name", "Sequential");
    cJSON_AddStringToObject(config, "name", m->name);
    for (int i = 0; i < m->nlayers; i++)
        cJSON_AddItemToArray(layers, layer_json(m, &m->layers[i], i == 0));
    cJSON_AddItemToObject(config, "layers", layers);
    cJSON_AddItemToObject(root, "config", config);
    /* The schema written: Keras 2's, as TF.js reads and writes it. */
    cJSON_AddStringToObject(root, "keras_version", "2.13.1");
    cJSON_AddStringToObject(root, "backend", "tensorflow");
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    KCC_ASSERT(text);
    char *copy = xstrdup(text);
    cJSON_free(text);
    return copy;
}
