/*
 * weights.c - parameters from a TF.js weights manifest, or initialized.
 *
 * A TF.js manifest is a list of groups; each group's shards, concatenated,
 * hold its weights back to back: float32, float16, or uint8/uint16
 * quantized with value = q * scale + min.  Weights bind to layers by name
 * ("dense_1/kernel"), never by position.  Every count is checked: a shard
 * that is missing, short or long, a weight of the wrong shape, a weight
 * the model lacks or one no layer uses is an error.
 *
 * Without weights, every parameter is drawn from its Keras initializer
 * with kcc's seeded generator: the same seed gives the same model.
 */
#include "compiler.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum WKind { WK_F32, WK_F16, WK_U8, WK_U16 } WKind;

typedef struct MWeight {
    char *name;
    Shape shape;
    WKind kind;                 /* its storage in the shards */
    double scale, min;          /* uint8/uint16 quantization */
    const unsigned char *bytes; /* its values in the group's shards, or NULL */
    char *where;                /* "weightsManifest[0].weights[1]" */
    bool used;
    bool bad;                   /* reported already: bind silently */
} MWeight;

typedef struct Manifest {
    const char *file;           /* the JSON file holding it */
    MWeight *w;
    int n;
    char **groups;              /* each group's shards, concatenated */
    size_t need;                /* bytes the groups so far need */
    int ngroups;
    bool unnamed;               /* an entry or group kcc could not name */
} Manifest;

double half_to_double(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
    double v;
    if (exp == 0)
        v = ldexp(frac, -24);
    else if (exp == 31)
        v = frac ? NAN : INFINITY;
    else
        v = ldexp(frac + 1024, exp - 25);
    return sign ? -v : v;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int wkind_bytes(WKind k)
{
    return k == WK_F32 ? 4 : k == WK_U8 ? 1 : 2;
}

/* A manifest weight's storage: its dtype, or its quantization's. */
static bool weight_kind(Model *m, const Manifest *mf, const cJSON *w, const char *where,
                        WKind *kind, double *scale, double *min)
{
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(w, "dtype");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(w, "quantization");
    const char *dtype = cJSON_IsString(dt) ? dt->valuestring : "float32";
    if (q && !cJSON_IsNull(q)) {
        const cJSON *qd = cJSON_GetObjectItemCaseSensitive(q, "dtype");
        const char *qs = cJSON_IsString(qd) ? qd->valuestring : "";
        if (strcmp(qs, "float16") == 0) {
            *kind = WK_F16;
            return true;
        }
        if (strcmp(qs, "uint8") == 0 || strcmp(qs, "uint16") == 0) {
            const cJSON *sc = cJSON_GetObjectItemCaseSensitive(q, "scale");
            const cJSON *mn = cJSON_GetObjectItemCaseSensitive(q, "min");
            if (!cJSON_IsNumber(sc) || !cJSON_IsNumber(mn)) {
                const char *field = !cJSON_IsNumber(sc) ? "scale" : "min";
                char *msg = expect_got("a number", !cJSON_IsNumber(sc) ? sc : mn);
                diag_error(m->diag, "%s: %s.quantization.%s: %s", mf->file, where, field, msg);
                free(msg);
                return false;
            }
            *kind = qs[4] == '8' ? WK_U8 : WK_U16;
            *scale = sc->valuedouble;
            *min = mn->valuedouble;
            return true;
        }
        char *msg = expect_got("\"uint8\", \"uint16\" or \"float16\"", qd);
        diag_error(m->diag, "%s: %s.quantization.dtype: %s", mf->file, where, msg);
        free(msg);
        return false;
    }
    if (strcmp(dtype, "float32") == 0) {
        *kind = WK_F32;
        return true;
    }
    if (strcmp(dtype, "float16") == 0) {
        *kind = WK_F16;
        return true;
    }
    char *msg = expect_got("a float weight (\"float32\" or \"float16\")", dt);
    diag_error(m->diag, "%s: %s.dtype: %s", mf->file, where, msg);
    free(msg);
    return false;
}

static double decode(const unsigned char *p, WKind k, double scale, double min)
{
    switch (k) {
    case WK_F32: {
        union { uint32_t u; float f; } c;
        c.u = le32(p);
        return c.f;
    }
    case WK_F16:
        return half_to_double((uint16_t)(p[0] | p[1] << 8));
    case WK_U8:
    case WK_U16: {
        /* Two statements, so no compiler fuses them into an FMA: TF.js
         * rounds the product before adding. */
        double v = (k == WK_U8 ? p[0] : (p[0] | p[1] << 8)) * scale;
        v += min;
        return (float)v;
    }
    }
    return 0;
}

/* What a shard path in a manifest must be, or NULL when it is: relative
 * to the manifest's file, inside its directory, and free of control
 * characters (a newline, a terminal's escape). */
static const char *bad_shard_path(const cJSON *p)
{
    static const char *const relative = "a file name relative to the model's directory";
    if (!cJSON_IsString(p) || !*p->valuestring || p->valuestring[0] == '/')
        return relative;
    for (const char *c = p->valuestring; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "a file name without control characters";
    for (const char *s = p->valuestring; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return relative;
        s += n + (e ? 1 : 0);
    }
    return NULL;
}

/* Reads group gi: its weights' names, shapes and storage, then its
 * shards, at most the bytes the weights listed need (and one more, to tell
 * a shard that is too long).  Values are decoded only when a weight binds
 * to a layer's parameter of the same shape, so that nothing is allocated
 * for what the manifest merely claims.  Entries are kept even when the
 * data is bad, so that binding can still report names and shapes in the
 * same run. */
static bool read_group(Model *m, Manifest *mf, const cJSON *group, int gi, const char *dir)
{
    Diag *d = m->diag;
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(group, "paths");
    const cJSON *weights = cJSON_GetObjectItemCaseSensitive(group, "weights");
    if (!cJSON_IsArray(paths) || !cJSON_IsArray(weights)) {
        diag_error(d, "%s: weightsManifest[%d]: expected \"paths\" and \"weights\" lists",
                   mf->file, gi);
        mf->unnamed = true;
        return false;
    }
    bool ok = true, data_ok = true;
    int pi = 0;
    for (const cJSON *p = paths->child; p; p = p->next, pi++) {
        const char *want = bad_shard_path(p);
        if (want) {
            char *msg = expect_got(want, p);
            diag_error(d, "%s: weightsManifest[%d].paths[%d]: %s", mf->file, gi, pi, msg);
            free(msg);
            ok = data_ok = false;
        }
    }

    /* Each weight's shape and storage, and where its bytes start. */
    int nw = cJSON_GetArraySize(weights);
    size_t need = 0;
    int wi = 0, first = mf->n;
    size_t *offset = xmalloc(sizeof *offset * (size_t)(nw + 1));
    for (const cJSON *w = weights->child; w; w = w->next, wi++) {
        char *where = xformat("weightsManifest[%d].weights[%d]", gi, wi);
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(w, "name");
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(w, "shape");
        mf->w = xgrow(mf->w, sizeof *mf->w, (size_t)mf->n);
        MWeight *mw = &mf->w[mf->n];
        memset(mw, 0, sizeof *mw);
        mw->kind = WK_F32;
        mw->scale = 1;
        bool wok = true;
        if (!cJSON_IsString(nm)) {
            char *msg = expect_got("a weight name such as \"dense_1/kernel\"", nm);
            diag_error(d, "%s: %s.name: %s", mf->file, where, msg);
            free(msg);
            wok = false;
        }
        if (!cJSON_IsArray(sh) || cJSON_GetArraySize(sh) > MAX_RANK) {
            char *want = xformat("a list of at most %d sizes", MAX_RANK);
            char *msg = expect_got(want, sh);
            diag_error(d, "%s: %s.shape: %s", mf->file, where, msg);
            free(msg);
            free(want);
            wok = false;
        } else {
            for (const cJSON *s = sh->child; s; s = s->next) {
                if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > 1e9 ||
                    s->valuedouble != floor(s->valuedouble)) {
                    char *msg = expect_got("a list of sizes", sh);
                    diag_error(d, "%s: %s.shape: %s", mf->file, where, msg);
                    free(msg);
                    wok = false;
                    break;
                }
                mw->shape.dim[mw->shape.rank++] = (long)s->valuedouble;
            }
        }
        if (wok && !weight_kind(m, mf, w, where, &mw->kind, &mw->scale, &mw->min))
            wok = false;
        long count = 1;
        for (int k = 0; wok && k < mw->shape.rank && count <= MAX_COMPILED_PARAMS; k++)
            count *= mw->shape.dim[k];
        if (wok && count > MAX_COMPILED_PARAMS) {
            diag_error(d, "%s: %s.shape: more than %ld values, too many to compile", mf->file,
                       where, (long)MAX_COMPILED_PARAMS);
            wok = false;
        }
        size_t nbytes = wok ? (size_t)count * (size_t)wkind_bytes(mw->kind) : 0;
        if (wok && mf->need + need + nbytes > MAX_MANIFEST_BYTES) {
            diag_error(d, "%s: %s: the weights listed up to here need more than %ld bytes, too "
                          "many to compile", mf->file, where, (long)MAX_MANIFEST_BYTES);
            wok = false;
            nbytes = 0;
        }
        offset[wi] = need;
        need += nbytes;
        if (!wok) {
            /* Keep a named entry, so that binding does not also call its
             * weight missing. */
            if (cJSON_IsString(nm)) {
                mw->name = xstrdup(nm->valuestring);
                mw->where = where;
                mw->bad = true;
                mf->n++;
            } else {
                mf->unnamed = true;
                free(where);
            }
            ok = data_ok = false;
            continue;
        }
        mw->name = xstrdup(nm->valuestring);
        mw->where = where;
        mf->n++;
    }

    mf->need += need;

    /* The group's bytes: its shards, in order, at most need + 1 of them.
     * With entries already bad, the shards are only opened, so that a
     * missing one is reported too. */
    StrBuf bytes = {0};         /* grows with what the shards hold */
    size_t have = 0;            /* bytes the shards hold */
    StrBuf names = {0};
    pi = 0;
    for (const cJSON *p = paths->child; p; p = p->next, pi++) {
        if (bad_shard_path(p))
            continue;
        const char *rel = p->valuestring;
        while (rel[0] == '.' && rel[1] == '/')
            rel += 2;
        char *path = xformat("%s%s", dir, rel);
        model_add_input(m, path);
        char *data = NULL;
        size_t len = 0;
        kcc_error e;
        kcc_status st = kcc_file_read(dir, rel, KCC_FILE_BENEATH,
                                      data_ok ? need - (have < need ? have : need) : 0, &data,
                                      &len, &e);
        if (st == KCC_OK || (st == KCC_ERR_FORMAT && data_ok)) {
            if (st == KCC_OK && have + len <= need)
                sb_addn(&bytes, data, len);
            have += len;
        } else if (st != KCC_ERR_FORMAT) {
            char *shown = safe_text(path);
            diag_error(d, "%s: weightsManifest[%d].paths[%d]: cannot read weight shard %s: %s",
                       mf->file, gi, pi, shown, e.message);
            free(shown);
            ok = data_ok = false;
        }
        free(data);
        char *shown = safe_text(path);
        sb_printf(&names, "%s%s", names.len ? " and " : "", shown);
        free(shown);
        free(path);
    }
    if (data_ok && need != have) {
        diag_error(d, "%s: weightsManifest[%d]: the weights listed need %zu bytes, %s hold%s %zu "
                   "(%s)", mf->file, gi, need, names.len ? names.data : "its shards",
                   pi == 1 ? "s" : "", have,
                   have < need ? "too short: truncated?" : "too long: a different model?");
        ok = data_ok = false;
    }
    sb_free(&names);
    if (data_ok) {
        sb_add(&bytes, ""); /* a group of no bytes still has its buffer */
        for (int i = first, k = 0; i < mf->n; i++, k++)
            mf->w[i].bytes = (const unsigned char *)bytes.data + offset[k];
        mf->groups = xgrow(mf->groups, sizeof *mf->groups, (size_t)mf->ngroups);
        mf->groups[mf->ngroups++] = bytes.data;
    } else {
        sb_free(&bytes);
    }
    free(offset);
    return ok;
}

static bool read_manifest(Model *m, Manifest *mf, const cJSON *manifest, const char *dir)
{
    if (!cJSON_IsArray(manifest)) {
        diag_error(m->diag, "%s: weightsManifest: expected a list of weight groups, got %s",
                   mf->file, json_kind(manifest));
        mf->unnamed = true;
        return false;
    }
    bool ok = true;
    int gi = 0;
    for (const cJSON *g = manifest->child; g; g = g->next, gi++)
        if (!read_group(m, mf, g, gi, dir))
            ok = false;
    return ok;
}

/* A name a manifest weight answers to: its whole name, or (by_suffix)
 * the part after one of its '/'. */
typedef struct WKey {
    const char *key;
    int w;                      /* index into the manifest */
} WKey;

static int by_key(const void *a, const void *b)
{
    const WKey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->w > y->w) - (x->w < y->w);
}

/* The manifest's names, sorted, for lookups in O(log n). */
typedef struct WIndex {
    WKey *names;                /* whole names */
    int nnames;
    WKey *suffixes;             /* "layer/param" of "model/layer/param" */
    int nsuffixes;
} WIndex;

static void index_manifest(const Manifest *mf, WIndex *ix)
{
    memset(ix, 0, sizeof *ix);
    ix->names = xmalloc(sizeof *ix->names * (size_t)(mf->n + 1));
    for (int i = 0; i < mf->n; i++) {
        ix->names[ix->nnames++] = (WKey){mf->w[i].name, i};
        for (const char *c = mf->w[i].name; (c = strchr(c, '/')) != NULL; c++) {
            ix->suffixes = xgrow(ix->suffixes, sizeof *ix->suffixes, (size_t)ix->nsuffixes);
            ix->suffixes[ix->nsuffixes++] = (WKey){c + 1, i};
        }
    }
    qsort(ix->names, (size_t)ix->nnames, sizeof *ix->names, by_key);
    if (ix->nsuffixes > 0) /* else NULL, which qsort may not take */
        qsort(ix->suffixes, (size_t)ix->nsuffixes, sizeof *ix->suffixes, by_key);
}

/* The first (in manifest order) key equal to want, or -1. */
static int lookup(const WKey *keys, int n, const char *want)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(keys[mid].key, want) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(keys[lo].key, want) == 0 ? keys[lo].w : -1;
}

/* The manifest weight for parameter p of layer l: "layer/param", else
 * the first that ends in "/layer/param" (under a prefix:
 * "model/layer/param"). */
static MWeight *find_weight(Manifest *mf, const WIndex *ix, const Layer *l, const Param *p)
{
    char *want = xformat("%s/%s", l->name, p->name);
    int i = lookup(ix->names, ix->nnames, want);
    if (i < 0)
        i = lookup(ix->suffixes, ix->nsuffixes, want);
    free(want);
    return i < 0 ? NULL : &mf->w[i];
}

static bool bind_manifest(Model *m, Manifest *mf)
{
    bool ok = true;
    WIndex ix;
    index_manifest(mf, &ix);
    char b1[128], b2[128];
    /* Nothing in common at all: one line says what is likely wrong. */
    bool any = false;
    for (int i = 0; i < m->nlayers && !any; i++)
        for (int k = 0; k < m->layers[i].nparams && !any; k++)
            any = find_weight(mf, &ix, &m->layers[i], &m->layers[i].params[k]) != NULL;
    if (!any && mf->n > 0 && model_param_count(m, true) + model_param_count(m, false) > 0) {
        char *first = safe_text(mf->w[0].name);
        diag_error(m->diag, "%s: none of its %d weights (\"%s\", ...) is named after a layer of %s: "
                   "weights of a different model?", mf->file, mf->n, first, m->file);
        free(first);
        ok = false;
    }
    for (int i = 0; i < m->nlayers; i++) {
        Layer *l = &m->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            Param *p = &l->params[k];
            MWeight *w = find_weight(mf, &ix, l, p);
            char *lname = safe_text(l->name);
            if (!w) {
                layer_error(m, l, NULL, "no weight \"%s/%s\" in the weights manifest of %s",
                            lname, p->name, mf->file);
                ok = false;
            } else if (w->bad) {
                w->used = true; /* its problem is reported already */
            } else if (w->used) {
                layer_error(m, l, NULL, "weight \"%s/%s\" is bound twice", lname, p->name);
                ok = false;
            } else if (!shape_equal(&w->shape, &p->shape)) {
                layer_error(m, l, NULL, "weight \"%s/%s\": the layer needs shape %s, %s (%s) has %s",
                            lname, p->name, dims_str(&p->shape, b1, sizeof b1), mf->file,
                            w->where, dims_str(&w->shape, b2, sizeof b2));
                w->used = true;
                ok = false;
            } else {
                /* The shapes agree: the model holds these values. */
                long n = shape_count(&p->shape);
                size_t size = (size_t)wkind_bytes(w->kind);
                if (w->bytes) {
                    p->data = xmalloc(sizeof *p->data * (size_t)n);
                    for (long j = 0; j < n; j++) {
                        double v = decode(w->bytes + (size_t)j * size, w->kind, w->scale, w->min);
                        p->data[j] = m->dtype == DT_F32 ? (double)(float)v : v;
                    }
                }
                w->used = true;
            }
            free(lname);
        }
    }
    for (int i = 0; i < mf->n; i++) {
        if (!mf->w[i].used && !mf->w[i].bad) {
            char *nm = safe_text(mf->w[i].name);
            diag_error(m->diag, "%s: %s: weight \"%s\" belongs to no layer of the model",
                       mf->file, mf->w[i].where, nm);
            free(nm);
            ok = false;
        }
    }
    free(ix.names);
    free(ix.suffixes);
    return ok;
}

static bool init_params(Model *m, uint64_t seed)
{
    bool ok = true;
    for (int i = 0; i < m->nlayers; i++) {
        Layer *l = &m->layers[i];
        for (int k = 0; k < l->nparams; k++) {
            Param *p = &l->params[k];
            long n = shape_count(&p->shape);
            p->data = xmalloc(sizeof *p->data * (size_t)n);
            kcc_rng rng;
            uint64_t stream = p->init_has_seed
                                  ? kcc_mix64((uint64_t)p->init_seed, 0x4b657261735eedULL)
                                  : kcc_mix64(kcc_mix64(seed, (uint64_t)i), (uint64_t)k);
            kcc_rng_seed(&rng, stream);
            kcc_error err;
            if (kcc_init_fill(p->data, &p->init, p->shape.dim, p->shape.rank, &rng, &err) != KCC_OK) {
                layer_error(m, l, NULL, "cannot initialize weight '%s': %s", p->name, err.message);
                ok = false;
                continue;
            }
            if (m->dtype == DT_F32)
                for (long j = 0; j < n; j++)
                    p->data[j] = (double)(float)p->data[j];
        }
    }
    return ok;
}

bool load_weights(Model *m, const char *weights_file, uint64_t seed)
{
    long total = model_param_count(m, true) + model_param_count(m, false);
    if (total > MAX_COMPILED_PARAMS) {
        diag_error(m->diag, "%s: %ld parameters: too many to compile (kcc's limit is %ld)",
                   m->file, total, (long)MAX_COMPILED_PARAMS);
        return false;
    }
    const cJSON *manifest = m->manifest;
    const char *file = m->file;
    cJSON *other = NULL;
    if (weights_file) {
        char *text;
        size_t len;
        kcc_error e;
        if (kcc_file_read(NULL, weights_file, 0, KCC_FILE_MAX_JSON, &text, &len, &e) != KCC_OK) {
            diag_error(m->diag, "%s: cannot read weights: %s", weights_file, e.message);
            return false;
        }
        model_add_input(m, weights_file);
        other = json_parse(m->diag, weights_file, text, len);
        free(text);
        if (!other)
            return false;
        manifest = cJSON_IsObject(other) ? cJSON_GetObjectItemCaseSensitive(other, "weightsManifest")
                                         : NULL;
        file = weights_file;
        if (!manifest) {
            diag_error(m->diag, "%s: expected a TF.js model.json with a \"weightsManifest\"",
                       weights_file);
            cJSON_Delete(other);
            return false;
        }
    }
    if (!manifest) {
        bool ok = init_params(m, seed);
        return ok;
    }

    Manifest mf = {file, NULL, 0, NULL, 0, 0, false};
    char *dir = path_dirname(file);
    bool ok = read_manifest(m, &mf, manifest, dir);
    /* Binding reports missing and extra weights too, unless the manifest
     * is too broken to say which weights it holds. */
    if (!mf.unnamed)
        ok = bind_manifest(m, &mf) && ok;
    free(dir);
    for (int i = 0; i < mf.n; i++) {
        free(mf.w[i].name);
        free(mf.w[i].where);
    }
    free(mf.w);
    for (int i = 0; i < mf.ngroups; i++)
        free(mf.groups[i]);
    free(mf.groups);
    cJSON_Delete(other);
    if (ok) {
        m->weights_bound = true;
        m->weights_from = xstrdup(file);
    }
    return ok;
}
