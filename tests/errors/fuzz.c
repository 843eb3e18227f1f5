/*
 * fuzz.c - kcc must survive any model file.
 *
 *   kcc_errors_fuzz --kcc KCC --work DIR --crashes DIR [--jobs N]
 *                   [--per-seed N] [--regress DIR] MODEL.json...
 *
 * Each MODEL.json (a valid model: the seeds) is mutated deterministically
 * -- cut short, bytes flipped, a character deleted, a chunk duplicated,
 * numbers replaced by -1, 0, 1e30 or huge strings, strings by other
 * layer types, dtypes and paths, containers by null, [] or {}, a few of
 * these at once, and the weight shard cut or lengthened -- and each
 * mutant is compiled beside a copy of the seed's .bin shards, in turn
 * with "kcc model.json -o out/out.c", the same with --weights separate,
 * with --weights runtime --floatx float64, and "kcc summary model.json".
 * Every run must
 *   - exit with status 0 or 1 (not a signal, not a sanitizer's status),
 *   - on status 1 say "kcc: error: ", leave no file in out/ and print
 *     nothing on stdout,
 *   - on status 0 write exactly the files of its mode (summary: none, but
 *     a table on stdout),
 *   - print no sanitizer report, internal error or "kcc: error: out of
 *     memory" (a model of a few kB never needs gigabytes).
 * A message that blames memory on such a small input is a warning.
 * The inputs in --regress DIR (earlier crashes) run unmutated.  A failing
 * input is saved under --crashes DIR/<seed>-<n>/ with its shards, the
 * command and kcc's stderr, so it can be rerun by hand.
 *
 * Exit status: 0 if every run passed, 1 otherwise, 2 on a usage error.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_JOBS = 16, MAX_SHARDS = 16 };

/* ---- small helpers ------------------------------------------------------ */

typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "fuzz: out of memory\n");
        exit(2);
    }
    return p;
}

static void buf_add(Buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static char *fmt(const char *f, ...);

static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    char *s = xrealloc(NULL, (size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

static bool read_all(const char *path, Buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char chunk[65536];
    size_t n;
    out->len = 0;
    buf_add(out, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, n);
    bool ok = !ferror(f);
    fclose(f);
    return ok;
}

static bool write_all(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = false;
    return ok;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz: %s %s: %s\n", what, path, strerror(errno));
    exit(2);
}

static void mkdir_p(const char *path)
{
    char *p = fmt("%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                die("cannot create", p);
            *s = '/';
        }
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        die("cannot create", p);
    free(p);
}

/* Removes the plain files in dir; returns how many there were. */
static int clear_dir(const char *dir, Buf *names)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (names) {
            if (names->len)
                buf_str(names, " ");
            buf_str(names, e->d_name);
        }
        char *p = fmt("%s/%s", dir, e->d_name);
        unlink(p);
        free(p);
        n++;
    }
    closedir(d);
    return n;
}

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t pick(uint64_t *s, size_t n) { return n ? (size_t)(splitmix(s) % n) : 0; }

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h;
}

/* ---- JSON tokens (enough to find numbers, strings, containers) ---------- */

typedef enum TokKind { TOK_NUMBER, TOK_STRING, TOK_CONTAINER } TokKind;

typedef struct Tok {
    TokKind kind;
    size_t start, end; /* [start, end) */
} Tok;

typedef struct Toks {
    Tok *t;
    int n, cap;
} Toks;

static void tok_add(Toks *ts, TokKind k, size_t a, size_t b)
{
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 64;
        ts->t = xrealloc(ts->t, sizeof *ts->t * (size_t)ts->cap);
    }
    ts->t[ts->n++] = (Tok){k, a, b};
}

static void scan(const char *s, size_t len, Toks *ts)
{
    size_t stack[256];
    int depth = 0;
    ts->n = 0;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < len && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            if (j >= len)
                return;
            tok_add(ts, TOK_STRING, i, j + 1);
            i = j + 1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i + 1;
            while (j < len && strchr("0123456789.eE+-", s[j]))
                j++;
            tok_add(ts, TOK_NUMBER, i, j);
            i = j;
        } else if (c == '[' || c == '{') {
            if (depth < 256)
                stack[depth] = i;
            depth++;
            i++;
        } else if (c == ']' || c == '}') {
            if (depth > 0) {
                depth--;
                if (depth < 256)
                    tok_add(ts, TOK_CONTAINER, stack[depth], i + 1);
            }
            i++;
        } else {
            i++;
        }
    }
}

/* Token k of a kind, chosen at random; false if there is none. */
static bool pick_tok(uint64_t *rng, const Toks *ts, TokKind kind, Tok *out)
{
    int n = 0;
    for (int i = 0; i < ts->n; i++)
        n += ts->t[i].kind == kind;
    if (n == 0)
        return false;
    int k = (int)pick(rng, (size_t)n);
    for (int i = 0; i < ts->n; i++)
        if (ts->t[i].kind == kind && k-- == 0) {
            *out = ts->t[i];
            return true;
        }
    return false;
}

/* ---- mutations ---------------------------------------------------------- */

static const char *const number_values[] = {
    "-1", "0", "1", "2", "3", "-0", "0.5", "-2.5", "65536", "1e30", "-1e30", "1e309",
    "-1e309", "1e-320", "2147483647", "2147483648", "4294967296", "9007199254740993",
    "99999999999999999999999999999999", "\"8\"", "\"\"", "null", "true", "[]", "{}",
    "[-1]", "[1e30, 1e30, 1e30]", "[65536, 65536, 65536, 65536, -1]",
};

static const char *const string_values[] = {
    "\"\"", "\"Dense\"", "\"Conv2D\"", "\"Reshape\"", "\"Softmax\"", "\"PReLU\"",
    "\"InputLayer\"", "\"Flatten\"", "\"Dropout\"", "\"Activation\"", "\"Lambda\"",
    "\"Sequential\"", "\"Functional\"", "\"Model\"", "\"float16\"", "\"float64\"",
    "\"int32\"", "\"uint8\"", "\"mixed_float16\"", "\"channels_first\"",
    "\"channels_last\"", "\"softmax\"", "\"log_softmax\"", "\"relu\"", "\"linear\"",
    "\"gelu\"", "\"../x.bin\"", "\"/etc/passwd\"", "\"weights.bin\"", "\"graph-model\"",
    "\"kernel\"", "\"bias\"", "\"dense/kernel\"", "\"a\\u0000b\"", "\"\\ud800\"",
    "\"tfjs-layers\"", "\"1.2.3\"", "\"3.0\"", "\"*?\\\\\\n\\u001b[31m\"", "\"units\"",
    "\"batch_input_shape\"", "\"variance_scaling\"", "\"fan_out\"", "\"uniform\"",
    "\"Orthogonal\"", "\"Identity\"", "\"Constant\"", "0", "null", "[]", "{}",
};

static const char *const container_values[] = {
    "null", "[]", "{}", "0", "\"\"", "[null]", "[[]]", "{\"\": null}",
};

static const char special_bytes[] = "\"{}[],:\\ 0-e.\n\t";

static void splice(Buf *b, size_t a, size_t e, const char *with, size_t wlen)
{
    Buf out = {0};
    buf_add(&out, b->data, a);
    buf_add(&out, with, wlen);
    buf_add(&out, b->data + e, b->len - e);
    free(b->data);
    *b = out;
}

/* One random edit of kind 1..6 (see mutate()). */
static void edit(Buf *b, int kind, uint64_t *rng, Toks *ts)
{
    if (b->len == 0)
        return;
    Tok t;
    switch (kind) {
    case 1: { /* flip a byte */
        size_t p = pick(rng, b->len);
        if (splitmix(rng) & 1)
            b->data[p] ^= (char)(1u << pick(rng, 8));
        else
            b->data[p] = special_bytes[pick(rng, sizeof special_bytes - 1)];
        break;
    }
    case 2: { /* delete a character, often a structural one */
        size_t p = pick(rng, b->len);
        if (splitmix(rng) & 1)
            for (size_t k = 0; k < b->len; k++) {
                size_t q = (p + k) % b->len;
                if (strchr("{}[],:\"", b->data[q])) {
                    p = q;
                    break;
                }
            }
        splice(b, p, p + 1, "", 0);
        break;
    }
    case 3: { /* duplicate a chunk */
        size_t a = pick(rng, b->len);
        size_t n = 1 + pick(rng, 80);
        if (a + n > b->len)
            n = b->len - a;
        size_t at = (splitmix(rng) & 1) ? a + n : pick(rng, b->len + 1);
        char *chunk = xrealloc(NULL, n);
        memcpy(chunk, b->data + a, n);
        splice(b, at, at, chunk, n);
        free(chunk);
        break;
    }
    case 4: /* a number */
        scan(b->data, b->len, ts);
        if (pick_tok(rng, ts, TOK_NUMBER, &t)) {
            const char *v = number_values[pick(rng, sizeof number_values / sizeof *number_values)];
            splice(b, t.start, t.end, v, strlen(v));
        }
        break;
    case 5: /* a string (a key or a value) */
        scan(b->data, b->len, ts);
        if (pick_tok(rng, ts, TOK_STRING, &t)) {
            size_t nv = sizeof string_values / sizeof *string_values;
            size_t k = pick(rng, nv + 1);
            if (k == nv) { /* a long one */
                Buf s = {0};
                buf_str(&s, "\"");
                for (int i = 0; i < 5000; i++)
                    buf_str(&s, "x");
                buf_str(&s, "\"");
                splice(b, t.start, t.end, s.data, s.len);
                free(s.data);
            } else {
                splice(b, t.start, t.end, string_values[k], strlen(string_values[k]));
            }
        }
        break;
    case 6: /* a whole list or object */
        scan(b->data, b->len, ts);
        if (pick_tok(rng, ts, TOK_CONTAINER, &t)) {
            const char *v =
                container_values[pick(rng, sizeof container_values / sizeof *container_values)];
            splice(b, t.start, t.end, v, strlen(v));
        }
        break;
    default:
        break;
    }
}

typedef struct Mutant {
    Buf json;
    int shard;          /* index of the shard replaced, or -1 */
    Buf shard_data;
    char what[96];
} Mutant;

typedef struct Seed {
    const char *path;
    char tag[128];
    Buf text;
    int nshards;
    char *shard_name[MAX_SHARDS];
    Buf shard[MAX_SHARDS];
} Seed;

/* Mutant i of seed s.  The first cuts are spread evenly over the file. */
static void mutate(const Seed *s, int i, int per_seed, Mutant *m)
{
    uint64_t rng = fnv1a(s->text.data, s->text.len) ^ (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    Toks ts = {0};
    memset(m, 0, sizeof *m);
    m->shard = -1;
    buf_add(&m->json, s->text.data, s->text.len);
    int ncut = per_seed / 8 + 1;
    if (i < ncut) {
        size_t at = s->text.len * (size_t)(i + 1) / (size_t)(ncut + 1);
        m->json.len = at;
        m->json.data[at] = '\0';
        snprintf(m->what, sizeof m->what, "cut at byte %zu of %zu", at, s->text.len);
        return;
    }
    if (s->nshards > 0 && i >= per_seed - 2) {
        /* The shard cut by 4 bytes, or 4 bytes longer. */
        int k = (int)pick(&rng, (size_t)s->nshards);
        m->shard = k;
        const Buf *orig = &s->shard[k];
        if (i == per_seed - 2 && orig->len >= 4) {
            buf_add(&m->shard_data, orig->data, orig->len - 4);
            snprintf(m->what, sizeof m->what, "shard %s cut by 4 bytes", s->shard_name[k]);
        } else {
            buf_add(&m->shard_data, orig->data, orig->len);
            buf_add(&m->shard_data, "\0\0\0\0", 4);
            snprintf(m->what, sizeof m->what, "shard %s 4 bytes longer", s->shard_name[k]);
        }
        return;
    }
    static const char *const names[] = {"", "flip", "delete", "duplicate", "number",
                                        "string", "container"};
    int kind = 1 + (i - ncut) % 7; /* 7: several edits at once */
    if (kind <= 6) {
        edit(&m->json, kind, &rng, &ts);
        snprintf(m->what, sizeof m->what, "%s edit", names[kind]);
    } else {
        int n = 2 + (int)pick(&rng, 3);
        for (int k = 0; k < n; k++)
            edit(&m->json, 4 + (int)pick(&rng, 3), &rng, &ts);
        snprintf(m->what, sizeof m->what, "%d number/string/container edits", n);
    }
    free(ts.t);
}

static void mutant_free(Mutant *m)
{
    free(m->json.data);
    free(m->shard_data.data);
}

/* ---- running kcc -------------------------------------------------------- */

typedef struct Slot {
    char *dir;
    pid_t pid;
    const Seed *seed;
    Mutant m;
    int index;
} Slot;

typedef struct Stats {
    long runs, exit0, exit1, failures, warnings;
} Stats;

static const char *kcc_path;
static const char *crash_dir;

static void slot_prepare(Slot *sl, const Seed *s)
{
    clear_dir(sl->dir, NULL);
    char *out = fmt("%s/out", sl->dir);
    mkdir_p(out);
    clear_dir(out, NULL);
    free(out);
    for (int k = 0; k < s->nshards; k++) {
        char *p = fmt("%s/%s", sl->dir, s->shard_name[k]);
        if (!write_all(p, s->shard[k].data, s->shard[k].len))
            die("cannot write", p);
        free(p);
    }
}

static pid_t spawn(Slot *sl)
{
    char *model = fmt("%s/model.json", sl->dir);
    if (!write_all(model, sl->m.json.data, sl->m.json.len))
        die("cannot write", model);
    free(model);
    if (sl->m.shard >= 0) {
        char *p = fmt("%s/%s", sl->dir, sl->seed->shard_name[sl->m.shard]);
        if (!write_all(p, sl->m.shard_data.data, sl->m.shard_data.len))
            die("cannot write", p);
        free(p);
    }
    char *err = fmt("%s/stderr", sl->dir);
    char *outp = fmt("%s/stdout", sl->dir);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        die("cannot fork for", kcc_path);
    if (pid == 0) {
        if (chdir(sl->dir) != 0)
            _exit(120);
        int fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0 || fe < 0 || dup2(fd, 1) < 0 || dup2(fe, 2) < 0)
            _exit(121);
        struct rlimit cpu = {60, 60}; /* a hang becomes SIGXCPU */
        setrlimit(RLIMIT_CPU, &cpu);
        switch (sl->index % 4) {
        case 0:
            execl(kcc_path, kcc_path, "model.json", "-o", "out/out.c", (char *)NULL);
            break;
        case 1:
            execl(kcc_path, kcc_path, "model.json", "-o", "out/out.c", "--weights", "separate",
                  (char *)NULL);
            break;
        case 2:
            execl(kcc_path, kcc_path, "--weights", "runtime", "--floatx", "float64",
                  "model.json", "-o", "out/out.c", (char *)NULL);
            break;
        default:
            execl(kcc_path, kcc_path, "summary", "model.json", (char *)NULL);
            break;
        }
        _exit(122);
    }
    free(err);
    free(outp);
    return pid;
}

static void save_failure(Slot *sl, const char *why, const char *stderr_text)
{
    static int saved = 0;
    char *dir = fmt("%s/%s-%d", crash_dir, sl->seed->tag, sl->index);
    mkdir_p(dir);
    char *p = fmt("%s/model.json", dir);
    write_all(p, sl->m.json.data, sl->m.json.len);
    free(p);
    for (int k = 0; k < sl->seed->nshards; k++) {
        const Buf *b = k == sl->m.shard ? &sl->m.shard_data : &sl->seed->shard[k];
        p = fmt("%s/%s", dir, sl->seed->shard_name[k]);
        write_all(p, b->data, b->len);
        free(p);
    }
    p = fmt("%s/stderr", dir);
    write_all(p, stderr_text, strlen(stderr_text));
    free(p);
    static const char *const mode_args[4] = {
        "model.json -o /tmp/out.c", "model.json -o /tmp/out.c --weights separate",
        "--weights runtime --floatx float64 model.json -o /tmp/out.c", "summary model.json"};
    char *info = fmt("seed: %s\nmutation %d: %s\nproblem: %s\nrerun: cd %s && %s %s\n",
                     sl->seed->path, sl->index, sl->m.what, why, dir, kcc_path,
                     mode_args[sl->index % 4]);
    p = fmt("%s/README", dir);
    write_all(p, info, strlen(info));
    free(p);
    free(info);
    if (saved++ < 50) {
        printf("%s %s mutation %d (%s): %s\n  saved in %s\n",
               strstr(why, "blames") ? "WARNING" : "FAIL", sl->seed->path, sl->index,
               sl->m.what, why, dir);
        const char *t = stderr_text;
        for (int line = 0; *t && line < 12; line++) {
            const char *nl = strchr(t, '\n');
            int n = nl ? (int)(nl - t) : (int)strlen(t);
            printf("  | %.*s\n", n > 200 ? 200 : n, t);
            t = nl ? nl + 1 : t + n;
        }
    }
    free(dir);
}

/* The files a successful run writes in out/, by mode (see spawn()). */
static const char *const mode_files[4][3] = {
    {"out.c", "out.h", NULL},
    {"out.c", "out.h", "out_weights.c"},
    {"out.c", "out.h", "out.weights"},
    {NULL, NULL, NULL},
};

static void finish(Slot *sl, int status, Stats *st)
{
    Buf err = {0}, out_text = {0};
    char *p = fmt("%s/stderr", sl->dir);
    if (!read_all(p, &err))
        buf_add(&err, "", 0);
    free(p);
    p = fmt("%s/stdout", sl->dir);
    if (!read_all(p, &out_text))
        buf_add(&out_text, "", 0);
    free(p);
    int mode = sl->index % 4;
    char *out = fmt("%s/out", sl->dir);
    int nwant = 0;
    bool have_all = true;
    for (int k = 0; k < 3 && mode_files[mode][k]; k++, nwant++) {
        p = fmt("%s/%s", out, mode_files[mode][k]);
        have_all = have_all && access(p, F_OK) == 0;
        free(p);
    }
    Buf left = {0};
    buf_add(&left, "", 0);
    int nleft = clear_dir(out, &left);
    free(out);

    char why[256] = "", warn[256] = "";
    st->runs++;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(why, sizeof why, "killed by signal %d (%s)", sig, strsignal(sig));
    } else if (!WIFEXITED(status)) {
        snprintf(why, sizeof why, "stopped with wait status %d", status);
    } else if (WEXITSTATUS(status) >= 120 && WEXITSTATUS(status) <= 122) {
        fprintf(stderr, "fuzz: could not run %s in %s (status %d)\n", kcc_path, sl->dir,
                WEXITSTATUS(status));
        exit(2);
    } else if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1) {
        int rc = WEXITSTATUS(status);
        snprintf(why, sizeof why, "exit status %d%s", rc,
                 rc == 86 ? " (AddressSanitizer)" : rc == 87 ? " (UndefinedBehaviorSanitizer)"
                 : rc == 88 || rc == 23 ? " (LeakSanitizer)" : "");
    } else if (strstr(err.data, "Sanitizer") || strstr(err.data, "runtime error:")) {
        snprintf(why, sizeof why, "a sanitizer report");
    } else if (strstr(err.data, "internal error")) {
        snprintf(why, sizeof why, "an internal error");
    } else if (strstr(err.data, "kcc: error: out of memory\n")) {
        /* xmalloc gave up: a size read from the file went unchecked. */
        snprintf(why, sizeof why, "out of memory on a small input");
    } else if (WEXITSTATUS(status) == 1) {
        st->exit1++;
        if (!strstr(err.data, "kcc: error: "))
            snprintf(why, sizeof why, "exit status 1 without a \"kcc: error: \" message");
        else if (nleft > 0)
            snprintf(why, sizeof why, "exit status 1, yet files were written: %s", left.data);
        else if (out_text.len > 0)
            snprintf(why, sizeof why, "exit status 1, yet something was printed on stdout");
        else if (strstr(err.data, "out of memory"))
            snprintf(warn, sizeof warn, "a message blames memory on a small input");
    } else {
        st->exit0++;
        if (nleft != nwant || !have_all)
            snprintf(why, sizeof why, "exit status 0, but out/ holds '%s'", left.data);
        else if (mode == 3 && out_text.len == 0)
            snprintf(why, sizeof why, "kcc summary exited 0 but printed nothing");
        else if (mode != 3 && out_text.len > 0)
            snprintf(why, sizeof why, "exit status 0, yet something was printed on stdout");
    }
    if (why[0]) {
        st->failures++;
        save_failure(sl, why, err.data);
    } else if (warn[0]) {
        st->warnings++;
        save_failure(sl, warn, err.data);
    }
    /* Put back the shard this mutant replaced. */
    if (sl->m.shard >= 0) {
        p = fmt("%s/%s", sl->dir, sl->seed->shard_name[sl->m.shard]);
        const Buf *b = &sl->seed->shard[sl->m.shard];
        if (!write_all(p, b->data, b->len))
            die("cannot write", p);
        free(p);
    }
    mutant_free(&sl->m);
    free(left.data);
    free(err.data);
    free(out_text.data);
}

/* Runs mutants [0, count) of seed s (count < 0: the seed itself, once in
 * each mode). */
static void run_seed(Slot *slots, int jobs, const Seed *s, int count, int per_seed, Stats *st)
{
    for (int j = 0; j < jobs; j++)
        slot_prepare(&slots[j], s);
    int total = count < 0 ? 4 : count, next = 0, running = 0;
    while (next < total || running > 0) {
        for (int j = 0; j < jobs && next < total; j++) {
            Slot *sl = &slots[j];
            if (sl->pid)
                continue;
            sl->seed = s;
            sl->index = next;
            if (count < 0) {
                memset(&sl->m, 0, sizeof sl->m);
                sl->m.shard = -1;
                buf_add(&sl->m.json, s->text.data, s->text.len);
                snprintf(sl->m.what, sizeof sl->m.what, "unmutated regression input");
            } else {
                mutate(s, next, per_seed, &sl->m);
            }
            sl->pid = spawn(sl);
            next++;
            running++;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            die("waitpid failed for", kcc_path);
        }
        for (int j = 0; j < jobs; j++) {
            if (slots[j].pid == pid) {
                slots[j].pid = 0;
                running--;
                finish(&slots[j], status, st);
            }
        }
    }
}

/* The seed's text and every .bin file beside it (the shards it may name). */
static void load_seed(Seed *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    if (!read_all(path, &s->text))
        die("cannot read", path);
    /* tag: "<parent dir>-<file name without .json>" */
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *pstart = path;
    if (slash) {
        const char *q = slash;
        while (q > path && q[-1] != '/')
            q--;
        pstart = q;
    }
    int blen = (int)strlen(base);
    if (blen > 5 && strcmp(base + blen - 5, ".json") == 0)
        blen -= 5;
    snprintf(s->tag, sizeof s->tag, "%.*s-%.*s", slash ? (int)(slash - pstart) : 0, pstart,
             blen, base);
    for (char *c = s->tag; *c; c++)
        if (*c == '/' || *c == ' ')
            *c = '_';

    char *dir = slash ? fmt("%.*s", (int)(slash - path), path) : fmt(".");
    DIR *d = opendir(dir);
    if (!d)
        die("cannot list", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && s->nshards < MAX_SHARDS) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".bin") == 0) {
            char *p = fmt("%s/%s", dir, e->d_name);
            if (!read_all(p, &s->shard[s->nshards]))
                die("cannot read", p);
            free(p);
            s->shard_name[s->nshards++] = fmt("%s", e->d_name);
        }
    }
    closedir(d);
    free(dir);
}

static void free_seed(Seed *s)
{
    free(s->text.data);
    for (int k = 0; k < s->nshards; k++) {
        free(s->shard[k].data);
        free(s->shard_name[k]);
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: kcc_errors_fuzz --kcc KCC --work DIR --crashes DIR [--jobs N] "
                    "[--per-seed N] [--regress DIR] MODEL.json...\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *work = NULL, *regress = NULL;
    int jobs = 2, per_seed = 56;
    int first_seed = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            first_seed = i;
            break;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        if (strcmp(a, "--kcc") == 0)
            kcc_path = v;
        else if (strcmp(a, "--work") == 0)
            work = v;
        else if (strcmp(a, "--crashes") == 0)
            crash_dir = v;
        else if (strcmp(a, "--regress") == 0)
            regress = v;
        else if (strcmp(a, "--jobs") == 0)
            jobs = atoi(v);
        else if (strcmp(a, "--per-seed") == 0)
            per_seed = atoi(v);
        else
            return usage();
    }
    if (!kcc_path || !work || !crash_dir || jobs < 1 || jobs > MAX_JOBS || per_seed < 10)
        return usage();
    /* kcc runs in the work directories: it needs an absolute path. */
    char *abs_kcc = realpath(kcc_path, NULL);
    if (!abs_kcc || access(abs_kcc, X_OK) != 0)
        die("cannot run", kcc_path);
    kcc_path = abs_kcc;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    Slot slots[MAX_JOBS];
    memset(slots, 0, sizeof slots);
    for (int j = 0; j < jobs; j++) {
        slots[j].dir = fmt("%s/slot%d", work, j);
        mkdir_p(slots[j].dir);
    }
    /* Old reproducers would mislead: start afresh. */
    char *rm = fmt("rm -rf '%s'", crash_dir);
    if (strchr(crash_dir, '\'') == NULL && system(rm) != 0)
        fprintf(stderr, "fuzz: could not clear %s\n", crash_dir);
    free(rm);

    Stats st = {0, 0, 0, 0, 0};
    int nseeds = 0;
    for (int i = first_seed; i < argc; i++, nseeds++) {
        Seed s;
        load_seed(&s, argv[i]);
        run_seed(slots, jobs, &s, per_seed, per_seed, &st);
        free_seed(&s);
    }
    int nregress = 0;
    if (regress) {
        DIR *d = opendir(regress);
        if (!d)
            die("cannot list", regress);
        char *names[256];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 256) {
            size_t len = strlen(e->d_name);
            if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
                names[n++] = fmt("%s/%s", regress, e->d_name);
        }
        closedir(d);
        for (int i = 0; i < n; i++) {
            Seed s;
            load_seed(&s, names[i]);
            run_seed(slots, jobs, &s, -1, per_seed, &st);
            free_seed(&s);
            free(names[i]);
            nregress++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("fuzz: %d seeds x %d mutants + %d regression inputs: %ld runs (%ld exit 0, %ld exit 1), "
           "%ld failures, %ld warnings, %.1f s\n", nseeds, per_seed, nregress, st.runs, st.exit0,
           st.exit1, st.failures, st.warnings, secs);
    if (st.failures || st.warnings)
        printf("fuzz: failing inputs are in %s (one directory each, with a README)\n", crash_dir);
    for (int j = 0; j < jobs; j++)
        free(slots[j].dir);
    free(abs_kcc);
    return st.failures ? 1 : 0;
}
