/*
 * emit_c.c - Plan -> C99: the C dialect.
 *
 * Writes model.c (weights, activation helpers, one function per step,
 * entry points) and model.h (sizes as macros, the API).  The code needs
 * libm and nothing else: no malloc, no stdio, one static arena.  Output is
 * a pure function of the plan and the options, byte for byte.  Nothing
 * from the model file reaches the source except through c_identifier
 * (names) or safe_text (comments).
 */
#include "compiler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const Dialect dialect_f32 = {"float", "f", "f", 9};
static const Dialect dialect_f64 = {"double", "", "", 17};

void emit_literal(StrBuf *sb, const Dialect *dl, double v)
{
    if (isnan(v)) {
        sb_add(sb, "NAN");
        return;
    }
    if (isinf(v)) {
        sb_add(sb, v < 0 ? "-INFINITY" : "INFINITY");
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", dl->digits, v);
    sb_add(sb, buf);
    if (!strpbrk(buf, ".e"))
        sb_add(sb, ".0");
    sb_add(sb, dl->lit);
}

const char *emit_param(const Emit *e, const Layer *l, int param)
{
    const char *s = e->param_expr[l->index * MAX_PARAMS + param];
    KCC_ASSERT(s);
    return s;
}

const char *emit_fn_name(const Step *s)
{
    return s->layer->cname;
}

/* "layer 1 "dense_1" (Dense)" with the name made safe for a comment. */
static void describe_layer(StrBuf *sb, const Layer *l)
{
    char *name = safe_text(l->name);
    char *type = safe_text(l->type);
    sb_printf(sb, "layer %d \"%s\" (%s)", l->index, name, type);
    free(name);
    free(type);
}

static const char *act_label(const Act *a)
{
    return act_def(a->kind)->label;
}

static void describe_buffer(StrBuf *sb, const Plan *p, int value)
{
    const Buffer *b = &p->bufs[p->value_buf[value]];
    switch (b->kind) {
    case BUF_INPUT:
        sb_add(sb, "the input");
        break;
    case BUF_OUTPUT:
        sb_add(sb, "the output");
        break;
    case BUF_ARENA:
        sb_printf(sb, "arena[%ld, %ld)", b->offset, b->offset + b->size);
        break;
    }
}

void emit_step_comment(Emit *e, const Step *s)
{
    const Plan *p = e->plan;
    const Model *m = p->m;
    StrBuf *sb = e->out;
    char b1[128], b2[128];
    sb_add(sb, "/* ");
    if (s->op == op_copy())
        sb_add(sb, "copy: the model's output is its input\n");
    else
        describe_layer(sb, s->layer);
    for (int i = 0; i < s->nfolded; i++) {
        sb_add(sb, "\n *   + ");
        describe_layer(sb, s->folded[i]);
        sb_add(sb, ", folded into the kernel and bias");
    }
    for (int i = 0; i < s->nepilogue; i++) {
        if (s->fused[i] == s->layer) {
            sb_printf(sb, ", %s", act_label(&s->epilogue[i]));
        } else {
            sb_add(sb, "\n *   + ");
            describe_layer(sb, s->fused[i]);
            sb_printf(sb, ", %s", act_label(&s->epilogue[i]));
        }
    }
    sb_printf(sb, "\n * %s -> %s: reads ", dims_str(&m->values[s->in].shape, b1, sizeof b1),
              dims_str(&m->values[s->out].shape, b2, sizeof b2));
    describe_buffer(sb, p, s->in);
    sb_add(sb, ", writes ");
    describe_buffer(sb, p, s->out);
    sb_add(sb, "\n */\n");
}

/* [outer, n, inner] around the axis of an along-axis activation. */
static void axis_split(const Shape *s, int axis, long *outer, long *n, long *inner)
{
    *outer = *inner = 1;
    for (int i = 0; i < axis; i++)
        *outer *= s->dim[i];
    *n = s->dim[axis];
    for (int i = axis + 1; i < s->rank; i++)
        *inner *= s->dim[i];
}

static void act_call(Emit *e, StrBuf *sb, const Act *a, const char *x)
{
    const Dialect *dl = e->dl;
    const ActDef *d = act_def(a->kind);
    e->act_used[a->kind] = true;
    if (!d->fn) {
        sb_add(sb, x);
        return;
    }
    sb_printf(sb, "%s(%s", d->fn, x);
    switch (d->args) {
    case ARGS_NONE:
        break;
    case ARGS_ALPHA:
        sb_add(sb, ", ");
        emit_literal(sb, dl, a->alpha);
        break;
    case ARGS_RELU:
        sb_add(sb, ", ");
        if (a->has_max)
            emit_literal(sb, dl, a->max_value);
        else
            sb_add(sb, "INFINITY");
        sb_add(sb, ", ");
        emit_literal(sb, dl, a->alpha);
        sb_add(sb, ", ");
        emit_literal(sb, dl, a->threshold);
        break;
    }
    sb_add(sb, ")");
}

void emit_act_expr(Emit *e, StrBuf *sb, const Act *acts, int n, const char *x)
{
    if (n == 0) {
        sb_add(sb, x);
        return;
    }
    StrBuf inner = {0};
    emit_act_expr(e, &inner, acts, n - 1, x);
    act_call(e, sb, &acts[n - 1], inner.data);
    sb_free(&inner);
}

bool epilogue_elementwise(const Step *s)
{
    for (int i = 0; i < s->nepilogue; i++)
        if (act_def(s->epilogue[i].kind)->along_axis)
            return false;
    return true;
}

void emit_epilogue(Emit *e, StrBuf *sb, const Step *s, const char *x, const char *y, long count)
{
    const char *src = x;
    int i = 0;
    bool first = true;
    while (i < s->nepilogue) {
        const Act *a = &s->epilogue[i];
        if (!first)
            sb_add(sb, "\n");
        first = false;
        if (act_def(a->kind)->along_axis) {
            long outer, n, inner;
            axis_split(&s->eshape[i], a->axis, &outer, &n, &inner);
            e->act_used[a->kind] = true;
            sb_printf(sb, "%s(%s, %s, %ld, %ld, %ld);", act_def(a->kind)->fn, y, src, outer, n,
                      inner);
            i++;
        } else {
            /* A run of element-wise activations: one loop. */
            int j = i;
            while (j < s->nepilogue && !act_def(s->epilogue[j].kind)->along_axis)
                j++;
            long n = count ? count : shape_count(&s->eshape[i]);
            char xi[64];
            snprintf(xi, sizeof xi, "%s[i]", src);
            sb_printf(sb, "for (int i = 0; i < %ld; i++)\n    %s[i] = ", n, y);
            emit_act_expr(e, sb, &s->epilogue[i], j - i, xi);
            sb_add(sb, ";");
            i = j;
        }
        src = y;
    }
    if (first && strcmp(x, y) != 0) {
        /* No activation at all (a linear Activation layer): copy. */
        long n = count ? count : shape_count(&e->plan->m->values[s->out].shape);
        sb_printf(sb, "for (int i = 0; i < %ld; i++)\n    %s[i] = %s[i];", n, y, x);
    }
}

static bool lookup_key(const char *const *kv, const char *key)
{
    for (int i = 0; kv[i]; i += 2)
        if (strcmp(kv[i], key) == 0)
            return true;
    return false;
}

void emit_kernel(Emit *e, const Step *s, const char *tmpl, const char *const *kv)
{
    StrBuf comment = {0}, epi = {0};
    StrBuf *saved = e->out;
    e->out = &comment;
    emit_step_comment(e, s);
    e->out = saved;
    /* The comment ends with a newline; the template supplies its own. */
    if (comment.len && comment.data[comment.len - 1] == '\n')
        comment.data[--comment.len] = '\0';
    sb_add(&epi, "");
    if ((s->op->flags & OPF_EPILOGUE) && !lookup_key(kv, "EPILOGUE"))
        emit_epilogue(e, &epi, s, "y", "y", 0);

    const char *common[] = {
        "FN", emit_fn_name(s),
        "COMMENT", comment.data,
        "T", e->dl->ctype,
        "L", e->dl->lit,
        "F", e->dl->fn,
        "EPILOGUE", epi.data,
    };
    int n = 0;
    while (kv[n])
        n++;
    const char **all = xmalloc(sizeof *all * (size_t)(n + 13));
    memcpy(all, kv, sizeof *all * (size_t)n);
    memcpy(all + n, common, sizeof common);
    all[n + 12] = NULL;
    template_expand(e->out, template_get(tmpl), all);
    sb_add(e->out, "\n");
    free(all);
    sb_free(&comment);
    sb_free(&epi);
}

/* ---- weights ----------------------------------------------------------- */

/* The layers whose parameters the code holds, each once, in step order:
 * the steps' layers, which are the plan's own copies where fuse.c folded
 * or rewrote one (a BatchNormalization folded away has none).  out holds
 * nsteps entries; returns how many. */
static int param_layers(const Plan *p, const Layer **out)
{
    int n = 0;
    bool *seen = xcalloc((size_t)p->m->nlayers + 1, sizeof *seen);
    for (int s = 0; s < p->nsteps; s++) {
        const Layer *l = p->steps[s].layer;
        if (p->steps[s].op == op_copy() || l->nparams == 0 || seen[l->index])
            continue;
        seen[l->index] = true;
        out[n++] = l;
    }
    free(seen);
    return n;
}

static void emit_values(StrBuf *sb, const Dialect *dl, const double *v, long n)
{
    for (long i = 0; i < n; i++) {
        if (i % 6 == 0)
            sb_add(sb, "    ");
        emit_literal(sb, dl, v[i]);
        sb_add(sb, i + 1 == n ? "\n" : (i % 6 == 5 ? ",\n" : ", "));
    }
}

static void weight_comment(StrBuf *sb, const Layer *l, const Param *p)
{
    char b[128];
    sb_add(sb, "/* ");
    describe_layer(sb, l);
    sb_printf(sb, ": %s %s */\n", p->name, dims_str(&p->shape, b, sizeof b));
}

/* embed: static const arrays here; separate: extern declarations here and
 * the definitions in the weights file. */
static void emit_weight_arrays(Emit *e, StrBuf *src, StrBuf *wsrc)
{
    bool separate = e->opt->weights == WEIGHTS_SEPARATE;
    bool any = false;
    for (int i = 0; i < e->nlayers; i++) {
        const Layer *l = e->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            const Param *p = &l->params[k];
            long n = shape_count(&p->shape);
            const char *name = emit_param(e, l, k);
            if (!any)
                sb_add(src, "/* ---- weights ----------------------------------------------------------- */\n\n");
            any = true;
            weight_comment(src, l, p);
            if (separate) {
                sb_printf(src, "extern const %s %s[%ld];\n\n", e->dl->ctype, name, n);
                weight_comment(wsrc, l, p);
                sb_printf(wsrc, "const %s %s[%ld] = {\n", e->dl->ctype, name, n);
                emit_values(wsrc, e->dl, p->data, n);
                sb_add(wsrc, "};\n\n");
            } else {
                sb_printf(src, "static const %s %s[%ld] = {\n", e->dl->ctype, name, n);
                emit_values(src, e->dl, p->data, n);
                sb_add(src, "};\n\n");
            }
        }
    }
}

/* The runtime weight file's header: magic, version, element size, count
 * and a hash of the architecture (the prefix, every parameter's layer,
 * name and shape). */
static void weights_header(const Emit *e, const EmitOptions *opt, const Dialect *dl,
                           long count, unsigned char h[32])
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    StrBuf sig = {0};
    sb_printf(&sig, "%s;%s;", opt->prefix, dl->ctype);
    for (int i = 0; i < e->nlayers; i++) {
        const Layer *l = e->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            char b[128];
            sb_printf(&sig, "%d/%s:%s;", l->index, l->params[k].name,
                      dims_str(&l->params[k].shape, b, sizeof b));
        }
    }
    for (size_t i = 0; i < sig.len; i++) {
        hash ^= (unsigned char)sig.data[i];
        hash *= 0x100000001b3ULL;
    }
    sb_free(&sig);
    memset(h, 0, 32);
    memcpy(h, "KCCW", 4);
    h[4] = 1; /* version */
    h[8] = (unsigned char)(dl->digits == 9 ? 4 : 8);
    for (int i = 0; i < 8; i++) {
        h[16 + i] = (unsigned char)((uint64_t)count >> (8 * i));
        h[24 + i] = (unsigned char)(hash >> (8 * i));
    }
}

static void emit_runtime_weights(Emit *e, StrBuf *src, StrBuf *blob, long count,
                                 const char *upper)
{
    const Dialect *dl = e->dl;
    unsigned char h[32];
    weights_header(e, e->opt, dl, count, h);
    StrBuf hb = {0}, cnt = {0};
    for (int i = 0; i < 32; i++)
        sb_printf(&hb, "0x%02x%s", h[i], i == 31 ? "" : (i % 8 == 7 ? ",\n" : ", "));
    sb_printf(&cnt, "%ld", count > 0 ? count : 1);
    int bytes = dl->digits == 9 ? 4 : 8;
    char bstr[8];
    snprintf(bstr, sizeof bstr, "%d", bytes);
    const char *kv[] = {
        "COUNT", cnt.data,
        "T", dl->ctype,
        "HEADER_BYTES", hb.data,
        "PREFIX", e->opt->prefix,
        "UPPER", upper,
        "BYTES", bstr,
        "UINT", bytes == 4 ? "uint32_t" : "uint64_t",
        NULL,
    };
    template_expand(src, template_get("load_weights.c"), kv);
    sb_add(src, "\n");
    sb_free(&hb);
    sb_free(&cnt);

    /* The file itself. */
    sb_addn(blob, (const char *)h, 32);
    for (int i = 0; i < e->nlayers; i++) {
        const Layer *l = e->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            const Param *p = &l->params[k];
            long n = shape_count(&p->shape);
            for (long j = 0; j < n; j++) {
                unsigned char b[8];
                if (bytes == 4) {
                    union { float f; uint32_t u; } c;
                    c.f = (float)p->data[j];
                    for (int q = 0; q < 4; q++)
                        b[q] = (unsigned char)(c.u >> (8 * q));
                } else {
                    union { double f; uint64_t u; } c;
                    c.f = p->data[j];
                    for (int q = 0; q < 8; q++)
                        b[q] = (unsigned char)(c.u >> (8 * q));
                }
                sb_addn(blob, (const char *)b, (size_t)bytes);
            }
        }
    }
}

/* ---- the files --------------------------------------------------------- */

static char *upper_of(const char *s)
{
    char *u = xstrdup(s);
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    return u;
}

static void shape_init(StrBuf *sb, const Shape *s)
{
    sb_add(sb, "{");
    for (int i = 0; i < s->rank; i++)
        sb_printf(sb, "%s%ld", i ? ", " : "", s->dim[i]);
    sb_add(sb, "}");
}

static const char *buffer_expr(const Plan *p, int value, char *buf, size_t size)
{
    const Buffer *b = &p->bufs[p->value_buf[value]];
    switch (b->kind) {
    case BUF_INPUT:
        return "input";
    case BUF_OUTPUT:
        return "output";
    case BUF_ARENA:
        snprintf(buf, size, "a + %ld", b->offset);
        return buf;
    }
    return "?";
}

bool emit_c(const Plan *p, const EmitOptions *opt, EmitResult *res)
{
    const Model *m = p->m;
    const Dialect *dl = m->dtype == DT_F64 ? &dialect_f64 : &dialect_f32;
    Emit e = {.plan = p, .dl = dl, .opt = opt};
    memset(res, 0, sizeof *res);
    char *upper = upper_of(opt->prefix);

    /* Every parameter's C expression, and its offset in the blob. */
    e.param_expr = xcalloc((size_t)m->nlayers * MAX_PARAMS, sizeof *e.param_expr);
    long count = 0;
    e.layers = xmalloc(sizeof *e.layers * (size_t)(p->nsteps + 1));
    e.nlayers = param_layers(p, e.layers);
    for (int i = 0; i < e.nlayers; i++) {
        const Layer *l = e.layers[i];
        for (int k = 0; k < l->nparams; k++) {
            char **slot = &e.param_expr[l->index * MAX_PARAMS + k];
            char *pn = c_identifier(l->params[k].name);
            switch (opt->weights) {
            case WEIGHTS_EMBED:
                *slot = xformat("%s_%s", l->cname, pn);
                break;
            case WEIGHTS_SEPARATE:
                *slot = xformat("%s_%s_%s", opt->prefix, l->cname, pn);
                break;
            case WEIGHTS_RUNTIME:
                *slot = xformat("(weights + %ld)", count);
                break;
            }
            free(pn);
            count += shape_count(&l->params[k].shape);
        }
    }

    /* Kernels first: they decide which helpers are needed. */
    StrBuf kernels = {0};
    sb_add(&kernels, "");
    e.out = &kernels;
    for (int s = 0; s < p->nsteps; s++)
        p->steps[s].op->emit(&e, &p->steps[s]);

    StrBuf weights = {0}, helpers = {0}, body = {0}, includes = {0};
    sb_add(&weights, "");
    sb_add(&includes, "");
    if (e.blas_used)
        sb_add(&includes, opt->weights == WEIGHTS_RUNTIME ? "#include <cblas.h>\n" : "#include <cblas.h>");
    if (opt->weights == WEIGHTS_RUNTIME) {
        sb_add(&includes, "#include <stdint.h>");
        emit_runtime_weights(&e, &weights, &res->weights_blob, count, upper);
    } else {
        if (opt->weights == WEIGHTS_SEPARATE) {
            char *wname = safe_text(path_basename(opt->weights_file));
            char *sname = safe_text(path_basename(opt->source_name));
            sb_printf(&res->weights_source,
                      "/*\n * %s - the weights of %s, generated by kcc %s; do not edit.\n"
                      " */\n\n", wname, sname, KCC_VERSION);
            free(wname);
            free(sname);
        }
        emit_weight_arrays(&e, &weights, &res->weights_source);
    }

    sb_add(&helpers, "");
    bool any_helper = false;
    for (int k = 0; k < ACT__COUNT; k++) {
        const ActDef *d = act_def((ActKind)k);
        if (!e.act_used[k] || !d->body)
            continue;
        if (!any_helper)
            sb_add(&helpers, "/* ---- activations ------------------------------------------------------- */\n\n");
        any_helper = true;
        const char *kv[] = {"T", dl->ctype, "F", dl->fn, "L", dl->lit, NULL};
        template_expand(&helpers, d->body, kv);
        sb_add(&helpers, "\n");
    }

    /* The entry point's body: one call per step. */
    char b1[64], b2[64];
    bool uses_arena = false;
    for (int i = 0; i < p->nbufs; i++)
        if (p->bufs[i].kind == BUF_ARENA && p->bufs[i].first >= 0)
            uses_arena = true;
    if (opt->weights == WEIGHTS_RUNTIME)
        sb_add(&body, "if (!weights_loaded)\n    return -1;\n");
    if (uses_arena)
        sb_printf(&body, "%s *a = arena->buf;\n", dl->ctype);
    else
        sb_add(&body, "(void)arena;\n");
    for (int s = 0; s < p->nsteps; s++) {
        const Step *st = &p->steps[s];
        sb_printf(&body, "%s(%s, %s", emit_fn_name(st), buffer_expr(p, st->in, b1, sizeof b1),
                  buffer_expr(p, st->out, b2, sizeof b2));
        if (st->scratch >= 0)
            sb_printf(&body, ", a + %ld", p->bufs[st->scratch].offset);
        sb_add(&body, ");\n");
    }
    sb_add(&body, "return 0;");

    StrBuf sections = {0};
    sb_add(&sections, weights.data);
    sb_add(&sections, helpers.data);
    sb_add(&sections, "/* ---- layers ------------------------------------------------------------ */\n\n");
    sb_add(&sections, kernels.data);

    /* The summary, as a comment. */
    StrBuf summary = {0};
    summary_write(&summary, p, " * ");
    if (summary.len && summary.data[summary.len - 1] == '\n')
        summary.data[--summary.len] = '\0';

    char *cmd = safe_text(opt->command_line);
    char *mname = safe_text(m->name);
    char *mfile = safe_text(path_basename(m->file));
    char *model_line = xformat("Model \"%s\" from %s (%s, Sequential), %s, weights %s%s",
                               mname, mfile, m->schema,
                               m->dtype == DT_F64 ? "float64" : "float32",
                               opt->weights == WEIGHTS_EMBED ? "embedded"
                               : opt->weights == WEIGHTS_SEPARATE ? "in a separate file"
                                                                  : "loaded at run time",
                               m->weights_bound ? "" : " (initialized, untrained)");
    char *guard = xformat("KCC_%s_H", upper);
    char *source_name = safe_text(path_basename(opt->source_name));
    char *header_base = safe_text(path_basename(opt->header_name));

    StrBuf n[12];
    memset(n, 0, sizeof n);
    const Shape *ins = &m->values[m->input].shape, *outs = &m->values[m->output].shape;
    int tbytes = dl->digits == 9 ? 4 : 8;
    sb_printf(&n[0], "%ld", shape_count(ins));
    sb_printf(&n[1], "%d", ins->rank);
    shape_init(&n[2], ins);
    sb_printf(&n[3], "%ld", shape_count(outs));
    sb_printf(&n[4], "%d", outs->rank);
    shape_init(&n[5], outs);
    sb_printf(&n[6], "%ld", count);
    sb_printf(&n[7], "%ld", count * tbytes);
    sb_printf(&n[8], "%ld", p->arena * tbytes);
    sb_printf(&n[9], "%ld", p->macs);
    sb_printf(&n[10], "%ld", p->arena > 0 ? p->arena : 1);
    sb_add(&n[11], "");
    if (opt->weights == WEIGHTS_RUNTIME) {
        char *wf = safe_text(path_basename(opt->weights_file));
        sb_printf(&n[11],
                  "\n/* The weights are loaded at run time: pass the contents of the weight\n"
                  " * file kcc wrote (%s, %s_WEIGHTS_FILE_BYTES bytes).  Returns 0; -1 if the\n"
                  " * size is wrong, -2 if it is not a kcc weight file, -3 if it belongs to\n"
                  " * another model.  Until it succeeds, the predict functions return -1. */\n"
                  "#define %s_WEIGHTS_FILE_BYTES %ld\n"
                  "int %s_load_weights(const void *data, size_t size);",
                  wf, upper, upper, 32 + count * tbytes, opt->prefix);
        free(wf);
    }
    char b3[128], b4[128];
    const char *header_kv[] = {
        "FILE", header_base,
        "VERSION", KCC_VERSION,
        "MODEL_LINE", model_line,
        "T", dl->ctype,
        "UPPER", upper,
        "PREFIX", opt->prefix,
        "GUARD", guard,
        "INPUT_DIMS", dims_str(ins, b3, sizeof b3),
        "OUTPUT_DIMS", dims_str(outs, b4, sizeof b4),
        "INPUT_SIZE", n[0].data,
        "INPUT_RANK", n[1].data,
        "INPUT_SHAPE", n[2].data,
        "OUTPUT_SIZE", n[3].data,
        "OUTPUT_RANK", n[4].data,
        "OUTPUT_SHAPE", n[5].data,
        "PARAMS", n[6].data,
        "WEIGHTS_WHERE", opt->weights == WEIGHTS_EMBED ? "static const, in flash"
                         : opt->weights == WEIGHTS_SEPARATE ? "const, in the weights source"
                                                            : "static, in RAM",
        "WEIGHTS_BYTES", n[7].data,
        "ARENA_BYTES", n[8].data,
        "MACS", n[9].data,
        "ARENA_ELEMS", n[10].data,
        "RUNTIME_API", n[11].data,
        NULL,
    };
    template_expand(&res->header, template_get("model.h"), header_kv);

    const char *source_kv[] = {
        "FILE", source_name,
        "VERSION", KCC_VERSION,
        "COMMAND", cmd,
        "MODEL_LINE", model_line,
        "SUMMARY", summary.data,
        "HEADER", header_base,
        "INCLUDES", includes.data,
        "SECTIONS", sections.data,
        "PREFIX", opt->prefix,
        "UPPER", upper,
        "T", dl->ctype,
        "BODY", body.data,
        NULL,
    };
    template_expand(&res->source, template_get("model.c"), source_kv);
    sb_free(&sections);

    for (int i = 0; i < 12; i++)
        sb_free(&n[i]);
    for (int i = 0; i < m->nlayers * MAX_PARAMS; i++)
        free(e.param_expr[i]);
    free(e.param_expr);
    free(e.layers);
    sb_free(&kernels);
    sb_free(&weights);
    sb_free(&helpers);
    sb_free(&body);
    sb_free(&includes);
    sb_free(&summary);
    free(cmd);
    free(mname);
    free(mfile);
    free(model_line);
    free(guard);
    free(source_name);
    free(header_base);
    free(upper);
    return true;
}

void emit_result_free(EmitResult *r)
{
    sb_free(&r->source);
    sb_free(&r->header);
    sb_free(&r->weights_source);
    sb_free(&r->weights_blob);
}
