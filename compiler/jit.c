/*
 * jit.c - training code compiled with the system's C compiler and loaded.
 *
 * kcc fit, evaluate and predict run the model kcc generates for training
 * (emit_train.c): kcc writes it, with the runtime's header, into a fresh
 * temporary directory, builds a shared object with $CC (default cc) and
 * loads it.  The generated code calls back into kcc only for random
 * numbers (dropout), which the kcc executable exports.
 *
 * The directory, $TMPDIR/kcc-jit-PID-XXXXXX (default /tmp), is removed as
 * soon as the shared object is loaded (the code stays mapped), or when a
 * signal stops kcc meanwhile (jit_abandon, from kcc's handler, also stops
 * $CC).  One that a killed kcc (kill -9) left behind is removed by the
 * next kcc that builds training code: a directory of exactly that name,
 * owned by this user, whose process no longer runs and that nobody holds
 * locked.  kcc locks its directory (flock), and $CC inherits the lock, so
 * that a compiler that outlives a killed kcc keeps its directory until it
 * exits.  With KCC_KEEP_JIT set the directory is kept for the user, as
 * kcc-jit-kept-XXXXXX.
 */
#define _POSIX_C_SOURCE 200809L
#include "compiler.h"

#include "files.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the build directory -------------------------------------------------- */

/* The files kcc and $CC write there. */
static const char *const build_files[] = {"model_train.c", "model_train.h", "kcc.h",
                                          "model_train.so", "cc.log"};

/* The directory being built in, for jit_abandon. */
static struct {
    volatile sig_atomic_t child;  /* $CC's process (and process group), or 0 */
    volatile sig_atomic_t active; /* path and fd are set */
    int fd;                       /* the directory, locked */
    char path[4096];
} build = {0, 0, -1, ""};

/* Unlinks the files in the directory fd. */
static void remove_entries(int fd)
{
    int copy = dup(fd);
    DIR *dp = copy >= 0 ? fdopendir(copy) : NULL;
    if (!dp) {
        if (copy >= 0)
            close(copy);
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(fd, e->d_name, 0);
    closedir(dp);
}

/* Removes the build directories in tmp that killed kcc processes left. */
static void remove_stale_dirs(const char *tmp)
{
    DIR *dp = opendir(tmp);
    if (!dp)
        return;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        long pid = kcc_temporary_pid(e->d_name, "kcc-jit-");
        if (pid < 0)
            continue;
        int fd = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && kcc_temporary_is_stale(fd, pid)) {
            remove_entries(fd);
            unlinkat(dirfd(dp), e->d_name, AT_REMOVEDIR);
        }
        close(fd);
    }
    closedir(dp);
}

/* A fresh, locked build directory in $TMPDIR; NULL after a diagnostic. */
static char *make_build_dir(Diag *d, bool keep)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    remove_stale_dirs(tmp);
    char *dir = keep ? xformat("%s/kcc-jit-kept-XXXXXX", tmp)
                     : xformat("%s/kcc-jit-%ld-XXXXXX", tmp, (long)getpid());
    if (!mkdtemp(dir)) {
        diag_error(d, "%s: cannot create a directory for the training code: %s", dir,
                   strerror(errno));
        free(dir);
        return NULL;
    }
    /* Not closed on exec: $CC holds the lock too. */
    build.fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (build.fd >= 0) {
        kcc_temporary_lock(build.fd);
        if (strlen(dir) < sizeof build.path) {
            strcpy(build.path, dir);
            build.active = !keep;
        }
    }
    return dir;
}

/* Done with the build directory: removed unless kept. */
static void remove_build_dir(const char *dir, bool keep)
{
    if (!keep) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            remove_entries(fd);
            close(fd);
        }
        rmdir(dir);
    }
    build.active = 0;
    if (build.fd >= 0)
        close(build.fd);
    build.fd = -1;
}

void jit_abandon(void)
{
    pid_t child = build.child;
    if (child > 0) {
        kill(-child, SIGTERM);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
            continue;
    }
    if (build.active) {
        for (size_t i = 0; i < sizeof build_files / sizeof *build_files; i++)
            unlinkat(build.fd, build_files[i], 0);
        rmdir(build.path);
    }
}

/* ---- building and loading ------------------------------------------------- */

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
    /* The signals that jit_abandon answers wait until build.child is set. */
    fatal_signals_block();
    pid_t pid = fork();
    if (pid == 0) {
        fatal_signals_default();
        fatal_signals_unblock();
        /* A process group of its own, which jit_abandon stops as one. */
        setpgid(0, 0);
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0) {
            dup2(in, 0);
            close(in);
        }
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid > 0) {
        setpgid(pid, pid);
        build.child = pid;
    }
    fatal_signals_unblock();
    if (pid < 0)
        return false;
    int status;
    bool ok = true;
    while (ok && waitpid(pid, &status, 0) < 0)
        ok = errno == EINTR;
    build.child = 0;
    return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
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
    bool keep = getenv("KCC_KEEP_JIT") != NULL;
    char *dir = make_build_dir(d, keep);
    if (!dir) {
        emit_result_free(&res);
        return false;
    }
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
            kcc_error e;
            if (kcc_file_read(NULL, log, 0, (size_t)1 << 20, &out, &len, &e) == KCC_OK && len > 0)
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
    /* Loaded (or failed): the directory has served. */
    remove_build_dir(dir, keep);
    if (keep)
        jit->dir = dir;
    else
        free(dir);
    if (!ok)
        jit_unload(jit);
    return ok;
}

void jit_unload(Jit *jit)
{
    if (jit->handle)
        dlclose(jit->handle);
    free(jit->dir);
    memset(jit, 0, sizeof *jit);
}
