/*
 * modelio.c - saving and loading trained models.
 *
 * A model is saved as a TF.js layers-model: model.json (the topology kcc
 * compiled, a training config and the weights manifest) and weights.bin
 * (float32, little-endian, in the manifest's order, which is the
 * parameter array's).  TensorFlow.js loads it, tensorflowjs_converter
 * turns it into a Keras model, and kcc compiles it again.  Beside them,
 * training_state.bin holds what resuming needs: the optimizer's slots and
 * step count, the learning rate, the epoch and the random generator.
 * Every file goes to a temporary name first; all are renamed only when
 * all are written.
 */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "kcc_file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const loss_names[] = {
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error", "huber",
    "hinge", "kl_divergence", "log_cosh",
};

static const char *const optimizer_names[] = {
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
};

/* The training config as Keras and TF.js write it. */
static cJSON *training_config(const kcc_trainer *t)
{
    const kcc_optimizer_config *c = &t->optimizer.cfg;
    cJSON *tc = cJSON_CreateObject();
    cJSON_AddStringToObject(tc, "loss", loss_names[t->loss.kind]);
    cJSON *metrics = cJSON_AddArrayToObject(tc, "metrics");
    for (int i = 0; i < t->nmetrics; i++)
        cJSON_AddItemToArray(metrics, cJSON_CreateString(t->metrics[i].name));
    cJSON *oc = cJSON_AddObjectToObject(tc, "optimizer_config");
    cJSON_AddStringToObject(oc, "class_name", optimizer_names[c->kind]);
    cJSON *cfg = cJSON_AddObjectToObject(oc, "config");
    cJSON_AddNumberToObject(cfg, "learning_rate", kcc_optimizer_learning_rate(&t->optimizer));
    switch (c->kind) {
    case KCC_OPT_SGD:
        cJSON_AddNumberToObject(cfg, "momentum", c->momentum);
        cJSON_AddBoolToObject(cfg, "nesterov", c->nesterov);
        break;
    case KCC_OPT_ADAM:
    case KCC_OPT_ADAMW:
    case KCC_OPT_ADAMAX:
    case KCC_OPT_NADAM:
        cJSON_AddNumberToObject(cfg, "beta_1", c->beta_1);
        cJSON_AddNumberToObject(cfg, "beta_2", c->beta_2);
        cJSON_AddNumberToObject(cfg, "epsilon", c->epsilon);
        if (c->kind == KCC_OPT_ADAM || c->kind == KCC_OPT_ADAMW)
            cJSON_AddBoolToObject(cfg, "amsgrad", c->amsgrad);
        if (c->kind == KCC_OPT_ADAMW)
            cJSON_AddNumberToObject(cfg, "weight_decay", c->weight_decay);
        break;
    case KCC_OPT_RMSPROP:
        cJSON_AddNumberToObject(cfg, "rho", c->rho);
        cJSON_AddNumberToObject(cfg, "momentum", c->momentum);
        cJSON_AddNumberToObject(cfg, "epsilon", c->epsilon);
        cJSON_AddBoolToObject(cfg, "centered", c->centered);
        break;
    case KCC_OPT_ADAGRAD:
        cJSON_AddNumberToObject(cfg, "initial_accumulator_value", c->initial_accumulator_value);
        cJSON_AddNumberToObject(cfg, "epsilon", c->epsilon);
        break;
    case KCC_OPT_ADADELTA:
        cJSON_AddNumberToObject(cfg, "rho", c->rho);
        cJSON_AddNumberToObject(cfg, "epsilon", c->epsilon);
        break;
    }
    if (c->clipnorm > 0)
        cJSON_AddNumberToObject(cfg, "clipnorm", c->clipnorm);
    if (c->clipvalue > 0)
        cJSON_AddNumberToObject(cfg, "clipvalue", c->clipvalue);
    if (c->global_clipnorm > 0)
        cJSON_AddNumberToObject(cfg, "global_clipnorm", c->global_clipnorm);
    return tc;
}

static char *model_json(const kcc_trainer *t)
{
    const kcc_model_def *def = t->def;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "layers-model");
    cJSON_AddStringToObject(root, "generatedBy", "kcc " KCC_VERSION);
    cJSON_AddNullToObject(root, "convertedBy");
    cJSON *topo = cJSON_Parse(def->topology);
    cJSON_AddItemToObject(root, "modelTopology", topo ? topo : cJSON_CreateNull());
    cJSON_AddItemToObject(root, "trainingConfig", training_config(t));
    cJSON *manifest = cJSON_AddArrayToObject(root, "weightsManifest");
    cJSON *group = cJSON_CreateObject();
    cJSON_AddItemToArray(manifest, group);
    cJSON *paths = cJSON_AddArrayToObject(group, "paths");
    cJSON_AddItemToArray(paths, cJSON_CreateString("weights.bin"));
    cJSON *weights = cJSON_AddArrayToObject(group, "weights");
    for (int k = 0; k < def->nparams; k++) {
        const kcc_param_def *p = &def->params[k];
        char name[256];
        snprintf(name, sizeof name, "%s/%s", p->layer, p->name);
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "name", name);
        cJSON *shape = cJSON_AddArrayToObject(w, "shape");
        for (int d = 0; d < p->rank; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)p->shape[d]));
        cJSON_AddStringToObject(w, "dtype", "float32");
        cJSON_AddItemToArray(weights, w);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

/* Little-endian packing, whatever the host. */
static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_floats(unsigned char *p, const float *v, long n)
{
    for (long i = 0; i < n; i++) {
        union { float f; uint32_t u; } c;
        c.f = v[i];
        put32(p + 4 * i, c.u);
    }
}

static void get_floats(float *v, const unsigned char *p, long n)
{
    for (long i = 0; i < n; i++) {
        union { float f; uint32_t u; } c;
        c.u = get32(p + 4 * i);
        v[i] = c.f;
    }
}

enum { STATE_HEADER = 80 };

typedef struct Blob {
    const char *name;
    unsigned char *data;
    size_t len;
} Blob;

/* Writes the blobs into dir, all or nothing (files.c). */
static kcc_status write_all(const char *dir, const Blob *blobs, int n, kcc_error *err)
{
    enum { MAX_BLOBS = 3 };
    char *path[MAX_BLOBS] = {NULL};
    kcc_out_file files[MAX_BLOBS];
    kcc_status st = KCC_OK;
    if ((st = kcc_make_dirs(dir, err)) != KCC_OK)
        return st;
    for (int i = 0; i < n && i < MAX_BLOBS && st == KCC_OK; i++) {
        size_t size = strlen(dir) + strlen(blobs[i].name) + 2;
        path[i] = malloc(size);
        if (!path[i])
            st = kcc_error_set(err, KCC_ERR_NOMEM, "%s: out of memory", dir);
        else
            snprintf(path[i], size, "%s/%s", dir, blobs[i].name);
        files[i] = (kcc_out_file){path[i], blobs[i].data, blobs[i].len};
    }
    if (st == KCC_OK)
        st = kcc_write_files(files, n < MAX_BLOBS ? n : MAX_BLOBS, KCC_WRITE_SYNC, err);
    for (int i = 0; i < MAX_BLOBS; i++)
        free(path[i]);
    return st;
}

kcc_status kcc_model_save(const kcc_trainer *t, const char *dir, kcc_error *err)
{
    const kcc_model_def *def = t->def;
    const kcc_optimizer *o = &t->optimizer;
    char *json = model_json(t);
    size_t wlen = 4 * (size_t)def->param_count;
    size_t slots = (size_t)o->nslots * (size_t)o->n;
    size_t slen = STATE_HEADER + 4 * slots;
    unsigned char *weights = malloc(wlen + 1), *state = calloc(1, slen);
    if (!json || !weights || !state) {
        free(json);
        free(weights);
        free(state);
        return kcc_error_set(err, KCC_ERR_NOMEM, "out of memory saving the model");
    }
    put_floats(weights, t->params, def->param_count);

    memcpy(state, "KCCS", 4);
    put32(state + 4, 1);
    put64(state + 8, (uint64_t)def->param_count);
    put32(state + 16, (uint32_t)o->cfg.kind);
    put32(state + 20, (uint32_t)o->nslots);
    put64(state + 24, (uint64_t)o->iterations);
    put32(state + 32, (uint32_t)t->epoch);
    put32(state + 36, (uint32_t)o->lr_fixed);
    union { double d; uint64_t u; } lr;
    lr.d = o->lr;
    put64(state + 40, lr.u);
    for (int i = 0; i < 4; i++)
        put64(state + 48 + 8 * i, t->rng.s[i]);
    put_floats(state + STATE_HEADER, o->slots, (long)slots);

    Blob blobs[] = {
        {"weights.bin", weights, wlen},
        {"training_state.bin", state, slen},
        {"model.json", (unsigned char *)json, strlen(json)},
    };
    kcc_status st = write_all(dir, blobs, 3, err);
    free(json);
    free(weights);
    free(state);
    return st;
}

/* Reads dir/name, a regular file inside dir (no symbolic links) of at
 * most max bytes.  Too long: KCC_ERR_FORMAT with *len its size, no data,
 * no message.  Missing: KCC_ERR_IO with errno ENOENT. */
static kcc_status read_inside(const char *dir, const char *name, size_t max,
                              unsigned char **data, size_t *len, kcc_error *err)
{
    char *text;
    kcc_error e;
    kcc_status st = kcc_file_read(dir, name, KCC_FILE_BENEATH, max, &text, len, &e);
    if (st == KCC_OK)
        *data = (unsigned char *)text;
    else if (st != KCC_ERR_FORMAT)
        kcc_error_set(err, st, "%s/%s: cannot open: %s", dir, name, e.message);
    return st;
}

kcc_status kcc_model_load(kcc_trainer *t, const char *dir, kcc_error *err)
{
    const kcc_model_def *def = t->def;
    unsigned char *data = NULL;
    size_t len = 0, need = 4 * (size_t)def->param_count;
    kcc_status st = read_inside(dir, "weights.bin", need, &data, &len, err);
    if (st != KCC_OK && st != KCC_ERR_FORMAT)
        return st;
    if (st == KCC_ERR_FORMAT || len != need) {
        free(data);
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s/weights.bin: %zu bytes, the model's %ld "
                             "parameters need %ld", dir, len, def->param_count,
                             4 * def->param_count);
    }
    get_floats(t->params, data, def->param_count);
    free(data);
    data = NULL;

    kcc_optimizer *o = &t->optimizer;
    size_t slots = (size_t)o->nslots * (size_t)o->n;
    need = STATE_HEADER + 4 * slots;
    /* Read as much as any optimizer's state for this model can be (3
     * slots a parameter at most), so that the header says what differs. */
    size_t most = STATE_HEADER + 4 * 3 * (size_t)o->n;
    errno = 0;
    st = read_inside(dir, "training_state.bin", most, &data, &len, err);
    if (st == KCC_ERR_IO && errno == ENOENT)
        return KCC_OK; /* weights only: a fresh optimizer */
    if (st != KCC_OK && st != KCC_ERR_FORMAT)
        return st;
    if (st == KCC_ERR_FORMAT)
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s/training_state.bin: %zu bytes, more than "
                             "the %zu of this model and optimizer: saved by a different model "
                             "or optimizer", dir, len, need);
    if (len < STATE_HEADER || memcmp(data, "KCCS", 4) != 0 || get32(data + 4) != 1) {
        free(data);
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s/training_state.bin: not a kcc training "
                             "state", dir);
    }
    int same_params = get64(data + 8) == (uint64_t)def->param_count;
    int same_optimizer = get32(data + 16) == (uint32_t)o->cfg.kind;
    if (!same_params || !same_optimizer || get32(data + 20) != (uint32_t)o->nslots ||
        len != need) {
        free(data);
        return kcc_error_set(err, KCC_ERR_FORMAT, "%s/training_state.bin: saved by a different "
                             "model or optimizer (%s parameters, optimizer %s)", dir,
                             same_params ? "same" : "other", same_optimizer ? "the same" : "another");
    }
    o->iterations = (long)get64(data + 24);
    t->epoch = (int)get32(data + 32);
    o->lr_fixed = (int)get32(data + 36);
    union { double d; uint64_t u; } lr;
    lr.u = get64(data + 40);
    o->lr = lr.d;
    for (int i = 0; i < 4; i++)
        t->rng.s[i] = get64(data + 48 + 8 * i);
    get_floats(o->slots, data + STATE_HEADER, (long)slots);
    free(data);
    return KCC_OK;
}
