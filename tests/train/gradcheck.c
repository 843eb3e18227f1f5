/*
 * gradcheck.c - the backward pass of a model compiled for training, checked
 * against central finite differences of its forward pass.
 *
 *   gradcheck        (built once per model: KCC_HEADER, KCC_DEF)
 *
 * The scalar checked is L = sum_i r_i y_i for fixed random r, so dL/dy = r
 * is known exactly.  Dropout draws the same mask in every forward call
 * (the generator is reset before each).  Every parameter is perturbed by
 * h = 1e-3 (float32: a smaller step drowns in rounding) and
 * |analytic - numeric| <= 2e-3 * max(1, |numeric|) must hold for all but
 * parameters sitting on a kink (a ReLU input within h of zero), which are
 * counted and must be few.  With a final sigmoid or softmax, the gradient
 * from the logits (backward with from_logits) is checked the same way.
 */
#include KCC_HEADER

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kcc_model_def *def = &KCC_DEF;

static double loss_of(const float *p, float *work, const float *x, const float *r, int n,
                      int logits)
{
    long out = def->output_size * n;
    float *y = malloc(sizeof *y * (size_t)out), *z = malloc(sizeof *z * (size_t)out);
    kcc_rng rng;
    kcc_rng_seed(&rng, 7);
    def->forward(p, work, x, y, z, n, 1, &rng);
    double l = 0;
    for (long i = 0; i < out; i++)
        l += (double)r[i] * (logits ? z[i] : y[i]);
    free(y);
    free(z);
    return l;
}

static int check(int logits)
{
    int n = def->max_batch < 3 ? def->max_batch : 3;
    long np = def->param_count, out = def->output_size * n;
    float *p = malloc(sizeof *p * (size_t)(np + 1));
    float *g = calloc((size_t)np + 1, sizeof *g);
    float *work = calloc((size_t)def->work_size + 1, sizeof *work);
    float *x = malloc(sizeof *x * (size_t)(def->input_size * n));
    float *r = malloc(sizeof *r * (size_t)out), *y = malloc(sizeof *y * (size_t)out);
    kcc_rng rng;
    kcc_rng_seed(&rng, 1);
    memcpy(p, def->initial_params, sizeof *p * (size_t)np);
    for (long i = 0; i < def->input_size * n; i++)
        x[i] = (float)(kcc_rng_uniform(&rng) * 4 - 2);
    for (long i = 0; i < out; i++)
        r[i] = (float)(kcc_rng_uniform(&rng) * 2 - 1);

    float *z = malloc(sizeof *z * (size_t)out);
    kcc_rng drop;
    kcc_rng_seed(&drop, 7);
    def->forward(p, work, x, y, z, n, 1, &drop);
    def->backward(p, g, work, x, r, n, logits);
    free(z);

    int bad = 0, kinks = 0;
    double worst = 0;
    const float h = 1e-3f;
    for (long i = 0; i < np; i++) {
        float saved = p[i];
        p[i] = saved + h;
        double lp = loss_of(p, work, x, r, n, logits);
        p[i] = saved - h;
        double lm = loss_of(p, work, x, r, n, logits);
        p[i] = saved;
        double num = (lp - lm) / (2.0 * h);
        double err = fabs(g[i] - num) / fmax(1.0, fabs(num));
        if (err > 2e-3) {
            /* A kink within the step makes the difference quotient wrong:
             * the one-sided quotients then disagree. */
            double l0 = loss_of(p, work, x, r, n, logits);
            double right = (lp - l0) / h, left = (l0 - lm) / h;
            if (fabs(right - left) > 2e-3 * fmax(1.0, fabs(num))) {
                kinks++;
                continue;
            }
            if (bad < 5)
                printf("  parameter %ld: backward %.6g, finite differences %.6g\n", i, g[i], num);
            bad++;
        }
        if (err > worst)
            worst = err;
    }
    printf("%s: %ld parameters, worst relative error %.2g, %d at kinks, %d wrong\n",
           logits ? "from logits" : "from outputs", np, worst, kinks, bad);
    free(p);
    free(g);
    free(work);
    free(x);
    free(r);
    free(y);
    return bad == 0 && kinks <= np / 10 + 2;
}

int main(void)
{
    int ok = check(0);
    if (def->final_act == KCC_FINAL_SIGMOID || def->final_act == KCC_FINAL_SOFTMAX)
        ok = check(1) && ok;
    return ok ? 0 : 1;
}
