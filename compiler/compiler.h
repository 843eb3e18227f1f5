/*
 * compiler.h - kcc's internal header.
 *
 * kcc is a pipeline; each stage is one file and one section here:
 *
 *   main.c      command line
 *   parse.c     model file (Keras JSON or TF.js model.json) -> Model (the IR)
 *   ops.c       the op table: one row per Keras layer type
 *   shape.c     shape inference, parameter shapes
 *   weights.c   weights from a TF.js manifest, or initialized with a seed
 *   fuse.c      Model -> Plan: fused steps (bias + activation into Dense, ...)
 *   memplan.c   Plan -> arena offsets from buffer lifetimes
 *   emit_c.c    Plan -> C99 source and header (the C dialect)
 *   summary.c   the Keras-style table plus memory and compute figures
 *
 * and the support files: diag.c (diagnostics), json.c (reading JSON with
 * paths), config.c (keras.json), activations.c (the activation table),
 * writer.c (text output, templates, atomic files), util.c.
 *
 * Errors come in three kinds, kept apart: problems in the user's input are
 * diagnostics (diag.c) naming file, JSON path, layer, expected and found;
 * environment failures (I/O) are diagnostics too; broken invariants inside
 * kcc are KCC_ASSERT, which says "internal error" and aborts.
 */
#ifndef KCC_COMPILER_H
#define KCC_COMPILER_H

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kcc.h"
#include "kcc_file.h"

#if defined(__GNUC__)
#define KCC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KCC_NORETURN __attribute__((noreturn))
#else
#define KCC_PRINTF(f, a)
#define KCC_NORETURN
#endif

/* ---- util.c ------------------------------------------------------------ */

KCC_NORETURN void internal_error(const char *file, int line, const char *what);
#define KCC_ASSERT(c) ((c) ? (void)0 : internal_error(__FILE__, __LINE__, #c))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Array p of n elements of size bytes, with room for one more: appending
 * n elements one at a time through xgrow costs O(n) (capacities 4, 8,
 * 16, ...).  Every append to the array must go through it. */
void *xgrow(void *p, size_t size, size_t n);
char *xstrdup(const char *s);
char *xformat(const char *fmt, ...) KCC_PRINTF(1, 2);

/* A growable string.  Zero-initialize, then add; data is NUL-terminated. */
typedef struct StrBuf {
    char *data;
    size_t len, cap;
} StrBuf;

void sb_add(StrBuf *sb, const char *s);
void sb_addn(StrBuf *sb, const char *s, size_t n);
void sb_printf(StrBuf *sb, const char *fmt, ...) KCC_PRINTF(2, 3);
void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap) KCC_PRINTF(2, 0);
void sb_free(StrBuf *sb);

/* A C identifier made from an arbitrary string: [A-Za-z][A-Za-z0-9_]*,
 * at most 32 characters, no "__", no trailing '_', never a keyword
 * ("int" -> "m_int").  Caller frees. */
char *c_identifier(const char *s);
/* Is s usable as a generated API prefix as it stands? */
bool valid_identifier(const char *s);
/* An arbitrary string made safe inside a C block comment or a terminal
 * line: printable ASCII except '*', '?' and '\' passes; the rest becomes
 * \xNN.  Caller frees. */
char *safe_text(const char *s);

/* s as a C string literal, quotes included: \\, \", \? (no trigraphs) and
 * octal escapes for everything outside printable ASCII. */
void c_string(StrBuf *sb, const char *s);

const char *path_basename(const char *path);
/* The directory part of path with a trailing '/', or "" (caller frees). */
char *path_dirname(const char *path);

/* ---- diag.c ------------------------------------------------------------ */

/* Diagnostics go to stderr as "kcc: error: ..." and are counted, so that a
 * phase can report every problem before the driver stops. */
typedef struct Diag {
    int errors;
    int warnings;
} Diag;

void diag_error(Diag *d, const char *fmt, ...) KCC_PRINTF(2, 3);
void diag_warning(Diag *d, const char *fmt, ...) KCC_PRINTF(2, 3);
void diag_note(Diag *d, const char *fmt, ...) KCC_PRINTF(2, 3);
/* A short printable rendering of a JSON value for "got ..." (caller frees). */
char *json_repr(const cJSON *v);
/* "a string", "an integer", ... */
const char *json_kind(const cJSON *v);
/* "expected <what>, got <got>", or "missing (expected <what>)" when got is
 * NULL (caller frees). */
char *expect_got(const char *what, const cJSON *got);
/* The name in names[0..n) closest to s by edit distance, if close enough
 * to be a likely typo, else NULL. */
const char *closest_name(const char *s, const char *const *names, int n);

/* ---- json.c ------------------------------------------------------------ */

/* Parses a JSON document.  On a syntax error prints "file:line:col: ..."
 * with the offending line and a caret, counts it, and returns NULL. */
cJSON *json_parse(Diag *d, const char *file, const char *text, size_t len);
/* A JSON number that is a whole number of at most 9e15 in magnitude (so
 * exactly a long), into *out; false for anything else (1.5, 1e30, a
 * string). */
bool json_integer(const cJSON *v, long *out);

/* ---- IR ---------------------------------------------------------------- */

enum { MAX_RANK = 8, MAX_PARAMS = 4, MAX_EPILOGUE = 8 };

/* The most layers kcc reads in a model: each takes a few KiB while it is
 * compiled, however short its JSON. */
#define MAX_LAYERS (1 << 18)

/* A shape without the batch axis. */
typedef struct Shape {
    int rank;
    long dim[MAX_RANK];
} Shape;

long shape_count(const Shape *s);
/* "(None, 28, 28, 1)" with the batch axis, into buf. */
const char *shape_str(const Shape *s, char *buf, size_t size);
/* "[28, 28, 1]" without the batch axis. */
const char *dims_str(const Shape *s, char *buf, size_t size);
bool shape_equal(const Shape *a, const Shape *b);

typedef enum DType { DT_F32, DT_F64 } DType;
typedef enum DataFormat { FMT_CHANNELS_LAST, FMT_CHANNELS_FIRST } DataFormat;

/* Activation functions, element-wise or (softmax) along one axis. */
typedef enum ActKind {
    ACT_LINEAR,
    ACT_RELU,
    ACT_RELU6,
    ACT_RELU_EX,        /* ReLU layer: max_value, negative_slope, threshold */
    ACT_LEAKY_RELU,     /* alpha */
    ACT_ELU,            /* alpha */
    ACT_SELU,
    ACT_SIGMOID,
    ACT_HARD_SIGMOID,   /* Keras 1/2: clip(0.2 x + 0.5, 0, 1) */
    ACT_HARD_SIGMOID3,  /* Keras 3: relu6(x + 3) / 6 */
    ACT_HARD_SILU,      /* Keras 3: x * relu6(x + 3) / 6 */
    ACT_TANH,
    ACT_SOFTPLUS,
    ACT_SOFTSIGN,
    ACT_SWISH,
    ACT_GELU,           /* exact, with erf */
    ACT_GELU_TANH,      /* tanh approximation */
    ACT_EXPONENTIAL,
    ACT_MISH,
    ACT_SOFTMAX,        /* along axis */
    ACT_LOG_SOFTMAX,    /* along axis */
    ACT__COUNT
} ActKind;

typedef struct Act {
    ActKind kind;
    double alpha;       /* leaky/elu alpha, ReLU negative_slope */
    double max_value;   /* ReLU, when has_max */
    double threshold;   /* ReLU */
    bool has_max;
    int axis;           /* softmax: axis of the sample (batch excluded) */
} Act;

/* What a helper takes besides x. */
typedef enum ActArgs { ARGS_NONE, ARGS_ALPHA, ARGS_RELU } ActArgs;

typedef struct ActDef {
    const char *name;   /* the Keras name, as in "activation": "relu" */
    ActKind kind;
    bool along_axis;    /* softmax-like: needs a whole row */
    ActArgs args;
    const char *fn;     /* the helper's name in generated code */
    const char *label;  /* for comments */
    const char *body;   /* C body of the helper, see activations.c */
} ActDef;

const ActDef *act_def(ActKind kind);
/* The helper computing the derivative, for training; NULL for linear.  It
 * is named "d" + the ActDef's fn ("dact_relu"). */
const char *act_grad_body(ActKind kind);
/* Looks up a Keras activation name; keras_major picks hard_sigmoid's form. */
const ActDef *act_lookup(const char *name, int keras_major);
/* The names act_lookup accepts, for messages. */
const char *act_names(void);

typedef struct Param {
    const char *name;           /* Keras weight name: "kernel", "bias" */
    Shape shape;
    kcc_initializer init;
    bool init_has_seed;
    long init_seed;
    bool trainable;
    double l1, l2;              /* regularization: l1 * sum|w| + l2 * sum w^2 */
    double *data;               /* shape_count(&shape) values, once bound */
} Param;

struct OpDef;

typedef struct Layer {
    int index;                  /* position in the model's layer list */
    char *name;                 /* Keras name, as written */
    char *type;                 /* class_name, as written */
    char *cname;                /* "l3_dense_1": safe C name */
    char *where;                /* JSON path of the layer object */
    const struct OpDef *op;
    const cJSON *config;
    bool trainable;
    bool ok;                    /* parsed without errors */

    int input;                  /* value ids (chains for now) */
    int output;

    Param params[MAX_PARAMS];
    int nparams;

    /* Configuration; each op uses the fields its table row names. */
    long units;                 /* Dense */
    bool use_bias;              /* Dense */
    Act act;                    /* Dense's activation, activation layers */
    Shape target;               /* Reshape; -1 allowed once before inference */
    DataFormat format;          /* Flatten */
    double rate;                /* Dropout */
    unsigned shared_axes;       /* PReLU: bit i = sample axis i is shared */

    /* Spatial layers (convolution, pooling, padding, upsampling): see
     * spatial.c; format above is their data_format. */
    int nspatial;               /* 1, 2 or 3 */
    long filters;               /* convolutions: output channels */
    int kernel[3];              /* kernel_size, or pool_size */
    int strides[3];
    int dilation[3];
    int padding;                /* a Padding */
    int groups;                 /* Conv: input channel groups */
    int depth_multiplier;       /* DepthwiseConv2D, SeparableConv2D */
    int output_padding[3];      /* Conv2DTranspose; -1 for none */
    long pads[3][2];            /* ZeroPadding, Cropping: before and after */
    int upsample[3];            /* UpSampling: size */
    int interpolation;          /* UpSampling2D: 0 nearest, 1 bilinear */
    bool keepdims;              /* global pooling */
    /* BatchNormalization and the noise layers. */
    int norm_axis;              /* the normalized axis of a sample */
    double momentum, epsilon;
    bool center, scale;
    double stddev;              /* GaussianNoise */
    bool activity_regularizer;  /* activity_regularizer set (or ActivityRegularization) */
    bool noise_shape;           /* Dropout's noise_shape set */
    int axis_raw;               /* Softmax: the axis as written */

    /* The activity regularizer on the layer's output, after its activation:
     * act_l1 * sum |y| + act_l2 * sum y^2, divided by the batch size where
     * the Keras that wrote the file divides (act_batch_mean: Keras 1 and
     * tf.keras 2; standalone Keras 2.0-2.3 and Keras 3 do not). */
    double act_l1, act_l2;
    bool act_batch_mean;
    /* BatchNormalization: the moving variance learns the batch variance
     * with Bessel's correction, m / (m - (1 + epsilon)) (standalone Keras
     * 2.1.3 to 2.3.1); else the biased batch variance. */
    bool bn_unbiased;
    /* Dropout, AlphaDropout and the SpatialDropouts: the noise shape, batch
     * axis first (noise_rank = sample rank + 1 once checked); -1 for None
     * (the input's size). */
    int noise_rank;
    long noise[MAX_RANK + 1];
} Layer;

typedef struct Value {
    Shape shape;
    int producer;               /* layer index, -1 for the model input */
} Value;

typedef struct KerasConfig {
    DType floatx;
    DataFormat image_data_format;
    double epsilon;
    char *source;               /* the file it came from, or NULL */
} KerasConfig;

typedef struct Model {
    Diag *diag;
    const char *file;           /* the model file, as given */
    char *name;                 /* the model's name in the file */
    char *schema;               /* "Keras 2", "Keras 3", "TF.js layers-model" */
    int keras_major;            /* 1, 2 or 3: semantics that changed */
    cJSON *root;                /* owns every cJSON pointer in the model */

    Layer *layers;
    int nlayers;
    Value *values;
    int nvalues;
    int input;                  /* value id */
    int output;                 /* value id */
    Shape input_shape;          /* -1 marks an unknown size */
    bool has_input_shape;
    const Layer *input_shape_layer; /* where it was given, for messages */
    const char *input_shape_key;
    bool input_shape_override;  /* --input-shape: replaces the above */

    KerasConfig config;         /* image_data_format, epsilon, floatx */
    DType dtype;

    char **inputs;              /* every file read: for --depfile */
    int ninputs;

    const cJSON *manifest;      /* TF.js weightsManifest, if any */
    const cJSON *training_config; /* Keras's compile settings, if the file has them */
    bool weights_bound;         /* params hold trained weights */
    bool blas;                  /* --blas: kernels call CBLAS (their scratch differs) */
    char *weights_from;         /* the file they came from */
} Model;

/* Diagnostics about a layer: "file: layers[2] "dense" (Dense): path: ..." */
void layer_error(Model *m, const Layer *l, const char *path, const char *fmt, ...)
    KCC_PRINTF(4, 5);
void model_error(Model *m, const char *path, const char *fmt, ...) KCC_PRINTF(3, 4);

void model_free(Model *m);
void model_add_input(Model *m, const char *path);
long model_param_count(const Model *m, bool trainable);

/* ---- config.c ---------------------------------------------------------- */

/* Loads Keras's configuration: path if given, else $KERAS_HOME/keras.json,
 * else ~/.keras/keras.json; a missing default file means Keras's defaults.
 * Returns false after reporting a problem. */
bool keras_config_load(KerasConfig *kc, Diag *d, const char *path);

/* ---- parse.c: reading layer configs ----------------------------------- */

/* Reads one layer's config object, remembering which keys were used so
 * that cfg_finish can report every key kcc does not understand. */
typedef struct CfgReader {
    Model *m;
    Layer *l;
    const cJSON *obj;
    bool used[256];
} CfgReader;

/* The value of the first of the given keys present (NULL-terminated list),
 * marking them all used; *key_out gets the key found.  JSON null counts as
 * absent. */
const cJSON *cfg_take(CfgReader *r, const char **key_out, ...);
/* Marks keys as understood without looking at them. */
void cfg_ignore(CfgReader *r, ...);
long cfg_int(CfgReader *r, const char *key, long def, long lo, long hi);
double cfg_num(CfgReader *r, const char *key, double def, double lo, double hi);
bool cfg_bool(CfgReader *r, const char *key, bool def);
const char *cfg_str(CfgReader *r, const char *key, const char *def);
/* An activation name (or null = linear) into *act. */
void cfg_activation(CfgReader *r, const char *key, Act *act);
/* A Keras initializer object or name into p's init. */
void cfg_initializer(CfgReader *r, Param *p, const char *key, const char *key1,
                     const char *def);
/* A Keras regularizer (L1, L2, L1L2, Keras 1's WeightRegularizer) into p. */
void cfg_regularizer(CfgReader *r, Param *p, const char *key, const char *key1);
DataFormat cfg_data_format(CfgReader *r);
void cfg_finish(CfgReader *r);

/* Reads a model file (either format).  Returns NULL after reporting. */
Model *parse_model(Diag *d, const char *file, const KerasConfig *kc);

/* ---- ops.c ------------------------------------------------------------- */

enum {
    OPF_IDENTITY = 1 << 0,    /* inference: output is the input (Dropout) */
    OPF_VIEW = 1 << 1,        /* output is the input's memory (Reshape) */
    OPF_ACTIVATION = 1 << 2,  /* an activation: fusible into an epilogue */
    OPF_EPILOGUE = 1 << 3,    /* accepts fused activations (Dense) */
    OPF_INPUT = 1 << 4,       /* InputLayer */
    OPF_OWN_ACTIVATION = 1 << 5 /* has an "activation" option of its own (Dense) */
};

struct Step;
struct Emit;
struct TStep;
struct TEmit;

/* One row per Keras layer type.  Adding a layer means: a template in
 * templates/, a row here, its functions in ops.c, and its tests. */
typedef struct OpDef {
    const char *name;           /* Keras class_name */
    unsigned flags;
    /* Reads config keys into the layer; reports problems through r. */
    void (*parse)(CfgReader *r, Layer *l);
    /* Output shape and parameter shapes from the input shape.  Reports
     * problems with layer_error and returns false. */
    bool (*infer)(Model *m, Layer *l, const Shape *in, Shape *out);
    /* Multiply-accumulates per sample. */
    long (*macs)(const Model *m, const Layer *l);
    /* Writes the step's function (NULL for views and identities). */
    void (*emit)(struct Emit *e, const struct Step *s);
    /* Is the view a plain reinterpretation (no data movement)? */
    bool (*is_view)(const Model *m, const Layer *l);
    /* Inference: floats of scratch the kernel needs (im2col, ...), placed
     * by the memory plan; the kernel then takes it as a third argument.
     * NULL for none. */
    long (*scratch)(const Model *m, const Layer *l);
    /* Training: floats of scratch one step needs for a batch of that many
     * samples (a dropout mask, batch statistics, ...); NULL for none. */
    long (*train_aux)(const Model *m, const Layer *l, int batch);
    /* Training: writes <fn>_forward and <fn>_backward with the standard
     * signatures (see templates/train_dense.c.in); NULL: not trainable yet. */
    void (*train_emit)(struct TEmit *te, const struct TStep *s);
} OpDef;

const OpDef *op_lookup(const char *class_name);
/* The families of layers beyond ops.c's, each a table ended by a row
 * without a name: convolutions (ops_conv.c), pooling, padding, cropping
 * and upsampling (ops_pool.c), normalization and noise (ops_norm.c). */
extern const OpDef conv_ops[], pool_ops[], norm_ops[];
/* ops_pool.c: writes a pooling, padding, cropping or upsampling layer's
 * options into config as Keras 2 writes them, and returns its Keras 2
 * class name (never an alias); NULL for a layer of another family. */
const char *pool_keras_config(const Layer *l, cJSON *config);
/* ops_conv.c: likewise for a convolution (Keras 1's names become Keras
 * 2's), all but the weights' initializers, regularizers and constraints. */
const char *conv_keras_config(const Layer *l, cJSON *config);
/* Every layer type kcc compiles (class names, NULL-terminated). */
const char *const *op_names(void);
/* The op that copies a tensor (a model whose output is its input). */
const OpDef *op_copy(void);
/* Helpers for the rows of every family. */
/* Declares the layer's next parameter (zeros-initialized, trainable when
 * the layer is). */
Param *layer_add_param(Layer *l, const char *name, bool trainable);
/* The layer's parameter of that name: its index (or -1), the parameter
 * (or NULL). */
int layer_param_index(const Layer *l, const char *name);
Param *layer_find_param(Layer *l, const char *name);
/* Reads the keys that matter only for training: kernel and bias
 * regularizers (after the parameters are declared), the activity
 * regularizer, and constraints (ignored). */
void layer_training_keys(CfgReader *r, Layer *l);
/* The shape rule of a layer whose output is shaped like its input. */
bool op_same_infer(Model *m, Layer *l, const Shape *in, Shape *out);
/* v in decimal, into buf[32]. */
const char *op_num(char *buf, long v);
/* Layer types kcc knows of but does not support yet, for messages. */
bool op_known_unsupported(const char *class_name);
/* A known layer type close to an unknown one ("Dence" -> "Dense"), or NULL. */
const char *op_suggest(const char *class_name);

/* ops_conv.c's matrix multiply (templates/gemm.c.in), written into out
 * once (*emitted), before the first kernel that calls it; training code
 * gets templates/train_threads.c.in with it. */
void gemm_library(StrBuf *out, bool *emitted, const char *ctype, bool training);
/* Training: blocks of per_block multiply-adds that a thread takes at a
 * time from a parallel loop. */
long par_chunk(long per_block);
/* Training: does the layer's op apply its own activation (a Conv's relu)
 * in its step, rather than in a step of its own? */
bool train_fuses_act(const Layer *l);

/* ops_norm.c's helpers for the other stages. */
/* activity_regularizer into l->act_l1, act_l2, act_batch_mean. */
void activity_regularizer_parse(CfgReader *r, Layer *l);
/* Dropout's noise_shape into l->noise (checked against the input later). */
void noise_shape_parse(CfgReader *r, Layer *l);
/* Training: is the noise shape right for the layer's input?  Reports. */
bool noise_shape_check(Model *m, const Layer *l);
/* Training: Dropout with a noise_shape. */
void dropout_noise_train(struct TEmit *te, const struct TStep *s);
/* BatchNormalization at inference as y = scale * x + shift, channel c:
 * false when the layer's parameters are not bound. */
bool bn_affine(const Layer *bn, long c, double *scale, double *shift);
/* The Keras 2 JSON config of a layer of ops_norm.c (into c); false for
 * another layer. */
bool norm_keras_config(const Model *m, const Layer *l, cJSON *c);
/* A layer's activity_regularizer as Keras 2 JSON (null when none). */
cJSON *activity_regularizer_json(const Layer *l);

/* ---- spatial.c --------------------------------------------------------- */

typedef enum Padding { PAD_VALID, PAD_SAME, PAD_CAUSAL } Padding;

/* A size option given as an integer or a list of n integers, each at least
 * lo ("kernel_size", "strides"); def when absent.  Reports and returns
 * false when malformed. */
bool cfg_ints(CfgReader *r, const char *key, int n, const int *def, int lo, int *out);
/* "padding": valid, same, and causal where allowed (Conv1D). */
Padding cfg_padding(CfgReader *r, bool causal_ok);
/* Keras 1's dim_ordering value v: "tf", "th", or "default" (keras.json's
 * format); anything else is an error at config.dim_ordering, and def. */
DataFormat cfg_dim_ordering(CfgReader *r, const cJSON *v, DataFormat def);
/* A sample's n spatial sizes (dims[3], 1 beyond n) and channels, in a
 * format; reports a wrong rank. */
bool spatial_of(Model *m, const Layer *l, const Shape *in, int n, DataFormat f, long *dims,
                long *channels);
/* The sample shape of n spatial sizes and channels in a format. */
Shape spatial_shape(int n, const long *dims, long channels, DataFormat f);
/* TensorFlow's output size along one axis, and the padding before and
 * after it ("same": the odd one after; "causal": all before). */
long conv_out(long in, int kernel, int stride, int dilation, Padding p, long *before, long *after);
/* Index strides of a sample in a layout: *cs for the channel, ss[3] for
 * the spatial axes (padded to three). */
void layout_strides(int n, const long *dims, long channels, DataFormat f, long *cs, long *ss);

/* ---- shape.c ----------------------------------------------------------- */

bool infer_shapes(Model *m);
/* --input-shape's text ("28,28,1" or "28x28x1") into s; false when it is
 * not sizes of at least 1. */
bool input_shape_parse(const char *text, Shape *s);
/* The input shape given on the command line: it may fill in the sizes the
 * model leaves unknown (None), not change those it gives.  Reports a
 * conflict, naming both shapes. */
bool input_shape_give(Model *m, const Shape *given);

/* ---- weights.c --------------------------------------------------------- */

/* The most parameters kcc compiles (summary has no limit): 2^28, a 1 GiB
 * float32 model and about 4 GiB of C source. */
#define MAX_COMPILED_PARAMS (1L << 28)
/* The most bytes the weights of a manifest may take in their shards: as
 * many float32 values. */
#define MAX_MANIFEST_BYTES (4L * MAX_COMPILED_PARAMS)

/* Binds the weights of a TF.js manifest (weights_file's, or the model's
 * own when weights_file is NULL and it has one), or else initializes every
 * parameter from its initializer with the given seed. */
bool load_weights(Model *m, const char *weights_file, uint64_t seed);

/* float16 bits to a double; exposed for tests. */
double half_to_double(uint16_t h);

/* ---- fuse.c ------------------------------------------------------------ */

typedef struct Step {
    const Layer *layer;         /* the layer computed */
    const OpDef *op;
    Act epilogue[MAX_EPILOGUE]; /* activations fused after the op */
    const Layer *fused[MAX_EPILOGUE]; /* the layers they came from */
    Shape eshape[MAX_EPILOGUE]; /* the shape each activation sees */
    int nepilogue;
    const Layer *folded[MAX_EPILOGUE]; /* BatchNormalizations folded into the op */
    int nfolded;
    int in, out;                /* value ids */
    int scratch;                /* buffer id of the op's scratch, or -1 */
} Step;

typedef enum BufKind { BUF_ARENA, BUF_INPUT, BUF_OUTPUT } BufKind;

typedef struct Buffer {
    BufKind kind;
    long size;                  /* elements */
    int first, last;            /* steps that write first and read last */
    long offset;                /* elements into the arena */
} Buffer;

typedef struct Plan {
    Model *m;
    Step *steps;
    int nsteps;
    /* Layers the plan made for its steps (owned, with their parameters):
     * an op with a BatchNormalization folded into its kernel and bias, a
     * standalone BatchNormalization as a per-channel scale and shift.  The
     * steps' layers, not the model's, say which parameters the code has. */
    Layer **owned;
    int nowned;
    long weights;               /* elements of the steps' parameters */
    int *value_buf;             /* value id -> buffer id */
    Buffer *bufs;
    int nbufs;
    long arena;                 /* elements */
    long macs;                  /* per sample */
} Plan;

Plan *fuse_model(Model *m);
void plan_free(Plan *p);

/* ---- memplan.c --------------------------------------------------------- */

/* Assigns arena offsets: buffers whose lifetimes overlap never share
 * memory; the arena is as small as a greedy best-fit finds. */
void plan_memory(Plan *p);

/* ---- writer.c ---------------------------------------------------------- */

/* Expands {{KEY}} placeholders in a template.  A value with several lines
 * is indented like its placeholder; a placeholder alone on its line whose
 * value is empty removes the line.  A missing key is an internal error. */
void template_expand(StrBuf *out, const char *tmpl, const char *const *kv);
/* The text of templates/<name>.in ("dense.c"), embedded at build time. */
const char *template_get(const char *name);

/* Writes files all-or-nothing: each goes to a temporary file beside its
 * destination and is renamed into place only when all were written;
 * character devices and FIFOs are written in place, directories and
 * other special files refused (runtime/files.c). */
typedef struct OutFile {
    const char *path;
    const char *data;
    size_t len;
} OutFile;

bool write_files_atomic(Diag *d, const OutFile *files, int n);

/* Would writing a and b write the same file?  When both exist: the same
 * file, whatever the spelling (./x.c, a/../x.c, links, hard links); when
 * neither does: the same path once links are followed and directories
 * resolved.  A device or FIFO is never the same output: what is written
 * to it goes through, one file after the other. */
bool same_output(const char *a, const char *b);

/* A file a command writes or reads, for check_clobber. */
typedef struct FileRole {
    const char *path;           /* NULL: none */
    const char *role;           /* for messages: "-o", "the header", "the model" */
    int group;                  /* nonzero: an output may replace an input of its group */
} FileRole;

/* Refuses, with a diagnostic each, two outputs that are the same file
 * and an output that would overwrite an input (same_output). */
bool check_clobber(Diag *d, const FileRole *outs, int nouts, const FileRole *ins, int nins);

/* Writes data to stdout and flushes it; a failure (a full disk, a closed
 * pipe) is a diagnostic, reported once. */
bool stdout_write(Diag *d, const char *data, size_t len);
/* Flushes stdout: false, with a diagnostic, if it or any earlier output to
 * it failed.  kcc's last act before it exits. */
bool stdout_flush(Diag *d);

/* Installs kcc's handler of SIGHUP, SIGINT, SIGPIPE and SIGTERM (those not
 * ignored): it removes what kcc is writing (temporary files, the training
 * code's build directory, jit_abandon) and lets the signal end kcc. */
void remove_temporaries_on_signals(void);
/* Blocks those signals while a child process is started; unblock brings
 * back the mask from before. */
void fatal_signals_block(void);
void fatal_signals_unblock(void);
/* In a child before exec: kcc's handler of them back to the default. */
void fatal_signals_default(void);

/* ---- emit_c.c ---------------------------------------------------------- */

typedef enum WeightsMode { WEIGHTS_EMBED, WEIGHTS_SEPARATE, WEIGHTS_RUNTIME } WeightsMode;

typedef struct EmitOptions {
    const char *prefix;         /* API prefix, a C identifier */
    WeightsMode weights;
    const char *source_name;    /* "model.c" */
    const char *header_name;    /* "model.h", as #included */
    const char *weights_file;   /* runtime: the weight file's name */
    const char *command_line;
    bool blas;                  /* --blas: im2col's matrix multiplies call CBLAS */
} EmitOptions;

typedef struct EmitResult {
    StrBuf source;              /* model.c */
    StrBuf header;              /* model.h */
    StrBuf weights_source;      /* model_weights.c (separate) */
    StrBuf weights_blob;        /* the weight file (runtime) */
} EmitResult;

/* The C dialect: element type, literal and libm suffixes. */
typedef struct Dialect {
    const char *ctype;          /* "float" */
    const char *lit;            /* "f" */
    const char *fn;             /* "f": expf */
    int digits;                 /* 9 or 17: round-trips */
} Dialect;

/* What an op's emit function writes with. */
typedef struct Emit {
    const Plan *plan;
    const Dialect *dl;
    const EmitOptions *opt;
    StrBuf *out;                /* the kernels section */
    char **param_expr;          /* [layer * MAX_PARAMS + k]: C expression */
    const Layer **layers;       /* the layers whose parameters the code holds */
    int nlayers;
    bool act_used[ACT__COUNT];  /* helpers to emit */
    bool blas_used;             /* a kernel calls CBLAS: include <cblas.h> */
    bool gemm_emitted;          /* templates/gemm.c.in is in the kernels already */
} Emit;

/* A literal of the dialect's type: "0.5f", "1e-05f", "2.0f". */
void emit_literal(StrBuf *sb, const Dialect *dl, double v);
/* The C expression naming a parameter's data. */
const char *emit_param(const Emit *e, const Layer *l, int param);
/* "l1_dense" */
const char *emit_fn_name(const Step *s);
/* The block comment above a step's function. */
void emit_step_comment(Emit *e, const Step *s);
/* Applies acts[0..n) element-wise to expression x: "act_relu(act_x(x))". */
void emit_act_expr(Emit *e, StrBuf *sb, const Act *acts, int n, const char *x);
/* The statements applying a step's epilogue: the first activation reads
 * x and writes y (x may be y), the others work in place on y.  count, if
 * not 0, overrides the number of elements (for an element-wise epilogue
 * applied row by row).  The text ends without a newline. */
void emit_epilogue(Emit *e, StrBuf *sb, const Step *s, const char *x, const char *y, long count);
/* Is every activation of the step's epilogue element-wise? */
bool epilogue_elementwise(const Step *s);

/* Expands templates/<tmpl>.in ("dense.c") for a step into the kernels section.
 * kv is a NULL-terminated list of KEY, value pairs; FN, COMMENT, T, L, F
 * and, unless kv has its own, EPILOGUE (the step's fused activations on y,
 * in place) come free. */
void emit_kernel(Emit *e, const Step *s, const char *tmpl, const char *const *kv);

bool emit_c(const Plan *p, const EmitOptions *opt, EmitResult *res);

/* ---- emit_train.c ------------------------------------------------------ */

/* A step of the training code: a layer's op, an activation (a layer's or
 * the activation of a Dense), or a copy (a model of views only). */
typedef enum TKind { T_OP, T_ACT, T_COPY } TKind;

typedef struct TStep {
    TKind kind;
    const Layer *layer;
    Act act;                    /* T_ACT */
    int in, out;                /* buffer ids; -1: the caller's input */
    Shape in_shape, out_shape;  /* one sample */
    long aux, aux_size;         /* its scratch in work: offset, floats */
    const char *suffix;         /* "" or "_act" */
} TStep;

/* What an op's train_emit writes with. */
typedef struct TEmit {
    const Model *m;
    StrBuf *out;
    const long *param_offset;   /* [layer * MAX_PARAMS + k]: in the parameters */
    bool act_used[ACT__COUNT];
    bool grad_used[ACT__COUNT];
    int batch;                  /* the largest batch */
    bool gemm_emitted;          /* templates/gemm.c.in is in the kernels already */
} TEmit;

/* The offset of layer l's parameter k in the parameter array. */
long train_param(const TEmit *te, const Layer *l, int k);
/* Expands templates/<tmpl>.in for a step; FN, COMMENT and SIZE (floats of
 * one output sample) come free, kv (NULL-terminated) adds. */
void train_kernel(TEmit *te, const TStep *s, const char *tmpl, const char *const *kv);

/* The model compiled for training (a kcc_model_def, see kcc.h) with up to
 * batch samples a call: source and header into res.  Reports what
 * training does not support yet and returns false. */
bool emit_train(Model *m, const EmitOptions *opt, int batch, EmitResult *res);
/* Floats of work memory emit_train's model needs, or -1. */
long train_work_floats(Model *m, int batch);

/* ---- jit.c ------------------------------------------------------------- */

/* The training code of a model, compiled by $CC and loaded. */
typedef struct Jit {
    char *dir;                  /* its files' directory, when KCC_KEEP_JIT keeps it */
    void *handle;
    const kcc_model_def *def;
} Jit;

/* threads: how many the training code runs on (0: $KCC_THREADS, else
 * OpenMP's default, one a core; 1: compiled without OpenMP). */
bool jit_load(Diag *d, Model *m, int batch, int threads, Jit *jit);
void jit_unload(Jit *jit);
/* From a signal handler (async-signal-safe): stops $CC and removes the
 * build directory of a jit_load in progress. */
void jit_abandon(void);

/* ---- cli_train.c ------------------------------------------------------- */

/* kcc fit | evaluate | predict | plot: argv[1] is the command. */
int cli_train(int argc, char **argv);

/* ---- emit_keras.c ------------------------------------------------------ */

/* The model's topology as Keras 2 JSON, the schema TF.js reads (caller
 * frees). */
char *keras_json(const Model *m);
void emit_result_free(EmitResult *r);
/* Pieces of a layer's Keras 2 config, for the family files: an
 * initializer object, a regularizer (L1L2, or null), an array of ints. */
cJSON *initializer_json(const kcc_initializer *in);
cJSON *regularizer_json(const Param *p);
cJSON *ints_json(int n, const int *v);

/* ---- summary.c --------------------------------------------------------- */

/* The Keras-style table and kcc's figures, into sb (also used in the
 * generated file's header comment, with line_prefix " * "). */
void summary_write(StrBuf *sb, const Plan *p, const char *line_prefix);
/* The memory kcc_fit needs at this batch size: parameters, gradients,
 * optimizer slots (optimizer: a name, or NULL for the model's training
 * config or Adam), saved activations and the trainer's batch buffers. */
bool summary_training(StrBuf *sb, Model *m, int batch, const char *optimizer);

#endif /* KCC_COMPILER_H */
