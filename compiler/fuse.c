/*
 * fuse.c - Model -> Plan: the steps that generated code runs.
 *
 * Inference needs fewer steps than the model has layers:
 *   - Dropout is the identity: its output is its input;
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
    p->bufs = xrealloc(p->bufs, sizeof *p->bufs * (size_t)(p->nbufs + 1));
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
    p->steps = xrealloc(p->steps, sizeof *p->steps * (size_t)(p->nsteps + 1));
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

    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        const OpDef *op = l->op;
        if (op->flags & OPF_INPUT)
            continue;
        if (op->macs)
            p->macs += op->macs(m, l);
        int inbuf = p->value_buf[l->input];
        const Shape *outshape = &m->values[l->output].shape;
        long outsize = shape_count(outshape);

        if ((op->flags & OPF_IDENTITY) || ((op->flags & OPF_VIEW) && op->is_view(m, l))) {
            p->value_buf[l->output] = inbuf;
            continue;
        }
        if ((op->flags & OPF_ACTIVATION) && open_step && open_buf == inbuf &&
            open_step->nepilogue < MAX_EPILOGUE) {
            add_act(open_step, l, &l->act, outshape);
            p->value_buf[l->output] = inbuf;
            continue;
        }

        /* A step of its own.  Element-wise steps work in place unless
         * their input is the caller's (const) input. */
        bool elementwise = (op->flags & OPF_ACTIVATION) || strcmp(op->name, "PReLU") == 0;
        bool inplace = elementwise && p->bufs[inbuf].kind != BUF_INPUT;
        int outbuf = inplace ? inbuf : new_buffer(p, BUF_ARENA, outsize);
        p->value_buf[l->output] = outbuf;
        Step *s = new_step(p, l, op, l->input, l->output);
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
    free(p->steps);
    free(p->value_buf);
    free(p->bufs);
    free(p);
}
