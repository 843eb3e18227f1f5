/*
 * test_weights.c - load_weights: TF.js manifests bind by name, in every
 * storage (float32, float16, uint8 and uint16 quantized), with every
 * count checked; without a manifest, parameters are initialized
 * deterministically from the seed.  And half_to_double.
 *
 * The model: Dense d1 (2 -> 3) and Dense d2 (3 -> 1), both with bias.
 * JSON is written with single quotes (model_from_text makes them double).
 */
#include "check.h"
#include "support.h"

#include <stdlib.h>

static TmpDir tmp;

/* ---- half_to_double ----------------------------------------------------- */

TEST(half_to_double_decodes_every_kind_of_half)
{
    CHECK_DOUBLE(half_to_double(0x0000), 0.0);
    CHECK(!signbit(half_to_double(0x0000)));
    CHECK_DOUBLE(half_to_double(0x8000), 0.0);
    CHECK(signbit(half_to_double(0x8000)));
    CHECK_DOUBLE(half_to_double(0x3c00), 1.0);
    CHECK_DOUBLE(half_to_double(0xc000), -2.0);
    CHECK_DOUBLE(half_to_double(0x3800), 0.5);
    CHECK_DOUBLE(half_to_double(0x3555), 0.333251953125);
    CHECK_DOUBLE(half_to_double(0x7bff), 65504.0);
    CHECK_DOUBLE(half_to_double(0x0400), ldexp(1.0, -14));    /* smallest normal */
    CHECK_DOUBLE(half_to_double(0x0001), ldexp(1.0, -24));    /* smallest subnormal */
    CHECK_DOUBLE(half_to_double(0x03ff), ldexp(1023.0, -24)); /* largest subnormal */
    CHECK_DOUBLE(half_to_double(0x8001), -ldexp(1.0, -24));
    CHECK(isinf(half_to_double(0x7c00)) && half_to_double(0x7c00) > 0);
    CHECK(isinf(half_to_double(0xfc00)) && half_to_double(0xfc00) < 0);
    CHECK(isnan(half_to_double(0x7e00)));
    CHECK(isnan(half_to_double(0x7c01)));
}

/* q * scale + min as TF.js computes it: in double, never fused into one
 * multiply-add (separate statements keep the compiler from contracting
 * them), then stored in a Float32Array. */
static double dequantize(unsigned q, double scale, double min)
{
    double v = q * scale;
    v += min;
    return (double)(float)v;
}

/* ---- shards ----------------------------------------------------------- */

typedef struct Bytes {
    unsigned char b[256];
    size_t n;
} Bytes;

static void put_u8(Bytes *b, unsigned v) { b->b[b->n++] = (unsigned char)v; }

static void put_u16(Bytes *b, unsigned v)
{
    put_u8(b, v & 0xff);
    put_u8(b, v >> 8);
}

/* Little-endian, whatever the host. */
static void put_f32(Bytes *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    for (int i = 0; i < 4; i++)
        put_u8(b, (u >> (8 * i)) & 0xff);
}

/* The reference weights, in manifest order d2/bias, d1/kernel, d2/kernel,
 * d1/bias: not the layers' order. */
static Bytes reference_bytes(void)
{
    Bytes b = {{0}, 0};
    put_f32(&b, -7.0f);
    for (int i = 1; i <= 6; i++)
        put_f32(&b, (float)i);
    put_f32(&b, 0.5f);
    put_f32(&b, -0.5f);
    put_f32(&b, 0.25f);
    put_f32(&b, 10.0f);
    put_f32(&b, 20.0f);
    put_f32(&b, 30.0f);
    return b;
}

#define W(name, shape, extra) "{'name': '" name "', 'shape': " shape ", 'dtype': 'float32'" extra "}"
#define REFERENCE_WEIGHTS                                                      \
    W("d2/bias", "[1]", "") "," W("d1/kernel", "[2, 3]", "") ","                   \
    W("d2/kernel", "[3, 1]", "") "," W("d1/bias", "[3]", "")

#define LAYERS                                                                 \
    "[{'class_name': 'Dense', 'config': {'name': 'd1', 'units': 3,"                \
    " 'batch_input_shape': [null, 2]}},"                                           \
    " {'class_name': 'Dense', 'config': {'name': 'd2', 'units': 1}}]"

/* A TF.js model.json with one weight group. */
static char *tfjs_json(const char *paths, const char *weights)
{
    return xformat("{'format': 'layers-model', 'modelTopology': {'class_name': 'Sequential',"
                   " 'keras_version': 'tfjs-layers 4.22.0', 'config': {'name': 'm', 'layers': "
                   LAYERS "}}, 'weightsManifest': [{'paths': [%s], 'weights': [%s]}]}",
                   paths, weights);
}

/* What load_weights did. */
typedef struct Loaded {
    Model *m;
    bool ok;
    Diag d;
    char *out;          /* stderr */
    const char *file;   /* the model.json */
} Loaded;

/* Writes model.json (with one group) and w.bin, parses with kc (NULL:
 * Keras's defaults), infers and loads the weights.  bin NULL: no w.bin. */
static Loaded load_kc(const KerasConfig *kc, const char *weights, const Bytes *bin)
{
    Loaded r = {NULL, false, {0, 0}, NULL, NULL};
    char *json = tfjs_json("'w.bin'", weights);
    r.m = model_from_text(&tmp, "model.json", json, kc, &r.d);
    free(json);
    r.file = tmp_path(&tmp, "model.json");
    const char *shard = tmp_path(&tmp, "w.bin");
    remove(shard);
    if (bin)
        tmp_write(&tmp, "w.bin", bin->b, bin->n);
    if (!r.m || !infer_shapes(r.m)) {
        printf("    the test's model did not get through parse and shape inference\n");
        r.out = xstrdup("");
        return r;
    }
    capture_begin();
    r.ok = load_weights(r.m, NULL, 0);
    r.out = capture_end();
    return r;
}

static Loaded load(const char *weights, const Bytes *bin)
{
    return load_kc(NULL, weights, bin);
}

static void loaded_free(Loaded *r)
{
    model_free(r->m);
    free(r->out);
}

static const Param *param(const Model *m, int layer, int k)
{
    return &m->layers[layer].params[k];
}

/* "kcc: error: " + the text with each %s the temporary directory. */
static char *expect_error(const char *fmt)
{
    StrBuf sb = {0};
    sb_add(&sb, "kcc: error: ");
    for (const char *p = fmt; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            sb_add(&sb, tmp.path);
            p++;
        } else {
            sb_addn(&sb, p, 1);
        }
    }
    sb_add(&sb, "\n");
    return sb.data;
}

#define CHECK_ONE_ERROR(r, fmt)                                                \
    do {                                                                       \
        char *expected_ = expect_error(fmt);                                   \
        CHECK(!(r).ok);                                                        \
        CHECK_INT((r).d.errors, 1);                                            \
        CHECK_STR((r).out, expected_);                                         \
        free(expected_);                                                       \
    } while (0)

TEST(float32_weights_bind_by_name_not_position)
{
    Bytes bin = reference_bytes();
    Loaded r = load(REFERENCE_WEIGHTS, &bin);
    REQUIRE(r.m);
    CHECK(r.ok);
    CHECK_STR(r.out, "");
    CHECK_INT(r.d.errors, 0);
    const Param *k1 = param(r.m, 0, 0), *b1 = param(r.m, 0, 1);
    const Param *k2 = param(r.m, 1, 0), *b2 = param(r.m, 1, 1);
    REQUIRE(k1->data && b1->data && k2->data && b2->data);
    for (int i = 0; i < 6; i++)
        CHECK_DOUBLE(k1->data[i], i + 1);
    CHECK_DOUBLE(b1->data[0], 10);
    CHECK_DOUBLE(b1->data[2], 30);
    CHECK_DOUBLE(k2->data[0], 0.5);
    CHECK_DOUBLE(k2->data[1], -0.5);
    CHECK_DOUBLE(k2->data[2], 0.25);
    CHECK_DOUBLE(b2->data[0], -7);
    CHECK(r.m->weights_bound);
    CHECK_STR(r.m->weights_from, r.file);
    /* The shard is one of the files the output depends on. */
    CHECK_STR(r.m->inputs[r.m->ninputs - 1], tmp_path(&tmp, "w.bin"));
    loaded_free(&r);
}

TEST(a_weight_name_under_a_prefix_still_binds)
{
    Bytes bin = reference_bytes();
    Loaded r = load(W("d2/bias", "[1]", "") "," W("sequential/d1/kernel", "[2, 3]", "") ","
                    W("d2/kernel", "[3, 1]", "") "," W("d1/bias", "[3]", ""), &bin);
    REQUIRE(r.m);
    CHECK(r.ok);
    REQUIRE(param(r.m, 0, 0)->data);
    CHECK_DOUBLE(param(r.m, 0, 0)->data[5], 6);
    loaded_free(&r);
}

TEST(a_group_may_span_several_shards)
{
    Bytes all = reference_bytes(), a = {{0}, 0}, b = {{0}, 0};
    /* Split in the middle of a float. */
    memcpy(a.b, all.b, 10);
    a.n = 10;
    memcpy(b.b, all.b + 10, all.n - 10);
    b.n = all.n - 10;
    tmp_write(&tmp, "a.bin", a.b, a.n);
    tmp_write(&tmp, "b.bin", b.b, b.n);
    char *json = tfjs_json("'a.bin', 'b.bin'", REFERENCE_WEIGHTS);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "two.json", json, NULL, &d);
    free(json);
    REQUIRE(m && infer_shapes(m));
    CHECK(load_weights(m, NULL, 0));
    CHECK_INT(d.errors, 0);
    REQUIRE(param(m, 0, 0)->data);
    CHECK_DOUBLE(param(m, 0, 0)->data[0], 1);
    CHECK_DOUBLE(param(m, 0, 0)->data[1], 2);
    CHECK_DOUBLE(param(m, 0, 1)->data[2], 30);
    model_free(m);
}

TEST(uint8_and_uint16_weights_dequantize_as_q_times_scale_plus_min)
{
    Bytes bin = {{0}, 0};
    put_f32(&bin, -7.0f);                     /* d2/bias */
    const unsigned q8[6] = {0, 1, 2, 3, 4, 255};
    for (int i = 0; i < 6; i++)               /* d1/kernel, uint8 */
        put_u8(&bin, q8[i]);
    const unsigned q16[3] = {0, 1000, 65535};
    for (int i = 0; i < 3; i++)               /* d2/kernel, uint16 */
        put_u16(&bin, q16[i]);
    for (int i = 0; i < 3; i++)               /* d1/bias */
        put_f32(&bin, 1.0f);
    Loaded r = load(W("d2/bias", "[1]", "") ","
                    W("d1/kernel", "[2, 3]", ", 'quantization': {'dtype': 'uint8',"
                      " 'scale': 0.1, 'min': -0.3, 'original_dtype': 'float32'}") ","
                    W("d2/kernel", "[3, 1]", ", 'quantization': {'dtype': 'uint16',"
                      " 'scale': 0.001, 'min': -1, 'original_dtype': 'float32'}") ","
                    W("d1/bias", "[3]", ""), &bin);
    REQUIRE(r.m);
    CHECK(r.ok);
    CHECK_STR(r.out, "");
    const Param *k1 = param(r.m, 0, 0), *k2 = param(r.m, 1, 0);
    REQUIRE(k1->data && k2->data);
    /* TF.js dequantizes into a Float32Array. */
    for (int i = 0; i < 6; i++)
        CHECK_DOUBLE(k1->data[i], dequantize(q8[i], 0.1, -0.3));
    CHECK_NEAR(k1->data[5], 25.2, 1e-5);
    for (int i = 0; i < 3; i++)
        CHECK_DOUBLE(k2->data[i], dequantize(q16[i], 0.001, -1));
    /* 1000 * 0.001 rounds to 1 before -1 is added: exactly 0, where a
     * fused multiply-add would give 2.08e-17. */
    CHECK_DOUBLE(k2->data[1], 0.0);
    CHECK_NEAR(k2->data[2], 64.535, 1e-4);
    CHECK_DOUBLE(param(r.m, 1, 1)->data[0], -7);
    CHECK_DOUBLE(param(r.m, 0, 1)->data[0], 1);
    loaded_free(&r);
}

TEST(a_float64_model_keeps_the_float32_values_tfjs_dequantizes_to)
{
    Bytes bin = {{0}, 0};
    put_f32(&bin, -7.0f);
    const unsigned q8[6] = {0, 1, 2, 3, 7, 255};
    for (int i = 0; i < 6; i++)
        put_u8(&bin, q8[i]);
    for (int i = 0; i < 6; i++)
        put_f32(&bin, 0.1f);
    KerasConfig kc = keras_defaults();
    kc.floatx = DT_F64;
    Loaded r = load_kc(&kc, W("d2/bias", "[1]", "") ","
                       W("d1/kernel", "[2, 3]", ", 'quantization': {'dtype': 'uint8',"
                         " 'scale': 0.1, 'min': -0.3, 'original_dtype': 'float32'}") ","
                       W("d2/kernel", "[3, 1]", "") "," W("d1/bias", "[3]", ""), &bin);
    REQUIRE(r.m);
    CHECK(r.ok);
    CHECK_INT(r.m->dtype, DT_F64);
    const Param *k1 = param(r.m, 0, 0), *k2 = param(r.m, 1, 0);
    REQUIRE(k1->data && k2->data);
    for (int i = 0; i < 6; i++)
        CHECK_DOUBLE(k1->data[i], dequantize(q8[i], 0.1, -0.3));
    CHECK_DOUBLE(k2->data[0], (double)0.1f);
    loaded_free(&r);
}

TEST(float16_weights_decode_as_halves)
{
    Bytes bin = {{0}, 0};
    put_f32(&bin, -7.0f);                     /* d2/bias */
    for (int i = 1; i <= 6; i++)              /* d1/kernel */
        put_f32(&bin, (float)i);
    put_u16(&bin, 0x3c00);                    /* d2/kernel, float16 quantized */
    put_u16(&bin, 0xc000);
    put_u16(&bin, 0x3555);
    put_u16(&bin, 0x3800);                    /* d1/bias, dtype float16 */
    put_u16(&bin, 0x0001);
    put_u16(&bin, 0x7bff);
    Loaded r = load(W("d2/bias", "[1]", "") "," W("d1/kernel", "[2, 3]", "") ","
                    W("d2/kernel", "[3, 1]", ", 'quantization': {'dtype': 'float16',"
                      " 'original_dtype': 'float32'}") ","
                    "{'name': 'd1/bias', 'shape': [3], 'dtype': 'float16'}", &bin);
    REQUIRE(r.m);
    CHECK(r.ok);
    CHECK_STR(r.out, "");
    const Param *k2 = param(r.m, 1, 0), *b1 = param(r.m, 0, 1);
    REQUIRE(k2->data && b1->data);
    CHECK_DOUBLE(k2->data[0], 1.0);
    CHECK_DOUBLE(k2->data[1], -2.0);
    CHECK_DOUBLE(k2->data[2], 0.333251953125);
    CHECK_DOUBLE(b1->data[0], 0.5);
    CHECK_DOUBLE(b1->data[1], ldexp(1.0, -24));
    CHECK_DOUBLE(b1->data[2], 65504.0);
    loaded_free(&r);
}

TEST(a_shard_too_short_names_the_file_and_the_byte_counts)
{
    Bytes bin = reference_bytes();
    bin.n -= 4;
    Loaded r = load(REFERENCE_WEIGHTS, &bin);
    REQUIRE(r.m);
    CHECK_ONE_ERROR(r, "%s/model.json: weightsManifest[0]: the weights listed need 52 bytes, "
                       "%s/w.bin holds 48 (too short: truncated?)");
    CHECK(!r.m->weights_bound);
    loaded_free(&r);
}

TEST(a_shard_too_long_names_the_file_and_the_byte_counts)
{
    Bytes bin = reference_bytes();
    put_f32(&bin, 99.0f);
    Loaded r = load(REFERENCE_WEIGHTS, &bin);
    REQUIRE(r.m);
    CHECK_ONE_ERROR(r, "%s/model.json: weightsManifest[0]: the weights listed need 52 bytes, "
                       "%s/w.bin holds 56 (too long: a different model?)");
    loaded_free(&r);
}

TEST(shards_too_short_together_are_named_together)
{
    Bytes all = reference_bytes();
    tmp_write(&tmp, "s1.bin", all.b, 20);
    tmp_write(&tmp, "s2.bin", all.b + 20, 20);
    char *json = tfjs_json("'s1.bin', 's2.bin'", REFERENCE_WEIGHTS);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "short2.json", json, NULL, &d);
    free(json);
    REQUIRE(m && infer_shapes(m));
    capture_begin();
    bool ok = load_weights(m, NULL, 0);
    char *out = capture_end();
    CHECK(!ok);
    CHECK_INT(d.errors, 1);
    char *expected = expect_error("%s/short2.json: weightsManifest[0]: the weights listed need "
                                  "52 bytes, %s/s1.bin and %s/s2.bin hold 40 (too short: "
                                  "truncated?)");
    CHECK_STR(out, expected);
    free(expected);
    free(out);
    model_free(m);
}

TEST(a_missing_shard_is_named)
{
    Loaded r = load(REFERENCE_WEIGHTS, NULL);
    REQUIRE(r.m);
    CHECK_ONE_ERROR(r, "%s/model.json: weightsManifest[0].paths[0]: cannot read weight shard "
                       "%s/w.bin: No such file or directory");
    loaded_free(&r);
}

TEST(a_shard_outside_the_models_directory_is_refused)
{
    char *json = tfjs_json("'../w.bin'", REFERENCE_WEIGHTS);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "escape.json", json, NULL, &d);
    free(json);
    REQUIRE(m && infer_shapes(m));
    capture_begin();
    bool ok = load_weights(m, NULL, 0);
    char *out = capture_end();
    CHECK(!ok);
    CHECK_INT(d.errors, 1);
    char *expected = expect_error("%s/escape.json: weightsManifest[0].paths[0]: expected a file "
                                  "name relative to the model's directory, got \"../w.bin\"");
    CHECK_STR(out, expected);
    free(expected);
    free(out);
    model_free(m);
}

TEST(a_weight_of_the_wrong_shape_is_reported)
{
    Bytes bin = reference_bytes();
    Loaded r = load(W("d2/bias", "[1]", "") "," W("d1/kernel", "[3, 2]", "") ","
                    W("d2/kernel", "[3, 1]", "") "," W("d1/bias", "[3]", ""), &bin);
    REQUIRE(r.m);
    CHECK_ONE_ERROR(r, "%s/model.json: layers[0] \"d1\" (Dense): weight \"d1/kernel\": the "
                       "layer needs shape [2, 3], %s/model.json (weightsManifest[0].weights[1]) "
                       "has [3, 2]");
    loaded_free(&r);
}

TEST(a_missing_weight_is_reported)
{
    Bytes all = reference_bytes(), bin = {{0}, 0};
    memcpy(bin.b, all.b + 4, all.n - 4); /* without d2/bias */
    bin.n = all.n - 4;
    Loaded r = load(W("d1/kernel", "[2, 3]", "") "," W("d2/kernel", "[3, 1]", "") ","
                    W("d1/bias", "[3]", ""), &bin);
    REQUIRE(r.m);
    CHECK_ONE_ERROR(r, "%s/model.json: layers[1] \"d2\" (Dense): no weight \"d2/bias\" in the "
                       "weights manifest of %s/model.json");
    loaded_free(&r);
}

TEST(an_extra_weight_no_layer_uses_is_reported)
{
    Bytes bin = reference_bytes();
    put_f32(&bin, 1.0f);
    put_f32(&bin, 2.0f);
    Loaded r = load(REFERENCE_WEIGHTS "," W("d3/kernel", "[2]", ""), &bin);
    REQUIRE(r.m);
    CHECK_ONE_ERROR(r, "%s/model.json: weightsManifest[0].weights[4]: weight \"d3/kernel\" "
                       "belongs to no layer of the model");
    loaded_free(&r);
}

TEST(weights_from_another_file_bind_to_a_keras_model)
{
    /* kcc --load-weights model.json for a Keras 2 architecture. */
    Bytes bin = reference_bytes();
    Loaded tf = load(REFERENCE_WEIGHTS, &bin);
    REQUIRE(tf.m);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "keras2.json",
                               "{'class_name': 'Sequential', 'keras_version': '2.13.1',"
                               " 'config': {'name': 'm', 'layers': " LAYERS "}}",
                               NULL, &d);
    REQUIRE(m && infer_shapes(m));
    CHECK(m->manifest == NULL);
    CHECK(load_weights(m, tf.file, 0));
    CHECK_INT(d.errors, 0);
    CHECK(m->weights_bound);
    CHECK_STR(m->weights_from, tf.file);
    REQUIRE(param(m, 1, 1)->data);
    CHECK_DOUBLE(param(m, 1, 1)->data[0], -7);
    model_free(m);
    loaded_free(&tf);
}

/* ---- initialization ----------------------------------------------------- */

/* A Keras 2 model of d1 and d2 without weights, initialized with seed;
 * d2's kernel initializer is extra. */
static Model *initialized(const char *name, uint64_t seed, const char *d2_init)
{
    char *json = xformat("{'class_name': 'Sequential', 'keras_version': '2.13.1', 'config': {"
                         "'name': 'm', 'layers': [{'class_name': 'Dense', 'config': {'name': 'd1',"
                         " 'units': 3, 'batch_input_shape': [null, 2]}},"
                         " {'class_name': 'Dense', 'config': {'name': 'd2', 'units': 1%s}}]}}",
                         d2_init);
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, name, json, NULL, &d);
    free(json);
    if (m && (!infer_shapes(m) || !load_weights(m, NULL, seed))) {
        model_free(m);
        m = NULL;
    }
    if (!m)
        printf("    the model did not initialize\n");
    return m;
}

static bool same_values(const Param *a, const Param *b)
{
    long n = shape_count(&a->shape);
    return shape_equal(&a->shape, &b->shape) && memcmp(a->data, b->data, sizeof *a->data * (size_t)n) == 0;
}

TEST(initialization_without_weights_is_deterministic_per_seed)
{
    Model *a = initialized("i1.json", 1, ""), *b = initialized("i2.json", 1, "");
    Model *c = initialized("i3.json", 2, "");
    REQUIRE(a && b && c);
    CHECK(!a->weights_bound);
    CHECK(same_values(param(a, 0, 0), param(b, 0, 0)));
    CHECK(same_values(param(a, 1, 0), param(b, 1, 0)));
    CHECK(!same_values(param(a, 0, 0), param(c, 0, 0)));
    CHECK(!same_values(param(a, 1, 0), param(c, 1, 0)));
    /* Glorot uniform kernels, zero biases, all float32 values. */
    double limit = sqrt(6.0 / (2 + 3));
    int bad = 0;
    for (int i = 0; i < 6; i++) {
        double v = param(a, 0, 0)->data[i];
        bad += !(fabs(v) <= limit) || v != (double)(float)v;
    }
    CHECK_INT(bad, 0);
    for (int i = 0; i < 3; i++)
        CHECK_DOUBLE(param(a, 0, 1)->data[i], 0.0);
    model_free(a);
    model_free(b);
    model_free(c);
}

TEST(an_initializer_with_its_own_seed_ignores_the_model_seed)
{
    const char *seeded = ", 'kernel_initializer': {'class_name': 'GlorotUniform',"
                         " 'config': {'seed': 5}}";
    Model *a = initialized("s1.json", 1, seeded), *b = initialized("s2.json", 2, seeded);
    REQUIRE(a && b);
    CHECK(same_values(param(a, 1, 0), param(b, 1, 0)));
    CHECK(!same_values(param(a, 0, 0), param(b, 0, 0)));
    model_free(a);
    model_free(b);
}

TEST(an_initializer_that_cannot_fill_its_weight_is_reported)
{
    Diag d = {0, 0};
    Model *m = model_from_text(&tmp, "ident.json",
                               "{'class_name': 'Sequential', 'config': {'name': 'm', 'layers': ["
                               "{'class_name': 'PReLU', 'config': {'name': 'p',"
                               " 'alpha_initializer': 'identity',"
                               " 'batch_input_shape': [null, 2, 2, 2]}}]}}",
                               NULL, &d);
    REQUIRE(m && infer_shapes(m));
    capture_begin();
    bool ok = load_weights(m, NULL, 1);
    char *out = capture_end();
    CHECK(!ok);
    CHECK_INT(d.errors, 1);
    char *expected = expect_error("%s/ident.json: layers[0] \"p\" (PReLU): cannot initialize "
                                  "weight 'alpha': the identity initializer needs a 2-D weight");
    CHECK_STR(out, expected);
    free(expected);
    free(out);
    model_free(m);
}

/* (Once multiplied out with shape_count first: 65536^4 overflowed a long,
 * undefined behaviour, and wrapped to an empty weight.) */
TEST(a_manifest_shape_too_large_to_count_is_reported)
{
    Bytes bin = reference_bytes();
    Loaded r = load(REFERENCE_WEIGHTS "," W("huge", "[65536, 65536, 65536, 65536]", ""), &bin);
    REQUIRE(r.m);
    CHECK(!r.ok);
    CHECK_INT(r.d.errors, 1);
    char *fmt = xformat("%%s/model.json: weightsManifest[0].weights[4].shape: more than %ld "
                        "values, too many to compile", (long)MAX_COMPILED_PARAMS);
    char *expected = expect_error(fmt);
    free(fmt);
    CHECK_STR(r.out, expected);
    free(expected);
    loaded_free(&r);
}

int main(void)
{
    tmp_make(&tmp);
    RUN(half_to_double_decodes_every_kind_of_half);
    RUN(float32_weights_bind_by_name_not_position);
    RUN(a_weight_name_under_a_prefix_still_binds);
    RUN(a_group_may_span_several_shards);
    RUN(uint8_and_uint16_weights_dequantize_as_q_times_scale_plus_min);
    RUN(a_float64_model_keeps_the_float32_values_tfjs_dequantizes_to);
    RUN(float16_weights_decode_as_halves);
    RUN(a_shard_too_short_names_the_file_and_the_byte_counts);
    RUN(a_shard_too_long_names_the_file_and_the_byte_counts);
    RUN(shards_too_short_together_are_named_together);
    RUN(a_missing_shard_is_named);
    RUN(a_shard_outside_the_models_directory_is_refused);
    RUN(a_weight_of_the_wrong_shape_is_reported);
    RUN(a_missing_weight_is_reported);
    RUN(an_extra_weight_no_layer_uses_is_reported);
    RUN(weights_from_another_file_bind_to_a_keras_model);
    RUN(initialization_without_weights_is_deterministic_per_seed);
    RUN(an_initializer_with_its_own_seed_ignores_the_model_seed);
    RUN(an_initializer_that_cannot_fill_its_weight_is_reported);
    RUN(a_manifest_shape_too_large_to_count_is_reported);
    tmp_remove(&tmp);
    return check_exit();
}
