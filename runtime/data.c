/*
 * data.c - datasets in memory: CSV files with their preprocessing, IDX
 * files (MNIST), seeded splits.
 *
 * CSV (RFC 4180): a header line, fields separated by the delimiter, quoted
 * fields with "" for a quote and delimiters or line breaks inside, CRLF or
 * LF (or CR) line ends, a trailing line end or not, blank lines skipped, a
 * UTF-8 byte-order mark ignored.  Every column of the header is described
 * by a kcc_column: a feature, a target or dropped; a number, a label
 * (categories as 0..k-1) or one-hot (a 0/1 column a category, without the
 * first with drop_first).  Categories are sorted by strcmp, which is
 * Python's order for strings (sklearn's LabelEncoder and OneHotEncoder):
 * byte order, that is code point order for UTF-8.  Features come in the
 * header's order, a one-hot column expanding in place; so do targets.
 *
 * Scaling is sklearn's StandardScaler over the whole feature matrix after
 * encoding: each feature (each one-hot indicator too) of a column with
 * `scale` set gets (x - mean) / std with the population std, and std 1 for
 * a constant feature.  spec.scale sets `scale` on every feature column.
 *
 * IDX: big-endian header (magic 0x00000803 for images: count, rows, cols;
 * 0x00000801 for labels: count), then unsigned bytes; gzipped or raw (zlib
 * reads both).  One-hot labels have max(10, largest label + 1) classes, so
 * every part of a ten-class set gets ten columns whatever labels it holds.
 */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "kcc_file.h"

#include <cjson/cJSON.h>
#include <zlib.h>

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__GNUC__) || defined(__clang__)
#define DATA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DATA_PRINTF(f, a)
#endif

/* ---- errors and small helpers ------------------------------------------ */

static kcc_status nomem(kcc_error *err, const char *path)
{
    return kcc_error_set(err, KCC_ERR_NOMEM, "%s: out of memory", path ? path : "(null)");
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Text from a file for a message, between quotes: at most max bytes of
 * it ("..." after a cut), made safe to print (kcc_text_show).  cap >= 16.
 * Returns dst. */
static const char *quoted(char *dst, size_t cap, const char *s, char quote, size_t max)
{
    size_t n = strlen(s);
    int cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    dst[0] = quote;
    kcc_text_show(dst + 1, cap - 5, s, n);
    size_t o = strlen(dst);
    if (cut && !(o >= 4 && memcmp(dst + o - 3, "...", 3) == 0)) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o++] = quote;
    dst[o] = '\0';
    return dst;
}

/* A value for a message: 'text', at most 40 bytes of it; "an empty
 * value" for "". */
static void describe(char *dst, size_t cap, const char *s)
{
    if (!*s)
        snprintf(dst, cap, "an empty value");
    else
        quoted(dst, cap, s, '\'', 40);
}

/* Reads a whole regular file of at most max bytes, NUL-terminated. */
static kcc_status read_all(char **out, size_t *len, const char *path, size_t max, kcc_error *err)
{
    kcc_error e;
    kcc_status st = kcc_file_read(NULL, path, 0, max, out, len, &e);
    if (st == KCC_ERR_FORMAT)
        return kcc_error_set(err, st, "%s: %s", path, e.message);
    if (st)
        return kcc_error_set(err, st, "%s: cannot open: %s", path, e.message);
    return KCC_OK;
}

/* ---- datasets ----------------------------------------------------------- */

void kcc_dataset_free(kcc_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

/* Allocates n * size floats, at least one, so that an empty part of a
 * dataset still has its arrays.  NULL when the size overflows. */
static float *alloc_floats(long n, long size)
{
    if (n < 0 || size < 0)
        return NULL;
    size_t count = 1;
    if (n > 0 && size > 0) {
        if ((unsigned long)n > SIZE_MAX / sizeof(float) / (unsigned long)size)
            return NULL;
        count = (size_t)n * (size_t)size;
    }
    return malloc(count * sizeof(float));
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static uint64_t below(kcc_rng *rng, uint64_t n)
{
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t r = kcc_rng_next(rng);
        if (r >= threshold)
            return r % n;
    }
}

kcc_status kcc_dataset_split(kcc_dataset *train, kcc_dataset *test, const kcc_dataset *all,
                             double test_fraction, uint64_t seed, kcc_error *err)
{
    if (!train || !test || !all)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_dataset_split: a NULL dataset");
    if (train == test || train == all || test == all)
        return kcc_error_set(err, KCC_ERR_INVALID,
                     "kcc_dataset_split: train, test and all must be different datasets");
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (!(test_fraction >= 0.0 && test_fraction < 1.0))
        return kcc_error_set(err, KCC_ERR_INVALID,
                     "kcc_dataset_split: the test fraction %g is not in [0, 1)", test_fraction);
    if (all->n < 0 || all->x_size < 0 || all->y_size < 0 || (all->n > 0 && !all->x) ||
        (all->n > 0 && all->y_size > 0 && !all->y))
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_dataset_split: the dataset is invalid");

    long n = all->n;
    long ntest = (long)floor(test_fraction * (double)n + 0.5);
    if (ntest > n)
        ntest = n;
    long ntrain = n - ntest;
    int has_y = all->y != NULL;
    unsigned char *in_test = calloc((size_t)n + 1, 1);
    float *trx = alloc_floats(ntrain, all->x_size);
    float *tex = alloc_floats(ntest, all->x_size);
    float *try_ = has_y ? alloc_floats(ntrain, all->y_size) : NULL;
    float *tey = has_y ? alloc_floats(ntest, all->y_size) : NULL;
    if (!in_test || !trx || !tex || (has_y && (!try_ || !tey))) {
        free(in_test);
        free(trx);
        free(tex);
        free(try_);
        free(tey);
        return kcc_error_set(err, KCC_ERR_NOMEM, "kcc_dataset_split: out of memory");
    }

    /* Floyd's algorithm: a uniformly random subset of ntest indices.  The
     * stream is derived from the seed so that a split does not share its
     * numbers with an initializer seeded alike. */
    kcc_rng rng;
    kcc_rng_seed(&rng, kcc_mix64(seed, 0x73706c6974ULL /* "split" */));
    for (long j = n - ntest; j < n; j++) {
        long t = (long)below(&rng, (uint64_t)j + 1);
        if (in_test[t])
            in_test[j] = 1;
        else
            in_test[t] = 1;
    }

    size_t xs = (size_t)all->x_size, ys = (size_t)all->y_size;
    long itr = 0, ite = 0;
    for (long i = 0; i < n; i++) {
        if (in_test[i]) {
            if (xs)
                memcpy(tex + (size_t)ite * xs, all->x + (size_t)i * xs, xs * sizeof(float));
            if (has_y && ys)
                memcpy(tey + (size_t)ite * ys, all->y + (size_t)i * ys, ys * sizeof(float));
            ite++;
        } else {
            if (xs)
                memcpy(trx + (size_t)itr * xs, all->x + (size_t)i * xs, xs * sizeof(float));
            if (has_y && ys)
                memcpy(try_ + (size_t)itr * ys, all->y + (size_t)i * ys, ys * sizeof(float));
            itr++;
        }
    }
    free(in_test);

    train->n = ntrain;
    test->n = ntest;
    train->x_size = test->x_size = all->x_size;
    train->y_size = test->y_size = has_y ? all->y_size : 0;
    train->x = trx;
    test->x = tex;
    train->y = try_;
    test->y = tey;
    return KCC_OK;
}

/* ---- IDX ---------------------------------------------------------------- */

#define IDX_CHUNK 65536

/* Reads up to n bytes; *got says how many came.  Fails on a read error or
 * corrupt gzip data, not on an early end. */
static kcc_status gz_read_some(gzFile gz, const char *path, unsigned char *buf, size_t n,
                               size_t *got, kcc_error *err)
{
    size_t total = 0;
    while (total < n) {
        size_t want = n - total;
        if (want > (1u << 30))
            want = 1u << 30;
        int r = gzread(gz, buf + total, (unsigned)want);
        if (r < 0) {
            int code = Z_OK;
            const char *msg = gzerror(gz, &code);
            if (code == Z_ERRNO)
                return kcc_error_set(err, KCC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
            return kcc_error_set(err, KCC_ERR_FORMAT, "%s: corrupt gzip data: %s", path,
                         msg ? msg : "unknown error");
        }
        if (r == 0)
            break;
        total += (size_t)r;
    }
    *got = total;
    return KCC_OK;
}

/* After a short read: did the gzip stream end early? */
static int gz_truncated(gzFile gz)
{
    int code = Z_OK;
    gzerror(gz, &code);
    return code == Z_BUF_ERROR;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Opens an IDX file, gzipped or not; *size is its size on disk. */
static kcc_status idx_open(gzFile *gz, size_t *size, const char *path, kcc_error *err)
{
    int fd;
    kcc_error e;
    kcc_status st = kcc_file_open(NULL, path, 0, &fd, size, &e);
    if (st)
        return kcc_error_set(err, st, "%s: cannot open: %s", path, e.message);
    *gz = gzdopen(fd, "rb");
    if (!*gz) {
        close(fd);
        return nomem(err, path);
    }
    return KCC_OK;
}

/* Reads an IDX header of 4 + 4 * ndims bytes with the given magic. */
static kcc_status idx_header(gzFile gz, const char *path, uint32_t magic, const char *what,
                             uint32_t *dims, int ndims, kcc_error *err)
{
    unsigned char h[16];
    size_t need = 4 + 4 * (size_t)ndims, got = 0, more = 0;
    kcc_status st = gz_read_some(gz, path, h, 4, &got, err);
    if (st)
        return st;
    if (got == 4 && be32(h) != magic)
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s: bad magic 0x%08X, expected 0x%08X (IDX %s)", path,
                     (unsigned)be32(h), (unsigned)magic, what);
    if (got == 4 && (st = gz_read_some(gz, path, h + 4, need - 4, &more, err)))
        return st;
    got += more;
    if (got < need)
        return kcc_error_set(err, KCC_ERR_FORMAT,
                     "%s: truncated: the IDX %s header needs %zu bytes, the file has %zu%s", path,
                     what, need, got, gz_truncated(gz) ? " (the gzip stream ends early)" : "");
    for (int i = 0; i < ndims; i++)
        dims[i] = be32(h + 4 + 4 * i);
    return KCC_OK;
}

/* After the data: the file must end here.  At most a chunk more is
 * decompressed to tell: never more than the header declares, and a chunk. */
static kcc_status idx_end(gzFile gz, const char *path, unsigned char *chunk, kcc_error *err)
{
    size_t extra = 0;
    kcc_status st = gz_read_some(gz, path, chunk, IDX_CHUNK, &extra, err);
    if (st)
        return st;
    if (extra == IDX_CHUNK)
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s: %d or more unexpected bytes after the data",
                             path, IDX_CHUNK);
    if (extra)
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s: %zu unexpected bytes after the data", path, extra);
    if (gz_truncated(gz))
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s: truncated: the gzip stream ends early", path);
    return KCC_OK;
}

/* The most bytes deflate makes of one compressed byte (zlib's technical
 * report: 1032:1). */
#define GZIP_MAX_RATIO 1032

/* Can a file of size bytes on disk hold need bytes of data after a header
 * of head bytes?  A raw file must have exactly that many (*exact); a
 * gzipped one cannot hold more than deflate's ratio allows. */
static int idx_can_hold(gzFile gz, size_t size, size_t head, uint64_t need, int *exact)
{
    *exact = gzdirect(gz);
    if (*exact)
        return size >= head && need == size - head;
    return need / GZIP_MAX_RATIO <= size;
}

kcc_status kcc_idx_info(long *count, long *sample_size, const char *path, kcc_error *err)
{
    if (!count || !sample_size || !path)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_idx_info: a NULL argument");
    *count = *sample_size = 0;
    gzFile gz = NULL;
    size_t size;
    kcc_status st = idx_open(&gz, &size, path, err);
    if (st)
        return st;
    /* The magic's third byte: 0x08, then the number of axes. */
    unsigned char h[16];
    size_t got = 0;
    if ((st = gz_read_some(gz, path, h, 4, &got, err)))
        goto done;
    if (got < 4 || h[0] || h[1] || h[2] != 0x08 || h[3] < 1 || h[3] > 3) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: not an IDX file of unsigned bytes", path);
        goto done;
    }
    int ndims = h[3];
    if ((st = gz_read_some(gz, path, h + 4, 4 * (size_t)ndims, &got, err)))
        goto done;
    if (got < 4 * (size_t)ndims) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: truncated: the IDX header needs %d bytes",
                           path, 4 + 4 * ndims);
        goto done;
    }
    uint64_t n = 1;
    for (int i = 1; i < ndims; i++)
        n *= be32(h + 4 + 4 * i);
    *count = (long)be32(h + 4);
    *sample_size = (long)n;
done:
    gzclose(gz);
    return st;
}

kcc_status kcc_idx_load(kcc_dataset *out, const char *images, const char *labels, double scale,
                        int one_hot, kcc_error *err)
{
    if (!out)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_idx_load: out is NULL");
    memset(out, 0, sizeof *out);
    if (!images)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_idx_load: no image file");
    if (!isfinite(scale))
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_idx_load: the scale %g is not finite", scale);

    kcc_status st;
    gzFile gi = NULL, gl = NULL;
    unsigned char *chunk = NULL, *lab = NULL;
    float *x = NULL, *y = NULL;
    uint32_t idims[3] = {0, 0, 0}, ldims[1] = {0};
    size_t isize = 0, lsize = 0; /* on disk */

    if ((st = idx_open(&gi, &isize, images, err)))
        goto done;
    if ((st = idx_header(gi, images, 0x00000803u, "images", idims, 3, err)))
        goto done;
    if (idims[0] == 0) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: the header says 0 images", images);
        goto done;
    }
    if (idims[1] == 0 || idims[2] == 0) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: the header says images of %ux%u", images,
                   (unsigned)idims[1], (unsigned)idims[2]);
        goto done;
    }
    uint64_t pixels = (uint64_t)idims[1] * idims[2]; /* < 2^64 */
    uint64_t limit = (uint64_t)LONG_MAX;
    if ((uint64_t)(SIZE_MAX / sizeof(float)) < limit)
        limit = (uint64_t)(SIZE_MAX / sizeof(float));
    if (pixels > limit || idims[0] > limit / pixels) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: the header's sizes (%u images of %ux%u) are too large",
                   images, (unsigned)idims[0], (unsigned)idims[1], (unsigned)idims[2]);
        goto done;
    }
    /* Nothing is allocated for what the file cannot hold. */
    int exact;
    size_t total = (size_t)(idims[0] * pixels); /* < limit, above */
    if (!idx_can_hold(gi, isize, 16, total, &exact)) {
        if (exact && isize - 16 > total)
            st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: %zu unexpected bytes after the data",
                               images, (size_t)(isize - 16 - total));
        else if (exact)
            st = kcc_error_set(err, KCC_ERR_FORMAT,
                               "%s: truncated: %u images of %ux%u need %llu bytes after the "
                               "header, the file has %zu", images, (unsigned)idims[0],
                               (unsigned)idims[1], (unsigned)idims[2],
                               (unsigned long long)total, isize - (isize < 16 ? isize : 16));
        else
            st = kcc_error_set(err, KCC_ERR_FORMAT,
                               "%s: truncated: %u images of %ux%u need %llu bytes after the "
                               "header, more than a gzip file of %zu bytes holds", images,
                               (unsigned)idims[0], (unsigned)idims[1], (unsigned)idims[2],
                               (unsigned long long)total, isize);
        goto done;
    }
    if (labels) {
        if ((st = idx_open(&gl, &lsize, labels, err)))
            goto done;
        if ((st = idx_header(gl, labels, 0x00000801u, "labels", ldims, 1, err)))
            goto done;
        if (ldims[0] != idims[0]) {
            st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: %u labels, but %s has %u images", labels,
                       (unsigned)ldims[0], images, (unsigned)idims[0]);
            goto done;
        }
        if (!idx_can_hold(gl, lsize, 8, ldims[0], &exact)) {
            if (exact && lsize - 8 > ldims[0])
                st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: %zu unexpected bytes after the data",
                                   labels, (size_t)(lsize - 8 - ldims[0]));
            else
                st = kcc_error_set(err, KCC_ERR_FORMAT,
                                   "%s: truncated: %u labels need %u bytes after the header, the "
                                   "file has %s%zu", labels, (unsigned)ldims[0],
                                   (unsigned)ldims[0], exact ? "" : "a gzip file of ",
                                   exact ? lsize - 8 : lsize);
            goto done;
        }
    }

    chunk = malloc(IDX_CHUNK);
    if (!chunk) {
        st = nomem(err, images);
        goto done;
    }

    /* The pixels, converted as they come: memory grows with the data the
     * file really has, not with what its header claims. */
    size_t done_bytes = 0, cap = 0;
    while (done_bytes < total) {
        size_t want = total - done_bytes < IDX_CHUNK ? total - done_bytes : IDX_CHUNK;
        size_t got = 0;
        if ((st = gz_read_some(gi, images, chunk, want, &got, err)))
            goto done;
        if (done_bytes + got > cap) {
            size_t ncap = cap ? cap : IDX_CHUNK;
            while (ncap < done_bytes + got)
                ncap = ncap > total / 2 ? total : ncap * 2;
            float *nx = realloc(x, ncap * sizeof(float));
            if (!nx) {
                st = nomem(err, images);
                goto done;
            }
            x = nx;
            cap = ncap;
        }
        for (size_t i = 0; i < got; i++)
            x[done_bytes + i] = (float)(chunk[i] * scale);
        done_bytes += got;
        if (got < want) {
            st = kcc_error_set(err, KCC_ERR_FORMAT,
                       "%s: truncated: %u images of %ux%u need %zu bytes after the header, "
                       "the file has %zu%s",
                       images, (unsigned)idims[0], (unsigned)idims[1], (unsigned)idims[2], total,
                       done_bytes, gz_truncated(gi) ? " (the gzip stream ends early)" : "");
            goto done;
        }
    }
    if ((st = idx_end(gi, images, chunk, err)))
        goto done;

    long n = (long)idims[0];
    long nclasses = 0;
    if (labels) {
        lab = malloc(idims[0]);
        if (!lab) {
            st = nomem(err, labels);
            goto done;
        }
        size_t got = 0;
        if ((st = gz_read_some(gl, labels, lab, idims[0], &got, err)))
            goto done;
        if (got < idims[0]) {
            st = kcc_error_set(err, KCC_ERR_FORMAT,
                       "%s: truncated: %u labels need %u bytes after the header, the file has "
                       "%zu%s",
                       labels, (unsigned)idims[0], (unsigned)idims[0], got,
                       gz_truncated(gl) ? " (the gzip stream ends early)" : "");
            goto done;
        }
        if ((st = idx_end(gl, labels, chunk, err)))
            goto done;
        int maxlabel = 0;
        for (long i = 0; i < n; i++)
            if (lab[i] > maxlabel)
                maxlabel = lab[i];
        nclasses = maxlabel + 1 > 10 ? maxlabel + 1 : 10;
        long ysize = one_hot ? nclasses : 1;
        y = alloc_floats(n, ysize);
        if (!y) {
            st = nomem(err, labels);
            goto done;
        }
        for (long i = 0; i < n; i++) {
            if (one_hot) {
                for (long k = 0; k < nclasses; k++)
                    y[i * nclasses + k] = 0.0f;
                y[i * nclasses + lab[i]] = 1.0f;
            } else {
                y[i] = (float)lab[i];
            }
        }
        out->y_size = ysize;
    }
    out->n = n;
    out->x_size = (long)pixels;
    out->x = x;
    out->y = y;
    x = NULL;
    y = NULL;
    st = KCC_OK;

done:
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    free(chunk);
    free(lab);
    free(x);
    free(y);
    if (st)
        memset(out, 0, sizeof *out);
    return st;
}

/* ---- CSV parsing -------------------------------------------------------- */

typedef struct csv_record {
    long line;          /* where it starts */
    size_t first;       /* its first field in fields */
    int count;          /* fields */
} csv_record;

typedef struct csv_table {
    char *buf;          /* the file, fields decoded in place */
    size_t len;
    char **fields;
    size_t nfields, cap_fields;
    csv_record *records;
    size_t nrecords, cap_records;
    int *by_name;       /* the header's fields sorted by name, then position */
} csv_table;

static void csv_free(csv_table *t)
{
    free(t->buf);
    free(t->fields);
    free(t->records);
    free(t->by_name);
    memset(t, 0, sizeof *t);
}

static int push_field(csv_table *t, char *f)
{
    if (t->nfields == t->cap_fields) {
        size_t nc = t->cap_fields ? t->cap_fields * 2 : 256;
        if (nc > SIZE_MAX / sizeof(char *))
            return 0;
        char **nf = realloc(t->fields, nc * sizeof(char *));
        if (!nf)
            return 0;
        t->fields = nf;
        t->cap_fields = nc;
    }
    t->fields[t->nfields++] = f;
    return 1;
}

static int push_record(csv_table *t, long line, size_t first, size_t count)
{
    if (count > INT_MAX)
        return 0;
    if (t->nrecords == t->cap_records) {
        size_t nc = t->cap_records ? t->cap_records * 2 : 64;
        if (nc > SIZE_MAX / sizeof(csv_record))
            return 0;
        csv_record *nr = realloc(t->records, nc * sizeof(csv_record));
        if (!nr)
            return 0;
        t->records = nr;
        t->cap_records = nc;
    }
    t->records[t->nrecords].line = line;
    t->records[t->nrecords].first = first;
    t->records[t->nrecords].count = (int)count;
    t->nrecords++;
    return 1;
}

static kcc_status csv_read(csv_table *t, const char *path, char delim, kcc_error *err)
{
    memset(t, 0, sizeof *t);
    kcc_status st = read_all(&t->buf, &t->len, path, SIZE_MAX, err);
    if (st)
        return st;
    char *p = t->buf, *end = t->buf + t->len;
    char *nul = memchr(p, '\0', t->len);
    if (nul) {
        long line = 1;
        for (char *q = p; q < nul; q++)
            if (*q == '\n' || (*q == '\r' && !(q + 1 < end && q[1] == '\n')))
                line++;
        csv_free(t);
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s:%ld: a NUL byte: not a text file", path, line);
    }
    if (t->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    long line = 1;
    while (p < end) {
        if (*p == '\n' || *p == '\r') { /* a blank line */
            if (*p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
            p++;
            line++;
            continue;
        }
        long rec_line = line;
        size_t first = t->nfields;
        for (;;) {
            char *field = p, *w = p;
            if (p < end && *p == '"') {
                p++;
                for (;;) {
                    if (p >= end) {
                        csv_free(t);
                        return kcc_error_set(err, KCC_ERR_FORMAT,
                                     "%s:%ld: a quoted field is not closed before the end of the "
                                     "file", path, rec_line);
                    }
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            *w++ = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    if (*p == '\n' || (*p == '\r' && !(p + 1 < end && p[1] == '\n')))
                        line++;
                    *w++ = *p++;
                }
                if (p < end && *p != delim && *p != '\n' && *p != '\r') {
                    char what[64];
                    char c[2] = {*p, '\0'};
                    describe(what, sizeof what, c);
                    csv_free(t);
                    return kcc_error_set(err, KCC_ERR_FORMAT,
                                 "%s:%ld: expected a delimiter or a line end after a closing "
                                 "quote, got %s", path, line, what);
                }
            } else {
                while (p < end && *p != delim && *p != '\n' && *p != '\r')
                    *w++ = *p++;
            }
            char c = p < end ? *p : '\n';
            *w = '\0'; /* w <= p: the delimiter is saved in c */
            if (!push_field(t, field)) {
                csv_free(t);
                return nomem(err, path);
            }
            if (p < end)
                p++;
            if (c == delim)
                continue;
            if (c == '\r' && p < end && *p == '\n')
                p++;
            line++;
            break;
        }
        if (!push_record(t, rec_line, first, t->nfields - first)) {
            csv_free(t);
            return nomem(err, path);
        }
    }
    return KCC_OK;
}

/* ---- spec lists and columns ---------------------------------------------- */

typedef struct name_list {
    char **names;
    int count;
} name_list;

static void names_free(name_list *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->count = 0;
}

/* "a, b,c" -> a, b, c (spaces around names trimmed, empty items skipped). */
static int names_parse(name_list *l, const char *s)
{
    l->names = NULL;
    l->count = 0;
    if (!s)
        return 1;
    int cap = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *b = s;
        while (*s && *s != ',')
            s++;
        const char *e = s;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (*s == ',')
            s++;
        if (e == b)
            continue;
        if (l->count == cap) {
            int nc = cap ? cap * 2 : 8;
            char **nn = realloc(l->names, (size_t)nc * sizeof(char *));
            if (!nn)
                return 0;
            l->names = nn;
            cap = nc;
        }
        char *name = malloc((size_t)(e - b) + 1);
        if (!name)
            return 0;
        memcpy(name, b, (size_t)(e - b));
        name[e - b] = '\0';
        l->names[l->count++] = name;
    }
    return 1;
}

static long column_width(const kcc_column *c)
{
    switch (c->encoding) {
    case KCC_ENCODE_NUMBER:
    case KCC_ENCODE_LABEL:
        return 1;
    case KCC_ENCODE_ONE_HOT: {
        long w = (long)c->ncategories - (c->drop_first ? 1 : 0);
        return w > 0 ? w : 0;
    }
    }
    return 1;
}

static int find_category(const kcc_column *c, const char *v)
{
    int lo = 0, hi = c->ncategories;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int cmp = strcmp(c->categories[mid], v);
        if (cmp == 0)
            return mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void kcc_preprocessing_free(kcc_preprocessing *pp)
{
    if (!pp)
        return;
    for (int i = 0; i < pp->ncolumns && pp->columns; i++) {
        kcc_column *c = &pp->columns[i];
        free(c->name);
        for (int k = 0; k < c->ncategories && c->categories; k++)
            free(c->categories[k]);
        free(c->categories);
        free(c->mean);
        free(c->std);
    }
    free(pp->columns);
    memset(pp, 0, sizeof *pp);
}

/* Gives every feature column its scaling arrays: mean 0, std 1. */
static int alloc_scaling(kcc_preprocessing *pp)
{
    for (int i = 0; i < pp->ncolumns; i++) {
        kcc_column *c = &pp->columns[i];
        if (c->use != KCC_COLUMN_FEATURE || c->mean)
            continue;
        long w = column_width(c);
        size_t cnt = w > 0 ? (size_t)w : 1;
        c->mean = malloc(cnt * sizeof(double));
        c->std = malloc(cnt * sizeof(double));
        if (!c->mean || !c->std)
            return 0;
        for (size_t k = 0; k < cnt; k++) {
            c->mean[k] = 0.0;
            c->std[k] = 1.0;
        }
    }
    return 1;
}

static void sizes(const kcc_preprocessing *pp, long *xs, long *ys)
{
    *xs = *ys = 0;
    for (int i = 0; i < pp->ncolumns; i++) {
        const kcc_column *c = &pp->columns[i];
        if (c->use == KCC_COLUMN_FEATURE)
            *xs += column_width(c);
        else if (c->use == KCC_COLUMN_TARGET)
            *ys += column_width(c);
    }
}

/* ---- numbers -------------------------------------------------------------- */

/* A decimal number (optional sign, digits with an optional point, optional
 * exponent; spaces or tabs around allowed).  1: ok, 0: not a number, -1:
 * beyond float's range.  strtod is given the locale's decimal point. */
static int parse_number(const char *s, char point, double *out)
{
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *start = p;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    const char *stop = p;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p)
        return 0;
    size_t len = (size_t)(stop - start);
    char small[64];
    char *buf = len < sizeof small ? small : malloc(len + 1);
    if (!buf)
        return 0;
    memcpy(buf, start, len);
    buf[len] = '\0';
    if (point != '.') {
        char *dot = strchr(buf, '.');
        if (dot)
            *dot = point;
    }
    double v = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    if (!isfinite(v) || fabs(v) > FLT_MAX)
        return -1;
    *out = v;
    return 1;
}

static char decimal_point(void)
{
    const struct lconv *lc = localeconv();
    return lc && lc->decimal_point && lc->decimal_point[0] ? lc->decimal_point[0] : '.';
}

/* Encodes one record: fieldof[i] is the field of pp's column i (-1: absent,
 * only for targets when y is NULL). */
static kcc_status encode_row(const kcc_preprocessing *pp, const int *fieldof, char *const *fields,
                             float *x, float *y, const char *path, long line, char point,
                             kcc_error *err)
{
    long xo = 0, yo = 0;
    for (int i = 0; i < pp->ncolumns; i++) {
        const kcc_column *c = &pp->columns[i];
        if (c->use == KCC_COLUMN_DROP)
            continue;
        long w = column_width(c);
        float *dst;
        if (c->use == KCC_COLUMN_TARGET) {
            if (!y)
                continue;
            dst = y + yo;
            yo += w;
        } else {
            dst = x + xo;
            xo += w;
        }
        const char *v = fields[fieldof[i]];
        char what[64], col[64];
        describe(col, sizeof col, c->name);
        switch (c->encoding) {
        case KCC_ENCODE_NUMBER: {
            double d = 0.0;
            int r = parse_number(v, point, &d);
            if (r <= 0) {
                describe(what, sizeof what, v);
                return kcc_error_set(err, KCC_ERR_FORMAT,
                             "%s:%ld: column %s: expected a number%s, got %s", path, line,
                             col, r < 0 ? " within float's range" : "", what);
            }
            dst[0] = (float)d;
            break;
        }
        case KCC_ENCODE_LABEL:
        case KCC_ENCODE_ONE_HOT: {
            if (!*v)
                return kcc_error_set(err, KCC_ERR_FORMAT,
                             "%s:%ld: column %s: expected a category, got an empty value", path,
                             line, col);
            int k = find_category(c, v);
            if (k < 0) {
                describe(what, sizeof what, v);
                return kcc_error_set(err, KCC_ERR_FORMAT, "%s:%ld: column %s: unknown category %s",
                             path, line, col, what);
            }
            if (c->encoding == KCC_ENCODE_LABEL) {
                dst[0] = (float)k;
            } else {
                int skip = c->drop_first ? 1 : 0;
                for (long j = 0; j < w; j++)
                    dst[j] = 0.0f;
                if (k >= skip)
                    dst[k - skip] = 1.0f;
            }
            break;
        }
        }
    }
    return KCC_OK;
}

static const csv_table *sort_table;

static int by_header_name(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    char *const *names = sort_table->fields + sort_table->records[0].first;
    int c = strcmp(names[x], names[y]);
    return c ? c : x - y;
}

/* Sorts the header's names (into t->by_name, for header_field); they must
 * be distinct. */
static kcc_status check_header(csv_table *t, const char *path, kcc_error *err)
{
    const csv_record *h = &t->records[0];
    char *const *names = t->fields + h->first;
    t->by_name = malloc(((size_t)h->count + 1) * sizeof(int));
    if (!t->by_name)
        return nomem(err, path);
    for (int i = 0; i < h->count; i++)
        t->by_name[i] = i;
    sort_table = t;
    qsort(t->by_name, (size_t)h->count, sizeof(int), by_header_name);
    /* The first repeat in the header's order, and the first of its name:
     * in each run of a name, its first two fields. */
    int first = -1, later = -1;
    for (int k = 0; k < h->count;) {
        int e = k + 1;
        while (e < h->count && strcmp(names[t->by_name[e]], names[t->by_name[k]]) == 0)
            e++;
        if (e - k > 1 && (later < 0 || t->by_name[k + 1] < later)) {
            first = t->by_name[k];
            later = t->by_name[k + 1];
        }
        k = e;
    }
    if (later >= 0) {
        char what[64];
        describe(what, sizeof what, names[later]);
        return kcc_error_set(err, KCC_ERR_FORMAT,
                     "%s:%ld: the header names column %s twice (fields %d and %d)", path,
                     h->line, what, first + 1, later + 1);
    }
    return KCC_OK;
}

/* The header's field named name, or -1 (after check_header). */
static int header_field(const csv_table *t, const char *name)
{
    char *const *names = t->fields + t->records[0].first;
    int lo = 0, hi = t->records[0].count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(names[t->by_name[mid]], name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->records[0].count && strcmp(names[t->by_name[lo]], name) == 0 ? t->by_name[lo]
                                                                                : -1;
}

static kcc_status check_counts(const csv_table *t, int expected, const char *path, kcc_error *err)
{
    for (size_t r = 1; r < t->nrecords; r++)
        if (t->records[r].count != expected)
            return kcc_error_set(err, KCC_ERR_FORMAT, "%s:%ld: expected %d fields, got %d", path,
                         t->records[r].line, expected, t->records[r].count);
    return KCC_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted distinct non-empty values of field f of the data records. */
static int collect_categories(kcc_column *c, const csv_table *t, int f)
{
    size_t n = t->nrecords - 1;
    char **vals = malloc((n ? n : 1) * sizeof(char *));
    if (!vals)
        return 0;
    size_t m = 0;
    for (size_t r = 1; r < t->nrecords; r++) {
        char *v = t->fields[t->records[r].first + (size_t)f];
        if (*v)
            vals[m++] = v;
    }
    qsort(vals, m, sizeof(char *), cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (k == 0 || strcmp(vals[k - 1], vals[i]) != 0)
            vals[k++] = vals[i];
    if (k > INT_MAX) {
        free(vals);
        return 0;
    }
    c->categories = calloc(k ? k : 1, sizeof(char *));
    if (!c->categories) {
        free(vals);
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        c->categories[i] = dup_string(vals[i]);
        if (!c->categories[i]) {
            c->ncategories = (int)i;
            free(vals);
            return 0;
        }
    }
    c->ncategories = (int)k;
    free(vals);
    return 1;
}

static kcc_status check_delimiter(char d, kcc_error *err)
{
    if (d == '"' || d == '\n' || d == '\r')
        return kcc_error_set(err, KCC_ERR_INVALID, "the CSV delimiter cannot be a quote or a line break");
    return KCC_OK;
}

/* Encodes all data records of t into out. */
static kcc_status encode_all(kcc_dataset *out, const kcc_preprocessing *pp, const csv_table *t,
                             const int *fieldof, int with_y, const char *path, kcc_error *err)
{
    long n = (long)(t->nrecords - 1);
    float *x = alloc_floats(n, pp->x_size);
    float *y = with_y && pp->y_size > 0 ? alloc_floats(n, pp->y_size) : NULL;
    if (!x || (with_y && pp->y_size > 0 && !y)) {
        free(x);
        free(y);
        return nomem(err, path);
    }
    char point = decimal_point();
    for (long r = 0; r < n; r++) {
        const csv_record *rec = &t->records[r + 1];
        kcc_status st = encode_row(pp, fieldof, t->fields + rec->first,
                                   x + (size_t)r * (size_t)pp->x_size,
                                   y ? y + (size_t)r * (size_t)pp->y_size : NULL, path, rec->line,
                                   point, err);
        if (st) {
            free(x);
            free(y);
            return st;
        }
    }
    out->n = n;
    out->x_size = pp->x_size;
    out->y_size = y ? pp->y_size : 0;
    out->x = x;
    out->y = y;
    return KCC_OK;
}

kcc_status kcc_csv_load(kcc_dataset *out, kcc_preprocessing *pp, const char *path,
                        const kcc_csv_spec *spec, kcc_error *err)
{
    if (!out || !pp || !path || !spec)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_csv_load: a NULL argument");
    memset(out, 0, sizeof *out);
    memset(pp, 0, sizeof *pp);
    char delim = spec->delimiter ? spec->delimiter : ',';
    kcc_status st = check_delimiter(delim, err);
    if (st)
        return st;

    csv_table t;
    name_list lists[4] = {{NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}};
    int *fieldof = NULL;
    if ((st = csv_read(&t, path, delim, err)))
        return st;
    const char *role[4] = {"a target", "dropped", "label-encoded", "one-hot"};
    const char *key[4] = {"target", "drop", "label_encode", "one_hot"};
    const char *spec_lists[4] = {spec->target, spec->drop, spec->label_encode, spec->one_hot};
    for (int l = 0; l < 4; l++)
        if (!names_parse(&lists[l], spec_lists[l])) {
            st = nomem(err, path);
            goto fail;
        }
    if (t.nrecords == 0) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: empty file: expected a header line", path);
        goto fail;
    }
    if ((st = check_header(&t, path, err)))
        goto fail;
    const csv_record *h = &t.records[0];
    pp->delimiter = delim;
    pp->columns = calloc((size_t)h->count, sizeof(kcc_column));
    if (!pp->columns) {
        st = nomem(err, path);
        goto fail;
    }
    pp->ncolumns = h->count;
    for (int i = 0; i < h->count; i++) {
        kcc_column *c = &pp->columns[i];
        c->name = dup_string(t.fields[h->first + (size_t)i]);
        if (!c->name) {
            st = nomem(err, path);
            goto fail;
        }
        c->use = KCC_COLUMN_FEATURE;
        c->encoding = KCC_ENCODE_NUMBER;
    }

    /* The spec.  roleby/encby: the list that set a column's role (0
     * target, 1 drop) and encoding (2 label, 3 one-hot), to report a
     * column that two lists claim. */
    int nc = h->count;
    fieldof = malloc(3 * (size_t)nc * sizeof(int) + sizeof(int));
    if (!fieldof) {
        st = nomem(err, path);
        goto fail;
    }
    int *roleby = fieldof + nc, *encby = fieldof + 2 * (size_t)nc;
    for (int i = 0; i < nc; i++)
        roleby[i] = encby[i] = -1;
    for (int l = 0; l < 4; l++) {
        for (int k = 0; k < lists[l].count; k++) {
            const char *name = lists[l].names[k];
            char what[64];
            describe(what, sizeof what, name);
            int i = header_field(&t, name);
            if (i < 0) {
                st = kcc_error_set(err, KCC_ERR_FORMAT,
                           "%s:%ld: the spec's %s list names column %s, which the header lacks",
                           path, h->line, key[l], what);
                goto fail;
            }
            int other = -1;
            if (l < 2) {
                if (roleby[i] >= 0 && roleby[i] != l)
                    other = roleby[i];
                else if (l == 1 && encby[i] >= 0)
                    other = encby[i];
                roleby[i] = l;
            } else {
                if (encby[i] >= 0 && encby[i] != l)
                    other = encby[i];
                else if (roleby[i] == 1)
                    other = 1;
                encby[i] = l;
            }
            if (other >= 0) {
                st = kcc_error_set(err, KCC_ERR_INVALID, "%s: the spec makes column %s both %s and %s",
                           path, what, role[other], role[l]);
                goto fail;
            }
        }
    }
    /* A feature list selects: every other column that is no target is
     * dropped. */
    name_list select = {NULL, 0};
    if (!names_parse(&select, spec->features)) {
        st = nomem(err, path);
        goto fail;
    }
    char *chosen = calloc((size_t)nc + 1, 1);
    if (!chosen) {
        names_free(&select);
        st = nomem(err, path);
        goto fail;
    }
    for (int k = 0; k < select.count; k++) {
        int i = header_field(&t, select.names[k]);
        char what[64];
        describe(what, sizeof what, select.names[k]);
        if (i < 0 || roleby[i] >= 0) {
            st = kcc_error_set(err, i < 0 ? KCC_ERR_FORMAT : KCC_ERR_INVALID,
                               i < 0 ? "%s:%ld: the spec's features list names column %s, which "
                                       "the header lacks"
                                     : "%s:%ld: the spec makes column %s both a feature and "
                                       "a target or dropped",
                               path, h->line, what);
            names_free(&select);
            free(chosen);
            goto fail;
        }
        chosen[i] = 1;
    }
    for (int i = 0; spec->features && i < nc; i++)
        if (!chosen[i] && roleby[i] != 0)
            roleby[i] = 1;
    free(chosen);
    names_free(&select);
    for (int i = 0; i < nc; i++) {
        kcc_column *c = &pp->columns[i];
        c->use = roleby[i] == 0 ? KCC_COLUMN_TARGET
               : roleby[i] == 1 ? KCC_COLUMN_DROP : KCC_COLUMN_FEATURE;
        c->encoding = encby[i] == 2 ? KCC_ENCODE_LABEL
                    : encby[i] == 3 ? KCC_ENCODE_ONE_HOT : KCC_ENCODE_NUMBER;
    }
    for (int i = 0; i < nc; i++) {
        kcc_column *c = &pp->columns[i];
        /* drop_first is for features (the dummy-variable trap): a one-hot
         * target keeps a column for each class. */
        c->drop_first = c->encoding == KCC_ENCODE_ONE_HOT && c->use == KCC_COLUMN_FEATURE &&
                        spec->drop_first;
        c->scale = c->use == KCC_COLUMN_FEATURE && spec->scale;
        fieldof[i] = i;
    }

    if (t.nrecords < 2) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: no data rows after the header", path);
        goto fail;
    }
    if ((st = check_counts(&t, nc, path, err)))
        goto fail;
    for (int i = 0; i < nc; i++) {
        kcc_column *c = &pp->columns[i];
        if (c->use != KCC_COLUMN_DROP && c->encoding != KCC_ENCODE_NUMBER &&
            !collect_categories(c, &t, i)) {
            st = nomem(err, path);
            goto fail;
        }
    }
    sizes(pp, &pp->x_size, &pp->y_size);
    if (pp->x_size == 0) {
        st = kcc_error_set(err, KCC_ERR_INVALID,
                   "%s: no feature columns: every column is a target or dropped", path);
        goto fail;
    }
    /* Before the n x x_size values are allocated: one-hot columns make a
     * value a category, as many as the file has rows. */
    if (spec->x_size > 0 && pp->x_size != spec->x_size) {
        st = kcc_error_set(err, KCC_ERR_INVALID,
                   "%s: the feature columns make %ld values a sample, the model takes %ld",
                   path, pp->x_size, spec->x_size);
        goto fail;
    }
    if (!alloc_scaling(pp)) {
        st = nomem(err, path);
        goto fail;
    }
    if ((st = encode_all(out, pp, &t, fieldof, 1, path, err)))
        goto fail;
    free(fieldof);
    for (int l = 0; l < 4; l++)
        names_free(&lists[l]);
    csv_free(&t);
    return KCC_OK;

fail:
    free(fieldof);
    for (int l = 0; l < 4; l++)
        names_free(&lists[l]);
    csv_free(&t);
    kcc_preprocessing_free(pp);
    kcc_dataset_free(out);
    return st;
}

kcc_status kcc_csv_load_with(kcc_dataset *out, const kcc_preprocessing *pp, const char *path,
                             kcc_error *err)
{
    if (!out || !pp || !path)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_csv_load_with: a NULL argument");
    memset(out, 0, sizeof *out);
    if (pp->ncolumns <= 0 || !pp->columns || pp->x_size <= 0)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_csv_load_with: the preprocessing is empty");
    long xs, ys;
    sizes(pp, &xs, &ys);
    if (xs != pp->x_size || ys != pp->y_size)
        return kcc_error_set(err, KCC_ERR_INVALID,
                     "kcc_csv_load_with: the preprocessing's sizes do not match its columns");
    char delim = pp->delimiter ? pp->delimiter : ',';
    kcc_status st = check_delimiter(delim, err);
    if (st)
        return st;
    csv_table t;
    if ((st = csv_read(&t, path, delim, err)))
        return st;
    int *fieldof = NULL;
    if (t.nrecords == 0) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: empty file: expected a header line", path);
        goto done;
    }
    if ((st = check_header(&t, path, err)))
        goto done;
    const csv_record *h = &t.records[0];
    fieldof = malloc((size_t)pp->ncolumns * sizeof(int));
    if (!fieldof) {
        st = nomem(err, path);
        goto done;
    }
    /* Columns by name; targets all present or all absent. */
    int present_target = -1, absent_target = -1;
    for (int i = 0; i < pp->ncolumns; i++) {
        const kcc_column *c = &pp->columns[i];
        int f = header_field(&t, c->name);
        fieldof[i] = f;
        if (c->use == KCC_COLUMN_DROP || f >= 0) {
            if (c->use == KCC_COLUMN_TARGET && present_target < 0)
                present_target = i;
            continue;
        }
        char what[64];
        describe(what, sizeof what, c->name);
        if (c->use == KCC_COLUMN_FEATURE) {
            st = kcc_error_set(err, KCC_ERR_FORMAT, "%s:%ld: no column %s (a feature) in the header", path,
                       h->line, what);
            goto done;
        }
        if (absent_target < 0)
            absent_target = i;
    }
    if (present_target >= 0 && absent_target >= 0) {
        char what[64], other[64];
        describe(what, sizeof what, pp->columns[absent_target].name);
        describe(other, sizeof other, pp->columns[present_target].name);
        st = kcc_error_set(err, KCC_ERR_FORMAT,
                   "%s:%ld: no column %s (a target) in the header, though the target %s is there",
                   path, h->line, what, other);
        goto done;
    }
    if (t.nrecords < 2) {
        st = kcc_error_set(err, KCC_ERR_FORMAT, "%s: no data rows after the header", path);
        goto done;
    }
    if ((st = check_counts(&t, h->count, path, err)))
        goto done;
    if ((st = encode_all(out, pp, &t, fieldof, present_target >= 0, path, err)))
        goto done;
    kcc_preprocessing_apply(pp, out);

done:
    free(fieldof);
    csv_free(&t);
    return st;
}

/* ---- scaling -------------------------------------------------------------- */

void kcc_preprocessing_fit(kcc_preprocessing *pp, kcc_dataset *d)
{
    if (!pp || !d || d->x_size != pp->x_size || d->n < 0 || (d->n > 0 && !d->x))
        return;
    size_t xs = (size_t)d->x_size;
    long off = 0;
    for (int i = 0; i < pp->ncolumns; i++) {
        kcc_column *c = &pp->columns[i];
        if (c->use != KCC_COLUMN_FEATURE)
            continue;
        long w = column_width(c);
        for (long j = 0; j < w && c->mean; j++) {
            double mean = 0.0, std = 1.0;
            if (c->scale && d->n > 0) {
                const float *col = d->x + off + j;
                double sum = 0.0;
                float lo = col[0], hi = col[0];
                for (long r = 0; r < d->n; r++) {
                    float v = col[(size_t)r * xs];
                    sum += v;
                    lo = v < lo ? v : lo;
                    hi = v > hi ? v : hi;
                }
                if (lo == hi) { /* constant: centred to exactly 0 */
                    mean = lo;
                } else {
                    mean = sum / (double)d->n;
                    double ss = 0.0;
                    for (long r = 0; r < d->n; r++) {
                        double dv = col[(size_t)r * xs] - mean;
                        ss += dv * dv;
                    }
                    std = sqrt(ss / (double)d->n);
                    if (!(std > 0.0))
                        std = 1.0;
                }
            }
            c->mean[j] = mean;
            c->std[j] = std;
        }
        off += w;
    }
    pp->scaled = 1;
    kcc_preprocessing_apply(pp, d);
}

void kcc_preprocessing_apply(const kcc_preprocessing *pp, kcc_dataset *d)
{
    if (!pp || !d || !pp->scaled || d->x_size != pp->x_size || d->n < 0 || (d->n > 0 && !d->x))
        return;
    size_t xs = (size_t)d->x_size;
    long off = 0;
    for (int i = 0; i < pp->ncolumns; i++) {
        const kcc_column *c = &pp->columns[i];
        if (c->use != KCC_COLUMN_FEATURE)
            continue;
        long w = column_width(c);
        if (c->scale && c->mean && c->std)
            for (long j = 0; j < w; j++) {
                double mean = c->mean[j], std = c->std[j];
                float *col = d->x + off + j;
                for (long r = 0; r < d->n; r++)
                    col[(size_t)r * xs] = (float)((col[(size_t)r * xs] - mean) / std);
            }
        off += w;
    }
}

/* ---- saving and loading --------------------------------------------------- */

static const char *use_name(kcc_column_use u)
{
    switch (u) {
    case KCC_COLUMN_FEATURE:
        return "feature";
    case KCC_COLUMN_TARGET:
        return "target";
    case KCC_COLUMN_DROP:
        return "drop";
    }
    return "?";
}

static const char *encoding_name(kcc_column_encoding e)
{
    switch (e) {
    case KCC_ENCODE_NUMBER:
        return "number";
    case KCC_ENCODE_LABEL:
        return "label";
    case KCC_ENCODE_ONE_HOT:
        return "one_hot";
    }
    return "?";
}

/* cJSON prints 15 significant digits when they read back within its
 * tolerance; the statistics must come back exactly: 17 digits. */
static cJSON *exact_number(double v, char point)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    if (point != '.') {
        char *p = strchr(buf, point);
        if (p)
            *p = '.';
    }
    return cJSON_CreateRaw(buf);
}

#define PP_FORMAT "kcc-preprocessing"
#define PP_VERSION 1

kcc_status kcc_preprocessing_save(const kcc_preprocessing *pp, const char *path, kcc_error *err)
{
    if (!pp || !path)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_preprocessing_save: a NULL argument");
    if (pp->ncolumns <= 0 || !pp->columns)
        return kcc_error_set(err, KCC_ERR_INVALID, "%s: the preprocessing to save is empty", path);
    char point = decimal_point();
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "format", PP_FORMAT);
    ok = ok && cJSON_AddNumberToObject(root, "version", PP_VERSION);
    char delim[2] = {pp->delimiter ? pp->delimiter : ',', '\0'};
    ok = ok && cJSON_AddStringToObject(root, "delimiter", delim);
    ok = ok && cJSON_AddNumberToObject(root, "x_size", (double)pp->x_size);
    ok = ok && cJSON_AddNumberToObject(root, "y_size", (double)pp->y_size);
    ok = ok && cJSON_AddBoolToObject(root, "scaled", pp->scaled != 0);
    cJSON *cols = ok ? cJSON_AddArrayToObject(root, "columns") : NULL;
    ok = ok && cols;
    for (int i = 0; ok && i < pp->ncolumns; i++) {
        const kcc_column *c = &pp->columns[i];
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(cols, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        ok = ok && cJSON_AddStringToObject(o, "name", c->name ? c->name : "");
        ok = ok && cJSON_AddStringToObject(o, "use", use_name(c->use));
        if (c->use == KCC_COLUMN_DROP)
            continue;
        ok = ok && cJSON_AddStringToObject(o, "encoding", encoding_name(c->encoding));
        if (c->encoding == KCC_ENCODE_ONE_HOT)
            ok = ok && cJSON_AddBoolToObject(o, "drop_first", c->drop_first != 0);
        if (c->use == KCC_COLUMN_FEATURE)
            ok = ok && cJSON_AddBoolToObject(o, "scale", c->scale != 0);
        if (c->encoding != KCC_ENCODE_NUMBER) {
            cJSON *cats = cJSON_AddArrayToObject(o, "categories");
            ok = ok && cats;
            for (int k = 0; ok && k < c->ncategories; k++) {
                cJSON *s = cJSON_CreateString(c->categories[k]);
                ok = s && cJSON_AddItemToArray(cats, s);
                if (!ok)
                    cJSON_Delete(s);
            }
        }
        if (ok && c->use == KCC_COLUMN_FEATURE && c->scale && pp->scaled && c->mean && c->std) {
            long w = column_width(c);
            cJSON *m = cJSON_AddArrayToObject(o, "mean");
            cJSON *s = cJSON_AddArrayToObject(o, "std");
            ok = m && s;
            for (long j = 0; ok && j < w; j++) {
                cJSON *a = exact_number(c->mean[j], point);
                cJSON *b = exact_number(c->std[j], point);
                ok = a && b && cJSON_AddItemToArray(m, a);
                if (!ok) {
                    cJSON_Delete(a);
                    cJSON_Delete(b);
                    break;
                }
                ok = cJSON_AddItemToArray(s, b);
                if (!ok)
                    cJSON_Delete(b);
            }
        }
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return nomem(err, path);
    /* The text and a line end (in place of its terminating NUL), written
     * all or nothing (files.c). */
    size_t len = strlen(text);
    text[len] = '\n';
    kcc_status st = kcc_write_file(path, text, len + 1, err);
    cJSON_free(text);
    return st;
}

/* Validation of a loaded file: path is the file, jpath the JSON path. */
static kcc_status bad(kcc_error *err, const char *path, const char *jpath, const char *fmt, ...)
    DATA_PRINTF(4, 5);

static kcc_status bad(kcc_error *err, const char *path, const char *jpath, const char *fmt, ...)
{
    if (err) {
        char what[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        err->status = KCC_ERR_FORMAT;
        snprintf(err->message, sizeof err->message, "%s: %s: %s", path, jpath, what);
    }
    return KCC_ERR_FORMAT;
}

static const char *json_kind(const cJSON *v)
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

/* A member that must be a boolean; absent: def. */
static kcc_status get_bool(int *out, const cJSON *o, const char *key, int def, const char *path,
                           const char *jpath, kcc_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        *out = def;
        return KCC_OK;
    }
    if (!cJSON_IsBool(v))
        return bad(err, path, jpath, "expected a boolean, got %s", json_kind(v));
    *out = cJSON_IsTrue(v);
    return KCC_OK;
}

static kcc_status get_size(long *out, const cJSON *o, const char *key, const char *path,
                           const char *jpath, kcc_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return bad(err, path, jpath, "expected a whole number, got %s", json_kind(v));
    double d = v->valuedouble;
    if (!(d >= 0.0 && d <= 1e15 && d == floor(d)))
        return bad(err, path, jpath, "expected a whole number >= 0, got %g", d);
    *out = (long)d;
    return KCC_OK;
}

/* A string from a JSON file for a message: "text", at most 60 bytes. */
static const char *shown(char *dst, size_t cap, const char *s)
{
    return quoted(dst, cap, s, '"', 60);
}

static kcc_status load_column(kcc_column *c, const cJSON *o, int scaled, const char *path,
                              const char *jp, kcc_error *err)
{
    char jpath[96], what[80];
    kcc_status st;
    if (!cJSON_IsObject(o))
        return bad(err, path, jp, "expected an object, got %s", json_kind(o));

    snprintf(jpath, sizeof jpath, "%s.name", jp);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (!cJSON_IsString(v))
        return bad(err, path, jpath, "expected a string, got %s", json_kind(v));
    c->name = dup_string(v->valuestring);
    if (!c->name)
        return nomem(err, path);

    snprintf(jpath, sizeof jpath, "%s.use", jp);
    v = cJSON_GetObjectItemCaseSensitive(o, "use");
    if (cJSON_IsString(v) && strcmp(v->valuestring, "feature") == 0)
        c->use = KCC_COLUMN_FEATURE;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "target") == 0)
        c->use = KCC_COLUMN_TARGET;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "drop") == 0)
        c->use = KCC_COLUMN_DROP;
    else if (cJSON_IsString(v))
        return bad(err, path, jpath, "expected \"feature\", \"target\" or \"drop\", got %s",
                   shown(what, sizeof what, v->valuestring));
    else
        return bad(err, path, jpath, "expected a string, got %s", json_kind(v));
    c->encoding = KCC_ENCODE_NUMBER;
    if (c->use == KCC_COLUMN_DROP)
        return KCC_OK;

    snprintf(jpath, sizeof jpath, "%s.encoding", jp);
    v = cJSON_GetObjectItemCaseSensitive(o, "encoding");
    if (cJSON_IsString(v) && strcmp(v->valuestring, "number") == 0)
        c->encoding = KCC_ENCODE_NUMBER;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "label") == 0)
        c->encoding = KCC_ENCODE_LABEL;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "one_hot") == 0)
        c->encoding = KCC_ENCODE_ONE_HOT;
    else if (cJSON_IsString(v))
        return bad(err, path, jpath,
                   "expected \"number\", \"label\" or \"one_hot\", got %s",
                   shown(what, sizeof what, v->valuestring));
    else
        return bad(err, path, jpath, "expected a string, got %s", json_kind(v));

    snprintf(jpath, sizeof jpath, "%s.drop_first", jp);
    if ((st = get_bool(&c->drop_first, o, "drop_first", 0, path, jpath, err)))
        return st;
    if (c->encoding != KCC_ENCODE_ONE_HOT)
        c->drop_first = 0;
    snprintf(jpath, sizeof jpath, "%s.scale", jp);
    if ((st = get_bool(&c->scale, o, "scale", 0, path, jpath, err)))
        return st;
    if (c->use != KCC_COLUMN_FEATURE)
        c->scale = 0;

    if (c->encoding != KCC_ENCODE_NUMBER) {
        snprintf(jpath, sizeof jpath, "%s.categories", jp);
        const cJSON *cats = cJSON_GetObjectItemCaseSensitive(o, "categories");
        if (!cJSON_IsArray(cats))
            return bad(err, path, jpath, "expected an array of strings, got %s", json_kind(cats));
        int n = cJSON_GetArraySize(cats);
        if (n == 0)
            return bad(err, path, jpath, "expected at least one category");
        c->categories = calloc((size_t)n, sizeof(char *));
        if (!c->categories)
            return nomem(err, path);
        int k = 0;
        for (const cJSON *s = cats->child; s; s = s->next, k++) {
            snprintf(jpath, sizeof jpath, "%s.categories[%d]", jp, k);
            if (!cJSON_IsString(s))
                return bad(err, path, jpath, "expected a string, got %s", json_kind(s));
            if (!s->valuestring[0])
                return bad(err, path, jpath, "expected a category, got an empty string");
            if (k > 0 && strcmp(c->categories[k - 1], s->valuestring) >= 0) {
                char before[80];
                return bad(err, path, jpath, "categories must be sorted and distinct: %s after %s",
                           shown(what, sizeof what, s->valuestring),
                           shown(before, sizeof before, c->categories[k - 1]));
            }
            c->categories[k] = dup_string(s->valuestring);
            if (!c->categories[k])
                return nomem(err, path);
            c->ncategories = k + 1;
        }
    }

    if (c->use != KCC_COLUMN_FEATURE)
        return KCC_OK;
    long w = column_width(c);
    size_t cnt = w > 0 ? (size_t)w : 1;
    c->mean = malloc(cnt * sizeof(double));
    c->std = malloc(cnt * sizeof(double));
    if (!c->mean || !c->std)
        return nomem(err, path);
    for (size_t j = 0; j < cnt; j++) {
        c->mean[j] = 0.0;
        c->std[j] = 1.0;
    }
    if (!scaled || !c->scale)
        return KCC_OK;
    const char *keys[2] = {"mean", "std"};
    double *dst[2] = {c->mean, c->std};
    for (int a = 0; a < 2; a++) {
        snprintf(jpath, sizeof jpath, "%s.%s", jp, keys[a]);
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, keys[a]);
        if (!cJSON_IsArray(arr))
            return bad(err, path, jpath, "expected an array of %ld numbers, got %s", w,
                       json_kind(arr));
        if (cJSON_GetArraySize(arr) != w)
            return bad(err, path, jpath, "expected %ld numbers (the column's features), got %d", w,
                       cJSON_GetArraySize(arr));
        long j = 0;
        for (const cJSON *x = arr->child; x; x = x->next, j++) {
            snprintf(jpath, sizeof jpath, "%s.%s[%ld]", jp, keys[a], j);
            if (!cJSON_IsNumber(x))
                return bad(err, path, jpath, "expected a number, got %s", json_kind(x));
            double d = x->valuedouble;
            if (!isfinite(d) || (a == 1 && !(d > 0.0)))
                return bad(err, path, jpath, "expected a %s number, got %g",
                           a == 1 ? "positive" : "finite", d);
            dst[a][j] = d;
        }
    }
    return KCC_OK;
}

static const kcc_column *sort_columns;

static int by_column_name(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int c = strcmp(sort_columns[x].name, sort_columns[y].name);
    return c ? c : x - y;
}

/* The columns' names must be distinct: the first repeat (in the file's
 * order) is reported, with the first column of its name. */
static kcc_status distinct_columns(const kcc_preprocessing *pp, const char *path, kcc_error *err)
{
    int n = pp->ncolumns;
    int *order = malloc(((size_t)n + 1) * sizeof(int));
    if (!order)
        return nomem(err, path);
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_columns = pp->columns;
    qsort(order, (size_t)n, sizeof(int), by_column_name);
    int first = -1, later = -1;
    for (int k = 0; k + 1 < n; k++)
        if (strcmp(pp->columns[order[k]].name, pp->columns[order[k + 1]].name) == 0 &&
            (k == 0 || strcmp(pp->columns[order[k - 1]].name, pp->columns[order[k]].name) != 0) &&
            (later < 0 || order[k + 1] < later)) {
            first = order[k];
            later = order[k + 1];
        }
    free(order);
    if (later < 0)
        return KCC_OK;
    char jpn[64], what[80];
    snprintf(jpn, sizeof jpn, "$.columns[%d].name", later);
    return bad(err, path, jpn, "column %s appears twice (also $.columns[%d])",
               shown(what, sizeof what, pp->columns[later].name), first);
}

kcc_status kcc_preprocessing_load(kcc_preprocessing *pp, const char *path, kcc_error *err)
{
    if (!pp || !path)
        return kcc_error_set(err, KCC_ERR_INVALID, "kcc_preprocessing_load: a NULL argument");
    memset(pp, 0, sizeof *pp);
    char *text = NULL;
    size_t len = 0;
    kcc_status st = read_all(&text, &len, path, KCC_FILE_MAX_JSON, err);
    if (st)
        return st;
    /* The text is NUL-terminated: cJSON reads len + 1 bytes and must end
     * at that NUL, so a NUL inside is an error where it stands. */
    const char *end = memchr(text, '\0', len);
    cJSON *root = end ? NULL : cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!root) {
        const char *at = end && end >= text && end <= text + len ? end : text + len;
        long line = 1, col = 1;
        for (const char *q = text; q < at; q++) {
            if (*q == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        free(text);
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s:%ld:%ld: not valid JSON", path, line, col);
    }
    free(text);

    const cJSON *v;
    if (!cJSON_IsObject(root)) {
        st = bad(err, path, "$", "expected an object, got %s", json_kind(root));
        goto fail;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(v) || strcmp(v->valuestring, PP_FORMAT) != 0) {
        st = bad(err, path, "$.format", "expected \"" PP_FORMAT "\"%s",
                 cJSON_IsString(v) ? "" : ": not a kcc preprocessing file");
        goto fail;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(v) || v->valuedouble != PP_VERSION) {
        if (cJSON_IsNumber(v))
            st = bad(err, path, "$.version", "version %g is not supported (this runtime reads %d)",
                     v->valuedouble, PP_VERSION);
        else
            st = bad(err, path, "$.version", "expected a number, got %s", json_kind(v));
        goto fail;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "delimiter");
    pp->delimiter = ',';
    if (v) {
        if (!cJSON_IsString(v) || strlen(v->valuestring) != 1 || v->valuestring[0] == '"' ||
            v->valuestring[0] == '\n' || v->valuestring[0] == '\r') {
            st = bad(err, path, "$.delimiter", "expected a one-character string other than a "
                     "quote or a line break");
            goto fail;
        }
        pp->delimiter = v->valuestring[0];
    }
    int scaled = 0;
    if ((st = get_bool(&scaled, root, "scaled", 0, path, "$.scaled", err)))
        goto fail;
    pp->scaled = scaled;
    long xs = 0, ys = 0;
    if ((st = get_size(&xs, root, "x_size", path, "$.x_size", err)))
        goto fail;
    if ((st = get_size(&ys, root, "y_size", path, "$.y_size", err)))
        goto fail;
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
    if (!cJSON_IsArray(cols)) {
        st = bad(err, path, "$.columns", "expected an array, got %s", json_kind(cols));
        goto fail;
    }
    int n = cJSON_GetArraySize(cols);
    if (n == 0) {
        st = bad(err, path, "$.columns", "expected at least one column");
        goto fail;
    }
    pp->columns = calloc((size_t)n, sizeof(kcc_column));
    if (!pp->columns) {
        st = nomem(err, path);
        goto fail;
    }
    int i = 0;
    for (const cJSON *o = cols->child; o; o = o->next, i++) {
        char jp[48];
        snprintf(jp, sizeof jp, "$.columns[%d]", i);
        pp->ncolumns = i + 1;
        if ((st = load_column(&pp->columns[i], o, scaled, path, jp, err)))
            goto fail;
    }
    if ((st = distinct_columns(pp, path, err)))
        goto fail;
    sizes(pp, &pp->x_size, &pp->y_size);
    if (pp->x_size != xs) {
        st = bad(err, path, "$.x_size", "%ld does not match the columns' %ld features", xs,
                 pp->x_size);
        goto fail;
    }
    if (pp->y_size != ys) {
        st = bad(err, path, "$.y_size", "%ld does not match the columns' %ld targets", ys,
                 pp->y_size);
        goto fail;
    }
    if (pp->x_size == 0) {
        st = bad(err, path, "$.columns", "no feature columns");
        goto fail;
    }
    cJSON_Delete(root);
    return KCC_OK;

fail:
    cJSON_Delete(root);
    kcc_preprocessing_free(pp);
    return st;
}
