/*
 * memplan.c - arena offsets from buffer lifetimes.
 *
 * A buffer lives from the step that first writes it to the step that last
 * reads it.  Two buffers whose lifetimes overlap (sharing a step counts)
 * must not share memory; others may.  Buffers are placed largest first at
 * the lowest offset that fits beside every already placed buffer they
 * overlap in time: the classic greedy that is near optimal for the chains
 * and small graphs kcc compiles.
 */
#include "compiler.h"

#include <stdlib.h>

static const Plan *sort_plan;

static int by_size(const void *a, const void *b)
{
    const Buffer *x = &sort_plan->bufs[*(const int *)a];
    const Buffer *y = &sort_plan->bufs[*(const int *)b];
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

static const Buffer *sort_bufs;

static int by_offset(const void *a, const void *b)
{
    const Buffer *x = &sort_bufs[*(const int *)a], *y = &sort_bufs[*(const int *)b];
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

void plan_memory(Plan *p)
{
    int *order = xmalloc(sizeof *order * (size_t)(p->nbufs + 1));
    int n = 0;
    for (int i = 0; i < p->nbufs; i++)
        if (p->bufs[i].kind == BUF_ARENA && p->bufs[i].first >= 0)
            order[n++] = i;
    sort_plan = p;
    qsort(order, (size_t)n, sizeof *order, by_size);

    /* The buffers alive at each step, step by step: live[at[t] .. at[t + 1]). */
    int nsteps = 0;
    for (int i = 0; i < n; i++)
        if (p->bufs[order[i]].last >= nsteps)
            nsteps = p->bufs[order[i]].last + 1;
    int *at = xcalloc((size_t)nsteps + 2, sizeof *at);
    for (int i = 0; i < n; i++)
        for (int t = p->bufs[order[i]].first; t <= p->bufs[order[i]].last; t++)
            at[t + 2]++;
    for (int t = 0; t < nsteps; t++)
        at[t + 2] += at[t + 1];
    int *live = xmalloc(sizeof *live * (size_t)(at[nsteps + 1] + 1));
    for (int i = 0; i < n; i++)
        for (int t = p->bufs[order[i]].first; t <= p->bufs[order[i]].last; t++)
            live[at[t + 1]++] = order[i];

    /* Each buffer goes at the lowest offset where it overlaps no buffer
     * placed before it that is alive at the same time.  Only those are
     * looked at: a step has few buffers alive (its input, output and
     * scratch in a chain), so the work is about linear in the steps. */
    bool *placed = xcalloc((size_t)p->nbufs + 1, sizeof *placed);
    int *seen = xmalloc(sizeof *seen * (size_t)(p->nbufs + 1));
    int *near = xmalloc(sizeof *near * (size_t)(p->nbufs + 1));
    for (int i = 0; i < p->nbufs; i++)
        seen[i] = -1;
    sort_bufs = p->bufs;
    p->arena = 0;
    for (int i = 0; i < n; i++) {
        Buffer *b = &p->bufs[order[i]];
        int k = 0;
        for (int t = b->first; t <= b->last; t++)
            for (int j = at[t]; j < at[t + 1]; j++)
                if (placed[live[j]] && seen[live[j]] != i) {
                    seen[live[j]] = i;
                    near[k++] = live[j];
                }
        qsort(near, (size_t)k, sizeof *near, by_offset);
        long offset = 0;
        for (int j = 0; j < k && p->bufs[near[j]].offset < offset + b->size; j++)
            if (p->bufs[near[j]].offset + p->bufs[near[j]].size > offset)
                offset = p->bufs[near[j]].offset + p->bufs[near[j]].size;
        b->offset = offset;
        placed[order[i]] = true;
        if (offset + b->size > p->arena)
            p->arena = offset + b->size;
    }
    free(near);
    free(seen);
    free(placed);
    free(live);
    free(at);
    free(order);
}
