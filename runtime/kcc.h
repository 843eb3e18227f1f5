/*
 * kcc.h - the kcc runtime library: the one public header.
 *
 * The code kcc generates for inference needs nothing from here: it is
 * self-contained C99 that depends on libm alone.  This library is for the
 * host side: programs that initialize, train, evaluate and save models.
 * Training works on a model compiled with `kcc --train` (a kcc_model_def,
 * see below) in the Keras way:
 *
 *     kcc_trainer t;
 *     kcc_trainer_init(&t, &churn_def, &optimizer, &loss, metrics, 1, seed, &err);
 *     kcc_fit(&t, &train, &fit, &history, &err);
 *     kcc_evaluate(&t, &test, 32, results, &err);
 *     kcc_model_save(&t, "trained", &err);
 *
 * Conventions
 *   - Everything public starts with kcc_ / KCC_.
 *   - Functions that can fail return a kcc_status and, when the caller
 *     passes a kcc_error, describe the failure there.  The library never
 *     prints, never exits and keeps no global state (but the names of the
 *     temporary files being written, for kcc_remove_temporaries).
 *   - Outputs come first in argument lists.
 *   - The caller owns every buffer it passes in; nothing here keeps a
 *     pointer after returning.
 */
#ifndef KCC_H
#define KCC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KCC_VERSION "0.1.0"

/* ---- status and errors -------------------------------------------------- */

typedef enum kcc_status {
    KCC_OK = 0,
    KCC_ERR_INVALID = 1, /* an argument or a described object is invalid */
    KCC_ERR_IO = 2,      /* a file could not be read or written */
    KCC_ERR_FORMAT = 3,  /* a file is not in the expected format */
    KCC_ERR_NOMEM = 4,   /* out of memory */
    KCC_ERR_NAN = 5      /* training stopped: the loss became NaN or infinite */
} kcc_status;

/* Filled in by a failing call when the caller passes one: the message says
 * where (file, line, column) and what. */
typedef struct kcc_error {
    kcc_status status;
    char message[512];
} kcc_error;

/* Fills err (when not NULL) with status and a printf-style message, and
 * returns status: the runtime's one way of reporting, usable by callers. */
kcc_status kcc_error_set(kcc_error *err, kcc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- random numbers ----------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: the same seed gives the same
 * sequence on every platform (uniform draws use integer arithmetic only). */
typedef struct kcc_rng {
    uint64_t s[4];
} kcc_rng;

void kcc_rng_seed(kcc_rng *rng, uint64_t seed);
uint64_t kcc_rng_next(kcc_rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double kcc_rng_uniform(kcc_rng *rng);
/* Standard normal (Box-Muller, no cached second value). */
double kcc_rng_normal(kcc_rng *rng);
/* A well-mixed 64-bit hash of a and b, for deriving independent streams. */
uint64_t kcc_mix64(uint64_t a, uint64_t b);

/* ---- initializers ------------------------------------------------------- */

/* Keras's initializers.  Defaults (filled by kcc_init_defaults) are
 * Keras's: RandomUniform(-0.05, 0.05), RandomNormal(0, 0.05),
 * TruncatedNormal(0, 0.05), Constant(0), Orthogonal(gain 1),
 * Identity(gain 1), VarianceScaling(1, fan_in, truncated_normal). */
typedef enum kcc_init_kind {
    KCC_INIT_ZEROS,
    KCC_INIT_ONES,
    KCC_INIT_CONSTANT,        /* value */
    KCC_INIT_RANDOM_UNIFORM,  /* minval, maxval */
    KCC_INIT_RANDOM_NORMAL,   /* mean, stddev */
    KCC_INIT_TRUNCATED_NORMAL,/* mean, stddev; redraw beyond 2 stddev */
    KCC_INIT_VARIANCE_SCALING,/* scale, mode, distribution */
    KCC_INIT_ORTHOGONAL,      /* gain */
    KCC_INIT_IDENTITY         /* gain */
} kcc_init_kind;

typedef enum kcc_fan_mode { KCC_FAN_IN, KCC_FAN_OUT, KCC_FAN_AVG } kcc_fan_mode;

typedef enum kcc_distribution {
    KCC_DIST_TRUNCATED_NORMAL,
    KCC_DIST_UNTRUNCATED_NORMAL,
    KCC_DIST_UNIFORM
} kcc_distribution;

typedef struct kcc_initializer {
    kcc_init_kind kind;
    double a;                      /* minval, mean, value, scale or gain */
    double b;                      /* maxval or stddev */
    kcc_fan_mode mode;             /* variance scaling */
    kcc_distribution distribution; /* variance scaling */
} kcc_initializer;

/* Sets *init to kind with Keras's default arguments. */
void kcc_init_defaults(kcc_initializer *init, kcc_init_kind kind);

/* Keras's fan computation for a weight of the given shape. */
void kcc_init_fans(double *fan_in, double *fan_out, const long *shape, int rank);

/* Fills out[0 .. prod(shape)) with values drawn from rng.  Fails with
 * KCC_ERR_INVALID for an identity initializer on a shape that is not 2-D
 * and KCC_ERR_NOMEM when orthogonal's scratch cannot be allocated. */
kcc_status kcc_init_fill(double *out, const kcc_initializer *init,
                         const long *shape, int rank, kcc_rng *rng,
                         kcc_error *err);

/* ---- models compiled for training -------------------------------------- */

/* `kcc --train model.json -o model_train.c` writes a kcc_model_def named
 * <prefix>_def: the model's shapes, its parameters and its forward and
 * backward passes, specialized for its shapes and a maximum batch. */
#define KCC_ABI 2
#define KCC_MAX_RANK 8

/* The output layer's activation: with a matching loss, the gradient is
 * taken with respect to the logits (stable, as Keras does). */
typedef enum kcc_final_act {
    KCC_FINAL_LINEAR,
    KCC_FINAL_SIGMOID,
    KCC_FINAL_SOFTMAX,
    KCC_FINAL_OTHER
} kcc_final_act;

typedef struct kcc_param_def {
    const char *layer;          /* the Keras layer's name */
    const char *name;           /* the weight's name: "kernel", "bias", "alpha" */
    int rank;
    long shape[KCC_MAX_RANK];
    long offset;                /* into the parameter array */
    long size;                  /* elements */
    int trainable;
    kcc_initializer init;
    double l1, l2;              /* regularization added to the loss; 0: none */
} kcc_param_def;

typedef struct kcc_model_def {
    int abi;                    /* KCC_ABI */
    const char *name;           /* the model's name */
    const char *topology;       /* the model's Keras JSON, for saving */
    int input_rank;
    long input_shape[KCC_MAX_RANK];
    long input_size;            /* values per sample */
    int output_rank;
    long output_shape[KCC_MAX_RANK];
    long output_size;
    int max_batch;              /* forward and backward take n <= max_batch */
    long param_count;
    int nparams;
    const kcc_param_def *params;
    const float *initial_params; /* the weights compiled in: param_count floats */
    long work_size;             /* floats of workspace for max_batch samples */
    kcc_final_act final_act;
    /* y[n * output_size] = model(x[n * input_size]).  With logits not NULL
     * and final_act sigmoid or softmax, also the output layer's values
     * before that activation.  training: dropout and noise layers are
     * active (drawing from rng), batch normalization uses the batch's
     * statistics and updates its moving averages in params, and work
     * keeps what backward needs.  Returns the activity regularizers'
     * penalty for these samples (0 without any), which the loss adds and
     * backward differentiates. */
    double (*forward)(float *params, float *work, const float *x, float *y, float *logits,
                      int n, int training, kcc_rng *rng);
    /* Adds (+=) to grads the gradient of the loss with respect to the
     * parameters, given dy = dL/dy (or, with from_logits, dL/dlogits) for
     * the n samples of the training forward call just made on x. */
    void (*backward)(const float *params, float *grads, float *work, const float *x,
                     const float *dy, int n, int from_logits);
} kcc_model_def;

/* ---- losses ------------------------------------------------------------- */

typedef enum kcc_loss_kind {
    KCC_LOSS_BINARY_CROSSENTROPY,
    KCC_LOSS_CATEGORICAL_CROSSENTROPY,
    KCC_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
    KCC_LOSS_MEAN_SQUARED_ERROR,
    KCC_LOSS_MEAN_ABSOLUTE_ERROR,
    KCC_LOSS_MEAN_ABSOLUTE_PERCENTAGE_ERROR,
    KCC_LOSS_HUBER,
    KCC_LOSS_HINGE,
    KCC_LOSS_KL_DIVERGENCE,
    KCC_LOSS_LOG_COSH
} kcc_loss_kind;

typedef struct kcc_loss {
    kcc_loss_kind kind;
    int from_logits;            /* crossentropies: predictions are logits */
    double delta;               /* huber: 1.0 */
    double epsilon;             /* Keras's fuzz factor (keras.json): 1e-7 */
} kcc_loss;

void kcc_loss_defaults(kcc_loss *loss, kcc_loss_kind kind);
/* Keras's names: "binary_crossentropy", "mse", "BinaryCrossentropy", ... */
kcc_status kcc_loss_from_name(kcc_loss *loss, const char *name, kcc_error *err);
/* Is the loss computed from the logits when the model ends in act? */
int kcc_loss_fuses(const kcc_loss *loss, kcc_final_act act);
/* The mean loss over n samples.  y_true holds out_size values a sample, or
 * one class index a sample for sparse categorical crossentropy.  With dy,
 * also dL/dy_pred (of the mean).  With fused (kcc_loss_fuses said yes),
 * y_pred are the output layer's logits and dy is dL/dlogits. */
double kcc_loss_eval(const kcc_loss *loss, const float *y_pred, const float *y_true, int n,
                     long out_size, float *dy, int fused, kcc_final_act act);

/* ---- metrics ------------------------------------------------------------ */

typedef enum kcc_metric_kind {
    KCC_METRIC_BINARY_ACCURACY,
    KCC_METRIC_CATEGORICAL_ACCURACY,
    KCC_METRIC_SPARSE_CATEGORICAL_ACCURACY,
    KCC_METRIC_TOP_K_CATEGORICAL_ACCURACY,
    KCC_METRIC_SPARSE_TOP_K_CATEGORICAL_ACCURACY,
    KCC_METRIC_MEAN_ABSOLUTE_ERROR,
    KCC_METRIC_MEAN_SQUARED_ERROR,
    KCC_METRIC_PRECISION,
    KCC_METRIC_RECALL,
    KCC_METRIC_AUC
} kcc_metric_kind;

typedef struct kcc_metric {
    kcc_metric_kind kind;
    char name[40];              /* its key in the history: "accuracy", "auc" */
    double threshold;           /* binary accuracy, precision, recall: 0.5 */
    int k;                      /* top-k: 5 */
    int num_thresholds;         /* AUC: 200 */
    int pr_curve;               /* AUC: 0 ROC, 1 precision-recall */
    double total, count;        /* running state */
    double *tp, *fp, *tn, *fn;  /* AUC: one per threshold (owned) */
} kcc_metric;

/* A metric by Keras's name ("accuracy", "acc", "binary_accuracy", "auc",
 * "top_k_categorical_accuracy", "mae", ...).  "accuracy" resolves as Keras
 * resolves it from the loss and the output size.  KCC_ERR_INVALID for an
 * unknown name, or (with a loss) a metric that takes its targets laid out
 * otherwise than the loss's; KCC_ERR_NOMEM for AUC's thresholds. */
kcc_status kcc_metric_from_name(kcc_metric *m, const char *name, const kcc_loss *loss,
                                long output_size, kcc_error *err);
void kcc_metric_reset(kcc_metric *m);
/* Accumulates n samples.  y_true holds out_size values a sample, or one
 * class index a sample for the sparse metrics. */
void kcc_metric_update(kcc_metric *m, const float *y_pred, const float *y_true, int n,
                       long out_size);
double kcc_metric_result(const kcc_metric *m);
void kcc_metric_free(kcc_metric *m);

/* ---- optimizers --------------------------------------------------------- */

typedef enum kcc_optimizer_kind {
    KCC_OPT_SGD,
    KCC_OPT_ADAM,
    KCC_OPT_ADAMW,
    KCC_OPT_RMSPROP,
    KCC_OPT_ADAGRAD,
    KCC_OPT_ADADELTA,
    KCC_OPT_ADAMAX,
    KCC_OPT_NADAM
} kcc_optimizer_kind;

typedef enum kcc_schedule_kind {
    KCC_LR_CONSTANT,
    KCC_LR_EXPONENTIAL_DECAY,
    KCC_LR_PIECEWISE_CONSTANT_DECAY,
    KCC_LR_INVERSE_TIME_DECAY,
    KCC_LR_COSINE_DECAY
} kcc_schedule_kind;

#define KCC_MAX_BOUNDARIES 16

/* A learning rate, constant or a Keras schedule of the step count. */
typedef struct kcc_schedule {
    kcc_schedule_kind kind;
    double initial_learning_rate; /* constant: the learning rate */
    double decay_steps;         /* exponential, inverse time, cosine */
    double decay_rate;          /* exponential, inverse time */
    int staircase;              /* exponential, inverse time */
    double alpha;               /* cosine: the final fraction */
    int nboundaries;            /* piecewise constant */
    double boundaries[KCC_MAX_BOUNDARIES];
    double values[KCC_MAX_BOUNDARIES + 1];
} kcc_schedule;

double kcc_schedule_value(const kcc_schedule *s, long step);

typedef struct kcc_optimizer_config {
    kcc_optimizer_kind kind;
    kcc_schedule learning_rate;
    double momentum;            /* SGD, RMSprop */
    int nesterov;               /* SGD */
    double beta_1, beta_2;      /* Adam, AdamW, Adamax, Nadam */
    double epsilon;
    int amsgrad;                /* Adam, AdamW */
    double rho;                 /* RMSprop, Adadelta */
    int centered;               /* RMSprop */
    double initial_accumulator_value; /* Adagrad */
    double weight_decay;        /* AdamW: decoupled */
    double clipnorm, clipvalue, global_clipnorm; /* 0: off */
} kcc_optimizer_config;

/* Keras's defaults for the kind (learning rates, betas, epsilon 1e-7...). */
void kcc_optimizer_defaults(kcc_optimizer_config *c, kcc_optimizer_kind kind);
/* By Keras's name: "adam", "Adam", "sgd", "rmsprop", ... with defaults. */
kcc_status kcc_optimizer_from_name(kcc_optimizer_config *c, const char *name, kcc_error *err);

typedef struct kcc_optimizer {
    kcc_optimizer_config cfg;
    long n;                     /* parameters */
    int nslots;                 /* state values per parameter */
    float *slots;               /* nslots * n (owned) */
    long iterations;            /* updates made */
    int lr_fixed;               /* set_learning_rate replaced the schedule */
    double lr;                  /* ... by this */
} kcc_optimizer;

kcc_status kcc_optimizer_init(kcc_optimizer *opt, const kcc_optimizer_config *cfg, long n,
                              kcc_error *err);
void kcc_optimizer_free(kcc_optimizer *opt);
/* The learning rate of the next update. */
double kcc_optimizer_learning_rate(const kcc_optimizer *opt);
/* Replaces the learning rate (schedule) by lr, as Keras's callbacks do. */
void kcc_optimizer_set_learning_rate(kcc_optimizer *opt, double lr);
/* One update of params (n floats) from grads (clipped in place).  defs
 * delimit the variables (clipnorm is per variable) and mark those that are
 * not trainable, which are left alone. */
void kcc_optimizer_step(kcc_optimizer *opt, float *params, float *grads,
                        const kcc_param_def *defs, int ndefs);

/* ---- data --------------------------------------------------------------- */

/* Samples in memory: x is n x x_size, y is n x y_size (float). */
typedef struct kcc_dataset {
    long n;
    long x_size;
    long y_size;
    float *x;                   /* owned */
    float *y;                   /* owned; NULL when there are no targets */
} kcc_dataset;

void kcc_dataset_free(kcc_dataset *d);
/* A seeded split: test gets round(test_fraction * n) samples chosen at
 * random, train the rest, both in their original order. */
kcc_status kcc_dataset_split(kcc_dataset *train, kcc_dataset *test, const kcc_dataset *all,
                             double test_fraction, uint64_t seed, kcc_error *err);
/* IDX files (MNIST), gzipped or not: images scaled by `scale` (1/255),
 * labels one-hot (one_hot; max(10, largest label + 1) classes) or as class
 * indices; labels NULL: no y. */
kcc_status kcc_idx_load(kcc_dataset *out, const char *images, const char *labels, double scale,
                        int one_hot, kcc_error *err);
/* What an IDX file's header says, without reading its data: *count
 * samples of *sample_size values (rows x columns for images, 1 for
 * labels).  To check a file against a model before loading it. */
kcc_status kcc_idx_info(long *count, long *sample_size, const char *path, kcc_error *err);

/* How a CSV file becomes numbers, and the statistics fitted to it, saved
 * with a trained model so that predict applies the same transform. */
typedef enum kcc_column_use {
    KCC_COLUMN_FEATURE,
    KCC_COLUMN_TARGET,
    KCC_COLUMN_DROP
} kcc_column_use;

typedef enum kcc_column_encoding {
    KCC_ENCODE_NUMBER,
    KCC_ENCODE_LABEL,           /* categories as 0, 1, ... in sorted order */
    KCC_ENCODE_ONE_HOT          /* one column a category (minus the first) */
} kcc_column_encoding;

typedef struct kcc_column {
    char *name;
    kcc_column_use use;
    kcc_column_encoding encoding;
    int drop_first;             /* one-hot */
    int scale;                  /* standard-scale this feature */
    int ncategories;            /* label, one-hot: sorted */
    char **categories;
    double *mean, *std;         /* fitted scaling: one a feature the column
                                 * yields (owned; features only) */
} kcc_column;

typedef struct kcc_preprocessing {
    int ncolumns;
    kcc_column *columns;        /* in the file's order */
    long x_size, y_size;
    int scaled;                 /* scaling fitted */
    char delimiter;             /* the files' field separator */
} kcc_preprocessing;

/* A column spec, as the command line takes it: comma-separated names. */
typedef struct kcc_csv_spec {
    const char *target;         /* target columns (required for training) */
    const char *features;       /* the feature columns, others dropped; NULL: all */
    const char *drop;           /* ignored columns */
    const char *label_encode;   /* categorical columns encoded as 0..k-1 */
    const char *one_hot;        /* categorical columns one-hot encoded */
    int drop_first;             /* one-hot without the first category */
    int scale;                  /* standard-scale the numeric features */
    char delimiter;             /* ',' */
    long x_size;                /* the values a sample must have (a model's
                                   input size), checked before the data is
                                   encoded; 0: any */
} kcc_csv_spec;

/* Reads a CSV file with a header line, as the spec says; pp records the
 * encoding (fit its scaling with kcc_preprocessing_fit). */
kcc_status kcc_csv_load(kcc_dataset *out, kcc_preprocessing *pp, const char *path,
                        const kcc_csv_spec *spec, kcc_error *err);
/* Reads a CSV file with an earlier load's encoding and scaling (targets
 * may be absent); a category never seen is an error naming its line.
 * Columns are found by name; others in the file are ignored. */
kcc_status kcc_csv_load_with(kcc_dataset *out, const kcc_preprocessing *pp, const char *path,
                             kcc_error *err);
/* Fits the scaling on d (the training part) and applies it to d: as
 * sklearn's StandardScaler on the encoded features (one-hot and label
 * columns too) whose column has scale set; std 0 becomes 1. */
void kcc_preprocessing_fit(kcc_preprocessing *pp, kcc_dataset *d);
/* Applies a fitted scaling to d. */
void kcc_preprocessing_apply(const kcc_preprocessing *pp, kcc_dataset *d);
kcc_status kcc_preprocessing_save(const kcc_preprocessing *pp, const char *path, kcc_error *err);
kcc_status kcc_preprocessing_load(kcc_preprocessing *pp, const char *path, kcc_error *err);
void kcc_preprocessing_free(kcc_preprocessing *pp);

/* ---- history and its picture ------------------------------------------- */

#define KCC_MAX_KEYS 32

/* Per-epoch values: "loss", each metric, "val_" of each, "lr". */
typedef struct kcc_history {
    int nkeys;
    char keys[KCC_MAX_KEYS][40];
    int epochs;                 /* rows */
    int *epoch;                 /* epochs: the epoch numbers (from 0) */
    double *values;             /* epochs x nkeys; NaN where absent */
    double *seconds;            /* epochs: wall time of each */
} kcc_history;

void kcc_history_free(kcc_history *h);
/* Keras's CSVLogger format: "epoch" then the keys, one row an epoch. */
kcc_status kcc_history_write_csv(const kcc_history *h, const char *path, kcc_error *err);
kcc_status kcc_history_read_csv(kcc_history *h, const char *path, kcc_error *err);
/* An SVG of loss and of each metric per epoch, training and validation,
 * with axes, labels and a legend. */
kcc_status kcc_plot_svg(const kcc_history *h, const char *path, const char *title,
                        kcc_error *err);

/* ---- training ----------------------------------------------------------- */

#define KCC_MAX_METRICS 8

/* A model being trained: its parameters, gradients and workspace, its
 * optimizer, loss and metrics.  kcc_trainer_init allocates; free with
 * kcc_trainer_free. */
typedef struct kcc_trainer {
    const kcc_model_def *def;
    float *params;              /* param_count, laid out as def->params */
    float *grads;               /* param_count, the same layout */
    float *work;                /* def->work_size */
    float *x, *y, *logits, *dy; /* one batch: inputs, outputs, logits, dL/dy */
    float *targets;             /* one batch of targets */
    kcc_optimizer optimizer;
    kcc_loss loss;
    int fused;                  /* the loss works on the logits */
    int nmetrics;
    kcc_metric metrics[KCC_MAX_METRICS];
    kcc_rng rng;                /* shuffling and dropout */
    int epoch;                  /* epochs completed: where fit goes on */
    volatile int stop;          /* set it (from a signal handler): fit stops
                                   after the batch it is in */
    int interrupted;            /* fit stopped because stop was set */
} kcc_trainer;

/* metric_names: Keras's metric names (nmetrics of them). seed: shuffling
 * and dropout.  The parameters start as def->initial_params. */
kcc_status kcc_trainer_init(kcc_trainer *t, const kcc_model_def *def,
                            const kcc_optimizer_config *optimizer, const kcc_loss *loss,
                            const char *const *metric_names, int nmetrics, uint64_t seed,
                            kcc_error *err);
void kcc_trainer_free(kcc_trainer *t);

typedef enum kcc_monitor_mode { KCC_MODE_AUTO, KCC_MODE_MIN, KCC_MODE_MAX } kcc_monitor_mode;

/* Keras's EarlyStopping. */
typedef struct kcc_early_stopping {
    int enabled;
    const char *monitor;        /* "val_loss" */
    double min_delta;           /* 0 */
    int patience;               /* 0 */
    kcc_monitor_mode mode;
    int restore_best_weights;   /* 0 */
    int start_from_epoch;       /* 0 */
} kcc_early_stopping;

/* Keras's ModelCheckpoint: saves the model (kcc_model_save) to dir. */
typedef struct kcc_checkpoint {
    const char *dir;            /* NULL: off */
    const char *monitor;        /* "val_loss" */
    kcc_monitor_mode mode;
    int save_best_only;
} kcc_checkpoint;

/* Keras's ReduceLROnPlateau. */
typedef struct kcc_reduce_lr {
    int enabled;
    const char *monitor;        /* "val_loss" */
    double factor;              /* 0.1 */
    int patience;               /* 10 */
    double min_delta;           /* 1e-4 */
    int cooldown;               /* 0 */
    double min_lr;              /* 0 */
    kcc_monitor_mode mode;
} kcc_reduce_lr;

/* What a progress reporter is told: after a batch (at most ten times a
 * second, and the epoch's last) and after the epoch. */
typedef struct kcc_progress {
    int epoch;                  /* from 0 */
    int epochs;                 /* the last epoch + 1 */
    long step, steps;           /* batches done, of this epoch's */
    double seconds;             /* since the epoch began */
    int epoch_done;             /* the epoch is over: values has val_ too */
    const kcc_history *history; /* keys and, for a finished epoch, its row */
    const double *values;       /* running values, one a history key */
} kcc_progress;

typedef struct kcc_fit_options {
    int epochs;                 /* 1 */
    int batch_size;             /* 32; at most def->max_batch */
    int shuffle;                /* 1 */
    int initial_epoch;          /* -1: go on from t->epoch */
    double validation_split;    /* the last fraction, taken before shuffling */
    const kcc_dataset *validation_data; /* instead of validation_split */
    int terminate_on_nan;       /* stop (KCC_ERR_NAN) when the loss is not finite */
    kcc_early_stopping early_stopping;
    kcc_checkpoint checkpoint;
    kcc_reduce_lr reduce_lr;
    const char *csv_log;        /* history written after every epoch */
    /* Keras's LearningRateScheduler: the rate for an epoch, from the
     * epoch and the current rate. */
    double (*schedule)(int epoch, double lr, void *user);
    void *schedule_user;
    void (*progress)(const kcc_progress *p, void *user);
    void *progress_user;
} kcc_fit_options;

/* Keras's defaults; the callbacks off. */
void kcc_fit_defaults(kcc_fit_options *o);

/* Trains, as Keras's Model.fit.  The history gets a row an epoch: loss,
 * metrics, val_ of each with validation, and lr.  Stops early (KCC_OK) on
 * early stopping or t->stop (then t->interrupted); with terminate_on_nan,
 * KCC_ERR_NAN and a message naming the epoch and batch. */
kcc_status kcc_fit(kcc_trainer *t, const kcc_dataset *train, const kcc_fit_options *o,
                   kcc_history *history, kcc_error *err);
/* results: the loss, then each metric (1 + nmetrics values). */
kcc_status kcc_evaluate(kcc_trainer *t, const kcc_dataset *d, int batch_size, double *results,
                        kcc_error *err);
/* y: n * output_size values. */
kcc_status kcc_predict(kcc_trainer *t, const float *x, long n, float *y, kcc_error *err);

/* Keras-style progress on stdout: a bar while an epoch runs, the line
 * "800/800 [====] - 1s 1ms/step - loss: 0.4012 - accuracy: 0.8340" at its
 * end.  user: unused.  kcc_print_epochs prints only the end-of-epoch
 * lines (Keras's verbose=2), for output that is not a terminal. */
void kcc_print_progress(const kcc_progress *p, void *user);
void kcc_print_epochs(const kcc_progress *p, void *user);

/* Saves a TF.js layers-model in dir: model.json (topology, weights
 * manifest, training config) and weights.bin, loadable by TensorFlow.js
 * and by kcc; and training_state.bin (optimizer slots, epoch, random
 * state) so that fit goes on where it stopped.  dir is created, with its
 * missing parents, as Keras's model.save creates them.  Every file is
 * written to a temporary name and renamed: a crash never leaves half a
 * model. */
kcc_status kcc_model_save(const kcc_trainer *t, const char *dir, kcc_error *err);
/* Loads weights.bin, and training_state.bin when present, from dir into a
 * trainer of the same model. */
kcc_status kcc_model_load(kcc_trainer *t, const char *dir, kcc_error *err);

/* Removes the temporary files of the saves in progress (every file is
 * written to a temporary name first, see kcc_model_save), in any thread:
 * for a program's handler of SIGTERM, SIGINT, ... that then ends the
 * program.  Async-signal-safe.  Temporaries of a process killed without
 * the chance (SIGKILL) are removed by the next save of the same file. */
void kcc_remove_temporaries(void);

#ifdef __cplusplus
}
#endif

#endif /* KCC_H */
