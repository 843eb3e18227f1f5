/*
 * error.c - how the runtime reports: a status, and a message in the
 * caller's kcc_error.
 */
#include "kcc.h"

#include <stdarg.h>
#include <stdio.h>

kcc_status kcc_error_set(kcc_error *err, kcc_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}
