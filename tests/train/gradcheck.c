/*
 * gradcheck.c - the backward pass of a model compiled for training, checked
 * against central finite differences of its forward pass.
 *
 *   gradcheck        (built once per model: KCC_HEADER, KCC_DEF)
 *
 * The scalar checked is L = penalty + sum_i r_i y_i for fixed random r,
 * where penalty is what forward returns (activity regularizers), so
 * dL/dy = r is known exactly and backward adds the penalty's gradient.  Dropout draws the same mask in every forward call
 * (the generator is reset before each).  Every parameter is perturbed by
 * h = 1e-3 (float32: a smaller step drowns in rounding) and
 * |analytic - numeric| <= 2e-3 * max(1, |numeric|) must hold for all but
 * parameters sitting on a kink (a ReLU input within h of zero), which are
 * counted and must be few.  With a final sigmoid or softmax, the gradient
 * from the logits (backward with from_logits) is checked the same way.
 *
 *   gradcheck --step io.txt
 *
 * checks one training step instead: SGD with learning rate 0.1 on mean
 * squared error, from the case's inputs to its targets (step_t), must give
 * TensorFlow.js's weights (step_w, by name) within 1e-5 relative.
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
    /* Forward may move batch normalization's moving averages: on a copy,
     * so that every call sees the same parameters. */
    float *q = malloc(sizeof *q * (size_t)(def->param_count + 1));
    memcpy(q, p, sizeof *q * (size_t)def->param_count);
    kcc_rng rng;
    kcc_rng_seed(&rng, 7);
    double l = def->forward(q, work, x, y, z, n, 1, &rng);
    free(q);
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

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The numbers after "key " at the start of a line (count of them). */
static float *numbers_after(const char *text, const char *key, long count)
{
    size_t kn = strlen(key);
    for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kn) != 0 || p[kn] != ' ')
            continue;
        float *v = malloc(sizeof *v * (size_t)(count + 1));
        const char *q = p + kn;
        for (long i = 0; i < count; i++) {
            char *end;
            v[i] = strtof(q, &end);
            if (end == q) {
                free(v);
                return NULL;
            }
            q = end;
        }
        return v;
    }
    return NULL;
}

static int step(const char *path)
{
    char *text = read_text(path);
    if (!text) {
        printf("cannot read %s\n", path);
        return 1;
    }
    long n = strtol(strstr(text, "samples ") + 8, NULL, 10);
    float *x = numbers_after(text, "x", n * def->input_size);
    float *y = numbers_after(text, "step_t", n * def->output_size);
    if (!x || !y || n > def->max_batch) {
        printf("%s: no training step in it\n", path);
        return 1;
    }
    kcc_optimizer_config sgd;
    kcc_loss mse;
    kcc_error err;
    kcc_optimizer_from_name(&sgd, "sgd", &err);
    sgd.learning_rate.initial_learning_rate = 0.1;
    kcc_loss_from_name(&mse, "mean_squared_error", &err);
    kcc_trainer t;
    if (kcc_trainer_init(&t, def, &sgd, &mse, NULL, 0, 1, &err) != KCC_OK) {
        printf("%s\n", err.message);
        return 1;
    }
    kcc_dataset d = {n, def->input_size, def->output_size, x, y};
    kcc_fit_options o;
    kcc_fit_defaults(&o);
    o.batch_size = (int)n;
    o.shuffle = 0;
    kcc_history h = {0};
    if (kcc_fit(&t, &d, &o, &h, &err) != KCC_OK) {
        printf("fit: %s\n", err.message);
        return 1;
    }
    int bad = 0, weights = 0;
    double worst = 0;
    for (int k = 0; k < def->nparams; k++) {
        const kcc_param_def *pd = &def->params[k];
        char key[300];
        snprintf(key, sizeof key, "step_w %s/%s %ld", pd->layer, pd->name, pd->size);
        float *want = numbers_after(text, key, pd->size);
        if (!want) {
            printf("io.txt has no %s\n", key);
            bad++;
            continue;
        }
        weights++;
        for (long i = 0; i < pd->size; i++) {
            double got = t.params[pd->offset + i];
            double e = fabs(got - want[i]) / fmax(1.0, fabs(want[i]));
            if (e > worst)
                worst = e;
            if (e > 1e-5 && bad++ < 5)
                printf("  %s/%s[%ld]: kcc %.9g, TF.js %.9g\n", pd->layer, pd->name, i, got,
                       (double)want[i]);
        }
        free(want);
    }
    printf("one SGD step: %d weights, worst relative error %.2g, %d wrong\n", weights, worst, bad);
    kcc_history_free(&h);
    kcc_trainer_free(&t);
    free(x);
    free(y);
    free(text);
    return bad != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--step") == 0)
        return step(argv[2]);
    int ok = check(0);
    if (def->final_act == KCC_FINAL_SIGMOID || def->final_act == KCC_FINAL_SOFTMAX)
        ok = check(1) && ok;
    return ok ? 0 : 1;
}
