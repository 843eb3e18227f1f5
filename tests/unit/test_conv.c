/*
 * test_conv.c - the convolutions' arithmetic (spatial.c's conv_out and
 * layout_strides) and the shape rules of ops_conv.c: output shapes,
 * Keras's weight names and shapes, parameter counts, Keras 1's input
 * shape, and which layers get im2col scratch.
 */
#include "check.h"
#include "support.h"

#include <stdlib.h>

static TmpDir tmp;

TEST(conv_out_follows_tensorflow_for_valid_same_and_causal)
{
    long before, after;
    CHECK_INT(conv_out(7, 3, 2, 1, PAD_VALID, &before, &after), 3);
    CHECK_INT(before + after, 0);
    CHECK_INT(conv_out(7, 3, 2, 1, PAD_SAME, &before, &after), 4);
    CHECK_INT(before, 1);
    CHECK_INT(after, 1);
    /* An odd total: the extra one goes after (bottom, right). */
    CHECK_INT(conv_out(6, 2, 1, 1, PAD_SAME, &before, &after), 6);
    CHECK_INT(before, 0);
    CHECK_INT(after, 1);
    CHECK_INT(conv_out(7, 4, 2, 1, PAD_SAME, &before, &after), 4);
    CHECK_INT(before, 1);
    CHECK_INT(after, 2);
    /* A stride larger than the kernel needs no padding. */
    CHECK_INT(conv_out(5, 1, 3, 1, PAD_SAME, &before, &after), 2);
    CHECK_INT(before + after, 0);
    /* Dilation: the kernel reaches (k - 1) * d + 1. */
    CHECK_INT(conv_out(10, 3, 1, 2, PAD_VALID, &before, &after), 6);
    CHECK_INT(conv_out(10, 3, 1, 2, PAD_SAME, &before, &after), 10);
    CHECK_INT(before, 2);
    CHECK_INT(after, 2);
    /* Causal: all the padding before, the output as long as "same". */
    CHECK_INT(conv_out(8, 3, 1, 2, PAD_CAUSAL, &before, &after), 8);
    CHECK_INT(before, 4);
    CHECK_INT(after, 0);
    CHECK_INT(conv_out(8, 3, 3, 1, PAD_CAUSAL, &before, &after), 3);
    /* A kernel larger than the input: nothing. */
    CHECK_INT(conv_out(2, 3, 1, 1, PAD_VALID, &before, &after), 0);
    CHECK_INT(conv_out(3, 2, 1, 3, PAD_VALID, &before, &after), 0);
}

TEST(layout_strides_index_both_formats)
{
    long cs, ss[3];
    const long d1[3] = {7, 1, 1}, d2[3] = {4, 5, 1}, d3[3] = {2, 3, 4};
    layout_strides(1, d1, 2, FMT_CHANNELS_LAST, &cs, ss);
    CHECK_INT(cs, 1);
    CHECK_INT(ss[0], 2);
    layout_strides(1, d1, 2, FMT_CHANNELS_FIRST, &cs, ss);
    CHECK_INT(cs, 7);
    CHECK_INT(ss[0], 1);
    layout_strides(2, d2, 3, FMT_CHANNELS_LAST, &cs, ss);
    CHECK_INT(cs, 1);
    CHECK_INT(ss[0], 15);
    CHECK_INT(ss[1], 3);
    layout_strides(2, d2, 3, FMT_CHANNELS_FIRST, &cs, ss);
    CHECK_INT(cs, 20);
    CHECK_INT(ss[0], 5);
    CHECK_INT(ss[1], 1);
    layout_strides(3, d3, 5, FMT_CHANNELS_LAST, &cs, ss);
    CHECK_INT(cs, 1);
    CHECK_INT(ss[0], 60);
    CHECK_INT(ss[1], 20);
    CHECK_INT(ss[2], 5);
    layout_strides(3, d3, 5, FMT_CHANNELS_FIRST, &cs, ss);
    CHECK_INT(cs, 24);
    CHECK_INT(ss[0], 12);
    CHECK_INT(ss[1], 4);
    CHECK_INT(ss[2], 1);
}

/* A Sequential model of the given layers, parsed and shaped. */
static Model *shaped(const char *layers, int major)
{
    char *json = xformat("{'class_name': 'Sequential', 'config': {'name': 't', 'layers': [%s]},"
                         " 'keras_version': '%s'}", layers, major == 1 ? "1.2.1" : "2.13.1");
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "conv.json", json, NULL, &d);
    free(json);
    if (m && !infer_shapes(m)) {
        model_free(m);
        m = NULL;
    }
    if (!m)
        printf("    the test's model did not get through parse and shape inference\n");
    return m;
}

static const char *dims(const Shape *s)
{
    static char buf[8][64];
    static int next;
    next = (next + 1) % 8;
    return dims_str(s, buf[next], sizeof buf[next]);
}

static const char *out_dims(const Model *m, int layer)
{
    return dims(&m->values[m->layers[layer].output].shape);
}

TEST(convolutions_have_the_shapes_and_weights_of_keras)
{
    Model *m = shaped(
        "{'class_name': 'Conv2D', 'config': {'name': 'c', 'filters': 6, 'kernel_size': [3, 2],"
        " 'strides': 2, 'padding': 'same', 'groups': 2, 'batch_input_shape': [null, 7, 6, 4]}},"
        "{'class_name': 'DepthwiseConv2D', 'config': {'name': 'd', 'kernel_size': 3,"
        " 'depth_multiplier': 2, 'use_bias': false}},"
        "{'class_name': 'SeparableConv2D', 'config': {'name': 's', 'filters': 5, 'kernel_size': 2,"
        " 'depth_multiplier': 3, 'padding': 'same', 'data_format': 'channels_first'}},"
        "{'class_name': 'Conv2DTranspose', 'config': {'name': 't', 'filters': 3, 'kernel_size': 3,"
        " 'strides': [2, 3], 'padding': 'same', 'output_padding': [1, 0]}}", 2);
    REQUIRE(m);
    CHECK_STR(out_dims(m, 0), "[4, 3, 6]");
    CHECK_STR(m->layers[0].params[0].name, "kernel");
    CHECK_STR(dims(&m->layers[0].params[0].shape), "[3, 2, 2, 6]");
    CHECK_STR(dims(&m->layers[0].params[1].shape), "[6]");
    CHECK_STR(out_dims(m, 1), "[2, 1, 12]");
    CHECK_INT(m->layers[1].nparams, 1);
    CHECK_STR(m->layers[1].params[0].name, "depthwise_kernel");
    CHECK_STR(dims(&m->layers[1].params[0].shape), "[3, 3, 6, 2]");
    /* channels_first: [2, 1, 12] is 2 channels of 1 x 12. */
    CHECK_STR(out_dims(m, 2), "[5, 1, 12]");
    CHECK_STR(m->layers[2].params[0].name, "depthwise_kernel");
    CHECK_STR(dims(&m->layers[2].params[0].shape), "[2, 2, 2, 3]");
    CHECK_STR(m->layers[2].params[1].name, "pointwise_kernel");
    CHECK_STR(dims(&m->layers[2].params[1].shape), "[1, 1, 6, 5]");
    CHECK_STR(dims(&m->layers[2].params[2].shape), "[5]");
    /* channels_last again: [5, 1, 12] is 5 x 1 of 12 channels.  Keras's
     * deconv_output_length: (5 - 1) * 2 + 3 - 2 + 1 = 10 and
     * (1 - 1) * 3 + 3 - 2 + 0 = 1. */
    CHECK_STR(out_dims(m, 3), "[10, 1, 3]");
    CHECK_STR(dims(&m->layers[3].params[0].shape), "[3, 3, 3, 12]");
    CHECK_INT(model_param_count(m, true), 3 * 2 * 2 * 6 + 6 + 3 * 3 * 6 * 2 + 2 * 2 * 2 * 3 +
                                              6 * 5 + 5 + 3 * 3 * 3 * 12 + 3);
    model_free(m);
}

TEST(conv1d_causal_and_conv3d_shapes)
{
    Model *m = shaped(
        "{'class_name': 'Conv1D', 'config': {'name': 'a', 'filters': 4, 'kernel_size': 3,"
        " 'padding': 'causal', 'dilation_rate': 2, 'batch_input_shape': [null, 9, 2]}},"
        "{'class_name': 'Reshape', 'config': {'name': 'r', 'target_shape': [3, 3, 4, 1]}},"
        "{'class_name': 'Conv3D', 'config': {'name': 'b', 'filters': 2, 'kernel_size': [2, 2, 3]}}", 2);
    REQUIRE(m);
    CHECK_STR(out_dims(m, 0), "[9, 4]");
    CHECK_STR(dims(&m->layers[0].params[0].shape), "[3, 2, 4]");
    CHECK_STR(out_dims(m, 2), "[2, 2, 2, 2]");
    CHECK_STR(dims(&m->layers[2].params[0].shape), "[2, 2, 3, 1, 2]");
    model_free(m);
}

TEST(keras1_convolution1d_takes_input_length_and_input_dim)
{
    Model *m = shaped(
        "{'class_name': 'Convolution1D', 'config': {'name': 'c', 'nb_filter': 5, 'filter_length': 3,"
        " 'border_mode': 'same', 'subsample_length': 2, 'input_dim': 4, 'input_length': 11,"
        " 'init': 'glorot_uniform', 'activation': 'relu', 'bias': false}}", 1);
    REQUIRE(m);
    CHECK_STR(dims(&m->values[m->input].shape), "[11, 4]");
    CHECK_STR(out_dims(m, 0), "[6, 5]");
    CHECK_INT(m->layers[0].nparams, 1);
    CHECK_STR(dims(&m->layers[0].params[0].shape), "[3, 4, 5]");
    model_free(m);
}

TEST(keras1_atrous_and_3d_convolutions_read_their_keys)
{
    Model *m = shaped(
        "{'class_name': 'AtrousConvolution2D', 'config': {'name': 'a', 'nb_filter': 3, 'nb_row': 3,"
        " 'nb_col': 2, 'atrous_rate': [2, 3], 'border_mode': 'valid', 'dim_ordering': 'th',"
        " 'subsample': [1, 1], 'batch_input_shape': [null, 2, 9, 8]}},"
        "{'class_name': 'Reshape', 'config': {'name': 'r', 'target_shape': [3, 5, 5, 1]}},"
        "{'class_name': 'Convolution3D', 'config': {'name': 'b', 'nb_filter': 2, 'kernel_dim1': 2,"
        " 'kernel_dim2': 3, 'kernel_dim3': 1, 'subsample': [1, 2, 1], 'border_mode': 'same',"
        " 'dim_ordering': 'tf'}}", 1);
    REQUIRE(m);
    /* [2, 9, 8] channels first; reach 5 and 4: 5 x 5. */
    CHECK_STR(out_dims(m, 0), "[3, 5, 5]");
    CHECK_INT(m->layers[0].format, FMT_CHANNELS_FIRST);
    CHECK_STR(dims(&m->layers[0].params[0].shape), "[3, 2, 2, 3]");
    CHECK_STR(out_dims(m, 2), "[3, 3, 5, 2]");
    CHECK_STR(dims(&m->layers[2].params[0].shape), "[2, 3, 1, 1, 2]");
    model_free(m);
}

TEST(matrix_multiply_layers_get_scratch_only_for_padding)
{
    Model *m = shaped(
        "{'class_name': 'Conv2D', 'config': {'name': 'a', 'filters': 8, 'kernel_size': 3,"
        " 'padding': 'same', 'batch_input_shape': [null, 6, 6, 2]}},"
        "{'class_name': 'Conv2D', 'config': {'name': 'b', 'filters': 8, 'kernel_size': 3}},"
        "{'class_name': 'Conv2D', 'config': {'name': 'c', 'filters': 2, 'kernel_size': 3}},"
        "{'class_name': 'Conv2D', 'config': {'name': 'd', 'filters': 8, 'kernel_size': 1,"
        " 'groups': 2}}", 2);
    REQUIRE(m);
    Plan *p = fuse_model(m);
    REQUIRE(p->nsteps == 4);
    /* a: matrix multiply over the input zero-padded to 8 x 8 x 2 in scratch. */
    CHECK(p->steps[0].scratch >= 0);
    CHECK_INT(p->bufs[p->steps[0].scratch].size, 8 * 8 * 2);
    /* b: valid: the patches are read where they lie, no scratch. */
    CHECK_INT(p->steps[1].scratch, -1);
    /* c: two filters; d: groups: direct. */
    CHECK_INT(p->steps[2].scratch, -1);
    CHECK_INT(p->steps[3].scratch, -1);
    CHECK_INT(p->macs, 36 * 18 * 8 + 16 * 72 * 8 + 4 * 72 * 2 + 4 * 1 * 8);
    plan_free(p);
    model_free(m);
}

int main(void)
{
    tmp_make(&tmp);
    RUN(conv_out_follows_tensorflow_for_valid_same_and_causal);
    RUN(layout_strides_index_both_formats);
    RUN(convolutions_have_the_shapes_and_weights_of_keras);
    RUN(conv1d_causal_and_conv3d_shapes);
    RUN(keras1_convolution1d_takes_input_length_and_input_dim);
    RUN(keras1_atrous_and_3d_convolutions_read_their_keys);
    RUN(matrix_multiply_layers_get_scratch_only_for_padding);
    tmp_remove(&tmp);
    return check_exit();
}
