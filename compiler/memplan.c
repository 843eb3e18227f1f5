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

static bool overlap_in_time(const Buffer *a, const Buffer *b)
{
    return a->first <= b->last && b->first <= a->last;
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

    p->arena = 0;
    for (int i = 0; i < n; i++) {
        Buffer *b = &p->bufs[order[i]];
        long offset = 0;
        /* Move past every conflicting placed buffer until none overlaps;
         * each move goes strictly up, so this ends. */
        for (bool moved = true; moved;) {
            moved = false;
            for (int j = 0; j < i; j++) {
                const Buffer *o = &p->bufs[order[j]];
                if (!overlap_in_time(b, o))
                    continue;
                if (offset < o->offset + o->size && o->offset < offset + b->size) {
                    offset = o->offset + o->size;
                    moved = true;
                }
            }
        }
        b->offset = offset;
        if (offset + b->size > p->arena)
            p->arena = offset + b->size;
    }
    free(order);
}
