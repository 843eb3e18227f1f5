/*
 * support.c - temporary files, stderr capture and models from text for the
 * unit tests (see support.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tmp_make(TmpDir *t)
{
    memset(t, 0, sizeof *t);
    const char *base = getenv("KCC_UNIT_TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int n = snprintf(t->path, sizeof t->path, "%s/kcc-unit-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof t->path) {
        printf("support.c: temporary directory path too long: %s\n", base);
        exit(1);
    }
    if (!mkdtemp(t->path)) {
        perror("mkdtemp");
        exit(1);
    }
}

const char *tmp_path(TmpDir *t, const char *name)
{
    char *path = xformat("%s/%s", t->path, name);
    for (int i = 0; i < t->nfiles; i++) {
        if (strcmp(t->files[i], path) == 0) {
            free(path);
            return t->files[i];
        }
    }
    if (t->nfiles == TMP_MAX_FILES) {
        fprintf(stdout, "support.c: too many temporary files\n");
        exit(1);
    }
    t->files[t->nfiles++] = path;
    return path;
}

const char *tmp_subdir(TmpDir *t, const char *name)
{
    if (t->ndirs == TMP_MAX_DIRS) {
        fprintf(stdout, "support.c: too many temporary directories\n");
        exit(1);
    }
    char *path = xformat("%s/%s", t->path, name);
    if (mkdir(path, 0700) != 0) {
        perror(path);
        exit(1);
    }
    t->dirs[t->ndirs++] = path;
    return path;
}

const char *tmp_write(TmpDir *t, const char *name, const void *data, size_t len)
{
    const char *path = tmp_path(t, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    return path;
}

const char *tmp_write_text(TmpDir *t, const char *name, const char *text)
{
    return tmp_write(t, name, text, strlen(text));
}

void tmp_remove(TmpDir *t)
{
    for (int i = 0; i < t->nfiles; i++) {
        unlink(t->files[i]); /* may never have been written */
        free(t->files[i]);
    }
    t->nfiles = 0;
    while (t->ndirs > 0) {
        char *dir = t->dirs[--t->ndirs];
        if (rmdir(dir) != 0)
            perror(dir);
        free(dir);
    }
    if (rmdir(t->path) != 0)
        perror(t->path);
}

static FILE *capture_file;
static int capture_saved_fd = -1;

void capture_begin(void)
{
    fflush(stderr);
    capture_file = tmpfile();
    capture_saved_fd = dup(2);
    if (!capture_file || capture_saved_fd < 0 || dup2(fileno(capture_file), 2) < 0) {
        perror("capture_begin");
        exit(1);
    }
}

char *capture_end(void)
{
    fflush(stderr);
    dup2(capture_saved_fd, 2);
    close(capture_saved_fd);
    capture_saved_fd = -1;
    rewind(capture_file);
    StrBuf sb = {0};
    sb_add(&sb, "");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, capture_file)) > 0)
        sb_addn(&sb, buf, n);
    fclose(capture_file);
    capture_file = NULL;
    return sb.data;
}

char *text_line(const char *text, int n)
{
    const char *p = text;
    for (int i = 0; i < n; i++) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    if (!*p)
        return NULL;
    size_t len = strcspn(p, "\n");
    char *line = xmalloc(len + 1);
    memcpy(line, p, len);
    line[len] = '\0';
    return line;
}

int text_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        if (*p == '\n' || p[1] == '\0')
            n++;
    return n;
}

char *json_quotes(const char *s)
{
    char *q = xstrdup(s);
    for (char *c = q; *c; c++)
        if (*c == '\'')
            *c = '"';
    return q;
}

KerasConfig keras_defaults(void)
{
    KerasConfig kc = {DT_F32, FMT_CHANNELS_LAST, 1e-7, NULL};
    return kc;
}

Model *model_from_text(TmpDir *t, const char *name, const char *json,
                       const KerasConfig *kc, Diag *d)
{
    KerasConfig def = keras_defaults();
    char *text = json_quotes(json);
    const char *path = tmp_write_text(t, name, text);
    free(text);
    return parse_model(d, path, kc ? kc : &def);
}
