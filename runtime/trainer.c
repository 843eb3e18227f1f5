/*
 * trainer.c - Keras's fit, evaluate and predict over a compiled model.
 *
 * One step of fit: gather a batch (shuffled with the trainer's seeded
 * generator), forward with dropout on, the loss and its gradient (from
 * the logits when the model ends in the loss's activation, as Keras),
 * backward into the gradient array, the regularization terms, one
 * optimizer update.  The epoch's loss is the mean over samples of the
 * batch losses (plus regularization), metrics are Keras's running
 * metrics; validation runs with dropout off.  Callbacks (early stopping,
 * checkpoints, plateaus, a CSV log, a learning-rate schedule) act at the
 * end of each epoch as Keras's do.
 */
#include "kcc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void kcc_trainer_free(kcc_trainer *t)
{
    free(t->params);
    free(t->grads);
    free(t->work);
    free(t->x);
    free(t->y);
    free(t->logits);
    free(t->dy);
    free(t->targets);
    kcc_optimizer_free(&t->optimizer);
    for (int i = 0; i < t->nmetrics; i++)
        kcc_metric_free(&t->metrics[i]);
    memset(t, 0, sizeof *t);
}

/* Targets a sample: the output size, or 1 (a class index) for sparse. */
static long target_size(const kcc_trainer *t)
{
    return t->loss.kind == KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? 1 : t->def->output_size;
}

kcc_status kcc_trainer_init(kcc_trainer *t, const kcc_model_def *def,
                            const kcc_optimizer_config *optimizer, const kcc_loss *loss,
                            const char *const *metric_names, int nmetrics, uint64_t seed,
                            kcc_error *err)
{
    memset(t, 0, sizeof *t);
    if (def->abi != KCC_ABI)
        return kcc_error_set(err, KCC_ERR_INVALID, "the model was compiled for runtime ABI %d, this "
                    "runtime is ABI %d: compile it again", def->abi, KCC_ABI);
    if (nmetrics > KCC_MAX_METRICS)
        return kcc_error_set(err, KCC_ERR_INVALID, "at most %d metrics", KCC_MAX_METRICS);
    t->def = def;
    t->loss = *loss;
    t->fused = kcc_loss_fuses(loss, def->final_act);
    long b = def->max_batch, out = def->output_size;
    t->params = malloc(sizeof *t->params * (size_t)(def->param_count + 1));
    t->grads = calloc((size_t)def->param_count + 1, sizeof *t->grads);
    t->work = calloc((size_t)def->work_size + 1, sizeof *t->work);
    t->x = malloc(sizeof *t->x * (size_t)(b * def->input_size));
    t->y = malloc(sizeof *t->y * (size_t)(b * out));
    t->logits = malloc(sizeof *t->logits * (size_t)(b * out));
    t->dy = malloc(sizeof *t->dy * (size_t)(b * out));
    t->targets = malloc(sizeof *t->targets * (size_t)(b * out));
    if (!t->params || !t->grads || !t->work || !t->x || !t->y || !t->logits || !t->dy ||
        !t->targets) {
        kcc_trainer_free(t);
        return kcc_error_set(err, KCC_ERR_NOMEM, "out of memory for the trainer's buffers");
    }
    memcpy(t->params, def->initial_params, sizeof *t->params * (size_t)def->param_count);
    kcc_status st = kcc_optimizer_init(&t->optimizer, optimizer, def->param_count, err);
    if (st != KCC_OK) {
        kcc_trainer_free(t);
        return st;
    }
    for (int i = 0; i < nmetrics; i++) {
        st = kcc_metric_from_name(&t->metrics[i], metric_names[i], loss, out, err);
        if (st != KCC_OK) {
            kcc_trainer_free(t);
            return st;
        }
        t->nmetrics++;
    }
    kcc_rng_seed(&t->rng, seed);
    return KCC_OK;
}

/* The regularization term, and its gradient added to t->grads. */
static double regularize(kcc_trainer *t, int with_grads)
{
    double sum = 0;
    for (int k = 0; k < t->def->nparams; k++) {
        const kcc_param_def *p = &t->def->params[k];
        if (p->l1 == 0 && p->l2 == 0)
            continue;
        const float *w = t->params + p->offset;
        float *g = t->grads + p->offset;
        for (long i = 0; i < p->size; i++) {
            sum += p->l1 * fabs(w[i]) + p->l2 * (double)w[i] * w[i];
            if (with_grads)
                g[i] += (float)(p->l1 * (w[i] > 0 ? 1 : w[i] < 0 ? -1 : 0) + 2 * p->l2 * w[i]);
        }
    }
    return sum;
}

/* Copies samples idx[0..n) (or from..from+n) into the batch buffers. */
static void gather(kcc_trainer *t, const kcc_dataset *d, const long *idx, long from, int n)
{
    long xs = t->def->input_size, ys = target_size(t);
    for (int i = 0; i < n; i++) {
        long s = idx ? idx[from + i] : from + i;
        memcpy(t->x + i * xs, d->x + s * xs, sizeof *t->x * (size_t)xs);
        if (d->y)
            memcpy(t->targets + i * ys, d->y + s * ys, sizeof *t->targets * (size_t)ys);
    }
}

/* Loss and metrics over d with dropout off: results[0] the loss, then the
 * metrics.  The metrics' state is reset first. */
static kcc_status run_eval(kcc_trainer *t, const kcc_dataset *d, int batch, double *results)
{
    const kcc_model_def *def = t->def;
    for (int i = 0; i < t->nmetrics; i++)
        kcc_metric_reset(&t->metrics[i]);
    double total = 0;
    for (long from = 0; from < d->n; from += batch) {
        int n = (int)(d->n - from < batch ? d->n - from : batch);
        gather(t, d, NULL, from, n);
        double penalty = def->forward(t->params, t->work, t->x, t->y,
                                      t->fused ? t->logits : NULL, n, 0, &t->rng);
        double l = kcc_loss_eval(&t->loss, t->fused ? t->logits : t->y, t->targets, n,
                                 def->output_size, NULL, t->fused, def->final_act);
        total += (l + penalty) * n;
        for (int i = 0; i < t->nmetrics; i++)
            kcc_metric_update(&t->metrics[i], t->y, t->targets, n, def->output_size);
    }
    results[0] = (d->n ? total / (double)d->n : 0) + regularize(t, 0);
    for (int i = 0; i < t->nmetrics; i++)
        results[1 + i] = kcc_metric_result(&t->metrics[i]);
    return KCC_OK;
}

static kcc_status check_data(const kcc_trainer *t, const kcc_dataset *d, const char *what,
                             int need_targets, kcc_error *err)
{
    if (d->x_size != t->def->input_size)
        return kcc_error_set(err, KCC_ERR_INVALID, "%s: %ld values a sample, the model takes %ld", what,
                    d->x_size, t->def->input_size);
    if (need_targets && !d->y)
        return kcc_error_set(err, KCC_ERR_INVALID, "%s: no targets", what);
    if (need_targets && d->y_size != target_size(t))
        return kcc_error_set(err, KCC_ERR_INVALID, "%s: %ld target values a sample, the model and loss "
                    "need %ld", what, d->y_size, target_size(t));
    return KCC_OK;
}

kcc_status kcc_evaluate(kcc_trainer *t, const kcc_dataset *d, int batch_size, double *results,
                        kcc_error *err)
{
    kcc_status st = check_data(t, d, "evaluate", 1, err);
    if (st != KCC_OK)
        return st;
    if (batch_size < 1 || batch_size > t->def->max_batch)
        batch_size = t->def->max_batch;
    return run_eval(t, d, batch_size, results);
}

kcc_status kcc_predict(kcc_trainer *t, const float *x, long n, float *y, kcc_error *err)
{
    (void)err;
    const kcc_model_def *def = t->def;
    for (long from = 0; from < n; from += def->max_batch) {
        int b = (int)(n - from < def->max_batch ? n - from : def->max_batch);
        def->forward(t->params, t->work, x + from * def->input_size, y + from * def->output_size,
                     NULL, b, 0, &t->rng);
    }
    return KCC_OK;
}

void kcc_fit_defaults(kcc_fit_options *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 1;
    o->batch_size = 32;
    o->shuffle = 1;
    o->initial_epoch = -1;
    o->early_stopping.monitor = "val_loss";
    o->checkpoint.monitor = "val_loss";
    o->reduce_lr.monitor = "val_loss";
    o->reduce_lr.factor = 0.1;
    o->reduce_lr.patience = 10;
    o->reduce_lr.min_delta = 1e-4;
}

/* ---- history ------------------------------------------------------------ */

/* The column of key, added if new (earlier rows get NaN there); -1 when
 * the history is full or out of memory. */
static int history_key(kcc_history *h, const char *key)
{
    for (int i = 0; i < h->nkeys; i++)
        if (strcmp(h->keys[i], key) == 0)
            return i;
    if (h->nkeys == KCC_MAX_KEYS)
        return -1;
    if (h->epochs > 0) {
        /* Rows are nkeys wide: widen them by one. */
        double *wider = malloc(sizeof *wider * (size_t)h->epochs * (size_t)(h->nkeys + 1));
        if (!wider)
            return -1;
        for (int r = 0; r < h->epochs; r++) {
            for (int k = 0; k < h->nkeys; k++)
                wider[(size_t)r * (size_t)(h->nkeys + 1) + (size_t)k] =
                    h->values[(size_t)r * (size_t)h->nkeys + (size_t)k];
            wider[(size_t)r * (size_t)(h->nkeys + 1) + (size_t)h->nkeys] = NAN;
        }
        free(h->values);
        h->values = wider;
    }
    snprintf(h->keys[h->nkeys], sizeof h->keys[0], "%s", key);
    return h->nkeys++;
}

/* Appends a row of nkeys values. */
static kcc_status history_add(kcc_history *h, int epoch, const double *row, double seconds)
{
    int r = h->epochs;
    size_t w = (size_t)h->nkeys;
    int *ep = realloc(h->epoch, sizeof *ep * (size_t)(r + 1));
    if (ep)
        h->epoch = ep;
    double *vals = realloc(h->values, sizeof *vals * (size_t)(r + 1) * (w ? w : 1));
    if (vals)
        h->values = vals;
    double *secs = realloc(h->seconds, sizeof *secs * (size_t)(r + 1));
    if (secs)
        h->seconds = secs;
    if (!ep || !vals || !secs)
        return KCC_ERR_NOMEM;
    h->epoch[r] = epoch;
    h->seconds[r] = seconds;
    for (size_t k = 0; k < w; k++)
        h->values[(size_t)r * w + k] = row[k];
    h->epochs++;
    return KCC_OK;
}

/* ---- callbacks ---------------------------------------------------------- */

static int maximize(const char *monitor, kcc_monitor_mode mode)
{
    if (mode != KCC_MODE_AUTO)
        return mode == KCC_MODE_MAX;
    return strstr(monitor, "acc") || strstr(monitor, "auc") || strstr(monitor, "precision") ||
           strstr(monitor, "recall");
}

static int monitored(const kcc_history *h, const double *row, const char *monitor, double *v)
{
    for (int i = 0; i < h->nkeys; i++)
        if (strcmp(h->keys[i], monitor) == 0 && !isnan(row[i])) {
            *v = row[i];
            return 1;
        }
    return 0;
}

typedef struct Callbacks {
    /* early stopping */
    double es_best;
    int es_wait;
    float *es_best_weights;
    /* checkpoint */
    double ck_best;
    /* reduce lr */
    double lr_best;
    int lr_wait, lr_cooldown;
} Callbacks;

kcc_status kcc_fit(kcc_trainer *t, const kcc_dataset *train, const kcc_fit_options *o,
                   kcc_history *h, kcc_error *err)
{
    const kcc_model_def *def = t->def;
    kcc_status st = check_data(t, train, "fit", 1, err);
    if (st != KCC_OK)
        return st;
    if (o->batch_size < 1 || o->batch_size > def->max_batch)
        return kcc_error_set(err, KCC_ERR_INVALID, "batch_size %d: the model was compiled for batches of "
                    "1 to %d (kcc --train --batch-size)", o->batch_size, def->max_batch);
    if (o->validation_split < 0 || o->validation_split >= 1)
        return kcc_error_set(err, KCC_ERR_INVALID, "validation_split %g: expected a fraction in [0, 1)",
                    o->validation_split);

    /* Keras's validation_split: the last fraction, before shuffling. */
    kcc_dataset tr = *train, val = {0, train->x_size, train->y_size, NULL, NULL};
    const kcc_dataset *vd = o->validation_data;
    if (!vd && o->validation_split > 0) {
        long split = (long)((double)train->n * (1.0 - o->validation_split));
        tr.n = split;
        val.n = train->n - split;
        val.x = train->x + split * train->x_size;
        val.y = train->y + split * train->y_size;
        vd = &val;
    }
    if (vd && (st = check_data(t, vd, "validation data", 1, err)) != KCC_OK)
        return st;
    if (tr.n < 1)
        return kcc_error_set(err, KCC_ERR_INVALID, "fit: no training samples");

    /* History columns: loss, metrics, val_ of each, lr. */
    char key[48];
    history_key(h, "loss");
    for (int i = 0; i < t->nmetrics; i++)
        history_key(h, t->metrics[i].name);
    if (vd) {
        history_key(h, "val_loss");
        for (int i = 0; i < t->nmetrics; i++) {
            snprintf(key, sizeof key, "val_%s", t->metrics[i].name);
            history_key(h, key);
        }
    }
    int lr_key = history_key(h, "lr");

    long *idx = malloc(sizeof *idx * (size_t)tr.n);
    double *row = calloc(KCC_MAX_KEYS, sizeof *row);
    double *evals = calloc(KCC_MAX_METRICS + 1, sizeof *evals);
    Callbacks cb = {INFINITY, 0, NULL, INFINITY, INFINITY, 0, 0};
    int es_max = maximize(o->early_stopping.monitor, o->early_stopping.mode);
    int ck_max = maximize(o->checkpoint.monitor, o->checkpoint.mode);
    int lr_max = maximize(o->reduce_lr.monitor, o->reduce_lr.mode);
    if (es_max)
        cb.es_best = -INFINITY;
    if (ck_max)
        cb.ck_best = -INFINITY;
    if (lr_max)
        cb.lr_best = -INFINITY;
    if (!idx || !row || !evals) {
        free(idx);
        free(row);
        free(evals);
        return kcc_error_set(err, KCC_ERR_NOMEM, "out of memory in fit");
    }
    int first = o->initial_epoch >= 0 ? o->initial_epoch : t->epoch;
    long steps = (tr.n + o->batch_size - 1) / o->batch_size;
    t->interrupted = 0;
    st = KCC_OK;
    int stop = 0;
    for (int epoch = first; epoch < o->epochs && !stop; epoch++) {
        double start = now();
        if (o->schedule)
            kcc_optimizer_set_learning_rate(
                &t->optimizer, o->schedule(epoch, kcc_optimizer_learning_rate(&t->optimizer),
                                           o->schedule_user));
        /* Each epoch's order depends on the generator alone, so that a
         * resumed fit shuffles as the uninterrupted one would. */
        for (long i = 0; i < tr.n; i++)
            idx[i] = i;
        if (o->shuffle) {
            for (long i = tr.n - 1; i > 0; i--) {
                long j = (long)(kcc_rng_uniform(&t->rng) * (double)(i + 1));
                long tmp = idx[i];
                idx[i] = idx[j];
                idx[j] = tmp;
            }
        }
        for (int i = 0; i < t->nmetrics; i++)
            kcc_metric_reset(&t->metrics[i]);
        double total = 0, last_progress = -1;
        long seen = 0;
        for (long step = 0; step < steps; step++) {
            long from = step * o->batch_size;
            int n = (int)(tr.n - from < o->batch_size ? tr.n - from : o->batch_size);
            gather(t, &tr, idx, from, n);
            double penalty = def->forward(t->params, t->work, t->x, t->y,
                                          t->fused ? t->logits : NULL, n, 1, &t->rng);
            double l = kcc_loss_eval(&t->loss, t->fused ? t->logits : t->y, t->targets, n,
                                     def->output_size, t->dy, t->fused, def->final_act) + penalty;
            memset(t->grads, 0, sizeof *t->grads * (size_t)def->param_count);
            def->backward(t->params, t->grads, t->work, t->x, t->dy, n, t->fused);
            double reg = regularize(t, 1);
            if (o->terminate_on_nan && !isfinite(l + reg)) {
                st = kcc_error_set(err, KCC_ERR_NAN, "epoch %d, batch %ld: the loss is %g: training "
                          "stopped (terminate_on_nan)", epoch + 1, step + 1, l + reg);
                stop = 1;
                break;
            }
            for (int i = 0; i < t->nmetrics; i++)
                kcc_metric_update(&t->metrics[i], t->y, t->targets, n, def->output_size);
            kcc_optimizer_step(&t->optimizer, t->params, t->grads, def->params, def->nparams);
            total += (l + reg) * n;
            seen += n;

            /* Progress at most ten times a second, as Keras's bar. */
            double t_now = o->progress ? now() : 0;
            if (o->progress && (t_now - last_progress >= 0.1 || step + 1 == steps)) {
                last_progress = t_now;
                row[0] = total / (double)seen;
                for (int i = 0; i < t->nmetrics; i++)
                    row[1 + i] = kcc_metric_result(&t->metrics[i]);
                kcc_progress p = {epoch, o->epochs, step + 1, steps, t_now - start, 0, h, row};
                o->progress(&p, o->progress_user);
            }
            if (t->stop) {
                t->interrupted = 1;
                stop = 1;
                break;
            }
        }
        if (st != KCC_OK || seen == 0)
            break;

        for (int k = 0; k < KCC_MAX_KEYS; k++)
            row[k] = NAN;
        row[0] = total / (double)seen;
        for (int i = 0; i < t->nmetrics; i++)
            row[1 + i] = kcc_metric_result(&t->metrics[i]);
        if (vd) {
            run_eval(t, vd, o->batch_size, evals);
            for (int i = 0; i <= t->nmetrics; i++)
                row[1 + t->nmetrics + i] = evals[i];
        }
        row[lr_key] = kcc_optimizer_learning_rate(&t->optimizer);
        t->epoch = epoch + 1;
        double secs = now() - start;
        if (history_add(h, epoch, row, secs) != KCC_OK) {
            st = kcc_error_set(err, KCC_ERR_NOMEM, "out of memory for the history");
            break;
        }
        if (o->progress) {
            kcc_progress p = {epoch, o->epochs, steps, steps, secs, 1, h, row};
            o->progress(&p, o->progress_user);
        }
        if (o->csv_log && (st = kcc_history_write_csv(h, o->csv_log, err)) != KCC_OK)
            break;

        double v;
        /* ModelCheckpoint */
        if (o->checkpoint.dir) {
            int save = !o->checkpoint.save_best_only;
            if (monitored(h, row, o->checkpoint.monitor, &v) &&
                (ck_max ? v > cb.ck_best : v < cb.ck_best)) {
                cb.ck_best = v;
                save = 1;
            }
            if (save && (st = kcc_model_save(t, o->checkpoint.dir, err)) != KCC_OK)
                break;
        }
        /* ReduceLROnPlateau */
        const kcc_reduce_lr *rl = &o->reduce_lr;
        if (rl->enabled && monitored(h, row, rl->monitor, &v)) {
            if (cb.lr_cooldown > 0) {
                cb.lr_cooldown--;
                cb.lr_wait = 0;
            }
            if (lr_max ? v > cb.lr_best + rl->min_delta : v < cb.lr_best - rl->min_delta) {
                cb.lr_best = v;
                cb.lr_wait = 0;
            } else if (cb.lr_cooldown == 0 && ++cb.lr_wait >= rl->patience) {
                double lr = kcc_optimizer_learning_rate(&t->optimizer);
                if (lr > (float)rl->min_lr) {
                    double nl = lr * rl->factor;
                    kcc_optimizer_set_learning_rate(&t->optimizer, nl > rl->min_lr ? nl : rl->min_lr);
                    cb.lr_cooldown = rl->cooldown;
                    cb.lr_wait = 0;
                }
            }
        }
        /* EarlyStopping */
        const kcc_early_stopping *es = &o->early_stopping;
        if (es->enabled && epoch >= es->start_from_epoch && monitored(h, row, es->monitor, &v)) {
            if (es->restore_best_weights && !cb.es_best_weights) {
                cb.es_best_weights = malloc(sizeof *t->params * (size_t)(def->param_count + 1));
                if (cb.es_best_weights)
                    memcpy(cb.es_best_weights, t->params,
                           sizeof *t->params * (size_t)def->param_count);
            }
            cb.es_wait++;
            if (es_max ? v - es->min_delta > cb.es_best : v + es->min_delta < cb.es_best) {
                cb.es_best = v;
                cb.es_wait = 0;
                if (cb.es_best_weights)
                    memcpy(cb.es_best_weights, t->params,
                           sizeof *t->params * (size_t)def->param_count);
            } else if (cb.es_wait >= es->patience && epoch > 0) {
                if (cb.es_best_weights)
                    memcpy(t->params, cb.es_best_weights,
                           sizeof *t->params * (size_t)def->param_count);
                stop = 1;
            }
        }
    }
    free(cb.es_best_weights);
    free(idx);
    free(row);
    free(evals);
    return st;
}

/* ---- progress ----------------------------------------------------------- */

static void print_values(const kcc_progress *p, int with_val)
{
    const kcc_history *h = p->history;
    for (int k = 0; k < h->nkeys; k++) {
        if (strcmp(h->keys[k], "lr") == 0 || isnan(p->values[k]))
            continue;
        if (!with_val && strncmp(h->keys[k], "val_", 4) == 0)
            continue;
        printf(" - %s: %.4f", h->keys[k], p->values[k]);
    }
}

static void print_time(double seconds, long steps)
{
    double per = steps ? seconds / (double)steps : 0;
    if (per >= 1)
        printf(" - %.0fs %.0fs/step", seconds, per);
    else if (per >= 1e-3)
        printf(" - %.0fs %.0fms/step", seconds, per * 1e3);
    else
        printf(" - %.0fs %.0fus/step", seconds, per * 1e6);
}

void kcc_print_progress(const kcc_progress *p, void *user)
{
    (void)user;
    if (p->step == 1 && !p->epoch_done)
        printf("Epoch %d/%d\n", p->epoch + 1, p->epochs);
    int width = snprintf(NULL, 0, "%ld", p->steps);
    int done = (int)(30 * p->step / (p->steps ? p->steps : 1));
    printf("\r%*ld/%ld [", width, p->step, p->steps);
    for (int i = 0; i < 30; i++)
        putchar(i < done - 1 || (i == done - 1 && p->step == p->steps) ? '='
                : i == done - 1 ? '>' : '.');
    printf("]");
    if (p->epoch_done) {
        print_time(p->seconds, p->steps);
        print_values(p, 1);
        printf("\n");
    } else {
        double eta = p->step ? p->seconds / (double)p->step * (double)(p->steps - p->step) : 0;
        printf(" - ETA: %.0fs", eta);
        print_values(p, 0);
        printf("\033[K");
    }
    fflush(stdout);
}

void kcc_print_epochs(const kcc_progress *p, void *user)
{
    (void)user;
    if (!p->epoch_done)
        return;
    printf("Epoch %d/%d\n%ld/%ld", p->epoch + 1, p->epochs, p->steps, p->steps);
    print_time(p->seconds, p->steps);
    print_values(p, 1);
    printf("\n");
    fflush(stdout);
}
