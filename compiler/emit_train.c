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
 * Activity regularizers add to what forward returns, after the step that
 * writes the layer's output (after its activation): l1 * sum |y| + l2 *
 * sum y^2, over the batch, divided by its size for the Keras versions that
 * divide (see ops_norm.c); backward adds their gradient to the gradient
 * of that output before passing it on.
 *
 * Generated training code is host code: it includes kcc.h, memcpy and
 * libm, and works in float32.
 */
#include "compiler.h"

#include <stdlib.h>
#include <string.h>

typedef struct TBuf {
    long size;                  /* floats a sample */
    long offset;                /* in work */
} TBuf;

/* An activity regularizer: the layer, and the buffer its output is in. */
typedef struct TPenalty {
    const Layer *layer;
    int buf;                    /* -1: the caller's input */
} TPenalty;

typedef struct TPlan {
    const Model *m;
    TPenalty *pens;
    int npens;
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
    t->bufs = xgrow(t->bufs, sizeof *t->bufs, (size_t)t->nbufs);
    t->bufs[t->nbufs].size = size;
    t->bufs[t->nbufs].offset = 0;
    return t->nbufs++;
}

static TStep *tstep(TPlan *t, TKind kind, const Layer *l, int in, const Shape *in_shape,
                    const Shape *out_shape)
{
    t->steps = xgrow(t->steps, sizeof *t->steps, (size_t)t->nsteps);
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
    return noise_shape_check(m, l);
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
        if (!op->train_emit) {
            layer_error(m, l, NULL, "training %s layers is not supported yet", op->name);
            ok = false;
            continue;
        }
        TStep *s;
        if (op->flags & OPF_ACTIVATION) {
            s = tstep(t, T_ACT, l, in, ins, outs);
            s->act = l->act;
        } else {
            s = tstep(t, T_OP, l, in, ins, outs);
            s->aux_size = op->train_aux ? op->train_aux(m, l, batch) : 0;
            if ((op->flags & OPF_OWN_ACTIVATION) && l->act.kind != ACT_LINEAR &&
                !train_fuses_act(l)) {
                int z = s->out;
                s = tstep(t, T_ACT, l, z, outs, outs);
                s->act = l->act;
                s->suffix = "_act";
            }
        }
        vbuf[l->output] = s->out;
    }
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        if (!(l->op->flags & OPF_INPUT) && l->activity_regularizer) {
            t->pens = xgrow(t->pens, sizeof *t->pens, (size_t)t->npens);
            t->pens[t->npens].layer = l;
            t->pens[t->npens].buf = vbuf[l->output];
            t->npens++;
        }
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
        free(t->pens);
        free(t);
        return NULL;
    }

    /* A final sigmoid, or softmax over the last axis, can hand the loss
     * its logits. */
    const TStep *last = &t->steps[t->nsteps - 1];
    t->final_act = KCC_FINAL_OTHER;
    if (last->kind == T_OP && (last->layer->op->flags & OPF_OWN_ACTIVATION) &&
        last->layer->act.kind == ACT_LINEAR)
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

    /* Work: every step's output, each step's scratch, two gradient regions. */
    long off = 0, largest = shape_count(&m->values[m->input].shape);
    for (int b = 0; b < t->nbufs; b++) {
        t->bufs[b].offset = off;
        off += t->bufs[b].size * batch;
        if (t->bufs[b].size > largest)
            largest = t->bufs[b].size;
    }
    for (int i = 0; i < t->nsteps; i++) {
        t->steps[i].aux = off;
        off += t->steps[i].aux_size;
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
    free(t->pens);
    free(t);
}

/* ---- emission ---------------------------------------------------------- */

static const Dialect f32 = {"float", "f", "f", 9};

static char *step_name(const TStep *s)
{
    return xformat("%s%s", s->layer->cname, s->kind == T_COPY ? "_copy" : s->suffix);
}

static void step_comment(StrBuf *sb, const TStep *s)
{
    char *name = safe_text(s->layer->name), *type = safe_text(s->layer->type);
    char b1[128], b2[128];
    const char *what = s->kind == T_ACT ? act_def(s->act.kind)->label
                     : s->kind == T_COPY ? "a copy of the input"
                     : train_fuses_act(s->layer) ? act_def(s->layer->act.kind)->label
                     : (s->layer->op->flags & OPF_OWN_ACTIVATION) ? "the linear part" : "";
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

long train_param(const TEmit *te, const Layer *l, int k)
{
    return te->param_offset[l->index * MAX_PARAMS + k];
}

void train_kernel(TEmit *te, const TStep *s, const char *tmpl, const char *const *kv)
{
    StrBuf comment = {0};
    step_comment(&comment, s);
    char *fn = step_name(s);
    char size[32];
    snprintf(size, sizeof size, "%ld", shape_count(&s->out_shape));
    int n = 0;
    while (kv[n])
        n++;
    const char **all = xmalloc(sizeof *all * (size_t)(n + 7));
    memcpy(all, kv, sizeof *all * (size_t)n);
    all[n] = "FN", all[n + 1] = fn;
    all[n + 2] = "COMMENT", all[n + 3] = comment.data;
    all[n + 4] = "SIZE", all[n + 5] = size;
    all[n + 6] = NULL;
    template_expand(te->out, template_get(tmpl), all);
    sb_add(te->out, "\n");
    free(all);
    free(fn);
    sb_free(&comment);
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

/* The built-in steps: activations and the copy. */
static void emit_builtin(TEmit *te, const TStep *s)
{
    char b[3][32];
    StrBuf x1 = {0}, x2 = {0};
    sb_add(&x1, "");
    sb_add(&x2, "");
    if (s->kind == T_COPY) {
        const char *kv[] = {NULL};
        train_kernel(te, s, "train_copy.c", kv);
    } else if (act_def(s->act.kind)->along_axis) {
        long outer = 1, inner = 1;
        for (int i = 0; i < s->act.axis; i++)
            outer *= s->out_shape.dim[i];
        for (int i = s->act.axis + 1; i < s->out_shape.rank; i++)
            inner *= s->out_shape.dim[i];
        te->act_used[s->act.kind] = te->grad_used[s->act.kind] = true;
        snprintf(b[0], 32, "%ld", outer);
        snprintf(b[1], 32, "%ld", s->out_shape.dim[s->act.axis]);
        snprintf(b[2], 32, "%ld", inner);
        const char *kv[] = {"ACT_FN", act_def(s->act.kind)->fn, "OUTER", b[0], "N", b[1],
                            "INNER", b[2], NULL};
        train_kernel(te, s, "train_activation_axis.c", kv);
    } else {
        act_calls(te, &s->act, &x1, &x2);
        const char *kv[] = {"ACT", x1.data, "DACT", x2.data, NULL};
        train_kernel(te, s, "train_activation.c", kv);
    }
    sb_free(&x1);
    sb_free(&x2);
}

/* A step's scratch: "work + offset", or NULL when it has none. */
static const char *aux_expr(const TStep *s, char *out, size_t size)
{
    if (s->aux_size == 0)
        return "NULL";
    snprintf(out, size, "work + %ld", s->aux);
    return out;
}

/* "x" for the caller's input, else "work + offset". */
static const char *buf_expr(const TPlan *t, int buf, char *out, size_t size)
{
    if (buf < 0)
        return "x";
    snprintf(out, size, "work + %ld", t->bufs[buf].offset);
    return out;
}

/* The arguments of activity_penalty and activity_grad after the values:
 * "(long)n * 6, 0.01, 0.0" (count, l1, l2). */
static void penalty_args(StrBuf *sb, const TPlan *t, const TPenalty *pen)
{
    static const Dialect f64 = {"double", "", "", 17};
    long size = shape_count(&t->m->values[pen->layer->output].shape);
    sb_printf(sb, "(long)n * %ld, ", size);
    emit_literal(sb, &f64, pen->layer->act_l1);
    sb_add(sb, ", ");
    emit_literal(sb, &f64, pen->layer->act_l2);
}

/* penalty += the activity regularizers on buffer buf. */
static void emit_penalties(const TPlan *t, StrBuf *sb, int buf)
{
    char b[64];
    for (int i = 0; i < t->npens; i++) {
        const TPenalty *pen = &t->pens[i];
        if (pen->buf != buf)
            continue;
        sb_printf(sb, "penalty += activity_penalty(%s, ", buf_expr(t, buf, b, sizeof b));
        penalty_args(sb, t, pen);
        sb_printf(sb, ")%s;\n", pen->layer->act_batch_mean ? " / n" : "");
    }
}

static bool has_penalty(const TPlan *t, int buf)
{
    for (int i = 0; i < t->npens; i++)
        if (t->pens[i].buf == buf)
            return true;
    return false;
}

/* The gradients of the activity regularizers on buffer buf, added to the
 * gradient at d (an expression of a writable region). */
static void emit_penalty_grads(const TPlan *t, StrBuf *sb, int buf, const char *d)
{
    char b[64];
    for (int i = 0; i < t->npens; i++) {
        const TPenalty *pen = &t->pens[i];
        if (pen->buf != buf)
            continue;
        sb_printf(sb, "activity_grad(%s, %s, ", d, buf_expr(t, buf, b, sizeof b));
        penalty_args(sb, t, pen);
        sb_printf(sb, ", %s);\n", pen->layer->act_batch_mean ? "1.0 / n" : "1.0");
    }
}

static void emit_forward(const TPlan *t, StrBuf *sb)
{
    char b1[64], b2[64], b3[64];
    emit_penalties(t, sb, -1);
    for (int i = 0; i < t->nsteps; i++) {
        const TStep *s = &t->steps[i];
        char *fn = step_name(s);
        sb_printf(sb, "%s_forward(p, %s, %s, %s, n, training, rng);\n", fn,
                  buf_expr(t, s->in, b1, sizeof b1), buf_expr(t, s->out, b2, sizeof b2),
                  aux_expr(s, b3, sizeof b3));
        emit_penalties(t, sb, s->out);
        free(fn);
    }
    long out_size = shape_count(&t->m->values[t->m->output].shape);
    sb_printf(sb, "memcpy(y, work + %ld, sizeof *y * (size_t)n * %ld);", t->bufs[t->out_buf].offset,
              out_size);
    if (t->fused_final) {
        const TStep *last = &t->steps[t->nsteps - 1];
        sb_printf(sb, "\nif (logits)\n    memcpy(logits, work + %ld, sizeof *logits * (size_t)n * %ld);",
                  t->bufs[last->in].offset, out_size);
    }
}

static void emit_backward(const TPlan *t, StrBuf *sb)
{
    char b1[64], b2[64], b3[64];
    int last = t->nsteps - 1;
    /* Where d points, as far as known here: -1 dy, 0 or 1 that gradient
     * region, -2 either dy or region 1 (decided at run time). */
    int dreg = -1;
    sb_add(sb, "const float *d = dy;\n");
    if (t->fused_final) {
        /* From the loss's dL/dlogits, the final activation is skipped. */
        const TStep *s = &t->steps[last];
        char *fn = step_name(s);
        if (!has_penalty(t, s->out)) {
            sb_printf(sb, "if (!from_logits) {\n    %s_backward(p, g, %s, %s, %s, dy, work + %ld, n);\n"
                          "    d = work + %ld;\n}\n",
                      fn, buf_expr(t, s->in, b1, sizeof b1), buf_expr(t, s->out, b2, sizeof b2),
                      aux_expr(s, b3, sizeof b3), t->grad[1], t->grad[1]);
            dreg = -2;
        } else {
            /* A penalty on the output: its gradient goes back through the
             * activation whether or not the loss's does. */
            long size = shape_count(&s->out_shape);
            char g0[64];
            snprintf(g0, sizeof g0, "work + %ld", t->grad[0]);
            StrBuf grads = {0};
            sb_add(&grads, "");
            emit_penalty_grads(t, &grads, s->out, g0);
            sb_printf(sb, "if (!from_logits)\n    memcpy(%s, dy, sizeof *dy * (size_t)n * %ld);\n"
                          "else\n    memset(%s, 0, sizeof *dy * (size_t)n * %ld);\n%s",
                      g0, size, g0, size, grads.data);
            sb_printf(sb, "%s_backward(p, g, %s, %s, %s, %s, work + %ld, n);\n", fn,
                      buf_expr(t, s->in, b1, sizeof b1), buf_expr(t, s->out, b2, sizeof b2),
                      aux_expr(s, b3, sizeof b3), g0, t->grad[1]);
            sb_printf(sb, "if (from_logits)\n    for (long i = 0; i < (long)n * %ld; i++)\n"
                          "        work[%ld + i] += dy[i];\nd = work + %ld;\n",
                      size, t->grad[1], t->grad[1]);
            sb_free(&grads);
            dreg = 1;
        }
        free(fn);
        last--;
    }
    int toggle = 0;
    for (int i = last; i >= 0; i--) {
        const TStep *s = &t->steps[i];
        char *fn = step_name(s);
        bool has_params = s->kind == T_OP && s->layer->nparams > 0;
        if (s->in < 0 && !has_params) {
            /* Nothing to learn, nothing to pass on. */
            sb_printf(sb, "(void)%s_backward;\n", fn);
            free(fn);
            continue;
        }
        if (has_penalty(t, s->out)) {
            /* d += the penalties' gradient, in the region backward does not
             * write next (a copy of d first, unless d is there). */
            int r = toggle ^ 1;
            char reg[64];
            snprintf(reg, sizeof reg, "work + %ld", t->grad[r]);
            if (dreg == -1)
                sb_printf(sb, "memcpy(%s, d, sizeof *d * (size_t)n * %ld);\n", reg,
                          shape_count(&s->out_shape));
            else if (dreg != r)
                sb_printf(sb, "if (d != %s)\n    memcpy(%s, d, sizeof *d * (size_t)n * %ld);\n",
                          reg, reg, shape_count(&s->out_shape));
            emit_penalty_grads(t, sb, s->out, reg);
            sb_printf(sb, "d = %s;\n", reg);
            dreg = r;
        }
        char dx[64];
        if (s->in < 0)
            snprintf(dx, sizeof dx, "NULL");
        else
            snprintf(dx, sizeof dx, "work + %ld", t->grad[toggle]);
        sb_printf(sb, "%s_backward(p, g, %s, %s, %s, d, %s, n);\n", fn,
                  buf_expr(t, s->in, b1, sizeof b1), buf_expr(t, s->out, b2, sizeof b2),
                  aux_expr(s, b3, sizeof b3), dx);
        if (s->in >= 0) {
            sb_printf(sb, "d = %s;\n", dx);
            dreg = toggle;
            toggle ^= 1;
        }
        free(fn);
    }
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
    const Model *m = te->m;
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

    long *offsets = xcalloc((size_t)m->nlayers * MAX_PARAMS, sizeof *offsets);
    long count = 0;
    for (int i = 0; i < m->nlayers; i++)
        for (int k = 0; k < m->layers[i].nparams; k++) {
            offsets[i * MAX_PARAMS + k] = count;
            count += shape_count(&m->layers[i].params[k].shape);
        }
    te.param_offset = offsets;
    te.m = m;

    StrBuf kernels = {0}, helpers = {0}, params = {0}, fwd = {0}, bwd = {0}, topo = {0};
    StrBuf map = {0};
    sb_add(&kernels, "");
    sb_add(&helpers, "");
    te.out = &kernels;
    te.m = m;
    te.batch = batch;
    for (int i = 0; i < t->nsteps; i++) {
        const TStep *st = &t->steps[i];
        if (st->kind == T_OP)
            st->layer->op->train_emit(&te, st);
        else
            emit_builtin(&te, st);
    }
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
    if (t->npens > 0)
        sb_add(&helpers,
               "/* An activity regularizer: l1 * sum |y| + l2 * sum y^2 over count values. */\n"
               "static double activity_penalty(const float *y, long count, double l1, double l2)\n"
               "{\n"
               "    double a = 0.0, b = 0.0;\n"
               "    for (long i = 0; i < count; i++) {\n"
               "        a += fabs((double)y[i]);\n"
               "        b += (double)y[i] * y[i];\n"
               "    }\n"
               "    return l1 * a + l2 * b;\n"
               "}\n\n"
               "/* d += scale times its gradient (sign(y) = 0 at 0, as TensorFlow's). */\n"
               "static void activity_grad(float *d, const float *y, long count, double l1, double l2,\n"
               "                          double scale)\n"
               "{\n"
               "    for (long i = 0; i < count; i++)\n"
               "        d[i] += (float)(scale * (l1 * ((y[i] > 0.0f) - (y[i] < 0.0f)) + 2.0 * l2 * y[i]));\n"
               "}\n\n");
    emit_params(&te, &params, count);
    emit_forward(t, &fwd);
    emit_backward(t, &bwd);

    char *json = keras_json(m);
    for (size_t i = 0; json[i]; i++)
        sb_printf(&topo, "%d,%s", (unsigned char)json[i], i % 20 == 19 ? "\n" : " ");
    sb_add(&topo, "0");
    free(json);

    /* Each buffer's step: the last that writes it. */
    const TStep **owners = xcalloc((size_t)t->nbufs, sizeof *owners);
    for (int i = 0; i < t->nsteps; i++)
        if (t->steps[i].out >= 0)
            owners[t->steps[i].out] = &t->steps[i];
    for (int b = 0; b < t->nbufs; b++) {
        const TStep *owner = owners[b];
        char *name = owner ? step_name(owner) : xstrdup("?");
        sb_printf(&map, " *   [%ld, %ld) %s output\n", t->bufs[b].offset,
                  t->bufs[b].offset + t->bufs[b].size * batch, name);
        free(name);
    }
    free(owners);
    for (int i = 0; i < t->nsteps; i++)
        if (t->steps[i].aux_size > 0) {
            char *name = step_name(&t->steps[i]);
            sb_printf(&map, " *   [%ld, %ld) %s scratch\n", t->steps[i].aux,
                      t->steps[i].aux + t->steps[i].aux_size, name);
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
    free(offsets);
    tplan_free(t);
    return true;
}
