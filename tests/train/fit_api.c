/*
 * fit_api.c - the runtime's training API on a compiled model (small.json:
 * Dense relu with an L2 regularizer, Dropout, Dense sigmoid), as a user's
 * C program drives it.  Each check is one of Keras's fit semantics.
 */
#define _POSIX_C_SOURCE 200809L
#include "small_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            printf(__VA_ARGS__);                                                          \
            printf("\n");                                                                 \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

static kcc_dataset data(long n, uint64_t seed)
{
    kcc_dataset d = {n, 4, 1, malloc(sizeof(float) * (size_t)n * 4), malloc(sizeof(float) * (size_t)n)};
    kcc_rng r;
    kcc_rng_seed(&r, seed);
    for (long i = 0; i < n; i++) {
        float *x = d.x + i * 4;
        for (int k = 0; k < 4; k++)
            x[k] = (float)(kcc_rng_uniform(&r) * 2 - 1);
        d.y[i] = x[0] + x[1] * x[2] > 0 ? 1.0f : 0.0f;
    }
    return d;
}

static void trainer(kcc_trainer *t, double lr, uint64_t seed)
{
    kcc_optimizer_config oc;
    kcc_loss loss;
    kcc_error err;
    kcc_optimizer_from_name(&oc, "adam", &err);
    oc.learning_rate.initial_learning_rate = lr;
    kcc_loss_from_name(&loss, "binary_crossentropy", &err);
    const char *metrics[] = {"accuracy"};
    if (kcc_trainer_init(t, &small_train_def, &oc, &loss, metrics, 1, seed, &err) != KCC_OK) {
        printf("trainer: %s\n", err.message);
        exit(1);
    }
}

static double column(const kcc_history *h, int row, const char *key)
{
    for (int k = 0; k < h->nkeys; k++)
        if (strcmp(h->keys[k], key) == 0)
            return h->values[(size_t)row * (size_t)h->nkeys + (size_t)k];
    return NAN;
}

static double run_fit(kcc_trainer *t, const kcc_dataset *d, kcc_fit_options *o, kcc_history *h)
{
    kcc_error err;
    kcc_status st = kcc_fit(t, d, o, h, &err);
    if (st != KCC_OK)
        printf("fit: %s\n", err.message);
    return st;
}

/* Same seed, same run: the parameters agree bit for bit. */
static void deterministic(const kcc_dataset *d)
{
    kcc_trainer a, b;
    kcc_history ha = {0}, hb = {0};
    kcc_fit_options o;
    kcc_fit_defaults(&o);
    o.epochs = 3;
    o.batch_size = 16;
    trainer(&a, 0.01, 5);
    trainer(&b, 0.01, 5);
    run_fit(&a, d, &o, &ha);
    run_fit(&b, d, &o, &hb);
    CHECK(memcmp(a.params, b.params, sizeof(float) * (size_t)small_train_def.param_count) == 0,
          "two runs with seed 5 differ");
    CHECK(ha.epochs == 3 && column(&ha, 2, "loss") < column(&ha, 0, "loss"),
          "the loss did not go down: %g -> %g", column(&ha, 0, "loss"), column(&ha, 2, "loss"));
    kcc_trainer_free(&a);
    kcc_trainer_free(&b);
    kcc_history_free(&ha);
    kcc_history_free(&hb);
}

/* 3 epochs, save, load into a fresh trainer, 3 more = 6 epochs at once. */
static void resume_exactly(const kcc_dataset *d, const char *dir)
{
    kcc_trainer a, b, c;
    kcc_history ha = {0}, hb = {0}, hc = {0};
    kcc_fit_options o;
    kcc_error err;
    kcc_fit_defaults(&o);
    o.batch_size = 16;
    o.epochs = 6;
    trainer(&a, 0.01, 9);
    run_fit(&a, d, &o, &ha);

    trainer(&b, 0.01, 9);
    o.epochs = 3;
    run_fit(&b, d, &o, &hb);
    CHECK(kcc_model_save(&b, dir, &err) == KCC_OK, "save: %s", err.message);
    trainer(&c, 0.01, 12345); /* another seed: the state must replace it */
    CHECK(kcc_model_load(&c, dir, &err) == KCC_OK, "load: %s", err.message);
    CHECK(c.epoch == 3, "the loaded epoch is %d", c.epoch);
    o.epochs = 6;
    run_fit(&c, d, &o, &hc);
    CHECK(hc.epochs == 3 && hc.epoch[0] == 3, "resumed at epoch %d for %d epochs",
          hc.epochs ? hc.epoch[0] : -1, hc.epochs);
    CHECK(memcmp(a.params, c.params, sizeof(float) * (size_t)small_train_def.param_count) == 0,
          "3 + 3 epochs through a saved model differ from 6 epochs");
    kcc_trainer_free(&a);
    kcc_trainer_free(&b);
    kcc_trainer_free(&c);
    kcc_history_free(&ha);
    kcc_history_free(&hb);
    kcc_history_free(&hc);
}

/* A training state saved with another optimizer is refused with a message
 * that says what differs (read before the state's bytes are freed: a
 * sanitized build catches the opposite). */
static void load_another_optimizer(const char *dir)
{
    kcc_optimizer_config oc;
    kcc_loss loss;
    kcc_error err;
    kcc_trainer t;
    const char *metrics[] = {"accuracy"};
    kcc_optimizer_from_name(&oc, "sgd", &err);
    kcc_loss_from_name(&loss, "binary_crossentropy", &err);
    CHECK(kcc_trainer_init(&t, &small_train_def, &oc, &loss, metrics, 1, 1, &err) == KCC_OK,
          "trainer: %s", err.message);
    CHECK(kcc_model_load(&t, dir, &err) == KCC_ERR_FORMAT, "loaded an Adam state into SGD");
    char want[1200];
    snprintf(want, sizeof want, "%s/training_state.bin: saved by a different model or optimizer "
             "(same parameters, optimizer another)", dir);
    CHECK(strcmp(err.message, want) == 0, "message: %s", err.message);
    kcc_trainer_free(&t);
}

/* validation_split: the last fraction, before shuffling; val_loss is the
 * loss (regularization included) of the epoch-end weights on it. */
static void validation_split(const kcc_dataset *d)
{
    kcc_trainer t;
    kcc_history h = {0};
    kcc_fit_options o;
    kcc_error err;
    kcc_fit_defaults(&o);
    o.epochs = 2;
    o.batch_size = 16;
    o.validation_split = 0.25;
    trainer(&t, 0.01, 3);
    run_fit(&t, d, &o, &h);
    long n = d->n - (long)(d->n * 0.75);
    kcc_dataset tail = {n, 4, 1, d->x + (d->n - n) * 4, d->y + (d->n - n)};
    double r[2];
    kcc_evaluate(&t, &tail, 16, r, &err);
    CHECK(fabs(r[0] - column(&h, 1, "val_loss")) < 1e-12, "val_loss %.9g, evaluate %.9g",
          column(&h, 1, "val_loss"), r[0]);
    CHECK(fabs(r[1] - column(&h, 1, "val_accuracy")) < 1e-12, "val_accuracy %.9g, evaluate %.9g",
          column(&h, 1, "val_accuracy"), r[1]);
    /* The regularization term is part of the loss, as in Keras. */
    double l2 = 0;
    const kcc_param_def *k = &small_train_def.params[0];
    for (long i = 0; i < k->size; i++)
        l2 += 0.01 * (double)t.params[k->offset + i] * t.params[k->offset + i];
    CHECK(k->l2 == 0.01 && l2 > 0, "the kernel's L2 is %g", k->l2);
    t.params[k->offset] += 0.5f; /* the loss must move with the kernel's norm */
    double r2[2];
    kcc_evaluate(&t, &tail, 16, r2, &err);
    CHECK(r2[0] != r[0], "the loss ignores the kernel");
    kcc_trainer_free(&t);
    kcc_history_free(&h);
}

/* EarlyStopping: a loss that cannot improve stops after patience + 1. */
static void early_stopping(const kcc_dataset *d)
{
    kcc_trainer t;
    kcc_history h = {0};
    kcc_fit_options o;
    kcc_fit_defaults(&o);
    o.epochs = 20;
    o.batch_size = 16;
    o.shuffle = 0;
    o.early_stopping.enabled = 1;
    o.early_stopping.monitor = "loss";
    o.early_stopping.patience = 2;
    o.early_stopping.min_delta = 1.0; /* no epoch improves by 1 */
    trainer(&t, 0.01, 3);
    run_fit(&t, d, &o, &h);
    CHECK(h.epochs == 3, "stopped after %d epochs, expected 3", h.epochs);
    kcc_trainer_free(&t);
    kcc_history_free(&h);
}

/* ReduceLROnPlateau: no improvement -> the rate is cut after patience. */
static void reduce_lr(const kcc_dataset *d)
{
    kcc_trainer t;
    kcc_history h = {0};
    kcc_fit_options o;
    kcc_fit_defaults(&o);
    o.epochs = 5;
    o.batch_size = 16;
    o.reduce_lr.enabled = 1;
    o.reduce_lr.monitor = "loss";
    o.reduce_lr.patience = 1;
    o.reduce_lr.factor = 0.5;
    o.reduce_lr.min_delta = 10; /* never an improvement */
    trainer(&t, 0.01, 3);
    run_fit(&t, d, &o, &h);
    /* Epoch 0 sets the best; each later epoch waits 1 = patience: cut. */
    double want[] = {0.01, 0.01, 0.005, 0.0025, 0.00125};
    for (int e = 0; e < 5; e++)
        CHECK(fabs(column(&h, e, "lr") - want[e]) < 1e-9, "epoch %d: lr %g, expected %g", e,
              column(&h, e, "lr"), want[e]);
    kcc_trainer_free(&t);
    kcc_history_free(&h);
}

static double halve(int epoch, double lr, void *user)
{
    (void)user;
    return epoch == 0 ? lr : lr / 2;
}

/* LearningRateScheduler: the hook sets each epoch's rate. */
static void schedule(const kcc_dataset *d)
{
    kcc_trainer t;
    kcc_history h = {0};
    kcc_fit_options o;
    kcc_fit_defaults(&o);
    o.epochs = 3;
    o.batch_size = 16;
    o.schedule = halve;
    trainer(&t, 0.01, 3);
    run_fit(&t, d, &o, &h);
    CHECK(fabs(column(&h, 2, "lr") - 0.0025) < 1e-12, "epoch 2: lr %g", column(&h, 2, "lr"));
    kcc_trainer_free(&t);
    kcc_history_free(&h);
}

/* TerminateOnNaN: a huge rate blows the loss up; fit says where. */
static void terminate_on_nan(const kcc_dataset *d)
{
    kcc_trainer t;
    kcc_history h = {0};
    kcc_fit_options o;
    kcc_error err;
    kcc_fit_defaults(&o);
    o.epochs = 50;
    o.batch_size = 16;
    o.terminate_on_nan = 1;
    trainer(&t, 1e30, 3);
    for (long i = 0; i < small_train_def.param_count; i++)
        t.params[i] = 1e30f;
    kcc_status st = kcc_fit(&t, d, &o, &h, &err);
    CHECK(st == KCC_ERR_NAN, "status %d", st);
    CHECK(strstr(err.message, "epoch 1, batch 1:") != NULL, "message: %s", err.message);
    kcc_trainer_free(&t);
    kcc_history_free(&h);
}

/* ModelCheckpoint with save_best_only writes a loadable model. */
static void checkpoint(const kcc_dataset *d, const char *dir)
{
    kcc_trainer t, u;
    kcc_history h = {0};
    kcc_fit_options o;
    kcc_error err;
    kcc_fit_defaults(&o);
    o.epochs = 2;
    o.batch_size = 16;
    o.checkpoint.dir = dir;
    o.checkpoint.monitor = "loss";
    o.checkpoint.save_best_only = 1;
    trainer(&t, 0.01, 3);
    run_fit(&t, d, &o, &h);
    char path[512];
    snprintf(path, sizeof path, "%s/model.json", dir);
    CHECK(access(path, F_OK) == 0, "no %s", path);
    trainer(&u, 0.01, 3);
    CHECK(kcc_model_load(&u, dir, &err) == KCC_OK, "load: %s", err.message);
    kcc_trainer_free(&t);
    kcc_trainer_free(&u);
    kcc_history_free(&h);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "fit_api_out";
    kcc_dataset d = data(400, 1);
    char sub[512];
    deterministic(&d);
    snprintf(sub, sizeof sub, "%s-resume", dir);
    resume_exactly(&d, sub);
    load_another_optimizer(sub);
    validation_split(&d);
    early_stopping(&d);
    reduce_lr(&d);
    schedule(&d);
    terminate_on_nan(&d);
    snprintf(sub, sizeof sub, "%s-checkpoint", dir);
    checkpoint(&d, sub);
    kcc_dataset_free(&d);
    printf("%s\n", failures ? "some checks failed" : "all checks passed");
    return failures ? 1 : 0;
}
