/*
 * writer.c - text out: template expansion and all-or-nothing files.
 */
#define _POSIX_C_SOURCE 200809L
#include "compiler.h"

#include <errno.h>
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
    char **tmp = xcalloc((size_t)n, sizeof *tmp);
    bool ok = true;
    mode_t mask = umask(0);
    umask(mask);
    for (int i = 0; i < n && ok; i++) {
        tmp[i] = xformat("%s.kcc-XXXXXX", files[i].path);
        int fd = mkstemp(tmp[i]);
        if (fd < 0) {
            diag_error(d, "%s: cannot create: %s%s", files[i].path, strerror(errno),
                       errno == ENOENT ? " (does the directory exist?)" : "");
            free(tmp[i]);
            tmp[i] = NULL;
            ok = false;
            break;
        }
        const char *data = files[i].data;
        size_t left = files[i].len;
        while (left > 0) {
            ssize_t w = write(fd, data, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                diag_error(d, "%s: cannot write: %s", files[i].path,
                           w < 0 ? strerror(errno) : "no space?");
                ok = false;
                break;
            }
            data += w;
            left -= (size_t)w;
        }
        if (ok && fchmod(fd, 0666 & ~mask) != 0) {
            diag_error(d, "%s: cannot set permissions: %s", files[i].path, strerror(errno));
            ok = false;
        }
        if (close(fd) != 0 && ok) {
            diag_error(d, "%s: cannot write: %s", files[i].path, strerror(errno));
            ok = false;
        }
    }
    for (int i = 0; i < n && ok; i++) {
        if (rename(tmp[i], files[i].path) != 0) {
            diag_error(d, "%s: cannot replace: %s", files[i].path, strerror(errno));
            ok = false;
        } else {
            free(tmp[i]);
            tmp[i] = NULL;
        }
    }
    for (int i = 0; i < n; i++) {
        if (tmp[i])
            unlink(tmp[i]);
        free(tmp[i]);
    }
    free(tmp);
    return ok;
}
