/*
 * diag.c - diagnostics for problems in the user's input or environment.
 *
 * Every message starts "kcc: error: " and says where (file, JSON path,
 * layer name and type) and what (expected, found).  Errors are counted, not
 * fatal: each phase reports all it finds, then the driver stops.
 */
#include "compiler.h"

#include <stdlib.h>
#include <string.h>

static void report(const char *kind, const char *fmt, va_list ap) KCC_PRINTF(2, 0);

static void report(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "kcc: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void diag_error(Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning", fmt, ap);
    va_end(ap);
    d->warnings++;
}

void diag_note(Diag *d, const char *fmt, ...)
{
    (void)d;
    va_list ap;
    va_start(ap, fmt);
    report("note", fmt, ap);
    va_end(ap);
}

const char *json_kind(const cJSON *v)
{
    if (!v)
        return "nothing";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "an invalid value";
}

char *json_repr(const cJSON *v)
{
    if (!v)
        return xstrdup("nothing");
    char *text = cJSON_PrintUnformatted(v);
    if (!text)
        return xstrdup("an unprintable value");
    if (strlen(text) > 60)
        strcpy(text + 56, "...");
    /* Escape whatever could upset a terminal. */
    char *safe = safe_text(text);
    cJSON_free(text);
    return safe;
}

static void layer_report(Model *m, const Layer *l, const char *path,
                         const char *fmt, va_list ap) KCC_PRINTF(4, 0);

static void layer_report(Model *m, const Layer *l, const char *path,
                         const char *fmt, va_list ap)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s: ", m->file);
    if (l) {
        char *name = safe_text(l->name ? l->name : "");
        char *type = safe_text(l->type ? l->type : "?");
        sb_printf(&sb, "%s \"%s\" (%s): ", l->where, name, type);
        free(name);
        free(type);
    }
    if (path && *path)
        sb_printf(&sb, "%s: ", path);
    sb_vprintf(&sb, fmt, ap);
    diag_error(m->diag, "%s", sb.data);
    sb_free(&sb);
}

void layer_error(Model *m, const Layer *l, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    layer_report(m, l, path, fmt, ap);
    va_end(ap);
}

void model_error(Model *m, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    layer_report(m, NULL, path, fmt, ap);
    va_end(ap);
}
