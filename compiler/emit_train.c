/*
 * emit_train.c - Model -> C for training: a kcc_model_def (see kcc.h).
 *
 * Training needs every activation until the backward pass, so the plan is
 * simpler than inference's: one step a layer (a Dense with an activation
 * is two: the linear part and the activation, whose input backward
 * needs), views (Reshape, channels_last Flatten) alias their input, and
 * Dropout is a real step with a mask.  Each step's output has its own
 * region of the work array, sized for the maximum batch; backward passes
 * the gradient between two more regions, alternately.  When the model
 * ends in a sigmoid or a softmax over the last axis, forward also returns
 * the logits and backward can start from dL/dlogits, so that the runtime
 * computes a crossentropy from logits as Keras does.
 *
 * Generated training code is host code: it includes kcc.h, memcpy and
 * libm, and works in float32.
 */
#include "compiler.h"

#include <stdlib.h>
#include <string.h>

typedef enum TKind { T_DENSE, T_ACT, T_PRELU, T_DROPOUT, T_TRANSPOSE, T_COPY } TKind;

typedef struct TStep {
    TKind kind;
    const Layer *layer;
    Act act;                    /* T_ACT */
    int in, out;                /* buffer ids; -1: the caller's input */
    Shape in_shape, out_shape;  /* one sample */
    long mask;                  /* T_DROPOUT: its mask in work */
    const char *suffix;         /* "" or "_act": the second step of a Dense */
} TStep;

typedef struct TBuf {
    long size;                  /* floats a sample */
    long offset;                /* in work */
} TBuf;

typedef struct TPlan {
    const Model *m;
    int batch;
    TStep *steps;
    int nsteps;
    TBuf *bufs;
    int nbufs;
    int out_buf;                /* the model output's buffer */
    bool fused_final;           /* the last step is a sigmoid/softmax for the loss */
    kcc_final_act final_act;
    long grad[2];               /* the two gradient regions */
    long work;                  /* floats in all */
} TPlan;

static int tbuf(TPlan *t, long size)
{
    t->bufs = xrealloc(t->bufs, sizeof *t->bufs * (size_t)(t->nbufs + 1));
    t->bufs[t->nbufs].size = size;
    t->bufs[t->nbufs].offset = 0;
    return t->nbufs++;
}

static TStep *tstep(TPlan *t, TKind kind, const Layer *l, int in, const Shape *in_shape,
                    const Shape *out_shape)
{
    t->steps = xrealloc(t->steps, sizeof *t->steps * (size_t)(t->nsteps + 1));
    TStep *s = &t->steps[t->nsteps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->layer = l;
    s->in = in;
    s->in_shape = *in_shape;
    s->out_shape = *out_shape;
    s->out = tbuf(t, shape_count(out_shape));
    s->suffix = "";
    return s;
}

/* Reports what training cannot do yet; returns false then. */
static bool trainable_layer(Model *m, const Layer *l)
{
    if (l->activity_regularizer) {
        layer_error(m, l, "config.activity_regularizer", "activity regularizers are not "
                    "supported in training yet");
        return false;
    }
    if (l->noise_shape) {
        layer_error(m, l, "config.noise_shape", "Dropout with a noise_shape is not supported "
                    "in training yet");
        return false;
    }
    return true;
}

/* Lowers the model to training steps and lays out the work array. */
static TPlan *plan_training(Model *m, int batch)
{
    TPlan *t = xcalloc(1, sizeof *t);
    t->m = m;
    t->batch = batch;
    int *vbuf = xmalloc(sizeof *vbuf * (size_t)m->nvalues);
    for (int v = 0; v < m->nvalues; v++)
        vbuf[v] = -1;
    bool ok = true;

    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        const OpDef *op = l->op;
        if (op->flags & OPF_INPUT)
            continue;
        if (!trainable_layer(m, l))
            ok = false;
        const Shape *ins = &m->values[l->input].shape, *outs = &m->values[l->output].shape;
        int in = vbuf[l->input];
        if ((op->flags & OPF_VIEW) && op->is_view(m, l)) {
            vbuf[l->output] = in;
            continue;
        }
        TStep *s;
        if (strcmp(op->name, "Dense") == 0) {
            s = tstep(t, T_DENSE, l, in, ins, outs);
            if (l->act.kind != ACT_LINEAR) {
                int z = s->out;
                s = tstep(t, T_ACT, l, z, outs, outs);
                s->act = l->act;
                s->suffix = "_act";
            }
        } else if (op->flags & OPF_ACTIVATION) {
            s = tstep(t, T_ACT, l, in, ins, outs);
            s->act = l->act;
        } else if (strcmp(op->name, "PReLU") == 0) {
            s = tstep(t, T_PRELU, l, in, ins, outs);
        } else if (strcmp(op->name, "Dropout") == 0) {
            s = tstep(t, T_DROPOUT, l, in, ins, outs);
        } else if (strcmp(op->name, "Flatten") == 0) {
            s = tstep(t, T_TRANSPOSE, l, in, ins, outs);
        } else {
            internal_error(__FILE__, __LINE__, op->name);
        }
        vbuf[l->output] = s->out;
    }
    t->out_buf = vbuf[m->output];
    if (t->out_buf < 0) {
        /* Only views: the output is the input, copied. */
        const Shape *s = &m->values[m->output].shape;
        t->out_buf = tstep(t, T_COPY, &m->layers[m->nlayers - 1], -1, s, s)->out;
    }
    free(vbuf);
    if (!ok) {
        free(t->steps);
        free(t->bufs);
        free(t);
        return NULL;
    }

    /* A final sigmoid, or softmax over the last axis, can hand the loss
     * its logits. */
    const TStep *last = &t->steps[t->nsteps - 1];
    t->final_act = KCC_FINAL_OTHER;
    if (last->kind == T_DENSE)
        t->final_act = KCC_FINAL_LINEAR;
    if (last->kind == T_ACT && last->out == t->out_buf) {
        if (last->act.kind == ACT_LINEAR)
            t->final_act = KCC_FINAL_LINEAR;
        if (last->act.kind == ACT_SIGMOID)
            t->final_act = KCC_FINAL_SIGMOID;
        if (last->act.kind == ACT_SOFTMAX && last->act.axis == last->out_shape.rank - 1)
            t->final_act = KCC_FINAL_SOFTMAX;
    }
    t->fused_final = t->final_act == KCC_FINAL_SIGMOID || t->final_act == KCC_FINAL_SOFTMAX;

    /* Work: every step's output, dropout masks, two gradient regions. */
    long off = 0, largest = shape_count(&m->values[m->input].shape);
    for (int b = 0; b < t->nbufs; b++) {
        t->bufs[b].offset = off;
        off += t->bufs[b].size * batch;
        if (t->bufs[b].size > largest)
            largest = t->bufs[b].size;
    }
    for (int i = 0; i < t->nsteps; i++) {
        if (t->steps[i].kind == T_DROPOUT) {
            t->steps[i].mask = off;
            off += shape_count(&t->steps[i].out_shape) * batch;
        }
    }
    t->grad[0] = off;
    t->grad[1] = off + largest * batch;
    t->work = off + 2 * largest * batch;
    return t;
}

static void tplan_free(TPlan *t)
{
    if (!t)
        return;
    free(t->steps);
    free(t->bufs);
    free(t);
}

/* ---- emission ---------------------------------------------------------- */

typedef struct TEmit {
    const TPlan *t;
    StrBuf *out;
    long *param_offset;         /* [layer * MAX_PARAMS + k] */
    bool act_used[ACT__COUNT];
    bool grad_used[ACT__COUNT];
} TEmit;

static const Dialect f32 = {"float", "f", "f", 9};

static char *step_name(const TStep *s)
{
    return xformat("%s%s", s->layer->cname, s->kind == T_COPY ? "_copy" : s->suffix);
}

static void step_comment(StrBuf *sb, const TStep *s)
{
    char *name = safe_text(s->layer->name), *type = safe_text(s->layer->type);
    char b1[128], b2[128];
    const char *what = s->kind == T_DENSE ? "the linear part"
                     : s->kind == T_ACT ? act_def(s->act.kind)->label
                     : s->kind == T_COPY ? "a copy of the input" : "";
    sb_printf(sb, "/* layer %d \"%s\" (%s)%s%s: %s -> %s */", s->layer->index, name, type,
              *what ? ", " : "", what, dims_str(&s->in_shape, b1, sizeof b1),
              dims_str(&s->out_shape, b2, sizeof b2));
    free(name);
    free(type);
}

static const char *num(char *buf, long v)
{
    snprintf(buf, 32, "%ld", v);
    return buf;
}

/* act(x) and its derivative's call, with the layer's constants. */
static void act_calls(TEmit *te, const Act *a, StrBuf *fwd, StrBuf *grad)
{
    const ActDef *d = act_def(a->kind);
    te->act_used[a->kind] = true;
    te->grad_used[a->kind] = true;
    StrBuf args = {0};
    sb_add(&args, "");
    if (d->args == ARGS_ALPHA) {
        sb_add(&args, ", ");
        emit_literal(&args, &f32, a->alpha);
    } else if (d->args == ARGS_RELU) {
        sb_add(&args, ", ");
        if (a->has_max)
            emit_literal(&args, &f32, a->max_value);
        else
            sb_add(&args, "INFINITY");
        sb_add(&args, ", ");
        emit_literal(&args, &f32, a->alpha);
        sb_add(&args, ", ");
        emit_literal(&args, &f32, a->threshold);
    }
    if (!d->fn) {
        sb_add(fwd, "x[i]");
        sb_add(grad, "1.0f");
    } else {
        sb_printf(fwd, "%s(x[i]%s)", d->fn, args.data);
        sb_printf(grad, "d%s(x[i], y[i]%s)", d->fn, args.data);
    }
    sb_free(&args);
}

static void emit_step(TEmit *te, const TStep *s)
{
    const Layer *l = s->layer;
    StrBuf comment = {0};
    step_comment(&comment, s);
    char *fn = step_name(s);
    char b[8][32];
    long size = shape_count(&s->out_shape);
    StrBuf x1 = {0}, x2 = {0};
    sb_add(&x1, "");
    sb_add(&x2, "");
    const char *tmpl = NULL;
    const char *kv[24] = {"FN", fn, "COMMENT", comment.data, "SIZE", num(b[0], size), NULL};
    int k = 6;

    switch (s->kind) {
    case T_DENSE: {
        long n = s->in_shape.dim[s->in_shape.rank - 1];
        long koff = te->param_offset[l->index * MAX_PARAMS + 0];
        if (l->use_bias) {
            long boff = te->param_offset[l->index * MAX_PARAMS + 1];
            sb_printf(&x1, "p[%ld + j]", boff);
            sb_printf(&x2, "for (int j = 0; j < %ld; j++)\n    g[%ld + j] += dyr[j];", l->units,
                      boff);
        } else {
            sb_add(&x1, "0.0f");
        }
        tmpl = "train_dense.c";
        kv[k++] = "ROWS", kv[k++] = num(b[1], shape_count(&s->in_shape) / n);
        kv[k++] = "IN", kv[k++] = num(b[2], n);
        kv[k++] = "UNITS", kv[k++] = num(b[3], l->units);
        kv[k++] = "KERNEL", kv[k++] = num(b[4], koff);
        kv[k++] = "BIAS", kv[k++] = x1.data;
        kv[k++] = "DBIAS", kv[k++] = x2.data;
        break;
    }
    case T_ACT:
        if (act_def(s->act.kind)->along_axis) {
            long outer = 1, inner = 1;
            for (int i = 0; i < s->act.axis; i++)
                outer *= s->out_shape.dim[i];
            for (int i = s->act.axis + 1; i < s->out_shape.rank; i++)
                inner *= s->out_shape.dim[i];
            te->act_used[s->act.kind] = te->grad_used[s->act.kind] = true;
            tmpl = "train_activation_axis.c";
            kv[k++] = "ACT_FN", kv[k++] = act_def(s->act.kind)->fn;
            kv[k++] = "OUTER", kv[k++] = num(b[1], outer);
            kv[k++] = "N", kv[k++] = num(b[2], s->out_shape.dim[s->act.axis]);
            kv[k++] = "INNER", kv[k++] = num(b[3], inner);
        } else {
            act_calls(te, &s->act, &x1, &x2);
            tmpl = "train_activation.c";
            kv[k++] = "ACT", kv[k++] = x1.data;
            kv[k++] = "DACT", kv[k++] = x2.data;
        }
        break;
    case T_PRELU: {
        /* alpha's index for element i of a sample, as in inference. */
        long stride = 1, astride = 1;
        bool any = false;
        for (int d = s->in_shape.rank - 1; d >= 0; d--) {
            long dim = s->in_shape.dim[d];
            if (!(l->shared_axes & (1u << d)) && dim > 1) {
                sb_printf(&x1, "%s(i / %ld %% %ld) * %ld", any ? " + " : "", stride, dim,
                          astride);
                any = true;
                astride *= dim;
            }
            stride *= dim;
        }
        if (!any)
            sb_add(&x1, "0");
        tmpl = "train_prelu.c";
        kv[k++] = "ALPHA", kv[k++] = num(b[1], te->param_offset[l->index * MAX_PARAMS + 0]);
        kv[k++] = "AIDX", kv[k++] = x1.data;
        break;
    }
    case T_DROPOUT:
        tmpl = "train_dropout.c";
        emit_literal(&x1, &f32, l->rate);
        emit_literal(&x2, &f32, l->rate < 1 ? 1.0 / (1.0 - l->rate) : 0.0);
        kv[k++] = "RATE", kv[k++] = x1.data;
        kv[k++] = "SCALE", kv[k++] = x2.data;
        break;
    case T_TRANSPOSE:
        tmpl = "train_transpose.c";
        kv[k++] = "C", kv[k++] = num(b[1], s->in_shape.dim[0]);
        kv[k++] = "S", kv[k++] = num(b[2], shape_count(&s->in_shape) / s->in_shape.dim[0]);
        break;
    case T_COPY:
        tmpl = "train_copy.c";
        break;
    }
    kv[k] = NULL;
    template_expand(te->out, template_get(tmpl), kv);
    sb_add(te->out, "\n");
    free(fn);
    sb_free(&comment);
    sb_free(&x1);
    sb_free(&x2);
}

/* "x" for the caller's input, else "work + offset". */
static const char *buf_expr(const TPlan *t, int buf, char *out, size_t size)
{
    if (buf < 0)
        return "x";
    snprintf(out, size, "work + %ld", t->bufs[buf].offset);
    return out;
}

static void emit_forward(const TPlan *t, StrBuf *sb)
{
    char b1[64], b2[64];
    bool uses_rng = false;
    for (int i = 0; i < t->nsteps; i++) {
        const TStep *s = &t->steps[i];
        char *fn = step_name(s);
        const char *in = buf_expr(t, s->in, b1, sizeof b1);
        const char *out = buf_expr(t, s->out, b2, sizeof b2);
        switch (s->kind) {
        case T_DENSE:
        case T_PRELU:
            sb_printf(sb, "%s_forward(p, %s, %s, n);\n", fn, in, out);
            break;
        case T_DROPOUT:
            sb_printf(sb, "%s_forward(%s, %s, work + %ld, n, training, rng);\n", fn, in, out,
                      s->mask);
            uses_rng = true;
            break;
        case T_ACT:
        case T_TRANSPOSE:
        case T_COPY:
            sb_printf(sb, "%s_forward(%s, %s, n);\n", fn, in, out);
            break;
        }
        free(fn);
    }
    long out_size = shape_count(&t->m->values[t->m->output].shape);
    sb_printf(sb, "memcpy(y, work + %ld, sizeof *y * (size_t)n * %ld);\n",
              t->bufs[t->out_buf].offset, out_size);
    if (t->fused_final) {
        const TStep *last = &t->steps[t->nsteps - 1];
        sb_printf(sb, "if (logits)\n    memcpy(logits, work + %ld, sizeof *logits * (size_t)n * %ld);\n",
                  t->bufs[last->in].offset, out_size);
    }
    (void)uses_rng;
    if (sb->len && sb->data[sb->len - 1] == '\n')
        sb->data[--sb->len] = '\0';
}

static void emit_backward(const TPlan *t, StrBuf *sb)
{
    char b1[64], b2[64], b3[64];
    int last = t->nsteps - 1;
    sb_add(sb, "const float *d = dy;\n");
    if (t->fused_final) {
        /* From the loss's dL/dlogits, the final activation is skipped. */
        const TStep *s = &t->steps[last];
        char *fn = step_name(s);
        sb_printf(sb, "if (!from_logits) {\n    %s_backward(%s, %s, dy, work + %ld, n);\n"
                      "    d = work + %ld;\n}\n",
                  fn, buf_expr(t, s->in, b1, sizeof b1), buf_expr(t, s->out, b2, sizeof b2),
                  t->grad[1], t->grad[1]);
        free(fn);
        last--;
    }
    int toggle = 0;
    bool any_dx = false;
    for (int i = last; i >= 0; i--) {
        const TStep *s = &t->steps[i];
        bool has_params = s->kind == T_DENSE || s->kind == T_PRELU;
        char *fn = step_name(s);
        if (s->in < 0 && !has_params) {
            /* Nothing to learn, nothing to pass on. */
            if (s->kind != T_COPY)
                sb_printf(sb, "(void)%s_backward;\n", fn);
            free(fn);
            continue;
        }
        char dx[64];
        if (s->in < 0)
            snprintf(dx, sizeof dx, "NULL");
        else
            snprintf(dx, sizeof dx, "work + %ld", t->grad[toggle]);
        const char *in = buf_expr(t, s->in, b1, sizeof b1);
        switch (s->kind) {
        case T_DENSE:
        case T_PRELU:
            sb_printf(sb, "%s_backward(p, g, %s, d, %s, n);\n", fn, in, dx);
            break;
        case T_ACT:
            sb_printf(sb, "%s_backward(%s, %s, d, %s, n);\n", fn, in,
                      buf_expr(t, s->out, b3, sizeof b3), dx);
            break;
        case T_DROPOUT:
            sb_printf(sb, "%s_backward(work + %ld, d, %s, n);\n", fn, s->mask, dx);
            break;
        case T_TRANSPOSE:
            sb_printf(sb, "%s_backward(d, %s, n);\n", fn, dx);
            break;
        case T_COPY:
            break;
        }
        if (s->in >= 0) {
            sb_printf(sb, "d = %s;\n", dx);
            any_dx = true;
            toggle ^= 1;
        }
        free(fn);
    }
    (void)any_dx;
    sb_add(sb, "(void)d;");
}

/* "{28, 28, 1, 0, 0, 0, 0, 0}" */
static void shape_array(StrBuf *sb, const Shape *s)
{
    sb_add(sb, "{");
    for (int i = 0; i < KCC_MAX_RANK; i++)
        sb_printf(sb, "%s%ld", i ? ", " : "", i < s->rank ? s->dim[i] : 0L);
    sb_add(sb, "}");
}

static const char *const init_kinds[] = {
    "KCC_INIT_ZEROS", "KCC_INIT_ONES", "KCC_INIT_CONSTANT", "KCC_INIT_RANDOM_UNIFORM",
    "KCC_INIT_RANDOM_NORMAL", "KCC_INIT_TRUNCATED_NORMAL", "KCC_INIT_VARIANCE_SCALING",
    "KCC_INIT_ORTHOGONAL", "KCC_INIT_IDENTITY",
};
static const char *const fan_kinds[] = {"KCC_FAN_IN", "KCC_FAN_OUT", "KCC_FAN_AVG"};
static const char *const dist_kinds[] = {
    "KCC_DIST_TRUNCATED_NORMAL", "KCC_DIST_UNTRUNCATED_NORMAL", "KCC_DIST_UNIFORM",
};
static const char *const final_names[] = {
    "KCC_FINAL_LINEAR", "KCC_FINAL_SIGMOID", "KCC_FINAL_SOFTMAX", "KCC_FINAL_OTHER",
};

static void emit_params(TEmit *te, StrBuf *sb, long count)
{
    const Model *m = te->t->m;
    /* The values kcc compiled in: trained, or drawn from the initializers. */
    sb_printf(sb, "static const float initial_params[%ld] = {\n", count > 0 ? count : 1);
    long written = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            const Param *p = &l->params[k];
            char b[128];
            char *name = safe_text(l->name);
            sb_printf(sb, "    /* %s/%s %s at %ld */\n", name, p->name,
                      dims_str(&p->shape, b, sizeof b), written);
            free(name);
            long n = shape_count(&p->shape);
            for (long j = 0; j < n; j++) {
                if (j % 6 == 0)
                    sb_add(sb, "    ");
                emit_literal(sb, &f32, p->data[j]);
                sb_add(sb, j % 6 == 5 || j + 1 == n ? ",\n" : ", ");
            }
            written += n;
        }
    }
    if (count == 0)
        sb_add(sb, "    0.0f\n");
    sb_add(sb, "};\n\n");

    int nparams = 0;
    for (int i = 0; i < m->nlayers; i++)
        nparams += m->layers[i].nparams;
    sb_printf(sb, "static const kcc_param_def param_defs[%d] = {\n", nparams > 0 ? nparams : 1);
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            const Param *p = &l->params[k];
            sb_add(sb, "    {");
            c_string(sb, l->name);
            sb_add(sb, ", ");
            c_string(sb, p->name);
            sb_printf(sb, ", %d, ", p->shape.rank);
            shape_array(sb, &p->shape);
            sb_printf(sb, ", %ld, %ld, %d,\n     {%s, ", te->param_offset[i * MAX_PARAMS + k],
                      shape_count(&p->shape), p->trainable ? 1 : 0, init_kinds[p->init.kind]);
            emit_literal(sb, &(Dialect){"double", "", "", 17}, p->init.a);
            sb_add(sb, ", ");
            emit_literal(sb, &(Dialect){"double", "", "", 17}, p->init.b);
            sb_printf(sb, ", %s, %s}, ", fan_kinds[p->init.mode], dist_kinds[p->init.distribution]);
            emit_literal(sb, &(Dialect){"double", "", "", 17}, p->l1);
            sb_add(sb, ", ");
            emit_literal(sb, &(Dialect){"double", "", "", 17}, p->l2);
            sb_add(sb, "},\n");
        }
    }
    if (nparams == 0)
        sb_add(sb, "    {\"\", \"\", 0, {0}, 0, 0, 0, {KCC_INIT_ZEROS, 0, 0, KCC_FAN_IN, "
                   "KCC_DIST_UNIFORM}, 0, 0},\n");
    sb_add(sb, "};\n\n");
}

long train_work_floats(Model *m, int batch)
{
    TPlan *t = plan_training(m, batch);
    long w = t ? t->work : -1;
    tplan_free(t);
    return w;
}

bool emit_train(Model *m, const EmitOptions *opt, int batch, EmitResult *res)
{
    memset(res, 0, sizeof *res);
    if (m->dtype != DT_F32) {
        diag_error(m->diag, "%s: training is float32 only for now (floatx is float64)", m->file);
        return false;
    }
    TPlan *t = plan_training(m, batch);
    if (!t)
        return false;

    TEmit te;
    memset(&te, 0, sizeof te);
    te.t = t;
    te.param_offset = xcalloc((size_t)m->nlayers * MAX_PARAMS, sizeof *te.param_offset);
    long count = 0;
    for (int i = 0; i < m->nlayers; i++)
        for (int k = 0; k < m->layers[i].nparams; k++) {
            te.param_offset[i * MAX_PARAMS + k] = count;
            count += shape_count(&m->layers[i].params[k].shape);
        }

    StrBuf kernels = {0}, helpers = {0}, params = {0}, fwd = {0}, bwd = {0}, topo = {0};
    StrBuf map = {0};
    sb_add(&kernels, "");
    sb_add(&helpers, "");
    te.out = &kernels;
    for (int i = 0; i < t->nsteps; i++)
        emit_step(&te, &t->steps[i]);
    for (int k = 0; k < ACT__COUNT; k++) {
        const char *kv[] = {"T", "float", "F", "f", "L", "f", NULL};
        if (te.act_used[k] && act_def((ActKind)k)->body) {
            template_expand(&helpers, act_def((ActKind)k)->body, kv);
            sb_add(&helpers, "\n");
        }
        if (te.grad_used[k] && act_grad_body((ActKind)k)) {
            template_expand(&helpers, act_grad_body((ActKind)k), kv);
            sb_add(&helpers, "\n");
        }
    }
    emit_params(&te, &params, count);
    emit_forward(t, &fwd);
    emit_backward(t, &bwd);

    char *json = keras_json(m);
    for (size_t i = 0; json[i]; i++)
        sb_printf(&topo, "%d,%s", (unsigned char)json[i], i % 20 == 19 ? "\n" : " ");
    sb_add(&topo, "0");
    free(json);

    for (int b = 0; b < t->nbufs; b++) {
        const TStep *owner = NULL;
        for (int i = 0; i < t->nsteps; i++)
            if (t->steps[i].out == b)
                owner = &t->steps[i];
        char *name = owner ? step_name(owner) : xstrdup("?");
        sb_printf(&map, " *   [%ld, %ld) %s output\n", t->bufs[b].offset,
                  t->bufs[b].offset + t->bufs[b].size * batch, name);
        free(name);
    }
    for (int i = 0; i < t->nsteps; i++)
        if (t->steps[i].kind == T_DROPOUT) {
            char *name = step_name(&t->steps[i]);
            sb_printf(&map, " *   [%ld, %ld) %s mask\n", t->steps[i].mask,
                      t->steps[i].mask + shape_count(&t->steps[i].out_shape) * batch, name);
            free(name);
        }
    sb_printf(&map, " *   [%ld, %ld) and [%ld, %ld) gradients, alternately",
              t->grad[0], t->grad[1], t->grad[1], t->work);

    char *upper = xstrdup(opt->prefix);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    char *guard = xformat("KCC_%s_H", upper);
    char *cmd = safe_text(opt->command_line);
    char *mname = safe_text(m->name);
    char *mfile = safe_text(path_basename(m->file));
    char *model_line = xformat("Model \"%s\" from %s (%s, Sequential)%s", mname, mfile, m->schema,
                               m->weights_bound ? "" : ", initialized, untrained");
    char *source_name = safe_text(path_basename(opt->source_name));
    char *header_base = safe_text(path_basename(opt->header_name));
    StrBuf name = {0}, ins = {0}, outs = {0};
    int nparams = 0;
    for (int i = 0; i < m->nlayers; i++)
        nparams += m->layers[i].nparams;
    c_string(&name, m->name);
    shape_array(&ins, &m->values[m->input].shape);
    shape_array(&outs, &m->values[m->output].shape);
    char n[10][32];
    const char *kv[] = {
        "FILE", source_name,
        "VERSION", KCC_VERSION,
        "COMMAND", cmd,
        "MODEL_LINE", model_line,
        "MAX_BATCH", num(n[0], batch),
        "WORK_FLOATS", num(n[1], t->work),
        "WORK_MAP", map.data,
        "HEADER", header_base,
        "PARAMS", params.data,
        "HELPERS", helpers.data,
        "KERNELS", kernels.data,
        "FORWARD", fwd.data,
        "BACKWARD", bwd.data,
        "TOPOLOGY", topo.data,
        "PREFIX", opt->prefix,
        "NAME", name.data,
        "INPUT_RANK", num(n[2], m->values[m->input].shape.rank),
        "INPUT_SHAPE", ins.data,
        "INPUT_SIZE", num(n[3], shape_count(&m->values[m->input].shape)),
        "OUTPUT_RANK", num(n[4], m->values[m->output].shape.rank),
        "OUTPUT_SHAPE", outs.data,
        "OUTPUT_SIZE", num(n[5], shape_count(&m->values[m->output].shape)),
        "PARAM_COUNT", num(n[6], count),
        "NPARAMS", num(n[7], nparams),
        "FINAL_ACT", final_names[t->final_act],
        NULL,
    };
    template_expand(&res->source, template_get("train_model.c"), kv);
    const char *hkv[] = {
        "FILE", header_base,
        "VERSION", KCC_VERSION,
        "MODEL_LINE", model_line,
        "MAX_BATCH", n[0],
        "GUARD", guard,
        "PREFIX", opt->prefix,
        NULL,
    };
    template_expand(&res->header, template_get("train_model.h"), hkv);

    sb_free(&kernels);
    sb_free(&helpers);
    sb_free(&params);
    sb_free(&fwd);
    sb_free(&bwd);
    sb_free(&topo);
    sb_free(&map);
    sb_free(&name);
    sb_free(&ins);
    sb_free(&outs);
    free(upper);
    free(guard);
    free(cmd);
    free(mname);
    free(mfile);
    free(model_line);
    free(source_name);
    free(header_base);
    free(te.param_offset);
    tplan_free(t);
    return true;
}
