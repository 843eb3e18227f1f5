/*
 * test_fuse.c - fuse_model: which layers become steps, which activations
 * run in another step's epilogue, which steps work in place, and which
 * buffer each value lives in.
 *
 * Models are Keras 2 Sequential JSON, written here with single quotes
 * for readability (model_from_text makes them double quotes).
 */
#include "check.h"
#include "support.h"

#include <stdlib.h>

static TmpDir tmp;

typedef struct Fused {
    Model *m;
    Plan *p;
} Fused;

/* Parses, infers and fuses a Sequential model of the given layers. */
static Fused fuse(const char *layers)
{
    char *json = xformat("{'class_name': 'Sequential', 'config': {'name': 't', 'layers': [%s]},"
                         " 'keras_version': '2.13.1'}", layers);
    Diag d = {0, 0};
    Fused f = {model_from_text(&tmp, "fuse.json", json, NULL, &d), NULL};
    free(json);
    if (f.m && infer_shapes(f.m))
        f.p = fuse_model(f.m);
    if (!f.p)
        printf("    the test's model did not get through parse and shape inference\n");
    return f;
}

static void fused_free(Fused *f)
{
    plan_free(f->p);
    model_free(f->m);
}

static const Buffer *buf_of(const Fused *f, int value)
{
    return &f->p->bufs[f->p->value_buf[value]];
}

/* Exactly one input and one output buffer, and the model's output in it. */
static void check_io(const Fused *f)
{
    int nin = 0, nout = 0;
    for (int i = 0; i < f->p->nbufs; i++) {
        nin += f->p->bufs[i].kind == BUF_INPUT;
        nout += f->p->bufs[i].kind == BUF_OUTPUT;
    }
    CHECK_INT(nin, 1);
    CHECK_INT(nout, 1);
    CHECK_INT(buf_of(f, f->m->input)->kind, BUF_INPUT);
    CHECK_INT(buf_of(f, f->m->output)->kind, BUF_OUTPUT);
    CHECK_INT(buf_of(f, f->m->output)->size, shape_count(&f->m->values[f->m->output].shape));
}

#define DENSE(name, units, extra)                                              \
    "{'class_name': 'Dense', 'config': {'name': '" name "', 'units': " #units extra "}}"
#define ACT(name, act, extra)                                                  \
    "{'class_name': 'Activation', 'config': {'name': '" name "', 'activation': '" act "'" \
    extra "}}"
#define LAYER(cls, name, extra)                                                \
    "{'class_name': '" cls "', 'config': {'name': '" name "'" extra "}}"
#define IN(shape) ", 'batch_input_shape': [null, " shape "]"

TEST(dense_then_activation_is_one_step_with_an_epilogue)
{
    Fused f = fuse(DENSE("d", 4, IN("3")) "," ACT("a", "relu", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    CHECK_STR(s->layer->name, "d");
    CHECK_INT(s->nepilogue, 1);
    CHECK_INT(s->epilogue[0].kind, ACT_RELU);
    CHECK(s->fused[0] == &f.m->layers[1]);
    CHECK_INT(s->in, f.m->input);
    CHECK_INT(s->out, f.m->layers[0].output);
    /* The activation's output is the Dense's buffer: the caller's. */
    CHECK(f.p->value_buf[f.m->layers[1].output] == f.p->value_buf[f.m->layers[0].output]);
    check_io(&f);
    CHECK_INT(f.p->nbufs, 2);
    CHECK_INT(f.p->macs, 12);
    fused_free(&f);
}

TEST(dense_then_relu_layer_is_one_step)
{
    Fused f = fuse(DENSE("d", 4, IN("3")) "," LAYER("ReLU", "r", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    CHECK_INT(f.p->steps[0].nepilogue, 1);
    CHECK_INT(f.p->steps[0].epilogue[0].kind, ACT_RELU);
    check_io(&f);
    fused_free(&f);
}

TEST(dense_then_softmax_layer_is_one_step_along_the_units)
{
    Fused f = fuse(DENSE("d", 5, IN("3")) "," LAYER("Softmax", "s", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    CHECK_INT(s->nepilogue, 1);
    CHECK_INT(s->epilogue[0].kind, ACT_SOFTMAX);
    CHECK_INT(s->epilogue[0].axis, 0);
    CHECK_INT(s->eshape[0].rank, 1);
    CHECK_INT(s->eshape[0].dim[0], 5);
    check_io(&f);
    fused_free(&f);
}

TEST(dense_with_its_own_activation_keeps_the_order_of_activations)
{
    Fused f = fuse(DENSE("d", 4, IN("3") ", 'activation': 'tanh'") ","
                   ACT("a", "sigmoid", "") "," LAYER("LeakyReLU", "l", ", 'alpha': 0.1"));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    REQUIRE(s->nepilogue == 3);
    CHECK_INT(s->epilogue[0].kind, ACT_TANH);
    CHECK(s->fused[0] == &f.m->layers[0]);
    CHECK_INT(s->epilogue[1].kind, ACT_SIGMOID);
    CHECK_INT(s->epilogue[2].kind, ACT_LEAKY_RELU);
    CHECK_DOUBLE(s->epilogue[2].alpha, 0.1);
    fused_free(&f);
}

TEST(dropout_reshape_and_flatten_produce_no_step)
{
    Fused f = fuse(DENSE("d", 6, IN("4")) "," LAYER("Dropout", "drop", ", 'rate': 0.5") ","
                   LAYER("Reshape", "r", ", 'target_shape': [2, 3]") ","
                   LAYER("Flatten", "f", ", 'data_format': 'channels_last'"));
    REQUIRE(f.p);
    CHECK_INT(f.p->nsteps, 1);
    int dense_buf = f.p->value_buf[f.m->layers[0].output];
    for (int i = 1; i < 4; i++)
        CHECK_INT(f.p->value_buf[f.m->layers[i].output], dense_buf);
    check_io(&f);
    fused_free(&f);
}

TEST(an_activation_after_dropout_and_reshape_is_still_fused)
{
    Fused f = fuse(DENSE("d", 6, IN("4")) "," LAYER("Dropout", "drop", ", 'rate': 0.5") ","
                   LAYER("Reshape", "r", ", 'target_shape': [2, 3]") ","
                   LAYER("Softmax", "s", ", 'axis': -1"));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    REQUIRE(s->nepilogue == 1);
    /* The softmax sees the reshaped (2, 3) tensor and runs along its last
     * axis. */
    CHECK_INT(s->eshape[0].rank, 2);
    CHECK_INT(s->eshape[0].dim[0], 2);
    CHECK_INT(s->eshape[0].dim[1], 3);
    CHECK_INT(s->epilogue[0].axis, 1);
    fused_free(&f);
}

TEST(an_activation_on_the_model_input_gets_its_own_step_not_in_place)
{
    Fused f = fuse(ACT("a", "relu", IN("5")));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    CHECK(s->op->flags & OPF_ACTIVATION);
    CHECK_INT(s->nepilogue, 1);
    CHECK_INT(s->epilogue[0].kind, ACT_RELU);
    /* The caller's input is const: the result goes elsewhere. */
    CHECK(f.p->value_buf[s->in] != f.p->value_buf[s->out]);
    check_io(&f);
    fused_free(&f);
}

TEST(activations_after_an_activation_step_join_its_epilogue)
{
    Fused f = fuse(ACT("a", "relu", IN("5")) "," ACT("b", "tanh", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    CHECK_INT(f.p->steps[0].nepilogue, 2);
    CHECK_INT(f.p->steps[0].epilogue[1].kind, ACT_TANH);
    check_io(&f);
    fused_free(&f);
}

TEST(a_standalone_activation_after_a_full_epilogue_works_in_place)
{
    /* Nine activations: the first step takes MAX_EPILOGUE of them, the
     * ninth gets a step of its own, in place on the first's buffer. */
    StrBuf layers = {0};
    sb_add(&layers, ACT("a0", "relu", IN("5")));
    for (int i = 1; i < MAX_EPILOGUE + 1; i++)
        sb_printf(&layers, ", {'class_name': 'Activation', 'config': {'name': 'a%d',"
                           " 'activation': 'tanh'}}", i);
    Fused f = fuse(layers.data);
    sb_free(&layers);
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 2);
    CHECK_INT(f.p->steps[0].nepilogue, MAX_EPILOGUE);
    const Step *s = &f.p->steps[1];
    CHECK_STR(s->layer->name, "a8");
    CHECK_INT(s->nepilogue, 1);
    CHECK_INT(f.p->value_buf[s->in], f.p->value_buf[s->out]);
    CHECK_INT(buf_of(&f, s->out)->first, 0);
    CHECK_INT(buf_of(&f, s->out)->last, 1);
    check_io(&f);
    fused_free(&f);
}

TEST(an_activation_after_a_channels_first_flatten_works_in_place)
{
    /* The flatten moves data (a step without an epilogue); the activation
     * after it runs in place on the flatten's output. */
    Fused f = fuse(LAYER("Flatten", "f", IN("2, 3") ", 'data_format': 'channels_first'") ","
                   ACT("a", "relu", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 2);
    CHECK_STR(f.p->steps[0].op->name, "Flatten");
    CHECK_INT(f.p->steps[0].nepilogue, 0);
    CHECK(f.p->value_buf[f.p->steps[0].in] != f.p->value_buf[f.p->steps[0].out]);
    const Step *s = &f.p->steps[1];
    CHECK_INT(s->nepilogue, 1);
    CHECK_INT(f.p->value_buf[s->in], f.p->value_buf[s->out]);
    check_io(&f);
    fused_free(&f);
}

TEST(prelu_after_dense_works_in_place_and_on_the_input_does_not)
{
    Fused f = fuse(DENSE("d", 4, IN("3")) "," LAYER("PReLU", "p", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 2);
    CHECK_INT(f.p->value_buf[f.p->steps[1].in], f.p->value_buf[f.p->steps[1].out]);
    check_io(&f);
    fused_free(&f);

    f = fuse(LAYER("PReLU", "p", IN("3")));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    CHECK(f.p->value_buf[f.p->steps[0].in] != f.p->value_buf[f.p->steps[0].out]);
    check_io(&f);
    fused_free(&f);
}

TEST(a_model_of_only_dropout_is_one_copy_step)
{
    Fused f = fuse(LAYER("Dropout", "drop", IN("3") ", 'rate': 0.2"));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    const Step *s = &f.p->steps[0];
    CHECK(s->op == op_copy());
    CHECK_INT(s->in, f.m->input);
    CHECK_INT(s->out, f.m->output);
    CHECK(f.p->value_buf[s->in] != f.p->value_buf[s->out]);
    CHECK_INT(buf_of(&f, s->out)->size, 3);
    check_io(&f);
    fused_free(&f);
}

TEST(a_model_of_only_views_is_one_copy_step)
{
    Fused f = fuse(LAYER("Reshape", "r", IN("6") ", 'target_shape': [3, 2]") ","
                   LAYER("Flatten", "f", ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 1);
    CHECK(f.p->steps[0].op == op_copy());
    check_io(&f);
    fused_free(&f);
}

TEST(two_dense_layers_pass_through_one_arena_buffer)
{
    Fused f = fuse(DENSE("d1", 8, IN("4")) "," DENSE("d2", 2, ""));
    REQUIRE(f.p);
    REQUIRE(f.p->nsteps == 2);
    const Buffer *mid = buf_of(&f, f.m->layers[0].output);
    CHECK_INT(mid->kind, BUF_ARENA);
    CHECK_INT(mid->size, 8);
    CHECK_INT(mid->first, 0);
    CHECK_INT(mid->last, 1);
    CHECK_INT(buf_of(&f, f.m->output)->first, 1);
    CHECK_INT(f.p->macs, 4 * 8 + 8 * 2);
    check_io(&f);
    fused_free(&f);
}

int main(void)
{
    tmp_make(&tmp);
    RUN(dense_then_activation_is_one_step_with_an_epilogue);
    RUN(dense_then_relu_layer_is_one_step);
    RUN(dense_then_softmax_layer_is_one_step_along_the_units);
    RUN(dense_with_its_own_activation_keeps_the_order_of_activations);
    RUN(dropout_reshape_and_flatten_produce_no_step);
    RUN(an_activation_after_dropout_and_reshape_is_still_fused);
    RUN(an_activation_on_the_model_input_gets_its_own_step_not_in_place);
    RUN(activations_after_an_activation_step_join_its_epilogue);
    RUN(a_standalone_activation_after_a_full_epilogue_works_in_place);
    RUN(an_activation_after_a_channels_first_flatten_works_in_place);
    RUN(prelu_after_dense_works_in_place_and_on_the_input_does_not);
    RUN(a_model_of_only_dropout_is_one_copy_step);
    RUN(a_model_of_only_views_is_one_copy_step);
    RUN(two_dense_layers_pass_through_one_arena_buffer);
    tmp_remove(&tmp);
    return check_exit();
}
