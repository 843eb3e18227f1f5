/*
 * jit.c - training code compiled with the system's C compiler and loaded.
 *
 * kcc fit, evaluate and predict run the model kcc generates for training
 * (emit_train.c): kcc writes it, with the runtime's header, into a fresh
 * temporary directory, builds a shared object with $CC (default cc) and
 * loads it.  The generated code calls back into kcc only for random
 * numbers (dropout), which the kcc executable exports.
 */
#define _POSIX_C_SOURCE 200809L
#include "compiler.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool write_text(Diag *d, const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        diag_error(d, "%s: cannot create: %s", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(text, 1, len, f) == len;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        diag_error(d, "%s: cannot write: %s", path, strerror(e));
    return ok;
}

/* Runs argv, its output into log; true on exit status 0. */
static bool run_command(char *const *argv, const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (dp) {
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = xformat("%s/%s", dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(dp);
    }
    rmdir(dir);
}

bool jit_load(Diag *d, Model *m, int batch, int threads, Jit *jit)
{
    memset(jit, 0, sizeof *jit);
    EmitOptions eo = {"kcc_jit", WEIGHTS_EMBED, "model_train.c", "model_train.h", NULL,
                      "kcc (compiled for training by kcc itself)", false};
    EmitResult res;
    if (!emit_train(m, &eo, batch, &res)) {
        emit_result_free(&res);
        return false;
    }
    const char *tmp = getenv("TMPDIR");
    char *dir = xformat("%s/kcc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        diag_error(d, "%s: cannot create a directory for the training code: %s", dir,
                   strerror(errno));
        free(dir);
        emit_result_free(&res);
        return false;
    }
    jit->dir = dir;
    char *src = xformat("%s/model_train.c", dir), *hdr = xformat("%s/model_train.h", dir);
    char *kcch = xformat("%s/kcc.h", dir), *so = xformat("%s/model_train.so", dir);
    char *log = xformat("%s/cc.log", dir), *inc = xformat("-I%s", dir);
    const char *kh = template_get("kcc.h");
    bool ok = write_text(d, src, res.source.data, res.source.len) &&
              write_text(d, hdr, res.header.data, res.header.len) &&
              write_text(d, kcch, kh, strlen(kh));
    emit_result_free(&res);

    /* Threads: the caller's choice, else $KCC_THREADS, else OpenMP's
     * (OMP_NUM_THREADS, or one a core). */
    const char *kt = getenv("KCC_THREADS");
    if (threads <= 0 && kt && *kt) {
        char *end;
        long v = strtol(kt, &end, 10);
        if (*end || v < 1 || v > 4096)
            diag_warning(d, "KCC_THREADS=%s: expected a number of threads (1 to 4096); ignored",
                         kt);
        else
            threads = (int)v;
    }
    const char *cc = getenv("CC");
    if (!cc || !*cc)
        cc = "cc";
    if (ok) {
        /* The machine that compiles is the machine that trains: -march=native
         * (the kernels' vectors follow the target) and OpenMP's threads
         * where the compiler has them.  No contraction into FMAs: gcc and
         * clang give the same numbers. */
        char *fast[] = {(char *)cc, "-std=c99", "-O3", "-march=native", "-ffp-contract=off",
                        "-fno-math-errno", "-fopenmp", "-shared", "-fPIC", inc, "-o", so, src,
                        "-lm", NULL};
        char *serial[] = {(char *)cc, "-std=c99", "-O3", "-march=native", "-ffp-contract=off",
                          "-fno-math-errno", "-shared", "-fPIC", inc, "-o", so, src, "-lm", NULL};
        char *plain[] = {(char *)cc, "-std=c99", "-O2", "-ffp-contract=off", "-shared", "-fPIC",
                         inc, "-o", so, src, "-lm", NULL};
        /* One thread needs no OpenMP runtime. */
        if (!(threads != 1 && run_command(fast, log)) && !run_command(serial, log) &&
            !run_command(plain, log)) {
            char *out = NULL;
            size_t len = 0;
            diag_error(d, "cannot compile the training code with '%s' (kcc fit needs a C "
                          "compiler: install gcc, or set CC)", cc);
            if (read_file(log, &out, &len) && len > 0)
                fprintf(stderr, "%.*s", (int)(len > 2000 ? 2000 : len), out);
            free(out);
            ok = false;
        }
    }
    if (ok) {
        /* OpenMP reads its settings when the code is loaded: the number of
         * threads (default: every core), and waiting threads that sleep
         * rather than spin, which matters on a machine others use too. */
        if (threads > 0) {
            char buf[32];
            snprintf(buf, sizeof buf, "%d", threads);
            setenv("OMP_NUM_THREADS", buf, 1);
        }
        setenv("OMP_WAIT_POLICY", "passive", 0);
        /* Kept mapped after dlclose (where the platform can): OpenMP's
         * runtime, loaded with it, keeps its thread pool in its own
         * globals, which must outlive the library's last use. */
        int flags = RTLD_NOW | RTLD_LOCAL;
#ifdef RTLD_NODELETE
        flags |= RTLD_NODELETE;
#endif
        jit->handle = dlopen(so, flags);
        if (!jit->handle) {
            diag_error(d, "cannot load the compiled training code: %s", dlerror());
            ok = false;
        } else {
            jit->def = (const kcc_model_def *)dlsym(jit->handle, "kcc_jit_def");
            if (!jit->def) {
                diag_error(d, "the compiled training code lacks kcc_jit_def");
                ok = false;
            }
        }
    }
    free(src);
    free(hdr);
    free(kcch);
    free(so);
    free(log);
    free(inc);
    if (!ok)
        jit_unload(jit);
    return ok;
}

void jit_unload(Jit *jit)
{
    if (jit->handle)
        dlclose(jit->handle);
    if (jit->dir && !getenv("KCC_KEEP_JIT"))
        remove_dir(jit->dir);
    free(jit->dir);
    memset(jit, 0, sizeof *jit);
}
