/*
 * metrics.c - (in progress)
 */
#include "kcc.h"
