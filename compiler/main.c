/*
 * main.c - the kcc command line.
 *
 *   kcc [options] MODEL -o OUT.c     compile a model to C
 *   kcc summary [options] MODEL      print the model table and sizes
 *
 * Exit status: 0 on success, 1 on any error (bad model, bad usage, I/O).
 * Nothing is written unless everything succeeded.
 */
#define _POSIX_C_SOURCE 200809L
#include "compiler.h"

#include "files.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
    "usage: kcc [options] MODEL -o OUT.c\n"
    "       kcc summary [options] MODEL\n"
    "       kcc fit | evaluate | predict | plot ...   (kcc fit --help)\n"
    "       kcc layers              the Keras layer types kcc compiles\n"
    "       kcc --help | --version\n"
    "\n"
    "Compiles a Keras model to self-contained C99: OUT.c and OUT.h, with no\n"
    "malloc, no stdio and no dependency beyond libm.  MODEL is Keras JSON\n"
    "(model.to_json(), Keras 1, 2 or 3) or a TF.js layers-model model.json\n"
    "with its weight shards.\n"
    "\n"
    "Options:\n"
    "  -o FILE              the C file to write; the header goes beside it (a\n"
    "                       device or FIFO such as /dev/stdout gets the C alone)\n"
    "  --name PREFIX        prefix of the generated API (default: the model's name)\n"
    "  --weights MODE       embed: static const arrays in OUT.c (default)\n"
    "                       separate: const arrays in OUT_weights.c\n"
    "                       runtime: OUT.weights, loaded with PREFIX_load_weights()\n"
    "  --load-weights FILE  take the weights from a TF.js model.json (bound by name)\n"
    "  --seed N             seed for initializing a model without weights (default 0)\n"
    "  --input-shape D,...  the input shape without the batch axis, e.g. 28,28,1\n"
    "  --floatx TYPE        float32 or float64 (default: keras.json's floatx)\n"
    "  --keras-config FILE  Keras's keras.json (default: $KERAS_HOME/keras.json,\n"
    "                       else ~/.keras/keras.json)\n"
    "  --depfile FILE       also write a make-style dependency file\n"
    "  --blas               convolutions' matrix multiplies call cblas_sgemm (dgemm):\n"
    "                       the program then links a CBLAS such as OpenBLAS\n"
    "  --train              compile for training (OUT.c defines PREFIX_def, a\n"
    "                       kcc_model_def for the runtime library's kcc_fit)\n"
    "  --batch-size N       training: the largest batch (default 32); with summary,\n"
    "                       also the memory training needs at that batch size\n"
    "  --optimizer NAME     summary: the optimizer whose state to count (default:\n"
    "                       the model's training config, else adam)\n"
    "  -h, --help           show this help\n"
    "  --version            show kcc's version\n"
    "\n"
    "Exit status: 0 on success, 1 on any error.\n";

typedef struct Options {
    bool summary;
    const char *model;
    const char *output;
    const char *name;
    WeightsMode weights;
    const char *load_weights;
    uint64_t seed;
    bool seed_given;
    const char *input_shape;
    Shape shape;                /* parsed --input-shape */
    const char *floatx;
    const char *keras_config;
    const char *depfile;
    bool train;
    int batch_size;
    bool batch_given;
    const char *optimizer;      /* summary: whose slots to count */
    bool blas;                  /* --blas */
} Options;

static int usage_error(Diag *d, const char *fmt, ...) KCC_PRINTF(2, 3);

static int usage_error(Diag *d, const char *fmt, ...)
{
    StrBuf sb = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    diag_error(d, "%s (see kcc --help)", sb.data);
    sb_free(&sb);
    return 1;
}

/* "--opt value" or "--opt=value". */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *matched = false;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=') {
        *matched = true;
        return a + n + 1;
    }
    if (a[n] != '\0')
        return NULL;
    *matched = true;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int parse_args(Diag *d, int argc, char **argv, Options *o)
{
    static const char *const with_value[] = {
        "-o", "--name", "--weights", "--load-weights", "--seed", "--input-shape",
        "--floatx", "--keras-config", "--depfile", "--batch-size", "--optimizer",
    };
    int i = 1;
    if (i < argc && strcmp(argv[i], "summary") == 0) {
        o->summary = true;
        i++;
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("kcc %s\n", KCC_VERSION);
            return -1;
        }
        if (strcmp(a, "--train") == 0) {
            o->train = true;
            continue;
        }
        if (strcmp(a, "--blas") == 0) {
            o->blas = true;
            continue;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (o->model)
                usage_error(d, "more than one model file given: '%s'", a);
            o->model = a;
            continue;
        }
        const char *v = NULL;
        size_t k;
        bool matched = false;
        for (k = 0; k < sizeof with_value / sizeof *with_value; k++) {
            v = option_value(argc, argv, &i, with_value[k], &matched);
            if (matched)
                break;
        }
        if (!matched) {
            usage_error(d, "unknown option '%s'", a);
            continue;
        }
        if (!v) {
            usage_error(d, "option '%s' needs a value", a);
            continue;
        }
        const char *opt = with_value[k];
        if (strcmp(opt, "-o") == 0) {
            o->output = v;
        } else if (strcmp(opt, "--name") == 0) {
            o->name = v;
            if (!valid_identifier(v))
                usage_error(d, "--name: '%s' is not a C identifier (a letter, then letters, "
                               "digits, single underscores; at most 63; not a keyword)", v);
        } else if (strcmp(opt, "--weights") == 0) {
            if (strcmp(v, "embed") == 0)
                o->weights = WEIGHTS_EMBED;
            else if (strcmp(v, "separate") == 0)
                o->weights = WEIGHTS_SEPARATE;
            else if (strcmp(v, "runtime") == 0)
                o->weights = WEIGHTS_RUNTIME;
            else
                usage_error(d, "--weights: expected embed, separate or runtime, got '%s'", v);
        } else if (strcmp(opt, "--load-weights") == 0) {
            o->load_weights = v;
        } else if (strcmp(opt, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || errno || v[0] == '-')
                usage_error(d, "--seed: expected a non-negative integer, got '%s'", v);
            o->seed = (uint64_t)s;
            o->seed_given = true;
        } else if (strcmp(opt, "--input-shape") == 0) {
            o->input_shape = v;
            if (!input_shape_parse(v, &o->shape))
                usage_error(d, "--input-shape: expected sizes like 28,28,1, got '%s'", v);
        } else if (strcmp(opt, "--floatx") == 0) {
            if (strcmp(v, "float16") == 0 || strcmp(v, "bfloat16") == 0)
                usage_error(d, "--floatx: %s is not supported yet; use float32 or float64", v);
            else if (strcmp(v, "float32") != 0 && strcmp(v, "float64") != 0)
                usage_error(d, "--floatx: expected float32 or float64, got '%s'", v);
            o->floatx = v;
        } else if (strcmp(opt, "--keras-config") == 0) {
            o->keras_config = v;
        } else if (strcmp(opt, "--depfile") == 0) {
            o->depfile = v;
        } else if (strcmp(opt, "--batch-size") == 0) {
            char *end;
            errno = 0;
            long b = strtol(v, &end, 10);
            if (!*v || *end || errno || b < 1 || b > 1000000)
                usage_error(d, "--batch-size: expected a positive integer, got '%s'", v);
            else
                o->batch_size = (int)b;
            o->batch_given = true;
        } else if (strcmp(opt, "--optimizer") == 0) {
            o->optimizer = v;
        }
    }
    if (!o->model)
        usage_error(d, "no model file given");
    if (!o->summary && !o->output)
        usage_error(d, "no output file given: use -o OUT.c");
    if (o->summary && (o->output || o->depfile))
        usage_error(d, "kcc summary writes no files; drop -o and --depfile");
    if (o->train && o->weights != WEIGHTS_EMBED)
        usage_error(d, "--weights is for inference code; with --train the weights are the "
                       "initial parameters, compiled in");
    if (o->train && o->blas)
        usage_error(d, "--blas is for inference code; training code has its own kernels");
    if (o->batch_size == 0)
        o->batch_size = 32;
    return d->errors ? 1 : 0;
}

/* "kcc a b": the command as given, with arguments quoted when needed. */
static char *command_line(int argc, char **argv)
{
    StrBuf sb = {0};
    sb_add(&sb, "kcc");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/=:+", *c))
                plain = false;
        if (plain) {
            sb_printf(&sb, " %s", a);
        } else {
            sb_add(&sb, " '");
            for (const char *c = a; *c; c++) {
                if (*c == '\'')
                    sb_add(&sb, "'\\''");
                else
                    sb_addn(&sb, c, 1);
            }
            sb_add(&sb, "'");
        }
    }
    return sb.data;
}

static char *with_suffix(const char *path, const char *strip, const char *add)
{
    size_t n = strlen(path), s = strlen(strip);
    if (n > s && strcmp(path + n - s, strip) == 0)
        n -= s;
    return xformat("%.*s%s", (int)n, path, add);
}

/* Appends path to a make rule so that GNU make and Ninja read it back as
 * it is, as gcc -MD writes it: a space as "\\ " (the backslashes just
 * before it, and before the end of the path, doubled), '#' as "\\#", '$'
 * as "$$", and ':' as "\\:" as well.  A control character (a newline would
 * end the rule and a tab start a recipe) cannot be written: false. */
static bool dep_escape(StrBuf *sb, const char *path)
{
    size_t backslashes = 0;
    for (const char *c = path; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < 0x20 || u == 0x7f)
            return false;
        if (*c == ' ')
            for (size_t i = 0; i <= backslashes; i++)
                sb_add(sb, "\\");
        else if (*c == '#' || *c == ':')
            sb_add(sb, "\\");
        else if (*c == '$')
            sb_add(sb, "$");
        sb_addn(sb, c, 1);
        backslashes = *c == '\\' ? backslashes + 1 : 0;
    }
    for (size_t i = 0; i < backslashes; i++)
        sb_add(sb, "\\");
    return true;
}

/* The files a compile writes: source, header, weights, depfile. */
typedef struct Outputs {
    char *header;
    char *weights;              /* NULL with --weights embed */
    bool stream;                /* -o is a device or FIFO: the source alone */
} Outputs;

/* Refuses, before any work, outputs that are the same file or would
 * replace the files read. */
static bool check_outputs(Diag *d, const Options *o, const Outputs *out)
{
    FileRole outs[] = {
        {o->output, "-o", 0}, {out->stream ? NULL : out->header, "the header", 0},
        {out->stream ? NULL : out->weights, "the weight file", 0}, {o->depfile, "--depfile", 0},
    };
    FileRole ins[] = {
        {o->model, "the model", 0}, {o->load_weights, "the --load-weights file", 0},
        {o->keras_config, "the --keras-config file", 0},
    };
    return check_clobber(d, outs, 4, ins, 3);
}

static int run(Diag *d, const Options *o, int argc, char **argv)
{
    Outputs out = {NULL, NULL, false};
    if (!o->summary) {
        /* A device or FIFO (-o /dev/null, -o /dev/stdout) gets the C source
         * alone: there is no "beside" it for the header and the weights. */
        out.stream = kcc_path_is_stream(o->output);
        out.header = with_suffix(o->output, ".c", ".h");
        out.weights = o->weights == WEIGHTS_SEPARATE ? with_suffix(o->output, ".c", "_weights.c")
                    : o->weights == WEIGHTS_RUNTIME  ? with_suffix(o->output, ".c", ".weights")
                                                     : NULL;
        if (!check_outputs(d, o, &out)) {
            free(out.header);
            free(out.weights);
            return 1;
        }
    }
    char *header = out.header, *wfile = out.weights;

    KerasConfig kc;
    if (!keras_config_load(&kc, d, o->keras_config)) {
        free(header);
        free(wfile);
        return 1;
    }
    if (o->floatx)
        kc.floatx = strcmp(o->floatx, "float64") == 0 ? DT_F64 : DT_F32;


    Model *m = parse_model(d, o->model, &kc);
    if (!m) {
        free(kc.source);
        free(header);
        free(wfile);
        return 1;
    }
    int rc = 1;
    Plan *p = NULL;
    if (o->input_shape && !input_shape_give(m, &o->shape))
        goto done;
    if (!infer_shapes(m))
        goto done;
    if (!o->summary) {
        if (!load_weights(m, o->load_weights, o->seed))
            goto done;
        if (!m->weights_bound && !o->seed_given)
            diag_note(d, "%s has no weights: parameters drawn from the model's initializers "
                         "with seed 0 (--seed)", o->model);
    }
    m->blas = o->blas;
    p = fuse_model(m);
    plan_memory(p);

    if (o->summary) {
        StrBuf sb = {0};
        summary_write(&sb, p, "");
        if (o->batch_given && !summary_training(&sb, m, o->batch_size, o->optimizer)) {
            sb_free(&sb);
            goto done;
        }
        rc = stdout_write(d, sb.data, sb.len) ? 0 : 1;
        sb_free(&sb);
        goto done;
    }

    char *prefix;
    if (o->name) {
        prefix = xstrdup(o->name);
    } else {
        prefix = c_identifier(m->name);
        for (char *c = prefix; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c + 32);
    }
    char *cmd = command_line(argc, argv);
    EmitOptions eo = {prefix, o->weights, o->output, header, wfile, cmd, o->blas};
    EmitResult res;
    if (o->train) {
        if (!emit_train(m, &eo, o->batch_size, &res)) {
            emit_result_free(&res);
            free(cmd);
            free(prefix);
            goto done;
        }
    } else {
        emit_c(p, &eo, &res);
    }

    OutFile files[4];
    int nfiles = 0;
    files[nfiles++] = (OutFile){o->output, res.source.data, res.source.len};
    if (!out.stream) {
        files[nfiles++] = (OutFile){header, res.header.data, res.header.len};
        if (o->weights == WEIGHTS_SEPARATE)
            files[nfiles++] = (OutFile){wfile, res.weights_source.data, res.weights_source.len};
        if (o->weights == WEIGHTS_RUNTIME)
            files[nfiles++] = (OutFile){wfile, res.weights_blob.data, res.weights_blob.len};
    }
    StrBuf dep = {0};
    bool clash = false;
    if (o->depfile) {
        for (int i = 0; i < nfiles + m->ninputs; i++) {
            const char *path = i < nfiles ? files[i].path : m->inputs[i - nfiles];
            sb_add(&dep, i == 0 ? "" : i == nfiles ? ": " : " ");
            if (!dep_escape(&dep, path)) {
                char *f = safe_text(path);
                diag_error(d, "%s: --depfile: a file name with a control character cannot be "
                              "written into a make rule; rename the file", f);
                free(f);
                clash = true;
            }
        }
        sb_add(&dep, "\n");
        files[nfiles++] = (OutFile){o->depfile, dep.data, dep.len};
    }

    for (int i = 0; i < nfiles; i++)
        for (int k = 0; k < m->ninputs; k++)
            if (same_output(files[i].path, m->inputs[k])) {
                char *f = safe_text(files[i].path);
                diag_error(d, "%s: refusing to overwrite a file the model was read from", f);
                free(f);
                clash = true;
            }
    if (!clash && write_files_atomic(d, files, nfiles))
        rc = 0;

    sb_free(&dep);
    emit_result_free(&res);
    free(cmd);
    free(prefix);
done:
    free(wfile);
    free(header);
    plan_free(p);
    model_free(m);
    free(kc.source);
    return rc;
}

int main(int argc, char **argv)
{
    Diag d = {0, 0};
    int rc;
    remove_temporaries_on_signals();
    if (argc > 1 && (strcmp(argv[1], "fit") == 0 || strcmp(argv[1], "evaluate") == 0 ||
                     strcmp(argv[1], "predict") == 0 || strcmp(argv[1], "plot") == 0)) {
        rc = cli_train(argc, argv);
    } else if (argc == 2 && strcmp(argv[1], "layers") == 0) {
        for (const char *const *n = op_names(); *n; n++)
            puts(*n);
        rc = 0;
    } else {
        Options o;
        memset(&o, 0, sizeof o);
        rc = parse_args(&d, argc, argv, &o);
        if (rc < 0)
            rc = 0;
        else if (rc == 0)
            rc = run(&d, &o, argc, argv);
    }
    /* Whatever went to stdout must have arrived (kcc summary > FILE on a
     * full disk). */
    if (!stdout_flush(&d) && rc == 0)
        rc = 1;
    return rc;
}
