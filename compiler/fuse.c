/*
 * fuse.c - Model -> Plan: the steps that generated code runs.
 *
 * Inference needs fewer steps than the model has layers:
 *   - Dropout and the other noise layers are the identity: its output is
 *     its input;
 *   - a BatchNormalization of the output channels of a Dense or a
 *     convolution with no activation of its own, whose output only it
 *     reads, folds into that op: the step computes a copy of the layer
 *     (owned by the plan) whose kernel and bias are rescaled, so that the
 *     op's emitter needs no change; any other BatchNormalization is a
 *     per-channel scale and shift computed here (a plan layer again);
 *   - Reshape and channels_last Flatten reinterpret memory: views;
 *   - an activation layer after a Dense (or another step that takes an
 *     epilogue) runs inside that step's loop, on its output;
 *   - any other activation runs in place when its input dies with it.
 * Each value (tensor) is mapped to a buffer; views and in-place steps share
 * their input's buffer.  The model's input and output are the caller's
 * buffers; everything else goes in the arena (memplan.c).
 */
#include "compiler.h"

#include <stdlib.h>
#include <string.h>

static int new_buffer(Plan *p, BufKind kind, long size)
{
    p->bufs = xgrow(p->bufs, sizeof *p->bufs, (size_t)p->nbufs);
    Buffer *b = &p->bufs[p->nbufs];
    b->kind = kind;
    b->size = size;
    b->first = -1;
    b->last = -1;
    b->offset = 0;
    return p->nbufs++;
}

static Step *new_step(Plan *p, const Layer *l, const OpDef *op, int in, int out)
{
    p->steps = xgrow(p->steps, sizeof *p->steps, (size_t)p->nsteps);
    Step *s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof *s);
    s->layer = l;
    s->op = op;
    s->in = in;
    s->out = out;
    s->scratch = -1;
    return s;
}

static void add_act(Step *s, const Layer *l, const Act *a, const Shape *shape)
{
    KCC_ASSERT(s->nepilogue < MAX_EPILOGUE);
    s->epilogue[s->nepilogue] = *a;
    s->fused[s->nepilogue] = l;
    s->eshape[s->nepilogue] = *shape;
    s->nepilogue++;
}

/* ---- BatchNormalization at inference ----------------------------------- */

/* The ops a BatchNormalization folds into, by the kernel that makes their
 * output channels: channel of the kernel's flat index i = i / inner %
 * channels, inner the product of its last inner_axes sizes (the bias, if
 * any, is the parameter "bias", one per channel; when there is none the
 * fold appends one, as the ops read it: after the kernels, with use_bias
 * set). */
typedef struct FoldOp {
    const char *op;
    const char *kernel;
    int inner_axes;
} FoldOp;

static const FoldOp fold_ops[] = {
    {"Dense", "kernel", 0},                  /* [in, units] */
    {"Conv1D", "kernel", 0},                 /* [k..., cin / groups, filters] */
    {"Conv2D", "kernel", 0},
    {"Conv3D", "kernel", 0},
    {"Convolution1D", "kernel", 0},          /* Keras 1, read into Keras 2's layout */
    {"Convolution2D", "kernel", 0},
    {"Convolution3D", "kernel", 0},
    {"AtrousConvolution1D", "kernel", 0},
    {"AtrousConvolution2D", "kernel", 0},
    {"DepthwiseConv1D", "depthwise_kernel", 0}, /* [k..., cin, mult]: c * mult + m */
    {"DepthwiseConv2D", "depthwise_kernel", 0},
    {"SeparableConv1D", "pointwise_kernel", 0}, /* [1..., cin * mult, filters] */
    {"SeparableConv2D", "pointwise_kernel", 0},
    {"Conv1DTranspose", "kernel", 1},        /* [k..., filters, cin] */
    {"Conv2DTranspose", "kernel", 1},
    {"Conv3DTranspose", "kernel", 1},
};

/* Is l the plan's own copy rather than the model's layer? */
static bool owned(const Plan *p, const Layer *l)
{
    return l != &p->m->layers[l->index];
}

/* A copy of l for the plan to change, with its own parameter values. */
static Layer *own_copy(Plan *p, const Layer *l)
{
    Layer *c = xmalloc(sizeof *c);
    *c = *l;
    for (int k = 0; k < c->nparams; k++) {
        const double *d = l->params[k].data;
        if (d) {
            size_t n = (size_t)shape_count(&l->params[k].shape);
            c->params[k].data = xmalloc(sizeof *d * (n ? n : 1));
            memcpy(c->params[k].data, d, sizeof *d * n);
        }
    }
    p->owned = xgrow(p->owned, sizeof *p->owned, (size_t)p->nowned);
    p->owned[p->nowned++] = c;
    return c;
}

/* How many read each value: the layers that take it, and the caller for
 * the model's output (caller frees). */
static int *count_readers(const Model *m)
{
    int *n = xcalloc((size_t)m->nvalues, sizeof *n);
    n[m->output]++;
    for (int i = 0; i < m->nlayers; i++)
        if (!(m->layers[i].op->flags & OPF_INPUT))
            n[m->layers[i].input]++;
    return n;
}

/* How bn folds into step s, the last step, or NULL if it does not: s
 * computes the channels bn normalizes, with no activation after it, and
 * what s writes reaches bn alone, through identities and folded
 * BatchNormalizations at most. */
static const FoldOp *fold_into(const Plan *p, const Step *s, const Layer *bn, const bool *folded,
                               const int *readers)
{
    const Model *m = p->m;
    const Layer *l = s->layer;
    if (s->op == op_copy() || s->nepilogue != 0 || s->nfolded == MAX_EPILOGUE)
        return NULL;
    const FoldOp *f = NULL;
    for (size_t i = 0; i < sizeof fold_ops / sizeof *fold_ops; i++)
        if (strcmp(fold_ops[i].op, l->op->name) == 0)
            f = &fold_ops[i];
    if (!f || ((l->op->flags & OPF_OWN_ACTIVATION) && l->act.kind != ACT_LINEAR))
        return NULL;
    for (int v = bn->input; v != s->out; v = m->layers[m->values[v].producer].input) {
        if (m->values[v].producer < 0 || readers[v] != 1)
            return NULL;
        const Layer *pl = &m->layers[m->values[v].producer];
        if (!(pl->op->flags & OPF_IDENTITY) && !folded[pl->index])
            return NULL;
    }
    if (readers[s->out] != 1)
        return NULL;
    const Shape *out = &m->values[s->out].shape;
    int axis = strcmp(l->op->name, "Dense") == 0 || l->format == FMT_CHANNELS_LAST ? out->rank - 1
                                                                                   : 0;
    if (bn->norm_axis != axis)
        return NULL;
    long c = out->dim[axis];
    int ki = layer_param_index(l, f->kernel), bi = layer_param_index(l, "bias");
    if (ki < 0)
        return NULL;
    const Param *k = &l->params[ki];
    if (k->shape.rank <= f->inner_axes || shape_count(&k->shape) % c != 0)
        return NULL;
    long inner = 1;
    for (int i = k->shape.rank - f->inner_axes; i < k->shape.rank; i++)
        inner *= k->shape.dim[i];
    if (shape_count(&k->shape) % (c * inner) != 0)
        return NULL;
    if (l->use_bias ? bi < 0 || shape_count(&l->params[bi].shape) != c
                    : l->nparams >= MAX_PARAMS)
        return NULL;
    return f;
}

/* Folds bn into step s: kernel * scale per output channel, bias * scale +
 * shift (a bias of zeros first if the op has none). */
static void fold(Plan *p, Step *s, const FoldOp *f, const Layer *bn)
{
    Layer *l = owned(p, s->layer) ? (Layer *)s->layer : own_copy(p, s->layer);
    s->layer = l;
    s->folded[s->nfolded++] = bn;
    const Shape *out = &p->m->values[s->out].shape;
    Param *k = &l->params[layer_param_index(l, f->kernel)];
    long c = out->dim[bn->norm_axis];
    if (!l->use_bias) {
        KCC_ASSERT(l->nparams < MAX_PARAMS);
        Param *b = &l->params[l->nparams++];
        memset(b, 0, sizeof *b);
        b->name = "bias";
        b->shape.rank = 1;
        b->shape.dim[0] = c;
        if (k->data)
            b->data = xcalloc((size_t)c, sizeof *b->data);
        l->use_bias = true;
    }
    Param *b = &l->params[layer_param_index(l, "bias")];
    if (!k->data || !b->data)
        return;
    double *scale = xmalloc(sizeof *scale * (size_t)c), *shift = xmalloc(sizeof *shift * (size_t)c);
    bool bound = true;
    for (long j = 0; j < c && bound; j++)
        bound = bn_affine(bn, j, &scale[j], &shift[j]);
    if (bound) {
        long inner = 1, n = shape_count(&k->shape);
        for (int i = k->shape.rank - f->inner_axes; i < k->shape.rank; i++)
            inner *= k->shape.dim[i];
        for (long i = 0; i < n; i++)
            k->data[i] *= scale[i / inner % c];
        for (long j = 0; j < c; j++)
            b->data[j] = b->data[j] * scale[j] + shift[j];
    }
    free(scale);
    free(shift);
}

/* A standalone BatchNormalization's layer for its step: parameters scale
 * and shift, one per channel, computed from the model's. */
static const Layer *bn_layer(Plan *p, const Layer *bn)
{
    Layer *c = xmalloc(sizeof *c);
    *c = *bn;
    long n = p->m->values[bn->input].shape.dim[bn->norm_axis];
    static const char *const names[] = {"scale", "shift"};
    for (int k = 0; k < 2; k++) {
        memset(&c->params[k], 0, sizeof c->params[k]);
        c->params[k].name = names[k];
        c->params[k].shape.rank = 1;
        c->params[k].shape.dim[0] = n;
    }
    c->nparams = 2;
    double a, b;
    if (n > 0 && bn_affine(bn, 0, &a, &b)) {
        c->params[0].data = xmalloc(sizeof(double) * (size_t)n);
        c->params[1].data = xmalloc(sizeof(double) * (size_t)n);
        for (long j = 0; j < n; j++)
            bn_affine(bn, j, &c->params[0].data[j], &c->params[1].data[j]);
    }
    p->owned = xgrow(p->owned, sizeof *p->owned, (size_t)p->nowned);
    p->owned[p->nowned++] = c;
    return c;
}

Plan *fuse_model(Model *m)
{
    Plan *p = xcalloc(1, sizeof *p);
    p->m = m;
    p->value_buf = xmalloc(sizeof *p->value_buf * (size_t)m->nvalues);
    for (int v = 0; v < m->nvalues; v++)
        p->value_buf[v] = -1;
    p->value_buf[m->input] = new_buffer(p, BUF_INPUT, shape_count(&m->values[m->input].shape));

    /* The step that last wrote each buffer, if an epilogue may follow. */
    Step *open_step = NULL;
    int open_buf = -1;
    bool *folded = xcalloc((size_t)m->nlayers + 1, sizeof *folded);
    int *readers = count_readers(m);

    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        const OpDef *op = l->op;
        if (op->flags & OPF_INPUT)
            continue;
        bool bn = strcmp(op->name, "BatchNormalization") == 0;
        if (op->macs && !bn)
            p->macs += op->macs(m, l);
        int inbuf = p->value_buf[l->input];
        const Shape *outshape = &m->values[l->output].shape;
        long outsize = shape_count(outshape);

        if ((op->flags & OPF_IDENTITY) || ((op->flags & OPF_VIEW) && op->is_view(m, l))) {
            p->value_buf[l->output] = inbuf;
            continue;
        }
        const FoldOp *f = bn && open_step ? fold_into(p, open_step, l, folded, readers) : NULL;
        if (f) {
            fold(p, open_step, f, l);
            folded[i] = true;
            p->value_buf[l->output] = inbuf;
            continue;
        }
        if (bn)
            p->macs += op->macs(m, l);
        if ((op->flags & OPF_ACTIVATION) && open_step && open_buf == inbuf &&
            open_step->nepilogue < MAX_EPILOGUE) {
            add_act(open_step, l, &l->act, outshape);
            p->value_buf[l->output] = inbuf;
            continue;
        }

        /* A step of its own.  Element-wise steps work in place unless
         * their input is the caller's (const) input. */
        bool elementwise = (op->flags & OPF_ACTIVATION) || strcmp(op->name, "PReLU") == 0 || bn;
        bool inplace = elementwise && p->bufs[inbuf].kind != BUF_INPUT;
        int outbuf = inplace ? inbuf : new_buffer(p, BUF_ARENA, outsize);
        p->value_buf[l->output] = outbuf;
        Step *s = new_step(p, bn ? bn_layer(p, l) : l, op, l->input, l->output);
        long scratch = op->scratch ? op->scratch(m, l) : 0;
        if (scratch > 0)
            s->scratch = new_buffer(p, BUF_ARENA, scratch);
        if (op->flags & OPF_ACTIVATION)
            add_act(s, l, &l->act, outshape);
        else if (strcmp(op->name, "Dense") == 0 && l->act.kind != ACT_LINEAR)
            add_act(s, l, &l->act, outshape);
        open_step = (op->flags & (OPF_EPILOGUE | OPF_ACTIVATION)) ? s : NULL;
        open_buf = outbuf;
    }

    /* The output goes straight to the caller's buffer, unless it is the
     * input itself (a model of views and identities): then a copy. */
    KCC_ASSERT(m->output != m->input);
    int outbuf = p->value_buf[m->output];
    if (p->bufs[outbuf].kind == BUF_INPUT) {
        int copy = new_buffer(p, BUF_OUTPUT, shape_count(&m->values[m->output].shape));
        new_step(p, &m->layers[m->nlayers - 1], op_copy(), m->input, m->output);
        p->value_buf[m->output] = copy;
    } else {
        p->bufs[outbuf].kind = BUF_OUTPUT;
    }

    free(folded);
    free(readers);

    /* The parameters the steps use (each layer's once). */
    bool *counted = xcalloc((size_t)m->nlayers + 1, sizeof *counted);
    for (int s = 0; s < p->nsteps; s++) {
        const Layer *l = p->steps[s].layer;
        if (p->steps[s].op == op_copy() || counted[l->index])
            continue;
        counted[l->index] = true;
        for (int k = 0; k < l->nparams; k++)
            p->weights += shape_count(&l->params[k].shape);
    }
    free(counted);

    /* Lifetimes, in step indices. */
    for (int s = 0; s < p->nsteps; s++) {
        Buffer *bi = &p->bufs[p->value_buf[p->steps[s].in]];
        Buffer *bo = &p->bufs[p->value_buf[p->steps[s].out]];
        if (bi->first < 0)
            bi->first = s;
        bi->last = s;
        if (bo->first < 0)
            bo->first = s;
        bo->last = s;
        if (p->steps[s].scratch >= 0)
            p->bufs[p->steps[s].scratch].first = p->bufs[p->steps[s].scratch].last = s;
    }
    return p;
}

void plan_free(Plan *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nowned; i++) {
        for (int k = 0; k < p->owned[i]->nparams; k++)
            free(p->owned[i]->params[k].data);
        free(p->owned[i]);
    }
    free(p->owned);
    free(p->steps);
    free(p->value_buf);
    free(p->bufs);
    free(p);
}
