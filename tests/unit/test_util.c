/*
 * test_util.c - names and text: c_identifier, valid_identifier,
 * safe_text, template_expand, StrBuf and the path helpers.
 */
#include "check.h"
#include "support.h"

#include <ctype.h>
#include <stdlib.h>

/* Does s match [A-Za-z][A-Za-z0-9_]* with at most 32 characters, no "__"
 * and no trailing '_'? */
static bool identifier_shaped(const char *s)
{
    size_t n = strlen(s);
    if (!isalpha((unsigned char)s[0]) || strstr(s, "__") || n > 32 || s[n - 1] == '_')
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

/* A small deterministic generator for property tests. */
static unsigned long lcg(unsigned long *x)
{
    *x = *x * 6364136223846793005UL + 1442695040888963407UL;
    return *x >> 33;
}

#define CHECK_IDENT(in, expected)                                              \
    do {                                                                       \
        char *id_ = c_identifier(in);                                          \
        CHECK_STR(id_, expected);                                              \
        free(id_);                                                             \
    } while (0)

#define CHECK_SAFE(in, expected)                                               \
    do {                                                                       \
        char *safe_ = safe_text(in);                                           \
        CHECK_STR(safe_, expected);                                            \
        free(safe_);                                                           \
    } while (0)

/* ---- c_identifier ------------------------------------------------------ */

TEST(c_identifier_keeps_a_plain_name)
{
    CHECK_IDENT("dense_1", "dense_1");
    CHECK_IDENT("Model2", "Model2");
}

TEST(c_identifier_turns_keywords_into_m_underscore_keyword)
{
    CHECK_IDENT("int", "m_int");
    CHECK_IDENT("float", "m_float");
    CHECK_IDENT("main", "m_main");
    CHECK_IDENT("NULL", "m_NULL");
    CHECK_IDENT("bool", "m_bool");
    /* Only whole names: a keyword inside a name is fine. */
    CHECK_IDENT("int8", "int8");
    /* A keyword left once the trailing '_' goes is still caught. */
    CHECK_IDENT("int!", "m_int");
}

TEST(c_identifier_prefixes_names_that_do_not_start_with_a_letter)
{
    CHECK_IDENT("1dense", "m1dense");
    CHECK_IDENT("_x", "m_x");
    CHECK_IDENT("__x", "m_x");
    CHECK_IDENT("", "m");
    CHECK_IDENT("-", "m");
}

TEST(c_identifier_collapses_runs_of_other_characters)
{
    CHECK_IDENT("dense/kernel:0", "dense_kernel_0");
    CHECK_IDENT("a--b..c", "a_b_c");
    CHECK_IDENT("a__b", "a_b");
    CHECK_IDENT("a _-_ b", "a_b");
}

TEST(c_identifier_never_ends_in_an_underscore)
{
    /* Callers append "_suffix"; a trailing '_' would make "__". */
    CHECK_IDENT("caf\xc3\xa9", "caf");
    CHECK_IDENT("dense_", "dense");
    CHECK_IDENT("dense///", "dense");
}

TEST(c_identifier_caps_the_length)
{
    char long_name[201];
    memset(long_name, 'a', 200);
    long_name[200] = '\0';
    char *id = c_identifier(long_name);
    CHECK_INT(strlen(id), 32);
    CHECK(strlen(id) >= 16);
    CHECK(identifier_shaped(id));
    free(id);
}

TEST(c_identifier_always_gives_a_valid_identifier)
{
    unsigned long x = 12345;
    int bad = 0;
    for (int n = 0; n < 20000; n++) {
        char s[48];
        int len = (int)(lcg(&x) % 47);
        for (int i = 0; i < len; i++) {
            /* Mostly the characters that matter: '_', digits, letters,
             * punctuation, high bytes. */
            static const char pick[] = "__--..//09az AZ\xc3\xa9\x80\xff";
            s[i] = (lcg(&x) % 4 == 0) ? (char)(1 + lcg(&x) % 255)
                                      : pick[lcg(&x) % (sizeof pick - 1)];
        }
        s[len] = '\0';
        char *id = c_identifier(s);
        if (!identifier_shaped(id) || !valid_identifier(id)) {
            if (bad++ < 5)
                printf("    c_identifier gave \"%s\"\n", id);
        }
        free(id);
    }
    CHECK_INT(bad, 0);
    /* Every keyword, too. */
    const char *kw[] = {"auto", "while", "_Bool", "restrict", "inline", "true", "asm"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++) {
        char *id = c_identifier(kw[i]);
        CHECK(valid_identifier(id));
        free(id);
    }
}

/* ---- valid_identifier -------------------------------------------------- */

TEST(valid_identifier_accepts_plain_prefixes)
{
    CHECK(valid_identifier("model"));
    CHECK(valid_identifier("my_model2"));
    CHECK(valid_identifier("M"));
    char s63[64];
    memset(s63, 'a', 63);
    s63[63] = '\0';
    CHECK(valid_identifier(s63));
}

TEST(valid_identifier_refuses_what_c_would_not_take)
{
    CHECK(!valid_identifier(""));
    CHECK(!valid_identifier("2x"));
    CHECK(!valid_identifier("_x"));
    CHECK(!valid_identifier("a__b"));
    CHECK(!valid_identifier("a-b"));
    CHECK(!valid_identifier("a b"));
    CHECK(!valid_identifier("int"));
    CHECK(!valid_identifier("main"));
    CHECK(!valid_identifier("caf\xc3\xa9"));
    char s64[65];
    memset(s64, 'a', 64);
    s64[64] = '\0';
    CHECK(!valid_identifier(s64));
}

/* ---- safe_text --------------------------------------------------------- */

TEST(safe_text_passes_printable_text_unchanged)
{
    CHECK_SAFE("Dense layer (units=4), ok!", "Dense layer (units=4), ok!");
    CHECK_SAFE("", "");
    /* Every printable character but '*', '?' and '\\'. */
    char all[128];
    int n = 0;
    for (int c = 0x20; c < 0x7f; c++)
        if (c != '*' && c != '?' && c != '\\')
            all[n++] = (char)c;
    all[n] = '\0';
    CHECK_SAFE(all, all);
}

TEST(safe_text_escapes_comment_ends_newlines_trigraphs_and_non_ascii)
{
    CHECK_SAFE("a*/b", "a\\x2a/b");
    CHECK_SAFE("line\nnext", "line\\x0anext");
    CHECK_SAFE("what?" "?!", "what\\x3f\\x3f!"); /* a trigraph, split */
    CHECK_SAFE("back\\slash", "back\\x5cslash");
    CHECK_SAFE("caf\xc3\xa9", "caf\\xc3\\xa9");
    CHECK_SAFE("\x1b[31mred", "\\x1b[31mred");
}

TEST(safe_text_never_yields_a_comment_end_or_a_raw_newline)
{
    unsigned long x = 777;
    int bad = 0;
    for (int n = 0; n < 20000; n++) {
        char s[32];
        int len = (int)(lcg(&x) % 31);
        for (int i = 0; i < len; i++) {
            static const char pick[] = "**//??\\\\\n\r\t a\xc3\xa9\xff";
            s[i] = pick[lcg(&x) % (sizeof pick - 1)];
        }
        s[len] = '\0';
        char *safe = safe_text(s);
        bool ok = !strstr(safe, "*/") && !strstr(safe, "/*") && !strstr(safe, "??");
        for (const unsigned char *p = (const unsigned char *)safe; *p; p++)
            if (*p < 0x20 || *p >= 0x7f)
                ok = false;
        if (!ok && bad++ < 5)
            printf("    safe_text gave \"%s\"\n", safe);
        free(safe);
    }
    CHECK_INT(bad, 0);
}

/* ---- template_expand --------------------------------------------------- */

#define CHECK_EXPAND(tmpl, kv, expected)                                       \
    do {                                                                       \
        StrBuf out_ = {0};                                                     \
        sb_add(&out_, "");                                                     \
        template_expand(&out_, tmpl, kv);                                      \
        CHECK_STR(out_.data, expected);                                        \
        CHECK_INT(out_.len, strlen(expected));                                 \
        sb_free(&out_);                                                        \
    } while (0)

TEST(template_expand_substitutes_placeholders)
{
    const char *kv[] = {"N", "4", "NAME", "dense", NULL};
    CHECK_EXPAND("for (i = 0; i < {{N}}; i++) /* {{NAME}} {{N}} */\n", kv,
                 "for (i = 0; i < 4; i++) /* dense 4 */\n");
    CHECK_EXPAND("no placeholders\n", kv, "no placeholders\n");
    CHECK_EXPAND("{{N}}{{N}}", kv, "44");
}

TEST(template_expand_does_not_expand_inside_values)
{
    const char *kv[] = {"A", "{{B}}", "B", "no", NULL};
    CHECK_EXPAND("x = {{A}};", kv, "x = {{B}};");
}

TEST(template_expand_indents_multi_line_values_like_the_placeholder)
{
    const char *kv[] = {"BODY", "a = 1;\nb = 2;", NULL};
    CHECK_EXPAND("void f(void)\n{\n    {{BODY}}\n}\n", kv,
                 "void f(void)\n{\n    a = 1;\n    b = 2;\n}\n");
    /* Empty lines in the value stay empty (no trailing spaces). */
    const char *kv2[] = {"BODY", "a;\n\nb;", NULL};
    CHECK_EXPAND("  {{BODY}}\n", kv2, "  a;\n\n  b;\n");
    /* The indentation is the line's, also after text. */
    const char *kv3[] = {"E", "a +\nb", NULL};
    CHECK_EXPAND("    return {{E}};\n", kv3, "    return a +\n    b;\n");
}

TEST(template_expand_removes_the_line_of_a_lone_empty_placeholder)
{
    const char *kv[] = {"E", "", NULL};
    CHECK_EXPAND("a\n    {{E}}\nb\n", kv, "a\nb\n");
    CHECK_EXPAND("{{E}}\nb\n", kv, "b\n");
    CHECK_EXPAND("a\n  {{E}}", kv, "a\n");
    /* Not alone: only the placeholder goes. */
    CHECK_EXPAND("x{{E}}y\n", kv, "xy\n");
    CHECK_EXPAND("  x = 1; {{E}}\n", kv, "  x = 1; \n");
}

TEST(template_expand_appends_to_what_is_there)
{
    const char *kv[] = {"X", "2", NULL};
    StrBuf out = {0};
    sb_add(&out, "1 ");
    template_expand(&out, "{{X}} 3", kv);
    CHECK_STR(out.data, "1 2 3");
    sb_free(&out);
}

/* ---- StrBuf and paths -------------------------------------------------- */

TEST(a_strbuf_grows_and_stays_nul_terminated)
{
    StrBuf sb = {0};
    CHECK(sb.data == NULL);
    sb_add(&sb, "");
    REQUIRE(sb.data != NULL);
    CHECK_STR(sb.data, "");
    CHECK_INT(sb.len, 0);
    for (int i = 0; i < 1000; i++)
        sb_printf(&sb, "%d,", i % 10);
    CHECK_INT(sb.len, 2000);
    CHECK_INT(strlen(sb.data), 2000);
    CHECK(sb.cap > sb.len);
    CHECK(strncmp(sb.data, "0,1,2,", 6) == 0);
    sb_addn(&sb, "xyz", 2);
    CHECK_INT(sb.len, 2002);
    CHECK_STR(sb.data + 1998, "9,xy");
    sb_free(&sb);
    CHECK(sb.data == NULL);
    CHECK_INT(sb.len, 0);
    CHECK_INT(sb.cap, 0);
}

TEST(sb_printf_formats_long_text_in_one_go)
{
    StrBuf sb = {0};
    char big[3000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sb_printf(&sb, "<%s|%5.2f>", big, 3.14159);
    CHECK_INT(sb.len, 1 + 2999 + 7);
    CHECK_STR(sb.data + 3000, "| 3.14>");
    sb_free(&sb);
    char *s = xformat("%s-%ld", "l3", 42L);
    CHECK_STR(s, "l3-42");
    free(s);
}

TEST(path_helpers_split_a_path)
{
    CHECK_STR(path_basename("a/b/model.json"), "model.json");
    CHECK_STR(path_basename("model.json"), "model.json");
    char *d = path_dirname("a/b/model.json");
    CHECK_STR(d, "a/b/");
    free(d);
    d = path_dirname("model.json");
    CHECK_STR(d, "");
    free(d);
    d = path_dirname("/m.json");
    CHECK_STR(d, "/");
    free(d);
}

int main(void)
{
    RUN(c_identifier_keeps_a_plain_name);
    RUN(c_identifier_turns_keywords_into_m_underscore_keyword);
    RUN(c_identifier_prefixes_names_that_do_not_start_with_a_letter);
    RUN(c_identifier_collapses_runs_of_other_characters);
    RUN(c_identifier_never_ends_in_an_underscore);
    RUN(c_identifier_caps_the_length);
    RUN(c_identifier_always_gives_a_valid_identifier);
    RUN(valid_identifier_accepts_plain_prefixes);
    RUN(valid_identifier_refuses_what_c_would_not_take);
    RUN(safe_text_passes_printable_text_unchanged);
    RUN(safe_text_escapes_comment_ends_newlines_trigraphs_and_non_ascii);
    RUN(safe_text_never_yields_a_comment_end_or_a_raw_newline);
    RUN(template_expand_substitutes_placeholders);
    RUN(template_expand_does_not_expand_inside_values);
    RUN(template_expand_indents_multi_line_values_like_the_placeholder);
    RUN(template_expand_removes_the_line_of_a_lone_empty_placeholder);
    RUN(template_expand_appends_to_what_is_there);
    RUN(a_strbuf_grows_and_stays_nul_terminated);
    RUN(sb_printf_formats_long_text_in_one_go);
    RUN(path_helpers_split_a_path);
    return check_exit();
}
