/*
 * json.c - JSON documents with syntax errors that point at the problem.
 *
 * cJSON builds the tree.  When it fails, a small recursive-descent checker
 * walks the text again to find the exact position and say what was
 * expected there; the message shows the line with a caret under it.
 */
#include "compiler.h"

#include <math.h>
#include <string.h>

typedef struct Checker {
    const char *text;
    size_t len;
    size_t pos;
    const char *msg;      /* set at the first error */
    size_t err_pos;
} Checker;

enum { MAX_DEPTH = 512 }; /* below cJSON's own nesting limit */

static bool fail_at(Checker *c, size_t pos, const char *msg)
{
    if (!c->msg) {
        c->msg = msg;
        c->err_pos = pos;
    }
    return false;
}

static int peek(const Checker *c) { return c->pos < c->len ? (unsigned char)c->text[c->pos] : -1; }

static void skip_ws(Checker *c)
{
    while (c->pos < c->len && strchr(" \t\r\n", c->text[c->pos]) && c->text[c->pos])
        c->pos++;
}

static bool is_digit(int ch) { return ch >= '0' && ch <= '9'; }

static bool check_value(Checker *c, int depth);

/* The value of four hex digits at p, or -1. */
static long hex4(const Checker *c, size_t p)
{
    long v = 0;
    for (size_t i = p; i < p + 4; i++) {
        if (i >= c->len)
            return -1;
        char ch = c->text[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0'
              : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
              : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool check_string(Checker *c)
{
    size_t start = c->pos++;
    for (;;) {
        int ch = peek(c);
        if (ch < 0)
            return fail_at(c, start, "unexpected end of file inside a string (truncated file?)");
        if (ch == '"') {
            c->pos++;
            return true;
        }
        if (ch < 0x20)
            return fail_at(c, c->pos, ch == '\n' ? "unterminated string (newline inside a string)"
                                                 : "control character inside a string");
        if (ch == '\\') {
            c->pos++;
            ch = peek(c);
            if (ch < 0 || !strchr("\"\\/bfnrtu", ch))
                return fail_at(c, c->pos, "invalid escape sequence in a string");
            if (ch == 'u') {
                size_t esc = c->pos - 1;
                long u = hex4(c, c->pos + 1);
                if (u < 0)
                    return fail_at(c, esc, "invalid \\u escape in a string");
                c->pos += 4;
                /* UTF-16 surrogates come in pairs: high, then low. */
                if (u >= 0xdc00 && u <= 0xdfff)
                    return fail_at(c, esc, "invalid \\u escape: a lone UTF-16 low surrogate");
                if (u >= 0xd800 && u <= 0xdbff) {
                    long lo = c->pos + 2 < c->len && c->text[c->pos + 1] == '\\' &&
                                      c->text[c->pos + 2] == 'u'
                                  ? hex4(c, c->pos + 3)
                                  : -1;
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return fail_at(c, esc, "invalid \\u escape: a lone UTF-16 high surrogate");
                    c->pos += 6;
                }
            }
        }
        c->pos++;
    }
}

static bool check_number(Checker *c)
{
    size_t start = c->pos;
    if (peek(c) == '-')
        c->pos++;
    if (peek(c) == 'I')
        return fail_at(c, start, "NaN and Infinity are not JSON");
    if (peek(c) == '0') {
        c->pos++;
    } else if (is_digit(peek(c))) {
        while (is_digit(peek(c)))
            c->pos++;
    } else {
        return fail_at(c, c->pos, "invalid number");
    }
    if (peek(c) == '.') {
        c->pos++;
        if (!is_digit(peek(c)))
            return fail_at(c, c->pos, "invalid number: expected a digit after '.'");
        while (is_digit(peek(c)))
            c->pos++;
    }
    if (peek(c) == 'e' || peek(c) == 'E') {
        c->pos++;
        if (peek(c) == '+' || peek(c) == '-')
            c->pos++;
        if (!is_digit(peek(c)))
            return fail_at(c, c->pos, "invalid number: expected a digit in the exponent");
        while (is_digit(peek(c)))
            c->pos++;
    }
    return true;
}

static bool check_word(Checker *c, const char *word)
{
    size_t n = strlen(word);
    if (c->len - c->pos >= n && memcmp(c->text + c->pos, word, n) == 0) {
        c->pos += n;
        return true;
    }
    return false;
}

static bool check_container(Checker *c, int depth, bool object)
{
    char close = object ? '}' : ']';
    c->pos++;
    skip_ws(c);
    if (peek(c) == close) {
        c->pos++;
        return true;
    }
    for (;;) {
        if (object) {
            if (peek(c) != '"')
                return fail_at(c, c->pos, peek(c) < 0 ? "unexpected end of file: expected a key string"
                                                      : "expected a key string");
            if (!check_string(c))
                return false;
            skip_ws(c);
            if (peek(c) != ':')
                return fail_at(c, c->pos, "expected ':' after the key");
            c->pos++;
        }
        if (!check_value(c, depth + 1))
            return false;
        size_t value_end = c->pos;
        skip_ws(c);
        int ch = peek(c);
        if (ch == close) {
            c->pos++;
            return true;
        }
        if (ch != ',') {
            if (ch < 0)
                return fail_at(c, c->pos, object ? "unexpected end of file: expected ',' or '}'"
                                                 : "unexpected end of file: expected ',' or ']'");
            /* Another value where a comma belongs: point just after the
             * value that lacks one. */
            if (strchr("\"{[-0123456789tfn", ch))
                return fail_at(c, value_end, object ? "expected ',' or '}' (missing comma?)"
                                                    : "expected ',' or ']' (missing comma?)");
            return fail_at(c, c->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        size_t comma = c->pos++;
        skip_ws(c);
        if (peek(c) == close)
            return fail_at(c, comma, "trailing comma");
    }
}

static bool check_value(Checker *c, int depth)
{
    if (depth > MAX_DEPTH)
        return fail_at(c, c->pos, "nested too deeply (more than 512 levels)");
    skip_ws(c);
    int ch = peek(c);
    if (ch < 0)
        return fail_at(c, c->pos, "unexpected end of file: expected a value");
    if (ch == '{' || ch == '[')
        return check_container(c, depth, ch == '{');
    if (ch == '"')
        return check_string(c);
    if (ch == '-' || is_digit(ch))
        return check_number(c);
    if (check_word(c, "true") || check_word(c, "false") || check_word(c, "null"))
        return true;
    size_t start = c->pos;
    if (check_word(c, "NaN") || check_word(c, "Infinity"))
        return fail_at(c, start, "NaN and Infinity are not JSON");
    return fail_at(c, c->pos, "expected a value");
}

/* Prints the line holding pos, a window of it if long, and a caret. */
static void show_position(const char *text, size_t len, size_t pos)
{
    size_t bol = pos;
    while (bol > 0 && text[bol - 1] != '\n')
        bol--;
    size_t eol = pos;
    while (eol < len && text[eol] != '\n' && text[eol] != '\r')
        eol++;
    size_t from = bol, to = eol;
    if (pos - from > 60)
        from = pos - 60;
    if (to - pos > 60)
        to = pos + 60;
    StrBuf line = {0}, caret = {0};
    sb_add(&line, "    ");
    sb_add(&caret, "    ");
    for (size_t i = from; i < to; i++) {
        unsigned char ch = (unsigned char)text[i];
        char out = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
        sb_addn(&line, &out, 1);
        if (i < pos)
            sb_add(&caret, " ");
    }
    sb_add(&caret, "^");
    fprintf(stderr, "%s\n%s\n", line.data, caret.data);
    sb_free(&line);
    sb_free(&caret);
}

cJSON *json_parse(Diag *d, const char *file, const char *text, size_t len)
{
    /* The checker decides what is valid JSON (cJSON alone accepts control
     * characters in strings and text after the value); cJSON builds the
     * tree. */
    Checker c = {text, len, 0, NULL, 0};
    if (len == 0) {
        fail_at(&c, 0, "the file is empty");
    } else if (len >= 8 && memcmp(text, "\x89HDF\r\n\x1a\n", 8) == 0) {
        diag_error(d, "%s: this is an HDF5 file (a Keras .h5 model), not JSON; kcc reads the JSON "
                      "of model.to_json() or a TF.js model.json", file);
        return NULL;
    } else if (len >= 4 && memcmp(text, "PK\x03\x04", 4) == 0) {
        diag_error(d, "%s: this is a zip archive (a Keras 3 .keras file?), not JSON; kcc reads its "
                      "config.json, or the JSON of model.to_json()", file);
        return NULL;
    } else if (memchr(text, '\0', len)) {
        fail_at(&c, (size_t)((const char *)memchr(text, '\0', len) - text),
                "a NUL byte: this is not a JSON text file");
    } else if (check_value(&c, 0)) {
        skip_ws(&c);
        if (c.pos != len) {
            fail_at(&c, c.pos, "unexpected text after the JSON value");
        } else {
            cJSON *root = cJSON_ParseWithLength(text, len);
            if (root)
                return root;
            fail_at(&c, 0, "the JSON parser failed (out of memory?)");
        }
    }
    size_t line = 1, col = 1;
    for (size_t i = 0; i < c.err_pos && i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    diag_error(d, "%s:%zu:%zu: invalid JSON: %s", file, line, col, c.msg);
    if (len > 0)
        show_position(text, len, c.err_pos);
    return NULL;
}

bool json_integer(const cJSON *v, long *out)
{
    if (!cJSON_IsNumber(v))
        return false;
    double d = v->valuedouble;
    /* Checked before the cast: a double beyond long's range (1e30, inf)
     * or NaN has no long value at all. */
    if (!(d == floor(d)) || d < -9.0e15 || d > 9.0e15)
        return false;
    *out = (long)d;
    return true;
}
