/*
 * files.c - writing files: all or nothing, and never over what is not a
 * file.
 *
 * kcc_write_files writes each path according to what is there now:
 *
 *   - nothing, or a regular file: the data goes to a temporary file
 *     beside it, ".NAME.kcc-PID-XXXXXX", which replaces it by rename()
 *     only when every file of the call is complete.  A failure leaves
 *     every old file as it was.
 *   - a symbolic link: followed, as the shell's ">" follows it.  The file
 *     it leads to is replaced (or created, for a dangling link) as above;
 *     the link stays a link.
 *   - a character device or a FIFO (/dev/null, /dev/stdout, a pipe, a
 *     named pipe): written in place, as ">" writes it, once every
 *     temporary file is complete and before any rename.  Nothing can be
 *     replaced atomically there, and renaming a file over the device node
 *     would replace the node itself.
 *   - a directory, a block device, a socket: refused, and nothing of the
 *     call is written.
 *
 * Every write, fsync and close is checked: a full disk is an error, never
 * a short file.
 *
 * Temporary files are named so that a later run can tell them from
 * anything else and know whether their writer is gone:
 * ".NAME.kcc-PID-XXXXXX", PID the writer's process id, X letters and
 * digits.  The writer holds a lock (flock) on the file until it is renamed
 * or removed.  A write to NAME first removes the temporaries of NAME that
 * a killed process left behind: files of exactly that pattern, owned by
 * this user, whose process no longer exists and which nobody holds locked
 * (so neither a live writer in another PID namespace nor a file of
 * another program is touched).  kcc_remove_temporaries, from a signal
 * handler, removes those of the writes in progress.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    MAX_LINKS = 40,             /* as the kernel's limit: then ELOOP */
    TEMP_BASE_MAX = 200,        /* bytes of the file's name in its temporary's */
    MAX_LIVE = 16,              /* temporaries kcc_remove_temporaries knows at once */
    LIVE_PATH = 4096
};

/* ---- paths --------------------------------------------------------------- */

/* The target of the symbolic link p, relative to p's directory when the
 * link is relative; malloc'ed, NULL with errno set. */
static char *link_target(const char *p)
{
    size_t cap = 256;
    char *t = NULL;
    for (;;) {
        char *bigger = realloc(t, cap);
        if (!bigger) {
            free(t);
            errno = ENOMEM;
            return NULL;
        }
        t = bigger;
        ssize_t n = readlink(p, t, cap);
        if (n < 0) {
            free(t);
            return NULL;
        }
        if ((size_t)n < cap) {
            t[n] = '\0';
            break;
        }
        cap *= 2;
    }
    const char *slash = strrchr(p, '/');
    if (t[0] == '/' || !slash)
        return t;
    size_t dlen = (size_t)(slash - p) + 1, tlen = strlen(t);
    char *joined = malloc(dlen + tlen + 1);
    if (joined) {
        memcpy(joined, p, dlen);
        memcpy(joined + dlen, t, tlen + 1);
    } else {
        errno = ENOMEM;
    }
    free(t);
    return joined;
}

char *kcc_path_follow(const char *path)
{
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(p, path, n + 1);
    for (int links = 0; links <= MAX_LINKS; links++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        char *next = link_target(p);
        free(p);
        if (!next)
            return NULL;
        p = next;
    }
    free(p);
    errno = ELOOP;
    return NULL;
}

int kcc_path_is_stream(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode));
}

kcc_status kcc_make_dirs(const char *dir, kcc_error *err)
{
    size_t n = strlen(dir);
    char *p = malloc(n + 1);
    if (!p)
        return kcc_error_set(err, KCC_ERR_NOMEM, "%s: out of memory", dir);
    memcpy(p, dir, n + 1);
    kcc_status st = KCC_OK;
    /* Each prefix that ends before a slash, then the whole path. */
    for (size_t i = 1; i <= n && st == KCC_OK; i++) {
        if (i < n && (p[i] != '/' || p[i - 1] == '/'))
            continue;
        char c = p[i];
        p[i] = '\0';
        struct stat sb;
        if (mkdir(p, 0777) != 0 && !(errno == EEXIST && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)))
            st = kcc_error_set(err, KCC_ERR_IO, "%s: cannot create the directory: %s", p,
                               strerror(errno == EEXIST ? ENOTDIR : errno));
        p[i] = c;
    }
    free(p);
    return st;
}

/* ---- temporary files ------------------------------------------------------- */

long kcc_temporary_pid(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0)
        return -1;
    const char *p = name + n;
    long pid = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
        pid = pid * 10 + (*p - '0');
    if (digits == 0 || pid <= 0 || *p++ != '-')
        return -1;
    for (int i = 0; i < 6; i++, p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
            return -1;
    return *p == '\0' ? pid : -1;
}

int kcc_temporary_lock(int fd)
{
    int r;
    while ((r = flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR)
        continue;
    return r;
}

int kcc_temporary_is_stale(int fd, long pid)
{
    if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return 0;
    /* No such process here; in another PID namespace a live writer still
     * holds its lock.  Where locks are not supported, the PID decides. */
    return kcc_temporary_lock(fd) == 0 || errno != EWOULDBLOCK;
}

/* Removes the temporaries of the file final that killed processes left
 * beside it. */
static void remove_stale(const char *final)
{
    const char *slash = strrchr(final, '/');
    const char *base = slash ? slash + 1 : final;
    size_t dlen = slash ? (size_t)(slash - final) + 1 : 0;
    size_t blen = strlen(base);
    if (blen > TEMP_BASE_MAX)
        blen = TEMP_BASE_MAX;
    char *dir = malloc(dlen + 2), *prefix = malloc(blen + 8);
    DIR *dp = NULL;
    if (dir && prefix) {
        memcpy(dir, final, dlen);
        strcpy(dir + dlen, dlen ? "" : ".");
        snprintf(prefix, blen + 8, ".%.*s.kcc-", (int)blen, base);
        dp = opendir(dir);
    }
    struct dirent *e;
    while (dp && (e = readdir(dp)) != NULL) {
        long pid = kcc_temporary_pid(e->d_name, prefix);
        if (pid < 0)
            continue;
        int fd = openat(dirfd(dp), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            kcc_temporary_is_stale(fd, pid))
            unlinkat(dirfd(dp), e->d_name, 0);
        close(fd);
    }
    if (dp)
        closedir(dp);
    free(dir);
    free(prefix);
}

/* The temporaries being written, for kcc_remove_temporaries: a slot is
 * free (0), being filled or emptied (1), or names a file (2). */
static atomic_int live_state[MAX_LIVE];
static char live_path[MAX_LIVE][LIVE_PATH];

static int live_add(const char *path)
{
    if (strlen(path) >= LIVE_PATH)
        return -1;
    for (int i = 0; i < MAX_LIVE; i++) {
        int free_slot = 0;
        if (atomic_compare_exchange_strong(&live_state[i], &free_slot, 1)) {
            strcpy(live_path[i], path);
            atomic_store(&live_state[i], 2);
            return i;
        }
    }
    return -1; /* too many at once: a later run removes it if need be */
}

static void live_remove(int slot)
{
    if (slot >= 0)
        atomic_store(&live_state[slot], 0);
}

void kcc_remove_temporaries(void)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (atomic_load(&live_state[i]) == 2)
            unlink(live_path[i]);
}

/* ---- writing ------------------------------------------------------------- */

/* One file of a call. */
typedef struct target {
    const char *path;           /* as the caller named it: for messages */
    const unsigned char *data;
    size_t len;
    int stream;                 /* a character device or FIFO: written in place */
    char *final;                /* else the file to replace: path, links followed */
    char *tmp;                  /* its temporary file, once created */
    int lock;                   /* the temporary's, held until it is renamed, or -1 */
    int live;                   /* its slot for kcc_remove_temporaries, or -1 */
} target;

/* Writes all of data to fd: 0, or an errno value. */
static int write_fd(int fd, const unsigned char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        if (w == 0)
            return EIO;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

/* What is at t->path decides how it is written (see the top). */
static kcc_status classify(target *t, kcc_error *err)
{
    struct stat st;
    if (stat(t->path, &st) == 0) {
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            t->stream = 1;
            return KCC_OK;
        }
        if (S_ISDIR(st.st_mode))
            return kcc_error_set(err, KCC_ERR_IO, "%s: cannot replace: %s", t->path,
                                 strerror(EISDIR));
        if (!S_ISREG(st.st_mode))
            return kcc_error_set(err, KCC_ERR_IO, "%s: cannot replace: %s, not a regular file, "
                                 "character device or FIFO", t->path,
                                 S_ISBLK(st.st_mode) ? "a block device"
                                 : S_ISSOCK(st.st_mode) ? "a socket" : "a special file");
    }
    t->final = kcc_path_follow(t->path);
    if (!t->final)
        return kcc_error_set(err, errno == ENOMEM ? KCC_ERR_NOMEM : KCC_ERR_IO,
                             "%s: cannot write: %s", t->path, strerror(errno));
    return KCC_OK;
}

/* Creates t's temporary file beside t->final: ".NAME.kcc-PID-XXXXXX", X
 * letters and digits.  A file descriptor, or -1 with errno set. */
static int create_temporary(target *t)
{
    static const char digits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const char *slash = strrchr(t->final, '/');
    const char *base = slash ? slash + 1 : t->final;
    int dlen = slash ? (int)(slash - t->final) + 1 : 0;
    size_t blen = strlen(base);
    if (blen > TEMP_BASE_MAX)
        blen = TEMP_BASE_MAX;
    size_t size = (size_t)dlen + blen + 64;
    t->tmp = malloc(size);
    if (!t->tmp) {
        errno = ENOMEM;
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uint64_t)(uintptr_t)t;
    for (int attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        x = x * 6364136223846793005u + 1442695040888963407u;
        for (int i = 0; i < 6; i++)
            suffix[i] = digits[(x >> (10 + 6 * i)) % 62];
        suffix[6] = '\0';
        snprintf(t->tmp, size, "%.*s.%.*s.kcc-%ld-%s", dlen, t->final, (int)blen, base,
                 (long)getpid(), suffix);
        int fd = open(t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

kcc_status kcc_write_files(const kcc_out_file *files, int n, int flags, kcc_error *err)
{
    if (n <= 0)
        return KCC_OK;
    target *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return kcc_error_set(err, KCC_ERR_NOMEM, "%s: out of memory", files[0].path);
    kcc_status st = KCC_OK;
    for (int i = 0; i < n; i++)
        t[i].lock = t[i].live = -1;
    for (int i = 0; i < n && st == KCC_OK; i++) {
        t[i].path = files[i].path;
        t[i].data = files[i].data;
        t[i].len = files[i].len;
        st = classify(&t[i], err);
    }

    /* The temporary files, complete. */
    for (int i = 0; i < n && st == KCC_OK; i++) {
        if (t[i].stream)
            continue;
        remove_stale(t[i].final);
        int fd = create_temporary(&t[i]);
        if (fd < 0) {
            int e = errno;
            free(t[i].tmp);
            t[i].tmp = NULL;
            st = kcc_error_set(err, e == ENOMEM ? KCC_ERR_NOMEM : KCC_ERR_IO,
                               "%s: cannot create: %s%s", t[i].path, strerror(e),
                               e == ENOENT ? " (does the directory exist?)" : "");
            break;
        }
        t[i].live = live_add(t[i].tmp);
        /* The lock stays with a duplicate until the rename: fd is closed
         * before, to check what close reports. */
        t[i].lock = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (t[i].lock >= 0)
            kcc_temporary_lock(t[i].lock);
        int e = write_fd(fd, t[i].data, t[i].len);
        if (!e && (flags & KCC_WRITE_SYNC) && fsync(fd) != 0)
            e = errno;
        if (close(fd) != 0 && !e)
            e = errno;
        if (e)
            st = kcc_error_set(err, KCC_ERR_IO, "%s: cannot write: %s", t[i].path, strerror(e));
    }

    /* Devices and FIFOs, in place. */
    for (int i = 0; i < n && st == KCC_OK; i++) {
        if (!t[i].stream)
            continue;
        int fd = open(t[i].path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        int e = fd < 0 ? errno : write_fd(fd, t[i].data, t[i].len);
        if (fd >= 0 && close(fd) != 0 && !e)
            e = errno;
        if (e)
            st = kcc_error_set(err, KCC_ERR_IO, "%s: cannot write: %s", t[i].path, strerror(e));
    }

    /* Then the renames. */
    for (int i = 0; i < n && st == KCC_OK; i++) {
        if (!t[i].tmp)
            continue;
        if (rename(t[i].tmp, t[i].final) != 0) {
            st = kcc_error_set(err, KCC_ERR_IO, "%s: cannot replace: %s", t[i].path,
                               strerror(errno));
        } else {
            free(t[i].tmp);
            t[i].tmp = NULL;
        }
    }
    for (int i = 0; i < n; i++) {
        if (t[i].tmp)
            unlink(t[i].tmp);
        live_remove(t[i].live);
        if (t[i].lock >= 0)
            close(t[i].lock);
        free(t[i].tmp);
        free(t[i].final);
    }
    free(t);
    return st;
}

kcc_status kcc_write_file(const char *path, const void *data, size_t len, kcc_error *err)
{
    kcc_out_file f = {path, data, len};
    return kcc_write_files(&f, 1, KCC_WRITE_SYNC, err);
}
