/*
 * test_optim.c - the runtime's optimizers and learning rate schedules
 * against the references of gen.js (TensorFlow.js 4.22, or Keras's
 * formula by hand where TF.js deviates), and their names, defaults and
 * errors.
 *
 *   test_optim case FILE       replays an optimizer case of cases/
 *   test_optim schedule FILE   checks a schedule's values
 *   test_optim NAME            runs one of the tests below (test_optim list)
 *
 * Tolerance of an optimizer case: |got - want| <= 1e-6 * max(1, |want|)
 * for every parameter after every step.  Keras, kcc and the references
 * keep parameters and slots in float32 and compute every operation in
 * float32, in Keras's order; the parameters are of order 1, where one
 * rounding is at most 6e-8.  Against the by-hand references kcc agrees bit
 * for bit; against TF.js it differs only where TF.js associates otherwise
 * (SGD momentum keeps the gradient sum: 1.2e-7, Nesterov 2.8e-7; Adamax
 * 6e-8), and another libm's powf or another compiler's contraction could
 * add a few roundings over 5 steps.  1e-6 is 16 roundings at scale 1,
 * while the deviations the cases are built to expose (epsilon placement,
 * Adadelta's E[g^2], centered RMSprop's epsilon sign, lr kept in SGD's
 * momentum) move parameters by 2e-3 or more: each case's note says by how
 * much TF.js would be off.  Non-trainable parameters must be left bit for
 * bit, and their slots zero.
 *
 * Schedules: kcc evaluates them in double; the reference is Keras's
 * formula in double (JavaScript), so they agree to 1e-12 relative (only
 * libm's pow and cos differ, by an ulp or so).
 */
#include "kcc.h"

#include "../unit/check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-6
#define SCHEDULE_TOL 1e-12
#define MAX_STEPS 16
#define MAX_VARS 8
#define MAX_AT 64

/* ---- reading case files ---------------------------------------------------- */

typedef struct optim_case {
    char name[128];
    char optimizer[64];
    char reference[32];
    kcc_optimizer_config cfg;
    int have_optimizer;
    kcc_schedule schedule;
    int have_schedule;
    long n;
    int steps;
    int ndefs;
    kcc_param_def defs[MAX_VARS];
    char varnames[MAX_VARS][96];
    int set_lr_step;
    double set_lr;
    float *params[MAX_STEPS + 1]; /* [0]: initial, [s]: after step s */
    float *grads[MAX_STEPS + 1];  /* [s]: the gradients of step s */
    int nat;
    long at[MAX_AT];
    double want[MAX_AT];
    int nwant;
} optim_case;

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0)
            break;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(fp);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static void free_case(optim_case *c)
{
    for (int s = 0; s <= MAX_STEPS; s++) {
        free(c->params[s]);
        free(c->grads[s]);
    }
}

static int parse_error(const char *path, int line, const char *what)
{
    printf("%s:%d: %s\n", path, line, what);
    return 0;
}

/* Reads count floats (strtof: the nearest float to each decimal). */
static float *read_floats(const char *p, long count)
{
    float *v = malloc(sizeof *v * (size_t)(count > 0 ? count : 1));
    for (long i = 0; v && i < count; i++) {
        char *end;
        v[i] = strtof(p, &end);
        if (end == p) {
            free(v);
            return NULL;
        }
        p = end;
    }
    return v;
}

static int set_field(kcc_optimizer_config *cfg, const char *key, double v)
{
    static const struct {
        const char *key;
        size_t offset;
    } doubles[] = {
        {"momentum", offsetof(kcc_optimizer_config, momentum)},
        {"beta_1", offsetof(kcc_optimizer_config, beta_1)},
        {"beta_2", offsetof(kcc_optimizer_config, beta_2)},
        {"epsilon", offsetof(kcc_optimizer_config, epsilon)},
        {"rho", offsetof(kcc_optimizer_config, rho)},
        {"initial_accumulator_value", offsetof(kcc_optimizer_config, initial_accumulator_value)},
        {"weight_decay", offsetof(kcc_optimizer_config, weight_decay)},
        {"clipnorm", offsetof(kcc_optimizer_config, clipnorm)},
        {"clipvalue", offsetof(kcc_optimizer_config, clipvalue)},
        {"global_clipnorm", offsetof(kcc_optimizer_config, global_clipnorm)},
    };
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++) {
        if (strcmp(key, doubles[i].key) == 0) {
            double *field = (double *)(void *)((char *)cfg + doubles[i].offset);
            *field = v;
            return 1;
        }
    }
    if (strcmp(key, "nesterov") == 0)
        cfg->nesterov = (int)v;
    else if (strcmp(key, "amsgrad") == 0)
        cfg->amsgrad = (int)v;
    else if (strcmp(key, "centered") == 0)
        cfg->centered = (int)v;
    else if (strcmp(key, "learning_rate") == 0) {
        cfg->learning_rate.kind = KCC_LR_CONSTANT;
        cfg->learning_rate.initial_learning_rate = v;
    } else
        return 0;
    return 1;
}

static int read_doubles(const char *p, double *out, int max)
{
    int k = 0;
    for (; k < max; k++) {
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            break;
        out[k] = v;
        p = end;
    }
    return k;
}

/* Parses a case or schedule file into c; 0 (after saying why) on error. */
static int load_case(optim_case *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->set_lr_step = -1;
    char *text = read_text(path);
    if (!text)
        return parse_error(path, 0, "cannot read the file");
    int ok = 1, lineno = 0;
    for (char *line = text, *next; ok && *line; line = next) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        next = nl ? nl + 1 : line + strlen(line);
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char key[64];
        int used = 0;
        if (sscanf(line, "%63s%n", key, &used) != 1)
            continue;
        const char *rest = line + used;
        if (strcmp(key, "kcc-optim") == 0) {
            if (atoi(rest) != 1)
                ok = parse_error(path, lineno, "unknown format version");
        } else if (strcmp(key, "name") == 0) {
            ok = sscanf(rest, "%127s", c->name) == 1 || parse_error(path, lineno, "bad name");
        } else if (strcmp(key, "reference") == 0) {
            ok = sscanf(rest, "%31s", c->reference) == 1 ||
                 parse_error(path, lineno, "bad reference");
        } else if (strcmp(key, "optimizer") == 0) {
            kcc_error err;
            if (sscanf(rest, "%63s", c->optimizer) != 1)
                ok = parse_error(path, lineno, "bad optimizer line");
            else if (kcc_optimizer_from_name(&c->cfg, c->optimizer, &err) != KCC_OK)
                ok = parse_error(path, lineno, err.message);
            c->have_optimizer = 1;
        } else if (strcmp(key, "set") == 0) {
            char field[64];
            double v;
            if (!c->have_optimizer || sscanf(rest, "%63s %lf", field, &v) != 2 ||
                !set_field(&c->cfg, field, v))
                ok = parse_error(path, lineno, "bad set line (or before the optimizer line)");
        } else if (strcmp(key, "schedule") == 0) {
            char kind[32];
            c->have_schedule = 1;
            if (sscanf(rest, "%31s", kind) != 1)
                ok = parse_error(path, lineno, "bad schedule line");
            else if (strcmp(kind, "constant") == 0)
                c->schedule.kind = KCC_LR_CONSTANT;
            else if (strcmp(kind, "exponential") == 0)
                c->schedule.kind = KCC_LR_EXPONENTIAL_DECAY;
            else if (strcmp(kind, "piecewise") == 0)
                c->schedule.kind = KCC_LR_PIECEWISE_CONSTANT_DECAY;
            else if (strcmp(kind, "inverse_time") == 0)
                c->schedule.kind = KCC_LR_INVERSE_TIME_DECAY;
            else if (strcmp(kind, "cosine") == 0)
                c->schedule.kind = KCC_LR_COSINE_DECAY;
            else
                ok = parse_error(path, lineno, "unknown schedule kind");
        } else if (strcmp(key, "initial_learning_rate") == 0) {
            c->schedule.initial_learning_rate = strtod(rest, NULL);
        } else if (strcmp(key, "decay_steps") == 0) {
            c->schedule.decay_steps = strtod(rest, NULL);
        } else if (strcmp(key, "decay_rate") == 0) {
            c->schedule.decay_rate = strtod(rest, NULL);
        } else if (strcmp(key, "staircase") == 0) {
            c->schedule.staircase = atoi(rest);
        } else if (strcmp(key, "alpha") == 0) {
            c->schedule.alpha = strtod(rest, NULL);
        } else if (strcmp(key, "boundaries") == 0) {
            c->schedule.nboundaries =
                read_doubles(rest, c->schedule.boundaries, KCC_MAX_BOUNDARIES);
        } else if (strcmp(key, "values") == 0) {
            if (read_doubles(rest, c->schedule.values, KCC_MAX_BOUNDARIES + 1) !=
                c->schedule.nboundaries + 1)
                ok = parse_error(path, lineno, "values: expected one more than boundaries");
        } else if (strcmp(key, "n") == 0) {
            c->n = strtol(rest, NULL, 10);
        } else if (strcmp(key, "var") == 0) {
            kcc_param_def *d = &c->defs[c->ndefs];
            if (c->ndefs == MAX_VARS ||
                sscanf(rest, "%95s %ld %ld %d", c->varnames[c->ndefs], &d->offset, &d->size,
                       &d->trainable) != 4) {
                ok = parse_error(path, lineno, "bad var line");
            } else {
                d->layer = "";
                d->name = c->varnames[c->ndefs];
                d->rank = 1;
                d->shape[0] = d->size;
                c->ndefs++;
            }
        } else if (strcmp(key, "steps") == 0) {
            c->steps = atoi(rest);
            if (c->steps < 1 || c->steps > MAX_STEPS)
                ok = parse_error(path, lineno, "bad step count");
        } else if (strcmp(key, "set_learning_rate") == 0) {
            if (sscanf(rest, "%d %lf", &c->set_lr_step, &c->set_lr) != 2)
                ok = parse_error(path, lineno, "bad set_learning_rate line");
        } else if (strcmp(key, "params") == 0 || strcmp(key, "grads") == 0) {
            char *end;
            long s = strtol(rest, &end, 10);
            float **slot = key[0] == 'p' ? c->params : c->grads;
            if (c->n <= 0 || s < 0 || s > c->steps || end == rest || slot[s])
                ok = parse_error(path, lineno, "bad step number (or n, steps missing)");
            else if (!(slot[s] = read_floats(end, c->n)))
                ok = parse_error(path, lineno, "expected n numbers");
        } else if (strcmp(key, "at") == 0) {
            char *p = (char *)rest, *end;
            for (c->nat = 0; c->nat < MAX_AT; c->nat++, p = end) {
                c->at[c->nat] = strtol(p, &end, 10);
                if (end == p)
                    break;
            }
        } else if (strcmp(key, "want") == 0) {
            c->nwant = read_doubles(rest, c->want, MAX_AT);
        } else {
            ok = parse_error(path, lineno, "unknown key");
        }
    }
    free(text);
    if (ok && c->have_schedule)
        c->cfg.learning_rate = c->schedule;
    if (!ok)
        free_case(c);
    return ok;
}

/* ---- optimizer cases --------------------------------------------------------- */

static int case_file(const char *path)
{
    optim_case c;
    if (!load_case(&c, path))
        return 1;
    int bad = 0;
    if (!c.have_optimizer || c.n <= 0 || c.steps <= 0 || c.ndefs == 0 || !c.params[0]) {
        parse_error(path, 0, "incomplete case");
        bad = 1;
    }
    for (int s = 1; !bad && s <= c.steps; s++) {
        if (!c.params[s] || !c.grads[s]) {
            parse_error(path, 0, "a step's params or grads are missing");
            bad = 1;
        }
    }
    if (bad) {
        free_case(&c);
        return 1;
    }

    kcc_optimizer opt;
    kcc_error err;
    if (kcc_optimizer_init(&opt, &c.cfg, c.n, &err) != KCC_OK) {
        printf("%s: kcc_optimizer_init: %s\n", c.name, err.message);
        free_case(&c);
        return 1;
    }
    float *w = malloc(sizeof *w * (size_t)c.n), *g = malloc(sizeof *g * (size_t)c.n);
    if (!w || !g) {
        printf("out of memory\n");
        return 1;
    }
    memcpy(w, c.params[0], sizeof *w * (size_t)c.n);
    double worst = 0.0;
    int worst_step = 0;
    long worst_i = 0, failures = 0;
    for (int s = 1; s <= c.steps; s++) {
        if (s == c.set_lr_step)
            kcc_optimizer_set_learning_rate(&opt, c.set_lr);
        memcpy(g, c.grads[s], sizeof *g * (size_t)c.n);
        kcc_optimizer_step(&opt, w, g, c.defs, c.ndefs);
        if (opt.iterations != s) {
            printf("step %d: iterations is %ld\n", s, opt.iterations);
            failures++;
        }
        for (int v = 0; v < c.ndefs; v++) {
            const kcc_param_def *d = &c.defs[v];
            for (long i = d->offset; i < d->offset + d->size; i++) {
                double want = c.params[s][i], got = w[i];
                if (!d->trainable) {
                    if (memcmp(&w[i], &c.params[0][i], sizeof w[i]) != 0) {
                        printf("step %d: non-trainable %s[%ld] changed: %.9g -> %.9g\n", s,
                               d->name, i - d->offset, c.params[0][i], got);
                        failures++;
                    }
                    continue;
                }
                double err_rel = fabs(got - want) / fmax(1.0, fabs(want));
                if (isnan(err_rel))
                    err_rel = INFINITY;
                if (err_rel > worst) {
                    worst = err_rel;
                    worst_step = s;
                    worst_i = i;
                }
                if (!(err_rel <= TOL) && failures++ < 10)
                    printf("step %d: %s[%ld] = %.9g, expected %.9g (error %.3g, tolerance %g)\n",
                           s, d->name, i - d->offset, got, want, err_rel, TOL);
            }
        }
    }
    /* Slots of non-trainable variables stay zero (Keras has none). */
    for (int v = 0; v < c.ndefs; v++) {
        const kcc_param_def *d = &c.defs[v];
        if (d->trainable)
            continue;
        for (int k = 0; k < opt.nslots; k++)
            for (long i = d->offset; i < d->offset + d->size; i++)
                if (opt.slots[(long)k * c.n + i] != 0.0f) {
                    printf("slot %d of non-trainable %s[%ld] is %.9g, not 0\n", k, d->name,
                           i - d->offset, opt.slots[(long)k * c.n + i]);
                    failures++;
                }
    }
    printf("%s (%s, %s): %d steps, worst error %.3g at step %d element %ld (tolerance %g): %s\n",
           c.name, c.optimizer, c.reference, c.steps, worst, worst_step, worst_i, TOL,
           failures ? "FAIL" : "ok");
    kcc_optimizer_free(&opt);
    free(w);
    free(g);
    free_case(&c);
    return failures ? 1 : 0;
}

static int schedule_file(const char *path)
{
    optim_case c;
    if (!load_case(&c, path))
        return 1;
    if (!c.have_schedule || c.nat == 0 || c.nat != c.nwant) {
        printf("%s: incomplete schedule case\n", path);
        free_case(&c);
        return 1;
    }
    /* kcc_optimizer_init accepts the schedule. */
    kcc_optimizer_config cfg;
    kcc_optimizer_defaults(&cfg, KCC_OPT_SGD);
    cfg.learning_rate = c.schedule;
    kcc_optimizer opt;
    kcc_error err;
    int failures = 0;
    if (kcc_optimizer_init(&opt, &cfg, 1, &err) != KCC_OK) {
        printf("%s: kcc_optimizer_init refuses the schedule: %s\n", c.name, err.message);
        failures++;
    } else {
        kcc_optimizer_free(&opt);
    }
    double worst = 0.0;
    for (int k = 0; k < c.nat; k++) {
        double got = kcc_schedule_value(&c.schedule, c.at[k]);
        double e = got == c.want[k] ? 0.0 : fabs(got - c.want[k]) / fabs(c.want[k]);
        if (isnan(e))
            e = INFINITY;
        worst = fmax(worst, e);
        if (!(e <= SCHEDULE_TOL)) {
            printf("step %ld: %.17g, expected %.17g (relative error %.3g)\n", c.at[k], got,
                   c.want[k], e);
            failures++;
        }
    }
    printf("%s: %d steps, worst relative error %.3g (tolerance %g): %s\n", c.name, c.nat, worst,
           SCHEDULE_TOL, failures ? "FAIL" : "ok");
    free_case(&c);
    return failures ? 1 : 0;
}

/* ---- unit tests -------------------------------------------------------------------- */

TEST(defaults_are_keras_constructor_defaults)
{
    static const struct {
        kcc_optimizer_kind kind;
        double lr, momentum, beta_1, beta_2, epsilon, rho, initial_acc, weight_decay;
    } want[] = {
        /* keras/src/optimizers/<name>.py __init__ defaults */
        {KCC_OPT_SGD, 0.01, 0, 0.9, 0.999, 1e-7, 0, 0, 0},
        {KCC_OPT_ADAM, 0.001, 0, 0.9, 0.999, 1e-7, 0, 0, 0},
        {KCC_OPT_ADAMW, 0.001, 0, 0.9, 0.999, 1e-7, 0, 0, 0.004},
        {KCC_OPT_RMSPROP, 0.001, 0, 0.9, 0.999, 1e-7, 0.9, 0, 0},
        {KCC_OPT_ADAGRAD, 0.001, 0, 0.9, 0.999, 1e-7, 0, 0.1, 0},
        {KCC_OPT_ADADELTA, 0.001, 0, 0.9, 0.999, 1e-7, 0.95, 0, 0},
        {KCC_OPT_ADAMAX, 0.001, 0, 0.9, 0.999, 1e-7, 0, 0, 0},
        {KCC_OPT_NADAM, 0.001, 0, 0.9, 0.999, 1e-7, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        kcc_optimizer_config c;
        memset(&c, 0xab, sizeof c); /* every field must be set */
        kcc_optimizer_defaults(&c, want[i].kind);
        CHECK_INT(c.kind, want[i].kind);
        CHECK_INT(c.learning_rate.kind, KCC_LR_CONSTANT);
        CHECK_DOUBLE(c.learning_rate.initial_learning_rate, want[i].lr);
        CHECK_DOUBLE(kcc_schedule_value(&c.learning_rate, 1000), want[i].lr);
        CHECK_DOUBLE(c.momentum, want[i].momentum);
        CHECK_INT(c.nesterov, 0);
        if (want[i].kind == KCC_OPT_ADAM || want[i].kind == KCC_OPT_ADAMW ||
            want[i].kind == KCC_OPT_ADAMAX || want[i].kind == KCC_OPT_NADAM) {
            CHECK_DOUBLE(c.beta_1, want[i].beta_1);
            CHECK_DOUBLE(c.beta_2, want[i].beta_2);
        }
        CHECK_DOUBLE(c.epsilon, want[i].epsilon);
        CHECK_INT(c.amsgrad, 0);
        CHECK_DOUBLE(c.rho, want[i].rho);
        CHECK_INT(c.centered, 0);
        CHECK_DOUBLE(c.initial_accumulator_value, want[i].initial_acc);
        CHECK_DOUBLE(c.weight_decay, want[i].weight_decay);
        CHECK_DOUBLE(c.clipnorm, 0.0);
        CHECK_DOUBLE(c.clipvalue, 0.0);
        CHECK_DOUBLE(c.global_clipnorm, 0.0);
    }
}

TEST(names_resolve_as_keras_resolves_them)
{
    static const struct {
        const char *name;
        kcc_optimizer_kind kind;
    } names[] = {
        {"sgd", KCC_OPT_SGD},           {"SGD", KCC_OPT_SGD},
        {"adam", KCC_OPT_ADAM},         {"Adam", KCC_OPT_ADAM},
        {"ADAM", KCC_OPT_ADAM},         {"adamw", KCC_OPT_ADAMW},
        {"AdamW", KCC_OPT_ADAMW},       {"rmsprop", KCC_OPT_RMSPROP},
        {"RMSprop", KCC_OPT_RMSPROP},   {"RMSProp", KCC_OPT_RMSPROP},
        {"adagrad", KCC_OPT_ADAGRAD},   {"Adagrad", KCC_OPT_ADAGRAD},
        {"adadelta", KCC_OPT_ADADELTA}, {"Adadelta", KCC_OPT_ADADELTA},
        {"adamax", KCC_OPT_ADAMAX},     {"Adamax", KCC_OPT_ADAMAX},
        {"nadam", KCC_OPT_NADAM},       {"Nadam", KCC_OPT_NADAM},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kcc_optimizer_config got, want;
        kcc_error err;
        memset(&got, 0, sizeof got);
        CHECK_INT(kcc_optimizer_from_name(&got, names[i].name, &err), KCC_OK);
        kcc_optimizer_defaults(&want, names[i].kind);
        CHECK(memcmp(&got, &want, sizeof got) == 0);
    }
    /* "Adam" is Keras's Adam with its defaults. */
    kcc_optimizer_config c;
    CHECK_INT(kcc_optimizer_from_name(&c, "Adam", NULL), KCC_OK);
    CHECK_INT(c.kind, KCC_OPT_ADAM);
    CHECK_DOUBLE(c.learning_rate.initial_learning_rate, 0.001);
    CHECK_DOUBLE(c.beta_1, 0.9);
    CHECK_DOUBLE(c.beta_2, 0.999);
    CHECK_DOUBLE(c.epsilon, 1e-7);
    CHECK_INT(c.amsgrad, 0);
    CHECK_INT(kcc_optimizer_from_name(&c, "adadelta", NULL), KCC_OK);
    CHECK_DOUBLE(c.learning_rate.initial_learning_rate, 0.001); /* TF.js: 1.0 */
}

TEST(unknown_names_fail_listing_the_known_ones)
{
    const char *bad[] = {"adamm", "", "ftrl", "sgd ", "Adam2", "momentum"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kcc_optimizer_config c;
        kcc_error err;
        memset(&err, 0, sizeof err);
        CHECK_INT(kcc_optimizer_from_name(&c, bad[i], &err), KCC_ERR_INVALID);
        CHECK_INT(err.status, KCC_ERR_INVALID);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s'", bad[i]);
        CHECK_CONTAINS(err.message, quoted);
        const char *known[] = {"sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax",
                               "nadam"};
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            CHECK_CONTAINS(err.message, known[k]);
    }
    kcc_optimizer_config c;
    CHECK_INT(kcc_optimizer_from_name(&c, "bogus", NULL), KCC_ERR_INVALID); /* no err: fine */
    CHECK_INT(kcc_optimizer_from_name(&c, NULL, NULL), KCC_ERR_INVALID);
}

static kcc_status init_with(kcc_optimizer *opt, const kcc_optimizer_config *c, kcc_error *err)
{
    memset(err, 0, sizeof *err);
    return kcc_optimizer_init(opt, c, 4, err);
}

TEST(invalid_configurations_are_refused_with_a_message)
{
    kcc_optimizer opt;
    kcc_optimizer_config c;
    kcc_error err;

    kcc_optimizer_defaults(&c, KCC_OPT_ADAM);
    c.clipnorm = 1.0;
    c.clipvalue = 0.5;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "only one of clipnorm, clipvalue and global_clipnorm");
    CHECK(opt.slots == NULL);
    kcc_optimizer_free(&opt); /* harmless after a failure */

    kcc_optimizer_defaults(&c, KCC_OPT_ADAM);
    c.clipnorm = 1.0;
    c.global_clipnorm = 1.0;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "only one of");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.clipvalue = -1.0;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "clipvalue");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.momentum = 1.5;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "momentum must be a float between [0, 1]");

    kcc_optimizer_defaults(&c, KCC_OPT_RMSPROP);
    c.epsilon = NAN;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "epsilon");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.learning_rate.initial_learning_rate = INFINITY;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "learning_rate");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.learning_rate.kind = KCC_LR_EXPONENTIAL_DECAY;
    c.learning_rate.decay_steps = 0;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "ExponentialDecay: decay_steps must be > 0");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.learning_rate.kind = KCC_LR_COSINE_DECAY;
    c.learning_rate.decay_steps = -3;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "CosineDecay: decay_steps");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.learning_rate.kind = KCC_LR_PIECEWISE_CONSTANT_DECAY;
    c.learning_rate.nboundaries = KCC_MAX_BOUNDARIES + 1;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "PiecewiseConstantDecay: expected 1 to 16 boundaries");

    c.learning_rate.nboundaries = 2;
    c.learning_rate.boundaries[0] = 5;
    c.learning_rate.boundaries[1] = 3;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "boundaries must not decrease");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.kind = (kcc_optimizer_kind)99;
    CHECK_INT(init_with(&opt, &c, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "unknown optimizer kind");

    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    CHECK_INT(kcc_optimizer_init(&opt, &c, -1, &err), KCC_ERR_INVALID);
    CHECK_CONTAINS(err.message, "parameter count");
    CHECK_INT(kcc_optimizer_init(&opt, NULL, 4, NULL), KCC_ERR_INVALID);

    /* A schedule kcc_optimizer_init refuses has no value. */
    kcc_schedule s;
    memset(&s, 0, sizeof s);
    s.kind = KCC_LR_INVERSE_TIME_DECAY;
    s.initial_learning_rate = 0.1;
    CHECK(isnan(kcc_schedule_value(&s, 3)));
}

TEST(slots_are_as_many_as_keras_makes)
{
    static const struct {
        kcc_optimizer_kind kind;
        double momentum;
        int amsgrad, centered, nslots;
    } want[] = {
        {KCC_OPT_SGD, 0, 0, 0, 0},     {KCC_OPT_SGD, 0.9, 0, 0, 1},
        {KCC_OPT_ADAM, 0, 0, 0, 2},    {KCC_OPT_ADAM, 0, 1, 0, 3},
        {KCC_OPT_ADAMW, 0, 1, 0, 3},   {KCC_OPT_RMSPROP, 0, 0, 0, 1},
        {KCC_OPT_RMSPROP, 0.5, 0, 0, 2}, {KCC_OPT_RMSPROP, 0, 0, 1, 2},
        {KCC_OPT_RMSPROP, 0.5, 0, 1, 3}, {KCC_OPT_ADAGRAD, 0, 0, 0, 1},
        {KCC_OPT_ADADELTA, 0, 0, 0, 2}, {KCC_OPT_ADAMAX, 0, 0, 0, 2},
        {KCC_OPT_NADAM, 0, 0, 0, 2},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        kcc_optimizer_config c;
        kcc_optimizer opt;
        kcc_error err;
        kcc_optimizer_defaults(&c, want[i].kind);
        c.momentum = want[i].momentum;
        c.amsgrad = want[i].amsgrad;
        c.centered = want[i].centered;
        REQUIRE(kcc_optimizer_init(&opt, &c, 5, &err) == KCC_OK);
        CHECK_INT(opt.nslots, want[i].nslots);
        CHECK_INT(opt.n, 5);
        CHECK_INT(opt.iterations, 0);
        CHECK_INT(opt.lr_fixed, 0);
        for (long k = 0; k < opt.nslots * 5L; k++)
            CHECK(opt.slots[k] == 0.0f);
        kcc_optimizer_free(&opt);
        CHECK(opt.slots == NULL);
    }
}

/* Adagrad's accumulators start at initial_accumulator_value for trainable
 * variables only; those of non-trainable ones stay zero. */
TEST(adagrad_accumulators_start_at_the_initial_value)
{
    kcc_optimizer_config c;
    kcc_optimizer opt;
    kcc_error err;
    kcc_optimizer_defaults(&c, KCC_OPT_ADAGRAD);
    c.initial_accumulator_value = 0.25;
    REQUIRE(kcc_optimizer_init(&opt, &c, 4, &err) == KCC_OK);
    kcc_param_def defs[2];
    memset(defs, 0, sizeof defs);
    defs[0].offset = 0, defs[0].size = 2, defs[0].trainable = 1;
    defs[1].offset = 2, defs[1].size = 2, defs[1].trainable = 0;
    float w[4] = {1, 2, 3, 4}, g[4] = {0.5f, -1, 7, 8};
    kcc_optimizer_step(&opt, w, g, defs, 2);
    CHECK(opt.slots[0] == 0.25f + 0.25f);
    CHECK(opt.slots[1] == 0.25f + 1.0f);
    CHECK(opt.slots[2] == 0.0f && opt.slots[3] == 0.0f);
    CHECK(w[2] == 3.0f && w[3] == 4.0f);
    kcc_optimizer_step(&opt, w, g, defs, 2); /* accumulates from there */
    CHECK(opt.slots[0] == 0.25f + 0.25f + 0.25f);
    kcc_optimizer_free(&opt);
}

TEST(set_learning_rate_replaces_the_schedule)
{
    kcc_optimizer_config c;
    kcc_optimizer opt;
    kcc_error err;
    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.learning_rate.kind = KCC_LR_EXPONENTIAL_DECAY;
    c.learning_rate.initial_learning_rate = 0.1;
    c.learning_rate.decay_steps = 1;
    c.learning_rate.decay_rate = 0.5;
    REQUIRE(kcc_optimizer_init(&opt, &c, 2, &err) == KCC_OK);
    float w[2] = {1, -1}, g[2];
    for (int s = 0; s < 3; s++) {
        /* the learning rate of the next update: the schedule at iterations */
        CHECK_DOUBLE(kcc_optimizer_learning_rate(&opt), 0.1 * pow(0.5, s));
        float before = w[0];
        g[0] = 1.0f, g[1] = 0.0f;
        kcc_optimizer_step(&opt, w, g, NULL, 0);
        CHECK(w[0] == before - (float)(0.1 * pow(0.5, s)));
        CHECK_INT(opt.iterations, s + 1);
    }
    kcc_optimizer_set_learning_rate(&opt, 0.25);
    CHECK_INT(opt.lr_fixed, 1);
    for (int s = 0; s < 2; s++) {
        CHECK_DOUBLE(kcc_optimizer_learning_rate(&opt), 0.25);
        float before = w[1];
        g[0] = 0.0f, g[1] = -2.0f;
        kcc_optimizer_step(&opt, w, g, NULL, 0);
        CHECK(w[1] == before + 0.5f);
    }
    CHECK_INT(opt.iterations, 5);
    kcc_optimizer_free(&opt);
}

/* Without defs the whole array is one trainable variable. */
TEST(no_defs_means_one_trainable_variable)
{
    kcc_optimizer_config c;
    kcc_optimizer a, b;
    kcc_error err;
    kcc_optimizer_defaults(&c, KCC_OPT_ADAM);
    c.clipnorm = 1.0;
    REQUIRE(kcc_optimizer_init(&a, &c, 3, &err) == KCC_OK);
    REQUIRE(kcc_optimizer_init(&b, &c, 3, &err) == KCC_OK);
    kcc_param_def one;
    memset(&one, 0, sizeof one);
    one.size = 3;
    one.trainable = 1;
    float wa[3] = {0.5f, -0.25f, 1}, wb[3] = {0.5f, -0.25f, 1};
    for (int s = 0; s < 3; s++) {
        float ga[3] = {3, -4, 0.001f}, gb[3] = {3, -4, 0.001f};
        kcc_optimizer_step(&a, wa, ga, NULL, 0);
        kcc_optimizer_step(&b, wb, gb, &one, 1);
        CHECK(memcmp(ga, gb, sizeof ga) == 0);
        CHECK(memcmp(wa, wb, sizeof wa) == 0);
    }
    /* The gradients were clipped in place to norm 1. */
    float ga[3] = {3, -4, 0};
    kcc_optimizer_step(&a, wa, ga, NULL, 0);
    CHECK_NEAR(ga[0], 0.6, 1e-7);
    CHECK_NEAR(ga[1], -0.8, 1e-7);
    kcc_optimizer_free(&a);
    kcc_optimizer_free(&b);
}

/* A parameter array with nothing trainable is left alone, slots too. */
TEST(nothing_trainable_changes_nothing_but_iterations)
{
    for (int k = KCC_OPT_SGD; k <= KCC_OPT_NADAM; k++) {
        kcc_optimizer_config c;
        kcc_optimizer opt;
        kcc_error err;
        kcc_optimizer_defaults(&c, (kcc_optimizer_kind)k);
        c.momentum = k == KCC_OPT_SGD || k == KCC_OPT_RMSPROP ? 0.5 : 0.0;
        c.weight_decay = 0.1;
        c.global_clipnorm = 1.0;
        REQUIRE(kcc_optimizer_init(&opt, &c, 3, &err) == KCC_OK);
        kcc_param_def frozen;
        memset(&frozen, 0, sizeof frozen);
        frozen.size = 3;
        float w[3] = {1, 2, 3}, g[3] = {10, 20, 30};
        kcc_optimizer_step(&opt, w, g, &frozen, 1);
        CHECK(w[0] == 1 && w[1] == 2 && w[2] == 3);
        CHECK(g[0] == 10 && g[1] == 20 && g[2] == 30);
        for (long i = 0; i < opt.nslots * 3L; i++)
            CHECK(opt.slots[i] == 0.0f);
        CHECK_INT(opt.iterations, 1);
        kcc_optimizer_free(&opt);
    }
}

/* Weight decay applies to any optimizer whose weight_decay is set, as in
 * Keras 3 (and tf.keras 2.11+): w - w * wd * lr before the update. */
TEST(weight_decay_is_decoupled_for_every_optimizer)
{
    kcc_optimizer_config c;
    kcc_optimizer opt;
    kcc_error err;
    kcc_optimizer_defaults(&c, KCC_OPT_SGD);
    c.learning_rate.initial_learning_rate = 0.5;
    c.weight_decay = 0.1;
    REQUIRE(kcc_optimizer_init(&opt, &c, 1, &err) == KCC_OK);
    float w[1] = {2}, g[1] = {0.5f};
    kcc_optimizer_step(&opt, w, g, NULL, 0);
    float decayed = 2.0f - 2.0f * 0.1f * 0.5f;
    CHECK(w[0] == decayed - 0.5f * 0.5f);
    kcc_optimizer_free(&opt);
}

typedef struct named_test {
    const char *name;
    void (*fn)(void);
    const char *sentence_name;
} named_test;

#define T(name, fn) {name, fn, #fn}
static const named_test tests[] = {
    T("defaults", defaults_are_keras_constructor_defaults),
    T("names", names_resolve_as_keras_resolves_them),
    T("unknown_name", unknown_names_fail_listing_the_known_ones),
    T("invalid_config", invalid_configurations_are_refused_with_a_message),
    T("slots", slots_are_as_many_as_keras_makes),
    T("adagrad_accumulator", adagrad_accumulators_start_at_the_initial_value),
    T("set_learning_rate", set_learning_rate_replaces_the_schedule),
    T("no_defs", no_defs_means_one_trainable_variable),
    T("nothing_trainable", nothing_trainable_changes_nothing_but_iterations),
    T("weight_decay", weight_decay_is_decoupled_for_every_optimizer),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "case") == 0)
        return case_file(argv[2]);
    if (argc == 3 && strcmp(argv[1], "schedule") == 0)
        return schedule_file(argv[2]);
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc == 2) {
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
            if (strcmp(argv[1], tests[i].name) == 0) {
                check_run(tests[i].sentence_name, tests[i].fn);
                return check_exit();
            }
        }
    }
    fprintf(stderr, "usage: test_optim case FILE | schedule FILE | list | TEST\n");
    return 2;
}
