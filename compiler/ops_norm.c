/*
 * ops_norm.c - the op table's rows for BatchNormalization, and the noise layers: SpatialDropout, GaussianNoise, GaussianDropout.
 */
#include "compiler.h"

const OpDef norm_ops[] = {
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
