/*
 * optim.c - (in progress)
 */
#include "kcc.h"
