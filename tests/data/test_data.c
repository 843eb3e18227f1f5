/*
 * test_data.c - the runtime's data loading: CSV files and their
 * preprocessing, IDX files, seeded splits.
 *
 * test_data GROUP runs one group of tests: csv, preprocessing, idx, split
 * (on the fixtures in tests/data/fixtures and on files written into the
 * build directory) or churn, mnist (on the real datasets in ../shared/data;
 * exit status 77, a skip, when they are absent).
 *
 * Paths come from CMake: KCC_DATA_FIXTURES, KCC_DATA_TMPDIR, KCC_DATA_SHARED.
 */
#include "kcc.h"

#include "../unit/check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifndef KCC_DATA_FIXTURES
#error "KCC_DATA_FIXTURES must name tests/data/fixtures"
#endif
#ifndef KCC_DATA_TMPDIR
#error "KCC_DATA_TMPDIR must name a writable directory"
#endif
#ifndef KCC_DATA_SHARED
#error "KCC_DATA_SHARED must name ../shared/data"
#endif

/* ---- helpers ------------------------------------------------------------ */

static void path_in(char *dst, size_t cap, const char *dir, const char *name)
{
    snprintf(dst, cap, "%s/%s", dir, name);
}

#define FIXTURE(buf, name) path_in(buf, sizeof buf, KCC_DATA_FIXTURES, name)
#define TMPFILE(buf, name) path_in(buf, sizeof buf, KCC_DATA_TMPDIR, name)

static int write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int write_text(const char *path, const char *text)
{
    return write_bytes(path, text, strlen(text));
}

static int write_gz(const char *path, const void *data, size_t n)
{
    gzFile g = gzopen(path, "wb9");
    if (!g)
        return 0;
    int ok = gzwrite(g, data, (unsigned)n) == (int)n;
    return gzclose(g) == Z_OK && ok;
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 20);
    *n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

static int file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* The tutorial's spec for the fixture people.csv. */
static kcc_csv_spec people_spec(void)
{
    kcc_csv_spec s;
    memset(&s, 0, sizeof s);
    s.target = "bought";
    s.drop = "id, name";
    s.label_encode = "sex,grade";
    s.one_hot = "city";
    s.drop_first = 1;
    s.scale = 1;
    return s;
}

/* people.csv encoded (before scaling), a row a sample: city Paris, Rome,
 * amsterdam (Berlin first, dropped), sex (F 0, M 1), grade ("10" 0, "100"
 * 1, "9" 2), age, income. */
static const double people_x[5][7] = {
    {1, 0, 0, 1, 0, 30, 1000},
    {0, 0, 0, 0, 2, 40, 2000.5},
    {0, 1, 0, 0, 1, 50, 3000},
    {1, 0, 0, 1, 2, 20, 500},
    {0, 0, 1, 1, 0, 60, 1500},
};
static const double people_y[5] = {1, 0, 1, 0, 0};

/* Hand computation: means and population standard deviations. */
static const double people_mean[7] = {0.4, 0.2, 0.2, 0.6, 1.0, 40.0, 1600.1};
static double people_std(int j)
{
    static const double var[7] = {0.24, 0.16, 0.16, 0.24, 0.8, 200.0, 740080.04};
    return sqrt(var[j]);
}

#define CHECK_ERROR(err, st, want_status, want_message)                         \
    do {                                                                       \
        CHECK_INT(st, want_status);                                            \
        CHECK_INT((err).status, want_status);                                  \
        CHECK_STR((err).message, want_message);                                \
    } while (0)

/* kcc_csv_load of fixture `name` fails with status and "<path>" suffix, and
 * leaves its outputs empty. */
#define CHECK_CSV_FAILS(name, spec, want_status, suffix)                        \
    do {                                                                       \
        char p_[512], m_[1024];                                                \
        FIXTURE(p_, name);                                                     \
        snprintf(m_, sizeof m_, "%s%s", p_, suffix);                           \
        kcc_dataset d_;                                                        \
        kcc_preprocessing pp_;                                                 \
        kcc_error e_;                                                          \
        memset(&e_, 0, sizeof e_);                                             \
        kcc_status s_ = kcc_csv_load(&d_, &pp_, p_, spec, &e_);                \
        CHECK_ERROR(e_, s_, want_status, m_);                                  \
        CHECK(d_.x == NULL && d_.y == NULL && d_.n == 0);                      \
        CHECK(pp_.columns == NULL && pp_.ncolumns == 0);                       \
    } while (0)

/* ---- CSV ---------------------------------------------------------------- */

TEST(the_fixture_really_has_crlf_line_ends_and_no_final_line_end)
{
    char p[512];
    FIXTURE(p, "people.csv");
    size_t n = 0;
    unsigned char *b = read_bytes(p, &n);
    REQUIRE(b != NULL);
    int crlf = 0;
    for (size_t i = 0; i + 1 < n; i++)
        crlf += b[i] == '\r' && b[i + 1] == '\n';
    CHECK_INT(crlf, 7); /* six records, one of them in quotes, and a blank line */
    CHECK(b[n - 1] == '0');
    free(b);
}

TEST(people_csv_loads_with_quotes_crlf_blank_lines_and_categories)
{
    char p[512];
    FIXTURE(p, "people.csv");
    kcc_csv_spec spec = people_spec();
    spec.scale = 0;
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(d.n, 5);
    CHECK_INT(d.x_size, 7);
    CHECK_INT(d.y_size, 1);
    CHECK_INT(pp.x_size, 7);
    CHECK_INT(pp.y_size, 1);
    CHECK_INT(pp.scaled, 0);
    CHECK_INT(pp.delimiter, ',');
    REQUIRE(d.x != NULL && d.y != NULL);
    for (int r = 0; r < 5; r++) {
        for (int j = 0; j < 7; j++)
            CHECK_DOUBLE(d.x[r * 7 + j], (float)people_x[r][j]);
        CHECK_DOUBLE(d.y[r], people_y[r]);
    }
    REQUIRE(pp.ncolumns == 8);
    static const char *names[8] = {"id", "name", "city", "sex", "grade", "age", "income", "bought"};
    static const kcc_column_use uses[8] = {KCC_COLUMN_DROP,    KCC_COLUMN_DROP,
                                           KCC_COLUMN_FEATURE, KCC_COLUMN_FEATURE,
                                           KCC_COLUMN_FEATURE, KCC_COLUMN_FEATURE,
                                           KCC_COLUMN_FEATURE, KCC_COLUMN_TARGET};
    for (int i = 0; i < 8; i++) {
        CHECK_STR(pp.columns[i].name, names[i]);
        CHECK_INT(pp.columns[i].use, uses[i]);
        CHECK_INT(pp.columns[i].scale, 0);
    }
    const kcc_column *city = &pp.columns[2], *sex = &pp.columns[3], *grade = &pp.columns[4];
    CHECK_INT(city->encoding, KCC_ENCODE_ONE_HOT);
    CHECK_INT(city->drop_first, 1);
    REQUIRE(city->ncategories == 4);
    /* Sorted as Python sorts strings: byte order, capitals first. */
    CHECK_STR(city->categories[0], "Berlin");
    CHECK_STR(city->categories[1], "Paris");
    CHECK_STR(city->categories[2], "Rome");
    CHECK_STR(city->categories[3], "amsterdam");
    CHECK_INT(sex->encoding, KCC_ENCODE_LABEL);
    REQUIRE(sex->ncategories == 2);
    CHECK_STR(sex->categories[0], "F");
    CHECK_STR(sex->categories[1], "M");
    /* Label encoding sorts strings, not numbers: "10" < "100" < "9". */
    REQUIRE(grade->ncategories == 3);
    CHECK_STR(grade->categories[0], "10");
    CHECK_STR(grade->categories[1], "100");
    CHECK_STR(grade->categories[2], "9");
    CHECK_INT(pp.columns[5].encoding, KCC_ENCODE_NUMBER);
    CHECK_INT(pp.columns[7].encoding, KCC_ENCODE_NUMBER);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
    CHECK(d.x == NULL && pp.columns == NULL);
    kcc_dataset_free(&d); /* twice is harmless */
    kcc_preprocessing_free(&pp);
}

TEST(one_hot_without_drop_first_keeps_every_category)
{
    char p[512];
    FIXTURE(p, "people.csv");
    kcc_csv_spec spec = people_spec();
    spec.drop_first = 0;
    spec.scale = 0;
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    REQUIRE(kcc_csv_load(&d, &pp, p, &spec, &err) == KCC_OK);
    CHECK_INT(d.x_size, 8);
    /* Row 2 is Berlin: 1 0 0 0, then sex F 0. */
    CHECK_DOUBLE(d.x[8 + 0], 1.0);
    CHECK_DOUBLE(d.x[8 + 1], 0.0);
    CHECK_DOUBLE(d.x[8 + 4], 0.0);
    /* Row 5 is amsterdam: 0 0 0 1. */
    CHECK_DOUBLE(d.x[4 * 8 + 3], 1.0);
    CHECK_DOUBLE(d.x[4 * 8 + 0], 0.0);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(a_features_list_selects_columns_and_drops_the_rest)
{
    char p[512];
    FIXTURE(p, "people.csv");
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.target = "bought";
    spec.features = "sex, age";
    spec.label_encode = "sex";
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    REQUIRE(kcc_csv_load(&d, &pp, p, &spec, &err) == KCC_OK);
    CHECK_INT(d.x_size, 2);
    CHECK_INT(d.y_size, 1);
    int dropped = 0;
    for (int i = 0; i < pp.ncolumns; i++)
        dropped += pp.columns[i].use == KCC_COLUMN_DROP;
    CHECK_INT(dropped, pp.ncolumns - 3);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
    spec.features = "sex, bought";
    CHECK(kcc_csv_load(&d, &pp, p, &spec, &err) == KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "both a feature and a target or dropped");
    spec.features = "height";
    CHECK(kcc_csv_load(&d, &pp, p, &spec, &err) == KCC_ERR_FORMAT);
    CHECK_CONTAINS(err.message, "the spec's features list names column 'height'");
}

TEST(a_categorical_target_is_encoded_and_keeps_every_class)
{
    char p[512];
    FIXTURE(p, "people.csv");
    kcc_csv_spec spec = people_spec();
    spec.target = "city,sex";
    spec.one_hot = "city";
    spec.label_encode = "sex";
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(d.x_size, 4); /* grade, age, income, bought */
    CHECK_INT(d.y_size, 5); /* city: all four classes (no drop_first), sex */
    CHECK_INT(pp.columns[2].drop_first, 0);
    CHECK_INT(pp.columns[2].scale, 0);
    static const float y[5][5] = {{0, 1, 0, 0, 1}, {1, 0, 0, 0, 0}, {0, 0, 1, 0, 0},
                                  {0, 1, 0, 0, 1}, {0, 0, 0, 1, 1}};
    for (int r = 0; r < 5; r++)
        for (int j = 0; j < 5; j++)
            CHECK_DOUBLE(d.y[r * 5 + j], y[r][j]);
    /* Saved and loaded, the encoding reads the file again the same way. */
    kcc_preprocessing_fit(&pp, &d);
    char js[512];
    TMPFILE(js, "target.pp.json");
    kcc_preprocessing back;
    REQUIRE(kcc_preprocessing_save(&pp, js, &err) == KCC_OK);
    REQUIRE(kcc_preprocessing_load(&back, js, &err) == KCC_OK);
    kcc_dataset again;
    REQUIRE(kcc_csv_load_with(&again, &back, p, &err) == KCC_OK);
    CHECK_INT(again.y_size, 5);
    CHECK(memcmp(again.y, d.y, sizeof(float) * 25) == 0);
    CHECK(memcmp(again.x, d.x, sizeof(float) * 20) == 0);
    kcc_dataset_free(&again);
    /* Targets all there or none: one of two is an error. */
    char half[512], want[1024];
    TMPFILE(half, "half_targets.csv");
    REQUIRE(write_text(half, "grade,age,income,bought,city\n10,30,1000,1,Paris\n"));
    st = kcc_csv_load_with(&again, &back, half, &err);
    snprintf(want, sizeof want,
             "%s:1: no column 'sex' (a target) in the header, though the target 'city' is there",
             half);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    /* None: x alone. */
    REQUIRE(write_text(half, "grade,age,income,bought\n10,30,1000,1\n"));
    REQUIRE(kcc_csv_load_with(&again, &back, half, &err) == KCC_OK);
    CHECK(again.y == NULL && again.n == 1);
    CHECK(memcmp(again.x, d.x, sizeof(float) * 4) == 0);
    kcc_dataset_free(&again);
    kcc_preprocessing_free(&back);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(a_byte_order_mark_is_skipped_and_spec_names_are_trimmed)
{
    char p[512];
    TMPFILE(p, "bom.csv");
    REQUIRE(write_text(p, "\xEF\xBB\xBF" "a,b,c\n1,2,3\n"));
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.target = " c ";
    spec.drop = "b\t, ,";
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_STR(pp.columns[0].name, "a");
    CHECK_INT(pp.columns[1].use, KCC_COLUMN_DROP);
    CHECK_INT(pp.columns[2].use, KCC_COLUMN_TARGET);
    CHECK_INT(d.x_size, 1);
    CHECK_DOUBLE(d.x[0], 1.0);
    CHECK_DOUBLE(d.y[0], 3.0);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(no_target_gives_no_y_and_a_semicolon_delimiter_works)
{
    char p[512];
    FIXTURE(p, "semicolon.csv");
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.drop = "note";
    spec.delimiter = ';';
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(d.n, 2);
    CHECK_INT(d.x_size, 3); /* a, b, y: nothing is a target */
    CHECK_INT(d.y_size, 0);
    CHECK(d.y == NULL);
    CHECK_INT(pp.delimiter, ';');
    static const float want[6] = {1, 2.5f, 0, 3, -4, 1};
    for (int i = 0; i < 6; i++)
        CHECK_DOUBLE(d.x[i], want[i]);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(malformed_files_are_format_errors_naming_file_line_and_column)
{
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    CHECK_CSV_FAILS("bad_fields.csv", &spec, KCC_ERR_FORMAT, ":3: expected 3 fields, got 2");
    CHECK_CSV_FAILS("bad_number.csv", &spec, KCC_ERR_FORMAT,
                    ":4: column 'Balance': expected a number, got 'abc'");
    CHECK_CSV_FAILS("bad_crlf.csv", &spec, KCC_ERR_FORMAT,
                    ":2: column 'b': expected a number, got 'x\\r\\ny'");
    spec.drop = "b";
    CHECK_CSV_FAILS("bad_crlf.csv", &spec, KCC_ERR_FORMAT,
                    ":7: column 'a': expected a number, got 'abc'");
    spec.drop = NULL;
    CHECK_CSV_FAILS("bad_empty.csv", &spec, KCC_ERR_FORMAT,
                    ":3: column 'b': expected a number, got an empty value");
    CHECK_CSV_FAILS("bad_range.csv", &spec, KCC_ERR_FORMAT,
                    ":3: column 'b': expected a number within float's range, got '1e39'");
    CHECK_CSV_FAILS("bad_quote.csv", &spec, KCC_ERR_FORMAT,
                    ":3: a quoted field is not closed before the end of the file");
    CHECK_CSV_FAILS("bad_after_quote.csv", &spec, KCC_ERR_FORMAT,
                    ":2: expected a delimiter or a line end after a closing quote, got 'x'");
    CHECK_CSV_FAILS("bad_duplicate.csv", &spec, KCC_ERR_FORMAT,
                    ":1: the header names column 'a' twice (fields 1 and 3)");
    CHECK_CSV_FAILS("header_only.csv", &spec, KCC_ERR_FORMAT, ": no data rows after the header");
    CHECK_CSV_FAILS("empty.csv", &spec, KCC_ERR_FORMAT, ": empty file: expected a header line");
    spec.label_encode = "g";
    CHECK_CSV_FAILS("bad_category_empty.csv", &spec, KCC_ERR_FORMAT,
                    ":3: column 'g': expected a category, got an empty value");
}

TEST(a_nul_byte_is_refused_in_csv_and_json)
{
    char p[512], want[1024];
    TMPFILE(p, "nul.csv");
    REQUIRE(write_bytes(p, "a,b\n1,2\n3,\0\n", 11));
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    snprintf(want, sizeof want, "%s:3: a NUL byte: not a text file", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    TMPFILE(p, "nul.pp.json");
    REQUIRE(write_bytes(p, "{\"format\"\0: 1}", 15));
    st = kcc_preprocessing_load(&pp, p, &err);
    snprintf(want, sizeof want, "%s:1:10: not valid JSON", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
}

TEST(text_from_the_file_is_escaped_in_messages)
{
    /* Column names and values with terminal escapes, a newline, a C1
     * control (U+009B) and a byte that is not UTF-8; UTF-8 text stays. */
    char p[512], want[1024];
    TMPFILE(p, "escapes.csv");
    REQUIRE(write_text(p, "\"a\x1b[2J\nb\",caf\xc3\xa9\xc2\x9b,g\n1,2,x\n1,z\xff,y\n"));
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.label_encode = "g";
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    snprintf(want, sizeof want, "%s:4: column 'caf\xc3\xa9\\xc2\\x9b': expected a number, got "
             "'z\\xff'", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    REQUIRE(write_text(p, "\"a\x1b[2J\nb\",g\nq,x\n"));
    st = kcc_csv_load(&d, &pp, p, &spec, &err);
    snprintf(want, sizeof want, "%s:3: column 'a\\x1b[2J\\nb': expected a number, got 'q'", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    /* A saved preprocessing's strings. */
    TMPFILE(p, "escapes.pp.json");
    REQUIRE(write_text(p, "{\"format\": \"kcc-preprocessing\", \"version\": 1, \"x_size\": 1, "
                          "\"y_size\": 0, \"columns\": [{\"name\": \"a\", \"use\": "
                          "\"\\u001b]0;x\\u0007\"}]}"));
    st = kcc_preprocessing_load(&pp, p, &err);
    snprintf(want, sizeof want, "%s: $.columns[0].use: expected \"feature\", \"target\" or "
             "\"drop\", got \"\\x1b]0;x\\x07\"", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
}

TEST(a_number_that_is_not_quite_a_number_is_refused)
{
    static const char *bad_values[] = {"1,5", "0x10", "nan", "inf", "1e", "--1", ".", "1 2", "e5"};
    char p[512];
    TMPFILE(p, "not_quite.csv");
    for (size_t i = 0; i < sizeof bad_values / sizeof *bad_values; i++) {
        char text[128], want[1024];
        snprintf(text, sizeof text, "a\n1\n\"%s\"\n", bad_values[i]);
        REQUIRE(write_text(p, text));
        snprintf(want, sizeof want, "%s:3: column 'a': expected a number, got '%s'", p,
                 bad_values[i]);
        kcc_csv_spec spec;
        memset(&spec, 0, sizeof spec);
        kcc_dataset d;
        kcc_preprocessing pp;
        kcc_error err;
        kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
        CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    }
    static const char *good_values[] = {"-1.5", "+2", ".5", "5.", " 3 ", "1E2", "-0.25e-1"};
    static const float good[] = {-1.5f, 2.0f, 0.5f, 5.0f, 3.0f, 100.0f, -0.025f};
    for (size_t i = 0; i < sizeof good_values / sizeof *good_values; i++) {
        char text[128];
        snprintf(text, sizeof text, "a\n\"%s\"\n", good_values[i]);
        REQUIRE(write_text(p, text));
        kcc_csv_spec spec;
        memset(&spec, 0, sizeof spec);
        kcc_dataset d;
        kcc_preprocessing pp;
        kcc_error err;
        REQUIRE(kcc_csv_load(&d, &pp, p, &spec, &err) == KCC_OK);
        CHECK_DOUBLE(d.x[0], good[i]);
        kcc_dataset_free(&d);
        kcc_preprocessing_free(&pp);
    }
}

TEST(a_spec_naming_a_missing_or_conflicting_column_is_an_error)
{
    kcc_csv_spec spec = people_spec();
    spec.target = "Bought";
    CHECK_CSV_FAILS("people.csv", &spec, KCC_ERR_FORMAT,
                    ":1: the spec's target list names column 'Bought', which the header lacks");
    spec = people_spec();
    spec.one_hot = "city,country";
    CHECK_CSV_FAILS("people.csv", &spec, KCC_ERR_FORMAT,
                    ":1: the spec's one_hot list names column 'country', which the header lacks");
    spec = people_spec();
    spec.drop = "id,name,bought";
    CHECK_CSV_FAILS("people.csv", &spec, KCC_ERR_INVALID,
                    ": the spec makes column 'bought' both a target and dropped");
    spec = people_spec();
    spec.one_hot = "city,sex";
    CHECK_CSV_FAILS("people.csv", &spec, KCC_ERR_INVALID,
                    ": the spec makes column 'sex' both label-encoded and one-hot");
    spec = people_spec();
    spec.label_encode = "sex,grade,name";
    CHECK_CSV_FAILS("people.csv", &spec, KCC_ERR_INVALID,
                    ": the spec makes column 'name' both dropped and label-encoded");
    memset(&spec, 0, sizeof spec);
    spec.target = "a,b";
    CHECK_CSV_FAILS("targets_only.csv", &spec, KCC_ERR_INVALID,
                    ": no feature columns: every column is a target or dropped");
    /* The model's input size, checked before the samples are allocated. */
    spec = people_spec();
    spec.x_size = 3;
    CHECK_CSV_FAILS("people.csv", &spec, KCC_ERR_INVALID,
                    ": the feature columns make 7 values a sample, the model takes 3");
    memset(&spec, 0, sizeof spec);
    spec.delimiter = '"';
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    char p[512];
    FIXTURE(p, "people.csv");
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_ERROR(err, st, KCC_ERR_INVALID, "the CSV delimiter cannot be a quote or a line break");
}

TEST(a_missing_file_is_an_io_error)
{
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    char p[512];
    FIXTURE(p, "no_such_file.csv");
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_INT(st, KCC_ERR_IO);
    CHECK_INT(err.status, KCC_ERR_IO);
    char want[600];
    snprintf(want, sizeof want, "%s: cannot open: ", p);
    CHECK(strncmp(err.message, want, strlen(want)) == 0);
    /* No error struct: the status alone. */
    CHECK_INT(kcc_csv_load(&d, &pp, p, &spec, NULL), KCC_ERR_IO);
}

/* ---- preprocessing ------------------------------------------------------ */

static int load_people(kcc_dataset *d, kcc_preprocessing *pp)
{
    char p[512];
    FIXTURE(p, "people.csv");
    kcc_csv_spec spec = people_spec();
    kcc_error err;
    return kcc_csv_load(d, pp, p, &spec, &err) == KCC_OK;
}

TEST(fit_matches_a_hand_computed_standard_scaler)
{
    kcc_dataset d;
    kcc_preprocessing pp;
    REQUIRE(load_people(&d, &pp));
    for (int i = 2; i <= 6; i++)
        CHECK_INT(pp.columns[i].scale, 1); /* spec.scale: every feature */
    CHECK_INT(pp.columns[7].scale, 0);     /* never a target */
    kcc_preprocessing_fit(&pp, &d);
    CHECK_INT(pp.scaled, 1);
    /* Per feature: city's three indicators, then one each. */
    const double *mean[7] = {&pp.columns[2].mean[0], &pp.columns[2].mean[1],
                             &pp.columns[2].mean[2], pp.columns[3].mean, pp.columns[4].mean,
                             pp.columns[5].mean, pp.columns[6].mean};
    const double *std[7] = {&pp.columns[2].std[0], &pp.columns[2].std[1], &pp.columns[2].std[2],
                            pp.columns[3].std, pp.columns[4].std, pp.columns[5].std,
                            pp.columns[6].std};
    for (int j = 0; j < 7; j++) {
        CHECK_NEAR(*mean[j], people_mean[j], 1e-12 * (1 + fabs(people_mean[j])));
        CHECK_NEAR(*std[j], people_std(j), 1e-12 * people_std(j));
    }
    for (int r = 0; r < 5; r++)
        for (int j = 0; j < 7; j++)
            CHECK_NEAR(d.x[r * 7 + j], (people_x[r][j] - people_mean[j]) / people_std(j), 1e-6);
    CHECK_NEAR(d.x[5], -1.0 / sqrt(2.0), 1e-7); /* age 30: (30 - 40) / sqrt(200) */
    for (int r = 0; r < 5; r++)
        CHECK_DOUBLE(d.y[r], people_y[r]); /* targets untouched */
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(a_constant_feature_gets_std_one_and_unscaled_columns_stay)
{
    char p[512];
    TMPFILE(p, "constant.csv");
    REQUIRE(write_text(p, "a,b,c\n0.1,1,5\n0.1,2,5\n0.1,3,5\n"));
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.scale = 1;
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    REQUIRE(kcc_csv_load(&d, &pp, p, &spec, &err) == KCC_OK);
    pp.columns[2].scale = 0; /* per column: c stays as it is */
    kcc_preprocessing_fit(&pp, &d);
    CHECK_DOUBLE(pp.columns[0].std[0], 1.0);
    CHECK_DOUBLE(pp.columns[0].mean[0], (float)0.1);
    CHECK_DOUBLE(d.x[0], 0.0);
    CHECK_DOUBLE(d.x[3], 0.0);
    CHECK_NEAR(d.x[1], -sqrt(1.5), 1e-6);
    CHECK_DOUBLE(d.x[2], 5.0);
    CHECK_DOUBLE(pp.columns[2].mean[0], 0.0);
    CHECK_DOUBLE(pp.columns[2].std[0], 1.0);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(apply_repeats_the_fitted_transform_on_other_data)
{
    kcc_dataset d, raw;
    kcc_preprocessing pp, pp2;
    REQUIRE(load_people(&d, &pp));
    REQUIRE(load_people(&raw, &pp2));
    kcc_preprocessing_apply(&pp, &raw); /* not fitted: nothing happens */
    CHECK_DOUBLE(raw.x[5], 30.0);
    kcc_preprocessing_fit(&pp, &d);
    kcc_preprocessing_apply(&pp, &raw);
    for (long i = 0; i < d.n * d.x_size; i++)
        CHECK_DOUBLE(raw.x[i], d.x[i]);
    kcc_dataset_free(&d);
    kcc_dataset_free(&raw);
    kcc_preprocessing_free(&pp);
    kcc_preprocessing_free(&pp2);
}

static void check_same_preprocessing(const kcc_preprocessing *a, const kcc_preprocessing *b)
{
    CHECK_INT(a->ncolumns, b->ncolumns);
    CHECK_INT(a->x_size, b->x_size);
    CHECK_INT(a->y_size, b->y_size);
    CHECK_INT(a->scaled, b->scaled);
    CHECK_INT(a->delimiter, b->delimiter);
    for (int i = 0; i < a->ncolumns && i < b->ncolumns; i++) {
        const kcc_column *x = &a->columns[i], *y = &b->columns[i];
        CHECK_STR(x->name, y->name);
        CHECK_INT(x->use, y->use);
        if (x->use == KCC_COLUMN_DROP)
            continue;
        CHECK_INT(x->encoding, y->encoding);
        CHECK_INT(x->drop_first, y->drop_first);
        CHECK_INT(x->scale, y->scale);
        CHECK_INT(x->ncategories, y->ncategories);
        for (int k = 0; k < x->ncategories && k < y->ncategories; k++)
            CHECK_STR(x->categories[k], y->categories[k]);
        if (x->use != KCC_COLUMN_FEATURE)
            continue;
        long w = x->encoding == KCC_ENCODE_ONE_HOT ? x->ncategories - x->drop_first : 1;
        for (long j = 0; j < w; j++) {
            CHECK_DOUBLE(x->mean[j], y->mean[j]); /* exactly: %.17g round trip */
            CHECK_DOUBLE(x->std[j], y->std[j]);
        }
    }
}

TEST(save_and_load_round_trip_exactly)
{
    kcc_dataset d;
    kcc_preprocessing pp, back;
    REQUIRE(load_people(&d, &pp));
    kcc_preprocessing_fit(&pp, &d);
    char p[512];
    TMPFILE(p, "people.pp.json");
    kcc_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(kcc_preprocessing_save(&pp, p, &err), KCC_OK);
    CHECK_STR(err.message, "");
    kcc_status st = kcc_preprocessing_load(&back, p, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    check_same_preprocessing(&pp, &back);
    kcc_preprocessing_free(&back);

    /* Unfitted too. */
    kcc_preprocessing raw;
    kcc_dataset d2;
    REQUIRE(load_people(&d2, &raw));
    CHECK_INT(kcc_preprocessing_save(&raw, p, &err), KCC_OK);
    REQUIRE(kcc_preprocessing_load(&back, p, &err) == KCC_OK);
    check_same_preprocessing(&raw, &back);
    CHECK_INT(back.scaled, 0);
    kcc_preprocessing_free(&back);
    kcc_preprocessing_free(&raw);
    kcc_dataset_free(&d2);

    /* A semicolon file keeps its delimiter. */
    char s[512];
    FIXTURE(s, "semicolon.csv");
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.delimiter = ';';
    spec.target = "y";
    spec.drop = "note";
    REQUIRE(kcc_csv_load(&d2, &raw, s, &spec, &err) == KCC_OK);
    CHECK_INT(kcc_preprocessing_save(&raw, p, &err), KCC_OK);
    REQUIRE(kcc_preprocessing_load(&back, p, &err) == KCC_OK);
    CHECK_INT(back.delimiter, ';');
    kcc_dataset d3;
    REQUIRE(kcc_csv_load_with(&d3, &back, s, &err) == KCC_OK);
    CHECK_INT(d3.n, 2);
    for (int i = 0; i < 4; i++)
        CHECK_DOUBLE(d3.x[i], d2.x[i]);
    kcc_dataset_free(&d3);
    kcc_dataset_free(&d2);
    kcc_preprocessing_free(&raw);
    kcc_preprocessing_free(&back);

    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(load_with_applies_the_same_transform_to_another_file)
{
    kcc_dataset d;
    kcc_preprocessing pp, back;
    REQUIRE(load_people(&d, &pp));
    kcc_preprocessing_fit(&pp, &d);
    char p[512], js[512];
    TMPFILE(js, "people2.pp.json");
    kcc_error err;
    REQUIRE(kcc_preprocessing_save(&pp, js, &err) == KCC_OK);
    REQUIRE(kcc_preprocessing_load(&back, js, &err) == KCC_OK);

    /* The training file itself: the same numbers, targets included. */
    FIXTURE(p, "people.csv");
    kcc_dataset again;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_csv_load_with(&again, &back, p, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(again.n, 5);
    CHECK_INT(again.y_size, 1);
    REQUIRE(again.y != NULL);
    for (long i = 0; i < 35; i++)
        CHECK_DOUBLE(again.x[i], d.x[i]);
    for (long i = 0; i < 5; i++)
        CHECK_DOUBLE(again.y[i], d.y[i]);
    kcc_dataset_free(&again);

    /* Another order of columns, an extra one, no name, no target. */
    FIXTURE(p, "people_new.csv");
    kcc_dataset nd;
    memset(&err, 0, sizeof err);
    st = kcc_csv_load_with(&nd, &back, p, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(nd.n, 3);
    CHECK_INT(nd.x_size, 7);
    CHECK_INT(nd.y_size, 0);
    CHECK(nd.y == NULL);
    for (int j = 0; j < 7; j++) {
        CHECK_DOUBLE(nd.x[j], d.x[j]);          /* = people row 1 */
        CHECK_DOUBLE(nd.x[7 + j], d.x[7 + j]);  /* = people row 2 */
    }
    static const double row3[7] = {0, 0, 1, 1, 2, 20, 500}; /* amsterdam, M, "9" */
    for (int j = 0; j < 7; j++)
        CHECK_NEAR(nd.x[14 + j], (row3[j] - people_mean[j]) / people_std(j), 1e-6);
    kcc_dataset_free(&nd);

    /* A category never seen. */
    char want[1024];
    FIXTURE(p, "people_unknown.csv");
    st = kcc_csv_load_with(&nd, &back, p, &err);
    snprintf(want, sizeof want, "%s:3: column 'city': unknown category 'Madrid'", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    CHECK(nd.x == NULL);

    /* A feature missing. */
    FIXTURE(p, "semicolon.csv");
    st = kcc_csv_load_with(&nd, &back, p, &err);
    snprintf(want, sizeof want, "%s:1: no column 'city' (a feature) in the header", p);
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);

    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
    kcc_preprocessing_free(&back);
}

/* kcc_preprocessing_load of `text` fails with "<path>" suffix. */
static void check_pp_load_fails(const char *text, const char *suffix, int line)
{
    char p[512], want[1024];
    TMPFILE(p, "bad.pp.json");
    if (!write_text(p, text)) {
        CHECK(!"cannot write the bad preprocessing file");
        return;
    }
    snprintf(want, sizeof want, "%s%s", p, suffix);
    kcc_preprocessing pp;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_preprocessing_load(&pp, p, &err);
    int before = check_failed_total;
    CHECK_ERROR(err, st, KCC_ERR_FORMAT, want);
    CHECK(pp.columns == NULL && pp.ncolumns == 0);
    if (check_failed_total != before)
        printf("    (the case at line %d)\n", line);
}

#define PP_HEAD "{\"format\": \"kcc-preprocessing\", \"version\": 1, \"scaled\": true, "
#define PP_COL_OK "{\"name\": \"a\", \"use\": \"feature\", \"encoding\": \"number\", " \
                  "\"scale\": true, \"mean\": [1], \"std\": [2]}"

TEST(a_bad_preprocessing_file_is_reported_with_its_json_path)
{
    {
        /* Where cJSON stops is its business: the line, and the words. */
        char p[512];
        TMPFILE(p, "bad.pp.json");
        REQUIRE(write_text(p, "{\"format\": \"kcc-preprocessing\",\n \"version\": 1,,}"));
        kcc_preprocessing pp;
        kcc_error err;
        CHECK_INT(kcc_preprocessing_load(&pp, p, &err), KCC_ERR_FORMAT);
        char want[600];
        snprintf(want, sizeof want, "%s:2:", p);
        CHECK(strncmp(err.message, want, strlen(want)) == 0);
        CHECK_CONTAINS(err.message, ": not valid JSON");
        CHECK(pp.columns == NULL);
    }
    check_pp_load_fails("[1, 2]", ": $: expected an object, got an array", __LINE__);
    check_pp_load_fails("{\"format\": \"other\"}", ": $.format: expected \"kcc-preprocessing\"",
                        __LINE__);
    check_pp_load_fails("{\"format\": \"kcc-preprocessing\", \"version\": 2}",
                        ": $.version: version 2 is not supported (this runtime reads 1)", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": {}}",
                        ": $.columns: expected an array, got an object", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": [" PP_COL_OK
                        ", {\"name\": \"b\", \"use\": \"both\"}]}",
                        ": $.columns[1].use: expected \"feature\", \"target\" or \"drop\", got \"both\"",
                        __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": [" PP_COL_OK
                        ", {\"name\": \"a\", \"use\": \"drop\"}]}",
                        ": $.columns[1].name: column \"a\" appears twice (also $.columns[0])",
                        __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 2, \"y_size\": 0, \"columns\": [{\"name\": \"g\", "
                        "\"use\": \"feature\", \"encoding\": \"one_hot\", \"categories\": [\"b\", \"a\"]}]}",
                        ": $.columns[0].categories[1]: categories must be sorted and distinct: \"a\" "
                        "after \"b\"",
                        __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": [{\"name\": \"g\", "
                        "\"use\": \"feature\", \"encoding\": \"label\", \"categories\": [\"a\", 3]}]}",
                        ": $.columns[0].categories[1]: expected a string, got a number", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 2, \"y_size\": 0, \"columns\": [{\"name\": \"g\", "
                        "\"use\": \"feature\", \"encoding\": \"one_hot\", \"drop_first\": true, "
                        "\"scale\": true, \"categories\": [\"a\", \"b\", \"c\"], \"mean\": [0, 0, 0], "
                        "\"std\": [1, 1]}]}",
                        ": $.columns[0].mean: expected 2 numbers (the column's features), got 3",
                        __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": [{\"name\": \"a\", "
                        "\"use\": \"feature\", \"encoding\": \"number\", \"scale\": true, "
                        "\"mean\": [1], \"std\": [0]}]}",
                        ": $.columns[0].std[0]: expected a positive number, got 0", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 3, \"y_size\": 0, \"columns\": [" PP_COL_OK "]}",
                        ": $.x_size: 3 does not match the columns' 1 features", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 1, \"columns\": [" PP_COL_OK "]}",
                        ": $.y_size: 1 does not match the columns' 0 targets", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1.5, \"y_size\": 0, \"columns\": [" PP_COL_OK "]}",
                        ": $.x_size: expected a whole number >= 0, got 1.5", __LINE__);
    check_pp_load_fails(PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": [{\"name\": \"a\", "
                        "\"use\": \"feature\", \"encoding\": \"number\", \"scale\": 1}]}",
                        ": $.columns[0].scale: expected a boolean, got a number", __LINE__);

    /* And a good one, written by hand, loads. */
    char p[512];
    TMPFILE(p, "good.pp.json");
    REQUIRE(write_text(p, PP_HEAD "\"x_size\": 1, \"y_size\": 0, \"columns\": [" PP_COL_OK "]}"));
    kcc_preprocessing pp;
    kcc_error err;
    REQUIRE(kcc_preprocessing_load(&pp, p, &err) == KCC_OK);
    CHECK_INT(pp.ncolumns, 1);
    CHECK_DOUBLE(pp.columns[0].mean[0], 1.0);
    CHECK_DOUBLE(pp.columns[0].std[0], 2.0);
    CHECK_INT(pp.delimiter, ',');
    kcc_preprocessing_free(&pp);
}

/* ---- IDX ---------------------------------------------------------------- */

static void put32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Three 2x3 images: pixel i of image k is 40 * k + 10 * i + 5; labels 7 0 3. */
static size_t make_images(unsigned char *b, unsigned magic, unsigned count)
{
    put32(b, magic);
    put32(b + 4, count);
    put32(b + 8, 2);
    put32(b + 12, 3);
    for (unsigned k = 0; k < 3; k++)
        for (unsigned i = 0; i < 6; i++)
            b[16 + k * 6 + i] = (unsigned char)(40 * k + 10 * i + 5);
    return 16 + 18;
}

static size_t make_labels(unsigned char *b, unsigned count, const unsigned char *labels)
{
    put32(b, 0x00000801);
    put32(b + 4, count);
    memcpy(b + 8, labels, count);
    return 8 + count;
}

static void idx_paths(char *img, char *lab, size_t cap, const char *tag)
{
    char name[64];
    snprintf(name, sizeof name, "%s-images.idx", tag);
    path_in(img, cap, KCC_DATA_TMPDIR, name);
    snprintf(name, sizeof name, "%s-labels.idx", tag);
    path_in(lab, cap, KCC_DATA_TMPDIR, name);
}

static void check_small_idx(const char *img, const char *lab)
{
    kcc_dataset d;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_idx_load(&d, img, lab, 1.0 / 255.0, 1, &err);
    CHECK_STR(err.message, "");
    if (st != KCC_OK)
        return;
    CHECK_INT(d.n, 3);
    CHECK_INT(d.x_size, 6);
    CHECK_INT(d.y_size, 10);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 6; i++)
            CHECK_DOUBLE(d.x[k * 6 + i], (float)((40 * k + 10 * i + 5) * (1.0 / 255.0)));
    static const int labels[3] = {7, 0, 3};
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < 10; c++)
            CHECK_DOUBLE(d.y[k * 10 + c], c == labels[k] ? 1.0 : 0.0);
    kcc_dataset_free(&d);

    REQUIRE(kcc_idx_load(&d, img, lab, 1.0, 0, &err) == KCC_OK);
    CHECK_INT(d.y_size, 1);
    CHECK_DOUBLE(d.x[6], 45.0);
    for (int k = 0; k < 3; k++)
        CHECK_DOUBLE(d.y[k], labels[k]);
    kcc_dataset_free(&d);

    /* Images alone. */
    REQUIRE(kcc_idx_load(&d, img, NULL, 1.0, 1, &err) == KCC_OK);
    CHECK(d.y == NULL);
    CHECK_INT(d.y_size, 0);
    CHECK_INT(d.n, 3);
    kcc_dataset_free(&d);
}

TEST(raw_and_gzipped_idx_files_load_the_same)
{
    unsigned char ib[64], lb[16];
    static const unsigned char labels[3] = {7, 0, 3};
    size_t ni = make_images(ib, 0x00000803, 3), nl = make_labels(lb, 3, labels);
    char img[512], lab[512];
    idx_paths(img, lab, sizeof img, "raw");
    REQUIRE(write_bytes(img, ib, ni) && write_bytes(lab, lb, nl));
    check_small_idx(img, lab);
    idx_paths(img, lab, sizeof img, "gz");
    REQUIRE(write_gz(img, ib, ni) && write_gz(lab, lb, nl));
    size_t n = 0;
    unsigned char *b = read_bytes(img, &n);
    REQUIRE(b != NULL);
    CHECK(n > 2 && b[0] == 0x1f && b[1] == 0x8b); /* really gzipped */
    free(b);
    check_small_idx(img, lab);
}

TEST(one_hot_labels_have_ten_classes_or_the_largest_label_plus_one)
{
    unsigned char ib[64], lb[16];
    static const unsigned char few[3] = {1, 0, 1}, many[3] = {12, 0, 3};
    char img[512], lab[512];
    idx_paths(img, lab, sizeof img, "classes");
    REQUIRE(write_bytes(img, ib, make_images(ib, 0x00000803, 3)));
    kcc_dataset d;
    kcc_error err;
    REQUIRE(write_bytes(lab, lb, make_labels(lb, 3, few)));
    REQUIRE(kcc_idx_load(&d, img, lab, 1.0, 1, &err) == KCC_OK);
    CHECK_INT(d.y_size, 10);
    kcc_dataset_free(&d);
    REQUIRE(write_bytes(lab, lb, make_labels(lb, 3, many)));
    REQUIRE(kcc_idx_load(&d, img, lab, 1.0, 1, &err) == KCC_OK);
    CHECK_INT(d.y_size, 13);
    CHECK_DOUBLE(d.y[12], 1.0);
    CHECK_DOUBLE(d.y[13 + 0], 1.0);
    CHECK_DOUBLE(d.y[26 + 3], 1.0);
    kcc_dataset_free(&d);
}

/* kcc_idx_load(img, lab) fails with status and message (%s: img, then lab). */
static void check_idx_fails(const char *img, const char *lab, kcc_status want,
                            const char *message, int line)
{
    kcc_dataset d;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_idx_load(&d, img, lab, 1.0, 1, &err);
    int before = check_failed_total;
    CHECK_ERROR(err, st, want, message);
    CHECK(d.x == NULL && d.y == NULL && d.n == 0);
    if (check_failed_total != before)
        printf("    (the case at line %d)\n", line);
}

TEST(bad_idx_files_are_reported_with_the_file_and_what_is_wrong)
{
    unsigned char ib[64], lb[16], tmp[64];
    static const unsigned char labels[3] = {7, 0, 3};
    size_t ni = make_images(ib, 0x00000803, 3), nl = make_labels(lb, 3, labels);
    char img[512], lab[512], bad[512], want[2048];
    idx_paths(img, lab, sizeof img, "good");
    REQUIRE(write_bytes(img, ib, ni) && write_bytes(lab, lb, nl));
    TMPFILE(bad, "bad.idx");

    /* Labels given as images, images as labels. */
    snprintf(want, sizeof want, "%s: bad magic 0x00000801, expected 0x00000803 (IDX images)", lab);
    check_idx_fails(lab, img, KCC_ERR_FORMAT, want, __LINE__);
    snprintf(want, sizeof want, "%s: bad magic 0x00000803, expected 0x00000801 (IDX labels)", img);
    check_idx_fails(img, img, KCC_ERR_FORMAT, want, __LINE__);
    /* A header cut short. */
    REQUIRE(write_bytes(bad, ib, 10));
    snprintf(want, sizeof want,
             "%s: truncated: the IDX images header needs 16 bytes, the file has 10", bad);
    check_idx_fails(bad, lab, KCC_ERR_FORMAT, want, __LINE__);
    /* Pixels cut short, raw and gzipped. */
    REQUIRE(write_bytes(bad, ib, ni - 5));
    snprintf(want, sizeof want,
             "%s: truncated: 3 images of 2x3 need 18 bytes after the header, the file has 13", bad);
    check_idx_fails(bad, lab, KCC_ERR_FORMAT, want, __LINE__);
    REQUIRE(write_gz(bad, ib, ni - 5));
    check_idx_fails(bad, lab, KCC_ERR_FORMAT, want, __LINE__);
    /* A gzip stream cut short. */
    REQUIRE(write_gz(bad, ib, ni));
    size_t gn = 0;
    unsigned char *g = read_bytes(bad, &gn);
    REQUIRE(g != NULL && gn > 12);
    REQUIRE(write_bytes(bad, g, gn - 6));
    {
        kcc_dataset d;
        kcc_error err;
        kcc_status st = kcc_idx_load(&d, bad, lab, 1.0, 1, &err);
        CHECK_INT(st, KCC_ERR_FORMAT);
        CHECK_CONTAINS(err.message, bad);
        CHECK_CONTAINS(err.message, "truncated");
        CHECK_CONTAINS(err.message, "gzip stream ends early");
    }
    /* Corrupt compressed data: the CRC or the stream itself fails. */
    g[gn - 7] ^= 0xff; /* the last byte of the CRC */
    REQUIRE(write_bytes(bad, g, gn));
    {
        kcc_dataset d;
        kcc_error err;
        kcc_status st = kcc_idx_load(&d, bad, lab, 1.0, 1, &err);
        CHECK_INT(st, KCC_ERR_FORMAT);
        CHECK_CONTAINS(err.message, "corrupt gzip data");
    }
    free(g);
    /* Bytes after the data. */
    memcpy(tmp, ib, ni);
    memcpy(tmp + ni, "xyz", 3);
    REQUIRE(write_bytes(bad, tmp, ni + 3));
    snprintf(want, sizeof want, "%s: 3 unexpected bytes after the data", bad);
    check_idx_fails(bad, lab, KCC_ERR_FORMAT, want, __LINE__);
    /* Counts. */
    REQUIRE(write_bytes(bad, lb, make_labels(lb, 2, labels)));
    snprintf(want, sizeof want, "%s: 2 labels, but %s has 3 images", bad, img);
    check_idx_fails(img, bad, KCC_ERR_FORMAT, want, __LINE__);
    memcpy(tmp, ib, ni);
    put32(tmp + 4, 0);
    REQUIRE(write_bytes(bad, tmp, 16));
    snprintf(want, sizeof want, "%s: the header says 0 images", bad);
    check_idx_fails(bad, lab, KCC_ERR_FORMAT, want, __LINE__);
    put32(tmp + 4, 3);
    put32(tmp + 12, 0);
    REQUIRE(write_bytes(bad, tmp, ni));
    snprintf(want, sizeof want, "%s: the header says images of 2x0", bad);
    check_idx_fails(bad, lab, KCC_ERR_FORMAT, want, __LINE__);
    /* A header claiming far more than the file holds: no huge allocation. */
    put32(tmp + 4, 4000000000u);
    put32(tmp + 8, 60000);
    put32(tmp + 12, 60000);
    REQUIRE(write_bytes(bad, tmp, ni));
    snprintf(want, sizeof want,
             "%s: the header's sizes (4000000000 images of 60000x60000) are too large", bad);
    check_idx_fails(bad, NULL, KCC_ERR_FORMAT, want, __LINE__);
    put32(tmp + 4, 4000000);
    put32(tmp + 8, 28);
    put32(tmp + 12, 28);
    REQUIRE(write_bytes(bad, tmp, ni));
    snprintf(want, sizeof want,
             "%s: truncated: 4000000 images of 28x28 need 3136000000 bytes after the header, "
             "the file has 18", bad);
    check_idx_fails(bad, NULL, KCC_ERR_FORMAT, want, __LINE__);
    /* Label bytes cut short. */
    REQUIRE(write_bytes(bad, lb, make_labels(lb, 3, labels) - 1));
    snprintf(want, sizeof want,
             "%s: truncated: 3 labels need 3 bytes after the header, the file has 2", bad);
    check_idx_fails(img, bad, KCC_ERR_FORMAT, want, __LINE__);
    /* A missing file. */
    TMPFILE(bad, "no-such-file.idx");
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", bad);
    check_idx_fails(bad, lab, KCC_ERR_IO, want, __LINE__);
    check_idx_fails(img, bad, KCC_ERR_IO, want, __LINE__);
    check_idx_fails(NULL, lab, KCC_ERR_INVALID, "kcc_idx_load: no image file", __LINE__);
}

TEST(idx_sizes_are_checked_against_the_file_before_the_data_is_read)
{
    unsigned char ib[64], tmp[64];
    size_t ni = make_images(ib, 0x00000803, 3);
    char img[512], lab[512], bad[512], want[2048];
    idx_paths(img, lab, sizeof img, "sizes");
    TMPFILE(bad, "sizes-bad.idx");
    REQUIRE(write_bytes(img, ib, ni));
    /* The header alone says what a file holds. */
    long count = -1, size = -1;
    kcc_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(kcc_idx_info(&count, &size, img, &err), KCC_OK);
    CHECK_INT(count, 3);
    CHECK_INT(size, 6);
    REQUIRE(write_gz(bad, ib, ni));
    CHECK_INT(kcc_idx_info(&count, &size, bad, &err), KCC_OK);
    CHECK_INT(count, 3);
    CHECK_INT(size, 6);
    REQUIRE(write_bytes(bad, "\0\0\x08\x01\0\0\0\x05", 8));
    CHECK_INT(kcc_idx_info(&count, &size, bad, &err), KCC_OK);
    CHECK_INT(count, 5);
    CHECK_INT(size, 1);
    REQUIRE(write_bytes(bad, "\0\0\x0b\x01\0\0\0\x05", 8));
    snprintf(want, sizeof want, "%s: not an IDX file of unsigned bytes", bad);
    CHECK_ERROR(err, kcc_idx_info(&count, &size, bad, &err), KCC_ERR_FORMAT, want);
    /* A gzipped file cannot hold more than 1032 times its size. */
    memcpy(tmp, ib, ni);
    put32(tmp + 4, 4000000);
    put32(tmp + 8, 28);
    put32(tmp + 12, 28);
    REQUIRE(write_gz(bad, tmp, ni));
    size_t gn = 0;
    free(read_bytes(bad, &gn));
    snprintf(want, sizeof want,
             "%s: truncated: 4000000 images of 28x28 need 3136000000 bytes after the header, "
             "more than a gzip file of %zu bytes holds", bad, gn);
    check_idx_fails(bad, NULL, KCC_ERR_FORMAT, want, __LINE__);
    /* Past the data, a gzipped file is decompressed a chunk further at
     * most. */
    size_t big = 16 + 18 + 100000;
    unsigned char *b = calloc(big, 1);
    REQUIRE(b != NULL);
    memcpy(b, ib, ni);
    int wrote = write_gz(bad, b, big);
    free(b);
    REQUIRE(wrote);
    snprintf(want, sizeof want, "%s: 65536 or more unexpected bytes after the data", bad);
    check_idx_fails(bad, NULL, KCC_ERR_FORMAT, want, __LINE__);
}

/* ---- split -------------------------------------------------------------- */

static void make_counting(kcc_dataset *d, long n, int with_y)
{
    d->n = n;
    d->x_size = 2;
    d->y_size = with_y ? 1 : 0;
    d->x = malloc(sizeof(float) * (size_t)(2 * n + 1));
    d->y = with_y ? malloc(sizeof(float) * (size_t)(n + 1)) : NULL;
    for (long i = 0; i < n; i++) {
        d->x[2 * i] = (float)i;
        d->x[2 * i + 1] = (float)(-i);
        if (with_y)
            d->y[i] = (float)(i % 7);
    }
}

/* Both parts in order, disjoint, together all, rows intact. */
static void check_partition(const kcc_dataset *all, const kcc_dataset *a, const kcc_dataset *b)
{
    CHECK_INT(a->n + b->n, all->n);
    char *seen = calloc((size_t)all->n + 1, 1);
    const kcc_dataset *parts[2] = {a, b};
    for (int p = 0; p < 2; p++) {
        const kcc_dataset *d = parts[p];
        CHECK_INT(d->x_size, all->x_size);
        for (long i = 0; i < d->n; i++) {
            long k = (long)d->x[2 * i];
            CHECK(k >= 0 && k < all->n);
            if (k < 0 || k >= all->n)
                continue;
            CHECK(!seen[k]);
            seen[k] = 1;
            CHECK_DOUBLE(d->x[2 * i + 1], -(double)k);
            if (all->y)
                CHECK_DOUBLE(d->y[i], (double)(k % 7));
            if (i > 0)
                CHECK(d->x[2 * i] > d->x[2 * (i - 1)]);
        }
    }
    free(seen);
}

TEST(a_split_has_the_rounded_sizes_keeps_order_and_loses_nothing)
{
    kcc_dataset all, train, test;
    make_counting(&all, 10, 1);
    kcc_error err;
    REQUIRE(kcc_dataset_split(&train, &test, &all, 0.3, 42, &err) == KCC_OK);
    CHECK_INT(test.n, 3);
    CHECK_INT(train.n, 7);
    CHECK_INT(train.y_size, 1);
    check_partition(&all, &train, &test);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    /* round(0.25 * 10) = round(2.5) = 3, halves away from zero. */
    REQUIRE(kcc_dataset_split(&train, &test, &all, 0.25, 1, &err) == KCC_OK);
    CHECK_INT(test.n, 3);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    /* round(0.24 * 10) = 2. */
    REQUIRE(kcc_dataset_split(&train, &test, &all, 0.24, 1, &err) == KCC_OK);
    CHECK_INT(test.n, 2);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    /* Nothing for testing. */
    REQUIRE(kcc_dataset_split(&train, &test, &all, 0.0, 1, &err) == KCC_OK);
    CHECK_INT(test.n, 0);
    CHECK_INT(train.n, 10);
    check_partition(&all, &train, &test);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    kcc_dataset_free(&all);

    /* Without targets. */
    make_counting(&all, 1001, 0);
    REQUIRE(kcc_dataset_split(&train, &test, &all, 0.2, 7, &err) == KCC_OK);
    CHECK_INT(test.n, 200);
    CHECK(train.y == NULL && test.y == NULL);
    check_partition(&all, &train, &test);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    kcc_dataset_free(&all);
}

TEST(a_split_is_determined_by_its_seed)
{
    kcc_dataset all, a1, b1, a2, b2;
    make_counting(&all, 100, 1);
    kcc_error err;
    REQUIRE(kcc_dataset_split(&a1, &b1, &all, 0.2, 1234, &err) == KCC_OK);
    REQUIRE(kcc_dataset_split(&a2, &b2, &all, 0.2, 1234, &err) == KCC_OK);
    REQUIRE(b1.n == 20 && b2.n == 20);
    CHECK(memcmp(b1.x, b2.x, sizeof(float) * 40) == 0);
    CHECK(memcmp(a1.x, a2.x, sizeof(float) * 160) == 0);
    /* The test part is not simply the first or the last rows. */
    CHECK(!(b1.x[0] == 0 && b1.x[38] == 19));
    CHECK(!(b1.x[0] == 80 && b1.x[38] == 99));
    kcc_dataset_free(&a2);
    kcc_dataset_free(&b2);
    int differs = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        REQUIRE(kcc_dataset_split(&a2, &b2, &all, 0.2, seed, &err) == KCC_OK);
        differs += memcmp(b1.x, b2.x, sizeof(float) * 40) != 0;
        kcc_dataset_free(&a2);
        kcc_dataset_free(&b2);
    }
    CHECK_INT(differs, 5);
    /* Every row is picked now and then: the choice covers the whole set. */
    int hits[100] = {0};
    for (uint64_t seed = 0; seed < 200; seed++) {
        REQUIRE(kcc_dataset_split(&a2, &b2, &all, 0.2, seed, &err) == KCC_OK);
        for (long i = 0; i < b2.n; i++)
            hits[(int)b2.x[2 * i]]++;
        kcc_dataset_free(&a2);
        kcc_dataset_free(&b2);
    }
    int min = 1000, max = 0;
    for (int i = 0; i < 100; i++) {
        min = hits[i] < min ? hits[i] : min;
        max = hits[i] > max ? hits[i] : max;
    }
    CHECK(min >= 15 && max <= 70); /* expected 40 each */
    kcc_dataset_free(&a1);
    kcc_dataset_free(&b1);
    kcc_dataset_free(&all);
}

TEST(a_split_refuses_fractions_outside_zero_to_one)
{
    kcc_dataset all, train, test;
    make_counting(&all, 10, 1);
    kcc_error err;
    kcc_status st = kcc_dataset_split(&train, &test, &all, 1.0, 1, &err);
    CHECK_ERROR(err, st, KCC_ERR_INVALID,
                "kcc_dataset_split: the test fraction 1 is not in [0, 1)");
    st = kcc_dataset_split(&train, &test, &all, -0.1, 1, &err);
    CHECK_ERROR(err, st, KCC_ERR_INVALID,
                "kcc_dataset_split: the test fraction -0.1 is not in [0, 1)");
    st = kcc_dataset_split(&train, &test, &all, NAN, 1, &err);
    CHECK_INT(st, KCC_ERR_INVALID);
    CHECK(train.x == NULL && test.x == NULL);
    st = kcc_dataset_split(&train, &train, &all, 0.5, 1, &err);
    CHECK_INT(st, KCC_ERR_INVALID);
    kcc_dataset_free(&all);
}

/* ---- the real datasets -------------------------------------------------- */

static int skipped;

TEST(the_tutorials_churn_preparation)
{
    char p[512];
    path_in(p, sizeof p, KCC_DATA_SHARED, "Churn_Modelling.csv");
    if (!file_exists(p)) {
        printf("skip: %s is absent\n", p);
        skipped = 1;
        CHECK(1);
        return;
    }
    kcc_csv_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.target = "Exited";
    spec.drop = "RowNumber,CustomerId,Surname";
    spec.label_encode = "Gender";
    spec.one_hot = "Geography";
    spec.drop_first = 1;
    spec.scale = 1;
    kcc_dataset d;
    kcc_preprocessing pp;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_csv_load(&d, &pp, p, &spec, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(d.n, 10000);
    CHECK_INT(d.x_size, 11);
    CHECK_INT(d.y_size, 1);
    CHECK_INT(pp.ncolumns, 14);
    /* Row 1: 619,France,Female,42,2,0,1,1,1,101348.88 -> France dropped. */
    static const float row1[11] = {619, 0, 0, 0, 42, 2, 0, 1, 1, 1, 101348.88f};
    for (int j = 0; j < 11; j++)
        CHECK_DOUBLE(d.x[j], row1[j]);
    /* Row 2: 608,Spain,Female,41,1,83807.86,... */
    CHECK_DOUBLE(d.x[11 + 2], 1.0);
    CHECK_DOUBLE(d.x[11 + 6], 83807.86f);
    /* The last row: 792,France,Female,28,4,130142.79,1,1,0,38190.78,0 */
    CHECK_DOUBLE(d.x[9999 * 11 + 6], 130142.79f);
    CHECK_DOUBLE(d.y[9999], 0.0);
    double positives = 0;
    for (long i = 0; i < d.n; i++)
        positives += d.y[i];
    CHECK_DOUBLE(positives, 2037);
    const kcc_column *geo = &pp.columns[4], *gender = &pp.columns[5];
    REQUIRE(geo->ncategories == 3 && gender->ncategories == 2);
    CHECK_STR(geo->categories[0], "France");
    CHECK_STR(geo->categories[1], "Germany");
    CHECK_STR(geo->categories[2], "Spain");
    CHECK_STR(gender->categories[0], "Female");
    CHECK_STR(gender->categories[1], "Male");

    kcc_preprocessing_fit(&pp, &d);
    /* Statistics of the file (Python, float64 over the float32 values). */
    static const double mean[11] = {650.5288, 0.2509, 0.2477, 0.5457, 38.9218, 5.0128,
                                    76485.88928129883, 1.5302, 0.7055, 0.5151,
                                    100090.23985771237};
    static const double std[11] = {96.64846595037089, 0.43353107155081744, 0.43167662665472173,
                                   0.4979071298947224, 10.487282048271611, 2.8920297647154327,
                                   62394.285230984526, 0.5816252745539864, 0.45581767188208056,
                                   0.4997719379877186, 57507.6172138243};
    int col[11] = {3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12}, sub[11] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int j = 0; j < 11; j++) {
        const kcc_column *c = &pp.columns[col[j]];
        CHECK_NEAR(c->mean[sub[j]], mean[j], 1e-9 * fabs(mean[j]));
        CHECK_NEAR(c->std[sub[j]], std[j], 1e-9 * std[j]);
        double s = 0, ss = 0;
        for (long i = 0; i < d.n; i++) {
            s += d.x[i * 11 + j];
            ss += (double)d.x[i * 11 + j] * d.x[i * 11 + j];
        }
        CHECK_NEAR(s / d.n, 0.0, 1e-6);
        CHECK_NEAR(ss / d.n, 1.0, 1e-5);
    }

    /* load_with on the same file gives the same matrix. */
    kcc_dataset again;
    REQUIRE(kcc_csv_load_with(&again, &pp, p, &err) == KCC_OK);
    CHECK(memcmp(again.x, d.x, sizeof(float) * 110000) == 0);
    CHECK(memcmp(again.y, d.y, sizeof(float) * 10000) == 0);
    kcc_dataset_free(&again);

    kcc_dataset train, test;
    REQUIRE(kcc_dataset_split(&train, &test, &d, 0.2, 0, &err) == KCC_OK);
    CHECK_INT(train.n, 8000);
    CHECK_INT(test.n, 2000);
    double tp = 0;
    for (long i = 0; i < test.n; i++)
        tp += test.y[i];
    CHECK(tp / test.n > 0.16 && tp / test.n < 0.25);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    kcc_dataset_free(&d);
    kcc_preprocessing_free(&pp);
}

TEST(the_mnist_test_set)
{
    char img[512], lab[512];
    path_in(img, sizeof img, KCC_DATA_SHARED, "t10k-images-idx3-ubyte.gz");
    path_in(lab, sizeof lab, KCC_DATA_SHARED, "t10k-labels-idx1-ubyte.gz");
    if (!file_exists(img) || !file_exists(lab)) {
        printf("skip: %s or %s is absent\n", img, lab);
        skipped = 1;
        CHECK(1);
        return;
    }
    kcc_dataset d;
    kcc_error err;
    memset(&err, 0, sizeof err);
    kcc_status st = kcc_idx_load(&d, img, lab, 1.0 / 255.0, 1, &err);
    CHECK_STR(err.message, "");
    REQUIRE(st == KCC_OK);
    CHECK_INT(d.n, 10000);
    CHECK_INT(d.x_size, 784);
    CHECK_INT(d.y_size, 10);
    static const int first[10] = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
    for (int i = 0; i < 10; i++)
        for (int c = 0; c < 10; c++)
            CHECK_DOUBLE(d.y[i * 10 + c], c == first[i] ? 1.0 : 0.0);
    double sum = 0, first_sum = 0;
    float lo = 1, hi = 0;
    for (long i = 0; i < d.n * d.x_size; i++) {
        sum += d.x[i];
        lo = d.x[i] < lo ? d.x[i] : lo;
        hi = d.x[i] > hi ? d.x[i] : hi;
        if (i < 784)
            first_sum += d.x[i];
    }
    CHECK_DOUBLE(lo, 0.0);
    CHECK_DOUBLE(hi, 1.0);
    CHECK_NEAR(sum, 264923200.0 / 255.0, 1e-2);       /* all pixel bytes */
    CHECK_NEAR(first_sum, 18454.0 / 255.0, 1e-4);     /* the first image's */
    kcc_dataset_free(&d);

    REQUIRE(kcc_idx_load(&d, img, lab, 1.0, 0, &err) == KCC_OK);
    CHECK_INT(d.y_size, 1);
    static const int count[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    int seen[10] = {0};
    for (long i = 0; i < d.n; i++)
        seen[(int)d.y[i]]++;
    for (int c = 0; c < 10; c++)
        CHECK_INT(seen[c], count[c]);
    kcc_dataset_free(&d);
}

int main(int argc, char **argv)
{
    const char *group = argc > 1 ? argv[1] : "";
    if (strcmp(group, "csv") == 0) {
        RUN(the_fixture_really_has_crlf_line_ends_and_no_final_line_end);
        RUN(people_csv_loads_with_quotes_crlf_blank_lines_and_categories);
        RUN(one_hot_without_drop_first_keeps_every_category);
        RUN(a_features_list_selects_columns_and_drops_the_rest);
        RUN(a_categorical_target_is_encoded_and_keeps_every_class);
        RUN(a_byte_order_mark_is_skipped_and_spec_names_are_trimmed);
        RUN(no_target_gives_no_y_and_a_semicolon_delimiter_works);
        RUN(malformed_files_are_format_errors_naming_file_line_and_column);
        RUN(a_nul_byte_is_refused_in_csv_and_json);
        RUN(text_from_the_file_is_escaped_in_messages);
        RUN(a_number_that_is_not_quite_a_number_is_refused);
        RUN(a_spec_naming_a_missing_or_conflicting_column_is_an_error);
        RUN(a_missing_file_is_an_io_error);
    } else if (strcmp(group, "preprocessing") == 0) {
        RUN(fit_matches_a_hand_computed_standard_scaler);
        RUN(a_constant_feature_gets_std_one_and_unscaled_columns_stay);
        RUN(apply_repeats_the_fitted_transform_on_other_data);
        RUN(save_and_load_round_trip_exactly);
        RUN(load_with_applies_the_same_transform_to_another_file);
        RUN(a_bad_preprocessing_file_is_reported_with_its_json_path);
    } else if (strcmp(group, "idx") == 0) {
        RUN(raw_and_gzipped_idx_files_load_the_same);
        RUN(one_hot_labels_have_ten_classes_or_the_largest_label_plus_one);
        RUN(bad_idx_files_are_reported_with_the_file_and_what_is_wrong);
        RUN(idx_sizes_are_checked_against_the_file_before_the_data_is_read);
    } else if (strcmp(group, "split") == 0) {
        RUN(a_split_has_the_rounded_sizes_keeps_order_and_loses_nothing);
        RUN(a_split_is_determined_by_its_seed);
        RUN(a_split_refuses_fractions_outside_zero_to_one);
    } else if (strcmp(group, "churn") == 0) {
        RUN(the_tutorials_churn_preparation);
    } else if (strcmp(group, "mnist") == 0) {
        RUN(the_mnist_test_set);
    } else {
        printf("usage: test_data csv|preprocessing|idx|split|churn|mnist\n");
        return 2;
    }
    int rc = check_exit();
    if (rc == 0 && skipped)
        return 77;
    return rc;
}
