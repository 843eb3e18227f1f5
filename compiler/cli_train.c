/*
 * cli_train.c - kcc fit, evaluate, predict and plot: the Keras workflow
 * from the command line.
 *
 *   kcc fit MODEL DATA -o DIR [options]     train; save the model to DIR
 *   kcc evaluate MODEL DATA [options]       loss and metrics on DATA
 *   kcc predict MODEL DATA [-o OUT.csv]     the model's outputs for DATA
 *   kcc plot HISTORY.csv -o OUT.svg         the training history as a picture
 *
 * MODEL is a model file (Keras JSON or TF.js model.json) or a directory
 * that kcc fit wrote.  DATA is a CSV file, read with a column spec, or
 * MNIST-style IDX files (--images, --labels).  Compile settings (optimizer,
 * loss, metrics) come from the model file's training config, as Keras
 * stores it, and flags override them.  The training code is generated for
 * the model's shapes, compiled with $CC and run (jit.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "compiler.h"

#include "files.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char fit_usage[] =
    "usage: kcc fit MODEL [DATA.csv] -o DIR [options]\n"
    "       kcc evaluate MODEL [DATA.csv] [options]\n"
    "       kcc predict MODEL [DATA.csv] [-o OUT.csv] [options]\n"
    "       kcc plot HISTORY.csv -o OUT.svg [--title TEXT]\n"
    "\n"
    "MODEL: a model file, or a directory kcc fit wrote.  Data: a CSV file with a\n"
    "header line, or IDX files (--images, --labels).\n"
    "\n"
    "Data:\n"
    "  --target COLS          target columns (comma-separated)\n"
    "  --drop COLS            columns to ignore\n"
    "  --features COLS        the feature columns (the others are ignored)\n"
    "  --label-encode COLS    categorical columns as 0, 1, ...\n"
    "  --one-hot COLS         categorical columns one-hot encoded\n"
    "  --drop-first           one-hot without the first category\n"
    "  --scale                standard-scale the features (fitted on the training part)\n"
    "  --images FILE          IDX images (MNIST), gzipped or not, scaled to [0, 1]\n"
    "  --labels FILE          IDX labels, one-hot encoded\n"
    "  --test-split F         hold out a random fraction F (seeded) as the test set\n"
    "  --test-last N          hold out the last N samples as the test set\n"
    "  --split-seed N         the seed of --test-split (default: --seed)\n"
    "Compile (default: the model file's training config):\n"
    "  --optimizer NAME       sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam\n"
    "  --learning-rate X      --momentum X  --nesterov  --weight-decay X\n"
    "  --clipnorm X           --clipvalue X  --global-clipnorm X\n"
    "  --loss NAME            binary_crossentropy, categorical_crossentropy, mse, ...\n"
    "  --from-logits          the loss takes logits\n"
    "  --metrics NAMES        accuracy, auc, precision, recall, mae, ...\n"
    "Fit:\n"
    "  --epochs N             (1)    --batch-size N (32)   --seed N (0)\n"
    "  --validation-split F   the last fraction of the training data, before shuffling\n"
    "  --no-shuffle           --initial-epoch N  --resume (go on from DIR's state)\n"
    "  --early-stopping N     stop after N epochs without improvement of --monitor\n"
    "  --monitor KEY          (val_loss, or loss without validation)  --min-delta X\n"
    "  --restore-best-weights\n"
    "  --reduce-lr N          ReduceLROnPlateau with patience N  --lr-factor X (0.1)\n"
    "  --min-lr X             --checkpoint DIR  --save-best-only\n"
    "  --terminate-on-nan     stop when the loss is not finite\n"
    "  --csv-log FILE         (DIR/history.csv)   --plot (DIR/history.svg)\n"
    "  --verbose N            0 quiet, 1 progress bar, 2 a line an epoch (default:\n"
    "                         1 on a terminal, else 0)\n"
    "  --validation-data F    validation data from another CSV file\n"
    "Other:\n"
    "  --keras-config FILE    --input-shape D,...  -o OUT\n"
    "  --threads N            threads that train (default: $KCC_THREADS, else one a core);\n"
    "                         the results are the same for any number\n";

typedef struct TrainOptions {
    const char *command;
    const char *model, *data, *output, *title;
    kcc_csv_spec spec;
    const char *images, *labels;
    double test_split;
    long test_last;
    const char *optimizer, *loss, *metrics;
    double learning_rate, momentum, weight_decay, clipnorm, clipvalue, global_clipnorm;
    int nesterov, from_logits;
    uint64_t split_seed;
    int has_split_seed;
    int epochs, batch_size, shuffle, initial_epoch, resume, verbose, plot, terminate_on_nan;
    uint64_t seed;
    double validation_split;
    int early_stopping, restore_best, reduce_lr, save_best_only;
    const char *monitor, *checkpoint, *csv_log, *keras_config, *input_shape, *validation_data;
    double min_delta, lr_factor, min_lr;
    int threads;
} TrainOptions;

typedef struct Flag {
    const char *name;
    char kind;                  /* s string, d double, i int, b boolean */
    size_t offset;
} Flag;

#define F(name, kind, field) {name, kind, offsetof(TrainOptions, field)}
static const Flag flags[] = {
    F("-o", 's', output), F("--title", 's', title),
    F("--target", 's', spec.target), F("--drop", 's', spec.drop),
    F("--features", 's', spec.features),
    F("--label-encode", 's', spec.label_encode), F("--one-hot", 's', spec.one_hot),
    F("--drop-first", 'b', spec.drop_first), F("--scale", 'b', spec.scale),
    F("--images", 's', images), F("--labels", 's', labels),
    F("--test-split", 'd', test_split), F("--test-last", 'l', test_last),
    F("--optimizer", 's', optimizer), F("--loss", 's', loss), F("--metrics", 's', metrics),
    F("--learning-rate", 'd', learning_rate), F("--momentum", 'd', momentum),
    F("--weight-decay", 'd', weight_decay), F("--clipnorm", 'd', clipnorm),
    F("--clipvalue", 'd', clipvalue), F("--global-clipnorm", 'd', global_clipnorm),
    F("--nesterov", 'b', nesterov), F("--from-logits", 'b', from_logits),
    F("--epochs", 'i', epochs), F("--batch-size", 'i', batch_size),
    F("--initial-epoch", 'i', initial_epoch), F("--resume", 'b', resume),
    F("--verbose", 'i', verbose), F("--plot", 'b', plot),
    F("--terminate-on-nan", 'b', terminate_on_nan), F("--seed", 'u', seed),
    F("--split-seed", 'u', split_seed),
    F("--validation-split", 'd', validation_split),
    F("--early-stopping", 'i', early_stopping), F("--restore-best-weights", 'b', restore_best),
    F("--reduce-lr", 'i', reduce_lr), F("--save-best-only", 'b', save_best_only),
    F("--monitor", 's', monitor), F("--checkpoint", 's', checkpoint),
    F("--csv-log", 's', csv_log), F("--keras-config", 's', keras_config),
    F("--input-shape", 's', input_shape), F("--min-delta", 'd', min_delta),
    F("--validation-data", 's', validation_data),
    F("--lr-factor", 'd', lr_factor), F("--min-lr", 'd', min_lr),
    F("--threads", 'i', threads),
};
#undef F

static int parse(Diag *d, int argc, char **argv, TrainOptions *o)
{
    memset(o, 0, sizeof *o);
    o->command = argv[1];
    o->shuffle = 1;
    o->initial_epoch = -1;
    o->verbose = -1;
    o->threads = -1; /* not given */
    o->learning_rate = o->momentum = o->weight_decay = NAN;
    o->clipnorm = o->clipvalue = o->global_clipnorm = NAN;
    o->lr_factor = 0.1;
    o->spec.delimiter = ',';
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(fit_usage, stdout);
            return -1;
        }
        if (strcmp(a, "--no-shuffle") == 0) {
            o->shuffle = 0;
            continue;
        }
        if (a[0] != '-') {
            if (!o->model)
                o->model = a;
            else if (!o->data)
                o->data = a;
            else
                diag_error(d, "unexpected argument '%s' (see kcc fit --help)", a);
            continue;
        }
        const Flag *f = NULL;
        for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
            if (strcmp(a, flags[k].name) == 0)
                f = &flags[k];
        if (!f) {
            diag_error(d, "unknown option '%s' (see kcc fit --help)", a);
            continue;
        }
        void *field = (char *)o + f->offset;
        if (f->kind == 'b') {
            *(int *)field = 1;
            continue;
        }
        if (i + 1 >= argc) {
            diag_error(d, "option '%s' needs a value (see kcc fit --help)", a);
            continue;
        }
        const char *v = argv[++i];
        char *end;
        errno = 0;
        switch (f->kind) {
        case 's':
            *(const char **)field = v;
            break;
        case 'd': {
            double x = strtod(v, &end);
            if (!*v || *end || errno || !isfinite(x) || x < 0)
                diag_error(d, "%s: expected a non-negative number, got '%s'", a, v);
            *(double *)field = x;
            break;
        }
        case 'i':
        case 'l': {
            long x = strtol(v, &end, 10);
            if (!*v || *end || errno || x < 0 || x > 1000000000L)
                diag_error(d, "%s: expected a non-negative integer, got '%s'", a, v);
            if (f->kind == 'i')
                *(int *)field = (int)x;
            else
                *(long *)field = x;
            break;
        }
        case 'u': {
            unsigned long long x = strtoull(v, &end, 10);
            if (!*v || *end || errno || v[0] == '-')
                diag_error(d, "%s: expected a non-negative integer, got '%s'", a, v);
            *(uint64_t *)field = (uint64_t)x;
            if (strcmp(a, "--split-seed") == 0)
                o->has_split_seed = 1;
            break;
        }
        }
    }
    if (!o->model)
        diag_error(d, "no %s given (see kcc fit --help)",
                   strcmp(o->command, "plot") == 0 ? "history file" : "model");
    if ((strcmp(o->command, "fit") == 0 || strcmp(o->command, "plot") == 0) && !o->output)
        diag_error(d, "no output given: use -o %s", strcmp(o->command, "plot") == 0 ? "OUT.svg" : "DIR");
    if (strcmp(o->command, "plot") != 0 && !o->data && !o->images)
        diag_error(d, "no data given: a CSV file, or --images and --labels");
    if ((o->images != NULL) != (o->labels != NULL))
        diag_error(d, "--images and --labels go together");
    if (o->test_split >= 1 || o->validation_split >= 1)
        diag_error(d, "--test-split and --validation-split take a fraction below 1");
    if (o->threads == 0 || o->threads > 4096)
        diag_error(d, "--threads %d: expected 1 to 4096", o->threads);
    return d->errors ? 1 : 0;
}

/* ---- settings from the model file's training config --------------------- */

/* A Keras config object's name: a string, {"class_name"}, Keras 1's
 * {"name"}. */
static const char *config_name(const cJSON *v, const cJSON **config)
{
    *config = NULL;
    if (cJSON_IsString(v))
        return v->valuestring;
    if (!cJSON_IsObject(v))
        return NULL;
    const cJSON *cn = cJSON_GetObjectItemCaseSensitive(v, "class_name");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "config");
    if (cJSON_IsString(cn)) {
        *config = cJSON_IsObject(c) ? c : NULL;
        return cn->valuestring;
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "name");
    *config = v;
    return cJSON_IsString(n) ? n->valuestring : NULL;
}

static double num_field(const cJSON *c, const char *key, double def)
{
    const cJSON *v = c ? cJSON_GetObjectItemCaseSensitive(c, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* A Keras learning-rate schedule object into s. */
static bool schedule_from_json(Diag *d, const char *file, const cJSON *v, kcc_schedule *s)
{
    const cJSON *c;
    const char *name = config_name(v, &c);
    memset(s, 0, sizeof *s);
    if (!name || !c) {
        diag_error(d, "%s: training config: learning_rate: expected a number or a schedule", file);
        return false;
    }
    s->initial_learning_rate = num_field(c, "initial_learning_rate", 0.001);
    s->decay_steps = num_field(c, "decay_steps", 1);
    s->decay_rate = num_field(c, "decay_rate", 1);
    s->alpha = num_field(c, "alpha", 0);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "staircase");
    s->staircase = cJSON_IsTrue(st);
    if (strcmp(name, "ExponentialDecay") == 0) {
        s->kind = KCC_LR_EXPONENTIAL_DECAY;
    } else if (strcmp(name, "InverseTimeDecay") == 0) {
        s->kind = KCC_LR_INVERSE_TIME_DECAY;
    } else if (strcmp(name, "CosineDecay") == 0) {
        s->kind = KCC_LR_COSINE_DECAY;
    } else if (strcmp(name, "PiecewiseConstantDecay") == 0) {
        s->kind = KCC_LR_PIECEWISE_CONSTANT_DECAY;
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(c, "boundaries");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(c, "values");
        int nb = cJSON_GetArraySize(b), nv = cJSON_GetArraySize(vals);
        if (nb < 1 || nb > KCC_MAX_BOUNDARIES || nv != nb + 1) {
            diag_error(d, "%s: training config: PiecewiseConstantDecay: expected 1 to %d "
                          "boundaries and one value more", file, KCC_MAX_BOUNDARIES);
            return false;
        }
        s->nboundaries = nb;
        for (int i = 0; i < nb; i++)
            s->boundaries[i] = cJSON_GetArrayItem(b, i)->valuedouble;
        for (int i = 0; i < nv; i++)
            s->values[i] = cJSON_GetArrayItem(vals, i)->valuedouble;
    } else {
        char *safe = safe_text(name);
        diag_error(d, "%s: training config: unknown learning-rate schedule '%s'", file, safe);
        free(safe);
        return false;
    }
    return true;
}

static bool optimizer_from_json(Diag *d, const char *file, const cJSON *v,
                                kcc_optimizer_config *oc)
{
    const cJSON *c;
    const char *name = config_name(v, &c);
    kcc_error err;
    if (!name || kcc_optimizer_from_name(oc, name, &err) != KCC_OK) {
        diag_error(d, "%s: training config: optimizer: %s", file,
                   name ? err.message : "expected an optimizer name or object");
        return false;
    }
    if (!c)
        return true;
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(c, "learning_rate");
    if (!lr)
        lr = cJSON_GetObjectItemCaseSensitive(c, "lr"); /* Keras 1 and early 2 */
    if (cJSON_IsNumber(lr)) {
        oc->learning_rate.kind = KCC_LR_CONSTANT;
        oc->learning_rate.initial_learning_rate = lr->valuedouble;
    } else if (cJSON_IsObject(lr) && !schedule_from_json(d, file, lr, &oc->learning_rate)) {
        return false;
    }
    oc->momentum = num_field(c, "momentum", oc->momentum);
    oc->beta_1 = num_field(c, "beta_1", oc->beta_1);
    oc->beta_2 = num_field(c, "beta_2", oc->beta_2);
    oc->epsilon = num_field(c, "epsilon", oc->epsilon);
    oc->rho = num_field(c, "rho", oc->rho);
    oc->initial_accumulator_value =
        num_field(c, "initial_accumulator_value", oc->initial_accumulator_value);
    oc->weight_decay = num_field(c, "weight_decay", oc->weight_decay);
    oc->clipnorm = num_field(c, "clipnorm", oc->clipnorm);
    oc->clipvalue = num_field(c, "clipvalue", oc->clipvalue);
    oc->global_clipnorm = num_field(c, "global_clipnorm", oc->global_clipnorm);
    const cJSON *b;
    if ((b = cJSON_GetObjectItemCaseSensitive(c, "nesterov")))
        oc->nesterov = cJSON_IsTrue(b);
    if ((b = cJSON_GetObjectItemCaseSensitive(c, "amsgrad")))
        oc->amsgrad = cJSON_IsTrue(b);
    if ((b = cJSON_GetObjectItemCaseSensitive(c, "centered")))
        oc->centered = cJSON_IsTrue(b);
    return true;
}

typedef struct Compile {
    kcc_optimizer_config optimizer;
    kcc_loss loss;
    char *metrics[KCC_MAX_METRICS];
    int nmetrics;
    bool have_optimizer, have_loss;
} Compile;

static void add_metric(Compile *c, const char *name)
{
    if (c->nmetrics < KCC_MAX_METRICS)
        c->metrics[c->nmetrics++] = xstrdup(name);
}

/* The model file's settings, then the flags over them. */
static bool compile_settings(Diag *d, const Model *m, const TrainOptions *o, double epsilon,
                             Compile *c)
{
    memset(c, 0, sizeof *c);
    const cJSON *tc = m->training_config;
    bool ok = true;
    kcc_error err;
    if (tc) {
        const cJSON *opt = cJSON_GetObjectItemCaseSensitive(tc, "optimizer_config");
        if (!opt)
            opt = cJSON_GetObjectItemCaseSensitive(tc, "optimizer");
        if (opt && !o->optimizer) {
            ok = optimizer_from_json(d, m->file, opt, &c->optimizer) && ok;
            c->have_optimizer = true;
        }
        const cJSON *lc;
        const char *loss = config_name(cJSON_GetObjectItemCaseSensitive(tc, "loss"), &lc);
        if (loss && !o->loss) {
            if (kcc_loss_from_name(&c->loss, loss, &err) != KCC_OK) {
                diag_error(d, "%s: training config: loss: %s", m->file, err.message);
                ok = false;
            }
            const cJSON *fl = lc ? cJSON_GetObjectItemCaseSensitive(lc, "from_logits") : NULL;
            c->loss.from_logits = cJSON_IsTrue(fl);
            c->loss.delta = num_field(lc, "delta", c->loss.delta);
            c->have_loss = true;
        }
        const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(tc, "metrics");
        if (cJSON_IsArray(metrics) && !o->metrics) {
            for (const cJSON *it = metrics->child; it; it = it->next) {
                const cJSON *mc;
                const char *name = config_name(it, &mc);
                if (cJSON_IsArray(it)) /* Keras 2 can nest a list per output */
                    for (const cJSON *in = it->child; in; in = in->next)
                        if ((name = config_name(in, &mc)))
                            add_metric(c, name);
                if (name && !cJSON_IsArray(it))
                    add_metric(c, name);
            }
        }
    }
    if (o->optimizer) {
        if (kcc_optimizer_from_name(&c->optimizer, o->optimizer, &err) != KCC_OK) {
            diag_error(d, "--optimizer: %s", err.message);
            ok = false;
        }
        c->have_optimizer = true;
    }
    if (!c->have_optimizer) {
        diag_error(d, "%s: no optimizer: the model file has no training config; give "
                      "--optimizer (e.g. adam)", m->file);
        ok = false;
    }
    if (o->loss) {
        if (kcc_loss_from_name(&c->loss, o->loss, &err) != KCC_OK) {
            diag_error(d, "--loss: %s", err.message);
            ok = false;
        }
        c->have_loss = true;
    }
    if (!c->have_loss) {
        diag_error(d, "%s: no loss: the model file has no training config; give --loss "
                      "(e.g. binary_crossentropy)", m->file);
        ok = false;
    }
    if (o->from_logits)
        c->loss.from_logits = 1;
    c->loss.epsilon = epsilon;
    if (o->metrics) {
        char *list = xstrdup(o->metrics);
        for (char *t = strtok(list, ","); t; t = strtok(NULL, ","))
            add_metric(c, t);
        free(list);
    }
    kcc_optimizer_config *oc = &c->optimizer;
    if (!isnan(o->learning_rate)) {
        oc->learning_rate.kind = KCC_LR_CONSTANT;
        oc->learning_rate.initial_learning_rate = o->learning_rate;
    }
    if (!isnan(o->momentum))
        oc->momentum = o->momentum;
    if (!isnan(o->weight_decay))
        oc->weight_decay = o->weight_decay;
    if (!isnan(o->clipnorm))
        oc->clipnorm = o->clipnorm;
    if (!isnan(o->clipvalue))
        oc->clipvalue = o->clipvalue;
    if (!isnan(o->global_clipnorm))
        oc->global_clipnorm = o->global_clipnorm;
    if (o->nesterov)
        oc->nesterov = 1;
    return ok;
}

static void compile_free(Compile *c)
{
    for (int i = 0; i < c->nmetrics; i++)
        free(c->metrics[i]);
}

/* ---- data --------------------------------------------------------------- */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Loads the data: IDX, or CSV with the spec (or a trained model's saved
 * preprocessing, pp already loaded).  x_size, the model's input size, is
 * checked before the samples are allocated. */
static bool load_data(Diag *d, const TrainOptions *o, kcc_preprocessing *pp, bool have_pp,
                      bool need_targets, long x_size, kcc_dataset *out)
{
    kcc_error err;
    kcc_status st;
    memset(out, 0, sizeof *out);
    if (o->images) {
        long n, size;
        if ((st = kcc_idx_info(&n, &size, o->images, &err)) == KCC_OK && size != x_size) {
            diag_error(d, "%s: images of %ld values, the model takes %ld", o->images, size,
                       x_size);
            return false;
        }
        if (st == KCC_OK)
            st = kcc_idx_load(out, o->images, o->labels, 1.0 / 255.0, 1, &err);
    } else if (have_pp) {
        if (pp->x_size != x_size) {
            diag_error(d, "%s: its preprocessing makes %ld values a sample, the model takes %ld",
                       o->data, pp->x_size, x_size);
            return false;
        }
        st = kcc_csv_load_with(out, pp, o->data, &err);
    } else {
        if (need_targets && !o->spec.target) {
            diag_error(d, "%s: which column is the target? give --target", o->data);
            return false;
        }
        kcc_csv_spec spec = o->spec;
        spec.x_size = x_size;
        st = kcc_csv_load(out, pp, o->data, &spec, &err);
    }
    if (st != KCC_OK) {
        diag_error(d, "%s", err.message);
        return false;
    }
    return true;
}

/* Splits off the test set (--test-split, --test-last); none: test->n 0. */
static bool split_test(Diag *d, const TrainOptions *o, kcc_dataset *all, kcc_dataset *train,
                       kcc_dataset *test)
{
    kcc_error err;
    memset(test, 0, sizeof *test);
    if (o->test_last > 0) {
        if (o->test_last >= all->n) {
            diag_error(d, "--test-last %ld: the data has only %ld samples", o->test_last, all->n);
            return false;
        }
        /* Copy the two parts: both own their memory. */
        long n = all->n - o->test_last;
        kcc_dataset parts[2] = {
            {n, all->x_size, all->y_size, NULL, NULL},
            {o->test_last, all->x_size, all->y_size, NULL, NULL},
        };
        for (int p = 0; p < 2; p++) {
            long from = p ? n : 0;
            parts[p].x = xmalloc(sizeof *all->x * (size_t)(parts[p].n * all->x_size));
            memcpy(parts[p].x, all->x + from * all->x_size,
                   sizeof *all->x * (size_t)(parts[p].n * all->x_size));
            if (all->y) {
                parts[p].y = xmalloc(sizeof *all->y * (size_t)(parts[p].n * all->y_size));
                memcpy(parts[p].y, all->y + from * all->y_size,
                       sizeof *all->y * (size_t)(parts[p].n * all->y_size));
            }
        }
        kcc_dataset_free(all);
        *train = parts[0];
        *test = parts[1];
        return true;
    }
    if (o->test_split > 0) {
        uint64_t seed = o->has_split_seed ? o->split_seed : o->seed;
        if (kcc_dataset_split(train, test, all, o->test_split, seed, &err) != KCC_OK) {
            diag_error(d, "%s", err.message);
            return false;
        }
        kcc_dataset_free(all);
        return true;
    }
    *train = *all;
    memset(all, 0, sizeof *all);
    return true;
}

/* ---- the model ---------------------------------------------------------- */

/* The model file inside a directory kcc fit wrote, or the file itself. */
static char *model_file(const char *arg)
{
    if (is_dir(arg))
        return xformat("%s/model.json", arg);
    return xstrdup(arg);
}

static Model *load_model(Diag *d, const TrainOptions *o, const char *file, KerasConfig *kc)
{
    if (!keras_config_load(kc, d, o->keras_config))
        return NULL;
    Model *m = parse_model(d, file, kc);
    if (!m)
        return NULL;
    if (o->input_shape) {
        Shape s;
        if (!input_shape_parse(o->input_shape, &s)) {
            diag_error(d, "--input-shape: expected sizes like 28,28,1, got '%s'", o->input_shape);
            model_free(m);
            return NULL;
        }
        if (!input_shape_give(m, &s)) {
            model_free(m);
            return NULL;
        }
    }
    if (!infer_shapes(m) || !load_weights(m, NULL, o->seed)) {
        model_free(m);
        return NULL;
    }
    return m;
}

/* ---- the files a command writes ------------------------------------------ */

/* The files kcc fit saves in a model directory. */
static const char *const saved_files[] = {"model.json", "weights.bin", "training_state.bin",
                                          "preprocessing.json"};

/* Refuses, before any work, outputs that are the same file, and outputs
 * that would overwrite an input: the data, the model (kcc fit saving the
 * model it read, DIR -o DIR, is the one exception: group 1).  m is the
 * model read, from dir when it is a directory kcc fit wrote. */
static bool check_files(Diag *d, const TrainOptions *o, const Model *m, const char *dir,
                        const char *keras_config)
{
    enum { MAX_OUTS = 10 };
    FileRole outs[MAX_OUTS];
    char *owned[MAX_OUTS];
    int n = 0;
    bool ok = true;
    if (strcmp(o->command, "predict") == 0) {
        outs[n] = (FileRole){o->output, "-o", 0};
        owned[n++] = NULL;
    } else if (strcmp(o->command, "fit") == 0) {
        for (int i = 0; i < 4; i++) {
            if (i == 3 && o->images)
                break; /* no preprocessing */
            owned[n] = xformat("%s/%s", o->output, saved_files[i]);
            outs[n] = (FileRole){owned[n], "-o", 1};
            n++;
        }
        owned[n] = o->csv_log ? xstrdup(o->csv_log) : xformat("%s/history.csv", o->output);
        outs[n] = (FileRole){owned[n], o->csv_log ? "--csv-log" : "-o", 0};
        n++;
        if (o->plot) {
            owned[n] = xformat("%s/history.svg", o->output);
            outs[n] = (FileRole){owned[n], "--plot", 0};
            n++;
        }
        if (o->checkpoint && same_output(o->checkpoint, o->output)) {
            char *f = safe_text(o->checkpoint);
            diag_error(d, "%s: -o and --checkpoint are the same directory", f);
            free(f);
            ok = false;
        }
        for (int i = 0; ok && o->checkpoint && i < 3; i++) {
            owned[n] = xformat("%s/%s", o->checkpoint, saved_files[i]);
            outs[n] = (FileRole){owned[n], "--checkpoint", 1};
            n++;
        }
    }
    KCC_ASSERT(n <= MAX_OUTS);

    /* The inputs: the model's files (its shards too), the data. */
    int nins = m->ninputs + 8;
    FileRole *ins = xcalloc((size_t)nins, sizeof *ins);
    char *dir_files[2] = {NULL, NULL};
    int k = 0;
    for (int i = 0; i < m->ninputs; i++) {
        bool kc = keras_config && strcmp(m->inputs[i], keras_config) == 0;
        ins[k++] = (FileRole){m->inputs[i], kc ? "the Keras config" : "the model", kc ? 0 : 1};
    }
    if (dir) {
        dir_files[0] = xformat("%s/%s", dir, "preprocessing.json");
        dir_files[1] = xformat("%s/%s", dir, "training_state.bin");
        ins[k++] = (FileRole){dir_files[0], "the model", 1};
        ins[k++] = (FileRole){dir_files[1], "the model", 1};
    }
    ins[k++] = (FileRole){o->data, "the data", 0};
    ins[k++] = (FileRole){o->images, "the --images file", 0};
    ins[k++] = (FileRole){o->labels, "the --labels file", 0};
    ins[k++] = (FileRole){o->validation_data, "the --validation-data file", 0};
    KCC_ASSERT(k <= nins);
    ok = check_clobber(d, outs, n, ins, k) && ok;
    for (int i = 0; i < n; i++)
        free(owned[i]);
    free(dir_files[0]);
    free(dir_files[1]);
    free(ins);
    return ok;
}

static kcc_trainer *volatile interrupt_target;

static void on_interrupt(int sig)
{
    (void)sig;
    if (interrupt_target)
        interrupt_target->stop = 1;
}

static void print_results(const kcc_trainer *t, const char *what, const double *r)
{
    printf("%s loss: %.4f", what, r[0]);
    for (int i = 0; i < t->nmetrics; i++)
        printf(" - %s %s: %.4f", what, t->metrics[i].name, r[1 + i]);
    printf("\n");
}

static int run(Diag *d, const TrainOptions *o)
{
    bool fit = strcmp(o->command, "fit") == 0;
    bool predict = strcmp(o->command, "predict") == 0;
    char *file = model_file(o->model);
    char *dir = is_dir(o->model) ? xstrdup(o->model) : NULL;
    KerasConfig kc = {DT_F32, FMT_CHANNELS_LAST, 1e-7, NULL};
    Model *m = load_model(d, o, file, &kc);
    int rc = 1;
    Jit jit = {NULL, NULL, NULL};
    Compile c;
    memset(&c, 0, sizeof c);
    kcc_trainer t;
    memset(&t, 0, sizeof t);
    kcc_preprocessing pp;
    memset(&pp, 0, sizeof pp);
    kcc_dataset all = {0, 0, 0, NULL, NULL}, train = all, test = all, valdata = all;
    kcc_history h;
    memset(&h, 0, sizeof h);
    kcc_error err;
    bool have_pp = false;
    if (!m || !check_files(d, o, m, dir, kc.source))
        goto done;
    if (!compile_settings(d, m, o, kc.epsilon, &c))
        goto done;

    /* A trained model's preprocessing applies to its data. */
    if (dir && !o->images) {
        char *ppf = xformat("%s/preprocessing.json", dir);
        if (access(ppf, F_OK) == 0) {
            if (kcc_preprocessing_load(&pp, ppf, &err) != KCC_OK) {
                diag_error(d, "%s", err.message);
                free(ppf);
                goto done;
            }
            have_pp = true;
        }
        free(ppf);
    }
    long x_size = shape_count(&m->values[m->input].shape);
    if (!load_data(d, o, &pp, have_pp, !predict, x_size, &all))
        goto done;
    if (!split_test(d, o, &all, &train, &test))
        goto done;
    if (o->spec.scale && !have_pp && !o->images) {
        kcc_preprocessing_fit(&pp, &train);
        if (test.n)
            kcc_preprocessing_apply(&pp, &test);
    }
    if (o->validation_data && kcc_csv_load_with(&valdata, &pp, o->validation_data, &err) != KCC_OK) {
        diag_error(d, "%s", err.message);
        goto done;
    }

    int batch = o->batch_size ? o->batch_size : 32;
    if (!jit_load(d, m, batch, o->threads, &jit))
        goto done;
    if (kcc_trainer_init(&t, jit.def, &c.optimizer, &c.loss, (const char *const *)c.metrics,
                         c.nmetrics, o->seed, &err) != KCC_OK) {
        diag_error(d, "%s", err.message);
        goto done;
    }
    if (dir && (o->resume || !fit) && access(file, F_OK) == 0) {
        char *state = xformat("%s/training_state.bin", dir);
        if (fit && access(state, F_OK) == 0 && kcc_model_load(&t, dir, &err) != KCC_OK) {
            diag_error(d, "%s", err.message);
            free(state);
            goto done;
        }
        free(state);
    }

    /* evaluate and predict with --test-split or --test-last: on the test
     * part, as fit reports it. */
    const kcc_dataset *on = test.n > 0 ? &test : &train;
    if (predict) {
        long out = jit.def->output_size;
        float *y = xmalloc(sizeof *y * (size_t)(on->n * out + 1));
        kcc_predict(&t, on->x, on->n, y, &err);
        StrBuf csv = {0};
        sb_add(&csv, "");
        for (long i = 0; i < on->n; i++)
            for (long k = 0; k < out; k++)
                sb_printf(&csv, "%.9g%s", y[i * out + k], k + 1 == out ? "\n" : ",");
        free(y);
        bool wrote;
        if (o->output) {
            OutFile f = {o->output, csv.data, csv.len};
            wrote = write_files_atomic(d, &f, 1);
        } else {
            wrote = stdout_write(d, csv.data, csv.len);
        }
        sb_free(&csv);
        rc = wrote ? 0 : 1;
        goto done;
    }
    if (!fit) {
        double r[KCC_MAX_METRICS + 1];
        kcc_evaluate(&t, on, batch, r, &err);
        print_results(&t, "test", r);
        rc = 0;
        goto done;
    }

    kcc_fit_options fo;
    kcc_fit_defaults(&fo);
    fo.epochs = o->epochs ? o->epochs : 1;
    fo.batch_size = batch;
    fo.shuffle = o->shuffle;
    fo.initial_epoch = o->initial_epoch;
    fo.validation_split = o->validation_split;
    if (valdata.x)
        fo.validation_data = &valdata;
    fo.terminate_on_nan = o->terminate_on_nan;
    const char *monitor = o->monitor ? o->monitor
                        : o->validation_split > 0 || valdata.x ? "val_loss" : "loss";
    if (o->early_stopping) {
        fo.early_stopping.enabled = 1;
        fo.early_stopping.patience = o->early_stopping;
        fo.early_stopping.monitor = monitor;
        fo.early_stopping.min_delta = o->min_delta;
        fo.early_stopping.restore_best_weights = o->restore_best;
    }
    if (o->reduce_lr) {
        fo.reduce_lr.enabled = 1;
        fo.reduce_lr.patience = o->reduce_lr;
        fo.reduce_lr.monitor = monitor;
        fo.reduce_lr.factor = o->lr_factor;
        fo.reduce_lr.min_lr = o->min_lr;
    }
    if (o->checkpoint) {
        fo.checkpoint.dir = o->checkpoint;
        fo.checkpoint.monitor = monitor;
        fo.checkpoint.save_best_only = o->save_best_only;
    }
    char *csv = o->csv_log ? xstrdup(o->csv_log) : xformat("%s/history.csv", o->output);
    if (kcc_make_dirs(o->output, &err) != KCC_OK) {
        diag_error(d, "%s", err.message);
        free(csv);
        goto done;
    }
    fo.csv_log = csv;
    /* Resuming: the history so far goes on in the same log. */
    if (o->resume && access(csv, F_OK) == 0 && kcc_history_read_csv(&h, csv, &err) != KCC_OK) {
        diag_error(d, "%s", err.message);
        free(csv);
        goto done;
    }
    /* A progress bar on a terminal; quiet otherwise, unless asked. */
    int verbose = o->verbose >= 0 ? o->verbose : isatty(1) ? 1 : 0;
    if (verbose == 1)
        fo.progress = kcc_print_progress;
    else if (verbose == 2)
        fo.progress = kcc_print_epochs;

    interrupt_target = &t;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    kcc_status st = kcc_fit(&t, &train, &fo, &h, &err);
    sigaction(SIGINT, &old, NULL);
    interrupt_target = NULL;

    if (st != KCC_OK)
        diag_error(d, "%s", err.message);
    if (verbose > 0 && h.epochs > 0) {
        double secs = 0;
        for (int i = 0; i < h.epochs; i++)
            secs += h.seconds[i];
        long steps = (long)h.epochs * ((train.n - (long)(train.n * o->validation_split) + batch - 1) / batch);
        printf("trained %d epochs (%ld steps) in %.3f s, %.2f us a step\n", h.epochs, steps, secs,
               steps ? secs / (double)steps * 1e6 : 0.0);
    }
    /* Save whatever was trained, also after an interruption or a NaN. */
    if (kcc_model_save(&t, o->output, &err) != KCC_OK) {
        diag_error(d, "%s", err.message);
    } else if (!o->images) {
        char *ppf = xformat("%s/preprocessing.json", o->output);
        if (kcc_preprocessing_save(&pp, ppf, &err) != KCC_OK)
            diag_error(d, "%s", err.message);
        free(ppf);
    }
    if (o->plot && h.epochs > 0) {
        char *svg = xformat("%s/history.svg", o->output);
        if (kcc_plot_svg(&h, svg, m->name, &err) != KCC_OK)
            diag_error(d, "%s", err.message);
        free(svg);
    }
    free(csv);
    if (t.interrupted) {
        fprintf(stderr, "kcc: interrupted after epoch %d: the model and its training state are "
                        "saved in %s (kcc fit --resume goes on)\n", t.epoch, o->output);
        rc = 130;
        goto done;
    }
    if (test.n > 0 && d->errors == 0) {
        double r[KCC_MAX_METRICS + 1];
        kcc_evaluate(&t, &test, batch, r, &err);
        print_results(&t, "test", r);
    }
    rc = d->errors ? 1 : 0;
done:
    kcc_dataset_free(&valdata);
    kcc_history_free(&h);
    kcc_dataset_free(&train);
    kcc_dataset_free(&test);
    kcc_dataset_free(&all);
    if (have_pp || pp.columns)
        kcc_preprocessing_free(&pp);
    if (t.def)
        kcc_trainer_free(&t);
    jit_unload(&jit);
    compile_free(&c);
    model_free(m);
    free(kc.source);
    free(file);
    free(dir);
    return rc;
}

static int plot(Diag *d, const TrainOptions *o)
{
    kcc_history h;
    memset(&h, 0, sizeof h);
    kcc_error err;
    FileRole out = {o->output, "-o", 0}, in = {o->model, "the history", 0};
    if (!check_clobber(d, &out, 1, &in, 1))
        return 1;
    if (kcc_history_read_csv(&h, o->model, &err) != KCC_OK ||
        kcc_plot_svg(&h, o->output, o->title ? o->title : "training history", &err) != KCC_OK) {
        diag_error(d, "%s", err.message);
        kcc_history_free(&h);
        return 1;
    }
    kcc_history_free(&h);
    return 0;
}

int cli_train(int argc, char **argv)
{
    Diag d = {0, 0};
    TrainOptions o;
    int rc = parse(&d, argc, argv, &o);
    if (rc < 0)
        return 0;
    if (rc > 0)
        return 1;
    if (strcmp(o.command, "plot") == 0)
        return plot(&d, &o);
    return run(&d, &o);
}
