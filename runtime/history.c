/*
 * history.c - a training history: Keras's CSVLogger files and an SVG plot.
 *
 * The CSV is what keras.callbacks.CSVLogger writes: a header "epoch,<keys>"
 * with the keys sorted (Python's sorted(), byte order), then one row an
 * epoch: the epoch number and each value as Python's repr() writes a float
 * (the shortest text that reads back to the same double; "nan", "inf",
 * "-inf").  Lines end in "\n"; fields that hold ',', '"' or a line break
 * are quoted as Python's csv module quotes them.
 *
 * Reading takes any file Keras's CSVLogger writes: "\r\n" (what Python's
 * csv writes) or "\n" line ends, quoted fields, a UTF-8 byte-order mark,
 * "NA" (Keras's mark for a value missing in an epoch, e.g. validation with
 * validation_freq > 1) and empty fields, both read as NaN.  Keys keep the
 * file's order; epoch numbers are kept as written.  A file that is not of
 * this form is an error naming the file, line and column.  Seconds are not
 * in the file: they read as NaN.
 *
 * The picture (kcc_plot_svg) is the one the Keras tutorials draw with
 * matplotlib from history.history: a panel for the loss and one for each
 * metric, each with the training curve and, when there is one, the
 * validation curve ("val_<key>"), against the epoch.  A learning rate
 * ("lr" or "learning_rate", as Keras's callbacks log it) gets a panel of
 * its own, last, on a logarithmic scale when it spans a decade or more.  NaN and infinite values (and any beyond +-1e300) leave
 * gaps; a point with no neighbour is drawn as a dot.  The SVG uses
 * presentation attributes only: no scripts, styles or external resources.
 *
 * Numbers are written and read the same way in every locale, and both
 * files are written atomically (files.c): to a temporary file beside the
 * target, flushed to disk, then renamed over it.
 */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "kcc_file.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The picture's coordinates must not depend on the compiler's choice to
 * fuse a multiply and an add (gcc keeps them apart under -std=c11). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__GNUC__) || defined(__clang__)
#define KCC_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define KCC_PRINTF_LIKE(f, a)
#endif

/* ---- errors and text buffers -------------------------------------------- */

/* The most of a history file kcc reads: a line an epoch, millions of them. */
#define HISTORY_MAX_BYTES ((size_t)64 << 20)

/* A growing string; oom is set (and further additions ignored) when memory
 * runs out, so that callers check once at the end. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_addn(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (n > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_add(sbuf *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

static void sb_addc(sbuf *b, char c)
{
    sb_addn(b, &c, 1);
}

/* Short formatted pieces only: integers and already-formatted numbers. */
static void sb_printf(sbuf *b, const char *fmt, ...) KCC_PRINTF_LIKE(2, 3);

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->oom = 1; /* never happens with the pieces used here */
        return;
    }
    sb_addn(b, tmp, (size_t)n);
}

/* A field's text for a message: at most 40 bytes (cut at a character
 * boundary, "..." added), control characters shown as '?'. */
static void show(char *out, size_t outsize, const char *s, size_t n)
{
    size_t limit = 40, o = 0;
    int cut = 0;
    if (n > limit) {
        n = limit;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        cut = 1;
    }
    for (size_t i = 0; i < n && o + 4 < outsize; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    if (cut && o + 4 < outsize) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* ---- numbers, the same in every locale ---------------------------------- */

/* Rewrites printf's %f or %e output with '.' as the decimal point, whatever
 * the locale's (which may be more than one byte). */
static void c_point(char *s)
{
    char *o = s;
    int dot = 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e') {
            *o++ = c;
        } else if (!dot) {
            *o++ = '.';
            dot = 1;
        }
    }
    *o = '\0';
}

/* v as Python's repr() writes it: the fewest significant digits that read
 * back as v, positional from 1e-4 up to 1e16, else with an exponent. */
static void repr_double(char out[40], double v)
{
    if (isnan(v)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v < 0 ? "-inf" : "inf");
        return;
    }
    char e[48];
    for (int prec = 0; prec <= 16; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v); /* both in the current locale */
        if (prec == 16 || strtod(e, NULL) == v)
            break;
    }
    const char *p = e;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    char dig[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < 20)
            dig[nd++] = *p;
    int ex = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    int decpt = ex + 1; /* digits before the point */
    char *o = out;
    if (neg)
        *o++ = '-';
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -decpt; i++)
                *o++ = '0';
            for (int i = 0; i < nd; i++)
                *o++ = dig[i];
        } else if (decpt >= nd) {
            for (int i = 0; i < nd; i++)
                *o++ = dig[i];
            for (int i = nd; i < decpt; i++)
                *o++ = '0';
            *o++ = '.';
            *o++ = '0';
        } else {
            for (int i = 0; i < nd; i++) {
                if (i == decpt)
                    *o++ = '.';
                *o++ = dig[i];
            }
        }
        *o = '\0';
    } else {
        *o++ = dig[0];
        if (nd > 1) {
            *o++ = '.';
            for (int i = 1; i < nd; i++)
                *o++ = dig[i];
        }
        /* "e-05", "e+16", "e+300": at least two digits, as Python's */
        int ax = ex < 0 ? -ex : ex;
        *o++ = 'e';
        *o++ = ex < 0 ? '-' : '+';
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100 % 10);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
        *o = '\0';
    }
}

static int lower_eq(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i]; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return i == n && word[i] == '\0';
}

/* s[0 .. n) as Python's float() reads it (decimal notation, "nan", "inf",
 * "infinity", any case and sign; no hexadecimal), in any locale. */
static int parse_number(const char *s, size_t n, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (lower_eq(s + i, n - i, "nan")) {
        *out = NAN;
        return 1;
    }
    if (lower_eq(s + i, n - i, "inf") || lower_eq(s + i, n - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 1;
    }
    size_t digits = 0, point = (size_t)-1;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.') {
        point = i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    }
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t edigits = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            edigits++;
        if (edigits == 0)
            return 0;
    }
    if (i != n)
        return 0;
    /* strtod reads the locale's decimal point: put it in. */
    const char *lp = localeconv()->decimal_point;
    size_t lplen = lp && *lp ? strlen(lp) : 1;
    char small[128];
    char *buf = small;
    if (n + lplen + 1 > sizeof small) {
        buf = malloc(n + lplen + 1);
        if (!buf)
            return 0;
    }
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == point && lp && *lp) {
            memcpy(buf + o, lp, lplen);
            o += lplen;
        } else {
            buf[o++] = s[k];
        }
    }
    buf[o] = '\0';
    char *end;
    double v = strtod(buf, &end);
    int ok = end == buf + o;
    if (buf != small)
        free(buf);
    if (ok)
        *out = v; /* out of range: +-inf or 0, as Python's float() */
    return ok;
}

/* ---- the history --------------------------------------------------------- */

void kcc_history_free(kcc_history *h)
{
    if (!h)
        return;
    free(h->epoch);
    free(h->values);
    free(h->seconds);
    memset(h, 0, sizeof *h);
}

static int epoch_of(const kcc_history *h, int row)
{
    return h->epoch ? h->epoch[row] : row;
}

/* Is h something the writers can use?  for_csv: also keys that make a
 * readable file (no "epoch", no duplicates) and epochs from 0. */
static kcc_status check_history(const kcc_history *h, int for_csv, kcc_error *err)
{
    if (!h)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: no history (NULL)");
    if (h->nkeys < 0 || h->nkeys > KCC_MAX_KEYS)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: nkeys is %d (expected 0 to %d)",
                     h->nkeys, KCC_MAX_KEYS);
    if (h->epochs < 0)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: epochs is %d", h->epochs);
    if (h->epochs > 0 && h->nkeys > 0 && !h->values)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: values is NULL for %d epochs",
                     h->epochs);
    for (int k = 0; k < h->nkeys; k++) {
        const char *key = h->keys[k];
        if (!memchr(key, '\0', sizeof h->keys[k]))
            return kcc_error_set(err, KCC_ERR_INVALID,
                         "history: key %d is not a string of at most %d bytes", k,
                         (int)sizeof h->keys[k] - 1);
        if (!key[0])
            return kcc_error_set(err, KCC_ERR_INVALID, "history: key %d is empty", k);
        if (!for_csv)
            continue;
        char shown[64];
        show(shown, sizeof shown, key, strlen(key));
        if (strcmp(key, "epoch") == 0)
            return kcc_error_set(err, KCC_ERR_INVALID,
                         "history: key %d is \"epoch\", the name of the CSV file's first column",
                         k);
        for (int j = 0; j < k; j++)
            if (strcmp(h->keys[j], key) == 0)
                return kcc_error_set(err, KCC_ERR_INVALID, "history: key \"%s\" appears twice (%d and %d)",
                             shown, j, k);
    }
    if (for_csv && h->epoch)
        for (int r = 0; r < h->epochs; r++)
            if (h->epoch[r] < 0)
                return kcc_error_set(err, KCC_ERR_INVALID,
                             "history: epoch[%d] is %d (epoch numbers start at 0)", r,
                             h->epoch[r]);
    return KCC_OK;
}

/* ---- CSV out -------------------------------------------------------------- */

/* A field as Python's csv module writes it (QUOTE_MINIMAL). */
static void csv_field(sbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        sb_add(b, s);
        return;
    }
    sb_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            sb_addc(b, '"');
        sb_addc(b, *s);
    }
    sb_addc(b, '"');
}

kcc_status kcc_history_write_csv(const kcc_history *h, const char *path, kcc_error *err)
{
    if (!path)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: no file name (NULL)");
    kcc_status st = check_history(h, 1, err);
    if (st != KCC_OK)
        return st;
    /* Keras sorts the keys: sorted(logs.keys()), code point order, which
     * for UTF-8 is strcmp's. */
    int order[KCC_MAX_KEYS];
    for (int k = 0; k < h->nkeys; k++) {
        int j = k;
        for (; j > 0 && strcmp(h->keys[order[j - 1]], h->keys[k]) > 0; j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
    sbuf b = {0};
    sb_add(&b, "epoch");
    for (int k = 0; k < h->nkeys; k++) {
        sb_addc(&b, ',');
        csv_field(&b, h->keys[order[k]]);
    }
    sb_addc(&b, '\n');
    for (int r = 0; r < h->epochs; r++) {
        sb_printf(&b, "%d", epoch_of(h, r));
        for (int k = 0; k < h->nkeys; k++) {
            char num[40];
            repr_double(num, h->values[(size_t)r * (size_t)h->nkeys + (size_t)order[k]]);
            sb_addc(&b, ',');
            sb_add(&b, num);
        }
        sb_addc(&b, '\n');
    }
    if (b.oom) {
        free(b.p);
        return kcc_error_set(err, KCC_ERR_NOMEM, "%s: out of memory", path);
    }
    st = kcc_write_file(path, b.p, b.len, err);
    free(b.p);
    return st;
}

/* ---- CSV in --------------------------------------------------------------- */

typedef struct csv_field_pos {
    size_t off, len; /* into the record's text */
    long line, col;  /* where it starts in the file, from 1 */
} csv_field_pos;

typedef struct csv_reader {
    const char *path;
    const char *p, *end;
    const char *line_start;
    long line;
    kcc_error *err;
    kcc_status status; /* of the first failure */
    /* the record just read */
    csv_field_pos *f;
    int nf, capf;
    sbuf text;
    long end_line, end_col; /* where the record ends */
} csv_reader;

static int csv_fail(csv_reader *r, long line, long col, const char *fmt, ...)
    KCC_PRINTF_LIKE(4, 5);

static int csv_fail(csv_reader *r, long line, long col, const char *fmt, ...)
{
    r->status = KCC_ERR_FORMAT;
    if (r->err) {
        char what[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        kcc_error_set(r->err, KCC_ERR_FORMAT, "%s:%ld:%ld: %s", r->path, line, col, what);
    }
    return -1;
}

static int csv_oom(csv_reader *r)
{
    r->status = KCC_ERR_NOMEM;
    kcc_error_set(r->err, KCC_ERR_NOMEM, "%s: out of memory", r->path);
    return -1;
}

static long col_of(const csv_reader *r, const char *p)
{
    return (long)(p - r->line_start) + 1;
}

/* Past a line end at r->p: "\n", "\r\n", "\r" (and "\r\r\n", what Python
 * writes through a text file on Windows). */
static void csv_newline(csv_reader *r)
{
    while (r->p < r->end && *r->p == '\r')
        r->p++;
    if (r->p < r->end && *r->p == '\n')
        r->p++;
    r->line++;
    r->line_start = r->p;
}

/* The next record's fields, skipping blank lines.  1: read; 0: end of the
 * file; -1: error (reported). */
static int csv_record(csv_reader *r)
{
    for (;;) { /* blank lines */
        if (r->p >= r->end)
            return 0;
        const char *q = r->p;
        while (q < r->end && (*q == ' ' || *q == '\t'))
            q++;
        if (q < r->end && *q != '\r' && *q != '\n')
            break;
        if (q >= r->end)
            return 0;
        r->p = q;
        csv_newline(r);
    }
    r->nf = 0;
    r->text.len = 0;
    for (;;) {
        csv_field_pos fp;
        fp.off = r->text.len;
        fp.line = r->line;
        fp.col = col_of(r, r->p);
        if (r->p < r->end && *r->p == '"') {
            r->p++;
            for (;;) {
                if (r->p >= r->end)
                    return csv_fail(r, fp.line, fp.col,
                                    "unterminated quoted field (the '\"' here is never closed)");
                char c = *r->p;
                if (c == '\0')
                    return csv_fail(r, r->line, col_of(r, r->p),
                                    "unexpected NUL byte (is this a text file?)");
                if (c == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        sb_addc(&r->text, '"');
                        r->p += 2;
                        continue;
                    }
                    r->p++;
                    break;
                }
                sb_addc(&r->text, c);
                r->p++;
                if (c == '\n') {
                    r->line++;
                    r->line_start = r->p;
                }
            }
            if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n')
                return csv_fail(r, r->line, col_of(r, r->p),
                                "expected ',' or the end of the line after a closing quote");
        } else {
            while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
                if (*r->p == '\0')
                    return csv_fail(r, r->line, col_of(r, r->p),
                                    "unexpected NUL byte (is this a text file?)");
                sb_addc(&r->text, *r->p);
                r->p++;
            }
        }
        if (r->text.oom)
            return csv_oom(r);
        fp.len = r->text.len - fp.off;
        if (r->nf == r->capf) {
            int cap = r->capf ? 2 * r->capf : 16;
            if (cap > 1 << 20)
                return csv_fail(r, fp.line, fp.col, "too many fields on one line");
            csv_field_pos *nfp = realloc(r->f, sizeof *nfp * (size_t)cap);
            if (!nfp)
                return csv_oom(r);
            r->f = nfp;
            r->capf = cap;
        }
        r->f[r->nf++] = fp;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        r->end_line = r->line;
        r->end_col = col_of(r, r->p);
        if (r->p < r->end)
            csv_newline(r);
        return 1;
    }
}

static const char *field_text(const csv_reader *r, int i)
{
    return r->text.p ? r->text.p + r->f[i].off : "";
}

/* The field without surrounding spaces and tabs. */
static const char *field_trimmed(const csv_reader *r, int i, size_t *n)
{
    const char *s = field_text(r, i);
    size_t len = r->f[i].len;
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    *n = len;
    return s;
}

static int read_header(csv_reader *r, kcc_history *h)
{
    int got = csv_record(r);
    if (got < 0)
        return -1;
    if (got == 0)
        return csv_fail(r, 1, 1, "the file is empty (expected a header line \"epoch,...\")");
    char shown[64];
    const char *first = field_text(r, 0);
    if (r->f[0].len != 5 || memcmp(first, "epoch", 5) != 0) {
        show(shown, sizeof shown, first, r->f[0].len);
        int other_sep = r->nf == 1 && r->f[0].len > 5 && memcmp(first, "epoch", 5) == 0 &&
                        (first[5] == ';' || first[5] == '\t' || first[5] == '|');
        return csv_fail(r, r->f[0].line, r->f[0].col,
                        "expected \"epoch\" as the first column, found \"%s\"%s", shown,
                        other_sep ? " (kcc reads comma-separated files)" : "");
    }
    if (r->nf - 1 > KCC_MAX_KEYS)
        return csv_fail(r, r->f[KCC_MAX_KEYS + 1].line, r->f[KCC_MAX_KEYS + 1].col,
                        "too many columns: a history holds at most %d besides \"epoch\"",
                        KCC_MAX_KEYS);
    h->nkeys = r->nf - 1;
    for (int i = 1; i < r->nf; i++) {
        const char *name = field_text(r, i);
        size_t len = r->f[i].len;
        show(shown, sizeof shown, name, len);
        if (len == 0)
            return csv_fail(r, r->f[i].line, r->f[i].col, "column %d has no name", i + 1);
        if (len >= sizeof h->keys[0])
            return csv_fail(r, r->f[i].line, r->f[i].col,
                            "column name \"%s\" is longer than %d bytes", shown,
                            (int)sizeof h->keys[0] - 1);
        for (int j = 0; j < i; j++)
            if (r->f[j].len == len && memcmp(field_text(r, j), name, len) == 0)
                return csv_fail(r, r->f[i].line, r->f[i].col,
                                "column \"%s\" appears twice (first as column %d)", shown, j + 1);
        memcpy(h->keys[i - 1], name, len);
        h->keys[i - 1][len] = '\0';
    }
    return 0;
}

/* Room for one more row. */
static int grow_rows(csv_reader *r, kcc_history *h, int *cap)
{
    if (h->epochs < *cap)
        return 0;
    if (*cap > INT_MAX / 2)
        return csv_fail(r, r->line, 1, "too many rows");
    int ncap = *cap ? 2 * *cap : 64;
    size_t per = (size_t)(h->nkeys > 0 ? h->nkeys : 1);
    if ((size_t)ncap > SIZE_MAX / sizeof(double) / per)
        return csv_oom(r);
    int *ep = realloc(h->epoch, sizeof *ep * (size_t)ncap);
    if (!ep)
        return csv_oom(r);
    h->epoch = ep;
    double *vals = realloc(h->values, sizeof *vals * (size_t)ncap * per);
    if (!vals)
        return csv_oom(r);
    h->values = vals;
    double *secs = realloc(h->seconds, sizeof *secs * (size_t)ncap);
    if (!secs)
        return csv_oom(r);
    h->seconds = secs;
    *cap = ncap;
    return 0;
}

static int read_row(csv_reader *r, kcc_history *h)
{
    char shown[64];
    int want = h->nkeys + 1;
    if (r->nf < want)
        return csv_fail(r, r->end_line, r->end_col,
                        "expected %d fields as in the header, found %d", want, r->nf);
    if (r->nf > want)
        return csv_fail(r, r->f[want].line, r->f[want].col,
                        "expected %d fields as in the header, found %d", want, r->nf);
    size_t n;
    const char *s = field_trimmed(r, 0, &n);
    long epoch = 0;
    int ok = n > 0;
    for (size_t i = 0; i < n && ok; i++) {
        if (s[i] < '0' || s[i] > '9' || epoch > (INT_MAX - 9) / 10)
            ok = 0;
        else
            epoch = epoch * 10 + (s[i] - '0');
    }
    if (!ok) {
        show(shown, sizeof shown, s, n);
        if (n == 0)
            return csv_fail(r, r->f[0].line, r->f[0].col,
                            "expected an epoch number (a whole number from 0), found nothing");
        return csv_fail(r, r->f[0].line, r->f[0].col,
                        "expected an epoch number (a whole number from 0), found \"%s\"", shown);
    }
    double *row = h->values + (size_t)h->epochs * (size_t)h->nkeys;
    for (int k = 0; k < h->nkeys; k++) {
        s = field_trimmed(r, k + 1, &n);
        double v;
        if (n == 0 || (n == 2 && memcmp(s, "NA", 2) == 0)) {
            v = NAN; /* Keras's mark for a value this epoch lacks */
        } else if (!parse_number(s, n, &v)) {
            char key[64];
            show(shown, sizeof shown, s, n);
            show(key, sizeof key, h->keys[k], strlen(h->keys[k]));
            return csv_fail(r, r->f[k + 1].line, r->f[k + 1].col,
                            "expected a number for \"%s\", found \"%s\"", key, shown);
        }
        row[k] = v;
    }
    h->epoch[h->epochs] = (int)epoch;
    h->seconds[h->epochs] = NAN;
    h->epochs++;
    return 0;
}

kcc_status kcc_history_read_csv(kcc_history *h, const char *path, kcc_error *err)
{
    if (!h)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: no history to read into (NULL)");
    memset(h, 0, sizeof *h);
    if (!path)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: no file name (NULL)");

    sbuf data = {0};
    kcc_error e;
    kcc_status st = kcc_file_read(NULL, path, 0, HISTORY_MAX_BYTES, &data.p, &data.len, &e);
    if (st == KCC_ERR_FORMAT)
        return kcc_error_set(err, st, "%s: %s", path, e.message);
    if (st)
        return kcc_error_set(err, st, "%s: cannot read: %s", path, e.message);

    csv_reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.p = data.p ? data.p : "";
    r.end = r.p + data.len;
    r.line = 1;
    r.err = err;
    if (r.end - r.p >= 3 && memcmp(r.p, "\xEF\xBB\xBF", 3) == 0)
        r.p += 3; /* a byte-order mark, as spreadsheets write */
    r.line_start = r.p;

    int cap = 0;
    int rc = read_header(&r, h);
    while (rc == 0) {
        int more = csv_record(&r);
        if (more <= 0) {
            rc = more;
            break;
        }
        rc = grow_rows(&r, h, &cap);
        if (rc == 0)
            rc = read_row(&r, h);
    }
    free(r.f);
    free(r.text.p);
    free(data.p);
    if (rc < 0) {
        kcc_history_free(h);
        return r.status;
    }
    return KCC_OK;
}

/* ---- SVG: text ------------------------------------------------------------ */

/* Text for XML content or an attribute: the five special characters as
 * entities; bytes that are not UTF-8, and characters XML forbids (control
 * characters, U+FFFE, U+FFFF), as U+FFFD. */
static void xml_escape(sbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        switch (c) {
        case '&': sb_add(b, "&amp;"); p++; continue;
        case '<': sb_add(b, "&lt;"); p++; continue;
        case '>': sb_add(b, "&gt;"); p++; continue;
        case '"': sb_add(b, "&quot;"); p++; continue;
        case '\'': sb_add(b, "&apos;"); p++; continue;
        default: break;
        }
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                sb_add(b, "&#xFFFD;");
            else
                sb_addc(b, (char)c);
            p++;
            continue;
        }
        int n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        if (c > 0xF4)
            n = 0;
        unsigned cp = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        int ok = n > 0;
        for (int i = 1; i < n && ok; i++) {
            if ((p[i] & 0xC0) != 0x80)
                ok = 0;
            else
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (ok && ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                   (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF ||
                   (cp >= 0x7F && cp <= 0x9F)))
            ok = 0;
        if (!ok) {
            sb_add(b, "&#xFFFD;");
            p++; /* resynchronize on the next byte */
            continue;
        }
        sb_addn(b, (const char *)p, (size_t)n);
        p += n;
    }
}

/* Characters (code points) in s, for estimating widths. */
static int text_chars(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* An estimate of the width of s at the given size in a sans-serif font. */
static double text_width(const char *s, double size)
{
    return text_chars(s) * size * 0.6;
}

/* ---- SVG: numbers --------------------------------------------------------- */

/* A coordinate: at most 2 decimals, no trailing zeros. */
static void fmt_coord(char out[32], double v)
{
    if (!(fabs(v) < 1e9))
        v = 0.0; /* cannot happen: everything is inside the picture */
    snprintf(out, 32, "%.2f", v);
    c_point(out);
    char *dot = strchr(out, '.');
    if (dot) {
        char *end = out + strlen(out);
        while (end > dot + 1 && end[-1] == '0')
            end--;
        if (end == dot + 1)
            end = dot;
        *end = '\0';
    }
    if (strcmp(out, "-0") == 0)
        strcpy(out, "0");
}

static double pow10i(int e)
{
    char s[16];
    snprintf(s, sizeof s, "1e%d", e);
    return strtod(s, NULL); /* correctly rounded, unlike pow() in some libms */
}

/* floor(log10(v)) for 1e-300 <= v <= 1e301, exactly. */
static int exp10_of(double v)
{
    int e = (int)floor(log10(v));
    while (pow10i(e) > v)
        e--;
    while (pow10i(e + 1) <= v)
        e++;
    return e;
}

/* Tick steps go 1, 2, 5, 10, 20, 50, ... */
typedef struct nice {
    int m; /* 1, 2 or 5 */
    int e; /* times 10^e */
} nice;

static double nice_value(nice n)
{
    return n.m * pow10i(n.e);
}

static nice nice_above(double raw)
{
    nice n = {1, exp10_of(raw)};
    while (nice_value(n) < raw)
        n = n.m == 1 ? (nice){2, n.e} : n.m == 2 ? (nice){5, n.e} : (nice){1, n.e + 1};
    return n;
}

static nice nice_next(nice n)
{
    return n.m == 1 ? (nice){2, n.e} : n.m == 2 ? (nice){5, n.e} : (nice){1, n.e + 1};
}

#define MAX_TICKS 64

typedef struct axis {
    double lo, hi;  /* the range shown (log: of log10 of the values) */
    int log;        /* a logarithmic scale: ticks are powers of ten */
    nice step;
    int nticks;
    double tick[MAX_TICKS];
    char label[MAX_TICKS][48];
    double label_width; /* the widest label's */
} axis;

/* Ticks at the multiples of step in [lo, hi], and their labels: fixed
 * decimals enough for the step, or an exponent for very large or small
 * numbers. */
static void axis_ticks(axis *a, nice step, double font)
{
    double s = nice_value(step);
    a->step = step;
    a->nticks = 0;
    double k = ceil(a->lo / s - 1e-9);
    for (; a->nticks < MAX_TICKS; k += 1.0) {
        double v = k * s;
        if (v > a->hi + s * 1e-9)
            break;
        if (fabs(v) < s * 1e-6)
            v = 0.0;
        a->tick[a->nticks++] = v;
    }
    a->label_width = 0.0;
    if (a->log) {
        /* 10^k: "0.001" to "10000", else "1e-5", "1e6" */
        for (int i = 0; i < a->nticks; i++) {
            int p = (int)a->tick[i];
            if (p >= -4 && p < 0)
                snprintf(a->label[i], sizeof a->label[i], "0.%.*s1", -p - 1, "000");
            else if (p >= 0 && p <= 4)
                snprintf(a->label[i], sizeof a->label[i], "1%.*s", p, "0000");
            else
                snprintf(a->label[i], sizeof a->label[i], "1e%d", p);
            a->label_width = fmax(a->label_width, text_width(a->label[i], font));
        }
        return;
    }
    double maxabs = 0.0;
    for (int i = 0; i < a->nticks; i++)
        if (fabs(a->tick[i]) > maxabs)
            maxabs = fabs(a->tick[i]);
    int em = maxabs > 0.0 ? exp10_of(maxabs) : step.e;
    int sci = em >= 6 || em <= -4 || step.e <= -6;
    int decimals = sci ? (em > step.e ? em - step.e : 0) : (step.e < 0 ? -step.e : 0);
    if (decimals > 15)
        decimals = 15; /* cannot happen: ranges are at least 1e-12 of their values */
    for (int i = 0; i < a->nticks; i++) {
        char *out = a->label[i];
        double v = a->tick[i];
        if (v == 0.0) {
            strcpy(out, "0");
            if (!sci && decimals > 0) {
                snprintf(out, 48, "%.*f", decimals, 0.0);
                c_point(out);
            }
        } else if (!sci) {
            snprintf(out, 48, "%.*f", decimals, v);
            c_point(out);
        } else {
            /* 1.5e-05 -> 1.5e-5, 2e+06 -> 2e6 */
            char raw[40];
            snprintf(raw, sizeof raw, "%.*e", decimals, v);
            c_point(raw);
            char *e = strchr(raw, 'e');
            int ex = e ? atoi(e + 1) : 0;
            if (e)
                *e = '\0';
            snprintf(out, 48, "%se%d", raw, ex);
        }
        double w = text_width(out, font);
        if (w > a->label_width)
            a->label_width = w;
    }
}

/* ---- SVG: layout and drawing ---------------------------------------------- */

static const char *const FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif";
static const char *const COLOR_TRAIN = "#1f77b4"; /* matplotlib's first two colours */
static const char *const COLOR_VAL = "#ff7f0e";
static const char *const COLOR_LR = "#2ca02c";
static const char *const COLOR_TEXT = "#222222";
static const char *const COLOR_TICK_TEXT = "#444444";
static const char *const COLOR_GRID = "#e6e6e6";
static const char *const COLOR_FRAME = "#888888";

enum {
    PANEL_W = 460,  /* each panel's cell */
    PANEL_H = 330,
    MARGIN = 14,    /* around the picture */
    TITLE_H = 40    /* the overall title's band */
};
#define TICK_FONT 12.0
#define LABEL_FONT 13.0
#define PANEL_TITLE_FONT 15.0
#define TITLE_FONT 18.0
#define LEGEND_FONT 12.0
#define VALUE_LIMIT 1e300

typedef struct panel {
    const char *name;   /* the key without "val_" */
    int train, val;     /* key indices, -1 if absent */
    int is_lr;
} panel;

static int is_lr_key(const char *name)
{
    return strcmp(name, "lr") == 0 || strcmp(name, "learning_rate") == 0;
}

static const char *base_key(const char *key)
{
    return strncmp(key, "val_", 4) == 0 && key[4] ? key + 4 : key;
}

/* Panels: "loss" first, then the metrics in the history's order, then the
 * learning rate. */
static int make_panels(const kcc_history *h, panel *out)
{
    panel all[KCC_MAX_KEYS];
    int n = 0;
    for (int k = 0; k < h->nkeys; k++) {
        const char *key = h->keys[k];
        const char *base = base_key(key);
        int i = 0;
        while (i < n && strcmp(all[i].name, base) != 0)
            i++;
        if (i == n) {
            all[n].name = base;
            all[n].train = all[n].val = -1;
            all[n].is_lr = is_lr_key(base);
            n++;
        }
        if (base != key)
            all[i].val = k;
        else
            all[i].train = k;
    }
    int m = 0;
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < n; i++) {
            int kind = strcmp(all[i].name, "loss") == 0 ? 0 : all[i].is_lr ? 2 : 1;
            if (kind == pass)
                out[m++] = all[i];
        }
    return m;
}

static int plottable(double v)
{
    return fabs(v) <= VALUE_LIMIT; /* false for NaN and infinities */
}

static double value_at(const kcc_history *h, int row, int key)
{
    return h->values[(size_t)row * (size_t)h->nkeys + (size_t)key];
}

/* The y range: the values with 5% to spare, as matplotlib pads; a constant
 * (or nearly constant) series gets a range around its value. */
static void y_range(const kcc_history *h, const panel *pn, axis *ya, int *any)
{
    double lo = INFINITY, hi = -INFINITY;
    int keys[2] = {pn->train, pn->val};
    for (int s = 0; s < 2; s++) {
        if (keys[s] < 0)
            continue;
        for (int r = 0; r < h->epochs; r++) {
            double v = value_at(h, r, keys[s]);
            if (!plottable(v))
                continue;
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
    }
    *any = lo <= hi;
    ya->log = 0;
    if (!*any) {
        ya->lo = 0.0;
        ya->hi = 1.0;
        return;
    }
    if (pn->is_lr && lo > 0.0 && hi / lo >= 10.0) {
        /* a learning rate over a decade or more (ReduceLROnPlateau's
         * steps): a logarithmic scale shows each step */
        ya->log = 1;
        lo = log10(lo);
        hi = log10(hi);
    }
    double span = hi - lo;
    double mag = fmax(fabs(lo), fabs(hi));
    if (span <= mag * 1e-12 || span < 1e-290) {
        double mid = lo / 2 + hi / 2;
        double d = fabs(mid) * 0.05;
        if (d < 1e-290)
            d = 1.0;
        ya->lo = mid - d;
        ya->hi = mid + d;
        return;
    }
    ya->lo = lo - span * 0.05;
    ya->hi = hi + span * 0.05;
}

/* The smallest 1-2-5 step that gives at most max_ticks ticks and, given
 * the axis's length in pixels, labels that do not crowd each other.
 * integer: whole steps only (epochs, powers of ten). */
static void fit_ticks(axis *a, int max_ticks, int integer, double length)
{
    double span = a->hi - a->lo;
    nice step = nice_above(span / 10.0);
    if (integer && step.e < 0)
        step = (nice){1, 0};
    for (int guard = 0; guard < 64; guard++) {
        axis_ticks(a, step, TICK_FONT);
        int fits = a->nticks <= max_ticks;
        if (fits && length > 0.0)
            fits = nice_value(step) / span * length >= a->label_width + 16.0;
        if (fits)
            break;
        step = nice_next(step);
    }
}

/* A value in the axis's terms. */
static double axis_pos(const axis *a, double v)
{
    return a->log ? log10(v) : v;
}

typedef struct frame {
    double left, right, top, bottom; /* the plot area */
    axis *xa, *ya;
} frame;

static double map_x(const frame *f, double x)
{
    return f->left + (x - f->xa->lo) / (f->xa->hi - f->xa->lo) * (f->right - f->left);
}

/* y is in the axis's terms: a tick, or a value through axis_pos. */
static double map_y(const frame *f, double y)
{
    return f->bottom - (y - f->ya->lo) / (f->ya->hi - f->ya->lo) * (f->bottom - f->top);
}

static void text_at(sbuf *b, double x, double y, const char *attrs, const char *text)
{
    char xs[32], ys[32];
    fmt_coord(xs, x);
    fmt_coord(ys, y);
    sb_printf(b, "<text x=\"%s\" y=\"%s\"%s%s>", xs, ys, attrs[0] ? " " : "", attrs);
    xml_escape(b, text);
    sb_add(b, "</text>\n");
}

/* One series: a polyline for each run of drawable values, a dot for a
 * value with no drawable neighbour. */
static void draw_series(sbuf *b, const kcc_history *h, const frame *f, int key,
                        const char *color)
{
    sb_add(b, "<g class=\"series\" data-key=\"");
    xml_escape(b, h->keys[key]);
    sb_printf(b, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                 "stroke-linejoin=\"round\" stroke-linecap=\"round\">\n", color);
    int r = 0;
    while (r < h->epochs) {
        if (!plottable(value_at(h, r, key))) {
            r++;
            continue;
        }
        int end = r;
        while (end < h->epochs && plottable(value_at(h, end, key)))
            end++;
        char xs[32], ys[32];
        if (end - r == 1) {
            fmt_coord(xs, map_x(f, epoch_of(h, r)));
            fmt_coord(ys, map_y(f, axis_pos(f->ya, value_at(h, r, key))));
            sb_printf(b, "<circle cx=\"%s\" cy=\"%s\" r=\"3.5\" fill=\"%s\" stroke=\"none\"/>\n",
                      xs, ys, color);
        } else {
            sb_add(b, "<polyline points=\"");
            for (int i = r; i < end; i++) {
                fmt_coord(xs, map_x(f, epoch_of(h, i)));
                fmt_coord(ys, map_y(f, axis_pos(f->ya, value_at(h, i, key))));
                sb_printf(b, "%s%s,%s", i > r ? " " : "", xs, ys);
            }
            sb_add(b, "\"/>\n");
        }
        r = end;
    }
    sb_add(b, "</g>\n");
}

typedef struct series_spec {
    int key;
    const char *label, *color;
} series_spec;

static void draw_panel(sbuf *b, const kcc_history *h, const panel *pn, double ox, double oy,
                       double xmin, double xmax)
{
    axis ya, xa;
    int any;
    y_range(h, pn, &ya, &any);
    fit_ticks(&ya, 7, ya.log, 0.0);

    frame f;
    f.xa = &xa;
    f.ya = &ya;
    f.left = ox + 38.0 + ceil(ya.label_width);
    f.right = ox + PANEL_W - 20.0;
    f.bottom = oy + PANEL_H - 52.0;

    /* The header: the title at the left, the legend at the right, or on
     * a line of its own when they do not fit side by side. */
    char title[64];
    snprintf(title, sizeof title, "%s%s", pn->is_lr ? "" : "model ",
             pn->is_lr ? "learning rate" : pn->name);
    double plot_w = f.right - f.left;
    double title_font = PANEL_TITLE_FONT;
    double tw = text_width(title, title_font) * 1.05; /* bold */
    if (tw > plot_w) {
        title_font = fmax(9.0, floor(title_font * plot_w / tw));
        tw = text_width(title, title_font) * 1.05;
    }
    series_spec ser[2];
    int nser = 0;
    if (pn->train >= 0)
        ser[nser++] = (series_spec){pn->train, pn->is_lr ? pn->name : "train",
                                    pn->is_lr ? COLOR_LR : COLOR_TRAIN};
    if (pn->val >= 0)
        ser[nser++] = (series_spec){pn->val, "validation", COLOR_VAL};
    int legend = nser > 1 || (nser == 1 && !pn->is_lr);
    double lw = 0.0;
    if (legend)
        for (int i = 0; i < nser; i++)
            lw += (i ? 16.0 : 0.0) + 24.0 + 5.0 + text_width(ser[i].label, LEGEND_FONT);
    double header_y = oy + 24.0;
    double legend_y = header_y;
    f.top = oy + 38.0;
    if (legend && tw + 24.0 + lw > plot_w) {
        legend_y = header_y + 20.0;
        f.top += 20.0;
    }

    xa.lo = xmin;
    xa.hi = xmax;
    xa.log = 0;
    fit_ticks(&xa, 8, 1, f.right - f.left);

    char a[32], c[32], d[32], e[32];
    sb_add(b, "<g class=\"panel\">\n");

    /* grid */
    sb_printf(b, "<path class=\"grid\" fill=\"none\" stroke=\"%s\" stroke-width=\"1\" "
                 "shape-rendering=\"crispEdges\" d=\"", COLOR_GRID);
    fmt_coord(c, f.top);
    fmt_coord(d, f.bottom);
    for (int i = 0; i < xa.nticks; i++) {
        fmt_coord(a, map_x(&f, xa.tick[i]));
        sb_printf(b, "M%s %sV%s", a, c, d);
    }
    fmt_coord(c, f.left);
    fmt_coord(d, f.right);
    for (int i = 0; i < ya.nticks; i++) {
        fmt_coord(a, map_y(&f, ya.tick[i]));
        sb_printf(b, "M%s %sH%s", c, a, d);
    }
    sb_add(b, "\"/>\n");

    /* frame and tick marks */
    fmt_coord(a, f.left);
    fmt_coord(c, f.top);
    fmt_coord(d, f.right - f.left);
    fmt_coord(e, f.bottom - f.top);
    sb_printf(b, "<rect class=\"frame\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" "
                 "fill=\"none\" stroke=\"%s\" stroke-width=\"1\" shape-rendering=\"crispEdges\"/>\n",
              a, c, d, e, COLOR_FRAME);
    sb_printf(b, "<path class=\"ticks\" fill=\"none\" stroke=\"%s\" stroke-width=\"1\" "
                 "shape-rendering=\"crispEdges\" d=\"", COLOR_FRAME);
    fmt_coord(c, f.bottom);
    for (int i = 0; i < xa.nticks; i++) {
        fmt_coord(a, map_x(&f, xa.tick[i]));
        sb_printf(b, "M%s %sv5", a, c);
    }
    fmt_coord(c, f.left);
    for (int i = 0; i < ya.nticks; i++) {
        fmt_coord(a, map_y(&f, ya.tick[i]));
        sb_printf(b, "M%s %sh-5", c, a);
    }
    sb_add(b, "\"/>\n");

    /* tick labels */
    sb_printf(b, "<g class=\"xticks\" font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\">\n",
              (int)TICK_FONT, COLOR_TICK_TEXT);
    for (int i = 0; i < xa.nticks; i++)
        text_at(b, map_x(&f, xa.tick[i]), f.bottom + 20.0, "", xa.label[i]);
    sb_add(b, "</g>\n");
    sb_printf(b, "<g class=\"yticks\" font-size=\"%d\" fill=\"%s\" text-anchor=\"end\">\n",
              (int)TICK_FONT, COLOR_TICK_TEXT);
    for (int i = 0; i < ya.nticks; i++)
        text_at(b, f.left - 8.0, map_y(&f, ya.tick[i]) + 4.0, "", ya.label[i]);
    sb_add(b, "</g>\n");

    /* axis labels */
    char attrs[256];
    snprintf(attrs, sizeof attrs, "class=\"xlabel\" font-size=\"%d\" fill=\"%s\" "
             "text-anchor=\"middle\"", (int)LABEL_FONT, COLOR_TEXT);
    text_at(b, (f.left + f.right) / 2.0, f.bottom + 42.0, attrs, "epoch");
    double plot_h = f.bottom - f.top;
    char ylabel[64];
    snprintf(ylabel, sizeof ylabel, "%s%s", pn->name, ya.log ? " (log scale)" : "");
    double ylabel_font = LABEL_FONT;
    if (text_width(ylabel, ylabel_font) > plot_h)
        ylabel_font = fmax(8.0, floor(ylabel_font * plot_h / text_width(ylabel, ylabel_font)));
    double lx = ox + 22.0, ly = (f.top + f.bottom) / 2.0;
    fmt_coord(a, lx);
    fmt_coord(c, ly);
    snprintf(attrs, sizeof attrs, "class=\"ylabel\" font-size=\"%d\" fill=\"%s\" "
             "text-anchor=\"middle\" transform=\"rotate(-90 %s %s)\"", (int)ylabel_font,
             COLOR_TEXT, a, c);
    text_at(b, lx, ly, attrs, ylabel);

    /* the curves */
    for (int i = 0; i < nser; i++)
        draw_series(b, h, &f, ser[i].key, ser[i].color);
    if (!any) {
        snprintf(attrs, sizeof attrs, "class=\"nodata\" font-size=\"%d\" fill=\"%s\" "
                 "text-anchor=\"middle\"", (int)LABEL_FONT, COLOR_FRAME);
        text_at(b, (f.left + f.right) / 2.0, (f.top + f.bottom) / 2.0 + 4.0, attrs,
                h->epochs ? "no finite values" : "no epochs");
    }

    /* title and legend */
    snprintf(attrs, sizeof attrs, "class=\"title\" font-size=\"%d\" font-weight=\"bold\" "
             "fill=\"%s\"", (int)title_font, COLOR_TEXT);
    text_at(b, f.left, header_y, attrs, title);
    if (legend) {
        sb_printf(b, "<g class=\"legend\" font-size=\"%d\" fill=\"%s\">\n", (int)LEGEND_FONT,
                  COLOR_TEXT);
        double x = f.right - lw;
        for (int i = 0; i < nser; i++) {
            fmt_coord(a, x);
            fmt_coord(c, x + 24.0);
            fmt_coord(d, legend_y - 4.0);
            sb_printf(b, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" "
                         "stroke-width=\"2.5\"/>\n", a, d, c, d, ser[i].color);
            text_at(b, x + 29.0, legend_y, "", ser[i].label);
            x += 24.0 + 5.0 + text_width(ser[i].label, LEGEND_FONT) + 16.0;
        }
        sb_add(b, "</g>\n");
    }
    sb_add(b, "</g>\n");
}

kcc_status kcc_plot_svg(const kcc_history *h, const char *path, const char *title,
                        kcc_error *err)
{
    if (!path)
        return kcc_error_set(err, KCC_ERR_INVALID, "history: no file name (NULL)");
    kcc_status st = check_history(h, 0, err);
    if (st != KCC_OK)
        return st;
    if (!title)
        title = "Training history";

    panel panels[KCC_MAX_KEYS];
    int n = make_panels(h, panels);
    int cols = n <= 3 ? (n ? n : 1) : n == 4 ? 2 : n <= 9 ? 3 : 4;
    int rows = n ? (n + cols - 1) / cols : 1;
    double title_h = title[0] ? TITLE_H : 0.0;
    double grid_w = (double)cols * PANEL_W;
    double width = grid_w + 2.0 * MARGIN;
    double tw = text_width(title, TITLE_FONT) * 1.05;
    if (tw + 2.0 * MARGIN > width)
        width = ceil(tw + 2.0 * MARGIN);
    double height = 2.0 * MARGIN + title_h + (double)rows * PANEL_H;
    double gx = (width - grid_w) / 2.0, gy = MARGIN + title_h;

    /* The epochs shown, the same in every panel. */
    double xmin = 0.0, xmax = 1.0;
    if (h->epochs > 0) {
        xmin = xmax = epoch_of(h, 0);
        for (int r = 1; r < h->epochs; r++) {
            xmin = fmin(xmin, epoch_of(h, r));
            xmax = fmax(xmax, epoch_of(h, r));
        }
        if (xmin == xmax) {
            xmin -= 0.5;
            xmax += 0.5;
        } else {
            double pad = (xmax - xmin) * 0.03;
            xmin -= pad;
            xmax += pad;
        }
    }

    char w[32], hh[32], a[32], c[32];
    fmt_coord(w, width);
    fmt_coord(hh, height);
    sbuf b = {0};
    sb_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%s\" "
                  "height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\">\n",
              w, hh, w, hh, FONT);
    sb_add(&b, "<title>");
    xml_escape(&b, title[0] ? title : "training history");
    sb_add(&b, "</title>\n");
    sb_printf(&b, "<rect width=\"%s\" height=\"%s\" fill=\"#ffffff\"/>\n", w, hh);
    if (title[0]) {
        char attrs[256];
        snprintf(attrs, sizeof attrs, "class=\"suptitle\" font-size=\"%d\" font-weight=\"bold\" "
                 "fill=\"%s\" text-anchor=\"middle\"", (int)TITLE_FONT, COLOR_TEXT);
        text_at(&b, width / 2.0, MARGIN + 26.0, attrs, title);
    }
    if (n == 0) {
        fmt_coord(a, gx + PANEL_W / 2.0);
        fmt_coord(c, gy + PANEL_H / 2.0);
        sb_printf(&b, "<text class=\"nodata\" x=\"%s\" y=\"%s\" font-size=\"%d\" fill=\"%s\" "
                      "text-anchor=\"middle\">", a, c, (int)LABEL_FONT, COLOR_FRAME);
        sb_add(&b, "no values to plot</text>\n");
    }
    for (int i = 0; i < n; i++)
        draw_panel(&b, h, &panels[i], gx + (double)(i % cols) * PANEL_W,
                   gy + (double)(i / cols) * PANEL_H, xmin, xmax);
    sb_add(&b, "</svg>\n");
    if (b.oom) {
        free(b.p);
        return kcc_error_set(err, KCC_ERR_NOMEM, "%s: out of memory", path);
    }
    st = kcc_write_file(path, b.p, b.len, err);
    free(b.p);
    return st;
}
