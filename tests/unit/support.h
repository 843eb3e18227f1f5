/*
 * support.h - what several unit tests share: a temporary directory, a
 * capture of stderr (where the compiler's diagnostics go), and models
 * parsed from JSON text.
 */
#ifndef KCC_UNIT_SUPPORT_H
#define KCC_UNIT_SUPPORT_H

#include "compiler.h"

/* A directory made with mkdtemp in $KCC_UNIT_TMPDIR (the build directory,
 * when run by ctest) or else /tmp.  Every file written through tmp_write
 * (or named through tmp_path) is removed with it. */
enum { TMP_MAX_FILES = 64, TMP_MAX_DIRS = 8 };
typedef struct TmpDir {
    char path[512];
    char *files[TMP_MAX_FILES];
    int nfiles;
    char *dirs[TMP_MAX_DIRS];
    int ndirs;
} TmpDir;

/* Exits the program with status 1 if the directory cannot be made. */
void tmp_make(TmpDir *t);
/* "<dir>/<name>", owned by t; the file need not exist. */
const char *tmp_path(TmpDir *t, const char *name);
/* Makes the directory <dir>/<name>; returns its path, owned by t. */
const char *tmp_subdir(TmpDir *t, const char *name);
/* Writes len bytes to <dir>/<name>; returns its path, owned by t. */
const char *tmp_write(TmpDir *t, const char *name, const void *data, size_t len);
/* The same, for a NUL-terminated text. */
const char *tmp_write_text(TmpDir *t, const char *name, const char *text);
/* Removes the files, the subdirectories and the directory. */
void tmp_remove(TmpDir *t);

/* Everything written to stderr (fd 2) between the two calls.  Not nested.
 * capture_end returns it NUL-terminated; the caller frees. */
void capture_begin(void);
char *capture_end(void);
/* Line n (from 0) of text without its newline, or NULL; caller frees. */
char *text_line(const char *text, int n);
/* The number of lines in text (a last line without newline counts). */
int text_lines(const char *text);

/* A copy of s with every single quote made a double quote, so that tests
 * can write JSON as 'C strings' without escapes.  Caller frees. */
char *json_quotes(const char *s);

/* Keras's defaults, as when there is no keras.json. */
KerasConfig keras_defaults(void);

/* Writes json (after json_quotes) to <dir>/<name> and parses it as a model with the given
 * configuration (Keras's defaults when kc is NULL); diagnostics go to
 * stderr and count in *d.  NULL when parsing failed. */
Model *model_from_text(TmpDir *t, const char *name, const char *json,
                       const KerasConfig *kc, Diag *d);

#endif /* KCC_UNIT_SUPPORT_H */
