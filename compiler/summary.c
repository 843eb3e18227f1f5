/*
 * summary.c - the Keras-style model table and what an embedded user needs:
 * weight bytes, arena bytes and multiply-accumulates per sample.
 */
#include "compiler.h"

#include <stdlib.h>
#include <string.h>

static void with_commas(char *buf, size_t size, long v)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%ld", v);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* A row: columns start at 0, 29 and 55, as Keras's 65-column table. */
static void row(StrBuf *sb, const char *prefix, const char *a, const char *b, const char *c)
{
    StrBuf line = {0};
    sb_add(&line, a);
    do
        sb_add(&line, " ");
    while (line.len < 29);
    sb_add(&line, b);
    do
        sb_add(&line, " ");
    while (line.len < 55);
    sb_add(&line, c);
    sb_printf(sb, "%s%s\n", prefix, line.data);
    sb_free(&line);
}

void summary_write(StrBuf *sb, const Plan *p, const char *prefix)
{
    const Model *m = p->m;
    const char *rule = "_________________________________________________________________";
    const char *dbl = "=================================================================";
    char *mname = safe_text(m->name);
    sb_printf(sb, "%sModel: \"%s\"\n", prefix, mname);
    free(mname);
    sb_printf(sb, "%s%s\n", prefix, rule);
    row(sb, prefix, "Layer (type)", "Output Shape", "Param #");
    sb_printf(sb, "%s%s\n", prefix, dbl);
    bool first = true;
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        if (l->op->flags & OPF_INPUT)
            continue;
        if (!first)
            sb_printf(sb, "%s%s\n", prefix, rule);
        first = false;
        char *name = safe_text(l->name), *type = safe_text(l->type);
        char *a = xformat("%s (%s)", name, type);
        char shape[128], params[32];
        long np = 0;
        for (int k = 0; k < l->nparams; k++)
            np += shape_count(&l->params[k].shape);
        snprintf(params, sizeof params, "%ld", np);
        row(sb, prefix, a, shape_str(&m->values[l->output].shape, shape, sizeof shape), params);
        free(a);
        free(name);
        free(type);
    }
    sb_printf(sb, "%s%s\n", prefix, dbl);
    long tr = model_param_count(m, true), nt = model_param_count(m, false);
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    with_commas(b1, sizeof b1, tr + nt);
    with_commas(b2, sizeof b2, tr);
    with_commas(b3, sizeof b3, nt);
    sb_printf(sb, "%sTotal params: %s\n%sTrainable params: %s\n%sNon-trainable params: %s\n",
              prefix, b1, prefix, b2, prefix, b3);
    sb_printf(sb, "%s%s\n", prefix, rule);

    int tbytes = m->dtype == DT_F64 ? 8 : 4;
    const char *tname = m->dtype == DT_F64 ? "float64" : "float32";
    with_commas(b4, sizeof b4, p->weights * tbytes); /* compiled: BatchNormalization folded */
    with_commas(b5, sizeof b5, p->arena * tbytes);
    with_commas(b6, sizeof b6, p->macs);
    sb_printf(sb, "%sWeights: %s bytes (%s)\n", prefix, b4, tname);
    sb_printf(sb, "%sArena: %s bytes (activations; input and output are the caller's)\n",
              prefix, b5);
    sb_printf(sb, "%sMACs: %s multiply-accumulates per sample\n", prefix, b6);
}

bool summary_training(StrBuf *sb, Model *m, int batch, const char *optimizer)
{
    kcc_optimizer_config oc;
    kcc_optimizer opt;
    kcc_error err;
    const char *name = optimizer;
    if (!name && m->training_config) {
        const cJSON *tc = m->training_config;
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(tc, "optimizer_config");
        if (!o)
            o = cJSON_GetObjectItemCaseSensitive(tc, "optimizer");
        const cJSON *cn = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "class_name") : o;
        if (cJSON_IsObject(o) && !cn)
            cn = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (cJSON_IsString(cn))
            name = cn->valuestring;
    }
    if (!name)
        name = "adam";
    if (kcc_optimizer_from_name(&oc, name, &err) != KCC_OK ||
        kcc_optimizer_init(&opt, &oc, 1, &err) != KCC_OK) {
        diag_error(m->diag, "--optimizer: %s", err.message);
        return false;
    }
    int slots = opt.nslots;
    kcc_optimizer_free(&opt);
    long work = train_work_floats(m, batch);
    if (work < 0)
        return false;
    long params = model_param_count(m, true) + model_param_count(m, false);
    long in = shape_count(&m->values[m->input].shape);
    long out = shape_count(&m->values[m->output].shape);
    long buffers = (long)batch * (in + 4 * out); /* inputs, outputs, logits, dL/dy, targets */
    long total = params * (2 + slots) + work + buffers;
    char b[6][32];
    long v[6] = {params * 4, params * 4, params * slots * 4, work * 4, buffers * 4, total * 4};
    for (int i = 0; i < 6; i++)
        with_commas(b[i], sizeof b[i], v[i]);
    sb_printf(sb, "Training (kcc fit, batch %d, %s): %s bytes\n", batch, name, b[5]);
    sb_printf(sb, "  parameters       %s bytes\n", b[0]);
    sb_printf(sb, "  gradients        %s bytes\n", b[1]);
    sb_printf(sb, "  optimizer slots  %s bytes (%d a parameter)\n", b[2], slots);
    sb_printf(sb, "  activations      %s bytes (saved for backward, with dropout masks and the\n"
                  "                   two gradient buffers)\n", b[3]);
    sb_printf(sb, "  batch buffers    %s bytes (inputs, outputs, logits, gradients, targets)\n",
              b[4]);
    return true;
}
