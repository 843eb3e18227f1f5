/*
 * writer.c - text out: template expansion and all-or-nothing files
 * (runtime/files.c writes them).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "compiler.h"

#include "files.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* templates.c is generated from templates/ at build time. */
typedef struct KccTemplate {
    const char *name;
    const char *text;
} KccTemplate;
extern const KccTemplate kcc_templates[];
extern const int kcc_ntemplates;

const char *template_get(const char *name)
{
    for (int i = 0; i < kcc_ntemplates; i++)
        if (strcmp(kcc_templates[i].name, name) == 0)
            return kcc_templates[i].text;
    internal_error(__FILE__, __LINE__, name);
}

static const char *lookup(const char *const *kv, const char *key, size_t n)
{
    for (int i = 0; kv[i]; i += 2)
        if (strlen(kv[i]) == n && memcmp(kv[i], key, n) == 0)
            return kv[i + 1];
    return NULL;
}

void template_expand(StrBuf *out, const char *tmpl, const char *const *kv)
{
    const char *p = tmpl;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) {
            sb_add(out, p);
            return;
        }
        const char *close = strstr(open, "}}");
        KCC_ASSERT(close);
        const char *key = open + 2;
        size_t klen = (size_t)(close - key);
        const char *val = lookup(kv, key, klen);
        if (!val) {
            char *k = xformat("template key %.*s has no value", (int)klen, key);
            internal_error(__FILE__, __LINE__, k);
        }

        /* The placeholder's line: its indentation and whether it stands
         * alone. */
        const char *bol = open;
        while (bol > tmpl && bol[-1] != '\n')
            bol--;
        bool alone_before = true;
        for (const char *q = bol; q < open; q++)
            if (*q != ' ')
                alone_before = false;
        const char *after = close + 2;
        bool alone = alone_before && (*after == '\n' || *after == '\0');

        sb_addn(out, p, (size_t)(open - p));
        if (alone && *val == '\0') {
            /* Drop the line: its indentation is already out; take it back. */
            out->len -= (size_t)(open - bol);
            out->data[out->len] = '\0';
            p = *after == '\n' ? after + 1 : after;
            continue;
        }
        /* Indent continuation lines like the placeholder's line. */
        size_t indent = 0;
        while (bol + indent < open && bol[indent] == ' ')
            indent++;
        for (const char *v = val; *v; v++) {
            sb_addn(out, v, 1);
            if (*v == '\n' && v[1] && v[1] != '\n')
                for (size_t i = 0; i < indent; i++)
                    sb_add(out, " ");
        }
        p = after;
    }
}

bool write_files_atomic(Diag *d, const OutFile *files, int n)
{
    kcc_out_file *f = xcalloc((size_t)n, sizeof *f);
    for (int i = 0; i < n; i++)
        f[i] = (kcc_out_file){files[i].path, files[i].data, files[i].len};
    kcc_error err;
    bool ok = kcc_write_files(f, n, 0, &err) == KCC_OK;
    if (!ok)
        diag_error(d, "%s", err.message);
    free(f);
    return ok;
}

/* ---- which outputs are the same file ------------------------------------- */

/* path made absolute, "." and ".." and repeated slashes resolved as text. */
static char *lexical_path(const char *path)
{
    StrBuf in = {0}, out = {0};
    if (path[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        sb_add(&in, cwd ? cwd : "");
        free(cwd);
        sb_add(&in, "/");
    }
    sb_add(&in, path);
    sb_add(&out, "");
    for (char *part = strtok(in.data, "/"); part; part = strtok(NULL, "/")) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0) {
            char *slash = strrchr(out.data, '/');
            out.len = slash ? (size_t)(slash - out.data) : 0;
            out.data[out.len] = '\0';
            continue;
        }
        sb_printf(&out, "/%s", part);
    }
    sb_free(&in);
    if (out.len == 0)
        sb_add(&out, "/");
    return out.data;
}

/* Where writing path puts the file, as one spelling: its links followed,
 * its directory resolved (realpath), else the path resolved as text. */
static char *canonical_path(const char *path)
{
    char *f = kcc_path_follow(path);
    if (!f)
        return lexical_path(path);
    char *dir = path_dirname(f);
    char *real = realpath(*dir ? dir : ".", NULL);
    char *c = real ? xformat("%s/%s", strcmp(real, "/") == 0 ? "" : real, path_basename(f))
                   : lexical_path(f);
    free(real);
    free(dir);
    free(f);
    return c;
}

bool same_output(const char *a, const char *b)
{
    struct stat sa, sb;
    bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if ((ea && (S_ISCHR(sa.st_mode) || S_ISFIFO(sa.st_mode))) ||
        (eb && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode))))
        return false;
    if (ea || eb)
        return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *ca = canonical_path(a), *cb = canonical_path(b);
    bool same = strcmp(ca, cb) == 0;
    free(ca);
    free(cb);
    return same;
}

bool check_clobber(Diag *d, const FileRole *outs, int nouts, const FileRole *ins, int nins)
{
    bool ok = true;
    for (int i = 0; i < nouts; i++) {
        if (!outs[i].path)
            continue;
        for (int k = 0; k < i; k++)
            if (outs[k].path && same_output(outs[k].path, outs[i].path)) {
                char *f = safe_text(outs[i].path);
                diag_error(d, "%s: %s and %s are the same file", f, outs[k].role, outs[i].role);
                free(f);
                ok = false;
            }
        for (int k = 0; k < nins; k++)
            if (ins[k].path && !(outs[i].group && outs[i].group == ins[k].group) &&
                same_output(outs[i].path, ins[k].path)) {
                char *f = safe_text(outs[i].path);
                diag_error(d, "%s: refusing to overwrite %s with %s", f, ins[k].role, outs[i].role);
                free(f);
                ok = false;
            }
    }
    return ok;
}

/* ---- standard output ------------------------------------------------------ */

/* Reports a failed write to stdout once: the error flag is cleared. */
static bool stdout_failed(Diag *d, int e)
{
    diag_error(d, "standard output: cannot write%s%s", e ? ": " : "", e ? strerror(e) : "");
    clearerr(stdout);
    return false;
}

bool stdout_write(Diag *d, const char *data, size_t len)
{
    errno = 0;
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
        return stdout_failed(d, errno);
    return true;
}

bool stdout_flush(Diag *d)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        return stdout_failed(d, errno);
    return true;
}

/* ---- signals ---------------------------------------------------------------- */

static const int fatal_signals[] = {SIGHUP, SIGINT, SIGPIPE, SIGTERM};
enum { NFATAL = sizeof fatal_signals / sizeof *fatal_signals };

static void on_fatal_signal(int sig)
{
    jit_abandon();
    kcc_remove_temporaries();
    raise(sig); /* delivered on return, to the default action (SA_RESETHAND) */
}

static void fatal_signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (int i = 0; i < NFATAL; i++)
        sigaddset(set, fatal_signals[i]);
}

static sigset_t mask_before;

void fatal_signals_block(void)
{
    sigset_t set;
    fatal_signal_set(&set);
    sigprocmask(SIG_BLOCK, &set, &mask_before);
}

void fatal_signals_unblock(void)
{
    sigprocmask(SIG_SETMASK, &mask_before, NULL);
}

void remove_temporaries_on_signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    fatal_signal_set(&sa.sa_mask);
    for (int i = 0; i < NFATAL; i++)
        if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(fatal_signals[i], &sa, NULL);
}

void fatal_signals_default(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NFATAL; i++)
        if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == on_fatal_signal)
            sigaction(fatal_signals[i], &sa, NULL);
}
