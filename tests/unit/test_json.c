/*
 * test_json.c - json_parse: good documents parse; a syntax error is one
 * diagnostic "kcc: error: FILE:LINE:COL: invalid JSON: WHAT" followed by
 * the offending line (indented 4) and a caret under the column.
 */
#include "check.h"
#include "support.h"

#include <stdlib.h>

/* What json_parse did with a bad text. */
typedef struct Bad {
    bool returned_null;
    int errors;     /* Diag.errors added */
    char *out;      /* what it printed */
} Bad;

static Bad parse_bad(const char *text, size_t len)
{
    Diag d = {0, 0};
    capture_begin();
    cJSON *root = json_parse(&d, "m.json", text, len);
    Bad b = {root == NULL, d.errors, capture_end()};
    cJSON_Delete(root);
    return b;
}

static Bad parse_bad_text(const char *text)
{
    return parse_bad(text, strlen(text));
}

/* The 1-based column the caret (line 3 of the message) points at, or -1
 * if that line is not 4 spaces, spaces and '^'. */
static int caret_column(const char *out)
{
    char *caret = text_line(out, 2);
    int col = -1;
    if (caret && strncmp(caret, "    ", 4) == 0) {
        size_t sp = strspn(caret, " ");
        if (caret[sp] == '^' && caret[sp + 1] == '\0')
            col = (int)sp - 4 + 1;
    }
    free(caret);
    return col;
}

#define CHECK_LINE(out, n, expected)                                           \
    do {                                                                       \
        char *line_ = text_line(out, n);                                       \
        CHECK_STR(line_, expected);                                            \
        free(line_);                                                           \
    } while (0)

/* One error, exact first line, the source line and the caret column. */
#define CHECK_BAD(b, first, source, col)                                       \
    do {                                                                       \
        CHECK(b.returned_null);                                                \
        CHECK_INT(b.errors, 1);                                                \
        CHECK_LINE(b.out, 0, first);                                           \
        CHECK_LINE(b.out, 1, source);                                          \
        CHECK_INT(caret_column(b.out), col);                                   \
        CHECK_INT(text_lines(b.out), 3);                                       \
    } while (0)

TEST(a_good_document_parses_without_a_word)
{
    const char *text = "{\n  \"a\": [1, 2.5, -3e2, \"x\\u00e9\"],\n  \"b\": {\"c\": null,"
                       " \"d\": true}\n}\n\n";
    Diag d = {0, 0};
    capture_begin();
    cJSON *root = json_parse(&d, "m.json", text, strlen(text));
    char *out = capture_end();
    REQUIRE(root != NULL);
    CHECK_INT(d.errors, 0);
    CHECK_STR(out, "");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "a");
    CHECK_INT(cJSON_GetArraySize(a), 4);
    CHECK_DOUBLE(cJSON_GetArrayItem(a, 1)->valuedouble, 2.5);
    CHECK_DOUBLE(cJSON_GetArrayItem(a, 2)->valuedouble, -300.0);
    CHECK_STR(cJSON_GetArrayItem(a, 3)->valuestring, "x\xc3\xa9");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "b");
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "c")));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "d")));
    cJSON_Delete(root);
    free(out);
}

TEST(a_bare_value_is_a_document_too)
{
    Diag d = {0, 0};
    cJSON *root = json_parse(&d, "m.json", " [] ", 4);
    CHECK(cJSON_IsArray(root));
    CHECK_INT(d.errors, 0);
    cJSON_Delete(root);
}

TEST(only_len_bytes_are_read)
{
    /* The text goes on past len with garbage; json_parse must stop. */
    const char *text = "{\"a\": 1}GARBAGE";
    Diag d = {0, 0};
    cJSON *root = json_parse(&d, "m.json", text, 8);
    CHECK(cJSON_IsObject(root));
    CHECK_INT(d.errors, 0);
    cJSON_Delete(root);
}

TEST(a_trailing_comma_points_at_the_comma)
{
    Bad b = parse_bad_text("{\n  \"a\": 1,\n  \"b\": 2,\n}\n");
    CHECK_BAD(b, "kcc: error: m.json:3:9: invalid JSON: trailing comma",
              "      \"b\": 2,", 9);
    free(b.out);
}

TEST(a_trailing_comma_in_a_list_points_at_the_comma)
{
    Bad b = parse_bad_text("[1, 2, ]");
    CHECK_BAD(b, "kcc: error: m.json:1:6: invalid JSON: trailing comma", "    [1, 2, ]", 6);
    free(b.out);
}

TEST(a_missing_comma_points_where_the_comma_belongs)
{
    Bad b = parse_bad_text("{\n  \"a\": 1,\n  \"units\": 4 \"x\": 1\n}\n");
    CHECK_BAD(b, "kcc: error: m.json:3:13: invalid JSON: expected ',' or '}' (missing comma?)",
              "      \"units\": 4 \"x\": 1", 13);
    free(b.out);
}

TEST(a_missing_comma_in_a_list_says_so)
{
    Bad b = parse_bad_text("[1 2]");
    CHECK_BAD(b, "kcc: error: m.json:1:3: invalid JSON: expected ',' or ']' (missing comma?)",
              "    [1 2]", 3);
    free(b.out);
}

TEST(an_unterminated_string_points_at_its_opening_quote)
{
    Bad b = parse_bad_text("{\"a\": \"abc");
    CHECK_BAD(b, "kcc: error: m.json:1:7: invalid JSON: unexpected end of file inside a string "
                 "(truncated file?)",
              "    {\"a\": \"abc", 7);
    free(b.out);
}

/* cJSON alone accepts raw control characters inside strings: the
 * checker must run on every document, not only when cJSON fails. */
TEST(a_newline_inside_a_string_points_at_the_newline)
{
    Bad b = parse_bad_text("{\"a\": \"abc\n\"}");
    CHECK_BAD(b, "kcc: error: m.json:1:11: invalid JSON: unterminated string "
                 "(newline inside a string)",
              "    {\"a\": \"abc", 11);
    free(b.out);
}

TEST(a_truncated_file_points_past_its_last_character)
{
    Bad b = parse_bad_text("{\n  \"a\": {\n    \"b\": [1, 2");
    CHECK_BAD(b, "kcc: error: m.json:3:15: invalid JSON: unexpected end of file: "
                 "expected ',' or ']'",
              "        \"b\": [1, 2", 15);
    free(b.out);
}

TEST(a_file_truncated_after_a_comma_expects_a_key)
{
    Bad b = parse_bad_text("{\"a\": 1,");
    CHECK_BAD(b, "kcc: error: m.json:1:9: invalid JSON: unexpected end of file: "
                 "expected a key string",
              "    {\"a\": 1,", 9);
    free(b.out);
}

TEST(a_file_truncated_after_a_colon_expects_a_value)
{
    Bad b = parse_bad_text("{\"a\": ");
    CHECK_BAD(b, "kcc: error: m.json:1:7: invalid JSON: unexpected end of file: "
                 "expected a value",
              "    {\"a\": ", 7);
    free(b.out);
}

TEST(a_nan_literal_points_at_the_nan)
{
    Bad b = parse_bad_text("{\n  \"alpha\": NaN\n}");
    CHECK_BAD(b, "kcc: error: m.json:2:12: invalid JSON: NaN and Infinity are not JSON",
              "      \"alpha\": NaN", 12);
    free(b.out);
}

/* (Once reported at column 12: the position was taken 3 characters
 * back from the word's end, right for "NaN" only.) */
TEST(an_infinity_literal_points_at_the_infinity)
{
    Bad b = parse_bad_text("{\"a\": Infinity}");
    CHECK_BAD(b, "kcc: error: m.json:1:7: invalid JSON: NaN and Infinity are not JSON",
              "    {\"a\": Infinity}", 7);
    free(b.out);
}

/* "-Infinity" starts like a number: the number check must know it. */
TEST(a_negative_infinity_literal_is_called_not_json)
{
    Bad b = parse_bad_text("[-Infinity]");
    CHECK_BAD(b, "kcc: error: m.json:1:2: invalid JSON: NaN and Infinity are not JSON",
              "    [-Infinity]", 2);
    free(b.out);
}

TEST(garbage_after_the_value_points_at_the_garbage)
{
    Bad b = parse_bad_text("{\"a\": 1}\n\n  x\n");
    CHECK_BAD(b, "kcc: error: m.json:3:3: invalid JSON: unexpected text after the JSON value",
              "      x", 3);
    free(b.out);
}

TEST(a_second_closing_brace_is_garbage_after_the_value)
{
    Bad b = parse_bad_text("{\"a\": 1}}");
    CHECK_BAD(b, "kcc: error: m.json:1:9: invalid JSON: unexpected text after the JSON value",
              "    {\"a\": 1}}", 9);
    free(b.out);
}

TEST(an_empty_file_says_so_without_a_caret)
{
    Bad b = parse_bad("", 0);
    CHECK(b.returned_null);
    CHECK_INT(b.errors, 1);
    CHECK_STR(b.out, "kcc: error: m.json:1:1: invalid JSON: the file is empty\n");
    free(b.out);
}

TEST(a_file_of_spaces_expects_a_value_at_its_end)
{
    Bad b = parse_bad_text("  \n ");
    CHECK_BAD(b, "kcc: error: m.json:2:2: invalid JSON: unexpected end of file: "
                 "expected a value",
              "     ", 2);
    free(b.out);
}

TEST(a_nul_byte_points_at_the_nul)
{
    const char text[] = "{\"a\": 1,\n \"b\": \0}";
    Bad b = parse_bad(text, sizeof text - 1);
    /* The NUL is shown as a space. */
    CHECK_BAD(b, "kcc: error: m.json:2:7: invalid JSON: a NUL byte: this is not a JSON text file",
              "     \"b\":  }", 7);
    free(b.out);
}

/* cJSON skips every byte <= ' ' as white space, NUL included: the NUL
 * check must not depend on cJSON failing. */
TEST(a_nul_byte_between_tokens_is_not_accepted)
{
    const char text[] = "{\"a\": 1,\n \0\"b\": 2}";
    Bad b = parse_bad(text, sizeof text - 1);
    CHECK_BAD(b, "kcc: error: m.json:2:2: invalid JSON: a NUL byte: this is not a JSON text file",
              "      \"b\": 2}", 2);
    free(b.out);
}

TEST(a_binary_file_is_called_not_json_text)
{
    const char text[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    Bad b = parse_bad(text, sizeof text - 1);
    CHECK(b.returned_null);
    CHECK_INT(b.errors, 1);
    CHECK_CONTAINS(b.out, "invalid JSON: a NUL byte: this is not a JSON text file");
    free(b.out);
}

TEST(a_tab_before_the_error_keeps_the_caret_in_line)
{
    /* Tabs are shown as one space each, so the caret still lines up. */
    Bad b = parse_bad_text("{\n\t\"a\": 1 2}");
    CHECK_BAD(b, "kcc: error: m.json:2:8: invalid JSON: expected ',' or '}' (missing comma?)",
              "     \"a\": 1 2}", 8);
    free(b.out);
}

TEST(crlf_line_ends_count_lines_like_lf)
{
    Bad b = parse_bad_text("{\r\n  \"a\": 1,\r\n}\r\n");
    CHECK_BAD(b, "kcc: error: m.json:2:9: invalid JSON: trailing comma", "      \"a\": 1,", 9);
    free(b.out);
}

TEST(nesting_too_deep_is_reported_before_the_stack_suffers)
{
    char text[2001];
    memset(text, '[', 1000);
    memset(text + 1000, ']', 1000);
    text[2000] = '\0';
    Bad b = parse_bad(text, 2000);
    CHECK(b.returned_null);
    CHECK_INT(b.errors, 1);
    CHECK_CONTAINS(b.out, "invalid JSON: nested too deeply");
    free(b.out);
}

TEST(a_long_line_is_shown_as_a_window_around_the_error)
{
    /* 100 digits in a list, then a bad token: only 60 characters either
     * side of the error are shown. */
    StrBuf sb = {0};
    sb_add(&sb, "[");
    for (int i = 0; i < 100; i++)
        sb_add(&sb, "1,");
    sb_add(&sb, "x");
    for (int i = 0; i < 100; i++)
        sb_add(&sb, ",1");
    sb_add(&sb, "]");
    Bad b = parse_bad(sb.data, sb.len);
    CHECK(b.returned_null);
    CHECK_LINE(b.out, 0, "kcc: error: m.json:1:202: invalid JSON: expected a value");
    char *source = text_line(b.out, 1);
    char *caret = text_line(b.out, 2);
    REQUIRE(source && caret);
    CHECK_INT(strlen(source), 4 + 60 + 60);
    CHECK_INT(strlen(caret), 4 + 60 + 1);
    CHECK_INT(source[4 + 60], 'x');
    CHECK_INT(caret[4 + 60], '^');
    free(source);
    free(caret);
    free(b.out);
    sb_free(&sb);
}

TEST(each_bad_document_counts_one_error)
{
    Diag d = {0, 0};
    capture_begin();
    cJSON *r1 = json_parse(&d, "a.json", "[1,]", 4);
    cJSON *r2 = json_parse(&d, "b.json", "", 0);
    cJSON *r3 = json_parse(&d, "c.json", "[1]", 3);
    char *out = capture_end();
    CHECK(r1 == NULL && r2 == NULL && r3 != NULL);
    CHECK_INT(d.errors, 2);
    CHECK_INT(d.warnings, 0);
    CHECK_CONTAINS(out, "kcc: error: a.json:1:3: invalid JSON: trailing comma\n");
    CHECK_CONTAINS(out, "kcc: error: b.json:1:1: invalid JSON: the file is empty\n");
    cJSON_Delete(r3);
    free(out);
}

int main(void)
{
    RUN(a_good_document_parses_without_a_word);
    RUN(a_bare_value_is_a_document_too);
    RUN(only_len_bytes_are_read);
    RUN(a_trailing_comma_points_at_the_comma);
    RUN(a_trailing_comma_in_a_list_points_at_the_comma);
    RUN(a_missing_comma_points_where_the_comma_belongs);
    RUN(a_missing_comma_in_a_list_says_so);
    RUN(an_unterminated_string_points_at_its_opening_quote);
    RUN(a_newline_inside_a_string_points_at_the_newline);
    RUN(a_truncated_file_points_past_its_last_character);
    RUN(a_file_truncated_after_a_comma_expects_a_key);
    RUN(a_file_truncated_after_a_colon_expects_a_value);
    RUN(a_nan_literal_points_at_the_nan);
    RUN(an_infinity_literal_points_at_the_infinity);
    RUN(a_negative_infinity_literal_is_called_not_json);
    RUN(garbage_after_the_value_points_at_the_garbage);
    RUN(a_second_closing_brace_is_garbage_after_the_value);
    RUN(an_empty_file_says_so_without_a_caret);
    RUN(a_file_of_spaces_expects_a_value_at_its_end);
    RUN(a_nul_byte_points_at_the_nul);
    RUN(a_nul_byte_between_tokens_is_not_accepted);
    RUN(a_binary_file_is_called_not_json_text);
    RUN(a_tab_before_the_error_keeps_the_caret_in_line);
    RUN(crlf_line_ends_count_lines_like_lf);
    RUN(nesting_too_deep_is_reported_before_the_stack_suffers);
    RUN(a_long_line_is_shown_as_a_window_around_the_error);
    RUN(each_bad_document_counts_one_error);
    return check_exit();
}
