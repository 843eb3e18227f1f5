/*
 * data.c - (in progress)
 */
#include "kcc.h"
