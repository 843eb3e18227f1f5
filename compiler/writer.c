/*
 * writer.c - text out: template expansion and all-or-nothing files
 * (runtime/files.c writes them).
 */
#define _POSIX_C_SOURCE 200809L
#include "compiler.h"

#include "files.h"

#include <stdlib.h>
#include <string.h>

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
