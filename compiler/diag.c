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
    /* Escape whatever could upset a terminal; JSON's own escapes ("\n",
     * "\u001b") stay as they are. */
    size_t cap = 4 * strlen(text) + 8;
    char *safe = xmalloc(cap);
    kcc_text_show(safe, cap, text, strlen(text));
    cJSON_free(text);
    return safe;
}

char *expect_got(const char *what, const cJSON *got)
{
    if (!got)
        return xformat("missing (expected %s)", what);
    char *repr = json_repr(got);
    char *msg = xformat("expected %s, got %s", what, repr);
    free(repr);
    return msg;
}

static int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(b);
    if (strlen(a) > 64 || n > 64)
        return 99;
    int row[65];
    for (size_t j = 0; j <= n; j++)
        row[j] = (int)j;
    for (size_t i = 1; a[i - 1]; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= n; j++) {
            int up = row[j];
            int cost = (a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1;
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[n];
}

const char *closest_name(const char *s, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = 3; /* at most two edits */
    for (int i = 0; i < n; i++) {
        int d = edit_distance(s, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
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
