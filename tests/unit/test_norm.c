/*
 * test_norm.c - BatchNormalization at inference (folded into the Dense
 * before it, or a scale and shift of its own), the noise layers as
 * identities, and what the file's Keras version decides: the activity
 * regularizer's scaling and the moving variance's estimator.
 *
 * Models are Keras JSON written with single quotes (model_from_text makes
 * them double quotes).
 */
#include "check.h"
#include "support.h"

#include <math.h>
#include <stdlib.h>

static TmpDir tmp;

typedef struct Fused {
    Model *m;
    Plan *p;
} Fused;

static Model *model_of(const char *version, const char *layers)
{
    char *json = xformat("{'class_name': 'Sequential', 'config': {'name': 't', 'layers': [%s]},"
                         " 'keras_version': '%s'}", layers, version);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "norm.json", json, NULL, &d);
    free(json);
    if (m && !infer_shapes(m)) {
        model_free(m);
        m = NULL;
    }
    return m;
}

/* Parses, infers, initializes (seed 1) and fuses; set_bn, when given,
 * changes the weights first. */
static Fused fuse(const char *layers, void (*set_bn)(Model *m))
{
    Fused f = {model_of("2.13.1", layers), NULL};
    if (f.m && load_weights(f.m, NULL, 1)) {
        if (set_bn)
            set_bn(f.m);
        f.p = fuse_model(f.m);
        plan_memory(f.p);
    }
    if (!f.p)
        printf("    the test's model did not get through parse, shapes and weights\n");
    return f;
}

static void fused_free(Fused *f)
{
    plan_free(f->p);
    model_free(f->m);
}

#define DENSE(name, units, extra)                                              \
    "{'class_name': 'Dense', 'config': {'name': '" name "', 'units': " #units extra "}}"
#define LAYER(cls, name, extra)                                                \
    "{'class_name': '" cls "', 'config': {'name': '" name "'" extra "}}"
#define BN(name, extra) LAYER("BatchNormalization", name, extra)
#define IN(shape) ", 'batch_input_shape': [null, " shape "]"

/* Every BatchNormalization gets gamma 1.5 + c, beta c - 1, moving mean
 * 0.25 c, moving variance 0.5 + c (channel c). */
static void set_bn(Model *m)
{
    for (int i = 0; i < m->nlayers; i++) {
        Layer *l = &m->layers[i];
        if (strcmp(l->type, "BatchNormalization") != 0)
            continue;
        for (int k = 0; k < l->nparams; k++) {
            Param *p = &l->params[k];
            for (long c = 0; c < p->shape.dim[0]; c++)
                p->data[c] = strcmp(p->name, "gamma") == 0         ? 1.5 + c
                             : strcmp(p->name, "beta") == 0        ? c - 1.0
                             : strcmp(p->name, "moving_mean") == 0 ? 0.25 * c
                                                                   : 0.5 + c;
        }
    }
}

static double bn_scale(long c, double eps)
{
    return (1.5 + c) / sqrt(0.5 + c + eps);
}

static double bn_shift(long c, double eps)
{
    return (c - 1.0) - 0.25 * c * bn_scale(c, eps);
}

TEST(a_batch_normalization_after_a_dense_folds_into_its_kernel_and_bias)
{
    Fused f = fuse(DENSE("d", 3, IN("2")) "," BN("bn", ", 'epsilon': 0.01"), set_bn);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    const Layer *dense = &f.m->layers[0];
    /* The step computes the plan's copy of the Dense, not the model's. */
    CHECK(s->layer != dense);
    CHECK_STR(s->layer->name, "d");
    CHECK_INT(s->nfolded, 1);
    CHECK(s->folded[0] == &f.m->layers[1]);
    CHECK_INT(f.p->nowned, 1);
    REQUIRE(s->layer->nparams == 2);
    const double *k0 = dense->params[0].data, *b0 = dense->params[1].data;
    const double *k1 = s->layer->params[0].data, *b1 = s->layer->params[1].data;
    for (long i = 0; i < 6; i++)
        CHECK_NEAR(k1[i], k0[i] * bn_scale(i % 3, 0.01), 1e-12);
    for (long c = 0; c < 3; c++)
        CHECK_NEAR(b1[c], b0[c] * bn_scale(c, 0.01) + bn_shift(c, 0.01), 1e-12);
    /* The model keeps its layers and weights: the summary shows them. */
    CHECK_INT(f.m->layers[1].nparams, 4);
    CHECK_INT(model_param_count(f.m, true) + model_param_count(f.m, false), 9 + 12);
    CHECK_INT(f.p->weights, 9);
    CHECK_INT(f.p->macs, 6);
    CHECK_INT(f.p->bufs[f.p->value_buf[f.m->output]].kind, BUF_OUTPUT);
    fused_free(&f);
}

TEST(a_dense_without_bias_gets_one_from_the_fold)
{
    Fused f = fuse(DENSE("d", 2, IN("3") ", 'use_bias': false") "," BN("bn", ""), set_bn);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Layer *l = f.p->steps[0].layer;
    CHECK(l->use_bias);
    REQUIRE(l->nparams == 2);
    CHECK_STR(l->params[1].name, "bias");
    for (long c = 0; c < 2; c++)
        CHECK_NEAR(l->params[1].data[c], bn_shift(c, 1e-3), 1e-12);
    CHECK(!f.m->layers[0].use_bias);
    CHECK_INT(f.m->layers[0].nparams, 1);
    fused_free(&f);
}

TEST(two_batch_normalizations_and_a_dropout_fold_into_one_dense_and_relu_joins_it)
{
    Fused f = fuse(DENSE("d", 2, IN("3")) "," LAYER("Dropout", "drop", ", 'rate': 0.5") ","
                   BN("bn1", "") "," BN("bn2", ", 'epsilon': 0.5") "," LAYER("ReLU", "r", ""),
                   set_bn);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    CHECK_INT(s->nfolded, 2);
    CHECK_INT(s->nepilogue, 1);
    CHECK_INT(s->epilogue[0].kind, ACT_RELU);
    const double *k0 = f.m->layers[0].params[0].data, *k1 = s->layer->params[0].data;
    for (long i = 0; i < 6; i++)
        CHECK_NEAR(k1[i], k0[i] * bn_scale(i % 2, 1e-3) * bn_scale(i % 2, 0.5), 1e-12);
    CHECK_INT(f.p->nowned, 1);
    fused_free(&f);
}

TEST(a_batch_normalization_after_an_activation_is_a_scale_and_shift_in_place)
{
    Fused f = fuse(DENSE("d", 3, IN("2") ", 'activation': 'relu'") "," BN("bn", "") ","
                   LAYER("Activation", "a", ", 'activation': 'tanh'") "," DENSE("out", 1, ""),
                   set_bn);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 3);
    const Step *s = &f.p->steps[1];
    CHECK_STR(s->op->name, "BatchNormalization");
    CHECK_INT(s->nfolded, 0);
    REQUIRE(s->layer->nparams == 2);
    CHECK_STR(s->layer->params[0].name, "scale");
    CHECK_STR(s->layer->params[1].name, "shift");
    for (long c = 0; c < 3; c++) {
        CHECK_NEAR(s->layer->params[0].data[c], bn_scale(c, 1e-3), 1e-12);
        CHECK_NEAR(s->layer->params[1].data[c], bn_shift(c, 1e-3), 1e-12);
    }
    CHECK_INT(s->nepilogue, 1); /* tanh */
    CHECK_INT(f.p->value_buf[s->in], f.p->value_buf[s->out]);
    CHECK_INT(f.p->weights, 9 + 6 + 4);
    CHECK_INT(f.p->macs, 6 + 3 + 3);
    fused_free(&f);
}

TEST(a_batch_normalization_of_another_axis_or_of_the_input_is_not_folded)
{
    Fused f = fuse(DENSE("d", 4, IN("3, 2")) "," BN("bn", ", 'axis': 1"), set_bn);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 2);
    CHECK_INT(f.p->steps[0].nfolded, 0);
    CHECK_INT(f.p->steps[1].layer->params[0].shape.dim[0], 3);
    fused_free(&f);

    f = fuse(BN("bn", IN("5")) "," DENSE("d", 2, ""), set_bn);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 2);
    const Step *s = &f.p->steps[0];
    CHECK_STR(s->op->name, "BatchNormalization");
    /* The caller's input is const: not in place. */
    CHECK(f.p->value_buf[s->in] != f.p->value_buf[s->out]);
    fused_free(&f);
}

TEST(the_noise_layers_and_activity_regularization_are_identities)
{
    Fused f = fuse(DENSE("d", 4, IN("3, 2")) "," LAYER("GaussianNoise", "gn", ", 'stddev': 0.1") ","
                   LAYER("GaussianDropout", "gd", ", 'rate': 0.1") ","
                   LAYER("AlphaDropout", "ad", ", 'rate': 0.1") ","
                   LAYER("SpatialDropout1D", "sd", ", 'rate': 0.1") ","
                   LAYER("ActivityRegularization", "ar", ", 'l1': 0.1") ","
                   LAYER("Dropout", "dr", ", 'rate': 0.1, 'noise_shape': [null, 1, 4]"),
                   NULL);
    REQUIRE(f.p);
    CHECK_INT(f.p->nsteps, 1);
    fused_free(&f);
}

TEST(the_generated_code_of_a_folded_model_has_no_batch_normalization_kernel)
{
    for (int w = 0; w < 3; w++) {
        Fused f = fuse(DENSE("d", 3, IN("2")) "," BN("bn", ""), set_bn);
        REQUIRE(f.p);
        EmitOptions eo = {.prefix = "t", .weights = (WeightsMode)w, .source_name = "t.c",
                          .header_name = "t.h", .weights_file = "t.weights",
                          .command_line = "kcc t.json"};
        EmitResult r;
        REQUIRE(emit_c(f.p, &eo, &r));
        CHECK_CONTAINS(r.source.data, "folded into the kernel and bias");
        CHECK(!strstr(r.source.data, "static void l1_bn"));
        CHECK(!strstr(r.source.data, "moving_variance"));
        CHECK(!strstr(r.weights_source.data ? r.weights_source.data : "", "gamma"));
        /* The summary in the header comment still shows the layer. */
        CHECK_CONTAINS(r.source.data, "bn (BatchNormalization)      (None, 3)                 12");
        CHECK_CONTAINS(r.source.data, "Weights: 36 bytes");
        CHECK_CONTAINS(r.header.data, "#define T_PARAM_COUNT 9\n");
        if (w == WEIGHTS_RUNTIME)
            CHECK_INT(r.weights_blob.len, 32 + 9 * 4);
        emit_result_free(&r);
        fused_free(&f);
    }
}

/* ---- parsing and the Keras version --------------------------------------- */

static const Layer *layer_named(const Model *m, const char *name)
{
    for (int i = 0; i < m->nlayers; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return &m->layers[i];
    return NULL;
}

TEST(keras1_and_tf_keras_spellings_of_batch_normalization_parse)
{
    /* Keras 1: mode 0, beta_init, gamma_init; tf.keras: axis as a list. */
    Model *m = model_of("1.2.2",
        BN("bn", IN("3, 4") ", 'mode': 0, 'axis': 1, 'epsilon': 0.002, 'momentum': 0.9,"
                " 'beta_init': 'zero', 'gamma_init': 'one', 'gamma_regularizer': null,"
                " 'beta_regularizer': null"));
    REQUIRE(m);
    const Layer *l = layer_named(m, "bn");
    CHECK_INT(l->norm_axis, 0);
    CHECK_DOUBLE(l->epsilon, 0.002);
    CHECK_DOUBLE(l->momentum, 0.9);
    REQUIRE(l->nparams == 4);
    CHECK_STR(l->params[0].name, "gamma");
    CHECK_INT(l->params[0].init.kind, KCC_INIT_ONES);
    CHECK_STR(l->params[3].name, "moving_variance");
    CHECK(!l->params[3].trainable);
    CHECK_INT(l->params[3].shape.dim[0], 3);
    model_free(m);

    m = model_of("2.4.0", BN("bn", IN("3, 4") ", 'axis': [2], 'center': false, 'fused': null"));
    REQUIRE(m);
    l = layer_named(m, "bn");
    CHECK_INT(l->norm_axis, 1);
    REQUIRE(l->nparams == 3);
    CHECK_STR(l->params[1].name, "moving_mean");
    model_free(m);
}

TEST(the_file_s_keras_version_decides_the_activity_scaling_and_the_variance_estimator)
{
    static const struct {
        const char *version;
        bool batch_mean, unbiased;
    } cases[] = {
        {"1.2.2", true, false},    /* ActivityRegularizer: sum(mean(|y|, axis=0)) */
        {"2.0.8", false, false},   /* standalone Keras 2: the sum */
        {"2.1.2", false, false},
        {"2.1.3", false, true},    /* Bessel's correction from 2.1.3 */
        {"2.2.4", false, true},
        {"2.3.1", false, true},
        {"2.2.4-tf", true, false}, /* tf.keras: divided by the batch size */
        {"2.13.1", true, false},
        {"tfjs-layers 4.22.0", true, false},
        {"3.3.3", false, false},   /* Keras 3: the sum */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        Model *m = model_of(cases[i].version,
                            DENSE("d", 2, IN("3") ", 'activity_regularizer': {'class_name': 'L2',"
                                  " 'config': {'l2': 0.5}}") "," BN("bn", ""));
        REQUIRE(m);
        printf("    keras_version %s\n", cases[i].version);
        const Layer *d = layer_named(m, "d"), *bn = layer_named(m, "bn");
        CHECK(d->activity_regularizer);
        CHECK_DOUBLE(d->act_l2, 0.5);
        CHECK_DOUBLE(d->act_l1, 0.0);
        CHECK_INT(d->act_batch_mean, cases[i].batch_mean);
        CHECK_INT(bn->bn_unbiased, cases[i].unbiased);
        model_free(m);
    }
}

static char *errors_of(const char *version, const char *layers)
{
    capture_begin();
    Model *m = model_of(version, layers);
    char *err = capture_end();
    model_free(m);
    return err;
}

TEST(unsupported_batch_normalization_options_are_errors)
{
    char *e = errors_of("1.2.2", BN("bn", IN("3") ", 'mode': 2"));
    CHECK_CONTAINS(e, "config.mode: Keras 1's mode 2 (feature-wise normalization with batch "
                      "statistics at inference) is not supported; mode 0 is");
    free(e);
    e = errors_of("2.4.0", BN("bn", IN("3, 4") ", 'axis': [1, 2]"));
    CHECK_CONTAINS(e, "config.axis: normalizing over several axes at once ([1,2]) is not "
                      "supported");
    free(e);
    e = errors_of("2.4.0", BN("bn", IN("3") ", 'renorm': true"));
    CHECK_CONTAINS(e, "config.renorm: batch renormalization is not supported");
    free(e);
    e = errors_of("2.4.0", BN("bn", IN("3") ", 'axis': 0"));
    CHECK_CONTAINS(e, "config.axis: axis 0 does not name a non-batch axis of an input of "
                      "shape (None, 3)");
    free(e);
    e = errors_of("2.4.0", LAYER("SpatialDropout2D", "sd", IN("3, 4") ", 'rate': 0.5"));
    CHECK_CONTAINS(e, "expected an input of rank 4 (a batch of 2D feature maps), got shape "
                      "(None, 3, 4)");
    free(e);
}

int main(void)
{
    tmp_make(&tmp);
    RUN(a_batch_normalization_after_a_dense_folds_into_its_kernel_and_bias);
    RUN(a_dense_without_bias_gets_one_from_the_fold);
    RUN(two_batch_normalizations_and_a_dropout_fold_into_one_dense_and_relu_joins_it);
    RUN(a_batch_normalization_after_an_activation_is_a_scale_and_shift_in_place);
    RUN(a_batch_normalization_of_another_axis_or_of_the_input_is_not_folded);
    RUN(the_noise_layers_and_activity_regularization_are_identities);
    RUN(the_generated_code_of_a_folded_model_has_no_batch_normalization_kernel);
    RUN(keras1_and_tf_keras_spellings_of_batch_normalization_parse);
    RUN(the_file_s_keras_version_decides_the_activity_scaling_and_the_variance_estimator);
    RUN(unsupported_batch_normalization_options_are_errors);
    tmp_remove(&tmp);
    return check_exit();
}
