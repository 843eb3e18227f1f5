/*
 * file.c - opening and reading the files kcc is given, and showing their
 * text in messages (see kcc_file.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "kcc_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular file is, for the reason. */
static const char *file_kind(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "a special file";
}

/* The reason an open at (dirfd, name) failed with errno e. */
static kcc_status open_failed(int dirfd, const char *name, int nofollow, int e, kcc_error *err)
{
    struct stat st;
    kcc_status status;
    if (nofollow && (e == ELOOP || e == ENOTDIR || e == EMLINK) &&
        fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        status = kcc_error_set(err, KCC_ERR_IO, "a symbolic link, which kcc does not follow "
                                                "here (the file must lie inside the model's "
                                                "directory)");
    else
        status = kcc_error_set(err, e == ENOMEM ? KCC_ERR_NOMEM : KCC_ERR_IO, "%s", strerror(e));
    errno = e;
    return status;
}

/* Opens dir/path without leaving dir: each component of path is opened
 * from the one before without following symbolic links. */
static kcc_status open_beneath(const char *dir, const char *path, int *fd, kcc_error *err)
{
    if (path[0] == '/')
        return kcc_error_set(err, KCC_ERR_IO, "an absolute path, outside the model's directory");
    int at = open(dir && *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (at < 0)
        return kcc_error_set(err, KCC_ERR_IO, "%s", strerror(errno));
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char name[256];
        if (n >= sizeof name) {
            close(at);
            return kcc_error_set(err, KCC_ERR_IO, "%s", strerror(ENAMETOOLONG));
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (slash && (n == 0 || strcmp(name, ".") == 0)) { /* "a//b", "./a" */
            p = slash + 1;
            continue;
        }
        if (strcmp(name, "..") == 0) {
            close(at);
            return kcc_error_set(err, KCC_ERR_IO, "a path through \"..\", outside the model's "
                                                  "directory");
        }
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : O_NONBLOCK);
        int next = openat(at, n ? name : ".", flags);
        if (next < 0) {
            kcc_status st = open_failed(at, name, 1, errno, err);
            int e = errno;
            close(at);
            errno = e;
            return st;
        }
        close(at);
        at = next;
        if (!slash)
            break;
        p = slash + 1;
    }
    *fd = at;
    return KCC_OK;
}

kcc_status kcc_file_open(const char *dir, const char *path, unsigned flags, int *fd,
                         size_t *size, kcc_error *err)
{
    *fd = -1;
    *size = 0;
    int f = -1;
    if (flags & KCC_FILE_BENEATH) {
        kcc_status st = open_beneath(dir, path, &f, err);
        if (st)
            return st;
    } else {
        /* O_NONBLOCK: a FIFO without a writer must not block the open. */
        f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (f < 0)
            return open_failed(AT_FDCWD, path, 0, errno, err);
    }
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return kcc_error_set(err, KCC_ERR_IO, "%s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(f);
        if (S_ISDIR(st.st_mode))
            return kcc_error_set(err, KCC_ERR_IO, "%s", strerror(EISDIR));
        return kcc_error_set(err, KCC_ERR_IO, "%s, not a regular file", file_kind(st.st_mode));
    }
    /* A regular file: reads may block again (they do not, but the
     * descriptor is the caller's now, for zlib and friends). */
    int fl = fcntl(f, F_GETFL);
    if (fl < 0 || fcntl(f, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(f);
        return kcc_error_set(err, KCC_ERR_IO, "%s", strerror(e));
    }
    *fd = f;
    *size = st.st_size > 0 && (uintmax_t)st.st_size < SIZE_MAX ? (size_t)st.st_size : 0;
    return KCC_OK;
}

/* "256 MiB", or "1000 bytes". */
static void size_text(char *buf, size_t cap, size_t n)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB"};
    int u = 0;
    while (u < 3 && n >= 1024 && n % 1024 == 0) {
        n /= 1024;
        u++;
    }
    snprintf(buf, cap, "%zu %s", n, units[u]);
}

kcc_status kcc_file_read(const char *dir, const char *path, unsigned flags, size_t max,
                         char **data, size_t *len, kcc_error *err)
{
    *data = NULL;
    *len = 0;
    if (max >= SIZE_MAX - 1)
        max = SIZE_MAX - 2;
    int fd;
    size_t size;
    kcc_status st = kcc_file_open(dir, path, flags, &fd, &size, err);
    if (st)
        return st;
    /* Room for the file as fstat sees it (a file in /proc says 0), at
     * most max + 1 bytes: one more than allowed tells "too long". */
    size_t cap = (size < max ? size : max) + 2, n = 0;
    if (cap < 4096)
        cap = max + 2 < 4096 ? max + 2 : 4096;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return kcc_error_set(err, KCC_ERR_NOMEM, "out of memory");
    }
    while (n < max + 1) {
        if (n + 1 == cap) {
            size_t ncap = cap < (max + 2) / 2 ? cap * 2 : max + 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                close(fd);
                return kcc_error_set(err, KCC_ERR_NOMEM, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        size_t want = cap - 1 - n;
        if (want > max + 1 - n)
            want = max + 1 - n;
        ssize_t r = read(fd, buf + n, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return kcc_error_set(err, KCC_ERR_IO, "%s", strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        free(buf);
        char limit[32];
        size_text(limit, sizeof limit, max);
        *len = size > max ? size : n;
        return kcc_error_set(err, KCC_ERR_FORMAT, "larger than %s, the most kcc reads of this file",
                             limit);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return KCC_OK;
}

/* The length of the well-formed UTF-8 character at s (n bytes left), not
 * a C1 control, or 0. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    unsigned long c = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++)
        c = c << 6 | (s[i] & 0x3F);
    static const unsigned long least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < least[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || c <= 0x9F)
        return 0;
    return len;
}

void kcc_text_show(char *dst, size_t cap, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        char piece[8];
        size_t len = 1, plen;
        if (u[i] >= 0x20 && u[i] < 0x7F) {
            piece[0] = (char)u[i];
            plen = 1;
        } else if ((len = utf8_char(u + i, n - i)) > 0) {
            memcpy(piece, u + i, len);
            plen = len;
        } else {
            len = 1;
            if (u[i] == '\n' || u[i] == '\r' || u[i] == '\t')
                plen = (size_t)snprintf(piece, sizeof piece, "\\%c",
                                        u[i] == '\n' ? 'n' : u[i] == '\r' ? 'r' : 't');
            else
                plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", u[i]);
        }
        /* Room for this piece, and "..." after it unless it is the last. */
        if (o + plen + (i + len < n ? 3 : 0) + 1 > cap) {
            if (o + 4 <= cap) {
                memcpy(dst + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(dst + o, piece, plen);
        o += plen;
        i += len;
    }
    dst[o] = '\0';
}
