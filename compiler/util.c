/*
 * util.c - memory, strings, names and files.
 */
#include "compiler.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void internal_error(const char *file, int line, const char *what)
{
    fprintf(stderr, "kcc: internal error at %s:%d: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

static void *check(void *p)
{
    if (!p) {
        fprintf(stderr, "kcc: error: out of memory\n");
        exit(1);
    }
    return p;
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1)); }

void *xgrow(void *p, size_t size, size_t n)
{
    if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
        return p; /* the capacity is 4, or the power of two above n */
    KCC_ASSERT(n <= SIZE_MAX / 2 / size);
    return xrealloc(p, size * (n ? 2 * n : 4));
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xformat(const char *fmt, ...)
{
    StrBuf sb = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    return sb.data;
}

static void sb_reserve(StrBuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
}

void sb_addn(StrBuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void sb_add(StrBuf *sb, const char *s) { sb_addn(sb, s, strlen(s)); }

void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    KCC_ASSERT(n >= 0);
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

void sb_free(StrBuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if",
    "inline", "int", "long", "register", "restrict", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
    "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof",
    "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
    "_Static_assert", "_Thread_local", "bool", "true", "false", "asm",
    "NULL", "main",
};

char *c_identifier(const char *s)
{
    StrBuf sb = {0};
    if (!isalpha((unsigned char)s[0]))
        sb_add(&sb, "m");
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char ch = (char)(isalnum(c) ? c : '_');
        /* Collapse runs of '_' so "__" (reserved) never appears. */
        if (ch == '_' && sb.len && sb.data[sb.len - 1] == '_')
            continue;
        if (sb.len >= 32) /* long enough to read, short enough for C99 */
            break;
        sb_addn(&sb, &ch, 1);
    }
    /* No trailing '_' either: callers append "_suffix". */
    while (sb.len > 1 && sb.data[sb.len - 1] == '_')
        sb.data[--sb.len] = '\0';
    for (size_t i = 0; i < sizeof c_keywords / sizeof *c_keywords; i++) {
        if (strcmp(sb.data, c_keywords[i]) == 0) {
            char *id = xformat("m_%s", sb.data);
            sb_free(&sb);
            return id;
        }
    }
    return sb.data;
}

bool valid_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !isalpha((unsigned char)s[0]) || strstr(s, "__"))
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return false;
    for (size_t i = 0; i < sizeof c_keywords / sizeof *c_keywords; i++)
        if (strcmp(s, c_keywords[i]) == 0)
            return false;
    return true;
}

char *safe_text(const char *s)
{
    StrBuf sb = {0};
    sb_add(&sb, "");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '*' && *p != '?' && *p != '\\')
            sb_addn(&sb, (const char *)p, 1);
        else
            sb_printf(&sb, "\\x%02x", *p);
    }
    return sb.data;
}

void c_string(StrBuf *sb, const char *s)
{
    sb_add(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            sb_printf(sb, "\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7f)
            sb_addn(sb, (const char *)p, 1);
        else
            sb_printf(sb, "\\%03o", *p);
    }
    sb_add(sb, "\"");
}

const char *path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup("");
    size_t n = (size_t)(slash - path) + 1;
    char *d = xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}
