/*
 * ops_conv.c - the op table's rows for convolutions: Conv1D/2D/3D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose.
 */
#include "compiler.h"

const OpDef conv_ops[] = {
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
