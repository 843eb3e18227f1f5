/*
 * reader.h - reads the reference files gen.js writes (the .txt files under cases/): words
 * separated by white space, "#" comments to the end of the line.
 */
#ifndef KCC_LOSSES_READER_H
#define KCC_LOSSES_READER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    char *text;
    size_t pos, size;
    char word[128];
} reader;

/* Loads path; 0 when it cannot be read. */
static inline int reader_open(reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        char *bigger = realloc(buf, cap * 2 + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return 0;
    buf[len] = '\0';
    r->text = buf;
    r->size = len;
    return 1;
}

static inline void reader_close(reader *r)
{
    free(r->text);
    r->text = NULL;
}

/* The next word, or NULL at the end. */
static inline const char *reader_next(reader *r)
{
    for (;;) {
        while (r->pos < r->size && strchr(" \t\r\n", r->text[r->pos]))
            r->pos++;
        if (r->pos < r->size && r->text[r->pos] == '#') {
            while (r->pos < r->size && r->text[r->pos] != '\n')
                r->pos++;
            continue;
        }
        break;
    }
    if (r->pos >= r->size)
        return NULL;
    size_t n = 0;
    while (r->pos < r->size && !strchr(" \t\r\n", r->text[r->pos])) {
        if (n + 1 < sizeof r->word)
            r->word[n++] = r->text[r->pos];
        r->pos++;
    }
    r->word[n] = '\0';
    return r->word;
}

/* The next word, which must be `key`; 0 otherwise. */
static inline int reader_expect(reader *r, const char *key)
{
    const char *w = reader_next(r);
    if (!w || strcmp(w, key) != 0) {
        printf("reference file: expected \"%s\", found \"%s\"\n", key, w ? w : "(end)");
        return 0;
    }
    return 1;
}

static inline int reader_double(reader *r, double *v)
{
    const char *w = reader_next(r);
    char *end;
    if (!w)
        return 0;
    *v = strtod(w, &end);
    if (*end != '\0') {
        printf("reference file: \"%s\" is not a number\n", w);
        return 0;
    }
    return 1;
}

static inline int reader_long(reader *r, long *v)
{
    double d;
    if (!reader_double(r, &d) || d != (double)(long)d)
        return 0;
    *v = (long)d;
    return 1;
}

/* count numbers into a new float array (freed by the caller). */
static inline float *reader_floats(reader *r, long count)
{
    float *out = malloc(sizeof *out * (size_t)(count > 0 ? count : 1));
    for (long i = 0; out && i < count; i++) {
        double d;
        if (!reader_double(r, &d)) {
            free(out);
            return NULL;
        }
        out[i] = (float)d;
    }
    return out;
}

static inline double *reader_doubles(reader *r, long count)
{
    double *out = malloc(sizeof *out * (size_t)(count > 0 ? count : 1));
    for (long i = 0; out && i < count; i++) {
        if (!reader_double(r, &out[i])) {
            free(out);
            return NULL;
        }
    }
    return out;
}

#endif /* KCC_LOSSES_READER_H */
