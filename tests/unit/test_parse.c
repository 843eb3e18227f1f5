/*
 * test_parse.c - parse_model and keras_config_load: every schema kcc
 * reads gives the same model; the Keras version is detected where its
 * semantics differ; initializers map to the runtime's; keras.json sets
 * floatx and the default data format.
 *
 * JSON is written with single quotes (model_from_text makes them double).
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "check.h"
#include "support.h"

#include <stdlib.h>

static TmpDir tmp;

/* ---- one model, five files ---------------------------------------------
 * Dense(4, relu) on 3 inputs, Dropout(0.5), Dense(2, softmax). */

static const char keras1[] =
    "{'class_name': 'Sequential', 'keras_version': '1.2.2', 'config': ["
    " {'class_name': 'Dense', 'config': {'name': 'dense_1', 'output_dim': 4,"
    "  'init': 'glorot_uniform', 'activation': 'relu', 'input_dim': 3, 'bias': true,"
    "  'trainable': true, 'W_regularizer': null, 'b_regularizer': null,"
    "  'activity_regularizer': null, 'W_constraint': null, 'b_constraint': null}},"
    " {'class_name': 'Dropout', 'config': {'name': 'dropout_1', 'p': 0.5, 'trainable': true}},"
    " {'class_name': 'Dense', 'config': {'name': 'dense_2', 'output_dim': 2,"
    "  'init': 'glorot_uniform', 'activation': 'softmax', 'bias': true, 'input_dim': null,"
    "  'trainable': true, 'W_regularizer': null, 'b_regularizer': null,"
    "  'activity_regularizer': null, 'W_constraint': null, 'b_constraint': null}}"
    "]}";

#define K2_DENSE(name, units, act, extra)                                      \
    "{'class_name': 'Dense', 'config': {'name': '" name "', 'trainable': true,"      \
    " 'dtype': 'float32', 'units': " #units ", 'activation': '" act "',"            \
    " 'use_bias': true, 'kernel_initializer': {'class_name': 'GlorotUniform',"       \
    " 'config': {'seed': null}}, 'bias_initializer': {'class_name': 'Zeros',"        \
    " 'config': {}}, 'kernel_regularizer': null, 'bias_regularizer': null,"          \
    " 'activity_regularizer': null, 'kernel_constraint': null,"                      \
    " 'bias_constraint': null" extra "}}"

#define K2_LAYERS                                                              \
    "[" K2_DENSE("dense_1", 4, "relu", ", 'batch_input_shape': [null, 3]") ","       \
    " {'class_name': 'Dropout', 'config': {'name': 'dropout_1', 'trainable': true,"  \
    "  'dtype': 'float32', 'rate': 0.5, 'noise_shape': null, 'seed': null}},"        \
    K2_DENSE("dense_2", 2, "softmax", "") "]"

static const char keras2[] =
    "{'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': " K2_LAYERS "},"
    " 'keras_version': '2.13.1', 'backend': 'tensorflow'}";

#define K3_POLICY                                                              \
    "{'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'},"\
    " 'registered_name': null}"
#define K3_INIT(cls)                                                           \
    "{'module': 'keras.initializers', 'class_name': '" cls "', 'config': {'seed': null},"\
    " 'registered_name': null}"
#define K3_DENSE(name, units, act)                                             \
    "{'module': 'keras.layers', 'class_name': 'Dense', 'config': {'name': '" name "',"\
    " 'trainable': true, 'dtype': " K3_POLICY ", 'units': " #units ","               \
    " 'activation': '" act "', 'use_bias': true, 'kernel_initializer': "              \
    K3_INIT("GlorotUniform") ", 'bias_initializer': {'module': 'keras.initializers',"\
    " 'class_name': 'Zeros', 'config': {}, 'registered_name': null},"                \
    " 'kernel_regularizer': null, 'bias_regularizer': null, 'kernel_constraint': null,"\
    " 'bias_constraint': null}, 'registered_name': null,"                            \
    " 'build_config': {'input_shape': [null, 3]}}"

static const char keras3[] =
    "{'module': 'keras', 'class_name': 'Sequential', 'config': {'name': 'seq',"
    " 'trainable': true, 'dtype': " K3_POLICY ", 'layers': ["
    " {'module': 'keras.layers', 'class_name': 'InputLayer', 'config': {"
    "  'batch_shape': [null, 3], 'dtype': 'float32', 'sparse': false, 'name': 'input_layer'},"
    "  'registered_name': null},"
    K3_DENSE("dense_1", 4, "relu") ","
    " {'module': 'keras.layers', 'class_name': 'Dropout', 'config': {'name': 'dropout_1',"
    "  'trainable': true, 'dtype': " K3_POLICY ", 'rate': 0.5, 'seed': null,"
    "  'noise_shape': null}, 'registered_name': null},"
    K3_DENSE("dense_2", 2, "softmax") "]}, 'registered_name': null}";

#define TFJS_DENSE(name, units, act, extra)                                    \
    "{'class_name': 'Dense', 'config': {'units': " #units ", 'activation': '" act "',"\
    " 'use_bias': true, 'kernel_initializer': {'class_name': 'VarianceScaling',"     \
    " 'config': {'scale': 1, 'mode': 'fan_avg', 'distribution': 'uniform',"          \
    " 'seed': null}}, 'bias_initializer': {'class_name': 'Zeros', 'config': {}},"    \
    " 'kernel_regularizer': null, 'bias_regularizer': null,"                         \
    " 'activity_regularizer': null, 'kernel_constraint': null,"                      \
    " 'bias_constraint': null, 'name': '" name "', 'trainable': true" extra "}}"

static const char tfjs[] =
    "{'format': 'layers-model', 'generatedBy': 'TensorFlow.js tfjs-layers v4.22.0',"
    " 'convertedBy': null, 'modelTopology': {'class_name': 'Sequential', 'config': {"
    " 'name': 'seq', 'layers': ["
    TFJS_DENSE("dense_1", 4, "relu", ", 'batch_input_shape': [null, 3], 'dtype': 'float32'") ","
    " {'class_name': 'Dropout', 'config': {'rate': 0.5, 'noise_shape': null, 'seed': null,"
    "  'name': 'dropout_1', 'trainable': true}},"
    TFJS_DENSE("dense_2", 2, "softmax", "") "]},"
    " 'keras_version': 'tfjs-layers 4.22.0', 'backend': 'tensor_flow.js'},"
    " 'weightsManifest': []}";

static const char converter[] =
    "{'format': 'layers-model', 'generatedBy': 'keras v2.13.1',"
    " 'convertedBy': 'TensorFlow.js Converter v4.22.0', 'modelTopology': {"
    " 'keras_version': '2.13.1', 'backend': 'tensorflow', 'model_config': {"
    " 'class_name': 'Sequential', 'config': {'name': 'seq', 'layers': " K2_LAYERS "}},"
    " 'training_config': {'loss': 'mse', 'metrics': null}},"
    " 'weightsManifest': []}";

/* The layers that compute, skipping an InputLayer. */
static const Layer *nth_layer(const Model *m, int n)
{
    for (int i = 0; i < m->nlayers; i++)
        if (!(m->layers[i].op->flags & OPF_INPUT) && n-- == 0)
            return &m->layers[i];
    return NULL;
}

static void check_reference_model(const char *file, const char *json, const char *schema,
                                   int keras_major)
{
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, file, json, NULL, &d);
    REQUIRE(m != NULL);
    CHECK_STR(m->schema, schema);
    CHECK_INT(m->keras_major, keras_major);
    CHECK_INT(d.errors, 0);
    REQUIRE(infer_shapes(m));
    CHECK_INT(m->input_shape.rank, 1);
    CHECK_INT(m->input_shape.dim[0], 3);

    const Layer *d1 = nth_layer(m, 0), *drop = nth_layer(m, 1), *d2 = nth_layer(m, 2);
    REQUIRE(d1 && drop && d2 && !nth_layer(m, 3));
    CHECK_STR(d1->type, "Dense");
    CHECK_STR(d1->name, "dense_1");
    CHECK_INT(d1->units, 4);
    CHECK_INT(d1->act.kind, ACT_RELU);
    CHECK(d1->use_bias);
    REQUIRE(d1->nparams == 2);
    CHECK_STR(d1->params[0].name, "kernel");
    CHECK_INT(d1->params[0].shape.rank, 2);
    CHECK_INT(d1->params[0].shape.dim[0], 3);
    CHECK_INT(d1->params[0].shape.dim[1], 4);
    CHECK_STR(d1->params[1].name, "bias");
    CHECK_INT(d1->params[1].shape.dim[0], 4);
    /* Every schema's kernel initializer is Glorot uniform. */
    CHECK_INT(d1->params[0].init.kind, KCC_INIT_VARIANCE_SCALING);
    CHECK_INT(d1->params[0].init.mode, KCC_FAN_AVG);
    CHECK_INT(d1->params[0].init.distribution, KCC_DIST_UNIFORM);
    CHECK_DOUBLE(d1->params[0].init.a, 1.0);
    CHECK_INT(d1->params[1].init.kind, KCC_INIT_ZEROS);

    CHECK_STR(drop->type, "Dropout");
    CHECK_DOUBLE(drop->rate, 0.5);
    CHECK_INT(drop->nparams, 0);

    CHECK_STR(d2->name, "dense_2");
    CHECK_INT(d2->units, 2);
    CHECK_INT(d2->act.kind, ACT_SOFTMAX);
    CHECK_INT(d2->act.axis, 0);
    CHECK_INT(d2->params[0].shape.dim[0], 4);
    CHECK_INT(d2->params[0].shape.dim[1], 2);

    const Shape *out = &m->values[m->output].shape;
    CHECK_INT(out->rank, 1);
    CHECK_INT(out->dim[0], 2);
    CHECK_INT(model_param_count(m, true), 3 * 4 + 4 + 4 * 2 + 2);
    CHECK_INT(model_param_count(m, false), 0);
    model_free(m);
}

TEST(keras_1_bare_layer_list_gives_the_reference_model)
{
    check_reference_model("k1.json", keras1, "Keras 1", 1);
}

TEST(keras_2_json_gives_the_reference_model)
{
    check_reference_model("k2.json", keras2, "Keras 2", 2);
}

TEST(keras_3_json_gives_the_reference_model)
{
    check_reference_model("k3.json", keras3, "Keras 3", 3);
}

TEST(tfjs_model_json_gives_the_reference_model)
{
    check_reference_model("tfjs.json", tfjs, "TF.js layers-model", 2);
}

TEST(the_converters_model_config_layout_gives_the_reference_model)
{
    check_reference_model("conv.json", converter, "TF.js layers-model", 2);
}

TEST(the_model_is_named_from_the_file_until_the_file_names_it)
{
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "churn.v2.json", keras1, NULL, &d);
    REQUIRE(m != NULL);
    CHECK_STR(m->name, "churn"); /* Keras 1's list has no name */
    model_free(m);
    m = model_from_text(&tmp, "k2.json", keras2, NULL, &d);
    REQUIRE(m != NULL);
    CHECK_STR(m->name, "seq");
    CHECK_STR(m->layers[0].cname, "l0_dense_1");
    model_free(m);
}

TEST(a_deferred_sequential_takes_its_build_input_shape)
{
    /* tf.keras writes the input shape of a Sequential built later here. */
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "deferred.json",
                               "{'class_name': 'Sequential', 'keras_version': '2.13.1', 'config': {"
                               "'name': 's', 'build_input_shape': [null, 5], 'layers': ["
                               "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2}}]}}",
                               NULL, &d);
    REQUIRE(m != NULL);
    CHECK(m->has_input_shape);
    REQUIRE(infer_shapes(m));
    CHECK_INT(m->layers[0].params[0].shape.dim[0], 5);
    model_free(m);
}

TEST(keras_1_bias_false_drops_the_bias)
{
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "nobias.json",
                               "{'class_name': 'Sequential', 'keras_version': '1.2.2', 'config': ["
                               "{'class_name': 'Dense', 'config': {'name': 'd', 'output_dim': 2,"
                               " 'input_dim': 3, 'bias': false}}]}",
                               NULL, &d);
    REQUIRE(m != NULL);
    CHECK(!m->layers[0].use_bias);
    CHECK_INT(m->layers[0].nparams, 1);
    REQUIRE(infer_shapes(m));
    CHECK_INT(model_param_count(m, true), 6);
    model_free(m);
}

/* ---- Keras version detection ------------------------------------------ */

/* The ActKind a one-Dense model with this activation parses to, given the
 * file's header keys. */
static int act_kind_of(const char *head, const char *act)
{
    char *json = xformat("{%s 'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                         "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2,"
                         " 'activation': '%s', 'batch_input_shape': [null, 2]}}]}}",
                         head, act);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "act.json", json, NULL, &d);
    free(json);
    int kind = m ? (int)m->layers[0].act.kind : -1;
    model_free(m);
    return kind;
}

TEST(hard_sigmoid_follows_the_keras_version_that_wrote_the_file)
{
    CHECK_INT(act_kind_of("'keras_version': '2.13.1',", "hard_sigmoid"), ACT_HARD_SIGMOID);
    CHECK_INT(act_kind_of("'keras_version': '1.2.2',", "hard_sigmoid"), ACT_HARD_SIGMOID);
    CHECK_INT(act_kind_of("'keras_version': 'tfjs-layers 4.22.0',", "hard_sigmoid"),
              ACT_HARD_SIGMOID);
    CHECK_INT(act_kind_of("'keras_version': '3.3.3',", "hard_sigmoid"), ACT_HARD_SIGMOID3);
    /* Keras 3 writes no version, but module and registered_name. */
    CHECK_INT(act_kind_of("'module': 'keras', 'registered_name': null,", "hard_sigmoid"),
              ACT_HARD_SIGMOID3);
    /* No version at all: Keras 2. */
    CHECK_INT(act_kind_of("", "hard_sigmoid"), ACT_HARD_SIGMOID);
    CHECK_INT(act_kind_of("", "relu"), ACT_RELU);
}

TEST(a_version_string_wins_over_the_keras_3_keys)
{
    /* tf.keras 2.13 writes "module" too, with its version. */
    CHECK_INT(act_kind_of("'module': 'keras', 'keras_version': '2.13.1',", "hard_sigmoid"),
              ACT_HARD_SIGMOID);
}

/* ---- initializers ------------------------------------------------------ */

/* The kernel's initializer of a one-Dense model whose Dense config has
 * the given extra keys; the file's header gives the Keras version. */
static Param kernel_of(const char *version, const char *dense_keys)
{
    char *json = xformat("{'keras_version': '%s', 'class_name': 'Sequential', 'config': {"
                         "'name': 's', 'layers': [{'class_name': 'Dense', 'config': {"
                         "'name': 'd', 'units': 2, 'batch_input_shape': [null, 2]%s}}]}}",
                         version, dense_keys);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "init.json", json, NULL, &d);
    free(json);
    Param p;
    memset(&p, 0, sizeof p);
    p.init.kind = (kcc_init_kind)-1;
    if (m) {
        p = m->layers[0].params[0];
        p.name = NULL; /* points into the model */
    } else {
        printf("    the initializer's model did not parse\n");
    }
    model_free(m);
    return p;
}

#define CHECK_VS(p, scale, mode_, dist)                                        \
    do {                                                                       \
        CHECK_INT((p).init.kind, KCC_INIT_VARIANCE_SCALING);                   \
        CHECK_DOUBLE((p).init.a, scale);                                       \
        CHECK_INT((p).init.mode, mode_);                                       \
        CHECK_INT((p).init.distribution, dist);                                \
    } while (0)

TEST(glorot_uniform_is_variance_scaling_fan_avg_uniform_scale_1)
{
    Param p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'GlorotUniform',"
                                  " 'config': {'seed': null}}");
    CHECK_VS(p, 1.0, KCC_FAN_AVG, KCC_DIST_UNIFORM);
    CHECK(!p.init_has_seed);
    /* It is Dense's default, too. */
    p = kernel_of("2.13.1", "");
    CHECK_VS(p, 1.0, KCC_FAN_AVG, KCC_DIST_UNIFORM);
    p = kernel_of("2.13.1", ", 'kernel_initializer': 'glorot_uniform'");
    CHECK_VS(p, 1.0, KCC_FAN_AVG, KCC_DIST_UNIFORM);
}

TEST(keras_1_uniform_is_random_uniform_within_5_hundredths)
{
    Param p = kernel_of("1.2.2", ", 'init': 'uniform'");
    CHECK_INT(p.init.kind, KCC_INIT_RANDOM_UNIFORM);
    CHECK_DOUBLE(p.init.a, -0.05);
    CHECK_DOUBLE(p.init.b, 0.05);
}

TEST(keras_1_normal_initializers_are_not_truncated)
{
    Param p = kernel_of("1.2.2", ", 'init': 'glorot_normal'");
    CHECK_VS(p, 1.0, KCC_FAN_AVG, KCC_DIST_UNTRUNCATED_NORMAL);
    p = kernel_of("2.13.1", ", 'kernel_initializer': 'glorot_normal'");
    CHECK_VS(p, 1.0, KCC_FAN_AVG, KCC_DIST_TRUNCATED_NORMAL);
}

TEST(he_normal_is_variance_scaling_fan_in_truncated_scale_2)
{
    Param p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'HeNormal',"
                                  " 'config': {'seed': 42}}");
    CHECK_VS(p, 2.0, KCC_FAN_IN, KCC_DIST_TRUNCATED_NORMAL);
    CHECK(p.init_has_seed);
    CHECK_INT(p.init_seed, 42);
}

TEST(random_normal_reads_mean_and_stddev)
{
    Param p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'RandomNormal',"
                                  " 'config': {'mean': 0.5, 'stddev': 0.1, 'seed': null}}");
    CHECK_INT(p.init.kind, KCC_INIT_RANDOM_NORMAL);
    CHECK_DOUBLE(p.init.a, 0.5);
    CHECK_DOUBLE(p.init.b, 0.1);
    p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'RandomNormal',"
                            " 'config': {}}");
    CHECK_DOUBLE(p.init.a, 0.0);
    CHECK_DOUBLE(p.init.b, 0.05);
}

TEST(lecun_normal_matches_however_it_is_spelled)
{
    const char *spellings[] = {"LeCunNormal", "LecunNormal", "lecun_normal"};
    for (int i = 0; i < 3; i++) {
        char *keys = xformat(", 'kernel_initializer': {'class_name': '%s', 'config': "
                             "{'seed': null}}", spellings[i]);
        Param p = kernel_of("tfjs-layers 4.22.0", keys);
        CHECK_VS(p, 1.0, KCC_FAN_IN, KCC_DIST_TRUNCATED_NORMAL);
        free(keys);
    }
}

TEST(variance_scaling_reads_scale_mode_and_distribution)
{
    Param p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'VarianceScaling',"
                                  " 'config': {'scale': 2.5, 'mode': 'fan_out',"
                                  " 'distribution': 'untruncated_normal', 'seed': 3}}");
    CHECK_VS(p, 2.5, KCC_FAN_OUT, KCC_DIST_UNTRUNCATED_NORMAL);
    CHECK_INT(p.init_seed, 3);
}

TEST(constant_orthogonal_and_identity_read_their_argument)
{
    Param p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'Constant',"
                                  " 'config': {'value': 0.25}}");
    CHECK_INT(p.init.kind, KCC_INIT_CONSTANT);
    CHECK_DOUBLE(p.init.a, 0.25);
    p = kernel_of("2.13.1", ", 'kernel_initializer': {'class_name': 'Orthogonal',"
                            " 'config': {'gain': 2.0, 'seed': null}}");
    CHECK_INT(p.init.kind, KCC_INIT_ORTHOGONAL);
    CHECK_DOUBLE(p.init.a, 2.0);
    p = kernel_of("2.13.1", ", 'kernel_initializer': 'identity'");
    CHECK_INT(p.init.kind, KCC_INIT_IDENTITY);
    CHECK_DOUBLE(p.init.a, 1.0);
}

TEST(an_unknown_initializer_is_reported_with_its_path)
{
    Diag d = {0, 0};
    capture_begin();
    Model *m = model_from_text(&tmp, "bad_init.json",
                               "{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                               "{'class_name': 'Dense', 'config': {'name': 'd', 'units': 2,"
                               " 'batch_input_shape': [null, 2],"
                               " 'kernel_initializer': {'class_name': 'Magic', 'config': {}}}}]}}",
                               NULL, &d);
    char *out = capture_end();
    CHECK(m == NULL);
    CHECK_INT(d.errors, 1);
    char *expected = xformat("kcc: error: %s/bad_init.json: layers[0] \"d\" (Dense): "
                             "config.kernel_initializer: unknown initializer 'Magic' (kcc knows "
                             "zeros, ones, constant, random_uniform, random_normal, "
                             "truncated_normal, variance_scaling, glorot_uniform, glorot_normal, "
                             "he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal, "
                             "identity)\n", tmp.path);
    CHECK_STR(out, expected);
    free(expected);
    free(out);
}

/* ---- keras.json --------------------------------------------------------- */

/* Loads a keras.json holding text (single quotes for double); returns
 * what keras_config_load did and in *out what it printed. */
static bool load_config(const char *text, KerasConfig *kc, Diag *d, char **out)
{
    char *json = json_quotes(text);
    const char *path = tmp_write_text(&tmp, "keras.json", json);
    free(json);
    capture_begin();
    bool ok = keras_config_load(kc, d, path);
    *out = capture_end();
    return ok;
}

TEST(keras_json_floatx_float64_makes_the_model_float64)
{
    KerasConfig kc;
    Diag d = {0, 0};
    char *out;
    REQUIRE(load_config("{'floatx': 'float64', 'epsilon': 1e-05}", &kc, &d, &out));
    CHECK_STR(out, "");
    CHECK_INT(kc.floatx, DT_F64);
    CHECK_INT(kc.image_data_format, FMT_CHANNELS_LAST);
    CHECK_DOUBLE(kc.epsilon, 1e-05);
    CHECK_STR(kc.source, tmp_path(&tmp, "keras.json"));
    Model *m = model_from_text(&tmp, "k2.json", keras2, &kc, &d);
    REQUIRE(m != NULL);
    CHECK_INT(m->dtype, DT_F64);
    /* keras.json is one of the files the output depends on. */
    REQUIRE(m->ninputs == 2);
    CHECK_STR(m->inputs[1], kc.source);
    model_free(m);
    free(kc.source);
    free(out);
}

TEST(keras_json_channels_first_is_flattens_default_format)
{
    KerasConfig kc;
    Diag d = {0, 0};
    char *out;
    REQUIRE(load_config("{'image_data_format': 'channels_first'}", &kc, &d, &out));
    CHECK_INT(kc.image_data_format, FMT_CHANNELS_FIRST);
    CHECK_INT(kc.floatx, DT_F32);
    Model *m = model_from_text(&tmp, "flat.json",
                               "{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                               "{'class_name': 'Flatten', 'config': {'name': 'f1',"
                               " 'batch_input_shape': [null, 2, 3]}},"
                               "{'class_name': 'Flatten', 'config': {'name': 'f2',"
                               " 'data_format': 'channels_last'}}]}}",
                               &kc, &d);
    REQUIRE(m != NULL);
    CHECK_INT(m->layers[0].format, FMT_CHANNELS_FIRST);
    CHECK_INT(m->layers[1].format, FMT_CHANNELS_LAST);
    model_free(m);
    /* Without keras.json, channels_last. */
    m = model_from_text(&tmp, "flat2.json",
                        "{'class_name': 'Sequential', 'config': {'name': 's', 'layers': ["
                        "{'class_name': 'Flatten', 'config': {'name': 'f1',"
                        " 'batch_input_shape': [null, 2, 3]}}]}}",
                        NULL, &d);
    REQUIRE(m != NULL);
    CHECK_INT(m->layers[0].format, FMT_CHANNELS_LAST);
    model_free(m);
    CHECK_INT(d.errors, 0);
    free(kc.source);
    free(out);
}

TEST(a_bad_keras_json_value_is_reported)
{
    KerasConfig kc;
    Diag d = {0, 0};
    char *out;
    CHECK(!load_config("{'image_data_format': 'channels_middle'}", &kc, &d, &out));
    CHECK_INT(d.errors, 1);
    char *expected = xformat("kcc: error: %s: image_data_format: expected \"channels_last\" or "
                             "\"channels_first\", got \"channels_middle\"\n",
                             tmp_path(&tmp, "keras.json"));
    CHECK_STR(out, expected);
    CHECK(kc.source == NULL);
    free(expected);
    free(out);
}

TEST(every_bad_keras_json_value_is_reported_at_once)
{
    KerasConfig kc;
    Diag d = {0, 0};
    char *out;
    CHECK(!load_config("{'floatx': 'float16', 'image_data_format': 1, 'epsilon': 0}", &kc, &d,
                       &out));
    CHECK_INT(d.errors, 3);
    CHECK_CONTAINS(out, "floatx: float16 is not supported yet; use \"float32\" or \"float64\"\n");
    CHECK_CONTAINS(out, "image_data_format: expected \"channels_last\" or \"channels_first\", "
                        "got 1\n");
    CHECK_CONTAINS(out, "epsilon: expected a positive number, got 0\n");
    free(out);
}

TEST(a_keras_json_that_is_not_an_object_is_reported)
{
    KerasConfig kc;
    Diag d = {0, 0};
    char *out;
    CHECK(!load_config("[]", &kc, &d, &out));
    CHECK_INT(d.errors, 1);
    CHECK_CONTAINS(out, "keras.json: expected a JSON object, got an array\n");
    free(out);
    d.errors = 0;
    CHECK(!load_config("{'floatx': ", &kc, &d, &out));
    CHECK_INT(d.errors, 1);
    CHECK_CONTAINS(out, "keras.json:1:12: invalid JSON: unexpected end of file");
    free(out);
}

TEST(a_named_keras_json_that_is_missing_is_an_error)
{
    KerasConfig kc;
    Diag d = {0, 0};
    capture_begin();
    bool ok = keras_config_load(&kc, &d, tmp_path(&tmp, "absent.json"));
    char *out = capture_end();
    CHECK(!ok);
    CHECK_INT(d.errors, 1);
    CHECK_CONTAINS(out, "absent.json: cannot read Keras configuration: No such file or directory");
    free(out);
}

TEST(keras_home_is_where_keras_json_is_looked_for)
{
    KerasConfig kc;
    Diag d = {0, 0};
    /* An empty KERAS_HOME: Keras's defaults, silently. */
    const char *home = tmp_subdir(&tmp, "home");
    const char *keras_json = tmp_path(&tmp, "home/keras.json");
    const char *saved = getenv("KERAS_HOME");
    char *saved_copy = saved ? xstrdup(saved) : NULL;
    setenv("KERAS_HOME", home, 1);
    capture_begin();
    bool ok = keras_config_load(&kc, &d, NULL);
    char *out = capture_end();
    CHECK(ok);
    CHECK_STR(out, "");
    CHECK(kc.source == NULL);
    CHECK_INT(kc.floatx, DT_F32);
    CHECK_INT(kc.image_data_format, FMT_CHANNELS_LAST);
    CHECK_DOUBLE(kc.epsilon, 1e-7);
    free(out);
    /* With a keras.json there, it is read. */
    tmp_write_text(&tmp, "home/keras.json", "{\"floatx\": \"float64\"}");
    CHECK(keras_config_load(&kc, &d, NULL));
    CHECK_INT(kc.floatx, DT_F64);
    CHECK_STR(kc.source, keras_json);
    free(kc.source);
    CHECK_INT(d.errors, 0);
    if (saved_copy)
        setenv("KERAS_HOME", saved_copy, 1);
    else
        unsetenv("KERAS_HOME");
    free(saved_copy);
}

int main(void)
{
    tmp_make(&tmp);
    RUN(keras_1_bare_layer_list_gives_the_reference_model);
    RUN(keras_2_json_gives_the_reference_model);
    RUN(keras_3_json_gives_the_reference_model);
    RUN(tfjs_model_json_gives_the_reference_model);
    RUN(the_converters_model_config_layout_gives_the_reference_model);
    RUN(the_model_is_named_from_the_file_until_the_file_names_it);
    RUN(a_deferred_sequential_takes_its_build_input_shape);
    RUN(keras_1_bias_false_drops_the_bias);
    RUN(hard_sigmoid_follows_the_keras_version_that_wrote_the_file);
    RUN(a_version_string_wins_over_the_keras_3_keys);
    RUN(glorot_uniform_is_variance_scaling_fan_avg_uniform_scale_1);
    RUN(keras_1_uniform_is_random_uniform_within_5_hundredths);
    RUN(keras_1_normal_initializers_are_not_truncated);
    RUN(he_normal_is_variance_scaling_fan_in_truncated_scale_2);
    RUN(random_normal_reads_mean_and_stddev);
    RUN(lecun_normal_matches_however_it_is_spelled);
    RUN(variance_scaling_reads_scale_mode_and_distribution);
    RUN(constant_orthogonal_and_identity_read_their_argument);
    RUN(an_unknown_initializer_is_reported_with_its_path);
    RUN(keras_json_floatx_float64_makes_the_model_float64);
    RUN(keras_json_channels_first_is_flattens_default_format);
    RUN(a_bad_keras_json_value_is_reported);
    RUN(every_bad_keras_json_value_is_reported_at_once);
    RUN(a_keras_json_that_is_not_an_object_is_reported);
    RUN(a_named_keras_json_that_is_missing_is_an_error);
    RUN(keras_home_is_where_keras_json_is_looked_for);
    tmp_remove(&tmp);
    return check_exit();
}
