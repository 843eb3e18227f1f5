/*
 * losses.c - (in progress)
 */
#include "kcc.h"
