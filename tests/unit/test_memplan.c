/*
 * test_memplan.c - plan_memory: buffers alive at the same time never
 * share memory, the arena is exactly as large as its highest buffer end,
 * memory is reused along a chain, and buffers outside the arena are left
 * alone.
 */
#include "check.h"
#include "support.h"

#include <stdlib.h>

static TmpDir tmp;

/* A plan of n hand-made buffers (no steps: plan_memory reads buffers). */
static Plan hand_plan(Buffer *bufs, int n)
{
    Plan p;
    memset(&p, 0, sizeof p);
    p.bufs = bufs;
    p.nbufs = n;
    p.arena = -1;
    return p;
}

static Buffer arena_buf(long size, int first, int last)
{
    Buffer b = {BUF_ARENA, size, first, last, -777};
    return b;
}

static bool live_together(const Buffer *a, const Buffer *b)
{
    return a->first <= b->last && b->first <= a->last;
}

static bool placed(const Buffer *b)
{
    return b->kind == BUF_ARENA && b->first >= 0;
}

/* The invariants of a planned arena; returns the number violated so that
 * the random test can stop at the first bad plan. */
static int check_arena(const Plan *p)
{
    int before = check_failed_total;
    long end = 0;
    for (int i = 0; i < p->nbufs; i++) {
        const Buffer *a = &p->bufs[i];
        if (!placed(a))
            continue;
        CHECK(a->offset >= 0);
        if (a->offset + a->size > end)
            end = a->offset + a->size;
        for (int j = i + 1; j < p->nbufs; j++) {
            const Buffer *b = &p->bufs[j];
            if (!placed(b) || !live_together(a, b))
                continue;
            bool disjoint = a->offset + a->size <= b->offset || b->offset + b->size <= a->offset;
            if (!disjoint)
                printf("    buffers %d [%ld, +%ld) and %d [%ld, +%ld) are live together\n", i,
                       a->offset, a->size, j, b->offset, b->size);
            CHECK(disjoint);
        }
    }
    CHECK_INT(p->arena, end);
    return check_failed_total - before;
}

TEST(an_empty_plan_has_an_empty_arena)
{
    Plan p = hand_plan(NULL, 0);
    plan_memory(&p);
    CHECK_INT(p.arena, 0);
}

TEST(buffers_alive_at_the_same_step_do_not_overlap)
{
    /* Two buffers sharing step 1 (one's last, the other's first) count as
     * alive together. */
    Buffer b[] = {arena_buf(10, 0, 1), arena_buf(10, 1, 2)};
    Plan p = hand_plan(b, 2);
    plan_memory(&p);
    check_arena(&p);
    CHECK_INT(p.arena, 20);
}

TEST(buffers_alive_at_different_times_share_memory)
{
    Buffer b[] = {arena_buf(10, 0, 1), arena_buf(6, 2, 3)};
    Plan p = hand_plan(b, 2);
    plan_memory(&p);
    check_arena(&p);
    CHECK_INT(b[0].offset, 0);
    CHECK_INT(b[1].offset, 0);
    CHECK_INT(p.arena, 10);
}

TEST(a_chain_of_dense_layers_reuses_memory)
{
    /* Dense outputs of 8, 4, 8, 4 values: each lives from its step to the
     * next; the last is the caller's output. */
    Buffer b[] = {
        {BUF_INPUT, 4, 0, 0, -1},
        arena_buf(8, 0, 1),
        arena_buf(4, 1, 2),
        arena_buf(8, 2, 3),
        {BUF_OUTPUT, 4, 3, 3, -1},
    };
    Plan p = hand_plan(b, 5);
    plan_memory(&p);
    check_arena(&p);
    CHECK(p.arena < 8 + 4 + 8);
    CHECK_INT(p.arena, 12);
    CHECK_INT(b[1].offset, b[3].offset);
}

TEST(buffers_outside_the_arena_are_left_alone)
{
    Buffer b[] = {
        {BUF_INPUT, 100, 0, 2, 12345},
        {BUF_OUTPUT, 100, 1, 2, 23456},
        arena_buf(5, 0, 1),
        arena_buf(7, -1, -1), /* never used by a step */
    };
    Plan p = hand_plan(b, 4);
    plan_memory(&p);
    CHECK_INT(b[0].offset, 12345);
    CHECK_INT(b[1].offset, 23456);
    CHECK_INT(b[3].offset, -777);
    CHECK_INT(b[2].offset, 0);
    CHECK_INT(p.arena, 5);
    CHECK_INT(b[0].size, 100); /* and nothing else changes */
    CHECK_INT(b[2].first, 0);
    CHECK_INT(b[2].last, 1);
}

TEST(random_lifetimes_never_overlap_and_fit_the_bounds)
{
    unsigned long x = 99;
    int bad_plans = 0;
    for (int t = 0; t < 2000 && bad_plans == 0; t++) {
        Buffer b[24];
        int n = 1 + (int)((x = x * 6364136223846793005UL + 1) >> 33) % 24;
        int steps = 1 + (int)((x = x * 6364136223846793005UL + 1) >> 33) % 12;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            int first = (int)((x >> 33) % (unsigned long)steps);
            int len = (int)((x >> 40) % 4);
            long size = 1 + (long)((x >> 20) % 64);
            BufKind kind = (x >> 50) % 8 == 0 ? BUF_OUTPUT : BUF_ARENA;
            b[i] = (Buffer){kind, size, first, first + len, -777};
            if (kind == BUF_ARENA)
                sum += size;
        }
        Plan p = hand_plan(b, n);
        plan_memory(&p);
        bad_plans += check_arena(&p);
        /* Never more than all buffers side by side, never less than what
         * is alive at the busiest step. */
        CHECK(p.arena <= sum);
        for (int s = 0; s < steps + 4; s++) {
            long live = 0;
            for (int i = 0; i < n; i++)
                if (b[i].kind == BUF_ARENA && b[i].first <= s && s <= b[i].last)
                    live += b[i].size;
            CHECK(p.arena >= live);
        }
        for (int i = 0; i < n; i++)
            if (b[i].kind != BUF_ARENA)
                CHECK_INT(b[i].offset, -777);
    }
    CHECK_INT(bad_plans, 0);
}

TEST(a_dense_chain_from_json_reuses_memory)
{
    const char *json =
        "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"chain\", \"layers\": ["
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d1\", \"units\": 8,"
        " \"batch_input_shape\": [null, 4]}},"
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d2\", \"units\": 4}},"
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d3\", \"units\": 8}},"
        "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d4\", \"units\": 4}}"
        "]}, \"keras_version\": \"2.13.1\"}";
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "chain.json", json, NULL, &d);
    REQUIRE(m != NULL);
    REQUIRE(infer_shapes(m));
    Plan *p = fuse_model(m);
    CHECK_INT(p->nsteps, 4);
    CHECK_INT(p->nbufs, 5);
    plan_memory(p);
    check_arena(p);
    CHECK_INT(p->arena, 12);
    /* The input and output are the caller's. */
    CHECK_INT(p->bufs[p->value_buf[m->input]].kind, BUF_INPUT);
    CHECK_INT(p->bufs[p->value_buf[m->output]].kind, BUF_OUTPUT);
    CHECK_INT(d.errors, 0);
    plan_free(p);
    model_free(m);
}

int main(void)
{
    tmp_make(&tmp);
    RUN(an_empty_plan_has_an_empty_arena);
    RUN(buffers_alive_at_the_same_step_do_not_overlap);
    RUN(buffers_alive_at_different_times_share_memory);
    RUN(a_chain_of_dense_layers_reuses_memory);
    RUN(buffers_outside_the_arena_are_left_alone);
    RUN(random_lifetimes_never_overlap_and_fit_the_bounds);
    RUN(a_dense_chain_from_json_reuses_memory);
    tmp_remove(&tmp);
    return check_exit();
}
