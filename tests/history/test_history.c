/*
 * test_history.c - the runtime's training history (runtime/history.c):
 * Keras's CSVLogger files, read and written, and the SVG picture.
 *
 *     test_history GROUP FIXTURES_DIR WORK_DIR [update]
 *
 * runs one group of tests (each a CTest test, history.GROUP) with the
 * committed fixtures in FIXTURES_DIR, writing its files in WORK_DIR (made
 * if need be).  The exit status is 0 when every check passed.  Groups:
 *
 *   csv_round_trip  the CSV as written, byte for byte; exact round trips
 *   csv_keras       files written by Keras's CSVLogger (fixtures/)
 *   csv_errors      the exact message for each malformed file
 *   arguments       invalid histories and arguments
 *   svg_checker     the XML checker used below rejects what it should
 *   svg_content     panels, curves, labels, legend, ticks, escaping
 *   svg_edge_cases  one epoch, gaps, constants, negatives, thousands of
 *                   epochs, odd keys: all well-formed and inside the picture
 *   svg_determinism same history, same bytes
 *   svg_golden      fixtures/golden.svg, byte for byte, from
 *                   fixtures/golden_history.csv; with "update" (or
 *                   `cmake --build BUILD --target history-update`) it
 *                   rewrites fixtures/golden.svg instead
 *   locale          numbers_do_not_depend_on_the_locale, insisting on a
 *                   de_DE.UTF-8 locale (locale.sh builds one)
 *   write_svg       not a test: writes WORK_DIR/golden.svg and
 *                   WORK_DIR/edge.svg for render.sh and xmllint.sh
 */
#define _POSIX_C_SOURCE 200809L
#include "kcc.h"

#include "../unit/check.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixtures_dir;
static const char *work_dir;
static int update_golden;
static int require_locale; /* group "locale": locale.sh made de_DE.UTF-8 */

/* ---- files ---------------------------------------------------------------- */

/* "<dir>/<name>" in one of a few rotating buffers. */
static const char *join(const char *dir, const char *name)
{
    static char bufs[8][1024];
    static int next;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/%s", dir, name);
    char *b = bufs[next++ % 8];
    memcpy(b, tmp, sizeof tmp);
    return b;
}

static const char *work(const char *name)
{
    return join(work_dir, name);
}

static const char *fixture(const char *name)
{
    return join(fixtures_dir, name);
}

static int make_dirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return 0;
        *p = '/';
    }
    return mkdir(tmp, 0777) == 0 || errno == EEXIST;
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        printf("cannot write %s\n", path);
        exit(1);
    }
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

/* The file's bytes, NUL-terminated (caller frees), or NULL. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Files in dir whose names contain part. */
static int count_files(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, part))
            n++;
    closedir(d);
    return n;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *p = hay ? strstr(hay, needle) : NULL; p; p = strstr(p + len, needle))
        n++;
    return n;
}

/* ---- histories -------------------------------------------------------------- */

/* A history with these keys (NULL-terminated), epochs rows numbered from
 * 0, every value NaN, every time 1 s. */
static void make_history(kcc_history *h, const char *const *keys, int epochs)
{
    memset(h, 0, sizeof *h);
    while (keys[h->nkeys]) {
        snprintf(h->keys[h->nkeys], sizeof h->keys[0], "%s", keys[h->nkeys]);
        h->nkeys++;
    }
    h->epochs = epochs;
    size_t rows = epochs > 0 ? (size_t)epochs : 1;
    h->epoch = malloc(sizeof *h->epoch * rows);
    h->values = malloc(sizeof *h->values * rows * (size_t)(h->nkeys ? h->nkeys : 1));
    h->seconds = malloc(sizeof *h->seconds * rows);
    if (!h->epoch || !h->values || !h->seconds) {
        printf("out of memory\n");
        exit(1);
    }
    for (int r = 0; r < epochs; r++) {
        h->epoch[r] = r;
        h->seconds[r] = 1.0;
        for (int k = 0; k < h->nkeys; k++)
            h->values[(size_t)r * (size_t)h->nkeys + (size_t)k] = NAN;
    }
}

static int key_index(const kcc_history *h, const char *key)
{
    for (int k = 0; k < h->nkeys; k++)
        if (strcmp(h->keys[k], key) == 0)
            return k;
    return -1;
}

static double *at(kcc_history *h, int row, const char *key)
{
    int k = key_index(h, key);
    if (k < 0 || row < 0 || row >= h->epochs) {
        printf("no value %s[%d]\n", key, row);
        exit(1);
    }
    return &h->values[(size_t)row * (size_t)h->nkeys + (size_t)k];
}

static double get(const kcc_history *h, int row, const char *key)
{
    return *at((kcc_history *)h, row, key);
}

/* Same bits, or both NaN. */
static int same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- an XML well-formedness checker ------------------------------------------- */

static int xml_fail(char *why, size_t n, const char *doc, const char *p, const char *msg)
{
    int line = 1;
    for (const char *q = doc; q < p; q++)
        line += *q == '\n';
    snprintf(why, n, "line %d: %s near \"%.30s\"", line, msg, p);
    return 0;
}

static int name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Past a known entity at p ('&'), or NULL. */
static const char *entity(const char *p)
{
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (int i = 0; i < 5; i++)
        if (strncmp(p, named[i], strlen(named[i])) == 0)
            return p + strlen(named[i]);
    if (p[1] != '#')
        return NULL;
    const char *q = p + 2;
    int hex = *q == 'x';
    if (hex)
        q++;
    const char *digits = q;
    while ((*q >= '0' && *q <= '9') ||
           (hex && ((*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F'))))
        q++;
    return q > digits && *q == ';' ? q + 1 : NULL;
}

/* Valid UTF-8 without the control characters XML forbids? */
static const char *bad_utf8(const char *doc)
{
    const unsigned char *p = (const unsigned char *)doc;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return (const char *)p;
            p++;
            continue;
        }
        int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!n)
            return (const char *)p;
        unsigned cp = c & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return (const char *)p;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
            return (const char *)p;
        p += n;
    }
    return NULL;
}

/* Is doc a well-formed XML document with root element root?  Checks: UTF-8,
 * an optional declaration, balanced and properly nested tags, attributes
 * quoted, unique and free of '<' and stray '&', text with '<', '>' and '&'
 * escaped, one root element, nothing but space outside it.  (No DOCTYPE,
 * CDATA or processing instructions: the picture has none.) */
static int xml_wellformed(const char *doc, const char *root, char *why, size_t n)
{
    const char *bad = bad_utf8(doc);
    if (bad)
        return xml_fail(why, n, doc, bad, "invalid UTF-8 or a forbidden character");
    const char *p = doc;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return xml_fail(why, n, doc, doc, "unterminated XML declaration");
        p += 2;
    }
    enum { DEPTH = 64, NAME = 64 };
    char stack[DEPTH][NAME];
    int depth = 0, done = 0;
    while (*p) {
        if (*p == '<') {
            if (strncmp(p, "<!--", 4) == 0) {
                const char *end = strstr(p + 4, "-->");
                if (!end)
                    return xml_fail(why, n, doc, p, "unterminated comment");
                p = end + 3;
                continue;
            }
            if (p[1] == '?' || p[1] == '!')
                return xml_fail(why, n, doc, p, "unexpected declaration");
            int closing = p[1] == '/';
            p += closing ? 2 : 1;
            if (!name_start(*p))
                return xml_fail(why, n, doc, p, "a tag without a name");
            char name[NAME];
            size_t len = 0;
            while (name_char(*p) && len + 1 < NAME)
                name[len++] = *p++;
            name[len] = '\0';
            if (closing) {
                while (*p == ' ' || *p == '\n' || *p == '\t')
                    p++;
                if (*p != '>')
                    return xml_fail(why, n, doc, p, "a closing tag not closed by '>'");
                p++;
                if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
                    return xml_fail(why, n, doc, p, "a closing tag that does not match");
                if (--depth == 0)
                    done = 1;
                continue;
            }
            if (done)
                return xml_fail(why, n, doc, p, "a second root element");
            if (depth == 0 && strcmp(name, root) != 0)
                return xml_fail(why, n, doc, p, "the wrong root element");
            char attrs[32][NAME];
            int nattrs = 0;
            for (;;) {
                int space = 0;
                while (*p == ' ' || *p == '\n' || *p == '\t') {
                    p++;
                    space = 1;
                }
                if (p[0] == '/' && p[1] == '>') {
                    p += 2;
                    if (depth == 0)
                        done = 1;
                    break;
                }
                if (*p == '>') {
                    p++;
                    if (depth == DEPTH)
                        return xml_fail(why, n, doc, p, "nested too deep");
                    strcpy(stack[depth++], name);
                    break;
                }
                if (!space || !name_start(*p))
                    return xml_fail(why, n, doc, p, "expected an attribute or the tag's end");
                char an[NAME];
                size_t al = 0;
                while (name_char(*p) && al + 1 < NAME)
                    an[al++] = *p++;
                an[al] = '\0';
                for (int i = 0; i < nattrs; i++)
                    if (strcmp(attrs[i], an) == 0)
                        return xml_fail(why, n, doc, p, "an attribute given twice");
                if (nattrs < 32)
                    strcpy(attrs[nattrs++], an);
                if (*p != '=')
                    return xml_fail(why, n, doc, p, "an attribute without '='");
                p++;
                char q = *p;
                if (q != '"' && q != '\'')
                    return xml_fail(why, n, doc, p, "an unquoted attribute value");
                p++;
                while (*p != q) {
                    if (!*p)
                        return xml_fail(why, n, doc, p, "an unterminated attribute value");
                    if (*p == '<')
                        return xml_fail(why, n, doc, p, "'<' in an attribute value");
                    if (*p == '&') {
                        const char *e = entity(p);
                        if (!e)
                            return xml_fail(why, n, doc, p, "a stray '&' in an attribute");
                        p = e;
                        continue;
                    }
                    p++;
                }
                p++;
            }
        } else if (*p == '&') {
            const char *e = entity(p);
            if (!e || depth == 0)
                return xml_fail(why, n, doc, p, "a stray '&'");
            p = e;
        } else if (*p == '>') {
            return xml_fail(why, n, doc, p, "an unescaped '>' in text");
        } else {
            if (depth == 0 && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
                return xml_fail(why, n, doc, p, "text outside the root element");
            p++;
        }
    }
    if (depth > 0)
        return xml_fail(why, n, doc, p, "an element never closed");
    if (!done)
        return xml_fail(why, n, doc, p, "no root element");
    return 1;
}

/* Every geometric attribute holds numbers only, and every point of every
 * polyline and circle lies inside the picture.  Returns 1 or fills why. */
static int svg_geometry_ok(const char *doc, char *why, size_t n)
{
    double width = -1, height = -1;
    const char *svg = strstr(doc, "<svg ");
    if (svg) {
        const char *w = strstr(svg, " width=\"");
        const char *h = strstr(svg, " height=\"");
        if (w)
            width = strtod(w + 8, NULL);
        if (h)
            height = strtod(h + 9, NULL);
    }
    if (!(width > 0 && height > 0)) {
        snprintf(why, n, "no width and height on <svg>");
        return 0;
    }
    static const char *const geo[] = {" x=\"", " y=\"", " x1=\"", " y1=\"", " x2=\"", " y2=\"",
                                      " cx=\"", " cy=\"", " r=\"", " width=\"", " height=\"",
                                      " points=\"", " d=\""};
    for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++) {
        for (const char *p = strstr(doc, geo[g]); p; p = strstr(p + 1, geo[g])) {
            const char *v = p + strlen(geo[g]);
            const char *end = strchr(v, '"');
            if (!end || end == v) {
                snprintf(why, n, "an empty or unterminated%s", geo[g]);
                return 0;
            }
            for (const char *c = v; c < end; c++)
                if (!strchr("0123456789.-, MVHvh", *c)) {
                    snprintf(why, n, "not a number in%s%.40s", geo[g], v);
                    return 0;
                }
        }
    }
    /* points inside the picture */
    for (const char *p = strstr(doc, " points=\""); p; p = strstr(p + 1, " points=\"")) {
        const char *c = p + 9;
        while (*c != '"') {
            char *e;
            double x = strtod(c, &e);
            if (e == c || *e != ',') {
                snprintf(why, n, "a malformed point in %.40s", p);
                return 0;
            }
            double y = strtod(e + 1, &e);
            if (!(x >= 0 && x <= width && y >= 0 && y <= height)) {
                snprintf(why, n, "the point %g,%g is outside the %gx%g picture", x, y, width, height);
                return 0;
            }
            c = e;
            while (*c == ' ')
                c++;
        }
    }
    for (const char *p = strstr(doc, "<circle "); p; p = strstr(p + 1, "<circle ")) {
        const char *cx = strstr(p, " cx=\""), *cy = strstr(p, " cy=\"");
        double x = cx ? strtod(cx + 5, NULL) : -1, y = cy ? strtod(cy + 5, NULL) : -1;
        if (!(x >= 0 && x <= width && y >= 0 && y <= height)) {
            snprintf(why, n, "a dot at %g,%g is outside the picture", x, y);
            return 0;
        }
    }
    return 1;
}

/* In every panel, the x tick labels go left to right and the y tick
 * labels bottom to top, at distinct places. */
static int ticks_in_order(const char *svg, char *why, size_t n)
{
    static const char *const groups[] = {"<g class=\"xticks\"", "<g class=\"yticks\""};
    for (int g = 0; g < 2; g++) {
        for (const char *p = strstr(svg, groups[g]); p; p = strstr(p + 1, groups[g])) {
            const char *end = strstr(p, "</g>");
            double last = g == 0 ? -1.0 : 1e30;
            for (const char *t = strstr(p, "<text "); t && t < end; t = strstr(t + 1, "<text ")) {
                const char *a = strstr(t, g == 0 ? " x=\"" : " y=\"");
                double v = a ? strtod(a + 4, NULL) : NAN;
                if (!(g == 0 ? v > last : v < last)) {
                    snprintf(why, n, "%s tick labels out of order at %.60s", g ? "y" : "x", t);
                    return 0;
                }
                last = v;
            }
        }
    }
    return 1;
}

/* Plots h to WORK_DIR/name; returns the SVG's text (caller frees) after
 * checking that the call succeeded and the result is well-formed. */
static char *plot(const kcc_history *h, const char *name, const char *title)
{
    kcc_error err = {KCC_OK, ""};
    const char *path = work(name);
    kcc_status st = kcc_plot_svg(h, path, title, &err);
    CHECK_INT(st, KCC_OK);
    if (st != KCC_OK) {
        printf("    %s\n", err.message);
        return NULL;
    }
    char *svg = read_all(path, NULL);
    CHECK(svg != NULL);
    if (!svg)
        return NULL;
    char why[200] = "";
    int ok = xml_wellformed(svg, "svg", why, sizeof why);
    CHECK(ok);
    if (!ok)
        printf("    %s: %s\n", name, why);
    ok = svg_geometry_ok(svg, why, sizeof why);
    CHECK(ok);
    if (!ok)
        printf("    %s: %s\n", name, why);
    CHECK_INT(count_files(work_dir, ".kcc-"), 0);
    ok = ticks_in_order(svg, why, sizeof why);
    CHECK(ok);
    if (!ok)
        printf("    %s: %s\n", name, why);
    return svg;
}

/* The text of the n-th (from 0) element <g class="cls" ...> ... </g>, or
 * NULL; caller frees. */
static char *group(const char *svg, const char *cls, int n)
{
    char open[64];
    snprintf(open, sizeof open, "<g class=\"%s\"", cls);
    const char *p = svg ? strstr(svg, open) : NULL;
    for (int i = 0; p && i < n; i++)
        p = strstr(p + 1, open);
    if (!p)
        return NULL;
    /* the matching </g>, past nested groups */
    const char *end = p + 2;
    for (int depth = 1; depth > 0; end += 2) {
        const char *open_g = strstr(end, "<g "), *close_g = strstr(end, "</g>");
        if (!close_g)
            return NULL;
        if (open_g && open_g < close_g) {
            depth++;
            end = open_g;
        } else {
            depth--;
            end = close_g;
        }
    }
    end -= 2; /* at the matching "</g>" */
    size_t len = (size_t)(end - p) + 4;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

/* The texts of the <text> elements in s, in order, separated by '|'. */
static void texts(const char *s, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = s ? strstr(s, "<text") : NULL; p; p = strstr(p + 1, "<text")) {
        const char *b = strchr(p, '>');
        const char *e = b ? strstr(b, "</text>") : NULL;
        if (!e)
            break;
        int w = snprintf(out + o, n - o, "%s%.*s", o ? "|" : "", (int)(e - b - 1), b + 1);
        if (w < 0 || (size_t)w >= n - o)
            break;
        o += (size_t)w;
    }
}

/* ---- csv_round_trip ------------------------------------------------------------ */

TEST(the_csv_has_kerass_header_sorted_keys_and_python_floats)
{
    static const char *const keys[] = {"val_loss", "loss", "val_accuracy", "accuracy", NULL};
    kcc_history h;
    make_history(&h, keys, 3);
    double loss[] = {0.6931471805599453, 0.5, 0.25};
    double val_loss[] = {NAN, INFINITY, 1e-05};
    double acc[] = {0.5, 0.75, 1.0};
    double val_acc[] = {0.1, -0.0, 123456.789};
    for (int r = 0; r < 3; r++) {
        *at(&h, r, "loss") = loss[r];
        *at(&h, r, "val_loss") = val_loss[r];
        *at(&h, r, "accuracy") = acc[r];
        *at(&h, r, "val_accuracy") = val_acc[r];
    }
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, work("format.csv"), &err), KCC_OK);
    char *text = read_all(work("format.csv"), NULL);
    CHECK_STR(text, "epoch,accuracy,loss,val_accuracy,val_loss\n"
                    "0,0.5,0.6931471805599453,0.1,nan\n"
                    "1,0.75,0.5,-0.0,inf\n"
                    "2,1.0,0.25,123456.789,1e-05\n");
    free(text);
    kcc_history_free(&h);
}

TEST(numbers_are_written_as_pythons_repr_writes_them)
{
    static const struct {
        double v;
        const char *repr;
    } cases[] = {
        {0.0, "0.0"}, {-0.0, "-0.0"}, {1.0, "1.0"}, {100.0, "100.0"}, {-2.5, "-2.5"},
        {0.1, "0.1"}, {1.0 / 3.0, "0.3333333333333333"}, {2.0 / 3.0, "0.6666666666666666"},
        {0.0001, "0.0001"}, {0.00012345, "0.00012345"}, {0.00001, "1e-05"},
        {1.5e-7, "1.5e-07"}, {1e15, "1000000000000000.0"}, {1e16, "1e+16"},
        {1.2345e17, "1.2345e+17"}, {123456789012345678.0, "1.2345678901234568e+17"},
        {1.5e300, "1.5e+300"}, {5e-324, "5e-324"}, {DBL_MAX, "1.7976931348623157e+308"},
        {-DBL_MIN, "-2.2250738585072014e-308"}, {0.6931471824645996, "0.6931471824645996"},
        {(double)0.1f, "0.10000000149011612"}, {9007199254740993.0, "9007199254740992.0"},
        {-INFINITY, "-inf"},
    };
    int n = (int)(sizeof cases / sizeof cases[0]);
    static const char *const keys[] = {"x", NULL};
    kcc_history h;
    make_history(&h, keys, n);
    for (int r = 0; r < n; r++)
        *at(&h, r, "x") = cases[r].v;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, work("repr.csv"), &err), KCC_OK);
    char *text = read_all(work("repr.csv"), NULL);
    REQUIRE(text != NULL);
    char *line = strtok(text, "\n");
    CHECK_STR(line, "epoch,x");
    for (int r = 0; r < n; r++) {
        char want[80];
        snprintf(want, sizeof want, "%d,%s", r, cases[r].repr);
        line = strtok(NULL, "\n");
        CHECK_STR(line, want);
    }
    CHECK(strtok(NULL, "\n") == NULL);
    free(text);
    kcc_history h2;
    CHECK_INT(kcc_history_read_csv(&h2, work("repr.csv"), &err), KCC_OK);
    REQUIRE(h2.epochs == n);
    for (int r = 0; r < n; r++)
        CHECK(same_double(get(&h2, r, "x"), cases[r].v));
    kcc_history_free(&h2);
    kcc_history_free(&h);
}

TEST(random_doubles_and_epoch_numbers_round_trip_exactly)
{
    /* 32 keys given in reverse order, 300 epochs of random bit patterns
     * (every exponent, subnormals, both zeros), epochs numbered from 7. */
    char names[KCC_MAX_KEYS][8];
    const char *keys[KCC_MAX_KEYS + 1];
    for (int k = 0; k < KCC_MAX_KEYS; k++) {
        snprintf(names[k], sizeof names[k], "k%02d", KCC_MAX_KEYS - 1 - k);
        keys[k] = names[k];
    }
    keys[KCC_MAX_KEYS] = NULL;
    kcc_history h;
    int rows = 300;
    make_history(&h, keys, rows);
    kcc_rng rng;
    kcc_rng_seed(&rng, 20240601);
    for (int r = 0; r < rows; r++) {
        h.epoch[r] = 7 + r;
        for (int k = 0; k < h.nkeys; k++) {
            uint64_t bits = kcc_rng_next(&rng);
            if (r % 5 == 1) /* small exponents: subnormals and zeros */
                bits &= 0x800FFFFFFFFFFFFFULL >> (r % 3 ? 0 : 40);
            double v;
            memcpy(&v, &bits, sizeof v);
            if (isnan(v))
                v = NAN;
            h.values[(size_t)r * (size_t)h.nkeys + (size_t)k] = v;
        }
    }
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, work("random.csv"), &err), KCC_OK);
    kcc_history back;
    CHECK_INT(kcc_history_read_csv(&back, work("random.csv"), &err), KCC_OK);
    REQUIRE(back.nkeys == h.nkeys && back.epochs == rows);
    /* the file's order is sorted: k00, k01, ... */
    CHECK_STR(back.keys[0], "k00");
    CHECK_STR(back.keys[31], "k31");
    int mismatches = 0;
    for (int r = 0; r < rows; r++) {
        CHECK_INT(back.epoch[r], 7 + r);
        for (int k = 0; k < h.nkeys; k++) {
            double want = h.values[(size_t)r * (size_t)h.nkeys + (size_t)k];
            if (!same_double(get(&back, r, h.keys[k]), want) && mismatches++ < 5)
                printf("    %s[%d]: wrote %.17g, read %.17g\n", h.keys[k], r, want,
                       get(&back, r, h.keys[k]));
        }
        CHECK(isnan(back.seconds[r])); /* not in the file */
    }
    CHECK_INT(mismatches, 0);
    kcc_history_free(&back);
    kcc_history_free(&h);
}

TEST(keys_with_commas_quotes_and_line_breaks_are_quoted_and_read_back)
{
    static const char *const keys[] = {"a,\"b\"", "x\ny", "&<>'", "plain", NULL};
    kcc_history h;
    make_history(&h, keys, 2);
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 4; k++)
            h.values[r * 4 + k] = r + k / 4.0;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, work("quoted.csv"), &err), KCC_OK);
    char *text = read_all(work("quoted.csv"), NULL);
    CHECK_STR(text, "epoch,&<>',\"a,\"\"b\"\"\",plain,\"x\ny\"\n"
                    "0,0.5,0.0,0.75,0.25\n"
                    "1,1.5,1.0,1.75,1.25\n");
    free(text);
    kcc_history back;
    CHECK_INT(kcc_history_read_csv(&back, work("quoted.csv"), &err), KCC_OK);
    CHECK_INT(back.nkeys, 4);
    CHECK_INT(back.epochs, 2);
    for (int k = 0; k < 4 && back.epochs == 2; k++)
        for (int r = 0; r < 2; r++)
            CHECK_DOUBLE(get(&back, r, keys[k]), r + k / 4.0);
    kcc_history_free(&back);
    kcc_history_free(&h);
}

TEST(a_history_without_epochs_or_keys_round_trips)
{
    static const char *const none[] = {NULL};
    static const char *const two[] = {"loss", "val_loss", NULL};
    kcc_history h, back;
    kcc_error err = {KCC_OK, ""};
    make_history(&h, none, 0);
    CHECK_INT(kcc_history_write_csv(&h, work("empty.csv"), &err), KCC_OK);
    char *text = read_all(work("empty.csv"), NULL);
    CHECK_STR(text, "epoch\n");
    free(text);
    CHECK_INT(kcc_history_read_csv(&back, work("empty.csv"), &err), KCC_OK);
    CHECK_INT(back.nkeys, 0);
    CHECK_INT(back.epochs, 0);
    kcc_history_free(&back);
    kcc_history_free(&h);

    make_history(&h, two, 0);
    CHECK_INT(kcc_history_write_csv(&h, work("no_epochs.csv"), &err), KCC_OK);
    CHECK_INT(kcc_history_read_csv(&back, work("no_epochs.csv"), &err), KCC_OK);
    CHECK_INT(back.nkeys, 2);
    CHECK_INT(back.epochs, 0);
    CHECK_STR(back.keys[1], "val_loss");
    kcc_history_free(&back);
    kcc_history_free(&h);

    /* epoch == NULL: rows are numbered from 0 */
    make_history(&h, two, 2);
    free(h.epoch);
    h.epoch = NULL;
    h.values[0] = h.values[1] = h.values[2] = h.values[3] = 2.0;
    CHECK_INT(kcc_history_write_csv(&h, work("no_numbers.csv"), &err), KCC_OK);
    text = read_all(work("no_numbers.csv"), NULL);
    CHECK_STR(text, "epoch,loss,val_loss\n0,2.0,2.0\n1,2.0,2.0\n");
    free(text);
    kcc_history_free(&h);
}

TEST(writing_replaces_the_file_and_leaves_no_temporary_file)
{
    static const char *const keys[] = {"loss", NULL};
    kcc_history h;
    make_history(&h, keys, 3);
    for (int r = 0; r < 3; r++)
        h.values[r] = 1.0 / (r + 1);
    const char *path = work("replaced.csv");
    write_text(path, "something else, longer than what replaces it\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_OK);
    char *text = read_all(path, NULL);
    CHECK_STR(text, "epoch,loss\n0,1.0\n1,0.5\n2,0.3333333333333333\n");
    free(text);
    CHECK_INT(count_files(work_dir, ".kcc-"), 0);
    kcc_history_free(&h);
}

TEST(a_failed_write_names_the_file_and_leaves_no_temporary_file)
{
    static const char *const keys[] = {"loss", NULL};
    kcc_history h;
    make_history(&h, keys, 1);
    h.values[0] = 0.5;
    kcc_error err = {KCC_OK, ""};
    char want[600];

    /* a directory that does not exist */
    const char *path = work("no-such-dir/h.csv");
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_IO);
    CHECK_INT(err.status, KCC_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot create: %s (does the directory exist?)", path,
             strerror(ENOENT));
    CHECK_STR(err.message, want);
    CHECK_INT(kcc_plot_svg(&h, path, NULL, &err), KCC_ERR_IO);
    CHECK_STR(err.message, want);

    /* the target is a directory that is not empty: rename fails */
    const char *dir = work("a-directory");
    CHECK(make_dirs(dir));
    write_text(join(dir, "keep"), "x");
    CHECK_INT(kcc_history_write_csv(&h, dir, &err), KCC_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot replace: %s", dir, strerror(EISDIR));
    CHECK_STR(err.message, want);
    CHECK_INT(count_files(work_dir, ".kcc-"), 0);
    CHECK_INT(count_files(dir, "keep"), 1);

    /* a failure without a kcc_error is still a status */
    CHECK_INT(kcc_history_write_csv(&h, path, NULL), KCC_ERR_IO);
    kcc_history_free(&h);
}

TEST(numbers_do_not_depend_on_the_locale)
{
    static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                          "fr_FR.utf8", "ru_RU.UTF-8", "nl_NL.UTF-8", NULL};
    const char *used = NULL;
    for (int i = 0; locales[i] && !used; i++)
        if (setlocale(LC_NUMERIC, locales[i]))
            used = locales[i];
    if (require_locale)
        CHECK_STR(used, "de_DE.UTF-8");
    if (!used)
        printf("    (no locale with a decimal comma installed: checked in \"C\" only)\n");
    else
        CHECK_STR(localeconv()->decimal_point, ",");
    static const char *const keys[] = {"loss", NULL};
    kcc_history h;
    make_history(&h, keys, 2);
    h.values[0] = 0.25;
    h.values[1] = 1.0 / 3.0;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, work("locale.csv"), &err), KCC_OK);
    char *text = read_all(work("locale.csv"), NULL);
    CHECK_STR(text, "epoch,loss\n0,0.25\n1,0.3333333333333333\n");
    free(text);
    kcc_history back;
    CHECK_INT(kcc_history_read_csv(&back, work("locale.csv"), &err), KCC_OK);
    if (back.epochs == 2) {
        CHECK_DOUBLE(back.values[0], 0.25);
        CHECK_DOUBLE(back.values[1], 1.0 / 3.0);
    }
    kcc_history_free(&back);
    CHECK_INT(kcc_plot_svg(&h, work("locale.svg"), NULL, &err), KCC_OK);
    setlocale(LC_NUMERIC, "C"); /* for the checks' own strtod */
    char *svg = read_all(work("locale.svg"), NULL);
    char *c_svg = plot(&h, "c_locale.svg", NULL);
    CHECK(svg && c_svg && strcmp(svg, c_svg) == 0); /* the same picture */
    free(svg);
    free(c_svg);
    kcc_history_free(&h);
}

/* ---- csv_keras ------------------------------------------------------------------ */

TEST(reads_a_file_written_by_keras_3s_csvlogger)
{
    /* keras.callbacks.CSVLogger: "\r\n" line ends (Python's csv), keys
     * sorted, values as repr() of the float32 results */
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_read_csv(&h, fixture("keras3_csvlogger.csv"), &err), KCC_OK);
    REQUIRE(h.epochs == 12);
    REQUIRE(h.nkeys == 4);
    CHECK_STR(h.keys[0], "accuracy");
    CHECK_STR(h.keys[1], "loss");
    CHECK_STR(h.keys[2], "val_accuracy");
    CHECK_STR(h.keys[3], "val_loss");
    for (int r = 0; r < 12; r++) {
        CHECK_INT(h.epoch[r], r);
        CHECK(isnan(h.seconds[r]));
    }
    CHECK_DOUBLE(get(&h, 0, "accuracy"), 0.5836575627326965);
    CHECK_DOUBLE(get(&h, 0, "loss"), 0.6864766478538513);
    CHECK_DOUBLE(get(&h, 0, "val_accuracy"), 0.5590550899505615);
    CHECK_DOUBLE(get(&h, 0, "val_loss"), 0.691620409488678);
    CHECK_DOUBLE(get(&h, 11, "loss"), 0.5233457088470459);
    CHECK_DOUBLE(get(&h, 11, "val_accuracy"), 0.7440944910049438);
    /* float32 results, as Keras computed them */
    CHECK_DOUBLE((double)(float)get(&h, 5, "accuracy"), get(&h, 5, "accuracy"));
    kcc_history_free(&h);
}

TEST(writing_a_keras_file_back_gives_the_same_text)
{
    /* kcc writes what CSVLogger writes, but with "\n" line ends */
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_read_csv(&h, fixture("keras3_csvlogger.csv"), &err), KCC_OK);
    CHECK_INT(kcc_history_write_csv(&h, work("keras3_again.csv"), &err), KCC_OK);
    char *orig = read_all(fixture("keras3_csvlogger.csv"), NULL);
    char *again = read_all(work("keras3_again.csv"), NULL);
    REQUIRE(orig && again);
    char *o = orig;
    for (const char *p = orig; *p; p++)
        if (*p != '\r')
            *o++ = *p;
    *o = '\0';
    CHECK_STR(again, orig);
    free(orig);
    free(again);
    kcc_history_free(&h);
}

TEST(reads_an_older_keras_file_with_acc_lr_and_NA)
{
    /* Keras 2: "acc"/"val_acc", numpy float32 strings, ReduceLROnPlateau's
     * "lr", validation every other epoch ("NA" between), resumed at
     * initial_epoch 5 */
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_read_csv(&h, fixture("keras2_csvlogger.csv"), &err), KCC_OK);
    REQUIRE(h.epochs == 8);
    REQUIRE(h.nkeys == 5);
    static const char *const keys[] = {"acc", "loss", "lr", "val_acc", "val_loss"};
    for (int k = 0; k < 5; k++)
        CHECK_STR(h.keys[k], keys[k]);
    for (int r = 0; r < 8; r++)
        CHECK_INT(h.epoch[r], 5 + r);
    CHECK_DOUBLE(get(&h, 0, "acc"), 0.7392996);
    CHECK_DOUBLE(get(&h, 0, "val_loss"), 0.5478793776489019);
    CHECK(isnan(get(&h, 1, "val_acc")));
    CHECK(isnan(get(&h, 1, "val_loss")));
    CHECK_DOUBLE(get(&h, 2, "val_acc"), 0.72834647);
    CHECK_DOUBLE(get(&h, 0, "lr"), 0.001);
    CHECK_DOUBLE(get(&h, 7, "lr"), 1e-05);
    char *svg = plot(&h, "keras2.svg", "Keras 2");
    CHECK_CONTAINS(svg, ">model acc</text>");
    CHECK_CONTAINS(svg, ">learning rate</text>");
    free(svg);
    kcc_history_free(&h);
}

TEST(empty_values_read_as_missing)
{
    write_text(work("empty_values.csv"), "epoch,loss,val_loss\n0,0.5,\n1,,0.25\n2, 0.125 ,NA\n");
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_read_csv(&h, work("empty_values.csv"), &err), KCC_OK);
    REQUIRE(h.epochs == 3);
    CHECK_DOUBLE(get(&h, 0, "loss"), 0.5);
    CHECK(isnan(get(&h, 0, "val_loss")));
    CHECK(isnan(get(&h, 1, "loss")));
    CHECK_DOUBLE(get(&h, 1, "val_loss"), 0.25);
    CHECK_DOUBLE(get(&h, 2, "loss"), 0.125);
    CHECK(isnan(get(&h, 2, "val_loss")));
    kcc_history_free(&h);
}

TEST(line_ends_a_byte_order_mark_and_special_numbers_are_read)
{
    static const char *const variants[] = {
        "epoch,loss\n0,0.5\n1,nan\n2,-inf\n",
        "epoch,loss\r\n0,0.5\r\n1,nan\r\n2,-inf\r\n",
        "epoch,loss\r\r\n0,0.5\r\r\n1,nan\r\r\n2,-inf\r\r\n", /* Python's csv through a Windows text file */
        "epoch,loss\r0,0.5\r1,nan\r2,-inf",
        "\357\273\277epoch,loss\n0,0.5\n\n1,NaN\n2,-Infinity", /* BOM, a blank line, no final newline */
        "epoch,\"loss\"\n\"0\",\"0.5\"\n1,-nan\n2,-INF\n",
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        write_text(work("variant.csv"), variants[i]);
        kcc_history h;
        kcc_error err = {KCC_OK, ""};
        kcc_status st = kcc_history_read_csv(&h, work("variant.csv"), &err);
        CHECK_INT(st, KCC_OK);
        if (st != KCC_OK) {
            printf("    variant %zu: %s\n", i, err.message);
            continue;
        }
        CHECK_INT(h.nkeys, 1);
        CHECK_STR(h.keys[0], "loss");
        CHECK_INT(h.epochs, 3);
        if (h.epochs == 3) {
            CHECK_DOUBLE(h.values[0], 0.5);
            CHECK(isnan(h.values[1]));
            CHECK_DOUBLE(h.values[2], -INFINITY);
            CHECK_INT(h.epoch[2], 2);
        }
        kcc_history_free(&h);
    }
}

TEST(the_tutorials_picture_of_a_keras_file)
{
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_read_csv(&h, fixture("keras3_csvlogger.csv"), &err), KCC_OK);
    char *svg = plot(&h, "keras3.svg", "Pima Indians diabetes");
    CHECK_INT(count(svg, "<g class=\"panel\">"), 2);
    char *first = group(svg, "panel", 0);
    CHECK_CONTAINS(first, ">model loss</text>"); /* the loss comes first */
    free(first);
    CHECK_CONTAINS(svg, ">model accuracy</text>");
    CHECK_INT(count(svg, "<polyline "), 4);
    CHECK_CONTAINS(svg, ">Pima Indians diabetes</text>");
    free(svg);
    kcc_history_free(&h);
}

/* ---- csv_errors ------------------------------------------------------------------ */

TEST(malformed_files_get_exact_messages)
{
    char long_key[80], many[400], long_value[200];
    snprintf(long_key, sizeof long_key, "epoch,%s\n", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    strcpy(many, "epoch");
    for (int k = 0; k <= KCC_MAX_KEYS; k++)
        snprintf(many + strlen(many), sizeof many - strlen(many), ",m%d", k);
    strcat(many, "\n");
    snprintf(long_value, sizeof long_value, "epoch,loss\n0,%s\n",
             "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
    static char many_expected[120];
    /* ",m32" starts after "epoch" and 32 fields ",mK" */
    int col = 5 + 1;
    for (int k = 0; k < KCC_MAX_KEYS; k++)
        col += k < 10 ? 3 : 4;
    snprintf(many_expected, sizeof many_expected,
             ":1:%d: too many columns: a history holds at most 32 besides \"epoch\"", col + 1);

    static const struct {
        const char *name, *text;
        size_t len; /* 0: strlen */
        const char *expected; /* after the path */
    } fixed[] = {
        {"empty", "", 0, ":1:1: the file is empty (expected a header line \"epoch,...\")"},
        {"blank", "\n \n\r\n", 0, ":1:1: the file is empty (expected a header line \"epoch,...\")"},
        {"no_epoch", "loss,epoch\n0.5,0\n", 0,
         ":1:1: expected \"epoch\" as the first column, found \"loss\""},
        {"semicolons", "epoch;loss;accuracy\n0;0.5;0.5\n", 0,
         ":1:1: expected \"epoch\" as the first column, found \"epoch;loss;accuracy\" "
         "(kcc reads comma-separated files)"},
        {"unnamed", "epoch,loss,,acc\n", 0, ":1:12: column 3 has no name"},
        {"twice", "epoch,loss,val_loss,loss\n", 0,
         ":1:21: column \"loss\" appears twice (first as column 2)"},
        {"epoch_twice", "epoch,loss,epoch\n", 0,
         ":1:12: column \"epoch\" appears twice (first as column 1)"},
        {"too_few", "epoch,loss,val_loss\n0,0.5,0.6\n1,0.4\n", 0,
         ":3:6: expected 3 fields as in the header, found 2"},
        {"too_many", "epoch,loss\n0,0.5,0.6\n", 0,
         ":2:7: expected 2 fields as in the header, found 3"},
        {"cut_short", "epoch,loss,val_loss\r\n0,0.5,0.6\r\n1,0.4", 0,
         ":3:6: expected 3 fields as in the header, found 2"},
        {"epoch_word", "epoch,loss\nfirst,0.5\n", 0,
         ":2:1: expected an epoch number (a whole number from 0), found \"first\""},
        {"epoch_negative", "epoch,loss\n0,0.5\n-1,0.5\n", 0,
         ":3:1: expected an epoch number (a whole number from 0), found \"-1\""},
        {"epoch_fraction", "epoch,loss\n1.0,0.5\n", 0,
         ":2:1: expected an epoch number (a whole number from 0), found \"1.0\""},
        {"epoch_huge", "epoch,loss\n99999999999,0.5\n", 0,
         ":2:1: expected an epoch number (a whole number from 0), found \"99999999999\""},
        {"epoch_missing", "epoch,loss\n,0.5\n", 0,
         ":2:1: expected an epoch number (a whole number from 0), found nothing"},
        {"word", "epoch,loss,acc\n0,0.5,high\n", 0,
         ":2:7: expected a number for \"acc\", found \"high\""},
        {"crlf_word", "epoch,loss\r\n0,0.5\r\n1,bad\r\n", 0,
         ":3:3: expected a number for \"loss\", found \"bad\""},
        {"hex", "epoch,loss\n0,0x1p3\n", 0, ":2:3: expected a number for \"loss\", found \"0x1p3\""},
        {"comma_decimal", "epoch,loss\n0,\"0,5\"\n", 0,
         ":2:3: expected a number for \"loss\", found \"0,5\""},
        {"list", "epoch,loss\n0,\"[0.5, 0.25]\"\n", 0,
         ":2:3: expected a number for \"loss\", found \"[0.5, 0.25]\""},
        {"two_points", "epoch,loss\n0,0.5.1\n", 0,
         ":2:3: expected a number for \"loss\", found \"0.5.1\""},
        {"exponent_only", "epoch,loss\n0,1e\n", 0, ":2:3: expected a number for \"loss\", found \"1e\""},
        {"unterminated", "epoch,\"loss\n0,0.5\n", 0,
         ":1:7: unterminated quoted field (the '\"' here is never closed)"},
        {"after_quote", "epoch,\"loss\"x,acc\n", 0,
         ":1:13: expected ',' or the end of the line after a closing quote"},
        {"nul", "epoch,loss\n0,0.5\0\n", 18, ":2:6: unexpected NUL byte (is this a text file?)"},
        {"key_with_newline", "epoch,\"a\nb\"\n0,x\n", 0,
         ":3:3: expected a number for \"a?b\", found \"x\""},
    };
    struct {
        const char *name, *text, *expected;
    } built[] = {
        {"long_key", long_key,
         ":1:7: column name \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" is longer than 39 bytes"},
        {"many_keys", many, many_expected},
        {"long_value", long_value,
         ":2:3: expected a number for \"loss\", found \"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...\""},
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0], nbuilt = sizeof built / sizeof built[0];
    for (size_t i = 0; i < nfixed + nbuilt; i++) {
        const char *name = i < nfixed ? fixed[i].name : built[i - nfixed].name;
        const char *text = i < nfixed ? fixed[i].text : built[i - nfixed].text;
        size_t len = i < nfixed && fixed[i].len ? fixed[i].len : strlen(text);
        const char *expected = i < nfixed ? fixed[i].expected : built[i - nfixed].expected;
        char file[128];
        snprintf(file, sizeof file, "bad_%s.csv", name);
        const char *path = work(file);
        write_bytes(path, text, len);
        kcc_history h;
        memset(&h, 0x5A, sizeof h); /* read_csv must not care what was there */
        kcc_error err = {KCC_OK, ""};
        kcc_status st = kcc_history_read_csv(&h, path, &err);
        char want[700];
        snprintf(want, sizeof want, "%s%s", path, expected);
        CHECK_INT(st, KCC_ERR_FORMAT);
        CHECK_INT(err.status, KCC_ERR_FORMAT);
        CHECK_STR(err.message, want);
        /* a failed read leaves an empty history, safe to free */
        CHECK(h.nkeys == 0 && h.epochs == 0 && !h.epoch && !h.values && !h.seconds);
        kcc_history_free(&h);
    }
}

TEST(a_file_that_cannot_be_read_is_an_io_error)
{
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    char want[700];
    const char *path = work("does-not-exist.csv");
    CHECK_INT(kcc_history_read_csv(&h, path, &err), KCC_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot read: %s", path, strerror(ENOENT));
    CHECK_STR(err.message, want);
    CHECK_INT(err.status, KCC_ERR_IO);
    CHECK(h.epochs == 0 && h.values == NULL);
    CHECK_INT(kcc_history_read_csv(&h, work_dir, &err), KCC_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot read: %s", work_dir, strerror(EISDIR));
    CHECK_STR(err.message, want);
    CHECK_INT(kcc_history_read_csv(&h, path, NULL), KCC_ERR_IO);
}

/* ---- arguments ----------------------------------------------------------------------- */

TEST(invalid_histories_are_refused_with_a_reason)
{
    static const char *const keys[] = {"loss", "val_loss", NULL};
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    const char *path = work("invalid.csv");
    const char *svg = work("invalid.svg");

    CHECK_INT(kcc_history_write_csv(NULL, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: no history (NULL)");
    CHECK_INT(kcc_plot_svg(NULL, svg, "t", &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: no history (NULL)");
    CHECK_INT(kcc_history_read_csv(NULL, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: no history to read into (NULL)");
    CHECK_INT(kcc_history_read_csv(&h, NULL, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: no file name (NULL)");

    make_history(&h, keys, 2);
    CHECK_INT(kcc_history_write_csv(&h, NULL, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: no file name (NULL)");
    CHECK_INT(kcc_plot_svg(&h, NULL, NULL, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: no file name (NULL)");

    h.nkeys = KCC_MAX_KEYS + 1;
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: nkeys is 33 (expected 0 to 32)");
    CHECK_INT(kcc_plot_svg(&h, svg, NULL, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: nkeys is 33 (expected 0 to 32)");
    h.nkeys = -1;
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: nkeys is -1 (expected 0 to 32)");
    h.nkeys = 2;

    h.epochs = -3;
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: epochs is -3");
    h.epochs = 2;

    double *values = h.values;
    h.values = NULL;
    CHECK_INT(kcc_plot_svg(&h, svg, NULL, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: values is NULL for 2 epochs");
    h.values = values;

    memset(h.keys[1], 'k', sizeof h.keys[1]); /* no terminating NUL */
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: key 1 is not a string of at most 39 bytes");
    CHECK_INT(kcc_plot_svg(&h, svg, NULL, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: key 1 is not a string of at most 39 bytes");
    h.keys[1][0] = '\0';
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: key 1 is empty");

    /* a CSV file must read back: no second "loss", no "epoch" key, no
     * negative epochs (the picture does not mind) */
    strcpy(h.keys[1], "loss");
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: key \"loss\" appears twice (0 and 1)");
    strcpy(h.keys[1], "epoch");
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: key 1 is \"epoch\", the name of the CSV file's first column");
    strcpy(h.keys[1], "val_loss");
    h.epoch[1] = -1;
    CHECK_INT(kcc_history_write_csv(&h, path, &err), KCC_ERR_INVALID);
    CHECK_STR(err.message, "history: epoch[1] is -1 (epoch numbers start at 0)");
    CHECK_INT(kcc_plot_svg(&h, svg, NULL, &err), KCC_OK);
    CHECK_INT(kcc_history_write_csv(&h, path, NULL), KCC_ERR_INVALID); /* no kcc_error */

    /* nothing was written by the refused calls */
    CHECK_INT(count_files(work_dir, "invalid.csv"), 0);
    kcc_history_free(&h);
    CHECK(h.epoch == NULL && h.values == NULL && h.seconds == NULL && h.nkeys == 0);
    kcc_history_free(&h); /* twice is fine */
    kcc_history_free(NULL);
}

/* ---- svg_checker ----------------------------------------------------------------------- */

TEST(the_xml_checker_accepts_good_and_rejects_broken_documents)
{
    static const char *const good[] = {
        "<svg/>",
        "<?xml version=\"1.0\"?>\n<svg a=\"1\" b='&amp;&lt;&#65;&#x42;'><g><text>a &gt; b</text></g></svg>\n",
        "<svg><!-- a <comment> --><text>\xc3\xa9</text></svg>",
    };
    static const char *const bad[] = {
        "",                                  /* no root */
        "<svg>",                             /* never closed */
        "<svg><g></svg>",                    /* mismatched */
        "<svg></g></svg>",                   /* closing what is not open */
        "<svg a=1/>",                        /* unquoted */
        "<svg a=\"1\" a=\"2\"/>",            /* twice */
        "<svg a=\"x<y\"/>",                  /* '<' in a value */
        "<svg a=\"x&y\"/>",                  /* stray '&' */
        "<svg><text>a & b</text></svg>",     /* stray '&' in text */
        "<svg><text>a > b</text></svg>",     /* unescaped '>' */
        "<svg><text>&nbsp;</text></svg>",    /* an entity XML does not define */
        "<svg/><svg/>",                      /* two roots */
        "text<svg/>",                        /* text outside */
        "<html/>",                           /* wrong root */
        "<svg><text>\xff</text></svg>",      /* not UTF-8 */
        "<svg><text>\x01</text></svg>",      /* a control character */
        "<svg a=\"1\"b=\"2\"/>",             /* no space between attributes */
        "<svg><!-- never closed </svg>",
    };
    char why[200];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int ok = xml_wellformed(good[i], "svg", why, sizeof why);
        CHECK(ok);
        if (!ok)
            printf("    good[%zu]: %s\n", i, why);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int ok = xml_wellformed(bad[i], "svg", why, sizeof why);
        CHECK(!ok);
        if (ok)
            printf("    bad[%zu] passed: %s\n", i, bad[i]);
    }
    CHECK(!svg_geometry_ok("<svg width=\"10\" height=\"10\"><polyline points=\"1,1 11,5\"/></svg>",
                           why, sizeof why));
    CHECK(!svg_geometry_ok("<svg width=\"10\" height=\"10\"><text x=\"nan\"/></svg>", why,
                           sizeof why));
    CHECK(svg_geometry_ok("<svg width=\"10\" height=\"10\"><polyline points=\"1,1 9.5,5\"/></svg>",
                          why, sizeof why));
}

/* ---- svg_content ----------------------------------------------------------------------- */

/* A history like Keras's for a classifier trained 20 epochs with
 * ReduceLROnPlateau. */
static void typical_history(kcc_history *h, int epochs)
{
    static const char *const keys[] = {"loss", "accuracy", "val_loss", "val_accuracy", "lr",
                                       NULL};
    make_history(h, keys, epochs);
    for (int r = 0; r < epochs; r++) {
        double t = (double)r / (epochs > 1 ? epochs - 1 : 1);
        *at(h, r, "loss") = 0.7 - 0.5 * t + 0.02 * ((r * 7) % 5) / 5.0;
        *at(h, r, "val_loss") = 0.72 - 0.4 * t + 0.1 * t * t;
        *at(h, r, "accuracy") = 0.5 + 0.45 * t;
        *at(h, r, "val_accuracy") = 0.48 + 0.4 * t - 0.05 * t * t;
        *at(h, r, "lr") = r < epochs / 2 ? 1e-3 : 1e-4;
    }
}

TEST(a_panel_for_the_loss_and_each_metric_with_both_curves)
{
    kcc_history h;
    typical_history(&h, 20);
    char *svg = plot(&h, "typical.svg", "My model");
    REQUIRE(svg != NULL);
    CHECK_INT(count(svg, "<g class=\"panel\">"), 3); /* loss, accuracy, lr */
    CHECK_INT(count(svg, "<polyline "), 5);          /* one per series: no gaps */
    CHECK_INT(count(svg, "<circle "), 0);
    CHECK_INT(count(svg, "<g class=\"series\""), 5);
    CHECK_INT(count(svg, "data-key=\"val_loss\""), 1);
    CHECK_INT(count(svg, ">epoch</text>"), 3);      /* x axis labels */
    CHECK_INT(count(svg, "class=\"ylabel\""), 3);
    CHECK_CONTAINS(svg, ">loss</text>");
    CHECK_CONTAINS(svg, ">accuracy</text>");
    CHECK_CONTAINS(svg, ">lr (log scale)</text>"); /* 1e-3 then 1e-4 */
    CHECK_INT(count(svg, ">train</text>"), 2); /* legends of loss and accuracy */
    CHECK_INT(count(svg, ">validation</text>"), 2);
    CHECK_CONTAINS(svg, ">model loss</text>");
    CHECK_CONTAINS(svg, ">model accuracy</text>");
    CHECK_CONTAINS(svg, ">learning rate</text>");
    CHECK_CONTAINS(svg, ">My model</text>");
    CHECK_CONTAINS(svg, "<title>My model</title>");
    /* the order: loss, accuracy, lr */
    const char *loss = strstr(svg, ">model loss<"), *acc = strstr(svg, ">model accuracy<"),
               *lr = strstr(svg, ">learning rate<");
    CHECK(loss && acc && lr && loss < acc && acc < lr);
    /* train and validation in different colours */
    char *p0 = group(svg, "panel", 0);
    CHECK_CONTAINS(p0, "data-key=\"loss\" fill=\"none\" stroke=\"#1f77b4\"");
    CHECK_CONTAINS(p0, "data-key=\"val_loss\" fill=\"none\" stroke=\"#ff7f0e\"");
    free(p0);
    /* standalone: no scripts, no links, no styles from elsewhere */
    CHECK(!strstr(svg, "<script") && !strstr(svg, "href") && !strstr(svg, "url(") &&
          !strstr(svg, "@import") && !strstr(svg, "<style"));
    static const char head[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" ";
    CHECK(strncmp(svg, head, strlen(head)) == 0);
    free(svg);

    /* a NULL title: a default one; "": none */
    svg = plot(&h, "default_title.svg", NULL);
    CHECK_CONTAINS(svg, ">Training history</text>");
    free(svg);
    svg = plot(&h, "no_title.svg", "");
    CHECK(svg && !strstr(svg, "class=\"suptitle\""));
    free(svg);
    kcc_history_free(&h);
}

/* Are the labels evenly spaced numbers with a step of 1, 2 or 5 times a
 * power of ten? */
static int nice_labels(const char *labels, int *n)
{
    double v[64];
    *n = 0;
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", labels);
    for (char *t = strtok(buf, "|"); t && *n < 64; t = strtok(NULL, "|")) {
        char *e;
        v[(*n)++] = strtod(t, &e);
        if (*e)
            return 0;
    }
    if (*n < 2)
        return *n == 1;
    double step = v[1] - v[0];
    if (!(step > 0))
        return 0;
    for (int i = 2; i < *n; i++)
        if (fabs(v[i] - v[i - 1] - step) > step * 1e-6)
            return 0;
    double m = step / pow(10.0, floor(log10(step) + 1e-9));
    return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6 ||
           fabs(m - 10) < 1e-6;
}

TEST(ticks_are_nice_numbers)
{
    static const struct {
        double lo, hi;
        const char *labels; /* expected y tick labels, or NULL: just nice */
    } cases[] = {
        {0.2, 0.9, "0.2|0.4|0.6|0.8"},
        {0.0, 1.0, "0.0|0.2|0.4|0.6|0.8|1.0"},
        {-3.0, -1.0, "-3.0|-2.5|-2.0|-1.5|-1.0"},
        {-0.5, 0.5, "-0.4|-0.2|0.0|0.2|0.4"},
        {120.0, 4000.0, "0|1000|2000|3000|4000"},
        {1e-5, 1e-3, "0.0000|0.0002|0.0004|0.0006|0.0008|0.0010"},
        {1e-6, 1e-4, "0|2.0e-5|4.0e-5|6.0e-5|8.0e-5|1.0e-4"},
        {2e6, 9e6, "2e6|4e6|6e6|8e6"},
        {0.69314, 0.69318, NULL},
        {1e-300, 3e-300, NULL},
        {-1e300, 1e300, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static const char *const keys[] = {"loss", NULL};
        kcc_history h;
        make_history(&h, keys, 2);
        h.values[0] = cases[i].lo;
        h.values[1] = cases[i].hi;
        char *svg = plot(&h, "ticks.svg", NULL);
        char *y = group(svg, "yticks", 0);
        char labels[2048];
        texts(y, labels, sizeof labels);
        int n;
        int ok = nice_labels(labels, &n);
        CHECK(ok && n >= 3 && n <= 8);
        if (!ok || n < 3 || n > 8)
            printf("    [%g, %g]: labels %s\n", cases[i].lo, cases[i].hi, labels);
        if (cases[i].labels)
            CHECK_STR(labels, cases[i].labels);
        /* x: epochs 0 and 1 */
        char *x = group(svg, "xticks", 0);
        texts(x, labels, sizeof labels);
        CHECK_STR(labels, "0|1");
        free(x);
        free(y);
        free(svg);
        kcc_history_free(&h);
    }
}

TEST(keys_are_escaped_in_text_and_attributes)
{
    static const char *const keys[] = {"a&b<c>\"d'", "val_a&b<c>\"d'", "loss", NULL};
    kcc_history h;
    make_history(&h, keys, 4);
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 3; k++)
            h.values[r * 3 + k] = r * 0.1 + k;
    char *svg = plot(&h, "escaped.svg", "<Tom & Jerry's \"model\">");
    REQUIRE(svg != NULL);
    CHECK(!strstr(svg, "a&b") && !strstr(svg, "<c>"));
    CHECK_CONTAINS(svg, ">a&amp;b&lt;c&gt;&quot;d&apos;</text>"); /* the y label */
    CHECK_CONTAINS(svg, ">model a&amp;b&lt;c&gt;&quot;d&apos;</text>");
    CHECK_CONTAINS(svg, "data-key=\"val_a&amp;b&lt;c&gt;&quot;d&apos;\"");
    CHECK_CONTAINS(svg, "<title>&lt;Tom &amp; Jerry&apos;s &quot;model&quot;&gt;</title>");
    CHECK_INT(count(svg, "<g class=\"panel\">"), 2);
    free(svg);
    kcc_history_free(&h);
}

TEST(the_file_is_replaced_whole)
{
    kcc_history h;
    typical_history(&h, 5);
    const char *path = work("replace.svg");
    write_text(path, "old");
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_plot_svg(&h, path, "x", &err), KCC_OK);
    char *svg = read_all(path, NULL);
    CHECK(svg && strncmp(svg, "<?xml", 5) == 0);
    CHECK_INT(count_files(work_dir, ".kcc-"), 0);
    free(svg);
    kcc_history_free(&h);
}

TEST(a_learning_rate_over_decades_is_drawn_on_a_log_scale)
{
    static const char *const keys[] = {"loss", "lr", NULL};
    kcc_history h;
    make_history(&h, keys, 30);
    for (int r = 0; r < 30; r++) {
        *at(&h, r, "loss") = 1.0 / (r + 1);
        *at(&h, r, "lr") = r < 10 ? 1e-3 : r < 20 ? 1e-4 : 1e-5; /* ReduceLROnPlateau */
    }
    char *svg = plot(&h, "lr_log.svg", NULL);
    char *lr = group(svg, "panel", 1);
    CHECK_CONTAINS(lr, ">learning rate</text>");
    CHECK_CONTAINS(lr, ">lr (log scale)</text>");
    CHECK(lr && !strstr(lr, "class=\"legend\"")); /* one curve: no legend */
    char *y = group(lr, "yticks", 0);
    char labels[256];
    texts(y, labels, sizeof labels);
    CHECK_STR(labels, "1e-5|0.0001|0.001");
    /* the three levels are evenly spaced */
    char *series = group(lr, "series", 0);
    double level[3] = {0, 0, 0};
    const char *pts = series ? strstr(series, "points=\"") : NULL;
    for (int r = 0; pts && r < 30; r++) {
        pts = strchr(pts, ',');
        if (pts && (r == 0 || r == 10 || r == 20))
            level[r / 10] = strtod(pts + 1, NULL);
        if (pts)
            pts++;
    }
    CHECK(level[0] < level[1] && level[1] < level[2]);
    CHECK_NEAR(level[1] - level[0], level[2] - level[1], 0.02);
    free(series);
    free(y);
    free(lr);
    free(svg);

    /* within a decade: a linear scale */
    for (int r = 0; r < 30; r++)
        *at(&h, r, "lr") = r < 15 ? 1e-3 : 5e-4;
    svg = plot(&h, "lr_linear.svg", NULL);
    CHECK(svg && !strstr(svg, "log scale"));
    free(svg);
    kcc_history_free(&h);
}

/* ---- svg_edge_cases -------------------------------------------------------------------- */

TEST(one_epoch_is_drawn_as_dots)
{
    kcc_history h;
    typical_history(&h, 1);
    char *svg = plot(&h, "one_epoch.svg", NULL);
    CHECK_INT(count(svg, "<polyline "), 0);
    CHECK_INT(count(svg, "<circle "), 5);
    char *x = group(svg, "xticks", 0);
    char labels[256];
    texts(x, labels, sizeof labels);
    CHECK_STR(labels, "0");
    free(x);
    free(svg);
    kcc_history_free(&h);
}

TEST(nan_and_infinity_leave_gaps)
{
    static const char *const keys[] = {"loss", "val_loss", NULL};
    kcc_history h;
    make_history(&h, keys, 9);
    double loss[] = {1, 0.9, NAN, 0.7, 0.6, INFINITY, 0.5, -INFINITY, 0.4};
    for (int r = 0; r < 9; r++) {
        *at(&h, r, "loss") = loss[r];
        *at(&h, r, "val_loss") = r == 4 ? 1e301 : 1.0 - r * 0.05; /* beyond 1e300: a gap */
    }
    char *svg = plot(&h, "gaps.svg", NULL);
    char *train = group(svg, "series", 0), *val = group(svg, "series", 1);
    CHECK_CONTAINS(train, "data-key=\"loss\"");
    CHECK_INT(count(train, "<polyline "), 2); /* 0-1, 3-4 */
    CHECK_INT(count(train, "<circle "), 2);   /* 6 and 8 alone */
    CHECK_INT(count(val, "<polyline "), 2);   /* 0-3, 5-8 */
    CHECK_INT(count(val, "<circle "), 0);
    CHECK(!strstr(svg, "nan") && !strstr(svg, "inf"));
    free(train);
    free(val);
    free(svg);
    kcc_history_free(&h);
}

TEST(all_missing_values_say_so)
{
    static const char *const keys[] = {"loss", "val_loss", "accuracy", NULL};
    kcc_history h;
    make_history(&h, keys, 3);
    for (int r = 0; r < 3; r++)
        *at(&h, r, "accuracy") = 0.5 + r * 0.1;
    char *svg = plot(&h, "missing.svg", NULL);
    CHECK_INT(count(svg, ">no finite values</text>"), 1);
    CHECK_INT(count(svg, "<polyline "), 1);
    free(svg);
    kcc_history_free(&h);
}

TEST(constant_and_negative_series_get_a_range)
{
    static const char *const keys[] = {"loss", "val_loss", "score", "val_score", "zero", NULL};
    kcc_history h;
    make_history(&h, keys, 6);
    for (int r = 0; r < 6; r++) {
        *at(&h, r, "loss") = 0.5;
        *at(&h, r, "val_loss") = 0.5;
        *at(&h, r, "score") = -3.0 + r * 0.4;
        *at(&h, r, "val_score") = -2.5 + r * 0.2;
        *at(&h, r, "zero") = 0.0;
    }
    char *svg = plot(&h, "constant.svg", NULL);
    char labels[512];
    char *y0 = group(svg, "yticks", 0), *y1 = group(svg, "yticks", 1), *y2 = group(svg, "yticks", 2);
    texts(y0, labels, sizeof labels);
    CHECK_STR(labels, "0.48|0.49|0.50|0.51|0.52");
    texts(y1, labels, sizeof labels);
    CHECK_STR(labels, "-3.0|-2.5|-2.0|-1.5|-1.0");
    texts(y2, labels, sizeof labels);
    CHECK_STR(labels, "-1.0|-0.5|0.0|0.5|1.0");
    CHECK_INT(count(svg, "<polyline "), 5);
    free(y0);
    free(y1);
    free(y2);
    free(svg);
    kcc_history_free(&h);
}

TEST(thousands_of_epochs_thin_the_ticks)
{
    kcc_history h;
    typical_history(&h, 5000);
    char *svg = plot(&h, "many.svg", NULL);
    char *x = group(svg, "xticks", 0);
    char labels[1024];
    texts(x, labels, sizeof labels);
    CHECK_STR(labels, "0|1000|2000|3000|4000|5000");
    int n;
    CHECK(nice_labels(labels, &n) && n >= 3 && n <= 12);
    free(x);
    char *train = group(svg, "series", 0);
    CHECK_INT(count(train, ","), 5000); /* every point */
    free(train);
    free(svg);

    /* large epoch numbers: labels stay apart */
    for (int r = 0; r < h.epochs; r++)
        h.epoch[r] = 1000000 + r * 200;
    svg = plot(&h, "late.svg", NULL);
    x = group(svg, "xticks", 0);
    texts(x, labels, sizeof labels);
    CHECK(nice_labels(labels, &n) && n >= 2 && n <= 6);
    printf("    late epochs: %s\n", labels);
    free(x);
    free(svg);
    kcc_history_free(&h);
}

TEST(odd_keys_histories_and_extremes_stay_well_formed)
{
    /* each plot() checks well-formedness and that every point is inside */
    kcc_history h;
    static const char *const none[] = {NULL};
    make_history(&h, none, 0);
    char *svg = plot(&h, "nothing.svg", NULL);
    CHECK_CONTAINS(svg, ">no values to plot</text>");
    free(svg);
    kcc_history_free(&h);

    static const char *const two[] = {"loss", "val_loss", NULL};
    make_history(&h, two, 0);
    svg = plot(&h, "no_epochs.svg", NULL);
    CHECK_CONTAINS(svg, ">no epochs</text>");
    free(svg);
    kcc_history_free(&h);

    /* bytes that are not UTF-8, control characters, a validation-only key,
     * a 39-byte key, a key that is just "val_" */
    static const char *const odd[] = {"\x01\xff\xc3(x", "val_only", "val_",
                                      "a_key_of_thirty_nine_bytes_exactly_abcd", "caf\xc3\xa9",
                                      "\xe2\x82\xac\xf0\x9f\x98\x80", "val_\xed\xa0\x80", NULL};
    make_history(&h, odd, 7);
    for (int r = 0; r < 7; r++)
        for (int k = 0; k < h.nkeys; k++)
            h.values[r * h.nkeys + k] = (r + 1) * (k + 1);
    svg = plot(&h, "odd.svg", "odd \x02 keys \xc0\xaf");
    CHECK_INT(count(svg, "<g class=\"panel\">"), 7);
    CHECK_CONTAINS(svg, ">caf\xc3\xa9</text>");
    CHECK_CONTAINS(svg, "&#xFFFD;");
    free(svg);
    kcc_history_free(&h);

    /* huge, tiny and subnormal values; epochs out of order and repeated */
    static const char *const ext[] = {"huge", "tiny", "subnormal", "mixed", NULL};
    make_history(&h, ext, 4);
    double huge[] = {1e300, -1e300, 5e299, 1e-300};
    double tiny[] = {1e-300, 2e-300, 3e-300, 1.5e-300};
    double sub[] = {5e-324, 5e-324, 1e-320, 0.0};
    double mixed[] = {DBL_MAX, -DBL_MAX, 1.0, 2.0};
    int epochs[] = {3, 1, 1, 0};
    for (int r = 0; r < 4; r++) {
        *at(&h, r, "huge") = huge[r];
        *at(&h, r, "tiny") = tiny[r];
        *at(&h, r, "subnormal") = sub[r];
        *at(&h, r, "mixed") = mixed[r];
        h.epoch[r] = epochs[r];
    }
    svg = plot(&h, "extremes.svg", NULL);
    CHECK_INT(count(svg, "<g class=\"panel\">"), 4);
    CHECK(!strstr(svg, "nan") && !strstr(svg, "inf"));
    free(svg);
    kcc_history_free(&h);

    /* 32 panels */
    char names[KCC_MAX_KEYS][8];
    const char *keys[KCC_MAX_KEYS + 1];
    for (int k = 0; k < KCC_MAX_KEYS; k++) {
        snprintf(names[k], sizeof names[k], "m%d", k);
        keys[k] = names[k];
    }
    keys[KCC_MAX_KEYS] = NULL;
    make_history(&h, keys, 3);
    for (int i = 0; i < 3 * KCC_MAX_KEYS; i++)
        h.values[i] = i % 7;
    svg = plot(&h, "many_panels.svg", NULL);
    CHECK_INT(count(svg, "<g class=\"panel\">"), 32);
    free(svg);
    kcc_history_free(&h);
}

/* ---- svg_determinism ------------------------------------------------------------------- */

TEST(the_same_history_gives_the_same_bytes)
{
    kcc_history h;
    typical_history(&h, 37);
    h.values[40] = NAN;
    char *a = plot(&h, "same_a.svg", "same");
    char *b = plot(&h, "same_b.svg", "same");
    CHECK(a && b && strcmp(a, b) == 0);
    /* through a CSV file and back: the same picture */
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_write_csv(&h, work("same.csv"), &err), KCC_OK);
    kcc_history back;
    CHECK_INT(kcc_history_read_csv(&back, work("same.csv"), &err), KCC_OK);
    char *c = plot(&back, "same_c.svg", "same");
    /* the keys are sorted in the file; panels follow loss, then the
     * metrics' order, so only the metric order could differ: here there
     * is one metric */
    CHECK(a && c && strcmp(a, c) == 0);
    free(a);
    free(b);
    free(c);
    kcc_history_free(&back);
    kcc_history_free(&h);
}

/* ---- svg_golden ------------------------------------------------------------------------ */

#define GOLDEN_TITLE "Training history"

TEST(the_picture_matches_the_golden_file)
{
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    CHECK_INT(kcc_history_read_csv(&h, fixture("golden_history.csv"), &err), KCC_OK);
    if (update_golden) {
        CHECK_INT(kcc_plot_svg(&h, fixture("golden.svg"), GOLDEN_TITLE, &err), KCC_OK);
        printf("    wrote %s\n", fixture("golden.svg"));
        kcc_history_free(&h);
        return;
    }
    char *got = plot(&h, "golden.svg", GOLDEN_TITLE);
    char *want = read_all(fixture("golden.svg"), NULL);
    CHECK(want != NULL);
    CHECK(got && want && strcmp(got, want) == 0);
    if (got && want && strcmp(got, want) != 0) {
        int line = 1;
        const char *g = got, *w = want;
        while (*g && *g == *w) {
            line += *g == '\n';
            g++;
            w++;
        }
        while (g > got && g[-1] != '\n') {
            g--;
            w--;
        }
        printf("    first difference on line %d:\n    expected %.*s\n    got      %.*s\n", line,
               (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
        printf("    if the change is intended: cmake --build BUILD --target history-update\n");
    }
    free(got);
    free(want);
    kcc_history_free(&h);
}

/* ---- write_svg (for render.sh and xmllint.sh) ------------------------------------------ */

static int write_svgs(void)
{
    kcc_history h;
    kcc_error err = {KCC_OK, ""};
    if (kcc_history_read_csv(&h, fixture("golden_history.csv"), &err) != KCC_OK ||
        kcc_plot_svg(&h, work("golden.svg"), GOLDEN_TITLE, &err) != KCC_OK) {
        printf("%s\n", err.message);
        return 1;
    }
    kcc_history_free(&h);
    /* the hard cases in one picture */
    static const char *const keys[] = {"loss", "val_loss", "a&b<c>\"d'", "val_a&b<c>\"d'",
                                       "neg", "const", "lr", NULL};
    make_history(&h, keys, 3000);
    for (int r = 0; r < h.epochs; r++) {
        *at(&h, r, "loss") = r % 500 == 7 ? NAN : 2.0 / (1 + r * 0.01);
        *at(&h, r, "val_loss") = r % 700 == 9 ? INFINITY : 2.2 / (1 + r * 0.008);
        *at(&h, r, "a&b<c>\"d'") = (r % 100) * 1e-6;
        *at(&h, r, "val_a&b<c>\"d'") = r == 1500 ? 5e-5 : NAN;
        *at(&h, r, "neg") = -1.0 - r * 1e-3;
        *at(&h, r, "const") = 0.75;
        *at(&h, r, "lr") = r < 1000 ? 1e-3 : r < 2000 ? 1e-4 : 1e-5;
    }
    if (kcc_plot_svg(&h, work("edge.svg"), "Edge cases: <escaped> & \"quoted\"", &err) != KCC_OK) {
        printf("%s\n", err.message);
        return 1;
    }
    kcc_history_free(&h);
    return 0;
}

/* ---- main ---------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "update") != 0)) {
        printf("usage: test_history GROUP FIXTURES_DIR WORK_DIR [update]\n");
        return 2;
    }
    const char *g = argv[1];
    fixtures_dir = argv[2];
    work_dir = argv[3];
    update_golden = argc == 5 || (getenv("KCC_HISTORY_UPDATE") && *getenv("KCC_HISTORY_UPDATE"));
    if (!make_dirs(work_dir)) {
        printf("cannot make %s: %s\n", work_dir, strerror(errno));
        return 1;
    }
    if (strcmp(g, "csv_round_trip") == 0) {
        RUN(the_csv_has_kerass_header_sorted_keys_and_python_floats);
        RUN(numbers_are_written_as_pythons_repr_writes_them);
        RUN(random_doubles_and_epoch_numbers_round_trip_exactly);
        RUN(keys_with_commas_quotes_and_line_breaks_are_quoted_and_read_back);
        RUN(a_history_without_epochs_or_keys_round_trips);
        RUN(writing_replaces_the_file_and_leaves_no_temporary_file);
        RUN(a_failed_write_names_the_file_and_leaves_no_temporary_file);
        RUN(numbers_do_not_depend_on_the_locale);
    } else if (strcmp(g, "locale") == 0) {
        require_locale = 1;
        RUN(numbers_do_not_depend_on_the_locale);
    } else if (strcmp(g, "csv_keras") == 0) {
        RUN(reads_a_file_written_by_keras_3s_csvlogger);
        RUN(writing_a_keras_file_back_gives_the_same_text);
        RUN(reads_an_older_keras_file_with_acc_lr_and_NA);
        RUN(empty_values_read_as_missing);
        RUN(line_ends_a_byte_order_mark_and_special_numbers_are_read);
        RUN(the_tutorials_picture_of_a_keras_file);
    } else if (strcmp(g, "csv_errors") == 0) {
        RUN(malformed_files_get_exact_messages);
        RUN(a_file_that_cannot_be_read_is_an_io_error);
    } else if (strcmp(g, "arguments") == 0) {
        RUN(invalid_histories_are_refused_with_a_reason);
    } else if (strcmp(g, "svg_checker") == 0) {
        RUN(the_xml_checker_accepts_good_and_rejects_broken_documents);
    } else if (strcmp(g, "svg_content") == 0) {
        RUN(a_panel_for_the_loss_and_each_metric_with_both_curves);
        RUN(ticks_are_nice_numbers);
        RUN(keys_are_escaped_in_text_and_attributes);
        RUN(a_learning_rate_over_decades_is_drawn_on_a_log_scale);
        RUN(the_file_is_replaced_whole);
    } else if (strcmp(g, "svg_edge_cases") == 0) {
        RUN(one_epoch_is_drawn_as_dots);
        RUN(nan_and_infinity_leave_gaps);
        RUN(all_missing_values_say_so);
        RUN(constant_and_negative_series_get_a_range);
        RUN(thousands_of_epochs_thin_the_ticks);
        RUN(odd_keys_histories_and_extremes_stay_well_formed);
    } else if (strcmp(g, "svg_determinism") == 0) {
        RUN(the_same_history_gives_the_same_bytes);
    } else if (strcmp(g, "svg_golden") == 0) {
        RUN(the_picture_matches_the_golden_file);
    } else if (strcmp(g, "write_svg") == 0) {
        return write_svgs();
    } else {
        printf("unknown group %s\n", g);
        return 2;
    }
    return check_exit();
}
