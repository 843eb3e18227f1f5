/*
 * check.c - runs one generated model on the inputs of a case's io.txt and
 * compares its outputs with the expected ones of a format, element by
 * element: |got - want| <= tol * max(1, |want|), tol = 1e-5.
 *
 *   check io.txt FORMAT [WEIGHTS_FILE]
 *
 * Built once per model, with KCC_PREFIX (the generated API's prefix), KCC_UPPER,
 * KCC_HEADER ("prefix.h") and KCC_REAL (float or double); with
 * KCC_RUNTIME_WEIGHTS, it first loads WEIGHTS_FILE through
 * PREFIX_load_weights and checks that bad weight files are refused.
 * Exit status 0 if every element is within tolerance.
 */
#include KCC_HEADER

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define API(name) CAT(KCC_PREFIX, name)
#define MACRO(name) CAT(KCC_UPPER, name)

typedef KCC_REAL real;

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "check: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* The line of text that starts with key (and label), or NULL. */
static const char *find_line(const char *text, const char *key, const char *label)
{
    size_t kn = strlen(key), ln = label ? strlen(label) : 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kn) != 0 || p[kn] != ' ')
            continue;
        const char *q = p + kn + 1;
        if (!label)
            return q;
        if (strncmp(q, label, ln) == 0 && q[ln] == ' ')
            return q + ln + 1;
    }
    return NULL;
}

static double *read_numbers(const char *text, const char *key, const char *label, long count)
{
    const char *p = find_line(text, key, label);
    if (!p)
        return NULL;
    double *v = malloc(sizeof *v * (size_t)count);
    for (long i = 0; v && i < count; i++) {
        char *end;
        v[i] = strtod(p, &end);
        if (end == p) {
            free(v);
            return NULL;
        }
        p = end;
    }
    return v;
}

static long read_count(const char *text, const char *key)
{
    const char *p = find_line(text, key, NULL);
    return p ? strtol(p, NULL, 10) : -1;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

#ifdef KCC_RUNTIME_WEIGHTS
static int load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail("cannot open the weight file", path);
    static unsigned char buf[MACRO(_WEIGHTS_FILE_BYTES) + 1];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    real in[MACRO(_INPUT_SIZE)] = {0}, out[MACRO(_OUTPUT_SIZE)];
    if (API(_predict)(in, out) != -1)
        return fail("predict before loading weights did not return -1", NULL);
    if (API(_load_weights)(buf, n - 1) != -1)
        return fail("a short weight file was not refused with -1", NULL);
    buf[0] ^= 1;
    if (API(_load_weights)(buf, n) != -2)
        return fail("a weight file with a bad magic was not refused with -2", NULL);
    buf[0] ^= 1;
    buf[30] ^= 1;
    if (API(_load_weights)(buf, n) != -3)
        return fail("a weight file of another model was not refused with -3", NULL);
    buf[30] ^= 1;
    if (API(_load_weights)(buf, n) != 0)
        return fail("the weight file was refused", path);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 3)
        return fail("usage: check io.txt FORMAT [WEIGHTS_FILE]", NULL);
#ifdef KCC_RUNTIME_WEIGHTS
    if (argc < 4 || load(argv[3]) != 0)
        return 1;
#endif
    char *text = read_text(argv[1]);
    if (!text)
        return fail("cannot read", argv[1]);
    long n = read_count(text, "samples");
    long in = read_count(text, "input");
    long out = read_count(text, "output");
    if (n <= 0 || in != MACRO(_INPUT_SIZE) || out != MACRO(_OUTPUT_SIZE))
        return fail("io.txt does not match the model's input and output sizes", argv[1]);
    double *x = read_numbers(text, "x", NULL, n * in);
    double *want = read_numbers(text, "y", argv[2], n * out);
    free(text);
    if (!x || !want)
        return fail("io.txt lacks the inputs or the expected outputs of format", argv[2]);

    real *xr = malloc(sizeof *xr * (size_t)(n * in));
    real *y = malloc(sizeof *y * (size_t)(n * out));
    for (long i = 0; i < n * in; i++)
        xr[i] = (real)x[i];
    for (long i = 0; i < n * out; i++)
        y[i] = (real)NAN;
    if (API(_predict_batch)(xr, y, (size_t)n) != 0)
        return fail("predict_batch failed", NULL);

    /* The re-entrant form on a caller's arena gives the same result. */
    static API(_arena) arena;
    real *y1 = malloc(sizeof *y1 * (size_t)out);
    if (API(_predict_r)(&arena, xr + (n - 1) * in, y1) != 0)
        return fail("predict_r failed", NULL);
    for (long i = 0; i < out; i++)
        if (memcmp(&y1[i], &y[(n - 1) * out + i], sizeof(real)) != 0)
            return fail("predict_r and predict_batch disagree", NULL);

    double worst = 0;
    long worst_i = 0;
    for (long i = 0; i < n * out; i++) {
        double err = fabs((double)y[i] - want[i]) / fmax(1.0, fabs(want[i]));
        if (!(err <= worst) || isnan(err)) {
            worst = isnan(err) ? INFINITY : err;
            worst_i = i;
        }
    }
    printf("%s: %ld samples x %ld outputs, max error %.3g at %ld (got %.9g, want %.9g)\n",
           argv[2], n, out, worst, worst_i, (double)y[worst_i], want[worst_i]);
    int rc = worst <= 1e-5 ? 0 : 1;
    if (rc)
        fprintf(stderr, "check: error above 1e-5\n");
    free(x);
    free(want);
    free(xr);
    free(y);
    free(y1);
    return rc;
}
