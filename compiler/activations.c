/*
 * activations.c - the activation table.
 *
 * Each row names a Keras activation and gives the body of the static
 * helper that generated code calls for it.  Bodies use three
 * placeholders: {{T}} the element type, {{F}} the libm suffix (expf or
 * exp) and {{L}} the literal suffix (0.5f or 0.5).  Helpers are emitted
 * only when used.  Numerics follow Keras: softmax subtracts the maximum,
 * softplus never overflows, hard_sigmoid has the slope of the Keras
 * version that wrote the model.
 */
#include "compiler.h"

#include <string.h>

static const ActDef acts[] = {
    {"linear", ACT_LINEAR, false, ARGS_NONE, NULL, "linear", NULL},
    {"relu", ACT_RELU, false, ARGS_NONE, "act_relu", "relu",
     "static {{T}} act_relu({{T}} x)\n"
     "{\n"
     "    return x > 0.0{{L}} ? x : 0.0{{L}};\n"
     "}\n"},
    {"relu6", ACT_RELU6, false, ARGS_NONE, "act_relu6", "relu6",
     "static {{T}} act_relu6({{T}} x)\n"
     "{\n"
     "    return x > 0.0{{L}} ? (x < 6.0{{L}} ? x : 6.0{{L}}) : 0.0{{L}};\n"
     "}\n"},
    /* Keras's ReLU layer: x above the threshold passes, clipped to
     * max_value; below it the slope applies to (x - threshold). */
    {"(ReLU layer)", ACT_RELU_EX, false, ARGS_RELU, "act_relu_ex",
     "relu (max_value, negative_slope, threshold)",
     "static {{T}} act_relu_ex({{T}} x, {{T}} max_value, {{T}} slope, {{T}} threshold)\n"
     "{\n"
     "    {{T}} y = x > threshold ? x : 0.0{{L}};\n"
     "    if (y > max_value)\n"
     "        y = max_value;\n"
     "    return x < threshold ? y - slope * (threshold - x) : y;\n"
     "}\n"},
    {"leaky_relu", ACT_LEAKY_RELU, false, ARGS_ALPHA, "act_leaky_relu", "leaky_relu",
     "static {{T}} act_leaky_relu({{T}} x, {{T}} alpha)\n"
     "{\n"
     "    return x > 0.0{{L}} ? x : alpha * x;\n"
     "}\n"},
    {"elu", ACT_ELU, false, ARGS_ALPHA, "act_elu", "elu",
     "static {{T}} act_elu({{T}} x, {{T}} alpha)\n"
     "{\n"
     "    return x > 0.0{{L}} ? x : alpha * expm1{{F}}(x);\n"
     "}\n"},
    {"selu", ACT_SELU, false, ARGS_NONE, "act_selu", "selu",
     "static {{T}} act_selu({{T}} x)\n"
     "{\n"
     "    const {{T}} alpha = 1.6732632423543772848170429916717{{L}};\n"
     "    const {{T}} scale = 1.0507009873554804934193349852946{{L}};\n"
     "    return x > 0.0{{L}} ? scale * x : scale * alpha * expm1{{F}}(x);\n"
     "}\n"},
    {"sigmoid", ACT_SIGMOID, false, ARGS_NONE, "act_sigmoid", "sigmoid",
     "static {{T}} act_sigmoid({{T}} x)\n"
     "{\n"
     "    return 1.0{{L}} / (1.0{{L}} + exp{{F}}(-x));\n"
     "}\n"},
    {"hard_sigmoid", ACT_HARD_SIGMOID, false, ARGS_NONE, "act_hard_sigmoid", "hard_sigmoid",
     "static {{T}} act_hard_sigmoid({{T}} x)\n"
     "{\n"
     "    {{T}} y = 0.2{{L}} * x + 0.5{{L}};\n"
     "    return y > 0.0{{L}} ? (y < 1.0{{L}} ? y : 1.0{{L}}) : 0.0{{L}};\n"
     "}\n"},
    {"hard_sigmoid", ACT_HARD_SIGMOID3, false, ARGS_NONE, "act_hard_sigmoid3", "hard_sigmoid (Keras 3)",
     "static {{T}} act_hard_sigmoid3({{T}} x)\n"
     "{\n"
     "    {{T}} y = x + 3.0{{L}};\n"
     "    y = y > 0.0{{L}} ? (y < 6.0{{L}} ? y : 6.0{{L}}) : 0.0{{L}};\n"
     "    return y / 6.0{{L}};\n"
     "}\n"},
    {"hard_silu", ACT_HARD_SILU, false, ARGS_NONE, "act_hard_silu", "hard_silu",
     "static {{T}} act_hard_silu({{T}} x)\n"
     "{\n"
     "    {{T}} y = x + 3.0{{L}};\n"
     "    y = y > 0.0{{L}} ? (y < 6.0{{L}} ? y : 6.0{{L}}) : 0.0{{L}};\n"
     "    return x * y / 6.0{{L}};\n"
     "}\n"},
    {"tanh", ACT_TANH, false, ARGS_NONE, "act_tanh", "tanh",
     "static {{T}} act_tanh({{T}} x)\n"
     "{\n"
     "    return tanh{{F}}(x);\n"
     "}\n"},
    {"softplus", ACT_SOFTPLUS, false, ARGS_NONE, "act_softplus", "softplus",
     "static {{T}} act_softplus({{T}} x)\n"
     "{\n"
     "    return x > 0.0{{L}} ? x + log1p{{F}}(exp{{F}}(-x)) : log1p{{F}}(exp{{F}}(x));\n"
     "}\n"},
    {"softsign", ACT_SOFTSIGN, false, ARGS_NONE, "act_softsign", "softsign",
     "static {{T}} act_softsign({{T}} x)\n"
     "{\n"
     "    return x / (1.0{{L}} + fabs{{F}}(x));\n"
     "}\n"},
    {"swish", ACT_SWISH, false, ARGS_NONE, "act_swish", "swish",
     "static {{T}} act_swish({{T}} x)\n"
     "{\n"
     "    return x * (1.0{{L}} / (1.0{{L}} + exp{{F}}(-x)));\n"
     "}\n"},
    {"gelu", ACT_GELU, false, ARGS_NONE, "act_gelu", "gelu",
     "static {{T}} act_gelu({{T}} x)\n"
     "{\n"
     "    return 0.5{{L}} * x * (1.0{{L}} + erf{{F}}(x * 0.70710678118654752440{{L}}));\n"
     "}\n"},
    {"gelu_new", ACT_GELU_TANH, false, ARGS_NONE, "act_gelu_tanh", "gelu (tanh approximation)",
     "static {{T}} act_gelu_tanh({{T}} x)\n"
     "{\n"
     "    const {{T}} c = 0.79788456080286535588{{L}}; /* sqrt(2 / pi) */\n"
     "    return 0.5{{L}} * x * (1.0{{L}} + tanh{{F}}(c * (x + 0.044715{{L}} * x * x * x)));\n"
     "}\n"},
    {"exponential", ACT_EXPONENTIAL, false, ARGS_NONE, "act_exponential", "exponential",
     "static {{T}} act_exponential({{T}} x)\n"
     "{\n"
     "    return exp{{F}}(x);\n"
     "}\n"},
    {"mish", ACT_MISH, false, ARGS_NONE, "act_mish", "mish",
     "static {{T}} act_mish({{T}} x)\n"
     "{\n"
     "    {{T}} sp = x > 0.0{{L}} ? x + log1p{{F}}(exp{{F}}(-x)) : log1p{{F}}(exp{{F}}(x));\n"
     "    return x * tanh{{F}}(sp);\n"
     "}\n"},
    /* Along an axis: y and x are [outer, n, inner]; y may be x. */
    {"softmax", ACT_SOFTMAX, true, ARGS_NONE, "act_softmax", "softmax",
     "static void act_softmax({{T}} *y, const {{T}} *x, int outer, int n, int inner)\n"
     "{\n"
     "    for (int o = 0; o < outer; o++) {\n"
     "        for (int i = 0; i < inner; i++) {\n"
     "            const {{T}} *xr = x + (long)o * n * inner + i;\n"
     "            {{T}} *yr = y + (long)o * n * inner + i;\n"
     "            {{T}} max = xr[0], sum = 0.0{{L}};\n"
     "            for (int k = 1; k < n; k++)\n"
     "                if (xr[k * inner] > max)\n"
     "                    max = xr[k * inner];\n"
     "            for (int k = 0; k < n; k++) {\n"
     "                {{T}} e = exp{{F}}(xr[k * inner] - max);\n"
     "                yr[k * inner] = e;\n"
     "                sum += e;\n"
     "            }\n"
     "            for (int k = 0; k < n; k++)\n"
     "                yr[k * inner] /= sum;\n"
     "        }\n"
     "    }\n"
     "}\n"},
    {"log_softmax", ACT_LOG_SOFTMAX, true, ARGS_NONE, "act_log_softmax", "log_softmax",
     "static void act_log_softmax({{T}} *y, const {{T}} *x, int outer, int n, int inner)\n"
     "{\n"
     "    for (int o = 0; o < outer; o++) {\n"
     "        for (int i = 0; i < inner; i++) {\n"
     "            const {{T}} *xr = x + (long)o * n * inner + i;\n"
     "            {{T}} *yr = y + (long)o * n * inner + i;\n"
     "            {{T}} max = xr[0], sum = 0.0{{L}};\n"
     "            for (int k = 1; k < n; k++)\n"
     "                if (xr[k * inner] > max)\n"
     "                    max = xr[k * inner];\n"
     "            for (int k = 0; k < n; k++)\n"
     "                sum += exp{{F}}(xr[k * inner] - max);\n"
     "            sum = log{{F}}(sum);\n"
     "            for (int k = 0; k < n; k++)\n"
     "                yr[k * inner] = xr[k * inner] - max - sum;\n"
     "        }\n"
     "    }\n"
     "}\n"},
};

/* Derivatives for training: dact_<name>(x, y[, args]) = dy/dx at input x
 * with output y (whichever is cheaper); along an axis, the vector-Jacobian
 * product.  At kinks they take TensorFlow's side (relu'(0) = 0). */
static const struct {
    ActKind kind;
    const char *body;
} grads[] = {
    {ACT_RELU,
     "static {{T}} dact_relu({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    return x > 0.0{{L}} ? 1.0{{L}} : 0.0{{L}};\n"
     "}\n"},
    {ACT_RELU6,
     "static {{T}} dact_relu6({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    return x > 0.0{{L}} && x < 6.0{{L}} ? 1.0{{L}} : 0.0{{L}};\n"
     "}\n"},
    {ACT_RELU_EX,
     "static {{T}} dact_relu_ex({{T}} x, {{T}} y, {{T}} max_value, {{T}} slope, {{T}} threshold)\n"
     "{\n"
     "    if (x < threshold)\n"
     "        return slope;\n"
     "    return x > threshold && y < max_value ? 1.0{{L}} : 0.0{{L}};\n"
     "}\n"},
    {ACT_LEAKY_RELU,
     "static {{T}} dact_leaky_relu({{T}} x, {{T}} y, {{T}} alpha)\n"
     "{\n"
     "    (void)y;\n"
     "    return x > 0.0{{L}} ? 1.0{{L}} : alpha;\n"
     "}\n"},
    {ACT_ELU,
     "static {{T}} dact_elu({{T}} x, {{T}} y, {{T}} alpha)\n"
     "{\n"
     "    return x > 0.0{{L}} ? 1.0{{L}} : y + alpha;\n"
     "}\n"},
    {ACT_SELU,
     "static {{T}} dact_selu({{T}} x, {{T}} y)\n"
     "{\n"
     "    const {{T}} alpha = 1.6732632423543772848170429916717{{L}};\n"
     "    const {{T}} scale = 1.0507009873554804934193349852946{{L}};\n"
     "    return x > 0.0{{L}} ? scale : y + scale * alpha;\n"
     "}\n"},
    {ACT_SIGMOID,
     "static {{T}} dact_sigmoid({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)x;\n"
     "    return y * (1.0{{L}} - y);\n"
     "}\n"},
    {ACT_HARD_SIGMOID,
     "static {{T}} dact_hard_sigmoid({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    return x > -2.5{{L}} && x < 2.5{{L}} ? 0.2{{L}} : 0.0{{L}};\n"
     "}\n"},
    {ACT_HARD_SIGMOID3,
     "static {{T}} dact_hard_sigmoid3({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    return x > -3.0{{L}} && x < 3.0{{L}} ? 1.0{{L}} / 6.0{{L}} : 0.0{{L}};\n"
     "}\n"},
    {ACT_HARD_SILU,
     "static {{T}} dact_hard_silu({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    if (x < -3.0{{L}})\n"
     "        return 0.0{{L}};\n"
     "    if (x > 3.0{{L}})\n"
     "        return 1.0{{L}};\n"
     "    return (2.0{{L}} * x + 3.0{{L}}) / 6.0{{L}};\n"
     "}\n"},
    {ACT_TANH,
     "static {{T}} dact_tanh({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)x;\n"
     "    return 1.0{{L}} - y * y;\n"
     "}\n"},
    {ACT_SOFTPLUS,
     "static {{T}} dact_softplus({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    return 1.0{{L}} / (1.0{{L}} + exp{{F}}(-x));\n"
     "}\n"},
    {ACT_SOFTSIGN,
     "static {{T}} dact_softsign({{T}} x, {{T}} y)\n"
     "{\n"
     "    {{T}} d = 1.0{{L}} + fabs{{F}}(x);\n"
     "    (void)y;\n"
     "    return 1.0{{L}} / (d * d);\n"
     "}\n"},
    {ACT_SWISH,
     "static {{T}} dact_swish({{T}} x, {{T}} y)\n"
     "{\n"
     "    {{T}} s = 1.0{{L}} / (1.0{{L}} + exp{{F}}(-x));\n"
     "    (void)y;\n"
     "    return s + x * s * (1.0{{L}} - s);\n"
     "}\n"},
    {ACT_GELU,
     "static {{T}} dact_gelu({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)y;\n"
     "    return 0.5{{L}} * (1.0{{L}} + erf{{F}}(x * 0.70710678118654752440{{L}})) +\n"
     "           x * exp{{F}}(-0.5{{L}} * x * x) * 0.39894228040143267794{{L}};\n"
     "}\n"},
    {ACT_GELU_TANH,
     "static {{T}} dact_gelu_tanh({{T}} x, {{T}} y)\n"
     "{\n"
     "    const {{T}} c = 0.79788456080286535588{{L}};\n"
     "    {{T}} t = tanh{{F}}(c * (x + 0.044715{{L}} * x * x * x));\n"
     "    (void)y;\n"
     "    return 0.5{{L}} * (1.0{{L}} + t) +\n"
     "           0.5{{L}} * x * (1.0{{L}} - t * t) * c * (1.0{{L}} + 0.134145{{L}} * x * x);\n"
     "}\n"},
    {ACT_EXPONENTIAL,
     "static {{T}} dact_exponential({{T}} x, {{T}} y)\n"
     "{\n"
     "    (void)x;\n"
     "    return y;\n"
     "}\n"},
    {ACT_MISH,
     "static {{T}} dact_mish({{T}} x, {{T}} y)\n"
     "{\n"
     "    {{T}} sp = x > 0.0{{L}} ? x + log1p{{F}}(exp{{F}}(-x)) : log1p{{F}}(exp{{F}}(x));\n"
     "    {{T}} t = tanh{{F}}(sp);\n"
     "    {{T}} s = 1.0{{L}} / (1.0{{L}} + exp{{F}}(-x));\n"
     "    (void)y;\n"
     "    return t + x * (1.0{{L}} - t * t) * s;\n"
     "}\n"},
    /* dx = J^T dy along the axis of [outer, n, inner]. */
    {ACT_SOFTMAX,
     "static void dact_softmax({{T}} *dx, const {{T}} *y, const {{T}} *dy, int outer, int n, int inner)\n"
     "{\n"
     "    for (int o = 0; o < outer; o++) {\n"
     "        for (int i = 0; i < inner; i++) {\n"
     "            long base = (long)o * n * inner + i;\n"
     "            {{T}} s = 0.0{{L}};\n"
     "            for (int k = 0; k < n; k++)\n"
     "                s += dy[base + (long)k * inner] * y[base + (long)k * inner];\n"
     "            for (int k = 0; k < n; k++)\n"
     "                dx[base + (long)k * inner] = y[base + (long)k * inner] * (dy[base + (long)k * inner] - s);\n"
     "        }\n"
     "    }\n"
     "}\n"},
    {ACT_LOG_SOFTMAX,
     "static void dact_log_softmax({{T}} *dx, const {{T}} *y, const {{T}} *dy, int outer, int n, int inner)\n"
     "{\n"
     "    for (int o = 0; o < outer; o++) {\n"
     "        for (int i = 0; i < inner; i++) {\n"
     "            long base = (long)o * n * inner + i;\n"
     "            {{T}} s = 0.0{{L}};\n"
     "            for (int k = 0; k < n; k++)\n"
     "                s += dy[base + (long)k * inner];\n"
     "            for (int k = 0; k < n; k++)\n"
     "                dx[base + (long)k * inner] = dy[base + (long)k * inner] - exp{{F}}(y[base + (long)k * inner]) * s;\n"
     "        }\n"
     "    }\n"
     "}\n"},
};

const char *act_grad_body(ActKind kind)
{
    for (size_t i = 0; i < sizeof grads / sizeof *grads; i++)
        if (grads[i].kind == kind)
            return grads[i].body;
    return NULL;
}

/* Other spellings: Keras 3 names, TF.js's camelCase. */
static const struct {
    const char *alias;
    const char *name;
} aliases[] = {
    {"silu", "swish"},
    {"hard_swish", "hard_silu"},
    {"hardSigmoid", "hard_sigmoid"},
    {"logSoftmax", "log_softmax"},
    {"leakyRelu", "leaky_relu"},
    {"geluNew", "gelu_new"},
};

const ActDef *act_def(ActKind kind)
{
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++)
        if (acts[i].kind == kind)
            return &acts[i];
    KCC_ASSERT(!"activation kind without a table row");
    return NULL;
}

const ActDef *act_lookup(const char *name, int keras_major)
{
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcmp(name, aliases[i].alias) == 0)
            name = aliases[i].name;
    if (strcmp(name, "hard_sigmoid") == 0)
        return act_def(keras_major >= 3 ? ACT_HARD_SIGMOID3 : ACT_HARD_SIGMOID);
    for (size_t i = 0; i < sizeof acts / sizeof *acts; i++)
        if (acts[i].name[0] != '(' && strcmp(name, acts[i].name) == 0)
            return &acts[i];
    return NULL;
}

const char *act_names(void)
{
    return "linear, relu, relu6, leaky_relu, elu, selu, sigmoid, hard_sigmoid, hard_silu, "
           "tanh, softplus, softsign, swish, silu, gelu, gelu_new, exponential, mish, "
           "softmax, log_softmax";
}
