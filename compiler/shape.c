/*
 * shape.c - shape inference.
 *
 * kcc compiles for fixed shapes: the input shape comes from the model (or
 * --input-shape) and every layer's output and parameter shapes follow from
 * its op's shape rule.  Sizes are bounded so that generated code can index
 * with int.
 */
#include "compiler.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

long shape_count(const Shape *s)
{
    long n = 1;
    for (int i = 0; i < s->rank; i++)
        n *= s->dim[i];
    return n;
}

bool shape_equal(const Shape *a, const Shape *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dim[i] != b->dim[i])
            return false;
    return true;
}

static const char *dims_fmt(const Shape *s, char *buf, size_t size, bool batch)
{
    size_t n = 0;
    buf[0] = '\0';
    n += (size_t)snprintf(buf + n, size - n, batch ? "(None" : "[");
    for (int i = 0; i < s->rank && n < size; i++) {
        const char *sep = (batch || i > 0) ? ", " : "";
        if (s->dim[i] < 0)
            n += (size_t)snprintf(buf + n, size - n, batch ? "%sNone" : "%s-1", sep);
        else
            n += (size_t)snprintf(buf + n, size - n, "%s%ld", sep, s->dim[i]);
    }
    if (n < size)
        snprintf(buf + n, size - n, batch ? (s->rank == 0 ? ",)" : ")") : "]");
    return buf;
}

const char *shape_str(const Shape *s, char *buf, size_t size)
{
    return dims_fmt(s, buf, size, true);
}

const char *dims_str(const Shape *s, char *buf, size_t size)
{
    return dims_fmt(s, buf, size, false);
}

/* Elements in a tensor or parameter, or -1 when beyond what kcc compiles. */
static long bounded_count(const Shape *s)
{
    long n = 1;
    for (int i = 0; i < s->rank; i++) {
        if (s->dim[i] < 0 || (s->dim[i] > 0 && n > INT_MAX / s->dim[i]))
            return -1;
        n *= s->dim[i];
    }
    return n;
}

bool input_shape_parse(const char *text, Shape *s)
{
    s->rank = 0;
    const char *p = text;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > INT_MAX || s->rank == MAX_RANK)
            return false;
        s->dim[s->rank++] = v;
        if (*end == '\0')
            return true;
        if (*end != ',' && *end != 'x')
            return false;
        p = end + 1;
    }
}

bool input_shape_give(Model *m, const Shape *given)
{
    if (m->has_input_shape) {
        const Shape *own = &m->input_shape;
        bool fits = own->rank == given->rank;
        for (int i = 0; fits && i < own->rank; i++)
            fits = own->dim[i] < 0 || own->dim[i] == given->dim[i];
        if (!fits) {
            char a[128], b[128];
            const char *key = m->input_shape_key;
            char *path = m->input_shape_layer ? xformat("config.%s", key) : xstrdup(key);
            layer_error(m, m->input_shape_layer, path,
                        "the model's input shape %s conflicts with --input-shape %s: only the "
                        "sizes the model leaves unknown (None) can be given",
                        shape_str(own, a, sizeof a), shape_str(given, b, sizeof b));
            free(path);
            return false;
        }
    }
    m->input_shape = *given;
    m->has_input_shape = true;
    m->input_shape_override = true;
    return true;
}

bool infer_shapes(Model *m)
{
    int before = m->diag->errors;
    char buf[128];
    const Layer *first = m->nlayers > 0 ? &m->layers[0] : NULL;

    if (!m->has_input_shape) {
        layer_error(m, first, NULL,
                    "the model does not give its input shape: the first layer needs "
                    "batch_input_shape (or batch_shape, input_shape, input_dim); or pass "
                    "--input-shape");
        return false;
    }
    Shape in = m->input_shape;
    if (!m->input_shape_override) {
        const char *key = m->input_shape_key;
        char *path = m->input_shape_layer ? xformat("config.%s", key) : xstrdup(key);
        if (in.rank == 0) {
            layer_error(m, m->input_shape_layer, path, "the input shape has no axes besides the batch");
        } else {
            for (int i = 0; i < in.rank; i++) {
                if (in.dim[i] < 0) {
                    layer_error(m, m->input_shape_layer, path,
                                "input shape %s has an unknown size; kcc compiles for fixed "
                                "shapes: pass --input-shape with every size",
                                shape_str(&in, buf, sizeof buf));
                    break;
                }
            }
        }
        free(path);
        if (m->diag->errors > before)
            return false;
    }
    if (bounded_count(&in) < 0) {
        diag_error(m->diag, "%s: input shape %s is too large", m->file,
                   shape_str(&in, buf, sizeof buf));
        return false;
    }
    m->values[m->input].shape = in;
    if (m->output == m->input) {
        layer_error(m, first, NULL, "the model has no layers besides its input");
        return false;
    }

    for (int i = 0; i < m->nlayers; i++) {
        Layer *l = &m->layers[i];
        if (l->op->flags & OPF_INPUT)
            continue;
        const Shape *lin = &m->values[l->input].shape;
        Shape out;
        memset(&out, 0, sizeof out);
        if (!l->op->infer(m, l, lin, &out))
            return false;
        if (bounded_count(&out) <= 0) {
            layer_error(m, l, NULL, "output shape %s is empty or too large",
                        shape_str(&out, buf, sizeof buf));
            return false;
        }
        for (int k = 0; k < l->nparams; k++) {
            if (bounded_count(&l->params[k].shape) <= 0) {
                layer_error(m, l, NULL, "weight '%s' of shape %s is empty or too large",
                            l->params[k].name, dims_str(&l->params[k].shape, buf, sizeof buf));
                return false;
            }
        }
        m->values[l->output].shape = out;
    }
    return m->diag->errors == before;
}
