/*
 * history.c - (in progress)
 */
#include "kcc.h"
